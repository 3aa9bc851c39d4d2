"""Hypothesis properties of the engine (STYLE.md §6): the result does not depend on how the
rows are cut into batches, on the number of threads, on the order of the rows; accumulators
merge associatively with the empty accumulator as identity, and split + merge == one pass.

States are integers and the finalisation is the same, so results are compared exactly.

Every input table is drawn (the strategies of ``reference.strategies``) and computed together
with a sample of the indicators: two per table × measure family × caisse_missing (the first
and last codes), so that each family's kernel and finalisation runs on each table it reads;
``COGIND_PROPERTY_EXAMPLES`` examples per property (default 6; a nightly run raises it).
"""
from __future__ import annotations

import datetime as dt
import importlib.metadata
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cogind
from cogind.engine.core import Accumulator, plan
from reference import SPECS
from reference.strategies import ROWS, to_arrow



def builtin_registry():
    """cogind's own plugins only: third-party plugins installed in the environment (e.g. the
    example plugin of examples/) bring their own indicators and their own tests."""
    foreign = [ep.name for ep in importlib.metadata.entry_points(group="cogind")
               if ep.dist is not None and ep.dist.metadata["Name"] != "cogind"]
    return cogind.build_registry(disabled=foreign)


REGISTRY = builtin_registry()


def family(code: str) -> tuple:
    """(table, measure family — with the compared measure and a plugin kernel's name —,
    caisse_missing) of an indicator."""
    ind = REGISTRY.indicator(code)
    name = type(ind.measure).__name__
    for m in (ind.measure, getattr(ind.measure, "of", None)):
        if m is not None and m is not ind.measure:
            name += f"({type(m).__name__})"
        if m is not None and hasattr(m, "custom"):
            name += f"[{m.custom.name}]"
    return ind.table, name, ind.caisse_missing


def sample(codes) -> list[str]:
    """The first and last code of each family."""
    by_family: dict = {}
    for code in sorted(codes):
        by_family.setdefault(family(code), []).append(code)
    return sorted({c for group in by_family.values() for c in (group[0], group[-1])})


