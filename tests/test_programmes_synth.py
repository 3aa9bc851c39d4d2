"""Generated programme acts (issue 21 § 1): dental care of the 3-24 year-olds, the three cancer
screenings and Mon soutien psy sessions in generated claims, whose population table is the
claims' people. On ``cogind.generate`` data the computed forms of n° 29, 30-32 and 40 have
values (``details.forme`` « calculée »), near the COG's targets, equal to the set-based
references of tests/test_depistages.py and tests/test_beneficiaires_dentaire.py (plain Python
over the rows), through the API and the CLI."""
from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import defaultdict
from itertools import pairwise

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from test_beneficiaires_dentaire import pop_3_24
from test_depistages import PROG, expected, month_of, year_periods

import cogind
from cogind.cli import cli
from cogind.synth.profiles import profiles

YEARS = (2022, 2024)
ROWS = 240_000  # 80,000 claim lines a year, and the programme lines of their people on top
SEIN, COL, CCR = "DEPISTAGE_SEIN_TAUX", "DEPISTAGE_COL_TAUX", "DEPISTAGE_COLORECTAL_TAUX"
DENT, PSY = "DENTISTE_RECOURS_TAUX", "PARCOURS_PSY_PATIENTS_NB"
# COG 2023-2027 annex 5 (seed 002 l.9499-9509, 9546)
TARGETS = {DENT: {2023: 51, 2024: 52}, SEIN: {2023: 58.8, 2024: 61.6},
           COL: {2024: 63.8}, CCR: {2023: 37.8, 2024: 44.6}, PSY: {2023: 1e5, 2024: 1.6e5}}
FIRST_ACTS = {SEIN + "_CALCULE": {1336}, COL + "_CALCULE": {9319}, CCR + "_CALCULE": {9311, 9434}}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("programmes")
    manifest = cogind.generate(out, years=YEARS, rows={"prestations": ROWS}, seed=4,
                               tables=("prestations", "population"))
    rows = pq.read_table(out / "prestations.parquet").to_pylist()
    return out, manifest, rows, pq.read_table(out / "population.parquet")


@pytest.fixture(scope="module")
def cog_results(data):
    res = cogind.compute(data[0], cog="2023-2027", indicators=list(TARGETS), period="year",
                         secret=False)
    return {(r["indicateur"], r["caisse"], r["periode"]): r for r in res.to_pylist()}


def test_computed_forms_near_the_targets_nationally_and_spread_by_caisse(data, cog_results):
    rate = data[1]["tables"]["population"]["echantillon"]
    for code, targets in TARGETS.items():
        for year, target in targets.items():
            r = cog_results[(code, None, str(year))]
            assert json.loads(r["details"])["forme"] == "calculée", (code, year)
            if code == PSY:  # a count of the sample: the target × the sample's share
                share = rate[str(year)]["taux"]
                assert 0.6 * target * share < r["valeur"] < 1.4 * target * share, r
            else:
                assert abs(r["valeur"] - target) < 3.5, (code, year, r["valeur"])
    for code in (DENT, SEIN, CCR):
        values = [r["valeur"] for (c, caisse, p), r in cog_results.items()
                  if c == code and caisse is not None and p == "2024" and r["valeur"] is not None]
        assert len(values) == 101
        assert 3 < statistics.pstdev(values) < 15  # the caisses differ, sampling noise included


def test_screenings_equal_the_set_reference(data):
    out, _, rows, pop = data
    codes = [SEIN + "_CALCULE", COL + "_CALCULE", CCR + "_CALCULE"]
    res = cogind.compute(out, cog=None, indicators=codes, period="year", secret=False)
    month0 = min(month_of(r["EXE_SOI_DTD"]) for r in rows)
    got = defaultdict(dict)
    for r in res.to_pylist():
        if r["valeur"] is not None and r["niveau"] in ("caisse", "national"):
            got[r["indicateur"]][(r["caisse"], r["periode"])] = (r["n"], r["valeur"])
    for code in codes:
        want = expected(rows, pop, code, year_periods(range(YEARS[0], YEARS[1] + 1)), month0)
        assert want and want.keys() == got[code].keys(), code
        for k, (n, value) in want.items():
            assert got[code][k][0] == n and got[code][k][1] == pytest.approx(value, rel=1e-12)
    assert {p for _, p in got[COL + "_CALCULE"]} == {"2024"}  # 36 months from 2022


def test_dental_care_and_psy_patients_equal_the_set_reference(data):
    out, _, rows, pop = data
    res = cogind.compute(out, cog=None, period="year", secret=False,
                         indicators=["DENTISTE_RECOURS_TAUX_CALCULE",
                                     "PARCOURS_PSY_PATIENTS_DISTINCTS"]).to_pylist()
    got = {(r["indicateur"][:4], r["caisse"], r["periode"]): r for r in res}
    registry = cogind.build_registry()
    scope = {c: set(w.values) for code in ("DENTISTE_RECOURS_TAUX_CALCULE",
                                           "PARCOURS_PSY_PATIENTS_DISTINCTS")
             for w in registry.indicator(code).where if w.column == "PRS_NAT_REF" for c in [code]}
    everyone = set(pop.column("ORG_CLE_NUM").to_pylist())
    for year in (2023, 2024):
        dental, psy = {}, {}
        for r in rows:
            if r["EXE_SOI_DTD"].year != year:
                continue
            mine = (r["EXE_SOI_DTD"], [-ord(ch) for ch in r["ORG_CLE_NUM"]])
            for best, code, ok in ((dental, "DENTISTE_RECOURS_TAUX_CALCULE",
                                    3 <= r["BEN_AMA_COD"] <= 24),
                                   (psy, "PARCOURS_PSY_PATIENTS_DISTINCTS", True)):
                if ok and r["PRS_NAT_REF"] in scope[code] and (
                        r["BEN_NIR_PSA"] not in best or mine > best[r["BEN_NIR_PSA"]][0]):
                    best[r["BEN_NIR_PSA"]] = (mine, r["ORG_CLE_NUM"])
        for unit in (None, "01C751", "01C595", "01C971"):
            n = sum(1 for _, c in dental.values() if unit in (None, c))
            den = pop_3_24(pop, everyone if unit is None else [unit], year)
            r = got[("DENT", unit, str(year))]
            assert r["n"] == n and r["valeur"] == pytest.approx(100 * n / den, rel=1e-12)
        assert got[("PARC", None, str(year))]["valeur"] == len(psy)


