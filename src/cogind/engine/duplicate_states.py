"""Duplicate counts from stored key hashes (``--doublons compter`` with ``--states``, issue 20).

The duplicate pass (:mod:`cogind.io.duplicates`) hashes every row's key, keeps the hashes seen
more than once (R) and groups the rows of those hashes, the candidates, on their key values.
Here each file's sorted row hashes are stored under its SHA-256, and, under the set of a run's
files, R and the candidates' key values (``STORE/<doublons key>/g*.etats``). A run whose files
include a stored set S reads only the other files N: their hashes; the stored hashes of S
tell which of N's hashes S already holds (M); R is R_S ∪ the hashes repeated within N ∪ M;
the candidates are S's stored ones, N's rows of a hash in R, and the rows of S of a hash in
M not yet in R_S, reread from the few files that hold them. Grouped exactly as the full pass
does, they give the same counts. No stored set that fits: every file's hashes (stored or
read), then the candidates, as the full pass.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds

from cogind.engine import packed
from cogind.engine.states import StateStore, _file_inputs, _file_key, covering, set_key
from cogind.io.duplicates import ORDINAL, Duplicates, _dedup, _normalised, row_hashes
from cogind.io.publish import write_text
from cogind.kernels.hashing import member_table, members, radix_sort, repeated

FORMAT = 1
_EMPTY = np.empty(0, np.uint64)


class DuplicateStates:
    """``known`` of :func:`cogind.io.duplicates.check_table`: a table's duplicate counts
    from a store of states, or None when its rows do not come from files."""

    def __init__(self, store: StateStore) -> None:
        self.root, self.writer = store.root, store.writer

    def folder(self, table, key: tuple[str, ...]) -> Path:
        from cogind._version import __version__

        dialect = table.csv_dialect.describe() if table.csv_dialect is not None else None
        desc = {"table": table.name, "contenu": "doublons", "cle": list(key),
                "version": __version__, "format": FORMAT, "csv": repr(dialect),
                "schema": table.schema.to_string(show_schema_metadata=False)}
        text = json.dumps(desc, sort_keys=True, ensure_ascii=False)
        folder = self.root / hashlib.sha256(text.encode()).hexdigest()
        folder.mkdir(exist_ok=True)
        if not (folder / "plan.json").exists():
            write_text(folder / "plan.json", json.dumps(desc, indent=1, ensure_ascii=False))
        return folder

    def __call__(self, table, key, batch_size: int) -> Duplicates | None:
        src = table._source
        if not isinstance(src, ds.FileSystemDataset) or not src.files:
            return None
        key = tuple(key)
        parts = _file_inputs(table)
        keys = [_file_key(p) for p in parts]
        run = _Run(packed.Folder(self.folder(table, key)), key, parts, keys, batch_size)
        run.writer = self.writer
        return run.counts()


class _Run:
    def __init__(self, store: packed.Folder, key, parts, keys, batch_size: int) -> None:
        self.store, self.key, self.batch_size = store, key, batch_size
        self.parts, self.keys = parts, keys
        self.part_of = dict(zip(keys, parts))
        self.computed: dict[str, np.ndarray] = {}  # file key → sorted row hashes, read now
        self.used: set[Path] = set()
        self.writer: packed.Writer | None = None

    def counts(self) -> Duplicates:
        need = Counter(self.keys)
        best = covering(self.store.entries("c:"), need)
        found = self._from(best, need) if best is not None else None
        if found is None:
            found = self._whole(need)
        repeated_hashes, candidates, exact = found
        items = [(f"h:{k}", {}, [h], None) for k, h in self.computed.items()]
        own = "c:" + set_key(self.keys)
        if best is None or best[1].key != own:
            items.append((own, {"fichiers": sorted(self.keys), **exact},
                          [repeated_hashes, _ipc(candidates)], None))
            self.store.publish(items, ["h:" + k for k in self.keys], self.used, self.writer)
        else:
            packed.touch(self.used)
        return Duplicates(self.key, exact["lignes"], exact["cles"], np.empty(0, np.int64))

    # ------------------------------------------------------------------ the two ways
    def _from(self, best, need: Counter):
        """From the stored set S (``best``) and the files not in it; None: cannot."""
        covered, entry = best
        try:
            stored_r, raw = entry.load()
            stored_c = _table(raw)
            exact = {"lignes": int(entry.meta["lignes"]), "cles": int(entry.meta["cles"])}
        except (packed.Unreadable, ValueError, KeyError, TypeError, pa.ArrowException):
            return None
        self.used.add(entry.generation.path)
        new = need - covered
        if not new:
            return stored_r, stored_c, exact
        fresh = radix_sort(np.concatenate([h for k, n in new.items()
                                           for h in [self._hashes(k)] * n]))
        within = repeated(fresh)
        lookup = member_table(_distinct(fresh))
        seen = []
        for k in covered:
            old = self._stored_hashes(k)
            if old is None:
                return None
            seen.append(old[members(old, lookup)])
        held = np.unique(np.concatenate(seen)) if seen else _EMPTY
        rep = np.union1d(np.union1d(stored_r, within), held).astype(np.uint64)
        extra = np.setdiff1d(held, stored_r).astype(np.uint64)
        tables = []
        for k, n in new.items():
            tables += [self._candidates(self.part_of[k], rep)] * n
        if len(extra):
            look = member_table(extra)
            for k in covered:
                if len(members(self._stored_hashes(k), look)):
                    tables += [self._candidates(self.part_of[k], extra)] * covered[k]
        return self._added(rep, stored_c, exact, tables)

    def _whole(self, need: Counter):
        hashes = {k: self._stored_hashes(k) for k in need}
        hashes = {k: h if h is not None else self._hashes(k) for k, h in hashes.items()}
        every = [h for k, n in need.items() for h in [hashes[k]] * n]
        rep = repeated(radix_sort(np.concatenate(every))) if every else _EMPTY
        tables = []
        if len(rep):
            look = member_table(rep)
            for k, n in need.items():
                if len(members(hashes[k], look)):
                    tables += [self._candidates(self.part_of[k], rep)] * n
        return self._exact(rep, tables)

    def _exact(self, rep: np.ndarray, tables: list) -> tuple:
        tables = [t for t in tables if t is not None and t.num_rows]
        cands = pa.concat_tables(tables, promote_options="permissive") if tables else None
        if cands is None:
            return rep, None, {"lignes": 0, "cles": 0}
        rows, keys, _ = _dedup(cands.append_column(ORDINAL, pa.array(
            np.arange(cands.num_rows), pa.int64())), self.key)
        return rep, cands, {"lignes": rows, "cles": keys}

    def _added(self, rep: np.ndarray, stored: pa.Table | None, exact: dict,
               tables: list) -> tuple:
        """:meth:`_exact` of the stored candidates and the new ones (``tables``) from the
        stored counts: only the key groups the new rows may touch are grouped again. The
        counts add up over groups (duplicate rows = rows − groups; repeated keys = groups
        of more than one row), and the stored rows of a touched group all hash as its new
        rows do: the stored rows of those hashes are every row of those groups (and of any
        group they collide with, counted before and after alike)."""
        tables = [t for t in tables if t is not None and t.num_rows]
        if not tables:
            return rep, stored, exact
        old = stored.num_rows if stored is not None else 0
        cands = pa.concat_tables(([stored] if old else []) + tables,
                                 promote_options="permissive")
        h = row_hashes(cands, self.key)
        touched = members(h[:old], member_table(_distinct(radix_sort(h[old:].copy()))))
        both = cands.take(pa.array(np.concatenate([touched, np.arange(old, len(h))])))
        before = self._counts(both.slice(0, len(touched)))
        after = self._counts(both)
        return rep, cands, {"lignes": exact["lignes"] - before[0] + after[0],
                            "cles": exact["cles"] - before[1] + after[1]}

    def _counts(self, t: pa.Table) -> tuple[int, int]:
        rows, keys, _ = _dedup(t.append_column(ORDINAL, pa.array(np.arange(t.num_rows),
                                                                 pa.int64())), self.key)
        return rows, keys

    # ------------------------------------------------------------------ files
    def _stored_hashes(self, k: str) -> np.ndarray | None:
        if k in self.computed:
            return self.computed[k]
        entry = self.store.newest.get("h:" + k)
        if entry is None:
            return None
        try:
            (h,) = entry.load()
        except (packed.Unreadable, ValueError):
            return None
        if h.dtype != np.uint64:
            return None
        self.used.add(entry.generation.path)
        return h

    def _hashes(self, k: str) -> np.ndarray:
        """The file's row hashes, read now (sorted)."""
        if k not in self.computed:
            got = [row_hashes(b, self.key)
                   for b in self.part_of[k].batches(list(self.key), self.batch_size)]
            self.computed[k] = radix_sort(np.concatenate(got)) if got else _EMPTY.copy()
        return self.computed[k]

    def _candidates(self, part, wanted: np.ndarray) -> pa.Table | None:
        """The part's rows whose key hash is in ``wanted``, their key values normalised."""
        look = member_table(np.asarray(wanted, np.uint64))
        out = []
        for batch in part.batches(list(self.key), self.batch_size):
            rows = members(row_hashes(batch, self.key), look)
            if len(rows):
                out.append(_normalised(batch.take(pa.array(rows)), self.key, rows)
                           .drop_columns([ORDINAL]))
        return pa.concat_tables(out, promote_options="permissive") if out else None


def _distinct(sorted_hashes: np.ndarray) -> np.ndarray:
    """The distinct values of sorted hashes."""
    if len(sorted_hashes) < 2:
        return sorted_hashes
    return sorted_hashes[np.r_[True, sorted_hashes[1:] != sorted_hashes[:-1]]]


def _ipc(table: pa.Table | None) -> np.ndarray:
    if table is None:
        return np.empty(0, np.uint8)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return np.frombuffer(sink.getvalue(), np.uint8)


def _table(raw: np.ndarray) -> pa.Table | None:
    if raw.dtype != np.uint8:
        raise ValueError("not candidates")
    if not len(raw):
        return None
    return pa.ipc.open_stream(pa.py_buffer(raw.tobytes())).read_all()


__all__ = ["DuplicateStates"]
