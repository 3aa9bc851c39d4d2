"""Declaring indicators read from ``mesures``, the generic table of reported measurements.

Not an entry point: a helper of the ``indicateurs_*`` modules. Each indicator reads the rows of
one documented ``MES_COD``; its definition says which, and what MES_NUM, MES_DEN or MES_VAL hold.
"""
from cogind import Indicator, where
from cogind import Evolution, Measure, RatioOfSums, Stock, Sum

TABLE = "mesures"
PERIOD = "MES_MOI_DTD"

# what MES_NUM counts is the reporting system's (patients, minutes, euros…): no gap in cases
TAUX = RatioOfSums(numerator="MES_NUM", denominator="MES_DEN", scale=100.0, cases_unit=None)
# a share: MES_NUM counts a part of MES_DEN's units (a row with MES_NUM > MES_DEN is excluded)
PART = RatioOfSums(numerator="MES_NUM", denominator="MES_DEN", scale=100.0, cases_unit=None,
                   share=True)
RATIO = RatioOfSums(numerator="MES_NUM", denominator="MES_DEN", scale=1.0, cases_unit=None)
SOMME = Sum(column="MES_VAL")
STOCK = Stock(column="MES_VAL")

_READING = {
    "ratio": "valeur de la période = Σ MES_NUM / Σ MES_DEN des mois de la période",
    "somme": "valeur de la période = Σ MES_VAL des mois de la période",
    "stock": "valeur de la période = MES_VAL du dernier mois renseigné (niveau de fin de période)",
}


def _reading(measure: Measure) -> str:
    inner = measure.of if isinstance(measure, Evolution) else measure
    kind = "stock" if isinstance(inner, Stock) else "somme" if isinstance(inner, Sum) else "ratio"
    return _READING[kind]


def reported(code: str, libelle: str, definition: str, mes_cod: str, measure: Measure, *,
             content: str, unit: str, direction: str, source: tuple, national: bool = False,
             notes: str = "") -> Indicator:
    """An indicator computed from the ``mesures`` rows of ``mes_cod``.

    ``content`` says what the reporting system puts in MES_NUM / MES_DEN / MES_VAL;
    ``national``: the measure may be reported for the whole country only (rows without caisse
    count in the national figure), else one row per caisse and month is expected.
    """
    level = ("mesure nationale possible : une ligne sans caisse compte dans le national seul "
             "(ne pas fournir à la fois des lignes par caisse et une ligne nationale)"
             if national else "une ligne par caisse et par mois ; national = toutes les lignes")
    text = (f"{definition} Calculé depuis la table mesures, lignes MES_COD = '{mes_cod}' : "
            f"{content} ; {_reading(measure)}.")
    if getattr(getattr(measure, "of", measure), "share", False):
        text += (" MES_NUM compte une partie des unités de MES_DEN : une ligne où MES_NUM "
                 "dépasse MES_DEN est exclue (numerateur_superieur), jamais une part au-delà "
                 "de 100 %.")
    return Indicator(code=code, libelle=libelle, definition=text, table=TABLE, measure=measure,
                     unit=unit, direction=direction, period_column=PERIOD,
                     where=where(MES_COD=mes_cod), source=source,
                     notes=(f"Mesure déclarée ({level}). " + notes).strip(),
                     caisse_missing="national" if national else "exclure",
                     secret=False)  # n counts reported rows, not individuals
