"""COG 2018-2022 État–Cnam: every row of the indicator tables that close its fiches (seed 004).

Each entry keeps the COG's number and wording; ``fiche`` says the fiche and the nature written
in the table (« résultat », or « nature non renseignée » where the column is empty). Targets are
transcribed as written: levels, « +1pt/2018 » as a change in points versus the base year (the
indicator's value is then that change in points), « +2,5%/2017 » and « +3% » as relative changes
versus the previous year, blank cells and « A déterminer » / « COG RSI » / « X » as
undetermined with the wording.
"""
from cogind import Cog, CogIndicator, Target, hookimpl
from cogind_plugins.seeds import S004, src

YEARS = (2018, 2019, 2020, 2021, 2022)
BLANK = "non renseignée dans la COG"


def _fmt(v):
    return str(int(v)) if float(v).is_integer() else str(v).replace(".", ",")


def lv(*values, unit="%", scale=1.0, labels=None):
    """Levels per year; a string is an undetermined target with that wording."""
    out = {}
    for i, (y, v) in enumerate(zip(YEARS, values)):
        if isinstance(v, str):
            out[y] = Target.undetermined(v)
        else:
            label = labels[i] if labels else f"{_fmt(v)}{unit}"
            out[y] = Target.level(v * scale, label)
    return out


def pts(*specs):
    """« +4pts/2017 »: (points, base year) per year, a change in points."""
    return {y: Target.change(p, b, f"+{_fmt(p)}pt{'s' if p > 1 else ''}/{b} (en points)")
            for y, (p, b) in zip(YEARS, specs)}


def pct(*values, label="+{v}%/{b}"):
    """« +2,5%/2017 », « +3% »: relative change (%) versus the previous year."""
    return {y: Target.change(v, y - 1, label.format(v=_fmt(v), b=y - 1))
            for y, v in zip(YEARS, values)}


def ic(values, half):
    """« 1,34% (intervalle de confiance ±0,3) »: a level, the interval kept in the label."""
    return {y: Target.level(v, f"{_fmt(v)}% (intervalle de confiance ±{_fmt(half)})")
            for y, v in zip(YEARS, values)}


def millions(*values, unit="M€"):
    return lv(*values, scale=1e6, labels=[f"{_fmt(v)} {unit}" for v in values])


R, N = "résultat", "nature non renseignée"
DAP = {2018: Target.undetermined(BLANK),
       2019: Target.at_least(1, "Masseurs-kinésithérapeutes (déduit : ≥ 1 profession)"),
       2020: Target.at_least(2, "Orthophonistes (déduit : ≥ 2 professions)"),
       2021: Target.at_least(3, "Orthoptistes (déduit : ≥ 3 professions)"),
       2022: Target.undetermined(BLANK)}
PUMA = ("100% de contrôle des bénéficiaires consommateurs qui n'ont pas été vérifiés sur les 3 "
        "années précédentes")
SUBSTITUE = "non renseignée (remplacé en 2020 par le taux d'établissements bénéficiant d'un " \
            "intéressement)"
