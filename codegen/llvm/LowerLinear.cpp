// linear, linear_act, matmul and embedding.
//   linear: y = x W^T (+ b) over the last axis, by the packed matrix kernel
//     (Gemm.cpp) when W's dims are constants; linear_act applies its
//     activation to the accumulators before the store.
//   matmul: torch.matmul, batch axes broadcast, 1-D operands promoted; each
//     row of the result is c[i, :] = sum_p a[i, p] b[p, :], p in order.
//   embedding: the ids are checked first (the first bad one is the error),
//     then rows are copied.
#include "codegen/llvm/Codegen.h"

namespace attn::llvmcg {

namespace {

/// y[r, o] = act(sum_i x[r, i] W[o, i] + b[o]) for W of symbolic shape.
void emitGenericLinear(NodeLowering &L, ir::OpKind activation) {
  const ir::Value *x = L.operand(0), *weight = L.operand(1);
  FunctionEmitter &t = L.task("linear");
  llvm::IRBuilder<> &b = t.b;
  llvm::Value *src = t.ptr(x), *w = t.ptr(weight), *dst = t.ptr(L.result());
  llvm::Value *bias = L.node.operands().size() == 3 ? t.ptr(L.operand(2)) : nullptr;
  llvm::Value *in = t.dim(weight->type.shape[1]), *out = t.dim(weight->type.shape[0]);
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *r) {
    t.forRange(t.i64(0), out, [&](llvm::Value *o) {
      llvm::Value *sum = t.forRangeCarry(t.i64(0), in, {t.f32(0.0f)}, [&](llvm::Value *i, const Values &c) {
        llvm::Value *product = b.CreateFMul(t.loadF32(src, b.CreateAdd(b.CreateMul(r, in), i)),
                                            t.loadF32(w, b.CreateAdd(b.CreateMul(o, in), i)));
        return Values{reassociableAdd(t, c[0], product)};
      })[0];
      if (bias) sum = b.CreateFAdd(sum, t.loadF32(bias, o));
      if (activation != ir::OpKind::Constant) sum = emitScalarOp(t, activation, {DType::F32}, {sum}, DType::F32);
      t.storeF32(sum, dst, b.CreateAdd(b.CreateMul(r, out), o));
    });
  });
  const ir::DimList &shape = x->type.shape;
  L.runParallel(t, L.entry().extent(shape, 0, shape.size() - 1), 16);
}

/// Offsets of the batch item `item` of a result batch `batch` in an operand
/// whose batch axes are `own` (right-aligned, size-1 axes broadcast), in
/// units of one matrix of the operand.
llvm::Value *batchOffset(FunctionEmitter &f, llvm::Value *item, const ir::DimList &batch,
                         const ir::DimList &own) {
  llvm::Value *offset = f.i64(0), *rest = item;
  ir::Dim stride(1);
  size_t lead = batch.size() - own.size();
  for (size_t a = batch.size(); a-- > 0;) {
    llvm::Value *extent = f.dim(batch[a]);
    llvm::Value *index = f.b.CreateSRem(rest, extent);
    rest = f.b.CreateSDiv(rest, extent);
    if (a < lead || own[a - lead] == ir::Dim(1)) continue;
    offset = f.b.CreateAdd(offset, f.b.CreateMul(index, f.dim(stride)));
    stride = stride * own[a - lead];
  }
  return offset;
}

} // namespace

Status lowerLinear(NodeLowering &L) {
  ir::OpKind activation = L.node.op == ir::OpKind::LinearAct ? L.node.attrs.Activation : ir::OpKind::Constant;
  const ir::Value *x = L.operand(0), *weight = L.operand(1);
  auto in = weight->type.shape[1].constant(), out = weight->type.shape[0].constant();
  if (!in || !out) {
    emitGenericLinear(L, activation);
    return Status::ok();
  }
  PackedRef w = L.pack(weight, PackKind::Transposed);
  PackedRef bias;
  bool hasBias = L.node.operands().size() == 3;
  if (hasBias) bias = L.pack(L.operand(2), PackKind::Padded);
  GemmShape shape{*in, *out, *in, *out, activation};
  FunctionEmitter &t = L.task("linear");
  emitPackedGemm(t, shape, t.ptr(x), t.packed(w), hasBias ? t.packed(bias) : nullptr,
                 t.ptr(L.result()), t.arg(1), t.arg(2));
  const ir::DimList &xShape = x->type.shape;
  L.runParallel(t, L.entry().extent(xShape, 0, xShape.size() - 1),
                gemmRowGrain(*in, *out));
  return Status::ok();
}

