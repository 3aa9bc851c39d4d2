"""The CPAM's own indicators on first sickness IJ payments (hook ``cogind_register_indicators``)."""
from cogind import Indicator, hookimpl, where
from cogind import Delay
from cogind_exemple.noyau import MEASURE

FIRST_NON_SUBROGATED_SICKNESS = where(SIN_1IJ_IND=1, IJ_SUB_TOP=0, IJ_RIS_COD="MAL")

IJ_15J = Indicator(
    code="CPAM75_IJ_15J_TAUX",
    libelle="Part des 1res IJ maladie non subrogées payées en 15 jours",
    definition=("Part des premiers paiements d'IJ maladie non subrogées, payés dans la période, "
                "mis en paiement au plus 15 jours calendaires après la réception de "
                "l'attestation de salaire."),
    table="ij", unit="%", direction="hausse", period_column="IJ_PAI_DTD",
    where=FIRST_NON_SUBROGATED_SICKNESS,
    measure=Delay(start="ATT_REC_DTD", end="IJ_PAI_DTD", statistic="part_sous_seuil",
                  threshold=15),
    notes="Indicateur local du contrat pluriannuel de gestion, hors COG nationale.")

IJ_PART_CAISSE = Indicator(
    code="CPAM75_IJ_DELAI_PART_CAISSE",
    libelle="Part du délai de la 1re IJ maladie imputable à la caisse",
    definition=("Sur les premiers paiements d'IJ maladie non subrogées payés dans la période, "
                "part du délai total (du début de l'arrêt au paiement) écoulée entre la "
                "réception de l'attestation de salaire et le paiement."),
    table="ij", unit="%", direction="baisse", period_column="IJ_PAI_DTD",
    where=FIRST_NON_SUBROGATED_SICKNESS, measure=MEASURE,
    notes="Le reste du délai dépend de l'employeur (envoi de l'attestation).")


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(IJ_15J)
    registry.add_indicator(IJ_PART_CAISSE)
