"""64-bit row hashes of key columns, folded column by column (equal keys, equal hash).

A column's value hash is the 64-bit integer itself, or the FNV-1a hash of a string's bytes, or
:data:`NULL` for a null; a row's hash folds its columns' value hashes in key order. A dictionary
column hashes its entries once and gathers them by index, so a dictionary-encoded file and a
plain one give the same hashes. Equal hashes only propose duplicates: callers confirm them on
the key values.
"""
import numpy as np
from numba import njit

_PRIME = np.uint64(0x100000001B3)
_BASIS = np.uint64(0xCBF29CE484222325)
NULL = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, nogil=True)
def _mix(h):
    """splitmix64's finaliser: every input bit moves every output bit."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


@njit(cache=True, nogil=True)
def _valid(bitmap, offset, i):
    """Arrow validity bit of row ``i`` (an empty ``bitmap``: no nulls)."""
    if bitmap.shape[0] == 0:
        return True
    j = offset + i
    return (bitmap[j >> 3] >> (j & 7)) & 1 == 1


@njit(cache=True, nogil=True)
def value_hashes(values, bitmap, offset, out):
    """``out[i]`` = the 64-bit ``values[i]``, or NULL where row ``i`` is null."""
    for i in range(out.shape[0]):
        out[i] = values[i] if _valid(bitmap, offset, i) else NULL


@njit(cache=True, nogil=True)
def string_hashes(offsets, data, bitmap, offset, out):
    """``out[i]`` = FNV-1a of string ``i`` (bytes ``offsets[i]:offsets[i+1]`` of ``data``), or
    NULL where it is null."""
    for i in range(out.shape[0]):
        h = _BASIS
        if _valid(bitmap, offset, i):
            for j in range(offsets[i], offsets[i + 1]):
                h = (h ^ np.uint64(data[j])) * _PRIME
        else:
            h = NULL
        out[i] = h


@njit(cache=True, nogil=True)
def gather(entries, indices, bitmap, offset, out):
    """``out[i]`` = ``entries[indices[i]]`` (a dictionary's value hashes), or NULL where row
    ``i`` is null."""
    for i in range(out.shape[0]):
        out[i] = entries[indices[i]] if _valid(bitmap, offset, i) else NULL


@njit(cache=True, nogil=True)
def fold(out, column):
    """``out[i]`` folded with one column's value hash ``column[i]``."""
    for i in range(out.shape[0]):
        out[i] = _mix(out[i] ^ column[i])


@njit(cache=True, nogil=True)
def radix_sort(a):
    """``a`` sorted ascending (LSD radix, one byte per pass; a pass where every value shares
    the byte is skipped); ``a`` is used as scratch space."""
    n = a.shape[0]
    src, dst = a, np.empty_like(a)
    counts = np.zeros((8, 256), np.int64)
    for i in range(n):
        v = src[i]
        for p in range(8):
            counts[p, (v >> np.uint64(8 * p)) & np.uint64(255)] += 1
    offsets = np.empty(256, np.int64)
    for p in range(8):
        if counts[p].max() == n:
            continue
        total = 0
        for b in range(256):
            offsets[b] = total
            total += counts[p, b]
        shift = np.uint64(8 * p)
        for i in range(n):
            v = src[i]
            b = (v >> shift) & np.uint64(255)
            dst[offsets[b]] = v
            offsets[b] += 1
        src, dst = dst, src
    return src


@njit(cache=True, nogil=True)
def repeated(sorted_hashes):
    """The values that occur more than once in ``sorted_hashes`` (ascending), each once."""
    n = sorted_hashes.shape[0]
    out = np.empty(n // 2, np.uint64)
    k = 0
    i = 1
    while i < n:
        if sorted_hashes[i] == sorted_hashes[i - 1]:
            out[k] = sorted_hashes[i]
            k += 1
            while i < n and sorted_hashes[i] == out[k - 1]:
                i += 1
        else:
            i += 1
    return out[:k]


@njit(cache=True, nogil=True)
def by_top_byte(h):
    """(``h`` ordered by its values' top byte, stable; the 257 bounds of each byte's run)."""
    bounds = np.zeros(257, np.int64)
    for i in range(h.shape[0]):
        bounds[(h[i] >> np.uint64(56)) + 1] += 1
    for b in range(256):
        bounds[b + 1] += bounds[b]
    at = bounds[:256].copy()
    out = np.empty_like(h)
    for i in range(h.shape[0]):
        b = h[i] >> np.uint64(56)
        out[at[b]] = h[i]
        at[b] += 1
    return out, bounds


@njit(cache=True, nogil=True)
def member_table(values):
    """An open-addressing table of ``values`` (distinct), at least twice their number of
    slots; 0 marks an empty slot, so a value 0 is kept in the extra last slot."""
    size = 1
    while size < 2 * values.shape[0]:
        size <<= 1
    mask = np.uint64(size - 1)
    table = np.zeros(size + 1, np.uint64)
    for v in values:
        if v == 0:
            table[size] = 1
            continue
        j = v & mask
        while table[j] != 0:
            j = (j + np.uint64(1)) & mask
        table[j] = v
    return table


@njit(cache=True, nogil=True)
def members(hashes, table):
    """Positions ``i`` (ascending) where ``hashes[i]`` is in ``table`` (:func:`member_table`)."""
    size = table.shape[0] - 1
    mask = np.uint64(size - 1)
    out = np.empty(hashes.shape[0], np.int64)
    k = 0
    for i in range(hashes.shape[0]):
        h = hashes[i]
        if h == 0:
            found = table[size] == 1
        else:
            j = h & mask
            found = False
            while table[j] != 0:
                if table[j] == h:
                    found = True
                    break
                j = (j + np.uint64(1)) & mask
        if found:
            out[k] = i
            k += 1
    return out[:k]
