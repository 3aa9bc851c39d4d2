"""CSV as French Excel and SAS exports write it, read exactly (docs/donnees-reelles.md).

What is sniffed, from the header line and the first rows (:data:`SAMPLE_BYTES`) of a file,
against the type the table's schema expects of each column:

- the encoding: UTF-8 (a BOM is skipped), else Windows-1252 (cp1252, which French Excel
  writes; latin-1 when the bytes are not cp1252);
- the separator: ``,``, ``;`` or tab, the most frequent on the header line;
- the decimal mark of each number column: point (``12.50``) or comma (``12,50``), digits
  grouped by spaces as Excel shows them (``1 234,50``) read too;
- the date format of each date and datetime column: ISO (``2023-01-31``), day first
  (``31/01/2023``, ``31/01/2023 14:05:00``) or SAS's ``DATE9.`` and ``DATETIME20.``
  (``31JAN2023``, ``31JAN2023:14:05:00``; SNDS dates reach SAS as datetimes, so a date column
  of a SAS export often reads ``31JAN2023:00:00:00``: its day is kept). Slashed dates are always
  read day first, the French reading: ``03/04/2023`` is 3 April even when no day of the sample
  is over 12 (the column is then reported as ambiguous); a month-first file fails at its first
  row whose month would be over 12, naming that row.

Numbers are parsed by Arrow's own parser with the comma as decimal mark, so ``12,50`` gives
the very float ``12.50`` gives. A value that cannot be read is one line naming the table, the
file, the column, the row (the file's line, the header being line 1, as Excel numbers them)
and the form expected; never the value.
"""
from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds

from cogind.errors import InputError
from cogind.io.names import schema_names

SAMPLE_BYTES = 1 << 20
SEPARATORS = {",": "virgule", ";": "point-virgule", "\t": "tabulation"}
"""CSV separators told apart from the header line, with their names in messages."""
ARROW_TYPES = {"date": pa.date32(), "datetime": pa.timestamp("us"), "integer": pa.int64(),
               "number": pa.float64(), "string": pa.string(), "boolean": pa.bool_()}
NULL_VALUES = [*pacsv.ConvertOptions().null_values, "."]
"""Arrow's missing-value texts, and SAS's: PROC EXPORT writes a missing number or date as a
lone point (its MISSING= option)."""
POINT, COMMA, GROUPED = "point", "virgule", "virgule, chiffres groupés"
ISO, DAY_FIRST, SAS = "AAAA-MM-JJ", "JJ/MM/AAAA", "JJMMMAAAA"
TIME_FORMATS = {DAY_FIRST: ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"),
                SAS: ("%d%b%Y:%H:%M:%S", "%d%b%Y:%H:%M", "%d%b%Y")}  # SAS: English, any case
