"""Plan, fused pass, merge and finalisation.

For each input table, every selected indicator becomes a *state* (its kernel's int64 array per
caisse slot × month); indicators with the same scope and kernel share one state. One pass over
the table's record batches updates every state; states of several passes merge by addition.
Periods (month, quarter, year) and the national level are sums of the monthly states, never
averages of caisse values. A batch is read either by the separate numba loops below (a
conversion, a condition, a group, a kernel: each a loop over the batch) or, for tables of 1 M
rows or more whose kernels all have a per-row ``step``, by one loop generated for the table's
plan (:mod:`cogind.engine.fused`); both give the same states. Caisse slot 0 counts rows with no
caisse: the kernels never see them, except for indicators
whose rows without a caisse are national measures (``caisse_missing="national"``).
"""
from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pyarrow as pa
from numba.core.errors import NumbaError

from cogind.engine.bounds import is_caisse, schema_constraints, within_bounds
from cogind.engine.columns import (buffer_values, column_to_int64, condition_masks, condition_rule,
                            period_days, unsigned_codes, used_entries, validity_bytes)
from cogind.errors import DataError, PluginError, compile_reason
from cogind.io.duplicates import Duplicates, KeyHashes
from cogind.engine.fused import FusedPlan, _known_rows
from cogind.kernels import DEFAULT_EUROS, NULL
from cogind.kernels.grid import month_rows
from cogind.kernels.groups import MONTH_TABLE, month_of_day
from cogind.kernels.rows import DOUBLON, ENGINE_WIDTH
from cogind.kernels.scope import (assign_groups, rule_condition, rule_masks,
                                  rule_wide_condition)
from cogind.model import Condition, Indicator, Input, Kernel
from cogind.engine.spans import day_span
from cogind.io.readers import DEFAULT_BATCH, TableInput, available_part

_NARROW_INDICES = (pa.int8(), pa.uint8(), pa.int16(), pa.uint16())

ENGINE_REASONS = ("champ_indetermine", "caisse_manquante", "doublon", "montant_hors_bornes",
                  "caisse_inconnue")
"""Counted by the engine, never used: rows whose scope cannot be decided (a null in a scope
column), rows with no caisse (counted in slot 0, so in the national row only), rows whose key
an earlier row has, under ``doublons="exclure"`` (:mod:`cogind.io.duplicates`), rows whose
amount is beyond its column's plausible range (``minimum``/``maximum`` of the table schema;
counted per state, in the row's cell), rows whose caisse code fails the schema's pattern
(counted in slot 0, as rows with no caisse). Their indices: :mod:`cogind.kernels.rows`."""
assert len(ENGINE_REASONS) == ENGINE_WIDTH


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class GroupKey:
    caisse: str
    period: str
    where: tuple[Condition, ...]
    national_without_caisse: bool = False  # rows with no caisse count in the national figure


@dataclass
class StatePlan:
    group: GroupKey
    kernel: Kernel
    indicators: list[Indicator] = field(default_factory=list)


@dataclass
class TablePlan:
    table: str
    states: list[StatePlan]
    as_of: tuple[str, int] | None = None  # (availability column, last day known), days since 1970
    duplicates: Duplicates | None = None  # rows left out by ordinal (doublons="exclure")
    bounds: tuple[tuple[str, tuple[float, float]], ...] = ()
    """(column, plausible range in euros, both included) of the amount columns read in cents,
    from the schema's ``minimum``/``maximum``; a column that declares none: ±DEFAULT_EUROS.
    Tuples, as every field: a Dask worker's plan is keyed by them."""
    caisse_patterns: tuple[tuple[str, str], ...] = ()
    """(caisse column, the schema's pattern a code must match to be a caisse)."""

    def bound(self, column: str) -> tuple[float, float]:
        return dict(self.bounds).get(column, (-DEFAULT_EUROS, DEFAULT_EUROS))

    @property
    def groups(self) -> list[GroupKey]:
        return list(dict.fromkeys(s.group for s in self.states))

    @property
    def columns(self) -> list[str]:
        cols: list[str] = [self.as_of[0]] if self.as_of else []
        for s in self.states:
            for ind in s.indicators:
                cols += ind.required_columns
        return list(dict.fromkeys(cols))


