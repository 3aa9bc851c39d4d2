"""Events and amounts per stratum (age band × sex × ALD status), for direct standardisation.

State per group: [n_0, sum_0, n_1, sum_1, …, n_{S-1}, sum_{S-1}, age_inconnu, sexe_inconnu,
ald_inconnue, montant_manquant, montant_negatif]: rows kept and sum of their amount (1 per row
when no amount is read) in each stratum s = (band × 2 + sex − 1) × n_ald + ald.
"""
from numba import njit

from cogind.kernels import NULL

REASONS = ("age_inconnu", "sexe_inconnu", "ald_inconnue", "montant_manquant", "montant_negatif")
MAX_AGE = 130  # older is a data error, counted as age_inconnu


@njit(cache=True, nogil=True)
def update_strata(state, group, band_of_age, n_ald, age, sex, ald, amount):
    """``band_of_age[a]``: band of age a (0..MAX_AGE); ``ald``/``amount`` empty when not read."""
    r0 = state.shape[1] - len(REASONS)
    has_ald = ald.shape[0] > 0
    has_amount = amount.shape[0] > 0
    for i in range(group.shape[0]):
        g = group[i]
        if g < 0:
            continue
        a = age[i]
        if a == NULL or a < 0 or a > MAX_AGE:
            state[g, r0] += 1
            continue
        x = sex[i]
        if x != 1 and x != 2:
            state[g, r0 + 1] += 1
            continue
        d = 0
        if has_ald:
            d = ald[i]
            if d != 0 and d != 1:
                state[g, r0 + 2] += 1
                continue
        v = 1
        if has_amount:
            v = amount[i]
            if v == NULL:
                state[g, r0 + 3] += 1
                continue
            if v < 0:
                state[g, r0 + 4] += 1
                continue
        s = (band_of_age[a] * 2 + x - 1) * n_ald + d
        state[g, 2 * s] += 1
        state[g, 2 * s + 1] += v


def width(n_strata: int) -> int:
    return 2 * n_strata + len(REASONS)
