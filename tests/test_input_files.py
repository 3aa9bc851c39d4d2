"""Which files are read as a table, as extracts arrive: gzipped CSV, tab-separated files, a
folder holding notes or Spark's markers beside its data; and what is refused in one line
(a table saved as Excel or SAS, a folder mixing two formats), never skipped silently."""
from __future__ import annotations

import gzip
import shutil

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from synth_helpers import generated_plain

import cogind
from cogind.cli import cli
from cogind.errors import InputError


@pytest.fixture(scope="module")
def ij(tmp_path_factory):
    """Generated ij as Parquet, its code columns plain strings (a CSV cannot carry a
    dictionary's unused caisses), and the results it gives."""
    root = tmp_path_factory.mktemp("ij")
    return generated_plain(root, "ij", 4000), cogind.compute(root, "2023-2027", secret=False)


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_gzipped_and_tab_separated_csv_give_the_parquet_results(ij, tmp_path):
    table, want = ij
    for name, delimiter in (("gz", ","), ("tsv", "\t")):
        (tmp_path / name).mkdir()
    pacsv.write_csv(table, tmp_path / "plain.csv")
    with open(tmp_path / "plain.csv", "rb") as src, gzip.open(tmp_path / "gz" / "ij.csv.gz",
                                                              "wb") as dst:
        shutil.copyfileobj(src, dst)
    pacsv.write_csv(table, tmp_path / "tsv" / "ij.tsv", pacsv.WriteOptions(delimiter="\t"))
    for name in ("gz", "tsv"):
        assert cogind.compute(tmp_path / name, "2023-2027", secret=False).equals(want), name
        res = _run("compute", tmp_path / name, "--no-secret", "-o", tmp_path / f"{name}.csv")
        assert res.exit_code == 0, res.output
    assert (tmp_path / "gz.csv").read_bytes() == (tmp_path / "tsv.csv").read_bytes()
    res = _run("validate", tmp_path / "tsv")
    assert res.exit_code == 0 and "séparateur CSV : tabulation" in res.output, res.output
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "ij.csv.gz").write_bytes(b"not gzip at all")
    res = _run("compute", tmp_path / "bad", "--cog", "none")
    assert res.exit_code == 1 and "ij.csv.gz" in res.output and "Traceback" not in res.output


def _parts(root, table: pa.Table, first: str, second: str):
    """The folder ``root/in/ij`` holding ``table`` in two files (Parquet or CSV by name)."""
    folder = root / "in" / "ij"
    folder.mkdir(parents=True)
    for name, part in ((first, table.slice(0, 1500)), (second, table.slice(1500))):
        (pq.write_table if name.endswith(".parquet") else pacsv.write_csv)(part, folder / name)
    return folder


def test_a_folder_s_notes_and_spark_markers_are_not_read(ij, tmp_path):
    table, want = ij
    folder = _parts(tmp_path, table, "part-00000.parquet", "part-00001.parquet")
    (folder / "LISEZMOI.txt").write_text("extrait du 3 mars, requête SAS jointe\n")
    (folder / "extraction.log").write_text("NOTE: 4000 observations\n")
    (folder / "_SUCCESS").write_bytes(b"")
    (folder / ".part-00000.parquet.crc").write_bytes(b"\x00\x01")
    assert cogind.compute(tmp_path / "in", "2023-2027", secret=False).equals(want)


def test_a_folder_of_two_formats_is_refused(ij, tmp_path):
    table, _ = ij
    _parts(tmp_path, table, "a.parquet", "b.csv")
    want = "table 'ij': folder"
    res = _run("compute", tmp_path / "in", "--cog", "none")
    assert res.exit_code == 1 and want in res.output and "two formats (a.parquet, b.csv)" in \
        res.output, res.output
    with pytest.raises(InputError, match="one format per table"):
        cogind.compute(tmp_path / "in", None)


