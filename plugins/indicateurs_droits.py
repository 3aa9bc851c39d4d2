"""Indicators of access to rights: C2S / CMUC-ACS instruction delays (``dossiers`` table)."""
from cogind import Indicator, hookimpl, where
from cogind import Delay
from cogind_plugins.seeds import S000, S002, S004, src


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(Indicator(
        code="C2S_DELAI_D9",
        libelle="Délai d'instruction des demandes C2S (9e décile)",
        definition=("9e décile du délai entre la réception de la demande complète de "
                    "complémentaire santé solidaire (C2S, C2S participative, ou ex-CMUC / ACS) et "
                    "la décision, sur les demandes décidées dans la période."),
        table="dossiers",
        measure=Delay(start="DOS_REC_DTD", end="DOS_DEC_DTD", statistic="quantile",
                      quantile=0.9, max_delay=730),
        unit="jours", direction="baisse", period_column="DOS_DEC_DTD",
        where=where(DOS_TYP_COD=("C2S", "C2SP", "CMUC", "ACS")),
        source=(src(S002, 9420, None, "Délai d'instruction des demandes C2S (9e décile) 23 22 20 "
                                      "19 18"),
                src(S004, 993, None, "Délai de traitement des demandes de CMUC/ACS (9ème décile)"),
                src(S000, 921, 925, "délai d'instruction CMUC / ACS (délai au 9e décile et délai "
                                    "moyen)")),
        notes=("La C2S a remplacé la CMUC et l'ACS fin 2019 : un seul indicateur couvre les quatre "
               "natures de dossier. Une demande sans décision n'a pas de période et n'est pas "
               "comptée (motif date_periode_manquante).")))
    registry.add_indicator(Indicator(
        code="C2S_DELAI_MOYEN",
        libelle="Délai moyen d'instruction des demandes de CMUC / ACS (C2S)",
        definition=("Moyenne du délai entre la réception de la demande complète de CMU-C ou "
                    "d'ACS (depuis fin 2019 : C2S, C2S participative) et la décision, sur les "
                    "demandes décidées dans la période."),
        table="dossiers", measure=Delay(start="DOS_REC_DTD", end="DOS_DEC_DTD"),
        unit="jours", direction="baisse", period_column="DOS_DEC_DTD",
        where=where(DOS_TYP_COD=("C2S", "C2SP", "CMUC", "ACS")),
        source=(src(S000, 921, 925, "délai d'instruction CMUC / ACS (délai au 9e décile et délai "
                                    "moyen)"),),
        notes=("Le délai moyen que le dispositif d'alerte suit à côté du 9e décile "
               "(C2S_DELAI_D9), sur les mêmes demandes ; l'IGAS n'en cite pas la cible. Une "
               "demande sans décision n'a pas de période et n'est pas comptée (motif "
               "date_periode_manquante).")))
