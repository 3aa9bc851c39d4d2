"""The duplicate-key pass (io.duplicates, kernels.hashing) against a pure-Python reference.

Reference: the rows as Python tuples (``as_py``), the first of each tuple in row order kept, a
null equal to a null (a ``GROUP BY``), shared with nothing of cogind. Hypothesis draws keys
with nulls, ties, dictionary or plain strings, integer widths and batch sizes; a forced hash
(every row colliding) checks that equal hashes are only candidates, never duplicates.
"""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cogind
from cogind.cli import cli as main
from cogind.formatting import count
from cogind.io import duplicates as dup
from cogind.io.readers import open_inputs
from cogind.kernels import hashing
from cogind.plugins import build_registry

KEY = ["ARR_NUM", "IJ_PAI_DTD", "PRS_NAT_REF"]
REGISTRY = build_registry()
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _reference(rows: list[tuple]) -> tuple[int, int, list[int]]:
    """(duplicate rows, repeated keys, ordinals of the non-first rows), in plain Python."""
    seen: dict[tuple, int] = {}
    drop = []
    for i, r in enumerate(rows):
        if r in seen:
            seen[r] += 1
            drop.append(i)
        else:
            seen[r] = 1
    return len(drop), sum(1 for n in seen.values() if n > 1), drop


def _table(arr_num, days, natures, dictionary: bool, wide: bool) -> pa.Table:
    a = pa.array(arr_num, pa.string())
    return pa.table({
        "ARR_NUM": a.dictionary_encode() if dictionary else a,
        "IJ_PAI_DTD": pa.array([None if d is None else dt.date(2023, 1, 1) + dt.timedelta(d)
                                for d in days], pa.date32()),
        "PRS_NAT_REF": pa.array(natures, pa.int64() if wide else pa.int16())})


keys = st.lists(st.tuples(st.sampled_from(["A1", "A2", "", "é", None]),
                          st.one_of(st.none(), st.integers(0, 3)),
                          st.one_of(st.none(), st.sampled_from([-1, 0, 6111, 6112]))),
                min_size=0, max_size=60)


def _found(table: pa.Table, batch: int):
    tin = open_inputs({"ij": table}, REGISTRY.tables)["ij"]
    return dup.find_duplicates(tin, KEY, batch)


def _rows(table: pa.Table) -> list[tuple]:
    return list(zip(*(table.column(c).to_pylist() for c in KEY)))


@SETTINGS
@given(rows=keys, dictionary=st.booleans(), wide=st.booleans(), batch=st.integers(1, 70))
def test_find_duplicates_equals_the_reference(rows, dictionary, wide, batch):
    t = _table(*(list(c) for c in zip(*rows)) if rows else ([], [], []),
               dictionary=dictionary, wide=wide)
    got = _found(t, batch)
    rows_n, keys_n, drop = _reference(_rows(t))
    assert (got.rows, got.keys, got.drop.tolist()) == (rows_n, keys_n, drop)
    g = t.group_by(KEY).aggregate([([], "count_all")])  # pyarrow's own GROUP BY agrees
    assert got.rows == t.num_rows - g.num_rows


@SETTINGS
@given(rows=keys, batch=st.integers(1, 70), spill=st.integers(0, 40))
def test_colliding_hashes_and_spill_files_change_nothing(rows, batch, spill, monkeypatch):
    t = _table(*(list(c) for c in zip(*rows)) if rows else ([], [], []), True, False)
    expected = _reference(_rows(t))
    real = dup.row_hashes
    with monkeypatch.context() as m:  # every row's hash in 3 values: collisions everywhere
        m.setattr(dup, "row_hashes", lambda b, k: real(b, k) % np.uint64(3))
        m.setattr(dup, "HASH_SPILL_ROWS", spill)
        m.setattr(dup, "SPILL_ROWS", spill)
        got = _found(t, batch)
    assert (got.rows, got.keys, got.drop.tolist()) == expected


def test_equal_keys_hash_equal_whatever_the_physical_type():
    plain = _table(["A1", None, "A2", "A1"], [0, 1, None, 0], [6111, None, 1, 6111], False, True)
    coded = _table(["A1", None, "A2", "A1"], [0, 1, None, 0], [6111, None, 1, 6111], True, False)
    large = plain.set_column(0, "ARR_NUM", plain["ARR_NUM"].cast(pa.large_string()))
    sliced = pa.concat_tables([coded.slice(0, 1), coded.slice(1)])  # offsets, two chunks
    h = dup.row_hashes(plain, KEY)
    for t in (coded, large, sliced):
        assert np.array_equal(dup.row_hashes(t, KEY), h)
    assert h[0] == h[3] and len(set(h.tolist())) == 3
    # a null is not the empty string, nor 0, nor the value NULL's bits
    odd = pa.table({"s": pa.array([None, ""]), "i": pa.array([None, 0]),
                    "u": pa.array([None, int(hashing.NULL) - (1 << 64)], pa.int64())})
    for c in ("s", "i"):
        a, b = dup.row_hashes(odd, [c])
        assert a != b
    got = dup.find_duplicates(open_inputs({"ij": odd.rename_columns(KEY)}, REGISTRY.tables)["ij"],
                              ["PRS_NAT_REF"], 1)  # NULL's bits collide with a null: confirmed
    assert (got.rows, got.keys) == (0, 0)


@SETTINGS
@given(values=st.lists(st.integers(0, (1 << 64) - 1) | st.sampled_from([0, 1, (1 << 64) - 1]),
                       max_size=300))
