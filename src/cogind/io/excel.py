"""Result tables as an Excel workbook (``-o resultats.xlsx``), written with XlsxWriter.

One sheet of the table as computed, one of the wide caisse × indicator view when the caller
gives it, one of provenance (key, value). Cells are typed: numbers as numbers shown with the
row's unit in Excel's French display (``92,9 %``, ``12,5 j``, ``1 234 €``: an xlsx stores the
format in Excel's neutral syntax and Excel shows the user's decimal comma), dates as dates
(``dd/mm/yyyy``), booleans as booleans, empty cells for missing figures; the header row is
frozen and filtered, columns sized to their content. The full value is kept in each cell: the
format rounds what is shown, never what is stored.

XlsxWriter is an extra (``pip install 'cogind[excel]'``); cogind does not read .xlsx back
(``verify``, ``diff``, ``alerts`` read .parquet, .arrow, .csv and .json).
"""
from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pyarrow as pa

from cogind.errors import InputError

MAX_ROWS = 1_048_575  # an Excel sheet: 1 048 576 rows, the header included
MAX_TEXT = 32_767  # characters in one cell
UNIT_FORMATS = {"%": '0.0" %"', "jours": '0.0" j"', "heures": '0.0" h"',
                "minutes": '0" min"', "secondes": '0" s"', "euros": '#,##0" €"', "nombre": "#,##0",
                "cas": '#,##0.0" cas"'}
NUMBER, INTEGER, DATE, DATETIME = "#,##0.00", "#,##0", "dd/mm/yyyy", "dd/mm/yyyy hh:mm:ss"
UNIT_COLUMNS = {"valeur": "unite", "cible": "unite", "ecart": "unite", "ic_bas": "unite",
                "ic_haut": "unite", "socle": "unite", "objectif": "unite",
                "ecart_cas": "ecart_cas_unite"}
"""Result columns shown in the unit another column of their row names."""
NOT_READ_BACK = ("{name}: cogind does not read .xlsx back (a workbook for people); write the "
                 "results with -o .parquet, .arrow, .csv or .json for verify, diff and alerts")
SHEETS = ("résultats", "caisses x indicateurs", "provenance")
def write_xlsx(table: pa.Table, path: Path, wide: pa.Table | None = None,
               sheet: str = SHEETS[0]) -> None:
    """Write ``table`` (and ``wide``, and the provenance in its schema metadata) to ``path``."""
    try:
        import xlsxwriter
    except ImportError:  # checked with the output path already (io.publish.check_output)
        raise InputError(f"cannot write {path.name}: writing .xlsx needs XlsxWriter "
                         "(pip install 'cogind[excel]')") from None
    for t in (table, wide):
        if t is not None and t.num_rows > MAX_ROWS:
            raise InputError(f"{t.num_rows} rows do not fit in an Excel sheet ({MAX_ROWS}): "
                             "write .parquet or .csv, or ask for fewer periods or levels")
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False})
    formats: dict[str, object] = {}

    def fmt(code: str):
        if code not in formats:
            formats[code] = book.add_format({"num_format": code})
        return formats[code]

    _sheet(book, sheet, table, fmt, units=_row_units(table))
    if wide is not None:
        _sheet(book, SHEETS[1], wide, fmt, units=None, column_units=_column_units(table, wide),
               frozen_columns=2)
    _provenance(book, table)
    book.close()


def _row_units(table: pa.Table) -> dict[str, list]:
    """Result column → the unit of each row (the columns of :data:`UNIT_COLUMNS`)."""
    out = {}
    for col, unit_col in UNIT_COLUMNS.items():
        if col in table.column_names and unit_col in table.column_names:
            out[col] = table[unit_col].to_pylist()
    return out


def _column_units(results: pa.Table, wide: pa.Table) -> dict[str, str]:
    """Indicator column of the wide view → its unit, from the results."""
    if "indicateur" not in results.column_names or "unite" not in results.column_names:
        return {}
    units = dict(zip(results["indicateur"].to_pylist(), results["unite"].to_pylist()))
    return {c: units[c] for c in wide.column_names if c in units}


def _kind(t: pa.DataType) -> str:
    if pa.types.is_dictionary(t):
        t = t.value_type
    for kind, test in (("bool", pa.types.is_boolean), ("int", pa.types.is_integer),
                       ("float", pa.types.is_floating), ("float", pa.types.is_decimal),
                       ("date", pa.types.is_date), ("datetime", pa.types.is_timestamp)):
        if test(t):
            return kind
    return "text"


