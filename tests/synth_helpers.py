"""Generated tables for tests: read back as plain NumPy columns (tests/test_synth.py), or
written with plain-string codes as a CSV or an extract would hold them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

NULL = -(2**31)  # stands for a null date / integer once read back


def read(path: Path) -> pa.Table:
    """A generated Parquet file or Arrow IPC file."""
    if path.suffix == ".arrow":
        with pa.ipc.open_file(path) as f:
            return f.read_all()
    return pq.read_table(path)


def column(table: pa.Table, name: str) -> np.ndarray:
    """Dates as int days, datetimes as int seconds, codes as str; nulls as NULL or None."""
    col = table[name]
    t = col.type
    if pa.types.is_dictionary(t) or pa.types.is_string(t):
        return np.array(col.to_pylist(), dtype=object)
    if pa.types.is_date32(t):
        col = col.cast(pa.int32())
    elif pa.types.is_timestamp(t):
        col = col.cast(pa.timestamp("s")).cast(pa.int64())
    if pa.types.is_floating(t):
        return col.to_numpy()
    return pc.fill_null(col.cast(pa.int64()), NULL).to_numpy()


def columns(path: Path) -> dict[str, np.ndarray]:
    """Every column of a generated file."""
    table = read(path)
    return {name: column(table, name) for name in table.column_names}


def year(days: np.ndarray) -> np.ndarray:
    """Calendar year of int day counts."""
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970


def cents(x: np.ndarray) -> np.ndarray:
    """Euros to integer cents."""
    return np.round(x * 100).astype(np.int64)


def plain_codes(table: pa.Table) -> pa.Table:
    """Dictionary columns as their values: a CSV has no dictionary (a Parquet one may list
    caisses without rows, which get rows of their own)."""
    return table.cast(pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type)
                                 else f for f in table.schema]))


def generated_plain(root: Path, table: str, rows: int) -> pa.Table:
    """One generated table of 2023 (``rows`` rows), its codes plain strings, written back as
    ``root/<table>.parquet``."""
    import cogind

    cogind.generate(root, years=(2023, 2023), rows={table: rows}, tables=(table,))
    t = plain_codes(pq.read_table(root / f"{table}.parquet"))
    pq.write_table(t, root / f"{table}.parquet")
    return t
