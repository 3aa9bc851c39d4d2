"""Every indicator of the plugins, written row by row in plain Python from its declaration.

Independent reference (STYLE.md §6): nothing here imports cogind, its kernels, engine or
families. Each specification below is copied from the *text* of the declarations
(``plugins/indicateurs_*.py``: table, scope ``where``, measure, period column) and of the
families' docstrings (``src/cogind/families.py``, ``src/cogind/trend.py``); each computation is
a plain loop over the rows, one row at a time, with integer arithmetic wherever the definition
allows it (delays in whole days or hours, amounts in integer cents, exact ranks with
``fractions.Fraction``). numpy is used only for the least squares of the trend
(``numpy.linalg.lstsq`` on a design matrix built here, a different code path from cogind's).

Rules shared by every indicator (the engine's contract, from ``engine.py``'s docstrings):

1. scope: a row is out of scope (silently ignored) when a scope column holds a value outside
   the listed values; when no condition rules it out but one scope column is null, the row is
   counted ``champ_indetermine``;
2. period: the row belongs to the month of its period column; a row in scope with no period
   date cannot be placed in any row of the result and is only counted in the provenance
   (``date_periode_manquante``, see :func:`undated`);
3. caisse: a row with no caisse is excluded from every caisse and from the national figure,
   counted ``caisse_manquante`` in the national row only;
4. then the measure's own exclusions (``debut_manquant``, ``fin_manquante``,
   ``fin_avant_debut``, ``valeur_manquante``, ``montant_manquant``, ``montant_negatif``,
   ``numerateur_manquant``, ``denominateur_manquant``), first applicable reason wins;
5. periods and the national level are sums over months and caisses of the rows retained.

A reference function takes ``tables`` (``{name: list of row dicts}`` or pyarrow tables) and a
period kind (``month``, ``quarter``, ``year``) and returns
``{(caisse or None, period label): (value or None, n, {reason: count})}``; the national row is
keyed by caisse ``None``.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

CAISSE = "ORG_CLE_NUM"

# --------------------------------------------------------------------------- declarations

# IR_SPE_V specialties of physicians: 1-18, 20, 22, 23, 31-35, 37, 38, 41-49, 69, 70-85
MEDECINS = frozenset([*range(1, 19), 20, 22, 23, *range(31, 36), 37, 38, *range(41, 50), 69,
                      *range(70, 86)])
IJ_NATURES = frozenset(range(6111, 6119))


@dataclass(frozen=True)
class Spec:
    """An indicator's declaration, rewritten by hand from the plugin's text."""

    code: str
    table: str
    period_column: str
    scope: dict  # column -> frozenset of allowed values
    kind: str  # delay | proportion | ratio | evolution | savings
    params: dict = field(default_factory=dict)


def _ij(code, risk, regime=None):
    scope = {"SIN_1IJ_IND": frozenset([1]), "IJ_SUB_TOP": frozenset([0]),
             "IJ_RIS_COD": frozenset([risk])}
    if regime:
        scope["ASS_REG_COD"] = frozenset([regime])
    return Spec(code, "ij", "IJ_PAI_DTD", scope, "delay",
                dict(start="ATT_REC_DTD", end="IJ_PAI_DTD", statistic="moyenne", unit="jours",
                     missing_end="exclure", max_delay=730))


DEPASSEMENT_SCOPE = {"PSE_CNV_COD": frozenset([2, 3]), "PSE_SPE_COD": MEDECINS}
RATIO = dict(numerator="PRS_DEP_MNT", denominator="BSE_REM_BSE", scale=100)

SPECS = {s.code: s for s in [
    _ij("IJ_MAL_DELAI_MOYEN", "MAL"),
    _ij("IJ_MAL_DELAI_MOYEN_TS", "MAL", "TS"),
    _ij("IJ_MAL_DELAI_MOYEN_TI", "MAL", "TI"),
    _ij("IJ_ATMP_DELAI_MOYEN", "ATMP"),
    Spec("FSE_DELAI_D9", "prestations", "PRS_PAI_DTD",
         {"FSE_TOP": frozenset([1]), "DRG_ASS_TOP": frozenset([1])}, "delay",
         dict(start="FSE_REC_DTD", end="PRS_PAI_DTD", statistic="quantile", quantile="0.9",
              unit="jours", missing_end="exclure", max_delay=366)),
    Spec("C2S_DELAI_D9", "dossiers", "DOS_DEC_DTD",
         {"DOS_TYP_COD": frozenset(["C2S", "C2SP", "CMUC", "ACS"])}, "delay",
         dict(start="DOS_REC_DTD", end="DOS_DEC_DTD", statistic="quantile", quantile="0.9",
              unit="jours", missing_end="exclure", max_delay=730)),
    Spec("APPELS_TAUX_ABOUTIS", "contacts", "CNT_ARR_DTH", {"CNT_CAN_COD": frozenset(["TEL"])},
         "proportion", dict(column="CNT_ABO_TOP", values=frozenset([1]))),
    Spec("COURRIELS_48H_TAUX", "contacts", "CNT_ARR_DTH",
         {"CNT_CAN_COD": frozenset(["MEL"]), "CNT_NIV_COD": frozenset([1, 2])}, "delay",
         dict(start="CNT_ARR_DTH", end="CNT_TRT_DTH", statistic="part_sous_seuil",
              unit="heures", threshold=48, missing_end="hors_delai", max_delay=24 * 62)),
    Spec("RECLAMATIONS_10J_TAUX", "contacts", "CNT_ARR_DTH", {"CNT_CAN_COD": frozenset(["REC"])},
         "delay", dict(start="CNT_ARR_DTH", end="CNT_TRT_DTH", statistic="part_sous_seuil",
                       unit="jours", threshold=10, missing_end="hors_delai", max_delay=366)),
    Spec("DEPASSEMENT_TAUX", "prestations", "EXE_SOI_DTD", DEPASSEMENT_SCOPE, "ratio", RATIO),
    Spec("DEPASSEMENT_TAUX_EVOLUTION", "prestations", "EXE_SOI_DTD", DEPASSEMENT_SCOPE,
         "evolution", dict(RATIO, base=2022)),
    Spec("ECONOMIES_TENDANCIEL_IJ", "prestations", "EXE_SOI_DTD",
         {"PRS_NAT_REF": IJ_NATURES}, "savings", dict(column="PRS_PAI_MNT", years=2)),
]}


# --------------------------------------------------------------------------- helpers


def rows_of(tables, name: str) -> list[dict]:
    """The rows of table ``name`` as dicts (a pyarrow table is converted with to_pylist)."""
    t = tables.get(name)
    if t is None:
        return []
    if hasattr(t, "to_pylist"):
        return t.to_pylist()
    return list(t)


def day_of(x) -> dt.date:
    """Calendar day of a date or a (naive) datetime."""
    return x.date() if isinstance(x, dt.datetime) else x


def month_of(x) -> tuple[int, int]:
    d = day_of(x)
    return d.year, d.month


def period_label(month: tuple[int, int], kind: str) -> str:
    y, m = month
    if kind == "month":
        return f"{y}-{m:02d}"
    if kind == "quarter":
        return f"{y}-T{(m - 1) // 3 + 1}"
    if kind == "year":
        return f"{y}"
    raise ValueError(kind)


def period_months(label: str) -> list[tuple[int, int]]:
    """The months of a period label (inverse of :func:`period_label`)."""
    if "-T" in label:
        y, q = label.split("-T")
        return [(int(y), 3 * (int(q) - 1) + k) for k in (1, 2, 3)]
    if "-" in label:
        y, m = label.split("-")
        return [(int(y), int(m))]
    return [(int(label), m) for m in range(1, 13)]


def cents(x) -> int:
    """An amount in euros as integer cents: round(x·100)."""
    return int(round(x * 100))


def ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def scope_status(row: dict, scope: dict) -> str:
    """``in``, ``out`` or ``unknown`` (a null scope column and no condition ruling it out)."""
    unknown = False
    for col, allowed in scope.items():
        v = row.get(col)
        if v is None:
            unknown = True
        elif v not in allowed:
            return "out"
    return "unknown" if unknown else "in"


# --------------------------------------------------------------------------- per-row measures


def delay_contribution(row: dict, p: dict):
    """("exclude", reason) or ("keep", delay or None when open and counted late)."""
    start, end = row.get(p["start"]), row.get(p["end"])
    if start is None:
        return "exclude", "debut_manquant"
    if end is None:
        if p["missing_end"] == "hors_delai":
            return "keep", None
        return "exclude", "fin_manquante"
    if p["unit"] == "heures":  # exact duration (to the microsecond), rounded up to the hour
        micro = (end - start) // dt.timedelta(microseconds=1)
        if micro < 0:
            return "exclude", "fin_avant_debut"
        return "keep", ceil_div(micro, 3600 * 10**6)
    days = (day_of(end) - day_of(start)).days
    if days < 0:
        return "exclude", "fin_avant_debut"
    return "keep", days


def proportion_contribution(row: dict, p: dict):
    v = row.get(p["column"])
    if v is None:
        return "exclude", "valeur_manquante"
    return "keep", v in p["values"]


def ratio_contribution(row: dict, p: dict):
    num, den = row.get(p["numerator"]), row.get(p["denominator"])
    if num is None:
        return "exclude", "numerateur_manquant"
    if den is None:
        return "exclude", "denominateur_manquant"
    num, den = cents(num), cents(den)
    if num < 0 or den < 0:
        return "exclude", "montant_negatif"
    return "keep", (num, den)


def sum_contribution(row: dict, p: dict):
    v = row.get(p["column"])
    if v is None:
        return "exclude", "montant_manquant"
    c = cents(v)
    if c < 0:
        return "exclude", "montant_negatif"
    return "keep", c


CONTRIBUTION = {"delay": delay_contribution, "proportion": proportion_contribution,
                "ratio": ratio_contribution, "evolution": ratio_contribution,
                "savings": sum_contribution}


# --------------------------------------------------------------------------- row pass


@dataclass
class Monthly:
    """Retained contributions and exclusions per (caisse, month); national = caisse None."""

    kept: dict = field(default_factory=lambda: defaultdict(list))
    excluded: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    caisses: set = field(default_factory=set)
    undated: int = 0


def monthly(spec: Spec, tables) -> Monthly:
    """One plain loop over the rows of the indicator's table."""
    out = Monthly()
    contribution = CONTRIBUTION[spec.kind]
    for row in rows_of(tables, spec.table):
        caisse = row.get(CAISSE)
        if caisse is not None:
            out.caisses.add(caisse)
        status = scope_status(row, spec.scope)
        if status == "out":
            continue
        when = row.get(spec.period_column)
        if when is None:  # in scope or undecided: either way it has no period
            out.undated += 1
            continue
        month = month_of(when)
        if status == "unknown":
            reason = "champ_indetermine"
        elif caisse is None:
            reason = "caisse_manquante"
        else:
            what, x = contribution(row, spec.params)
            if what == "keep":
                out.kept[(caisse, month)].append(x)
                out.kept[(None, month)].append(x)
                continue
            reason = x
        out.excluded[(caisse, month)][reason] += 1
        if caisse is not None:
            out.excluded[(None, month)][reason] += 1
    return out


