"""Registration-time checks of a kernel: its state must merge the way the engine merges states,
and its per-row ``step``, when it has one, must be importable by the generated table loop.

The engine combines threads, months (quarters, years) and caisses (the national level) with
``Kernel.merge`` (addition by default), so a custom merge must have the zero state as identity
and be associative and commutative.
"""
from __future__ import annotations

import importlib
from typing import Callable

import numpy as np

from cogind.model import Kernel

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
