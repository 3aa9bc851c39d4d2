"""Inputs in: files, folders, in-memory Arrow objects, checked against the table schemas.

Errors name the table, the file and the column; they never quote a value from the data.
"""
from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from cogind.errors import InputError, SchemaError
from cogind.io.csv_fr import CsvDialect, read_error, sniff
from cogind.io.files import EXTENSIONS, extension, find_in_folder, folder_files
from cogind.io.names import schema_names
from cogind.io.padding import unpadded
from cogind.io.sources import LazyFrameSource, is_lazy_frame
from cogind.io.timezones import (DEFAULT_TIMEZONE, local_batch, local_schema, read_columns,
                                  zoned_columns)
from cogind.model import TableSchema

DEFAULT_BATCH = 1 << 20


def _accepts(expected: str, t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    if expected in ("date", "datetime"):
        return pa.types.is_date(t) or pa.types.is_timestamp(t)
    if expected == "integer":
        return pa.types.is_integer(t) or pa.types.is_boolean(t)
    if expected == "number":
        return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
    if expected == "string":
        return pa.types.is_string(t) or pa.types.is_large_string(t) or (
            hasattr(pa.types, "is_string_view") and pa.types.is_string_view(t))
    if expected == "boolean":
        return pa.types.is_boolean(t) or pa.types.is_integer(t)
    return True


@dataclass
class TableInput:
    """One input table: where it comes from and how to stream its batches."""

    name: str
    origin: str  # a path or a description, for messages
    schema: pa.Schema
    _source: Any  # ds.Dataset | pa.Table | pa.RecordBatchReader
    num_rows: int | None = None
    csv_columns: list[str] | None = None
    mapped: str | None = None  # an Arrow IPC file read through a memory map (no decoding)
    timezone: str = DEFAULT_TIMEZONE  # civil time zone of calendar days (cogind.io.timezones)
    zoned: tuple[str, ...] = ()  # time-zone-aware timestamp columns, read as local time
    csv_separator: str | None = None  # of a CSV input, sniffed from its header line
    csv_dialect: CsvDialect | None = None  # encoding, decimal marks, date formats (io.csv_fr)
    stored: dict[str, str] = field(default_factory=dict)  # schema name → the file's (io.names)
    codes: tuple[str, ...] = ()  # code columns read without the blanks around (io.padding)

    def __post_init__(self) -> None:
        if not self.zoned:  # batches come out as the schema says: zoned columns as local time
            self.zoned = zoned_columns(self.schema)
            self.schema = local_schema(self.schema) if self.zoned else self.schema

    def check(self, spec: TableSchema, needed: Mapping[str, list[str]]) -> None:
        """``needed``: column → indicator codes that need it."""
        for col, users in needed.items():
            idx = self.schema.get_field_index(col)
            expected = spec.field_type(col) or "?"
            if idx < 0:
                raise SchemaError(f"table '{self.name}' ({self.origin}): missing column '{col}'"
                                  f" ({expected}) needed by {', '.join(sorted(users)[:3])}")
            found = self.schema.field(idx).type
            if not _accepts(expected, found):
                raise SchemaError(f"table '{self.name}', column '{col}': expected {expected}, "
                                  f"found {found} ({self.origin})")

    def batches(self, columns: list[str],
                batch_size: int = DEFAULT_BATCH) -> Iterator[pa.RecordBatch]:
        """The table's record batches, ``columns`` only, streamed (bounded read-ahead), dates
        out of range as missing and zoned timestamps as local time (:mod:`cogind.io.timezones`)."""
        read = read_columns(list(columns), self.zoned, self.timezone, self.schema)
        batches = self._read([self.stored_name(c) for c in read], batch_size)
        if self.stored:  # columns named as the schema's but for case: under the schema's name
            batches = (b.rename_columns(read) for b in batches)
        for batch in batches:  # by caisse zone: its column read along
            batch = local_batch(batch, self.zoned, self.timezone, len(columns))
            yield unpadded(batch, self.codes) if self.codes else batch

    def stored_name(self, column: str) -> str:
        """The name ``column`` has in the input itself."""
        return self.stored.get(column, column)

    def _read(self, columns: list[str], batch_size: int) -> Iterator[pa.RecordBatch]:
        src = self._source
        try:
            if self.mapped is not None:
                yield from map(without_views, _mapped_batches(self.mapped, columns, batch_size))
            elif isinstance(src, ds.Dataset):
                scan = src.to_batches(columns=columns, batch_size=batch_size, use_threads=True,
                                      batch_readahead=2, fragment_readahead=1,
                                      fragment_scan_options=_scan_options(src))
                if self.csv_dialect is not None:  # day-first dates, grouped digits
                    scan = map(self.csv_dialect.convert, scan)
                yield from map(without_views, scan)
            elif isinstance(src, pa.Table):
                yield from map(without_views, src.select(columns).to_batches(
                    max_chunksize=batch_size))
            elif isinstance(src, LazyFrameSource):  # collected again, these columns only
                yield from map(without_views, src.batches(columns, batch_size))
            else:  # a RecordBatchReader: one pass only
                for b in src:
                    yield without_views(b.select(columns) if hasattr(b, "select") else
                                        pa.RecordBatch.from_arrays([b.column(c) for c in columns],
                                                                   names=columns))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
            line = (read_error(self.name, self.csv_dialect, list(src.files), exc)
                    if self.csv_dialect is not None and not isinstance(exc, OSError) else None)
            failing = (_failing_file(src.files, src.format, columns) if not line and isinstance(
                src, ds.FileSystemDataset) and len(src.files) > 1 else None)
            where, exc = ((f"{failing[0]} ({self.origin})", failing[1]) if failing
                          else (self.origin, exc))
            raise InputError(line or f"table '{self.name}': cannot read {where}: "
                             f"{_safe(str(exc), self.csv_columns)}{_narrowed(src)}") from None


def _failing_file(files, fileformat, columns: list[str] | None = None):
    """(name, error) of the first of ``files`` that cannot be read alone (its footer or schema;
    with ``columns``, those columns read whole): an error path, so that a folder of 274 monthly
    files names the one that is damaged. None when each reads alone."""
    for f in files:
        try:
            one = ds.dataset(str(f), format=fileformat)
            if columns is not None:
                for _ in one.to_batches(columns=[c for c in columns if c in one.schema.names]):
                    pass
        except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
            return Path(f).name, exc
    return None


def _narrowed(src) -> str:
    """Where a dataset reads a file's column as another type (the usual cause of a failing
    cast): file, column, expected and found type; empty when none is."""
    if not isinstance(src, ds.FileSystemDataset):
        return ""
    try:
        for fragment in src.get_fragments():
            for f in fragment.physical_schema:
                i = src.schema.get_field_index(f.name)
                if i >= 0 and src.schema.field(i).type != f.type:
                    return (f" (column '{f.name}' of {Path(fragment.path).name}: expected "
                            f"{src.schema.field(i).type}, found {f.type})")
    except (pa.ArrowInvalid, OSError):
        return ""
    return ""


def _mapped_batches(path: str, columns: list[str], batch_size: int) -> Iterator[pa.RecordBatch]:
    """Batches of an uncompressed Arrow IPC file, zero-copy: pages are read as the kernels touch
    them, and unused columns are never read."""
    with pa.memory_map(path, "r") as source:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i).select(columns)
            for start in range(0, batch.num_rows, batch_size):
                yield batch.slice(start, batch_size)


