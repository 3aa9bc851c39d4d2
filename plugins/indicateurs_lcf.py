"""Controls, residual errors, undue payments and frauds (``controles`` table)."""
from cogind import Condition, Indicator, hookimpl, where
from cogind import Count, Evolution, Proportion, RatioOfSums, Sum
from cogind_plugins.seeds import S002, S004, src

PERIOD = "CTL_DTD"
PRESTATIONS = {"PN": "prestations en nature", "PE": "prestations en espèces"}
QUALITE = (" Chaque ligne est un dossier tiré dans l'échantillon du contrôle qualité après "
           "paiement (CTL_TYP_COD = {typ}), rattaché au mois du contrôle (CTL_DTD).")
RECOUVREMENT = RatioOfSums(numerator="IND_REC_MNT", denominator="IND_NOT_MNT")


def _frequence(typ, sources):
    return Indicator(
        code=f"RISQUE_RESIDUEL_FREQ_{typ}",
        libelle=f"Indicateur de risque résiduel en fréquence – {PRESTATIONS[typ].capitalize()}",
        definition=(f"Part des dossiers de {PRESTATIONS[typ]} contrôlés après paiement qui "
                    "comportent au moins une erreur résiduelle : dossiers en erreur (ERR_TOP = 1) "
                    "/ dossiers contrôlés." + QUALITE.format(typ=typ)),
        table="controles", measure=Proportion(Condition("ERR_TOP", (1,))), unit="%",
        direction="baisse", period_column=PERIOD, where=where(CTL_TYP_COD=typ), source=sources,
        notes=("Taux brut de l'échantillon, sans redressement ni intervalle de confiance "
               "publié par la COG (la COG 2018-2022 en donnait un)."))


def _incidence(typ, sources):
    return Indicator(
        code=f"TIF_{typ}_TAUX",
        libelle=(f"Taux d'incidence financière des erreurs résiduelles – "
                 f"{PRESTATIONS[typ].capitalize()}"),
        definition=(f"Montant des erreurs financières résiduelles rapporté au montant des "
                    f"{PRESTATIONS[typ]} contrôlées : Σ ERR_MNT / Σ CTL_MNT × 100."
                    + QUALITE.format(typ=typ)),
        table="controles", measure=RatioOfSums(numerator="ERR_MNT", denominator="CTL_MNT"),
        unit="%", direction="baisse", period_column=PERIOD, where=where(CTL_TYP_COD=typ),
        source=sources,
        notes=("Erreurs en faveur ou en défaveur de l'assuré comptées en valeur absolue dans "
               "ERR_MNT (un montant négatif est exclu : montant_negatif)."))


def _recouvrement(code, libelle, fraude, sources):
    nature = "frauduleux ou fautifs" if fraude else "non frauduleux"
    return Indicator(
        code=code, libelle=libelle,
        definition=(f"Montant recouvré des indus {nature} rapporté au montant de ces indus "
                    "notifiés : Σ IND_REC_MNT / Σ IND_NOT_MNT × 100, sur les indus notifiés dans "
                    f"la période (IND_FRA_TOP = {int(fraude)}, mois de CTL_DTD)."),
        table="controles", measure=RECOUVREMENT, unit="%", direction="hausse",
        period_column=PERIOD, where=where(IND_FRA_TOP=int(fraude)), source=sources,
        notes=("Recouvrement rattaché à la période de notification de l'indu (génération) : "
               "le taux d'une période récente progresse tant que les recouvrements arrivent."))


