"""From Parquet, the levers of issue 20 § 2 measured in one process, interleaved (wall and CPU).

    python benchmarks/bench_parquet_levers.py duplicates DATA [--repeat 7]
        the compare.py suite with the duplicate check fused into ij's pass against the
        separate passes of check_table (``pass_check`` disabled); same result table first
    python benchmarks/bench_parquet_levers.py batches DATA [--sizes 1048576,524288,262144]
        the suite at several batch sizes; same result tables first
    python benchmarks/bench_parquet_levers.py readers DATA [--table prestations]
        one table's pass columns read by the dataset scanner as cogind uses it and by other
        pyarrow readers (no reduction)

DATA: a folder written by compare.py (``<data-root>/r<rows>-s0-d0.01``). Prints median
(min–max) of wall and CPU (``time.process_time``, every thread of the process) and the load
average seen; on a shared machine compare the variants of one run, and CPU first.
"""
from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).parent))


def _timed(variants: dict, repeat: int) -> None:
    for f in variants.values():  # warm-up: compiled loops, OS cache
        f()
    res: dict = {k: [] for k in variants}
    for _ in range(repeat):
        for k, f in variants.items():
            load, wall, cpu = os.getloadavg()[0], time.perf_counter(), time.process_time()
            f()
            res[k].append((time.perf_counter() - wall, time.process_time() - cpu, load))
    for k, r in res.items():
        w, c = sorted(x[0] for x in r), sorted(x[1] for x in r)
        print(f"{k:28s} wall {statistics.median(w):.3f} ({w[0]:.3f}-{w[-1]:.3f})  cpu "
              f"{statistics.median(c):.3f} ({c[0]:.3f}-{c[-1]:.3f})  load "
              f"{min(x[2] for x in r):.2f}-{max(x[2] for x in r):.2f}")


def _suite(folder: str):
    import compare

    import cogind

    registry = compare.cogind_registry()
    return lambda **kw: cogind.compute(folder, cog=None, indicators=list(compare.SUITE),
                                       period="month", registry=registry, threads=2,
                                       secret=False, **kw)


def _same(a: pa.Table, b: pa.Table) -> None:
    if not (a.equals(b) and a.schema.metadata == b.schema.metadata):
        raise SystemExit("the variants disagree")


def duplicates(folder: str, repeat: int) -> None:
    import cogind.api

    run, fused = _suite(folder), cogind.api.pass_check

    def variant(on: bool):
        def f():
            cogind.api.pass_check = fused if on else (lambda *a, **k: None)
            try:
                return run()
            finally:
                cogind.api.pass_check = fused
        return f

    variants = {"separate duplicate passes": variant(False), "fused into ij's pass": variant(True)}
    _same(*(f() for f in variants.values()))
    _timed(variants, repeat)


def batches(folder: str, repeat: int, sizes: list[int]) -> None:
    run = _suite(folder)
    variants = {f"batch_size={s}": (lambda s=s: run(batch_size=s)) for s in sizes}
    first, *others = (f() for f in variants.values())
    for t in others:
        _same(first, t)
    _timed(variants, repeat)


def readers(folder: str, repeat: int, table: str) -> None:
    import pyarrow.parquet as pq

    import compare
    from cogind.engine.core import plan
    from cogind.io.readers import code_columns, open_inputs

    registry = compare.cogind_registry()
    spec = registry.table(table)
    tplan = plan([registry.indicator(c) for c in compare.SUITE],
                 {n: registry.table(n) for n in registry.tables})[table]
    cols = list(dict.fromkeys(tplan.columns + list(spec.primary_key)))
    tin = open_inputs(folder, registry.tables, wanted=[table])[table]
    path = str(Path(folder) / f"{table}.parquet")
    dicts = [c for c in code_columns(spec) if c in cols]
    pf = pq.ParquetFile(path, read_dictionary=dicts)

    def scanner(pre: bool, batch_ahead: int = 2):
        import pyarrow.dataset as ds

        dset = ds.dataset(path, format=ds.ParquetFileFormat(
            read_options=ds.ParquetReadOptions(dictionary_columns=dicts)))
        opts = ds.ParquetFragmentScanOptions(pre_buffer=pre)
        return lambda: sum(b.num_rows for b in dset.to_batches(
            columns=cols, batch_size=1 << 20, use_threads=True, batch_readahead=batch_ahead,
            fragment_readahead=1, fragment_scan_options=opts))

    def ahead():
        q: queue.Queue = queue.Queue(1)

        def produce():
            for i in range(pf.num_row_groups):
                q.put(pf.read_row_group(i, columns=cols, use_threads=True))
            q.put(None)
        t = threading.Thread(target=produce)
        t.start()
        n = 0
        while (x := q.get()) is not None:
            n += x.num_rows
        t.join()
        return n

    variants = {
        "cogind TableInput.batches": lambda: sum(b.num_rows for b in tin.batches(cols)),
        "scanner as used": scanner(False), "scanner pre_buffer": scanner(True),
        "scanner batch_readahead=8": scanner(False, 8),
        "scanner both": scanner(True, 8),
        "read_row_group in turn": lambda: sum(pf.read_row_group(
            i, columns=cols, use_threads=True).num_rows for i in range(pf.num_row_groups)),
        "read_row_group, 1 ahead": ahead,
        "iter_batches": lambda: sum(b.num_rows for b in pf.iter_batches(
            batch_size=1 << 20, columns=cols, use_threads=True)),
        "read_table (materialised)": lambda: pq.read_table(path, columns=cols,
                                                           use_threads=True).num_rows}
    print(f"{table}: {pf.metadata.num_rows} rows, {pf.num_row_groups} row groups, {cols}")
    _timed(variants, repeat)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["duplicates", "batches", "readers"])
    p.add_argument("data")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--sizes", default="1048576,524288,262144")
    p.add_argument("--table", default="prestations")
    a = p.parse_args(argv)
    pa.set_cpu_count(2)
    if a.what == "duplicates":
        duplicates(a.data, a.repeat)
    elif a.what == "batches":
        batches(a.data, a.repeat, [int(s) for s in a.sizes.split(",")])
    else:
        readers(a.data, a.repeat, a.table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
