"""The ``controles`` table: controls, undue payments and recoveries, fraud préjudices, quality."""
from __future__ import annotations

import numpy as np

from cogind.synth.calendar import draw_days
from cogind.synth.levels import level
from cogind.synth.reseau import Network
from cogind.synth.served import BASE_CODES
from cogind.synth.shares import caisse_rates, code_weights, draw_codes, lower_is_better

TYPES = BASE_CODES[("controles", "CTL_TYP_COD")]
TYPE_SHARE = {"SM": .25, "PN": .30, "PE": .20, "LCF": .25}
OTHER_SHARE = 0.05
# Controls of the service médical grow 5 % a year versus 2022 (annex 5 row 37, seed 002
# l. 9523-9527), faster than the table's 3 % growth.
SM_GROWTH, SM_BASE = 0.05, 2022
FRAUD_SHARE = 0.85  # LCF findings judged fraudulent or faulty; the others are errors
SM_INDU_SHARE = 0.30  # service médical controls that end in an undue payment
CHECKED_MEDIAN = {"PN": 300.0, "PE": 1500.0}  # EUR of benefits checked by a quality control
INDU_MEDIAN = 800.0
PREJ_SIGMA = 1.2
EVITE_SHARE = 0.4  # LCF cases that also stopped future payments (préjudice évité)
DEFAULT_ROWS = 30_000


def type_weights(types: tuple[str, ...], year: int) -> np.ndarray:
    """Cumulative type shares of ``year``: the SM share moves with its growth target."""
    shares = dict(TYPE_SHARE)
    g = (1 + SM_GROWTH * (year - SM_BASE)) / 1.03 ** (year - SM_BASE)
    shares["SM"] *= min(max(g, 0.5), 2.0)
    return code_weights(types, shares, OTHER_SHARE)


def _lognormal(rng, n: int, median, sigma: float) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(n))


def _recovered(rng, caisse, fraud, net: Network, year: int) -> np.ndarray:
    """Share recovered per row: U ** ((1 - t) / t) has mean t, the caisse's recovery rate."""
    t = np.where(fraud, caisse_rates(level("recov_fraud", year), "recouvrement", 0.4, net)[caisse],
                 caisse_rates(level("recov_other", year), "recouvrement", 0.4, net)[caisse])
    return rng.random(len(caisse)) ** ((1 - t) / t)


def _quality(rng, rows, kind, caisse, year, net, cols, nulls):
    """Quality checks of PN / PE files: residual error flag and amount over checked amount."""
    for name in ("PN", "PE"):
        sel = rows[kind[rows] == TYPES.index(name)]
        checked = np.round(_lognormal(rng, len(sel), CHECKED_MEDIAN[name], 0.7), 2)
        freq = lower_is_better(level(f"err_freq_{name}", year), "qualite", 0.3, net)[caisse[sel]]
        err = rng.random(len(sel)) < freq
        mean_frac = level(f"err_incid_{name}", year) / level(f"err_freq_{name}", year)
        frac = np.minimum(mean_frac * np.exp(0.5 * rng.standard_normal(len(sel)) - 0.125), 1.0)
        cols["CTL_MNT"][sel] = checked
        cols["ERR_TOP"][sel] = err
        cols["ERR_MNT"][sel] = np.where(err, np.round(checked * frac, 2), 0.0)
        nulls["CTL_MNT"][sel] = nulls["ERR_MNT"][sel] = nulls["ERR_TOP"][sel] = False


def make(rng: np.random.Generator, n: int, year: int, net: Network, first: int = 0,
         since: int = 0, ctx=None):
    """``n`` controls of ``year``: a dict of column arrays and of null masks."""
    types = ctx.dictionaries("controles").get("CTL_TYP_COD", TYPES) if ctx else TYPES
    year_rows = (ctx.year_rows if ctx is not None else None) or DEFAULT_ROWS
    caisse = net.draw(rng, n)
    day = draw_days(rng, "controles", year, n, since)
    cdf = type_weights(types, year)
    kind = draw_codes(rng, n, cdf)
    lcf = kind == types.index("LCF")
    fraud = lcf & (rng.random(n) < FRAUD_SHARE)
    zeros = np.zeros(n)
    cols = {"ORG_CLE_NUM": caisse, "CTL_DTD": day, "CTL_TYP_COD": kind,
            "IND_FRA_TOP": fraud.astype(np.int8), "ERR_TOP": np.zeros(n, np.int8),
            "ERR_MNT": zeros.copy(), "CTL_MNT": zeros.copy()}
    nulls = {c: np.ones(n, bool) for c in ("ERR_TOP", "ERR_MNT", "CTL_MNT")}
    # Préjudices: the year's national totals spread over the year's LCF rows, better caisses
    # (more fraud detected) higher.
    lcf_rows = year_rows * (np.diff(cdf, prepend=0)[types.index("LCF")])
    boost = net.factor("fraude", -0.3)[caisse]
    mean = np.exp(-PREJ_SIGMA**2 / 2)
    subi = level("prej_subi", year) / lcf_rows * boost * mean
    evite = level("prej_evite", year) / (lcf_rows * EVITE_SHARE) * boost * mean
    subi = np.where(lcf, np.round(_lognormal(rng, n, subi, PREJ_SIGMA), 2), 0.0)
    has_evite = lcf & (rng.random(n) < EVITE_SHARE)
    evite = np.where(has_evite, np.round(_lognormal(rng, n, evite, PREJ_SIGMA), 2), 0.0)
    # Undue payments: the LCF préjudice notified, SM findings, quality errors (below).
    sm = kind == types.index("SM")
    indu = np.where(lcf, subi * rng.uniform(0.6, 1.0, n), 0.0)
    indu = np.where(sm & (rng.random(n) < SM_INDU_SHARE), _lognormal(rng, n, INDU_MEDIAN, 0.9),
                    indu)
    _quality(rng, np.flatnonzero(np.isin(kind, [types.index("PN"), types.index("PE")])), kind,
             caisse, year, net, cols, nulls)
    indu = np.round(np.where(cols["ERR_TOP"] == 1, cols["ERR_MNT"], indu), 2)
    rec = np.round(indu * _recovered(rng, caisse, fraud, net, year), 2)
    cols.update({"IND_NOT_MNT": indu, "IND_REC_MNT": np.minimum(rec, indu),
                 "PRJ_SUB_MNT": subi, "PRJ_EVI_MNT": evite})
    return cols, nulls
