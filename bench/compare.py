#!/usr/bin/python3
"""Joins the JSON of `attnc bench --json` with that of bench/pytorch_baseline.py
into one markdown table (format: bench/README.md):

    /usr/bin/python3 bench/compare.py attnc.json [pytorch.json ...] [-o table.md]

One row per (model, fn, shape, defines, threads); one column of median ms per
(backend, variant); then each column relative to the reference column (the
first attnc column: llvm fused when present, so that it reads 1.00), and
pytorch-eager over the best attnc median of the row. A missing measurement is
a blank cell. The machine of each file is listed above the table.
"""

import sys

sys.dont_write_bytecode = True

import argparse
import json
import os

# attnc columns are ordered by these ranks (unknown ones last), so that the
# reference column is llvm fused whenever attnc measured it.
BACKEND_RANK = {"llvm": 0, "dnnl": 1, "interp": 2}
VARIANT_RANK = {"fused": 0, "unfused": 1}
REQUIRED_KEYS = ["model", "fn", "backend", "median_ms"]
SHAPE_ORDER = ["B", "T", "D", "A"]


def load(path):
    with open(path) as f:
        document = json.load(f)
    if not isinstance(document, dict) or not isinstance(document.get("records"), list):
        raise ValueError(f"{path}: not a benchmark file (no 'records' list)")
    return document


def shape_order(item):
    name = item[0]
    return (SHAPE_ORDER.index(name) if name in SHAPE_ORDER else len(SHAPE_ORDER), name)


def define_value(value):
    """-D values as numbers, whether a tool wrote 128 or "128"."""
    for convert in (int, float):
        try:
            return convert(value)
        except (TypeError, ValueError):
            pass
    return value


def row_key(record):
    """Shape and defines compare as sets of name=value, whatever their order;
    a shape is shown as B, T, D, A, then any other dims."""
    defines = {name: define_value(value) for name, value in record.get("defines", {}).items()}
    return (record["model"], record["fn"],
            tuple(sorted(record.get("shape", {}).items(), key=shape_order)),
            tuple(sorted(defines.items())),
            record.get("threads", 1))


def column_name(record):
    return " ".join(filter(None, [record["backend"], record.get("variant", "")]))


def machine_line(path, document):
    machine = document.get("machine", {})
    parts = [f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores"]
    for key in ["isa", "target", "blas", "torch"]:
        if key in machine:
            parts.append(f"{key} {machine[key]}")
    if machine.get("features"):
        parts.append("features " + " ".join(machine["features"]))
    return f"- **{document.get('tool', '?')}** ({os.path.basename(path)}): " + ", ".join(parts)


def collect(documents):
    """(table: row key -> column -> median ms, attnc columns, other columns)."""
    table, attnc_columns, other_columns = {}, [], []
    for path, document in documents:
        is_attnc = document.get("tool") == "attnc"
        for index, record in enumerate(document["records"]):
            missing = [k for k in REQUIRED_KEYS if not isinstance(record, dict) or k not in record]
            if missing:
                raise ValueError(f"{path}: record {index} has no {', '.join(missing)}")
            column, key = column_name(record), row_key(record)
            columns = attnc_columns if is_attnc else other_columns
            if column not in columns:
                columns.append(column)
            cells = table.setdefault(key, {})
            if column in cells:
                print(f"compare: {path}: a second '{column}' for {format_key(key)}; "
                      "keeping the last", file=sys.stderr)
            cells[column] = record["median_ms"]

    def rank(column):
        backend, _, variant = column.partition(" ")
        return (BACKEND_RANK.get(backend, len(BACKEND_RANK)),
                VARIANT_RANK.get(variant, len(VARIANT_RANK)))

    attnc_columns.sort(key=rank)
    return table, attnc_columns, other_columns


def format_assignments(items):
    return " ".join(f"{name}={value}" for name, value in items)


def format_key(key):
    model, fn, shape, defines, threads = key
    return f"{model}.{fn} {format_assignments(shape)} {format_assignments(defines)} x{threads}"


def format_ms(value):
    return "" if value is None else f"{value:#.4g}"


def format_ratio(numerator, denominator):
    if numerator is None or not denominator:
        return ""
    return f"{numerator / denominator:.2f}"


def markdown_table(table, attnc_columns, other_columns):
    columns = attnc_columns + other_columns
    reference = attnc_columns[0] if attnc_columns else None
    header = ["model", "fn", "shape", "defines", "threads"] + [f"{c} ms" for c in columns]
    if reference:
        header += [f"{c} / {reference}" for c in columns]
    has_eager = "pytorch-eager" in other_columns and attnc_columns
    if has_eager:
        header.append("pytorch-eager / best attnc")
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i < 5 else "---:" for i in range(len(header))) + "|"]

    def sort_key(key):  # model, fn, defines, then shape and threads numerically
        return (key[0], key[1], key[3], [value for _, value in key[2]], key[4])

    for key in sorted(table, key=sort_key):
        cells = table[key]
        model, fn, shape, defines, threads = key
        row = [model, fn, format_assignments(shape), format_assignments(defines), str(threads)]
        row += [format_ms(cells.get(c)) for c in columns]
        if reference:
            row += [format_ratio(cells.get(c), cells.get(reference)) for c in columns]
        if has_eager:
            attnc_times = [cells[c] for c in attnc_columns if c in cells]
            row.append(format_ratio(cells.get("pytorch-eager"),
                                    min(attnc_times) if attnc_times else None))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", metavar="FILE.json",
                        help="attnc's JSON first, then any pytorch_baseline.py JSON")
    parser.add_argument("-o", "--output", help="write the markdown here instead of stdout")
    args = parser.parse_args(argv)

    try:
        documents = [(path, load(path)) for path in args.files]
        table, attnc_columns, other_columns = collect(documents)
    except (OSError, ValueError) as error:
        print(f"compare: {error}", file=sys.stderr)
        return 1
    text = "\n".join(machine_line(path, document) for path, document in documents)
    text += "\n\n" + markdown_table(table, attnc_columns, other_columns) + "\n"
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
