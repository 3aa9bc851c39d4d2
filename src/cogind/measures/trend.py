"""Savings versus an explicit trend (économies vs tendanciel), with a declared, reproducible model.

The seeds criticise the Cnam's trend as opaque (seed 001, §200-208). Here the trend is a model
anyone can refit: log-linear growth with monthly seasonality, fitted by ordinary least squares
on the monthly spending of a reference period, log(y_m) = a + b·t + s_month(m), with
t the month number from the start of the reference period and s_January = 0. Its parameters are
reported with every figure.

The Cnam sets its own trend per spending line (poste) and declines it monthly in the network
(seed 001 l.2032-2039). When the optional ``tendanciel`` table gives the monthly trend of the
indicator's postes for every month of a unit's period (the caisse's own rows; a region or group:
every member caisse; national: the national rows, else every caisse), that trend is used and
preferred; otherwise the fitted model. ``details`` says which (``tendanciel``: ``fourni`` or
``modele``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from cogind.measures import fields
from cogind.measures.families import Finalised, Measure, Sum
from cogind.measures.supplied import SuppliedTrends
from cogind.model import Kernel

TENDANCIEL = "tendanciel"


def design(months: np.ndarray, origin: int) -> np.ndarray:
    """Design matrix [1, t, Feb..Dec dummies] for absolute month numbers (months since 1970-01)."""
    t = (months - origin).astype(float)
    x = np.zeros((len(months), 13))
    x[:, 0] = 1.0
    x[:, 1] = t
    moy = months % 12
    for k in range(1, 12):
        x[:, 1 + k] = moy == k
    return x


def fit(series: np.ndarray, months: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Fit every row of ``series`` (rows × reference months, all > 0) at once.

    Returns (coefficients rows × 13, fitted ok mask, R² of each row on the log scale).
    """
    x = design(months, months[0])
    ok = (series > 0).all(axis=1)
    coef = np.full((series.shape[0], 13), np.nan)
    r2 = np.full(series.shape[0], np.nan)
    if ok.any():
        y = np.log(series[ok].T)
        beta, *_ = np.linalg.lstsq(x, y, rcond=None)
        coef[ok] = beta.T
        resid = y - x @ beta
        tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        r2[ok] = np.where(tot > 0, 1 - (resid ** 2).sum(axis=0) / np.where(tot > 0, tot, 1), 1.0)
    return coef, ok, r2


def predict(coef: np.ndarray, months: np.ndarray, origin: int) -> np.ndarray:
    """Trend of each row over ``months`` (rows × months)."""
    return np.exp(coef @ design(months, origin).T)


