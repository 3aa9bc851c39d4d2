"""Bounded hypothesis strategies for the input tables (rows as dicts, then pyarrow).

Rows are drawn to hit the edge cases of the definitions: caisses plus a null caisse (a national
measure in ``mesures``), dates over 2021-2024 with nulls (2012-2024 for the monthly tables, whose
evolutions compare with 2013, 2017, 2021 or 2022), ends before starts, ties (delays and amounts
drawn from a small per-example pool), delays past the histogram's maximum, null / negative /
zero amounts, null scope columns, out-of-scope values, unanswered e-mails and complaints,
empty tables and single rows, stocks with months missing between two months, evolutions whose
base year is absent or whose base value is zero.

Every ``ROWS[name](focus=None, years=())`` strategy takes an optional ``focus``
(``{scope column: allowed values}``, e.g. the scope of one indicator: rows mostly in it) and
``years`` (years worth drawing, e.g. an evolution's base year and the next ones).
"""
from __future__ import annotations

import datetime as dt

import pyarrow as pa
from hypothesis import strategies as st

CAISSES = ("01C751", "01C131", "01C591", None)
FIRST_DAY = dt.date(2021, 1, 1)
LAST_OFFSET = (dt.date(2024, 12, 31) - FIRST_DAY).days

SCHEMAS = {
    "ij": pa.schema([("ORG_CLE_NUM", pa.string()), ("IJ_RIS_COD", pa.string()),
                     ("ASS_REG_COD", pa.string()), ("IJ_SUB_TOP", pa.int8()),
                     ("SIN_1IJ_IND", pa.int8()), ("ATT_REC_DTD", pa.date32()),
                     ("IJ_PAI_DTD", pa.date32()), ("ARR_DEB_DTD", pa.date32()),
                     ("IJ_NBR", pa.int32()), ("ARR_NUM", pa.string())]),
    "prestations": pa.schema([("ORG_CLE_NUM", pa.string()), ("EXE_SOI_DTD", pa.date32()),
                              ("PRS_NAT_REF", pa.int32()), ("PSE_SPE_COD", pa.int16()),
                              ("PSE_CNV_COD", pa.int16()), ("PRS_PAI_MNT", pa.float64()),
                              ("BSE_REM_BSE", pa.float64()), ("PRS_DEP_MNT", pa.float64()),
                              ("FSE_TOP", pa.int8()), ("DRG_ASS_TOP", pa.int8()),
                              ("FSE_REC_DTD", pa.date32()), ("PRS_PAI_DTD", pa.date32()),
                              ("BEN_NIR_PSA", pa.string())]),
    "contacts": pa.schema([("ORG_CLE_NUM", pa.string()), ("CNT_CAN_COD", pa.string()),
                           ("CNT_ARR_DTH", pa.timestamp("s")), ("CNT_TRT_DTH", pa.timestamp("s")),
                           ("CNT_ABO_TOP", pa.int8()), ("CNT_NIV_COD", pa.int8())]),
    "dossiers": pa.schema([("ORG_CLE_NUM", pa.string()), ("DOS_TYP_COD", pa.string()),
                           ("DOS_REC_DTD", pa.date32()), ("DOS_DEC_DTD", pa.date32())]),
    "enquetes": pa.schema([("ORG_CLE_NUM", pa.string()), ("ENQ_REP_DTD", pa.date32()),
                           ("ENQ_PUB_COD", pa.string()), ("ENQ_CAN_COD", pa.string()),
                           ("ENQ_SAT_TOP", pa.int8()), ("ENQ_REI_TOP", pa.int8())]),
    "demarches": pa.schema([("ORG_CLE_NUM", pa.string()), ("DEM_REC_DTD", pa.date32()),
                            ("DEM_TYP_COD", pa.string()), ("DEM_CAN_COD", pa.string()),
                            ("PSP_SPE_COD", pa.int16())]),
    "controles": pa.schema([("ORG_CLE_NUM", pa.string()), ("CTL_DTD", pa.date32()),
                            ("CTL_TYP_COD", pa.string()), ("IND_FRA_TOP", pa.int8()),
                            ("IND_NOT_MNT", pa.float64()), ("IND_REC_MNT", pa.float64()),
                            ("PRJ_SUB_MNT", pa.float64()), ("PRJ_EVI_MNT", pa.float64()),
                            ("ERR_TOP", pa.int8()), ("ERR_MNT", pa.float64()),
                            ("CTL_MNT", pa.float64())]),
    "mesures": pa.schema([("ORG_CLE_NUM", pa.string()), ("MES_MOI_DTD", pa.date32()),
                          ("MES_COD", pa.string()), ("MES_NUM", pa.float64()),
                          ("MES_DEN", pa.float64()), ("MES_VAL", pa.float64())]),
}


