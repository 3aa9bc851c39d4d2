"""Progress display: cost of cogind's own line (io/progress.py) against tqdm and rich.progress
(issue 22), per batch and on a whole compute.

    python benchmarks/bench_progress.py [--calls 100000]

Per batch: the time of one ``update`` on a terminal-like stream (redraws at most every 0.2 s
for all three), and each library's import time (median of 5 fresh processes). Libraries not
installed are skipped (``pip install tqdm rich``: neither is a dependency of cogind). With
cogind installed, also the sample's compute with and without the line drawn.
"""
from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time


class Terminal(io.StringIO):
    def isatty(self):
        return True


def per_call(update, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        update()
    return (time.perf_counter() - start) / calls * 1e6


def ours(calls: int) -> float | None:
    try:
        import pyarrow as pa

        from cogind.io.progress import Progress
    except ImportError:
        return None
    bar = Progress(show=True, stream=Terminal())
    batch = pa.record_batch({"x": pa.array([1, 2, 3])})
    with bar.reading("ij"):
        return per_call(lambda: bar.batch(batch), calls)


def with_tqdm(calls: int) -> float | None:
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    bar = tqdm(total=calls * 3, file=Terminal(), unit=" lignes", mininterval=0.2)
    try:
        return per_call(lambda: bar.update(3), calls)
    finally:
        bar.close()


def with_rich(calls: int) -> float | None:
    try:
        from rich.console import Console
        from rich.progress import Progress as RichProgress
    except ImportError:
        return None
    console = Console(file=Terminal(), force_terminal=True)
    with RichProgress(console=console, refresh_per_second=5) as bar:
        task = bar.add_task("ij", total=calls * 3)
        return per_call(lambda: bar.update(task, advance=3), calls)


def import_ms(stmt: str, setup: str = "") -> float | None:
    """Median import time of ``stmt`` in a fresh process after ``setup`` (what compute has
    already imported when it draws: pyarrow and cogind's engine)."""
    code = (f"{setup}; import time; t = time.perf_counter(); {stmt}; "
            "print(time.perf_counter() - t)")
    runs = []
    for _ in range(5):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=False)
        if r.returncode:
            return None
        runs.append(float(r.stdout))
    return 1000 * statistics.median(runs)


def compute_seconds(show: bool, repeat: int = 5) -> float | None:
    try:
        import cogind
        from cogind.cli.common import sample_path
        from cogind.io.progress import Progress
    except ImportError:
        return None
    cogind.compute(sample_path(), period="year")  # warm-up: JIT and OS cache
    times = []
    for _ in range(repeat):
        bar = Progress(show=show, stream=Terminal())
        start = time.perf_counter()
        cogind.compute(sample_path(), period="year", progress=bar)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    engine = "import pyarrow, cogind.io.readers"
    rows = [("cogind (io/progress.py)", ours, "import cogind.io.progress"),
            ("tqdm", with_tqdm, "import tqdm"),
            ("rich.progress", with_rich, "import rich.progress")]
    for name, fn, stmt in rows:
        us, ms = fn(args.calls), import_ms(stmt, engine if "cogind" in stmt else "pass")
        if us is None:
            print(f"{name:24} not installed")
        else:
            print(f"{name:24} {us:6.2f} µs per batch   import {ms:6.1f} ms (after what "
                  "compute has loaded)")
    off, on = compute_seconds(False), compute_seconds(True)
    if off is not None:
        print(f"sample compute (year): {off:.3f} s without the line, {on:.3f} s with it")


if __name__ == "__main__":
    main()
