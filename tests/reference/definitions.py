"""Every indicator of the plugins, written row by row in plain Python from its declaration.

Independent reference (STYLE.md §6): nothing here imports cogind, its kernels, engine or
families. Each specification below is copied by hand from the *text* of the declarations
(``plugins/indicateurs_*.py`` and their helpers ``plugins/mesures.py``,
``plugins/familles_points.py``: table, scope ``where``, measure and its parameters, period
column, ``caisse_missing``) and of the families' docstrings and describe texts
(``src/cogind/families.py``, ``src/cogind/trend.py``); the two plugin kernels (n°13 ordonnances
numériques / consultations, n°36 IJ des arrêts > 18 mois) are written from their declared
definition text, which is copied here too so that a change of it is noticed. Each computation
is a plain loop over the rows, one row at a time, with integer arithmetic wherever the
definition allows it (delays in whole days or hours, amounts in integer cents, exact ranks with
``fractions.Fraction``). numpy is used only for the least squares of the trend
(``numpy.linalg.lstsq`` on a design matrix built here, a different code path from cogind's).

Rules shared by every indicator (the engine's contract, from ``engine.py``'s docstrings):

1. scope: a row is out of scope (silently ignored) when a scope column holds a value outside
   the listed values; when no condition rules it out but one scope column is null, the row is
   counted ``champ_indetermine``;
2. period: the row belongs to the month of its period column; a row in scope with no period
   date cannot be placed in any row of the result and is only counted in the provenance
   (``date_periode_manquante``, see :func:`undated`);
3. caisse: a row with no caisse is excluded from every caisse and from the national figure,
   counted ``caisse_manquante`` in the national row only — unless the indicator declares
   ``caisse_missing="national"``: such a row is then a national measure, measured like any other
   row but counted in the national row only;
4. then the measure's own exclusions (``debut_manquant``, ``fin_manquante``,
   ``fin_avant_debut``, ``valeur_manquante``, ``montant_manquant``, ``montant_negatif``,
   ``numerateur_manquant``, ``denominateur_manquant``, ``numerateur_superieur``), first
   applicable reason wins;
5. periods and the national level are sums over months and caisses of the rows retained,
   except a stock (the level of the period's last month with data; national = sum of each
   caisse's own last month, plus that of the national-only rows) and the comparisons
   (evolution, change in points, savings versus trend), computed from those monthly sums;
6. a cell whose n is 0 has no value, whatever the family.

A reference function takes ``tables`` (``{name: list of row dicts}`` or pyarrow tables) and a
period kind (``month``, ``quarter``, ``year``) and returns
``{(caisse or None, period label): (value or None, n, {reason: count})}``; the national row is
keyed by caisse ``None``.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

CAISSE = "ORG_CLE_NUM"
NATIONAL_ONLY = "<lignes sans caisse, mesure nationale>"  # never a caisse of the result

# --------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class M:
    """A measure as declared: its family (``kind``) and parameters.

    kinds: delay, proportion, count, sum, stock, ratio (one-period families); evolution, points
    (``of``: another M), savings (comparisons); ordonnances, ij_longs (plugin kernels).
    """

    kind: str
    params: dict = field(default_factory=dict)


def delay(start, end, statistic="moyenne", unit="jours", quantile=None, threshold=None,
          missing_end="exclure", max_delay=730) -> M:
    return M("delay", dict(start=start, end=end, statistic=statistic, unit=unit,
                           quantile=quantile, threshold=threshold, missing_end=missing_end,
                           max_delay=max_delay))


def proportion(column, *values) -> M:
    return M("proportion", dict(column=column, values=frozenset(values)))


def ratio(numerator, denominator, scale=100.0, minority=False, share=False) -> M:
    """Σ numerator / Σ denominator × scale; ``minority``: the less represented of two groups,
    min(value, scale − value) (n° 55 « genre le moins représenté », issue 21); ``share``: the
    numerator counts a part of the denominator's units, a row with numerator > denominator is
    excluded (``numerateur_superieur``)."""
    return M("ratio", dict(numerator=numerator, denominator=denominator, scale=scale,
                           minority=minority, share=share))


def total(column) -> M:
    return M("sum", dict(column=column))


def stock(column) -> M:
    return M("stock", dict(column=column))


COUNT = M("count")


def evolution(of: M, base="annee_precedente") -> M:
    return M("evolution", dict(of=of, base=base))


def points(of: M, bases=(), base="annee_precedente") -> M:
    return M("points", dict(of=of, bases=tuple(bases), base=base))


def savings(column, years) -> M:
    return M("savings", dict(column=column, years=years))


# The two plugin kernels: their declared definition texts, copied (plugins/indicateurs_demat.py
# ORDONNANCES, plugins/indicateurs_maitrise.py IJ_LONGS); the computation below follows them.
ORDONNANCES_TEXT = (
    "Numérateur : lignes DEM_TYP_COD = ORD avec DEM_CAN_COD = DEMAT et PSP_SPE_COD "
    "dans 1, 22, 23 (ordonnances numériques de médecins généralistes). Dénominateur : "
    "lignes DEM_TYP_COD = CONS (consultations de médecine générale). Valeur : "
    "numérateur / dénominateur × 100 ; n = dénominateur. Exclus : nature, canal ou "
    "spécialité du prescripteur d'une ordonnance manquant (valeur_manquante).")
DIX_HUIT_MOIS = 548  # jours (18 × 365,25 / 12 = 547,9)
ORDONNANCES = M("ordonnances", dict(
    kernel="ordonnances_sur_consultations", text=ORDONNANCES_TEXT,
    inputs=(("DEM_TYP_COD", "flag", ("ORD",)), ("DEM_CAN_COD", "flag", ("DEMAT",)),
            ("DEM_TYP_COD", "flag", ("CONS",)), ("PSP_SPE_COD", "flag", (1, 22, 23))),
    reasons=("valeur_manquante",),
    nature="DEM_TYP_COD", ordonnance="ORD", consultation="CONS", canal="DEM_CAN_COD",
    demat="DEMAT", prescripteur="PSP_SPE_COD", generalistes=frozenset({1, 22, 23})))
# n° 36: the IJ paid in the period of the arrêts (ARR_NUM) 18 months old by the period's end
IJ_LONGS = M("ij_longs", dict(id="ARR_NUM", start="ARR_DEB_DTD", end="IJ_PAI_DTD",
                              column="IJ_NBR", days=DIX_HUIT_MOIS))


# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Spec:
    """An indicator's declaration, rewritten by hand from the plugin's text."""

    code: str
    table: str
    period_column: str
    scope: dict  # column -> frozenset of allowed values
    measure: M
    caisse_missing: str = "exclure"  # or "national"

    @property
    def kind(self) -> str:
        return self.measure.kind

    @property
    def params(self) -> dict:
        return self.measure.params

    @property
    def inner(self) -> M:
        """The measure an evolution / change in points compares (else the measure itself)."""
        return self.measure.params["of"] if self.kind in ("evolution", "points") else self.measure


def scope(**columns) -> dict:
    return {c: frozenset(v if isinstance(v, tuple) else (v,)) for c, v in columns.items()}


# IR_SPE_V specialties of physicians: 1-18, 20, 22, 23, 31-35, 37, 38, 41-49, 69, 70-85
MEDECINS = tuple([*range(1, 19), 20, 22, 23, *range(31, 36), 37, 38, *range(41, 50), 69,
                  *range(70, 86)])
IJ_NATURES = tuple(range(6111, 6119))
DEPASSEMENT_SCOPE = scope(PSE_CNV_COD=(2, 3), PSE_SPE_COD=MEDECINS)
DEPASSEMENT = ratio("PRS_DEP_MNT", "BSE_REM_BSE", 100)


def _ij(code, risk, regime=None):
    s = dict(SIN_1IJ_IND=1, IJ_SUB_TOP=0, IJ_RIS_COD=risk)
    if regime:
        s["ASS_REG_COD"] = regime
    return Spec(code, "ij", "IJ_PAI_DTD", scope(**s), delay("ATT_REC_DTD", "IJ_PAI_DTD"))


# plugins/indicateurs_ij, _relation, _droits, _prestations, _gdr
FIRST = [
    _ij("IJ_MAL_DELAI_MOYEN", "MAL"),
    _ij("IJ_MAL_DELAI_MOYEN_TS", "MAL", "TS"),
    _ij("IJ_MAL_DELAI_MOYEN_TI", "MAL", "TI"),
    _ij("IJ_ATMP_DELAI_MOYEN", "ATMP"),
    Spec("IJ_MAL_SUB_DELAI_MOYEN", "ij", "IJ_PAI_DTD",
         scope(SIN_1IJ_IND=1, IJ_SUB_TOP=1, IJ_RIS_COD="MAL"),
         delay("ATT_REC_DTD", "IJ_PAI_DTD")),
    Spec("FSE_DELAI_D9", "prestations", "PRS_PAI_DTD", scope(FSE_TOP=1, DRG_ASS_TOP=1),
         delay("FSE_REC_DTD", "PRS_PAI_DTD", "quantile", quantile="0.9", max_delay=366)),
    Spec("C2S_DELAI_D9", "dossiers", "DOS_DEC_DTD",
         scope(DOS_TYP_COD=("C2S", "C2SP", "CMUC", "ACS")),
         delay("DOS_REC_DTD", "DOS_DEC_DTD", "quantile", quantile="0.9", max_delay=730)),
    Spec("C2S_DELAI_MOYEN", "dossiers", "DOS_DEC_DTD",
         scope(DOS_TYP_COD=("C2S", "C2SP", "CMUC", "ACS")), delay("DOS_REC_DTD", "DOS_DEC_DTD")),
    Spec("FSP_ASSURES_DELAI_D9", "prestations", "PRS_PAI_DTD", scope(FSE_TOP=0, DRG_ASS_TOP=1),
         delay("FSE_REC_DTD", "PRS_PAI_DTD", "quantile", quantile="0.9", max_delay=366)),
    Spec("FSP_MEDECINS_DELAI_D9", "prestations", "PRS_PAI_DTD",
         scope(FSE_TOP=0, DRG_ASS_TOP=0, PSE_SPE_COD=MEDECINS),
         delay("FSE_REC_DTD", "PRS_PAI_DTD", "quantile", quantile="0.9", max_delay=366)),
    Spec("APPELS_TAUX_ABOUTIS", "contacts", "CNT_ARR_DTH", scope(CNT_CAN_COD="TEL"),
         proportion("CNT_ABO_TOP", 1)),
    Spec("COURRIELS_48H_TAUX", "contacts", "CNT_ARR_DTH",
         scope(CNT_CAN_COD="MEL", CNT_NIV_COD=(1, 2)),
         delay("CNT_ARR_DTH", "CNT_TRT_DTH", "part_sous_seuil", "heures", threshold=48,
               missing_end="hors_delai", max_delay=24 * 62)),
    Spec("RECLAMATIONS_10J_TAUX", "contacts", "CNT_ARR_DTH", scope(CNT_CAN_COD="REC"),
         delay("CNT_ARR_DTH", "CNT_TRT_DTH", "part_sous_seuil", "jours", threshold=10,
               missing_end="hors_delai", max_delay=366)),
    Spec("DEPASSEMENT_TAUX", "prestations", "EXE_SOI_DTD", DEPASSEMENT_SCOPE, DEPASSEMENT),
    Spec("DEPASSEMENT_TAUX_ECART_PTS", "prestations", "EXE_SOI_DTD", DEPASSEMENT_SCOPE,
         points(DEPASSEMENT)),
    Spec("DEPASSEMENT_TAUX_EVOLUTION", "prestations", "EXE_SOI_DTD", DEPASSEMENT_SCOPE,
         evolution(DEPASSEMENT, 2022)),
    Spec("ECONOMIES_TENDANCIEL_IJ", "prestations", "EXE_SOI_DTD",
         scope(PRS_NAT_REF=IJ_NATURES), savings("PRS_PAI_MNT", 2)),
]

# plugins/indicateurs_satisfaction (enquetes)
SATISFAIT = proportion("ENQ_SAT_TOP", 1)


def _enquete(code, measure, **s):
    return Spec(code, "enquetes", "ENQ_REP_DTD", scope(**s), measure)


SATISFACTION = [
    _enquete("SATISFACTION_ASSURES_TAUX", SATISFAIT, ENQ_PUB_COD="ASS", ENQ_CAN_COD="GLOBAL"),
    _enquete("SATISFACTION_PS_TAUX", SATISFAIT, ENQ_PUB_COD="PS", ENQ_CAN_COD="GLOBAL"),
    _enquete("SATISFACTION_EMPLOYEURS_TAUX", SATISFAIT, ENQ_PUB_COD="EMP",
             ENQ_CAN_COD="GLOBAL"),
    _enquete("SATISFACTION_CANAL_TAUX", SATISFAIT, ENQ_PUB_COD="ASS",
             ENQ_CAN_COD=("MEL", "TEL", "PHY", "INT", "PAP")),
    *(_enquete(f"SATISFACTION_CANAL_{c}_TAUX", SATISFAIT, ENQ_PUB_COD="ASS", ENQ_CAN_COD=c)
      for c in ("MEL", "TEL", "PHY", "INT", "PAP")),
    _enquete("REITERATION_TAUX", proportion("ENQ_REI_TOP", 1), ENQ_PUB_COD="ASS"),
    _enquete("SATISFACTION_REITERATION_TAUX", SATISFAIT, ENQ_PUB_COD="ASS", ENQ_REI_TOP=1),
]

# plugins/indicateurs_demat and _numerique (demarches)
DEMAT = proportion("DEM_CAN_COD", "DEMAT")


def _demarche(code, nature, measure=DEMAT):
    return Spec(code, "demarches", "DEM_REC_DTD", scope(DEM_TYP_COD=nature), measure)


DEMARCHES = [
    _demarche("ORDONNANCES_NUMERIQUES_TAUX", ("ORD", "CONS"), ORDONNANCES),
    _demarche("DEMAT_CARTE_VITALE_TAUX", "CV"),
    _demarche("DEMAT_NOUVEAU_NE_TAUX", "NN"),
    _demarche("DEMAT_C2S_TAUX", "C2S"),
    _demarche("DEMAT_AAT_TAUX", "AAT"),
    _demarche("DEMAT_CMAT_TAUX", "CMAT"),
    _demarche("DEMAT_RELEVE_IJ_TAUX", "RIJ"),
    _demarche("DEMAT_ATTESTATION_DROITS_TAUX", "ATTD"),
    _demarche("DEMAT_DSH_INVALIDITE_TAUX", "DSHI"),
    _demarche("DEMAT_DECLARATION_MT_TAUX", "DMT"),
    _demarche("DEMAT_PROTOCOLE_SOINS_TAUX", "PSE"),
    _demarche("DEMAT_DAT_EMPLOYEURS_TAUX", "DAT"),
    _demarche("DEMAT_CEAM_TAUX", "CEAM"),
    _demarche("DEMAT_DSIJ_TAUX", "DSIJ"),
]

# plugins/indicateurs_lcf and _controle (controles)
RECOUVREMENT = ratio("IND_REC_MNT", "IND_NOT_MNT", 100)


def _controle(code, measure, **s):
    return Spec(code, "controles", "CTL_DTD", scope(**s), measure)


CONTROLES = [
    _controle("CONTROLES_SM_EVOLUTION", evolution(COUNT, 2022), CTL_TYP_COD="SM"),
    _controle("RISQUE_RESIDUEL_FREQ_PN", proportion("ERR_TOP", 1), CTL_TYP_COD="PN"),
    _controle("RISQUE_RESIDUEL_FREQ_PE", proportion("ERR_TOP", 1), CTL_TYP_COD="PE"),
    _controle("TIF_PN_TAUX", ratio("ERR_MNT", "CTL_MNT", 100), CTL_TYP_COD="PN"),
    _controle("TIF_PE_TAUX", ratio("ERR_MNT", "CTL_MNT", 100), CTL_TYP_COD="PE"),
    _controle("RECOUVREMENT_INDUS_FRAUDE_TAUX", RECOUVREMENT, IND_FRA_TOP=1),
    _controle("RECOUVREMENT_INDUS_NON_FRAUDE_TAUX", RECOUVREMENT, IND_FRA_TOP=0),
    _controle("PREJUDICES_SUBIS_MNT", total("PRJ_SUB_MNT"), CTL_TYP_COD="LCF"),
    _controle("PREJUDICES_EVITES_MNT", total("PRJ_EVI_MNT"), CTL_TYP_COD="LCF"),
    _controle("RECOUVREMENT_INDUS_FRAUDE_ECART_PTS", points(RECOUVREMENT, base=2017),
              IND_FRA_TOP=1),
]

# plugins/indicateurs_maitrise (ij)
IJ_TABLE = [
    Spec("IJ_ARRETS_LONGS_EVOLUTION", "ij", "IJ_PAI_DTD", scope(IJ_RIS_COD="MAL"),
         evolution(IJ_LONGS, "annee_precedente")),
]

# plugins/indicateurs_offre_soins (prestations)
PRESTATIONS = [
    Spec("ACTES_TARIFS_OPPOSABLES_PART", "prestations", "EXE_SOI_DTD", DEPASSEMENT_SCOPE,
         proportion("PRS_DEP_MNT", 0)),
]

# plugins/mesures.py: TAUX, RATIO, SOMME, STOCK over MES_NUM / MES_DEN / MES_VAL
TAUX = ratio("MES_NUM", "MES_DEN", 100.0)
PART = ratio("MES_NUM", "MES_DEN", 100.0, share=True)  # « part des … parmi les … »
RATIO = ratio("MES_NUM", "MES_DEN", 1.0)
SOMME = total("MES_VAL")
STOCK = stock("MES_VAL")
NATIONAL = "national"
BASES_DEPISTAGE = ((2018, 2017), (2019, 2018), (2020, 2019), (2021, 2020), (2022, 2020))


def _mes(code, mes_cod, measure, caisse_missing="exclure"):
    return Spec(code, "mesures", "MES_MOI_DTD", scope(MES_COD=mes_cod), measure, caisse_missing)


MESURES = [
    # indicateurs_demat
    _mes("APPCV_ACTIVATIONS_NB", "APPCV_ACTIVES", STOCK, NATIONAL),
    _mes("DMP_ALIMENTES_TAUX", "DMP_ALIMENTES", PART, NATIONAL),
    _mes("MES_ACTIVATION_TAUX", "MES_ACTIVES", PART, NATIONAL),
    # indicateurs_numerique
    _mes("PFS_EMPLOYEURS_MULTICANAL_NB", "PFS_EMPLOYEURS_MULTICANAL", STOCK, NATIONAL),
    _mes("DMP_OUVERTS_NB", "DMP_OUVERTS", STOCK),
    _mes("EPRESCRIPTION_PROFESSIONNELS_NB", "EPRESCRIPTION_PS", STOCK),
    _mes("COMPTES_AMELI_NB", "COMPTES_AMELI", STOCK),
    # indicateurs_acces
    _mes("PS_INSTALLES_ACCOMPAGNEMENT_TAUX", "PS_INSTALLES_ACC", PART),
    _mes("CPTS_COUVERTURE_TAUX", "CPTS_POPULATION", PART),
    _mes("ASSISTANTS_MEDICAUX_NB", "ASSISTANTS_MEDICAUX", STOCK),
    _mes("ALD_MEDECIN_TRAITANT_TAUX", "ALD_MT", PART),
    _mes("C2S_BENEFICIAIRES_NB", "C2S_BENEFICIAIRES", STOCK),
    _mes("MAS_ACCOMPAGNEMENTS_NB", "MAS_ACCOMPAGNEMENTS", SOMME),
    _mes("UGECAM_MARGE_BRUTE_TAUX", "UGECAM_MARGE", TAUX, NATIONAL),
    # indicateurs_prevention
    _mes("ALLER_VERS_PREVENTION_NB", "ALLER_VERS_PREVENTION", SOMME),
    _mes("RDV_PREVENTION_NB", "RDV_PREVENTION", SOMME),
    _mes("DENTISTE_RECOURS_TAUX", "RECOURS_DENTISTE", PART),
    _mes("DEPISTAGE_SEIN_TAUX", "DEPISTAGE_SEIN", PART),
    _mes("DEPISTAGE_COL_TAUX", "DEPISTAGE_COL", PART),
    _mes("DEPISTAGE_COLORECTAL_TAUX", "DEPISTAGE_COLORECTAL", PART),
    _mes("IC_SUIVI_TAUX", "IC_SUIVI", PART),
    _mes("PARCOURS_PSY_PATIENTS_NB", "PARCOURS_PSY_PATIENTS", SOMME),
    # indicateurs_maitrise
    _mes("ONDAM_VILLE_RESPECT_TAUX", "ONDAM_VILLE", TAUX, NATIONAL),
    _mes("GDR_PLAN_DEPLOIEMENT_TAUX", "GDR_ACTIONS", PART),
    _mes("GDR_ECONOMIES_ATTEINTE_TAUX", "GDR_ECONOMIES", TAUX),
    _mes("GROS_PRESCRIPTEURS_IJ_TAUX", "GROS_PRESCRIPTEURS_IJ", PART),
    # indicateurs de suivi 2023-2027 (indicateurs_ij, indicateurs_relation)
    _mes("IJ_MAT_SUB_DELAI_MOYEN", "IJ_MAT_SUB_DELAI", RATIO),
    _mes("DSN_EVENEMENTIELLE_TAUX", "DSN_EVENEMENTIELLE", PART),
    _mes("RESOLUTION_PREMIER_CONTACT_TAUX", "RESOLUTION_PREMIER_CONTACT", PART),
    # indicateurs_pilotage
    _mes("DISPO_PORTAIL_PS_TAUX", "DISPO_PORTAIL_PS", PART, NATIONAL),
    _mes("DISPO_PORTAIL_ASSURES_TAUX", "DISPO_PORTAIL_ASSURES", PART, NATIONAL),
    _mes("FORMATION_ACCES_TAUX", "FORMATION", PART),
    _mes("ABSENCE_COURTE_TAUX", "ABSENCE_COURTE", TAUX),
    _mes("FEMINISATION_DIRECTEURS_TAUX", "DIRECTEURS_FEMMES",
         ratio("MES_NUM", "MES_DEN", minority=True, share=True), NATIONAL),
    _mes("ENERGIE_EVOLUTION", "ENERGIE_KWH", evolution(total("MES_VAL"), 2021), NATIONAL),
    _mes("ACHATS_MUTUALISATION_TAUX", "ACHATS_MUTUALISES", PART, NATIONAL),
    _mes("PRODUCTIVITE_FSE", "PRODUCTIVITE_FSE", RATIO),
    _mes("PRODUCTIVITE_IJ", "PRODUCTIVITE_IJ", RATIO),
    _mes("COUT_BENEF_CONSOMMANT_EVOLUTION", "COUT_BENEF_CONSOMMANT",
         evolution(ratio("MES_NUM", "MES_DEN", 1.0), 2022), NATIONAL),
    _mes("SURFACE_PAR_RESIDENT", "SURFACE_PNI", RATIO),
    # indicateurs_controle
    _mes("PUMA_CONTROLES_COUVERTURE_TAUX", "PUMA_CONTROLES", PART),
    _mes("RCT_RECOUVREMENTS_MNT", "RCT_RECOUVREMENTS", SOMME),
    # indicateurs_gdr_parcours
    _mes("DEPISTAGE_COL_ECART_PTS", "DEPISTAGE_COL", points(PART, BASES_DEPISTAGE)),
    _mes("DEPISTAGE_COLORECTAL_ECART_PTS", "DEPISTAGE_COLORECTAL",
         points(PART, BASES_DEPISTAGE)),
    _mes("DEPISTAGE_SEIN_DO_ECART_PTS", "DEPISTAGE_SEIN_DO", points(PART, BASES_DEPISTAGE)),
    _mes("DEPISTAGE_SEIN_DO_TAUX", "DEPISTAGE_SEIN_DO", PART),
    _mes("ONDAM_RESPECT_TAUX", "ONDAM", TAUX, NATIONAL),
    _mes("MAITRISE_MEDICALISEE_ATTEINTE_TAUX", "MAITRISE_MEDICALISEE", TAUX, NATIONAL),
    _mes("MAITRISE_MEDICALISEE_ECONOMIES_MNT", "MAITRISE_MEDICALISEE", total("MES_NUM"),
         NATIONAL),
    _mes("DAP_DEMAT_PROFESSIONS_NB", "DAP_DEMAT_PROFESSIONS", STOCK, NATIONAL),
    _mes("CAQES_VOLETS_PERTINENCE_NB", "CAQES_VOLETS_PERTINENCE", STOCK),
    _mes("CAQES_INTERESSEMENT_TAUX", "CAQES_INTERESSEMENT", PART),
    _mes("IJ_AAT_DUREE_ECART", "IJ_AAT_DUREE_ECART", STOCK, NATIONAL),
    _mes("CES_PRECAIRES_TAUX", "CES_PRECAIRES", PART),
    _mes("SOPHIA_ADHERENTS_NB", "SOPHIA_ADHERENTS", STOCK),
    *[_mes(f"GINI_REPARTITION_{p}", f"GINI_{p}", STOCK, NATIONAL)
      for p in ("MEDECINS", "INFIRMIERS", "MASSEURS_KINES", "ORTHOPHONISTES",
                "CHIRURGIENS_DENTISTES", "SAGES_FEMMES")],
    # indicateurs_offre_soins
    _mes("PFIDASS_ACCOMPAGNEMENTS_NB", "PFIDASS_ACCOMPAGNEMENTS", SOMME),
    _mes("PDP_ACCOMPAGNES_EVOLUTION", "PDP_ACCOMPAGNES", evolution(SOMME, "annee_precedente")),
    _mes("CONTRATS_CAIM_NB", "CONTRATS_CAIM", STOCK),
    _mes("CONTRATS_CSTM_NB", "CONTRATS_CSTM", STOCK),
    _mes("ACI_MSP_CONTRATS_NB", "ACI_MSP_CONTRATS", STOCK),
    _mes("PRADO_CHIRURGIE_DMS", "PRADO_CHIR_SEJOURS", RATIO),
    _mes("TELEMEDECINE_ACTES_NB", "TELEMEDECINE_ACTES", SOMME),
    _mes("CMUC_BENEFICIAIRES_NB", "CMUC_BENEFICIAIRES", STOCK),
    _mes("ACS_BENEFICIAIRES_NB", "ACS_BENEFICIAIRES", STOCK),
    _mes("ACS_AIDES_ADDITIONNELLES_PART", "ACS_AIDES_ADDITIONNELLES", TAUX),
    # indicateurs_reseau
    _mes("PRODUCTIVITE_FSE_EVOLUTION", "PRODUCTIVITE_FSE", evolution(RATIO)),
    _mes("PRODUCTIVITE_IJ_EVOLUTION", "PRODUCTIVITE_IJ", evolution(RATIO)),
    _mes("COUT_BENEF_CONSOMMANT_EVOLUTION_ANNUELLE", "COUT_BENEF_CONSOMMANT", evolution(RATIO),
         NATIONAL),
    _mes("COUT_BENEF_CONSOMMANT_EVOLUTION_2017", "COUT_BENEF_CONSOMMANT",
         evolution(RATIO, 2017), NATIONAL),
    _mes("SURFACE_UTILE_PAR_AGENT", "SURFACE_UTILE", RATIO),
    _mes("RH_BILAN_TRANSFERES_TAUX", "RH_BILAN_TRANSFERES", PART),
    _mes("UGECAM_HDJ_SSR_EVOLUTION", "UGECAM_HDJ_SSR", evolution(SOMME), NATIONAL),
    _mes("CARTE_VITALE_DELAI_MOYEN", "CARTE_VITALE_DELAI", RATIO),
    _mes("FIABILITE_REPONSES_TEL_TAUX", "FIABILITE_TEL", PART),
    _mes("FIABILITE_REPONSES_MEL_TAUX", "FIABILITE_MEL", PART),
    _mes("ACCUEILS_ACCESSIBLES_TAUX", "ACCUEILS_ACCESSIBLES", PART),
    _mes("BUDGET_FONCTIONNEMENT_MNT", "BUDGET_FONCTIONNEMENT", SOMME, NATIONAL),
    _mes("BUDGET_INVESTISSEMENT_MNT", "BUDGET_INVESTISSEMENT", SOMME, NATIONAL),
    _mes("FNASS_DOTATION_MNT", "FNASS_DOTATION", SOMME, NATIONAL),
    _mes("FONCTIONNEMENT_ECONOMIES_EVOLUTION_2013", "FONCTIONNEMENT_PERIMETRE_COG",
         evolution(SOMME, 2013), NATIONAL),
    _mes("EFFECTIFS_ETP", "EFFECTIFS_ETP", STOCK),
]

SPECS = {s.code: s for s in [*FIRST, *SATISFACTION, *DEMARCHES, *CONTROLES, *IJ_TABLE,
                             *PRESTATIONS, *MESURES]}
assert len(SPECS) == len(FIRST) + len(SATISFACTION) + len(DEMARCHES) + len(CONTROLES) + len(
    IJ_TABLE) + len(PRESTATIONS) + len(MESURES), "a code is declared twice"


# --------------------------------------------------------------------------- helpers


def rows_of(tables, name: str) -> list[dict]:
    """The rows of table ``name`` as dicts (a pyarrow table is converted with to_pylist)."""
    t = tables.get(name)
    if t is None:
        return []
    if hasattr(t, "to_pylist"):
        return t.to_pylist()
    return list(t)


def day_of(x) -> dt.date:
    """Calendar day of a date or a (naive) datetime."""
    return x.date() if isinstance(x, dt.datetime) else x


def month_of(x) -> tuple[int, int]:
    d = day_of(x)
    return d.year, d.month


def period_label(month: tuple[int, int], kind: str) -> str:
    y, m = month
    if kind == "month":
        return f"{y}-{m:02d}"
    if kind == "quarter":
        return f"{y}-T{(m - 1) // 3 + 1}"
    if kind == "year":
        return f"{y}"
    raise ValueError(kind)


def period_months(label: str) -> list[tuple[int, int]]:
    """The months of a period label (inverse of :func:`period_label`)."""
    if "-T" in label:
        y, q = label.split("-T")
        return [(int(y), 3 * (int(q) - 1) + k) for k in (1, 2, 3)]
    if "-" in label:
        y, m = label.split("-")
        return [(int(y), int(m))]
    return [(int(label), m) for m in range(1, 13)]


def cents(x) -> int:
    """An amount in euros as integer cents: round(x·100)."""
    return int(round(x * 100))


def ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def scope_status(row: dict, scope_: dict) -> str:
    """``in``, ``out`` or ``unknown`` (a null scope column and no condition ruling it out)."""
    unknown = False
    for col, allowed in scope_.items():
        v = row.get(col)
        if v is None:
            unknown = True
        elif v not in allowed:
            return "out"
    return "unknown" if unknown else "in"


# --------------------------------------------------------------------------- per-row measures


def delay_contribution(row: dict, p: dict):
    """("exclude", reason) or ("keep", delay or None when open and counted late)."""
    start, end = row.get(p["start"]), row.get(p["end"])
    if start is None:
        return "exclude", "debut_manquant"
    if end is None:
        if p["missing_end"] == "hors_delai":
            return "keep", None
        return "exclude", "fin_manquante"
    if p["unit"] == "heures":  # exact duration (to the microsecond), rounded up to the hour
        micro = (end - start) // dt.timedelta(microseconds=1)
        if micro < 0:
            return "exclude", "fin_avant_debut"
        return "keep", ceil_div(micro, 3600 * 10**6)
    days = (day_of(end) - day_of(start)).days
    if days < 0 or (isinstance(start, dt.datetime) and end < start):  # instants: issue 21
        return "exclude", "fin_avant_debut"
    return "keep", days


def proportion_contribution(row: dict, p: dict):
    v = row.get(p["column"])
    if v is None:
        return "exclude", "valeur_manquante"
    return "keep", v in p["values"]


def ratio_contribution(row: dict, p: dict):
    num, den = row.get(p["numerator"]), row.get(p["denominator"])
    if num is None:
        return "exclude", "numerateur_manquant"
    if den is None:
        return "exclude", "denominateur_manquant"
    num, den = cents(num), cents(den)
    if num < 0 or den < 0:
        return "exclude", "montant_negatif"
    if p.get("share") and num > den:
        return "exclude", "numerateur_superieur"
    return "keep", (num, den)


def sum_contribution(row: dict, p: dict):
    v = row.get(p["column"])
    if v is None:
        return "exclude", "montant_manquant"
    c = cents(v)
    if c < 0:
        return "exclude", "montant_negatif"
    return "keep", c


def count_contribution(row: dict, p: dict):
    return "keep", 1


def ordonnances_contribution(row: dict, p: dict):
    """An ordonnance: ("ord", 1 if numérique else 0), a consultation: ("cons", 1)."""
    nature = row.get(p["nature"])
    if nature == p["consultation"]:
        return "keep", ("cons", 1)
    if nature == p["ordonnance"]:
        canal, spe = row.get(p["canal"]), row.get(p["prescripteur"])
        if canal is None or spe is None:
            return "exclude", "valeur_manquante"
        return "keep", ("ord", 1 if canal == p["demat"] and spe in p["generalistes"] else 0)
    return "exclude", "valeur_manquante"  # no nature (cannot happen: the scope needs one)


ARRET_ID = re.compile(r"[0-9A-Za-z_]{1,20}")


def ij_longs_contribution(row: dict, p: dict):
    """A payment: (its arrêt, whether it is paid ``days`` or more after its start, IJ_NBR)."""
    start, end = row.get(p["start"]), row.get(p["end"])
    if start is None or end is None:
        return "exclude", "debut_manquant"
    n = row.get(p["column"])
    if n is None:
        return "exclude", "valeur_manquante"
    if n < 0:
        return "exclude", "valeur_negative"
    arret = row.get(p["id"])
    if arret is None:
        return "exclude", "identifiant_manquant"
    if not ARRET_ID.fullmatch(arret):
        return "exclude", "identifiant_hors_format"
    return "keep", (arret, (day_of(end) - day_of(start)).days >= p["days"], n)


def ij_longs_value(m, caisse, months: list):
    """(Σ IJ_NBR of the payments of ``caisse`` in ``months`` whose arrêt had, anywhere, a
    payment ``days`` or more after its start by the last of the months, n = payments)."""
    last = max(months)
    long_since = {}
    for (key, month), kept in m.kept.items():
        if key is None:  # every kept payment, whatever its caisse
            for arret, past, _ in kept:
                if past and month < long_since.get(arret, (9999, 99)):
                    long_since[arret] = month
    kept = [x for month in months for x in m.kept.get((caisse, month), ())]
    if not kept:
        return None, 0
    value = sum(n for arret, _, n in kept if long_since.get(arret, (9999, 99)) <= last)
    return float(value), len(kept)


def ij_longs_cells(spec, tables, kind: str) -> dict:
    m = monthly(spec, tables)
    return {(caisse, label): (*ij_longs_value(m, caisse, period_months(label)), excl)
            for (caisse, label), (_, excl) in cells(m, kind).items()}


CONTRIBUTION = {"delay": delay_contribution, "proportion": proportion_contribution,
                "ratio": ratio_contribution, "sum": sum_contribution,
                "stock": sum_contribution, "savings": sum_contribution,
                "count": count_contribution, "ordonnances": ordonnances_contribution,
                "ij_longs": ij_longs_contribution}


# --------------------------------------------------------------------------- row pass


@dataclass
class Monthly:
    """Retained contributions and exclusions per (caisse, month); national = caisse None;
    rows without caisse of a national measure are also kept under :data:`NATIONAL_ONLY`."""

    kept: dict = field(default_factory=lambda: defaultdict(list))
    excluded: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    caisses: set = field(default_factory=set)
    undated: int = 0


def monthly(spec: Spec, tables) -> Monthly:
    """One plain loop over the rows of the indicator's table."""
    out = Monthly()
    inner = spec.inner
    contribution = CONTRIBUTION[inner.kind]
    national_only = spec.caisse_missing == "national"
    for row in rows_of(tables, spec.table):
        caisse = row.get(CAISSE)
        if caisse is not None:
            out.caisses.add(caisse)
        status = scope_status(row, spec.scope)
        if status == "out":
            continue
        when = row.get(spec.period_column)
        if when is None:  # in scope or undecided: either way it has no period
            out.undated += 1
            continue
        month = month_of(when)
        if status == "unknown":
            reason = "champ_indetermine"
        elif caisse is None and not national_only:
            reason = "caisse_manquante"
        else:
            what, x = contribution(row, inner.params)
            if what == "keep":
                out.kept[(caisse if caisse is not None else NATIONAL_ONLY, month)].append(x)
                out.kept[(None, month)].append(x)
                continue
            reason = x
        out.excluded[(caisse, month)][reason] += 1  # a row with no caisse: national only
        if caisse is not None:
            out.excluded[(None, month)][reason] += 1
    return out


