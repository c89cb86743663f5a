// Reductions (sum, mean, max, argmax), softmax, log_softmax and layer_norm.
// The operand is seen as [outer, size, inner] around the axis (no axis: the
// whole tensor is the reduced extent): element (o, k, i) is at
// (o*size + k)*inner + i, the result (o, i) at o*inner + i. Work is split
// over the outer rows; each row is reduced in one fixed order.
//   sum, mean: with inner = 1 a sequential sum LLVM may vectorise (the order
//     depends on the size alone); otherwise rows of `inner` accumulated k by k.
//   max, argmax: NaN is larger than any number, the first largest wins.
//   softmax: max over kept positions, exp(x - max) (0 where masked), divided
//     by their sum; a row with nothing kept is 0. log_softmax: the logsumexp form.
#include "codegen/llvm/Codegen.h"

#include <limits>

namespace attn::llvmcg {

namespace {

struct Split {
  ir::Dim outer{1}, size{1}, inner{1};
};

Split splitAxis(const ir::DimList &shape, std::optional<int64_t> axis) {
  Split s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (!axis) s.size = s.size * shape[i];
    else if (int64_t(i) < *axis) s.outer = s.outer * shape[i];
    else if (int64_t(i) == *axis) s.size = shape[i];
    else s.inner = s.inner * shape[i];
  }
  return s;
}

/// a "greater than" b as torch.max orders: NaN above everything.
llvm::Value *greater(FunctionEmitter &f, llvm::Value *a, llvm::Value *b) {
  if (!a->getType()->isFloatTy()) return f.b.CreateICmpSGT(a, b);
  llvm::Value *aNaN = f.b.CreateFCmpUNO(a, a), *bNaN = f.b.CreateFCmpUNO(b, b);
  return f.b.CreateSelect(aNaN, f.b.CreateNot(bNaN), f.b.CreateFCmpOGT(a, b));
}

llvm::Value *widen(FunctionEmitter &f, llvm::Value *v, DType from, DType to) {
  if (from == to) return v;
  return f.b.CreateSExt(v, f.registerType(to));
}

/// The sum (or mean) of each (o, i).
void emitSum(NodeLowering &L, const Split &s, bool mean) {
  const ir::Value *x = L.operand(0), *y = L.result();
  DType in = x->type.dtype, out = y->type.dtype;
  bool isFloat = out == DType::F32;
  FunctionEmitter &t = L.task("sum");
  llvm::Value *src = t.ptr(x), *dst = t.ptr(y);
  llvm::Value *size = t.dim(s.size), *inner = t.dim(s.inner);
  llvm::Value *zero = isFloat ? t.f32(0.0f) : t.i64(0);
  auto add = [&](llvm::Value *a, llvm::Value *b) { return isFloat ? reassociableAdd(t, a, b) : t.b.CreateAdd(a, b); };
  auto finish = [&](llvm::Value *sum) { return mean ? t.b.CreateFDiv(sum, t.b.CreateSIToFP(size, t.f32Type())) : sum; };
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *o) {
    llvm::Value *rowBase = t.b.CreateMul(o, t.b.CreateMul(size, inner));
    if (s.inner == ir::Dim(1)) {
      llvm::Value *sum = t.forRangeCarry(t.i64(0), size, {zero}, [&](llvm::Value *k, const Values &c) {
        return Values{add(c[0], widen(t, t.loadElement(in, src, t.b.CreateAdd(rowBase, k)), in, out))};
      })[0];
      t.storeElement(out, finish(sum), dst, o);
      return;
    }
    llvm::Value *outBase = t.b.CreateMul(o, inner);
    t.forRange(t.i64(0), inner, [&](llvm::Value *i) { t.storeElement(out, zero, dst, t.b.CreateAdd(outBase, i)); });
    t.forRange(t.i64(0), size, [&](llvm::Value *k) {
      llvm::Value *from = t.b.CreateAdd(rowBase, t.b.CreateMul(k, inner));
      t.forRange(t.i64(0), inner, [&](llvm::Value *i) {
        llvm::Value *at = t.b.CreateAdd(outBase, i);
        llvm::Value *v = widen(t, t.loadElement(in, src, t.b.CreateAdd(from, i)), in, out);
        t.storeElement(out, isFloat ? t.b.CreateFAdd(t.loadElement(out, dst, at), v)
                                    : t.b.CreateAdd(t.loadElement(out, dst, at), v), dst, at);
      });
    });
    if (mean)
      t.forRange(t.i64(0), inner, [&](llvm::Value *i) {
        llvm::Value *at = t.b.CreateAdd(outBase, i);
        t.storeElement(out, finish(t.loadElement(out, dst, at)), dst, at);
      });
  });
  L.runParallel(t, L.entry().dim(s.outer), 64);
}

