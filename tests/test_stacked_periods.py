"""The states of periods of several months (``MonthGrid.stacked``): summed over their months'
slices, or from cumulative sums when periods overlap much; the same integers either way
(issue 20 § 3, start-up: the cumulative sum over months was 10 ms of the sample's hour delays)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.engine.core import MonthGrid

CODE = "IJ_MAL_DELAI_MOYEN"


def _periods(spans):
    return [SimpleNamespace(first_month=a, last_month=b) for a, b in spans]


def _plain(states, month0, spans):
    """Per period: each slot's sum over its months (clipped to the grid), then the national."""
    out = []
    for a, b in spans:
        lo, hi = max(a - month0, 0), max(min(b - month0 + 1, states.shape[1]), 0)
        per_slot = states[:, lo:hi].sum(axis=1) if hi > lo else np.zeros(
            (states.shape[0], states.shape[2]), np.int64)
        out += [per_slot, per_slot.sum(axis=0, keepdims=True)]
    return np.concatenate(out)


@pytest.mark.parametrize("spans", [
    [(600, 611), (612, 623)],                          # years: slices
    [(600 + 3 * q, 602 + 3 * q) for q in range(8)],    # quarters: slices
    [(600 + m, 611 + m) for m in range(13)],           # rolling 12 months: cumulative sums
    [(600, 600 + m) for m in range(24)],               # year to date: cumulative sums
    [(590, 605), (620, 640), (700, 710)],              # partly or wholly outside the grid
])
def test_stacked_equals_plain_sums(spans):
    rng = np.random.default_rng(4)
    states = rng.integers(-2**40, 2**40, (7, 24, 5), dtype=np.int64)
    grid = MonthGrid(states, 600, 3, None)
    assert np.array_equal(grid.stacked(_periods(spans)), _plain(states, 600, spans))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("stacked")
    cogind.generate(out, years=(2023, 2024), rows={"ij": 4000}, tables=("ij",))
    return out


def _n(table, periode=None):
    rows = table.filter(pc.equal(table["indicateur"], CODE))
    return {(c, p): n for c, p, n in zip(rows["caisse"].to_pylist(), rows["periode"].to_pylist(),
                                         rows["n"].to_pylist())}


def test_years_and_year_to_date_add_up_the_months(data):
    """End to end: the n of each year (slices) is the sum of its months' n (months read in
    place), and year to date in December (cumulative sums) is the year's."""
    kw = dict(cog=None, indicators=[CODE], secret=False)
    months, years = (_n(cogind.compute(data, period=p, **kw)) for p in ("month", "year"))
    ytd = _n(cogind.compute(data, period="ytd", **kw))
    summed = {}
    for (caisse, label), n in months.items():
        key = (caisse, label[:4])
        summed[key] = summed.get(key, 0) + (n or 0)
    assert len(years) > 100
    for (caisse, label), n in years.items():
        assert (n or 0) == summed.get((caisse, label), 0), (caisse, label)
        assert ytd[(caisse, f"{label}-01/{label}-12")] == n


def test_cli_quarters_as_the_api(data, tmp_path):
    out = tmp_path / "q.csv"
    r = CliRunner().invoke(cli, ["compute", str(data), "--cog", "none", "--indicator", CODE,
                                 "--period", "quarter", "--no-secret", "-o", str(out)])
    assert r.exit_code == 0, r.output
    import pyarrow.csv as pacsv

    api = cogind.compute(data, cog=None, indicators=[CODE], period="quarter", secret=False)
    written = pacsv.read_csv(out)
    assert written.num_rows == api.num_rows > 0
    assert written["n"].to_pylist() == api["n"].to_pylist()
