"""Measure family « bénéficiaires distincts »: an exact, mergeable count of distinct
pseudonymised beneficiaries (``BEN_NIR_PSA``) per caisse × period (issue 21 § 1).

A beneficiary is counted once per period however many months and caisses see them, in the
caisse of their **last claim of the period** (latest care day ``EXE_SOI_DTD``; on the same day,
the smallest caisse code), as analysts attribute a beneficiary who moved. Each beneficiary
thus belongs to exactly one caisse per period: the caisses' counts add up to the national
distinct count, and a region's to its own distinct count.

The state (:class:`DistinctState`) is a list of sorted runs of (month, id) → (last day, caisse)
(:mod:`cogind.kernels.distinct`, ids encoded losslessly: exact, no hash). Runs merge like a
binary counter (a new run merges with the last one while it is at least half its size), so
N rows cost O(N log N) and the state stays within 2 × 32 bytes per distinct (beneficiary,
month) pair, plus one batch: the memory bound (``benchmarks/bench_beneficiaires.py``).
Merge is associative and commutative with the empty state as identity: batches, threads,
caisses, Dask partitions and months combine in any order to the same counts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cogind.kernels import counts, distinct
from cogind.measures.families import Finalised, Measure
from cogind.model import Kernel

REASONS = ("identifiant_manquant", "identifiant_hors_format", "date_manquante",
           "caisse_manquante")
_EMPTY = (np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int64),
          np.empty(0, np.int32), np.empty(0, np.int64))


def caisse_key(code: str) -> int:
    """Order-preserving int64 of a caisse code of at most 8 ASCII characters (-1: none)."""
    raw = code.encode("ascii", "replace") if code else b""
    if not raw or len(raw) > 8:
        return -1
    return int.from_bytes(raw.ljust(8, b"\0"), "big")


def caisse_code(key: int) -> str:
    return int(key).to_bytes(8, "big").rstrip(b"\0").decode("ascii")


def _plain(arr) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.dictionary_decode() if pa.types.is_dictionary(arr.type) else arr


def _encoded(ids) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    arr = _plain(ids)
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    n = len(arr)
    hi, lo, status = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.uint8)
    if n:
        bufs = arr.buffers()
        offsets = np.frombuffer(bufs[1], np.int32, n + 1, arr.offset * 4)
        data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else np.zeros(1, np.uint8)
        bitmap = (np.frombuffer(bufs[0], np.uint8) if arr.null_count
                  else np.empty(0, np.uint8))
        distinct.encode_ids(offsets, data, bitmap, arr.offset, hi, lo, status)
    return hi, lo, status


def _days(column) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970 as int32, validity) of a date or timestamp column."""
    arr = _plain(column)
    if not pa.types.is_date32(arr.type):
        arr = pc.cast(arr, pa.date32())
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    return arr.fill_null(0).view(pa.int32()).to_numpy(zero_copy_only=False), valid


def _caisses(column) -> np.ndarray:
    """Caisse key of each row (-1: none), each dictionary entry converted once."""
    arr = _plain(column).dictionary_encode()
    keys = np.array([caisse_key(c) for c in arr.dictionary.to_pylist()] + [-1], np.int64)
    idx = arr.indices.fill_null(len(arr.dictionary)).to_numpy(zero_copy_only=False)
    return keys[idx.astype(np.int64)]


