"""Standardised rates: direct standardisation on age band × sex (× ALD status) (issue 12).

The kernel (:mod:`cogind.kernels.strata`) counts events and sums amounts per stratum; the
population of each unit comes from the ``population`` input table (read whole), summed over the
unit's member caisses. For each unit, with num_s the events (or amount) and pop_s the
beneficiary-years of stratum s:

- crude rate = Σ_s num_s / Σ_s pop_s × scale;
- standardised rate = Σ_s w_s · num_s / pop_s × scale, with w_s the shares of the declared
  reference population (by default the national population of the population table's first
  year), so that two caisses with different age structures are compared as if they had the same.

ALD status (seed 001 l.1937-1939: « âge, sexe, patients en ALD »): a row is an ALD patient's
when ``ald`` says so (a 0/1 column, or a code column read as a flag: ``EXO_MTF`` in 41-46, the
SNDS motifs of a beneficiary in ALD, with or without a link to the care). With ``ald_optional``
the stratum is used only when the inputs allow it: the rows' table has the column (decided
when the inputs are opened, :meth:`Standardised.for_inputs`) and the population table gives
``ALD_TOP`` on every row; otherwise the rates are standardised on age × sex as without it (the
ALD strata of the states are summed: same figures), and ``details`` says which (``ald``).

A period over several years counts each year's population for the months of the period in that
year (beneficiary-years: a calendar year counts its own population, 2023-2024 the sum of both,
a quarter a quarter of its year's): rates are per beneficiary and per year.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace

import numpy as np

from cogind.measures import fields
from cogind.measures.families import Finalised, Measure
from cogind.kernels import strata
from cogind.model import Input, Kernel

POPULATION = "population"
DEFAULT_BANDS = (0, 15, 25, 35, 45, 55, 65, 75, 85)
SEXES = {1: "hommes", 2: "femmes"}

ESP_2013 = ((0, 5000), (5, 5500), (10, 5500), (15, 5500), (20, 6000), (25, 6000), (30, 6500),
            (35, 7000), (40, 7000), (45, 7000), (50, 7000), (55, 6500), (60, 6000), (65, 5500),
            (70, 5000), (75, 4000), (80, 2500), (85, 1500), (90, 800), (95, 200))
"""Revised European Standard Population 2013 (Eurostat), per 100,000, by 5-year age band."""


@dataclass(frozen=True)
class Reference:
    """The population whose structure the standardised rates take.

    Either ``year``: the national population of that year in the ``population`` table
    (``None``: its first year), or ``weights``: fixed (age band lower bound, sex or 0 for both
    sexes, weight) triples, bands at least as fine as the family's.
    """

    name: str = ""
    year: int | None = None
    weights: tuple[tuple[int, int, float], ...] = ()


EUROPEAN_2013 = Reference("population standard européenne 2013 (Eurostat, sexes confondus)",
                          weights=tuple((a, 0, float(w)) for a, w in ESP_2013))


@dataclass(frozen=True)
class StrataUpdate:
    """The kernel's update with the family's age bands bound (hashable, picklable)."""

    bands: tuple[int, ...]
    ald: bool
    amount: bool

    @functools.cached_property
    def band_of_age(self) -> np.ndarray:
        ages = np.arange(strata.MAX_AGE + 1)
        return (np.searchsorted(np.asarray(self.bands), ages, side="right") - 1).astype(np.int64)

    def __call__(self, state, group, age, sex, *rest):
        empty = np.zeros(0, np.int64)
        ald = rest[0] if self.ald else empty
        amount = rest[-1] if self.amount else empty
        strata.update_strata(state, group, self.band_of_age, 2 if self.ald else 1, age, sex,
                             ald, amount)


def band_labels(bands: tuple[int, ...]) -> list[str]:
    return [f"{a}-{b - 1}" for a, b in zip(bands, bands[1:])] + [f"{bands[-1]}+"]


@dataclass(frozen=True)
class Standardised(Measure):
    """Events (``numerator=None``) or an amount per beneficiary, standardised on age × sex.

    ``numerator``: amount column summed (``numerator_kind`` ``cents``: euros, ``int``: units);
    ``scale``: per how many beneficiaries (1, 1000…); ``age_bands``: lower bounds of the bands,
    each a lower bound of the population table's bands; ``ald``: a 0/1 column of the rows that
    adds ALD status to the strata (the population table must then give ``ALD_TOP``), or a code
    column read as 1 when in ``ald_values`` (``EXO_MTF``: 41-46), else 0;
    ``ald_optional``: the ALD stratum only when the column is present and the population
    gives ``ALD_TOP``, otherwise age × sex (never non calculable for want of ALD data);
    ``reference``: a :class:`Reference`, a year, or ``None`` (national, first year).
    """

    numerator: str | None = None
    numerator_kind: str = "cents"
    scale: float = 1.0
    age_bands: tuple[int, ...] = DEFAULT_BANDS
    reference: Reference | int | None = None
    ald: str | None = None
    ald_values: tuple[int, ...] = ()
    ald_optional: bool = False
    ald_present: bool = False  # set by for_inputs: the rows' table has the ALD column
    age_column: str = "BEN_AMA_COD"
    sex_column: str = "BEN_SEX_COD"
    statistic: str = "standardise"
    multi_period = True  # finalised from the grid and the population, not from states alone
    auxiliary_tables = (POPULATION,)

    # ------------------------------------------------------------------ declaration
    @property
    def reads_ald(self) -> bool:
        """The kernel reads the ALD column (declared, and present when optional)."""
        return bool(self.ald) and (not self.ald_optional or self.ald_present)

    @property
    def n_ald(self) -> int:
        return 2 if self.reads_ald else 1

    def for_inputs(self, columns: tuple[str, ...]) -> Standardised:
        """This measure for a table with ``columns``: an optional ALD column read if there."""
        if not (self.ald and self.ald_optional) or self.ald_present == (self.ald in columns):
            return self
        return replace(self, ald_present=self.ald in columns)

    @property
    def n_strata(self) -> int:
        return len(self.age_bands) * 2 * self.n_ald

    def kernel(self) -> Kernel:
        inputs = [Input(self.age_column, "int"), Input(self.sex_column, "int")]
        if self.reads_ald:
            inputs.append(Input(self.ald, "flag", tuple(self.ald_values)) if self.ald_values
                          else Input(self.ald, "int"))
        if self.numerator:
            inputs.append(Input(self.numerator, self.numerator_kind))
        bands = "-".join(str(b) for b in self.age_bands)
        ald = ("_ald" + "".join(f"_{v}" for v in self.ald_values)) if self.reads_ald else ""
        name = f"strates_{bands}{ald}{'_montant' if self.numerator else ''}"
        return Kernel(name, tuple(inputs), strata.width(self.n_strata),
                      StrataUpdate(tuple(self.age_bands), self.reads_ald, bool(self.numerator)),
                      strata.REASONS,
                      sums=tuple((2 * s, 2 * s + 1) for s in range(self.n_strata)))

    def validate(self, indicator, registry) -> None:
        fields.standardised(self, indicator, registry)
        b = self.age_bands
        if not b or b[0] < 0 or any(y <= x for x, y in zip(b, b[1:])) or b[-1] > strata.MAX_AGE:
            raise ValueError("age_bands must be increasing lower bounds within 0-130")
        if self.numerator_kind not in ("cents", "int"):
            raise ValueError("numerator_kind must be cents (euros) or int")
        if not self.scale > 0:
            raise ValueError("scale must be > 0")
        if POPULATION not in registry.tables:
            raise ValueError("a standardised rate needs the 'population' table")
        if isinstance(self.reference, Reference) and self.reference.weights:
            _coarsen_weights(self.reference.weights, b)  # raises when bands do not nest

    def reference_name(self, first_year: int | None = None) -> str:
        ref = self.reference
        if isinstance(ref, Reference) and ref.weights:
            return ref.name
        year = ref.year if isinstance(ref, Reference) else ref
        if isinstance(ref, Reference) and ref.name:
            return ref.name
        if year is None:
            return ("population nationale de la première année de la table population"
                    if first_year is None else f"population nationale {first_year} "
                    "(table population, toutes caisses)")
        return f"population nationale {year} (table population, toutes caisses)"

    # ------------------------------------------------------------------ finalisation
    def finalise(self, rows):
        raise NotImplementedError("a standardised rate is finalised with the population table")

    def finalise_grid(self, grid, periods):
        table = grid.context.aux.get(POPULATION)
        m, ald_note, problem = self._strata_for(table)
        pop = Populations.read(table, m)
        if problem:
            pop.problem = problem
        weights, ref_name, ref_problem = m._weights(pop)
        units = _units(grid.context, grid.states.shape[0], pop)
        out = []
        for p in periods:
            rows = grid.rows(p.first_month, p.last_month)
            if self.reads_ald and not m.reads_ald:  # ALD strata summed: age × sex
                rows = collapse_ald(rows, m.n_strata)
            out.append(m._finalise_period(rows, p, pop, units, weights, ref_name,
                                          ref_problem, ald_note))
        return out

    def _strata_for(self, table) -> tuple[Standardised, str | None, str | None]:
        """(the measure the figures are finalised with, what ``details`` says of ALD, a
        problem making every value non calculable)."""
        if not self.ald:
            return self, None, None
        if not self.ald_optional:
            return self, f"oui ({self.ald})", None
        age_sex = replace(self, ald=None, ald_values=(), ald_optional=False, ald_present=False)
        if not self.reads_ald:
            return age_sex, f"non : colonne {self.ald} absente de la table des lignes", None
        split = population_split(table)
        if split == "partiel":
            return self, None, ("ALD_TOP renseigné sur une partie seulement des lignes de la "
                                "table population")
        if split == "oui":
            return self, f"oui ({self.ald} ; population ALD_TOP)", None
        return age_sex, "non : la table population ne donne pas ALD_TOP", None

    def _weights(self, pop: Populations):
        """(w_s summing to 1, reference name, reason when it cannot be had)."""
        ref = self.reference
        if isinstance(ref, Reference) and ref.weights:
            return _coarsen_weights(ref.weights, self.age_bands, self.n_ald), ref.name, None
        if pop.problem:
            return None, self.reference_name(), pop.problem
        year = ref.year if isinstance(ref, Reference) else ref
        year = pop.years[0] if year is None and pop.years else year
        name = self.reference_name(year)
        total = pop.national(year)
        if total is None or total.sum() == 0:
            return None, name, f"population de référence {year} absente de la table population"
        return total / total.sum(), name, None

    def _finalise_period(self, rows, p, pop, units, weights, ref_name, ref_problem,
                         ald_note=None):
        k = self.n_strata
        n_s = rows[:, 0:2 * k:2]
        num_s = rows[:, 1:2 * k:2].astype(np.float64)
        if self.numerator and self.numerator_kind == "cents":
            num_s = num_s / 100.0
        n = n_s.sum(axis=1)
        years = p_years(p)
        size = rows.shape[0]
        value, crude = np.full(size, np.nan), np.full(size, np.nan)
        num, den = num_s.sum(axis=1), np.full(size, np.nan)
        reason: list = [None] * size
        details: list = [None] * size
        for i in range(size):
            popu, why = (None, ref_problem) if ref_problem else pop.person_years(units[i], years)
            if popu is None:
                reason[i] = why
                continue
            den[i] = popu.sum()
            empty = (popu == 0) & (n_s[i] > 0)
            if empty.any():
                s = int(np.flatnonzero(empty)[0])
                reason[i] = ("population nulle dans une strate avec des événements "
                             f"({self.label(s)})")
                continue
            if den[i] == 0:
                reason[i] = "population nulle"
                continue
            rate = np.divide(num_s[i], popu, out=np.zeros(k), where=popu > 0)
            crude[i] = self.scale * num[i] / den[i]
            value[i] = self.scale * float(np.dot(weights, rate))
            details[i] = json.dumps({
                "brut": float(crude[i]), "standardise": float(value[i]),
                "population_reference": ref_name, "strates": self.strata_text(),
                "beneficiaires_annees": round(float(den[i]), 4),
                "annees_population": {str(y): f"{m}/12" for y, m in years},
                **({"ald": ald_note} if ald_note else {})}, ensure_ascii=False)
        return Finalised(value, num, den, n, reason, details)

    # ------------------------------------------------------------------ text
    def label(self, s: int) -> str:
        d = s % self.n_ald
        x = (s // self.n_ald) % 2 + 1
        band = s // (2 * self.n_ald)
        text = f"{SEXES[x]} {band_labels(self.age_bands)[band]} ans"
        return text + (f", ALD {d}" if self.ald else "")

    def strata_text(self) -> str:
        return f"âge ({', '.join(band_labels(self.age_bands))}) × sexe (1, 2){self._ald_text()}"

    def _ald_text(self) -> str:
        if not self.ald:
            return ""
        flag = (f"{self.ald} ∈ {{{', '.join(map(str, self.ald_values))}}}" if self.ald_values
                else f"{self.ald} 0/1")
        return f" × ALD ({flag})"

    def _describe_ald(self) -> list[str]:
        if not self.ald_optional:
            return []
        return [f"Strate ALD si les données le permettent : quand la table des lignes a "
                f"{self.ald} et que la table population donne ALD_TOP (0/1) sur chaque ligne, "
                f"standardisation sur âge × sexe × ALD{self._ald_text()[6:]} ; sinon sur âge × "
                "sexe, comme sans ALD (mêmes chiffres). details.ald dit lequel et pourquoi ; "
                "ALD_TOP renseigné sur une partie des lignes seulement : non calculable."]

    def describe(self, indicator):
        unit = "euros" if self.numerator_kind == "cents" else "unités"
        what = (f"somme de {self.numerator} ({unit})" if self.numerator
                else "nombre de lignes du champ")
        per = "par bénéficiaire" if self.scale == 1 else f"pour {self.scale:g} bénéficiaires"
        return [
            f"Numérateur : {what}, par strate {self.strata_text()} lue dans {self.age_column}, "
            f"{self.sex_column}" + (f", {self.ald}" if self.ald else "") + ".",
            *self._describe_ald(),
            "Dénominateur : bénéficiaires-années de la table population (effectif de chaque "
            "année compté pour les mois de la période dans cette année ; taux par an).",
            f"Standardisation directe sur âge × sexe{' × ALD' if self.ald else ''}, population "
            f"de référence : {self.reference_name()}. Valeur : Σ_s w_s · num_s / pop_s "
            f"{per} (w_s : part de la strate s dans la population de référence) ; taux brut "
            "(Σ num / Σ pop) dans details (brut), à côté du standardisé.",
            "Niveaux : caisse, région, groupe de caisses (populations des caisses membres "
            "sommées) et national (toute la table population) ; jamais une moyenne de taux.",
            "Non calculable : population absente pour une année de la période, strate avec des "
            "événements et une population nulle, tranches d'âge incompatibles avec la table "
            "population. Une strate sans événement et sans population compte pour un taux nul.",
            "Exclus : âge manquant ou hors 0-130 ans (age_inconnu), sexe autre que 1 ou 2 "
            "(sexe_inconnu)" + ((f", {self.ald} manquant (ald_inconnue)" if self.ald_values
                                 else ", ALD autre que 0 ou 1 (ald_inconnue)") if self.ald
                                else "")
            + (", montant manquant, montant négatif." if self.numerator else "."),
        ]


def collapse_ald(rows: np.ndarray, k: int) -> np.ndarray:
    """States over strata × ALD (0, 1) as states over the ``k`` strata without ALD."""
    n = rows.shape[0]
    pairs = rows[:, :4 * k].reshape(n, k, 2, 2)  # stratum, ALD, (count, sum)
    return np.hstack([pairs.sum(axis=2).reshape(n, 2 * k), rows[:, 4 * k:]])


def population_split(table) -> str:
    """Whether the population table gives ALD status: ``oui`` (ALD_TOP 0/1 on every row),
    ``non`` (absent or empty everywhere) or ``partiel``."""
    if table is None or "ALD_TOP" not in table.column_names or table.num_rows == 0:
        return "non"
    nulls = table.column("ALD_TOP").null_count
    return "non" if nulls == table.num_rows else "oui" if nulls == 0 else "partiel"


def p_years(p) -> list[tuple[int, int]]:
    """(year, months of the period in it) for each year the period touches."""
    out: dict[int, int] = {}
    for m in range(p.first_month, p.last_month + 1):
        y = 1970 + m // 12
        out[y] = out.get(y, 0) + 1
    return sorted(out.items())


def _units(context, n_slots: int, pop: Populations) -> list:
    """Caisse codes of each grid row (slots, then the national row: every caisse)."""
    out = []
    for slot in range(n_slots):
        code = context.codes.get(slot)
        out.append(() if code is None else tuple(context.members.get(code, [code])))
    out.append(None)  # national
    return out


def _coarsen_weights(weights, bands, n_ald: int = 1) -> np.ndarray:
    """Declared reference weights on the family's strata (shares summing to 1)."""
    lows = sorted({a for a, _, _ in weights})
    missing = [b for b in bands if b not in lows]
    if missing or lows[0] > bands[0]:
        raise ValueError(f"reference bands do not nest in the age bands (no band starting at "
                         f"{missing[0] if missing else bands[0]})")
    w = np.zeros(len(bands) * 2 * n_ald)
    for a, sex, weight in weights:
        if a < bands[0]:
            continue
        band = int(np.searchsorted(bands, a, side="right") - 1)
        for x in ((1, 2) if sex == 0 else (sex,)):
            share = weight / (2 if sex == 0 else 1) / n_ald
            for d in range(n_ald):
                w[(band * 2 + x - 1) * n_ald + d] += share
    return w / w.sum()


