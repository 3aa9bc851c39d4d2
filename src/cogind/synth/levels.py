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
    # Satisfaction surveys (share satisfied or very satisfied): COG 2023-2027 annex 5, rows 4-7
    # (seed 002 l. 9428-9435: 82.5 % in 2023 for each public, 70 % per channel); réitération
    # row 8 (l. 9437: 25 % in 2024 to 20 % in 2027). Achieved levels hover around the targets.
    "sat_ASS": {2018: .81, 2023: .83, 2024: .845, 2025: .855, 2027: .89},
    "sat_PS": {2018: .80, 2023: .83, 2024: .84, 2027: .88},
    "sat_EMP": {2018: .81, 2023: .83, 2024: .845, 2027: .85},
    "sat_canal": {2018: .70, 2023: .72, 2024: .76, 2025: .80, 2027: .81},
    "reiteration": {2018: .27, 2023: .255, 2024: .245, 2025: .23, 2027: .205},
    # Demat shares by nature of request; C2S requests follow
    # demat_share (dossiers), GP consultations the FSE share. Rows 13, 15-19: l. 9449-9467.
    "demat_CV": {2018: .70, 2022: .80, 2023: .83, 2024: .835, 2027: .86},
    "demat_NN": {2018: .60, 2022: .78, 2023: .82, 2024: .835, 2027: .865},
    "demat_AAT": {2018: .40, 2022: .60, 2023: .66, 2024: .70, 2027: .85},
    "demat_CMAT": {2018: .30, 2022: .50, 2023: .56, 2024: .60, 2027: .76},
    "demat_ORD": {2018: .0, 2021: .02, 2022: .10, 2023: .30, 2024: .60, 2025: .70, 2027: .90},
    # Controls, rows 43-50 (l. 9553-9584): residual error frequency and financial incidence of
    # quality checks, recovery rates of undue payments, fraud préjudices (EUR per year).
    "err_freq_PN": {2018: .115, 2023: .102, 2024: .097, 2027: .07},
    "err_freq_PE": {2018: .105, 2023: .095, 2024: .090, 2027: .075},
    "err_incid_PN": {2018: .035, 2023: .031, 2024: .0295, 2027: .0215},
    "err_incid_PE": {2018: .021, 2023: .0193, 2024: .0183, 2027: .0153},
    "recov_fraud": {2018: .52, 2023: .555, 2024: .57, 2025: .60, 2027: .65},
    "recov_other": {2018: .955, 2023: .96, 2024: .962, 2025: .97, 2027: .98},
    "prej_subi": {2018: 220e6, 2022: 250e6, 2023: 270e6, 2024: 340e6, 2025: 358e6,
                  2027: 392e6},
    "prej_evite": {2018: 80e6, 2022: 105e6, 2023: 116e6, 2024: 164e6, 2025: 194e6,
                   2027: 262e6},
    # Programme acts of the claims (synth/programmes.py), COG 2023-2027 annex 5 rows 29-32 and
    # 40 (seed 002 l.9499-9509, 9546): participation in the organised screenings, share of the
    # 3-24 year-olds with dental care in the year, Mon soutien psy patients per beneficiary
    # (100 000 … 400 000 patients of the régime's 60 M); earlier years a little lower.
    "depistage_sein": {2018: .55, 2022: .57, 2023: .588, 2024: .616, 2025: .644, 2026: .672,
                       2027: .70},
    "depistage_col": {2018: .50, 2022: .55, 2023: .584, 2024: .638, 2025: .692, 2026: .746,
                      2027: .80},
    "depistage_colorectal": {2018: .30, 2022: .34, 2023: .378, 2024: .446, 2025: .514,
                             2026: .582, 2027: .65},
    "recours_dentaire": {2018: .48, 2022: .50, 2023: .51, 2024: .52, 2025: .53, 2026: .54,
                         2027: .55},
    "mon_soutien_psy": {2021: 0.0, 2022: 50e3 / 60e6, 2023: 100e3 / 60e6, 2024: 160e3 / 60e6,
                        2025: 240e3 / 60e6, 2026: 300e3 / 60e6, 2027: 400e3 / 60e6},
}

# Yearly volume growth, and 2020 (lockdown) multipliers of the yearly volume.
GROWTH = {"prestations": 0.025, "ij": 0.03, "contacts": -0.02, "dossiers": 0.02,
          "enquetes": 0.0, "demarches": 0.02, "controles": 0.03, "mesures": 0.0}
COVID_2020 = {"prestations": 0.92, "ij": 1.15, "contacts": 1.0, "dossiers": 0.95,
              "enquetes": 1.0, "demarches": 0.95, "controles": 0.8, "mesures": 1.0}

# Monthly seasonality (January first): winter peaks for IJ and calls, August troughs.
MONTHLY = {
    "prestations": [1.08, 1.04, 1.06, 1.0, 0.97, 0.99, 0.93, 0.78, 1.0, 1.06, 1.05, 1.02],
    "ij": [1.25, 1.2, 1.1, 1.0, 0.95, 0.9, 0.85, 0.7, 0.95, 1.0, 1.05, 1.15],
    "contacts": [1.2, 1.1, 1.1, 1.0, 0.95, 0.95, 0.9, 0.7, 1.05, 1.05, 1.0, 0.9],
    "dossiers": [1.05, 1.05, 1.05, 1.0, 1.0, 1.0, 0.95, 0.75, 1.05, 1.05, 1.05, 1.0],
    "enquetes": [1.0, 1.0, 1.1, 1.0, 1.0, 1.1, 0.8, 0.6, 1.0, 1.1, 1.1, 0.9],
    "demarches": [1.15, 1.1, 1.05, 1.0, 0.95, 0.95, 0.9, 0.75, 1.0, 1.05, 1.05, 1.05],
    "controles": [1.0, 1.05, 1.1, 1.05, 1.0, 1.05, 0.85, 0.6, 1.0, 1.1, 1.1, 1.1],
    "mesures": [1.0] * 12,
}
# Weekday weights, Monday first.
WEEKLY = {
    "prestations": [1.1, 1.0, 1.0, 1.0, 1.0, 0.55, 0.08],
    "ij": [1.3, 1.1, 1.0, 1.0, 1.0, 0.5, 0.3],
    "contacts": [1.3, 1.1, 1.0, 1.0, 0.9, 0.0, 0.0],
    "dossiers": [1.1, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0],
    "enquetes": [1.0, 1.0, 1.0, 1.0, 1.0, 0.4, 0.3],
    "demarches": [1.2, 1.05, 1.0, 1.0, 1.0, 0.35, 0.1],
    "controles": [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0],
    "mesures": [1.0] * 7,
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