def _sheet(book, name: str, table: pa.Table, fmt, *, units: dict | None,
           column_units: dict | None = None, frozen_columns: int = 0) -> None:
    ws = book.add_worksheet(name)
    header = book.add_format({"bold": True, "bottom": 1})
    ws.write_row(0, 0, table.column_names, header)
    widths = [max(8, len(c) + 2) for c in table.column_names]
    kinds = [_kind(f.type) for f in table.schema]
    for j, col in enumerate(table.column_names):  # widths from the header and the first rows
        if kinds[j] == "text":
            head = [v for v in table[col].slice(0, 500).to_pylist() if v]
            widths[j] = min(60, max([widths[j]] + [len(v) + 1 for v in head]))
        elif kinds[j] in ("float", "int", "datetime"):
            widths[j] = max(widths[j], 13 if kinds[j] != "datetime" else 20)
        else:
            widths[j] = max(widths[j], 11)
        ws.set_column(j, j, widths[j])
    ws.freeze_panes(1, frozen_columns)
    ws.autofilter(0, 0, table.num_rows, max(0, table.num_columns - 1))
    columns = [table[c].to_pylist() for c in table.column_names]
    writers = [_writer(ws, kinds[j], c, fmt, (units or {}).get(c),
                       (column_units or {}).get(c)) for j, c in enumerate(table.column_names)]
    for i in range(table.num_rows):  # constant_memory: rows in order, one at a time
        for j, write in enumerate(writers):
            v = columns[j][i]
            if v is not None:
                write(i + 1, j, v, i)


def _writer(ws, kind: str, name: str, fmt, row_units: list | None, unit: str | None):
    """The function writing one cell of a column: (row, column, value, data row index)."""
    if kind == "bool":
        return lambda r, c, v, i: ws.write_boolean(r, c, v)
    if kind == "int":
        code = fmt(INTEGER)
        return lambda r, c, v, i: ws.write_number(r, c, v, code)
    if kind == "date":
        code = fmt(DATE)
        return lambda r, c, v, i: ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day),
                                                    code)
    if kind == "datetime":
        code = fmt(DATETIME)
        return lambda r, c, v, i: ws.write_datetime(r, c, v.replace(tzinfo=None), code)
    if kind == "float":
        plain, whole = fmt(NUMBER), fmt(INTEGER)
        fixed = fmt(UNIT_FORMATS[unit]) if unit in UNIT_FORMATS else None

        def number(r, c, v, i):
            v = float(v)
            if not math.isfinite(v):
                return  # NaN and infinities: an empty cell, as a missing figure
            u = row_units[i] if row_units is not None else None
            code = (fmt(UNIT_FORMATS[u]) if u in UNIT_FORMATS else fixed if fixed is not None
                    else whole if v.is_integer() else plain)
            ws.write_number(r, c, v, code)

        return number
    return lambda r, c, v, i: ws.write_string(r, c, str(v)[:MAX_TEXT])


def _flat(prefix: str, value) -> list[tuple[str, object]]:
    """(key, value) rows of a provenance document: dictionaries flattened with dotted keys,
    lists and other values as JSON text (numbers and text as they are)."""
    if isinstance(value, dict) and value:
        return [row for k, v in value.items()
                for row in _flat(f"{prefix}.{k}" if prefix else str(k), v)]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return [(prefix, value)]
    return [(prefix, json.dumps(value, ensure_ascii=False, default=str))]


def _provenance(book, table: pa.Table) -> None:
    raw = (table.schema.metadata or {}).get(b"cogind")
    ws = book.add_worksheet(SHEETS[2])
    header = book.add_format({"bold": True, "bottom": 1})
    ws.write_row(0, 0, ["clé", "valeur"], header)
    ws.freeze_panes(1, 0)
    ws.set_column(0, 0, 45)
    ws.set_column(1, 1, 80)
    rows = _flat("", json.loads(raw)) if raw else [("provenance", None)]
    r = 1
    for key, value in rows:  # constant_memory: rows in order
        if isinstance(value, str) and len(value) > MAX_TEXT:  # a long value on several rows
            parts = [value[k:k + MAX_TEXT] for k in range(0, len(value), MAX_TEXT)]
        else:
            parts = [value]
        for k, part in enumerate(parts):
            ws.write_string(r, 0, key if k == 0 else f"{key} (suite)")
            if isinstance(part, bool):
                ws.write_boolean(r, 1, part)
            elif isinstance(part, (int, float)):
                ws.write_number(r, 1, part)
            elif part is not None:
                ws.write_string(r, 1, str(part))
            r += 1


__all__ = ["write_xlsx", "NOT_READ_BACK", "SHEETS", "UNIT_FORMATS"]
