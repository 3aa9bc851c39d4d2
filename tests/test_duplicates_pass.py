"""``--doublons compter`` checked by the table's own pass (issue 20 § 2): the key hashed from the
batches the pass decodes, the candidates taken from the key columns it kept.

References: plain pyarrow ``group_by`` counts on the key columns, and the same compute with
the separate passes of :func:`cogind.io.duplicates.check_table` (``pass_check`` disabled):
the result tables, their provenance included, must be equal.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
import cogind.api
from cogind.cli import cli as main
from cogind.formatting import count
from cogind.io import duplicates as dup
from cogind.io.readers import TableInput, open_inputs
from cogind.plugins import build_registry

KEY = ["ARR_NUM", "IJ_PAI_DTD", "PRS_NAT_REF"]
INDICATORS = ["IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN"]
REGISTRY = build_registry()


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Generated ij with every defect kind (duplicates among them), in 3 row groups."""
    out = tmp_path_factory.mktemp("ij_pass_dups")
    cogind.generate(out, years=(2023, 2023), rows={"ij": 6_000}, defects=0.1, tables=["ij"],
                    batch_rows=2_500)
    return out


def _reference(table: pa.Table) -> dict:
    g = table.group_by(KEY).aggregate([([], "count_all")])
    return {"cle": KEY, "lignes": table.num_rows - g.num_rows,
            "cles": int(np.count_nonzero(np.asarray(g["count_all"]) > 1)),
            "traitement": "comptees"}


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns as their values (CSV has no dictionaries)."""
    return pa.table({f.name: (c.cast(f.type.value_type) if pa.types.is_dictionary(f.type)
                              else c) for f, c in zip(table.schema, table.columns)})


def _source(fmt: str, planted, tmp_path):
    table = pq.read_table(planted / "ij.parquet")
    if fmt == "parquet":
        return planted
    if fmt == "memory":
        return {"ij": table}
    if fmt == "csv":
        pcsv.write_csv(_plain(table), tmp_path / "ij.csv")
    else:
        with pa.ipc.new_file(tmp_path / "ij.arrow", table.schema) as w:
            w.write_table(table, max_chunksize=2_000)
    return tmp_path


def _separate(monkeypatch):
    """The separate passes of check_table, as before issue 20 § 2."""
    monkeypatch.setattr(cogind.api, "pass_check", lambda *a, **k: None)


def _no_separate_pass(monkeypatch):
    def refused(*a, **k):
        raise AssertionError("the check was not made by the pass")
    monkeypatch.setattr(dup, "find_duplicates", refused)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "arrow", "memory"])
@pytest.mark.parametrize("threads,batch", [(1, 700), (2, 700), (2, 1 << 16)])
def test_counts_and_results_equal_the_separate_passes(planted, tmp_path, monkeypatch, fmt,
                                                      threads, batch):
    expected = _reference(pq.read_table(planted / "ij.parquet"))
    assert expected["lignes"] > 100
    source = _source(fmt, planted, tmp_path)
    run = lambda: cogind.compute(source, None, indicators=INDICATORS, years=2023,
                                 secret=False, threads=threads, batch_size=batch)
    with monkeypatch.context() as m:
        _no_separate_pass(m)
        fused = run()
    with monkeypatch.context() as m:
        _separate(m)
        separate = run()
    assert cogind.provenance(fused)["doublons"]["ij"] == expected
    assert fused.equals(separate) and fused.schema.metadata == separate.schema.metadata


def test_key_columns_read_once_with_the_plan(planted, monkeypatch):
    reads = []
    real = TableInput.batches

    def counted(self, columns, *a, **k):
        reads.append(tuple(columns))
        return real(self, columns, *a, **k)

    monkeypatch.setattr(TableInput, "batches", counted)
    cogind.compute(planted, None, indicators=INDICATORS, years=2023, secret=False)
    assert len(reads) == 1 and set(KEY) <= set(reads[0])  # the plan's columns and the key
    reads.clear()
    _separate(monkeypatch)
    cogind.compute(planted, None, indicators=INDICATORS, years=2023, secret=False)
    assert [set(r) for r in reads[:2]] == [set(KEY), set(KEY)] and len(reads) == 3


@pytest.mark.parametrize("threads", [1, 2])
def test_colliding_hashes_spill_files_and_keys_read_again(planted, monkeypatch, threads):
    """Every hash in 3 values (collisions everywhere), hash files, candidates' part files,
    and key columns over their budget (pass 2 reads them again): the same counts."""
    expected = _reference(pq.read_table(planted / "ij.parquet"))
    real = dup.row_hashes
    for budget in (0, 1 << 30):
        with monkeypatch.context() as m:
            m.setattr(dup, "row_hashes", lambda b, k: real(b, k) % np.uint64(3))
            m.setattr(dup, "HASH_SPILL_ROWS", 1_000 if budget else 1 << 23)
            m.setattr(dup, "SPILL_ROWS", 500)
            m.setattr(dup, "KEEP_BYTES", budget)
            got = cogind.compute(planted, None, indicators=INDICATORS, years=2023,
                                 secret=False, threads=threads, batch_size=600)
        assert cogind.provenance(got)["doublons"]["ij"] == expected


def test_clean_table_and_empty_files(tmp_path, monkeypatch):
    cogind.generate(tmp_path, years=(2023, 2023), rows={"ij": 3_000}, tables=["ij"])
    got = cogind.compute(tmp_path, None, indicators=INDICATORS, years=2023, secret=False)
    assert cogind.provenance(got)["doublons"]["ij"] == {
        "cle": KEY, "lignes": 0, "cles": 0, "traitement": "comptees"}
    empty = pq.read_table(tmp_path / "ij.parquet").slice(0, 0)
    for fmt in ("parquet", "csv"):
        folder = tmp_path / fmt
        folder.mkdir()
        if fmt == "parquet":
            pq.write_table(empty, folder / "ij.parquet")
        else:
            pcsv.write_csv(_plain(empty), folder / "ij.csv")
        run = lambda: cogind.compute(folder, None, indicators=INDICATORS, years=2023,
                                     secret=False)
        fused = run()
        with monkeypatch.context() as m:
            _separate(m)
            separate = run()
        assert cogind.provenance(fused)["doublons"] == cogind.provenance(separate)["doublons"]
        assert fused.equals(separate) and fused.schema.metadata == separate.schema.metadata


def test_stream_as_of_and_exclure_keep_their_own_check(planted, monkeypatch):
    table = pq.read_table(planted / "ij.parquet")
    expected = _reference(table)
    stream = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(1_000))
    got = cogind.compute({"ij": stream}, None, indicators=INDICATORS, years=2023, secret=False)
    assert cogind.provenance(got)["doublons"]["ij"]["non_controle"] == "flux lu une seule fois"
    got = cogind.compute(planted, None, indicators=INDICATORS, years=2023, secret=False,
                         as_of="2023-12")  # ij has no availability column: by the pass
    assert cogind.provenance(got)["doublons"]["ij"] == expected
    tin = open_inputs(planted, REGISTRY.tables)["ij"]
    spec = REGISTRY.table("ij")
    assert isinstance(dup.pass_check(tin, spec, "compter"), dup.KeyHashes)
    # a pass that skips row groups under as_of, exclure, ignorer, stored hashes: not by it
    assert dup.pass_check(tin, spec, "compter", as_of=("IJ_PAI_DTD", 19_000)) is None
    assert dup.pass_check(tin, spec, "compter", known=object()) is None
    assert dup.pass_check(tin, spec, "exclure") is None
    assert dup.pass_check(tin, spec, "ignorer") is None
    called = []
    real = dup.find_duplicates
    monkeypatch.setattr(dup, "find_duplicates", lambda *a, **k: called.append(1) or real(*a, **k))
    got = cogind.compute(planted, None, indicators=INDICATORS, years=2023, secret=False,
                         doublons="exclure")
    assert cogind.provenance(got)["doublons"]["ij"]["lignes"] == expected["lignes"]
    assert called == [1]


def test_cli_same_file_and_warning(planted, tmp_path, monkeypatch):
    expected = _reference(pq.read_table(planted / "ij.parquet"))
    args = ["compute", str(planted), "--cog", "none", "--year", "2023", "--indicator",
            INDICATORS[0], "--threads", "2"]
    res = CliRunner().invoke(main, args + ["-o", str(tmp_path / "fused.parquet")])
    assert res.exit_code == 0, res.output
    assert (f"table ij : {count(expected['lignes'], 'lignes')} en double sur la clé "
            "(ARR_NUM, IJ_PAI_DTD, PRS_NAT_REF)") in res.output
    _separate(monkeypatch)
    again = CliRunner().invoke(main, args + ["-o", str(tmp_path / "separate.parquet")])
    assert again.exit_code == 0, again.output
    a, b = (pq.read_table(tmp_path / f) for f in ("fused.parquet", "separate.parquet"))
    assert a.equals(b) and a.schema.metadata == b.schema.metadata
    assert cogind.provenance(a)["doublons"]["ij"] == expected
