"""Start-up time of the installed ``cogind`` console script, each run in a fresh process.

    python benchmarks/bench_cli_startup.py [--repeat 9]

Runs ``cogind --version``, ``cogind --help`` and ``cogind list`` (and ``cogind compute --help``)
``--repeat`` times each after one warm-up (OS cache warm), and prints the median, min and max
wall time, with the goals of issue 19 (--version and --help under 0.3 s, list under 0.6 s).
Also prints the modules the fast commands must not import (numba, pyarrow, matplotlib).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "cogind --version": (["--version"], 0.3),
    "cogind --help": (["--help"], 0.3),
    "cogind compute --help": (["compute", "--help"], 0.3),
    "cogind list": (["list"], 0.6),
}
HEAVY = ("numba", "pyarrow", "matplotlib")


def script() -> str:
    found = shutil.which("cogind", path=os.path.dirname(sys.executable)) or shutil.which("cogind")
    if found is None:
        sys.exit("cogind is not installed in this environment (pip install -e .)")
    return found


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def heavy_imports(argv: list[str]) -> list[str]:
    """Heavy modules ``argv`` imports (from ``python -X importtime``)."""
    run = subprocess.run([sys.executable, "-X", "importtime", *argv], capture_output=True,
                         text=True, check=True)
    names = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()}
    return [m for m in HEAVY if m in names]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    exe = script()
    print(f"{'command':<24} {'median':>8} {'min':>7} {'max':>7} {'goal':>6}  heavy imports")
    for label, (argv, goal) in COMMANDS.items():
        timed([exe, *argv])  # warm-up
        times = [timed([exe, *argv]) for _ in range(args.repeat)]
        heavy = ", ".join(heavy_imports([exe, *argv])) or "none"
        print(f"{label:<24} {statistics.median(times):>7.3f}s {min(times):>6.3f}s "
              f"{max(times):>6.3f}s {goal:>5.1f}s  {heavy}")
    print(f"load average after: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
