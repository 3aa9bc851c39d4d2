"""Secret statistique: mask the caisse figures computed on too few individuals.

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
The count of masked rows (never which ones, nor any value) is added to the provenance, with
the *empreinte* of the protected table (:func:`layout_digest`): a table that still has those very
cells, masked alike, is protected already and is returned as it is by a second application at
the same or a lower threshold (the suppression is chosen greedily: searched again from the masks
alone, it could mask a few more rows than the first time).
"""
from __future__ import annotations

import contextvars
import hashlib
import json
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cogind.analyses.secret_system import Layout, build, layout, suppress
from cogind.errors import ConfigError
from cogind.engine.finalise import mask_cells
from cogind.measures.periods import month_number

DEFAULT_THRESHOLD = 11
MOTIF_PRIMARY = "secret statistique (moins de {t} individus)"
MOTIF_SECONDARY = "secret statistique (masquage complémentaire)"
CELL = ("indicateur", "cog", "periode")
LAYOUT = ("indicateur", "cog", "niveau", "caisse", "periode")  # a cell of the published table
_MIX = np.uint64(0x9E3779B97F4A7C15)


def check_threshold(threshold: int) -> int:
    """``threshold`` as an int ≥ 2, or :class:`ConfigError`."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 2:
        raise ConfigError(f"secret statistique threshold must be an integer ≥ 2, got {threshold!r}")
    return threshold


# during apply_secret: {(name, the column's buffers): (column, codes)}; the columns that name
# the cells are encoded once, not by each of the primary mask, the system and the empreinte
_ENCODED: contextvars.ContextVar[dict | None] = contextvars.ContextVar("encoded", default=None)


def _codes(table: pa.Table, name: str) -> tuple[np.ndarray, list]:
    """(index of each row's value in the distinct values, -1 for null or absent; the values).
    The result is shared: never modify it."""
    if name not in table.column_names:
        return np.full(table.num_rows, -1, np.int64), []
    col = table[name]
    cache = _ENCODED.get()
    key = (name, tuple((c.offset, len(c), *(b.address if b is not None else 0
                                            for b in c.buffers())) for c in col.chunks))
    if cache is not None and key in cache:  # the same buffers (kept alive): the same values
        return cache[key][1]
    plain = col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col
    enc = pc.dictionary_encode(plain.combine_chunks())
    out = (np.asarray(enc.indices.fill_null(-1), np.int64), enc.dictionary.to_pylist())
    if cache is not None:
        cache[key] = (col, out)
    return out


def _numbers(table: pa.Table, name: str) -> np.ndarray:
    if name not in table.column_names:
        return np.full(table.num_rows, np.nan)
    col = pc.cast(table[name], pa.float64(), safe=False).combine_chunks()
    return np.asarray(col.fill_null(np.nan), np.float64)


def _flags(table: pa.Table, name: str) -> np.ndarray:
    if name not in table.column_names:
        return np.zeros(table.num_rows, bool)
    return np.asarray(pc.fill_null(table[name], False).combine_chunks(), bool)


def _is(codes: tuple[np.ndarray, list], values) -> np.ndarray:
    """Rows whose value is one of ``values``."""
    index, dictionary = codes
    hit = np.array([v in values for v in dictionary] + [False], bool)
    return hit[index]


def primary_mask(table: pa.Table, threshold: int) -> np.ndarray:
    """Rows below national computed on 1 to ``threshold - 1`` individuals, or already masked.

    Indicators whose ``n`` counts no individuals (aggregates reported by other systems, listed
    under ``sans_secret`` in the provenance) are not masked.
    """
    n = _numbers(table, "n")
    exempt = set(_provenance(table).get("sans_secret") or ())
    below = ~_is(_codes(table, "niveau"), {"national"}) & ~_is(_codes(table, "indicateur"), exempt)
    return _flags(table, "masque") | (below & (0 < n) & (n < threshold))


class _Rows:
    """The columns the complementary suppression reads, as integer codes."""

    def __init__(self, table: pa.Table):
        self.levels, self.caisses = _codes(table, "niveau"), _codes(table, "caisse")
        self.n = _numbers(table, "n")
        self.unit = (self.levels[0] + 1) * (len(self.caisses[1]) + 1) + self.caisses[0] + 1
        self.dated = np.zeros(table.num_rows, bool)
        self.period = np.zeros(table.num_rows, np.int64)
        self.months = np.zeros((2, table.num_rows), np.int64)
        if "debut" in table.column_names and "fin" in table.column_names:
            self._periods(table)
        ind, cog = _codes(table, "indicateur"), _codes(table, "cog")
        self.groups = _groups((ind[0] + 1) * (len(cog[1]) + 1) + cog[0] + 1)
        self.indicators = ind
        self.details = table["details"] if "details" in table.column_names else None

    def _periods(self, table: pa.Table) -> None:
        first, last = table["debut"].combine_chunks(), table["fin"].combine_chunks()
        self.dated = np.asarray(first.is_valid(), bool)
        key = _codes(table, "periode")[0] + 1
        for col in (first, last):
            self.months[int(col is last)] = np.asarray(pc.fill_null(
                pc.add(pc.multiply(pc.subtract(pc.year(col), 1970), 12),
                       pc.subtract(pc.month(col), 1)), 0), np.int64)
            days = _dense(np.asarray(_ordinal(col).fill_null(0), np.int64))
            key = _dense(key * (int(days.max(initial=0)) + 1) + days)
        self.period = key

    def indicator(self, row: int) -> str | None:
        index, codes = self.indicators
        return codes[index[row]] if index[row] >= 0 else None

    def unit_names(self, keys: np.ndarray) -> list[tuple]:
        width = len(self.caisses[1]) + 1
        levels, caisses = self.levels[1] + [None], self.caisses[1] + [None]
        return [(levels[k // width - 1], caisses[k % width - 1]) for k in keys.tolist()]


def _dense(values: np.ndarray) -> np.ndarray:
    """Rank of each value among the distinct values, ascending (``np.unique``'s inverse),
    through a table of the value range when it is small (dates, period keys): no sort."""
    if not len(values):
        return np.zeros(0, np.int64)
    low = int(values.min())
    span = int(values.max()) - low + 1
    if span > 4 * len(values) + 4096:
        return np.unique(values, return_inverse=True)[1].reshape(-1)
    present = np.zeros(span, bool)
    present[values - low] = True
    return (np.cumsum(present) - 1)[values - low]


def _ordinal(col: pa.Array) -> pa.Array:
    """A column of dates or instants as integers, equal where the values are."""
    if pa.types.is_date32(col.type):
        return col.cast(pa.int32())
    return col.cast(pa.int64())


def _groups(key: np.ndarray) -> list[np.ndarray]:
    """Row indices (ascending) of each distinct key."""
    order = np.argsort(key, kind="stable")
    cuts = np.flatnonzero(np.diff(key[order])) + 1
    return np.split(order, cuts) if len(key) else []


def _first_seen(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct keys in order of first appearance, the rank of each element among them)."""
    distinct, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return distinct[order], rank[inverse.reshape(-1)]


def complementary_mask(table: pa.Table, primary,
                       groupings: dict[str, dict[str, str]] | None = None,
                       threshold: int = DEFAULT_THRESHOLD) -> np.ndarray:
    """Rows to mask so that no masked row, nor any small difference of published rows, is a
    linear combination of the published rows of its indicator (every period and level of the
    table together, :mod:`cogind.analyses.secret_system`).

    ``groupings``: level (``region``, ``groupe``) → group of each caisse code; regions are
    derived from the caisse codes when the table has region rows and none is given.
    """
    rows = _Rows(table)
    groupings = _with_regions(dict(groupings or {}), rows)
    primary = np.asarray(primary, bool)
    exempt = set(_provenance(table).get("sans_secret") or ())
    extra = np.zeros(table.num_rows, bool)
    layouts: dict[tuple, Layout] = {}
    bases = _BaseSpans(rows.details)
    for group in rows.groups:
        if rows.indicator(group[0]) in exempt:
            continue
        system = _system(rows, group, primary, groupings, threshold, layouts)
        if system is None:
            continue
        system.bases = bases.of(group, system, rows)
        extra[system.rows[suppress(system)]] = True
    return extra


def _system(rows: _Rows, group: np.ndarray, primary: np.ndarray, groupings: dict,
            threshold: int, layouts: dict):
    """One indicator's system, or None when none of its rows has a period."""
    unit_keys, unit = _first_seen(rows.unit[group])
    dated = rows.dated[group]
    if not dated.any():
        return None
    group, unit = group[dated], unit[dated]
    period_keys, period = _first_seen(rows.period[group])
    units = rows.unit_names(unit_keys)
    if (key := tuple(units)) not in layouts:
        layouts[key] = layout(units, *_members(units, groupings))
    firsts = np.zeros(len(period_keys), np.int64)
    firsts[period[::-1]] = group[::-1]  # the first row of each period
    spans = list(zip(rows.months[0][firsts].tolist(), rows.months[1][firsts].tolist()))
    cell = unit * len(spans) + period
    if np.bincount(cell).max() > 1:  # a (unit, period) twice: its last row counts
        cell, last = np.unique(cell[::-1], return_index=True)
        group = group[::-1][last]
    index = np.full(len(units) * len(spans), -1, np.int64)
    index[cell] = group
    return build(layouts[key], spans, index.reshape(len(units), len(spans)), rows.n,
                 primary, threshold)


class _BaseSpans:
    """The base period named in ``details`` of each row (an evolution), parsed once per text;
    each text's span numbered among the distinct spans (-1: none)."""

    def __init__(self, details):
        self.codes = None
        if details is not None and details.null_count < len(details):
            enc = pc.dictionary_encode(details.combine_chunks())
            self.codes = np.asarray(enc.indices.fill_null(-1), np.int64)
            spans = [_base_span(d) for d in enc.dictionary.to_pylist()]
            self.spans = list(dict.fromkeys(s for s in spans if s is not None))
            number = {span: k for k, span in enumerate(self.spans)}
            self.span_of_code = np.array([number.get(s, -1) for s in spans] + [-1], np.int64)

    def of(self, group: np.ndarray, system, rows: _Rows) -> list[tuple]:
        """(unit, period, base period) of the rows whose ``details`` name a base period of
        the system (an evolution: its denominator is that period's value), in row order."""
        if self.codes is None:
            return []
        period_of = {span: k for k, span in enumerate(system.spans)}
        base_of = np.array([period_of.get(s, -1) for s in self.spans] + [-1], np.int64)
        units, periods = np.nonzero(system.rows >= 0)
        if not len(units):
            return []
        cell_rows = system.rows[units, periods]  # a table row is in one cell at most
        order = np.argsort(cell_rows, kind="stable")
        units, periods, cell_rows = units[order], periods[order], cell_rows[order]
        named = group[self.codes[group] >= 0]
        at = np.minimum(np.searchsorted(cell_rows, named), len(cell_rows) - 1)
        base = base_of[self.span_of_code[self.codes[named]]]
        u, p = units[at], periods[at]
        ok = (cell_rows[at] == named) & (base >= 0)
        ok[ok] = system.rows[u[ok], base[ok]] >= 0
        return list(zip(u[ok].tolist(), p[ok].tolist(), base[ok].tolist()))


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


def _with_regions(groupings: dict, rows: _Rows) -> dict:
    levels = rows.levels[1]
    if "region" in levels and "region" not in groupings:
        from cogind.engine.levels import region_of

        caisse = rows.levels[0] == levels.index("caisse") if "caisse" in levels else \
            np.zeros(len(rows.levels[0]), bool)
        codes = np.unique(rows.caisses[0][caisse])
        groupings["region"] = region_of([rows.caisses[1][c] if c >= 0 else None
                                         for c in codes.tolist()])
    if "groupe" in levels and groupings.get("groupe") is None:
        raise ConfigError("the secret statistique needs the caisse groups of the 'groupe' level")
    return groupings


def apply_secret(table: pa.Table, threshold: int = DEFAULT_THRESHOLD,
                 groupings: dict[str, dict[str, str]] | None = None) -> pa.Table:
    """``table`` with the secret statistique applied; counts and empreinte in the provenance.

    Idempotent: a table whose provenance records the secret at ``threshold`` or above, with the
    empreinte of its present cells and masks, is returned unchanged. Any other table (raw
    figures, a lower threshold, rows added, a mask lifted) is protected again, its masked rows
    kept masked. ``groupings``: caisse → group for the ``groupe`` level, if the table has one.
    """
    token = _ENCODED.set({})
    try:
        return _apply_secret(table, threshold, groupings)
    finally:
        _ENCODED.reset(token)


def _apply_secret(table: pa.Table, threshold: int, groupings: dict | None) -> pa.Table:
    threshold = check_threshold(threshold)
    prior = _provenance(table).get("secret") or {}
    if _protected(prior, threshold, table):
        return table
    if table.num_rows == 0 or "n" not in table.column_names:
        return _record(table, threshold, Counter(), Counter())
    if prior.get("seuil", 0) >= threshold and not (groupings or {}).get("groupe"):
        groupings = {**(groupings or {}), "groupe": {}}  # groups were checked when computed
    primary = primary_mask(table, threshold)
    already = _flags(table, "masque")
    extra = complementary_mask(table, primary, groupings, threshold) & ~already
    new_primary = primary & ~already
    table = mask_cells(table, new_primary, MOTIF_PRIMARY.format(t=threshold))
    table = mask_cells(table, extra, MOTIF_SECONDARY)
    if "details" in table.column_names:
        hide = pa.array(primary | extra, pa.bool_())
        idx = table.column_names.index("details")
        col = pc.if_else(hide, pa.scalar(None, table.schema.field(idx).type), table["details"])
        table = table.set_column(idx, table.schema.field(idx), col)
    codes = _codes(table, "indicateur")
    return _record(table, threshold, _count(codes, new_primary), _count(codes, extra))


def _count(codes: tuple[np.ndarray, list], mask: np.ndarray) -> Counter:
    """Rows of ``mask`` per indicator code."""
    index, names = codes
    counts = np.bincount(index[mask] + 1, minlength=len(names) + 1)
    return Counter({([None] + names)[k]: int(c) for k, c in enumerate(counts.tolist()) if c})


def _record(table: pa.Table, threshold: int, primary: Counter, extra: Counter) -> pa.Table:
    """Counts of masked rows, overall and per indicator (primary, complementary)."""
    meta = dict(table.schema.metadata or {})
    prov = json.loads(meta.get(b"cogind", b"{}"))
    before = prov.get("secret") or {}
    per = {code: dict(counts) for code, counts in (before.get("par_indicateur") or {}).items()}
    for counts, key in ((primary, "masquees"), (extra, "masquees_complementaires")):
        for code, count in counts.items():
            entry = per.setdefault(code, {"masquees": 0, "masquees_complementaires": 0})
            entry[key] += count
    prov["secret"] = {"seuil": max(threshold, before.get("seuil", 0)),  # the strictest applied
                      "masquees": before.get("masquees", 0) + sum(primary.values()),
                      "masquees_complementaires":
                          before.get("masquees_complementaires", 0) + sum(extra.values()),
                      "par_indicateur": dict(sorted(per.items())),
                      "empreinte": layout_digest(table)}
    meta[b"cogind"] = json.dumps(prov, ensure_ascii=False).encode()
    return table.replace_schema_metadata(meta)


def _protected(prior: dict, threshold: int, table: pa.Table) -> bool:
    """Whether ``table`` is the very table the secret was applied to at ``threshold`` or above."""
    return (prior.get("seuil", 0) >= threshold and "empreinte" in prior
            and prior["empreinte"] == layout_digest(table))


def layout_digest(table: pa.Table) -> str:
    """``rows-hash``: which cells (indicator, COG, level, caisse, period) a table holds, which of
    them are masked and the ``n`` of the others, whatever the row order and the file format it
    was read back from (a null and an empty text are alike). A 64-bit sum of one hash per row:
    rows added, removed or changed change it; a masked row's figures are empty, never in it.
    """
    h = np.zeros(table.num_rows, np.uint64)
    for name in LAYOUT:
        index, values = _codes(table, name)
        keys = np.array([_word(name, v) for v in values] + [_word(name, None)], np.uint64)
        h = (h ^ keys[index]) * _MIX
    n = _numbers(table, "n")
    h = (h ^ np.where(np.isnan(n), np.uint64(0x5851F42D4C957F2D), n.view(np.uint64))) * _MIX
    h ^= _flags(table, "masque").astype(np.uint64) * np.uint64(0xD6E8FEB86659FD93)
    h ^= h >> np.uint64(33)  # finaliser of murmur3: every input bit reaches every output bit
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    return f"{table.num_rows}-{int(h.sum(dtype=np.uint64)):016x}"


def _word(column: str, value) -> int:
    text = "" if value is None else str(value)
    digest = hashlib.blake2b(text.encode(), digest_size=8, person=column.encode()[:16])
    return int.from_bytes(digest.digest(), "little")


def record_subset(table: pa.Table) -> pa.Table:
    """The empreinte of ``table``, a subset of the rows of a table the secret protected (a subset
    of a safe publication is safe), recorded as its own."""
    prov = _provenance(table)
    if not isinstance(prov.get("secret"), dict):
        return table
    prov["secret"]["empreinte"] = layout_digest(table)
    meta = dict(table.schema.metadata or {})
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
    return int(_flags(table, "masque").sum())
