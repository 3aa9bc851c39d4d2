"""Confidence intervals and gaps in cases, from summed integer states (no second read).

Intervals: Wilson for proportions; normal for means (variance from the state's sum of squares);
order statistics for quantiles (ranks from the binomial distribution, values read in the day
histogram). Gaps in cases: how many rows would have had to change for the target to be met.
Every function works on arrays of cells (rows of states) and returns NaN where undefined.
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction
from statistics import NormalDist

import numpy as np

from cogind.kernels.quantiles import rank_bins

EXACT_BINOMIAL_MAX = 5_000  # beyond, n·p·(1−p) is large: the normal approximation is exact to a rank
"""Above this many observations, the binomial ranks use the normal approximation."""

_LOG_FACTORIALS = np.zeros(1)


def z_value(level: float) -> float:
    """Two-sided normal quantile: 1.959964 for 0.95."""
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, not {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


# --------------------------------------------------------------------------- intervals


def wilson(num: np.ndarray, den: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of num/den (as a fraction of 1); NaN where den = 0."""
    z = z_value(level)
    num, den = np.asarray(num, float), np.asarray(den, float)
    low, high = np.full(num.shape, np.nan), np.full(num.shape, np.nan)
    ok = den > 0
    n, p = den[ok], num[ok] / den[ok]
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low[ok], high[ok] = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    low[ok & (num == 0)], high[ok & (num == den)] = 0.0, 1.0  # exact, not 1e-17 off
    return low, high


