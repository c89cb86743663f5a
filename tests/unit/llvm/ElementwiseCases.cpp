// Differential cases: leaves, elementwise ops and casts, reductions,
// softmax and the shape ops (see DifferentialCases.h).
#include "DifferentialCases.h"

#include <limits>

namespace attn::llvmcg::testing {

namespace {

using K = OpKind;
const Dim B = kB, T = kT;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

/// x: f32[B, T, 5] over a wide range, for two batch shapes and an empty one.
std::vector<Inputs> floatBatches(double lo, double hi) {
  return {randomInputs(1, {{"x", DType::F32, {3, 7, 5}, lo, hi}}),
          randomInputs(2, {{"x", DType::F32, {1, 1, 5}, lo, hi}}),
          randomInputs(3, {{"x", DType::F32, {0, 4, 5}, lo, hi}})};
}

OpCase leaves() {
  return {"leaves",
          [](ModelBuilder &m) {
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(5)});
            ir::Attrs t;
            t.Symbol = "T";
            m.result("f", m.value(K::Constant, {}, constantAttrs(2.5, DType::F32)));
            m.result("i", m.value(K::Constant, {}, constantAttrs(-3.7, DType::I64)));
            m.result("i32", m.value(K::Constant, {}, constantAttrs(1e12, DType::I32)));
            m.result("b", m.value(K::Constant, {}, constantAttrs(2.0, DType::Bool)));
            ir::Value *steps = m.value(K::DimValue, {}, t);
            m.result("t", steps);
            m.result("x", x); // an argument returned: copied
            m.result("x2", x);
            ir::Value *scaled = m.value(K::Mul, {x, m.value(K::Cast, {steps}, castTo(DType::F32))});
            m.result("scaled", scaled);
            m.result("scaled_again", scaled); // one value, two results
          },
          floatBatches(-1, 1)};
}

OpCase floatUnary() {
  return {"float_unary",
          [](ModelBuilder &m) {
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(5)});
            for (K op : {K::Tanh, K::Sigmoid, K::Relu, K::Exp, K::Abs, K::Neg, K::Gelu})
              m.result(std::string(ir::mnemonic(op)), m.value(op, {x}));
            ir::Value *positive = m.value(K::Abs, {x});
            m.result("log", m.value(K::Log, {positive}));
            m.result("sqrt", m.value(K::Sqrt, {positive}));
          },
          floatBatches(-12, 12)};
}

OpCase extremeValues() {
  Tensor x = f32({12}, {0, -0.0, 1e-30, -1e-30, 88.5, 89, -87, -104, 1e30, -1e30, kInf, -kInf});
  Tensor n = f32({2}, {kNaN, -kNaN});
  Inputs inputs;
  inputs.add("x", std::move(x));
  inputs.add("n", std::move(n));
  return {"extreme_values",
          [](ModelBuilder &m) {
            for (const char *name : {"x", "n"}) {
              ir::Value *v = m.argument(name, DType::F32, {T});
              for (K op : {K::Tanh, K::Sigmoid, K::Relu, K::Exp, K::Log, K::Sqrt, K::Abs, K::Neg, K::Gelu})
                m.result(std::string(name) + "." + std::string(ir::mnemonic(op)), m.value(op, {v}));
            }
          },
          {std::move(inputs)}};
}

OpCase integerUnary() {
  return {"integer_unary",
          [](ModelBuilder &m) {
            ir::Value *a = m.argument("a", DType::I64, {B, Dim(3)});
            ir::Value *b = m.argument("b", DType::I32, {B, Dim(3)});
            for (ir::Value *v : {a, b})
              for (K op : {K::Relu, K::Abs, K::Neg})
                m.result(std::string(ir::mnemonic(op)) + (v == a ? "64" : "32"), m.value(op, {v}));
          },
          {randomInputs(4, {{"a", DType::I64, {4, 3}, -100, 100}, {"b", DType::I32, {4, 3}, -100, 100}})}};
}

