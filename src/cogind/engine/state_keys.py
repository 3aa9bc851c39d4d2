"""What a stored state's key takes from the code that made it (:mod:`cogind.engine.states`):
the bytecode of a kernel's functions, and for a side state the source of its modules."""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import sys

from cogind.engine.dask import _ADDRESS


def code_digest(kernel) -> str:
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
    if kernel.side is not None:
        h.update(_side_digest(kernel.side).encode())
    return h.hexdigest()


READING = ("cogind.io.readers", "cogind.io.csv_fr", "cogind.io.names", "cogind.io.padding",
           "cogind.io.timezones", "cogind.io.files")
"""The modules that turn a file's bytes into batches: a state depends on them too (a column
read under another name, blanks removed from codes, a date form learnt)."""


def reading_digest() -> str:
    """SHA-256 of the source of the :data:`READING` modules: a store made by a cogind that read
    the same bytes otherwise is recomputed, never reused."""
    h = hashlib.sha256()
    for name in READING:
        h.update(name.encode() + _source_digest(name).encode())
    return h.hexdigest()


def _side_digest(factory) -> str:
    """What a side state depends on beyond the plan: its factory's fields, and the source of
    the modules that define it and its state class and of the cogind modules they use (a
    stored side state is never read by other code)."""
    h = hashlib.sha256(_ADDRESS.sub("", repr(factory)).encode())
    names = {c.__module__ for c in (type(factory), *type(factory()).__mro__)} - {"builtins"}
    for name in sorted(names):
        module = sys.modules.get(name)
        for used in sorted(_cogind_modules(module) | {name}):
            h.update(used.encode() + _source_digest(used).encode())
    return h.hexdigest()


def _cogind_modules(module) -> set[str]:
    out = set()
    for value in vars(module).values() if module is not None else ():
        name = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", None)
        if isinstance(name, str) and name.startswith("cogind."):
            out.add(name)
    return out


@functools.cache
def _source_digest(name: str) -> str:
    try:
        text = inspect.getsource(sys.modules[name])
    except (KeyError, OSError, TypeError):
        text = name
    return hashlib.sha256(text.encode()).hexdigest()


def _cell(cell) -> str:
    try:
        return repr(cell.cell_contents)
    except ValueError:  # a cell not filled yet
        return ""


__all__ = ["code_digest", "reading_digest"]
