"""Automatic form of a COG indicator that has a computed and a reported form (issue 21 § 1).

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

The rows are assembled column-wise (issue 20 § 3): the kept rows are taken from the table by
index, their keys compared as dictionary codes, each distinct ``details`` text parsed once; only
the few « mixte » rows are built one by one. tests/assembly_v1_forms.py keeps the row-by-row
version the tests compare it with.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
          user_groups: dict | None) -> tuple[pa.Table, pa.Array | None]:
    """(``table`` with the automatic forms, the ``details`` each row keeps once masked, or None);
    ``meta`` (the provenance) without internal codes, with ``formes``."""
    if not autos:
        return table, None
    is_caisse = pc.fill_null(pc.equal(table.column("niveau"), "caisse"), False)
    caisses = sorted(pc.unique(pc.drop_null(table.column("caisse").filter(is_caisse))).to_pylist())
    table, formes, masked = combine(table, autos, gaps, cog,
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
    return table, masked


def keep(table: pa.Table, masked: pa.Array | None) -> pa.Table:
    """After the secret: a masked row (details emptied) keeps ``{"forme": …}`` (``masked``: what
    :func:`apply` says each row keeps)."""
    if masked is None:
        return table
    details = table.column("details")
    fixed = pc.if_else(pc.and_(pc.is_null(details), pc.is_valid(masked)), masked, details)
    i = table.schema.get_field_index("details")
    return table.set_column(i, table.schema.field(i), fixed)


@dataclass
class _Out:
    """Rows of the result: their index in the (extended) table, form (None: not an automatic
    code), whether they take the reported code's wording, whether they lose ``n``."""

    rows: np.ndarray
    forme: np.ndarray
    relabel: np.ndarray
    label: tuple = (None, None)

    def no_n(self) -> np.ndarray:
        if (self.forme != DECLAREE).any():  # secret on individuals only: an aggregate has none
            return self.forme == DECLAREE
        return np.zeros(len(self.rows), bool)


def combine(table: pa.Table, autos: dict, gaps: dict, cog, groupings: dict) -> tuple:
    """(rows with the automatic form of each reported code, {code: counts of forms}, the
    ``details`` each row keeps once masked)."""
    if not autos:
        return table, {}, None
    table = table.combine_chunks()
    enc = table.column("indicateur").chunk(0).dictionary_encode() if table.num_rows else None
    names = enc.dictionary.to_pylist() if enc is not None else []
    ids = (pc.fill_null(enc.indices, -1).to_numpy() if enc is not None
           else np.zeros(0, np.int64))
    pos = {c: k for k, c in enumerate(names)}
    finite = np.isfinite(table.column("valeur").to_numpy(zero_copy_only=False).astype(float))
    autos_ids = [pos[c] for code, a in autos.items() for c in (code, a.code) if c in pos]
    plain = np.flatnonzero(~np.isin(ids, autos_ids))
    parts = [(ids[plain].astype(float), _Out(plain, np.full(len(plain), None, object),
                                             np.zeros(len(plain), bool)))]
    extra: list[dict] = []
    formes = {}
    for code, auto in autos.items():
        rep = np.flatnonzero(ids == pos[code]) if code in pos else np.zeros(0, np.int64)
        comp = (np.zeros(0, np.int64) if auto.code in gaps or auto.code not in pos
                else np.flatnonzero(ids == pos[auto.code]))
        label = ((table.column("indicateur")[int(rep[0])].as_py(),
                  table.column("libelle")[int(rep[0])].as_py()) if len(rep) else (code, code))
        out = _merge(table, finite, comp, rep, (code, label, cog, groupings), extra)
        formes[code] = _count(out.forme)
        order = min(pos.get(code, math.inf), pos.get(auto.code, math.inf))
        parts.append((np.full(len(out.rows), order, float), out))
    table, masked = _assemble(table, parts, extra)
    return table, formes, masked


def _count(forme: np.ndarray) -> dict[str, int]:
    """{form: rows}, forms in the order they first appear."""
    if not len(forme):
        return {}
    u, first, counts = np.unique(forme.astype(str), return_index=True, return_counts=True)
    return {str(u[k]): int(counts[k]) for k in np.argsort(first)}


@dataclass
class _Keys:
    """The (niveau, caisse, periode) keys of one code's computed and reported rows, as codes:
    the last row of each key in either form (-1: none), each key's fields."""

    last_c: np.ndarray
    last_r: np.ndarray
    rep_first: np.ndarray  # keys in order of first appearance, reported rows first
    comp_first: np.ndarray  # the same, computed rows first
    level: list
    caisse: list
    period: list