OpCase casts() {
  Inputs inputs;
  inputs.add("x", f32({9}, {-2.7, -0.5, 0, 0.5, 2.7, kNaN, 1e30, -3e9, 3e9}));
  inputs.add("n", i64({3}, {double((int64_t(1) << 32) + 5), -1, 7}));
  inputs.add("k", makeTensor(DType::I32, {3}, {-5, 0, 9}));
  inputs.add("c", boolean({3}, {1, 0, 1}));
  return {"casts",
          [](ModelBuilder &m) {
            std::vector<std::pair<const char *, ir::Value *>> sources = {
                {"x", m.argument("x", DType::F32, {Dim(9)})},
                {"n", m.argument("n", DType::I64, {Dim(3)})},
                {"k", m.argument("k", DType::I32, {Dim(3)})},
                {"c", m.argument("c", DType::Bool, {Dim(3)})}};
            for (auto &[name, v] : sources)
              for (DType to : kAllDTypes)
                m.result(std::string(name) + "_to_" + std::string(dtypeName(to)), m.value(K::Cast, {v}, castTo(to)));
          },
          {std::move(inputs)}};
}

OpCase floatBinary() {
  return {"float_binary_broadcast",
          [](ModelBuilder &m) {
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(5)});
            ir::Value *row = m.argument("row", DType::F32, {Dim(5)});
            ir::Value *column = m.argument("column", DType::F32, {B, Dim(1), Dim(1)});
            ir::Value *middle = m.argument("middle", DType::F32, {T, Dim(1)});
            ir::Value *s = m.argument("s", DType::F32, {});
            for (K op : {K::Add, K::Sub, K::Mul, K::Div, K::Maximum, K::Minimum}) {
              std::string name(ir::mnemonic(op));
              m.result(name + ".row", m.value(op, {x, row}));
              m.result(name + ".column", m.value(op, {column, x}));
              m.result(name + ".outer", m.value(op, {middle, row}));
              m.result(name + ".scalar", m.value(op, {s, x}));
              m.result(name + ".same", m.value(op, {x, m.value(K::Neg, {x})}));
            }
          },
          {randomInputs(5, {{"x", DType::F32, {3, 7, 5}}, {"row", DType::F32, {5}}, {"column", DType::F32, {3, 1, 1}},
                            {"middle", DType::F32, {7, 1}}, {"s", DType::F32, {}}}),
           randomInputs(6, {{"x", DType::F32, {1, 2, 5}}, {"row", DType::F32, {5}}, {"column", DType::F32, {1, 1, 1}},
                            {"middle", DType::F32, {2, 1}}, {"s", DType::F32, {}}})}};
}

OpCase integerBinary() {
  Inputs zeros = randomInputs(8, {{"a", DType::I64, {2, 3}, -50, 50}, {"b", DType::I64, {3}, 1, 5},
                                  {"p", DType::I32, {2, 3}, -50, 50}, {"q", DType::I32, {2, 1}, 1, 4}});
  zeros.tensors[1].second.as<int64_t>()[1] = 0; // integer division by zero: an error
  Inputs extremes = randomInputs(9, {{"a", DType::I64, {2, 3}, -50, 50}, {"b", DType::I64, {3}, -3, 3},
                                     {"p", DType::I32, {2, 3}, -50, 50}, {"q", DType::I32, {2, 1}, -3, -1}});
  extremes.tensors[0].second.as<int64_t>()[0] = std::numeric_limits<int64_t>::min();
  extremes.tensors[0].second.as<int64_t>()[1] = std::numeric_limits<int64_t>::max();
  extremes.tensors[1].second.as<int64_t>()[0] = -1;
  extremes.tensors[1].second.as<int64_t>()[1] = 2;
  extremes.tensors[1].second.as<int64_t>()[2] = -2;
  return {"integer_binary",
          [](ModelBuilder &m) {
            ir::Value *a = m.argument("a", DType::I64, {B, Dim(3)});
            ir::Value *b = m.argument("b", DType::I64, {Dim(3)});
            ir::Value *p = m.argument("p", DType::I32, {B, Dim(3)});
            ir::Value *q = m.argument("q", DType::I32, {B, Dim(1)});
            for (K op : {K::Add, K::Sub, K::Mul, K::Maximum, K::Minimum, K::Div}) {
              m.result(std::string(ir::mnemonic(op)) + "64", m.value(op, {a, b}));
              m.result(std::string(ir::mnemonic(op)) + "32", m.value(op, {p, q}));
            }
          },
          {randomInputs(7, {{"a", DType::I64, {4, 3}, -50, 50}, {"b", DType::I64, {3}, 1, 5},
                            {"p", DType::I32, {4, 3}, -50, 50}, {"q", DType::I32, {4, 1}, -4, -1}}),
           std::move(zeros), std::move(extremes)}};
}

