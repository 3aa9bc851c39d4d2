"""Standardised rates (issue 12) against a direct standardisation written here in plain Python.

The reference below reads rows and population as dicts and shares no code with
``cogind.measures.standard`` or its kernel: strata by age band × sex (× ALD status, EXO_MTF in
41-46, with ``ald=True``: issue 21 § 2), beneficiary-years per year of the period, weights =
shares of the reference population, Σ_s w_s · num_s / pop_s.
"""
from __future__ import annotations

import datetime as dt
import json
import math

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cogind
from cogind import Indicator, hookimpl
from cogind.report.describe import indicator_text
from cogind.measures.standard import EUROPEAN_2013, ESP_2013, Reference, Standardised
from cogind.synth import generate, network

CODES = ("DEPENSE_PAR_BENEFICIAIRE_STD", "RECOURS_GENERALISTE_STD",
         "DEPENSE_IJ_PAR_BENEFICIAIRE_STD")
BANDS = (0, 15, 25, 35, 45, 55, 65, 75, 85)
ALD_CODES = (41, 42, 43, 44, 45, 46)
D = dt.date


# --------------------------------------------------------------------------- the reference


def band_of(age, bands):
    return max(i for i, b in enumerate(bands) if b <= age)


def stratum_of(row, bands, ald=False):
    age, sex = row["BEN_AMA_COD"], row["BEN_SEX_COD"]
    if age is None or not 0 <= age <= 130 or sex not in (1, 2):
        return None
    if ald:
        if row["EXO_MTF"] is None:
            return None
        return band_of(age, bands), sex, int(row["EXO_MTF"] in ALD_CODES)
    return band_of(age, bands), sex


def populations(pop_rows, bands, ald=False):
    """{(caisse, year): {(band, sex[, ALD_TOP]): beneficiaries}}."""
    out = {}
    for r in pop_rows:
        cell = out.setdefault((r["ORG_CLE_NUM"], r["ANNEE"]), {})
        key = (band_of(r["AGE_MIN"], bands), r["BEN_SEX_COD"]) + ((r["ALD_TOP"],) if ald else ())
        cell[key] = cell.get(key, 0) + r["BEN_NBR"]
    return out


def period_months(label):
    """(year, months of the period in that year) of a period label: 2024, 2024-T1, 2023-2024."""
    if "-T" in label:
        return {int(label[:4]): 3}
    if "-" in label:
        a, b = (int(x) for x in label.split("-"))
        return {y: 12 for y in range(a, b + 1)}
    return {int(label): 12}


def in_period(day, label):
    if "-T" in label:
        return day.year == int(label[:4]) and (day.month - 1) // 3 + 1 == int(label[-1])
    return day.year in period_months(label)


def direct_standardisation(rows, pop_rows, caisses, label, *, amount=None, scale=1.0,
                           weights=None, bands=BANDS, scope=lambda r: True, ald=False):
    """(standardised, crude, Σ numerator, beneficiary-years) of ``caisses`` (None: all)."""
    pops = populations(pop_rows, bands, ald)
    strata = [(b, s) + d for b in range(len(bands)) for s in (1, 2)
              for d in (((0,), (1,)) if ald else ((),))]
    if weights is None:
        first = min(y for _, y in pops)
        ref = {k: sum(v.get(k, 0) for (c, y), v in pops.items() if y == first) for k in strata}
        total = sum(ref.values())
        weights = {k: ref[k] / total for k in strata}
    num = dict.fromkeys(strata, 0.0)
    for r in rows:
        if caisses is not None and r["ORG_CLE_NUM"] not in caisses:
            continue
        if r["ORG_CLE_NUM"] is None or not scope(r) or not in_period(r["EXE_SOI_DTD"], label):
            continue
        k = stratum_of(r, bands, ald)
        if k is None:
            continue
        value = 1.0 if amount is None else r[amount]
        if value is None or value < 0:
            continue
        num[k] += value
    pop = dict.fromkeys(strata, 0.0)
    members = caisses if caisses is not None else {c for c, _ in pops}
    for year, months in period_months(label).items():
        if any((c, year) not in pops for c in members):
            return None, None, sum(num.values()), None  # no population for the year
        for c in members:
            for k in strata:
                pop[k] += pops[(c, year)].get(k, 0) * months / 12
    std = sum(weights[k] * num[k] / pop[k] for k in strata if pop[k] > 0)
    return scale * std, scale * sum(num.values()) / sum(pop.values()), sum(num.values()), \
        sum(pop.values())


