"""Secret statistique: mask the caisse figures computed on too few individuals.

Primary rule: a caisse (or region, groupe) row whose ``n`` is between 1 and ``threshold - 1``
is masked (SNDS publication rule, threshold 11 by default). A row with ``n = 0`` holds no
individual and no figure, so it is left as it is.

Complementary disclosure: for additive figures the national numerator and denominator are the
sums of the caisses', so if a single caisse is masked in an (indicator, COG, period) cell, the
national figure minus the published caisses would give it back. A second caisse is then masked:
the one with the smallest ``n`` ≥ 1 among the published ones (ties: caisse code). If there is no
such caisse (every other caisse is empty), the national row of that cell is masked instead —
the only case where a national figure is not published. National figures are otherwise never
masked and always computed on every row. The same rule holds for every total and its parts:
national over regions and groupes, each region or groupe over its caisses, repeated until no
total has a single masked part. (Totals over two different partitions, regions and groupes, may
still be crossed; publish one grouping at a time.)

Masking empties every figure of the row (see :data:`cogind.engine.finalise.MASKED_COLUMNS`) plus
``details``, sets ``statut`` to ``masqué``, ``masque`` to true and ``motif`` to the rule applied.
The count of masked rows (never which ones, nor any value) is added to the provenance.
"""
from __future__ import annotations

import json
from collections import defaultdict

import pyarrow as pa
import pyarrow.compute as pc

from cogind.errors import ConfigError
from cogind.engine.finalise import mask_cells

DEFAULT_THRESHOLD = 11
MOTIF_PRIMARY = "secret statistique (moins de {t} individus)"
MOTIF_SECONDARY = "secret statistique (masquage complémentaire)"
CELL = ("indicateur", "cog", "periode")


def check_threshold(threshold: int) -> int:
    """``threshold`` as an int ≥ 2, or :class:`ConfigError`."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise ConfigError(f"secret statistique threshold must be an integer ≥ 2, got {threshold!r}")
    return threshold


def _column(table: pa.Table, name: str, default=None) -> list:
    if name in table.column_names:
        return table[name].to_pylist()
    return [default] * table.num_rows


def primary_mask(table: pa.Table, threshold: int) -> list[bool]:
    """Rows below national computed on 1 to ``threshold - 1`` individuals, or already masked.

    Indicators whose ``n`` counts no individuals (aggregates reported by other systems, listed
    under ``sans_secret`` in the provenance) are not masked.
    """
    levels, ns = _column(table, "niveau"), _column(table, "n")
    already = _column(table, "masque", False)
    meta = json.loads((table.schema.metadata or {}).get(b"cogind", b"{}"))
    exempt = set(meta.get("sans_secret") or ())
    codes = _column(table, "indicateur")
    return [bool(m) or (lvl != "national" and code not in exempt and n is not None
                        and 0 < n < threshold)
            for lvl, n, m, code in zip(levels, ns, already, codes)]


def _families(rows: dict[str, list[int]], codes: list, groupings: dict) -> list[tuple]:
    """(parent rows, child rows) of one cell whose figures add up: national over each lower
    level, and each region or groupe over its caisses."""
    out = [(rows.get("national", []), rows[lvl]) for lvl in rows if lvl != "national"]
    for lvl, members in groupings.items():
        for parent in rows.get(lvl, []):
            kids = [i for i in rows.get("caisse", []) if members.get(codes[i]) == codes[parent]]
            out.append(([parent], kids))
    return out


def complementary_mask(table: pa.Table, primary: list[bool],
                       groupings: dict[str, dict[str, str]] | None = None) -> list[bool]:
    """Rows to mask so that no masked row is a published total minus its published parts.

    ``groupings``: level (``region``, ``groupe``) → group of each caisse code; regions are
    derived from the caisse codes when the table has region rows and none is given.
    """
    keys = list(zip(*(_column(table, c) for c in CELL)))
    levels, ns, codes = _column(table, "niveau"), _column(table, "n"), _column(table, "caisse")
    groupings = _with_regions(dict(groupings or {}), levels, codes)
    cells: dict[tuple, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, key in enumerate(keys):
        cells[key][levels[i]].append(i)
    masked, extra = list(primary), [False] * table.num_rows
    for rows in cells.values():
        families = _families(rows, codes, groupings)
        changed = True
        while changed:  # a second mask may leave another total with a single masked part
            changed = False
            for parents, kids in families:
                if sum(masked[i] for i in kids) != 1 or any(masked[i] for i in parents):
                    continue
                open_ = [i for i in kids if not masked[i] and (ns[i] or 0) > 0]
                chosen = [min(open_, key=lambda i: (ns[i], codes[i] or ""))] if open_ else parents
                for i in chosen:
                    masked[i] = extra[i] = changed = True
    return extra


def _with_regions(groupings: dict, levels: list, codes: list) -> dict:
    if "region" in levels and "region" not in groupings:
        from cogind.engine.levels import region_of

        groupings["region"] = region_of([c for c, lvl in zip(codes, levels) if lvl == "caisse"])
    if "groupe" in levels and groupings.get("groupe") is None:
        raise ConfigError("the secret statistique needs the caisse groups of the 'groupe' level")
    return groupings


def apply_secret(table: pa.Table, threshold: int = DEFAULT_THRESHOLD,
                 groupings: dict[str, dict[str, str]] | None = None) -> pa.Table:
    """``table`` with the secret statistique applied (idempotent); counts in the provenance.

    ``groupings``: caisse → group for the ``groupe`` level, if the table has one.
    """
    threshold = check_threshold(threshold)
    if table.num_rows == 0 or "n" not in table.column_names:
        return _record(table, threshold, 0, 0)
    prior = json.loads((table.schema.metadata or {}).get(b"cogind", b"{}")).get("secret") or {}
    if prior.get("seuil", 0) >= threshold and not (groupings or {}).get("groupe"):
        groupings = {**(groupings or {}), "groupe": {}}  # groups were checked when computed
    primary = primary_mask(table, threshold)
    already = [bool(m) for m in _column(table, "masque", False)]
    extra = [e and not a
             for e, a in zip(complementary_mask(table, primary, groupings), already)]
    new_primary = [p and not a for p, a in zip(primary, already)]
    table = mask_cells(table, new_primary, MOTIF_PRIMARY.format(t=threshold))
    table = mask_cells(table, extra, MOTIF_SECONDARY)
    if "details" in table.column_names:
        hide = pa.array([p or e for p, e in zip(primary, extra)], pa.bool_())
        idx = table.column_names.index("details")
        col = pc.if_else(hide, pa.scalar(None, table.schema.field(idx).type), table["details"])
        table = table.set_column(idx, table.schema.field(idx), col)
    return _record(table, threshold, sum(new_primary), sum(extra))


def _record(table: pa.Table, threshold: int, primary: int, extra: int) -> pa.Table:
    meta = dict(table.schema.metadata or {})
    prov = json.loads(meta.get(b"cogind", b"{}"))
    before = prov.get("secret") or {}
    prov["secret"] = {"seuil": max(threshold, before.get("seuil", 0)),  # the strictest applied
                      "masquees": before.get("masquees", 0) + primary,
                      "masquees_complementaires": before.get("masquees_complementaires", 0) + extra}
    meta[b"cogind"] = json.dumps(prov, ensure_ascii=False).encode()
    return table.replace_schema_metadata(meta)


def masked_count(table: pa.Table) -> int:
    """Rows flagged ``masque`` in ``table``."""
    return sum(bool(m) for m in _column(table, "masque", False))