def _scan_options(src: ds.Dataset):
    """Parquet without pre-buffering: memory holds what is decoded, not whole row groups."""
    fmt = getattr(src, "format", None)
    if isinstance(fmt, ds.ParquetFileFormat):
        return ds.ParquetFragmentScanOptions(pre_buffer=False)
    return None


def _plain_type(t: pa.DataType) -> pa.DataType:
    """``t`` with view types replaced: Arrow compute has no kernels for string_view yet."""
    if pa.types.is_dictionary(t):
        value = _plain_type(t.value_type)
        return t if value == t.value_type else pa.dictionary(t.index_type, value, t.ordered)
    if hasattr(pa, "string_view") and t == pa.string_view():  # Polars' default export
        return pa.string()
    if hasattr(pa, "binary_view") and t == pa.binary_view():
        return pa.binary()
    return t


def without_views(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with its view columns cast to plain ones (only those copy)."""
    types = [_plain_type(f.type) for f in batch.schema]
    if all(t == f.type for t, f in zip(types, batch.schema)):
        return batch
    schema = pa.schema([f.with_type(t) for f, t in zip(batch.schema, types)],
                       metadata=batch.schema.metadata)
    return pa.RecordBatch.from_arrays([c if c.type == t else pc.cast(c, t)
                                       for c, t in zip(batch.columns, types)], schema=schema)


_CSV_COLUMN = re.compile(r"In CSV column #(\d+).*conversion error to ([^:]+)")


def _safe(message: str, columns: list[str] | None = None) -> str:
    """An Arrow error message with no data value in it (CSV errors: the column only)."""
    m = _CSV_COLUMN.search(message)
    if m and columns is not None and int(m.group(1)) < len(columns):
        return (f"column '{columns[int(m.group(1))]}': a value is not a valid "
                f"{m.group(2).strip()} (dates as YYYY-MM-DD, times as YYYY-MM-DD HH:MM:SS)")
    message = re.sub(r"'[^']*'", "'…'", message.splitlines()[0] if message else "")
    message = re.sub(r"invalid value.*$", "invalid value", message)
    message = _RANGE.sub("a value does not fit the column's type", message)
    return _NUMBER.sub("…", message)[:200]  # no value of the data, whatever the message


_RANGE = re.compile(r"Integer value .*? not in range[^,;]*|[\w ]*value .*? out of bounds[^,;]*")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])")


def code_columns(spec: TableSchema | None) -> list[str]:
    """The string columns of ``spec`` that hold codes: those with a nomenclature or an enum
    (caisse, risk, channel…), few distinct values. Identifiers (ARR_NUM, BEN_NIR_PSA) are
    not: nearly every value is distinct, so a dictionary is a hash table built per read."""
    return [n for n, f in (spec.fields.items() if spec else ())
            if f.get("type") == "string"
            and (f.get("nomenclature") or (f.get("constraints") or {}).get("enum"))]


def _parquet_format(spec: TableSchema | None) -> ds.ParquetFileFormat:
    """Parquet whose code columns are decoded as dictionaries: their pages already are, so no
    string is materialised, and caisse slots and scope conditions are then decided once per
    distinct value. Reading ARR_NUM so (2 M values, nearly all distinct) cost 0.23 s CPU per
    read of the 10 M suite's ij, twice per run for its duplicate check; as strings 0.085 s."""
    return ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(
        dictionary_columns=code_columns(spec)))


