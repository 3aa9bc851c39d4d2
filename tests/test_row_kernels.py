"""Row kernels on raw Arrow buffers (scope, groups, conversions, quantile bins) against plain
Python written separately: nulls, slices (offsets into the buffers), every code width, negated
conditions, dates outside the month table, negative timestamps."""
from __future__ import annotations

import datetime as dt
import math
import os

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from cogind.engine.columns import column_to_int64
from cogind.engine.core import Accumulator, GroupKey, StatePlan, TablePlan
from cogind.measures.families import Count
from cogind.kernels import NULL
from cogind.kernels.quantiles import rank_bins
from cogind.model import Condition, Input

SETTINGS = settings(max_examples=int(os.environ.get("COGIND_KERNEL_EXAMPLES", 150)), deadline=None)
INT_TYPES = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16()]


def sliced(values, typ, data):
    """``values`` as an Arrow array of ``typ``, maybe a slice of a longer one (an offset)."""
    pad = data.draw(st.integers(0, 9), label="offset")
    arr = pa.array([None] * pad + list(values) + [None] * 3, typ)
    return arr.slice(pad, len(values))


# --------------------------------------------------------------------------- conversions


@SETTINGS
@given(data=st.data(), unit=st.sampled_from(["s", "ms", "us", "ns"]),
       values=st.lists(st.one_of(st.none(), st.integers(-10**12, 10**12)), max_size=40))
