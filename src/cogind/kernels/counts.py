"""Counts: rows in scope, and a proportion's numerator.

Proportion state per group: [n, numerator, valeur_manquante]; count state: [n].
"""
from numba import njit

from cogind.kernels import NULL

PROPORTION_REASONS = ("valeur_manquante",)


@njit(cache=True, nogil=True)
def step_proportion(state, g, flag):
    if flag == NULL:
        state[g, 2] += 1
    else:
        state[g, 0] += 1
        state[g, 1] += flag


@njit(cache=True, nogil=True)
def update_proportion(state, group, flag):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_proportion(state, group[i], flag[i])


@njit(cache=True, nogil=True)
def step_count(state, g):
    state[g, 0] += 1


@njit(cache=True, nogil=True)
def update_count(state, group):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_count(state, group[i])
