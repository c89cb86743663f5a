// The attention patterns fuse-attention recognises (language.md, "The
// attention patterns the compiler must recognise"), as matchers over the
// canonical IR. Around one softmax over [B, T] scores, time on axis 1:
//
//   weighted sum  c = sum(unsqueeze(a, 2) * h, axis=1)
//                   | squeeze(unsqueeze(a, 1) @ h, 1)
//                   | squeeze(transpose(h, 1, 2) @ unsqueeze(a, 2), 2)
//   additive      s = tanh(P) @ v | sum(tanh(P) * v, axis=2)
//                   | squeeze(linear(tanh(P), V [1, A]), 2) | squeeze(tanh(P) @ V [A, 1], 2)
//                 P = linear(h, W [, b]) | h @ M [+ b]           (W = M^T)
//   dot           s = squeeze(k @ unsqueeze(q, 2), 2) | sum(k * unsqueeze(q, 1), axis=2)
//                   | squeeze(unsqueeze(q, 1) @ transpose(k, 1, 2), 1)
//                 k = h (Luong dot) | linear(h, W [, b]) | h @ M  (Luong general)
//
// Several queries per batch row (a teacher-forced decoder): softmax over
// axis 2 of [B, S, T] scores q @ transpose(k, 1, 2), weighted sum a @ h, a
// mask masked_fill(s, ~m.unsqueeze(1), F) with m bool [B, T].
//
// A constant added to every score (a bias of shape [1], the `q . b` of the
// general form) does not change the softmax and is dropped. A mask may come
// as softmax's mask= or as PyTorch writes it, scores filled where it is false:
//   where(keep, s, fill) | where(drop, fill, s)   (masked_fill(s, drop, fill))
// with fill a constant; the fused op then carries the fill (attrs.def). A failed match
// says which part (softmax, mask, weighted sum, scores) did not match and why.
#pragma once

#include "ir/Graph.h"
#include "runtime/Status.h"

#include <optional>

namespace attn::passes {

struct AttentionMatch {
  ir::OpKind kind = ir::OpKind::AdditiveAttention; // or DotAttention
  ir::Node *softmax = nullptr;
  ir::Value *h = nullptr;       // [B, T, D]: what the weighted sum sums
  ir::Value *mask = nullptr;    // bool [B, T], or null: true keeps a position
  bool invertMask = false;      // the mask is the `drop` of a where: keep = ~mask
  std::optional<double> fill;   // the where spelling's fill
  ir::Value *context = nullptr; // the weighted sum [B, D]

  // additive: e_t = v . tanh(W h_t + b)
  ir::Value *W = nullptr; // [A, D], or M = W^T [D, A] when transposeW
  bool transposeW = false;
  ir::Value *b = nullptr; // [A]; null when the projection has no bias
  ir::Value *v = nullptr; // [A], or [1, A] / [A, 1] when reshapeV
  bool reshapeV = false;

  // dot: e_t = q . h_t; Luong general: e_t = q . (G h_t), rewritten to q' = q G
  ir::Value *q = nullptr; // [B, D], or [B, A] with G
  ir::Value *G = nullptr; // [A, D], or M = G^T [D, A] when transposeG
  bool transposeG = false;
};

/// The attention around `softmax`, or an error "PART: WHY" naming the part of
/// the pattern that did not match.
Result<AttentionMatch> matchAttention(const ir::Graph &graph, ir::Node &softmax);

} // namespace attn::passes
