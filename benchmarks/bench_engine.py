"""Fused IJ pass on 10 million rows (pytest-benchmark; not part of the test suite), and the
phases of one in-memory compute of the compare.py suite (issue 20 § 3).

Run: python -m pytest benchmarks/bench_engine.py --benchmark-only
Set COGIND_BENCH_ROWS to change the size.
Phases: python benchmarks/bench_engine.py --rows 10_000_000 --threads 2 --repeat 5 [--secret off]
"""
import os

import pytest

import cogind
from data import ij_table

ROWS = int(os.environ.get("COGIND_BENCH_ROWS", 10_000_000))
IJ_INDICATORS = ["IJ_MAL_DELAI_MOYEN", "IJ_MAL_DELAI_MOYEN_TS", "IJ_MAL_DELAI_MOYEN_TI",
                 "IJ_ATMP_DELAI_MOYEN"]


@pytest.fixture(scope="module")
def ij():
    return ij_table(ROWS)


@pytest.fixture(scope="module")
def registry():
    return cogind.build_registry()


@pytest.mark.parametrize("loop", ["always", "never"], ids=["generated_loop", "separate_loops"])
@pytest.mark.parametrize("threads", [1, 2])
def test_fused_ij_pass_in_memory(benchmark, ij, registry, threads, loop, monkeypatch):
    """One pass of the IJ indicators: the loop generated for the plan (cogind.engine.fused) against
    the separate loops (COGIND_FUSED=never)."""
    monkeypatch.setenv("COGIND_FUSED", loop)
    cogind.compute({"ij": ij.slice(0, 1000)}, cog=None, indicators=IJ_INDICATORS,
                   registry=registry)  # compile outside the timing
    result = benchmark.pedantic(
        cogind.compute, args=({"ij": ij},), rounds=5, iterations=1,
        kwargs=dict(cog=None, indicators=IJ_INDICATORS, registry=registry, threads=threads))
    assert result.num_rows > 0
    benchmark.extra_info["rows"] = ROWS
    benchmark.extra_info["rows_per_second"] = ROWS / benchmark.stats["median"]


# --------------------------------------------------------------------------- phases (issue 20 § 3)
PHASES = {"plan": "plan", "duplicates check": "check_table", "fingerprints": "Fingerprints",
          "finalise rows": "add_indicator_rows", "secret statistique": "apply_secret",
          "result table assembly": None}
"""Phase → function of cogind.api timed around each call (assembly: ``Rows.table``)."""


def _timed_api(spent: dict):
    """Wrap the functions of :data:`PHASES` and each table pass in cogind.api (this process only)."""
    import functools
    import time

    from cogind import api

    def wrap(owner, name, label):
        f = getattr(owner, name)

        @functools.wraps(f)
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start
        setattr(owner, name, timed)

    for label, name in PHASES.items():
        wrap(api, name, label) if name else wrap(api.Rows, "table", label)
    engine_pass = api.engine_pass

    def passes(*args, **kwargs):
        run = engine_pass(*args, **kwargs)

        class Timed:
            def __call__(self, *a, **k):
                start = time.perf_counter()
                try:
                    return run(*a, **k)
                finally:
                    spent["table passes"] = (spent.get("table passes", 0.0)
                                             + time.perf_counter() - start)

            def close(self):
                run.close()
        return Timed()
    api.engine_pass = passes


def phases(argv=None) -> None:
    """Where one in-memory ``cogind.compute`` of the compare.py suite spends its time: median
    (min–max) per phase over ``--repeat`` runs after a warm-up, wall and process CPU, load."""
    import argparse
    import os
    import statistics
    import time
    from pathlib import Path

    import pyarrow as pa

    import compare

    p = argparse.ArgumentParser(description=phases.__doc__.split(":")[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--data-root", type=Path, default=Path(os.environ.get(
        "COGIND_BENCH_DATA", "/tmp/cogind-bench")))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--secret", choices=("on", "off"), default="on",
                   help="off: the figures unmasked, as DuckDB and Polars give them")
    args = p.parse_args(argv)
    pa.set_cpu_count(args.threads)
    tables = compare.load_tables(compare.data_folder(args.data_root, args.rows, 0, 0.01))
    registry = compare.cogind_registry()
    spent: dict[str, float] = {}
    _timed_api(spent)
    run = lambda: cogind.compute(tables, cog=None, indicators=list(compare.SUITE), period="month",
                                 registry=registry, threads=args.threads,
                                 secret=None if args.secret == "on" else False)
    run()
    per: dict[str, list[float]] = {}
    walls, cpus = [], []
    load = os.getloadavg()[0]
    for _ in range(args.repeat):
        spent.clear()
        w, c = time.perf_counter(), time.process_time()
        out = run()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
        spent["rest"] = walls[-1] - sum(spent.values())
        for k, v in spent.items():
            per.setdefault(k, []).append(v)
    med = statistics.median
    print(f"{args.rows:,} claim rows in memory, {args.threads} threads, secret {args.secret}, "
          f"{out.num_rows} result rows; load {load:.2f} -> {os.getloadavg()[0]:.2f}")
    print(f"  {'compute':<24} wall {med(walls):.3f} s ({min(walls):.3f}-{max(walls):.3f}), "
          f"CPU {med(cpus):.3f} s")
    for k, v in sorted(per.items(), key=lambda kv: -med(kv[1])):
        print(f"  {k:<24} {med(v):.3f} s ({min(v):.3f}-{max(v):.3f})")


if __name__ == "__main__":
    phases()
