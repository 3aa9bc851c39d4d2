"""CSV as French Excel and SAS write it (issue 22): `;`, comma decimals, day-first dates, a BOM
or cp1252, read to exactly the figures of the original Parquet; unreadable values named by
table, file, column and line, never quoted."""
from __future__ import annotations

import csv
import datetime as dt
import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.errors import InputError

TABLES = ("ij", "prestations")
PLANTED = "98765,4321"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Generated tables, their code columns as plain strings: a Parquet dictionary holds
    caisses without rows, which get rows of their own (a CSV cannot say they exist)."""
    out = tmp_path_factory.mktemp("parquet")
    cogind.generate(out, years=(2023, 2023), rows={"ij": 1500, "prestations": 1500},
                    tables=TABLES)
    for name in TABLES:
        t = pq.read_table(out / f"{name}.parquet")
        pq.write_table(t.cast(pa.schema([f.with_type(f.type.value_type)
                                         if pa.types.is_dictionary(f.type) else f
                                         for f in t.schema])), out / f"{name}.parquet")
    return out


def _cell(v, decimal: str = ",", day_first: bool = True) -> str:
    """A value as French Excel writes it, independently of cogind's own writer."""
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v).replace(".", decimal)
    if isinstance(v, dt.datetime):
        return v.strftime("%d/%m/%Y %H:%M:%S" if day_first else "%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y" if day_first else "%Y-%m-%d")
    return str(v)


def _write(table: pa.Table, path, encoding="cp1252", bom=False, cell=_cell, extra=None):
    rows = table.to_pylist()
    names = table.column_names + (["LIBELLE"] if extra else [])
    with open(path, "w", encoding=encoding, newline="") as fh:
        if bom:
            fh.write("\ufeff")
        w = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        w.writerow(names)
        for r in rows:
            w.writerow([cell(r[c]) for c in table.column_names] + ([extra] if extra else []))


def _results(source) -> pa.Table:
    return cogind.compute(source, "2023-2027", secret=False)


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def french(data, tmp_path_factory):
    """The same tables as French CSV: ij in cp1252 with an accented label column, prestations
    in UTF-8 with a BOM."""
    out = tmp_path_factory.mktemp("fr")
    _write(pq.read_table(data / "ij.parquet"), out / "ij.csv", extra="Arrêt prolongé")
    _write(pq.read_table(data / "prestations.parquet"), out / "prestations.csv",
           encoding="utf-8", bom=True)
    return out


def test_french_csv_gives_the_parquet_results(data, french, tmp_path):
    want, got = _results(data), _results(french)
    assert got.num_rows == want.num_rows > 0
    assert got.equals(want)  # every column of every row, floats bit for bit
    plain = tmp_path / "plain"  # and the same tables as pyarrow writes CSV
    plain.mkdir()
    for name in TABLES:
        pacsv.write_csv(pq.read_table(data / f"{name}.parquet"), plain / f"{name}.csv")
    assert _results(plain).equals(got)
    computed = pc.sum(pc.is_valid(got["valeur"])).as_py()
    assert computed > 100  # amounts, delays and rates were really read
    # the CLI writes the same file from either input
    for name, src in (("a", data), ("b", french)):
        res = _run("compute", src, "--no-secret", "-o", tmp_path / f"{name}.parquet")
        assert res.exit_code == 0, res.output
    a, b = pq.read_table(tmp_path / "a.parquet"), pq.read_table(tmp_path / "b.parquet")
    assert a.equals(b)


def test_validate_says_what_was_detected(french):
    res = _run("validate", french)
    assert res.exit_code == 0, res.output
    out = res.output
    assert "séparateur CSV : point-virgule" in out
    assert "encodage : Windows-1252" in out and "encodage : UTF-8 avec BOM" in out
    assert "décimales : virgule (" in out and "IJ_PAI_MNT" in out and "PRS_PAI_MNT" in out
    assert "dates : JJ/MM/AAAA (" in out and "IJ_PAI_DTD" in out


