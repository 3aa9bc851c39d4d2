"""A change in points of a rate versus a base year (« +4pts/2017 », COG 2018-2022).

Not an entry point: a measure family used by the ``indicateurs_*`` modules, built on the same
contract as :class:`cogind.measures.families.Evolution` (finalised from the monthly grid). Its value is
``rate(period) − rate(same months of the base year)`` in points, so a COG target « +1pt/2018 »
is a :meth:`cogind.Target.change` of 1 whose base year is that of the measure.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from cogind import Finalised, Measure


@dataclass(frozen=True)
class EcartPoints(Measure):
    """``of``'s value minus its value over the same months of a base year, in points.

    ``bases``: ``((year, base year), …)`` as the COG writes them (« +1pt/2020 » in 2022);
    a year not listed uses ``base`` (``annee_precedente`` or a fixed year).
    """

    of: Measure
    bases: tuple[tuple[int, int], ...] = ()
    base: str | int = "annee_precedente"
    statistic: str = "ecart_points"
    multi_period = True

    def kernel(self):
        return self.of.kernel()

    def base_year(self, year: int) -> int:
        listed = dict(self.bases)
        if year in listed:
            return listed[year]
        return year - 1 if self.base == "annee_precedente" else int(self.base)

    def validate(self, indicator, registry) -> None:
        if any(b >= y for y, b in self.bases):
            raise ValueError("a base year must precede the year it is the base of")
        self.of.validate(indicator, registry)

    def finalise(self, rows):
        raise NotImplementedError("a change in points is finalised from the monthly grid")

    def finalise_grid(self, grid, periods):
        out = []
        for p in periods:
            base_year = self.base_year(p.year)
            shift = 12 * (p.year - base_year)
            cur = self.of.finalise(grid.rows(p.first_month, p.last_month))
            ref = self.of.finalise(grid.rows(p.first_month - shift, p.last_month - shift))
            value = np.full(cur.value.shape, np.nan)
            ok = np.isfinite(cur.value) & np.isfinite(ref.value)
            value[ok] = cur.value[ok] - ref.value[ok]
            reason = [None if ok[i] else (
                "valeur de la période non calculable" if not np.isfinite(cur.value[i])
                else f"valeur de base {base_year} non calculable") for i in range(len(value))]
            details = [json.dumps({"annee_base": base_year,
                                   "periode_base": p.shifted(shift).label},
                                  ensure_ascii=False)] * len(value)
            out.append(Finalised(value, cur.value, ref.value, cur.n, reason, details))
        return out

    def describe(self, indicator):
        bases = ", ".join(f"{y} par rapport à {b}" for y, b in self.bases)
        default = ("l'année précédente" if self.base == "annee_precedente" else str(self.base))
        head = ("Valeur : écart en points de la mesure suivante entre la période et les mêmes "
                f"mois de l'année de base ({bases + ' ; ' if bases else ''}sinon {default}) : "
                "valeur − valeur de base ; numérateur = valeur de la période, dénominateur = "
                "valeur de base.")
        inner = [x for x in self.of.describe(indicator) if x not in self.of.gap_rules()]
        return [head] + ["  " + x for x in inner] + self.gap_rules()