def labels(m: Monthly, kind: str) -> set:
    """Labels of the periods holding a row (kept or excluded)."""
    return {period_label(month, kind) for _, month in set(m.kept) | set(m.excluded)}


def cells(m: Monthly, kind: str) -> dict:
    """{(caisse or None, label): (list of contributions, {reason: count})} over months."""
    out = {}
    for label in labels(m, kind):
        months = period_months(label)
        for caisse in [None, *m.caisses]:
            kept, excl = [], defaultdict(int)
            for month in months:
                kept.extend(m.kept.get((caisse, month), ()))
                for r, c in m.excluded.get((caisse, month), {}).items():
                    excl[r] += c
            out[(caisse, label)] = (kept, {r: c for r, c in excl.items() if c})
    return out


# --------------------------------------------------------------------------- values


def delay_value(delays: list, p: dict):
    n = len(delays)
    if n == 0:
        return None
    stat = p["statistic"]
    if stat == "moyenne":
        return sum(delays) / n
    if stat == "part_sous_seuil":
        within = sum(1 for d in delays if d is not None and d <= p["threshold"])
        return 100.0 * within / n
    # quantile, Hyndman-Fan type 1: k = ceil(q·n), the k-th smallest delay, exact
    q = Fraction(p["quantile"])
    k = math.ceil(q * n)
    d = sorted(delays)[k - 1]
    return None if d > p["max_delay"] else float(d)


