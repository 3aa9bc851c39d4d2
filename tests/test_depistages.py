"""Cancer screening participation from the claims (COG 2023-2027 n° 30-32, issue 21 § 1):
``cogind.compute`` and ``cogind compute`` against a plain Python set-based reference over
hand-built tables (window edges, ages at the bounds, a beneficiary moving, screened twice),
any batch size and thread count; the reported forms stay as they were."""
from __future__ import annotations

import datetime as dt
import json
import random

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from cogind_plugins.indicateurs_depistages import PROGRAMMES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cogind
from cogind.cli import cli

SEIN, COL, CCR = "DEPISTAGE_SEIN_TAUX_CALCULE", "DEPISTAGE_COL_TAUX_CALCULE", \
    "DEPISTAGE_COLORECTAL_TAUX_CALCULE"
CODES = (SEIN, COL, CCR)
PROG = {p[0]: {"window": p[3], "ages": p[4], "sexes": p[5], "acts": p[6]} for p in PROGRAMMES}
CAISSES = ["01C751", "13C131", "59C591"]
YEARS = (2022, 2023, 2024)
NATURES = [1336, 9312, 9313, 9318, 9319, 9311, 9434, 1335, 1163, 1111]


def month_of(d: dt.date) -> int:
    return (d.year - 1970) * 12 + d.month - 1


def claims(n: int = 1500, seed: int = 3) -> list[dict]:
    """People of a fixed sex and birth year who repeat acts, a share moving caisse."""
    rnd = random.Random(seed)
    people = {f"P{i:016d}": (rnd.choice(CAISSES), rnd.choice((1, 2)), rnd.randrange(1940, 2000))
              for i in range(300)}
    rows = []
    for _ in range(n):
        ben = rnd.choice(list(people))
        home, sex, born = people[ben]
        day = dt.date(2022, 1, 1) + dt.timedelta(rnd.randrange(3 * 365 + 1))
        rows.append({"ORG_CLE_NUM": home if rnd.random() < 0.85 else rnd.choice(CAISSES),
                     "EXE_SOI_DTD": day, "PRS_NAT_REF": rnd.choice(NATURES),
                     "BEN_NIR_PSA": ben if rnd.random() < 0.97 else None,
                     "BEN_SEX_COD": sex, "BEN_AMA_COD": day.year - born})
    return rows


def table(rows) -> pa.Table:
    col = lambda k: [r[k] for r in rows]
    return pa.table({"ORG_CLE_NUM": pa.array(col("ORG_CLE_NUM"), pa.string()),
                     "EXE_SOI_DTD": pa.array(col("EXE_SOI_DTD"), pa.date32()),
                     "PRS_NAT_REF": pa.array(col("PRS_NAT_REF"), pa.int32()),
                     "BEN_NIR_PSA": pa.array(col("BEN_NIR_PSA"), pa.string()),
                     "BEN_SEX_COD": pa.array(col("BEN_SEX_COD"), pa.int8()),
                     "BEN_AMA_COD": pa.array(col("BEN_AMA_COD"), pa.int16())})


def population(caisses=CAISSES, years=YEARS, seed: int = 1, step: int = 5) -> pa.Table:
    rnd = random.Random(seed)
    keys = [(c, y, a, s) for c in caisses for y in years for a in range(0, 100, step)
            for s in (1, 2)]
    return pa.table({"ORG_CLE_NUM": [k[0] for k in keys], "ANNEE": [k[1] for k in keys],
                     "AGE_MIN": [k[2] for k in keys], "BEN_SEX_COD": [k[3] for k in keys],
                     "BEN_NBR": [rnd.randrange(5, 40) for _ in keys]})


def target_population(pop: pa.Table, code: str) -> dict:
    """{(caisse or None, year): BEN_NBR of the programme's sexes and age bands}."""
    p = PROG[code]
    out: dict = {}
    for r in pop.to_pylist():
        if r["BEN_SEX_COD"] in p["sexes"] and p["ages"][0] <= r["AGE_MIN"] <= p["ages"][1]:
            for unit in (r["ORG_CLE_NUM"], None):
                out[(unit, r["ANNEE"])] = out.get((unit, r["ANNEE"]), 0) + r["BEN_NBR"]
    return out


