"""Caisse contracts (contrats pluriannuels de gestion, CPG): each caisse's socle and objectif.

The Cnam declines the COG into one CPG per caisse, with a floor (*socle*) and a target
(*objectif*) per indicator and year (seed 000 §63-65, seed 001 §187-189). A ``cpg`` table
(``schemas/cpg.json``: caisse × indicateur × annee → socle, objectif) is matched to the caisse
rows of a result table, whose year is the year of the period's last day (``fin``): a month, a
quarter or a year is judged against the targets of its own year, twelve rolling months against
those of the year they end in.

Statuses read in the indicator's direction, in the seeds' words (« caisses n'atteignant pas le
socle »): ``au-dessus`` means at least as good as the level (a delay at or below it, a rate at
or above it), ``en dessous`` worse. A row without a published figure is ``non calculable`` or
``masqué``; a caisse row without a CPG line for its year, or a level left empty, has no status.
"""
from __future__ import annotations

import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from cogind.errors import ConfigError, InputError, SchemaError

ABOVE, BELOW, NOT_COMPUTED, MASKED = "au-dessus", "en dessous", "non calculable", "masqué"
CPG_STATUSES = (ABOVE, BELOW, NOT_COMPUTED, MASKED)

CPG_COLUMNS = pa.schema([("socle", pa.float64()), ("objectif", pa.float64()),
                         ("statut_socle", pa.string()), ("statut_objectif", pa.string())])
"""Columns :func:`apply_cpg` appends to a result table (after every RESULT_SCHEMA column)."""

CPG_SCHEMA = pa.schema([("caisse", pa.string()), ("indicateur", pa.string()),
                        ("annee", pa.int64()), ("socle", pa.float64()),
                        ("objectif", pa.float64()), ("regle", pa.string())])
"""Arrow form of ``schemas/cpg.json``; ``regle`` is optional in an input."""

REQUIRED = ("caisse", "indicateur", "annee", "socle", "objectif")


def cpg_spec():
    """The Table Schema of the ``cpg`` table, as the registry would hold it."""
    from cogind.model import TableSchema

    path = resources.files("cogind.schemas") / "cpg.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    return TableSchema(doc["name"], doc.get("title", ""), {f["name"]: f for f in doc["fields"]},
                       str(path), None)


def read_cpg(source: Any) -> pa.Table:
    """A CPG table from a path (.parquet, .arrow, .csv) or any Arrow table/stream, checked.

    :raises SchemaError: a column is missing or has the wrong type.
    :raises InputError: the file cannot be read, or a (caisse, indicateur, annee) appears twice.
    """
    from cogind.io.readers import open_inputs

    if isinstance(source, (str, Path)) and not Path(source).is_file():
        raise InputError(f"no CPG file {Path(source).name}")
    spec = cpg_spec()
    tin = open_inputs({"cpg": source}, {"cpg": spec})["cpg"]
    tin.check(spec, {c: ["cpg"] for c in REQUIRED})
    cols = list(REQUIRED) + (["regle"] if tin.schema.get_field_index("regle") >= 0 else [])
    batches = list(tin.batches(cols))
    table = (pa.Table.from_batches(batches) if batches
             else pa.table({c: pa.array([], CPG_SCHEMA.field(c).type) for c in cols}))
    try:
        table = pa.table({c: pc.cast(table[c], CPG_SCHEMA.field(c).type) for c in cols})
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise SchemaError(f"table 'cpg' ({tin.origin}): {str(exc).splitlines()[0][:120]}") from None
    _check_rows(table, tin.origin)
    return table


def _check_rows(table: pa.Table, origin: str) -> None:
    for c in ("caisse", "indicateur", "annee"):
        nulls = table[c].null_count
        if nulls:
            raise InputError(f"table 'cpg' ({origin}): {nulls} row(s) without '{c}'")
    keys = table.group_by(["caisse", "indicateur", "annee"]).aggregate([([], "count_all")])
    dup = pc.sum(pc.greater(keys["count_all"], 1)).as_py() or 0
    if dup:
        raise InputError(f"table 'cpg' ({origin}): {dup} (caisse, indicateur, annee) "
                         "key(s) given more than once")


