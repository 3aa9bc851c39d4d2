"""Arrow columns to the int64 arrays kernels read (nulls as NULL), and row scopes."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cogind.kernels import NULL
from cogind.kernels.groups import in_lookup, values_with_nulls
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


def _buffer_values(arr: pa.Array) -> np.ndarray:
    """The values buffer of a fixed-width integer (or date32) array, without a copy."""
    dtype = _FIXED[arr.type]
    buf = arr.buffers()[1]
    return np.frombuffer(buf, dtype=dtype, count=arr.offset + len(arr))[arr.offset:]


def _ints(arr: pa.Array) -> np.ndarray:
    """Integer-like Arrow array to int64 NumPy with nulls as NULL (one pass, no casts)."""
    if arr.type in _FIXED and arr.null_count:
        validity = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
        out = np.empty(len(arr), np.int64)
        values_with_nulls(_buffer_values(arr), validity, arr.offset, out)
        return out
    return _ints_by_cast(arr)


def _ints_by_cast(arr: pa.Array) -> np.ndarray:
    """Integer-like Arrow array to int64 NumPy with nulls as NULL."""
    out = pc.cast(arr, pa.int64()) if arr.type != pa.int64() else arr
    if out.null_count:
        out = out.fill_null(NULL)
    return out.to_numpy(zero_copy_only=False)


def _seconds(arr: pa.Array) -> np.ndarray:
    t = arr.type
    if pa.types.is_timestamp(t):
        return _scale_floor(_ints(pc.cast(arr, pa.int64())), _PER_SECOND[t.unit])
    return _scale_mul(_days(arr), 86400)


def _microseconds(arr: pa.Array) -> np.ndarray:
    t = arr.type
    if pa.types.is_timestamp(t):
        raw = _ints(pc.cast(arr, pa.int64()))
        return raw if t.unit == "us" else (
            _scale_mul(raw, 1_000_000 // _PER_SECOND[t.unit]) if t.unit in ("s", "ms")
            else _scale_floor(raw, 1000))
    return _scale_mul(_days(arr), 86_400_000_000)


def _int32_view(arr: pa.Array) -> np.ndarray:
    """The values buffer of a 32-bit array without nulls, as NumPy, without a copy."""
    buf = arr.buffers()[1]
    return np.frombuffer(buf, dtype=np.int32, count=arr.offset + len(arr))[arr.offset:]


def _days(arr: pa.Array) -> np.ndarray:
    t = arr.type
    if pa.types.is_date32(t):
        if not arr.null_count:  # kernels read int32 days as they are: no conversion pass
            return _int32_view(arr)
        return _ints(arr)
    if pa.types.is_date64(t):
        return _scale_floor(_ints(pc.cast(arr, pa.int64())), 86_400_000)
    if pa.types.is_timestamp(t):
        return _scale_floor(_ints(pc.cast(arr, pa.int64())), 86400 * _PER_SECOND[t.unit])
    raise TypeError(f"{t} is not a date")


def _scale_floor(raw: np.ndarray, div: int) -> np.ndarray:
    out = np.floor_divide(raw, div)
    out[raw == NULL] = NULL
    return out


def _scale_mul(raw: np.ndarray, mul: int) -> np.ndarray:
    out = raw * mul
    out[raw == NULL] = NULL
    return out


def _cents(arr: pa.Array) -> np.ndarray:
    t = arr.type
    if pa.types.is_integer(t):
        return _scale_mul(_ints(arr), 100)
    f = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    bad = ~np.isfinite(f)
    out = np.empty(len(f), np.int64)
    with np.errstate(invalid="ignore"):  # NaN (null) amounts are marked NULL just below
        np.rint(f * 100.0, out=out, casting="unsafe")
    out[bad] = NULL
    return out


def _value_set(values: tuple, t: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array(values)


def _flag(arr: pa.Array, values: tuple) -> np.ndarray:
    hit = pc.is_in(arr, value_set=_value_set(values, arr.type))
    out = np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), np.int64)
    if arr.null_count:
        out[np.asarray(arr.is_null().to_numpy(zero_copy_only=False))] = NULL
    return out


def column_to_int64(column, inp: Input, cache: dict | None = None) -> np.ndarray:
    """The integer array a kernel reads for ``inp``: int64 with nulls as NULL, or a zero-copy
    int32 view of a date column without nulls (computed once per batch via ``cache``)."""
    key = (inp.column, inp.kind, inp.values)
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
        out = _cents(arr)
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


def scope_mask(batch: pa.RecordBatch, conditions: tuple[Condition, ...], cache: dict | None = None):
    """(rows in scope, rows whose scope is undecided because of a null, or None)."""
    n = batch.num_rows
    scope = np.ones(n, bool)
    if not conditions:
        return scope, None
    ruled_out = np.zeros(n, bool)
    any_null = np.zeros(n, bool)
    for c in conditions:
        key = ("condition", c)
        if cache is not None and key in cache:
            yes, null = cache[key]
        else:
            yes, null = _condition(batch.column(c.column), c)
            if cache is not None:
                cache[key] = yes, null
        scope &= yes
        if null is None:
            ruled_out |= ~yes
        else:
            ruled_out |= ~yes & ~null
            any_null |= null
    return scope, any_null & ~ruled_out
