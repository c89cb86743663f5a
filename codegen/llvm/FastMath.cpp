// exp, tanh, sigmoid and log for generated code: polynomial approximations
// built from IEEE arithmetic, selects and integer bit operations only, so the
// loop vectoriser can widen them and no libm call runs per element. The same
// instructions serve scalars and vectors, so a vectorised loop and its scalar
// remainder agree bit for bit. The coefficients of exp, sigmoid and log are
// Cephes' (S. Moshier); tanh's and erf's are minimax rational fits.
// LLVMFastMathTest measures the error against libm over a dense sweep.
//
//   exp(x)  = 2^n * p(r), n = round(x / ln 2), r = x - n ln 2 (ln 2 split in
//             two parts so n*C1 is exact), p a degree-7 polynomial; 2^n is
//             applied as two exact power-of-two factors so that results in
//             the subnormal range round once. Inputs are clamped to
//             [-104, 89] (beyond: 0 and +inf); NaN is passed through.
//   tanh(x) = y P(y^2) / Q(y^2), y = x clamped to [-9.1, 9.1] (tanh rounds
//             to +-1 from 9.01 on), P and Q of degrees 6 and 3 in y^2: a
//             minimax fit of the relative error over [0, 9.1] (8.4e-9 before
//             f32 rounding; scripts/fit-tanh.py makes it). 14 vector
//             operations, one a division, where the formula before it (a
//             polynomial near 0, else 1 - 2/(exp(2|x|) + 1)) took 33: the
//             fused additive attention is bound by the operations it issues
//             per element. Measured on every f32: 5.4 ulp with FMA, 6.2
//             without, from the f32 evaluation (the fit itself is 0.14 ulp).
//   sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) below, e = exp(-|x|):
//             no overflow, and subnormal results where exp gives them.
//   log(x)  = e ln 2 + log(m), m in [sqrt(1/2), sqrt(2)) from the exponent
//             bits (subnormals scaled by 2^23 first); 0 -> -inf, x < 0 -> NaN.
//   erf(x)  = x p(x^2) / q(x^2), degrees 6 and 4 (a minimax rational fit over
//             [-4, 4], max abs error 6.5e-8), and sign(x) for |x| >= 3.92,
//             where erf rounds to +-1 in f32.
//   gelu(x) = x/2 (1 + erf(x / sqrt 2)), torch's approximate='none', computed
//             the way PyTorch's CPU kernel does (so the cancellation of
//             1 + erf for x << 0 is the same); measured |error| <= 1.8e-7
//             (1 + |x|), most of it the f32 rounding of 1 + erf.
#include "codegen/llvm/Codegen.h"
#include "codegen/llvm/FastMathConstants.h"

#include <span>