def ratio_value(pairs: list, p: dict):
    num = sum(a for a, _ in pairs)
    den = sum(b for _, b in pairs)
    if den <= 0:
        return None
    value = p["scale"] * num / den
    return min(value, p["scale"] - value) if p.get("minority") else value


def value_and_n(measure: M, kept: list):
    """(value or None, n) of a one-period measure over the contributions of a cell."""
    p, kind = measure.params, measure.kind
    n = len(kept)
    if kind == "delay":
        value = delay_value(kept, p)
    elif kind == "proportion":
        value = 100.0 * sum(kept) / n if n else None
    elif kind == "count":
        value = float(n) if n else None
    elif kind in ("sum", "stock"):
        value = sum(kept) / 100.0 if n else None
    elif kind == "ratio":
        value = ratio_value(kept, p)
    elif kind == "ordonnances":
        n = sum(1 for what, _ in kept if what == "cons")
        numerique = sum(x for what, x in kept if what == "ord")
        value = 100.0 * numerique / n if n else None
    else:
        raise ValueError(kind)
    return (value if n else None), n


def simple(spec: Spec, tables, kind: str) -> dict:
    return {key: (*value_and_n(spec.measure, kept), excl)
            for key, (kept, excl) in cells(monthly(spec, tables), kind).items()}


