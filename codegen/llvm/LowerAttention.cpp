// The fused attention ops (architecture.md), with h: [B, T, D]:
//   additive_attention(h, W, b, v [, mask]): e_t = v . tanh(W h_t + b)
//   dot_attention(h, q [, mask]):            e_t = q . h_t
//   alpha = softmax_t(e) (masked positions 0), context = sum_t alpha_t h_t.
//
// T is cut into chunks of kChunk steps (the cut depends on T alone, so a
// row's result never depends on B or on the thread count). Each (row, chunk)
// item is one tile of at most kChunk rows of h, worked the way FlashAttention
// tiles its work (constant D, and constant A for additive):
//   1. scores. Additive: the GEMM micro-kernel (Gemm.cpp) runs on the tile,
//      H_tile W^T + b, one panel of A columns at a time; its accumulators go
//      through tanh and are dotted with v in registers (u is never stored),
//      each row's partial sums kept in an L1 buffer of one vector per row.
//      With 512-bit vectors and a small A (denseScores), the steps go in the
//      lanes instead: a group of 16 rows of h transposed in registers, u_a
//      one vector over the 16 steps for each a, the scores one vector.
//      Dot: q . h_t for a block of rows at once, q loaded once per block.
//      The scores stay in a kChunk-float buffer (and go into alpha when alpha
//      is used).
//   2. the tile's softmax partials: m = max of the kept scores,
//      p_t = exp(e_t - m), s = sum p_t, ctx = sum p_t h_t (over D in vector
//      registers; for a few vectors, four partial sums over t mod 4, see
//      contextTiled), the triple (m, s, ctx) stored per item.
// With symbolic dims the items run step by step instead, folding each score
// into (m, s, ctx) with the online-softmax update (Milakov & Gimelshein
// 2018): on a score above m, s and ctx are scaled by exp(m - e) first.
//
// A second pass per row merges the chunks' triples in chunk order
// (M = max m_c, S = sum s_c exp(m_c - M), context = sum ctx_c exp(m_c - M) / S)
// and turns the stored scores into alpha = exp(e_t - M) / S. A row with no
// kept position gets zeros.
//
// dot_attention with q [B, S, D] runs B*S query rows; row r reads h and the
// mask of batch row r / S and writes alpha and context row r.
//
// With the fill attribute F (the where/masked_fill spelling) a masked score
// is F: a finite F is an ordinary score (no position is dropped); F = -inf
// drops the position as the mask does, and a row with none kept is NaN, as
// PyTorch's softmax of -inf everywhere.
#include "codegen/llvm/Codegen.h"

#include <cmath>
#include <limits>

