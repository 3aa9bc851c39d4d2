"""Code values as SAS keeps them: padded with blanks to the variable's width.

A SAS character variable is stored at its declared length, so an extract written from SAS (a
Parquet file, some CSV exports) can hold ``'TEL     '`` for ``'TEL'`` and ``'01C011  '`` for a
caisse; SAS itself compares them equal (trailing blanks do not count), and so does cogind: the
blanks around the values of the schema's code columns (those with a nomenclature or an enum:
caisse, channel, risk, nature…) are removed as they are read. Identifiers are left as written.
Without it, every such row fell outside its indicator's scope and its caisse was unknown.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def padded(values: pa.Array) -> bool:
    """Whether a text value of ``values`` starts or ends with a blank."""
    return bool(pc.any(_edges(values)).as_py())


def padded_count(col: pa.Array) -> int:
    """How many values of ``col`` (text, or a dictionary of texts) have blanks around them."""
    if pa.types.is_dictionary(col.type) and _is_text(col.type.value_type):
        hit = _edges(col.dictionary)
        return int(pc.sum(pc.take(hit, col.indices)).as_py() or 0) if pc.any(hit).as_py() else 0
    return int(pc.sum(_edges(col)).as_py() or 0) if _is_text(col.type) else 0


def _edges(values: pa.Array) -> pa.Array:
    return pc.or_(pc.starts_with(values, " "), pc.ends_with(values, " "))


def unpadded_column(col: pa.Array) -> pa.Array:
    """``col`` (text, or a dictionary of texts) with the blanks around its values removed; the
    same array when none has any (the common case: one cheap test)."""
    if pa.types.is_dictionary(col.type) and _is_text(col.type.value_type):
        if not padded(col.dictionary):
            return col
        return pa.DictionaryArray.from_arrays(col.indices, pc.utf8_trim(col.dictionary, " "))
    if _is_text(col.type) and padded(col):
        return pc.utf8_trim(col, " ")
    return col


def unpadded(batch: pa.RecordBatch, codes: tuple[str, ...]) -> pa.RecordBatch:
    """``batch`` with its ``codes`` columns :func:`unpadded_column`."""
    arrays, changed = [], False
    for name, col in zip(batch.schema.names, batch.columns):
        new = unpadded_column(col) if name in codes else col
        changed |= new is not col
        arrays.append(new)
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names) if changed else batch


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)
