"""``cogind report``: one self-contained HTML file analysts can open offline.

A summary of which indicators are met nationally and by how many caisses, then per indicator:
every caisse's value against the target (sorted), the national trend with the target line, and
the dispersion table. Charts are inline SVG, styles inline, no script, no external resource:
the file opens in a closed environment. Every text is escaped; the secret statistique is applied
before anything is drawn or counted, and provenance closes the page.
"""
from __future__ import annotations

import html
import json
from collections import defaultdict
from pathlib import Path

import pyarrow as pa

from cogind.errors import InputError
from cogind.io.output import fmt_number
from cogind.report.charts import caisse_chart, trend_chart
from cogind.analyses.secret import DEFAULT_THRESHOLD, apply_secret
from cogind.analyses.spread import dispersion

E = html.escape
CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0 auto;max-width:1180px;padding:16px 24px;
color:#1d232b;background:#fff}
h1{font-size:24px;margin:8px 0}h2{font-size:19px;margin:28px 0 6px;color:#1f3b73}
h3{font-size:15px;margin:16px 0 4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border:1px solid #d5d9df;padding:3px 7px;text-align:right}
th{background:#eef1f5}td.t,th.t{text-align:left}
.ok{color:#2e7d32;font-weight:bold}.ko{color:#c62828;font-weight:bold}.na{color:#6b7280}
.note{color:#4b5563;font-size:13px}nav{display:flex;flex-wrap:wrap;gap:4px 14px}
section{border-top:2px solid #e3e6ea;margin-top:20px}figure{margin:6px 0}
figcaption{font-size:12px;color:#4b5563}
"""
SPREAD_COLUMNS = (("min", "min"), ("D1", "d1"), ("médiane", "d5"), ("D9", "d9"), ("max", "max"))


def _status(met: bool | None) -> str:
    if met is None:
        return '<span class="na">–</span>'
    return '<span class="ok">✓ atteinte</span>' if met else '<span class="ko">✗ non atteinte</span>'


def _share(s: dict) -> str:
    judged = s["caisses_atteint"] + s["caisses_non_atteint"]
    if not judged:
        return "–"
    return f"{s['caisses_atteint']} / {judged} ({fmt_number(s['part_atteint'], '%')})"


def _group(results: pa.Table, spread: pa.Table) -> dict[str, dict]:
    """Per indicator: its national rows, caisse rows per period and dispersion rows, in order."""
    out: dict[str, dict] = {}
    for r in results.to_pylist():
        ind = out.setdefault(r["indicateur"], {"national": [], "caisses": defaultdict(list),
                                               "spread": [], "first": r})
        if r["niveau"] == "national":
            ind["national"].append(r)
        elif r["niveau"] == "caisse":
            ind["caisses"][r["periode"]].append(r)
        else:  # region or user group: merged caisse states, shown as a table
            ind.setdefault("groups", defaultdict(list))[r["periode"]].append(r)
    for s in spread.to_pylist():
        if s["indicateur"] in out:
            out[s["indicateur"]]["spread"].append(s)
    for ind in out.values():
        ind["national"].sort(key=lambda r: str(r["debut"]))
        ind["spread"].sort(key=lambda r: str(r["debut"]))
    return out


def _latest(rows: list[dict], test) -> dict | None:
    found = [r for r in rows if test(r)]
    return found[-1] if found else None


def _summary(groups: dict[str, dict]) -> str:
    lines, met_count, judged = [], 0, 0
    for code, g in groups.items():
        nat = _latest(g["national"], lambda r: r["valeur"] is not None)
        s = _latest(g["spread"], lambda r: nat is not None and r["periode"] == nat["periode"])
        unit = g["first"]["unite"]
        if nat is not None and nat["atteint"] is not None:
            judged += 1
            met_count += bool(nat["atteint"])
        lines.append(
            f'<tr><td class="t"><a href="#{E(code)}">{E(code)}</a><br>'
            f'<span class="note">{E(g["first"]["libelle"] or "")}</span></td>'
            f'<td>{E(nat["periode"]) if nat else "–"}</td>'
            f'<td>{E(fmt_number(nat["valeur"], unit)) if nat else "–"}</td>'
            f'<td>{E((nat or g["first"])["cible_libelle"] or "–")}</td>'
            f'<td>{_status(nat["atteint"] if nat else None)}</td>'
            f'<td>{E(_share(s)) if s else "–"}</td>'
            f'<td>{s["caisses_masquees"] if s else "–"}</td></tr>')
    head = ("<tr><th class='t'>Indicateur</th><th>Dernière période</th><th>Valeur nationale"
            "</th><th>Cible</th><th>National</th><th>Caisses atteignant la cible</th>"
            "<th>Caisses masquées</th></tr>")
    return (f"<h2 id='synthese'>Synthèse</h2><p>{met_count} indicateur(s) sur {judged} "
            f"évalué(s) atteint(s) au niveau national sur la dernière période.</p>"
            f"<table>{head}{''.join(lines)}</table>")


def _caisse_figure(code: str, g: dict) -> str:
    def published(r):
        return not r.get("masque") and r["valeur"] is not None

    periods = [s["periode"] for s in g["spread"] if s["caisses_publiees"]]
    if not periods:
        return "<p class='note'>Aucune valeur de caisse publiable.</p>"
    period = periods[-1]
    rows = g["caisses"][period]
    points = [(r["caisse"] or "?", float(r["valeur"]), r["atteint"]) for r in rows if published(r)]
    unit, target = rows[0]["unite"], rows[0]["cible"]
    masked = sum(1 for r in rows if r.get("masque"))
    missing = sum(1 for r in rows if not r.get("masque") and r["valeur"] is None)
    svg = caisse_chart(points, target, unit, f"{code}-caisses")
    return (f"<figure>{svg}<figcaption>Valeur de chaque caisse, période {E(period)}, classées "
            f"par valeur ; vert : cible atteinte, rouge : non atteinte ; cible en pointillés. "
            f"{masked} caisse(s) masquée(s) (secret statistique), {missing} non calculable(s)."
            f"</figcaption></figure>")


def _trend_figure(code: str, g: dict) -> str:
    nat = g["national"]
    if not nat:
        return ""
    svg = trend_chart([r["periode"] for r in nat], [r["valeur"] for r in nat],
                      [r["cible"] for r in nat], nat[0]["unite"], f"{code}-tendance")
    return (f"<figure>{svg}<figcaption>Valeur nationale par période (calculée sur toutes les "
            f"lignes, jamais masquée) et cible de l'année en pointillés.</figcaption></figure>")


def _spread_table(g: dict) -> str:
    unit = g["first"]["unite"]
    head = ("<tr><th class='t'>Période</th><th>Caisses atteignant la cible</th>"
            + "".join(f"<th>{E(label)}</th>" for label, _ in SPREAD_COLUMNS)
            + "<th>D9/D1</th><th>Masquées</th><th>Évol. médiane</th><th>National</th></tr>")
    body = []
    for s in g["spread"]:
        cells = "".join(f"<td>{E(fmt_number(s[c], unit))}</td>" for _, c in SPREAD_COLUMNS)
        evol = s["evolution_mediane"]
        body.append(f"<tr><td class='t'>{E(s['periode'])}</td><td>{E(_share(s))}</td>{cells}"
                    f"<td>{E(fmt_number(s['rapport_interdecile'], 'ratio'))}</td>"
                    f"<td>{s['caisses_masquees']}</td>"
                    f"<td>{E(_signed(evol, unit))}</td>"
                    f"<td>{E(fmt_number(s['valeur_nationale'], unit))}</td></tr>")
    return f"<table>{head}{''.join(body)}</table>{_furthest(g, unit)}"


def _signed(value, unit: str) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + fmt_number(value, unit)


def _furthest(g: dict, unit: str) -> str:
    last = _latest(g["spread"], lambda s: s["caisses_publiees"])
    far = json.loads(last["plus_eloignees"]) if last else []
    if not far:
        return ""
    items = ", ".join(f"{E(f['caisse'] or '?')} ({E(fmt_number(f['valeur'], unit))}, écart "
                      f"{E(fmt_number(f['ecart'], unit))})" for f in far)
    return f"<p class='note'>Plus éloignées de la cible en {E(last['periode'])} : {items}.</p>"


def _indicator(code: str, g: dict) -> str:
    first = g["first"]
    sens = "plus haut = mieux" if first["sens"] == "hausse" else "plus bas = mieux"
    return (f"<section id='{E(code)}'><h2>{E(first['libelle'] or code)}</h2>"
            f"<p class='note'>{E(code)} · unité : {E(first['unite'] or '')} · {E(sens)}</p>"
            f"<h3>Par caisse</h3>{_caisse_figure(code, g)}"
            f"<h3>Tendance nationale</h3>{_trend_figure(code, g)}"
            f"<h3>Dispersion entre caisses</h3>{_spread_table(g)}"
            f"{_group_table(g)}{_objectif_table(g)}</section>")


def _last_period(by_period: dict) -> str | None:
    return sorted(by_period, key=lambda p: str(by_period[p][0]["debut"]))[-1] if by_period else None


def _group_table(g: dict) -> str:
    """Regions (or user groups) of the last period: values from their caisses' merged states."""
    period = _last_period(g.get("groups") or {})
    if period is None:
        return ""
    unit = g["first"]["unite"]
    rows = sorted(g["groups"][period], key=lambda r: (r["niveau"], r["caisse"] or ""))
    body = "".join(f"<tr><td class='t'>{E(r['niveau'])} {E(r['caisse'] or '?')}</td>"
                   f"<td>{E(fmt_number(r['valeur'], unit))}</td><td>{_status(r['atteint'])}</td>"
                   f"<td>{r['n'] if r['n'] is not None else '–'}</td></tr>" for r in rows)
    return (f"<h3>Par région / groupe, {E(period)}</h3><table><tr><th class='t'>Niveau</th>"
            f"<th>Valeur</th><th>Cible COG</th><th>n</th></tr>{body}</table>")


def _objectif_table(g: dict) -> str:
    """Each caisse against its own contract (CPG) objectif and socle, last period with one."""
    periods = {p: rows for p, rows in g["caisses"].items()
               if any(r.get("objectif") is not None for r in rows)}
    period = _last_period(periods)
    if period is None:
        return ""
    unit = g["first"]["unite"]
    rows = sorted((r for r in periods[period] if r.get("objectif") is not None),
                  key=lambda r: r["caisse"] or "")
    body = "".join(f"<tr><td class='t'>{E(r['caisse'] or '?')}</td>"
                   f"<td>{E(fmt_number(r['valeur'], unit))}</td>"
                   f"<td>{E(fmt_number(r['socle'], unit))}</td><td>{E(r['statut_socle'] or '–')}</td>"
                   f"<td>{E(fmt_number(r['objectif'], unit))}</td>"
                   f"<td>{E(r['statut_objectif'] or '–')}</td></tr>" for r in rows)
    return (f"<h3>Chaque caisse face à son contrat (CPG), {E(period)}</h3><table><tr>"
            f"<th class='t'>Caisse</th><th>Valeur</th><th>Socle</th><th>Statut</th>"
            f"<th>Objectif</th><th>Statut</th></tr>{body}</table>")


def _provenance(prov: dict) -> str:
    items = [f"cogind {prov.get('version', '?')}", f"COG {prov.get('cog') or 'aucune'}",
             f"période : {prov.get('periode', '?')}"]
    secret = prov.get("secret")
    if secret:
        items.append(f"secret statistique : moins de {secret['seuil']} individus masqués "
                     f"({secret['masquees']} cellules, {secret['masquees_complementaires']} "
                     f"masquages complémentaires)")
    for name, e in (prov.get("entrees") or {}).items():
        sha = (e.get("sha256") or "")[:16]
        items.append(f"entrée {name} : {Path(str(e.get('origine', ''))).name}, "
                     f"{e.get('lignes')} lignes" + (f", sha256 {sha}…" if sha else ""))
    for p in prov.get("plugins") or []:
        items.append(f"plugin {p.get('nom')} ({p.get('distribution')} {p.get('version')})")
    lis = "".join(f"<li>{E(str(i))}</li>" for i in items)
    return f"<section id='provenance'><h2>Provenance</h2><ul class='note'>{lis}</ul></section>"


def build_report(results: pa.Table, *, secret: int | None = DEFAULT_THRESHOLD) -> str:
    """The HTML report of ``results`` as one string (inline SVG and CSS, no script).

    :param results: a table from :func:`cogind.compute` or read back from a result file.
    :param secret: secret statistique threshold applied first (``None``: as the table is).
    """
    from cogind.api import provenance

    if secret is not None:
        results = apply_secret(results, secret)
    prov = provenance(results)
    groups = _group(results, dispersion(results))
    if not groups:
        raise InputError("no result to report (the table is empty)")
    title = f"Indicateurs COG {prov.get('cog') or ''} — rapport par caisse"
    nav = "".join(f"<a href='#{E(c)}'>{E(c)}</a>" for c in groups)
    body = "".join(_indicator(c, g) for c, g in groups.items())
    return (f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width'><title>{E(title)}</title>"
            f"<style>{CSS}</style></head><body><h1>{E(title)}</h1><nav>{nav}</nav>"
            f"{_summary(groups)}{_composite(results)}{body}{_provenance(prov)}</body></html>")


def _composite(results: pa.Table) -> str:
    """The composite of the base service, when the results carry caisse contracts (CPG)."""
    if "objectif" not in results.column_names:
        return ""
    from cogind.analyses.composite import composite_html

    return composite_html(results)


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
