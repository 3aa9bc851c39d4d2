"""Claim lines of the programme acts (issue 21 § 1): one block per year and caisse, written after
the year's other claim lines, drawn from a stream of its own (every other line keeps its values).

Codes are those the indicators read (``PRS_NAT_REF`` of IR_NAT_V, ``PSE_SPE_COD`` of IR_SPE_V):

- dental care of the 3-24 year-olds (n° 29): 1451 SDE soins dentaires, 1453 AXI prophylaxie,
  1431 actes en D, 1470 END endodontie, 1466 TOR orthopédie dento-faciale (ages 9-16, by the
  IR_SPE_V 36 « chirurgie dentaire (spécialiste O.D.F.) »), 9412 scellement d'une molaire (ages
  6-15), 1463 PFE prothèse fixe (18 and over); the first visit of the year at an age of the
  examen bucco-dentaire (3, 6, …, 24) is a 9411 « consultation hygiène bucco-dentaire » for
  60 % of them. Omnipractitioner dentists have no IR_SPE_V code (the SNDS names them by
  PSE_ACT_NAT, not generated): ``PSE_SPE_COD`` 0 « non renseigné »;
- sein (n° 30): 1336 « acte de radiologie mammographie dépistage » by a radiologist (6), and for
  60 % a 9313 « frais de lecture pour mammographie » 3-20 days later;
- col (n° 31): 9319 « prélèvements dépistage cancer utérus » (gynaecologist 7, GP 1 or a
  midwife, 0), then 9318 « analyses dépistage cancer utérus » 3-15 days later
  (anatomo-cyto-pathologie 37 under 30, the laboratory 38 for the HPV test from 30);
- colorectal (n° 32): 9311 « dépistage du cancer colo-rectal » by the laboratory (38), 9434
  « acte de dépistage du cancer colorectal » (GP) for 5 %;
- Mon soutien psy (n° 40): 9201 « entretien évaluation psychologue » first in the year, then
  9202 « accompagnement psychologique de soutien », 8 sessions at most a year (12 from
  2024-06-15), a week or two apart; psychologists have no IR_SPE_V code (0).

Amounts are simplified tariffs (DO acts at 100 %, no dépassement, sector 1); delays and dates as
the other lines (:func:`cogind.synth.prestations._delays`).
"""
from __future__ import annotations

import math

import numpy as np

from cogind.synth import beneficiaires as ben
from cogind.synth import programmes as prg
from cogind.synth.calendar import day_number, month_index, year_bounds
from cogind.synth.levels import level
from cogind.synth.prestations import _delays

FIRST_BLOCK = 1 << 30  # block numbers of programme blocks: FIRST_BLOCK + caisse index
PSY_RAISE = day_number("2024-06-15")  # 50 EUR a session and up to 12 sessions a year
# nat, spe, median base (EUR), sigma, reimbursement rate, weight, ages (included)
DENTAL = ((1451, 0, 40.0, .5, .6, 45, 3, 24), (1453, 0, 28.92, 0., .6, 15, 6, 24),
          (1431, 0, 25.0, .4, .6, 12, 3, 24), (1470, 0, 80.0, .5, .6, 6, 6, 24),
          (1466, 36, 193.5, .1, 1.0, 14, 9, 16), (9412, 0, 21.69, 0., 1.0, 5, 6, 15),
          (1463, 0, 500.0, .3, .6, 3, 18, 24))
EXAMEN = (9411, 0, 30.0, 0., 1.0)
EXAMEN_AGES = tuple(range(3, 25, 3))
EXAMEN_SHARE = 0.6
DRG = {"dentaire": .5, "depistage": 0.0, "psy": .3}
# every nature the programme lines write (none of them is in the other lines' profiles)
NATURES = (*sorted({d[0] for d in DENTAL}), EXAMEN[0], 1336, 9313, 9319, 9318, 9311, 9434, 9201,
           9202)


def _poisson_thresholds(mean: float, extra: int) -> tuple[float, ...]:
    """Cumulative P(X < j), j = 1..extra, of X ~ Poisson(mean): extra visits, capped."""
    cdf, term, out = 0.0, math.exp(-mean), []
    for j in range(extra):
        cdf += term
        term *= mean / (j + 1)
        out.append(cdf)
    return tuple(out)


