"""Indicators of claims reimbursement: FSE delay (``prestations`` table)."""
from cogind import Indicator, hookimpl, where
from cogind import Delay
from cogind_plugins.seeds import S000, S004, src


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(Indicator(
        code="FSE_DELAI_D9",
        libelle="Délai de remboursement des FSE assurés (9e décile)",
        definition=("9e décile du délai entre la réception de la feuille de soins électronique "
                    "et le remboursement versé à l'assuré, sur les remboursements de la période."),
        table="prestations",
        measure=Delay(start="FSE_REC_DTD", end="PRS_PAI_DTD", statistic="quantile",
                      quantile=0.9, max_delay=366),
        unit="jours", direction="baisse", period_column="PRS_PAI_DTD",
        where=where(FSE_TOP=1, DRG_ASS_TOP=1),
        source=(src(S004, 991, None, "Délai de remboursement des FSE assurés (9ème décile) 7j"),
                src(S000, 885, 887, "Les délais cibles fixés dans la COG pour le paiement des "
                                    "prestations ont été respectés")),
        notes=("Une ligne de la table prestations par remboursement ; les FSE réglées à un "
               "professionnel (tiers payant, DRG_ASS_TOP = 0) et les feuilles papier sont hors "
               "champ.")))
