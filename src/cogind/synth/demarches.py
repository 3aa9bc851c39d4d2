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
# digital prescriptions over consultations and the demat share of prescriptions agree (n° 13
# counts GP prescriptions only: about GP_SHARE of that share).
TYPE_SHARE = {"CV": .05, "NN": .02, "C2S": .03, "AAT": .25, "CMAT": .03, "ORD": .31,
              "CONS": .31}
OTHER_SHARE = 0.03
GP_SHARE = 0.9  # prescriptions written by GPs (n° 13 counts theirs only, issue 21)
GP_CODES, GP_CDF = np.array([1, 22, 23], np.int16), np.array([.9, .95, 1.0])
SPECIALIST_CODES = np.array([3, 5, 7, 12, 14, 15, 32, 33], np.int16)  # IR_SPE_V
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


def finish(rng: np.random.Generator, cols: dict, nulls: dict, ctx=None) -> None:
    """The prescriber of each prescription (PSP_SPE_COD, empty on other natures), on the rows
    kept: from a stream of its own (jumped, not drawn from), so every other column stays."""
    dicts = ctx.dictionaries("demarches") if ctx is not None else {}
    types = dicts.get("DEM_TYP_COD", TYPES)
    canals = dicts.get("DEM_CAN_COD", CANALS)
    kind = cols["DEM_TYP_COD"]
    ordonnance, consultation = (kind == _index(types, t) for t in ("ORD", "CONS"))
    digital = ordonnance & (cols["DEM_CAN_COD"] == canals.index("DEMAT"))
    cols["PSP_SPE_COD"] = prescribers(np.random.Generator(rng.bit_generator.jumped()),
                                      cols["ORG_CLE_NUM"], cols["DEM_REC_DTD"], digital,
                                      consultation)
    nulls["PSP_SPE_COD"] = ~ordonnance


def _index(types, code: str) -> int:
    return types.index(code) if code in types else -1


def prescribers(rng, caisse, day, digital, consultation) -> np.ndarray:
    """PSP_SPE_COD of each row (meaningful on prescriptions): a GP for ``GP_SHARE`` of them,
    else a specialist; a caisse's digital GP prescriptions of a month never outnumber its GP
    consultations of that month (the excess goes to specialists), so n° 13 stays ≤ 100 %."""
    n = len(caisse)
    gp = rng.random(n) < GP_SHARE
    spe = np.where(gp, GP_CODES[np.searchsorted(GP_CDF, rng.random(n), side="right")],
                   SPECIALIST_CODES[rng.integers(0, len(SPECIALIST_CODES), n)])
    month = np.asarray(day).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    key = np.asarray(caisse, np.int64) * 100_000 + (month - month.min() if n else month)
    counted = np.flatnonzero(digital & gp)
    keys, cons = np.unique(key[consultation], return_counts=True)
    allowed = np.zeros(len(counted), np.int64)
    at = np.searchsorted(keys, key[counted])
    found = (at < len(keys)) & (keys[np.minimum(at, len(keys) - 1)] == key[counted])
    allowed[found] = cons[at[found]]
    order = np.argsort(key[counted], kind="stable")
    sorted_keys = key[counted][order]
    first = np.searchsorted(sorted_keys, sorted_keys, side="left")
    rank = np.empty(len(counted), np.int64)
    rank[order] = np.arange(len(counted)) - first
    spe[counted[rank >= allowed]] = SPECIALIST_CODES[0]
    return spe.astype(np.int16)
