"""The CLI end to end, in process: every command and every error path, one line each."""
import json

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cogind.cli import cli
from conftest import tiny_contacts, tiny_ij


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    pq.write_table(tiny_ij(), folder / "ij.parquet")
    pacsv.write_csv(tiny_contacts(), folder / "contacts.csv")
    return folder


def run(*args, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env)
    return result


def one_line_error(result, *fragments):
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(lines) == 1 and "Traceback" not in result.output + result.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


def test_compute_terminal_table(data):
    r = run("compute", data)
    assert r.exit_code == 0, r.stderr
    assert "IJ_MAL_DELAI_MOYEN" in r.stdout and "national" in r.stdout
    assert any(line.startswith("Attention : 1 indicateur non calculable : table dossiers absente")
               and "C2S_DELAI_D9" in line
               for line in r.stderr.splitlines())


@pytest.mark.parametrize("ext", [".arrow", ".parquet", ".csv", ".json"])
def test_compute_writes_every_format(data, tmp_path, ext):
    out = tmp_path / f"resultats{ext}"
    r = run("compute", data, "--period", "year", "-o", out)
    assert r.exit_code == 0, r.stderr
    assert out.exists() and not list(tmp_path.glob(".resultats*"))
    if ext == ".json":
        doc = json.loads(out.read_text(encoding="utf-8"))
        assert doc["provenance"]["cog"] == "2023-2027" and doc["resultats"]
    elif ext == ".parquet":
        t = pq.read_table(out)
        assert set(t["statut"].to_pylist()) <= {"atteint", "non atteint", "non calculable",
                                                 "sans cible", "masqué"}


def test_compute_single_file_and_indicator(data):
    r = run("compute", data / "ij.parquet", "--indicator", "IJ_MAL_DELAI_MOYEN", "--caisses")
    assert r.exit_code == 0, r.stderr
    assert "01C751" in r.stdout and "APPELS" not in r.stdout


def test_missing_file():
    one_line_error(run("compute", "/nonexistent/folder"), "no such file or folder")


def usage_error(result, *fragments):
    """Issue 22: a usage mistake exits 2 in click's form (Usage:, Try, Error: Invalid value)."""
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Usage: ") and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: Invalid value for")
    for f in fragments:
        assert f in last, last


def test_unknown_cog(data):
    usage_error(run("compute", data, "--cog", "1999-2003"), "unknown COG '1999-2003'")


def test_unknown_indicator(data):
    usage_error(run("compute", data, "--indicator", "NOPE"), "unknown indicator 'NOPE'")
    usage_error(run("describe", "NOPE"), "unknown indicator 'NOPE'")


def test_year_outside_cog(data):
    one_line_error(run("compute", data, "--year", "2019"), "outside COG 2023-2027")


def test_missing_column(data):
    pq.write_table(tiny_ij().drop_columns(["IJ_PAI_DTD"]), data / "ij.parquet")
    one_line_error(run("compute", data, "--strict"), "table 'ij'", "missing column 'IJ_PAI_DTD'")


def test_wrong_type(data):
    t = tiny_ij()
    t = t.set_column(t.schema.get_field_index("IJ_PAI_DTD"), "IJ_PAI_DTD",
                     pa.array(["x"] * t.num_rows))
    pq.write_table(t, data / "ij.parquet")
    one_line_error(run("compute", data), "table 'ij', column 'IJ_PAI_DTD'",
                   "expected date, found string")


def test_unparsable_csv_date_names_column_not_value(data):
    text = (data / "contacts.csv").read_text().replace("2024-01-03 09:00:00", "03-janv-secret", 1)
    (data / "contacts.csv").write_text(text)
    r = run("compute", data)
    one_line_error(r, "contacts", "CNT_ARR_DTH")
    assert "secret" not in r.stderr


def test_corrupt_parquet(data):
    (data / "ij.parquet").write_bytes(b"PAR1 this is not parquet")
    one_line_error(run("compute", data), "table 'ij'", "cannot read")


def test_empty_table_reports_nothing_computable(data):
    pq.write_table(tiny_ij().slice(0, 0), data / "ij.parquet")
    r = run("compute", data, "--indicator", "IJ_MAL_DELAI_MOYEN", "-o", data / "r.parquet")
    assert r.exit_code == 0, r.stderr
    res = pq.read_table(data / "r.parquet")  # issue 17: national rows of the COG's 60 months
    assert res.num_rows == 60 and set(res["motif"].to_pylist()) == {"table ij vide"}
    assert res["valeur"].null_count == 60 and set(res["statut"].to_pylist()) == {"non calculable"}
    assert "Attention : 1 indicateur non calculable : table ij vide" in r.stderr


def test_strict_turns_exclusions_into_an_error(data):
    one_line_error(run("compute", data, "--strict"), "under --strict", "fin_avant_debut")


def test_usage_errors_exit_2(data):
    assert run("compute").exit_code == 2
    assert run("compute", data, "--period", "decade").exit_code == 2


def test_bad_output_extension(data):
    r = run("compute", data, "-o", data / "r.xls")  # a usage error, before any data is read
    assert r.exit_code == 2 and "output format of r.xls" in r.stderr


def test_debug_shows_the_traceback(data):
    r = run("--debug", "compute", data, "--year", "2019")  # raised by compute, exit 1
    assert r.exit_code == 1 and isinstance(r.exception, Exception)


def test_internal_error_is_one_line(data, monkeypatch):
    import cogind.api

    def boom(*a, **k):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(cogind.api, "compute", boom)
    r = run("compute", data)
    assert r.exit_code == 1 and "Internal error: ZeroDivisionError: oops" in r.stderr
    assert "Traceback" not in r.stderr


def test_list_describe_cogs_plugins():
    r = run("list", "--cog", "2023-2027")
    assert r.exit_code == 0 and "n° 10" in r.stdout and "75,0\u00a0%" in r.stdout
    assert "IJ_MAL_DELAI_MOYEN" in run("list").stdout
    d = run("describe", "c2s_delai_d9")
    assert d.exit_code == 0 and "9e décile" in d.stdout and "Hyndman-Fan" in d.stdout
    assert "002_732d28efd214f262.txt, l. 9420" in d.stdout
    assert "2018-2022" in run("cogs").stdout
    p = run("plugins")
    assert p.exit_code == 0 and "indicateurs_ij" in p.stdout and "cogind 0.1.0" in p.stdout


def test_validate(data):
    ok = run("validate", data)
    assert ok.exit_code == 0 and "OK" in ok.stdout and "7\u00a0lignes" in ok.stdout
    t = tiny_ij()
    t = t.set_column(t.schema.get_field_index("IJ_NBR"), "IJ_NBR", pa.array(["x"] * t.num_rows))
    pq.write_table(t, data / "ij.parquet")
    bad = run("validate", data)
    assert bad.exit_code == 1 and "colonne 'IJ_NBR' : attendu integer" in bad.stdout


def test_no_period_in_the_cog_years_is_said(data):
    r = run("compute", data, "--cog", "2018-2022")
    assert r.exit_code == 0 and "aucun résultat" in r.stderr and "2018-2022" in r.stderr
