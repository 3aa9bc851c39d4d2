"""Indicators counting distinct beneficiaries from the claims (``prestations.BEN_NIR_PSA``,
issue 21 § 1): the computed form beside the reported one of the ``mesures`` table."""
from cogind_plugins.seeds import S002, S004, src

from cogind import (
    CareUseRate,
    CostPerConsumer,
    DistinctBeneficiaries,
    Indicator,
    hookimpl,
    where,
)

# IR_NAT_V: 9201 EEP « entretien évaluation psychologue », 9202 APS « accompagnement
# psychologique de soutien »: the sessions of the dispositif (Mon soutien psy, ex Parcours psy)
SEANCES_PSY = (9201, 9202)
# IR_NAT_V natures of the chirurgien-dentiste's acts (n° 29): prothèses 100 % santé / RAC modéré
# 1400-1410 and 1412-1420, 1423 SPR prothèse and 1424 TO orthodontie « pratiqués par le
# chirurgien-dentiste », 1431 D, 1432 DC, 1433 SC soins conservateurs, 1434 BDC, 1435 BR2,
# 1436 BR4, 1438 BDX, 1439 BRP prévention bucco-dentaire, 1451 SDE soins dentaires, 1452 PAR,
# 1453 AXI prophylaxie, 1461-1466 CCAM (prothèses, implantologie, TOR orthopédie dento-faciale),
# 1470-1477 (endodontie, parodontologie, inlays, prothèses), 9411-9415 consultation et
# scellements de l'hygiène bucco-dentaire (examen M'T dents). Left out: 1411 (SCM/SPA, CRPCEN),
# 1421-1422 (practised by a physician), 1425-1427 (complements, no act), 1437 (majoration).
ACTES_DENTAIRES = (*range(1400, 1411), *range(1412, 1421), 1423, 1424, *range(1431, 1437),
                   1438, 1439, 1451, 1452, 1453, *range(1461, 1467), *range(1470, 1478),
                   *range(9411, 9416))


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
    registry.add_indicator(Indicator(
        code="DENTISTE_RECOURS_TAUX_CALCULE",
        libelle="Taux de recours au chirurgien-dentiste des 3-24 ans (calculé des remboursements)",
        definition=("Part des bénéficiaires de 3 à 24 ans (âge aux soins) ayant eu au moins un "
                    "acte de chirurgien-dentiste remboursé (natures PRS_NAT_REF de IR_NAT_V : "
                    "soins conservateurs, prothèses, orthodontie, prévention bucco-dentaire, "
                    "actes CCAM dentaires, hygiène bucco-dentaire M'T dents) dans les 12 mois "
                    "finissant le dernier mois de la période, sur la population de 3 à 24 ans "
                    "de la table population : la forme calculée du n° 29 "
                    "(DENTISTE_RECOURS_TAUX), qu'elle remplace par caisse où les remboursements "
                    "la donnent."),
        table="prestations",
        measure=CareUseRate(age_min=3, age_max=24, reported="DENTISTE_RECOURS_TAUX"),
        unit="%", direction="hausse", period_column="EXE_SOI_DTD",
        where=where(PRS_NAT_REF=ACTES_DENTAIRES, BEN_AMA_COD=tuple(range(3, 25)),
                    BEN_SEX_COD=(1, 2)),
        source=(src(S002, 9499, 9500, "Taux de recours au chirurgien-dentiste pour les classes "
                                      "d'âge concernées par l'examen bucco-dentaire (3-24 ans) "
                                      "51% 52% 53% 54% 55%"),),
        notes=("Calculé quand prestations porte BEN_NIR_PSA (sinon non calculable) et que la "
               "table population est donnée. Forme automatique du n° 29 : "
               "DENTISTE_RECOURS_TAUX prend, par caisse et période, ce taux quand il a une "
               "valeur, sinon le taux déclaré dans mesures (docs/beneficiaires.md). Actes : les "
               "natures du chirurgien-dentiste ; une consultation C (1111) de chirurgien-"
               "dentiste ne se distingue que par sa spécialité (19, absente de IR_SPE_V livré) : "
               "non comptée. Année = les 12 mois de l'année civile ; un mois = les 12 mois "
               "finissant ce mois.")))
    registry.add_indicator(Indicator(
        code="COUT_BENEF_CONSOMMANT_EVOLUTION_CALCULE",
        libelle="Coût par bénéficiaire consommant, bénéficiaires comptés dans les "
                "remboursements (évolution depuis 2022)",
        definition=("Évolution relative (en %), par rapport aux mêmes mois de 2022, du coût de "
                    "gestion hors investissement (déclaré dans mesures, COUT_BENEF_CONSOMMANT, "
                    "MES_NUM) par bénéficiaire consommant, les bénéficiaires consommants étant "
                    "comptés dans les remboursements : personnes distinctes (BEN_NIR_PSA) ayant "
                    "au moins une ligne de prestations dans la période : la forme calculée du "
                    "n° 60, dont la forme déclarée (COUT_BENEF_CONSOMMANT_EVOLUTION, MES_DEN "
                    "bénéficiaires consommants déclarés) reste celle de la COG."),
        table="prestations",
        measure=CostPerConsumer(),
        unit="%", direction="baisse", period_column="EXE_SOI_DTD",
        source=(src(S002, 9628, 9629, "Coût par unité d’œuvre maladie : tout bénéficiaire "
                                      "consommant Diminution annuelle de 0,5% en moyenne sur la "
                                      "période"),
                src(S004, 1569, None, "Coût de gestion hors investissement/ nombre de "
                                      "bénéficiaires consommant")),
        notes=("Calculé quand prestations porte BEN_NIR_PSA et que mesures donne le coût "
               "(COUT_BENEF_CONSOMMANT) ; les remboursements doivent couvrir aussi les mois de "
               "2022. Consommant : au moins une ligne de prestations dans la période, quelle "
               "qu'en soit la nature (IJ versées par le flux des prestations comprises). Un "
               "bénéficiaire compte une fois par période, dans la caisse de sa dernière ligne ; "
               "national : tout le coût déclaré (lignes sans caisse comprises) / tous les "
               "bénéficiaires distincts. Pas de forme automatique : le décompte exact de tous les "
               "consommants coûte 32 octets par (mois, bénéficiaire), 1,7 Gio pour 100 M lignes "
               "(docs/beneficiaires.md) ; demandé par son code, sans cible.")))
