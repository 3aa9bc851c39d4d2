"""CPU time of the secret statistique on the bundled sample (issue 18).

Run::

    python benchmarks/bench_secret.py                 # month, ytd, month+ytd+year, regions
    python -m pytest benchmarks/bench_secret.py --benchmark-only

The sample (101 caisses, 2023-2024, 61 indicators) is computed once per period without the
secret (``secret=False``), then :func:`cogind.analyses.secret.apply_secret` is timed alone
(process CPU time, best of ``--repeat``), with the primary and complementary counts.
"""
from __future__ import annotations

import argparse
import time

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


def run(case: str, repeat: int) -> dict:
    import cogind
    from cogind.analyses.secret import apply_secret

    table = raw(case)
    best = None
    for _ in range(repeat):
        t0 = time.process_time()
        out = apply_secret(table, 11)
        cpu = time.process_time() - t0
        best = cpu if best is None else min(best, cpu)
    meta = cogind.provenance(out)["secret"]
    return {"case": case, "rows": table.num_rows, "cpu_s": round(best, 2),
            "primaires": meta["masquees"], "complementaires": meta["masquees_complementaires"]}


def test_secret_ytd(benchmark):
    from cogind.analyses.secret import apply_secret

    table = raw("ytd")
    benchmark.pedantic(apply_secret, args=(table, 11), rounds=1, iterations=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    for case in CASES:
        r = run(case, args.repeat)
        print(f"{r['case']:<18} {r['rows']:>7} rows  {r['cpu_s']:>6.2f} s CPU  "
              f"{r['primaires']:>6} primary  {r['complementaires']:>6} complementary")


if __name__ == "__main__":
    main()
