"""Caisse contracts (issue 12): CPG table, statuses against socle and objectif, derived targets.

Derived targets are checked against deciles written here from their definition (smallest value
with at least k × 10 % of caisses at or below it, mirrored for delays), not from a rank formula.
"""
from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path
from cogind.analyses.cpg import (ABOVE, BELOW, CPG_COLUMNS, CPG_SCHEMA, MASKED, NOT_COMPUTED, apply_cpg,
                        judge, read_cpg)
from cogind.errors import ConfigError, InputError, SchemaError
from cogind.engine.finalise import RESULT_SCHEMA
from cogind.analyses.targets import derive_cpg, derive_info

ROOT = Path(__file__).parents[1]
CODES = ["IJ_MAL_DELAI_MOYEN", "C2S_DELAI_D9", "APPELS_TAUX_ABOUTIS", "RECLAMATIONS_10J_TAUX",
         "FSE_DELAI_D9"]


@pytest.fixture(scope="module")
def annual():
    return cogind.compute(sample_path(), "2023-2027", indicators=CODES, period="year", secret=11)


def ref_decile(values, k, direction):
    """Dk in the indicator's direction, straight from the definition (no rank formula)."""
    m = len(values)
    if direction == "hausse":
        return min(v for v in values if sum(x <= v for x in values) * 10 >= k * m)
    return max(v for v in values if sum(x >= v for x in values) * 10 >= k * m)


def results_rows(rows):
    """A minimal result table: every RESULT_SCHEMA column, the given values, others empty."""
    cols = {f.name: [r.get(f.name) for r in rows] for f in RESULT_SCHEMA}
    return pa.table({f.name: pa.array(cols[f.name], f.type) for f in RESULT_SCHEMA},
                    schema=RESULT_SCHEMA)


def row(code, caisse, value, sens, year=2024, niveau="caisse", masque=False):
    return {"indicateur": code, "niveau": niveau, "caisse": caisse, "periode": str(year),
            "debut": dt.date(year, 1, 1), "fin": dt.date(year, 12, 31), "valeur": value,
            "sens": sens, "masque": masque}


def cpg_table(rows):
    return pa.table({f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in CPG_SCHEMA},
                    schema=CPG_SCHEMA)


# --------------------------------------------------------------------------- statuses


@pytest.mark.parametrize("sens,value,expected", [
    ("baisse", 20.0, ABOVE), ("baisse", 25.0, ABOVE), ("baisse", 25.5, BELOW),
    ("hausse", 90.0, ABOVE), ("hausse", 25.0, ABOVE), ("hausse", 24.9, BELOW)])
def test_judge_reads_the_direction(sens, value, expected):
    assert judge(value, 25.0, sens) == expected


def test_apply_cpg_statuses_in_both_directions():
    res = results_rows([
        row("DELAI", "A", 20.0, "baisse"), row("DELAI", "B", 27.0, "baisse"),
        row("DELAI", "C", 31.0, "baisse"), row("DELAI", "D", None, "baisse"),
        row("DELAI", "E", None, "baisse", masque=True), row("DELAI", None, 24.0, "baisse",
                                                             niveau="national"),
        row("TAUX", "A", 95.0, "hausse"), row("TAUX", "B", 85.0, "hausse"),
        row("TAUX", "C", 70.0, "hausse"), row("TAUX", "F", 99.0, "hausse"),
        row("TAUX", "A", 95.0, "hausse", year=2023)])
    cpg = cpg_table(
        [{"caisse": c, "indicateur": "DELAI", "annee": 2024, "socle": 30.0, "objectif": 25.0}
         for c in "ABCDE"]
        + [{"caisse": c, "indicateur": "TAUX", "annee": 2024, "socle": 80.0, "objectif": 90.0}
           for c in "ABC"]
        + [{"caisse": "F", "indicateur": "TAUX", "annee": 2024, "socle": None, "objectif": 90.0}])
    out = apply_cpg(res, cpg)
    assert out.column_names == RESULT_SCHEMA.names + CPG_COLUMNS.names
    assert out.select(RESULT_SCHEMA.names).equals(res)
    got = [(r["statut_socle"], r["statut_objectif"])
           for r in out.select(["statut_socle", "statut_objectif"]).to_pylist()]
    assert got == [(ABOVE, ABOVE), (ABOVE, BELOW), (BELOW, BELOW), (NOT_COMPUTED,) * 2,
                   (MASKED,) * 2, (None, None),
                   (ABOVE, ABOVE), (ABOVE, BELOW), (BELOW, BELOW), (None, ABOVE),
                   (None, None)]  # no CPG line for 2023
    assert out["socle"].to_pylist()[:3] == [30.0] * 3
    prov = cogind.provenance(out)["cpg"]
    assert prov["lignes"] == 9 and prov["lignes_resultats_appariees"] == 9


