"""Reference for tests: ``cogind.analyses.secret`` as it was at edbb17d, before it was
vectorised (issue 20 § 3), copied verbatim but for importing its system from
``secret_system_reference``. Nothing in cogind imports it.

Secret statistique: mask the caisse figures computed on too few individuals.

Primary rule: a caisse (or region, groupe) row whose ``n`` is between 1 and ``threshold - 1``
is masked (SNDS publication rule, threshold 11 by default). A row with ``n = 0`` holds no
individual and no figure, so it is left as it is.

Complementary suppression (issue 18): chosen per indicator on the whole table at once, every
period kind and level together (:mod:`cogind.analyses.secret_system`): no masked row, no small
difference of two published periods of a unit (ytd(m) − ytd(m−1)) and no small masked
remainder of a total is a linear combination of the published rows, for every additive figure
(n, numerator, denominator). The extra rows are the cheapest: fewest, smallest ``n`` first, a row
of zero next, the national last (masked only when no other caisse can be). National figures are
never masked by the primary rule and always computed on every row. Several outputs published
side by side are the user's responsibility: ask for every period in one table.

Masking empties every figure of the row (see :data:`cogind.engine.finalise.MASKED_COLUMNS`) plus
``details``, sets ``statut`` to ``masqué``, ``masque`` to true and ``motif`` to the rule applied.
The count of masked rows (never which ones, nor any value) is added to the provenance.
"""
from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from secret_system_reference import build, month_of, suppress
from cogind.errors import ConfigError
from cogind.engine.finalise import mask_cells
from cogind.measures.periods import month_number

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
    exempt = set(_provenance(table).get("sans_secret") or ())
    codes = _column(table, "indicateur")
    return [bool(m) or (lvl != "national" and code not in exempt and n is not None
                        and 0 < n < threshold)
            for lvl, n, m, code in zip(levels, ns, already, codes)]


def complementary_mask(table: pa.Table, primary: list[bool],
                       groupings: dict[str, dict[str, str]] | None = None,
                       threshold: int = DEFAULT_THRESHOLD) -> list[bool]:
    """Rows to mask so that no masked row, nor any small difference of published rows, is a
    linear combination of the published rows of its indicator (every period and level of the
    table together, :mod:`cogind.analyses.secret_system`).

    ``groupings``: level (``region``, ``groupe``) → group of each caisse code; regions are
    derived from the caisse codes when the table has region rows and none is given.
    """
    levels, ns, codes = _column(table, "niveau"), _column(table, "n"), _column(table, "caisse")
    groupings = _with_regions(dict(groupings or {}), levels, codes)
    firsts, lasts = _column(table, "debut"), _column(table, "fin")
    labels = _column(table, "periode")
    exempt = set(_provenance(table).get("sans_secret") or ())
    extra = [False] * table.num_rows
    for (code, _), rows in _by_indicator(table).items():
        if code in exempt:
            continue
        units = list(dict.fromkeys((levels[i], codes[i]) for i in rows))
        periods = list(dict.fromkeys((labels[i], firsts[i], lasts[i]) for i in rows
                                     if firsts[i] is not None))
        if not periods:
            continue
        u_of, p_of = {u: k for k, u in enumerate(units)}, {p: k for k, p in enumerate(periods)}
        cells = {(u_of[(levels[i], codes[i])], p_of[(labels[i], firsts[i], lasts[i])]):
                 (i, ns[i], primary[i]) for i in rows if firsts[i] is not None}
        caisses, members = _members(units, groupings)
        system = build(units, [(month_of(f), month_of(t)) for _, f, t in periods], cells,
                       members, caisses, threshold)
        system.bases = _bases(table, rows, cells, periods)
        for u, p in zip(*np.nonzero(suppress(system))):
            extra[int(system.rows[u, p])] = True
    return extra


def _bases(table: pa.Table, rows: list[int], cells: dict, periods: list) -> list[tuple]:
    """(unit, period, base period) of the rows whose ``details`` name a base period of the
    table (an evolution: its denominator is that period's value)."""
    details = _column(table, "details")
    if not any(details[i] for i in rows):
        return []
    where = {row: key for key, (row, _, _) in cells.items()}
    span_of = {(month_of(f), month_of(t)): k for k, (_, f, t) in enumerate(periods)}
    out = []
    for i in rows:
        base = span_of.get(_base_span(details[i]))
        if i in where and base is not None and (where[i][0], base) in cells:
            out.append((*where[i], base))
    return out


