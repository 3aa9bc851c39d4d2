"""The caisse network: 101 caisses, their size (beneficiaries) and performance."""
from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cogind.synth.reference import caisses, nomenclature
from cogind.synth.sampling import Alias

TOTAL_BENEFICIARIES = 60_000_000
# Largest départements first (Nord, Paris, Bouches-du-Rhône...), smallest last; the rest is
# shuffled. Sizes themselves are log-normal draws, so only the ranking is taken from reality.
LARGEST = ("59", "75", "13", "69", "93", "92", "33", "62", "44", "78", "31", "77", "38", "94",
           "91", "76", "34", "95", "67", "06")
SMALLEST = ("32", "2A", "55", "09", "52", "15", "05", "04", "90", "2B", "23", "976", "48")
SIZE_SIGMA = 0.7
# Share of a family's caisse effect that is the caisse's general performance.
GENERAL_SHARE = 0.7


def _ranked_order(depts: list[str], rng: np.random.Generator) -> list[int]:
    """Caisse indices from largest to smallest."""
    pos = {d: i for i, d in enumerate(depts)}
    middle = [i for i, d in enumerate(depts) if d not in LARGEST and d not in SMALLEST]
    middle = [middle[i] for i in rng.permutation(len(middle))]
    return [pos[d] for d in LARGEST] + middle + [pos[d] for d in SMALLEST]


def _beneficiaries(n: int, depts: list[str], rng: np.random.Generator) -> np.ndarray:
    sizes = np.sort(rng.lognormal(0.0, SIZE_SIGMA, n))[::-1]
    out = np.empty(n)
    out[_ranked_order(depts, rng)] = sizes
    out = np.floor(out / out.sum() * TOTAL_BENEFICIARIES).astype(np.int64)
    return out


def network(seed: int = 0) -> pa.Table:
    """The 101 caisses of the synthetic network.

    Columns: ``ORG_CLE_NUM`` (IR_CAI_V code, e.g. ``01C751``), ``ORG_CAI_LIB`` (label),
    ``DPT_COD`` (département), ``ORG_CLE_REG`` and ``REG_LIB`` (region), ``BEN_NBR``
    (beneficiaries, log-normal, ~60 million in all, a few large caisses carry much of the
    volume) and ``PERF`` (general performance z-score: positive caisses do better than the
    national level, negative ones worse).

    :param seed: the same seed gives the same network (and is the one ``generate`` uses).
    """
    rows = caisses()
    rng = np.random.default_rng([seed, 0x4E4554])
    depts = [r["DPT_COD"] for r in rows]
    ben = _beneficiaries(len(rows), depts, rng)
    perf = rng.standard_normal(len(rows))
    perf = (perf - perf.mean()) / perf.std()
    regions = nomenclature()["ORG_CLE_REG"]
    return pa.table({
        "ORG_CLE_NUM": [r["ORG_CLE_NUM"] for r in rows],
        "ORG_CAI_LIB": [r["ORG_CAI_LIB"] for r in rows],
        "DPT_COD": depts,
        "ORG_CLE_REG": [r["ORG_CLE_REG"] for r in rows],
        "REG_LIB": [regions[int(r["ORG_CLE_REG"])] for r in rows],
        "BEN_NBR": pa.array(ben, pa.int64()),
        "PERF": pa.array(perf, pa.float64()),
    })


@dataclass(frozen=True, eq=False)
class Network:
    """The network as arrays, for drawing caisses and their effects in the table generators."""

    seed: int
    codes: tuple[str, ...]
    weights: np.ndarray
    perf: np.ndarray

    @classmethod
    @functools.cache
    def build(cls, seed: int) -> Network:
        t = network(seed)
        ben = t["BEN_NBR"].to_numpy().astype(float)
        return cls(seed, tuple(t["ORG_CLE_NUM"].to_pylist()), ben / ben.sum(),
                   t["PERF"].to_numpy())

    @functools.cached_property
    def _alias(self) -> Alias:
        return Alias(self.weights)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Caisse index (int8) of ``n`` rows, proportional to beneficiaries."""
        return self._alias.draw(rng, n).astype(np.int8)

    @functools.cache
    def effect(self, family: str) -> np.ndarray:
        """Caisse z-scores for an indicator family: volume-weighted mean 0, sd 1, >0 is better."""
        rng = np.random.default_rng([self.seed, zlib.crc32(family.encode())])
        z = GENERAL_SHARE * self.perf + np.sqrt(1 - GENERAL_SHARE**2) * rng.standard_normal(
            len(self.perf))
        mean = np.sum(self.weights * z)
        sd = np.sqrt(np.sum(self.weights * (z - mean) ** 2))
        return (z - mean) / sd

    def factor(self, family: str, spread: float) -> np.ndarray:
        """Multiplicative caisse factor on a delay (<1 is faster), volume-weighted mean 1."""
        f = np.exp(-spread * self.effect(family))
        return f / np.sum(self.weights * f)
