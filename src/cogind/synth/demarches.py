"""The ``demarches`` table: requests and declarations by nature, demat or paper."""
from __future__ import annotations

import numpy as np

from cogind.synth.calendar import draw_days
from cogind.synth.levels import level
from cogind.synth.reseau import Network
from cogind.synth.served import BASE_CODES
from cogind.synth.shares import caisse_rates, code_weights, draw_codes

TYPES = BASE_CODES[("demarches", "DEM_TYP_COD")]
CANALS = BASE_CODES[("demarches", "DEM_CAN_COD")]
# Volumes: arrêts and GP consultations dominate; one prescription per GP consultation, so that
# digital prescriptions over consultations and the demat share of prescriptions agree.
TYPE_SHARE = {"CV": .05, "NN": .02, "C2S": .03, "AAT": .25, "CMAT": .03, "ORD": .31,
              "CONS": .31}
OTHER_SHARE = 0.03
DEFAULT_DEMAT = 0.5
SPREAD = 0.4


def demat_level(kind: str, year: int, ctx=None) -> float:
    """National demat share of a nature of request (docs/generate.md); a nature the
    generator does not know takes the targets of the indicator that names it."""
    if kind == "C2S":
        return level("demat_share", year)
    if kind == "CONS":
        return level("fse_share", year)
    try:
        return level(f"demat_{kind}", year)
    except KeyError:
        if ctx is None:
            return DEFAULT_DEMAT
        return ctx.catalogue.rate("demarches", "DEM_TYP_COD", kind, year, DEFAULT_DEMAT)


def make(rng: np.random.Generator, n: int, year: int, net: Network, first: int = 0,
         since: int = 0, ctx=None):
    """``n`` requests received in ``year``: a dict of column arrays and of null masks."""
    dicts = ctx.dictionaries("demarches") if ctx is not None else {}
    types = dicts.get("DEM_TYP_COD", TYPES)
    canals = dicts.get("DEM_CAN_COD", CANALS)
    caisse = net.draw(rng, n)
    day = draw_days(rng, "demarches", year, n, since)
    kind = draw_codes(rng, n, code_weights(types, TYPE_SHARE, OTHER_SHARE))
    p = np.empty(n)
    for i, t in enumerate(types):
        rows = np.flatnonzero(kind == i)
        p[rows] = caisse_rates(demat_level(t, year, ctx), "demat", SPREAD, net)[caisse[rows]]
    demat = rng.random(n) < p
    cols = {"ORG_CLE_NUM": caisse, "DEM_REC_DTD": day, "DEM_TYP_COD": kind,
            "DEM_CAN_COD": np.where(demat, canals.index("DEMAT"),
                                    canals.index("PAPIER")).astype(np.int8)}
    return cols, {}
