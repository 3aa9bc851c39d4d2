"""Stored partial states: incremental runs over a folder of files (issue 20, docs/etats.md).

A table read from files is accumulated file by file; each file's accumulator (the mergeable
caisse × month states of :class:`~cogind.engine.core.Accumulator`) is stored under
``STORE/<plan key>/<sha256 of the file>.npz`` and merged with the others, so that the next run
reads only new or changed files. The plan key is the SHA-256 of everything that changes a
state: the table, its plan (kernels, scopes, indicators, as-of day, bounds, patterns), the
cogind and plugin versions, the time zone, the schema the files are read with and the CSV
dialect. Merging is exact (integer states), so results equal a full run's byte for byte. Any
doubt (an unreadable or inconsistent state, a rule that looks across files) means recompute.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import time
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds

from cogind.engine.core import Accumulator, TablePlan, month_span
from cogind.engine.dask import _ADDRESS, fingerprint
from cogind.io.fingerprint import file_sha256
from cogind.io.publish import StagedFile, write_text
from cogind.io.readers import TableInput

FORMAT = 1  # of the stored files; part of every plan key
PLAN_FILE = "plan.json"
SUFFIX = ".npz"
_META = ("month0", "n_months", "n_slots", "rows_read", "rows_not_yet_available")


class StateStore:
    """A folder of per-file partial states, shared by runs (writes are atomic renames)."""

    def __init__(self, path: str | Path, registry=None, timezone: str = "") -> None:
        self.root = Path(path)
        self.root.mkdir(parents=True, exist_ok=True)
        self.context = {"format": FORMAT, "fuseau": timezone,
                        "plugins": sorted([p.name, p.distribution, p.version]
                                          for p in (registry.plugins if registry else ())
                                          if not p.error)}

    # ------------------------------------------------------------------ keys
    def plan_key(self, table: TableInput, tplan: TablePlan) -> tuple[str, dict]:
        """(SHA-256 key, its description) of what a state of ``tplan`` on ``table`` depends on."""
        from cogind._version import __version__

        fields = {f.name: repr(getattr(tplan, f.name)) for f in dataclasses.fields(tplan)
                  if f.name not in ("states", "duplicates")}
        dialect = table.csv_dialect.describe() if table.csv_dialect is not None else None
        desc = {"table": table.name, "version": __version__, **self.context,
                "definitions": fingerprint(tplan), "plan": fields,
                "code": [_code_digest(sp.kernel) for sp in tplan.states],
                "indicateurs": [i.code for sp in tplan.states for i in sp.indicators],
                "schema": table.schema.to_string(show_schema_metadata=False),
                "colonnes_avec_fuseau": list(table.zoned), "csv": repr(dialect)}
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
        accs, reused, reasons = [], 0, {}
        for part in _file_inputs(table):
            path = folder / (_file_key(part) + SUFFIX)
            acc, why = load(path, tplan) if path.exists() else (None, "nouveau")
            if acc is not None:
                reused += 1
                _touch(path)
            else:
                reasons[why] = reasons.get(why, 0) + 1
                acc = run_pass(part, tplan, batch_size, threads, on_batch=on_batch)
                save(path, acc)
            accs.append(acc)
        total = _merged(tplan, accs, month_span(table, tplan))
        info = {"reutilises": reused, "recalcules": len(accs) - reused}
        if reasons:
            info["raison"] = ", ".join(f"{r}: {n}" for r, n in sorted(reasons.items()))
        return total, info


def _code_digest(kernel) -> str:
    """SHA-256 of the bytecode of a kernel's functions: a plugin registered in memory has no
    version, and a function's repr is only its name."""
    h = hashlib.sha256()
    for f in dataclasses.fields(kernel):
        fn = getattr(kernel, f.name)
        fn = getattr(fn, "py_func", fn)  # a numba dispatcher: its Python function
        code = getattr(fn, "__code__", None)
        if code is not None:
            cells = [_cell(c) for c in getattr(fn, "__closure__", None) or ()]
            consts = _ADDRESS.sub("", repr((code.co_consts, cells)))  # no object addresses
            h.update(f.name.encode() + code.co_code + consts.encode())
    return h.hexdigest()


def _cell(cell) -> str:
    try:
        return repr(cell.cell_contents)
    except ValueError:  # a cell not filled yet
        return ""


def _unsound(table: TableInput, tplan: TablePlan, engine: str) -> str | None:
    """Why per-file states cannot be used for this table (None: they can)."""
    if engine != "local":
        return f"moteur {engine}"
    if not isinstance(table._source, ds.FileSystemDataset) or not table._source.files:
        return "entrée hors fichiers"
    if tplan.duplicates is not None:  # ordinals over the whole table, across files
        return "doublons exclus entre fichiers"
    if any(sp.kernel.side for sp in tplan.states):  # not stored: distinct beneficiaries
        return "état non stocké (bénéficiaires distincts)"
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
                       csv_dialect=table.csv_dialect) for f in frags]


