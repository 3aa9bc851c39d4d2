"""Issue 21 § 2, COG 2014-2017: the paper-claim delays « FSP assurés » and « FSP médecins » (000
l.924, 982-983) and the mean CMUC / ACS delay (l.923), registered with their targets (none
quoted: « à déterminer »), the FSP delays in the composite of the base service instead of the
FSE delay. Against plain NumPy (9e décile: the ⌈0.9 n⌉-th smallest delay) through the Python
API and the CLI, on hand-built and generated tables."""
from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.analyses.composite import base_service, composite_table, drivers_table
from cogind.analyses.targets import derive_cpg
from cogind.cli import cli
from cogind.synth import generate

COG = "2014-2017"
FSP = ("FSP_ASSURES_DELAI_D9", "FSP_MEDECINS_DELAI_D9")
CODES = (*FSP, "FSE_DELAI_D9", "C2S_DELAI_MOYEN", "C2S_DELAI_D9")
# IR_SPE_V physicians (as transcribed in tests/reference/definitions.py), and others
MEDECINS = {*range(1, 19), 20, 22, 23, *range(31, 36), 37, 38, *range(41, 50), 69,
            *range(70, 86)}
N = 4_000
CAISSES = ("01C751", "01C921", "13C131")


def _prestations(seed=5):
    rng = np.random.default_rng(seed)
    fse = rng.integers(0, 2, N)
    drg = rng.integers(0, 2, N)
    spe = rng.choice([1, 22, 7, 15, 24, 26, 40, 50], N)  # 24 infirmiers, 26 kinés, 40, 50...
    rec = np.datetime64("2016-02-01") + rng.integers(0, 300, N)
    delay = rng.integers(0, 40, N) + 10 * (1 - fse)
    end_null = rng.random(N) < 0.03
    return pa.table({
        "ORG_CLE_NUM": rng.choice(CAISSES, N), "FSE_TOP": fse, "DRG_ASS_TOP": drg,
        "PSE_SPE_COD": pa.array(spe, mask=rng.random(N) < 0.02),
        "FSE_REC_DTD": pa.array(rec, pa.date32()),
        "PRS_PAI_DTD": pa.array(rec + delay, pa.date32(), mask=end_null)})


def _dossiers(seed=6):
    rng = np.random.default_rng(seed)
    rec = np.datetime64("2016-01-04") + rng.integers(0, 330, N)
    return pa.table({
        "ORG_CLE_NUM": rng.choice(CAISSES, N),
        "DOS_TYP_COD": rng.choice(["CMUC", "ACS", "C2S", "AME"], N),
        "DOS_REC_DTD": pa.array(rec, pa.date32()),
        "DOS_DEC_DTD": pa.array(rec + rng.integers(0, 90, N), pa.date32(),
                                mask=rng.random(N) < 0.05)})


PRESTATIONS, DOSSIERS = _prestations(), _dossiers()


def _np(table, *cols):
    return [np.asarray(table[c].fill_null(-1)) if table[c].null_count else
            np.asarray(table[c]) for c in cols]


