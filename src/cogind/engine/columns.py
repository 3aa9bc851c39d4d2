"""Arrow columns to the int64 arrays kernels read (nulls as NULL), and row scopes."""
from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cogind.kernels import DEFAULT_EUROS, NULL, OUTSIDE
from cogind.kernels.groups import (cents_with_nulls, flags_with_nulls, in_lookup,
                                    rescaled_with_nulls, values_with_nulls)
from cogind.kernels.scope import day_bounds
from cogind.model import Condition, Input

_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _plain(arr):
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr


_FIXED = {pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32, pa.int64(): np.int64,
          pa.uint8(): np.uint8, pa.uint16(): np.uint16, pa.uint32(): np.uint32,
          pa.date32(): np.int32}


def buffer_values(arr: pa.Array, dtype=None) -> np.ndarray:
    """The values buffer of a fixed-width array as NumPy, without a copy: integers and date32
    by their type, others (timestamps, floats) as ``dtype``."""
    dtype = dtype or _FIXED[arr.type]
    buf = arr.buffers()[1]
    return np.frombuffer(buf, dtype=dtype, count=arr.offset + len(arr))[arr.offset:]


def _ints(arr: pa.Array) -> np.ndarray:
    """Integer-like Arrow array to int64 NumPy with nulls as NULL (one pass, no casts)."""
    if arr.type in _FIXED and arr.null_count:
        validity = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
        out = np.empty(len(arr), np.int64)
        values_with_nulls(buffer_values(arr), validity, arr.offset, out)
        return out
    return _ints_by_cast(arr)


def _ints_by_cast(arr: pa.Array) -> np.ndarray:
    """Integer-like Arrow array to int64 NumPy with nulls as NULL."""
    out = pc.cast(arr, pa.int64()) if arr.type != pa.int64() else arr
    if out.null_count:
        out = out.fill_null(NULL)
    return out.to_numpy(zero_copy_only=False)


def _rescaled(arr: pa.Array, mul: int, div: int) -> np.ndarray:
    """⌊value × mul / div⌋ of a timestamp or date64 array, nulls as NULL, in one pass."""
    out = np.empty(len(arr), np.int64)
    rescaled_with_nulls(buffer_values(arr, np.int64), validity_bytes(arr), arr.offset, mul, div, out)
    return out


def _seconds(arr: pa.Array) -> np.ndarray:
    t = arr.type
    if pa.types.is_timestamp(t):
        return _rescaled(arr, 1, _PER_SECOND[t.unit])
    return _scale_mul(_days(arr), 86400)


def _microseconds(arr: pa.Array) -> np.ndarray:
    t = arr.type
    if pa.types.is_timestamp(t):
        per = _PER_SECOND[t.unit]
        return _rescaled(arr, 1_000_000 // per, 1) if per <= 1_000_000 else _rescaled(arr, 1, 1000)
    return _scale_mul(_days(arr), 86_400_000_000)


def _days(arr: pa.Array) -> np.ndarray:
    t = arr.type
    if pa.types.is_date32(t):
        if not arr.null_count:  # kernels read int32 days as they are: no conversion pass
            return buffer_values(arr)
        return _ints(arr)
    if pa.types.is_date64(t):
        return _rescaled(arr, 1, 86_400_000)
    if pa.types.is_timestamp(t):
        return _rescaled(arr, 1, 86400 * _PER_SECOND[t.unit])
    raise TypeError(f"{t} is not a date")


def _scale_mul(raw: np.ndarray, mul: int) -> np.ndarray:
    out = raw * mul
    out[raw == NULL] = NULL
    return out


def _cents(arr: pa.Array, bounds: tuple[float, float] | None = None) -> np.ndarray:
    """Euros to int64 cents, NULL for a null, NaN or infinite value, OUTSIDE for an amount
    beyond ``bounds`` (euros, both included; default: ±DEFAULT_EUROS)."""
    low, high = bounds or (-DEFAULT_EUROS, DEFAULT_EUROS)
    t = arr.type
    if pa.types.is_integer(t):
        raw = _ints(arr)
        with np.errstate(over="ignore"):
            out = raw * 100
        out[raw == NULL] = NULL
        out[(raw != NULL) & ((raw < low) | (raw > high))] = OUTSIDE
        return out
    if t != pa.float64():
        arr = pc.cast(arr, pa.float64())
    out = np.empty(len(arr), np.int64)
    cents_with_nulls(buffer_values(arr, np.float64), validity_bytes(arr), arr.offset,
                     float(low), float(high), out)
    return out


def _value_set(values: tuple, t: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array(values)


def _flag(arr: pa.Array, values: tuple) -> np.ndarray:
    rule = condition_rule(arr, Condition("flag", values))
    if rule is not None and rule[0] == "narrow":  # codes read in place, one pass
        _, codes, validity, offset, ruled_out = rule
        out = np.empty(len(arr), np.int64)
        flags_with_nulls(codes, validity, offset, 1 - ruled_out, out)
        return out
    return _flag_by_lookup(arr, values)


def _flag_by_lookup(arr: pa.Array, values: tuple) -> np.ndarray:
    hit = pc.is_in(arr, value_set=_value_set(values, arr.type))
    out = np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), np.int64)
    if arr.null_count:
        out[np.asarray(arr.is_null().to_numpy(zero_copy_only=False))] = NULL
    return out


