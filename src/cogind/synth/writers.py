"""Streaming writers: one Parquet or Arrow IPC file per table, or hive-style year folders."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cogind.io.publish import StagedFile

SUFFIX = {"parquet": ".parquet", "arrow": ".arrow"}
COMPRESSION = "zstd"


class FileWriter:
    """Writes slices of a table to ``path`` through a temporary file renamed on close
    (:class:`cogind.io.publish.StagedFile`)."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str):
        self.path = path
        self.staged = StagedFile(path)  # the one rule of io/publish.py
        self.tmp = self.staged.tmp
        # a sink of our own, closed on every path: pyarrow's writer keeps its file open when
        # the disk fills, and the deleted temporary file's blocks stay taken
        self._sink = pa.OSFile(str(self.tmp), "wb")
        try:  # the header is written at once: a full disk fails here, with no writer to abort
            if fmt == "parquet":
                self._writer = pq.ParquetWriter(self._sink, schema, compression=COMPRESSION)
            else:
                self._writer = pa.ipc.new_file(self._sink, schema)
        except BaseException:
            self._sink.close()
            self.staged.abort()
            raise
        self.fmt = fmt

    def write(self, table: pa.Table) -> None:
        """One row group (Parquet) or record batch (Arrow) per call."""
        if self.fmt == "parquet":
            self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        else:
            for batch in table.combine_chunks().to_batches():
                self._writer.write_batch(batch)

    def close(self) -> None:
        try:
            self._writer.close()
        finally:
            self._sink.close()
        self.staged.commit()

    def abort(self) -> None:
        try:
            self._writer.close()
        except OSError:  # the footer cannot be written either (a full disk): the file goes
            pass
        finally:
            self._sink.close()
            self.staged.abort()


def table_path(out: Path, table: str, fmt: str, partition: bool, year: int | None = None) -> Path:
    """Where a table (or one of its year partitions) is written."""
    if not partition:
        return out / f"{table}{SUFFIX[fmt]}"
    return out / table / f"year={year}" / f"part-0{SUFFIX[fmt]}"


def clear_partitions(out: Path, table: str) -> None:
    """Remove the part files an earlier run left in a table's folder (only files we write)."""
    folder = out / table
    if not folder.is_dir():
        return
    for part in folder.glob("year=*/part-*"):
        if part.suffix in (".parquet", ".arrow", ".tmp"):
            part.unlink()
    for sub in folder.glob("year=*"):
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()