def _base_span(details: str | None) -> tuple[int, int] | None:
    """(first, last) month of the ``periode_base`` (``2023-01/2023-03``) named in ``details``."""
    try:
        parsed = json.loads(details) if details else None
        first, last = str(parsed["periode_base"]).split("/")
        return month_number(first), month_number(last)
    except (ValueError, TypeError, KeyError):
        return None


def _provenance(table: pa.Table) -> dict:
    return json.loads((table.schema.metadata or {}).get(b"cogind", b"{}"))


def _by_indicator(table: pa.Table) -> dict[tuple, list[int]]:
    out: dict[tuple, list[int]] = defaultdict(list)
    for i, key in enumerate(zip(_column(table, "indicateur"), _column(table, "cog"))):
        out[key].append(i)
    return out


def _members(units: list[tuple], groupings: dict) -> tuple[list[str], list[set]]:
    """Base caisses and the caisses of each unit. Without caisse rows, the caisses of the
    groupe mapping, else the units below the national themselves."""
    caisses = sorted(c for lvl, c in units if lvl == "caisse")
    if not caisses and (groupings.get("groupe") or None):
        caisses = sorted(groupings["groupe"])
    if not caisses:
        caisses = sorted({f"{lvl}:{c}" for lvl, c in units if lvl != "national"})
        return caisses, [set(caisses) if lvl == "national" else {f"{lvl}:{c}"}
                         for lvl, c in units]
    regions = groupings.get("region") or {}
    if "region" in groupings and not set(caisses) <= set(regions):
        from cogind.engine.levels import region_of

        regions = region_of(caisses)
    group_of = {"region": regions, "groupe": groupings.get("groupe") or {}}
    members = []
    for lvl, code in units:
        if lvl == "caisse":
            members.append({code})
        elif lvl in group_of:
            members.append({c for c in caisses if group_of[lvl].get(c, "99") == code})
        else:
            members.append(set(caisses))
    return caisses, members


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
        return _record(table, threshold, [], [])
    prior = _provenance(table).get("secret") or {}
    if prior.get("seuil", 0) >= threshold and not (groupings or {}).get("groupe"):
        groupings = {**(groupings or {}), "groupe": {}}  # groups were checked when computed
    primary = primary_mask(table, threshold)
    already = [bool(m) for m in _column(table, "masque", False)]
    extra = [e and not a for e, a in
             zip(complementary_mask(table, primary, groupings, threshold), already)]
    new_primary = [p and not a for p, a in zip(primary, already)]
    table = mask_cells(table, new_primary, MOTIF_PRIMARY.format(t=threshold))
    table = mask_cells(table, extra, MOTIF_SECONDARY)
    if "details" in table.column_names:
        hide = pa.array([p or e for p, e in zip(primary, extra)], pa.bool_())
        idx = table.column_names.index("details")
        col = pc.if_else(hide, pa.scalar(None, table.schema.field(idx).type), table["details"])
        table = table.set_column(idx, table.schema.field(idx), col)
    codes = _column(table, "indicateur")
    return _record(table, threshold, [c for c, m in zip(codes, new_primary) if m],
                   [c for c, m in zip(codes, extra) if m])


def _record(table: pa.Table, threshold: int, primary: list, extra: list) -> pa.Table:
    """Counts of masked rows, overall and per indicator (primary, complementary)."""
    meta = dict(table.schema.metadata or {})
    prov = json.loads(meta.get(b"cogind", b"{}"))
    before = prov.get("secret") or {}
    per = {code: dict(counts) for code, counts in (before.get("par_indicateur") or {}).items()}
    for codes, key in ((primary, "masquees"), (extra, "masquees_complementaires")):
        for code in codes:
            entry = per.setdefault(code, {"masquees": 0, "masquees_complementaires": 0})
            entry[key] += 1
    prov["secret"] = {"seuil": max(threshold, before.get("seuil", 0)),  # the strictest applied
                      "masquees": before.get("masquees", 0) + len(primary),
                      "masquees_complementaires":
                          before.get("masquees_complementaires", 0) + len(extra),
                      "par_indicateur": dict(sorted(per.items()))}
    meta[b"cogind"] = json.dumps(prov, ensure_ascii=False).encode()
    return table.replace_schema_metadata(meta)


def record_no_secret(table: pa.Table) -> pa.Table:
    """Provenance ``secret: false``: the figures were published without the secret."""
    meta = dict(table.schema.metadata or {})
    prov = json.loads(meta.get(b"cogind", b"{}"))
    prov["secret"] = False
    meta[b"cogind"] = json.dumps(prov, ensure_ascii=False).encode()
    return table.replace_schema_metadata(meta)


def masked_count(table: pa.Table) -> int:
    """Rows flagged ``masque`` in ``table``."""
    return sum(bool(m) for m in _column(table, "masque", False))
