"""``cogind convert``: input tables rewritten as uncompressed Arrow IPC, the fastest input.

An uncompressed Arrow IPC file is read by mapping it into memory: no decoding, no copy, so a
computation on it costs what the kernels cost. CSV must be parsed and Parquet decoded at every
run. Each table is streamed batch by batch. An IPC *file* holds one dictionary per column, but
each Parquet row group decodes with its own: a first pass gathers every dictionary column's
values, the second writes each batch's indices into that one dictionary (a table that converts
from many row groups reads back as fast as one from a single group).

The folder is published whole or not at all: a new folder is built as a temporary sibling and
renamed into place; into an existing folder, every table is staged before any is renamed.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from cogind.errors import InputError
from cogind.io.publish import Publication, check_output
from cogind.io.readers import open_inputs


def convert(source, out_dir: str | Path, registry, tables=None) -> dict[str, int]:
    """Write every table of ``source`` (or ``tables``) to ``out_dir/<table>.arrow``.

    :returns: rows written per table.
    """
    out = check_output(out_dir, folder=True)
    inputs = open_inputs(source, registry.tables, wanted=list(tables) if tables else None)
    if not inputs:
        raise InputError(f"no table to convert in {source}")
    written: dict[str, int] = {}
    with Publication(out) as pub:
        if out.is_dir():
            for name, tin in sorted(inputs.items()):
                pub.stage(out / f"{name}.arrow",
                          lambda p, tin=tin, name=name: written.update({name: _write(tin, p)}))
        else:
            pub.stage(out, lambda p: written.update(_write_folder(inputs, p)))
        pub.commit()
    return written


def _write_folder(inputs: dict, folder: Path) -> dict[str, int]:
    folder.mkdir()
    folder.chmod(0o777 & ~_umask())
    return {name: _write(tin, folder / f"{name}.arrow") for name, tin in sorted(inputs.items())}


def _umask() -> int:
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write(tin, path: Path) -> int:
    """Stream ``tin`` into the IPC file ``path``, one dictionary per column; rows written."""
    names = tin.schema.names
    union = _dictionaries(tin, names)
    schema = pa.schema([f.with_type(pa.dictionary(pa.int32(), union[f.name].type))
                        if f.name in union else f for f in tin.schema], metadata=tin.schema.metadata)
    rows = 0
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, schema) as writer:
        for batch in tin.batches(names):
            writer.write_batch(_unified(batch, union, schema))
            rows += batch.num_rows
    return rows


def _dictionaries(tin, names: list[str]) -> dict[str, pa.Array]:
    """Each dictionary column's values over the whole table, in order of first appearance."""
    cols = [f.name for f in tin.schema if pa.types.is_dictionary(f.type)]
    if not cols:
        return {}
    seen: dict[str, list[pa.Array]] = {c: [] for c in cols}
    for batch in tin.batches(cols):
        for c in cols:
            seen[c].append(batch.column(c).dictionary)
    types = {c: tin.schema.field(c).type.value_type for c in cols}
    return {c: pc.unique(pa.chunked_array(d, types[c]).combine_chunks()) if d
            else pa.array([], types[c]) for c, d in seen.items()}


def _unified(batch: pa.RecordBatch, union: dict[str, pa.Array],
             schema: pa.Schema) -> pa.RecordBatch:
    if not union:
        return batch
    arrays = []
    for name in batch.schema.names:
        col = batch.column(name)
        if name in union:
            index_type = schema.field(name).type.index_type
            where = pc.index_in(col.dictionary, value_set=union[name]).cast(index_type)
            col = pa.DictionaryArray.from_arrays(where.take(col.indices), union[name])
        arrays.append(col)
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


__all__ = ["convert"]
