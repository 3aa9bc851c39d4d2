"""Speed and memory of ``cogind generate`` (issue 3).

Run: ``python -m pytest benchmarks/bench_generate.py`` (pytest-benchmark). The memory bound is
asserted here, on a child process writing ``COGIND_BENCH_ROWS`` claim rows (default 20 M);
no timing is asserted anywhere.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from cogind.synth import generate
from cogind.synth.core import BLOCK_ROWS, check_options, make_block
from cogind.synth.reseau import Network
from cogind.synth.reference import TABLES

ROWS = int(os.environ.get("COGIND_BENCH_ROWS", 20_000_000))
RSS_LIMIT_MIB = 2048

CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from cogind.synth import generate
    out, rows, fmt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    start = time.perf_counter()
    generate(out, rows={"prestations": rows}, tables=("prestations",), fmt=fmt)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mib": peak}))
""")


@pytest.mark.parametrize("table", TABLES)
def test_bench_block(benchmark, table):
    """One block of rows, made in memory: the generator's own speed, no I/O."""
    opts = check_options((2018, 2027), 1.0, None, 0, 0.0, "parquet", False, TABLES, 1_000_000)
    if table == "mesures":  # one row per measure cell: a block is a slice of the year's grid
        pytest.skip("mesures is sized by the registry, see test_bench_generate_all_tables")
    net = Network.build(0)
    make_block(table, 2024, 0, BLOCK_ROWS, opts, net)  # warm caches
    benchmark(make_block, table, 2024, 1, BLOCK_ROWS, opts, net)
    benchmark.extra_info["rows_per_second"] = BLOCK_ROWS / benchmark.stats.stats.mean


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_bench_generate_all_tables(benchmark, tmp_path, fmt):
    """Every table at scale 0.2 over ten years (~4.2 M rows in all), written to disk."""
    manifest = benchmark.pedantic(generate, args=(tmp_path,), kwargs={"scale": 0.2, "fmt": fmt},
                                  rounds=1, iterations=1)
    benchmark.extra_info["rows"] = manifest["total_rows"]
    benchmark.extra_info["rows_per_second"] = manifest["total_rows"] / benchmark.stats.stats.mean


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_streaming_memory_bound(tmp_path, fmt):
    """Peak RSS of a child process writing ROWS claim lines stays under 2 GiB."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path), str(ROWS), fmt],
                          capture_output=True, text=True, check=True, env=env)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rate = ROWS / result["seconds"]
    print(f"\n{fmt}: {ROWS:,} claim rows in {result['seconds']:.1f} s ({rate / 1e6:.2f} M rows/s),"
          f" peak RSS {result['peak_rss_mib']:.0f} MiB")
    assert result["peak_rss_mib"] < RSS_LIMIT_MIB