def cells(m: Monthly, kind: str) -> dict:
    """{(caisse or None, label): (list of contributions, {reason: count})} over months."""
    out: dict = {}
    keys = set(m.kept) | set(m.excluded)
    months = {month for _, month in keys}
    for month in months:
        label = period_label(month, kind)
        for caisse in [None, *m.caisses]:
            kept, excl = out.setdefault((caisse, label), ([], defaultdict(int)))
            kept.extend(m.kept.get((caisse, month), ()))
            for r, c in m.excluded.get((caisse, month), {}).items():
                excl[r] += c
    return {k: (kept, {r: c for r, c in excl.items() if c}) for k, (kept, excl) in out.items()}


# --------------------------------------------------------------------------- values


def delay_value(delays: list, p: dict):
    n = len(delays)
    if n == 0:
        return None
    stat = p["statistic"]
    if stat == "moyenne":
        return sum(delays) / n
    if stat == "part_sous_seuil":
        within = sum(1 for d in delays if d is not None and d <= p["threshold"])
        return 100.0 * within / n
    # quantile, Hyndman-Fan type 1: k = ceil(q·n), the k-th smallest delay, exact
    q = Fraction(p["quantile"])
    k = math.ceil(q * n)
    d = sorted(delays)[k - 1]
    return None if d > p["max_delay"] else float(d)


