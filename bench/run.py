"""Run every benchmark in bench/ (each bench_*.py in its own process) and gather BENCH lines.

Each benchmark prints lines ``BENCH <name> <value> <goal> PASS|MISS``; this prints them all
again at the end. ``--quick`` (or CLINSUM_BENCH_QUICK=1) asks benchmarks for smaller sizes;
``-k WORD`` runs only the benchmarks whose file name contains WORD.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("-k", dest="only", default=None, help="only files containing this word")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(HERE.parent), PYTHONUNBUFFERED="1")
    if args.quick:
        env["CLINSUM_BENCH_QUICK"] = "1"
    lines: list[str] = []
    failed: list[str] = []
    for path in sorted(HERE.glob("bench_*.py")):
        if args.only and args.only not in path.name:
            continue
        print(f"== {path.name}", flush=True)
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(path)], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            if line.startswith("BENCH "):
                lines.append(line.rstrip())
        if proc.wait() != 0:
            failed.append(path.name)
        print(f"== {path.name} took {time.perf_counter() - started:.1f} s", flush=True)
    print("\nSummary:")
    for line in lines:
        print(line)
    for name in failed:
        print(f"BENCH {name.removesuffix('.py')} error - MISS")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
