"""Stored partial states (``compute --states``, issue 20 § 1): results equal a full run's,
byte for byte, after adding, changing and deleting a file; an option that changes a state
never reuses one; a corrupt state is recomputed and said so; concurrent runs share a store."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.api import provenance
from cogind.cli import cli
from cogind.cli.common import sample_path

SPLIT_BY = {"prestations": "FLX_TRT_DTD", "ij": "IJ_PAI_DTD", "contacts": "CNT_ARR_DTH"}
ROWS = {"prestations": 8, "ij": 6, "contacts": 8}  # every k-th row of the bundled sample
SUITE = ("IJ_MAL_DELAI_MOYEN", "IJ_ATMP_DELAI_MOYEN", "FSE_DELAI_D9", "APPELS_TAUX_ABOUTIS",
         "COURRIELS_48H_TAUX", "DEPASSEMENT_TAUX")  # means, a quantile, rates; 3 tables


def monthly_folder(out: Path) -> None:
    """``out/<table>/<YYYY-MM>.parquet`` per month of the table's flow date (``none``: null),
    from every k-th row of the sample's tables (101 caisses, 2023-2024)."""
    for name, k in ROWS.items():
        table = pq.read_table(sample_path() / f"{name}.parquet")
        table = table.take(pa.array(range(0, table.num_rows, k)))
        month = pc.fill_null(pc.strftime(pc.cast(table[SPLIT_BY[name]], pa.timestamp("ms")),
                                         "%Y-%m"), "none")
        (out / name).mkdir(parents=True)
        for m in sorted(set(month.to_pylist())):
            pq.write_table(table.filter(pc.equal(month, m)), out / name / f"{m}.parquet")


