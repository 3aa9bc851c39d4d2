"""One row at a time: the readers and the placement a fused table loop calls for each row.

A reader turns element ``i`` of a raw Arrow buffer with nulls into the int64 a kernel step
reads (nulls as :data:`NULL`) or into scope verdict bits; :data:`PLACE` turns a row's verdict,
caisse slot and period day into its group, counting the rows the engine excludes.
:mod:`cogind.engine.fused` calls them all in one loop per table; the whole-array loops of
:mod:`cogind.kernels.scope` (the separate path, for small tables and kernels without a
``step``) share their scope readers. A column with no null in a batch is read without its
bitmap (the loop is generated for it): reading the bit halved the speed of the claims loop.
Whole-array loops are given a bitmap of ones instead: a test of its presence inside a row
loop costs more than the bit itself.
"""
import numpy as np
from numba import njit

from cogind.kernels import NULL, OUTSIDE
from cogind.kernels.groups import TABLE_FIRST_DAY, month_of_day  # noqa: F401 (PLACE's names)

RULED_OUT, UNDECIDED = 1, 2
# engine counts, as cogind.engine.core.ENGINE_REASONS
UNKNOWN_SCOPE, NO_CAISSE, DOUBLON, OUT_OF_BOUNDS, UNKNOWN_CAISSE = 0, 1, 2, 3, 4
ENGINE_WIDTH = 5


@njit(cache=True, nogil=True)
def bit(validity, j):
    """Bit ``j`` of a validity bitmap: 1 for a value, 0 for a null."""
    return (validity[j >> 3] >> (j & 7)) & 1


@njit(cache=True, nogil=True)
def read_int(values, validity, offset, i):
    """An integer or date32 value, NULL when null."""
    return np.int64(values[i]) if bit(validity, offset + i) else NULL


@njit(cache=True, nogil=True)
def floor_div(x, div, inv):
    """⌊x / div⌋ exactly, for div ≥ 1 (``inv`` = 1 / div): a floating quotient, corrected;
    a division by a runtime integer costs several times more than a multiplication."""
    if div == 1:
        return x
    q = np.int64(np.floor(x * inv))
    if q * div > x:
        q -= 1
    elif (q + 1) * div <= x:
        q += 1
    return q


@njit(cache=True, nogil=True)
def read_rescaled(values, validity, offset, mul, div, inv, i):
    """⌊value × mul / div⌋ of a timestamp or date64 value (days, microseconds); NULL when
    null."""
    if not bit(validity, offset + i):
        return NULL
    return floor_div(np.int64(values[i]) * mul, div, inv)


@njit(cache=True, nogil=True)
def cents(v):
    """Euros to integer cents (rounded half to even, as NumPy's rint), NULL for NaN or ±inf."""
    return np.int64(np.rint(v * 100.0)) if np.isfinite(v) else NULL


@njit(cache=True, nogil=True)
def cents_within(v, low, high):
    """:func:`cents` of an amount in ``[low, high]`` euros, :data:`OUTSIDE` beyond (tested in
    euros, before the conversion: the cents of any amount within fit an int64)."""
    if not np.isfinite(v):
        return NULL
    if v < low or v > high:
        return OUTSIDE
    return np.int64(np.rint(v * 100.0))


@njit(cache=True, nogil=True)
def read_cents(values, validity, offset, low, high, i):
    """:func:`cents_within` of a value; NULL when null, NaN or infinite."""
    return cents_within(values[i], low, high) if bit(validity, offset + i) else NULL


@njit(cache=True, nogil=True)
def read_flag(codes, validity, offset, hit, i):
    """1 when the 8/16-bit code is one of the flag's values (``hit[code]``), else 0; NULL when
    null."""
    return np.int64(hit[codes[i]]) if bit(validity, offset + i) else NULL


