"""cogind against the independent plain-Python reference of every indicator (STYLE.md §6).

For every registered indicator and every period kind, cogind's value, n and exclusion counts
must equal the reference's for every caisse × period cell and for the national row, on random
tables (hypothesis) and on the generic edge cases (empty table, one row, all rows excluded,
empty groups, national measures without caisse, stocks with gaps, evolutions whose base is
absent or zero). Cells present on one side only must be empty on the other (value null, n 0, no
exclusion): cogind lists every caisse of the table over every month of its date range.

Budget (CI, 2 cores): one random example set per indicator with the period drawn (not one set
per period), ``COGIND_REFERENCE_EXAMPLES`` examples (default 4; a nightly run raises it).
"""
from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
from pathlib import Path
import math
import os

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cogind
from reference import REFERENCES, SPECS, undated
from reference.definitions import M
from reference.strategies import ROWS, SCHEMAS, dense_ij_spending, to_arrow



def builtin_registry():
    """cogind's own plugins only: third-party plugins installed in the environment (e.g. the
    example plugin of examples/) bring their own indicators and their own tests."""
    foreign = [ep.name for ep in importlib.metadata.entry_points(group="cogind")
               if ep.dist is not None and ep.dist.metadata["Name"] != "cogind"]
    return cogind.build_registry(disabled=foreign)


REGISTRY = builtin_registry()
CODES = sorted(REGISTRY.indicators)
COVERED = [c for c in CODES if c in SPECS]
"""Indicators with a reference: the data tests run on them; the meta-tests fail for the others
(a gap is declared by a failing test, never hidden by a skip)."""
PERIODS = ("month", "quarter", "year")
EMPTY = (None, 0, {})
EXAMPLES = int(os.environ.get("COGIND_REFERENCE_EXAMPLES", "4"))  # more in a nightly run
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --------------------------------------------------------------------------- comparison


def cogind_cells(code: str, tables: dict, period: str):
    """{(caisse or None, label): (value, n, exclusions)} from cogind, and its provenance."""
    res = cogind.compute({k: to_arrow(k, v) for k, v in tables.items()}, cog=None,
                         indicators=[code], period=period, registry=REGISTRY, threads=1,
                         secret=False)
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


REFERENCED_ELSEWHERE = {
    **{code: "tests/test_standard.py" for code in (
        "DEPENSE_PAR_BENEFICIAIRE_STD", "RECOURS_GENERALISTE_STD",
        "DEPENSE_IJ_PAR_BENEFICIAIRE_STD")},
    **{code: "tests/test_tendanciel.py" for code in (
        "ECONOMIES_TENDANCIEL_PRODUITS_SANTE", "ECONOMIES_TENDANCIEL_TRANSPORTS",
        "ECONOMIES_TENDANCIEL_MASSEURS_KINES", "ECONOMIES_TENDANCIEL_BIOLOGIE",
        "ECONOMIES_TENDANCIEL_MAITRISE")}}
"""Declared gaps: standardised rates read a second table (population), savings per spending
line a second table (tendanciel, optional), which this harness does not feed; their
independent plain-Python references (direct standardisation; supplied trend sums and a NumPy
least-squares trend) live in the file named."""


# a rate over the population table (n° 29, issue 21 § 1): set-based reference in its own file
REFERENCED_ELSEWHERE["DENTISTE_RECOURS_TAUX_CALCULE"] = "tests/test_beneficiaires_dentaire.py"
REFERENCED_ELSEWHERE["COUT_BENEF_CONSOMMANT_EVOLUTION_CALCULE"] = "tests/test_beneficiaires_cout.py"
# n° 30-32 (rates over the population table) and n° 22 (table beneficiaires): set-based
# references in their own files (issue 21 § 1)
REFERENCED_ELSEWHERE.update(dict.fromkeys(
    ("DEPISTAGE_SEIN_TAUX_CALCULE", "DEPISTAGE_COL_TAUX_CALCULE",
     "DEPISTAGE_COLORECTAL_TAUX_CALCULE"), "tests/test_depistages.py"))
REFERENCED_ELSEWHERE["ALD_MEDECIN_TRAITANT_TAUX_CALCULE"] = "tests/test_ald_mt.py"