OpCase where() {
  return {"where",
          [](ModelBuilder &m) {
            ir::Value *cond = m.argument("cond", DType::Bool, {B, Dim(1)});
            ir::Value *a = m.argument("a", DType::F32, {B, T});
            ir::Value *n = m.argument("n", DType::I64, {T});
            m.result("f", m.value(K::Where, {cond, a, m.value(K::Constant, {}, constantAttrs(-1, DType::F32))}));
            m.result("i", m.value(K::Where, {cond, n, m.value(K::Constant, {}, constantAttrs(7, DType::I64))}));
            ir::Value *positive = m.value(K::Cast, {a}, castTo(DType::Bool));
            m.result("b", m.value(K::Where, {cond, positive, m.value(K::Constant, {}, constantAttrs(0, DType::Bool))}));
          },
          {randomInputs(10, {{"cond", DType::Bool, {3, 1}, 0, 2}, {"a", DType::F32, {3, 6}}, {"n", DType::I64, {6}, -9, 9}})}};
}

/// == != < <= > >= on f32 (NaN, ties, broadcasting), i64, i32 and bool, and
/// & | ~ on bool and integers (negative values: two's complement bits).
OpCase comparisonsAndBits() {
  Inputs special = randomInputs(31, {{"x", DType::F32, {2, 5}}, {"y", DType::F32, {5}}, {"n", DType::I64, {2, 5}, -9, 9},
                                     {"k", DType::I64, {5}, -9, 9}, {"p", DType::I32, {2, 5}, -9, 9},
                                     {"c", DType::Bool, {2, 5}, 0, 2}, {"d", DType::Bool, {5}, 0, 2}});
  float *x = special.tensors[0].second.as<float>(), *y = special.tensors[1].second.as<float>();
  x[0] = float(kNaN), y[1] = float(kNaN), x[2] = y[2], x[7] = y[2]; // NaN on either side, ties
  x[3] = float(kInf), y[4] = -float(kInf);
  special.tensors[2].second.as<int64_t>()[0] = std::numeric_limits<int64_t>::min();
  special.tensors[3].second.as<int64_t>()[0] = std::numeric_limits<int64_t>::max();
  return {"comparisons_and_bits",
          [](ModelBuilder &m) {
            ir::Value *x = m.argument("x", DType::F32, {B, Dim(5)});
            ir::Value *y = m.argument("y", DType::F32, {Dim(5)});
            ir::Value *n = m.argument("n", DType::I64, {B, Dim(5)});
            ir::Value *k = m.argument("k", DType::I64, {Dim(5)});
            ir::Value *p = m.argument("p", DType::I32, {B, Dim(5)});
            ir::Value *c = m.argument("c", DType::Bool, {B, Dim(5)});
            ir::Value *d = m.argument("d", DType::Bool, {Dim(5)});
            ir::Value *seven = m.value(K::Constant, {}, constantAttrs(7, DType::I32));
            for (K op : {K::Equal, K::NotEqual, K::Less, K::LessEqual, K::Greater, K::GreaterEqual}) {
              std::string name(ir::mnemonic(op));
              m.result(name + ".f32", m.value(op, {x, y}));
              m.result(name + ".i64", m.value(op, {n, k}));
              m.result(name + ".i32", m.value(op, {p, seven}));
              m.result(name + ".bool", m.value(op, {c, d}));
            }
            for (K op : {K::BitwiseAnd, K::BitwiseOr}) {
              std::string name(ir::mnemonic(op));
              m.result(name + ".bool", m.value(op, {c, d}));
              m.result(name + ".i64", m.value(op, {n, k}));
              m.result(name + ".i32", m.value(op, {p, seven}));
            }
            m.result("bitwise_not.bool", m.value(K::BitwiseNot, {c}));
            m.result("bitwise_not.i64", m.value(K::BitwiseNot, {n}));
            m.result("bitwise_not.i32", m.value(K::BitwiseNot, {p}));
            // A mask built from token ids, as a model builds one, used by where.
            ir::Value *zero = m.value(K::Constant, {}, constantAttrs(0, DType::I64));
            ir::Value *keep = m.value(K::BitwiseAnd, {m.value(K::NotEqual, {n, zero}), m.value(K::BitwiseNot, {c})});
            m.result("masked", m.value(K::Where, {keep, x, m.value(K::Constant, {}, constantAttrs(-1e9, DType::F32))}));
          },
          {randomInputs(30, {{"x", DType::F32, {3, 5}}, {"y", DType::F32, {5}}, {"n", DType::I64, {3, 5}, -9, 9},
                             {"k", DType::I64, {5}, -9, 9}, {"p", DType::I32, {3, 5}, -9, 9},
                             {"c", DType::Bool, {3, 5}, 0, 2}, {"d", DType::Bool, {5}, 0, 2}}),
           std::move(special)}};
}