def stock_cells(spec: Spec, tables, kind: str) -> dict:
    """Each caisse: the level of its last month of the period with a retained row (several rows
    of that month add up); national: the sum of each caisse's own last month and of the last
    month of the rows without caisse (national measures). Exclusions: all the period's months."""
    m = monthly(spec, tables)
    out = {}
    for (caisse, label), (_, excl) in cells(m, kind).items():
        months = period_months(label)

        def last(key):
            with_data = [mo for mo in months if m.kept.get((key, mo))]
            return list(m.kept[(key, with_data[-1])]) if with_data else []

        if caisse is None:
            kept = [x for key in [*m.caisses, NATIONAL_ONLY] for x in last(key)]
        else:
            kept = last(caisse)
        out[(caisse, label)] = (*value_and_n(spec.measure, kept), excl)
    return out


def comparison(spec: Spec, tables, kind: str) -> dict:
    """Evolution: (value / value of the same months of the base year − 1) × 100, None when
    the base value is missing or 0; change in points: value − value of the base year's months."""
    m = monthly(spec, tables)
    p, inner = spec.params, spec.inner
    out = {}
    for (caisse, label), (kept, excl) in cells(m, kind).items():
        months = period_months(label)
        year = months[0][0]
        if spec.kind == "points" and year in dict(p["bases"]):
            base_year = dict(p["bases"])[year]
        elif p["base"] == "annee_precedente":
            base_year = year - 1
        else:
            base_year = int(p["base"])
        base_kept = [x for (y, mo) in months
                     for x in m.kept.get((caisse, (y - year + base_year, mo)), ())]
        if inner.kind == "ij_longs":  # an arrêt's length is no sum over months
            base_months = [(y - year + base_year, mo) for (y, mo) in months]
            cur, n = ij_longs_value(m, caisse, months)
            base, _ = ij_longs_value(m, caisse, base_months)
        else:
            cur, n = value_and_n(inner, kept)
            base, _ = value_and_n(inner, base_kept)
        value = None
        if cur is not None and base is not None:
            if spec.kind == "points":
                value = cur - base
            elif base != 0:
                value = 100.0 * (cur / base - 1.0)
        out[(caisse, label)] = (value if n else None, n, excl)
    return out


