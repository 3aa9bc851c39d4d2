"""ALD status of the generated data (issue 21 § 2): ``prestations.EXO_MTF`` and the
``population`` split by ``ALD_TOP``.

About 18 % of the beneficiaries are in ALD (affection de longue durée), few children, half of
the over-75s (``PREVALENCE``, by five-year band, men a little more at older ages); each caisse
has its own level (a log-normal factor, sd ``CAISSE_SD``: deprived areas more). The population
table gives each stratum's beneficiaries in ALD (``ALD_TOP`` = 1, rounded) and the others
(0): the two rows sum to the stratum's ``BEN_NBR``. A person in ALD has ``RELATIVE_USE`` times
the claims of another of the same age, sex and caisse, so a claim line of a stratum is an ALD
patient's with probability p·r / (p·r + 1 − p). Such lines carry an ALD motif ``EXO_MTF`` 41-46
(IR_EXO_V: liste, hors liste, polypathologie; care related to the ALD or not), other lines 0
(sans objet) or another motif. Drawn from streams of their own: every other column keeps its
values (the 100 % reimbursement of the claims does not follow EXO_MTF).
"""
from __future__ import annotations

import functools

import numpy as np

from cogind.synth import population
from cogind.synth.reseau import Network

ALD_CODES = (41, 42, 43, 44, 45, 46)
# ALD prevalence per five-year band (population.AGE_MIN), men; women × FEMALE_RATIO
PREVALENCE = np.array([.015, .02, .025, .03, .035, .045, .055, .07, .09, .11, .14, .18, .23,
                       .29, .35, .42, .48, .53, .56, .58])
FEMALE_RATIO = np.array([.9] * 9 + [1.0] * 3 + [.9] * 8)
CAISSE_SD = 0.15
RELATIVE_USE = 4.0
# (motif, share) of an ALD patient's lines: 42 liste en rapport, 41 sans rapport, …
ALD_MOTIFS = ((42, .55), (41, .25), (44, .07), (43, .04), (46, .06), (45, .03))
# other lines: 0 sans objet, 30 nature de prestation, 10 assurance, 81 prévention, 62 autre
OTHER_MOTIFS = ((0, .92), (30, .03), (10, .02), (81, .02), (62, .01))
STREAM = 0x414C44  # 'ALD'


@functools.cache
def caisse_factor(seed: int, n_caisses: int) -> np.ndarray:
    """Each caisse's ALD prevalence relative to the national (log-normal, mean 1)."""
    rng = np.random.default_rng([seed, STREAM])
    return np.exp(CAISSE_SD * rng.standard_normal(n_caisses) - CAISSE_SD ** 2 / 2)


def prevalence(seed: int, n_caisses: int) -> np.ndarray:
    """Share in ALD (caisses × bands × sexes)."""
    base = np.stack([PREVALENCE, PREVALENCE * FEMALE_RATIO], axis=1)
    return np.minimum(caisse_factor(seed, n_caisses)[:, None, None] * base[None], 0.95)


def split(net: Network, year: int, counts: np.ndarray | None = None) -> np.ndarray:
    """Beneficiaries in ALD (caisses × bands × sexes, int64) of ``year`` (of ``counts``, the
    beneficiaries per stratum, when given)."""
    counts = population.counts(net, year) if counts is None else counts
    ald = np.round(counts * prevalence(net.seed, len(net.codes))).astype(np.int64)
    # claim lines carry ALD motifs in every stratum: a stratum of the claims' people (a small
    # sample, synth.beneficiaires.people) keeps at least one person in ALD and one not
    return np.where(counts >= 2, np.clip(ald, 1, counts - 1), ald)


def _motifs(rng: np.random.Generator, n: int, table) -> np.ndarray:
    codes = np.array([c for c, _ in table], np.int16)
    cum = np.cumsum([w for _, w in table])
    return codes[np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"),
                            len(codes) - 1)]


def exo_mtf(seed: int, year: int, offset: int, caisse: np.ndarray, age: np.ndarray,
            sex: np.ndarray, n_caisses: int) -> np.ndarray:
    """EXO_MTF of claim lines (their caisse index, age and sex), from the ALD stream."""
    rng = np.random.default_rng([seed, STREAM, year, offset])
    band = np.minimum(np.asarray(age, np.int64) // 5, population.N_BANDS - 1)
    p = prevalence(seed, n_caisses)[np.asarray(caisse, np.int64), band,
                                    np.asarray(sex, np.int64) - 1]
    share = p * RELATIVE_USE / (p * RELATIVE_USE + 1 - p)
    in_ald = rng.random(len(p)) < share
    out = _motifs(rng, len(p), OTHER_MOTIFS)
    out[in_ald] = _motifs(rng, int(in_ald.sum()), ALD_MOTIFS)
    return out


def finish(rng, cols: dict, nulls: dict, ctx) -> None:
    """The ``finish`` step of prestations blocks: EXO_MTF (``rng``, the block's, unused)."""
    cols["EXO_MTF"] = exo_mtf(ctx.seed, ctx.year, ctx.offset, cols["ORG_CLE_NUM"],
                              cols["BEN_AMA_COD"], cols["BEN_SEX_COD"], ctx.n_caisses)


def table_columns(net: Network, year: int, counts: np.ndarray | None = None) -> dict:
    """Population rows of ``year`` (caisse, band, sex, then ALD_TOP 0 and 1) as columns;
    ``counts``: the beneficiaries per stratum (default: the network's)."""
    c = population.counts(net, year) if counts is None else counts
    a = split(net, year, c)
    k, b, s, d = np.meshgrid(np.arange(len(net.codes)), np.arange(population.N_BANDS),
                             np.arange(2), np.arange(2), indexing="ij")
    nbr = np.stack([c - a, a], axis=3)
    return {"ORG_CLE_NUM": k.ravel().astype(np.int8), "ANNEE": np.full(nbr.size, year),
            "AGE_MIN": np.array(population.AGE_MIN)[b.ravel()], "BEN_SEX_COD": s.ravel() + 1,
            "ALD_TOP": d.ravel().astype(np.int64), "BEN_NBR": nbr.ravel()}


def table_nulls(n: int) -> dict:
    return {}


def cells_per_year(net: Network) -> int:
    """Population rows of a year: caisse × band × sex × ALD status."""
    return len(net.codes) * population.N_BANDS * 2 * 2
