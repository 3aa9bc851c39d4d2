"""Progress of a computation: rows read, batches and elapsed time per input table.

Quiet by default in Python (pipelines); ``compute(..., progress=True)`` or the CLI on a terminal
draws one line on stderr. Details always go to the ``cogind`` logger (``logging``), at INFO per
table and DEBUG per batch, whatever is drawn.

Our own line rather than tqdm or rich.progress (benchmarks/bench_progress.py): 1 µs per batch
(tqdm 0.3 µs, rich 2.5 µs; a batch takes milliseconds), 2 ms to import after the engine
(tqdm and rich 60-70 ms), French numbers from :mod:`cogind.formatting`, safe across the
engine's threads, and no new dependency.
"""
from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from typing import IO, Iterator

import pyarrow as pa
import pyarrow.dataset as ds

from cogind import formatting
from cogind.io.readers import TableInput

log = logging.getLogger("cogind")

REDRAW = 0.2
"""Seconds between two redraws of the line on a terminal."""
PLAIN_EVERY = 10.0
"""Seconds between two lines when the stream is not a terminal (a CI log, a file)."""


class Progress:
    """Counts rows and batches of the table being read; draws a line on ``stream`` if ``show``.

    ``batch`` may be called from the engine's worker threads.
    """

    def __init__(self, show: bool = False, stream: IO[str] | None = None) -> None:
        self.show = show
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._lock = threading.Lock()
        self.table, self.total = "", None
        self.rows = self.batches = 0
        self._t0 = self._drawn = time.perf_counter()
        self.tables: dict[str, dict] = {}
        """Per table read: rows, batches and seconds (what was drawn, for callers and tests)."""

    @contextlib.contextmanager
    def reading(self, name: str, source: TableInput | None = None) -> Iterator[None]:
        """Around the pass over one table; the line is closed even if the pass fails."""
        self.table, self.rows, self.batches = name, 0, 0
        self.total = known_rows(source) if (self.show and source is not None) else None
        self._t0 = self._drawn = time.perf_counter()
        log.info("table %s: lecture de %s", name, source.origin if source else "?")
        try:
            yield
        finally:
            self._finish()

    def batch(self, batch: pa.RecordBatch) -> None:
        """One batch read (the engine's ``on_batch`` callback)."""
        with self._lock:
            self.rows += batch.num_rows
            self.batches += 1
            log.debug("table %s: lot %d, %d lignes", self.table, self.batches, batch.num_rows)
            now = time.perf_counter()
            if self.show and now - self._drawn >= (REDRAW if self.tty else PLAIN_EVERY):
                self._drawn = now
                self._draw(final=False)

    def _finish(self) -> None:
        seconds = time.perf_counter() - self._t0
        self.tables[self.table] = {"lignes": self.rows, "lots": self.batches, "secondes": seconds}
        log.info("table %s: %d lignes en %d lots, %.2f s", self.table, self.rows, self.batches,
                 seconds)
        if self.show:
            self._draw(final=True)

    def _draw(self, final: bool) -> None:
        text = line(self.table, self.rows, self.batches, time.perf_counter() - self._t0,
                    self.total)
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K" + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def line(table: str, rows: int, batches: int, seconds: float, total: int | None) -> str:
    """``cogind · ij : 1 234 567 lignes lues (45 %), 12 lots, 3,4 s`` (:mod:`cogind.formatting`)."""
    share = f" ({formatting.number(100 * rows / total, '%', places=0)})" if total else ""
    return (f"cogind · {table} : {formatting.count(rows, 'lignes')} lues{share}, "
            f"{formatting.count(batches, 'lots' if batches > 1 else 'lot')}, "
            f"{formatting.number(seconds, 's')}")


def known_rows(source: TableInput) -> int | None:
    """Row count when it costs no pass over the data (tables, Parquet and Arrow IPC files)."""
    if source.num_rows is not None:
        return source.num_rows
    src = source._source
    if isinstance(src, ds.FileSystemDataset) and isinstance(
            src.format, (ds.ParquetFileFormat, ds.IpcFileFormat)):
        return src.count_rows()
    return None


def make_progress(progress: bool | None | Progress) -> Progress:
    """``False``: silent (logging only); ``True``: draw on stderr; ``None``: draw if stderr is
    a terminal; or a :class:`Progress` of the caller's (another stream)."""
    if isinstance(progress, Progress):
        return progress
    if progress is None:
        return Progress(show=sys.stderr.isatty())
    return Progress(show=bool(progress))