namespace attn::llvmcg {

namespace {

/// Horner's scheme: c[0] + x (c[1] + x (c[2] + ...)), highest term last.
llvm::Value *polynomial(FunctionEmitter &f, llvm::Value *x, std::span<const float> c) {
  const float *coefficients = c.data();
  size_t n = c.size();
  llvm::Value *h = f.constantLike(x, coefficients[n - 1]);
  for (size_t k = n - 1; k-- > 0;) h = f.fma(h, x, f.constantLike(x, coefficients[k]));
  return h;
}
llvm::Value *polynomial(FunctionEmitter &f, llvm::Value *x, std::initializer_list<float> c) {
  return polynomial(f, x, std::span<const float>(c.begin(), c.size()));
}

/// The integer type matching x (i32 or a vector of i32).
llvm::Type *intLike(FunctionEmitter &f, llvm::Value *x) {
  llvm::Type *i32 = f.b.getInt32Ty();
  if (auto *v = llvm::dyn_cast<llvm::FixedVectorType>(x->getType()))
    return llvm::FixedVectorType::get(i32, v->getNumElements());
  return i32;
}

llvm::Value *intConstant(FunctionEmitter &f, llvm::Value *x, int32_t v) {
  return llvm::ConstantInt::get(intLike(f, x), uint64_t(uint32_t(v)));
}

/// 2^k for integer k in [-126, 127], built from the exponent bits.
llvm::Value *powerOfTwo(FunctionEmitter &f, llvm::Value *k, llvm::Type *floatType) {
  llvm::Value *biased = f.b.CreateAdd(k, llvm::ConstantInt::get(k->getType(), 127));
  return f.b.CreateBitCast(f.b.CreateShl(biased, llvm::ConstantInt::get(k->getType(), 23)), floatType);
}

llvm::Value *isNaN(FunctionEmitter &f, llvm::Value *x) { return f.b.CreateFCmpUNO(x, x); }

} // namespace

llvm::Value *FunctionEmitter::exp(llvm::Value *x) {
  using namespace fastmath;
  llvm::Value *clamped = min(max(x, constantLike(x, kExpMin)), constantLike(x, kExpMax));
  // Round to nearest by adding and removing 1.5 * 2^23 (|v| < 2^22 here).
  llvm::Value *magic = constantLike(x, 12582912.0f);
  llvm::Value *scaled = b.CreateFMul(clamped, constantLike(x, kLog2E));
  llvm::Value *n = b.CreateFSub(b.CreateFAdd(scaled, magic), magic);
  llvm::Value *r = fma(n, constantLike(x, -kLn2High), clamped);
  r = fma(n, constantLike(x, -kLn2Low), r);
  llvm::Value *r2 = b.CreateFMul(r, r);
  llvm::Value *p = polynomial(*this, r, kExpP);
  p = b.CreateFAdd(fma(p, r2, r), constantLike(x, 1.0f));
  llvm::Value *k = b.CreateFPToSI(n, intLike(*this, x));
  llvm::Value *half = b.CreateAShr(k, intConstant(*this, x, 1));
  llvm::Value *rest = b.CreateSub(k, half);
  llvm::Value *result = b.CreateFMul(b.CreateFMul(p, powerOfTwo(*this, half, x->getType())),
                                     powerOfTwo(*this, rest, x->getType()));
  return b.CreateSelect(isNaN(*this, x), x, result);
}

llvm::Value *FunctionEmitter::tanh(llvm::Value *x) {
  // NaN passes both selects; +-inf and large |x| become +-9.1, whose result rounds to +-1.
  using namespace fastmath;
  llvm::Value *limit = constantLike(x, kTanhLimit), *negativeLimit = constantLike(x, -kTanhLimit);
  llvm::Value *y = b.CreateSelect(b.CreateFCmpOGT(x, limit), limit, x);
  y = b.CreateSelect(b.CreateFCmpOLT(y, negativeLimit), negativeLimit, y);
  llvm::Value *z = b.CreateFMul(y, y);
  llvm::Value *p = polynomial(*this, z, kTanhP);
  llvm::Value *q = polynomial(*this, z, kTanhQ);
  return b.CreateFDiv(b.CreateFMul(y, p), q);
}

llvm::Value *FunctionEmitter::sigmoid(llvm::Value *x) {
  llvm::Value *one = constantLike(x, 1.0f);
  llvm::Value *e = exp(b.CreateFNeg(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x)));
  llvm::Value *numerator = b.CreateSelect(b.CreateFCmpOLT(x, constantLike(x, 0.0f)), e, one);
  return b.CreateFDiv(numerator, b.CreateFAdd(one, e));
}

llvm::Value *FunctionEmitter::erf(llvm::Value *x) {
  llvm::Value *x2 = b.CreateFMul(x, x);
  llvm::Value *p = polynomial(*this, x2,
                              {-1.60960333262415e-02f, -2.95459980854025e-03f, -7.34990630326855e-04f,
                               -5.69250639462346e-05f, -2.10102402082508e-06f, 2.77068142495902e-08f,
                               -2.72614225801306e-10f});
  llvm::Value *q = polynomial(*this, x2,
                              {-1.42647390514189e-02f, -7.37332916720468e-03f, -1.68282697438203e-03f,
                               -2.13374055278905e-04f, -1.45660718464996e-05f});
  llvm::Value *ratio = b.CreateFDiv(b.CreateFMul(x, p), q);
  llvm::Value *saturated = b.CreateIntrinsic(llvm::Intrinsic::copysign, {x->getType()}, {constantLike(x, 1.0f), x});
  llvm::Value *large = b.CreateFCmpOGE(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x), constantLike(x, 3.92f));
  return b.CreateSelect(large, saturated, ratio); // NaN: the compare is false, the ratio NaN
}

