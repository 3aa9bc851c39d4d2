"""Indicators of daily-allowance (IJ) payment delays, from the ``ij`` table."""
from cogind import Indicator, hookimpl, where
from cogind import Delay
from cogind_plugins.mesures import PART, RATIO, reported
from cogind_plugins.seeds import S000, S002, S004, src

FIRST_NON_SUBROGATED = dict(SIN_1IJ_IND=1, IJ_SUB_TOP=0)
FIRST_SUBROGATED = dict(SIN_1IJ_IND=1, IJ_SUB_TOP=1)
SUIVI = ("Indicateur de suivi de la COG 2023-2027 (fiche du service des prestations), hors de "
         "la liste de l'annexe 5 : la COG demande la « transmission du chiffre » chaque année "
         "cochée, sans cible chiffrée.")
MEAN_DELAY = Delay(start="ATT_REC_DTD", end="IJ_PAI_DTD", statistic="moyenne")

CONVENTION = ("Les textes des COG ne fixent ni l'événement de départ ni le type de jours : cogind "
              "retient la réception de l'attestation de salaire (ou des éléments de calcul pour un "
              "TI) jusqu'à la mise en paiement, en jours calendaires, sur les premiers paiements "
              "(SIN_1IJ_IND = 1) d'IJ non subrogées (IJ_SUB_TOP = 0), rattachés au mois du paiement.")


def _ij_delay(code, libelle, risk, regime=None, sources=()):
    scope = dict(FIRST_NON_SUBROGATED, IJ_RIS_COD=risk)
    if regime:
        scope["ASS_REG_COD"] = regime
    who = {"TS": "des salariés", "TI": "des travailleurs indépendants"}.get(regime, "TS et TI")
    return Indicator(
        code=code, libelle=libelle,
        definition=(f"Délai moyen entre la réception de l'attestation de salaire et le paiement "
                    f"de la première IJ {'maladie' if risk == 'MAL' else 'AT-MP'} non subrogée "
                    f"({who}), payée dans la période."),
        table="ij", measure=MEAN_DELAY, unit="jours", direction="baisse",
        period_column="IJ_PAI_DTD", where=where(**scope), source=tuple(sources), notes=CONVENTION)


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(_ij_delay(
        "IJ_MAL_DELAI_MOYEN",
        "Délai de paiement de la 1re IJ maladie non subrogée (délai moyen maladie) TS et TI",
        "MAL", None, [src(S002, 9422, 9423, "Délai de paiement de la 1re IJ maladie non subrogée "
                                            "(délai moyen maladie) TS et TI 28 26 24 22 20")]))
    registry.add_indicator(_ij_delay(
        "IJ_MAL_DELAI_MOYEN_TS",
        "Délai de paiement de la première indemnité journalière non subrogée (délai moyen)",
        "MAL", "TS", [src(S004, 992, None, "Délai de paiement de la première indemnité "
                                           "journalière non subrogée (délai moyen)"),
                      src(S000, 885, 889, "la cible des 30 jours pour le délai moyen de "
                                          "règlement de la première IJ non subrogée")]))
    registry.add_indicator(_ij_delay(
        "IJ_MAL_DELAI_MOYEN_TI",
        "Délai de traitement de la première IJ pour les indépendants",
        "MAL", "TI", [src(S004, 1635, 1638, "Délai de traitement de la première IJ pour les "
                                            "indépendants (à fixer en 2019)")]))
    registry.add_indicator(_ij_delay(
        "IJ_ATMP_DELAI_MOYEN",
        "Délai de paiement de la 1ère IJ AT-MP non subrogée (délai moyen)",
        "ATMP", None, [src(S002, 9425, 9426, "Délai de paiement de la 1ère IJ AT-MP non "
                                             "subrogée (délai moyen) 38 35 32 29 25")]))
    _register_suivi(registry)


def _register_suivi(registry):
    """The 2023-2027 follow-up figures of the IJ fiche (002 l.1159-1183, 1239-1244)."""
    registry.add_indicator(Indicator(
        code="IJ_MAL_SUB_DELAI_MOYEN",
        libelle="Délai de traitement de la première IJ maladie subrogée (délai moyen)",
        definition=("Délai moyen entre la réception de l'attestation de salaire et le paiement "
                    "de la première IJ maladie subrogée (versée à l'employeur, TS), payée dans "
                    "la période."),
        table="ij", measure=MEAN_DELAY, unit="jours", direction="baisse",
        period_column="IJ_PAI_DTD", where=where(**FIRST_SUBROGATED, IJ_RIS_COD="MAL"),
        source=(src(S002, 1173, 1183, "Délai de traitement de la première IJ maladie subrogée "
                                      "(délai moyen). X X X X X Transmission du chiffre"),),
        notes=(f"{SUIVI} Calculé depuis les paiements (table ij) : premiers paiements "
               "(SIN_1IJ_IND = 1) d'IJ subrogées (IJ_SUB_TOP = 1), même convention que les IJ "
               "non subrogées (réception de l'attestation → mise en paiement, jours "
               "calendaires, mois du paiement).")))
    registry.add_indicator(reported(
        "IJ_MAT_SUB_DELAI_MOYEN",
        "Délai de traitement de la première IJ subrogée (délai moyen), champ maternité-paternité",
        "Délai moyen de traitement de la première indemnité journalière subrogée du champ "
        "maternité-paternité.", "IJ_MAT_SUB_DELAI", RATIO,
        content=("MES_NUM = somme des délais (jours calendaires, réception de l'attestation → "
                 "paiement) des premières IJ maternité-paternité subrogées payées dans le mois, "
                 "MES_DEN = nombre de ces premières IJ"),
        unit="jours", direction="baisse",
        source=(src(S002, 1159, 1170, "Délai de traitement de la première indemnité "
                                      "journalière (IJ) subrogée (délai moyen), champ "
                                      "maternité-paternité : X X X"),
                src(S002, 1221, 1223, "Réussir l'extension du paiement des IJ subrogées "
                                      "maternité")),
        notes=(f"{SUIVI} La table ij ne porte que les risques maladie et AT-MP : le chiffre "
               "est déclaré. Trois années sur cinq sont cochées ; le texte extrait ne dit pas "
               "lesquelles.")))
    registry.add_indicator(reported(
        "DSN_EVENEMENTIELLE_TAUX", "Taux d'utilisation de la DSN événementielle",
        "Part des signalements d'arrêt de travail (attestations de salaire) reçus par la DSN "
        "événementielle parmi tous ceux reçus.", "DSN_EVENEMENTIELLE", PART,
        content=("MES_NUM = attestations de salaire reçues par DSN événementielle dans le mois, "
                 "MES_DEN = attestations de salaire reçues dans le mois (tous canaux)"),
        unit="%", direction="hausse",
        source=(src(S002, 1239, 1244, "Taux d’utilisation de la DSN événementielle. X X X "
                                      "Transmission du Taux d’utilisation de la DSN "
                                      "évènementielle"),),
        notes=(f"{SUIVI} La table ij n'a pas le canal de l'attestation : le taux est déclaré. "
               "Trois années sur cinq sont cochées ; le texte extrait ne dit pas lesquelles.")))
