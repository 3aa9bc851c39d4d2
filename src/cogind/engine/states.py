"""Stored partial states: incremental runs over a folder of files (issue 20, docs/etats.md).

A table read from files is accumulated file by file; each file's accumulator (the mergeable
caisse × month states of :class:`~cogind.engine.core.Accumulator`) is stored under its file's
SHA-256, and the merged accumulator of a run under the set of its files' SHA-256, in
``STORE/<plan key>/g<time>-<pid>.etats``: one packed file per plan and run
(:mod:`cogind.engine.packed`). The next run merges the stored total of files it still has
with the states of the files it does not (read only if new or changed). The plan key is the
SHA-256 of everything that changes a state: the table, its plan (kernels, scopes, indicators,
as-of day, bounds, patterns), the cogind and plugin versions, the time zone, the schema the
files are read with and the CSV dialect. Merging is exact (integer states), so results equal
a full run's byte for byte. Any doubt (an unreadable or inconsistent state, a rule that looks
across files) means recompute. File hashes are kept in ``STORE/empreintes.json`` (stamps →
SHA-256, :func:`cogind.io.fingerprint.remember`): an unchanged file is not read again.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds

from cogind.engine import packed
from cogind.engine.core import Accumulator, TablePlan, month_span
from cogind.engine.dask import fingerprint
from cogind.engine.state_keys import code_digest, reading_digest
from cogind.io import fingerprint as hashes
from cogind.io.fingerprint import file_sha256
from cogind.io.publish import write_text
from cogind.io.readers import TableInput

FORMAT = 2  # of the stored files; part of every plan key
PLAN_FILE = "plan.json"
HASHES_FILE = "empreintes.json"
SUFFIX = packed.SUFFIX
_META = ("month0", "n_months", "n_slots", "rows_read", "rows_not_yet_available")


class StateStore:
    """A folder of packed partial states, shared by runs (writes are atomic renames)."""

    def __init__(self, path: str | Path, registry=None, timezone: str = "") -> None:
        self.root = Path(path)
        self.root.mkdir(parents=True, exist_ok=True)
        self.context = {"format": FORMAT, "fuseau": timezone,
                        "plugins": sorted([p.name, p.distribution, p.version]
                                          for p in (registry.plugins if registry else ())
                                          if not p.error)}
        self.recorded = read_hashes(self.root)
        hashes.remember(self.recorded)  # the provenance's hashes too: the file's bytes
        self.writer = packed.Writer()  # new generations written while the run goes on

    def wait(self) -> None:
        """Every new generation of this run written (raises what a write raised)."""
        self.writer.wait()

    # ------------------------------------------------------------------ keys
    def plan_key(self, table: TableInput, tplan: TablePlan) -> tuple[str, dict]:
        """(SHA-256 key, its description) of what a state of ``tplan`` on ``table`` depends on."""
        from cogind._version import __version__

        fields = {f.name: repr(getattr(tplan, f.name)) for f in dataclasses.fields(tplan)
                  if f.name not in ("states", "duplicates")}
        dialect = table.csv_dialect.describe() if table.csv_dialect is not None else None
        desc = {"table": table.name, "version": __version__, **self.context,
                "definitions": fingerprint(tplan), "plan": fields,
                "code": [code_digest(sp.kernel) for sp in tplan.states],
                "indicateurs": [i.code for sp in tplan.states for i in sp.indicators],
                "schema": table.schema.to_string(show_schema_metadata=False),
                "colonnes_avec_fuseau": list(table.zoned), "csv": repr(dialect),
                "lecture": {"code": reading_digest(), "noms": table.stored,
                            "codes_sans_blancs": list(table.codes)}}
        text = json.dumps(desc, sort_keys=True, ensure_ascii=False, default=repr)
        return hashlib.sha256(text.encode()).hexdigest(), desc

    # ------------------------------------------------------------------ the pass
    def accumulate(self, run_pass, table: TableInput, tplan: TablePlan, batch_size: int,
                   threads: int, on_batch=None, engine: str = "local"
                   ) -> tuple[Accumulator, dict]:
        """``table``'s accumulator, from stored states of unchanged files and a pass over the
        others; and the provenance entry ``{reutilises, recalcules, raison}``."""
        whole = _unsound(table, tplan, engine)
        if whole is not None:
            acc = run_pass(table, tplan, batch_size, threads, on_batch=on_batch)
            return acc, {"reutilises": 0, "recalcules": _file_count(table), "raison": whole}
        key, desc = self.plan_key(table, tplan)
        folder = self.root / key
        folder.mkdir(exist_ok=True)
        if not (folder / PLAN_FILE).exists():
            write_text(folder / PLAN_FILE, json.dumps(desc, indent=1, ensure_ascii=False,
                                                      default=repr))
        parts = _file_inputs(table)
        keys = [_file_key(p) for p in parts]
        self.save_hashes([p.origin for p in parts])
        run = _Run(folder, tplan, keys, self.writer)
        accs = run.stored()
        for part, k in zip(parts, keys):
            if run.missing[k] > 0:  # identical files (one key) are one pass, merged k times
                acc = run.computed.get(k) or run_pass(part, tplan, batch_size, threads,
                                                      on_batch=on_batch)
                run.computed[k] = acc
                run.missing[k] -= 1
                accs.append(acc)
        total = _merged(tplan, accs, month_span(table, tplan))
        run.publish(total)
        info = {"reutilises": run.reused, "recalcules": len(keys) - run.reused}
        if run.reasons:
            info["raison"] = ", ".join(f"{r}: {n}" for r, n in sorted(run.reasons.items()))
        return total, info

    def save_hashes(self, paths: list[str]) -> None:
        """Record the settled hashes of ``paths`` (dropping files that are gone)."""
        entries = {p: e for p, e in read_hashes(self.root).items() if os.path.exists(p)}
        entries.update(hashes.known_hashes(paths))
        if entries != self.recorded:
            _write_hashes(self.root, entries)
            self.recorded = entries


class _Run:
    """One table's use of a plan folder: what is stored for its files, what it adds."""

    def __init__(self, folder: Path, tplan: TablePlan, keys: list[str],
                 writer: packed.Writer | None = None) -> None:
        self.store, self.writer = packed.Folder(folder), writer
        self.tplan, self.keys = tplan, keys
        self.reasons: dict[str, int] = {}
        if self.store.unreadable:
            self._why("génération illisible", self.store.unreadable)
        self.missing = Counter(keys)  # files (by key) whose states are still to be found
        self.reused = 0
        self.computed: dict[str, Accumulator] = {}
        self.used: set[Path] = set()
        self.total: packed.Entry | None = None
        self.total_key = "t:" + set_key(keys)

    def _why(self, reason: str, n: int = 1) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + n

    def stored(self) -> list[Accumulator]:
        """The stored accumulators that cover most of this run's files: the largest stored
        total of files all still there, plus the states of the other files stored alone."""
        accs = []
        best = covering(self.store.entries("t:"), self.missing)
        if best is not None:
            covered, entry = best
            acc, why = _decoded(entry, self.tplan)
            if acc is None:
                self._why(why.replace("état", "total"))
            else:
                accs.append(acc)
                self.missing -= covered
                self.reused += covered.total()
                self.used.add(entry.generation.path)
                self.total = entry
        for k, n in list(self.missing.items()):
            entry = self.store.newest.get("f:" + k)
            acc, why = _decoded(entry, self.tplan) if entry is not None else (None, "nouveau")
            if acc is None:
                self._why(why, n)
                continue
            accs += [acc] * n
            self.missing[k] = 0
            self.reused += n
            self.used.add(entry.generation.path)
        return accs

    def publish(self, total: Accumulator) -> None:
        """A new generation when this run's total is not stored yet: the states computed
        now and the total (every state of the run's files when generations pile up)."""
        if self.total is not None and self.total.key == self.total_key and not self.computed:
            packed.touch(self.used)
            return
        items = [(f"f:{k}", *encode(acc), None) for k, acc in self.computed.items()]
        meta, arrays = encode(total)
        items.append((self.total_key, {**meta, "fichiers": sorted(self.keys)}, arrays, None))
        self.store.publish(items, ["f:" + k for k in self.keys], self.used, self.writer)


