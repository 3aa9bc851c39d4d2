"""Column arrays of a block to an Arrow record batch in schema order."""
from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa

from cogind.synth.reference import arrow_schema
from cogind.synth.tables import SPECS


@functools.cache
def dictionary(table: str, column: str, codes: tuple[str, ...], with_unknown: bool) -> pa.Array:
    """Values of a dictionary column; the unknown code is appended when defects are on."""
    values = list(codes)
    if with_unknown and SPECS[table].unknown[0] == column:
        values.append(SPECS[table].unknown[1])
    return pa.array(values, pa.string())


def _array(values, field: pa.Field, mask, dict_values) -> pa.Array:
    if isinstance(values, pa.Array):
        return values
    if mask is not None and not mask.any():
        mask = None
    if pa.types.is_dictionary(field.type):
        itype = field.type.index_type
        indices = pa.array(values.astype(itype.to_pandas_dtype(), copy=False), itype, mask=mask)
        return pa.DictionaryArray.from_arrays(indices, dict_values)
    dtype = field.type.to_pandas_dtype() if pa.types.is_integer(field.type) else None
    if pa.types.is_date32(field.type):
        dtype = np.int32
    elif pa.types.is_timestamp(field.type):
        dtype = np.int64
    if dtype is not None:
        values = values.astype(dtype, copy=False)
    return pa.array(values, field.type, mask=mask)


def to_batch(table: str, cols: dict, nulls: dict, codes: tuple[str, ...],
             with_unknown: bool, dicts: dict[str, tuple[str, ...]]) -> pa.RecordBatch:
    """Record batch of ``table`` from column arrays (dictionary columns as integer indices)."""
    schema = arrow_schema(table)
    arrays = []
    for field in schema:
        col_codes = codes if field.name == "ORG_CLE_NUM" else dicts.get(field.name)
        dict_values = (dictionary(table, field.name, tuple(col_codes), with_unknown)
                       if col_codes is not None else None)
        arrays.append(_array(cols[field.name], field, nulls.get(field.name), dict_values))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
