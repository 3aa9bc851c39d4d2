"""Own kernel: the part of a first IJ payment's total delay spent at the caisse.

For each row in scope, total delay = IJ_PAI_DTD − ARR_DEB_DTD (start of the sick leave to the
payment) and caisse delay = IJ_PAI_DTD − ATT_REC_DTD (salary certificate received to the
payment). State per caisse × month (int64): [n, Σ caisse delay, Σ total delay, date_manquante,
dates_incoherentes]. Every slot is a count or a sum of days, so states merge by addition and
months, quarters, years and the national level are exact sums.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from cogind import Input, Kernel
from cogind import KernelMeasure
from cogind.kernels import NULL

REASONS = ("date_manquante", "dates_incoherentes")
"""Exclusion reasons, counted in the last slots of the state, in this order."""
N, CAISSE, TOTAL = range(3)
WIDTH = 3 + len(REASONS)


@njit(cache=True, nogil=True)
def step(state, g, debut, reception, paiement):
    """Add one row in scope to its group ``g``; never raises on data."""
    if debut == NULL or reception == NULL or paiement == NULL:
        state[g, WIDTH - 2] += 1
    elif reception < debut or paiement < reception:  # certificate before the leave, or payment
        state[g, WIDTH - 1] += 1                     # before the certificate
    else:
        state[g, N] += 1
        state[g, CAISSE] += paiement - reception
        state[g, TOTAL] += paiement - debut


@njit(cache=True, nogil=True)
def update(state, group, debut, reception, paiement):
    """Every row in scope (``group[i] >= 0``) added to its group: ``step`` in a loop."""
    for i in range(group.shape[0]):
        if group[i] >= 0:
            step(state, group[i], debut[i], reception[i], paiement[i])


def finalise(rows: np.ndarray):
    """(value, numerator, denominator, n) of summed states: Σ caisse / Σ total × 100."""
    n, caisse, total = rows[:, N], rows[:, CAISSE], rows[:, TOTAL]
    value = np.full(len(n), np.nan)
    ok = total > 0
    value[ok] = 100.0 * caisse[ok] / total[ok]
    return value, caisse, total, n


KERNEL = Kernel(
    name="cpam75_part_delai_caisse",
    inputs=(Input("ARR_DEB_DTD", "days"), Input("ATT_REC_DTD", "days"),
            Input("IJ_PAI_DTD", "days")),
    width=WIDTH, update=update, reasons=REASONS, step=step)

MEASURE = KernelMeasure(
    KERNEL, finalise,
    text=("Valeur : Σ (IJ_PAI_DTD − ATT_REC_DTD) / Σ (IJ_PAI_DTD − ARR_DEB_DTD) × 100, en jours "
          "calendaires, sur les lignes du champ (numérateur : jours passés à la caisse ; "
          "dénominateur : jours depuis le début de l'arrêt). Exclus : une des trois dates "
          "manquante (date_manquante) ; attestation reçue avant le début de l'arrêt ou paiement "
          "avant l'attestation (dates_incoherentes)."))
