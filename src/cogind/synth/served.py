"""What the registered indicators read from the tables whose codes they define (issue 4).

At generation time the registry (every installed plugin, or cogind's own for the sample) says
which code values the ``where`` conditions of its indicators use, and which reported measures
(``MES_COD``) they read, with their family, unit, direction and COG targets. The generator then
covers every one of them, so a new indicator gets data without touching the generator.
"""
from __future__ import annotations

import importlib.metadata as md
from dataclasses import dataclass, field

import numpy as np

from cogind.measures.families import Count, Measure, Proportion, RatioOfSums, Stock, Sum
from cogind.synth.reference import table_schema

# Codes every run writes even if no indicator names them (the schemas' descriptions list them).
BASE_CODES = {
    ("enquetes", "ENQ_PUB_COD"): ("ASS", "PS", "EMP"),
    ("enquetes", "ENQ_CAN_COD"): ("GLOBAL", "MEL", "TEL", "PHY"),
    ("demarches", "DEM_TYP_COD"): ("CV", "NN", "C2S", "AAT", "CMAT", "ORD", "CONS"),
    ("demarches", "DEM_CAN_COD"): ("DEMAT", "PAPIER"),
    ("controles", "CTL_TYP_COD"): ("SM", "PN", "PE", "LCF"),
}
MES_COD = "MES_COD"
VALUE_COLUMNS = ("MES_NUM", "MES_DEN", "MES_VAL")


@dataclass(frozen=True)
class MeasurePlan:
    """One reported measure to generate: what reads it and the national level to aim at."""

    code: str
    family: str  # ratio | sum | stock | count
    unit: str
    direction: str
    national: bool  # national rows only (no caisse)
    scale: float = 100.0  # RatioOfSums scale
    targets: tuple[tuple[int, str, float | None, float | None, float | None, int | None], ...] = ()
    evolution: int | str | None = None  # base of an evolution (year or annee_precedente)
    points: bool = False  # the evolution is a change in points, not in %
    columns: tuple[str, ...] = ()  # value columns some reader needs (MES_NUM, MES_DEN, MES_VAL)
    readers: tuple[str, ...] = ()
    share: bool = False  # a RatioOfSums(share=True): MES_NUM never above MES_DEN


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Codes of the served tables' code columns and the measures of ``mesures``."""

    codes: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    measures: tuple[MeasurePlan, ...] = ()
    # {(table, column, code): {year: share}}: levels of codes the generator has no anchor for,
    # from the targets of a proportion indicator scoped on that code alone
    rates: dict[tuple[str, str, str], dict[int, float]] = field(default_factory=dict)

    def rate(self, table: str, column: str, code: str, year: int, default: float) -> float:
        points = self.rates.get((table, column, code))
        if not points:
            return default
        xs = sorted(points)
        return float(np.interp(year, xs, [points[x] for x in xs]))

    def dictionaries(self, table: str) -> dict[str, tuple[str, ...]]:
        out = {col: codes for (t, col), codes in self.codes.items() if t == table}
        if table == "mesures":
            out[MES_COD] = tuple(m.code for m in self.measures)
        return out

    def summary(self) -> dict:
        """For the manifest: what the generation followed (changes when plugins do)."""
        return {"codes": {f"{t}.{c}": list(v) for (t, c), v in sorted(self.codes.items())},
                "mesures": [m.code for m in self.measures]}


def builtin_registry():
    """The registry of cogind's own plugins only (the bundled sample must not depend on others)."""
    from cogind.plugins import build_registry

    others = [ep.name for ep in md.entry_points(group="cogind")
              if getattr(ep, "dist", None) is not None and ep.dist.metadata["Name"] != "cogind"]
    return build_registry(disabled=others)


def _enum(table: str, column: str) -> tuple[str, ...]:
    for f in table_schema(table)["fields"]:
        if f["name"] == column:
            return tuple(f.get("constraints", {}).get("enum", ()))
    return ()


def where_values(registry, table: str, column: str) -> set:
    """Values the ``where`` conditions of the indicators on ``table`` give ``column``."""
    found = set()
    for ind in registry.indicators.values():
        if ind.table != table:
            continue
        for cond in ind.where:
            if cond.column == column:
                found.update(cond.values)
        num = getattr(ind.measure, "numerator", None)
        if getattr(num, "column", None) == column:
            found.update(num.values)
    return found


