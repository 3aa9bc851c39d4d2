"""``cogind report``: one self-contained HTML file analysts can open offline and work with.

A summary per COG (each indicator's national value against its target on the period it is
judged on, a sparkline of its trend, the share of caisses meeting it, the caisses furthest from
target), then per indicator: a map of the caisses by département coloured by gap to target, the
national trend, a table of every caisse (name, region, value, n, interval, gap, status) that a
small inline script sorts and filters, the dispersion between caisses. Pages are rendered by
jinja2 templates (``report/templates``) with autoescaping on, so every text from the data is
escaped; charts are inline SVG with text as text; no external resource. The secret statistique
is applied before anything is drawn or counted; the header and the provenance say when the page
was made, on which data, by which cogind.
"""
from __future__ import annotations

import functools
import hashlib
import os
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
from markupsafe import Markup

from cogind.analyses.gaps import gap_header, gap_text
from cogind.analyses.secret import DEFAULT_THRESHOLD, apply_secret
from cogind.analyses.spread import dispersion
from cogind.engine.judgement import STATUS_NOT_JUDGED as NOT_JUDGED
from cogind.errors import InputError
from cogind.formatting import number, target
from cogind.report import charts

SPREAD_COLUMNS = (("min", "min"), ("D1", "d1"), ("médiane", "d5"), ("D9", "d9"), ("max", "max"))
FURTHEST = 3  # caisses named per indicator in the summary
WORST = 10  # caisses in the « le plus souvent sous la cible » list of each COG
# the columns the page reads (to_pylist of the others, exclusions and details, is half the time)
SHOWN = ("indicateur", "libelle", "cog", "niveau", "caisse", "periode", "debut", "fin", "valeur",
         "n", "unite", "sens", "cible", "cible_libelle", "atteint", "ecart", "ic_bas", "ic_haut",
         "statut", "motif", "masque", "ecart_cas", "ecart_cas_unite", "socle", "objectif",
         "statut_socle", "statut_objectif")
PERIOD_KINDS = {"month": "mois", "quarter": "trimestre", "year": "année", "ytd": "cumul annuel",
                "rolling12": "12 mois glissants", "span": "période de la COG"}


