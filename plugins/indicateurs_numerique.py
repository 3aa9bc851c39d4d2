"""Online services and digital health (COG 2018-2022 fiches 10 to 12; téléservices the IGAS
quotes for 2014-2017): online share of requests by nature (``demarches``), employer platforms,
DMP, e-prescription, ameli accounts (``mesures``)."""
from cogind import Condition, Indicator, hookimpl, where
from cogind import Proportion
from cogind_plugins.mesures import STOCK, reported
from cogind_plugins.seeds import S000, S004, src

DEMAT = Proportion(Condition("DEM_CAN_COD", ("DEMAT",)))
BOUQUET_ASSURES = src(S004, 1245, None, "Taux d'utilisation d'un bouquet de téléservices "
                                        "assurés : Relevé IJ, Demande de carte Vitale, "
                                        "attestations de droits, déclaration nouveau-né, "
                                        "déclaration trimestrielle sur l'honneur invalidité")
BOUQUET_PS = src(S004, 1246, None, "Taux d'utilisation d'un bouquet de téléservices PS : DMT, "
                                   "certificat médical AT, AAT, PSE")
TELESERVICES_2016 = src(S000, 1228, 1232, "75,4 % des demandes de CEAM ont été faites en ligne "
                                          "(pour une cible 2016 de 70 %), 86,6 % des "
                                          "attestations IJ (cible de 70 %), et 61,3 % des "
                                          "attestations de droit (cible de 56 %)")

# code, DEM_TYP_COD, label, what is requested, sources
DEMARCHES = (
    ("DEMAT_RELEVE_IJ_TAUX", "RIJ", "Taux d'utilisation du téléservice Relevé IJ",
     "relevés (attestations) d'indemnités journalières délivrés", (BOUQUET_ASSURES,
                                                                   TELESERVICES_2016)),
    ("DEMAT_ATTESTATION_DROITS_TAUX", "ATTD", "Taux d'utilisation du téléservice attestations "
     "de droits", "attestations de droits délivrées", (BOUQUET_ASSURES, TELESERVICES_2016)),
    ("DEMAT_DSH_INVALIDITE_TAUX", "DSHI", "Taux d'utilisation du téléservice déclaration "
     "trimestrielle sur l'honneur invalidité", "déclarations trimestrielles de ressources des "
     "pensionnés d'invalidité", (BOUQUET_ASSURES,)),
    ("DEMAT_DECLARATION_MT_TAUX", "DMT", "Taux d'utilisation du téléservice déclaration de "
     "médecin traitant (DMT)", "déclarations de médecin traitant",
     (BOUQUET_PS, src(S000, 1252, 1253, "les cibles 2016 n'étant atteintes ni pour les "
                                        "déclarations de médecin traitant (DMT), ni pour les "
                                        "protocoles de soins électroniques (PSE) et les avis "
                                        "d'arrêt de travail (AAT)"))),
    ("DEMAT_PROTOCOLE_SOINS_TAUX", "PSE", "Taux d'utilisation du protocole de soins "
     "électronique (PSE)", "protocoles de soins (ALD)", (BOUQUET_PS, src(S000, 1252, 1253))),
    ("DEMAT_DAT_EMPLOYEURS_TAUX", "DAT", "Taux d'utilisation d'EDAT par les employeurs",
     "déclarations d'accident du travail des employeurs",
     (src(S004, 1247, None, "Taux d'utilisation d'EDAT par les employeurs 73% 75% 77% 79% "
                            "81%"),)),
    ("DEMAT_CEAM_TAUX", "CEAM", "Part des demandes de carte européenne d'assurance maladie "
     "faites en ligne", "demandes de carte européenne d'assurance maladie (CEAM)",
     (TELESERVICES_2016,)),
    ("DEMAT_DSIJ_TAUX", "DSIJ", "Taux de dématérialisation des déclarations de salaires pour "
     "le paiement des IJ (DSIJ)", "attestations de salaire pour le paiement des IJ",
     (src(S000, 1301, 1303, "L'objectif de dématérialisation des déclarations de salaires pour "
                            "le paiement des indemnités journalières (DSIJ) a été atteint, avec "
                            "un résultat de 80,5 % en 2016 pour une cible de 68,4 %"),)),
)


@hookimpl
def cogind_register_indicators(registry):
    add = registry.add_indicator
    for code, nature, libelle, nom, sources in DEMARCHES:
        add(Indicator(
            code=code, libelle=libelle,
            definition=(f"Part des {nom} dans la période obtenus ou transmis par voie "
                        f"dématérialisée (téléservice) : démarches DEMAT / démarches tous canaux "
                        f"(table demarches, DEM_TYP_COD = {nature}, mois de DEM_REC_DTD)."),
            table="demarches", measure=DEMAT, unit="%", direction="hausse",
            period_column="DEM_REC_DTD", where=where(DEM_TYP_COD=nature), source=sources,
            notes=(f"Nature {nature} de DEM_TYP_COD, au-delà de la liste décrite dans le schéma : "
                   "le générateur et les extractions doivent la produire.")))
    add(reported(
        "PFS_EMPLOYEURS_MULTICANAL_NB", "Nombre de PFS employeurs multicanal",
        "Plateformes de services employeurs fonctionnant en multicanal (téléphone, courriel, "
        "rappel) ouvertes en fin de période.", "PFS_EMPLOYEURS_MULTICANAL", STOCK,
        content="MES_VAL = plateformes ouvertes au dernier jour du mois, ligne nationale",
        unit="nombre", direction="hausse", national=True,
        source=(src(S004, 1175, None, "Nombre de PFS employeurs multicanal 6 9 13"),)))
    add(reported(
        "DMP_OUVERTS_NB", "Nombre de DMP ouverts",
        "Dossiers médicaux partagés (DMP) ouverts, cumulés, en fin de période.", "DMP_OUVERTS",
        STOCK, content="MES_VAL = DMP ouverts au dernier jour du mois (cumul)", unit="nombre",
        direction="hausse",
        source=(src(S004, 1312, None, "Nombre de DMP ouverts 3.5 millions 10 millions 20 "
                                      "millions 30 millions 40 millions"),)))
    add(reported(
        "EPRESCRIPTION_PROFESSIONNELS_NB",
        "Nombre de professionnels ayant recours à la e-prescription en établissement et en ville",
        "Professionnels de santé (en établissement et en ville) ayant émis au moins une "
        "prescription électronique dans le mois ; valeur de la période : dernier mois.",
        "EPRESCRIPTION_PS", STOCK,
        content="MES_VAL = prescripteurs distincts du mois", unit="nombre", direction="hausse",
        source=(src(S004, 1313, None, "Nombre de professionnels ayant recours à la "
                                      "e-prescription en établissement et en ville 5000 10000 "
                                      "20000 30000"),)))
    add(reported(
        "COMPTES_AMELI_NB", "Nombre de comptes assurés ouverts",
        "Comptes assurés (ameli) ouverts, cumulés, en fin de période.", "COMPTES_AMELI", STOCK,
        content="MES_VAL = comptes ouverts au dernier jour du mois (cumul)", unit="nombre",
        direction="hausse",
        source=(src(S000, 1228, 1229, "le nombre de comptes assurés ouverts a fortement "
                                      "progressé, passant de 13,5 millions fin 2013 à 23,5 "
                                      "millions fin 2016 (pour un objectif fin 2016 de 19 "
                                      "millions)"),)))
