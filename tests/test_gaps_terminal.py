"""The terminal table of results: whole statuses, numbered reasons, the gap in its units
(issue 23), through the CLI and against the Python API's rows."""
from __future__ import annotations

import re

import pyarrow.compute as pc
from click.testing import CliRunner

import cogind
from cogind.formatting import typeset
from cogind.analyses.gaps import gap
from cogind.analyses.statuses import render_results
from cogind.cli import cli
from cogind.cli.common import sample_path


def _sample_year(codes):
    return cogind.compute(sample_path(), period="year", years=2024, secret=False,
                          indicators=codes)


def test_terminal_table_keeps_statuses_whole_with_numbered_reasons():
    res = _sample_year(["DENTISTE_RECOURS_TAUX", "ALLER_VERS_PREVENTION_NB"])
    text = render_results(res, max_rows=10_000)
    head, _, notes = text.partition("\n\n")
    reasons = dict(re.findall(r"^\[(\d+)\] (.+)$", notes, re.M))
    rows = res.to_pylist()
    motifs = {r["motif"]: typeset(r["motif"]) for r in rows if r["motif"]}
    assert set(reasons.values()) == set(motifs.values())
    for r in rows:
        if r["motif"]:
            n = next(k for k, v in reasons.items() if v == motifs[r["motif"]])
            assert f"{r['statut']} [{n}]" in head
    assert "…" not in head and "€" not in head.split("\n", 1)[0]
    assert head.splitlines()[0].split("  ")[6:7] != ["écart (cas)"]


def test_compute_cli_prints_the_gap_in_points_and_short_statuses():
    run = CliRunner().invoke(cli, ["compute", "--sample", "--period", "year", "--year", "2024",
                                   "--indicator", "DENTISTE_RECOURS_TAUX", "--no-secret"])
    assert run.exit_code == 0, run.output
    first = run.output.splitlines()[0]
    assert "écart (pts)" in first
    national = [line for line in run.output.splitlines() if " national " in line][0]
    assert "pts" in national and "€" not in national
    assert re.search(r"non atteint \[\d\]|atteint", national)
    api = _sample_year(["DENTISTE_RECOURS_TAUX"])
    row = [r for r in api.to_pylist() if r["niveau"] == "national"][0]
    assert gap(row).text() in national  # the API's row, as the CLI prints it


def test_a_pro_rated_target_shows_the_figure_it_is_judged_on():
    res = cogind.compute(sample_path(), period="quarter", years=2024, secret=False,
                         indicators=["ALLER_VERS_PREVENTION_NB"])
    text = render_results(res.filter(pc.equal(res["niveau"], "national")))
    first = [line for line in text.splitlines() if "2024-T1" in line][0]
    assert "50\u202f000 (3/12)" in first and "atteint" in first
    later = [line for line in text.splitlines() if "2024-T2" in line][0]
    assert "200\u202f000" in later and "non évalué [" in later
