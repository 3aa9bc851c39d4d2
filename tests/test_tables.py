"""Terminal tables: one renderer (cogind.formatting.table) for compute's results
(analyses/statuses.py), diff and spread — numbers right-aligned, long cells wrapped between
words, never cut mid-word — and no mixed number formats in any of them."""
from __future__ import annotations

import re

import pyarrow as pa
import pytest
from click.testing import CliRunner

import cogind
from cogind import formatting as F
from cogind.analyses.statuses import render_results as render
from cogind.cli import cli

LONG = "non atteinte (écart non significatif, IC 95 % non disjoint de la cible)"


def columns(text: str) -> tuple[list[tuple[int, int]], list[str]]:
    """Column spans read from the rule under the header, and the other lines."""
    header, rule, *lines = text.splitlines()
    return [m.span() for m in re.finditer("-+", rule)], [header, *lines]


def test_right_alignment_and_wrapping_between_words():
    text = F.table(("code", "valeur", "statut"),
                   [("A", "1,5\u00a0%", LONG), ("BB", "12\u202f345,0\u00a0%", "atteinte")],
                   right=(1,), wrap={2: 30})
    spans, lines = columns(text)
    (_, a_end), (v0, v1), (s0, _) = spans
    values = [line[v0:v1] for line in lines if line[:a_end].strip()]
    assert [v.strip() for v in values] == ["valeur", "1,5\u00a0%", "12\u202f345,0\u00a0%"]
    assert all(v == v.rjust(v1 - v0) for v in values)  # right-aligned, header too
    status = [line[s0:] for line in lines[1:]]
    assert all(len(part) <= 30 for part in status)
    assert " ".join(status[:-1]).replace("\u00a0", " ") == LONG  # nothing cut
    assert not any(part.startswith("%") for part in status)  # « 95 % » stays together


def test_a_word_longer_than_the_width_stays_whole():
    text = F.table(("x",), [("a" * 50,)], wrap={0: 10})
    assert text.splitlines()[2] == "a" * 50


def test_no_trailing_spaces():
    text = F.table(("a", "b"), [("x", ""), ("long value", "y")])
    assert all(line == line.rstrip() for line in text.splitlines())


def results(rows: list[dict]) -> pa.Table:
    base = {"indicateur": "X_TAUX", "niveau": "national", "caisse": None, "periode": "2024",
            "valeur": 84.77, "unite": "%", "ic_bas": 84.1, "ic_haut": 85.2, "cible": 84.0,
            "cible_libelle": "84,00 %", "ecart_cas": None, "ecart_cas_unite": None,
            "statut": "atteint", "motif": None, "provisoire": False}
    return pa.Table.from_pylist([{**base, **r} for r in rows])