def test_every_registered_indicator_has_a_reference():
    missing = sorted(set(REGISTRY.indicators) - set(REFERENCES) - set(REFERENCED_ELSEWHERE))
    assert not missing, f"indicators without an independent reference: {missing}"
    root = Path(__file__).parents[1]
    for code, path in REFERENCED_ELSEWHERE.items():
        assert code in REGISTRY.indicators, f"{code}: declared gap for an unknown indicator"
        assert code in (root / path).read_text(encoding="utf-8"), f"{code} not tested in {path}"


KERNELS = {"ordonnances_sur_consultations": "ordonnances"}
"""Plugin kernels (KernelMeasure) whose reference is written from their definition text."""


def declared(m) -> M:
    """The plugin's measure in the reference's terms, read from the declaration's fields."""
    name = type(m).__name__
    if name == "Delay":
        return M("delay", dict(start=m.start, end=m.end, statistic=m.statistic, unit=m.unit,
                               quantile=None if m.quantile is None else str(m.quantile),
                               threshold=m.threshold, missing_end=m.missing_end,
                               max_delay=m.max_delay))
    if name == "Proportion":
        assert not m.numerator.negate
        return M("proportion", dict(column=m.numerator.column,
                                    values=frozenset(m.numerator.values)))
    if name == "Count":
        return M("count")
    if name in ("Sum", "Stock"):
        return M(name.lower(), dict(column=m.column))
    if name == "RatioOfSums":
        return M("ratio", dict(numerator=m.numerator, denominator=m.denominator, scale=m.scale,
                               minority=m.minority))
    if name == "Evolution":
        return M("evolution", dict(of=declared(m.of), base=m.base))
    if name == "EcartPoints":
        return M("points", dict(of=declared(m.of), bases=tuple(m.bases), base=m.base))
    if name == "SavingsVsTrend":
        return M("savings", dict(column=m.column, years=m.reference))
    if name == "KernelMeasure":
        k = m.custom
        assert k.name in KERNELS, f"plugin kernel {k.name}: write its reference from its text"
        return M(KERNELS[k.name], dict(
            kernel=k.name, text=m.text, reasons=tuple(k.reasons),
            inputs=tuple((i.column, i.kind, tuple(i.values)) for i in k.inputs)))
    if name == "LongEpisodes":
        return M("ij_longs", dict(id=m.id_column, start=m.start_column, end=m.day_column,
                                  column=m.value_column, days=m.min_days))
    if name == "DistinctBeneficiaries":
        return M("distinct", dict(id=m.id_column, day=m.day_column, caisse=m.caisse_column))
    raise AssertionError(f"measure family {name}: no reference (add it to definitions.py)")


def comparable(m: M, like: M) -> M:
    """``m`` restricted to the parameters that ``like`` has (a kernel's reference also keeps
    the column names its computation reads, which the declaration spells in its text)."""
    params = {k: (comparable(v, like.params[k]) if isinstance(v, M) else v)
              for k, v in m.params.items() if k in like.params}
    return M(m.kind, params)


@pytest.mark.parametrize("code", [c for c in CODES if c not in REFERENCED_ELSEWHERE])
def test_reference_follows_the_declaration(code):
    """The hand-written specification still says what the plugin declares (no silent drift):
    table, period and caisse columns, scope, measure and all its parameters, caisse_missing."""
    if code not in SPECS:
        pytest.fail(f"{code}: no independent reference in tests/reference/definitions.py")
    ind, spec = REGISTRY.indicator(code), SPECS[code]
    assert (ind.table, ind.period_column, ind.caisse_column) == (
        spec.table, spec.period_column, "ORG_CLE_NUM")
    assert {c.column: frozenset(c.values) for c in ind.where} == spec.scope
    assert not any(c.negate for c in ind.where)
    assert ind.caisse_missing == spec.caisse_missing
    got = declared(ind.measure)
    assert comparable(spec.measure, got) == got


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


def years_worth_drawing(code: str) -> tuple:
    """The base years of a comparison and the years after them (else the strategy's own)."""
    spec = SPECS[code]
    if spec.kind not in ("evolution", "points"):
        return ()
    p = spec.params
    bases = {b for _, b in p.get("bases", ())}
    if p["base"] != "annee_precedente":
        bases.add(int(p["base"]))
    if not bases:
        bases = {2021, 2022}
    return tuple(sorted({y + k for y in bases for k in (0, 1, 2)}))


