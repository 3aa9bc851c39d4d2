"""Invariants of the synthetic data generator (cogind.synth, issue 3)."""
from __future__ import annotations

import json
import math
import re
import shlex
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from click.testing import CliRunner
from synth_helpers import NULL, cents, columns, read, year

from cogind import hookimpl as hookimpl_
from cogind.errors import ConfigError
from cogind.cli.generate import generate_command
from cogind.synth import TABLES, generate, generate_sample, network
from cogind.synth.reference import (NOT_GENERATED, arrow_schema, caisses, nomenclature,
                                     table_schema)

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "src" / "cogind" / "sample"
SMALL = {"prestations": 60_000, "ij": 30_000, "contacts": 30_000, "dossiers": 10_000,
         "enquetes": 20_000, "demarches": 30_000, "controles": 20_000}
MODERATE = {"prestations": 200_000, "ij": 200_000, "contacts": 200_000, "dossiers": 40_000,
            "enquetes": 100_000, "demarches": 150_000, "controles": 60_000}
ROW_TABLES = tuple(t for t in TABLES if t not in ("mesures", "population"))  # one row per cell
RATE = 0.05


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    manifest = generate(out, years=(2023, 2024), rows=SMALL, seed=7)
    return out, manifest, {t: columns(out / f"{t}.parquet") for t in TABLES}


@pytest.fixture(scope="module")
def moderate(tmp_path_factory):
    out = tmp_path_factory.mktemp("moderate")
    generate(out, years=(2018, 2024), rows=MODERATE, seed=11, tables=ROW_TABLES)
    return {t: columns(out / f"{t}.parquet") for t in ROW_TABLES}


@pytest.fixture(scope="module")
def defective(tmp_path_factory):
    out = tmp_path_factory.mktemp("defective")
    manifest = generate(out, years=(2023, 2024), rows=SMALL, seed=7, defects=RATE)
    return manifest, {t: columns(out / f"{t}.parquet") for t in TABLES}


def _days(c, end, start):
    return c[end] - c[start]


# ---------------------------------------------------------------- schema and codes


@pytest.mark.parametrize("fmt", ["parquet", "arrow"])
def test_every_schema_column_in_order_with_its_type(tmp_path, fmt):
    generate(tmp_path, years=(2024, 2024), rows=dict.fromkeys(ROW_TABLES, 500), fmt=fmt)
    kinds = {"string": (pa.types.is_dictionary, pa.types.is_string),
             "integer": (pa.types.is_integer,), "number": (pa.types.is_float64,),
             "date": (pa.types.is_date32,), "datetime": (pa.types.is_timestamp,)}
    for table in TABLES:
        got = read(tmp_path / f"{table}.{fmt}").schema
        fields = [f for f in table_schema(table)["fields"]
                  if f["name"] not in NOT_GENERATED.get(table, ())]  # declared, issue 21 § 1
        assert got.names == [f["name"] for f in fields]
        for f in fields:
            assert any(check(got.field(f["name"]).type) for check in kinds[f["type"]]), f["name"]
        if fmt == "arrow":  # IPC keeps the exact written types (Parquet has no seconds unit)
            assert got == arrow_schema(table)


def test_codes_come_from_the_shipped_nomenclatures(clean):
    _, _, data = clean
    nom = nomenclature()
    p, ij = data["prestations"], data["ij"]
    assert set(p["PRS_NAT_REF"]) <= set(nom["IR_NAT_V"])
    assert set(p["PSE_SPE_COD"]) <= set(nom["IR_SPE_V"])
    assert set(p["PSE_CNV_COD"]) <= set(nom["IR_CNV_V"]) == {1, 2, 3}
    assert set(ij["PRS_NAT_REF"]) <= set(range(6111, 6119))
    codes = {c["ORG_CLE_NUM"] for c in caisses()}
    for table in TABLES:
        found = set(data[table]["ORG_CLE_NUM"]) - {None}  # mesures: None = national measure
        assert found <= codes and all(re.fullmatch(r"[0-9]{2}[A-Z][0-9]{3}", c) for c in found)
    for table, col in [("ij", "IJ_RIS_COD"), ("ij", "ASS_REG_COD"), ("contacts", "CNT_CAN_COD"),
                       ("dossiers", "DOS_TYP_COD"), ("dossiers", "DOS_CAN_COD"),
                       ("enquetes", "ENQ_PUB_COD"), ("enquetes", "ENQ_CAN_COD"),
                       ("demarches", "DEM_CAN_COD")]:
        enum = next(f for f in table_schema(table)["fields"] if f["name"] == col)
        assert set(data[table][col]) <= set(enum["constraints"]["enum"]), col


