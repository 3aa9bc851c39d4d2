"""Pipeline use: every Arrow input gives the same figures, the wide view, progress and logging.

Polars and DuckDB are test-only extras (``pip install -e '.[test,pipeline]'``); their tests are
skipped when the package is missing.
"""
import io
import logging

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.errors import ConfigError, InputError
from cogind.io.progress import Progress
from conftest import tiny_contacts, tiny_ij


@pytest.fixture(scope="module")
def expected():
    """Figures from plain pyarrow Tables: what every other kind of input must give."""
    return cogind.compute({"ij": tiny_ij(), "contacts": tiny_contacts()}, secret=False)


def same_figures(result, expected):
    assert result.num_rows == expected.num_rows > 0
    assert result.equals(expected), "figures differ from the pyarrow.Table input"


class StreamOnly:
    """Any object speaking the Arrow PyCapsule stream interface, and nothing else."""

    def __init__(self, table):
        self.table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self.table.__arrow_c_stream__(requested_schema)


@pytest.mark.parametrize("wrap", [
    lambda t, tmp: t.to_reader(max_chunksize=3),
    lambda t, tmp: StreamOnly(t),
    lambda t, tmp: ds.dataset(t),
    lambda t, tmp: pq.write_table(t, tmp / "x.parquet") or ds.dataset(tmp / "x.parquet"),
    lambda t, tmp: pq.write_table(t, tmp / "x.parquet") or tmp / "x.parquet",
    lambda t, tmp: pq.write_table(t, tmp / "x.parquet") or str(tmp / "x.parquet"),
], ids=["RecordBatchReader", "__arrow_c_stream__", "dataset", "parquet dataset", "Path", "str"])
def test_every_arrow_input(wrap, tmp_path, expected):
    tables = {}
    for name, table in (("ij", tiny_ij()), ("contacts", tiny_contacts())):
        (tmp_path / name).mkdir()
        tables[name] = wrap(table, tmp_path / name)
    same_figures(cogind.compute(tables, secret=False), expected)


def test_a_folder_path(tmp_path, expected):
    pq.write_table(tiny_ij(), tmp_path / "ij.parquet")
    pq.write_table(tiny_contacts(), tmp_path / "contacts.parquet")
    same_figures(cogind.compute(tmp_path, secret=False), expected)


def test_polars_dataframes(expected):
    pl = pytest.importorskip("polars", reason="polars not installed (extra 'pipeline')")
    ij = pl.from_arrow(tiny_ij())  # strings exported as string_view through the capsule
    contacts = pl.from_arrow(tiny_contacts()).with_columns(pl.col("CNT_CAN_COD")
                                                           .cast(pl.Categorical))
    same_figures(cogind.compute({"ij": ij, "contacts": contacts}, secret=False), expected)
    same_figures(cogind.compute({"ij": ij.to_arrow(), "contacts": contacts.to_arrow()},
                                secret=False),
                 expected)


def test_polars_lazy_pipeline_with_a_filter():
    pl = pytest.importorskip("polars", reason="polars not installed (extra 'pipeline')")
    lazy = pl.from_arrow(tiny_ij()).lazy().filter(pl.col("ORG_CLE_NUM") == "01C751")
    res = cogind.compute({"ij": lazy.collect()}, indicators=["IJ_MAL_DELAI_MOYEN"],
                         period="year")
    assert {r["caisse"] for r in res.to_pylist()} == {"01C751", None}


def test_duckdb_relations(expected):
    duckdb = pytest.importorskip("duckdb", reason="duckdb not installed (extra 'pipeline')")
    con = duckdb.connect()
    ij, contacts = tiny_ij(), tiny_contacts()  # noqa: F841 (read by name in the SQL below)
    tables = {"ij": con.sql("SELECT * FROM ij"),
              "contacts": con.from_arrow(contacts).filter("ORG_CLE_NUM IS NOT NULL")}
    same_figures(cogind.compute(tables, secret=False), expected)


def test_a_lone_object_is_refused_with_the_way_out():
    with pytest.raises(InputError, match=r"object of type Table: pass a path or a mapping "
                                         r"\{table name: object\}"):
        cogind.compute(tiny_ij())


def test_a_stream_that_can_be_exported_only_once():
    class Once:
        """A producer that exports its stream a single time (the schema probe uses it up)."""

        exported = 0

        def __arrow_c_stream__(self, requested_schema=None):
            self.exported += 1
            if self.exported > 1:
                raise RuntimeError("already exported")
            return tiny_ij().__arrow_c_stream__(requested_schema)

    with pytest.raises(InputError, match=r"cannot stream the Once object a second time "
                                         r"\(RuntimeError\): pass pyarrow\.RecordBatchReader"):
        cogind.compute({"ij": Once()}, indicators=["IJ_MAL_DELAI_MOYEN"])
    reader = pa.RecordBatchReader.from_stream(Once())  # the way out the message gives
    assert cogind.compute({"ij": reader}, indicators=["IJ_MAL_DELAI_MOYEN"]).num_rows


