"""Episodes (arrêts de travail) lasting beyond a threshold: the payments a cell keeps.

State per group: [payments kept, début ou paiement manquant, valeur manquante,
valeur négative, identifiant manquant, identifiant hors format]; the last two are counted by
the measure's side state, which reads the episode id (:mod:`cogind.measures.episodes`).
"""
from numba import njit

from cogind.kernels import NULL

REASONS = ("debut_manquant", "valeur_manquante", "valeur_negative", "identifiant_manquant",
           "identifiant_hors_format")
WIDTH = 1 + len(REASONS)


@njit(cache=True, nogil=True)
def kept(start, day, value):
    """0 if a payment is kept, else the state slot of its exclusion reason."""
    if start == NULL or day == NULL:
        return 1
    if value == NULL:
        return 2
    if value < 0:
        return 3
    return 0


@njit(cache=True, nogil=True)
def step_episodes(state, g, start, day, value):
    state[g, kept(start, day, value)] += 1


@njit(cache=True, nogil=True)
def update_episodes(state, group, start, day, value):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step_episodes(state, group[i], start[i], day[i], value[i])
