"""Prevention: outreach, prevention appointments, dental care, cancer screening, heart failure
follow-up, Parcours psy (reported measurements, ``mesures`` table)."""
from cogind import hookimpl
from cogind_plugins.mesures import PART, SOMME, reported
from cogind_plugins.seeds import S002, S004, src

FENETRE = ("Les taux de participation se lisent sur la fenêtre de l'examen (2 ans sein et "
           "colorectal, 3 ou 5 ans col) : le système déclarant fournit chaque mois numérateur et "
           "dénominateur de la fenêtre qui finit ce mois ; l'année est la moyenne des mois "
           "pondérée par la population cible.")


def _depistage(code, libelle, mes_cod, cancer, champ, sources):
    return reported(
        code, libelle,
        f"Part de la population cible du dépistage du cancer {cancer} qui a réalisé un examen "
        f"de dépistage ({champ}) dans l'intervalle recommandé.", mes_cod, PART,
        content=(f"MES_NUM = personnes de la population cible dépistées ({champ}), MES_DEN = "
                 "population cible"),
        unit="%", direction="hausse", source=sources, notes=FENETRE)


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(reported(
        "ALLER_VERS_PREVENTION_NB",
        "Nombre d'accompagnements dans le cadre de l'aller-vers de prévention et d'éducation "
        "pour la santé",
        "Nombre d'accompagnements de prévention et d'éducation pour la santé réalisés en "
        "aller-vers : courriers et SMS envoyés, assurés joints au téléphone, assurés vus.",
        "ALLER_VERS_PREVENTION", SOMME,
        content="MES_VAL = courriers et SMS envoyés + assurés joints au téléphone + assurés vus, "
                "dans le mois",
        unit="nombre", direction="hausse",
        source=(src(S002, 9478, 9485, "Nombre d'accompagnements dans le cadre de l'aller-vers de "
                                      "prévention et d'éducation pour la santé (courrier et SMS "
                                      "envoyés / assurés joints au téléphone / vus) 100 000 "
                                      "200 000 300 000 350 000 400 000"),),
        notes="Cible annuelle : l'année est la somme de ses mois."))
    registry.add_indicator(reported(
        "RDV_PREVENTION_NB",
        "Nombre de personnes ayant bénéficié d'un rendez-vous de prévention aux âges clés par "
        "année",
        "Nombre de personnes ayant bénéficié d'un rendez-vous de prévention aux âges clés "
        "(dispositif à partir de 2024).", "RDV_PREVENTION", SOMME,
        content="MES_VAL = personnes ayant eu leur rendez-vous de prévention dans le mois",
        unit="nombre", direction="hausse",
        source=(src(S002, 9496, 9497, "Nombre de personnes ayant bénéficié d'un rendez-vous de "
                                      "prévention aux âges clés par année (à partir de 2024) "
                                      "380 000 530 000 530 000 530 000"),),
        notes=("Un rendez-vous par personne et par âge clé : la somme des mois compte des "
               "personnes distinctes dans l'année.")))
    registry.add_indicator(reported(
        "DENTISTE_RECOURS_TAUX",
        "Taux de recours au chirurgien-dentiste pour les classes d'âge concernées par l'examen "
        "bucco-dentaire (3-24 ans)",
        "Part des enfants et jeunes de 3 à 24 ans (âges de l'examen bucco-dentaire M'T dents) "
        "ayant eu recours à un chirurgien-dentiste dans l'année.", "RECOURS_DENTISTE", PART,
        content=("MES_NUM = personnes de 3 à 24 ans ayant consulté un chirurgien-dentiste dans "
                 "les 12 mois finissant le mois, MES_DEN = population de 3 à 24 ans"),
        unit="%", direction="hausse",
        source=(src(S002, 9499, 9500, "Taux de recours au chirurgien-dentiste pour les classes "
                                      "d'âge concernées par l'examen bucco-dentaire (3-24 ans) "
                                      "51% 52% 53% 54% 55%"),
                src(S004, 718, None, "Taux de recours global aux chirurgiens-dentistes pour les "
                                     "classes d'âge concernées par l'examen bucco-dentaire")),
        notes="Année = moyenne des fenêtres de 12 mois pondérée par la population."))
    registry.add_indicator(_depistage(
        "DEPISTAGE_SEIN_TAUX",
        "Taux de participation au dépistage organisé et individuel du cancer du sein",
        "DEPISTAGE_SEIN", "du sein", "dépistage organisé ou individuel",
        (src(S002, 9502, 9503, "Taux de participation au dépistage organisé et individuel du "
                               "cancer du sein 58,8% 61,6% 64,4% 67,2% 70,0%"),)))
    registry.add_indicator(_depistage(
        "DEPISTAGE_COL_TAUX",
        "Taux de participation au dépistage organisé du cancer du col de l'utérus",
        "DEPISTAGE_COL", "du col de l'utérus", "dépistage organisé",
        (src(S002, 9505, 9506, "Taux de participation au dépistage organisé du cancer du col de "
                               "l'utérus 58,4% 63,8% 69,2% 74,6% 80,0%"),
         src(S004, 714, None, "Dépistage organisé du cancer du col de l'utérus"))))
    registry.add_indicator(_depistage(
        "DEPISTAGE_COLORECTAL_TAUX",
        "Taux de participation au dépistage organisé du cancer colorectal",
        "DEPISTAGE_COLORECTAL", "colorectal", "dépistage organisé",
        (src(S002, 9508, 9509, "Taux de participation au dépistage organisé du cancer "
                               "colorectal 37,8% 44,6% 51,4% 58,2% 65,0%"),
         src(S004, 715, None, "Dépistage organisé du cancer colorectal"))))
    registry.add_indicator(reported(
        "IC_SUIVI_TAUX",
        "Part des patients atteints d'insuffisance cardiaque ayant bénéficié d'un suivi "
        "recommandé",
        "Part des patients atteints d'insuffisance cardiaque (IC) ayant bénéficié du suivi "
        "recommandé par le parcours insuffisance cardiaque.", "IC_SUIVI", PART,
        content=("MES_NUM = patients IC ayant eu le suivi recommandé, MES_DEN = patients IC "
                 "(repérés dans le mois ou suivis sur la fenêtre du parcours)"),
        unit="%", direction="hausse",
        source=(src(S002, 9539, 9544, "Part des patients atteints d'IC ayant bénéficié d'un "
                                      "suivi recommandé 30% 32% 34% 36% 38%"),
                src(S002, 5139, None, "Le parcours insuffisance cardiaque"))))
    registry.add_indicator(reported(
        "PARCOURS_PSY_PATIENTS_NB", "Taux de recours au dispositif Parcours psy",
        "Nombre de patients ayant eu recours au dispositif Parcours psy (séances "
        "d'accompagnement psychologique remboursées) : la COG nomme l'indicateur « taux » mais "
        "fixe ses cibles en nombre de patients.", "PARCOURS_PSY_PATIENTS", SOMME,
        content=("MES_VAL = patients ayant eu leur première séance Parcours psy de l'année dans "
                 "le mois"),
        unit="nombre", direction="hausse",
        source=(src(S002, 9546, None, "Taux de recours au dispositif Parcours psy 100 000 160 000 "
                                      "240 000 300 000 400 000"),),
        notes=("Un patient compte une fois par année civile (mois de sa première séance de "
               "l'année), pour que la somme des mois donne des patients distincts.")))
