"""Indicators counting distinct beneficiaries from the claims (``prestations.BEN_NIR_PSA``,
issue 21 § 1): the computed form beside the reported one of the ``mesures`` table."""
from cogind_plugins.seeds import S002, src

from cogind import DistinctBeneficiaries, Indicator, hookimpl, where

# IR_NAT_V: 9201 EEP « entretien évaluation psychologue », 9202 APS « accompagnement
# psychologique de soutien »: the sessions of the dispositif (Mon soutien psy, ex Parcours psy)
SEANCES_PSY = (9201, 9202)


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(Indicator(
        code="PARCOURS_PSY_PATIENTS_DISTINCTS",
        libelle="Patients du dispositif Parcours psy (calculé des remboursements)",
        definition=("Nombre de patients distincts ayant eu au moins une séance du dispositif "
                    "Parcours psy / Mon soutien psy remboursée (PRS_NAT_REF 9201 entretien "
                    "d'évaluation, 9202 accompagnement psychologique de soutien) dans la "
                    "période, datée par EXE_SOI_DTD : la forme calculée du n° 40 "
                    "(PARCOURS_PSY_PATIENTS_NB), qu'elle remplace par caisse où les "
                    "remboursements la donnent."),
        table="prestations",
        measure=DistinctBeneficiaries(reported="PARCOURS_PSY_PATIENTS_NB"),
        unit="nombre", direction="hausse", period_column="EXE_SOI_DTD",
        where=where(PRS_NAT_REF=SEANCES_PSY),
        source=(src(S002, 9546, None, "Taux de recours au dispositif Parcours psy 100 000 "
                                      "160 000 240 000 300 000 400 000"),),
        notes=("Calculé quand prestations porte BEN_NIR_PSA (sinon non calculable, motif la "
               "colonne). Forme automatique du n° 40 : PARCOURS_PSY_PATIENTS_NB prend, par "
               "caisse et période, ce nombre quand il a une valeur, sinon le chiffre déclaré "
               "dans mesures ; régions et national somment les formes de leurs caisses "
               "(« mixte »), jugés sur les cibles du n° 40 ; details dit la forme de chaque "
               "ligne (docs/beneficiaires.md). Demandé sous son propre code, sans cible. Un "
               "patient compte une fois par période, dans la caisse de sa dernière séance de "
               "la période.")))