def _prejudice(code, libelle, column, mot, sources):
    return Indicator(
        code=code, libelle=libelle,
        definition=(f"Somme des préjudices frauduleux et/ou fautifs {mot} détectés par les "
                    f"actions de lutte contre la fraude (CTL_TYP_COD = LCF) : Σ {column}, "
                    "en euros, mois de CTL_DTD."),
        table="controles", measure=Sum(column=column), unit="euros", direction="hausse",
        period_column=PERIOD, where=where(CTL_TYP_COD="LCF"), source=sources,
        notes="Cible annuelle : l'année est la somme de ses mois.")


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(Indicator(
        code="CONTROLES_SM_EVOLUTION",
        libelle="Taux d'évolution du nombre de contrôles par le service médical",
        definition=("Évolution relative (en %) du nombre de contrôles réalisés par le service "
                    "médical (table controles, CTL_TYP_COD = SM, mois de CTL_DTD) par rapport à "
                    "la même période de 2022."),
        table="controles", measure=Evolution(of=Count(), base=2022), unit="%",
        direction="hausse", period_column=PERIOD, where=where(CTL_TYP_COD="SM"),
        source=(src(S002, 9521, 9534, "Taux d'évolution du nombre de contrôle par le SM +5% / "
                                      "base 22 […] +20% / base 25 +25% / base 22"),),
        notes=("Base fixe 2022 pour toutes les années : la cible 2026 est écrite « +20% / base "
               "25 » dans la COG, lue comme une coquille pour « base 22 » (progression +5 points "
               "par an sur la base 2022 : +5, +10, +15, +20, +25 %).")))
    registry.add_indicator(_frequence("PN", (
        src(S002, 9553, 9564, "Indicateur de risque résiduel en fréquence – Prestations en "
                              "nature 10,27% 9,73% 9,19% 8,11% 7,03%"),
        src(S004, 921, None, "Taux de qualité des dossiers en volume après paiement (IQV) : "
                             "IFPN en volume"))))
    registry.add_indicator(_frequence("PE", (
        src(S002, 9566, 9567, "Indicateur de risque résiduel en fréquence – Prestations en "
                              "espèces 9,52% 9,02% 8,52% 8,02% 7,52%"),
        src(S004, 922, None, "IFPE en volume"))))
    registry.add_indicator(_incidence("PN", (
        src(S002, 9569, 9570, "Taux d'incidence financière des erreurs résiduelles – "
                              "Prestations en nature 3,14% 2,97% 2,81% 2,48% 2,15%"),
        src(S004, 919, None, "Taux d'incidences financières des erreurs (TIF) Taux de fiabilité "
                             "PN en montant"))))
    registry.add_indicator(_incidence("PE", (
        src(S002, 9572, 9573, "Taux d'incidence financière des erreurs résiduelles – "
                              "Prestations en espèces 1,94% 1,84% 1,74% 1,64% 1,53%"),
        src(S004, 920, None, "Taux d'incidences financières des erreurs (TIF) Taux de fiabilité "
                             "PE"))))
    registry.add_indicator(_recouvrement(
        "RECOUVREMENT_INDUS_FRAUDE_TAUX", "Taux de recouvrement des indus frauduleux", True,
        (src(S002, 9575, None, "Taux de recouvrement des indus frauduleux 55% 57% 60% 62% 65%"),
         src(S004, 914, None, "Taux de recouvrement des indus frauduleux"))))
    registry.add_indicator(_recouvrement(
        "RECOUVREMENT_INDUS_NON_FRAUDE_TAUX", "Taux de recouvrement des indus non frauduleux",
        False,
        (src(S002, 9577, None, "Taux de recouvrement des indus non frauduleux 96% 96% 97% 97% "
                               "98%"),
         src(S004, 915, None, "Taux de recouvrement des indus non frauduleux"))))
    registry.add_indicator(_prejudice(
        "PREJUDICES_SUBIS_MNT",
        "Montant total des préjudices frauduleux et/ou fautifs constatés ou subis",
        "PRJ_SUB_MNT", "constatés ou subis",
        (src(S002, 9579, 9580, "Montant total des préjudices frauduleux et /ou fautifs "
                               "constatés ou subis 266 000 000 337 500 000 357 500 000 "
                               "375 000 000 390 000 000"),
         src(S004, 912, None, "Montant des préjudices frauduleux et fautifs subis"))))
    registry.add_indicator(_prejudice(
        "PREJUDICES_EVITES_MNT", "Montant total des préjudices frauduleux et/ou fautifs évités",
        "PRJ_EVI_MNT", "évités",
        (src(S002, 9582, 9583, "Montant total des préjudices frauduleux et / ou fautifs évités "
                               "114 000 000 162 500 000 192 500 000 225 000 000 260 000 000"),
         src(S004, 913, None, "Montant des préjudices frauduleux et fautifs évités"))))
