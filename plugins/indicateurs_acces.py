"""Access to care and rights: CPTS, assistants médicaux, médecin traitant, C2S, accompaniment
missions, Ugecam (reported measurements, ``mesures`` table)."""
from cogind import hookimpl
from cogind_plugins.mesures import PART, SOMME, STOCK, TAUX, reported
from cogind_plugins.seeds import S002, S004, src


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(reported(
        "PS_INSTALLES_ACCOMPAGNEMENT_TAUX",
        "Taux d'accompagnement des professionnels de santé nouvellement installés (cible "
        "éligible)",
        "Part des professionnels de santé nouvellement installés et éligibles à "
        "l'accompagnement à l'installation qui ont été accompagnés par leur caisse.",
        "PS_INSTALLES_ACC", PART,
        content=("MES_NUM = PS nouvellement installés éligibles accompagnés, MES_DEN = PS "
                 "nouvellement installés éligibles, installés dans le mois"),
        unit="%", direction="hausse",
        source=(src(S002, 9446, 9447, "Taux d'accompagnement des professionnels de santé "
                                      "nouvellement installés (cible éligible) 75%"),)))
    registry.add_indicator(reported(
        "CPTS_COUVERTURE_TAUX", "% de la population couverte par une CPTS",
        "Part de la population résidant sur le territoire d'une communauté professionnelle "
        "territoriale de santé (CPTS) ayant signé l'accord conventionnel.", "CPTS_POPULATION",
        PART,
        content=("MES_NUM = population couverte par une CPTS, MES_DEN = population totale du "
                 "ressort de la caisse, en fin de mois"),
        unit="%", direction="hausse",
        source=(src(S002, 9467, None, "% de la population couverte par une CPTS 100%"),),
        notes=("Sur plusieurs mois, la valeur est la moyenne des couvertures mensuelles pondérée "
               "par la population.")))
    registry.add_indicator(reported(
        "ASSISTANTS_MEDICAUX_NB", "Nombre d'assistants médicaux",
        "Nombre d'assistants médicaux financés par l'Assurance Maladie (contrats en cours) en "
        "fin de période.", "ASSISTANTS_MEDICAUX", STOCK,
        content="MES_VAL = assistants médicaux en poste (contrats en cours) à la fin du mois",
        unit="nombre", direction="hausse",
        source=(src(S002, 9469, None, "Nombre d'assistants médicaux 6000 10000 >10 000 >10 000 "
                                      ">10 000"),
                src(S002, 2547, None, "Nombre d’assistants médicaux"))))
    registry.add_indicator(reported(
        "ALD_MEDECIN_TRAITANT_TAUX", "Taux de patients en ALD avec médecin traitant",
        "Part des patients en affection de longue durée (ALD) qui ont déclaré un médecin "
        "traitant.", "ALD_MT", PART,
        content=("MES_NUM = patients en ALD ayant un médecin traitant déclaré, MES_DEN = "
                 "patients en ALD, en fin de mois"),
        unit="%", direction="hausse",
        source=(src(S002, 9471, None, "Taux de patient en ALD avec MT 100%"),)))
    registry.add_indicator(reported(
        "C2S_BENEFICIAIRES_NB", "Nombre de bénéficiaires de la C2S",
        "Nombre de personnes couvertes par la complémentaire santé solidaire (C2S, gratuite ou "
        "participative ; avant novembre 2019 : CMU-C et ACS) en fin de période.",
        "C2S_BENEFICIAIRES", STOCK,
        content="MES_VAL = bénéficiaires couverts (assurés et ayants droit) à la fin du mois",
        unit="nombre", direction="hausse",
        source=(src(S002, 9473, None, "Nombre de bénéficiaires C2S 7 272 952 7 312 952 "
                                      "7 352 952 7 392 952 7 432 952"),
                src(S004, 493, None, "Nombre de bénéficiaires de la CMU-c et de l'ACS")),
        notes="Un stock, pas un flux : l'année vaut le niveau de son dernier mois renseigné."))
    registry.add_indicator(reported(
        "MAS_ACCOMPAGNEMENTS_NB",
        "Nombre d'accompagnements dans le cadre des saisines de la mission d'accompagnement "
        "santé",
        "Nombre d'accompagnements réalisés par les missions d'accompagnement santé (MAS) des "
        "CPAM à la suite d'une saisine.", "MAS_ACCOMPAGNEMENTS", SOMME,
        content="MES_VAL = accompagnements MAS engagés dans le mois",
        unit="nombre", direction="hausse",
        source=(src(S002, 9487, 9488, "Nombre d’accompagnements dans le cadre des saisines de la "
                                      "mission d'accompagnement santé 157 000 164 850 173 093 "
                                      "181 747 190 834"),
                src(S002, 9988, None, "MAS : mission d’accompagnement santé des CPAM")),
        notes="Cible annuelle : l'année est la somme de ses mois."))
    registry.add_indicator(reported(
        "UGECAM_MARGE_BRUTE_TAUX", "Taux de marge brute",
        "Taux de marge brute des établissements du Groupe Ugecam : marge brute (excédent brut "
        "d'exploitation) rapportée aux produits d'exploitation.", "UGECAM_MARGE", TAUX,
        content=("MES_NUM = marge brute du mois (euros), MES_DEN = produits d'exploitation du "
                 "mois (euros)"),
        unit="%", direction="hausse", national=True,
        source=(src(S002, 9490, None, "Taux de marge brute 5% 6% 6% 6% 6%"),
                src(S002, 3369, 3370, "deux défis majeurs doivent être relevés : […] garantir "
                                      "durablement l'équilibre économique du groupe"),
                src(S002, 3412, 3413, "Le groupe continuera à consolider sa performance dans "
                                      "trois domaines : l'équilibre économique")),
        notes=("L'annexe 5 ne dit pas de quelle entité est la marge : cogind la rapporte au "
               "Groupe Ugecam, seule activité de production de soins de la branche ; une marge "
               "négative (MES_NUM < 0) est exclue (montant_negatif).")))