def column_to_int64(column, inp: Input, cache: dict | None = None,
                    bounds: tuple[float, float] | None = None) -> np.ndarray:
    """The integer array a kernel reads for ``inp``: int64 with nulls as NULL, or a zero-copy
    int32 view of a date column without nulls (computed once per batch via ``cache``);
    amounts (``cents``) beyond ``bounds`` euros as OUTSIDE."""
    key = (inp.column, inp.kind, inp.values, bounds)
    if cache is not None and key in cache:
        return cache[key]
    arr = _plain(column)
    if inp.kind == "days":
        out = _days(arr)
    elif inp.kind == "seconds":
        out = _seconds(arr)
    elif inp.kind == "microseconds":
        out = _microseconds(arr)
    elif inp.kind == "cents":
        out = _cents(arr, bounds)
    elif inp.kind == "flag":
        out = _flag(arr, inp.values)
    else:
        out = _ints(arr)
    if out.dtype not in (np.int32, np.int64) or not out.flags.c_contiguous:
        out = np.ascontiguousarray(out, dtype=np.int64)
    if cache is not None:
        cache[key] = out
    return out


def _in_values(view: np.ndarray, values: tuple) -> np.ndarray:
    """Whether each code is one of ``values``: a lookup table over their range, in one pass."""
    low, high = min(values), max(values)
    if high - low > 1 << 20:
        return np.isin(view, values)
    lut = np.zeros(high - low + 1, np.bool_)
    lut[np.asarray(values, np.int64) - low] = True
    out = np.empty(len(view), np.bool_)
    in_lookup(np.ascontiguousarray(view), lut, low, out)
    return out


