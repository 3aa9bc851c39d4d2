"""n° 29 taux de recours au chirurgien-dentiste des 3-24 ans from the claims (issue 21 § 1):
DENTISTE_RECOURS_TAUX_CALCULE = distinct beneficiaries aged 3-24 at care with a dental act
(IR_NAT_V natures) in the 12 months ending at the period / population 3-24 × 100 (2/5 of the
0-4 band), and the automatic form of DENTISTE_RECOURS_TAUX (computed per caisse where it has a
value, else reported). Checked against a plain Python set-based computation, through
``cogind.compute`` and ``cogind compute``."""
from __future__ import annotations

import datetime as dt
import json
import math
import random

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from cogind_plugins.indicateurs_beneficiaires import ACTES_DENTAIRES

import cogind
from cogind.cli import cli
from cogind.measures.recours import CareUseRate

CODE, AUTO = "DENTISTE_RECOURS_TAUX_CALCULE", "DENTISTE_RECOURS_TAUX"
CAISSES = ["01C751", "75C751", "13C131"]
ONLY_REPORTED = "69C691"
BANDS = range(0, 100, 5)


def claims(seed: int = 8) -> list[dict]:
    """People of every age; some move; dental and other acts; ages at the band edges."""
    rnd = random.Random(seed)
    people = {f"D{i:016d}": (rnd.choice(CAISSES), rnd.randrange(0, 40), rnd.choice((1, 2)))
              for i in range(400)}
    rows = []
    for _ in range(4000):
        ben = rnd.choice(list(people))
        home, age, sex = people[ben]
        day = dt.date(2023, 1, 1) + dt.timedelta(rnd.randrange(730))
        rows.append({"ORG_CLE_NUM": home if rnd.random() < 0.9 else rnd.choice(CAISSES),
                     "EXE_SOI_DTD": day, "BEN_NIR_PSA": ben, "BEN_SEX_COD": sex,
                     "BEN_AMA_COD": age + (day.year - 2023),
                     "PRS_NAT_REF": rnd.choice([1433, 1451, 9411, 1466, 1111, 3313, 1421])})
    return rows


def population(caisses=(*CAISSES, ONLY_REPORTED)) -> pa.Table:
    rows = [(c, y, a, s, 1000 + 37 * a + 5 * s + k) for k, c in enumerate(caisses)
            for y in (2023, 2024) for a in BANDS for s in (1, 2)]
    return pa.table({"ORG_CLE_NUM": [r[0] for r in rows], "ANNEE": [r[1] for r in rows],
                     "AGE_MIN": [r[2] for r in rows], "BEN_SEX_COD": [r[3] for r in rows],
                     "ALD_TOP": pa.nulls(len(rows), pa.int64()),
                     "BEN_NBR": [r[4] for r in rows]})


def mesures() -> pa.Table:
    rows = [(c, dt.date(y, m, 1), 400.0 + 10 * k + m, 1000.0 + k)
            for k, c in enumerate([*CAISSES, ONLY_REPORTED]) for y in (2023, 2024)
            for m in range(1, 13)]
    return pa.table({"ORG_CLE_NUM": [r[0] for r in rows],
                     "MES_MOI_DTD": pa.array([r[1] for r in rows], pa.date32()),
                     "MES_COD": ["RECOURS_DENTISTE"] * len(rows),
                     "MES_NUM": [r[2] for r in rows], "MES_DEN": [r[3] for r in rows],
                     "MES_VAL": pa.nulls(len(rows), pa.float64())})


def prestations(rows) -> pa.Table:
    types = {"ORG_CLE_NUM": pa.string(), "EXE_SOI_DTD": pa.date32(), "BEN_NIR_PSA": pa.string(),
             "BEN_SEX_COD": pa.int8(), "BEN_AMA_COD": pa.int16(), "PRS_NAT_REF": pa.int32()}
    return pa.table({k: pa.array([r[k] for r in rows], t) for k, t in types.items()})


def pop_3_24(table: pa.Table, codes, year: int) -> float:
    total = 0.0
    for r in table.to_pylist():
        if r["ORG_CLE_NUM"] in codes and r["ANNEE"] == year:
            ages = set(range(r["AGE_MIN"], r["AGE_MIN"] + 5)) & set(range(3, 25))
            total += r["BEN_NBR"] * len(ages) / 5
    return total


def reference(rows, pop: pa.Table, first: dt.date, last: dt.date) -> dict:
    """{caisse or None: (rate, beneficiaries)} over the window [first, last]."""
    best = {}
    for r in rows:
        if (first <= r["EXE_SOI_DTD"] <= last and r["PRS_NAT_REF"] in ACTES_DENTAIRES
                and 3 <= r["BEN_AMA_COD"] <= 24):
            mine = (r["EXE_SOI_DTD"], [-ord(ch) for ch in r["ORG_CLE_NUM"]])
            if r["BEN_NIR_PSA"] not in best or mine > best[r["BEN_NIR_PSA"]][0]:
                best[r["BEN_NIR_PSA"]] = (mine, r["ORG_CLE_NUM"])
    per = {}
    for _, caisse in best.values():
        per[caisse] = per.get(caisse, 0) + 1
    out = {c: (100 * per.get(c, 0) / pop_3_24(pop, [c], last.year), per.get(c, 0))
           for c in CAISSES}
    everyone = pop.column("ORG_CLE_NUM").to_pylist()
    out[None] = (100 * len(best) / pop_3_24(pop, set(everyone), last.year), len(best))
    return out


