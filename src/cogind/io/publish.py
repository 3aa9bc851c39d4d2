"""Output files published whole or not at all: checked early, staged, renamed into place.

The rule (docs/rapports.md, « Ce qui est garanti »): every file of one run is written to a
temporary file ``.NAME.<pid>-<token>.cogind-tmp`` beside its target, then renamed over it,
companions first and the main file last, while the run holds a lock on the target's folder
(two runs on one target publish one after the other, never interleaved). A failure, SIGINT or
SIGTERM removes the run's own temporary files; a later run on the same target removes stale
ones of that target's pattern left by a killed process (older than the run, process gone).
A rewritten file keeps the old file's permissions; a symbolic link is written through: the
link stays, its target is replaced atomically.
"""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Callable

from cogind.errors import ConfigError, InputError

FORMATS = {".arrow": "ipc", ".feather": "ipc", ".ipc": "ipc", ".parquet": "parquet",
           ".csv": "csv", ".json": "json", ".xlsx": "xlsx"}
TMP_SUFFIX = ".cogind-tmp"
STARTED = time.time()  # a stale temporary file is older than the run removing it


def check_output(path: str | Path, formats=FORMATS, *, folder: bool = False) -> Path:
    """``path`` checked before any data is read: known extension (``ConfigError``), a folder
    that exists and is writable, not itself a folder (``InputError``)."""
    path = Path(path)
    real = real_target(path)
    if real.is_dir() != folder and real.exists():
        raise InputError(f"output {path} is {'a file' if folder else 'a folder'}")
    if real.exists() and not (real.is_dir() or real.is_file()):  # never replace a device
        raise InputError(f"output {path} is not a regular file")
    if not folder and path.suffix.lower() not in formats:
        raise ConfigError(f"cannot tell the output format of {path.name} "
                          f"(use {', '.join(sorted(formats))})")
    if not folder and path.suffix.lower() == ".xlsx":
        _xlsx_writer(path)
    parent = real.parent
    if not parent.is_dir():
        raise InputError(f"output folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"output folder {parent} is not writable")
    return path


def _xlsx_writer(path: Path) -> None:
    """An .xlsx output needs XlsxWriter (extra ``excel``): said before any data is read."""
    try:
        import xlsxwriter  # noqa: F401
    except ImportError:
        raise InputError(f"cannot write {path.name}: writing .xlsx needs XlsxWriter "
                         "(pip install 'cogind[excel]')") from None


def real_target(path: Path) -> Path:
    """The file a write to ``path`` replaces: a symbolic link's target, written through."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def temp_path(target: Path) -> Path:
    """A fresh temporary name beside ``target``, of the pattern stale files are found by."""
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}{TMP_SUFFIX}")


def remove_stale(target: Path) -> list[Path]:
    """Remove the temporary files of ``target``'s own pattern left by runs that died: older
    than this run and written by a process that no longer exists."""
    removed = []
    for tmp in target.parent.glob(f".{target.name}.*-*{TMP_SUFFIX}"):
        pid = tmp.name[len(target.name) + 2:].split("-", 1)[0]
        try:
            if not pid.isdigit() or tmp.lstat().st_mtime >= STARTED or _alive(int(pid)):
                continue
            _remove(tmp)
            removed.append(tmp)
        except OSError:
            continue
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        import shutil

        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _mode_for(real: Path) -> int:
    try:
        return real.stat().st_mode & 0o7777  # a rewritten file keeps its permissions
    except FileNotFoundError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask  # mkstemp-like names are private; results are shared


class Publication:
    """Files of one run staged then renamed together, under a lock on the target's folder."""

    def __init__(self, target: str | Path) -> None:
        self.folder = real_target(Path(target)).parent
        self.staged: list[tuple[Path, Path]] = []  # (temporary, real target), in rename order
        self._lock: int | None = None

    def __enter__(self) -> Publication:
        self._lock = _lock(self.folder)
        return self

    def stage(self, target: Path, write: Callable[[Path], None], *,
              before: Path | None = None) -> Path:
        """Run ``write(temporary path)`` for ``target``; renamed by :meth:`commit` in staging
        order, or just before ``before``'s file."""
        real = real_target(Path(target))
        remove_stale(real)
        tmp = temp_path(real)
        entry = (tmp, real)
        at = next((i for i, (_, r) in enumerate(self.staged)
                   if before is not None and r == real_target(Path(before))), len(self.staged))
        self.staged.insert(at, entry)
        try:
            write(tmp)
            if not tmp.is_dir():
                os.chmod(tmp, _mode_for(real))
        except OSError as exc:
            raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
        return tmp

    def commit(self) -> None:
        """Rename every staged file into place, in order."""
        for tmp, real in self.staged:
            _replace(tmp, real)
        self.staged = []

    def __exit__(self, *exc) -> None:
        try:
            for tmp, _ in self.staged:  # not committed: a failure or an interruption
                _remove(tmp)
        finally:
            _unlock(self._lock)


class StagedFile:
    """One file written in pieces (a streaming writer, a cache entry) under the same rule: a
    temporary of the run's pattern beside the target, renamed over it by :meth:`commit`,
    removed by :meth:`abort`. Not locked: for files no other run publishes with companions."""

    def __init__(self, target: str | Path) -> None:
        self.real = real_target(Path(target))
        self.real.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(self.real)
        self.tmp = temp_path(self.real)

    def commit(self) -> Path:
        try:
            os.chmod(self.tmp, _mode_for(self.real))
        except OSError as exc:
            raise InputError(f"cannot write {self.real}: {exc.strerror or exc}") from None
        _replace(self.tmp, self.real)
        return self.real

    def abort(self) -> None:
        _remove(self.tmp)


def write_text(target: str | Path, text: str) -> Path:
    """``target`` holding ``text`` (UTF-8), whole or not at all."""
    staged = StagedFile(target)
    try:
        staged.tmp.write_text(text, encoding="utf-8")
        return staged.commit()
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        staged.abort()  # nothing left once renamed; the temporary after a failure


def _replace(tmp: Path, real: Path) -> None:
    try:
        if tmp.is_dir() and real.is_dir():  # a folder: the old one moved aside, then removed
            old = temp_path(real)
            os.replace(real, old)
            os.replace(tmp, real)
            _remove(old)
        else:
            os.replace(tmp, real)
    except OSError as exc:
        raise InputError(f"cannot write {real}: {exc.strerror or exc}") from None


def _lock(folder: Path) -> int | None:
    try:
        import fcntl
    except ImportError:  # no advisory locks (Windows): publication is still atomic per file
        return None
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _unlock(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing releases the flock


__all__ = ["FORMATS", "Publication", "StagedFile", "check_output", "real_target", "remove_stale",
           "write_text"]
