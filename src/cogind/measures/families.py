"""Measure families: how an indicator's rows become a state (its kernel) and a state a value.

Each family declares a :class:`~cogind.model.Kernel` (columns read, state width, numba update)
and finalises summed states, row-wise and vectorised, into value, numerator, denominator and n.
Families that compare periods (evolution, savings) finalise from the monthly grid instead.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Callable, Protocol

import numpy as np

from cogind.measures import derived, fields, intervals
from cogind.kernels import counts, delay, quantiles, sums
from cogind.model import Condition, Input, Kernel

if TYPE_CHECKING:
    from cogind.measures.periods import Period
    from cogind.model import Indicator
    from cogind.registry import Registry


class MonthGrid(Protocol):
    """The monthly states a family finalises: the engine's :class:`cogind.engine.core.MonthGrid`
    (the measures sit below the engine and know only this much of it)."""

    context: Any
    states: np.ndarray

    def rows(self, first_month: int, last_month: int) -> np.ndarray: ...


@dataclass
class Finalised:
    """Finalised figures for a set of state rows; ``reason`` says why a value is missing."""

    value: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    n: np.ndarray
    reason: list
    details: list | None = None

    @classmethod
    def empty_reasons(cls, value, numerator, denominator, n, missing_reason: str) -> Finalised:
        reason = np.where(np.isnan(value), missing_reason, None)
        return cls(value, numerator, denominator, n, reason)


def _ratio(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> np.ndarray:
    out = np.full(num.shape, np.nan)
    ok = den > 0
    out[ok] = scale * num[ok].astype(np.float64) / den[ok]
    return out


class Measure:
    """Base of every family. Subclasses set ``statistic`` and implement the hooks below."""

    statistic = "?"
    multi_period = False
    evolvable = False
    """A ``multi_period`` family whose ``finalise_grid`` holds on any window of months, so that
    an :class:`Evolution` can finalise it on its base period too."""
    auxiliary_tables: tuple[str, ...] = ()
    """Input tables read whole (small: populations…) and handed to ``finalise_grid`` through
    ``grid.context.aux``."""

    def kernel(self) -> Kernel:
        raise NotImplementedError

    def finalise(self, rows: np.ndarray) -> Finalised:
        """``rows``: int64 states of shape (k, width), one per cell to finalise."""
        raise NotImplementedError

    def finalise_grid(self, grid: MonthGrid, periods: list[Period]) -> list[Finalised]:
        """One :class:`Finalised` per period, rows = caisse slots then national."""
        return [self.finalise(grid.rows(p.first_month, p.last_month)) for p in periods]

    def exclusions(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        reasons = self.kernel().reasons
        k = len(reasons)
        return {r: rows[:, rows.shape[1] - k + j] for j, r in enumerate(reasons)}

    def validate(self, indicator: Indicator, registry: Registry) -> None:
        """Raise ValueError when the declaration cannot be computed."""

    def for_schema(self, schema) -> Measure:
        """This measure with what it leaves to the table's schema decided (``schema``: the
        :class:`~cogind.model.TableSchema` of its indicator); the registry keeps the result."""
        return self

    def interval(self, rows: np.ndarray, level: float):
        """(low, high) confidence bounds of each cell's value, or None: not available."""
        return None

    def cases(self, rows: np.ndarray, target: float, at_least: bool):
        """(gap to ``target`` of each cell in cases, their unit), or None: not available.

        ``at_least``: the value must be ≥ ``target`` (else ≤). 0 where the target is met.
        """
        return None

    def gap_rules(self) -> list[str]:
        """How :meth:`cases` and :meth:`interval` are computed, for ``cogind describe``."""
        return intervals.rules(self.statistic)

    def describe(self, indicator: Indicator) -> list[str]:
        raise NotImplementedError


# --------------------------------------------------------------------------- delays

