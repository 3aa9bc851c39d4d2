"""Content fingerprints of the input files, recorded in the provenance of every result.

A file's fingerprint is the SHA-256 of its bytes, the value ``sha256sum`` prints, so an auditor
can check it without cogind. Hashing whole files rather than Parquet footers and sizes costs one
more read (about 1 s per GB, cached pages are often still there after the computation) but is
exact: a footer holds row counts and column statistics, not a checksum of the pages, so an edited
value that changes no size and no min/max would keep the same footer. A folder (a partitioned
table) gets the SHA-256 of its manifest: one ``relative/path<TAB>sha256`` line per file, sorted.

One process hashes a file once: the provenance and the stored states (``--states``) both need
it, so a hash is kept under the file's identity and change stamps (device, inode, size,
modification and status-change times in ns); any write to the file changes them, and the file
is hashed again. As git does for its index, a file changed less than ``SETTLED_NS`` before it is
hashed is never kept: file systems stamp times with a coarse clock (a few ms), so two writes of
the same size in one tick would otherwise look alike (a tampered result checked by ``verify``
right after it was written, say).

A store of partial states (``--states``) keeps these hashes across runs, as git's index does
(:func:`known_hashes`, :func:`remember`): a file whose five stamps are those recorded is not
read again. Only settled hashes are ever recorded, so the racy-clean rule holds across runs.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow.dataset as ds

CHUNK = 1 << 20


_KNOWN: dict[tuple, str] = {}
_LOCKS: dict[tuple, threading.Lock] = {}
_GUARD = threading.Lock()
KEEP = 65_536
"""Hashes kept per process at most (a folder of monthly files holds a few hundred)."""
SETTLED_NS = 2_000_000_000


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex (as ``sha256sum``); once per process for an unchanged
    file, even when two threads ask at the same time (the second waits for the first)."""
    st = os.stat(path)
    key = _stamps(st)
    with _GUARD:
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:
        digest = _KNOWN.get(key)
        if digest is None:
            digest = _bytes_sha256(path)
            settled = time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) >= SETTLED_NS
            with _GUARD:
                if settled:  # else too recent to be told from a write in the same clock tick
                    if len(_KNOWN) >= KEEP:
                        _KNOWN.clear()
                    _KNOWN[key] = digest
        with _GUARD:
            _LOCKS.pop(key, None)
    return digest


def _stamps(st: os.stat_result) -> tuple:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def known_hashes(paths) -> dict[str, list]:
    """``{path: [device, inode, size, mtime_ns, ctime_ns, sha256]}`` for the files of
    ``paths`` whose current stamps have a settled hash in this process."""
    out = {}
    for path in paths:
        try:
            key = _stamps(os.stat(path))
        except OSError:
            continue
        digest = _KNOWN.get(key)
        if digest is not None:
            out[str(path)] = [*key, digest]
    return out


def remember(entries: dict) -> int:
    """Take recorded hashes (:func:`known_hashes`' form) as this process's where the file's
    stamps are still the recorded ones; anything malformed is ignored. The number taken."""
    taken = 0
    for path, entry in entries.items():
        try:
            *stamps, digest = entry
            if (len(stamps) != 5 or not isinstance(digest, str) or len(digest) != 64
                    or not all(isinstance(v, int) for v in stamps)):
                continue
            key = _stamps(os.stat(path))
        except (OSError, TypeError, ValueError):
            continue
        if key == tuple(stamps) and time.time_ns() - max(key[3], key[4]) >= SETTLED_NS:
            with _GUARD:
                if len(_KNOWN) >= KEEP:
                    _KNOWN.clear()
                _KNOWN.setdefault(key, digest)
            taken += 1
    return taken


def forget(paths) -> None:
    """Drop this process's hashes of ``paths`` (their current stamps): the next ask reads."""
    for path in paths:
        try:
            key = _stamps(os.stat(path))
        except OSError:
            continue
        with _GUARD:
            _KNOWN.pop(key, None)


def _bytes_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def paths_sha256(paths: list[str], root: str | Path | None = None) -> str:
    """One file: its SHA-256; several: SHA-256 of the sorted manifest of their hashes."""
    if len(paths) == 1 and (root is None or Path(root).is_file()):
        return file_sha256(paths[0])
    base = Path(root) if root is not None else Path(paths[0]).parent
    lines = sorted(f"{_relative(p, base)}\t{file_sha256(p)}\n" for p in paths)
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def _relative(path: str, base: Path) -> str:
    try:
        return Path(path).relative_to(base).as_posix()
    except ValueError:
        return Path(path).name


def input_fingerprint(table_input) -> dict:
    """``{"sha256": ..., "fichiers": k}`` for an input read from files, ``{}`` for objects."""
    src = getattr(table_input, "_source", None)
    if not isinstance(src, ds.FileSystemDataset):
        return {}
    files = list(src.files)
    if not files:
        return {}
    return {"sha256": paths_sha256(files, table_input.origin), "fichiers": len(files)}


class Fingerprints:
    """The fingerprints of some inputs, hashed in a background thread while the tables are
    read and reduced (hashlib releases the GIL): a second read of the files that overlaps
    the pass instead of following it."""

    def __init__(self, inputs: dict) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="cogind-sha256")
        self._futures: dict[str, Future] = {
            name: self._pool.submit(input_fingerprint, tin) for name, tin in inputs.items()}
        self._pool.shutdown(wait=False)  # the thread ends with the last hash
        weakref.finalize(self, _cancel, self._futures)

    def result(self, name: str) -> dict:
        """The fingerprint of ``name`` (waiting for it); an error reading it is raised here."""
        return self._futures[name].result()


def _cancel(futures: dict) -> None:
    for f in futures.values():  # computation failed or ended early: hashes nobody will read
        f.cancel()
