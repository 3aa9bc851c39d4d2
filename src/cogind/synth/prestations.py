"""The ``prestations`` table: claim lines with nomenclature codes, amounts and delays."""
from __future__ import annotations

import numpy as np

from cogind.synth import beneficiaires, population
from cogind.synth.calendar import day_number, draw_days, next_month_start
from cogind.synth.levels import level
from cogind.synth.reseau import Network
from cogind.synth.profiles import (ALD_SHARE, CHARGE_SHARE, PF_CHANGE, REVALUATIONS,
                                   dep_calibration, profiles)

Z90 = 1.2816  # standard normal 9th decile
DEP_SIGMA = 0.6
SIGMA = np.array([0.45, 0.55], np.float32)  # log-normal payment delay: paper (FSP), FSE
LATE_SHARE = 0.03  # claims billed weeks or months after the care (long reporting tail)
PHARMACY_BOXES = 0.6  # extra boxes per pharmacy line (Poisson)
F32 = np.float32


def _revaluation(nat: np.ndarray, exe: np.ndarray) -> np.ndarray:
    mult = np.ones(len(nat), F32)
    for code, steps in REVALUATIONS.items():
        rows = np.flatnonzero(nat == code)
        for first, factor in steps:
            mult[rows[exe[rows] >= day_number(first)]] = factor
    return mult


def _base(rng, prof, nat, exe, p) -> tuple[np.ndarray, np.ndarray]:
    """Quantity and base (cents) of each line: log-normal tariff around the profile median."""
    n = len(prof)
    qty = np.ones(n, np.int64)
    boxes = np.flatnonzero(p.pharmacy[prof])
    qty[boxes] += rng.poisson(PHARMACY_BOXES, len(boxes))
    z = rng.standard_normal(n, dtype=F32)
    unit = p.median[prof] * _revaluation(nat, exe) * np.exp(p.sigma[prof] * z)
    return qty, np.round(unit * 100).astype(np.int64) * qty


def _reimbursed(rng, prof, base_c, age, exe, p) -> np.ndarray:
    """Reimbursed amount (cents): base x rate (100 % under ALD) minus participation forfaitaire."""
    ald = (rng.random(len(prof), dtype=F32) < ALD_SHARE) & ~p.pharmacy[prof]
    rate = np.where(ald, 1.0, p.rate[prof])
    pf = np.where(exe >= day_number(PF_CHANGE), 200, 100) * (p.pf[prof] & (age >= 18))
    return np.maximum(np.round(base_c * rate).astype(np.int64) - pf, 0)


def _depassement(rng, prof, cnv, caisse, base_c, year, net: Network, p) -> np.ndarray:
    """Dépassement (cents): only sector 2 and 1 DP, calibrated to the national rate of the year."""
    dep = np.zeros(len(prof), np.int64)
    rows = np.flatnonzero(cnv > 1)
    rows = rows[rng.random(len(rows), dtype=F32) < CHARGE_SHARE]
    k = level("dep_rate", year) / dep_calibration() / CHARGE_SHARE
    noise = np.exp(DEP_SIGMA * rng.standard_normal(len(rows)) - DEP_SIGMA**2 / 2)
    ratio = p.dep_mean[prof[rows]] * k * net.factor("depassement", 0.25)[caisse[rows]] * noise
    dep[rows] = np.round(base_c[rows] * ratio)
    return dep


def _lags(rng, fse) -> np.ndarray:
    """Days from care to reception: FSE within days, paper by mail, a few billed late."""
    n = len(fse)
    lag = np.floor(1.2 * rng.standard_exponential(n, dtype=F32)).astype(np.int32)
    paper = np.flatnonzero(fse == 0)
    lag[paper] = 4 + np.floor(5.0 * np.exp(0.5 * rng.standard_normal(len(paper), dtype=F32)))
    late = np.flatnonzero(rng.random(n, dtype=F32) < LATE_SHARE)
    lag[late] += np.floor(45.0 * rng.standard_exponential(len(late), dtype=F32)).astype(np.int32)
    return lag


def _delays(rng, fse, caisse, exe, year, net: Network):
    """Reception, payment and flow dates of each line."""
    n = len(fse)
    rec = exe + _lags(rng, fse)
    p90 = np.array([level("fsp_p90", year), level("fse_p90", year)], F32) + F32(0.5)
    median = (p90 / np.exp(Z90 * SIGMA))[:, None] * net.factor("fse", 0.12)[None, :]
    z = rng.standard_normal(n, dtype=F32)
    delay = np.floor(median.astype(F32)[fse, caisse] * np.exp(SIGMA[fse] * z)).astype(np.int32)
    trt = rec + np.floor(rng.random(n, dtype=F32) * (delay + 1)).astype(np.int32)
    return rec, rec + delay, trt, next_month_start(trt)


def make(rng: np.random.Generator, n: int, year: int, net: Network, first: int = 0,
         since: int = 0, ctx=None):
    """``n`` claim lines of ``year``: a dict of column arrays and a dict of null masks."""
    p = profiles()
    caisse = population.caisse_alias(net, year).draw(rng, n).astype(np.int8)
    exe = draw_days(rng, "prestations", year, n, since)
    prof = p.alias.draw(rng, n)
    nat = p.nat[prof]
    u = rng.random(n, dtype=F32)
    cnv = (1 + (u >= p.sector_cdf[prof, 0]) + (u >= p.sector_cdf[prof, 1])).astype(np.int8)
    ij = (nat >= 6111) & (nat <= 6118)
    age, sex = population.draw_age_sex(rng, caisse, year, net.seed, ij)
    qty, base_c = _base(rng, prof, nat, exe, p)
    rem_c = _reimbursed(rng, prof, base_c, age, exe, p)
    dep_c = _depassement(rng, prof, cnv, caisse, base_c, year, net, p)
    p_fse = np.where(p.doctor & (p.spe != 38), level("fse_share", year), 0.99).astype(F32)
    fse = (rng.random(n, dtype=F32) < p_fse[prof]).astype(np.int8)
    drg = (rng.random(n, dtype=F32) < p.drg[prof]).astype(np.int8)
    rec, pai, trt, dis = _delays(rng, fse, caisse, exe, year, net)
    cols = {
        "ORG_CLE_NUM": caisse, "EXE_SOI_DTD": exe, "FLX_TRT_DTD": trt, "FLX_DIS_DTD": dis,
        "PRS_NAT_REF": nat, "PSE_SPE_COD": p.spe[prof], "PSE_CNV_COD": cnv,
        "PRS_PAI_MNT": (base_c + dep_c) / 100, "BSE_REM_BSE": base_c / 100,
        "BSE_REM_MNT": rem_c / 100, "PRS_DEP_MNT": dep_c / 100, "PRS_ACT_QTE": qty.astype(float),
        "BEN_SEX_COD": sex, "BEN_AMA_COD": age, "FSE_TOP": fse, "DRG_ASS_TOP": drg,
        "FSE_REC_DTD": rec, "PRS_PAI_DTD": pai,
        "BEN_NIR_PSA": beneficiaires.ids(beneficiaires.stream(net.seed, year, first), net,
                                         caisse, sex, age, exe,
                                         getattr(ctx, "year_rows", None)),
    }
    return cols, {}