@dataclass(frozen=True)
class SavingsVsTrend(Measure):
    """Savings = trend − realised spending of ``column`` over the period, in euros.

    ``reference``: the whole years the trend is fitted on, either fixed ``(first, last)`` or a
    number k: the k years before the period's year (an ex-ante trend, refitted each year).
    ``postes``: the POSTE codes of the optional ``tendanciel`` table whose monthly amounts,
    summed, are the supplied trend of the indicator (empty: the model only).
    """

    column: str
    reference: tuple[int, int] | int = 2
    postes: tuple[str, ...] = ()
    statistic: str = "economies_tendanciel"
    multi_period = True

    @property
    def optional_tables(self) -> tuple[str, ...]:
        """Read whole when present; absent, the fitted model is used (never non calculable)."""
        return (TENDANCIEL,) if self.postes else ()

    def kernel(self) -> Kernel:
        return Sum(self.column).kernel()

    def validate(self, indicator, registry) -> None:
        fields.savings(self, indicator, registry)
        if isinstance(self.postes, str) or not all(isinstance(p, str) and p
                                                   for p in self.postes):
            raise ValueError("postes must be a tuple of POSTE codes")
        if isinstance(self.reference, int):
            if self.reference < 2:
                raise ValueError("the trend needs at least two reference years")
            return
        a, b = self.reference
        if b < a + 1:
            raise ValueError("the trend needs at least two reference years")

    def reference_years(self, year: int) -> tuple[int, int]:
        if isinstance(self.reference, int):
            return year - self.reference, year - 1
        return tuple(self.reference)

    def finalise(self, rows):
        raise NotImplementedError("savings are finalised from the monthly grid")

    def finalise_grid(self, grid, periods):
        fits: dict[tuple[int, int], tuple] = {}
        supplied = SuppliedTrends.read(grid.context.aux.get(TENDANCIEL), self.postes)
        units = supplied.units(grid.context, grid.states.shape[0])
        out = []
        for p in periods:
            ref = self.reference_years(p.year)
            if ref not in fits:
                fits[ref] = self._fit(grid, ref)
            months_ref, coef, ok, model_details = fits[ref]
            months = np.arange(p.first_month, p.last_month + 1)
            realised = grid.rows(p.first_month, p.last_month)
            trend = np.full(len(ok), np.nan)
            if ok.any():
                trend[ok] = predict(coef[ok], months, months_ref[0]).sum(axis=1)
            given = supplied.totals(units, p.first_month, p.last_month)
            ok = ok | ~np.isnan(given)
            trend = np.where(np.isnan(given), trend, given)
            details = [supplied.details(p.first_month, p.last_month, units[i])
                       if not np.isnan(given[i]) else self._tagged(model_details[i], supplied)
                       for i in range(len(ok))]
            spent = realised[:, 1] / 100.0
            has = realised[:, 0] > 0
            value = np.where(ok & has, trend - spent, np.nan)
            reason = [None if (ok[i] and has[i]) else (
                f"tendanciel non estimable (dépense nulle ou absente sur {ref[0]}-{ref[1]})"
                if not ok[i] else "aucune dépense sur la période") for i in range(len(ok))]
            out.append(Finalised(value, trend, spent, realised[:, 0], reason, details))
        return out

    def _tagged(self, details: str | None, supplied: SuppliedTrends) -> str | None:
        """The model's parameters, saying a supplied trend was not used and why."""
        if details is None:
            return None
        d = json.loads(details)
        postes = "+".join(self.postes)
        why = ("aucun poste déclaré" if not self.postes else
               f"table tendanciel absente ou sans ligne du poste {postes}"
               if not supplied.amounts else
               f"tendanciel fourni incomplet pour l'unité sur la période (poste {postes})")
        return json.dumps({**d, "tendanciel": "modele", "motif_modele": why},
                          ensure_ascii=False)

    def _fit(self, grid, ref: tuple[int, int]):
        months = np.arange((ref[0] - 1970) * 12, (ref[1] - 1970) * 12 + 12)
        series = np.stack([grid.rows(m, m)[:, 1] for m in months], axis=1) / 100.0
        coef, ok, r2 = fit(series, months)
        details = [self._details(coef[i], r2[i], ref) if ok[i] else None for i in range(len(ok))]
        return months, coef, ok, details

    def _details(self, c: np.ndarray, r2: float, ref: tuple[int, int]) -> str:
        a, b = ref
        return json.dumps({
            "modele": "log(y) = a + b·t + s(mois), MCO sur la période de référence",
            "reference": f"{a}-01/{b}-12", "origine_t": f"{a}-01",
            "a": round(float(c[0]), 6), "b": round(float(c[1]), 8),
            "croissance_annuelle_pct": round(float(np.expm1(12 * c[1]) * 100), 4),
            "saisonnalite": {str(m + 1): round(float(c[1 + m]) if m else 0.0, 6)
                             for m in range(12)},
            "r2_log": round(float(r2), 6)}, ensure_ascii=False)

    def describe(self, indicator):
        a, b = (("A−" + str(self.reference), "A−1") if isinstance(self.reference, int)
                else self.reference)
        return [f"Dépense réalisée : somme de {self.column} (euros) sur les lignes du champ, "
                "par mois.",
                f"Tendanciel : log(dépense mensuelle) = a + b·t + s(mois), ajusté par moindres "
                f"carrés sur {a}-{b} (t en mois depuis janvier {a}, s(janvier) = 0), puis "
                "prolongé sur la période ; paramètres publiés dans la colonne details.",
                "Valeur : tendanciel − réalisé (euros) ; numérateur = tendanciel, "
                "dénominateur = réalisé. Une économie est positive.",
                *self._describe_supplied(),
                "Exclus : montant manquant, montant négatif."]

    def _describe_supplied(self) -> list[str]:
        if not self.postes:
            return ["Tendanciel fourni : non (aucun poste déclaré) ; toujours le modèle."]
        postes = ", ".join(self.postes)
        return [f"Tendanciel fourni, préféré au modèle : table tendanciel facultative, "
                f"POSTE {postes}" + (" (somme des postes)" if len(self.postes) > 1 else "")
                + ", MONTANT du mois (euros) ; utilisé pour une unité et une période quand "
                "chaque mois a son montant (pour chaque poste) : la caisse (ORG_CLE_NUM), une "
                "région ou un groupe (toutes ses caisses), le national (lignes sans "
                "ORG_CLE_NUM, sinon toutes les caisses) ; sinon le modèle. details dit lequel "
                "(tendanciel : fourni ou modele)."]
