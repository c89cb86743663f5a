// Typing rules of every op in ops.def.
#include "ir/ShapeInference.h"

#include <algorithm>

namespace attn::ir {

namespace {

using Types = std::vector<Type>;

Status fail(std::string message) { return Status::error(std::move(message)); }

Dim product(const DimList &dims) {
  Dim p(1);
  for (const Dim &d : dims) p = p * d;
  return p;
}

Status requireFloat(const Type &t, std::string_view what) {
  if (t.dtype != DType::F32)
    return fail(std::string(what) + " expects f32, got " + t.str());
  return Status::ok();
}

Status requireNumeric(const Type &t, std::string_view what) {
  if (t.dtype == DType::Bool) return fail(std::string(what) + " expects a number, got " + t.str());
  return Status::ok();
}

Status requireSameDType(const Types &ts, std::string_view what) {
  for (const Type &t : ts)
    if (t.dtype != ts.front().dtype)
      return fail(std::string(what) + " operands have different dtypes: " + ts.front().str() +
                  " and " + t.str());
  return Status::ok();
}

Status requireAxis(const std::optional<int64_t> &axis, int64_t rank, std::string_view what) {
  if (axis && (*axis < 0 || *axis >= rank))
    return fail(std::string(what) + ": axis " + std::to_string(*axis) +
                " is out of range for rank " + std::to_string(rank));
  return Status::ok();
}

Status requireFloatShape(const Type &t, const DimList &expected, std::string_view what) {
  if (t.dtype != DType::F32) return fail(std::string(what) + " must be f32, got " + t.str());
  if (t.shape != expected)
    return fail(std::string(what) + " has shape " + dimsToString(t.shape) + ", expected " +
                dimsToString(expected));
  return Status::ok();
}

#define TRY(expr)                                                                            \
  do {                                                                                       \
    Status s_ = (expr);                                                                      \
    if (!s_.isOk()) return s_;                                                               \
  } while (0)

bool isComparison(OpKind op) {
  return op == OpKind::Equal || op == OpKind::NotEqual || op == OpKind::Less ||
         op == OpKind::LessEqual || op == OpKind::Greater || op == OpKind::GreaterEqual;
}

bool isBitwise(OpKind op) {
  return op == OpKind::BitwiseAnd || op == OpKind::BitwiseOr || op == OpKind::BitwiseNot;
}

Status requireBoolOrInteger(const Type &t, std::string_view what) {
  if (t.dtype == DType::F32)
    return fail(std::string(what) + " expects bool or integer tensors, got " + t.str());
  return Status::ok();
}

Result<Types> unary(OpKind op, const Types &in) {
  if (isBitwise(op)) TRY(requireBoolOrInteger(in[0], mnemonic(op)));
  else TRY(hasTrait(op, T_FLOAT) ? requireFloat(in[0], mnemonic(op)) : requireNumeric(in[0], mnemonic(op)));
  return Types{in[0]};
}

Result<Types> elementwiseNary(OpKind op, const Types &in) {
  size_t first = op == OpKind::Where ? 1 : 0;
  if (op == OpKind::Where && in[0].dtype != DType::Bool)
    return fail("where expects a bool condition, got " + in[0].str());
  Types values(in.begin() + first, in.end());
  TRY(requireSameDType(values, mnemonic(op)));
  if (isBitwise(op)) TRY(requireBoolOrInteger(values[0], mnemonic(op)));
  else if (op != OpKind::Where && !isComparison(op)) TRY(requireNumeric(values[0], mnemonic(op)));
  DimList shape = in[0].shape;
  for (size_t i = 1; i < in.size(); ++i) {
    auto b = broadcastShapes(shape, in[i].shape);
    if (!b) return b.status();
    shape = *b;
  }
  return Types{Type{isComparison(op) ? DType::Bool : values[0].dtype, shape}};
}

Result<Types> reduction(OpKind op, const Types &in, const Attrs &a) {
  const Type &x = in[0];
  TRY(requireAxis(a.Axis, x.rank(), mnemonic(op)));
  TRY(requireNumeric(x, mnemonic(op)));
  if (hasTrait(op, T_FLOAT)) TRY(requireFloat(x, mnemonic(op)));
  DimList shape;
  for (int64_t i = 0; i < x.rank(); ++i) {
    bool reduced = !a.Axis || *a.Axis == i;
    if (!reduced) shape.push_back(x.shape[i]);
    else if (a.Keepdim) shape.push_back(Dim(1));
  }
  DType dtype = x.dtype;
  if (op == OpKind::Argmax || (op == OpKind::Sum && isInteger(x.dtype))) dtype = DType::I64;
  return Types{Type{dtype, shape}};
}

Result<Types> softmax(OpKind op, const Types &in, const Attrs &a) {
  TRY(requireFloat(in[0], mnemonic(op)));
  if (!a.Axis) return fail(std::string(mnemonic(op)) + " needs an axis");
  TRY(requireAxis(a.Axis, in[0].rank(), mnemonic(op)));
  if (in.size() == 2) {
    if (in[1].dtype != DType::Bool) return fail("softmax mask must be bool, got " + in[1].str());
    auto b = broadcastShapes(in[0].shape, in[1].shape);
    if (!b) return b.status();
    if (*b != in[0].shape)
      return fail("softmax mask of shape " + dimsToString(in[1].shape) +
                  " does not broadcast to the scores' shape " + dimsToString(in[0].shape));
  }
  return Types{in[0]};
}

Result<Types> matmul(const Types &in) {
  Type a = in[0], b = in[1];
  TRY(requireSameDType(in, "matmul"));
  TRY(requireNumeric(a, "matmul"));
  if (a.rank() == 0 || b.rank() == 0) return fail("matmul does not take scalars");
  bool vecA = a.rank() == 1, vecB = b.rank() == 1;
  if (vecA) a.shape.insert(a.shape.begin(), Dim(1));
  if (vecB) b.shape.push_back(Dim(1));
  Dim k1 = a.shape.back(), k2 = b.shape[b.shape.size() - 2];
  if (k1 != k2)
    return fail("matmul: inner dimensions differ: " + in[0].str() + " @ " + in[1].str());
  DimList batchA(a.shape.begin(), a.shape.end() - 2), batchB(b.shape.begin(), b.shape.end() - 2);
  auto batch = broadcastShapes(batchA, batchB);
  if (!batch) return fail("matmul: batch dimensions do not broadcast: " + in[0].str() + " @ " + in[1].str());
  DimList shape = *batch;
  if (!vecA) shape.push_back(a.shape[a.shape.size() - 2]);
  if (!vecB) shape.push_back(b.shape.back());
  return Types{Type{a.dtype, shape}};
}

Result<Types> transpose(const Type &x, const Attrs &a) {
  Type r = x;
  TRY(requireAxis(a.Axis, x.rank(), "transpose"));
  TRY(requireAxis(a.Axis2, x.rank(), "transpose"));
  std::swap(r.shape[*a.Axis], r.shape[a.Axis2]);
  return Types{r};
}

Result<Types> permute(const Type &x, const Attrs &a) {
  Type r = x;
  std::vector<int64_t> sorted = a.Perm;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < int64_t(sorted.size()); ++i)
    if (sorted[i] != i || int64_t(sorted.size()) != x.rank())
      return fail("permute needs a permutation of the " + std::to_string(x.rank()) + " axes of " + x.str());
  for (size_t i = 0; i < a.Perm.size(); ++i) r.shape[i] = x.shape[a.Perm[i]];
  return Types{r};
}

Result<Types> reshape(const Type &x, const Attrs &a) {
  Type r = x;
  if (product(a.Shape) != product(x.shape))
    return fail("cannot reshape " + x.str() + " to " + dimsToString(a.Shape) +
                ": the element counts differ");
  r.shape = a.Shape;
  return Types{r};
}

Result<Types> squeeze(const Type &x, const Attrs &a) {
  Type r = x;
  TRY(requireAxis(a.Axis, x.rank(), "squeeze"));
  r.shape.clear();
  for (int64_t i = 0; i < x.rank(); ++i) {
    bool selected = !a.Axis || *a.Axis == i;
    if (selected && x.shape[i] == Dim(1)) continue;
    if (a.Axis && *a.Axis == i && !x.shape[i].isConstant())
      return fail("squeeze: axis " + std::to_string(i) + " of " + x.str() +
                  " is symbolic; squeeze needs a dimension of size 1");
    r.shape.push_back(x.shape[i]);
  }
  return Types{r};
}

Result<Types> unsqueeze(const Type &x, const Attrs &a) {
  Type r = x;
  TRY(requireAxis(a.Axis, x.rank() + 1, "unsqueeze"));
  r.shape.insert(r.shape.begin() + *a.Axis, Dim(1));
  return Types{r};
}

Result<Types> concat(const Types &in, const Attrs &a) {
  const Type &x = in[0];
  Type r = x;
  TRY(requireSameDType(in, "concat"));
  TRY(requireAxis(a.Axis, x.rank(), "concat"));
  Dim total(0);
  for (const Type &t : in) {
    if (t.rank() != x.rank()) return fail("concat: operands differ in rank: " + x.str() + " and " + t.str());
    for (int64_t i = 0; i < x.rank(); ++i)
      if (i != *a.Axis && t.shape[i] != x.shape[i])
        return fail("concat: shapes " + x.str() + " and " + t.str() + " differ outside axis " +
                    std::to_string(*a.Axis));
    total = total + t.shape[*a.Axis];
  }
  r.shape[*a.Axis] = total;
  return Types{r};
}

Result<Types> slice(const Type &x, const Attrs &a) {
  Type r = x;
  TRY(requireAxis(a.Axis, x.rank(), "slice"));
  Dim size = x.shape[*a.Axis];
  auto s = a.Start.constant(), e = a.End.constant(), n = size.constant();
  if ((s && *s < 0) || (s && e && *s > *e) || (e && n && *e > *n))
    return fail("slice [" + a.Start.str() + ", " + a.End.str() + ") is out of range for axis " +
                std::to_string(*a.Axis) + " of " + x.str());
  r.shape[*a.Axis] = a.End - a.Start;
  return Types{r};
}

Result<Types> linear(const Types &in) {
  const Type &x = in[0];
  TRY(requireFloat(x, "linear input"));
  const Type &w = in[1];
  TRY(requireFloat(w, "linear weight"));
  if (x.rank() < 1) return fail("linear needs an input with at least one axis");
  if (w.rank() != 2 || w.shape[1] != x.shape.back())
    return fail("linear: input " + x.str() + " does not match weight " + w.str() +
                " (expected last axis " + (w.rank() == 2 ? w.shape[1].str() : "?") + ")");
  if (in.size() == 3) TRY(requireFloatShape(in[2], {w.shape[0]}, "linear bias"));
  Type r = x;
  r.shape.back() = w.shape[0];
  return Types{r};
}

Result<Types> embedding(const Types &in) {
  const Type &x = in[0];
  if (!isInteger(x.dtype)) return fail("embedding indices must be i64 or i32, got " + x.str());
  const Type &w = in[1];
  if (w.rank() != 2) return fail("embedding weight must be 2-D, got " + w.str());
  Type r{w.dtype, x.shape};
  r.shape.push_back(w.shape[1]);
  return Types{r};
}

Result<Types> layerNorm(const Types &in, const Attrs &a) {
  const Type &x = in[0];
  TRY(requireFloat(x, "layer_norm input"));
  if (a.NormRank < 1 || a.NormRank > x.rank())
    return fail("layer_norm: normalized shape of rank " + std::to_string(a.NormRank) +
                " does not fit input " + x.str());
  DimList trailing(x.shape.end() - a.NormRank, x.shape.end());
  for (size_t i = 1; i < in.size(); ++i) TRY(requireFloatShape(in[i], trailing, "layer_norm weight"));
  return Types{x};
}

Result<Types> conv1d(const Types &in, const Attrs &a) {
  const Type &x = in[0], &w = in[1];
  TRY(requireFloat(x, "conv1d input"));
  TRY(requireFloat(w, "conv1d weight"));
  if (x.rank() != 3) return fail("conv1d expects an input [B, C, L], got " + x.str());
  if (w.rank() != 3 || w.shape[1] != x.shape[1] || !w.shape[2].isConstant())
    return fail("conv1d: weight " + w.str() + " does not match input " + x.str() +
                " (expected [O, " + x.shape[1].str() + ", K] with a constant K)");
  if (in.size() == 3) TRY(requireFloatShape(in[2], {w.shape[0]}, "conv1d bias"));
  if (a.Stride < 1 || a.Dilation < 1 || a.Padding < 0)
    return fail("conv1d: stride and dilation must be positive and padding non-negative, got stride " +
                std::to_string(a.Stride) + ", padding " + std::to_string(a.Padding) + ", dilation " +
                std::to_string(a.Dilation));
  Dim span = Dim(a.Dilation) * (w.shape[2] - Dim(1)) + Dim(1); // the kernel's reach
  Dim length = Dim::floorDiv(x.shape[2] + Dim(2) * Dim(a.Padding) - span, Dim(a.Stride)) + Dim(1);
  if (auto n = length.constant(); n && *n < 1)
    return fail("conv1d: the input " + x.str() + " is shorter than the kernel's reach " + span.str() +
                " (with padding " + std::to_string(a.Padding) + ")");
  return Types{Type{DType::F32, {x.shape[0], w.shape[0], length}}};
}

Result<Types> sequenceMask(const Type &x, const Attrs &a) {
  if (!isInteger(x.dtype) || x.rank() != 1)
    return fail("sequence_mask expects 1-D integer lengths, got " + x.str());
  return Types{Type{DType::Bool, {x.shape[0], a.Length}}};
}

Result<Types> recurrent(OpKind op, const Types &in, const Attrs &a) {
  const Type &x = in[0];
  TRY(requireFloat(x, std::string(mnemonic(op)) + " input"));
  if (x.rank() != 3)
    return fail(std::string(mnemonic(op)) + " expects a 3-D input, got " + x.str());
  RecurrentOperands layout(op, a);
  if (in.size() != layout.count)
    return fail(std::string(mnemonic(op)) + ": wrong number of operands");
  if (op == OpKind::RNN && a.Nonlinearity != OpKind::Tanh && a.Nonlinearity != OpKind::Relu)
    return fail("rnn: nonlinearity must be tanh or relu, got " + std::string(mnemonic(a.Nonlinearity)));
  if (a.Hidden <= 0 || a.Layers <= 0)
    return fail(std::string(mnemonic(op)) + ": hidden_size and num_layers must be positive, got " +
                std::to_string(a.Hidden) + " and " + std::to_string(a.Layers));
  Dim dirs(a.Bidirectional ? 2 : 1), H(a.Hidden);
  Dim B = a.BatchFirst ? x.shape[0] : x.shape[1];
  Dim T = a.BatchFirst ? x.shape[1] : x.shape[0];
  DimList stateShape = {Dim(a.Layers) * dirs, B, H};
  if (layout.h0) TRY(requireFloatShape(in[*layout.h0], stateShape, "initial hidden state"));
  if (layout.c0) TRY(requireFloatShape(in[*layout.c0], stateShape, "initial cell state"));
  if (layout.lengths) {
    const Type &len = in[*layout.lengths];
    if (!isInteger(len.dtype) || len.shape != DimList{B})
      return fail("lengths must be an integer tensor of shape " + dimsToString({B}) + ", got " + len.str());
  }
  if ((Dim(recurrentGateCount(op)) * H).overflowed() || (H * dirs).overflowed())
    return fail(std::string(mnemonic(op)) + ": hidden_size " + std::to_string(a.Hidden) +
                " is too large: the weights' shapes overflow int64");
  size_t next = layout.firstWeight;
  for (const RecurrentWeight &w : recurrentWeights(op, a, x.shape[2]))
    TRY(requireFloatShape(in[next++], w.shape, w.name));
  DimList outShape = a.BatchFirst ? DimList{B, T, H * dirs} : DimList{T, B, H * dirs};
  Types r = {Type{DType::F32, outShape}, Type{DType::F32, stateShape}};
  if (op == OpKind::LSTM) r.push_back(Type{DType::F32, stateShape});
  return r;
}

Result<Types> attention(OpKind op, const Types &in) {
  const Type &h = in[0];
  TRY(requireFloat(h, mnemonic(op)));
  if (h.rank() != 3) return fail(std::string(mnemonic(op)) + " expects h: [B, T, D], got " + h.str());
  Dim B = h.shape[0], T = h.shape[1], D = h.shape[2];
  size_t maskIndex;
  if (op == OpKind::AdditiveAttention) {
    if (in[1].rank() != 2) return fail("additive_attention: W must be [A, D], got " + in[1].str());
    Dim A = in[1].shape[0];
    TRY(requireFloatShape(in[1], {A, D}, "additive_attention W"));
    TRY(requireFloatShape(in[2], {A}, "additive_attention b"));
    TRY(requireFloatShape(in[3], {A}, "additive_attention v"));
    maskIndex = 4;
  } else if (in[1].rank() == 3) { // S queries per batch row: q [B, S, D]
    TRY(requireFloatShape(in[1], {B, in[1].shape[1], D}, "dot_attention q"));
    maskIndex = 2;
  } else {
    TRY(requireFloatShape(in[1], {B, D}, "dot_attention q"));
    maskIndex = 2;
  }
  if (in.size() > maskIndex && (in[maskIndex].dtype != DType::Bool || in[maskIndex].shape != DimList{B, T}))
    return fail("attention mask must be bool[" + B.str() + ", " + T.str() + "], got " + in[maskIndex].str());
  if (op == OpKind::DotAttention && in[1].rank() == 3) {
    Dim S = in[1].shape[1];
    return Types{Type{DType::F32, {B, S, D}}, Type{DType::F32, {B, S, T}}};
  }
  return Types{Type{DType::F32, {B, D}}, Type{DType::F32, {B, T}}};
}

/// linear_act: linear's rule, and an activation that maps f32 to f32.
Result<Types> linearAct(const Types &in, const Attrs &a) {
  OpKind act = a.Activation;
  if (!hasTrait(act, T_ACTIVATION))
    return fail("linear_act: activation " + std::string(mnemonic(act)) +
                " is not a unary elementwise op");
  return linear(in);
}

/// fused_elementwise: each step typed by its op's own rule on scalars; the
/// result has the last step's dtype and the inputs' broadcast shape.
Result<Types> fusedElementwise(const Types &in, const Attrs &a) {
  const ElementwiseBody &body = a.Body;
  if (body.numInputs != int32_t(in.size()) || body.steps.empty())
    return fail("fused_elementwise: the body expects " + std::to_string(body.numInputs) +
                " inputs and at least one step, got " + std::to_string(in.size()) + " inputs and " +
                std::to_string(body.steps.size()) + " steps");
  Types scalars;
  for (const Type &t : in) scalars.push_back(Type{t.dtype, {}});
  for (const ElementwiseStep &step : body.steps) {
    if (!hasTrait(step.op, T_ELEMENTWISE))
      return fail("fused_elementwise: " + std::string(mnemonic(step.op)) + " is not elementwise");
    Types operands;
    for (int32_t k : step.operands) {
      if (k < 0 || k >= int32_t(scalars.size()))
        return fail("fused_elementwise: a step reads a value not yet defined");
      operands.push_back(scalars[k]);
    }
    Attrs stepAttrs;
    stepAttrs.DType = step.dtype;
    auto r = inferResultTypes(step.op, operands, stepAttrs);
    if (!r) return fail("fused_elementwise: " + r.message());
    scalars.push_back(r->front());
  }
  DimList shape;
  for (const Type &t : in) {
    auto b = broadcastShapes(shape, t.shape);
    if (!b) return b.status();
    shape = *b;
  }
  return Types{Type{scalars.back().dtype, shape}};
}

} // namespace

