// The llvm backend's op table: which lowering generates each op of ops.def.
// The switch has no `default:`, so an op added to ops.def without a lowering
// does not compile.
#include "codegen/llvm/Codegen.h"

namespace attn::llvmcg {

Status lowerNode(NodeLowering &L) {
  using K = ir::OpKind;
  switch (L.node.op) {
  case K::Constant: return lowerLeaf(L);
  case K::DimValue: return lowerLeaf(L);

  case K::Tanh: case K::Sigmoid: case K::Relu: case K::Exp: case K::Log: case K::Sqrt:
  case K::Abs: case K::Neg: case K::Gelu: case K::Cast:
  case K::Add: case K::Sub: case K::Mul: case K::Div: case K::Maximum: case K::Minimum:
  case K::Where:
  case K::Equal: case K::NotEqual: case K::Less: case K::LessEqual: case K::Greater:
  case K::GreaterEqual: case K::BitwiseAnd: case K::BitwiseOr: case K::BitwiseNot:
    return lowerElementwise(L);

  case K::Sum: case K::Mean: case K::Max: case K::Argmax: return lowerReduction(L);
  case K::Softmax: case K::LogSoftmax: return lowerSoftmax(L);
  case K::MatMul: return lowerMatMul(L);

  // Views (T_VIEW): the result shares its operand's memory (GraphEmitter).
  case K::Reshape: case K::Squeeze: case K::Unsqueeze: return Status::ok();
  case K::Transpose: return lowerTranspose(L);
  case K::Permute: return lowerPermute(L);
  case K::Concat: return lowerConcat(L);
  case K::Slice: return lowerSlice(L);
  case K::SequenceMask: return lowerSequenceMask(L);

  case K::Linear: return lowerLinear(L);
  case K::Embedding: return lowerEmbedding(L);
  case K::LayerNorm: return lowerLayerNorm(L);
  case K::Conv1d: return lowerConv1d(L);
  case K::LSTM: case K::GRU: case K::RNN: return lowerRecurrent(L);

  case K::AdditiveAttention: case K::DotAttention: return lowerAttention(L);

  case K::LinearAct: return lowerLinear(L);
  case K::FusedElementwise: return lowerFusedElementwise(L);
  }
  return Status::error("llvm: unknown op"); // only an out-of-range OpKind gets here
}

} // namespace attn::llvmcg
