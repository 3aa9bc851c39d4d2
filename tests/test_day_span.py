"""The month range of a table known before its pass (states sized once), and only when exact."""
import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from cogind.engine.spans import day_span
from cogind.io.readers import open_inputs
from cogind.plugins import build_registry

REGISTRY = build_registry()
D = dt.date.fromisoformat
DAY = lambda s: (D(s) - dt.date(1970, 1, 1)).days


def _input(source):
    return open_inputs({"ij": source}, REGISTRY.tables, wanted=["ij"])["ij"]


def test_in_memory_dates_and_timestamps():
    table = pa.table({"IJ_PAI_DTD": [D("2024-03-05"), None, D("2023-12-31")],
                      "T": pa.array([dt.datetime(1969, 12, 31, 23), None,
                                     dt.datetime(2024, 1, 1, 1)], pa.timestamp("ms"))})
    tin = _input(table)
    assert day_span(tin, "IJ_PAI_DTD") == (DAY("2023-12-31"), DAY("2024-03-05"))
    assert day_span(tin, "T") == (-1, DAY("2024-01-01"))  # floor, before 1970 too


def test_parquet_statistics(tmp_path):
    table = pa.table({"IJ_PAI_DTD": [D("2024-03-05"), D("2021-01-09"), None, D("2022-06-30")]})
    pq.write_table(table, tmp_path / "ij.parquet", row_group_size=2)
    assert day_span(_input(str(tmp_path / "ij.parquet")), "IJ_PAI_DTD") == (
        DAY("2021-01-09"), DAY("2024-03-05"))
    pq.write_table(table, tmp_path / "nostats.parquet", write_statistics=False)
    assert day_span(_input(str(tmp_path / "nostats.parquet")), "IJ_PAI_DTD") is None


def test_unknown_when_all_null_or_streamed():
    nulls = pa.table({"IJ_PAI_DTD": pa.array([None, None], pa.date32())})
    assert day_span(_input(nulls), "IJ_PAI_DTD") is None
    reader = pa.RecordBatchReader.from_batches(nulls.schema, nulls.to_batches())
    assert day_span(_input(reader), "IJ_PAI_DTD") is None
