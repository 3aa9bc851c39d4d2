"""``Delay`` in minutes and seconds (issue 22): exact from timestamps (microseconds, each delay
rounded up to its unit, as hours are), against a plain NumPy computation, through the Python
API and the CLI, on both engine paths (separate loops and the generated loop)."""
from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind import Delay, Indicator, hookimpl, where
from cogind.cli import cli

UNIT_US = {"minutes": 60_000_000, "secondes": 1_000_000}
N = 3_000
JAN = np.datetime64("2024-01-03T08:00:00", "ns").astype(np.int64)  # no change of hour in Jan


def _contacts(seed=5) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """Calls of two caisses, start and end to the nanosecond; some ends missing or before the
    start. Returns the table, and start/end as int64 ns (end -1: missing)."""
    rng = np.random.default_rng(seed)
    start = JAN + rng.integers(0, 20 * 86_400 * 10 ** 9, N)
    took = rng.integers(0, 45 * 60 * 10 ** 9, N)  # up to 45 minutes, to the nanosecond
    took[rng.random(N) < 0.1] = rng.integers(0, 5, 1)[0] * 60 * 10 ** 9  # exact minutes too
    end = start + took
    end[rng.random(N) < 0.05] -= 50 * 60 * 10 ** 9  # end before start
    missing = rng.random(N) < 0.05
    table = pa.table({
        "ORG_CLE_NUM": rng.choice(["01C751", "01C921"], N),
        "CNT_CAN_COD": np.where(rng.random(N) < 0.9, "TEL", "MEL"),
        "CNT_ARR_DTH": pa.array(start, pa.timestamp("ns")),
        "CNT_TRT_DTH": pa.array(np.where(missing, 0, end), pa.timestamp("ns"),
                                mask=missing),
        "CNT_ABO_TOP": rng.integers(0, 2, N), "CNT_NIV_COD": rng.integers(1, 3, N)})
    return table, start, np.where(missing, -1, end)


def _plain(table, start, end, unit, statistic, threshold=None, quantile=None, late=False):
    """The national figure, row by row from the definition: µs timestamps (ns floored), the
    delay rounded up to the unit; Hyndman-Fan type 1 quantile."""
    tel = np.asarray(table["CNT_CAN_COD"]) == "TEL"
    s, e = start[tel] // 1000, end[tel]
    delays, open_rows = [], 0
    for a, b in zip(s, e):
        if b == -1:
            open_rows += 1
        elif b // 1000 >= a:
            delays.append(-((a - b // 1000) // UNIT_US[unit]))  # ceiling
    d = np.sort(np.array(delays, np.int64))
    if statistic == "moyenne":
        return d.sum() / len(d), len(d)
    if statistic == "quantile":
        return float(d[math.ceil(quantile * len(d)) - 1]), len(d)
    n = len(d) + (open_rows if late else 0)
    return 100.0 * (d <= threshold).sum() / n, n


CASES = [("minutes", "moyenne", {}), ("minutes", "quantile", {"quantile": 0.9}),
         ("minutes", "part_sous_seuil", {"threshold": 10}),
         ("minutes", "part_sous_seuil", {"threshold": 10, "missing_end": "hors_delai"}),
         ("secondes", "moyenne", {}), ("secondes", "quantile", {"quantile": 0.5,
                                                                 "max_delay": 3_600}),
         ("secondes", "part_sous_seuil", {"threshold": 600, "max_delay": 3_600})]


def _code(k):
    return f"TIERS_DELAI_{k}"


class Delays:
    __name__ = "delais_tiers"

    @hookimpl
    def cogind_register_indicators(self, registry):
        for k, (unit, statistic, kw) in enumerate(CASES):
            registry.add_indicator(Indicator(
                code=_code(k), libelle="Délai", definition="Délai de traitement.",
                table="contacts", unit="%" if statistic == "part_sous_seuil" else unit,
                direction="baisse", period_column="CNT_ARR_DTH", where=where(CNT_CAN_COD="TEL"),
                measure=Delay("CNT_ARR_DTH", "CNT_TRT_DTH", statistic, unit=unit, **kw)))


def _check(rows):
    table, start, end = DATA
    for k, (unit, statistic, kw) in enumerate(CASES):
        nat = [r for r in rows if r["indicateur"] == _code(k) and r["niveau"] == "national"]
        assert len(nat) == 1
        value, n = _plain(table, start, end, unit, statistic, kw.get("threshold"),
                          kw.get("quantile"), kw.get("missing_end") == "hors_delai")
        assert nat[0]["n"] == n, (unit, statistic)
        assert nat[0]["valeur"] == pytest.approx(value, rel=1e-12), (unit, statistic, kw)


DATA = _contacts()


@pytest.mark.parametrize("fused", ["never", "always"])
def test_minutes_and_seconds_equal_a_plain_computation(fused, monkeypatch):
    monkeypatch.setenv("COGIND_FUSED", fused)
    res = cogind.compute({"contacts": DATA[0]}, cog=None, plugins=[Delays()], period="year",
                         indicators=[_code(k) for k in range(len(CASES))], batch_size=701,
                         threads=2, secret=False)
    _check(res.to_pylist())


def test_the_cli_computes_them(tmp_path, monkeypatch):
    import cogind.plugins as plugins

    real = plugins._entry_points

    class EntryPoint:
        name, value, dist = "delais_tiers", "x:delais_tiers", None

        def load(self):
            return Delays()

    monkeypatch.setattr(plugins, "_entry_points", lambda: real() + [EntryPoint()])
    pq.write_table(DATA[0], tmp_path / "contacts.parquet")
    args = ["compute", str(tmp_path), "--cog", "none", "--period", "year", "--quiet",
            "-o", str(tmp_path / "r.parquet")]
    for k in range(len(CASES)):
        args += ["--indicator", _code(k)]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    _check(pq.read_table(tmp_path / "r.parquet").to_pylist())
    described = CliRunner().invoke(cli, ["describe", _code(0)])
    assert "en minutes (arrondi à la minute supérieure)" in described.stdout