def savings_cells(spec: Spec, tables, kind: str) -> dict:
    """Trend − realised spending; trend: OLS of log(monthly spending) on [1, t, 11 month
    dummies] over the k years before the period's year, t in months from January of the
    first; no value when a month of the reference years has no spending."""
    import numpy as np

    m = monthly(spec, tables)
    k = spec.params["years"]
    out = {}
    for (caisse, label), (kept, excl) in cells(m, kind).items():
        months = period_months(label)
        year = months[0][0]
        ref = [(y, mo) for y in range(year - k, year) for mo in range(1, 13)]
        spend = [sum(m.kept.get((caisse, ym), ())) / 100.0 for ym in ref]
        value = None
        if kept and all(s > 0 for s in spend):

            def row(y, mo):
                t = (y - (year - k)) * 12 + (mo - 1)
                return [1.0, float(t)] + [1.0 if mo == j else 0.0 for j in range(2, 13)]

            x = np.array([row(*ym) for ym in ref])
            beta = np.linalg.lstsq(x, np.log(np.array(spend)), rcond=None)[0]
            trend = sum(math.exp(float(np.dot(beta, row(*ym)))) for ym in months)
            value = trend - sum(kept) / 100.0
        out[(caisse, label)] = (value, len(kept), excl)
    return out


