"""Row scope and group of each row, decided on the raw Arrow buffers in one loop per step.

A row's verdict is a set of bits: none in scope, bit 0 ruled out by a condition, bit 1 a null
in a scope column (undecided, unless a condition rules the row out). Codes are read as they are stored (int8 dictionary
indices, int16 codes…) with their validity bitmap; a lookup table says which codes hit.
"""
import numpy as np
from numba import njit

from cogind.kernels import NULL
from cogind.kernels.groups import TABLE_FIRST_DAY
from cogind.kernels.rows import (RULED_OUT, UNDECIDED, bit, place_rare, rule_narrow,
                                 rule_wide_code)


@njit(cache=True, nogil=True)
def rule_condition(codes, validity, offset, ruled_out, verdict):
    """Fold one condition into ``verdict``: ``ruled_out[code]`` is 1 for a code the condition
    rules out. ``codes`` are unsigned 8- or 16-bit (a view of the stored codes) and
    ``ruled_out`` covers their whole range, so that no row takes a branch; an empty
    ``validity``: no nulls."""
    if validity.shape[0] == 0:
        for i in range(codes.shape[0]):
            verdict[i] |= ruled_out[codes[i]]
    else:
        for i in range(codes.shape[0]):
            verdict[i] |= rule_narrow(codes, validity, offset, ruled_out, i)


@njit(cache=True, nogil=True)
def rule_wide_condition(codes, validity, offset, ruled_out, low, outside, verdict):
    """:func:`rule_condition` for wider codes: ``ruled_out[code - low]`` within the table,
    ``outside`` (1: ruled out) beyond it."""
    check = validity.shape[0] > 0
    for i in range(codes.shape[0]):
        r = rule_wide_code(codes[i], ruled_out, low, outside)
        if check:
            valid = bit(validity, offset + i)
            r = (r & valid) | ((1 - valid) << 1)
        verdict[i] |= r


@njit(cache=True, nogil=True)
def rule_masks(yes, null, verdict):
    """Fold a condition decided elsewhere (``yes``, ``null`` masks) into ``verdict``."""
    has_null = null.shape[0] > 0
    for i in range(yes.shape[0]):
        if has_null and null[i]:
            verdict[i] |= UNDECIDED
        elif not yes[i]:
            verdict[i] |= RULED_OUT


@njit(cache=True, nogil=True)
def assign_groups(verdict, caisse, caisse_validity, caisse_offset, slot_of, days, days_validity,
                  days_offset, table, month0, n_months, keep_no_caisse, group, engine, undated):
    """``group[i]`` = slot × n_months + month − month0 of each row in scope, else -1.

    ``verdict``: bits of :func:`rule_condition` (empty: every row in scope); ``caisse``:
    unsigned dictionary indices of the caisse column, ``slot_of`` the slot of every possible
    index (0: none, -1: a code that is not a caisse's); ``days``: period dates (days since 1970, NULL or an invalid bit: none).
    Counted on the way: ``engine[cell, UNKNOWN_SCOPE]`` rows of undecided scope,
    ``engine[cell, NO_CAISSE]`` rows in scope with no caisse (unless ``keep_no_caisse``),
    ``engine[cell, UNKNOWN_CAISSE]`` rows in scope whose code is not a caisse's,
    ``undated[slot]`` rows in scope or undecided with no period date. The common rows (in
    scope, or ruled out) take no branch.
    """
    top = table.shape[0] - 1
    has_verdict = verdict.shape[0] > 0
    check_caisse = caisse_validity.shape[0] > 0
    check_days = days_validity.shape[0] > 0
    keep = 1 if keep_no_caisse else 0
    for i in range(days.shape[0]):
        v = verdict[i] if has_verdict else 0
        s = slot_of[caisse[i]]
        if check_caisse:
            j = caisse_offset + i
            s = s * ((caisse_validity[j >> 3] >> (j & 7)) & 1)
        d = np.int64(days[i])
        dated = d != NULL
        if check_days:
            j = days_offset + i
            dated = dated & ((days_validity[j >> 3] >> (j & 7)) & 1 == 1)
        k = d - TABLE_FIRST_DAY
        kc = min(max(k, 0), top)
        cell = s * n_months + (table[kc] - month0)
        ok = np.int64((v == 0) & dated & (k == kc) & ((s > 0) | ((s == 0) & (keep == 1))))
        group[i] = cell * ok + ok - 1  # cell, or -1: no branch on the row's scope
        if (ok | (v & RULED_OUT)) != 0:  # one test, taken by every common row
            continue
        group[i] = place_rare(v, s, d if dated else NULL, k == kc, cell, month0, n_months,
                              keep == 1, engine, undated)


@njit(cache=True, nogil=True)
def day_bounds(days):
    """(first, last, count) of the non-null days (NULL marks a null)."""
    lo = np.iinfo(np.int64).max
    hi = np.iinfo(np.int64).min
    n = 0
    for i in range(days.shape[0]):
        d = days[i]
        if d == NULL:
            continue
        n += 1
        if d < lo:
            lo = d
        if d > hi:
            hi = d
    return lo, hi, n
