"""Finalisation: merged monthly states to result rows with targets, statuses and exclusions.

Every row gets an honest status (atteint, non atteint, non calculable, masqué, sans cible) with
its reason, the gap to the target in the indicator's unit and in cases, a confidence interval
and whether a miss is significant, and whether its months are still provisional.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cogind.engine import ENGINE_REASONS, Accumulator, MonthGrid
from cogind.families import Finalised
from cogind.model import Cog, Indicator, Target
from cogind.periods import Period, periods_between

STATUS_MET, STATUS_MISSED, STATUS_NA, STATUS_MASKED, STATUS_NO_TARGET = (
    "atteint", "non atteint", "non calculable", "masqué", "sans cible")
STATUSES = (STATUS_MET, STATUS_MISSED, STATUS_NA, STATUS_MASKED, STATUS_NO_TARGET)

RESULT_SCHEMA = pa.schema([
    ("indicateur", pa.string()), ("libelle", pa.string()), ("cog", pa.string()),
    ("niveau", pa.string()), ("caisse", pa.string()), ("periode", pa.string()),
    ("debut", pa.date32()), ("fin", pa.date32()), ("valeur", pa.float64()),
    ("numerateur", pa.float64()), ("denominateur", pa.float64()), ("n", pa.int64()),
    ("unite", pa.string()), ("sens", pa.string()), ("cible", pa.float64()),
    ("cible_libelle", pa.string()), ("cible_type", pa.string()), ("atteint", pa.bool_()),
    ("ecart", pa.float64()), ("ecart_cas", pa.float64()), ("ecart_cas_unite", pa.string()),
    ("ic_bas", pa.float64()), ("ic_haut", pa.float64()), ("significatif", pa.bool_()),
    ("statut", pa.string()), ("motif", pa.string()), ("masque", pa.bool_()),
    ("provisoire", pa.bool_()), ("situation_au", pa.string()),
    ("n_exclus", pa.int64()), ("exclusions", pa.string()), ("details", pa.string()),
])

MASKED_COLUMNS = ("valeur", "numerateur", "denominateur", "n", "atteint", "ecart", "ecart_cas",
                  "ecart_cas_unite", "ic_bas", "ic_haut", "significatif", "n_exclus",
                  "exclusions")
"""Emptied by :func:`mask_cells`: every figure that could reveal a small count."""


@dataclass(frozen=True)
class Options:
    """How rows are finalised: confidence level and consolidation (provisional months).

    A month m is consolidated once ``reference_month`` ≥ m + ``consolidation`` (months after its
    end); ``reference_month`` is the as-of month, or the last month of the data.
    """

    level: float = 0.95
    as_of: str | None = None
    reference_month: int | None = None
    consolidation: int = 0


@dataclass
class Rows:
    """Column-wise result rows being built."""

    cols: dict[str, list] = field(default_factory=lambda: {f.name: [] for f in RESULT_SCHEMA})

    def add(self, **values) -> None:
        for name, col in self.cols.items():
            col.append(values.get(name))

    def table(self) -> pa.Table:
        return pa.table({f.name: pa.array(self.cols[f.name], f.type) for f in RESULT_SCHEMA},
                        schema=RESULT_SCHEMA)


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)


def status_of(value: float | None, target, indicator: Indicator, year: int,
              reason: str | None) -> tuple[str, str | None, bool | None, float | None]:
    """(statut, motif, atteint, écart) of one figure."""
    if value is None:
        return STATUS_NA, reason or "non calculable", None, None
    if target is None:
        return STATUS_NO_TARGET, f"pas de cible pour {year}", None, None
    if target.kind == "a_determiner":
        return STATUS_NO_TARGET, f"cible {target.label}", None, None
    met = target.is_met(value, indicator.direction)
    return (STATUS_MET if met else STATUS_MISSED), None, met, target.gap(value, indicator.direction)


def target_side(target: Target, direction: str, value: float) -> tuple[float, bool]:
    """(threshold, at_least): the line a value must stay above (at_least) or below."""
    if target.kind == "minimum":
        return target.value, True
    if target.kind == "maximum":
        return target.value, False
    if target.kind == "intervalle":
        return (target.low, True) if value < target.low else (target.high, False)
    return target.value, direction == "hausse"


def significance(target: Target, direction: str, value: float, low: float | None,
                 high: float | None) -> bool | None:
    """True when the whole interval misses the target, False when the target lies within it."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return None
    threshold, at_least = target_side(target, direction, value)
    return bool(high < threshold) if at_least else bool(low > threshold)


def select_periods(acc: Accumulator, kind: str, years: tuple[int, ...] | None) -> list[Period]:
    if acc.n_months == 0:
        return []
    periods = periods_between(acc.month0, acc.month0 + acc.n_months - 1, kind)
    return [p for p in periods if years is None or p.year in years]


@dataclass
class Cell:
    """Everything computed for one period of one indicator, every slot at once."""

    period: Period
    fin: Finalised
    target: Target | None
    rows: np.ndarray | None  # summed states, None for multi-period families
    interval: tuple | None
    excl: dict[str, np.ndarray]
    provisional: bool
    cases: dict = field(default_factory=dict)

    def cases_for(self, measure, threshold: float, at_least: bool):
        key = (threshold, at_least)
        if key not in self.cases:
            self.cases[key] = (None if self.rows is None
                               else measure.cases(self.rows, threshold, at_least))
        return self.cases[key]


