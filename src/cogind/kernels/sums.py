"""Sums of amounts in integer cents, alone or as a ratio's numerator and denominator.

Sum state per group: [n, sum, montant_manquant, montant_negatif]. Ratio state: [n, sum_num,
sum_den, numerateur_manquant, denominateur_manquant, montant_negatif]. Share state (a ratio whose
numerator counts a part of its denominator's units): the ratio's and numerateur_superieur
(a row whose numerator exceeds its denominator).
"""
from numba import njit

from cogind.kernels import NULL

SUM_REASONS = ("montant_manquant", "montant_negatif")
RATIO_REASONS = ("numerateur_manquant", "denominateur_manquant", "montant_negatif")
SHARE_REASONS = RATIO_REASONS + ("numerateur_superieur",)


@njit(cache=True, nogil=True)
def step_sum(state, g, a):
    if a == NULL:
        state[g, 2] += 1
    elif a < 0:
        state[g, 3] += 1
    else:
        state[g, 0] += 1
        state[g, 1] += a


@njit(cache=True, nogil=True)
def update_sum(state, group, amount):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_sum(state, group[i], amount[i])


@njit(cache=True, nogil=True)
def step_ratio(state, g, a, b):
    if a == NULL:
        state[g, 3] += 1
    elif b == NULL:
        state[g, 4] += 1
    elif a < 0 or b < 0:
        state[g, 5] += 1
    else:
        state[g, 0] += 1
        state[g, 1] += a
        state[g, 2] += b


@njit(cache=True, nogil=True)
def update_ratio(state, group, num, den):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_ratio(state, group[i], num[i], den[i])


@njit(cache=True, nogil=True)
def step_share(state, g, a, b):
    if a != NULL and b != NULL and a > b >= 0:  # the ratio's reasons come first
        state[g, 6] += 1
    else:
        step_ratio(state, g, a, b)


@njit(cache=True, nogil=True)
def update_share(state, group, num, den):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_share(state, group[i], num[i], den[i])
