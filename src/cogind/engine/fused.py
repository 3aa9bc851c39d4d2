"""One generated numba loop per table plan: every state of a table updated row by row.

The separate loops of :meth:`cogind.engine.core.Accumulator.update` (one per conversion, per scope
condition, per group and per kernel) write and re-read an intermediate array per step; on the
claims of the benchmark suite they cost 1.7 times a single loop that reads each row's raw
Arrow values once, decides its scope and group, and calls every kernel's ``step``. This module
writes that loop for a plan (Python source, from the kernels' ``step`` functions and the
readers of :mod:`cogind.kernels.rows`), stores it in a file named by the hash of its text and
of the modules it calls, and compiles it with ``cache=True``: numba compiles it once per plan
and per kind of column (8/16-bit codes, dates, timestamps, amounts), later runs load it.

A kernel with a *side state* (distinct beneficiaries, long episodes, ALD situations: no
fixed-width array, :attr:`cogind.model.Kernel.side`) is stepped in the loop like the others,
and the loop writes each row's group for it (``-1``: not counted); its side state then takes
the batch with those groups, as after the separate loops.

A plan is fused when every kernel declares a ``step`` (built-in and plugin kernels alike) and
the table is large enough for the first compilation (about 2 s) to pay off:
:data:`FUSED_MIN_ROWS` rows, or always / never with the environment variable ``COGIND_FUSED``
(``auto``, ``always``, ``never``). A table whose size is not known beforehand (a stream, CSV)
starts on the separate loops and switches once it has given that many rows: both paths give
the same states (tests/test_fused.py), so a pass may mix them.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba.core.errors import NumbaError

from cogind.checks import step_path
from cogind.engine.columns import (_PER_SECOND, _plain, buffer_values, column_to_int64,
                            condition_masks, condition_rule)
from cogind.errors import PluginError, compile_reason
from cogind.io.publish import write_text
from cogind.kernels import user_cache_dir
from cogind.kernels.groups import MONTH_TABLE
from cogind.kernels.rows import CELL, ENGINE_WIDTH, OUT_OF_BOUNDS, PLACE
from cogind.kernels.scope import rule_masks
from cogind.model import Condition, Input

FUSED_MIN_ROWS = 1_000_000
"""Below this many rows, the precompiled separate loops are faster than a first compilation."""

_ARITY = {"slot": 4, "narrow": 4, "wide": 6, "verdict": 1, "int": 3, "rescaled": 6,
          "cents": 5, "flag": 4, "array": 1}
_READ = {"slot": "read_slot", "narrow": "rule_narrow", "wide": "rule_wide", "int": "read_int",
         "rescaled": "read_rescaled", "cents": "read_cents", "flag": "read_flag"}


def mode() -> str:
    value = os.environ.get("COGIND_FUSED", "auto").strip().lower()
    return value if value in ("auto", "always", "never") else "auto"


# --------------------------------------------------------------------------- plan structure


@dataclass(frozen=True)
class _Group:
    caisse: int  # source index of the caisse slot
    conditions: tuple[int, ...]  # source indices of the scope verdicts
    period: int  # source index of the period day
    keep_no_caisse: bool
    states: tuple[tuple[int, tuple[int, ...]], ...]  # (state index, input source indices)


class FusedPlan:
    """The fused loop of one :class:`~cogind.engine.core.TablePlan`; :meth:`of` says whether one
    applies. ``sources``: what the loop reads, each decided per batch as one reader kind."""

    def __init__(self, tplan, steps: list[tuple[str, str]]) -> None:
        self.tplan = tplan
        self.steps = steps
        self.sources: list[tuple] = []
        index: dict[tuple, int] = {}

        def source(key: tuple) -> int:
            if key not in index:
                index[key] = len(self.sources)
                self.sources.append(key)
            return index[key]

        groups = tplan.groups
        self.group_of_state = [groups.index(sp.group) for sp in tplan.states]
        self.groups = []
        for gi, g in enumerate(groups):
            states = tuple(
                (i, tuple(source(("value", inp.column, inp.kind, inp.values))
                          for inp in sp.kernel.inputs))
                for i, sp in enumerate(tplan.states) if self.group_of_state[i] == gi)
            self.groups.append(_Group(
                source(("caisse", g.caisse)), tuple(source(("condition", c)) for c in g.where),
                source(("value", g.period, "days", ())), g.national_without_caisse, states))
        self.sided = [i for i, sp in enumerate(tplan.states) if sp.kernel.side is not None]
        self.periods = list(dict.fromkeys(g.period for g in groups))
        self.caisses = list(dict.fromkeys(g.caisse for g in groups))
        self.after_rows = 0  # rows an accumulator reads with the separate loops first
        self._functions: dict[tuple[str, ...], object] = {}
        self._lock = threading.Lock()

    @classmethod
    def of(cls, tplan, table=None, how: str | None = None) -> FusedPlan | None:
        """The fused loop for ``tplan`` when every kernel has an importable ``step`` and the
        mode (``how``, else ``COGIND_FUSED``) and the table's size call for it; else None."""
        m = how or mode()
        if m == "never" or not tplan.states:
            return None
        steps = [step_path(sp.kernel.step) if sp.kernel.step is not None else None
                 for sp in tplan.states]
        if any(s is None for s in steps):
            return None
        fused = cls(tplan, steps)
        if m == "auto":
            rows = None if table is None else _known_rows(table)
            if rows is not None and rows < FUSED_MIN_ROWS:
                return None
            if rows is None:  # a stream or CSV: the separate loops until it proves large
                fused.after_rows = FUSED_MIN_ROWS
        return fused

    # ------------------------------------------------------------------ one batch
    def update(self, acc, batch: pa.RecordBatch) -> None:
        """Update every state of ``acc`` from ``batch`` in one generated loop."""
        n = batch.num_rows
        caisses = {c: acc.slot_lookup(batch.column(c), c) for c in self.caisses}
        acc.fit([batch_day_span(batch.column(p)) for p in self.periods])
        cache: dict = {}
        found = [self._read(key, batch, caisses, cache) for key in self.sources]
        kinds = tuple(kind for kind, _ in found)
        function = self._function(kinds)
        cells = acc.n_slots * acc.n_months
        engine = [np.zeros((cells, ENGINE_WIDTH), np.int64) for _ in self.groups]
        outside = tuple(np.zeros(cells, np.int64) for _ in self.tplan.states)
        undated = [np.zeros(max(acc.n_slots, len(acc.slots) + 1), np.int64) for _ in self.groups]
        flats = [st.reshape(-1, st.shape[2]) for st in acc.states]
        views = [f[:, :sp.kernel.width] for f, sp in zip(flats, self.tplan.states)]
        rows = tuple(np.full(n, -1, np.int64) for _ in self.sided)  # group of each row
        try:
            function(n, MONTH_TABLE, acc.month0, acc.n_months, tuple(a for _, a in found),
                     tuple(views), tuple(engine), tuple(undated), outside, *(
                         (rows,) if rows else ()))
        except NumbaError as exc:  # a plugin's step that does not compile with its inputs
            names = ", ".join(sp.kernel.name for sp in self.tplan.states)
            raise PluginError(f"table '{self.tplan.table}': the kernels' steps ({names}) do "
                              f"not compile: {compile_reason(exc)}") from None
        for i, sp in enumerate(self.tplan.states):
            gi = self.group_of_state[i]
            flats[i][:, sp.kernel.width:] += engine[gi]  # ``doublon``: counted elsewhere
            flats[i][:, sp.kernel.width + OUT_OF_BOUNDS] += outside[i]
            acc._add_undated(i, undated[gi])
        for i, group in zip(self.sided, rows):  # after the kernel's step, as the separate loops
            acc.sides[i].update(batch, group, acc.month0, acc.n_months, views[i])

    def _read(self, key: tuple, batch, caisses, cache) -> tuple[str, tuple]:
        if key[0] == "caisse":
            codes, validity, offset, slot_of = caisses[key[1]]
            kind = "slot?" if len(validity) else "slot"
            return kind, (codes, _bitmap(validity, offset + len(codes)), offset, slot_of)
        if key[0] == "condition":
            return _condition_source(batch.column(key[1].column), key[1])
        _, column, kind, values = key
        arr = batch.column(column)
        kind, args = _value_source(arr, Input(column, kind, values), cache,
                                   self.tplan.bound(column) if kind == "cents" else None)
        return (kind + "?" if arr.null_count and kind != "array" else kind), args

    # ------------------------------------------------------------------ the loop
    def _function(self, kinds: tuple[str, ...]):
        with self._lock:
            if kinds not in self._functions:
                self._functions[kinds] = _load(self._source_text(kinds))
            return self._functions[kinds]

    def _source_text(self, kinds: tuple[str, ...]) -> str:
        head = ["import numpy as np", "from numba import njit",
                "from cogind.kernels.rows import (NULL, OUTSIDE, RULED_OUT, TABLE_FIRST_DAY,",
                "                                 cents_within, floor_div, place_rare,",
                "                                 read_cents, read_flag,",
                "                                 read_int, read_rescaled, read_slot, rule_narrow,",
                "                                 rule_wide, rule_wide_code)"]
        for k, (module, name) in enumerate(self.steps):
            head.append(f"from {module} import {name} as step_{k}")
        body = ["", "", "@njit(cache=True, nogil=True)",
                "def fused(n, table, month0, n_months, sources, states, engine, undated,",
                "          outside" + (", rows):" if self.sided else "):")]
        for j, kind in enumerate(kinds):
            parts = ", ".join(f"a{j}_{m}" for m in range(_ARITY[kind.rstrip("?")]))
            body.append(f"    {parts}, = sources[{j}]")
        for i in range(len(self.tplan.states)):
            body.append(f"    st{i} = states[{i}]")
            body.append(f"    out{i} = outside[{i}]")
        for k, i in enumerate(self.sided):
            body.append(f"    row{i} = rows[{k}]")
        for gi in range(len(self.groups)):
            body.append(f"    eng{gi} = engine[{gi}]")
            body.append(f"    und{gi} = undated[{gi}]")
        body.append("    top = table.shape[0] - 1")
        body.append("    for i in range(n):")
        hoisted = sorted({g.caisse for g in self.groups} | {g.period for g in self.groups})
        for j in hoisted:
            body.append(f"        x{j} = {_expression(j, kinds[j])}")
        for j in sorted({g.period for g in self.groups}):
            body.append(CELL.format(p=j, day=f"x{j}").rstrip("\n"))
        for gi, g in enumerate(self.groups):
            verdict = " | ".join(_expression(j, kinds[j]) for j in g.conditions) or "0"
            body.append(PLACE.format(verdict=verdict, slot=f"x{g.caisse}", day=f"x{g.period}",
                                     p=g.period, keep=g.keep_no_caisse, engine=f"eng{gi}",
                                     undated=f"und{gi}").rstrip("\n"))
            body.append("        if g >= 0:")
            inputs = sorted({j for _, ins in g.states for j in ins} - set(hoisted))
            for j in inputs:
                body.append(f"            x{j} = {_expression(j, kinds[j])}")
            for i, ins in g.states:
                args = "".join(f", x{j}" for j in ins)
                amounts = [j for j in ins if self.sources[j][2] == "cents"]
                indent = "            "
                if amounts:  # an amount beyond its range: the row is counted, not stepped
                    test = " | ".join(f"(x{j} == OUTSIDE)" for j in amounts)
                    body.append(f"            if {test}:")
                    body.append(f"                out{i}[g] += 1")
                    body.append("            else:")
                    indent += "    "
                body.append(f"{indent}step_{i}(st{i}, g{args})")
                if i in self.sided:  # the rows its side state takes
                    body.append(f"{indent}row{i}[i] = g")
        return "\n".join(head + body) + "\n"


