"""Standardisation on age × sex × ALD status when the inputs give it (issue 21 § 2; seed 001
l.1937-1939 « âge, sexe, patients en ALD »), age × sex otherwise.

The reference is written here row by row in plain Python (dicts), sharing no code with
``cogind.measures.standard``: a line is an ALD patient's when EXO_MTF is one of 41-46 (IR_EXO_V),
strata are (age band, sex, ALD), weights the shares of the national population of the first year.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.report.describe import indicator_text
from cogind.synth import generate, generate_sample, programme_lines

CODE = "DEPENSE_PAR_BENEFICIAIRE_STD"
BANDS = (0, 15, 25, 35, 45, 55, 65, 75, 85)
ALD = (41, 42, 43, 44, 45, 46)
A, B = "01C751", "01C131"


def band(age):
    return max(i for i, b in enumerate(BANDS) if b <= age)


def reference(rows, pop, caisses, ald: bool):
    """(standardised, crude) euros per beneficiary of ``caisses`` (None: all), year 2024."""
    def key(band_, sex, d):
        return (band_, sex, d) if ald else (band_, sex)
    pops: dict = {}
    for r in pop:
        k = key(band(r["AGE_MIN"]), r["BEN_SEX_COD"], r.get("ALD_TOP"))
        pops.setdefault(r["ORG_CLE_NUM"], {})
        pops[r["ORG_CLE_NUM"]][k] = pops[r["ORG_CLE_NUM"]].get(k, 0) + r["BEN_NBR"]
    national: dict = {}
    for cells in pops.values():
        for k, v in cells.items():
            national[k] = national.get(k, 0) + v
    total = sum(national.values())
    num: dict = {}
    for r in rows:
        if caisses is not None and r["ORG_CLE_NUM"] not in caisses:
            continue
        if r["ORG_CLE_NUM"] is None or r["EXE_SOI_DTD"].year != 2024:
            continue
        if ald and r.get("EXO_MTF") is None:
            continue  # ald_inconnue
        k = key(band(r["BEN_AMA_COD"]), r["BEN_SEX_COD"], int(r.get("EXO_MTF") in ALD))
        num[k] = num.get(k, 0.0) + r["PRS_PAI_MNT"]
    members = caisses if caisses is not None else set(pops)
    popu = {k: sum(pops[c].get(k, 0) for c in members) for k in national}
    std = sum(national[k] / total * num.get(k, 0.0) / popu[k] for k in national if popu[k])
    return std, sum(num.values()) / sum(popu.values())


def line(caisse, age, sex, exo, amount):
    return {"ORG_CLE_NUM": caisse, "EXE_SOI_DTD": dt.date(2024, 5, 2), "BEN_AMA_COD": age,
            "BEN_SEX_COD": sex, "EXO_MTF": exo, "PRS_PAI_MNT": amount}


# A and B have the same spending per person in each stratum (ALD patients 5×), but B has
# twice as many ALD patients at every age: age × sex standardisation sees B spend more,
# age × sex × ALD sees them equal.
POP = [{"ORG_CLE_NUM": c, "ANNEE": 2024, "AGE_MIN": age, "BEN_SEX_COD": sex, "ALD_TOP": d,
        "BEN_NBR": n}
       for c, share in ((A, 0.1), (B, 0.2)) for age in BANDS for sex in (1, 2)
       for d, n in ((0, round(1000 * (1 - share))), (1, round(1000 * share)))]
ROWS = [line(c, age + 3, sex, exo if exo or i % 2 else 30, amount)  # 30: not an ALD motif
        for c, share in ((A, 0.1), (B, 0.2)) for age in BANDS for sex in (1, 2)
        for exo, amount, k in ((0, 10.0, round(1000 * (1 - share)) // 10),
                               (42, 50.0, round(1000 * share) // 10))
        for i in range(k)]


def prestations(rows, exo=True):
    cols = {"ORG_CLE_NUM": pa.array([r["ORG_CLE_NUM"] for r in rows]),
            "EXE_SOI_DTD": pa.array([r["EXE_SOI_DTD"] for r in rows]),
            "BEN_AMA_COD": pa.array([r["BEN_AMA_COD"] for r in rows], pa.int16()),
            "BEN_SEX_COD": pa.array([r["BEN_SEX_COD"] for r in rows], pa.int8()),
            "PRS_PAI_MNT": pa.array([r["PRS_PAI_MNT"] for r in rows]),
            "PRS_NAT_REF": pa.array([1111] * len(rows), pa.int16())}
    if exo:
        cols["EXO_MTF"] = pa.array([r["EXO_MTF"] for r in rows], pa.int16())
    return pa.table(cols)


def population(pop, ald=True):
    t = pa.table({k: [r[k] for r in pop] for k in pop[0]})
    if not ald:
        t = t.set_column(t.schema.get_field_index("ALD_TOP"), "ALD_TOP",
                         pa.nulls(t.num_rows, pa.int64()))
    return t


def run(rows=ROWS, pop=POP, exo=True, ald=True):
    res = cogind.compute({"prestations": prestations(rows, exo), "population":
                          population(pop, ald)}, cog=None, indicators=[CODE], period="year",
                         years=[2024], secret=False)
    return {r["caisse"]: r for r in res.to_pylist()}


def test_ald_strata_when_both_inputs_give_them():
    out = run()
    for caisses, key in (({A}, A), ({B}, B), (None, None)):
        std, crude = reference(ROWS, POP, caisses, ald=True)
        r = out[key]
        d = json.loads(r["details"])
        assert r["valeur"] == pytest.approx(std, rel=1e-12) and d["brut"] == pytest.approx(crude)
        assert d["ald"] == "oui (EXO_MTF ; population ALD_TOP)"
        assert d["strates"].endswith("× ALD (EXO_MTF ∈ {41, 42, 43, 44, 45, 46})")
    assert out[A]["valeur"] == pytest.approx(out[B]["valeur"], rel=1e-12)
    assert json.loads(out[B]["details"])["brut"] > 1.2 * json.loads(out[A]["details"])["brut"]


@pytest.mark.parametrize("exo, ald, why", [
    (False, True, "non : colonne EXO_MTF absente de la table des lignes"),
    (True, False, "non : la table population ne donne pas ALD_TOP"),
    (False, False, "non : colonne EXO_MTF absente de la table des lignes")])
def test_age_sex_otherwise_with_the_same_figures(exo, ald, why):
    out = run(exo=exo, ald=ald)
    age_sex = [dict(r, ALD_TOP=None) for r in POP]
    for caisses, key in (({A}, A), ({B}, B), (None, None)):
        std, _ = reference(ROWS, age_sex, caisses, ald=False)
        assert out[key]["valeur"] == pytest.approx(std, rel=1e-12)
        assert json.loads(out[key]["details"])["ald"] == why
    assert out[B]["valeur"] > 1.2 * out[A]["valeur"]  # age × sex: B's ALD patients show
    if exo:  # the ALD strata of the states summed give exactly the age × sex figures
        without = run(exo=False, ald=ald)
        assert [out[k]["valeur"] for k in out] == [without[k]["valeur"] for k in out]


def test_partial_split_is_non_calculable_and_unknown_motif_excluded():
    pop = [dict(r, ALD_TOP=None) if r["ORG_CLE_NUM"] == B else r for r in POP]
    out = run(pop=pop)
    assert out[A]["valeur"] is None and "ALD_TOP renseigné sur une partie" in out[A]["motif"]
    rows = ROWS + [line(A, 30, 1, None, 1000.0)]
    out = run(rows=rows)
    assert json.loads(out[A]["exclusions"])["ald_inconnue"] == 1
    assert out[A]["valeur"] == pytest.approx(reference(rows, POP, {A}, ald=True)[0])


def test_cli_and_describe(tmp_path):
    pq.write_table(prestations(ROWS), tmp_path / "prestations.parquet")
    pq.write_table(population(POP), tmp_path / "population.parquet")
    out = tmp_path / "r.csv"
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--cog", "none", "--indicator", CODE,
                                 "--period", "year", "--no-secret", "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    sep = ";" if text.count(";") > text.count(",") else ","
    rows = pacsv.read_csv(out, parse_options=pacsv.ParseOptions(delimiter=sep)).to_pylist()
    mine = next(x for x in rows if x["caisse"] == A)
    assert '"ald": "oui (EXO_MTF ; population ALD_TOP)"' in mine["details"]
    desc = indicator_text(cogind.build_registry(), CODE)
    assert "Strate ALD si les données le permettent" in desc and "1937" in desc
    assert "EXO_MTF ∈ {41, 42, 43, 44, 45, 46}" in desc


# --------------------------------------------------------------------------- generator


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("ald")
    generate(out, years=(2024, 2024), rows={"prestations": 40_000}, seed=2,
             tables=("prestations", "population"))
    return pq.read_table(out / "prestations.parquet"), pq.read_table(out / "population.parquet")


def test_generated_ald_status_is_realistic(generated):
    pres, pop = generated
    exo = pres["EXO_MTF"].to_numpy()
    age = pres["BEN_AMA_COD"].to_numpy()
    ald = np.isin(exo, ALD)
    assert 0.35 < ald.mean() < 0.65  # ~18 % of people, 4× their claims
    assert ald[age < 15].mean() < 0.15 < 0.7 < ald[age >= 75].mean()
    assert set(np.unique(exo)) <= {0, 10, 30, 62, 81, *ALD}
    assert pop["ALD_TOP"].null_count == 0
    # the population is the claims' people (issue 21 § 1): at this size five or so per caisse,
    # sex and band, each stratum keeping one person in ALD and one not (claim lines of both)
    cells: dict = {}
    for r in pop.to_pylist():
        k = (r["ORG_CLE_NUM"], r["AGE_MIN"], r["BEN_SEX_COD"])
        cells.setdefault(k, {})[r["ALD_TOP"]] = r["BEN_NBR"]
    assert all(c[0] >= 1 and c[1] >= 1 for c in cells.values())


def test_generated_ald_share_of_the_population(tmp_path):
    """At a size where the claims' people are many (10 M claim rows a year: the population
    table alone, computed, not drawn), about 18 % of them are in ALD."""
    generate(tmp_path, years=(2024, 2024), scale=10, seed=2, tables=("population",))
    p = pq.read_table(tmp_path / "population.parquet").to_pylist()
    share = sum(r["BEN_NBR"] for r in p if r["ALD_TOP"] == 1) / sum(r["BEN_NBR"] for r in p)
    assert 0.12 < share < 0.24


def test_generated_figures_follow_the_reference(generated):
    pres, pop = generated
    rows = [r for r in pres.select(["ORG_CLE_NUM", "EXE_SOI_DTD", "BEN_AMA_COD", "BEN_SEX_COD",
                                    "EXO_MTF", "PRS_PAI_MNT"]).to_pylist()]
    res = cogind.compute({"prestations": pres, "population": pop}, cog=None, indicators=[CODE],
                         period="year", years=[2024], secret=False)
    by = {r["caisse"]: r for r in res.to_pylist()}
    for key in (None, "01C751", "01C971"):
        std, crude = reference(rows, pop.to_pylist(), None if key is None else {key}, True)
        assert by[key]["valeur"] == pytest.approx(std, rel=1e-9)


def test_sample_columns_unchanged_by_the_ald_stream(tmp_path):
    """Regenerating the sample adds EXO_MTF and splits the population by ALD_TOP; every
    other column of the shipped sample's lines keeps its values (the programme acts come on
    top, the population becomes the claims' people: issue 21 § 1)."""
    from importlib.resources import files

    shipped = files("cogind.sample")
    generate_sample(tmp_path)
    # the programme acts (issue 21 § 1) come on top, after each year's other lines
    acts = pa.array(programme_lines.NATURES, pa.int16())
    old, new = (t.filter(pc.invert(pc.is_in(t["PRS_NAT_REF"], acts))) for t in (
        pq.read_table(shipped / "prestations.parquet"),
        pq.read_table(tmp_path / "prestations.parquet")))
    for name in old.column_names:
        assert new[name].equals(old[name]), name
    def strata(table):
        out = {}
        for r in table.to_pylist():
            k = (r["ORG_CLE_NUM"], r["ANNEE"], r["AGE_MIN"], r["BEN_SEX_COD"])
            out[k] = out.get(k, 0) + r["BEN_NBR"]
        return out
    old_pop = pq.read_table(shipped / "population.parquet")
    new_pop = pq.read_table(tmp_path / "population.parquet")
    assert new_pop["ALD_TOP"].null_count == 0
    if "ALD_TOP" in old_pop.column_names:  # the shipped sample already regenerated with it
        assert new_pop.num_rows == old_pop.num_rows
    else:
        assert new_pop.num_rows == 2 * old_pop.num_rows
    got, shipped_strata = strata(new_pop), strata(old_pop)
    if sum(shipped_strata.values()) < 1e7:  # shipped once the population became the claims'
        assert got == shipped_strata        # people (issue 21 § 1), else the 60 M network's
    assert set(got) == set(shipped_strata)
    # the claims' people: at least one per caisse, sex and birth year, about 25,000 a year
    assert min(got.values()) >= 5 and 2e4 < sum(got.values()) / 2 < 3e4


