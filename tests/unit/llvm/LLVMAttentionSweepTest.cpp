// The fused attention of the llvm backend against the interpreter over odd
// sizes: D in {1, 2, 3, 5, 17, 31, 33, 64, 100, 511}, T in {1, 2, 3, 5, 17,
// 31, 64, 100} (T = 100 spans two chunks; 17 and 31 leave row blocks of 4
// and 1 in the tiled kernel), A in {3, 17, 24, 40, 70} (70: a rest of
// vectors after the micro-kernel's panels; up to 24, with D <= 64, the
// time-steps-in-lanes kernel on AVX-512: D = 33 transposes three column
// blocks, T = 17 and 100 leave partial groups of steps), without a mask, with a random mask and
// with fully masked rows, and scores (logits) reaching +-100, on every target
// of differentialTargets() (llvm at each ISA level, dnnl). Both backends are compared with a double-precision
// evaluation: within the f32 tolerance, or else within a forward error bound
// derived from the computation (see exactAttention).
#include "LLVMTestSupport.h"

#include <cstdio>

namespace attn::llvmcg::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");
const int64_t kSizes[] = {1, 2, 3, 5, 17, 31, 64, 100};
const int64_t kDepths[] = {1, 2, 3, 5, 17, 31, 33, 64, 100, 511};
const int64_t kAttentionSizes[] = {3, 17, 24, 40, 70};

struct Weights {
  Tensor W, b, v;
};

/// W [A, D], b, v [A]; v is scaled so that |e| reaches about 100.
Weights makeWeights(int64_t D, int64_t A) {
  Random random(uint32_t(D * 131 + A));
  double vScale = 100.0 / double(A);
  Weights w;
  w.W = random.tensor(DType::F32, {A, D}, -1.5, 1.5);
  w.b = random.tensor(DType::F32, {A}, -1, 1);
  w.v = random.tensor(DType::F32, {A}, -2 * vScale, 2 * vScale);
  return w;
}

/// Additive and dot attention over h: [B, T, D], with and without a mask.
void buildAttention(ModelBuilder &m, const Weights &w, int64_t D) {
  ir::Value *h = m.argument("h", DType::F32, {B, T, Dim(D)});
  ir::Value *q = m.argument("q", DType::F32, {B, Dim(D)});
  ir::Value *mask = m.argument("mask", DType::Bool, {B, T});
  ir::Value *W = m.weight("W", Tensor::copyOf(w.W.view()));
  ir::Value *b = m.weight("b", Tensor::copyOf(w.b.view()));
  ir::Value *v = m.weight("v", Tensor::copyOf(w.v.view()));
  auto results = [&](const std::string &name, std::vector<ir::Value *> r) {
    m.result(name + ".context", r[0]);
    m.result(name + ".alpha", r[1]);
  };
  results("additive", m.node(OpKind::AdditiveAttention, {h, W, b, v}));
  results("additive_masked", m.node(OpKind::AdditiveAttention, {h, W, b, v, mask}));
  results("dot", m.node(OpKind::DotAttention, {h, q}));
  results("dot_masked", m.node(OpKind::DotAttention, {h, q, mask}));
}

/// q scaled so that q . h_t spreads to about +-100.
Inputs attentionInputs(uint32_t seed, int64_t batch, int64_t time, int64_t D, bool maskRowOne) {
  double scale = 10.0 / std::sqrt(double(D));
  Inputs in;
  Random random(seed);
  in.add("h", random.tensor(DType::F32, {batch, time, D}, -2, 2));
  in.add("q", random.tensor(DType::F32, {batch, D}, -4 * scale, 4 * scale));
  Tensor mask = random.tensor(DType::Bool, {batch, time}, 0, 2);
  if (maskRowOne)
    for (int64_t t = 0; t < time; ++t) mask.as<uint8_t>()[time + t] = 0;
  in.add("mask", std::move(mask));
  return in;
}

/// f32's unit roundoff and Higham's gamma_n = n u / (1 - n u), the relative
/// error bound of n roundings in a row (Accuracy and Stability of Numerical
/// Algorithms, 2nd ed., lemma 3.1).
constexpr double kUnitRoundoff = 0x1p-24;
double gamma(double n) { return n * kUnitRoundoff / (1 - n * kUnitRoundoff); }

/// An output in double precision, and for each element the forward error
/// bound of any f32 evaluation of it (see exactAttention).
struct Exact {
  std::vector<double> value, bound;
};