def test_network_is_skewed_and_covers_every_region():
    net = network(0)
    assert net.num_rows == 101 and len(set(net["ORG_CLE_NUM"].to_pylist())) == 101
    assert all(c.startswith("01C") for c in net["ORG_CLE_NUM"].to_pylist())
    ben = net["BEN_NBR"].to_numpy()
    assert 59e6 < ben.sum() <= 60e6
    order = np.argsort(-ben)
    top = [net["ORG_CLE_NUM"][int(i)].as_py() for i in order[:3]]
    assert set(top) == {"01C595", "01C751", "01C131"}  # Nord, Paris, Bouches-du-Rhône
    assert ben[order[:10]].sum() / ben.sum() > 0.2
    assert {int(r) for r in net["ORG_CLE_REG"].to_pylist()} == set(nomenclature()["ORG_CLE_REG"])
    perf = net["PERF"].to_numpy()
    assert (perf > 0.5).sum() > 10 and (perf < -0.5).sum() > 10
    assert network(0).equals(net) and not network(1).equals(net)


# ---------------------------------------------------------------- consistency


def test_amounts_are_consistent(clean):
    p = clean[2]["prestations"]
    base, rem, dep, paid = (cents(p[c]) for c in
                            ("BSE_REM_BSE", "BSE_REM_MNT", "PRS_DEP_MNT", "PRS_PAI_MNT"))
    assert (base > 0).all() and (rem >= 0).all() and (rem <= base).all()
    assert (dep >= 0).all() and (paid == base + dep).all()
    assert (dep[p["PSE_CNV_COD"] == 1] == 0).all()
    assert (dep[p["PSE_CNV_COD"] > 1] > 0).mean() > 0.5
    assert (p["PRS_ACT_QTE"] >= 1).all()
    ij = clean[2]["ij"]
    assert (ij["IJ_PAI_MNT"] > 0).all() and (ij["IJ_NBR"] >= 1).all()


def test_dates_are_ordered(clean):
    _, _, data = clean
    pairs = {"prestations": [("EXE_SOI_DTD", "FLX_TRT_DTD"), ("FLX_TRT_DTD", "FLX_DIS_DTD"),
                             ("EXE_SOI_DTD", "FSE_REC_DTD"), ("FSE_REC_DTD", "PRS_PAI_DTD")],
             "ij": [("ARR_DEB_DTD", "ATT_REC_DTD"), ("ATT_REC_DTD", "IJ_PAI_DTD")],
             "dossiers": [("DOS_REC_DTD", "DOS_DEC_DTD")]}
    for table, checks in pairs.items():
        for start, end in checks:
            assert (_days(data[table], end, start) >= 0).all(), (table, start, end)
    c = data["contacts"]
    handled = c["CNT_TRT_DTH"] != NULL
    assert (c["CNT_TRT_DTH"][handled] >= c["CNT_ARR_DTH"][handled]).all()
    lag = _days(data["prestations"], "FLX_TRT_DTD", "EXE_SOI_DTD")
    assert np.quantile(lag, 0.8) <= 31 and lag.max() > 90  # most within a month, long tail


def test_ij_payments_form_arrets(clean):
    ij = clean[2]["ij"]
    ids, first = ij["ARR_NUM"], ij["SIN_1IJ_IND"]
    uniq, counts = np.unique(ids, return_counts=True)
    # at most one first payment per arrêt; arrêts begun before the years miss theirs
    assert len(set(ids[first == 1])) == first.sum() and first.sum() > 0.8 * len(uniq)
    assert counts.mean() > 1.5
    firsts = first == 1
    assert 0.6 < ij["IJ_SUB_TOP"][firsts].mean() < 0.72
    assert 0.12 < (ij["IJ_RIS_COD"][firsts] == "ATMP").mean() < 0.18
    assert 0.03 < (ij["ASS_REG_COD"][firsts] == "TI").mean() < 0.15
    first_pay = dict(zip(ids[firsts], ij["IJ_PAI_DTD"][firsts]))
    assert all(d >= first_pay.get(a, d) for a, d in zip(ids, ij["IJ_PAI_DTD"]))


