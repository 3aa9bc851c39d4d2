"""COG 2023-2027 État–Cnam: the 61 result indicators of annex 5 and their targets.

Targets keep the COG's wording as their label (seed 002, lines 9413-9632), with one typographic
rule: a space before « % », as in French and in the other COGs' labels (the annex writes both
« 83 % » and « 83% »). Numbers are read from that wording, so a label and its value cannot drift
apart.
"""
import re

from cogind import Cog, CogIndicator, Target, hookimpl
from cogind_plugins.seeds import S002, src

YEARS = (2023, 2024, 2025, 2026, 2027)
FICHE = "annexe 5"


def _typo(label: str) -> str:
    return re.sub(r"\s*%", " %", label.strip())


def _number(label: str) -> float:
    digits = "".join(ch for ch in label if ch.isdigit() or ch in ",.-+")
    return float(digits.replace(",", ".").strip(".").lstrip("+"))


def _levels(*labels):
    """« 75% », « 23 », « 500 000 », « 14 m2 » : a level to reach, label as written; ``None``:
    no target that year."""
    return {y: Target.level(_number(lab.replace("m2", "")), _typo(lab))
            for y, lab in zip(YEARS, labels) if lab is not None}


def _changes(*labels, base):
    """« -3% » versus a base year (``base``: a year, or ``None`` for the previous year)."""
    return {y: Target.change(_number(lab.split("/")[0].split("par")[0].split("vs")[0]),
                             base or y - 1, _typo(lab)) for y, lab in zip(YEARS, labels)}


def _entry(numero, code, libelle, targets, first, last=None):
    return CogIndicator(code, targets, str(numero), libelle, FICHE, (src(S002, first, last),))


def _ordered(entries):
    """In the annex's order: by number (« 7 (e-mail) » with 7, in the order written)."""
    return tuple(sorted(entries, key=lambda e: int(e.numero.split()[0])))


COUT_CIBLE = _typo("Diminution annuelle de 0,5% en moyenne sur la période")

