"""Partial inputs (issue 17): a missing column, an empty table or an absent table makes only
the indicators that need it non calculable, with their rows, a motif and one warning per input;
``--strict`` fails as before; ``validate`` gives the same verdict."""
from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.errors import InputError, SchemaError

LONG = "IJ_ARRETS_LONGS_EVOLUTION"
IJ_CODES = ("IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN", LONG, "IJ_MAL_SUB_DELAI_MOYEN")
FIGURES = ("valeur", "numerateur", "denominateur", "n", "atteint", "ecart", "ic_bas", "ic_haut",
           "n_exclus", "exclusions")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    # every caisse in both tables (6 000 rows each): an indicator left non calculable has
    # the caisses of the tables read, and a caisse has rows in a table only if it has data
    # there, not because a Parquet dictionary lists it (issue 20 § 2)
    cogind.generate(out, years=(2023, 2024), rows={"ij": 6000, "contacts": 6000},
                    tables=("ij", "contacts"))
    (out / "manifest.json").unlink()
    return out


@pytest.fixture(scope="module")
def full(clean):
    return cogind.compute(clean, period="quarter", secret=False)


def planted(clean, tmp_path, defect: str):
    folder = tmp_path / defect
    shutil.copytree(clean, folder)
    ij = pq.read_table(folder / "ij.parquet")
    if defect == "colonne":
        pq.write_table(ij.drop_columns(["ARR_DEB_DTD"]), folder / "ij.parquet")
    elif defect == "vide":
        pq.write_table(ij.slice(0, 0), folder / "ij.parquet")
    elif defect == "vide_csv":  # a CSV's rows are only known by reading it
        (folder / "ij.parquet").unlink()
        pacsv.write_csv(ij.slice(0, 0), folder / "ij.csv")
    elif defect == "absente":
        (folder / "ij.parquet").unlink()
    return folder


CASES = {"colonne": ((LONG,), "colonne ARR_DEB_DTD (date) absente de la table ij"),
         "vide": (IJ_CODES, "table ij vide"),
         "vide_csv": (IJ_CODES, "table ij vide"),
         "absente": (IJ_CODES, "table ij absente")}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def split(table: pa.Table, codes) -> tuple[pa.Table, pa.Table]:
    mask = pc.is_in(table["indicateur"], pa.array(list(codes)))
    return table.filter(mask), table.filter(pc.invert(mask))


def keys(table: pa.Table) -> list[tuple]:
    return sorted(zip(*(table[c].to_pylist() for c in ("indicateur", "niveau", "caisse",
                                                       "periode"))), key=repr)


def assert_non_calculable(res: pa.Table, full: pa.Table, codes, motif: str) -> None:
    gone, kept = split(res, codes)
    full_gone, full_kept = split(full, codes)
    assert kept.equals(full_kept)  # every other figure exactly as on the whole data
    assert keys(gone) == keys(full_gone)  # same caisses, national, periods as when computed
    assert set(gone["statut"].to_pylist()) == {"non calculable"}
    assert set(gone["motif"].to_pylist()) == {motif}
    for col in FIGURES:
        assert gone[col].null_count == gone.num_rows, col  # never a 0
    assert gone.filter(pc.equal(gone["niveau"], "national")).num_rows > 0
    prov = cogind.provenance(res)
    assert {c: m for c, m in prov["non_calcules"].items() if c in codes} == dict.fromkeys(
        codes, motif)
    entry = next(e for e in prov["entrees_manquantes"] if e["motif"] == motif)
    assert entry["table"] == "ij" and entry["indicateurs"] == list(codes)


@pytest.mark.parametrize("defect", sorted(CASES))
def test_cli_reports_the_indicator_non_calculable(clean, full, tmp_path, defect):
    codes, motif = CASES[defect]
    folder = planted(clean, tmp_path, defect)
    out = tmp_path / "res.parquet"
    r = run("compute", folder, "--period", "quarter", "--no-secret", "-o", out)
    assert r.exit_code == 0, r.stderr
    warned = [line for line in r.stderr.splitlines() if motif in line]
    what = "indicateur non calculable" if len(codes) == 1 else "indicateurs non calculables"
    assert len(codes) <= 6  # issue 22: one summary line, every code named up to 6
    assert warned == [f"Attention : {len(codes)} {what} : {motif} ({', '.join(codes)})"]
    assert_non_calculable(pq.read_table(out), full, codes, motif)


@pytest.mark.parametrize("defect", ["colonne", "vide"])
def test_python_api_same_rows(clean, full, tmp_path, defect):
    codes, motif = CASES[defect]
    res = cogind.compute(planted(clean, tmp_path, defect), period="quarter", secret=False)
    assert_non_calculable(res, full, codes, motif)