@functools.cache
def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("cogind.report", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["num"] = number
    return env


@functools.cache
def _referential() -> dict[str, dict[str, str]]:
    """Caisse code → name, département and region name, from the shipped IR_CAI_V copy."""
    from cogind.engine.levels import REGIONS
    from cogind.synth.reference import caisses

    return {r["ORG_CLE_NUM"]: {"nom": r["ORG_CAI_LIB"], "dpt": r["DPT_COD"],
                               "region": REGIONS.get(r["ORG_CLE_REG"], r["ORG_CLE_REG"])}
            for r in caisses()}


def _who(code: str | None) -> dict[str, str]:
    ref = _referential().get(code or "")
    return ref or {"nom": "", "dpt": "", "region": ""}


# --------------------------------------------------------------------------- grouping


def _group(results: pa.Table) -> dict[str, dict]:
    """Per indicator: its national rows (in period order) and caisse / other-level rows by
    period."""
    out: dict[str, dict] = {}
    for r in results.select([c for c in SHOWN if c in results.column_names]).to_pylist():
        ind = out.setdefault(r["indicateur"], {"national": [], "caisses": defaultdict(list),
                                               "groups": defaultdict(list), "first": r})
        if r["niveau"] == "national":
            ind["national"].append(r)
        elif r["niveau"] == "caisse":
            ind["caisses"][r["periode"]].append(r)
        else:  # region or user group: merged caisse states, shown as a table
            ind["groups"][r["periode"]].append(r)
    for ind in out.values():
        ind["national"].sort(key=lambda r: str(r["debut"]))
    return out


def judged_period(g: dict) -> str | None:
    """The period an indicator's status is read on: the latest national row with a value that
    its target judges (not « non évalué »: a yearly target is judged on the year, or pro-rated
    on a period from January), the longer of two ending together (the year over its fourth
    quarter); else the latest national row, else the latest caisse period."""
    def latest(rows):
        return max(rows, key=lambda r: (str(r["fin"]), -_ordinal(r["debut"])))["periode"]

    judged = [r for r in g["national"] if r["valeur"] is not None
              and r["statut"] != NOT_JUDGED]
    if judged:
        return latest(judged)
    if g["national"]:
        return latest(g["national"])
    return _last_period(g["caisses"])


def _ordinal(day) -> int:
    return day.toordinal() if day is not None else 0


def trend_rows(g: dict) -> list[dict]:
    """National rows of the indicator's most frequent period length (the table's own period,
    when yearly rows were added for yearly targets), in order."""
    def months(r):
        return (r["fin"].year - r["debut"].year) * 12 + r["fin"].month - r["debut"].month + 1 \
            if r["debut"] is not None and r["fin"] is not None else 0

    counts: dict[int, int] = defaultdict(int)
    for r in g["national"]:
        counts[months(r)] += 1
    if not counts:
        return []
    kind = max(counts, key=lambda m: (counts[m], -m))
    return [r for r in g["national"] if months(r) == kind]


def _last_period(by_period: dict) -> str | None:
    return sorted(by_period, key=lambda p: str(by_period[p][0]["debut"]))[-1] if by_period else None


# --------------------------------------------------------------------------- one caisse row


def _published(r: dict) -> bool:
    return not r.get("masque") and r["valeur"] is not None


def relative_gap(r: dict) -> float | None:
    """The gap to target as a share of the target, positive when better (``ecart`` is in the
    indicator's direction); None without a published value or a target."""
    if not _published(r) or r.get("ecart") is None or r.get("atteint") is None:
        return None
    scale = abs(r["cible"]) if r.get("cible") else abs(r["valeur"]) or 1.0
    return r["ecart"] / scale


def gap_class(r: dict) -> int:
    """Index in :data:`charts.GAP_CLASSES` (5: nothing to judge)."""
    rel = relative_gap(r)
    if rel is None:
        return 5
    if r["atteint"]:
        return 0 if rel >= 0.05 else 1
    return 2 if rel > -0.05 else 3 if rel > -0.15 else 4


def _interval(r: dict) -> str:
    lo, hi = r.get("ic_bas"), r.get("ic_haut")
    if lo is None and hi is None:
        return "–"
    if hi is None or lo is None:  # one-sided (a quantile past the histogram's last day)
        return f"≥ {number(lo, r['unite'])}" if hi is None else f"≤ {number(hi, r['unite'])}"
    return f"{number(lo, r['unite'])} – {number(hi, r['unite'])}"


def _n(r: dict) -> str:
    return "–" if r.get("n") is None else number(int(r["n"]))


def tooltip(r: dict, who: str) -> str:
    """Value, n, interval, target and status of one row, in one line."""
    unit = r["unite"]
    if not _published(r):
        return f"{who} : {r['statut']}" + (f" ({r['motif']})" if r.get("motif") else "")
    return (f"{who} — {r['periode']} : {number(r['valeur'], unit)} ; n = {_n(r)} ; "
            f"IC {_interval(r)} ; cible {target(r['cible_libelle'], r.get('cible'), unit)} ; "
            f"{r['statut']}")


def _caisse_row(r: dict) -> dict:
    who = _who(r["caisse"])
    unit = r["unite"]
    status = r["statut"]
    key = "a" if r.get("atteint") is True else "n" if r.get("atteint") is False else "x"
    return {"code": r["caisse"] or "?", "nom": who["nom"], "region": who["region"],
            "dpt": who["dpt"], "valeur": number(r["valeur"], unit), "n": _n(r),
            "ic": _interval(r), "ecart": number(r.get("ecart"), _gap_unit(unit), sign=True),
            "gap": gap_text(r),
            "statut": status, "motif": r.get("motif") or "", "key": key,
            "cls": gap_class(r), "rel": relative_gap(r)}


def _gap_unit(unit: str) -> str:
    """A gap between two rates is in points."""
    return "points" if unit == "%" else unit


# --------------------------------------------------------------------------- one indicator


def _share(rows: list[dict]) -> dict:
    judged = [r for r in rows if _published(r) and r.get("atteint") is not None]
    met = sum(1 for r in judged if r["atteint"])
    return {"met": met, "judged": len(judged),
            "pct": number(100.0 * met / len(judged), "%") if judged else "–"}


def _trend(g: dict) -> list[charts.Point]:
    return [charts.Point(r["periode"], r["valeur"], r["cible"], tooltip(r, "national"))
            for r in trend_rows(g)]


def _spread_rows(spread: list[dict], unit: str) -> list[dict]:
    out = []
    for s in sorted(spread, key=lambda s: str(s["debut"])):
        judged = s["caisses_atteint"] + s["caisses_non_atteint"]
        out.append({"periode": s["periode"],
                    "share": (f"{s['caisses_atteint']} / {judged} "
                              f"({number(s['part_atteint'], '%')})") if judged else "–",
                    "cells": [number(s[c], unit) for _, c in SPREAD_COLUMNS],
                    "ratio": number(s["rapport_interdecile"], "ratio"),
                    "masked": s["caisses_masquees"],
                    "evol": number(s["evolution_mediane"], _gap_unit(unit), sign=True),
                    "national": number(s["valeur_nationale"], unit)})
    return out


def _group_rows(g: dict) -> tuple[str | None, list[dict]]:
    period = _last_period(g["groups"])
    if period is None:
        return None, []
    rows = sorted(g["groups"][period], key=lambda r: (r["niveau"], r["caisse"] or ""))
    return period, [{"label": f"{r['niveau']} {r['caisse'] or '?'}",
                     "valeur": number(r["valeur"], r["unite"]), "statut": r["statut"],
                     "n": _n(r)} for r in rows]


def _objectif_rows(g: dict) -> tuple[str | None, list[dict]]:
    periods = {p: rows for p, rows in g["caisses"].items()
               if any(r.get("objectif") is not None for r in rows)}
    period = _last_period(periods)
    if period is None:
        return None, []
    rows = sorted((r for r in periods[period] if r.get("objectif") is not None),
                  key=lambda r: r["caisse"] or "")
    return period, [{"code": r["caisse"] or "?", "nom": _who(r["caisse"])["nom"],
                     "valeur": number(r["valeur"], r["unite"]),
                     "socle": number(r["socle"], r["unite"]), "statut_socle": r["statut_socle"],
                     "objectif": number(r["objectif"], r["unite"]),
                     "statut_objectif": r["statut_objectif"]} for r in rows]


def _indicator(code: str, g: dict, spread: list[dict]) -> dict:
    first, period = g["first"], judged_period(g)
    unit = first["unite"] or ""
    nat = next((r for r in g["national"] if r["periode"] == period), None)
    raw = sorted(g["caisses"].get(period, []), key=lambda r: r["caisse"] or "")
    rows = [_caisse_row(r) for r in raw]
    cells = {r["dpt"]: r["cls"] for r in rows if r["dpt"]}
    published = sum(1 for r in rows if r["key"] != "x" or r["valeur"] != "–")
    judged = any(c < 5 for c in cells.values())
    far = sorted((r for r in rows if r["key"] == "n" and r["rel"] is not None),
                 key=lambda r: (r["rel"], r["code"]))
    group_period, groups = _group_rows(g)
    obj_period, objectifs = _objectif_rows(g)
    trend = _trend(g)
    return {
        "code": code, "libelle": first["libelle"] or code, "unit": unit, "period": period,
        "sens": "plus haut = mieux" if first["sens"] == "hausse" else "plus bas = mieux",
        "cog": first["cog"] or "", "cible": target((nat or first)["cible_libelle"],
                                                   (nat or first).get("cible"), unit),
        "national": nat, "national_value": number(nat["valeur"], unit) if nat else "–",
        "national_status": nat["statut"] if nat else "–", "rows": rows, "share": _share(
            g["caisses"].get(period, [])), "far": far, "furthest": far[:FURTHEST],
        "masked": sum(1 for r in g["caisses"].get(period, []) if r.get("masque")),
        "gap_header": "À combler" + gap_header(raw)[len("écart"):], "published": published,
        "map": charts.gap_map(
            cells, f"{code}, {period} : écart à la cible par département") if judged
        else Markup(""), "unmapped": sum(1 for r in rows if not r["dpt"]),
        "trend": charts.trend_chart(trend, unit, f"{code} : valeur nationale par période"),
        "spark": charts.sparkline([p.value for p in trend], [p.target for p in trend],
                                  _spark_tip(trend, unit)),
        "periods": f"{trend[0].label} – {trend[-1].label}" if trend else "",
        "spread": _spread_rows(spread, unit), "group_period": group_period, "groups": groups,
        "objectif_period": obj_period, "objectifs": objectifs}


def _spark_tip(trend: list[charts.Point], unit: str) -> str:
    known = [p for p in trend if p.value is not None]
    if not known:
        return "aucune valeur nationale"
    return (f"valeur nationale : {number(known[0].value, unit)} en {known[0].label}, "
            f"{number(known[-1].value, unit)} en {known[-1].label}")


def _worst(indicators: list[dict]) -> list[dict]:
    """Caisses missing the most targets of a COG on the judged periods, then by code."""
    tally: dict[str, dict] = {}
    for ind in indicators:
        for r in ind["rows"]:
            if r["key"] == "x":
                continue
            t = tally.setdefault(r["code"], {"code": r["code"], "nom": r["nom"],
                                             "region": r["region"], "missed": 0, "judged": 0,
                                             "codes": []})
            t["judged"] += 1
            if r["key"] == "n":
                t["missed"] += 1
                t["codes"].append(ind["code"])
    ranked = sorted((t for t in tally.values() if t["missed"]),
                    key=lambda t: (-t["missed"], t["code"]))
    return ranked[:WORST]


# --------------------------------------------------------------------------- the page


def fingerprint(prov: dict) -> str:
    """One SHA-256 over the inputs' names and SHA-256s (sorted): the data a page was made from."""
    entries = prov.get("entrees") or {}
    lines = "".join(f"{name}\t{(e or {}).get('sha256') or ''}\n"
                    for name, e in sorted(entries.items()))
    return hashlib.sha256(lines.encode()).hexdigest() if entries else ""


def _generated(now: datetime | None) -> str:
    if now is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        now = (datetime.fromtimestamp(int(epoch), timezone.utc) if epoch and epoch.isdigit()
               else datetime.now(timezone.utc))
    return now.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _header(results: pa.Table, prov: dict, now: datetime | None) -> dict:
    from cogind._version import __version__

    starts = [d for d in results["debut"].to_pylist() if d is not None]
    ends = [d for d in results["fin"].to_pylist() if d is not None]
    secret = prov.get("secret")
    inputs = [{"name": name, "file": Path(str(e.get("origine", ""))).name,
               "rows": number(int(e["lignes"])) if e.get("lignes") is not None else "–",
               "sha": e.get("sha256") or ""} for name, e in (prov.get("entrees") or {}).items()]
    return {"generated": _generated(now), "version": prov.get("version") or __version__,
            "cogind": __version__, "period_kind": PERIOD_KINDS.get(prov.get("periode"),
                                                                   prov.get("periode") or "?"),
            "span": f"{min(starts).isoformat()} – {max(ends).isoformat()}" if starts else "–",
            "fingerprint": fingerprint(prov), "inputs": inputs,
            "secret": {"seuil": secret.get("seuil", "?"), "masquees": secret.get("masquees", "?"),
                       "masquees_complementaires": secret.get("masquees_complementaires", "?")}
            if isinstance(secret, dict) and secret.get("seuil") else None,
            "plugins": prov.get("plugins") or []}


def build_report(results: pa.Table, *, secret: int | None = DEFAULT_THRESHOLD,
                 now: datetime | None = None) -> str:
    """The HTML report of ``results`` as one string (inline SVG, CSS and script).

    :param results: a table from :func:`cogind.compute` or read back from a result file.
    :param secret: secret statistique threshold applied first (``None``: as the table is).
    :param now: the generation date written in the page (default: now, or
        ``SOURCE_DATE_EPOCH`` when set, for reproducible builds).
    """
    from cogind.api import provenance

    if secret is not None:
        results = apply_secret(results, secret)
    prov = provenance(results)
    groups = _group(results)
    if not groups:
        raise InputError("no result to report (the table is empty)")
    spread: dict[str, list[dict]] = defaultdict(list)
    for s in dispersion(results).to_pylist():
        spread[s["indicateur"]].append(s)
    indicators = [_indicator(c, g, spread[c]) for c, g in groups.items()]
    cogs: dict[str, list[dict]] = defaultdict(list)
    for ind in indicators:
        cogs[ind["cog"]].append(ind)
    summaries = [{"cog": cog, "indicators": inds, "worst": _worst(inds),
                  "met": sum(1 for i in inds if i["national"] and i["national"]["atteint"]),
                  "judged": sum(1 for i in inds if i["national"]
                                and i["national"]["atteint"] is not None)}
                 for cog, inds in cogs.items()]
    title = f"Indicateurs COG {prov.get('cog') or ''} — rapport par caisse"
    return _environment().get_template("report.html.j2").render(
        title=title, head=_header(results, prov, now), summaries=summaries,
        indicators=indicators, composite=_composite(results), defs=charts.map_defs(),
        gap_classes=charts.GAP_CLASSES, spread_columns=[c for c, _ in SPREAD_COLUMNS])


def yearly_codes(results: pa.Table) -> list[str]:
    """Indicators with a national row « non évalué »: a target written for the year that the
    table's periods (a later quarter, a month) cannot be judged on."""
    import pyarrow.compute as pc

    mask = pc.and_(pc.equal(results["niveau"], "national"),
                   pc.equal(results["statut"], NOT_JUDGED))
    return sorted(set(results.filter(mask)["indicateur"].to_pylist()))


def with_yearly(results: pa.Table, compute_year) -> pa.Table:
    """``results`` plus, for its :func:`yearly_codes`, their rows computed by year
    (``compute_year(codes)`` returns them), so that each yearly target is judged on its year
    while the other indicators and every trend keep the table's period."""
    codes = yearly_codes(results)
    if not codes:
        return results
    year = compute_year(codes)
    year = year.select(results.column_names).cast(results.schema.remove_metadata())
    return pa.concat_tables([results, year.replace_schema_metadata(results.schema.metadata)])


def keep_yearly(both: pa.Table) -> pa.Table:
    """From one computation by a shorter period and by year (``period=(kind, "year")``, one
    pass over the inputs and one secret statistique over both): every row of the shorter
    period, and the year rows of its :func:`yearly_codes` only, as :func:`with_yearly` gives."""
    import pyarrow.compute as pc

    is_year = pc.match_substring_regex(both["periode"], r"^\d{4}$")
    shorter = both.filter(pc.invert(is_year))
    codes = yearly_codes(shorter)
    if not codes:
        return shorter
    year = both.filter(pc.and_(is_year, pc.is_in(both["indicateur"], pa.array(codes))))
    return pa.concat_tables([shorter, year])


def _composite(results: pa.Table) -> Markup:
    """The composite of the base service, when the results carry caisse contracts (CPG)."""
    if "objectif" not in results.column_names:
        return Markup("")
    from cogind.analyses.composite import composite_html

    return Markup(composite_html(results))  # escaped where it is built


def write_report(results: pa.Table, path: str | Path, *,
                 secret: int | None = DEFAULT_THRESHOLD) -> Path:
    """Write :func:`build_report` to ``path`` atomically (whole or not at all)."""
    from cogind.io.publish import Publication, check_output

    path = check_output(path, (".html", ".htm"))
    text = build_report(results, secret=secret)
    with Publication(path) as pub:
        pub.stage(path, lambda p: p.write_text(text, encoding="utf-8"))
        pub.commit()
    return path


__all__ = ["build_report", "write_report", "with_yearly", "keep_yearly", "yearly_codes",
           "judged_period", "gap_class", "relative_gap",
           "fingerprint", "tooltip"]
