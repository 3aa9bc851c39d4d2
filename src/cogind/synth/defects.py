"""Realistic data defects put into clean blocks at a controlled rate (``defects=`` option)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from cogind.synth.tables import TableSpec

KINDS = ("null_date", "end_before_start", "negative_amount", "duplicate", "unknown_code",
         "null_caisse")


def applicable(spec: TableSpec) -> tuple[str, ...]:
    """Defect kinds that a table can carry (no amount column, no negative amount...)."""
    return tuple(k for k in KINDS if (k != "negative_amount" or spec.amounts)
                 and (k != "end_before_start" or spec.pairs))


def _pick(rng, mask: np.ndarray, choices: tuple) -> list[tuple[object, np.ndarray]]:
    """Split the selected rows among ``choices`` at random: [(choice, row indices)]."""
    rows = np.flatnonzero(mask)
    which = rng.integers(0, len(choices), len(rows))
    return [(c, rows[which == i]) for i, c in enumerate(choices)]


def _set_null(nulls: dict, n: int, col: str, rows: np.ndarray) -> None:
    mask = nulls.get(col)
    nulls[col] = mask.copy() if mask is not None else np.zeros(n, bool)
    nulls[col][rows] = True


def _end_before_start(rng, cols, nulls, pairs, mask) -> None:
    for (start, end), rows in _pick(rng, mask, pairs):
        timed = cols[start].dtype == np.int64  # datetimes are in seconds
        days = rng.integers(0, 30, len(rows))
        back = (1 + days) * (86400 if timed else 1)
        if timed:  # some ten minutes earlier, often the same day (fin_avant_debut, issue 21)
            back = np.where(days == 0, 600, back)
        cols[end] = cols[end].copy()
        cols[end][rows] = cols[start][rows] - back.astype(cols[end].dtype)
        if end in nulls:
            nulls[end] = nulls[end].copy()
            nulls[end][rows] = False


def _negative(rng, cols, nulls, amounts, mask) -> None:
    """One of the row's non-empty amounts made negative (empty by design ones are skipped)."""
    filled = np.stack([~nulls[a] if a in nulls else np.ones(len(mask), bool) for a in amounts])
    rows = np.flatnonzero(mask & filled.any(axis=0))
    # a random filled column per row: the first filled one after a random rotation
    shift = rng.integers(0, len(amounts), len(rows))
    order = (shift[:, None] + np.arange(len(amounts))[None, :]) % len(amounts)
    pick = order[np.arange(len(rows)), np.argmax(filled[order, rows[:, None]], axis=1)]
    for i, col in enumerate(amounts):
        sel = rows[pick == i]
        cols[col] = cols[col].copy()
        v = np.abs(cols[col][sel])
        cols[col][sel] = -np.where(v > 0, v, 1.0)


def _duplicate(cols, nulls, masks, dup) -> None:
    """Row i+1 becomes a copy of row i for every selected i (no chains)."""
    dup[-1] = False
    dup[1:] &= ~dup[:-1]
    index = np.arange(len(dup))
    index[1:][dup[:-1]] = index[:-1][dup[:-1]]
    for name, col in cols.items():
        cols[name] = col.take(pa.array(index)) if isinstance(col, pa.Array) else col[index]
    for name, mask in nulls.items():
        nulls[name] = mask[index]
    for kind, mask in masks.items():
        masks[kind] = mask[index]
    masks["duplicate"] = np.concatenate([[False], dup[:-1]])


def apply(rng: np.random.Generator, spec: TableSpec, cols: dict, nulls: dict,
          rate: float, dicts: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Put each applicable defect kind on about ``rate`` of the rows; returns counts per kind."""
    n = len(cols["ORG_CLE_NUM"])
    masks = {k: rng.random(n) < rate for k in applicable(spec)}
    if spec.pairs:
        _end_before_start(rng, cols, nulls, spec.pairs, masks["end_before_start"])
    for col, rows in _pick(rng, masks["null_date"], spec.dates):
        _set_null(nulls, n, col, rows)
    if spec.amounts:
        _negative(rng, cols, nulls, spec.amounts, masks["negative_amount"])
    code_col, code = spec.unknown
    cols[code_col] = cols[code_col].copy()
    # a string code is appended to its column's dictionary (see batches.dictionary)
    unknown = len(dicts[code_col]) if isinstance(code, str) else code
    cols[code_col][masks["unknown_code"]] = unknown
    _set_null(nulls, n, "ORG_CLE_NUM", np.flatnonzero(masks["null_caisse"]))
    _duplicate(cols, nulls, masks, masks["duplicate"])
    return {k: int(m.sum()) for k, m in masks.items()}
