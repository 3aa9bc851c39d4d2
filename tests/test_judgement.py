"""Each target judged on the period and at the level it is written for (issue 23).

Every indicator of every COG, on quarters and on year-to-date windows: the test works out from
the COG's own target, the family of the indicator and the months of each row what the row must
be judged against (plain Python, exact fractions), and checks statut, atteint and cible.
A flow (count, sum, savings) is judged on the calendar year, year to date against k/12 of the
target; a stock on the level of December; both at the national level only; any other family on
every period and every level.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from fractions import Fraction

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from catalogue_builder import build
from cogind.analyses.alerts import find_alerts
from cogind.analyses.spread import dispersion
from cogind.cli import cli
from cogind.cli.common import sample_path
from cogind.plugins import build_registry

REGISTRY = build_registry()
FLOWS, STOCKS = {"nombre", "somme", "economies_tendanciel"}, {"stock"}
COGS = {"2014-2017": ((2012, 2017), (2016, 2017)), "2018-2022": ((2016, 2022), (2021, 2022)),
        "2023-2027": (None, (2023, 2024))}
UNBUILT = {"ORDONNANCES_NUMERIQUES_TAUX"}  # its own kernel: the builder cannot make its rows


def family(code: str) -> str:
    stat = REGISTRY.indicator(code).measure.statistic
    return "flux" if stat in FLOWS else "stock" if stat in STOCKS else "taux"


def _tables(cog: str):
    years, _ = COGS[cog]
    if years is None:
        return sample_path()
    codes = sorted(e.code for e in REGISTRY.cog(cog).indicators if e.code not in UNBUILT)
    return build(REGISTRY, codes, *years)


@pytest.fixture(scope="module", params=[(c, p) for c in COGS for p in ("quarter", "ytd")],
                ids=lambda x: f"{x[0]}-{x[1]}")
def computed(request):
    cog, period = request.param
    res = cogind.compute(_tables(cog), cog=cog, period=period, years=COGS[cog][1],
                         registry=REGISTRY, secret=False)
    return cog, period, res.to_pylist()


def _month(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def _met(value: Fraction, target, line: Fraction, direction: str) -> bool:
    at_least = target.kind == "minimum" or (target.kind != "maximum" and direction == "hausse")
    return value >= line if at_least else value <= line


def expected(row: dict, target) -> tuple[str, Fraction | None]:
    """(« jugée », « proratisée », « non évaluée », « niveau » …, the line it is judged on)."""
    if row["valeur"] is None:
        return "non calculable", None
    if target is None or target.kind == "a_determiner":
        return "sans cible", None
    kind = family(row["indicateur"])
    if kind == "taux" or target.kind == "evolution":
        return "jugée", _line(target, row["valeur"], 12)
    if row["niveau"] != "national":
        return "niveau", None
    year, first, last = int(row["fin"].year), _month(row["debut"]), _month(row["fin"])
    january = year * 12
    if kind == "stock":
        return ("jugée", _line(target, row["valeur"], 12)) if last == january + 11 else (
            "non évaluée", None)
    if first != january:
        return "non évaluée", None
    k = last - first + 1
    return ("jugée" if k == 12 else "proratisée"), _line(target, row["valeur"], k)


def _line(target, value: float, k: int) -> Fraction:
    if target.kind == "intervalle":
        side = target.low if value < target.low else target.high
        return Fraction(side) * k / 12
    return Fraction(target.value) * k / 12


def test_every_indicator_of_every_cog_is_judged_on_its_period(computed):
    cog, period, rows = computed
    c = REGISTRY.cog(cog)
    seen = Counter()
    for r in rows:
        target = c.target(r["indicateur"], int(r["fin"].year))
        how, line = expected(r, target)
        seen[(family(r["indicateur"]), how)] += 1
        where = (r["indicateur"], r["niveau"], r["periode"], r["statut"], r["motif"])
        if how == "non calculable":
            assert r["statut"] == "non calculable" and r["atteint"] is None, where
        elif how == "sans cible":
            assert r["statut"] == "sans cible" and r["atteint"] is None, where
        elif how == "niveau":
            assert (r["statut"], r["atteint"], r["cible"]) == ("sans cible", None, None), where
            assert "jugée au niveau national seulement" in r["motif"], where
        elif how == "non évaluée":
            assert (r["statut"], r["atteint"], r["cible"]) == ("non évalué", None, None), where
            assert str(int(r["fin"].year)) in r["motif"], where
            assert r["cible_libelle"] == target.label, where
        else:
            exact = target.kind == "intervalle" or math.isclose(r["cible"], line, rel_tol=1e-12)
            assert exact, where
            if target.kind == "intervalle":
                met = target.low <= r["valeur"] <= target.high
            else:
                met = _met(Fraction(r["valeur"]), target, line, r["sens"])
            assert r["atteint"] is met, where
            assert r["statut"] == ("atteint" if met else "non atteint"), where
            assert ("proratisée" in r["cible_libelle"]) is (how == "proratisée"), where
    assert seen[("taux", "jugée")] > 0
    assert seen[("flux", "niveau")] + seen[("stock", "niveau")] > 0, seen
    if period == "ytd":  # January to each month: pro-rated, December: the year itself
        assert seen[("flux", "proratisée")] > 0 and seen[("flux", "jugée")] > 0, seen
    else:  # only the first quarter is « year to date »
        assert seen[("flux", "non évaluée")] > 0 and seen[("stock", "non évaluée")] > 0, seen
        assert seen[("stock", "jugée")] > 0, seen


def test_every_family_of_the_cogs_is_walked():
    kinds = {family(e.code) for c in COGS for e in REGISTRY.cog(c).indicators}
    assert kinds == {"flux", "stock", "taux"}


# --------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample_year_and_quarters():
    years = dict(years=2024, secret=False)
    return (cogind.compute(sample_path(), period="year", **years),
            cogind.compute(sample_path(), period="quarter", **years))


def _national(table, code):
    t = table.filter(pc.and_(pc.equal(table["indicateur"], code),
                             pc.equal(table["niveau"], "national")))
    return {r["periode"]: r for r in t.to_pylist()}


def test_a_yearly_count_is_met_on_the_year_and_not_judged_on_a_later_quarter(
        sample_year_and_quarters):
    year, quarters = sample_year_and_quarters
    y = _national(year, "ALLER_VERS_PREVENTION_NB")["2024"]
    q = _national(quarters, "ALLER_VERS_PREVENTION_NB")
    total = sum(q[f"2024-T{i}"]["valeur"] for i in range(1, 5))
    assert y["valeur"] == total and y["cible"] == 200_000  # the COG's 2024 target
    assert y["statut"] == ("atteint" if total >= 200_000 else "non atteint")
    assert q["2024-T1"]["cible"] == 50_000 and "3/12" in q["2024-T1"]["cible_libelle"]
    for i in (2, 3, 4):
        assert q[f"2024-T{i}"]["statut"] == "non évalué" and q[f"2024-T{i}"]["atteint"] is None


def test_a_national_count_target_judges_no_caisse(sample_year_and_quarters):
    year, _ = sample_year_and_quarters
    spread = {r["indicateur"]: r for r in dispersion(year).to_pylist()}
    for code in ("ALLER_VERS_PREVENTION_NB", "PREJUDICES_SUBIS_MNT", "C2S_BENEFICIAIRES_NB"):
        s = spread[code]
        assert s["caisses_atteint"] == 0 and s["caisses_non_atteint"] == 0, s
    rate = spread["DENTISTE_RECOURS_TAUX"]  # a rate: every caisse judged on the COG's target
    assert rate["caisses_atteint"] + rate["caisses_non_atteint"] == rate["caisses_publiees"]


def test_a_stock_is_judged_on_december(sample_year_and_quarters):
    _, quarters = sample_year_and_quarters
    q = _national(quarters, "C2S_BENEFICIAIRES_NB")
    assert q["2024-T4"]["atteint"] is (q["2024-T4"]["valeur"] >= 7_312_952)
    assert [q[f"2024-T{i}"]["statut"] for i in (1, 2, 3)] == ["non évalué"] * 3


def test_rates_are_unchanged_by_the_rule(sample_year_and_quarters):
    _, quarters = sample_year_and_quarters
    q = _national(quarters, "DENTISTE_RECOURS_TAUX")
    for r in q.values():
        assert r["cible"] == 52.0 and r["atteint"] is (r["valeur"] >= 52.0)


def test_no_alert_on_months_a_yearly_count_is_not_written_for():
    res = cogind.compute(sample_path(), period="month", years=2024, secret=False,
                         indicators=["ALLER_VERS_PREVENTION_NB", "DENTISTE_RECOURS_TAUX"])
    alerts = find_alerts(res, months=1)
    assert {a.indicateur for a in alerts} <= {"DENTISTE_RECOURS_TAUX"}
    rows = [r for r in res.to_pylist() if r["indicateur"] == "ALLER_VERS_PREVENTION_NB"]
    judged = {r["periode"] for r in rows if r["atteint"] is not None}
    assert judged == {"2024-01"}  # January is the year to date: 1/12 of the target


# --------------------------------------------------------------------------- data ending early


def _counts(last_month: int):
    codes = ["ALLER_VERS_PREVENTION_NB", "IJ_MAL_DELAI_MOYEN"]
    tables = build(REGISTRY, codes, 2024, 2024)
    keep = {name: t.filter(pc.less_equal(pc.month(t[_period(name)]), last_month))
            for name, t in tables.items()}
    return keep


def _period(table: str) -> str:
    return {"mesures": "MES_MOI_DTD", "ij": "IJ_PAI_DTD"}[table]


def test_a_year_whose_data_stop_in_june_is_judged_on_half_the_target():
    res = cogind.compute(_counts(6), cog="2023-2027", period="year", years=2024,
                         indicators=["ALLER_VERS_PREVENTION_NB"], secret=False)
    row = _national(res, "ALLER_VERS_PREVENTION_NB")["2024"]
    assert row["cible"] == 100_000 and "6/12, proratisée" in row["cible_libelle"]
    assert row["atteint"] is (row["valeur"] >= 100_000)


def test_compute_cli_and_file_agree_with_the_api(tmp_path):
    out = tmp_path / "r.parquet"
    run = CliRunner().invoke(cli, ["compute", "--sample", "--period", "quarter", "--year",
                                    "2024", "--indicator", "ALLER_VERS_PREVENTION_NB", "-o",
                                    str(out), "--no-secret"])
    assert run.exit_code == 0, run.output
    api = cogind.compute(sample_path(), period="quarter", years=2024, secret=False,
                         indicators=["ALLER_VERS_PREVENTION_NB"])
    written = pq.read_table(out)
    assert written.select(["periode", "niveau", "statut", "cible", "motif"]).equals(
        api.select(["periode", "niveau", "statut", "cible", "motif"]))


def test_the_report_finds_the_last_period_a_status_is_judged_on(sample_year_and_quarters):
    from cogind.analyses.gaps import judged_period, last_judged

    _, quarters = sample_year_and_quarters
    count = list(_national(quarters, "ALLER_VERS_PREVENTION_NB").values())
    assert judged_period(last_judged(count)) == "2024-T1 (cible proratisée)"
    assert [judged_period(r) for r in count if r["periode"] != "2024-T1"] == [None] * 3
    rate = list(_national(quarters, "DENTISTE_RECOURS_TAUX").values())
    assert judged_period(last_judged(rate)) == "2024-T4"
    assert last_judged([]) is None


def test_rows_an_input_cannot_compute_hold_the_line_they_would_be_judged_on():

    ij = pq.read_table(sample_path() / "ij.parquet")
    res = cogind.compute({"ij": ij}, period="quarter", years=2024, secret=False,
                         indicators=["ALLER_VERS_PREVENTION_NB", "DENTISTE_RECOURS_TAUX",
                                     "IJ_MAL_DELAI_MOYEN"])
    rows = [r for r in res.to_pylist() if r["indicateur"] != "IJ_MAL_DELAI_MOYEN"]
    assert rows and all(r["statut"] == "non calculable" for r in rows)
    for r in rows:
        where = (r["indicateur"], r["niveau"], r["periode"], r["cible"])
        if r["indicateur"] == "DENTISTE_RECOURS_TAUX":
            assert r["cible"] == 52.0, where  # a rate: every period, every level
        elif r["niveau"] != "national" or r["periode"] != "2024-T1":
            assert r["cible"] is None, where
        else:
            assert r["cible"] == 50_000 and "3/12" in r["cible_libelle"], where


@pytest.mark.parametrize("code, words", [
    ("ALLER_VERS_PREVENTION_NB", ("l'année civile", "proratisée k/12", "national seulement")),
    ("C2S_BENEFICIAIRES_NB", ("niveau de décembre", "national seulement")),
    ("DENTISTE_RECOURS_TAUX", ("toute période", "à chaque niveau"))])
def test_describe_says_on_which_period_and_level_the_target_is_judged(code, words):
    run = CliRunner().invoke(cli, ["describe", code])
    assert run.exit_code == 0, run.output
    text = " ".join(run.output.split("Cibles :", 1)[1].split())
    assert all(w in text for w in words), text