# --------------------------------------------------------------------------- tiny example


def claims(spec):
    """Claim rows from (caisse, age, sex, count): one line of 10 euros each."""
    rows = []
    for caisse, age, sex, k in spec:
        rows += [{"ORG_CLE_NUM": caisse, "EXE_SOI_DTD": D(2024, 3, 1), "BEN_AMA_COD": age,
                  "BEN_SEX_COD": sex, "PRS_PAI_MNT": 10.0, "PRS_NAT_REF": 1111,
                  "PSE_SPE_COD": 1}] * k
    return rows


def prestations(rows):
    return pa.table({
        "ORG_CLE_NUM": pa.array([r["ORG_CLE_NUM"] for r in rows], pa.string()),
        "EXE_SOI_DTD": pa.array([r["EXE_SOI_DTD"] for r in rows], pa.date32()),
        "BEN_AMA_COD": pa.array([r["BEN_AMA_COD"] for r in rows], pa.int16()),
        "BEN_SEX_COD": pa.array([r["BEN_SEX_COD"] for r in rows], pa.int8()),
        "PRS_PAI_MNT": pa.array([r["PRS_PAI_MNT"] for r in rows], pa.float64()),
        "PRS_NAT_REF": pa.array([r["PRS_NAT_REF"] for r in rows], pa.int16()),
        "PSE_SPE_COD": pa.array([r["PSE_SPE_COD"] for r in rows], pa.int16()),
    })


def population(spec):
    """Population rows from (caisse, year, age_min, sex, n)."""
    keys = ("ORG_CLE_NUM", "ANNEE", "AGE_MIN", "BEN_SEX_COD", "BEN_NBR")
    return [dict(zip(keys, r)) for r in spec]


def pop_table(rows):
    return pa.table({k: [r[k] for r in rows] for k in rows[0]})


class Tiny:
    """Two age bands (under 65, 65 and over) × sex, per 100 beneficiaries."""

    def __init__(self, reference=None):
        self.reference = reference

    @hookimpl
    def cogind_register_indicators(self, registry):
        registry.add_indicator(Indicator(
            code="TINY_STD", libelle="t", definition="t", table="prestations",
            measure=Standardised(age_bands=(0, 65), scale=100.0, reference=self.reference),
            unit="%", direction="hausse", period_column="EXE_SOI_DTD"))


# A is young, B old; both have the same rates at each age (1 % under 65, 10 % from 65)
TINY_POP = population([("01C751", 2024, 0, 1, 900), ("01C751", 2024, 0, 2, 900),
                       ("01C751", 2024, 65, 1, 100), ("01C751", 2024, 65, 2, 100),
                       ("01C131", 2024, 0, 1, 500), ("01C131", 2024, 0, 2, 500),
                       ("01C131", 2024, 65, 1, 500), ("01C131", 2024, 65, 2, 500)])
TINY_CLAIMS = claims([("01C751", 30, 1, 9), ("01C751", 40, 2, 9), ("01C751", 70, 1, 10),
                      ("01C751", 80, 2, 10), ("01C131", 30, 1, 5), ("01C131", 50, 2, 5),
                      ("01C131", 65, 1, 50), ("01C131", 90, 2, 50)])


def tiny(rows=TINY_CLAIMS, pop=TINY_POP, reference=None, **kw):
    res = cogind.compute({"prestations": prestations(rows), "population": pop_table(pop)},
                         cog=None, indicators=["TINY_STD"], period="year",
                         plugins=[Tiny(reference)], **kw)
    return {(r["niveau"], r["caisse"]): r for r in res.to_pylist()}


