"""Provisional figures: late claim lines (FLX_DIS_DTD) change a month, and ``cogind diff`` says so.

March 2022 care and payments of two caisses: in each, sixteen lines reach the SNDS in April
(excess fees 40 % of the base, reimbursed in 3 days), four more only in July (100 %, 20 days).
Seen in April, both indicators meet their 2022 targets (≤ 46 %, ≤ 7 days); seen in July they
miss them. Twenty lines a caisse: enough not to fall under the secret statistique.
"""
from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.api import provenance
from cogind.cli import cli
from cogind.errors import ConfigError
from cogind.io.output import write_table

D = dt.date
CODES = ["DEPASSEMENT_TAUX", "FSE_DELAI_D9"]


def line(caisse, dep, delay, available):
    return {"ORG_CLE_NUM": caisse, "EXE_SOI_DTD": D(2022, 3, 1), "FLX_DIS_DTD": available,
            "PSE_CNV_COD": 3, "PSE_SPE_COD": 1, "PRS_DEP_MNT": dep, "BSE_REM_BSE": 100.0,
            "FSE_TOP": 1, "DRG_ASS_TOP": 1, "FSE_REC_DTD": D(2022, 3, 5),
            "PRS_PAI_DTD": D(2022, 3, 5) + dt.timedelta(days=delay)}


def prestations() -> pa.Table:
    return pa.Table.from_pylist([row for caisse in ("01C751", "02C131")
                                 for row in [line(caisse, 40.0, 3, D(2022, 4, 5))] * 16
                                 + [line(caisse, 100.0, 20, D(2022, 7, 5))] * 4])


def national(res):
    t = res.filter(pc.equal(res["niveau"], "national"))
    return {r["indicateur"]: r for r in t.to_pylist()}


def run(as_of, **kw):
    return cogind.compute({"prestations": prestations()}, cog="2018-2022", indicators=CODES,
                          years=2022, as_of=as_of, **kw)


def test_late_lines_change_the_figure():
    april, july = national(run("2022-04")), national(run("2022-07"))
    assert april["DEPASSEMENT_TAUX"]["valeur"] == pytest.approx(40.0)
    assert july["DEPASSEMENT_TAUX"]["valeur"] == pytest.approx(52.0)
    assert april["FSE_DELAI_D9"]["valeur"] == 3 and july["FSE_DELAI_D9"]["valeur"] == 20
    assert {r["statut"] for r in april.values()} == {"atteint"}
    assert {r["statut"] for r in july.values()} == {"non atteint"}
    # 36 delays must be ≤ 7 days (⌈0.9 × 40⌉), 32 are: 4 cases; 52 % − 46 % of 4 000 € = 240 €
    assert july["FSE_DELAI_D9"]["ecart_cas"] == 4
    assert july["DEPASSEMENT_TAUX"]["ecart_cas"] == pytest.approx(240.0)
    assert july["DEPASSEMENT_TAUX"]["ecart_cas_unite"] == "euros"


def test_as_of_is_recorded_and_months_are_provisional():
    res = run("2022-04")
    meta = provenance(res)
    assert meta["situation_au"] == "2022-04"
    assert meta["entrees"]["prestations"]["lignes_non_disponibles"] == 8
    assert meta["consolidation"]["prestations"] == {"delai_mois": 3, "reference": "2022-04"}
    assert set(res["situation_au"].to_pylist()) == {"2022-04"}
    assert all(res["provisoire"].to_pylist())  # March + 3 months > April
    assert not any(run("2022-06")["provisoire"].to_pylist())  # three months have passed
    assert not any(run("2022-05", consolidation=2)["provisoire"].to_pylist())
    # without --as-of: counted from the last month of the data
    assert all(run(None)["provisoire"].to_pylist())
    assert not any(run(None, consolidation=0)["provisoire"].to_pylist())


def test_bad_as_of_and_options_are_usage_errors(tmp_path):  # issue 22: exit 2, not 1
    pq.write_table(prestations(), tmp_path / "prestations.parquet")
    for args in (["--as-of", "2022-13"], ["--as-of", "mars"]):
        r = CliRunner().invoke(cli, ["compute", str(tmp_path), *args])
        assert r.exit_code == 2 and "Invalid value for '--as-of'" in r.stderr
        with pytest.raises(ConfigError, match="--as-of expects YYYY-MM"):
            cogind.compute(tmp_path, as_of=args[1])
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--confidence", "1.5"])
    assert r.exit_code == 2


@pytest.mark.parametrize("old_ext,new_ext", [(".parquet", ".csv"), (".json", ".arrow")])
def test_diff_reports_the_late_lines(tmp_path, old_ext, new_ext):
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(prestations(), data / "prestations.parquet")
    old, new = tmp_path / f"avril{old_ext}", tmp_path / f"juillet{new_ext}"
    for as_of, out in (("2022-04", old), ("2022-07", new)):
        r = CliRunner().invoke(cli, ["compute", str(data), "--cog", "2018-2022", "--year", "2022",
                                     "--as-of", as_of, "-o", str(out),
                                     *sum((["--indicator", c] for c in CODES), [])])
        assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["diff", str(old), str(new)])
    assert r.exit_code == 0, r.output
    assert "situation au 2022-04" in r.stdout and "situation au 2022-07" in r.stdout
    lines = [x.replace("\u00a0", " ") for x in r.stdout.splitlines()  # unit after a NBSP
             if x.startswith("DEPASSEMENT_TAUX ")]
    assert len(lines) == 3 and all("40,0 %" in x and "52,0 %" in x and "+12,0 pts" in x
                                   and "cible plus atteinte" in x for x in lines)
    assert "6 franchissements de cible" in r.stdout
    r = CliRunner().invoke(cli, ["diff", "--json", str(old), str(new)])
    doc = json.loads(r.stdout)
    assert doc["resume"]["franchissements"] == 6 and doc["resume"]["valeurs_modifiees"] == 6
    fse = next(d for d in doc["differences"]
               if d["indicateur"] == "FSE_DELAI_D9" and d["niveau"] == "national")
    assert (fse["ancienne_valeur"], fse["nouvelle_valeur"], fse["variation"]) == (3, 20, 17)
    assert fse["ancien_statut"] == "atteint" and fse["nouveau_statut"] == "non atteint"


def test_write_keeps_the_as_of(tmp_path):
    path = write_table(run("2022-04"), tmp_path / "r.parquet")
    assert provenance(pq.read_table(path))["situation_au"] == "2022-04"