def test_detected_dialect_in_validate_json_and_provenance(data, french, tmp_path):
    res = _run("validate", french, "--json")
    assert res.exit_code == 0, res.output
    doc = {t["table"]: t for t in json.loads(res.output)["tables"]}
    assert doc["ij"]["csv"]["separateur"] == ";" and doc["ij"]["csv"]["encodage"] == "cp1252"
    assert doc["ij"]["csv"]["decimales"]["IJ_PAI_MNT"] == "virgule"
    assert doc["prestations"]["csv"]["dates"]["EXE_SOI_DTD"] == "JJ/MM/AAAA"
    prov = json.loads(_results(french).schema.metadata[b"cogind"])
    assert prov["entrees"]["ij"]["csv"]["encodage"] == "cp1252"
    plain = tmp_path / "plain"  # a plain CSV's provenance is what it was before
    plain.mkdir()
    pacsv.write_csv(pq.read_table(data / "ij.parquet"), plain / "ij.csv")
    prov = json.loads(_results(plain).schema.metadata[b"cogind"])
    assert "csv" not in prov["entrees"]["ij"]


def test_grouped_digits_and_a_point_column_in_a_comma_file(data, tmp_path):
    """Excel writes what it shows: `1 234,50` (no-break space); another export may keep a
    point in one column of a comma file."""
    ij = pq.read_table(data / "ij.parquet")

    def cell(v):
        if isinstance(v, float):
            whole, frac = repr(abs(v)).split(".")
            grouped = f"{int(whole):,}".replace(",", "\u00a0")
            return ("-" if v < 0 else "") + grouped + "," + frac
        return _cell(v)

    _write(ij, tmp_path / "ij.csv", cell=cell)
    big = ij.set_column(ij.schema.get_field_index("IJ_PAI_MNT"), "IJ_PAI_MNT",
                        pc.multiply(ij["IJ_PAI_MNT"], 1000.0))
    got = cogind.compute(tmp_path, None, secret=False, indicators=["IJ_MAL_DELAI_MOYEN"])
    want = cogind.compute({"ij": ij}, None, secret=False, indicators=["IJ_MAL_DELAI_MOYEN"])
    assert got.equals(want)
    _write(big, tmp_path / "ij.csv", cell=cell)
    tin = cogind.io.readers.open_inputs(tmp_path, {"ij": _spec("ij")})["ij"]
    read = pa.Table.from_batches(list(tin.batches(["IJ_PAI_MNT"])))
    assert read["IJ_PAI_MNT"].to_pylist() == big["IJ_PAI_MNT"].to_pylist()
    assert "virgule, chiffres groupés (IJ_PAI_MNT)" in _run("validate", tmp_path).output

    def mixed(v):  # the amount keeps its point, nothing else is a float in ij
        return repr(v) if isinstance(v, float) else _cell(v)

    lines = []
    _write(ij, tmp_path / "ij.csv", cell=mixed)
    text = (tmp_path / "ij.csv").read_text(encoding="cp1252").splitlines()
    lines = [text[0] + ";TAUX"] + [t + ";12,5" for t in text[1:]]
    (tmp_path / "ij.csv").write_text("\n".join(lines) + "\n", encoding="cp1252")
    got = cogind.compute(tmp_path, None, secret=False, indicators=["IJ_MAL_DELAI_MOYEN"])
    assert got.equals(want)


def _spec(name):
    from cogind.plugins import build_registry

    return build_registry().table(name)


def test_ambiguous_dates_are_read_day_first(tmp_path):
    """Every day ≤ 12: 03/04/2023 is 3 April (the French reading), and validate says so."""
    ij = _tiny_ij([dt.date(2023, 4, 3), dt.date(2023, 5, 7)])
    _write(ij, tmp_path / "ij.csv")
    tin = cogind.io.readers.open_inputs(tmp_path, {"ij": _spec("ij")})["ij"]
    got = pa.Table.from_batches(list(tin.batches(["IJ_PAI_DTD"])))["IJ_PAI_DTD"]
    assert got.type == pa.date32()
    assert got.to_pylist() == ij["IJ_PAI_DTD"].to_pylist()
    out = _run("validate", tmp_path).output
    assert "dates ambiguës" in out and "IJ_PAI_DTD" in out.split("dates ambiguës")[1]


