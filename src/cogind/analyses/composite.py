"""Composite indicator of the base service: caisses below their CPG socle and objectif.

Seed 000 §65 (lines 956-961): « un indicateur composite, permettant de comparer les résultats
cumulés de cinq indicateurs CPG du service de base. La réduction du nombre de caisses
n'atteignant respectivement pas le socle et l'objectif a largement dépassé la cible de 15 %
initialement fixée. » Its five indicators, footnote 25 (lines 982-983): first non-subrogated IJ,
CMUC/ACS instruction, answered calls (PFS), FSP assurés and FSP médecins.

Per period, on the caisse rows of a result table carrying CPG columns (:mod:`cogind.analyses.cpg`):

* ``sous_socle`` / ``sous_objectif``: caisses below socle / objectif, *cumulated over the
  indicators* (« résultats cumulés »: a caisse below on two indicators counts twice), and
  ``caisses_sous_socle`` / ``caisses_sous_objectif``: distinct caisses below on at least one;
* the change in % of the cumulated counts versus the same period one year earlier, judged
  against the reduction target (−15 % by default): met when the change is ≤ −15 %;
* :func:`drivers_table`: the same counts per indicator and per caisse, with their change, so the
  indicators and caisses that drive the composite can be named.

Only published figures are judged: a masked or empty figure is counted apart
(``paires_non_evaluees``), never as below.
"""
from __future__ import annotations

import html
import re
from collections import defaultdict

import pyarrow as pa

from cogind import formatting
from cogind.analyses.cpg import BELOW, CPG_STATUSES, require_cpg
from cogind.errors import ConfigError

REDUCTION = 15.0
"""Targeted yearly reduction of the cumulated counts, in % (seed 000 §65, line 958)."""

COMPOSITE_SCHEMA = pa.schema([
    ("periode", pa.string()), ("indicateurs", pa.string()), ("caisses_cpg", pa.int64()),
    ("paires_evaluees", pa.int64()), ("paires_non_evaluees", pa.int64()),
    ("sous_socle", pa.int64()), ("sous_objectif", pa.int64()),
    ("caisses_sous_socle", pa.int64()), ("caisses_sous_objectif", pa.int64()),
    ("periode_precedente", pa.string()), ("sous_socle_precedent", pa.int64()),
    ("sous_objectif_precedent", pa.int64()), ("evolution_socle", pa.float64()),
    ("evolution_objectif", pa.float64()), ("cible_evolution", pa.float64()),
    ("atteint_socle", pa.bool_()), ("atteint_objectif", pa.bool_()),
    ("principaux_indicateurs", pa.string()),
])
"""One row per period (see the module docstring); evolutions in %; cible_evolution: −reduction."""

DRIVER_SCHEMA = pa.schema([
    ("periode", pa.string()), ("dimension", pa.string()), ("code", pa.string()),
    ("sous_socle", pa.int64()), ("sous_objectif", pa.int64()),
    ("sous_socle_precedent", pa.int64()), ("sous_objectif_precedent", pa.int64()),
    ("variation_socle", pa.int64()), ("variation_objectif", pa.int64()),
])
"""Per period, per indicator and per caisse below in this period or the one a year before."""

USED = ("indicateur", "niveau", "caisse", "periode", "statut_socle", "statut_objectif")


def base_service(cog: str | None, registry=None) -> tuple[str, ...]:
    """The base-service indicators ``cog`` declares (``Cog.service_de_base``, in its plugin)."""
    from cogind.plugins import build_registry

    registry = registry or build_registry()
    found = registry.cogs.get(cog) if cog else None
    if found is None or not found.service_de_base:
        known = ", ".join(c for c, v in sorted(registry.cogs.items()) if v.service_de_base)
        raise ConfigError(f"no base-service list for COG {cog} (declared by: {known or 'none'});"
                          " name the indicators (--indicator)")
    return found.service_de_base


def previous_period(label: str) -> str:
    """The same period one year earlier: 2024 → 2023, 2024-03 → 2023-03, 2024-T1 → 2023-T1."""
    return re.sub(r"\b(\d{4})(?=\b|-)", lambda m: str(int(m.group(1)) - 1), label)


def _pairs(results: pa.Table, indicators) -> dict[str, list[dict]]:
    """Caisse rows with a CPG level, per period, for the chosen indicators."""
    codes = set(indicators)
    present = set(results["indicateur"].to_pylist())
    if not codes & present:
        raise ConfigError(f"none of the indicators {', '.join(sorted(codes))} is in the results")
    by_period = defaultdict(list)
    for r in results.select(list(USED)).to_pylist():
        if r["niveau"] != "caisse" or r["indicateur"] not in codes:
            continue
        if r["statut_socle"] is None and r["statut_objectif"] is None:
            continue
        by_period[r["periode"]].append(r)
    return by_period