def to_arrow(name: str, rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMAS[name])


@st.composite
def noise(draw):
    """Per example: 0 clean rows (values in scope, no nulls), 1 a few faults, 2 many."""
    return draw(st.sampled_from([0, 1, 1, 2]))


def pick(good, bad=(), level: int = 1):
    """Mostly ``good`` values; ``bad`` ones and nulls more often as the noise level rises."""
    values = list(good) * 4
    if level:
        values += list(bad) * level + [None] * level
    return st.sampled_from(values)


@st.composite
def caisses(draw, level: int):
    """The caisses of one example (a subset, so that cells hold several rows)."""
    chosen = draw(st.lists(st.sampled_from(CAISSES[:3]), min_size=1, max_size=3, unique=True))
    return pick(chosen, (), level)


@st.composite
def window(draw):
    """(first day offset, span): the rows of one example fall in a short or long window."""
    span = draw(st.sampled_from([0, 25, 95, 400, LAST_OFFSET]))
    first = draw(st.integers(0, LAST_OFFSET - span))
    return first, span


def day_in(w):
    first, span = w
    return st.integers(first, first + span).map(lambda k: FIRST_DAY + dt.timedelta(days=k))


def pool(draw, values):
    """A small per-example pool of values (drawn once), so that rows tie."""
    return st.sampled_from(draw(st.lists(values, min_size=1, max_size=4)))


def maybe(s, level: int = 1):
    return st.one_of(*([st.none()] * level), *([s] * 8))


@st.composite
def start_end(draw, w, delays, level):
    """Start and end days: end = start + a pooled delay, an unrelated day, or null."""
    start = draw(maybe(day_in(w), level))
    how = draw(pick(["delay", "delay"], ["other", "null"], level))
    if how == "null":
        return start, None
    if how == "other" or start is None:
        return start, draw(day_in(w))
    return start, start + dt.timedelta(days=draw(delays))


DAY_DELAYS = st.one_of(st.integers(-3, 12), st.integers(0, 60), st.integers(300, 800))
SIZES = st.one_of(st.integers(0, 3), st.integers(0, 40))


def focused(focus, column: str, good, bad=()):
    """(good, bad) values of a scope column: those of the focus when it names the column (the
    others become out-of-scope values), else the defaults."""
    if focus and column in focus:
        allowed = sorted(focus[column], key=str)
        others = [v for v in dict.fromkeys([*good, *bad]) if v not in focus[column]]
        return allowed, others
    return list(good), list(bad)


@st.composite
def years_of(draw, years=()):
    """The years of one example: a few of the ``years`` worth drawing, a few others."""
    out = set(draw(st.lists(st.integers(2012, 2024), max_size=2)))
    if years:
        out |= set(draw(st.lists(st.sampled_from(sorted(years)), min_size=1, max_size=3)))
    return sorted(out or {draw(st.integers(2021, 2023))})


@st.composite
def monthly_day(draw, years, months, level, first_day=False):
    """A day of one of ``years`` × ``months`` (the first of the month when ``first_day``, but
    for noise), or null."""
    day = 1 if first_day and not draw(st.integers(0, 5)) < level else draw(st.integers(1, 28))
    return draw(maybe(st.just(dt.date(draw(st.sampled_from(years)),
                                      draw(st.sampled_from(months)), day)), level))


