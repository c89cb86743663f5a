// The attention matchers (AttentionPattern.h): one small function per part of
// the pattern and per spelling of it.
#include "passes/AttentionPattern.h"

#include "passes/Pattern.h"

#include <cmath>
#include <optional>

namespace attn::passes {

namespace {

using ir::Dim;
using ir::Node;
using ir::OpKind;
using ir::Value;


/// f32 [B, T, D] with the B and T of the scores.
bool isSequence(const Value *h, const ir::Type &scores) {
  const ir::Type &t = h->type;
  return t.dtype == DType::F32 && t.rank() == 3 && t.shape[0] == scores.shape[0] &&
         t.shape[1] == scores.shape[1];
}

struct WeightedSum {
  Value *h = nullptr;
  Value *context = nullptr;
};

/// From column = unsqueeze(a, 2): sum(column * h, axis=1) or
/// squeeze(transpose(h, 1, 2) @ column, 2).
std::optional<WeightedSum> sumWithColumn(const ir::Graph &g, Value *column,
                                         const ir::Type &scores) {
  for (Node *user : g.users(column)) {
    if (user->op == OpKind::Mul) {
      Value *h = user->operand(0) == column ? user->operand(1) : user->operand(0);
      if (!isSequence(h, scores) || user->result()->type != h->type) continue;
      for (Node *sum : g.users(user->result()))
        if (sum->op == OpKind::Sum && hasAxis(*sum, 1) && !sum->attrs.Keepdim)
          return WeightedSum{h, sum->result()};
    } else if (user->op == OpKind::MatMul && user->operand(1) == column) {
      Node *t = definedBy(user->operand(0), OpKind::Transpose);
      if (!t || !isTransposeOf(*t, 1, 2) || !isSequence(t->operand(0), scores)) continue;
      for (Node *squeeze : g.users(user->result()))
        if (squeeze->op == OpKind::Squeeze && hasAxis(*squeeze, 2))
          return WeightedSum{t->operand(0), squeeze->result()};
    }
  }
  return std::nullopt;
}

/// From row = unsqueeze(a, 1): squeeze(row @ h, 1).
std::optional<WeightedSum> sumWithRow(const ir::Graph &g, Value *row, const ir::Type &scores) {
  for (Node *mm : g.users(row)) {
    if (mm->op != OpKind::MatMul || mm->operand(0) != row || !isSequence(mm->operand(1), scores))
      continue;
    for (Node *squeeze : g.users(mm->result()))
      if (squeeze->op == OpKind::Squeeze && hasAxis(*squeeze, 1))
        return WeightedSum{mm->operand(1), squeeze->result()};
  }
  return std::nullopt;
}

/// c = sum_t a_t h_t among the uses of the attention weights `a`, with h
/// defined before the softmax (so the fused node can take it).
std::optional<WeightedSum> findWeightedSum(const ir::Graph &g, Node &softmax) {
  Value *a = softmax.result();
  for (Node *user : g.users(a)) {
    if (user->op != OpKind::Unsqueeze) continue;
    std::optional<WeightedSum> sum;
    if (hasAxis(*user, 2)) sum = sumWithColumn(g, user->result(), a->type);
    if (hasAxis(*user, 1)) sum = sumWithRow(g, user->result(), a->type);
    if (sum && isDefinedBefore(g, sum->h, &softmax)) return sum;
  }
  return std::nullopt;
}

/// Whether a shift of every score changes the softmax: a fill other than
/// -inf takes the masked scores' place, and the shift does not move it.
bool shiftsMatter(const AttentionMatch &m) { return m.fill && !(std::isinf(*m.fill) && *m.fill < 0); }

/// The additive scores' last step, s = u . v (+ shift) per position, in its spellings.
struct ScoreVector {
  Value *u = nullptr, *v = nullptr;
  bool reshapeV = false;
  Value *shift = nullptr; // the bias of linear(u, V [1, A], c), the same for every t
};
std::optional<ScoreVector> matchScoreVector(Value *s) {
  if (Node *mm = definedBy(s, OpKind::MatMul); mm && mm->operand(1)->type.rank() == 1)
    return ScoreVector{mm->operand(0), mm->operand(1), false};
  if (Node *sum = definedBy(s, OpKind::Sum); sum && hasAxis(*sum, 2) && !sum->attrs.Keepdim) {
    Node *mul = definedBy(sum->operand(0), OpKind::Mul);
    ScoreVector r;
    if (mul && matchEitherOrder(*mul, [&](Value *u, Value *v) {
          if (v->type.rank() != 1 || u->type != mul->result()->type) return false;
          r = {u, v, false};
          return true;
        }))
      return r;
  }
  Node *squeeze = definedBy(s, OpKind::Squeeze);
  if (!squeeze || !hasAxis(*squeeze, 2) || !squeeze->operand(0)->hasOneUse()) return std::nullopt;
  Value *product = squeeze->operand(0);
  if (Node *linear = definedBy(product, OpKind::Linear)) // V [1, A]; its bias shifts every score
    return ScoreVector{linear->operand(0), linear->operand(1), true,
                       linear->operands().size() == 3 ? linear->operand(2) : nullptr};
  if (Node *mm = definedBy(product, OpKind::MatMul); mm && mm->operand(1)->type.rank() == 2)
    return ScoreVector{mm->operand(0), mm->operand(1), true}; // V [A, 1]
  return std::nullopt;
}

/// P = W h + b: linear(h, W [, b]), h @ M, add(either, b).
bool matchProjection(Value *p, AttentionMatch &m, Value *&k, MatchAttempt &attempt) {
  Value *bias = nullptr;
  if (Node *add = definedBy(p, OpKind::Add)) {
    matchEitherOrder(*add, [&](Value *x, Value *b) {
      Node *def = x->kind == Value::Kind::NodeResult ? x->def : nullptr;
      bool product = def && (def->op == OpKind::MatMul ||
                             (def->op == OpKind::Linear && def->operands().size() == 2));
      if (!product || b->type != ir::Type{DType::F32, {x->type.shape.back()}}) return false;
      p = x, bias = b;
      return true;
    });
  }
  if (Node *linear = definedBy(p, OpKind::Linear)) {
    k = linear->operand(0), m.W = linear->operand(1), m.transposeW = false;
    if (linear->operands().size() == 3) bias = linear->operand(2);
  } else if (Node *mm = definedBy(p, OpKind::MatMul); mm && mm->operand(1)->type.rank() == 2) {
    k = mm->operand(0);
    Node *t = definedBy(mm->operand(1), OpKind::Transpose);
    m.transposeW = !(t && isTransposeOf(*t, 0, 1));
    m.W = m.transposeW ? mm->operand(1) : t->operand(0);
  } else {
    return attempt.fail("", "tanh's operand " + describe(p) +
                                " is not W h_t + b (a linear, or @ with a matrix)");
  }
  m.b = bias;
  return true;
}

/// Additive: s = v . tanh(W h_t + b).
bool matchAdditive(Value *s, AttentionMatch &m, MatchAttempt &attempt) {
  auto sv = matchScoreVector(s);
  if (!sv) return attempt.fail("", describe(s) + " is not u @ v with v a vector");
  const ir::Type &u = sv->u->type;
  if (u.rank() != 3 || u.dtype != DType::F32)
    return attempt.fail("", "u = " + describe(sv->u) + " is not [B, T, A]");
  if (!sv->reshapeV && sv->v->type != ir::Type{DType::F32, {u.shape[2]}})
    return attempt.fail("", "v = " + describe(sv->v) + " is " + sv->v->type.str() + ", not f32[" +
                                u.shape[2].str() + "]");
  Node *tanh = definedBy(sv->u, OpKind::Tanh);
  if (!tanh) return attempt.fail("", "no tanh: u = " + describe(sv->u) + " is not tanh(W h_t + b)");
  if (sv->shift && shiftsMatter(m))
    return attempt.fail("", "the bias " + describe(sv->shift) + " of the scores' linear shifts every score but not the fill " +
                                ir::attrValueText(*m.fill) + " of the masked ones (the fused op drops it): with a fill of "
                                "float('-inf') or softmax's mask= it cancels");
  AttentionMatch found = m;
  Value *k = nullptr;
  if (!matchProjection(tanh->operand(0), found, k, attempt)) return false;
  if (k != m.h)
    return attempt.fail("", "the scores are computed from " + describe(k) +
                                " but the weighted sum is over " + describe(m.h));
  if (!found.b && !u.shape[2].isConstant())
    return attempt.fail("", "the projection has no bias and its size " + u.shape[2].str() +
                                " is not constant");
  found.kind = OpKind::AdditiveAttention;
  found.v = sv->v, found.reshapeV = sv->reshapeV;
  m = found;
  return true;
}

/// s_t = k_t . q per batch row, in its spellings: k [B, T, E], q [B, E].
bool matchRowDot(Value *s, Value *&k, Value *&q) {
  if (Node *squeeze = definedBy(s, OpKind::Squeeze)) {
    Node *mm = definedBy(squeeze->operand(0), OpKind::MatMul);
    if (!mm || !mm->result()->hasOneUse()) return false;
    Node *uq = definedBy(mm->operand(hasAxis(*squeeze, 2) ? 1 : 0), OpKind::Unsqueeze);
    if (hasAxis(*squeeze, 2) && uq && hasAxis(*uq, 2)) // k @ unsqueeze(q, 2)
      return k = mm->operand(0), q = uq->operand(0), true;
    Node *t = definedBy(mm->operand(1), OpKind::Transpose);
    if (hasAxis(*squeeze, 1) && uq && hasAxis(*uq, 1) && t && isTransposeOf(*t, 1, 2))
      return k = t->operand(0), q = uq->operand(0), true; // unsqueeze(q, 1) @ transpose(k, 1, 2)
    return false;
  }
  Node *sum = definedBy(s, OpKind::Sum);
  if (!sum || !hasAxis(*sum, 2) || sum->attrs.Keepdim) return false;
  Node *mul = definedBy(sum->operand(0), OpKind::Mul);
  return mul && matchEitherOrder(*mul, [&](Value *x, Value *y) {
           Node *uq = definedBy(y, OpKind::Unsqueeze);
           if (!uq || !hasAxis(*uq, 1) || x->type != mul->result()->type) return false;
           return k = x, q = uq->operand(0), true;
         });
}

/// Luong general keys k = G h_t: linear(h, G) (its bias adds q . b, the same
/// for every t, which the fused op drops) or h @ M (G = M^T); sets m.G and
/// m.transposeG.
bool matchKeyProjection(Value *k, AttentionMatch &m, MatchAttempt &attempt, std::string_view part) {
  if (Node *linear = definedBy(k, OpKind::Linear); linear && linear->operand(0) == m.h) {
    if (linear->operands().size() == 3 && shiftsMatter(m))
      return attempt.fail(part, "the bias " + describe(linear->operand(2)) + " of the keys' linear adds q . b to every "
                                    "score but not to the fill " + ir::attrValueText(*m.fill) +
                                    " of the masked ones (the fused op drops it): with a fill of float('-inf') or "
                                    "softmax's mask= it cancels");
    m.G = linear->operand(1);
    return true;
  }
  Node *mm = definedBy(k, OpKind::MatMul);
  if (!mm || mm->operand(0) != m.h || mm->operand(1)->type.rank() != 2) return false;
  Node *t = definedBy(mm->operand(1), OpKind::Transpose);
  m.transposeG = !(t && isTransposeOf(*t, 0, 1));
  m.G = m.transposeG ? mm->operand(1) : t->operand(0);
  return true;
}

/// Dot: s = q . h_t, or Luong general s = q . (G h_t).
bool matchDot(Value *s, AttentionMatch &m, MatchAttempt &attempt) {
  Value *k = nullptr, *q = nullptr;
  if (!matchRowDot(s, k, q))
    return attempt.fail("", describe(s) + " is not a dot product q . k_t per batch row");
  const ir::Type &st = s->type;
  if (k->type.rank() != 3 || q->type != ir::Type{DType::F32, {st.shape[0], k->type.shape[2]}})
    return attempt.fail("", "the query " + describe(q) + " is not [B, E] for keys " + k->type.str());
  AttentionMatch found = m;
  found.kind = OpKind::DotAttention, found.q = q;
  if (k == m.h) {
    m = found;
    return true;
  }
  if (!matchKeyProjection(k, found, attempt, "")) {
    return attempt.fail("", "the keys " + describe(k) + " are neither the summed " +
                                describe(m.h) + " nor a linear map of it");
  }
  m = found;
  return true;
}

/// Drops scalars added to every score; the pre-softmax scores must have no
/// other use (they would have to be computed anyway). Under a fill other than
/// -inf a constant shift c moves into the fill (F - c), and any other shift
/// keeps the pattern unfused.
Value *stripShifts(Value *s, AttentionMatch &m, MatchAttempt &attempt) {
  for (;;) {
    if (!s->hasOneUse()) {
      attempt.fail("scores", describe(s) +
                                 " has another use, so the pre-softmax scores must be computed anyway");
      return nullptr;
    }
    Node *add = definedBy(s, OpKind::Add);
    Value *inner = nullptr;
    if (add)
      matchEitherOrder(*add, [&](Value *x, Value *c) {
        if (!isSingleElement(c->type) || x->type != s->type) return false;
        return inner = x, true;
      });
    if (!inner) return s;
    if (shiftsMatter(m)) {
      Value *shift = add->operand(0) == inner ? add->operand(1) : add->operand(0);
      Node *c = definedBy(shift, OpKind::Constant);
      if (!c) {
        attempt.fail("scores", "the shift " + describe(shift) + " moves every score but not the fill " +
                                   ir::attrValueText(*m.fill) +
                                   " of the masked ones: with a fill of float('-inf') or softmax's mask= it cancels");
        return nullptr;
      }
      m.fill = *m.fill - c->attrs.Value;
    }
    s = inner;
  }
}

/// A fill of +inf or NaN makes every row with a masked position NaN, which
/// only the unfused softmax computes.
bool checkFill(const AttentionMatch &m, MatchAttempt &attempt) {
  return attempt.require(!m.fill || !(std::isnan(*m.fill) || (*m.fill > 0 && std::isinf(*m.fill))), "mask",
                         "the fill " + (m.fill ? ir::attrValueText(*m.fill) : std::string()) +
                             " makes a row with a masked position NaN, as the unfused softmax computes");
}

/// softmax(where(keep, s, fill)) or softmax(where(drop, fill, s)): the mask
/// and fill into `m`, the scores returned; `s` itself when it is no where.
Value *stripFill(Value *s, AttentionMatch &m) {
  Node *where = definedBy(s, OpKind::Where);
  if (!where || !s->hasOneUse()) return s;
  Value *cond = where->operand(0);
  if (cond->type != ir::Type{DType::Bool, s->type.shape}) return s;
  auto constant = [](Value *v) -> std::optional<double> {
    Node *c = definedBy(v, OpKind::Constant);
    if (!c || !v->type.isScalar()) return std::nullopt;
    return c->attrs.Value;
  };
  if (auto fill = constant(where->operand(2)); fill && where->operand(1)->type == s->type) {
    m.mask = cond, m.fill = fill;
    return where->operand(1);
  }
  if (auto fill = constant(where->operand(1)); fill && where->operand(2)->type == s->type) {
    Node *inverted = definedBy(cond, OpKind::BitwiseNot); // masked_fill(s, ~keep, fill)
    m.mask = inverted ? inverted->operand(0) : cond;
    m.invertMask = !inverted;
    m.fill = fill;
    return where->operand(2);
  }
  return s;
}

/// The keys of multi-query scores s = q @ transpose(k, 1, 2) (PyTorch's
/// torch.bmm(q, k.transpose(1, 2))): q [B, S, E], k [B, T, E].
bool matchQueriesTimesKeys(Value *s, Value *&q, Value *&k) {
  Node *mm = definedBy(s, OpKind::MatMul);
  if (!mm || !s->hasOneUse() || mm->operand(0)->type.rank() != 3) return false;
  Node *t = definedBy(mm->operand(1), OpKind::Transpose);
  if (!t || !isTransposeOf(*t, 1, 2) || t->operand(0)->type.rank() != 3) return false;
  return q = mm->operand(0), k = t->operand(0), true;
}

/// A [B, S, T] mask condition made of one unsqueeze(m, 1) of a bool [B, T]
/// m and any bitwise_nots around either: m, and whether it is inverted.
std::optional<std::pair<Value *, bool>> sharedRowMask(Value *cond, const ir::Type &scores) {
  bool inverted = false, unsqueezed = false;
  for (;;) {
    if (Node *n = definedBy(cond, OpKind::BitwiseNot)) {
      inverted = !inverted, cond = n->operand(0);
    } else if (Node *u = definedBy(cond, OpKind::Unsqueeze); u && !unsqueezed && hasAxis(*u, 1)) {
      unsqueezed = true, cond = u->operand(0);
    } else {
      break;
    }
  }
  if (!unsqueezed || cond->type != ir::Type{DType::Bool, {scores.shape[0], scores.shape[2]}}) return std::nullopt;
  return std::make_pair(cond, inverted);
}

/// All S queries of a batch row at once (a teacher-forced decoder):
/// softmax over axis 2 of [B, S, T] scores q @ transpose(k, 1, 2), the
/// weighted sum a @ h, masks where(unsqueeze(keep, 1), s, F) and their
/// masked_fill spellings.
Result<AttentionMatch> matchMultiQuery(const ir::Graph &graph, Node &softmax) {
  AttentionMatch m;
  m.softmax = &softmax;
  m.kind = OpKind::DotAttention;
  MatchAttempt attempt;
  auto mismatch = [&] { return Status::error(attempt.reason()); };
  Value *s = softmax.operand(0), *a = softmax.result();
  const ir::Type &st = s->type;
  if (!attempt.require(softmax.numOperands() == 1, "mask",
                       "a [B, S, T] softmax takes its mask as masked_fill or where, not mask="))
    return mismatch();
  for (Node *user : graph.users(a))
    if (user->op == OpKind::MatMul && user->operand(0) == a) {
      Value *h = user->operand(1);
      const ir::Type &ht = h->type;
      if (ht.dtype == DType::F32 && ht.rank() == 3 && ht.shape[0] == st.shape[0] && ht.shape[1] == st.shape[2] &&
          isDefinedBefore(graph, h, &softmax))
        m.h = h, m.context = user->result();
    }
  if (!m.h) {
    attempt.fail("weighted sum", "no use of the [B, S, T] weights is a @ h (torch.bmm(a, h)) with h [B, T, D]");
    return mismatch();
  }
  if (Node *where = definedBy(s, OpKind::Where); where && s->hasOneUse()) {
    Node *fill = nullptr;
    bool keepIsCond = false;
    if ((fill = definedBy(where->operand(2), OpKind::Constant)) && where->operand(1)->type == st) keepIsCond = true;
    else if (!(fill = definedBy(where->operand(1), OpKind::Constant)) || where->operand(2)->type != st) fill = nullptr;
    auto mask = fill ? sharedRowMask(where->operand(0), st) : std::nullopt;
    if (!mask) {
      attempt.fail("mask", "the where around the scores is not masked_fill(s, ~m.unsqueeze(1), fill) with m bool[B, T]"
                           " and a constant fill");
      return mismatch();
    }
    m.mask = mask->first, m.invertMask = mask->second == keepIsCond, m.fill = fill->attrs.Value;
    s = where->operand(keepIsCond ? 1 : 2);
  }
  if (!checkFill(m, attempt)) return mismatch();
  Value *scores = stripShifts(s, m, attempt);
  if (!scores) return mismatch();
  Value *q = nullptr, *k = nullptr;
  if (!matchQueriesTimesKeys(scores, q, k)) {
    attempt.fail("scores", describe(scores) + " is not torch.bmm(q, k.transpose(1, 2)) with q [B, S, E]");
    return mismatch();
  }
  if (q->type.shape[0] != st.shape[0] || q->type.shape[1] != st.shape[1]) {
    attempt.fail("scores", "the queries " + describe(q) + " are not [B, S, E] for scores " + st.str());
    return mismatch();
  }
  m.q = q;
  if (k == m.h) return m;
  if (!matchKeyProjection(k, m, attempt, "scores")) {
    attempt.fail("scores", "the keys " + describe(k) + " are neither the summed " + describe(m.h) +
                               " nor a linear map of it");
    return mismatch();
  }
  return m;
}

} // namespace

Result<AttentionMatch> matchAttention(const ir::Graph &graph, ir::Node &softmax) {
  AttentionMatch m;
  m.softmax = &softmax;
  MatchAttempt attempt;
  auto mismatch = [&] { return Status::error(attempt.reason()); };
  Value *s = softmax.operand(0);
  const ir::Type &st = s->type;
  if (st.rank() == 3 && hasAxis(softmax, 2)) return matchMultiQuery(graph, softmax);
  if (!attempt.require(st.rank() == 2, "softmax",
                       "the scores are " + st.str() +
                           ", not [B, T] (canonicalize turns [B, T, 1] scores into [B, T])") ||
      !attempt.require(hasAxis(softmax, 1), "softmax",
                       "over axis 0 of " + st.str() +
                           ", the batch axis; attention normalises over time, axis 1"))
    return mismatch();
  if (softmax.numOperands() == 2) {
    m.mask = softmax.operand(1);
    if (!attempt.require(m.mask->type == ir::Type{DType::Bool, st.shape}, "mask",
                         describe(m.mask) + " is " + m.mask->type.str() +
                             "; the fused ops take a mask of the scores' shape, bool" +
                             ir::dimsToString(st.shape)))
      return mismatch();
  }
  auto sum = findWeightedSum(graph, softmax);
  if (!sum) {
    attempt.fail("weighted sum",
                 "no use of the weights is a sum over time of a_t h_t for an h of shape [B, T, D] "
                 "(sum(unsqueeze(a, 2) * h, axis=1), unsqueeze(a, 1) @ h, or "
                 "transpose(h, 1, 2) @ unsqueeze(a, 2))");
    return mismatch();
  }
  m.h = sum->h, m.context = sum->context;
  if (!m.mask) s = stripFill(s, m);
  if (!checkFill(m, attempt)) return mismatch();
  Value *scores = stripShifts(s, m, attempt);
  if (!scores) return mismatch();
  MatchAttempt additive, dot;
  if (matchAdditive(scores, m, additive) || matchDot(scores, m, dot)) return m;
  attempt.fail("scores", "neither additive v . tanh(W h_t + b) (" + additive.reason() +
                             ") nor dot q . h_t (" + dot.reason() + "); spellings that fuse: " +
                             "v(tanh(W(h))).squeeze(-1), tanh(h @ M + b) @ v, "
                             "torch.bmm(h, q.unsqueeze(2)).squeeze(2), (h * q.unsqueeze(1)).sum(dim=2), "
                             "each optionally under where(mask, s, fill) or s.masked_fill(~mask, fill)");
  return mismatch();
}

} // namespace attn::passes
