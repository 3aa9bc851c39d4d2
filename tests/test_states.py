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
    """The whole COG, side states included (distinct beneficiaries on prestations, long
    arrêts on ij: the computed forms of issue 21): every table's states are stored, then
    every file reused, with the figures of a full run."""
    store = tmp_path / "store"
    first = run(data, states=store, indicators=None)  # the whole COG
    n = {t: len(list((data / t).iterdir())) for t in ROWS}
    assert etats(first) == {t: {"reutilises": 0, "recalcules": n[t], "raison": f"nouveau: {n[t]}"}
                            for t in ROWS}
    second = run(data, states=store, indicators=None)
    assert etats(second) == {t: {"reutilises": n[t], "recalcules": 0} for t in ROWS}
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
    assert len(state_plans(store)) == len(ROWS) + len(changed)


def test_year_does_not_change_states(data, tmp_path):
    """--year selects periods of the same states: they are reused."""
    store = tmp_path / "store"
    run(data, states=store)
    other = run(data, states=store, years=2024, period="quarter")
    assert all(e["recalcules"] == 0 for e in etats(other).values())
    same_as_full(other, data, years=2024, period="quarter")


def state_plans(store: Path, contenu: str = "etats") -> list[Path]:
    """The plan folders of a store holding states (or duplicate hashes: ``doublons``)."""
    return [p for p in store.iterdir() if p.is_dir()
            and json.loads((p / "plan.json").read_text()).get("contenu", "etats") == contenu]


def plan_folder(store: Path, table: str, contenu: str = "etats") -> Path:
    return next(p for p in state_plans(store, contenu)
                if json.loads((p / "plan.json").read_text())["table"] == table)


def generations(store: Path, table: str, contenu: str = "etats") -> list:
    from cogind.engine import packed

    return [packed.Generation(p)
            for p in sorted(plan_folder(store, table, contenu).glob("g*.etats"))]


