"""Duplicated keys of an input table (its schema's ``primaryKey``): exact, in bounded memory.

One pass reads the key columns only. Up to :data:`SPILL_ROWS` rows, their keys stay in memory;
beyond, every batch's keys are shared out by a 64-bit hash of the key (kernels.hashing) into
:data:`PARTITIONS` Arrow files in a temporary folder, so that equal keys land in the same file.
Each part (the whole table, or one file) is then grouped exactly by pyarrow on the key values
themselves (a hash only chooses the file: a collision costs nothing). The first occurrence of a
key is the row with the smallest ordinal, the row's position in file order (files in the order
the reader gives them, rows in file order), whatever the threads or the batch size; every other
row of the key is a duplicate. Memory: one part's keys, plus 8 bytes per duplicate row.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cogind.errors import ConfigError
from cogind.io.readers import _Stream
from cogind.kernels.hashing import fold_strings, fold_values

MODES = ("compter", "exclure", "ignorer")
"""``compter`` (default): duplicates counted and reported, every row still counted as before;
``exclure``: only the first row of a key is counted, the others are the exclusion ``doublon``;
``ignorer``: no check (no extra pass)."""

SPILL_ROWS = 1 << 22  # rows of keys kept in memory before they go to partition files
PARTITIONS = 64
ORDINAL = "__ligne"


@dataclass(frozen=True)
class Duplicates:
    """What the pass found: ``rows`` duplicate rows (not the first of their key), ``keys``
    keys seen more than once, ``drop`` the sorted ordinals of the duplicate rows."""

    key: tuple[str, ...]
    rows: int
    keys: int
    drop: np.ndarray

    def keep(self, start: int, n: int) -> np.ndarray | None:
        """Rows ``start .. start + n - 1`` (ordinals) to keep; None: all of them."""
        lo, hi = np.searchsorted(self.drop, [start, start + n])
        if lo == hi:
            return None
        mask = np.ones(n, bool)
        mask[self.drop[lo:hi] - start] = False
        return mask


def find_duplicates(table, key: Sequence[str], batch_size: int = 1 << 20) -> Duplicates:
    """Count (and locate) the duplicated keys of ``table`` (a :class:`TableInput`)."""
    key = tuple(key)
    parts = _Parts(key)
    start = 0
    try:
        for batch in table.batches(list(key), batch_size):
            parts.add(_normalised(batch, key, start))
            start += batch.num_rows
        found = [_dedup(t, key) for t in parts.tables()]
    finally:
        parts.close()
    drop = np.sort(np.concatenate([d for _, _, d in found])) if found else np.empty(0, np.int64)
    return Duplicates(key, sum(r for r, _, _ in found), sum(k for _, k, _ in found), drop)


def _normalised(batch: pa.RecordBatch, key: tuple[str, ...], start: int) -> pa.Table:
    """Key columns in one type per kind (files may differ: dictionary, string widths…) and
    each row's ordinal."""
    cols = [_canonical(batch.column(c)) for c in key]
    ordinal = pa.array(np.arange(start, start + batch.num_rows, dtype=np.int64))
    return pa.table(cols + [ordinal], names=list(key) + [ORDINAL])


def _canonical(arr: pa.Array) -> pa.Array:
    t = arr.type
    if pa.types.is_dictionary(t):
        return _canonical(arr.dictionary_decode())
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t):
        return arr.cast(pa.large_string()) if not pa.types.is_binary(t) else arr.cast(
            pa.large_binary())
    if pa.types.is_date32(t):
        return arr.view(pa.int32()).cast(pa.int64())
    if pa.types.is_timestamp(t):
        return arr.cast(pa.timestamp("us", t.tz)).view(pa.int64())
    if pa.types.is_floating(t):
        return arr.cast(pa.float64()).view(pa.int64())
    return arr.cast(pa.int64())


def _hashes(t: pa.Table, key: tuple[str, ...]) -> np.ndarray:
    out = np.zeros(t.num_rows, np.uint64)
    for c in key:
        arr = t.column(c).combine_chunks()
        valid = np.asarray(arr.is_valid(), bool)
        if pa.types.is_integer(arr.type):
            fold_values(np.asarray(arr.fill_null(0)).view(np.uint64), valid, out)
        else:
            bufs = arr.buffers()
            offsets = np.frombuffer(bufs[1], np.int64)[arr.offset:arr.offset + len(arr) + 1]
            data = (np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None
                    else np.empty(0, np.uint8))
            fold_strings(offsets, data, valid, out)
    return out


