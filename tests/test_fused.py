"""The generated table loop (cogind.engine.fused) gives the states of the separate loops, exactly.

The separate loops are checked against plain Python in test_row_kernels.py and the engine
tests; here every reader kind of the fused loop (8/16-bit and wider codes, codes decided by
pyarrow, dictionary caisses with narrow and wide indices, date32, date64 and timestamp
periods, euros and integer amounts, flags, columns with and without nulls, slices) is run on
the same batches both ways. Schemas are fixed so that each test compiles a few loops only.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogind.checks import step_path
from cogind.engine import fused
from cogind.engine.core import Accumulator, plan
from cogind.measures.families import Count, Delay, Proportion, RatioOfSums, Sum
from cogind.model import Condition, Indicator, where

EXAMPLES = settings(max_examples=25, deadline=None)
DAY0 = dt.date(2023, 1, 1)


def indicator(code, measure, period="DATE_FIN", scope=(), national=False):
    return Indicator(code=code, libelle=code, definition=code, table="t", measure=measure,
                     unit="%", direction="hausse", period_column=period, where=scope,
                     caisse_column="ORG_CLE_NUM",
                     caisse_missing="national" if national else "exclure")


INDICATORS = [
    indicator("MOYEN", Delay("DATE_DEB", "DATE_FIN"), scope=where(TOP=1, NAT=(1, 3, 300))),
    indicator("D9", Delay("DATE_DEB", "DATE_FIN", statistic="quantile", quantile=0.9,
                          max_delay=40), scope=where(TOP=1, NAT=(1, 3, 300))),
    indicator("HEURES", Delay("HEURE_DEB", "HEURE_FIN", unit="heures", statistic="part_sous_seuil",
                              threshold=48, missing_end="hors_delai"), period="HEURE_DEB",
              scope=(Condition("CAN", ("MEL", "TEL")),)),
    indicator("PART", Proportion(Condition("CAN", ("TEL",))), period="DATE_J64",
              scope=(Condition("GRAND", (70000, 70002), negate=True),)),
    indicator("RATIO", RatioOfSums("DEP", "BSE"), scope=(Condition("OUI", (True,)),),
              national=True),
    indicator("SOMME", Sum("DEP_INT"), period="DATE_DEB"),
    indicator("TOP", Proportion(Condition("TOP", (1,))), period="DATE_DEB"),
    indicator("NOMBRE", Count(), period="HEURE_DEB", scope=where(NAT=3)),
]


def column(values, typ, nulls, pad, index=None):
    """``values`` (None where ``nulls`` says) as ``typ``, a slice after ``pad`` rows;
    dictionary-encoded with ``index`` integers when given."""
    vals = [None if n else v for v, n in zip(values, nulls)]
    arr = pa.array([None] * pad + vals + [None] * 2, typ)
    if index is not None:
        arr = arr.dictionary_encode().cast(pa.dictionary(index, typ))
    return arr.slice(pad, len(vals))


@st.composite
def tables(draw, with_nulls: bool, wide: bool):
    n = draw(st.integers(1, 60))
    pad = draw(st.integers(0, 9))
    rows = st.lists(st.integers(0, 10**6), min_size=n, max_size=n)
    r = [draw(rows) for _ in range(8)]
    # with nulls: in every batch (its first row at least), so that each test compiles the
    # loop for one set of reader kinds only
    nulls = ([[i % 7 == 0 or draw(st.integers(0, 3)) == 0 for i in range(n)] for _ in range(9)]
             if with_nulls else [[False] * n for _ in range(9)])
    caisses = [f"0{750 + v % 4}" for v in r[0]]
    index = pa.int32() if wide else pa.int8()
    start = [DAY0 + dt.timedelta(days=v % 500) for v in r[1]]
    end = [s + dt.timedelta(days=v % 60 - 5) for s, v in zip(start, r[2])]
    hours = [dt.datetime(2023, 1, 1) + dt.timedelta(seconds=v * 37) for v in r[3]]
    channel = [("TEL", "MEL", "REC")[v % 3] for v in r[4]]
    codes = pa.int32() if wide else pa.int16()
    cols = {
        "ORG_CLE_NUM": column(caisses, pa.string(), nulls[0], pad, index),
        "DATE_DEB": column(start, pa.date32(), nulls[1], pad),
        "DATE_FIN": column(end, pa.date32(), nulls[2], pad),
        "DATE_J64": column(start, pa.date64(), nulls[3], pad),
        "HEURE_DEB": column(hours, pa.timestamp("us"), nulls[4], pad),
        "HEURE_FIN": column([h + dt.timedelta(seconds=v * 11) for h, v in zip(hours, r[5])],
                            pa.timestamp("ms"), nulls[5], pad),
        "TOP": column([v % 2 for v in r[6]], pa.int8(), nulls[6], pad),
        "NAT": column([(1, 3, 300, 7)[v % 4] for v in r[7]], codes, nulls[7], pad),
        "CAN": column(channel, pa.string(), nulls[8], pad, index),
        "GRAND": column([70000 + v % 3 for v in r[6]], pa.int64(), nulls[1], pad),
        "OUI": column([v % 3 == 0 for v in r[5]], pa.bool_(), nulls[2], pad),
        "DEP": column([v / 100 - 100 for v in r[5]], pa.float64(), nulls[3], pad),
        "BSE": column([v / 7 for v in r[4]], pa.float64(), nulls[4], pad),
        "DEP_INT": column([v - 10**5 for v in r[7]], pa.int32(), nulls[5], pad),
    }
    return pa.table(cols)


def run(tplan, table, batch_size, fused_plan):
    acc = Accumulator(tplan, fused=fused_plan)
    for batch in table.to_batches(max_chunksize=batch_size):
        acc.update(batch)
    return acc


def canonical(acc):
    """States and undated counts keyed by caisse code and month (slots are numbered in the
    order caisses are met, the same both ways, but compared by code all the same)."""
    code_of = {slot: code for code, slot in acc.slots.items()}
    out = {}
    for i, st_ in enumerate(acc.states):
        for slot, month in zip(*np.nonzero(st_.any(axis=2))):
            out[(i, code_of.get(slot), acc.month0 + month)] = tuple(st_[slot, month])
        for slot in np.flatnonzero(acc.undated[i]):
            out[(i, code_of.get(slot), "undated")] = int(acc.undated[i][slot])
    return out


def fused_plan_of(tplan):
    fp = fused.FusedPlan.of(tplan, how="always")
    assert fp is not None
    return fp


def check(table, batch_size):
    tplan = plan(INDICATORS)["t"]
    separate = run(tplan, table, batch_size, None)
    together = run(tplan, table, batch_size, fused_plan_of(tplan))
    assert canonical(together) == canonical(separate)
    assert together.rows_read == separate.rows_read == table.num_rows


@pytest.mark.parametrize("nulls", [True, False], ids=["nulls", "no_nulls"])
@pytest.mark.parametrize("wide", [False, True], ids=["narrow", "wide"])
@EXAMPLES
@given(data=st.data())
def test_fused_loop_equals_separate_loops(data, wide, nulls):
    table = data.draw(tables(with_nulls=nulls, wide=wide))
    check(table, data.draw(st.sampled_from([7, 64])))


@EXAMPLES
@given(data=st.data())
def test_a_pass_may_switch_to_the_fused_loop_after_some_rows(data):
    """A stream of unknown size starts on the separate loops, then switches: same states."""
    table = data.draw(tables(with_nulls=True, wide=False))
    batch_size = data.draw(st.sampled_from([7, 64]))
    tplan = plan(INDICATORS)["t"]
    switching = fused_plan_of(tplan)
    switching.after_rows = data.draw(st.integers(0, table.num_rows))
    separate = run(tplan, table, batch_size, None)
    assert canonical(run(tplan, table, batch_size, switching)) == canonical(separate)


def test_rows_outside_the_month_table():
    """Period dates before 1900 are placed by the calendar, not the month table."""
    table = pa.table({
        "ORG_CLE_NUM": pa.array(["0751", "0751", None, "0752"]).dictionary_encode(),
        "DATE_DEB": pa.array([dt.date(1850, 1, 1), dt.date(2023, 3, 1), dt.date(2023, 3, 1),
                              dt.date(1899, 12, 31)], pa.date32()),
        "DATE_FIN": pa.array([dt.date(1850, 1, 9), dt.date(2023, 3, 4), dt.date(2023, 3, 2),
                              dt.date(1899, 12, 31)], pa.date32()),
    })
    tplan = plan([indicator("MOYEN", Delay("DATE_DEB", "DATE_FIN"), period="DATE_DEB"),
                  indicator("N", Count(), period="DATE_FIN", national=True)])["t"]
    separate = run(tplan, table, 2, None)
    together = run(tplan, table, 2, fused_plan_of(tplan))
    assert canonical(together) == canonical(separate)
    assert together.month0 == (1850 - 1970) * 12


def test_a_kernel_without_step_keeps_the_separate_loops():
    from cogind.kernels import counts
    from cogind.model import Kernel

    class NoStep(Count):
        def kernel(self):
            return Kernel("nombre_sans_pas", (), 1, counts.update_count)

    assert fused.FusedPlan.of(plan([indicator("N", NoStep())])["t"], how="always") is None


def test_auto_mode_fuses_large_tables_only(monkeypatch):
    from cogind.io.readers import TableInput

    tplan = plan([indicator("N", Count())])["t"]
    small = TableInput("t", "test", pa.schema([]), None, num_rows=10)
    large = TableInput("t", "test", pa.schema([]), None, num_rows=fused.FUSED_MIN_ROWS)
    stream = TableInput("t", "test", pa.schema([]), None)  # size not known beforehand
    monkeypatch.setenv("COGIND_FUSED", "auto")
    assert fused.FusedPlan.of(tplan, small) is None
    assert fused.FusedPlan.of(tplan, large).after_rows == 0
    assert fused.FusedPlan.of(tplan, stream).after_rows == fused.FUSED_MIN_ROWS
    monkeypatch.setenv("COGIND_FUSED", "never")
    assert fused.FusedPlan.of(tplan, large) is None


def test_step_path_needs_an_importable_numba_function():
    from numba import njit

    from cogind.kernels.counts import step_count

    @njit
    def local(state, g):
        state[g, 0] += 1

    assert step_path(step_count) == ("cogind.kernels.counts", "step_count")
    assert step_path(local) is None  # defined in a function: the loop cannot import it
    assert step_path(lambda state, g: None) is None  # not a numba function


def test_generated_loop_is_written_once_under_its_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("COGIND_CACHE_DIR", str(tmp_path))
    tplan = plan([indicator("N", Count())])["t"]
    fp = fused_plan_of(tplan)
    text = fp._source_text(("slot", "int"))
    assert fused._load(text) is fused._load(text)
    files = list((tmp_path / "fused").glob("cogind_fused_*.py"))
    assert len(files) == 1 and files[0].read_text() == text


def _registry_with(kernel):
    import cogind
    from cogind import hookimpl
    from cogind.measures.families import KernelMeasure

    class Plugin:
        __name__ = "noyau_casse"

        @hookimpl
        def cogind_register_indicators(self, registry):
            registry.add_indicator(Indicator(
                code="CASSE", libelle="Cassé", definition="Un noyau qui ne compile pas.",
                table="ij", unit="n", direction="hausse", period_column="IJ_PAI_DTD",
                measure=KernelMeasure(kernel, lambda r: (r[:, 0] * 1.0,) + (r[:, 0],) * 3)))

    return cogind.build_registry(extra=[Plugin()])


@pytest.mark.parametrize("how", ["always", "never"])
def test_a_kernel_that_does_not_compile_is_a_one_line_plugin_error(how, monkeypatch):
    import cogind
    from broken_kernels import step_bad, update_bad
    from cogind.errors import PluginError
    from cogind.model import Input, Kernel
    from conftest import tiny_ij

    kernel = Kernel("casse", (Input("IJ_PAI_DTD", "days"),), 1, update_bad, step=step_bad)
    registry = _registry_with(kernel)
    monkeypatch.setenv("COGIND_FUSED", how)
    with pytest.raises(PluginError) as err:
        cogind.compute({"ij": tiny_ij()}, cog=None, indicators=["CASSE"], registry=registry)
    message = str(err.value)
    assert "\n" not in message and "table 'ij'" in message and "casse" in message
    assert "Unknown attribute 'nope'" in message


def test_a_step_the_loop_cannot_import_is_refused_at_registration():
    from numba import njit

    from cogind.errors import PluginError
    from cogind.kernels import counts
    from cogind.model import Kernel

    @njit
    def local_step(state, g):
        state[g, 0] += 1

    with pytest.raises(PluginError, match="step must be a numba function"):
        _registry_with(Kernel("local", (), 1, counts.update_count, step=local_step))