def test_a_socle_more_demanding_than_the_objectif_is_refused():
    res = results_rows([row("DELAI", "A", 20.0, "baisse")])
    bad = cpg_table([{"caisse": "A", "indicateur": "DELAI", "annee": 2024, "socle": 20.0,
                      "objectif": 25.0}])
    with pytest.raises(InputError, match="more demanding"):
        apply_cpg(res, bad)


def test_read_cpg_checks_columns_types_and_keys(tmp_path):
    good = cpg_table([{"caisse": "A", "indicateur": "X", "annee": 2024, "socle": 1.0,
                       "objectif": 2.0}])
    with pytest.raises(SchemaError, match="missing column 'objectif'"):
        read_cpg(good.drop_columns(["objectif"]))
    with pytest.raises(InputError, match="more than once"):
        read_cpg(pa.concat_tables([good, good]))
    path = tmp_path / "contrats.csv"
    path.write_text("caisse;indicateur;annee;socle;objectif\n01C751;X;2024;1,5;2\n"
                    .replace("1,5", "1.5"), encoding="utf-8")
    assert read_cpg(path).to_pylist()[0]["socle"] == 1.5
    with pytest.raises(InputError, match="no CPG file"):
        read_cpg(tmp_path / "absent.parquet")


def test_schema_files_declare_the_cpg_columns():
    doc = json.loads((ROOT / "schemas" / "cpg.json").read_text(encoding="utf-8"))
    kinds = {"string": "string", "double": "number", "int64": "integer"}
    assert [(f["name"], f["type"]) for f in doc["fields"]] == [
        (f.name, kinds[str(f.type)]) for f in CPG_SCHEMA]
    res = json.loads((ROOT / "schemas" / "resultats.json").read_text(encoding="utf-8"))
    tail = res["fields"][-len(CPG_COLUMNS):]
    assert [f["name"] for f in tail] == CPG_COLUMNS.names
    assert all(f["cogind:facultatif"] == "cpg" for f in tail)


def test_the_registry_knows_the_cpg_table():
    from cogind.plugins import build_registry

    assert set(build_registry().table("cpg").fields) == set(CPG_SCHEMA.names)


# --------------------------------------------------------------------------- derived targets


def _base_values(results, year):
    out = {}
    for r in results.to_pylist():
        if r["niveau"] == "caisse" and r["periode"] == str(year):
            out.setdefault(r["indicateur"], {"sens": r["sens"], "v": {}})
            if not r["masque"] and r["valeur"] is not None:
                out[r["indicateur"]]["v"][r["caisse"]] = r["valeur"]
    return out


@pytest.mark.parametrize("k", [7, 8, 2])
def test_derived_objectif_is_the_network_decile(annual, k):
    cpg = derive_cpg(annual, 2023, decile=k, socle="base", years=[2024])
    base = _base_values(annual, 2023)
    rows = cpg.to_pylist()
    for code, b in base.items():
        d = ref_decile(list(b["v"].values()), k, b["sens"])
        mine = [r for r in rows if r["indicateur"] == code]
        assert {r["objectif"] for r in mine} == {d}, code
        assert {r["caisse"] for r in mine} == set(b["v"])  # published caisses only
        for r in mine:  # socle: own value, never more demanding than the objectif
            own = b["v"][r["caisse"]]
            better = own > d if b["sens"] == "hausse" else own < d
            assert r["socle"] == (d if better else own)
    assert derive_info(cpg)["reseau"]["C2S_DELAI_D9"]["objectif"] == ref_decile(
        list(base["C2S_DELAI_D9"]["v"].values()), k, "baisse")


def test_decile_direction_on_a_toy_network():
    values = [float(v) for v in range(1, 11)]  # 10 caisses, 1 … 10
    rows = [row("DELAI", f"C{int(v):02d}", v, "baisse", 2023) for v in values] + [
        row("TAUX", f"C{int(v):02d}", v, "hausse", 2023) for v in values]
    cpg = derive_cpg(results_rows(rows), 2023, decile=8, socle=5)
    info = derive_info(cpg)["reseau"]
    # rates: 8 caisses of 10 at or below 8; delays: 8 caisses of 10 at or above 3
    assert info["TAUX"]["objectif"] == 8.0 and info["DELAI"]["objectif"] == 3.0
    assert info["TAUX"]["socle"] == 5.0 and info["DELAI"]["socle"] == 6.0


def test_path_to_is_linear_from_the_caisse_to_the_decile():
    rng = random.Random(12)
    values = [round(rng.uniform(10, 40), 1) for _ in range(30)]
    rows = [row("DELAI", f"C{i:02d}", v, "baisse", 2023) for i, v in enumerate(values)]
    cpg = derive_cpg(results_rows(rows), 2023, decile=8, path_to=2027)
    d = ref_decile(values, 8, "baisse")
    by = {}
    for r in cpg.to_pylist():
        by.setdefault(r["caisse"], {})[r["annee"]] = r
    for i, v in enumerate(values):
        years = by[f"C{i:02d}"]
        assert sorted(years) == [2024, 2025, 2026, 2027]
        for y, r in years.items():
            expected = d if v <= d else v + (d - v) * (y - 2023) / 4
            assert r["objectif"] == pytest.approx(expected)
            assert r["socle"] == (v if v > d else d)  # own level, clamped to the objectif
        assert years[2027]["objectif"] == pytest.approx(d)
    info = derive_info(cpg)
    assert info["annee_base"] == 2023 and info["trajectoire_jusqu_a"] == 2027
    assert "Hyndman-Fan type 1" in info["regle_quantile"]
    assert "trajectoire linéaire" in cpg["regle"][0].as_py()