/// The four (context, alpha) pairs of buildAttention in double precision,
/// each element with a bound on the error of an f32 evaluation, derived step
/// by step for any summation order, with or without FMA (first order in u,
/// with the second-order terms that can matter at scores near 100):
///  1. u_a = b_a + sum_d W_ad h_td, D + 1 terms:
///     |du_a| <= gamma_{D+1} (|b_a| + sum_d |W_ad h_td|).
///  2. tanh: its own error, at most 6.5 ulp <= 13u |tanh| (LLVMFastMath
///     asserts the rational function's; libm's is smaller), plus the
///     propagated one,
///     |tanh(u + du) - tanh(u)| <= (sech^2 u + |du|) |du|  (|tanh''| < 1).
///  3. e_t = sum_a v_a tanh_a: |de_t| <= sum_a |v_a| |dtanh_a| +
///     gamma_A sum_a |v_a| (|tanh_a| + |dtanh_a|); dot attention's
///     e_t = q . h_t: |de_t| <= gamma_D sum_d |q_d h_td|.
///  4. softmax: with Delta = max_t |de_t| and R = max_t - min_t e_t (the
///     score magnitudes), the exact softmax moves by a factor within
///     exp(+-2 Delta); rounding the exponents e_t - m and those of the online
///     rescalings exp(m_old - m_new) (which add up to at most R) adds 2uR to
///     Delta; the multiplicative roundings are exp's (1.5 ulp <= 3u) of a
///     numerator, up to T rescalings of it (exp and a product: 4 each), the
///     sum's T and the division: alpha_t is within rho alpha_t with
///     rho = exp(2 (Delta + 2uR)) (1 + gamma_{9T+7}) - 1.
///  5. context_d = sum_t alpha_t h_td, accumulated (T roundings), rescaled
///     (up to T) and divided (1): |dc_d| <= (rho + gamma_{2T+1} (1 + rho))
///     sum_t alpha_t |h_td|, the sum of the magnitudes of its terms.
/// A fully masked row is exactly zero (bound 0).
std::vector<Exact> exactAttention(const Weights &w, const Inputs &in) {
  const Tensor &h = in.tensors[0].second, &q = in.tensors[1].second, &mask = in.tensors[2].second;
  int64_t batch = h.shape()[0], time = h.shape()[1], D = h.shape()[2], A = w.W.shape()[0];
  auto hAt = [&](int64_t b, int64_t t, int64_t d) { return double(h.as<float>()[(b * time + t) * D + d]); };
  const float *W = w.W.as<float>(), *bias = w.b.as<float>(), *v = w.v.as<float>();
  std::vector<Exact> out;
  for (int variant = 0; variant < 4; ++variant) {
    bool additive = variant < 2, masked = variant % 2 == 1;
    auto kept = [&](int64_t b, int64_t t) { return !masked || mask.as<uint8_t>()[b * time + t]; };
    Exact context{std::vector<double>(size_t(batch * D), 0.0), std::vector<double>(size_t(batch * D), 0.0)};
    Exact alpha{std::vector<double>(size_t(batch * time), 0.0), std::vector<double>(size_t(batch * time), 0.0)};
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<double> e(static_cast<size_t>(time));
      double top = -INFINITY, bottom = INFINITY, delta = 0;
      for (int64_t t = 0; t < time; ++t) {
        double score = 0, error = 0;
        if (additive) {
          double magnitude = 0, errorOfTanh = 0;
          for (int64_t a = 0; a < A; ++a) {
            double u = bias[a], terms = std::abs(double(bias[a]));
            for (int64_t d = 0; d < D; ++d) {
              u += double(W[a * D + d]) * hAt(b, t, d);
              terms += std::abs(double(W[a * D + d]) * hAt(b, t, d));
            }
            double du = gamma(double(D + 1)) * terms, th = std::tanh(u), sech2 = 1 - th * th;
            double dth = (sech2 + du) * du + 13 * kUnitRoundoff * (std::abs(th) + du);
            score += double(v[a]) * th;
            errorOfTanh += std::abs(double(v[a])) * dth;
            magnitude += std::abs(double(v[a])) * (std::abs(th) + dth);
          }
          error = errorOfTanh + gamma(double(A)) * magnitude;
        } else {
          double terms = 0;
          for (int64_t d = 0; d < D; ++d) {
            score += double(q.as<float>()[b * D + d]) * hAt(b, t, d);
            terms += std::abs(double(q.as<float>()[b * D + d]) * hAt(b, t, d));
          }
          error = gamma(double(D)) * terms;
        }
        e[size_t(t)] = score;
        if (!kept(b, t)) continue;
        top = std::max(top, score);
        bottom = std::min(bottom, score);
        delta = std::max(delta, error);
      }
      double sum = 0;
      for (int64_t t = 0; t < time; ++t)
        if (kept(b, t)) sum += std::exp(e[size_t(t)] - top);
      if (sum == 0) continue; // fully masked: zeros, exactly
      double spread = top - bottom;
      double rho = std::exp(2 * (delta + 2 * kUnitRoundoff * spread)) * (1 + gamma(double(9 * time + 7))) - 1;
      for (int64_t t = 0; t < time; ++t)
        if (kept(b, t)) {
          double a = std::exp(e[size_t(t)] - top) / sum;
          alpha.value[size_t(b * time + t)] = a;
          alpha.bound[size_t(b * time + t)] = rho * a;
        }
      double accumulation = rho + gamma(double(2 * time + 1)) * (1 + rho);
      for (int64_t d = 0; d < D; ++d) {
        double c = 0, terms = 0;
        for (int64_t t = 0; t < time; ++t) {
          c += alpha.value[size_t(b * time + t)] * hAt(b, t, d);
          terms += alpha.value[size_t(b * time + t)] * std::abs(hAt(b, t, d));
        }
        context.value[size_t(b * D + d)] = c;
        context.bound[size_t(b * D + d)] = accumulation * terms;
      }
    }
    out.push_back(std::move(context));
    out.push_back(std::move(alpha));
  }
  return out;
}

