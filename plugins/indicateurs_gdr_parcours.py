"""Prevention, care pathways and risk-management results (COG 2018-2022 fiches 4 and 5; the GDR
and prevention indicators the IGAS quotes for 2014-2017). All from reported ``mesures``."""
from cogind import hookimpl
from cogind import Sum
from cogind_plugins.familles_points import EcartPoints
from cogind_plugins.mesures import PART, STOCK, TAUX, reported
from cogind_plugins.seeds import S000, S001, S004, src

# « +4pts/2017 +1pt/2018 +1pt/2019 +1pt/2020 +1pt/2020 » (S004 l.714-717): base of each year
BASES_DEPISTAGE = ((2018, 2017), (2019, 2018), (2020, 2019), (2021, 2020), (2022, 2020))
PARTICIPATION = ("MES_NUM = personnes de la population cible dépistées sur la période de "
                 "référence du programme, MES_DEN = population cible")
GINI_PROFESSIONS = (("MEDECINS", "médecins"), ("INFIRMIERS", "infirmiers"),
                    ("MASSEURS_KINES", "masseurs-kinésithérapeutes"),
                    ("ORTHOPHONISTES", "orthophonistes"),
                    ("CHIRURGIENS_DENTISTES", "chirurgiens-dentistes"),
                    ("SAGES_FEMMES", "sages-femmes"))


def _depistage_points(code, mes_cod, cancer, line, quote):
    return reported(
        code, f"Dépistage organisé du cancer {cancer} (écart en points)",
        f"Écart, en points, du taux de participation au dépistage organisé du cancer {cancer} "
        "avec celui de l'année de base que la COG écrit après la barre (« +1pt/2018 » : "
        "taux 2019 − taux 2018).", mes_cod, EcartPoints(of=PART, bases=BASES_DEPISTAGE),
        content=PARTICIPATION, unit="points", direction="hausse",
        source=(src(S004, line, None, quote), src(S004, 712, 713, "Nature (résultat/suivi) "
                                                               "Cibles 2018 … 2022")),
        notes="La cible 2022 est écrite « +1pt/2020 » (et non /2021) pour les trois dépistages : "
              "cogind suit le texte (base 2020 en 2022).")


