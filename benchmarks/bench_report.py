"""``cogind report --sample``: wall time and file size, each run in a fresh process.

    python benchmarks/bench_report.py [--repeat 5]

Runs the installed ``cogind report --sample -o <tmp>/rapport.html`` once to warm the numba cache
and the OS cache, then ``--repeat`` times, and prints the median, min and max wall time, the
size of the file, and where the CPU time goes in-process (compute, the yearly rows added for yearly
targets, the HTML), against the goals of issue 23: under 5 s and under 2 MB.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench_cli_startup import script

GOAL_SECONDS, GOAL_BYTES = 5.0, 2_000_000


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU user + system) seconds of one run; CPU is what a busy machine does not
    inflate (the report runs on one core but for numba's threads in compute)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def phases() -> dict[str, float]:
    """Seconds of each step of the report in this process (kernels already compiled)."""
    import cogind
    from cogind.cli.common import sample_path
    from cogind.report.html import build_report, with_yearly, yearly_codes

    out, start = {}, time.process_time()
    table = cogind.compute(sample_path(), period="quarter", secret=11)
    out["compute (quarter)"] = time.process_time() - start
    start = time.process_time()
    codes = yearly_codes(table)
    table = with_yearly(table, lambda c: cogind.compute(sample_path(), period="year",
                                                        indicators=c, secret=11))
    out[f"compute (year, {len(codes)} yearly targets)"] = time.process_time() - start
    start = time.process_time()
    build_report(table)
    out["build_report (HTML)"] = time.process_time() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rapport.html"
        argv = [script(), "report", "--sample", "-o", str(path)]
        timed(argv)  # warm-up: numba cache, OS cache
        runs = [timed(argv) for _ in range(args.repeat)]
        size = path.stat().st_size
    times, cpu = [w for w, _ in runs], [c for _, c in runs]
    print(f"cogind report --sample   median {statistics.median(times):.2f} s wall "
          f"(min {min(times):.2f}, max {max(times):.2f}; goal < {GOAL_SECONDS:.0f} s), "
          f"{statistics.median(cpu):.2f} s CPU")
    print(f"file size                {size / 1e6:.2f} MB (goal < {GOAL_BYTES / 1e6:.0f} MB)")
    for label, seconds in phases().items():
        print(f"  {label:<36} {seconds:.2f} s CPU")


if __name__ == "__main__":
    main()
