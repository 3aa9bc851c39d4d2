"""Declarations that plugins build and hand to the registry: indicators, COGs, targets, kernels.

Everything here is a frozen dataclass: a plugin declares, the engine computes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping, Protocol

import numpy as np

from cogind import formatting

Direction = Literal["hausse", "baisse"]
"""``hausse``: a higher value is better (a rate of answered calls); ``baisse``: lower is better."""

INPUT_KINDS = ("days", "seconds", "microseconds", "cents", "int", "flag")


@dataclass(frozen=True)
class Source:
    """The passage of a seed text an indicator or a target rests on."""

    seed: str
    lines: tuple[int, int]
    quote: str = ""

    def __str__(self) -> str:
        a, b = self.lines
        where = f"l. {a}" if a == b else f"l. {a}-{b}"
        return f"{self.seed}, {where}"


@dataclass(frozen=True)
class Condition:
    """Row scope: ``column`` takes one of ``values`` (or none of them when ``negate``)."""

    column: str
    values: tuple
    negate: bool = False

    def __str__(self) -> str:
        vals = ", ".join(str(v) for v in self.values)
        return f"{self.column} {'∉' if self.negate else '∈'} {{{vals}}}"


def where(**columns: Any) -> tuple[Condition, ...]:
    """``where(SIN_1IJ_IND=1, PRS_NAT_REF=(6111, 6112))`` as a tuple of conditions."""
    conds = []
    for name, values in sorted(columns.items()):
        vals = tuple(values) if isinstance(values, (tuple, list, set, frozenset)) else (values,)
        conds.append(Condition(name, vals))
    return tuple(conds)


@dataclass(frozen=True)
class Input:
    """A column a kernel reads, and how the engine turns it into an int64 array.

    ``days``: date or timestamp → days since 1970-01-01; ``seconds``: timestamp → seconds
    (floored); ``microseconds``: timestamp → microseconds (nanoseconds floored);
    ``cents``: amount in euros → integer cents; ``int``: integer code; ``flag``: 1 when the
    value is in ``values``, else 0. Nulls become :data:`cogind.kernels.NULL`.
    """

    column: str
    kind: str
    values: tuple = ()

    def __post_init__(self) -> None:
        if self.kind not in INPUT_KINDS:
            raise ValueError(f"input kind {self.kind!r} not in {INPUT_KINDS}")


@dataclass(frozen=True)
class Kernel:
    """The kernel contract: what every measure family (built-in or plugin) provides.

    ``update(state, group, *arrays)`` is a numba function: ``state`` is an int64 array of shape
    (groups, width) updated in place, ``group`` the int64 group of each row (-1: row out of
    scope), ``arrays`` one integer array per input: int64 with nulls as ``NULL``, or int32
    (a date column without nulls, read in place) — write kernels that accept either. The last ``len(reasons)`` slots of a group's
    state count the rows excluded for each reason. ``merge`` must be associative and
    commutative with zeros as identity; the default adds states.

    ``step(state, g, *values)``, optional, is the same update for one row: a numba function
    defined at the top level of a module, given the row's group ``g`` (always ≥ 0) and one
    int64 value per input (nulls as ``NULL``). When every kernel of a table has one, large
    tables are read in one generated loop that converts, scopes, groups and steps every state
    row by row (:mod:`cogind.engine.fused`), with no intermediate array; ``update`` must then be
    ``step`` in a loop over the rows in scope (the engine uses either).

    ``sums``: for each sum of amounts (``cents`` inputs, each ≥ 0, once per row) in the state,
    its (count column, sum column). Rows whose amount is beyond its column's range never reach
    the kernel, so a table of N rows with amounts within B cents sums to at most N × B: below
    2**63 nothing can overflow; above, the engine checks these columns exactly
    (:func:`cogind.engine.bounds.check_sums`) and refuses a kernel reading amounts that declares
    none.
    """

    name: str
    inputs: tuple[Input, ...]
    width: int
    update: Callable
    reasons: tuple[str, ...] = ()
    merge: Callable | None = None
    step: Callable | None = None
    sums: tuple[tuple[int, int], ...] = ()
    side: Callable | None = None
    """A state that is no fixed-width array (distinct beneficiaries): ``side()`` makes an empty
    one, with ``update(batch, group, month0, n_months, state)`` (rows of ``group`` ≥ 0, group =
    slot × n_months + month − month0; it may count exclusions in ``state``, the kernel's
    int64 slots of this batch's cells), ``merge(other)`` (associative, commutative); the engine
    keeps one per accumulator beside the int64 states, fed after the separate or the generated
    loop; ``arrays()`` (exact int64/int32 arrays) and ``load(arrays)`` let ``--states`` store
    it (:mod:`cogind.engine.states`)."""

    def merged(self, a, b):
        return a + b if self.merge is None else self.merge(a, b)


# --------------------------------------------------------------------------- targets

TargetKind = Literal["niveau", "minimum", "maximum", "intervalle", "evolution", "a_determiner"]


@dataclass(frozen=True)
class Target:
    """A COG target (cible) for one year, kept with its wording in the COG.

    ``niveau``: reach ``value`` in the indicator's direction; ``minimum``/``maximum``: stay at or
    above / at or below ``value``; ``intervalle``: within [``low``, ``high``]; ``evolution``: a
    change of ``value`` % versus ``base_year`` (the indicator's value is then that change);
    ``a_determiner``: no figure was set.
    """

    kind: TargetKind
    value: float | None = None
    low: float | None = None
    high: float | None = None
    base_year: int | None = None
    label: str = ""

    @classmethod
    def level(cls, value: float, label: str = "") -> Target:
        return cls("niveau", value=value, label=label or _fmt(value))

    @classmethod
    def at_least(cls, value: float, label: str = "") -> Target:
        return cls("minimum", value=value, label=label or f"≥ {_fmt(value)}")

    @classmethod
    def at_most(cls, value: float, label: str = "") -> Target:
        return cls("maximum", value=value, label=label or f"≤ {_fmt(value)}")

    @classmethod
    def between(cls, low: float, high: float, label: str = "") -> Target:
        return cls("intervalle", low=low, high=high, label=label or f"{_fmt(low)}-{_fmt(high)}")

    @classmethod
    def change(cls, value: float, base_year: int | None = None, label: str = "") -> Target:
        label = label or f"{_fmt(value, sign=True)}{formatting.UNIT_SPACE}%"
        return cls("evolution", value=value, base_year=base_year, label=label)

    @classmethod
    def undetermined(cls, label: str = "à déterminer") -> Target:
        return cls("a_determiner", label=label)

    def met_array(self, values: np.ndarray, direction: Direction) -> np.ndarray:
        """Whether each value meets the target (meaningless where a value is NaN)."""
        v = np.asarray(values, dtype=float)
        if self.kind == "intervalle":
            return (v >= self.low) & (v <= self.high)
        if self.kind == "minimum" or (self.kind != "maximum" and direction == "hausse"):
            return v >= self.value
        return v <= self.value

    def gap_array(self, values: np.ndarray, direction: Direction) -> np.ndarray:
        """Signed distance of each value to the target, > 0 when better than it."""
        v = np.asarray(values, dtype=float)
        if self.kind == "intervalle":
            return np.where(v < self.low, v - self.low, np.where(v > self.high, self.high - v, 0.0))
        sign = 1.0 if (self.kind == "minimum" or (self.kind in ("niveau", "evolution")
                                                   and direction == "hausse")) else -1.0
        return sign * (v - self.value)

    def is_met(self, value: float | None, direction: Direction) -> bool | None:
        """Whether ``value`` meets the target; None when either is missing."""
        if value is None or math.isnan(value) or self.kind == "a_determiner":
            return None
        return bool(self.met_array(np.array([value]), direction)[0])

    def gap(self, value: float | None, direction: Direction) -> float | None:
        """Signed distance to the target in the indicator's unit, > 0 when better than it."""
        if value is None or math.isnan(value) or self.kind == "a_determiner":
            return None
        return float(self.gap_array(np.array([value]), direction)[0])

    @property
    def reference(self) -> float | None:
        """One number to draw as the target line."""
        if self.kind == "intervalle":
            return (self.low + self.high) / 2
        return self.value


def _fmt(v: float, sign: bool = False) -> str:
    # the default wording, in French (« 99,35 », « 10 000 »), not « 1e+06 » (issue 23)
    return formatting.exact(v, sign=sign)


def as_target(spec: Target | float | int | str | None) -> Target:
    """Targets may be declared as numbers (a level) or ``None`` (à déterminer)."""
    if isinstance(spec, Target):
        return spec
    if spec is None:
        return Target.undetermined()
    if isinstance(spec, (int, float)):
        return Target.level(float(spec))
    raise TypeError(f"cannot read target {spec!r}")


# --------------------------------------------------------------------------- indicators


class MeasureSpec(Protocol):
    """What a declaration needs of its measure family: the kernel it runs. The families
    (:class:`cogind.Measure` and its subclasses, in :mod:`cogind.measures`) implement it and
    the rest of their contract; the model knows none of them."""

    statistic: str

    def kernel(self) -> Kernel: ...


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it measures, from which table, with which measure family."""

    code: str
    libelle: str
    definition: str
    table: str
    measure: MeasureSpec
    unit: str
    direction: Direction
    period_column: str
    where: tuple[Condition, ...] = ()
    caisse_column: str = "ORG_CLE_NUM"
    source: tuple[Source, ...] = ()
    notes: str = ""
    secret: bool = True
    """``n`` counts individuals (insured people, claims, calls): small cells are masked under
    the secret statistique. False for aggregates reported by other systems (``mesures``)."""
    caisse_missing: Literal["exclure", "national"] = "exclure"
    """A row with no caisse: excluded and counted (``exclure``), or a national measure that
    counts in the national figure only (``national``, e.g. reported national measurements)."""

    @property
    def required_columns(self) -> tuple[str, ...]:
        cols = [self.caisse_column, self.period_column]
        cols += [c.column for c in self.where]
        cols += [i.column for i in self.measure.kernel().inputs]
        cols += list(getattr(self.measure, "side_columns", ()))  # read by a side state
        return tuple(dict.fromkeys(cols))


@dataclass(frozen=True)
class CogIndicator:
    """An indicator as a COG uses it: its number in the COG, wording and yearly targets."""

    code: str
    targets: Mapping[int, Target]
    numero: str = ""
    libelle: str = ""
    fiche: str = ""
    source: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Cog:
    """A convention d'objectifs et de gestion and the indicators it follows."""

    code: str
    libelle: str
    years: tuple[int, ...]
    indicators: tuple[CogIndicator, ...]
    source: tuple[Source, ...] = ()
    service_de_base: tuple[str, ...] = ()
    """The base-service indicators the network is steered on (comité d'alerte, composite of
    the caisses below their socle / objectif, :mod:`cogind.analyses.composite`)."""

    def entry(self, code: str) -> CogIndicator | None:
        for ci in self.indicators:
            if ci.code == code:
                return ci
        return None

    def target(self, code: str, year: int) -> Target | None:
        ci = self.entry(code)
        return None if ci is None else ci.targets.get(year)


@dataclass(frozen=True)
class TableSchema:
    """An input table as declared in ``schemas/`` (Table Schema JSON)."""

    name: str
    title: str
    fields: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: str = ""
    availability: str | None = None
    """Date a row became available (SNDS flow date): ``as_of`` keeps rows known by then."""
    primary_key: tuple[str, ...] = ()
    """Table Schema ``primaryKey``: the columns that identify a row (duplicates are counted on
    them, :mod:`cogind.engine.duplicates`); empty: a table whose identical rows are legitimate."""

    def field_type(self, column: str) -> str | None:
        f = self.fields.get(column)
        return None if f is None else f.get("type")
