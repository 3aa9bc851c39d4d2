"""Dematerialisation and digital health: online requests (``demarches``), App carte Vitale,
DMP and Mon espace santé (``mesures``)."""
import numpy as np
from numba import njit

from cogind import Condition, Indicator, hookimpl, where
from cogind import KernelMeasure, Proportion
from cogind.kernels import NULL
from cogind import Input, Kernel
from cogind_plugins.mesures import PART, STOCK, reported
from cogind_plugins.seeds import S002, S004, src

DEMAT = Proportion(Condition("DEM_CAN_COD", ("DEMAT",)))


GENERALISTES = (1, 22, 23)
"""PSP_SPE_COD of a GP prescriber: the médecine générale codes of IR_SPE_V (1 médecine
générale, 22 and 23 spécialistes en médecine générale)."""


@njit(cache=True, nogil=True)
def _update_ordonnances(state, group, ordonnance, demat, consultation, generaliste):
    """State [ordonnances numériques de généralistes, consultations, canal, nature ou
    spécialité manquant]."""
    for i in range(group.shape[0]):
        g = group[i]
        if g < 0:
            continue
        if ordonnance[i] == NULL or consultation[i] == NULL or (ordonnance[i] == 1 and (
                demat[i] == NULL or generaliste[i] == NULL)):
            state[g, 2] += 1
        elif ordonnance[i] == 1:
            state[g, 0] += demat[i] * generaliste[i]
        else:
            state[g, 1] += consultation[i]


def _finalise_ordonnances(rows):
    num, den = rows[:, 0], rows[:, 1]
    value = np.full(len(rows), np.nan)
    ok = den > 0
    value[ok] = 100.0 * num[ok] / den[ok]
    return value, num, den, den


ORDONNANCES = KernelMeasure(
    Kernel("ordonnances_sur_consultations",
           (Input("DEM_TYP_COD", "flag", ("ORD",)), Input("DEM_CAN_COD", "flag", ("DEMAT",)),
            Input("DEM_TYP_COD", "flag", ("CONS",)),
            Input("PSP_SPE_COD", "flag", GENERALISTES)),
           3, _update_ordonnances, ("valeur_manquante",)),
    _finalise_ordonnances,
    text=("Numérateur : lignes DEM_TYP_COD = ORD avec DEM_CAN_COD = DEMAT et PSP_SPE_COD "
          "dans 1, 22, 23 (ordonnances numériques de médecins généralistes). Dénominateur : "
          "lignes DEM_TYP_COD = CONS (consultations de médecine générale). Valeur : "
          "numérateur / dénominateur × 100 ; n = dénominateur. Exclus : nature, canal ou "
          "spécialité du prescripteur d'une ordonnance manquant (valeur_manquante)."))


