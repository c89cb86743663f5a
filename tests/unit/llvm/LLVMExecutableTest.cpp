// The llvm backend as an Executable, against the interpreter's behaviour:
// signatures, input, weight and dim-binding errors (the same messages),
// zero-sized dims, runInto writing in place, weight lifetime, sizes that
// overflow and the memory limit.
#include "LLVMTestSupport.h"

namespace attn::llvmcg::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");

/// f(tokens: i64[B, T], mask: bool[B, T], pair: f32[2*T]) -> (tokens, n: i64)
void bindingModel(ModelBuilder &m) {
  ir::Value *tokens = m.argument("tokens", DType::I64, {B, T});
  m.argument("mask", DType::Bool, {B, T});
  m.argument("pair", DType::F32, {Dim(2) * T});
  m.result("tokens", tokens);
  ir::Attrs a;
  a.Symbol = "T";
  m.result("n", m.value(OpKind::DimValue, {}, a));
}

TEST(LLVMExecutable, DescribesItsFunctionsAsTheInterpreter) {
  ModelBuilder m;
  bindingModel(m);
  auto llvm = compileWithLLVM(m);
  auto interp = m.compile();
  ASSERT_TRUE(llvm && interp);
  EXPECT_EQ(llvm->backendName(), "llvm");
  ASSERT_EQ(llvm->functions().size(), 1u);
  const FunctionSignature &a = llvm->functions()[0], &b = interp->functions()[0];
  ASSERT_EQ(a.arguments.size(), b.arguments.size());
  for (size_t i = 0; i < a.arguments.size(); ++i) EXPECT_EQ(a.arguments[i].typeString(), b.arguments[i].typeString());
  EXPECT_EQ(a.results[1].typeString(), "i64");
}

TEST(LLVMExecutable, InputErrorsAreTheInterpreters) {
  ModelBuilder m;
  bindingModel(m);
  auto llvm = compileWithLLVM(m);
  auto interp = m.compile();
  ASSERT_TRUE(llvm && interp);
  auto inputs = [](Shape tokens, Shape mask, Shape pair, DType tokenType = DType::I64) {
    Inputs in;
    in.add("tokens", Tensor(tokenType, std::move(tokens)));
    in.add("mask", Tensor(DType::Bool, std::move(mask)));
    in.add("pair", Tensor(DType::F32, std::move(pair)));
    return in;
  };
  std::vector<Inputs> cases = {inputs({2, 7}, {2, 7}, {14}), inputs({2, 7}, {2, 5}, {14}),
                               inputs({2, 7}, {2, 7}, {13}), inputs({2, 7}, {2, 7}, {14}, DType::F32),
                               inputs({14}, {2, 7}, {14})};
  Inputs unknown = inputs({2, 7}, {2, 7}, {14});
  unknown.tensors[0].first = "tokenz";
  cases.push_back(std::move(unknown));
  Inputs missing = inputs({2, 7}, {2, 7}, {14});
  missing.tensors.pop_back();
  cases.push_back(std::move(missing));
  for (const Inputs &c : cases) expectSameResults(*interp, *llvm, c);
  auto r = llvm->run("forward", cases[0].views());
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.message(), "no function 'forward' in model 'test' (its functions: f)");
}

TEST(LLVMExecutable, WeightAndDimErrorsAreTheInterpreters) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, Dim(3)});
  ir::Value *w = m.module().addWeight("fc.weight", ir::Type{DType::F32, {Dim(2), Dim(3)}});
  ir::Value *b = m.module().addWeight("fc.bias", ir::Type{DType::F32, {Dim(2)}});
  m.result("y", m.value(OpKind::Linear, {x, w, b}));
  Tensor wrongShape(DType::F32, {3, 2}), wrongDtype(DType::I64, {2});
  WeightMap weights;
  weights.tensors = {{"fc.weight", wrongShape.view()}, {"fc.bias", wrongDtype.view()}};
  auto llvm = compileLLVM(m.sharedModule(), weights);
  auto interp = m.tryCompile(weights);
  ASSERT_FALSE(llvm.isOk());
  EXPECT_EQ(llvm.message(), interp.message());

  ModelBuilder unbindable;
  ir::Value *y = unbindable.argument("x", DType::F32, {Dim(2) * T});
  unbindable.result("y", unbindable.value(OpKind::Tanh, {y}));
  auto bad = compileLLVM(unbindable.sharedModule(), unbindable.weightMap());
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.message(), unbindable.tryCompile().message());
}

