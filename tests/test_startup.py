"""Start-up and shutdown of the ``cogind`` process (issue 20 § 3): ``main`` freezes the garbage
collector once the command is over, whatever its exit code, so that the interpreter's shutdown
does not walk every object numba and pyarrow made (0.2-0.35 s CPU of ``compute --sample``,
benchmarks/README.md); a library caller's collector is left alone. Then, its atexit handlers
run, the process ends without the interpreter's teardown (~30 ms), unless a thread still runs."""
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


THREAD = """
import sys, threading, time
# a thread that is not a daemon, still running when main returns
threading.Thread(target=lambda: (time.sleep(0.3), print("thread done", flush=True))).start()
sys.argv = ["cogind", *sys.argv[1:]]
from cogind.cli import main
main()
"""


class _Exited(Exception):
    pass


@pytest.fixture
def hard_exit(monkeypatch):
    """``os._exit`` and the atexit handlers of ``cli._exit_now``, recorded instead of run."""
    import atexit
    import os

    calls = []

    def exit_(code):
        calls.append(("exit", code))
        raise _Exited(code)

    monkeypatch.setattr(os, "_exit", exit_)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: calls.append(("atexit",)))
    return calls


@pytest.mark.parametrize("code, status", [(None, 0), (0, 0), (1, 1), (2, 2), (130, 130)])
def test_exit_now_runs_atexit_then_ends_with_the_code(hard_exit, code, status):
    from cogind.cli import _exit_now

    with pytest.raises(_Exited):
        _exit_now(code)
    assert hard_exit == [("atexit",), ("exit", status)]


def test_exit_now_leaves_a_message_and_a_running_thread_to_the_usual_exit(hard_exit):
    import threading

    from cogind.cli import _exit_now

    _exit_now("a message for stderr")
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        _exit_now(0)
    finally:
        stop.set()
        worker.join()
    assert hard_exit == []
    with pytest.raises(_Exited):
        _exit_now(0)  # the thread is over


def test_a_running_thread_gets_the_usual_exit(tmp_path):
    """Through the console entry point: the interpreter's own exit waits for the thread."""
    t = subprocess.run([sys.executable, "-c", THREAD, "--version"], capture_output=True,
                       text=True, check=False, cwd=tmp_path)
    assert t.returncode == 0, t.stderr
    assert t.stdout.split()[-2:] == ["thread", "done"]


