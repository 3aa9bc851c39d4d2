"""The network's means and efficiency (COG 2018-2022 fiches 14 to 17; the service-quality,
budget and staff figures the IGAS quotes for 2014-2017): yearly changes of productivity and
management cost, premises, staff, UGECAM activity. All from reported ``mesures``."""
from cogind import hookimpl
from cogind import Evolution
from cogind_plugins.mesures import PART, RATIO, SOMME, STOCK, reported
from cogind_plugins.seeds import S000, S004, src

ANNUELLE = "annee_precedente"
ETP = "MES_DEN = ETP du mois rapportés à l'année (ETP / 12)"
COUT_CONTENT = ("MES_NUM = coût de gestion hors investissement du mois (euros), MES_DEN = "
                "bénéficiaires consommants du mois")
COUT_SOURCE = src(S004, 1569, None, "Coût de gestion par bénéficiaire consommant (Coût de gestion "
                  "hors investissement/ nombre de bénéficiaires consommant) Résultat Diminution "
                  "annuelle de 0.5% en moyenne sur la période")
"""The two readings of COG 2018-2022's cost per consuming beneficiary rest on one passage."""


def _productivite(code, processus, line, quote):
    return reported(
        code, f"Amélioration de la productivité sur le processus « gestion des {processus} »",
        f"Évolution en % de la productivité du processus « gestion des {processus} » (unités "
        "d'œuvre traitées par ETP annuel) par rapport à la même période de l'année précédente.",
        f"PRODUCTIVITE_{'FSE' if processus == 'FSE' else 'IJ'}",
        Evolution(of=RATIO, base=ANNUELLE),
        content=f"MES_NUM = unités d'œuvre traitées dans le mois ; {ETP}", unit="%",
        direction="hausse", source=(src(S004, line, None, quote),),
        notes="Mêmes lignes de mesures que PRODUCTIVITE_FSE / PRODUCTIVITE_IJ (COG 2023-2027) ; "
              "la COG ne dit pas la base de « +3% » : cogind lit une évolution annuelle.")


