"""Registration-time checks of each measure family's fields (types, ranges, units, columns):
a wrong field is one :class:`~cogind.checks.FieldError` naming it, never a TypeError at compute
time. Each family's ``validate`` calls its function here."""
from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from cogind.checks import (FieldError, check_condition, check_kernel_fields, need_callable,
                           need_choice, need_column, need_int, need_real, need_text, need_type,
                           shown)

if TYPE_CHECKING:
    from cogind.model import Indicator
    from cogind.registry import Registry

DELAY_UNITS = ("jours", "heures", "minutes", "secondes")
"""Units of a delay, the smaller ones measured exactly on timestamps (microseconds)."""
UNIT_SIZE = {"jours": 86_400, "heures": 3_600, "minutes": 60, "secondes": 1}
"""Seconds per unit: a fractional threshold is restated in the largest unit it is whole in."""
MAX_BINS = 100_000
"""Largest ``max_delay``: one int64 histogram bin per unit and per caisse × month."""
NUMBERS = ("number", "integer")
KERNEL_STATISTICS = ("noyau", "proportion", "ratio", "moyenne")


def schema_of(indicator: Indicator, registry: Registry):
    return registry.tables[indicator.table]


def delay(m, indicator: Indicator, registry: Registry) -> None:
    """``Delay``: columns, statistic, unit, threshold (whole, in the unit), quantile, bounds."""
    need_choice(m.statistic, "statistic", ("moyenne", "quantile", "part_sous_seuil"))
    need_choice(m.unit, "unit", DELAY_UNITS)
    types = ("date", "datetime") if m.unit == "jours" else ("datetime",)
    for name in ("start", "end"):
        need_column(schema_of(indicator, registry), getattr(m, name), name, types)
    need_choice(m.missing_end, "missing_end", ("exclure", "hors_delai"))
    need_int(m.max_delay, "max_delay", 0, MAX_BINS)
    if m.statistic == "quantile":
        if isinstance(m.quantile, bool) or not isinstance(m.quantile, (int, float)) \
                or not 0 < m.quantile <= 1:
            raise FieldError("quantile", f"a quantile delay needs 0 < quantile ≤ 1, "
                                         f"not {shown(m.quantile)}")
    elif m.quantile is not None:
        raise FieldError("quantile", f"only a quantile delay has one (statistic is "
                                     f"{m.statistic})")
    if m.statistic == "part_sous_seuil":
        _threshold(m)
    elif m.threshold is not None:
        raise FieldError("threshold", f"only a share within a threshold (part_sous_seuil) has "
                                      f"one (statistic is {m.statistic})")
    if m.statistic == "moyenne" and m.missing_end != "exclure":
        raise FieldError("missing_end", "a mean delay cannot count open rows as late")


def _threshold(m) -> None:
    """A whole number of the delay's unit, 0 ≤ threshold ≤ max_delay; a fractional one is
    refused with the unit in which it is whole (1/60 heures: 1 minutes)."""
    t = m.threshold
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        raise FieldError("threshold", f"a share within a threshold needs a whole number of "
                                      f"{m.unit}, not {shown(t)}")
    if isinstance(t, float) or not 0 <= t <= m.max_delay:
        hint = _whole_in_smaller_unit(t, m.unit) if isinstance(t, float) else None
        raise FieldError("threshold", f"a share within a threshold needs a whole number of "
                                      f"{m.unit}, 0 ≤ threshold ≤ max_delay ({m.max_delay}), "
                                      f"not {t!r}{hint or ''}")


def _whole_in_smaller_unit(t: float, unit: str) -> str | None:
    """`` (write unit="minutes", threshold=1)`` when ``t`` (in ``unit``) is whole in a smaller
    unit, to the precision a float written as a fraction carries."""
    for smaller in DELAY_UNITS[DELAY_UNITS.index(unit):]:
        value = Fraction(t).limit_denominator(10_000) * UNIT_SIZE[unit] / UNIT_SIZE[smaller]
        if value.denominator == 1 and abs(float(value) - t * UNIT_SIZE[unit] /
                                          UNIT_SIZE[smaller]) < 1e-6:
            if smaller == unit:
                return f" (write threshold={int(value)})"
            return f" (write unit=\"{smaller}\", threshold={int(value)})"
    return None


def proportion(m, indicator: Indicator, registry: Registry) -> None:
    check_condition(m.numerator, schema_of(indicator, registry), "numerator")


def amount(m, indicator: Indicator, registry: Registry) -> None:
    """``Sum`` and ``Stock``: an amount column."""
    need_column(schema_of(indicator, registry), m.column, "column", NUMBERS)


def ratio_of_sums(m, indicator: Indicator, registry: Registry) -> None:
    for name in ("numerator", "denominator"):
        need_column(schema_of(indicator, registry), getattr(m, name), name, NUMBERS)
    need_real(m.scale, "scale", positive=True)


def evolution(m, indicator: Indicator, registry: Registry) -> None:
    if not callable(getattr(m.of, "kernel", None)) or not hasattr(m.of, "finalise"):
        raise FieldError("of", f"must be a measure family, not {shown(m.of)}")
    if getattr(m.of, "multi_period", False) and not getattr(m.of, "evolvable", False):
        raise FieldError("of", f"an evolution of {type(m.of).__name__} is not computable "
                               "(it is finalised over periods itself)")
    if m.base != "annee_precedente":
        need_int(m.base, "base", 1900, 2200)
    try:
        m.of.validate(indicator, registry)
    except FieldError as exc:
        raise exc.within("of") from exc


def kernel_measure(m, indicator: Indicator, registry: Registry) -> None:
    """``KernelMeasure``: the kernel, the finaliser, and what the declared statistic needs."""
    check_kernel_fields(m.custom)
    need_callable(m.finaliser, "finaliser")
    need_text(m.text, "text", empty=True)
    need_choice(m.statistic, "statistic", KERNEL_STATISTICS)
    need_real(m.scale, "scale", positive=True)
    need_text(m.cases_unit, "cases_unit", empty=m.statistic not in ("ratio", "moyenne"))
    if m.squares is not None:
        if m.statistic != "moyenne":
            raise FieldError("squares", "only a mean (statistic moyenne) has a sum of squares")
        need_int(m.squares, "squares", 0, m.custom.width - len(m.custom.reasons) - 1)
    for name in ("interval_of", "cases_of"):
        if getattr(m, name) is not None:
            need_callable(getattr(m, name), name)


def standardised(m, indicator: Indicator, registry: Registry) -> None:
    schema = schema_of(indicator, registry)
    if m.numerator is not None:
        need_column(schema, m.numerator, "numerator")
    need_choice(m.numerator_kind, "numerator_kind", ("cents", "int"))
    need_real(m.scale, "scale", positive=True)
    need_type(m.age_bands, "age_bands", tuple, "a tuple of ages")
    for age in m.age_bands:
        need_int(age, "age_bands", 0, 130)
    for name in ("age_column", "sex_column") + (("ald",) if m.ald is not None else ()):
        need_column(schema, getattr(m, name), name)
    if m.reference is not None and not hasattr(m.reference, "weights"):
        need_int(m.reference, "reference", 1900, 2200)


def savings(m, indicator: Indicator, registry: Registry) -> None:
    need_column(schema_of(indicator, registry), m.column, "column", NUMBERS)
    ref = m.reference
    if isinstance(ref, tuple):
        if len(ref) != 2:
            raise FieldError("reference", f"must be (first year, last year), not {shown(ref)}")
        for year in ref:
            need_int(year, "reference", 1900, 2200)
    else:
        need_int(ref, "reference", 2, 50)
