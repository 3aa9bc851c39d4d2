"""French numbers for everything a person reads (terminal, report, messages): one rule per unit.

``number(84.77, "%")`` → ``84,8 %``; ``number(4747504)`` → ``4 747 504``. Thousands are grouped
by U+202F NARROW NO-BREAK SPACE (the French « espace fine insécable », CLDR's ``fr`` group
separator); the decimal mark is a comma; a unit follows after U+00A0 NO-BREAK SPACE, so a
number and its unit never split across lines; the minus is ASCII ``-`` (CLDR ``fr``).
Rounding is half away from zero on the value as written in result files (its shortest
``repr``), as Excel and SAS round: ``0.25`` → ``0,3``. Result files never go through here.

This module imports nothing of cogind, so every layer can use it (docs/formats.md).
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

GROUP = "\u202f"
"""Thousands separator: narrow no-break space."""
UNIT_SPACE = "\u00a0"
"""Between a number and its unit: no-break space."""
MISSING = "–"
"""What stands for no value (None, NaN)."""

# unit as declared → (decimals, symbol shown); one precision rule per unit
RULES: dict[str, tuple[int, str]] = {
    "%": (1, "%"),
    "jours": (1, "j"), "j": (1, "j"),
    "heures": (1, "h"), "h": (1, "h"),
    "secondes": (1, "s"), "s": (1, "s"),
    "euros": (0, "€"), "€": (0, "€"),
    "M€": (1, "M€"),
    "nombre": (0, ""), "cas": (0, "cas"), "lignes": (0, "lignes"),
    "points": (1, "pts"), "pts": (1, "pts"),
    "ratio": (2, ""),
    "": (1, ""),
}
DEFAULT_DIGITS = 1
"""Decimals of a unit the table does not know (« €/bénéf. », « m² »: shown as declared)."""
MAX_DIGITS = 6
"""Most decimals :func:`separating` adds to tell two values apart."""
_QUANTA = [Decimal(1).scaleb(-d) for d in range(MAX_DIGITS + 4)]


def rule(unit: str | None) -> tuple[int, str]:
    """(decimals, symbol) of ``unit``; « heures (arrondi …) » reads as « heures »."""
    unit = (unit or "").strip()
    if unit in RULES:
        return RULES[unit]
    head = unit.split(" ", 1)[0]
    if head in RULES and "(" in unit:
        return RULES[head]
    return DEFAULT_DIGITS, unit


def digits(unit: str | None) -> int:
    """Decimals shown for ``unit``."""
    return rule(unit)[0]


def number(value, unit: str | None = "", *, places: int | None = None,
           sign: bool = False) -> str:
    """``value`` in French with its unit's precision (``places`` overrides it); ``sign``: a
    leading ``+`` on positive values (changes); ``–`` for None or NaN; an ``int`` without a
    unit is a count (no decimals)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    places_, symbol = rule(unit)
    if isinstance(value, int) and not symbol:
        places_ = 0  # an int without a unit is a count
    text = plain(value, places_ if places is None else places, sign=sign)
    return f"{text}{UNIT_SPACE}{symbol}" if symbol else text


def plain(value, places: int = 0, *, sign: bool = False) -> str:
    """``value`` rounded half away from zero to ``places`` decimals, grouped, comma decimal."""
    if isinstance(value, float) and math.isinf(value):
        return ("-" if value < 0 else "+" if sign else "") + "∞"
    if isinstance(value, int) and places == 0:
        body, negative = f"{abs(value):,}".replace(",", GROUP), value < 0
    else:
        exact = Decimal(repr(float(value)) if not isinstance(value, int) else value)
        rounded = exact.quantize(_QUANTA[places], rounding=ROUND_HALF_UP)
        negative = rounded < 0
        body = f"{abs(rounded):,.{places}f}".replace(",", GROUP).replace(".", ",")
    return ("-" if negative else "+" if sign and body.strip("0,\u202f") else "") + body


def count(n: int, noun: str = "") -> str:
    """``count(80000, "lignes")`` → ``80 000 lignes``."""
    text = plain(int(n))
    return f"{text}{UNIT_SPACE}{noun}" if noun else text


def separating(a, b, unit: str | None = "") -> int:
    """Fewest decimals, from the unit's own, at which ``a`` and ``b`` read differently (the
    unit's when equal, missing or still equal at ``MAX_DIGITS`` more): « 1,14 % » against a target « 1,1 % », not « 1,1 % » twice."""
    base = digits(unit)
    if a is None or b is None or a == b or any(isinstance(x, float) and not math.isfinite(x)
                                              for x in (a, b)):
        return base
    for places in range(base, base + MAX_DIGITS + 1):
        if plain(a, places) != plain(b, places):
            return places
    return base


def pair(a, b, unit: str | None = "") -> tuple[str, str]:
    """``a`` and ``b`` at the precision that tells them apart (value and target)."""
    places = separating(a, b, unit)
    return number(a, unit, places=places), number(b, unit, places=places)
