"""The ``enquetes`` table: satisfaction survey answers by public and channel."""
from __future__ import annotations

import numpy as np

from cogind.synth.calendar import draw_days
from cogind.synth.levels import level
from cogind.synth.reseau import Network
from cogind.synth.served import BASE_CODES
from cogind.synth.shares import caisse_rates, code_weights, draw_codes, lower_is_better

PUBLICS = BASE_CODES[("enquetes", "ENQ_PUB_COD")]
CANALS = BASE_CODES[("enquetes", "ENQ_CAN_COD")]
PUBLIC_SHARE = {"ASS": 0.70, "PS": 0.15, "EMP": 0.15}
# Channel evaluated: the insured answer channel surveys too; PS and employers mostly the
# global one (no physical reception for them).
CANAL_SHARE = {"ASS": {"GLOBAL": .40, "TEL": .25, "MEL": .20, "PHY": .15},
               "PS": {"GLOBAL": .70, "TEL": .15, "MEL": .15, "PHY": .0},
               "EMP": {"GLOBAL": .70, "TEL": .15, "MEL": .15, "PHY": .0}}
OTHER_SHARE = 0.05  # a code that only an indicator names
# Channels of the COG 2018-2022 list (« email, téléphone, internet, papier, physique », seed 004
# l.997) the first draw has no share for: a share of the insured's channel answers is moved
# to them from a random stream of its own (:func:`stream`), so every other column, the
# GLOBAL answers and the channel answers taken together keep their values.
MOVED_SHARE = {"INT": 0.15, "PAP": 0.08}
SAT_SPREAD, REI_SPREAD = 0.35, 0.30


def _satisfaction(public: str, canal: str, year: int) -> float:
    if canal != "GLOBAL":
        return level("sat_canal", year)
    return level(f"sat_{public}" if public in PUBLIC_SHARE else "sat_ASS", year)


def stream(seed: int, year: int, first: int) -> np.random.Generator:
    """The moved channels' own random stream for one block's draw."""
    return np.random.default_rng([int(seed), 0x434E4C, int(year), int(first)])


def _move_channels(rng, can, pub, publics, canals) -> None:
    """Insured channel answers (not GLOBAL) moved to INT / PAP with :data:`MOVED_SHARE`."""
    u = rng.random(len(can))
    if "ASS" not in publics:
        return
    moved = [c for c in MOVED_SHARE if c in canals]
    pool = np.isin(can, [j for j, c in enumerate(canals) if c != "GLOBAL" and c not in moved])
    pool &= pub == publics.index("ASS")
    low = 0.0
    for code in moved:
        high = low + MOVED_SHARE[code]
        can[pool & (u >= low) & (u < high)] = canals.index(code)
        low = high


def _draw_canals(rng, n, shares, canals) -> np.ndarray:
    """Channel index per row among the channels the first draw knows (``MOVED_SHARE`` aside)."""
    first = [j for j, c in enumerate(canals) if c not in MOVED_SHARE]
    picked = draw_codes(rng, n, code_weights(tuple(canals[j] for j in first), shares,
                                             OTHER_SHARE))
    return np.asarray(first, np.int8)[picked]


def make(rng: np.random.Generator, n: int, year: int, net: Network, first: int = 0,
         since: int = 0, ctx=None):
    """``n`` survey answers of ``year``: a dict of column arrays and of null masks."""
    dicts = ctx.dictionaries("enquetes") if ctx is not None else {}
    publics = dicts.get("ENQ_PUB_COD", PUBLICS)
    canals = dicts.get("ENQ_CAN_COD", CANALS)
    caisse = net.draw(rng, n)
    day = draw_days(rng, "enquetes", year, n, since)
    pub = draw_codes(rng, n, code_weights(publics, PUBLIC_SHARE, OTHER_SHARE))
    can = np.zeros(n, np.int8)
    sat_p = np.empty(n, np.float32)
    u = rng.random(n)
    for i, public in enumerate(publics):
        rows = np.flatnonzero(pub == i)
        shares = CANAL_SHARE.get(public, CANAL_SHARE["ASS"])
        can[rows] = _draw_canals(rng, len(rows), shares, canals)
        for j, canal in enumerate(canals):
            cell = rows[can[rows] == j]
            p = caisse_rates(_satisfaction(public, canal, year), "satisfaction", SAT_SPREAD, net)
            sat_p[cell] = p[caisse[cell]]
    rei = lower_is_better(level("reiteration", year), "reiteration", REI_SPREAD, net)[caisse]
    rei_top = (rng.random(n) < rei).astype(np.int8)
    _move_channels(stream(net.seed, year, first), can, pub, tuple(publics), tuple(canals))
    cols = {"ORG_CLE_NUM": caisse, "ENQ_REP_DTD": day, "ENQ_PUB_COD": pub, "ENQ_CAN_COD": can,
            "ENQ_SAT_TOP": (u < sat_p).astype(np.int8),
            "ENQ_REI_TOP": rei_top}
    return cols, {}