def covering(entries: list[packed.Entry], wanted: Counter) -> tuple[Counter, packed.Entry] | None:
    """(its files, the entry) of the stored total over the most files, all in ``wanted``
    (newest first among equals); None if none fits."""
    best = None
    for e in entries:
        files = e.meta.get("fichiers")
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            continue
        files = Counter(files)
        if all(wanted[k] >= n for k, n in files.items()):
            rank = (files.total(), e.generation.path.name)
            if best is None or rank > best[0]:
                best = (rank, files, e)
    return None if best is None else best[1:]


def set_key(keys: list[str]) -> str:
    """SHA-256 of a multiset of file keys (identical files count as often as they occur)."""
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()


def _unsound(table: TableInput, tplan: TablePlan, engine: str) -> str | None:
    """Why per-file states cannot be used for this table (None: they can)."""
    if engine != "local":
        return f"moteur {engine}"
    if not isinstance(table._source, ds.FileSystemDataset) or not table._source.files:
        return "entrée hors fichiers"
    if tplan.duplicates is not None:  # ordinals over the whole table, across files
        return "doublons exclus entre fichiers"
    return None


def _file_key(part: TableInput) -> str:
    """The file's SHA-256; with the values its path gives hive partition columns, if any
    (the same bytes under ``annee=2023/`` and ``annee=2024/`` are two states)."""
    sha = file_sha256(part.origin)
    expr = next(iter(part._source.get_fragments())).partition_expression
    if expr.equals(ds.scalar(True)):
        return sha
    return hashlib.sha256(f"{sha}\t{expr}".encode()).hexdigest()