Result<DimList> broadcastShapes(const DimList &a, const DimList &b) {
  size_t n = std::max(a.size(), b.size());
  DimList r(n);
  for (size_t i = 0; i < n; ++i) {
    Dim da = i < n - a.size() ? Dim(1) : a[i - (n - a.size())];
    Dim db = i < n - b.size() ? Dim(1) : b[i - (n - b.size())];
    if (da == db || db == Dim(1)) r[i] = da;
    else if (da == Dim(1)) r[i] = db;
    else
      return Status::error("shapes " + dimsToString(a) + " and " + dimsToString(b) +
                           " do not broadcast");
  }
  return r;
}

int64_t recurrentGateCount(OpKind op) {
  return op == OpKind::LSTM ? 4 : op == OpKind::GRU ? 3 : 1;
}

RecurrentOperands::RecurrentOperands(OpKind op, const Attrs &a)
    : layers(a.Layers), directions(a.Bidirectional ? 2 : 1), hasBias(a.HasBias) {
  size_t next = 1;
  if (a.HasInitialState) h0 = next++;
  if (a.HasInitialState && op == OpKind::LSTM) c0 = next++;
  if (a.HasLengths) lengths = next++;
  firstWeight = next;
  count = weights(layers, 0);
}

std::vector<RecurrentWeight> recurrentWeights(OpKind op, const Attrs &a, const Dim &inputSize) {
  Dim H(a.Hidden), gates = Dim(recurrentGateCount(op)) * H;
  int64_t directions = a.Bidirectional ? 2 : 1;
  std::vector<RecurrentWeight> weights;
  for (int64_t layer = 0; layer < a.Layers; ++layer)
    for (int64_t d = 0; d < directions; ++d) {
      std::string suffix = "_l" + std::to_string(layer) + (d ? "_reverse" : "");
      weights.push_back({"weight_ih" + suffix, {gates, layer == 0 ? inputSize : H * Dim(directions)}});
      weights.push_back({"weight_hh" + suffix, {gates, H}});
      if (a.HasBias) {
        weights.push_back({"bias_ih" + suffix, {gates}});
        weights.push_back({"bias_hh" + suffix, {gates}});
      }
    }
  return weights;
}

