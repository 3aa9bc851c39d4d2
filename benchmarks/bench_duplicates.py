"""Time and peak memory of the duplicate-key pass (cogind.io.duplicates, issue 17).

Run::

    python benchmarks/bench_duplicates.py                  # 10 M IJ rows
    python benchmarks/bench_duplicates.py --rows 100000000 --data-root /tmp/cogind-bench

An IJ table of ``--rows`` rows (years 2023-2027, defects 1 %: about 1 % of rows are planted
duplicates) is generated once into ``<data-root>/ij-r<rows>-d0.01``. A child process then runs
:func:`cogind.io.duplicates.find_duplicates` on its key (ARR_NUM, IJ_PAI_DTD, PRS_NAT_REF) and
reports the wall time, the duplicate rows found, its RSS before the pass and its peak RSS
(``ru_maxrss``). Past ``SPILL_ROWS`` (4 M) rows the keys go to 64 partition files in the
temporary folder (``TMPDIR``), so peak memory follows one partition, not the table.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import cogind
    from cogind.io.duplicates import find_duplicates
    from cogind.io.readers import open_inputs
    registry = cogind.build_registry()
    tin = open_inputs(sys.argv[1], registry.tables)["ij"]
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    before = rss()
    start = time.perf_counter()
    d = find_duplicates(tin, registry.table("ij").primary_key)
    print(json.dumps({"seconds": round(time.perf_counter() - start, 2), "rows": d.rows,
                      "keys": d.keys, "rss_before_mib": round(before),
                      "peak_rss_mib": round(rss())}))
""")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--data-root", default=os.environ.get("COGIND_BENCH_DATA",
                                                          "/tmp/cogind-bench"))
    args = ap.parse_args()
    folder = Path(args.data_root) / f"ij-r{args.rows}-d0.01"
    if not (folder / "ij.parquet").exists():
        import cogind

        cogind.generate(folder, years=(2023, 2027), rows={"ij": args.rows}, defects=0.01,
                        tables=["ij"])
    out = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True,
                         text=True, check=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps({"table_rows": args.rows, **found}))


if __name__ == "__main__":
    main()