@pytest.mark.parametrize("code", COVERED)
@SETTINGS
@given(data=st.data())
def test_matches_reference(code, data):
    spec = SPECS[code]
    period = data.draw(st.sampled_from(PERIODS), label="period")
    rows = data.draw(ROWS[spec.table](focus=spec.scope, years=years_worth_drawing(code)),
                     label="rows")
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


COMPARISON_CODES = [c for c in COVERED if SPECS[c].kind in ("evolution", "points")]


def base_year_of(code: str, year: int) -> int:
    p = SPECS[code].params
    listed = dict(p.get("bases", ()))
    if year in listed:
        return listed[year]
    return year - 1 if p["base"] == "annee_precedente" else int(p["base"])


def compared_years(code: str) -> list[int]:
    """Years whose base year is worth testing: those listed, the next ones, 2021-2024."""
    p = SPECS[code].params
    if p["base"] != "annee_precedente":
        years = [int(p["base"]) + k for k in (1, 2, 3)]
    else:
        years = [2021, 2022, 2023, 2024]
    return sorted({*years, *(y for y, _ in p.get("bases", ()))})


@st.composite
def measured_row(draw, code: str, caisse, day: dt.date, zero: bool) -> dict:
    """A row in scope and measurable on ``day``, its value 0 when ``zero``."""
    spec = SPECS[code]
    inner, p = spec.inner, spec.inner.params
    row = dict(typical_row(code), ORG_CLE_NUM=caisse, **{spec.period_column: day})
    euros = st.integers(1, 100_000).map(lambda c: c / 100)
    if inner.kind == "ratio":
        row[p["numerator"]] = 0.0 if zero else draw(euros)
        row[p["denominator"]] = draw(euros)
        if p.get("share") and row[p["numerator"]] > row[p["denominator"]]:  # a part of it
            row[p["numerator"]], row[p["denominator"]] = (row[p["denominator"]],
                                                          row[p["numerator"]])
    elif inner.kind == "sum":
        row[p["column"]] = 0.0 if zero else draw(euros)
    elif inner.kind == "ij_longs":
        # a long leave (≥ 548 days: its IJ count), or, for a zero, IJ of short or no leaves
        days = st.sampled_from([30, 547, 548] if zero else [548, 549, 900])
        row["ARR_DEB_DTD"] = day - dt.timedelta(days=draw(days))
        row["IJ_NBR"] = draw(st.integers(0, 30) if zero else st.integers(1, 30))
        if zero and (day - row["ARR_DEB_DTD"]).days >= 548:
            row["IJ_NBR"] = 0
        # a zero's arrêt of its own (else a long arrêt of another row would make it count)
        row["ARR_NUM"] = "Z0" if zero else draw(st.sampled_from(["L1", "L2"]))
    else:
        assert inner.kind == "count", inner.kind  # a count is never 0 with a row
    return row


@st.composite
def comparison_rows(draw, code: str):
    """Rows in scope for every caisse × month of a year and of its base year, then noise; for
    the first caisse, the base year may be absent or its value 0 (no evolution, a change in
    points of the full value). Returns (rows, case)."""
    spec = SPECS[code]
    year = draw(st.sampled_from(compared_years(code)), label="year")
    base = base_year_of(code, year)
    months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=3, unique=True))
    keys = draw(st.lists(st.sampled_from(["01C751", "01C131"]), min_size=1, max_size=2,
                         unique=True))
    if national(code) and draw(st.booleans()):
        keys.append(None)  # a national measure next to the caisses
    case = draw(st.sampled_from(["complete", "base_absent", "base_zero"]), label="case")
    rows = []
    for i, caisse in enumerate(keys):
        for y in (base, year):
            if y == base and case == "base_absent" and i == 0:
                continue
            for m in months:
                for _ in range(draw(st.integers(1, 2))):
                    day = dt.date(y, m, draw(st.sampled_from([1, 15, 28])))
                    zero = y == base and case == "base_zero" and i == 0
                    rows.append(draw(measured_row(code, caisse, day, zero)))
    noise = draw(ROWS[spec.table](focus=spec.scope, years=(base, year)), label="noise")
    return draw(st.permutations(rows + noise[:10])), case


