"""Time, CPU and peak memory of the duplicate-key pass (cogind.io.duplicates, issue 17).

Run::

    python benchmarks/bench_duplicates.py                        # 10 M IJ rows, generated
    python benchmarks/bench_duplicates.py --rows 100000000 --fast-data
    python -m pytest benchmarks/bench_duplicates.py --benchmark-only   # pytest-benchmark, 10 M

Data: ``cogind generate`` (years 2023-2027, defects 1 %: about 1 % of rows are planted
duplicates) into ``<data-root>/ij-r<rows>-d0.01``; or, with ``--fast-data`` (the generator
is too slow at 100 M), the key columns alone written with NumPy/pyarrow into
``<data-root>/ijkeys-r<rows>``: ARR_NUM = 17-character ids from a bijection of the arrêt number
(4 payments per arrêt, 14 days apart, so every original row is unique), IJ_PAI_DTD and
PRS_NAT_REF functions of it; 1 % of the rows
copy the key of an earlier row (up to 2 M rows back, across row groups), so the duplicate rows
to find are exactly the planted ones (checked). A child process runs
:func:`cogind.io.duplicates.find_duplicates` on the key and reports wall and CPU time, the
duplicate rows found, RSS before the pass and peak RSS (``ru_maxrss``).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    import cogind
    from cogind.io.duplicates import find_duplicates
    from cogind.io.readers import open_inputs
    registry = cogind.build_registry()
    tin = open_inputs(sys.argv[1], registry.tables)["ij"]
    key = registry.table("ij").primary_key
    import pyarrow as pa, pyarrow.parquet as pq
    small = pa.Table.from_batches([next(pq.ParquetFile(sys.argv[1] + "/ij.parquet")
                                        .iter_batches(1000, columns=list(key)))])
    small = small.set_column(0, "ARR_NUM", small["ARR_NUM"].dictionary_encode())
    find_duplicates(open_inputs({"ij": pa.concat_tables([small, small])},
                                registry.tables)["ij"], key)  # numba's cache loaded untimed
    use = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    before, cpu = rss(), use()
    start = time.perf_counter()
    d = find_duplicates(tin, key)
    print(json.dumps({"seconds": round(time.perf_counter() - start, 2),
                      "cpu_seconds": round(use() - cpu, 2), "rows": d.rows, "keys": d.keys,
                      "rss_before_mib": round(before), "peak_rss_mib": round(rss())}))
""")
CHUNK = 1 << 20
PLANTED = 0.01


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _planted(i: np.ndarray) -> np.ndarray:
    r = _mix(i ^ np.uint64(0x5DEECE66D))
    return (r % np.uint64(10_000) < np.uint64(PLANTED * 10_000)) & (i > 0)


def _keys(first: int, n: int):
    """The key columns of rows ``first .. first + n - 1`` and how many of them are planted."""
    import pyarrow as pa

    i = np.arange(first, first + n, dtype=np.uint64)
    planted = _planted(i)
    back = np.maximum(np.minimum(i, np.uint64(2_000_000)), np.uint64(1))
    src = np.where(planted, i - np.uint64(1) - (_mix(i) >> np.uint64(20)) % back, i)
    while True:  # the source of a copy is an original row (row 0 always is)
        again = _planted(src)
        if not again.any():
            break
        src[again] -= np.uint64(1)
    ident = _mix(src // np.uint64(4))  # an arrêt has 4 payments, 14 days apart
    hexes = np.frombuffer(b"0123456789abcdef", np.uint8)
    nibbles = (ident[:, None] >> (np.arange(15, -1, -1, dtype=np.uint64) * 4)) & np.uint64(15)
    chars = np.concatenate([np.full((n, 1), ord("A"), np.uint8), hexes[nibbles]], axis=1)
    arr_num = pa.StringArray.from_buffers(n, pa.py_buffer(np.arange(n + 1, dtype=np.int32) * 17),
                                          pa.py_buffer(chars.tobytes()))
    arret = src // np.uint64(4)
    days = (19358 + _mix(arret + np.uint64(1)) % np.uint64(1770)
            + np.uint64(14) * (src % np.uint64(4))).astype(np.int32)
    natures = np.array([6111, 6112, 6113, 6121], np.int16)[_mix(arret + np.uint64(2)) % 4]
    t = pa.table({"ARR_NUM": arr_num, "IJ_PAI_DTD": pa.array(days).view(pa.date32()),
                  "PRS_NAT_REF": pa.array(natures)})
    return t, int(planted.sum())


def fast_data(folder: Path, rows: int) -> int:
    """Write the key columns of ``rows`` IJ rows; the number of planted duplicates."""
    import pyarrow.parquet as pq

    marker = folder / "planted.json"
    if marker.exists():
        return json.loads(marker.read_text())["planted"]
    folder.mkdir(parents=True, exist_ok=True)
    planted = 0
    writer = None
    for first in range(0, rows, CHUNK):
        t, p = _keys(first, min(CHUNK, rows - first))
        writer = writer or pq.ParquetWriter(folder / "ij.parquet", t.schema)
        writer.write_table(t)
        planted += p
    writer.close()
    marker.write_text(json.dumps({"planted": planted}))
    return planted


def data(rows: int, root: Path, fast: bool) -> tuple[Path, int | None]:
    if fast:
        folder = root / f"ijkeys-r{rows}"
        return folder, fast_data(folder, rows)
    folder = root / f"ij-r{rows}-d0.01"
    if not (folder / "ij.parquet").exists():
        import cogind

        cogind.generate(folder, years=(2023, 2027), rows={"ij": rows}, defects=0.01,
                        tables=["ij"])
    return folder, None


def run(folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--fast-data", action="store_true",
                    help="key columns written with NumPy/pyarrow instead of cogind generate")
    ap.add_argument("--data-root", default=os.environ.get("COGIND_BENCH_DATA",
                                                          "/tmp/cogind-bench"))
    args = ap.parse_args()
    folder, planted = data(args.rows, Path(args.data_root), args.fast_data)
    found = run(folder)
    if planted is not None and found["rows"] != planted:
        sys.exit(f"found {found['rows']} duplicate rows, {planted} planted")
    print(json.dumps({"table_rows": args.rows, "planted": planted, **found,
                      "load_average": os.getloadavg()[0]}))


def test_find_duplicates(benchmark):
    """pytest-benchmark: the pass on COGIND_BENCH_ROWS (default 10 M) fast-data rows."""
    import cogind
    from cogind.io.duplicates import find_duplicates
    from cogind.io.readers import open_inputs

    rows = int(os.environ.get("COGIND_BENCH_ROWS", 10_000_000))
    folder, planted = data(rows, Path(os.environ.get("COGIND_BENCH_DATA", "/tmp/cogind-bench")),
                           True)
    registry = cogind.build_registry()
    tin = open_inputs(folder, registry.tables)["ij"]
    key = registry.table("ij").primary_key
    d = benchmark.pedantic(find_duplicates, args=(tin, key), rounds=3, iterations=1)
    assert d.rows == planted
    benchmark.extra_info["rows"] = rows
    benchmark.extra_info["rows_per_second"] = rows / benchmark.stats["median"]


if __name__ == "__main__":
    main()