def plan(indicators: Iterable[Indicator], tables=None) -> dict[str, TablePlan]:
    """Group indicators by table, then by shared state (same scope and same kernel);
    ``tables`` (name → :class:`~cogind.model.TableSchema`): the amounts' plausible ranges
    and the caisse codes' pattern they declare."""
    schemas, tables = tables, {}
    for ind in indicators:
        g = GroupKey(ind.caisse_column, ind.period_column, tuple(sorted(
            ind.where, key=lambda c: (c.column, c.negate, repr(c.values)))),
            ind.caisse_missing == "national")
        k = ind.measure.kernel()
        key = (g, k)
        states = tables.setdefault(ind.table, {})
        states.setdefault(key, StatePlan(g, k)).indicators.append(ind)
    plans = {t: TablePlan(t, list(s.values())) for t, s in tables.items()}
    for name, tplan in plans.items():
        if schemas and name in schemas:
            schema_constraints(tplan, schemas[name])
    return plans


# --------------------------------------------------------------------------- accumulation


class Accumulator:
    """States of one table's pass: per state, an int64 array (slots, months, width + extra)."""

    def __init__(self, tplan: TablePlan, slots: dict[str, int] | None = None,
                 lock=None, months: tuple[int, int] | None = None,
                 fused: FusedPlan | None = None) -> None:
        self.plan = tplan
        self.fused = fused  # one generated loop per batch instead of a loop per step
        self.slots = slots if slots is not None else {}
        self.lock = lock or contextlib.nullcontext()
        self.month0 = 0
        self.n_months = 0
        self.n_slots = 1
        n = len(tplan.states)
        self.states = [np.zeros((1, 0, s.kernel.width + len(ENGINE_REASONS)), np.int64)
                       for s in tplan.states]
        self.undated = [np.zeros(1, np.int64) for _ in range(n)]
        self.sides = [s.kernel.side() if s.kernel.side else None for s in tplan.states]
        self.rows_read = 0
        self.rows_not_yet_available = 0
        self._grids: dict[int, MonthGrid] = {}  # finalisation views; cleared by any update
        if months is not None:  # the table's whole month range, known beforehand: no regrowth
            self._ensure(1, *months)

    # ------------------------------------------------------------------ shape
    def _ensure(self, n_slots: int, lo: int, hi: int) -> None:
        if self.n_months == 0:
            new0, new_n = lo, hi - lo + 1
        else:
            new0 = min(self.month0, lo)
            new_n = max(self.month0 + self.n_months, hi + 1) - new0
        n_slots = max(n_slots, self.n_slots)
        if (new0, new_n, n_slots) == (self.month0, self.n_months, self.n_slots):
            return
        off = self.month0 - new0
        for i, st in enumerate(self.states):
            grown = np.zeros((n_slots, new_n, st.shape[2]), np.int64)
            grown[:st.shape[0], off:off + st.shape[1]] = st
            self.states[i] = grown
            und = np.zeros(n_slots, np.int64)
            und[:len(self.undated[i])] = self.undated[i]
            self.undated[i] = und
        self.month0, self.n_months, self.n_slots = new0, new_n, n_slots

    # ------------------------------------------------------------------ update
    def slot_lookup(self, column, name: str | None = None
                    ) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
        """(dictionary indices, validity, offset, slot of each dictionary entry) of caisse
        column ``name``: rows are matched to slots on the raw indices (0: no caisse, -1: a
        code that fails the schema's pattern, which gets no slot); new caisses get new
        slots."""
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if not pa.types.is_dictionary(column.type):
            column = column.dictionary_encode()
        codes = column.dictionary.to_pylist()
        indices = column.indices
        narrow = indices.type in _NARROW_INDICES  # every bit pattern gets a slot: no bounds
        slot_of = np.zeros(1 << (8 * indices.type.byte_width) if narrow else len(codes) + 1,
                           np.int64)  # beyond the dictionary (and the null entry): slot 0
        pattern = dict(self.plan.caisse_patterns).get(name) if name else None
        used = used_entries(indices, codes, self.slots)
        for j, code in enumerate(codes):
            if code is None or (used is not None and not used[j]):
                continue
            if pattern is not None and code not in self.slots and not is_caisse(pattern, code):
                slot_of[j] = -1
                continue
            slot = self.slots.get(code)
            if slot is None:
                with self.lock:  # threads share the mapping: assign under the lock
                    slot = self.slots.setdefault(code, len(self.slots) + 1)
            slot_of[j] = slot
        if narrow:
            return unsigned_codes(indices), validity_bytes(column), column.offset, slot_of
        if column.null_count:  # nulls to the extra entry, whose slot is 0
            indices = indices.fill_null(len(codes))
        if indices.type not in (pa.int32(), pa.int64()):
            indices = indices.cast(pa.int64())
        return buffer_values(indices), np.empty(0, np.uint8), 0, slot_of

    def update(self, batch: pa.RecordBatch, keep: np.ndarray | None = None) -> None:
        """Update every state from one batch: the window, then each group's rows, then the
        kernels (every state sharing a scope reads the same group of each row). ``keep``:
        the rows that are not duplicates (the others are counted as ``doublon``)."""
        before = self.rows_read
        self.rows_read += batch.num_rows
        self._grids.clear()
        if keep is not None:
            self._count_duplicates(batch.filter(pa.array(~keep)))
            batch = batch.filter(pa.array(keep))
        if self.plan.as_of is not None:
            batch = self._known_by(batch, *self.plan.as_of)
        if batch.num_rows == 0:
            return
        if self.fused is not None and before >= self.fused.after_rows:
            self.fused.update(self, batch)
            return
        groups = self.plan.groups
        cache: dict = {}  # conversions of this batch, shared by periods and kernel inputs
        days = {c: period_days(batch.column(c), c, cache)
                for c in dict.fromkeys(g.period for g in groups)}
        caisses = {c: self.slot_lookup(batch.column(c), c)
                   for c in dict.fromkeys(g.caisse for g in groups)}
        self.fit([d[3] for d in days.values()])
        assigned = {g: self._groups(batch, g, days[g.period], caisses[g.caisse]) for g in groups}
        for i, sp in enumerate(self.plan.states):
            group, engine_counts, undated = assigned[sp.group]
            st = self.states[i]
            flat = st.reshape(-1, st.shape[2])
            arrays = [column_to_int64(batch.column(inp.column), inp, cache,
                                      self.plan.bound(inp.column) if inp.kind == "cents"
                                      else None) for inp in sp.kernel.inputs]
            group = within_bounds(group, arrays, sp.kernel, flat)
            try:
                sp.kernel.update(flat[:, :sp.kernel.width], group, *arrays)
            except NumbaError as exc:  # a plugin's update that does not compile on its inputs
                raise PluginError(f"table '{self.plan.table}': kernel '{sp.kernel.name}' does "
                                  f"not compile on its inputs: {compile_reason(exc)}") from None
            flat[:, sp.kernel.width:] += engine_counts
            self._add_undated(i, undated)
            if self.sides[i] is not None:
                self.sides[i].update(batch, group, self.month0, self.n_months,
                                    flat[:, :sp.kernel.width])

    def fit(self, spans: list[tuple[int, int] | None]) -> None:
        """Grow the states to the caisses seen so far and to the batch's (first, last) period
        days (None: a period column with no date in the batch)."""
        spans = [s for s in spans if s is not None]
        if spans:
            self._ensure(len(self.slots) + 1, int(month_of_day(min(a for a, _ in spans))),
                         int(month_of_day(max(b for _, b in spans))))
        elif len(self.slots) + 1 > self.n_slots and self.n_months:
            self._ensure(len(self.slots) + 1, self.month0, self.month0 + self.n_months - 1)

    def _count_duplicates(self, dropped: pa.RecordBatch) -> None:
        """Duplicate rows left out, counted as ``doublon`` in the cell where each state's
        scope would have counted them (rows out of scope, undated or without caisse: not)."""
        cache: dict = {}
        groups = self.plan.groups
        days = {c: period_days(dropped.column(c), c, cache)
                for c in dict.fromkeys(g.period for g in groups)}
        caisses = {c: self.slot_lookup(dropped.column(c), c)
                   for c in dict.fromkeys(g.caisse for g in groups)}
        self.fit([d[3] for d in days.values()])
        for g in groups:
            group = self._groups(dropped, g, days[g.period], caisses[g.caisse])[0]
            counts = np.bincount(group[group >= 0], minlength=self.n_slots * self.n_months)
            for i, sp in enumerate(self.plan.states):
                if sp.group == g:
                    st = self.states[i]
                    st.reshape(-1, st.shape[2])[:, sp.kernel.width + DOUBLON] += counts

    def _known_by(self, batch: pa.RecordBatch, column: str, last_day: int) -> pa.RecordBatch:
        """Rows available on ``last_day`` (a row with no availability date is not)."""
        days = column_to_int64(batch.column(column), Input(column, "days"))
        keep = (days != NULL) & (days <= last_day)
        self.rows_not_yet_available += int(len(keep) - np.count_nonzero(keep))
        return batch if keep.all() else batch.filter(pa.array(keep))

    def _verdict(self, batch: pa.RecordBatch, conditions: tuple[Condition, ...]) -> np.ndarray:
        """Each row's scope verdict (bits of kernels.scope); empty when there is no condition."""
        if not conditions:
            return np.empty(0, np.uint8)
        verdict = np.zeros(batch.num_rows, np.uint8)
        for c in conditions:
            column = batch.column(c.column)
            rule = condition_rule(column, c)
            if rule is None:
                rule_masks(*condition_masks(column, c), verdict)
            elif rule[0] == "narrow":
                rule_condition(*rule[1:], verdict)
            else:
                rule_wide_condition(*rule[1:], verdict)
        return verdict

    def _groups(self, batch: pa.RecordBatch, g: GroupKey, days, caisse):
        """(group of each row, engine counts per cell, rows without a period date per slot)."""
        group = np.empty(batch.num_rows, np.int64)
        engine_counts = np.zeros((self.n_slots * self.n_months, len(ENGINE_REASONS)), np.int64)
        undated = np.zeros(max(self.n_slots, len(self.slots) + 1), np.int64)  # undated: any slot
        assign_groups(self._verdict(batch, g.where), *caisse, *days[:3], MONTH_TABLE,
                      self.month0, self.n_months, g.national_without_caisse, group,
                      engine_counts, undated)
        return group, engine_counts, undated

    def grid(self, i: int) -> MonthGrid:
        """State ``i`` as a :class:`MonthGrid`, built once (indicators may share a state)."""
        cache = self._grids
        if i not in cache:
            kernel = self.plan.states[i].kernel
            cache[i] = MonthGrid(self.states[i], self.month0, kernel.width, kernel.merge)
            cache[i].side = self.sides[i]
        return cache[i]

    def _aligned(self, other: Accumulator) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """``other``'s states with its caisse slots renumbered as this accumulator's."""
        if other.slots is self.slots:
            return other.states, other.undated
        used = len(other.slots) + 1
        where = np.zeros(used, np.int64)
        for code, j in other.slots.items():
            if code not in self.slots:
                self.slots[code] = len(self.slots) + 1
            where[j] = self.slots[code]
        n = len(self.slots) + 1

        def move(a: np.ndarray) -> np.ndarray:
            out = np.zeros((n,) + a.shape[1:], a.dtype)
            out[where] = a[:used]
            return out

        return [move(st) for st in other.states], [move(u) for u in other.undated]

    def _add_undated(self, i: int, counts: np.ndarray) -> None:
        if len(self.undated[i]) < len(counts):
            grown = np.zeros(len(counts), np.int64)
            grown[:len(self.undated[i])] = self.undated[i]
            self.undated[i] = grown
        self.undated[i][:len(counts)] += counts

    # ------------------------------------------------------------------ merge
    def merge(self, other: Accumulator) -> Accumulator:
        """Merge ``other``'s states into this one (same plan; caisse slots matched by code)."""
        self._grids.clear()
        states, undated = self._aligned(other)
        if other.n_months:
            n_slots = max(self.n_slots, len(self.slots) + 1)
            self._ensure(n_slots, other.month0, other.month0 + other.n_months - 1)
            off = other.month0 - self.month0
            for i, st in enumerate(states):
                w = self.plan.states[i].kernel.width
                mine = self.states[i][:st.shape[0], off:off + st.shape[1]]
                mine[..., :w] = self.plan.states[i].kernel.merged(mine[..., :w], st[..., :w])
                mine[..., w:] += st[..., w:]
        if self.n_months and self.n_slots < len(self.slots) + 1:  # a caisse seen only undated
            self._ensure(len(self.slots) + 1, self.month0, self.month0 + self.n_months - 1)
        for i, und in enumerate(undated):
            self._add_undated(i, und)
        for mine, theirs in zip(self.sides, other.sides):
            if mine is not None:
                mine.merge(theirs)
        self.rows_read += other.rows_read
        self.rows_not_yet_available += other.rows_not_yet_available
        return self