@hookimpl
def cogind_register_indicators(registry):
    add = registry.add_indicator
    add(_depistage_points("DEPISTAGE_COL_ECART_PTS", "DEPISTAGE_COL", "du col de l'utérus", 714,
                          "Dépistage organisé du cancer du col de l'utérus Résultat +4pts/2017"))
    add(_depistage_points("DEPISTAGE_COLORECTAL_ECART_PTS", "DEPISTAGE_COLORECTAL", "colorectal",
                          715, "Dépistage organisé du cancer colorectal Résultat +5pts/2017"))
    add(_depistage_points("DEPISTAGE_SEIN_DO_ECART_PTS", "DEPISTAGE_SEIN_DO", "du sein", 717,
                          "Dépistage organisé du cancer du sein Résultat +1pt/2017"))
    add(reported(
        "DEPISTAGE_SEIN_DO_TAUX", "Taux de participation au dépistage organisé du cancer du sein",
        "Part des femmes de 50 à 74 ans de la population cible ayant réalisé une mammographie "
        "dans le cadre du dépistage organisé (hors dépistage individuel).", "DEPISTAGE_SEIN_DO",
        PART, content=PARTICIPATION, unit="%", direction="hausse",
        source=(src(S004, 717, None, "Dépistage organisé du cancer du sein"),)))
    add(reported(
        "ONDAM_RESPECT_TAUX", "Taux de respect de l'ONDAM",
        "Dépenses réalisées dans le champ de l'ONDAM rapportées à l'objectif voté en loi de "
        "financement de la sécurité sociale (100 % : objectif tenu).", "ONDAM", TAUX,
        content="MES_NUM = dépenses constatées, MES_DEN = objectif voté (euros), ligne nationale",
        unit="%", direction="baisse", national=True,
        source=(src(S004, 813, None, "Taux de respect de l'ONDAM Résultat 100%"),
                src(S001, 770, 772, "un indicateur de résultat très général sur l'atteinte de "
                                    "l'ONDAM"))))
    add(reported(
        "MAITRISE_MEDICALISEE_ATTEINTE_TAUX",
        "Taux de respect des objectifs de maîtrise médicalisée",
        "Économies de maîtrise médicalisée réalisées rapportées aux économies attendues "
        "(objectifs fixés en LFSS et déclinés par poste).", "MAITRISE_MEDICALISEE", TAUX,
        content="MES_NUM = économies réalisées, MES_DEN = économies attendues (euros)",
        unit="%", direction="hausse", national=True,
        source=(src(S004, 814, None, "Taux de respect des objectifs de maîtrise médicalisée "
                                     "Résultat 100%"),
                src(S001, 986, 994, "taux d'atteinte 109% 77% 85% 65%"))))
    add(reported(
        "MAITRISE_MEDICALISEE_ECONOMIES_MNT", "Économies de maîtrise médicalisée réalisées",
        "Montant des économies de maîtrise médicalisée réalisées dans la période (mesurées "
        "par écart au tendanciel des postes du programme).", "MAITRISE_MEDICALISEE",
        Sum(column="MES_NUM"), content="MES_NUM = économies réalisées (euros)", unit="euros",
        direction="hausse", national=True,
        source=(src(S001, 976, 994, "Montants des économies attendues et réalisées (M€)"),
                src(S001, 2032, 2035, "écart à une tendance structurelle"))))
    add(reported(
        "DAP_DEMAT_PROFESSIONS_NB", "Mise en place de la dématérialisation des Demandes "
        "d'Accord Préalables", "Nombre de professions (masseurs-kinésithérapeutes, "
        "orthophonistes, orthoptistes) dont les demandes d'accord préalable sont "
        "dématérialisées en fin de période.", "DAP_DEMAT_PROFESSIONS", STOCK,
        content="MES_VAL = professions dont la DAP dématérialisée est ouverte, ligne nationale",
        unit="nombre", direction="hausse", national=True,
        source=(src(S004, 815, None, "Mise en place de la dématérialisation des Demandes "
                                     "d'Accord Préalables Résultat Masseurs-kinésithérapeutes "
                                     "Orthophonistes Orthoptistes"),)))
    add(reported(
        "CAQES_VOLETS_PERTINENCE_NB", "Nombre de volets pertinence signés avec les "
        "établissements de santé dans le cadre des CAQES", "Volets pertinence des contrats "
        "d'amélioration de la qualité et de l'efficience des soins (CAQES) en vigueur en fin de "
        "période.", "CAQES_VOLETS_PERTINENCE", STOCK,
        content="MES_VAL = volets pertinence signés en vigueur au dernier jour du mois",
        unit="nombre", direction="hausse",
        source=(src(S004, 816, 818, "Nombre de volets pertinence signés avec les établissements "
                                    "de santé dans le cadre des CAQES 200 250"),)))
    add(reported(
        "CAQES_INTERESSEMENT_TAUX", "Taux d'établissements bénéficiant d'un intéressement",
        "Part des établissements de santé (MCO, HAD, SSR) signataires d'un CAQES bénéficiant "
        "d'un intéressement au titre de la pertinence.", "CAQES_INTERESSEMENT", PART,
        content="MES_NUM = établissements bénéficiant d'un intéressement, MES_DEN = "
                "établissements éligibles", unit="%", direction="hausse",
        source=(src(S004, 818, 821, "Taux d'établissements bénéficiant d'un intéressement (se "
                                    "substitue au 2 à compter de 2020) 40% ; soit 1050 "
                                    "établissements MCO, HAD et SSR"),)))
    add(reported(
        "IJ_AAT_DUREE_ECART", "Ecart de la durée moyenne d'IJ entre les PS ayant utilisé / "
        "n'ayant pas utilisé l'AAT dématérialisé", "Durée moyenne des arrêts indemnisés "
        "prescrits par les professionnels n'ayant pas utilisé l'avis d'arrêt de travail "
        "dématérialisé, moins celle des arrêts prescrits par ceux qui l'ont utilisé.",
        "IJ_AAT_DUREE_ECART", STOCK,
        content="MES_VAL = écart en jours calculé par le système décisionnel, ligne nationale",
        unit="jours", direction="hausse", national=True,
        source=(src(S004, 819, None, "Ecart de la durée moyenne d'IJ entre les PS ayant utilisé "
                                     "/ n'ayant pas utilisé l'AAT dématérialisé (cible à "
                                     "fixer)"),),
        notes="Un écart négatif serait exclu (montant négatif) : la COG n'en dit ni le sens ni "
              "la cible."))
    add(reported(
        "CES_PRECAIRES_TAUX", "Proportion de public précaire fréquentant les centres d'examen "
        "de santé", "Part des consultants des centres d'examens de santé (CES) en situation de "
        "précarité (score EPICES).", "CES_PRECAIRES", PART,
        content="MES_NUM = consultants précaires, MES_DEN = consultants", unit="%",
        direction="hausse",
        source=(src(S000, 3636, 3637, "la proportion de public précaire fréquentant les centres "
                                      "d'examen de santé a atteint 58 % en 2016 pour une cible "
                                      "de 50 %"),)))
    add(reported(
        "SOPHIA_ADHERENTS_NB", "Nombre d'adhérents à Sophia",
        "Adhérents au service d'accompagnement des malades chroniques Sophia en fin de période.",
        "SOPHIA_ADHERENTS", STOCK, content="MES_VAL = adhérents au dernier jour du mois",
        unit="nombre", direction="hausse",
        source=(src(S001, 783, 785, "nombre d'adhérents à Sophia"),
                src(S001, 3829, 3830, "Sophia Diabète comptait 720 000 adhérents"))))
    for key, name in GINI_PROFESSIONS:
        add(reported(
            f"GINI_REPARTITION_{key}", f"Indice de Gini de la distribution des {name}",
            f"Indice de Gini (× 100) de la répartition territoriale des {name} libéraux "
            "rapportée à la population (0 : répartition égale).", f"GINI_{key}", STOCK,
            content="MES_VAL = indice de Gini × 100, ligne nationale", unit="indice × 100",
            direction="baisse", national=True,
            source=(src(S001, 745, 749, "indices de Gini de la distribution des médecins, des "
                                        "infirmiers, des masseurs-kinésithérapeutes, des "
                                        "orthophonistes, des chirurgiens-dentistes et des "
                                        "sages-femmes"),)))