def test_dask_ships_the_plan_of_an_adapted_measure(tmp_path):
    """A worker's registry declares the age × sex kernel; the client read EXO_MTF: the plan is
    shipped (without it the worker's rebuilt plan differs and the run fails)."""
    import distributed

    from cogind.engine.core import plan
    from cogind.engine.dask import plan_spec, worker_plan

    registry = cogind.build_registry()
    declared = registry.indicator(CODE)
    adapted = declared.measure.for_inputs(("EXO_MTF",))
    assert adapted.reads_ald and not declared.measure.reads_ald
    tplan = plan([dataclasses.replace(declared, measure=adapted)])["prestations"]
    spec = plan_spec(tplan, registry)
    assert spec.pickled is not None and worker_plan(spec).states[0].kernel.width == 77
    assert plan_spec(plan([declared])["prestations"], registry).pickled is None
    pq.write_table(prestations(ROWS), tmp_path / "prestations.parquet")
    pq.write_table(population(POP), tmp_path / "population.parquet")
    local = run()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        res = cogind.compute(tmp_path, cog=None, indicators=[CODE], period="year",
                             years=[2024], secret=False, engine="dask",
                             scheduler=cluster.scheduler_address)
    got = {r["caisse"]: r["valeur"] for r in res.to_pylist()}
    assert got == {k: r["valeur"] for k, r in local.items()}