def _file_count(table: TableInput) -> int:
    src = table._source
    return len(src.files) if isinstance(src, ds.FileSystemDataset) else 1


def _file_inputs(table: TableInput) -> list[TableInput]:
    """One input per file of ``table``, read with the table's schema, in path order."""
    src = table._source
    frags = sorted(src.get_fragments(), key=lambda f: f.path)
    return [TableInput(table.name, f.path, table.schema,
                       ds.FileSystemDataset([f], src.schema, src.format, src.filesystem),
                       csv_columns=table.csv_columns, timezone=table.timezone,
                       zoned=table.zoned, csv_separator=table.csv_separator,
                       csv_dialect=table.csv_dialect, stored=table.stored,
                       codes=table.codes) for f in frags]


def _merged(tplan: TablePlan, accs: list[Accumulator], months) -> Accumulator:
    """The accumulators merged (caisse slots matched by code), over the table's whole month
    span when its statistics tell it, as one pass sizes its states."""
    total = Accumulator(tplan)
    spans = [(a.month0, a.month0 + a.n_months - 1) for a in accs if a.n_months]
    if months is not None or spans:  # sized once: merging file after file would regrow it
        lo, hi = zip(*(spans + ([months] if months is not None else [])))
        shape = (len({c for a in accs for c in a.slots}) + 1, min(lo), max(hi))
        if len(accs) == 1 and spans and (accs[0].n_slots, *spans[0]) == shape:
            return accs[0]  # a stored total of these very files: already the merged shape
        total._ensure(*shape)
    for acc in accs:
        total.merge(acc)
    return total


# --------------------------------------------------------------------------- encoding


