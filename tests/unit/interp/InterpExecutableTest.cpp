// The interpreter as an Executable: signatures, weight and input checking,
// dim binding errors, zero-sized dims, runInto, weight lifetime, and many
// threads running one Executable.
#include "InterpTestSupport.h"

namespace attn::interp::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");

/// f(tokens: i64[B, T], mask: bool[B, T], pair: f32[2*T]) -> (tokens, n: i64)
std::unique_ptr<Executable> bindingModel() {
  ModelBuilder m;
  ir::Value *tokens = m.argument("tokens", DType::I64, {B, T});
  m.argument("mask", DType::Bool, {B, T});
  m.argument("pair", DType::F32, {Dim(2) * T});
  m.result("tokens", tokens);
  ir::Attrs a;
  a.Symbol = "T";
  m.result("n", m.value(OpKind::DimValue, {}, a));
  return m.compile();
}

TEST(InterpExecutable, DescribesItsFunctions) {
  auto exe = bindingModel();
  ASSERT_TRUE(exe);
  EXPECT_EQ(exe->backendName(), "interp");
  ASSERT_EQ(exe->functions().size(), 1u);
  const FunctionSignature *f = exe->findFunction("f");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(exe->findFunction("g"), nullptr);
  ASSERT_EQ(f->arguments.size(), 3u);
  EXPECT_EQ(f->arguments[0].name, "tokens");
  EXPECT_EQ(f->arguments[0].dtype, DType::I64);
  EXPECT_EQ(f->arguments[0].dims, (std::vector<std::string>{"B", "T"}));
  EXPECT_EQ(f->arguments[2].typeString(), "f32[2*T]");
  ASSERT_EQ(f->results.size(), 2u);
  EXPECT_EQ(f->results[1].name, "n");
  EXPECT_EQ(f->results[1].typeString(), "i64");
}

struct BindingCase {
  std::string name;
  NamedTensorViews inputs;
  std::string error;
};

TEST(InterpExecutable, InputErrorsNameTheArgument) {
  auto exe = bindingModel();
  ASSERT_TRUE(exe);
  Tensor tokens(DType::I64, {2, 7}), mask(DType::Bool, {2, 7}), pair(DType::F32, {14});
  Tensor floats(DType::F32, {2, 7}), flat(DType::I64, {14}), shortMask(DType::Bool, {2, 5});
  Tensor oddPair(DType::F32, {13});
  auto good = [&] {
    return NamedTensorViews{
        {"tokens", tokens.view()}, {"mask", mask.view()}, {"pair", pair.view()}};
  };
  std::vector<BindingCase> cases = {
      {"unknown",
       {{"tokenz", tokens.view()}},
       "function 'f' has no argument 'tokenz' (its arguments: tokens, mask, pair)"},
      {"twice",
       {{"tokens", tokens.view()}, {"tokens", tokens.view()}},
       "input 'tokens' is given twice"},
      {"missing",
       {{"tokens", tokens.view()}, {"pair", pair.view()}},
       "missing input 'mask' (expected bool[B, T])"},
      {"dtype",
       {{"tokens", floats.view()}, {"mask", mask.view()}, {"pair", pair.view()}},
       "input 'tokens' has type f32[2, 7], expected i64[B, T]"},
      {"rank",
       {{"tokens", flat.view()}, {"mask", mask.view()}, {"pair", pair.view()}},
       "input 'tokens' has type i64[14], expected i64[B, T]"},
      {"inconsistent",
       {{"tokens", tokens.view()}, {"mask", shortMask.view()}, {"pair", pair.view()}},
       "input 'mask' has shape [2, 5], expected [B, T] = [2, 7] (T = 7 from 'tokens')"},
      {"composite",
       {{"tokens", tokens.view()}, {"mask", mask.view()}, {"pair", oddPair.view()}},
       "input 'pair' has shape [13], expected [2*T] = [14] (T = 7 from 'tokens')"},
  };
  for (const BindingCase &c : cases) {
    auto r = exe->run("f", c.inputs);
    ASSERT_FALSE(r.isOk()) << c.name;
    EXPECT_EQ(r.message(), c.error) << c.name;
  }
  auto r = exe->run("forward", good());
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.message(), "no function 'forward' in model 'test' (its functions: f)");
  auto ok = runOk(*exe, good());
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_EQ(valuesOf(ok[1]), std::vector<double>{7});
}

TEST(InterpExecutable, ConstantDimMismatch) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, Dim(4)});
  m.result("y", x);
  auto exe = m.compile();
  Tensor xs(DType::F32, {2, 5});
  auto r = exe->run("f", {{"x", xs.view()}});
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.message(), "input 'x' has shape [2, 5], expected [B, 4] = [2, 4]");
}

