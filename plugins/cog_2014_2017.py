"""COG 2014-2017 Cnamts: indicators as the IGAS evaluations (seeds 000 and 001) report them.

The seeds hold the evaluations' main reports, not the COG's annexed indicator tables: numbers
and exact COG labels are unknown, the wording is the IGAS's. Targets are those the IGAS quotes;
where it quotes none the target is « à déterminer » with the reason. Achieved values the IGAS
gives are kept in the target's label (« réalisé … »). ``fiche`` gives the fiche and nature when
the IGAS states them.
"""
from cogind import Cog, CogIndicator, Target, hookimpl
from cogind_plugins.seeds import S000, S001, src

YEARS = (2014, 2015, 2016, 2017)
NOT_QUOTED = "cible non citée par l'IGAS"
SILENT = "non précisée"
ALERTE = NOT_QUOTED + " (indicateur CPG du dispositif d'alerte)"


def _same(target):
    return {y: target for y in YEARS}


def _only(year, target, other=NOT_QUOTED):
    """A target quoted for one year; the others undetermined."""
    return {y: target if y == year else Target.undetermined(other) for y in YEARS}


def _ceilings(values, unit, done=()):
    """« Cible COG » ceilings per year (budget, staff), with the execution where given."""
    out = {}
    for i, (y, v) in enumerate(zip(YEARS, values)):
        label = f"Cible COG {v} {unit}" + (f" (exécution {done[i]})" if i < len(done) else "")
        out[y] = Target.at_most(float(v.replace(" ", "").replace(",", ".")) *
                                (1e6 if unit == "M€" else 1), label)
    return out


def _entry(code, targets, libelle, fiche=SILENT, sources=()):
    return CogIndicator(code, targets, "", libelle, fiche, tuple(sources))


GINI = ("MEDECINS", "INFIRMIERS", "MASSEURS_KINES", "ORTHOPHONISTES", "CHIRURGIENS_DENTISTES",
        "SAGES_FEMMES")
GINI_TARGETS = {**_same(Target.undetermined("cible à l'horizon 2017 seulement")),
                2017: Target.undetermined("valeur cible 2017 non citée (fixée par comparaison "
                                          "avec 2013)")}

