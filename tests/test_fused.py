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


# --------------------------------------------------------------------------- side states

def side_table(n: int, seed: int) -> pa.Table:
    """Claims of repeat beneficiaries (some ids null or malformed), payments of arrêts over
    months, ALD rows: the columns of the three side states, with nulls in every batch."""
    rnd = np.random.default_rng(seed)
    day = lambda v: DAY0 + dt.timedelta(days=int(v))
    ids = [None if i % 11 == 0 else "bad id!" if i % 13 == 0 else f"B{v:05d}"
           for i, v in enumerate(rnd.integers(0, n // 3 + 1, n))]
    care = rnd.integers(0, 700, n)
    start = rnd.integers(0, 400, n)
    return pa.table({
        "ORG_CLE_NUM": pa.array([None if i % 17 == 0 else f"0{750 + v}" for i, v in enumerate(
            rnd.integers(0, 4, n))]).dictionary_encode(),
        "EXE_SOI_DTD": pa.array([None if i % 19 == 0 else day(v) for i, v in enumerate(care)],
                                pa.date32()),
        "NAT": pa.array(rnd.integers(0, 3, n), pa.int16()),
        "BEN_NIR_PSA": pa.array(ids, pa.string()),
        "ARR_NUM": pa.array([f"A{v}" for v in rnd.integers(0, n // 4 + 1, n)]),
        "ARR_DEB_DTD": pa.array([None if i % 23 == 0 else day(v) for i, v in enumerate(start)],
                                pa.date32()),
        "IJ_PAI_DTD": pa.array([day(s + v) for s, v in zip(start, rnd.integers(0, 200, n))],
                               pa.date32()),
        "IJ_NBR": pa.array([None if i % 29 == 0 else int(v) for i, v in enumerate(
            rnd.integers(-1, 30, n))], pa.int32()),
        "IMB_ALD_DTD": pa.array([day(v) for v in start], pa.date32()),
        "IMB_ALD_DTF": pa.array([None if v % 2 else day(s + v) for s, v in zip(
            start, rnd.integers(0, 300, n))], pa.date32()),
        "MTT_DEB_DTD": pa.array([None if v % 3 == 0 else day(s + v) for s, v in zip(
            start, rnd.integers(0, 90, n))], pa.date32()),
        "MTT_FIN_DTD": pa.array([None] * n, pa.date32()),
    })


def side_indicators():
    from cogind.measures.ald import AldMedecinTraitant
    from cogind.measures.beneficiaries import DistinctBeneficiaries
    from cogind.measures.episodes import LongEpisodes

    return [indicator("DISTINCTS", DistinctBeneficiaries(), period="EXE_SOI_DTD",
                      scope=where(NAT=(1, 2))),
            indicator("LONGS", LongEpisodes(min_days=60), period="IJ_PAI_DTD"),
            indicator("ALD", AldMedecinTraitant(), period="IMB_ALD_DTD"),
            indicator("N", Count(), period="EXE_SOI_DTD", scope=where(NAT=1))]


def side_arrays(acc):
    return [[a.tolist() for a in side.arrays()] if side is not None else None
            for side in acc.sides]


@pytest.mark.parametrize("batch_size,seed", [(7, 1), (64, 2), (500, 3)])
def test_side_states_take_the_groups_of_the_fused_loop(batch_size, seed):
    """Distinct beneficiaries, long arrêts and ALD situations read in the fused loop: their
    kernels stepped in it, their side states fed with the groups it wrote, the same states
    and side states as the separate loops."""
    tplan = plan(side_indicators())["t"]
    fp = fused_plan_of(tplan)
    assert len(fp.sided) == 3
    table = side_table(400, seed)
    separate = run(tplan, table, batch_size, None)
    together = run(tplan, table, batch_size, fp)
    assert canonical(together) == canonical(separate)
    assert side_arrays(together) == side_arrays(separate)
    assert sum(len(a[0]) for a in side_arrays(together) if a) > 100  # states not empty


def _side_inputs(tmp_path):
    """prestations and ij files of a few thousand rows with ids that repeat."""
    from cogind.synth import generate

    generate(tmp_path, years=(2022, 2024), seed=9, rows={"prestations": 4000, "ij": 3000},
             tables=("prestations", "ij"))
    path = tmp_path / "prestations.parquet"
    claims = pa.parquet.read_table(path)
    nat = [(9201, 9202, v)[i % 3] for i, v in enumerate(claims["PRS_NAT_REF"].to_pylist())]
    claims = claims.set_column(claims.schema.get_field_index("PRS_NAT_REF"), "PRS_NAT_REF",
                               pa.array(nat, claims.schema.field("PRS_NAT_REF").type))
    pa.parquet.write_table(claims, path)
    return tmp_path


SIDE_CODES = ("PARCOURS_PSY_PATIENTS_DISTINCTS", "IJ_ARRETS_LONGS_EVOLUTION", "IJ_MAL_DELAI_MOYEN")


def test_compute_and_cli_give_the_same_bytes_fused_or_not(tmp_path, monkeypatch):
    import pyarrow.parquet  # noqa: F401 (pa.parquet)
    from click.testing import CliRunner

    import cogind
    from cogind.cli import cli

    data = _side_inputs(tmp_path / "data")
    out = {}
    for how in ("never", "always"):
        monkeypatch.setenv("COGIND_FUSED", how)
        res = cogind.compute(data, indicators=SIDE_CODES, secret=False, threads=2,
                             batch_size=333)
        path = tmp_path / f"{how}.csv"
        args = ["compute", str(data), "--no-secret", "-o", str(path)]
        r = CliRunner().invoke(cli, args + [a for c in SIDE_CODES for a in ("--indicator", c)])
        assert r.exit_code == 0, r.output
        out[how] = (res.replace_schema_metadata(None), path.read_bytes())
    assert out["never"][0].equals(out["always"][0])
    assert out["never"][1] == out["always"][1]
    rows = out["always"][0].to_pylist()
    assert {r["indicateur"] for r in rows if r["valeur"] is not None} >= {
        "PARCOURS_PSY_PATIENTS_DISTINCTS", "IJ_MAL_DELAI_MOYEN"}
    assert any(r["n"] for r in rows if r["indicateur"] == "IJ_ARRETS_LONGS_EVOLUTION")
