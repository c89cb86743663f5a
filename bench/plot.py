#!/usr/bin/python3
"""Plots the Google Benchmark programs' JSON (`--benchmark_out=FILE` or
`--benchmark_format=json`) as GFLOP/s curves, one PNG per figure:

    /usr/bin/python3 bench/plot.py gbench.json [-o DIR] [--peak GFLOPS]

Benchmark names it reads (anything else is skipped):
    attention/<additive|dot>/<variant>/B:<b>/T:<t>/D:<d>    variant in ATTENTION_VARIANTS
    linear/<llvm|dnnl|libxsmm>/M:<m>/K:<k>
each with the user counter "GFLOP/s". Figures: attention_<block>_B<b>_T<t>.png
(GFLOP/s against D, one line per variant, the oneDNN matmuls dashed as
references) and linear.png (GFLOP/s against K, one panel per M). The FMA peak
is a horizontal line: --peak, else the context key "fma_peak_gflops", else none.
With repetitions, the "_median" aggregates are used; without, the median of
the plain runs.
"""

import sys

sys.dont_write_bytecode = True

import argparse
import json
import os
import re
import statistics

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (after choosing the backend)

ATTENTION_VARIANTS = ["interp", "llvm_unfused", "llvm_fused", "llvm_fused_2threads", "dnnl_matmul", "dnnl_matmul_tanh"]
LINEAR_VARIANTS = ["llvm", "llvm_2threads", "dnnl", "libxsmm"]
REFERENCE_VARIANTS = {"dnnl_matmul", "dnnl_matmul_tanh"}  # drawn dashed
COUNTER = "GFLOP/s"

# Google Benchmark appends "/real_time", "/threads:N", "/repeats:N", ... to a
# name; they are ignored.
ATTENTION_NAME = re.compile(
    r"attention/(?P<block>additive|dot)/(?P<variant>%s)/B:(?P<B>\d+)/T:(?P<T>\d+)/D:(?P<D>\d+)"
    r"(/[a-z_]+(:[0-9.]+)?)*$" % "|".join(ATTENTION_VARIANTS))
LINEAR_NAME = re.compile(
    r"linear/(?P<variant>%s)/M:(?P<M>\d+)/K:(?P<K>\d+)(/[a-z_]+(:[0-9.]+)?)*$"
    % "|".join(LINEAR_VARIANTS))


def counter_values(benchmarks):
    """run name -> GFLOP/s: the "median" aggregate of each run where there is
    one, else the median of its iterations (Google Benchmark repeats a run
    under the same run_name)."""
    medians, iterations = {}, {}
    for entry in benchmarks:
        if COUNTER not in entry or entry.get("error_occurred"):
            continue
        name = entry["name"]
        if entry.get("run_type") == "aggregate":
            if entry.get("aggregate_name") == "median":
                medians[entry.get("run_name", name.removesuffix("_median"))] = entry[COUNTER]
        elif name.endswith("_median"):  # an aggregate from a version without run_type
            medians[name.removesuffix("_median")] = entry[COUNTER]
        else:
            iterations.setdefault(entry.get("run_name", name), []).append(entry[COUNTER])
    values = {name: statistics.median(v) for name, v in iterations.items()}
    values.update(medians)
    return values


def parse(values):
    """(attention: {(block, B, T): {variant: {D: GFLOP/s}}},
        linear: {M: {variant: {K: GFLOP/s}}})"""
    attention, linear = {}, {}
    for name, value in values.items():
        if match := ATTENTION_NAME.match(name):
            figure = (match["block"], int(match["B"]), int(match["T"]))
            curves = attention.setdefault(figure, {})
            curves.setdefault(match["variant"], {})[int(match["D"])] = value
        elif match := LINEAR_NAME.match(name):
            curves = linear.setdefault(int(match["M"]), {})
            curves.setdefault(match["variant"], {})[int(match["K"])] = value
    return attention, linear


def draw_curves(axes, curves, order, peak, xlabel):
    xs = sorted({x for points in curves.values() for x in points})
    for index, variant in enumerate(order):
        if variant not in curves:
            continue
        points = sorted(curves[variant].items())
        style = "--" if variant in REFERENCE_VARIANTS else "-"
        axes.plot([x for x, _ in points], [y for _, y in points], style, marker="o",
                  markersize=4, color=f"C{index}", label=variant)
    if peak:
        axes.axhline(peak, color="black", linestyle=":", linewidth=1,
                     label=f"FMA peak {peak:g}")
    axes.set_xscale("log", base=2)
    axes.set_xticks(xs, [str(x) for x in xs])  # the measured sizes, not powers of 2
    axes.minorticks_off()
    axes.set_xlabel(xlabel)
    axes.set_ylabel(COUNTER)
    axes.set_ylim(bottom=0)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(fontsize="small")


def plot_attention(attention, peak, directory):
    paths = []
    for (block, B, T), curves in sorted(attention.items()):
        figure, axes = plt.subplots(figsize=(7, 4.5))
        draw_curves(axes, curves, ATTENTION_VARIANTS, peak, "D (hidden size)")
        axes.set_title(f"{block} attention, B={B}, T={T}")
        paths.append(save(figure, directory, f"attention_{block}_B{B}_T{T}.png"))
    return paths


def plot_linear(linear, peak, directory):
    if not linear:
        return []
    columns = min(3, len(linear))
    rows = -(-len(linear) // columns)
    figure, grid = plt.subplots(rows, columns, figsize=(5 * columns, 4 * rows),
                                squeeze=False, sharey=True)
    for axes, M in zip(grid.flat, sorted(linear)):
        draw_curves(axes, linear[M], LINEAR_VARIANTS, peak, "K")
        axes.set_title(f"linear, M={M}")
    for axes in list(grid.flat)[len(linear):]:
        axes.set_visible(False)
    return [save(figure, directory, "linear.png")]


def save(figure, directory, name):
    path = os.path.join(directory, name)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def context_peak(document):
    value = document.get("context", {}).get("fma_peak_gflops")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", metavar="GBENCH.json")
    parser.add_argument("-o", "--output-dir", default=".", help="where the PNGs go")
    parser.add_argument("--peak", type=float, help="the FMA peak in GFLOP/s")
    args = parser.parse_args(argv)

    try:
        with open(args.file) as f:
            document = json.load(f)
        benchmarks = document["benchmarks"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"plot: {args.file}: not a Google Benchmark JSON file ({error})", file=sys.stderr)
        return 1
    attention, linear = parse(counter_values(benchmarks))
    if not attention and not linear:
        print(f"plot: {args.file}: no attention/ or linear/ benchmark with a "
              f"'{COUNTER}' counter", file=sys.stderr)
        return 1
    os.makedirs(args.output_dir, exist_ok=True)
    peak = args.peak if args.peak is not None else context_peak(document)
    for path in plot_attention(attention, peak, args.output_dir) + \
            plot_linear(linear, peak, args.output_dir):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
