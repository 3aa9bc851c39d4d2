"""Claim profiles: which nomenclature codes, tariffs, rates and sectors the prestations mix has."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from cogind.synth.sampling import Alias

# Sector mix per class: shares of PSE_CNV_COD 1 (secteur 1), 2 (secteur 1 DP), 3 (secteur 2).
SECTORS = {"mg": (0.92, 0.01, 0.07), "spe": (0.52, 0.02, 0.46), "chir": (0.35, 0.02, 0.63),
           "radio": (0.85, 0.01, 0.14), "none": (1.0, 0.0, 0.0)}
# Share of sector 2 / 1 DP rows that do charge a dépassement (OPTAM, C2S patients...).
CHARGE_SHARE = 0.75
ALD_SHARE = 0.17

# nat, spe, weight, median base (EUR), sigma of log base, reimbursement rate, sector class,
# mean dépassement / base when charged (before the yearly national calibration),
# share paid to the insured (DRG_ASS_TOP=1), participation forfaitaire applies.
_ROWS = [
    (1111, 1, 17.0, 25.0, 0.0, .70, "mg", .35, .55, True),
    (1111, 22, 1.5, 25.0, 0.0, .70, "mg", .35, .55, True),
    (1111, 23, 1.0, 25.0, 0.0, .70, "mg", .35, .55, True),
    (1211, 1, 1.2, 35.0, 0.0, .70, "mg", .35, .50, True),
    (1112, 5, 1.2, 30.0, 0.05, .70, "spe", .60, .70, True),
    (1112, 7, 1.5, 30.0, 0.05, .70, "spe", .60, .70, True),
    (1112, 11, 0.8, 30.0, 0.05, .70, "spe", .60, .70, True),
    (1112, 12, 1.0, 30.0, 0.05, .70, "spe", .50, .65, True),
    (1112, 14, 0.7, 30.0, 0.05, .70, "spe", .60, .70, True),
    (1112, 15, 2.0, 30.0, 0.05, .70, "spe", .65, .70, True),
    (1112, 8, 0.5, 30.0, 0.05, .70, "spe", .55, .70, True),
    (1112, 13, 0.4, 30.0, 0.05, .70, "spe", .50, .70, True),
    (1112, 42, 0.4, 30.0, 0.05, .70, "spe", .60, .70, True),
    (1112, 32, 0.4, 30.0, 0.05, .70, "spe", .55, .70, True),
    (1114, 3, 1.0, 47.73, 0.0, .70, "spe", .45, .65, True),
    (1118, 33, 1.0, 39.0, 0.0, .70, "spe", .70, .75, True),
    (1352, 3, 1.5, 50.0, 0.7, .70, "spe", .45, .35, True),
    (1352, 8, 1.0, 90.0, 0.6, .70, "spe", .50, .35, True),
    (1352, 15, 1.5, 40.0, 0.6, .70, "spe", .55, .35, True),
    (1352, 5, 0.8, 35.0, 0.6, .70, "spe", .55, .35, True),
    (1351, 6, 3.0, 60.0, 0.6, .70, "radio", .25, .20, True),
    (1324, 6, 1.2, 55.0, 0.4, .70, "radio", .25, .20, True),
    (1324, 7, 0.8, 55.0, 0.4, .70, "spe", .50, .35, True),
    (1321, 4, 0.4, 200.0, 0.8, .70, "chir", 1.0, .30, True),
    (1321, 41, 0.6, 250.0, 0.8, .70, "chir", 1.0, .30, True),
    (1321, 16, 0.3, 220.0, 0.8, .70, "chir", .90, .30, True),
    (1321, 49, 0.3, 230.0, 0.8, .70, "chir", .90, .30, True),
    (3313, 0, 20.0, 12.0, 0.8, .65, "none", 0.0, .04, False),
    (3312, 0, 6.0, 8.0, 0.7, .30, "none", 0.0, .04, False),
    (3311, 0, 7.0, 40.0, 1.2, 1.0, "none", 0.0, .04, False),
    (3341, 0, 2.0, 6.0, 0.6, .15, "none", 0.0, .04, False),
    (3211, 38, 14.0, 22.0, 0.7, .60, "none", 0.0, .08, True),
    # IJ paid through the claims flow (nature 611x, no executant speciality), 14 days around
    # 38 EUR a day; a third paid to the insured, the others to the employer (subrogation).
    (6111, 0, 2.0, 450.0, 0.6, 1.0, "none", 0.0, .33, False),
    (6112, 0, 1.0, 480.0, 0.6, 1.0, "none", 0.0, .33, False),
    (6117, 0, 0.3, 220.0, 0.6, 1.0, "none", 0.0, .33, False),
]
PHARMACY = (3311, 3312, 3313, 3341)
# Tariff revaluations (first day, multiplier) of G/C, V (1111, 1211) and CS (1112).
REVALUATIONS = {1111: (("2023-12-01", 26.5 / 25), ("2024-12-22", 30 / 25)),
                1211: (("2023-12-01", 26.5 / 25), ("2024-12-22", 30 / 25)),
                1112: (("2023-12-01", 31.5 / 30),)}
# Participation forfaitaire (EUR): 1 EUR, 2 EUR from 2024-05-15.
PF_CHANGE = "2024-05-15"


@dataclass(frozen=True, eq=False)
class Profiles:
    """The profile table as column arrays, indexed by profile number."""

    nat: np.ndarray
    spe: np.ndarray
    weight: np.ndarray
    alias: Alias
    median: np.ndarray
    sigma: np.ndarray
    rate: np.ndarray
    sector_cdf: np.ndarray  # (n, 2): P(cnv=1), P(cnv<=2)
    dep_mean: np.ndarray
    drg: np.ndarray
    pf: np.ndarray
    doctor: np.ndarray
    pharmacy: np.ndarray


@functools.cache
def profiles() -> Profiles:
    """The claim profiles as arrays."""
    cols = list(zip(*_ROWS))
    weight = np.array(cols[2])
    sectors = np.array([SECTORS[c] for c in cols[6]])
    nat = np.array(cols[0], np.int16)
    return Profiles(
        nat=nat, spe=np.array(cols[1], np.int16), weight=weight / weight.sum(),
        alias=Alias(weight),
        median=np.array(cols[3]), sigma=np.array(cols[4], np.float32), rate=np.array(cols[5]),
        sector_cdf=np.cumsum(sectors, axis=1)[:, :2], dep_mean=np.array(cols[7]),
        drg=np.array(cols[8], np.float32), pf=np.array(cols[9]), doctor=np.array(cols[1]) > 0,
        pharmacy=np.isin(nat, PHARMACY))


@functools.cache
def dep_calibration() -> float:
    """Expected national dépassement rate of the profile table before calibration."""
    p = profiles()
    w = p.weight * (1 - p.sector_cdf[:, 0])
    base = p.median * np.exp(p.sigma.astype(float) ** 2 / 2) * w
    return float(np.sum(base * p.dep_mean) / np.sum(base))
