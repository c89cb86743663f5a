// The constants of FastMath.cpp's tanh and exp, lowest coefficient first,
// without LLVM: FastMath.cpp builds generated code from them, and
// bench/AdditiveFloor.h (the floor of the fused additive kernel) computes
// the same functions with intrinsics, so the two cannot drift apart.
#pragma once

namespace attn::llvmcg::fastmath {

/// tanh(x) = y P(y^2) / Q(y^2), y = x clamped to [-kTanhLimit, kTanhLimit].
inline constexpr float kTanhLimit = 9.1f;
inline constexpr float kTanhP[] = {1.0f, 1.3081012362344054e-1f, 3.1005614270865302e-3f, 1.1117476946919963e-5f,
                                   -2.0067566358584196e-8f, 5.1974926130437108e-11f, -8.2706732962262013e-14f};
inline constexpr float kTanhQ[] = {1.0f, 4.6414340974070099e-1f, 2.4481786582454183e-2f, 2.5411246583238769e-4f};

/// exp(x) = 2^n (1 + r + r^2 p(r)), n = round(x log2 e), r = x - n (kLn2High
/// + kLn2Low), x clamped to [kExpMin, kExpMax].
inline constexpr float kExpMin = -104.0f, kExpMax = 89.0f;
inline constexpr float kLog2E = 1.44269504088896341f, kLn2High = 0.693359375f, kLn2Low = -2.12194440e-4f;
inline constexpr float kExpP[] = {5.0000001201e-1f, 1.6666665459e-1f, 4.1665795894e-2f,
                                  8.3334519073e-3f, 1.3981999507e-3f, 1.9875691500e-4f};

} // namespace attn::llvmcg::fastmath
