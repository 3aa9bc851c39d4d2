"""Small hand-made input tables for the catalogue tests: for each indicator, a few rows per
caisse and month that fall in its scope, built from its declaration (scope, inputs), so that
every indicator of a COG has data. Not the synthetic generator (src/cogind/synth)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa

from cogind.measures.families import Delay

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
ARROW = {"date": pa.date32(), "datetime": pa.timestamp("s"), "integer": pa.int64(),
         "number": pa.float64(), "string": pa.string()}
CAISSES = ("01C751", "13C131")
OTHER = {"DEM_CAN_COD": "PAPIER", "ENQ_CAN_COD": "GLOBAL"}


def _schema(table: str) -> pa.Schema:
    doc = json.loads((SCHEMAS / f"{table}.json").read_text())
    return pa.schema([(f["name"], ARROW[f["type"]]) for f in doc["fields"]])


def _other(column, value):
    """A value outside a flag's set: the rows then mix 'in' and 'out'."""
    if column in OTHER:
        return OTHER[column]
    return 1 - value if value in (0, 1) else value + 10


def _rows(ind, day: dt.date, caisse, k: int) -> list[dict]:
    base = {ind.caisse_column: caisse}
    for c in ind.where:
        base[c.column] = c.values[0]
    measure = ind.measure
    while hasattr(measure, "of"):
        measure = measure.of
    rows = []
    for j in range(3):
        row = dict(base)
        if isinstance(measure, Delay):
            hours = measure.unit == "heures"
            length = (j + k % 5 + 1) * (10 if hours else 1)
            stamp = hours or measure.start.endswith("_DTH")
            end = dt.datetime.combine(day, dt.time(12)) if stamp else day
            start = end - (dt.timedelta(hours=length) if hours else dt.timedelta(days=length))
            if ind.period_column == measure.start:
                start, end = end, end + (end - start)
            row[measure.start], row[measure.end] = start, end
        for inp in measure.kernel().inputs:
            if inp.kind == "cents":
                row[inp.column] = float(100 + 7 * j + k % 11)
            elif inp.kind == "flag":
                v = inp.values[0]
                row[inp.column] = v if j < 2 else _other(inp.column, v)
        row.setdefault(ind.period_column, dt.datetime.combine(day, dt.time(9))
                       if ind.period_column.endswith("_DTH") else day)
        rows.append(row)
    return rows


def build(registry, codes, first_year: int, last_year: int) -> dict[str, pa.Table]:
    """{table: pyarrow table} covering ``codes`` monthly from ``first_year`` to ``last_year``."""
    out: dict[str, list[dict]] = {}
    for code in codes:
        ind = registry.indicator(code)
        caisses = (None,) if ind.caisse_missing == "national" else CAISSES
        k = 0
        for year in range(first_year, last_year + 1):
            for month in range(1, 13):
                day = dt.date(year, month, 15)
                for caisse in caisses:
                    k += 1
                    out.setdefault(ind.table, []).extend(_rows(ind, day, caisse, k))
    tables = {}
    for name, rows in out.items():
        schema = _schema(name)
        cols = {f.name: [r.get(f.name) for r in rows] for f in schema}
        tables[name] = pa.table({n: _array(n, v, schema) for n, v in cols.items()})
    return tables


def _array(name, values, schema):
    try:
        return pa.array(values, schema.field(name).type)
    except (pa.ArrowTypeError, pa.ArrowInvalid) as exc:
        raise TypeError(f"column {name}: {exc}") from None


def parse_target(spec: str):
    """One year's target in the tests' notation → (kind, value, base year).

    ``?`` à déterminer, ``>=x`` minimum, ``<=x`` maximum, ``v/YYYY`` change versus a base year,
    else a level.
    """
    if spec == "?":
        return ("a_determiner", None, None)
    if spec.startswith(">="):
        return ("minimum", float(spec[2:]), None)
    if spec.startswith("<="):
        return ("maximum", float(spec[2:]), None)
    if "/" in spec:
        value, base = spec.split("/")
        return ("evolution", float(value), int(base))
    return ("niveau", float(spec), None)
