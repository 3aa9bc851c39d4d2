"""Issue 21 § 2, readings of reported measures: FEMINISATION_DIRECTEURS_TAUX is the share of
the less represented gender, min(f, 100 − f) (004 l.1470, 002 l.9594-9595). Against a plain
NumPy computation through the Python API and the CLI, with the COG status it gets."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli

CODE = "FEMINISATION_DIRECTEURS_TAUX"


def _mesures(women: list[float], years=(2021, 2022)) -> pa.Table:
    """National DIRECTEURS_FEMMES rows, one per month, directrices out of 200 directeurs,
    the month's count of women taken in turn from ``women``; an other measure alongside."""
    rows = {"ORG_CLE_NUM": [], "MES_MOI_DTD": [], "MES_COD": [], "MES_NUM": [], "MES_DEN": [],
            "MES_VAL": []}
    k = 0
    for y in years:
        for m in range(1, 13):
            for code, num in (("DIRECTEURS_FEMMES", women[k % len(women)]), ("AUTRE", 1.0)):
                rows["ORG_CLE_NUM"].append(None)
                rows["MES_MOI_DTD"].append(dt.date(y, m, 1))
                rows["MES_COD"].append(code)
                rows["MES_NUM"].append(num)
                rows["MES_DEN"].append(200.0)
                rows["MES_VAL"].append(None)
            k += 1
    return pa.table(rows, schema=pa.schema([
        ("ORG_CLE_NUM", pa.string()), ("MES_MOI_DTD", pa.date32()), ("MES_COD", pa.string()),
        ("MES_NUM", pa.float64()), ("MES_DEN", pa.float64()), ("MES_VAL", pa.float64())]))


def _plain(table: pa.Table, year: int) -> float:
    code = np.asarray(table["MES_COD"])
    years = np.asarray(table["MES_MOI_DTD"]).astype("datetime64[Y]").astype(int) + 1970
    rows = (code == "DIRECTEURS_FEMMES") & (years == year)
    f = 100.0 * np.asarray(table["MES_NUM"])[rows].sum() / np.asarray(table["MES_DEN"])[rows].sum()
    return min(f, 100.0 - f)


# 2021 mostly women (122 to 134 of 200: f ≈ 64 %), 2022 mostly men (f ≈ 36 %)
TABLE = _mesures([122.0, 130.0, 134.0] * 4 + [70.0, 74.0, 72.0] * 4)


def _national(rows, year):
    return next(r for r in rows if r["indicateur"] == CODE and r["niveau"] == "national"
                and r["periode"] == str(year))


def test_the_less_represented_gender_whichever_it_is():
    res = cogind.compute({"mesures": TABLE}, cog="2018-2022", period="year", secret=False,
                         indicators=[CODE], years=(2021, 2022)).to_pylist()
    for year in (2021, 2022):
        row = _national(res, year)
        assert row["valeur"] == pytest.approx(_plain(TABLE, year), rel=1e-12)
        assert row["valeur"] < 50
    # 2021: 36 % of men, under the 46 % minimum the COG sets (the share of women, 64 %, met it)
    assert _national(res, 2021)["statut"] == "non atteint"


def test_the_cli_gives_the_same_figure(tmp_path):
    pq.write_table(TABLE, tmp_path / "mesures.parquet")
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--cog", "none", "--period", "year",
                                 "--quiet", "--indicator", CODE, "-o", str(tmp_path / "r.parquet")])
    assert r.exit_code == 0, r.output
    rows = pq.read_table(tmp_path / "r.parquet").to_pylist()
    for year in (2021, 2022):
        assert _national(rows, year)["valeur"] == pytest.approx(_plain(TABLE, year), rel=1e-12)
    described = CliRunner().invoke(cli, ["describe", CODE])
    assert "min(r, 100 − r)" in described.stdout


# ------------------------------------------------------------------ réitération (2018-2022)

