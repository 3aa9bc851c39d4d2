"""Indicators of daily-allowance (IJ) payment delays, from the ``ij`` table."""
from cogind import Indicator, hookimpl, where
from cogind import Delay
from cogind_plugins.seeds import S000, S002, S004, src

FIRST_NON_SUBROGATED = dict(SIN_1IJ_IND=1, IJ_SUB_TOP=0)
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
