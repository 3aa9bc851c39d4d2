"""Accumulators built apart (other caisse orders, other months) merge into one pass's states."""
import numpy as np
import pyarrow as pa

import cogind
from cogind.engine import Accumulator, plan
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
