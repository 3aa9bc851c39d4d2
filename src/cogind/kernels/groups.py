"""Group index of each row: caisse slot × month, -1 for rows out of scope."""
import numpy as np
from numba import njit

from cogind.kernels import NULL, OUTSIDE


@njit(cache=True, nogil=True)
def month_of_day(days):
    """Months since 1970-01 of a day count since 1970-01-01 (proleptic Gregorian, H. Hinnant)."""
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    return (y - 1970) * 12 + (m - 1)


TABLE_FIRST_DAY = -25567  # 1900-01-01
TABLE_DAYS = 109572  # to 2199-12-31


def month_table() -> np.ndarray:
    """Month of each day from 1900 to 2199: a lookup is cheaper than the calendar arithmetic."""
    days = np.arange(TABLE_FIRST_DAY, TABLE_FIRST_DAY + TABLE_DAYS, dtype=np.int64)
    ym = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return ym.astype(np.int32)


MONTH_TABLE = month_table()


@njit(cache=True, nogil=True)
def in_lookup(values, lut, low, out):
    """``out[i]`` = ``values[i]`` is a code whose entry ``lut[code - low]`` is true."""
    size = lut.shape[0]
    for i in range(values.shape[0]):
        k = values[i] - low
        out[i] = 0 <= k < size and lut[k]


@njit(cache=True, nogil=True)
def values_with_nulls(values, validity, offset, out):
    """``out[i]`` = ``values[i]``, or NULL where bit ``offset + i`` of the validity bitmap is 0."""
    for i in range(values.shape[0]):
        j = offset + i
        if (validity[j >> 3] >> (j & 7)) & 1:
            out[i] = values[i]
        else:
            out[i] = NULL


@njit(cache=True, nogil=True)
def rescaled_with_nulls(values, validity, offset, mul, div, out):
    """``out[i]`` = ⌊values[i] × mul / div⌋, or NULL where bit ``offset + i`` of ``validity``
    is 0 (an empty ``validity``: no nulls). One pass: timestamps to days or microseconds.

    The quotient is taken in floating point, then corrected to the exact floor (a division by
    a runtime integer costs several times more than a multiplication)."""
    check = validity.shape[0] > 0
    inv = 1.0 / div
    for i in range(values.shape[0]):
        x = np.int64(values[i]) * mul
        q = x
        if div != 1:
            q = np.int64(np.floor(x * inv))
            if q * div > x:
                q -= 1
            elif (q + 1) * div <= x:
                q += 1
        if check:
            j = offset + i
            if not (validity[j >> 3] >> (j & 7)) & 1:
                q = NULL
        out[i] = q


@njit(cache=True, nogil=True)
def cents_with_nulls(values, validity, offset, low, high, out):
    """``out[i]`` = euros ``values[i]`` in integer cents (rounded half to even, as NumPy's
    rint), NULL where the value is null, NaN or infinite, OUTSIDE where it is
    beyond ``[low, high]`` euros; returns how many are."""
    check = validity.shape[0] > 0
    outside = 0
    for i in range(values.shape[0]):
        v = values[i]
        ok = np.isfinite(v)
        if check:
            j = offset + i
            ok = ok and (validity[j >> 3] >> (j & 7)) & 1 == 1
        if not ok:
            out[i] = NULL
        elif v < low or v > high:
            out[i] = OUTSIDE
            outside += 1
        else:
            out[i] = np.int64(np.rint(v * 100.0))
    return outside


@njit(cache=True, nogil=True)
def flags_with_nulls(codes, validity, offset, hit, out):
    """``out[i]`` = ``hit[codes[i]]`` (1 when the code is one of the flag's values, else 0),
    NULL where the value is null; ``codes`` unsigned 8- or 16-bit, ``hit`` covering them."""
    check = validity.shape[0] > 0
    for i in range(codes.shape[0]):
        f = np.int64(hit[codes[i]])
        if check:
            j = offset + i
            if not (validity[j >> 3] >> (j & 7)) & 1:
                f = NULL
        out[i] = f
