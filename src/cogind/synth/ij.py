"""The ``ij`` table: daily-allowance payments, several per arrêt de travail."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from cogind.synth.calendar import draw_days, lognormal_days, month_index
from cogind.synth.levels import level
from cogind.synth.reseau import Network

ATMP_SHARE, TI_SHARE, SUB_SHARE = 0.15, 0.08, 2 / 3
PERIOD = 14  # days covered by each payment
MAX_PAYMENTS = 80  # an arrêt lasts at most three years
DELAY_SIGMA = 0.5
# Winter backlog: first payments take longer in the first quarter.
DELAY_SEASON = np.array([1.06, 1.06, 1.03, 1.0, 0.98, 0.97, 0.97, 1.02, 0.98, 0.97, 0.98, 1.0])
# Shares of the nature of IJ: normales, réduites, majorées, partielles (6111/13/15/17, +1 after
# three months).
NATURE_CDF = np.cumsum([0.85, 0.03, 0.04, 0.08])
NATURE_CODE = np.array([6111, 6113, 6115, 6117], np.int16)
DAILY_CAP = {"MAL": 52.28, "ATMP": 220.0}
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


def arret_ids(keys: np.ndarray, seed: int) -> pa.Array:
    """Pseudonymous ids ``A`` + 16 hex digits, a bijection of the 64-bit keys (no collision)."""
    with np.errstate(over="ignore"):
        z = keys.astype(np.uint64) ^ np.uint64((seed * 0x9E3779B97F4A7C15) % 2**64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    digits = _HEX[((z[:, None] >> shifts) & np.uint64(15)).astype(np.intp)]
    chars = np.concatenate([np.full((len(z), 1), ord("A"), np.uint8), digits], axis=1)
    offsets = np.arange(0, 17 * (len(z) + 1), 17, dtype=np.int32)
    return pa.StringArray.from_buffers(len(z), pa.py_buffer(offsets),
                                       pa.py_buffer(np.ascontiguousarray(chars)))


def _arrets(rng, a: int, year: int, net: Network, since: int = 0) -> dict[str, np.ndarray]:
    """One entry per arrêt: caisse, risk, regime, subrogation, dates, duration, nature."""
    caisse = net.draw(rng, a)
    atmp = rng.random(a, dtype=np.float32) < ATMP_SHARE
    ti = rng.random(a, dtype=np.float32) < TI_SHARE
    sub = ~ti & (rng.random(a, dtype=np.float32) < SUB_SHARE / (1 - TI_SHARE))
    start = draw_days(rng, "ij", year, a, since)
    att = start + lognormal_days(rng, a, 6.0, 0.8)
    mean = np.where(atmp, level("ij_atmp_mean", year), level("ij_mal_mean", year))
    mean = np.where(sub, level("ij_sub_mean", year), mean)
    mean = mean * net.factor("ij", 0.15)[caisse] * DELAY_SEASON[month_index(att)]
    z = rng.standard_normal(a, dtype=np.float32)
    delay = np.floor(mean * np.exp(DELAY_SIGMA * z - DELAY_SIGMA**2 / 2) + 0.5).astype(np.int32)
    duration = 1 + lognormal_days(rng, a, np.where(atmp, 30.0, 14.0), 1.1)
    cap = np.where(atmp, DAILY_CAP["ATMP"], DAILY_CAP["MAL"])
    daily = np.minimum(np.where(atmp, 55.0, np.where(ti, 30.0, 38.0)) * np.exp(
        0.3 * rng.standard_normal(a, dtype=np.float32)), cap)
    nature = np.searchsorted(NATURE_CDF, rng.random(a) * NATURE_CDF[-1], side="right")
    daily = np.where(nature == 3, daily / 2, daily)
    return {"caisse": caisse, "atmp": atmp, "ti": ti, "sub": sub, "start": start, "att": att,
            "first_pay": att + delay, "duration": np.minimum(duration, 3 * 365),
            "daily": daily, "nature": nature}


def _payments(arr: dict, n: int):
    """Expand arrêts to payments, keep the first ``n``; returns (arrêt index, rank in arrêt)."""
    k = np.clip(-(-arr["duration"] // PERIOD), 1, MAX_PAYMENTS)
    owner = np.repeat(np.arange(len(k)), k)[:n]
    starts = np.concatenate([[0], np.cumsum(k)[:-1]])
    rank = np.arange(len(owner)) - starts[owner]
    return owner, rank.astype(np.int32)


def make(rng: np.random.Generator, n: int, year: int, net: Network, first: int = 0,
         since: int = 0, ctx=None):
    """``n`` IJ payments of arrêts starting in ``year``; ``first`` numbers the block's arrêts."""
    a = n // 2 + 64
    while True:
        arr = _arrets(rng, a, year, net, since)
        owner, rank = _payments(arr, n)
        if len(owner) == n:
            break
        a *= 2  # rare: the block's arrêts were too short to fill it; redraw more of them
    take = {key: v[owner] for key, v in arr.items()}
    gaps = PERIOD + rng.integers(0, 7, len(owner), dtype=np.int32)
    # cumulative gap within each arrêt: global cumsum minus its value at the arrêt's first row
    cum = np.cumsum(np.where(rank == 0, 0, gaps))
    pay = take["first_pay"] + (cum - cum[np.arange(len(rank)) - rank]).astype(np.int32)
    carence = np.where(take["atmp"], 0, 3) * (rank == 0)
    nbr = np.clip(np.minimum(PERIOD, take["duration"] - PERIOD * rank) - carence, 1, PERIOD)
    code = NATURE_CODE[take["nature"]] + (rank * PERIOD >= 90)
    keys = (np.int64(year) << 40) + first + owner.astype(np.int64)
    cols = {
        "ORG_CLE_NUM": take["caisse"], "ARR_NUM": arret_ids(keys, net.seed),
        "IJ_RIS_COD": take["atmp"].astype(np.int8), "ASS_REG_COD": take["ti"].astype(np.int8),
        "IJ_SUB_TOP": take["sub"].astype(np.int8), "SIN_1IJ_IND": (rank == 0).astype(np.int8),
        "PRS_NAT_REF": code.astype(np.int16), "ARR_DEB_DTD": take["start"],
        "ATT_REC_DTD": take["att"], "IJ_PAI_DTD": pay,
        "IJ_PAI_MNT": np.round(nbr * take["daily"] * 100) / 100, "IJ_NBR": nbr.astype(np.int16),
    }
    return cols, {}

