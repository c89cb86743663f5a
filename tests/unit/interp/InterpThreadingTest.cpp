// One interpreter Executable run from 8 threads at once must give, for every
// call, exactly (bitwise) the single-threaded result.
#include "InterpTestSupport.h"

#include <cstring>
#include <thread>

namespace attn::interp::testing {
namespace {

const Dim B = Dim::symbol("B"), T = Dim::symbol("T");

/// tokens, lengths -> embedding -> bidirectional LSTM (packed) -> additive
/// attention under sequence_mask -> linear -> log_softmax.
std::unique_ptr<Executable> classifier() {
  ModelBuilder m;
  ir::Value *tokens = m.argument("tokens", DType::I64, {B, T});
  ir::Value *lengths = m.argument("lengths", DType::I64, {B});
  uint32_t state = 3;
  auto random = [&](Shape shape) {
    std::vector<double> v;
    for (int64_t i = 0; i < numElements(shape); ++i) {
      state = state * 1664525u + 1013904223u;
      v.push_back(double(state >> 8) / double(1 << 24) - 0.5);
    }
    return f32(shape, v);
  };
  ir::Value *x = m.value(OpKind::Embedding, {tokens, m.weight("emb", random({10, 4}))});
  ir::Attrs lstm;
  lstm.Hidden = 3, lstm.Layers = 1, lstm.Bidirectional = true, lstm.BatchFirst = true;
  lstm.HasBias = true, lstm.HasLengths = true;
  std::vector<ir::Value *> operands = {x, lengths};
  for (std::string suffix : {"", "_reverse"}) {
    operands.push_back(m.weight("w_ih" + suffix, random({12, 4})));
    operands.push_back(m.weight("w_hh" + suffix, random({12, 3})));
    operands.push_back(m.weight("b_ih" + suffix, random({12})));
    operands.push_back(m.weight("b_hh" + suffix, random({12})));
  }
  ir::Value *h = m.node(OpKind::LSTM, operands, lstm)[0];
  ir::Attrs maskAttrs;
  maskAttrs.Length = T;
  ir::Value *mask = m.value(OpKind::SequenceMask, {lengths}, maskAttrs);
  auto attention = m.node(OpKind::AdditiveAttention,
                          {h, m.weight("W", random({5, 6})), m.weight("b", random({5})),
                           m.weight("v", random({5})), mask});
  ir::Value *logits = m.value(OpKind::Linear, {attention[0], m.weight("fc", random({2, 6}))});
  m.result("scores", m.value(OpKind::LogSoftmax, {logits}, axisAttrs(1)));
  m.result("alpha", attention[1]);
  return m.compile();
}

struct Call {
  Tensor tokens, lengths;
  std::vector<Tensor> expected;
};

/// Calls of different shapes, so threads run different B and T at once.
std::vector<Call> makeCalls() {
  std::vector<Call> calls;
  for (int64_t i = 0; i < 8; ++i) {
    int64_t batch = 1 + i % 3, time = 2 + i % 4;
    std::vector<double> ids, lens;
    for (int64_t k = 0; k < batch * time; ++k) ids.push_back(double((k * 7 + i) % 10));
    for (int64_t b = 0; b < batch; ++b) lens.push_back(double(1 + (b + i) % time));
    calls.push_back({i64({batch, time}, ids), i64({batch}, lens), {}});
  }
  return calls;
}

bool identical(const Tensor &a, const Tensor &b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), a.byteSize()) == 0;
}

TEST(InterpThreading, EightThreadsMatchTheSingleThreadedResults) {
  auto exe = classifier();
  ASSERT_TRUE(exe);
  std::vector<Call> calls = makeCalls();
  for (Call &call : calls) {
    call.expected = runOk(*exe, {{"tokens", call.tokens.view()}, {"lengths", call.lengths.view()}});
    ASSERT_EQ(call.expected.size(), 2u);
  }
  std::vector<int> mismatches(8, 0);
  std::vector<std::thread> threads;
  for (int thread = 0; thread < 8; ++thread)
    threads.emplace_back([&, thread] {
      for (int round = 0; round < 25; ++round) {
        const Call &call = calls[(thread + round) % calls.size()];
        auto r = exe->run("f", {{"tokens", call.tokens.view()}, {"lengths", call.lengths.view()}});
        if (!r || r->size() != 2 || !identical((*r)[0], call.expected[0]) ||
            !identical((*r)[1], call.expected[1]))
          ++mismatches[thread];
      }
    });
  for (std::thread &t : threads) t.join();
  for (int thread = 0; thread < 8; ++thread)
    EXPECT_EQ(mismatches[thread], 0) << "thread " << thread;
}

} // namespace
} // namespace attn::interp::testing