def _tiny_ij(days) -> pa.Table:
    n = len(days)
    return pa.table({
        "ORG_CLE_NUM": ["01C751"] * n, "ARR_NUM": [f"a{i}" for i in range(n)],
        "IJ_RIS_COD": ["MAL"] * n, "ASS_REG_COD": ["TS"] * n,
        "IJ_SUB_TOP": pa.array([0] * n, pa.int8()), "SIN_1IJ_IND": pa.array([1] * n, pa.int8()),
        "PRS_NAT_REF": pa.array([6111] * n, pa.int16()),
        "ARR_DEB_DTD": [d - dt.timedelta(days=30) for d in days],
        "ATT_REC_DTD": [d - dt.timedelta(days=10) for d in days],
        "IJ_PAI_DTD": list(days), "IJ_PAI_MNT": [10.25] * n,
        "IJ_NBR": pa.array([1] * n, pa.int32())})


def _plant(path, line: int, column: str, value: str, encoding="cp1252"):
    text = path.read_text(encoding=encoding).splitlines()
    names = text[0].lstrip("\ufeff").split(";")
    cells = text[line - 1].split(";")
    cells[names.index(column)] = value
    text[line - 1] = ";".join(cells)
    path.write_text("\n".join(text) + "\n", encoding=encoding)


@pytest.mark.parametrize("table, column, value, expected", [
    ("prestations", "PRS_PAI_MNT", PLANTED + ",5", "expected a number with a decimal comma (12,50)"),
    ("ij", "IJ_PAI_DTD", "12/31/2023", "expected a date JJ/MM/AAAA (31/01/2023)"),
    ("ij", "IJ_NBR", "98765x4321", "expected an integer (12)"),
])
def test_unreadable_value_names_table_file_column_and_line(data, tmp_path, table, column, value,
                                                           expected):
    """A folder of two files: the second one's line 642 (the header is line 1)."""
    folder = tmp_path / "in"
    (folder / table).mkdir(parents=True)
    t = pq.read_table(data / f"{table}.parquet")
    _write(t.slice(0, 700), folder / table / "a.csv")
    _write(t.slice(700), folder / table / "b.csv")
    _plant(folder / table / "b.csv", 642, column, value)
    want = (f"table '{table}', file b.csv, column '{column}', line 642: a value cannot be read, "
            f"{expected}")
    for args in (("compute", folder, "--cog", "none"), ("validate", folder)):
        res = _run(*args)
        assert res.exit_code == 1, res.output
        assert want in res.output, res.output
        assert "98765" not in res.output and "12/31" not in res.output
        assert "Internal" not in res.output
    with pytest.raises(InputError) as err:
        cogind.compute(folder, None)
    assert str(err.value) == want


def test_unreadable_value_deep_in_a_large_file(data, tmp_path):
    """Past the first block Arrow parses (1 MiB): the line is still the file's."""
    ij = pq.read_table(data / "ij.parquet")
    big = pa.concat_tables([ij] * 20)
    _write(big, tmp_path / "ij.csv")
    assert (tmp_path / "ij.csv").stat().st_size > 1.5 * (1 << 20)
    _plant(tmp_path / "ij.csv", 27001, "ATT_REC_DTD", "1.2.3")
    with pytest.raises(InputError, match=r"file ij\.csv, column 'ATT_REC_DTD', line 27001: "):
        cogind.compute(tmp_path, None, indicators=["IJ_MAL_DELAI_MOYEN"])


def test_text_that_is_not_in_the_sniffed_encoding(data, tmp_path):
    """The first MiB is UTF-8 (ASCII), a later label is cp1252: one line, the column named."""
    ij = _tiny_ij([dt.date(2023, 4, 13)] * 20000)
    _write(ij, tmp_path / "ij.csv", encoding="utf-8")
    _plant(tmp_path / "ij.csv", 19990, "ARR_NUM", "arrêt", encoding="cp1252")
    res = _run("compute", tmp_path, "--cog", "none", "--indicator", "IJ_MAL_DELAI_MOYEN")
    assert res.exit_code == 1
    assert "column 'ARR_NUM'" in res.output and "line 19990" in res.output, res.output
    assert "text in UTF-8" in res.output and "arr" not in res.output.replace("ARR_NUM", "")