def test_zero_defects_by_default(clean):
    _, manifest, data = clean
    assert all(not t["defects"] for t in manifest["tables"].values())
    by_design = {"contacts": ("CNT_TRT_DTH", "CNT_ABO_TOP", "CNT_NIV_COD"),
                 "controles": ("ERR_TOP", "ERR_MNT", "CTL_MNT"),
                 "mesures": ("ORG_CLE_NUM", "MES_NUM", "MES_DEN", "MES_VAL"),
                 "population": ("ALD_TOP",),  # ALD status not generated
                 "demarches": ("PSP_SPE_COD",)}  # a prescriber on prescriptions only
    for table, cols in data.items():
        for name, values in cols.items():
            if name in by_design.get(table, ()):
                continue  # empty by design: unanswered calls, non-quality controls, national...
            assert not np.any(values == NULL) and not np.any(values == None), (table, name)  # noqa: E711
    c = data["contacts"]
    assert (c["CNT_ABO_TOP"][c["CNT_CAN_COD"] == "TEL"] != NULL).all()
    assert (c["CNT_NIV_COD"][c["CNT_CAN_COD"] == "MEL"] != NULL).all()


# ---------------------------------------------------------------- defects


def _observed(table: str, c: dict) -> dict[str, float]:
    n = len(c["ORG_CLE_NUM"])
    dates = {"prestations": ["EXE_SOI_DTD", "FLX_TRT_DTD", "FLX_DIS_DTD", "FSE_REC_DTD",
                             "PRS_PAI_DTD"], "ij": ["ARR_DEB_DTD", "ATT_REC_DTD", "IJ_PAI_DTD"],
             "contacts": ["CNT_ARR_DTH"], "dossiers": ["DOS_REC_DTD", "DOS_DEC_DTD"],
             "enquetes": ["ENQ_REP_DTD"], "demarches": ["DEM_REC_DTD"], "controles": ["CTL_DTD"],
             "mesures": ["MES_MOI_DTD"]}[table]
    rows = np.array([tuple(map(str, r)) for r in zip(*c.values())])
    out = {"null_date": np.any([c[d] == NULL for d in dates], axis=0).mean(),
           "null_caisse": (c["ORG_CLE_NUM"] == None).mean(),  # noqa: E711
           "duplicate": np.all(rows[1:] == rows[:-1], axis=1).sum() / n}
    amounts = [k for k in ("PRS_PAI_MNT", "BSE_REM_BSE", "BSE_REM_MNT", "PRS_DEP_MNT",
                           "IJ_PAI_MNT", "IND_NOT_MNT", "IND_REC_MNT", "PRJ_SUB_MNT",
                           "PRJ_EVI_MNT", "ERR_MNT", "CTL_MNT", "MES_NUM", "MES_DEN", "MES_VAL")
               if k in c]
    if amounts:
        out["negative_amount"] = np.any([c[a] < 0 for a in amounts], axis=0).mean()
    return out


def test_defect_rates_within_tolerance(defective):
    manifest, data = defective
    assert manifest["tables"]["population"]["defects"] == {}  # computed, never damaged
    for table in ROW_TABLES + ("mesures",):
        n = manifest["tables"][table]["rows"]
        counts = manifest["tables"][table]["defects"]
        expected = {"null_date", "duplicate", "unknown_code", "null_caisse"}
        assert expected <= set(counts)
        assert ("end_before_start" in counts) == (table in ("prestations", "ij", "contacts",
                                                            "dossiers"))
        for kind, count in counts.items():
            assert abs(count / n - RATE) < 0.01, (table, kind, count / n)
        for kind, rate in _observed(table, data[table]).items():
            if table == "mesures" and kind == "null_caisse":
                continue  # national measures have no caisse by design
            assert abs(rate - RATE) < 0.012, (table, kind, rate)
    p = data["prestations"]
    assert abs((~np.isin(p["PRS_NAT_REF"], list(nomenclature()["IR_NAT_V"]))).mean() - RATE) < .01
    c = data["contacts"]
    assert abs((c["CNT_CAN_COD"] == "FAX").mean() - RATE) < 0.01
    d = data["dossiers"]
    ok = (d["DOS_REC_DTD"] != NULL) & (d["DOS_DEC_DTD"] != NULL)
    assert abs((d["DOS_DEC_DTD"][ok] < d["DOS_REC_DTD"][ok]).mean() - RATE) < 0.01


# ---------------------------------------------------------------- determinism