def add_indicator_rows(rows: Rows, acc: Accumulator, state_index: int, ind: Indicator,
                       cog: Cog | None, periods: list[Period],
                       options: Options | None = None) -> dict[str, int]:
    """Append the rows of one indicator; return its rows excluded for want of a period date."""
    options = options or Options()
    sp = acc.plan.states[state_index]
    grid = MonthGrid(acc.states[state_index], acc.month0, sp.kernel.width)
    fins = ind.measure.finalise_grid(grid, periods)
    caisses = sorted(acc.slots.items())
    for p, fin in zip(periods, fins):
        cell = _cell(ind, cog, grid, p, fin, options)
        for code, slot in caisses:
            _add_row(rows, ind, cog, cell, slot, "caisse", code, options)
        _add_row(rows, ind, cog, cell, len(fin.value) - 1, "national", None, options)
    undated = int(acc.undated[state_index].sum())
    return {"date_periode_manquante": undated} if undated else {}


def _cell(ind: Indicator, cog: Cog | None, grid: MonthGrid, p: Period, fin: Finalised,
          options: Options) -> Cell:
    summed = None if ind.measure.multi_period else grid.rows(p.first_month, p.last_month)
    interval = None if summed is None else ind.measure.interval(summed, options.level)
    ref = options.reference_month
    provisional = ref is not None and p.last_month + options.consolidation > ref
    return Cell(p, fin, cog.target(ind.code, p.year) if cog else None, summed, interval,
                _exclusions(ind, grid, p), provisional)


def _exclusions(ind: Indicator, grid: MonthGrid, p: Period) -> dict[str, np.ndarray]:
    out = ind.measure.exclusions(grid.rows(p.first_month, p.last_month))
    extra = grid.extra(p.first_month, p.last_month)
    for j, reason in enumerate(ENGINE_REASONS):
        out[reason] = extra[:, j]
    return out


def _add_row(rows: Rows, ind: Indicator, cog: Cog | None, cell: Cell, i: int, level: str,
             caisse: str | None, options: Options) -> None:
    fin, p, target = cell.fin, cell.period, cell.target
    value, n, reason = _num(fin.value[i]), int(fin.n[i]), fin.reason[i]
    if value is not None and n == 0:  # no row is never a figure (issue 9), whatever the family
        value, reason = None, "aucune ligne dans le champ"
    statut, motif, met, gap = status_of(value, target, ind, p.year, reason)
    low = high = None
    if cell.interval is not None and value is not None:
        low, high = float(cell.interval[0][i]), float(cell.interval[1][i])
    sig, cases, unit = None, None, None
    if met is not None:
        threshold, at_least = target_side(target, ind.direction, value)
        if target.kind != "evolution":
            found = cell.cases_for(ind.measure, threshold, at_least)
            if found is not None:
                cases, unit = (0.0 if met else _num(found[0][i])), found[1]
        if not met:
            sig = significance(target, ind.direction, value, low, high)
            motif = _miss_reason(sig, options.level)
    counts = {r: int(c[i]) for r, c in cell.excl.items() if c[i]}
    rows.add(indicateur=ind.code, libelle=ind.libelle, cog=cog.code if cog else None,
             niveau=level, caisse=caisse, periode=p.label, debut=p.start, fin=p.end,
             valeur=value, numerateur=_num(fin.numerator[i]),
             denominateur=_num(fin.denominator[i]), n=n, unite=ind.unit,
             sens=ind.direction, cible=target.reference if target else None,
             cible_libelle=target.label if target else None,
             cible_type=target.kind if target else None, atteint=met, ecart=gap,
             ecart_cas=cases, ecart_cas_unite=unit if cases is not None else None,
             ic_bas=_num(low), ic_haut=_num(high), significatif=sig, statut=statut, motif=motif,
             masque=False, provisoire=cell.provisional, situation_au=options.as_of,
             n_exclus=sum(counts.values()),
             exclusions=json.dumps(counts, ensure_ascii=False, sort_keys=True),
             details=fin.details[i] if fin.details else None)


def _miss_reason(significant: bool | None, level: float) -> str:
    ic = f"IC {level * 100:g} %"
    if significant is None:
        return f"significativité non évaluable ({ic} non disponible)"
    return f"écart significatif ({ic})" if significant else f"écart non significatif ({ic})"


def mask_cells(table: pa.Table, mask, motif: str = "secret statistique") -> pa.Table:
    """Mark the rows where ``mask`` is true as ``masqué``, emptying every figure they hold.

    ``mask``: a boolean array or list, one per row. The reports apply the secret statistique
    rule; this only records its outcome the same way in every output format.
    """
    mask = pa.array(mask, pa.bool_())
    cols = {}
    for f in table.schema:
        col = table[f.name]
        if f.name in MASKED_COLUMNS:
            col = pc.if_else(mask, pa.scalar(None, f.type), col)
        elif f.name == "statut":
            col = pc.if_else(mask, STATUS_MASKED, col)
        elif f.name == "motif":
            col = pc.if_else(mask, motif, col)
        elif f.name == "masque":
            col = pc.or_(pc.fill_null(col, False), mask)
        cols[f.name] = col
    return pa.table(cols, schema=table.schema)