@pytest.mark.parametrize("code", COMPARISON_CODES)
@SETTINGS
@given(data=st.data())
def test_comparison_with_its_base_year(code, data):
    """Evolutions and changes in points on tables where the base year's months are there (or,
    for one caisse, absent or 0), so that the comparison is actually computed."""
    rows, case = data.draw(comparison_rows(code), label="rows")
    period = data.draw(st.sampled_from(PERIODS), label="period")
    check(code, rows, period)
    if case == "complete":
        want = REFERENCES[code]({SPECS[code].table: rows}, period)
        assert any(v is not None for v, _, _ in want.values()), "never compared"


QUANTILE_CODES = [c for c in COVERED if SPECS[c].params.get("statistic") == "quantile"]


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


D, T = dt.date, dt.datetime
BASE_ROWS = {
    "ij": {"ORG_CLE_NUM": "01C751", "IJ_RIS_COD": "MAL", "ASS_REG_COD": "TS", "IJ_SUB_TOP": 0,
           "SIN_1IJ_IND": 1, "ATT_REC_DTD": D(2022, 3, 1), "IJ_PAI_DTD": D(2022, 3, 20),
           "ARR_DEB_DTD": D(2020, 6, 1), "IJ_NBR": 7, "ARR_NUM": "A0123456789ABCDEF"},
    "prestations": {"ORG_CLE_NUM": "01C751", "EXE_SOI_DTD": D(2022, 3, 2), "PRS_NAT_REF": 6111,
                    "PSE_SPE_COD": 1, "PSE_CNV_COD": 2, "PRS_PAI_MNT": 41.5,
                    "BSE_REM_BSE": 30.0, "PRS_DEP_MNT": 12.34, "FSE_TOP": 1, "DRG_ASS_TOP": 1,
                    "FSE_REC_DTD": D(2022, 3, 1), "PRS_PAI_DTD": D(2022, 3, 8),
                    "BEN_NIR_PSA": "0123456789ABCDEFG"},
    "contacts": {"ORG_CLE_NUM": "01C751", "CNT_CAN_COD": "TEL", "CNT_ARR_DTH": T(2022, 3, 1, 9),
                 "CNT_TRT_DTH": T(2022, 3, 2, 9), "CNT_ABO_TOP": 1, "CNT_NIV_COD": 1},
    "dossiers": {"ORG_CLE_NUM": "01C751", "DOS_TYP_COD": "C2S", "DOS_REC_DTD": D(2022, 3, 1),
                 "DOS_DEC_DTD": D(2022, 3, 30)},
    "enquetes": {"ORG_CLE_NUM": "01C751", "ENQ_REP_DTD": D(2022, 3, 4), "ENQ_PUB_COD": "ASS",
                 "ENQ_CAN_COD": "GLOBAL", "ENQ_SAT_TOP": 1, "ENQ_REI_TOP": 1},
    "demarches": {"ORG_CLE_NUM": "01C751", "DEM_REC_DTD": D(2022, 3, 4), "DEM_TYP_COD": "CV",
                  "DEM_CAN_COD": "DEMAT", "PSP_SPE_COD": 1},
    "controles": {"ORG_CLE_NUM": "01C751", "CTL_DTD": D(2022, 3, 4), "CTL_TYP_COD": "SM",
                  "IND_FRA_TOP": 1, "IND_NOT_MNT": 1500.0, "IND_REC_MNT": 820.55,
                  "PRJ_SUB_MNT": 3000.0, "PRJ_EVI_MNT": 1250.5, "ERR_TOP": 1, "ERR_MNT": 12.5,
                  "CTL_MNT": 410.0},
    "mesures": {"ORG_CLE_NUM": "01C751", "MES_MOI_DTD": D(2022, 3, 1), "MES_COD": "?",
                "MES_NUM": 45.5, "MES_DEN": 60.25, "MES_VAL": 1234.5},
}


def typical_row(code: str) -> dict:
    """One row in scope, measurable, for each indicator (the first allowed value of each scope
    column: a consultation for the ordonnances, whose n counts consultations)."""
    spec = SPECS[code]
    row = dict(BASE_ROWS[spec.table])
    for col, allowed in spec.scope.items():
        if row[col] not in allowed:
            row[col] = min(allowed, key=str)
    return row


def national(code: str) -> bool:
    return SPECS[code].caisse_missing == "national"


