"""Packed files of stored states: one file per table plan and run (a *generation*).

Layout: ``MAGIC`` (8 bytes), the header's length (little-endian uint64), the header (JSON:
one entry per stored item, its metadata, the offset, dtype and length of each of its arrays
and the CRC-32 of its bytes), then the arrays, each at an 8-byte boundary. A run reads the
header, then only the entries it needs (``os.pread`` of their bytes, checked against their
CRC); an entry can be copied into a later generation as raw bytes, without decoding. Files
are published whole (:class:`cogind.io.publish.StagedFile`: temporary file, then rename).
"""
from __future__ import annotations

import functools
import json
import os
import struct
import threading
import time
import zlib
from pathlib import Path

import numpy as np

from cogind.io.publish import StagedFile

MAGIC = b"COGETAT1"
SUFFIX = ".etats"
_DTYPES = ("int64", "uint64", "uint8", "int32")
MAX_GENERATIONS = 8
"""Generations kept per folder before a run writes a whole one (every entry it uses) and
removes the older ones: a run reads that many headers at most."""


class Unreadable(Exception):
    """A generation or an entry that cannot be trusted (recompute what it held)."""


class Entry:
    """One stored item of a generation: its key, metadata, and where its arrays lie."""

    def __init__(self, generation: Generation, spec: dict) -> None:
        self.generation = generation
        self.key = spec["cle"]
        self.meta = spec["meta"]
        self.arrays = spec["tableaux"]  # [[dtype, offset relative to the blob, length]]
        self.start, self.size, self.crc = spec["debut"], spec["taille"], spec["crc"]

    def raw(self) -> bytes:
        """The entry's bytes, checked (:class:`Unreadable` if short or altered)."""
        return self._read().tobytes()

    def _read(self) -> np.ndarray:
        blob = np.empty(self.size, np.uint8)  # not zeroed first: read into
        fd = os.open(self.generation.path, os.O_RDONLY)
        try:
            got = os.preadv(fd, [blob], self.start)
        finally:
            os.close(fd)
        if got != self.size or zlib.crc32(blob) != self.crc:
            raise Unreadable(self.key)
        return blob

    def load(self) -> list[np.ndarray]:
        """The entry's arrays, checked: writable views of one buffer read for them (no copy)."""
        blob = self._read()
        out = []
        for dtype, offset, n in self.arrays:
            if dtype not in _DTYPES or offset < 0 or n < 0 or offset + np.dtype(
                    dtype).itemsize * n > len(blob):
                raise Unreadable(self.key)
            out.append(blob[offset:offset + np.dtype(dtype).itemsize * n].view(dtype))
        return out


