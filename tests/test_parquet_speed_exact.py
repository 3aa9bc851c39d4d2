"""The Parquet read levers keep results exact (issue 20 § 2).

- row groups left unread under ``as_of`` when their statistics prove no row is available yet:
  same results and provenance as the whole file read (and as an in-memory table, never
  pruned), on files whose row groups straddle the bound, with nulls, over several files;
- code columns (nomenclature, enum) decoded as dictionaries, identifiers as strings: the same
  results as files written without dictionaries;
- a caisse none of whose rows is in a table has no result row for that table's indicators,
  whether the file is Parquet with a dictionary that lists it, or CSV.
"""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli
from cogind.io.readers import available_part, open_inputs

CLAIMS = ["DEPASSEMENT_TAUX", "FSE_DELAI_D9"]
IJ_CODES = ["IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN"]
EPOCH = dt.date(1970, 1, 1)


def _day(text: str) -> int:
    return (dt.date.fromisoformat(text) - EPOCH).days


def _last_day(month: str) -> int:
    y, m = map(int, month.split("-"))
    return _day(f"{y + m // 12}-{m % 12 + 1:02d}-01") - 1


@pytest.fixture(scope="module")
def claims(tmp_path_factory) -> pa.Table:
    """Generated claims of 2023, sorted by availability date, a few availability dates null."""
    out = tmp_path_factory.mktemp("gen")
    cogind.generate(out, years=(2023, 2023), rows={"prestations": 3000}, seed=3,
                    tables=("prestations",))
    t = pq.read_table(out / "prestations.parquet").sort_by("FLX_DIS_DTD")
    avail = t["FLX_DIS_DTD"].combine_chunks()
    nulls = np.zeros(t.num_rows, bool)
    nulls[-40:] = True  # the last groups: late dates and nulls, never all provably late
    nulls[::500] = True
    return t.set_column(t.schema.get_field_index("FLX_DIS_DTD"), "FLX_DIS_DTD",
                        pc.if_else(pa.array(nulls), pa.scalar(None, avail.type), avail))