def excluded_variants(code: str) -> list[dict]:
    """The typical row broken once for each reason that can exclude it."""
    spec, base = SPECS[code], typical_row(code)
    out = [] if national(code) else [dict(base, ORG_CLE_NUM=None)]  # caisse_manquante
    out += [dict(base, **{col: None}) for col in spec.scope]  # champ_indetermine
    inner = spec.inner
    p = inner.params
    if inner.kind == "delay":
        if p["start"] != spec.period_column:  # else a null start is undated
            out.append(dict(base, **{p["start"]: None}))
        if p["end"] != spec.period_column and p["missing_end"] == "exclure":
            out.append(dict(base, **{p["end"]: None}))
        out.append(dict(base, **{p["end"]: base[p["start"]] - dt.timedelta(days=1)}))
    elif inner.kind == "proportion":
        out.append(dict(base, **{p["column"]: None}))
    elif inner.kind == "ratio":
        out += [dict(base, **{p["numerator"]: None}), dict(base, **{p["denominator"]: None}),
                dict(base, **{p["numerator"]: -0.01}), dict(base, **{p["denominator"]: -3.0})]
    elif inner.kind in ("sum", "stock", "savings"):
        out += [dict(base, **{p["column"]: None}), dict(base, **{p["column"]: -0.01})]
    elif inner.kind == "ordonnances":
        out.append(dict(base, DEM_TYP_COD="ORD", DEM_CAN_COD=None))
    elif inner.kind == "ij_longs":
        out += [dict(base, ARR_DEB_DTD=None), dict(base, IJ_NBR=None),
                dict(base, ARR_NUM=None), dict(base, ARR_NUM="é" * 17)]
    elif inner.kind == "distinct":
        out += [dict(base, **{p["id"]: None}), dict(base, **{p["id"]: "é" * 17})]
    else:
        assert inner.kind == "count", inner.kind  # a count excludes nothing of its own
    return out


def out_of_scope(code: str) -> dict:
    spec, base = SPECS[code], typical_row(code)
    col = sorted(spec.scope)[0]
    allowed = spec.scope[col]
    other = {str: "ZZZ", int: next(v for v in (9, 99, -1) if v not in allowed)}[type(base[col])]
    return dict(base, **{col: other}, ORG_CLE_NUM="01C591")


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("code", COVERED)
def test_empty_table(code, period):
    check(code, [], period)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("code", COVERED)
def test_one_row(code, period):
    check(code, [typical_row(code)], period)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("code", COVERED)
def test_all_rows_excluded(code, period):
    rows = excluded_variants(code)
    check(code, rows, period)
    nat = REFERENCES[code]({SPECS[code].table: rows}, period)
    assert all(v is None and n == 0 for v, n, _ in nat.values()), nat
    assert sum(sum(e.values()) for (c, _), (_, _, e) in nat.items() if c is None) == len(rows)


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("code", COVERED)
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


@pytest.mark.parametrize("code", COVERED)
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
                         period="month", registry=REGISTRY, threads=1, secret=False)
    got = {(r["caisse"], r["periode"]): (r["valeur"], r["n"], json.loads(r["exclusions"]))
           for r in res.to_pylist()}
    want = REFERENCES["COURRIELS_48H_TAUX"]({"contacts": rows}, "month")
    assert want[(None, "2022-03")] == (0.0, 1, {"fin_avant_debut": 1})
    assert not mismatches("COURRIELS_48H_TAUX", got, want)


# --------------------------------------------------------------------------- worked examples
# Figures worked out by hand from the definitions: they check the reference itself, then cogind.


def cells_of(code: str, rows: list[dict], period: str) -> dict:
    """The reference's cells, once checked equal to cogind's."""
    check(code, rows, period)
    return REFERENCES[code]({SPECS[code].table: rows}, period)


NATIONAL_CODES = [c for c in COVERED if national(c)]


@pytest.mark.parametrize("code", NATIONAL_CODES)
def test_national_measure_without_caisse(code):
    """A row without caisse of a national measure counts in the national figure only, next to
    the caisses' rows, and is never excluded as caisse_manquante."""
    alone = dict(typical_row(code), ORG_CLE_NUM=None)
    for period in PERIODS:
        got = cells_of(code, [alone, typical_row(code)], period)
        label = {"month": "2022-03", "quarter": "2022-T1", "year": "2022"}[period]
        _, n, excl = got[(None, label)]
        assert (n, excl) == (2, {}), got
        assert got[("01C751", label)][1] == 1
        assert set(c for c, _ in got) == {None, "01C751"}


