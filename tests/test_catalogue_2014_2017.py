"""The COG 2014-2017 catalogue against what the IGAS evaluations (seeds 000 and 001) quote,
transcribed here by hand (not read back from the plugin), and computed on small tables.

Target notation: ``30`` level, ``?`` undetermined (target not quoted), ``<=30`` maximum,
``+-15/2013`` change versus 2013.
"""
from __future__ import annotations

import math

import pytest

import cogind
from catalogue_builder import parse_target, build

COG = "2014-2017"
YEARS = (2014, 2015, 2016, 2017)
S000, S001 = "000_b936defe8891518f.txt", "001_a0b09f3be5c54e30.txt"
GINI = ("MEDECINS", "INFIRMIERS", "MASSEURS_KINES", "ORTHOPHONISTES", "CHIRURGIENS_DENTISTES",
        "SAGES_FEMMES")

# code: (seed, a line the entry must cite, unit, direction, targets 2014 … 2017)
EXPECTED = {
    "IJ_MAL_DELAI_MOYEN_TS": (S000, 887, "jours", "baisse", "30 30 30 30"),
    "APPELS_TAUX_ABOUTIS": (S000, 895, "%", "hausse", "90 90 90 90"),
    "COURRIELS_48H_TAUX": (S000, 897, "%", "hausse", "80 80 80 80"),
    "FSE_DELAI_D9": (S000, 886, "jours", "baisse", "? ? ? ?"),
    # the comité d'alerte's base services (§63, footnote 25): CPG indicators, no target quoted
    "FSP_ASSURES_DELAI_D9": (S000, 924, "jours", "baisse", "? ? ? ?"),
    "FSP_MEDECINS_DELAI_D9": (S000, 983, "jours", "baisse", "? ? ? ?"),
    "C2S_DELAI_D9": (S000, 923, "jours", "baisse", "? ? ? ?"),
    "C2S_DELAI_MOYEN": (S000, 923, "jours", "baisse", "? ? ? ?"),
    "RECLAMATIONS_10J_TAUX": (S000, 1577, "%", "hausse", "? ? ? ?"),
    "DEPASSEMENT_TAUX": (S001, 753, "%", "baisse", "? ? ? 49.1"),
    "DEPASSEMENT_TAUX_ECART_PTS": (S001, 754, "points", "baisse", "-1.5/2013 -1.5/2014 -1.5/2015 ?"),
    "ECONOMIES_TENDANCIEL_MAITRISE": (S001, 1011, "euros", "hausse", "? ? ? ?"),
    "CARTE_VITALE_DELAI_MOYEN": (S000, 890, "jours", "baisse", "20 20 20 20"),
    "FIABILITE_REPONSES_TEL_TAUX": (S000, 900, "%", "hausse", "80 80 80 80"),
    "FIABILITE_REPONSES_MEL_TAUX": (S000, 899, "%", "hausse", "? ? ? ?"),
    "SATISFACTION_ASSURES_TAUX": (S000, 1020, "%", "hausse", "? ? ? ?"),
    "COMPTES_AMELI_NB": (S000, 1229, "nombre", "hausse", "? ? 19e6 ?"),
    "DEMAT_CEAM_TAUX": (S000, 1231, "%", "hausse", "? ? 70 ?"),
    "DEMAT_RELEVE_IJ_TAUX": (S000, 1232, "%", "hausse", "? ? 70 ?"),
    "DEMAT_ATTESTATION_DROITS_TAUX": (S000, 1232, "%", "hausse", "? ? 56 ?"),
    "DEMAT_DECLARATION_MT_TAUX": (S000, 1252, "%", "hausse", "? ? ? ?"),
    "DEMAT_PROTOCOLE_SOINS_TAUX": (S000, 1253, "%", "hausse", "? ? ? ?"),
    "DEMAT_AAT_TAUX": (S000, 1253, "%", "hausse", "? ? ? ?"),
    "DEMAT_DSIJ_TAUX": (S000, 1303, "%", "hausse", "? ? 68.4 ?"),
    "CES_PRECAIRES_TAUX": (S000, 3637, "%", "hausse", "? ? 50 ?"),
    "CMUC_BENEFICIAIRES_NB": (S000, 439, "nombre", "hausse", "? ? ? 5e6"),
    "ACS_BENEFICIAIRES_NB": (S000, 440, "nombre", "hausse", "? ? ? 1.6e6"),
    "ACS_AIDES_ADDITIONNELLES_PART": (S000, 839, "%", "baisse", "? ? <=30 <=25"),
    "ACCUEILS_ACCESSIBLES_TAUX": (S000, 1038, "%", "hausse", "? ? ? 100"),
    "BUDGET_FONCTIONNEMENT_MNT": (S000, 2467, "euros", "baisse",
                                  "<=1099.8e6 <=1078.5e6 <=1069.5e6 <=993.4e6"),
    "BUDGET_INVESTISSEMENT_MNT": (S000, 2475, "euros", "baisse",
                                  "<=273.7e6 <=302.3e6 <=296.1e6 <=265.9e6"),
    "FNASS_DOTATION_MNT": (S000, 2483, "euros", "baisse", "<=89.3e6 <=84.1e6 <=80.3e6 <=80.3e6"),
    "FONCTIONNEMENT_ECONOMIES_EVOLUTION_2013": (S000, 2494, "%", "baisse", "? ? ? -15/2013"),
    "EFFECTIFS_ETP": (S000, 2262, "ETP", "baisse", "<=68724 <=67788 <=66615 <=64806"),
    "SURFACE_UTILE_PAR_AGENT": (S000, 2516, "m²", "baisse", "? ? 12 ?"),
    "ONDAM_RESPECT_TAUX": (S001, 772, "%", "baisse", "? ? ? ?"),
    "MAITRISE_MEDICALISEE_ECONOMIES_MNT": (S001, 988, "euros", "hausse",
                                           "600e6 700e6 700e6 700e6"),
    **{f"GINI_REPARTITION_{k}": (S001, 747, "indice × 100", "baisse", "? ? ? ?") for k in GINI},
    "SOPHIA_ADHERENTS_NB": (S001, 785, "nombre", "hausse", "? ? ? ?"),
}

