"""cogind against the independent plain-Python reference of every indicator (STYLE.md §6).

For every registered indicator and every period kind, cogind's value, n and exclusion counts
must equal the reference's for every caisse × period cell and for the national row, on random
tables (hypothesis) and on the generic edge cases (empty table, one row, all rows excluded,
empty groups). Cells present on one side only must be empty on the other (value null, n 0, no
exclusion): cogind lists every caisse of the table over every month of its date range.
"""
from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import math
import os

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cogind
from reference import REFERENCES, SPECS, undated
from reference.strategies import ROWS, SCHEMAS, dense_ij_spending, to_arrow



def builtin_registry():
    """cogind's own plugins only: third-party plugins installed in the environment (e.g. the
    example plugin of examples/) bring their own indicators and their own tests."""
    foreign = [ep.name for ep in importlib.metadata.entry_points(group="cogind")
               if ep.dist is not None and ep.dist.metadata["Name"] != "cogind"]
    return cogind.build_registry(disabled=foreign)


REGISTRY = builtin_registry()
CODES = sorted(REGISTRY.indicators)
PERIODS = ("month", "quarter", "year")
EMPTY = (None, 0, {})
EXAMPLES = int(os.environ.get("COGIND_REFERENCE_EXAMPLES", "25"))  # more in a nightly run
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --------------------------------------------------------------------------- comparison


def cogind_cells(code: str, tables: dict, period: str):
    """{(caisse or None, label): (value, n, exclusions)} from cogind, and its provenance."""
    res = cogind.compute({k: to_arrow(k, v) for k, v in tables.items()}, cog=None,
                         indicators=[code], period=period, registry=REGISTRY, threads=1)
    out = {}
    for r in res.to_pylist():
        assert r["indicateur"] == code
        assert (r["niveau"] == "national") == (r["caisse"] is None), r
        key = (r["caisse"], r["periode"])
        assert key not in out, f"duplicate row {key}"
        out[key] = (r["valeur"], r["n"], json.loads(r["exclusions"]))
        assert r["n_exclus"] == sum(out[key][2].values()), r
    return out, cogind.provenance(res)


def close(code: str, a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if SPECS[code].kind == "savings":  # euros, through a least-squares fit and exp()
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-4)
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def mismatches(code: str, got: dict, want: dict) -> list[str]:
    bad = []
    for key in sorted(set(got) | set(want), key=lambda k: (k[1], k[0] or "")):
        g, w = got.get(key, EMPTY), want.get(key, EMPTY)
        if not close(code, g[0], w[0]) or g[1] != w[1] or g[2] != w[2]:
            bad.append(f"{code} {key}: cogind (value, n, exclusions) = {g}, reference = {w}")
    return bad


def check(code: str, rows: list[dict], period: str) -> None:
    spec = SPECS[code]
    tables = {spec.table: rows}
    got, prov = cogind_cells(code, tables, period)
    want = REFERENCES[code](tables, period)
    bad = mismatches(code, got, want)
    assert not bad, "\n".join(bad[:10]) + f"\n({len(bad)} cells differ; {len(rows)} rows)"
    n_undated = undated(code, tables)
    expected = {"date_periode_manquante": n_undated} if n_undated else None
    assert prov["exclusions_hors_periode"].get(code) == expected


# --------------------------------------------------------------------------- meta-tests


def test_every_registered_indicator_has_a_reference():
    missing = sorted(set(REGISTRY.indicators) - set(REFERENCES))
    assert not missing, f"indicators without an independent reference: {missing}"


@pytest.mark.parametrize("code", CODES)
def test_reference_follows_the_declaration(code):
    """The hand-written specification still says what the plugin declares (no silent drift)."""
    ind, spec = REGISTRY.indicator(code), SPECS[code]
    assert (ind.table, ind.period_column, ind.caisse_column) == (
        spec.table, spec.period_column, "ORG_CLE_NUM")
    assert {c.column: frozenset(c.values) for c in ind.where} == spec.scope
    assert not any(c.negate for c in ind.where)
    m = ind.measure
    p = spec.params
    if spec.kind == "delay":
        assert (m.start, m.end, m.statistic, m.unit, m.missing_end, m.max_delay) == (
            p["start"], p["end"], p["statistic"], p["unit"], p["missing_end"], p["max_delay"])
        assert m.threshold == p.get("threshold")
        assert (m.quantile is None and "quantile" not in p) or str(m.quantile) == p["quantile"]
    elif spec.kind == "proportion":
        assert (m.numerator.column, frozenset(m.numerator.values)) == (p["column"], p["values"])
    elif spec.kind in ("ratio", "evolution"):
        r = m.of if spec.kind == "evolution" else m
        assert (r.numerator, r.denominator, r.scale) == (p["numerator"], p["denominator"],
                                                          p["scale"])
        if spec.kind == "evolution":
            assert m.base == p["base"]
    else:
        assert (m.column, m.reference) == (p["column"], p["years"])