def _codes(registry, table: str, column: str) -> tuple[str, ...]:
    base = BASE_CODES[(table, column)]
    enum = _enum(table, column)
    extra = {str(v) for v in where_values(registry, table, column)} - set(base)
    if enum:  # a value outside the enum cannot be written: the schema would reject it
        extra &= set(enum)
    return base + tuple(sorted(extra))


def _family(measure) -> tuple[str, float, int | str | None, bool] | None:
    evolution, points = None, False
    if isinstance(getattr(measure, "of", None), Measure):  # Evolution and its kin
        evolution = getattr(measure, "base", "annee_precedente")
        points = getattr(measure, "statistic", "") == "ecart_points"
        measure = measure.of
    fam = _plain_family(measure)
    return None if fam is None else (*fam, evolution, points)


def _plain_family(measure) -> tuple[str, float] | None:
    if isinstance(measure, RatioOfSums):
        return "ratio", measure.scale
    if isinstance(measure, Stock):
        return "stock", 100.0
    if isinstance(measure, Sum):
        return "sum", 100.0
    if isinstance(measure, Count):
        return "count", 100.0
    return None  # a plugin's own kernel: rows with every value filled, as "ratio"


def _targets(registry, code: str) -> tuple:
    out = {}
    for cog in registry.cogs_using(code):
        for year, t in cog.entry(code).targets.items():
            if t.kind != "a_determiner" and year not in out:
                out[year] = (year, t.kind, t.value, t.low, t.high, t.base_year)
    return tuple(out[y] for y in sorted(out))


def measure_plans(registry) -> tuple[MeasurePlan, ...]:
    """One plan per MES_COD value read by an indicator on ``mesures`` (first reader decides;
    a share when any reader reads it as one)."""
    plans: dict[str, MeasurePlan] = {}
    readers: dict[str, list[str]] = {}
    columns: dict[str, set] = {}
    shares: set[str] = set()
    for code in sorted(registry.indicators):
        ind = registry.indicators[code]
        if ind.table != "mesures":
            continue
        values = [v for c in ind.where if c.column == MES_COD and not c.negate for v in c.values]
        fam = _family(ind.measure) or ("ratio", 100.0, None, False)
        used = {i.column for i in ind.measure.kernel().inputs} & set(VALUE_COLUMNS)
        share = bool(getattr(getattr(ind.measure, "of", ind.measure), "share", False))
        for value in values:
            readers.setdefault(str(value), []).append(code)
            if share:
                shares.add(str(value))
            columns.setdefault(str(value), set()).update(used)
            if str(value) in plans:
                continue
            plans[str(value)] = MeasurePlan(
                str(value), fam[0], ind.unit, ind.direction, ind.caisse_missing == "national",
                fam[1], _targets(registry, code), fam[2], fam[3])
    return tuple(MeasurePlan(**{**p.__dict__, "readers": tuple(readers[c]), "share": c in shares,
                                "columns": tuple(x for x in VALUE_COLUMNS if x in columns[c])})
                 for c, p in sorted(plans.items()))


def catalogue(registry, tables) -> Catalogue:
    """The catalogue of a run; empty (no registry needed) when no served table is generated."""
    if registry is None:
        return Catalogue()
    codes = {key: _codes(registry, *key) for key in BASE_CODES if key[0] in tables}
    plans = measure_plans(registry) if "mesures" in tables else ()
    return Catalogue(codes, plans, code_rates(registry, codes))


def code_rates(registry, codes) -> dict:
    """Share targets of proportion indicators scoped on one code of a served column."""
    out = {}
    for code in sorted(registry.indicators):
        ind = registry.indicators[code]
        if not isinstance(ind.measure, Proportion) or "%" not in ind.unit:
            continue
        for cond in ind.where:
            key = (ind.table, cond.column)
            if key in codes and len(cond.values) == 1 and not cond.negate:
                points = {t[0]: _value(t) / 100 for t in _targets(registry, code)
                          if t[1] != "evolution" and _value(t) is not None}
                if points:
                    out.setdefault((*key, str(cond.values[0])), points)
    return out


def _value(t) -> float | None:
    _, kind, value, low, high, _ = t
    return (low + high) / 2 if kind == "intervalle" else value
