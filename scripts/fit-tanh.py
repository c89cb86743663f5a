#!/usr/bin/env python3
"""Fits the rational tanh of generated code (codegen/llvm/FastMath.cpp):

    tanh(x) ~ x P(x^2) / Q(x^2),  P(0) = Q(0) = 1,  x in [0, 9.1]

minimising the largest relative error, by least squares on the linearised
error P(z) - g(z) Q(z) (g(x) = tanh(x) / x, z = x^2) at Chebyshev nodes in x,
reweighted after each round by the error each node had (Lawson's iteration,
which converges to the minimax weights). Prints the error per round and the
coefficients, lowest degree first.

    python3 scripts/fit-tanh.py            # the degrees in use: 7 and 4 terms
    python3 scripts/fit-tanh.py 6 4 9.1    # P terms, Q terms, range end

Needs mpmath (Debian: python3-mpmath); the build never runs this.
"""
import sys

import mpmath as mp

mp.mp.dps = 40


def fit(p_terms, q_terms, end, nodes=3000, rounds=8):
    xs = [end * (1 - mp.cos(mp.pi * (k + mp.mpf(0.5)) / nodes)) / 2 for k in range(nodes)]
    gs = [mp.tanh(x) / x for x in xs]
    zs = [x * x for x in xs]
    weights = [mp.mpf(1)] * nodes
    unknowns = (p_terms - 1) + (q_terms - 1)

    def evaluate(c, z):
        r = mp.mpf(0)
        for a in reversed(c):
            r = r * z + a
        return r

    for round_ in range(rounds):
        # Rows scaled by sqrt(weight) / g: the relative error, linearised.
        a = mp.matrix(nodes, unknowns)
        rhs = mp.matrix(nodes, 1)
        for i in range(nodes):
            z, g = zs[i], gs[i]
            s = mp.sqrt(weights[i]) / g
            for j in range(1, p_terms):
                a[i, j - 1] = z**j * s
            for j in range(1, q_terms):
                a[i, p_terms - 2 + j] = -g * z**j * s
            rhs[i] = (g - 1) * s
        solution = mp.qr_solve(a, rhs)[0]
        p = [mp.mpf(1)] + [solution[j] for j in range(p_terms - 1)]
        q = [mp.mpf(1)] + [solution[p_terms - 1 + j] for j in range(q_terms - 1)]
        errors = [(evaluate(p, zs[i]) / evaluate(q, zs[i]) - gs[i]) / gs[i] for i in range(nodes)]
        print(f"round {round_}: max relative error {mp.nstr(max(abs(e) for e in errors), 5)}", flush=True)
        total = mp.fsum(weights[i] * abs(errors[i]) for i in range(nodes))
        weights = [weights[i] * abs(errors[i]) / total * nodes for i in range(nodes)]
    return p, q


def main():
    p_terms = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    q_terms = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    end = mp.mpf(sys.argv[3]) if len(sys.argv) > 3 else mp.mpf("9.1")
    p, q = fit(p_terms, q_terms, end)
    print("P:", ", ".join(mp.nstr(c, 17) for c in p))
    print("Q:", ", ".join(mp.nstr(c, 17) for c in q))


if __name__ == "__main__":
    main()
