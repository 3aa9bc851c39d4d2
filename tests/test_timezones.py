"""Time-zone-aware timestamps: calendar days and months in the declared civil zone (issue 17).

Dates of a generated ij table are turned into instants at local midnight in Paris, stored as
``timestamp[ms, tz=UTC]`` (or tz=Europe/Paris): read in UTC, each would fall on the previous
day, and the 1st of a month in the previous month. Figures are checked against a plain pyarrow
computation of the monthly mean delay, on both engine paths.
"""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.api import provenance
from cogind.cli import cli as main
from cogind.errors import ConfigError

CODE = "IJ_MAL_DELAI_MOYEN"
DATES = ("ARR_DEB_DTD", "ATT_REC_DTD", "IJ_PAI_DTD")  # in schema order


@pytest.fixture(scope="module")
def ij(tmp_path_factory) -> pa.Table:
    out = tmp_path_factory.mktemp("tz")
    cogind.generate(out, years=(2023, 2023), rows={"ij": 3000}, tables=("ij",))
    return pq.read_table(out / "ij.parquet")


def _zoned(ij: pa.Table, tz: str) -> pa.Table:
    """``ij`` with its dates as instants at local midnight in Paris, typed with ``tz``."""
    for name in DATES:
        i = ij.schema.get_field_index(name)
        naive = pc.cast(ij[name], pa.timestamp("ms"))
        instants = pc.assume_timezone(naive, "Europe/Paris")  # Paris midnight, as UTC instants
        ij = ij.set_column(i, name, pc.cast(instants, pa.timestamp("ms", tz)))
    return ij


def _expected(ij: pa.Table, zone: str) -> dict[str, float]:
    """National monthly mean delay, days and months taken in ``zone``, by plain pyarrow."""
    def days(col):
        t = ij[col].type
        if pa.types.is_timestamp(t) and t.tz is not None:
            col = pc.local_timestamp(pc.cast(ij[col], pa.timestamp(t.unit, zone)))
        else:
            col = ij[col]
        return pc.cast(pc.cast(col, pa.date32()), pa.int32()).to_numpy(zero_copy_only=False)

    keep = np.asarray(pc.and_(pc.and_(pc.equal(ij["IJ_RIS_COD"], "MAL"),
                                      pc.equal(ij["IJ_SUB_TOP"], 0)),
                              pc.equal(ij["SIN_1IJ_IND"], 1)))
    pay, att = days("IJ_PAI_DTD"), days("ATT_REC_DTD")
    delay = pay - att
    keep &= delay >= 0
    month = pay.astype("datetime64[D]").astype("datetime64[M]").astype(str)
    return {m: float(delay[keep & (month == m)].mean()) for m in np.unique(month[keep])}


def _national(table: pa.Table) -> dict[str, float]:
    rows = table.filter(pc.and_(pc.equal(table["niveau"], "national"),
                                pc.equal(table["indicateur"], CODE))).to_pylist()
    return {r["periode"]: r["valeur"] for r in rows if r["valeur"] is not None}


@pytest.mark.parametrize("fused", ["always", "never"])
@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris"])
def test_zoned_timestamps_read_as_paris_days(ij, fused, tz, monkeypatch):
    monkeypatch.setenv("COGIND_FUSED", fused)
    zoned = _zoned(ij, tz)
    got = cogind.compute({"ij": zoned}, None, indicators=[CODE], secret=False)
    want = _expected(ij, "Europe/Paris")
    assert set(_national(got)) == set(want)
    assert "2022-12" not in got["periode"].to_pylist()  # no month from UTC days
    for month, value in want.items():
        assert _national(got)[month] == pytest.approx(value, abs=1e-9)
    clean = cogind.compute({"ij": ij}, None, indicators=[CODE], secret=False)
    assert got.equals(clean)  # the same rows as on the dates themselves
    meta = provenance(got)["fuseau_horaire"]
    assert meta["fuseau"] == "Europe/Paris"
    assert meta["colonnes_avec_fuseau"]["ij"] == list(DATES)


