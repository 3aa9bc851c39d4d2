"""``cogind diff``: cells matched across files and formats, moves, crossings, errors."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.analyses.diff import compare, read_results
from cogind.io.output import write_table
from conftest import tiny_contacts


@pytest.fixture
def results():
    return cogind.compute({"contacts": tiny_contacts()}, cog="2023-2027", period="year",
                          secret=False)


def edited(table: pa.Table, column: str, index: int, value) -> pa.Table:
    values = table[column].to_pylist()
    values[index] = value
    return table.set_column(table.schema.get_field_index(column), column,
                            pa.array(values, table.schema.field(column).type))


def files(tmp_path, old, new, old_ext=".parquet", new_ext=".json"):
    return (write_table(old, tmp_path / f"old{old_ext}"),
            write_table(new, tmp_path / f"new{new_ext}"))


@pytest.mark.parametrize("ext", [".arrow", ".parquet", ".csv", ".json"])
def test_same_results_in_any_two_formats_have_no_difference(results, tmp_path, ext):
    a, b = files(tmp_path, results, results, ".parquet", ext)
    diff = compare(read_results(a), read_results(b))
    assert diff.changes == [] and diff.compared == results.num_rows
    r = CliRunner().invoke(cli, ["diff", str(a), str(b)])
    assert r.exit_code == 0 and "Aucune différence." in r.stdout


def test_moves_status_changes_new_and_vanished_cells(results, tmp_path):
    rows = results.to_pylist()
    i = next(k for k, r in enumerate(rows) if k and r["valeur"] is not None)
    new = edited(results, "valeur", i, results["valeur"][i].as_py() + 1e-12)  # within tolerance
    j = next(k for k, r in enumerate(rows) if k not in (0, i) and r["statut"] == "non atteint")
    new = edited(edited(new, "statut", j, "atteint"), "atteint", j, True)
    new = new.slice(1)  # row 0 vanished
    extra = results.slice(0, 1).set_column(5, "periode", pa.array(["2025"]))
    new = pa.concat_tables([new, extra])
    diff = compare(*(read_results(p) for p in files(tmp_path, results, new)))
    kinds = sorted(c["changement"] for c in diff.changes)
    assert kinds == ["disparue", "nouvelle", "statut"]
    status = next(c for c in diff.changes if c["changement"] == "statut")
    assert status["franchissement"] == "cible désormais atteinte" and status["variation"] == 0
    assert diff.summary()["franchissements"] == 1
    tight = compare(*(read_results(p) for p in files(tmp_path, results, new)), tolerance=0)
    assert sum(c["changement"] == "valeur" for c in tight.changes) == 1
    head = CliRunner().invoke(cli, ["diff", *map(str, files(tmp_path, results, new))])
    assert ("0 valeurs modifiées, 1 statuts modifiés à valeur égale, 1 franchissements de "
            "cible (parmi ces changements)") in head.output, head.output  # exclusive kinds


def test_value_that_becomes_non_calculable_is_a_move(results, tmp_path):
    i = next(k for k, r in enumerate(results.to_pylist()) if r["valeur"] is not None)
    new = edited(edited(results, "valeur", i, None), "statut", i, "non calculable")
    a, b = files(tmp_path, results, new, ".csv", ".arrow")
    r = CliRunner().invoke(cli, ["diff", "--json", str(a), str(b)])
    doc = json.loads(r.stdout)
    (change,) = doc["differences"]
    assert change["changement"] == "valeur" and change["nouvelle_valeur"] is None
    assert change["nouveau_statut"] == "non calculable" and change["variation"] is None


def one_line_error(r, fragment):
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:") and fragment in lines[0]


def test_diff_errors(results, tmp_path):
    good = write_table(results, tmp_path / "r.parquet")
    one_line_error(CliRunner().invoke(cli, ["diff", str(good), str(tmp_path / "nope.parquet")]),
                   "no such file")
    (tmp_path / "r.txt").write_text("x")
    one_line_error(CliRunner().invoke(cli, ["diff", str(good), str(tmp_path / "r.txt")]),
                   "cannot tell the format of r.txt")
    pq.write_table(tiny_contacts(), tmp_path / "contacts.parquet")
    one_line_error(CliRunner().invoke(cli, ["diff", str(good), str(tmp_path / "contacts.parquet")]),
                   "not a cogind result file")
    (tmp_path / "bad.json").write_text("{")
    one_line_error(CliRunner().invoke(cli, ["diff", str(good), str(tmp_path / "bad.json")]),
                   "cannot read results from bad.json")
    assert CliRunner().invoke(cli, ["diff", str(good)]).exit_code == 2
