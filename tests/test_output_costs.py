"""The output-sized steps of a run made cheaper (issue 20 § 1, session 11) give what the former
code gave: the dense period ranks of the secret (``secret._dense`` against ``np.unique``), the
base periods of the evolutions (``_BaseSpans.of`` against the former per-row dict version, kept
below, on every system of a run through ``cogind.compute`` and ``cogind compute``) and
``forms._zeroed`` (zeros under the nulls, the values kept, whatever the chunks and offset).
The byte identity of whole outputs is pinned by tests/test_assembly.py and the secret's
reference tests."""
from __future__ import annotations

import contextlib

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner

import cogind
from cogind.analyses import forms, secret
from cogind.cli import cli
from cogind.cli.common import sample_path

EVOLUTION = "IJ_ARRETS_LONGS_EVOLUTION"


def former_of(spans: secret._BaseSpans, group: np.ndarray, system) -> list[tuple]:
    """``_BaseSpans.of`` before session 11: a dict of the system's cells, a loop over rows."""
    if spans.codes is None:
        return []
    texts = [spans.spans[k] if k >= 0 else None for k in spans.span_of_code[:-1]] + [None]
    where = system.rows >= 0
    cells = {int(r): (int(u), int(p)) for u, p, r in
             zip(*np.nonzero(where), system.rows[where])}
    span_of = {span: k for k, span in enumerate(system.spans)}
    out = []
    for i in group[spans.codes[group] >= 0].tolist():
        base = span_of.get(texts[spans.codes[i]])
        if i in cells and base is not None and system.rows[cells[i][0], base] >= 0:
            out.append((*cells[i], base))
    return out


@contextlib.contextmanager
def checked_bases(found: list):
    """Every ``_BaseSpans.of`` of the run compared with the former version."""
    of = secret._BaseSpans.of

    def both(self, group, system, rows):
        new = of(self, group, system, rows)
        assert new == former_of(self, group, system)
        found.extend(new)
        return new
    secret._BaseSpans.of = both
    try:
        yield
    finally:
        secret._BaseSpans.of = of


@pytest.mark.parametrize("period", ["month", "quarter"])
def test_base_periods_match_the_former_loop_through_the_api(period):
    found: list = []
    with checked_bases(found):
        table = cogind.compute(sample_path(), period=period, indicators=[EVOLUTION],
                               levels=("caisse", "region", "national"))
    assert found and table.num_rows
    assert all(isinstance(x, int) for cell in found for x in cell)


def test_base_periods_match_the_former_loop_through_the_cli(tmp_path):
    found: list = []
    with checked_bases(found):
        r = CliRunner().invoke(cli, ["compute", "--sample", "--indicator", EVOLUTION,
                                     "--period", "month", "-o", str(tmp_path / "r.csv")])
    assert r.exit_code == 0, r.output
    assert found


@pytest.mark.parametrize("values", [
    np.random.default_rng(0).integers(19_000, 21_000, 5000),  # days
    np.random.default_rng(1).integers(0, 10**15, 300),  # microseconds: the sorting path
    np.array([-3, 7, -3, 0]), np.array([5]), np.zeros(0, np.int64)])
def test_dense_ranks_are_numpy_unique_inverse(values):
    got = secret._dense(values)
    want = np.unique(values, return_inverse=True)[1].reshape(-1)
    assert got.dtype == np.int64 and np.array_equal(got, want)


def _data_bytes(array: pa.Array) -> np.ndarray:
    return np.frombuffer(array.buffers()[1], array.type.to_pandas_dtype())[
        array.offset:array.offset + len(array)]


@pytest.mark.parametrize("typ", [pa.float64(), pa.int64()])
@pytest.mark.parametrize("shape", ["one", "sliced", "chunks"])
def test_zeroed_writes_zeros_under_nulls_and_keeps_values(typ, shape):
    base = pa.array([7, None, 3, None, 9, 11], typ)
    garbage = pa.compute.fill_null(base, 42)  # non-zero bytes under the nulls
    raw = pa.Array.from_buffers(typ, len(base), [base.buffers()[0], garbage.buffers()[1]],
                                base.null_count)
    column = {"one": pa.chunked_array([raw]), "sliced": pa.chunked_array([raw.slice(1)]),
              "chunks": pa.chunked_array([raw.slice(0, 2), raw.slice(2)])}[shape]
    out = forms._zeroed(column)
    assert out.to_pylist() == column.to_pylist()
    data = _data_bytes(out)
    assert (data[np.asarray(out.is_null())] == 0).all()


def test_codes_are_shared_only_between_the_same_buffers():
    a = pa.table({"niveau": ["caisse", "national", "caisse"]})
    b = pa.table({"niveau": ["region", "national", "caisse"]})
    token = secret._ENCODED.set({})
    try:
        first = secret._codes(a, "niveau")
        assert secret._codes(a, "niveau") is first  # the same column: encoded once
        assert secret._codes(a.slice(1), "niveau")[0].tolist() == [0, 1]
        assert secret._codes(b, "niveau")[1] == ["region", "national", "caisse"]
    finally:
        secret._ENCODED.reset(token)
    assert secret._codes(a, "niveau") is not first  # outside apply_secret: nothing kept


def test_secret_with_shared_codes_equals_it_without(monkeypatch):
    table = cogind.compute(sample_path(), period="quarter", secret=False,
                           levels=("caisse", "region", "national"))
    shared = secret.apply_secret(table)

    class Nothing:
        def get(self):
            return None

        def set(self, value):
            return None

        def reset(self, token):
            return None
    monkeypatch.setattr(secret, "_ENCODED", Nothing())
    alone = secret.apply_secret(table)
    assert shared.schema.metadata == alone.schema.metadata and shared.equals(alone)
    assert cogind.provenance(shared)["secret"]["masquees_complementaires"]