/// max and argmax: for each (o, i) the first largest element along the axis.
void emitMax(NodeLowering &L, const Split &s, bool wantIndex) {
  const ir::Value *x = L.operand(0), *y = L.result();
  DType in = x->type.dtype;
  FunctionEmitter &t = L.task("max");
  llvm::Value *src = t.ptr(x), *dst = t.ptr(y);
  llvm::Value *size = t.dim(s.size), *inner = t.dim(s.inner);
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *o) {
    llvm::Value *rowBase = t.b.CreateMul(o, t.b.CreateMul(size, inner));
    t.forRange(t.i64(0), inner, [&](llvm::Value *i) {
      llvm::Value *first = t.b.CreateAdd(rowBase, i);
      Values best = t.forRangeCarry(t.i64(1), size, {t.loadElement(in, src, first), t.i64(0)},
                                    [&](llvm::Value *k, const Values &c) {
        llvm::Value *v = t.loadElement(in, src, t.b.CreateAdd(first, t.b.CreateMul(k, inner)));
        llvm::Value *take = greater(t, v, c[0]);
        return Values{t.b.CreateSelect(take, v, c[0]), t.b.CreateSelect(take, k, c[1])};
      });
      llvm::Value *at = t.b.CreateAdd(t.b.CreateMul(o, inner), i);
      if (wantIndex) t.storeElement(DType::I64, best[1], dst, at);
      else t.storeElement(in, best[0], dst, at);
    });
  });
  L.runParallel(t, L.entry().dim(s.outer), 64);
}

/// One softmax row of n elements at x[base + k*stride], keep[...] likewise
/// (null: all kept), into y; or log_softmax when `logarithm`.
void emitSoftmaxRow(FunctionEmitter &t, llvm::Value *x, llvm::Value *keep, llvm::Value *y,
                    llvm::Value *base, llvm::Value *n, llvm::Value *stride, bool logarithm) {
  llvm::IRBuilder<> &b = t.b;
  auto at = [&](llvm::Value *k) { return b.CreateAdd(base, b.CreateMul(k, stride)); };
  auto kept = [&](llvm::Value *k) { return keep ? t.loadElement(DType::Bool, keep, at(k)) : b.getTrue(); };
  float inf = std::numeric_limits<float>::infinity();
  // std::max(m, v) = m < v ? v : m: a NaN score is skipped here, and makes
  // its row NaN through exp below, as in the interpreter.
  Values scan = t.forRangeCarry(t.i64(0), n, {t.f32(-inf), b.getFalse()}, [&](llvm::Value *k, const Values &c) {
    llvm::Value *keepK = kept(k), *v = t.loadF32(x, at(k));
    llvm::Value *larger = b.CreateAnd(keepK, b.CreateFCmpOLT(c[0], v));
    return Values{b.CreateSelect(larger, v, c[0]), b.CreateOr(c[1], keepK)};
  });
  llvm::Value *maximum = scan[0], *any = scan[1];
  t.ifThenElse(any, [&] {
    llvm::Value *sum = t.forRangeCarry(t.i64(0), n, {t.f32(0.0f)}, [&](llvm::Value *k, const Values &c) {
      // -inf (a masked_fill spelling of the mask) gives 0 without exp(-inf),
      // which underflows through subnormals: microcode assists on Intel's
      // cores (docs/llvm-backend.md, "The kernels").
      llvm::Value *v = t.loadF32(x, at(k));
      llvm::Value *live = b.CreateAnd(kept(k), b.CreateFCmpUNE(v, t.f32(-inf)));
      llvm::Value *e = t.exp(b.CreateSelect(live, b.CreateFSub(v, maximum), t.f32(0.0f)));
      e = b.CreateSelect(live, e, t.f32(0.0f));
      if (!logarithm) t.storeF32(e, y, at(k));
      return Values{reassociableAdd(t, c[0], e)};
    })[0];
    llvm::Value *logSum = logarithm ? t.log(sum) : nullptr;
    t.forRange(t.i64(0), n, [&](llvm::Value *k) {
      // A masked position stays exactly 0, even when the kept ones are NaN.
      llvm::Value *v = logarithm ? b.CreateFSub(b.CreateFSub(t.loadF32(x, at(k)), maximum), logSum)
                                 : b.CreateSelect(kept(k), b.CreateFDiv(t.loadF32(y, at(k)), sum), t.f32(0.0f));
      t.storeF32(v, y, at(k));
    });
  }, [&] { // every position masked: zeros, not 0/0
    t.forRange(t.i64(0), n, [&](llvm::Value *k) { t.storeF32(t.f32(0.0f), y, at(k)); });
  });
}

} // namespace