OpCase reductions() {
  Inputs nans = randomInputs(12, {{"x", DType::F32, {2, 3, 4}}, {"n", DType::I64, {2, 3, 4}, -9, 9},
                                  {"k", DType::I32, {2, 3, 4}, -9, 9}});
  nans.tensors[0].second.as<float>()[5] = float(kNaN);
  return {"reductions",
          [](ModelBuilder &m) {
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(4)});
            ir::Value *n = m.argument("n", DType::I64, {B, T, Dim(4)});
            ir::Value *k = m.argument("k", DType::I32, {B, T, Dim(4)});
            for (K op : {K::Sum, K::Mean, K::Max, K::Argmax})
              for (std::optional<int64_t> axis : {std::optional<int64_t>(), std::optional<int64_t>(0),
                                                  std::optional<int64_t>(1), std::optional<int64_t>(2)})
                for (bool keep : {false, true}) {
                  std::string name = std::string(ir::mnemonic(op)) + (axis ? std::to_string(*axis) : "all") + (keep ? "k" : "");
                  m.result(name, m.value(op, {x}, axisAttrs(axis, keep)));
                  if (op == K::Mean) continue;
                  m.result(name + ".i64", m.value(op, {n}, axisAttrs(axis, keep)));
                  m.result(name + ".i32", m.value(op, {k}, axisAttrs(axis, keep)));
                }
          },
          {randomInputs(11, {{"x", DType::F32, {3, 5, 4}}, {"n", DType::I64, {3, 5, 4}, -9, 9}, {"k", DType::I32, {3, 5, 4}, -9, 9}}),
           std::move(nans),
           randomInputs(13, {{"x", DType::F32, {0, 2, 4}}, {"n", DType::I64, {0, 2, 4}}, {"k", DType::I32, {0, 2, 4}}})}};
}

OpCase softmaxes() {
  Inputs masked = randomInputs(14, {{"x", DType::F32, {3, 6, 4}, -30, 30}, {"mask", DType::Bool, {3, 6, 4}, 0, 2},
                                    {"rows", DType::Bool, {3, 1, 4}, 0, 2}});
  for (int i = 0; i < 6 * 4; ++i) masked.tensors[1].second.as<uint8_t>()[i] = 0; // batch row 0: all masked
  masked.tensors[2].second.as<uint8_t>()[0] = 0;
  masked.tensors[2].second.as<uint8_t>()[4] = 0;
  // -inf scores (masked_fill's spelling of a mask): a lone one, a whole row
  // along the last axis (NaN, as PyTorch), and one under a mask.
  Inputs minusInf = randomInputs(16, {{"x", DType::F32, {2, 3, 4}, -5, 5}, {"mask", DType::Bool, {2, 3, 4}, 0, 2},
                                      {"rows", DType::Bool, {2, 1, 4}, 0, 2}});
  float *x = minusInf.tensors[0].second.as<float>();
  x[1] = x[4] = x[5] = x[6] = x[7] = x[23] = -float(kInf);
  // +inf and NaN scores: PyTorch's whole row NaN along the softmax's axis
  // (oneDNN's primitive leaves NaN at that position alone), masked positions
  // 0 under a mask.
  Inputs nonFinite = randomInputs(17, {{"x", DType::F32, {2, 3, 4}, -5, 5}, {"mask", DType::Bool, {2, 3, 4}, 0, 2},
                                       {"rows", DType::Bool, {2, 1, 4}, 0, 2}});
  float *y = nonFinite.tensors[0].second.as<float>();
  y[2] = y[21] = float(kInf);
  y[13] = std::numeric_limits<float>::quiet_NaN();
  return {"softmax",
          [](ModelBuilder &m) {
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(4)});
            ir::Value *mask = m.argument("mask", DType::Bool, {B, T, Dim(4)});
            ir::Value *rows = m.argument("rows", DType::Bool, {B, Dim(1), Dim(4)});
            for (int64_t axis : {0, 1, 2}) {
              std::string a = std::to_string(axis);
              m.result("softmax" + a, m.value(K::Softmax, {x}, axisAttrs(axis)));
              m.result("log_softmax" + a, m.value(K::LogSoftmax, {x}, axisAttrs(axis)));
              m.result("masked" + a, m.value(K::Softmax, {x, mask}, axisAttrs(axis)));
              m.result("broadcast_mask" + a, m.value(K::Softmax, {x, rows}, axisAttrs(axis)));
            }
          },
          {std::move(masked),
           randomInputs(15, {{"x", DType::F32, {1, 1, 4}, -100, 100}, {"mask", DType::Bool, {1, 1, 4}, 0, 2},
                             {"rows", DType::Bool, {1, 1, 4}, 0, 2}}),
           std::move(minusInf), std::move(nonFinite)}};
}

