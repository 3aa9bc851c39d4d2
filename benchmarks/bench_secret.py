"""CPU time of the secret statistique on the bundled sample (issue 18).

Run::

    python benchmarks/bench_secret.py                 # month, ytd, month+ytd+year, regions
    python -m pytest benchmarks/bench_secret.py --benchmark-only

The sample (101 caisses, 2023-2024, 61 indicators) is computed once per period without the
secret (``secret=False``), then :func:`cogind.analyses.secret.apply_secret` is timed alone
(wall time, median and min–max of ``--repeat``, load average beside), with the primary and
complementary counts; ``--reference`` times the code as it was before issue 20 § 3
(tests/secret_reference.py) on the same table, checks it gives the same bytes, and prints the
ratio old/new.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

CASES = {
    "month": dict(period="month"),
    "ytd": dict(period="ytd"),
    "month+ytd+year": dict(period=("month", "ytd", "year")),
    "quarter, regions": dict(period="quarter", levels=("caisse", "region", "national")),
}


def raw(case: str):
    import cogind
    from cogind.cli.common import sample_path

    return cogind.compute(sample_path(), secret=False, **CASES[case])


def _times(fn, table, repeat: int) -> tuple[list[float], object]:
    out, times = fn(table, 11), []  # warm-up (numba cache load)
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(table, 11)
        times.append(time.perf_counter() - t0)
    return times, out


def run(case: str, repeat: int, reference: bool = False) -> dict:
    import cogind
    from cogind.analyses.secret import apply_secret

    table = raw(case)
    load = os.getloadavg()[0]
    times, out = _times(apply_secret, table, repeat)
    meta = cogind.provenance(out)["secret"]
    r = {"case": case, "rows": table.num_rows, "median_s": statistics.median(times),
         "min_s": min(times), "max_s": max(times), "load": load,
         "primaires": meta["masquees"], "complementaires": meta["masquees_complementaires"]}
    if reference:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        import secret_reference

        old, expected = _times(secret_reference.apply_secret, table, repeat)
        assert expected.equals(out) and expected.schema.metadata == out.schema.metadata
        r["old_median_s"] = statistics.median(old)
        r["ratio"] = r["old_median_s"] / r["median_s"]
    return r


def test_secret_ytd(benchmark):
    from cogind.analyses.secret import apply_secret

    table = raw("ytd")
    benchmark.pedantic(apply_secret, args=(table, 11), rounds=1, iterations=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reference", action="store_true")
    args = parser.parse_args()
    for case in CASES:
        r = run(case, args.repeat, args.reference)
        old = (f"  old {r['old_median_s']:.3f} s  ratio {r['ratio']:.1f}x"
               if args.reference else "")
        print(f"{r['case']:<18} {r['rows']:>7} rows  {r['median_s']:.3f} s "
              f"({r['min_s']:.3f}-{r['max_s']:.3f}){old}  load {r['load']:.1f}  "
              f"{r['primaires']:>6} primary  {r['complementaires']:>6} complementary", flush=True)


if __name__ == "__main__":
    main()