def test_same_rates_by_age_give_the_same_standardised_rate():
    out = tiny()
    a, b, nat = out[("caisse", "01C751")], out[("caisse", "01C131")], out[("national", None)]
    # crude: A 38 / 2000, B 110 / 2000 per 100; weights: under 65 0.7, 65+ 0.3 (A + B)
    assert json.loads(a["details"])["brut"] == pytest.approx(1.9)
    assert json.loads(b["details"])["brut"] == pytest.approx(5.5)
    for r in (a, b, nat):
        assert r["valeur"] == pytest.approx(0.7 * 1 + 0.3 * 10)
    assert (a["numerateur"], a["denominateur"], a["n"]) == (38, 2000, 38)
    assert json.loads(nat["details"])["population_reference"] == (
        "population nationale 2024 (table population, toutes caisses)")
    for r in (a, b, nat):
        d = json.loads(r["details"])
        assert d["standardise"] == pytest.approx(r["valeur"]) and d["strates"].startswith("âge")


def test_declared_reference_population_is_named_and_used():
    ref = Reference("population jeune (déclarée)", weights=((0, 0, 9.0), (65, 0, 1.0)))
    out = tiny(reference=ref)
    for key in (("caisse", "01C751"), ("caisse", "01C131"), ("national", None)):
        assert out[key]["valeur"] == pytest.approx(0.9 * 1 + 0.1 * 10)
        assert json.loads(out[key]["details"])["population_reference"] == ref.name


def test_exclusions_and_missing_population():
    rows = TINY_CLAIMS + claims([("01C751", None, 1, 2), ("01C751", 40, 9, 3),
                                 ("01C751", 140, 2, 1)])
    a = tiny(rows)[("caisse", "01C751")]
    assert json.loads(a["exclusions"]) == {"age_inconnu": 3, "sexe_inconnu": 3}
    assert a["valeur"] == pytest.approx(3.7)
    # events among women of 65+ of B, who have no population: no rate can be had
    pop = [r for r in TINY_POP if not (r["ORG_CLE_NUM"] == "01C131" and r["AGE_MIN"] == 65
                                       and r["BEN_SEX_COD"] == 2)]
    out = tiny(pop=pop)
    b = out[("caisse", "01C131")]
    assert b["valeur"] is None and b["statut"] == "non calculable"
    assert "population nulle" in b["motif"] and "femmes 65+" in b["motif"]
    assert out[("caisse", "01C751")]["valeur"] is not None
    # no population for the period's year
    gone = tiny(pop=[dict(r, ANNEE=2023) for r in TINY_POP])[("caisse", "01C751")]
    assert gone["valeur"] is None and "2024" in gone["motif"]


def test_population_bands_must_nest():
    pop = [dict(r, AGE_MIN=60 if r["AGE_MIN"] == 65 else 0) for r in TINY_POP]
    out = tiny(pop=pop)
    assert all(r["valeur"] is None and "tranches d'âge" in r["motif"] for r in out.values())


def test_population_table_is_required():
    """Issue 17: without its population the indicator is non calculable (an error under
    ``strict``)."""
    res = cogind.compute({"prestations": prestations(TINY_CLAIMS)}, cog=None,
                         indicators=["TINY_STD"], period="year", plugins=[Tiny()])
    assert cogind.provenance(res)["non_calcules"] == {"TINY_STD": "table population absente"}
    assert res.num_rows == 0  # no table read, no year asked for: no period to report
    with pytest.raises(cogind.errors.InputError, match="population"):
        cogind.compute({"prestations": prestations(TINY_CLAIMS)}, cog=None, strict=True,
                       indicators=["TINY_STD"], period="year", plugins=[Tiny()])


def test_european_standard_population_weights():
    assert sum(w for _, w in ESP_2013) == 100_000
    m = Standardised(age_bands=BANDS, reference=EUROPEAN_2013)
    assert "européenne 2013" in m.reference_name()


# --------------------------------------------------------------------------- generated data


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("std")
    generate(out, years=(2023, 2024), rows={"prestations": 60_000}, seed=5,
             tables=("prestations", "population"))
    rows = pq.read_table(out / "prestations.parquet").to_pylist()
    pop = pq.read_table(out / "population.parquet").to_pylist()
    return out, rows, pop


