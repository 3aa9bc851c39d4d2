"""Measure family « épisodes longs »: Σ of a value over the payments of the episodes (arrêts de
travail, ``ARR_NUM``) that have lasted at least ``min_days`` by the end of the period
(issue 21 § 2, n° 36 « IJ … pour les arrêts supérieurs à 18 mois »).

An episode has lasted ``min_days`` by the end of a period when one of its payments dated up to
that end is at least ``min_days`` after the episode's start (``day − start ≥ min_days``). Every
payment of the period of such an episode counts, its earlier months' included: the episode is
long, not only its payments past the threshold. Whether it is long is judged with what is known
at the end of the period, never with later payments, so a period's figure does not change when
later months arrive and two years compare with the same hindsight.

The side state (:class:`EpisodeState`) keeps, exactly (ids encoded losslessly), Σ value per
(month, episode, caisse) and each episode's first month with a payment past the threshold.
Merge is associative and commutative (concatenation, then sums and minima by key): batches,
threads and Dask partitions combine in any order to the same figures. Memory: two small
records per (episode, month, caisse) and per long episode.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cogind.kernels import distinct, episodes
from cogind.measures.beneficiaries import (
    _caisses,
    _days,
    _encoded,
    _plain,
    caisse_code,
    in_scope,
    unit_totals,
)
from cogind.measures.families import Finalised, Measure
from cogind.model import Input, Kernel

_KEY = np.dtype([("hi", "<i8"), ("lo", "<i8")])
_ENTRY = np.dtype([("month", "<i4"), ("hi", "<i8"), ("lo", "<i8"), ("caisse", "<i8")])
_NO_MONTH = np.iinfo(np.int32).max
ID_SLOTS = {distinct.ID_NULL: 4, distinct.ID_BAD: 5}  # kernel state slots of id exclusions


def _ints(column) -> tuple[np.ndarray, np.ndarray]:
    arr = _plain(column)
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    return pc.cast(arr.fill_null(0), pa.int64()).to_numpy(zero_copy_only=False), valid


def _reduce_entries(head: np.ndarray, head_values: np.ndarray, tail: np.ndarray,
                    tail_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Σ values per distinct entry, entries sorted: a compacted state's (``head``, already
    sorted and distinct) with more entries (``tail``, in any order)."""
    return _reduce(head, head_values, tail, tail_values, np.add)


