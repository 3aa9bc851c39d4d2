"""Rolling 12 months, year to date and evolutions, against a recomputation from raw rows.

The recomputation below is plain Python over the rows (no state, no grid, no engine): each
window's rows are selected by their own date, then the statistic is computed from its definition.
"""
from __future__ import annotations

import datetime as dt
import math
import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import cogind
from cogind import Condition, Indicator, hookimpl, where
from cogind.errors import ConfigError
from cogind.measures.families import Evolution, Proportion
from cogind.measures.periods import Period, periods_between

CAISSES = ("01C751", "02C131")
FIRST, LAST = (2021, 1), (2024, 6)


def months(first=FIRST, last=LAST):
    y, m = first
    while (y, m) <= last:
        yield y, m
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)


def random_day(rng, y, m):
    return dt.date(y, m, rng.randint(1, 28))


def make_contacts(seed=1) -> pa.Table:
    rng, rows = random.Random(seed), []
    for y, m in months((2022, 1)):
        for caisse in CAISSES:
            for _ in range(rng.randint(0, 12)):
                day = dt.datetime.combine(random_day(rng, y, m), dt.time(9))
                channel = rng.choice(["TEL", "TEL", "MEL"])
                rows.append({"ORG_CLE_NUM": caisse, "CNT_CAN_COD": channel, "CNT_ARR_DTH": day,
                             "CNT_TRT_DTH": None, "CNT_NIV_COD": 1,
                             "CNT_ABO_TOP": rng.choice([0, 1, 1, 1, None])})
    return pa.Table.from_pylist(rows, pa.schema([
        ("ORG_CLE_NUM", pa.string()), ("CNT_CAN_COD", pa.string()),
        ("CNT_ARR_DTH", pa.timestamp("s")), ("CNT_TRT_DTH", pa.timestamp("s")),
        ("CNT_NIV_COD", pa.int8()), ("CNT_ABO_TOP", pa.int8())]))


def make_dossiers(seed=2) -> pa.Table:
    rng, rows = random.Random(seed), []
    for y, m in months((2022, 1)):
        for caisse in CAISSES:
            for _ in range(rng.randint(0, 10)):
                dec = random_day(rng, y, m)
                rec = dec - dt.timedelta(days=rng.choice([0, 3, 10, 20, 25, 40, 90]))
                rows.append({"ORG_CLE_NUM": caisse, "DOS_TYP_COD": rng.choice(["C2S", "ACS"]),
                             "DOS_REC_DTD": rec if rng.random() > 0.05 else None,
                             "DOS_DEC_DTD": dec})
    return pa.Table.from_pylist(rows)


def make_prestations(seed=3) -> pa.Table:
    rng, rows = random.Random(seed), []
    for y, m in months():
        for caisse in CAISSES:
            for _ in range(rng.randint(0, 6)):
                rows.append({"ORG_CLE_NUM": caisse, "EXE_SOI_DTD": random_day(rng, y, m),
                             "PSE_CNV_COD": rng.choice([1, 2, 3]), "PSE_SPE_COD": 1,
                             "PRS_DEP_MNT": rng.randint(0, 5000) / 100,
                             "BSE_REM_BSE": rng.randint(100, 10000) / 100})
    return pa.Table.from_pylist(rows)


# --------------------------------------------------------------------------- raw recomputation


def mnum(y, m):
    return y * 12 + m - 1


def label(a, b):
    return f"{a // 12}-{a % 12 + 1:02d}/{b // 12}-{b % 12 + 1:02d}"


def raw_windows(kind, first, last):
    """(label, first month, last month) of each window, written from the definitions."""
    out = []
    for end in range(first, last + 1):
        start = end - 11 if kind == "rolling12" else end - end % 12
        if start >= first:
            out.append((label(start, end), start, end))
    return out


def raw_calendar(kind, first, last):
    size = {"month": 1, "quarter": 3, "year": 12}[kind]
    out = []
    for s in range(first - first % size, last + 1, size):
        y, r = divmod(s, 12)
        name = {1: f"{y}-{r + 1:02d}", 3: f"{y}-T{r // 3 + 1}", 12: f"{y}"}[size]
        out.append((name, s, s + size - 1))
    return out


def in_cell(row, caisse, a, b, date_col):
    d = row[date_col]
    return (d is not None and (caisse is None or row["ORG_CLE_NUM"] == caisse)
            and a <= mnum(d.year, d.month) <= b)


def raw_calls(rows, caisse, a, b):
    kept = [r["CNT_ABO_TOP"] for r in rows if in_cell(r, caisse, a, b, "CNT_ARR_DTH")
            and r["CNT_CAN_COD"] == "TEL" and r["CNT_ABO_TOP"] is not None]
    return 100.0 * sum(kept) / len(kept) if kept else None


def raw_d9(rows, caisse, a, b):
    delays = sorted((r["DOS_DEC_DTD"] - r["DOS_REC_DTD"]).days for r in rows
                    if in_cell(r, caisse, a, b, "DOS_DEC_DTD") and r["DOS_REC_DTD"] is not None)
    return float(delays[math.ceil(0.9 * len(delays)) - 1]) if delays else None


def raw_excess_rate(rows, caisse, a, b):
    kept = [r for r in rows
            if in_cell(r, caisse, a, b, "EXE_SOI_DTD") and r["PSE_CNV_COD"] in (2, 3)]
    num = sum(round(r["PRS_DEP_MNT"] * 100) for r in kept)
    den = sum(round(r["BSE_REM_BSE"] * 100) for r in kept)
    return 100.0 * num / den if den else None


