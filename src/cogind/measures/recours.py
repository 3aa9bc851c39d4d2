"""Care-use rate of an age group from the claims (issue 21 § 1, COG 2023-2027 n° 29 dental care of
the 3-24 year-olds): distinct beneficiaries of the ages with a claim in scope in the 12 months
ending at the period's last month / the population of those ages × 100.

The numerator is :class:`~cogind.measures.screening.ScreeningParticipation`'s (distinct
beneficiaries over the window, each once, in the caisse of their last claim, age at care). The
denominator reads the ``population`` table's bands: a band the ages cover only in part counts
for the share of its years inside them (ages spread evenly within a band: 3-24 takes 2/5 of
the 0-4 band), exact when the table has one band per year of age.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cogind.measures.screening import (
    ScreeningParticipation,
    TargetPopulation,
    age_bounds,
    population_cube,
)


class AgePopulation(TargetPopulation):
    """Beneficiaries of the ages (partial bands pro-rated) per (caisse, year)."""

    @classmethod
    def read(cls, table, measure: CareUseRate) -> AgePopulation:
        if table is None or table.num_rows == 0:
            return cls({}, "table population absente ou vide")
        lows = age_bounds(table)
        upper = [*lows[1:], None]  # the last band is open
        shares = np.array([measure.share(lo, hi) for lo, hi in zip(lows, upper)], float)
        return cls(population_cube(table, measure.sexes, lambda age, nbr: nbr.astype(
            float) * shares[np.searchsorted(lows, age)]))


@dataclass(frozen=True)
class CareUseRate(ScreeningParticipation):
    """Distinct beneficiaries of an age group with care in scope over 12 months / population."""

    window_months: int = 12
    age_min: int = 3
    age_max: int = 24
    statistic: str = "recours"

    def share(self, low: int, high: int | None) -> float:
        """Part of the band [low, high) inside the ages (an open last band: whole or none)."""
        if high is None:
            return 1.0 if self.age_min <= low <= self.age_max else 0.0
        inside = min(high, self.age_max + 1) - max(low, self.age_min)
        return max(inside, 0) / (high - low)

    def population(self, table) -> AgePopulation:
        return AgePopulation.read(table, self)

    def describe(self, indicator):
        return [(f"Valeur : bénéficiaires distincts ({self.id_column}) de {self.age_min} à "
                 f"{self.age_max} ans (âge aux soins, BEN_AMA_COD) ayant au moins une ligne du "
                 f"champ dans les {self.window_months} mois finissant le dernier mois de la "
                 "période, chacun compté une fois, / population de ces âges × 100."),
                (f"Population : BEN_NBR de la table population, âges {self.age_min} à "
                 f"{self.age_max} ans, année de la fin de la fenêtre ; une tranche couverte en "
                 "partie compte pour la part de ses années dans ces âges (âges répartis "
                 "également dans la tranche : 2/5 de la tranche 0-4 ans pour 3-24 ans)."),
                (f"Caisse d'un bénéficiaire : celle de sa dernière ligne de la fenêtre "
                 f"({self.day_column} le plus tardif ; le même jour, le plus petit code "
                 f"{self.caisse_column}) ; la somme des caisses est le nombre national."),
                ("Non calculable : fenêtre commençant avant le premier mois de la table, "
                 "population absente pour l'année ou une caisse de l'unité."),
                f"Exclus du décompte : {self.id_column} manquant ou hors format."]
