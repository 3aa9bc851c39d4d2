"""The report judges each yearly target on its year (the table's quarters cannot): through the
Python API (with_yearly) and the CLI, against the national row computed by year."""
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path
from cogind.formatting import number
from cogind.report.html import build_report, with_yearly
from test_report import Tables, rows_of


def test_yearly_target_judged_on_the_year_python_api():
    code = "ALLER_VERS_PREVENTION_NB"
    quarters = cogind.compute(sample_path(), period="quarter", years=2024, indicators=[code])
    year = cogind.compute(sample_path(), period="year", years=2024, indicators=[code])
    table = with_yearly(quarters, lambda codes: cogind.compute(
        sample_path(), period="year", years=2024, indicators=codes))
    nat = rows_of(year, code, period="2024", level="national")[0]
    row = Tables(build_report(table)).rows[f"s-{code}"]
    assert row[1] == "2024" and row[2] == number(nat["valeur"], nat["unite"])
    assert row[4] == nat["statut"] == "atteint"
    t4 = rows_of(quarters, code, level="national")[0]
    assert t4["statut"] == "non évalué"  # the quarter alone cannot judge a yearly target


def test_cli_report_judges_yearly_targets_on_the_year(tmp_path):
    out = tmp_path / "rapport.html"
    code = "ALLER_VERS_PREVENTION_NB"
    r = CliRunner().invoke(cli, ["report", "--sample", "--indicator", code, "-o", str(out)])
    assert r.exit_code == 0, r.output
    year = cogind.compute(sample_path(), period="year", indicators=[code])
    nat = rows_of(year, code, period="2024", level="national")[0]
    parsed = Tables(out.read_text(encoding="utf-8"))
    assert parsed.rows[f"s-{code}"][1:3] == ["2024", number(nat["valeur"], "nombre")]
    assert any(h.endswith("— 2024") for h in parsed.h2)
    assert "Tendance nationale, 2023-T1 – 2024-T4" in out.read_text(encoding="utf-8")
