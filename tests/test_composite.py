"""Composite indicator of the base service (issue 12): counts recounted from the result rows.

The recount compares each caisse value with its socle and objectif directly, in the indicator's
direction, without reading the status columns the composite relies on.
"""
from __future__ import annotations

from collections import defaultdict

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path
from cogind.analyses.composite import (base_service, composite_html, composite_table,
                              drivers_table, previous_period)
from cogind.errors import ConfigError
from cogind.analyses.targets import derive_cpg

CODES = list(base_service("2023-2027"))


@pytest.fixture(scope="module")
def judged():
    """Sample results (year and month) judged against a CPG derived on 2023, for 2023-2024."""
    annual = cogind.compute(sample_path(), "2023-2027", indicators=CODES, period="year",
                            secret=11)
    cpg = derive_cpg(annual, 2023, decile=8, socle=5, years=[2023, 2024])
    monthly = cogind.compute(sample_path(), "2023-2027", indicators=CODES, period="month",
                             secret=11, cpg=cpg)
    return cogind.compute(sample_path(), "2023-2027", indicators=CODES, period="year",
                          secret=11, cpg=cpg), monthly, cpg


def recount(results, codes):
    """{period: (below socle, below objectif, distinct caisses below each, judged pairs)}."""
    out = defaultdict(lambda: [0, 0, set(), set(), 0])
    for r in results.to_pylist():
        if r["niveau"] != "caisse" or r["indicateur"] not in codes:
            continue
        if r["socle"] is None and r["objectif"] is None:
            continue
        c = out[r["periode"]]
        if r["masque"] or r["valeur"] is None:
            continue
        c[4] += 1
        for i, level in enumerate((r["socle"], r["objectif"])):
            worse = (r["valeur"] < level if r["sens"] == "hausse" else r["valeur"] > level)
            if level is not None and worse:
                c[i] += 1
                c[2 + i].add(r["caisse"])
    return {p: (a, b, len(s), len(o), n) for p, (a, b, s, o, n) in out.items()}


@pytest.mark.parametrize("which", [0, 1])
def test_composite_count_equals_a_recount(judged, which):
    results = judged[which]
    comp = composite_table(results, cog="2023-2027")
    expected = recount(results, CODES)
    got = {r["periode"]: (r["sous_socle"], r["sous_objectif"], r["caisses_sous_socle"],
                          r["caisses_sous_objectif"], r["paires_evaluees"])
           for r in comp.to_pylist()}
    assert got == expected
    assert sum(v[1] for v in got.values()) > 0


def test_year_on_year_change_against_the_reduction_target(judged):
    comp = {r["periode"]: r for r in composite_table(judged[0], CODES, reduction=15).to_pylist()}
    now, before = comp["2024"], comp["2023"]
    assert before["evolution_socle"] is None and before["periode_precedente"] is None
    assert now["periode_precedente"] == "2023"
    for level in ("socle", "objectif"):
        change = (now[f"sous_{level}"] - before[f"sous_{level}"]) / before[f"sous_{level}"] * 100
        assert now[f"evolution_{level}"] == pytest.approx(change)
        assert now[f"atteint_{level}"] is (change <= -15)
    assert now["cible_evolution"] == -15
    loose = {r["periode"]: r for r in composite_table(judged[0], CODES, reduction=0).to_pylist()}
    assert loose["2024"]["atteint_objectif"] is (now["evolution_objectif"] <= 0)
    monthly = {r["periode"]: r for r in composite_table(judged[1], CODES).to_pylist()}
    assert monthly["2024-03"]["periode_precedente"] == "2023-03"


def test_drivers_add_up_to_the_composite(judged):
    results = judged[0]
    comp = {r["periode"]: r for r in composite_table(results, CODES).to_pylist()}
    drv = drivers_table(results, CODES).to_pylist()
    for p, c in comp.items():
        for dim in ("indicateur", "caisse"):
            rows = [d for d in drv if d["periode"] == p and d["dimension"] == dim]
            assert sum(d["sous_socle"] for d in rows) == c["sous_socle"]
            assert sum(d["sous_objectif"] for d in rows) == c["sous_objectif"]
    for d in drv:
        if d["periode"] == "2024":
            assert d["variation_objectif"] == d["sous_objectif"] - d["sous_objectif_precedent"]
    top = comp["2024"]["principaux_indicateurs"].split(", ")[0]
    ind = [d for d in drv if d["periode"] == "2024" and d["dimension"] == "indicateur"]
    assert top == f"{ind[0]['code']} ({ind[0]['sous_objectif']})"


