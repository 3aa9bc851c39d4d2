"""Periods as month ranges: calendar months, quarters and years, rolling 12 months, year to date.

A period is only a range of months (months since 1970-01); its figure is the sum of the monthly
states over that range (:meth:`cogind.engine.core.MonthGrid.rows`), never a second read of the data.
Rolling and year-to-date windows are labelled as ISO 8601 month intervals (``2023-04/2024-03``):
two periods with the same label cover the same months, so they carry the same figures.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cogind.errors import ConfigError

CALENDAR_SIZES = {"month": 1, "quarter": 3, "year": 12}
WINDOW_KINDS = ("rolling12", "ytd")
PERIOD_KINDS = (*CALENDAR_SIZES, *WINDOW_KINDS)
PERIOD_NAMES = {"month": "month", "mois": "month", "quarter": "quarter", "trimestre": "quarter",
                "year": "year", "annee": "year", "année": "year", "rolling12": "rolling12",
                "glissant12": "rolling12", "ytd": "ytd", "cumul": "ytd", "span": "span",
                "pluriannuel": "span"}
"""Every period name ``compute`` accepts, English and French, → the period kind (the CLI's
``--period`` choices, ``cli.common.PERIODS``, are among them: a test checks each)."""


@dataclass(frozen=True)
class Period:
    """Months ``first_month``..``last_month`` (months since 1970-01), shown as ``label``."""

    label: str
    first_month: int
    last_month: int

    @property
    def year(self) -> int:
        """Year of the last month: the target year of a rolling window ending in it."""
        return 1970 + self.last_month // 12

    @property
    def start(self) -> dt.date:
        return month_start(self.first_month)

    @property
    def end(self) -> dt.date:
        return month_start(self.last_month + 1) - dt.timedelta(days=1)

    def shifted(self, months: int) -> Period:
        """The same window ``months`` earlier (an evolution's base period)."""
        first, last = self.first_month - months, self.last_month - months
        return Period(interval_label(first, last), first, last)


def month_start(m: int) -> dt.date:
    return dt.date(1970 + m // 12, m % 12 + 1, 1)


def month_label(m: int) -> str:
    return f"{1970 + m // 12}-{m % 12 + 1:02d}"


def month_number(label: str) -> int:
    """``YYYY-MM`` to months since 1970-01."""
    year, month = (int(x) for x in str(label).split("-"))
    if not 1 <= month <= 12:
        raise ValueError(label)
    return (year - 1970) * 12 + month - 1


def interval_label(first: int, last: int) -> str:
    return f"{month_label(first)}/{month_label(last)}"


def periods_between(first: int, last: int, kind: str) -> list[Period]:
    """Periods of ``kind`` for data covering months ``first``..``last``.

    Calendar periods (month, quarter, year) that overlap the data; rolling 12 months and year to
    date: one window ending at each month, kept only when it starts within the data (a window
    reaching before the first month would pass a few months off as twelve).
    """
    if kind not in PERIOD_KINDS:
        raise ConfigError(f"unknown period '{kind}' (expected {', '.join(PERIOD_KINDS)})")
    if kind in WINDOW_KINDS:
        return _windows(first, last, kind)
    size = CALENDAR_SIZES[kind]
    out, m = [], first - first % size
    while m <= last:
        y, r = 1970 + m // 12, m % 12
        label = {1: f"{y}-{r + 1:02d}", 3: f"{y}-T{r // 3 + 1}", 12: f"{y}"}[size]
        out.append(Period(label, m, m + size - 1))
        m += size
    return out


def _windows(first: int, last: int, kind: str) -> list[Period]:
    out = []
    for m in range(first, last + 1):
        start = m - 11 if kind == "rolling12" else m - m % 12
        if start >= first:
            out.append(Period(interval_label(start, m), start, m))
    return out