def _keys(table: pa.Table, comp: np.ndarray, rep: np.ndarray) -> _Keys:
    both = np.concatenate([comp, rep])
    sub = table.select(["niveau", "caisse", "periode"]).take(pa.array(both))
    joined = pc.binary_join_element_wise(*sub.columns, "\x1f", null_handling="replace",
                                         null_replacement="\x00")
    kid = joined.combine_chunks().dictionary_encode().indices.to_numpy()
    nk = int(kid.max()) + 1 if len(kid) else 0
    _, first = np.unique(kid, return_index=True)
    fields = sub.take(pa.array(first))
    kc, kr = kid[:len(comp)], kid[len(comp):]
    return _Keys(_last(kc, comp, nk), _last(kr, rep, nk), _appearance(np.concatenate([kr, kc])),
                 _appearance(np.concatenate([kc, kr])), *(fields.column(c).to_pylist()
                                                           for c in fields.column_names))


def _last(kid: np.ndarray, rows: np.ndarray, nk: int) -> np.ndarray:
    """The last of ``rows`` with each key (a dict keeps the last value), -1 when none."""
    out = np.full(nk, -1, np.int64)
    u, first_rev = np.unique(kid[::-1], return_index=True)
    out[u] = rows[len(rows) - 1 - first_rev]
    return out


def _appearance(kid: np.ndarray) -> np.ndarray:
    """Distinct keys in order of first appearance (``dict.fromkeys``)."""
    u, first = np.unique(kid, return_index=True)
    return u[np.argsort(first)]


def _merge(table: pa.Table, finite: np.ndarray, comp: np.ndarray, rep: np.ndarray, how: tuple,
           extra: list) -> _Out:
    """The rows of one reported code (module docstring); « mixte » rows appended to ``extra``
    (their index: the table's rows, then ``extra``'s)."""
    label = how[1]
    if not len(comp):
        return _Out(rep, np.full(len(rep), DECLAREE, object), np.zeros(len(rep), bool), label)
    keys = _keys(table, comp, rep)
    is_caisse = np.array([lv == "caisse" for lv in keys.level], bool)
    hc, hr = keys.last_c >= 0, keys.last_r >= 0
    use = hc & (finite[keys.last_c] & hc | ~hr | ~(finite[keys.last_r] & hr))
    row = np.where(use, keys.last_c, keys.last_r)
    forme = np.where(use, CALCULEE, DECLAREE).astype(object)
    order = keys.rep_first
    out = _Out(row[order], forme[order], use[order], label)
    units = [k for k, key in enumerate(order) if not is_caisse[key]]
    if units:
        groups = _groups(keys, keys.comp_first[is_caisse[keys.comp_first]],
                         {keys.level[order[k]] for k in units}, how[3])
        for k in units:
            _unit_row(table, out, k, order[k], keys, groups, (forme, row, hc, hr), how, extra)
    return out


def _groups(keys: _Keys, caisse_keys: np.ndarray, levels: set, groupings: dict) -> dict:
    """{(level, unit, period): the caisse keys in it, in the order the old dict kept them}."""
    groups: dict[tuple, list] = {}
    for key in caisse_keys.tolist():
        c, p = keys.caisse[key], keys.period[key]
        for level in levels:
            unit = None if level == "national" else (groupings.get(level) or {}).get(c, "99")
            groups.setdefault((level, unit, p), []).append(key)
    return groups


def _unit_row(table: pa.Table, out: _Out, k: int, key: int, keys: _Keys, groups: dict,
              chosen: tuple, how: tuple, extra: list) -> None:
    """Row ``k`` of ``out``, a region, group or the nation: the form all its caisses use, else
    a « mixte » row."""
    forme, row, hc, hr = chosen
    level = keys.level[key]
    members = groups.get((level, None if level == "national" else keys.caisse[key],
                          keys.period[key]), [])
    forms = {forme[m] for m in members}
    if forms == {CALCULEE} and hc[key]:
        out.rows[k], out.forme[k], out.relabel[k] = keys.last_c[key], CALCULEE, True
    elif forms <= {DECLAREE} and hr[key]:
        out.rows[k], out.forme[k], out.relabel[k] = keys.last_r[key], DECLAREE, False
    else:
        code, label, cog = how[0], how[1], how[2]
        template = int(keys.last_c[key] if hc[key] else keys.last_r[key])
        dicts = table.take(pa.array([template, *(int(row[m]) for m in members)])).to_pylist()
        mixed = _mixed(dicts[0], list(zip((forme[m] for m in members), dicts[1:])), cog, code,
                       {"indicateur": label[0], "libelle": label[1]})
        extra.append(mixed)
        out.rows[k], out.forme[k], out.relabel[k] = table.num_rows + len(extra) - 1, MIXTE, False


