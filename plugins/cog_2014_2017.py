"""COG 2014-2017 Cnamts: indicators as the IGAS evaluations (seeds 000 and 001) report them.

The seeds hold the evaluations' main reports, not the COG's annexed indicator tables: targets are
those the IGAS quotes; where it quotes none the target is « à déterminer » with the reason.
"""
from cogind import Cog, CogIndicator, Target, hookimpl
from cogind_plugins.seeds import S000, S001, src

YEARS = (2014, 2015, 2016, 2017)
NOT_QUOTED = "cible non citée par l'IGAS"


def _same(target):
    return {y: target for y in YEARS}


INDICATORS = (
    CogIndicator("IJ_MAL_DELAI_MOYEN_TS", _same(Target.level(30, "30 jours")), "",
                 "Délai moyen de règlement de la première IJ non subrogée", "",
                 (src(S000, 885, 889),)),
    CogIndicator("APPELS_TAUX_ABOUTIS", _same(Target.level(90, "90 %")), "",
                 "Taux de décroché", "", (src(S000, 895, 897),)),
    CogIndicator("COURRIELS_48H_TAUX", _same(Target.level(80, "80 %")), "",
                 "Pourcentage de courriels traités en moins de 48h", "", (src(S000, 897),)),
    CogIndicator("FSE_DELAI_D9", _same(Target.undetermined(NOT_QUOTED)), "",
                 "Délai de remboursement des feuilles de soins électroniques", "",
                 (src(S000, 885, 887),)),
    CogIndicator("RECLAMATIONS_10J_TAUX", _same(Target.undetermined(NOT_QUOTED)), "",
                 "Délais de réponse aux réclamations", "", (src(S000, 1577, 1578),)),
    # 49,1 % in 2017, « – 1,5 point par an » before: earlier levels deduced from that path
    CogIndicator("DEPASSEMENT_TAUX",
                 {2014: Target.level(53.6, "53,6 % (déduit : 49,1 % en 2017, −1,5 pt/an)"),
                  2015: Target.level(52.1, "52,1 % (déduit : 49,1 % en 2017, −1,5 pt/an)"),
                  2016: Target.level(50.6, "50,6 % (déduit : 49,1 % en 2017, −1,5 pt/an)"),
                  2017: Target.level(49.1, "49,1 %")}, "", "Taux global de dépassement des "
                 "médecins en secteur 2 (indicateur de suivi)", "fiche 4", (src(S001, 743, 754),)),
    CogIndicator("ECONOMIES_TENDANCIEL_IJ",
                 _same(Target.undetermined("pas un indicateur COG (suivi GDR)")), "",
                 "Économies de maîtrise médicalisée mesurées par écart au tendanciel", "",
                 (src(S001, 770, 772), src(S001, 2032, 2054))),
)


@hookimpl
def cogind_register_cogs(registry):
    registry.add_cog(Cog(code="2014-2017", libelle="COG État–Cnamts 2014-2017", years=YEARS,
                         indicators=INDICATORS, source=(src(S000, 860, 897),)))