def test_the_base_service_list_is_declared_per_cog():
    from cogind.plugins import build_registry

    registry = build_registry()
    expected = {  # transcribed from the seeds (see docs/pilotage.md), not read back
        "2014-2017": {"IJ_MAL_DELAI_MOYEN_TS", "C2S_DELAI_D9", "APPELS_TAUX_ABOUTIS",
                      "FSP_ASSURES_DELAI_D9", "FSP_MEDECINS_DELAI_D9"},  # footnote 25
        "2018-2022": {"IJ_MAL_DELAI_MOYEN_TS", "C2S_DELAI_D9", "APPELS_TAUX_ABOUTIS",
                      "FSE_DELAI_D9", "RECLAMATIONS_10J_TAUX"},
        "2023-2027": {"IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN", "C2S_DELAI_D9",
                      "APPELS_TAUX_ABOUTIS", "RECLAMATIONS_10J_TAUX"}}
    for cog, codes in expected.items():
        assert set(base_service(cog, registry)) == codes
    with pytest.raises(ConfigError, match="no base-service list"):
        base_service("2010-2013")


def test_composite_needs_cpg_columns(judged):
    plain = cogind.compute(sample_path(), "2023-2027", indicators=CODES[:1], period="year")
    with pytest.raises(ConfigError, match="no CPG columns"):
        composite_table(plain, CODES)
    assert previous_period("2023-02/2024-01") == "2022-02/2023-01"
    assert previous_period("2024-T3") == "2023-T3"


def test_composite_html_section(judged):
    html = composite_html(judged[0], CODES)
    assert html.startswith("<section id='composite'>") and "2024" in html


def test_cli_composite(judged, tmp_path):
    runner = CliRunner()
    results, _, cpg = judged
    rpath, cpath = tmp_path / "r.parquet", tmp_path / "cpg.parquet"
    pq.write_table(results, rpath)
    pq.write_table(cpg, cpath)
    res = runner.invoke(cli, ["targets", "composite", str(rpath)])
    assert res.exit_code == 0, res.output
    assert "Indicateur composite" in res.output and "2024" in res.output
    res = runner.invoke(cli, ["targets", "composite", "--sample", "--cpg", str(cpath),
                              "-o", str(tmp_path / "c.csv")])
    assert res.exit_code == 0, res.output
    plain = tmp_path / "plain.parquet"
    pq.write_table(results.select(results.column_names[:-4]), plain)
    res = runner.invoke(cli, ["targets", "composite", str(plain)])
    assert res.exit_code == 1 and res.output.startswith("Error: the results carry no CPG")
    res = runner.invoke(cli, ["targets", "composite", str(rpath), "--reduction", "150"])
    assert res.exit_code == 2


def test_cli_composite_counts_the_base_service_of_the_results_cog(tmp_path):
    """A result file of the COG 2018-2022: its base service (IJ_MAL_DELAI_MOYEN_TS, FSE_DELAI_D9…)
    is counted, not 2023-2027's, unless --cog says otherwise."""
    data = tmp_path / "data"
    cogind.generate(data, years=(2021, 2022), tables=("ij", "dossiers", "contacts", "prestations"),
                    rows={"ij": 6000, "dossiers": 3000, "contacts": 6000, "prestations": 20000})
    old = list(base_service("2018-2022"))
    annual = cogind.compute(data, "2018-2022", indicators=old, period="year", secret=False)
    cpg = derive_cpg(annual, 2021, decile=8, years=[2022])
    path = tmp_path / "r.parquet"
    pq.write_table(cogind.compute(data, "2018-2022", indicators=old, period="year",
                                  secret=False, cpg=cpg), path)
    res = CliRunner().invoke(cli, ["targets", "composite", str(path)])
    assert res.exit_code == 0, res.output
    head = res.output.splitlines()[0]
    assert all(code in head for code in old) and "IJ_ATMP_DELAI_MOYEN" not in head, head
    res = CliRunner().invoke(cli, ["targets", "composite", str(path), "--cog", "2023-2027"])
    head = res.output.splitlines()[0]  # the codes of that list the file holds
    assert res.exit_code == 0 and "FSE_DELAI_D9" not in head and "C2S_DELAI_D9" in head, head
