"""Which rows a COG target judges, and against what: the period and the level it is written for.

A COG writes a target for a calendar year and for the whole network (issue 23). A rate, a delay
or a mean means the same over a month, a quarter or a year, so its target judges every period
and every level. Other families are read from their ``statistic`` (:data:`BY_STATISTIC`: counts,
sums and savings are flows, a stock a level), and a plugin's family may say so with two class
attributes, ``target_period`` and ``national_target``:

* ``target_period = "annee"``: a flow summed over months (a count, an amount). Its target is the
  year's total: a period covering the calendar year is judged on it; a period from January to
  month k (year to date, the first quarter, January; or a year whose data stop at month k) on the
  pro-rated path k/12 × target, labelled « proratisée »; any other period (a later quarter or
  month, twelve rolling months across two years, several years) is « non évalué ».
* ``target_period = "fin_annee"``: a level at the end of a period (a stock). Its target is the
  level to reach by December: judged on a period ending in December (with data up to it), else
  « non évalué ».
* ``national_target = True``: the national value is the sum of the caisses' (counts, amounts,
  stocks); a national target of that quantity judges the national row only, a caisse or a region
  has « sans cible ».
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from cogind.measures.periods import Period
from cogind.model import Target

ANY, YEAR, YEAR_END = "toute", "annee", "fin_annee"
JUDGED, PRORATED, NOT_JUDGED = "jugee", "proratisee", "non_jugee"
PRORATED_WORD = "proratisée"
STATUS_NOT_JUDGED = "non évalué"
"""The status of a value whose period is not one its target is written for."""


@dataclass(frozen=True)
class Judgement:
    """How the target of one period is applied: ``mode`` (jugee, proratisee, non_jugee), the
    months of the year the figure covers (``months``/12 for a pro-rated target), why not."""

    mode: str
    months: int = 12
    motif: str | None = None


BY_STATISTIC = {"nombre": (YEAR, True), "somme": (YEAR, True),
                "economies_tendanciel": (YEAR, True), "stock": (YEAR_END, True)}
"""Built-in families whose target is not « any period, any level »: (period, national only)."""


def target_period(measure) -> str:
    """``toute``, ``annee`` or ``fin_annee``: the periods a target of ``measure`` applies to."""
    default = BY_STATISTIC.get(getattr(measure, "statistic", ""), (ANY, False))[0]
    return getattr(measure, "target_period", default)


def national_only(measure) -> bool:
    """Whether a (national) COG target of ``measure`` judges the national row only."""
    default = BY_STATISTIC.get(getattr(measure, "statistic", ""), (ANY, False))[1]
    return bool(getattr(measure, "national_target", default))


RULE_TEXT = {ANY: "sur toute période", YEAR: "sur l'année civile ; de janvier au mois k, contre "
             "la cible proratisée k/12 ; autres périodes non évaluées",
             YEAR_END: "sur le niveau de décembre ; autres périodes non évaluées"}


def rule_text(measure) -> str:
    """How a COG target of ``measure`` is judged, for ``cogind describe``."""
    where = "au niveau national seulement" if national_only(measure) else "à chaque niveau"
    return f"cible jugée {RULE_TEXT[target_period(measure)]}, {where}"


def judge_period(measure, period: Period, target: Target | None,
                 reference_month: int | None = None) -> Judgement:
    """How ``target`` (the COG's, for ``period.year``) applies to ``period``.

    ``reference_month``: the last month with data (or the as-of month); a period reaching
    beyond it covers its months up to there only.
    """
    kind = target_period(measure)
    if target is None or target.kind in ("a_determiner", "evolution") or kind == ANY:
        return Judgement(JUDGED)
    january = (period.year - 1970) * 12
    last = period.last_month if reference_month is None else min(period.last_month,
                                                                   reference_month)
    if kind == YEAR_END:
        if period.last_month == january + 11 and last == period.last_month:
            return Judgement(JUDGED)
        return Judgement(NOT_JUDGED, motif=f"cible de fin d'année ({target.label}) : jugée "
                                           f"sur le niveau de décembre {period.year}")
    if period.first_month == january and january <= last:
        k = last - january + 1
        return Judgement(JUDGED) if k == 12 else Judgement(PRORATED, k)
    return Judgement(NOT_JUDGED, motif=f"cible annuelle ({target.label}) : jugée sur l'année "
                                       f"{period.year} ou en cumul depuis janvier")


def prorated(target: Target, months: int) -> Target:
    """``target`` × ``months``/12, its label saying so (« 200 000 × 3/12, proratisée »)."""
    scale = lambda v: None if v is None else v * months / 12  # exact when 12 divides v × k
    return dataclasses.replace(target, value=scale(target.value), low=scale(target.low),
                               high=scale(target.high),
                               label=f"{target.label} × {months}/12, {PRORATED_WORD}")


def level_motif(target: Target) -> str:
    """Why a caisse (or region) row of a national-only target has none."""
    return f"cible nationale ({target.label}) : jugée au niveau national seulement"


def unjudged_rows(measure, target: Target | None, judgement: Judgement,
                  levels: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """(rows of a period the target is not written for, caisse and region rows of a
    national-only quantity, which have no target whatever the period); None: every row judged."""
    if target is None or target.kind == "a_determiner":
        return None
    level = (np.asarray(levels, object) != "national" if national_only(measure)
             else np.zeros(len(levels), bool))
    period = np.full(len(levels), judgement.mode == NOT_JUDGED) & ~level
    return (period, level) if period.any() or level.any() else None


def clear_judgement(unjudged: tuple[np.ndarray, np.ndarray], na: np.ndarray,
                    judgement: Judgement, target: Target, judged: tuple, cible, no_target: str):
    """(statut, motif, atteint, écart, écart en cas, its unit, significatif, cible) of a block
    whose ``unjudged`` rows (:func:`unjudged_rows`) are emptied of any judgement: « non évalué »
    or ``no_target``, with their motif; a value stays a value, non calculable stays."""
    statut, motif, met, gap, cases, unit, sig = judged
    period, level = unjudged
    off = period | level
    statut = np.where(period & ~na, STATUS_NOT_JUDGED, np.where(level & ~na, no_target, statut))
    motif = np.where(period & ~na, judgement.motif,
                     np.where(level & ~na, level_motif(target), motif))
    met = np.where(off, None, met)
    gap, cases = np.where(off, np.nan, gap), np.where(off, np.nan, cases)
    unit, sig = np.where(off, None, unit), np.where(off, None, sig)
    cible = np.where(off, np.nan, np.nan if cible is None else cible)
    return statut, motif, met, gap, cases, unit, sig, cible


__all__ = [
    "ANY",
    "JUDGED",
    "NOT_JUDGED",
    "PRORATED",
    "STATUS_NOT_JUDGED",
    "YEAR",
    "YEAR_END",
    "Judgement",
    "clear_judgement",
    "judge_period",
    "level_motif",
    "national_only",
    "prorated",
    "rule_text",
    "target_period",
    "unjudged_rows",
]
