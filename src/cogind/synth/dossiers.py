"""The ``dossiers`` table: C2S (CMUC/ACS before November 2019) applications and decisions."""
from __future__ import annotations

import numpy as np

from cogind.synth.calendar import day_number, draw_days
from cogind.synth.levels import level
from cogind.synth.reseau import Network

TYPES = ("C2S", "C2SP", "CMUC", "ACS")
CANALS = ("PAPIER", "DEMAT")
C2S_START = "2019-11-01"  # the C2S replaced CMUC and ACS
C2SP_SHARE, ACS_SHARE = 0.30, 0.40
Z90 = 1.2816
SIGMA = 0.5
DEMAT_SPEEDUP = 0.8  # online applications are decided faster
SPREAD = 0.15


def make(rng: np.random.Generator, n: int, year: int, net: Network, first: int = 0,
         since: int = 0, ctx=None):
    """``n`` applications received in ``year``: a dict of column arrays and of null masks."""
    caisse = net.draw(rng, n)
    rec = draw_days(rng, "dossiers", year, n, since)
    u = rng.random(n, dtype=np.float32)
    new = rec >= day_number(C2S_START)
    kind = np.where(new, np.where(u < C2SP_SHARE, 1, 0), np.where(u < ACS_SHARE, 3, 2))
    demat = rng.random(n, dtype=np.float32) < level("demat_share", year)
    # 9th decile of the whole flow = level: paper slower, online faster, mixed to average 1
    speed = np.where(demat, DEMAT_SPEEDUP, 1.0)
    speed = speed / (level("demat_share", year) * DEMAT_SPEEDUP + 1 - level("demat_share", year))
    p90 = (level("c2s_p90", year) + 0.5) * speed * net.factor("c2s", SPREAD)[caisse]
    z = rng.standard_normal(n, dtype=np.float32)
    delay = np.floor(p90 / np.exp(Z90 * SIGMA) * np.exp(SIGMA * z)).astype(np.int32)
    cols = {"ORG_CLE_NUM": caisse, "DOS_TYP_COD": kind.astype(np.int8), "DOS_REC_DTD": rec,
            "DOS_DEC_DTD": rec + delay, "DOS_CAN_COD": demat.astype(np.int8)}
    return cols, {}
