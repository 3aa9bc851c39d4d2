"""A plugin kernel that does not compile on its inputs (tests/test_fused.py): its step and its
update read an attribute an integer does not have. Top-level numba functions, so that the
generated table loop can import the step."""
from numba import njit


@njit(cache=False)
def step_bad(state, g, day):
    state[g, 0] += day.nope


@njit(cache=False)
def update_bad(state, group, day):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            state[group[i], 0] += day[i].nope
