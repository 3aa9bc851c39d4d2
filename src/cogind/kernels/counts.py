"""Counts: rows in scope, and a proportion's numerator.

Proportion state per group: [n, numerator, valeur_manquante]; count state: [n].
"""
from numba import njit

from cogind.kernels import NULL

PROPORTION_REASONS = ("valeur_manquante",)


@njit(cache=True, nogil=True)
def update_proportion(state, group, flag):
    for i in range(group.shape[0]):
        g = group[i]
        if g < 0:
            continue
        f = flag[i]
        if f == NULL:
            state[g, 2] += 1
        else:
            state[g, 0] += 1
            state[g, 1] += f


@njit(cache=True, nogil=True)
def update_count(state, group):
    for i in range(group.shape[0]):
        g = group[i]
        if g >= 0:
            state[g, 0] += 1
