"""Exact distinct beneficiaries: sorted runs of (month, id) → the caisse of the last claim.

An id is encoded losslessly in two int64 words (6 bits a character, ``[0-9A-Za-z_]``, at most
20 characters: 10 per word, 0 as padding), so equal words are equal ids, never a hash
collision. A run is five arrays sorted by (month, hi, lo), one entry per (month, id): the day
of that id's last claim in the month and its caisse key (ties on the day: the smallest key).
Merging two runs keeps, for each (month, id), the later claim: associative and commutative.
"""
import numpy as np
from numba import njit

MAX_CHARS = 20
OK, ID_NULL, ID_BAD = 0, 1, 2


@njit(cache=True, nogil=True)
def _code(c):
    if 48 <= c <= 57:
        return c - 47  # 0-9 → 1-10
    if 65 <= c <= 90:
        return c - 54  # A-Z → 11-36
    if 97 <= c <= 122:
        return c - 60  # a-z → 37-62
    if c == 95:
        return 63  # _
    return -1


@njit(cache=True, nogil=True)
def encode_ids(offsets, data, bitmap, offset, hi, lo, status):
    """``hi``/``lo``: the two words of string ``i``; ``status[i]``: OK, ID_NULL or ID_BAD
    (empty, longer than MAX_CHARS or a character outside the alphabet)."""
    for i in range(hi.shape[0]):
        j = offset + i
        if bitmap.shape[0] and not (bitmap[j >> 3] >> (j & 7)) & 1:
            status[i] = ID_NULL
            continue
        a, b = offsets[i], offsets[i + 1]
        n = b - a
        if n == 0 or n > MAX_CHARS:
            status[i] = ID_BAD
            continue
        h = np.int64(0)
        w = np.int64(0)
        bad = False
        for k in range(MAX_CHARS):
            c = _code(data[a + k]) if k < n else 0
            if c < 0:
                bad = True
                break
            if k < 10:
                h = (h << 6) | c
            else:
                w = (w << 6) | c
        if bad:
            status[i] = ID_BAD
            continue
        hi[i], lo[i], status[i] = h, w, OK


@njit(cache=True, nogil=True)
def _later(d1, c1, d2, c2):
    """Claim 1 wins: a later day, or the same day and a smaller caisse key."""
    return d1 > d2 or (d1 == d2 and c1 < c2)


@njit(cache=True, nogil=True)
def reduce_sorted(month, hi, lo, day, caisse, order):
    """The run of rows taken in ``order`` (sorted by month, hi, lo): one entry per key."""
    n = order.shape[0]
    om = np.empty(n, np.int32)
    oh = np.empty(n, np.int64)
    ol = np.empty(n, np.int64)
    od = np.empty(n, np.int32)
    oc = np.empty(n, np.int64)
    k = -1
    for t in range(n):
        i = order[t]
        if k >= 0 and om[k] == month[i] and oh[k] == hi[i] and ol[k] == lo[i]:
            if _later(day[i], caisse[i], od[k], oc[k]):
                od[k], oc[k] = day[i], caisse[i]
            continue
        k += 1
        om[k], oh[k], ol[k], od[k], oc[k] = month[i], hi[i], lo[i], day[i], caisse[i]
    k += 1
    return om[:k], oh[:k], ol[:k], od[:k], oc[:k]


@njit(cache=True, nogil=True)
def _before(m1, h1, l1, m2, h2, l2):
    return m1 < m2 or (m1 == m2 and (h1 < h2 or (h1 == h2 and l1 < l2)))


@njit(cache=True, nogil=True)
def merge_runs(am, ah, al, ad, ac, bm, bh, bl, bd, bc):
    """The run of two runs: sorted merge, the later claim kept for a key in both."""
    n = am.shape[0] + bm.shape[0]
    om = np.empty(n, np.int32)
    oh = np.empty(n, np.int64)
    ol = np.empty(n, np.int64)
    od = np.empty(n, np.int32)
    oc = np.empty(n, np.int64)
    i = j = k = 0
    while i < am.shape[0] or j < bm.shape[0]:
        if j == bm.shape[0] or (i < am.shape[0] and _before(am[i], ah[i], al[i],
                                                           bm[j], bh[j], bl[j])):
            om[k], oh[k], ol[k], od[k], oc[k] = am[i], ah[i], al[i], ad[i], ac[i]
            i += 1
        elif i == am.shape[0] or _before(bm[j], bh[j], bl[j], am[i], ah[i], al[i]):
            om[k], oh[k], ol[k], od[k], oc[k] = bm[j], bh[j], bl[j], bd[j], bc[j]
            j += 1
        else:  # same key in both
            om[k], oh[k], ol[k] = am[i], ah[i], al[i]
            if _later(bd[j], bc[j], ad[i], ac[i]):
                od[k], oc[k] = bd[j], bc[j]
            else:
                od[k], oc[k] = ad[i], ac[i]
            i += 1
            j += 1
        k += 1
    return om[:k], oh[:k], ol[:k], od[:k], oc[:k]


@njit(cache=True, nogil=True)
def attribute(hi, lo, day, caisse, order, winner):
    """Over the entries taken in ``order`` (sorted by hi, lo): ``winner`` gets, per distinct
    id, the caisse key of its last claim; returns the number of distinct ids."""
    k = -1
    bd = np.int32(0)
    last_h = np.int64(0)
    last_l = np.int64(0)
    for t in range(order.shape[0]):
        i = order[t]
        if k >= 0 and hi[i] == last_h and lo[i] == last_l:
            if _later(day[i], caisse[i], bd, winner[k]):
                bd, winner[k] = day[i], caisse[i]
            continue
        k += 1
        last_h, last_l, bd, winner[k] = hi[i], lo[i], day[i], caisse[i]
    return k + 1