OpCase shapes() {
  return {"shape_ops",
          [](ModelBuilder &m) {
            ir::Value *x = m.argument("x", DType::F32, {B, T, Dim(3)});
            ir::Value *n = m.argument("n", DType::I64, {B, T});
            ir::Value *c = m.argument("c", DType::Bool, {B, T});
            ir::Value *lengths = m.argument("lengths", DType::I64, {B});
            ir::Value *lengths32 = m.argument("lengths32", DType::I32, {B});
            ir::Attrs t;
            t.Axis = 0, t.Axis2 = 2;
            m.result("transpose", m.value(K::Transpose, {x}, t));
            ir::Attrs p;
            p.Perm = {1, 2, 0};
            m.result("permute", m.value(K::Permute, {x}, p));
            p.Perm = {1, 0};
            m.result("permute_bool", m.value(K::Permute, {c}, p));
            ir::Attrs r;
            r.Shape = {B * T, Dim(3)};
            ir::Value *flat = m.value(K::Reshape, {x}, r);
            m.result("reshape_tanh", m.value(K::Tanh, {flat}));
            ir::Value *u = m.value(K::Unsqueeze, {n}, axisAttrs(1));
            m.result("unsqueeze", u);
            m.result("squeeze", m.value(K::Squeeze, {u}, axisAttrs(1)));
            for (int64_t axis : {0, 1, 2})
              m.result("concat" + std::to_string(axis), m.value(K::Concat, {x, m.value(K::Neg, {x}), x}, axisAttrs(axis)));
            m.result("concat_bool", m.value(K::Concat, {c, c}, axisAttrs(1)));
            ir::Attrs s = axisAttrs(1);
            s.Start = Dim(1), s.End = T - Dim(1);
            m.result("slice", m.value(K::Slice, {x}, s));
            s = axisAttrs(2);
            s.Start = Dim(1), s.End = Dim(3);
            m.result("slice_last", m.value(K::Slice, {x}, s));
            ir::Attrs mask;
            mask.Length = T;
            m.result("mask64", m.value(K::SequenceMask, {lengths}, mask));
            m.result("mask32", m.value(K::SequenceMask, {lengths32}, mask));
          },
          {randomInputs(16, {{"x", DType::F32, {3, 5, 3}}, {"n", DType::I64, {3, 5}, -9, 9}, {"c", DType::Bool, {3, 5}, 0, 2},
                             {"lengths", DType::I64, {3}, -1, 7}, {"lengths32", DType::I32, {3}, 0, 6}}),
           randomInputs(17, {{"x", DType::F32, {2, 1, 3}}, {"n", DType::I64, {2, 1}, -9, 9}, {"c", DType::Bool, {2, 1}, 0, 2},
                             {"lengths", DType::I64, {2}, 0, 2}, {"lengths32", DType::I32, {2}, 0, 2}})}};
}

} // namespace

std::vector<OpCase> elementwiseCases() {
  return {leaves(), floatUnary(), extremeValues(), integerUnary(), casts(), floatBinary(),
          integerBinary(), where(), comparisonsAndBits(), reductions(), softmaxes(), shapes()};
}

} // namespace attn::llvmcg::testing