def _reduce_crossings(head: np.ndarray, head_months: np.ndarray, tail: np.ndarray,
                      tail_months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First month per distinct episode, keys sorted (``head``: a compacted state's)."""
    return _reduce(head, head_months, tail, tail_months, np.minimum)


def _reduce(head, head_values, tail, tail_values, ufunc) -> tuple[np.ndarray, np.ndarray]:
    """``ufunc`` of the values per distinct record of ``head`` (sorted, distinct) and
    ``tail`` (any order). ``tail`` is reduced alone first; when it then comes strictly after
    ``head`` (a new month after a stored total) the two are distinct already: only the new
    records are scanned, never the total's."""
    tail, tail_values = _distinct(*_sorted(tail, tail_values), ufunc)
    records, values, distinct_ = _in_order_with(head, head_values, tail, tail_values)
    return (records, values) if distinct_ else _distinct(records, values, ufunc)


def _sorted(records: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if _in_order(records):
        return records, values
    fields = [np.ascontiguousarray(records[f]) for f in reversed(records.dtype.names)]
    order = np.lexsort(fields)
    return records[order], values[order]


def _distinct(records: np.ndarray, values: np.ndarray, ufunc) -> tuple[np.ndarray, np.ndarray]:
    """Sorted records made distinct, the values of equal ones reduced by ``ufunc``."""
    first = _firsts(records)
    if len(first) == len(records):
        return records, values
    return records[first], ufunc.reduceat(values, first)


def _in_order_with(head: np.ndarray, head_values: np.ndarray, tail: np.ndarray,
                   tail_values: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """The records of ``head`` and ``tail`` (both sorted and distinct) in the order of their
    fields, with their values, and whether they are still distinct: ``tail`` is appended
    when it comes after ``head`` (a new month after a stored total), else inserted among it
    (a record of both then appears twice): a month added costs one copy of the total, not a
    sort."""
    if not len(head) or not len(tail):
        return ((tail, tail_values) if len(tail) else (head, head_values)) + (True,)
    edge = np.concatenate([head[-1:], tail[:1]])
    if _in_order(edge):
        return (np.concatenate([head, tail]), np.concatenate([head_values, tail_values]),
                _in_order(edge, strictly=True))
    at = np.searchsorted(head, tail)  # records compare field by field, as lexsort orders
    return np.insert(head, at, tail), np.insert(head_values, at, tail_values), False


def _in_order(records: np.ndarray, strictly: bool = False) -> bool:
    """Whether ``records`` are sorted by their fields (the first field first); ``strictly``:
    with no two equal records."""
    if len(records) < 2:
        return True
    smaller = np.zeros(len(records) - 1, bool)
    equal = np.ones(len(records) - 1, bool)
    for f in records.dtype.names:
        later, earlier = records[f][1:], records[f][:-1]
        smaller |= equal & (later < earlier)
        equal &= later == earlier
    return not smaller.any() and not (strictly and equal.any())


def _firsts(records: np.ndarray) -> np.ndarray:
    """Index of the first of each run of equal records (sorted)."""
    if not len(records):
        return np.empty(0, np.intp)
    differs = np.zeros(len(records) - 1, bool)
    for f in records.dtype.names:
        differs |= records[f][1:] != records[f][:-1]
    return np.flatnonzero(np.r_[True, differs])


@dataclass(frozen=True)
class EpisodeColumns:
    """Makes the engine's side state of one kernel (picklable, compared by its fields)."""

    id_column: str
    start_column: str
    day_column: str
    value_column: str
    caisse_column: str
    min_days: int

    def __call__(self) -> EpisodeState:
        return EpisodeState(self)


class EpisodeState:
    """Σ value per (month, episode, caisse) and each episode's first month past the threshold."""

    def __init__(self, columns: EpisodeColumns) -> None:
        self.columns = columns
        self.entries = np.empty(0, _ENTRY)
        self.values = np.empty(0, np.int64)
        self.keys = np.empty(0, _KEY)
        self.crossed = np.empty(0, np.int32)
        self._pending: list[tuple] = []
        self._pending_rows = 0
        self._cache: tuple | None = None  # (entries, keys, _long_entries() of them)

    def update(self, batch, group=None, month0: int = 0, n_months: int = 1, state=None):
        if group is None:
            raise TypeError("the engine's side state takes a batch and its groups")
        c = self.columns
        (starts, days, values, ids, caisses), group = in_scope(batch, group, (
            c.start_column, c.day_column, c.value_column, c.id_column, c.caisse_column))
        start, has_start = _days(starts)
        day, has_day = _days(days)
        value, has_value = _ints(values)
        keep = has_start & has_day & has_value & (value >= 0)
        hi, lo, status = _encoded(ids)
        if state is not None:  # kept by the kernel, left out here for their id
            for code, slot in ID_SLOTS.items():
                bad = group[keep & (status == code)]
                np.add.at(state[:, 0], bad, -1)
                np.add.at(state[:, slot], bad, 1)
        keep &= status == distinct.OK
        rows = np.flatnonzero(keep)
        month = (month0 + group[rows] % max(n_months, 1)).astype(np.int32)
        entries = np.empty(len(rows), _ENTRY)
        entries["month"], entries["hi"], entries["lo"] = month, hi[rows], lo[rows]
        entries["caisse"] = _caisses(caisses)[rows]
        past = (day[rows].astype(np.int64) - start[rows]) >= c.min_days
        keys = np.empty(int(past.sum()), _KEY)
        keys["hi"], keys["lo"] = hi[rows][past], lo[rows][past]
        self._push(entries, value[rows], keys, month[past])

    def _push(self, entries, values, keys, crossed) -> None:
        self._pending.append((entries, values, keys, crossed))
        self._pending_rows += len(entries)
        if self._pending_rows > max(2 * len(self.entries), 1 << 20):
            self._compact()

    def _compact(self) -> None:
        if not self._pending:
            return
        parts = self._pending
        tail = [parts[0][i] if len(parts) == 1 else np.concatenate([x[i] for x in parts])
                for i in range(4)]  # (entries, values, keys, crossed) pushed since
        self.entries, self.values = _reduce_entries(self.entries, self.values, tail[0], tail[1])
        self.keys, self.crossed = _reduce_crossings(self.keys, self.crossed, tail[2], tail[3])
        self._pending, self._pending_rows = [], 0

    def merge(self, other: EpisodeState) -> EpisodeState:
        """This state with ``other``'s payments added (``other`` is left unchanged)."""
        other._compact()
        if not len(self.entries) and not self._pending:  # empty: take other's (never mutated)
            self.entries, self.values = other.entries, other.values
            self.keys, self.crossed = other.keys, other.crossed
            return self
        self._push(other.entries, other.values, other.keys, other.crossed)
        return self

    def arrays(self) -> list[np.ndarray]:
        """The state as exact arrays (what ``--states`` stores; :meth:`load` reads them): the
        entries' and keys' records as their raw bytes (packed little-endian fields, no copy
        to write them, none to read them back), the values, the first months."""
        self._compact()
        return [_raw(self.entries), self.values, _raw(self.keys), self.crossed]

    def load(self, arrays: list[np.ndarray]) -> EpisodeState:
        """This (empty) state filled from :meth:`arrays` (ValueError if they are not one)."""
        entries, values, keys, crossed = arrays
        if ([a.dtype for a in arrays] != [np.uint8, np.int64, np.uint8, np.int32]
                or any(a.ndim != 1 for a in arrays)
                or len(entries) != _ENTRY.itemsize * len(values)
                or len(keys) != _KEY.itemsize * len(crossed)):
            raise ValueError("not an episode state")
        self.entries = np.ascontiguousarray(entries).view(_ENTRY)
        self.keys = np.ascontiguousarray(keys).view(_KEY)
        if not (_in_order(self.entries, strictly=True) and _in_order(self.keys, strictly=True)):
            raise ValueError("not a compacted episode state")  # a stored one always is
        self.values, self.crossed = values, crossed
        return self

    def sums(self, first_month: int, last_month: int) -> tuple[dict[str, int], int]:
        """({caisse code: Σ value}, national Σ) over the payments of months
        ``first_month``..``last_month`` of the episodes long by the end of ``last_month``."""
        months, crossed, caisses, values = self._long_entries()
        window = slice(*np.searchsorted(months, [first_month, last_month + 1]))
        long_ = crossed[window] <= last_month
        caisses, values = caisses[window][long_], values[window][long_]
        codes, where = np.unique(caisses, return_inverse=True)
        per = np.zeros(len(codes), np.int64)
        np.add.at(per, where, values)
        return ({caisse_code(k): int(v) for k, v in zip(codes, per) if k >= 0},
                int(values.sum()))

    def _long_entries(self) -> tuple[np.ndarray, ...]:
        """(month, episode's first month past the threshold, caisse, value) of the entries of
        the episodes that become long at all, sorted by month: looked up once per compacted
        state and shared by every period (the others never count)."""
        self._compact()
        cached = self._cache
        if cached is not None and cached[0] is self.entries and cached[1] is self.keys:
            return cached[2]
        entries = self.entries
        at = _find(self.keys, entries)
        long_ = at >= 0
        found = (entries["month"][long_], self.crossed[at[long_]], entries["caisse"][long_],
                 self.values[long_])
        self._cache = (self.entries, self.keys, found)
        return found


def _raw(records: np.ndarray) -> np.ndarray:
    """The bytes of contiguous records (their dtype is packed: no padding)."""
    return np.ascontiguousarray(records).view(np.uint8)


def _find(keys: np.ndarray, entries: np.ndarray) -> np.ndarray:
    """Index in the sorted ``keys`` of each entry's episode (hi, lo), −1 when absent. The
    entries are sorted (month, hi, lo, caisse): within each month's run, those of one ``hi``
    are contiguous, so each key's ``hi`` is searched in each month's run (the keys, the long
    episodes, are few; the entries many: never one search per entry), then ``lo`` compared."""
    at = np.full(len(entries), -1, np.int64)
    if not len(keys) or not len(entries):
        return at
    months = entries["month"]
    bounds = np.flatnonzero(months[1:] != months[:-1]) + 1
    key_hi = np.ascontiguousarray(keys["hi"])
    hi = np.ascontiguousarray(entries["hi"])
    found_e, found_k = [], []
    for a, b in zip(np.r_[0, bounds], np.r_[bounds, len(entries)]):
        left = np.searchsorted(hi[a:b], key_hi, "left")
        n = np.searchsorted(hi[a:b], key_hi, "right") - left
        hit = np.flatnonzero(n)
        if len(hit):  # every entry of the run with a key's hi: (entry, key) pairs
            n = n[hit]
            found_k.append(np.repeat(hit, n))
            found_e.append(a + np.repeat(left[hit] - np.cumsum(n) + n, n) + np.arange(n.sum()))
    if found_e:
        e, k = np.concatenate(found_e), np.concatenate(found_k)
        match = entries["lo"][e] == keys["lo"][k]  # keys are distinct: one match at most
        at[e[match]] = k[match]
    return at


@dataclass(frozen=True)
class LongEpisodes(Measure):
    """Σ ``value_column`` of the payments of the period whose episode (``id_column``) has
    lasted at least ``min_days`` days (``day_column`` − ``start_column``) by the period's end;
    each payment in its own caisse; national = all payments."""

    min_days: int = 548
    id_column: str = "ARR_NUM"
    start_column: str = "ARR_DEB_DTD"
    day_column: str = "IJ_PAI_DTD"
    value_column: str = "IJ_NBR"
    caisse_column: str = "ORG_CLE_NUM"
    statistic: str = "somme"
    multi_period = True  # whether an episode is long depends on the period's end
    evolvable = True  # finalised on any window of months: an evolution can take its base

    @property
    def side_columns(self) -> tuple[str, ...]:
        return (self.id_column, self.start_column, self.value_column)

    def kernel(self) -> Kernel:
        side = EpisodeColumns(self.id_column, self.start_column, self.day_column,
                              self.value_column, self.caisse_column, int(self.min_days))
        return Kernel(f"episodes_longs_{self.id_column}_{int(self.min_days)}",
                      (Input(self.start_column, "days"), Input(self.day_column, "days"),
                       Input(self.value_column, "int")),
                      episodes.WIDTH, episodes.update_episodes, episodes.REASONS,
                      step=episodes.step_episodes, side=side)

    def validate(self, indicator, registry) -> None:
        if (indicator.period_column, indicator.caisse_column) != (self.day_column,
                                                                   self.caisse_column):
            raise ValueError(f"long episodes are dated by {self.day_column} and attributed by "
                             f"{self.caisse_column}: the indicator's period and caisse columns "
                             "must be those")
        fields = registry.table(indicator.table).fields
        for col in (self.id_column, self.start_column, self.value_column):
            if col not in fields:
                raise ValueError(f"column '{col}' is not in table '{indicator.table}'")
        if int(self.min_days) != self.min_days or self.min_days < 1:
            raise ValueError("min_days must be a whole number of days ≥ 1")

    def finalise(self, rows):
        raise NotImplementedError("long episodes are finalised from the side state")

    def finalise_grid(self, grid, periods):
        out = []
        for p in periods:
            total = unit_totals(grid.context, grid.states.shape[0] + 1,
                                *grid.side.sums(p.first_month, p.last_month))
            n = grid.rows(p.first_month, p.last_month)[:, 0]
            value = np.where(n > 0, total, np.nan).astype(float)  # no payment: never 0
            out.append(Finalised.empty_reasons(value, total.astype(float),
                                               np.full(n.shape, np.nan), n,
                                               "aucun paiement dans le champ"))
        return out

    def describe(self, indicator):
        return [(f"Valeur : Σ {self.value_column} des paiements de la période dont l'arrêt "
                 f"({self.id_column}) a duré au moins {self.min_days} jours à la fin de la "
                 f"période : l'un de ses paiements datés jusqu'à cette fin ({self.day_column}) "
                 f"est au moins {self.min_days} jours après son début ({self.start_column}). "
                 "Tous les paiements de la période d'un tel arrêt comptent, ceux d'avant le "
                 "seuil compris ; un paiement postérieur à la période ne change jamais son "
                 "chiffre."),
                (f"Caisse : celle de chaque paiement ({self.caisse_column}) ; n = paiements du "
                 "champ retenus."),
                (f"Exclus : début ou paiement manquant (debut_manquant), {self.value_column} "
                 f"manquant (valeur_manquante) ou négatif (valeur_negative), {self.id_column} "
                 f"manquant ou hors format (au plus {distinct.MAX_CHARS} caractères "
                 "[0-9A-Za-z_])."),
                ]