def raw_evolution(fn, rows, caisse, a, b, base_year):
    shift = 12 * (b // 12 - base_year) if base_year else 12
    cur, ref = fn(rows, caisse, a, b), fn(rows, caisse, a - shift, b - shift)
    return None if cur is None or not ref else 100.0 * (cur / ref - 1.0)


def cells(table, code):
    t = table.filter(pc.equal(table["indicateur"], code))
    return {(r["caisse"], r["periode"]): r["valeur"] for r in t.to_pylist()}


def check(table, code, windows, raw):
    got = cells(table, code)
    want = {(c, name): raw(c, a, b) for name, a, b in windows for c in (*CAISSES, None)}
    assert set(got) == set(want)
    for key, value in want.items():
        if value is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key


# --------------------------------------------------------------------------- tests


def test_window_periods():
    first, last = 2022 * 12 - 1970 * 12, 2023 * 12 + 2 - 1970 * 12  # 2022-01 .. 2023-03
    rolling = periods_between(first, last, "rolling12")
    assert [p.label for p in rolling] == ["2022-01/2022-12", "2022-02/2023-01",
                                          "2022-03/2023-02", "2022-04/2023-03"]
    assert rolling[-1].year == 2023 and rolling[-1].start == dt.date(2022, 4, 1)
    assert rolling[-1].end == dt.date(2023, 3, 31)
    ytd = periods_between(first + 1, last, "ytd")  # 2022 starts in February: not a full YTD
    assert [p.label for p in ytd] == ["2023-01/2023-01", "2023-01/2023-02", "2023-01/2023-03"]
    assert Period("x", 5, 7).shifted(12) == Period("1969-06/1969-08", -7, -5)
    with pytest.raises(ConfigError, match="unknown period 'weekly'"):
        periods_between(first, last, "weekly")


@pytest.mark.parametrize("kind", ["rolling12", "ytd"])
def test_windows_against_raw_rows(kind):
    contacts, dossiers = make_contacts(), make_dossiers()
    res = cogind.compute({"contacts": contacts, "dossiers": dossiers}, cog=None, period=kind,
                         indicators=["APPELS_TAUX_ABOUTIS", "C2S_DELAI_D9"], secret=False)
    windows = raw_windows(kind, mnum(2022, 1), mnum(*LAST))
    calls, files = contacts.to_pylist(), dossiers.to_pylist()
    check(res, "APPELS_TAUX_ABOUTIS", windows, lambda c, a, b: raw_calls(calls, c, a, b))
    check(res, "C2S_DELAI_D9", windows, lambda c, a, b: raw_d9(files, c, a, b))


@pytest.mark.parametrize("kind", ["month", "quarter", "year", "rolling12", "ytd"])
def test_evolution_base_2022_against_raw_rows(kind):
    prestations = make_prestations()
    res = cogind.compute({"prestations": prestations}, cog=None, period=kind,
                         indicators=["DEPASSEMENT_TAUX_EVOLUTION"], secret=False)
    first, last = mnum(*FIRST), mnum(*LAST)
    windows = (raw_windows if kind in ("rolling12", "ytd") else raw_calendar)(kind, first, last)
    rows = prestations.to_pylist()
    check(res, "DEPASSEMENT_TAUX_EVOLUTION", windows,
          lambda c, a, b: raw_evolution(raw_excess_rate, rows, c, a, b, 2022))


class PreviousYear:
    """An evolution versus the previous year, declared in memory for the test."""

    @hookimpl
    def cogind_register_indicators(self, registry):
        registry.add_indicator(Indicator(
            code="TEST_APPELS_EVOLUTION", libelle="test", definition="test", table="contacts",
            measure=Evolution(of=Proportion(Condition("CNT_ABO_TOP", (1,))),
                              base="annee_precedente"),
            unit="%", direction="hausse", period_column="CNT_ARR_DTH",
            where=where(CNT_CAN_COD="TEL")))


@pytest.mark.parametrize("kind", ["rolling12", "ytd", "quarter"])
def test_evolution_previous_year_against_raw_rows(kind):
    contacts = make_contacts()
    res = cogind.compute({"contacts": contacts}, cog=None, period=kind,
                         indicators=["TEST_APPELS_EVOLUTION"], plugins=[PreviousYear()],
                         secret=False)
    first, last = mnum(2022, 1), mnum(*LAST)
    windows = (raw_windows if kind in ("rolling12", "ytd") else raw_calendar)(kind, first, last)
    calls = contacts.to_pylist()
    check(res, "TEST_APPELS_EVOLUTION", windows,
          lambda c, a, b: raw_evolution(raw_calls, calls, c, a, b, None))
    details = res.filter(pc.equal(res["periode"], windows[-1][0]))["details"][0].as_py()
    assert '"annee_base": 2023' in details


def test_cli_period_choices(tmp_path):
    from click.testing import CliRunner

    from cogind.cli import cli

    import pyarrow.parquet as pq

    pq.write_table(make_contacts(), tmp_path / "contacts.parquet")
    for choice in ("rolling12", "glissant12", "ytd", "cumul"):
        r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--cog", "none", "--period", choice,
                                     "--indicator", "APPELS_TAUX_ABOUTIS"])
        assert r.exit_code == 0, r.output
        assert "2024-01/2024-06" in r.stdout or "2023-07/2024-06" in r.stdout
    r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--period", "weekly"])
    assert r.exit_code == 2
