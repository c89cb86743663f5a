// What the differential suites (tests/unit/llvm/, run on dnnl too) do not
// reach: the dnnl backend's packed-sequence path with every layer shape
// (multi-layer, bidirectional, batch first or not, initial states), its
// per-node plan caches under eviction from many threads, and its thread
// count.
#include "../llvm/DifferentialCases.h"

#include "codegen/dnnl/DnnlBackend.h"

#include <atomic>
#include <thread>

namespace attn::llvmcg::testing {
namespace {

std::unique_ptr<Executable> compileDnnl(const ModelBuilder &m, dnnlcg::DnnlOptions options = {}) {
  auto exe = dnnlcg::compileDnnl(m.sharedModule(), m.weightMap(), options);
  EXPECT_TRUE(exe.isOk()) << exe.message();
  return exe ? std::move(*exe) : nullptr;
}

/// Lengths with 1, T and values between, in an order that is not sorted.
Tensor raggedLengths(int64_t batch, int64_t time) {
  Tensor n(DType::I64, {batch});
  for (int64_t b = 0; b < batch; ++b) n.as<int64_t>()[b] = b % 3 == 0 ? time : 1 + (b * 5) % time;
  return n;
}

// Packed sequences run each direction on the RNN primitive (the reverse one
// on per-row reversed steps) when the program does not use the LSTM's c_n;
// with c_n used and rows shorter than T, the loops. Both agree with the
// interpreter.
TEST(DnnlBackend, PackedSequencesOnThePrimitives) {
  const ir::Dim B = ir::Dim::symbol("B"), T = ir::Dim::symbol("T");
  for (OpKind op : {OpKind::LSTM, OpKind::GRU, OpKind::RNN})
    for (bool useCellState : {false, true}) {
      if (useCellState && op != OpKind::LSTM) continue;
      for (bool batchFirst : {true, false}) {
        SCOPED_TRACE(std::string(ir::mnemonic(op)) + (batchFirst ? ", batch first" : ", time major") +
                     (useCellState ? ", c_n used" : ""));
        ModelBuilder m;
        ir::Value *x = m.argument("x", DType::F32, batchFirst ? ir::DimList{B, T, Dim(6)} : ir::DimList{T, B, Dim(6)});
        ir::Value *lengths = m.argument("lengths", DType::I64, {B});
        RecurrentLayer layer{op, 7, 3, true, batchFirst, true, true, true};
        std::vector<ir::Value *> r = recurrent(m, "rec", layer, x, lengths, 5);
        m.result("out", r[0]);
        m.result("h_n", r[1]);
        if (useCellState) m.result("c_n", r[2]);
        auto interp = m.compile();
        auto dnnl = compileDnnl(m);
        ASSERT_TRUE(interp && dnnl);
        for (int64_t batch : {1, 4, 9})
          for (int64_t time : {1, 2, 11}) {
            Random random(uint32_t(batch * 100 + time));
            Inputs in;
            in.add("x", random.tensor(DType::F32, batchFirst ? Shape{batch, time, 6} : Shape{time, batch, 6}));
            in.add("lengths", raggedLengths(batch, time));
            int64_t states = layer.layers * 2;
            in.add("rec.h0", random.tensor(DType::F32, {states, batch, 7}));
            if (op == OpKind::LSTM) in.add("rec.c0", random.tensor(DType::F32, {states, batch, 7}));
            expectSameResults(*interp, *dnnl, in);
          }
      }
    }
}

/// x [B, T, 8] -> a 2-layer bidirectional LSTM -> softmax over T of its
/// output, and its final states.
void buildStack(ModelBuilder &m) {
  const ir::Dim B = ir::Dim::symbol("B"), T = ir::Dim::symbol("T");
  ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(8)});
  std::vector<ir::Value *> r =
      recurrent(m, "lstm", {OpKind::LSTM, 8, 2, true, true, true, false, false}, x, nullptr, 3);
  ir::Attrs overTime;
  overTime.Axis = 1;
  m.result("alpha", m.value(OpKind::Softmax, {r[0]}, overTime));
  m.result("h_n", r[1]);
}

Inputs stackInputs(int64_t batch, int64_t time) {
  Random random(uint32_t(batch * 31 + time));
  Inputs in;
  in.add("x", random.tensor(DType::F32, {batch, time, 8}));
  return in;
}

// One primitive set per shape, at most shapesPerNode per node: eight threads
// cycling through six shapes with room for two keep evicting and rebuilding
// plans while others run theirs. Every result is the single-threaded one,
// bit for bit, and agrees with the interpreter.
TEST(DnnlBackend, PlanCacheEvictionUnderThreads) {
  ModelBuilder m;
  buildStack(m);
  auto interp = m.compile();
  dnnlcg::DnnlOptions options;
  options.threads = 1;
  options.shapesPerNode = 2;
  auto dnnl = compileDnnl(m, options);
  ASSERT_TRUE(interp && dnnl);
  const std::pair<int64_t, int64_t> shapes[] = {{1, 1}, {2, 5}, {3, 9}, {1, 17}, {4, 3}, {2, 12}};
  std::vector<Inputs> inputs;
  std::vector<std::vector<Tensor>> expected;
  for (auto [batch, time] : shapes) {
    inputs.push_back(stackInputs(batch, time));
    expectSameResults(*interp, *dnnl, inputs.back());
    auto r = dnnl->run("f", inputs.back().views());
    ASSERT_TRUE(r.isOk()) << r.message();
    expected.push_back(std::move(*r));
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 12; ++round) {
        size_t k = size_t(t + round) % inputs.size();
        auto r = dnnl->run("f", inputs[k].views());
        if (!r || r->size() != expected[k].size()) {
          ++mismatches;
          continue;
        }
        for (size_t i = 0; i < r->size(); ++i)
          if (!identical((*r)[i], expected[k][i])) ++mismatches;
      }
    });
  for (std::thread &t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// The thread count changes how oneDNN splits the work, not what it computes:
// one and two threads agree with the interpreter.
TEST(DnnlBackend, ThreadCounts) {
  ModelBuilder m;
  buildStack(m);
  auto interp = m.compile();
  ASSERT_TRUE(interp);
  for (unsigned threads : {1u, 2u}) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    auto dnnl = compileDnnl(m, {threads});
    ASSERT_TRUE(dnnl);
    expectSameResults(*interp, *dnnl, stackInputs(16, 40));
  }
}

} // namespace
} // namespace attn::llvmcg::testing
