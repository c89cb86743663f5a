// The fused attention ops (architecture.md), with h: [B, T, D]:
//   additive_attention(h, W, b, v [, mask]): e_t = v . tanh(W h_t + b)
//   dot_attention(h, q [, mask]):            e_t = q . h_t
//   alpha = softmax_t(e) (masked positions 0), context = sum_t alpha_t h_t.
//
// One pass over h. T is cut into chunks of kChunk steps (the cut depends on
// T alone, so a row's result never depends on B or on the thread count);
// each (row, chunk) item folds its steps into a running (m, s, ctx) triple
// with the online-softmax update (Milakov & Gimelshein 2018):
//   on a score e above m:  s *= exp(m - e), ctx *= exp(m - e), m = e
//   then with p = exp(e - m):  s += p, ctx += p h_t
// The A-wide row W h_t + b is accumulated in vector registers, its tanh
// dotted with v without being stored, and the scores are written only into
// alpha, and only when alpha is used. A second pass per row merges the
// chunks' triples in chunk order (M = max m_c, S = sum s_c exp(m_c - M),
// context = sum ctx_c exp(m_c - M) / S) and turns the stored scores into
// alpha = exp(e_t - M) / S. A row with no kept position gets zeros.
#include "codegen/llvm/Codegen.h"

#include <limits>