def test_in_memory_tables(clean, full):
    ij = pq.read_table(clean / "ij.parquet")
    contacts = pq.read_table(clean / "contacts.parquet")
    res = cogind.compute({"ij": ij.slice(0, 0), "contacts": contacts}, period="quarter",
                         secret=False)
    assert_non_calculable(res, full, IJ_CODES, "table ij vide")
    res = cogind.compute({"contacts": contacts}, period="quarter",
                         secret=False)
    assert_non_calculable(res, full, IJ_CODES, "table ij absente")


@pytest.mark.parametrize("defect", sorted(CASES))
def test_validate_gives_the_same_verdict(clean, tmp_path, defect):
    codes, motif = CASES[defect]
    folder = planted(clean, tmp_path, defect)
    r = run("validate", folder, "--cog", "2023-2027")
    assert r.exit_code == 0 and r.stdout.rstrip().endswith("OK"), r.stdout
    assert f"non calculable : {motif} : {len(codes)} indicateur(s) ({', '.join(codes)})" \
        in r.stdout
    strict = run("validate", folder, "--cog", "2023-2027", "--strict")
    computed = run("compute", folder, "--strict", "-o", tmp_path / "x.parquet")
    assert strict.exit_code == computed.exit_code == (0 if defect == "absente" else 1)


def test_strict_keeps_the_failure(clean, tmp_path):
    r = run("compute", planted(clean, tmp_path, "colonne"), "--strict", "-o", tmp_path / "x.csv")
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error")]
    assert r.exit_code == 1 and errors == [
        f"Error: table 'ij' ({tmp_path / 'colonne' / 'ij.parquet'}): missing column "
        f"'ARR_DEB_DTD' (date) needed by {LONG}"]
    r = run("compute", planted(clean, tmp_path, "vide"), "--strict")
    assert r.exit_code == 1 and "table 'ij'" in r.stderr and "has no row" in r.stderr
    with pytest.raises(SchemaError, match="missing column 'ARR_DEB_DTD'"):
        cogind.compute(tmp_path / "colonne", strict=True)


def test_absent_table_named_indicator(clean, tmp_path):
    folder = planted(clean, tmp_path, "absente")
    res = cogind.compute(folder, indicators=[LONG, "APPELS_TAUX_ABOUTIS"], period="year")
    long_rows, other = split(res, [LONG])
    assert set(long_rows["motif"].to_pylist()) == {"table ij absente"}
    assert set(long_rows["periode"].to_pylist()) == {"2023", "2024"}  # the data's years
    assert other.num_rows and "non calculable" not in set(
        other.filter(pc.equal(other["niveau"], "national"))["statut"].to_pylist())
    with pytest.raises(InputError, match="table 'ij' not found in the input"):
        cogind.compute(folder, indicators=[LONG, "APPELS_TAUX_ABOUTIS"], strict=True)


def test_nothing_read_gives_the_requested_years(clean):
    empty = pq.read_table(clean / "ij.parquet").slice(0, 0)
    res = cogind.compute({"ij": empty}, years=[2025], period="quarter")
    assert sorted(set(res["periode"].to_pylist())) == ["2025-T1", "2025-T2", "2025-T3",
                                                        "2025-T4"]
    assert set(res["niveau"].to_pylist()) == {"national"}  # no caisse was seen anywhere
    codes = res["indicateur"].to_pylist()
    assert set(IJ_CODES) <= set(codes) and all(codes.count(c) == 4 for c in set(codes))
    assert res["valeur"].null_count == res.num_rows
    target = res.filter(pc.equal(res["indicateur"], "IJ_MAL_DELAI_MOYEN"))["cible"]
    assert target.null_count == 0  # the COG's target is still shown
    none = cogind.compute({"ij": empty}, cog=None, indicators=[LONG])
    assert none.num_rows == 0 and cogind.provenance(none)["non_calcules"] == {
        LONG: "table ij vide"}


def test_wrong_type_is_a_one_line_error_in_both(clean, tmp_path):
    folder = planted(clean, tmp_path, "type")
    ij = pq.read_table(folder / "ij.parquet")
    i = ij.schema.get_field_index("ARR_DEB_DTD")
    pq.write_table(ij.set_column(i, "ARR_DEB_DTD", pc.cast(ij["ARR_DEB_DTD"], pa.string())),
                   folder / "ij.parquet")
    r = run("compute", folder)
    errors = [line for line in r.stderr.splitlines() if line.startswith("Error")]
    assert r.exit_code == 1 and len(errors) == 1
    assert "column 'ARR_DEB_DTD': expected date, found string" in errors[0]
    v = run("validate", folder, "--cog", "2023-2027")
    assert v.exit_code == 1 and "ERREUR colonne 'ARR_DEB_DTD' : attendu date" in v.stdout
