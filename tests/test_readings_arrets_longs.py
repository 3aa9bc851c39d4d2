"""Issue 21 § 2, n° 36 « Évolution du nombre d'IJ moyens pour les arrêts supérieurs à 18 mois »
(002 l.9518-9519): the IJ of the arrêts lasting beyond 18 months, all their payments of the
period, an arrêt being long once one of its payments dated up to the period's end is 548 days
or more after its start. Checked against a plain Python computation over whole arrêts, per
caisse and period, whatever the batches and threads, through the API and the CLI."""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import cogind
from cogind.cli import cli

CODE = "IJ_ARRETS_LONGS_EVOLUTION"
D = dt.date


def _payments(seed=5, n_arrets=60):
    """Arrêts of two caisses started 2020-2022, paid every 20-40 days for 1 to 30 months;
    a few moving caisse, a few payments with a missing id or start."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_arrets):
        start = D(2020, 1, 1) + dt.timedelta(days=int(rng.integers(0, 900)))
        caisse = ["01C751", "13C131"][a % 2]
        day, last = start, start + dt.timedelta(days=int(rng.integers(30, 900)))
        while day <= last:
            day += dt.timedelta(days=int(rng.integers(20, 41)))
            if rng.random() < 0.03:
                caisse = "13C131" if caisse == "01C751" else "01C751"
            rows.append({"ORG_CLE_NUM": caisse, "ARR_NUM": f"A{a:04d}",
                         "IJ_RIS_COD": "MAL" if a % 7 else "ATMP", "ARR_DEB_DTD": start,
                         "IJ_PAI_DTD": day, "IJ_NBR": int(rng.integers(1, 31))})
    for r in rows[::23]:
        r["ARR_NUM"] = None
    for r in rows[5::89]:
        r["ARR_DEB_DTD"] = None
    return rows


ROWS = _payments()
SCHEMA = pa.schema([("ORG_CLE_NUM", pa.string()), ("ARR_NUM", pa.string()),
                    ("IJ_RIS_COD", pa.string()), ("ARR_DEB_DTD", pa.date32()),
                    ("IJ_PAI_DTD", pa.date32()), ("IJ_NBR", pa.int32())])


def _months(label: str) -> tuple[tuple[int, int], tuple[int, int]]:
    if "-T" in label:
        y, q = map(int, label.split("-T"))
        return (y, 3 * q - 2), (y, 3 * q)
    if "-" in label:
        y, m = map(int, label.split("-"))
        return (y, m), (y, m)
    return (int(label), 1), (int(label), 12)


def plain(rows, label: str, caisse=None):
    """(Σ IJ_NBR, payments kept) of the period's MAL payments of the arrêts long by its end."""
    first, last = _months(label)
    end = D(last[0], last[1], 1) + dt.timedelta(days=31)
    end = end.replace(day=1) - dt.timedelta(days=1)
    valid = [r for r in rows if r["IJ_RIS_COD"] == "MAL" and r["ARR_NUM"] is not None
             and r["ARR_DEB_DTD"] is not None]
    long_ = {r["ARR_NUM"] for r in valid
             if r["IJ_PAI_DTD"] <= end and (r["IJ_PAI_DTD"] - r["ARR_DEB_DTD"]).days >= 548}
    mine = [r for r in valid if first <= (r["IJ_PAI_DTD"].year, r["IJ_PAI_DTD"].month) <= last
            and (caisse is None or r["ORG_CLE_NUM"] == caisse)]
    return sum(r["IJ_NBR"] for r in mine if r["ARR_NUM"] in long_), len(mine)


def _cells(res):
    return {(r["caisse"], r["periode"]): r for r in res.to_pylist()
            if r["niveau"] in ("caisse", "national")}


@pytest.mark.parametrize("period", ["month", "quarter", "year"])
def test_long_arrets_match_a_plain_computation(period):
    table = pa.Table.from_pylist(ROWS, schema=SCHEMA)
    res = cogind.compute({"ij": table}, cog=None, indicators=[CODE], period=period, years=(2022, 2023),
                         secret=False)
    cells = _cells(res)
    assert len(cells) >= 6
    for (caisse, label), row in cells.items():
        value, n = plain(ROWS, label, caisse)
        base_label = str(int(label[:4]) - 1) + label[4:]
        base, _ = plain(ROWS, base_label, caisse)
        assert row["numerateur"] == value and row["n"] == n, (caisse, label)
        assert row["denominateur"] == base, (caisse, label)
        if base:
            assert row["valeur"] == pytest.approx(100 * (value / base - 1))


