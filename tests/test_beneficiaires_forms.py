"""Automatic form of n° 40 (issue 21 § 1): PARCOURS_PSY_PATIENTS_NB takes, per caisse and period,
the count computed from the claims (distinct patients with a session 9201/9202) where the
claims give one, else the figure the caisse reports in ``mesures``; regions and the nation sum
their caisses' forms. Checked against a plain Python set-based computation, through
``cogind.compute`` and ``cogind compute``."""
from __future__ import annotations

import datetime as dt
import json
import random

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.engine.levels import region_of

CODE = "PARCOURS_PSY_PATIENTS_NB"
WITH_SESSIONS = ["01C751", "75C751", "13C131"]
NO_SESSION = "59C591"  # in the claims, no session of the dispositif
ONLY_REPORTED = "69C691"  # not in the claims at all
ALL = [*WITH_SESSIONS, NO_SESSION, ONLY_REPORTED]
TARGETS = {2023: 100_000, 2024: 160_000}  # 002 l.9546


def claims(seed: int = 4) -> list[dict]:
    rnd = random.Random(seed)
    home = {f"B{i:016d}": rnd.choice(WITH_SESSIONS) for i in range(300)}
    rows = []
    for _ in range(2500):
        ben = rnd.choice(list(home))
        caisse = home[ben] if rnd.random() < 0.9 else rnd.choice(WITH_SESSIONS)
        rows.append({"ORG_CLE_NUM": caisse, "PRS_NAT_REF": rnd.choice([9201, 9202, 1111]),
                     "EXE_SOI_DTD": dt.date(2023, 1, 1) + dt.timedelta(rnd.randrange(730)),
                     "BEN_NIR_PSA": ben})
    rows += [{"ORG_CLE_NUM": NO_SESSION, "PRS_NAT_REF": 1111, "BEN_NIR_PSA": f"N{i:016d}",
              "EXE_SOI_DTD": dt.date(2023, 1 + i % 12, 1 + i % 28)} for i in range(200)]
    return rows


def mesures(caisses=ALL) -> pa.Table:
    rows = [(c, dt.date(y, m, 1), 10 * (k + 1) + m) for k, c in enumerate(caisses)
            for y in (2023, 2024) for m in range(1, 13)]
    return pa.table({"ORG_CLE_NUM": [r[0] for r in rows],
                     "MES_MOI_DTD": pa.array([r[1] for r in rows], pa.date32()),
                     "MES_COD": ["PARCOURS_PSY_PATIENTS"] * len(rows),
                     "MES_NUM": pa.nulls(len(rows), pa.float64()),
                     "MES_DEN": pa.nulls(len(rows), pa.float64()),
                     "MES_VAL": [float(r[2]) for r in rows]})


def prestations(rows, with_ids=True) -> pa.Table:
    cols = {"ORG_CLE_NUM": pa.array([r["ORG_CLE_NUM"] for r in rows], pa.string()),
            "EXE_SOI_DTD": pa.array([r["EXE_SOI_DTD"] for r in rows], pa.date32()),
            "PRS_NAT_REF": pa.array([r["PRS_NAT_REF"] for r in rows], pa.int32())}
    if with_ids:
        cols["BEN_NIR_PSA"] = pa.array([r["BEN_NIR_PSA"] for r in rows], pa.string())
    return pa.table(cols)


def computed(rows) -> dict:
    """{(caisse, year): distinct patients}, each in the caisse of their last session."""
    last = {}
    for r in rows:
        if r["PRS_NAT_REF"] in (9201, 9202):
            key = (r["EXE_SOI_DTD"].year, r["BEN_NIR_PSA"])
            mine = (r["EXE_SOI_DTD"], [-ord(ch) for ch in r["ORG_CLE_NUM"]])
            if key not in last or mine > last[key][0]:
                last[key] = (mine, r["ORG_CLE_NUM"])
    out = {}
    for (year, _), (_, caisse) in last.items():
        out[(caisse, year)] = out.get((caisse, year), 0) + 1
    return out


def reported(table: pa.Table) -> dict:
    out = {}
    for c, d, v in zip(*(table.column(k).to_pylist()
                         for k in ("ORG_CLE_NUM", "MES_MOI_DTD", "MES_VAL"))):
        out[(c, d.year)] = out.get((c, d.year), 0) + v
    return out


def run(tables, **kw) -> list[dict]:
    kw = {"period": "year", "secret": False, "indicators": [CODE], **kw}
    return cogind.compute(tables, **kw).to_pylist()


def forme(r) -> str:
    return json.loads(r["details"])["forme"]


@pytest.fixture(scope="module")
def rows():
    return claims()


def test_each_caisse_takes_the_claims_where_they_have_it_else_its_report(rows):
    mes = mesures()
    out = run({"prestations": prestations(rows), "mesures": mes})
    comp, rep = computed(rows), reported(mes)
    caisse_rows = [r for r in out if r["niveau"] == "caisse"]
    assert {(r["caisse"], r["periode"]) for r in caisse_rows} == {
        (c, str(y)) for c in ALL for y in (2023, 2024)}
    for r in caisse_rows:
        key = (r["caisse"], int(r["periode"]))
        if r["caisse"] in WITH_SESSIONS:
            assert (forme(r), r["valeur"], r["n"]) == ("calculée", comp[key], comp[key])
        else:
            assert (forme(r), r["valeur"], r["n"]) == ("déclarée", rep[key], None)
        assert r["indicateur"] == CODE and r["statut"] == "sans cible"
    for r in (r for r in out if r["niveau"] == "national"):
        year = int(r["periode"])
        want = (sum(v for (c, y), v in comp.items() if y == year)
                + sum(v for (c, y), v in rep.items() if y == year and c not in WITH_SESSIONS))
        assert (forme(r), r["valeur"], r["cible"]) == ("mixte", want, TARGETS[year])
        assert r["atteint"] is (want >= TARGETS[year]) and r["ecart"] == want - TARGETS[year]
        assert r["statut"] == "non atteint" and r["ic_bas"] is None