def encode(acc: Accumulator) -> tuple[dict, list[np.ndarray]]:
    """(metadata, arrays) of ``acc``: per state, the (slot, month) cells that are not all
    zeros and their exact int64 values, then its undated counts; then the arrays of each
    side state (``sides``: state index, class, number of arrays)."""
    meta = {k: int(getattr(acc, k)) for k in _META}
    meta["slots"] = sorted(acc.slots.items(), key=lambda kv: kv[1])
    meta["shapes"] = [list(st.shape) for st in acc.states]
    arrays = []
    for st, und in zip(acc.states, acc.undated):
        flat = st.reshape(-1, st.shape[2])
        cells = np.flatnonzero(flat.any(axis=1)).astype(np.int64)
        arrays += [cells, flat[cells], np.array(und, np.int64)]  # copies: written later
    sides = [(i, side) for i, side in enumerate(acc.sides) if side is not None]
    if sides:  # absent otherwise: the entries of plans without side states keep their bytes
        meta["sides"] = []
        for i, side in sides:
            parts = side.arrays()
            meta["sides"].append([i, type(side).__qualname__, len(parts)])
            arrays += parts
    return meta, arrays


def _load_sides(acc: Accumulator, meta: dict, arrays: list[np.ndarray]) -> None:
    """The side states of ``acc`` (made empty by its plan) filled from their stored arrays
    (ValueError unless they are exactly those of the plan's side states)."""
    wanted = [(i, type(side).__qualname__) for i, side in enumerate(acc.sides)
              if side is not None]
    stored = meta.get("sides", [])
    if [tuple(x[:2]) for x in stored] != wanted or sum(x[2] for x in stored) != len(arrays):
        raise ValueError("not the plan's side states")
    at = 0
    for i, _, n in stored:
        acc.sides[i].load(arrays[at:at + n])
        at += n


def _decoded(entry: packed.Entry, tplan: TablePlan) -> tuple[Accumulator | None, str]:
    """(the stored accumulator, "") or (None, why it cannot be used)."""
    try:
        arrays = entry.load()
        meta = entry.meta
        shapes = meta["shapes"]
        if len(arrays) < 3 * len(shapes):
            raise ValueError("not a state")
        states = [_dense(shapes[i], arrays[3 * i], arrays[3 * i + 1])
                  for i in range(len(shapes))]
        undated = [arrays[3 * i + 2] for i in range(len(shapes))]
        slots = {str(code): int(j) for code, j in meta["slots"]}
        values = {k: int(meta[k]) for k in _META}
    except Exception:  # noqa: BLE001 -- CRC, shape, JSON: any doubt means recompute
        return None, "état illisible"
    if not _consistent(values, slots, states, undated, tplan):
        return None, "état incohérent"
    acc = Accumulator(tplan)
    try:
        _load_sides(acc, meta, arrays[3 * len(shapes):])
    except Exception:  # noqa: BLE001 -- another side state, or arrays of another form
        return None, "état incohérent"
    acc.slots, acc.states, acc.undated = slots, states, undated
    for k, v in values.items():
        setattr(acc, k, v)
    return acc, ""


def _dense(shape, cells: np.ndarray, values: np.ndarray) -> np.ndarray:
    if cells.dtype != np.int64 or values.dtype != np.int64 or len(shape) != 3:
        raise ValueError("not a state")
    out = np.zeros((shape[0] * shape[1], shape[2]), np.int64)
    out[cells] = values.reshape(len(cells), shape[2])  # beyond the shape raises: unreadable
    return out.reshape(shape)


def _consistent(meta: dict, slots: dict, states, undated, tplan: TablePlan) -> bool:
    from cogind.engine.core import ENGINE_REASONS

    if len(states) != len(tplan.states) or not states:
        return False
    n_slots, n_months = meta["n_slots"], meta["n_months"]
    for st, und, sp in zip(states, undated, tplan.states):
        width = sp.kernel.width + len(ENGINE_REASONS)
        if st.dtype != np.int64 or und.dtype != np.int64 or st.ndim != 3 or und.ndim != 1:
            return False
        if st.shape[1:] != (n_months, width) or st.shape[0] != n_slots:
            return False
    return sorted(slots.values()) == list(range(1, len(slots) + 1))


# --------------------------------------------------------------------------- file hashes


