// Differential cases: matmul, linear, embedding, layer_norm, conv1d,
// linear_act and fused_elementwise (see DifferentialCases.h).
#include "DifferentialCases.h"

namespace attn::llvmcg::testing {

namespace {

using K = OpKind;
const Dim B = kB, T = kT;

OpCase matmuls() {
  return {"matmul",
          [](ModelBuilder &m) {
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(5)});
            ir::Value *w = m.argument("w", DType::F32, {Dim(5), Dim(3)});
            ir::Value *v = m.argument("v", DType::F32, {Dim(5)});
            ir::Value *y = m.argument("y", DType::F32, {B, Dim(5), Dim(4)});
            ir::Value *z = m.argument("z", DType::F32, {Dim(1), Dim(3), Dim(5)});
            ir::Value *n = m.argument("n", DType::I64, {T, Dim(5)});
            ir::Value *k = m.argument("k", DType::I64, {Dim(5), Dim(2)});
            m.result("matrix", m.value(K::MatMul, {x, w}));
            m.result("vector_left", m.value(K::MatMul, {v, w}));
            m.result("vector_right", m.value(K::MatMul, {x, v}));
            m.result("dot", m.value(K::MatMul, {v, v}));
            m.result("batched", m.value(K::MatMul, {x, y}));
            m.result("broadcast", m.value(K::MatMul, {z, y}));
            m.result("integer", m.value(K::MatMul, {n, k}));
          },
          {randomInputs(20, {{"x", DType::F32, {3, 4, 5}}, {"w", DType::F32, {5, 3}}, {"v", DType::F32, {5}},
                             {"y", DType::F32, {3, 5, 4}}, {"z", DType::F32, {1, 3, 5}}, {"n", DType::I64, {4, 5}, -9, 9},
                             {"k", DType::I64, {5, 2}, -9, 9}}),
           randomInputs(21, {{"x", DType::F32, {0, 1, 5}}, {"w", DType::F32, {5, 3}}, {"v", DType::F32, {5}},
                             {"y", DType::F32, {0, 5, 4}}, {"z", DType::F32, {1, 3, 5}}, {"n", DType::I64, {1, 5}, -9, 9},
                             {"k", DType::I64, {5, 2}, -9, 9}})}};
}

/// linear over odd sizes: the packed kernel's partial vectors and row blocks.
OpCase linears() {
  return {"linear",
          [](ModelBuilder &m) {
            Random random(22);
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(31)});
            int index = 0;
            for (int64_t out : {1, 5, 16, 17, 33, 70})
              for (bool bias : {false, true}) {
                std::string name = "fc" + std::to_string(index++);
                std::vector<ir::Value *> operands = {x, m.weight(name + ".w", random.tensor(DType::F32, {out, 31}))};
                if (bias) operands.push_back(m.weight(name + ".b", random.tensor(DType::F32, {out})));
                m.result(name, m.value(K::Linear, operands));
              }
            ir::Value *small = m.argument("small", DType::F32, {B, Dim(3)});
            m.result("in3", m.value(K::Linear, {small, m.weight("w3", random.tensor(DType::F32, {4, 3}))}));
            ir::Value *single = m.argument("single", DType::F32, {Dim(3)});
            m.result("rank1", m.value(K::Linear, {single, m.weight("w3b", random.tensor(DType::F32, {2, 3}))}));
            // A weight computed at run time is packed per call; one of symbolic
            // shape takes the generic path.
            ir::Value *computed = m.argument("computed", DType::F32, {Dim(6), Dim(3)});
            m.result("computed", m.value(K::Linear, {small, m.value(K::Tanh, {computed})}));
            ir::Value *symbolic = m.argument("symbolic", DType::F32, {T, Dim(3)});
            m.result("symbolic", m.value(K::Linear, {small, symbolic, m.argument("sb", DType::F32, {T})}));
            // in_features = 0: x W^T is zeros, so the bias (through the activation).
            ir::Value *empty = m.argument("empty", DType::F32, {B, Dim(0)});
            ir::Value *w0 = m.weight("w0", random.tensor(DType::F32, {5, 0}));
            ir::Value *b0 = m.weight("b0", random.tensor(DType::F32, {5}));
            m.result("in0", m.value(K::Linear, {empty, w0, b0}));
            m.result("in0_no_bias", m.value(K::Linear, {empty, w0}));
            ir::Attrs tanh;
            tanh.Activation = K::Tanh;
            m.result("in0_tanh", m.value(K::LinearAct, {empty, w0, b0}, tanh));
          },
          {randomInputs(23, {{"x", DType::F32, {3, 5, 31}}, {"small", DType::F32, {3, 3}}, {"single", DType::F32, {3}},
                             {"computed", DType::F32, {6, 3}}, {"symbolic", DType::F32, {5, 3}}, {"sb", DType::F32, {5}},
                             {"empty", DType::F32, {3, 0}}}),
           randomInputs(24, {{"x", DType::F32, {1, 1, 31}}, {"small", DType::F32, {1, 3}}, {"single", DType::F32, {3}},
                             {"computed", DType::F32, {6, 3}}, {"symbolic", DType::F32, {1, 3}}, {"sb", DType::F32, {1}},
                             {"empty", DType::F32, {1, 0}}}),
           randomInputs(25, {{"x", DType::F32, {0, 2, 31}}, {"small", DType::F32, {0, 3}}, {"single", DType::F32, {3}},
                             {"computed", DType::F32, {6, 3}}, {"symbolic", DType::F32, {2, 3}}, {"sb", DType::F32, {2}},
                             {"empty", DType::F32, {0, 0}}})}};
}

