"""cogind.formatting: French numbers, one precision rule per unit, checked against an integer
reference (fractions, string slicing) that shares no code with it."""
from __future__ import annotations

import ast
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogind import formatting as F

NNBSP, NBSP = "\u202f", "\u00a0"


def reference(value: float, places: int) -> str:
    """Half away from zero on the shortest repr, integer arithmetic, groups of three."""
    exact = Fraction(repr(float(value)))
    scaled = abs(exact) * 10 ** places
    whole = int(scaled) + (1 if scaled - int(scaled) >= Fraction(1, 2) else 0)
    digits = str(whole).rjust(places + 1, "0")
    head, tail = digits[:len(digits) - places], digits[len(digits) - places:]
    groups = []
    while head:
        groups.insert(0, head[-3:])
        head = head[:-3]
    text = NNBSP.join(groups) + ("," + tail if places else "")
    return ("-" if exact < 0 and whole else "") + text


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
       st.sampled_from(sorted(F.RULES)))
def test_number_equals_the_reference(value, unit):
    places, symbol = F.RULES[unit]
    expected = reference(value, places) + (NBSP + symbol if symbol else "")
    assert F.number(value, unit) == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-10**15, max_value=10**15))
def test_counts_are_grouped_integers(n):
    assert F.count(n) == reference(n, 0)
    assert F.number(n) == reference(n, 0)


@pytest.mark.parametrize("value, unit, text", [
    (84.77, "%", "84,8\u00a0%"),
    (84.0, "%", "84,0\u00a0%"),
    (0.25, "", "0,3"),              # half away from zero, as Excel and SAS round
    (2.675, "ratio", "2,68"),       # on the repr, not the binary value 2.67499…
    (-0.04, "%", "0,0\u00a0%"),     # no « -0,0 »
    (4747504, "", "4\u202f747\u202f504"),
    (1234567.891, "euros", "1\u202f234\u202f568\u00a0€"),
    (-1234.5, "jours", "-1\u202f234,5\u00a0j"),
    (12.0, "heures (arrondi à l'heure supérieure)", "12,0\u00a0h"),
    (3.25, "€/bénéf.", "3,3\u00a0€/bénéf."),
    (13606.0, "unités d'œuvre par ETP", "13\u202f606,0"),  # too long to repeat in each cell
    (2.2, "points", "2,2\u00a0pts"),
    (None, "%", "–"),
    (float("nan"), "jours", "–"),
    (float("inf"), "", "∞"),
])
def test_one_rule_per_unit(value, unit, text):
    assert F.number(value, unit) == text


def test_sign_only_on_a_change_that_shows():
    assert F.number(2.2, "points", sign=True) == "+2,2\u00a0pts"
    assert F.number(-2.2, "points", sign=True) == "-2,2\u00a0pts"
    assert F.number(0.01, "%", sign=True) == "0,0\u00a0%"


def test_separating_precision_tells_value_and_target_apart():
    assert F.pair(1.14, 1.1, "%") == ("1,14\u00a0%", "1,10\u00a0%")
    assert F.pair(1.1, 1.1, "%") == ("1,1\u00a0%", "1,1\u00a0%")
    assert F.separating(84.0, 84.0001, "%") == 4
    assert F.separating(None, 3.0, "jours") == 1
    a, b = F.pair(0.10000001, 0.1, "%")
    assert a == b == "0,1\u00a0%"  # beyond MAX_DIGITS more decimals the unit's rule stays


def test_count_with_a_noun():
    assert F.count(80000, "lignes") == "80\u202f000\u00a0lignes"


def test_imports_nothing_of_cogind():
    tree = ast.parse(Path(F.__file__).read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [m for m in names if m.split(".")[0] == "cogind"]


def test_typeset_keeps_the_wording_with_french_spaces():
    assert F.typeset("+2,5%/2017") == "+2,5\u00a0%/2017"
    assert F.typeset("45 %-55 %") == "45\u00a0%-55\u00a0%"
    assert F.typeset("cible nationale (10000) en 2024, caisse 01C75100") == (
        "cible nationale (10\u202f000) en 2024, caisse 01C75100")
    assert F.typeset("100 000 bénéficiaires") == "100\u202f000 bénéficiaires"


@pytest.mark.parametrize("label, value, unit, text", [
    ("84,00 %", 84.0, "%", "84,0\u00a0%"),
    ("6600000", 6600000.0, "nombre", "6\u202f600\u202f000"),
    ("1,12 %", 1.12, "%", "1,12\u00a0%"),
    ("≥ 84 %", 84.0, "%", "≥\u00a084,0\u00a0%"),
    ("-5 % par rapport à 2021", -5.0, "%", "-5\u00a0% par rapport à 2021"),
    ("ND", None, "%", "ND"),
    ("45 %-55 %", 50.0, "%", "45,0\u00a0%-55,0\u00a0%"),  # an interval: both bounds
    (None, None, "%", "–"),
])
def test_target_labels_as_shown(label, value, unit, text):
    assert F.target(label, value, unit) == text


def test_list_and_describe_show_targets_in_french():
    """« 6600000 » in `cogind list` (issue 23): every bare target of every COG is French."""
    from click.testing import CliRunner

    from cogind.cli import cli
    from cogind.plugins import build_registry

    runner = CliRunner()
    registry = build_registry()
    for cog in registry.cogs:
        r = runner.invoke(cli, ["list", "--cog", cog])
        assert r.exit_code == 0, r.output
        # no ungrouped « 6600000 », no ordinary space before « % » (« 2014 600 » is a year)
        assert not re.search(r"(?<![\w.,])\d{5,}|(?<![\w,])\d+(?:,\d+)? %", r.stdout), cog
    assert "2018 6\u202f600\u202f000" in runner.invoke(cli, ["list", "--cog", "2018-2022"]).stdout
    d = runner.invoke(cli, ["describe", "SATISFACTION_ASSURES_TAUX"])
    text = re.sub(r"\s*\n\s*", " ", d.stdout)  # lines wrapped at ordinary spaces
    assert d.exit_code == 0 and "2024 : 84,0\u00a0%" in text and "2024 : 84,00" not in text
