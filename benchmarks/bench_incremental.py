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
4. DuckDB and Polars re-running the suite's queries on the same files
   (``read_parquet('t/*.parquet')``, ``scan_parquet``), same thread count.
``--interleave`` alternates the three cogind runs (full, one month added, nothing changed)
instead of timing each ``--repeat`` times in a row: on a shared machine each then meets the
same load. Results of the incremental runs are checked equal to the full run's, byte for
byte. Every timed cogind run starts with no file hash in memory, as a monthly job in a new
process.

``--cog 2023-2027`` times the monthly job the issue describes instead of the suite: every
indicator of that COG, with the default registry and the secret statistique on (the CLI's
``cogind compute DIR --cog …``); the indicators whose tables are not among the four given say
so as in any run. DuckDB and Polars still re-run the suite's queries (they have no COG).
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
    """(before, after): one Parquet file per month of each table, the last month only after.
    Streamed (a row group at a time, each month's rows written as 256 k-row groups): 50 M
    claim rows never sit in memory at once."""
    before, after = out / "before", out / "after"
    if (out / "done").exists():
        return before, after
    shutil.rmtree(out, ignore_errors=True)
    for name, column in PERIOD_COLUMN.items():
        for d in (before, after):
            (d / name).mkdir(parents=True)
        months = _split(source / f"{name}.parquet", column, after / name)
        for m in months[:-1]:  # rows without a date ("0000-00") sort first
            os.link(after / name / f"{m}.parquet", before / name / f"{m}.parquet")
    (out / "done").touch()
    return before, after


def _split(path: Path, column: str, folder: Path, group: int = 1 << 18) -> list[str]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    source = pq.ParquetFile(path)
    writers, held = {}, {}

    def flush(m: str) -> None:
        table = pa.concat_tables(held.pop(m))
        if m not in writers:
            writers[m] = pq.ParquetWriter(folder / f"{m}.parquet", table.schema)
        writers[m].write_table(table, row_group_size=group)

    for batch in source.iter_batches(1 << 20):
        month = pc.fill_null(pc.strftime(pc.cast(batch[column], pa.timestamp("ms")), "%Y-%m"),
                             "0000-00")
        for m in pc.unique(month).to_pylist():
            part = pa.Table.from_batches([batch.filter(pc.equal(month, m))])
            held.setdefault(m, []).append(part)
            if sum(t.num_rows for t in held[m]) >= group:
                flush(m)
    for m in list(held):
        flush(m)
    for w in writers.values():
        w.close()
    return sorted(writers)


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


def run_options(args) -> dict:
    """The suite on compare.py's registry, or a whole COG as the CLI runs it."""
    if args.cog:
        return {"cog": args.cog, "threads": args.threads}
    return {"registry": compare.cogind_registry(), "indicators": compare.SUITE,
            "threads": args.threads}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/cogind-bench"))
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--cog", default=None,
                        help="whole COG (default registry, secret on) instead of the suite")
    parser.add_argument("--interleave", action="store_true",
                        help="alternate full, one-month and unchanged runs (a shared machine)")
    args = parser.parse_args(argv)
    os.environ["POLARS_MAX_THREADS"] = str(args.threads)  # read when Polars is imported
    import cogind
    from cogind.io import fingerprint

    source = compare.data_folder(args.data_root, args.rows, 0, 0.01)
    before, after = monthly(source, source.with_name(source.name + "-mensuel"))
    files = sum(len(list((after / t).iterdir())) for t in PERIOD_COLUMN)
    options = run_options(args)
    seed_store, store = args.data_root / "etats-avant", args.data_root / "etats"
    shutil.rmtree(seed_store, ignore_errors=True)
    cogind.compute(before, states=seed_store, **options)  # last month's run: not timed
    cogind.compute(after, **options)  # warm-up (compiled loops)

    def new_process():  # a monthly job starts afresh: no file hash in memory
        fingerprint._KNOWN.clear()

    def fresh_store():
        new_process()
        shutil.rmtree(store, ignore_errors=True)
        shutil.copytree(seed_store, store)

    load0 = os.getloadavg()
    full_run = (lambda: cogind.compute(after, **options), new_process)
    incr_run = (lambda: cogind.compute(after, states=store, **options), fresh_store)
    same_run = (lambda: cogind.compute(after, states=store, **options), new_process)
    if args.interleave:  # full, one month, nothing changed, then again: the same load for each
        full_t, incr_t, same_t, outs = [], [], [], []
        for _ in range(args.repeat):
            for ts, (fn, prepare) in zip((full_t, incr_t, same_t),
                                         (full_run, incr_run, same_run)):
                t, out = timed(fn, 1, prepare)
                ts += t
                outs.append(out)
        full, incr, same = outs[-3:]
    else:
        full_t, full = timed(full_run[0], args.repeat, full_run[1])
        incr_t, incr = timed(incr_run[0], args.repeat, incr_run[1])
        same_t, same = timed(same_run[0], args.repeat, same_run[1])
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
    try:
        import queries_polars as qp

        lazy = qp.parquet_sources({t: str(after / t / "*.parquet") for t in PERIOD_COLUMN})
        qp.run(lazy)  # warm-up
        runs["Polars (requêtes relancées)"] = timed(lambda: qp.run(lazy), args.repeat)[0]
    except ImportError:
        pass
    load1 = os.getloadavg()
    base = statistics.median(full_t)
    print(f"{args.rows:,} claim rows, {files} monthly files, {args.threads} threads, "
          f"{'COG ' + args.cog if args.cog else 'the compare.py suite'} ({full.num_rows:,} rows), "
          f"load average {load0[0]:.2f} -> {load1[0]:.2f}")
    print(f"states of the added month's run: {etats}")
    print("| run | median | min-max | / full run |\n|---|---|---|---|")
    for name, ts in runs.items():
        med = statistics.median(ts)
        print(f"| {name} | {med:.3f} s | {min(ts):.3f}-{max(ts):.3f} s | {med / base:.3f} |")
    if args.json:
        args.json.write_text(json.dumps({"rows": args.rows, "files": files, "runs": runs,
                                         "cog": args.cog, "result_rows": full.num_rows,
                                         "load": [load0, load1], "etats": etats}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
