"""Who has a programme act, and when (issue 21 § 1): dental care of the 3-24 year-olds, the three
organised cancer screenings and Mon soutien psy, for the people of the claims' pools
(:mod:`cogind.synth.beneficiaires`), so that n° 29, 30-32 and 40 have computed values.

A person's acts depend only on their id key (a hash of it, never a random stream): the same in
every block, caisse and year, so a person who moves keeps their schedule and is never counted
twice. The people of a caisse are its pool slots; a slot holds one person on any day (its first
occupant, then after a move the partner caisse's person or a newcomer,
:func:`beneficiaires.pair_move`), and an act is written in the slot its person holds that day.

- **Screenings** (window ``L`` months): a person has one act opportunity every ``L`` months, in
  a month of their own (``phase``), and takes it when their own propensity ``u`` is under the
  participation of their caisse at that month: in any ``L``-month window a person is screened
  once at most, and a share near the participation is screened.
- **Dental care** and **psy sessions** (yearly): a person consults in a year with the
  probability of the year (a hash of the key and the year), on several days of that year.

Participation per caisse: the national level of the year on the logit scale, plus the caisse's
effect (``Network.effect``) × ``spread``, shifted so that the population-weighted mean is the
national level. A window's participation is the mean over its months: the levels are taken
``1 - L/24`` years after the start of their year (``L`` = 12 for yearly episodes), so a window
ending in December of year ``Y`` averages to the level of ``Y`` (the COG's target of ``Y`` for the 2023-2027 years, seed 002 l.9499-9509).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from cogind.synth import beneficiaires as ben
from cogind.synth import population
from cogind.synth.calendar import day_number, year_bounds
from cogind.synth.levels import level
from cogind.synth.reseau import Network

U53 = float(1 << 53)


@dataclass(frozen=True)
class Programme:
    """A programme: its people (ages at the act, sexes), rhythm and national level."""

    name: str
    ages: tuple[int, int]  # at the act, included
    sexes: tuple[int, ...]
    window: int  # months between two act opportunities (screening); 0: yearly episodes
    spread: float  # caisse effect on the logit scale
    salt: int


SEIN = Programme("depistage_sein", (50, 74), (2,), 24, 0.3, 0x5E1)
COL = Programme("depistage_col", (25, 64), (2,), 36, 0.3, 0xC01)
COLORECTAL = Programme("depistage_colorectal", (50, 74), (1, 2), 24, 0.35, 0xC0C)
DENTAIRE = Programme("recours_dentaire", (3, 24), (1, 2), 0, 0.3, 0xDE1)
PSY = Programme("mon_soutien_psy", (12, 79), (1, 2), 0, 0.3, 0x951)
PROGRAMMES = (SEIN, COL, COLORECTAL, DENTAIRE, PSY)
PSY_START = day_number("2022-04-05")  # first sessions of the dispositif (Mon Psy)
# Relative chance of psy sessions by five-year band (population.AGE_MIN) and sex: adults of
# working age most, women twice as often as men (the dispositif's published profile)
PSY_AGE = np.array([0, 0, .5, .9, 1.3, 1.4, 1.3, 1.2, 1.1, 1.0, .9, .7, .5, .35, .25, .15,
                    0, 0, 0, 0])
PSY_SEX = np.array([0.65, 1.35])


def _hash(key: np.ndarray, salt: int) -> np.ndarray:
    return ben.mix(key ^ np.uint64((salt * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF))


def uniform(key: np.ndarray, salt: int) -> np.ndarray:
    """A uniform [0, 1) of each key for ``salt`` (the same wherever the key is met)."""
    return (_hash(key, salt) >> np.uint64(11)).astype(np.float64) / U53


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


@functools.cache
def participation(net: Network, prog: Programme, year: int) -> np.ndarray:
    """Participation (months × caisses) of the programme in ``year``; psy: relative share."""
    lag = 1 - (prog.window or 12) / 24
    z = prog.spread * net.effect(prog.name)
    out = np.empty((12, len(net.codes)))
    for m in range(12):
        target = level(prog.name, year + (m + 0.5) / 12 - lag)
        lo, hi = -10.0, 10.0
        for _ in range(50):  # the shift giving the national level (weighted by caisse size)
            mid = (lo + hi) / 2
            mean = float(np.sum(net.weights * _expit(_logit(target) + z + mid)))
            lo, hi = (mid, hi) if mean < target else (lo, mid)
        out[m] = _expit(_logit(target) + z + (lo + hi) / 2) if target > 0 else 0.0
    return out


@functools.cache
def psy_weights(seed: int, year: int) -> np.ndarray:
    """Relative chance (bands × sexes) of psy sessions, population-weighted mean 1."""
    w = PSY_AGE[:, None] * PSY_SEX[None, :]
    shares = population.shares(seed, year).mean(axis=0)
    return w / float(np.sum(w * shares))


@dataclass(frozen=True)
class People:
    """Candidate people of a caisse's slots: each slot's first occupant, and its later ones."""

    caisse: np.ndarray  # the slot's caisse
    sex: np.ndarray
    birth_year: np.ndarray
    k: np.ndarray
    key: np.ndarray  # the candidate's id key
    since: np.ndarray  # first day the candidate holds the slot (inclusive)
    until: np.ndarray  # last day + 1
    swap: np.ndarray  # the candidate is the partner's person (needs the partner's slot)


def slot_people(net: Network, c: int, prog: Programme, year: int, kk: np.ndarray) -> People:
    """The slots of caisse ``c`` whose people may be of the programme's ages in ``year``."""
    a0, a1 = prog.ages
    bands = np.arange(ben.band_of(np.int64(a0)), ben.band_of(np.int64(a1)) + 1)
    parts = []
    for sex in prog.sexes:
        top = int(kk[c, bands, sex - 1].max())
        by, k = np.meshgrid(np.arange(year - a1 - 1, year - a0 + 1), np.arange(top),
                            indexing="ij")
        parts.append((np.full(by.size, sex), by.ravel(), k.ravel()))
    sex, by, k = (np.concatenate(x).astype(np.int64) for x in zip(*parts))
    caisse = np.full(len(k), c, np.int64)
    moves, move_day = ben.pair_move(caisse, sex, by, k, net.seed)
    never = np.full(len(k), 1 << 30, np.int64)
    first_until = np.where(moves, move_day, never)
    later = moves
    kinds = [  # (key, since, until, swap) of the first occupant, the swapped person, newcomer
        (ben.person_key(caisse, sex, by, k), np.zeros(len(k), np.int64), first_until,
         np.zeros(len(k), bool)),
        (ben.person_key(caisse ^ 1, sex, by, k), move_day, never, np.ones(len(k), bool)),
        (ben.person_key(caisse, sex, by, k, True), move_day, never, np.zeros(len(k), bool)),
    ]
    rows = [np.arange(len(k)), np.flatnonzero(later), np.flatnonzero(later)]
    pick = np.concatenate(rows)
    return People(caisse[pick], sex[pick], by[pick], k[pick],
                  np.concatenate([kd[0][r] for kd, r in zip(kinds, rows)]),
                  np.concatenate([kd[1][r] for kd, r in zip(kinds, rows)]),
                  np.concatenate([kd[2][r] for kd, r in zip(kinds, rows)]),
                  np.concatenate([kd[3][r] for kd, r in zip(kinds, rows)]))


