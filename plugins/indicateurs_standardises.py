"""Standardised indicators: spending and recourse per beneficiary, direct standardisation on
age × sex, × ALD status when the inputs give it, against a declared reference population
(issue 12, issue 21 § 2; seed 001 §187, recommendation 9).

Each value is the standardised rate; the crude rate sits beside it in ``details`` (``brut``),
with the reference population named (``population_reference``).
"""
from cogind import Indicator, hookimpl, where
from cogind import Standardised
from cogind_plugins.seeds import S001, src

GENERALISTES = (1, 22, 23)  # IR_SPE_V: médecine générale, spécialistes en MG (DES, ordre)
CONSULTATION = 1111  # IR_NAT_V: consultation au cabinet (C, G)
IJ_NATURES = tuple(range(6111, 6119))
# EXO_MTF (IR_EXO_V) of a beneficiary in ALD: 41/42 liste, 43/44 hors liste, 45/46
# polypathologie, care without / with a link to the ALD (SNDS documentation, « Bénéficiaires
# du dispositif ALD »): the patient's status, whatever the care
ALD_CODES = (41, 42, 43, 44, 45, 46)
ALD = dict(ald="EXO_MTF", ald_values=ALD_CODES, ald_optional=True)
SOURCES = (
    src(S001, 1937, 1939, "A minima les objectifs devraient être standardisés sur quelques "
                          "« grands » critères populationnels (âge, sexe, patients en ALD)"),
    src(S001, 1967, 1968, "Améliorer le pilotage du réseau en déclinant des indicateurs CPG "
                          "standardisés, régionalisés et placés dans une perspective "
                          "pluriannuelle"),
)
NOTES = ("Standardisation directe sur 9 tranches d'âge (0-14, 15-24, …, 85+) × sexe, × ALD "
         "(patient en ALD : EXO_MTF 41 à 46) quand prestations a EXO_MTF et que la table "
         "population donne ALD_TOP, sinon âge × sexe (details.ald dit lequel) ; population de "
         "référence : population nationale de la première année de la table population ; "
         "taux brut dans details. Le dénominateur est la population de la table population "
         "(bénéficiaires-années), pas les consommants. Un patient en ALD exonéré à un autre "
         "titre (EXO_MTF autre) compte hors ALD sur la ligne.")


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(Indicator(
        code="DEPENSE_PAR_BENEFICIAIRE_STD",
        libelle="Dépense de soins par bénéficiaire, standardisée sur l'âge et le sexe",
        definition=("Montant global de la dépense (PRS_PAI_MNT) des soins exécutés dans la "
                    "période, rapporté aux bénéficiaires de la caisse, par an ; taux standardisé "
                    "sur l'âge et le sexe, et l'ALD quand les données la donnent (méthode "
                    "directe)."),
        table="prestations", measure=Standardised(numerator="PRS_PAI_MNT", **ALD),
        unit="€/bénéf.",
        direction="baisse", period_column="EXE_SOI_DTD", source=SOURCES, notes=NOTES))
    registry.add_indicator(Indicator(
        code="RECOURS_GENERALISTE_STD",
        libelle="Consultations de médecine générale pour 1 000 bénéficiaires, standardisé",
        definition=("Nombre de consultations (PRS_NAT_REF 1111) de médecins généralistes "
                    "(IR_SPE_V 1, 22, 23) exécutées dans la période, pour 1 000 bénéficiaires de "
                    "la caisse et par an ; taux standardisé sur l'âge et le sexe, et l'ALD quand "
                    "les données la donnent (méthode directe)."),
        table="prestations", measure=Standardised(scale=1000.0, **ALD), unit="‰ bénéf.",
        direction="hausse", period_column="EXE_SOI_DTD",
        where=where(PRS_NAT_REF=CONSULTATION, PSE_SPE_COD=GENERALISTES),
        source=SOURCES, notes=NOTES))
    registry.add_indicator(Indicator(
        code="DEPENSE_IJ_PAR_BENEFICIAIRE_STD",
        libelle="Dépense d'indemnités journalières par bénéficiaire, standardisée",
        definition=("Montant des indemnités journalières (PRS_NAT_REF 6111 à 6118) des arrêts "
                    "de la période, rapporté aux bénéficiaires de la caisse, par an ; taux "
                    "standardisé sur l'âge et le sexe, et l'ALD quand les données la donnent "
                    "(méthode directe)."),
        table="prestations", measure=Standardised(numerator="PRS_PAI_MNT", **ALD),
        unit="€/bénéf.", direction="baisse", period_column="EXE_SOI_DTD",
        where=where(PRS_NAT_REF=IJ_NATURES), source=SOURCES,
        notes=NOTES + " Les IJ concernent les assurés en âge de travailler : la "
                      "standardisation neutralise la part des 15-64 ans de chaque caisse."))