def mesure(code: str, caisse, month: tuple[int, int], **values) -> dict:
    return dict(typical_row(code), ORG_CLE_NUM=caisse, MES_MOI_DTD=dt.date(*month, 1),
                **values)


def test_stock_takes_each_caisse_last_month_and_the_national_rows():
    """APPCV_ACTIVATIONS_NB (stock, national measure possible): 2022-T1 for caisse A is its
    March (two rows: 10 + 5), for B its January (February has only a null, March no row); the
    national figure adds A's March, B's January and the national rows' own last month
    (February: 200), not their January (100). Exclusions count over the whole quarter."""
    code = "APPCV_ACTIVATIONS_NB"
    a, b = "01C751", "01C131"
    rows = [mesure(code, a, (2022, 1), MES_VAL=7.0), mesure(code, a, (2022, 3), MES_VAL=10.0),
            mesure(code, a, (2022, 3), MES_VAL=5.0), mesure(code, b, (2022, 1), MES_VAL=3.0),
            mesure(code, b, (2022, 2), MES_VAL=None), mesure(code, None, (2022, 1), MES_VAL=100.0),
            mesure(code, None, (2022, 2), MES_VAL=200.0),
            mesure(code, None, (2022, 3), MES_VAL=-1.0)]
    got = cells_of(code, rows, "quarter")
    assert got[(a, "2022-T1")] == (15.0, 2, {})
    assert got[(b, "2022-T1")] == (3.0, 1, {"montant_manquant": 1})
    assert got[(None, "2022-T1")] == (218.0, 4, {"montant_manquant": 1, "montant_negatif": 1})
    months = cells_of(code, rows, "month")
    assert months[(b, "2022-03")] == (None, 0, {})
    assert months[(None, "2022-02")] == (200.0, 1, {"montant_manquant": 1})  # a month: its own


def test_stock_without_national_rows_excludes_a_row_without_caisse():
    """ASSISTANTS_MEDICAUX_NB is reported per caisse: a row without caisse is excluded."""
    code = "ASSISTANTS_MEDICAUX_NB"
    rows = [mesure(code, "01C751", (2022, 1), MES_VAL=4.0),
            mesure(code, None, (2022, 2), MES_VAL=100.0)]
    got = cells_of(code, rows, "year")
    assert got[(None, "2022")] == (4.0, 1, {"caisse_manquante": 1})


def test_evolution_base_absent_zero_or_present():
    """ENERGIE_EVOLUTION (Σ MES_VAL vs the same months of 2021): caisse A 2023-03 = 150 vs
    2021-03 = 100 → +50 %; caisse B has no 2021 row → none; the national rows have 0 in 2021
    → none (a base of 0); national = (150 + 40 + 30) / (100 + 0) − 1 = +120 %."""
    code = "ENERGIE_EVOLUTION"
    a, b = "01C751", "01C131"
    rows = [mesure(code, a, (2021, 3), MES_VAL=100.0), mesure(code, a, (2023, 3), MES_VAL=150.0),
            mesure(code, b, (2023, 3), MES_VAL=40.0), mesure(code, None, (2021, 3), MES_VAL=0.0),
            mesure(code, None, (2023, 3), MES_VAL=30.0)]
    got = cells_of(code, rows, "month")
    assert got[(a, "2023-03")][:2] == (pytest.approx(50.0), 1)
    assert got[(b, "2023-03")][:2] == (None, 1)
    assert got[(None, "2023-03")][:2] == (pytest.approx(120.0), 3)
    zero = [mesure(code, None, (2021, 3), MES_VAL=0.0), mesure(code, None, (2023, 3),
                                                                MES_VAL=30.0)]
    assert cells_of(code, zero, "year")[(None, "2023")] == (None, 1, {})


def test_change_in_points_uses_the_listed_base_year():
    """DEPISTAGE_COL_ECART_PTS: 2022 compares with 2020 (« +1pt/2020 », not 2021), a base rate
    of 0 gives a change (not a missing value); 2023 is not listed: previous year."""
    code = "DEPISTAGE_COL_ECART_PTS"
    a = "01C751"
    rows = [mesure(code, a, (2020, 5), MES_NUM=0.0, MES_DEN=50.0),
            mesure(code, a, (2021, 5), MES_NUM=40.0, MES_DEN=50.0),
            mesure(code, a, (2022, 5), MES_NUM=30.0, MES_DEN=50.0),
            mesure(code, a, (2023, 5), MES_NUM=35.0, MES_DEN=50.0)]
    got = cells_of(code, rows, "year")
    assert got[(a, "2022")][:2] == (pytest.approx(60.0), 1)  # 60 % − 0 %
    assert got[(a, "2023")][:2] == (pytest.approx(10.0), 1)  # 70 % − 60 %
    assert got[(a, "2021")][:2] == (pytest.approx(80.0), 1)  # 2021 vs 2020 (listed)


