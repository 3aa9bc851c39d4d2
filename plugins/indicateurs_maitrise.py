"""Spending control: Ondam, annual risk-management plan, long sick leaves, heavy prescribers
(``ij`` table and reported measurements, ``mesures`` table)."""
from cogind import Evolution, Indicator, LongEpisodes, hookimpl, where
from cogind_plugins.mesures import PART, TAUX, reported
from cogind_plugins.seeds import S002, src

DIX_HUIT_MOIS = 548  # days: 18 × 365,25 / 12 = 547,9


# « IJ … pour les arrêts supérieurs à 18 mois »: the IJ of the arrêts lasting beyond 18 months
IJ_LONGS = LongEpisodes(min_days=DIX_HUIT_MOIS)


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(reported(
        "ONDAM_VILLE_RESPECT_TAUX", "(Respect du) taux d'évolution de l'Ondam soins de ville",
        "Dépenses réalisées du sous-objectif soins de ville de l'Ondam rapportées à l'objectif "
        "voté en LFSS : l'objectif est respecté quand le taux est au plus de 100 %.",
        "ONDAM_VILLE", TAUX,
        content=("MES_NUM = dépenses réalisées du sous-objectif soins de ville (euros), MES_DEN = "
                 "objectif voté pour les mêmes mois (euros)"),
        unit="%", direction="baisse", national=True,
        source=(src(S002, 9511, None, "(Respect du) taux d’évolution de l'Ondam soins de ville "
                                      "100% 100% 100% 100% 100%"),),
        notes=("Cible 100 % lue comme un plafond (dépenses ≤ objectif) : respecter le taux "
               "d'évolution voté équivaut à ne pas dépasser le montant qui en résulte.")))
    registry.add_indicator(reported(
        "GDR_PLAN_DEPLOIEMENT_TAUX", "Taux de déploiement des actions du plan annuel GDR",
        "Part des actions du plan annuel de gestion du risque effectivement déployées dans le "
        "réseau parmi les actions prévues.", "GDR_ACTIONS", PART,
        content=("MES_NUM = actions du plan annuel GDR déployées, MES_DEN = actions prévues au "
                 "plan (cumul de l'année à la fin du mois)"),
        unit="%", direction="hausse",
        source=(src(S002, 9513, None, "Taux de déploiement des actions du plan annuel GDR 90%"),
                src(S002, 5077, 5080, "Plan annuel de gestion du risque documentant de façon "
                                      "opérationnelle les économies attendues")),
        notes="Une ligne par caisse, en fin d'année de préférence (cumul de l'année)."))
    registry.add_indicator(reported(
        "GDR_ECONOMIES_ATTEINTE_TAUX",
        "Taux d'atteinte des économies (maîtrise médicalisée et LCF) du plan annuel GDR",
        "Économies réalisées au titre de la maîtrise médicalisée et de la lutte contre la fraude "
        "rapportées aux économies attendues du plan annuel de gestion du risque.",
        "GDR_ECONOMIES", TAUX,
        content=("MES_NUM = économies réalisées du mois (euros), MES_DEN = économies attendues "
                 "du plan pour le mois (euros)"),
        unit="%", direction="hausse",
        source=(src(S002, 9515, 9516, "Taux d’atteinte des économies (maîtrise médicalisée et "
                                      "LCF) du plan annuel GDR 100%"),
                src(S002, 5051, 5081, "plans annuels et pluriannuels ciblés sur des postes de "
                                      "dépense")),
        notes=("Les économies se mesurent contre un tendanciel (voir ECONOMIES_TENDANCIEL_IJ) ; "
               "la COG ne dit pas la méthode : cogind lit les montants déclarés.")))
    registry.add_indicator(Indicator(
        code="IJ_ARRETS_LONGS_EVOLUTION",
        libelle="Évolution du nombre d'IJ moyens pour les arrêts supérieurs à 18 mois",
        definition=("Évolution relative (en %), par rapport à la même période de l'année "
                    "précédente, du nombre d'indemnités journalières maladie payées au titre "
                    "des arrêts de travail de plus de 18 mois (table ij, IJ_RIS_COD = MAL) : "
                    "Σ IJ_NBR des paiements de la période des arrêts (ARR_NUM) qui ont atteint "
                    "18 mois à la fin de la période, mois de IJ_PAI_DTD."),
        table="ij", measure=Evolution(of=IJ_LONGS, base="annee_precedente"), unit="%",
        direction="baisse", period_column="IJ_PAI_DTD", where=where(IJ_RIS_COD="MAL"),
        source=(src(S002, 9518, 9519, "Évolution du nombre d'IJ moyens pour les arrêts "
                                      "supérieurs à 18 mois -2% -2% -2% -2% -2%"),
                src(S002, 4750, 4760, "En ce qui concerne les arrêts de travail […] la gestion "
                                      "du risque sera intensifiée")),
        notes=("Cible identique chaque année : évolution annuelle (base : année précédente). "
               "« Nombre d'IJ moyens » est lu comme le volume d'IJ payées (le nombre moyen "
               "mensuel évolue comme le total sur les mêmes mois). « Arrêts supérieurs à 18 "
               "mois » : l'arrêt dure plus de 18 mois (548 jours), et toutes ses IJ de la "
               "période comptent, celles de ses 18 premiers mois comprises. Un arrêt est long "
               "dès qu'un de ses paiements datés jusqu'à la fin de la période tombe 548 jours "
               "ou plus après son début : jugé avec ce que l'on sait à la fin de la période, "
               "jamais avec des paiements ultérieurs (les deux années comparées le sont avec "
               "le même recul ; un arrêt encore en cours compte s'il a déjà passé 18 mois). "
               "Autre lecture, écartée : les seules IJ payées au-delà du 18e mois de l'arrêt "
               "(la lecture de cogind jusqu'ici), qui laisse hors du chiffre les premiers mois "
               "des arrêts longs que la gestion du risque vise.")))
    registry.add_indicator(reported(
        "GROS_PRESCRIPTEURS_IJ_TAUX",
        "Part des médecins gros prescripteurs d'IJ ayant fait l'objet d'une action de "
        "l'Assurance Maladie",
        "Part des médecins repérés comme gros prescripteurs d'indemnités journalières ayant "
        "fait l'objet d'une action de l'Assurance Maladie (entretien, mise sous objectif ou "
        "sous accord préalable).", "GROS_PRESCRIPTEURS_IJ", PART,
        content=("MES_NUM = médecins gros prescripteurs ciblés ayant fait l'objet d'une action, "
                 "MES_DEN = médecins gros prescripteurs ciblés (campagne de l'année, cumul à la "
                 "fin du mois)"),
        unit="%", direction="hausse",
        source=(src(S002, 9536, 9537, "Part des médecins gros prescripteurs d'IJ ayant fait "
                                      "l'objet d'une action de l'AM 75% 85% 100% 100% 100%"),
                src(S002, 4758, None, "gros prescripteurs"))))