llvm::Value *FunctionEmitter::gelu(llvm::Value *x) {
  llvm::Value *e = erf(b.CreateFMul(x, constantLike(x, 0.70710678118654752f)));
  return b.CreateFMul(b.CreateFMul(constantLike(x, 0.5f), x), b.CreateFAdd(constantLike(x, 1.0f), e));
}

llvm::Value *FunctionEmitter::log(llvm::Value *x) {
  llvm::Type *floatType = x->getType();
  llvm::Value *subnormal = b.CreateFCmpOLT(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x),
                                           constantLike(x, 1.17549435e-38f));
  llvm::Value *scaled = b.CreateSelect(subnormal, b.CreateFMul(x, constantLike(x, 8388608.0f)), x);
  llvm::Value *bits = b.CreateBitCast(scaled, intLike(*this, x));
  // x = m * 2^e with m in [0.5, 1): e from the exponent field, m by setting it to 126.
  llvm::Value *exponent = b.CreateSub(b.CreateAnd(b.CreateLShr(bits, intConstant(*this, x, 23)),
                                                  intConstant(*this, x, 0xff)),
                                      intConstant(*this, x, 126));
  exponent = b.CreateSub(exponent, b.CreateSelect(subnormal, intConstant(*this, x, 23),
                                                  intConstant(*this, x, 0)));
  llvm::Value *mantissa = b.CreateBitCast(
      b.CreateOr(b.CreateAnd(bits, intConstant(*this, x, int32_t(0x807fffff))),
                 intConstant(*this, x, 0x3f000000)),
      floatType);
  llvm::Value *e = b.CreateSIToFP(exponent, floatType);
  // m < sqrt(1/2): use 2m - 1 and e - 1, so the argument of log1p is small.
  llvm::Value *low = b.CreateFCmpOLT(mantissa, constantLike(x, 0.707106781186547524f));
  llvm::Value *one = constantLike(x, 1.0f);
  llvm::Value *t = b.CreateSelect(low, b.CreateFSub(b.CreateFAdd(mantissa, mantissa), one),
                                  b.CreateFSub(mantissa, one));
  e = b.CreateSelect(low, b.CreateFSub(e, one), e);
  llvm::Value *t2 = b.CreateFMul(t, t);
  llvm::Value *p = polynomial(*this, t,
                              {3.3333331174e-1f, -2.4999993993e-1f, 2.0000714765e-1f,
                               -1.6668057665e-1f, 1.4249322787e-1f, -1.2420140846e-1f,
                               1.1676998740e-1f, -1.1514610310e-1f, 7.0376836292e-2f});
  llvm::Value *y = b.CreateFMul(b.CreateFMul(p, t), t2);
  y = fma(e, constantLike(x, -2.12194440e-4f), y);
  y = fma(t2, constantLike(x, -0.5f), y);
  llvm::Value *result = fma(e, constantLike(x, 0.693359375f), b.CreateFAdd(t, y));
  llvm::Value *inf = constantLike(x, std::numeric_limits<float>::infinity());
  llvm::Value *nan = constantLike(x, std::numeric_limits<float>::quiet_NaN());
  result = b.CreateSelect(b.CreateFCmpOEQ(x, inf), inf, result);
  result = b.CreateSelect(b.CreateFCmpOEQ(x, constantLike(x, 0.0f)), b.CreateFNeg(inf), result);
  result = b.CreateSelect(b.CreateFCmpOLT(x, constantLike(x, 0.0f)), nan, result);
  return b.CreateSelect(isNaN(*this, x), x, result);
}

} // namespace attn::llvmcg