def expected(rows, pop, code: str, periods: dict[str, int], month0: int) -> dict:
    """{(caisse or None, label): (n, value)} with ``periods`` {label: its last month}: the
    distinct people of the programme with an act in the window, each in the caisse of their
    last act (latest day, then the smallest caisse code)."""
    p = PROG[code]
    den = target_population(pop, code)
    out = {}
    for label, last_month in periods.items():
        first = last_month - p["window"] + 1
        if first < month0:
            continue
        last = {}
        for r in rows:
            if (r["PRS_NAT_REF"] in p["acts"] and r["BEN_SEX_COD"] in p["sexes"]
                    and p["ages"][0] <= r["BEN_AMA_COD"] <= p["ages"][1]
                    and r["BEN_NIR_PSA"] is not None
                    and first <= month_of(r["EXE_SOI_DTD"]) <= last_month):
                mine = (r["EXE_SOI_DTD"], [-ord(ch) for ch in r["ORG_CLE_NUM"]])
                ben = r["BEN_NIR_PSA"]
                if ben not in last or mine > last[ben][0]:
                    last[ben] = (mine, r["ORG_CLE_NUM"])
        counts: dict = {}
        for _, caisse in last.values():
            for unit in (caisse, None):
                counts[unit] = counts.get(unit, 0) + 1
        year = 1970 + last_month // 12
        for unit, n in counts.items():
            out[(unit, label)] = (n, 100.0 * n / den[(unit, year)])
    return out


def got(res: pa.Table, code: str) -> dict:
    return {(r["caisse"], r["periode"]): (r["n"], r["valeur"]) for r in res.to_pylist()
            if r["indicateur"] == code and r["valeur"] is not None}


def year_periods(years=YEARS) -> dict:
    return {str(y): (y - 1970) * 12 + 11 for y in years}


MONTH0 = month_of(dt.date(2022, 1, 1))
KW = {"cog": None, "indicators": list(CODES), "secret": False}


def close(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k][0] == b[k][0] and abs(a[k][1] - b[k][1]) < 1e-9
                                        for k in a)


@pytest.mark.parametrize("threads,batch", [(1, 65_536), (2, 97)])
def test_api_equals_set_reference_years(threads, batch):
    rows, pop = claims(), population()
    res = cogind.compute({"prestations": table(rows), "population": pop}, period="year",
                         threads=threads, batch_size=batch, **KW)
    for code in CODES:
        want = expected(rows, pop, code, year_periods(), MONTH0)
        assert want and close(got(res, code), want), code
    years = {code: {p for (_, p) in got(res, code)} for code in CODES}
    assert years == {SEIN: {"2023", "2024"}, CCR: {"2023", "2024"}, COL: {"2024"}}


def test_rolling_and_month_periods_end_their_windows():
    rows, pop = claims(seed=5), population(seed=2)
    src = {"prestations": table(rows), "population": pop}
    res = cogind.compute(src, period="month", **KW)
    months = {f"{1970 + m // 12}-{m % 12 + 1:02d}": m for m in range(MONTH0, MONTH0 + 36)}
    for code in (SEIN, CCR):
        want = expected(rows, pop, code, months, MONTH0)
        assert len({p for _, p in want}) == 13 and close(got(res, code), want), code


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.integers(1, 400), threads=st.integers(1, 3), seed=st.integers(0, 10_000))
def test_any_batch_size_and_threads(batch, threads, seed):
    rows, pop = claims(400, seed), population(seed=seed)
    res = cogind.compute({"prestations": table(rows), "population": pop}, period="year",
                         threads=threads, batch_size=batch, **KW)
    for code in CODES:
        assert close(got(res, code), expected(rows, pop, code, year_periods(), MONTH0)), code


def _row(ben, day, caisse="01C751", nat=1336, sex=2, age=60):
    return {"ORG_CLE_NUM": caisse, "EXE_SOI_DTD": day, "PRS_NAT_REF": nat, "BEN_NIR_PSA": ben,
            "BEN_SEX_COD": sex, "BEN_AMA_COD": age}


def _national(res, code, period):
    return [(r["n"], r["numerateur"], r["denominateur"]) for r in res.to_pylist()
            if r["indicateur"] == code and r["niveau"] == "national" and r["periode"] == period]


