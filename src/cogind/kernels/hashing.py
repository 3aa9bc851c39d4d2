"""Row hashes of key columns, to share rows out to partitions (equal keys, equal hash)."""
import numpy as np
from numba import njit

_PRIME = np.uint64(0x100000001B3)
_BASIS = np.uint64(0xCBF29CE484222325)


@njit(cache=True, nogil=True)
def _mix(h):
    """splitmix64's finaliser: every input bit moves every output bit."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


@njit(cache=True, nogil=True)
def fold_values(values, valid, out):
    """``out[i]`` folded with the 64-bit ``values[i]`` (``valid[i]`` 0: a null, one constant)."""
    for i in range(out.shape[0]):
        v = values[i] if valid[i] else np.uint64(0x9E3779B97F4A7C15)
        out[i] = _mix(out[i] ^ v)


@njit(cache=True, nogil=True)
def fold_strings(offsets, data, valid, out):
    """``out[i]`` folded with the FNV-1a hash of string ``i`` (bytes ``offsets[i]:offsets[i+1]``
    of ``data``); a null folds one constant, distinct from the empty string's hash."""
    for i in range(out.shape[0]):
        h = _BASIS
        if valid[i]:
            for j in range(offsets[i], offsets[i + 1]):
                h = (h ^ np.uint64(data[j])) * _PRIME
        else:
            h = np.uint64(0x9E3779B97F4A7C15)
        out[i] = _mix(out[i] ^ h)
