"""``-o resultats.xlsx`` (issue 22): results, the caisse × indicator view and the provenance,
typed cells with the unit's number format, frozen header; opened with openpyxl and checked
cell by cell against the table ``cogind.compute`` returns."""
from __future__ import annotations

import datetime as dt
import json
import sys

import pyarrow as pa
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.cli.common import sample_path
from cogind.errors import InputError

openpyxl = pytest.importorskip("openpyxl")
pytest.importorskip("xlsxwriter")

CODES = ["IJ_MAL_DELAI_MOYEN", "APPELS_TAUX_ABOUTIS", "SATISFACTION_ASSURES_TAUX",
         "DEPASSEMENT_TAUX"]


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "resultats.xlsx"
    args = ["compute", "--sample", "--period", "quarter", "--year", "2024", "-o", out]
    for code in CODES:
        args += ["--indicator", code]
    res = _run(*args)
    assert res.exit_code == 0, res.output
    table = cogind.compute(sample_path(), indicators=CODES, period="quarter", years=[2024],
                           secret=11)
    return out, table


def _cell(v):
    """What a result value is as an openpyxl cell value: floats to 16 significant digits, what
    XlsxWriter and openpyxl both write (Excel shows 15)."""
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, float) and not isinstance(v, bool):
        return pytest.approx(v, rel=1e-15, abs=0)
    return v


def test_results_sheet_cell_by_cell(written):
    path, table = written
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["résultats", "caisses x indicateurs", "provenance"]
    ws = book["résultats"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == table.column_names
    assert len(rows) == table.num_rows + 1
    for got, want in zip(rows[1:], table.to_pylist()):
        assert list(got) == [_cell(v) for v in want.values()]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    names = table.column_names
    i_val, i_unit, i_debut = names.index("valeur"), names.index("unite"), names.index("debut")
    seen = set()
    for row in ws.iter_rows(min_row=2):
        unit, value = row[i_unit].value, row[i_val]
        if value.value is not None:
            assert value.data_type == "n"
            seen.add((unit, value.number_format))
        assert row[i_debut].is_date and row[i_debut].number_format == "dd/mm/yyyy"
    assert ('%', '0.0" %"') in seen and ("jours", '0.0" j"') in seen
    assert ws.column_dimensions["B"].width > 20  # the libellé column is sized to its text
    counts = [r[names.index("n")] for r in ws.iter_rows(min_row=2) if r[names.index("n")].value]
    assert counts and all(c.data_type == "n" and c.number_format == "#,##0" for c in counts)
    masque = ws.cell(row=2, column=names.index("masque") + 1)
    assert masque.data_type == "b"


def test_wide_sheet_is_the_caisse_by_indicator_view(written):
    path, table = written
    want: dict[tuple, dict] = {}  # plain Python: (caisse or national, period) → code → value
    for r in table.to_pylist():
        if r["niveau"] in ("caisse", "national"):
            key = ("national" if r["niveau"] == "national" else r["caisse"], r["periode"])
            want.setdefault(key, {})[r["indicateur"]] = r["valeur"]
    ws = openpyxl.load_workbook(path)["caisses x indicateurs"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:2] == ["caisse", "periode"] and sorted(header[2:]) == sorted(CODES)
    got = {(r[0], r[1]): dict(zip(header[2:], r[2:])) for r in rows[1:]}
    assert got == {k: {c: _cell(v.get(c)) for c in header[2:]} for k, v in want.items()}
    assert rows[-1][0] == "national" and ws.freeze_panes == "C2"
    col = header.index("APPELS_TAUX_ABOUTIS") + 1
    assert ws.cell(row=2, column=col).number_format == '0.0" %"'


def test_provenance_sheet(written):
    path, table = written
    rows = dict(openpyxl.load_workbook(path)["provenance"].iter_rows(min_row=2, values_only=True))
    prov = json.loads(table.schema.metadata[b"cogind"])
    assert rows["cog"] == "2023-2027" and rows["periode"] == "quarter"
    for name, entry in prov["entrees"].items():
        assert rows[f"entrees.{name}.sha256"] == entry["sha256"]
        assert rows[f"entrees.{name}.lignes"] == entry["lignes"]
    assert json.loads(rows["annees"]) == [2024]


def test_write_table_from_python(tmp_path):
    table = cogind.compute(sample_path(), indicators=CODES[:1], period="year", secret=False)
    from cogind.io.output import write_table

    path = write_table(table, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["résultats", "provenance"]
    values = [r[table.column_names.index("valeur")]
              for r in book["résultats"].iter_rows(min_row=2, values_only=True)]
    assert values == [_cell(v) for v in table["valeur"].to_pylist()]
    path = write_table(table.slice(0, 3), tmp_path / "r.xlsx")  # replaced whole, no leftover
    assert openpyxl.load_workbook(path)["résultats"].max_row == 4
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


def test_too_many_rows_for_a_sheet_is_one_line(tmp_path, monkeypatch):
    from cogind.io import excel

    monkeypatch.setattr(excel, "MAX_ROWS", 5)
    table = pa.table({"indicateur": ["A"] * 6, "valeur": [1.0] * 6})
    from cogind.io.output import write_table

    with pytest.raises(InputError, match="6 rows do not fit in an Excel sheet"):
        write_table(table, tmp_path / "r.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_missing_writer_is_one_line_before_computing(tmp_path, monkeypatch):
    import cogind.api

    def no(*a, **k):
        raise AssertionError("computed before the output was checked")

    monkeypatch.setattr(cogind.api, "compute", no)
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)  # import fails as if not installed
    res = _run("compute", "--sample", "-o", tmp_path / "r.xlsx")
    assert res.exit_code == 1, res.output
    assert res.output.strip() == ("Error: cannot write r.xlsx: writing .xlsx needs XlsxWriter "
                                  "(pip install 'cogind[excel]')")


def test_unknown_extension_is_a_usage_error_before_computing(tmp_path, monkeypatch):
    import cogind.api

    monkeypatch.setattr(cogind.api, "compute", None)
    res = _run("compute", "--sample", "-o", tmp_path / "r.xls")
    assert res.exit_code == 2 and ".xlsx" in res.output


@pytest.mark.parametrize("command", ["verify", "diff", "alerts"])
def test_readers_say_they_do_not_read_xlsx(written, command):
    path, _ = written
    args = {"verify": (path, sample_path()), "diff": (path, path), "alerts": (path,)}[command]
    res = _run(command, *args)
    assert res.exit_code == 1, res.output
    assert "cogind does not read .xlsx back" in res.output
    assert len(res.output.strip().splitlines()) == 1