def _assemble(table: pa.Table, parts: list, extra: list) -> tuple[pa.Table, pa.Array]:
    """The rows of ``parts`` ((sort key, :class:`_Out`)) taken from the table and ``extra``,
    stably ordered by the first appearance of their code; (table, details once masked)."""
    ext = table if not extra else pa.concat_tables(
        [table, pa.Table.from_pylist(extra, schema=table.schema)]).combine_chunks()
    perm = np.argsort(np.concatenate([key for key, _ in parts]), kind="stable")
    outs = [o for _, o in parts]
    cat = lambda values: np.concatenate(values)[perm]
    forme, relabel = cat([o.forme for o in outs]), pa.array(cat([o.relabel for o in outs]))
    out = ext.take(pa.array(cat([o.rows for o in outs]), pa.int64()))
    for j, name in enumerate(("indicateur", "libelle")):
        label = cat([np.full(len(o.rows), o.label[j], object) for o in outs])
        out = _set(out, name, pc.if_else(relabel, pa.array(label, pa.string()), out[name]))
    no_n = pa.array(cat([o.no_n() for o in outs]))
    out = _set(out, "n", pc.if_else(no_n, pa.scalar(None, pa.int64()), out["n"]))
    details = out.column("details").combine_chunks()
    for f in (CALCULEE, DECLAREE):  # « mixte » rows were built with theirs
        mask = forme == f
        if mask.any():
            details = pc.replace_with_mask(details, pa.array(mask),
                                           _each_distinct(details.filter(pa.array(mask)),
                                                          lambda d, f=f: _formed(d, f)))
    out = _set(out, "details", details)
    return pa.table([_zeroed(c) for c in out.columns], schema=out.schema), _each_distinct(
        details, _masked)


def _zeroed(column) -> pa.Array:
    """``column`` with zeros under its nulls, as an array built from Python values has them
    (taken rows keep the bytes under theirs, which ``-o x.arrow`` writes)."""
    if isinstance(column, pa.ChunkedArray):  # one chunk at offset 0 is kept, not copied
        single = column.num_chunks == 1 and column.chunk(0).offset == 0
        column = column.chunk(0) if single else column.combine_chunks()
    typ = column.type
    if not column.null_count or not (pa.types.is_primitive(typ)):
        return column
    zero = pa.scalar(False) if pa.types.is_boolean(typ) else pa.array([0]).cast(typ)[0]
    data = pc.fill_null(column, zero).buffers()[1]
    return pa.Array.from_buffers(typ, len(column), [pc.is_valid(column).buffers()[1], data],
                                 column.null_count)


def _set(table: pa.Table, name: str, column) -> pa.Table:
    i = table.schema.get_field_index(name)
    return table.set_column(i, table.schema.field(i), column)


def _each_distinct(texts: pa.Array, fn) -> pa.Array:
    """``fn`` of each text (None for null), computed once per distinct text."""
    enc = texts.dictionary_encode()
    values = [fn(d) for d in enc.dictionary.to_pylist()] + [fn(None)]
    return pa.array(values, pa.string()).take(pc.fill_null(enc.indices, len(values) - 1))


def _formed(details: str | None, forme: str) -> str:
    parsed = json.loads(details) if details else {}
    return json.dumps({**parsed, "forme": forme}, ensure_ascii=False)


def _masked(details: str | None) -> str | None:
    """What a row keeps once masked: its form alone."""
    forme = json.loads(details).get("forme") if details else None
    return json.dumps({"forme": forme}, ensure_ascii=False) if forme else None


def _has_value(r: dict) -> bool:
    return r["valeur"] is not None and math.isfinite(r["valeur"])


def _with_form(r: dict, forme: str, template: dict | None = None) -> dict:
    r = dict(r)
    if template is not None:  # the reported code's wording
        r["indicateur"], r["libelle"] = template["indicateur"], template["libelle"]
    r["details"] = _formed(r["details"], forme)
    return r


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
