"""Fused IJ pass on 10 million rows (pytest-benchmark; not part of the test suite).

Run: python -m pytest benchmarks/bench_engine.py --benchmark-only
Set COGIND_BENCH_ROWS to change the size.
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
