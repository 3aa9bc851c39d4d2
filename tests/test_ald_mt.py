"""n° 22 computed from the table ``beneficiaires`` (issue 21 § 1): patients in ALD with a
declared médecin traitant on the last day of each period, through ``cogind.compute`` and
``cogind compute``, against a plain Python set-based reference (ALD and doctor periods opening
and closing on the day, several ALDs, a move, batch sizes and threads)."""
from __future__ import annotations

import datetime as dt
import json
import random

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cogind
from cogind.cli import cli

CODE = "ALD_MEDECIN_TRAITANT_TAUX_CALCULE"
CAISSES = ["01C751", "13C131", "59C591"]
COLS = ("BEN_NIR_PSA", "ORG_CLE_NUM", "IMB_ALD_DTD", "IMB_ALD_DTF", "MTT_DEB_DTD",
        "MTT_FIN_DTD")
KW = {"cog": None, "indicators": [CODE], "secret": False}


def _day(rnd, first=dt.date(2022, 1, 1), days=3 * 365):
    return first + dt.timedelta(rnd.randrange(days))


def situations(n: int = 600, seed: int = 3) -> list[dict]:
    """ALD rows: some closed, some people with two ALDs (possibly in two caisses), doctors
    declared late, ended, or never."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        ben = f"A{i // 2 if rnd.random() < 0.2 else i + n:016d}"  # some share an id
        start = _day(rnd)
        end = start + dt.timedelta(rnd.randrange(900)) if rnd.random() < 0.3 else None
        mt0 = (start + dt.timedelta(rnd.randrange(-400, 400))) if rnd.random() < 0.8 else None
        mt1 = mt0 + dt.timedelta(rnd.randrange(600)) if mt0 and rnd.random() < 0.2 else None
        rows.append(dict(zip(COLS, (ben if rnd.random() < 0.98 else None, rnd.choice(CAISSES),
                                    start, end, mt0, mt1))))
    return rows


def table(rows) -> pa.Table:
    return pa.table({c: pa.array([r[c] for r in rows],
                                 pa.string() if c in COLS[:2] else pa.date32()) for c in COLS})


def expected(rows, days: dict[str, dt.date]) -> dict:
    """{(caisse or None, label): (n in ALD, value)} on each label's day."""
    out = {}
    for label, day in days.items():
        best = {}
        for r in rows:
            on = r["IMB_ALD_DTD"] <= day and (r["IMB_ALD_DTF"] is None or r["IMB_ALD_DTF"] >= day)
            if not on or r["BEN_NIR_PSA"] is None:
                continue
            mt = r["MTT_DEB_DTD"] is not None and r["MTT_DEB_DTD"] <= day and (
                r["MTT_FIN_DTD"] is None or r["MTT_FIN_DTD"] >= day)
            ben, rank = r["BEN_NIR_PSA"], (r["IMB_ALD_DTD"], [-ord(c) for c in r["ORG_CLE_NUM"]])
            had = best.get(ben)
            caisse = r["ORG_CLE_NUM"] if had is None or rank > had[0] else had[1]
            best[ben] = (max(rank, had[0]) if had else rank, caisse, mt or (had and had[2]))
        tally = {}
        for _, caisse, mt in best.values():
            for unit in (caisse, None):
                a, b = tally.get(unit, (0, 0))
                tally[unit] = (a + bool(mt), b + 1)
        for unit, (a, b) in tally.items():
            out[(unit, label)] = (b, 100.0 * a / b)
    return out


def got(res: pa.Table) -> dict:
    return {(r["caisse"], r["periode"]): (r["n"], r["valeur"]) for r in res.to_pylist()
            if r["indicateur"] == CODE and r["valeur"] is not None}


def close(a, b) -> bool:
    return a.keys() == b.keys() and all(a[k][0] == b[k][0] and abs(a[k][1] - b[k][1]) < 1e-9
                                        for k in a)


YEARS = {str(y): dt.date(y, 12, 31) for y in (2022, 2023, 2024)}


@pytest.mark.parametrize("threads,batch", [(1, 65_536), (2, 61)])
def test_api_equals_set_reference(threads, batch):
    rows = situations()
    res = cogind.compute({"beneficiaires": table(rows)}, period="year", threads=threads,
                         batch_size=batch, **KW)
    want = expected(rows, YEARS)
    assert want and close(got(res), want)
    months = {f"{y}-{m:02d}": (dt.date(y, m + 1, 1) if m < 12 else dt.date(y + 1, 1, 1))
              - dt.timedelta(days=1) for y in (2022, 2023, 2024) for m in range(1, 13)}
    res = cogind.compute({"beneficiaires": table(rows)}, period="month", **KW)
    assert close(got(res), expected(rows, months))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.integers(1, 300), threads=st.integers(1, 3), seed=st.integers(0, 10_000))
def test_any_batch_size_and_threads(batch, threads, seed):
    rows = situations(200, seed)
    res = cogind.compute({"beneficiaires": table(rows)}, period="year", threads=threads,
                         batch_size=batch, **KW)
    assert close(got(res), expected(rows, YEARS))


