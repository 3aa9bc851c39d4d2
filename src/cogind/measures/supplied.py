"""Trends supplied by the user (the optional ``tendanciel`` table), for savings versus trend.

The table gives, per spending line (``POSTE``), month (``MOIS``) and caisse (``ORG_CLE_NUM``;
empty: the national trend), the trend of the month in euros (``MONTANT``), as the Cnam
declines its own trends monthly in the network (seed 001 l.2032-2039). A unit's trend over a
period is the sum of its months; it is only used when every month has an amount for every
declared poste (and, for a group of caisses, for every member): a partial trend is never
mixed with the model.
"""
from __future__ import annotations

import datetime as dt
import json

import numpy as np

NATIONAL = None  # ORG_CLE_NUM of the national rows (empty)


def month_of(day) -> int | None:
    """Months since 1970-01 of a date (any day of the month), None when null."""
    if day is None:
        return None
    if isinstance(day, dt.datetime):
        day = day.date()
    return (day.year - 1970) * 12 + day.month - 1


class SuppliedTrends:
    """The supplied trend amounts of the declared postes, by (caisse or None, month)."""

    def __init__(self, amounts: dict, postes: tuple[str, ...]):
        self.amounts = amounts  # (code or None, month) -> {poste: euros}
        self.postes = postes
        self.every_caisse: tuple = ()  # the caisses of the data: the national sum's members

    @classmethod
    def read(cls, table, postes: tuple[str, ...]) -> SuppliedTrends:
        amounts: dict = {}
        if table is None or not postes or table.num_rows == 0:
            return cls(amounts, postes)
        names = table.column_names
        codes = (table.column("ORG_CLE_NUM").to_pylist() if "ORG_CLE_NUM" in names
                 else [NATIONAL] * table.num_rows)
        wanted = set(postes)
        for code, poste, day, amount in zip(codes, table.column("POSTE").to_pylist(),
                                            table.column("MOIS").to_pylist(),
                                            table.column("MONTANT").to_pylist()):
            month = month_of(day)
            if poste not in wanted or month is None or amount is None:
                continue
            cell = amounts.setdefault((code or NATIONAL, month), {})
            cell[poste] = cell.get(poste, 0.0) + float(amount)
        return cls(amounts, postes)

    def units(self, context, n_slots: int) -> list:
        """Caisse codes of each grid row (slots, then national: ``None``)."""
        out = []
        for slot in range(n_slots):
            code = context.codes.get(slot)
            out.append(() if code is None else tuple(context.members.get(code, [code])))
        self.every_caisse = tuple(sorted({c for u in out for c in u}))
        out.append(None)
        return out

    def _month(self, code, month: int) -> float | None:
        cell = self.amounts.get((code, month))
        if cell is None or any(p not in cell for p in self.postes):
            return None
        return sum(cell[p] for p in self.postes)

    def _unit_month(self, codes, month: int) -> float | None:
        if codes is None:  # national: its own rows, else every caisse of the data
            own = self._month(NATIONAL, month)
            if own is not None:
                return own
            codes = self.every_caisse
        if not codes:
            return None
        total = 0.0
        for code in codes:
            v = self._month(code, month)
            if v is None:
                return None
            total += v
        return total

    def total(self, codes, first: int, last: int) -> float:
        """Trend of a unit over months ``first``..``last`` (NaN: not every month supplied)."""
        if not self.amounts:
            return np.nan
        total = 0.0
        for m in range(first, last + 1):
            v = self._unit_month(codes, m)
            if v is None:
                return np.nan
            total += v
        return total

    def totals(self, units: list, first: int, last: int) -> np.ndarray:
        return np.array([self.total(u, first, last) for u in units], np.float64)

    def source(self, codes, first: int) -> str:
        """Which rows made a unit's supplied trend (for ``details``)."""
        if codes is None:
            return ("lignes nationales (ORG_CLE_NUM vide)"
                    if self._month(NATIONAL, first) is not None else "somme des caisses")
        return "caisse" if len(codes) == 1 else f"somme de {len(codes)} caisses"

    def details(self, first: int, last: int, codes) -> str:
        return json.dumps({"tendanciel": "fourni", "table": "tendanciel",
                           "postes": list(self.postes), "mois": last - first + 1,
                           "lignes": self.source(codes, first)}, ensure_ascii=False)
