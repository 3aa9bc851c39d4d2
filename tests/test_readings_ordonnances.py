"""Issue 21 § 2, n° 13 ORDONNANCES_NUMERIQUES_TAUX: « rapportées aux consultations en médecine
générale » (002 l.9449-9450): only GP prescriptions (PSP_SPE_COD 1, 22, 23 of IR_SPE_V) count
in the numerator. Against a plain NumPy computation through the Python API and the CLI, on
hand-built and generated data (where the rate never exceeds 100 %)."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.synth import generate

CODE = "ORDONNANCES_NUMERIQUES_TAUX"
N = 3_000


def _demarches(seed=11):
    rng = np.random.default_rng(seed)
    kind = rng.choice(["ORD", "CONS", "CV"], N, p=[.6, .25, .15])
    spe = rng.choice([1, 22, 23, 3, 15], N).astype(np.int16)
    spe_null = (kind != "ORD") | (rng.random(N) < 0.03)
    canal_null = rng.random(N) < 0.02
    table = pa.table({
        "ORG_CLE_NUM": rng.choice(["01C751", "01C921"], N),
        "DEM_REC_DTD": pa.array(np.datetime64("2024-03-01") + rng.integers(0, 28, N)),
        "DEM_TYP_COD": kind,
        "DEM_CAN_COD": pa.array(np.where(rng.random(N) < .6, "DEMAT", "PAPIER"),
                                mask=canal_null),
        "PSP_SPE_COD": pa.array(spe, mask=spe_null)})
    return table


def _plain(table):
    kind = np.asarray(table["DEM_TYP_COD"])
    canal = np.asarray(table["DEM_CAN_COD"].fill_null("?"))
    spe_known = ~np.asarray(table["PSP_SPE_COD"].is_null())
    spe = np.asarray(table["PSP_SPE_COD"].fill_null(0))
    ord_ok = (kind == "ORD") & (canal != "?") & spe_known
    num = (ord_ok & (canal == "DEMAT") & np.isin(spe, [1, 22, 23])).sum()
    den = (kind == "CONS").sum()
    every = ((kind == "ORD") & (canal == "DEMAT")).sum()
    return 100.0 * num / den, int(den), 100.0 * every / den


DATA = _demarches()


def _national(rows):
    [row] = [r for r in rows if r["indicateur"] == CODE and r["niveau"] == "national"]
    return row


@pytest.mark.parametrize("fused", ["never", "always"])
def test_only_gp_prescriptions_count(fused, monkeypatch):
    monkeypatch.setenv("COGIND_FUSED", fused)
    res = cogind.compute({"demarches": DATA}, cog=None, period="year", secret=False,
                         indicators=[CODE], batch_size=500, threads=2)
    row = _national(res.to_pylist())
    value, n, every_prescriber = _plain(DATA)
    assert row["n"] == n and row["valeur"] == pytest.approx(value, rel=1e-12)
    assert every_prescriber > 100 > value  # any prescriber's would exceed 100 %


def test_the_cli_gives_the_same_figure(tmp_path):
    pq.write_table(DATA, tmp_path / "demarches.parquet")
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--cog", "none", "--period", "year",
                                 "--quiet", "--indicator", CODE, "-o", str(tmp_path / "r.parquet")])
    assert r.exit_code == 0, r.output
    row = _national(pq.read_table(tmp_path / "r.parquet").to_pylist())
    value, n, _ = _plain(DATA)
    assert (row["n"], row["valeur"]) == (n, pytest.approx(value, rel=1e-12))
    described = CliRunner().invoke(cli, ["describe", CODE])
    assert "PSP_SPE_COD" in described.stdout and "généralistes" in described.stdout


def test_generated_data_never_exceed_100_percent(tmp_path):
    generate(tmp_path, years=(2026, 2027), rows={"demarches": 40_000}, tables=["demarches"],
             seed=7)
    table = pq.read_table(tmp_path / "demarches.parquet")
    kinds = np.asarray(table["DEM_TYP_COD"].cast(pa.string()))
    spe_null = np.asarray(table["PSP_SPE_COD"].is_null())
    assert (spe_null == (kinds != "ORD")).all()  # a prescriber on prescriptions only
    res = cogind.compute(tmp_path, cog="2023-2027", period="month", secret=False,
                         indicators=[CODE]).to_pylist()
    values = [r["valeur"] for r in res if r["valeur"] is not None]
    assert len(values) > 1000 and max(values) <= 100.0
    month = np.asarray(table["DEM_REC_DTD"]).astype("datetime64[M]")
    dec = month == np.datetime64("2027-12")
    canal = np.asarray(table["DEM_CAN_COD"].cast(pa.string()))
    spe = np.asarray(table["PSP_SPE_COD"].fill_null(0))
    num = (dec & (kinds == "ORD") & (canal == "DEMAT") & np.isin(spe, [1, 22, 23])).sum()
    [nat] = [r for r in res if r["niveau"] == "national" and r["periode"] == "2027-12"]
    assert nat["valeur"] == pytest.approx(100.0 * num / (dec & (kinds == "CONS")).sum())
