// Shape ops that move data: transpose and permute (a gather), concat and
// slice (row copies around the axis), sequence_mask. They work on the
// stored bytes, so they serve every dtype. reshape, squeeze and unsqueeze
// are views and generate nothing (GraphEmitter).
#include "codegen/llvm/Codegen.h"

namespace attn::llvmcg {

namespace {

ir::Dim product(const ir::DimList &shape, size_t begin, size_t end) {
  ir::Dim p(1);
  for (size_t i = begin; i < end; ++i) p = p * shape[i];
  return p;
}

/// y[p_0, ..., p_n] = x[q] with q[perm[k]] = p[k] (torch.permute). Split
/// over the result's outer axes; the inner loop walks the last one.
void emitPermute(NodeLowering &L, const std::vector<int64_t> &perm) {
  const ir::Value *x = L.operand(0), *y = L.result();
  const ir::DimList &in = x->type.shape, &out = y->type.shape;
  size_t n = out.size();
  std::vector<ir::Dim> strides(n, ir::Dim(1)); // the operand's row-major strides
  for (size_t k = n; k-- > 1;) strides[k - 1] = strides[k] * in[k];
  FunctionEmitter &t = L.task("permute");
  llvm::IRBuilder<> &b = t.b;
  llvm::Type *type = t.memoryType(x->type.dtype);
  llvm::Value *from = t.ptr(x), *to = t.ptr(y);
  llvm::Value *inner = n ? t.dim(out[n - 1]) : t.i64(1);
  llvm::Value *innerStride = n ? t.dim(strides[size_t(perm[n - 1])]) : t.i64(0);
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *item) {
    llvm::Value *source = t.i64(0), *rest = item;
    for (size_t k = n - 1; n > 1 && k-- > 0;) {
      llvm::Value *extent = t.dim(out[k]);
      llvm::Value *index = b.CreateSRem(rest, extent);
      rest = b.CreateSDiv(rest, extent);
      source = b.CreateAdd(source, b.CreateMul(index, t.dim(strides[size_t(perm[k])])));
    }
    llvm::Value *target = b.CreateMul(item, inner);
    t.forRange(t.i64(0), inner, [&](llvm::Value *i) {
      llvm::Value *v = b.CreateLoad(type, t.gep(type, from, b.CreateAdd(source, b.CreateMul(i, innerStride))));
      b.CreateStore(v, t.gep(type, to, b.CreateAdd(target, i)));
    });
  });
  L.runParallel(t, L.entry().dim(n ? product(out, 0, n - 1) : ir::Dim(1)), 64);
}

/// Each operand's [size_i, inner] block of every outer row, in turn.
void emitConcat(NodeLowering &L) {
  const ir::Value *y = L.result();
  size_t axis = size_t(*L.node.attrs.Axis);
  const ir::DimList &out = y->type.shape;
  int64_t element = int64_t(dtypeSize(y->type.dtype));
  FunctionEmitter &t = L.task("concat");
  llvm::IRBuilder<> &b = t.b;
  llvm::Value *inner = t.b.CreateMul(t.dim(product(out, axis + 1, out.size())), t.i64(element));
  llvm::Value *rowBytes = b.CreateMul(t.dim(out[axis]), inner);
  llvm::Value *to = t.ptr(y);
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *o) {
    ir::Dim start(0);
    for (const ir::Value *x : L.node.operands()) {
      const ir::Dim &size = x->type.shape[axis];
      llvm::Value *bytes = b.CreateMul(t.dim(size), inner);
      llvm::Value *target = b.CreateAdd(b.CreateMul(o, rowBytes), b.CreateMul(t.dim(start), inner));
      t.copyBytes(t.gep(b.getInt8Ty(), to, target), t.gep(b.getInt8Ty(), t.ptr(x), b.CreateMul(o, bytes)), bytes);
      start = start + size;
    }
  });
  L.runParallel(t, L.entry().dim(product(out, 0, axis)), 16);
}

/// Rows [start, end) of the axis, in every outer row (bounds checked on the host).
void emitSlice(NodeLowering &L) {
  const ir::Value *x = L.operand(0);
  const ir::Attrs &a = L.node.attrs;
  size_t axis = size_t(*a.Axis);
  const ir::DimList &in = x->type.shape;
  int64_t element = int64_t(dtypeSize(x->type.dtype));
  FunctionEmitter &t = L.task("slice");
  llvm::IRBuilder<> &b = t.b;
  llvm::Value *inner = b.CreateMul(t.dim(product(in, axis + 1, in.size())), t.i64(element));
  llvm::Value *rowBytes = b.CreateMul(t.dim(a.End - a.Start), inner);
  llvm::Value *sourceRow = b.CreateMul(t.dim(in[axis]), inner), *skip = b.CreateMul(t.dim(a.Start), inner);
  llvm::Value *from = t.ptr(x), *to = t.ptr(L.result());
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *o) {
    llvm::Value *source = b.CreateAdd(b.CreateMul(o, sourceRow), skip);
    t.copyBytes(t.gep(b.getInt8Ty(), to, b.CreateMul(o, rowBytes)), t.gep(b.getInt8Ty(), from, source), rowBytes);
  });
  L.runParallel(t, L.entry().dim(product(in, 0, axis)), 16);
}

/// mask[b, t] = t < lengths[b]; any length is allowed (<= 0: a row of false).
void emitSequenceMask(NodeLowering &L) {
  const ir::Value *lengths = L.operand(0), *y = L.result();
  FunctionEmitter &t = L.task("sequence_mask");
  llvm::IRBuilder<> &b = t.b;
  llvm::Value *from = t.ptr(lengths), *to = t.ptr(y), *T = t.dim(y->type.shape[1]);
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *row) {
    llvm::Value *length = b.CreateSExt(t.loadElement(lengths->type.dtype, from, row), t.i64Type());
    t.forRange(t.i64(0), T, [&](llvm::Value *step) {
      t.storeElement(DType::Bool, b.CreateICmpSLT(step, length), to, b.CreateAdd(b.CreateMul(row, T), step));
    });
  });
  L.runParallel(t, L.entry().dim(y->type.shape[0]), 64);
}

} // namespace

Status lowerTranspose(NodeLowering &L) {
  const ir::Attrs &a = L.node.attrs;
  std::vector<int64_t> perm(L.operand(0)->type.shape.size());
  for (size_t k = 0; k < perm.size(); ++k) perm[k] = int64_t(k);
  std::swap(perm[size_t(*a.Axis)], perm[size_t(a.Axis2)]);
  emitPermute(L, perm);
  return Status::ok();
}

Status lowerPermute(NodeLowering &L) {
  emitPermute(L, L.node.attrs.Perm);
  return Status::ok();
}

Status lowerConcat(NodeLowering &L) {
  emitConcat(L);
  return Status::ok();
}

Status lowerSlice(NodeLowering &L) {
  emitSlice(L);
  return Status::ok();
}

Status lowerSequenceMask(NodeLowering &L) {
  emitSequenceMask(L);
  return Status::ok();
}

} // namespace attn::llvmcg
