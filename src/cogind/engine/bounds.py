"""The schema's constraints the engine applies: amounts' plausible range, caisse codes' pattern;
and the proof (or the check) that no sum of cents overflows.

An amount beyond its column's ``minimum``/``maximum`` (euros, both included, within ±9e16 €
whose cents fit an int64; a column that declares none: ±1e12 €) is read as
:data:`cogind.kernels.OUTSIDE`, and its row is left out of the state, counted as
``montant_hors_bornes`` in its cell; no kernel sees it. A caisse code that fails the pattern of
its column gets no slot (:meth:`cogind.engine.core.Accumulator.slot_lookup`): its rows are
``caisse_inconnue``, counted in slot 0 as rows with no caisse are.

Overflow. Every amount a kernel sums is then within B cents (B = the larger of |minimum| and
|maximum|, in cents); a kernel adds each row's amount at most once to one cell, and every
figure (month, period, caisse, region, national) is a sum of cells. So a table of N rows gives
sums of at most N × B in absolute value: when N × B < 2**63 no sum can overflow (1e9 € =
1e11 cents: 92 233 720 rows). Beyond, the sums the kernel declares (``Kernel.sums``, amounts
≥ 0) are checked exactly: each cell holds at most n × B (n its count), and the total of all
cells, computed in Python integers, bounds every figure. A table that fails, or a kernel
reading amounts that declares no sums, is refused with one line (exit 1).
"""
from __future__ import annotations

import functools
import math
import re

import numpy as np

from cogind.errors import DataError
from cogind.kernels import EUROS_LIMIT, OUTSIDE
from cogind.kernels.rows import OUT_OF_BOUNDS

INT64_MAX = int(np.iinfo(np.int64).max)


def schema_constraints(tplan, spec) -> None:
    """Record on ``tplan`` the ranges of its amount columns and the pattern of its caisse
    columns, as the table schema ``spec`` declares them."""
    bounds, patterns = dict(tplan.bounds), dict(tplan.caisse_patterns)
    for sp in tplan.states:
        for inp in sp.kernel.inputs:
            c = _constraints(spec, inp.column)
            if inp.kind == "cents" and ("minimum" in c or "maximum" in c):
                low = max(float(c.get("minimum", -EUROS_LIMIT)), -EUROS_LIMIT)
                high = min(float(c.get("maximum", EUROS_LIMIT)), EUROS_LIMIT)
                bounds[inp.column] = (low, high)
        pattern = _constraints(spec, sp.group.caisse).get("pattern")
        if pattern:
            patterns[sp.group.caisse] = pattern
    tplan.bounds, tplan.caisse_patterns = tuple(bounds.items()), tuple(patterns.items())


def _constraints(spec, column: str) -> dict:
    return (spec.fields.get(column) or {}).get("constraints") or {}


@functools.lru_cache(maxsize=4096)
def is_caisse(pattern: str, code: str) -> bool:
    """Whether ``code`` matches the whole of the schema's ``pattern``."""
    return _compiled(pattern).fullmatch(code) is not None


@functools.lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def within_bounds(group: np.ndarray, arrays: list[np.ndarray], kernel,
                  flat: np.ndarray) -> np.ndarray:
    """``group`` without the rows whose amount is OUTSIDE its range, counted in their cell as
    ``montant_hors_bornes`` of the state (``flat``: its cells, kernel then engine slots)."""
    outside = None
    for inp, arr in zip(kernel.inputs, arrays):
        if inp.kind == "cents":
            bad = arr == OUTSIDE
            outside = bad if outside is None else outside | bad
    if outside is None or not outside.any():
        return group
    hit = outside & (group >= 0)
    np.add.at(flat[:, kernel.width + OUT_OF_BOUNDS], group[hit], 1)
    group = group.copy()
    group[hit] = -1
    return group


def bound_cents(tplan, kernel) -> int:
    """B: the largest |amount| in cents a row of ``kernel`` may add (0: it reads none)."""
    euros = [max(abs(lo), abs(hi)) for lo, hi in
             (tplan.bound(inp.column) for inp in kernel.inputs if inp.kind == "cents")]
    return math.ceil(max(euros) * 100) + 1 if euros else 0  # + 1: rounding to the cent


def exact_sum(values) -> int:
    """Σ ``values`` as a Python integer, never overflowing: for a signed integer array the high
    and the low 32 bits are summed apart in int64 (exact below 2**31 values), else one by one."""
    v = np.asarray(values).ravel()
    if v.dtype.kind != "i" or v.size >= 2 ** 31:
        return sum(int(x) for x in v)
    v = v.astype(np.int64, copy=False)
    return (int((v >> 32).sum(dtype=np.int64)) << 32) + int((v & 0xFFFFFFFF).sum(dtype=np.int64))


def check_sums(acc, table: str) -> None:
    """Refuse a pass whose sums of cents could have overflowed (see the module's proof)."""
    for i, sp in enumerate(acc.plan.states):
        b = bound_cents(acc.plan, sp.kernel)
        if b == 0 or acc.rows_read * b <= INT64_MAX:
            continue  # proven: N × B < 2**63
        codes = ", ".join(ind.code for ind in sp.indicators)
        limit = f"{acc.rows_read} rows of amounts up to {(b - 1) / 100:g} €"
        if not sp.kernel.sums:
            raise DataError(f"table '{table}': {limit} could overflow the sums of {codes} "
                            f"(kernel '{sp.kernel.name}' declares no sums to check): declare "
                            "a narrower range (minimum, maximum) in the table schema")
        st = acc.states[i]
        for n_col, sum_col in sp.kernel.sums:
            cell_max = int(st[..., n_col].max(initial=0)) * b
            total = exact_sum(st[..., sum_col])
            if cell_max > INT64_MAX or abs(total) > INT64_MAX:
                raise DataError(f"table '{table}': the sums of cents of {codes} exceed 64 "
                                f"bits ({limit}): amounts beyond a plausible range? declare "
                                "it (minimum, maximum) in the table schema")
