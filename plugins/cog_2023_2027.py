"""COG 2023-2027 État–Cnam: the result indicators of annex 5 computed by cogind."""
from cogind import Cog, CogIndicator, Target, hookimpl
from cogind_plugins.seeds import S002, src

YEARS = (2023, 2024, 2025, 2026, 2027)


def _levels(*values, unit=""):
    return {y: Target.level(v, f"{v:g}{unit}".replace(".", ",")) for y, v in zip(YEARS, values)}


def _changes(*values, base=2022):
    return {y: Target.change(v, base, f"{v:g} %".replace(".", ",")) for y, v in zip(YEARS, values)}


INDICATORS = (
    CogIndicator("C2S_DELAI_D9", _levels(23, 22, 20, 19, 18), "1",
                 "Délai d'instruction des demandes C2S (9e décile)", "annexe 5",
                 (src(S002, 9420),)),
    CogIndicator("IJ_MAL_DELAI_MOYEN", _levels(28, 26, 24, 22, 20), "2",
                 "Délai de paiement de la 1re IJ maladie non subrogée (délai moyen maladie) TS et TI",
                 "annexe 5", (src(S002, 9422, 9423),)),
    CogIndicator("IJ_ATMP_DELAI_MOYEN", _levels(38, 35, 32, 29, 25), "3",
                 "Délai de paiement de la 1ère IJ AT-MP non subrogée (délai moyen)", "annexe 5",
                 (src(S002, 9425, 9426),)),
    CogIndicator("COURRIELS_48H_TAUX", _levels(81, 82, 83, 84, 85, unit=" %"), "9",
                 "Taux de courriels traités dans les 48 heures en niveaux 1 et 2", "annexe 5",
                 (src(S002, 9439, 9440),)),
    CogIndicator("APPELS_TAUX_ABOUTIS", _levels(75, 75, 85, 90, 90, unit=" %"), "10",
                 "Taux d'appels téléphoniques aboutis", "annexe 5", (src(S002, 9442),)),
    CogIndicator("RECLAMATIONS_10J_TAUX", _levels(97, 97, 97, 97, 97, unit=" %"), "11",
                 "Taux de réclamations traitées dans les délais (10 jrs)", "annexe 5",
                 (src(S002, 9444),)),
    CogIndicator("DEPASSEMENT_TAUX_EVOLUTION", _changes(-3, -5, -7, -8, -8), "24",
                 "Évolution du taux de dépassement des médecins de secteurs 2 et 1 DP", "annexe 5",
                 (src(S002, 9475, 9476),)),
)


@hookimpl
def cogind_register_cogs(registry):
    registry.add_cog(Cog(code="2023-2027", libelle="COG État–Cnam 2023-2027", years=YEARS,
                         indicators=INDICATORS, source=(src(S002, 9413, 9631),)))