def _files(folder: Path) -> dict[str, bytes]:
    """The files of a sample folder but its manifest and the bytecode Python writes there when
    it may (the package's ``__init__`` imported: ``__pycache__/``)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"
            and "__pycache__" not in p.relative_to(folder).parts}


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    rows = dict.fromkeys(ROW_TABLES, 3_000)
    for name, seed in [("a", 3), ("b", 3), ("c", 4)]:
        generate(tmp_path / name, years=(2022, 2024), rows=rows, seed=seed, defects=0.02)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    a, c = _files(tmp_path / "a"), _files(tmp_path / "c")
    assert all(a[k] != c[k] for k in a)


def test_batch_rows_and_partitioning_do_not_change_the_data(tmp_path):
    rows = {"prestations": 150_000, "ij": 70_000}
    kw = dict(years=(2023, 2024), rows=rows, seed=5, tables=("prestations", "ij"))
    generate(tmp_path / "big", batch_rows=1_000_000, **kw)
    generate(tmp_path / "small", batch_rows=7_777, **kw)
    generate(tmp_path / "part", batch_rows=50_000, partition=True, fmt="arrow", **kw)
    for table in rows:
        big = read(tmp_path / "big" / f"{table}.parquet")
        assert read(tmp_path / "small" / f"{table}.parquet").equals(big)
        parts = [read(p) for p in sorted((tmp_path / "part" / table).glob("year=*/part-0.arrow"))]
        assert len(parts) == 2
        assert pa.concat_tables(parts).cast(big.schema).equals(big)


def test_sample_regenerates_to_the_same_bytes(tmp_path):
    shipped = json.loads((SAMPLE_DIR / "manifest.json").read_text())
    manifest = generate_sample(tmp_path)
    assert manifest["indicator_codes"] == shipped["indicator_codes"], (
        "cogind's indicators now read other codes or measures than the bundled sample covers: "
        f"regenerate it with `{shipped['command']}`")
    assert manifest["options"] == shipped["options"]
    assert manifest["tables"] == shipped["tables"]
    got, want = _files(tmp_path), _files(SAMPLE_DIR)
    want.pop("README.md"), got.pop("README.md"), want.pop("__init__.py", None)
    assert set(got) == {f"{t}.parquet" for t in TABLES}
    libs = ("numpy", "pyarrow")
    if all(manifest["versions"][k] == shipped["versions"][k] for k in libs):
        assert got == want
    else:  # other numpy/pyarrow: same data, bytes may differ
        for name in got:
            assert read(tmp_path / name).equals(read(SAMPLE_DIR / name))


# ---------------------------------------------------------------- realism


def _ij_first_mean(ij: dict, risk: str, y: int, caisse: str | None = None) -> float:
    m = (ij["SIN_1IJ_IND"] == 1) & (ij["IJ_SUB_TOP"] == 0) & (ij["IJ_RIS_COD"] == risk)
    m &= year(ij["IJ_PAI_DTD"]) == y
    if caisse is not None:
        m &= ij["ORG_CLE_NUM"] == caisse
    return float(_days(ij, "IJ_PAI_DTD", "ATT_REC_DTD")[m].mean())


def _p90(values: np.ndarray) -> float:
    return float(np.quantile(values, 0.9, method="inverted_cdf"))


def test_national_levels_near_published_figures(moderate):
    p, ij, c, d = (moderate[t] for t in TABLES[:4])
    assert 28 <= _ij_first_mean(ij, "MAL", 2019) <= 30
    assert 24 <= _ij_first_mean(ij, "MAL", 2024) <= 26
    assert _ij_first_mean(ij, "MAL", 2024) < _ij_first_mean(ij, "MAL", 2021)
    for y in (2019, 2024):
        assert 33.5 <= _ij_first_mean(ij, "ATMP", y) <= 39.5
    # warm-up: the first months of the first year are not biased by missing earlier arrêts
    jan = _days(ij, "IJ_PAI_DTD", "ATT_REC_DTD")[(ij["SIN_1IJ_IND"] == 1) & (ij["IJ_SUB_TOP"] == 0)
                                                & (ij["IJ_RIS_COD"] == "MAL")
                                                & (ij["IJ_PAI_DTD"] < 17532 + 31)]  # 2018-01
    assert 28 <= jan.mean() <= 33
    fse = (p["FSE_TOP"] == 1) & (p["DRG_ASS_TOP"] == 1)
    assert 5 <= _p90(_days(p, "PRS_PAI_DTD", "FSE_REC_DTD")[fse]) <= 8
    c2s = (d["DOS_TYP_COD"] == "C2S") & (year(d["DOS_REC_DTD"]) == 2024)
    assert 20 <= _p90(_days(d, "DOS_DEC_DTD", "DOS_REC_DTD")[c2s]) <= 25
    tel = c["CNT_CAN_COD"] == "TEL"
    assert 0.85 <= (c["CNT_ABO_TOP"][tel] == 1).mean() <= 0.90
    handled = c["CNT_TRT_DTH"] != NULL
    wait = c["CNT_TRT_DTH"] - c["CNT_ARR_DTH"]
    mel, rec = c["CNT_CAN_COD"] == "MEL", c["CNT_CAN_COD"] == "REC"
    assert 0.77 <= (handled & (wait <= 48 * 3600))[mel].mean() <= 0.86
    assert 0 < (~handled[mel]).mean() < 0.02
    assert 0.92 <= (handled & (wait <= 10 * 86400))[rec].mean() <= 0.98
    doctors = (p["PSE_CNV_COD"] > 1) & (p["PSE_SPE_COD"] > 0)
    assert 0.45 <= p["PRS_DEP_MNT"][doctors].sum() / p["BSE_REM_BSE"][doctors].sum() <= 0.55


def test_some_caisses_meet_targets_and_some_miss(moderate):
    ij = moderate["ij"]
    big = [code for code, n in zip(*np.unique(ij["ORG_CLE_NUM"], return_counts=True))
           if n > 3_000]
    means = np.array([_ij_first_mean(ij, "MAL", 2024, code) for code in big])
    assert len(big) >= 10
    assert (means < 25).sum() >= 3 and (means > 27).sum() >= 3  # COG 2023-2027 target: 26 days


def test_seasonality_and_growth(moderate):
    for table, date in [("ij", "ARR_DEB_DTD"), ("contacts", "CNT_ARR_DTH")]:
        days = moderate[table][date]
        if table == "contacts":
            days = days // 86400
        months = days.astype("datetime64[D]").astype("datetime64[M]").astype(int) % 12
        per_month = np.bincount(months, minlength=12)
        assert per_month[0] > 1.4 * per_month[7], table  # January vs August
    p_years = np.bincount(year(moderate["prestations"]["EXE_SOI_DTD"]))
    assert p_years[2024] > p_years[2021] > p_years[2019]


# ---------------------------------------------------------------- options and CLI


@pytest.mark.parametrize("kwargs", [
    {"years": (2024, 2020)}, {"years": "2024"}, {"scale": 0}, {"tables": ("claims",)},
    {"rows": {"claims": 5}}, {"rows": {"ij": -1}}, {"defects": 0.5}, {"fmt": "csv"},
    {"batch_rows": 0}, {"seed": -1},
])
def test_invalid_options_raise_config_error(tmp_path, kwargs):
    with pytest.raises(ConfigError):
        generate(tmp_path, **kwargs)


def test_scale_sets_default_rows(tmp_path):
    m = generate(tmp_path, years=(2024, 2024), scale=0.002, tables=("dossiers", "ij"))
    assert m["tables"]["dossiers"]["rows"] == 60 and m["tables"]["ij"]["rows"] == 400


def test_manifest_and_progress(tmp_path):
    calls = []
    m = generate(tmp_path, years=(2024, 2024), rows={"ij": 70_000}, tables="ij",
                 progress=lambda *a: calls.append(a))
    assert json.loads((tmp_path / "manifest.json").read_text()) == m
    assert m["tables"]["ij"]["files"] == ["ij.parquet"] and m["total_rows"] == 70_000
    assert calls[-1] == ("ij", 70_000, 70_000) and len(calls) == 2


def test_cli_help_documents_every_option():
    result = CliRunner().invoke(generate_command, ["--help"])
    assert result.exit_code == 0
    for param in generate_command.params:
        assert param.help, param.name
        assert param.hidden or param.opts[0] in result.output  # hidden: --out, --years


def test_cli_writes_and_records_its_command(tmp_path):
    first, again = tmp_path / "first", tmp_path / "again"
    args = ["-o", str(first), "--year", "2024", "--rows", "prestations=2_000",
            "--tables", "prestations", "--defects", "0.01", "--format", "arrow"]
    result = CliRunner().invoke(generate_command, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((first / "manifest.json").read_text())
    entry = manifest["tables"]["prestations"]  # the rows asked for, then the programme acts
    assert entry["rows"] == 2_000 + entry["programmes"]["rows"]
    recorded = shlex.split(manifest["command"])[2:]
    assert recorded[:2] == ["-o", str(first)]
    result = CliRunner().invoke(generate_command, ["-o", str(again)] + recorded[2:])
    assert result.exit_code == 0, result.output
    assert _files(again) == _files(first)


@pytest.mark.parametrize("args", [["--rows", "prestations=ten"], ["--tables", "claims"],
                                  ["--sample", "--seed", "1"]])
def test_cli_bad_values_raise_config_error(tmp_path, args):
    result = CliRunner().invoke(generate_command, ["-o", str(tmp_path)] + args)
    assert isinstance(result.exception, ConfigError)


@pytest.mark.parametrize("args", [["--years", "20x4"], ["--year", "2024-2023"],
                                  ["--year", "2023", "--year", "2025"]])
def test_cli_bad_years_are_usage_errors(tmp_path, args):  # issue 22: exit 2, click's form
    result = CliRunner().invoke(generate_command, ["-o", str(tmp_path)] + args)
    assert result.exit_code == 2 and "--year" in result.output


# ---------------------------------------------------------------- tables served to indicators


def test_survey_request_and_control_levels(moderate):
    e, d, k = moderate["enquetes"], moderate["demarches"], moderate["controles"]
    y24 = year(e["ENQ_REP_DTD"]) == 2024
    ass = y24 & (e["ENQ_PUB_COD"] == "ASS")
    assert 0.80 <= e["ENQ_SAT_TOP"][ass & (e["ENQ_CAN_COD"] == "GLOBAL")].mean() <= 0.89
    assert 0.72 <= e["ENQ_SAT_TOP"][ass & (e["ENQ_CAN_COD"] != "GLOBAL")].mean() <= 0.80
    assert 0.20 <= e["ENQ_REI_TOP"][ass].mean() <= 0.27
    d24 = year(d["DEM_REC_DTD"]) == 2024
    for kind, target in [("CV", .83), ("NN", .83), ("AAT", .70), ("CMAT", .60), ("ORD", .60)]:
        share = (d["DEM_CAN_COD"][d24 & (d["DEM_TYP_COD"] == kind)] == "DEMAT").mean()
        assert abs(share - target) < 0.04, (kind, share)
    k24 = year(k["CTL_DTD"]) == 2024
    fraud, other = k24 & (k["IND_FRA_TOP"] == 1), k24 & (k["IND_FRA_TOP"] == 0)
    assert 0.50 <= k["IND_REC_MNT"][fraud].sum() / k["IND_NOT_MNT"][fraud].sum() <= 0.65
    assert 0.94 <= k["IND_REC_MNT"][other].sum() / k["IND_NOT_MNT"][other].sum() <= 0.98
    pn = k24 & (k["CTL_TYP_COD"] == "PN")
    assert 0.08 <= k["ERR_TOP"][pn].mean() <= 0.115
    assert 0.022 <= k["ERR_MNT"][pn].sum() / k["CTL_MNT"][pn].sum() <= 0.037
    lcf = k24 & (k["CTL_TYP_COD"] == "LCF")
    assert 300e6 <= k["PRJ_SUB_MNT"][lcf].sum() <= 380e6  # 337.5 M EUR target in 2024
    sm = k["CTL_TYP_COD"] == "SM"
    assert (sm & k24).sum() > 1.05 * (sm & (year(k["CTL_DTD"]) == 2022)).sum()


def test_controls_are_consistent(clean):
    k = clean[2]["controles"]
    assert (k["IND_REC_MNT"] >= 0).all() and (k["IND_REC_MNT"] <= k["IND_NOT_MNT"]).all()
    quality = np.isin(k["CTL_TYP_COD"], ["PN", "PE"])
    assert (k["ERR_TOP"][quality] != NULL).all() and (k["ERR_TOP"][~quality] == NULL).all()
    assert np.isnan(k["CTL_MNT"][~quality]).all()
    assert (k["ERR_MNT"][quality] <= k["CTL_MNT"][quality]).all()
    assert (k["ERR_MNT"][quality][k["ERR_TOP"][quality] == 0] == 0).all()
    assert (k["PRJ_SUB_MNT"][k["CTL_TYP_COD"] != "LCF"] == 0).all()
    assert (k["IND_FRA_TOP"][k["CTL_TYP_COD"] != "LCF"] == 0).all()


def test_codes_named_by_indicators_are_generated(clean):
    """Every code a registered indicator's where-condition names on a served column exists."""
    from cogind import build_registry
    from cogind.synth.served import BASE_CODES, where_values

    out, manifest, data = clean
    registry = build_registry()
    for (table, column) in BASE_CODES:
        wanted = {str(v) for v in where_values(registry, table, column)}
        assert wanted <= set(data[table][column]), (table, column)
    mes = {str(v) for i in registry.indicators.values() if i.table == "mesures"
           for c in i.where if c.column == "MES_COD" for v in c.values}
    assert mes == set(data["mesures"]["MES_COD"]) == set(manifest["indicator_codes"]["mesures"])


