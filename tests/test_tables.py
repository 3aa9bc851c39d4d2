"""Terminal tables: one renderer (cogind.formatting.table) for compute, diff and spread —
numbers right-aligned, long cells wrapped between words, never cut mid-word."""
from __future__ import annotations

import re

import pyarrow as pa

from cogind import formatting as F
from cogind.io.output import STATUS_WIDTH, render

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
    spans, lines = columns(text)
    status = [line[spans[7][0]:] for line in lines[1:]]
    assert all(len(s) <= STATUS_WIDTH for s in status)
    assert "…" not in text