INDICATORS = (
    _entry("IJ_MAL_DELAI_MOYEN_TS", _same(Target.level(30, "30 jours")),
           "Délai moyen de règlement de la première IJ non subrogée",
           sources=(src(S000, 885, 889),)),
    _entry("APPELS_TAUX_ABOUTIS", _same(Target.level(90, "90 %")), "Taux de décroché",
           sources=(src(S000, 895, 897),)),
    _entry("COURRIELS_48H_TAUX", _same(Target.level(80, "80 %")),
           "Pourcentage de courriels traités en moins de 48h", sources=(src(S000, 897),)),
    _entry("FSE_DELAI_D9", _same(Target.undetermined(NOT_QUOTED)),
           "Délai de remboursement des feuilles de soins électroniques",
           sources=(src(S000, 885, 887),)),
    # the base services of the comité d'alerte and of the composite (§63, footnote 25), CPG
    # indicators whose targets the IGAS does not quote
    *(_entry(code, _same(Target.undetermined(ALERTE)), libelle,
             sources=(src(S000, 921, 925), src(S000, 982, 983)))
      for code, libelle in (
          ("FSP_ASSURES_DELAI_D9", "Délai de traitement FSP assurés"),
          ("FSP_MEDECINS_DELAI_D9", "Délai de traitement FSP médecins"),
          ("C2S_DELAI_D9", "Délai d'instruction CMUC / ACS (délai au 9e décile)"),
          ("C2S_DELAI_MOYEN", "Délai d'instruction CMUC / ACS (délai moyen)"))),
    _entry("RECLAMATIONS_10J_TAUX", _same(Target.undetermined(
        NOT_QUOTED + " (réalisé : plus de 90 % des dossiers traités en moins de dix jours)")),
        "Délais de réponse aux réclamations", sources=(src(S000, 1577, 1578),)),
    # 49,1 % in 2017 (a level), « – 1,5 point par an » before it: a yearly change in points,
    # judged on its own indicator (DEPASSEMENT_TAUX_ECART_PTS), not levels worked back
    _entry("DEPASSEMENT_TAUX",
           {**_same(Target.undetermined(
               "pas de niveau cité avant 2017 (−1,5 point par an, en points)")),
            2017: Target.level(49.1, "49,1 %")},
           "Taux global de dépassement des médecins en secteur 2 (indicateur de suivi)",
           "fiche 4 (suivi)", (src(S001, 743, 754),)),
    _entry("DEPASSEMENT_TAUX_ECART_PTS",
           {**{y: Target.change(-1.5, y - 1, f"−1,5 point par an (en points, vs {y - 1})")
               for y in YEARS[:-1]},
            2017: Target.undetermined(
               "pas d'écart en points cité pour 2017 (niveau : 49,1 %)")},
           "Taux global de dépassement des médecins en secteur 2 : valeur cible intermédiaire "
           "annuelle (−1,5 point par an)", "fiche 4 (suivi)", (src(S001, 751, 754),)),
    # « maîtrise médicalisée »: every spending line of Tableau 6 (produits de santé, IJ,
    # transports, masseurs-kinés, biologie), not the IJ alone (issue 21 § 2)
    _entry("ECONOMIES_TENDANCIEL_MAITRISE", _same(Target.undetermined(
        "pas un indicateur COG (suivi GDR)")),
        "Économies de maîtrise médicalisée mesurées par écart au tendanciel",
        sources=(src(S001, 770, 772), src(S001, 1011, 1025), src(S001, 2032, 2054))),
    _entry("CARTE_VITALE_DELAI_MOYEN",
           {2014: Target.level(20, "20 jours (réalisé : au-dessus de la cible)"),
            2015: Target.level(20, "20 jours (réalisé : au-dessus de la cible)"),
            2016: Target.level(20, "20 jours (réalisé : 18,91 jours)"),
            2017: Target.level(20, "20 jours")},
           "Délai moyen de délivrance de la carte Vitale", sources=(src(S000, 889, 891),)),
    _entry("FIABILITE_REPONSES_TEL_TAUX",
           {2014: Target.level(80, "80 % (réalisé : inférieur)"),
            2015: Target.level(80, "80 % (réalisé : inférieur)"),
            2016: Target.level(80, "80 % (réalisé : 84 %)"), 2017: Target.level(80, "80 %")},
           "Fiabilité des réponses aux sollicitations téléphoniques",
           sources=(src(S000, 897, 900),)),
    _entry("FIABILITE_REPONSES_MEL_TAUX",
           _only(2016, Target.undetermined(NOT_QUOTED + " (réalisé 2016 : 91 %)")),
           "Fiabilité des réponses aux courriels", sources=(src(S000, 897, 899),)),
    _entry("SATISFACTION_ASSURES_TAUX",
           {2014: Target.undetermined(NOT_QUOTED),
            2015: Target.undetermined(NOT_QUOTED + " (réalisé : 81,2 %)"),
            2016: Target.undetermined(NOT_QUOTED + " (réalisé : 79,7 %, en deçà de la cible)"),
            2017: Target.undetermined(NOT_QUOTED)},
           "Indicateur composite de satisfaction (assurés satisfaits)",
           sources=(src(S000, 1017, 1021), src(S000, 1496, 1499))),
    _entry("COMPTES_AMELI_NB",
           _only(2016, Target.level(19e6, "19 millions fin 2016 (réalisé : 23,5 millions)")),
           "Nombre de comptes assurés ouverts", sources=(src(S000, 1228, 1229),)),
    _entry("DEMAT_CEAM_TAUX", _only(2016, Target.level(70, "70 % (réalisé : 75,4 %)")),
           "Demandes de CEAM faites en ligne", sources=(src(S000, 1229, 1232),)),
    _entry("DEMAT_RELEVE_IJ_TAUX", _only(2016, Target.level(70, "70 % (réalisé : 86,6 %)")),
           "Attestations IJ obtenues en ligne", sources=(src(S000, 1229, 1232),)),
    _entry("DEMAT_ATTESTATION_DROITS_TAUX",
           _only(2016, Target.level(56, "56 % (réalisé : 61,3 %)")),
           "Attestations de droit obtenues en ligne", sources=(src(S000, 1229, 1232),)),
    *(_entry(code, _only(2016, Target.undetermined("cible 2016 non citée (non atteinte)")),
             f"Taux d'utilisation du téléservice {name}", sources=(src(S000, 1250, 1253),))
      for code, name in (("DEMAT_DECLARATION_MT_TAUX", "déclaration de médecin traitant (DMT)"),
                         ("DEMAT_PROTOCOLE_SOINS_TAUX", "protocole de soins électronique (PSE)"),
                         ("DEMAT_AAT_TAUX", "avis d'arrêt de travail (AAT)"))),
    _entry("DEMAT_DSIJ_TAUX", _only(2016, Target.level(68.4, "68,4 % (réalisé : 80,5 %)")),
           "Dématérialisation des déclarations de salaires pour le paiement des IJ (DSIJ)",
           sources=(src(S000, 1301, 1303),)),
    _entry("CES_PRECAIRES_TAUX", _only(2016, Target.level(50, "50 % (réalisé : 58 %)")),
           "Proportion de public précaire fréquentant les centres d'examen de santé",
           sources=(src(S000, 3636, 3637),)),
    _entry("CMUC_BENEFICIAIRES_NB",
           _only(2017, Target.level(5e6, "5 millions"), "cible annuelle non citée (+3,3 % par "
                                                        "an en moyenne ; cibles 2014-2016 "
                                                        "atteintes)"),
           "Nombre de bénéficiaires de la CMU-C", sources=(src(S000, 437, 442),)),
    _entry("ACS_BENEFICIAIRES_NB",
           _only(2017, Target.level(1.6e6, "1,6 millions"), "cible annuelle non citée (+10,5 % "
                                                            "par an en moyenne ; cibles "
                                                            "2014-2016 atteintes)"),
           "Nombre de bénéficiaires de l'ACS", sources=(src(S000, 437, 442),)),
    _entry("ACS_AIDES_ADDITIONNELLES_PART",
           {2014: Target.undetermined("pas d'objectif (réalisé : 38 %)"),
            2015: Target.undetermined("pas d'objectif"),
            2016: Target.at_most(30, "≤ 30 % (réalisé : 24 %)"),
            2017: Target.at_most(25, "≤ 25 %")},
           "Aides additionnelles à l'ACS rapportées à la dotation paramétrique (objectif du "
           "Conseil de la CNAM)", sources=(src(S000, 837, 843),)),
    _entry("ACCUEILS_ACCESSIBLES_TAUX",
           _only(2017, Target.level(100, "100 % fin 2017"),
                 NOT_QUOTED + " (fin 2016 : 78 % des assurés reçus dans un accueil accessible)"),
           "Accueils conformes aux normes d'accessibilité", sources=(src(S000, 1034, 1039),)),
    _entry("BUDGET_FONCTIONNEMENT_MNT",
           _ceilings(("1 099,8", "1 078,5", "1 069,5", "993,4"), "M€",
                     ("1 041,9", "1 011,3", "974,8", "972,9 prév.")),
           "Autres dépenses de fonctionnement", "annexe 1 (budget)", (src(S000, 2461, 2472),)),
    _entry("BUDGET_INVESTISSEMENT_MNT",
           _ceilings(("273,7", "302,3", "296,1", "265,9"), "M€",
                     ("216,8", "221,9", "290,4", "383,6 prév.")),
           "Dépenses d'investissement", "annexe 1 (budget)", (src(S000, 2473, 2480),)),
    _entry("FNASS_DOTATION_MNT",
           _ceilings(("89,3", "84,1", "80,3", "80,3"), "M€", ("85,5", "75,8", "78,0", "82,9 prév.")),
           "FNASS - dotation paramétrique", "annexe 1 (budget)", (src(S000, 2481, 2489),)),
    _entry("FONCTIONNEMENT_ECONOMIES_EVOLUTION_2013",
           _only(2017, Target.change(-15, 2013, "-15 % par rapport à 2013"),
                 "cible annuelle non citée : fixée pour la fin de COG (2016 : -13 % depuis 2013)"),
           "Objectif d'économies sur les dépenses de fonctionnement (hors personnel)",
           sources=(src(S000, 2493, 2495), src(S000, 2508, 2510))),
    _entry("EFFECTIFS_ETP",
           {2014: Target.at_most(68724, "Cible COG 68 724 ETPMA (réalisé 67 748)"),
            2015: Target.at_most(67788, "Cible COG 67 788 ETPMA (réalisé 66 097)"),
            2016: Target.at_most(66615, "Cible COG 66 615 ETPMA (réalisé 65 173)"),
            2017: Target.at_most(64806, "64 806 ETPMA après revoyure (cible initiale 65 396)")},
           "Trajectoire d'ETPMA en CDI", "annexe 1 (budget)",
           (src(S000, 2256, 2266), src(S000, 2278, 2282))),
    _entry("SURFACE_UTILE_PAR_AGENT", _only(2016, Target.level(12, "12 m² (réalisé : 12,1 m²)")),
           "Ratio m² par agent", sources=(src(S000, 2514, 2517),)),
    _entry("ONDAM_RESPECT_TAUX", _same(Target.undetermined("libellé et cible non cités par "
                                                           "l'IGAS")),
           "Indicateur de résultat très général sur l'atteinte de l'ONDAM", "non précisée "
           "(résultat)", (src(S001, 770, 772),)),
    _entry("MAITRISE_MEDICALISEE_ECONOMIES_MNT",
           {2014: Target.level(600e6, "600 M€ (objectif LFSS ; réalisé 460 M€, 77 %)"),
            2015: Target.level(700e6, "700 M€ (objectif LFSS ; réalisé 598 M€, 85 %)"),
            2016: Target.level(700e6, "700 M€ (objectif LFSS ; réalisé 456 M€, 65 %)"),
            2017: Target.level(700e6, "700 M€ (objectif LFSS ; réalisé nd)")},
           "Économies de maîtrise médicalisée (hors indicateurs COG)", "pas un indicateur COG",
           (src(S001, 976, 994), src(S001, 770, 772))),
    *(_entry(f"GINI_REPARTITION_{key}", GINI_TARGETS,
             "Indices de Gini de la distribution des " + key.lower().replace("_", "-"),
             "fiche 4 (résultat)", (src(S001, 745, 749),)) for key in GINI),
    _entry("SOPHIA_ADHERENTS_NB",
           _only(2016, Target.undetermined("cible modifiée en cours de COG, non citée (réalisé "
                                           "fin 2016 : 720 000 adhérents Sophia diabète)"),
                 "cible modifiée en cours de COG, non citée"),
           "Nombre d'adhérents à Sophia", sources=(src(S001, 783, 785), src(S001, 3829, 3830))),
)


# Composite of the base service (seed 000 footnote 25, l. 982-983): first non-subrogated IJ,
# CMUC/ACS instruction, answered calls (« taux de décroché PFS téléphonique »), FSP assurés and
# FSP médecins: the paper claims, not the FSE.
SERVICE_DE_BASE = ("IJ_MAL_DELAI_MOYEN_TS", "C2S_DELAI_D9", "APPELS_TAUX_ABOUTIS",
                   "FSP_ASSURES_DELAI_D9", "FSP_MEDECINS_DELAI_D9")


@hookimpl
def cogind_register_cogs(registry):
    registry.add_cog(Cog(code="2014-2017", libelle="COG État–Cnamts 2014-2017", years=YEARS,
                         indicators=INDICATORS, source=(src(S000, 860, 897),
                                                        src(S001, 722, 785)),
                         service_de_base=SERVICE_DE_BASE))