@pytest.mark.parametrize("fused", ["always", "never"])
def test_declared_zone_utc_changes_days(ij, fused, monkeypatch, tmp_path):
    monkeypatch.setenv("COGIND_FUSED", fused)
    zoned = _zoned(ij, "Europe/Paris")
    pq.write_table(zoned, tmp_path / "ij.parquet")  # Parquet statistics size the month grid
    got = cogind.compute(tmp_path, None, indicators=[CODE], secret=False, timezone="UTC")
    want = _expected(zoned, "UTC")
    assert want != _expected(ij, "Europe/Paris") and set(_national(got)) == set(want)
    for month, value in want.items():
        assert _national(got)[month] == pytest.approx(value, abs=1e-9)
    assert provenance(got)["fuseau_horaire"]["fuseau"] == "UTC"


def test_cli_timezone_option_and_provenance(ij, tmp_path):
    pq.write_table(_zoned(ij, "UTC"), tmp_path / "ij.parquet")
    out = tmp_path / "r.parquet"
    res = CliRunner().invoke(main, ["compute", str(tmp_path), "--cog", "none", "--indicator",
                                    CODE, "--no-secret", "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = pq.read_table(out)
    want = _expected(ij, "Europe/Paris")
    assert _national(got) == pytest.approx(want, abs=1e-9)
    meta = json.loads(got.schema.metadata[b"cogind"])
    assert meta["fuseau_horaire"]["fuseau"] == "Europe/Paris"
    res = CliRunner().invoke(main, ["compute", str(tmp_path), "--cog", "none", "--indicator",
                                    CODE, "--timezone", "Mars/Olympus"])
    assert res.exit_code == 2 and "unknown time zone 'Mars/Olympus'" in res.output
    with pytest.raises(ConfigError, match="unknown time zone"):
        cogind.compute(tmp_path, None, indicators=[CODE], timezone="Mars/Olympus")
    res = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert "horodatages avec fuseau (ARR_DEB_DTD, ATT_REC_DTD, IJ_PAI_DTD)" in res.output
    assert "lus à l'heure de Europe/Paris" in res.output


@pytest.mark.parametrize("zone, words", [("UTC", "lus à l'heure de UTC"),
                                         ("caisse", "lus à l'heure de chaque caisse")])
def test_validate_reads_in_the_zone_compute_would(ij, tmp_path, zone, words):
    """validate takes compute's --timezone (same check, same words), CLI and Python."""
    pq.write_table(_zoned(ij, "Europe/Paris"), tmp_path / "ij.parquet")
    res = CliRunner().invoke(main, ["validate", str(tmp_path), "--timezone", zone])
    assert res.exit_code == 0, res.output
    assert words in res.output
    from cogind.io.validate import validate_report

    text, ok, _ = validate_report(tmp_path, cogind.build_registry(), timezone=zone)
    assert ok and words in text
    res = CliRunner().invoke(main, ["validate", str(tmp_path), "--timezone", "Mars/Olympus"])
    assert res.exit_code == 2 and "unknown time zone 'Mars/Olympus'" in res.output
    with pytest.raises(ConfigError, match="unknown time zone"):
        validate_report(tmp_path, cogind.build_registry(), timezone="Mars/Olympus")


def test_naive_timestamps_unchanged(ij):
    naive = ij
    for name in DATES:
        i = naive.schema.get_field_index(name)
        naive = naive.set_column(i, name, pc.cast(naive[name], pa.timestamp("ms")))
    got = cogind.compute({"ij": naive}, None, indicators=[CODE], secret=False, timezone="UTC")
    assert _national(got) == pytest.approx(_expected(ij, "UTC"), abs=1e-9)


def test_describe_says_which_zone():
    res = CliRunner().invoke(main, ["describe", CODE])
    assert res.exit_code == 0 and "défaut Europe/Paris" in res.output
