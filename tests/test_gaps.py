"""The gap to a target in the indicator's own terms, for every family of every COG (issue 23).

Cases for proportions, shares within a delay and delay quantiles; days of delay in excess for
mean delays; euros for amounts only; points for rates, evolutions and changes in points; the
unit itself for counts, stocks and other ratios. Worked out here from the row's value and
target (plain Python), never from the code's ``ecart``.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import pytest
from click.testing import CliRunner

import cogind
from catalogue_builder import build
from cogind.analyses.alerts import find_alerts, render_alerts
from cogind.analyses.gaps import gap, gap_header, precision
from cogind.cli import cli
from cogind.cli.common import sample_path
from cogind.plugins import build_registry

REGISTRY = build_registry()
COGS = {"2014-2017": (2012, 2017), "2018-2022": (2016, 2022), "2023-2027": None}
CASES = {"proportion", "part_sous_seuil", "quantile"}
POINTS = {"evolution", "ecart_points"}


def expected_label(code: str) -> str:
    ind = REGISTRY.indicator(code)
    stat = ind.measure.statistic
    if stat in CASES:
        return "cas"
    if stat == "moyenne":
        return f"{ind.unit} de délai en excès"
    if stat in POINTS or ind.unit in ("%", "points"):
        return "points"
    return ind.unit


def shortfall(row: dict, target) -> float:
    """What the value misses of the line it is judged on, in the indicator's unit."""
    v, line = row["valeur"], row["cible"]
    if target.kind == "intervalle":
        return max(0.0, target.low - v, v - target.high)
    at_least = target.kind == "minimum" or (target.kind != "maximum" and row["sens"] == "hausse")
    return max(0.0, line - v if at_least else v - line)


@pytest.fixture(scope="module", params=sorted(COGS))
def rows(request):
    cog = request.param
    if COGS[cog] is None:
        tables = sample_path()
        years = (2024,)
    else:
        codes = sorted(e.code for e in REGISTRY.cog(cog).indicators
                       if e.code != "ORDONNANCES_NUMERIQUES_TAUX")
        tables, years = build(REGISTRY, codes, *COGS[cog]), (COGS[cog][1],)
    res = cogind.compute(tables, cog=cog, period="year", years=years, registry=REGISTRY,
                         secret=False)
    return cog, res.to_pylist()


def test_every_judged_row_has_its_gap_in_its_own_terms(rows):
    cog, table = rows
    c = REGISTRY.cog(cog)
    seen = Counter()
    for r in table:
        g = gap(r)
        where = (r["indicateur"], r["niveau"], r["statut"], g)
        if r["atteint"] is None:
            assert g is None, where
            continue
        label = expected_label(r["indicateur"])
        assert g.label == label, where
        seen[REGISTRY.indicator(r["indicateur"]).measure.statistic] += 1
        assert g.value >= 0, where
        if r["atteint"]:
            assert g.value == 0, where
        if label in ("cas",) or label.endswith("délai en excès"):
            assert g.value == r["ecart_cas"], where
        else:
            target = c.target(r["indicateur"], int(r["periode"][:4]))
            assert math.isclose(g.value, shortfall(r, target), rel_tol=1e-9, abs_tol=1e-9), where
        euros = label == "euros" or "€" in (r["unite"] or "")  # « €/bénéf. » is its own unit
        assert ("€" in g.text()) is euros, where
    families = {REGISTRY.indicator(e.code).measure.statistic for e in c.indicators
                if any(t.kind != "a_determiner" for t in e.targets.values())}
    missing = families - set(seen)
    assert len(missing) <= 1, (missing, seen)  # a family whose only rows are non calculable


def test_mesures_rates_are_in_points_not_euros():
    res = cogind.compute(sample_path(), period="year", years=2024, secret=False,
                         indicators=["DENTISTE_RECOURS_TAUX", "PRODUCTIVITE_FSE",
                                     "IJ_MAL_DELAI_MOYEN", "PREJUDICES_SUBIS_MNT"])
    national = {r["indicateur"]: r for r in res.to_pylist() if r["niveau"] == "national"}
    dentiste = national["DENTISTE_RECOURS_TAUX"]
    assert gap(dentiste).label == "points" and "€" not in gap(dentiste).text()
    assert dentiste["ecart_cas"] is None and dentiste["ecart_cas_unite"] is None  # not euros
    assert math.isclose(gap(dentiste).value, max(0.0, dentiste["cible"] - dentiste["valeur"]))
    fse = national["PRODUCTIVITE_FSE"]
    assert gap(fse).label == "unités d'œuvre par ETP"
    assert math.isclose(gap(fse).value, max(0.0, fse["cible"] - fse["valeur"]))
    prejudices = national["PREJUDICES_SUBIS_MNT"]
    assert gap(prejudices).label == "euros" and gap(prejudices).text().endswith("€")


def test_an_amount_ratio_keeps_its_euros_in_the_file_and_reads_in_points():
    res = cogind.compute(sample_path(), period="year", years=2024, secret=False,
                         indicators=["RECOUVREMENT_INDUS_FRAUDE_TAUX"])
    missed = [r for r in res.to_pylist() if r["atteint"] is False]
    assert missed and all(r["ecart_cas_unite"] == "euros" for r in missed)
    assert all(gap(r).label == "points" for r in missed)


