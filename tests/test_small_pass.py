"""A table known to be small is reduced by the calling thread, without a pool of threads
(issue 20 § 3, start-up): the same states, so the same results, as the threaded pass."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
import cogind.engine.core as core
from cogind.cli import cli

CODES = ["IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN", "IJ_MAL_SUB_DELAI_MOYEN"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("small")
    cogind.generate(out, years=(2023, 2023), rows={"ij": 3000}, tables=("ij",), defects=0.02)
    return out


@pytest.fixture
def pools(monkeypatch):
    """How many times the threaded pass ran."""
    calls = []
    threaded = core._accumulate_parallel

    def counted(*args, **kwargs):
        calls.append(1)
        return threaded(*args, **kwargs)

    monkeypatch.setattr(core, "_accumulate_parallel", counted)
    return calls


def _compute(src, **kw):
    return cogind.compute(src, cog=None, indicators=CODES, secret=False, **kw)


def test_small_parquet_without_pool_same_table_as_threaded(data, pools, monkeypatch):
    small = _compute(data, threads=2)
    assert pools == []  # 3 000 rows, one batch: the calling thread
    monkeypatch.setattr(core, "SMALL_ROWS", 0)
    threaded = _compute(data, threads=2)
    assert len(pools) == 1
    assert small.num_rows > 0 and small.equals(threaded)
    assert small.equals(_compute(data, threads=1))


def test_several_batches_keep_the_pool(data, pools):
    """A table of more rows than one batch is shared out to the threads as before."""
    many = _compute(data, threads=2, batch_size=700)
    assert len(pools) == 1
    assert many.equals(_compute(data, threads=1))


def test_in_memory_table_by_its_row_count_and_csv_unknown(data, pools, tmp_path):
    table = pq.read_table(data / "ij.parquet")
    memory = cogind.compute({"ij": table}, cog=None, indicators=CODES, secret=False, threads=2)
    assert pools == []
    pacsv.write_csv(table, tmp_path / "ij.csv")  # a CSV's row count is not known before it
    from_csv = _compute(tmp_path, threads=2)
    assert len(pools) == 1
    assert memory.num_rows > 0
    for t in (memory, from_csv):
        assert t.select(["indicateur", "caisse", "periode", "valeur"]).equals(
            _compute(data, threads=1).select(["indicateur", "caisse", "periode", "valeur"]))


def test_cli_small_table_same_file_with_and_without_pool(data, pools, monkeypatch, tmp_path):
    args = ["compute", str(data), "--cog", "none", "--threads", "2", "--no-secret"]
    args += [a for c in CODES for a in ("--indicator", c)]
    runner = CliRunner()
    one = runner.invoke(cli, args + ["-o", str(tmp_path / "a.csv")])
    assert one.exit_code == 0, one.output
    assert pools == []
    monkeypatch.setattr(core, "SMALL_ROWS", 0)
    two = runner.invoke(cli, args + ["-o", str(tmp_path / "b.csv")])
    assert two.exit_code == 0, two.output
    assert len(pools) == 1
    a, b = (pacsv.read_csv(tmp_path / f) for f in ("a.csv", "b.csv"))
    assert a.num_rows > 0 and a.equals(b)


def test_unreadable_footer_is_not_small(tmp_path):
    import pyarrow.dataset as ds

    pq.write_table(pa.table({"x": [1, 2]}), tmp_path / "t.parquet")
    dataset = ds.dataset(tmp_path / "t.parquet")
    (tmp_path / "t.parquet").write_bytes(b"not parquet")
    tin = core.TableInput("t", "t.parquet", dataset.schema, dataset)
    assert core._small(tin, 10) is False


def test_each_period_column_spanned_once_per_pass(data, monkeypatch):
    """The states' months are sized from each period column's span, read once per column
    however many groups of the plan share it; the same table as the threaded pass."""
    calls = []
    span = core.day_span

    def counted(table, column):
        calls.append((table.name, column))
        return span(table, column)

    monkeypatch.setattr(core, "day_span", counted)
    got = _compute(data, threads=1)
    assert calls and len(calls) == len(set(calls))
    monkeypatch.setattr(core, "SMALL_ROWS", 0)
    assert got.equals(_compute(data, threads=2))


def test_arrow_ipc_file_by_its_footer(data, pools, tmp_path):
    """A memory-mapped Arrow IPC file tells its row count too: no pool, the same table."""
    import pyarrow as pa

    table = pq.read_table(data / "ij.parquet")
    with pa.OSFile(str(tmp_path / "ij.arrow"), "wb") as sink:
        with pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    got = _compute(tmp_path, threads=2)
    assert pools == []
    assert got.num_rows > 0 and got.equals(_compute(data, threads=1))