DENTAL_VISITS = _poisson_thresholds(1.4, 6)
PSY_VISITS = _poisson_thresholds(5.0, 11)


class Lines:
    """Columns of the block's lines, appended programme by programme."""

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, p: prg.People, rows, day, age, nat, spe, base, rate, kind: str):
        n = len(rows)
        self.parts.append({"row_key": p.key[rows], "sex": p.sex[rows], "age": age, "day": day,
                           "nat": np.broadcast_to(nat, n), "spe": np.broadcast_to(spe, n),
                           "base": np.broadcast_to(base, n).astype(float),
                           "rate": np.broadcast_to(rate, n).astype(float),
                           "drg": np.full(n, DRG[kind])})

    def columns(self) -> dict:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}


def _valid(p, rows, day, prog, kk):
    age = prg.age_at(p, rows, day)
    ok = prg.holds(p, rows, day, age, kk) & (age >= prog.ages[0]) & (age <= prog.ages[1])
    return rows[ok], day[ok], age[ok]


def _screenings(lines, rng, net, c, year, kk):
    hi = year_bounds(year)[1]
    for prog in (prg.SEIN, prg.COL, prg.COLORECTAL):
        p = prg.slot_people(net, c, prog, year, kk)
        rows, day = prg.screening_days(p, prog, year)
        rows, day, age = _valid(p, rows, day, prog, kk)
        share = prg.participation(net, prog, year)[month_index(day), c]
        take = prg.uniform(p.key[rows], prog.salt + 2) < share
        rows, day, age = rows[take], day[take], age[take]
        n = len(rows)
        if prog is prg.SEIN:
            lines.add(p, rows, day, age, 1336, 6, 66.42, 1.0, "depistage")
            two = rng.random(n) < 0.6
            later = day[two] + rng.integers(3, 21, int(two.sum()))
            _companion(lines, p, rows[two], later, hi, 9313, 6, 10.0)
        elif prog is prg.COL:
            spe = np.array([7, 1, 0])[np.searchsorted([.55, .85], rng.random(n), side="right")]
            lines.add(p, rows, day, age, 9319, spe, 12.46, 1.0, "depistage")
            later = day + rng.integers(3, 16, n)
            _companion(lines, p, rows, later, hi, 9318, np.where(age < 30, 37, 38), 40.0)
        else:
            gp = rng.random(n) < 0.05
            lines.add(p, rows, day, age, np.where(gp, 9434, 9311), np.where(gp, 1, 38), 13.0,
                      1.0, "depistage")


def _companion(lines, p, rows, day, hi, nat, spe, base):
    keep = day < hi  # the block holds the care days of its year
    spe = np.broadcast_to(spe, len(rows))[keep]
    rows, day = rows[keep], day[keep]
    lines.add(p, rows, day, prg.age_at(p, rows, day), nat, spe, base, 1.0, "depistage")


def _dental(lines, rng, net, c, year, kk):
    prog = prg.DENTAIRE
    p = prg.slot_people(net, c, prog, year, kk)
    share = prg.participation(net, prog, year).mean(axis=0)[c]
    rows, day, visit = prg.yearly_days(p, prog, year, np.full(len(p.key), share),
                                       DENTAL_VISITS, (7, 60))
    age = prg.age_at(p, rows, day)
    keep = prg.holds(p, rows, day, age, kk) & (age >= prog.ages[0]) & (age <= prog.ages[1])
    rows, day, visit, age = rows[keep], day[keep], visit[keep], age[keep]
    table = np.array(DENTAL, dtype=float)
    w = table[:, 5][None, :] * ((age[:, None] >= table[:, 6]) & (age[:, None] <= table[:, 7]))
    cum = np.cumsum(w, axis=1)
    pick = (rng.random(len(age))[:, None] * cum[:, -1:] >= cum).sum(axis=1)
    nat, spe = table[pick, 0].astype(np.int64), table[pick, 1].astype(np.int64)
    base = table[pick, 2] * np.exp(table[pick, 3] * rng.standard_normal(len(age)))
    rate = table[pick, 4]
    exam = (visit == 0) & np.isin(age, EXAMEN_AGES) & (rng.random(len(age)) < EXAMEN_SHARE)
    nat, spe = np.where(exam, EXAMEN[0], nat), np.where(exam, EXAMEN[1], spe)
    base, rate = np.where(exam, EXAMEN[2], base), np.where(exam, EXAMEN[4], rate)
    lines.add(p, rows, day, age, nat, spe, base, rate, "dentaire")


