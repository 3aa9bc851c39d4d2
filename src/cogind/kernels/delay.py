"""Delay between two events: count, sum and an integer histogram with an overflow bin.

State per group: [n, sum, sum of squares, open, hist(0..max_delay), overflow, debut_manquant,
fin_manquante, fin_avant_debut]. ``n`` counts delays kept (open ones included when they count as
late), ``sum`` and ``sum of squares`` the finite delays, ``open`` rows with no end event. Exact
means, variances and quantiles follow.
"""
import numpy as np
from numba import njit

from cogind.kernels import NULL

HEAD = 4  # n, sum, sum of squares, open
REASONS = ("debut_manquant", "fin_manquante", "fin_avant_debut")


@njit(cache=True, nogil=True)
def _step(state, g, s, e, divisor, open_is_late):
    """Add one row's delay (start ``s``, end ``e``, NULL when missing) to group ``g``."""
    width = state.shape[1]
    overflow = width - len(REASONS) - 1
    top = overflow - HEAD
    if s == NULL:
        state[g, width - 3] += 1
    elif e == NULL:
        if open_is_late:
            state[g, 0] += 1
            state[g, 3] += 1
            state[g, overflow] += 1
        else:
            state[g, width - 2] += 1
    elif e < s:
        state[g, width - 1] += 1
    else:
        d = (np.int64(e) - s + divisor - 1) // divisor  # ceiling: 48 h 00 min 01 s is 49 h
        state[g, 0] += 1
        state[g, 1] += d
        state[g, 2] += d * d
        state[g, HEAD + (d if d < top else top)] += 1


@njit(cache=True, nogil=True)
def _step_civil(state, g, s, e, open_is_late):
    """Add one row's delay in civil days between two microsecond timestamps: ordered on the
    instants (an end earlier the same day is fin_avant_debut), counted on the calendar days."""
    if s != NULL and e != NULL and e < s:
        state[g, state.shape[1] - 1] += 1
        return
    _step(state, g, _civil_day(s), _civil_day(e), 1, open_is_late)


@njit(cache=True, nogil=True)
def _civil_day(t):
    return t if t == NULL else t // DAY


DAY = 86_400_000_000
HOUR = 3_600_000_000  # hours are measured on microsecond timestamps: 48 h 0.5 s is 49 h
MINUTE = 60_000_000
SECOND = 1_000_000
DIVISORS = {"jours": 1, "heures": HOUR, "minutes": MINUTE, "secondes": SECOND}
"""Each unit's size in its input kind: days for ``jours``, microseconds for the others."""


@njit(cache=True, nogil=True)
def step_days(state, g, start, end):
    _step(state, g, start, end, 1, False)


@njit(cache=True, nogil=True)
def step_days_open_late(state, g, start, end):
    _step(state, g, start, end, 1, True)


@njit(cache=True, nogil=True)
def step_civil_days(state, g, start, end):
    _step_civil(state, g, start, end, False)


@njit(cache=True, nogil=True)
def step_civil_days_open_late(state, g, start, end):
    _step_civil(state, g, start, end, True)


@njit(cache=True, nogil=True)
def step_hours(state, g, start, end):
    _step(state, g, start, end, HOUR, False)


@njit(cache=True, nogil=True)
def step_hours_open_late(state, g, start, end):
    _step(state, g, start, end, HOUR, True)


@njit(cache=True, nogil=True)
def step_minutes(state, g, start, end):
    _step(state, g, start, end, MINUTE, False)


@njit(cache=True, nogil=True)
def step_minutes_open_late(state, g, start, end):
    _step(state, g, start, end, MINUTE, True)


@njit(cache=True, nogil=True)
def step_seconds(state, g, start, end):
    _step(state, g, start, end, SECOND, False)


@njit(cache=True, nogil=True)
def step_seconds_open_late(state, g, start, end):
    _step(state, g, start, end, SECOND, True)


@njit(cache=True, nogil=True)
def update_days(state, group, start, end):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_days(state, group[i], start[i], end[i])


@njit(cache=True, nogil=True)
def update_days_open_late(state, group, start, end):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_days_open_late(state, group[i], start[i], end[i])


@njit(cache=True, nogil=True)
def update_civil_days(state, group, start, end):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_civil_days(state, group[i], start[i], end[i])


@njit(cache=True, nogil=True)
def update_civil_days_open_late(state, group, start, end):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_civil_days_open_late(state, group[i], start[i], end[i])


@njit(cache=True, nogil=True)
def update_hours(state, group, start, end):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_hours(state, group[i], start[i], end[i])


@njit(cache=True, nogil=True)
def update_hours_open_late(state, group, start, end):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_hours_open_late(state, group[i], start[i], end[i])


@njit(cache=True, nogil=True)
def update_minutes(state, group, start, end):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_minutes(state, group[i], start[i], end[i])


@njit(cache=True, nogil=True)
def update_minutes_open_late(state, group, start, end):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_minutes_open_late(state, group[i], start[i], end[i])


@njit(cache=True, nogil=True)
def update_seconds(state, group, start, end):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_seconds(state, group[i], start[i], end[i])


@njit(cache=True, nogil=True)
def update_seconds_open_late(state, group, start, end):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_seconds_open_late(state, group[i], start[i], end[i])


def width(max_delay: int) -> int:
    return HEAD + max_delay + 2 + len(REASONS)