class Generation:
    """The header of one generation file (entries by key); arrays are read on demand."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with open(path, "rb") as fh:
                head = fh.read(16)
                if len(head) != 16 or head[:8] != MAGIC:
                    raise Unreadable(path.name)
                (n,) = struct.unpack("<Q", head[8:])
                text = fh.read(n)
                size = os.fstat(fh.fileno()).st_size
            if len(text) != n:
                raise Unreadable(path.name)
            specs = json.loads(text)
            self.entries = {s["cle"]: Entry(self, s) for s in specs["entrees"]}
        except (OSError, ValueError, KeyError, TypeError, struct.error) as exc:
            raise Unreadable(path.name) from exc
        if any(e.start + e.size > size for e in self.entries.values()):
            raise Unreadable(path.name)  # truncated: no entry of it is used
        self.size = size


def write(path: Path, items: list[tuple[str, dict, list[np.ndarray] | bytes, list]]) -> bool:
    """Publish a generation of ``items``: (key, metadata, arrays) or (key, metadata, raw
    bytes of an :class:`Entry`, its array specs). False if the folder cannot be written (the
    next run only reads more)."""
    return _publish(path, pack(items))


def pack(items: list[tuple[str, dict, list[np.ndarray] | bytes, list]]) -> list:
    """The pieces of a generation file of ``items`` (see :func:`write`): magic, header
    length, header, then each entry's bytes, its CRC-32 taken now. Arrays are written as
    they are (no copy into one blob): they must not change until the pieces are written."""
    blobs, specs, at = [], [], 0
    for key, meta, arrays, layout in items:
        if isinstance(arrays, bytes):
            parts = [arrays]
        else:
            layout, parts, off = [], [], 0
            for a in arrays:
                a = np.ascontiguousarray(a)
                layout.append([a.dtype.name, off, int(a.size)])
                parts.append(memoryview(a.reshape(-1).view(np.uint8)))
                off += a.nbytes
        crc, size = 0, 0
        for part in parts:
            crc, size = zlib.crc32(part, crc), size + len(part)
        specs.append({"cle": key, "meta": meta, "tableaux": layout, "debut": at,
                      "taille": size, "crc": crc})
        blobs += parts
        at += size
    base = 16
    while True:  # absolute offsets lengthen the header that precedes them: until it fits
        fixed = [dict(sp, debut=sp["debut"] + base) for sp in specs]
        header = json.dumps({"entrees": fixed}, separators=(",", ":")).encode()
        need = 16 + len(header) + (-(16 + len(header)) % 8)
        if need <= base:
            break
        base = need
    header += b" " * (base - 16 - len(header))
    return [MAGIC, struct.pack("<Q", len(header)), header, *blobs]


def _publish(path: Path, parts: list[bytes]) -> bool:
    try:
        staged = StagedFile(path)
    except OSError:
        return False
    try:
        with open(staged.tmp, "wb") as fh:
            fh.writelines(parts)
        staged.commit()
        return True
    except Exception:  # noqa: BLE001 -- a store that cannot be written only costs a read
        return False
    finally:
        staged.abort()


class Folder:
    """The generations of one plan folder, newest last: the newest entry of each key, and
    the publication of a new generation (bounded: see :data:`MAX_GENERATIONS`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.unreadable = 0
        self.generations: list[Generation] = []
        for p in sorted(path.glob("g*" + SUFFIX)):
            try:
                self.generations.append(Generation(p))
            except Unreadable:
                self.unreadable += 1
        self.newest: dict[str, Entry] = {}
        for g in self.generations:
            self.newest.update(g.entries)

    def entries(self, prefix: str) -> list[Entry]:
        return [e for k, e in self.newest.items() if k.startswith(prefix)]

    def publish(self, items: list, keep: list[str], used: set[Path],
                writer: Writer | None = None) -> None:
        """A generation of ``items``; when generations pile up, with a raw copy of the
        entries of ``keep`` it lacks, the older generations then removed. Otherwise the
        generations ``used`` are touched (their modification time is their last use).
        Packed now (the arrays are read, their CRC taken); written by ``writer`` when given
        (in the background, :class:`Writer`), else before returning."""
        whole = len(self.generations) + 1 > MAX_GENERATIONS
        if whole:
            have = {item[0] for item in items}
            for k in dict.fromkeys(keep):
                entry = self.newest.get(k)
                if k in have or entry is None:
                    continue
                try:
                    items.append((entry.key, entry.meta, entry.raw(), entry.arrays))
                except (Unreadable, OSError):
                    continue  # recomputed when needed
        name = f"g{time.time_ns():020d}-{os.getpid()}{SUFFIX}"
        pieces = pack(items) if items else None
        old = [g.path for g in self.generations] if whole else []
        job = functools.partial(_finish, self.path / name, pieces, old, set(used))
        if writer is None:
            job()
        else:
            writer.submit(job)


def _finish(path: Path, pieces: list | None, old: list[Path], used: set[Path]) -> None:
    """Write a packed generation; then remove the generations ``old`` (what they held for
    this run is copied into it), or, if nothing was written, touch those ``used``."""
    if pieces is not None and _publish(path, pieces) and old:
        for p in old:
            p.unlink(missing_ok=True)
    else:
        touch(used)


class Writer:
    """Generations written in the background while the run goes on (issue 20 § 1), one after
    the other: :meth:`submit` starts a write, :meth:`wait` joins them all (before ``compute``
    returns) and raises the first error one of them raised, as a write in the run itself
    would. The threads are not daemons: an interpreter that exits first finishes them."""

    def __init__(self) -> None:
        self._last: threading.Thread | None = None
        self._errors: list[BaseException] = []

    def submit(self, job) -> None:
        before = self._last

        def run() -> None:
            if before is not None:
                before.join()  # one write at a time, in order
            try:
                job()
            except BaseException as exc:  # noqa: BLE001 -- raised again by wait()
                self._errors.append(exc)

        self._last = threading.Thread(target=run, name="cogind-etats")
        self._last.start()

    def wait(self) -> None:
        last, self._last = self._last, None
        if last is not None:
            last.join()
        if self._errors:
            error, self._errors = self._errors[0], []
            raise error


def touch(paths) -> None:
    """A generation's modification time is its last use: what ``prune --keep-days`` reads."""
    for path in paths:
        try:
            os.utime(path)
        except OSError:
            pass


__all__ = [
    "MAGIC",
    "MAX_GENERATIONS",
    "SUFFIX",
    "Entry",
    "Folder",
    "Generation",
    "Unreadable",
    "Writer",
    "pack",
    "touch",
    "write",
]
