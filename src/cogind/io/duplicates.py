"""Duplicated keys of an input table (its schema's ``primaryKey``): exact, in bounded memory.

Pass 1 reads the key columns only and hashes each row's key to 64 bits straight from the Arrow
buffers (kernels.hashing: dictionary entries hashed once, integers and dates as their values,
strings by their bytes). The hashes are sorted (in memory up to :data:`HASH_SPILL_ROWS` rows;
beyond, shared out by their top byte into :data:`HASH_PARTITIONS` files of a temporary folder
and sorted file by file) and the hash values seen more than once kept. No repeated hash: no
duplicate, and no second pass (the usual case of a clean extract). Otherwise pass 2 reads the
key columns again and keeps only the rows whose hash repeats, the candidates; their key values
are grouped exactly by pyarrow (in memory up to :data:`SPILL_ROWS` candidates, beyond that in
:data:`PARTITIONS` hash-partition Arrow files), so a hash collision never counts as a duplicate.

Two nulls of a key column are equal, a null differs from every value (SQL ``GROUP BY``). The
first occurrence of a key is the row with the smallest ordinal, its position in file order
(files in the order the reader gives them, rows in file order), whatever the threads or the
batch size; every other row of the key is a duplicate. Memory: 8 bytes per row up to
HASH_SPILL_ROWS, then one hash file (8 bytes per row / 256), plus 8 bytes per repeated hash,
plus one part of the candidates' keys, plus 8 bytes per duplicate row.

Under ``compter`` (the default) with a table read from files or memory, pass 1 is made by the
table's own pass (:class:`KeyHashes`, issue 20 § 2): its key columns are read along with the
plan's, hashed as the batches go by and kept, up to :data:`KEEP_BYTES`, for pass 2: one read
of the key instead of two or three. ``exclure`` keeps its passes before the table's (the
pass needs the positions to leave out), and so does ``--states`` (stored hashes).
"""
from __future__ import annotations

import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cogind import formatting
from cogind.errors import ConfigError
from cogind.io.readers import _Stream
from cogind.kernels.hashing import (NULL, by_top_byte, fold, gather, member_table, members,
                                    radix_sort, repeated, string_hashes, value_hashes)

MODES = ("compter", "exclure", "ignorer")
"""``compter`` (default): duplicates counted and reported, every row still counted as before;
``exclure``: only the first row of a key is counted, the others are the exclusion ``doublon``;
``ignorer``: no check (no extra pass)."""

HASH_SPILL_ROWS = 1 << 23  # row hashes (8 bytes each) kept in memory before hash files
HASH_PARTITIONS = 256  # hash files, by the hash's top byte
SPILL_ROWS = 1 << 20  # candidate rows' keys kept in memory before partition files
PARTITIONS = 64
KEEP_BYTES = 1 << 27  # key columns kept from the table's pass for pass 2 (:class:`KeyHashes`)
ORDINAL = "__ligne"
NO_KEY = "table sans identifiant de ligne"
"""Why a table whose schema declares no ``primaryKey`` (prestations, contacts…) is not
checked: two identical rows may be two events; only an extract's row id would tell."""
_NO_NULLS = np.empty(0, np.uint8)


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
    hashes = _repeated_hashes(table, key, batch_size)
    return _located(((row_hashes(b, key), b) for b in table.batches(list(key), batch_size)),
                    key, hashes)


def _located(hashed, key: tuple[str, ...], hashes: np.ndarray) -> Duplicates:
    """Pass 2: the rows of ``hashed`` ((row hashes, batch) in file order) whose hash is in
    ``hashes`` (the repeated ones), grouped exactly on their key values."""
    if not len(hashes):
        return Duplicates(key, 0, 0, np.empty(0, np.int64))
    lookup = member_table(hashes)
    parts = _Parts(key)
    start = 0
    try:
        for h, batch in hashed:
            rows = members(h, lookup)
            if len(rows):
                parts.add(_normalised(batch.take(pa.array(rows)), key, rows + start))
            start += batch.num_rows
        found = [_dedup(t, key) for t in parts.tables()]
    finally:
        parts.close()
    drop = np.sort(np.concatenate([d for _, _, d in found])) if found else np.empty(0, np.int64)
    return Duplicates(key, sum(r for r, _, _ in found), sum(k for _, k, _ in found), drop)


