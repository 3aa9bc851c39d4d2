"""Amounts beyond the schema's plausible range are the exclusion ``montant_hors_bornes``; no
sum of cents can overflow (proven from the bound and the rows, else checked) — issue 17."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli as main, sample_path
from cogind.engine.bounds import INT64_MAX, bound_cents
from cogind.errors import DataError
from cogind.plugins import build_registry

CODE = "DEPASSEMENT_TAUX"
SCOPE = build_registry().indicator(CODE).where  # PSE_CNV_COD, PSE_SPE_COD: médecins, secteurs


@pytest.fixture(scope="module")
def sample():
    return pq.read_table(sample_path() / "prestations.parquet")


def in_scope_2023(t: pa.Table) -> np.ndarray:
    year = pc.year(t["EXE_SOI_DTD"]).to_numpy()
    keep = year == 2023
    for c in SCOPE:
        hit = np.isin(t[c.column].to_numpy(), c.values)
        keep &= ~hit if c.negate else hit
    return keep


def planted(t: pa.Table, column: str, rows: list[int], value: float) -> pa.Table:
    values = t[column].to_numpy().copy()
    values[rows] = value
    return t.set_column(t.schema.get_field_index(column), column, pa.array(values))


def reference(t: pa.Table, low=-1e9, high=1e9) -> float:
    """The national 2023 rate in plain NumPy: rows in scope, amounts within range and ≥ 0."""
    dep, bse = t["PRS_DEP_MNT"].to_numpy(), t["BSE_REM_BSE"].to_numpy()
    keep = in_scope_2023(t) & (dep >= 0) & (bse >= 0)
    keep &= (dep >= low) & (dep <= high) & (bse >= low) & (bse <= high)
    num = np.rint(dep[keep] * 100).astype(np.int64).sum()
    den = np.rint(bse[keep] * 100).astype(np.int64).sum()
    return 100.0 * num / den


def national(res: pa.Table) -> dict:
    rows = [r for r in res.to_pylist() if r["indicateur"] == CODE and r["niveau"] == "national"
            and r["periode"] == "2023"]
    assert len(rows) == 1
    return rows[0]


def run(tables, monkeypatch, mode, **kw):
    monkeypatch.setenv("COGIND_FUSED", mode)
    return cogind.compute(tables, cog=None, indicators=[CODE], period="year", years=2023,
                          secret=False, **kw)


def huge_rows(t: pa.Table, k: int, same_caisse: bool = True) -> list[int]:
    idx = np.flatnonzero(in_scope_2023(t))
    if not same_caisse:
        caisse = np.asarray(t["ORG_CLE_NUM"].to_pylist(), dtype=object)[idx]
        _, first = np.unique(caisse, return_index=True)
        return [int(i) for i in idx[np.sort(first)][:k]]
    month = pc.month(t["EXE_SOI_DTD"]).to_numpy()[idx]
    caisse = np.asarray(t["ORG_CLE_NUM"].to_pylist(), dtype=object)[idx]
    same = idx[(caisse == caisse[0]) & (month == month[0])]
    return [int(i) for i in same[:k]]


@pytest.mark.parametrize("mode", ["never", "always"])
def test_huge_amounts_are_excluded_as_out_of_bounds(sample, monkeypatch, mode):
    rows = huge_rows(sample, 4)
    t = planted(sample, "PRS_DEP_MNT", rows[:3], 4e16)  # three rows of 4e16 € (issue 17)
    t = planted(t, "BSE_REM_BSE", rows[3:], 1e20)  # one beyond any int64 of cents
    clean = run({"prestations": sample}, monkeypatch, mode)
    res = run({"prestations": t}, monkeypatch, mode)
    row = national(res)
    excl = json.loads(row["exclusions"])
    assert excl["montant_hors_bornes"] == 4
    assert "numerateur_manquant" not in excl and "denominateur_manquant" not in excl
    assert row["statut"] != "non calculable" and row["valeur"] > 0
    assert row["valeur"] == pytest.approx(reference(t), rel=1e-12)
    assert row["n"] == national(clean)["n"] - 4
    caisse = [r for r in res.to_pylist() if r["niveau"] == "caisse" and r["periode"] == "2023"
              and r["caisse"] == sample["ORG_CLE_NUM"][rows[0]].as_py()][0]
    assert json.loads(caisse["exclusions"])["montant_hors_bornes"] == 4


def test_both_paths_give_the_same_results(sample, monkeypatch):
    rows = huge_rows(sample, 5, same_caisse=False)
    t = planted(sample, "PRS_DEP_MNT", rows, -2e9)
    a, b = (run({"prestations": t}, monkeypatch, m) for m in ("never", "always"))
    assert a.drop(["calcule_le"] if "calcule_le" in a.column_names else []).equals(
        b.drop(["calcule_le"] if "calcule_le" in b.column_names else []))
    assert json.loads(national(a)["exclusions"])["montant_hors_bornes"] == 5


def test_cli_reports_the_exclusion(sample, tmp_path):
    rows = huge_rows(sample, 3)
    pq.write_table(planted(sample, "PRS_DEP_MNT", rows, 4e16), tmp_path / "prestations.parquet")
    out = tmp_path / "r.parquet"
    r = CliRunner().invoke(main, ["compute", str(tmp_path), "--indicator", CODE, "--period",
                                  "annee", "--year", "2023", "--no-secret", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert json.loads(national(pq.read_table(out))["exclusions"])["montant_hors_bornes"] == 3
    v = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert v.exit_code == 0, v.output
    assert "colonne 'PRS_DEP_MNT' : 3 valeur(s) au-dessus du maximum" in v.output
    assert "4e+16" not in v.output and "40000000000000000" not in v.output


def wide_registry(maximum: float):
    """The installed registry, the prestations amounts' range widened to ``maximum`` €."""
    reg = build_registry()
    spec = reg.tables["prestations"]
    fields = {name: dict(f) for name, f in spec.fields.items()}
    for col in ("PRS_DEP_MNT", "BSE_REM_BSE"):
        fields[col]["constraints"] = {"minimum": -maximum, "maximum": maximum}
    reg.tables["prestations"] = dataclasses.replace(spec, fields=fields)
    return reg