@hookimpl
def cogind_register_indicators(registry):
    add = registry.add_indicator
    add(_productivite("PRODUCTIVITE_FSE_EVOLUTION", "FSE", 1567,
                      "Amélioration de la productivité sur le processus « gestion des FSE » "
                      "Résultat +3% +3% +3% +3% +3%"))
    add(_productivite("PRODUCTIVITE_IJ_EVOLUTION", "indemnités journalières", 1568,
                      "Amélioration de la productivité sur le processus « gestion des "
                      "indemnités journalières » Résultat +2.5% +2.5% +5% +5% +5%"))
    add(reported(
        "COUT_BENEF_CONSOMMANT_EVOLUTION_ANNUELLE",
        "Coût de gestion par bénéficiaire consommant (évolution annuelle)",
        "Évolution en %, par rapport à la même période de l'année précédente, du coût de "
        "gestion hors investissement par bénéficiaire consommant.", "COUT_BENEF_CONSOMMANT",
        Evolution(of=RATIO, base=ANNUELLE),
        content=COUT_CONTENT, unit="%", direction="baisse", national=True,
        source=(COUT_SOURCE,),
        notes="Autre lecture, année par année (base : l'année précédente), que la COG "
              "2018-2022 ne suit plus : voir COUT_BENEF_CONSOMMANT_EVOLUTION_2017."))
    add(reported(
        "COUT_BENEF_CONSOMMANT_EVOLUTION_2017",
        "Coût de gestion par bénéficiaire consommant (évolution depuis 2017)",
        "Évolution relative (en %), par rapport à la même période de 2017, du coût de gestion "
        "hors investissement par bénéficiaire consommant (coût de gestion / bénéficiaires "
        "consommants).", "COUT_BENEF_CONSOMMANT", Evolution(of=RATIO, base=2017),
        content=COUT_CONTENT, unit="%", direction="baisse", national=True,
        source=(COUT_SOURCE,),
        notes=("« Diminution annuelle de 0,5 % en moyenne sur la période » : la lecture de la COG "
               "2023-2027 (COUT_BENEF_CONSOMMANT_EVOLUTION, même formule), en cumul depuis la "
               "dernière année avant la COG : la cible de 2017 + k est 100 × (0,995^k − 1) %, une "
               "baisse moyenne géométrique de 0,5 % par an ; une année en hausse peut être "
               "compensée par les autres, ce qu'une cible de −0,5 % chaque année interdisait.")))
    add(reported(
        "SURFACE_UTILE_PAR_AGENT", "Ratio de surface utile par agent",
        "Surface utile des locaux occupés rapportée au nombre d'agents qui y travaillent "
        "(tous locaux, en fin de période).", "SURFACE_UTILE", RATIO,
        content="MES_NUM = surface utile (m²), MES_DEN = agents, une ligne par caisse au "
                "dernier mois de l'année", unit="m²", direction="baisse",
        source=(src(S004, 1566, None, "Ratio de surface utile par agent Résultat 12. m2 12 m2"),
                src(S000, 2515, 2517, "La cible du ratio m² par agent n'est pas tout à fait "
                                      "atteinte en 2016 (12,1 m² pour un objectif de 12)"))))
    add(reported(
        "RH_BILAN_TRANSFERES_TAUX",
        "Taux de réalisation d'un bilan RH personnalisé pour les personnels transférés",
        "Part des personnels transférés (régimes adossés : RSI, LMDE…) ayant bénéficié d'un "
        "bilan ressources humaines personnalisé.", "RH_BILAN_TRANSFERES", PART,
        content="MES_NUM = bilans réalisés, MES_DEN = personnels transférés", unit="%",
        direction="hausse",
        source=(src(S004, 1637, None, "Taux de réalisation d'un bilan RH personnalisé pour les "
                                      "personnels transférés 100%"),)))
    add(reported(
        "UGECAM_HDJ_SSR_EVOLUTION",
        "Augmentation du nombre de journées en hospitalisation de jour dans les SSR",
        "Évolution en % du nombre de journées d'hospitalisation de jour en soins de suite et de "
        "réadaptation des établissements UGECAM par rapport à l'année précédente.",
        "UGECAM_HDJ_SSR", Evolution(of=SOMME, base=ANNUELLE),
        content="MES_VAL = journées d'hospitalisation de jour SSR du mois", unit="%",
        direction="hausse", national=True,
        source=(src(S004, 1729, None, "Augmentation du nombre de journées en hospitalisation de "
                                      "jour dans les SSR Résultat +2%/2017 +2%/2018"),)))
    # COG 2014-2017 as the IGAS quotes it (seed 000)
    add(reported(
        "CARTE_VITALE_DELAI_MOYEN", "Délai moyen de délivrance de la carte Vitale",
        "Délai moyen entre la demande de carte Vitale et sa délivrance.", "CARTE_VITALE_DELAI",
        RATIO, content="MES_NUM = somme des délais (jours) des cartes délivrées dans le mois, "
                       "MES_DEN = cartes délivrées", unit="jours", direction="baisse",
        source=(src(S000, 889, 891, "Le délai moyen de délivrance de la carte Vitale a dépassé la "
                                    "cible de 20 jours tant en 2014 qu'en 2015 et s'est établi à "
                                    "18,91 jours en 2016"),),
        notes="La table demarches n'a pas la date de délivrance : délai déclaré."))
    for code, canal, nom in (("FIABILITE_REPONSES_TEL_TAUX", "TEL", "téléphone"),
                             ("FIABILITE_REPONSES_MEL_TAUX", "MEL", "courriels")):
        add(reported(
            code, f"Fiabilité des réponses aux sollicitations ({nom})",
            f"Part des réponses ({nom}) jugées fiables lors des campagnes de supervision "
            "croisée.", f"FIABILITE_{canal}", PART,
            content="MES_NUM = réponses jugées fiables, MES_DEN = réponses supervisées",
            unit="%", direction="hausse",
            source=(src(S000, 897, 900, "la fiabilité des réponses aux sollicitations, mesurée par "
                                        "des campagnes de supervision croisées, a été plus forte "
                                        "pour les courriels (91 % en 2016) que pour le téléphone "
                                        "(84 % en 2016 après des scores en 2014 et 2015 inférieurs "
                                        "à l'objectif de 80 %)"),)))
    add(reported(
        "ACCUEILS_ACCESSIBLES_TAUX", "Accueils conformes aux normes d'accessibilité",
        "Part des points d'accueil physique des CPAM conformes aux normes d'accessibilité "
        "(établissements recevant du public).", "ACCUEILS_ACCESSIBLES", PART,
        content="MES_NUM = accueils conformes, MES_DEN = accueils", unit="%", direction="hausse",
        source=(src(S000, 1035, 1039, "78 % des assurés avaient été reçus dans un accueil CPAM "
                                      "accessible […] l'objectif de 100 % d'accueils conformes "
                                      "aux normes d'accessibilité"),)))
    for code, cod, label, line_a, line_b in (
            ("BUDGET_FONCTIONNEMENT_MNT", "BUDGET_FONCTIONNEMENT",
             "Autres dépenses de fonctionnement (hors personnel) du FNGA", 2466, 2472),
            ("BUDGET_INVESTISSEMENT_MNT", "BUDGET_INVESTISSEMENT",
             "Dépenses d'investissement du FNGA", 2473, 2480),
            ("FNASS_DOTATION_MNT", "FNASS_DOTATION",
             "Fonds national d'action sanitaire et sociale - dotation paramétrique", 2481, 2489)):
        add(reported(
            code, label, f"{label} exécutées (décaissées) dans la période.", cod, SOMME,
            content="MES_VAL = dépenses exécutées du mois (euros), ligne nationale",
            unit="euros", direction="baisse", national=True,
            source=(src(S000, line_a, line_b, f"{label} : Cible COG / Exécution"),)))
    add(reported(
        "FONCTIONNEMENT_ECONOMIES_EVOLUTION_2013",
        "Économies sur les dépenses de fonctionnement (évolution depuis 2013)",
        "Évolution en %, par rapport à la même période de 2013, des dépenses de fonctionnement "
        "hors personnel (autres comptes de fonctionnement, remises de gestion, informatique de "
        "fonctionnement).", "FONCTIONNEMENT_PERIMETRE_COG", Evolution(of=SOMME, base=2013),
        content="MES_VAL = dépenses du mois (euros), ligne nationale", unit="%",
        direction="baisse", national=True,
        source=(src(S000, 2493, 2495, "L'objectif d'économies sur les dépenses de fonctionnement "
                                      "(hors personnel) était fixé par la COG à 15 %. Il était "
                                      "près d'être atteint dès 2016, avec une baisse de 13 % "
                                      "entre 2013 et 2016"),
                src(S000, 2508, 2510, "L'objectif de -15% est fixé par la COG sur un périmètre "
                                      "plus large"))))
    add(reported(
        "EFFECTIFS_ETP", "Trajectoire d'ETPMA en CDI",
        "Effectifs en CDI en équivalents temps plein moyens annuels (ETPMA).", "EFFECTIFS_ETP",
        STOCK, content="MES_VAL = ETPMA en CDI de l'année, déclarés au dernier mois",
        unit="ETP", direction="baisse",
        source=(src(S000, 2256, 2266, "Trajectoire d'ETPMA en CDI prévue dans la COG et réalisée "
                                      "Cible COG 68 724 67 788 66 615 65 396 64 806"),
                src(S000, 2278, 2282, "une nouvelle cible de 64 806 ETP, soit un effort net de "
                                      "5080 ETPMA sur 2014-2017"),)))
