"""Controls and recovery (COG 2018-2022 fiche 6) not already declared by the LCF module:
recovery of fraudulent undue payments in points versus 2017, PUMA controls, third-party
recourse (recours contre tiers)."""
from cogind import Indicator, hookimpl, where
from cogind import RatioOfSums
from cogind_plugins.familles_points import EcartPoints
from cogind_plugins.mesures import PART, SOMME, reported
from cogind_plugins.seeds import S004, src

RECOUVREMENT = RatioOfSums(numerator="IND_REC_MNT", denominator="IND_NOT_MNT")


@hookimpl
def cogind_register_indicators(registry):
    add = registry.add_indicator
    add(Indicator(
        code="RECOUVREMENT_INDUS_FRAUDE_ECART_PTS",
        libelle="Taux de recouvrement des indus frauduleux (écart en points sur 2017)",
        definition=("Écart, en points, entre le taux de recouvrement des indus frauduleux ou "
                    "fautifs de la période (montants recouvrés / montants notifiés, indus "
                    "notifiés dans la période) et celui des mêmes mois de 2017."),
        table="controles", measure=EcartPoints(of=RECOUVREMENT, base=2017), unit="points",
        direction="hausse", period_column="CTL_DTD", where=where(IND_FRA_TOP=1),
        source=(src(S004, 914, None, "Taux de recouvrement des indus frauduleux Résultat "
                                     "+1pt/2017 +1pt/2017 +1pt/2017 +1.5pt/2017 +1.5pt/2017"),),
        notes=("Base fixe 2017 pour toutes les années, comme la COG l'écrit. Un indu compte "
               "dans le mois de sa notification (CTL_DTD) ; les recouvrements sont ceux "
               "constatés à la date d'extraction.")))
    add(reported(
        "PUMA_CONTROLES_COUVERTURE_TAUX",
        "Taux de couverture des contrôles PUMA pour les bénéficiaires consommateurs",
        "Part des bénéficiaires consommants de la protection universelle maladie (PUMA) non "
        "vérifiés au cours des trois années précédentes dont les conditions de résidence et "
        "d'activité ont été contrôlées.", "PUMA_CONTROLES", PART,
        content="MES_NUM = bénéficiaires contrôlés, MES_DEN = bénéficiaires consommants non "
                "vérifiés sur les 3 années précédentes", unit="%", direction="hausse",
        source=(src(S004, 916, 918, "Taux de couverture des contrôles PUMA pour les "
                                    "bénéficiaires consommateurs Résultat 100% de contrôle des "
                                    "bénéficiaires consommateurs qui n'ont pas été vérifiés sur "
                                    "les 3 années précédentes"),)))
    add(reported(
        "RCT_RECOUVREMENTS_MNT", "Montants recouverts au titre du Recours Contre Tiers",
        "Montants recouvrés auprès des tiers responsables (et de leurs assureurs) au titre du "
        "recours contre tiers dans la période.", "RCT_RECOUVREMENTS", SOMME,
        content="MES_VAL = montants recouvrés dans le mois (euros)", unit="euros",
        direction="hausse",
        source=(src(S004, 923, None, "Montants recouverts au titre du Recours Contre Tiers "
                                     "Résultat 1035273559€ 1085479263€"),)))