# Indicators with a reference specification only (their tables and columns are those the
# strategies draw; test_reference's meta-test fails for the others).
CODES = sample(c for c in REGISTRY.indicators if c in SPECS)
EXAMPLES = int(os.environ.get("COGIND_PROPERTY_EXAMPLES", "6"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TABLES = sorted(ROWS)
# beneficiaires (n° 22 computed): its batch, thread and order properties are in test_ald_mt.py
assert {REGISTRY.indicator(c).table for c in REGISTRY.indicators} <= set(TABLES) | {
    "tendanciel", "beneficiaires"}, "an input table has no strategy"


def focus(name: str) -> dict:
    """The scope values of the sampled indicators of table ``name`` (rows mostly in scope of
    one of them), e.g. their MES_COD in ``mesures``."""
    out: dict = {}
    for code in CODES:
        if SPECS[code].table == name:
            for col, allowed in SPECS[code].scope.items():
                out[col] = out.get(col, frozenset()) | allowed
    return out


def years(name: str) -> tuple:
    """Base years of the sampled comparisons of table ``name``, and the next years."""
    out = set()
    for code in CODES:
        spec = SPECS[code]
        if spec.table == name and spec.kind in ("evolution", "points"):
            bases = {b for _, b in spec.params.get("bases", ())}
            if spec.params["base"] != "annee_precedente":
                bases.add(int(spec.params["base"]))
            out |= {b + k for b in bases or {2021, 2022} for k in (0, 1)}
    return tuple(sorted(out))


def rows_of(name: str):
    return ROWS[name](focus=focus(name), years=years(name))


@st.composite
def all_tables(draw):
    """{table name: rows} for every input table."""
    return {name: draw(rows_of(name), label=name) for name in TABLES}


def arrow(tables: dict) -> dict:
    return {name: to_arrow(name, rows) for name, rows in tables.items()}


def run(tables: dict, period: str, batch_size: int = 1000, threads: int = 1) -> list[dict]:
    res = cogind.compute(arrow(tables), cog=None, indicators=CODES, period=period,
                         registry=REGISTRY, batch_size=batch_size, threads=threads, secret=False)
    prov = cogind.provenance(res)
    return res.to_pylist() + [{"hors_periode": prov["exclusions_hors_periode"],
                               "non_calcules": prov["non_calcules"]}]


# --------------------------------------------------------------------------- compute


@SETTINGS
@given(tables=all_tables(), period=st.sampled_from(["month", "quarter", "year"]))
def test_same_result_whatever_batch_size_and_threads(tables, period):
    one = run(tables, period)
    for batch_size in (1, 2, 7, 1000):
        for threads in (1, 2):
            assert run(tables, period, batch_size, threads) == one, (batch_size, threads)


@SETTINGS
@given(data=st.data(), period=st.sampled_from(["month", "quarter", "year"]))
def test_shuffled_rows_give_the_same_result(data, period):
    tables = data.draw(all_tables(), label="tables")
    shuffled = {name: data.draw(st.permutations(rows), label=f"shuffled {name}")
                for name, rows in tables.items()}
    batch_size = data.draw(st.sampled_from([1, 3, 1000]), label="batch_size")
    assert run(shuffled, period, batch_size) == run(tables, period, batch_size)


def test_the_comparison_catches_a_difference():
    """The exact comparison used above sees a one-cent change (a test that cannot fail is
    worthless)."""
    rows = [{"ORG_CLE_NUM": "01C751", "EXE_SOI_DTD": d, "PRS_NAT_REF": 6111, "PSE_SPE_COD": 1,
             "PSE_CNV_COD": 2, "PRS_PAI_MNT": 10.0, "BSE_REM_BSE": 30.0, "PRS_DEP_MNT": 3.0,
             "FSE_TOP": 1, "DRG_ASS_TOP": 1, "FSE_REC_DTD": d, "PRS_PAI_DTD": d}
            for d in (dt.date(2022, 3, 1),) * 2]
    tables = {name: [] for name in TABLES} | {"prestations": rows}
    before = run(tables, "month")
    rows[1] = dict(rows[1], PRS_DEP_MNT=3.01)
    assert run(tables, "month") != before


# --------------------------------------------------------------------------- accumulators


def batches(table, tplan, cuts):
    """The table's plan columns as record batches cut at ``cuts``."""
    t = table.select(tplan.columns)
    bounds = [0, *sorted(cuts), t.num_rows]
    return [b for a, z in zip(bounds, bounds[1:]) if z > a
            for b in t.slice(a, z - a).to_batches()]


def accumulator(tplan, slots, parts) -> Accumulator:
    acc = Accumulator(tplan, slots)
    for b in parts:
        acc.update(b)
    return acc


def canonical(acc: Accumulator):
    """Non-zero state rows keyed by (caisse code or None, absolute month), and undated rows."""
    code_of = {slot: code for code, slot in acc.slots.items()}
    states = []
    for st_ in acc.states:
        cells = {}
        for s in range(st_.shape[0]):
            for m in range(st_.shape[1]):
                if st_[s, m].any():
                    cells[(code_of.get(s), acc.month0 + m)] = tuple(int(x) for x in st_[s, m])
        states.append(cells)
    undated = [{code_of.get(s): int(c) for s, c in enumerate(u) if c} for u in acc.undated]
    return states, undated, acc.rows_read


@st.composite
def table_and_cuts(draw):
    name = draw(st.sampled_from(TABLES), label="table")
    rows = draw(rows_of(name), label="rows")
    n = len(rows)
    cuts = draw(st.lists(st.integers(0, n), min_size=2, max_size=2), label="cuts")
    return name, rows, cuts


def tplan_of(name):
    inds = [REGISTRY.indicator(c) for c in CODES if REGISTRY.indicator(c).table == name]
    return plan(inds)[name]


@SETTINGS
@given(case=table_and_cuts())
def test_split_anywhere_then_merge_equals_one_pass(case):
    name, rows, cuts = case
    table, tplan = to_arrow(name, rows), tplan_of(name)
    one = accumulator(tplan, {}, batches(table, tplan, []))
    slots: dict = {}
    a, b = sorted(cuts)
    t = table.select(tplan.columns)
    parts = [accumulator(tplan, slots, t.slice(lo, hi - lo).to_batches())
             for lo, hi in ((0, a), (a, b), (b, t.num_rows))]
    merged = parts[0].merge(parts[1]).merge(parts[2])
    assert canonical(merged) == canonical(one)


@SETTINGS
@given(case=table_and_cuts())
def test_merge_is_associative_with_identity(case):
    name, rows, cuts = case
    table, tplan = to_arrow(name, rows), tplan_of(name)
    t = table.select(tplan.columns)
    a, b = sorted(cuts)
    pieces = [t.slice(lo, hi - lo) for lo, hi in ((0, a), (a, b), (b, t.num_rows))]

    def fresh(slots):
        return [accumulator(tplan, slots, p.to_batches()) for p in pieces]

    slots: dict = {}
    x, y, z = fresh(slots)
    left = x.merge(y).merge(z)  # (x + y) + z
    x, y, z = fresh(slots)
    right = x.merge(y.merge(z))  # x + (y + z)
    assert canonical(left) == canonical(right)

    x, _, _ = fresh(slots)
    expected = canonical(x)
    x, _, _ = fresh(slots)
    assert canonical(Accumulator(tplan, slots).merge(x)) == expected  # 0 + x
    x, _, _ = fresh(slots)
    assert canonical(x.merge(Accumulator(tplan, slots))) == expected  # x + 0


@SETTINGS
@given(rows=rows_of("contacts"))
def test_canonical_form_sees_a_difference(rows):
    """The accumulator comparison is not vacuous: one answered call more changes the states."""
    call = {"ORG_CLE_NUM": "01C131", "CNT_CAN_COD": "TEL",
            "CNT_ARR_DTH": dt.datetime(2022, 3, 1, 9), "CNT_TRT_DTH": None, "CNT_ABO_TOP": 1,
            "CNT_NIV_COD": None}
    tplan = tplan_of("contacts")
    slots: dict = {}
    full = accumulator(tplan, slots, batches(to_arrow("contacts", [*rows, call]), tplan, []))
    less = accumulator(tplan, slots, batches(to_arrow("contacts", rows), tplan, []))
    assert canonical(full)[0] != canonical(less)[0]
