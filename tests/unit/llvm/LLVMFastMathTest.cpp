// The polynomial exp, tanh, sigmoid and log of generated code against libm
// (in double, then rounded) over dense sweeps that include the extremes:
// overflow and underflow of exp, subnormal results and inputs, infinities,
// NaN, and tiny arguments of tanh. The error is measured in units in the
// last place (ulp) of the exact result; where the exact result is below
// FLT_MIN (subnormal), in absolute terms. The bounds the test asserts are
// stated in docs/llvm-backend.md, and hold on every target of testTargets():
// the host and each ISA level it can execute (the baseline without FMA, AVX2
// + FMA, AVX-512).
#include "LLVMTestSupport.h"

#include <cfloat>
#include <cstdio>
#include <limits>

namespace attn::llvmcg::testing {
namespace {

struct Sweep {
  OpKind op;
  std::vector<float> inputs;
  double (*reference)(double);
  double ulpBound;      // for exact results >= FLT_MIN in magnitude
  double absoluteBound; // for smaller ones
  /// When set, the bound on |y - exact| / (1 + |x|) instead: for gelu, whose
  /// 1 + erf cancels for x << 0 in PyTorch's formula as in ours.
  double scaledBound = 0;
};

double exactSigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double exactExp(double x) { return std::exp(x); }
double exactTanh(double x) { return std::tanh(x); }
double exactLog(double x) { return std::log(x); }
double exactGelu(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }

std::vector<float> range(double lo, double hi, int64_t n) {
  std::vector<float> v;
  for (int64_t i = 0; i <= n; ++i) v.push_back(float(lo + (hi - lo) * double(i) / double(n)));
  return v;
}

std::vector<float> specials() {
  float inf = std::numeric_limits<float>::infinity();
  return {0.0f, -0.0f, inf, -inf, FLT_MAX, -FLT_MAX, FLT_MIN, -FLT_MIN, 1e-45f, -1e-45f, 1e30f, -1e30f};
}

/// Every 64th positive float, subnormals to infinity: log's whole domain.
std::vector<float> positiveFloats() {
  std::vector<float> v;
  for (uint32_t bits = 1; bits < 0x7f800000u; bits += 64) {
    float f;
    std::memcpy(&f, &bits, 4);
    v.push_back(f);
  }
  return v;
}

std::vector<Sweep> sweeps() {
  auto with = [](std::vector<float> a, std::vector<float> b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  return {
      {OpKind::Exp, with(range(-110, 95, 4 << 20), specials()), exactExp, 1.5, 1.5e-45},
      {OpKind::Tanh, with(with(range(-12, 12, 4 << 20), range(-1e-3, 1e-3, 1 << 18)), specials()), exactTanh, 6.5, 0},
      {OpKind::Sigmoid, with(range(-110, 110, 4 << 20), specials()), exactSigmoid, 3.0, 3e-45},
      {OpKind::Log, with(positiveFloats(), specials()), exactLog, 1.5, 0},
      {OpKind::Gelu, with(range(-12, 12, 4 << 20), specials()), exactGelu, 0, 0, 2.5e-7},
  };
}

/// The gap between adjacent floats at |x| (x a normal float's magnitude).
double ulpOf(double x) {
  int exponent;
  std::frexp(std::abs(x), &exponent);
  return std::ldexp(1.0, exponent - 24);
}

struct Measured {
  double maxUlp = 0, maxAbsolute = 0, maxScaled = 0, worstInput = 0;
  int64_t specialMismatches = 0;
};

Measured measure(const Sweep &sweep, const std::vector<float> &got) {
  Measured m;
  for (size_t i = 0; i < got.size(); ++i) {
    double x = sweep.inputs[i], exact = sweep.reference(x), y = got[i];
    if (std::isnan(exact) || std::isinf(exact) || std::abs(exact) > FLT_MAX) {
      double rounded = double(float(exact));
      bool same = std::isnan(rounded) ? std::isnan(y) : y == rounded;
      if (!same) ++m.specialMismatches;
      continue;
    }
    if (sweep.scaledBound > 0) {
      double scaled = std::abs(y - exact) / (1 + std::abs(x));
      if (!(scaled <= m.maxScaled)) m.maxScaled = scaled, m.worstInput = x;
      continue;
    }
    if (std::abs(exact) < FLT_MIN) {
      m.maxAbsolute = std::max(m.maxAbsolute, std::abs(y - exact));
      continue;
    }
    double ulps = std::abs(y - exact) / ulpOf(exact);
    if (!(ulps <= m.maxUlp)) m.maxUlp = ulps, m.worstInput = x;
  }
  return m;
}

class LLVMFastMath : public ::testing::TestWithParam<TargetCase> {};

/// Compiles m's f(x) -> y for `target`, runs it on the sweep's inputs as x of
/// shape [N] + `inner` (a trailing 1 or nothing), and checks y against libm
/// within the sweep's bounds; `where` names the path in the printed line.
void expectWithinBounds(const TargetCase &target, const Sweep &sweep, ModelBuilder &m,
                        const std::vector<int64_t> &inner, const char *where) {
  auto exe = compileWithLLVM(m, target.options);
  ASSERT_TRUE(exe);
  std::vector<int64_t> shape = {int64_t(sweep.inputs.size())};
  shape.insert(shape.end(), inner.begin(), inner.end());
  Tensor in(DType::F32, shape);
  std::copy(sweep.inputs.begin(), sweep.inputs.end(), in.as<float>());
  auto out = exe->run("f", {{"x", in.view()}});
  ASSERT_TRUE(out.isOk()) << out.message();
  const float *y = (*out)[0].as<float>();
  Measured result = measure(sweep, std::vector<float>(y, y + in.numElements()));
  std::printf("[ fastmath ] %-7s %-9s %-10s max %.3f ulp, %.3g scaled (at x = %.9g), subnormal results "
              "max abs %.3g, %zu inputs\n",
              std::string(ir::mnemonic(sweep.op)).c_str(), target.name.c_str(), where, result.maxUlp,
              result.maxScaled, result.worstInput, result.maxAbsolute, sweep.inputs.size());
  EXPECT_LE(result.maxUlp, sweep.ulpBound) << ir::mnemonic(sweep.op) << " on " << target.name << ", " << where;
  EXPECT_LE(result.maxScaled, sweep.scaledBound) << ir::mnemonic(sweep.op) << " on " << target.name << ", " << where;
  EXPECT_LE(result.maxAbsolute, sweep.absoluteBound) << ir::mnemonic(sweep.op) << " on " << target.name << ", " << where;
  EXPECT_EQ(result.specialMismatches, 0) << ir::mnemonic(sweep.op) << ": infinities and NaN, " << where;
}

TEST_P(LLVMFastMath, ErrorAgainstLibmWithinStatedBounds) {
  for (const Sweep &sweep : sweeps()) {
    ModelBuilder m;
    m.result("y", m.value(sweep.op, {m.argument("x", DType::F32, {Dim::symbol("N")})}));
    expectWithinBounds(GetParam(), sweep, m, {}, "elementwise");
  }
}

// The same sweeps through the GEMM's epilogue, which applies the activation
// to whole vectors of the target's width (an elementwise loop is scalar code
// that LLVM vectorises): linear_act of x [N, 1] with W = [[1]] and b = [0],
// so each output is the function of exactly its input.
TEST_P(LLVMFastMath, InVectorKernelsWithinStatedBounds) {
  for (const Sweep &sweep : sweeps()) {
    if (sweep.op == OpKind::Log) continue; // log's sweep is long, and no kernel applies it
    ModelBuilder m;
    ir::Value *x = m.argument("x", DType::F32, {Dim::symbol("N"), Dim(1)});
    ir::Attrs activation;
    activation.Activation = sweep.op;
    m.result("y", m.value(OpKind::LinearAct, {x, m.weight("w", f32({1, 1}, {1.0f})), m.weight("b", f32({1}, {0.0f}))},
                          activation));
    expectWithinBounds(GetParam(), sweep, m, {1}, "in vectors");
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, LLVMFastMath, ::testing::ValuesIn(testTargets()),
                         [](const auto &info) { return info.param.name; });

TEST(LLVMFastMathNaN, NaNPassesThrough) {
  ModelBuilder m;
  ir::Value *x = m.argument("x", DType::F32, {Dim(3)});
  for (OpKind op : {OpKind::Exp, OpKind::Tanh, OpKind::Sigmoid, OpKind::Log, OpKind::Gelu})
    m.result(std::string(ir::mnemonic(op)), m.value(op, {x}));
  auto exe = compileWithLLVM(m);
  ASSERT_TRUE(exe);
  float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor in = f32({3}, {nan, -nan, nan});
  auto out = exe->run("f", {{"x", in.view()}});
  ASSERT_TRUE(out.isOk());
  for (const Tensor &t : *out)
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::isnan(t.as<float>()[i]));
}

} // namespace
} // namespace attn::llvmcg::testing