def damage_entry(entry, at: int = 0) -> None:
    """One byte of ``entry``'s stored arrays flipped in place (its CRC no longer matches)."""
    with open(entry.generation.path, "r+b") as fh:
        fh.seek(entry.start + at)
        byte = fh.read(1)
        fh.seek(entry.start + at)
        fh.write(bytes([byte[0] ^ 0xFF]))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_generation_is_recomputed(data, tmp_path, damage):
    store = tmp_path / "store"
    run(data, states=store)
    (gen,) = generations(store, "prestations")
    raw = gen.path.read_bytes()
    gen.path.write_bytes({"garbage": b"\x00not a state" * 50, "truncated": raw[:len(raw) // 2],
                          "empty": b""}[damage])
    after = run(data, states=store)
    n = len(list((data / "prestations").iterdir()))
    assert etats(after)["prestations"] == {
        "reutilises": 0, "recalcules": n, "raison": f"génération illisible: 1, nouveau: {n}"}
    same_as_full(after, data)
    assert etats(run(data, states=store))["prestations"]["recalcules"] == 0


def test_corrupt_total_and_state_are_recomputed(data, tmp_path):
    """A flipped byte in the stored total: the files' own states are merged instead; in one
    file's state too: that file is read again."""
    store = tmp_path / "store"
    run(data, states=store)
    (gen,) = generations(store, "prestations")
    total = next(e for k, e in gen.entries.items() if k.startswith("t:"))
    victim = sorted(k for k in gen.entries if k.startswith("f:"))[3]
    damage_entry(total, total.size // 2)
    damage_entry(gen.entries[victim])
    after = run(data, states=store)
    n = len(list((data / "prestations").iterdir()))
    assert etats(after)["prestations"] == {
        "reutilises": n - 1, "recalcules": 1,
        "raison": "total illisible: 1, état illisible: 1"}
    same_as_full(after, data)
    assert etats(run(data, states=store))["prestations"]["recalcules"] == 0


def test_inconsistent_state_is_recomputed(data, tmp_path):
    """A readable state of another shape (written for another plan) is not merged."""
    from cogind.engine import packed

    store = tmp_path / "store"
    run(data, states=store)
    (gen,) = generations(store, "ij")
    items = []
    for key, e in gen.entries.items():
        arrays = e.load()
        if key.startswith("t:") or key == min(k for k in gen.entries if k.startswith("f:")):
            e.meta["shapes"][0][2] -= 1  # one column fewer: another kernel's width
            arrays[1] = arrays[1].reshape(len(arrays[0]), -1)[:, :-1]
        items.append((key, e.meta, arrays, None))
    assert packed.write(gen.path, items)
    after = run(data, states=store)
    assert etats(after)["ij"]["raison"] == "total incohérent: 1, état incohérent: 1"
    assert etats(after)["ij"]["recalcules"] == 1
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
    plans = [p for p in json.loads(listed.output)["etats"] if p["contenu"] == "etats"]
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


def test_prune_keeps_states_used_recently(data, tmp_path, monkeypatch):
    from cogind.engine.states import prune
    from cogind.io import fingerprint

    monkeypatch.setattr(fingerprint, "SETTLED_NS", 0)  # the copied files are seconds old
    store = tmp_path / "store"
    run(data, states=store)
    old = [g.path for t in ("ij", "contacts") for g in generations(store, t)]
    old += [g.path for g in generations(store, "ij", "doublons")]  # ij's key hashes
    for p in old:
        os.utime(p, (0, 0))
    assert prune(store, 10)[0] == 3
    assert sorted(p.name for p in store.iterdir() if p.is_dir()) == [
        plan_folder(store, "prestations").name]
    assert (store / "empreintes.json").exists()  # hashes kept while a plan remains
    assert prune(store, 0)[0] == 1
    assert list(store.iterdir()) == []


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
    from cogind.engine.states import listing

    (plan,) = [p for p in listing(tmp_path / "store") if p["contenu"] == "etats"]
    assert plan["etats"] == 2
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


def test_other_reading_code_reuses_nothing(data, tmp_path, monkeypatch):
    """The same bytes read by other reading code (a column found under another name, blanks
    removed from codes, a date form learnt: cogind.io) may give other batches: the stored
    states of the code before are recomputed, never reused."""
    from cogind.engine import state_keys

    store = tmp_path / "store"
    run(data, states=store)
    assert etats(run(data, states=store))["ij"]["reutilises"] > 0
    real = state_keys._source_digest
    monkeypatch.setattr(state_keys, "_source_digest",
                        lambda name: real(name) + ("x" if name == "cogind.io.padding" else ""))
    again = run(data, states=store)
    assert all(e["reutilises"] == 0 for e in etats(again).values() if e)
    same_as_full(again, data)


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


# --------------------------------------------------------------------------- file hashes


def _manifest_sha256(folder: Path) -> str:
    """The provenance's fingerprint of a folder, computed here from the bytes (sha256sum)."""
    import hashlib

    lines = sorted(f"{p.relative_to(folder).as_posix()}\t"
                   f"{hashlib.sha256(p.read_bytes()).hexdigest()}\n"
                   for p in folder.rglob("*.parquet"))
    return hashlib.sha256("".join(lines).encode()).hexdigest()


@pytest.fixture
def counted(monkeypatch):
    """The files whose bytes are hashed, in a process that knows no hash yet; the copied
    test files count as settled (they are seconds old)."""
    from cogind.io import fingerprint

    fingerprint._KNOWN.clear()
    monkeypatch.setattr(fingerprint, "SETTLED_NS", 0)
    hashed = []
    real = fingerprint._bytes_sha256
    monkeypatch.setattr(fingerprint, "_bytes_sha256", lambda p: hashed.append(str(p)) or real(p))
    return hashed


def test_unchanged_files_are_not_read_in_the_next_process(data, tmp_path, counted):
    """The store records each file's stamps and hash: a new process (no hash in memory)
    reads no byte of an unchanged file, and its provenance still gives the files' SHA-256."""
    from cogind.io import fingerprint

    store = tmp_path / "store"
    run(data, states=store)
    n = sum(len(list((data / t).iterdir())) for t in ROWS)
    assert len(counted) == n
    recorded = json.loads((store / "empreintes.json").read_text())["fichiers"]
    assert len(recorded) == n
    fingerprint._KNOWN.clear()  # as a new process
    counted.clear()
    again = run(data, states=store)
    assert counted == []
    for name in ROWS:
        assert provenance(again)["entrees"][name]["sha256"] == _manifest_sha256(data / name)
    same_as_full(again, data)


def test_touched_file_is_hashed_again_and_reused(data, tmp_path, counted):
    """New stamps, same bytes: hashed again (one read), its states reused, the record
    updated."""
    from cogind.io import fingerprint

    store = tmp_path / "store"
    run(data, states=store)
    path = data / "ij" / "2023-05.parquet"
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
    fingerprint._KNOWN.clear()
    counted.clear()
    after = run(data, states=store)
    assert counted == [str(path)]
    assert all(e["recalcules"] == 0 for e in etats(after).values())
    entry = json.loads((store / "empreintes.json").read_text())["fichiers"][str(path)]
    assert entry[3] == os.stat(path).st_mtime_ns
    same_as_full(after, data)


def test_changed_file_under_old_stamps_in_the_record_is_read(data, tmp_path, counted):
    """A file rewritten (other bytes, same size, its old modification time put back): its
    status-change time moved, so the record's stamps no longer match: hashed, recomputed."""
    from cogind.io import fingerprint

    store = tmp_path / "store"
    run(data, states=store)
    path = data / "contacts" / "2024-02.parquet"
    st = os.stat(path)
    table = pq.read_table(path)
    sliced = table.slice(1)
    pq.write_table(pa.concat_tables([sliced, table.slice(0, 1)]), path)  # rows reordered
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    fingerprint._KNOWN.clear()
    counted.clear()
    after = run(data, states=store)
    assert counted == [str(path)]
    assert etats(after)["contacts"]["raison"] == "nouveau: 1"
    same_as_full(after, data)


def test_a_record_is_trusted_and_states_verify_corrects_it(data, tmp_path, counted):
    """The record is trusted on its stamps (as git's index): a wrong hash under the file's
    current stamps (a clock set back, a hand edit) is used, until ``cogind states verify``
    hashes every recorded file again, says so (exit 1) and corrects it; then the file is
    read again and the results equal a full run's."""
    from cogind.io import fingerprint

    store = tmp_path / "store"
    run(data, states=store)
    path = data / "ij" / "2024-03.parquet"
    record = json.loads((store / "empreintes.json").read_text())
    old = record["fichiers"][str(path)][-1]
    table = pq.read_table(path)
    pq.write_table(table.slice(0, table.num_rows - 1), path)
    fingerprint._KNOWN.clear()
    fingerprint.file_sha256(path)  # the new stamps...
    record["fichiers"][str(path)] = fingerprint.known_hashes([path])[str(path)][:5] + [old]
    (store / "empreintes.json").write_text(json.dumps(record))  # ...recorded with the old hash
    fingerprint._KNOWN.clear()
    stale = run(data, states=store)
    assert etats(stale)["ij"]["recalcules"] == 0  # trusted: documented in docs/etats.md
    fingerprint._KNOWN.clear()
    r = invoke("states", "verify", store)
    assert r.exit_code == 1
    assert "1 empreinte" in r.stderr and "refaire" in r.stderr
    assert invoke("states", "verify", store).exit_code == 0  # corrected
    fingerprint._KNOWN.clear()
    after = run(data, states=store)
    assert etats(after)["ij"] == {"reutilises": len(list((data / "ij").iterdir())) - 1,
                                  "recalcules": 1, "raison": "nouveau: 1"}
    same_as_full(after, data)


def test_files_changed_within_two_seconds_are_not_recorded(data, tmp_path):
    """git's racy-clean rule across runs: a file changed less than 2 s before its hash was
    taken is not recorded (its stamps may not tell the next write from this one)."""
    from cogind.io import fingerprint

    fingerprint._KNOWN.clear()
    fresh = data / "ij" / "2023-07.parquet"
    fresh.write_bytes(fresh.read_bytes())  # changed now
    store = tmp_path / "store"
    run(data, states=store)
    recorded = json.loads((store / "empreintes.json").read_text())["fichiers"] if (
        store / "empreintes.json").exists() else {}
    assert str(fresh) not in recorded


def test_unreadable_record_means_hashing(data, tmp_path, counted):
    from cogind.io import fingerprint

    store = tmp_path / "store"
    run(data, states=store)
    (store / "empreintes.json").write_text("{not json")
    fingerprint._KNOWN.clear()
    counted.clear()
    after = run(data, states=store)
    assert len(counted) == sum(len(list((data / t).iterdir())) for t in ROWS)
    assert all(e["recalcules"] == 0 for e in etats(after).values())
    assert json.loads((store / "empreintes.json").read_text())["fichiers"]


# --------------------------------------------------------------------------- generations


def test_one_generation_per_run_and_plan_bounded(data, tmp_path, monkeypatch):
    """A run writes, per plan, one file: the states it computed and its total; a run that
    changed nothing writes none; past MAX_GENERATIONS a run writes every state of its files
    in one generation and removes the older ones. Results equal a full run's throughout."""
    from cogind.engine import packed

    monkeypatch.setattr(packed, "MAX_GENERATIONS", 3)
    store = tmp_path / "store"
    folder = data / "prestations"
    months = sorted(folder.iterdir())
    aside = tmp_path / "aside"
    aside.mkdir()
    for p in months[-3:]:
        shutil.move(p, aside / p.name)
    run(data, states=store)
    assert len(generations(store, "prestations")) == 1
    run(data, states=store)
    assert len(generations(store, "prestations")) == 1  # nothing changed: nothing written
    for i, p in enumerate(months[-3:]):
        shutil.move(aside / p.name, p)
        out = run(data, states=store)
        assert etats(out)["prestations"] == {"reutilises": len(months) - 3 + i,
                                             "recalcules": 1, "raison": "nouveau: 1"}
        gens = generations(store, "prestations")
        if i < 2:
            assert len(gens) == i + 2
            assert sorted(k[:2] for k in gens[-1].entries) == ["f:", "t:"]
        else:  # the fourth: whole, the three older removed
            assert len(gens) == 1
            assert sum(k.startswith("f:") for k in gens[0].entries) == len(months)
        same_as_full(out, data)
    assert {g.path.name for t in ("ij", "contacts") for g in generations(store, t)}
    (months[5]).unlink()  # a deleted file: no stored total fits, the files' own states do
    out = run(data, states=store)
    assert etats(out)["prestations"] == {"reutilises": len(months) - 1, "recalcules": 0}
    same_as_full(out, data)


def test_identical_files_count_twice(data, tmp_path):
    """Two files of the same bytes in one table (no partition to tell them apart): one
    stored state, merged twice, as a full run counts their rows twice."""
    shutil.copy(data / "ij" / "2023-04.parquet", data / "ij" / "2023-04-copie.parquet")
    store = tmp_path / "store"
    first = run(data, states=store)
    n = len(list((data / "ij").iterdir()))
    assert etats(first)["ij"] == {"reutilises": 0, "recalcules": n, "raison": f"nouveau: {n}"}
    same_as_full(first, data)
    second = run(data, states=store)
    assert etats(second)["ij"] == {"reutilises": n, "recalcules": 0}
    same_as_full(second, data)


def test_cli_verify_and_list(data, tmp_path, monkeypatch):
    from cogind.io import fingerprint

    monkeypatch.setattr(fingerprint, "SETTLED_NS", 0)
    store = tmp_path / "store"
    r = invoke("compute", data, "--indicator", "IJ_MAL_DELAI_MOYEN", "--no-secret",
               "--states", store, "-o", tmp_path / "r.arrow")
    assert r.exit_code == 0, r.output
    ok = invoke("states", "verify", store)
    assert ok.exit_code == 0, ok.output
    n = len(list((data / "ij").iterdir()))
    assert ok.output.startswith(f"{n}\u00a0fichiers vérifiés")
    listed = invoke("states", "list", store)
    assert "1\u00a0génération" in listed.output
    (gen,) = generations(store, "ij")
    damage_entry(next(iter(gen.entries.values())))
    bad = invoke("states", "verify", store)
    assert bad.exit_code == 1 and "1 génération illisible" in bad.stderr
    assert not gen.path.exists()


# --------------------------------------------------------------------------- duplicates


@pytest.fixture
def reads(monkeypatch):
    """The files whose key columns the duplicate count reads (hashes, candidates)."""
    from cogind.engine import duplicate_states

    seen = []
    hashes, candidates = duplicate_states._Run._hashes, duplicate_states._Run._candidates

    def spy_hashes(self, k):
        if k not in self.computed:
            seen.append(("hashes", Path(self.part_of[k].origin).name))
        return hashes(self, k)

    def spy_candidates(self, part, wanted):
        seen.append(("candidates", Path(part.origin).name))
        return candidates(self, part, wanted)

    monkeypatch.setattr(duplicate_states._Run, "_hashes", spy_hashes)
    monkeypatch.setattr(duplicate_states._Run, "_candidates", spy_candidates)
    return seen


def with_rows_of(dst: Path, src: Path, n: int, start: int = 0) -> None:
    """``dst`` rewritten with ``n`` rows of ``src`` appended (their keys repeat)."""
    rows = pq.read_table(src).slice(start, n)
    pq.write_table(pa.concat_tables([pq.read_table(dst), rows.cast(pq.read_schema(dst))]), dst)


def doublons(table: pa.Table) -> dict:
    return provenance(table)["doublons"]["ij"]


def test_duplicates_counted_from_stored_hashes(data, tmp_path, reads):
    """ij's key (ARR_NUM, IJ_PAI_DTD, PRS_NAT_REF): a month added that repeats keys of an
    older file and of itself is hashed alone, the older file holding its keys is the only one
    reread (its candidate rows); the counts equal a full run's at every step."""
    store = tmp_path / "store"
    ij = data / "ij"
    with_rows_of(ij / "2023-05.parquet", ij / "2023-02.parquet", 3)  # across files
    with_rows_of(ij / "2023-06.parquet", ij / "2023-06.parquet", 2)  # within a file
    last = max(ij.iterdir())
    aside = tmp_path / last.name
    shutil.move(last, aside)
    first = run(data, states=store)
    assert doublons(first)["lignes"] >= 5
    same_as_full(first, data)
    shutil.move(aside, last)
    with_rows_of(last, ij / "2023-09.parquet", 4, start=2)  # keys seen once before
    with_rows_of(last, last, 1)
    reads.clear()
    after = run(data, states=store)
    assert sorted(set(reads)) == [("candidates", "2023-09.parquet"),
                                  ("candidates", last.name), ("hashes", last.name)]
    assert doublons(after)["lignes"] == doublons(first)["lignes"] + 5
    same_as_full(after, data)
    reads.clear()
    again = run(data, states=store)  # nothing changed: the stored counts, nothing read
    assert reads == []
    assert doublons(again) == doublons(after)


@pytest.mark.parametrize("change", ["deleted", "changed"])
def test_duplicates_after_a_file_is_deleted_or_changed(data, tmp_path, reads, change):
    """No stored set fits: every file's stored hashes, the changed file's read, candidates
    reread; the counts equal a full run's."""
    store = tmp_path / "store"
    ij = data / "ij"
    with_rows_of(ij / "2023-05.parquet", ij / "2023-02.parquet", 3)
    run(data, states=store)
    if change == "deleted":
        (ij / "2023-02.parquet").unlink()
    else:
        with_rows_of(ij / "2023-08.parquet", ij / "2023-03.parquet", 2)
    reads.clear()
    after = run(data, states=store)
    hashed = sorted(name for what, name in reads if what == "hashes")
    assert hashed == ([] if change == "deleted" else ["2023-08.parquet"])
    same_as_full(after, data)


def test_duplicates_excluded_are_found_by_the_full_pass(data, tmp_path, reads):
    """``--doublons exclure`` needs every duplicate's position: the stored hashes are not
    used (and the table's states are recomputed whole, as before)."""
    store = tmp_path / "store"
    with_rows_of(data / "ij" / "2023-05.parquet", data / "ij" / "2023-02.parquet", 3)
    run(data, states=store)
    reads.clear()
    out = run(data, states=store, doublons="exclure")
    assert reads == []
    assert doublons(out)["traitement"] == "exclues"
    same_as_full(out, data, doublons="exclure")


def test_cli_duplicates_with_states(data, tmp_path):
    with_rows_of(data / "ij" / "2023-05.parquet", data / "ij" / "2023-02.parquet", 3)
    store = tmp_path / "store"
    args = ["--indicator", "IJ_MAL_DELAI_MOYEN", "--no-secret"]
    outs = []
    for i, extra in enumerate(([], ["--states", store], ["--states", store])):
        r = invoke("compute", data, *args, *extra, "-o", tmp_path / f"d{i}.arrow")
        assert r.exit_code == 0, r.output
        outs.append(pa.ipc.open_file(tmp_path / f"d{i}.arrow").read_all())
    assert doublons(outs[0]) == doublons(outs[1]) == doublons(outs[2])
    assert doublons(outs[0])["lignes"] >= 3
    listed = invoke("states", "list", store)
    assert "ij (doublons)" in listed.output