COMPUTE = {"delay": simple, "proportion": simple, "ratio": simple, "sum": simple,
           "count": simple, "ordonnances": simple, "ij_longs": ij_longs_cells,
           "stock": stock_cells,
           "evolution": comparison, "points": comparison, "savings": savings_cells}


def _reference(code: str):
    spec = SPECS[code]

    def reference(tables, period: str) -> dict:
        return COMPUTE[spec.kind](spec, tables, period)

    reference.__name__ = f"reference_{code}"
    reference.__doc__ = f"Reference of {code} ({spec.kind} on table {spec.table})."
    return reference


REFERENCES = {code: _reference(code) for code in SPECS}


def undated(code: str, tables) -> int:
    """Rows in scope (or of undecided scope) with no period date (``date_periode_manquante``)."""
    return monthly(SPECS[code], tables).undated


# --------------------------------------------------------------------------- distinct beneficiaries
# issue 21 § 1: each beneficiary once per period, in the caisse of their last claim of the period
# (latest day; the same day, the smallest caisse code); national: the distinct count.


def distinct_contribution(row: dict, p: dict):
    ben = row.get(p["id"])
    if ben is None:
        return "exclude", "identifiant_manquant"
    if not re.fullmatch(r"[0-9A-Za-z_]{1,20}", ben):
        return "exclude", "identifiant_hors_format"
    return "keep", (ben, day_of(row[p["day"]]), row.get(p["caisse"]))


