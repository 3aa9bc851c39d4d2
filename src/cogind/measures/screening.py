"""Participation in a cancer screening programme from the claims (issue 21 § 1, n° 30-32).

Participation rate of a period = distinct beneficiaries of the programme's sex and ages with a
screening act in the **window** of ``window_months`` months ending at the period's last month /
the target population (the ``population`` table: the programme's sexes and age bands, year of
the window's end) × 100.

- The numerator is the distinct-beneficiary state of :mod:`cogind.measures.beneficiaries`
  counted over the window's months (:meth:`DistinctState.counts`): a beneficiary screened twice
  in the window counts once, in the caisse of their last act of the window; exact and
  mergeable, the monthly states are read once (no second read of the data).
- Age and sex are those of the claim (``BEN_AMA_COD`` at ``EXE_SOI_DTD``, ``BEN_SEX_COD``): the
  indicator's scope restricts them to the programme's (checked by :meth:`validate`), so a
  person screened at 49 is out of the programme, one screened at 74 in, whatever their age at
  the window's end.
- A window starting before the table's first month is ``non calculable`` (a 24-month rate on
  12 months of data would pass one year's participation off as two).
- The denominator sums ``BEN_NBR`` over the caisses of the unit (national: the whole table);
  the programme's ages must be whole bands of the table (``age_min`` and ``age_max + 1`` lower
  bounds of its bands), else ``non calculable``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cogind.measures.beneficiaries import DistinctBeneficiaries, unit_members
from cogind.measures.families import Finalised
from cogind.measures.periods import interval_label, month_label

POPULATION = "population"
SEX_WORDS = {(2,): "femmes", (1,): "hommes", (1, 2): "hommes et femmes"}


def _column(table, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(int64 values, validity) of a column of ``population`` (nulls read as 0)."""
    col = table.column(name)
    valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), bool)
    return np.asarray(pc.fill_null(col, 0).to_numpy(), np.int64), valid


def age_bounds(table) -> list[int]:
    """The lower bounds of the age bands of ``population``, sorted (Python ints)."""
    return sorted(pc.unique(table.column("AGE_MIN").drop_null()).to_pylist())


def population_cube(table, sexes, weight) -> dict:
    """Σ ``weight(AGE_MIN, BEN_NBR)`` (NumPy arrays) over the rows of ``sexes`` per (caisse,
    year) of ``population``, rows of other sexes weighing 0; rows split by ALD_TOP are read only
    where the caisse-year has no total row, so a population given both ways is counted once.
    Keys in the order of their first row, each sum taken in row order (a float weight gives the
    figures of a row-by-row sum)."""
    codes = pc.dictionary_encode(table.column("ORG_CLE_NUM").cast(pa.string())
                                 .combine_chunks())
    code = np.asarray(pc.fill_null(codes.indices, 0).to_numpy(zero_copy_only=False), np.int64)
    (year, year_ok), (age, age_ok) = _column(table, "ANNEE"), _column(table, "AGE_MIN")
    (sex, sex_ok), (nbr, nbr_ok) = _column(table, "BEN_SEX_COD"), _column(table, "BEN_NBR")
    paired = np.asarray(codes.is_valid().to_numpy(zero_copy_only=False), bool) & year_ok
    key = code * (int(year.max(initial=0)) - int(year.min(initial=0)) + 1) + (
        year - year.min(initial=0))
    split = (_column(table, "ALD_TOP")[1] if "ALD_TOP" in table.column_names
             else np.zeros(table.num_rows, bool))  # a row of an ALD_TOP split
    whole = np.unique(key[paired & ~split])
    kept = np.flatnonzero(paired & age_ok & nbr_ok & (~split | ~np.isin(key, whole)))
    uniq, first, inverse = np.unique(key[kept], return_index=True, return_inverse=True)
    rank = np.empty(len(uniq), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(uniq))
    group = rank[inverse.reshape(-1)]
    w = np.where(sex_ok[kept] & np.isin(sex[kept], list(sexes)), weight(age[kept], nbr[kept]), 0)
    if w.dtype.kind == "f":
        sums = np.bincount(group, weights=w, minlength=len(uniq))  # in row order
    else:
        sums = np.zeros(len(uniq), np.int64)
        np.add.at(sums, group, w.astype(np.int64))
    at = kept[np.sort(first)]
    names = codes.dictionary.to_pylist()
    return {(names[c], int(y)): v for c, y, v in
            zip(code[at].tolist(), year[at].tolist(), sums.tolist())}