namespace attn::llvmcg {

namespace {

constexpr int64_t kChunk = 64;
// additiveScoresDense stores whole vectors of 16 scores into a kChunk-float buffer.
static_assert(kChunk % 16 == 0, "a chunk holds whole groups of 16 steps");


struct Attention {
  bool additive = false, writeAlpha = true;
  ir::Dim B, T, D;
  ir::Dim S{1};    // query rows per batch row (dot_attention with q [B, S, D])
  ir::Dim rows{0}; // B * S: the rows of alpha and context
  /// The batch row of query row `row`: what h and the mask are read from.
  llvm::Value *batchRow(FunctionEmitter &f, llvm::Value *row) const {
    return S == ir::Dim(1) ? row : f.b.CreateSDiv(row, f.dim(S));
  }
  const ir::Value *mask = nullptr;
  std::optional<float> fill; // a masked score's value, when the mask came as a fill
  PackedRef w, bias, v; // additive, packed when A and D are constants
  int64_t A = 0;        // the constant A of the tiled path, else 0
};

/// Whether masked positions are dropped (a mask, or a -inf fill) rather than
/// scored with a finite fill.
bool dropsMasked(const Attention &a) { return a.mask && (!a.fill || (std::isinf(*a.fill) && *a.fill < 0)); }

/// Scalar loops for symbolic A or D.
llvm::Value *additiveScoreGeneric(FunctionEmitter &f, const ir::Node &node, llvm::Value *ht, llvm::Value *D) {
  llvm::IRBuilder<> &b = f.b;
  llvm::Value *w = f.ptr(node.operands()[1]), *bias = f.ptr(node.operands()[2]), *v = f.ptr(node.operands()[3]);
  llvm::Value *A = f.dim(node.operands()[1]->type.shape[0]);
  return f.forRangeCarry(f.i64(0), A, {f.f32(0.0f)}, [&](llvm::Value *i, const Values &e) {
    llvm::Value *u = f.forRangeCarry(f.i64(0), D, {f.loadF32(bias, i)}, [&](llvm::Value *d, const Values &c) {
      return Values{f.fma(f.loadF32(w, b.CreateAdd(b.CreateMul(i, D), d)), f.loadF32(ht, d), c[0])};
    })[0];
    return Values{f.fma(f.loadF32(v, i), f.tanh(u), e[0])};
  })[0];
}

/// e = q . h_t, scalar (symbolic D).
llvm::Value *dotScore(FunctionEmitter &f, llvm::Value *q, llvm::Value *ht, llvm::Value *D) {
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

/// Tiled scores, additive: scores[t - begin] = v . tanh(W h_t + b) for t in
/// [begin, end), h_t at h + (base + t) * D. Per row, the vectors j of A are
/// summed in order, total = fma(v_j, tanh(u_j), total), then the lanes.
/// Per panel of A columns, the micro-kernel's accumulators go to `u` (an L1
/// buffer of kChunk rows by one panel), and a second loop over the tile's
/// rows applies tanh and v with its constants in registers: applied to the
/// accumulators in place, the epilogue would spill them.
void additiveScoresTiled(FunctionEmitter &f, const Attention &a, llvm::Value *h, llvm::Value *base,
                         llvm::Value *begin, llvm::Value *end, llvm::Value *scores, llvm::Value *partial,
                         llvm::Value *u) {
  llvm::IRBuilder<> &b = f.b;
  unsigned lanes = f.m.target.lanes();
  int64_t D = *a.D.constant(), paddedA = roundUp(a.A, lanes), vectors = paddedA / lanes;
  llvm::Value *w = f.packed(a.w), *bias = f.packed(a.bias), *v = f.packed(a.v);
  GemmBlocking blocking = gemmBlocking(f.m.target, a.A);
  llvm::Value *n = b.CreateSub(end, begin);
  f.zeroBytes(partial, b.CreateMul(n, f.i64(lanes * 4)));
  // Columns [column, column + count vectors) of every row of the tile. The
  // padded columns have W = b = v = 0: tanh(0) * 0 adds nothing.
  auto panel = [&](llvm::Value *column, unsigned count) {
    forRowBlocks(f, f.i64(0), n, blocking.rows, [&](llvm::Value *k, unsigned rows) {
      Values acc, xRows;
      for (unsigned r = 0; r < rows; ++r) {
        xRows.push_back(b.CreateMul(b.CreateAdd(base, b.CreateAdd(begin, b.CreateAdd(k, f.i64(r)))), f.i64(D)));
        for (unsigned c = 0; c < count; ++c)
          acc.push_back(f.loadVector(bias, b.CreateAdd(column, f.i64(c * lanes)), lanes));
      }
      acc = gemmAccumulate(f, h, xRows, w, paddedA, column, count, 0, D, acc);
      for (unsigned r = 0; r < rows; ++r)
        for (unsigned c = 0; c < count; ++c)
          f.storeVector(acc[r * count + c], u, b.CreateMul(b.CreateAdd(b.CreateMul(b.CreateAdd(k, f.i64(r)), f.i64(count)), f.i64(c)), f.i64(lanes)));
    });
    Values vs;
    for (unsigned c = 0; c < count; ++c) vs.push_back(f.loadVector(v, b.CreateAdd(column, f.i64(c * lanes)), lanes));
    f.forRange(f.i64(0), n, [&](llvm::Value *k) {
      llvm::Value *at = b.CreateMul(k, f.i64(lanes));
      llvm::Value *sum = f.loadVector(partial, at, lanes);
      for (unsigned c = 0; c < count; ++c)
        sum = f.fma(vs[c], f.tanh(f.loadVector(u, b.CreateMul(b.CreateAdd(b.CreateMul(k, f.i64(count)), f.i64(c)), f.i64(lanes)), lanes)), sum);
      f.storeVector(sum, partial, at);
    });
  };
  int64_t panels = vectors / blocking.vectors;
  unsigned rest = unsigned(vectors % blocking.vectors);
  if (panels == 1) panel(f.i64(0), blocking.vectors);
  else if (panels > 1)
    f.forRange(f.i64(0), f.i64(panels), [&](llvm::Value *p) {
      panel(b.CreateMul(p, f.i64(blocking.vectors * lanes)), blocking.vectors);
    });
  if (rest) panel(f.i64(panels * blocking.vectors * lanes), rest);
  f.forRange(f.i64(0), n, [&](llvm::Value *k) {
    f.storeF32(f.horizontalSum(f.loadVector(partial, b.CreateMul(k, f.i64(lanes)), lanes)), scores, k);
  });
}

/// Whether the additive scores run with the time steps in the lanes
/// (additiveScoresDense): 512-bit vectors, A not a whole number of vectors
/// and at most 24 (the accumulators), D at most 64 (unrolled). Measured at
/// B = 32, T = 128, D = A = 24: 67.5 -> 54.8 us (docs/performance.md).
bool denseScores(const FunctionEmitter &f, const Attention &a) {
  unsigned lanes = f.m.target.lanes();
  return f.m.target.vectorBits >= 512 && a.A <= 24 && a.A % lanes != 0 && *a.D.constant() <= 64;
}

/// The rows h[row(r)] of one group of `lanes` steps transposed: column k of
/// the tile (k < D) as a vector over the steps. Each block of `lanes`
/// columns is loaded row by row (the last one as a prefix, so nothing past
/// a row is read) and transposed by log2(lanes) stages of two-source
/// shuffles, stage `half` swapping that bit between the row and the lane.
Values transposedTile(FunctionEmitter &f, llvm::Value *h, const std::function<llvm::Value *(unsigned)> &rowStart,
                      int64_t D) {
  llvm::IRBuilder<> &b = f.b;
  unsigned lanes = f.m.target.lanes();
  Values columns;
  for (int64_t c0 = 0; c0 < D; c0 += lanes) {
    unsigned count = unsigned(std::min<int64_t>(lanes, D - c0));
    Values rows;
    for (unsigned r = 0; r < lanes; ++r) {
      llvm::Value *at = b.CreateAdd(rowStart(r), f.i64(c0));
      rows.push_back(count < lanes ? f.loadVectorPrefix(h, at, lanes, count) : f.loadVector(h, at, lanes));
    }
    for (unsigned half = lanes / 2; half >= 1; half /= 2) {
      llvm::SmallVector<int, 16> low, high;
      for (unsigned l = 0; l < lanes; ++l) {
        low.push_back(l & half ? int(lanes + l - half) : int(l));
        high.push_back(l & half ? int(lanes + l) : int(l + half));
      }
      for (unsigned i = 0; i < lanes; ++i)
        if (!(i & half)) {
          llvm::Value *first = rows[i], *second = rows[i + half];
          rows[i] = b.CreateShuffleVector(first, second, low);
          rows[i + half] = b.CreateShuffleVector(first, second, high);
        }
    }
    columns.insert(columns.end(), rows.begin(), rows.begin() + count);
  }
  return columns;
}

/// Tiled scores, additive, with the time steps in the lanes (denseScores):
/// per group of `lanes` steps of the tile, h transposed (transposedTile),
/// u_a = b_a + sum_k W[a, k] h[k] (k in order) is one vector over the steps
/// for each a, and the scores e = sum_a v_a tanh(u_a) (a in order) come out
/// as one vector: no lane is padding and no horizontal sum is needed. A
/// step's score depends only on its own row of h. Steps past `end` in the
/// last group repeat the last step; their lanes land past n in `scores`
/// (kChunk floats, a multiple of `lanes`), where nothing reads them.
void additiveScoresDense(FunctionEmitter &f, const Attention &a, llvm::Value *h, llvm::Value *base,
                         llvm::Value *begin, llvm::Value *end, llvm::Value *scores) {
  llvm::IRBuilder<> &b = f.b;
  unsigned lanes = f.m.target.lanes();
  int64_t D = *a.D.constant(), paddedA = roundUp(a.A, lanes);
  llvm::Value *w = f.packed(a.w), *bias = f.packed(a.bias), *v = f.packed(a.v);
  llvm::Value *n = b.CreateSub(end, begin), *last = b.CreateSub(n, f.i64(1));
  llvm::Value *groups = b.CreateSDiv(b.CreateAdd(n, f.i64(lanes - 1)), f.i64(lanes));
  f.forRange(f.i64(0), groups, [&](llvm::Value *g) {
    llvm::Value *first = b.CreateMul(g, f.i64(lanes));
    Values columns = transposedTile(f, h, [&](unsigned r) {
      llvm::Value *k = b.CreateAdd(first, f.i64(r));
      k = b.CreateSelect(b.CreateICmpSLT(k, n), k, last);
      return b.CreateMul(b.CreateAdd(base, b.CreateAdd(begin, k)), f.i64(D));
    }, D);
    Values acc;
    for (int64_t i = 0; i < a.A; ++i) acc.push_back(f.splat(f.loadF32(bias, f.i64(i)), lanes));
    for (int64_t k = 0; k < D; ++k)
      for (int64_t i = 0; i < a.A; ++i)
        acc[i] = f.fma(f.splat(f.loadF32(w, f.i64(k * paddedA + i)), lanes), columns[k], acc[i]);
    llvm::Value *e = llvm::Constant::getNullValue(f.vectorType(lanes));
    for (int64_t i = 0; i < a.A; ++i) e = f.fma(f.splat(f.loadF32(v, f.i64(i)), lanes), f.tanh(acc[i]), e);
    f.storeVector(e, scores, first);
  });
}

/// Tiled scores, dot: scores[t - begin] = q . h_t, a block of rows at once
/// (q loaded once per block); per row: fma over the vectors of D in order,
/// then the lanes.
void dotScoresTiled(FunctionEmitter &f, const Attention &a, llvm::Value *q, llvm::Value *h, llvm::Value *base,
                    llvm::Value *begin, llvm::Value *end, llvm::Value *scores) {
  llvm::IRBuilder<> &b = f.b;
  unsigned lanes = f.m.target.lanes();
  int64_t D = *a.D.constant(), full = D / lanes;
  unsigned tail = unsigned(D % lanes), rowsPerBlock = f.m.target.vectorBits >= 512 ? 8 : 4;
  forRowBlocks(f, begin, end, rowsPerBlock, [&](llvm::Value *t, unsigned rows) {
    Values rowBase, acc(rows, llvm::Constant::getNullValue(f.vectorType(lanes)));
    for (unsigned r = 0; r < rows; ++r)
      rowBase.push_back(f.gep(f.f32Type(), h, b.CreateMul(b.CreateAdd(base, b.CreateAdd(t, f.i64(r))), f.i64(D))));
    auto step = [&](llvm::Value *at, const Values &sums, bool partial) {
      llvm::Value *qv = partial ? f.loadVectorPrefix(q, at, lanes, tail) : f.loadVector(q, at, lanes);
      Values next;
      for (unsigned r = 0; r < rows; ++r)
        next.push_back(f.fma(qv, partial ? f.loadVectorPrefix(rowBase[r], at, lanes, tail)
                                         : f.loadVector(rowBase[r], at, lanes), sums[r]));
      return next;
    };
    // Unrolled here (the kernel pipeline does not): all of D up to 16
    // vectors, else 4 vectors an iteration.
    acc = f.forRangeCarryUnrolled(0, full, full <= 16 ? full : 4, acc, [&](llvm::Value *k, const Values &sums) {
      return step(b.CreateMul(k, f.i64(lanes)), sums, false);
    });
    if (tail) acc = step(f.i64(full * lanes), acc, true);
    for (unsigned r = 0; r < rows; ++r)
      f.storeF32(f.horizontalSum(acc[r]), scores, b.CreateAdd(b.CreateSub(t, begin), f.i64(r)));
  });
}

/// ctx[0, D) = sum over t in [begin, end) of p[t - begin] h_t, dropped
/// steps included with their p = 0, as the interpreter and PyTorch's bmm
/// (an inf or NaN in a dropped row of h makes the context NaN), and with no
/// branch on the mask (one per step, mispredicted at random masks, took ~8%
/// of the additive block's time at D = 24). D in blocks of vectors held in
/// registers. A block of few vectors keeps `sets` partial sums, set j over the steps
/// t = begin + j (mod sets) in order, added at the end as
/// ((set 0 + set 1) + set 2) + set 3: each accumulator's chain of dependent
/// FMAs is a quarter as long (at D = 24 one chain per vector made a chunk
/// wait 64 FMA latencies). The order depends on begin and end alone.
void contextTiled(FunctionEmitter &f, const Attention &a, llvm::Value *h, llvm::Value *base,
                  llvm::Value *begin, llvm::Value *end, llvm::Value *p, llvm::Value *ctx) {
  llvm::IRBuilder<> &b = f.b;
  unsigned lanes = f.m.target.lanes();
  int64_t D = *a.D.constant(), vectors = (D + lanes - 1) / lanes;
  unsigned tail = unsigned(D % lanes);
  int64_t perBlock = f.m.target.vectorBits >= 512 ? 16 : 8;
  for (int64_t first = 0; first < vectors; first += perBlock) {
    unsigned count = unsigned(std::min(perBlock, vectors - first));
    unsigned sets = unsigned(std::clamp<int64_t>(8 / count, 1, 4));
    auto partial = [&](unsigned j) { return tail && first + j + 1 == vectors; };
    // Step t into the accumulators acc[set * count, (set + 1) * count).
    auto step = [&](llvm::Value *t, Values acc, unsigned set) {
      llvm::Value *position = b.CreateAdd(base, t);
      llvm::Value *ps = f.splat(f.loadF32(p, b.CreateSub(t, begin)), lanes);
      llvm::Value *row = b.CreateMul(position, f.i64(D));
      for (unsigned j = 0; j < count; ++j) {
        llvm::Value *at = b.CreateAdd(row, f.i64((first + j) * lanes));
        llvm::Value *ht = partial(j) ? f.loadVectorPrefix(h, at, lanes, tail) : f.loadVector(h, at, lanes);
        acc[set * count + j] = f.fma(ps, ht, acc[set * count + j]);
      }
      return acc;
    };
    Values acc(sets * count, llvm::Constant::getNullValue(f.vectorType(lanes)));
    llvm::Value *n = b.CreateSub(end, begin), *whole = b.CreateMul(b.CreateSDiv(n, f.i64(sets)), f.i64(sets));
    acc = f.forRangeCarry(f.i64(0), b.CreateSDiv(n, f.i64(sets)), acc, [&](llvm::Value *k, const Values &sums) {
      Values next = sums;
      llvm::Value *t0 = b.CreateAdd(begin, b.CreateMul(k, f.i64(sets)));
      for (unsigned set = 0; set < sets; ++set) next = step(b.CreateAdd(t0, f.i64(set)), next, set);
      return next;
    });
    // The last n mod sets steps, into sets 0, 1, ... as in a whole round.
    for (unsigned set = 0; set + 1 < sets; ++set) {
      llvm::Value *t = b.CreateAdd(begin, b.CreateAdd(whole, f.i64(set)));
      acc = f.ifThenValues(b.CreateICmpSLT(t, end), acc, [&] { return step(t, acc, set); });
    }
    for (unsigned j = 0; j < count; ++j) {
      llvm::Value *sum = acc[j];
      for (unsigned set = 1; set < sets; ++set) sum = b.CreateFAdd(sum, acc[set * count + j]);
      llvm::Value *at = f.i64((first + j) * lanes);
      if (partial(j)) f.storeVectorPrefix(sum, ctx, at, tail);
      else f.storeVector(sum, ctx, at);
    }
  }
}

/// The task's loop over (row, chunk) items: body(item, row, begin, end) for
/// steps [begin, end) of `row`; the task runs over the B * chunks items.
void forEachItem(NodeLowering &L, FunctionEmitter &f, const Attention &a,
                 const std::function<void(llvm::Value *, llvm::Value *, llvm::Value *, llvm::Value *)> &body) {
  llvm::IRBuilder<> &b = f.b;
  llvm::Value *T = f.dim(a.T);
  llvm::Value *chunks = b.CreateSDiv(b.CreateAdd(T, f.i64(kChunk - 1)), f.i64(kChunk));
  f.forRange(f.arg(1), f.arg(2), [&](llvm::Value *item) {
    llvm::Value *row = b.CreateSDiv(item, chunks), *chunk = b.CreateSRem(item, chunks);
    llvm::Value *begin = b.CreateMul(chunk, f.i64(kChunk));
    llvm::Value *end = b.CreateAdd(begin, f.i64(kChunk));
    body(item, row, begin, b.CreateSelect(b.CreateICmpSLT(end, T), end, T));
  });
  FunctionEmitter &e = L.entry();
  llvm::Value *count = e.b.CreateMul(e.dim(a.rows), e.b.CreateSDiv(e.b.CreateAdd(e.dim(a.T), e.i64(kChunk - 1)), e.i64(kChunk)));
  L.runParallel(f, count, 1);
}

/// The softmax partials of scores[0, n) (n <= kChunk; -inf where masked),
/// in vectors: m = the largest score, scores[k] = p_k = exp(e_k - m) (0 where
/// -inf), s = sum p_k (lane-wise over the vectors in order, then the lanes).
/// Returns {m, s}; with nothing kept, m = -inf and s = 0.
Values softmaxPartials(FunctionEmitter &f, llvm::Value *scores, llvm::Value *n) {
  llvm::IRBuilder<> &b = f.b;
  unsigned lanes = f.m.target.lanes();
  llvm::Value *minusInf = f.splat(f.f32(-std::numeric_limits<float>::infinity()), lanes);
  std::vector<llvm::Constant *> indices;
  for (unsigned l = 0; l < lanes; ++l) indices.push_back(b.getInt64(l));
  llvm::Value *laneIndex = llvm::ConstantVector::get(indices);
  llvm::Value *vectors = b.CreateSDiv(b.CreateAdd(n, f.i64(lanes - 1)), f.i64(lanes));
  auto scoreVector = [&](llvm::Value *k) { // lanes past n read as -inf
    llvm::Value *at = b.CreateMul(k, f.i64(lanes));
    llvm::Value *inside = b.CreateICmpSLT(b.CreateAdd(b.CreateVectorSplat(lanes, at), laneIndex),
                                          b.CreateVectorSplat(lanes, n));
    return std::make_pair(at, b.CreateSelect(inside, f.loadVector(scores, at, lanes), minusInf));
  };
  llvm::Value *top = f.forRangeCarry(f.i64(0), vectors, {minusInf}, [&](llvm::Value *k, const Values &c) {
    llvm::Value *e = scoreVector(k).second;
    return Values{b.CreateSelect(b.CreateFCmpOGT(e, c[0]), e, c[0])};
  })[0];
  // The largest lane: exact in any order.
  llvm::Value *m = f.horizontalReduce(top, [&](llvm::Value *l, llvm::Value *h) {
    return b.CreateSelect(b.CreateFCmpOGT(h, l), h, l);
  });
  llvm::Value *mv = f.splat(m, lanes), *zero = llvm::Constant::getNullValue(f.vectorType(lanes));
  auto expStep = [&](llvm::Value *k, const Values &c) {
    auto [at, e] = scoreVector(k);
    // A dropped step's exp runs on 0, not on -inf: exp(-inf) underflows
    // through subnormals, which Intel's cores finish in microcode (at half
    // the steps masked that made the additive block at D = 24 ~20% slower).
    llvm::Value *dropped = b.CreateFCmpOEQ(e, minusInf);
    llvm::Value *p = b.CreateSelect(dropped, zero, f.exp(b.CreateSelect(dropped, zero, b.CreateFSub(e, mv))));
    f.storeVector(p, scores, at);
    return Values{b.CreateFAdd(c[0], p)};
  };
  // A whole chunk straight through: its exps are independent chains that
  // overlap, where the loop's left most of each one's latency exposed.
  llvm::Value *whole = b.CreateICmpEQ(n, f.i64(kChunk));
  Values sum = f.ifThenValues(whole, {zero}, [&] { return f.forRangeCarryUnrolled(0, kChunk / lanes, kChunk / lanes, {zero}, expStep); });
  sum = f.ifThenValues(b.CreateNot(whole), sum, [&] { return f.forRangeCarry(f.i64(0), vectors, {zero}, expStep); });
  return {m, f.horizontalSum(sum[0])};
}

/// Phase 1, tiled: the (m, s, ctx) triple of each (row, chunk) item.
void emitChunksTiled(NodeLowering &L, const Attention &a, int partials) {
  FunctionEmitter &f = L.task("chunks");
  llvm::IRBuilder<> &b = f.b;
  unsigned lanes = f.m.target.lanes();
  llvm::Value *h = f.ptr(L.operand(0)), *alpha = f.ptr(L.result(1));
  llvm::Value *mask = a.mask ? f.ptr(a.mask) : nullptr, *q = a.additive ? nullptr : f.ptr(L.operand(1));
  int64_t D = *a.D.constant();
  llvm::Value *T = f.dim(a.T), *part = f.framePointer(partials);
  llvm::Value *scores = f.stackArray(f.f32Type(), kChunk);
  bool dense = a.additive && denseScores(f, a), rowsInLanes = a.additive && !dense;
  llvm::Value *partial = rowsInLanes ? f.stackArray(f.f32Type(), kChunk * lanes) : nullptr;
  llvm::Value *u = rowsInLanes ? f.stackArray(f.f32Type(), kChunk * gemmBlocking(f.m.target, a.A).vectors * lanes) : nullptr;
  constexpr float minusInfinity = -std::numeric_limits<float>::infinity();
  forEachItem(L, f, a, [&](llvm::Value *item, llvm::Value *row, llvm::Value *begin, llvm::Value *end) {
    llvm::Value *base = b.CreateMul(row, T); // alpha's position of step t: base + t
    llvm::Value *hBase = b.CreateMul(a.batchRow(f, row), T); // h's and the mask's
    if (dense) additiveScoresDense(f, a, h, hBase, begin, end, scores);
    else if (rowsInLanes) additiveScoresTiled(f, a, h, hBase, begin, end, scores, partial, u);
    else dotScoresTiled(f, a, f.gep(f.f32Type(), q, b.CreateMul(row, f.i64(D))), h, hBase, begin, end, scores);
    // alpha gets the raw scores (a finite fill in place of a masked one); in
    // the buffer, dropped scores become -inf. Whole vectors of steps, then
    // the last steps one by one (nothing past the chunk is read or written).
    auto keepScores = [&](llvm::Value *k, unsigned width) {
      auto load = [&](llvm::Value *at) { return width > 1 ? f.loadVector(scores, at, width) : f.loadF32(scores, at); };
      auto store = [&](llvm::Value *e, llvm::Value *to, llvm::Value *at) {
        if (width > 1) f.storeVector(e, to, at);
        else f.storeF32(e, to, at);
      };
      llvm::Value *e = load(k);
      llvm::Value *kept = nullptr;
      if (mask) {
        llvm::Value *at = b.CreateAdd(hBase, b.CreateAdd(begin, k));
        if (width == 1) kept = f.loadElement(DType::Bool, mask, at);
        else {
          llvm::Type *bytes = llvm::FixedVectorType::get(b.getInt8Ty(), width);
          kept = b.CreateICmpNE(b.CreateAlignedLoad(bytes, f.gep(b.getInt8Ty(), mask, at), llvm::Align(1)),
                                llvm::Constant::getNullValue(bytes));
        }
      }
      if (kept && !dropsMasked(a)) e = b.CreateSelect(kept, e, f.constantLike(e, *a.fill));
      if (a.writeAlpha) store(e, alpha, b.CreateAdd(base, b.CreateAdd(begin, k)));
      if (kept) store(dropsMasked(a) ? b.CreateSelect(kept, e, f.constantLike(e, minusInfinity)) : e, scores, k);
    };
    llvm::Value *n = b.CreateSub(end, begin), *whole = b.CreateSDiv(n, f.i64(lanes));
    f.forRange(f.i64(0), whole, [&](llvm::Value *j) { keepScores(b.CreateMul(j, f.i64(lanes)), lanes); });
    f.forRange(b.CreateMul(whole, f.i64(lanes)), n, [&](llvm::Value *k) { keepScores(k, 1); });
    Values ms = softmaxPartials(f, scores, b.CreateSub(end, begin));
    llvm::Value *m = ms[0], *s = ms[1];
    llvm::Value *triple = f.gep(f.f32Type(), part, b.CreateMul(item, f.i64(D + 2)));
    contextTiled(f, a, h, hBase, begin, end, scores,
                 f.gep(f.f32Type(), triple, f.i64(2)));
    f.storeF32(m, triple, f.i64(0));
    f.storeF32(s, triple, f.i64(1));
  });
}

/// Phase 1, step by step (symbolic D, or A of additive): the (m, s, ctx)
/// triple of each (row, chunk) item.
void emitChunks(NodeLowering &L, const Attention &a, int partials) {
  FunctionEmitter &f = L.task("chunks");
  llvm::IRBuilder<> &b = f.b;
  llvm::Value *h = f.ptr(L.operand(0)), *alpha = f.ptr(L.result(1));
  llvm::Value *mask = a.mask ? f.ptr(a.mask) : nullptr, *q = a.additive ? nullptr : f.ptr(L.operand(1));
  llvm::Value *T = f.dim(a.T), *D = f.dim(a.D), *part = f.framePointer(partials);
  llvm::Value *minusInf = f.f32(-std::numeric_limits<float>::infinity());
  forEachItem(L, f, a, [&](llvm::Value *item, llvm::Value *row, llvm::Value *begin, llvm::Value *end) {
    llvm::Value *triple = f.gep(f.f32Type(), part, b.CreateMul(item, b.CreateAdd(D, f.i64(2))));
    llvm::Value *ctx = f.gep(f.f32Type(), triple, f.i64(2));
    f.zeroBytes(ctx, b.CreateMul(D, f.i64(4)));
    llvm::Value *qRow = q ? f.gep(f.f32Type(), q, b.CreateMul(row, D)) : nullptr;
    Values ms = f.forRangeCarry(begin, end, {minusInf, f.f32(0.0f)}, [&](llvm::Value *t, const Values &c) {
      llvm::Value *position = b.CreateAdd(b.CreateMul(row, T), t); // alpha's
      llvm::Value *hPosition = b.CreateAdd(b.CreateMul(a.batchRow(f, row), T), t);
      llvm::Value *maskBit = mask ? f.loadElement(DType::Bool, mask, hPosition) : b.getTrue();
      llvm::Value *kept = dropsMasked(a) ? maskBit : b.getTrue();
      llvm::Value *ht = f.gep(f.f32Type(), h, b.CreateMul(hPosition, D));
      Values next = f.ifThenValues(kept, c, [&] {
        llvm::Value *e = a.additive ? additiveScoreGeneric(f, L.node, ht, D) : dotScore(f, qRow, ht, D);
        if (mask && !dropsMasked(a)) e = b.CreateSelect(maskBit, e, f.f32(*a.fill));
        if (a.writeAlpha) f.storeF32(e, alpha, position);
        return foldScore(f, e, c, ctx, ht, D);
      });
      // A dropped step adds 0 h_t, as contextTiled and the interpreter do.
      f.ifThen(b.CreateNot(kept), [&] {
        f.forRange(f.i64(0), D, [&](llvm::Value *d) {
          f.storeF32(f.fma(f.f32(0.0f), f.loadF32(ht, d), f.loadF32(ctx, d)), ctx, d);
        });
      });
      return next;
    });
    f.storeF32(ms[0], triple, f.i64(0));
    f.storeF32(ms[1], triple, f.i64(1));
  });
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
    // A NaN or +inf among the kept scores makes its chunk's sum NaN (the max
    // skips a NaN, exp(inf - inf) is NaN); PyTorch's row is then NaN
    // everywhere, masked positions too unless the mask came as mask=.
    llvm::Value *nanRow = f.forRangeCarry(f.i64(0), chunks, {b.getFalse()}, [&](llvm::Value *c, const Values &acc) {
      llvm::Value *s = f.loadF32(triple(c), f.i64(1));
      return Values{b.CreateOr(acc[0], b.CreateFCmpUNO(s, s))};
    })[0];
    llvm::Value *nan = f.f32(std::numeric_limits<float>::quiet_NaN());
    f.ifThenElse(nanRow, [&] {
      f.forRange(f.i64(0), D, [&](llvm::Value *d) { f.storeF32(nan, outRow, d); });
      if (!a.writeAlpha) return;
      f.forRange(f.i64(0), T, [&](llvm::Value *t) {
        llvm::Value *zeroed = a.mask && !a.fill
                                  ? b.CreateNot(f.loadElement(DType::Bool, mask, b.CreateAdd(b.CreateMul(a.batchRow(f, row), T), t)))
                                  : b.getFalse();
        f.storeF32(b.CreateSelect(zeroed, f.f32(0.0f), nan), alphaRow, t);
      });
    }, [&] {
      f.ifThenElse(b.CreateFCmpOGT(M, minusInf), [&] {
        // A chunk with nothing kept (m = -inf) weighs 0, without an exp(-inf) (see softmaxPartials).
        auto weight = [&](llvm::Value *c) {
          llvm::Value *m = f.loadF32(triple(c), f.i64(0)), *empty = b.CreateFCmpOEQ(m, minusInf);
          return b.CreateSelect(empty, f.f32(0.0f), f.exp(b.CreateFSub(b.CreateSelect(empty, M, m), M)));
        };
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
          llvm::Value *kept = dropsMasked(a)
                                  ? f.loadElement(DType::Bool, mask, b.CreateAdd(b.CreateMul(a.batchRow(f, row), T), t))
                                  : b.getTrue();
          llvm::Value *p = b.CreateFDiv(f.exp(b.CreateFSub(f.loadF32(alphaRow, t), M)), S);
          f.storeF32(b.CreateSelect(kept, p, f.f32(0.0f)), alphaRow, t);
        });
      }, [&] {
        if (a.fill) { // softmax of -inf everywhere, as PyTorch: NaN
          f.forRange(f.i64(0), D, [&](llvm::Value *d) { f.storeF32(nan, outRow, d); });
          if (a.writeAlpha) f.forRange(f.i64(0), T, [&](llvm::Value *t) { f.storeF32(nan, alphaRow, t); });
          return;
        }
        // Nothing kept: zeros, not 0/0. The chunks' ctx are sums of 0 h_t,
        // zero unless h holds an inf or a NaN, which make it NaN as in the
        // interpreter; so the context is their sum.
        f.zeroBytes(outRow, b.CreateMul(D, f.i64(4)));
        f.forRange(f.i64(0), chunks, [&](llvm::Value *c) {
          llvm::Value *ctx = f.gep(f.f32Type(), triple(c), f.i64(2));
          f.forRange(f.i64(0), D, [&](llvm::Value *d) {
            f.storeF32(b.CreateFAdd(f.loadF32(outRow, d), f.loadF32(ctx, d)), outRow, d);
          });
        });
        if (a.writeAlpha) f.zeroBytes(alphaRow, b.CreateMul(T, f.i64(4)));
      });
    });
  });
  L.runParallel(f, L.entry().dim(a.rows), 16);
}

} // namespace