def _r(ben, caisse, start, end=None, mt0=None, mt1=None):
    return dict(zip(COLS, (ben, caisse, start, end, mt0, mt1)))


def test_days_at_the_bounds_several_alds_and_a_move():
    d = dt.date
    end = d(2024, 12, 31)
    rows = [_r("ENDSONDAY", "01C751", d(2024, 1, 5), end, d(2024, 1, 5)),  # in ALD that day
            _r("ENDEDBEFORE", "01C751", d(2024, 1, 5), d(2024, 12, 30), d(2020, 1, 1)),
            _r("STARTSONDAY", "01C751", end, None, end),  # ALD and doctor from that day
            _r("MTENDED", "01C751", d(2024, 2, 1), None, d(2023, 1, 1), d(2024, 12, 30)),
            _r("MTENDSONDAY", "01C751", d(2024, 2, 1), None, d(2023, 1, 1), end),
            _r("NODOCTOR", "01C751", d(2024, 3, 1)),
            _r("TWOALD", "01C751", d(2024, 3, 1), None, d(2024, 3, 1)),
            _r("TWOALD", "01C751", d(2024, 6, 1), None, d(2024, 3, 1)),
            _r("MOVER", "01C751", d(2024, 1, 2), d(2024, 6, 30)),
            _r("MOVER", "13C131", d(2024, 7, 1), None, d(2024, 8, 1))]
    res = cogind.compute({"beneficiaires": table(rows)}, period="year", **KW)
    out = {(r["niveau"], r["caisse"]): (r["numerateur"], r["denominateur"], r["valeur"])
           for r in res.to_pylist() if r["periode"] == "2024"}
    # in ALD on 31/12: ENDSONDAY, STARTSONDAY, MTENDED, MTENDSONDAY, NODOCTOR, TWOALD, MOVER
    # with a doctor: ENDSONDAY, STARTSONDAY, MTENDSONDAY, TWOALD, MOVER (in 13C131)
    assert out[("national", None)] == (5.0, 7.0, pytest.approx(500 / 7))
    assert out[("caisse", "01C751")] == (4.0, 6.0, pytest.approx(400 / 6))
    assert out[("caisse", "13C131")] == (1.0, 1.0, 100.0)
    assert close(got(res), expected(rows, {"2024": end}))


def test_missing_ids_are_exclusions_and_the_reported_form_stays():
    rows = situations(300, seed=8)
    res = cogind.compute({"beneficiaires": table(rows)}, period="year", **KW)
    assert close(got(res), expected(rows, YEARS))
    reg = cogind.build_registry()
    assert reg.indicators["ALD_MEDECIN_TRAITANT_TAUX"].table == "mesures"
    assert CODE not in [e.code for e in reg.cogs["2023-2027"].indicators]
    res = cogind.compute({"beneficiaires": table(rows).drop_columns(["MTT_DEB_DTD"])},
                         period="year", **{**KW, "cog": "2023-2027"})
    out = res.to_pylist()
    assert out and all(r["statut"] == "non calculable" and "MTT_DEB_DTD" in r["motif"]
                       for r in out)


def test_cli_equals_set_reference_and_describe(tmp_path):
    rows = situations(seed=11)
    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(table(rows), data / "beneficiaires.parquet")
    out = tmp_path / "r.csv"
    r = CliRunner().invoke(cli, ["compute", str(data), "--cog", "none", "--indicator", CODE,
                                 "--period", "year", "--caisses", "--no-secret", "-o", str(out)])
    assert r.exit_code == 0, r.output
    res = pacsv.read_csv(out, convert_options=pacsv.ConvertOptions(
        column_types={"caisse": pa.string(), "periode": pa.string(), "valeur": pa.string()}))
    have = {(c or None, p): (n, float(v.replace(",", "."))) for c, p, n, v in
            zip(*(res[k].to_pylist() for k in ("caisse", "periode", "n", "valeur"))) if v}
    want = expected(rows, YEARS)
    assert have.keys() == want.keys() and all(
        have[k][0] == want[k][0] and abs(have[k][1] - want[k][1]) < 0.01 for k in want)
    r = CliRunner().invoke(cli, ["describe", CODE])
    assert r.exit_code == 0 and "dernier jour de la période" in r.output
    assert "l. 9471" in r.output