# --------------------------------------------------------------------------- wide view


def test_pivot_wide(expected):
    wide = cogind.pivot_wide(expected)
    codes = list(dict.fromkeys(expected["indicateur"].to_pylist()))
    assert wide.column_names == ["caisse", "periode", *codes]
    caisses = wide["caisse"].to_pylist()
    assert caisses[-1] == "national" and caisses[:-1] == sorted(caisses[:-1])
    cell = {(r["caisse"], r["periode"]): r for r in wide.to_pylist()}
    for r in expected.to_pylist():
        key = ("national" if r["niveau"] == "national" else r["caisse"], r["periode"])
        assert cell[key][r["indicateur"]] == r["valeur"]
    assert wide.schema.field(codes[0]).type == pa.float64()


def test_pivot_wide_options(expected):
    statuts = cogind.pivot_wide(expected, "statut", national=False)
    assert "national" not in statuts["caisse"].to_pylist()
    assert set(statuts["IJ_MAL_DELAI_MOYEN"].to_pylist()) <= {
        "atteint", "non atteint", "non calculable", "sans cible", None}
    with pytest.raises(ConfigError, match="no column 'valeurs'"):
        cogind.pivot_wide(expected, "valeurs")
    with pytest.raises(ConfigError, match="several rows for"):
        cogind.pivot_wide(pa.concat_tables([expected, expected]))


# --------------------------------------------------------------------------- progress


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_quiet_by_default_in_python(capfd):
    cogind.compute({"ij": tiny_ij()}, indicators=["IJ_MAL_DELAI_MOYEN"])
    assert capfd.readouterr().err == ""


def test_progress_when_asked(capfd):
    cogind.compute({"ij": tiny_ij()}, indicators=["IJ_MAL_DELAI_MOYEN"], progress=True)
    assert "cogind · ij : 7\u00a0lignes lues (100\u00a0%), 1\u00a0lot, " in capfd.readouterr().err


def test_progress_on_a_terminal_counts_every_batch_of_every_thread():
    bar = Progress(show=True, stream=FakeTerminal())
    cogind.compute({"ij": tiny_ij().to_reader(max_chunksize=2)}, progress=bar, threads=4,
                   indicators=["IJ_MAL_DELAI_MOYEN"])
    assert (bar.tables["ij"]["lignes"], bar.tables["ij"]["lots"]) == (7, 4)
    text = bar.stream.getvalue()
    assert text.startswith("\r") and text.endswith("\u00a0s\x1b[K\n")  # redrawn in place, then closed
    assert "cogind · ij : 7\u00a0lignes lues, 4\u00a0lots, " in text
    assert "%" not in text  # a stream's length is unknown: no share shown


def test_the_line_is_closed_when_a_pass_fails():
    schema = tiny_ij().schema

    def batches():
        yield from tiny_ij().to_batches()
        raise pa.ArrowInvalid("flux interrompu")

    bar = Progress(show=True, stream=FakeTerminal())
    with pytest.raises(InputError, match="flux interrompu"):
        cogind.compute({"ij": pa.RecordBatchReader.from_batches(schema, batches())},
                       indicators=["IJ_MAL_DELAI_MOYEN"], progress=bar, threads=1)
    assert bar.stream.getvalue().endswith("\n")


def test_details_go_to_logging(caplog):
    with caplog.at_level(logging.DEBUG, logger="cogind"):
        cogind.compute({"ij": tiny_ij()}, indicators=["IJ_MAL_DELAI_MOYEN"])
    messages = [r.getMessage() for r in caplog.records if r.name == "cogind"]
    assert "table ij: lecture de table en mémoire" in messages
    assert "table ij: lot 1, 7 lignes" in messages
    assert any(m.startswith("table ij: 7 lignes en 1 lots") for m in messages)


def test_cli_progress_and_quiet(tmp_path):
    pq.write_table(tiny_ij(), tmp_path / "ij.parquet")
    runner = CliRunner()
    args = ["compute", str(tmp_path), "--indicator", "IJ_MAL_DELAI_MOYEN"]
    shown = runner.invoke(cli, args + ["--progress"])
    assert shown.exit_code == 0 and "cogind · ij : 7\u00a0lignes lues (100\u00a0%)" in shown.stderr
    for extra in ([], ["--quiet"]):  # CliRunner's stderr is no terminal: quiet by default
        r = runner.invoke(cli, args + extra)
        assert r.exit_code == 0 and "lignes lues" not in r.stderr


def test_provenance_records_the_rows_read_from_a_stream():
    res = cogind.compute({"ij": tiny_ij().to_reader(max_chunksize=3)},
                         indicators=["IJ_MAL_DELAI_MOYEN"])
    entry = cogind.provenance(res)["entrees"]["ij"]
    assert entry == {"origine": "flux Arrow", "lignes": 7}
