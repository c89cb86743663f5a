// The GEMM micro-kernel's register blocking (Gemm.cpp): for every output
// width, the accumulators, the vectors of Wt loaded per step and the
// broadcast x fit the target's register file (32 vector registers with
// AVX-512, 16 otherwise) without spilling, and there are enough independent
// accumulators to hide the FMA latency (at least 12 when the width allows).
#include "LLVMTestSupport.h"

#include "codegen/llvm/Codegen.h"

namespace attn::llvmcg::testing {
namespace {

TEST(LLVMGemmBlocking, FitsTheRegisterFileAndHidesTheFmaLatency) {
  for (unsigned bits : {128u, 256u, 512u}) {
    TargetInfo target;
    target.vectorBits = bits;
    unsigned registers = bits >= 512 ? 32 : 16, lanes = target.lanes();
    for (int64_t out = 1; out <= 600; ++out) {
      GemmBlocking blocking = gemmBlocking(target, out);
      SCOPED_TRACE("vector bits " + std::to_string(bits) + ", out " + std::to_string(out));
      int64_t vectors = (out + lanes - 1) / lanes;
      EXPECT_LE(blocking.rows * blocking.vectors + blocking.vectors + 1, registers);
      EXPECT_LE(int64_t(blocking.vectors), vectors);
      EXPECT_GE(blocking.rows * blocking.vectors, 12u);
    }
  }
}

} // namespace
} // namespace attn::llvmcg::testing
