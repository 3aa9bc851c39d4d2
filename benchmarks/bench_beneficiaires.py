"""Distinct beneficiaries (issue 21 § 1): time and peak RSS of the exact state on N claim rows.

    python benchmarks/bench_beneficiaires.py --rows 10000000 [--beneficiaires 2000000]

Each run is a fresh process. Claims come in batches of 1 M rows (as the engine reads them):
BEN_NIR_PSA drawn from a pool of beneficiaries with repeat visits (a few heavy consumers),
care days over two years, 101 caisse codes, 5 % of beneficiaries seen in a second caisse.
The state is fed, merged and counted per month and per year (every caisse + national); the
figures printed: wall and CPU seconds, rows per second, entries kept ((month, beneficiary)
pairs), state bytes (32 per entry), peak RSS. The counts are checked against NumPy
(``np.unique`` over the ids of the year) on the last year.
"""
from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pyarrow as pa

from cogind.measures.beneficiaries import DistinctState

BATCH = 1_000_000


def batches(rows: int, pool: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    codes = np.array([f"{d:02d}C{k:03d}" for d, k in zip(range(1, 102), range(101))])
    home = rng.integers(0, len(codes), pool)
    names = np.char.add("B", np.char.zfill(np.arange(pool).astype(str), 16))
    for start in range(0, rows, BATCH):
        n = min(BATCH, rows - start)
        ben = rng.integers(0, pool, n)
        ben = np.where(rng.random(n) < 0.3, ben % max(pool // 20, 1), ben)  # heavy consumers
        moved = rng.random(n) < 0.05
        caisse = np.where(moved, (home[ben] + 1) % len(codes), home[ben])
        day = rng.integers(0, 731, n)
        yield (ben, day, pa.array(names[ben]),
               pa.array((np.datetime64("2023-01-01") + day).astype("datetime64[D]")),
               pa.DictionaryArray.from_arrays(pa.array(caisse, pa.int32()), pa.array(codes)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--beneficiaires", type=int, default=None)
    args = ap.parse_args()
    pool = args.beneficiaires or args.rows // 5
    state = DistinctState()
    seen_2024 = np.zeros(pool, bool)
    wall, cpu = time.perf_counter(), time.process_time()
    feed = 0.0
    for ben, day, ids, days, caisses in batches(args.rows, pool):
        seen_2024[ben[day >= 365]] = True
        t = time.perf_counter()
        state.update(ids, days, caisses)
        feed += time.perf_counter() - t
    t = time.perf_counter()
    months = [state.counts(m, m)[1] for m in range(636, 660)]
    per, national = state.counts(648, 659)
    count = time.perf_counter() - t
    assert national == int(seen_2024.sum()) == sum(per.values())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows {args.rows:,}  beneficiaires {pool:,}  distinct 2024 {national:,}  "
          f"months {min(months):,}-{max(months):,}")
    print(f"update {feed:.1f} s ({args.rows / feed / 1e6:.2f} M rows/s)  counts (24 months + "
          f"a year) {count:.1f} s  wall {wall:.1f} s  CPU {cpu:.1f} s")
    print(f"entries {state.entries:,} (peak {state.peak_entries:,})  state "
          f"{state.nbytes / 2**20:.0f} MiB  peak RSS {rss:.0f} MiB")


if __name__ == "__main__":
    main()
