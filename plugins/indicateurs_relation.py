"""Indicators of the relation with the insured: calls, e-mails, complaints (``contacts`` table)."""
from cogind import Condition, Indicator, hookimpl, where
from cogind import Delay, Proportion
from cogind_plugins.mesures import PART, reported
from cogind_plugins.seeds import S000, S002, S004, src


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(Indicator(
        code="APPELS_TAUX_ABOUTIS", libelle="Taux d'appels téléphoniques aboutis",
        definition=("Part des appels téléphoniques présentés dans la période qui ont abouti "
                    "(décrochés) : appels aboutis / appels présentés."),
        table="contacts", measure=Proportion(Condition("CNT_ABO_TOP", (1,))), unit="%",
        direction="hausse", period_column="CNT_ARR_DTH", where=where(CNT_CAN_COD="TEL"),
        source=(src(S002, 9442, None, "Taux d'appels téléphoniques aboutis 75% 75% 85% 90% 90%"),
                src(S004, 994, None, "Taux d'appels téléphoniques aboutis"),
                src(S000, 895, 897, "taux de décroché")),
        notes="Un appel est rattaché au mois de sa présentation (CNT_ARR_DTH)."))
    registry.add_indicator(Indicator(
        code="COURRIELS_48H_TAUX",
        libelle="Taux de courriels traités dans les 48 heures en niveaux 1 et 2",
        definition=("Part des courriels reçus dans la période (niveaux 1 et 2) traités dans les "
                    "48 heures suivant leur réception ; un courriel non traité compte hors délai."),
        table="contacts",
        measure=Delay(start="CNT_ARR_DTH", end="CNT_TRT_DTH", statistic="part_sous_seuil",
                      unit="heures", threshold=48, missing_end="hors_delai", max_delay=24 * 62),
        unit="%", direction="hausse", period_column="CNT_ARR_DTH",
        where=where(CNT_CAN_COD="MEL", CNT_NIV_COD=(1, 2)),
        source=(src(S002, 9439, 9440, "Taux de courriels traités dans les 48 heures en niveaux "
                                      "1 et 2 81% 82% 83% 84% 85%"),
                src(S004, 995, None, "Taux de courriels traités dans le délai de 48h"),
                src(S000, 897, None, "courriels traités en moins de 48h")),
        notes=("Les textes ne disent pas si les 48 heures sont ouvrées : cogind compte des heures "
               "calendaires, la durée arrondie à l'heure supérieure.")))
    registry.add_indicator(Indicator(
        code="RECLAMATIONS_10J_TAUX",
        libelle="Taux de réclamations traitées dans les délais (10 jours)",
        definition=("Part des réclamations reçues dans la période traitées au plus 10 jours "
                    "calendaires après leur réception ; une réclamation non traitée compte hors "
                    "délai."),
        table="contacts",
        measure=Delay(start="CNT_ARR_DTH", end="CNT_TRT_DTH", statistic="part_sous_seuil",
                      unit="jours", threshold=10, missing_end="hors_delai", max_delay=366),
        unit="%", direction="hausse", period_column="CNT_ARR_DTH", where=where(CNT_CAN_COD="REC"),
        source=(src(S002, 9444, None, "Taux de réclamations traitées dans les délais (10 jrs) 97%"),
                src(S004, 1001, None, "Taux de réclamations traitées dans les délais (10 jours)"),
                src(S000, 1577, 1578, "plus de 90 % des dossiers traités en moins de dix jours")),
        notes=("Jours calendaires entre la date de réception et la date de traitement (les textes "
               "ne précisent pas ouvrés ou calendaires).")))
    registry.add_indicator(reported(
        "RESOLUTION_PREMIER_CONTACT_TAUX", "Taux de résolution au premier contact (FCR)",
        "Part des demandes des assurés résolues dès le premier contact, quels que soient la "
        "demande et le canal.", "RESOLUTION_PREMIER_CONTACT", PART,
        content=("MES_NUM = demandes du mois résolues au premier contact, MES_DEN = demandes du "
                 "mois (premiers contacts, tous canaux)"),
        unit="%", direction="hausse",
        source=(src(S002, 1697, 1705, "Trouver une solution dès le premier contact quels que "
                                      "soient la demande et le canal. X X X X X Bilan annuel "
                                      "du taux de résolution au premier contact (FCR)."),
                src(S002, 9903, None, "FCR : en anglais, first contact resolution")),
        notes=("Indicateur de suivi de la COG 2023-2027 (fiche de la relation de service), "
               "hors de la liste de l'annexe 5 : « bilan annuel » chaque année, sans cible "
               "chiffrée. La table contacts ne dit pas si la demande a été résolue (ni ne relie "
               "les contacts d'une même demande) : le taux est déclaré.")))
