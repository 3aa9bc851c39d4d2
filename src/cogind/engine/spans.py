"""The day span of a table's period column, known before the pass (to size states once)."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from cogind.engine.columns import column_to_int64
from cogind.io.readers import TableInput
from cogind.io.timezones import local_ends
from cogind.model import Input


def day_span(table: TableInput, column: str) -> tuple[int, int] | None:
    """(first, last) day of a date or timestamp column over the whole table, without a pass
    over its rows: one min/max of an in-memory table, the row-group statistics of Parquet
    files. None when they are not known (streams, CSV, missing statistics, all null)."""
    src, column = table._source, table.stored_name(column)
    if isinstance(src, pa.Table):
        mm = pc.min_max(src.column(column))
        ends = (mm["min"], mm["max"])
    elif isinstance(src, ds.FileSystemDataset) and isinstance(src.format, ds.ParquetFileFormat):
        ends = _parquet_span(src, column)
    else:
        return None
    if ends is None or not ends[0].is_valid:
        return None
    ends = local_ends(ends, table.timezone)  # as batches are read (cogind.io.timezones)
    if not ends[0].is_valid:
        return None
    # the scalars themselves, not as_py(): a nanosecond timestamp has no datetime
    return tuple(int(d) for d in _scalar_days(ends[0].type, list(ends)))


def _parquet_span(src: ds.FileSystemDataset, column: str):
    lo = hi = None
    for fragment in src.get_fragments():
        for rg in fragment.row_groups:
            try:
                stats = (rg.statistics or {}).get(column)
            except ValueError:  # nanosecond timestamps: pyarrow has no datetime for them
                return None
            if not stats or stats.get("min") is None:
                if rg.num_rows:
                    return None
                continue
            lo = stats["min"] if lo is None else min(lo, stats["min"])
            hi = stats["max"] if hi is None else max(hi, stats["max"])
    if lo is None:
        return None
    t = src.schema.field(column).type
    return pa.scalar(lo, t), pa.scalar(hi, t)


def _scalar_days(t: pa.DataType, values: list):
    return column_to_int64(pa.array(values, t), Input("span", "days"))
