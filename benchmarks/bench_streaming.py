"""Peak memory of cogind on Parquet claim tables of growing size (issue 10, streaming goal).

Run::

    python benchmarks/bench_streaming.py --sizes 10_000_000,30_000_000,100_000_000 \
        --data-root /tmp/cogind-bench --threads 2

For each size, a child process computes the claim indicators of the suite (FSE_DELAI_D9,
DEPASSEMENT_TAUX) with ``cogind.compute`` on the Parquet file, read batch by batch, and reports
its peak RSS (``ru_maxrss``) and its RSS before computing (interpreter, numba, pyarrow). The
goal: peak RSS does not grow with the input, and stays ≤ 1 GiB at 100 M rows.

Data: the claim table of compare.py's folder for that size when it exists
(``<data-root>/r<rows>-s0-d0.01``), else a claim-only table generated once into
``<data-root>/r<rows>-s0-d0.01-prestations`` (same generator options).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

GOAL_MIB = 1024
INDICATORS = ["FSE_DELAI_D9", "DEPASSEMENT_TAUX"]
YEARS = (2023, 2027)

CHILD = textwrap.dedent("""
    import json, os, resource, sys, time
    import cogind
    path, threads, indicators = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
    registry = cogind.build_registry()
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    before = rss()
    start = time.perf_counter()
    result = cogind.compute({"prestations": path}, cog=None, indicators=indicators,
                            registry=registry, threads=threads)
    seconds = time.perf_counter() - start
    read = cogind.provenance(result)["entrees"]["prestations"]["lignes"]
    print(json.dumps({"seconds": seconds, "rows_read": read, "rss_before_mib": before,
                      "peak_rss_mib": rss(), "result_rows": result.num_rows,
                      "loadavg": os.getloadavg()}))
""")


def claims_file(root: Path, rows: int) -> Path:
    shared = root / f"r{rows}-s0-d0.01" / "prestations.parquet"
    if shared.exists():
        return shared
    folder = root / f"r{rows}-s0-d0.01-prestations"
    if not (folder / "manifest.json").exists():
        from cogind.synth import generate

        print(f"generating {rows:,} claim rows into {folder} ...", flush=True)
        start = time.perf_counter()
        generate(folder, years=YEARS, rows={"prestations": rows}, seed=0, defects=0.01,
                 tables=("prestations",))
        print(f"generated in {time.perf_counter() - start:.0f} s", flush=True)
    return folder / "prestations.parquet"


def measure(path: Path, threads: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(threads),
                           ",".join(INDICATORS)], capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"cogind failed on {path}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="10_000_000,30_000_000,100_000_000")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--data-root", type=Path, default=Path(os.environ.get(
        "COGIND_BENCH_DATA", Path(tempfile.gettempdir()) / "cogind-bench")))
    p.add_argument("--json", type=Path)
    a = p.parse_args(argv)
    a.data_root.mkdir(parents=True, exist_ok=True)
    sizes = [int(s.replace("_", "")) for s in a.sizes.split(",")]
    runs = []
    for rows in sizes:
        path = claims_file(a.data_root, rows)
        r = dict(measure(path, a.threads), rows=rows, file_mib=path.stat().st_size / 2 ** 20)
        runs.append(r)
        print(f"{rows:>12,} rows ({r['file_mib']:.0f} MiB Parquet): {r['seconds']:.1f} s, "
              f"peak RSS {r['peak_rss_mib']:.0f} MiB (before compute {r['rss_before_mib']:.0f}),"
              f" load avg {r['loadavg'][0]:.2f}", flush=True)
    peaks = [r["peak_rss_mib"] for r in runs]
    ok = max(peaks) <= GOAL_MIB
    print(f"peak RSS from {peaks[0]:.0f} to {peaks[-1]:.0f} MiB over {sizes[0]:,}..{sizes[-1]:,} "
          f"rows; goal ≤ {GOAL_MIB} MiB: {'met' if ok else 'NOT met'}")
    if a.json:
        a.json.write_text(json.dumps({"threads": a.threads, "runs": runs}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