@pytest.mark.parametrize("mode", ["never", "always"])
@pytest.mark.parametrize("same_caisse", [True, False])
def test_sums_that_could_overflow_are_refused(sample, monkeypatch, mode, same_caisse):
    """With a range of ±5e16 €, 200 000 rows are beyond the proof (N × B ≥ 2**63): three rows
    of 4e16 € in one cell, or in three caisses (the national sum), are refused, one line."""
    t = planted(sample, "PRS_DEP_MNT", huge_rows(sample, 3, same_caisse), 4e16)
    with pytest.raises(DataError, match="exceed 64 bits") as err:
        run({"prestations": t}, monkeypatch, mode, registry=wide_registry(5e16))
    assert "4e+16" not in str(err.value) and "\n" not in str(err.value)
    # ±1e15 €: beyond the proof too (200 000 × 1e17 cents), but every cell holds fewer than
    # 92 rows and the total is far below 2**63: the exact check lets the sums through
    ok = run({"prestations": sample}, monkeypatch, mode, registry=wide_registry(1e15))
    assert national(ok)["valeur"] == pytest.approx(reference(sample), rel=1e-12)


def test_the_proof_covers_the_declared_range(sample):
    """Within ±1e9 € (B = 1e11 cents + 1), a table of up to 92 M rows cannot overflow."""
    tplan = cogind.engine.core.plan([build_registry().indicator(CODE)],
                                    build_registry().tables)["prestations"]
    b = bound_cents(tplan, tplan.states[0].kernel)
    assert b == 10**11 + 1
    assert 92_000_000 * b <= INT64_MAX < 93_000_000 * b


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint64, np.float64])
def test_exact_sum_is_the_python_integer_sum(dtype):
    """The overflow check's total (engine.bounds.exact_sum, NumPy for start-up) is Python's
    integer sum of the cells, also where int64 arithmetic would wrap."""
    from cogind.engine.bounds import exact_sum

    info = np.iinfo(dtype if np.dtype(dtype).kind in "iu" else np.int32)
    rng = np.random.default_rng(3)
    drawn = rng.integers(info.min, info.max, 1000, endpoint=True, dtype=info.dtype)
    cells = np.concatenate([np.full(5, info.max, info.dtype), np.full(3, info.min, info.dtype),
                            drawn]).astype(dtype)
    grid = cells[:1000].reshape(10, 10, 10)
    for values in (cells, grid, cells[:0], np.full(7, info.max, dtype)):
        assert exact_sum(values) == sum(int(x) for x in values.ravel())
    assert exact_sum(np.full(4, INT64_MAX, np.int64)) == 4 * INT64_MAX
