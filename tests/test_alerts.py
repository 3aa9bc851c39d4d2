"""Comité d'alerte: runs of consecutive missed months per caisse, on hand-made monthly results."""
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cogind.analyses.alerts import alerts_table, find_alerts, render_alerts
from cogind.cli import cli
from cogind.errors import ConfigError
from cogind.engine.finalise import RESULT_SCHEMA

DELAI = "IJ_MAL_DELAI_MOYEN"  # lower is better, target 26 j


def table(series: dict[str, list], indicator: str = DELAI, sens: str = "baisse",
          first: int = 1, year: int = 2024) -> pa.Table:
    """``series``: caisse → monthly values (None: not computed, "M": masked) from ``first``."""
    rows = []
    for caisse, values in series.items():
        for k, v in enumerate(values):
            masked = v == "M"
            value = None if masked else v
            met = None if value is None else (value <= 26 if sens == "baisse" else value >= 75)
            rows.append({"indicateur": indicator, "cog": "2023-2027", "niveau": "caisse",
                         "caisse": caisse, "periode": f"{year}-{first + k:02d}",
                         "valeur": value, "unite": "jours", "sens": sens, "cible": 26.0,
                         "atteint": met, "masque": masked,
                         "statut": "masqué" if masked else "x"})
    return pa.Table.from_pylist(rows, schema=RESULT_SCHEMA)


def test_runs_of_missed_months():
    t = table({"A": [30, 31, 32, 20, 27, 28, 29],      # 3 months, then 3 ongoing
               "B": [30, 31, None, 30, 30],            # broken by a month without figure
               "C": [30, "M", 30, 30, 30, 30, 30],     # a masked month breaks the run too
               "D": [20, 20, 20, 20, 20, 20, 20]})
    found = find_alerts(t, months=3)
    got = [(a.caisse, a.debut, a.fin, a.mois, a.en_cours) for a in found]
    assert got == [("C", "2024-03", "2024-07", 5, True), ("A", "2024-05", "2024-07", 3, True),
                   ("A", "2024-01", "2024-03", 3, False)]
    assert found[0].derniere_valeur == 30 and found[0].reference == 26.0


def test_months_must_be_consecutive_calendar_months():
    t = pa.concat_tables([table({"A": [30, 30]}, first=1), table({"A": [30]}, first=4)])
    assert find_alerts(t, months=3) == []
    assert len(find_alerts(t, months=2)) == 1


def test_user_threshold_in_the_indicator_direction():
    t = table({"A": [80, 70, 71, 72], "B": [90, 90, 90, 90]}, indicator="APPELS",
              sens="hausse")
    assert [(a.caisse, a.debut, a.reference_type) for a in find_alerts(t, 3)] == [
        ("A", "2024-02", "cible")]
    found = find_alerts(t, months=4, thresholds={"APPELS": 95})
    assert {a.caisse for a in found} == {"A", "B"}
    assert all(a.reference_type == "seuil" and a.reference == 95 for a in found)
    assert find_alerts(t, months=4, thresholds={"APPELS": 60}) == []


def test_indicator_filter_and_errors():
    t = pa.concat_tables([table({"A": [30, 30, 30]}),
                          table({"A": [30, 30, 30]}, indicator="AUTRE")])
    assert {a.indicateur for a in find_alerts(t, 3, indicators=["AUTRE"])} == {"AUTRE"}
    with pytest.raises(ConfigError, match="not in the results"):
        find_alerts(t, 3, indicators=["INCONNU"])
    quarterly = t.set_column(t.column_names.index("periode"), "periode",
                             pa.array(["2024-T1"] * t.num_rows))
    with pytest.raises(ConfigError, match="monthly"):
        find_alerts(quarterly, 3)


def test_table_and_text():
    found = find_alerts(table({"A": [30.5, 31, 32]}), 3)
    out = alerts_table(found)
    assert out.num_rows == 1 and out["mois"].to_pylist() == [3]
    text = render_alerts(found, 3)
    assert "32,0\u00a0j" in text and "cible 26,0\u00a0j" in text and "en cours" in text
    assert "Aucune caisse" in render_alerts([], 3)


def test_cli_on_a_result_file(tmp_path):
    path = tmp_path / "r.parquet"
    pq.write_table(table({"01C001": [30, 31, 32], "01C002": [20, 20, 20]}), path)
    r = CliRunner().invoke(cli, ["alerts", str(path), "--months", "3", "--no-secret"])
    assert r.exit_code == 0, r.output
    assert "01C001" in r.stdout and "3 mois" in r.stdout and "01C002" not in r.stdout
    out = tmp_path / "alertes.csv"
    r = CliRunner().invoke(cli, ["alerts", str(path), "--no-secret", "-o", str(out)])
    assert r.exit_code == 0 and out.exists()


def test_cli_errors(tmp_path):
    r = CliRunner().invoke(cli, ["alerts", "--sample", "--threshold", "3"])
    assert r.exit_code == 2 and "exactly one --indicator" in r.stderr
    r = CliRunner().invoke(cli, ["alerts", "--sample", "--period", "year"])
    assert r.exit_code == 2
    path = tmp_path / "q.parquet"
    t = table({"A": [30]})
    pq.write_table(t.set_column(t.column_names.index("periode"), "periode",
                                pa.array(["2024-T1"])), path)
    r = CliRunner().invoke(cli, ["alerts", str(path)])
    assert r.exit_code == 1 and r.stderr.startswith("Error: alerts need monthly results")
    assert len(r.stderr.strip().splitlines()) == 1


def test_cli_on_the_sample():
    r = CliRunner().invoke(cli, ["alerts", "--sample", "--months", "6",
                                 "--indicator", "C2S_DELAI_D9"])
    assert r.exit_code == 0, r.output
    assert "C2S_DELAI_D9" in r.stdout and "alerte" in r.stdout
