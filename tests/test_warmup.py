"""``cogind warmup`` (issue 20 § 3): it compiles into the user cache what a run of the default COG
needs, a second warmup writes nothing, and a compute after it (CLI and Python API, separate and
fused loops) compiles nothing: numba writes a cache file for every signature it compiles, so a
missed kernel or loop would show as a new or rewritten file."""
from __future__ import annotations

import os
import subprocess
import sys

import pyarrow.csv as pacsv
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path
from cogind.kernels import cache_files, user_cache_dir


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, prog_name="cogind")


@pytest.fixture(scope="module")
def warmed():
    """One warmup in this process (compiling whatever the cache lacks), then the cache's files."""
    r = run("warmup")
    assert r.exit_code == 0, r.output
    assert "cache" in r.stderr and "Traceback" not in r.stderr
    return cache_files()


def test_cache_files_lists_numba_and_fused_folders(warmed):
    numba_dir = os.environ["NUMBA_CACHE_DIR"]
    fused_dir = str(user_cache_dir("fused"))
    assert any(p.startswith(numba_dir) and p.endswith(".nbi") for p in warmed)
    assert any(p.startswith(fused_dir) and p.endswith(".py") for p in warmed)
    assert all(size > 0 for size, _ in warmed.values())


def test_second_warmup_is_a_no_op(warmed):
    r = run("warmup")
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("Rien à compiler")
    assert cache_files() == warmed


def test_second_warmup_in_a_fresh_process_is_a_no_op(warmed):
    """A new process has loaded no generated loop yet: they must not count as compiled."""
    exe = [sys.executable, "-c", "from cogind.cli import main; main()"]
    r = subprocess.run([*exe, "warmup"], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stderr.startswith("Rien à compiler"), r.stderr
    assert cache_files() == warmed


def test_compute_after_warmup_compiles_nothing(warmed, tmp_path):
    out = tmp_path / "r.csv"
    r = run("compute", "--sample", "-o", out)
    assert r.exit_code == 0, r.output
    cli_rows = pacsv.read_csv(out).num_rows
    api = cogind.compute(sample_path(), period="year")
    assert api.num_rows == cli_rows > 0
    monthly = cogind.compute(sample_path(), period="month", threads=2)
    assert monthly.num_rows > api.num_rows
    assert cache_files() == warmed


def test_fused_loops_after_warmup_compile_nothing(warmed, monkeypatch):
    """The loops of tables of 1 M rows or more: forced on the sample, they are in the cache."""
    monkeypatch.setenv("COGIND_FUSED", "always")
    fused = cogind.compute(sample_path(), period="year")
    monkeypatch.setenv("COGIND_FUSED", "never")
    separate = cogind.compute(sample_path(), period="year")
    assert fused.equals(separate)
    assert cache_files() == warmed


def test_warmup_keeps_the_users_fused_setting(monkeypatch):
    from cogind.cli.warmup import _fused

    monkeypatch.setenv("COGIND_FUSED", "never")
    with _fused("always"):
        assert os.environ["COGIND_FUSED"] == "always"
    assert os.environ["COGIND_FUSED"] == "never"
    monkeypatch.delenv("COGIND_FUSED")
    with pytest.raises(RuntimeError), _fused("always"):
        raise RuntimeError
    assert "COGIND_FUSED" not in os.environ


def test_warmup_unknown_cog_is_a_usage_error():
    r = run("warmup", "--cog", "1999-2003")
    assert r.exit_code == 2 and "Invalid value" in r.stderr
