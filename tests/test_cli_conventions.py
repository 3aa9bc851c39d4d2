"""CLI conventions of issue 22: --json documents, -o/--output, --year, usage errors (exit 2),
completion, French help, one warning per missing input, --caisse and the referential's names.

Figures are checked against plain pyarrow/csv computations on the same rows; JSON is parsed.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import click
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.analyses.composite import base_service
from cogind.cli import COMMANDS, cli, sample_path
from cogind.io.output import write_table

ROOT = Path(__file__).resolve().parents[1]
CODES = list(base_service("2023-2027"))
PARIS, BOURG = "01C751", "01C011"
REGISTRY = cogind.build_registry()


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, prog_name="cogind")


def ok_json(*args):
    r = run(*args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Monthly results of the sample (two indicators), annual ones judged against a CPG."""
    d = tmp_path_factory.mktemp("conv")
    monthly = cogind.compute(sample_path(), indicators=["APPELS_TAUX_ABOUTIS",
                                                        "IJ_MAL_DELAI_MOYEN"], period="month")
    annual = cogind.compute(sample_path(), indicators=CODES, period="year")
    cpg = cogind.derive_targets(annual, 2023, years=[2023, 2024])
    judged = cogind.compute(sample_path(), indicators=CODES, period="year", cpg=cpg)
    out = {"monthly": d / "mensuel.parquet", "annual": d / "annuel.parquet",
           "judged": d / "juge.parquet", "dir": d}
    for key, table in (("monthly", monthly), ("annual", annual), ("judged", judged)):
        write_table(table, out[key])
    return out


@pytest.fixture(scope="module")
def only_prestations(tmp_path_factory):
    d = tmp_path_factory.mktemp("prest")
    cogind.generate(d, years=(2023, 2023), rows={"prestations": 5_000}, tables=("prestations",))
    return d


# --------------------------------------------------------------------------- 1. --json


def test_validate_json_counts_rows_and_names_the_gaps(only_prestations):
    doc = ok_json("validate", only_prestations, "--json")
    assert doc["ok"] is True and [t["table"] for t in doc["tables"]] == ["prestations"]
    table = doc["tables"][0]
    assert table["lignes"] == pq.read_metadata(only_prestations / "prestations.parquet").num_rows
    assert table["erreurs"] == [] and table["messages"]
    res = cogind.compute(only_prestations, period="year")
    wanted = {e["motif"]: e["indicateurs"] for e in cogind.provenance(res)["entrees_manquantes"]}
    got = {g["motif"]: g["indicateurs"] for g in doc["non_calculables"]}
    assert {m: set(c) & set(wanted[m]) for m, c in got.items() if m in wanted} == {
        m: set(c) for m, c in wanted.items()}  # validate checks every COG, compute one
    assert all(g["type"] == "table absente" and not g["erreur"] for g in doc["non_calculables"])


def test_validate_json_on_a_broken_table_exits_1(tmp_path):
    pq.write_table(pa.table({"ORG_CLE_NUM": ["01C751"], "PRS_PAI_MNT": ["douze"]}),
                   tmp_path / "prestations.parquet")
    r = run("validate", tmp_path, "--json")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["ok"] is False
    assert {e["colonne"] for e in doc["tables"][0]["erreurs"]} == {"PRS_PAI_MNT"}


def test_alerts_json_same_as_the_api_and_the_rows(files):
    doc = ok_json("alerts", files["monthly"], "--months", "4", "--json")
    assert doc["mois"] == 4 and doc["seuil"] is None
    assert doc["lignes"] and [c["nom"] for c in doc["colonnes"]] == list(doc["lignes"][0])
    table = cogind.read_results(files["monthly"])
    api = cogind.alerts(table, 4)
    assert len(doc["lignes"]) == len(api) > 0
    rows = table.filter(pc.equal(table["niveau"], "caisse")).to_pylist()
    status = {(r["indicateur"], r["caisse"], r["periode"]): r["statut"] for r in rows}
    for a, b in zip(doc["lignes"], api):
        assert (a["indicateur"], a["caisse"], a["debut"], a["mois"]) == (
            b.indicateur, b.caisse, b.debut, b.mois)
        y, m = map(int, a["debut"].split("-"))
        months = [f"{y + (m - 1 + k) // 12}-{(m - 1 + k) % 12 + 1:02d}" for k in range(a["mois"])]
        assert months[-1] == a["fin"] and a["mois"] >= 4
        assert all(status[(a["indicateur"], a["caisse"], p)] == "non atteint" for p in months)