SCOPES = {
    "DEPENSE_PAR_BENEFICIAIRE_STD": (dict(amount="PRS_PAI_MNT"), lambda r: True),
    "RECOURS_GENERALISTE_STD": (dict(scale=1000.0), lambda r: r["PRS_NAT_REF"] == 1111
                                and r["PSE_SPE_COD"] in (1, 22, 23)),
    "DEPENSE_IJ_PAR_BENEFICIAIRE_STD": (dict(amount="PRS_PAI_MNT"),
                                        lambda r: 6111 <= r["PRS_NAT_REF"] <= 6118),
}


@pytest.mark.parametrize("period", ["year", "quarter", "span"])
def test_generated_data_match_the_direct_standardisation(generated, period):
    out, rows, pop = generated
    net = network(5)
    region = dict(zip(net["ORG_CLE_NUM"].to_pylist(), net["ORG_CLE_REG"].to_pylist()))
    res = cogind.compute(out, cog=None, indicators=list(CODES), period=period,
                         years=[2023, 2024], levels=["caisse", "region", "national"],
                         threads=3, batch_size=7_000, secret=False)
    by_code = {}  # rows in scope of each indicator, by caisse (the reference reads them all)
    for code, (_, scope) in SCOPES.items():
        for row in rows:
            if scope(row):
                by_code.setdefault(code, {}).setdefault(row["ORG_CLE_NUM"], []).append(row)
    checked = 0
    differ = 0
    for r in res.to_pylist():
        if r["niveau"] == "caisse" and r["caisse"] not in ("01C751", "01C231", "01C971",
                                                           "01C595", "01C023"):
            continue
        kw, scope = SCOPES[r["indicateur"]]
        members = ({r["caisse"]} if r["niveau"] == "caisse" else None if r["niveau"] == "national"
                   else {c for c, g in region.items() if g == r["caisse"]})
        mine = by_code[r["indicateur"]]
        subset = [x for c in (mine if members is None else members) for x in mine.get(c, ())]
        # generated data carry EXO_MTF and the population its ALD split (issue 21 § 2)
        std, crude, num, den = direct_standardisation(subset, pop, members, r["periode"],
                                                      scope=scope, ald=True, **kw)
        if std is None or r["valeur"] is None:
            assert r["valeur"] is None and (std is None or num == 0), r
            continue
        d = json.loads(r["details"])
        assert d["ald"] == "oui (EXO_MTF ; population ALD_TOP)"
        assert r["valeur"] == pytest.approx(std, rel=1e-9), r
        assert d["brut"] == pytest.approx(crude, rel=1e-9)
        assert r["numerateur"] == pytest.approx(num, rel=1e-12)
        assert r["denominateur"] == pytest.approx(den, rel=1e-12)
        checked += 1
        differ += not math.isclose(d["brut"], d["standardise"], rel_tol=0.01)
    assert checked > 50 and differ > 10  # age structures differ: crude ≠ standardised


def test_young_overseas_caisses_gain_from_standardisation(tmp_path):
    """The population is the claims' people (issue 21 § 1): at 800,000 claim rows a year its
    pools keep each caisse's pyramid (at the 30,000 of ``generated`` they hold one person per
    caisse, sex and birth year, and every caisse has the same age structure)."""
    out = tmp_path
    generate(out, years=(2023, 2024), rows={"prestations": 1_600_000}, seed=5,
             tables=("prestations", "population"))
    res = cogind.compute(out, cog=None, indicators=["DEPENSE_PAR_BENEFICIAIRE_STD"],
                         period="span", years=[2023, 2024], levels=["region"]).to_pylist()
    overseas = next(r for r in res if r["caisse"] == "5")
    d = json.loads(overseas["details"])
    assert d["standardise"] > 1.1 * d["brut"]
    assert d["annees_population"] == {"2023": "12/12", "2024": "12/12"}


def test_describe_says_levels_and_standardisation():
    text = indicator_text(cogind.build_registry(), "RECOURS_GENERALISTE_STD")
    assert "Standardisation directe sur âge × sexe" in text
    assert "population de référence" in text and "région" in text
