"""Numba kernels only: plain loops over int64 NumPy arrays, one small function per step.

Every input reaches a kernel as int64 with nulls as :data:`NULL`; every state is an int64
array of shape (groups, width) so that states merge by addition, exactly, in any order.

Importing this package (``cogind/__init__.py`` does it first) points numba's on-disk cache
(``cache=True``) at cogind's user cache, unless ``NUMBA_CACHE_DIR`` is already set: numba would
otherwise write it in ``__pycache__`` beside the kernels, inside site-packages, where the files
outlive ``pip uninstall`` and turn ``cogind`` into an empty namespace package.
"""
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

NULL = np.iinfo(np.int64).min
"""Null marker in every kernel input (no real date, amount or code takes this value)."""

OUTSIDE = NULL + 1
"""An amount outside its column's plausible range (converted from euros, never summed): the
engine excludes its row as ``montant_hors_bornes`` before any kernel sees it."""

EUROS_LIMIT = 9.0e16
"""Largest amount in euros whose cents fit an int64 (2**63 cents is about 9.22e16 euros): no
declared range goes beyond."""

DEFAULT_EUROS = 1.0e12
"""The plausible range (±) of an amount column whose schema declares none: a thousand billion
euros, four times the yearly health spending of France."""


def user_cache_dir(name: str) -> Path:
    """The writable folder ``name`` of cogind's cache: ``$COGIND_CACHE_DIR/name``, else the user
    cache of the platform (``~/.cache/cogind/name`` on Linux, honouring ``XDG_CACHE_HOME``), else
    a folder of the temporary directory when neither can be written."""
    base = os.environ.get("COGIND_CACHE_DIR")
    if not base:
        import platformdirs
        base = platformdirs.user_cache_dir("cogind", appauthor=False)
    path = Path(base) / name
    try:
        path.mkdir(parents=True, exist_ok=True)
        if os.access(path, os.W_OK):
            return path
    except OSError:
        pass
    user = os.getuid() if hasattr(os, "getuid") else os.getpid()
    path = Path(tempfile.gettempdir()) / f"cogind-{name}-{user}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cache_numba_outside_the_package() -> None:
    """``NUMBA_CACHE_DIR`` = ``user_cache_dir("numba")`` unless the user set it; numba already
    imported reads it again (its compiler also does before each compilation)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    try:
        os.environ["NUMBA_CACHE_DIR"] = str(user_cache_dir("numba"))
    except OSError:  # nowhere to write: numba keeps its own choice
        return
    config = sys.modules.get("numba.core.config")
    if config is not None:
        config.reload_config()


def cache_files() -> dict[str, tuple[int, int]]:
    """The compiled-code cache files of the modules this process has loaded, as path → (size,
    mtime in ns): numba's index and object files of their functions, the generated fused loops'
    sources. What ``cogind warmup`` reports, and what tells that a run compiled nothing; files other
    processes write for other module paths or loops (the cache is per user) are left out."""
    from numba.core.caching import _CacheLocator

    stems: dict[str, set[str]] = {}  # numba's folder of a source folder → module file stems
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and file.endswith(".py"):
            sub = _CacheLocator.get_suitable_cache_subpath(file)
            stems.setdefault(sub, set()).add(Path(file).stem)
    found: dict[str, tuple[int, int]] = {}
    numba_dir = os.environ.get("NUMBA_CACHE_DIR")
    for sub, names in stems.items():
        folder = Path(numba_dir or "", sub)
        if numba_dir and folder.is_dir():
            for path in folder.iterdir():
                if path.name.split(".", 1)[0] in names:
                    found[str(path)] = _stamp(path)
    fused = user_cache_dir("fused")
    for name in stems.get(_CacheLocator.get_suitable_cache_subpath(str(fused / "x.py")), ()):
        path = fused / f"{name}.py"
        if path.is_file():
            found[str(path)] = _stamp(path)
    return found


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


_cache_numba_outside_the_package()