// A call whose dims were seen before skips the maps of the input binding
// (LLVMExecutable.cpp's Prepared): dims that come back after others (and
// after more sets of dims than are kept) give the interpreter's results, and
// inputs that are wrong in a way the quick path does not read (an argument's
// dim that must equal another's, a constant dim, the dtype, a name, a
// missing or extra input) get the interpreter's messages after a good call
// with the same dims.
TEST(LLVMExecutable, RepeatedDimsGiveTheInterpretersResultsAndErrors) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(3)});
  ir::Value *y = m.argument("y", DType::F32, {T});
  ir::Value *z = m.value(OpKind::Linear, {x, m.weight("w", f32({2, 3}, {1, 2, 3, 4, 5, 6}))});
  m.result("p", m.value(OpKind::Softmax, {z}, axisAttrs(2)));
  m.result("yy", m.value(OpKind::Add, {y, y}));
  auto llvm = compileWithLLVM(m);
  auto interp = m.compile();
  ASSERT_TRUE(llvm && interp);
  Random random(5);
  auto inputs = [&](Shape xs, Shape ys, DType yType = DType::F32) {
    Inputs in;
    in.add("x", random.tensor(DType::F32, std::move(xs)));
    in.add("y", random.tensor(yType, std::move(ys)));
    return in;
  };
  for (auto [b, t] : std::vector<std::pair<int64_t, int64_t>>{{2, 5}, {4, 1}, {2, 5}, {3, 5}, {5, 5}, {1, 2}, {6, 3}, {2, 5}})
    expectSameResults(*interp, *llvm, inputs({b, t, 3}, {t}));
  std::vector<Inputs> wrong;
  wrong.push_back(inputs({2, 5, 3}, {4}));
  wrong.push_back(inputs({2, 5, 4}, {5}));
  wrong.push_back(inputs({2, 5, 3}, {5}, DType::I64));
  Inputs renamed = inputs({2, 5, 3}, {5});
  renamed.tensors[1].first = "z";
  wrong.push_back(std::move(renamed));
  Inputs missing = inputs({2, 5, 3}, {5});
  missing.tensors.pop_back();
  wrong.push_back(std::move(missing));
  Inputs extra = inputs({2, 5, 3}, {5});
  extra.add("w", random.tensor(DType::F32, {5}));
  wrong.push_back(std::move(extra));
  Inputs twice = inputs({2, 5, 3}, {5});
  twice.add("y", random.tensor(DType::F32, {5}));
  wrong.push_back(std::move(twice));
  for (const Inputs &c : wrong) {
    auto r = llvm->run("f", c.views());
    EXPECT_FALSE(r.isOk());
    expectSameResults(*interp, *llvm, c);
  }
  // The inputs in another order than the arguments'.
  Inputs swapped = inputs({2, 5, 3}, {5});
  std::swap(swapped.tensors[0], swapped.tensors[1]);
  expectSameResults(*interp, *llvm, swapped);
}

TEST(LLVMExecutable, RunIntoWritesTheCallersBuffers) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {T});
  m.result("double", m.value(OpKind::Add, {x, x}));
  m.result("same", x);
  auto exe = compileWithLLVM(m);
  ASSERT_TRUE(exe);
  Tensor xs = f32({3}, {1, 2, 3}), twice(DType::F32, {3}), same(DType::F32, {3}), wrong(DType::F32, {4});
  Status s = exe->runInto("f", {{"x", xs.view()}}, {{"same", same.view()}, {"double", twice.view()}});
  ASSERT_TRUE(s.isOk()) << s.message();
  EXPECT_EQ(valuesOf(twice), (std::vector<double>{2, 4, 6}));
  EXPECT_EQ(valuesOf(same), (std::vector<double>{1, 2, 3}));
  s = exe->runInto("f", {{"x", xs.view()}}, {{"same", same.view()}, {"double", wrong.view()}});
  EXPECT_EQ(s.message(), "output 'double' is f32[3], its buffer is f32[4]");
  s = exe->runInto("f", {{"x", xs.view()}}, {{"same", same.view()}});
  EXPECT_EQ(s.message(), "output 'double' needs exactly one buffer, got 0");
  s = exe->runInto("f", {{"x", xs.view()}}, {{"same", same.view()}, {"double", twice.view()}, {"extra", same.view()}});
  EXPECT_EQ(s.message(), "an output buffer names no result of function 'f'");
}