class _Measures:
    """A third-party plugin reading measures the built-in catalogues do not know."""

    @staticmethod
    def _ind(code, measure, unit, direction, national=False):
        from cogind import Indicator, where

        return Indicator(code=code, libelle=code, definition=code, table="mesures",
                         measure=measure, unit=unit, direction=direction,
                         period_column="MES_MOI_DTD", where=where(MES_COD="TEST_" + code),
                         caisse_missing="national" if national else "exclure")

    @hookimpl_
    def cogind_register_indicators(self, registry):
        from cogind.measures.families import Evolution, RatioOfSums, Stock, Sum

        ratio = RatioOfSums("MES_NUM", "MES_DEN")
        for ind in (self._ind("DISPO", ratio, "%", "hausse", national=True),
                    self._ind("ABSENCE", ratio, "%", "baisse"),
                    self._ind("MONTANT", Sum("MES_VAL"), "euros", "hausse"),
                    self._ind("STOCK", Stock("MES_VAL"), "nombre", "hausse"),
                    self._ind("ENERGIE", Evolution(Sum("MES_VAL"), base=2021), "%", "baisse")):
            registry.add_indicator(ind)

    @hookimpl_
    def cogind_register_cogs(self, registry):
        from cogind import Cog, CogIndicator, Target

        years = (2021, 2022, 2023, 2024)
        registry.add_cog(Cog("TEST", "test", years, (
            CogIndicator("DISPO", {2023: Target.level(99.35), 2024: Target.level(99.39)}),
            CogIndicator("ABSENCE", {y: Target.at_most(1.1) for y in years}),
            CogIndicator("MONTANT", {2023: Target.level(266e6), 2024: Target.level(337.5e6)}),
            CogIndicator("STOCK", {2023: Target.level(5e5), 2024: Target.level(5e6)}),
            CogIndicator("ENERGIE", {2023: Target.change(-5, 2021),
                                     2024: Target.change(-10, 2021)}))))