def test_targets_composite_json_recounted(files):
    doc = ok_json("targets", "composite", files["judged"], "--json")
    assert doc["reduction"] == 15.0 and doc["indicateurs"] == CODES
    table = pq.read_table(files["judged"])
    caisse = table.filter(pc.and_(pc.equal(table["niveau"], "caisse"),
                                  pc.is_in(table["indicateur"], pa.array(CODES))))
    for line in doc["lignes"]:
        rows = caisse.filter(pc.equal(caisse["periode"], line["periode"]))
        for col, status in (("sous_socle", "statut_socle"), ("sous_objectif", "statut_objectif")):
            assert line[col] == pc.sum(pc.equal(rows[status], "en dessous")).as_py()
    assert {d["dimension"] for d in doc["moteurs"]["lignes"]} == {"indicateur", "caisse"}


def test_targets_derive_and_verify_json(files):
    doc = ok_json("targets", "derive", files["annual"], "--base", "2023", "--json")
    api = cogind.derive_targets(cogind.read_results(files["annual"]), 2023)
    assert len(doc["lignes"]) == api.num_rows and doc["regle"]
    assert [c["nom"] for c in doc["colonnes"]] == api.column_names
    assert doc["lignes"][0] == {k: v for k, v in api.to_pylist()[0].items()}
    v = ok_json("verify", files["annual"], "--sample", "--json")
    assert v["ok"] is True and v["cellules"] > 0 and v["differences"] == []


# --------------------------------------------------------------------------- 2. one spelling


def _tables(folder):
    return sorted(p.name for p in Path(folder).iterdir())