def test_programme_people_ages_rhythms_and_codes(data):
    """Screened once per window (the next act exactly a window later), at the programme's ages
    and sex; dental care with repeat visits; several psy sessions a year; every act in the scope
    of its indicator (the registry's codes, not the generator's)."""
    rows = data[2]
    registry = cogind.build_registry()
    acts = defaultdict(list)
    for r in rows:
        for code, first in FIRST_ACTS.items():
            if r["PRS_NAT_REF"] in first:
                p = PROG[code]
                assert r["BEN_SEX_COD"] in p["sexes"] and p["ages"][0] <= r["BEN_AMA_COD"] <= \
                    p["ages"][1]
                acts[(code, r["BEN_NIR_PSA"])].append(month_of(r["EXE_SOI_DTD"]))
    repeated = 0
    for (code, _), months in acts.items():
        months.sort()
        assert all(b - a == PROG[code]["window"] for a, b in pairwise(months)), code
        repeated += len(months) > 1
    assert repeated > 100
    visits = defaultdict(int)
    for r in rows:
        key = (r["PRS_NAT_REF"] in (9201, 9202), r["BEN_NIR_PSA"], r["EXE_SOI_DTD"].year)
        if r["PRS_NAT_REF"] in (9201, 9202) or 1400 <= r["PRS_NAT_REF"] < 1500 or \
                9411 <= r["PRS_NAT_REF"] <= 9415:
            visits[key] += 1
    dental = [v for (is_psy, _, _), v in visits.items() if not is_psy]
    psy = [v for (is_psy, _, _), v in visits.items() if is_psy]
    assert 1.8 < statistics.mean(dental) < 3.5 and 3 < statistics.mean(psy) <= 12
    assert max(psy) <= 12
    scopes = set()
    for code in (*FIRST_ACTS, "DENTISTE_RECOURS_TAUX_CALCULE", "PARCOURS_PSY_PATIENTS_DISTINCTS"):
        scopes |= {v for w in registry.indicator(code).where if w.column == "PRS_NAT_REF"
                   for v in w.values}
    written = {r["PRS_NAT_REF"] for r in rows} - {int(n) for n in profiles().nat}
    assert written and written <= scopes


def test_population_is_the_claims_people(data):
    """Each caisse × year × band × sex of the population holds at least the distinct people its
    claims show, and most people of the population have a claim in the year."""
    _, manifest, rows, pop = data
    bands = defaultdict(int)
    for r in pop.to_pylist():
        bands[(r["ORG_CLE_NUM"], r["ANNEE"], r["AGE_MIN"], r["BEN_SEX_COD"])] += r["BEN_NBR"]
    seen = defaultdict(set)
    for r in rows:
        if r["EXE_SOI_DTD"].year in (2023, 2024) and r["EXE_SOI_DTD"].month == 6:
            key = (r["ORG_CLE_NUM"], r["EXE_SOI_DTD"].year, min(r["BEN_AMA_COD"] // 5 * 5, 95),
                   r["BEN_SEX_COD"])
            seen[key].add(r["BEN_NIR_PSA"])
    assert all(len(ids) <= bands[k] for k, ids in seen.items())
    people = sum(v for (_, y, _, _), v in bands.items() if y == 2024)
    assert manifest["tables"]["population"]["echantillon"]["2024"]["beneficiaires"] == people
    year_ids = {r["BEN_NIR_PSA"] for r in rows if r["EXE_SOI_DTD"].year == 2024}
    assert 0.7 < len(year_ids) / people <= 1.0


def test_cli_gives_the_api_figures(data, cog_results, tmp_path):
    out = tmp_path / "res.json"
    args = ["compute", str(data[0]), "--cog", "2023-2027", "--period", "year", "--year", "2024",
            "--no-secret", "-o", str(out)]
    for code in TARGETS:
        args += ["--indicator", code]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    rows = rows["resultats"] if isinstance(rows, dict) else rows
    national = {x["indicateur"]: x for x in rows if x["niveau"] == "national"}
    assert set(national) == set(TARGETS)
    for code, x in national.items():
        assert x["valeur"] == pytest.approx(cog_results[(code, None, "2024")]["valeur"])
        assert json.loads(x["details"])["forme"] == "calculée"


def test_act_days_are_within_their_year_and_paid_after(data):
    for r in data[2]:
        if r["PRS_NAT_REF"] in (1336, 9313, 9319, 9318, 9311, 9434, 9201, 9202):
            assert r["EXE_SOI_DTD"] <= r["FSE_REC_DTD"] <= r["PRS_PAI_DTD"] < dt.date(2025, 1, 1)
