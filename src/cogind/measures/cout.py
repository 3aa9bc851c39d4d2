"""Cost per consuming beneficiary with its denominator from the claims (issue 21 § 1, COG
2023-2027 n° 60): change (%) versus the same months of a base year of

    cost of the period (``mesures``: Σ ``cost_column`` of the rows ``MES_COD = cost_code``)
    / distinct consuming beneficiaries of the period (``prestations``: at least one claim in
    scope, each once, in the caisse of their last claim of the period).

The denominator is :class:`~cogind.measures.beneficiaries.DistinctBeneficiaries`'; the cost
stays the figure the caisse reports (management costs are in no claim). A unit's cost sums its
caisses' rows; the national cost is every row of the months, rows without caisse included (a
cost reported for the whole network).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from cogind.measures.beneficiaries import DistinctBeneficiaries
from cogind.measures.families import Finalised

MESURES = "mesures"


def _costs(table, code: str, column: str) -> dict:
    """{(caisse or None or "*" for all rows, month since 1970): Σ column} of the rows
    ``MES_COD = code``."""
    out: dict = {}
    if table is None:
        return out
    cols = [table.column(c).to_pylist() for c in ("ORG_CLE_NUM", "MES_MOI_DTD", "MES_COD",
                                                   column)]
    for caisse, day, mes, value in zip(*cols):
        if mes != code or day is None or value is None:
            continue
        month = (day.year - 1970) * 12 + day.month - 1
        for key in ((caisse, month), ("*", month)):  # "*": the national total
            out[key] = out.get(key, 0.0) + float(value)
    return out


@dataclass(frozen=True)
class CostPerConsumer(DistinctBeneficiaries):
    """Evolution (%) versus ``base`` of a reported cost / distinct consuming beneficiaries."""

    cost_code: str = "COUT_BENEF_CONSOMMANT"
    cost_column: str = "MES_NUM"
    base: int = 2022
    statistic: str = "evolution"
    auxiliary_tables = (MESURES,)

    def finalise_grid(self, grid, periods):
        side, ctx = grid.side, grid.context
        costs = _costs(ctx.aux.get(MESURES), self.cost_code, self.cost_column)
        n_slots = grid.states.shape[0]
        units = [tuple(ctx.members.get(ctx.codes[s], [ctx.codes[s]])) if s in ctx.codes
                 else () for s in range(n_slots)] + [None]
        return [self._period(side, costs, p, units) for p in periods]

    def _ratio(self, side, costs: dict, first: int, last: int, units):
        """(cost / beneficiaries per unit, beneficiaries per unit) over months first..last."""
        per, national = side.counts(first, last)
        ratio, ben = np.full(len(units), np.nan), np.zeros(len(units), np.int64)
        for i, codes in enumerate(units):
            if codes == ():
                continue
            ben[i] = national if codes is None else sum(per.get(c, 0) for c in codes)
            months = range(first, last + 1)
            cost = [costs[k] for k in ((c, m) for c in (codes or ["*"]) for m in months)
                    if k in costs]
            if cost and ben[i] > 0:
                ratio[i] = sum(cost) / ben[i]
        return ratio, ben

    def _period(self, side, costs: dict, p, units) -> Finalised:
        shift = 12 * (p.year - self.base)
        cur, n = self._ratio(side, costs, p.first_month, p.last_month, units)
        ref, _ = self._ratio(side, costs, p.first_month - shift, p.last_month - shift, units)
        ok = np.isfinite(cur) & np.isfinite(ref) & (ref != 0)
        value = np.full(len(units), np.nan)
        value[ok] = 100.0 * (cur[ok] / ref[ok] - 1.0)
        reason = [None if ok[i] else (
            "coût ou bénéficiaires consommants de la période manquants" if not np.isfinite(cur[i])
            else f"coût par bénéficiaire de {self.base} non calculable") for i in range(len(n))]
        details = [json.dumps({"annee_base": self.base}, ensure_ascii=False)] * len(n)
        return Finalised(value, cur, ref, n, reason, details)

    def describe(self, indicator):
        return [(f"Valeur : évolution (%) du coût par bénéficiaire consommant par rapport aux "
                 f"mêmes mois de {self.base} : 100 × (ratio de la période / ratio de "
                 f"{self.base} − 1)."),
                (f"Ratio : Σ {self.cost_column} des lignes de la table mesures MES_COD = "
                 f"'{self.cost_code}' des mois de la période (coût de gestion hors "
                 "investissement déclaré ; national : toutes les lignes, sans caisse comprises) "
                 f"/ bénéficiaires distincts ({self.id_column}) ayant au moins une ligne du champ "
                 "dans la période, chacun compté une fois."),
                (f"Caisse d'un bénéficiaire : celle de sa dernière ligne de la période "
                 f"({self.day_column} le plus tardif ; le même jour, le plus petit code "
                 f"{self.caisse_column}) ; la somme des caisses est le nombre national."),
                (f"Numérateur affiché : ratio de la période ; dénominateur : ratio de {self.base}"
                 " ; n : bénéficiaires consommants de la période."),
                f"Exclus du décompte : {self.id_column} manquant ou hors format."]
