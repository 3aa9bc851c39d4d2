"""Registration-time checks: every declared field (indicators, kernels, COGs, targets) has a
type and range the engine can compute with; a kernel's state must merge the way the engine
merges states, and its per-row ``step``, when it has one, must be importable by the generated
table loop. A wrong field is one :class:`FieldError` naming it; the registry names the plugin.

The engine combines threads, months (quarters, years) and caisses (the national level) with
``Kernel.merge`` (addition by default), so a custom merge must have the zero state as identity
and be associative and commutative.
"""
from __future__ import annotations

import importlib
import re
from typing import Callable

import numpy as np

from cogind.model import INPUT_KINDS, CogIndicator, Condition, Input, Kernel, Source, Target

SHAPE = (2, 3)
"""Caisse slots × months of the random states a merge is tried on (the engine's layout)."""


def step_path(step) -> tuple[str, str] | None:
    """(module, name) under which a kernel's ``step`` can be imported, or None."""
    py_func = getattr(step, "py_func", None)
    if py_func is None or not hasattr(step, "compile"):
        return None  # not a numba function
    module, name = py_func.__module__, py_func.__qualname__
    if "." in name or "<" in name:
        return None
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return (module, name) if found is step else None


def check_kernel(kernel: Kernel) -> None:
    """Raise ValueError unless ``kernel.step`` (when declared) can be imported by a generated
    loop, and ``kernel.merge`` has the zero state as identity, is associative and
    commutative."""
    if kernel.step is not None and step_path(kernel.step) is None:
        raise ValueError(f"kernel '{kernel.name}': step must be a numba function (@njit) "
                         "defined at the top level of an importable module")
    if kernel.merge is None:
        return
    rng = np.random.default_rng(20240101)
    a, b, c = (rng.integers(0, 50, (*SHAPE, kernel.width), dtype=np.int64) for _ in range(3))
    zero = np.zeros_like(a)
    merge = _safe_merge(kernel)
    if not (_same(merge(zero, a), a) and _same(merge(a, zero), a)):
        raise ValueError(f"kernel '{kernel.name}': merge(init, x) != x (init is the zero state)")
    if not _same(merge(merge(a, b), c), merge(a, merge(b, c))):
        raise ValueError(f"kernel '{kernel.name}': merge is not associative")
    if not _same(merge(a, b), merge(b, a)):
        raise ValueError(f"kernel '{kernel.name}': merge is not commutative")


