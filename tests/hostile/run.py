#!/usr/bin/env python3
"""Runs the hostile-input corpus (cases.py) against attnc.

Each case runs in a fresh directory holding its files, under a 20 s timeout
(60 s in sanitizer builds, whose Debug code is many times slower; and,
outside them, a 4 GiB address-space limit), and must
  - exit with its expected code (never by a signal),
  - print exactly its expected stderr (expected.json; a sanitizer report or
    a leak makes it differ),
  - leave every file it was given as it was, and create no file but those
    the case names (nothing half-written).

  run.py --attnc PATH [--sanitized] [--jobs N] [--filter TEXT]
  run.py --attnc PATH --update      rewrites expected.json from this build
"""
import argparse
import concurrent.futures
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cases as corpus  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(HERE, "expected.json")
TIMEOUT_S = 20


def materialise(case, directory):
    """Writes the case's files; returns {name: bytes} of the regular ones."""
    regular = {}
    for name, content in case.files.items():
        path = os.path.join(directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(content, corpus.Fifo):
            os.mkfifo(path)
        elif isinstance(content, corpus.Symlink):
            os.symlink(content.target, path)
        elif isinstance(content, corpus.Directory):
            os.makedirs(path, exist_ok=True)
        else:
            with open(path, "wb") as f:
                f.write(content)
            regular[name] = content
    return regular


def run_case(case, attnc, sanitized):
    directory = tempfile.mkdtemp(prefix="attnc-hostile-")
    try:
        regular = materialise(case, directory)
        before = set(os.listdir(directory))

        def limits():
            if not sanitized and case.address_limit:  # ASan reserves terabytes of address space
                resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
            if case.fsize is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (case.fsize, case.fsize))

        env = dict(os.environ, ATTNC_CACHE_DIR="off")
        timeout = TIMEOUT_S * (3 if sanitized else 1)
        try:
            p = subprocess.run([attnc] + case.args, cwd=directory, input=case.stdin,
                               capture_output=True, timeout=timeout, preexec_fn=limits, env=env)
        except subprocess.TimeoutExpired:
            return {"rc": "timeout", "stderr": ""}, ["timed out after %d s (a hang)" % timeout]
        # The binary's path appears in LLVM's usage messages: not part of the expectation.
        stderr = p.stderr.decode("utf-8", "backslashreplace").replace(attnc, "ATTNC")
        got = {"rc": p.returncode, "stderr": stderr}
        problems = []
        if p.returncode < 0:
            problems.append("killed by signal %d" % -p.returncode)
        for name, content in regular.items():
            path = os.path.join(directory, name)
            if name in case.modifies:
                continue
            if not os.path.isfile(path) or open(path, "rb").read() != content:
                problems.append("changed its input file '%s'" % name)
        for name, content in case.files.items():
            if isinstance(content, corpus.Symlink) and not os.path.islink(os.path.join(directory, name)):
                problems.append("replaced the symbolic link '%s'" % name)
        created = set(os.listdir(directory)) - before
        if created != set(case.creates):
            problems.append("created %s, expected %s" % (sorted(created), sorted(case.creates)))
        if case.stdout is not None and p.stdout != case.stdout:
            problems.append("stdout %r, expected %r" % (p.stdout[:200], case.stdout[:200]))
        return got, problems
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--attnc", required=True)
    parser.add_argument("--sanitized", action="store_true")
    parser.add_argument("--update", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--filter", default="")
    args = parser.parse_args()
    attnc = os.path.abspath(args.attnc)
    cases = [c for c in corpus.CASES if args.filter in c.name]
    names = [c.name for c in corpus.CASES]
    assert len(names) == len(set(names)), "two cases share a name"
    expected = {} if not os.path.exists(EXPECTED) else json.load(open(EXPECTED))

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(lambda c: run_case(c, attnc, args.sanitized), cases))

    failures = 0
    for case, (got, problems) in zip(cases, outcomes):
        if case.rc is not None and got["rc"] != case.rc:
            problems.append("exit code %s, the case says %s" % (got["rc"], case.rc))
        if args.update:
            expected[case.name] = got
        else:
            want = expected.get(case.name)
            if want is None:
                problems.append("no expectation in expected.json (run with --update)")
            elif got != want:
                problems.append("exit %s, expected %s\n    stderr: %r\n    expected: %r"
                                % (got["rc"], want["rc"], got["stderr"], want["stderr"]))
        if problems:
            failures += 1
            print("FAIL %s\n  %s" % (case.name, "\n  ".join(problems)))
    if args.update:
        kept = {n: expected[n] for n in names if n in expected}
        with open(EXPECTED, "w") as f:
            json.dump(kept, f, indent=1, sort_keys=True, ensure_ascii=True)
            f.write("\n")
    print("hostile corpus: %d cases, %d failed" % (len(cases), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
