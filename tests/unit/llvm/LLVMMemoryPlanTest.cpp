// Scratch memory planning: buffers whose lifetimes overlap never share a
// slot, buffers that do not are reused (preferring equal sizes), and a long
// chain of intermediate values runs in the memory of two of them.
#include "LLVMTestSupport.h"

#include "codegen/llvm/MemoryPlan.h"

namespace attn::llvmcg::testing {
namespace {

PlannedBuffer buffer(ir::Dim elements, int first, int last) { return {ByteSize{elements, 4}, first, last, -1}; }

bool overlap(const PlannedBuffer &a, const PlannedBuffer &b) { return a.first <= b.last && b.first <= a.last; }

TEST(LLVMMemoryPlan, OverlappingBuffersNeverShareASlot) {
  Dim B = Dim::symbol("B"), T = Dim::symbol("T");
  std::vector<PlannedBuffer> buffers = {buffer(B * T, 0, 2), buffer(B, 1, 1),    buffer(B * T, 2, 4),
                                        buffer(T, 3, 6),     buffer(B * T, 5, 5), buffer(B, 3, 3),
                                        buffer(Dim(7), 6, 9), buffer(B * T, 7, 8)};
  SlotAssignment slots = assignSlots(buffers);
  for (size_t a = 0; a < buffers.size(); ++a)
    for (size_t b = a + 1; b < buffers.size(); ++b) {
      if (overlap(buffers[a], buffers[b])) {
        EXPECT_NE(slots.slotOf[a], slots.slotOf[b]) << a << " and " << b;
      }
    }
  EXPECT_LT(slots.slotCount, int(buffers.size()));
  // Buffer 4 (B*T, node 5) goes to the free slot that held a B*T buffer
  // (buffer 2's), not to buffer 1's (of size B, free as well).
  EXPECT_EQ(slots.slotOf[4], slots.slotOf[2]);
  EXPECT_NE(slots.slotOf[2], slots.slotOf[0]);
}

TEST(LLVMMemoryPlan, AChainRunsInTwoBuffers) {
  ModelBuilder m;
  Dim B = Dim::symbol("B"), T = Dim::symbol("T");
  ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(16)});
  ir::Value *v = x;
  for (int i = 0; i < 20; ++i) v = m.value(i % 2 ? OpKind::Tanh : OpKind::Exp, {v});
  m.result("y", v);
  auto exe = compileWithLLVM(m);
  ASSERT_TRUE(exe);
  auto bytes = scratchBytes(*exe, "f", {{"B", 8}, {"T", 10}});
  ASSERT_TRUE(bytes.isOk()) << bytes.message();
  int64_t one = 8 * 10 * 16 * 4; // 64-byte aligned already
  EXPECT_EQ(*bytes, 2 * one);    // 19 intermediates, the last one written into the output
  Tensor in(DType::F32, {8, 10, 16});
  auto r = exe->run("f", {{"x", in.view()}});
  ASSERT_TRUE(r.isOk()) << r.message();
  EXPECT_FALSE(scratchBytes(*m.compile(), "f", {{"B", 1}, {"T", 1}}).isOk()); // not llvm
}

} // namespace
} // namespace attn::llvmcg::testing