def test_output_left_in_a_buffer_is_written(tmp_path):
    """What is left in stdout's buffer through a pipe is flushed before the process ends (a
    command writing a file writes nothing to stdout: nothing else flushes it); the file is the
    API's rows."""
    import os

    import pyarrow.parquet as pq

    import cogind
    from cogind.cli import sample_path

    plain = ("import sys; sys.stdout.write('avant'); sys.argv = ['cogind', *sys.argv[1:]]; "
             "from cogind.cli import main; main()")
    r = subprocess.run([sys.executable, "-c", plain, "compute", "--sample", "--period", "year",
                        "--indicator", "IJ_MAL_DELAI_MOYEN", "-o", "r.parquet"],
                       capture_output=True, text=True, check=False, cwd=tmp_path,
                       env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"})
    assert r.returncode == 0, r.stderr
    assert r.stdout == "avant" and "r.parquet" in r.stderr
    api = cogind.compute(sample_path(), period="year", indicators=["IJ_MAL_DELAI_MOYEN"])
    assert pq.read_table(tmp_path / "r.parquet").select(api.column_names).equals(api)


def test_library_calls_leave_the_collector_alone():
    import gc

    import cogind
    from cogind.cli import sample_path

    before = gc.get_freeze_count()
    cogind.compute(sample_path(), period="year", indicators=["IJ_MAL_DELAI_MOYEN"])
    assert gc.get_freeze_count() == before


# --- the population denominators, vectorised for start-up (measures/screening.population_cube)

def _population_rows():
    """Caisse-years given as totals, as ALD_TOP splits only, and both ways; nulls in each
    column; bands of 5 years and an open last band; BEN_NBR of several sizes."""
    import random

    rnd = random.Random(7)
    rows = []
    for code in ("01C751", "13C131", "59C591", "75C750"):
        for year in (2023, 2024):
            how = rnd.choice(("total", "ald", "both"))
            for age in range(0, 100, 5):
                for sex in (1, 2):
                    nbr = rnd.randrange(0, 10 ** rnd.randrange(1, 7))
                    if how != "ald":
                        rows.append([code, year, age, sex, None, nbr])
                    if how != "total":
                        rows += [[code, year, age, sex, 1, nbr // 3],
                                 [code, year, age, sex, 0, nbr - nbr // 3]]
    for k, col in enumerate(rnd.sample(range(len(rows)), 6)):
        rows[col][k if k != 4 else 3] = None  # a null code, year, age, sex, sex, BEN_NBR
    rnd.shuffle(rows)
    return rows


def _population_table(rows):
    import pyarrow as pa

    names = ("ORG_CLE_NUM", "ANNEE", "AGE_MIN", "BEN_SEX_COD", "ALD_TOP", "BEN_NBR")
    types = (pa.dictionary(pa.int8(), pa.string()), pa.int32(), pa.int32(), pa.int8(),
             pa.int32(), pa.int32())
    half = len(rows) // 2
    chunks = [pa.record_batch([pa.array([r[i] for r in part], pa.string() if i == 0 else t)
                               .cast(t) for i, t in enumerate(types)], names=names)
              for part in (rows[:half], rows[half:])]  # two dictionaries, one per chunk
    return pa.Table.from_batches(chunks)


def _row_by_row(rows, weight, zero):
    """The cube as a plain loop: totals first, ALD splits where a caisse-year has none."""
    whole = {(r[0], r[1]) for r in rows if r[4] is None}
    cube: dict = {}
    for code, year, age, sex, ald, nbr in rows:
        if None in (code, year, age, nbr) or (ald is not None and (code, year) in whole):
            continue
        cube[(code, year)] = cube.get((code, year), zero) + weight(age, sex, nbr)
    return cube


def test_population_cubes_equal_a_row_by_row_sum_exactly():
    from cogind.measures.recours import CareUseRate
    from cogind.measures.screening import ScreeningParticipation

    rows = _population_rows()
    pop = _population_table(rows)
    screening = ScreeningParticipation(age_min=50, age_max=74, sexes=(2,))
    want = _row_by_row(rows, lambda a, s, n: n if s == 2 and 50 <= a < 75 else 0, 0)
    got = screening.population(pop).cube
    assert list(got.items()) == list(want.items())  # same keys, order and integer sums
    assert all(type(v) is int for v in got.values())
    care = CareUseRate(age_min=3, age_max=24, sexes=(1, 2))
    lows = sorted({r[2] for r in rows if r[2] is not None})
    upper = dict(zip(lows, [*lows[1:], None]))
    want = _row_by_row(rows, lambda a, s, n: n * care.share(a, upper[a]) if s in (1, 2)
                       else 0.0, 0.0)
    got = care.population(pop).cube
    assert list(got) == list(want) and all(got[k] == want[k] for k in want)  # bit for bit
    assert any(v != int(v) for v in got.values())  # partial bands pro-rated


def test_population_with_ald_splits_api_equals_cli(tmp_path):
    """End to end: a participation and a care-use rate whose population is given as totals, as
    ALD splits and both ways: ``cogind compute`` writes the rows of ``cogind.compute``, with
    denominators of the row-by-row sums."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    import cogind
    from cogind.cli import cli

    rows = [r for r in _population_rows() if None not in (r[0], r[1], r[2], r[3], r[5])]
    pop = _population_table(rows)
    days = [dt.date(2023, 1, 1) + dt.timedelta(d) for d in range(0, 728, 7)]
    claims = pa.table({"ORG_CLE_NUM": ["01C751", "13C131", "59C591", "75C750"] * 26,
                       "EXE_SOI_DTD": pa.array(days, pa.date32()),
                       "PRS_NAT_REF": pa.array([1336, 9312, 1111, 9311] * 26, pa.int32()),
                       "BEN_NIR_PSA": [f"P{i % 40:016d}" for i in range(104)],
                       "BEN_SEX_COD": pa.array([2, 1] * 52, pa.int8()),
                       "BEN_AMA_COD": pa.array([10, 55, 60, 70] * 26, pa.int16())})
    codes = ["DEPISTAGE_SEIN_TAUX_CALCULE", "DEPISTAGE_COLORECTAL_TAUX_CALCULE",
             "DENTISTE_RECOURS_TAUX_CALCULE"]
    api = cogind.compute({"prestations": claims, "population": pop}, period="year", cog=None,
                         indicators=codes, secret=False)
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(claims, data / "prestations.parquet")
    pq.write_table(pop, data / "population.parquet")
    out = tmp_path / "r.parquet"
    r = CliRunner().invoke(cli, ["compute", str(data), "--period", "year", "--cog", "none",
                                 "--caisses", "--no-secret", "-o", str(out),
                                 *[a for c in codes for a in ("--indicator", c)]])
    assert r.exit_code == 0, r.output
    key = lambda t: sorted((x["indicateur"], x["caisse"] or "", x["periode"], x["denominateur"])
                           for x in t.to_pylist() if x["denominateur"] is not None)
    assert key(api) == key(pq.read_table(out)) != []
    whole = {(r[0], r[1]) for r in rows if r[4] is None}
    sein = sum(r[5] for r in rows if r[1] == 2024 and r[3] == 2 and 50 <= r[2] < 75
               and (r[4] is None or (r[0], r[1]) not in whole))
    nat = [x["denominateur"] for x in api.to_pylist() if x["caisse"] is None
           and x["indicateur"] == codes[0] and x["periode"] == "2024"]
    assert nat == [sein]


def test_plugin_distributions_metadata_read_once_each(monkeypatch):
    """Start-up: the plugins' distribution names and versions (``cogind plugins``, the
    provenance) are those of importlib.metadata, each distribution's metadata file read for its
    name and its version once, not twice per entry point (28 built-in ones)."""
    import importlib.metadata as md

    from cogind.plugins import ENTRY_POINT_GROUP, make_plugin_manager

    eps = {ep.name: ep for ep in md.entry_points(group=ENTRY_POINT_GROUP)}
    want = {n: (ep.dist.metadata["Name"], ep.dist.version) for n, ep in eps.items()}
    dists = {name for name, _ in want.values()}
    reads = []
    real = md.PathDistribution.read_text

    def counting(self, filename):
        reads.append(filename)
        return real(self, filename)

    monkeypatch.setattr(md.PathDistribution, "read_text", counting)
    _, infos = make_plugin_manager()
    got = {i.name: (i.distribution, i.version) for i in infos}
    assert got == want and len(want) > 10 and len(dists) < len(want)
    # 7 here (2 distributions): name and version of each, and what the plugins read; it was 109
    assert reads.count("METADATA") + reads.count("PKG-INFO") < len(want)


def test_narrow_scope_lookups_are_read_only_one_kernel_signature_per_code_width(tmp_path):
    """Start-up: a condition's lookup table over 8/16-bit codes is read-only whether the codes
    are a dictionary's indices or the column's own (cached) codes, so numba compiles and loads
    ``rule_condition`` once per code width, not twice (a read-only array is another type)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from click.testing import CliRunner

    import cogind
    from cogind.cli import cli, sample_path
    from cogind.engine.columns import condition_rule
    from cogind.kernels.scope import rule_condition
    from cogind.model import Condition

    for column, values in ((pa.array(["a", "b", None, "a"], pa.dictionary(pa.int8(), pa.string())),
                            ("a",)),
                           (pa.array([1, 2, None, 3], pa.int8()), (1, 3)),
                           (pa.array([1, 2, 3], pa.uint16()), (2,))):
        rule = condition_rule(column, Condition("X", values))
        assert rule[0] == "narrow" and not rule[4].flags.writeable
    api = cogind.compute(sample_path(), period="year", indicators=["IJ_MAL_DELAI_MOYEN"])
    out = tmp_path / "r.parquet"
    r = CliRunner().invoke(cli, ["compute", "--sample", "--period", "year", "--indicator",
                                 "IJ_MAL_DELAI_MOYEN", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert pq.read_table(out).select(api.column_names).equals(api) and api.num_rows > 0
    lookups = [sig[3] for sig in rule_condition.signatures]
    assert lookups and all(not t.mutable for t in lookups)
