"""Management of the branch: portals, HR, energy, purchasing, productivity, costs, real estate
(reported measurements, ``mesures`` table)."""
from cogind import hookimpl
from cogind import Evolution, RatioOfSums, Sum
from cogind_plugins.mesures import PART, RATIO, TAUX, reported

MINORITAIRE = RatioOfSums(numerator="MES_NUM", denominator="MES_DEN", scale=100.0,
                          cases_unit=None, minority=True, share=True)
from cogind_plugins.seeds import S002, S004, src

ETP_AN = ("MES_DEN = ETP du processus dans le mois ÷ 12 (ETP en équivalent année, pour que la "
          "somme des mois d'une année soit l'effectif moyen et la valeur une productivité "
          "annuelle)")


def _portail(code, libelle, mes_cod, public, sources):
    return reported(
        code, libelle,
        f"Part du temps d'ouverture pendant laquelle les portails {public} (compte ameli) ont "
        "été disponibles.", mes_cod, PART,
        content=("MES_NUM = minutes de disponibilité constatées, MES_DEN = minutes d'ouverture "
                 "programmées du mois"),
        unit="%", direction="hausse", national=True, source=sources)


def _productivite(code, processus, mes_cod, sources):
    return reported(
        code, f"Productivité par unité d'œuvre maladie : par processus gestion des {processus}",
        f"Unités d'œuvre du processus « gestion des {processus} » traitées par équivalent temps "
        "plein (ETP) annuel.", mes_cod, RATIO,
        content=f"MES_NUM = unités d'œuvre ({processus}) traitées dans le mois ; " + ETP_AN,
        unit="unités d'œuvre par ETP", direction="hausse", source=sources,
        notes="Les textes ne définissent pas l'unité d'œuvre ni le périmètre des ETP.")


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(_portail(
        "DISPO_PORTAIL_PS_TAUX", "Taux de disponibilité des portails PS", "DISPO_PORTAIL_PS",
        "des professionnels de santé",
        (src(S002, 9585, None, "Taux de disponibilité des portails PS 99,35% 99,39% 99,43% "
                               "99,46% 99,49%"),
         src(S004, 1394, None, "Taux de disponibilité des portails Portail PS"))))
    registry.add_indicator(_portail(
        "DISPO_PORTAIL_ASSURES_TAUX", "Taux de disponibilité des portails assurés",
        "DISPO_PORTAIL_ASSURES", "des assurés",
        (src(S002, 9587, None, "Taux de disponibilité des portails assurés 99,12% 99,17% "
                               "99,22% 99,27% 99,42%"),
         src(S004, 1395, None, "Taux de disponibilité des portails Portail Assurés"))))
    registry.add_indicator(reported(
        "FORMATION_ACCES_TAUX", "Taux d'accès global à la formation",
        "Part des agents ayant suivi au moins une action de formation dans l'année.",
        "FORMATION", PART,
        content=("MES_NUM = agents ayant suivi au moins une formation depuis le début de "
                 "l'année, MES_DEN = effectif (déclarés en décembre pour l'année)"),
        unit="%", direction="hausse",
        source=(src(S002, 9589, None, "Taux d'accès global à la formation 62% 64% 66% 68% 70%"),
                src(S004, 1469, None, "Taux de formation des agents")),
        notes=("Un taux annuel : une ligne par caisse en décembre ; si plusieurs mois sont "
               "déclarés, la valeur est leur moyenne pondérée par l'effectif.")))
    registry.add_indicator(reported(
        "ABSENCE_COURTE_TAUX",
        "Taux annuel d'absence maladie de courte durée inférieure à 8 jours",
        "Jours d'absence pour maladie des arrêts de moins de 8 jours rapportés aux jours "
        "théoriques de travail des agents.", "ABSENCE_COURTE", TAUX,
        content=("MES_NUM = jours d'absence maladie des arrêts de moins de 8 jours, MES_DEN = "
                 "jours théoriques travaillés du mois"),
        unit="%", direction="baisse",
        source=(src(S002, 9591, 9592, "Taux annuel d'absence maladie de courte durée inférieure "
                                      "à 8 jours 1,16% 1,12% 1,08% 1,04% 1%"),
                src(S004, 1468, None, "Taux d'absentéisme pour maladie de courte durée "
                                      "inférieur à 8 jours"))))
    registry.add_indicator(reported(
        "FEMINISATION_DIRECTEURS_TAUX",
        "Taux minimum du genre le moins représenté (taux de féminisation) aux postes de "
        "directeurs",
        "Part du genre le moins représenté parmi les agents de direction occupant un poste "
        "de directeur d'organisme : min(f, 100 − f), f la part des femmes ; la cible est un "
        "taux minimum (2018-2022) ou une fourchette (parité, 2023-2027).", "DIRECTEURS_FEMMES",
        MINORITAIRE,
        content="MES_NUM = directrices en poste, MES_DEN = directeurs en poste, en fin de mois",
        unit="%", direction="hausse", national=True,
        source=(src(S002, 9594, 9595, "Taux minimum du genre le moins représenté (taux de "
                                      "féminisation) aux postes de directeurs 45%-55%"),
                src(S004, 1470, None, "Taux minimum du genre le moins représenté")),
        notes=("« Taux minimum du genre le moins représenté » (004 l.1470, 002 l.9594) : "
               "60 % de directrices se lisent 40 % (les hommes), jamais plus de 50 % ; la "
               "fourchette 45 %-55 % revient à au moins 45 % pour ce genre.")))
    registry.add_indicator(reported(
        "ENERGIE_EVOLUTION", "Taux d'évolution de la consommation d'énergie",
        "Évolution relative (en %) de la consommation d'énergie des bâtiments de la branche par "
        "rapport à la même période de 2021.", "ENERGIE_KWH",
        Evolution(of=Sum(column="MES_VAL"), base=2021),
        content="MES_VAL = consommation d'énergie du mois (kWh, toutes énergies)",
        unit="%", direction="baisse", national=True,
        source=(src(S002, 9597, 9614, "Taux d'évolution de la consommation d'énergie -5% par "
                                      "rapport à 2021 […] -25% vs. 2021"),),
        notes="Base fixe 2021 écrite dans la COG ; consommation brute, non corrigée du climat."))
    registry.add_indicator(reported(
        "ACHATS_MUTUALISATION_TAUX", "Taux de mutualisation des achats",
        "Part du montant des achats passés dans un cadre mutualisé (intra et interbranche) dans "
        "le montant total des achats.", "ACHATS_MUTUALISES", PART,
        content=("MES_NUM = achats mutualisés du mois (euros), MES_DEN = achats totaux du mois "
                 "(euros)"),
        unit="%", direction="hausse", national=True,
        source=(src(S002, 9616, None, "Taux de mutualisation des achats 53% 54% 55% 56% 57%"),
                src(S004, 1565, None, "Taux de mutualisation des achats en intra et "
                                      "interbranche"))))
    registry.add_indicator(_productivite(
        "PRODUCTIVITE_FSE", "FSE", "PRODUCTIVITE_FSE",
        (src(S002, 9618, 9619, "Productivité par unité d’œuvre maladie : par processus gestion "
                               "des FSE 819 967 844 566,51 869 903,51 896 000,61 922 880,63"),)))
    registry.add_indicator(_productivite(
        "PRODUCTIVITE_IJ", "IJ", "PRODUCTIVITE_IJ",
        (src(S002, 9625, 9626, "Productivité par unité d’œuvre maladie : par processus gestion "
                               "des IJ 13 606 14 000,00 14 570,00 15 150,00 15 750,00"),)))
    registry.add_indicator(reported(
        "COUT_BENEF_CONSOMMANT_EVOLUTION",
        "Coût par unité d'œuvre maladie : tout bénéficiaire consommant",
        "Évolution relative (en %), par rapport à la même période de 2022, du coût de gestion "
        "par bénéficiaire consommant (coût de gestion hors investissement / bénéficiaires "
        "consommants).", "COUT_BENEF_CONSOMMANT",
        Evolution(of=RatioOfSums(numerator="MES_NUM", denominator="MES_DEN", scale=1.0),
                  base=2022),
        content=("MES_NUM = coût de gestion hors investissement du mois (euros), MES_DEN = "
                 "bénéficiaires consommants du mois"),
        unit="%", direction="baisse", national=True,
        source=(src(S002, 9628, 9629, "Coût par unité d’œuvre maladie : tout bénéficiaire "
                                      "consommant Diminution annuelle de 0,5% en moyenne sur la "
                                      "période"),
                src(S004, 1569, None, "Coût de gestion hors investissement/ nombre de "
                                      "bénéficiaires consommant")),
        notes=("« Diminution annuelle de 0,5 % en moyenne sur la période » : mesurée en cumul "
               "depuis 2022, la cible de l'année 2022 + k est 100 × (0,995^k − 1) %, soit une "
               "baisse moyenne géométrique de 0,5 % par an depuis le début de la COG ; en 2027 "
               "c'est exactement l'engagement de la période.")))
    registry.add_indicator(reported(
        "SURFACE_PAR_RESIDENT",
        "Ratio de surface utile par résident (en SUB) dans les locaux ayant fait l'objet d'un "
        "projet dans le cadre du PNI",
        "Surface utile brute (SUB, m2) des locaux ayant fait l'objet d'un projet du plan "
        "national immobilier (PNI) rapportée au nombre de résidents de ces locaux.",
        "SURFACE_PNI", RATIO,
        content=("MES_NUM = surface utile brute des locaux PNI (m2), MES_DEN = résidents de ces "
                 "locaux, en fin de mois"),
        unit="m2", direction="baisse",
        source=(src(S002, 9631, 9632, "Ratio de surface utile par résident (en SUB) dans les "
                                      "locaux ayant fait l’objet d’un projet dans le cadre du "
                                      "PNI 14 m2"),
                src(S002, 7148, 7150, "Assurer un suivi du ratio de surface par résident"),
                src(S004, 1566, None, "Ratio de surface utile par agent")),
        notes="Sur plusieurs mois : moyenne pondérée par les résidents."))
