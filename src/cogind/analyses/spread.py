"""Dispersion between caisses, per indicator and period, from the caisse rows of a result table.

One row per (indicator, COG, period): how many caisses meet the target, min / deciles / max of
the caisse values, the inter-decile ratio D9/D1, the caisses furthest from the target and the
change since the previous period of the table. Deciles follow the rule used everywhere in
cogind (Hyndman-Fan type 1): Dk is the smallest caisse value v such that at least k × 10 % of
the caisses have a value ≤ v, so every decile is a published caisse value.

Only published caisse figures count: masked rows (secret statistique) and rows without a value
are left out and counted apart, so the dispersion never reveals a masked figure. Compute it on a
table whose secret statistique has already been applied.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import pyarrow as pa

from cogind import formatting

FURTHEST = 5
DECILES = tuple(f"d{k}" for k in range(1, 10))
KEY = ("indicateur", "cog", "periode")
USED = ("indicateur", "libelle", "cog", "niveau", "caisse", "periode", "debut", "fin", "valeur",
        "unite", "sens", "cible", "cible_libelle", "atteint", "ecart", "masque")

SPREAD_SCHEMA = pa.schema(
    [("indicateur", pa.string()), ("libelle", pa.string()), ("cog", pa.string()),
     ("periode", pa.string()), ("debut", pa.date32()), ("fin", pa.date32()),
     ("unite", pa.string()), ("sens", pa.string()), ("cible", pa.float64()),
     ("cible_libelle", pa.string()), ("caisses", pa.int64()), ("caisses_publiees", pa.int64()),
     ("caisses_masquees", pa.int64()), ("caisses_atteint", pa.int64()),
     ("caisses_non_atteint", pa.int64()), ("part_atteint", pa.float64()),
     ("min", pa.float64())]
    + [(d, pa.float64()) for d in DECILES]
    + [("max", pa.float64()), ("rapport_interdecile", pa.float64()),
       ("valeur_nationale", pa.float64()), ("atteint_national", pa.bool_()),
       ("plus_eloignees", pa.string()), ("periode_precedente", pa.string()),
       ("evolution_caisses_atteint", pa.int64()), ("evolution_mediane", pa.float64()),
       ("evolution_nationale", pa.float64())])
"""Columns of the dispersion table (``cogind compute --spread``, :func:`dispersion`)."""


def decile(sorted_values: list[float], k: int) -> float | None:
    """Dk of ascending values: the value of rank ⌈k·m/10⌉ (type 1), None if there is none."""
    m = len(sorted_values)
    return sorted_values[max((k * m + 9) // 10, 1) - 1] if m else None


def _published(row: dict) -> bool:
    v = row["valeur"]
    return not row.get("masque") and v is not None and not (isinstance(v, float) and math.isnan(v))


def _furthest(rows: list[dict]) -> str:
    missed = sorted((r for r in rows if _published(r) and r["atteint"] is False
                     and r["ecart"] is not None), key=lambda r: (r["ecart"], r["caisse"] or ""))
    return json.dumps([{"caisse": r["caisse"], "valeur": r["valeur"], "ecart": r["ecart"]}
                       for r in missed[:FURTHEST]], ensure_ascii=False)


def _spread_row(first: dict, caisses: list[dict], national: dict | None) -> dict:
    values = sorted(float(r["valeur"]) for r in caisses if _published(r))
    met = sum(1 for r in caisses if _published(r) and r["atteint"] is True)
    missed = sum(1 for r in caisses if _published(r) and r["atteint"] is False)
    row = {k: first.get(k) for k in ("indicateur", "libelle", "cog", "periode", "debut", "fin",
                                     "unite", "sens", "cible", "cible_libelle")}
    row.update(caisses=len(caisses), caisses_publiees=len(values),
               caisses_masquees=sum(1 for r in caisses if r.get("masque")),
               caisses_atteint=met, caisses_non_atteint=missed,
               part_atteint=100.0 * met / (met + missed) if met + missed else None,
               min=values[0] if values else None, max=values[-1] if values else None,
               plus_eloignees=_furthest(caisses))
    for k, name in enumerate(DECILES, start=1):
        row[name] = decile(values, k)
    d1, d9 = row["d1"], row["d9"]
    row["rapport_interdecile"] = d9 / d1 if d1 is not None and d9 is not None and d1 > 0 else None
    if national is not None and not national.get("masque"):
        row["valeur_nationale"], row["atteint_national"] = national["valeur"], national["atteint"]
    return row


def _diff(a, b):
    return None if a is None or b is None else a - b


def _add_changes(rows: list[dict]) -> None:
    """Fill the ``evolution_*`` columns from the previous period of the same indicator."""
    series: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        series[(r["indicateur"], r["cog"])].append(r)
    for group in series.values():
        group.sort(key=lambda r: (str(r["debut"]), str(r["fin"]), r["periode"] or ""))
        for prev, cur in zip(group, group[1:]):
            cur["periode_precedente"] = prev["periode"]
            cur["evolution_caisses_atteint"] = _diff(cur["caisses_atteint"],
                                                     prev["caisses_atteint"])
            cur["evolution_mediane"] = _diff(cur["d5"], prev["d5"])
            cur["evolution_nationale"] = _diff(cur.get("valeur_nationale"),
                                               prev.get("valeur_nationale"))


def dispersion(results: pa.Table) -> pa.Table:
    """The dispersion between caisses of every indicator and period of ``results``.

    :param results: a table from :func:`cogind.compute` (or read back from a result file),
        best with the secret statistique applied: masked caisses are counted, never used.
    :returns: a table with the columns of :data:`SPREAD_SCHEMA`, one row per indicator, COG
        and period, in the order of the results; the provenance metadata is kept.
    """
    names = [c for c in USED if c in results.column_names]
    cells: dict[tuple, dict] = {}
    for r in results.select(names).to_pylist():
        cell = cells.setdefault(tuple(r.get(k) for k in KEY), {"caisse": [], "national": None})
        if r.get("niveau") == "caisse":
            cell["caisse"].append(r)
        elif r.get("niveau") == "national":
            cell["national"] = r
    rows = []
    for cell in cells.values():
        first = cell["national"] or cell["caisse"][0]
        rows.append(_spread_row(first, cell["caisse"], cell["national"]))
    _add_changes(rows)
    cols = {f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in SPREAD_SCHEMA}
    table = pa.table(cols, schema=SPREAD_SCHEMA)
    return table.replace_schema_metadata(results.schema.metadata)


def spread_path(output: str | Path) -> Path:
    """Where ``--spread`` writes the dispersion: ``x.parquet`` → ``x.dispersion.parquet``."""
    output = Path(output)
    return output.with_name(f"{output.stem}.dispersion{output.suffix}")


def render_spread(table: pa.Table, max_rows: int = 200) -> str:
    """A fixed-width view of a dispersion table for the terminal, French number formats."""
    header = ("indicateur", "période", "caisses atteint", "min", "D1", "médiane", "D9", "max",
              "D9/D1", "masquées")
    lines = []
    for r in table.to_pylist()[:max_rows]:
        u = r["unite"]
        share = formatting.number(r["part_atteint"], "%")
        judged = r["caisses_atteint"] + r["caisses_non_atteint"]
        lines.append((r["indicateur"], r["periode"], f"{r['caisses_atteint']}/{judged} ({share})",
                      *(formatting.number(r[c], u) for c in ("min", "d1", "d5", "d9", "max")),
                      formatting.number(r["rapport_interdecile"], "ratio"),
                      formatting.count(r["caisses_masquees"])))
    out = [formatting.table(header, lines, right=range(2, len(header)))]
    if table.num_rows > max_rows:
        out.append(f"… {table.num_rows - max_rows} lignes de plus (écrire dans un fichier avec -o)")
    return "\n".join(out)
