// Threads and the llvm backend: results are bitwise identical whatever the
// thread count of a run and whichever rows share its batch, and one
// Executable run from 8 threads at once gives every call exactly its
// single-threaded result, on every target of testTargets(). The model is
// large enough that every parallel loop really splits (B*T positions, B rows,
// T-chunks of the attention).
#include "LLVMTestSupport.h"

#include <thread>

namespace attn::llvmcg::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");

/// tokens, lengths -> embedding -> 2-layer bidirectional LSTM (packed) ->
/// additive attention under sequence_mask -> linear + tanh -> linear ->
/// log_softmax; results: scores, alpha and the LSTM's h_n.
void classifier(ModelBuilder &m) {
  Random random(11);
  ir::Value *tokens = m.argument("tokens", DType::I64, {B, T});
  ir::Value *lengths = m.argument("lengths", DType::I64, {B});
  ir::Value *x = m.value(OpKind::Embedding, {tokens, m.weight("emb", random.tensor(DType::F32, {50, 24}))});
  ir::Attrs lstm;
  lstm.Hidden = 20, lstm.Layers = 2, lstm.Bidirectional = true, lstm.BatchFirst = true;
  lstm.HasBias = true, lstm.HasLengths = true;
  std::vector<ir::Value *> operands = {x, lengths};
  for (std::string layer : {"0", "1"})
    for (std::string suffix : {"", "_reverse"}) {
      int64_t in = layer == "0" ? 24 : 40;
      operands.push_back(m.weight("w_ih" + layer + suffix, random.tensor(DType::F32, {80, in}, -0.3, 0.3)));
      operands.push_back(m.weight("w_hh" + layer + suffix, random.tensor(DType::F32, {80, 20}, -0.3, 0.3)));
      operands.push_back(m.weight("b_ih" + layer + suffix, random.tensor(DType::F32, {80})));
      operands.push_back(m.weight("b_hh" + layer + suffix, random.tensor(DType::F32, {80})));
    }
  std::vector<ir::Value *> rnn = m.node(OpKind::LSTM, operands, lstm);
  ir::Attrs maskAttrs;
  maskAttrs.Length = T;
  ir::Value *mask = m.value(OpKind::SequenceMask, {lengths}, maskAttrs);
  auto attention = m.node(OpKind::AdditiveAttention,
                          {rnn[0], m.weight("W", random.tensor(DType::F32, {33, 40})),
                           m.weight("b", random.tensor(DType::F32, {33})), m.weight("v", random.tensor(DType::F32, {33})), mask});
  ir::Attrs tanh;
  tanh.Activation = OpKind::Tanh;
  ir::Value *hidden = m.value(OpKind::LinearAct, {attention[0], m.weight("fc1", random.tensor(DType::F32, {17, 40})),
                                                  m.weight("fc1b", random.tensor(DType::F32, {17}))}, tanh);
  ir::Value *logits = m.value(OpKind::Linear, {hidden, m.weight("fc2", random.tensor(DType::F32, {3, 17}))});
  m.result("scores", m.value(OpKind::LogSoftmax, {logits}, axisAttrs(1)));
  m.result("alpha", attention[1]);
  m.result("h_n", rnn[1]);
}

Inputs batch(uint32_t seed, int64_t rows, int64_t time) {
  Random random(seed);
  Inputs in;
  in.add("tokens", random.tensor(DType::I64, {rows, time}, 0, 50));
  in.add("lengths", random.tensor(DType::I64, {rows}, 1, double(time + 1)));
  return in;
}

/// Row `row` of a batch as a batch of one.
Inputs rowOf(const Inputs &in, int64_t row) {
  Inputs one;
  for (const auto &[name, t] : in.tensors) one.add(name, batchRow(t, row, 0));
  return one;
}

class LLVMThreading : public ::testing::TestWithParam<TargetCase> {};

TEST_P(LLVMThreading, ResultsDoNotDependOnTheThreadCount) {
  ModelBuilder m;
  classifier(m);
  Inputs in = batch(1, 64, 150);
  std::vector<Tensor> reference;
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    auto exe = compileWithLLVM(m, withThreads(GetParam(), threads));
    ASSERT_TRUE(exe);
    auto r = exe->run("f", in.views());
    ASSERT_TRUE(r.isOk()) << r.message();
    if (reference.empty()) {
      reference = std::move(*r);
      continue;
    }
    for (size_t i = 0; i < r->size(); ++i) EXPECT_TRUE(identical((*r)[i], reference[i])) << threads << " threads, result " << i;
  }
}

TEST_P(LLVMThreading, ARowsResultDoesNotDependOnTheOtherRows) {
  ModelBuilder m;
  classifier(m);
  auto exe = compileWithLLVM(m, withThreads(GetParam(), 4));
  ASSERT_TRUE(exe);
  Inputs in = batch(2, 13, 70); // 13 rows: row blocks of 4 plus a remainder
  auto all = exe->run("f", in.views());
  ASSERT_TRUE(all.isOk()) << all.message();
  for (int64_t row = 0; row < 13; ++row) {
    auto one = exe->run("f", rowOf(in, row).views());
    ASSERT_TRUE(one.isOk()) << one.message();
    EXPECT_TRUE(identical(batchRow((*all)[0], row, 0), (*one)[0])) << "scores of row " << row;
    EXPECT_TRUE(identical(batchRow((*all)[1], row, 0), (*one)[1])) << "alpha of row " << row;
    EXPECT_TRUE(identical(batchRow((*all)[2], row, 1), (*one)[2])) << "h_n of row " << row;
  }
}

TEST_P(LLVMThreading, EightThreadsMatchTheSingleThreadedResults) {
  ModelBuilder m;
  classifier(m);
  auto exe = compileWithLLVM(m, withThreads(GetParam(), 3));
  ASSERT_TRUE(exe);
  std::vector<Inputs> calls;
  std::vector<std::vector<Tensor>> expected;
  for (uint32_t i = 0; i < 8; ++i) {
    calls.push_back(batch(10 + i, 1 + i % 5 * 7, 3 + i % 4 * 40));
    auto r = exe->run("f", calls.back().views());
    ASSERT_TRUE(r.isOk()) << r.message();
    expected.push_back(std::move(*r));
  }
  std::vector<int> mismatches(8, 0);
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 8; ++thread)
    threads.emplace_back([&, thread] {
      for (int round = 0; round < 6; ++round) {
        size_t call = size_t(thread + round) % calls.size();
        auto r = exe->run("f", calls[call].views());
        bool same = r && r->size() == expected[call].size();
        for (size_t i = 0; same && i < r->size(); ++i) same = identical((*r)[i], expected[call][i]);
        if (!same) ++mismatches[size_t(thread)];
      }
    });
  for (std::thread &t : threads) t.join();
  for (int thread = 0; thread < 8; ++thread) EXPECT_EQ(mismatches[size_t(thread)], 0) << "thread " << thread;
}

INSTANTIATE_TEST_SUITE_P(Targets, LLVMThreading, ::testing::ValuesIn(testTargets()),
                         [](const auto &info) { return info.param.name; });

} // namespace
} // namespace attn::llvmcg::testing