REGISTRY = cogind.build_registry()


parse = parse_target


def test_the_cog_has_every_indicator_the_igas_quotes():
    cog = REGISTRY.cog(COG)
    assert cog.years == YEARS
    assert sorted(ci.code for ci in cog.indicators) == sorted(EXPECTED)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_targets_direction_and_unit(code):
    seed, line, unit, direction, spec = EXPECTED[code]
    entry, ind = REGISTRY.cog(COG).entry(code), REGISTRY.indicator(code)
    assert (ind.unit, ind.direction) == (unit, direction)
    assert sorted(entry.targets) == list(YEARS)
    for year, want in zip(YEARS, spec.split()):
        t = entry.targets[year]
        kind, value, base = parse(want)
        assert t.kind == kind and t.label, (year, t)
        if value is not None:
            assert math.isclose(t.value, value, rel_tol=1e-12), (year, t)
        assert t.base_year == base, (year, t)
        if kind == "a_determiner":
            assert "non cit" in t.label or "pas " in t.label or "horizon" in t.label, t


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_cites_the_igas_passage(code):
    seed, line, *_ = EXPECTED[code]
    entry = REGISTRY.cog(COG).entry(code)
    assert any(s.seed == seed and s.lines[0] <= line <= s.lines[1] for s in entry.source), \
        entry.source
    # indicators shared with later COGs may cite only those COGs: the entry cites the IGAS
    assert REGISTRY.indicator(code).source


def test_every_indicator_is_computed_on_small_tables():
    tables = build(REGISTRY, sorted(EXPECTED), 2012, 2017)
    res = cogind.compute(tables, cog=COG, period="year", registry=REGISTRY)
    national = {(r["indicateur"], r["periode"]): r for r in res.to_pylist()
                if r["niveau"] == "national"}
    for code in EXPECTED:
        for year in YEARS:
            row = national[(code, str(year))]
            assert row["valeur"] is not None and math.isfinite(row["valeur"]), row
