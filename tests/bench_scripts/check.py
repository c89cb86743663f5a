#!/usr/bin/python3
"""Self-check of bench/compare.py and bench/plot.py on the synthetic files in
this folder; by hand, not part of CI (matplotlib is an optional dependency):

    /usr/bin/python3 tests/bench_scripts/check.py

sample_attnc.json / sample_pytorch.json: attnc's columns out of order (interp
and unfused first), shape keys in another order than PyTorch's, a define
written as a string ("128"), a row that only PyTorch measured;
expected_table.md is the table compare.py must print.
sample_gbench.json: repeated runs whose "_median" aggregate differs from the
median of the runs, a failed run, a missing variant and names to skip.
"""

import sys

sys.dont_write_bytecode = True

import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench")
sys.path.insert(0, BENCH)

import plot  # noqa: E402

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def run(script, *args):
    return subprocess.run([sys.executable, os.path.join(BENCH, script), *args],
                          capture_output=True, text=True)


def check_compare(directory):
    samples = [os.path.join(HERE, n) for n in ["sample_attnc.json", "sample_pytorch.json"]]
    result = run("compare.py", *samples)
    with open(os.path.join(HERE, "expected_table.md")) as f:
        check(result.returncode == 0 and result.stdout == f.read(),
              f"compare.py's table differs from expected_table.md:\n{result.stdout}{result.stderr}")
    bad = os.path.join(directory, "bad.json")
    with open(bad, "w") as f:
        json.dump({"records": [{"model": "x"}]}, f)
    result = run("compare.py", bad)
    check(result.returncode == 1 and "has no fn, backend, median_ms" in result.stderr,
          f"compare.py on a bad record: {result.returncode} {result.stderr}")


def check_plot(directory):
    with open(os.path.join(HERE, "sample_gbench.json")) as f:
        document = json.load(f)
    attention, linear = plot.parse(plot.counter_values(document["benchmarks"]))
    check(sorted(attention) == [("additive", 32, 128), ("dot", 8, 64)],
          f"attention figures: {sorted(attention)}")
    additive = attention[("additive", 32, 128)]
    check(sorted(additive) == sorted(plot.ATTENTION_VARIANTS), f"variants: {sorted(additive)}")
    check(additive["llvm_fused"] == {16: 7.742, 64: 22.124, 256: 34.359},
          f"the _median aggregates: {additive['llvm_fused']}")
    dot = attention[("dot", 8, 64)]
    check(sorted(dot["llvm_fused"]) == [32, 64] and "dnnl_matmul_tanh" not in dot,
          f"dot: failed run or missing variant: {dot}")
    check(sorted(linear) == [1, 32, 4096] and sorted(linear[32]) == ["dnnl", "libxsmm", "llvm"],
          f"linear: {linear}")
    check(plot.context_peak(document) == 96.0, "fma_peak_gflops from the context")

    result = run("plot.py", os.path.join(HERE, "sample_gbench.json"), "-o", directory)
    names = ["attention_additive_B32_T128.png", "attention_dot_B8_T64.png", "linear.png"]
    check(result.returncode == 0, f"plot.py failed: {result.stderr}")
    for name in names:
        path = os.path.join(directory, name)
        with open(path, "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{name} is not a PNG")
    check(sorted(n for n in os.listdir(directory) if n.endswith(".png")) == sorted(names),
          f"PNGs written: {sorted(os.listdir(directory))}")


def main():
    with tempfile.TemporaryDirectory() as directory:
        check_compare(directory)
        check_plot(directory)
    for failure in failures:
        print(f"FAIL: {failure}")
    print("ok" if not failures else f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