def _condition(column, c: Condition) -> tuple[np.ndarray, np.ndarray | None]:
    """(rows where ``c`` holds, rows where the column is null or None)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):  # decide on the small dictionary, then index
        hit = pc.is_in(column.dictionary, value_set=_value_set(c.values, column.dictionary.type))
        on_dict = np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), bool)
        if c.negate:
            on_dict = ~on_dict
        codes, null = column.indices, None
        if codes.null_count:
            idx = _ints(codes)
            null = idx == NULL
            idx[null] = 0
        else:
            idx = codes.to_numpy(zero_copy_only=False)  # the indices buffer, no copy
        yes = on_dict[idx] if len(on_dict) else np.zeros(len(idx), bool)
        return (yes if null is None else yes & ~null), null
    if pa.types.is_integer(column.type) and all(isinstance(v, int) for v in c.values):
        view = column.to_numpy(zero_copy_only=False) if not column.null_count else _ints(column)
        yes = (view == c.values[0]) if len(c.values) == 1 else _in_values(view, c.values)
        if c.negate:
            yes = ~yes
        if not column.null_count:
            return yes, None
        null = view == NULL
        return yes & ~null, null
    hit = pc.is_in(column, value_set=_value_set(c.values, column.type))
    if c.negate:
        hit = pc.invert(hit)
    yes = np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), bool)
    if not column.null_count:
        return yes, None
    null = np.asarray(column.is_null().to_numpy(zero_copy_only=False), bool)
    return yes & ~null, null


def validity_bytes(arr: pa.Array) -> np.ndarray:
    """The validity bitmap of ``arr`` as bytes, empty when it has no null."""
    if not arr.null_count:
        return np.empty(0, np.uint8)
    return np.frombuffer(arr.buffers()[0], dtype=np.uint8)


_NARROW = {pa.int8(): np.uint8, pa.uint8(): np.uint8, pa.int16(): np.uint16,
           pa.uint16(): np.uint16}


def unsigned_codes(arr: pa.Array) -> np.ndarray:
    """The values of an 8- or 16-bit integer array as unsigned, in place: every bit pattern is
    an index into a table of 256 or 65 536 entries."""
    return buffer_values(arr).view(_NARROW[arr.type])


def code_values(t: pa.DataType) -> np.ndarray:
    """The value each unsigned pattern of an 8- or 16-bit type stands for."""
    patterns = np.arange(1 << (8 * np.dtype(_NARROW[t]).itemsize), dtype=np.int64)
    return patterns.astype(_NARROW[t]).view(_FIXED[t]).astype(np.int64)


@functools.lru_cache(maxsize=256)
def _narrow_table(type_name: str, values: tuple, negate: bool) -> np.ndarray:
    """1 for each 8/16-bit code a condition rules out (built once per type and condition)."""
    t = pa.type_for_alias(type_name)
    ruled = (np.isin(code_values(t), np.asarray(values, np.int64)) == negate).astype(np.uint8)
    ruled.setflags(write=False)
    return ruled


def condition_rule(column, c: Condition):
    """How to decide ``c`` row by row on the raw buffers (cogind.kernels.scope):
    ``("narrow", codes, validity, offset, ruled_out)`` for 8- and 16-bit codes or dictionary
    indices, ``("wide", codes, validity, offset, ruled_out, low, outside)`` for wider ones,
    None when the column is neither (decided by :func:`condition_masks`)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type) and column.indices.type in _FIXED:
        hit = pc.is_in(column.dictionary, value_set=_value_set(c.values, column.dictionary.type))
        hits = np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), np.bool_)
        ruled = (hits == c.negate).astype(np.uint8)  # entries past the dictionary: never read
        indices = column.indices
        if indices.type in _NARROW:
            table = np.ones(1 << (8 * np.dtype(_NARROW[indices.type]).itemsize), np.uint8)
            table[:len(ruled)] = ruled
            table.setflags(write=False)  # as _narrow_table's: one kernel signature, not two
            return "narrow", unsigned_codes(indices), validity_bytes(column), column.offset, table
        return ("wide", buffer_values(indices), validity_bytes(column), column.offset,
                ruled if len(ruled) else np.ones(1, np.uint8), 0, 1)
    if not (column.type in _FIXED and pa.types.is_integer(column.type) and c.values and all(
            isinstance(v, int) and not isinstance(v, bool) for v in c.values)):
        return None
    values = np.asarray(c.values, np.int64)
    if column.type in _NARROW:
        ruled = _narrow_table(str(column.type), tuple(c.values), c.negate)
        return "narrow", unsigned_codes(column), validity_bytes(column), column.offset, ruled
    low, high = int(values.min()), int(values.max())
    if high - low > 1 << 20:
        return None
    ruled = np.full(high - low + 1, 0 if c.negate else 1, np.uint8)
    ruled[values - low] = 1 if c.negate else 0
    return ("wide", buffer_values(column), validity_bytes(column), column.offset, ruled, low,
            0 if c.negate else 1)


def condition_masks(column, c: Condition) -> tuple[np.ndarray, np.ndarray]:
    """(rows where ``c`` holds, rows where the column is null; empty when none)."""
    yes, null = _condition(column, c)
    return yes, (np.empty(0, np.bool_) if null is None else null)


def period_days(column, name: str, cache: dict) -> tuple[np.ndarray, np.ndarray, int,
                                                          tuple[int, int] | None]:
    """(days since 1970, validity, offset, (first, last) day or None when all are null) of a
    period column: date32 read in place, other dates and timestamps converted once, through
    the batch's ``cache`` that the kernels' inputs share (nulls as NULL, empty validity)."""
    arr = _plain(column)
    if pa.types.is_date32(arr.type):
        mm = pc.min_max(arr.view(pa.int32()))
        span = (mm["min"].as_py(), mm["max"].as_py()) if mm["min"].is_valid else None
        return buffer_values(arr), validity_bytes(arr), arr.offset, span
    days = column_to_int64(arr, Input(name, "days"), cache)
    lo, hi, n = day_bounds(days)
    return days, np.empty(0, np.uint8), 0, (lo, hi) if n else None


def used_entries(indices: pa.Array, codes: list, slots: dict) -> np.ndarray | None:
    """Which dictionary entries a row of the batch names; None when every code already has a
    slot. A Parquet dictionary may hold codes no row has (a pandas categorical, an extract of
    a bigger file, rows left out by --as-of): they get no slot, so a caisse has result rows for
    a table only if one of its rows names it, as when the same rows are read from CSV."""
    if all(code is None or code in slots for code in codes):
        return None
    used = np.zeros(len(codes), np.bool_)
    present = pc.unique(indices).drop_null().to_numpy(zero_copy_only=False)
    present = present[(present >= 0) & (present < len(codes))]
    used[present] = True
    return used
