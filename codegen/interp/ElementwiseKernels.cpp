// Elementwise kernels that are more than a scalar formula: leaves (constant,
// dim_value), cast, division (integer division can fail) and where.
#include "codegen/interp/Elementwise.h"

namespace attn::interp {

namespace {

/// One element converted as torch's .to(dtype) does: float to integer
/// truncates toward zero, anything to bool is `!= 0`, bool reads as 0 or 1,
/// integers narrow modulo 2^bits. A NaN or out-of-range float has no defined
/// integer in PyTorch; x86 gives the target's minimum, and so do we.
template <typename To, typename From> To convertElement(From v) {
  constexpr bool toBool = std::is_same_v<To, uint8_t>, fromBool = std::is_same_v<From, uint8_t>;
  if constexpr (toBool)
    return v != From(0) ? 1 : 0;
  else if constexpr (fromBool)
    return To(v != 0 ? 1 : 0);
  else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    // Both bounds are powers of two, exact in double; the range is [min, -min).
    constexpr double lowest = double(std::numeric_limits<To>::min());
    double t = std::trunc(double(v));
    if (!(t >= lowest && t < -lowest)) return std::numeric_limits<To>::min();
    return To(t);
  } else
    return To(v);
}

/// Python's `//`: the quotient rounded toward negative infinity (b != 0).
template <typename T> T floorDivide(T a, T b) {
  if (b == T(-1)) return negate(a); // min / -1 overflows; it wraps to min
  T q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

} // namespace

KernelResult constantKernel(const KernelArgs &args) {
  Tensor y = args.makeResult(0);
  visitDType(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    *y.as<T>() = convertElement<T>(args.attrs().Value);
  });
  return results(std::move(y));
}

KernelResult dimValueKernel(const KernelArgs &args) {
  auto bound = args.dims.find(args.attrs().Symbol);
  assert(bound != args.dims.end() && "compileInterpreter checks every dim is bindable");
  Tensor y = args.makeResult(0);
  *y.as<int64_t>() = bound->second;
  return results(std::move(y));
}

KernelResult castKernel(const KernelArgs &args) {
  Tensor y = args.makeResult(0);
  const TensorView &x = args.operand(0);
  visitDType(x.dtype, [&](auto fromZero) {
    using From = decltype(fromZero);
    visitDType(y.dtype(), [&](auto toZero) {
      using To = decltype(toZero);
      const From *in = x.as<From>();
      To *out = y.as<To>();
      for (int64_t i = 0; i < y.numElements(); ++i) out[i] = convertElement<To>(in[i]);
    });
  });
  return results(std::move(y));
}

// Floats divide as IEEE does (x/0 is inf or NaN). The result type of integer
// division is integer, so it is floor division, Python's `//` (what
// torch.div(rounding_mode="floor") and torch.floor_divide compute); dividing
// an integer by zero is an error, as in PyTorch.
KernelResult divKernel(const KernelArgs &args) {
  bool used = numElements(args.resultShapes[0]) > 0; // an empty result reads no divisor
  if (used && isInteger(args.operand(1).dtype))
    for (int64_t i = 0; i < args.operand(1).numElements(); ++i)
      if (integerAt(args.operand(1), i) == 0) return Status::error("div: integer division by zero");
  return zipNumeric(args, [](auto a, auto b) {
    if constexpr (std::is_integral_v<decltype(a)>)
      return floorDivide(a, b);
    else
      return a / b;
  });
}

KernelResult whereKernel(const KernelArgs &args) {
  Tensor y = args.makeResult(0);
  std::vector<int64_t> condAt = broadcastOffsets(args.operand(0).shape, y.shape());
  std::vector<int64_t> aAt = broadcastOffsets(args.operand(1).shape, y.shape());
  std::vector<int64_t> bAt = broadcastOffsets(args.operand(2).shape, y.shape());
  const uint8_t *cond = args.operand(0).as<uint8_t>();
  visitDType(y.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T *a = args.operand(1).as<T>();
    const T *b = args.operand(2).as<T>();
    T *out = y.as<T>();
    for (int64_t i = 0; i < y.numElements(); ++i) out[i] = cond[condAt[i]] ? a[aAt[i]] : b[bAt[i]];
  });
  return results(std::move(y));
}

} // namespace attn::interp
