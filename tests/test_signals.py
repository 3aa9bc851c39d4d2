"""Issue 18 leftovers, on real ``cogind`` processes where it matters: SIGINT in the first
milliseconds of start-up and after the end, ``--debug`` letting Dask's log lines through, and a
full disk named in one line (a real tmpfs when one can be mounted, else ENOSPC planted in the
publish step)."""
from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import cogind
import cogind_plugins
from cogind.cli import cli
from cogind.cli.common import sample_path
from cogind.io.output import write_table
from cogind.io.publish import TMP_SUFFIX, Publication

COGIND = str(Path(sys.executable).with_name("cogind"))
PACKAGE = Path(cogind.__file__).parent
PLUGINS = Path(cogind_plugins.__file__).parent
posix = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def _start(*args, cwd):
    return subprocess.Popen([COGIND, *map(str, args)], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


HANDLER_LINE = next(k for k, line in enumerate(
    (PACKAGE / "__init__.py").read_text(encoding="utf-8").splitlines(), 1)
    if "START-UP HANDLER" in line)
"""The line of cogind/__init__.py that installs the start-up SIGINT handler: before it, only
the interpreter's own start-up and two built-in imports."""


def _frames(err: str) -> list[tuple[Path, int]]:
    return [(Path(f), int(n)) for f, n in re.findall(r'^  File "([^"]+)", line (\d+)', err,
                                                      re.M)]


def _ignored_by_importlib(err: str) -> bool:
    """A SIGINT raised inside a callback of Python's import system before cogind's handler:
    Python prints it as ignored (no frame of cogind) and the run goes on."""
    head, _, _ = err.partition("KeyboardInterrupt")
    return (err.startswith("Exception ignored in: <function _get_module_lock")
            and "<frozen importlib._bootstrap>" in head
            and not any(PACKAGE in f.parents or PLUGINS in f.parents for f, _ in _frames(err)))


def _outcome(p: subprocess.Popen, out: str, err: str) -> str:
    """What a SIGINT did; an AssertionError for anything cogind is answerable for."""
    if p.returncode == 130 and err == "interrompu\n":
        return "interrompu"
    if p.returncode == 0 and err == "":
        return "fini"
    if p.returncode == -signal.SIGINT and err == "" and out == "":
        return "avant Python"  # the default action, before the interpreter set its handler
    if p.returncode == 0 and _ignored_by_importlib(err):
        return "ignorée par Python"  # docs/rapports.md: the run goes on to its end
    if p.returncode == 1 and err == "KeyboardInterrupt\n" and out == "":
        return "démarrage de Python"  # raised in the interpreter's C start-up: no frame at all
    # Python's own start-up (site, the environment's .pth files, the console script's first
    # import) runs before any line of cogind can: a traceback there names none of its files
    assert "Traceback" in err and p.returncode in (1, -signal.SIGINT), (p.returncode, err)
    ours = [(f, n) for f, n in _frames(err) if PACKAGE in f.parents or PLUGINS in f.parents]
    assert all((f, n) == (PACKAGE / "__init__.py", n) and n < HANDLER_LINE for f, n in ours), err
    return "démarrage de Python"


@posix
@pytest.mark.parametrize("delay_ms", [0, 5, 10, 20, 50])
def test_sigint_in_the_first_milliseconds(delay_ms, tmp_path):
    """From cogind's first line on: « interrompu » and 130, never a traceback of cogind, never
    « Aborted! »; nothing written."""
    seen = []
    for _ in range(3):
        p = _start("compute", "--sample", "-o", "r.parquet", cwd=tmp_path)
        time.sleep(delay_ms / 1000)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=120)
        seen.append(_outcome(p, out, err))
        assert "Aborted!" not in err
        if seen[-1] == "ignorée par Python":  # the run went on: its output whole, no temporary
            assert [f.name for f in tmp_path.iterdir()] == ["r.parquet"]
            (tmp_path / "r.parquet").unlink()
        assert list(tmp_path.iterdir()) == []
    assert "fini" not in seen  # a whole computation cannot end within 50 ms


@posix
def test_sigint_once_the_run_is_over_keeps_its_exit_code(tmp_path):
    """Output written, the exit code decided: a late Ctrl-C (interpreter shutdown) gives 0 or a
    clean « interrompu », never a silent death by signal (-2)."""
    for pause_ms in (0, 1, 2, 5, 10, 20):
        p = _start("cogs", cwd=tmp_path)
        first = p.stdout.readline()
        assert first
        time.sleep(pause_ms / 1000)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        assert (p.returncode, err) in ((0, ""), (130, "interrompu\n")), (pause_ms, p.returncode,
                                                                        err)


