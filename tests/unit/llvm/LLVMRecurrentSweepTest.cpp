// The recurrent layers of the llvm backend against the interpreter over the
// sizes where the kernel changes shape (LowerRecurrent.cpp): hidden in {1, 5,
// 12, 16, 33, 128} (less than a vector, exactly one with AVX-512, two with
// AVX2, a tail after whole vectors, several vectors), B in {1, 3, 32} (one
// row; fewer rows than a register block; full blocks, then blocks of 4 and 1)
// and ragged lengths that include 1 and T, for LSTM (bidirectional, batch
// first, initial states), GRU (bidirectional, time major) and RNN (relu,
// without bias), on every target of differentialTargets() (llvm at each ISA
// level, then dnnl). And on llvm rows do not depend on their batch: row b of
// a B = 32 run is bitwise the B = 1 run of that row.
#include "DifferentialCases.h"

namespace attn::llvmcg::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");
constexpr int64_t kFeatures = 7, kTime = 9;
const int64_t kHiddenSizes[] = {1, 5, 12, 16, 33, 128};

/// lstm(x, h0, c0, lengths), gru(xt, lengths), rnn(x): every result.
void buildRecurrent(ModelBuilder &m, int64_t hidden) {
  ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(kFeatures)});
  ir::Value *xt = m.argument("xt", DType::F32, {T, B, Dim(kFeatures)});
  ir::Value *lengths = m.argument("lengths", DType::I64, {B});
  double scale = 1.5 / std::sqrt(double(hidden)); // pre-activations of order 1, some saturating
  auto results = [&](const std::string &name, const std::vector<ir::Value *> &r) {
    for (size_t i = 0; i < r.size(); ++i) m.result(name + "." + std::to_string(i), r[i]);
  };
  uint32_t seed = uint32_t(hidden * 10);
  results("lstm", recurrent(m, "lstm", {OpKind::LSTM, hidden, 2, true, true, true, true, true, OpKind::Tanh, scale}, x,
                            lengths, seed));
  results("gru", recurrent(m, "gru", {OpKind::GRU, hidden, 2, true, false, true, false, true, OpKind::Tanh, scale}, xt,
                           lengths, seed + 1));
  results("rnn", recurrent(m, "rnn", {OpKind::RNN, hidden, 1, false, true, false, false, false, OpKind::Relu, scale}, x,
                           lengths, seed + 2));
}

/// Inputs for `batch` rows: lengths cycle through T, 1 and values between.
Inputs recurrentInputs(uint32_t seed, int64_t batch, int64_t hidden) {
  Random random(seed);
  Inputs in;
  in.add("x", random.tensor(DType::F32, {batch, kTime, kFeatures}, -2, 2));
  in.add("xt", random.tensor(DType::F32, {kTime, batch, kFeatures}, -2, 2));
  Tensor lengths(DType::I64, {batch});
  for (int64_t b = 0; b < batch; ++b) lengths.as<int64_t>()[b] = b % 3 == 0 ? kTime : b % 3 == 1 ? 1 : 1 + (b * 5) % kTime;
  in.add("lengths", std::move(lengths));
  in.add("lstm.h0", random.tensor(DType::F32, {4, batch, hidden}));
  in.add("lstm.c0", random.tensor(DType::F32, {4, batch, hidden}));
  return in;
}

/// Row b of `in` alone, as a batch of one.
Inputs rowOf(const Inputs &in, int64_t b) {
  Inputs row;
  for (const auto &[name, t] : in.tensors)
    row.add(name, batchRow(t, b, name == "xt" || name == "lstm.h0" || name == "lstm.c0" ? 1 : 0));
  return row;
}

class LLVMRecurrentSweep : public ::testing::TestWithParam<TargetCase> {};

