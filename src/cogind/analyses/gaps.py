"""The gap to a target in the indicator's own terms, and statuses short enough to read (issue 23).

:func:`gap` reads one result row and says what is missing to reach its target, in the terms of
the indicator's family:

* a proportion of events, a share within a delay, a delay quantile: **cases** (``ecart_cas``,
  the rows that should have entered the numerator or been handled in time);
* a mean delay: **days of delay in excess**, summed over the cases (``ecart_cas``, Σ delays −
  target × n: what the COG's « délai moyen » asks to remove);
* an amount (unit ``euros``): **euros**;
* a rate read as a ratio of sums (``mesures``: MES_NUM / MES_DEN, whose nature cogind does not
  know), an evolution in %, a change in points: **points** (value − target);
* a count, a stock, any other unit: that unit (value − target); a plugin's kernel that declares
  what its gap in cases counts (``cases_unit``): that.

The terminal table (:func:`cogind.analyses.statuses.render_results`), ``cogind alerts``,
``cogind diff`` (a change of a rate is in points) and the report use it, so they say the same
thing. Numbers go through :mod:`cogind.formatting`, the one French formatter.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


from cogind import formatting

CASES, EXCESS_DAYS, POINTS, EUROS = "cas", "jours de délai en excès", "points", "euros"
DAY_UNITS = ("jours", "heures", "minutes", "secondes")


@dataclass(frozen=True)
class Gap:
    """What is missing to reach the target (≥ 0, 0 when met), ``unit`` as
    :func:`cogind.formatting.number` reads it, ``label`` the words a header uses."""

    value: float
    unit: str
    label: str

    def text(self, places: int | None = None) -> str:
        """« 1 234 cas », « 884 j », « 0,7 pts », « 12 345 € »."""
        if self.label.endswith("de délai en excès"):
            places = 0  # Σ delays − target × n, rounded up to whole days
        return formatting.number(self.value, self.unit, places=places)

    def phrase(self, places: int | None = None) -> str:
        """The gap in words: « 1 234 cas », « 884 j de délai en excès », « 0,7 pts »."""
        return phrase(self.value, self.label, places)


def phrase(value: float, label: str, places: int | None = None) -> str:
    """A gap of ``value`` whose :attr:`Gap.label` is ``label``, in words; ``places``: the
    decimals of the value it is the gap of, for points (« 0,01 pts » beside « 1,13 % »)."""
    if label.endswith("de délai en excès"):
        unit = label.split(" ", 1)[0]
        return f"{formatting.number(value, unit, places=0)} de délai en excès"
    return formatting.number(value, label, places=places if label == POINTS else None)


def precision(value, goal, unit: str | None) -> int:
    """Decimals that show ``goal`` whole (« 1,12 % », not « 1,1 % ») and tell ``value`` from it
    (« 1,13 % » against 1,12 %): :func:`cogind.formatting.against`."""
    return formatting.against(value, goal, unit)


def _finite(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def gap(row: dict) -> Gap | None:
    """The gap of a judged row in its indicator's own terms (module docstring); None when the
    row is not judged (no target, non calculable, masked, not the target's period or level)."""
    if row.get("atteint") is None or not _finite(row.get("ecart")):
        return None
    unit, cases, cases_unit = row.get("unite") or "", row.get("ecart_cas"), row.get(
        "ecart_cas_unite")
    if _finite(cases) and cases_unit == CASES:
        return Gap(float(cases), "cas", CASES)
    if _finite(cases) and cases_unit in DAY_UNITS and unit == cases_unit:
        return Gap(float(cases), cases_unit, EXCESS_DAYS if cases_unit == "jours"
                   else f"{cases_unit} de délai en excès")
    if _finite(cases) and cases_unit and cases_unit != EUROS:  # what a plugin's kernel counts
        return Gap(float(cases), cases_unit, cases_unit)
    short = max(0.0, -float(row["ecart"]))  # ecart > 0 when better than the target
    if unit == "%":
        return Gap(short, "points", POINTS)
    if unit == "euros":
        return Gap(short, "euros", EUROS)
    return Gap(short, unit, unit or "valeur")


def change_unit(unit: str | None) -> str:
    """The unit of a change of a value in ``unit``: a change of a rate is in points."""
    return POINTS if unit == "%" else unit or ""


def change_text(delta: float | None, unit: str | None) -> str:
    """A signed change: « +2,2 pts » for a rate (never « +2,2 % »), « -3 € », « +1,5 j »."""
    return formatting.number(delta, change_unit(unit), sign=True)


def gap_text(row: dict) -> str:
    """The gap as shown (« – » when the row is not judged)."""
    g = gap(row)
    return formatting.MISSING if g is None else g.text()


HEADER_WORDS = {EXCESS_DAYS: "j en excès", POINTS: "pts", EUROS: "€"}


HEADER_UNITS = 3
"""More units than this in one column: the header says each row's gap is in its indicator's
terms (the cells carry their unit), instead of a list as wide as the table."""


def gap_header(rows) -> str:
    """« écart (cas, pts) »: the header of a gap column naming the units it holds."""
    labels = list(dict.fromkeys(HEADER_WORDS.get(g.label, g.label)
                                for g in map(gap, rows) if g is not None))
    if len(labels) > HEADER_UNITS:
        return "écart (termes de l'indicateur)"
    return f"écart ({', '.join(labels)})" if labels else "écart"


def judged_period(row: dict) -> str | None:
    """The period a row's status is judged on: its own period, « (cible proratisée) » when
    judged year to date on a pro-rated yearly target; None when the row is not judged."""
    if row.get("atteint") is None:
        return None
    label = row.get("cible_libelle") or ""
    return row["periode"] + (" (cible proratisée)" if "proratisée" in label else "")


def last_judged(rows: list[dict]) -> dict | None:
    """The latest row (by start, then end date) whose status is judged: for a yearly count on
    quarters, the last cumulated or whole-year row, never a quarter it is not written for."""
    judged = [r for r in rows if r.get("atteint") is not None]
    return max(judged, key=lambda r: (str(r.get("fin")), str(r.get("debut"))), default=None)


__all__ = ["Gap", "gap", "gap_text", "phrase", "precision", "change_unit", "change_text",
           "gap_header", "judged_period", "last_judged", "CASES", "EXCESS_DAYS", "POINTS", "EUROS"]