TEST(LLVMExecutable, ZeroSizedBatchRuns) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(3)});
  ir::Value *y = m.value(OpKind::Linear, {x, m.weight("w", f32({2, 3}, {1, 2, 3, 4, 5, 6}))});
  m.result("p", m.value(OpKind::Softmax, {y}, axisAttrs(2)));
  m.result("s", m.value(OpKind::Sum, {y}, axisAttrs(1)));
  auto exe = compileWithLLVM(m);
  ASSERT_TRUE(exe);
  Tensor empty(DType::F32, {0, 5, 3});
  auto r = exe->run("f", {{"x", empty.view()}});
  ASSERT_TRUE(r.isOk()) << r.message();
  EXPECT_EQ((*r)[0].shape(), (Shape{0, 5, 2}));
  EXPECT_EQ((*r)[1].shape(), (Shape{0, 2}));
}

TEST(LLVMExecutable, WeightsOutliveTheCallersHandles) {
  std::unique_ptr<Executable> exe;
  {
    ModelBuilder m;
    ir::Value *x = m.argument("x", DType::F32, {Dim(2)});
    ir::Value *w = m.module().addWeight("w", ir::Type{DType::F32, {Dim(2)}});
    m.result("y", m.value(OpKind::Mul, {x, w}));
    std::vector<std::pair<std::string, Tensor>> tensors;
    tensors.emplace_back("w", f32({2}, {3, 4}));
    auto store = std::make_shared<const WeightStore>(WeightStore::fromTensors(std::move(tensors)));
    auto compiled = compileLLVM(m.sharedModule(), WeightMap::fromStore(std::move(store)));
    ASSERT_TRUE(compiled.isOk()) << compiled.message();
    exe = std::move(*compiled);
  }
  Tensor xs = f32({2}, {1, 2});
  auto r = exe->run("f", {{"x", xs.view()}});
  ASSERT_TRUE(r.isOk()) << r.message();
  EXPECT_EQ(valuesOf((*r)[0]), (std::vector<double>{3, 8}));
}

TEST(LLVMExecutable, ABadTargetIsAnError) {
  ModelBuilder m;
  m.result("x", m.argument("x", DType::F32, {T}));
  auto r = compileLLVM(m.sharedModule(), m.weightMap(), {"no-such-cpu", "", 1});
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.message().find("unknown CPU 'no-such-cpu'"), std::string::npos) << r.message();
}

// A target the generated code cannot work with is an error value before any
// code is generated: LLVM would abort the host on a 32-bit CPU, run out of
// memory on soft-float, and compute wrong values without SSE.
TEST(LLVMExecutable, ATargetWithoutTheX86_64AbiIsAnError) {
#if !defined(__x86_64__)
  GTEST_SKIP() << "x86 CPU names";
#endif
  ModelBuilder m;
  m.result("y", m.value(OpKind::Tanh, {m.argument("x", DType::F32, {T})}));
  const std::pair<LLVMOptions, std::string> cases[] = {
      {{"i386", "", 1}, "CPU 'i386' cannot run x86-64 code"},
      {{"pentium4", "+sse2", 1}, "CPU 'pentium4' cannot run x86-64 code"},
      {{"x86-64", "-64bit-mode", 1}, "CPU feature '-64bit-mode' is not supported"},
      {{"x86-64", "+soft-float", 1}, "CPU feature '+soft-float' is not supported"},
      {{"x86-64", "+avx,-sse", 1}, "CPU feature '-sse' is not supported"},
      {{"x86-64", "-x87", 1}, "CPU feature '-x87' is not supported"},
  };
  for (const auto &[options, message] : cases) {
    auto r = compileLLVM(m.sharedModule(), m.weightMap(), options);
    ASSERT_FALSE(r.isOk()) << options.cpu << " " << options.features;
    EXPECT_NE(r.message().find(message), std::string::npos) << r.message();
  }
  EXPECT_TRUE(compileLLVM(m.sharedModule(), m.weightMap(), {"x86-64", "-sse4.2,+sse2", 1}).isOk());
}