/// linear and linear_act with a weight larger than the GEMM's cache block
/// (Gemm.cpp): K cut in two blocks (partial sums stored in y and reloaded,
/// the activation applied after the last only), columns in several blocks
/// of panels plus a partial vector, 21 rows (blocks of 12, 4 and 1). Inputs
/// and weights are non-negative, so the sums are well-conditioned.
OpCase blockedLinears() {
  return {"linear_blocked",
          [](ModelBuilder &m) {
            Random random(35);
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(400)});
            ir::Value *w = m.weight("w", random.tensor(DType::F32, {700, 400}, 0, 0.01));
            ir::Value *b = m.weight("b", random.tensor(DType::F32, {700}, 0, 0.5));
            m.result("linear", m.value(K::Linear, {x, w, b}));
            ir::Attrs tanh;
            tanh.Activation = K::Tanh;
            m.result("linear_tanh", m.value(K::LinearAct, {x, w, b}, tanh));
          },
          {randomInputs(36, {{"x", DType::F32, {3, 7, 400}, 0, 1}}),
           randomInputs(37, {{"x", DType::F32, {1, 2, 400}, 0, 1}})}};
}

OpCase embeddings() {
  Inputs bad = randomInputs(27, {{"ids", DType::I64, {2, 3}, 0, 10}, {"ids32", DType::I32, {4}, 0, 10}});
  bad.tensors[0].second.as<int64_t>()[4] = 10; // out of range at [1, 1]
  bad.tensors[0].second.as<int64_t>()[5] = -1;
  return {"embedding",
          [](ModelBuilder &m) {
            Random random(26);
            ir::Value *ids = m.argument("ids", DType::I64, {B, T});
            ir::Value *ids32 = m.argument("ids32", DType::I32, {T});
            m.result("e", m.value(K::Embedding, {ids, m.weight("emb", random.tensor(DType::F32, {10, 7}))}));
            m.result("e32", m.value(K::Embedding, {ids32, m.weight("emb_i", random.tensor(DType::I64, {10, 2}, -5, 5))}));
          },
          {randomInputs(28, {{"ids", DType::I64, {3, 4}, 0, 10}, {"ids32", DType::I32, {4}, 0, 10}}), std::move(bad)}};
}