ROWS = (
    # code, n°, fiche, nature, COG wording, targets, seed lines
    ("C2S_BENEFICIAIRES_NB", "1", 1, R, "Nombre de bénéficiaires de la CMU-c et de l'ACS",
     lv(6600000, 6713000, 6850000, 7000000, 7150000, unit=""), (491, 493)),
    ("PFIDASS_ACCOMPAGNEMENTS_NB", "2", 1, R, "Nombre d'accompagnements PFIDASS aboutis",
     lv(33000, 60000, 78750, 100000, 100000, unit=""), (491, 494)),
    ("PDP_ACCOMPAGNES_EVOLUTION", "3", 1, R, "Nombre d'assurés accompagnés au titre de la PDP",
     pct(2.5, 2.5, 2.5, 2.5, 2.5), (491, 496)),
    ("DEPASSEMENT_TAUX", "1", 2, R, "Evolution du taux de dépassement des médecins de secteur 2 "
     "et 1 DP", lv(49.5, 48, 47, 46.5, 46), (567, 571)),
    ("ACTES_TARIFS_OPPOSABLES_PART", "2", 2, R, "Part des actes à tarifs opposable (toute "
     "catégories : CMUC, ACS...)", lv(41, 42, 43, 44, 45), (569, 572)),
    ("CONTRATS_CAIM_NB", "1 (CAIM)", 3, R, "Nombre de contrats démographiques "
     "incitatifs signés", lv(546, 896, 1246, 1596, 1746, unit=""), (639, 641)),
    ("CONTRATS_CSTM_NB", "1 (CSTM)", 3, R, "Nombre de contrats démographiques "
     "incitatifs signés", lv(85, 150, 200, 250, 300, unit=""), (639, 642)),
    ("ACI_MSP_CONTRATS_NB", "2", 3, R, "Nombre de contrats ACI MSP signés",
     lv(720, 980, 1280, 1530, 1800, unit=""), (639, 643)),
    ("PRADO_CHIRURGIE_DMS", "3", 3, R, "Durée Moyenne de Séjour pour les adhérents au PRADO "
     "chirurgie", lv(4.75, 4.55, 4.35, 4.15, 4, unit=" j"), (639, 644)),
    ("TELEMEDECINE_ACTES_NB", "4", 3, R, "Nombre d'actes de Télémedecine",
     lv(BLANK, 500000, 700000, 1000000, 1400000, unit=""), (639, 645)),
    ("DEPISTAGE_COL_ECART_PTS", "1", 4, R, "Dépistage organisé du cancer du col de l'utérus",
     pts((4, 2017), (1, 2018), (1, 2019), (1, 2020), (1, 2020)), (712, 714)),
    ("DEPISTAGE_COLORECTAL_ECART_PTS", "2", 4, R, "Dépistage organisé du cancer colorectal",
     pts((5, 2017), (3, 2018), (1, 2019), (1, 2020), (1, 2020)), (712, 715)),
    ("DEPISTAGE_SEIN_DO_ECART_PTS", "3", 4, R, "Dépistage organisé du cancer du sein",
     pts((1, 2017), (1, 2018), (1, 2019), (1, 2020), (1, 2020)), (712, 717)),
    ("DENTISTE_RECOURS_TAUX", "4", 4, R, "Taux de recours global aux chirurgiens-dentistes "
     "pour les classes d'âge concernées par l'examen bucco-dentaire", lv(61, 62, 63, 64, 65),
     (712, 718)),
    ("ONDAM_RESPECT_TAUX", "1", 5, R, "Taux de respect de l'ONDAM", lv(100, 100, 100, 100, 100),
     (811, 813)),
    ("MAITRISE_MEDICALISEE_ATTEINTE_TAUX", "2", 5, R, "Taux de respect des objectifs de "
     "maîtrise médicalisée", lv(100, 100, 100, 100, 100), (811, 814)),
    ("DAP_DEMAT_PROFESSIONS_NB", "3", 5, R, "Mise en place de la dématérialisation des "
     "Demandes d'Accord Préalables", DAP, (811, 815)),
    ("CAQES_VOLETS_PERTINENCE_NB", "4", 5, R, "Nombre de volets pertinence signés avec les "
     "établissements de santé dans le cadre des CAQES",
     lv(200, 250, SUBSTITUE, SUBSTITUE, SUBSTITUE, unit=""), (811, 818)),
    ("CAQES_INTERESSEMENT_TAUX", "5 (non numéroté)", 5, R, "Taux d'établissements "
     "bénéficiant d'un intéressement (se substitue au 2 à compter de 2020)",
     lv("non renseignée (à compter de 2020)", "non renseignée (à compter de 2020)", 40, 40, 40,
        labels=[None, None] + ["40% (soit 1050 établissements MCO, HAD et SSR)"] * 3),
     (811, 821)),
    ("IJ_AAT_DUREE_ECART", "6", 5, R, "Ecart de la durée moyenne d'IJ entre les PS ayant "
     "utilisé / n'ayant pas utilisé l'AAT dématérialisé (cible à fixer)",
     lv(BLANK, *["X (cible à fixer)"] * 4), (811, 819)),
    ("PREJUDICES_SUBIS_MNT", "1", 6, R, "Montant des préjudices frauduleux et fautifs subis",
     millions(200, 201, 202, 203, 203), (910, 912)),
    ("PREJUDICES_EVITES_MNT", "2", 6, R, "Montant des préjudices frauduleux et fautifs évités",
     millions(50, 54, 58, 62, 62), (910, 913)),
    ("RECOUVREMENT_INDUS_FRAUDE_ECART_PTS", "3", 6, R, "Taux de recouvrement des indus "
     "frauduleux", pts((1, 2017), (1, 2017), (1, 2017), (1.5, 2017), (1.5, 2017)), (910, 914)),
    ("RECOUVREMENT_INDUS_NON_FRAUDE_TAUX", "4", 6, R, "Taux de recouvrement des indus non "
     "frauduleux", lv(99, 99, 99, 99, 99), (910, 915)),
    ("PUMA_CONTROLES_COUVERTURE_TAUX", "5", 6, R, "Taux de couverture des contrôles PUMA pour "
     "les bénéficiaires consommateurs", lv(100, 100, 100, 100, 100, labels=[PUMA] * 5),
     (910, 918)),
    ("TIF_PN_TAUX", "4 (bis, PN)", 6, R, "Taux d'incidences financières des erreurs (TIF) Taux "
     "de fiabilité PN en montant", ic((1.34, 1.27, 1.19, 1.12, 1.04), 0.3), (910, 919)),
    ("TIF_PE_TAUX", "4 (bis, PE)", 6, R, "Taux d'incidences financières des erreurs (TIF) Taux "
     "de fiabilité PE", ic((2.83, 2.78, 2.69, 2.59, 2.46), 0.58), (910, 920)),
    ("RISQUE_RESIDUEL_FREQ_PN", "5 (bis, PN)", 6, R, "Taux de qualité des dossiers en volume "
     "après paiement (IQV) : IFPN en volume", ic((5.5, 5.2, 4.9, 4.6, 4.26), 1.55), (910, 921)),
    ("RISQUE_RESIDUEL_FREQ_PE", "5 (bis, PE)", 6, R, "Taux de qualité des dossiers en volume "
     "après paiement (IQV) : IFPE en volume", ic((9, 8.7, 8.4, 8.1, 7.7), 1.77), (910, 922)),
    ("RCT_RECOUVREMENTS_MNT", "6", 6, R, "Montants recouverts au titre du Recours Contre Tiers",
     lv(1035273559, 1085479263, 1141849402, 1205284299, 1276817950, unit=" €"), (910, 923)),
    ("FSE_DELAI_D9", "1", 7, R, "Délai de remboursement des FSE assurés (9ème décile)",
     lv(7, 7, 7, 7, 7, unit=" j"), (989, 991)),
    ("IJ_MAL_DELAI_MOYEN_TS", "2", 7, R, "Délai de paiement de la première indemnité "
     "journalière non subrogée (délai moyen)", lv(28, 28, 27, 26, 25, unit=" j"), (989, 992)),
    ("C2S_DELAI_D9", "3", 7, R, "Délai de traitement des demandes de CMUC/ACS (9ème décile)",
     lv(33, 32, 31, 30, 29, unit=" j"), (989, 993)),
    ("APPELS_TAUX_ABOUTIS", "4", 7, R, "Taux d'appels téléphoniques aboutis",
     lv(90, 90, 90, 90, 90), (989, 994)),
    ("COURRIELS_48H_TAUX", "5", 7, R, "Taux de courriels traités dans le délai de 48h",
     lv(80, 80, 80, 80, BLANK), (989, 995)),
    ("SATISFACTION_ASSURES_TAUX", "6", 7, R, "Taux de satisfaction globale des assurés",
     lv(93, 93, 93, 93, 93), (989, 996)),
    # « par canal de contact » with one target: each channel against it, one status each
    *((f"SATISFACTION_CANAL_{code}_TAUX", f"7 ({name})", 7, R, "Taux de satisfaction des "
       "assurés par canal de contact (email, téléphone, internet, papier, physique) : " + name,
       lv(80, 80.5, 81, 81.5, 82), (989, 997))
      for code, name in (("MEL", "email"), ("TEL", "téléphone"), ("INT", "internet"),
                         ("PAP", "papier"), ("PHY", "physique"))),
    ("SATISFACTION_REITERATION_TAUX", "8", 7, R, "Taux de satisfaction sur la réitération",
     lv(BLANK, *["A déterminer"] * 4), (989, 998)),
    ("SATISFACTION_PS_TAUX", "9", 7, R, "Taux de satisfaction globale des professionnels de "
     "santé", lv(86, 86.5, 87, 87.5, 88), (989, 999)),
    ("SATISFACTION_EMPLOYEURS_TAUX", "10", 7, R, "Taux de satisfaction globale des employeurs",
     lv(87.5, 88, 88.5, 89, 89.5), (989, 1000)),
    ("RECLAMATIONS_10J_TAUX", "11", 7, R, "Taux de réclamations traitées dans les délais (10 "
     "jours)", lv(82, 83, 84, 85, 85), (989, 1001)),
    ("PFS_EMPLOYEURS_MULTICANAL_NB", "2", 10, N, "Nombre de PFS employeurs multicanal",
     lv(BLANK, BLANK, 6, 9, 13, unit=""), (1173, 1175)),
    ("DEMAT_RELEVE_IJ_TAUX", "1 (RIJ)", 11, N, "Taux d'utilisation d'un bouquet de téléservices "
     "assurés : Relevé IJ", lv(91, 92, 93, 94, 95), (1243, 1245)),
    ("DEMAT_CARTE_VITALE_TAUX", "1 (Vitale)", 11, N, "Taux d'utilisation d'un bouquet de "
     "téléservices assurés : Demande de carte Vitale", lv(40, 50, 60, 65, 70), (1243, 1245)),
    ("DEMAT_ATTESTATION_DROITS_TAUX", "1 (Att D)", 11, N, "Taux d'utilisation d'un bouquet de "
     "téléservices assurés : attestations de droits", lv(70, 74, 77, 80, 83), (1243, 1245)),
    ("DEMAT_NOUVEAU_NE_TAUX", "1 (Nouveau né)", 11, N, "Taux d'utilisation d'un bouquet de "
     "téléservices assurés : déclaration nouveau-né", lv(30, 50, 75, 95, 95), (1243, 1245)),
    ("DEMAT_DSH_INVALIDITE_TAUX", "1 (DSH Inva)", 11, N, "Taux d'utilisation d'un bouquet de "
     "téléservices assurés : déclaration trimestrielle sur l'honneur invalidité",
     lv(BLANK, 25, 50, 75, 80), (1243, 1245)),
    ("DEMAT_DECLARATION_MT_TAUX", "2 (DMT)", 11, N, "Taux d'utilisation d'un bouquet de "
     "téléservices PS : DMT", lv(83, 87, 91, 95, 95), (1243, 1246)),
    ("DEMAT_CMAT_TAUX", "2 (Certificat médical ATMP)", 11, N, "Taux d'utilisation d'un bouquet "
     "de téléservices PS : certificat médical AT", lv(17, 21, 26, 30, 35), (1243, 1246)),
    ("DEMAT_AAT_TAUX", "2 (AAT)", 11, N, "Taux d'utilisation d'un bouquet de téléservices PS : "
     "AAT", lv(40, 50, 60, 70, 75), (1243, 1246)),
    ("DEMAT_PROTOCOLE_SOINS_TAUX", "2 (PSE)", 11, N, "Taux d'utilisation d'un bouquet de "
     "téléservices PS : PSE", lv(60, 66, 73, 80, 83), (1243, 1246)),
    ("DEMAT_DAT_EMPLOYEURS_TAUX", "3", 11, N, "Taux d'utilisation d'EDAT par les employeurs",
     lv(73, 75, 77, 79, 81), (1243, 1247)),
    ("DMP_OUVERTS_NB", "1", 12, N, "Nombre de DMP ouverts", lv(3.5, 10, 20, 30, 40, scale=1e6,
     labels=["3.5 millions", "10 millions", "20 millions", "30 millions", "40 millions"]),
     (1310, 1312)),
    ("EPRESCRIPTION_PROFESSIONNELS_NB", "2", 12, N, "Nombre de professionnels ayant recours à "
     "la e-prescription en établissement et en ville", lv(BLANK, 5000, 10000, 20000, 30000,
                                                          unit=""), (1310, 1313)),
    ("DISPO_PORTAIL_PS_TAUX", "1", 13, N, "Taux de disponibilité des portails Portail PS",
     lv(99.5, 99.55, 99.6, 99.64, 99.67), (1392, 1394)),
    ("DISPO_PORTAIL_ASSURES_TAUX", "2", 13, N, "Taux de disponibilité des portails Portail "
     "Assurés", lv(99, 99.05, 99.1, 99.2, 99.25), (1392, 1395)),
    ("ABSENCE_COURTE_TAUX", "1", 14, N, "Taux d'absentéisme pour maladie de courte durée "
     "inférieur à 8 jours", lv(1.12, 1.10, 1.08, 1.05, 1.02), (1466, 1468)),
    ("FORMATION_ACCES_TAUX", "2", 14, N, "Taux de formation des agents", lv(58, 60, 60, 60, 60),
     (1466, 1469)),
    ("FEMINISATION_DIRECTEURS_TAUX", "3", 14, N, "Taux minimum du genre le moins représenté "
     "(taux de féminisation) aux postes de directeurs",
     {y: Target.at_least(v, f"{v}% (taux minimum)") for y, v in zip(YEARS, (37, 40, 43, 46, 50))},
     (1466, 1470)),
    ("ACHATS_MUTUALISATION_TAUX", "1", 15, R, "Taux de mutualisation des achats en intra et "
     "interbranche", lv(43, 43, 44, 45, 46), (1562, 1565)),
    ("SURFACE_UTILE_PAR_AGENT", "2", 15, R, "Ratio de surface utile par agent",
     lv(12, 12, 12, 12, 12, unit=" m²"), (1562, 1566)),
    ("PRODUCTIVITE_FSE_EVOLUTION", "3", 15, R, "Amélioration de la productivité sur le "
     "processus « gestion des FSE »", pct(3, 3, 3, 3, 3, label="+{v}%"), (1562, 1567)),
    ("PRODUCTIVITE_IJ_EVOLUTION", "4", 15, R, "Amélioration de la productivité sur le "
     "processus « gestion des indemnités journalières »", pct(2.5, 2.5, 5, 5, 5, label="+{v}%"),
     (1562, 1568)),
    # one reading with COG 2023-2027 n° 60: a geometric mean decrease of 0.5 % a year since
    # 2017, so the cumulative change in year 2017 + k is at most 100 × (0.995^k − 1)
    ("COUT_BENEF_CONSOMMANT_EVOLUTION_2017", "5", 15, R, "Coût de gestion par bénéficiaire "
     "consommant (Coût de gestion hors investissement/ nombre de bénéficiaires consommant)",
     {y: Target.change(round(100 * (0.995 ** (y - 2017) - 1), 4), 2017,
                       "Diminution annuelle de 0.5% en moyenne sur la période")
      for y in YEARS}, (1562, 1569)),
    ("RH_BILAN_TRANSFERES_TAUX", "1", 16, N, "Taux de réalisation d'un bilan RH personnalisé "
     "pour les personnels transférés", lv(100, 100, 100, 100, 100), (1635, 1637)),
    ("IJ_MAL_DELAI_MOYEN_TI", "2", 16, N, "Délai de traitement de la première IJ pour les "
     "indépendants (à fixer en 2019)", lv("COG RSI", "COG RSI", *["A déterminer"] * 3),
     (1635, 1638)),
    ("UGECAM_HDJ_SSR_EVOLUTION", "1", 17, R, "Augmentation du nombre de journées en "
     "hospitalisation de jour dans les SSR", pct(2, 2, 2, 2, 2), (1727, 1729)),
)

INDICATORS = tuple(
    CogIndicator(code, targets, numero, libelle, f"fiche {fiche} ({nature})",
                 (src(S004, a, b),))
    for code, numero, fiche, nature, libelle, targets, (a, b) in ROWS)


# Composite of the base service: fiche 7 n°2 IJ, n°3 CMUC/ACS, n°4 appels, n°1 FSE assurés
# (seed 004 l. 989-1001); the fifth is the fifth process of the comité d'alerte (seed 000 §63,
# l. 921-925): réclamations, n°11.
SERVICE_DE_BASE = ("IJ_MAL_DELAI_MOYEN_TS", "C2S_DELAI_D9", "APPELS_TAUX_ABOUTIS",
                   "FSE_DELAI_D9", "RECLAMATIONS_10J_TAUX")


@hookimpl
def cogind_register_cogs(registry):
    registry.add_cog(Cog(code="2018-2022", libelle="COG État–Cnam 2018-2022", years=YEARS,
                         indicators=INDICATORS, source=(src(S004, 396, 1731),),
                         service_de_base=SERVICE_DE_BASE))