def test_derive_refuses_what_it_cannot_do(annual):
    with pytest.raises(ConfigError, match="no annual caisse results for base year 2019"):
        derive_cpg(annual, 2019)
    with pytest.raises(ConfigError, match="more demanding"):
        derive_cpg(annual, 2023, decile=6, socle=8)
    with pytest.raises(ConfigError, match="must come after"):
        derive_cpg(annual, 2023, path_to=2023)
    few = results_rows([row("DELAI", f"C{i}", float(i), "baisse", 2023) for i in range(5)])
    with pytest.raises(ConfigError, match="10 published"):
        derive_cpg(few, 2023)


def test_derived_table_round_trips_into_compute(annual, tmp_path):
    cpg = derive_cpg(annual, 2023, years=[2023, 2024], socle=5)
    path = tmp_path / "cpg.parquet"
    pq.write_table(cpg, path)
    out = cogind.compute(sample_path(), "2023-2027", indicators=CODES, period="year",
                         secret=11, cpg=path)
    assert out.column_names[-4:] == CPG_COLUMNS.names
    caisse = out.filter(pc.and_(pc.equal(out["niveau"], "caisse"),
                                pc.invert(pc.is_null(out["objectif"]))))
    assert caisse.num_rows == cpg.num_rows
    for r in caisse.to_pylist():  # statuses recounted from the values themselves
        if r["masque"]:
            assert r["statut_objectif"] == MASKED
        elif r["valeur"] is None:
            assert r["statut_objectif"] == NOT_COMPUTED
        else:
            ok = (r["valeur"] >= r["objectif"] if r["sens"] == "hausse"
                  else r["valeur"] <= r["objectif"])
            assert r["statut_objectif"] == (ABOVE if ok else BELOW)
    assert set(out.filter(pc.equal(out["niveau"], "national"))["statut_socle"].to_pylist()) \
        == {None}


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def annual_file(annual, tmp_path_factory):
    path = tmp_path_factory.mktemp("cpg") / "annuel.parquet"
    pq.write_table(annual, path)
    return path


def test_cli_derive_then_compute_with_cpg(annual_file, tmp_path):
    runner = CliRunner()
    out = tmp_path / "cpg.csv"
    res = runner.invoke(cli, ["targets", "derive", str(annual_file), "--base", "2023",
                              "--decile", "8", "--path-to", "2025", "-o", str(out)])
    assert res.exit_code == 0, res.output
    table = read_cpg(out)
    assert set(table["annee"].to_pylist()) == {2024, 2025}
    shown = runner.invoke(cli, ["targets", "derive", str(annual_file), "--base", "2023"])
    assert shown.exit_code == 0 and "8e décile" in shown.output
    res = runner.invoke(cli, ["compute", "--sample", "--period", "year", "--indicator",
                              "C2S_DELAI_D9", "--cpg", str(out), "-o", str(tmp_path / "r.parquet")])
    assert res.exit_code == 0, res.output
    assert pq.read_table(tmp_path / "r.parquet").column_names[-1] == "statut_objectif"


def test_cli_errors_are_one_line_with_exit_codes(annual_file, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["targets", "derive", str(annual_file)])
    assert res.exit_code == 2  # --base is required: usage
    res = runner.invoke(cli, ["targets", "derive", str(annual_file), "--base", "2019"])
    assert res.exit_code == 1
    assert res.output.strip().splitlines() == [
        "Error: no annual caisse results for base year 2019 (compute with --period year and a "
        "--year that includes it)"]
    res = runner.invoke(cli, ["targets", "derive", str(annual_file), "--base", "2023",
                              "--socle", "median"])
    assert res.exit_code == 1 and res.output.startswith("Error: --socle expects")
    bad = tmp_path / "cpg.csv"
    pacsv.write_csv(pa.table({"caisse": ["A"], "indicateur": ["X"], "annee": [2024]}), bad)
    res = runner.invoke(cli, ["compute", "--sample", "--period", "year", "--indicator",
                              "C2S_DELAI_D9", "--cpg", str(bad)])
    assert res.exit_code == 1
    assert len(res.output.strip().splitlines()) == 1 and "missing column 'socle'" in res.output
    res = runner.invoke(cli, ["compute", "--sample", "--cpg", str(tmp_path / "absent.csv")])
    assert res.exit_code == 2
