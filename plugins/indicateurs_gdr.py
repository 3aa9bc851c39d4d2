"""Risk-management indicators: excess fees (dépassements) and savings versus trend."""
from cogind import Indicator, hookimpl, where
from cogind import Evolution, RatioOfSums
from cogind import SavingsVsTrend
from cogind_plugins.familles_points import EcartPoints
from cogind_plugins.seeds import S001, S002, S004, src

# IR_SPE_V specialties of physicians (not 0/99 unknown, not 36 dental surgeons)
MEDECINS = tuple(c for c in (*range(1, 19), 20, 22, 23, *range(31, 36), 37, 38,
                             *range(41, 50), 69, *range(70, 86)))
SECTEUR_2_ET_1DP = (2, 3)  # IR_CNV_V: 2 secteur 1 avec DP, 3 secteur 2 (honoraires libres)
TAUX = RatioOfSums(numerator="PRS_DEP_MNT", denominator="BSE_REM_BSE")
SCOPE = where(PSE_CNV_COD=SECTEUR_2_ET_1DP, PSE_SPE_COD=MEDECINS)
IJ_NATURES = tuple(range(6111, 6119))

DEFINITION_TAUX = ("Montant des dépassements des médecins de secteur 2 et de secteur 1 avec droit "
                   "permanent à dépassement, rapporté au montant de leurs honoraires remboursables "
                   "(base de remboursement), soins exécutés dans la période.")


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(Indicator(
        code="DEPASSEMENT_TAUX",
        libelle="Taux de dépassement des médecins de secteur 2 et 1 DP",
        definition=DEFINITION_TAUX, table="prestations", measure=TAUX, unit="%",
        direction="baisse", period_column="EXE_SOI_DTD", where=SCOPE,
        source=(src(S001, 751, 754, "taux global de dépassement […] défini comme le montant des "
                                    "dépassements totaux des médecins de secteur 1 DP et de secteur "
                                    "2 sur le montant des honoraires remboursables totaux"),
                src(S004, 571, None, "Evolution du taux de dépassement des médecins de secteur 2 "
                                     "et 1 DP 49,5% 48% 47% 46,5% 46%")),
        notes=("Honoraires remboursables lus dans BSE_REM_BSE ; spécialités de médecins de "
               "IR_SPE_V (hors chirurgiens-dentistes et spécialité inconnue).")))
    registry.add_indicator(Indicator(
        code="DEPASSEMENT_TAUX_ECART_PTS",
        libelle="Taux de dépassement des médecins de secteur 2 et 1 DP (écart annuel en points)",
        definition=("Écart, en points, entre le taux de dépassement des médecins de secteur 2 et "
                    "1 DP de la période et celui des mêmes mois de l'année précédente. "
                    + DEFINITION_TAUX),
        table="prestations", measure=EcartPoints(of=TAUX, base="annee_precedente"),
        unit="points", direction="baisse", period_column="EXE_SOI_DTD", where=SCOPE,
        source=(src(S001, 751, 754, "taux global de dépassement des médecins en secteur 2 […] "
                                    "avec une valeur cible en 2017 pour le secteur 2 de 49,1 % et "
                                    "une valeur cible intermédiaire annuelle de – 1,5 point par "
                                    "an"),),
        notes=("« – 1,5 point par an » (001 l.754) : une baisse annuelle du taux, en points, "
               "par rapport à l'année précédente, et non des niveaux déduits de la cible 2017 "
               "(53,6 / 52,1 / 50,6 %) ; le niveau de 2017 (49,1 %) reste jugé sur "
               "DEPASSEMENT_TAUX.")))
    registry.add_indicator(Indicator(
        code="DEPASSEMENT_TAUX_EVOLUTION",
        libelle="Évolution du taux de dépassement des médecins de secteurs 2 et 1 DP",
        definition=("Évolution relative (en %) du taux de dépassement des médecins de secteur 2 "
                    "et 1 DP par rapport à la même période de 2022. " + DEFINITION_TAUX),
        table="prestations", measure=Evolution(of=TAUX, base=2022), unit="%",
        direction="baisse", period_column="EXE_SOI_DTD", where=SCOPE,
        source=(src(S002, 9475, 9476, "Évolution du taux de dépassement des médecins de secteurs "
                                      "2 et 1 DP -3% -5% -7% -8% -8%"),
                src(S002, 2796, 2800, "les dépassements passant de 46,5 % à 47,9 % du total des "
                                      "honoraires remboursables")),
        notes=("La COG ne dit pas la base des évolutions : cogind retient une base fixe 2022 "
               "(dernière année avant la COG), cumulée, en évolution relative.")))
    registry.add_indicator(Indicator(
        code="ECONOMIES_TENDANCIEL_IJ",
        libelle="Économies sur les indemnités journalières par rapport au tendanciel",
        definition=("Écart entre la dépense tendancielle d'IJ (modèle log-linéaire avec "
                    "saisonnalité mensuelle ajusté sur les deux années précédentes) et la dépense "
                    "d'IJ réalisée, soins de la période."),
        table="prestations", measure=SavingsVsTrend(column="PRS_PAI_MNT", reference=2,
                                                    postes=("IJ",)),
        unit="euros", direction="hausse", period_column="EXE_SOI_DTD",
        where=where(PRS_NAT_REF=IJ_NATURES),
        source=(src(S001, 2032, 2039, "la mesure des économies est basée sur l'écart à une "
                                      "tendance structurelle […] déclinés dans le réseau sur une "
                                      "base mensuelle"),
                src(S001, 2051, 2054, "un indicateur subjectif et donc fragile")),
        notes=("Le tendanciel est explicite et recalculable : ses paramètres sont publiés dans la "
               "colonne details de chaque résultat. Un tendanciel fourni (table tendanciel, "
               "POSTE IJ) lui est préféré quand il couvre chaque mois de la période ; "
               "details.tendanciel dit lequel a servi.")))
