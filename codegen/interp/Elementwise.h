// Elementwise kernels as templates over a scalar function, so that Dispatch.cpp
// reads as a table: each elementwise op is one line naming its scalar formula.
// Integer arithmetic wraps around (two's complement) as PyTorch's does,
// instead of overflowing into undefined behaviour.
#pragma once

#include "codegen/interp/Kernel.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace attn::interp {

template <typename T> T wrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return T(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
  else
    return a + b;
}
template <typename T> T wrapSub(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return T(std::make_unsigned_t<T>(a) - std::make_unsigned_t<T>(b));
  else
    return a - b;
}
template <typename T> T wrapMul(T a, T b) {
  if constexpr (std::is_integral_v<T>)
    return T(std::make_unsigned_t<T>(a) * std::make_unsigned_t<T>(b));
  else
    return a * b;
}
template <typename T> T negate(T x) {
  if constexpr (std::is_integral_v<T>)
    return wrapSub(T(0), x);
  else
    return -x;
}
template <typename T> T absolute(T x) {
  if constexpr (std::is_integral_v<T>)
    return x < 0 ? negate(x) : x;
  else
    return std::fabs(x);
}
/// torch.maximum / torch.minimum: a NaN operand gives NaN.
template <typename T> T maximumOf(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  return a < b ? b : a;
}
template <typename T> T minimumOf(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  return b < a ? b : a;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
/// torch.nn.functional.gelu (approximate='none'), in f32 as PyTorch's CPU kernel.
inline float gelu(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }

/// y = f(x) on any numeric dtype; f is generic over the element type.
template <typename F> KernelResult mapNumeric(const KernelArgs &args, F f) {
  Tensor y = args.makeResult(0);
  visitNumeric(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T *x = args.operand(0).as<T>();
    T *out = y.as<T>();
    for (int64_t i = 0; i < y.numElements(); ++i) out[i] = T(f(x[i]));
  });
  return results(std::move(y));
}

/// y = f(a, b) with broadcasting; a and b share a numeric dtype, as y does.
template <typename F> KernelResult zipNumeric(const KernelArgs &args, F f) {
  Tensor y = args.makeResult(0);
  std::vector<int64_t> aAt = broadcastOffsets(args.operand(0).shape, y.shape());
  std::vector<int64_t> bAt = broadcastOffsets(args.operand(1).shape, y.shape());
  visitNumeric(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T *a = args.operand(0).as<T>();
    const T *b = args.operand(1).as<T>();
    T *out = y.as<T>();
    for (int64_t i = 0; i < y.numElements(); ++i) out[i] = T(f(a[aAt[i]], b[bAt[i]]));
  });
  return results(std::move(y));
}

/// bool y = f(a, b) with broadcasting; a and b share any dtype (bool too).
template <typename F> KernelResult compareAny(const KernelArgs &args, F f) {
  Tensor y = args.makeResult(0);
  std::vector<int64_t> aAt = broadcastOffsets(args.operand(0).shape, y.shape());
  std::vector<int64_t> bAt = broadcastOffsets(args.operand(1).shape, y.shape());
  visitDType(args.operand(0).dtype, [&](auto zero) {
    using T = decltype(zero);
    const T *a = args.operand(0).as<T>();
    const T *b = args.operand(1).as<T>();
    uint8_t *out = y.as<uint8_t>();
    for (int64_t i = 0; i < y.numElements(); ++i) out[i] = f(a[aAt[i]], b[bAt[i]]) ? 1 : 0;
  });
  return results(std::move(y));
}

/// & | ~ on bool (0/1 bytes) and integer tensors; shape inference keeps f32 out.
template <typename F> KernelResult bitwise(const KernelArgs &args, F f) {
  Tensor y = args.makeResult(0);
  bool isBool = y.dtype() == DType::Bool;
  size_t arity = args.operands.size(); // not node.numOperands(): a fused step has none
  std::vector<int64_t> aAt = broadcastOffsets(args.operand(0).shape, y.shape());
  std::vector<int64_t> bAt = broadcastOffsets(args.operand(arity - 1).shape, y.shape());
  visitDType(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    if constexpr (std::is_integral_v<T>) {
      const T *a = args.operand(0).as<T>();
      const T *b = args.operand(arity - 1).as<T>();
      T *out = y.as<T>();
      for (int64_t i = 0; i < y.numElements(); ++i) {
        T r = T(f(a[aAt[i]], b[bAt[i]]));
        out[i] = isBool ? T(r & 1) : r; // ~true is false, not 0xFE
      }
    }
  });
  return results(std::move(y));
}

} // namespace attn::interp
