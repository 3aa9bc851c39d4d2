"""Finalisation: merged monthly states to result rows with targets, statuses and exclusions.

Every row gets an honest status (atteint, non atteint, non calculable, masqué, sans cible) with
its reason, the gap to the target in the indicator's unit and in cases, a confidence interval
and whether a miss is significant, and whether its months are still provisional.
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cogind.engine import ENGINE_REASONS, Accumulator, GridContext, MonthGrid
from cogind.families import Finalised
from cogind.model import Cog, Indicator, Target
from cogind.levels import group_slots
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
                  "exclusions", "details")
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
    levels: tuple[str, ...] = ("caisse", "national")


class Rows:
    """Result rows built a block at a time (one indicator × period, every caisse at once)."""

    def __init__(self) -> None:
        self.chunks: dict[str, list] = {f.name: [] for f in RESULT_SCHEMA}
        self.n = 0

    def add_block(self, size: int, /, **columns) -> None:
        """Columns given as sequences of ``size`` values, or one value for the whole block."""
        for name, chunk in self.chunks.items():
            value = columns.get(name)
            is_seq = isinstance(value, (list, np.ndarray))
            chunk.append(value if is_seq else [value] * size)
        self.n += size

    def add(self, **values) -> None:
        self.add_block(1, **{k: [v] for k, v in values.items()})

    def table(self) -> pa.Table:
        return pa.table({f.name: _column(self.chunks[f.name], f.type) for f in RESULT_SCHEMA},
                        schema=RESULT_SCHEMA)


def _column(chunks: list, typ: pa.DataType) -> pa.Array:
    """One Arrow column from blocks; NaN in float blocks is null (never a figure)."""
    if chunks and all(isinstance(c, np.ndarray) and c.dtype.kind == "f" for c in chunks):
        values = np.concatenate(chunks)
        return pa.array(values, typ, mask=~np.isfinite(values))
    flat = list(itertools.chain.from_iterable(
        c.tolist() if isinstance(c, np.ndarray) else c for c in chunks))
    if pa.types.is_floating(typ):
        flat = [None if x is None or not math.isfinite(x) else x for x in flat]
    return pa.array(flat, typ)


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)


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


def select_periods(acc: Accumulator, kind: str, years: tuple[int, ...] | None,
                   cog: Cog | None = None) -> list[Period]:
    """Periods of ``kind`` over the data, within ``years``; ``span``: one period over all
    the reported years (the COG's whole duration by default), from the merged month states."""
    if acc.n_months == 0:
        return []
    first, last = acc.month0, acc.month0 + acc.n_months - 1
    if kind == "span":
        ys = sorted(years) if years else sorted({1970 + m // 12 for m in range(first, last + 1)})
        lo, hi = max(first, (ys[0] - 1970) * 12), min(last, (ys[-1] - 1970) * 12 + 11)
        label = f"{1970 + lo // 12}-{1970 + hi // 12}"  # the years the data cover
        return [Period(label, lo, hi)] if lo <= hi else []
    periods = periods_between(first, last, kind)
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
                       options: Options | None = None,
                       groupings: dict[str, dict[str, str]] | None = None,
                       aux: dict | None = None) -> dict[str, int]:
    """Append the rows of one indicator; return its rows excluded for want of a period date.

    ``groupings``: level name (region, groupe) → group of each caisse code; each level's rows
    come from the caisses' merged states. ``options.levels`` says which levels to write.
    """
    options = options or Options()
    grid = acc.grid(state_index)
    caisses = sorted(acc.slots.items())
    grid.context = GridContext({slot: code for code, slot in caisses},
                               {code: [code] for code, _ in caisses}, aux or {})
    units = [("caisse", code, slot) for code, slot in caisses] if "caisse" in options.levels else []
    _add_level_rows(rows, ind, cog, grid, periods, units, "national" in options.levels, options)
    for level, group_of in (groupings or {}).items():
        if level in options.levels:
            mapping, names = group_slots(acc.slots, group_of)
            units = [(level, name, k + 1) for k, name in enumerate(names)]
            grouped = grid.regrouped(mapping)
            grouped.context = GridContext(
                {k + 1: name for k, name in enumerate(names)},
                {name: [c for c, _ in caisses if group_of.get(c, "99") == name] for name in names},
                aux or {})
            _add_level_rows(rows, ind, cog, grouped, periods, units, False, options)
    undated = int(acc.undated[state_index].sum())
    return {"date_periode_manquante": undated} if undated else {}


def _add_level_rows(rows: Rows, ind: Indicator, cog: Cog | None, grid: MonthGrid,
                    periods: list[Period], units: list[tuple], national: bool,
                    options: Options) -> None:
    """Rows of ``units`` (level, code, slot of ``grid``), and of the national level if asked."""
    if not units and not national:
        return
    levels = [u[0] for u in units] + (["national"] if national else [])
    codes = [u[1] for u in units] + ([None] if national else [])
    for p, fin in zip(periods, ind.measure.finalise_grid(grid, periods)):
        cell = _cell(ind, cog, grid, p, fin, options)
        slots = [u[2] for u in units] + ([len(fin.value) - 1] if national else [])
        _add_block(rows, ind, cog, cell, np.array(slots, np.int64), levels, codes, options)


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


def _add_block(rows: Rows, ind: Indicator, cog: Cog | None, cell: Cell, index: np.ndarray,
               levels: list[str], codes: list, options: Options) -> None:
    """The rows of one indicator × period, every caisse and the national level at once."""
    fin, p, target = cell.fin, cell.period, cell.target
    n = np.asarray(fin.n, np.int64)[index]
    value = np.asarray(fin.value, float)[index].copy()
    reason = [fin.reason[i] for i in index]
    empty = np.isfinite(value) & (n == 0)  # no row is never a figure (issue 9), any family
    value[empty] = np.nan
    na = ~np.isfinite(value)
    reason = ["aucune ligne dans le champ" if e else r for e, r in zip(empty, reason)]
    statut, motif, met, gap = _statuses(value, na, reason, target, ind, p.year)
    low, high = _bounds(cell, index, na)
    cases, unit, sig = _cases_and_significance(cell, ind, index, value, met, low, high)
    if target is not None and target.kind != "a_determiner":
        motif = [_miss_reason(s, options.level) if m is False else r
                 for m, s, r in zip(met, sig, motif)]
    counts, n_excl = _exclusion_counts(cell.excl, index)
    rows.add_block(
        len(index), indicateur=ind.code, libelle=ind.libelle, cog=cog.code if cog else None,
        niveau=levels, caisse=codes, periode=p.label, debut=p.start, fin=p.end, valeur=value,
        numerateur=np.asarray(fin.numerator, float)[index],
        denominateur=np.asarray(fin.denominator, float)[index], n=n, unite=ind.unit,
        sens=ind.direction, cible=target.reference if target else None,
        cible_libelle=target.label if target else None,
        cible_type=target.kind if target else None, atteint=met, ecart=gap, ecart_cas=cases,
        ecart_cas_unite=unit, ic_bas=low, ic_haut=high, significatif=sig, statut=statut,
        motif=motif, masque=False, provisoire=cell.provisional, situation_au=options.as_of,
        n_exclus=n_excl, exclusions=counts,
        details=[fin.details[i] for i in index] if fin.details else None)


def _statuses(value, na, reason, target, ind: Indicator, year: int):
    """(statut, motif, atteint, écart) lists for a block of values."""
    k = len(value)
    if target is None or target.kind == "a_determiner":
        why = f"pas de cible pour {year}" if target is None else f"cible {target.label}"
        statut = [STATUS_NA if x else STATUS_NO_TARGET for x in na]
        motif = [(r or "non calculable") if x else why for x, r in zip(na, reason)]
        return statut, motif, [None] * k, np.full(k, np.nan)
    met_arr = target.met_array(value, ind.direction)
    gap = np.where(na, np.nan, target.gap_array(value, ind.direction))
    met = [None if x else bool(m) for x, m in zip(na, met_arr)]
    statut = [STATUS_NA if x else (STATUS_MET if m else STATUS_MISSED) for x, m in zip(na, met)]
    motif = [(r or "non calculable") if x else None for x, r in zip(na, reason)]
    return statut, motif, met, gap


def _bounds(cell: Cell, index: np.ndarray, na: np.ndarray):
    if cell.interval is None:
        return np.full(len(index), np.nan), np.full(len(index), np.nan)
    low = np.asarray(cell.interval[0], float)[index].copy()
    high = np.asarray(cell.interval[1], float)[index].copy()
    low[na], high[na] = np.nan, np.nan
    return low, high


def _cases_and_significance(cell: Cell, ind: Indicator, index, value, met, low, high):
    """Gap in cases (0 when met) and significance of misses, for a block."""
    k = len(index)
    cases, unit, sig = np.full(k, np.nan), [None] * k, [None] * k
    target = cell.target
    if target is None or target.kind == "a_determiner":
        return cases, unit, sig
    rows = [j for j in range(k) if met[j] is not None]
    sides: dict[tuple, list[int]] = {}
    for j in rows:  # one side for every row but with an interval target
        sides.setdefault(target_side(target, ind.direction, value[j]), []).append(j)
    for (threshold, at_least), js in sides.items():
        js = np.array(js)
        missed = np.array([met[j] is False for j in js])
        if target.kind != "evolution":
            found = cell.cases_for(ind.measure, threshold, at_least)
            if found is not None:
                cases[js] = np.where(missed, found[0][index[js]], 0.0)
                for j in js:
                    unit[j] = found[1]
        ok = np.isfinite(low[js]) & np.isfinite(high[js])
        wrong = high[js] < threshold if at_least else low[js] > threshold
        for j, m, o, w in zip(js, missed, ok, wrong):
            if m:
                sig[j] = bool(w) if o else None
    return cases, unit, sig


def _opt(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


def _exclusion_counts(excl: dict[str, np.ndarray], index: np.ndarray):
    """(JSON of the non-zero reasons, total) per row of the block."""
    names = sorted(excl)
    if not names:
        return ["{}"] * len(index), np.zeros(len(index), np.int64)
    table = np.stack([np.asarray(excl[r])[index] for r in names], axis=1)
    total = table.sum(axis=1)
    keys = [json.dumps(r, ensure_ascii=False) for r in names]  # reasons: sorted, quoted once
    text = ["{}" if not t else
            "{" + ", ".join(f"{k}: {c}" for k, c in zip(keys, row.tolist()) if c) + "}"
            for t, row in zip(total, table)]
    return text, total


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