namespace attn::llvmcg {

namespace {

constexpr int64_t kChunk = 64;
constexpr unsigned kVectorsPerBlock = 8; // of A, kept in registers at once

struct Attention {
  bool additive = false, writeAlpha = true;
  ir::Dim B, T, D;
  const ir::Value *mask = nullptr;
  PackedRef w, bias, v; // additive, packed when A and D are constants
  int64_t A = 0;        // the constant A of the packed path, else 0
};

/// e = v . tanh(W h_t + b), W packed transposed: A in vectors, D walked once
/// per block of kVectorsPerBlock vectors.
llvm::Value *additiveScorePacked(FunctionEmitter &f, const Attention &a, llvm::Value *ht) {
  unsigned lanes = f.m.target.lanes();
  int64_t vectors = roundUp(a.A, lanes) / lanes, padded = vectors * lanes, D = *a.D.constant();
  llvm::Value *w = f.packed(a.w), *bias = f.packed(a.bias), *v = f.packed(a.v);
  llvm::Value *total = llvm::Constant::getNullValue(f.vectorType(lanes));
  for (int64_t first = 0; first < vectors; first += kVectorsPerBlock) {
    unsigned count = unsigned(std::min<int64_t>(kVectorsPerBlock, vectors - first));
    Values initial;
    for (unsigned j = 0; j < count; ++j) initial.push_back(f.loadVector(bias, f.i64((first + j) * lanes), lanes));
    Values u = f.forRangeCarry(f.i64(0), f.i64(D), initial, [&](llvm::Value *d, const Values &acc) {
      llvm::Value *hs = f.splat(f.loadF32(ht, d), lanes);
      llvm::Value *row = f.b.CreateMul(d, f.i64(padded));
      Values next;
      for (unsigned j = 0; j < count; ++j)
        next.push_back(f.fma(hs, f.loadVector(w, f.b.CreateAdd(row, f.i64((first + j) * lanes)), lanes), acc[j]));
      return next;
    });
    for (unsigned j = 0; j < count; ++j) // padded lanes: v = 0, tanh(0 + 0) = 0
      total = f.fma(f.loadVector(v, f.i64((first + j) * lanes), lanes), f.tanh(u[j]), total);
  }
  return f.horizontalSum(total);
}

/// Scalar loops for symbolic A or D.
llvm::Value *additiveScoreGeneric(FunctionEmitter &f, const ir::Node &node, llvm::Value *ht, llvm::Value *D) {
  llvm::IRBuilder<> &b = f.b;
  llvm::Value *w = f.ptr(node.operands[1]), *bias = f.ptr(node.operands[2]), *v = f.ptr(node.operands[3]);
  llvm::Value *A = f.dim(node.operands[1]->type.shape[0]);
  return f.forRangeCarry(f.i64(0), A, {f.f32(0.0f)}, [&](llvm::Value *i, const Values &e) {
    llvm::Value *u = f.forRangeCarry(f.i64(0), D, {f.loadF32(bias, i)}, [&](llvm::Value *d, const Values &c) {
      return Values{f.fma(f.loadF32(w, b.CreateAdd(b.CreateMul(i, D), d)), f.loadF32(ht, d), c[0])};
    })[0];
    return Values{f.fma(f.loadF32(v, i), f.tanh(u), e[0])};
  })[0];
}

/// e = q . h_t: vectors over D when it is a constant.
llvm::Value *dotScore(FunctionEmitter &f, const Attention &a, llvm::Value *q, llvm::Value *ht, llvm::Value *D) {
  unsigned lanes = f.m.target.lanes();
  if (auto d = a.D.constant()) {
    llvm::Value *sum = llvm::Constant::getNullValue(f.vectorType(lanes));
    int64_t full = *d / lanes;
    sum = f.forRangeCarry(f.i64(0), f.i64(full), {sum}, [&](llvm::Value *k, const Values &c) {
      llvm::Value *at = f.b.CreateMul(k, f.i64(lanes));
      return Values{f.fma(f.loadVector(q, at, lanes), f.loadVector(ht, at, lanes), c[0])};
    })[0];
    if (unsigned tail = unsigned(*d % lanes)) {
      llvm::Value *at = f.i64(full * lanes);
      sum = f.fma(f.loadVectorPrefix(q, at, lanes, tail), f.loadVectorPrefix(ht, at, lanes, tail), sum);
    }
    return f.horizontalSum(sum);
  }
  return f.forRangeCarry(f.i64(0), D, {f.f32(0.0f)}, [&](llvm::Value *d, const Values &c) {
    return Values{reassociableAdd(f, c[0], f.b.CreateFMul(f.loadF32(q, d), f.loadF32(ht, d)))};
  })[0];
}

/// Folds score e of h_t into (m, s) and ctx (D floats):
///   e > m:  s *= exp(m - e), ctx *= exp(m - e), m = e;  then with
///   p = exp(e - m): s += p, ctx += p h_t.  (exp(-inf) = 0 at the first.)
Values foldScore(FunctionEmitter &f, llvm::Value *e, const Values &ms, llvm::Value *ctx, llvm::Value *ht,
                 llvm::Value *D) {
  llvm::IRBuilder<> &b = f.b;
  llvm::Value *higher = b.CreateFCmpOGT(e, ms[0]);
  llvm::Value *rescale = f.exp(b.CreateFSub(ms[0], e));
  f.ifThen(higher, [&] {
    f.forRange(f.i64(0), D, [&](llvm::Value *d) { f.storeF32(b.CreateFMul(f.loadF32(ctx, d), rescale), ctx, d); });
  });
  llvm::Value *m = b.CreateSelect(higher, e, ms[0]);
  llvm::Value *s = b.CreateSelect(higher, b.CreateFMul(ms[1], rescale), ms[1]);
  llvm::Value *p = f.exp(b.CreateFSub(e, m));
  f.forRange(f.i64(0), D, [&](llvm::Value *d) { f.storeF32(f.fma(p, f.loadF32(ht, d), f.loadF32(ctx, d)), ctx, d); });
  return {m, b.CreateFAdd(s, p)};
}

/// Phase 1: the (m, s, ctx) triple of each (row, chunk) item.
void emitChunks(NodeLowering &L, const Attention &a, int partials) {
  FunctionEmitter &f = L.task("chunks");
  llvm::IRBuilder<> &b = f.b;
  llvm::Value *h = f.ptr(L.operand(0)), *alpha = f.ptr(L.result(1));
  llvm::Value *mask = a.mask ? f.ptr(a.mask) : nullptr, *q = a.additive ? nullptr : f.ptr(L.operand(1));
  llvm::Value *T = f.dim(a.T), *D = f.dim(a.D), *part = f.framePointer(partials);
  llvm::Value *chunks = b.CreateSDiv(b.CreateAdd(T, f.i64(kChunk - 1)), f.i64(kChunk));
  llvm::Value *minusInf = f.f32(-std::numeric_limits<float>::infinity());
  f.forRange(f.arg(1), f.arg(2), [&](llvm::Value *item) {
    llvm::Value *row = b.CreateSDiv(item, chunks), *chunk = b.CreateSRem(item, chunks);
    llvm::Value *begin = b.CreateMul(chunk, f.i64(kChunk));
    llvm::Value *end = b.CreateAdd(begin, f.i64(kChunk));
    end = b.CreateSelect(b.CreateICmpSLT(end, T), end, T);
    llvm::Value *triple = f.gep(f.f32Type(), part, b.CreateMul(item, b.CreateAdd(D, f.i64(2))));
    llvm::Value *ctx = f.gep(f.f32Type(), triple, f.i64(2));
    f.zeroBytes(ctx, b.CreateMul(D, f.i64(4)));
    llvm::Value *qRow = q ? f.gep(f.f32Type(), q, b.CreateMul(row, D)) : nullptr;
    Values ms = f.forRangeCarry(begin, end, {minusInf, f.f32(0.0f)}, [&](llvm::Value *t, const Values &c) {
      llvm::Value *position = b.CreateAdd(b.CreateMul(row, T), t);
      llvm::Value *kept = mask ? f.loadElement(DType::Bool, mask, position) : b.getTrue();
      llvm::Value *ht = f.gep(f.f32Type(), h, b.CreateMul(position, D));
      return f.ifThenValues(kept, c, [&] {
        llvm::Value *e = !a.additive ? dotScore(f, a, qRow, ht, D)
                         : a.A ? additiveScorePacked(f, a, ht) : additiveScoreGeneric(f, L.node, ht, D);
        if (a.writeAlpha) f.storeF32(e, alpha, position);
        return foldScore(f, e, c, ctx, ht, D);
      });
    });
    f.storeF32(ms[0], triple, f.i64(0));
    f.storeF32(ms[1], triple, f.i64(1));
  });
  FunctionEmitter &e = L.entry();
  llvm::Value *count = e.b.CreateMul(e.dim(a.B), e.b.CreateSDiv(e.b.CreateAdd(e.dim(a.T), e.i64(kChunk - 1)), e.i64(kChunk)));
  L.runParallel(f, count, 1);
}

/// Phase 2: each row's chunks merged into context (and alpha).
void emitMerge(NodeLowering &L, const Attention &a, int partials) {
  FunctionEmitter &f = L.task("merge");
  llvm::IRBuilder<> &b = f.b;
  llvm::Value *context = f.ptr(L.result(0)), *alpha = f.ptr(L.result(1));
  llvm::Value *mask = a.mask ? f.ptr(a.mask) : nullptr, *part = f.framePointer(partials);
  llvm::Value *T = f.dim(a.T), *D = f.dim(a.D), *stride = b.CreateAdd(D, f.i64(2));
  llvm::Value *chunks = b.CreateSDiv(b.CreateAdd(T, f.i64(kChunk - 1)), f.i64(kChunk));
  llvm::Value *minusInf = f.f32(-std::numeric_limits<float>::infinity());
  f.forRange(f.arg(1), f.arg(2), [&](llvm::Value *row) {
    llvm::Value *first = b.CreateMul(row, chunks);
    auto triple = [&](llvm::Value *c) { return f.gep(f.f32Type(), part, b.CreateMul(b.CreateAdd(first, c), stride)); };
    llvm::Value *M = f.forRangeCarry(f.i64(0), chunks, {minusInf}, [&](llvm::Value *c, const Values &acc) {
      llvm::Value *m = f.loadF32(triple(c), f.i64(0));
      return Values{b.CreateSelect(b.CreateFCmpOLT(acc[0], m), m, acc[0])};
    })[0];
    llvm::Value *outRow = f.gep(f.f32Type(), context, b.CreateMul(row, D));
    llvm::Value *alphaRow = f.gep(f.f32Type(), alpha, b.CreateMul(row, T));
    f.ifThenElse(b.CreateFCmpOGT(M, minusInf), [&] {
      auto weight = [&](llvm::Value *c) { return f.exp(b.CreateFSub(f.loadF32(triple(c), f.i64(0)), M)); };
      llvm::Value *S = f.forRangeCarry(f.i64(0), chunks, {f.f32(0.0f)}, [&](llvm::Value *c, const Values &acc) {
        return Values{f.fma(f.loadF32(triple(c), f.i64(1)), weight(c), acc[0])};
      })[0];
      f.forRange(f.i64(0), D, [&](llvm::Value *d) { f.storeF32(f.f32(0.0f), outRow, d); });
      f.forRange(f.i64(0), chunks, [&](llvm::Value *c) {
        llvm::Value *wc = weight(c), *ctx = f.gep(f.f32Type(), triple(c), f.i64(2));
        f.forRange(f.i64(0), D, [&](llvm::Value *d) { f.storeF32(f.fma(f.loadF32(ctx, d), wc, f.loadF32(outRow, d)), outRow, d); });
      });
      f.forRange(f.i64(0), D, [&](llvm::Value *d) { f.storeF32(b.CreateFDiv(f.loadF32(outRow, d), S), outRow, d); });
      if (!a.writeAlpha) return;
      f.forRange(f.i64(0), T, [&](llvm::Value *t) {
        llvm::Value *kept = mask ? f.loadElement(DType::Bool, mask, b.CreateAdd(b.CreateMul(row, T), t)) : b.getTrue();
        llvm::Value *p = b.CreateFDiv(f.exp(b.CreateFSub(f.loadF32(alphaRow, t), M)), S);
        f.storeF32(b.CreateSelect(kept, p, f.f32(0.0f)), alphaRow, t);
      });
    }, [&] { // nothing kept: zeros, not 0/0
      f.zeroBytes(outRow, b.CreateMul(D, f.i64(4)));
      if (a.writeAlpha) f.zeroBytes(alphaRow, b.CreateMul(T, f.i64(4)));
    });
  });
  L.runParallel(f, L.entry().dim(a.B), 16);
}

} // namespace

Status lowerAttention(NodeLowering &L) {
  const ir::DimList &h = L.operand(0)->type.shape;
  Attention a;
  a.additive = L.node.op == ir::OpKind::AdditiveAttention;
  a.writeAlpha = L.graph.graph.useCount(L.result(1)) > 0;
  a.B = h[0], a.T = h[1], a.D = h[2];
  size_t maskIndex = a.additive ? 4 : 2;
  if (L.node.operands.size() > maskIndex) a.mask = L.operand(unsigned(maskIndex));
  const ir::DimList &w = L.operand(1)->type.shape;
  if (a.additive && w[0].constant() && a.D.constant()) {
    a.A = *w[0].constant();
    a.w = L.pack(L.operand(1), PackKind::Transposed);
    a.bias = L.pack(L.operand(2), PackKind::Padded);
    a.v = L.pack(L.operand(3), PackKind::Padded);
  }
  int partials = L.temporary(ByteSize{a.B * (a.D + ir::Dim(2)), 4, a.T, kChunk});
  emitChunks(L, a, partials);
  emitMerge(L, a, partials);
  return Status::ok();
}

} // namespace attn::llvmcg