Status lowerMatMul(NodeLowering &L) {
  ir::DimList aShape = L.operand(0)->type.shape, bShape = L.operand(1)->type.shape;
  bool vectorA = aShape.size() == 1, vectorB = bShape.size() == 1;
  if (vectorA) aShape.insert(aShape.begin(), ir::Dim(1));
  if (vectorB) bShape.push_back(ir::Dim(1));
  ir::Dim m = aShape[aShape.size() - 2], k = aShape.back(), n = bShape.back();
  ir::DimList batchA(aShape.begin(), aShape.end() - 2), batchB(bShape.begin(), bShape.end() - 2);
  const ir::DimList &result = L.result()->type.shape;
  ir::DimList batch(result.begin(), result.begin() + long(result.size() - (vectorA ? 0 : 1) - (vectorB ? 0 : 1)));
  DType dtype = L.result()->type.dtype;
  bool isFloat = dtype == DType::F32;
  FunctionEmitter &t = L.task("matmul");
  llvm::IRBuilder<> &b = t.b;
  llvm::Value *pa = t.ptr(L.operand(0)), *pb = t.ptr(L.operand(1)), *pc = t.ptr(L.result());
  llvm::Value *M = t.dim(m), *K = t.dim(k), *N = t.dim(n);
  llvm::Value *zero = isFloat ? t.f32(0.0f) : llvm::ConstantInt::get(t.registerType(dtype), 0);
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *item) { // item = batch index * M + i
    llvm::Value *batchIndex = b.CreateSDiv(item, M), *i = b.CreateSRem(item, M);
    llvm::Value *aBase = b.CreateAdd(b.CreateMul(batchOffset(t, batchIndex, batch, batchA), b.CreateMul(M, K)),
                                     b.CreateMul(i, K));
    llvm::Value *bBase = b.CreateMul(batchOffset(t, batchIndex, batch, batchB), b.CreateMul(K, N));
    llvm::Value *cBase = b.CreateMul(item, N);
    t.forRange(t.i64(0), N, [&](llvm::Value *j) { t.storeElement(dtype, zero, pc, b.CreateAdd(cBase, j)); });
    t.forRange(t.i64(0), K, [&](llvm::Value *p) {
      llvm::Value *av = t.loadElement(dtype, pa, b.CreateAdd(aBase, p));
      llvm::Value *bRow = b.CreateAdd(bBase, b.CreateMul(p, N));
      t.forRange(t.i64(0), N, [&](llvm::Value *j) {
        llvm::Value *at = b.CreateAdd(cBase, j);
        llvm::Value *bv = t.loadElement(dtype, pb, b.CreateAdd(bRow, j)), *cv = t.loadElement(dtype, pc, at);
        t.storeElement(dtype, isFloat ? t.fma(av, bv, cv) : b.CreateAdd(cv, b.CreateMul(av, bv)), pc, at);
      });
    });
  });
  ir::Dim batchCount(1);
  for (const ir::Dim &d : batch) batchCount = batchCount * d;
  L.runParallel(t, L.entry().dim(batchCount * m), 4);
  return Status::ok();
}

