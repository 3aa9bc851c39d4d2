"""The registry as plain data, for ``--json`` on ``list``, ``describe``, ``cogs`` and ``plugins``
(and the tables of ``alerts``, ``targets``, ``verify``: :func:`table_document`).

The same fields the text renderings of :mod:`cogind.report.describe` show, as JSON-ready dicts
(keys in French, as the result columns are), so that scripts never parse terminal text.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math

from cogind.model import Source, Target
from cogind.registry import Registry, describe_plugin


def _source(s: Source) -> dict:
    return {"seed": s.seed, "lignes": list(s.lines), "citation": s.quote or None}


TARGET_KEYS = {"kind": "type", "value": "valeur", "low": "bas", "high": "haut",
               "base_year": "annee_base", "label": "libelle"}


def _target(t: Target) -> dict:
    fields = dataclasses.asdict(t)
    return {TARGET_KEYS.get(k, k): v for k, v in fields.items() if v is not None}


def _targets(entry) -> dict:
    return {str(y): _target(entry.targets[y]) for y in sorted(entry.targets)}


def indicator_data(registry: Registry, code: str) -> dict:
    ind = registry.indicator(code)
    owner = registry.owner.get(("indicateur", code))
    return {
        "code": ind.code, "libelle": ind.libelle, "definition": ind.definition,
        "calcul": list(ind.measure.describe(ind)), "table": ind.table, "unite": ind.unit,
        "sens": ind.direction, "colonne_periode": ind.period_column,
        "colonne_caisse": ind.caisse_column, "champ": [str(c) for c in ind.where],
        "colonnes_requises": list(ind.required_columns),
        "motifs_exclusion": list(ind.measure.kernel().reasons),
        "notes": ind.notes or None, "sources": [_source(s) for s in ind.source],
        "cogs": [{"cog": cog.code, "numero": cog.entry(code).numero or None,
                  "cibles": _targets(cog.entry(code))} for cog in registry.cogs_using(code)],
        "plugin": describe_plugin(owner) if owner else None,
    }


FORMS = {"evenements": "calculé des événements de la table",
         "remboursements_repli_declare": "calculé des remboursements, repli déclaré par caisse",
         "declare": "déclaré (table mesures)"}
"""How an indicator's figure is obtained (``cogind list``, issue 21 § 1)."""
REPORTED_TABLE = "mesures"


def computed_forms(registry: Registry) -> dict[str, str]:
    """{reported indicator: the computed indicator standing for it (``measure.reported``)}."""
    out: dict[str, str] = {}
    for code, ind in sorted(registry.indicators.items()):
        reported = getattr(ind.measure, "reported", "")
        if reported and reported in registry.indicators:
            out.setdefault(reported, code)
    return out


def form_of(registry: Registry, code: str, forms: dict[str, str] | None = None) -> dict:
    """``forme`` (a key of :data:`FORMS`), its wording, and the computed form's code if any."""
    forms = computed_forms(registry) if forms is None else forms
    if code in forms:
        key = "remboursements_repli_declare"
    else:
        key = "declare" if registry.indicator(code).table == REPORTED_TABLE else "evenements"
    return {"forme": key, "forme_libelle": FORMS[key], "forme_calculee": forms.get(code)}


def list_data(registry: Registry, cog_code: str | None) -> list[dict]:
    forms = computed_forms(registry)
    if cog_code:
        cog = registry.cog(cog_code)
        return [{"numero": e.numero or None, "code": e.code,
                 "libelle": e.libelle or registry.indicator(e.code).libelle,
                 "unite": registry.indicator(e.code).unit,
                 "sens": registry.indicator(e.code).direction, "cibles": _targets(e),
                 **form_of(registry, e.code, forms)}
                for e in cog.indicators]
    return [{"code": code, "libelle": ind.libelle, "unite": ind.unit, "sens": ind.direction,
             "table": ind.table, "cogs": [c.code for c in registry.cogs_using(code)],
             **form_of(registry, code, forms)}
            for code, ind in sorted(registry.indicators.items())]


def cogs_data(registry: Registry) -> list[dict]:
    return [{"code": code, "libelle": cog.libelle, "annees": list(cog.years),
             "indicateurs": len(cog.indicators)} for code, cog in sorted(registry.cogs.items())]


def plugins_data(registry: Registry) -> list[dict]:
    return [{"nom": i.name, "distribution": i.distribution, "version": i.version,
             "module": i.module, "hooks": list(i.hooks), "declare": list(i.registered),
             "erreur": i.error} for i in registry.plugins]


def records(table) -> list[dict]:
    """The rows of a pyarrow table as JSON-ready dicts, column names as keys: a NaN is null
    (never a bare NaN, which is not JSON), dates and times as ISO text."""
    rows = table.to_pylist()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and math.isnan(value):
                row[key] = None
            elif isinstance(value, (dt.date, dt.datetime, dt.time)):
                row[key] = value.isoformat()
    return rows


def table_document(table, **fields) -> dict:
    """``--json`` of a command that prints a table: ``fields`` (the options it ran with),
    then ``colonnes`` (name and Arrow type) and ``lignes`` (:func:`records`)."""
    return {**fields, "colonnes": [{"nom": f.name, "type": str(f.type)} for f in table.schema],
            "lignes": records(table)}


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False)