def test_regions_sum_their_caisses_forms(rows):
    mes = mesures()
    out = run({"prestations": prestations(rows), "mesures": mes},
              levels=["caisse", "region", "national"])
    by_caisse = {(r["caisse"], r["periode"]): r for r in out if r["niveau"] == "caisse"}
    region = region_of(ALL)
    for r in (r for r in out if r["niveau"] == "region"):
        members = [by_caisse[(c, r["periode"])] for c in ALL if region[c] == r["caisse"]]
        forms = {forme(m) for m in members}
        assert forme(r) == (forms.pop() if len(forms) == 1 else "mixte")
        assert r["valeur"] == sum(m["valeur"] for m in members)


def test_claims_for_every_caisse_give_the_computed_figures_throughout(rows):
    mes = mesures(WITH_SESSIONS)
    tables = {"prestations": prestations([r for r in rows if r["ORG_CLE_NUM"] != NO_SESSION]),
              "mesures": mes}
    out = run(tables)
    plain = run(tables, indicators=["PARCOURS_PSY_PATIENTS_DISTINCTS"])
    assert {forme(r) for r in out} == {"calculée"}
    strip = lambda r: {k: v for k, v in r.items() if k not in (
        "indicateur", "libelle", "details", "cible", "cible_libelle", "cible_type", "statut",
        "motif", "atteint", "ecart", "ecart_cas", "ecart_cas_unite", "significatif", "cog")}
    assert [strip(r) for r in out] == [strip(r) for r in plain]
    national = {r["periode"]: r for r in out if r["niveau"] == "national"}
    assert national["2023"]["cible"] == TARGETS[2023] and national["2023"]["atteint"] is False


def test_without_ids_every_row_is_the_reported_one(rows):
    mes = mesures()
    auto = run({"prestations": prestations(rows, with_ids=False), "mesures": mes}, strict=True)
    rep = reported(mes)
    assert {forme(r) for r in auto} == {"déclarée"}
    for r in auto:
        year = int(r["periode"])
        want = rep[(r["caisse"], year)] if r["caisse"] else sum(
            v for (_, y), v in rep.items() if y == year)
        assert r["valeur"] == want and r["n"] is not None
    only = run({"mesures": mes})
    assert [{**r, "details": None} for r in only] == [{**r, "details": None} for r in auto]


def test_provenance_counts_forms_and_the_secret_reads_computed_counts(rows):
    res = cogind.compute({"prestations": prestations(rows), "mesures": mesures()},
                         indicators=[CODE], period="year", secret=1000)
    meta = cogind.provenance(res)
    assert meta["formes"][CODE] == {"calculée": 6, "déclarée": 4, "mixte": 2}
    assert CODE not in meta["sans_secret"] and not meta["non_calcules"]
    out = res.to_pylist()
    assert all(r["masque"] for r in out if r["niveau"] == "caisse" and forme(r) == "calculée")
    masked_reported = [r for r in out if r["masque"] and forme(r) == "déclarée"]
    assert len(masked_reported) <= 2  # complementary masking only, never for their own size


def test_cli_writes_the_form_of_each_row(tmp_path, rows):
    pq.write_table(prestations(rows), tmp_path / "prestations.parquet")
    pq.write_table(mesures(), tmp_path / "mesures.parquet")
    out = tmp_path / "r.csv"
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--indicator", CODE, "--period",
                                 "year", "--no-secret", "-o", str(out)])
    assert r.exit_code == 0, r.output
    got = pacsv.read_csv(out).to_pylist()
    api = run({"prestations": prestations(rows), "mesures": mesures()})
    assert [(g["caisse"] or None, g["valeur"], json.loads(g["details"])["forme"]) for g in got] == [
        (a["caisse"], a["valeur"], forme(a)) for a in api]


def test_claims_without_mesures_give_the_computed_form_and_no_gap(rows):
    res = cogind.compute({"prestations": prestations(rows)}, indicators=[CODE], period="year",
                         secret=False)
    meta, out = cogind.provenance(res), res.to_pylist()
    comp = computed(rows)
    assert not meta["entrees_manquantes"] and CODE not in meta["non_calcules"]
    for r in (r for r in out if r["niveau"] == "caisse"):
        want = comp.get((r["caisse"], int(r["periode"])))
        assert forme(r) == "calculée" and r["valeur"] == want
        assert (r["statut"] == "non calculable") is (want is None)


@pytest.mark.parametrize("kw", [{"threads": 1, "batch_size": 97}, {"threads": 3,
                                                                    "batch_size": 1000}])
def test_same_rows_whatever_the_batches_and_threads(rows, kw):
    tables = {"prestations": prestations(rows), "mesures": mesures()}
    assert run(tables, **kw) == run(tables)
