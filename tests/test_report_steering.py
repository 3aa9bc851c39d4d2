"""The report shows regions, each caisse against its own objectif, and the composite."""
from click.testing import CliRunner

from cogind.cli import cli


def test_report_with_regions_contracts_and_composite(tmp_path):
    run = CliRunner().invoke
    base = tmp_path / "annuel.parquet"
    code = ["--indicator", "IJ_MAL_DELAI_MOYEN", "--indicator", "APPELS_TAUX_ABOUTIS"]
    assert run(cli, ["compute", "--sample", "--period", "year", *code, "-o", str(base)]).exit_code == 0
    cpg = tmp_path / "cpg.parquet"
    r = run(cli, ["targets", "derive", str(base), "--base", "2023", "--year", "2024",
                  "-o", str(cpg)])
    assert r.exit_code == 0, r.output
    res = tmp_path / "res.parquet"
    r = run(cli, ["compute", "--sample", "--period", "year", *code, "--level", "caisse",
                  "--level", "region", "--level", "national", "--cpg", str(cpg), "-o", str(res)])
    assert r.exit_code == 0, r.output
    html = tmp_path / "rapport.html"
    r = run(cli, ["report", str(res), "-o", str(html)])
    assert r.exit_code == 0, r.output
    text = html.read_text(encoding="utf-8")
    assert "Par région / groupe" in text and "region 11" in text
    assert "face à son contrat (CPG)" in text and "socle" in text.lower()
    assert "omposite" in text  # the composite of the base service
    monthly = tmp_path / "mensuel.parquet"
    r = run(cli, ["compute", "--sample", "--period", "month", *code, "--cpg", str(cpg),
                  "-o", str(monthly)])
    assert r.exit_code == 0, r.output
    alerts = run(cli, ["alerts", str(monthly), "--composite"])
    assert alerts.exit_code == 0, alerts.output
    assert "socle" in alerts.output.lower()
    plain = tmp_path / "sans_cpg.parquet"
    assert run(cli, ["compute", "--sample", "--period", "month", *code,
                     "-o", str(plain)]).exit_code == 0
    no_cpg = run(cli, ["alerts", str(plain), "--composite"])
    assert no_cpg.exit_code == 1 and "compute --cpg" in no_cpg.stderr