def test_timestamps_to_days_and_microseconds(data, unit, values):
    per = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    raw = [None if v is None else v * (per // 1000 if per >= 1000 else 1) for v in values]
    arr = sliced(raw, pa.timestamp(unit), data)
    days = column_to_int64(arr, Input("x", "days"))
    micros = column_to_int64(arr, Input("x", "microseconds"))
    seconds = column_to_int64(arr, Input("x", "seconds"))
    for i, v in enumerate(raw):
        if v is None:
            assert days[i] == NULL and micros[i] == NULL and seconds[i] == NULL
            continue
        assert days[i] == v // (86400 * per)  # floor: before 1970 too
        assert seconds[i] == v // per
        assert micros[i] == (v * 10**6 // per if per <= 10**6 else v // (per // 10**6))


@SETTINGS
@given(data=st.data(), values=st.lists(st.one_of(
    st.none(), st.floats(-1e12, 1e12), st.sampled_from([math.nan, math.inf, -math.inf, 0.005,
                                                         -0.005, 0.015, 2.675])), max_size=40))
def test_amounts_to_cents(data, values):
    cents = column_to_int64(sliced(values, pa.float64(), data), Input("x", "cents"))
    for i, v in enumerate(values):
        expected = NULL if v is None or not math.isfinite(v) else int(np.rint(v * 100.0))
        assert cents[i] == expected


@SETTINGS
@given(data=st.data(), typ=st.sampled_from(INT_TYPES + ["dict", "string"]),
       values=st.lists(st.one_of(st.none(), st.integers(0, 120)), max_size=40),
       wanted=st.lists(st.integers(-3, 130), min_size=1, max_size=4))
def test_flags(data, typ, values, wanted):
    arr, wanted_values = _codes(values, typ, wanted, data)
    flags = column_to_int64(arr, Input("x", "flag", tuple(wanted_values)))
    for i, v in enumerate(values):
        assert flags[i] == (NULL if v is None else int(v in wanted))


def _codes(values, typ, wanted, data):
    """An Arrow column of ``values`` as integer codes, dictionary or plain strings."""
    if typ == "dict":
        return sliced([None if v is None else f"c{v}" for v in values],
                      pa.dictionary(pa.int8(), pa.string()), data), [f"c{w}" for w in wanted]
    if typ == "string":
        return sliced([None if v is None else f"c{v}" for v in values], pa.string(),
                      data), [f"c{w}" for w in wanted]
    return sliced(values, typ, data), wanted


# --------------------------------------------------------------------------- scope and groups


def _reference_verdict(columns, conditions, n):
    """(in scope, undecided) per row: a row is ruled out by any condition it fails on a value,
    undecided when a scope value is null and no condition rules it out."""
    out = []
    for i in range(n):
        ruled, null = False, False
        for (values, wanted), c in zip(columns, conditions):
            v = values[i]
            if v is None:
                null = True
            elif (v in wanted) == c.negate:
                ruled = True
        out.append((not ruled and not null, null and not ruled))
    return out


@SETTINGS
@given(data=st.data(), n=st.integers(0, 30))
def test_groups_match_the_row_rules(data, n):
    k = data.draw(st.integers(0, 3), label="conditions")
    batch, columns, conditions = {}, [], []
    for j in range(k):
        typ = data.draw(st.sampled_from(INT_TYPES + ["dict", "string"]), label="type")
        values = data.draw(st.lists(st.one_of(st.none(), st.integers(0, 120)), min_size=n,
                                    max_size=n), label="codes")
        wanted = data.draw(st.lists(st.integers(0, 120), min_size=1, max_size=3), label="in")
        arr, shown = _codes(values, typ, wanted, data)
        batch[f"C{j}"] = arr
        conditions.append(Condition(f"C{j}", tuple(shown), data.draw(st.booleans(), "negate")))
        columns.append((values, set(wanted)))
    caisses = data.draw(st.lists(st.sampled_from([None, "01C751", "01C131", "02C591"]),
                                 min_size=n, max_size=n), label="caisses")
    days = data.draw(st.lists(st.one_of(st.none(), st.integers(-40000, 90000)), min_size=n,
                              max_size=n), label="days")  # 1860 to 2216: past the table too
    batch["ORG_CLE_NUM"] = sliced(caisses, data.draw(st.sampled_from(
        [pa.string(), pa.dictionary(pa.int8(), pa.string()),
         pa.dictionary(pa.int32(), pa.string())]), label="caisse type"), data)
    batch["D"] = sliced(days, pa.date32(), data)
    keep = data.draw(st.booleans(), label="national without caisse")
    acc = _accumulate(pa.record_batch(batch), tuple(conditions), keep)
    _check_counts(acc, caisses, days, _reference_verdict(columns, conditions, n), keep)


def _accumulate(batch, conditions, keep) -> Accumulator:
    key = GroupKey("ORG_CLE_NUM", "D", conditions, keep)
    acc = Accumulator(TablePlan("t", [StatePlan(key, Count().kernel())]))
    acc.update(batch)
    return acc


def _month(day: int) -> int:
    d = dt.date(1970, 1, 1) + dt.timedelta(days=day)
    return (d.year - 1970) * 12 + d.month - 1


def _check_counts(acc, caisses, days, verdicts, keep):
    counted, unknown, no_caisse, undated = {}, {}, {}, {}
    for caisse, day, (scope, undecided) in zip(caisses, days, verdicts):
        if not scope and not undecided:
            continue
        if day is None:
            undated[caisse] = undated.get(caisse, 0) + 1
            continue
        key = (caisse, _month(day))
        if undecided:
            unknown[key] = unknown.get(key, 0) + 1
        elif caisse is None and not keep:
            no_caisse[key] = no_caisse.get(key, 0) + 1
        else:
            counted[key] = counted.get(key, 0) + 1
    slot = {None: 0, **acc.slots}
    st_ = acc.states[0]
    for name, expected, col in (("n", counted, 0), ("champ_indetermine", unknown, 1),
                                ("caisse_manquante", no_caisse, 2)):
        found = {}
        for code, s in slot.items():
            for m in range(acc.n_months):
                if s < st_.shape[0] and st_[s, m, col]:
                    found[(code, acc.month0 + m)] = int(st_[s, m, col])
        assert found == expected, name
    got_undated = {code: int(acc.undated[0][s]) for code, s in slot.items()
                   if s < len(acc.undated[0]) and acc.undated[0][s]}
    assert got_undated == undated


# --------------------------------------------------------------------------- quantile bins


@SETTINGS
@given(rows=st.lists(st.tuples(st.lists(st.integers(0, 5), min_size=1, max_size=12),
                               st.integers(-2, 70)), max_size=10))
def test_rank_bins(rows):
    width = max((len(h) for h, _ in rows), default=1)
    hist = np.zeros((len(rows), width), np.int64)
    for i, (h, _) in enumerate(rows):
        hist[i, :len(h)] = h
    ranks = np.array([r for _, r in rows], np.int64)
    out = np.empty(len(rows), np.int64)
    rank_bins(hist, ranks, out)
    for i, k in enumerate(ranks):
        total, expected = 0, width
        for j in range(width):
            total += hist[i, j]
            if total >= k:
                expected = j
                break
        assert out[i] == expected