Status lowerEmbedding(NodeLowering &L) {
  const ir::Value *ids = L.operand(0), *weight = L.operand(1);
  DType idType = ids->type.dtype;
  FunctionEmitter &e = L.entry();
  llvm::IRBuilder<> &b = e.b;
  llvm::Value *count = e.extent(ids->type.shape, 0, ids->type.shape.size());
  llvm::Value *rows = e.dim(weight->type.shape[0]);
  llvm::Value *idData = e.ptr(ids);
  auto idAt = [&](FunctionEmitter &f, llvm::Value *data, llvm::Value *p) {
    return f.b.CreateSExt(f.loadElement(idType, data, p), f.i64Type());
  };
  // The first id out of [0, rows), in position order.
  Values scan = e.forRangeCarry(e.i64(0), count, {b.getFalse(), e.i64(0), e.i64(0)},
                                [&](llvm::Value *p, const Values &c) {
    llvm::Value *id = idAt(e, idData, p);
    llvm::Value *bad = b.CreateOr(b.CreateICmpSLT(id, e.i64(0)), b.CreateICmpSGE(id, rows));
    llvm::Value *first = b.CreateAnd(bad, b.CreateNot(c[0]));
    return Values{b.CreateOr(c[0], bad), b.CreateSelect(first, p, c[1]), b.CreateSelect(first, id, c[2])};
  });
  L.failIf(scan[0], kEmbeddingOutOfRange, scan[1], scan[2]);
  FunctionEmitter &t = L.task("gather");
  llvm::Value *rowBytes = t.b.CreateMul(t.dim(weight->type.shape[1]), t.i64(int64_t(dtypeSize(weight->type.dtype))));
  llvm::Value *from = t.ptr(weight), *to = t.ptr(L.result()), *data = t.ptr(ids);
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *p) {
    llvm::Value *source = t.gep(t.b.getInt8Ty(), from, t.b.CreateMul(idAt(t, data, p), rowBytes));
    t.copyBytes(t.gep(t.b.getInt8Ty(), to, t.b.CreateMul(p, rowBytes)), source, rowBytes);
  });
  L.runParallel(t, count, 256);
  return Status::ok();
}

// conv1d as the interpreter's conv1dKernel: one (b, o) row per item, for
// every output position the sum over c and k in that order (the same
// per-element order of operations), positions outside [0, L) skipped.
Status lowerConv1d(NodeLowering &L) {
  const ir::Value *x = L.operand(0), *w = L.operand(1), *y = L.result();
  const ir::Attrs &a = L.node.attrs;
  FunctionEmitter &t = L.task("conv1d");
  llvm::IRBuilder<> &b = t.b;
  llvm::Value *src = t.ptr(x), *weight = t.ptr(w), *dst = t.ptr(y);
  llvm::Value *bias = L.node.operands().size() > 2 ? t.ptr(L.operand(2)) : nullptr;
  llvm::Value *C = t.dim(x->type.shape[1]), *length = t.dim(x->type.shape[2]);
  llvm::Value *O = t.dim(w->type.shape[0]), *K = t.dim(w->type.shape[2]), *T = t.dim(y->type.shape[2]);
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *row) { // row = b * O + o
    llvm::Value *batch = b.CreateSDiv(row, O), *o = b.CreateSRem(row, O);
    t.forRange(t.i64(0), T, [&](llvm::Value *position) {
      llvm::Value *start = b.CreateSub(b.CreateMul(position, t.i64(a.Stride)), t.i64(a.Padding));
      llvm::Value *sum = bias ? t.loadF32(bias, o) : t.f32(0.0f);
      sum = t.forRangeCarry(t.i64(0), C, {sum}, [&](llvm::Value *c, const Values &outer) {
        llvm::Value *xRow = b.CreateMul(b.CreateAdd(b.CreateMul(batch, C), c), length);
        llvm::Value *wRow = b.CreateMul(b.CreateAdd(b.CreateMul(o, C), c), K);
        return t.forRangeCarry(t.i64(0), K, outer, [&](llvm::Value *k, const Values &inner) {
          llvm::Value *at = b.CreateAdd(start, b.CreateMul(k, t.i64(a.Dilation)));
          llvm::Value *inside = b.CreateAnd(b.CreateICmpSGE(at, t.i64(0)), b.CreateICmpSLT(at, length));
          llvm::Value *safe = b.CreateSelect(inside, at, t.i64(0));
          llvm::Value *product = b.CreateFMul(t.loadF32(src, b.CreateAdd(xRow, safe)),
                                              t.loadF32(weight, b.CreateAdd(wRow, k)));
          return Values{b.CreateSelect(inside, b.CreateFAdd(inner[0], product), inner[0])};
        });
      })[0];
      t.storeF32(sum, dst, b.CreateAdd(b.CreateMul(row, T), position));
    });
  });
  L.runParallel(t, L.entry().dim(x->type.shape[0] * w->type.shape[0]), 1);
  return Status::ok();
}

} // namespace attn::llvmcg
