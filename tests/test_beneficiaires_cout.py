"""n° 60 coût par bénéficiaire consommant with its denominator from the claims (issue 21 § 1):
COUT_BENEF_CONSOMMANT_EVOLUTION_CALCULE = change (%) versus the same months of 2022 of the
reported cost (mesures COUT_BENEF_CONSOMMANT, MES_NUM) / distinct consuming beneficiaries of
prestations. Checked against a plain Python set-based computation, API and CLI."""
from __future__ import annotations

import datetime as dt
import math
import random

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli

CODE = "COUT_BENEF_CONSOMMANT_EVOLUTION_CALCULE"
CAISSES = ["01C751", "75C751", "13C131"]


def claims(seed: int = 12) -> list[dict]:
    rnd = random.Random(seed)
    home = {f"C{i:016d}": rnd.choice(CAISSES) for i in range(500)}
    rows = []
    for _ in range(5000):
        ben = rnd.choice(list(home))
        rows.append({"ORG_CLE_NUM": home[ben] if rnd.random() < 0.9 else rnd.choice(CAISSES),
                     "EXE_SOI_DTD": dt.date(2022, 1, 1) + dt.timedelta(rnd.randrange(1096)),
                     "BEN_NIR_PSA": ben if rnd.random() < 0.98 else None,
                     "PRS_NAT_REF": rnd.choice([1111, 3313, 6111])})
    return rows


def mesures() -> pa.Table:
    rows = [(c, dt.date(y, m, 1), 1000.0 * (k + 1) + 7 * m + 30 * (y - 2022))
            for k, c in enumerate(CAISSES) for y in (2022, 2023, 2024) for m in range(1, 13)]
    rows += [(None, dt.date(y, 6, 1), 500.0) for y in (2022, 2023, 2024)]  # national cost
    return pa.table({"ORG_CLE_NUM": pa.array([r[0] for r in rows], pa.string()),
                     "MES_MOI_DTD": pa.array([r[1] for r in rows], pa.date32()),
                     "MES_COD": ["COUT_BENEF_CONSOMMANT"] * len(rows),
                     "MES_NUM": [r[2] for r in rows],
                     "MES_DEN": [100.0] * len(rows), "MES_VAL": pa.nulls(len(rows), pa.float64())})


def prestations(rows) -> pa.Table:
    types = {"ORG_CLE_NUM": pa.string(), "EXE_SOI_DTD": pa.date32(), "BEN_NIR_PSA": pa.string(),
             "PRS_NAT_REF": pa.int32()}
    return pa.table({k: pa.array([r[k] for r in rows], t) for k, t in types.items()})


def ratio(rows, mes: pa.Table, year: int) -> dict:
    """{caisse or None: cost / distinct consumers of ``year``}, each in their last caisse."""
    last = {}
    for r in rows:
        if r["EXE_SOI_DTD"].year == year and r["BEN_NIR_PSA"] is not None:
            mine = (r["EXE_SOI_DTD"], [-ord(ch) for ch in r["ORG_CLE_NUM"]])
            if r["BEN_NIR_PSA"] not in last or mine > last[r["BEN_NIR_PSA"]][0]:
                last[r["BEN_NIR_PSA"]] = (mine, r["ORG_CLE_NUM"])
    ben = {c: sum(1 for _, w in last.values() if w == c) for c in CAISSES}
    ben[None] = len(last)
    cost = {c: 0.0 for c in [*CAISSES, None]}
    for m in mes.to_pylist():
        if m["MES_MOI_DTD"].year == year:
            cost[None] += m["MES_NUM"]
            if m["ORG_CLE_NUM"] is not None:
                cost[m["ORG_CLE_NUM"]] += m["MES_NUM"]
    return {c: cost[c] / ben[c] for c in cost}


@pytest.fixture(scope="module")
def rows():
    return claims()


def test_change_of_cost_per_distinct_consumer_since_2022(rows):
    mes = mesures()
    res = cogind.compute({"prestations": prestations(rows), "mesures": mes}, cog=None,
                         indicators=[CODE], period="year", secret=False).to_pylist()
    base = ratio(rows, mes, 2022)
    for year in (2023, 2024):
        cur = ratio(rows, mes, year)
        got = {r["caisse"]: r for r in res if r["periode"] == str(year)}
        assert set(got) == {*CAISSES, None}
        for c in cur:
            assert got[c]["valeur"] == pytest.approx(100 * (cur[c] / base[c] - 1))
            assert got[c]["numerateur"] == pytest.approx(cur[c])
            assert got[c]["denominateur"] == pytest.approx(base[c])
    national = {r["periode"]: r for r in res if r["caisse"] is None}
    assert national["2022"]["valeur"] == 0.0  # the base year against itself, as Evolution


def test_missing_cost_or_base_year_is_non_calculable(rows):
    mes = mesures().filter(pa.compute.not_equal(mesures()["ORG_CLE_NUM"], "13C131"))
    later = [r for r in rows if r["EXE_SOI_DTD"].year >= 2023]
    res = cogind.compute({"prestations": prestations(later), "mesures": mes}, cog=None,
                         indicators=[CODE], period="year", secret=False).to_pylist()
    assert all(r["valeur"] is None for r in res)
    res = cogind.compute({"prestations": prestations(rows), "mesures": mes}, cog=None,
                         indicators=[CODE], period="year", secret=False).to_pylist()
    by = {(r["caisse"], r["periode"]): r for r in res}
    assert by[("13C131", "2023")]["valeur"] is None and by[("01C751", "2023")]["valeur"]


def test_cli_same_figures_as_the_api(tmp_path, rows):
    pq.write_table(prestations(rows), tmp_path / "prestations.parquet")
    pq.write_table(mesures(), tmp_path / "mesures.parquet")
    out = tmp_path / "r.csv"
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--indicator", CODE, "--period",
                                 "year", "--no-secret", "-o", str(out)])
    assert r.exit_code == 0, r.output
    got = pacsv.read_csv(out).to_pylist()
    api = cogind.compute({"prestations": prestations(rows), "mesures": mesures()},
                         indicators=[CODE], period="year", secret=False).to_pylist()
    assert [g["caisse"] or None for g in got] == [a["caisse"] for a in api]
    for g, a in zip(got, api):
        assert (a["valeur"] is None and g["valeur"] is None) or math.isclose(
            g["valeur"], a["valeur"], rel_tol=1e-12)
