"""Accumulators built apart (other caisse orders, other months) merge into one pass's states."""
import numpy as np
import pyarrow as pa

import cogind
from cogind.engine.core import Accumulator, plan
from conftest import tiny_ij


def _norm(acc):
    code_of = {slot: code for code, slot in acc.slots.items()}
    out = {}
    for i, st in enumerate(acc.states):
        for slot in range(st.shape[0]):
            for m in range(st.shape[1]):
                if st[slot, m].any():
                    out[(i, code_of.get(slot), acc.month0 + m)] = tuple(st[slot, m])
    return out


def test_merge_matches_slots_by_caisse_code():
    reg = cogind.build_registry()
    tplan = plan([reg.indicator("IJ_MAL_DELAI_MOYEN"), reg.indicator("IJ_ATMP_DELAI_MOYEN")])["ij"]
    table = tiny_ij()
    whole = Accumulator(tplan)
    whole.update(table.to_batches()[0])
    rows = table.to_pylist()
    parts = []
    for chunk in (rows[4:], rows[:2], rows[2:4]):  # other first caisse in each part
        acc = Accumulator(tplan)
        acc.update(pa.Table.from_pylist(chunk, schema=table.schema).to_batches()[0])
        parts.append(acc)
    merged = parts[0].merge(parts[1]).merge(parts[2])
    assert _norm(merged) == _norm(whole)
    assert merged.rows_read == whole.rows_read == table.num_rows


def test_merge_with_an_empty_accumulator_is_identity():
    reg = cogind.build_registry()
    tplan = plan([reg.indicator("IJ_MAL_DELAI_MOYEN")])["ij"]
    acc = Accumulator(tplan)
    acc.update(tiny_ij().to_batches()[0])
    before = _norm(acc)
    acc.merge(Accumulator(tplan))
    assert _norm(acc) == before
    empty = Accumulator(tplan).merge(acc)
    assert _norm(empty) == before and np.array_equal(empty.undated[0].sum(), acc.undated[0].sum())


def test_a_custom_merge_combines_months_caisses_and_threads():
    """A max kernel: quarters, years and the national level take the maximum, not the sum."""
    import datetime as dt

    from numba import njit

    from cogind import Indicator, Input, Kernel, hookimpl, where
    from cogind.measures.families import KernelMeasure
    from cogind.kernels import NULL

    @njit(cache=False)
    def longest(state, group, start, end):
        for i in range(group.shape[0]):
            g = group[i]
            if g >= 0 and start[i] != NULL and end[i] != NULL and end[i] - start[i] > state[g, 0]:
                state[g, 0] = end[i] - start[i]

    kernel = Kernel("plus_long", (Input("ATT_REC_DTD", "days"), Input("IJ_PAI_DTD", "days")), 1,
                    longest, merge=np.maximum)

    class P:
        __name__ = "plus_long"

        @hookimpl
        def cogind_register_indicators(self, registry):
            registry.add_indicator(Indicator(
                code="IJ_DELAI_MAX", libelle="Délai maximal", definition="Maximum.", table="ij",
                measure=KernelMeasure(kernel, lambda r: (r[:, 0], r[:, 0], r[:, 0], r[:, 0] + 1)),
                unit="jours", direction="baisse", period_column="IJ_PAI_DTD",
                where=where(SIN_1IJ_IND=1)))

    table = tiny_ij()
    got = {}
    for threads, batch in ((1, 1000), (2, 2)):
        res = cogind.compute({"ij": table}, cog=None, indicators=["IJ_DELAI_MAX"], period="year",
                             plugins=[P()], threads=threads, batch_size=batch)
        got[threads] = {r["caisse"]: r["valeur"] for r in res.to_pylist()}
    rows = [r for r in table.to_pylist() if r["SIN_1IJ_IND"] == 1 and r["ATT_REC_DTD"]]
    delay = {r["ARR_NUM"]: (r["IJ_PAI_DTD"] - r["ATT_REC_DTD"]).days for r in rows}
    expect = {"01C751": max(delay["a"], delay["b"]), "01C131": max(delay["c"], delay["e"], 0)}
    expect[None] = max(expect.values())
    assert got[1] == got[2] == expect