// A zero-byte input binds a dim as large as it likes: q, k of shape [2^32, 0]
// make q @ k^T a [2^32, 2^32] tensor, 2^66 bytes. Both backends say so
// instead of allocating a wrapped-around size and writing past it.
TEST(LLVMExecutable, ResultsTooLargeToAddressAreErrors) {
  ModelBuilder m;
  const Dim Tq = Dim::symbol("Tq"), Tk = Dim::symbol("Tk"), D = Dim::symbol("D");
  ir::Value *q = m.argument("q", DType::F32, {Tq, D});
  ir::Value *k = m.argument("k", DType::F32, {Tk, D});
  ir::Attrs swap;
  swap.Axis = 0;
  swap.Axis2 = 1;
  ir::Value *scores = m.value(OpKind::MatMul, {q, m.value(OpKind::Transpose, {k}, swap)});
  m.result("s", m.value(OpKind::Softmax, {scores}, axisAttrs(1)));
  auto llvm = compileWithLLVM(m);
  auto interp = m.compile();
  ASSERT_TRUE(llvm && interp);
  float none = 0;
  const int64_t huge = int64_t(1) << 32;
  NamedTensorViews inputs = {{"q", TensorView{DType::F32, {huge, 0}, &none}},
                             {"k", TensorView{DType::F32, {huge, 0}, &none}}};
  for (const Executable *exe : {interp.get(), llvm.get()}) {
    auto r = exe->run("f", inputs);
    ASSERT_FALSE(r.isOk()) << exe->backendName();
    EXPECT_EQ(r.message(), "matmul: result shape [Tq, Tk] is [4294967296, 4294967296], more bytes than memory "
                           "can address (D = 0, Tk = 4294967296, Tq = 4294967296)")
        << exe->backendName();
  }
}

// The scratch size function computes with overflow checks: -1 for dims whose
// buffers do not fit in an int64, never a small wrapped-around size.
TEST(LLVMExecutable, ScratchSizeOverflowIsMinusOne) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {B, T});
  m.result("y", m.value(OpKind::Exp, {m.value(OpKind::Tanh, {x})}));
  auto exe = compileWithLLVM(m);
  ASSERT_TRUE(exe);
  auto small = scratchBytes(*exe, "f", {{"B", 3}, {"T", 5}});
  ASSERT_TRUE(small.isOk()) << small.message();
  EXPECT_GE(*small, 3 * 5 * 4);
  auto huge = scratchBytes(*exe, "f", {{"B", int64_t(1) << 32}, {"T", int64_t(1) << 32}});
  ASSERT_TRUE(huge.isOk()) << huge.message();
  EXPECT_EQ(*huge, -1);
}

// A run allocates at most the limit: results and intermediate values (the
// interpreter's) or results and scratch (llvm); past it, an error, and the
// Executable still runs calls within it.
TEST(LLVMExecutable, RunsStayWithinTheMemoryLimit) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {T});
  m.result("y", m.value(OpKind::Exp, {m.value(OpKind::Tanh, {x})}));
  LLVMOptions options;
  options.maxMemory = 1000;
  auto llvm = compileWithLLVM(m, options);
  auto interp = interp::compileInterpreter(m.sharedModule(), m.weightMap(), 1000);
  ASSERT_TRUE(llvm && interp.isOk());
  for (const Executable *exe : {(*interp).get(), llvm.get()}) {
    Tensor fits(DType::F32, {50}), tooLarge(DType::F32, {1000});
    EXPECT_TRUE(exe->run("f", {{"x", fits.view()}}).isOk()) << exe->backendName();
    auto r = exe->run("f", {{"x", tooLarge.view()}});
    ASSERT_FALSE(r.isOk()) << exe->backendName();
    EXPECT_NE(r.message().find("over its limit of 1000 bytes"), std::string::npos) << r.message();
    EXPECT_TRUE(exe->run("f", {{"x", fits.view()}}).isOk()) << exe->backendName();
  }
}

} // namespace
} // namespace attn::llvmcg::testing
