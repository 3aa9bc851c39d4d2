"""Start-up and shutdown of the ``cogind`` process (issue 20 § 3): ``main`` freezes the garbage
collector once the command is over, whatever its exit code, so that the interpreter's shutdown
does not walk every object numba and pyarrow made (0.2-0.35 s CPU of ``compute --sample``,
benchmarks/README.md); a library caller's collector is left alone."""
from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import atexit, gc, sys
atexit.register(lambda: print("frozen", gc.get_freeze_count() > 0, flush=True))
sys.argv = ["cogind", *sys.argv[1:]]
from cogind.cli import main
main()
"""


def _main(*args, tmp_path=None):
    return subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], capture_output=True,
                          text=True, check=False, cwd=tmp_path)


@pytest.mark.parametrize("args, code", [(["--version"], 0), (["compute", "--no-such-option"], 2),
                                        (["compute", "{empty}"], 1)])
def test_main_freezes_the_collector_at_exit_keeping_the_exit_code(args, code, tmp_path):
    r = _main(*(a.format(empty=tmp_path) for a in args), tmp_path=tmp_path)
    assert r.returncode == code, r.stderr
    assert r.stdout.strip().endswith("frozen True"), (r.stdout, r.stderr)


def test_compute_through_main_writes_the_same_file_as_the_api(tmp_path):
    """The frozen collector changes nothing of a run: the CSV of ``main`` has the rows of
    ``cogind.compute`` on the same sample."""
    import pyarrow.csv as pacsv

    import cogind
    from cogind.cli import sample_path

    out = tmp_path / "r.csv"
    r = _main("compute", "--sample", "-o", out, tmp_path=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("frozen True")
    written = pacsv.read_csv(out)
    api = cogind.compute(sample_path(), period="year")
    assert written.num_rows == api.num_rows > 0
    assert sorted(set(written["indicateur"].to_pylist())) == sorted(
        set(api["indicateur"].to_pylist()))


def test_library_calls_leave_the_collector_alone():
    import gc

    import cogind
    from cogind.cli import sample_path

    before = gc.get_freeze_count()
    cogind.compute(sample_path(), period="year", indicators=["IJ_MAL_DELAI_MOYEN"])
    assert gc.get_freeze_count() == before
