"""Access to care and care supply (COG 2018-2022 fiches 1 to 3): renunciation, excess fees,
territorial supply. Reported measures (``mesures``) except the share of acts at set fees."""
from cogind import Condition, Indicator, hookimpl, where
from cogind import Evolution, Proportion
from cogind_plugins.indicateurs_gdr import MEDECINS, SECTEUR_2_ET_1DP
from cogind_plugins.mesures import RATIO, SOMME, STOCK, TAUX, reported
from cogind_plugins.seeds import S000, S004, src


@hookimpl
def cogind_register_indicators(registry):
    add = registry.add_indicator
    add(reported(
        "PFIDASS_ACCOMPAGNEMENTS_NB", "Nombre d'accompagnements PFIDASS aboutis",
        "Nombre d'accompagnements d'assurés en renoncement aux soins par la plateforme "
        "d'intervention départementale pour l'accès aux soins et à la santé (PFIDASS) arrivés à "
        "leur terme (soins réalisés) dans la période.", "PFIDASS_ACCOMPAGNEMENTS", SOMME,
        content="MES_VAL = accompagnements aboutis dans le mois", unit="nombre",
        direction="hausse", source=(src(S004, 494, None, "Nombre d'accompagnements PFIDASS "
                                                         "aboutis Résultat 33000 60000"),)))
    add(reported(
        "PDP_ACCOMPAGNES_EVOLUTION",
        "Nombre d'assurés accompagnés au titre de la PDP (évolution annuelle)",
        "Évolution en % du nombre d'assurés accompagnés au titre de la prévention de la "
        "désinsertion professionnelle (PDP) par rapport à la même période de l'année précédente.",
        "PDP_ACCOMPAGNES", Evolution(of=SOMME, base="annee_precedente"),
        content="MES_VAL = assurés dont l'accompagnement PDP a débuté dans le mois",
        unit="%", direction="hausse",
        source=(src(S004, 496, None, "Nombre d'assurés accompagnés au titre de la PDP Résultat "
                                     "+2,5%/2017 +2,5%/2018"),),
        notes="La COG écrit « +2,5%/2017 » en 2018, « /2018 » en 2019… : évolution relative "
              "vers l'année précédente."))
    add(Indicator(
        code="ACTES_TARIFS_OPPOSABLES_PART",
        libelle="Part des actes à tarifs opposables (toutes catégories : CMUC, ACS...)",
        definition=("Part des actes des médecins de secteur 2 et de secteur 1 avec droit "
                    "permanent à dépassement facturés sans dépassement d'honoraires (tarif "
                    "opposable), tous patients confondus (dont bénéficiaires de la CMU-C et de "
                    "l'ACS) : lignes sans dépassement (PRS_DEP_MNT = 0) / lignes, soins exécutés "
                    "dans la période."),
        table="prestations", measure=Proportion(Condition("PRS_DEP_MNT", (0,))), unit="%",
        direction="hausse", period_column="EXE_SOI_DTD",
        where=where(PSE_CNV_COD=SECTEUR_2_ET_1DP, PSE_SPE_COD=MEDECINS),
        source=(src(S004, 572, None, "Part des actes à tarifs opposable (toute catégories : "
                                     "CMUC, ACS...) Résultat 41% 42% 43% 44% 45%"),
                src(S004, 521, None, "réduction du taux global de dépassement d'honoraires")),
        notes=("Le champ (médecins de secteur 2 et 1 DP) est celui de l'indicateur de dépassement "
               "voisin de la même fiche (S004 l. 571) : la COG ne le précise pas. Une ligne de "
               "prestations compte pour un acte.")))
    for code, cod, label, line, quote in (
            ("CONTRATS_CAIM_NB", "CONTRATS_CAIM", "Nombre de contrats démographiques incitatifs "
             "signés (CAIM)", 641, "CAIM (résultat) 546 896 1246 1596 1746"),
            ("CONTRATS_CSTM_NB", "CONTRATS_CSTM", "Nombre de contrats démographiques incitatifs "
             "signés (CSTM)", 642, "CSTM (résultat) 85 150 200 250 300"),
            ("ACI_MSP_CONTRATS_NB", "ACI_MSP_CONTRATS", "Nombre de contrats ACI MSP signés", 643,
             "Nombre de contrats ACI MSP signés Résultat 720 980 1280 1530 1800")):
        add(reported(
            code, label,
            f"{label} : contrats en cours (signés et non échus) en fin de période.", cod, STOCK,
            content="MES_VAL = contrats en cours au dernier jour du mois", unit="nombre",
            direction="hausse", source=(src(S004, line, None, quote),),
            notes="CAIM : contrat d'aide à l'installation des médecins ; CSTM : contrat de "
                  "solidarité territoriale médecin ; ACI MSP : accord conventionnel "
                  "interprofessionnel des maisons de santé pluriprofessionnelles."))
    add(reported(
        "PRADO_CHIRURGIE_DMS", "Durée Moyenne de Séjour pour les adhérents au PRADO chirurgie",
        "Durée moyenne des séjours hospitaliers de chirurgie des patients adhérents au programme "
        "de retour à domicile (PRADO) chirurgie : journées / séjours terminés dans la période.",
        "PRADO_CHIR_SEJOURS", RATIO,
        content="MES_NUM = journées des séjours terminés dans le mois, MES_DEN = séjours",
        unit="jours", direction="baisse",
        source=(src(S004, 644, None, "Durée Moyenne de Séjour pour les adhérents au PRADO "
                                     "chirurgie Résultat 4.75 4.55 4.35 4.15 4"),)))
    add(reported(
        "TELEMEDECINE_ACTES_NB", "Nombre d'actes de Télémedecine",
        "Nombre d'actes de télémédecine (téléconsultations et téléexpertises) remboursés dans "
        "la période.", "TELEMEDECINE_ACTES", SOMME,
        content="MES_VAL = actes du mois", unit="nombre", direction="hausse",
        source=(src(S004, 645, None, "Nombre d'actes de Télémedecine Résultat 500 000 700000 "
                                     "1 000 000 1 400 000"),),
        notes="Compté dans le système de liquidation, non dans la table prestations (les codes "
              "d'actes de télémédecine n'y sont pas distingués)."))
    # COG 2014-2017 as the IGAS quotes it (seed 000)
    for code, cod, nom, target in (("CMUC_BENEFICIAIRES_NB", "CMUC_BENEFICIAIRES", "la CMU-C",
                                    "pour atteindre 5 millions"),
                                   ("ACS_BENEFICIAIRES_NB", "ACS_BENEFICIAIRES", "l'ACS",
                                    "pour atteindre 1,6 millions")):
        add(reported(
            code, f"Nombre de bénéficiaires de {nom}",
            f"Bénéficiaires de {nom} (droits ouverts) en fin de période.", cod, STOCK,
            content="MES_VAL = bénéficiaires au dernier jour du mois", unit="nombre",
            direction="hausse",
            source=(src(S000, 437, 442, f"La COG portait des objectifs ambitieux en matière de "
                                        f"recours à la CMU-C et de l'ACS […] {target} […] Sur la "
                                        "période 2014-2016, les cibles fixées sont atteintes"),)))
    add(reported(
        "ACS_AIDES_ADDITIONNELLES_PART",
        "Part des aides additionnelles à l'ACS dans la dotation paramétrique",
        "Montant des aides financières additionnelles à l'aide complémentaire santé (ACS) "
        "accordées sur l'action sanitaire et sociale, rapporté à la dotation paramétrique du "
        "FNASS.", "ACS_AIDES_ADDITIONNELLES", TAUX,
        content="MES_NUM = aides additionnelles ACS accordées (euros), MES_DEN = dotation "
                "paramétrique (euros)", unit="%", direction="baisse",
        source=(src(S000, 838, 843, "objectif de ne pas dépasser 30 % du montant de la dotation "
                                    "paramétrique pour l'année 2016 et 25 % pour l'année 2017, "
                                    "contre 38 % en 2014"),)))