_NO_NULL = {"int": "np.int64({0}_0[i])", "slot": "{0}_3[{0}_0[i]]",
            "narrow": "{0}_3[{0}_0[i]]", "wide": "rule_wide_code({0}_0[i], {0}_3, {0}_4, {0}_5)",
            "rescaled": "floor_div(np.int64({0}_0[i]) * {0}_3, {0}_4, {0}_5)",
            "cents": "cents_within({0}_0[i], {0}_3, {0}_4)", "flag": "np.int64({0}_3[{0}_0[i]])",
            "verdict": "np.int64({0}_0[i])", "array": "np.int64({0}_0[i])"}
"""How a source is read when its column has no null in the batch (kind without ``?``)."""


def _expression(j: int, kind: str) -> str:
    """The loop's expression for source ``j``; a kind ending in ``?`` has nulls."""
    if not kind.endswith("?"):
        return _NO_NULL[kind].format(f"a{j}")
    kind = kind[:-1]
    args = ", ".join(f"a{j}_{m}" for m in range(_ARITY[kind]))
    return f"{_READ[kind]}({args}, i)"


# --------------------------------------------------------------------------- sources per batch

_ONES: dict[int, np.ndarray] = {}


def _bitmap(validity: np.ndarray, bits: int) -> np.ndarray:
    """``validity``, or a bitmap of ones covering ``bits`` bits when the column has no null."""
    if len(validity):
        return validity
    size = max(1, (bits + 7) // 8)
    ones = _ONES.get(size)
    if ones is None:
        ones = np.full(size, 255, np.uint8)
        ones.setflags(write=False)
        _ONES[size] = ones
    return ones


def _validity(arr: pa.Array) -> np.ndarray:
    if not arr.null_count:
        return _bitmap(np.empty(0, np.uint8), arr.offset + len(arr))
    return np.frombuffer(arr.buffers()[0], dtype=np.uint8)


def _condition_source(column, c: Condition) -> tuple[str, tuple]:
    rule = condition_rule(column, c)
    if rule is None:  # bool values, uint64, wide code ranges: decided by pyarrow, then read
        verdict = np.zeros(len(column), np.uint8)
        rule_masks(*condition_masks(column, c), verdict)
        return "verdict", (verdict,)
    kind, codes, validity, offset = rule[:4]
    kind += "?" if len(validity) else ""
    return kind, (codes, _bitmap(validity, offset + len(codes)), offset) + tuple(rule[4:])


def _rescale(arr: pa.Array, mul: int, div: int) -> tuple[str, tuple]:
    return "rescaled", (buffer_values(arr, np.int64), _validity(arr), arr.offset, mul, div,
                        1.0 / div)


def _value_source(column, inp: Input, cache: dict,
                  bounds: tuple[float, float] | None = None) -> tuple[str, tuple]:
    """How the loop reads one kernel input (or period day) of a batch: the raw buffer with a
    reader for the common types, else the engine's converted int64 array (amounts beyond
    ``bounds`` euros as OUTSIDE either way)."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    t = arr.type
    ts = pa.types.is_timestamp(t)
    per = _PER_SECOND[t.unit] if ts else 0
    if inp.kind == "days" and pa.types.is_date32(t):
        return "int", (buffer_values(arr), _validity(arr), arr.offset)
    if inp.kind == "days" and (ts or pa.types.is_date64(t)):
        return _rescale(arr, 1, 86400 * per if ts else 86_400_000)
    if inp.kind == "microseconds" and ts:
        return _rescale(arr, 1_000_000 // per, 1) if per <= 1_000_000 else _rescale(arr, 1, 1000)
    if inp.kind == "seconds" and ts:
        return _rescale(arr, 1, per)
    if inp.kind == "cents" and t == pa.float64():
        return "cents", (buffer_values(arr, np.float64), _validity(arr), arr.offset,
                         float(bounds[0]), float(bounds[1]))
    if inp.kind == "int" and pa.types.is_integer(t) and t not in (pa.uint64(),):
        return "int", (buffer_values(arr), _validity(arr), arr.offset)
    if inp.kind == "flag":
        rule = condition_rule(arr, Condition(inp.column, inp.values))
        if rule is not None and rule[0] == "narrow":
            _, codes, validity, offset, ruled_out = rule
            return "flag", (codes, _bitmap(validity, offset + len(codes)), offset,
                            1 - ruled_out)
    return "array", (column_to_int64(arr, inp, cache, bounds),)


def batch_day_span(column) -> tuple[int, int] | None:
    """(first, last) day of a period column in a batch, from its min/max (every conversion to
    days is monotonic), None when all are null."""
    arr = _plain(column)
    t = arr.type
    if pa.types.is_date32(t) or pa.types.is_date64(t) or pa.types.is_timestamp(t):
        mm = pc.min_max(arr)
        if not mm["min"].is_valid:
            return None
        ends = pa.array([mm["min"], mm["max"]], t)  # not as_py(): ns timestamps have no datetime
        lo, hi = column_to_int64(ends, Input("span", "days"))
        return int(lo), int(hi)
    days = column_to_int64(arr, Input("span", "days"))
    days = days[days != np.iinfo(np.int64).min]
    return (int(days.min()), int(days.max())) if len(days) else None


def _known_rows(table) -> int | None:
    """Rows of an input table when known without reading it (in memory, Parquet footers)."""
    if table.num_rows is not None:
        return table.num_rows
    src = table._source
    if isinstance(src, pa.Table):
        return src.num_rows
    try:
        import pyarrow.dataset as ds
        if isinstance(src, ds.FileSystemDataset) and isinstance(src.format,
                                                                ds.ParquetFileFormat):
            return src.count_rows()  # from the footers
    except (pa.ArrowInvalid, OSError):
        return None
    return None if table.mapped is None else _ipc_rows(table.mapped)


def _ipc_rows(path: str) -> int | None:
    try:
        with pa.memory_map(path, "r") as source:
            reader = pa.ipc.open_file(source)
            return sum(reader.get_record_batch(i).num_rows
                       for i in range(reader.num_record_batches))
    except (pa.ArrowInvalid, OSError):
        return None


# --------------------------------------------------------------------------- generated module


def cache_dir() -> Path:
    """Where generated loops are written: ``fused`` in cogind's user cache
    (``COGIND_CACHE_DIR``, else ``~/.cache/cogind``; :func:`cogind.kernels.user_cache_dir`)."""
    return user_cache_dir("fused")


_MODULE_HASHES: dict[str, str] = {}


def _module_hash(module: str) -> str:
    """Hash of a module's source: a generated loop is renamed, so recompiled, when a kernel it
    calls changes (numba's cache checks only the caller's own file)."""
    if module not in _MODULE_HASHES:
        try:
            text = inspect.getsource(importlib.import_module(module))
        except (OSError, TypeError, ImportError):
            text = module
        _MODULE_HASHES[module] = hashlib.sha256(text.encode()).hexdigest()
    return _MODULE_HASHES[module]


def _load(text: str):
    """The ``fused`` function of ``text``, written once under a content-addressed name."""
    import re
    modules = sorted(set(re.findall(r"^from (\S+) import", text, re.M)) - {"numba"})
    digest = hashlib.sha256("\n".join([text] + [_module_hash(m) for m in modules]).encode())
    name = f"cogind_fused_{digest.hexdigest()[:24]}"
    path = cache_dir() / f"{name}.py"
    if not path.exists():  # written whole, then renamed: readers never see a partial file
        write_text(path, text)
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name].fused


__all__ = ["FusedPlan", "FUSED_MIN_ROWS", "batch_day_span", "cache_dir", "mode"]
