"""Honest statuses: an empty cell never shows a number, a masked one neither, in any format."""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import cogind
from cogind.analyses.diff import read_results
from cogind.measures.families import Count, Sum
from cogind.analyses.statuses import render_results as render
from cogind.io.output import write_table
from cogind.plugins import build_registry
from cogind.engine.finalise import MASKED_COLUMNS, RESULT_SCHEMA, STATUSES, mask_cells

FORMATS = (".arrow", ".parquet", ".csv", ".json")
FIGURES = ("valeur", "atteint", "ecart", "ecart_cas", "ic_bas", "ic_haut", "significatif")
A, B = "01C751", "02C131"
ARROW = {"string": pa.string(), "date": pa.date32(), "datetime": pa.timestamp("s"),
         "integer": pa.int64(), "number": pa.float64()}


def test_schema_file_matches_the_result_schema():
    doc = json.loads((Path(__file__).parents[1] / "schemas" / "resultats.json").read_text())
    kinds = {"string": "string", "double": "number", "int64": "integer", "bool": "boolean",
             "date32[day]": "date"}
    fields = [f for f in doc["fields"] if "cogind:facultatif" not in f]  # --cpg adds (issue 12)
    assert [(f["name"], f["type"]) for f in fields] == [
        (f.name, kinds[str(f.type)]) for f in RESULT_SCHEMA]
    assert doc["fields"][:len(fields)] == fields  # optional columns only ever come last
    assert all(s in doc["fields"][[f["name"] for f in doc["fields"]].index("statut")]
               ["description"] for s in STATUSES)


# --------------------------------------------------------------------------- every indicator


def _default(name, spec, caisse, month):
    kind, enum = spec.get("type"), (spec.get("constraints") or {}).get("enum")
    if kind == "date":
        return dt.date(2024, month, 10)
    if kind == "datetime":
        return dt.datetime(2024, month, 10, 9)
    if kind == "integer":
        return 1
    if kind == "number":
        return 10.0
    return enum[0] if enum else ("X" if name != "ORG_CLE_NUM" else caisse)


def tables_for_every_indicator(registry):
    """One in-scope row per indicator: caisse A in January 2024 only, caisse B in February."""
    rows: dict[str, list[dict]] = {}
    for ind in registry.indicators.values():
        fields = registry.table(ind.table).fields
        for caisse, month in ((A, 1), (B, 2)):
            row = {name: _default(name, spec, caisse, month) for name, spec in fields.items()}
            row[ind.caisse_column] = caisse
            for cond in ind.where:
                if not cond.negate:
                    row[cond.column] = cond.values[0]
            rows.setdefault(ind.table, []).append(row)
    if any("population" in ind.measure.auxiliary_tables for ind in registry.indicators.values()):
        rows["population"] = [  # every age band from 0, both sexes, both caisses, in 2024
            {"ORG_CLE_NUM": c, "ANNEE": 2024, "AGE_MIN": age, "BEN_SEX_COD": sex, "ALD_TOP": None,
             "BEN_NBR": 1000} for c in (A, B) for age in range(0, 130, 5) for sex in (1, 2)]
    out = {}
    for name, table_rows in rows.items():
        fields = registry.table(name).fields
        schema = pa.schema([(c, ARROW[spec.get("type", "string")]) for c, spec in fields.items()])
        out[name] = pa.Table.from_pylist(table_rows, schema)
    return out


@pytest.fixture(scope="module")
def every_indicator():
    registry = build_registry()
    res = cogind.compute(tables_for_every_indicator(registry), cog=None, registry=registry,
                         secret=False)
    return registry, res


def empty_cells(rows):
    return [r for r in rows if (r["caisse"], r["periode"]) in ((A, "2024-02"), (B, "2024-01"))]


def check_empty(rows, codes):
    cells = empty_cells(rows)
    assert {r["indicateur"] for r in cells} == codes
    for r in cells:
        assert r["statut"] == "non calculable" and r["motif"], r["indicateur"]
        for col in FIGURES:
            assert r[col] is None, (r["indicateur"], col, r[col])