@dataclass(frozen=True)
class TargetPopulation:
    """Beneficiaries of the programme's sexes and ages per (caisse, year) of ``population``."""

    cube: dict
    problem: str | None = None

    @classmethod
    def read(cls, table, measure: ScreeningParticipation) -> TargetPopulation:
        if table is None or table.num_rows == 0:
            return cls({}, "table population absente ou vide")
        lows = age_bounds(table)
        lo, hi = measure.age_min, measure.age_max + 1
        if lo not in lows or hi not in lows:
            return cls({}, "tranches d'âge de la table population incompatibles avec "
                           f"{measure.age_min}-{measure.age_max} ans")
        return cls(population_cube(table, measure.sexes,
                                   lambda age, nbr: np.where((lo <= age) & (age < hi), nbr, 0)))

    def total(self, codes, year: int) -> tuple[float | None, str | None]:
        """(target population of the caisses ``codes`` (None: all) in ``year``, reason)."""
        if self.problem:
            return None, self.problem
        if codes is None:
            values = [v for (c, y), v in self.cube.items() if y == year]
        elif not codes:
            return None, "unité sans caisse"
        else:
            values = [self.cube[(c, year)] for c in codes if (c, year) in self.cube]
            if len(values) < len(codes):
                return None, (f"population {year} absente pour {len(codes) - len(values)} "
                              "caisse(s) de l'unité")
        if not values:
            return None, f"population {year} absente de la table population"
        return float(sum(values)), None


@dataclass(frozen=True)
class ScreeningParticipation(DistinctBeneficiaries):
    """Distinct beneficiaries screened in a rolling window over the target population (%)."""

    window_months: int = 24
    age_min: int = 50
    age_max: int = 74  # included
    sexes: tuple = (1, 2)
    statistic: str = "participation"
    auxiliary_tables = (POPULATION,)

    @property
    def ages(self) -> tuple[int, ...]:
        return tuple(range(self.age_min, self.age_max + 1))

    def validate(self, indicator, registry) -> None:
        super().validate(indicator, registry)
        if not 0 < self.window_months <= 120 or not 0 <= self.age_min <= self.age_max:
            raise ValueError("window_months must be 1-120 and age_min <= age_max")
        scope = {c.column: set(c.values) for c in indicator.where if not c.negate}
        if (scope.get("BEN_AMA_COD") != set(self.ages)
                or scope.get("BEN_SEX_COD") != set(self.sexes)):
            raise ValueError("the indicator's scope must restrict BEN_AMA_COD and BEN_SEX_COD "
                             "to the programme's ages and sexes (those of the denominator)")
        if POPULATION not in registry.tables:
            raise ValueError("a participation rate needs the 'population' table")

    def population(self, table) -> TargetPopulation:
        """The denominator's population per (caisse, year), from table ``population``."""
        return TargetPopulation.read(table, self)

    def finalise_grid(self, grid, periods):
        pop = self.population(grid.context.aux.get(POPULATION))
        units = unit_members(grid.context, grid.states.shape[0])
        return [self._period(grid.side, grid.month0, p, pop, units) for p in periods]

    def _period(self, side, month0: int, p, pop: TargetPopulation, units) -> Finalised:
        size = len(units)
        first = p.last_month - self.window_months + 1
        value, den = np.full(size, np.nan), np.full(size, np.nan)
        num = np.zeros(size, np.int64)
        if first < month0:
            why = (f"fenêtre de {self.window_months} mois ({interval_label(first, p.last_month)})"
                   f" commençant avant les données ({month_label(month0)})")
            return Finalised(value, np.full(size, np.nan), den, num, [why] * size)
        per, national = side.counts(first, p.last_month)
        reason: list = [None] * size
        for i, codes in enumerate(units):
            num[i] = national if codes is None else sum(per.get(c, 0) for c in codes)
            den[i], reason[i] = pop.total(codes, p.year)
            if reason[i] is None and den[i] == 0:
                reason[i] = "population cible nulle"
            elif reason[i] is None:
                value[i] = 100.0 * num[i] / den[i]
        return Finalised(value, num.astype(float), den, num, reason)

    def describe(self, indicator):
        sex = SEX_WORDS.get(tuple(sorted(self.sexes)), "")
        return [(f"Valeur : bénéficiaires distincts ({self.id_column}) {sex} de "
                 f"{self.age_min} à {self.age_max} ans (âge à l'acte, BEN_AMA_COD) ayant au moins "
                 f"un acte du champ dans les {self.window_months} mois finissant le dernier mois "
                 "de la période, chacun compté une fois, / population cible × 100."),
                (f"Population cible : BEN_NBR de la table population, {sex}, tranches d'âge "
                 f"{self.age_min} à {self.age_max} ans, année de la fin de la fenêtre, sommée sur "
                 "les caisses de l'unité (national : toute la table)."),
                (f"Caisse d'un bénéficiaire : celle de son dernier acte de la fenêtre "
                 f"({self.day_column} le plus tardif ; le même jour, le plus petit code "
                 f"{self.caisse_column}) ; la somme des caisses est le nombre national."),
                ("Non calculable : fenêtre commençant avant le premier mois de la table, "
                 "population absente pour l'année ou une caisse de l'unité, tranches d'âge de "
                 "la table population ne commençant pas aux bornes du programme."),
                f"Exclus du décompte : {self.id_column} manquant ou hors format."]