@dataclass
class GridContext:
    """What a family may need beyond the states: who each slot is, and auxiliary tables.

    ``codes``: slot → code of the unit (caisse, region, group); ``members``: unit code → the
    caisse codes it groups; ``aux``: auxiliary input tables a measure declared (e.g. the
    population of each caisse by age band and sex for standardised rates).
    """

    codes: dict = field(default_factory=dict)
    members: dict = field(default_factory=dict)
    aux: dict = field(default_factory=dict)


class MonthGrid:
    """One state's monthly grid, combined on demand over months; national appended last.

    States combine by addition (through cumulative sums), or with the kernel's own ``merge``
    when it declares one: the same merge then combines months, caisses and threads.
    """

    def __init__(self, states: np.ndarray, month0: int, width: int, merge=None) -> None:
        self.states = states
        self.month0 = month0
        self.width = width
        self.merge = merge
        self.side = None  # the kernel's side state (distinct beneficiaries), all slots
        self.context = GridContext()
        self._sums: dict[tuple[int, int], np.ndarray] = {}  # (first, last) → slots + national

    def _span(self, first: int, last: int) -> tuple[int, int]:
        n = self.states.shape[1]
        return min(max(first - self.month0, 0), n), min(max(last - self.month0 + 1, 0), n)

    def _summed(self, first: int, last: int) -> np.ndarray:
        """Whole states (kernel and engine slots) over the months, per slot + national."""
        key = self._span(first, last)
        if key not in self._sums:
            a, b = key
            per_slot = self.states[:, a:b].sum(axis=1)  # a slice: periods are a few months
            national = per_slot.sum(axis=0, keepdims=True)
            if self.merge is not None:  # the kernel's own merge, once for slots and national
                merged = self._merged(a, b)
                per_slot[:, :self.width] = merged[:-1]
                national[:, :self.width] = merged[-1:]
            summed = np.concatenate([per_slot, national])
            summed.setflags(write=False)  # shared by every caller: never modified in place
            self._sums[key] = summed
        return self._sums[key]

    def stacked(self, periods) -> np.ndarray:
        """Whole states of every period, stacked: row ``p * (slots + 1) + s`` is slot ``s`` of
        ``periods[p]`` (the national level last), as :meth:`rows` and :meth:`extra` give them
        one period at a time. Calendar months are read in place, other periods summed over their
        months (slices), or, when they overlap much (rolling), as differences of cumulative
        sums. Integer sums: the same states whichever way."""
        n_slots, n_months, width = self.states.shape
        if self.merge is not None or not periods or not n_months:
            parts = [self._summed(p.first_month, p.last_month) for p in periods]
            return np.concatenate(parts) if parts else np.zeros((0, width), np.int64)
        spans = np.array([self._span(p.first_month, p.last_month) for p in periods], np.int64)
        a, b = spans[:, 0], spans[:, 1]
        out = np.zeros((len(periods), n_slots + 1, width), np.int64)
        if np.all(b - a <= 1):  # calendar months: the states themselves, read once
            month_rows(self.states, np.where(b > a, a, -1), out)
            return out.reshape(-1, width)
        if (b - a).sum() <= 4 * n_months:  # each month read a few times at most: slices
            for p, (lo, hi) in enumerate(spans):  # (a cumulative sum over the months is
                self.states[:, lo:hi].sum(axis=1, out=out[p, :n_slots])  # ~20× slower)
        else:
            cum = np.zeros((n_slots, n_months + 1, width), np.int64)
            np.cumsum(self.states, axis=1, out=cum[:, 1:])
            out[:, :n_slots] = (cum[:, b] - cum[:, a]).transpose(1, 0, 2)
        out[:, n_slots] = out[:, :n_slots].sum(axis=1)
        return out.reshape(-1, width)

    def rows(self, first: int, last: int) -> np.ndarray:
        """Kernel state over months ``first``..``last`` (clipped), per slot + national."""
        return self._summed(first, last)[:, :self.width]

    def _merged(self, a: int, b: int) -> np.ndarray:
        per_slot = np.zeros((self.states.shape[0], self.width), np.int64)
        for m in range(a, b):
            per_slot = np.asarray(self.merge(per_slot, self.states[:, m, :self.width]))
        national = np.zeros((1, self.width), np.int64)
        for slot in range(per_slot.shape[0]):
            national = np.asarray(self.merge(national, per_slot[slot:slot + 1]))
        return np.vstack([per_slot, national])

    def regrouped(self, mapping) -> MonthGrid:
        """The grid of groups of slots (regions…): slot ``s`` goes to group ``mapping[s]``.

        Group states are the merged states of their caisses, never averages of their values.
        """
        mapping = np.asarray(mapping, np.int64)
        n_groups = int(mapping.max()) + 1 if len(mapping) else 1
        states = self.states[:len(mapping)]
        grouped = np.zeros((n_groups,) + states.shape[1:], np.int64)
        if self.merge is None:
            np.add.at(grouped, mapping, states)
        else:
            np.add.at(grouped[..., self.width:], mapping, states[..., self.width:])
            for slot, g in enumerate(mapping):
                grouped[g, :, :self.width] = self.merge(grouped[g, :, :self.width],
                                                        states[slot, :, :self.width])
        out = MonthGrid(grouped, self.month0, self.width, self.merge)
        out.side = self.side
        out.context = GridContext(aux=self.context.aux)
        return out

    def extra(self, first: int, last: int) -> np.ndarray:
        """Engine exclusion counts over the months (always additive), per slot + national."""
        return self._summed(first, last)[:, self.width:]


