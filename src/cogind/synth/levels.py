"""National levels, growth and seasonality the generator aims at (docs/generate.md explains each)."""
from __future__ import annotations

import numpy as np

# National level per year; linear between anchors, flat outside. Sources: COG 2018-2022 and
# 2023-2027 targets and the IGAS evaluation of the COG 2014-2017 (see docs/generate.md).
LEVELS: dict[str, dict[int, float]] = {
    # mean delay (days) ATT_REC_DTD -> IJ_PAI_DTD of the first non-subrogated IJ
    "ij_mal_mean": {2016: 30.0, 2018: 29.5, 2019: 28.8, 2020: 28.0, 2021: 27.4, 2022: 26.8,
                    2023: 26.0, 2024: 25.0, 2025: 24.0, 2026: 23.0, 2027: 22.0},
    "ij_atmp_mean": {2018: 38.0, 2022: 37.0, 2024: 36.0, 2027: 33.0},
    # subrogated first payments go to the employer, faster
    "ij_sub_mean": {2018: 22.0, 2027: 17.0},
    # 9th decile (days) FSE_REC_DTD -> PRS_PAI_DTD, FSE paid to the insured
    "fse_p90": {2018: 7.0, 2024: 6.3, 2027: 6.0},
    "fsp_p90": {2018: 24.0, 2027: 18.0},
    # 9th decile (days) DOS_REC_DTD -> DOS_DEC_DTD (CMUC/ACS until 2019-10, then C2S)
    "c2s_p90": {2018: 26.0, 2020: 25.0, 2023: 23.0, 2024: 22.0, 2027: 19.0},
    "tel_answered": {2018: .87, 2019: .88, 2020: .84, 2021: .86, 2022: .85, 2023: .86,
                     2024: .87, 2025: .88, 2026: .89, 2027: .90},
    "mel_48h": {2018: .79, 2024: .82, 2027: .85},
    "rec_10d": {2018: .94, 2024: .955, 2027: .965},
    # sum of dépassements / sum of bases, sector 2 and 1 DP doctors
    "dep_rate": {2018: .495, 2019: .48, 2020: .465, 2021: .479, 2022: .475, 2023: .465,
                 2024: .455, 2027: .44},
    "fse_share": {2018: .90, 2027: .96},
    "demat_share": {2018: .10, 2023: .35, 2027: .60},
}

# Yearly volume growth, and 2020 (lockdown) multipliers of the yearly volume.
GROWTH = {"prestations": 0.025, "ij": 0.03, "contacts": -0.02, "dossiers": 0.02}
COVID_2020 = {"prestations": 0.92, "ij": 1.15, "contacts": 1.0, "dossiers": 0.95}

# Monthly seasonality (January first): winter peaks for IJ and calls, August troughs.
MONTHLY = {
    "prestations": [1.08, 1.04, 1.06, 1.0, 0.97, 0.99, 0.93, 0.78, 1.0, 1.06, 1.05, 1.02],
    "ij": [1.25, 1.2, 1.1, 1.0, 0.95, 0.9, 0.85, 0.7, 0.95, 1.0, 1.05, 1.15],
    "contacts": [1.2, 1.1, 1.1, 1.0, 0.95, 0.95, 0.9, 0.7, 1.05, 1.05, 1.0, 0.9],
    "dossiers": [1.05, 1.05, 1.05, 1.0, 1.0, 1.0, 0.95, 0.75, 1.05, 1.05, 1.05, 1.0],
}
# Weekday weights, Monday first.
WEEKLY = {
    "prestations": [1.1, 1.0, 1.0, 1.0, 1.0, 0.55, 0.08],
    "ij": [1.3, 1.1, 1.0, 1.0, 1.0, 0.5, 0.3],
    "contacts": [1.3, 1.1, 1.0, 1.0, 0.9, 0.0, 0.0],
    "dossiers": [1.1, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0],
}
# Lockdown of spring 2020: (first day, last day, multiplier of the daily volume).
LOCKDOWN = {"prestations": ("2020-03-16", "2020-05-10", 0.6),
            "ij": ("2020-03-16", "2020-05-10", 1.8)}


def level(name: str, year: int) -> float:
    """National level of ``name`` for ``year``, interpolated between anchors."""
    anchors = LEVELS[name]
    xs = sorted(anchors)
    return float(np.interp(year, xs, [anchors[x] for x in xs]))


def year_weights(table: str, years: range) -> np.ndarray:
    """Relative yearly volumes of a table: compound growth, 2020 adjusted."""
    g = GROWTH[table]
    w = np.array([(1 + g) ** (y - years.start) * (COVID_2020[table] if y == 2020 else 1.0)
                  for y in years])
    return w / w.sum()