def test_mesures_follow_the_targets_of_any_indicator(tmp_path):
    from cogind import build_registry, compute

    registry = build_registry(extra=[_Measures()])
    kw = dict(years=(2021, 2024), seed=2, tables=("mesures",), registry=registry)
    manifest = generate(tmp_path / "a", **kw)
    cells = manifest["tables"]["mesures"]["rows"]
    codes = [f"TEST_{c}" for c in ("DISPO", "ABSENCE", "MONTANT", "STOCK", "ENERGIE")]
    assert set(codes) <= set(manifest["indicator_codes"]["mesures"])
    res = compute(tmp_path / "a", cog="TEST", period="year", registry=registry).to_pydict()
    value = {(i, n, p, c): v for i, n, p, c, v in zip(res["indicateur"], res["niveau"],
                                                       res["periode"], res["caisse"],
                                                       res["valeur"])}
    nat = {(i, p): v for (i, n, p, c), v in value.items() if n == "national"}
    assert abs(nat["DISPO", "2024"] - 99.39) < 0.05
    assert abs(nat["ABSENCE", "2023"] - 1.1) < 0.05
    assert abs(nat["MONTANT", "2024"] / 337.5e6 - 1) < 0.03
    assert nat["STOCK", "2024"] == pytest.approx(5e6, rel=1e-3)
    assert abs(nat["ENERGIE", "2024"] + 10) < 3
    absence = [v for (i, n, p, c), v in value.items() if i == "ABSENCE" and n == "caisse"
               and p == "2024"]
    assert len(absence) == 101 and min(absence) < 1.0 < 1.2 < max(absence)  # some miss it
    assert all(v is None or math.isnan(v) for (i, n, p, c), v in value.items()
               if i == "DISPO" and n == "caisse")  # national rows only
    monthly = compute(tmp_path / "a", cog="TEST", indicators=["STOCK"], period="month",
                      registry=registry).to_pydict()
    stock = [v for n, p, v in sorted(zip(monthly["niveau"], monthly["periode"],
                                         monthly["valeur"])) if n == "national"]
    assert all(b > a for a, b in zip(stock, stock[1:]))  # a stock grows month to month
    # more rows than cells: measurements split in lines, same indicator values
    generate(tmp_path / "b", rows={"mesures": 3 * cells + 7}, **kw)
    again = compute(tmp_path / "b", cog="TEST", period="year", registry=registry).to_pydict()
    nan = float("nan")
    assert ([nan if v is None else v for v in again["valeur"]]
            == pytest.approx([nan if v is None else v for v in res["valeur"]], rel=1e-6,
                             nan_ok=True))
    assert again["indicateur"] == res["indicateur"]
    with pytest.raises(ConfigError):
        generate(tmp_path / "c", rows={"mesures": cells - 1}, **kw)


