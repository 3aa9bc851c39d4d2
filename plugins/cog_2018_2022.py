"""COG 2018-2022 État–Cnam: indicators of the fiches' tables computed by cogind."""
from cogind import Cog, CogIndicator, Target, hookimpl
from cogind_plugins.seeds import S004, src

YEARS = (2018, 2019, 2020, 2021, 2022)


def _levels(*values, unit=""):
    out = {}
    for y, v in zip(YEARS, values):
        out[y] = (Target.undetermined(v) if isinstance(v, str)
                  else Target.level(v, f"{v:g}{unit}".replace(".", ",")))
    return out


INDICATORS = (
    CogIndicator("FSE_DELAI_D9", _levels(7, 7, 7, 7, 7, unit=" j"), "1",
                 "Délai de remboursement des FSE assurés (9ème décile)", "fiche 7",
                 (src(S004, 989, 991),)),
    CogIndicator("IJ_MAL_DELAI_MOYEN_TS", _levels(28, 28, 27, 26, 25, unit=" j"), "2",
                 "Délai de paiement de la première indemnité journalière non subrogée (délai moyen)",
                 "fiche 7", (src(S004, 989, 992),)),
    CogIndicator("C2S_DELAI_D9", _levels(33, 32, 31, 30, 29, unit=" j"), "3",
                 "Délai de traitement des demandes de CMUC/ACS (9ème décile)", "fiche 7",
                 (src(S004, 989, 993),)),
    CogIndicator("APPELS_TAUX_ABOUTIS", _levels(90, 90, 90, 90, 90, unit=" %"), "4",
                 "Taux d'appels téléphoniques aboutis", "fiche 7", (src(S004, 989, 994),)),
    CogIndicator("COURRIELS_48H_TAUX",
                 _levels(80, 80, 80, 80, "non renseignée dans la COG", unit=" %"), "5",
                 "Taux de courriels traités dans le délai de 48h", "fiche 7",
                 (src(S004, 989, 995),)),
    CogIndicator("RECLAMATIONS_10J_TAUX", _levels(82, 83, 84, 85, 85, unit=" %"), "11",
                 "Taux de réclamations traitées dans les délais (10 jours)", "fiche 7",
                 (src(S004, 989, 1001),)),
    CogIndicator("DEPASSEMENT_TAUX", _levels(49.5, 48, 47, 46.5, 46, unit=" %"), "1",
                 "Evolution du taux de dépassement des médecins de secteur 2 et 1 DP", "fiche 2",
                 (src(S004, 567, 571),)),
    CogIndicator("IJ_MAL_DELAI_MOYEN_TI",
                 _levels("COG RSI", "COG RSI", "à déterminer", "à déterminer", "à déterminer"),
                 "2", "Délai de traitement de la première IJ pour les indépendants (à fixer en 2019)",
                 "fiche 16", (src(S004, 1635, 1638),)),
)


@hookimpl
def cogind_register_cogs(registry):
    registry.add_cog(Cog(code="2018-2022", libelle="COG État–Cnam 2018-2022", years=YEARS,
                         indicators=INDICATORS, source=(src(S004, 925, 1001),)))
