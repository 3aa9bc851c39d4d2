"""The ``contacts`` table: calls, e-mails, visits and complaints with their handling times."""
from __future__ import annotations

import functools
from statistics import NormalDist

import numpy as np

from cogind.synth.calendar import draw_days, month_index
from cogind.synth.levels import MONTHLY, level
from cogind.synth.reseau import Network

CHANNELS = ("TEL", "MEL", "VIS", "REC")
CHANNEL_CDF = np.cumsum([0.60, 0.20, 0.15, 0.05])
# Answered calls: seasonal shift of the logit (busy winter, quiet summer), caisse spread.
TEL_SEASON = np.array([-.25, -.15, -.1, 0, .05, .05, .1, .2, -.05, -.05, 0, .1])
TEL_SPREAD = 0.45
MEL_SIGMA, REC_SIGMA = 1.0, 0.9  # log-normal handling times
HANDLING_SPREAD = 0.35
NEVER_HANDLED = {"MEL": 0.005, "REC": 0.002}
LEVEL2_SHARE = 0.2  # e-mails escalated to level 2 take about twice as long
HOUR = 3600


def _arrivals(rng, n: int, year: int, channel: np.ndarray, since: int = 0) -> np.ndarray:
    """Arrival timestamps (s): office hours for calls and visits, any hour for e-mails."""
    days = draw_days(rng, "contacts", year, n, since).astype(np.int64)
    office = 8 * HOUR + rng.integers(0, 9 * HOUR, n)
    anytime = rng.integers(0, 24 * HOUR, n)
    return days * 86400 + np.where(channel == 1, anytime, office)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


@functools.cache
def _tel_logits(p: float, net: Network) -> np.ndarray:
    """Logit of answering per (caisse, month), shifted so the national rate is ``p``."""
    x = TEL_SPREAD * net.effect("tel")[:, None] + TEL_SEASON[None, :]
    w = net.weights[:, None] * np.asarray(MONTHLY["contacts"])[None, :]
    lo, hi = _logit(p) - 3, _logit(p) + 3
    for _ in range(50):
        mid = (lo + hi) / 2
        got = np.sum(w / (1 + np.exp(-(x + mid)))) / w.sum()
        lo, hi = (mid, hi) if got < p else (lo, mid)
    return x + lo


def _answered(rng, caisse, month, year: int, net: Network) -> np.ndarray:
    x = _tel_logits(level("tel_answered", year), net)[caisse, month]
    p = 1 / (1 + np.exp(-x))
    return rng.random(len(caisse), dtype=np.float32) < p


def _median(share: float, limit: float, sigma: float, slow: float) -> float:
    """Median handling time such that ``share`` is within ``limit`` when a ``slow`` part is x2."""
    phi = NormalDist().cdf
    lo, hi = np.log(limit) - 6 * sigma, np.log(limit) + 6 * sigma
    for _ in range(60):
        mid = (lo + hi) / 2
        got = (1 - slow) * phi((np.log(limit) - mid) / sigma) + slow * phi(
            (np.log(limit / 2) - mid) / sigma)
        lo, hi = (mid, hi) if got > share else (lo, mid)
    return float(np.exp(lo))


def _handling(rng, caisse, share, limit, sigma, family, net, slow=0.0):
    """Seconds to handle, log-normal so that ``share`` of contacts are within ``limit`` s."""
    median = _median(share, limit, sigma, slow)
    median = median * net.factor(family, HANDLING_SPREAD * sigma)[caisse]
    z = rng.standard_normal(len(caisse), dtype=np.float32)
    return np.round(median * np.exp(sigma * z)).astype(np.int64)


def make(rng: np.random.Generator, n: int, year: int, net: Network, first: int = 0,
         since: int = 0, ctx=None):
    """``n`` contacts of ``year``: a dict of column arrays and a dict of null masks."""
    caisse = net.draw(rng, n)
    channel = np.searchsorted(CHANNEL_CDF, rng.random(n) * CHANNEL_CDF[-1], side="right")
    channel = channel.astype(np.int8)
    arr = _arrivals(rng, n, year, channel, since)
    month = month_index((arr // 86400).astype(np.int32))
    answered = _answered(rng, caisse, month, year, net)
    wait = np.round(rng.exponential(150.0, n)).astype(np.int64)  # calls and visits
    mel = _handling(rng, caisse, level("mel_48h", year) / (1 - NEVER_HANDLED["MEL"]), 48 * HOUR,
                    MEL_SIGMA, "mel", net, LEVEL2_SHARE)
    level2 = rng.random(n, dtype=np.float32) < LEVEL2_SHARE
    mel = np.where(level2, 2 * mel, mel)
    rec = _handling(rng, caisse, level("rec_10d", year) / (1 - NEVER_HANDLED["REC"]),
                    10 * 86400, REC_SIGMA, "rec", net)
    delay = np.choose(channel, [wait, mel, wait * 6, rec])
    u = rng.random(n, dtype=np.float32)
    never = ((channel == 1) & (u < NEVER_HANDLED["MEL"])) | (
        (channel == 3) & (u < NEVER_HANDLED["REC"]))
    tel = channel == 0
    cols = {
        "ORG_CLE_NUM": caisse, "CNT_CAN_COD": channel, "CNT_ARR_DTH": arr,
        "CNT_TRT_DTH": arr + delay, "CNT_ABO_TOP": answered.astype(np.int8),
        "CNT_NIV_COD": (1 + level2).astype(np.int8),
    }
    nulls = {"CNT_TRT_DTH": never | (tel & ~answered), "CNT_ABO_TOP": ~tel,
             "CNT_NIV_COD": channel != 1}
    return cols, nulls
