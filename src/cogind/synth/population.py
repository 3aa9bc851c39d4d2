"""The ``population`` table and the age/sex structure of claims (standardised rates, issue 12).

Each caisse's beneficiaries (``BEN_NBR`` of the network) are spread over 20 five-year age bands
× sex after a national pyramid tilted by an ageing z-score of the caisse: overseas caisses are
young, others drawn around the national structure, all ageing a little each year. Claims then
follow population × age/sex consumption profile: an older caisse has more claims per
beneficiary (crude rate) without consuming more at a given age (standardised rate).
"""
from __future__ import annotations

import functools

import numpy as np

from cogind.synth.reseau import Network, network
from cogind.synth.reference import caisses
from cogind.synth.sampling import Alias

AGE_MIN = tuple(range(0, 100, 5))  # 0-4 … 90-94, 95+ (open)
N_BANDS = len(AGE_MIN)
# Share of each band in the population, both sexes (rounded from the French pyramid, INSEE)
PYRAMID = np.array([5.4, 5.9, 6.2, 6.1, 5.6, 5.6, 6.0, 6.3, 6.2, 6.8, 6.7, 6.5, 6.1, 5.9, 5.2,
                    3.6, 2.9, 2.0, 0.9, 0.2])
FEMALE = np.array([.49] * 10 + [.51, .51, .52, .53, .53, .56, .58, .65, .73, .80])
# Relative claims per person by band (men), women x FEMALE_USE: rises steeply after 50
USE = np.array([1.3, .6, .55, .6, .65, .75, .8, .85, .95, 1.05, 1.25, 1.45, 1.7, 2.0, 2.4, 2.8,
                3.1, 3.3, 3.3, 3.2])
FEMALE_USE = np.array([1.0] * 3 + [1.35] * 7 + [1.1] * 10)
# Sick leave (IJ paid through the claims flow): working ages only, rising with age
IJ_USE = np.array([0, 0, 0, .3, .8, 1.0, 1.0, 1.05, 1.1, 1.2, 1.35, 1.5, .6, 0, 0, 0, 0, 0, 0, 0])
AGEING_SD = 0.3  # spread of the caisses' ageing z-scores
OVERSEAS_AGEING = -0.9
AGEING_PER_YEAR = 0.012
GROWTH = 0.003  # beneficiaries per year
BASE_YEAR = 2020
MID = np.array([a + 2.5 for a in AGE_MIN])


@functools.cache
def ageing(seed: int) -> np.ndarray:
    """Ageing z-score of each caisse (> 0: older than the national pyramid)."""
    rng = np.random.default_rng([seed, 0x504F50])
    z = AGEING_SD * rng.standard_normal(len(caisses()))
    overseas = np.array([r["DPT_COD"].startswith("97") for r in caisses()])
    z[overseas] = OVERSEAS_AGEING + 0.1 * z[overseas]
    return z


@functools.cache
def shares(seed: int, year: int) -> np.ndarray:
    """Population shares (caisses × bands × 2 sexes) of ``year``; each caisse sums to 1."""
    z = ageing(seed) + AGEING_PER_YEAR * (year - BASE_YEAR)
    tilt = np.exp(z[:, None] * (MID[None, :] - 42.0) / 25.0) * PYRAMID[None, :]
    tilt /= tilt.sum(axis=1, keepdims=True)
    return np.stack([tilt * (1 - FEMALE), tilt * FEMALE], axis=2)


def counts(net: Network, year: int) -> np.ndarray:
    """Beneficiaries (caisses × bands × sexes, int64) of ``year``: BEN_NBR, growing slowly."""
    ben = network(net.seed)["BEN_NBR"].to_numpy().astype(float)
    size = np.round(ben * (1 + GROWTH) ** (year - BASE_YEAR))
    return np.round(shares(net.seed, year) * size[:, None, None]).astype(np.int64)


def use_rates(kind: str) -> np.ndarray:
    """Relative claims per person (bands × sexes) of a kind of claim (``soins`` or ``ij``)."""
    base = IJ_USE if kind == "ij" else USE
    female = np.ones(N_BANDS) if kind == "ij" else FEMALE_USE
    return np.stack([base, base * female], axis=1)


@functools.cache
def _claims(seed: int, year: int, kind: str):
    """(caisse volume weights, cumulative stratum probabilities per caisse) of claims."""
    mix = shares(seed, year) * use_rates(kind)[None]
    per_caisse = mix.reshape(len(mix), -1)
    volume = per_caisse.sum(axis=1)
    cum = np.cumsum(per_caisse / volume[:, None], axis=1)
    return volume, cum


@functools.cache
def caisse_alias(net: Network, year: int) -> Alias:
    """Claims by caisse: beneficiaries × the mean consumption of their age/sex structure."""
    return Alias(net.weights * _claims(net.seed, year, "soins")[0])


def draw_age_sex(rng: np.random.Generator, caisse: np.ndarray, year: int, seed: int,
                 ij: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Age (years) and sex (1, 2) of claims of ``caisse``: population × consumption profile."""
    n = len(caisse)
    stratum = np.empty(n, np.int64)
    u = rng.random(n)
    for kind, rows in (("soins", np.flatnonzero(~ij)), ("ij", np.flatnonzero(ij))):
        cum = _claims(seed, year, kind)[1][caisse[rows].astype(np.int64)]
        stratum[rows] = np.minimum((u[rows, None] > cum).sum(axis=1), 2 * N_BANDS - 1)
    band, sex = stratum // 2, stratum % 2 + 1
    width = np.where(band == N_BANDS - 1, 6, 5)  # 95+: 95 to 100
    age = np.array(AGE_MIN)[band] + np.floor(rng.random(n) * width).astype(np.int64)
    return age.astype(np.int16), sex.astype(np.int8)