def _repeated_hashes(table, key: tuple[str, ...], batch_size: int) -> np.ndarray:
    """The row hashes of ``table``'s key seen more than once, ascending."""
    store = _HashStore()
    try:
        for batch in table.batches(list(key), batch_size):
            store.add(row_hashes(batch, key))
        return store.repeated()
    finally:
        store.close()


def row_hashes(batch, key: Sequence[str]) -> np.ndarray:
    """64-bit hash of each row's ``key`` columns (a record batch or a table): equal keys give
    equal hashes whatever the physical type (dictionary or not, integer width)."""
    out = np.zeros(batch.num_rows, np.uint64)
    for c in key:
        col = batch.column(c)
        at = 0
        for arr in (col.chunks if isinstance(col, pa.ChunkedArray) else [col]):
            fold(out[at:at + len(arr)], _value_hashes(arr))
            at += len(arr)
    return out


def _bitmap(arr: pa.Array) -> tuple[np.ndarray, int]:
    b = arr.buffers()[0]
    if b is None or arr.null_count == 0:
        return _NO_NULLS, 0
    return np.frombuffer(b, np.uint8), arr.offset


def _value_hashes(arr: pa.Array) -> np.ndarray:
    """One value hash per row of ``arr`` (kernels.hashing), NULL for a null."""
    t, n = arr.type, len(arr)
    out = np.empty(n, np.uint64)
    if n == 0:
        return out
    if pa.types.is_null(t) or arr.null_count == n:
        out[:] = NULL
        return out
    if pa.types.is_dictionary(t):
        indices = arr.indices
        gather(_value_hashes(arr.dictionary), _bits(indices).view(np.int64), *_bitmap(indices),
               out)
        return out
    if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)
            or pa.types.is_large_binary(t) or _fixed_width(t)):
        arr, t = arr.cast(pa.large_string()), pa.large_string()
    if _fixed_width(t):
        value_hashes(_bits(arr), *_bitmap(arr), out)
        return out
    wide = pa.types.is_large_string(t) or pa.types.is_large_binary(t)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], np.int64 if wide else np.int32, count=n + 1,
                            offset=arr.offset * (8 if wide else 4))
    data = np.frombuffer(bufs[2], np.uint8) if bufs[2] is not None else _NO_NULLS
    string_hashes(offsets, data, *_bitmap(arr), out)
    return out


def _fixed_width(t: pa.DataType) -> bool:
    return (pa.types.is_integer(t) or pa.types.is_temporal(t) or pa.types.is_boolean(t)
            or pa.types.is_floating(t))