def _counts(rows: list[dict]) -> dict:
    judged = [r for r in rows if any(r[s] in CPG_STATUSES[:2]
                                     for s in ("statut_socle", "statut_objectif"))]
    below = {s: [r for r in rows if r[f"statut_{s}"] == BELOW] for s in ("socle", "objectif")}
    return {"caisses_cpg": len({r["caisse"] for r in rows}),
            "paires_evaluees": len(judged), "paires_non_evaluees": len(rows) - len(judged),
            "sous_socle": len(below["socle"]), "sous_objectif": len(below["objectif"]),
            "caisses_sous_socle": len({r["caisse"] for r in below["socle"]}),
            "caisses_sous_objectif": len({r["caisse"] for r in below["objectif"]}),
            "_below": below}


def _change(now: int, before: int | None) -> float | None:
    if before is None or before == 0:
        return None
    return (now - before) / before * 100.0


def composite_table(results: pa.Table, indicators=None, *, cog: str | None = None,
                    reduction: float = REDUCTION, cpg=None) -> pa.Table:
    """The composite per period (columns of :data:`COMPOSITE_SCHEMA`).

    :param results: a result table with CPG columns (or give ``cpg`` to add them).
    :param indicators: codes to count (default: the base service ``cog`` declares, else of the
        COG recorded in the results' provenance).
    :param reduction: targeted reduction in % versus the same period a year earlier; the
        change is met when ≤ −``reduction``, and has no verdict when the earlier count is 0 or
        absent.
    """
    results = require_cpg(results, cpg)
    codes = list(indicators) if indicators else list(base_service(cog or _cog_of(results)))
    by_period = _pairs(results, codes)
    counts = {p: _counts(rows) for p, rows in by_period.items()}
    present = sorted({r["indicateur"] for rows in by_period.values() for r in rows})
    out = {f.name: [] for f in COMPOSITE_SCHEMA}
    for p in sorted(counts):
        c, prev_label = counts[p], previous_period(p)
        prev = counts.get(prev_label)
        row = {k: v for k, v in c.items() if not k.startswith("_")}
        evo_s = _change(c["sous_socle"], prev and prev["sous_socle"])
        evo_o = _change(c["sous_objectif"], prev and prev["sous_objectif"])
        per_ind = defaultdict(int)
        for r in c["_below"]["objectif"]:
            per_ind[r["indicateur"]] += 1
        top = sorted(per_ind.items(), key=lambda x: (-x[1], x[0]))[:3]
        row.update(periode=p, indicateurs=", ".join(present),
                   periode_precedente=prev_label if prev else None,
                   sous_socle_precedent=prev["sous_socle"] if prev else None,
                   sous_objectif_precedent=prev["sous_objectif"] if prev else None,
                   evolution_socle=evo_s, evolution_objectif=evo_o, cible_evolution=-reduction,
                   atteint_socle=None if evo_s is None else evo_s <= -reduction,
                   atteint_objectif=None if evo_o is None else evo_o <= -reduction,
                   principaux_indicateurs=", ".join(f"{k} ({n})" for k, n in top) or None)
        for k in out:
            out[k].append(row[k])
    return pa.table({f.name: pa.array(out[f.name], f.type) for f in COMPOSITE_SCHEMA},
                    schema=COMPOSITE_SCHEMA)


def drivers_table(results: pa.Table, indicators=None, *, cog: str | None = None,
                  cpg=None) -> pa.Table:
    """What drives the composite: counts below per indicator and per caisse, and their change."""
    results = require_cpg(results, cpg)
    codes = list(indicators) if indicators else list(base_service(cog or _cog_of(results)))
    by_period = _pairs(results, codes)
    tallies = {}
    for p, rows in by_period.items():
        t = defaultdict(lambda: [0, 0])
        for r in rows:
            for i, s in enumerate(("statut_socle", "statut_objectif")):
                if r[s] == BELOW:
                    t[("indicateur", r["indicateur"])][i] += 1
                    t[("caisse", r["caisse"])][i] += 1
        tallies[p] = t
    out = {f.name: [] for f in DRIVER_SCHEMA}
    for p in sorted(tallies):
        now, before = tallies[p], tallies.get(previous_period(p))
        keys = set(now) | (set(before) if before else set())
        for dim, code in sorted(keys, key=lambda k: (k[0] != "indicateur",
                                                     -now.get(k, [0, 0])[1], k[1])):
            n = now.get((dim, code), [0, 0])
            b = before.get((dim, code), [0, 0]) if before is not None else None
            for k, v in (("periode", p), ("dimension", dim), ("code", code),
                         ("sous_socle", n[0]), ("sous_objectif", n[1]),
                         ("sous_socle_precedent", b and b[0]),
                         ("sous_objectif_precedent", b and b[1]),
                         ("variation_socle", None if b is None else n[0] - b[0]),
                         ("variation_objectif", None if b is None else n[1] - b[1])):
                out[k].append(v)
    return pa.table({f.name: pa.array(out[f.name], f.type) for f in DRIVER_SCHEMA},
                    schema=DRIVER_SCHEMA)


