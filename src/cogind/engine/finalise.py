"""Finalisation: merged monthly states to result rows with targets, statuses and exclusions.

Every row gets an honest status (atteint, non atteint, non calculable, masqué, sans cible, non
évalué: a target judges only the periods and levels it is written for, :mod:`.judgement`) with
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

from cogind.engine.core import ENGINE_REASONS, Accumulator, GridContext, MonthGrid
from cogind.engine.judgement import (
    JUDGED,
    NOT_JUDGED,
    PRORATED,
    STATUS_NOT_JUDGED,
    Judgement,
    clear_judgement,
    judge_period,
    prorated,
    unjudged_rows,
)
from cogind.engine.levels import group_slots
from cogind.measures.families import Finalised
from cogind.measures.periods import Period, periods_between
from cogind.model import Cog, Indicator, Target

STATUS_MET, STATUS_MISSED, STATUS_NA, STATUS_MASKED, STATUS_NO_TARGET = (
    "atteint", "non atteint", "non calculable", "masqué", "sans cible")
STATUSES = (STATUS_MET, STATUS_MISSED, STATUS_NA, STATUS_MASKED, STATUS_NO_TARGET,
            STATUS_NOT_JUDGED)

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
    """Result rows built a block at a time (one indicator × year, every caisse and period)."""

    def __init__(self) -> None:
        self.chunks: dict[str, list] = {f.name: [] for f in RESULT_SCHEMA}
        self.n = 0

    def add_block(self, size: int, /, **columns) -> None:
        """Columns given as sequences of ``size`` values, or one value for the whole block."""
        for name, chunk in self.chunks.items():
            value = columns.get(name)
            is_seq = isinstance(value, (list, np.ndarray, pa.Array))
            chunk.append(value if is_seq else _Repeat(value, size))
        self.n += size

    def table(self) -> pa.Table:
        return pa.table({f.name: _column(self.chunks[f.name], f.type) for f in RESULT_SCHEMA},
                        schema=RESULT_SCHEMA)


@dataclass(frozen=True)
class _Repeat:
    """One value for a whole block."""

    value: object
    size: int


def _column(chunks: list, typ: pa.DataType) -> pa.Array:
    """One Arrow column from blocks; NaN in float blocks is null (never a figure)."""
    if chunks and all(isinstance(c, _Repeat) for c in chunks):  # one value a block: one take
        values = [None if isinstance(c.value, float) and not math.isfinite(c.value)
                  else c.value for c in chunks]
        each = np.repeat(np.arange(len(chunks)), [c.size for c in chunks])
        return pa.array(values, typ).take(pa.array(each))
    arrays = [_chunk_array(c, typ) for c in _runs(chunks)]
    return pa.concat_arrays(arrays) if arrays else pa.array([], typ)


def _runs(chunks: list) -> list:
    """``chunks`` with each run of NumPy arrays of one dtype joined: one conversion to Arrow
    per run instead of one per block (the same values, 144 blocks on the sample)."""
    out: list = []
    run: list[np.ndarray] = []
    for c in chunks:
        if run and not (isinstance(c, np.ndarray) and c.dtype == run[0].dtype):
            out.append(np.concatenate(run) if len(run) > 1 else run[0])
            run = []
        if isinstance(c, np.ndarray):
            run.append(c)
        else:
            out.append(c)
    if run:
        out.append(np.concatenate(run) if len(run) > 1 else run[0])
    return out


def _chunk_array(chunk, typ: pa.DataType) -> pa.Array:
    if isinstance(chunk, _Repeat):
        value = chunk.value
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        return pa.repeat(pa.scalar(value, typ), chunk.size)
    if isinstance(chunk, pa.Array):
        return chunk.cast(typ) if chunk.type != typ else chunk
    if isinstance(chunk, np.ndarray) and chunk.dtype.kind == "f":
        return pa.array(chunk, typ, mask=~np.isfinite(chunk))
    if isinstance(chunk, np.ndarray) and (chunk.dtype.kind in "iub" or chunk.dtype.kind == "O"
                                          and not pa.types.is_floating(typ)):
        return pa.array(chunk, typ)
    flat = chunk.tolist() if isinstance(chunk, np.ndarray) else chunk
    if pa.types.is_floating(typ):
        flat = [None if x is None or not math.isfinite(x) else x for x in flat]
    return pa.array(flat, typ)


def target_side(target: Target, direction: str, value: float) -> tuple[float, bool]:
    """(threshold, at_least): the line a value must stay above (at_least) or below."""
    if target.kind == "minimum":
        return target.value, True
    if target.kind == "maximum":
        return target.value, False
    if target.kind == "intervalle":
        return (target.low, True) if value < target.low else (target.high, False)
    return target.value, direction == "hausse"


def select_periods(acc: Accumulator, kind: str, years: tuple[int, ...] | None,
                   cog: Cog | None = None) -> list[Period]:
    """Periods of ``kind`` over the data, within ``years``; ``span``: one period over all
    the reported years (the COG's whole duration by default), from the merged month states."""
    if acc.n_months == 0:
        return []
    return periods_for(acc.month0, acc.month0 + acc.n_months - 1, kind, years)


def periods_for(first: int, last: int, kind: str, years: tuple[int, ...] | None) -> list[Period]:
    """Periods of ``kind`` over months ``first``..``last``, within ``years``."""
    if kind == "span":
        ys = sorted(years) if years else sorted({1970 + m // 12 for m in range(first, last + 1)})
        lo, hi = max(first, (ys[0] - 1970) * 12), min(last, (ys[-1] - 1970) * 12 + 11)
        label = f"{1970 + lo // 12}-{1970 + hi // 12}"  # the years the data cover
        return [Period(label, lo, hi)] if lo <= hi else []
    periods = periods_between(first, last, kind)
    return [p for p in periods if years is None or p.year in years]


@dataclass
class Cell:
    """Everything computed for the periods of one indicator, every slot of every period at
    once (rows: period after period, slots then national); targets are applied per year."""

    period: list[Period]
    fin: Finalised
    rows: np.ndarray | None  # summed states, None for multi-period families
    interval: tuple | None
    excl: dict[str, np.ndarray]
    provisional: np.ndarray  # one per period
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


def add_unavailable_rows(rows: Rows, ind: Indicator, cog: Cog | None, periods: list[Period],
                         units: list[tuple[str, str | None]], motif: str,
                         as_of: str | None = None) -> None:
    """Rows of an indicator its inputs cannot compute (issue 17): ``units`` (level, code) of
    every period, statut non calculable, ``motif``; every figure null, never 0; ``cible`` the
    line the row would be judged on (none off the target's period or level, issue 23)."""
    for year, year_ks in _by_year(periods):
        written = cog.target(ind.code, year) if cog else None
        for judgement, ks in _by_judgement(ind, [periods[k] for k in year_ks], year_ks, written,
                                           None):
            ps = [periods[k] for k in ks]
            target = (prorated(written, judgement.months) if judgement.mode == PRORATED
                      else written)
            levels = [u[0] for u in units] * len(ps)
            cible = target.reference if target else None
            unjudged = unjudged_rows(ind.measure, written, judgement, levels)
            if unjudged is not None:
                cible = np.where(unjudged[0] | unjudged[1], np.nan, np.nan if cible is None
                                 else cible)
            per_period = lambda values: np.repeat(np.asarray(values, dtype=object), len(units))
            rows.add_block(
                len(levels), indicateur=ind.code, libelle=ind.libelle,
                cog=cog.code if cog else None, niveau=levels,
                caisse=[u[1] for u in units] * len(ps), periode=per_period([p.label for p in ps]),
                debut=per_period([p.start for p in ps]), fin=per_period([p.end for p in ps]),
                unite=ind.unit, sens=ind.direction, cible=cible,
                cible_libelle=target.label if target else None,
                cible_type=target.kind if target else None, statut=STATUS_NA, motif=motif,
                masque=False, provisoire=False, situation_au=as_of)


def _add_level_rows(rows: Rows, ind: Indicator, cog: Cog | None, grid: MonthGrid,
                    periods: list[Period], units: list[tuple], national: bool,
                    options: Options) -> None:
    """Rows of ``units`` (level, code, slot of ``grid``), and of the national level if asked.

    One block per year (the periods sharing a target): its periods are finalised together,
    every slot of every period at once.
    """
    if not units and not national or not periods:
        return
    levels = [u[0] for u in units] + (["national"] if national else [])
    codes = [u[1] for u in units] + ([None] if national else [])
    slots = np.array([u[2] for u in units] + ([-1] if national else []), np.int64)
    whole = grid.stacked(periods) if not ind.measure.multi_period else None
    fin = (ind.measure.finalise(whole[:, :grid.width]) if whole is not None
           else _concat_finalised(ind.measure.finalise_grid(grid, periods)))
    cell = _cell(ind, grid, periods, fin, whole, options)
    per_period = grid.states.shape[0] + 1  # slots, then the national level
    slots[slots < 0] = per_period - 1
    index = (np.arange(len(periods))[:, None] * per_period + slots[None, :]).ravel()
    exclusions = _exclusion_counts(cell.excl, index)
    k = len(slots)
    levels, codes = np.array(levels, object), (pa.array(levels, pa.string()),
                                               pa.array(codes, pa.string()))
    for year, year_ks in _by_year(periods):
        target = cog.target(ind.code, year) if cog else None
        for judgement, ks in _by_judgement(ind, [periods[j] for j in year_ks], year_ks, target,
                                           options.reference_month):
            pos = (np.asarray(ks)[:, None] * k + np.arange(k)).ravel()
            tile = pa.array(np.tile(np.arange(k), len(ks)))
            _add_block(rows, ind, cog, cell, ks, target, index[pos],
                       (exclusions[0].take(pa.array(pos)), exclusions[1][pos]),
                       np.tile(levels, len(ks)), [c.take(tile) for c in codes], options,
                       judgement)


def _by_year(periods: list[Period]) -> list[tuple[int, list[int]]]:
    """Indices of the periods of each target year, in order."""
    years: dict[int, list[int]] = {}
    for k, p in enumerate(periods):
        years.setdefault(p.year, []).append(k)
    return list(years.items())


def _by_judgement(ind: Indicator, periods: list[Period], ks: list[int], target: Target | None,
                  reference_month: int | None) -> list[tuple[Judgement, list[int]]]:
    """Consecutive periods of one year judged alike (:func:`cogind.engine.judgement.judge_period`),
    so that rows keep their order."""
    runs: list[tuple[Judgement, list[int]]] = []
    for p, j in zip(periods, ks):
        how = judge_period(ind.measure, p, target, reference_month)
        if runs and runs[-1][0] == how:
            runs[-1][1].append(j)
        else:
            runs.append((how, [j]))
    return runs


def _concat_finalised(fins: list[Finalised]) -> Finalised:
    """Several periods' :class:`Finalised` as one, period after period."""
    cat = lambda name: np.concatenate([np.asarray(getattr(f, name)) for f in fins])
    reason = np.concatenate([np.asarray(f.reason, dtype=object) for f in fins])
    details = None
    if any(f.details for f in fins):
        details = np.concatenate([np.asarray(f.details or [None] * len(f.value), dtype=object)
                                  for f in fins])
    return Finalised(cat("value"), cat("numerator"), cat("denominator"), cat("n"), reason,
                     details)


def _cell(ind: Indicator, grid: MonthGrid, periods: list[Period], fin: Finalised,
          whole: np.ndarray | None, options: Options) -> Cell:
    """Every period of an indicator, their states stacked (``whole``: kernel and engine slots,
    None for multi-period families, whose exclusions are read here)."""
    if whole is None:
        whole = np.concatenate([np.concatenate([grid.rows(p.first_month, p.last_month),
                                                grid.extra(p.first_month, p.last_month)], axis=1)
                                for p in periods])
        summed = None
    else:
        summed = whole[:, :grid.width]
    interval = None if summed is None else ind.measure.interval(summed, options.level)
    ref = options.reference_month
    provisional = np.array([ref is not None and p.last_month + options.consolidation > ref
                            for p in periods])
    return Cell(periods, fin, summed, interval, _exclusions(ind, whole, grid.width), provisional)


def _exclusions(ind: Indicator, whole: np.ndarray, width: int) -> dict[str, np.ndarray]:
    out = ind.measure.exclusions(whole[:, :width])
    for j, reason in enumerate(ENGINE_REASONS):
        out[reason] = whole[:, width + j]
    return out


def _add_block(rows: Rows, ind: Indicator, cog: Cog | None, cell: Cell, ks: list[int],
               target: Target | None, index: np.ndarray, exclusions: tuple, levels: np.ndarray,
               codes: list, options: Options, judgement: Judgement = Judgement(JUDGED)) -> None:
    """The rows of one indicator × year (periods ``ks`` of the cell, sharing ``target`` and how
    it applies, ``judgement``): every caisse and the national level of each period; ``index``:
    their rows in the cell; ``levels`` their level, ``codes`` (niveau, caisse) as Arrow."""
    written = target
    if judgement.mode == PRORATED:
        target = prorated(target, judgement.months)
    elif judgement.mode == NOT_JUDGED:
        target = None
    fin = cell.fin
    periods = [cell.period[k] for k in ks]
    per = len(index) // len(ks)
    n = np.asarray(fin.n, np.int64)[index]
    value = np.asarray(fin.value, float)[index].copy()
    reason = np.asarray(fin.reason, dtype=object)[index]
    empty = np.isfinite(value) & (n == 0)  # no row is never a figure (issue 9), any family
    value[empty] = np.nan
    na = ~np.isfinite(value)
    reason = np.where(empty, "aucune ligne dans le champ", reason)
    statut, motif, met, gap = _statuses(value, na, reason, target, ind, periods[0].year)
    low, high = _bounds(cell, index, na)
    cases, unit, sig = _cases_and_significance(cell, ind, target, index, value, met, na, low,
                                               high)
    if target is not None and target.kind != "a_determiner":
        motif = np.where(met == False, _miss_reasons(sig, options.level), motif)
    cible = target.reference if target else None
    unjudged = unjudged_rows(ind.measure, written, judgement, levels)
    if unjudged is not None:
        statut, motif, met, gap, cases, unit, sig, cible = clear_judgement(
            unjudged, na, judgement, written, (statut, motif, met, gap, cases, unit, sig),
            cible, STATUS_NO_TARGET)
        target = target or written  # the wording of the year's target stays on every row
    counts, n_excl = exclusions
    each = pa.array(np.repeat(np.arange(len(periods)), per))
    per_period = lambda values, typ: pa.array(values, typ).take(each)
    rows.add_block(
        len(index), indicateur=ind.code, libelle=ind.libelle, cog=cog.code if cog else None,
        niveau=codes[0], caisse=codes[1], periode=per_period([p.label for p in periods], pa.string()),
        debut=per_period([p.start for p in periods], pa.date32()),
        fin=per_period([p.end for p in periods], pa.date32()), valeur=value,
        numerateur=np.asarray(fin.numerator, float)[index],
        denominateur=np.asarray(fin.denominator, float)[index], n=n, unite=ind.unit,
        sens=ind.direction, cible=cible, cible_libelle=target.label if target else None,
        cible_type=target.kind if target else None, atteint=met, ecart=gap, ecart_cas=cases,
        ecart_cas_unite=unit, ic_bas=low, ic_haut=high, significatif=sig, statut=statut,
        motif=motif, masque=False, provisoire=np.repeat(cell.provisional[ks], per),
        situation_au=options.as_of, n_exclus=n_excl, exclusions=counts,
        details=np.asarray(fin.details, dtype=object)[index] if fin.details is not None
        and len(fin.details) else None)


def _statuses(value, na, reason, target, ind: Indicator, year: int):
    """(statut, motif, atteint, écart) object arrays for a block of values."""
    k = len(value)
    unexplained = np.where(reason == None, "non calculable", reason)
    if target is None or target.kind == "a_determiner":
        why = f"pas de cible pour {year}" if target is None else f"cible {target.label}"
        statut = np.where(na, STATUS_NA, STATUS_NO_TARGET).astype(object)
        return statut, np.where(na, unexplained, why), np.full(k, None, object), np.full(k, np.nan)
    met_arr = target.met_array(value, ind.direction)
    gap = np.where(na, np.nan, target.gap_array(value, ind.direction))
    met = np.where(na, None, met_arr.astype(object))
    statut = np.where(na, STATUS_NA, np.where(met_arr, STATUS_MET, STATUS_MISSED)).astype(object)
    return statut, np.where(na, unexplained, None), met, gap


def _bounds(cell: Cell, index: np.ndarray, na: np.ndarray):
    if cell.interval is None:
        return np.full(len(index), np.nan), np.full(len(index), np.nan)
    low = np.asarray(cell.interval[0], float)[index].copy()
    high = np.asarray(cell.interval[1], float)[index].copy()
    low[na], high[na] = np.nan, np.nan
    return low, high


def _sides(target: Target, direction: str, value: np.ndarray) -> list[tuple[float, bool, np.ndarray]]:
    """(threshold, at_least, rows) of the line each value is judged against."""
    if target.kind == "intervalle":
        below = value < target.low
        return [(target.low, True, below), (target.high, False, ~below)]
    threshold, at_least = target_side(target, direction, 0.0)
    return [(threshold, at_least, np.ones(len(value), bool))]


def _cases_and_significance(cell: Cell, ind: Indicator, target: Target | None, index, value,
                            met, na, low, high):
    """Gap in cases (0 when met) and significance of misses, for a block."""
    k = len(index)
    cases, unit, sig = np.full(k, np.nan), np.full(k, None, object), np.full(k, None, object)
    if target is None or target.kind == "a_determiner":
        return cases, unit, sig
    missed_all = met == False
    for threshold, at_least, side in _sides(target, ind.direction, value):
        js = np.flatnonzero(side & ~na)
        if not len(js):
            continue
        missed = missed_all[js]
        if target.kind != "evolution":
            found = cell.cases_for(ind.measure, threshold, at_least)
            if found is not None:
                cases[js] = np.where(missed, np.asarray(found[0], float)[index[js]], 0.0)
                unit[js] = found[1]
        ok = np.isfinite(low[js]) & np.isfinite(high[js])
        wrong = high[js] < threshold if at_least else low[js] > threshold
        sig[js[missed]] = np.where(ok, wrong, None)[missed]
    return cases, unit, sig


def _exclusion_counts(excl: dict[str, np.ndarray], index: np.ndarray):
    """(JSON of the non-zero reasons, total) per row of the block, built column-wise: only the
    rows and reasons with a count are joined, the others are ``{}``."""
    names = sorted(excl)
    if not names:
        return pa.repeat(pa.scalar("{}"), len(index)), np.zeros(len(index), np.int64)
    table = np.stack([np.asarray(excl[r])[index] for r in names], axis=1)
    total = table.sum(axis=1)
    some = (table != 0).any(axis=1)
    if not some.any():
        return pa.repeat(pa.scalar("{}"), len(index)), total
    table, used = table[some], (table[some] != 0).any(axis=0)
    parts = []
    for j in np.flatnonzero(used):  # reasons: sorted, quoted once; '"reason": count, '
        count = pa.array(table[:, j])
        text = pc.binary_join_element_wise(json.dumps(names[j], ensure_ascii=False) + ": ",
                                           pc.cast(count, pa.string()), ", ", "")
        parts.append(pc.if_else(pc.greater(count, 0), text, ""))
    inner = pc.utf8_rtrim(pc.binary_join_element_wise(*parts, ""), characters=", ")
    texts = pc.binary_join_element_wise("{", inner, "}", "")
    return pc.replace_with_mask(pa.repeat(pa.scalar("{}"), len(index)), pa.array(some),
                                texts), total


def _miss_reasons(significant: np.ndarray, level: float) -> np.ndarray:
    """Why each miss is or is not significant (object array)."""
    ic = f"IC {level * 100:g} %"
    out = np.full(len(significant), f"significativité non évaluable ({ic} non disponible)",
                  object)
    out[significant == True] = f"écart significatif ({ic})"
    out[significant == False] = f"écart non significatif ({ic})"
    return out


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