OpCase layerNorms() {
  return {"layer_norm",
          [](ModelBuilder &m) {
            Random random(29);
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(6)});
            ir::Attrs one;
            one.NormRank = 1, one.Eps = 1e-5;
            m.result("plain", m.value(K::LayerNorm, {x}, one));
            m.result("affine", m.value(K::LayerNorm, {x, m.weight("g", random.tensor(DType::F32, {6})),
                                                      m.weight("b", random.tensor(DType::F32, {6}))}, one));
            ir::Attrs two;
            two.NormRank = 2, two.Eps = 1e-3;
            m.result("two_axes", m.value(K::LayerNorm, {x}, two));
          },
          {randomInputs(30, {{"x", DType::F32, {3, 1, 6}, -4, 4}}), randomInputs(31, {{"x", DType::F32, {2, 5, 6}}})}};
}

/// conv1d: padded, strided and dilated (a floordiv output length over a
/// symbolic T), without bias, a kernel longer than short inputs; T = 1 too.
OpCase conv1ds() {
  return {"conv1d",
          [](ModelBuilder &m) {
            Random random(33);
            ir::Value *x = m.argument("x", DType::F32, {B, Dim(3), T});
            auto conv = [&](const std::string &name, int64_t out, int64_t k, int64_t stride, int64_t padding,
                            int64_t dilation, bool bias) {
              ir::Attrs a;
              a.Stride = stride, a.Padding = padding, a.Dilation = dilation;
              std::vector<ir::Value *> operands = {x, m.weight(name + ".w", random.tensor(DType::F32, {out, 3, k}))};
              if (bias) operands.push_back(m.weight(name + ".b", random.tensor(DType::F32, {out})));
              m.result(name, m.value(K::Conv1d, operands, a));
            };
            conv("padded", 4, 3, 1, 1, 1, true);
            conv("strided", 5, 3, 2, 2, 2, true);
            conv("wide", 2, 7, 3, 3, 1, false);
          },
          {randomInputs(34, {{"x", DType::F32, {2, 3, 1}}}), randomInputs(35, {{"x", DType::F32, {3, 3, 11}, -3, 3}})}};
}

/// linear_act and fused_elementwise as the fuse-elementwise pass makes them.
OpCase fused() {
  return {"fused_elementwise",
          [](ModelBuilder &m) {
            Random random(32);
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(9)});
            ir::Value *row = m.argument("row", DType::F32, {Dim(9)});
            ir::Value *n = m.argument("n", DType::I64, {B, Dim(1), Dim(1)});
            for (K act : {K::Tanh, K::Sigmoid, K::Relu}) {
              ir::Attrs a;
              a.Activation = act;
              m.result("linear_" + std::string(ir::mnemonic(act)),
                       m.value(K::LinearAct, {x, m.weight(std::string(ir::mnemonic(act)) + ".w",
                                                          random.tensor(DType::F32, {5, 9})),
                                              m.weight(std::string(ir::mnemonic(act)) + ".b",
                                                       random.tensor(DType::F32, {5}))}, a));
            }
            // t0 = mul(in0, in1); t1 = tanh(t0); t2 = cast(in2) : f32; t3 = add(t1, t2)
            ir::Attrs body;
            body.Body.numInputs = 3;
            body.Body.steps = {{K::Mul, {0, 1}, DType::F32},
                               {K::Tanh, {3}, DType::F32},
                               {K::Cast, {2}, DType::F32},
                               {K::Add, {4, 5}, DType::F32}};
            m.result("body", m.value(K::FusedElementwise, {x, row, n}, body));
            // Integer division inside a body: t0 = add(in0, in0); t1 = div(in0, t0)
            ir::Attrs division;
            division.Body.numInputs = 1;
            division.Body.steps = {{K::Add, {0, 0}, DType::F32}, {K::Div, {0, 1}, DType::F32}};
            m.result("division", m.value(K::FusedElementwise, {n}, division));
          },
          {randomInputs(33, {{"x", DType::F32, {3, 4, 9}}, {"row", DType::F32, {9}}, {"n", DType::I64, {3, 1, 1}, 1, 5}}),
           randomInputs(34, {{"x", DType::F32, {2, 1, 9}}, {"row", DType::F32, {9}}, {"n", DType::I64, {2, 1, 1}, 0, 1}})}};
}

} // namespace

std::vector<OpCase> linearCases() {
  return {matmuls(), linears(), blockedLinears(), embeddings(), layerNorms(), conv1ds(), fused()};
}

} // namespace attn::llvmcg::testing