@pytest.fixture(scope="module")
def monthly(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("states") / "data"
    monthly_folder(out)
    return out


@pytest.fixture
def data(monthly, tmp_path) -> Path:
    return Path(shutil.copytree(monthly, tmp_path / "data"))


def run(source, **options):
    """``cogind.compute`` on the suite's indicators (the whole COG: ``indicators=None``), raw
    figures: the secret statistique is applied after the states (and takes seconds here)."""
    options.setdefault("indicators", SUITE)
    options.setdefault("secret", False)
    return cogind.compute(source, **options)


def data_bytes(table: pa.Table) -> bytes:
    """The table as Arrow IPC bytes, without the provenance."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema.remove_metadata()) as w:
        w.write_table(table.replace_schema_metadata(None))
    return sink.getvalue().to_pybytes()


def etats(table: pa.Table) -> dict:
    return {n: e.get("etats") for n, e in provenance(table)["entrees"].items()}


def same_as_full(table: pa.Table, source, **options) -> None:
    """``table`` (a run with states) equals a full run: data bytes, and the provenance but
    for the ``etats`` entries."""
    full = run(source, **options)
    assert data_bytes(table) == data_bytes(full)
    meta = provenance(table)
    for entry in meta["entrees"].values():
        assert "etats" in entry
        del entry["etats"]
    assert meta == provenance(full)


def test_second_run_reads_nothing_and_equals_full(data, tmp_path):
    store = tmp_path / "store"
    first = run(data, states=store, indicators=None)  # the whole COG
    assert etats(first) == {n: {"reutilises": 0, "recalcules": len(list((data / n).iterdir())),
                                "raison": f"nouveau: {len(list((data / n).iterdir()))}"}
                            for n in ROWS}
    second = run(data, states=store, indicators=None)
    assert etats(second) == {n: {"reutilises": len(list((data / n).iterdir())), "recalcules": 0}
                             for n in ROWS}
    assert data_bytes(first) == data_bytes(second)
    same_as_full(second, data, indicators=None)


def test_added_month(data, tmp_path):
    store = tmp_path / "store"
    last = data / "prestations" / "2024-12.parquet"
    aside = tmp_path / "2024-12.parquet"
    shutil.move(last, aside)
    before = run(data, states=store, period="ytd")
    shutil.move(aside, last)
    after = run(data, states=store, period="ytd")
    n = len(list((data / "prestations").iterdir()))
    assert etats(after)["prestations"] == {"reutilises": n - 1, "recalcules": 1,
                                           "raison": "nouveau: 1"}
    assert data_bytes(before) != data_bytes(after)
    same_as_full(after, data, period="ytd")


def test_changed_file(data, tmp_path):
    store = tmp_path / "store"
    run(data, states=store)
    path = data / "ij" / "2023-06.parquet"
    table = pq.read_table(path)
    pq.write_table(table.slice(0, table.num_rows // 2), path)  # same name, other content
    after = run(data, states=store)
    n = len(list((data / "ij").iterdir()))
    assert etats(after)["ij"] == {"reutilises": n - 1, "recalcules": 1, "raison": "nouveau: 1"}
    same_as_full(after, data)


def test_deleted_file(data, tmp_path):
    store = tmp_path / "store"
    run(data, states=store)
    (data / "contacts" / "2023-03.parquet").unlink()
    after = run(data, states=store)
    n = len(list((data / "contacts").iterdir()))
    assert etats(after)["contacts"] == {"reutilises": n, "recalcules": 0}
    same_as_full(after, data)


@pytest.mark.parametrize("option,changed", [
    ({"as_of": "2024-09"}, ["prestations"]),  # the only table with an availability column
    ({"timezone": "America/Guadeloupe"}, sorted(ROWS))], ids=["as_of", "timezone"])
def test_changed_option_reuses_nothing(data, tmp_path, option, changed):
    store = tmp_path / "store"
    run(data, states=store)
    other = run(data, states=store, **option)
    assert sorted(n for n, e in etats(other).items() if e["reutilises"] == 0) == changed
    assert all(e["recalcules"] == 0 for n, e in etats(other).items() if n not in changed)
    same_as_full(other, data, **option)
    again = run(data, states=store, **option)  # each option has its own states
    assert all(e["recalcules"] == 0 for e in etats(again).values())
    assert len(list(store.iterdir())) == len(ROWS) + len(changed)


def test_year_does_not_change_states(data, tmp_path):
    """--year selects periods of the same states: they are reused."""
    store = tmp_path / "store"
    run(data, states=store)
    other = run(data, states=store, years=2024, period="quarter")
    assert all(e["recalcules"] == 0 for e in etats(other).values())
    same_as_full(other, data, years=2024, period="quarter")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_state_is_recomputed(data, tmp_path, damage):
    store = tmp_path / "store"
    run(data, states=store)
    plan = next(p for p in store.iterdir()
                if json.loads((p / "plan.json").read_text())["table"] == "prestations")
    victim = sorted(plan.glob("*.npz"))[3]
    raw = victim.read_bytes()
    victim.write_bytes({"garbage": b"\x00not a state" * 50, "truncated": raw[:len(raw) // 2],
                        "empty": b""}[damage])
    after = run(data, states=store)
    n = len(list((data / "prestations").iterdir()))
    assert etats(after)["prestations"] == {"reutilises": n - 1, "recalcules": 1,
                                           "raison": "état illisible: 1"}
    same_as_full(after, data)
    assert etats(run(data, states=store))["prestations"]["recalcules"] == 0


def test_inconsistent_state_is_recomputed(data, tmp_path):
    """A readable state of another shape (written for another plan) is not merged."""
    import numpy as np

    store = tmp_path / "store"
    run(data, states=store)
    plan = next(p for p in store.iterdir()
                if json.loads((p / "plan.json").read_text())["table"] == "ij")
    victim = min(plan.glob("*.npz"))
    with np.load(victim) as z:
        arrays = dict(z)
    meta = json.loads(str(arrays["meta"]))
    meta["shapes"][0][2] -= 1  # one column fewer: the state of a kernel of another width
    arrays["meta"] = np.array(json.dumps(meta))
    arrays["state_0"] = arrays["state_0"][:, :-1]
    with open(victim, "wb") as fh:
        np.savez(fh, **arrays)
    after = run(data, states=store)
    assert etats(after)["ij"]["raison"] == "état incohérent: 1"
    same_as_full(after, data)


def test_duplicates_across_files_excluded_recompute_all(data, tmp_path):
    """doublons='exclure' keeps the first row of a key in file order, across files: a key
    repeated in two files makes per-file states unsound, the table is read whole."""
    store = tmp_path / "store"
    run(data, states=store, doublons="exclure")
    src = pq.read_table(data / "ij" / "2023-02.parquet").slice(0, 3)
    dst = data / "ij" / "2023-05.parquet"
    pq.write_table(pa.concat_tables([pq.read_table(dst), src.cast(pq.read_schema(dst))]), dst)
    after = run(data, states=store, doublons="exclure")
    n = len(list((data / "ij").iterdir()))
    assert etats(after)["ij"] == {"reutilises": 0, "recalcules": n,
                                  "raison": "doublons exclus entre fichiers"}
    assert provenance(after)["doublons"]["ij"]["lignes"] >= 3
    same_as_full(after, data, doublons="exclure")


def test_tables_in_memory_are_not_stored(data, tmp_path):
    ij = pq.read_table(data / "ij")
    out = run({"ij": ij}, states=tmp_path / "store")
    assert etats(out) == {"ij": {"reutilises": 0, "recalcules": 1,
                                 "raison": "entrée hors fichiers"}}
    assert data_bytes(out) == data_bytes(run({"ij": ij}))


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_cli_compute_list_prune(data, tmp_path):
    store = tmp_path / "store"
    suite = [a for code in SUITE for a in ("--indicator", code)] + ["--no-secret"]
    full = invoke("compute", data, *suite, "-o", tmp_path / "full.arrow")
    assert full.exit_code == 0, full.output
    for i in (1, 2):
        r = invoke("compute", data, *suite, "--states", store, "-o", tmp_path / f"r{i}.arrow")
        assert r.exit_code == 0, r.output
    tables = [pa.ipc.open_file(tmp_path / f"{n}.arrow").read_all() for n in ("full", "r1", "r2")]
    assert data_bytes(tables[1]) == data_bytes(tables[0]) == data_bytes(tables[2])
    assert etats(tables[2])["ij"]["recalcules"] == 0
    n = len(list((data / "ij").iterdir()))
    assert f"États : table ij : {n} fichier(s) repris, 0 lu(s)\n" in r.stderr
    listed = invoke("states", "list", store, "--json")
    assert listed.exit_code == 0
    plans = json.loads(listed.output)["etats"]
    assert sorted(p["table"] for p in plans) == sorted(ROWS)
    assert {p["table"]: p["etats"] for p in plans} == {
        n: len(list((data / n).iterdir())) for n in ROWS}
    text = invoke("states", "list", store)
    assert text.exit_code == 0 and "prestations" in text.output
    kept = invoke("states", "prune", store, "--keep-days", "1")
    assert kept.exit_code == 0 and kept.output.startswith("0\u00a0états supprimés")
    gone = invoke("states", "prune", store, "--keep-days", "0")
    assert gone.exit_code == 0, gone.output
    assert list(store.iterdir()) == []
    assert invoke("states", "list", store).output.startswith("aucun état")
    assert invoke("states", "list", tmp_path / "absent").exit_code == 2


def test_prune_keeps_states_used_recently(data, tmp_path):
    from cogind.engine.states import prune

    store = tmp_path / "store"
    run(data, states=store)
    old = sorted(store.rglob("*.npz"))[:2]
    for p in old:
        os.utime(p, (0, 0))
    assert prune(store, 10)[0] == 2
    assert sorted(store.rglob("*.npz")) == sorted(set(store.rglob("*.npz")) - set(old))


def test_concurrent_runs_share_a_store(data, tmp_path):
    """Two CLI runs at once on one store, then a third: every state the first two wrote is
    read back (the third runs as they did, in a process of its own)."""
    store = tmp_path / "store"

    def start(i):
        return subprocess.Popen([str(Path(sys.executable).with_name("cogind")), "compute",
                                 str(data), *[a for c in SUITE for a in ("--indicator", c)],
                                 "--no-secret", "--states", str(store),
                                 "-o", str(tmp_path / f"c{i}.arrow")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    procs = [start(i) for i in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    assert not list(store.rglob("*.cogind-tmp"))
    third = start(2)
    _, err = third.communicate(timeout=300)
    assert third.returncode == 0, err.decode()
    for name in ROWS:
        n = len(list((data / name).iterdir()))
        assert f"États : table {name} : {n} fichier(s) repris, 0 lu(s)" in err.decode()
    full = run(data)
    for i in range(3):
        assert data_bytes(pa.ipc.open_file(tmp_path / f"c{i}.arrow").read_all()) == \
            data_bytes(full)


def test_hive_partitions_of_identical_bytes_are_two_states(data, tmp_path):
    """A hive partition's values come from the path: equal bytes in two partitions are two
    states, and the results still equal a full run's."""
    hive = tmp_path / "hive" / "ij"
    for lot in ("a", "b"):
        (hive / f"lot={lot}").mkdir(parents=True)
        shutil.copy(data / "ij" / "2023-04.parquet", hive / f"lot={lot}" / "part.parquet")
    out = run(hive.parent, states=tmp_path / "store")
    assert etats(out)["ij"] == {"reutilises": 0, "recalcules": 2, "raison": "nouveau: 2"}
    assert len(list((tmp_path / "store").rglob("*.npz"))) == 2
    same_as_full(out, hive.parent)


def _share(rows):
    import numpy as np

    n, hits = rows[:, 0], rows[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, 100.0 * hits / n, np.nan), hits, n, n


def _own_plugin(update):
    """A plugin registered in memory (no version) whose kernel's update is ``update``."""
    from cogind import Indicator, Input, Kernel, KernelMeasure, hookimpl, where
    from cogind.kernels import counts

    kernel = Kernel("part_etats", (Input("CNT_ABO_TOP", "flag", (1,)),), 3, update,
                    counts.PROPORTION_REASONS)
    ind = Indicator(code="NOYAU_ETATS_PART", libelle="Part", definition="Exemple.",
                    table="contacts", unit="%", direction="hausse", period_column="CNT_ARR_DTH",
                    where=where(CNT_CAN_COD="TEL"),
                    measure=KernelMeasure(kernel, _share, statistic="proportion"))

    class Own:
        __name__ = "noyau_etats"

        @hookimpl
        def cogind_register_indicators(self, registry):
            registry.add_indicator(ind)

    return Own()


KERNEL_SOURCE = """
@njit
def update_proportion(state, group, flag):
    for i in range(group.shape[0]):
        if group[i] >= 0:
            state[group[i], 0] += 1
            state[group[i], 1] += {hit}
"""


def _update(hit: str):
    """``update_proportion`` of module ``etats_noyau``: its repr is the same for any body."""
    from numba import njit

    namespace = {"njit": njit, "__name__": "etats_noyau"}
    exec(KERNEL_SOURCE.format(hit=hit), namespace)  # noqa: S102 -- two bodies, one name
    return namespace["update_proportion"]


def test_a_kernel_whose_code_changed_reuses_nothing(data, tmp_path):
    """Same plugin, kernel, function and module names, another body: other states (a plugin
    registered in memory has no version to tell them apart)."""
    store = tmp_path / "store"
    options = {"cog": None, "indicators": ["NOYAU_ETATS_PART"], "states": store}
    first = run(data, plugins=[_own_plugin(_update("(flag[i] == 1)"))], **options)
    other = run(data, plugins=[_own_plugin(_update("1"))], **options)
    assert etats(other)["contacts"]["reutilises"] == 0
    assert data_bytes(first) != data_bytes(other)
    options.pop("states")
    same_as_full(other, data, plugins=[_own_plugin(_update("1"))], **options)


def test_each_file_is_hashed_once_per_run(data, tmp_path, monkeypatch):
    """The provenance and the store both need a file's SHA-256: one read of its bytes."""
    from cogind.io import fingerprint

    fingerprint._KNOWN.clear()
    monkeypatch.setattr(fingerprint, "SETTLED_NS", 0)  # the copied files are seconds old
    hashed = []
    real = fingerprint._bytes_sha256
    monkeypatch.setattr(fingerprint, "_bytes_sha256", lambda p: hashed.append(str(p)) or real(p))
    run(data, states=tmp_path / "store")
    assert hashed and len(hashed) == len(set(hashed))
    (data / "ij" / next(p.name for p in (data / "ij").iterdir())).touch()  # a changed stamp
    hashed.clear()
    run(data, states=tmp_path / "store")
    assert len(hashed) == 1  # the touched file only: the others are known to this process


def test_a_file_written_just_now_is_hashed_again(tmp_path, monkeypatch):
    """Two writes of one size in one clock tick keep every stamp (a coarse file-system clock,
    played here by a frozen stat): a file changed that recently is never kept."""
    from cogind.io import fingerprint

    f = tmp_path / "r.csv"
    f.write_bytes(b"a,1\n")
    frozen = os.stat(f)
    monkeypatch.setattr(fingerprint.os, "stat", lambda *a, **k: frozen)
    first = fingerprint.file_sha256(f)
    with open(f, "r+b") as fh:  # same size, same inode, same stamps
        fh.write(b"b")
    assert fingerprint.file_sha256(f) != first