# --------------------------------------------------------------------------- --debug and Dask


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory):
    """An ij table whose footer is intact (the client plans it) and pages are not (a worker
    fails reading it)."""
    pytest.importorskip("distributed")
    root = tmp_path_factory.mktemp("dask_debug")
    cogind.generate(root / "src", years=(2024, 2024), rows={"ij": 3_000}, tables=("ij",),
                    seed=3, partition=False)
    raw = bytearray((root / "src" / "ij.parquet").read_bytes())
    raw[4:len(raw) // 2] = b"\xff" * (len(raw) // 2 - 4)
    (root / "bad").mkdir()
    (root / "bad" / "ij.parquet").write_bytes(bytes(raw))
    return root / "bad"


@pytest.mark.parametrize("debug", [False, True], ids=["silence", "debug"])
def test_debug_lets_the_dask_log_lines_through(unreadable, tmp_path, debug):
    """The LocalCluster cogind starts logs from its worker processes (their stderr is the
    command's): silenced, unless --debug."""
    env = {k: v for k, v in os.environ.items() if k != "COGIND_DEBUG"}
    args = [COGIND, *(["--debug"] if debug else []), "compute", str(unreadable), "--cog", "none",
            "--engine", "dask", "--quiet", "-o", str(tmp_path / "r.parquet")]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 1
    logged = [line for line in done.stderr.splitlines() if " - distributed." in line]
    if debug:
        assert any("Compute Failed" in line for line in logged), done.stderr
        assert "InputError: table 'ij': cannot read" in done.stderr
    else:
        assert logged == [] and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stderr.startswith("Error: table 'ij': cannot read")
    assert not (tmp_path / "r.parquet").exists()


# --------------------------------------------------------------------------- a full disk


@pytest.fixture
def full_disk(tmp_path):
    """A 64 KiB tmpfs (root on Linux), unmounted afterwards; skipped where none can be mounted
    (the monkeypatched test below then covers the message)."""
    mount = tmp_path / "plein"
    mount.mkdir()
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        pytest.skip("no tmpfs")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.parametrize("command", [
    ["compute", "--sample", "--caisses", "--quiet", "-o", "{d}/r.parquet"],
    ["compute", "--sample", "--caisses", "--quiet", "-o", "{d}/r.csv"],
    ["report", "--sample", "-o", "{d}/r.html"],
    ["docs", "-o", "{d}/docs"],
    ["generate", "-o", "{d}/gen", "--rows", "ij=100000", "--years", "2024-2024"],
    ["plugin", "new", "ma_caisse", "-o", "{d}/cogind-ma-caisse"],
], ids=["parquet", "csv", "report", "docs", "generate", "plugin"])
def test_a_full_filesystem_is_one_line_naming_the_file(full_disk, command):
    fd = os.open(full_disk / "bourrage", os.O_WRONLY | os.O_CREAT)
    try:  # every block taken
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    r = CliRunner().invoke(cli, [a.format(d=full_disk) for a in command])
    assert r.exit_code == 1, r.output
    line = r.stderr.strip()
    assert "\n" not in line and "Internal error" not in line, line
    assert line.startswith("Error: cannot write ") and str(full_disk) in line, line
    assert "No space left on device" in line, line
    assert not [p for p in full_disk.rglob("*") if p.name.endswith(TMP_SUFFIX)]
    assert _open_files_under(full_disk) == []  # nothing left open: the blocks are given back


def _open_files_under(folder) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def _disk_full_after_writing(monkeypatch):
    """Every staged write fills the disk once its temporary file is written (ENOSPC)."""
    real = Publication.stage

    def stage(self, target, write, **kwargs):
        def full(tmp):
            write(tmp)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        return real(self, target, full, **kwargs)

    monkeypatch.setattr(Publication, "stage", stage)


@pytest.mark.parametrize("name", ["r.parquet", "r.csv", "r.json"])
def test_enospc_in_the_publish_step_names_the_file_and_keeps_the_old_one(tmp_path, monkeypatch,
                                                                         name):
    target = tmp_path / name
    target.write_text("ancien")
    _disk_full_after_writing(monkeypatch)
    r = CliRunner().invoke(cli, ["compute", "--sample", "--quiet", "-o", str(target)])
    assert r.exit_code == 1
    assert r.stderr == f"Error: cannot write {target}: {os.strerror(errno.ENOSPC)}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert target.read_text() == "ancien"
    results = cogind.compute(sample_path(), period="year")
    with pytest.raises(cogind.InputError, match=f"cannot write {re.escape(str(target))}"):
        write_table(results, target)  # what compute -o calls
    assert target.read_text() == "ancien"