ARRETS = ("A01", "A02", "A03", "B_7", "A0123456789ABCDEFGHI")
MONTHS = st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True)  # gaps between them
LONG_DELAYS = st.one_of(st.integers(0, 40), st.sampled_from([547, 548, 549]),
                        st.sampled_from([547, 548, 549]), st.integers(540, 560),
                        st.integers(600, 1200), st.integers(600, 1200))


@st.composite
def ij_rows(draw, focus=None, years=()):
    """Delays in a window, or payments on a few months of a few years (for the year-on-year
    evolution of the IJ of leaves longer than 18 months: ARR_DEB_DTD around 548 days before)."""
    level, w = draw(noise()), draw(window())
    caisse, delays = draw(caisses(level)), pool(draw, DAY_DELAYS)
    longs = pool(draw, LONG_DELAYS)
    by_month = draw(st.booleans())
    ys, months = draw(years_of(years or (2021, 2022, 2023))), draw(MONTHS)
    risks = draw(st.sampled_from([["MAL"], ["ATMP"], ["MAL", "ATMP"]]))
    regimes = draw(st.sampled_from([["TS"], ["TI"], ["TS", "TI"]]))
    nombres = pool(draw, st.sampled_from([0, 1, 3, 30, 31]))
    arrets = pool(draw, st.sampled_from(ARRETS))  # a few arrêts, several payments each
    rows = []
    for _ in range(draw(st.integers(4, 40) if by_month else SIZES)):
        if by_month:
            end = draw(monthly_day(ys, months, level))
            start = None if end is None else end - dt.timedelta(days=draw(delays))
            start = draw(pick([start], [None], level))
        else:
            start, end = draw(start_end(w, delays, level))
        leave = draw(day_in(w)) if end is None else end - dt.timedelta(days=draw(longs))
        rows.append({"ORG_CLE_NUM": draw(caisse),
                     "IJ_RIS_COD": draw(pick(risks, ["MAL", "ATMP"], level)),
                     "ASS_REG_COD": draw(pick(regimes, ["TS", "TI"], level)),
                     "IJ_SUB_TOP": draw(pick([0], [1], level)),
                     "SIN_1IJ_IND": draw(pick([1], [0, 9], level)),
                     "ATT_REC_DTD": start, "IJ_PAI_DTD": end,
                     "ARR_DEB_DTD": draw(pick([leave], [], level)),
                     "IJ_NBR": draw(pick([draw(nombres)], [-2], level)),
                     "ARR_NUM": draw(pick([draw(arrets)], [None, "A-1", ""], level))})
    return rows


@st.composite
def dossiers_rows(draw, focus=None, years=()):
    level, w = draw(noise()), draw(window())
    caisse, delays = draw(caisses(level)), pool(draw, DAY_DELAYS)
    rows = []
    for _ in range(draw(SIZES)):
        start, end = draw(start_end(w, delays, level))
        rows.append({"ORG_CLE_NUM": draw(caisse),
                     "DOS_TYP_COD": draw(pick(["C2S", "C2SP", "CMUC", "ACS"], (), level)),
                     "DOS_REC_DTD": start, "DOS_DEC_DTD": end})
    return rows


def amount(level: int, zeros: int = 0):
    """Integer cents as euros: positive, zero, negative or null (``zeros``: weight of 0)."""
    good = st.integers(1, 200_000)
    bad = [st.none(), st.integers(-2000, -1), st.just(0)]
    return st.one_of(*([good] * 8), *([st.just(0)] * zeros), *(bad * level)).map(
        lambda c: None if c is None else c / 100)


SPECIALITES = [1, 12, 36, 0, 99, 19, 85, 69]