TEST(InterpExecutable, WeightErrorsListEveryProblem) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, Dim(3)});
  ir::Value *w = m.module().addWeight("fc.weight", ir::Type{DType::F32, {Dim(2), Dim(3)}});
  ir::Value *b = m.module().addWeight("fc.bias", ir::Type{DType::F32, {Dim(2)}});
  ir::Value *e = m.module().addWeight("emb.weight", ir::Type{DType::F32, {Dim(5), Dim(3)}});
  m.result("y", m.value(OpKind::Linear, {x, w, b}));
  m.result("e", e);
  Tensor wrongShape(DType::F32, {3, 2}), wrongDtype(DType::I64, {2}), extra(DType::F32, {1});
  WeightMap weights;
  weights.tensors = {{"fc.weight", wrongShape.view()},
                     {"fc.bias", wrongDtype.view()},
                     {"unused", extra.view()}}; // ignored
  auto r = m.tryCompile(weights);
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.message(), "weights do not match model 'test':\n"
                         "  wrong shape: fc.weight: expected f32[2, 3], found f32[3, 2]\n"
                         "  wrong dtype: fc.bias: expected f32[2], found i64[2]\n"
                         "  missing: emb.weight (f32[5, 3])");
}

TEST(InterpExecutable, UnbindableDimIsACompileError) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(2) * T});
  m.result("y", m.value(OpKind::Tanh, {x}));
  auto r = m.tryCompile();
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.message(), "function 'f': dim 'T' cannot be bound from the inputs: it is not a "
                         "whole dim of any argument");
}

TEST(InterpExecutable, ZeroSizedBatchRuns) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(3)});
  ir::Value *y = m.value(OpKind::Linear, {x, m.weight("w", f32({2, 3}, {1, 2, 3, 4, 5, 6}))});
  m.result("p", m.value(OpKind::Softmax, {y}, axisAttrs(2)));
  m.result("s", m.value(OpKind::Sum, {y}, axisAttrs(1)));
  auto exe = m.compile();
  Tensor empty(DType::F32, {0, 5, 3});
  auto r = runOk(*exe, {{"x", empty.view()}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].shape(), (Shape{0, 5, 2}));
  EXPECT_EQ(r[1].shape(), (Shape{0, 2}));
}

TEST(InterpExecutable, RunIntoWritesTheCallersBuffers) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {T});
  m.result("double", m.value(OpKind::Add, {x, x}));
  m.result("same", x);
  auto exe = m.compile();
  Tensor xs = f32({3}, {1, 2, 3}), twice(DType::F32, {3}), same(DType::F32, {3}),
         wrong(DType::F32, {4});
  Status s =
      exe->runInto("f", {{"x", xs.view()}}, {{"same", same.view()}, {"double", twice.view()}});
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(valuesOf(twice), (std::vector<double>{2, 4, 6}));
  EXPECT_EQ(valuesOf(same), (std::vector<double>{1, 2, 3}));
  s = exe->runInto("f", {{"x", xs.view()}}, {{"same", same.view()}, {"double", wrong.view()}});
  EXPECT_EQ(s.message(), "output 'double' is f32[3], its buffer is f32[4]");
  s = exe->runInto("f", {{"x", xs.view()}}, {{"same", same.view()}});
  EXPECT_EQ(s.message(), "output 'double' needs exactly one buffer, got 0");
}

TEST(InterpExecutable, WeightsOutliveTheCallersHandles) {
  std::unique_ptr<Executable> exe;
  {
    ModelBuilder m;
    ir::Value *x = m.argument("x", DType::F32, {Dim(2)});
    ir::Value *w = m.module().addWeight("w", ir::Type{DType::F32, {Dim(2)}});
    m.result("y", m.value(OpKind::Mul, {x, w}));
    std::vector<std::pair<std::string, Tensor>> tensors;
    tensors.emplace_back("w", f32({2}, {3, 4}));
    auto store = std::make_shared<const WeightStore>(WeightStore::fromTensors(std::move(tensors)));
    auto compiled = m.tryCompile(WeightMap::fromStore(std::move(store)));
    ASSERT_TRUE(compiled.isOk()) << compiled.message();
    exe = std::move(*compiled);
  } // the builder, its module handle and the store handle are gone
  Tensor xs = f32({2}, {1, 2});
  auto r = exe->run("f", {{"x", xs.view()}});
  ASSERT_TRUE(r.isOk()) << r.message();
  EXPECT_EQ(valuesOf((*r)[0]), (std::vector<double>{3, 8}));
}

} // namespace
} // namespace attn::interp::testing