def test_a_long_arret_counts_from_its_first_month_once_long_by_the_periods_end():
    rows = [{"ORG_CLE_NUM": "01C751", "ARR_NUM": "A1", "IJ_RIS_COD": "MAL",
             "ARR_DEB_DTD": D(2021, 9, 1), "IJ_PAI_DTD": D(2022, m, 10), "IJ_NBR": 10}
            for m in range(1, 13)]  # 548 days after 2021-09-01: 2023-03-02
    rows += [dict(rows[0], IJ_PAI_DTD=D(2023, m, 10), IJ_NBR=1) for m in range(1, 13)]
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    res = cogind.compute({"ij": table}, cog=None, indicators=[CODE], period="month", years=2023,
                         secret=False)
    nat = {r["periode"]: r["numerateur"] for r in res.to_pylist() if r["niveau"] == "national"}
    # long from its 2023-03-10 payment on: January and February 2023 not yet, March on yes
    assert nat["2023-02"] == 0 and nat["2023-03"] == 1 and nat["2023-12"] == 1
    res = cogind.compute({"ij": table}, cog=None, indicators=[CODE], period="year", years=2023,
                         secret=False)
    [year] = [r for r in res.to_pylist() if r["niveau"] == "national"]
    assert year["numerateur"] == 12  # the whole year, its months before the 18th included
    assert year["denominateur"] == 0  # 2022: not long by 2022-12-31, whatever came later
    assert year["valeur"] is None and "2022" in year["motif"]


def test_batches_threads_and_partitions_agree():
    table = pa.Table.from_pylist(ROWS, schema=SCHEMA)
    base = cogind.compute({"ij": table}, cog=None, indicators=[CODE], period="quarter", secret=False)
    for batch_size, threads in ((7, 1), (50, 2), (1_000_000, 2)):
        got = cogind.compute({"ij": table}, cog=None, indicators=[CODE], period="quarter", secret=False,
                             batch_size=batch_size, threads=threads)
        assert got.equals(base), (batch_size, threads)


def test_missing_ids_are_counted_exclusions():
    table = pa.Table.from_pylist(ROWS, schema=SCHEMA)
    res = cogind.compute({"ij": table}, cog=None, indicators=[CODE], period="year", years=2022,
                         secret=False)
    [nat] = [r for r in res.to_pylist() if r["niveau"] == "national"]
    excl = json.loads(nat["exclusions"])
    want = sum(1 for r in ROWS if r["IJ_RIS_COD"] == "MAL" and r["ARR_NUM"] is None
               and r["ARR_DEB_DTD"] is not None and r["IJ_PAI_DTD"].year == 2022)
    assert want and excl.get("identifiant_manquant") == want


def test_cli_on_generated_payments(tmp_path):
    cogind.generate(tmp_path, years=(2022, 2023), rows={"ij": 40_000}, tables=("ij",))
    path = tmp_path / "ij.parquet"
    t = pq.read_table(path)
    rows = [dict(r, ORG_CLE_NUM=str(r["ORG_CLE_NUM"]), IJ_RIS_COD=str(r["IJ_RIS_COD"]))
            for r in t.select(list(SCHEMA.names)).to_pylist()]
    out = tmp_path / "r.csv"
    res = CliRunner().invoke(cli, ["compute", str(tmp_path), "--indicator", CODE, "--period",
                                   "year", "--year", "2023", "--no-secret", "-o", str(out)])
    assert res.exit_code == 0, res.output
    import csv
    [nat] = [r for r in csv.DictReader(out.open(encoding="utf-8"))
             if r["niveau"] == "national"]
    value, n = plain(rows, "2023")
    base, _ = plain(rows, "2022")
    assert value > 0 and float(nat["numerateur"]) == value and int(nat["n"]) == n
    assert float(nat["denominateur"]) == base
    text = " ".join(CliRunner().invoke(cli, ["describe", CODE]).output.split())
    assert "ceux d'avant le seuil compris" in text and "Autre lecture, écartée" in text


_ENTRIES = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 5), st.integers(-1, 2),
                              st.integers(0, 40), st.one_of(st.none(), st.integers(0, 7))),
                    max_size=40)