class DistinctState:
    """Distinct beneficiaries by (month, id): ``update`` per batch, ``merge``, ``counts``."""

    def __init__(self) -> None:
        self.runs: list[tuple] = []
        self.excluded = dict.fromkeys(REASONS, 0)
        self.peak_entries = 0

    @property
    def entries(self) -> int:
        return sum(len(r[0]) for r in self.runs)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for r in self.runs for a in r)

    def update(self, ids, days, caisses, keep: np.ndarray | None = None,
               months: np.ndarray | None = None) -> np.ndarray:
        """One batch of claims in scope (``keep``: the rows in scope, default all;
        ``months``: each row's month since 1970-01 as the engine dated it, default from
        ``days``). Returns each row's id status (:mod:`cogind.kernels.distinct`)."""
        hi, lo, status = _encoded(ids)
        day, dated = _days(days)
        caisse = _caisses(caisses)
        keep = np.ones(len(hi), bool) if keep is None else np.asarray(keep, bool)
        bad = {"identifiant_manquant": keep & (status == distinct.ID_NULL),
               "identifiant_hors_format": keep & (status == distinct.ID_BAD)}
        keep = keep & (status == distinct.OK)
        bad["date_manquante"] = keep & ~dated
        keep &= dated
        bad["caisse_manquante"] = keep & (caisse < 0)
        keep &= caisse >= 0
        for reason, rows in bad.items():
            self.excluded[reason] += int(np.count_nonzero(rows))
        self._add(hi, lo, day, caisse, keep, months)
        return status

    def _add(self, hi, lo, day, caisse, keep, months) -> None:
        rows = np.flatnonzero(keep)
        month = (day[rows].astype("datetime64[D]").astype("datetime64[M]").astype(np.int32)
                 if months is None else np.asarray(months, np.int32)[rows])
        hi, lo, day, caisse = hi[rows], lo[rows], day[rows], caisse[rows]
        order = np.lexsort((lo, hi, month))
        self._push(distinct.reduce_sorted(month, hi, lo, day, caisse, order))

    def _push(self, run: tuple) -> None:
        self.runs.append(run)
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            b, a = self.runs.pop(), self.runs.pop()
            self.runs.append(distinct.merge_runs(*a, *b))
        self.peak_entries = max(self.peak_entries, self.entries)

    def merge(self, other: DistinctState) -> DistinctState:
        """This state with ``other``'s claims added (``other`` is left unchanged)."""
        for run in other.runs:
            self._push(run)
        for reason, n in other.excluded.items():
            self.excluded[reason] += n
        return self

    def merged(self) -> tuple:
        """The single run of every claim seen."""
        while len(self.runs) > 1:
            b, a = self.runs.pop(), self.runs.pop()
            self.runs.append(distinct.merge_runs(*a, *b))
        return self.runs[0] if self.runs else _EMPTY

    def arrays(self) -> list[np.ndarray]:
        """The state as exact arrays (its single run, the exclusion counts): what
        ``--states`` stores; :meth:`load` reads them back."""
        return [*self.merged(), np.array([self.excluded[r] for r in REASONS], np.int64)]

    def load(self, arrays: list[np.ndarray]) -> DistinctState:
        """This (empty) state filled from :meth:`arrays` (ValueError if they are not one)."""
        *run, excluded = arrays
        if ([a.dtype for a in run] != [e.dtype for e in _EMPTY] or excluded.shape != (
                len(REASONS),) or len({len(a) for a in run}) != 1):
            raise ValueError("not a distinct-beneficiary state")
        self.runs = [tuple(run)] if len(run[0]) else []
        self.excluded = dict(zip(REASONS, (int(n) for n in excluded)))
        return self

    def counts(self, first_month: int, last_month: int) -> tuple[dict[str, int], int]:
        """({caisse code: beneficiaries attributed to it}, national distinct count) over
        months ``first_month``..``last_month`` (months since 1970-01)."""
        month, hi, lo, day, caisse = self.merged()
        a, b = np.searchsorted(month, [first_month, last_month + 1])
        hi, lo, day, caisse = hi[a:b], lo[a:b], day[a:b], caisse[a:b]
        order = np.lexsort((lo, hi))
        winner = np.empty(len(order), np.int64)
        n = distinct.attribute(hi, lo, day, caisse, order, winner)
        keys, per = np.unique(winner[:n], return_counts=True)
        return {caisse_code(k): int(c) for k, c in zip(keys, per)}, int(n)


def unit_totals(context, size: int, per: dict, national, width: int | None = None
                ) -> np.ndarray:
    """``per`` (caisse code → a count, or ``width`` counts) summed over the caisses of each
    slot's unit (``context.members`` of its code; a caisse: itself), the national figure
    last: a side state's counts by caisse on a grid's slots, at any level."""
    out = np.zeros(size if width is None else (size, width), np.int64)
    for slot, code in context.codes.items():
        for c in context.members.get(code, [code]):
            if c in per:
                out[slot] += per[c]
    out[-1] = national
    return out


def unit_members(context, n_slots: int) -> list:
    """The caisse codes of each slot's unit (``()``: a slot with no unit), then ``None``: the
    national level, every caisse."""
    return [tuple(context.members.get(context.codes[s], [context.codes[s]]))
            if s in context.codes else () for s in range(n_slots)] + [None]


# --------------------------------------------------------------------------- the engine's side