def _cog_of(results: pa.Table) -> str | None:
    cogs = {c for c in results["cog"].to_pylist() if c} if "cog" in results.column_names else set()
    if len(cogs) != 1:
        raise ConfigError("cannot tell the COG of the results: name the indicators of the "
                          "composite")
    return cogs.pop()


def _pct(x: float | None) -> str:
    return "—" if x is None else formatting.number(x, "%", sign=True)


def _verdict(met: bool | None) -> str:
    return "" if met is None else (" (cible atteinte)" if met else " (cible non atteinte)")


def render_composite(comp: pa.Table, results: pa.Table | None = None, indicators=None,
                     max_caisses: int = 5) -> str:
    """The composite for the terminal, in French, with its main drivers for the last period."""
    rows = comp.to_pylist()
    if not rows:
        return "Indicateur composite : aucune caisse n'a de socle ou d'objectif CPG."
    target = rows[0]["cible_evolution"]
    lines = [f"Indicateur composite du service de base ({rows[0]['indicateurs']}) ; cible "
             f"d'évolution {_pct(target)} sur un an"]
    for r in rows:
        lines.append(f"  {r['periode']}  sous le socle {r['sous_socle']} "
                     f"({r['caisses_sous_socle']} caisses), évolution "
                     f"{_pct(r['evolution_socle'])}{_verdict(r['atteint_socle'])} ; sous "
                     f"l'objectif {r['sous_objectif']} ({r['caisses_sous_objectif']} caisses), "
                     f"évolution {_pct(r['evolution_objectif'])}"
                     f"{_verdict(r['atteint_objectif'])} ; {r['paires_evaluees']} évaluées, "
                     f"{r['paires_non_evaluees']} non évaluées")
    if results is not None:
        last = rows[-1]["periode"]
        drv = [d for d in drivers_table(results, indicators).to_pylist() if d["periode"] == last]
        inds = [d for d in drv if d["dimension"] == "indicateur"]
        cais = [d for d in drv if d["dimension"] == "caisse" and d["sous_objectif"]]
        per_ind = ", ".join(f"{d['code']} {d['sous_objectif']} ({_var(d['variation_objectif'])})"
                            for d in inds)
        lines.append(f"  {last}, par indicateur (sous l'objectif, variation sur un an) : "
                     f"{per_ind}")
        lines.append(f"  {last}, caisses les plus souvent sous l'objectif : " + (", ".join(
            f"{d['code']} {d['sous_objectif']}" for d in cais[:max_caisses]) or "aucune"))
    return "\n".join(lines)


def _var(v: int | None) -> str:
    return "—" if v is None else f"{v:+d}"


def composite_html(results: pa.Table, indicators=None, *, cog: str | None = None) -> str:
    """A ``<section>`` for the HTML report: the composite per period and its drivers."""
    comp = composite_table(results, indicators, cog=cog).to_pylist()
    e = html.escape
    head = ("<tr><th>Période</th><th>Sous le socle</th><th>Évolution</th><th>Sous l'objectif"
            "</th><th>Évolution</th><th>Évaluées</th><th>Indicateurs en cause</th></tr>")
    body = "".join(
        f"<tr><td>{e(r['periode'])}</td><td>{r['sous_socle']}</td>"
        f"<td>{e(_pct(r['evolution_socle']))}</td><td>{r['sous_objectif']}</td>"
        f"<td>{e(_pct(r['evolution_objectif']))}</td><td>{r['paires_evaluees']}</td>"
        f"<td>{e(r['principaux_indicateurs'] or '')}</td></tr>" for r in comp)
    target = comp[0]["cible_evolution"] if comp else -REDUCTION
    return (f"<section id='composite'><h2>Indicateur composite du service de base</h2>"
            f"<p class='note'>Caisses sous leur socle et sous leur objectif CPG, cumulées sur "
            f"les indicateurs {e(comp[0]['indicateurs'] if comp else '')} ; cible d'évolution "
            f"{e(_pct(target))} sur un an.</p><table>{head}{body}</table></section>")


__all__ = ["REDUCTION", "COMPOSITE_SCHEMA", "DRIVER_SCHEMA", "base_service",
           "composite_table", "drivers_table", "render_composite", "composite_html",
           "previous_period"]
