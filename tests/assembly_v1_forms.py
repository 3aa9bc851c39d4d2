"""The automatic forms of cogind before issue 20 § 3 (analyses/forms.py at efa47f5: rows as
Python dicts, one JSON parse per row), kept as the reference the column-wise version is compared
with, byte for byte (tests/test_assembly.py, benchmarks/bench_assembly.py).

Automatic form of a COG indicator that has a computed and a reported form (issue 21 § 1).

An indicator computed from the claims declares the reported indicator it stands for
(``measure.reported``, e.g. ``PARCOURS_PSY_PATIENTS_DISTINCTS`` → ``PARCOURS_PSY_PATIENTS_NB``).
When the reported indicator is asked for, the computed one is computed beside it (under an
internal code, judged on the reported one's targets) and each row of the reported code takes:

* a **caisse** × period: the computed row when it has a value (the claims, with the columns
  the computed form needs, have rows of the caisse in its scope in the period), else the
  reported row when it has one (a caisse that only has the aggregate, a period the claims do
  not cover, claims without the scope's codes: no row is never a figure, issue 9), else the
  computed row and its reason (the reported row when the claims have no row of the caisse);
* a **region, group or the nation**: the row of the form all its caisses use; when its caisses
  use both, the sum of their figures, judged on the same target, without confidence interval
  (« mixte »); for a rate, the caisses' rates weighted by their denominators, a reported
  denominator (monthly ``MES_DEN`` summed over the period) divided by the period's months so
  that both forms weigh one population.

``details`` of every row says ``{"forme": "calculée" | "déclarée" | "mixte"}``; the provenance
counts the forms under ``formes``. The computed rows count individuals: the code leaves
``sans_secret`` when a computed row is kept, and the reported rows lose ``n`` (an aggregate is
no count of individuals), so that only computed rows can be masked for their own size.
"""
from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pyarrow as pa

from cogind.engine.judgement import prorated
from cogind.engine.levels import region_of

CALCULEE, DECLAREE, MIXTE = "calculée", "déclarée", "mixte"
SUFFIX = "~calcul"
JUDGED = ("atteint", "non atteint")


def internal_code(reported: str) -> str:
    return reported + SUFFIX


def pairs(registry, inds) -> dict[str, object]:
    """{reported code asked for: its computed indicator under the internal code}."""
    asked = {i.code for i in inds}
    out = {}
    for ind in registry.indicators.values():
        code = getattr(ind.measure, "reported", "")
        if code and code in asked and code not in out:
            out[code] = dataclasses.replace(ind, code=internal_code(code))
    return out


def with_targets(cog, autos: dict):
    """The COG with the reported indicators' entries copied under the internal codes."""
    if cog is None or not autos:
        return cog
    extra = tuple(dataclasses.replace(e, code=internal_code(e.code)) for e in cog.indicators
                  if e.code in autos)
    return dataclasses.replace(cog, indicators=tuple(cog.indicators) + extra)


def public(gaps: dict, autos: dict) -> dict:
    """The gaps without the internal codes (a computed form missing its inputs is no gap: its
    reported form stands)."""
    internal = {a.code for a in autos.values()}
    return {c: g for c, g in gaps.items() if c not in internal} if internal else gaps


def apply(table: pa.Table, meta: dict, autos: dict, gaps: dict, cog,
          user_groups: dict | None) -> tuple[pa.Table, list | None]:
    """(``table`` with the automatic forms, the form of each row or None); ``meta`` (the
    provenance) without internal codes, with ``formes``."""
    if not autos:
        return table, None
    caisses = sorted({c for c, lvl in zip(table.column("caisse").to_pylist(),
                                          table.column("niveau").to_pylist())
                      if lvl == "caisse" and c is not None})
    table, formes = combine(table, autos, gaps, cog,
                            {"region": region_of(caisses), "groupe": user_groups or {}})
    internal = {a.code for a in autos.values()}
    computed = {c for c, f in formes.items() if set(f) - {DECLAREE}}
    gone = internal | computed  # a reported form missing its table is no gap if computed
    for key in ("non_calcules", "exclusions_hors_periode"):
        for code in internal | (computed if key == "non_calcules" else set()):
            meta.get(key, {}).pop(code, None)
    meta["entrees_manquantes"] = [
        {**e, "indicateurs": [c for c in e["indicateurs"] if c not in gone]}
        for e in meta.get("entrees_manquantes", [])]
    meta["entrees_manquantes"] = [e for e in meta["entrees_manquantes"] if e["indicateurs"]]
    meta["sans_secret"] = [c for c in meta.get("sans_secret", [])
                           if c not in internal and c not in computed]
    meta["formes"] = formes
    return table, [json.loads(d).get("forme") if d else None
                   for d in table.column("details").to_pylist()]


def keep(table: pa.Table, row_forms: list | None) -> pa.Table:
    """After the secret: a masked row (details emptied) keeps ``{"forme": …}``."""
    if row_forms is None:
        return table
    details = table.column("details").to_pylist()
    fixed = [json.dumps({"forme": f}, ensure_ascii=False) if d is None and f else d
             for d, f in zip(details, row_forms)]
    i = table.schema.get_field_index("details")
    return table.set_column(i, table.schema.field(i), pa.array(fixed, pa.string()))


