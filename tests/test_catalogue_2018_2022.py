"""The COG 2018-2022 catalogue against the indicator tables of seed 004, transcribed here by hand
(not read back from the plugin), and computed on small hand-made tables.

Target notation: ``49.5`` level, ``?`` undetermined (blank cell, « A déterminer », « COG RSI »,
« X »), ``>=37`` minimum, ``+2.5/2017`` change versus 2017 (in % or, for the *_ECART_PTS
indicators, in points).
"""
from __future__ import annotations

import math

import pytest

import cogind
from catalogue_builder import parse_target, build

COG = "2018-2022"
YEARS = (2018, 2019, 2020, 2021, 2022)
SEED = "004_fc95c51d13b2451d.txt"
# fiche → lines of its indicator table in seed 004
TABLES = {1: (489, 497), 2: (567, 572), 3: (637, 645), 4: (710, 718), 5: (809, 821),
          6: (908, 923), 7: (987, 1001), 10: (1171, 1175), 11: (1241, 1247), 12: (1308, 1313),
          13: (1390, 1395), 14: (1464, 1470), 15: (1560, 1569), 16: (1633, 1638),
          17: (1725, 1729)}

# code: (n°, fiche, line in seed 004, unit, direction, targets 2018 … 2022)
EXPECTED = {
    "C2S_BENEFICIAIRES_NB": ("1", 1, 493, "nombre", "hausse",
                             "6600000 6713000 6850000 7000000 7150000"),
    "PFIDASS_ACCOMPAGNEMENTS_NB": ("2", 1, 494, "nombre", "hausse",
                                   "33000 60000 78750 100000 100000"),
    "PDP_ACCOMPAGNES_EVOLUTION": ("3", 1, 496, "%", "hausse",
                                  "+2.5/2017 +2.5/2018 +2.5/2019 +2.5/2020 +2.5/2021"),
    "DEPASSEMENT_TAUX": ("1", 2, 571, "%", "baisse", "49.5 48 47 46.5 46"),
    "ACTES_TARIFS_OPPOSABLES_PART": ("2", 2, 572, "%", "hausse", "41 42 43 44 45"),
    "CONTRATS_CAIM_NB": ("1 (CAIM)", 3, 641, "nombre", "hausse", "546 896 1246 1596 1746"),
    "CONTRATS_CSTM_NB": ("1 (CSTM)", 3, 642, "nombre", "hausse", "85 150 200 250 300"),
    "ACI_MSP_CONTRATS_NB": ("2", 3, 643, "nombre", "hausse", "720 980 1280 1530 1800"),
    "PRADO_CHIRURGIE_DMS": ("3", 3, 644, "jours", "baisse", "4.75 4.55 4.35 4.15 4"),
    "TELEMEDECINE_ACTES_NB": ("4", 3, 645, "nombre", "hausse",
                              "? 500000 700000 1000000 1400000"),
    "DEPISTAGE_COL_ECART_PTS": ("1", 4, 714, "points", "hausse",
                                "+4/2017 +1/2018 +1/2019 +1/2020 +1/2020"),
    "DEPISTAGE_COLORECTAL_ECART_PTS": ("2", 4, 715, "points", "hausse",
                                       "+5/2017 +3/2018 +1/2019 +1/2020 +1/2020"),
    "DEPISTAGE_SEIN_DO_ECART_PTS": ("3", 4, 717, "points", "hausse",
                                    "+1/2017 +1/2018 +1/2019 +1/2020 +1/2020"),
    "DENTISTE_RECOURS_TAUX": ("4", 4, 718, "%", "hausse", "61 62 63 64 65"),
    "ONDAM_RESPECT_TAUX": ("1", 5, 813, "%", "baisse", "100 100 100 100 100"),
    "MAITRISE_MEDICALISEE_ATTEINTE_TAUX": ("2", 5, 814, "%", "hausse", "100 100 100 100 100"),
    "DAP_DEMAT_PROFESSIONS_NB": ("3", 5, 815, "nombre", "hausse", "? >=1 >=2 >=3 ?"),
    "CAQES_VOLETS_PERTINENCE_NB": ("4", 5, 816, "nombre", "hausse", "200 250 ? ? ?"),
    "CAQES_INTERESSEMENT_TAUX": ("5 (non numéroté)", 5, 818, "%", "hausse", "? ? 40 40 40"),
    "IJ_AAT_DUREE_ECART": ("6", 5, 819, "jours", "hausse", "? ? ? ? ?"),
    "PREJUDICES_SUBIS_MNT": ("1", 6, 912, "euros", "hausse",
                             "200e6 201e6 202e6 203e6 203e6"),
    "PREJUDICES_EVITES_MNT": ("2", 6, 913, "euros", "hausse", "50e6 54e6 58e6 62e6 62e6"),
    "RECOUVREMENT_INDUS_FRAUDE_ECART_PTS": ("3", 6, 914, "points", "hausse",
                                            "+1/2017 +1/2017 +1/2017 +1.5/2017 +1.5/2017"),
    "RECOUVREMENT_INDUS_NON_FRAUDE_TAUX": ("4", 6, 915, "%", "hausse", "99 99 99 99 99"),
    "PUMA_CONTROLES_COUVERTURE_TAUX": ("5", 6, 916, "%", "hausse", "100 100 100 100 100"),
    "TIF_PN_TAUX": ("4 (bis, PN)", 6, 919, "%", "baisse", "1.34 1.27 1.19 1.12 1.04"),
    "TIF_PE_TAUX": ("4 (bis, PE)", 6, 920, "%", "baisse", "2.83 2.78 2.69 2.59 2.46"),
    "RISQUE_RESIDUEL_FREQ_PN": ("5 (bis, PN)", 6, 921, "%", "baisse", "5.5 5.2 4.9 4.6 4.26"),
    "RISQUE_RESIDUEL_FREQ_PE": ("5 (bis, PE)", 6, 922, "%", "baisse", "9 8.7 8.4 8.1 7.7"),
    "RCT_RECOUVREMENTS_MNT": ("6", 6, 923, "euros", "hausse",
                              "1035273559 1085479263 1141849402 1205284299 1276817950"),
    "FSE_DELAI_D9": ("1", 7, 991, "jours", "baisse", "7 7 7 7 7"),
    "IJ_MAL_DELAI_MOYEN_TS": ("2", 7, 992, "jours", "baisse", "28 28 27 26 25"),
    "C2S_DELAI_D9": ("3", 7, 993, "jours", "baisse", "33 32 31 30 29"),
    "APPELS_TAUX_ABOUTIS": ("4", 7, 994, "%", "hausse", "90 90 90 90 90"),
    "COURRIELS_48H_TAUX": ("5", 7, 995, "%", "hausse", "80 80 80 80 ?"),
    "SATISFACTION_ASSURES_TAUX": ("6", 7, 996, "%", "hausse", "93 93 93 93 93"),
    # « par canal de contact (email, téléphone, internet, papier, physique) », one target:
    # one row per channel (issue 21 § 2)
    **{f"SATISFACTION_CANAL_{c}_TAUX": (f"7 ({name})", 7, 997, "%", "hausse", "80 80.5 81 81.5 82")
       for c, name in (("MEL", "email"), ("TEL", "téléphone"), ("INT", "internet"),
                       ("PAP", "papier"), ("PHY", "physique"))},
    "SATISFACTION_REITERATION_TAUX": ("8", 7, 998, "%", "hausse", "? ? ? ? ?"),
    "SATISFACTION_PS_TAUX": ("9", 7, 999, "%", "hausse", "86 86.5 87 87.5 88"),
    "SATISFACTION_EMPLOYEURS_TAUX": ("10", 7, 1000, "%", "hausse", "87.5 88 88.5 89 89.5"),
    "RECLAMATIONS_10J_TAUX": ("11", 7, 1001, "%", "hausse", "82 83 84 85 85"),
    "PFS_EMPLOYEURS_MULTICANAL_NB": ("2", 10, 1175, "nombre", "hausse", "? ? 6 9 13"),
    "DEMAT_RELEVE_IJ_TAUX": ("1 (RIJ)", 11, 1245, "%", "hausse", "91 92 93 94 95"),
    "DEMAT_CARTE_VITALE_TAUX": ("1 (Vitale)", 11, 1245, "%", "hausse", "40 50 60 65 70"),
    "DEMAT_ATTESTATION_DROITS_TAUX": ("1 (Att D)", 11, 1245, "%", "hausse", "70 74 77 80 83"),
    "DEMAT_NOUVEAU_NE_TAUX": ("1 (Nouveau né)", 11, 1245, "%", "hausse", "30 50 75 95 95"),
    "DEMAT_DSH_INVALIDITE_TAUX": ("1 (DSH Inva)", 11, 1245, "%", "hausse", "? 25 50 75 80"),
    "DEMAT_DECLARATION_MT_TAUX": ("2 (DMT)", 11, 1246, "%", "hausse", "83 87 91 95 95"),
    "DEMAT_CMAT_TAUX": ("2 (Certificat médical ATMP)", 11, 1246, "%", "hausse",
                        "17 21 26 30 35"),
    "DEMAT_AAT_TAUX": ("2 (AAT)", 11, 1246, "%", "hausse", "40 50 60 70 75"),
    "DEMAT_PROTOCOLE_SOINS_TAUX": ("2 (PSE)", 11, 1246, "%", "hausse", "60 66 73 80 83"),
    "DEMAT_DAT_EMPLOYEURS_TAUX": ("3", 11, 1247, "%", "hausse", "73 75 77 79 81"),
    "DMP_OUVERTS_NB": ("1", 12, 1312, "nombre", "hausse", "3.5e6 10e6 20e6 30e6 40e6"),
    "EPRESCRIPTION_PROFESSIONNELS_NB": ("2", 12, 1313, "nombre", "hausse",
                                        "? 5000 10000 20000 30000"),
    "DISPO_PORTAIL_PS_TAUX": ("1", 13, 1394, "%", "hausse", "99.5 99.55 99.6 99.64 99.67"),
    "DISPO_PORTAIL_ASSURES_TAUX": ("2", 13, 1395, "%", "hausse", "99 99.05 99.1 99.2 99.25"),
    "ABSENCE_COURTE_TAUX": ("1", 14, 1468, "%", "baisse", "1.12 1.10 1.08 1.05 1.02"),
    "FORMATION_ACCES_TAUX": ("2", 14, 1469, "%", "hausse", "58 60 60 60 60"),
    "FEMINISATION_DIRECTEURS_TAUX": ("3", 14, 1470, "%", "hausse",
                                     ">=37 >=40 >=43 >=46 >=50"),
    "ACHATS_MUTUALISATION_TAUX": ("1", 15, 1565, "%", "hausse", "43 43 44 45 46"),
    "SURFACE_UTILE_PAR_AGENT": ("2", 15, 1566, "m²", "baisse", "12 12 12 12 12"),
    "PRODUCTIVITE_FSE_EVOLUTION": ("3", 15, 1567, "%", "hausse",
                                   "+3/2017 +3/2018 +3/2019 +3/2020 +3/2021"),
    "PRODUCTIVITE_IJ_EVOLUTION": ("4", 15, 1568, "%", "hausse",
                                  "+2.5/2017 +2.5/2018 +5/2019 +5/2020 +5/2021"),
    "COUT_BENEF_CONSOMMANT_EVOLUTION_2017": ("5", 15, 1569, "%", "baisse",
                                             "-0.5/2017 -0.9975/2017 -1.4925/2017 "
                                             "-1.985/2017 -2.4751/2017"),
    "RH_BILAN_TRANSFERES_TAUX": ("1", 16, 1637, "%", "hausse", "100 100 100 100 100"),
    "IJ_MAL_DELAI_MOYEN_TI": ("2", 16, 1638, "jours", "baisse", "? ? ? ? ?"),
    "UGECAM_HDJ_SSR_EVOLUTION": ("1", 17, 1729, "%", "hausse",
                                 "+2/2017 +2/2018 +2/2019 +2/2020 +2/2021"),
}