DELAY_KERNELS = {"jours": "days", "heures": "hours", "minutes": "minutes", "secondes": "seconds"}
DELAY_WORDING = {"jours": "jours calendaires", "heures": "heures (arrondi à l'heure supérieure)",
                 "minutes": "minutes (arrondi à la minute supérieure)",
                 "secondes": "secondes (arrondi à la seconde supérieure)"}
PERCENTILE_RULE = ("plus petite valeur d telle qu'au moins p % des délais soient ≤ d "
                   "(inverse de la fonction de répartition empirique : Hyndman-Fan type 1, "
                   "SAS PCTLDEF=3) ; rang k = ⌈p·n⌉, sans interpolation")


@dataclass(frozen=True)
class Delay(Measure):
    """A delay between a start and an end event: mean, exact quantile or share within a threshold.

    ``missing_end``: ``exclure`` (a row with no end event is excluded and counted) or
    ``hors_delai`` (it counts as beyond every threshold: an e-mail never answered).
    """

    start: str
    end: str
    statistic: str = "moyenne"  # moyenne | quantile | part_sous_seuil
    unit: str = "jours"  # jours | heures | minutes | secondes
    quantile: float | None = None
    threshold: int | None = None
    missing_end: str = "exclure"
    max_delay: int = 730
    horodatage: bool | None = None
    """A delay in ``jours`` between two timestamps: ordered on the instants (an end earlier the
    same day is ``fin_avant_debut``), counted in civil days. None: decided by the registry from
    the schema (True when both columns are ``datetime``)."""

    def for_schema(self, schema) -> Delay:
        if self.horodatage is not None or self.unit != "jours":
            return self
        both = all(schema.field_type(c) == "datetime" for c in (self.start, self.end))
        return dataclasses.replace(self, horodatage=both)

    def kernel(self) -> Kernel:
        civil = self.unit == "jours" and bool(self.horodatage)
        kind = "days" if self.unit == "jours" and not civil else "microseconds"  # exact
        late = self.missing_end == "hors_delai"
        name = ("civil_days" if civil else DELAY_KERNELS[self.unit]) + ("_open_late" if late
                                                                        else "")
        update, step = getattr(delay, f"update_{name}"), getattr(delay, f"step_{name}")
        return Kernel(f"delai_{self.unit}{'_horodates' if civil else ''}"
                      f"{'_ouverts_hors_delai' if late else ''}",
                      (Input(self.start, kind), Input(self.end, kind)),
                      delay.width(self.histogram_top), update, delay.REASONS, step=step)

    @property
    def histogram_top(self) -> int:
        """Largest delay with its own histogram bin: a mean needs none (-1: overflow bin only),
        a share within a threshold none past the threshold (the overflow bin counts the rest),
        a quantile every delay up to ``max_delay``."""
        if self.statistic == "moyenne":
            return -1
        return self.threshold if self.statistic == "part_sous_seuil" else self.max_delay

    def validate(self, indicator, registry) -> None:
        fields.delay(self, indicator, registry)

    def finalise(self, rows: np.ndarray) -> Finalised:
        n = rows[:, 0]
        hist = rows[:, delay.HEAD:delay.HEAD + self.histogram_top + 2]
        if self.statistic == "moyenne":
            value = _ratio(rows[:, 1], n)
            return Finalised.empty_reasons(value, rows[:, 1].astype(float), n.astype(float), n,
                                           "aucun délai mesurable")
        if self.statistic == "part_sous_seuil":
            within = hist[:, :self.threshold + 1].sum(axis=1)
            value = _ratio(within, n, 100.0)
            return Finalised.empty_reasons(value, within.astype(float), n.astype(float), n,
                                           "aucune ligne dans le champ")
        return self._quantile(hist, n)

    def _hist(self, rows: np.ndarray) -> np.ndarray:
        return rows[:, delay.HEAD:delay.HEAD + self.histogram_top + 2]

    def interval(self, rows, level):
        n = rows[:, 0]
        if self.statistic == "moyenne":
            return intervals.mean_normal(n, rows[:, 1], rows[:, 2], level)
        if self.statistic == "part_sous_seuil":
            low, high = intervals.wilson(self._hist(rows)[:, :self.threshold + 1].sum(axis=1),
                                         n, level)
            return 100 * low, 100 * high
        return intervals.quantile_order(self._hist(rows), n, self.quantile, level)

    def cases(self, rows, target, at_least):
        n = rows[:, 0]
        if self.statistic == "moyenne":
            return intervals.excess_total(rows[:, 1], n, target, at_least), self.unit
        if self.statistic == "part_sous_seuil":
            within = self._hist(rows)[:, :self.threshold + 1].sum(axis=1)
            return intervals.share_cases(within, n, target, at_least), "cas"
        return intervals.quantile_cases(self._hist(rows), n, self.quantile, target,
                                        at_least), "cas"

    def gap_rules(self) -> list[str]:
        return intervals.rules(self.statistic, unit=self.unit)

    def _quantile(self, hist: np.ndarray, n: np.ndarray) -> Finalised:
        q = Fraction(str(self.quantile))
        n = np.asarray(n, np.int64)
        k = -((-q.numerator * n) // q.denominator)  # ⌈q·n⌉ in exact integer arithmetic
        d = np.empty(len(n), np.int64)
        quantiles.rank_bins(hist, k, d)  # first bin whose cumulated count reaches k
        beyond = d > self.max_delay
        value = np.where((n > 0) & ~beyond, d, np.nan).astype(float)
        too_far = f"quantile au-delà de l'histogramme (> {self.max_delay} {self.unit})"
        reason = np.where(np.isfinite(value), None,
                          np.where(n == 0, "aucun délai mesurable", too_far).astype(object))
        nf = n.astype(float)
        return Finalised(value, np.full(n.shape, np.nan), nf, n, reason)

    def describe(self, indicator) -> list[str]:
        unit = DELAY_WORDING[self.unit]
        lines = [f"Délai = {self.end} − {self.start}, en {unit}."]
        if self.unit == "jours" and self.horodatage:
            lines.append("Horodatages comparés à l'instant (une fin plus tôt le même jour que "
                         "le début est une fin avant début), délai compté en jours civils.")
        if self.statistic == "moyenne":
            lines.append("Valeur : moyenne des délais (somme des délais / nombre de délais).")
        elif self.statistic == "quantile":
            lines.append(f"Valeur : quantile d'ordre {self.quantile:g} des délais ; règle : "
                         f"{PERCENTILE_RULE}.")
        else:
            lines.append(f"Valeur : part des lignes dont le délai est ≤ {self.threshold} "
                         f"{self.unit} (numérateur) parmi les lignes du champ (dénominateur).")
        if self.missing_end == "hors_delai":
            lines.append(f"Sans {self.end} (non traité) : compté hors délai, pas exclu.")
        else:
            lines.append(f"Sans {self.end} : exclu (motif fin_manquante).")
        lines.append(f"Exclus : {self.start} manquant (debut_manquant), fin avant début "
                     f"(fin_avant_debut). Délais > {self.max_delay} {self.unit} : comptés "
                     "exactement dans la moyenne, regroupés au-delà pour les quantiles.")
        return lines + self.gap_rules()


# --------------------------------------------------------------------------- proportions, counts


@dataclass(frozen=True)
class Proportion(Measure):
    """Share of the rows in scope whose ``numerator`` condition holds (in %)."""

    numerator: Condition
    statistic: str = "proportion"

    def kernel(self) -> Kernel:
        c = self.numerator
        return Kernel("proportion", (Input(c.column, "flag", c.values),), 3,
                      counts.update_proportion, counts.PROPORTION_REASONS,
                      step=counts.step_proportion)

    def finalise(self, rows):
        n = rows[:, 0]
        value = _ratio(rows[:, 1], n, 100.0)
        return Finalised.empty_reasons(value, rows[:, 1].astype(float), n.astype(float), n,
                                       "aucune ligne dans le champ")

    def validate(self, indicator, registry) -> None:
        fields.proportion(self, indicator, registry)

    def interval(self, rows, level):
        low, high = intervals.wilson(rows[:, 1], rows[:, 0], level)
        return 100 * low, 100 * high

    def cases(self, rows, target, at_least):
        return intervals.share_cases(rows[:, 1], rows[:, 0], target, at_least), "cas"

    def gap_rules(self) -> list[str]:
        return intervals.rules("proportion")

    def describe(self, indicator):
        return [f"Numérateur : lignes du champ où {self.numerator}.",
                "Dénominateur : lignes du champ. Valeur : numérateur / dénominateur × 100.",
                f"Exclus : {self.numerator.column} manquant (valeur_manquante)."
                ] + self.gap_rules()


@dataclass(frozen=True)
class Count(Measure):
    """Number of rows in scope."""

    statistic: str = "nombre"

    def kernel(self) -> Kernel:
        return Kernel("nombre", (), 1, counts.update_count, step=counts.step_count)

    def finalise(self, rows):
        n = rows[:, 0]
        value = np.where(n > 0, n, np.nan)  # no row: non calculable, never 0 (issue 9)
        return Finalised.empty_reasons(value, n.astype(float), np.full(n.shape, np.nan), n,
                                       "aucune ligne dans le champ")

    def describe(self, indicator):
        return ["Valeur : nombre de lignes du champ."]


# --------------------------------------------------------------------------- amounts


@dataclass(frozen=True)
class Sum(Measure):
    """Sum of an amount over the rows in scope, in euros (exact, from integer cents)."""

    column: str
    statistic: str = "somme"

    def kernel(self) -> Kernel:
        return Kernel("somme", (Input(self.column, "cents"),), 4, sums.update_sum,
                      sums.SUM_REASONS, step=sums.step_sum, sums=((0, 1),))

    def finalise(self, rows):
        n = rows[:, 0]
        total = np.where(n > 0, rows[:, 1] / 100.0, np.nan)  # no row: never 0 (issue 9)
        return Finalised.empty_reasons(total, total, np.full(n.shape, np.nan), n,
                                       "aucune ligne dans le champ")

    def validate(self, indicator, registry) -> None:
        fields.amount(self, indicator, registry)

    def describe(self, indicator):
        return [f"Valeur : somme de {self.column} (euros) sur les lignes du champ.",
                "Exclus : montant manquant, montant négatif."]


@dataclass(frozen=True)
class Stock(Measure):
    """A level reported at month ends (a stock: accounts opened, beneficiaries): the value of a
    period is that of its last month with data; the national level adds the caisses'."""

    column: str
    statistic: str = "stock"
    multi_period = True

    def kernel(self) -> Kernel:
        return Sum(self.column).kernel()

    def finalise(self, rows):
        return Sum(self.column).finalise(rows)

    def validate(self, indicator, registry) -> None:
        fields.amount(self, indicator, registry)

    def finalise_grid(self, grid, periods):
        out = []
        for p in periods:
            months = [grid.rows(m, m) for m in range(p.first_month, p.last_month + 1)]
            last = months[0].copy()
            for rows in months[1:]:
                has = rows[:, 0] > 0
                last[has] = rows[has]
            last[-1] = last[:-1].sum(axis=0)  # national: the caisses' own last months
            fin = self.finalise(last)
            fin.reason = np.where(last[:, 0] != 0, None, "aucune valeur sur la période")
            fin.value = np.where(last[:, 0] > 0, fin.value, np.nan)
            out.append(fin)
        return out

    def describe(self, indicator):
        return [f"Valeur : {self.column} du dernier mois de la période qui a une valeur "
                "(niveau de fin de période, non cumulé) ; national = somme des caisses.",
                "Exclus : montant manquant, montant négatif."]


@dataclass(frozen=True)
class RatioOfSums(Measure):
    """Σ numerator / Σ denominator × ``scale`` over the rows in scope."""

    numerator: str
    denominator: str
    scale: float = 100.0
    statistic: str = "ratio"
    cases_unit: str | None = "euros"
    """What the numerator counts, the unit of the gap in cases (Σ numerator in excess);
    ``None``: not known (reported measures, ``mesures``), no gap in cases (issue 23)."""
    minority: bool = False
    """The share of the less represented of two groups: min(value, scale − value)."""
    share: bool = False
    """The numerator counts a part of the denominator's units (patients en ALD avec médecin
    traitant among patients en ALD): a row whose numerator exceeds its denominator is
    excluded, counted as ``numerateur_superieur``, never a share above ``scale``."""

    def kernel(self) -> Kernel:
        inputs = (Input(self.numerator, "cents"), Input(self.denominator, "cents"))
        if self.share:
            return Kernel("part", inputs, 7, sums.update_share, sums.SHARE_REASONS,
                          step=sums.step_share, sums=((0, 1), (0, 2)))
        return Kernel("ratio", inputs, 6, sums.update_ratio, sums.RATIO_REASONS,
                      step=sums.step_ratio, sums=((0, 1), (0, 2)))

    def finalise(self, rows):
        n = rows[:, 0]
        value = _ratio(rows[:, 1], rows[:, 2], self.scale)
        if self.minority:
            value = np.minimum(value, self.scale - value)
        return Finalised.empty_reasons(value, rows[:, 1] / 100.0, rows[:, 2] / 100.0, n,
                                       "dénominateur nul")

    def validate(self, indicator, registry) -> None:
        fields.ratio_of_sums(self, indicator, registry)

    def cases(self, rows, target, at_least):
        if self.cases_unit is None:
            return None
        gap = intervals.excess_total(rows[:, 1] / 100.0, rows[:, 2] / 100.0,
                                     target / self.scale, at_least, decimals=2)
        return np.where(rows[:, 2] > 0, gap, np.nan), self.cases_unit

    def gap_rules(self) -> list[str]:
        return intervals.rules("ratio" if self.cases_unit else "ratio_declare",
                               num=self.numerator, den=self.denominator,
                               scale=f"{self.scale:g}", unit=self.cases_unit or "")

    def describe(self, indicator):
        lines = [f"Valeur : Σ {self.numerator} / Σ {self.denominator} × {self.scale:g}, sur les "
                 "lignes du champ (sommes exactes en centimes)."]
        if self.minority:
            lines.append(f"Part du groupe le moins représenté : min(r, {self.scale:g} − r), r "
                         "le rapport ci-dessus.")
        over = (f", {self.numerator} supérieur à {self.denominator} (une part : "
                "numerateur_superieur)") if self.share else ""
        return lines + [f"Exclus : numérateur ou dénominateur manquant, montant négatif{over}."] \
            + self.gap_rules()


# --------------------------------------------------------------------------- comparisons


@dataclass(frozen=True)
class Evolution(Measure):
    """Change in % of another measure's value versus the same months of a base year.

    ``base``: ``annee_precedente`` or a fixed year (e.g. 2022 for « −3 % / base 2022 »).
    """

    of: Measure
    base: str | int = "annee_precedente"
    statistic: str = "evolution"
    multi_period = True

    @property
    def side_columns(self) -> tuple[str, ...]:
        """The columns the inner measure's side state reads (long episodes…)."""
        return tuple(getattr(self.of, "side_columns", ()))

    def kernel(self) -> Kernel:
        return self.of.kernel()

    def validate(self, indicator, registry) -> None:
        fields.evolution(self, indicator, registry)

    def finalise_grid(self, grid, periods):
        out = []
        for p in periods:
            base_year = p.year - 1 if self.base == "annee_precedente" else int(self.base)
            shift = 12 * (p.year - base_year)
            cur, ref = self._of_period(grid, p), self._of_period(grid, p.shifted(shift))
            value = np.full(cur.value.shape, np.nan)
            ok = np.isfinite(cur.value) & np.isfinite(ref.value) & (ref.value != 0)
            value[ok] = 100.0 * (cur.value[ok] / ref.value[ok] - 1.0)
            reason = [None if ok[i] else (
                "valeur de la période non calculable" if not np.isfinite(cur.value[i])
                else f"valeur de base {base_year} non calculable ou nulle")
                for i in range(len(value))]
            base_months = p.shifted(shift)
            details = [json.dumps({"annee_base": base_year, "periode_base": base_months.label},
                                  ensure_ascii=False)] * len(value)
            out.append(Finalised(value, cur.value, ref.value, cur.n, reason, details))
        return out

    def _of_period(self, grid, p) -> Finalised:
        """The inner measure over ``p``'s months: from the summed states, or by the inner
        measure's own finalisation when it is finalised over periods (``evolvable``)."""
        if self.of.multi_period:
            return self.of.finalise_grid(grid, [p])[0]
        return self.of.finalise(grid.rows(p.first_month, p.last_month))

    def finalise(self, rows):
        raise NotImplementedError("an evolution is finalised from the monthly grid")

    def describe(self, indicator):
        base = ("la même période de l'année précédente" if self.base == "annee_precedente"
                else f"la même période de {self.base}")
        return (["Valeur : évolution en % de la mesure suivante par rapport à " + base +
                 " : (valeur / valeur de base − 1) × 100 ; numérateur = valeur de la période, "
                 "dénominateur = valeur de base."] + ["  " + x for x in self.of.describe(indicator)
                                                      if x not in self.of.gap_rules()]
                + self.gap_rules())


@dataclass(frozen=True)
class KernelMeasure(Measure):
    """A plugin's own kernel with its own finalisation: the same contract the families use.

    ``finaliser(rows) -> (value, numerator, denominator, n)`` receives summed states.
    ``statistic`` says which family the value computes like, for its interval and gap in cases
    (:mod:`cogind.measures.derived`): ``proportion`` (100 × numerator / denominator, counts),
    ``ratio`` (``scale`` × numerator / denominator; gap in ``cases_unit`` of the numerator),
    ``moyenne`` (numerator / denominator = Σ values / count; gap in ``cases_unit``; interval
    from the state slot ``squares`` holding Σ values²), ``noyau`` (neither). ``interval_of``
    and ``cases_of`` compute them instead (``interval(rows, level)``, ``cases(rows, target,
    at_least)``).
    """

    custom: Kernel
    finaliser: Callable
    text: str = ""
    statistic: str = "noyau"
    scale: float = 100.0
    cases_unit: str = ""
    squares: int | None = None
    interval_of: Callable | None = None
    cases_of: Callable | None = None

    def kernel(self) -> Kernel:
        return self.custom

    def validate(self, indicator, registry) -> None:
        fields.kernel_measure(self, indicator, registry)

    def finalise(self, rows):
        value, num, den, n = self.finaliser(rows)
        value = np.asarray(value, dtype=float)
        return Finalised.empty_reasons(value, np.asarray(num, float), np.asarray(den, float),
                                       np.asarray(n, np.int64), "non calculable")

    def interval(self, rows, level):
        return derived.interval(self, rows, level)

    def cases(self, rows, target, at_least):
        return derived.cases(self, rows, target, at_least)

    def gap_rules(self) -> list[str]:
        return derived.rules(self)

    def describe(self, indicator):
        derives = self.statistic != "noyau" or self.interval_of or self.cases_of
        return [self.text or f"Noyau propre : {self.custom.name}."] + (
            self.gap_rules() if derives else [])