def test_window_edges_ages_at_bounds_moves_and_repeats():
    d = dt.date
    rows = [_row("OPENS00000000000", d(2023, 1, 1)),  # first day of data: opens the window
            _row("EDGE0000000000000", d(2023, 1, 1)),  # 2023-01: in 2024's 24 months
            _row("EDGE0000000000000", d(2025, 1, 1), nat=1111),  # after: out of scope
            _row("LASTDAY0000000000", d(2024, 12, 31)),  # last day of the window
            _row("AGE49000000000000", d(2024, 5, 1), age=49), _row("AGE75000000000000",
                                                                    d(2024, 5, 1), age=75),
            _row("AGE50000000000000", d(2024, 5, 1), age=50), _row("AGE74000000000000",
                                                                    d(2024, 5, 1), age=74),
            _row("MAN00000000000000", d(2024, 5, 1), sex=1),  # a man: out of n° 30
            _row("TWICE000000000000", d(2023, 3, 1)), _row("TWICE000000000000", d(2024, 9, 1)),
            _row("MOVER000000000000", d(2023, 6, 1), caisse="01C751"),
            _row("MOVER000000000000", d(2024, 6, 1), caisse="13C131", nat=9313),
            _row("DIAG0000000000000", d(2024, 2, 1), nat=1335),  # diagnostic: not counted
            _row("LATER000000000000", d(2025, 1, 15))]  # January 2025: the next window
    pop = population(caisses=["01C751", "13C131"], years=(2023, 2024, 2025))
    res = cogind.compute({"prestations": table(rows), "population": pop}, cog=None,
                         indicators=[SEIN], period="year", secret=False)
    den = target_population(pop, SEIN)
    # 2024 window 2023-01..2024-12: OPENS, EDGE, LASTDAY, AGE50, AGE74, TWICE, MOVER = 7
    assert _national(res, SEIN, "2024") == [(7, 7.0, den[(None, 2024)])]
    by_caisse = {r["caisse"]: r["n"] for r in res.to_pylist()
                 if r["periode"] == "2024" and r["niveau"] == "caisse"}
    assert by_caisse == {"01C751": 6, "13C131": 1}  # the mover in the caisse of their last act
    # 2025 window 2024-01..2025-12: LASTDAY, AGE50, AGE74, TWICE, MOVER, LATER = 6
    assert _national(res, SEIN, "2025") == [(6, 6.0, den[(None, 2025)])]
    na = [r for r in res.to_pylist() if r["periode"] == "2023"]
    assert na and all(r["statut"] == "non calculable" and r["valeur"] is None
                      and "commençant avant les données (2023-01)" in r["motif"] for r in na)


def test_col_ages_and_colorectal_both_sexes():
    d = dt.date(2024, 4, 2)
    rows = [_row("COL24000000000000", d, nat=9318, age=24),
            _row("COL25000000000000", d, nat=9318, age=25),
            _row("COL64000000000000", d, nat=9319, age=64),
            _row("COL65000000000000", d, nat=9319, age=65),
            _row("CCRMAN00000000000", d, nat=9311, sex=1, age=50),
            _row("CCRWOMAN000000000", d, nat=9434, sex=2, age=74),
            _row("KIT00000000000000", d, nat=1163, sex=1, age=60),  # a kit handed: no test
            _row("START000000000000", dt.date(2022, 1, 3), nat=1111)]  # data from 2022-01
    pop = population(caisses=["01C751"], years=(2022, 2023, 2024))
    res = cogind.compute({"prestations": table(rows), "population": pop}, period="year", **KW)
    assert _national(res, COL, "2024") == [(2, 2.0, target_population(pop, COL)[(None, 2024)])]
    assert _national(res, CCR, "2024") == [(2, 2.0, target_population(pop, CCR)[(None, 2024)])]


def test_population_gaps_are_non_calculable():
    rows = claims(300, seed=9)
    yearly = population(step=1)  # yearly bands: fine
    res = cogind.compute({"prestations": table(rows), "population": yearly}, period="year",
                         **KW)
    assert close(got(res, SEIN), expected(rows, yearly, SEIN, year_periods(), MONTH0))
    odd = population(step=7)  # bands 49-55, 56-62…: the programmes' ages are no whole bands
    res = cogind.compute({"prestations": table(rows), "population": odd}, period="year", **KW)
    out = [r for r in res.to_pylist() if r["periode"] == "2024"]
    assert out and all(r["statut"] == "non calculable" and "tranches d'âge" in r["motif"]
                       for r in out)
    partial = population(caisses=CAISSES[:2])  # one caisse without population
    res = cogind.compute({"prestations": table(rows), "population": partial}, period="year",
                         **KW)
    gaps = {(r["niveau"], r["caisse"]): r["motif"] for r in res.to_pylist()
            if r["indicateur"] == SEIN and r["periode"] == "2024" and r["valeur"] is None}
    assert gaps == {("caisse", "59C591"): "population 2024 absente pour 1 caisse(s) de l'unité"}


def test_without_ids_or_population_non_calculable_and_reported_forms_unchanged():
    rows = claims(200)
    kw = {**KW, "cog": "2023-2027"}  # the COG's years: rows even where nothing is computed
    res = cogind.compute({"prestations": table(rows).drop_columns(["BEN_NIR_PSA"]),
                          "population": population()}, period="year", **kw)
    out = res.to_pylist()
    assert out and all(r["statut"] == "non calculable" and "BEN_NIR_PSA" in r["motif"]
                       for r in out)
    res = cogind.compute({"prestations": table(rows)}, period="year", **kw)
    out = res.to_pylist()
    assert out and all(r["statut"] == "non calculable" and "population" in r["motif"]
                       for r in out)
    reg = cogind.build_registry()
    for code in CODES:  # the COG keeps judging the reported forms
        assert reg.indicators[code.removesuffix("_CALCULE")].table == "mesures"
        assert code not in [e.code for e in reg.cogs["2023-2027"].indicators]