def _psy(lines, net, c, year, kk):
    prog = prg.PSY
    p = prg.slot_people(net, c, prog, year, kk)
    band = ben.band_of(np.maximum(year - p.birth_year - 1, 0))
    share = (prg.psy_weights(net.seed, year)[band, p.sex - 1]
             * prg.participation(net, prog, year).mean(axis=0)[c])
    rows, day, visit = prg.yearly_days(p, prog, year, share, PSY_VISITS, (7, 15))
    started = day >= prg.PSY_START
    rows, day, visit = rows[started], day[started], visit[started]
    age = prg.age_at(p, rows, day)
    keep = (prg.holds(p, rows, day, age, kk) & (age >= prog.ages[0]) & (age <= prog.ages[1])
            & (visit < np.where(day >= PSY_RAISE, 12, 8)))
    rows, day, visit, age = rows[keep], day[keep], visit[keep], age[keep]
    base = np.where(day >= PSY_RAISE, 50.0, np.where(visit == 0, 40.0, 30.0))
    lines.add(p, rows, day, age, np.where(visit == 0, 9201, 9202), 0, base, .6, "psy")


def make(rng: np.random.Generator, year: int, c: int, opts, net, ctx) -> tuple[dict, dict]:
    """The programme lines of caisse index ``c`` with care in ``year`` (columns, null masks)."""
    kk = ben.slots(net, ctx.year_rows or ben.DEFAULT_CLAIMS)
    lines = Lines()
    _screenings(lines, rng, net, c, year, kk)
    _dental(lines, rng, net, c, year, kk)
    _psy(lines, net, c, year, kk)
    x = lines.columns()
    order = rng.permutation(len(x["day"]))
    x = {k: v[order] for k, v in x.items()}
    n = len(order)
    caisse = np.full(n, c, np.int8)
    exe = x["day"].astype(np.int32)
    base_c = np.round(x["base"] * 100).astype(np.int64)
    lab = x["spe"] == 38
    fse = (rng.random(n) < np.where(lab, 0.99, level("fse_share", year))).astype(np.int8)
    drg = (rng.random(n) < x["drg"]).astype(np.int8)
    rec, pai, trt, dis = _delays(rng, fse, caisse, exe, year, net)
    cols = {
        "ORG_CLE_NUM": caisse, "EXE_SOI_DTD": exe, "FLX_TRT_DTD": trt, "FLX_DIS_DTD": dis,
        "PRS_NAT_REF": x["nat"].astype(np.int16), "PSE_SPE_COD": x["spe"].astype(np.int16),
        "PSE_CNV_COD": np.ones(n, np.int8), "PRS_PAI_MNT": base_c / 100,
        "BSE_REM_BSE": base_c / 100, "BSE_REM_MNT": np.round(base_c * x["rate"]) / 100,
        "PRS_DEP_MNT": np.zeros(n), "PRS_ACT_QTE": np.ones(n),
        "BEN_SEX_COD": x["sex"].astype(np.int8), "BEN_AMA_COD": x["age"].astype(np.int16),
        "FSE_TOP": fse, "DRG_ASS_TOP": drg, "FSE_REC_DTD": rec, "PRS_PAI_DTD": pai,
        "BEN_NIR_PSA": ben.encode(x["row_key"].astype(np.uint64), net.seed),
    }
    keep = np.flatnonzero(pai < year_bounds(opts.years[1])[1])  # an extraction made that day
    if len(keep) < n:
        import pyarrow as pa

        cols = {k: v.take(pa.array(keep)) if isinstance(v, pa.Array) else v[keep]
                for k, v in cols.items()}
    return cols, {}
