"""Spending control: Ondam, annual risk-management plan, long sick leaves, heavy prescribers
(``ij`` table and reported measurements, ``mesures`` table)."""
import numpy as np
from numba import njit

from cogind import Indicator, hookimpl, where
from cogind import Evolution, KernelMeasure
from cogind.kernels import NULL
from cogind import Input, Kernel
from cogind_plugins.mesures import TAUX, reported
from cogind_plugins.seeds import S002, src

DIX_HUIT_MOIS = 548  # days: 18 × 365,25 / 12 = 547,9


@njit(cache=True, nogil=True)
def _update_ij_longs(state, group, debut, paiement, nombre):
    """State [paiements comptés, IJ des arrêts > 18 mois, début ou paiement manquant,
    nombre d'IJ manquant, nombre d'IJ négatif]."""
    for i in range(group.shape[0]):
        g = group[i]
        if g < 0:
            continue
        if debut[i] == NULL or paiement[i] == NULL:
            state[g, 2] += 1
        elif nombre[i] == NULL:
            state[g, 3] += 1
        elif nombre[i] < 0:
            state[g, 4] += 1
        else:
            state[g, 0] += 1
            if paiement[i] - debut[i] >= DIX_HUIT_MOIS:
                state[g, 1] += nombre[i]


def _finalise_ij_longs(rows):
    n = rows[:, 0]
    value = np.where(n > 0, rows[:, 1].astype(float), np.nan)
    return value, rows[:, 1], np.full(len(rows), np.nan), n


IJ_LONGS = KernelMeasure(
    Kernel("ij_arrets_longs",
           (Input("ARR_DEB_DTD", "days"), Input("IJ_PAI_DTD", "days"), Input("IJ_NBR", "int")),
           5, _update_ij_longs, ("debut_manquant", "valeur_manquante", "valeur_negative")),
    _finalise_ij_longs,
    text=(f"Valeur : Σ IJ_NBR des paiements d'IJ dont la date de paiement IJ_PAI_DTD est au "
          f"moins {DIX_HUIT_MOIS} jours (18 mois) après le début de l'arrêt ARR_DEB_DTD. Exclus : "
          "début ou paiement manquant (debut_manquant), IJ_NBR manquant (valeur_manquante), "
          "IJ_NBR négatif (valeur_negative)."))


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
        "réseau parmi les actions prévues.", "GDR_ACTIONS", TAUX,
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
                    "des arrêts de travail de plus de 18 mois (table ij, IJ_RIS_COD = MAL : "
                    "Σ IJ_NBR des paiements intervenus au moins 18 mois après le début de "
                    "l'arrêt, mois de IJ_PAI_DTD)."),
        table="ij", measure=Evolution(of=IJ_LONGS, base="annee_precedente"), unit="%",
        direction="baisse", period_column="IJ_PAI_DTD", where=where(IJ_RIS_COD="MAL"),
        source=(src(S002, 9518, 9519, "Évolution du nombre d'IJ moyens pour les arrêts "
                                      "supérieurs à 18 mois -2% -2% -2% -2% -2%"),
                src(S002, 4750, 4760, "En ce qui concerne les arrêts de travail […] la gestion "
                                      "du risque sera intensifiée")),
        notes=("Cible identique chaque année : évolution annuelle (base : année précédente). "
               "« Nombre d'IJ moyens » est lu comme le volume d'IJ payées (le nombre moyen "
               "mensuel évolue comme le total sur les mêmes mois). Un paiement qui chevauche le "
               "18e mois compte entier ; l'ancienneté est mesurée à la date de paiement.")))
    registry.add_indicator(reported(
        "GROS_PRESCRIPTEURS_IJ_TAUX",
        "Part des médecins gros prescripteurs d'IJ ayant fait l'objet d'une action de "
        "l'Assurance Maladie",
        "Part des médecins repérés comme gros prescripteurs d'indemnités journalières ayant "
        "fait l'objet d'une action de l'Assurance Maladie (entretien, mise sous objectif ou "
        "sous accord préalable).", "GROS_PRESCRIPTEURS_IJ", TAUX,
        content=("MES_NUM = médecins gros prescripteurs ciblés ayant fait l'objet d'une action, "
                 "MES_DEN = médecins gros prescripteurs ciblés (campagne de l'année, cumul à la "
                 "fin du mois)"),
        unit="%", direction="hausse",
        source=(src(S002, 9536, 9537, "Part des médecins gros prescripteurs d'IJ ayant fait "
                                      "l'objet d'une action de l'AM 75% 85% 100% 100% 100%"),
                src(S002, 4758, None, "gros prescripteurs"))))
