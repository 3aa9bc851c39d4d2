"""Pseudonymised beneficiaries of the claims (``prestations.BEN_NIR_PSA``, issue 21 § 1).

Each caisse × sex × birth year has a pool of ``K`` people, ``K`` from the caisse's
population of the five-year age band (the pyramid of the ``population`` table) and the year's
claim rows rounded to a power of two (:func:`slots`; neighbouring years of a run share their
pools; a cohort's pool shrinks or grows as it changes band: deaths, arrivals): person ``k``
of a pool is born on the non-leap-calendar day ``birthday(k)`` (a golden-ratio sequence: the same day in every caisse and year). A claim of
caisse ``c``, sex ``s``, age ``a`` at care day ``d`` draws ``k`` uniformly in ``[0, K)``; the birth
year is then the only one giving age ``a`` at ``d`` (``d``'s year − a, less one if the
birthday is after ``d``'s day of the year): every id keeps one sex and one birth date, its
age at care follows the calendar across years, and a person has on average about
``CLAIMS_PER_PERSON`` claims a year (within a factor √2; older people more: consumption),
except at very small sizes where a pool holds at least one person.

Moves: the people ``k`` of the same sex and birth year in two partner caisses (indices ``2i``
and ``2i + 1``) exchange their ids from a move day on for a share ``MOVE_SHARE`` of the pairs
(move days spread over 2015-2030, about 2 % of people a year): each person is in exactly one
caisse on any day and moves at most once. Where the partner's pool has no slot ``k`` (a
smaller caisse, the odd last caisse), the slot is taken from the move day on by a newcomer of
its own id (arrival bit), so the leaver is never seen again in the old caisse.

Drawn from a random stream of its own (:func:`stream`), so every other column keeps its values.
The id is 17 characters [0-9A-Za-z] built from a bijective 64-bit mix of (caisse, sex, birth
year, k): two people never share an id.
"""
from __future__ import annotations

import functools

import numpy as np
import pyarrow as pa

from cogind.synth import population
from cogind.synth.reseau import Network

CLAIMS_PER_PERSON = 8.0  # claims per consuming person and year (SNDS: 10-20 lines a year)
DEFAULT_CLAIMS = 1_000_000  # claim rows a year when a block's year size is not known
POPULATION = 60_000_000  # beneficiaries of the generated network (population table)
MOVE_SHARE = 0.3  # pairs of people who swap caisses once over MOVE_FIRST..MOVE_LAST
MOVE_FIRST, MOVE_LAST = 16436, 22280  # 2015-01-01, 2030-12-31 (days since 1970)
ID_CHARS = 17
ALPHABET = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                         np.uint8)
GOLDEN = 0.6180339887498949
_CUM_DAYS = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def stream(seed: int, year: int, first: int) -> np.random.Generator:
    """The ids' own random stream for one block's draw (existing columns untouched)."""
    return np.random.default_rng([int(seed), 0x42454E, int(year), int(first)])


@functools.cache
def slots(net: Network, year_rows: int = DEFAULT_CLAIMS) -> np.ndarray:
    """People per birth year (caisses × age bands × 2 sexes, at least 1) for claim tables of
    about ``year_rows`` rows a year (rounded to a power of two)."""
    pop = population.counts(net, population.BASE_YEAR).astype(float)
    width = np.diff([*population.AGE_MIN, 101])[None, :, None]  # 95+: 95 to 100
    rows = 2.0 ** round(np.log2(max(int(year_rows), 1)))
    ratio = rows / POPULATION / CLAIMS_PER_PERSON
    return np.maximum(1, np.round(pop / width * ratio)).astype(np.int64)


def people(net: Network, year_rows: int = DEFAULT_CLAIMS) -> np.ndarray:
    """The pools' people (caisses × age bands × sexes) in a year of about ``year_rows`` claim
    rows: ``slots`` per birth year × the band's years; the population table's ``BEN_NBR``."""
    width = np.diff([*population.AGE_MIN, 101])  # 95+: 95 to 100
    return slots(net, year_rows) * width[None, :, None]