@pytest.mark.parametrize("ext, kind", [(".xlsx", "Excel"), (".sas7bdat", "SAS")])
def test_a_table_saved_in_a_format_not_read_is_said(ij, tmp_path, ext, kind):
    """A mesures table saved from Excel, or left as a SAS table, beside a readable ij: one
    line naming the file (it used to be 'table mesures absente' with no word of the file)."""
    table, _ = ij
    pq.write_table(table, tmp_path / "ij.parquet")
    (tmp_path / f"mesures{ext}").write_bytes(b"PK\x03\x04")
    want = (f"table 'mesures': mesures{ext} is not read ({kind}): save it as CSV (mesures.csv, "
            "any separator, French or not), Parquet or Arrow")
    for args in (("compute", tmp_path), ("validate", tmp_path)):
        res = _run(*args)
        assert res.exit_code == 1 and want in res.output, res.output
    with pytest.raises(InputError) as err:
        cogind.compute(tmp_path)
    assert str(err.value) == want
    (tmp_path / "mesures.csv").write_text("ORG_CLE_NUM\n")  # the CSV beside it: that is read
    assert _run("validate", tmp_path).exit_code == 0


def test_two_files_for_one_table_are_refused(ij, tmp_path):
    """ij.parquet beside the ij.csv it was converted from (or an ij/ folder): which one is the
    table cannot be guessed, so none is taken silently."""
    table, _ = ij
    pq.write_table(table, tmp_path / "ij.parquet")
    pacsv.write_csv(table, tmp_path / "ij.csv")
    want = f"table 'ij': ij.parquet and ij.csv are both in {tmp_path}: keep one"
    res = _run("compute", tmp_path, "--cog", "none")
    assert res.exit_code == 1 and want in res.output, res.output
    (tmp_path / "ij.csv").unlink()
    (tmp_path / "ij").mkdir()
    pq.write_table(table, tmp_path / "ij" / "part.parquet")
    with pytest.raises(InputError, match="ij.parquet and ij are both in"):
        cogind.compute(tmp_path, None)
    (tmp_path / "ij.parquet").unlink()
    assert cogind.compute(tmp_path, None).num_rows > 0


@pytest.mark.parametrize("damage", ["truncated", "pages"])
def test_a_damaged_file_of_a_folder_is_named(ij, tmp_path, damage):
    """One file of a folder of monthly files damaged: its footer cut (a copy stopped short) or
    a page overwritten (footer intact): the error names that file, not only the folder."""
    table, _ = ij
    folder = tmp_path / "in" / "ij"
    folder.mkdir(parents=True)
    for k in range(4):
        pq.write_table(table.slice(k * 1000, 1000), folder / f"2023-0{k + 1}.parquet")
    bad = folder / "2023-03.parquet"
    raw = bad.read_bytes()
    if damage == "truncated":
        bad.write_bytes(raw[: len(raw) // 2])
    else:
        middle = len(raw) // 3
        bad.write_bytes(raw[:middle] + bytes(200) + raw[middle + 200:])
    res = _run("compute", tmp_path / "in", "--cog", "none", "-o", tmp_path / "out.csv")
    assert res.exit_code == 1 and "table 'ij': cannot read 2023-03.parquet" in res.output, \
        res.output
    assert "Traceback" not in res.output and not (tmp_path / "out.csv").exists()
    with pytest.raises(InputError, match="2023-03.parquet"):
        cogind.compute(tmp_path / "in", None)


def test_an_empty_file_is_one_line(ij, tmp_path):
    """Zero bytes (an interrupted copy, an export that wrote nothing), alone or in a folder."""
    table, _ = ij
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "ij.csv").write_bytes(b"")
    res = _run("compute", tmp_path / "a", "--cog", "none")
    assert res.exit_code == 1 and "table 'ij': ij.csv is empty (0 bytes): not even a header" \
        in res.output, res.output
    folder = tmp_path / "b" / "ij"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "2023-01.parquet")
    (folder / "2023-02.parquet").write_bytes(b"")
    with pytest.raises(InputError, match=r"2023-02.parquet is empty \(0 bytes, in "):
        cogind.compute(tmp_path / "b", None)