def _enquetes(n=1_500, seed=4) -> pa.Table:
    rng = np.random.default_rng(seed)
    rei = rng.choice([0, 1, 9], n, p=[.6, .35, .05]).astype(np.int8)
    return pa.table({
        "ORG_CLE_NUM": rng.choice(["01C751", "01C921"], n),
        "ENQ_REP_DTD": pa.array(np.datetime64("2021-01-01") + rng.integers(0, 365, n)),
        "ENQ_PUB_COD": rng.choice(["ASS", "PS"], n, p=[.8, .2]),
        "ENQ_CAN_COD": rng.choice(["GLOBAL", "TEL", "MEL"], n),
        "ENQ_SAT_TOP": pa.array(rng.choice([0, 1], n, p=[.3, .7]).astype(np.int8),
                                mask=rng.random(n) < .03),
        "ENQ_REI_TOP": pa.array(rei, mask=rng.random(n) < .03)})


def test_satisfaction_of_those_who_had_to_recontact():
    """COG 2018-2022 n° 8 « Taux de satisfaction sur la réitération » (004 l.998): satisfied
    among the insured who re-contacted, not the rate of re-contact (REITERATION_TAUX)."""
    t = _enquetes()
    res = cogind.compute({"enquetes": t}, cog="2018-2022", period="year", secret=False,
                         indicators=["SATISFACTION_REITERATION_TAUX", "REITERATION_TAUX"],
                         years=(2021,)).to_pylist()
    pub, rei = np.asarray(t["ENQ_PUB_COD"]), np.asarray(t["ENQ_REI_TOP"].fill_null(-1))
    sat = np.asarray(t["ENQ_SAT_TOP"].fill_null(-1))
    rows = (pub == "ASS") & (rei == 1) & (sat >= 0)
    [row] = [r for r in res if r["indicateur"] == "SATISFACTION_REITERATION_TAUX"
             and r["niveau"] == "national"]
    assert row["n"] == rows.sum()
    assert row["valeur"] == pytest.approx(100.0 * (sat[rows] == 1).sum() / rows.sum(), rel=1e-12)
    r = CliRunner().invoke(cli, ["describe", "SATISFACTION_REITERATION_TAUX"])
    assert r.exit_code == 0 and "ENQ_REI_TOP" in r.stdout and "004" in r.stdout


@pytest.mark.parametrize("code, cited, not_cited", [
    ("UGECAM_MARGE_BRUTE_TAUX", ("l. 3369-3370", "l. 3412-3413"), "l. 2518-2520"),
    ("ORDONNANCES_NUMERIQUES_TAUX", ("l. 1508-1511", "l. 1528-1529"), "l. 1813 "),
])
def test_describe_cites_the_passages_the_reading_rests_on(code, cited, not_cited):
    """Weak citations mended (issue 21): the Ugecam margin rests on the group's « équilibre
    économique » (002 l.3369-3370, 3412-3413), not on the CPTS passage (l.2518-2520); the
    ordonnance numérique on its generalisation (l.1508-1511, 1528-1529), not a roadmap cell."""
    out = CliRunner().invoke(cli, ["describe", code]).stdout
    assert all(c in out for c in cited) and not_cited not in out


# ------------------------------------------------------------------ dépassements (2014-2017)

def _prestations(n=4_000, seed=8) -> pa.Table:
    """Claims of 2013-2015 of secteur 1 DP / 2 physicians (and others out of scope), the
    excess-fee rate falling about 2 points a year."""
    rng = np.random.default_rng(seed)
    year = rng.choice([2013, 2014, 2015], n)
    day = (np.array([f"{y}-01-01" for y in year], "datetime64[D]") + rng.integers(0, 365, n))
    base = np.round(rng.uniform(20, 80, n), 2)
    rate = 0.56 - 0.02 * (year - 2013) + rng.normal(0, 0.05, n)
    return pa.table({
        "ORG_CLE_NUM": rng.choice(["01C751", "01C921"], n),
        "EXE_SOI_DTD": pa.array(day),
        "PSE_CNV_COD": rng.choice([1, 2, 3], n).astype(np.int8),
        "PSE_SPE_COD": rng.choice([1, 3, 36], n, p=[.5, .4, .1]).astype(np.int16),
        "PRS_DEP_MNT": np.round(base * np.clip(rate, 0, None), 2),
        "BSE_REM_BSE": base})