def test_kernels_sort_repeat_and_member_like_numpy(values):
    a = np.array(values, np.uint64)
    s = hashing.radix_sort(a.copy())
    assert np.array_equal(s, np.sort(a))
    u, n = np.unique(a, return_counts=True)
    assert np.array_equal(hashing.repeated(s), u[n > 1])
    some = u[::2]
    assert np.array_equal(hashing.members(a, hashing.member_table(some)),
                          np.flatnonzero(np.isin(a, some)))
    ordered, bounds = hashing.by_top_byte(a)
    assert bounds[-1] == len(a) and np.array_equal(np.sort(ordered), np.sort(a))
    for b in range(256):
        assert np.all(ordered[bounds[b]:bounds[b + 1]] >> np.uint64(56) == b)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Two Parquet files of ij with duplicates across them, nulls in the key, and ties."""
    out = tmp_path_factory.mktemp("planted_dups")
    cogind.generate(out, years=(2023, 2023), rows={"ij": 3_000}, tables=["ij"])
    t = pq.read_table(out / "ij.parquet")
    rng = np.random.default_rng(7)
    again = t.take(rng.choice(t.num_rows, 300, replace=False))
    nulls = again.slice(0, 40).set_column(
        t.schema.get_field_index("ARR_NUM"), "ARR_NUM", pa.nulls(40, t.schema.field("ARR_NUM").type))
    (out / "ij.parquet").unlink()
    (out / "ij").mkdir()
    pq.write_table(pa.concat_tables([t, nulls]), out / "ij" / "part-0.parquet")
    pq.write_table(pa.concat_tables([again, nulls.slice(0, 10)]), out / "ij" / "part-1.parquet")
    return out


def _national_n(result: pa.Table) -> dict:
    nat = result.filter(pc.equal(result["niveau"], "national"))
    return {(i, p): n for i, p, n in zip(*(nat[c].to_pylist()
                                           for c in ("indicateur", "periode", "n")))}


def test_compute_and_validate_on_planted_files(planted, tmp_path, monkeypatch):
    table = ds.dataset(planted / "ij").to_table()
    rows_n, keys_n, drop = _reference(_rows(table))
    assert rows_n >= 300
    inds = ["IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN"]
    kept = table.filter(pa.array(~np.isin(np.arange(table.num_rows), drop)))
    pq.write_table(kept, tmp_path / "ij.parquet")
    ref = cogind.compute(tmp_path, None, indicators=inds, years=2023, secret=None)
    monkeypatch.setattr(dup, "HASH_SPILL_ROWS", 500)  # hash files on this small table too
    got = cogind.compute(planted, None, indicators=inds, years=2023, secret=None,
                         doublons="exclure", batch_size=700)
    assert _national_n(got) == _national_n(ref)
    assert cogind.provenance(got)["doublons"]["ij"] == {
        "cle": KEY, "lignes": rows_n, "cles": keys_n, "traitement": "exclues"}
    nat = got.filter(pc.equal(got["niveau"], "national"))
    assert sum(json.loads(e).get("doublon", 0) for e in nat["exclusions"].to_pylist()) > 0
    res = CliRunner().invoke(main, ["validate", str(planted)])
    assert res.exit_code == 0, res.output
    assert f"{count(rows_n, 'lignes')} en double ({count(keys_n, 'clés')} répétées)" in res.output
    res = CliRunner().invoke(main, ["compute", str(planted), "--cog", "none", "--year", "2023",
                                    "--indicator", inds[0], "-o", str(tmp_path / "r.parquet")])
    assert res.exit_code == 0, res.output
    assert f"table ij : {count(rows_n, 'lignes')} en double" in res.output


def test_a_table_without_row_id_is_said_not_checked_once(tmp_path):
    cogind.generate(tmp_path, years=(2023, 2023), rows={"prestations": 2_000, "ij": 1_000},
                    tables=["prestations", "ij"])
    inds = ["DEPASSEMENT_TAUX", "IJ_MAL_DELAI_MOYEN"]
    for mode in ("compter", "exclure"):
        got = cogind.compute(tmp_path, None, indicators=inds, years=2023, secret=None,
                             doublons=mode)
        found = cogind.provenance(got)["doublons"]
        assert found["prestations"] == {"cle": [], "non_controle": dup.NO_KEY}
        assert found["ij"]["lignes"] == 0
    ignored = cogind.compute(tmp_path, None, indicators=inds, years=2023, doublons="ignorer")
    assert cogind.provenance(ignored)["doublons"] == {}
    args = ["compute", str(tmp_path), "--cog", "none", "--year", "2023", "-o",
            str(tmp_path / "r.parquet"), *(a for c in inds for a in ("--indicator", c))]
    quiet = CliRunner().invoke(main, args)
    assert quiet.exit_code == 0 and "doublons" not in quiet.stderr
    res = CliRunner().invoke(main, [*args, "--doublons", "exclure"])
    assert res.exit_code == 0, res.output
    said = [line for line in res.stderr.splitlines() if "doublons" in line]
    assert said == [("Attention : table prestations : doublons non écartés "
                     "(table sans identifiant de ligne)")]
    res = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert res.exit_code == 0, res.output
    said = [line for line in res.output.splitlines() if line.startswith("  clé")]
    assert sorted(said) == sorted([
        "  clé : aucune (table sans identifiant de ligne) : doublons non détectables",
        "  clé (ARR_NUM, IJ_PAI_DTD, PRS_NAT_REF) : aucun doublon"])