def test_the_comparison_catches_a_difference():
    """A test that cannot fail is worthless: a one-day shift must be reported."""
    rows = [{"ORG_CLE_NUM": "01C751", "IJ_RIS_COD": "MAL", "ASS_REG_COD": "TS", "IJ_SUB_TOP": 0,
             "SIN_1IJ_IND": 1, "ATT_REC_DTD": dt.date(2022, 3, 1),
             "IJ_PAI_DTD": dt.date(2022, 3, 20)}]
    got, _ = cogind_cells("IJ_MAL_DELAI_MOYEN", {"ij": rows}, "month")
    rows[0]["ATT_REC_DTD"] = dt.date(2022, 3, 2)
    want = REFERENCES["IJ_MAL_DELAI_MOYEN"]({"ij": rows}, "month")
    assert mismatches("IJ_MAL_DELAI_MOYEN", got, want)
    want[("01C751", "2022-03")] = (19.0, 1, {"fin_manquante": 1})
    assert mismatches("IJ_MAL_DELAI_MOYEN", got, want)


# --------------------------------------------------------------------------- random tables


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("code", CODES)
@SETTINGS
@given(data=st.data())
def test_matches_reference(code, period, data):
    rows = data.draw(ROWS[SPECS[code].table](), label="rows")
    check(code, rows, period)