def ratio_value(pairs: list, p: dict):
    num = sum(a for a, _ in pairs)
    den = sum(b for _, b in pairs)
    if den <= 0:
        return None
    return p["scale"] * num / den


def simple(spec: Spec, tables, kind: str) -> dict:
    value = {"delay": delay_value, "ratio": ratio_value,
             "proportion": lambda xs, p: 100.0 * sum(xs) / len(xs) if xs else None}[spec.kind]
    return {key: (value(kept, spec.params), len(kept), excl)
            for key, (kept, excl) in cells(monthly(spec, tables), kind).items()}


def evolution(spec: Spec, tables, kind: str) -> dict:
    """(value / value of the same months of the base year − 1) × 100."""
    m = monthly(spec, tables)
    out = {}
    for (caisse, label), (kept, excl) in cells(m, kind).items():
        months = period_months(label)
        shift = months[0][0] - spec.params["base"]
        base_pairs = [x for (y, mo) in months for x in m.kept.get((caisse, (y - shift, mo)), ())]
        cur, base = ratio_value(kept, spec.params), ratio_value(base_pairs, spec.params)
        value = None
        if cur is not None and base is not None and base != 0:
            value = 100.0 * (cur / base - 1.0)
        out[(caisse, label)] = (value, len(kept), excl)
    return out