def test_generated_table_equals_set_reference_and_its_patients_are_the_claims_people(tmp_path):
    from cogind.synth import ald_patients

    path = ald_patients.write(tmp_path, years=(2023, 2024), seed=4, rows_per_year=3000,
                              claims_per_year=40_000)
    rows = pq.read_table(path).to_pylist()
    for r in rows:
        r["ORG_CLE_NUM"] = str(r["ORG_CLE_NUM"])
    res = cogind.compute(tmp_path, period="year", **KW)
    want = expected(rows, {"2023": dt.date(2023, 12, 31), "2024": dt.date(2024, 12, 31)})
    assert close(got(res), want)
    national = {p: v for (c, p), (_, v) in want.items() if c is None}
    assert 85 < national["2024"] < 99  # most ALD patients have a médecin traitant
    caisses = [v for (c, p), (_, v) in want.items() if c and p == "2024"]
    assert len(caisses) > 90 and max(caisses) - min(caisses) > 5  # caisses differ
    assert all(r["IMB_ALD_DTF"] is None or r["IMB_ALD_DTF"] >= r["IMB_ALD_DTD"] for r in rows)
    cogind.generate(tmp_path / "claims", years=(2023, 2024), rows={"prestations": 80_000},
                    seed=4, tables=["prestations"])
    claims = pq.read_table(tmp_path / "claims" / "prestations.parquet",
                           columns=["BEN_NIR_PSA"])["BEN_NIR_PSA"].to_pylist()
    patients = {r["BEN_NIR_PSA"] for r in rows}
    assert len(patients & set(claims)) > 0.5 * len(patients)  # the claims' own people
    again = ald_patients.write(tmp_path / "again", years=(2023, 2024), seed=4,
                               rows_per_year=3000, claims_per_year=40_000)
    assert again.read_bytes() == path.read_bytes()  # same seed, same bytes


def test_reported_code_takes_the_computed_rate_per_caisse():
    """ALD_MEDECIN_TRAITANT_TAUX (the COG's n° 22) takes the computed share where the table
    beneficiaires has the caisse, the caisse's reported figure elsewhere."""
    rows = [r for r in situations(seed=21) if r["ORG_CLE_NUM"] != "59C591"]
    rnd = random.Random(2)
    mrows = [(c, dt.date(y, m, 1), rnd.randrange(80, 95), 100) for c in CAISSES
             for y in (2023, 2024) for m in range(1, 13)]
    mes = pa.table({"ORG_CLE_NUM": [r[0] for r in mrows],
                    "MES_MOI_DTD": pa.array([r[1] for r in mrows], pa.date32()),
                    "MES_COD": ["ALD_MT"] * len(mrows),
                    "MES_NUM": [float(r[2]) for r in mrows],
                    "MES_DEN": [float(r[3]) for r in mrows],
                    "MES_VAL": pa.nulls(len(mrows), pa.float64())})
    res = cogind.compute({"beneficiaires": table(rows), "mesures": mes}, cog="2023-2027",
                         indicators=["ALD_MEDECIN_TRAITANT_TAUX"], period="year", secret=False)
    out = {(r["caisse"], r["periode"]): r for r in res.to_pylist() if r["niveau"] == "caisse"}
    want = expected(rows, YEARS)
    for caisse in CAISSES[:2]:
        r = out[(caisse, "2024")]
        assert json.loads(r["details"])["forme"] == "calculée"
        assert r["valeur"] == pytest.approx(want[(caisse, "2024")][1])
    r = out[("59C591", "2024")]
    num = sum(m[2] for m in mrows if m[0] == "59C591" and m[1].year == 2024)
    assert json.loads(r["details"])["forme"] == "déclarée"
    assert r["valeur"] == pytest.approx(num / 12)


def test_cogind_generate_writes_the_table_on_demand_and_the_cog_code_uses_it(tmp_path):
    """``cogind generate --tables prestations,beneficiaires``: the other tables keep their
    bytes; n° 22 of the COG then takes the computed share in every caisse."""
    kw = ["--years", "2023-2024", "--seed", "2", "--rows", "prestations=60000"]
    r = CliRunner().invoke(cli, ["generate", "-o", str(tmp_path / "a"), *kw, "--tables",
                                 "prestations"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["generate", "-o", str(tmp_path / "b"), *kw, "--tables",
                                 "prestations,beneficiaires", "--rows", "beneficiaires=4000"])
    assert r.exit_code == 0, r.output
    assert ((tmp_path / "a" / "prestations.parquet").read_bytes()
            == (tmp_path / "b" / "prestations.parquet").read_bytes())
    rows = pq.read_table(tmp_path / "b" / "beneficiaires.parquet").to_pylist()
    assert len(rows) == 4000
    for row in rows:
        row["ORG_CLE_NUM"] = str(row["ORG_CLE_NUM"])
    res = cogind.compute(tmp_path / "b", cog="2023-2027",
                         indicators=["ALD_MEDECIN_TRAITANT_TAUX"], period="year", secret=False)
    out = [r for r in res.to_pylist() if r["periode"] == "2024"]
    assert {json.loads(r["details"])["forme"] for r in out} == {"calculée"}
    want = expected(rows, {"2024": dt.date(2024, 12, 31)})
    assert {(r["caisse"], r["periode"]): (r["n"], r["valeur"]) for r in out}.keys() == want.keys()
    assert all(r["valeur"] == pytest.approx(want[(r["caisse"], "2024")][1]) for r in out)
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text("utf-8"))
    assert manifest["tables"]["beneficiaires"]["rows"] == 4000
