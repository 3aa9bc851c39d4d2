"""Days as int32 counts since 1970-01-01: drawing them with seasonality, months, weekdays."""
from __future__ import annotations

import functools

import numpy as np

from cogind.synth.levels import LOCKDOWN, MONTHLY, WEEKLY
from cogind.synth.sampling import Alias

# Lookup tables over 1970-2119 replace datetime64 conversions in hot loops.
_SPAN = np.arange(0, np.datetime64("2120-01-01", "D").astype(np.int64), dtype=np.int64)
_MONTHS = _SPAN.astype("datetime64[D]").astype("datetime64[M]")
_MONTH_INDEX = (_MONTHS.astype(np.int64) % 12).astype(np.int8)
_NEXT_MONTH = (_MONTHS + np.timedelta64(1, "M")).astype("datetime64[D]").astype(np.int32)


def day_number(iso: str) -> int:
    """Day count since the epoch of an ISO date."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def year_bounds(year: int) -> tuple[int, int]:
    """First day and first day of the next year."""
    return day_number(f"{year}-01-01"), day_number(f"{year + 1}-01-01")


def month_index(days: np.ndarray) -> np.ndarray:
    """Month 0-11 of each day (1970-2119)."""
    return _MONTH_INDEX[days]


def weekday(days: np.ndarray) -> np.ndarray:
    """Weekday of each day, Monday = 0 (1970-01-01 was a Thursday)."""
    return ((days.astype(np.int64) + 3) % 7).astype(np.int8)


def next_month_start(days: np.ndarray) -> np.ndarray:
    """First day of the month after each day (1970-2119)."""
    return _NEXT_MONTH[days]


def day_weights(table: str, year: int) -> np.ndarray:
    """Relative volume of a table on each day of ``year``: month x weekday x lockdown."""
    start, stop = year_bounds(year)
    days = np.arange(start, stop, dtype=np.int64)
    w = np.asarray(MONTHLY[table])[month_index(days)] * np.asarray(WEEKLY[table])[weekday(days)]
    if table in LOCKDOWN:
        first, last, factor = LOCKDOWN[table]
        w[(days >= day_number(first)) & (days <= day_number(last))] *= factor
    return w


def first_day_of_month(year: int, month: int) -> int:
    """Day count of the first day of ``month`` (0-11) of ``year``."""
    return day_number(f"{year}-{month + 1:02d}-01")


@functools.cache
def _day_alias(table: str, year: int, since: int) -> Alias:
    skip = first_day_of_month(year, since) - year_bounds(year)[0]
    return Alias(day_weights(table, year)[skip:])


def draw_days(rng: np.random.Generator, table: str, year: int, n: int,
              since: int = 0) -> np.ndarray:
    """``n`` days of ``year`` from month ``since`` (0-11) on, with the table's seasonality."""
    first = first_day_of_month(year, since)
    return first + _day_alias(table, year, since).draw(rng, n).astype(np.int32)


def window_share(table: str, year: int, since: int) -> float:
    """Share of a year's volume that falls from month ``since`` on."""
    w = day_weights(table, year)
    return float(w[first_day_of_month(year, since) - year_bounds(year)[0]:].sum() / w.sum())


def lognormal_days(rng: np.random.Generator, n: int, median, sigma: float) -> np.ndarray:
    """Integer day counts, floor of a log-normal with the given median (array or scalar)."""
    z = rng.standard_normal(n, dtype=np.float32)
    return np.floor(median * np.exp(sigma * z)).astype(np.int32)


def split_rows(total: int, weights: np.ndarray) -> list[int]:
    """Integers summing to ``total`` proportional to ``weights`` (largest remainder)."""
    exact = np.asarray(weights, dtype=float) * total / np.sum(weights)
    base = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return [int(x) for x in base]