def savings(spec: Spec, tables, kind: str) -> dict:
    """Trend − realised spending; trend: OLS of log(monthly spending) on [1, t, 11 month
    dummies] over the two years before the period's year, t in months from January of the first."""
    import numpy as np

    m = monthly(spec, tables)
    k = spec.params["years"]
    out = {}
    for (caisse, label), (kept, excl) in cells(m, kind).items():
        months = period_months(label)
        year = months[0][0]
        ref = [(y, mo) for y in range(year - k, year) for mo in range(1, 13)]
        spend = [sum(m.kept.get((caisse, ym), ())) / 100.0 for ym in ref]
        value = None
        if kept and all(s > 0 for s in spend):

            def row(y, mo):
                t = (y - (year - k)) * 12 + (mo - 1)
                return [1.0, float(t)] + [1.0 if mo == j else 0.0 for j in range(2, 13)]

            x = np.array([row(*ym) for ym in ref])
            beta = np.linalg.lstsq(x, np.log(np.array(spend)), rcond=None)[0]
            trend = sum(math.exp(float(np.dot(beta, row(*ym)))) for ym in months)
            value = trend - sum(kept) / 100.0
        out[(caisse, label)] = (value, len(kept), excl)
    return out


COMPUTE = {"delay": simple, "proportion": simple, "ratio": simple, "evolution": evolution,
           "savings": savings}


def _reference(code: str):
    spec = SPECS[code]

    def reference(tables, period: str) -> dict:
        return COMPUTE[spec.kind](spec, tables, period)

    reference.__name__ = f"reference_{code}"
    reference.__doc__ = f"Reference of {code} ({spec.kind} on table {spec.table})."
    return reference


REFERENCES = {code: _reference(code) for code in SPECS}


def undated(code: str, tables) -> int:
    """Rows in scope (or of undecided scope) with no period date (``date_periode_manquante``)."""
    return monthly(SPECS[code], tables).undated