def combine(table: pa.Table, autos: dict, gaps: dict, cog, groupings: dict) -> tuple:
    """(rows with the automatic form of each reported code, {code: counts of forms})."""
    if not autos:
        return table, {}
    rows = table.to_pylist()
    internal = {a.code: code for code, a in autos.items()}
    out, formes = [], {}
    by_code: dict[str, list] = {}
    for r in rows:
        code = internal.get(r["indicateur"], r["indicateur"])
        if code in autos:
            by_code.setdefault(code, []).append(r)
        else:
            out.append(r)
    for code, auto in autos.items():
        computed = [] if auto.code in gaps else [r for r in by_code.get(code, [])
                                                 if r["indicateur"] == auto.code]
        reported = [r for r in by_code.get(code, []) if r["indicateur"] == code]
        merged = _merge(code, computed, reported, cog, groupings)
        if any(json.loads(r["details"])["forme"] != DECLAREE for r in merged):
            for r in merged:  # secret on individuals only: an aggregate has no such count
                if json.loads(r["details"])["forme"] == DECLAREE:
                    r["n"] = None
        formes[code] = _count(merged)
        out += merged
    order = {c: k for k, c in enumerate(dict.fromkeys(r["indicateur"] for r in rows))}
    for code, auto in autos.items():
        order[code] = min(order.get(code, math.inf), order.get(auto.code, math.inf))
    out.sort(key=lambda r: order.get(r["indicateur"], math.inf))  # stable: rows keep order
    return pa.Table.from_pylist(out, schema=table.schema), formes


def _count(rows) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        f = json.loads(r["details"])["forme"]
        counts[f] = counts.get(f, 0) + 1
    return counts


def _key(r):
    return (r["niveau"], r["caisse"], r["periode"])


def _with_form(r: dict, forme: str, template: dict | None = None) -> dict:
    r = dict(r)
    if template is not None:  # the reported code's wording
        r["indicateur"], r["libelle"] = template["indicateur"], template["libelle"]
    details = json.loads(r["details"]) if r["details"] else {}
    r["details"] = json.dumps({**details, "forme": forme}, ensure_ascii=False)
    return r


def _merge(code: str, computed: list, reported: list, cog, groupings: dict) -> list:
    label = reported[0] if reported else {"indicateur": code, "libelle": code}
    if not computed:
        return [_with_form(r, DECLAREE) for r in reported]
    comp = {_key(r): r for r in computed}
    rep = {_key(r): r for r in reported}
    chosen: dict = {}  # (caisse, periode) -> (form, row)
    for key in dict.fromkeys([*comp, *rep]):
        if key[0] == "caisse":
            c, r = comp.get(key), rep.get(key)
            use = c is not None and (_has_value(c) or r is None or not _has_value(r))
            chosen[key] = (CALCULEE, c) if use else (DECLAREE, r)
    out = []
    for key in dict.fromkeys([*rep, *comp]):
        if key[0] == "caisse":
            forme, r = chosen[key]
            out.append(_with_form(r, forme, label if forme == CALCULEE else None))
            continue
        members = [v for k, v in chosen.items() if k[2] == key[2]
                   and _in_unit(k[1], key[0], key[1], groupings)]
        forms = {f for f, _ in members}
        if forms == {CALCULEE} and key in comp:
            out.append(_with_form(comp[key], CALCULEE, label))
        elif forms <= {DECLAREE} and key in rep:
            out.append(_with_form(rep[key], DECLAREE))
        else:
            template = comp.get(key) or rep[key]
            out.append(_mixed(template, members, cog, code, label))
    return out


def _has_value(r: dict) -> bool:
    return r["valeur"] is not None and math.isfinite(r["valeur"])


def _in_unit(caisse: str, level: str, unit: str, groupings: dict) -> bool:
    if level == "national":
        return True
    return (groupings.get(level) or {}).get(caisse, "99") == unit


def _mixed(template: dict, members: list, cog, code: str, label: dict) -> dict:
    """A unit whose caisses use both forms: their figures summed, judged on the target."""
    kept = [(f, x) for f, x in members if _has_value(x)]
    rows = [x for _, x in kept]
    r = _with_form(template, MIXTE, label)
    ratio = any(x["denominateur"] is not None for x in rows)
    scale = 100.0 if r["unite"] == "%" else 1.0
    num = den = None
    if ratio:  # each caisse's rate weighted by its denominator, one period's worth of it
        weights = [(x["denominateur"] or 0.0) / (_months(x) if f == DECLAREE else 1)
                   for f, x in kept]
        den = sum(weights)
        num = sum(x["valeur"] * w for x, w in zip(rows, weights)) / scale
    value = (scale * num / den if den else math.nan) if ratio else float(
        sum(x["valeur"] for x in rows)) if rows else math.nan
    r.update(valeur=value if math.isfinite(value) else None, numerateur=num, denominateur=den,
             n=sum(x["n"] or 0 for _, x in members if x["n"] is not None) or None,
             ic_bas=None, ic_haut=None, significatif=None, ecart_cas=None,
             ecart_cas_unite=None, n_exclus=sum(x["n_exclus"] or 0 for _, x in members),
             exclusions="{}", masque=False)
    if r["valeur"] is None:
        r.update(statut="non calculable", motif="aucune caisse de l'unité n'a de valeur",
                 atteint=None, ecart=None)
    elif template["statut"] in JUDGED:
        target = _target(cog, code, template)
        met = bool(target.met_array(np.array([value]), r["sens"])[0])
        r.update(atteint=met, ecart=float(target.gap_array(np.array([value]), r["sens"])[0]),
                 statut=JUDGED[0] if met else JUDGED[1], motif=None)
    return r


def _months(row: dict) -> int:
    """Months of a row's period: a reported denominator (a population each month) is summed
    over them."""
    d, f = row["debut"], row["fin"]
    return (f.year - d.year) * 12 + f.month - d.month + 1


def _target(cog, code: str, row: dict):
    """The target the row was judged on: the year's, or its pro-rated path (January to k)."""
    target = cog.target(code, row["debut"].year)
    if row["cible"] is not None and target.reference is not None and not math.isclose(
            row["cible"], target.reference):
        return prorated(target, row["fin"].month)
    return target
