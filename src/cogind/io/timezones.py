"""Calendar days and months in a declared civil time zone, and dates out of range.

A timestamp with a time zone (``timestamp[ms, tz=UTC]``, ``tz=Europe/Paris``…) is an instant:
its calendar day depends on where it is read. Each batch's time-zone-aware columns are turned
into the wall-clock time of the declared zone (``pyarrow.compute.local_timestamp``) before the
kernels see them, so the engine's day and month conversions, the separate loops and the
generated loop alike, read local civil time. Timestamps without a zone are already read as
local civil time and are left as they are, so are dates.

Dates and timestamps outside :data:`FIRST_DAY` … :data:`LAST_DAY` (year 9999, year 1) are read
as missing: the kernels then count the row under their own reason for a missing date
(``date_periode_manquante``, ``debut_manquant``, ``fin_manquante``…), never a month of its own.
"""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pyarrow as pa
import pyarrow.compute as pc

from cogind.errors import ConfigError

DEFAULT_TIMEZONE = "Europe/Paris"
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
"""Dates outside these bounds are read as missing (counted by the kernels' reasons)."""


def check_timezone(name: str | None) -> str:
    """``name`` if it is an IANA time zone (``Europe/Paris``, ``UTC``…), else a ConfigError."""
    name = name or DEFAULT_TIMEZONE
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone '{name}' (an IANA name such as Europe/Paris, "
                          "America/Martinique, UTC)") from None
    return name


def _is_zoned(t: pa.DataType) -> bool:
    return pa.types.is_timestamp(t) and t.tz is not None


def zoned_columns(schema: pa.Schema) -> tuple[str, ...]:
    """Names of the time-zone-aware timestamp columns of ``schema``."""
    return tuple(f.name for f in schema if _is_zoned(f.type))


def local_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` with each time-zone-aware timestamp as the same unit without a zone."""
    return pa.schema([f.with_type(pa.timestamp(f.type.unit)) if _is_zoned(f.type) else f
                      for f in schema], metadata=schema.metadata)


def _bounds(t: pa.DataType) -> tuple[pa.Scalar, pa.Scalar]:
    if pa.types.is_timestamp(t):
        return (pa.scalar(dt.datetime.combine(FIRST_DAY, dt.time()), t),
                pa.scalar(dt.datetime.combine(LAST_DAY, dt.time(23, 59, 59)), t))
    return pa.scalar(FIRST_DAY, t), pa.scalar(LAST_DAY, t)


def _in_range(arr: pa.Array) -> pa.Array:
    """``arr`` with dates outside FIRST_DAY … LAST_DAY as null (one min/max when none is)."""
    t = arr.type
    if not (pa.types.is_date(t) or pa.types.is_timestamp(t)) or not len(arr):
        return arr
    mm = pc.min_max(arr)
    if not mm["min"].is_valid:
        return arr
    lo, hi = _bounds(pa.timestamp(t.unit) if pa.types.is_timestamp(t) else t)
    if pa.types.is_timestamp(t) and t.tz is not None:
        lo, hi = pa.scalar(lo.value, t), pa.scalar(hi.value, t)
    if pc.greater_equal(mm["min"], lo).as_py() and pc.less_equal(mm["max"], hi).as_py():
        return arr
    inside = pc.and_(pc.greater_equal(arr, lo), pc.less_equal(arr, hi))
    return pc.if_else(inside, arr, pa.scalar(None, t))


def local_batch(batch: pa.RecordBatch, zoned: tuple[str, ...], timezone: str) -> pa.RecordBatch:
    """``batch`` with its dates in range and its ``zoned`` columns as wall-clock time in
    ``timezone`` (other columns untouched, no copy)."""
    columns, changed = list(batch.columns), False
    for i, f in enumerate(batch.schema):
        arr = _in_range(columns[i])
        if f.name in zoned and _is_zoned(arr.type):
            arr = pc.local_timestamp(pc.cast(arr, pa.timestamp(arr.type.unit, timezone)))
        if arr is not columns[i]:
            columns[i], changed = arr, True
    if not changed:
        return batch
    schema = pa.schema([f.with_type(c.type) for f, c in zip(batch.schema, columns)],
                       metadata=batch.schema.metadata)
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def local_ends(ends, timezone: str):
    """The (min, max) scalars of a period column as :func:`local_batch` reads them."""
    arr = local_batch(pa.record_batch([pa.array([e.value for e in ends], ends[0].type)],
                                      names=["x"]), ("x",), timezone).column(0)
    mm = pc.min_max(arr)
    return mm["min"], mm["max"]


__all__ = ["DEFAULT_TIMEZONE", "FIRST_DAY", "LAST_DAY", "check_timezone", "local_batch",
           "local_ends", "local_schema", "zoned_columns"]