TEST_P(LLVMRecurrentSweep, HiddenSizesBatchesAndLengths) {
  for (int64_t hidden : kHiddenSizes) {
    ModelBuilder m;
    buildRecurrent(m, hidden);
    auto interp = m.compile();
    auto llvm = compileFor(m, GetParam());
    ASSERT_TRUE(interp && llvm);
    for (int64_t batch : {1, 3, 32}) {
      SCOPED_TRACE("hidden = " + std::to_string(hidden) + ", B = " + std::to_string(batch));
      Inputs in = recurrentInputs(uint32_t(hidden * 100 + batch), batch, hidden);
      expectSameResults(*interp, *llvm, in);
      // Bitwise independence of the batch is llvm's guarantee
      // (architecture.md); oneDNN picks its kernels by batch size, so dnnl's
      // rows agree within the tolerance only (docs/dnnl-backend.md).
      if (batch != 32 || GetParam().backend != codegen::Backend::LLVM) continue;
      auto all = llvm->run("f", in.views());
      ASSERT_TRUE(all.isOk()) << all.message();
      const FunctionSignature &signature = *llvm->findFunction("f");
      for (int64_t b : {0, 7, 31}) { // in a block of 6 (AVX-512) or 3, and the last rows
        auto one = llvm->run("f", rowOf(in, b).views());
        ASSERT_TRUE(one.isOk()) << one.message();
        for (size_t r = 0; r < one->size(); ++r) {
          const std::string &name = signature.results[r].name;
          int axis = name == "gru.0" || name.ends_with(".1") || name.ends_with(".2") ? 1 : 0;
          EXPECT_TRUE(identical(batchRow((*all)[r], b, axis), (*one)[r])) << name << ", row " << b;
        }
      }
    }
  }
}

/// Layers fed by an embedding of known weights read their layer-0 input
/// projection from a folded table (LowerRecurrent.cpp, foldEmbedding; the
/// lit test recurrent_fold.test checks that the fold happens): the same
/// results as the interpreter, and an id out of range is still the
/// embedding's error.
TEST_P(LLVMRecurrentSweep, EmbeddingFedLayersFoldTheirProjection) {
  for (int64_t hidden : {5, 16}) {
    ModelBuilder m;
    Random random{uint32_t(hidden)};
    ir::Value *ids = m.argument("ids", DType::I64, {B, T});
    ir::Value *idsTimeMajor = m.argument("ids_tm", DType::I64, {T, B});
    ir::Value *lengths = m.argument("lengths", DType::I64, {B});
    ir::Value *table = m.weight("table", random.tensor(DType::F32, {50, kFeatures}, -2, 2));
    ir::Value *x = m.value(OpKind::Embedding, {ids, table});
    ir::Value *xt = m.value(OpKind::Embedding, {idsTimeMajor, table});
    double scale = 1.5 / std::sqrt(double(hidden));
    auto results = [&](const std::string &name, const std::vector<ir::Value *> &r) {
      for (size_t i = 0; i < r.size(); ++i) m.result(name + "." + std::to_string(i), r[i]);
    };
    results("lstm", recurrent(m, "lstm", {OpKind::LSTM, hidden, 2, true, true, true, false, true, OpKind::Tanh, scale}, x,
                              lengths, 1));
    results("gru", recurrent(m, "gru", {OpKind::GRU, hidden, 1, true, false, true, false, false, OpKind::Tanh, scale}, xt,
                             lengths, 2));
    results("rnn", recurrent(m, "rnn", {OpKind::RNN, hidden, 1, false, true, false, false, false, OpKind::Relu, scale}, x,
                             lengths, 3));
    auto interp = m.compile();
    auto llvm = compileFor(m, GetParam());
    ASSERT_TRUE(interp && llvm);
    for (int64_t batch : {1, 3, 32}) {
      SCOPED_TRACE("hidden = " + std::to_string(hidden) + ", B = " + std::to_string(batch));
      Random draw{uint32_t(batch)};
      Inputs in;
      in.add("ids", draw.tensor(DType::I64, {batch, kTime}, 0, 50));
      in.add("ids_tm", draw.tensor(DType::I64, {kTime, batch}, 0, 50));
      Tensor n(DType::I64, {batch});
      for (int64_t b = 0; b < batch; ++b) n.as<int64_t>()[b] = b % 2 ? 1 + b % kTime : kTime;
      in.add("lengths", std::move(n));
      expectSameResults(*interp, *llvm, in);
      in.tensors[0].second.as<int64_t>()[batch * kTime - 1] = 50; // out of range
      expectSameResults(*interp, *llvm, in);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, LLVMRecurrentSweep, ::testing::ValuesIn(differentialTargets()),
                         [](const auto &info) { return info.param.name; });

} // namespace
} // namespace attn::llvmcg::testing