def _episode_state(entries):
    """An EpisodeState of (month, episode, caisse, value, crossing month or None) records,
    pushed as the engine's update pushes a batch's."""
    from cogind.measures.episodes import _ENTRY, _KEY, EpisodeColumns, EpisodeState

    state = EpisodeState(EpisodeColumns("ARR_NUM", "ARR_DEB_DTD", "IJ_PAI_DTD", "IJ_NBR",
                                        "ORG_CLE_NUM", 548))
    records = np.zeros(len(entries), _ENTRY)
    records["month"] = [m for m, *_ in entries]
    records["hi"] = [e // 3 for _, e, *_ in entries]  # ids alone or sharing their high word
    records["lo"] = [e for _, e, *_ in entries]
    records["caisse"] = [k for _, _, k, *_ in entries]
    crossings = [(e, c) for _, e, _, _, c in entries if c is not None]
    keys = np.zeros(len(crossings), _KEY)
    keys["hi"] = [e // 3 for e, _ in crossings]
    keys["lo"] = [e for e, _ in crossings]
    state._push(records, np.array([v for *_, v, _ in entries], np.int64), keys,
                np.array([c for _, c in crossings], np.int32))
    return state


def _plain_sums(entries, first, last):
    crossed = {}
    for _, e, _, _, c in entries:
        if c is not None:
            crossed[e] = min(c, crossed.get(e, c))
    kept = [(k, v) for m, e, k, v, _ in entries
            if first <= m <= last and crossed.get(e, 99) <= last]
    per = {}
    for k, v in kept:
        if k >= 0:
            per[k] = per.get(k, 0) + v
    return per, sum(v for _, v in kept)


@settings(max_examples=150, deadline=None)
@given(_ENTRIES, _ENTRIES, st.integers(0, 7), st.integers(0, 7))
def test_episode_sums_match_plain_loops_before_and_after_a_merge(first, second, a, b):
    """The per-period sums (looked up once per compacted state) against plain loops over the
    records, for any window, then again once more payments are merged into the same state."""
    from cogind.measures.beneficiaries import caisse_code

    lo, hi = min(a, b), max(a, b)
    state = _episode_state(first)
    for rows in (first, first + second):
        if rows is not first:
            state.merge(_episode_state(second))
        per, national = state.sums(lo, hi)
        expected, total = _plain_sums(rows, lo, hi)
        assert national == total
        assert per == {caisse_code(k): v for k, v in expected.items()}


_RECORDS = st.lists(st.tuples(st.integers(-2, 3), st.integers(-2, 3), st.integers(-2, 3),
                              st.integers(-2, 3), st.integers(0, 9)), max_size=30)


@settings(max_examples=150, deadline=None)
@given(_RECORDS, _RECORDS)
def test_compaction_of_a_stored_total_and_new_records_matches_a_plain_sort(head, tail):
    """Entries compacted onto a compacted state (inserted among its records, not sorted with
    them) = Python's sort of the tuples with their values summed; crossings keep the minimum."""
    from cogind.measures.episodes import (
        _ENTRY,
        _KEY,
        _reduce_crossings,
        _reduce_entries,
    )

    def plain(rows):
        sums = {}
        for *key, v in rows:
            sums[tuple(key)] = sums.get(tuple(key), 0) + v
        return sorted(sums.items())

    def records(rows):
        out = np.zeros(len(rows), _ENTRY)
        for i, name in enumerate(_ENTRY.names):
            out[name] = [r[i] for r in rows]
        return out, np.array([r[4] for r in rows], np.int64)

    stored = [(*k, v) for k, v in plain(head)]
    got_e, got_v = _reduce_entries(*records(stored), *records(tail))
    assert [(tuple(int(x) for x in e), int(v)) for e, v in zip(got_e, got_v)] == plain(
        stored + tail)
    def first_months(rows):
        out = {}
        for m, hi, lo, *_ in rows:
            out[(hi, lo)] = min(m, out.get((hi, lo), m))
        return out

    def crossing_state(crossings):
        keys = np.zeros(len(crossings), _KEY)
        keys["hi"] = [k[0] for k, _ in crossings]
        keys["lo"] = [k[1] for k, _ in crossings]
        return keys, np.array([m for _, m in crossings], np.int32)

    got_k, got_m = _reduce_crossings(
        *crossing_state(sorted(first_months(stored).items())),  # a compacted crossing state
        *crossing_state([((hi, lo), m) for m, hi, lo, *_ in tail]))
    assert [((int(k["hi"]), int(k["lo"])), int(m)) for k, m in zip(got_k, got_m)] == sorted(
        first_months(stored + tail).items())


def test_a_stored_episode_state_out_of_order_is_refused():
    """load() takes only a compacted state (sorted, distinct): anything else is « incohérent »
    for --states, which then recomputes, never a wrong sum."""
    state = _episode_state([(1, 0, 0, 5, 1), (2, 1, 0, 3, None)])
    arrays = state.arrays()
    fresh = _episode_state([])
    fresh.load(arrays)
    from cogind.measures.episodes import _ENTRY

    entries = arrays[0].view(_ENTRY)  # the records' raw bytes, then their values
    swapped = [entries[::-1].copy().view(np.uint8), arrays[1][::-1].copy(), *arrays[2:]]
    repeated = [np.repeat(entries, 2).view(np.uint8), np.repeat(arrays[1], 2),
                *arrays[2:]]  # in order, not distinct
    for wrong in (swapped, repeated):
        with pytest.raises(ValueError):
            _episode_state([]).load(wrong)


def test_merging_into_an_empty_state_shares_the_other_and_leaves_it_unchanged():
    from cogind.measures.beneficiaries import caisse_code

    stored = _episode_state([(1, 0, 0, 5, 1), (2, 1, 0, 3, None)])
    before = [a.copy() for a in stored.arrays()]
    merged = _episode_state([]).merge(stored).merge(_episode_state([(2, 0, 0, 4, None)]))
    assert merged.sums(1, 2) == ({caisse_code(0): 9}, 9)  # episode 0 long from month 1
    assert all(np.array_equal(a, b) for a, b in zip(stored.arrays(), before))
