"""The column-wise result assembly (issue 20 § 3: analyses/forms.py, engine/finalise.py) gives
the bytes of the row-by-row one it replaced, kept verbatim in tests/assembly_v1_forms.py and
tests/assembly_v1_finalise.py: the same tables and provenance through ``cogind.compute``, the
same CSV, Parquet and JSON files through ``cogind compute``, on the sample and on hand-built
inputs mixing computed and reported forms (caisses with the claims, the report, both or
neither; regions mixing them), and the same rows from ``forms.apply``/``keep`` on random result
tables (duplicate keys, missing values, details, judged « mixte » rows)."""
from __future__ import annotations

import contextlib
import datetime as dt
import random

import assembly_v1_finalise
import assembly_v1_forms
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cogind
from cogind import api
from cogind.analyses import forms
from cogind.cli import cli
from cogind.cli.common import sample_path
from cogind.engine import finalise
from cogind.engine.finalise import RESULT_SCHEMA

CODE = "PARCOURS_PSY_PATIENTS_NB"
# three regions (Île-de-France, Hauts-de-France, Auvergne-Rhône-Alpes), several caisses each
CAISSES = ["75C751", "92C921", "93C931", "59C591", "59C592", "62C621", "69C691", "38C381"]
KINDS = ("claims", "report", "both", "neither", "no_session_report")


@contextlib.contextmanager
def assembly(old: bool):
    """``cogind.compute`` (and the CLI) with the former assembly when ``old``."""
    saved = api.Rows, api.add_indicator_rows, api.add_unavailable_rows, api.forms
    fin, fo = (assembly_v1_finalise, assembly_v1_forms) if old else (finalise, forms)
    api.Rows, api.add_indicator_rows, api.add_unavailable_rows, api.forms = (
        fin.Rows, fin.add_indicator_rows, fin.add_unavailable_rows, fo)
    try:
        yield
    finally:
        api.Rows, api.add_indicator_rows, api.add_unavailable_rows, api.forms = saved


def both(source, **kw) -> tuple[pa.Table, pa.Table]:
    with assembly(old=True):
        old = cogind.compute(source, **kw)
    return old, cogind.compute(source, **kw)


def assert_same(old: pa.Table, new: pa.Table) -> None:
    assert old.schema.metadata == new.schema.metadata
    assert old.schema == new.schema and old.equals(new)


def tables(kinds: dict[str, str], seed: int = 0) -> dict[str, pa.Table]:
    """Claims (psy sessions 9201/9202 with BEN_NIR_PSA, or other acts) and ``mesures`` of
    PARCOURS_PSY_PATIENTS per caisse, as ``kinds`` says."""
    rnd = random.Random(seed)
    claims, mes = [], []
    for k, (caisse, kind) in enumerate(kinds.items()):
        if kind in ("claims", "both", "neither", "no_session_report"):
            acts = (9201, 9202, 1111) if kind in ("claims", "both") else (1111,)
            for i in range(40):
                day = dt.date(2023, 1, 1) + dt.timedelta(rnd.randrange(730))
                claims.append((caisse, day, rnd.choice(acts), f"B{k:02d}{rnd.randrange(25):014d}"))
        if kind in ("report", "both", "no_session_report"):
            mes += [(caisse, dt.date(y, m, 1), float(rnd.randrange(5, 60)))
                    for y in (2023, 2024) for m in range(1, 13) if rnd.random() < 0.9]
    out = {}
    if claims:
        out["prestations"] = pa.table({
            "ORG_CLE_NUM": pa.array([c[0] for c in claims], pa.string()),
            "EXE_SOI_DTD": pa.array([c[1] for c in claims], pa.date32()),
            "PRS_NAT_REF": pa.array([c[2] for c in claims], pa.int32()),
            "BEN_NIR_PSA": pa.array([c[3] for c in claims], pa.string())})
    if mes:
        out["mesures"] = pa.table({
            "ORG_CLE_NUM": [m[0] for m in mes],
            "MES_MOI_DTD": pa.array([m[1] for m in mes], pa.date32()),
            "MES_COD": ["PARCOURS_PSY_PATIENTS"] * len(mes),
            "MES_NUM": pa.nulls(len(mes), pa.float64()),
            "MES_DEN": pa.nulls(len(mes), pa.float64()),
            "MES_VAL": [m[2] for m in mes]})
    return out


MIXED = dict(zip(CAISSES, ["claims", "report", "both", "neither", "claims", "both",
                           "no_session_report", "report"]))


def test_sample_gives_the_same_table_and_provenance():
    old, new = both(sample_path(), levels=["caisse", "region", "national"], period="quarter")
    assert_same(old, new)
    assert new.num_rows > 50_000


def test_mixed_forms_give_the_same_table_and_provenance():
    old, new = both(tables(MIXED), indicators=[CODE, "ALD_MEDECIN_TRAITANT_TAUX"],
                    period="month", levels=["caisse", "region", "national"], secret=3)
    assert_same(old, new)
    formes = cogind.provenance(new)["formes"][CODE]
    assert set(formes) == {"calculée", "déclarée", "mixte"}