def test_every_indicator_has_no_number_on_an_empty_caisse_month(every_indicator):
    registry, res = every_indicator
    rows = res.to_pylist()
    assert {r["indicateur"] for r in rows} == set(registry.indicators)
    with_caisses = {r["indicateur"] for r in rows if r["niveau"] == "caisse"}
    check_empty(rows, with_caisses)
    full = {r["indicateur"]: r for r in rows if (r["caisse"], r["periode"]) == (A, "2024-01")}
    assert full["APPELS_TAUX_ABOUTIS"]["valeur"] == 100.0  # the rows are in scope


@pytest.mark.parametrize("ext", FORMATS)
def test_empty_cells_through_every_format(every_indicator, tmp_path, ext):
    _, res = every_indicator
    with_caisses = set(pc.unique(res.filter(pc.equal(res["niveau"], "caisse"))["indicateur"])
                       .to_pylist())
    path = write_table(res, tmp_path / f"r{ext}")
    check_empty(read_results(path).rows, with_caisses)
    if ext in (".csv", ".json"):
        assert not re.search(r"\bnan\b", path.read_text(encoding="utf-8"), re.IGNORECASE)


def test_empty_cells_on_the_terminal(every_indicator):
    _, res = every_indicator
    mask = [(r["caisse"], r["periode"]) in ((A, "2024-02"), (B, "2024-01"))
            for r in res.select(["caisse", "periode"]).to_pylist()]
    text = render(res.filter(pa.array(mask)), max_rows=10_000)
    header, rule, *lines = text.split("\n\n")[0].splitlines()  # the notes come after
    spans = [m.span() for m in re.finditer("-+", rule)]  # columns, from the rule under the header
    a, b = spans[header_columns(header, spans).index("valeur")]
    lines = [line for line in lines if line[:spans[0][1]].strip()]  # not a wrapped status's tail
    assert lines and all(line[a:b].strip() == "–" and "non calculable" in line for line in lines)


def header_columns(header: str, spans) -> list[str]:
    return [header[a:b].strip() for a, b in spans]


# --------------------------------------------------------------------------- masked cells


@pytest.fixture
def masked(contacts):
    res = cogind.compute({"contacts": contacts}, cog="2023-2027", period="year", secret=False)
    mask = [r["caisse"] == "01C131" for r in res.select(["caisse"]).to_pylist()]
    return mask_cells(res, mask), mask


def check_masked(rows, mask):
    assert any(mask) and not all(mask)
    for r, m in zip(rows, mask):
        if m:
            assert r["statut"] == "masqué" and r["masque"] is True
            assert r["motif"] == "secret statistique"
            assert all(r[c] is None for c in MASKED_COLUMNS), r
        else:
            assert r["statut"] != "masqué" and r["masque"] is False
            assert r["n"] is not None or r["statut"] == "non calculable"  # issue 17: no input


@pytest.mark.parametrize("ext", FORMATS)
def test_masked_cells_through_every_format(masked, tmp_path, ext):
    table, mask = masked
    check_masked(table.to_pylist(), mask)
    check_masked(read_results(write_table(table, tmp_path / f"m{ext}")).rows, mask)


def test_masked_cells_on_the_terminal(masked):
    table, mask = masked
    text = render(table)
    lines = [line for line in text.splitlines() if "01C131" in line]
    note = next(x for x in text.splitlines() if x.endswith("] secret statistique"))
    assert lines and all(f"masqué {note.split()[0]}" in line for line in lines)  # its reason


# --------------------------------------------------------------------------- families


def test_counts_and_sums_of_nothing_are_not_zero():
    rows = np.zeros((2, 4), np.int64)
    rows[1, :2] = (3, 1250)
    for fin in (Count().finalise(rows[:, :1]), Sum("X").finalise(rows)):
        assert math.isnan(fin.value[0]) and fin.reason[0] == "aucune ligne dans le champ"
        assert not math.isnan(fin.value[1]) and fin.reason[1] is None