def _open_path(name: str, path: Path, spec: TableSchema | None) -> TableInput:
    if path.is_dir():
        files, fmt = folder_files(name, path)
        sample = files[0]
    else:
        fmt = EXTENSIONS.get(extension(path))
        if fmt is None:
            raise InputError(f"table '{name}': unknown file type {path.name} "
                             f"(expected {', '.join(sorted(EXTENSIONS))})")
        sample = path
    empty = next((f for f in (files if path.is_dir() else [path]) if f.stat().st_size == 0), None)
    if empty is not None:  # a copy interrupted, an export that wrote nothing: not a table
        raise InputError(f"table '{name}': {empty.name} is empty (0 bytes"
                         f"{', in ' + str(path) if path.is_dir() else ''}): not even a header")
    dialect = sniff(sample, spec.fields if spec else {}) if fmt == "csv" else None
    fileformat = (dialect.file_format() if dialect is not None else
                  _parquet_format(spec) if fmt == "parquet" else fmt)
    header = dialect.columns if dialect is not None else None
    try:
        folder = {"partitioning": "hive", "partition_base_dir": str(path)} \
            if path.is_dir() else {}
        source = [str(f) for f in files] if path.is_dir() else str(path)
        dataset = ds.dataset(source, format=fileformat, **folder)
        schema = dataset.schema
        if path.is_dir() and fmt != "csv" and len(files) > 1:
            dataset = _agreeing(name, dataset, fileformat, str(path))
            schema = dataset.schema
        if dialect is not None:  # CSV types come from the header line and the schema
            schema = dialect.final_schema(dataset.head(0).schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        kind = {"parquet": "Parquet", "ipc": "Arrow IPC", "csv": "CSV"}[fmt]
        line = (read_error(name, dialect, [str(f) for f in files] if path.is_dir()
                           else [str(path)], exc)
                if dialect is not None and not isinstance(exc, OSError) else None)
        failing = _failing_file(files, fileformat) if path.is_dir() and not line else None
        where, exc = (f"{failing[0]} (in {path})", failing[1]) if failing else (path, exc)
        raise InputError(line or f"table '{name}': cannot read {where} as {kind}: "
                         f"{_safe(str(exc), header)}") from None
    mapped = str(path) if fmt == "ipc" and path.is_file() else None  # compressed: decoded
    return _as_schema_reads(TableInput(
        name, str(path), schema, dataset, csv_columns=header, mapped=mapped,
        csv_separator=dialect and dialect.separator, csv_dialect=dialect), spec)


def _as_schema_reads(tin: TableInput, spec: TableSchema | None) -> TableInput:
    """``tin`` read as its schema names and codes things: a column named as the schema's but
    for case or spaces under the schema's name (:mod:`cogind.io.names`), the values of its code
    columns without the blanks around them (:mod:`cogind.io.padding`)."""
    renamed = schema_names(tin.schema.names, spec.fields if spec else {})
    names = {renamed.get(n, n) for n in tin.schema.names}
    codes = tuple(c for c in code_columns(spec) if c in names)  # SAS blanks (io.padding)
    if not renamed:
        return dataclasses.replace(tin, codes=codes) if codes else tin
    schema = pa.schema([f.with_name(renamed.get(f.name, f.name)) for f in tin.schema],
                       metadata=tin.schema.metadata)
    zoned = tuple(renamed.get(z, z) for z in tin.zoned)
    return dataclasses.replace(tin, schema=schema, zoned=zoned, codes=codes,
                               stored={v: k for k, v in renamed.items()})


def _kind(t: pa.DataType) -> str:
    """What a column holds, whatever its width: files of one table may differ in width only."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    for kind, test in (("date", pa.types.is_date), ("integer", pa.types.is_integer),
                       ("number", pa.types.is_floating), ("number", pa.types.is_decimal),
                       ("string", pa.types.is_string),
                       ("string", pa.types.is_large_string)):
        if test(t):
            return kind
    if pa.types.is_timestamp(t):
        return "timestamp" if t.tz is None else "timestamp with time zone"
    return str(t)


def _agreeing(name: str, dataset: ds.FileSystemDataset, fileformat, path: str):
    """``dataset`` over files whose column types agree in kind, read with the widest type of
    each column (an int8 in one file and an int64 in another: int64, never a failing cast);
    files that disagree (a timestamp here, a date there) are an InputError naming both."""
    first = dataset.schema
    schemas = []
    for fragment in dataset.get_fragments():  # footers only
        own = fragment.physical_schema
        for f in own:
            i = first.get_field_index(f.name)
            if i >= 0 and _kind(f.type) != _kind(first.field(i).type):
                raise InputError(
                    f"table '{name}': files disagree on column '{f.name}': "
                    f"{first.field(i).type} in {Path(_first_path(dataset)).name}, {f.type} in "
                    f"{Path(fragment.path).name} ({path}); write every file with one type")
        schemas.append(own)
    if all(s.equals(first) for s in schemas):
        return dataset
    try:
        wide = pa.unify_schemas([first] + schemas, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        raise InputError(f"table '{name}': files of {path} have column types that cannot be "
                         "read as one (write every file with one type)") from None
    wide = pa.schema([wide.field(f.name) for f in first], metadata=first.metadata)
    return ds.dataset(list(dataset.files), format=fileformat, partitioning="hive",
                      partition_base_dir=path, schema=wide)


def _first_path(dataset: ds.FileSystemDataset) -> str:
    return next(iter(dataset.get_fragments())).path


def _stream_schema(obj: Any) -> pa.Schema:
    reader = pa.RecordBatchReader.from_stream(obj)
    try:
        return reader.schema
    finally:
        reader.close()


class _Stream:
    """An object exporting ``__arrow_c_stream__``, streamed only when read: DuckDB allows a
    single open result per connection, so the relations of one connection are read in turn."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        try:
            reader = pa.RecordBatchReader.from_stream(self.obj)
        except Exception as exc:  # the producer's own error type
            raise InputError(f"cannot stream the {type(self.obj).__name__} object a second time "
                             f"({type(exc).__name__}): pass pyarrow.RecordBatchReader."
                             "from_stream(obj) instead") from None
        return iter(reader)


def _open_object(name: str, obj: Any) -> TableInput:
    if isinstance(obj, pa.Table):
        return TableInput(name, "table en mémoire", obj.schema, obj, obj.num_rows)
    if isinstance(obj, pa.RecordBatch):
        t = pa.Table.from_batches([obj])
        return TableInput(name, "batch en mémoire", t.schema, t, t.num_rows)
    if isinstance(obj, ds.Dataset):
        return TableInput(name, "dataset", obj.schema, obj)
    if isinstance(obj, pa.RecordBatchReader):
        return TableInput(name, "flux Arrow", obj.schema, obj)
    if is_lazy_frame(obj):  # streamed in batches at each pass, never collected whole
        src = LazyFrameSource(obj, name)
        return TableInput(name, "LazyFrame Polars", src.schema, src)
    if hasattr(obj, "__arrow_c_stream__"):  # Polars, DuckDB, pandas…: zero copy through C
        return TableInput(name, f"flux Arrow ({type(obj).__name__})", _stream_schema(obj),
                          _Stream(obj))
    if isinstance(obj, (str, Path)):
        return _open_path(name, Path(obj), None)
    raise InputError(f"table '{name}': cannot read an object of type {type(obj).__name__}")


def open_inputs(source: Any, tables: Mapping[str, TableSchema],
                wanted: list[str] | None = None, allow_none: bool = False
                ) -> dict[str, TableInput]:
    """Open every table of ``tables`` present in ``source`` (folder, file or mapping).

    Tables are looked for by name: ``ij.parquet``, ``ij.arrow``, ``ij.csv`` or a folder ``ij/``.
    """
    wanted = list(wanted or tables)
    if isinstance(source, Mapping):
        out = {}
        for name, obj in source.items():
            if name not in tables:
                raise InputError(f"unknown table '{name}' (known: {', '.join(sorted(tables))})")
            out[name] = (_open_path(name, Path(obj), tables[name])
                         if isinstance(obj, (str, Path))
                         else _as_schema_reads(_open_object(name, obj), tables[name]))
        return out
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(f"cannot read an object of type {type(source).__name__}: pass a path "
                         f"or a mapping {{table name: object}} (tables: {', '.join(sorted(tables))})")
    path = Path(source)
    if not path.exists():
        raise InputError(f"no such file or folder: {path}")
    if path.is_file():
        name = path.name.split(".")[0]
        if name not in tables:
            raise InputError(f"cannot tell which table {path.name} holds: name it after one of "
                             f"{', '.join(sorted(tables))}")
        return {name: _open_path(name, path, tables[name])}
    out = {}
    for name in wanted:
        found = find_in_folder(path, name)
        if found is not None:
            out[name] = _open_path(name, found, tables[name])
    if not out and not allow_none:
        raise InputError(f"folder {path} holds none of the tables "
                         f"{', '.join(sorted(wanted))} (e.g. ij.parquet, contacts.csv)")
    return out


def available_part(table: TableInput, column: str, last_day: int) -> tuple[TableInput, int]:
    """``table`` without the Parquet row groups in which no row is available on ``last_day``,
    and how many rows they hold. A group is left out only when its statistics prove it: the
    least value of ``column`` (date32, days since 1970) is after ``last_day`` (its nulls are
    not available either). Groups without statistics, other types, other inputs: kept whole."""
    src, column = table._source, table.stored_name(column)
    if (not isinstance(src, ds.FileSystemDataset) or table.mapped is not None
            or not isinstance(src.format, ds.ParquetFileFormat)
            or src.schema.get_field_index(column) < 0
            or not pa.types.is_date32(src.schema.field(column).type)):
        return table, 0
    kept, skipped = [], 0
    try:
        for fragment in src.get_fragments():
            if not pa.types.is_date32(fragment.physical_schema.field(column).type):
                return table, 0
            groups = [rg for rg in fragment.row_groups]
            keep = [rg.id for rg in groups if not _after(rg, column, last_day)]
            skipped += sum(rg.num_rows for rg in groups if rg.id not in keep)
            kept.append(fragment if len(keep) == len(groups)
                        else fragment.subset(row_group_ids=keep))
    except (pa.ArrowInvalid, OSError, KeyError, ValueError):
        return table, 0  # unreadable footers: the pass says why
    if not skipped:
        return table, 0
    part = ds.FileSystemDataset(kept, src.schema, src.format, src.filesystem)
    return TableInput(table.name, table.origin, table.schema, part, None, table.csv_columns,
                      timezone=table.timezone, zoned=table.zoned, stored=table.stored,
                      codes=table.codes), skipped


def _after(row_group, column: str, last_day: int) -> bool:
    """Whether every value of ``column`` in ``row_group`` is after ``last_day``."""
    stats = (row_group.statistics or {}).get(column)
    low = stats.get("min") if stats else None
    if low is None:
        return False
    days = low.toordinal() - _EPOCH if hasattr(low, "toordinal") else int(low)
    return days > last_day


_EPOCH = 719163  # date(1970, 1, 1).toordinal()


def file_parts(table: TableInput) -> list[TableInput] | None:
    """``table`` split into parts each read on its own from its path (the Dask engine ships
    them to workers, never their data): one per Parquet row group, one per Arrow IPC or CSV
    file. None when the table is not read from files (in-memory tables, streams)."""
    src = table._source
    if not isinstance(src, ds.FileSystemDataset):
        return None
    parts = []
    for fragment in src.get_fragments():  # Parquet footers are read here, on the caller
        pieces = (fragment.split_by_row_group() if isinstance(fragment, ds.ParquetFileFragment)
                  else [fragment])
        for piece in pieces:
            rows, origin = None, piece.path
            if isinstance(piece, ds.ParquetFileFragment):
                rows = sum(rg.num_rows for rg in piece.row_groups)
                origin = f"{piece.path}, groupe de lignes {piece.row_groups[0].id}"
            one = ds.FileSystemDataset([piece], src.schema, src.format, src.filesystem)
            parts.append(TableInput(table.name, origin, table.schema, one, rows,
                                    table.csv_columns, timezone=table.timezone,
                                    zoned=table.zoned, csv_dialect=table.csv_dialect,
                                    stored=table.stored, codes=table.codes))
    return parts


__all__ = ["TableInput", "available_part", "code_columns", "open_inputs", "file_parts", "pc"]