class Populations:
    """The population table as beneficiaries per (caisse, year) and stratum of a family."""

    def __init__(self, cube: dict, years: list[int], k: int, problem: str | None = None):
        self.cube = cube  # (code, year) -> int64 array of the k strata
        self.years = years
        self.k = k
        self.problem = problem

    @classmethod
    def read(cls, table, measure: Standardised) -> Populations:
        k = measure.n_strata
        if table is None or table.num_rows == 0:
            return cls({}, [], k, "table population absente ou vide")
        cols = {c: table.column(c).to_pylist() for c in
                ("ORG_CLE_NUM", "ANNEE", "AGE_MIN", "BEN_SEX_COD", "BEN_NBR")}
        lows = sorted({a for a in cols["AGE_MIN"] if a is not None})
        bands = measure.age_bands
        if any(b not in lows for b in bands):
            return cls({}, [], k, "tranches d'âge de la table population incompatibles avec "
                                  f"celles de l'indicateur ({', '.join(map(str, bands))})")
        has_ald = "ALD_TOP" in table.column_names
        if measure.ald and not has_ald:
            return cls({}, [], k, "la table population ne donne pas ALD_TOP")
        ald = table.column("ALD_TOP").to_pylist() if has_ald else [None] * table.num_rows
        cube: dict = {}
        for code, year, age, sex, nbr, d in zip(cols["ORG_CLE_NUM"], cols["ANNEE"],
                                                cols["AGE_MIN"], cols["BEN_SEX_COD"],
                                                cols["BEN_NBR"], ald):
            if None in (code, year, age, sex, nbr) or sex not in (1, 2) or age < bands[0]:
                continue
            if measure.ald and d not in (0, 1):
                continue
            band = int(np.searchsorted(bands, age, side="right") - 1)
            s = (band * 2 + sex - 1) * measure.n_ald + (d if measure.ald else 0)
            cube.setdefault((code, int(year)), np.zeros(k, np.int64))[s] += int(nbr)
        years = sorted({y for _, y in cube})
        return cls(cube, years, k)

    def national(self, year: int) -> np.ndarray | None:
        arrays = [v for (c, y), v in self.cube.items() if y == year]
        return np.sum(arrays, axis=0) if arrays else None

    def person_years(self, codes, years: list[tuple[int, int]]):
        """(beneficiary-years per stratum over the caisses ``codes`` (None: all), reason)."""
        if self.problem:
            return None, self.problem
        total = np.zeros(self.k, np.float64)
        for y, months in years:
            if codes is None:
                arrays = [v for (c, yy), v in self.cube.items() if yy == y]
            elif not codes:
                return None, "unité sans caisse"
            else:
                arrays = [self.cube[(c, y)] for c in codes if (c, y) in self.cube]
                if len(arrays) < len(codes):  # a caisse's events would lack their population
                    return None, f"population {y} absente pour {len(codes) - len(arrays)} " \
                                 f"caisse(s) de l'unité"
            if not arrays:
                return None, f"population {y} absente de la table population"
            total += np.sum(arrays, axis=0) * (months / 12.0)
        return total, None