def _bits(arr: pa.Array) -> np.ndarray:
    """Each value of a fixed-width column as the 64 bits of its int64 (floats: of their
    float64, -0.0 as 0.0), timestamps in microseconds, as ``_canonical`` compares them."""
    t = arr.type
    if pa.types.is_timestamp(t):
        arr = arr.cast(pa.timestamp("us", t.tz))
    elif pa.types.is_boolean(t):
        arr = arr.cast(pa.int8())
    elif pa.types.is_floating(t):
        arr = pc.add(arr.cast(pa.float64()), 0.0)
    t = arr.type
    width = t.bit_width
    kind = "f" if pa.types.is_floating(t) else "u" if pa.types.is_unsigned_integer(t) else "i"
    vals = np.frombuffer(arr.buffers()[1], np.dtype(f"{kind}{width // 8}"), count=len(arr),
                         offset=arr.offset * (width // 8))
    if kind == "f":
        return vals.view(np.uint64)
    return vals.astype(np.int64).view(np.uint64)


def _normalised(batch: pa.RecordBatch, key: tuple[str, ...], ordinals: np.ndarray) -> pa.Table:
    """Key columns in one type per kind (files may differ: dictionary, string widths…) and
    each row's ordinal."""
    cols = [_canonical(batch.column(c)) for c in key]
    return pa.table(cols + [pa.array(ordinals, pa.int64())], names=list(key) + [ORDINAL])


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
        return pc.add(arr.cast(pa.float64()), 0.0).view(pa.int64())
    if not _fixed_width(t):
        return arr.cast(pa.large_string())
    return arr.cast(pa.int64())


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


class _HashStore:
    """Row hashes in memory, then, past :data:`HASH_SPILL_ROWS`, appended to
    :data:`HASH_PARTITIONS` raw files by their top byte (a file holds one range of hashes)."""

    def __init__(self) -> None:
        self.held: list[np.ndarray] = []
        self.rows = 0
        self.folder: tempfile.TemporaryDirectory | None = None
        self.files: list = []

    def add(self, h: np.ndarray) -> None:
        if self.folder is None:
            self.held.append(h)
            self.rows += len(h)
            if self.rows > HASH_SPILL_ROWS:
                self.folder = tempfile.TemporaryDirectory(prefix="cogind-doublons-")
                self.files = [open(self._path(i), "wb")  # noqa: SIM115 closed by close()
                              for i in range(HASH_PARTITIONS)]
                held, self.held = self.held, []
                for x in held:
                    self._write(x)
            return
        self._write(h)

    def _path(self, i: int) -> str:
        return str(Path(self.folder.name) / f"{i}.u64")

    def _write(self, h: np.ndarray) -> None:
        h, bounds = by_top_byte(h)
        for i, f in enumerate(self.files):
            if bounds[i + 1] > bounds[i]:
                f.write(h[bounds[i]:bounds[i + 1]].tobytes())

    def parts(self):
        if self.folder is None:  # by top byte first: sorting 256 small runs is faster
            h, bounds = by_top_byte(np.concatenate(self.held or [np.empty(0, np.uint64)]))
            self.held = []
            for i in range(HASH_PARTITIONS):
                yield h[bounds[i]:bounds[i + 1]]
            return
        for f in self.files:
            f.close()
        for i in range(HASH_PARTITIONS):
            yield np.fromfile(self._path(i), np.uint64)

    def repeated(self) -> np.ndarray:
        """The hashes added more than once, ascending (files by top byte, each sorted: their
        repeated hashes concatenate in order)."""
        found = [repeated(radix_sort(h)) for h in self.parts()]
        return np.concatenate(found) if found else np.empty(0, np.uint64)

    def close(self) -> None:
        for f in self.files:
            f.close()
        if self.folder is not None:
            self.folder.cleanup()


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
        part = (row_hashes(t, self.key) >> np.uint64(58)).astype(np.int64)  # 64 = 2**6 files
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


class KeyHashes:
    """The check of ``compter`` made by the table's own pass (issue 20 § 2): each batch the
    pass decodes has its key hashed as it goes by (:meth:`add`, from any thread), instead of
    pass 1 reading the key columns again. The batches' key columns are kept (no copy: the
    decoded buffers) while their buffers hold at most :data:`KEEP_BYTES` and the hashes are in
    memory, and pass 2 takes the candidates from them; beyond, pass 2 reads the key columns
    again, as :func:`find_duplicates`. Counts only: the batches come in the threads' order, so
    the positions (``drop``) of ``exclure`` are not known here."""

    def __init__(self, key: Sequence[str]) -> None:
        self.key = tuple(key)
        self.store = _HashStore()
        self.kept: list[tuple[np.ndarray, pa.RecordBatch]] | None = []
        self.kept_bytes = 0
        self.lock = threading.Lock()

    def add(self, batch: pa.RecordBatch) -> None:
        h = row_hashes(batch, self.key)  # numba, GIL released: in the calling thread
        with self.lock:
            self.store.add(h)
            if self.kept is None:
                return
            keys = batch.select(list(self.key))
            self.kept_bytes += keys.get_total_buffer_size()
            if self.kept_bytes > KEEP_BYTES or self.store.folder is not None:
                self.kept = None  # read again after the pass: memory stays bounded
            else:
                self.kept.append((h, keys))

    def info(self, table, batch_size: int = 1 << 20) -> dict:
        """The provenance entry of :func:`check_table` (``compter``), once the pass is done."""
        try:
            hashes = self.store.repeated()
        finally:
            self.store.close()
        kept, self.kept = self.kept, None
        hashed = (kept if kept is not None else
                  ((row_hashes(b, self.key), b) for b in table.batches(list(self.key),
                                                                        batch_size)))
        return _entry(_located(hashed, self.key, hashes), "compter")


def pass_check(table, spec, mode: str, known=None, as_of=None) -> KeyHashes | None:
    """A :class:`KeyHashes` for the pass over ``table`` when the check can be made by it:
    ``compter``, a key whose columns are all there, an input read more than once (a stream
    is not checked), no stored hashes (``known``, ``--states``), no ``as_of`` (whose pass
    skips row groups); None: :func:`check_table` (``exclure`` needs the positions first)."""
    if mode != "compter" or known is not None or as_of is not None:
        return None
    if _not_checked(table, spec.primary_key) is not None:  # check_table says why
        return None
    return KeyHashes(spec.primary_key)


def check_table(table, spec, mode: str, batch_size: int = 1 << 20, known=None
                ) -> tuple[Duplicates | None, dict | None]:
    """(duplicates to leave out or None, provenance entry or None) of one input table under
    ``mode`` (:data:`MODES`); ``ignorer``: nothing; a table that declares no key: not
    checked, said in the provenance (:data:`NO_KEY`). ``known(table, key, batch_size)``:
    the same counts from stored hashes (``--states``, engine.duplicate_states), or None;
    used for ``compter`` only (``exclure`` needs every duplicate's position)."""
    if mode not in MODES:
        raise ConfigError(f"doublons: expected {', '.join(MODES)}, got '{mode}'")
    key = spec.primary_key
    if mode == "ignorer":
        return None, None
    unchecked = _not_checked(table, key)
    if unchecked is not None:
        return None, unchecked
    dups = known(table, key, batch_size) if known is not None and mode == "compter" else None
    if dups is None:
        dups = find_duplicates(table, key, batch_size)
    return (dups if mode == "exclure" and dups.rows else None), _entry(dups, mode)


def _not_checked(table, key) -> dict | None:
    """The provenance entry of a table whose key cannot be checked (none declared, a key
    column absent, a stream read once: by the pass), or None."""
    if not key:
        return {"cle": [], "non_controle": NO_KEY}
    absent = [c for c in key if table.schema.get_field_index(c) < 0]
    if absent:
        return {"cle": list(key), "non_controle": f"colonne '{absent[0]}' absente"}
    if isinstance(table._source, (pa.RecordBatchReader, _Stream)):
        return {"cle": list(key), "non_controle": "flux lu une seule fois"}
    return None


def _entry(dups: Duplicates, mode: str) -> dict:
    """The provenance entry of a checked key."""
    return {"cle": list(dups.key), "lignes": dups.rows, "cles": dups.keys,
            "traitement": "exclues" if mode == "exclure" else "comptees"}


def report_line(table, spec) -> str | None:
    """``validate``'s line on one table's key: duplicate rows and repeated keys, or why not
    checked (a table that declares no key: not detectable)."""
    key = spec.primary_key
    if not key:
        return f"  clé : aucune ({NO_KEY}) : doublons non détectables"
    absent = [c for c in key if table.schema.get_field_index(c) < 0]
    if absent:
        return f"  clé ({', '.join(key)}) : non contrôlée, colonne '{absent[0]}' absente"
    d = find_duplicates(table, key)
    if not d.rows:
        return f"  clé ({', '.join(key)}) : aucun doublon"
    return (f"  clé ({', '.join(key)}) : {formatting.count(d.rows, 'lignes')} en double "
            f"({formatting.count(d.keys, 'clés')} répétées) ; "
            "compute les compte, --doublons exclure les écarte")
