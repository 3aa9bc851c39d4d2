"""Reported shares (``RatioOfSums(share=True)``): a numerator counting a part of its
denominator's units. A ``mesures`` row whose MES_NUM exceeds its MES_DEN is bad input: it is
excluded and counted as ``numerateur_superieur`` (never a share above 100 %), its neighbours
kept. Against a plain NumPy computation, through the Python API and the CLI; the generator
never writes such a row, even where the COG's target is 100 %."""
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
from cogind.plugins import build_registry

CODE = "ALD_MEDECIN_TRAITANT_TAUX"  # patients en ALD avec médecin traitant / patients en ALD
SCHEMA = pa.schema([("ORG_CLE_NUM", pa.string()), ("MES_MOI_DTD", pa.date32()),
                    ("MES_COD", pa.string()), ("MES_NUM", pa.float64()),
                    ("MES_DEN", pa.float64()), ("MES_VAL", pa.float64())])


def _mesures(cells: list[tuple[str, int, float, float]]) -> pa.Table:
    """ALD_MT rows of 2023: (caisse, month, MES_NUM, MES_DEN)."""
    return pa.table({"ORG_CLE_NUM": [c for c, *_ in cells],
                     "MES_MOI_DTD": [dt.date(2023, m, 1) for _, m, _, _ in cells],
                     "MES_COD": ["ALD_MT"] * len(cells),
                     "MES_NUM": [n for *_, n, _ in cells], "MES_DEN": [d for *_, d in cells],
                     "MES_VAL": [None] * len(cells)}, schema=SCHEMA)


def _plain(cells, caisse=None) -> tuple[float | None, int]:
    """(Σ num / Σ den × 100 of the rows with num ≤ den, rows with num > den)."""
    mine = [(n, d) for c, _, n, d in cells if caisse is None or c == caisse]
    kept = [(n, d) for n, d in mine if n <= d]
    den = sum(d for _, d in kept)
    value = 100.0 * sum(n for n, _ in kept) / den if den > 0 else None
    return value, len(mine) - len(kept)


def _row(rows, level, caisse=None):
    return next(r for r in rows if r["indicateur"] == CODE and r["niveau"] == level
                and r["caisse"] == caisse and r["periode"] == "2023")


def _compute(table):
    return cogind.compute({"mesures": table}, cog="2023-2027", period="year", secret=False,
                          indicators=[CODE], years=(2023, 2023)).to_pylist()


CELLS = [("01C011", m, 900.0, 1000.0) for m in range(1, 13)] + [
    ("01C021", 1, 950.0, 1000.0), ("01C021", 2, 1200.0, 1000.0), ("01C021", 3, 980.0, 1000.0)]


def test_a_numerator_above_its_denominator_is_excluded_and_counted():
    rows = _compute(_mesures(CELLS))
    for caisse in ("01C011", "01C021"):
        row = _row(rows, "caisse", caisse)
        value, over = _plain(CELLS, caisse)
        assert row["valeur"] == pytest.approx(value, rel=1e-12)
        assert row["valeur"] <= 100.0
        assert json.loads(row["exclusions"] or "{}").get("numerateur_superieur", 0) == over
    national = _row(rows, "national")
    assert national["valeur"] == pytest.approx(_plain(CELLS)[0], rel=1e-12)
    assert json.loads(national["exclusions"])["numerateur_superieur"] == 1


def test_a_caisse_with_every_row_above_has_no_figure_and_says_why():
    cells = [("01C011", 1, 900.0, 1000.0), ("01C021", 1, 1100.0, 1000.0)]
    row = _row(_compute(_mesures(cells)), "caisse", "01C021")
    assert row["valeur"] is None
    assert row["n_exclus"] == 1 and "numerateur_superieur" in row["exclusions"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["01C011", "01C021", "01C031"]), st.integers(1, 12),
                          st.integers(0, 2_000), st.integers(0, 2_000)), min_size=1,
                max_size=40))
def test_shares_agree_with_a_plain_computation(raw):
    cells = [(c, m, n / 4, d / 4) for c, m, n, d in raw]  # quarters: exact in cents
    rows = _compute(_mesures(cells))
    value, over = _plain(cells)
    national = _row(rows, "national")
    if value is None:
        assert national["valeur"] is None
    else:
        assert national["valeur"] == pytest.approx(value, rel=1e-12)
    assert json.loads(national["exclusions"] or "{}").get("numerateur_superieur", 0) == over


def test_the_cli_excludes_the_same_rows_and_describe_names_the_reason(tmp_path):
    pq.write_table(_mesures(CELLS), tmp_path / "mesures.parquet")
    out = tmp_path / "r.parquet"
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--cog", "2023-2027", "--period",
                                 "year", "--quiet", "--no-secret", "--indicator", CODE,
                                 "-o", str(out)])
    assert r.exit_code == 0, r.output
    row = _row(pq.read_table(out).to_pylist(), "caisse", "01C021")
    assert row["valeur"] == pytest.approx(_plain(CELLS, "01C021")[0], rel=1e-12)
    assert json.loads(row["exclusions"])["numerateur_superieur"] == 1
    described = CliRunner().invoke(cli, ["describe", CODE])
    assert "numerateur_superieur" in described.stdout


def test_a_rate_that_may_exceed_100_keeps_every_row():
    """« Taux d'atteinte des économies » is no share: 120 % of the plan's savings is a figure."""
    t = pa.table({"ORG_CLE_NUM": ["01C011"], "MES_MOI_DTD": [dt.date(2023, 1, 1)],
                  "MES_COD": ["GDR_ECONOMIES"], "MES_NUM": [1200.0], "MES_DEN": [1000.0],
                  "MES_VAL": [None]}, schema=SCHEMA)
    rows = cogind.compute({"mesures": t}, cog="2023-2027", period="year", secret=False,
                          indicators=["GDR_ECONOMIES_ATTEINTE_TAUX"],
                          years=(2023, 2023)).to_pylist()
    row = next(r for r in rows if r["niveau"] == "caisse")
    assert row["valeur"] == pytest.approx(120.0)


def test_generated_shares_never_exceed_their_denominator(tmp_path):
    cogind.generate(tmp_path, years=(2023, 2024), tables=("mesures",), seed=3)
    t = pq.read_table(tmp_path / "mesures.parquet")
    reg = build_registry()
    shares = {v for i in reg.indicators.values() if i.table == "mesures"
              and getattr(getattr(i.measure, "of", i.measure), "share", False)
              for c in i.where if c.column == "MES_COD" for v in c.values}
    code = t["MES_COD"].to_pylist()
    num, den = np.asarray(t["MES_NUM"], float), np.asarray(t["MES_DEN"], float)
    rows = np.array([c in shares for c in code])
    assert {"ALD_MT", "CPTS_POPULATION", "ACCUEILS_ACCESSIBLES"} <= set(np.array(code)[rows])
    assert (num[rows] <= den[rows]).all()
