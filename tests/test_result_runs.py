"""The result table's columns converted to Arrow a run of same-typed NumPy blocks at a time
(engine/finalise._runs, issue 20 § 3 start-up): the same table as one conversion per block."""
from __future__ import annotations

import numpy as np

import cogind.engine.finalise as fz


def _blocks(rows: fz.Rows, rng) -> None:
    for k in range(9):
        n = int(rng.integers(0, 5))
        value = rng.normal(size=n)
        value[rng.random(n) < 0.3] = np.nan
        constant = k % 4 == 3  # a block of one value now and then breaks the runs
        rows.add_block(
            n, indicateur=f"I{k}", niveau=["caisse"] * n, caisse=[f"C{j}" for j in range(n)],
            valeur=float("nan") if constant else value,
            n=7 if constant else rng.integers(0, 9, n),
            statut="x" if constant else np.array(["a", None, "b", "c", None][:n], object),
            atteint=None if constant else np.array([True, None, False, True, None][:n], object),
            provisoire=False if constant else rng.random(n) < 0.5,
            ecart=np.arange(n, dtype=np.int64) if k % 2 else rng.normal(size=n))  # mixed dtypes


def test_runs_give_the_table_of_one_conversion_per_block(monkeypatch):
    rng = np.random.default_rng(3)
    rows = fz.Rows()
    _blocks(rows, rng)
    joined = rows.table()
    monkeypatch.setattr(fz, "_runs", lambda chunks: chunks)
    per_block = rows.table()
    assert joined.num_rows == rows.n > 0
    assert joined.equals(per_block)
    assert joined["valeur"].null_count == per_block["valeur"].null_count > 0