def _safe_merge(kernel: Kernel) -> Callable:
    """``kernel.merge`` on copies, its failures turned into one-line ValueErrors."""

    def merge(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        try:
            return np.asarray(kernel.merge(x.copy(), y.copy()))
        except Exception as exc:  # the plugin's merge, whatever it raises
            raise ValueError(f"kernel '{kernel.name}': merge fails on int64 states of shape "
                             f"{(*SHAPE, kernel.width)}: {type(exc).__name__}: {_first_line(exc)}") from exc

    return merge


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    return x.shape == y.shape and x.dtype == np.int64 and bool(np.array_equal(x, y))


def _first_line(exc: Exception) -> str:
    lines = str(exc).splitlines()
    return lines[0] if lines else ""


# --------------------------------------------------------------------------- declaration fields


class FieldError(ValueError):
    """A declared field that cannot be computed, as ``field 'name': problem``; the registry
    adds the plugin and the indicator (or COG) in front."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"field '{name}': {problem}")
        self.field, self.problem = name, problem

    def within(self, prefix: str) -> FieldError:
        """The same error on a field of the field ``prefix`` (an evolution's ``of``)."""
        return type(self)(f"{prefix}.{self.field}", self.problem)


class MissingColumn(FieldError):
    """A field naming a column its table does not declare, in the words users know."""

    def __init__(self, name: str, problem: str) -> None:
        ValueError.__init__(self, f" needs column {problem} (field '{name}')")
        self.field, self.problem = name, problem


def shown(value) -> str:
    """A declared value as a message shows it: short, one line (never data, only declarations)."""
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def need_type(value, name: str, types, what: str):
    """``value`` unless it is not one of ``types`` (a bool is never an int here)."""
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise FieldError(name, f"must be {what}, not {shown(value)}")
    if not isinstance(value, types):
        raise FieldError(name, f"must be {what}, not {shown(value)}")
    return value


def need_text(value, name: str, empty: bool = False) -> str:
    need_type(value, name, str, "a string")
    if not empty and not value.strip():
        raise FieldError(name, "must not be empty")
    return value


def need_int(value, name: str, low: int | None = None, high: int | None = None) -> int:
    """A whole number within [low, high]; ``2.0`` is refused (the field is an int)."""
    need_type(value, name, (int, np.integer), "a whole number (int)")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{'' if low is None else low}..{'' if high is None else high}"
        raise FieldError(name, f"must be within {bounds}, not {value}")
    return int(value)


def need_real(value, name: str, positive: bool = False) -> float:
    """A finite number (int or float), > 0 when ``positive``."""
    need_type(value, name, (int, float, np.integer, np.floating), "a number")
    if not np.isfinite(value) or (positive and not value > 0):
        raise FieldError(name, f"must be a finite number{' > 0' if positive else ''}, "
                               f"not {shown(value)}")
    return float(value)


def need_choice(value, name: str, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise FieldError(name, f"must be one of {', '.join(map(str, choices))}, not {shown(value)}")
    return value


def need_callable(value, name: str):
    if not callable(value):
        raise FieldError(name, f"must be a function, not {shown(value)}")
    return value


VALUE_TYPES = {"string": (str,), "integer": (int, np.integer), "boolean": (bool, int),
               "number": (int, float, np.integer, np.floating)}
"""Python types a condition may compare a column of each Table Schema type with."""


def need_column(schema, column, name: str, types: tuple[str, ...] | None = None) -> str:
    """``column`` of ``schema`` (a :class:`~cogind.model.TableSchema`), of one of ``types``."""
    need_text(column, name)
    kind = schema.field_type(column)
    if kind is None:
        raise MissingColumn(name, f"'{column}' that table '{schema.name}' does not declare")
    if types is not None and kind not in types:
        raise FieldError(name, f"column '{column}' is {kind}, expected {' or '.join(types)}")
    return column


DATE_TYPES = ("date", "datetime")
CODE = re.compile(r"[A-Z][A-Z0-9_]*\Z")


def check_indicator(ind, tables) -> None:
    """Raise FieldError on the first field of indicator ``ind`` that cannot be computed, the
    measure excepted (its family checks itself); ``tables``: name → TableSchema."""
    if not isinstance(ind.code, str) or not CODE.match(ind.code):
        raise FieldError("code", f"must be upper snake case (A-Z, 0-9, _), not {shown(ind.code)}")
    need_text(ind.libelle, "libelle")
    need_text(ind.definition, "definition", empty=True)
    need_text(ind.table, "table")
    schema = tables.get(ind.table)
    if schema is None:
        raise FieldError("table", f"unknown table '{ind.table}' (known: "
                                  f"{', '.join(sorted(tables)) or 'none'})")
    if not callable(getattr(ind.measure, "kernel", None)):
        raise FieldError("measure", f"must be a measure family (cogind.Delay, cogind.Proportion, "
                                    f"…, cogind.KernelMeasure), not {shown(ind.measure)}")
    need_text(ind.unit, "unit")
    need_choice(ind.direction, "direction", ("hausse", "baisse"))
    need_column(schema, ind.period_column, "period_column", DATE_TYPES)
    need_column(schema, ind.caisse_column, "caisse_column", ("string",))
    need_type(ind.where, "where", tuple, "a tuple of Condition (cogind.where(...))")
    for k, cond in enumerate(ind.where):
        check_condition(cond, schema, f"where[{k}]")
    need_type(ind.source, "source", tuple, "a tuple of Source")
    for k, src in enumerate(ind.source):
        check_source(src, f"source[{k}]")
    need_text(ind.notes, "notes", empty=True)
    need_type(ind.secret, "secret", bool, "True or False")
    need_choice(ind.caisse_missing, "caisse_missing", ("exclure", "national"))


def check_condition(cond, schema, name: str) -> None:
    """A :class:`~cogind.model.Condition` on a column of ``schema``, values of its type."""
    need_type(cond, name, Condition, "a Condition")
    kind = schema.field_type(cond.column) if isinstance(cond.column, str) else None
    if kind is None:
        need_text(cond.column, f"{name}.column")
        raise MissingColumn(f"{name}.column", f"'{cond.column}' that table '{schema.name}' "
                                              "does not declare")
    need_type(cond.values, f"{name}.values", tuple, "a tuple of values")
    if not cond.values:
        raise FieldError(f"{name}.values", "must name at least one value")
    types = VALUE_TYPES.get(kind)
    for v in cond.values:
        if types is None or not isinstance(v, types) or (kind == "integer" and isinstance(v, bool)):
            raise FieldError(f"{name}.values", f"{shown(v)} cannot be a value of {kind} column "
                                               f"'{cond.column}'")
    need_type(cond.negate, f"{name}.negate", bool, "True or False")


def check_source(src, name: str) -> None:
    need_type(src, name, Source, "a Source")
    need_text(src.seed, f"{name}.seed")
    lines = src.lines
    if (not isinstance(lines, tuple) or len(lines) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in lines)
            or not 1 <= lines[0] <= lines[1]):
        raise FieldError(f"{name}.lines", f"must be (first, last) line numbers, first ≤ last, "
                                          f"not {shown(lines)}")
    need_text(src.quote, f"{name}.quote", empty=True)


def check_kernel_fields(kernel) -> None:
    """Raise FieldError unless ``kernel`` is a :class:`Kernel` the engine can run."""
    need_type(kernel, "kernel", Kernel, "a cogind.Kernel")
    need_text(kernel.name, "kernel.name")
    need_type(kernel.inputs, "kernel.inputs", tuple, "a tuple of Input")
    for k, inp in enumerate(kernel.inputs):
        need_type(inp, f"kernel.inputs[{k}]", Input, "an Input")
        need_text(inp.column, f"kernel.inputs[{k}].column")
        need_choice(inp.kind, f"kernel.inputs[{k}].kind", INPUT_KINDS)
        need_type(inp.values, f"kernel.inputs[{k}].values", tuple, "a tuple")
    need_type(kernel.reasons, "kernel.reasons", tuple, "a tuple of reason names")
    for k, reason in enumerate(kernel.reasons):
        need_text(reason, f"kernel.reasons[{k}]")
    need_int(kernel.width, "kernel.width", low=max(1, len(kernel.reasons)))
    need_callable(kernel.update, "kernel.update")
    for name in ("merge", "step"):
        if getattr(kernel, name) is not None:
            need_callable(getattr(kernel, name), f"kernel.{name}")
    need_type(kernel.sums, "kernel.sums", tuple, "a tuple of (count slot, sum slot)")
    for pair in kernel.sums:
        if (not isinstance(pair, tuple) or len(pair) != 2
                or not all(isinstance(x, int) and 0 <= x < kernel.width for x in pair)):
            raise FieldError("kernel.sums", f"{shown(pair)} is not a pair of slots within "
                                            f"0..{kernel.width - 1}")


TARGET_KINDS = ("niveau", "minimum", "maximum", "intervalle", "evolution", "a_determiner")


def check_target(target, name: str) -> None:
    """A :class:`~cogind.model.Target` whose numbers the engine can compare values with."""
    if target is None or isinstance(target, bool) or not isinstance(target, (Target, int, float)):
        raise FieldError(name, f"must be a cogind.Target (or a number), not {shown(target)}")
    if not isinstance(target, Target):
        need_real(target, name)
        return
    need_choice(target.kind, f"{name}.kind", TARGET_KINDS)
    need_text(target.label, f"{name}.label", empty=target.kind != "a_determiner")
    if target.kind == "intervalle":
        low, high = (need_real(target.low, f"{name}.low"), need_real(target.high, f"{name}.high"))
        if low > high:
            raise FieldError(f"{name}.low", f"{low:g} is above high {high:g}")
    elif target.kind != "a_determiner":
        need_real(target.value, f"{name}.value")
    if target.base_year is not None:
        need_int(target.base_year, f"{name}.base_year", 1900, 2200)


def check_cog(cog) -> None:
    """Raise FieldError on the first field of ``cog`` the engine cannot use (cross-references
    to indicators are the registry's)."""
    need_text(cog.code, "code")
    need_text(cog.libelle, "libelle")
    need_type(cog.years, "years", tuple, "a tuple of years")
    if not cog.years or any(isinstance(y, bool) or not isinstance(y, int) for y in cog.years) \
            or list(cog.years) != sorted(set(cog.years)):
        raise FieldError("years", f"must be increasing whole years, not {shown(cog.years)}")
    need_type(cog.indicators, "indicators", tuple, "a tuple of CogIndicator")
    seen = set()
    for k, entry in enumerate(cog.indicators):
        need_type(entry, f"indicators[{k}]", CogIndicator, "a CogIndicator")
        need_text(entry.code, f"indicators[{k}].code")
        if entry.code in seen:
            raise FieldError(f"indicators[{k}].code", f"'{entry.code}' appears twice")
        seen.add(entry.code)
        for name in ("numero", "libelle", "fiche"):
            need_text(getattr(entry, name), f"{entry.code}.{name}", empty=True)
        if not hasattr(entry.targets, "items"):
            raise FieldError(f"{entry.code}.targets", "must map years to targets")
        for year, target in entry.targets.items():
            need_int(year, f"{entry.code}.targets", 1900, 2200)
            check_target(target, f"{entry.code}.targets[{year}]")
    need_type(cog.service_de_base, "service_de_base", tuple, "a tuple of indicator codes")
    for k, code in enumerate(cog.service_de_base):
        need_text(code, f"service_de_base[{k}]")
