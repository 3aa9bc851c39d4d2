"""Duplicated keys (schemas' primaryKey): validate counts them, compute counts or excludes them.

Reference figures: plain pyarrow group_by counts and a pyarrow dedup keeping the first row
of each key in file order.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli as main
from cogind.errors import ConfigError
from cogind.formatting import count
from cogind.io import duplicates as dup
from cogind.io.readers import open_inputs
from cogind.plugins import build_registry

KEY = ["ARR_NUM", "IJ_PAI_DTD", "PRS_NAT_REF"]
INDICATORS = ["IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN", "CPAM75_IJ_15J_TAUX"]
FIGURES = ["indicateur", "niveau", "caisse", "periode", "valeur", "numerateur", "denominateur",
           "n"]


@pytest.fixture(scope="module")
def registry():
    return build_registry()


@pytest.fixture(scope="module")
def ij(tmp_path_factory):
    """Generated ij with every defect kind planted (duplicates among them)."""
    out = tmp_path_factory.mktemp("ij_defects")
    cogind.generate(out, years=(2023, 2023), rows={"ij": 12_000}, defects=0.1, tables=["ij"],
                    batch_rows=5_000)
    return out


def _reference(table: pa.Table, key=KEY) -> tuple[int, int]:
    g = table.group_by(key).aggregate([([], "count_all")])
    return table.num_rows - g.num_rows, int(np.count_nonzero(np.asarray(g["count_all"]) > 1))


def _first_rows(table: pa.Table, key=KEY) -> pa.Table:
    t = table.append_column("_o", pa.array(np.arange(table.num_rows)))
    firsts = t.group_by(key).aggregate([("_o", "min")])["_o_min"]
    return table.take(np.sort(np.asarray(firsts)))


def _figures(result: pa.Table) -> list[dict]:
    return result.select(FIGURES).sort_by([(c, "ascending") for c in FIGURES[:4]]).to_pylist()


def test_schemas_declare_keys_unique_on_clean_data(registry, tmp_path):
    cogind.generate(tmp_path, years=(2023, 2023), rows={"ij": 20_000},
                    tables=["ij", "mesures", "population"])
    for name in ("ij", "mesures", "population"):
        key = list(registry.table(name).primary_key)
        assert key, name
        assert _reference(pq.read_table(tmp_path / f"{name}.parquet"), key) == (0, 0), name
    assert registry.table("prestations").primary_key == ()  # identical rows are legitimate


def test_validate_counts_duplicated_keys(ij):
    rows, keys = _reference(pq.read_table(ij / "ij.parquet"))
    assert rows > 500
    res = CliRunner().invoke(main, ["validate", str(ij)])
    assert res.exit_code == 0, res.output
    m = re.search("clé \\(ARR_NUM, IJ_PAI_DTD, PRS_NAT_REF\\) : ([\\d\u202f]+)\u00a0lignes en double "
                  "\\(([\\d\u202f]+)\u00a0clés répétées\\)", res.output)  # French counts
    assert m and (int(m[1].replace("\u202f", "")), int(m[2].replace("\u202f", ""))) == (rows, keys)


def test_compute_counts_and_keeps_every_row_by_default(ij):
    rows, keys = _reference(pq.read_table(ij / "ij.parquet"))
    counted = cogind.compute(ij, None, indicators=INDICATORS, years=2023, secret=False)
    ignored = cogind.compute(ij, None, indicators=INDICATORS, years=2023, secret=False, doublons="ignorer")
    found = cogind.provenance(counted)["doublons"]["ij"]
    assert found == {"cle": KEY, "lignes": rows, "cles": keys, "traitement": "comptees"}
    assert "ij" not in cogind.provenance(ignored)["doublons"]
    assert _figures(counted) == _figures(ignored)  # figures unchanged
    assert not any("doublon" in e for e in counted["exclusions"].to_pylist())
    res = CliRunner().invoke(main, ["compute", str(ij), "--cog", "none", "--indicator",
                                    INDICATORS[0], "-o", str(ij.parent / "c.parquet")])
    assert res.exit_code == 0, res.output
    warn = [l for l in res.output.splitlines() if "en double" in l]
    assert warn == [f"Attention : table ij : {count(rows, 'lignes')} en double sur la clé (ARR_NUM, "
                    "IJ_PAI_DTD, PRS_NAT_REF), comptées comme les autres (--doublons exclure "
                    "pour les écarter)"]


def _doublons(result: pa.Table, code: str) -> int:
    nat = result.filter(pc.and_(pc.equal(result["niveau"], "national"),
                                pc.equal(result["indicateur"], code)))
    return sum(json.loads(e).get("doublon", 0) for e in nat["exclusions"].to_pylist())


def test_exclure_equals_the_deduplicated_table(ij, tmp_path):
    table = pq.read_table(ij / "ij.parquet")
    rows, _ = _reference(table)
    clean = _first_rows(table)
    assert clean.num_rows == table.num_rows - rows
    pq.write_table(clean, tmp_path / "ij.parquet")
    ref = cogind.compute(tmp_path, None, indicators=INDICATORS, years=2023, secret=False)
    got = cogind.compute(ij, None, indicators=INDICATORS, years=2023, secret=False, doublons="exclure")
    assert _figures(got) == _figures(ref)
    assert cogind.provenance(got)["doublons"]["ij"]["traitement"] == "exclues"
    assert cogind.provenance(ref)["doublons"]["ij"]["lignes"] == 0
    # the doublon exclusions of an indicator: the dropped rows its scope would have counted
    counted = _doublons(got, "IJ_MAL_DELAI_MOYEN")
    assert 0 < counted <= rows
    n_with = pc.sum(got.filter(pc.equal(got["niveau"], "national"))["n"]).as_py()
    assert n_with == pc.sum(ref.filter(pc.equal(ref["niveau"], "national"))["n"]).as_py()
    res = CliRunner().invoke(main, ["compute", str(ij), "--cog", "none", "--doublons", "exclure",
                                    "--no-secret", "--year", "2023", "-o", str(tmp_path / "r.parquet"),
                                    *sum((["--indicator", c] for c in INDICATORS), [])])
    assert res.exit_code == 0, res.output
    assert f"{count(rows, 'lignes')} en double" in res.output and "exclues (motif doublon)" in res.output
    assert _figures(pq.read_table(tmp_path / "r.parquet")) == _figures(ref)


def test_exclure_same_whatever_batches_and_threads(ij):
    runs = [cogind.compute(ij, None, indicators=INDICATORS, years=2023, secret=False, doublons="exclure",
                           batch_size=b, threads=t) for b, t in ((1 << 20, 1), (777, 1),
                                                                  (1_000, 2))]
    assert _figures(runs[1]) == _figures(runs[0]) == _figures(runs[2])
    assert (runs[0]["exclusions"].to_pylist() == runs[1]["exclusions"].to_pylist()
            == runs[2]["exclusions"].to_pylist())


def test_partition_files_give_the_same_rows(ij, registry, monkeypatch):
    tin = open_inputs(ij, registry.tables)["ij"]
    whole = dup.find_duplicates(tin, KEY, 4_000)
    monkeypatch.setattr(dup, "SPILL_ROWS", 1_000)
    spilled = dup.find_duplicates(tin, KEY, 999)
    assert (spilled.rows, spilled.keys) == (whole.rows, whole.keys)
    assert np.array_equal(spilled.drop, whole.drop)


def test_hand_built_table_first_in_file_order(registry):
    arr = pa.array(["a", "b", "a", None, None, "a", "c"]).dictionary_encode()
    t = pa.table({"ARR_NUM": arr,
                  "IJ_PAI_DTD": pa.array([1, 1, 1, 2, 2, 2, None], pa.int32()).cast(pa.date32()),
                  "PRS_NAT_REF": pa.array([6111] * 7, pa.int64())})
    tin = open_inputs({"ij": t}, registry.tables)["ij"]
    d = dup.find_duplicates(tin, KEY, 2)
    assert (d.rows, d.keys, d.drop.tolist()) == (2, 2, [2, 4])  # nulls equal nulls
    assert d.keep(2, 3).tolist() == [False, True, False] and d.keep(5, 2) is None
    assert _reference(t.set_column(0, "ARR_NUM", arr.dictionary_decode())) == (2, 2)


def test_bad_mode_is_a_usage_error(ij):
    with pytest.raises(ConfigError):
        cogind.compute(ij, None, indicators=INDICATORS, doublons="supprimer")
    res = CliRunner().invoke(main, ["compute", str(ij), "--doublons", "supprimer"])
    assert res.exit_code == 2