@pytest.mark.parametrize("ext", ["csv", "parquet", "json", "arrow"])
def test_cli_files_are_byte_identical(tmp_path, ext):
    for name, table in tables(MIXED, seed=3).items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    files = []
    for old in (True, False):
        out = tmp_path / f"r{int(old)}.{ext}"
        with assembly(old):
            r = CliRunner().invoke(cli, ["compute", str(tmp_path), "--indicator", CODE,
                                         "--period", "quarter", "--level", "caisse", "--level",
                                         "region", "--level", "national", "-o", str(out)])
        assert r.exit_code == 0, r.output
        files.append(out)
    assert files[0].read_bytes() == files[1].read_bytes()
    sidecar = [f.with_name(f.name + ".provenance.json") for f in files]
    if sidecar[0].exists():
        assert sidecar[0].read_bytes() == sidecar[1].read_bytes()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    cogind.generate(out, years=(2023, 2024), defects=0.05, seed=5,
                    rows={"prestations": 3000, "ij": 2000, "contacts": 2000, "dossiers": 1000,
                          "enquetes": 1000, "demarches": 1000, "controles": 1000})
    return out


@pytest.mark.parametrize("ext, period", [("arrow", "quarter"), ("parquet", "year")])
def test_generated_data_files_are_byte_identical(tmp_path, generated, ext, period):
    """Every indicator of the COG (defects: exclusions, missing values, non calculable rows)."""
    files = []
    for old in (True, False):
        out = tmp_path / f"r{int(old)}.{ext}"
        with assembly(old):
            r = CliRunner().invoke(cli, ["compute", str(generated), "--period", period,
                                         "--level", "caisse", "--level", "region", "--level",
                                         "national", "-o", str(out)])
        assert r.exit_code == 0, r.output
        files.append(out.read_bytes())
    assert files[0] == files[1]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=len(CAISSES)),
       seed=st.integers(0, 10), period=st.sampled_from(["year", "quarter", "month", "ytd"]),
       secret=st.sampled_from([False, 3, 12]))
def test_random_mixes_of_forms_give_the_same_rows(kinds, seed, period, secret):
    source = tables(dict(zip(CAISSES, kinds)), seed)
    if not source:
        return
    old, new = both(source, indicators=[CODE], period=period, secret=secret,
                    levels=["caisse", "region", "national"])
    assert_same(old, new)


# ------------------------------------------------------------------ forms.apply on random tables
LEVELS = [("caisse", c) for c in CAISSES[:5]] + [("region", "11"), ("region", "32"),
                                                 ("national", None)]
PERIODS = [("2023", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
           ("2024-T1", dt.date(2024, 1, 1), dt.date(2024, 3, 31))]

row_strategy = st.fixed_dictionaries({
    "internal": st.booleans(), "unit": st.sampled_from(LEVELS),
    "period": st.sampled_from(PERIODS),
    "valeur": st.one_of(st.none(), st.just(float("nan")), st.floats(0, 1e4)),
    "denominateur": st.one_of(st.none(), st.floats(1, 1e4)),
    "n": st.one_of(st.none(), st.integers(0, 500)),
    "statut": st.sampled_from(["atteint", "non atteint", "non calculable", "sans cible"]),
    "details": st.sampled_from([None, "", '{"ald": false}', '{"forme": "x", "b": "é"}']),
    "unite": st.sampled_from(["%", "nombre"])})


def result_table(specs: list[dict], code: str) -> pa.Table:
    rows = []
    for s in specs:
        (level, unit), (label, start, end) = s["unit"], s["period"]
        rows.append({f.name: None for f in RESULT_SCHEMA} | {
            "indicateur": forms.internal_code(code) if s["internal"] else code,
            "libelle": "calculé" if s["internal"] else "déclaré", "cog": "2023-2027",
            "niveau": level, "caisse": unit, "periode": label, "debut": start, "fin": end,
            "valeur": s["valeur"], "denominateur": s["denominateur"], "n": s["n"],
            "unite": s["unite"], "sens": "hausse", "cible": 100.0, "statut": s["statut"],
            "details": s["details"], "exclusions": "{}", "n_exclus": 0, "masque": False})
    other = {**rows[0], "indicateur": "AUTRE", "details": '{"forme": "déclarée"}'} if rows else None
    return pa.Table.from_pylist(rows[:2] + ([other] if other else []) + rows[2:],
                                schema=RESULT_SCHEMA)


@pytest.fixture(scope="module")
def setup():
    registry = cogind.build_registry()
    cog = registry.cogs["2023-2027"]
    autos = forms.pairs(registry, [registry.indicators[CODE]])
    return forms.with_targets(cog, autos), autos


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(row_strategy, max_size=30), gap=st.booleans(), mask=st.data())
def test_apply_and_keep_match_the_row_by_row_version(setup, specs, gap, mask):
    cog, autos = setup
    table = result_table(specs, CODE)
    gaps = {forms.internal_code(CODE): object()} if gap else {}
    meta_old, meta_new = {"sans_secret": [CODE]}, {"sans_secret": [CODE]}
    old, old_forms = assembly_v1_forms.apply(table, meta_old, autos, gaps, cog, None)
    new, new_forms = forms.apply(table, meta_new, autos, gaps, cog, None)
    assert ipc(old) == ipc(new) and meta_old == meta_new  # bytes: NaN == NaN
    masked = mask.draw(st.lists(st.booleans(), min_size=new.num_rows, max_size=new.num_rows))
    hidden = finalise.mask_cells(new, masked)
    assert ipc(assembly_v1_forms.keep(hidden, old_forms)) == ipc(forms.keep(hidden, new_forms))


def ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return sink.getvalue().to_pybytes()