def test_scope_must_match_the_programme():
    reg = cogind.build_registry()
    ind = reg.indicators[SEIN]
    wrong = cogind.Indicator(**{**ind.__dict__, "code": "X", "where": cogind.where(
        PRS_NAT_REF=(1336,), BEN_SEX_COD=(2,), BEN_AMA_COD=tuple(range(50, 70)))})
    with pytest.raises(ValueError, match="programme's ages and sexes"):
        ind.measure.validate(wrong, reg)


def test_cli_equals_set_reference_and_describe(tmp_path):
    rows, pop = claims(seed=11), population(seed=4)
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(table(rows), data / "prestations.parquet")
    pq.write_table(pop, data / "population.parquet")
    out = tmp_path / "r.csv"
    r = CliRunner().invoke(cli, ["compute", str(data), "--cog", "none", "--indicator", SEIN,
                                 "--indicator", COL, "--period", "year", "--caisses",
                                 "--no-secret", "-o", str(out)])
    assert r.exit_code == 0, r.output
    res = pacsv.read_csv(out, convert_options=pacsv.ConvertOptions(
        column_types={"caisse": pa.string(), "periode": pa.string()}))
    for code in (SEIN, COL):
        have = {(c or None, p): (n, float(v.replace(",", ".")) if isinstance(v, str) else v)
                for i, c, p, n, v in zip(*(res[k].to_pylist() for k in
                                           ("indicateur", "caisse", "periode", "n", "valeur")))
                if i == code and v is not None}
        want = expected(rows, pop, code, year_periods(), MONTH0)
        assert have.keys() == want.keys() and all(
            have[k][0] == want[k][0] and abs(have[k][1] - want[k][1]) < 0.01 for k in want)
    r = CliRunner().invoke(cli, ["describe", COL])
    assert r.exit_code == 0 and "36 mois finissant" in r.output and "l. 9505-9506" in r.output


def _mesures(code, caisses, years=(2023, 2024), seed=3):
    rnd = random.Random(seed)
    rows = [(c, dt.date(y, m, 1), rnd.randrange(20, 60), rnd.randrange(80, 120))
            for c in caisses for y in years for m in range(1, 13)]
    return pa.table({"ORG_CLE_NUM": [r[0] for r in rows],
                     "MES_MOI_DTD": pa.array([r[1] for r in rows], pa.date32()),
                     "MES_COD": [code] * len(rows),
                     "MES_NUM": [float(r[2]) for r in rows], "MES_DEN": [float(r[3]) for r in rows],
                     "MES_VAL": pa.nulls(len(rows), pa.float64())}), rows


def test_reported_code_takes_the_computed_rate_per_caisse():
    """DEPISTAGE_SEIN_TAUX (the COG's n° 30) takes the computed rate where the claims give it,
    the caisse's reported figure elsewhere (a caisse only in mesures, a window before the
    data), judged on the COG's targets."""
    rows = [r for r in claims(seed=21) if r["ORG_CLE_NUM"] != "59C591"]
    pop = population()
    mes, mrows = _mesures("DEPISTAGE_SEIN", CAISSES)
    res = cogind.compute({"prestations": table(rows), "population": pop, "mesures": mes},
                         cog="2023-2027", indicators=["DEPISTAGE_SEIN_TAUX"], period="year",
                         secret=False)
    out = {(r["caisse"], r["periode"]): r for r in res.to_pylist() if r["niveau"] == "caisse"}
    want = expected(rows, pop, SEIN, year_periods((2023, 2024)), MONTH0)
    for caisse in CAISSES[:2]:
        for year in ("2023", "2024"):
            r = out[(caisse, year)]
            assert json.loads(r["details"])["forme"] == "calculée"
            assert r["valeur"] == pytest.approx(want[(caisse, year)][1])
            assert r["statut"] in ("atteint", "non atteint")
    for year in (2023, 2024):
        r = out[("59C591", str(year))]
        num = sum(m[2] for m in mrows if m[0] == "59C591" and m[1].year == year)
        den = sum(m[3] for m in mrows if m[0] == "59C591" and m[1].year == year)
        assert json.loads(r["details"])["forme"] == "déclarée"
        assert r["valeur"] == pytest.approx(100 * num / den)