INDICATORS = _ordered((
    _entry(1, "C2S_DELAI_D9", "Délai d'instruction des demandes C2S (9e décile)",
           _levels("23", "22", "20", "19", "18"), 9420),
    _entry(2, "IJ_MAL_DELAI_MOYEN", "Délai de paiement de la 1re IJ maladie non subrogée (délai "
           "moyen maladie) TS et TI", _levels("28", "26", "24", "22", "20"), 9422, 9423),
    _entry(3, "IJ_ATMP_DELAI_MOYEN", "Délai de paiement de la 1ère IJ AT-MP non subrogée (délai "
           "moyen)", _levels("38", "35", "32", "29", "25"), 9425, 9426),
    _entry(4, "SATISFACTION_ASSURES_TAUX", "Taux de satisfaction globale des assurés",
           _levels("82,50%", "84,00%", "85,00%", "89,00%", "93,00%"), 9428),
    _entry(5, "SATISFACTION_PS_TAUX", "Taux de satisfaction globale des PS",
           _levels("82,50%", "84,00%", "85,00%", "87,00%", "90,00%"), 9430),
    _entry(6, "SATISFACTION_EMPLOYEURS_TAUX", "Taux de satisfaction globale des employeurs",
           _levels("82,50%", "84,00%", "84,00%", "84,50%", "85,00%"), 9432),
    # « par canal » with one target: each channel against it, one entry and status per channel
    *(_entry(f"7 ({name})", f"SATISFACTION_CANAL_{code}_TAUX", "Taux de satisfaction par canal "
             f"(E-mail, Téléphone et Physique avec ou sans rdv) : {name}",
             _levels("70%", "75%", "80%", "80%", "80%"), 9434, 9435)
      for code, name in (("MEL", "e-mail"), ("TEL", "téléphone"), ("PHY", "physique"))),
    _entry(8, "REITERATION_TAUX", "Taux de réitération",
           {2023: Target.undetermined("ND"), **_levels(None, "25%", "23%", "21%", "20%")},
           9437),
    _entry(9, "COURRIELS_48H_TAUX", "Taux de courriels traités dans les 48 heures en niveaux 1 "
           "et 2", _levels("81%", "82%", "83%", "84%", "85%"), 9439, 9440),
    _entry(10, "APPELS_TAUX_ABOUTIS", "Taux d'appels téléphoniques aboutis",
           _levels("75%", "75%", "85%", "90%", "90%"), 9442),
    _entry(11, "RECLAMATIONS_10J_TAUX", "Taux de réclamations traitées dans les délais (10 jrs)",
           _levels("97%", "97%", "97%", "97%", "97%"), 9444),
    _entry(12, "PS_INSTALLES_ACCOMPAGNEMENT_TAUX", "Taux d'accompagnement des professionnels de "
           "santé nouvellement installés (cible éligible)",
           _levels("75%", "75%", "75%", "75%", "75%"), 9446, 9447),
    _entry(13, "ORDONNANCES_NUMERIQUES_TAUX", "Taux d'ordonnances numériques (rapportées aux "
           "consultations en médecine générale)",
           _levels("30%", "60%", "70%", "80%", "90%"), 9449, 9450),
    _entry(14, "APPCV_ACTIVATIONS_NB", "Nombre d'assurés ayant activé l'App CV",
           _levels("500 000", "5 000 000", "10 000 000", "20 000 000", "25 000 000"), 9452),
    _entry(15, "DEMAT_CARTE_VITALE_TAUX", "Tls assurés : Taux de demandes de carte vitale 2 "
           "dématérialisées", _levels("83 %", "83%", "84%", "85%", "86%"), 9454, 9455),
    _entry(16, "DEMAT_NOUVEAU_NE_TAUX", "Tls assurés : Taux de déclarations nouveau-né "
           "dématérialisées", _levels("82%", "83%", "84%", "85%", "86%"), 9457, 9458),
    _entry(17, "DEMAT_C2S_TAUX", "Tls assurés : Taux de demandes C2S dématérialisés",
           _levels("35%", "45%", "50%", "55%", "60%"), 9460),
    _entry(18, "DEMAT_AAT_TAUX", "Tls PS : Taux d'avis d'arrêt de travail (AAT) dématérialisés",
           _levels("65%", "70%", "75%", "80%", "85%"), 9462),
    _entry(19, "DEMAT_CMAT_TAUX", "Tls PS : Taux de certificats médicaux AT/MP dématérialisés",
           _levels("55%", "60%", "65%", "70%", "75%"), 9464, 9465),
    _entry(20, "CPTS_COUVERTURE_TAUX", "% de la population couverte par une CPTS",
           _levels("100%", "100%", "100%", "100%", "100%"), 9467),
    _entry(21, "ASSISTANTS_MEDICAUX_NB", "Nombre d'assistants médicaux",
           {**_levels("6000", "10000"),
            **{y: Target.at_least(10000, ">10 000") for y in YEARS[2:]}}, 9469),
    _entry(22, "ALD_MEDECIN_TRAITANT_TAUX", "Taux de patient en ALD avec MT",
           _levels("100%", "100%", "100%", "100%", "100%"), 9471),
    _entry(23, "C2S_BENEFICIAIRES_NB", "Nombre de bénéficiaires C2S",
           _levels("7 272 952", "7 312 952", "7 352 952", "7 392 952", "7 432 952"), 9473),
    _entry(24, "DEPASSEMENT_TAUX_EVOLUTION", "Évolution du taux de dépassement des médecins de "
           "secteurs 2 et 1 DP", _changes("-3%", "-5%", "-7%", "-8%", "-8%", base=2022),
           9475, 9476),
    _entry(25, "ALLER_VERS_PREVENTION_NB", "Nombre d'accompagnements dans le cadre de "
           "l'aller-vers de prévention et d'éducation pour la santé (courrier et SMS envoyés / "
           "assurés joints au téléphone / vus)",
           _levels("100 000", "200 000", "300 000", "350 000", "400 000"), 9478, 9485),
    _entry(26, "MAS_ACCOMPAGNEMENTS_NB", "Nombre d’accompagnements dans le cadre des saisines "
           "de la mission d'accompagnement santé",
           _levels("157 000", "164 850", "173 093", "181 747", "190 834"), 9487, 9488),
    _entry(27, "UGECAM_MARGE_BRUTE_TAUX", "Taux de marge brute",
           _levels("5%", "6%", "6%", "6%", "6%"), 9490),
    _entry(28, "RDV_PREVENTION_NB", "Nombre de personnes ayant bénéficié d'un rendez-vous de "
           "prévention aux âges clés par année (à partir de 2024)",
           _levels(None, "380 000", "530 000", "530 000", "530 000"), 9496, 9497),
    _entry(29, "DENTISTE_RECOURS_TAUX", "Taux de recours au chirurgien-dentiste pour les classes "
           "d'âge concernées par l'examen bucco-dentaire (3-24 ans)",
           _levels("51%", "52%", "53%", "54%", "55%"), 9499, 9500),
    _entry(30, "DEPISTAGE_SEIN_TAUX", "Taux de participation au dépistage organisé et "
           "individuel du cancer du sein",
           _levels("58,8%", "61,6%", "64,4%", "67,2%", "70,0%"), 9502, 9503),
    _entry(31, "DEPISTAGE_COL_TAUX", "Taux de participation au dépistage organisé du cancer du "
           "col de l'utérus", _levels("58,4%", "63,8%", "69,2%", "74,6%", "80,0%"), 9505, 9506),
    _entry(32, "DEPISTAGE_COLORECTAL_TAUX", "Taux de participation au dépistage organisé du "
           "cancer colorectal", _levels("37,8%", "44,6%", "51,4%", "58,2%", "65,0%"), 9508, 9509),
    _entry(33, "ONDAM_VILLE_RESPECT_TAUX", "(Respect du) taux d’évolution de l'Ondam soins de "
           "ville", _levels("100%", "100%", "100%", "100%", "100%"), 9511),
    _entry(34, "GDR_PLAN_DEPLOIEMENT_TAUX", "Taux de déploiement des actions du plan annuel GDR",
           _levels("90%", "90%", "90%", "90%", "90%"), 9513),
    _entry(35, "GDR_ECONOMIES_ATTEINTE_TAUX", "Taux d’atteinte des économies (maîtrise "
           "médicalisée et LCF) du plan annuel GDR",
           _levels("100%", "100%", "100%", "100%", "100%"), 9515, 9516),
    _entry(36, "IJ_ARRETS_LONGS_EVOLUTION", "Évolution du nombre d'IJ moyens pour les arrêts "
           "supérieurs à 18 mois", _changes("-2%", "-2%", "-2%", "-2%", "-2%", base=None),
           9518, 9519),
    # 2026 reads « base 25 » in the COG: a typo for 22 (+5 points a year on one base), see the
    # indicator's notes; the label keeps the COG's wording.
    _entry(37, "CONTROLES_SM_EVOLUTION", "Taux d'évolution du nombre de contrôle par le SM",
           _changes("+5% / base 22", "+10% / base 22", "+15% / base 22", "+20% / base 25",
                    "+25% / base 22", base=2022), 9521, 9534),
    _entry(38, "GROS_PRESCRIPTEURS_IJ_TAUX", "Part des médecins gros prescripteurs d'IJ ayant "
           "fait l'objet d'une action de l'AM", _levels("75%", "85%", "100%", "100%", "100%"),
           9536, 9537),
    _entry(39, "IC_SUIVI_TAUX", "Part des patients atteints d'IC ayant bénéficié d'un suivi "
           "recommandé", _levels("30%", "32%", "34%", "36%", "38%"), 9539, 9544),
    _entry(40, "PARCOURS_PSY_PATIENTS_NB", "Taux de recours au dispositif Parcours psy",
           _levels("100 000", "160 000", "240 000", "300 000", "400 000"), 9546),
    _entry(41, "DMP_ALIMENTES_TAUX", "Part des DMP alimentés",
           _levels("35%", "45%", "55%", "65%", "75%"), 9548),
    _entry(42, "MES_ACTIVATION_TAUX", "Nombre de comptes Mon espace santé activés",
           _levels("20%", "30%", "40%", "50%", "60%"), 9550, 9551),
    _entry(43, "RISQUE_RESIDUEL_FREQ_PN", "Indicateur de risque résiduel en fréquence – "
           "Prestations en nature", _levels("10,27%", "9,73%", "9,19%", "8,11%", "7,03%"),
           9553, 9564),
    _entry(44, "RISQUE_RESIDUEL_FREQ_PE", "Indicateur de risque résiduel en fréquence – "
           "Prestations en espèces", _levels("9,52%", "9,02%", "8,52%", "8,02%", "7,52%"),
           9566, 9567),
    _entry(45, "TIF_PN_TAUX", "Taux d'incidence financière des erreurs résiduelles – "
           "Prestations en nature", _levels("3,14%", "2,97%", "2,81%", "2,48%", "2,15%"),
           9569, 9570),
    _entry(46, "TIF_PE_TAUX", "Taux d'incidence financière des erreurs résiduelles – "
           "Prestations en espèces", _levels("1,94%", "1,84%", "1,74%", "1,64%", "1,53%"),
           9572, 9573),
    _entry(47, "RECOUVREMENT_INDUS_FRAUDE_TAUX", "Taux de recouvrement des indus frauduleux",
           _levels("55%", "57%", "60%", "62%", "65%"), 9575),
    _entry(48, "RECOUVREMENT_INDUS_NON_FRAUDE_TAUX", "Taux de recouvrement des indus non "
           "frauduleux", _levels("96%", "96%", "97%", "97%", "98%"), 9577),
    _entry(49, "PREJUDICES_SUBIS_MNT", "Montant total des préjudices frauduleux et /ou fautifs "
           "constatés ou subis", _levels("266 000 000", "337 500 000", "357 500 000",
                                         "375 000 000", "390 000 000"), 9579, 9580),
    _entry(50, "PREJUDICES_EVITES_MNT", "Montant total des préjudices frauduleux et / ou "
           "fautifs évités", _levels("114 000 000", "162 500 000", "192 500 000", "225 000 000",
                                     "260 000 000"), 9582, 9583),
    _entry(51, "DISPO_PORTAIL_PS_TAUX", "Taux de disponibilité des portails PS",
           _levels("99,35%", "99,39%", "99,43%", "99,46%", "99,49%"), 9585),
    _entry(52, "DISPO_PORTAIL_ASSURES_TAUX", "Taux de disponibilité des portails assurés",
           _levels("99,12%", "99,17%", "99,22%", "99,27%", "99,42%"), 9587),
    _entry(53, "FORMATION_ACCES_TAUX", "Taux d'accès global à la formation",
           _levels("62%", "64%", "66%", "68%", "70%"), 9589),
    _entry(54, "ABSENCE_COURTE_TAUX", "Taux annuel d'absence maladie de courte durée inférieure "
           "à 8 jours", _levels("1,16%", "1,12%", "1,08%", "1,04%", "1%"), 9591, 9592),
    _entry(55, "FEMINISATION_DIRECTEURS_TAUX", "Taux minimum du genre le moins représenté (taux "
           "de féminisation) aux postes de directeurs",
           {y: Target.between(45, 55, _typo("45%-55%")) for y in YEARS}, 9594, 9595),
    _entry(56, "ENERGIE_EVOLUTION", "Taux d'évolution de la consommation d'énergie",
           _changes("-5% par rapport à 2021", "-10% par rapport à 2021", "-15% vs. 2021",
                    "-20% vs. 2021", "-25% vs. 2021", base=2021), 9597, 9614),
    _entry(57, "ACHATS_MUTUALISATION_TAUX", "Taux de mutualisation des achats",
           _levels("53%", "54%", "55%", "56%", "57%"), 9616),
    _entry(58, "PRODUCTIVITE_FSE", "Productivité par unité d’œuvre maladie : par processus "
           "gestion des FSE", _levels("819 967", "844 566,51", "869 903,51", "896 000,61",
                                      "922 880,63"), 9618, 9619),
    _entry(59, "PRODUCTIVITE_IJ", "Productivité par unité d’œuvre maladie : par processus "
           "gestion des IJ", _levels("13 606", "14 000,00", "14 570,00", "15 150,00",
                                     "15 750,00"), 9625, 9626),
    # One wording for the period: a geometric mean decrease of 0.5 % a year since 2022, so the
    # cumulative change in year 2022 + k is at most 100 × (0.995^k − 1) (see the indicator).
    _entry(60, "COUT_BENEF_CONSOMMANT_EVOLUTION", "Coût par unité d’œuvre maladie : tout "
           "bénéficiaire consommant",
           {y: Target.change(round(100 * (0.995 ** (y - 2022) - 1), 4), 2022, COUT_CIBLE)
            for y in YEARS}, 9628, 9629),
    _entry(61, "SURFACE_PAR_RESIDENT", "Ratio de surface utile par résident (en SUB) dans les "
           "locaux ayant fait l’objet d’un projet dans le cadre du PNI",
           _levels("14 m2", "14 m2", "14 m2", "14 m2", "14 m2"), 9631, 9632),
))


