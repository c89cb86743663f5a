// First light: an elementwise graph through the JIT.
#include "LLVMTestSupport.h"

namespace attn::llvmcg::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");

TEST(LLVMSmoke, ElementwiseMatchesInterpreter) {
  for (const TargetCase &target : testTargets()) {
    ModelBuilder m;
    ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(5)});
    ir::Value *row = m.argument("row", DType::F32, {Dim(5)});
    ir::Value *t = m.value(OpKind::Tanh, {m.value(OpKind::Add, {x, row})});
    m.result("y", m.value(OpKind::Mul, {t, m.value(OpKind::Exp, {x})}));
    auto interp = m.compile();
    auto llvm = compileWithLLVM(m, target.options);
    ASSERT_TRUE(llvm);
    Random random(1);
    Inputs inputs;
    inputs.add("x", random.tensor(DType::F32, {3, 7, 5}, -3, 3));
    inputs.add("row", random.tensor(DType::F32, {5}));
    expectSameResults(*interp, *llvm, inputs);
  }
}

} // namespace
} // namespace attn::llvmcg::testing