namespace {

Result<Types> infer(OpKind op, const Types &in, const Attrs &a) {
  const OpInfo &info = opInfo(op);
  if (int(in.size()) < info.minOperands || (info.maxOperands >= 0 && int(in.size()) > info.maxOperands))
    return fail(std::string(info.mnemonic) + " takes " + std::to_string(info.minOperands) +
                (info.maxOperands == info.minOperands ? "" : " or more") + " operands, got " +
                std::to_string(in.size()));
  switch (op) {
  case OpKind::Constant: return Types{Type{a.DType, {}}};
  case OpKind::DimValue: return Types{Type{DType::I64, {}}};
  case OpKind::Tanh: case OpKind::Sigmoid: case OpKind::Relu: case OpKind::Exp:
  case OpKind::Log: case OpKind::Sqrt: case OpKind::Abs: case OpKind::Neg: case OpKind::Gelu:
  case OpKind::BitwiseNot:
    return unary(op, in);
  case OpKind::Cast: return Types{Type{a.DType, in[0].shape}};
  case OpKind::Add: case OpKind::Sub: case OpKind::Mul: case OpKind::Div:
  case OpKind::Maximum: case OpKind::Minimum: case OpKind::Where:
  case OpKind::Equal: case OpKind::NotEqual: case OpKind::Less: case OpKind::LessEqual:
  case OpKind::Greater: case OpKind::GreaterEqual: case OpKind::BitwiseAnd: case OpKind::BitwiseOr:
    return elementwiseNary(op, in);
  case OpKind::Sum: case OpKind::Mean: case OpKind::Max: case OpKind::Argmax:
    return reduction(op, in, a);
  case OpKind::Softmax: case OpKind::LogSoftmax: return softmax(op, in, a);
  case OpKind::MatMul: return matmul(in);
  case OpKind::Transpose: return transpose(in[0], a);
  case OpKind::Permute: return permute(in[0], a);
  case OpKind::Reshape: return reshape(in[0], a);
  case OpKind::Squeeze: return squeeze(in[0], a);
  case OpKind::Unsqueeze: return unsqueeze(in[0], a);
  case OpKind::Concat: return concat(in, a);
  case OpKind::Slice: return slice(in[0], a);
  case OpKind::SequenceMask: return sequenceMask(in[0], a);
  case OpKind::Linear: return linear(in);
  case OpKind::Embedding: return embedding(in);
  case OpKind::LayerNorm: return layerNorm(in, a);
  case OpKind::Conv1d: return conv1d(in, a);
  case OpKind::LSTM: case OpKind::GRU: case OpKind::RNN: return recurrent(op, in, a);
  case OpKind::AdditiveAttention: case OpKind::DotAttention: return attention(op, in);
  case OpKind::LinearAct: return linearAct(in, a);
  case OpKind::FusedElementwise: return fusedElementwise(in, a);
  }
  return fail("unknown op");
}

} // namespace

Result<std::vector<Type>> inferResultTypes(OpKind op, const std::vector<Type> &in,
                                           const Attrs &a) {
  for (const Type &t : in)
    for (const Dim &d : t.shape)
      if (d.overflowed()) return fail(std::string(mnemonic(op)) + ": an operand's shape overflows int64");
  auto types = infer(op, in, a);
  if (!types) return types;
  for (const Type &t : *types)
    for (const Dim &d : t.shape)
      if (d.overflowed())
        return fail(std::string(mnemonic(op)) + ": the result's shape " + dimsToString(t.shape) +
                    " overflows int64");
  return types;
}

} // namespace attn::ir
