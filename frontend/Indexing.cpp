// Python subscripts (language.md, "Indexing"): `h_n[-1]`, `x[:, 1:]`,
// `x[..., None]`, `out[:, ::2]`, and an element of a tuple (`hidden[0]`).
// A tensor subscript lowers to slice, squeeze and unsqueeze ops (a step
// other than 1 to one slice per element, concatenated); bounds are dims, so
// `x[:, -1]` of an [B, T, D] value is the slice [T - 1, T) squeezed.
#include "frontend/Builtins.h"

namespace attn::frontend {

namespace {

/// The most elements a stepped slice may pick: each is a slice op.
constexpr int64_t kMaxSteppedElements = 4096;

bool isNoneName(const Expr &e) {
  return e.kind == Expr::Kind::Name && (e.text == "None" || e.text == "none");
}

} // namespace

std::optional<Operand> Sema::lowerIndex(const Expr &e) {
  auto base = lowerValue(*e.elements[0]);
  if (!base) return std::nullopt;
  std::vector<const Expr *> subs;
  for (size_t i = 1; i < e.elements.size(); ++i) subs.push_back(e.elements[i].get());

  if (base->isTuple) {
    const Expr &sub = *subs[0];
    if (subs.size() != 1 || sub.kind == Expr::Kind::Slice || sub.kind == Expr::Kind::Ellipsis) {
      error(sub.loc, "a tuple takes one integer index, as in hidden[0]");
      return std::nullopt;
    }
    auto index = evalInt(sub, "a tuple index");
    if (!index) return std::nullopt;
    int64_t n = int64_t(base->elements.size());
    if (*index < -n || *index >= n) {
      error(sub.loc, "index " + std::to_string(*index) + " is out of range for a tuple of " +
                         std::to_string(n) + " values");
      return std::nullopt;
    }
    Operand element = base->elements[size_t(*index < 0 ? *index + n : *index)];
    element.loc = e.loc;
    return element;
  }
  if (base->isLiteral()) {
    error(e.loc, "a number cannot be indexed");
    return std::nullopt;
  }

  ir::Value *v = base->value;
  const int64_t rank = v->type.rank();
  int64_t consuming = 0;
  const Expr *ellipsis = nullptr;
  for (const Expr *sub : subs) {
    if (sub->kind == Expr::Kind::Ellipsis) {
      if (ellipsis) {
        error(sub->loc, "an index can have only one ellipsis ('...')");
        return std::nullopt;
      }
      ellipsis = sub;
    } else if (!isNoneName(*sub)) {
      ++consuming;
    }
  }
  if (consuming > rank) {
    error(e.loc, "too many indices for " + v->type.str() + ": " + std::to_string(consuming) +
                     " indices for " + std::to_string(rank) + " axes");
    return std::nullopt;
  }

  size_t axis = 0; // in the value built so far
  std::vector<int64_t> squeezed;
  for (const Expr *sub : subs) {
    if (sub->kind == Expr::Kind::Ellipsis) {
      axis += size_t(rank - consuming);
      continue;
    }
    if (isNoneName(*sub)) {
      ir::Attrs a;
      a.Axis = int64_t(axis++);
      v = emit(ir::OpKind::Unsqueeze, {v}, a, sub->loc);
      if (!v) return std::nullopt;
      continue;
    }
    const ir::Dim size = v->type.shape[axis];
    if (sub->kind == Expr::Kind::Slice) {
      int64_t step = 1;
      if (const Expr *s = sub->elements[2].get()) {
        auto given = evalInt(*s, "a slice step");
        if (!given) return std::nullopt;
        if (*given <= 0) {
          error(s->loc, "a slice step must be positive (PyTorch has no negative steps), got " +
                            std::to_string(*given));
          return std::nullopt;
        }
        step = *given;
      }
      std::optional<ir::Dim> start = ir::Dim(0), stop = size;
      if (sub->elements[0]) start = sliceBound(*this, *sub->elements[0], size);
      if (start && sub->elements[1]) stop = sliceBound(*this, *sub->elements[1], size);
      if (!start || !stop) return std::nullopt;
      if (step == 1) {
        if (!(*start == ir::Dim(0) && *stop == size))
          v = sliceOf(*this, v, int64_t(axis), *start, *stop, sub->loc);
      } else {
        auto first = start->constant(), last = stop->constant();
        if (!first || !last) {
          error(sub->loc, "a slice with a step needs constant bounds, but axis " + std::to_string(axis) +
                              " of " + v->type.str() + " has " + size.str() + " elements");
          return std::nullopt;
        }
        int64_t count = *last > *first ? (*last - *first - 1) / step + 1 : 0; // no overflow for a huge step
        if (count > kMaxSteppedElements) {
          error(sub->loc, "a slice with a step may pick at most " + std::to_string(kMaxSteppedElements) +
                              " elements, this one picks " + std::to_string(count));
          return std::nullopt;
        }
        std::vector<ir::Value *> picked;
        for (int64_t k = 0; k < count; ++k) {
          int64_t at = *first + k * step;
          picked.push_back(sliceOf(*this, v, int64_t(axis), ir::Dim(at), ir::Dim(at + 1), sub->loc));
          if (!picked.back()) return std::nullopt;
        }
        if (picked.empty()) {
          v = sliceOf(*this, v, int64_t(axis), *start, *start, sub->loc);
        } else if (picked.size() == 1) {
          v = picked[0];
        } else {
          ir::Attrs a;
          a.Axis = int64_t(axis);
          v = emit(ir::OpKind::Concat, picked, a, sub->loc);
        }
      }
      if (!v) return std::nullopt;
      ++axis;
      continue;
    }
    // An integer index: the slice [i, i + 1), squeezed at the end.
    // x[ids], x[mask], out[torch.arange(B), lengths - 1], x[[0, 2]]: PyTorch's
    // advanced indexing, which attn has no op for.
    if (sub->kind == Expr::Kind::List || computesTensor(*sub)) {
      error(sub->loc, "indexing with a tensor is not supported; index with integers and slices, "
                      "or use embedding, where or masked_fill");
      return std::nullopt;
    }
    auto index = evalDim(*sub);
    if (!index) return std::nullopt;
    ir::Dim start = *index;
    if (auto c = index->constant()) {
      auto n = size.constant();
      if (n && (*c < -*n || *c >= *n)) {
        error(sub->loc, "index " + std::to_string(*c) + " is out of range for axis " +
                            std::to_string(axis) + " of " + v->type.str() + " (size " +
                            std::to_string(*n) + ")");
        return std::nullopt;
      }
      if (*c < 0) start = n ? ir::Dim(*c + *n) : size + *index;
    }
    v = sliceOf(*this, v, int64_t(axis), start, start + ir::Dim(1), sub->loc);
    if (!v) return std::nullopt;
    squeezed.push_back(int64_t(axis++));
  }
  for (auto it = squeezed.rbegin(); it != squeezed.rend(); ++it) {
    ir::Attrs a;
    a.Axis = *it;
    v = emit(ir::OpKind::Squeeze, {v}, a, e.loc);
    if (!v) return std::nullopt;
  }
  return Operand{v, std::nullopt, e.loc};
}

} // namespace attn::frontend
