"""Confidence intervals and gaps in cases against textbook values and brute-force definitions.

The independent formulas here are written from the textbooks (Wilson 1927; the order-statistic
interval of Conover, Practical Nonparametric Statistics, §3.2), not from cogind.measures.intervals.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import statistics

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import cogind
from cogind.measures import intervals

Z95 = 1.959963984540054


def wilson_textbook(k, n, z=Z95):
    p = k / n
    centre = (2 * k + z * z) / (2 * (n + z * z))
    half = z * math.sqrt(n * p * (1 - p) + z * z / 4) / (n + z * z)
    return centre - half, centre + half


def test_wilson_textbook_values():
    low, high = intervals.wilson(np.array([8]), np.array([10]))
    assert (round(low[0], 4), round(high[0], 4)) == (0.4902, 0.9433)
    low, high = intervals.wilson(np.array([0, 10, 3]), np.array([10, 10, 0]))
    assert low[0] == 0 and high[1] == 1 and math.isnan(low[2])


@pytest.mark.parametrize("k,n", [(1, 3), (40, 41), (812, 1000), (0, 1)])
def test_wilson_against_independent_formula(k, n):
    low, high = intervals.wilson(np.array([k]), np.array([n]))
    assert (low[0], high[0]) == pytest.approx(wilson_textbook(k, n), abs=1e-12)
    lo90, hi90 = intervals.wilson(np.array([k]), np.array([n]), level=0.90)
    assert (lo90[0], hi90[0]) == pytest.approx(wilson_textbook(k, n, 1.6448536269514722))


def test_mean_interval_against_statistics():
    xs = [3, 8, 8, 15, 21, 2, 30, 7]
    low, high = intervals.mean_normal(np.array([len(xs)]), np.array([sum(xs)]),
                                      np.array([sum(x * x for x in xs)]))
    half = Z95 * statistics.stdev(xs) / math.sqrt(len(xs))
    assert (low[0], high[0]) == pytest.approx((statistics.mean(xs) - half,
                                               statistics.mean(xs) + half))
    low, _ = intervals.mean_normal(np.array([1]), np.array([5]), np.array([25]))
    assert math.isnan(low[0])  # one delay: no variance


def binom_cdf(k, n, p):
    return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i) for i in range(k + 1))


def test_binomial_cdf_against_math_comb():
    cdf = intervals.binomial_cdf(30, 0.9)
    assert cdf == pytest.approx([binom_cdf(k, 30, 0.9) for k in range(31)], abs=1e-12)


def test_order_ranks_textbook():
    # Conover: median of n = 100 at 95 %: [X(40), X(61)]
    assert intervals.order_ranks(100, 0.5) == (40, 61)
    # every rank pair covers at least the level, by the binomial definition
    for n, p in [(10, 0.9), (40, 0.9), (250, 0.5), (7, 0.5)]:
        lo, hi = intervals.order_ranks(n, p)
        below = binom_cdf(lo - 1, n, p) if lo > 0 else 0.0
        upto = binom_cdf(hi - 1, n, p) if hi <= n else 1.0
        assert upto - below >= 0.95 - 1e-12
    assert intervals.order_ranks(10, 0.9)[1] == 11  # n too small: no finite upper bound


def test_quantile_interval_from_histogram():
    rng = random.Random(4)
    delays = [rng.randint(0, 30) for _ in range(200)]
    hist = np.zeros((1, 42), np.int64)  # bins 0..40 and the overflow bin
    for d in delays:
        hist[0, d] += 1
    low, high = intervals.quantile_order(hist, np.array([200]), 0.9)
    lo_rank, hi_rank = intervals.order_ranks(200, 0.9)
    ordered = sorted(delays)
    assert (low[0], high[0]) == (ordered[lo_rank - 1], ordered[hi_rank - 1])
    hist[0, -1] = 50  # 50 more delays past the histogram: the upper bound is unbounded
    _, high = intervals.quantile_order(hist, np.array([250]), 0.9)
    assert high[0] == math.inf


def quantile(ds, p):
    return sorted(ds)[math.ceil(p * len(ds)) - 1]


def brute_quantile_cases(ds, p, t):
    """Fewest delays above t to bring down to t for the p-quantile to be ≤ t."""
    ds = sorted(ds)
    for j in range(len(ds) + 1):
        moved = [min(d, t) for d in ds[len(ds) - j:]] + ds[:len(ds) - j]
        if quantile(moved, p) <= t:
            return j


@pytest.mark.parametrize("seed", range(5))
def test_quantile_cases_against_brute_force(seed):
    rng = random.Random(seed)
    ds = [rng.randint(0, 20) for _ in range(rng.randint(1, 60))]
    hist = np.zeros((1, 23), np.int64)
    for d in ds:
        hist[0, d] += 1
    for t in (0, 5, 7, 12, 25):
        got = intervals.quantile_cases(hist, np.array([len(ds)]), 0.9, t, at_least=False)
        assert got[0] == brute_quantile_cases(ds, 0.9, t), t


@pytest.mark.parametrize("num,den,t,want", [(60, 100, 75, 15), (75, 100, 75, 0), (2, 3, 75, 1),
                                            (81, 100, 81.5, 1), (0, 7, 100, 7)])
def test_share_cases_by_hand(num, den, t, want):
    assert intervals.share_cases(np.array([num]), np.array([den]), t, True)[0] == want
    # brute force: answer one more call at a time
    k = 0
    while 100 * (num + k) / den < t:
        k += 1
    assert k == want


def test_share_cases_lower_is_better():
    assert intervals.share_cases(np.array([30]), np.array([100]), 25, False)[0] == 5


def test_mean_excess_days():
    got = intervals.excess_total(np.array([300, 100, 0]), np.array([10, 10, 0]), 26, False)
    assert got[0] == 40 and got[1] == 0 and math.isnan(got[2])


def calls(caisse_sizes):
    """Calls with a given answered count per caisse: {caisse: (answered, presented)}."""
    rows = []
    for caisse, (ok, n) in caisse_sizes.items():
        for i in range(n):
            rows.append({"ORG_CLE_NUM": caisse, "CNT_CAN_COD": "TEL",
                         "CNT_ARR_DTH": dt.datetime(2024, 3, 4, 9), "CNT_ABO_TOP": int(i < ok)})
    return pa.Table.from_pylist(rows)


def test_small_miss_is_not_significant_big_one_is():
    # target 75 % in 2024: 29/40 = 72.5 % is noise; 7 000 / 10 000 = 70 % is not
    res = cogind.compute({"contacts": calls({"01C751": (29, 40), "02C131": (7000, 10000)})},
                         indicators=["APPELS_TAUX_ABOUTIS"])
    got = {r["caisse"]: r for r in res.filter(pc.equal(res["niveau"], "caisse")).to_pylist()}
    small, big = got["01C751"], got["02C131"]
    assert small["statut"] == big["statut"] == "non atteint"
    assert small["significatif"] is False and "non significatif" in small["motif"]
    assert big["significatif"] is True and small["ecart_cas"] == 1 and big["ecart_cas"] == 500
    assert small["ecart_cas_unite"] == "cas"
    assert (small["ic_bas"], small["ic_haut"]) == pytest.approx(
        tuple(100 * x for x in wilson_textbook(29, 40)))
    assert small["ic_bas"] < 75 < small["ic_haut"] and big["ic_haut"] < 75
