"""`cogind list` says for each indicator how its figure is obtained (issue 21 § 1): computed from
the events of its table, computed from the claims with the reported figure as fallback per
caisse, or reported (``mesures``); text and --json agree, and the automatic ones are those
whose rows carry a computed form in ``cogind.compute``."""
from __future__ import annotations

import json

from click.testing import CliRunner
from test_beneficiaires_forms import claims, mesures, prestations

import cogind
from cogind.cli import cli

REGISTRY = cogind.build_registry()


def _run(*args):
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 0, r.output
    return r.stdout


def expected_form(code: str) -> tuple[str, str | None]:
    """Read from the declarations directly: the computed indicator naming ``code``."""
    computed = sorted(c for c, i in REGISTRY.indicators.items()
                      if getattr(i.measure, "reported", "") == code)
    if computed:
        return "remboursements_repli_declare", computed[0]
    return ("declare" if REGISTRY.indicator(code).table == "mesures" else "evenements"), None


def test_list_cog_json_gives_each_indicator_its_form():
    rows = json.loads(_run("list", "--cog", "2023-2027", "--json"))
    assert [r["code"] for r in rows] == [e.code for e in REGISTRY.cog("2023-2027").indicators]
    for r in rows:
        assert (r["forme"], r["forme_calculee"]) == expected_form(r["code"])
    by_code = {r["code"]: r for r in rows}
    assert by_code["PARCOURS_PSY_PATIENTS_NB"]["forme_calculee"] == (
        "PARCOURS_PSY_PATIENTS_DISTINCTS")
    assert by_code["DENTISTE_RECOURS_TAUX"]["forme_calculee"] == "DENTISTE_RECOURS_TAUX_CALCULE"
    assert by_code["C2S_DELAI_D9"]["forme"] == "evenements"
    kinds = {r["forme"] for r in rows}
    assert kinds == {"evenements", "remboursements_repli_declare", "declare"}


def test_list_text_has_a_form_line_per_indicator_matching_the_json():
    text = _run("list", "--cog", "2023-2027")
    rows = json.loads(_run("list", "--cog", "2023-2027", "--json"))
    blocks = text.split("\n")
    forms = [line.strip() for line in blocks if line.strip().startswith("forme : ")]
    assert len(forms) == len(rows)
    for line, r in zip(forms, rows):
        assert line.startswith("forme : " + r["forme_libelle"][:30])
    psy = text[text.index("PARCOURS_PSY_PATIENTS_NB"):]
    assert "PARCOURS_PSY_PATIENTS_DISTINCTS" in psy[:400]


def test_list_all_indicators_json_has_the_form_too():
    rows = json.loads(_run("list", "--json"))
    assert all((r["forme"], r["forme_calculee"]) == expected_form(r["code"]) for r in rows)


def test_the_automatic_ones_are_those_compute_gives_a_computed_form():
    listed = {r["code"] for r in json.loads(_run("list", "--cog", "2023-2027", "--json"))
              if r["forme"] == "remboursements_repli_declare"}
    res = cogind.compute({"prestations": prestations(claims()), "mesures": mesures()},
                         period="year", secret=False,
                         indicators=["PARCOURS_PSY_PATIENTS_NB", "IJ_MAL_DELAI_MOYEN"])
    formes = cogind.provenance(res)["formes"]
    assert set(formes) == {"PARCOURS_PSY_PATIENTS_NB"} and set(formes) <= listed


def test_describe_explains_the_automatic_form_on_both_codes():
    reported = _run("describe", "PARCOURS_PSY_PATIENTS_NB")
    computed = _run("describe", "DENTISTE_RECOURS_TAUX_CALCULE")
    assert "Forme automatique" in reported and "PARCOURS_PSY_PATIENTS_DISTINCTS" in reported
    assert "Forme automatique" in computed and "DENTISTE_RECOURS_TAUX" in computed
    assert "Forme automatique" not in _run("describe", "C2S_DELAI_D9")
