"""Quantiles read in day histograms: the bin where a row's cumulated count reaches a rank."""
from numba import njit


@njit(cache=True, nogil=True)
def rank_bins(hist, ranks, out):
    """``out[i]``: first bin j with hist[i, 0] + … + hist[i, j] ≥ ranks[i] (0 when the rank is
    ≤ 0, the number of bins when it is never reached). Walks each row only up to that bin."""
    width = hist.shape[1]
    for i in range(hist.shape[0]):
        k = ranks[i]
        total = 0
        j = 0
        while j < width:
            total += hist[i, j]
            if total >= k:
                break
            j += 1
        out[i] = j
