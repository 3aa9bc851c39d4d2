"""The catalogue of the COG 2023-2027: the 61 rows of annex 5 (seed 002, lines 9413-9632).

EXPECTED is transcribed by hand from the seed (``sed -n 9413,9632p``), not read back from the
plugin: number → (code, unit, direction, {year: (kind, value[, base year])}). Then every
indicator is computed on small hand-made tables and must give a finite national value.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from importlib import resources

import pyarrow as pa
import pytest

import cogind
from cogind.measures.families import Evolution
from cogind.model import Target

REGISTRY = cogind.build_registry()
COG = REGISTRY.cog("2023-2027")
S002 = "002_732d28efd214f262.txt"
ANNEX = (9413, 9632)  # row 61 ends on 9632 (its targets)
YEARS = (2023, 2024, 2025, 2026, 2027)


def L(*values):  # levels, None: no target that year
    return {y: ("niveau", v) for y, v in zip(YEARS, values) if v is not None}


def C(*values, base):  # changes in %, base a year or "prev" (previous year)
    return {y: ("evolution", v, y - 1 if base == "prev" else base) for y, v in zip(YEARS, values)}


PCT, NB, EUR = "%", "nombre", "euros"
UP, DOWN = "hausse", "baisse"
EXPECTED = {
    1: ("C2S_DELAI_D9", "jours", DOWN, L(23, 22, 20, 19, 18)),
    2: ("IJ_MAL_DELAI_MOYEN", "jours", DOWN, L(28, 26, 24, 22, 20)),
    3: ("IJ_ATMP_DELAI_MOYEN", "jours", DOWN, L(38, 35, 32, 29, 25)),
    4: ("SATISFACTION_ASSURES_TAUX", PCT, UP, L(82.5, 84, 85, 89, 93)),
    5: ("SATISFACTION_PS_TAUX", PCT, UP, L(82.5, 84, 85, 87, 90)),
    6: ("SATISFACTION_EMPLOYEURS_TAUX", PCT, UP, L(82.5, 84, 84, 84.5, 85)),
    # « par canal » with one target: one row per channel (issue 21 § 2)
    **{f"7 ({name})": (f"SATISFACTION_CANAL_{c}_TAUX", PCT, UP, L(70, 75, 80, 80, 80))
       for c, name in (("MEL", "e-mail"), ("TEL", "téléphone"), ("PHY", "physique"))},
    8: ("REITERATION_TAUX", PCT, DOWN, {2023: ("a_determiner", None), **L(None, 25, 23, 21, 20)}),
    9: ("COURRIELS_48H_TAUX", PCT, UP, L(81, 82, 83, 84, 85)),
    10: ("APPELS_TAUX_ABOUTIS", PCT, UP, L(75, 75, 85, 90, 90)),
    11: ("RECLAMATIONS_10J_TAUX", PCT, UP, L(97, 97, 97, 97, 97)),
    12: ("PS_INSTALLES_ACCOMPAGNEMENT_TAUX", PCT, UP, L(75, 75, 75, 75, 75)),
    13: ("ORDONNANCES_NUMERIQUES_TAUX", PCT, UP, L(30, 60, 70, 80, 90)),
    14: ("APPCV_ACTIVATIONS_NB", NB, UP, L(500_000, 5_000_000, 10_000_000, 20_000_000,
                                          25_000_000)),
    15: ("DEMAT_CARTE_VITALE_TAUX", PCT, UP, L(83, 83, 84, 85, 86)),
    16: ("DEMAT_NOUVEAU_NE_TAUX", PCT, UP, L(82, 83, 84, 85, 86)),
    17: ("DEMAT_C2S_TAUX", PCT, UP, L(35, 45, 50, 55, 60)),
    18: ("DEMAT_AAT_TAUX", PCT, UP, L(65, 70, 75, 80, 85)),
    19: ("DEMAT_CMAT_TAUX", PCT, UP, L(55, 60, 65, 70, 75)),
    20: ("CPTS_COUVERTURE_TAUX", PCT, UP, L(100, 100, 100, 100, 100)),
    21: ("ASSISTANTS_MEDICAUX_NB", NB, UP, {**L(6000, 10000),
                                         **{y: ("minimum", 10000) for y in YEARS[2:]}}),
    22: ("ALD_MEDECIN_TRAITANT_TAUX", PCT, UP, L(100, 100, 100, 100, 100)),
    23: ("C2S_BENEFICIAIRES_NB", NB, UP, L(7_272_952, 7_312_952, 7_352_952, 7_392_952,
                                         7_432_952)),
    24: ("DEPASSEMENT_TAUX_EVOLUTION", PCT, DOWN, C(-3, -5, -7, -8, -8, base=2022)),
    25: ("ALLER_VERS_PREVENTION_NB", NB, UP, L(100_000, 200_000, 300_000, 350_000, 400_000)),
    26: ("MAS_ACCOMPAGNEMENTS_NB", NB, UP, L(157_000, 164_850, 173_093, 181_747, 190_834)),
    27: ("UGECAM_MARGE_BRUTE_TAUX", PCT, UP, L(5, 6, 6, 6, 6)),
    28: ("RDV_PREVENTION_NB", NB, UP, L(None, 380_000, 530_000, 530_000, 530_000)),
    29: ("DENTISTE_RECOURS_TAUX", PCT, UP, L(51, 52, 53, 54, 55)),
    30: ("DEPISTAGE_SEIN_TAUX", PCT, UP, L(58.8, 61.6, 64.4, 67.2, 70.0)),
    31: ("DEPISTAGE_COL_TAUX", PCT, UP, L(58.4, 63.8, 69.2, 74.6, 80.0)),
    32: ("DEPISTAGE_COLORECTAL_TAUX", PCT, UP, L(37.8, 44.6, 51.4, 58.2, 65.0)),
    33: ("ONDAM_VILLE_RESPECT_TAUX", PCT, DOWN, L(100, 100, 100, 100, 100)),
    34: ("GDR_PLAN_DEPLOIEMENT_TAUX", PCT, UP, L(90, 90, 90, 90, 90)),
    35: ("GDR_ECONOMIES_ATTEINTE_TAUX", PCT, UP, L(100, 100, 100, 100, 100)),
    36: ("IJ_ARRETS_LONGS_EVOLUTION", PCT, DOWN, C(-2, -2, -2, -2, -2, base="prev")),
    # 2026 is written « +20% / base 25 »: read as base 2022 (see the indicator's notes)
    37: ("CONTROLES_SM_EVOLUTION", PCT, UP, C(5, 10, 15, 20, 25, base=2022)),
    38: ("GROS_PRESCRIPTEURS_IJ_TAUX", PCT, UP, L(75, 85, 100, 100, 100)),
    39: ("IC_SUIVI_TAUX", PCT, UP, L(30, 32, 34, 36, 38)),
    40: ("PARCOURS_PSY_PATIENTS_NB", NB, UP, L(100_000, 160_000, 240_000, 300_000, 400_000)),
    41: ("DMP_ALIMENTES_TAUX", PCT, UP, L(35, 45, 55, 65, 75)),
    42: ("MES_ACTIVATION_TAUX", PCT, UP, L(20, 30, 40, 50, 60)),
    43: ("RISQUE_RESIDUEL_FREQ_PN", PCT, DOWN, L(10.27, 9.73, 9.19, 8.11, 7.03)),
    44: ("RISQUE_RESIDUEL_FREQ_PE", PCT, DOWN, L(9.52, 9.02, 8.52, 8.02, 7.52)),
    45: ("TIF_PN_TAUX", PCT, DOWN, L(3.14, 2.97, 2.81, 2.48, 2.15)),
    46: ("TIF_PE_TAUX", PCT, DOWN, L(1.94, 1.84, 1.74, 1.64, 1.53)),
    47: ("RECOUVREMENT_INDUS_FRAUDE_TAUX", PCT, UP, L(55, 57, 60, 62, 65)),
    48: ("RECOUVREMENT_INDUS_NON_FRAUDE_TAUX", PCT, UP, L(96, 96, 97, 97, 98)),
    49: ("PREJUDICES_SUBIS_MNT", EUR, UP, L(266e6, 337.5e6, 357.5e6, 375e6, 390e6)),
    50: ("PREJUDICES_EVITES_MNT", EUR, UP, L(114e6, 162.5e6, 192.5e6, 225e6, 260e6)),
    51: ("DISPO_PORTAIL_PS_TAUX", PCT, UP, L(99.35, 99.39, 99.43, 99.46, 99.49)),
    52: ("DISPO_PORTAIL_ASSURES_TAUX", PCT, UP, L(99.12, 99.17, 99.22, 99.27, 99.42)),
    53: ("FORMATION_ACCES_TAUX", PCT, UP, L(62, 64, 66, 68, 70)),
    54: ("ABSENCE_COURTE_TAUX", PCT, DOWN, L(1.16, 1.12, 1.08, 1.04, 1)),
    55: ("FEMINISATION_DIRECTEURS_TAUX", PCT, UP, {y: ("intervalle", (45, 55)) for y in YEARS}),
    56: ("ENERGIE_EVOLUTION", PCT, DOWN, C(-5, -10, -15, -20, -25, base=2021)),
    57: ("ACHATS_MUTUALISATION_TAUX", PCT, UP, L(53, 54, 55, 56, 57)),
    58: ("PRODUCTIVITE_FSE", "unités d'œuvre par ETP", UP,
         L(819_967, 844_566.51, 869_903.51, 896_000.61, 922_880.63)),
    59: ("PRODUCTIVITE_IJ", "unités d'œuvre par ETP", UP,
         L(13_606, 14_000, 14_570, 15_150, 15_750)),
    # « Diminution annuelle de 0,5% en moyenne sur la période »: cumulative vs 2022, 0.995^k − 1
    60: ("COUT_BENEF_CONSOMMANT_EVOLUTION", PCT, DOWN,
         C(-0.5, -0.9975, -1.4925, -1.985, -2.4751, base=2022)),
    61: ("SURFACE_PAR_RESIDENT", "m2", DOWN, L(14, 14, 14, 14, 14)),
}

# The contract with the reporting systems (and the synthetic generator): indicator →
# (MES_COD, columns read, national-only allowed).
MESURES = {
    "IJ_MAT_SUB_DELAI_MOYEN": ("IJ_MAT_SUB_DELAI", "ratio", False),
    "DSN_EVENEMENTIELLE_TAUX": ("DSN_EVENEMENTIELLE", "ratio", False),
    "RESOLUTION_PREMIER_CONTACT_TAUX": ("RESOLUTION_PREMIER_CONTACT", "ratio", False),
    "PS_INSTALLES_ACCOMPAGNEMENT_TAUX": ("PS_INSTALLES_ACC", "ratio", False),
    "APPCV_ACTIVATIONS_NB": ("APPCV_ACTIVES", "val", True),
    "CPTS_COUVERTURE_TAUX": ("CPTS_POPULATION", "ratio", False),
    "ASSISTANTS_MEDICAUX_NB": ("ASSISTANTS_MEDICAUX", "val", False),
    "ALD_MEDECIN_TRAITANT_TAUX": ("ALD_MT", "ratio", False),
    "C2S_BENEFICIAIRES_NB": ("C2S_BENEFICIAIRES", "val", False),
    "ALLER_VERS_PREVENTION_NB": ("ALLER_VERS_PREVENTION", "val", False),
    "MAS_ACCOMPAGNEMENTS_NB": ("MAS_ACCOMPAGNEMENTS", "val", False),
    "UGECAM_MARGE_BRUTE_TAUX": ("UGECAM_MARGE", "ratio", True),
    "RDV_PREVENTION_NB": ("RDV_PREVENTION", "val", False),
    "DENTISTE_RECOURS_TAUX": ("RECOURS_DENTISTE", "ratio", False),
    "DEPISTAGE_SEIN_TAUX": ("DEPISTAGE_SEIN", "ratio", False),
    "DEPISTAGE_COL_TAUX": ("DEPISTAGE_COL", "ratio", False),
    "DEPISTAGE_COLORECTAL_TAUX": ("DEPISTAGE_COLORECTAL", "ratio", False),
    "ONDAM_VILLE_RESPECT_TAUX": ("ONDAM_VILLE", "ratio", True),
    "GDR_PLAN_DEPLOIEMENT_TAUX": ("GDR_ACTIONS", "ratio", False),
    "GDR_ECONOMIES_ATTEINTE_TAUX": ("GDR_ECONOMIES", "ratio", False),
    "GROS_PRESCRIPTEURS_IJ_TAUX": ("GROS_PRESCRIPTEURS_IJ", "ratio", False),
    "IC_SUIVI_TAUX": ("IC_SUIVI", "ratio", False),
    "PARCOURS_PSY_PATIENTS_NB": ("PARCOURS_PSY_PATIENTS", "val", False),
    "DMP_ALIMENTES_TAUX": ("DMP_ALIMENTES", "ratio", True),
    "MES_ACTIVATION_TAUX": ("MES_ACTIVES", "ratio", True),
    "DISPO_PORTAIL_PS_TAUX": ("DISPO_PORTAIL_PS", "ratio", True),
    "DISPO_PORTAIL_ASSURES_TAUX": ("DISPO_PORTAIL_ASSURES", "ratio", True),
    "FORMATION_ACCES_TAUX": ("FORMATION", "ratio", False),
    "ABSENCE_COURTE_TAUX": ("ABSENCE_COURTE", "ratio", False),
    "FEMINISATION_DIRECTEURS_TAUX": ("DIRECTEURS_FEMMES", "ratio", True),
    "ENERGIE_EVOLUTION": ("ENERGIE_KWH", "val", True),
    "ACHATS_MUTUALISATION_TAUX": ("ACHATS_MUTUALISES", "ratio", True),
    "PRODUCTIVITE_FSE": ("PRODUCTIVITE_FSE", "ratio", False),
    "PRODUCTIVITE_IJ": ("PRODUCTIVITE_IJ", "ratio", False),
    "COUT_BENEF_CONSOMMANT_EVOLUTION": ("COUT_BENEF_CONSOMMANT", "ratio", True),
    "SURFACE_PAR_RESIDENT": ("SURFACE_PNI", "ratio", False),
}


# --------------------------------------------------------------------------- declarations


SUIVI = {"IJ_MAL_SUB_DELAI_MOYEN": (1173, 1183), "IJ_MAT_SUB_DELAI_MOYEN": (1159, 1170),
         "DSN_EVENEMENTIELLE_TAUX": (1239, 1244), "RESOLUTION_PREMIER_CONTACT_TAUX": (1697, 1705)}


def test_the_cog_has_the_61_rows_in_order():
    annex = [e for e in COG.indicators if e.numero]
    assert [e.numero for e in annex] == [str(n) for n in EXPECTED]  # written in order
    assert [e.code for e in annex] == [EXPECTED[n][0] for n in EXPECTED]
    assert len(annex) == 61 - 1 + 3  # n° 7 in three channels
    assert COG.indicators[:len(annex)] == tuple(annex)  # the annex first, in its order
    assert COG.years == YEARS


def test_follow_up_figures_come_after_the_annex_without_number_nor_target():
    """« Indicateurs de suivi » of the fiches (002 l.1159-1244, 1697-1705): a yearly figure to
    transmit, no annex number, no numeric target; each registered and cited."""
    follow = [e for e in COG.indicators if not e.numero]
    assert {e.code: e.source[0].lines for e in follow} == SUIVI
    for e in follow:
        assert e.numero == "" and "hors annexe 5" in e.fiche
        assert {t.kind for t in e.targets.values()} == {"a_determiner"}
        assert set(e.targets) == set(YEARS)
        assert REGISTRY.indicator(e.code).source


def _as_expected(t: Target):
    if t.kind == "a_determiner":
        return ("a_determiner", None)
    if t.kind == "intervalle":
        return ("intervalle", (t.low, t.high))
    if t.kind == "evolution":
        return ("evolution", t.value, t.base_year)
    return (t.kind, t.value)


@pytest.mark.parametrize("numero", list(EXPECTED))
def test_targets_unit_direction(numero):
    code, unit, direction, targets = EXPECTED[numero]
    entry, ind = COG.entry(code), REGISTRY.indicator(code)
    assert entry.numero == str(numero)
    got = {y: _as_expected(t) for y, t in entry.targets.items()}
    assert got.keys() == targets.keys()
    for year, want in targets.items():
        assert got[year][0] == want[0], (year, got[year])
        if want[0] == "evolution":
            assert math.isclose(got[year][1], want[1], abs_tol=1e-4) and got[year][2] == want[2]
        else:
            assert got[year][1:] == want[1:], (year, got[year])
        assert entry.targets[year].label, "keep the COG's wording"
    assert (ind.unit, ind.direction) == (unit, direction)


def test_labels_keep_the_cog_wording():
    t = {e.code: e.targets for e in COG.indicators}
    assert t["REITERATION_TAUX"][2023].label == "ND"
    assert t["ASSISTANTS_MEDICAUX_NB"][2025].label == ">10 000"
    # the COG's wording, with a space before « % » (French typography, as the other COGs)
    assert t["FEMINISATION_DIRECTEURS_TAUX"][2023].label == "45 %-55 %"
    assert t["CONTROLES_SM_EVOLUTION"][2026].label == "+20 % / base 25"
    assert t["ENERGIE_EVOLUTION"][2023].label == "-5 % par rapport à 2021"
    assert t["ENERGIE_EVOLUTION"][2025].label == "-15 % vs. 2021"
    assert t["SATISFACTION_ASSURES_TAUX"][2023].label == "82,50 %"
    assert t["DEMAT_CARTE_VITALE_TAUX"][2023].label == "83 %"
    assert t["COUT_BENEF_CONSOMMANT_EVOLUTION"][2027].label == (
        "Diminution annuelle de 0,5 % en moyenne sur la période")
    assert t["SURFACE_PAR_RESIDENT"][2023].label == "14 m2"
    assert t["PRODUCTIVITE_FSE"][2024].label == "844 566,51"
    assert 2023 not in t["RDV_PREVENTION_NB"]


@pytest.mark.parametrize("entry", [e for e in COG.indicators if e.numero], ids=lambda e: e.code)
def test_sources_cite_annex_5(entry):
    def in_annex(s):
        return s.seed == S002 and ANNEX[0] <= s.lines[0] <= s.lines[1] <= ANNEX[1]

    assert entry.source and all(in_annex(s) for s in entry.source)
    assert any(in_annex(s) for s in REGISTRY.indicator(entry.code).source)


@pytest.mark.parametrize("entry", COG.indicators, ids=lambda e: e.code)
def test_evolution_targets_use_the_measure_base(entry):
    measure = REGISTRY.indicator(entry.code).measure
    kinds = {t.kind for t in entry.targets.values()}
    assert (kinds == {"evolution"}) == isinstance(measure, Evolution)
    if isinstance(measure, Evolution):
        for year, t in entry.targets.items():
            assert t.base_year == (year - 1 if measure.base == "annee_precedente"
                                   else measure.base)


@pytest.mark.parametrize("code", sorted(MESURES))
def test_mesures_contract(code):
    mes_cod, cols, national = MESURES[code]
    ind = REGISTRY.indicator(code)
    assert ind.table == "mesures" and [str(c) for c in ind.where] == [f"MES_COD ∈ {{{mes_cod}}}"]
    assert f"MES_COD = '{mes_cod}'" in ind.definition, "describe must say what it reads"
    read = set(ind.required_columns)
    assert ({"MES_NUM", "MES_DEN"} <= read) if cols == "ratio" else ("MES_VAL" in read)
    assert (ind.caisse_missing == "national") == national


def test_every_mesures_indicator_of_the_cog_is_in_the_contract():
    used = {e.code for e in COG.indicators if REGISTRY.indicator(e.code).table == "mesures"}
    assert used == set(MESURES)


# --------------------------------------------------------------------------- computation

CAISSES = ("01C751", "13C131")
MONTHS = (dt.date(2021, 3, 1), dt.date(2022, 3, 1), dt.date(2023, 3, 1))
TYPES = {"string": pa.string(), "date": pa.date32(), "datetime": pa.timestamp("s"),
         "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}


def arrow(name: str, rows: list[dict]) -> pa.Table:
    """Rows to an Arrow table typed from ``schemas/<name>.json`` (only the columns used)."""
    doc = json.loads((resources.files("cogind.schemas") / f"{name}.json").read_text("utf-8"))
    cols = {k for r in rows for k in r}
    schema = pa.schema([(f["name"], TYPES[f["type"]]) for f in doc["fields"]
                        if f["name"] in cols])
    return pa.Table.from_pylist(rows, schema=schema)


def _rows_by_caisse(make):
    return [r for c in CAISSES for m in MONTHS for i in range(6) for r in make(c, m, i)]


def hand_made_tables() -> dict:
    d = dt.timedelta
    enquetes = _rows_by_caisse(lambda c, m, i: [
        {"ORG_CLE_NUM": c, "ENQ_REP_DTD": m + d(i), "ENQ_PUB_COD": pub, "ENQ_CAN_COD": can,
         "ENQ_SAT_TOP": int(i % 3 != 0), "ENQ_REI_TOP": int(i % 4 == 0)}
        for pub in ("ASS", "PS", "EMP") for can in ("GLOBAL", "MEL", "TEL", "PHY")])
    demarches = _rows_by_caisse(lambda c, m, i: [
        {"ORG_CLE_NUM": c, "DEM_REC_DTD": m + d(i), "DEM_TYP_COD": typ,
         "DEM_CAN_COD": "DEMAT" if i % 3 else "PAPIER",
         "PSP_SPE_COD": 1 if typ == "ORD" else None}
        for typ in ("CV", "NN", "C2S", "AAT", "CMAT", "ORD", "CONS")])
    controles = _rows_by_caisse(lambda c, m, i: [
        {"ORG_CLE_NUM": c, "CTL_DTD": m + d(i), "CTL_TYP_COD": "SM"},
        *({"ORG_CLE_NUM": c, "CTL_DTD": m + d(i), "CTL_TYP_COD": typ, "ERR_TOP": int(i == 2),
           "ERR_MNT": 3.5 * (i == 2), "CTL_MNT": 120.0} for typ in ("PN", "PE")),
        {"ORG_CLE_NUM": c, "CTL_DTD": m + d(i), "CTL_TYP_COD": "LCF", "IND_FRA_TOP": i % 2,
         "IND_NOT_MNT": 1000.0, "IND_REC_MNT": 400.0 + 100 * i, "PRJ_SUB_MNT": 2500.0,
         "PRJ_EVI_MNT": 800.0}])
    ij = _rows_by_caisse(lambda c, m, i: [
        {"ORG_CLE_NUM": c, "IJ_RIS_COD": risk, "ASS_REG_COD": "TS", "IJ_SUB_TOP": sub,
         "SIN_1IJ_IND": 1, "ATT_REC_DTD": m, "IJ_PAI_DTD": m + d(10 + i + 5 * sub),
         "ARR_DEB_DTD": m - d(600 if i % 2 else 30), "IJ_NBR": 10 + i,
         "ARR_NUM": f"{c}{risk}{sub}{m.year}{i}"}
        for risk, sub in (("MAL", 0), ("ATMP", 0), ("MAL", 1))])
    contacts = _rows_by_caisse(lambda c, m, i: [
        {"ORG_CLE_NUM": c, "CNT_CAN_COD": can, "CNT_NIV_COD": 1, "CNT_ABO_TOP": int(i % 4 > 0),
         "CNT_ARR_DTH": dt.datetime(m.year, m.month, 1 + i, 9),
         "CNT_TRT_DTH": dt.datetime(m.year, m.month, 1 + i, 9) + d(hours=10 * i)}
        for can in ("TEL", "MEL", "REC")])
    dossiers = _rows_by_caisse(lambda c, m, i: [
        {"ORG_CLE_NUM": c, "DOS_TYP_COD": "C2S", "DOS_REC_DTD": m, "DOS_DEC_DTD": m + d(3 * i)}])
    prestations = _rows_by_caisse(lambda c, m, i: [
        {"ORG_CLE_NUM": c, "EXE_SOI_DTD": m + d(i), "PSE_CNV_COD": 2, "PSE_SPE_COD": 1,
         "PRS_DEP_MNT": 10.0 + i + m.year % 10, "BSE_REM_BSE": 30.0}])
    mesures = []
    for code, (mes_cod, cols, national) in MESURES.items():
        for m in MONTHS:
            k = m.year - 2020
            for c in ((None,) if national else CAISSES):
                mesures.append({"ORG_CLE_NUM": c, "MES_MOI_DTD": m, "MES_COD": mes_cod,
                                "MES_NUM": 40.0 + k, "MES_DEN": 100.0, "MES_VAL": 1000.0 * k})
    return {"enquetes": enquetes, "demarches": demarches, "controles": controles, "ij": ij,
            "contacts": contacts, "dossiers": dossiers, "prestations": prestations,
            "mesures": mesures}


@pytest.fixture(scope="module")
def results():
    tables = {name: arrow(name, rows) for name, rows in hand_made_tables().items()}
    res = cogind.compute(tables, cog="2023-2027", period="month", years=2023, registry=REGISTRY,
                         threads=1, secret=False)
    return res.to_pylist()


def test_every_indicator_is_computed_nationally(results):
    national = {r["indicateur"]: r["valeur"] for r in results
                if r["niveau"] == "national" and r["periode"] == "2023-03"}
    missing = [e.code for e in COG.indicators
               if national.get(e.code) is None or not math.isfinite(national[e.code])]
    assert not missing, f"no finite national value in 2023-03: {missing}"


def test_caisse_level_indicators_are_computed_per_caisse(results):
    per_caisse = {(r["indicateur"], r["caisse"]): r["valeur"] for r in results
                  if r["niveau"] != "national" and r["periode"] == "2023-03"}
    national_only = {code for code, (_, _, nat) in MESURES.items() if nat}
    for e in COG.indicators:
        if e.code in national_only:
            continue
        for c in CAISSES:
            v = per_caisse.get((e.code, c))
            assert v is not None and math.isfinite(v), (e.code, c)


def test_some_values_by_hand(results):
    national = {r["indicateur"]: r for r in results
                if r["niveau"] == "national" and r["periode"] == "2023-03"}
    # 2 caisses × 6 responses of assurés (GLOBAL), satisfied unless i % 3 == 0: 8 of 12
    assert national["SATISFACTION_ASSURES_TAUX"]["valeur"] == pytest.approx(100 * 8 / 12)
    # ORD DEMAT (i % 3 != 0: 4 of 6 per caisse) over CONS (6 per caisse)
    assert national["ORDONNANCES_NUMERIQUES_TAUX"]["valeur"] == pytest.approx(100 * 4 / 6)
    # as many SM controls in 2023-03 as in 2022-03
    assert national["CONTROLES_SM_EVOLUTION"]["valeur"] == pytest.approx(0.0)
    # long sick leaves: IJ_NBR of odd i (11 + 13 + 15 per caisse), same both years
    assert national["IJ_ARRETS_LONGS_EVOLUTION"]["valeur"] == pytest.approx(0.0)
    # energy: 3000 kWh in 2023-03 vs 1000 in 2021-03
    assert national["ENERGIE_EVOLUTION"]["valeur"] == pytest.approx(200.0)
    # cost per beneficiary: 43/100 vs 42/100 in 2022
    assert national["COUT_BENEF_CONSOMMANT_EVOLUTION"]["valeur"] == pytest.approx(
        100 * (43 / 42 - 1))
    assert national["PREJUDICES_SUBIS_MNT"]["valeur"] == pytest.approx(2 * 6 * 2500.0)
    assert national["APPCV_ACTIVATIONS_NB"]["valeur"] == pytest.approx(3000.0)


def test_docs_page_lists_every_indicator(tmp_path):
    from cogind.report.docgen import cog_markdown, write_docs

    text = cog_markdown(REGISTRY, "2023-2027")
    for e in COG.indicators:
        title = f"n° {e.numero} — " if e.numero else ""
        assert f"`{e.code}`" in text and f"### {title}{e.libelle}" in text
    assert "MES_COD = 'DISPO_PORTAIL_PS'" in text
    [path] = write_docs(REGISTRY, tmp_path, ("2023-2027",))
    assert path.name == "cog-2023-2027.md" and path.read_text("utf-8") == text


def test_docs_command(tmp_path):
    from click.testing import CliRunner

    from cogind.cli import cli

    res = CliRunner().invoke(cli, ["docs", str(tmp_path), "--cog", "2023-2027"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cog-2023-2027.md").exists()
    res = CliRunner().invoke(cli, ["docs", str(tmp_path), "--cog", "1999-2000"])
    assert res.exit_code == 2 and "unknown COG" in res.output  # a usage error (issue 22)
