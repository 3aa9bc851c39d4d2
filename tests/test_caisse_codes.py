"""Caisse codes that fail the schema's pattern are the exclusion ``caisse_inconnue``: never a
result row of their own, out of the national figure as rows with no caisse are (issue 17)."""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path
from cogind.plugins import build_registry

CODE = "DEPASSEMENT_TAUX"
SCOPE = build_registry().indicator(CODE).where
BAD = ("Paris", "75C75", "01c751")  # a name, a code too short, a lowercase letter


@pytest.fixture(scope="module")
def sample():
    return pq.read_table(sample_path() / "prestations.parquet")


def in_scope_2023(t: pa.Table) -> np.ndarray:
    keep = pc.year(t["EXE_SOI_DTD"]).to_numpy() == 2023
    for c in SCOPE:
        hit = np.isin(t[c.column].to_numpy(), c.values)
        keep &= ~hit if c.negate else hit
    return keep


def planted(t: pa.Table, n_each: int, index_type) -> tuple[pa.Table, np.ndarray]:
    """``n_each`` rows in scope of each bad code; the caisse column dictionary-encoded with
    ``index_type`` indices (None: plain strings)."""
    codes = np.asarray(t["ORG_CLE_NUM"].to_pylist(), dtype=object)
    rows = np.flatnonzero(in_scope_2023(t))[:n_each * len(BAD)]
    for k, bad in enumerate(BAD):
        codes[rows[k * n_each:(k + 1) * n_each]] = bad
    arr = pa.array(codes.tolist(), pa.string())
    if index_type is not None:
        arr = arr.dictionary_encode().cast(pa.dictionary(index_type, pa.string()))
    return t.set_column(t.schema.get_field_index("ORG_CLE_NUM"), "ORG_CLE_NUM", arr), rows


def reference(t: pa.Table, left_out: np.ndarray) -> float:
    dep, bse = t["PRS_DEP_MNT"].to_numpy(), t["BSE_REM_BSE"].to_numpy()
    keep = in_scope_2023(t)
    keep[left_out] = False
    return 100.0 * (np.rint(dep[keep] * 100).astype(np.int64).sum()
                    / np.rint(bse[keep] * 100).astype(np.int64).sum())


def rows_2023(res: pa.Table) -> list[dict]:
    return [r for r in res.to_pylist() if r["indicateur"] == CODE and r["periode"] == "2023"]


@pytest.mark.parametrize("mode", ["never", "always"])
@pytest.mark.parametrize("index_type", [pa.int8(), pa.int32(), None])
def test_bad_codes_are_excluded_not_published(sample, monkeypatch, mode, index_type):
    monkeypatch.setenv("COGIND_FUSED", mode)
    t, bad_rows = planted(sample, 2, index_type)
    res = cogind.compute({"prestations": t}, cog=None, indicators=[CODE], period="year",
                         years=2023, secret=False)
    rows = rows_2023(res)
    caisses = {r["caisse"] for r in rows if r["niveau"] == "caisse"}
    assert not caisses & set(BAD)
    assert len(caisses) == 101  # every real caisse keeps its row
    nat = [r for r in rows if r["niveau"] == "national"][0]
    assert json.loads(nat["exclusions"])["caisse_inconnue"] == 6
    assert nat["valeur"] == pytest.approx(reference(t, bad_rows), rel=1e-12)
    for r in rows:
        if r["niveau"] == "caisse":
            assert "caisse_inconnue" not in json.loads(r["exclusions"])


def test_cli_compute_and_validate_agree(sample, tmp_path):
    t, _ = planted(sample, 2, pa.int8())
    pq.write_table(t, tmp_path / "prestations.parquet")
    out = tmp_path / "r.parquet"
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--indicator", CODE, "--period",
                                 "annee", "--year", "2023", "--no-secret", "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = rows_2023(pq.read_table(out))
    assert not {r["caisse"] for r in rows} & set(BAD)
    nat = [r for r in rows if r["niveau"] == "national"][0]
    assert json.loads(nat["exclusions"])["caisse_inconnue"] == 6
    v = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert v.exit_code == 0, v.output
    assert ("colonne 'ORG_CLE_NUM' : 6 valeur(s) hors du motif du schéma (exclues : "
            "caisse_inconnue)") in v.output
    assert not any(bad in v.output for bad in BAD)  # counts, never values
    strict = CliRunner().invoke(cli, ["compute", str(tmp_path), "--indicator", CODE,
                                      "--period", "annee", "--year", "2023", "--strict"])
    assert strict.exit_code == 1 and "caisse_inconnue: 6" in strict.output


def test_validate_counts_enum_and_bounds_per_column(tmp_path):
    t = pq.read_table(sample_path() / "contacts.parquet")
    chan = np.asarray(t["CNT_CAN_COD"].to_pylist(), dtype=object)
    chan[:4] = "FAX"
    t = t.set_column(t.schema.get_field_index("CNT_CAN_COD"), "CNT_CAN_COD",
                     pa.array(chan.tolist(), pa.string()))
    pq.write_table(t, tmp_path / "contacts.parquet")
    v = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert v.exit_code == 0, v.output
    assert "colonne 'CNT_CAN_COD' : 4 valeur(s) hors de la liste du schéma" in v.output
    assert "FAX" not in v.output
