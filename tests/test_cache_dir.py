"""Where compiled code is cached: numba's ``cache=True`` files (cogind's kernels, the built-in
plugins' kernels) and the generated fused loops go to cogind's user cache, never beside the
package's modules (inside site-packages they outlive ``pip uninstall``, issue 22)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# prints, in a new interpreter, where numba caches a kernel of cogind and one of a plugin
PROBE = """
import json, os, sys
{before}
import cogind
from cogind.kernels.counts import step_count
from cogind_plugins import indicateurs_demat
from cogind.engine.fused import cache_dir
from numba.core import config
paths = [step_count._cache.cache_path, indicateurs_demat._update_ordonnances._cache.cache_path]
print(json.dumps({{"numba": config.CACHE_DIR, "paths": paths, "fused": str(cache_dir()),
                  "env": os.environ["NUMBA_CACHE_DIR"]}}))
"""


def _probe(tmp_path: Path, before: str = "", **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("NUMBA_CACHE_DIR", "COGIND_CACHE_DIR", "XDG_CACHE_HOME")}
    environ.update(env)
    done = subprocess.run([sys.executable, "-c", PROBE.format(before=before)], cwd=tmp_path,
                          env=environ, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("before", ["", "import numba"], ids=["cogind first", "numba first"])
def test_numba_caches_in_cogind_cache_dir(tmp_path, before):
    found = _probe(tmp_path, before, COGIND_CACHE_DIR=str(tmp_path / "c"))
    numba = str(tmp_path / "c" / "numba")
    assert found["numba"] == found["env"] == numba
    assert all(Path(p).parent == Path(numba) for p in found["paths"])
    assert found["fused"] == str(tmp_path / "c" / "fused")


def test_the_user_cache_follows_xdg(tmp_path):
    found = _probe(tmp_path, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    assert found["numba"] == str(tmp_path / "xdg" / "cogind" / "numba")
    assert found["fused"] == str(tmp_path / "xdg" / "cogind" / "fused")


def test_a_numba_cache_dir_the_user_set_is_kept(tmp_path):
    found = _probe(tmp_path, NUMBA_CACHE_DIR=str(tmp_path / "mine"),
                   COGIND_CACHE_DIR=str(tmp_path / "c"))
    assert found["numba"] == str(tmp_path / "mine")
    assert all(Path(p).parent == tmp_path / "mine" for p in found["paths"])
    assert found["fused"] == str(tmp_path / "c" / "fused")


def test_an_unusable_cache_dir_falls_back_to_the_temporary_folder(tmp_path, monkeypatch):
    from cogind.kernels import user_cache_dir

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("COGIND_CACHE_DIR", str(blocker))
    path = user_cache_dir("numba")
    assert path.is_dir() and path.name.startswith("cogind-numba-")
    assert path.parent == Path(tempfile.gettempdir())