@st.composite
def exe_day(draw, years, months):
    return dt.date(draw(st.sampled_from(years)), draw(st.sampled_from(months)),
                   draw(st.integers(1, 28)))


BENEFICIAIRES = ["A" * 17, "0123456789ABCDEFG", "0123456789ABCDEFH", "b_1", "Z"]
"""Pseudonymised beneficiaries (BEN_NIR_PSA): few, so that they repeat across months and
caisses (issue 21 § 1)."""


@st.composite
def prestations_rows(draw, focus=None, years=()):
    """Care dates on a few months of 2021-2024 (same months across years, for evolutions)."""
    level, w = draw(noise()), draw(window())
    caisse = draw(caisses(level))
    delays = pool(draw, st.one_of(st.integers(-2, 15), st.integers(300, 500)))
    months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=3, unique=True))
    years = sorted({2022, *draw(st.lists(st.integers(2021, 2024), max_size=3))})
    rows = []
    for _ in range(draw(SIZES)):
        start, end = draw(start_end(w, delays, level))
        rows.append({"ORG_CLE_NUM": draw(caisse),
                     "EXE_SOI_DTD": draw(maybe(exe_day(years, months), level)),
                     "PRS_NAT_REF": draw(pick([6111, 6118, 6112, 9201, 9202], [1111], level)),
                     "PSE_SPE_COD": draw(pick(SPECIALITES, [36, 0, 99], level)),
                     "PSE_CNV_COD": draw(pick([2, 3], [1], level)),
                     "PRS_PAI_MNT": draw(amount(level)), "BSE_REM_BSE": draw(amount(level)),
                     "PRS_DEP_MNT": draw(amount(level, zeros=4)),
                     "FSE_TOP": draw(pick([1], [0], level)),
                     "DRG_ASS_TOP": draw(pick([1], [0], level)),
                     "FSE_REC_DTD": start, "PRS_PAI_DTD": end,
                     "BEN_NIR_PSA": draw(pick(BENEFICIAIRES, ["é" * 17, "X" * 21], level))})
    return rows


@st.composite
def dense_ij_spending(draw):
    """IJ spending for every month of 2021-2023 and some caisses, plus noise rows: the trend of
    2023 can be fitted (or not for a caisse, when one of its months is missing)."""
    rows = []
    chosen = draw(st.lists(st.sampled_from(CAISSES[:3]), min_size=1, max_size=2, unique=True))
    skip = draw(st.sampled_from([None, (2021, 5), (2022, 12)])) if len(chosen) > 1 else None
    level = draw(st.integers(1000, 100_000))
    growth = draw(st.integers(-20, 20))
    for c in chosen:
        for y in (2021, 2022, 2023):
            for m in range(1, 13):
                if (y, m) == skip and c == chosen[0]:
                    continue
                k = (y - 2021) * 12 + m
                for _ in range(draw(st.integers(1, 2))):
                    cents = level + growth * k * level // 1000 + draw(st.integers(0, level // 4))
                    rows.append({"ORG_CLE_NUM": c, "EXE_SOI_DTD": dt.date(y, m, draw(
                        st.integers(1, 28))), "PRS_NAT_REF": 6111 + (k % 8),
                        "PRS_PAI_MNT": cents / 100})
    rows += draw(st.lists(st.fixed_dictionaries({
        "ORG_CLE_NUM": st.sampled_from(CAISSES),
        "EXE_SOI_DTD": maybe(exe_day([2021, 2022, 2023, 2024], list(range(1, 13)))),
        "PRS_NAT_REF": st.sampled_from([6111, 1111, None]), "PRS_PAI_MNT": amount(2)}),
        max_size=8))
    for r in rows:
        for col in ("PSE_SPE_COD", "PSE_CNV_COD", "BSE_REM_BSE", "PRS_DEP_MNT", "FSE_TOP",
                    "DRG_ASS_TOP", "FSE_REC_DTD", "PRS_PAI_DTD"):
            r.setdefault(col, None)
    return draw(st.permutations(rows))