@pytest.fixture(scope="module")
def rows():
    return claims()


def test_rate_per_caisse_and_nationally_against_a_set_based_count(rows):
    pop = population()
    res = cogind.compute({"prestations": prestations(rows), "population": pop}, cog=None,
                         indicators=[CODE], period="year", secret=False).to_pylist()
    for year in (2023, 2024):
        want = reference(rows, pop, dt.date(year, 1, 1), dt.date(year, 12, 31))
        got = {r["caisse"]: r for r in res if r["periode"] == str(year)}
        assert set(got) == {*CAISSES, None}
        for c, (rate, n) in want.items():
            assert got[c]["valeur"] == pytest.approx(rate) and got[c]["n"] == n
            assert got[c]["denominateur"] == pytest.approx(
                pop_3_24(pop, [c] if c else pop.column("ORG_CLE_NUM").to_pylist(), year))


def test_rolling_months_need_twelve_months_of_claims(rows):
    pop = population()
    res = cogind.compute({"prestations": prestations(rows), "population": pop}, cog=None,
                         indicators=[CODE], period="month", secret=False).to_pylist()
    national = {r["periode"]: r for r in res if r["niveau"] == "national"}
    assert national["2023-11"]["valeur"] is None and "fenêtre" in national["2023-11"]["motif"]
    want = reference(rows, pop, dt.date(2023, 7, 1), dt.date(2024, 6, 30))
    assert national["2024-06"]["valeur"] == pytest.approx(want[None][0])


def test_partial_bands_count_for_their_years_inside_the_ages():
    m = CareUseRate(age_min=3, age_max=24)
    assert [m.share(a, a + 5) for a in (0, 5, 20, 25)] == [0.4, 1.0, 1.0, 0.0]
    assert m.share(3, 4) == 1.0 and m.share(2, 3) == 0.0 and m.share(95, None) == 0.0


def test_automatic_form_of_n29_takes_the_claims_else_the_report(rows):
    pop, mes = population(), mesures()
    tables = {"prestations": prestations(rows), "population": pop, "mesures": mes}
    res = cogind.compute(tables, indicators=[AUTO], period="year", secret=False).to_pylist()
    for r in res:
        assert r["indicateur"] == AUTO
    for year in (2023, 2024):
        want = reference(rows, pop, dt.date(year, 1, 1), dt.date(year, 12, 31))
        got = {r["caisse"]: r for r in res if r["periode"] == str(year)}
        rep_rows = [r for r in mes.to_pylist() if r["ORG_CLE_NUM"] == ONLY_REPORTED
                    and r["MES_MOI_DTD"].year == year]
        rep_num = sum(r["MES_NUM"] for r in rep_rows)
        rep_den = sum(r["MES_DEN"] for r in rep_rows)
        for c in CAISSES:
            assert json.loads(got[c]["details"])["forme"] == "calculée"
            assert got[c]["valeur"] == pytest.approx(want[c][0])
        assert json.loads(got[ONLY_REPORTED]["details"])["forme"] == "déclarée"
        assert got[ONLY_REPORTED]["valeur"] == pytest.approx(100 * rep_num / rep_den)
        # nation: each caisse's rate weighted by one year's population (reported: MES_DEN/12)
        weights = {c: pop_3_24(pop, [c], year) for c in CAISSES}
        weights[ONLY_REPORTED] = rep_den / 12
        rates = {c: want[c][0] for c in CAISSES} | {ONLY_REPORTED: 100 * rep_num / rep_den}
        mixed = sum(rates[c] * w for c, w in weights.items()) / sum(weights.values())
        nat = got[None]
        assert json.loads(nat["details"])["forme"] == "mixte"
        assert nat["valeur"] == pytest.approx(mixed)
        target = {2023: 51, 2024: 52}[year]  # 002 l.9500
        assert nat["cible"] == target and nat["atteint"] is (mixed >= target)
        assert nat["ecart"] == pytest.approx(mixed - target)


def test_cli_same_rows_as_the_api(tmp_path, rows):
    tables = {"prestations": prestations(rows), "population": population(),
              "mesures": mesures()}
    for name, t in tables.items():
        pq.write_table(t, tmp_path / f"{name}.parquet")
    out = tmp_path / "r.csv"
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--indicator", AUTO, "--period",
                                 "year", "--no-secret", "-o", str(out)])
    assert r.exit_code == 0, r.output
    got = pacsv.read_csv(out).to_pylist()
    api = cogind.compute(tables, indicators=[AUTO], period="year", secret=False).to_pylist()
    assert len(got) == len(api)
    for g, a in zip(got, api):
        assert (g["caisse"] or None, json.loads(g["details"])["forme"]) == (
            a["caisse"], json.loads(a["details"])["forme"])
        assert math.isclose(g["valeur"], a["valeur"], rel_tol=1e-12)
