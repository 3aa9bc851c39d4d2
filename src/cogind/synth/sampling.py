"""Fast exact draws from a discrete distribution (Walker's alias method), vectorised."""
from __future__ import annotations

import numpy as np


class Alias:
    """Draw category indices with probabilities ``weights``: two gathers per draw, no search."""

    def __init__(self, weights) -> None:
        w = np.asarray(weights, dtype=float)
        k = len(w)
        scaled = w * k / w.sum()
        prob = np.ones(k)
        alias = np.arange(k)
        small = [i for i in range(k) if scaled[i] < 1.0]
        large = [i for i in range(k) if scaled[i] >= 1.0]
        while small and large:
            s, g = small.pop(), large.pop()
            prob[s], alias[s] = scaled[s], g
            scaled[g] -= 1.0 - scaled[s]
            (small if scaled[g] < 1.0 else large).append(g)
        self.k = k
        self.prob = prob.astype(np.float32)
        self.alias = alias.astype(np.int16 if k < 2**15 else np.int32)
        self.dtype = self.alias.dtype

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` category indices."""
        cell = rng.integers(0, self.k, n, dtype=self.dtype)
        keep = rng.random(n, dtype=np.float32) < self.prob[cell]
        return np.where(keep, cell, self.alias[cell])
