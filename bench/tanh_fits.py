#!/usr/bin/env python3
"""How cheap can an f32 tanh of generated code be, and how accurate is it?

Fits y P(y^2) / Q(y^2) (P(0) = Q(0) = 1, y = x clamped to +-9.1, the form of
codegen/llvm/FastMath.cpp's tanh) to tanh's relative error on (0, 9.1] for each
pair of degrees, by Lawson's iteratively reweighted least squares on the
linearised error, then evaluates the fit as generated code does (f32 Horner
with fused multiply-adds, y P, one division) on the sweep of
tests/unit/llvm/LLVMFastMathTest.cpp and prints the maximum error in ulp and
in absolute terms. The first line is FastMath.cpp's own coefficients.

The operation count is per vector at AVX-512 costs on Intel, where every
512-bit operation takes an FMA slot: clamp 2, y^2 1, the Horner FMAs, y P 1,
the division 3 (docs/performance.md, "The Intel machine", uses it).

    /usr/bin/python3 bench/tanh_fits.py
"""
import numpy as np

LIMIT = 9.1
FASTMATH_P = [1.0, 1.3081012362344054e-1, 3.1005614270865302e-3, 1.1117476946919963e-5,
              -2.0067566358584196e-8, 5.1974926130437108e-11, -8.2706732962262013e-14]
FASTMATH_Q = [1.0, 4.6414340974070099e-1, 2.4481786582454183e-2, 2.5411246583238769e-4]


def fit(p, q, iterations=200):
    """The (P, Q) of degrees p and q in y^2 with the smallest maximum relative error seen."""
    x = np.concatenate([np.geomspace(1e-3, 1, 2000), np.linspace(1, LIMIT, 6000)])
    t, z, s = np.tanh(x), x * x, LIMIT * LIMIT  # s scales z for the conditioning
    a = np.hstack([np.stack([x * (z / s) ** i for i in range(1, p + 1)], 1),
                   -np.stack([t * (z / s) ** j for j in range(1, q + 1)], 1)])
    weights, best = np.ones_like(x) / len(x), None
    for _ in range(iterations):
        w = np.sqrt(weights) / t
        c, *_ = np.linalg.lstsq(a * w[:, None], (t - x) * w, rcond=None)
        P = np.concatenate([[1.0], c[:p] / s ** np.arange(1, p + 1)])
        Q = np.concatenate([[1.0], c[p:] / s ** np.arange(1, q + 1)])
        error = np.abs(x * np.polyval(P[::-1], z) / np.polyval(Q[::-1], z) - t) / t
        if best is None or error.max() < best[0]:
            best = (error.max(), P, Q)
        weights = weights * error
        weights /= weights.sum()
    return best[1], best[2]


def horner_f32(coefficients, z):
    c = np.asarray(coefficients, np.float32)
    r = np.full(z.shape, c[-1], np.float32)
    for k in c[-2::-1]:  # a fused multiply-add: one rounding
        r = (r.astype(np.float64) * z + np.float64(k)).astype(np.float32)
    return r


def evaluate(P, Q, x):
    y = np.clip(x, -LIMIT, LIMIT).astype(np.float32)
    z = (y * y).astype(np.float32)
    return ((y * horner_f32(P, z)).astype(np.float32) / horner_f32(Q, z)).astype(np.float32)


def main():
    x = np.concatenate([np.linspace(-12, 12, 4 << 20), np.linspace(-1e-3, 1e-3, 1 << 18)]).astype(np.float32)
    exact = np.tanh(x.astype(np.float64))
    ulp = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)

    def report(name, P, Q):
        error = np.abs(evaluate(P, Q, x).astype(np.float64) - exact)
        operations = 2 + 1 + (len(P) - 1) + (len(Q) - 1) + 1 + 3
        print(f"{name:<16} {operations:3d} ops a vector   max {np.max(error / ulp):9.1f} ulp   "
              f"max abs {error.max():.2e}")

    report("FastMath.cpp 6/3", FASTMATH_P, FASTMATH_Q)
    for p, q in [(6, 3), (5, 3), (4, 4), (4, 3), (3, 3), (4, 2), (3, 2), (2, 2), (2, 1)]:
        report(f"fit {p}/{q}", *fit(p, q))


if __name__ == "__main__":
    main()