def read_hashes(root: Path) -> dict:
    """The recorded file hashes of a store (``{}`` if absent or unreadable)."""
    try:
        data = json.loads((Path(root) / HASHES_FILE).read_text(encoding="utf-8"))
        entries = data["fichiers"] if data.get("format") == FORMAT else {}
        return dict(entries) if isinstance(entries, dict) else {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _write_hashes(root: Path, entries: dict) -> None:
    # unrecorded hashes only cost the next run a read
    with contextlib.suppress(Exception):
        write_text(Path(root) / HASHES_FILE, json.dumps({"format": FORMAT, "fichiers": entries},
                                                        indent=0, sort_keys=True))


def verify(root: str | Path) -> dict:
    """Every recorded file hashed again and every stored state's checksum read: wrong
    hashes and files gone are dropped from the record, unreadable generations removed."""
    root = Path(root)
    recorded = read_hashes(root)
    kept, wrong = {}, 0
    for path, entry in recorded.items():
        hashes.forget([path])
        try:
            digest = hashes.file_sha256(path)
        except OSError:
            continue
        if not isinstance(entry, list) or entry[-1:] != [digest]:
            wrong += 1
        kept.update(hashes.known_hashes([path]))
    if kept != recorded:
        _write_hashes(root, kept)
    bad = states = 0
    for path in sorted(root.glob("*/g*" + SUFFIX)):
        try:
            g = packed.Generation(path)
            for e in g.entries.values():
                states += 1
                e.raw()
        except packed.Unreadable:
            bad += 1
            path.unlink(missing_ok=True)
    return {"fichiers": len(recorded), "empreintes_fausses": wrong,
            "fichiers_absents": len(recorded) - len(kept) - wrong, "etats": states,
            "generations_illisibles": bad}


# --------------------------------------------------------------------------- inspection


def _plan_folders(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).iterdir() if p.is_dir())


def listing(root: str | Path) -> list[dict]:
    """One entry per stored plan: table, version, indicators, files with stored states,
    generations, bytes, last use."""
    out = []
    for folder in _plan_folders(root):
        try:
            desc = json.loads((folder / PLAN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            desc = {}
        gens, files = [], set()
        for p in sorted(folder.glob("g*" + SUFFIX)):
            try:
                st = p.stat()
                files.update(k for k in packed.Generation(p).entries
                             if k.startswith(("f:", "h:")))
            except (OSError, packed.Unreadable):
                continue
            gens.append(st)
        out.append({"cle": folder.name, "table": desc.get("table"),
                    "contenu": desc.get("contenu", "etats"),
                    "version": desc.get("version"), "fuseau": desc.get("fuseau"),
                    "indicateurs": len(desc.get("indicateurs") or ()), "etats": len(files),
                    "generations": len(gens), "octets": sum(s.st_size for s in gens),
                    "dernier_usage": time.strftime("%Y-%m-%d %H:%M", time.gmtime(
                        max(s.st_mtime for s in gens))) if gens else None})
    return out


def prune(root: str | Path, keep_days: float) -> tuple[int, int]:
    """Remove generations unused for more than ``keep_days`` days (and plans left empty; the
    recorded hashes with the last plan): (files removed, bytes freed)."""
    limit = time.time() - keep_days * 86400
    removed = freed = 0
    root = Path(root)
    for folder in _plan_folders(root):
        for p in folder.iterdir():
            if p.name == PLAN_FILE or p.name.endswith(".cogind-tmp"):
                continue
            try:
                st = p.stat()
                if st.st_mtime < limit:
                    p.unlink()
                    removed, freed = removed + 1, freed + st.st_size
            except OSError:
                continue
        if all(p.name == PLAN_FILE or p.name.endswith(".cogind-tmp") for p in folder.iterdir()):
            for p in folder.iterdir():
                p.unlink(missing_ok=True)
            try:
                folder.rmdir()
            except OSError:
                pass
    if not _plan_folders(root):
        (root / HASHES_FILE).unlink(missing_ok=True)
    return removed, freed


__all__ = ["StateStore", "encode", "listing", "prune", "read_hashes", "verify"]