# Composite of the base service: annex 5 has no FSE/FSP delay; n°2 IJ maladie and n°3 IJ AT-MP
# (the first-IJ delay, by risk), n°1 C2S, n°10 appels, n°11 réclamations.
SERVICE_DE_BASE = ("IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN", "C2S_DELAI_D9",
                   "APPELS_TAUX_ABOUTIS", "RECLAMATIONS_10J_TAUX")
# Follow-up figures the fiches ask to transmit yearly, not in annex 5 (no number, no numeric
# target): « indicateurs de suivi », listed after the 61 rows. The fiches tick the years in
# columns the extracted text flattens; three of five ticks cannot be placed on their years.
SUIVI = "indicateur de suivi (fiche, hors annexe 5)"
TRANSMISSION = "Transmission du chiffre"


def _suivi(code, libelle, label, first, last):
    targets = {y: Target.undetermined(label) for y in YEARS}
    return CogIndicator(code, targets, "", libelle, SUIVI, (src(S002, first, last),))


INDICATEURS_DE_SUIVI = (
    _suivi("IJ_MAL_SUB_DELAI_MOYEN", "Délai de traitement de la première IJ maladie subrogée "
           "(délai moyen)", TRANSMISSION, 1173, 1183),
    _suivi("IJ_MAT_SUB_DELAI_MOYEN", "Délai de traitement de la première indemnité journalière "
           "(IJ) subrogée (délai moyen), champ maternité-paternité",
           TRANSMISSION + " (3 années cochées sur 5)", 1159, 1170),
    _suivi("DSN_EVENEMENTIELLE_TAUX", "Taux d'utilisation de la DSN événementielle",
           TRANSMISSION + " (3 années cochées sur 5)", 1239, 1244),
    _suivi("RESOLUTION_PREMIER_CONTACT_TAUX", "Taux de résolution au premier contact (FCR)",
           "Bilan annuel", 1697, 1705),
)




@hookimpl
def cogind_register_cogs(registry):
    registry.add_cog(Cog(code="2023-2027", libelle="COG État–Cnam 2023-2027", years=YEARS,
                         indicators=INDICATORS + INDICATEURS_DE_SUIVI,
                         source=(src(S002, 9413, 9632),),
                         service_de_base=SERVICE_DE_BASE))