def accumulate(table: TableInput, tplan: TablePlan, batch_size: int = DEFAULT_BATCH,
               threads: int = 1, on_batch=None, keys: KeyHashes | None = None) -> Accumulator:
    """One fused pass over ``table``: every state of the plan updated from each batch.

    With several threads, batches are shared out to one accumulator per thread (numba
    releases the GIL), merged at the end. Parquet is decoded by pyarrow's own threads
    (columns and row groups in parallel, bounded read-ahead) while the kernels reduce the
    batches already decoded: measured faster than decoding whole row groups in the reducing
    threads (4.5 s against 4.9 s for the 153 M rows of the 100 M suite, 2 cores), and memory
    stays flat (benchmarks/README.md). ``on_batch``: progress, told of each batch as read.
    ``keys``: the duplicate check of ``compter`` (:class:`~cogind.io.duplicates.KeyHashes`),
    given every batch with its key columns, read along with the plan's (one read, not two).
    """
    months = month_span(table, tplan)
    fused = FusedPlan.of(tplan, table)
    skipped = 0
    if tplan.as_of is not None and tplan.duplicates is None and keys is None:  # every row read
        table, skipped = available_part(table, *tplan.as_of)
    columns = tplan.columns + [c for c in (keys.key if keys else ()) if c not in tplan.columns]
    batches = _with_keep(table.batches(columns, batch_size), tplan.duplicates)
    if threads > 1 and not _small(table, min(SMALL_ROWS, batch_size)):
        acc = _accumulate_parallel(batches, tplan, threads, on_batch, months, fused, keys)
    else:
        acc = Accumulator(tplan, months=months, fused=fused)
        for b, keep in batches:
            b = on_batch(b) or b if on_batch is not None else b
            if keys is not None:
                keys.add(b)
            acc.update(b, keep)
    acc.rows_read += skipped  # row groups left unread: none of their rows is available yet
    acc.rows_not_yet_available += skipped
    return acc