@njit(cache=True, nogil=True)
def read_slot(codes, validity, offset, slot_of, i):
    """The caisse slot of a row from its dictionary index (0: no caisse)."""
    return slot_of[codes[i]] * bit(validity, offset + i)


@njit(cache=True, nogil=True)
def rule_narrow(codes, validity, offset, ruled_out, i):
    """Verdict bits of one condition on an 8/16-bit code: ``ruled_out[code]`` covers every code,
    so that no row takes a branch."""
    valid = bit(validity, offset + i)
    return (ruled_out[codes[i]] & valid) | ((1 - valid) << 1)


@njit(cache=True, nogil=True)
def rule_wide_code(code, ruled_out, low, outside):
    """Verdict bit of one condition on a wider code: ``ruled_out[code - low]`` within the
    table, ``outside`` (1: ruled out) beyond it."""
    k = np.int64(code) - low
    kc = min(max(k, 0), ruled_out.shape[0] - 1)
    return ruled_out[kc] if k == kc else outside


@njit(cache=True, nogil=True)
def rule_wide(codes, validity, offset, ruled_out, low, outside, i):
    """:func:`rule_wide_code` with the row's validity (a null: undecided)."""
    valid = bit(validity, offset + i)
    return (rule_wide_code(codes[i], ruled_out, low, outside) & valid) | ((1 - valid) << 1)


CELL = """\
        k{p} = {day} - TABLE_FIRST_DAY
        kc{p} = min(max(k{p}, 0), top)
        m{p} = table[kc{p}] - month0
"""
"""The month index ``m`` of a row's period day (``k == kc``: within the month ``table``, whose
last index is ``top``), once per period column in the fused loop."""

PLACE = """\
        v = {verdict}
        g = {slot} * n_months + m{p}
        if not ((v == 0) & ({day} != NULL) & (k{p} == kc{p}) & ({slot} >= 1 - {keep})):
            g = -1 if v & RULED_OUT else place_rare(v, {slot}, {day}, k{p} == kc{p}, g, month0,
                                                    n_months, {keep}, {engine}, {undated})
"""
"""The group ``g`` of a row (slot × n_months + month − month0), or -1 when it is not counted,
as the fused loop writes it for each group, after :data:`CELL`.

``v``: verdict bits; ``slot``: caisse slot (0: none, -1: a code that is not a caisse's);
``day``: period day (NULL: none). A
common row (in scope, or ruled out) takes one test; the others go to :func:`place_rare`.
Written out in the loop rather than called: numba does not inline a called function with
early returns, and the call cost three times the loop (measured on the claims table)."""


@njit(cache=True, nogil=True)
def place_rare(v, s, d, in_table, cell, month0, n_months, keep_no_caisse, engine, undated):
    """A row not plainly in scope nor ruled out: counted where the engine counts it
    (``engine[cell, UNKNOWN_SCOPE]`` rows of undecided scope, ``engine[cell, NO_CAISSE]`` rows
    in scope with no caisse unless ``keep_no_caisse``, ``engine[cell, UNKNOWN_CAISSE]`` rows in
    scope whose code is not a caisse's (slot -1, counted in slot 0: the national row),
    ``undated[slot]`` rows in scope or undecided with no period date); its group when it is in
    fact counted (a date before 1900 or after 2199, placed by the calendar), else -1."""
    unknown = s < 0
    if unknown:  # counted as the rows with no caisse are: slot 0
        s = 0
        cell += n_months
    if d == NULL:  # in scope or undecided, no period date
        undated[s] += 1
        return -1
    if not in_table:  # before 1900 or after 2199: the calendar, not the table
        cell = s * n_months + (month_of_day(d) - month0)
    if v & UNDECIDED:
        engine[cell, UNKNOWN_SCOPE] += 1
        return -1
    if unknown:
        engine[cell, UNKNOWN_CAISSE] += 1
        return -1
    if s == 0 and not keep_no_caisse:
        engine[cell, NO_CAISSE] += 1
        return -1
    return cell
