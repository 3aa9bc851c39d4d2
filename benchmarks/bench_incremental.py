"""Incremental monthly runs from stored states (issue 20 § 1): add one month, recompute.

Run::

    python benchmarks/bench_incremental.py --rows 5_000_000 --repeat 3 --threads 2

1. Data: the tables of benchmarks/compare.py (``--rows`` claim lines over 2023-2027, the other
   tables scaled as there), each split into one Parquet file per month of its period column:
   60 files per table. ``before/`` holds every month but the last, ``after/`` every month
   (hard links, no copy).
2. Full run: ``cogind.compute(after/)`` on the compare.py suite, median of ``--repeat``.
3. Incremental: a store filled by one run on ``before/`` (not timed), copied afresh for each
   timed ``cogind.compute(after/, states=store)``: the new month is read, 59 files' states are
   merged. Also ``unchanged``: a second run on ``after/`` with every state stored.
4. DuckDB re-running the suite's queries on the same files (``read_parquet('t/*.parquet')``).
Results of the incremental runs are checked equal to the full run's, byte for byte.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import compare

PERIOD_COLUMN = {"prestations": "PRS_PAI_DTD", "ij": "IJ_PAI_DTD", "contacts": "CNT_ARR_DTH",
                 "dossiers": "DOS_DEC_DTD"}


def monthly(source: Path, out: Path) -> tuple[Path, Path]:
    """(before, after): one Parquet file per month of each table, the last month only after."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    before, after = out / "before", out / "after"
    if (out / "done").exists():
        return before, after
    shutil.rmtree(out, ignore_errors=True)
    for name, column in PERIOD_COLUMN.items():
        table = pq.read_table(source / f"{name}.parquet")
        month = pc.fill_null(pc.strftime(pc.cast(table[column], pa.timestamp("ms")), "%Y-%m"),
                             "0000-00")  # rows without a date: a file of their own, first
        months = sorted(set(month.to_pylist()))
        for d in (before, after):
            (d / name).mkdir(parents=True)
        for m in months:
            path = after / name / f"{m}.parquet"
            pq.write_table(table.filter(pc.equal(month, m)), path, row_group_size=1 << 20)
            if m != months[-1]:
                os.link(path, before / name / path.name)
    (out / "done").touch()
    return before, after


def data_bytes(table) -> bytes:
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema.remove_metadata()) as w:
        w.write_table(table.replace_schema_metadata(None))
    return sink.getvalue().to_pybytes()


def timed(fn, repeat: int, prepare=None) -> tuple[list[float], object]:
    times, out = [], None
    for _ in range(repeat):
        if prepare is not None:
            prepare()
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return times, out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/cogind-bench"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    import cogind

    source = compare.data_folder(args.data_root, args.rows, 0, 0.01)
    before, after = monthly(source, source.with_name(source.name + "-mensuel"))
    files = sum(len(list((after / t).iterdir())) for t in PERIOD_COLUMN)
    registry = compare.cogind_registry()
    options = {"registry": registry, "indicators": compare.SUITE, "threads": args.threads}
    seed_store, store = args.data_root / "etats-avant", args.data_root / "etats"
    shutil.rmtree(seed_store, ignore_errors=True)
    cogind.compute(before, states=seed_store, **options)  # last month's run: not timed
    cogind.compute(after, **options)  # warm-up (compiled loops)

    def fresh_store():
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(seed_store, store)

    load0 = os.getloadavg()
    full_t, full = timed(lambda: cogind.compute(after, **options), args.repeat)
    incr_t, incr = timed(lambda: cogind.compute(after, states=store, **options), args.repeat,
                         fresh_store)
    same_t, same = timed(lambda: cogind.compute(after, states=store, **options), args.repeat)
    for out in (incr, same):
        if data_bytes(out) != data_bytes(full):
            raise SystemExit("incremental results differ from the full run")
    etats = {n: e["etats"] for n, e in cogind.provenance(incr)["entrees"].items()}
    runs = {"cogind complet": full_t, "cogind --states, un mois ajouté": incr_t,
            "cogind --states, rien de changé": same_t}
    try:
        import queries_duckdb as qd

        con = qd.connect(args.threads)
        sources = qd.parquet_sources({t: str(after / t / "*.parquet") for t in PERIOD_COLUMN})
        qd.run(con, sources)  # warm-up
        runs["DuckDB (requêtes relancées)"] = timed(lambda: qd.run(con, sources), args.repeat)[0]
    except ImportError:
        pass
    load1 = os.getloadavg()
    base = statistics.median(full_t)
    print(f"{args.rows:,} claim rows, {files} monthly files, {args.threads} threads, "
          f"load average {load0[0]:.2f} -> {load1[0]:.2f}")
    print(f"states of the added month's run: {etats}")
    print("| run | median | min-max | / full run |\n|---|---|---|---|")
    for name, ts in runs.items():
        med = statistics.median(ts)
        print(f"| {name} | {med:.3f} s | {min(ts):.3f}-{max(ts):.3f} s | {med / base:.3f} |")
    if args.json:
        args.json.write_text(json.dumps({"rows": args.rows, "files": files, "runs": runs,
                                         "load": [load0, load1], "etats": etats}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
