"""Result rows for the terminal: whole short statuses, their reasons as numbered notes (issue 23).

The status column holds the status only (« non atteint », « non évalué »…), never cut; the
reason (``motif``) gets a number, printed once under the table. The gap column is
:func:`cogind.analyses.gaps.gap`, its header naming the units it holds, and a value, its interval
and its target are shown with the digits that tell value and target apart.
"""
from __future__ import annotations

import re

import pyarrow as pa

from cogind import formatting
from cogind.analyses.gaps import gap_header, gap_text, precision

PRORATA = re.compile(r"× (\d+/12), proratisée")


class Footnotes:
    """Reasons numbered once each, in order of first use: « non atteint [1] »."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def mark(self, reason: str | None) -> str:
        if not reason:
            return ""
        n = self.numbers.setdefault(reason, len(self.numbers) + 1)
        return f" [{n}]"

    def lines(self) -> list[str]:
        return [f"[{n}] {formatting.typeset(reason)}" for reason, n in self.numbers.items()]


def status_cell(row: dict, notes: Footnotes) -> str:
    """The status, whole, with the number of its reason (« non évalué [2] »)."""
    return (row.get("statut") or formatting.MISSING) + notes.mark(row.get("motif"))


def _where(r: dict) -> str:
    level = r.get("niveau") or "caisse"
    if level == "national":
        return "national"
    where = (r.get("caisse") or "?") if level == "caisse" else f"{level} {r.get('caisse')}"
    name = r.get({"caisse": "caisse_libelle", "region": "region_libelle"}.get(level, ""))
    return f"{where} {name}" if name else where  # the referential's names (issue 22)


def _interval(r: dict, places: int) -> str:
    low, high, unit = r.get("ic_bas"), r.get("ic_haut"), r.get("unite")
    if low is None and high is None:
        return formatting.MISSING
    high = "…" if high is None else formatting.number(high, unit, places=places)
    return f"[{formatting.number(low, unit, places=places)} ; {high}]"


def cells(r: dict, notes: Footnotes) -> tuple[str, ...]:
    """One row of the table: the value, its interval and its target at the digits that tell
    value and target apart (:func:`cogind.analyses.gaps.precision`)."""
    unit = r.get("unite")
    places = precision(r.get("valeur"), r.get("cible"), unit)
    periode = r["periode"] + (" (provisoire)" if r.get("provisoire") else "")
    return (r["indicateur"], _where(r), periode,
            formatting.number(r.get("valeur"), unit, places=places), _interval(r, places),
            _target(r, unit, places), gap_text(r), status_cell(r, notes))


def _target(r: dict, unit, places: int) -> str:
    """The target as worded, or the pro-rated figure a row is judged on (« 50 000 (3/12) »)."""
    label = r.get("cible_libelle")
    share = PRORATA.search(label or "")
    if share and r.get("cible") is not None:
        return f"{formatting.number(r['cible'], unit, places=places)} ({share.group(1)})"
    return formatting.target(label, r.get("cible"), unit, places)


def render_results(table: pa.Table, max_rows: int = 200) -> str:
    """Result rows for the terminal: short whole statuses, their reasons as numbered notes
    under the table, the gap in the indicator's own terms with its units in the header."""
    rows = table.to_pylist()
    shown, notes = rows[:max_rows], Footnotes()
    header = ("indicateur", "niveau", "période", "valeur", "IC", "cible", gap_header(shown),
              "statut")
    lines = [cells(r, notes) for r in shown]
    out = [formatting.table(header, lines, right=(3, 4, 6), wrap={5: 28})]
    if len(rows) > max_rows:
        out.append(f"… {len(rows) - max_rows} lignes de plus (écrire dans un fichier avec -o)")
    if notes.numbers:
        out += [""] + notes.lines()
    return "\n".join(out)


__all__ = ["Footnotes", "status_cell", "cells", "render_results"]