Status lowerReduction(NodeLowering &L) {
  Split s = splitAxis(L.operand(0)->type.shape, L.node.attrs.Axis);
  ir::OpKind op = L.node.op;
  if (op == ir::OpKind::Sum || op == ir::OpKind::Mean) emitSum(L, s, op == ir::OpKind::Mean);
  else emitMax(L, s, op == ir::OpKind::Argmax);
  return Status::ok();
}

Status lowerSoftmax(NodeLowering &L) {
  const ir::Value *x = L.operand(0);
  Split s = splitAxis(x->type.shape, L.node.attrs.Axis);
  int maskSlot = -1;
  if (L.node.operands().size() == 2 && L.operand(1)->type.shape != x->type.shape) {
    maskSlot = L.temporary(ByteSize{s.outer * s.size * s.inner, 1});
    emitBroadcastCopy(L, L.operand(1), x->type.shape, maskSlot);
  }
  FunctionEmitter &t = L.task("softmax");
  llvm::Value *keep = maskSlot >= 0 ? t.framePointer(maskSlot)
                      : L.node.operands().size() == 2 ? t.ptr(L.operand(1)) : nullptr;
  llvm::Value *src = t.ptr(x), *dst = t.ptr(L.result());
  llvm::Value *size = t.dim(s.size), *inner = t.dim(s.inner);
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *row) { // row = o*inner + i
    llvm::Value *o = t.b.CreateSDiv(row, inner), *i = t.b.CreateSRem(row, inner);
    llvm::Value *base = t.b.CreateAdd(t.b.CreateMul(o, t.b.CreateMul(size, inner)), i);
    emitSoftmaxRow(t, src, keep, dst, base, size, inner, L.node.op == ir::OpKind::LogSoftmax);
  });
  L.runParallel(t, L.entry().dim(s.outer * s.inner), 16);
  return Status::ok();
}

// Over the trailing NormRank axes: y = (x - mean) / sqrt(var + eps) * w + b,
// var the biased variance, as torch.nn.functional.layer_norm.
Status lowerLayerNorm(NodeLowering &L) {
  const ir::DimList &shape = L.operand(0)->type.shape;
  size_t lead = shape.size() - size_t(L.node.attrs.NormRank);
  FunctionEmitter &t = L.task("layer_norm");
  llvm::IRBuilder<> &b = t.b;
  llvm::Value *src = t.ptr(L.operand(0)), *dst = t.ptr(L.result());
  llvm::Value *weight = L.node.operands().size() > 1 ? t.ptr(L.operand(1)) : nullptr;
  llvm::Value *bias = L.node.operands().size() > 2 ? t.ptr(L.operand(2)) : nullptr;
  llvm::Value *n = t.extent(shape, lead, shape.size());
  llvm::Value *count = b.CreateSIToFP(n, t.f32Type());
  llvm::Value *eps = t.f32(float(L.node.attrs.Eps));
  t.forRange(t.arg(1), t.arg(2), [&](llvm::Value *r) {
    llvm::Value *base = b.CreateMul(r, n);
    auto x = [&](llvm::Value *i) { return t.loadF32(src, b.CreateAdd(base, i)); };
    llvm::Value *sum = t.forRangeCarry(t.i64(0), n, {t.f32(0.0f)}, [&](llvm::Value *i, const Values &c) {
      return Values{reassociableAdd(t, c[0], x(i))};
    })[0];
    llvm::Value *mean = b.CreateFDiv(sum, count);
    llvm::Value *squares = t.forRangeCarry(t.i64(0), n, {t.f32(0.0f)}, [&](llvm::Value *i, const Values &c) {
      llvm::Value *d = b.CreateFSub(x(i), mean);
      return Values{reassociableAdd(t, c[0], b.CreateFMul(d, d))};
    })[0];
    llvm::Value *variance = b.CreateFDiv(squares, count);
    llvm::Value *scale = b.CreateFDiv(t.f32(1.0f), b.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, b.CreateFAdd(variance, eps)));
    t.forRange(t.i64(0), n, [&](llvm::Value *i) {
      llvm::Value *v = b.CreateFMul(b.CreateFSub(x(i), mean), scale);
      if (weight) v = b.CreateFMul(v, t.loadF32(weight, i));
      if (bias) v = b.CreateFAdd(v, t.loadF32(bias, i));
      t.storeF32(v, dst, b.CreateAdd(base, i));
    });
  });
  L.runParallel(t, L.entry().extent(shape, 0, lead), 16);
  return Status::ok();
}

} // namespace attn::llvmcg