def age_at(p: People, rows: np.ndarray, day: np.ndarray) -> np.ndarray:
    year, doy = ben.day_of_year(day)
    return year - p.birth_year[rows] - (ben.birthday(p.k[rows], p.sex[rows]) > doy)


def holds(p: People, rows: np.ndarray, day: np.ndarray, age: np.ndarray,
          kk: np.ndarray) -> np.ndarray:
    """Whether candidate ``rows`` hold their slot on ``day`` (the slot exists at that age, the
    day is in their tenure, a swap needs the partner's slot, a newcomer its absence)."""
    band = ben.band_of(np.maximum(age, 0))
    sex = p.sex[rows]
    exists = (age >= 0) & (p.k[rows] < kk[p.caisse[rows], band, sex - 1])
    tenure = (day >= p.since[rows]) & (day < p.until[rows])
    has = ben.has_partner_slot(p.caisse[rows], sex, band, p.k[rows], kk)
    later = p.since[rows] > 0
    fits = np.where(later, np.where(p.swap[rows], has, ~has), True)
    return exists & tenure & fits


def _month_first(months: np.ndarray) -> np.ndarray:
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def screening_days(p: People, prog: Programme, year: int) -> tuple[np.ndarray, np.ndarray]:
    """(candidate rows, act day) of the act opportunity of each candidate in ``year``."""
    m0 = (year - 1970) * 12
    phase = (_hash(p.key, prog.salt) % np.uint64(prog.window)).astype(np.int64)
    month = m0 + (phase - m0) % prog.window
    rows = np.flatnonzero(month < m0 + 12)
    start = _month_first(month[rows])
    length = _month_first(month[rows] + 1) - start
    return rows, start + np.floor(uniform(p.key[rows], prog.salt + 1) * length).astype(np.int64)


def yearly_days(p: People, prog: Programme, year: int, share: np.ndarray, visits: tuple,
                gap: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(candidate rows, day, visit number) of yearly episodes: a candidate consults in ``year``
    when their own uniform of the year is under ``share`` (per candidate), then ``visits``
    (cumulative probabilities of 1, 2, … visits) days ``gap`` days apart (within the year)."""
    lo, hi = year_bounds(year)
    salt = prog.salt + 1000 * year
    u = uniform(p.key, salt)
    rows = np.flatnonzero(u < share)
    key = p.key[rows]
    n = 1 + np.searchsorted(np.asarray(visits), uniform(key, salt + 1), side="right")
    day = lo + np.floor(uniform(key, salt + 2) * (hi - lo)).astype(np.int64)
    out_r, out_d, out_j = [rows], [day], [np.zeros(len(rows), np.int64)]
    for j in range(1, len(visits) + 1):
        day = day + gap[0] + np.floor(uniform(key, salt + 2 + j) * (gap[1] - gap[0]))
        day = day.astype(np.int64)
        keep = (n > j) & (day < hi)
        out_r.append(rows[keep]), out_d.append(day[keep])
        out_j.append(np.full(int(keep.sum()), j, np.int64))
    return np.concatenate(out_r), np.concatenate(out_d), np.concatenate(out_j)