def test_ordonnances_over_consultations():
    """ORDONNANCES_NUMERIQUES_TAUX: numérique ordonnances of GPs / consultations × 100, n = the
    consultations; an ordonnance without canal or prescriber is excluded, a paper one or a
    specialist's counts for nothing, a consultation's canal does not matter; no consultation:
    no value (issue 21: GP prescriptions only)."""
    code = "ORDONNANCES_NUMERIQUES_TAUX"

    def dem(nature, canal, month=3, spe=1):
        return dict(typical_row(code), DEM_TYP_COD=nature, DEM_CAN_COD=canal,
                    DEM_REC_DTD=dt.date(2022, month, 4), PSP_SPE_COD=spe)

    rows = [dem("ORD", "DEMAT"), dem("ORD", "DEMAT", spe=22), dem("ORD", "DEMAT", spe=23),
            dem("ORD", "DEMAT", spe=3), dem("ORD", "DEMAT", spe=None), dem("ORD", "PAPIER"),
            dem("ORD", None), dem("CONS", "PAPIER", spe=None), dem("CONS", None, spe=None),
            dem("CV", "DEMAT"), dem("ORD", "DEMAT", month=4)]
    got = cells_of(code, rows, "month")
    assert got[("01C751", "2022-03")] == (150.0, 2, {"valeur_manquante": 2})
    assert got[("01C751", "2022-04")] == (None, 0, {})


def test_ij_of_leaves_longer_than_18_months():
    """IJ_ARRETS_LONGS_EVOLUTION: Σ IJ_NBR of the payments of the arrêts (one each here) long
    by the period's end, ≥ 548 days (547: not counted), vs the same months of the previous
    year: (10 + 4) / 7 − 1."""
    code = "IJ_ARRETS_LONGS_EVOLUTION"

    def paid(day, days_since_start, nombre):
        return dict(typical_row(code), IJ_PAI_DTD=day, ATT_REC_DTD=day,
                    ARR_DEB_DTD=day - dt.timedelta(days=days_since_start), IJ_NBR=nombre,
                    ARR_NUM=f"A{day:%Y%m%d}_{days_since_start}_{nombre}")

    rows = [paid(dt.date(2022, 6, 10), 600, 7), paid(dt.date(2022, 6, 11), 547, 30),
            paid(dt.date(2023, 6, 10), 548, 10), paid(dt.date(2023, 6, 12), 900, 4),
            paid(dt.date(2023, 6, 12), 10, 30), dict(paid(dt.date(2023, 6, 1), 900, 4),
                                                     ARR_DEB_DTD=None)]
    got = cells_of(code, rows, "month")
    assert got[("01C751", "2023-06")] == (pytest.approx(100.0), 3, {"debut_manquant": 1})
    assert got[("01C751", "2022-06")][:2] == (None, 2)  # no 2021


def test_the_declaration_check_catches_a_drift():
    """The meta-test compares every parameter: a scale of 1 instead of 100, another base year,
    another kernel text are all seen."""
    ind = REGISTRY.indicator("TIF_PN_TAUX")
    got = declared(ind.measure)
    spec = SPECS["TIF_PN_TAUX"].measure
    assert comparable(spec, got) == got
    assert comparable(M("ratio", dict(spec.params, scale=1.0)), got) != got
    evo = declared(REGISTRY.indicator("CONTROLES_SM_EVOLUTION").measure)
    assert comparable(M("evolution", dict(SPECS["CONTROLES_SM_EVOLUTION"].params, base=2021)),
                      evo) != evo
    k = declared(REGISTRY.indicator("ORDONNANCES_NUMERIQUES_TAUX").measure)
    drift = M("ordonnances", dict(SPECS["ORDONNANCES_NUMERIQUES_TAUX"].params, text="autre"))
    assert comparable(drift, k) != k