SECOND_DELAYS = st.one_of(
    st.sampled_from([0, 1, 3600, 48 * 3600, 48 * 3600 + 1, 47 * 3600 + 1, 10 * 86400,
                     10 * 86400 + 3600, 11 * 86400, 9 * 86400 + 3601, -1, -3600, -86400,
                     62 * 86400, 70 * 86400]),
    st.integers(-5 * 3600, 15 * 86400))


@st.composite
def contacts_rows(draw, focus=None, years=()):
    level, w = draw(noise()), draw(window())
    caisse, delays = draw(caisses(level)), pool(draw, SECOND_DELAYS)
    canals = draw(st.sampled_from([["TEL"], ["MEL"], ["REC"], ["TEL", "MEL", "REC"]]))
    rows = []
    for _ in range(draw(SIZES)):
        arr = draw(maybe(day_in(w), level))
        if arr is not None:
            arr = dt.datetime.combine(arr, dt.time()) + dt.timedelta(
                seconds=draw(st.sampled_from([0, 3600 * 9, 3600 * 23 + 1800, 86399])))
        how = draw(pick(["delay", "delay"], ["other", "null"], level))
        if how == "null":
            trt = None  # never answered
        elif how == "other" or arr is None:
            trt = dt.datetime.combine(draw(day_in(w)), dt.time(draw(st.integers(0, 23))))
        else:
            trt = arr + dt.timedelta(seconds=draw(delays))
        rows.append({"ORG_CLE_NUM": draw(caisse),
                     "CNT_CAN_COD": draw(pick(canals, ["VIS", "TEL", "MEL", "REC"], level)),
                     "CNT_ARR_DTH": arr, "CNT_TRT_DTH": trt,
                     "CNT_ABO_TOP": draw(pick([1, 0], [], level)),
                     "CNT_NIV_COD": draw(pick([1, 2], [3], level))})
    return rows


NATURES = ("CV", "NN", "C2S", "AAT", "CMAT", "ORD", "CONS", "RIJ", "ATTD", "DSHI", "DMT", "PSE",
           "DAT", "CEAM", "DSIJ")


@st.composite
def enquetes_rows(draw, focus=None, years=()):
    level, w = draw(noise()), draw(window())
    caisse = draw(caisses(level))
    publics = focused(focus, "ENQ_PUB_COD", ["ASS", "PS", "EMP"])
    canaux = focused(focus, "ENQ_CAN_COD", ["GLOBAL", "MEL", "TEL", "PHY"])
    rows = []
    for _ in range(draw(SIZES)):
        rows.append({"ORG_CLE_NUM": draw(caisse), "ENQ_REP_DTD": draw(maybe(day_in(w), level)),
                     "ENQ_PUB_COD": draw(pick(*publics, level)),
                     "ENQ_CAN_COD": draw(pick(*canaux, level)),
                     "ENQ_SAT_TOP": draw(pick([0, 1], [9], level)),
                     "ENQ_REI_TOP": draw(pick([0, 1], [9], level))})
    return rows


@st.composite
def demarches_rows(draw, focus=None, years=()):
    level, w = draw(noise()), draw(window())
    caisse = draw(caisses(level))
    natures = focused(focus, "DEM_TYP_COD", draw(st.lists(st.sampled_from(NATURES), min_size=1,
                                                          max_size=4, unique=True)), ["AUTRE"])
    rows = []
    for _ in range(draw(SIZES)):
        rows.append({"ORG_CLE_NUM": draw(caisse), "DEM_REC_DTD": draw(maybe(day_in(w), level)),
                     "DEM_TYP_COD": draw(pick(*natures, level)),
                     "DEM_CAN_COD": draw(pick(["DEMAT", "PAPIER"], [], level)),
                     "PSP_SPE_COD": draw(pick([1, 22, 23, 3, 34], [], level))})
    return rows


