"""The small period differences of each unit for the secret statistique
(:func:`cogind.analyses.secret_system._gaps`): a union-find with potentials per unit, written
with scalar loops only (a short compilation)."""
import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _find(parent, pot, path, x):
    """Root of ``x``, compressing its path; ``pot[y]`` becomes φ(y) − φ(root) on the way, with
    the additions of the recursive form (nearest the root first)."""
    depth = 0
    while parent[x] != x:
        path[depth] = x
        depth += 1
        x = parent[x]
    for i in range(depth - 1, -1, -1):
        y = path[i]
        pot[y] = pot[y] + pot[parent[y]]
        parent[y] = x
    return x


@njit(cache=True, nogil=True)
def small_gaps(bounds, pub, n, below, threshold):
    """(unit, a, b) of every gap φ(b) − φ(a) in (0, threshold) between consecutive bounds of a
    component of each unit's graph: nodes the period bounds, one edge (first, last + 1) of
    weight ``n`` per published period in order (an edge closing a cycle is ignored); components
    in the order their first node was met, bounds ascending within one."""
    U, P = pub.shape
    nodes = 1
    for p in range(P):
        nodes = max(nodes, bounds[p, 1] + 1)
    out = np.empty((U * nodes, 3), np.int64)
    count = 0
    parent = np.empty(nodes, np.int64)
    pot = np.empty(nodes)
    path = np.empty(nodes, np.int64)
    order = np.empty(nodes, np.int64)
    root = np.empty(nodes, np.int64)
    done = np.zeros(nodes, np.bool_)
    for u in range(U):
        published = 0
        for p in range(P):
            published += pub[u, p]
        if not below[u] or published < 2:
            continue
        parent[:] = -1
        k = 0
        for p in range(P):
            if not pub[u, p]:
                continue
            for x in (bounds[p, 0], bounds[p, 1]):
                if parent[x] < 0:
                    parent[x], pot[x], order[k] = x, 0.0, x
                    k += 1
            a, b = bounds[p, 0], bounds[p, 1]
            ra, rb = _find(parent, pot, path, a), _find(parent, pot, path, b)
            if ra != rb:
                parent[rb] = ra
                pot[rb] = pot[a] + n[u, p] - pot[b]
        for i in range(k):
            root[order[i]] = _find(parent, pot, path, order[i])
        done[:] = False
        for i in range(k):
            r = root[order[i]]
            if done[r]:
                continue
            done[r] = True
            previous = -1
            for x in range(nodes):  # the component's bounds, ascending
                if parent[x] >= 0 and root[x] == r:
                    if previous >= 0:
                        gap = pot[x] - pot[previous]
                        if 0 < gap < threshold:
                            out[count, 0], out[count, 1], out[count, 2] = u, previous, x
                            count += 1
                    previous = x
    return out[:count]