Status lowerAttention(NodeLowering &L) {
  const ir::DimList &h = L.operand(0)->type.shape;
  Attention a;
  a.additive = L.node.op == ir::OpKind::AdditiveAttention;
  a.writeAlpha = L.result(1)->isUsed();
  a.B = h[0], a.T = h[1], a.D = h[2];
  if (!a.additive && L.operand(1)->type.rank() == 3) a.S = L.operand(1)->type.shape[1];
  a.rows = a.B * a.S;
  size_t maskIndex = a.additive ? 4 : 2;
  if (L.node.operands().size() > maskIndex) a.mask = L.operand(unsigned(maskIndex));
  if (a.mask && L.node.attrs.Fill) a.fill = float(*L.node.attrs.Fill);
  const ir::DimList &w = L.operand(1)->type.shape;
  if (a.additive && w[0].constant() && a.D.constant()) {
    a.A = *w[0].constant();
    a.w = L.pack(L.operand(1), PackKind::Transposed);
    a.bias = L.pack(L.operand(2), PackKind::Padded);
    a.v = L.pack(L.operand(3), PackKind::Padded);
  }
  int partials = L.temporary(ByteSize{a.rows * (a.D + ir::Dim(2)), 4, a.T, kChunk});
  if (a.D.constant() && (!a.additive || a.A)) emitChunksTiled(L, a, partials);
  else emitChunks(L, a, partials);
  emitMerge(L, a, partials);
  return Status::ok();
}

} // namespace attn::llvmcg
