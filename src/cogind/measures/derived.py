"""What a plugin's own kernel (:class:`~cogind.measures.families.KernelMeasure`) gets from the
statistic it declares: the confidence interval and the gap in cases of the family it computes
like, read from its finaliser's numerator and denominator (docs/plugins.md)."""
from __future__ import annotations

import numpy as np

from cogind.measures import intervals

RULES = {
    "proportion": intervals.rules("proportion"),
    "ratio": ["Écart en cas : {unit} du numérateur en excès (ou manquants), Σ numérateur − "
              "cible/{scale} × Σ dénominateur (arrondi au supérieur), 0 si la cible est atteinte.",
              "Intervalle de confiance : non disponible (un ratio de sommes demanderait la "
              "variance de chaque ligne, absente de l'état)."],
    "moyenne": ["Écart en cas : {unit} en excès au total, Σ valeurs − cible × nombre "
                "(arrondi au supérieur), 0 si la cible est atteinte.",
                "Intervalle de confiance : normal, moyenne ± z·s/√n, s² tiré de la somme des "
                "carrés (case {squares} de l'état)."],
}
NO_INTERVAL = "Intervalle de confiance : non disponible (l'état ne porte pas la somme des carrés)."


def _parts(m, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, num, den, _ = m.finaliser(rows)
    return np.asarray(num, float), np.asarray(den, float)


def interval(m, rows: np.ndarray, level: float):
    """(low, high) of each cell, or None when the declaration gives no way to compute it."""
    if m.interval_of is not None:
        low, high = m.interval_of(rows, level)
        return np.asarray(low, float), np.asarray(high, float)
    if m.statistic == "proportion":
        low, high = intervals.wilson(*_parts(m, rows), level)
        return 100 * low, 100 * high
    if m.statistic == "moyenne" and m.squares is not None:
        total, n = _parts(m, rows)
        return intervals.mean_normal(n, total, rows[:, m.squares], level)
    return None


def cases(m, rows: np.ndarray, target: float, at_least: bool):
    """(gap of each cell to ``target`` in cases, unit), or None."""
    if m.cases_of is not None:
        return np.asarray(m.cases_of(rows, target, at_least), float), m.cases_unit or "cas"
    if m.statistic == "proportion":
        num, den = _parts(m, rows)
        return intervals.share_cases(num, den, target, at_least), "cas"
    if m.statistic in ("ratio", "moyenne"):
        num, den = _parts(m, rows)
        scale = m.scale if m.statistic == "ratio" else 1.0
        return intervals.excess_total(num, den, target / scale, at_least), m.cases_unit
    return None


def rules(m) -> list[str]:
    """The gap and interval lines of ``cogind describe`` for a kernel measure."""
    if m.statistic not in RULES:
        own = [x for x, fn in (("écart en cas", m.cases_of), ("intervalle de confiance",
                                                               m.interval_of)) if fn is not None]
        if own:
            return [f"{' et '.join(own).capitalize()} : calculés par le plugin."]
        return intervals.rules("noyau")
    lines = [x.format(unit=m.cases_unit, scale=f"{m.scale:g}", squares=m.squares)
             for x in RULES[m.statistic]]
    if m.statistic == "moyenne" and m.squares is None:
        lines[1] = NO_INTERVAL
    return lines
