"""Distinct beneficiaries (issue 21 § 1): the exact mergeable state against a plain Python
set-based reference, over batch splits, thread-like partitions, caisse moves and periods."""
import datetime as dt
from itertools import pairwise

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from cogind.measures.beneficiaries import DistinctState, caisse_code, caisse_key

IDS = ["A" * 17, "0123456789ABCDEFG", "zz_9", "B", "0123456789ABCDEFH", "1", "01", "10",
       "abcdefghijklmnopqrst"]
CAISSES = ["01C751", "02C011", "75C751", "13C131"]
START = dt.date(2023, 1, 1)


def month_of(day: dt.date) -> int:
    return (day.year - 1970) * 12 + day.month - 1


def reference(rows, first, last):
    """Per id, the caisse of its last claim in months first..last (same day: smallest code)."""
    best = {}
    for ben, day, caisse in rows:
        if ben is None or caisse is None or not first <= month_of(day) <= last:
            continue
        if ben not in best or day > best[ben][0] or (day == best[ben][0]
                                                     and caisse < best[ben][1]):
            best[ben] = (day, caisse)
    per = {}
    for _, caisse in best.values():
        per[caisse] = per.get(caisse, 0) + 1
    return per, len(set(best))


def state_of(rows) -> DistinctState:
    s = DistinctState()
    if rows:
        s.update(pa.array([r[0] for r in rows], pa.string()),
                 pa.array([r[1] for r in rows], pa.date32()),
                 pa.array([r[2] for r in rows], pa.string()))
    return s


claims = st.lists(st.tuples(st.sampled_from(IDS + [None]),
                            st.integers(0, 500).map(lambda d: START + dt.timedelta(d)),
                            st.sampled_from(CAISSES + [None])), max_size=80)


@settings(max_examples=60, deadline=None)
@given(claims, st.lists(st.integers(0, 80), max_size=6), st.integers(1, 4),
       st.integers(0, 17), st.integers(0, 17), st.randoms(use_true_random=False))
def test_split_partitioned_merged_equals_reference(rows, cuts, parts, m1, m2, rnd):
    """Any batch split, any number of partitions merged in any order, any period."""
    bounds = sorted({0, len(rows), *[min(c, len(rows)) for c in cuts]})
    batches = [rows[a:b] for a, b in pairwise(bounds)]
    states = [DistinctState() for _ in range(parts)]
    for i, batch in enumerate(batches):
        states[i % parts].merge(state_of(batch))
    rnd.shuffle(states)
    total = states[0]
    for other in states[1:]:
        total.merge(other)
    first, last = month_of(START) + min(m1, m2), month_of(START) + max(m1, m2)
    per, national = total.counts(first, last)
    assert (per, national) == reference(rows, first, last)
    assert sum(per.values()) == national  # one caisse per beneficiary: caisses add up
    assert total.excluded["identifiant_manquant"] == sum(r[0] is None for r in rows)


def test_move_between_caisses_counted_once_in_last_caisse():
    day = START + dt.timedelta(40)
    rows = [("X1", START, "01C751"), ("X1", day, "02C011"), ("X1", day, "01C011"),
            ("X2", START, "02C011")]
    s = state_of(rows)
    year = (month_of(START), month_of(START) + 11)
    assert s.counts(*year) == ({"01C011": 1, "02C011": 1}, 2)  # tie: smallest code
    assert s.counts(month_of(START), month_of(START)) == ({"01C751": 1, "02C011": 1}, 2)


def test_national_is_distinct_not_a_sum_over_months():
    rows = [("X1", START + dt.timedelta(31 * m), "01C751") for m in range(12)]
    per, national = state_of(rows).counts(month_of(START), month_of(START) + 11)
    assert national == 1 and per == {"01C751": 1}


def test_ids_exact_no_collision_and_bad_ids_excluded():
    ids = [f"{i:017d}" for i in range(5000)]
    s = state_of([(b, START, "01C751") for b in ids + ids[:10]])
    assert s.counts(month_of(START), month_of(START))[1] == 5000
    bad = state_of([("é" * 3, START, "01C751"), ("", START, "01C751"), ("x" * 21, START,
                                                                         "01C751")])
    assert bad.excluded["identifiant_hors_format"] == 3
    assert bad.counts(0, 10 ** 4) == ({}, 0)


def test_empty_state_is_merge_identity_and_caisse_keys_keep_order():
    s = state_of([("A", START, "01C751")])
    assert s.merge(DistinctState()).counts(0, 10 ** 4) == ({"01C751": 1}, 1)
    assert DistinctState().counts(0, 10 ** 4) == ({}, 0)
    keys = [caisse_key(c) for c in sorted(CAISSES)]
    assert keys == sorted(keys) and [caisse_code(k) for k in keys] == sorted(CAISSES)


def test_large_batch_matches_numpy_unique():
    rng = np.random.default_rng(1)
    n = 200_000
    ben = rng.integers(0, 30_000, n)
    day = rng.integers(0, 365, n)
    s = DistinctState()
    for a in range(0, n, 7_001):
        s.update(pa.array([f"B{b:016d}" for b in ben[a:a + 7_001]]),
                 pa.array((np.datetime64("2023-01-01") + day[a:a + 7_001]).astype("datetime64[D]")),
                 pa.array(["01C751"] * len(ben[a:a + 7_001])))
    assert s.counts(month_of(START), month_of(START) + 11)[1] == len(np.unique(ben))
    assert s.counts(month_of(START), month_of(START))[1] == len(np.unique(ben[day < 31]))