def mean_normal(n: np.ndarray, total: np.ndarray, squares: np.ndarray,
                level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """mean ± z·s/√n, s² the unbiased variance from Σx and Σx²; NaN where n < 2."""
    z = z_value(level)
    n, total, squares = (np.asarray(a, float) for a in (n, total, squares))
    low, high = np.full(n.shape, np.nan), np.full(n.shape, np.nan)
    ok = n >= 2
    mean = total[ok] / n[ok]
    var = np.maximum((squares[ok] - total[ok] * mean) / (n[ok] - 1), 0.0)
    half = z * np.sqrt(var / n[ok])
    low[ok], high[ok] = mean - half, mean + half
    return low, high


def _log_factorials(n: int) -> np.ndarray:
    global _LOG_FACTORIALS
    if len(_LOG_FACTORIALS) <= n:  # grown once, reused by every cell
        _LOG_FACTORIALS = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    return _LOG_FACTORIALS[:n + 1]


def binomial_cdf(n: int, p: float) -> np.ndarray:
    """P(B ≤ k) for k = 0..n, B ~ Binomial(n, p), 0 < p < 1."""
    lf = _log_factorials(n)
    k = np.arange(n + 1)
    log_pmf = lf[n] - lf[k] - lf[n - k] + k * math.log(p) + (n - k) * math.log1p(-p)
    return np.minimum(np.cumsum(np.exp(log_pmf)), 1.0)


@functools.lru_cache(maxsize=4096)
def order_ranks(n: int, p: float, level: float = 0.95) -> tuple[int, int]:
    """Ranks (l, u) with P(X_(l) ≤ ξ_p ≤ X_(u)) ≥ level; l = 0 or u = n + 1 mean unbounded.

    l is the largest rank with P(B < l) ≤ α/2, u the smallest with P(B < u) ≥ 1 − α/2.
    """
    alpha = 1 - level
    if n > EXACT_BINOMIAL_MAX:
        z, mu = z_value(level), n * p
        sd = math.sqrt(n * p * (1 - p))
        return max(int(math.floor(mu - z * sd)), 0), min(int(math.ceil(mu + z * sd)) + 1, n + 1)
    cdf = binomial_cdf(n, p)
    low = int(np.searchsorted(cdf, alpha / 2, side="right"))
    high = int(np.searchsorted(cdf, 1 - alpha / 2 - 1e-12, side="left")) + 1
    return low, min(high, n + 1)


def quantile_order(hist: np.ndarray, n: np.ndarray, p: float,
                   level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Order-statistic interval of the p-quantile of each histogram row (bins = 0, 1, 2…).

    The last bin is the overflow: a bound falling in it is +inf. An unbounded lower rank gives
    0 (delays are never negative).
    """
    n = np.asarray(n, np.int64)
    low, high = np.full(len(n), np.nan), np.full(len(n), np.nan)
    if not 0 < p < 1:
        return low, high
    top = hist.shape[1] - 1
    sizes, where = np.unique(n, return_inverse=True)
    ranks = np.array([order_ranks(int(m), p, level) if m > 0 else (0, 0) for m in sizes],
                     np.int64).reshape(-1, 2)
    lo_rank, hi_rank = ranks[where.ravel(), 0], ranks[where.ravel(), 1]
    lo_bin, hi_bin = np.empty(len(n), np.int64), np.empty(len(n), np.int64)
    rank_bins(hist, lo_rank, lo_bin)  # bin holding the lo_rank-th delay
    rank_bins(hist, hi_rank, hi_bin)
    hi_bin = np.where(hi_rank <= n, hi_bin, top)
    some = n > 0
    low[some] = np.where(lo_rank[some] == 0, 0.0, lo_bin[some])
    high[some] = np.where(hi_bin[some] >= top, math.inf, hi_bin[some])
    return low, high


# --------------------------------------------------------------------------- gaps in cases


def _exact(t: float) -> Fraction:
    return Fraction(str(t))


def share_cases(num: np.ndarray, den: np.ndarray, target_pct: float,
                at_least: bool) -> np.ndarray:
    """Rows to move into (``at_least``) or out of the numerator to reach ``target_pct`` %.

    ⌈t/100·den − num⌉ or ⌈num − t/100·den⌉, never below 0; NaN where den = 0. Exact.
    """
    t = _exact(target_pct)
    p, q = t.numerator, t.denominator * 100  # the target as the exact fraction p / q
    a = np.asarray(num).astype(np.int64)
    b = np.asarray(den).astype(np.int64)
    need = p * b - q * a if at_least else q * a - p * b  # in units of 1/q
    cases = np.maximum(-((-need) // q), 0).astype(float)  # ⌈need / q⌉, never below 0
    return np.where(b > 0, cases, np.nan)


def excess_total(total: np.ndarray, n: np.ndarray, target: float, at_least: bool,
                 decimals: int | None = None) -> np.ndarray:
    """Σx − t·n (or t·n − Σx when ``at_least``), never below 0: the excess a mean carries."""
    total, n = np.asarray(total, float), np.asarray(n, float)
    gap = (target * n - total) if at_least else (total - target * n)
    out = np.where(n > 0, np.maximum(gap, 0.0), np.nan)
    if decimals is None:
        return np.ceil(out - 1e-9)
    return np.round(out, decimals)


def quantile_cases(hist: np.ndarray, n: np.ndarray, p: float, target: float,
                   at_least: bool) -> np.ndarray:
    """Observations to bring back within ``target`` for the p-quantile to meet it.

    Lower is better: ⌈p·n⌉ − #{d ≤ t}, i.e. the delays above t minus the ⌊(1−p)·n⌋ allowed.
    Higher is better: #{d < t} − ⌈p·n⌉ + 1. Never below 0; NaN where n = 0.
    """
    q = _exact(p)
    n = np.asarray(n, np.int64)
    top = hist.shape[1] - 1  # overflow bin: beyond every finite target
    cum_at = lambda d: hist[:, :d + 1].sum(axis=1)  # delays ≤ d
    k = -((-q.numerator * n) // q.denominator)  # ⌈p·n⌉ in exact integer arithmetic
    if at_least:
        d = math.ceil(target) - 1
        below = np.zeros(len(n), np.int64) if d < 0 else cum_at(min(d, top - 1))
        out = np.maximum(below - k + 1, 0).astype(float)
    else:
        within = (cum_at(min(math.floor(target), top - 1)) if target >= 0
                  else np.zeros(len(n), np.int64))
        out = np.maximum(k - within, 0).astype(float)
    return np.where(n > 0, out, np.nan)


# --------------------------------------------------------------------------- rules, for describe

RULES = {
    "moyenne": ("Écart en cas : {unit} de délai en excès au total, Σ délais − cible × nombre de "
                "délais (arrondi au supérieur), 0 si la cible est atteinte.",
                "Intervalle de confiance : normal, moyenne ± z·s/√n, s² tiré de la somme des "
                "carrés des délais."),
    "part_sous_seuil": ("Écart en cas : lignes qui auraient dû être traitées dans le délai, "
                        "⌈cible/100 × dénominateur − numérateur⌉, 0 si la cible est atteinte.",
                        "Intervalle de confiance : Wilson."),
    "quantile": ("Écart en cas : délais à ramener sous la cible, nombre de délais > cible moins "
                 "les ⌊(1 − p)·n⌋ tolérés (soit ⌈p·n⌉ − nombre de délais ≤ cible), 0 si la "
                 "cible est atteinte.",
                 "Intervalle de confiance : statistiques d'ordre [X(l) ; X(u)], rangs tirés de la "
                 "loi binomiale (n, p), valeurs lues dans l'histogramme des délais."),
    "proportion": ("Écart en cas : lignes qui auraient dû entrer au numérateur (ou en sortir), "
                   "⌈cible/100 × dénominateur − numérateur⌉, 0 si la cible est atteinte.",
                   "Intervalle de confiance : Wilson."),
    "ratio": ("Écart en cas : montant de {num} en excès (ou manquant), Σ {num} − cible/{scale} × "
              "Σ {den}, en {unit}, 0 si la cible est atteinte.",
              "Intervalle de confiance : non disponible (un ratio de sommes demanderait la "
              "variance de chaque ligne, absente de l'état)."),
    "ratio_declare": ("Écart en cas : non disponible ({num} est une mesure déclarée, de nature "
                      "inconnue : l'écart se lit dans l'unité de l'indicateur, en points pour "
                      "un taux, valeur − cible).",
                      "Intervalle de confiance : non disponible (un ratio de sommes demanderait "
                      "la variance de chaque ligne, absente de l'état)."),
}


def rules(statistic: str, **fields: str) -> list[str]:
    """The gap-in-cases and interval rules of a statistic, as ``cogind describe`` lines."""
    default = ("Écart en cas et intervalle de confiance : non disponibles pour cette mesure.",)
    return [line.format(**fields) for line in RULES.get(statistic, default)]