def distinct_cells(spec: Spec, tables, kind: str) -> dict:
    """The national cell's claims (every caisse's) decide each beneficiary's caisse."""
    found = cells(monthly(spec, tables), kind)
    winners = {}
    for (caisse, label), (kept, _) in found.items():
        if caisse is None:
            best = {}
            for ben, day, where in kept:
                if ben not in best or (day, _neg(where)) > (best[ben][0], _neg(best[ben][1])):
                    best[ben] = (day, where)
            winners[label] = [where for _, where in best.values()]
    out = {}
    for (caisse, label), (_, excl) in found.items():
        n = len(winners[label]) if caisse is None else winners[label].count(caisse)
        out[(caisse, label)] = (float(n) if n else None, n, excl)
    return out


def _neg(code: str) -> tuple:
    """Sort key making the smallest caisse code the greatest."""
    return tuple(-ord(ch) for ch in code) + (1,)


CONTRIBUTION["distinct"] = distinct_contribution
COMPUTE["distinct"] = distinct_cells
BENEFICIAIRES = [
    Spec("PARCOURS_PSY_PATIENTS_DISTINCTS", "prestations", "EXE_SOI_DTD",
         scope(PRS_NAT_REF=(9201, 9202)),
         M("distinct", dict(id="BEN_NIR_PSA", day="EXE_SOI_DTD", caisse="ORG_CLE_NUM"))),
]
SPECS.update({s.code: s for s in BENEFICIAIRES})
REFERENCES.update({s.code: _reference(s.code) for s in BENEFICIAIRES})
