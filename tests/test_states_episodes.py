"""The long-arrêt state under ``--states`` (issue 20 § 1, measures/episodes.py): stored as the
raw bytes of its records (no copy to write or read them), compacted without scanning a
stored total that a new month only extends, long entries found by searching the few keys in
each month's run. Each against a plain Python computation; and end to end, a month added to
a store gives a full run's bytes (CLI and API)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from test_states_sides import KW, data_bytes, etats, split

import cogind
from cogind.cli import cli
from cogind.engine import packed
from cogind.measures.episodes import (
    _ENTRY,
    _KEY,
    EpisodeColumns,
    EpisodeState,
    _find,
    _reduce_crossings,
    _reduce_entries,
)

_ROWS = st.lists(st.tuples(st.integers(0, 4), st.integers(-2, 3), st.integers(-2, 3),
                           st.integers(-1, 2), st.integers(0, 9)), max_size=30)


def _records(rows, dtype=_ENTRY):
    out = np.zeros(len(rows), dtype)
    for i, name in enumerate(dtype.names):
        out[name] = [r[i] for r in rows]
    return out


def _plain_sums(rows):
    sums = {}
    for *key, v in rows:
        sums[tuple(key)] = sums.get(tuple(key), 0) + v
    return sorted(sums.items())


@settings(max_examples=200, deadline=None)
@given(_ROWS, _ROWS, st.integers(0, 2))
def test_a_later_month_compacted_onto_a_total_matches_a_plain_sort(head, tail, shift):
    """New records whose months come at or after the stored total's last (the monthly run:
    appended, the total not scanned; ``shift`` 0 makes the first record of both equal at
    times) summed as Python sums the tuples; crossings keep the minimum month."""
    stored = [(*k, v) for k, v in _plain_sums(head)]
    last = max((r[0] for r in stored), default=0)
    later = [(last + shift + m, *rest) for m, *rest in tail]
    entries, values = _reduce_entries(_records(stored), np.array([r[4] for r in stored],
                                                                 np.int64),
                                      _records(later), np.array([r[4] for r in later],
                                                                np.int64))
    got = [(tuple(int(x) for x in e), int(v)) for e, v in zip(entries, values)]
    assert got == _plain_sums(stored + later)
    firsts = {}
    for m, hi, lo, *_ in stored + later:
        firsts[(hi, lo)] = min(m, firsts.get((hi, lo), m))
    old = {}
    for m, hi, lo, *_ in stored:
        old[(hi, lo)] = min(m, old.get((hi, lo), m))
    keys, months = _reduce_crossings(
        _records([k for k in sorted(old)], _KEY), np.array([old[k] for k in sorted(old)],
                                                           np.int32),
        _records([(hi, lo) for _, hi, lo, *_ in later], _KEY),
        np.array([m for m, *_ in later], np.int32))
    assert [((int(k["hi"]), int(k["lo"])), int(m)) for k, m in zip(keys, months)] == sorted(
        firsts.items())


@settings(max_examples=200, deadline=None)
@given(_ROWS, st.lists(st.tuples(st.integers(-2, 3), st.integers(-2, 3)), max_size=8))
def test_find_matches_a_dictionary(rows, keys):
    """Each entry's key index (−1 when its episode is not a key) as a dict lookup gives it,
    entries sharing a ``hi`` with keys of other ``lo`` included."""
    entries = _records(sorted({r[:4] for r in rows}))  # a compacted state's: sorted
    distinct = sorted(set(keys))
    index = {k: i for i, k in enumerate(distinct)}
    got = _find(_records(distinct, _KEY), entries)
    assert got.tolist() == [index.get((int(e["hi"]), int(e["lo"])), -1) for e in entries]


def _state(rows, crossings):
    """An EpisodeState of (month, hi, lo, caisse, value) rows and (hi, lo, month) crossings."""
    state = EpisodeState(EpisodeColumns("ARR_NUM", "ARR_DEB_DTD", "IJ_PAI_DTD", "IJ_NBR",
                                        "ORG_CLE_NUM", 548))
    state._push(_records([r[:4] for r in rows]), np.array([r[4] for r in rows], np.int64),
                _records([c[:2] for c in crossings], _KEY),
                np.array([c[2] for c in crossings], np.int32))
    return state


def test_the_stored_form_is_the_records_bytes_and_reads_back():
    """arrays(): the records' raw bytes (28 per entry, 16 per key), the values, the months;
    load() reads them back to the same sums; wrong lengths or kinds are refused."""
    state = _state([(1, 0, 5, 0, 7), (2, 0, 5, 1, 3), (2, 1, 1, 0, 4)], [(0, 5, 1)])
    arrays = state.arrays()
    assert [a.dtype for a in arrays] == [np.uint8, np.int64, np.uint8, np.int32]
    assert len(arrays[0]) == 28 * 3 and len(arrays[2]) == 16
    back = _state([], []).load([a.copy() for a in arrays])
    assert back.sums(1, 2) == state.sums(1, 2) and back.sums(1, 2)[1] == 10
    for wrong in ([arrays[0][:-1], *arrays[1:]], [arrays[0], arrays[1][:-1], *arrays[2:]],
                  [arrays[0].view(np.int32), *arrays[1:]], arrays[:3]):
        with pytest.raises(ValueError):
            _state([], []).load(wrong)


@pytest.fixture(scope="module")
def ij_monthly(tmp_path_factory) -> Path:
    """Generated ij rows with ARR_NUM (arrêts paid over many months: some become long as
    months are added) in one Parquet file per month of payment."""
    import pyarrow.parquet as pq

    root = tmp_path_factory.mktemp("episodes")
    cogind.generate(root / "gen", years=(2022, 2024), seed=7, rows={"ij": 6_000},
                    tables=("ij",))
    split(pq.read_table(root / "gen" / "ij.parquet"), "IJ_PAI_DTD", root / "data" / "ij")
    return root / "data"


def test_months_added_one_by_one_give_a_full_runs_bytes(ij_monthly, tmp_path):
    """A store fed month after month (each run: one file more, the stored total extended):
    the long-arrêt figures of every run equal a full run's, byte for byte, API and CLI."""
    data = tmp_path / "data"
    (data / "ij").mkdir(parents=True)
    files = sorted((ij_monthly / "ij").iterdir())  # "none" (no payment date) last
    months = [f for f in files if f.stem != "none"]
    store = tmp_path / "store"
    kw = {**KW, "indicators": ("IJ_ARRETS_LONGS_EVOLUTION", "IJ_MAL_DELAI_MOYEN")}
    for f in [*months[:-3], *files[len(months):]]:
        shutil.copy(f, data / "ij" / f.name)
    cogind.compute(data, states=store, **kw)
    for n, month in enumerate(months[-3:], len(files) - 2):  # three months, one by one
        shutil.copy(month, data / "ij" / month.name)
        added = cogind.compute(data, states=store, **kw)
        assert etats(added)["ij"] == {"reutilises": n - 1, "recalcules": 1,
                                      "raison": "nouveau: 1"}
        full = cogind.compute(data, **kw)
        assert data_bytes(added) == data_bytes(full)
    assert any(b"EpisodeState" in g.read_bytes()[:1 << 16]
               for g in store.glob("*/g*" + packed.SUFFIX))
    args = ["compute", str(data), *[a for c in kw["indicators"] for a in ("--indicator", c)],
            "--no-secret", "--states", str(store), "-o", str(tmp_path / "cli.arrow")]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    import pyarrow as pa

    assert data_bytes(pa.ipc.open_file(tmp_path / "cli.arrow").read_all()) == data_bytes(full)
