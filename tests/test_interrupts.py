"""SIGINT and SIGTERM sent to a real ``cogind`` process (issue 18): one line « interrompu »,
exit 130 (SIGINT) or 143 (SIGTERM), at start-up or mid-computation, no temporary file left."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cogind.cli import cli
from cogind.io.publish import TMP_SUFFIX, Publication

COGIND = str(Path(sys.executable).with_name("cogind"))
pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def _start(*args, tmp_path):
    return subprocess.Popen([COGIND, *map(str, args)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_until(p, ready, timeout=60.0):
    end = time.monotonic() + timeout
    while not ready() and time.monotonic() < end:
        assert p.poll() is None, p.communicate()
        time.sleep(0.01)


def _mapped(p, name):
    try:
        return name in Path(f"/proc/{p.pid}/maps").read_text()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
def test_sigint_at_start_up(tmp_path):
    """While cogind imports (numpy being loaded): no traceback."""
    p = _start("compute", "--sample", tmp_path=tmp_path)
    _wait_until(p, lambda: _mapped(p, "_multiarray_umath"))
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert (p.returncode, err) == (130, "interrompu\n")


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_a_computation_leaves_nothing(tmp_path, sig, code):
    p = _start("compute", "--sample", "--progress", "-o", "r.parquet", "--spread",
               tmp_path=tmp_path)
    seen = []

    def reading():  # the first progress line: data are being read
        seen.append(p.stderr.readline())
        return "lignes lues" in seen[-1]

    _wait_until(p, reading)
    start = time.monotonic()
    p.send_signal(sig)
    out, err = p.communicate(timeout=60)
    assert p.returncode == code, err
    assert err.splitlines()[-1] == "interrompu" and "Traceback" not in err
    assert time.monotonic() - start < 15
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_removes_its_temporary(tmp_path):
    """What SIGINT/SIGTERM do mid-write, in-process: the temporary goes, the old file stays."""
    target = tmp_path / "r.csv"
    target.write_text("old")

    def write(tmp):
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), Publication(target) as pub:
        pub.stage(target, write)
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"] and target.read_text() == "old"
    assert not list(tmp_path.glob(f"*{TMP_SUFFIX}"))


def test_keyboard_interrupt_in_a_command_is_one_line_exit_130(monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    import cogind.report.describe as describe

    monkeypatch.setattr(describe, "cogs_text", interrupted)
    r = CliRunner().invoke(cli, ["cogs"])
    assert r.exit_code == 130 and r.stderr == "interrompu\n"


def test_version_stays_light():
    """The handlers are installed by main(): --version imports no command module."""
    r = subprocess.run([sys.executable, "-c", "import sys; from cogind.cli import cli; "
                        "sys.argv=['cogind','--version']\ntry:\n cli()\nexcept SystemExit: pass\n"
                        "print(any(m.startswith('cogind.cli.compute') for m in sys.modules))"],
                       capture_output=True, text=True, check=True)
    assert r.stdout.strip().endswith("False")
