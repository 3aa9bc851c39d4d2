"""Code values padded with blanks, as SAS stores a character variable at its width
(``'TEL     '``, ``'01C011  '``): read as SAS compares them, blanks ignored, so that the figures
are those of the unpadded extract; identifiers are left as written."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, strategies as st
from synth_helpers import generated_plain

import cogind
from cogind.cli import cli
from cogind.formatting import count
from cogind.io.padding import unpadded_column

CODES = ("ORG_CLE_NUM", "CNT_CAN_COD")


@pytest.fixture(scope="module")
def contacts(tmp_path_factory):
    """Generated contacts, their codes as plain strings, and the results they give."""
    root = tmp_path_factory.mktemp("contacts")
    return (generated_plain(root, "contacts", 5000),
            cogind.compute(root, "2023-2027", secret=False))


def _padded(t: pa.Table, width: int = 8, left: bool = False) -> pa.Table:
    for name in CODES:
        i = t.column_names.index(name)
        pad = pc.utf8_lpad if left else pc.utf8_rpad
        t = t.set_column(i, t.schema.field(i), pad(t[name], width, " "))
    return t


def test_sas_padded_codes_give_the_unpadded_results(contacts, tmp_path):
    table, want = contacts
    assert want.filter(pc.equal(want["niveau"], "caisse")).num_rows > 0
    padded = _padded(table)
    assert padded["CNT_CAN_COD"][0].as_py().endswith(" ")
    (tmp_path / "csv").mkdir()
    pacsv.write_csv(padded, tmp_path / "csv" / "contacts.csv")
    (tmp_path / "pq").mkdir()
    pq.write_table(padded, tmp_path / "pq" / "contacts.parquet")  # codes read as dictionaries
    for source in (tmp_path / "csv", tmp_path / "pq", {"contacts": padded},
                   {"contacts": _padded(table, 9, left=True)}):
        assert cogind.compute(source, "2023-2027", secret=False).equals(want), source
    for name in ("pq", "csv"):
        res = CliRunner().invoke(cli, ["compute", str(tmp_path / name), "--no-secret", "-o",
                                       str(tmp_path / f"{name}.parquet")])
        assert res.exit_code == 0, res.output
    assert pq.read_table(tmp_path / "pq.parquet").equals(pq.read_table(tmp_path / "csv.parquet"))


@given(st.lists(st.one_of(st.none(), st.text(" TELMAIx", max_size=6)), max_size=30),
       st.booleans())
def test_unpadded_column_against_python_strip(values, as_dictionary):
    col = pa.array(values, pa.string())
    col = col.dictionary_encode() if as_dictionary else col
    got = unpadded_column(col)
    got = got.dictionary_decode() if pa.types.is_dictionary(got.type) else got
    assert got.to_pylist() == [None if v is None else v.strip(" ") for v in values]
    plain = pa.array([v.strip(" ") if v else v for v in values], pa.string())
    assert unpadded_column(plain) is plain  # nothing to remove: the same array


def test_validate_counts_the_padded_codes(contacts, tmp_path):
    table, _ = contacts
    padded = _padded(table)
    i = padded.column_names.index("ORG_CLE_NUM")  # only 100 caisse codes padded
    keep = pa.array([k >= 100 for k in range(padded.num_rows)])
    padded = padded.set_column(i, padded.schema.field(i),
                               pc.if_else(keep, table["ORG_CLE_NUM"], padded["ORG_CLE_NUM"]))
    pq.write_table(padded, tmp_path / "contacts.parquet")
    res = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert res.exit_code == 0, res.output
    want = ("codes entourés de blancs, lus sans eux (comme SAS les compare) : ORG_CLE_NUM (100), "
            f"CNT_CAN_COD ({count(table.num_rows)})")
    assert want in res.output, res.output
    doc = json.loads(CliRunner().invoke(cli, ["validate", str(tmp_path), "--json"]).output)
    assert doc["tables"][0]["codes_entoures_de_blancs"] == {"ORG_CLE_NUM": 100,
                                                           "CNT_CAN_COD": table.num_rows}
