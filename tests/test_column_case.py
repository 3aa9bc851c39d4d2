"""Column names in another case (Spark, pandas, PostgreSQL exports lower-case them) or padded
with spaces are read under their SNDS names, from every kind of input, to the very results of
the upper-case input; recorded in the provenance and shown by ``validate``. Two columns alike
are ambiguous: neither is taken and the schema column is missing, as it says."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from synth_helpers import plain_codes

import cogind
from cogind.cli import cli
from cogind.io.names import schema_names

TABLES = ("ij", "prestations", "contacts")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The generated tables (upper case), and the same with lower-case names."""
    root = tmp_path_factory.mktemp("casse")
    cogind.generate(root / "upper", years=(2023, 2023),
                    rows={"ij": 3000, "prestations": 3000, "contacts": 3000}, tables=TABLES)
    (root / "lower").mkdir()
    for name in TABLES:
        t = plain_codes(pq.read_table(root / "upper" / f"{name}.parquet"))
        pq.write_table(t, root / "upper" / f"{name}.parquet", row_group_size=700)
        pq.write_table(t.rename_columns([c.lower() for c in t.column_names]),
                       root / "lower" / f"{name}.parquet", row_group_size=700)
    return root


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_lower_case_parquet_gives_the_upper_case_results(inputs, tmp_path):
    want = cogind.compute(inputs / "upper", secret=False)
    got = cogind.compute(inputs / "lower", secret=False)
    assert got.num_rows == want.num_rows and got.equals(want)
    assert pa.compute.sum(pa.compute.is_valid(got["valeur"])).as_py() > 50
    renamed = cogind.provenance(got)["entrees"]["ij"]["colonnes_renommees"]
    assert renamed["arr_num"] == "ARR_NUM" and len(renamed) == 12
    assert "colonnes_renommees" not in cogind.provenance(want)["entrees"]["ij"]
    for name in ("upper", "lower"):
        res = _run("compute", inputs / name, "-o", tmp_path / f"{name}.parquet")
        assert res.exit_code == 0, res.output
    a, b = (pq.read_table(tmp_path / f"{n}.parquet") for n in ("upper", "lower"))
    assert a.equals(b)


def test_as_of_skips_row_groups_of_lower_case_files(inputs):
    """The row groups skipped by their statistics (FLX_DIS_DTD, named flx_dis_dtd here)."""
    want = cogind.compute(inputs / "upper", as_of="2023-06", secret=False)
    got = cogind.compute(inputs / "lower", as_of="2023-06", secret=False)
    assert got.equals(want)
    entry = cogind.provenance(got)["entrees"]["prestations"]
    assert entry["lignes_non_disponibles"] == \
        cogind.provenance(want)["entrees"]["prestations"]["lignes_non_disponibles"] > 0


def test_states_store_reads_lower_case_files(inputs, tmp_path):
    want = cogind.compute(inputs / "upper", secret=False)
    for _ in range(2):  # filled, then used
        got = cogind.compute(inputs / "lower", secret=False, states=tmp_path / "etats")
        assert got.equals(want)


def test_padded_csv_header_and_in_memory_tables(inputs, tmp_path):
    """A CSV whose header is lower case and padded (" org_cle_num "), read with its schema
    types; an in-memory table and a stream with lower-case names."""
    want = cogind.compute(inputs / "upper", "2023-2027", secret=False)
    (tmp_path / "csv").mkdir()
    tables = {}
    for name in TABLES:
        t = pq.read_table(inputs / "lower" / f"{name}.parquet")
        tables[name] = t
        pacsv.write_csv(t.rename_columns([f" {c} " for c in t.column_names]),
                        tmp_path / "csv" / f"{name}.csv")
    assert cogind.compute(tmp_path / "csv", "2023-2027", secret=False).equals(want)
    assert cogind.compute(tables, "2023-2027", secret=False).equals(want)
    streams = {n: pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=999))
               for n, t in tables.items()}
    assert cogind.compute(streams, "2023-2027", secret=False).equals(want)


def test_validate_says_which_columns_were_read_under_their_schema_name(inputs):
    res = _run("validate", inputs / "lower")
    assert res.exit_code == 0, res.output
    assert "colonnes lues sous le nom du schéma (même nom, autre casse) : " in res.output
    assert "'ij_pai_dtd' → IJ_PAI_DTD" in res.output and "inconnue du schéma" not in res.output
    doc = json.loads(_run("validate", inputs / "lower", "--json").output)
    ij = next(t for t in doc["tables"] if t["table"] == "ij")
    assert ij["colonnes_renommees"]["ij_pai_mnt"] == "IJ_PAI_MNT"


def test_two_columns_alike_are_neither_taken(inputs, tmp_path):
    t = pq.read_table(inputs / "upper" / "ij.parquet")
    t = t.rename_columns([c if c != "IJ_PAI_DTD" else "ij_pai_dtd" for c in t.column_names])
    t = t.append_column("Ij_Pai_Dtd", t["ij_pai_dtd"])
    (tmp_path / "in").mkdir()
    pq.write_table(t, tmp_path / "in" / "ij.parquet")
    assert schema_names(t.column_names, {"ARR_NUM": {}, "IJ_PAI_DTD": {}}) == {}
    table = cogind.compute(tmp_path / "in", indicators=["IJ_MAL_DELAI_MOYEN"], secret=False)
    assert set(table["statut"].to_pylist()) == {"non calculable"}
    assert "colonne IJ_PAI_DTD" in table["motif"][0].as_py()
    res = _run("compute", tmp_path / "in", "--indicator", "IJ_MAL_DELAI_MOYEN", "--strict",
               "-o", tmp_path / "x.csv")
    assert res.exit_code == 1 and "missing column 'IJ_PAI_DTD'" in res.output, res.output
    assert not (tmp_path / "x.csv").exists()
