// The interpreter's op table: which kernel evaluates each op of ops.def, with
// the scalar formula of every elementwise op written out. The switch has no
// `default:`, so an op added to ops.def without a kernel does not compile.
#include "codegen/interp/Elementwise.h"

namespace attn::interp {

KernelResult evaluateNode(const KernelArgs &args) {
  using K = ir::OpKind;
  switch (args.node.op) {
  case K::Constant: return constantKernel(args);
  case K::DimValue: return dimValueKernel(args);

  // The T_FLOAT ops (ops.def) see only f32: shape inference requires it.
  case K::Tanh: return mapNumeric(args, [](auto x) { return std::tanh(x); });
  case K::Sigmoid: return mapNumeric(args, [](auto x) { return sigmoid(float(x)); });
  // `x < 0 ? 0 : x` keeps NaN, as torch.relu does.
  case K::Relu: return mapNumeric(args, [](auto x) { return x < 0 ? decltype(x)(0) : x; });
  case K::Exp: return mapNumeric(args, [](auto x) { return std::exp(x); });
  case K::Log: return mapNumeric(args, [](auto x) { return std::log(x); });
  case K::Sqrt: return mapNumeric(args, [](auto x) { return std::sqrt(x); });
  case K::Abs: return mapNumeric(args, [](auto x) { return absolute(x); });
  case K::Neg: return mapNumeric(args, [](auto x) { return negate(x); });
  case K::Gelu: return mapNumeric(args, [](auto x) { return gelu(float(x)); });
  case K::Cast: return castKernel(args);

  case K::Add: return zipNumeric(args, [](auto a, auto b) { return wrapAdd(a, b); });
  case K::Sub: return zipNumeric(args, [](auto a, auto b) { return wrapSub(a, b); });
  case K::Mul: return zipNumeric(args, [](auto a, auto b) { return wrapMul(a, b); });
  case K::Div: return divKernel(args);
  case K::Maximum: return zipNumeric(args, [](auto a, auto b) { return maximumOf(a, b); });
  case K::Minimum: return zipNumeric(args, [](auto a, auto b) { return minimumOf(a, b); });
  case K::Where: return whereKernel(args);
  // NaN compares unequal to everything, itself included, as in PyTorch.
  case K::Equal: return compareAny(args, [](auto a, auto b) { return a == b; });
  case K::NotEqual: return compareAny(args, [](auto a, auto b) { return a != b; });
  case K::Less: return compareAny(args, [](auto a, auto b) { return a < b; });
  case K::LessEqual: return compareAny(args, [](auto a, auto b) { return a <= b; });
  case K::Greater: return compareAny(args, [](auto a, auto b) { return a > b; });
  case K::GreaterEqual: return compareAny(args, [](auto a, auto b) { return a >= b; });
  case K::BitwiseAnd: return bitwise(args, [](auto a, auto b) { return a & b; });
  case K::BitwiseOr: return bitwise(args, [](auto a, auto b) { return a | b; });
  case K::BitwiseNot: return bitwise(args, [](auto a, auto) { return ~a; });

  case K::Sum: return sumKernel(args);
  case K::Mean: return meanKernel(args);
  case K::Max: return maxKernel(args);
  case K::Argmax: return argmaxKernel(args);

  case K::Softmax: return softmaxKernel(args);
  case K::LogSoftmax: return logSoftmaxKernel(args);

  case K::MatMul: return matmulKernel(args);

  case K::Transpose: return transposeKernel(args);
  case K::Permute: return permuteKernel(args);
  case K::Reshape: return reshapeKernel(args);
  case K::Squeeze: return reshapeKernel(args);
  case K::Unsqueeze: return reshapeKernel(args);
  case K::Concat: return concatKernel(args);
  case K::Slice: return sliceKernel(args);
  case K::SequenceMask: return sequenceMaskKernel(args);

  case K::Linear: return linearKernel(args);
  case K::Embedding: return embeddingKernel(args);
  case K::LayerNorm: return layerNormKernel(args);
  case K::Conv1d: return conv1dKernel(args);
  case K::LSTM: return recurrentKernel(args);
  case K::GRU: return recurrentKernel(args);
  case K::RNN: return recurrentKernel(args);

  case K::AdditiveAttention: return additiveAttentionKernel(args);
  case K::DotAttention: return dotAttentionKernel(args);

  case K::LinearAct: return linearActKernel(args);
  case K::FusedElementwise: return fusedElementwiseKernel(args);
  }
  return Status::error("interp: unknown op"); // only an out-of-range OpKind gets here
}

} // namespace attn::interp
