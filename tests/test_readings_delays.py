"""Issue 21 § 2: a delay in days between two timestamps is ordered on the instants (an end
earlier the same day than the start is « fin avant début », excluded, as ``describe`` says)
and counted in civil days; dates keep their day arithmetic. RECLAMATIONS_10J_TAUX against a
plain NumPy computation, through the Python API (both engine paths) and the CLI."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind import Delay, Indicator, hookimpl, where
from cogind.cli import cli

N = 2_000
JAN = np.datetime64("2024-01-02T00:00:00", "us").astype(np.int64)
DAY_US = 86_400 * 10 ** 6


def _complaints(seed=3):
    """Complaints of two caisses in January 2024, handled 0 to 14 days later; some handled a
    few minutes before their arrival the same day, some days before, some never."""
    rng = np.random.default_rng(seed)
    start = JAN + rng.integers(0, 25 * DAY_US, N)
    end = start + rng.integers(0, 14 * DAY_US, N)
    same_day = rng.random(N) < 0.1  # an earlier hour of the arrival's own day
    midnight = start - start % DAY_US
    end[same_day] = midnight[same_day] + (start[same_day] - midnight[same_day]) // 2
    end[rng.random(N) < 0.03] -= 3 * DAY_US
    never = rng.random(N) < 0.05
    table = pa.table({
        "ORG_CLE_NUM": rng.choice(["01C751", "01C921"], N),
        "CNT_CAN_COD": np.where(rng.random(N) < 0.9, "REC", "TEL"),
        "CNT_ARR_DTH": pa.array(start, pa.timestamp("us")),
        "CNT_TRT_DTH": pa.array(np.where(never, 0, end), pa.timestamp("us"), mask=never),
        "CNT_ABO_TOP": rng.integers(0, 2, N), "CNT_NIV_COD": rng.integers(1, 3, N)})
    return table, start, np.where(never, -1, end)


def _plain(table, start, end):
    """National share within 10 civil days, open complaints late, end < start excluded."""
    rec = np.asarray(table["CNT_CAN_COD"]) == "REC"
    s, e = start[rec], end[rec]
    open_ = e == -1
    kept = open_ | (e >= s)
    days = e // DAY_US - s // DAY_US
    within = (~open_ & kept & (days <= 10)).sum()
    return 100.0 * within / kept.sum(), int(kept.sum()), int((~kept).sum())


DATA = _complaints()


def _national(rows, code="RECLAMATIONS_10J_TAUX"):
    nat = [r for r in rows if r["indicateur"] == code and r["niveau"] == "national"]
    assert len(nat) == 1
    return nat[0]


def test_the_data_hold_same_day_reversals():
    table, start, end = DATA
    reversed_ = (end != -1) & (end < start) & (end // DAY_US == start // DAY_US)
    assert reversed_.sum() > 100


@pytest.mark.parametrize("fused", ["never", "always"])
def test_same_day_end_before_start_is_excluded(fused, monkeypatch):
    monkeypatch.setenv("COGIND_FUSED", fused)
    res = cogind.compute({"contacts": DATA[0]}, cog=None, period="year", secret=False,
                         indicators=["RECLAMATIONS_10J_TAUX"], batch_size=333, threads=2)
    row = _national(res.to_pylist())
    value, n, excluded = _plain(*DATA)
    assert row["n"] == n
    assert row["valeur"] == pytest.approx(value, rel=1e-12)
    assert excluded > 0


def test_the_cli_gives_the_same_figure(tmp_path):
    pq.write_table(DATA[0], tmp_path / "contacts.parquet")
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--cog", "none", "--period", "year",
                                 "--quiet", "--indicator", "RECLAMATIONS_10J_TAUX",
                                 "-o", str(tmp_path / "r.parquet")])
    assert r.exit_code == 0, r.output
    row = _national(pq.read_table(tmp_path / "r.parquet").to_pylist())
    value, n, _ = _plain(*DATA)
    assert (row["n"], row["valeur"]) == (n, pytest.approx(value, rel=1e-12))
    described = CliRunner().invoke(cli, ["describe", "RECLAMATIONS_10J_TAUX"])
    assert "Horodatages comparés à l'instant" in described.stdout


class DateDelays:
    """A days delay between two date columns and one forced onto day arithmetic."""
    __name__ = "delais_jours"

    @hookimpl
    def cogind_register_indicators(self, registry):
        for code, horodatage in (("TIERS_JOURS_AUTO", None), ("TIERS_JOURS_JOURS", False)):
            registry.add_indicator(Indicator(
                code=code, libelle="Délai", definition="Délai.", table="contacts", unit="%",
                direction="hausse", period_column="CNT_ARR_DTH", where=where(CNT_CAN_COD="REC"),
                measure=Delay("CNT_ARR_DTH", "CNT_TRT_DTH", "part_sous_seuil", threshold=10,
                              missing_end="hors_delai", max_delay=366,
                              horodatage=horodatage)))


def test_the_schema_decides_and_a_plugin_may_keep_day_arithmetic():
    res = cogind.compute({"contacts": DATA[0]}, cog=None, period="year", secret=False,
                         plugins=[DateDelays()], indicators=["TIERS_JOURS_AUTO",
                                                             "TIERS_JOURS_JOURS"])
    rows = res.to_pylist()
    auto, days = _national(rows, "TIERS_JOURS_AUTO"), _national(rows, "TIERS_JOURS_JOURS")
    value, n, _ = _plain(*DATA)
    assert (auto["n"], auto["valeur"]) == (n, pytest.approx(value, rel=1e-12))
    table, start, end = DATA
    rec = np.asarray(table["CNT_CAN_COD"]) == "REC"
    s, e = start[rec], end[rec]
    kept = (e == -1) | (e // DAY_US >= s // DAY_US)  # the calendar days alone
    assert days["n"] == kept.sum() > n