"""The strptime forms of the dates and times written day first and by SAS."""
TIMESTAMP_PARSERS = [pacsv.ISO8601, "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                     *TIME_FORMATS[DAY_FIRST], *TIME_FORMATS[SAS]]
"""What Arrow's CSV reader tries on a date or time (each must read the whole value)."""
EXAMPLES = {ISO: ("2023-01-31", " "), DAY_FIRST: ("31/01/2023", " "), SAS: ("31JAN2023", ":")}
ENCODINGS = {"utf-8-sig": "UTF-8 avec BOM", "utf-8": "UTF-8", "cp1252": "Windows-1252",
             "latin-1": "latin-1"}
_GROUPING = "[ \u00a0\u202f]"  # space, no-break space, narrow no-break space (Excel's)
_NUMBER = {POINT: re.compile(r"^[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?$"),
           COMMA: re.compile(r"^[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?$"),
           GROUPED: re.compile(rf"^[+-]?\d{{1,3}}({_GROUPING}\d{{3}})+(,\d*)?$")}
_DAY_FIRST = re.compile(r"^(\d{1,2})/(\d{1,2})/\d{4}")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SAS = re.compile(r"^\d{1,2}[A-Za-z]{3}\d{4}(?::|$)")
_ROW = re.compile(r"In CSV column #(\d+): Row #(\d+)")
_COLUMN = re.compile(r"In CSV column #(\d+)")


class BadValue(pa.ArrowInvalid):
    """A value of a column converted here is not of the column's form."""

    def __init__(self, column: str) -> None:
        super().__init__(f"column {column}")
        self.column = column


@dataclass
class CsvDialect:
    """How one CSV file (or every file of a folder, sniffed on the first) is written."""

    encoding: str
    separator: str
    columns: list[str]  # the header line
    decimals: dict[str, str] = field(default_factory=dict)  # number column → decimal mark
    dates: dict[str, str] = field(default_factory=dict)  # date(time) column → date format
    ambiguous: tuple[str, ...] = ()  # day-first columns whose sample days are all ≤ 12
    types: dict[str, str] = field(default_factory=dict)  # column → schema type
    fractions: tuple[str, ...] = ()  # day-first or SAS times with fractions of a second

    @property
    def decimal_point(self) -> str:
        """Arrow's decimal mark for the file: the comma when any number column uses it."""
        return "," if COMMA in self.decimals.values() else "."

    def as_strings(self) -> list[str]:
        """Number columns read as text and converted here: grouped digits, or a point in a
        file whose other columns use the comma."""
        return [c for c, mark in self.decimals.items()
                if mark == GROUPED or (mark == POINT and self.decimal_point == ",")]

    def file_format(self, arrow_types: Mapping[str, pa.DataType] | None = None
                    ) -> ds.CsvFileFormat:
        """The Arrow CSV format reading the file; ``arrow_types`` instead of the schema's."""
        types = dict(arrow_types) if arrow_types is not None else {
            c: ARROW_TYPES[t] for c, t in self.types.items() if t in ARROW_TYPES}
        types.update({c: pa.timestamp("s") for c in self.dates if self.parsed_as_time(c)})
        types.update({c: pa.string() for c in [*self.as_strings(), *self.fractions]})
        return ds.CsvFileFormat(
            read_options=pacsv.ReadOptions(encoding=_arrow_encoding(self.encoding)),
            parse_options=pacsv.ParseOptions(delimiter=self.separator),
            convert_options=pacsv.ConvertOptions(
                column_types=types, strings_can_be_null=True, null_values=NULL_VALUES,
                decimal_point=self.decimal_point,
                timestamp_parsers=TIMESTAMP_PARSERS))

    def final_schema(self, schema: pa.Schema) -> pa.Schema:
        """``schema`` as the file is read, with the types batches come out with."""
        fields = []
        for f in schema:
            if f.name in self.as_strings():
                f = f.with_type(pa.float64())
            elif f.name in self.fractions:
                f = f.with_type(pa.date32() if self.types.get(f.name) == "date"
                                else pa.timestamp("us"))
            elif self.parsed_as_time(f.name):
                f = f.with_type(pa.date32())
            fields.append(f)
        return pa.schema(fields, metadata=schema.metadata)

    def convert(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """``batch`` with its day-first date columns as dates and its text number columns as
        numbers (raises :class:`BadValue` on a value that is not one)."""
        strings = self.as_strings()
        arrays, changed = [], False
        for name, col in zip(batch.schema.names, batch.columns):
            if name in strings:
                try:
                    col, changed = parse_number(col, self.decimals[name]), True
                except pa.ArrowInvalid:
                    raise BadValue(name) from None
            elif name in self.fractions and pa.types.is_string(col.type):
                col, changed = parse_time(col, name, self.dates[name], self.types[name]), True
            elif self.parsed_as_time(name) and pa.types.is_timestamp(col.type):
                col, changed = pc.cast(col, pa.date32(), safe=False), True
            arrays.append(col)
        if not changed:
            return batch
        return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)

    def parsed_as_time(self, column: str) -> bool:
        """Whether a date column is parsed as a timestamp then cut to its day (Arrow reads only
        ISO text as a date)."""
        return self.dates.get(column, ISO) != ISO and self.types.get(column) == "date"

    def expected(self, column: str) -> str:
        """The form a value of ``column`` must have, for messages."""
        kind = self.types.get(column)
        if kind == "number":
            return {POINT: "a number with a decimal point (12.50)",
                    COMMA: "a number with a decimal comma (12,50)",
                    GROUPED: "a number, digits grouped (1 234,50)"}[
                self.decimals.get(column, POINT)]
        if kind == "integer":
            return "an integer (12)"
        if kind in ("date", "datetime"):
            form = self.dates.get(column, ISO)
            example, between = EXAMPLES[form]
            if kind == "datetime" and column in self.fractions:
                return (f"a date and time {form}{between}HH:MM:SS[,fff] "
                        f"({example}{between}14:05:00,250)")
            if kind == "datetime":
                return f"a date and time {form}{between}HH:MM:SS ({example}{between}14:05:00)"
            return f"a date {form} ({example})"
        if kind == "boolean":
            return "a boolean (true, false, 0, 1)"
        return (f"text in {ENCODINGS.get(self.encoding, self.encoding)}, the encoding of the "
                "file's first lines")

    def lines(self) -> list[str]:
        """What was detected, for ``cogind validate``."""
        out = [f"séparateur CSV : {SEPARATORS[self.separator]} (lu sur la ligne d'en-tête) ; "
               f"encodage : {ENCODINGS.get(self.encoding, self.encoding)}"]
        for what, found in (("décimales", self.decimals), ("dates", self.dates)):
            by_form: dict[str, list[str]] = {}
            for col, form in found.items():
                by_form.setdefault(form, []).append(col)
            if by_form:
                out.append(f"{what} : " + " ; ".join(
                    f"{form} ({', '.join(cols)})" for form, cols in by_form.items()))
        if self.fractions:
            out.append(f"fractions de seconde : {', '.join(self.fractions)}")
        if self.ambiguous:
            out.append(f"dates ambiguës (aucun jour > 12 dans les premières lignes), lues jour "
                       f"d'abord (JJ/MM/AAAA, lecture française) : {', '.join(self.ambiguous)}")
        return out

    def describe(self) -> dict:
        """The dialect as recorded in the provenance."""
        return {"separateur": self.separator, "encodage": self.encoding,
                "decimales": dict(self.decimals), "dates": dict(self.dates),
                "dates_ambigues": list(self.ambiguous),
                **({"fractions_de_seconde": list(self.fractions)} if self.fractions else {})}

    @property
    def french(self) -> bool:
        """Whether anything but the defaults (UTF-8, point, ISO dates) was found."""
        return (self.encoding not in ("utf-8",) or any(m != POINT for m in self.decimals.values())
                or any(f != ISO for f in self.dates.values()))


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding.startswith("utf-8") else encoding


def parse_number(col: pa.Array, mark: str) -> pa.Array:
    """A text column of numbers written with ``mark``, as float64 (Arrow's parser)."""
    if pa.types.is_floating(col.type) or pa.types.is_integer(col.type):
        return pc.cast(col, pa.float64())
    if mark == GROUPED:
        col = pc.replace_substring_regex(col, _GROUPING, "")
    if mark in (COMMA, GROUPED):
        col = pc.replace_substring(col, ",", ".")
    return pc.cast(col, pa.float64())


_FRACTION = re.compile(r"\d:\d{2}[.,]\d+$")


def parse_time(col: pa.Array, name: str, form: str, kind: str) -> pa.Array:
    """A text column of day-first or SAS times, some with fractions of a second
    (``31/01/2023 14:05:00,250``, ``31JAN2023:14:05:00.250``), as microseconds (a date column:
    its day). Arrow's strptime knows no fraction: the digits after the seconds are added apart,
    to the microsecond (further digits cut). Raises :class:`BadValue` on a value not of ``form``."""
    has = pc.match_substring_regex(col, r":\d{2}[.,]\d+$")
    base = pc.if_else(has, pc.replace_substring_regex(col, r"[.,]\d+$", ""), col)
    digits = pc.if_else(has, pc.extract_regex(col, r"[.,](?P<f>\d+)$").field("f"), "0")
    micro = pc.cast(pc.utf8_slice_codeunits(pc.utf8_rpad(digits, 6, "0"), 0, 6), pa.int64())
    stamp = pc.coalesce(*[pc.strptime(base, format=f, unit="us", error_is_null=True)
                          for f in TIME_FORMATS[form]])
    if pc.any(pc.and_(pc.is_valid(col), pc.is_null(stamp))).as_py():
        raise BadValue(name)
    stamp = pc.add(stamp, pc.cast(micro, pa.duration("us")))
    return pc.cast(stamp, pa.date32(), safe=False) if kind == "date" else stamp


def _encoding(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    cut = raw[:raw.rfind(b"\n") + 1] if len(raw) == SAMPLE_BYTES else raw
    try:
        cut.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "latin-1" if any(b in cut for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")) \
            else "cp1252"


def _sample_rows(raw: bytes, encoding: str, separator: str) -> list[list[str]]:
    if len(raw) == SAMPLE_BYTES:  # a partial last line says nothing
        raw = raw[:raw.rfind(b"\n") + 1]
    text = raw.decode(encoding, errors="replace")
    return list(csv.reader(io.StringIO(text), delimiter=separator))[1:]


def _decimal(values: list[str]) -> str | None:
    """The mark most sample values use (a column mixing both fails where it differs); None
    when no value has one (whole numbers: the file's mark)."""
    found = {mark: sum(1 for v in values if rx.match(v)) for mark, rx in _NUMBER.items()}
    if found[GROUPED]:
        return GROUPED
    if not found[COMMA] and not found[POINT]:
        return None
    return COMMA if found[COMMA] > found[POINT] else POINT


def _date_form(values: list[str]) -> tuple[str, bool]:
    """(format, ambiguous) of a date column's sample values."""
    days = [int(m.group(1)) for v in values if (m := _DAY_FIRST.match(v))]
    iso, sas = (sum(1 for v in values if rx.match(v)) for rx in (_ISO, _SAS))
    if sas > max(iso, len(days)):
        return SAS, False
    if not days or iso > len(days):
        return ISO, False
    return DAY_FIRST, max(days) <= 12


def sniff(path: Path, fields: Mapping[str, Mapping]) -> CsvDialect:
    """The dialect of the CSV file ``path``, its columns checked against ``fields`` (the
    table schema's, column → field)."""
    try:
        with (gzip.open(path, "rb") if str(path).lower().endswith(".gz")
              else open(path, "rb")) as fh:
            raw = fh.read(SAMPLE_BYTES)
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot open {path}: {getattr(exc, 'strerror', None) or exc}") from None
    encoding = _encoding(raw)
    first = raw.split(b"\n", 1)[0].decode(encoding, errors="replace").lstrip("\ufeff").strip()
    separator = max(SEPARATORS, key=first.count)  # the most frequent; a tie: the first listed
    columns = [c.strip().strip('"') for c in first.split(separator)]
    named = schema_names(columns, fields)  # a header in another case (cogind.io.names)
    types = {c: fields[f]["type"] for c in columns
             if (f := named.get(c, c)) in fields and "type" in fields[f]}
    rows = _sample_rows(raw, encoding, separator)
    dialect = CsvDialect(encoding, separator, columns, types=types)
    ambiguous = []
    for i, col in enumerate(columns):
        kind = types.get(col)
        if kind not in ("number", "date", "datetime"):
            continue
        values = [r[i].strip() for r in rows if i < len(r) and r[i].strip()]
        if kind == "number":
            dialect.decimals[col] = _decimal(values)
        else:
            dialect.dates[col], vague = _date_form(values)
            if vague:
                ambiguous.append(col)
            if dialect.dates[col] in TIME_FORMATS and any(_FRACTION.search(v) for v in values):
                dialect.fractions += (col,)
    dialect.ambiguous = tuple(ambiguous)
    marks = set(dialect.decimals.values())
    default = COMMA if COMMA in marks or (GROUPED in marks and POINT not in marks) else POINT
    dialect.decimals = {c: m or default for c, m in dialect.decimals.items()}
    return dialect


# --------------------------------------------------------------------------- writing


def write_csv_fr(table: pa.Table, path: Path) -> None:
    """``table`` as French Excel opens it: ``;``, comma decimals, day-first dates, UTF-8 with
    a BOM (Excel's sign of UTF-8). Floats keep every digit Arrow writes (``12,5``, ``1,5e-07``):
    read back they are the same floats."""
    columns = []
    for col in table.columns:
        t = col.type
        if pa.types.is_dictionary(t):
            col, t = pc.cast(col, t.value_type), t.value_type
        if pa.types.is_floating(t):
            col = pc.replace_substring(pc.cast(col, pa.string()), ".", ",")
        elif pa.types.is_date(t):
            col = pc.strftime(col, "%d/%m/%Y")
        elif pa.types.is_timestamp(t):
            col = pc.strftime(col, "%d/%m/%Y %H:%M:%S")
        columns.append(col)
    out = pa.table(columns, names=table.column_names)
    with open(path, "wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        pacsv.write_csv(out, fh, pacsv.WriteOptions(delimiter=";", quoting_style="needed"))


def read_csv_table(path: Path, types: Mapping[str, pa.DataType]) -> pa.Table:
    """A whole CSV file read with its sniffed dialect, each column of ``types`` with its
    type (result files read back: cogind's own CSV, plain or French)."""
    kinds = (("date", pa.types.is_date), ("datetime", pa.types.is_timestamp),
             ("number", pa.types.is_floating), ("integer", pa.types.is_integer))
    fields = {n: {"type": next((k for k, test in kinds if test(t)), "string")}
              for n, t in types.items()}
    dialect = sniff(Path(path), fields)
    fmt = dialect.file_format({n: t for n, t in types.items() if n in dialect.columns})
    dataset = ds.dataset(str(path), format=fmt)
    schema = dialect.final_schema(dataset.schema)
    return pa.Table.from_batches([dialect.convert(b) for b in dataset.to_batches()], schema)


# --------------------------------------------------------------------------- errors


def read_error(name: str, dialect: CsvDialect, files: list[str], exc: Exception,
               column: str | None = None) -> str | None:
    """The one line for a CSV value that cannot be read: table, file, column, row and the
    form expected (never the value); None when ``exc`` is not about one column's value."""
    message = str(exc)
    m = _COLUMN.search(message)
    column = exc.column if isinstance(exc, BadValue) else column
    if column is None and m is None:
        return None
    if column is None:
        index = int(m.group(1))
        column = dialect.columns[index] if index < len(dialect.columns) else f"#{index}"
    where = _locate(dialect, files, column)
    if where is None:
        return (f"table '{name}', column '{column}': a value cannot be read, expected "
                f"{dialect.expected(column)}")
    file, line = where
    row = f", line {line}" if line else ""
    return (f"table '{name}', file {Path(file).name}, column '{column}'{row}: a value cannot "
            f"be read, expected {dialect.expected(column)}")


def _locate(dialect: CsvDialect, files: list[str], column: str
            ) -> tuple[str, int | None] | None:
    """(file, line) of the first value of ``column`` that cannot be read, the files read in
    turn, that column only (an error path: the normal read stays one pass)."""
    fmt = dialect.file_format()
    for file in files:
        offset = 0
        try:
            scan = ds.dataset(file, format=fmt).to_batches(columns=[column],
                                                           batch_size=1 << 16)
            for batch in scan:
                bad = _first_bad(dialect, column, batch.column(0))
                if bad is not None:
                    return file, offset + bad + 2
                offset += batch.num_rows
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            m = _ROW.search(str(exc))
            return file, int(m.group(2)) if m else None
    return None


def _first_bad(dialect: CsvDialect, column: str, col: pa.Array) -> int | None:
    """Index of the first value ``convert`` refuses (bisection: a few casts), or None."""
    def fails(part: pa.Array) -> bool:
        try:
            dialect.convert(pa.RecordBatch.from_arrays([part], names=[column]))
            return False
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # BadValue too
            return True

    if not fails(col):
        return None
    lo, hi = 0, len(col)  # the first failing value is in [lo, hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fails(col.slice(lo, mid - lo)):
            hi = mid
        else:
            lo = mid
    return lo


__all__ = ["BadValue", "CsvDialect", "SEPARATORS", "sniff", "read_error", "parse_number"]