SMALL_ROWS = 1 << 18  # a pool of threads costs more than reducing this many rows in one


def _small(table: TableInput, most: int) -> bool:
    """Whether ``table`` is known, without reading it, to hold at most ``most`` rows (in
    memory, Parquet or Arrow IPC by their footers): reduced by the calling thread, no pool."""
    rows = _known_rows(table)
    return rows is not None and rows <= most


def _with_keep(batches, dups: Duplicates | None):
    """(batch, rows to keep or None) in file order: ordinals count from the first batch."""
    start = 0
    for b in batches:
        yield b, (dups.keep(start, b.num_rows) if dups is not None else None)
        start += b.num_rows


def month_span(table: TableInput, tplan: TablePlan) -> tuple[int, int] | None:
    """(first, last) month of the plan's period columns over the whole table when the input
    tells it without a pass (:func:`cogind.engine.spans.day_span`), so that states are sized once;
    None otherwise, or under ``as_of`` (rows not yet available do not widen the grid)."""
    if tplan.as_of is not None:
        return None
    spans = [day_span(table, c) for c in dict.fromkeys(g.period for g in tplan.groups)]
    if not spans or any(s is None for s in spans):
        return None
    return (int(month_of_day(min(a for a, _ in spans))),
            int(month_of_day(max(b for _, b in spans))))