def _write(table: pa.Table, folder, files: int = 1, row_group_size: int = 97):
    folder.mkdir(parents=True, exist_ok=True)
    if files == 1:
        pq.write_table(table, folder / "prestations.parquet", row_group_size=row_group_size)
        return folder
    part = folder / "prestations"
    part.mkdir()
    step = -(-table.num_rows // files)
    for i in range(files):
        pq.write_table(table.slice(i * step, step), part / f"p{i}.parquet",
                       row_group_size=row_group_size)
    return folder


def _entry(res: pa.Table) -> dict:
    return json.loads(res.schema.metadata[b"cogind"])["entrees"]["prestations"]


def _figures(res: pa.Table) -> pa.Table:
    return res.replace_schema_metadata(None)


def _not_available(table: pa.Table, month: str) -> int:
    """Rows not available at the end of ``month``, by plain pyarrow: no date, or a later one."""
    days = table["FLX_DIS_DTD"].cast(pa.int32())
    late = pc.fill_null(pc.greater(days, _last_day(month)), True)
    return int(pc.sum(late.cast(pa.int64())).as_py() or 0)


@pytest.mark.parametrize("files", [1, 3])
def test_row_groups_left_out_by_as_of_are_exact(claims, tmp_path, files):
    folder = _write(claims, tmp_path / "rg", files)
    whole = _write(claims, tmp_path / "whole", 1, row_group_size=claims.num_rows)
    for month in ("2023-02", "2023-06", "2023-11"):
        pruned = cogind.compute(folder, None, indicators=CLAIMS, period="month",
                                as_of=month, secret=False)
        full = cogind.compute(whole, None, indicators=CLAIMS, period="month", as_of=month,
                              secret=False)
        memory = cogind.compute({"prestations": claims}, None, indicators=CLAIMS,
                                period="month", as_of=month, secret=False)
        assert _figures(pruned).equals(_figures(full)) and _figures(full).equals(_figures(memory))
        assert pruned.num_rows > 0
        late = _not_available(claims, month)
        for res in (pruned, full, memory):
            assert _entry(res)["lignes"] == claims.num_rows
            assert _entry(res)["lignes_non_disponibles"] == late


def test_only_provably_late_row_groups_are_left_out(claims, tmp_path):
    folder = _write(claims, tmp_path / "rg")
    registry = cogind.build_registry()
    table = open_inputs(folder, registry.tables)["prestations"]
    meta = pq.ParquetFile(folder / "prestations.parquet").metadata
    assert meta.num_row_groups > 20
    for month in ("2023-01", "2023-05", "2023-09"):
        last = _last_day(month)
        part, skipped = available_part(table, "FLX_DIS_DTD", last)
        assert skipped > 0
        read = pa.Table.from_batches(list(part.batches(["FLX_DIS_DTD"])))
        assert read.num_rows + skipped == claims.num_rows
        # every available row is in a group read; a group straddling the bound is read whole
        days = read["FLX_DIS_DTD"].cast(pa.int32())
        available = int(pc.sum(pc.less_equal(days, last).cast(pa.int64())).as_py())
        assert available == claims.num_rows - _not_available(claims, month)
        assert int(pc.max(days).as_py()) > last  # the straddling group's later rows
        # whole groups only (97 rows each, the last one shorter)
        assert skipped % 97 == 0 or (skipped - claims.num_rows % 97) % 97 == 0
    # nothing provably late: the table itself, nothing counted
    assert available_part(table, "FLX_DIS_DTD", _day("2030-01-01")) == (table, 0)


def test_as_of_on_the_command_line(claims, tmp_path):
    folder = _write(claims, tmp_path / "rg")
    out = tmp_path / "r.parquet"
    res = CliRunner().invoke(cli, ["compute", str(folder), "--cog", "none", "--indicator",
                                   CLAIMS[0], "--indicator", CLAIMS[1], "--period", "month",
                                   "--as-of", "2023-06", "--no-secret", "-o", str(out)])
    assert res.exit_code == 0, res.output
    memory = cogind.compute({"prestations": claims}, None, indicators=CLAIMS, period="month",
                            as_of="2023-06", secret=False)
    assert _figures(pq.read_table(out)).equals(_figures(memory))
    assert _entry(pq.read_table(out))["lignes_non_disponibles"] == _not_available(claims,
                                                                                   "2023-06")


# --------------------------------------------------------------------------- dictionaries

CAISSES = ["01C751", "02C131", "13C055", "59C591", "75C751"]  # the last three: no row


def _ij(n: int = 400) -> pa.Table:
    rng = np.random.default_rng(7)
    start = np.datetime64("2023-01-01") + rng.integers(0, 300, n)
    paid = start + rng.integers(0, 60, n)
    return pa.table({
        "ORG_CLE_NUM": pa.DictionaryArray.from_arrays(
            pa.array(rng.integers(0, 2, n), pa.int8()), pa.array(CAISSES)),
        "ARR_NUM": pa.array([f"A{i:08d}" for i in range(n)]),
        "IJ_RIS_COD": pa.array(rng.choice(["MAL", "ATMP"], n)),
        "IJ_SUB_TOP": pa.array(rng.integers(0, 2, n), pa.int8()),
        "SIN_1IJ_IND": pa.array(rng.integers(0, 2, n), pa.int8()),
        "PRS_NAT_REF": pa.array(np.full(n, 6110), pa.int16()),
        "ATT_REC_DTD": pa.array(start.astype("datetime64[D]")),
        "IJ_PAI_DTD": pa.array(paid.astype("datetime64[D]")),
    })


def _folders(tmp_path, ij: pa.Table):
    dictionary, plain, csv = (tmp_path / n for n in ("dict", "plain", "csv"))
    for f in (dictionary, plain, csv):
        f.mkdir()
    pq.write_table(ij, dictionary / "ij.parquet", row_group_size=150)
    decoded = ij.set_column(0, "ORG_CLE_NUM", ij["ORG_CLE_NUM"].cast(pa.string()))
    pq.write_table(decoded, plain / "ij.parquet", row_group_size=150, use_dictionary=False)
    pcsv.write_csv(decoded, csv / "ij.csv")
    return dictionary, plain, csv


def test_caisses_without_rows_get_no_rows_whatever_the_format(tmp_path):
    ij = _ij()
    used = set(ij["ORG_CLE_NUM"].cast(pa.string()).to_pylist())
    assert used == set(CAISSES[:2])
    results = [cogind.compute(f, None, indicators=IJ_CODES, period="quarter", secret=False)
               for f in _folders(tmp_path, ij)]
    for res in results:
        caisses = set(pc.drop_null(res["caisse"]).to_pylist())
        assert caisses == used  # as plain pyarrow sees the rows: not the dictionary's five
    assert _figures(results[0]).equals(_figures(results[1]))
    assert _figures(results[0]).equals(_figures(results[2]))


def test_caisses_and_figures_on_the_command_line(tmp_path):
    ij = _ij()
    outs = []
    for i, folder in enumerate(_folders(tmp_path, ij)):
        out = tmp_path / f"r{i}.parquet"
        res = CliRunner().invoke(cli, ["compute", str(folder), "--cog", "none", "--indicator",
                                       IJ_CODES[0], "--period", "quarter", "--no-secret",
                                       "-o", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(_figures(pq.read_table(out)))
    assert outs[0].equals(outs[1]) and outs[0].equals(outs[2])
    assert set(pc.drop_null(outs[0]["caisse"]).to_pylist()) == set(CAISSES[:2])
    # the mean delay of 01C751's first quarter, from the rows by NumPy
    col = {c: ij[c].to_numpy(zero_copy_only=False) for c in ij.column_names if c != "ORG_CLE_NUM"}
    caisse = np.array(ij["ORG_CLE_NUM"].cast(pa.string()).to_pylist())
    scope = ((caisse == "01C751") & (col["SIN_1IJ_IND"] == 1) & (col["IJ_SUB_TOP"] == 0)
             & (col["IJ_RIS_COD"] == "MAL") & (col["IJ_PAI_DTD"] < np.datetime64("2023-04-01")))
    delays = (col["IJ_PAI_DTD"] - col["ATT_REC_DTD"])[scope].astype(np.int64)
    quarter = sorted(p for p in outs[0]["periode"].to_pylist() if p.startswith("2023"))[0]
    row = outs[0].filter(pc.and_(pc.equal(outs[0]["caisse"], "01C751"),
                                 pc.equal(outs[0]["periode"], quarter))).to_pylist()
    assert len(row) == 1 and row[0]["n"] == len(delays)
    assert row[0]["valeur"] == pytest.approx(delays.mean())


def test_code_columns_read_as_dictionaries_identifiers_as_strings(tmp_path):
    ij = _ij()
    plain = _folders(tmp_path, ij)[1]
    registry = cogind.build_registry()
    table = open_inputs(plain, registry.tables)["ij"]
    batch = next(table.batches(["ORG_CLE_NUM", "IJ_RIS_COD", "ARR_NUM"]))
    assert pa.types.is_dictionary(batch.schema.field("ORG_CLE_NUM").type)
    assert pa.types.is_dictionary(batch.schema.field("IJ_RIS_COD").type)
    assert batch.schema.field("ARR_NUM").type == pa.string()
    # the duplicate check reads ARR_NUM: same counts as on the dictionary-written file
    a = cogind.compute(plain, None, indicators=IJ_CODES[:1], period="year", secret=False)
    b = cogind.compute({"ij": ij}, None, indicators=IJ_CODES[:1], period="year", secret=False)
    da = json.loads(a.schema.metadata[b"cogind"])["doublons"]["ij"]
    db = json.loads(b.schema.metadata[b"cogind"])["doublons"]["ij"]
    assert da == db and da["lignes"] == 0
    assert _figures(a).equals(_figures(b))