def band_of(age: np.ndarray) -> np.ndarray:
    return np.minimum(age // 5, population.N_BANDS - 1)


def birthday(k: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Day of the non-leap year (0..364) of person ``k`` of a pool of sex ``sex``."""
    u = np.modf((k.astype(np.float64) + 1.0) * GOLDEN + 0.25 * sex)[0]
    return np.floor(u * 365).astype(np.int64)


def day_of_year(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(year, day of the non-leap year with 29 Feb as 28 Feb) of days since 1970."""
    d = days.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = d.astype("datetime64[M]").astype(np.int64) % 12
    dom = (d - d.astype("datetime64[M]")).astype(np.int64)
    dom = np.where((month == 1) & (dom == 28), 27, dom)
    return year, _CUM_DAYS[month] + dom


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a bijection of uint64."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def person_key(caisse, sex, birth_year, k, arrival=False) -> np.ndarray:
    """Distinct uint64 per person: arrival, caisse (8 bits), sex, birth year (12 bits), k (32)."""
    sex_bit = (sex.astype(np.uint64) - np.uint64(1)) << np.uint64(44)
    new = np.asarray(arrival, np.uint64) << np.uint64(62)
    return (new | (caisse.astype(np.uint64) << np.uint64(45)) | sex_bit
            | ((birth_year.astype(np.uint64) & np.uint64(0xFFF)) << np.uint64(32))
            | k.astype(np.uint64))


def has_partner_slot(caisse, sex, band, k, kk: np.ndarray) -> np.ndarray:
    """Whether the partner caisse's pool of the band has a slot ``k`` (a swap, not a newcomer)."""
    partner = caisse ^ 1
    return (partner < len(kk)) & (k < kk[np.minimum(partner, len(kk) - 1), band, sex - 1])


def pair_move(caisse, sex, birth_year, k, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(whether the pair of slots ``k`` of the partner caisses moves, its move day)."""
    partner = caisse ^ 1
    pair = (person_key(np.minimum(caisse, partner), sex, birth_year, k)
            ^ np.uint64(seed * 0x9E37 + 1))
    h = mix(pair)
    u = (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    move_day = MOVE_FIRST + ((h & np.uint64(0xFFFF)).astype(np.int64)
                             % (MOVE_LAST - MOVE_FIRST))
    return u < MOVE_SHARE, move_day


def _moved(caisse, sex, band, birth_year, k, day, kk: np.ndarray, seed: int):
    """(caisse whose person the claim's pool slot holds on ``day``, newcomer flag)."""
    has = has_partner_slot(caisse, sex, band, k, kk)
    moves, move_day = pair_move(caisse, sex, birth_year, k, seed)
    moved = moves & (day >= move_day)
    return np.where(moved & has, caisse ^ 1, caisse), moved & ~has


def encode(key: np.ndarray, seed: int) -> pa.Array:
    x = mix(key ^ mix(np.full(len(key), seed, np.uint64) + np.uint64(0x5EED)))
    pad = mix(x + np.uint64(1))
    out = np.empty((len(key), ID_CHARS), np.uint8)
    for j in range(11):  # 62**11 > 2**64: the low 11 characters hold x exactly
        out[:, ID_CHARS - 1 - j] = ALPHABET[(x % np.uint64(62)).astype(np.intp)]
        x = x // np.uint64(62)
    for j in range(ID_CHARS - 11):
        out[:, j] = ALPHABET[(pad % np.uint64(62)).astype(np.intp)]
        pad = pad // np.uint64(62)
    offsets = np.arange(0, (len(key) + 1) * ID_CHARS, ID_CHARS, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), len(key),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(out.ravel())])


def ids(rng: np.random.Generator, net: Network, caisse: np.ndarray, sex: np.ndarray,
        age: np.ndarray, day: np.ndarray, year_rows: int | None = None) -> pa.Array:
    """``BEN_NIR_PSA`` of claims (caisse index, sex 1/2, age at care, care day since 1970) of
    a table of about ``year_rows`` claim rows a year."""
    caisse = np.asarray(caisse, np.int64)
    sex = np.asarray(sex, np.int64)
    kk = slots(net, year_rows or DEFAULT_CLAIMS)
    age = np.asarray(age, np.int64)
    band = band_of(age)
    k = np.floor(rng.random(len(caisse)) * kk[caisse, band, sex - 1]).astype(np.int64)
    year, doy = day_of_year(np.asarray(day))
    birth_year = year - np.asarray(age, np.int64) - (birthday(k, sex) > doy)
    holder, new = _moved(caisse, sex, band, birth_year, k, np.asarray(day, np.int64), kk,
                         net.seed)
    return encode(person_key(holder, sex, birth_year, k, new), net.seed)
