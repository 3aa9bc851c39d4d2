"""Alerts like the comité d'alerte: caisses missing a target several months in a row.

A caisse is flagged for an indicator when its monthly figure misses the COG target (or a
threshold given by the user, judged in the indicator's direction) for at least ``months``
consecutive calendar months. A month without a published figure (non calculable, masked by the
secret statistique, or absent) ends a run: an alert never rests on a masked figure.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa

from cogind import formatting
from cogind.analyses.gaps import gap, phrase, precision
from cogind.errors import ConfigError
from cogind.measures.periods import month_number

MONTH = re.compile(r"^\d{4}-\d{2}$")
USED = ("indicateur", "libelle", "niveau", "caisse", "periode", "valeur", "unite", "sens",
        "cible", "atteint", "masque", "ecart", "ecart_cas", "ecart_cas_unite")

ALERT_SCHEMA = pa.schema([
    ("indicateur", pa.string()), ("caisse", pa.string()), ("debut", pa.string()),
    ("fin", pa.string()), ("mois", pa.int64()), ("en_cours", pa.bool_()),
    ("derniere_valeur", pa.float64()), ("unite", pa.string()), ("reference", pa.float64()),
    ("reference_type", pa.string()),
])
"""One row per run of missed months: first and last month, length, whether it is ongoing."""


@dataclass(frozen=True)
class Alert:
    """``months`` consecutive missed months of one caisse for one indicator."""

    indicateur: str
    caisse: str
    debut: str
    fin: str
    mois: int
    en_cours: bool
    derniere_valeur: float
    unite: str
    reference: float | None
    reference_type: str
    ecart: float | None = None
    """What the last month misses of the COG target, in the indicator's own terms
    (:func:`cogind.analyses.gaps.gap`; None against a user's threshold)."""
    ecart_unite: str | None = None
    """What ``ecart`` counts: cas, jours de délai en excès, points, euros or the unit."""


def _missed(row: dict, threshold: float | None) -> bool | None:
    """True/False when the month is judged, None when it has no published figure."""
    if row.get("masque") or row["valeur"] is None:
        return None
    if threshold is None:
        return None if row["atteint"] is None else not row["atteint"]
    v = row["valeur"]
    return v < threshold if row["sens"] == "hausse" else v > threshold


def _runs(months: list[tuple[int, dict]], threshold: float | None):
    """Maximal runs of consecutive missed months, as lists of rows."""
    run, last = [], None
    for m, row in sorted(months, key=lambda x: x[0]):
        if _missed(row, threshold) and (not run or m == last + 1):
            run.append(row)
        else:
            if run:
                yield run
            run = [row] if _missed(row, threshold) else []
        last = m
    if run:
        yield run


def find_alerts(results: pa.Table, months: int = 3, indicators=None,
                thresholds: dict[str, float] | None = None) -> list[Alert]:
    """Every run of at least ``months`` consecutive missed months, per caisse and indicator.

    :param results: monthly results (``period="month"``), best with the secret applied.
    :param indicators: only these indicator codes (default: all in ``results``).
    :param thresholds: ``{code: value}`` replacing the COG target of these indicators.
    :returns: alerts, ongoing ones first (reaching the indicator's last month), then longest.
    """
    if months < 1:
        raise ConfigError(f"--months must be ≥ 1, got {months}")
    thresholds = thresholds or {}
    series, last_month = _monthly_series(results, indicators)
    out = []
    for (code, caisse), rows in series.items():
        t = thresholds.get(code)
        for run in _runs(rows, t):
            if len(run) >= months:
                out.append(_alert(run, t, last_month[code]))
    out.sort(key=lambda a: (not a.en_cours, -a.mois, a.indicateur, a.caisse))
    return out


def _monthly_series(results: pa.Table, indicators) -> tuple[dict, dict]:
    names = [c for c in USED if c in results.column_names]
    rows = results.select(names).to_pylist()
    wanted = set(indicators) if indicators else None
    if wanted:
        unknown = sorted(wanted - {r["indicateur"] for r in rows})
        if unknown:
            raise ConfigError(f"indicator {unknown[0]} is not in the results")
    if rows and not any(MONTH.match(r["periode"] or "") for r in rows):
        raise ConfigError("alerts need monthly results (compute with --period month)")
    series, last = defaultdict(list), {}
    for r in rows:
        if r["niveau"] != "caisse" or not MONTH.match(r["periode"] or ""):
            continue
        if wanted and r["indicateur"] not in wanted:
            continue
        m = month_number(r["periode"])
        series[(r["indicateur"], r["caisse"])].append((m, r))
        last[r["indicateur"]] = max(last.get(r["indicateur"], m), m)
    return series, last


def _alert(run: list[dict], threshold: float | None, last_month: int) -> Alert:
    end = run[-1]
    missing = gap(end) if threshold is None else None
    return Alert(end["indicateur"], end["caisse"], run[0]["periode"], end["periode"], len(run),
                 month_number(end["periode"]) == last_month, end["valeur"], end["unite"],
                 threshold if threshold is not None else end["cible"],
                 "seuil" if threshold is not None else "cible",
                 missing and missing.value, missing and missing.label)


def alerts_table(alerts: list[Alert]) -> pa.Table:
    """Alerts as a table with the columns of :data:`ALERT_SCHEMA`."""
    return pa.table({f.name: pa.array([getattr(a, f.name) for a in alerts], f.type)
                     for f in ALERT_SCHEMA}, schema=ALERT_SCHEMA)


def render_alerts(alerts: list[Alert], months: int) -> str:
    """Alerts for the terminal, in French."""
    if not alerts:
        return f"Aucune caisse ne manque sa cible {months} mois de suite."
    lines = [f"{formatting.count(len(alerts))} alerte(s) : cible manquée au moins {months} mois "
             "de suite"]
    for a in alerts:
        state = "en cours" if a.en_cours else "close"
        places = precision(a.derniere_valeur, a.reference, a.unite)
        value, ref = (formatting.number(x, a.unite, places=places)
                      for x in (a.derniere_valeur, a.reference))
        short = "" if a.ecart is None else f", écart {phrase(a.ecart, a.ecart_unite, places)}"
        lines.append(f"  {a.indicateur}  caisse {a.caisse}  {a.debut} → {a.fin}  "
                     f"({a.mois} mois, {state})  dernière valeur {value}, "
                     f"{a.reference_type} {ref}{short}")
    return "\n".join(lines)


__all__ = ["Alert", "find_alerts", "alerts_table", "render_alerts"]