def test_generate_output_and_the_old_spellings(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    base = ["--rows", "prestations=500", "--tables", "prestations", "--format", "arrow"]
    r = run("generate", "-o", a, "--year", "2024", *base)
    assert r.exit_code == 0, r.output
    old = run("generate", "--out", b, "--years", "2024", *base)
    assert old.exit_code == 0 and "--out est remplacé par -o/--output" in old.stderr
    assert (a / "prestations.arrow").read_bytes() == (b / "prestations.arrow").read_bytes()
    assert json.loads((a / "manifest.json").read_text())["command"].split()[2:4] == ["-o", str(a)]
    both = run("generate", "-o", a, "--out", b, *base)
    assert both.exit_code == 2 and "deux dossiers différents" in both.stderr
    assert run("generate", *base).exit_code == 2


@pytest.mark.parametrize("command", ["docs", "convert"])
def test_folder_commands_take_output_or_the_positional(tmp_path, command, only_prestations):
    head = ["docs", "--cog", "2014-2017"] if command == "docs" else ["convert",
                                                                      only_prestations]
    made = []
    for tail in (["-o", tmp_path / "o"], [tmp_path / "p"]):
        r = run(*head, *tail)
        assert r.exit_code == 0, r.output
        made.append(_tables(tail[-1]))
    assert made[0] == made[1] and made[0]
    same = run(*head, tmp_path / "q", "-o", tmp_path / "q")
    assert same.exit_code == 0, same.output
    differ = run(*head, tmp_path / "r", "-o", tmp_path / "s")
    assert differ.exit_code == 2 and "deux dossiers différents" in differ.stderr
    assert not (tmp_path / "r").exists() and not (tmp_path / "s").exists()
    assert run(*head).exit_code == 2


def test_year_ranges_and_the_hidden_years(tmp_path):
    outs = []
    for i, years in enumerate([["--year", "2023-2024"], ["--year", "2023", "--year", "2024"],
                               ["--years", "2024", "--year", "2023"]]):
        out = tmp_path / f"r{i}.parquet"
        r = run("compute", "--sample", "--indicator", "APPELS_TAUX_ABOUTIS", *years, "-o", out)
        assert r.exit_code == 0, r.output
        outs.append(pq.read_table(out))
    api = cogind.compute(sample_path(), indicators=["APPELS_TAUX_ABOUTIS"], period="year",
                         years=[2023, 2024])
    for t in outs:
        assert t.equals(outs[0]) and t.num_rows == api.num_rows
    assert sorted(set(outs[0]["periode"].to_pylist())) == ["2023", "2024"]


# --------------------------------------------------------------------------- 3. usage errors

SRC = ["--sample"]
OPTION_COMMANDS = {
    "cog": [["compute", *SRC], ["validate", "."], ["list"], ["alerts", *SRC],
            ["report", *SRC], ["targets", "derive", *SRC, "--base", "2023"],
            ["targets", "composite", *SRC], ["docs", "-o", "never"]],
    "indicator": [["compute", *SRC], ["alerts", *SRC], ["report", *SRC],
                  ["targets", "derive", *SRC, "--base", "2023"], ["targets", "composite", *SRC]],
    "output": [["compute", *SRC], ["alerts", *SRC], ["report", *SRC],
               ["targets", "derive", *SRC, "--base", "2023"], ["targets", "composite", *SRC]],
    "period": [["compute", *SRC], ["report", *SRC], ["targets", "composite", *SRC]],
    "year": [["compute", *SRC], ["report", *SRC], ["targets", "derive", *SRC, "--base", "2023"],
             ["generate", "-o", "never"]],
    "as-of": [["compute", *SRC]],
}
BAD = {"cog": [["--cog", "1999-2003"]], "indicator": [["--indicator", "NOPE"]],
       "output": [["-o", "resultats.txt"]], "period": [["--period", "semaine"]],
       "year": [["--year", "20x4"], ["--year", "2025-2023"], ["--years", "deux"]],
       "as-of": [["--as-of", "2024-13"], ["--as-of", "juin"], ["--as-of", "2024-6-1"]]}
CASES = [(option, command, bad) for option, commands in OPTION_COMMANDS.items()
         for command in commands for bad in BAD[option]]


@pytest.mark.parametrize("option,command,bad", CASES,
                         ids=[f"{o}-{'_'.join(c[:2])}-{b[-1]}" for o, c, b in CASES])
def test_usage_mistakes_exit_2_before_any_read(tmp_path, monkeypatch, option, command, bad):
    monkeypatch.chdir(tmp_path)
    r = run(*command, *bad)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Usage: cogind ") and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(("Error: Invalid value", "Error: "))
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_describe_unknown_code_is_a_usage_error():
    r = run("describe", "NOPE")
    assert r.exit_code == 2 and "Invalid value for 'CODE'" in r.stderr


def test_every_option_command_is_walked():
    walked = {c[0] for cs in OPTION_COMMANDS.values() for c in cs}
    assert walked == {"compute", "validate", "list", "alerts", "report", "targets", "docs",
                      "generate"}


@pytest.mark.parametrize("args,fragment", [
    (["compute", "/nonexistent/donnees"], "no such file or folder"),
    (["compute", "--sample", "--year", "2019"], "outside COG"),
    (["validate", "/nonexistent/donnees"], "no such file or folder")])
def test_data_errors_stay_1(args, fragment):
    r = run(*args)
    assert r.exit_code == 1 and r.stderr.startswith("Error: ") and fragment in r.stderr


# --------------------------------------------------------------------------- 4. completion


def test_bash_completion_script_and_completions():
    script = run(env={"_COGIND_COMPLETE": "bash_source"})
    assert script.exit_code == 0 and "_cogind_completion" in script.stdout
    words = run(env={"_COGIND_COMPLETE": "bash_complete", "COMP_WORDS": "cogind comp",
                     "COMP_CWORD": "1"})
    assert "plain,compute" in words.stdout.splitlines()
    opts = run(env={"_COGIND_COMPLETE": "bash_complete", "COMP_WORDS": "cogind compute --cai",
                    "COMP_CWORD": "2"})
    assert {"plain,--caisse", "plain,--caisses"} <= set(opts.stdout.splitlines())
    assert "_COGIND_COMPLETE=bash_source cogind" in (ROOT / "docs" / "cli.md").read_text()


@pytest.mark.parametrize("words,cword,want", [
    ("cogind compute --cog 20", "3", {"2014-2017", "2018-2022", "2023-2027"}),
    ("cogind list --cog 2023", "3", {"2023-2027"}),
    ("cogind describe ij_mal", "2", {c for c in REGISTRY.indicators if c.startswith("IJ_MAL")}),
    ("cogind alerts --indicator APPELS", "3", {"APPELS_TAUX_ABOUTIS"})])
def test_codes_are_completed_from_the_registry(words, cword, want):
    r = run(env={"_COGIND_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": cword})
    got = {line.split(",", 1)[1] for line in r.stdout.splitlines()}
    assert got == want and want


# --------------------------------------------------------------------------- 5. French help

ENGLISH = re.compile(r"\b(the|of|with|this|which|only|write|show|from|into|when|each|"
                     r"default|instead|must)\b", re.IGNORECASE)


def _commands():
    for name in COMMANDS:
        command = cli.get_command(None, name)
        yield name, command
        for sub, c in getattr(command, "commands", {}).items():
            yield f"{name} {sub}", c


@pytest.mark.parametrize("name,command", list(_commands()), ids=lambda x: str(x))
def test_help_texts_are_french(name, command):
    texts = [command.help or ""] + [p.help for p in command.params
                                    if isinstance(p, click.Option) and p.help]
    english = [t for t in texts if ENGLISH.search(t.replace("--", " "))]
    assert english == [], name
    r = run(*name.split(), "--help")
    assert r.exit_code == 0 and "Afficher cette aide et quitter." in r.stdout
    placeholders = re.findall(r"^\s+(?:-\w, )?--[\w-]+ ([A-Z_]+)\b", r.stdout, re.MULTILINE)
    assert not set(placeholders) & {"TEXT", "INTEGER", "FLOAT", "PATH", "FILE", "DIRECTORY"}


# --------------------------------------------------------------------------- 6. one warning


def test_one_table_folder_one_warning_per_missing_table(only_prestations, tmp_path):
    r = run("compute", only_prestations, "--period", "year", "-o", tmp_path / "r.parquet")
    assert r.exit_code == 0, r.output
    warned = [line for line in r.stderr.splitlines() if "non calculable" in line]
    res = pq.read_table(tmp_path / "r.parquet")
    gaps = cogind.provenance(res)["entrees_manquantes"]
    assert len(warned) == len(gaps) == len({g["table"] for g in gaps}) <= 8
    stopped = res.filter(pc.equal(res["statut"], "non calculable"))
    for gap, line in zip(gaps, warned):
        n = len(gap["indicateurs"])
        assert line.startswith(f"Attention : {n} indicateur") and gap["motif"] in line
        assert len(line) < 300 and line.count(", ") <= 5
        mine = stopped.filter(pc.is_in(stopped["indicateur"], pa.array(gap["indicateurs"])))
        assert set(mine["motif"].to_pylist()) == {gap["motif"]}  # the detail stays in the rows
        assert set(mine["indicateur"].to_pylist()) == set(gap["indicateurs"])


# --------------------------------------------------------------------------- 7. --caisse


def _referential():
    lines = [line for line in (ROOT / "src" / "cogind" / "synth" / "caisses.csv")
             .read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return {r["ORG_CLE_NUM"]: r for r in csv.DictReader(lines, delimiter=";")}


def test_caisse_filter_keeps_the_levels_above(tmp_path):
    full, part = tmp_path / "full.parquet", tmp_path / "part.parquet"
    base = ["compute", "--sample", "--indicator", "APPELS_TAUX_ABOUTIS", "--level", "caisse",
            "--level", "region", "--level", "national"]
    assert run(*base, "-o", full).exit_code == 0
    r = run(*base, "--caisse", PARIS, "--caisse", BOURG, "-o", part)
    assert r.exit_code == 0, r.output
    a, b = pq.read_table(full), pq.read_table(part)
    caisses = b.filter(pc.equal(b["niveau"], "caisse"))
    assert set(caisses["caisse"].to_pylist()) == {PARIS, BOURG}
    keep = pc.or_(pc.not_equal(a["niveau"], "caisse"),
                  pc.is_in(a["caisse"], pa.array([PARIS, BOURG])))
    assert a.filter(keep).equals(b.replace_schema_metadata(a.schema.metadata))
    assert cogind.provenance(b)["options"]["caisses"] == [PARIS, BOURG]
    assert "caisses" not in cogind.provenance(a)["options"]  # default files unchanged
    api = cogind.compute(sample_path(), indicators=["APPELS_TAUX_ABOUTIS"], period="year",
                         levels=["caisse", "region", "national"], caisses=[PARIS, BOURG])
    assert api.equals(b)
    assert run("verify", part, "--sample").exit_code == 0


def test_caisse_names_on_the_terminal_and_as_columns(tmp_path):
    ref = _referential()
    r = run("compute", "--sample", "--indicator", "APPELS_TAUX_ABOUTIS", "--caisse", PARIS,
            "--level", "caisse", "--level", "region")
    assert r.exit_code == 0, r.output
    assert f"{PARIS} {ref[PARIS]['ORG_CAI_LIB']}" in r.stdout
    assert "region 11 Ile-de-France" in r.stdout
    out = tmp_path / "l.parquet"
    assert run("compute", "--sample", "--indicator", "APPELS_TAUX_ABOUTIS", "--level", "caisse",
               "--level", "region", "--libelles", "-o", out).exit_code == 0
    t = pq.read_table(out)
    doc = json.loads((ROOT / "schemas" / "resultats.json").read_text(encoding="utf-8"))
    named = [f["name"] for f in doc["fields"] if f.get("cogind:facultatif") == "libelles"]
    assert t.column_names[-2:] == named == ["caisse_libelle", "region_libelle"]
    regions = {"11": "Ile-de-France", "84": "Auvergne-Rhône-Alpes"}
    for row in t.select(["niveau", "caisse", "caisse_libelle", "region_libelle"]).to_pylist():
        if row["niveau"] == "caisse":
            assert row["caisse_libelle"] == ref[row["caisse"]]["ORG_CAI_LIB"]
            reg = ref[row["caisse"]]["ORG_CLE_REG"]
            assert reg not in regions or row["region_libelle"] == regions[reg]
        else:
            assert row["caisse_libelle"] is None
            assert row["caisse"] not in regions or row["region_libelle"] == regions[row["caisse"]]
    plain = cogind.compute(sample_path(), indicators=["APPELS_TAUX_ABOUTIS"], period="year")
    assert "caisse_libelle" not in plain.column_names


@pytest.mark.parametrize("code", ["Paris", "01c751", "1C751"])
def test_bad_caisse_code_is_a_usage_error(code):
    r = run("compute", "--sample", "--caisse", code)
    assert r.exit_code == 2 and "--caisse" in r.stderr


def test_unknown_caisse_is_a_warning(tmp_path):
    r = run("compute", "--sample", "--indicator", "APPELS_TAUX_ABOUTIS", "--caisse", "01C999",
            "-o", tmp_path / "r.parquet")
    assert r.exit_code == 0 and "Attention : caisse 01C999 absente des résultats" in r.stderr
    t = pq.read_table(tmp_path / "r.parquet")
    assert set(t["niveau"].to_pylist()) == {"national"}


def test_compute_json_every_row_and_the_provenance():
    doc = ok_json("compute", "--sample", "--indicator", "APPELS_TAUX_ABOUTIS", "--json")
    api = cogind.compute(sample_path(), indicators=["APPELS_TAUX_ABOUTIS"], period="year")
    assert [c["nom"] for c in doc["colonnes"]] == api.column_names
    assert doc["provenance"]["cog"] == "2023-2027" and doc["provenance"]["periode"] == "year"
    want = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
            for row in api.to_pylist()]
    assert doc["lignes"] == want  # caisse rows too, as in a file
    for row in doc["lignes"]:
        if row["valeur"] is not None:
            assert row["valeur"] == pytest.approx(100 * row["numerateur"] / row["denominateur"])
    r = run("compute", "--sample", "--json", "-o", "x.parquet")
    assert r.exit_code == 2 and "--json" in r.stderr