def _lookup(cpg: pa.Table) -> dict[tuple[str, str, int], tuple[float | None, float | None]]:
    rows = cpg.select(["caisse", "indicateur", "annee", "socle", "objectif"]).to_pylist()
    return {(r["caisse"], r["indicateur"], r["annee"]): (_num(r["socle"]), _num(r["objectif"]))
            for r in rows}


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def judge(value: float | None, level: float | None, direction: str,
          masked: bool = False) -> str | None:
    """Status of one caisse figure against one CPG level, in the indicator's direction."""
    if level is None:
        return None
    if masked:
        return MASKED
    if value is None or math.isnan(value):
        return NOT_COMPUTED
    better = value >= level if direction == "hausse" else value <= level
    return ABOVE if better else BELOW


def _check_levels(cpg_rows: dict, directions: dict[str, str]) -> None:
    """A socle must not be more demanding than the objectif of the same line."""
    wrong = 0
    for (_, code, _), (socle, objectif) in cpg_rows.items():
        d = directions.get(code)
        if d and socle is not None and objectif is not None:
            wrong += socle > objectif if d == "hausse" else socle < objectif
    if wrong:
        raise InputError(f"table 'cpg': {wrong} row(s) whose socle is more demanding than the "
                         "objectif (in the indicator's direction)")


def apply_cpg(results: pa.Table, cpg: Any) -> pa.Table:
    """``results`` with the columns of :data:`CPG_COLUMNS` appended, from a CPG table or file.

    Every result column and row is kept as is; national and other non-caisse rows, and caisse
    rows without a CPG line for their year, get empty CPG columns. The CPG's origin, row count
    and how many result rows it matched are added to the provenance under ``cpg``.
    """
    origin = str(cpg) if isinstance(cpg, (str, Path)) else "table en mémoire"
    table = read_cpg(cpg)
    lookup = _lookup(table)
    names = [c for c in ("indicateur", "niveau", "caisse", "fin", "valeur", "sens", "masque")
             if c in results.column_names]
    rows = results.select(names).to_pylist()
    _check_levels(lookup, {r["indicateur"]: r["sens"] for r in rows})
    socle, objectif, s_socle, s_obj = [], [], [], []
    matched, keys_used = 0, set()
    for r in rows:
        key = None
        if r["niveau"] == "caisse" and r["fin"] is not None:
            key = (r["caisse"], r["indicateur"], r["fin"].year)
        levels = lookup.get(key) if key else None
        if levels is None:
            socle.append(None), objectif.append(None), s_socle.append(None), s_obj.append(None)
            continue
        matched += 1
        keys_used.add(key)
        masked = bool(r.get("masque"))
        socle.append(levels[0]), objectif.append(levels[1])
        s_socle.append(judge(r["valeur"], levels[0], r["sens"], masked))
        s_obj.append(judge(r["valeur"], levels[1], r["sens"], masked))
    out = results
    for f in CPG_COLUMNS:
        if f.name in out.column_names:
            out = out.drop_columns([f.name])
    for f, values in zip(CPG_COLUMNS, (socle, objectif, s_socle, s_obj)):
        out = out.append_column(f, pa.array(values, f.type))
    meta = _provenance(results)
    meta["cpg"] = {"origine": origin, "lignes": table.num_rows,
                   "lignes_resultats_appariees": matched,
                   "lignes_cpg_sans_resultat": len(lookup) - len(keys_used),
                   "regles": sorted({x for x in table["regle"].to_pylist() if x})
                   if "regle" in table.column_names else []}
    return out.replace_schema_metadata({**(results.schema.metadata or {}),
                                        b"cogind": json.dumps(meta, ensure_ascii=False)})


def _provenance(table: pa.Table) -> dict:
    raw = (table.schema.metadata or {}).get(b"cogind")
    return json.loads(raw) if raw else {}


def has_cpg(results: pa.Table) -> bool:
    return all(f.name in results.column_names for f in CPG_COLUMNS)


def require_cpg(results: pa.Table, cpg: Any = None) -> pa.Table:
    """``results`` with CPG columns: applied from ``cpg`` if given, else already present."""
    if cpg is not None:
        return apply_cpg(results, cpg)
    if not has_cpg(results):
        raise ConfigError("the results carry no CPG columns (socle, objectif): give a CPG table "
                          "(--cpg FILE, or compute with --cpg)")
    return results


__all__ = ["apply_cpg", "read_cpg", "judge", "has_cpg", "require_cpg", "CPG_COLUMNS",
           "CPG_SCHEMA", "CPG_STATUSES"]
