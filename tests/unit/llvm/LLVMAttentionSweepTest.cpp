// The fused attention of the llvm backend against the interpreter over odd
// sizes: D and T in {1, 2, 3, 5, 17, 31, 64, 100} (T = 100 spans two online-
// softmax chunks), A in {3, 17, 40}, without a mask, with a random mask and
// with fully masked rows, and scores (logits) reaching +-100. A double-
// precision evaluation decides the ill-conditioned elements (see
// expectAgreement).
#include "LLVMTestSupport.h"

namespace attn::llvmcg::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");
const int64_t kSizes[] = {1, 2, 3, 5, 17, 31, 64, 100};
const int64_t kAttentionSizes[] = {3, 17, 40};

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

/// The four (context, alpha) pairs of buildAttention in double precision.
std::vector<std::vector<double>> exactAttention(const Weights &w, const Inputs &in) {
  const Tensor &h = in.tensors[0].second, &q = in.tensors[1].second, &mask = in.tensors[2].second;
  int64_t batch = h.shape()[0], time = h.shape()[1], D = h.shape()[2], A = w.W.shape()[0];
  auto hAt = [&](int64_t b, int64_t t, int64_t d) { return double(h.as<float>()[(b * time + t) * D + d]); };
  std::vector<std::vector<double>> out;
  for (int variant = 0; variant < 4; ++variant) {
    bool additive = variant < 2, masked = variant % 2 == 1;
    std::vector<double> context(size_t(batch * D), 0.0), alpha(size_t(batch * time), 0.0);
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<double> e(static_cast<size_t>(time));
      double top = -INFINITY;
      for (int64_t t = 0; t < time; ++t) {
        double s = 0;
        for (int64_t a = 0; a < (additive ? A : 1); ++a) {
          double u = additive ? double(w.b.as<float>()[a]) : 0.0;
          for (int64_t d = 0; d < D; ++d)
            u += (additive ? double(w.W.as<float>()[a * D + d]) : double(q.as<float>()[b * D + d])) * hAt(b, t, d);
          s += additive ? double(w.v.as<float>()[a]) * std::tanh(u) : u;
        }
        e[size_t(t)] = s;
        if (!masked || mask.as<uint8_t>()[b * time + t]) top = std::max(top, s);
      }
      double sum = 0;
      for (int64_t t = 0; t < time; ++t)
        if (!masked || mask.as<uint8_t>()[b * time + t]) sum += std::exp(e[size_t(t)] - top);
      for (int64_t t = 0; t < time && sum > 0; ++t)
        if (!masked || mask.as<uint8_t>()[b * time + t]) alpha[size_t(b * time + t)] = std::exp(e[size_t(t)] - top) / sum;
      for (int64_t d = 0; d < D; ++d)
        for (int64_t t = 0; t < time; ++t) context[size_t(b * D + d)] += alpha[size_t(b * time + t)] * hAt(b, t, d);
    }
    out.push_back(context);
    out.push_back(alpha);
  }
  return out;
}

bool within(double x, double ref) { return std::abs(x - ref) <= 1e-5 + 1e-4 * std::abs(ref); }

/// llvm must agree with the interpreter within the tolerance, or else with
/// the exact value. The second arises where the output is ill-conditioned: a
/// context that sums terms of both signs to a small value, whose rounding
/// (the interpreter's included) can exceed 1e-4 of it; e.g. exact 0.0189228,
/// interpreter 0.0189167, llvm 0.0189325 (both within the tolerance of exact,
/// not of each other).
void expectAgreement(const Executable &interp, const Executable &llvm, const Weights &w, const Inputs &in) {
  auto expected = interp.run("f", in.views());
  auto got = llvm.run("f", in.views());
  ASSERT_TRUE(expected.isOk() && got.isOk()) << expected.message() << got.message();
  std::vector<std::vector<double>> exact = exactAttention(w, in);
  const FunctionSignature *signature = interp.findFunction("f");
  for (size_t r = 0; r < got->size(); ++r) {
    std::vector<double> g = valuesOf((*got)[r]), i = valuesOf((*expected)[r]);
    int failures = 0;
    for (size_t k = 0; k < g.size() && failures < 5; ++k) {
      double x = exact[r][k];
      bool ok = within(g[k], i[k]) || within(g[k], x);
      if (!ok && ++failures)
        ADD_FAILURE() << signature->results[r].name << "[" << k << "] = " << g[k] << ", interpreter "
                      << i[k] << ", exact " << x;
    }
  }
}

TEST(LLVMAttentionSweep, OddSizesMasksAndLargeLogits) {
  int64_t index = 0;
  for (int64_t D : kSizes) {
    int64_t A = kAttentionSizes[index++ % 3];
    Weights w = makeWeights(D, A);
    ModelBuilder m;
    buildAttention(m, w, D);
    auto interp = m.compile();
    auto llvm = compileWithLLVM(m);
    ASSERT_TRUE(interp && llvm);
    for (int64_t time : kSizes) {
      SCOPED_TRACE("D = " + std::to_string(D) + ", T = " + std::to_string(time) + ", A = " + std::to_string(A));
      expectAgreement(*interp, *llvm, w, attentionInputs(uint32_t(D * 1000 + time), 3, time, D, true));
      expectAgreement(*interp, *llvm, w, attentionInputs(uint32_t(D * 1000 + time + 7), 1, time, D, false));
    }
  }
}

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
