"""What ``cogind.compute`` takes as a table (:data:`TableSource`), and Polars LazyFrames read
in streaming batches.

Polars stays optional: a LazyFrame is recognised by its module and methods, never by
importing polars.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Protocol, Union

import pyarrow as pa
import pyarrow.dataset as ds

from cogind.errors import InputError

if TYPE_CHECKING:
    import polars as pl


class ArrowStreamExportable(Protocol):
    """Any object exporting the Arrow PyCapsule stream interface (Polars DataFrame, DuckDB
    relation, pandas ≥ 2.2, nanoarrow…)."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...


TableSource = Union[str, "os.PathLike[str]", pa.Table, pa.RecordBatch, pa.RecordBatchReader,
                    ds.Dataset, "pl.DataFrame", "pl.LazyFrame", ArrowStreamExportable]
"""One input table: a file or folder path, a pyarrow Table, RecordBatch, RecordBatchReader
(read once) or Dataset, a Polars DataFrame or LazyFrame, or any Arrow stream exporter."""
Tables = Union[str, "os.PathLike[str]", Mapping[str, TableSource]]
"""What ``compute`` reads: a folder or file path, or ``{table name: TableSource}``."""


def is_lazy_frame(obj: Any) -> bool:
    """Whether ``obj`` is a Polars LazyFrame (without importing polars)."""
    return (type(obj).__module__.startswith("polars") and hasattr(obj, "collect")
            and hasattr(obj, "collect_schema"))


class LazyFrameSource:
    """A Polars LazyFrame read again at each pass: only the columns asked for, collected in
    streaming batches (``collect_batches``; a whole streaming ``collect`` on a Polars without
    it), each batch handed over as Arrow."""

    def __init__(self, frame: Any, name: str = "?") -> None:
        self.frame, self.name = frame, name
        self.schema = self._guarded(lambda: frame.head(0).collect().to_arrow().schema)

    def _guarded(self, step):
        try:
            return step()
        except Exception as exc:  # Polars' own errors; their text may quote data
            raise InputError(f"table '{self.name}': the Polars LazyFrame cannot be collected "
                             f"({type(exc).__name__})") from None

    def batches(self, columns: list[str] | None = None,
                batch_size: int = 1 << 20) -> Iterator[pa.RecordBatch]:
        frame = self.frame.select(columns) if columns is not None else self.frame
        if hasattr(frame, "collect_batches"):
            chunks = iter(self._guarded(lambda: frame.collect_batches(chunk_size=batch_size)))
        else:  # Polars before collect_batches
            chunks = iter([self._guarded(lambda: frame.collect(engine="streaming"))])
        while (chunk := self._guarded(lambda: next(chunks, None))) is not None:
            yield from chunk.to_arrow().to_batches(max_chunksize=batch_size)

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        return self.batches()


__all__ = ["ArrowStreamExportable", "LazyFrameSource", "TableSource", "Tables", "is_lazy_frame"]