@dataclass(frozen=True)
class SideFactory:
    """Makes the engine's side state of one kernel (picklable, compared by its columns)."""

    id_column: str
    day_column: str
    caisse_column: str

    def __call__(self) -> EngineDistinct:
        return EngineDistinct(self)


def in_scope(batch, group, columns) -> tuple[list, np.ndarray]:
    """The ``columns`` of ``batch`` and the groups of its rows in scope (group ≥ 0) only: a
    side state converts no row it would leave out (most rows, under a narrow scope)."""
    group = np.asarray(group)
    keep = group >= 0
    if keep.all():
        return [batch.column(c) for c in columns], group
    rows = pa.array(np.flatnonzero(keep))
    return [batch.column(c).take(rows) for c in columns], group[keep]


class EngineDistinct(DistinctState):
    """:class:`DistinctState` fed by the engine: the rows its scope kept (group ≥ 0), each in
    the month the engine dated it; returns the id status of those rows."""

    def __init__(self, columns: SideFactory) -> None:
        super().__init__()
        self.columns = columns

    def update(self, batch, group=None, month0: int = 0, n_months: int = 1, state=None):
        if group is None:
            raise TypeError("the engine's side state takes a batch and its groups")
        c = self.columns
        cols, group = in_scope(batch, group, (c.id_column, c.day_column, c.caisse_column))
        status = super().update(*cols, None, month0 + group % max(n_months, 1))
        if state is not None:  # ids left out, counted in their row's cell
            for col, code in ((1, distinct.ID_NULL), (2, distinct.ID_BAD)):
                np.add.at(state[:, col], group[status == code], 1)
        return status


@dataclass(frozen=True)
class DistinctBeneficiaries(Measure):
    """Number of distinct beneficiaries with a claim in scope in the period (issue 21 § 1):
    each in the caisse of their last claim of the period; national = distinct count."""

    id_column: str = "BEN_NIR_PSA"
    day_column: str = "EXE_SOI_DTD"
    caisse_column: str = "ORG_CLE_NUM"
    statistic: str = "nombre"
    reported: str = ""
    """Code of the reported indicator this computed form stands for: asked for, it takes this
    form per caisse where the claims have the caisse (:mod:`cogind.analyses.forms`)."""
    multi_period = True  # a period's count is no sum of its months'

    @property
    def side_columns(self) -> tuple[str, ...]:
        return (self.id_column,)

    def kernel(self) -> Kernel:
        return Kernel(f"beneficiaires_distincts_{self.id_column}", (), 3, counts.update_count,
                      REASONS[:2], step=counts.step_count,
                      side=SideFactory(self.id_column, self.day_column, self.caisse_column))

    def validate(self, indicator, registry) -> None:
        if (indicator.period_column, indicator.caisse_column) != (self.day_column,
                                                                   self.caisse_column):
            raise ValueError(f"distinct beneficiaries are dated by {self.day_column} and "
                             f"attributed by {self.caisse_column}: the indicator's period and "
                             "caisse columns must be those")
        if self.id_column not in registry.table(indicator.table).fields:
            raise ValueError(f"column '{self.id_column}' is not in table '{indicator.table}'")

    def finalise(self, rows):
        raise NotImplementedError("distinct beneficiaries are finalised from the side state")

    def finalise_grid(self, grid, periods):
        out = []
        for p in periods:
            n = unit_totals(grid.context, grid.states.shape[0] + 1,
                            *grid.side.counts(p.first_month, p.last_month))
            value = np.where(n > 0, n, np.nan).astype(float)  # none: never 0 (issue 9)
            out.append(Finalised.empty_reasons(value, n.astype(float),
                                               np.full(n.shape, np.nan), n,
                                               "aucun bénéficiaire dans le champ"))
        return out

    def describe(self, indicator):
        return [(f"Valeur : nombre de bénéficiaires distincts ({self.id_column}) ayant au moins "
                "une ligne du champ dans la période, chacun compté une fois quel que soit le "
                "nombre de ses mois et de ses caisses."),
                (f"Caisse d'un bénéficiaire : celle de sa dernière ligne de la période "
                f"({self.day_column} le plus tardif ; le même jour, le plus petit code "
                f"{self.caisse_column}) ; la somme des caisses est le nombre national de "
                "bénéficiaires distincts."),
                (f"Exclus du décompte : {self.id_column} manquant ou hors format (au plus "
                f"{distinct.MAX_CHARS} caractères [0-9A-Za-z_]).")]
