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
import re
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
LONGEST_SYMBOL = 10
"""A unit the table does not know is shown after the number up to this length; a longer
one (« unités d'œuvre par ETP ») is not repeated in every cell (``cogind describe`` says it)."""
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
    return DEFAULT_DIGITS, unit if len(unit) <= LONGEST_SYMBOL else ""


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


def exact(value, *, sign: bool = False) -> str:
    """``value`` with as many decimals as it has, no exponent: ``99.35`` → ``99,35``,
    ``1e6`` → ``1 000 000`` (the default wording of a declared target)."""
    return plain(value, _own_places(value), sign=sign)


def _own_places(value) -> int:
    if isinstance(value, int) or not math.isfinite(value):
        return 0
    return max(0, -Decimal(repr(float(value))).normalize().as_tuple().exponent)


def needed(value, unit: str | None = "") -> int:
    """Decimals that show ``value`` whole, at least the unit's: a target of ``1.12`` % needs
    2, of ``84.0`` % the unit's 1 (so « 84,00 % » is never printed beside « 84,8 % »)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return digits(unit)
    return max(digits(unit), min(_own_places(value), digits(unit) + MAX_DIGITS))


_BARE = re.compile(r"^([≥≤<>]?)\s*([-+]?)\d[\d \u202f\u00a0]*(?:[,.]\d+)?\s*(%?)$")


_BETWEEN = re.compile(r"^(\d+(?:,\d+)?)\s*%?\s*-\s*(\d+(?:,\d+)?)\s*(%?)$")  # « 45 %-55 % »


def target(label: str | None, value, unit: str | None = "", places: int | None = None) -> str:
    """A target as shown beside values: a label that is only a number (« 84,00 % »,
    « ≥ 200000 ») by the unit's rule (:func:`needed` decimals); COG wording (« -5 % par
    rapport à 2021 », « 45 %-55 % ») as written (:func:`typeset`); ``places`` to match the
    value beside it (:func:`against`)."""
    if not label:
        return MISSING
    between = _BETWEEN.match(label.strip())
    if between and (not between.group(3) or rule(unit)[1] == "%"):
        low, high = (float(g.replace(",", ".")) for g in between.group(1, 2))
        places = max(needed(low, unit), needed(high, unit)) if places is None else places
        return f"{number(low, unit, places=places)}-{number(high, unit, places=places)}"
    m = _BARE.match(label.strip())
    if m is None or value is None or (m.group(3) and rule(unit)[1] != "%"):
        return typeset(label)
    places = needed(value, unit) if places is None else places
    text = number(value, unit, places=places, sign=m.group(2) == "+")
    return f"{m.group(1)}{UNIT_SPACE}{text}" if m.group(1) else text


_SPACED_UNIT = re.compile(r"(?<=\d) ?(?=%)|(?<=\d) (?=€|j\b|h\b)")
_SPACED_GROUP = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")
_BARE_INT = re.compile(r"(?<![\w,.])\d{5,}(?![\w,.])")  # « 10000 », not a code or a decimal


def typeset(text: str) -> str:
    """Wording as written (a COG's « 45 %-55 % », « 100 000 », « 10000 ») with this module's
    spaces: the no-break space before a unit, the narrow one between thousands."""
    text = _BARE_INT.sub(lambda m: plain(int(m.group(0))), text)
    return _SPACED_GROUP.sub(GROUP, _SPACED_UNIT.sub(UNIT_SPACE, text))


def against(value, goal, unit: str | None = "") -> int:
    """Decimals of a value shown beside its target ``goal``: the target's own (:func:`needed`)
    or more, until the two read differently."""
    return max(needed(goal, unit), separating(value, goal, unit))


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


# --------------------------------------------------------------------------- terminal tables


def table(header, rows, *, right=(), wrap=None, sep="  ") -> str:
    """A fixed-width text table: a header, a rule, one line per row (more where a cell wraps).

    ``right``: indexes of columns aligned right (numbers); ``wrap``: {index: width} of columns
    wrapped between words at that width (a word longer than it stays whole), never cut.
    """
    import textwrap

    wrap = wrap or {}
    right = set(right)
    cells = [[_cell(str(c), wrap.get(i), textwrap) for i, c in enumerate(row)] for row in rows]
    widths = [max([len(h)] + [len(part) for row in cells for part in row[i]])
              for i, h in enumerate(header)]
    out = [_line(header, widths, right, sep), sep.join("-" * w for w in widths)]
    for row in cells:
        for k in range(max(len(parts) for parts in row)):
            out.append(_line([p[k] if k < len(p) else "" for p in row], widths, right, sep))
    return "\n".join(out)


_NO_BREAK_BEFORE = re.compile(r" (?=[%€;:!?»)])")
"""A line never starts with « % », « ; », « ) »…: the space before them does not break."""


def _cell(text: str, width: int | None, textwrap) -> list[str]:
    if width is None or len(text) <= width:
        return [text]
    text = _NO_BREAK_BEFORE.sub(UNIT_SPACE, text)
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]


def _line(cells, widths, right, sep) -> str:
    return sep.join(c.rjust(w) if i in right else c.ljust(w)
                    for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