def _rate(t: pa.Table, y: int) -> float:
    years = np.asarray(t["EXE_SOI_DTD"]).astype("datetime64[Y]").astype(int) + 1970
    rows = ((years == y) & np.isin(np.asarray(t["PSE_CNV_COD"]), [2, 3])
            & (np.asarray(t["PSE_SPE_COD"]) != 36))
    return 100.0 * np.asarray(t["PRS_DEP_MNT"])[rows].sum() / np.asarray(t["BSE_REM_BSE"])[rows].sum()


def test_excess_fees_judged_on_a_yearly_change_in_points(tmp_path):
    """COG 2014-2017 « – 1,5 point par an » (001 l.754): the rate minus last year's, in points,
    against −1.5, not a level worked back from 2017; the API and the CLI agree."""
    t = _prestations()
    code = "DEPASSEMENT_TAUX_ECART_PTS"
    res = cogind.compute({"prestations": t}, cog="2014-2017", period="year", secret=False,
                         indicators=[code, "DEPASSEMENT_TAUX"], years=(2014, 2015)).to_pylist()
    pq.write_table(t, tmp_path / "prestations.parquet")
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--cog", "2014-2017", "--period",
                                 "year", "--quiet", "--indicator", code, "-o",
                                 str(tmp_path / "r.parquet")])
    assert r.exit_code == 0, r.output
    cli_rows = pq.read_table(tmp_path / "r.parquet").to_pylist()
    for rows in (res, cli_rows):
        for y in (2014, 2015):
            [row] = [x for x in rows if x["indicateur"] == code and x["niveau"] == "national"
                     and x["periode"] == str(y)]
            change = _rate(t, y) - _rate(t, y - 1)
            assert row["valeur"] == pytest.approx(change, rel=1e-9, abs=1e-9)
            assert row["statut"] == ("atteint" if change <= -1.5 else "non atteint")
            assert row["cible"] == -1.5
    [level] = [x for x in res if x["indicateur"] == "DEPASSEMENT_TAUX"
               and x["niveau"] == "national" and x["periode"] == "2014"]
    assert level["cible"] is None or math.isnan(level["cible"])  # no level worked back


# ------------------------------------------------------------------ coût par bénéficiaire

def _cost(per_year: dict[int, float]) -> pa.Table:
    """National COUT_BENEF_CONSOMMANT rows: each month, cost / 1 000 beneficiaries."""
    rows = [(None, dt.date(y, m, 1), "COUT_BENEF_CONSOMMANT", 1000.0 * v, 1000.0, None)
            for y, v in per_year.items() for m in range(1, 13)]
    names = ("ORG_CLE_NUM", "MES_MOI_DTD", "MES_COD", "MES_NUM", "MES_DEN", "MES_VAL")
    return pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)},
                    schema=TABLE.schema)


def test_cost_per_beneficiary_one_reading_for_both_cogs():
    """« Diminution annuelle de 0,5 % en moyenne sur la période » (004 l.1569, 002 l.9628):
    2018-2022 now reads it as 2023-2027 does, cumulated since the year before the COG. A cost
    down 2 % in 2018 and flat in 2019 meets the 2019 target (−2.1 % ≤ −0.9975 %), which the
    yearly reading (−0.1 % > −0.5 %) did not."""
    t = _cost({2017: 100.0, 2018: 98.0, 2019: 97.9})
    codes = ["COUT_BENEF_CONSOMMANT_EVOLUTION_2017", "COUT_BENEF_CONSOMMANT_EVOLUTION_ANNUELLE"]
    res = cogind.compute({"mesures": t}, cog="2018-2022", period="year", secret=False,
                         indicators=codes, years=(2019,)).to_pylist()
    got = {r["indicateur"]: r for r in res if r["niveau"] == "national"}
    cumul, yearly = got[codes[0]], got[codes[1]]
    assert cumul["valeur"] == pytest.approx(100 * (97.9 / 100.0 - 1), rel=1e-9)
    assert cumul["cible"] == pytest.approx(100 * (0.995 ** 2 - 1), abs=1e-4)
    assert cumul["statut"] == "atteint"
    assert yearly["valeur"] == pytest.approx(100 * (97.9 / 98.0 - 1), rel=1e-9)
    out = CliRunner().invoke(cli, ["describe", codes[0]]).stdout
    assert "1569" in out and "0,995^k" in out