# ---------------------------------------------------------------- every indicator (issue 4)

# Indicators that cannot get a finite value from any data, because of their definition: none
# today. {code: reason}
DECLARED_GAPS: dict[str, str] = {
    "ALD_MEDECIN_TRAITANT_TAUX_CALCULE": "table beneficiaires is written apart "
                                         "(synth.ald_patients, issue 21 § 1; tested on it in "
                                         "tests/test_ald_mt.py)",
    "ECONOMIES_TENDANCIEL_TRANSPORTS": "the generator writes no transport claims (issue 21 § 2; "
                                       "tested on hand-built tables in tests/test_tendanciel.py)",
    "ECONOMIES_TENDANCIEL_MASSEURS_KINES": "the generator writes no physiotherapy claims (issue "
                                           "21 § 2; tested in tests/test_tendanciel.py)",
}
# Indicators whose per-caisse value needs more rows than this fast test generates: checked
# nationally only here. {code: reason}
SPARSE_PER_CAISSE = {
    "ECONOMIES_TENDANCIEL_IJ": "the trend of a caisse needs IJ spending in every month of its "
                               "two reference years: about 250,000 claim lines a year",
    "COUT_BENEF_CONSOMMANT_EVOLUTION_CALCULE": "the generated cost (mesures "
                                               "COUT_BENEF_CONSOMMANT) is national rows only",
    "IJ_ARRETS_LONGS_EVOLUTION": "payments 18 months after the start of an arrêt are a few per "
                                 "thousand: about 100,000 IJ payments a year",
    "PARCOURS_PSY_PATIENTS_DISTINCTS": "Mon soutien psy patients are 0.2-0.3 % of the claims' "
                                       "people (about 20,000 at this size, some 50 patients a "
                                       "year): half the caisses have none",
    **dict.fromkeys(("ECONOMIES_TENDANCIEL_PRODUITS_SANTE", "ECONOMIES_TENDANCIEL_BIOLOGIE",
                     "ECONOMIES_TENDANCIEL_MAITRISE"),
                    "as ECONOMIES_TENDANCIEL_IJ: spending of the line in every month of the "
                    "two reference years, per caisse"),
}
LARGEST = 20  # caisses that must have a value for every other per-caisse indicator