def test_a_kernel_declaring_what_its_cases_count_keeps_it():
    row = {"atteint": False, "ecart": -1.5, "ecart_cas": 7.0, "ecart_cas_unite": "dossiers",
           "unite": "%"}
    assert gap(row).label == "dossiers" and gap(row).value == 7.0


def test_the_header_names_the_units_of_the_rows():
    rows = [{"atteint": False, "ecart": -1.0, "ecart_cas": 3.0, "ecart_cas_unite": "cas",
             "unite": "%"},
            {"atteint": False, "ecart": -2.0, "ecart_cas": 40.0, "ecart_cas_unite": "jours",
             "unite": "jours"},
            {"atteint": True, "ecart": 0.5, "ecart_cas": 0.0, "ecart_cas_unite": "euros",
             "unite": "%"}]
    assert gap_header(rows) == "écart (cas, j en excès, pts)"
    assert gap_header([{"atteint": None}]) == "écart"
    many = rows + [{"atteint": False, "ecart": -9.0, "ecart_cas": 9.0, "ecart_cas_unite": "m2",
                     "unite": "m2"}]
    assert gap_header(many) == "écart (termes de l'indicateur)"  # not a list as wide as a table


def _sample_year(codes):
    return cogind.compute(sample_path(), period="year", years=2024, secret=False,
                          indicators=codes)


def test_precision_tells_value_from_target():
    assert precision(1.14, 1.1, "%") == 2
    assert precision(1.13, 1.12, "%") == 2
    assert precision(1.1251, 1.125, "%") == 4
    assert precision(84.77, 84.0, "%") == 1
    assert precision(None, 1.1, "%") == 1


def test_alerts_print_the_digits_that_separate_value_and_target():
    res = cogind.compute(sample_path(), period="month", years=2024, secret=False,
                         indicators=["ABSENCE_COURTE_TAUX"])
    alerts = find_alerts(res, months=3)
    assert alerts
    text = render_alerts(alerts, 3)
    for line, a in zip(text.splitlines()[1:], alerts):
        value, target = re.search(r"dernière valeur ([\d,\u202f]+)\xa0%, cible ([\d,\u202f]+)",
                                  line).groups()
        assert value != target, line  # never « 1,1 %, cible 1,1 % » for a miss
        assert float(target.replace(",", ".")) == a.reference  # 1,12 %, not 1,1 %
        assert "pts" in line and a.ecart_unite == "points"


def test_diff_writes_a_rate_change_in_points(tmp_path):
    import json

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from cogind.analyses.diff import compare, read_results

    old = _sample_year(["DENTISTE_RECOURS_TAUX", "PREJUDICES_SUBIS_MNT"])
    moved = pc.add(old["valeur"], 2.0)
    new = old.set_column(old.column_names.index("valeur"), "valeur", moved)
    pq.write_table(old, tmp_path / "a.parquet")
    pq.write_table(new, tmp_path / "b.parquet")
    d = compare(read_results(tmp_path / "a.parquet"), read_results(tmp_path / "b.parquet"))
    units = {(c["indicateur"], c["variation_unite"]) for c in d.changes}
    assert units == {("DENTISTE_RECOURS_TAUX", "points"), ("PREJUDICES_SUBIS_MNT", "euros")}
    run = CliRunner().invoke(cli, ["diff", str(tmp_path / "a.parquet"),
                                   str(tmp_path / "b.parquet"), "--max-rows", "1000"])
    assert run.exit_code == 0, run.output
    rates = [line for line in run.output.splitlines() if "DENTISTE_RECOURS_TAUX" in line]
    assert rates and all("+2,0\u00a0pts" in line and "+2,0\u00a0%" not in line for line in rates)
    amounts = [line for line in run.output.splitlines() if "PREJUDICES_SUBIS_MNT" in line]
    assert amounts and all("+2\u00a0€" in line for line in amounts)
    doc = json.loads(CliRunner().invoke(cli, ["diff", str(tmp_path / "a.parquet"),
                                              str(tmp_path / "b.parquet"), "--json"]).output)
    assert {c["variation_unite"] for c in doc["differences"]} == {"points", "euros"}


def test_alerts_cli_prints_the_same_separated_digits(tmp_path):
    import pyarrow.parquet as pq

    res = cogind.compute(sample_path(), period="month", years=2024, secret=False,
                         indicators=["ABSENCE_COURTE_TAUX"])
    pq.write_table(res, tmp_path / "m.parquet")
    run = CliRunner().invoke(cli, ["alerts", str(tmp_path / "m.parquet"), "--months", "3",
                                   "--no-secret"])
    assert run.exit_code == 0, run.output
    api = render_alerts(find_alerts(res, months=3), 3)
    assert api.splitlines()[1] in run.output.splitlines()
    assert "cible 1,12\u00a0%" in run.output and "cible 1,1\u00a0%" not in run.output
