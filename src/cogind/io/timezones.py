"""Calendar days and months in a declared civil time zone, and dates out of range.

A timestamp with a time zone (``timestamp[ms, tz=UTC]``, ``tz=Europe/Paris``…) is an instant:
its calendar day depends on where it is read. Each batch's time-zone-aware columns are turned
into the wall-clock time of the declared zone (``pyarrow.compute.local_timestamp``) before the
kernels see them, so the engine's day and month conversions, the separate loops and the
generated loop alike, read local civil time. Timestamps without a zone are already read as
local civil time and are left as they are, so are dates.

``timezone="caisse"`` (:data:`BY_CAISSE`) reads each row in its caisse's own zone: the
overseas caisses (:data:`OVERSEAS_ZONES`, by the caisse number ORG_CAI_NUM of IR_CAI_V, the
last three characters of ORG_CLE_NUM: 01C971 is the CGSS of Guadeloupe, 91C974 a SLM of La
Réunion) in theirs, every other row, and a row with no caisse or a code not of that form, in
:data:`DEFAULT_TIMEZONE`. The caisse column is read along for that and dropped.

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
BY_CAISSE = "caisse"
CAISSE_COLUMN = "ORG_CLE_NUM"
OVERSEAS_ZONES = {"971": "America/Guadeloupe", "972": "America/Martinique",
                  "973": "America/Cayenne", "974": "Indian/Reunion", "976": "Indian/Mayotte"}
"""Caisse number (DPT_COD of the shipped referential, ORG_CAI_NUM of IR_CAI_V) → civil zone."""
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
"""Dates outside these bounds are read as missing (counted by the kernels' reasons)."""


def check_timezone(name: str | None) -> str:
    """``name`` if it is an IANA time zone (``Europe/Paris``, ``UTC``…) or ``caisse`` (each
    caisse's own zone), else a ConfigError."""
    name = name or DEFAULT_TIMEZONE
    if name == BY_CAISSE:
        return name
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown time zone '{name}' (an IANA name such as Europe/Paris, "
                          "America/Martinique, UTC, or 'caisse')") from None
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


def read_columns(columns: list[str], zoned: tuple[str, ...], timezone: str,
                 schema: pa.Schema) -> list[str]:
    """``columns`` plus the caisse column when zoned columns are read by caisse zone."""
    if (timezone != BY_CAISSE or CAISSE_COLUMN in columns or not set(zoned) & set(columns)
            or schema.get_field_index(CAISSE_COLUMN) < 0):
        return columns
    return [*columns, CAISSE_COLUMN]


def local_batch(batch: pa.RecordBatch, zoned: tuple[str, ...], timezone: str,
                keep: int | None = None) -> pa.RecordBatch:
    """``batch`` with its dates in range and its ``zoned`` columns as wall-clock time in
    ``timezone`` (other columns untouched, no copy); only its first ``keep`` columns."""
    columns, changed = list(batch.columns), False
    zones = None
    for i, f in enumerate(batch.schema):
        arr = _in_range(columns[i])
        if f.name in zoned and _is_zoned(arr.type):
            if timezone == BY_CAISSE:
                zones = _caisse_zones(batch) if zones is None else zones
                arr = _by_zone(arr, zones)
            else:
                arr = pc.local_timestamp(pc.cast(arr, pa.timestamp(arr.type.unit, timezone)))
        if arr is not columns[i]:
            columns[i], changed = arr, True
    if keep is not None and keep < len(columns):
        columns, changed = columns[:keep], True
    if not changed:
        return batch
    schema = pa.schema([f.with_type(c.type) for f, c in zip(batch.schema, columns)],
                       metadata=batch.schema.metadata)
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _caisse_zones(batch: pa.RecordBatch) -> dict[str, pa.Array]:
    """Overseas zone → mask of the batch's rows whose caisse is in it (none: no caisse
    column, or no such row)."""
    i = batch.schema.get_field_index(CAISSE_COLUMN)
    if i < 0:
        return {}
    col = batch.column(i)
    if pa.types.is_dictionary(col.type):  # the few distinct codes, then their rows
        entries = _caisse_zones(pa.record_batch([col.dictionary], names=[CAISSE_COLUMN]))
        return {z: pc.fill_null(pc.take(m, col.indices), False) for z, m in entries.items()}
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        return {}
    well_formed = pc.equal(pc.utf8_length(col), 6)
    number = pc.utf8_slice_codeunits(col, 3, 6)
    out = {}
    for code, zone in OVERSEAS_ZONES.items():
        mask = pc.fill_null(pc.and_(well_formed, pc.equal(number, code)), False)
        if pc.any(mask).as_py():
            out[zone] = mask
    return out


def _by_zone(arr: pa.Array, zones: dict[str, pa.Array]) -> pa.Array:
    """Wall-clock time of each instant in its row's zone (DEFAULT_TIMEZONE elsewhere)."""
    def local(zone: str) -> pa.Array:
        return pc.local_timestamp(pc.cast(arr, pa.timestamp(arr.type.unit, zone)))

    out = local(DEFAULT_TIMEZONE)
    for zone, mask in zones.items():
        out = pc.if_else(mask, local(zone), out)
    return out


def local_ends(ends, timezone: str):
    """The (min, max) scalars of a period column as :func:`local_batch` reads them (by caisse:
    the widest over the zones a caisse may have)."""
    zones = ([DEFAULT_TIMEZONE, *OVERSEAS_ZONES.values()] if timezone == BY_CAISSE
             else [timezone])
    values = pa.array([e.value for e in ends], ends[0].type)
    local = [local_batch(pa.record_batch([values], names=["x"]), ("x",), z).column(0)
             for z in zones]
    mm = pc.min_max(pa.concat_arrays(local))
    return mm["min"], mm["max"]


__all__ = ["BY_CAISSE", "CAISSE_COLUMN", "DEFAULT_TIMEZONE", "FIRST_DAY", "LAST_DAY",
           "OVERSEAS_ZONES", "check_timezone", "local_batch", "local_ends", "local_schema",
           "read_columns", "zoned_columns"]
