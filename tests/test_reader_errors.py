"""Inputs misread on the way in (issue 17): folders whose files disagree on a column's type,
dates out of range, values that must never appear in a message, CSV separators."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.api import provenance
from cogind.cli import cli
from cogind.errors import InputError

CODE = "IJ_MAL_DELAI_MOYEN"
PLANTED = 4242424242


@pytest.fixture(scope="module")
def ij(tmp_path_factory) -> pa.Table:
    out = tmp_path_factory.mktemp("ij")
    cogind.generate(out, years=(2023, 2023), rows={"ij": 2000}, tables=("ij",))
    return pq.read_table(out / "ij.parquet")


def _set(t: pa.Table, name: str, arr) -> pa.Table:
    return t.set_column(t.schema.get_field_index(name), name, arr)


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _national(table: pa.Table) -> dict[str, tuple]:
    rows = table.filter(pc.equal(table["niveau"], "national")).to_pylist()
    return {r["periode"]: (r["valeur"], r["n"]) for r in rows}


def test_files_disagreeing_on_a_date_type(ij, tmp_path):
    folder = tmp_path / "ij"
    folder.mkdir()
    a, b = ij.slice(0, 1000), ij.slice(1000)
    pq.write_table(_set(a, "IJ_PAI_DTD", pc.cast(a["IJ_PAI_DTD"], pa.timestamp("ms"))),
                   folder / "a.parquet")
    pq.write_table(b, folder / "b.parquet")
    want = ("table 'ij': files disagree on column 'IJ_PAI_DTD': timestamp[ms] in a.parquet, "
            "date32[day] in b.parquet")
    for command in ("compute", "validate"):
        res = _run(command, tmp_path)
        assert res.exit_code == 1 and want in res.output and "Internal" not in res.output
        assert len(res.output.strip().splitlines()) == 1
    with pytest.raises(InputError, match="files disagree on column 'IJ_PAI_DTD'"):
        cogind.compute(tmp_path, None, indicators=[CODE])


def test_integer_widths_unified_never_a_failing_cast(ij, tmp_path):
    folder = tmp_path / "ij"
    folder.mkdir()
    a, b = ij.slice(0, 1000), ij.slice(1000)
    big = pc.cast(b["IJ_NBR"], pa.int64()).to_numpy().copy()
    big[3] = PLANTED
    pq.write_table(a, folder / "a.parquet")  # IJ_NBR int16 here, int64 there
    pq.write_table(_set(b, "IJ_NBR", pa.array(big)), folder / "b.parquet")
    res = _run("compute", tmp_path, "--cog", "none", "--indicator", CODE, "-o",
               tmp_path / "r.parquet")
    assert res.exit_code == 0, res.output
    got = cogind.compute(tmp_path, None, indicators=[CODE], secret=False)
    clean = cogind.compute({"ij": ij}, None, indicators=[CODE], secret=False)
    assert _national(got) == _national(clean)


def test_dates_out_of_range_counted_as_missing(ij, tmp_path):
    pay = ij["IJ_PAI_DTD"].to_pylist()
    att = ij["ATT_REC_DTD"].to_pylist()
    pay[5], pay[6], att[7] = dt.date(9999, 12, 31), dt.date(1, 1, 1), dt.date(1850, 3, 1)
    bad = _set(_set(ij, "IJ_PAI_DTD", pa.array(pay, pa.date32())), "ATT_REC_DTD",
               pa.array(att, pa.date32()))
    pq.write_table(bad, tmp_path / "ij.parquet")
    res = _run("compute", tmp_path, "--cog", "none", "--indicator", CODE, "-o",
               tmp_path / "r.parquet")
    assert res.exit_code == 0, res.output
    for source in (tmp_path, {"ij": bad}):
        got = cogind.compute(source, None, indicators=[CODE], secret=False)
        assert all(p.startswith("2023") for p in got["periode"].to_pylist())
        # the same figures as with those dates missing: counted by the kernels' reasons
        pay[5] = pay[6] = att[7] = None
        nulls = _set(_set(ij, "IJ_PAI_DTD", pa.array(pay, pa.date32())), "ATT_REC_DTD",
                     pa.array(att, pa.date32()))
        want = cogind.compute({"ij": nulls}, None, indicators=[CODE], secret=False)
        assert got.equals(want)
        assert (provenance(got)["exclusions_hors_periode"]
                == provenance(want)["exclusions_hors_periode"])


def _folder_with_planted(ij, tmp_path):
    """A user dataset read with a narrower schema than its file: a cast that fails."""
    big = pc.cast(ij["IJ_NBR"], pa.int64()).to_numpy().copy()
    big[11] = PLANTED
    path = tmp_path / "ij.parquet"
    pq.write_table(_set(ij, "IJ_NBR", pa.array(big)), path)
    narrow = ij.schema.set(ij.schema.get_field_index("IJ_NBR"),
                           pa.field("IJ_NBR", pa.int8()))
    return ds.dataset(path, schema=narrow)


def test_messages_never_quote_values(ij, tmp_path):
    dataset = _folder_with_planted(ij, tmp_path)
    with pytest.raises(InputError) as info:
        cogind.compute({"ij": dataset}, None, indicators=["IJ_ARRETS_LONGS_EVOLUTION"])
    text = str(info.value)
    assert "table 'ij'" in text and "does not fit" in text
    assert "column 'IJ_NBR' of ij.parquet: expected int8, found int64" in text
    assert str(PLANTED) not in text and "-128" not in text and "127" not in text
    # a CSV whose integer column holds a value too large for int64
    rows = ij.slice(0, 50).to_pylist()
    names = ij.column_names
    lines = [",".join(names)] + [",".join(str(r[n]) for n in names) for r in rows]
    i = names.index("IJ_NBR")
    cells = lines[20].split(",")
    cells[i] = "98765432109876543210987"
    lines[20] = ",".join(cells)
    csv_dir = tmp_path / "csv"
    csv_dir.mkdir()
    (csv_dir / "ij.csv").write_text("\n".join(lines) + "\n")
    for command in ("compute", "validate"):
        res = _run(command, csv_dir, "--cog", "none") if command == "compute" else _run(
            command, csv_dir)
        assert res.exit_code == 1, res.output
        assert "98765432109876543210987" not in res.output and "IJ_NBR" in res.output


def test_csv_separators_sniffed(ij, tmp_path):
    plain = ij.cast(pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type)
                               else f for f in ij.schema]))
    want = _national(cogind.compute({"ij": ij}, None, indicators=[CODE], secret=False))
    for sep, label in ((",", "virgule"), (";", "point-virgule"), ("\t", "tabulation")):
        folder = tmp_path / label
        folder.mkdir()
        pacsv.write_csv(plain, folder / "ij.csv", pacsv.WriteOptions(delimiter=sep))
        res = _run("validate", folder)
        assert f"séparateur CSV : {label}" in res.output, res.output
        res = _run("compute", folder, "--cog", "none", "--indicator", CODE, "-o",
                   folder / "r.parquet")
        assert res.exit_code == 0, res.output
        got = _national(cogind.compute(folder, None, indicators=[CODE], secret=False))
        assert got.keys() == want.keys()
        assert all(np.isclose(got[k][0], want[k][0]) and got[k][1] == want[k][1] for k in want)
