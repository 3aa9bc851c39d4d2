"""Cancer screening participation computed from the claims (COG 2023-2027 n° 30-32, issue 21
§ 1): the computed forms of the reported ones (``DEPISTAGE_*_TAUX``, table ``mesures``), which
take them per caisse where the claims give them (:mod:`cogind.analyses.forms`).

Programmes (arrêté du 29 septembre 2006 modifié; col: arrêté du 30 juillet 2020):
- sein: women 50-74, a mammography every 2 years (24-month window);
- col de l'utérus: women 25-65, a cytology 3 years after two normal ones a year apart (25-29),
  an HPV test 5 years after a negative one (30-65); the window is **36 months for every age**:
  the rate the COG's targets were set on is the three-year coverage (a 5-year window after 30
  would count as covered a woman whose HPV test is 3 to 5 years old, and be another rate).
  Ages 25-64: the population table gives 5-year bands (65-69), so a 65-year-old cannot be
  told from a 69-year-old in the denominator; with yearly bands, declare ``age_max=65``;
- colorectal: men and women 50-74, an immunological test every 2 years (24-month window).

Acts, ``PRS_NAT_REF`` of IR_NAT_V (the natures analysts select in ER_PRS_F):
- sein: 1336 « acte de radiologie mammographie dépistage », 9312 « dépistage du cancer du sein
  (prévention maladie) », 9313 « frais de lecture pour mammographie » (second reading). 1335
  « acte de radiologie mammographie » is left out: it holds diagnostic mammographies too; an
  individual screening billed in CCAM (QEQK004 in ER_CAM_F.CAM_PRS_IDE) needs a CCAM column,
  not read here;
- col: 9318 « analyses dépistage cancer utérus », 9319 « prélèvements dépistage cancer
  utérus »;
- colorectal: 9311 « dépistage du cancer colo-rectal » (the test read by the laboratory), 9434
  « acte de dépistage du cancer colorectal ». 1163 « rémunération dépistage du cancer
  colorectal » is left out: it pays the doctor who hands the kit, not a test done.
"""
from cogind_plugins.seeds import S002, S004, src

from cogind import Indicator, ScreeningParticipation, hookimpl, where

SEIN_ACTES = (1336, 9312, 9313)
COL_ACTES = (9318, 9319)
COLORECTAL_ACTES = (9311, 9434)

PROGRAMMES = (
    # code, libellé, what, window, ages, sexes, acts, sources
    ("DEPISTAGE_SEIN_TAUX_CALCULE", "du cancer du sein", ("une mammographie de dépistage "
     "(PRS_NAT_REF 1336, 9312, 9313)"), 24, (50, 74), (2,), SEIN_ACTES,
     (src(S002, 9502, 9503, "Taux de participation au dépistage organisé et individuel du "
                            "cancer du sein 58,8% 61,6% 64,4% 67,2% 70,0%"),
      src(S004, 717, None, "Dépistage organisé du cancer du sein"))),
    ("DEPISTAGE_COL_TAUX_CALCULE", "du cancer du col de l'utérus", ("un examen de dépistage "
     "(cytologie ou test HPV : PRS_NAT_REF 9318, 9319)"), 36, (25, 64), (2,), COL_ACTES,
     (src(S002, 9505, 9506, "Taux de participation au dépistage organisé du cancer du col de "
                            "l'utérus 58,4% 63,8% 69,2% 74,6% 80,0%"),
      src(S004, 714, None, "Dépistage organisé du cancer du col de l'utérus"))),
    ("DEPISTAGE_COLORECTAL_TAUX_CALCULE", "du cancer colorectal", ("un test immunologique "
     "(PRS_NAT_REF 9311, 9434)"), 24, (50, 74), (1, 2), COLORECTAL_ACTES,
     (src(S002, 9508, 9509, "Taux de participation au dépistage organisé du cancer "
                            "colorectal 37,8% 44,6% 51,4% 58,2% 65,0%"),
      src(S004, 715, None, "Dépistage organisé du cancer colorectal"))),
)


def _indicator(code, cancer, acte, window, ages, sexes, actes, source):
    measure = ScreeningParticipation(window_months=window, age_min=ages[0], age_max=ages[1],
                                     sexes=sexes, reported=code.removesuffix("_CALCULE"))
    who = {(2,): "femmes", (1, 2): "hommes et femmes"}[sexes]
    return Indicator(
        code=code,
        libelle=f"Taux de participation au dépistage {cancer} (calculé des remboursements)",
        definition=(f"Part des {who} de {ages[0]} à {ages[1]} ans (âge à l'acte) ayant eu "
                    f"{acte} remboursé dans les {window} mois finissant la période, chacun "
                    "compté une fois, rapportée à la population cible de la table population "
                    "(année de la fin de la fenêtre) : la forme calculée de "
                    f"{code.removesuffix('_CALCULE')}, qu'elle remplace par caisse où les "
                    "remboursements la donnent."),
        table="prestations", measure=measure, unit="%", direction="hausse",
        period_column="EXE_SOI_DTD",
        where=where(PRS_NAT_REF=actes, BEN_SEX_COD=sexes, BEN_AMA_COD=measure.ages),
        source=source,
        notes=("Calculé quand prestations porte BEN_NIR_PSA et la table population est "
               "donnée. Forme automatique du n° 30-32 : le code déclaré prend, par caisse et "
               "période, ce taux quand il a une valeur, sinon le chiffre déclaré dans mesures "
               "(docs/beneficiaires.md). Demandé sous son propre code, sans cible. Une personne "
               "dépistée deux fois dans la fenêtre compte une fois, dans la caisse de son "
               "dernier acte."))


@hookimpl
def cogind_register_indicators(registry):
    for programme in PROGRAMMES:
        registry.add_indicator(_indicator(*programme))
