"""Month grids read as period rows: the states of given months, slots then national."""
from numba import njit


@njit(cache=True, nogil=True)
def month_rows(states, months, out):
    """``out[p, s] = states[s, months[p]]`` for every slot ``s`` and ``out[p, slots]`` their
    sum (the national level), in one pass over the months read; ``months[p] < 0``: no month
    (``out[p]`` left as it is, zeros)."""
    n_slots, _, width = states.shape
    for p in range(months.shape[0]):
        m = months[p]
        if m < 0:
            continue
        for s in range(n_slots):
            for w in range(width):
                v = states[s, m, w]
                out[p, s, w] = v
                out[p, n_slots, w] += v