def _demat(code, libelle, nature, nom, sources, notes=""):
    return Indicator(
        code=code, libelle=libelle,
        definition=(f"Part des {nom} reçus dans la période qui l'ont été par voie dématérialisée "
                    f"(téléservice) : demandes DEMAT / demandes tous canaux (table demarches, "
                    f"DEM_TYP_COD = {nature}, mois de DEM_REC_DTD)."),
        table="demarches", measure=DEMAT, unit="%", direction="hausse",
        period_column="DEM_REC_DTD", where=where(DEM_TYP_COD=nature), source=sources, notes=notes)


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(Indicator(
        code="ORDONNANCES_NUMERIQUES_TAUX",
        libelle="Taux d'ordonnances numériques (rapportées aux consultations en médecine générale)",
        definition=("Nombre d'ordonnances numériques émises dans la période par des médecins "
                    "généralistes, rapporté au nombre de consultations de médecine générale de "
                    "la période (table demarches : ordonnances DEM_TYP_COD = ORD au canal DEMAT "
                    "dont le prescripteur PSP_SPE_COD est généraliste / consultations "
                    "DEM_TYP_COD = CONS, mois de DEM_REC_DTD)."),
        table="demarches", measure=ORDONNANCES, unit="%", direction="hausse",
        period_column="DEM_REC_DTD", where=where(DEM_TYP_COD=("ORD", "CONS")),
        source=(src(S002, 9449, 9450, "Taux d'ordonnances numériques (rapportées aux "
                                      "consultations en médecine générale) 30% 60% 70% 80% 90%"),
                src(S002, 1508, 1511, "Deux nouveaux services seront progressivement "
                                      "généralisés à tous sur tout le territoire : "
                                      "l'application carte Vitale (AppCV) et l'ordonnance "
                                      "numérique"),
                src(S002, 1528, 1529, "L'ordonnance numérique permettra au médecin de savoir "
                                      "si son ordonnance a été exécutée")),
        notes=("« Rapportées aux consultations en médecine générale » : numérateur et "
               "dénominateur sur le même champ, les médecins généralistes (IR_SPE_V 1, 22, 23) ; "
               "une ordonnance de spécialiste ne compte pas. Le taux ne dépasse 100 % que si "
               "des généralistes émettent plus d'une ordonnance numérique par consultation.")))
    registry.add_indicator(_demat(
        "DEMAT_CARTE_VITALE_TAUX", "Téléservices assurés : taux de demandes de carte Vitale 2 "
        "dématérialisées", "CV", "demandes de carte Vitale",
        (src(S002, 9454, 9455, "Tls assurés :Taux de demandes de carte vitale 2 dématérialisées "
                               "83 % 83% 84% 85% 86%"),
         src(S004, 1245, None, "Taux d'utilisation d'un bouquet de téléservices assurés"))))
    registry.add_indicator(_demat(
        "DEMAT_NOUVEAU_NE_TAUX", "Téléservices assurés : taux de déclarations nouveau-né "
        "dématérialisées", "NN", "déclarations de nouveau-né",
        (src(S002, 9457, 9458, "Tls assurés : Taux de déclarations nouveau-né dématérialisées "
                               "82% 83% 84% 85% 86%"),
         src(S004, 1245, None, "déclaration nouveau-né"))))
    registry.add_indicator(_demat(
        "DEMAT_C2S_TAUX", "Téléservices assurés : taux de demandes C2S dématérialisées", "C2S",
        "demandes de complémentaire santé solidaire",
        (src(S002, 9460, None, "Tls assurés : Taux de demandes C2S dématérialisés 35% 45% 50% "
                               "55% 60%"),)))
    registry.add_indicator(_demat(
        "DEMAT_AAT_TAUX", "Téléservices PS : taux d'avis d'arrêt de travail (AAT) "
        "dématérialisés", "AAT", "avis d'arrêt de travail",
        (src(S002, 9462, None, "Tls PS: Taux d'avis d'arrêt de travail (AAT) dématérialisés "
                               "65% 70% 75% 80% 85%"),
         src(S004, 1246, None, "Taux d'utilisation d'un bouquet de téléservices PS : DMT, "
                               "certificat médical AT, AAT, PSE"))))
    registry.add_indicator(_demat(
        "DEMAT_CMAT_TAUX", "Téléservices PS : taux de certificats médicaux AT/MP "
        "dématérialisés", "CMAT", "certificats médicaux AT/MP",
        (src(S002, 9464, 9465, "Tls PS : Taux de certificats médicaux AT/MP dématérialisés 55% "
                               "60% 65% 70% 75%"),
         src(S004, 1246, None, "Certificat médical ATMP"))))
    registry.add_indicator(reported(
        "APPCV_ACTIVATIONS_NB", "Nombre d'assurés ayant activé l'application carte Vitale",
        "Nombre cumulé d'assurés ayant activé l'application carte Vitale (App CV), en fin de "
        "période.", "APPCV_ACTIVES", STOCK,
        content="MES_VAL = nombre cumulé d'assurés ayant activé l'App CV à la fin du mois",
        unit="nombre", direction="hausse", national=True,
        source=(src(S002, 9452, None, "Nombre d'assurés ayant activé l'App CV 500 000 5 000 000 "
                                      "10 000 000 20 000 000 25 000 000"),
                src(S002, 1510, None, "l'application carte Vitale (AppCV)"))))
    registry.add_indicator(reported(
        "DMP_ALIMENTES_TAUX", "Part des DMP alimentés",
        "Part des dossiers médicaux partagés (DMP) ouverts qui sont alimentés (au moins un "
        "document versé).", "DMP_ALIMENTES", PART,
        content=("MES_NUM = DMP alimentés par au moins un document, MES_DEN = DMP ouverts, en "
                 "fin de mois"),
        unit="%", direction="hausse", national=True,
        source=(src(S002, 9548, None, "Part des DMP alimentés 35% 45% 55% 65% 75%"),),
        notes=("La COG ne dit pas la fenêtre d'alimentation : chaque mois déclare le stock de DMP "
               "alimentés ; l'année est la moyenne des mois pondérée par les DMP ouverts.")))
    registry.add_indicator(reported(
        "MES_ACTIVATION_TAUX", "Nombre de comptes Mon espace santé activés",
        "Part des comptes Mon espace santé ouverts qui ont été activés par leur titulaire (la "
        "COG intitule l'indicateur « nombre » mais fixe ses cibles en pourcentage).",
        "MES_ACTIVES", PART,
        content=("MES_NUM = comptes Mon espace santé activés, MES_DEN = comptes créés, en fin de "
                 "mois"),
        unit="%", direction="hausse", national=True,
        source=(src(S002, 9550, 9551, "Nombre de comptes Mon espace santé activés 20% 30% 40% "
                                      "50% 60%"),),
        notes=("Dénominateur retenu : comptes créés (les textes ne le disent pas ; la population "
               "couverte est l'autre lecture possible).")))
