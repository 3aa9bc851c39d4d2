"""Satisfaction and repeat-contact rates from the survey responses (``enquetes`` table)."""
from cogind import Condition, Indicator, hookimpl, where
from cogind import Proportion
from cogind_plugins.seeds import S002, S004, src

SATISFAIT = Proportion(Condition("ENQ_SAT_TOP", (1,)))
PERIOD = "ENQ_REP_DTD"
CALCUL = (" Chaque ligne de la table enquetes est une réponse (ENQ_SAT_TOP = 1 : « satisfait » ou "
          "« très satisfait ») ; la réponse compte dans le mois de ENQ_REP_DTD.")


def _global(code, libelle, public, nom, sources):
    return Indicator(
        code=code, libelle=libelle,
        definition=(f"Part des {nom} répondant à l'enquête de satisfaction globale qui se "
                    "déclarent satisfaits ou très satisfaits : répondants satisfaits / "
                    "répondants." + CALCUL),
        table="enquetes", measure=SATISFAIT, unit="%", direction="hausse", period_column=PERIOD,
        where=where(ENQ_PUB_COD=public, ENQ_CAN_COD="GLOBAL"), source=sources,
        notes=("Les textes ne donnent ni le questionnaire ni le redressement de l'échantillon : "
               "taux brut des réponses, non pondéré."))


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(_global(
        "SATISFACTION_ASSURES_TAUX", "Taux de satisfaction globale des assurés", "ASS", "assurés",
        (src(S002, 9428, None, "Taux de satisfaction globale des assurés 82,50% 84,00% 85,00% "
                               "89,00% 93,00%"),
         src(S004, 996, None, "Taux de satisfaction globale des assurés"))))
    registry.add_indicator(_global(
        "SATISFACTION_PS_TAUX", "Taux de satisfaction globale des professionnels de santé", "PS",
        "professionnels de santé",
        (src(S002, 9430, None, "Taux de satisfaction globale des PS 82,50% 84,00% 85,00% 87,00% "
                               "90,00%"),
         src(S004, 999, None, "Taux de satisfaction globale des professionnels de santé"))))
    registry.add_indicator(_global(
        "SATISFACTION_EMPLOYEURS_TAUX", "Taux de satisfaction globale des employeurs", "EMP",
        "employeurs",
        (src(S002, 9432, None, "Taux de satisfaction globale des employeurs 82,50% 84,00% "
                               "84,00% 84,50% 85,00%"),
         src(S004, 1000, None, "Taux de satisfaction globale des employeurs"))))
    registry.add_indicator(Indicator(
        code="SATISFACTION_CANAL_TAUX",
        libelle="Taux de satisfaction par canal (e-mail, téléphone et physique avec ou sans rdv)",
        definition=("Part des assurés satisfaits ou très satisfaits du contact qu'ils ont eu par "
                    "e-mail, par téléphone ou à l'accueil physique (avec ou sans rendez-vous), "
                    "parmi les répondants des enquêtes par canal : répondants satisfaits / "
                    "répondants, les trois canaux ensemble (ENQ_CAN_COD ∈ {MEL, TEL, PHY})."
                    + CALCUL),
        table="enquetes", measure=SATISFAIT, unit="%", direction="hausse", period_column=PERIOD,
        where=where(ENQ_PUB_COD="ASS", ENQ_CAN_COD=("MEL", "TEL", "PHY")),
        source=(src(S002, 9434, 9435, "Taux de satisfaction par canal (E-mail, Téléphone et "
                                      "Physique avec ou sans rdv) 70% 75% 80% 80% 80%"),
                src(S004, 997, None, "Taux de satisfaction des assurés par canal de contact")),
        notes=("La COG fixe une cible unique pour les trois canaux : cogind calcule le taux sur "
               "l'ensemble des réponses des trois canaux (chaque réponse pèse autant). Le taux "
               "d'un canal seul s'obtient en restreignant ENQ_CAN_COD.")))
    registry.add_indicator(Indicator(
        code="REITERATION_TAUX", libelle="Taux de réitération",
        definition=("Part des assurés répondant aux enquêtes qui déclarent avoir dû recontacter "
                    "l'Assurance Maladie pour la même demande (réitération) : répondants avec "
                    "ENQ_REI_TOP = 1 / répondants ayant répondu à la question." + CALCUL),
        table="enquetes", measure=Proportion(Condition("ENQ_REI_TOP", (1,))), unit="%",
        direction="baisse", period_column=PERIOD, where=where(ENQ_PUB_COD="ASS"),
        source=(src(S002, 9437, None, "Taux de réitération ND 25% 23% 21% 20%"),),
        notes=("Les textes ne définissent pas la réitération : cogind la mesure par la "
               "déclaration des assurés dans les enquêtes, tous canaux ; une réponse sans "
               "ENQ_REI_TOP est exclue (valeur_manquante). La COG 2018-2022 suit une autre "
               "grandeur, la satisfaction des assurés qui ont réitéré "
               "(SATISFACTION_REITERATION_TAUX).")))
    registry.add_indicator(Indicator(
        code="SATISFACTION_REITERATION_TAUX", libelle="Taux de satisfaction sur la réitération",
        definition=("Part des assurés satisfaits ou très satisfaits parmi les répondants aux "
                    "enquêtes qui déclarent avoir dû recontacter l'Assurance Maladie pour la "
                    "même demande (ENQ_REI_TOP = 1), tous canaux : répondants satisfaits / "
                    "répondants ayant réitéré." + CALCUL),
        table="enquetes", measure=SATISFAIT, unit="%", direction="hausse", period_column=PERIOD,
        where=where(ENQ_PUB_COD="ASS", ENQ_REI_TOP=1),
        source=(src(S004, 998, None, "Taux de satisfaction sur la réitération"),),
        notes=("« Taux de satisfaction sur la réitération » (COG 2018-2022, fiche 7, n° 8) est "
               "un taux de satisfaction, qui doit monter : pas le taux de réitération de la COG "
               "2023-2027 (REITERATION_TAUX, qui doit baisser). Les textes ne donnent pas le "
               "questionnaire : satisfaction déclarée des assurés qui ont réitéré.")))
