"""Per-caisse probabilities around a national rate, and code draws by weight."""
from __future__ import annotations

import functools

import numpy as np

from cogind.synth.reseau import Network


@functools.cache
def caisse_rates(p: float, family: str, spread: float, net: Network) -> np.ndarray:
    """Rate per caisse on the logit scale (better caisses higher), volume-weighted mean ``p``."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    x = spread * net.effect(family)
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        got = np.sum(net.weights / (1 + np.exp(-(x + mid))))
        lo, hi = (mid, hi) if got < p else (lo, mid)
    return 1 / (1 + np.exp(-(x + lo)))


def lower_is_better(p: float, family: str, spread: float, net: Network) -> np.ndarray:
    """As :func:`caisse_rates` for a rate where the better caisses are lower (réitération)."""
    return 1 - caisse_rates(1 - p, family, spread, net)


def code_weights(codes: tuple[str, ...], known: dict[str, float], other: float) -> np.ndarray:
    """Cumulative weights of ``codes``: known shares, ``other`` for codes added by indicators."""
    w = np.array([known.get(c, other) for c in codes], float)
    return np.cumsum(w / w.sum())


def draw_codes(rng, n: int, cdf: np.ndarray) -> np.ndarray:
    """Index (int8) of a code for ``n`` rows from a cumulative weight table."""
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"),
                      len(cdf) - 1).astype(np.int8)
