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


# « par canal » (COG 2023-2027 n° 7: e-mail, téléphone, physique; COG 2018-2022 n° 7: email,
# téléphone, internet, papier, physique): one indicator per channel, each judged against the
# row's one target, so the result keeps one row per indicator × caisse × period.
CANAUX = (("MEL", "e-mail", "par e-mail (courriel)"),
          ("TEL", "téléphone", "par téléphone"),
          ("PHY", "accueil physique",
           "à l'accueil physique, avec ou sans rendez-vous"),
          ("INT", "internet", "par internet (compte ameli, formulaires en ligne)"),
          ("PAP", "papier", "par courrier papier"))
CANAL_SOURCES = (
    src(S002, 9434, 9435, "Taux de satisfaction par canal (E-mail, Téléphone et Physique avec "
                          "ou sans rdv) 70% 75% 80% 80% 80%"),
    src(S004, 997, None, "Taux de satisfaction des assurés par canal de contact (email, "
                         "téléphone, internet, papier, physique)"))
COGS_OF_CANAL = {"MEL": "2018-2022 et 2023-2027", "TEL": "2018-2022 et 2023-2027",
                 "PHY": "2018-2022 et 2023-2027", "INT": "2018-2022", "PAP": "2018-2022"}


def _canal(code, name, detail):
    sources = CANAL_SOURCES if code in ("MEL", "TEL", "PHY") else CANAL_SOURCES[1:]
    return Indicator(
        code=f"SATISFACTION_CANAL_{code}_TAUX",
        libelle=f"Taux de satisfaction des assurés par canal : {name}",
        definition=(f"Part des assurés satisfaits ou très satisfaits du contact qu'ils ont eu "
                    f"{detail}, parmi les répondants de l'enquête de ce canal "
                    f"(ENQ_CAN_COD = {code}) : répondants satisfaits / répondants." + CALCUL),
        table="enquetes", measure=SATISFAIT, unit="%", direction="hausse", period_column=PERIOD,
        where=where(ENQ_PUB_COD="ASS", ENQ_CAN_COD=code), source=sources,
        notes=(f"« Taux de satisfaction par canal » avec une cible unique (COG "
               f"{COGS_OF_CANAL[code]}, n° 7) : chaque canal est jugé seul contre cette cible, "
               "un indicateur et un statut par canal ; l'ensemble des canaux, sans cible, est "
               "SATISFACTION_CANAL_TAUX. Taux brut des réponses, non pondéré."))


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
    for code, name, detail in CANAUX:
        registry.add_indicator(_canal(code, name, detail))
    registry.add_indicator(Indicator(
        code="SATISFACTION_CANAL_TAUX",
        libelle="Taux de satisfaction des assurés, toutes enquêtes par canal ensemble",
        definition=("Part des assurés satisfaits ou très satisfaits du contact qu'ils ont eu, "
                    "parmi les répondants de toutes les enquêtes par canal ensemble (e-mail, "
                    "téléphone, accueil physique, internet, papier : ENQ_CAN_COD ≠ GLOBAL) : "
                    "répondants satisfaits / répondants." + CALCUL),
        table="enquetes", measure=SATISFAIT, unit="%", direction="hausse", period_column=PERIOD,
        where=where(ENQ_PUB_COD="ASS", ENQ_CAN_COD=tuple(c for c, _, _ in CANAUX)),
        source=CANAL_SOURCES,
        notes=("Vue d'ensemble, hors COG : « taux de satisfaction par canal » avec une cible "
               "se lit canal par canal (chaque canal face à la cible, un statut par canal), "
               "indicateurs SATISFACTION_CANAL_<canal>_TAUX. Ce taux regroupe les réponses "
               "des cinq canaux (chaque réponse pèse autant) et n'est jugé contre aucune "
               "cible.")))
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