REGISTRY = cogind.build_registry()


parse = parse_target


def test_the_cog_has_every_row_of_the_tables_and_nothing_else():
    cog = REGISTRY.cog(COG)
    assert cog.years == YEARS
    assert sorted(ci.code for ci in cog.indicators) == sorted(EXPECTED)
    assert len(cog.indicators) == 67 - 1 + 5  # n° 7 in five channels


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_targets_direction_and_unit(code):
    numero, fiche, line, unit, direction, spec = EXPECTED[code]
    entry, ind = REGISTRY.cog(COG).entry(code), REGISTRY.indicator(code)
    assert (entry.numero, ind.unit, ind.direction) == (numero, unit, direction)
    assert entry.fiche.startswith(f"fiche {fiche} (")
    assert entry.fiche.endswith(("(résultat)", "(nature non renseignée)"))
    assert sorted(entry.targets) == list(YEARS)
    for year, want in zip(YEARS, spec.split()):
        t = entry.targets[year]
        kind, value, base = parse(want)
        assert t.kind == kind, (year, t)
        assert t.label, (year, t)
        if value is not None:
            assert math.isclose(t.value, value, rel_tol=1e-12), (year, t)
        assert t.base_year == base, (year, t)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_cites_its_row_of_seed_004(code):
    _, fiche, line, *_ = EXPECTED[code]
    entry = REGISTRY.cog(COG).entry(code)
    first, last = TABLES[fiche]
    assert any(s.seed == SEED and s.lines[0] >= first - 2 and s.lines[0] <= line <= s.lines[1]
               <= last for s in entry.source), entry.source
    ind = REGISTRY.indicator(code)
    assert any(s.seed == SEED for s in ind.source), ind.source


def test_point_targets_are_changes_in_points():
    for code, (*_, unit, _direction, spec) in EXPECTED.items():
        if code.endswith("_ECART_PTS"):
            assert unit == "points"
            measure = REGISTRY.indicator(code).measure
            for year, want in zip(YEARS, spec.split()):
                assert measure.base_year(year) == parse(want)[2]


def test_describe_says_what_each_indicator_is_computed_from():
    from cogind.report.describe import indicator_text
    for code in EXPECTED:
        text = indicator_text(REGISTRY, code)
        ind = REGISTRY.indicator(code)
        assert ind.table in text, code
        if ind.table == "mesures":
            assert "MES_COD" in text and ind.where[0].values[0] in text, code


def test_every_indicator_is_computed_on_small_tables():
    tables = build(REGISTRY, sorted(EXPECTED), 2016, 2022)
    res = cogind.compute(tables, cog=COG, period="year", registry=REGISTRY)
    national = {(r["indicateur"], r["periode"]): r for r in res.to_pylist()
                if r["niveau"] == "national"}
    for code in EXPECTED:
        for year in YEARS:
            row = national[(code, str(year))]
            assert row["valeur"] is not None and math.isfinite(row["valeur"]), row
            assert row["cible_libelle"], row