/// Each element of `got` agrees with the exact value within the tolerance
/// for well-conditioned outputs (1e-5 + 1e-4 |exact|) or else within its
/// forward error bound: the ill-conditioned ones, e.g. a context that sums
/// terms of both signs to a small value (exact -0.0149060, interpreter
/// -0.0149088, AVX2 code -0.0149212: 1.5e-5 off, within the tolerance of
/// neither, and within its bound). Counts those that needed the bound, and
/// the largest fraction of its bound an error used.
struct BoundUse {
  int64_t elements = 0;
  double largestFraction = 0;
  void add(const BoundUse &o) {
    elements += o.elements;
    largestFraction = std::max(largestFraction, o.largestFraction);
  }
};

BoundUse expectWithinBounds(const std::string &backend, const std::vector<Tensor> &got,
                       const std::vector<Exact> &exact, const FunctionSignature &signature) {
  BoundUse use;
  for (size_t r = 0; r < got.size(); ++r) {
    std::vector<double> g = valuesOf(got[r]);
    int failures = 0;
    for (size_t k = 0; k < g.size() && failures < 5; ++k) {
      double x = exact[r].value[k], error = std::abs(g[k] - x);
      if (error <= 1e-5 + 1e-4 * std::abs(x)) continue;
      if (error <= exact[r].bound[k]) {
        ++use.elements;
        use.largestFraction = std::max(use.largestFraction, error / exact[r].bound[k]);
        continue;
      }
      ++failures;
      ADD_FAILURE() << backend << " " << signature.results[r].name << "[" << k << "] = " << g[k]
                    << ", exact " << x << ", error " << error << " > bound " << exact[r].bound[k];
    }
  }
  return use;
}

/// The interpreter and the compiled backend, each against the exact values and bounds.
BoundUse expectAgreement(const Executable &interp, const Executable &compiled, const Weights &w, const Inputs &in) {
  auto expected = interp.run("f", in.views());
  auto got = compiled.run("f", in.views());
  EXPECT_TRUE(expected.isOk() && got.isOk()) << expected.message() << got.message();
  if (!expected || !got) return {};
  std::vector<Exact> exact = exactAttention(w, in);
  const FunctionSignature &signature = *interp.findFunction("f");
  expectWithinBounds("interp", *expected, exact, signature);
  return expectWithinBounds(std::string(compiled.backendName()), *got, exact, signature);
}

class LLVMAttentionSweep : public ::testing::TestWithParam<TargetCase> {};

TEST_P(LLVMAttentionSweep, OddSizesMasksAndLargeLogits) {
  int64_t index = 0;
  BoundUse use;
  for (int64_t D : kDepths) {
    int64_t A = kAttentionSizes[index++ % 5];
    Weights w = makeWeights(D, A);
    ModelBuilder m;
    buildAttention(m, w, D);
    auto interp = m.compile();
    auto llvm = compileFor(m, GetParam());
    ASSERT_TRUE(interp && llvm);
    for (int64_t time : kSizes) {
      SCOPED_TRACE("D = " + std::to_string(D) + ", T = " + std::to_string(time) + ", A = " + std::to_string(A));
      use.add(expectAgreement(*interp, *llvm, w, attentionInputs(uint32_t(D * 1000 + time), 3, time, D, true)));
      use.add(expectAgreement(*interp, *llvm, w, attentionInputs(uint32_t(D * 1000 + time + 7), 1, time, D, false)));
    }
  }
  std::printf("[ sweep ] %s: %lld elements outside 1e-5 + 1e-4|exact|, within their bounds "
              "(at most %.3g of the bound)\n",
              GetParam().name.c_str(), static_cast<long long>(use.elements), use.largestFraction);
}

INSTANTIATE_TEST_SUITE_P(Targets, LLVMAttentionSweep, ::testing::ValuesIn(differentialTargets()),
                         [](const auto &info) { return info.param.name; });

/// The scores really do reach the intended range: a sanity check of the sweep.
TEST(LLVMAttentionSweep, ScoresReachHundred) {
  Inputs in = attentionInputs(5, 3, 100, 64, false);
  const Tensor &h = in.tensors[0].second, &q = in.tensors[1].second;
  double largest = 0;
  for (int64_t t = 0; t < 100; ++t) {
    double e = 0;
    for (int64_t d = 0; d < 64; ++d) e += q.as<float>()[d] * h.as<float>()[t * 64 + d];
    largest = std::max(largest, std::abs(e));
  }
  EXPECT_GT(largest, 50.0);
  EXPECT_LT(largest, 400.0);
}

} // namespace
} // namespace attn::llvmcg::testing
