"""Indicators of claims reimbursement: FSE and FSP delays (``prestations`` table)."""
from cogind import Indicator, hookimpl, where
from cogind import Delay
from cogind_plugins.indicateurs_gdr import MEDECINS
from cogind_plugins.seeds import S000, S004, src

D9 = Delay(start="FSE_REC_DTD", end="PRS_PAI_DTD", statistic="quantile", quantile=0.9,
           max_delay=366)
ALERTE = src(S000, 921, 925, "délai de traitement FSP assurés et médecins")
COMPOSITE = src(S000, 982, 983, "délai de traitement FSP assurés et délai de traitement FSP "
                                "médecins")
SENDER = ("Qui envoie la feuille papier se lit au destinataire du règlement (DRG_ASS_TOP, forme "
          "simplifiée du DRG_NAT du SNDS) : réglée à l'assuré, c'est l'assuré qui l'a "
          "adressée ; réglée au professionnel (tiers payant), c'est le professionnel.")


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(Indicator(
        code="FSE_DELAI_D9",
        libelle="Délai de remboursement des FSE assurés (9e décile)",
        definition=("9e décile du délai entre la réception de la feuille de soins électronique "
                    "et le remboursement versé à l'assuré, sur les remboursements de la période."),
        table="prestations", measure=D9,
        unit="jours", direction="baisse", period_column="PRS_PAI_DTD",
        where=where(FSE_TOP=1, DRG_ASS_TOP=1),
        source=(src(S004, 991, None, "Délai de remboursement des FSE assurés (9ème décile) 7j"),
                src(S000, 885, 887, "Les délais cibles fixés dans la COG pour le paiement des "
                                    "prestations ont été respectés")),
        notes=("Une ligne de la table prestations par remboursement ; les FSE réglées à un "
               "professionnel (tiers payant, DRG_ASS_TOP = 0) et les feuilles papier sont hors "
               "champ.")))
    registry.add_indicator(Indicator(
        code="FSP_ASSURES_DELAI_D9",
        libelle="Délai de traitement des feuilles de soins papier (FSP) assurés (9e décile)",
        definition=("9e décile du délai entre la réception par la caisse de la feuille de soins "
                    "papier adressée par l'assuré (FSE_TOP = 0, remboursement versé à l'assuré : "
                    "DRG_ASS_TOP = 1) et ce remboursement, sur les remboursements de la "
                    "période."),
        table="prestations", measure=D9, unit="jours", direction="baisse",
        period_column="PRS_PAI_DTD", where=where(FSE_TOP=0, DRG_ASS_TOP=1),
        source=(ALERTE, COMPOSITE),
        notes=(SENDER + " Le 9e décile, comme les FSE : l'IGAS ne dit pas la statistique. "
               "Indicateur CPG du dispositif d'alerte et du composite du service de base, "
               "sans cible citée.")))
    registry.add_indicator(Indicator(
        code="FSP_MEDECINS_DELAI_D9",
        libelle="Délai de traitement des feuilles de soins papier (FSP) médecins (9e décile)",
        definition=("9e décile du délai entre la réception par la caisse de la feuille de soins "
                    "papier adressée par un médecin (FSE_TOP = 0, remboursement versé au "
                    "professionnel : DRG_ASS_TOP = 0, exécutant médecin : PSE_SPE_COD parmi "
                    "les spécialités médicales de IR_SPE_V) et ce paiement, sur les paiements "
                    "de la période."),
        table="prestations", measure=D9, unit="jours", direction="baisse",
        period_column="PRS_PAI_DTD", where=where(FSE_TOP=0, DRG_ASS_TOP=0, PSE_SPE_COD=MEDECINS),
        source=(ALERTE, COMPOSITE),
        notes=(SENDER + " Les feuilles papier en tiers payant des autres professionnels "
               "(auxiliaires, pharmacies, laboratoires) sont hors champ : l'IGAS écrit "
               "« médecins ». Autre lecture possible : toutes les FSP réglées à un "
               "professionnel (sans PSE_SPE_COD). Le type d'émetteur du flux (FLX_EMT_TYP du "
               "SNDS) le dirait directement ; la table prestations ne le porte pas.")))