@pytest.mark.parametrize("period", PERIODS)
@settings(max_examples=max(EXAMPLES * 2 // 3, 1), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(rows=dense_ij_spending())
def test_savings_vs_trend_matches_reference(period, rows):
    """Dense monthly IJ spending, so that the 2023 trend is fitted (or not, one month missing)."""
    check("ECONOMIES_TENDANCIEL_IJ", rows, period)
    want = REFERENCES["ECONOMIES_TENDANCIEL_IJ"]({"prestations": rows}, period)
    assert any(v is not None for v, _, _ in want.values()), "the trend was never fitted"


QUANTILE_CODES = [c for c in CODES if SPECS[c].params.get("statistic") == "quantile"]


@pytest.mark.parametrize("code", QUANTILE_CODES)
@settings(max_examples=max(EXAMPLES, 10), deadline=None)
@given(data=st.data())
def test_quantile_rule_on_one_cell(code, data):
    """Many rows in one caisse × month, n often a multiple of 10 (q·n an integer: the rank
    k = ⌈q·n⌉ differs from ⌊q·n⌋ + 1 there), ties, delays around the histogram's maximum."""
    spec = SPECS[code]
    top = spec.params["max_delay"]
    n = data.draw(st.one_of(st.sampled_from([1, 9, 10, 11, 20, 30]), st.integers(1, 45)))
    pool_ = data.draw(st.lists(st.one_of(st.integers(0, 12), st.integers(top - 2, top + 3)),
                               min_size=1, max_size=5))
    delays = data.draw(st.lists(st.sampled_from(pool_), min_size=n, max_size=n))
    base = typical_row(code)
    end = base[spec.params["end"]]
    rows = [dict(base, **{spec.params["start"]: end - dt.timedelta(days=d)}) for d in delays]
    check(code, rows, "month")


# --------------------------------------------------------------------------- edge cases


def typical_row(code: str) -> dict:
    """One row in scope, measurable, for each indicator."""
    d, t = dt.date, dt.datetime
    return {
        "ij": {"ORG_CLE_NUM": "01C751", "IJ_RIS_COD": "ATMP" if "ATMP" in code else "MAL",
               "ASS_REG_COD": "TI" if code.endswith("_TI") else "TS", "IJ_SUB_TOP": 0,
               "SIN_1IJ_IND": 1, "ATT_REC_DTD": d(2022, 3, 1), "IJ_PAI_DTD": d(2022, 3, 20)},
        "prestations": {"ORG_CLE_NUM": "01C751", "EXE_SOI_DTD": d(2022, 3, 2),
                        "PRS_NAT_REF": 6111, "PSE_SPE_COD": 1, "PSE_CNV_COD": 2,
                        "PRS_PAI_MNT": 41.5, "BSE_REM_BSE": 30.0, "PRS_DEP_MNT": 12.34,
                        "FSE_TOP": 1, "DRG_ASS_TOP": 1, "FSE_REC_DTD": d(2022, 3, 1),
                        "PRS_PAI_DTD": d(2022, 3, 8)},
        "contacts": {"ORG_CLE_NUM": "01C751",
                     "CNT_CAN_COD": {"APPELS_TAUX_ABOUTIS": "TEL", "COURRIELS_48H_TAUX": "MEL",
                                     "RECLAMATIONS_10J_TAUX": "REC"}.get(code),
                     "CNT_ARR_DTH": t(2022, 3, 1, 9), "CNT_TRT_DTH": t(2022, 3, 2, 9),
                     "CNT_ABO_TOP": 1, "CNT_NIV_COD": 1},
        "dossiers": {"ORG_CLE_NUM": "01C751", "DOS_TYP_COD": "C2S",
                     "DOS_REC_DTD": d(2022, 3, 1), "DOS_DEC_DTD": d(2022, 3, 30)},
    }[SPECS[code].table]


def excluded_variants(code: str) -> list[dict]:
    """The typical row broken once for each reason that can exclude it."""
    spec, base = SPECS[code], typical_row(code)
    out = [dict(base, ORG_CLE_NUM=None)]  # caisse_manquante
    out += [dict(base, **{col: None}) for col in spec.scope]  # champ_indetermine
    p = spec.params
    if spec.kind == "delay":
        if p["start"] != spec.period_column:  # else a null start is undated
            out.append(dict(base, **{p["start"]: None}))
        if p["end"] != spec.period_column and p["missing_end"] == "exclure":
            out.append(dict(base, **{p["end"]: None}))
        out.append(dict(base, **{p["end"]: base[p["start"]] - dt.timedelta(days=1)}))
    elif spec.kind == "proportion":
        out.append(dict(base, **{p["column"]: None}))
    elif spec.kind in ("ratio", "evolution"):
        out += [dict(base, PRS_DEP_MNT=None), dict(base, BSE_REM_BSE=None),
                dict(base, PRS_DEP_MNT=-0.01), dict(base, BSE_REM_BSE=-3.0)]
    else:
        out += [dict(base, PRS_PAI_MNT=None), dict(base, PRS_PAI_MNT=-0.01)]
    return out


def out_of_scope(code: str) -> dict:
    spec, base = SPECS[code], typical_row(code)
    col = sorted(spec.scope)[0]
    other = {str: "VIS", int: 9}[type(base[col])]
    return dict(base, **{col: other}, ORG_CLE_NUM="01C591")


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("code", CODES)
def test_empty_table(code, period):
    check(code, [], period)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("code", CODES)
def test_one_row(code, period):
    check(code, [typical_row(code)], period)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("code", CODES)
def test_all_rows_excluded(code, period):
    rows = excluded_variants(code)
    check(code, rows, period)
    nat = REFERENCES[code]({SPECS[code].table: rows}, period)
    assert all(v is None and n == 0 for v, n, _ in nat.values())
    assert sum(sum(e.values()) for (c, _), (_, _, e) in nat.items() if c is None) == len(rows)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("code", CODES)
def test_empty_groups(code, period):
    """A caisse seen only out of scope, and months with no row between two rows."""
    first = typical_row(code)
    later = {k: (v.replace(year=2022, month=11) if isinstance(v, (dt.date, dt.datetime)) else v)
             for k, v in first.items()}
    rows = [first, out_of_scope(code), later]
    check(code, rows, period)
    got, _ = cogind_cells(code, {SPECS[code].table: rows}, period)
    if period == "month":
        assert got[("01C591", "2022-03")][1:] == (0, {})
        assert got[(None, "2022-06")][1:] == (0, {})


@pytest.mark.parametrize("code", CODES)
def test_undated_rows(code):
    """A row in scope with no period date is in no result row, counted in the provenance."""
    spec = SPECS[code]
    rows = [typical_row(code), dict(typical_row(code), **{spec.period_column: None})]
    check(code, rows, "month")
    assert undated(code, {spec.table: rows}) == 1


# --------------------------------------------------------------------------- sub-second times


# Was a bug: each timestamp was floored to the second before the difference, so 48 h 00.5 s
# counted as 48 h and an end 0.5 s before its start in the same second as a delay of 0.
@pytest.mark.parametrize("unit", ["ms", "us"])
def test_subsecond_delays_in_hours(unit):
    """COURRIELS_48H_TAUX: durée arrondie à l'heure supérieure (ceil of the exact duration)."""
    t = dt.datetime
    rows = [
        # 48 h + 0.5 s: 49 h once rounded up, so beyond 48 h
        dict(typical_row("COURRIELS_48H_TAUX"), CNT_ARR_DTH=t(2022, 3, 1, 9),
             CNT_TRT_DTH=t(2022, 3, 3, 9, 0, 0, 500_000)),
        # answered 0.3 s before it arrived: end before start
        dict(typical_row("COURRIELS_48H_TAUX"), CNT_ARR_DTH=t(2022, 3, 1, 9, 0, 0, 800_000),
             CNT_TRT_DTH=t(2022, 3, 1, 9, 0, 0, 500_000)),
    ]
    table = pa.Table.from_pylist(rows, schema=pa.schema(  # built in the unit: no truncation
        [pa.field(f.name, pa.timestamp(unit)) if pa.types.is_timestamp(f.type) else f
         for f in SCHEMAS["contacts"]]))
    res = cogind.compute({"contacts": table}, cog=None, indicators=["COURRIELS_48H_TAUX"],
                         period="month", registry=REGISTRY, threads=1)
    got = {(r["caisse"], r["periode"]): (r["valeur"], r["n"], json.loads(r["exclusions"]))
           for r in res.to_pylist()}
    want = REFERENCES["COURRIELS_48H_TAUX"]({"contacts": rows}, "month")
    assert want[(None, "2022-03")] == (0.0, 1, {"fin_avant_debut": 1})
    assert not mismatches("COURRIELS_48H_TAUX", got, want)