def _accumulate_parallel(batches, tplan: TablePlan, threads: int, on_batch=None,
                         months: tuple[int, int] | None = None,
                         fused: FusedPlan | None = None, keys: KeyHashes | None = None
                         ) -> Accumulator:
    """``batches`` shared out to ``threads`` accumulators, then merged; ``keys`` hashed by
    the thread that took the batch, outside the reader's lock."""
    queue = iter(batches)
    slots: dict[str, int] = {}
    lock = threading.Lock()
    accs = [Accumulator(tplan, slots, lock, months, fused) for _ in range(threads)]

    def work(acc: Accumulator) -> None:
        while True:
            with lock:  # the reader is not thread-safe: one thread takes the next batch
                b, keep = next(queue, (None, None))
                if b is not None and on_batch is not None:
                    b = on_batch(b) or b
            if b is None:
                return
            if keys is not None:
                keys.add(b)
            acc.update(b, keep)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, accs))
    used = [a for a in accs if a.rows_read] or accs[:1]  # a thread that got no batch: nothing
    total = used[0]                                    # to merge (states can be 50 MB each)
    for other in used[1:]:
        total.merge(other)
    return total


def check_strict(acc: Accumulator, table: str) -> None:
    """Under ``strict``, any excluded row is an error naming the table and the reasons."""
    for i, sp in enumerate(acc.plan.states):
        st = acc.states[i]
        reasons = list(sp.kernel.reasons) + list(ENGINE_REASONS)
        k = len(sp.kernel.reasons)
        tail = st[..., sp.kernel.width - k:].sum(axis=(0, 1))  # kernel then engine reasons
        counts = {r: int(c) for r, c in zip(reasons, tail) if c}
        if acc.undated[i].sum():
            counts["date_periode_manquante"] = int(acc.undated[i].sum())
        if counts:
            codes = ", ".join(ind.code for ind in sp.indicators)
            detail = ", ".join(f"{r}: {c}" for r, c in sorted(counts.items()))
            raise DataError(f"table '{table}': rows excluded from {codes} ({detail}) "
                            "under --strict")
