"""The caisse's contrat pluriannuel de gestion (CPG): built-in and own indicators, local targets."""
from cogind import Cog, CogIndicator, Target, hookimpl

CODE = "CPG-01C751-2023-2026"
YEARS = (2023, 2024, 2025, 2026)


def _yearly(make, *values):
    """``{year: make(value)}`` from the first COG year on: ``_yearly(Target.at_least, 50, 55)``."""
    return {y: make(v) for y, v in zip(YEARS, values)}


INDICATORS = (
    # a built-in indicator, with targets ahead of the national COG 2023-2027 (28, 26, 24, 22 j)
    CogIndicator("IJ_MAL_DELAI_MOYEN", _yearly(Target.level, 26, 24, 22, 20), "1",
                 "Délai moyen de paiement de la 1re IJ maladie non subrogée", "axe 1"),
    CogIndicator("CPAM75_IJ_15J_TAUX", _yearly(Target.at_least, 50, 55, 60, 65), "2",
                 fiche="axe 1"),
    CogIndicator("CPAM75_IJ_DELAI_PART_CAISSE",
                 {**_yearly(Target.at_most, 45, 42, 40), 2026: Target.undetermined()}, "3",
                 fiche="axe 1"),
    CogIndicator("APPELS_TAUX_ABOUTIS", _yearly(Target.at_least, 80, 85, 88, 90), "4",
                 "Taux d'appels téléphoniques aboutis", "axe 2"),
)


@hookimpl
def cogind_register_cogs(registry):
    registry.add_cog(Cog(code=CODE, libelle="Contrat pluriannuel de gestion 2023-2026 de la CPAM "
                         "de Paris (01C751)", years=YEARS, indicators=INDICATORS))