def _days(column) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 of a date column, and where it is filled."""
    filled = ~np.asarray(column.is_null())
    return np.asarray(column.cast(pa.int32()).fill_null(0)), filled


def _d9(days: np.ndarray) -> float:
    return float(np.sort(days)[math.ceil(0.9 * len(days)) - 1])


def plain_fsp(table, code, caisse=None, year=2016):
    """The 9th decile of the paper claims of assurés (paid to the insured) or of médecins
    (paid to the professional, a physician executing), paid in ``year``."""
    fse, drg, spe, org = _np(table, "FSE_TOP", "DRG_ASS_TOP", "PSE_SPE_COD", "ORG_CLE_NUM")
    rec, _ = _days(table["FSE_REC_DTD"])
    pai, paid = _days(table["PRS_PAI_DTD"])
    keep = paid & (fse == 0) & (_year(pai) == year)
    keep &= (drg == 1) if code == "FSP_ASSURES_DELAI_D9" else (
        (drg == 0) & np.isin(spe, sorted(MEDECINS)))
    if caisse:
        keep &= org == caisse
    return _d9((pai - rec)[keep]), int(keep.sum())


def _year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970


def plain_c2s_mean(table, caisse=None, year=2016):
    typ, org = _np(table, "DOS_TYP_COD", "ORG_CLE_NUM")
    dec, decided = _days(table["DOS_DEC_DTD"])
    rec, _ = _days(table["DOS_REC_DTD"])
    keep = decided & np.isin(typ, ["C2S", "C2SP", "CMUC", "ACS"]) & (_year(dec) == year)
    if caisse:
        keep &= org == caisse
    return float((dec - rec)[keep].mean()), int(keep.sum())


def _rows(res, code):
    return {(r["niveau"], r["caisse"]): r for r in res if r["indicateur"] == code}


@pytest.mark.parametrize("fused", ["never", "always"])
def test_fsp_delays_and_mean_c2s_delay_equal_plain_numpy(fused, monkeypatch):
    monkeypatch.setenv("COGIND_FUSED", fused)
    res = cogind.compute({"prestations": PRESTATIONS, "dossiers": DOSSIERS}, COG,
                         indicators=CODES, period="year", years=2016, secret=False,
                         batch_size=700, threads=2).to_pylist()
    for code in FSP:
        rows = _rows(res, code)
        for caisse in (None, *CAISSES):
            r = rows[("national", None) if caisse is None else ("caisse", caisse)]
            value, n = plain_fsp(PRESTATIONS, code, caisse)
            assert (r["valeur"], r["n"]) == (value, n), (code, caisse)
            assert r["cible_type"] == "a_determiner" and "dispositif d'alerte" in r["cible_libelle"]
    rows = _rows(res, "C2S_DELAI_MOYEN")
    for caisse in (None, *CAISSES):
        r = rows[("national", None) if caisse is None else ("caisse", caisse)]
        value, n = plain_c2s_mean(DOSSIERS, caisse)
        assert r["n"] == n and r["valeur"] == pytest.approx(value, rel=1e-12)
    assert _rows(res, "C2S_DELAI_D9")[("national", None)]["n"] == plain_c2s_mean(DOSSIERS)[1]


def test_paper_claims_of_other_professionals_or_paid_to_the_insured_are_apart():
    """Each claim counts in at most one of the three: FSE, FSP assurés, FSP médecins."""
    res = cogind.compute({"prestations": PRESTATIONS}, COG, indicators=CODES[:3],
                         period="year", years=2016, secret=False).to_pylist()
    n = {c: _rows(res, c)[("national", None)]["n"] for c in CODES[:3]}
    fse, drg = _np(PRESTATIONS, "FSE_TOP", "DRG_ASS_TOP")
    paper_pro = (fse == 0) & (drg == 0)
    assert 0 < n["FSP_MEDECINS_DELAI_D9"] < paper_pro.sum()  # nurses, kinés... left out
    assert n["FSP_ASSURES_DELAI_D9"] + n["FSE_DELAI_D9"] < len(fse)


def test_the_cli_computes_and_describes_them(tmp_path):
    pq.write_table(PRESTATIONS, tmp_path / "prestations.parquet")
    pq.write_table(DOSSIERS, tmp_path / "dossiers.parquet")
    args = ["compute", str(tmp_path), "--cog", COG, "--year", "2016", "--period", "year",
            "--no-secret", "--quiet", "-o", str(tmp_path / "r.parquet")]
    for code in CODES:
        args += ["--indicator", code]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    res = pq.read_table(tmp_path / "r.parquet").to_pylist()
    for code in FSP:
        assert _rows(res, code)[("national", None)]["valeur"] == plain_fsp(PRESTATIONS, code)[0]
    got = _rows(res, "C2S_DELAI_MOYEN")[("national", None)]["valeur"]
    assert got == pytest.approx(plain_c2s_mean(DOSSIERS)[0], rel=1e-12)
    for code, words in (("FSP_ASSURES_DELAI_D9", ("DRG_ASS_TOP = 1", "FSE_TOP = 0")),
                        ("FSP_MEDECINS_DELAI_D9", ("PSE_SPE_COD", "DRG_ASS_TOP = 0")),
                        ("C2S_DELAI_MOYEN", ("Moyenne",))):
        out = CliRunner().invoke(cli, ["describe", code]).stdout
        assert all(w in out for w in words) and "000_b936defe8891518f.txt" in out, code
        assert "982" in out or code == "C2S_DELAI_MOYEN"
        assert "921" in out


def test_the_2014_2017_base_service_reads_the_paper_claims():
    assert base_service(COG) == ("IJ_MAL_DELAI_MOYEN_TS", "C2S_DELAI_D9", "APPELS_TAUX_ABOUTIS",
                                 *FSP)
    cog = cogind.build_registry().cog(COG)
    for code in (*FSP, "C2S_DELAI_MOYEN", "C2S_DELAI_D9"):
        entry = cog.entry(code)
        assert {t.kind for t in entry.targets.values()} == {"a_determiner"}
        assert set(entry.targets) == set(cog.years)
        assert [s.lines for s in entry.source] == [(921, 925), (982, 983)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("fsp")
    generate(out, years=(2016, 2017), rows={"prestations": 60_000, "dossiers": 6_000},
             tables=["prestations", "dossiers"], seed=21)
    return out


def test_generated_claims_exercise_both_fsp_delays(generated):
    table = pq.read_table(generated / "prestations.parquet",
                          columns=["ORG_CLE_NUM", "FSE_TOP", "DRG_ASS_TOP", "PSE_SPE_COD",
                                   "FSE_REC_DTD", "PRS_PAI_DTD"])
    table = table.set_column(0, "ORG_CLE_NUM", table["ORG_CLE_NUM"].cast(pa.string()))
    res = cogind.compute(generated, COG, indicators=[*FSP, "FSE_DELAI_D9", "C2S_DELAI_MOYEN"],
                         period="year", secret=False).to_pylist()
    for code in FSP:
        for year in (2016, 2017):
            [r] = [r for r in res if r["indicateur"] == code and r["niveau"] == "national"
                   and r["periode"] == str(year)]
            value, n = plain_fsp(table, code, year=year)
            assert n > 500 and (r["valeur"], r["n"]) == (value, n)
    nat = {(r["indicateur"], r["periode"]): r["valeur"] for r in res if r["niveau"] == "national"}
    assert nat[("FSP_ASSURES_DELAI_D9", "2017")] > nat[("FSE_DELAI_D9", "2017")]  # mail is slow
    assert nat[("C2S_DELAI_MOYEN", "2017")] > 0


def test_the_composite_counts_caisses_below_on_the_fsp_delays(generated, tmp_path):
    codes = list(base_service(COG))
    annual = cogind.compute(generated, COG, indicators=codes[3:], period="year", secret=False)
    cpg = derive_cpg(annual, 2016, decile=5, socle=3, years=[2016, 2017])
    judged = cogind.compute(generated, COG, indicators=codes[3:], period="year", secret=False,
                            cpg=cpg)
    [comp] = [r for r in composite_table(judged, cog=COG).to_pylist() if r["periode"] == "2017"]
    assert comp["indicateurs"] == ", ".join(sorted(FSP))
    below = [r for r in judged.to_pylist() if r["periode"] == "2017" and r["niveau"] == "caisse"
             and r["objectif"] is not None and r["valeur"] is not None
             and r["valeur"] > r["objectif"]]
    assert comp["sous_objectif"] == len(below) > 0
    per = {d["code"]: d["sous_objectif"] for d in drivers_table(judged, cog=COG).to_pylist()
           if d["periode"] == "2017" and d["dimension"] == "indicateur"}
    assert per == {c: sum(r["indicateur"] == c for r in below) for c in FSP}
    assert min(per.values()) > 0
    pq.write_table(judged, tmp_path / "judged.parquet")
    r = CliRunner().invoke(cli, ["targets", "composite", str(tmp_path / "judged.parquet"),
                                 "--cog", COG])
    assert r.exit_code == 0, r.output
    assert "FSP_MEDECINS_DELAI_D9" in r.output and "FSE_DELAI_D9" not in r.output