def test_results_table_one_format_per_column():
    """« 84,00 % » (the COG's wording) is shown « 84,0 % » beside « 84,8 % »; a target that
    needs more decimals (1,12 %) gets them, and the value beside it too."""
    text = render(results([{}, {"valeur": 1.1449, "cible": 1.12, "cible_libelle": "1,12 %",
                                "ic_bas": 1.0, "ic_haut": 1.3, "motif": LONG}]))
    assert "84,8\u00a0%" in text and "84,0\u00a0%" in text and "84,00" not in text
    assert "1,14\u00a0%" in text and "1,12\u00a0%" in text and "[1,00\u00a0% ; 1,30\u00a0%]" in text
    _, notes = text.split("\n\n")
    assert notes.replace("\u00a0", " ") == f"[1] {LONG}"  # the reason whole, as a note
    assert "…" not in text


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Every terminal table of the sample: compute (CLI and API), spread, diff."""
    from cogind.analyses.alerts import find_alerts, render_alerts
    from cogind.analyses.diff import compare, read_results, render_diff
    from cogind.analyses.spread import dispersion, render_spread
    from cogind.cli.common import sample_path
    from cogind.io.output import write_table

    tmp = tmp_path_factory.mktemp("tables")
    r = CliRunner().invoke(cli, ["compute", "--sample", "--period", "year", "--spread",
                                 *[f"--indicator={c}" for c in EVERY_UNIT]])
    assert r.exit_code == 0, r.output
    res = cogind.compute(sample_path(), period="year")
    old = write_table(res, tmp / "avant.parquet")
    moved = pa.array([None if v is None else v * 1.013 for v in res["valeur"].to_pylist()],
                     pa.float64())
    new = write_table(res.set_column(res.schema.get_field_index("valeur"), "valeur", moved),
                      tmp / "apres.parquet")
    a, b = read_results(old), read_results(new)
    monthly = cogind.compute(sample_path(), period="month", years=2024, indicators=ALERTED)
    return {"cli": r.stdout, "api": render(res, max_rows=10_000) + "\n"
            + render_spread(dispersion(res)), "diff": render_diff(a, b, compare(a, b)),
            "alerts": render_alerts(find_alerts(monthly, 3), 3)}


ALERTED = ["ABSENCE_COURTE_TAUX", "IJ_MAL_DELAI_MOYEN"]
EVERY_UNIT = ["SATISFACTION_ASSURES_TAUX", "DEMAT_AAT_TAUX", "FEMINISATION_DIRECTEURS_TAUX",
              "ABSENCE_COURTE_TAUX", "IJ_MAL_DELAI_MOYEN", "PREJUDICES_SUBIS_MNT",
              "ALLER_VERS_PREVENTION_NB", "SURFACE_PAR_RESIDENT", "PRODUCTIVITE_FSE"]


FIGURES = {"valeur", "IC", "cible", "avant", "après", "min", "D1", "médiane", "D9", "max"}
SUFFIXED = re.compile(r"(-?\d[\d\u202f]*(?:,(\d+))?)\u00a0(%|j|h|€|pts|m2)")


@pytest.mark.parametrize("name", ["cli", "api", "diff", "alerts"])
def test_no_mixed_formats_in_any_terminal_table(printed, name):
    """Every number French (no « 6600000 », « 4,747,504 », « 12.5 »), grouped by U+202F, the
    unit after U+00A0; within a row one number of decimals per unit, so « 84,00 % » never
    stands beside « 84,8 % »."""
    text = printed[name]
    assert text.count("\n") > 20
    assert not re.search(r"\d{5}|\d,\d{3},\d{3}|\d\.\d|\d \d{3}\b", text)
    assert not re.search(r"\d (%|j|€)(\s|$)", text)  # never an ordinary space before a unit
    if name == "alerts":  # one line per alert: the value and its target told apart
        pairs = re.findall(r"dernière valeur (\S+)\u00a0(\S+), cible (\S+)\u00a0(\S+)", text)
        assert len(pairs) > 20 and all(v != c and len(v) == len(c.lstrip("≥≤"))
                                       or u != w for v, u, c, w in pairs)
        return
    rows = []
    for block in text.split("\n\n"):
        if "indicateur" not in block:
            continue
        spans, lines = columns(block[block.index("indicateur"):])
        names = [lines[0][a:b].strip() for a, b in spans]
        keep = [k for k, n in enumerate(names) if n in FIGURES]
        rows += ["  ".join(line[spans[k][0]:spans[k][1]] for k in keep) for line in lines[1:]]
    assert len(rows) > 20
    for line in rows:  # the value, its interval and its target; before and after
        decimals = {}
        for m in SUFFIXED.finditer(line):
            decimals.setdefault(m.group(3), set()).add(len(m.group(2) or ""))
        assert all(len(d) == 1 for d in decimals.values()), line


def test_report_shows_targets_like_its_values():
    """The HTML report: « 84,00 % » (the COG's wording) shown « 84,0 % » beside the values,
    in the summary and in the tooltips."""
    from cogind.cli.common import sample_path
    from cogind.report.html import build_report  # cogind.report is also the subpackage

    res = cogind.compute(sample_path(), period="year", indicators=["SATISFACTION_ASSURES_TAUX"])
    page = build_report(res)
    assert "84,00" not in page.replace("84,00%", "")  # a quoted COG text may keep it
    assert "84,0\u00a0%" in page and re.search(r"cible 8[2-4],[05]\u00a0% ;", page)
