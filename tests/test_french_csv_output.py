"""``-o resultats.csv --csv-fr`` (issue 22): `;`, decimal comma, day-first dates, UTF-8 with a
BOM, read back by a plain csv reader to the very floats of the results, and by cogind's own
readers (verify, diff, and the reader of alerts and report)."""
from __future__ import annotations

import csv
import datetime as dt
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.cli.common import sample_path

CODES = ["IJ_MAL_DELAI_MOYEN", "APPELS_TAUX_ABOUTIS", "DEPASSEMENT_TAUX"]


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("csvfr")
    args = ["compute", "--sample", "--period", "quarter", "--year", "2024"]
    for code in CODES:
        args += ["--indicator", code]
    for name, extra in (("r.csv", ["--csv-fr"]), ("r.parquet", [])):
        res = _run(*args, "-o", folder / name, *extra)
        assert res.exit_code == 0, res.output
    return folder


def _plain(value: str, like):
    """A French cell read back by hand, typed as the result value it stands for."""
    if value == "":
        return None
    if isinstance(like, bool):
        return value == "true"
    if isinstance(like, float):
        return float(value.replace(",", "."))
    if isinstance(like, int):
        return int(value)
    if isinstance(like, dt.date):
        return dt.datetime.strptime(value, "%d/%m/%Y").date()
    return value


def test_french_csv_holds_the_results(written):
    raw = (written / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(written / "r.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    want = pq.read_table(written / "r.parquet")
    assert rows[0] == want.column_names and len(rows) == want.num_rows + 1
    commas = 0
    for got, expected in zip(rows[1:], want.to_pylist()):
        for cell, (name, v) in zip(got, expected.items()):
            if v is None:
                assert cell == "", name
                continue
            assert _plain(cell, v) == v, name  # floats exactly: every digit is written
            if isinstance(v, float):
                assert "." not in cell
                commas += "," in cell
            if isinstance(v, dt.date):
                assert cell == v.strftime("%d/%m/%Y")
    assert commas > 100
    sidecar = json.loads((written / "r.csv.provenance.json").read_text(encoding="utf-8"))
    assert sidecar["cog"] == "2023-2027"


def test_cogind_reads_its_french_csv_back(written):
    res = _run("verify", written / "r.csv", sample_path())
    assert res.exit_code == 0, res.output
    res = _run("diff", written / "r.parquet", written / "r.csv")
    assert res.exit_code == 0 and "Aucune différence" in res.output, res.output
    from cogind.analyses.verify import read_results_table  # what alerts and report read

    back = read_results_table(written / "r.csv")
    want = pq.read_table(written / "r.parquet")
    assert back.select(want.column_names).cast(want.schema).to_pylist() == want.to_pylist()


def test_python_api_writes_french_csv(tmp_path):
    table = cogind.compute(sample_path(), indicators=CODES[:1], period="year", secret=False)
    from cogind.io.output import write_tables

    (path,) = write_tables([(table, tmp_path / "r.csv")], csv_fr=True)
    text = path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith('"indicateur";"libelle"')
    from cogind.analyses.verify import read_results_table

    assert read_results_table(path)["valeur"].to_pylist() == table["valeur"].to_pylist()


@pytest.mark.parametrize("output", [None, "r.parquet", "r.xlsx"])
def test_csv_fr_needs_a_csv_output(tmp_path, monkeypatch, output):
    import cogind.api

    monkeypatch.setattr(cogind.api, "compute", None)  # never reached
    args = ["compute", "--sample", "--csv-fr"] + (["-o", tmp_path / output] if output else [])
    res = _run(*args)
    assert res.exit_code == 2 and "--csv-fr" in res.output, res.output