def amounts(draw, level: int, zeros: int = 2):
    """Amounts of one column in one example: a small pool of positive values (ties), zeros,
    and, with noise, nulls and negative amounts."""
    good = pool(draw, st.integers(1, 200_000))
    bad = [st.none(), st.integers(-2000, -1)]
    return st.one_of(*([good] * 8), *([st.just(0)] * zeros), *(bad * level)).map(
        lambda c: None if c is None else c / 100)


@st.composite
def dated_keys(draw, caisse, ys, months, level, first_day=False):
    """(caisse, day) of each row: either random, or "dense": every caisse × year × month of the
    example once (so that every period has its base-year months), then a few more rows."""
    if draw(st.booleans()):
        return [(draw(caisse), draw(monthly_day(ys, months, level, first_day)))
                for _ in range(draw(SIZES))]
    chosen = draw(st.lists(caisse, min_size=1, max_size=3))
    keys = [(c, dt.date(y, m, 1 if first_day else draw(st.integers(1, 28))))
            for c in dict.fromkeys(chosen) for y in ys for m in months][:60]
    keys += [(draw(caisse), draw(monthly_day(ys, months, level, first_day)))
             for _ in range(draw(st.integers(0, 5)))]
    return keys


@st.composite
def controles_rows(draw, focus=None, years=()):
    """Controls on a few months of a few years (the evolutions compare with 2017 or 2022)."""
    level = draw(noise())
    caisse = draw(caisses(level))
    ys, months = draw(years_of(years or (2017, 2018, 2022, 2023))), draw(MONTHS)
    types = focused(focus, "CTL_TYP_COD", ["SM", "PN", "PE", "LCF"], ["AUTRE"])
    fraude = focused(focus, "IND_FRA_TOP", [0, 1], [9])
    values = {c: amounts(draw, level) for c in (
        "IND_NOT_MNT", "IND_REC_MNT", "PRJ_SUB_MNT", "PRJ_EVI_MNT", "ERR_MNT", "CTL_MNT")}
    rows = []
    for c, day in draw(dated_keys(caisse, ys, months, level)):
        rows.append({"ORG_CLE_NUM": c, "CTL_DTD": day,
                     "CTL_TYP_COD": draw(pick(*types, level)),
                     "IND_FRA_TOP": draw(pick(*fraude, level)),
                     "ERR_TOP": draw(pick([0, 1], [], level)),
                     **{c: draw(v) for c, v in values.items()}})
    return rows


@st.composite
def mesures_rows(draw, focus=None, years=()):
    """Reported measurements: one or a few rows per caisse and month, on a few months (gaps
    between them) of a few years; national measures as rows without caisse, alone or next to
    caisse rows; values pooled per example, so that zeros and ties (a base value of 0) occur."""
    level = draw(noise())
    only_national = draw(st.integers(0, 4)) == 4  # every row without caisse
    chosen = [] if only_national else draw(st.lists(st.sampled_from(CAISSES[:3]), min_size=1,
                                                     max_size=3, unique=True))
    national = only_national or draw(st.booleans())
    caisse = pick(chosen + [None] * national, (), level)
    ys, months = draw(years_of(years or (2021, 2022, 2023))), draw(MONTHS)
    codes = focused(focus, "MES_COD", ["MESURE_A", "MESURE_B"], ["AUTRE"])
    values = {c: amounts(draw, level) for c in ("MES_NUM", "MES_DEN", "MES_VAL")}
    rows = []
    for c, day in draw(dated_keys(caisse, ys, months, level, first_day=True)):
        rows.append({"ORG_CLE_NUM": c, "MES_MOI_DTD": day, "MES_COD": draw(pick(*codes, level)),
                     **{c: draw(v) for c, v in values.items()}})
    return rows


ROWS = {"ij": ij_rows, "prestations": prestations_rows, "contacts": contacts_rows,
        "dossiers": dossiers_rows, "enquetes": enquetes_rows, "demarches": demarches_rows,
        "controles": controles_rows, "mesures": mesures_rows}
