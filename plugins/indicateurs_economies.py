"""Savings versus trend per spending line of the maîtrise médicalisée (``prestations``, with
the optional ``tendanciel`` table of the trends the Cnam sets per poste; issue 21 § 2).

ECONOMIES_TENDANCIEL_IJ (plugin ``indicateurs_gdr``) is the IJ line; here the other lines the
IGAS lists (seed 001 l.1011-1025, Tableau 6) and their total, the indicator COG 2014-2017 names
« économies de maîtrise médicalisée ».
"""
from cogind import Indicator, SavingsVsTrend, hookimpl, where
from cogind_plugins.seeds import S001, src

# Spending lines of the maîtrise médicalisée (Tableau 6) as IR_NAT_V natures of prestations;
# « actes tous prescripteurs » has no nature of its own (a prescriber's acts of every kind):
# not a line here.
POSTES = {
    "PRODUITS_SANTE": ("produits de santé (pharmacie de ville)",
                       (3311, 3312, 3313, 3314, 3315, 3316, 3341)),
    "IJ": ("indemnités journalières", tuple(range(6111, 6119))),
    "TRANSPORTS": ("transports (taxis, ambulances, VSL)",
                   (4210, 4212, 4213, 4214, 4217, 4218, 4220, 4221, 4229)),
    "MASSEURS_KINES": ("actes de masseurs-kinésithérapeutes (AMK, AMS)", (3122, 3125)),
    "BIOLOGIE": ("actes de biologie (B)", (3211,)),
}
CODES = {"PRODUITS_SANTE": "ECONOMIES_TENDANCIEL_PRODUITS_SANTE",
         "TRANSPORTS": "ECONOMIES_TENDANCIEL_TRANSPORTS",
         "MASSEURS_KINES": "ECONOMIES_TENDANCIEL_MASSEURS_KINES",
         "BIOLOGIE": "ECONOMIES_TENDANCIEL_BIOLOGIE"}
TABLEAU_6 = src(S001, 1011, 1025, "Principaux résultats détaillés de la maîtrise médicalisée "
                                  "des dépenses (en M€) : Produits de santé, IJ, Transports, "
                                  "M-Kinés, Biologie, Actes tous prescripteurs")
TENDANCIELS = src(S001, 2032, 2039, "la CNAMTS ventile l'objectif global d'économies qui lui "
                                    "est fixé par postes de dépenses, et détermine pour chacun "
                                    "de ces postes ses propres tendanciels […] déclinés dans le "
                                    "réseau sur une base mensuelle")
NOTES = ("Tendanciel fourni (table tendanciel, POSTE {postes}) préféré quand il couvre chaque "
         "mois de la période de l'unité ; sinon le modèle log-linéaire ajusté sur les deux "
         "années précédentes, paramètres dans details. details.tendanciel dit lequel a servi.")


def _line(poste: str) -> Indicator:
    label, natures = POSTES[poste]
    return Indicator(
        code=CODES[poste], libelle=f"Économies sur les {label} par rapport au tendanciel",
        definition=(f"Écart entre la dépense tendancielle du poste {poste} ({label} : "
                    f"PRS_NAT_REF {', '.join(map(str, natures))}) et la dépense réalisée "
                    "(PRS_PAI_MNT), soins exécutés dans la période."),
        table="prestations", measure=SavingsVsTrend(column="PRS_PAI_MNT", reference=2,
                                                    postes=(poste,)),
        unit="euros", direction="hausse", period_column="EXE_SOI_DTD",
        where=where(PRS_NAT_REF=natures), source=(TABLEAU_6, TENDANCIELS),
        notes=NOTES.format(postes=poste))


def _total() -> Indicator:
    natures = tuple(n for _, ns in POSTES.values() for n in ns)
    return Indicator(
        code="ECONOMIES_TENDANCIEL_MAITRISE",
        libelle="Économies de maîtrise médicalisée par rapport au tendanciel (tous postes)",
        definition=("Écart entre la dépense tendancielle et la dépense réalisée (PRS_PAI_MNT) "
                    "des postes de la maîtrise médicalisée — " + " ; ".join(
                        f"{p} : {label}" for p, (label, _) in POSTES.items())
                    + " —, soins exécutés dans la période."),
        table="prestations", measure=SavingsVsTrend(column="PRS_PAI_MNT", reference=2,
                                                    postes=tuple(POSTES)),
        unit="euros", direction="hausse", period_column="EXE_SOI_DTD",
        where=where(PRS_NAT_REF=natures), source=(TABLEAU_6, TENDANCIELS),
        notes=("Tendanciel fourni : somme des tendanciels des cinq postes (table tendanciel), "
               "comme la Cnam somme ses économies par poste ; sans lui, un modèle ajusté sur "
               "la dépense totale des postes (qui n'est pas la somme des modèles par poste). "
               "« Actes tous prescripteurs » (Tableau 6) n'est pas un poste : ses actes n'ont "
               "pas de nature propre dans prestations. C'est l'indicateur « économies de "
               "maîtrise médicalisée » de la COG 2014-2017 (IGAS), lu jusqu'ici sur les seules "
               "IJ (ECONOMIES_TENDANCIEL_IJ, le poste IJ, reste calculé)."))


@hookimpl
def cogind_register_indicators(registry):
    for poste in CODES:
        registry.add_indicator(_line(poste))
    registry.add_indicator(_total())