def _base_years(registry) -> set[int]:
    years = set()
    for ind in registry.indicators.values():
        for attr in ("base", "reference"):
            b = getattr(ind.measure, attr, None)
            if isinstance(b, int) and 1990 < b:
                years.add(b)
        years.update(b for _, b in getattr(ind.measure, "bases", ()))
    return years


def test_every_indicator_is_computable_on_generated_data(tmp_path):
    """Each registered indicator: finite national value, and per caisse where per caisse."""
    import math

    import pyarrow.parquet as pq

    from cogind import build_registry, compute

    registry = build_registry()
    first = min(_base_years(registry) | {2022})
    n_years = 2024 - first + 1
    per_year = {"prestations": 12_000, "ij": 8_000, "contacts": 8_000, "dossiers": 3_000,
                "enquetes": 10_000, "demarches": 25_000, "controles": 8_000}
    generate(tmp_path, years=(first, 2024), seed=3, registry=registry,
             rows={t: n * n_years for t, n in per_year.items()})
    tables = {t: pq.read_table(tmp_path / f"{t}.parquet") for t in TABLES}
    net = network(3)
    largest = [net["ORG_CLE_NUM"][int(i)].as_py()
               for i in np.argsort(-net["BEN_NBR"].to_numpy())[:LARGEST]]
    problems = {}
    for code in sorted(registry.indicators):
        ind = registry.indicators[code]
        if ind.table not in tables:
            problems[code] = f"table {ind.table} not generated"
            continue
        aux = {t: tables[t] for t in ind.measure.auxiliary_tables}  # e.g. population
        res = compute({ind.table: tables[ind.table], **aux}, cog=None, indicators=[code],
                      period="year", registry=registry, secret=False).to_pydict()
        finite = [(n, c) for n, c, v in zip(res["niveau"], res["caisse"], res["valeur"])
                  if v is not None and math.isfinite(v)]
        if not any(n == "national" for n, _ in finite):
            problems[code] = "no finite national value"
        elif ind.caisse_missing != "national" and code not in SPARSE_PER_CAISSE:
            have = {c for n, c in finite if n == "caisse"}
            # small caisses may lack rows for rare scopes in so few rows: 90 % and the largest
            if len(have) < 91 or not set(largest) <= have:
                problems[code] = f"{101 - len(have)} caisses without a finite value"
    assert {c: r for c, r in problems.items() if c not in DECLARED_GAPS} == {}