def _dedup(t: pa.Table, key: tuple[str, ...]) -> tuple[int, int, np.ndarray]:
    """(duplicate rows, repeated keys, their ordinals) of one part, exactly."""
    if t.num_rows == 0:
        return 0, 0, np.empty(0, np.int64)
    g = t.group_by(list(key)).aggregate([(ORDINAL, "min"), (ORDINAL, "count")])
    if g.num_rows == t.num_rows:
        return 0, 0, np.empty(0, np.int64)
    first = pc.is_in(t.column(ORDINAL), value_set=g.column(f"{ORDINAL}_min"))
    drop = t.column(ORDINAL).filter(pc.invert(first))
    repeated = int(pc.sum(pc.greater(g.column(f"{ORDINAL}_count"), 1)).as_py() or 0)
    return t.num_rows - g.num_rows, repeated, np.asarray(drop.combine_chunks(), np.int64)


class _Parts:
    """Keys in memory, then, past :data:`SPILL_ROWS`, in hash partition files."""

    def __init__(self, key: tuple[str, ...]) -> None:
        self.key = key
        self.held: list[pa.Table] = []
        self.rows = 0
        self.folder: tempfile.TemporaryDirectory | None = None
        self.writers: list = []

    def add(self, t: pa.Table) -> None:
        if self.folder is None:
            self.held.append(t)
            self.rows += t.num_rows
            if self.rows > SPILL_ROWS:
                self._spill()
            return
        self._write(t)

    def _spill(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="cogind-doublons-")
        schema = pa.unify_schemas([h.schema for h in self.held])
        self.schema = schema
        self.writers = [pa.ipc.new_file(str(Path(self.folder.name) / f"{i}.arrow"), schema)
                        for i in range(PARTITIONS)]
        held, self.held = self.held, []
        for t in held:
            self._write(t)

    def _write(self, t: pa.Table) -> None:
        t = t.cast(self.schema)
        part = (_hashes(t, self.key) >> np.uint64(58)).astype(np.int64)  # 64 = 2**6 files
        order = np.argsort(part, kind="stable")
        t = t.take(pa.array(order))
        bounds = np.concatenate([[0], np.cumsum(np.bincount(part, minlength=PARTITIONS))])
        for i, w in enumerate(self.writers):
            if bounds[i + 1] > bounds[i]:
                w.write_table(t.slice(bounds[i], bounds[i + 1] - bounds[i]))

    def tables(self):
        if self.folder is None:
            if self.held:
                yield pa.concat_tables(self.held, promote_options="permissive")
            return
        for w in self.writers:
            w.close()
        self.writers = []
        for i in range(PARTITIONS):
            with pa.OSFile(str(Path(self.folder.name) / f"{i}.arrow")) as src:
                yield pa.ipc.open_file(src).read_all()

    def close(self) -> None:
        for w in self.writers:
            w.close()
        if self.folder is not None:
            self.folder.cleanup()


def check_table(table, spec, mode: str, batch_size: int = 1 << 20
                ) -> tuple[Duplicates | None, dict | None]:
    """(duplicates to leave out or None, provenance entry or None) of one input table under
    ``mode`` (:data:`MODES`); a table with no declared key, or ``ignorer``: nothing."""
    if mode not in MODES:
        raise ConfigError(f"doublons: expected {', '.join(MODES)}, got '{mode}'")
    key = spec.primary_key
    if mode == "ignorer" or not key:
        return None, None
    absent = [c for c in key if table.schema.get_field_index(c) < 0]
    if absent:
        return None, {"cle": list(key), "non_controle": f"colonne '{absent[0]}' absente"}
    if isinstance(table._source, (pa.RecordBatchReader, _Stream)):  # read once: by the pass
        return None, {"cle": list(key), "non_controle": "flux lu une seule fois"}
    dups = find_duplicates(table, key, batch_size)
    info = {"cle": list(key), "lignes": dups.rows, "cles": dups.keys,
            "traitement": "exclues" if mode == "exclure" else "comptees"}
    return (dups if mode == "exclure" and dups.rows else None), info


def report_line(table, spec) -> str | None:
    """``validate``'s line on one table's key: duplicate rows and repeated keys, or why not
    checked; None for a table that declares no key."""
    key = spec.primary_key
    if not key:
        return None
    absent = [c for c in key if table.schema.get_field_index(c) < 0]
    if absent:
        return f"  clé ({', '.join(key)}) : non contrôlée, colonne '{absent[0]}' absente"
    d = find_duplicates(table, key)
    if not d.rows:
        return f"  clé ({', '.join(key)}) : aucun doublon"
    return (f"  clé ({', '.join(key)}) : {d.rows} lignes en double ({d.keys} clés répétées) ; "
            "compute les compte, --doublons exclure les écarte")