def _merged(tplan: TablePlan, accs: list[Accumulator], months) -> Accumulator:
    """The accumulators merged (caisse slots matched by code), over the table's whole month
    span when its statistics tell it, as one pass sizes its states."""
    total = Accumulator(tplan)
    spans = [(a.month0, a.month0 + a.n_months - 1) for a in accs if a.n_months]
    if months is not None or spans:  # sized once: merging file after file would regrow it
        lo, hi = zip(*(spans + ([months] if months is not None else [])))
        total._ensure(len({c for a in accs for c in a.slots}) + 1, min(lo), max(hi))
    for acc in accs:
        total.merge(acc)
    return total


# --------------------------------------------------------------------------- files


def save(path: Path, acc: Accumulator) -> None:
    """``acc`` written to ``path`` whole or not at all (npz: exact int64 arrays)."""
    meta = {k: int(getattr(acc, k)) for k in _META}
    meta["slots"] = sorted(acc.slots.items(), key=lambda kv: kv[1])
    meta["states"] = len(acc.states)
    meta["shapes"] = [list(st.shape) for st in acc.states]
    arrays = {}
    for i, st in enumerate(acc.states):  # the (slot, month) cells that are not all zeros
        flat = st.reshape(-1, st.shape[2])
        cells = np.flatnonzero(flat.any(axis=1))
        arrays[f"cells_{i}"], arrays[f"state_{i}"] = cells, flat[cells]
    arrays.update({f"undated_{i}": u for i, u in enumerate(acc.undated)})
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(json.dumps(meta)), **arrays)
    staged = StagedFile(path)
    try:
        staged.tmp.write_bytes(buf.getvalue())
        staged.commit()
    except OSError:
        pass  # a store that cannot be written only costs the next run a read
    finally:
        staged.abort()


def load(path: Path, tplan: TablePlan) -> tuple[Accumulator | None, str]:
    """(the stored accumulator, "") or (None, why it cannot be used)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            states = [_dense(meta["shapes"][i], z[f"cells_{i}"], z[f"state_{i}"])
                      for i in range(meta["states"])]
            undated = [np.array(z[f"undated_{i}"]) for i in range(meta["states"])]
    except Exception:  # noqa: BLE001 -- zip, zlib, JSON, shape: any doubt means recompute
        return None, "état illisible"
    if not _consistent(meta, states, undated, tplan):
        return None, "état incohérent"
    acc = Accumulator(tplan)
    acc.slots = {str(code): int(j) for code, j in meta["slots"]}
    acc.states, acc.undated = states, undated
    for k in _META:
        setattr(acc, k, int(meta[k]))
    return acc, ""


def _dense(shape, cells: np.ndarray, values: np.ndarray) -> np.ndarray:
    if cells.dtype != np.int64 or values.dtype != np.int64 or len(shape) != 3:
        raise ValueError("not a state")
    out = np.zeros((shape[0] * shape[1], shape[2]), np.int64)
    out[cells] = values  # an index or width beyond the shape raises: the state is unreadable
    return out.reshape(shape)


def _consistent(meta: dict, states, undated, tplan: TablePlan) -> bool:
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
    slots = [j for _, j in meta["slots"]]
    return sorted(slots) == list(range(1, len(slots) + 1))


def _touch(path: Path) -> None:
    """A state's modification time is its last use: what ``prune --keep-days`` reads."""
    try:
        os.utime(path)
    except OSError:
        pass


# --------------------------------------------------------------------------- inspection


def listing(root: str | Path) -> list[dict]:
    """One entry per stored plan: table, version, indicators, state files, bytes, last use."""
    out = []
    for folder in sorted(p for p in Path(root).iterdir() if p.is_dir()):
        try:
            desc = json.loads((folder / PLAN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            desc = {}
        files = [p for p in folder.glob("*" + SUFFIX)]
        stats = [p.stat() for p in files]
        out.append({"cle": folder.name, "table": desc.get("table"),
                    "version": desc.get("version"), "fuseau": desc.get("fuseau"),
                    "indicateurs": len(desc.get("indicateurs") or ()), "etats": len(files),
                    "octets": sum(s.st_size for s in stats),
                    "dernier_usage": time.strftime("%Y-%m-%d %H:%M", time.gmtime(
                        max(s.st_mtime for s in stats))) if stats else None})
    return out


def prune(root: str | Path, keep_days: float) -> tuple[int, int]:
    """Remove state files unused for more than ``keep_days`` days (and plans left empty):
    (files removed, bytes freed)."""
    limit = time.time() - keep_days * 86400
    removed = freed = 0
    for folder in (p for p in Path(root).iterdir() if p.is_dir()):
        for p in folder.glob("*" + SUFFIX):
            try:
                st = p.stat()
                if st.st_mtime < limit:
                    p.unlink()
                    removed, freed = removed + 1, freed + st.st_size
            except OSError:
                continue
        if not any(folder.glob("*" + SUFFIX)):
            for p in folder.iterdir():
                if p.name == PLAN_FILE or p.name.endswith(".cogind-tmp"):
                    p.unlink(missing_ok=True)
            try:
                folder.rmdir()
            except OSError:
                pass
    return removed, freed


__all__ = ["StateStore", "listing", "load", "prune", "save"]
