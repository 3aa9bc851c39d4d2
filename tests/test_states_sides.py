"""Side states under ``--states`` (issue 20 § 1): distinct beneficiaries, screening windows,
long arrêts and ALD situations are stored with the plan's other states and merged, so that
a month added, a file changed or deleted, an option changed give a full run's bytes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import cogind
from cogind.api import provenance
from cogind.cli import cli
from cogind.engine import packed, state_keys
from cogind.engine.core import plan
from cogind.measures.episodes import LongEpisodes

SPLIT_BY = {"prestations": "FLX_TRT_DTD", "ij": "IJ_PAI_DTD", "beneficiaires": "IMB_ALD_DTD"}
SIDED = ("PARCOURS_PSY_PATIENTS_DISTINCTS", "DENTISTE_RECOURS_TAUX_CALCULE",
         "DEPISTAGE_SEIN_TAUX_CALCULE", "IJ_ARRETS_LONGS_EVOLUTION",
         "ALD_MEDECIN_TRAITANT_TAUX_CALCULE")
ORDINARY = ("IJ_MAL_DELAI_MOYEN", "FSE_DELAI_D9")  # states without a side, same plans
KW = {"indicators": SIDED + ORDINARY, "secret": False}


def split(table: pa.Table, column: str, folder: Path, fmt: str = "%Y-%m") -> None:
    """One Parquet file per month (``fmt``) of ``column``; rows without it in ``none``."""
    key = pc.fill_null(pc.strftime(pc.cast(table[column], pa.timestamp("ms")), fmt), "none")
    folder.mkdir(parents=True)
    for k in sorted(set(key.to_pylist())):
        pq.write_table(table.filter(pc.equal(key, k)), folder / f"{k}.parquet")


@pytest.fixture(scope="module")
def monthly(tmp_path_factory) -> Path:
    """Generated claims with BEN_NIR_PSA, ij with ARR_NUM (arrêts paid over many months),
    ALD rows and population: monthly files (ALD rows: one file per start year)."""
    root = tmp_path_factory.mktemp("sides")
    cogind.generate(root / "gen", years=(2022, 2024), seed=5, rows={
        "prestations": 12_000, "ij": 4_000, "beneficiaires": 1_500},
        tables=("prestations", "ij", "beneficiaires", "population"))
    out = root / "data"
    for name, column in SPLIT_BY.items():
        table = pq.read_table(root / "gen" / f"{name}.parquet")
        if name == "prestations":  # psychologists, dentists, mammographies in turn
            nat = table["PRS_NAT_REF"]
            codes = pa.array([(9201, 1400, 1336, v)[i % 4] for i, v in enumerate(
                nat.to_pylist())], nat.type)
            table = table.set_column(table.schema.get_field_index("PRS_NAT_REF"),
                                     "PRS_NAT_REF", codes)
        split(table, column, out / name, "%Y" if name == "beneficiaires" else "%Y-%m")
    shutil.copy(root / "gen" / "population.parquet", out / "population.parquet")
    return out


@pytest.fixture
def data(monthly, tmp_path) -> Path:
    return Path(shutil.copytree(monthly, tmp_path / "data"))


def data_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema.remove_metadata()) as w:
        w.write_table(table.replace_schema_metadata(None))
    return sink.getvalue().to_pybytes()


def etats(table: pa.Table) -> dict:
    return {n: e["etats"] for n, e in provenance(table)["entrees"].items() if "etats" in e}


def same_as_full(table: pa.Table, source, **options) -> None:
    full = cogind.compute(source, **{**KW, **options})
    assert data_bytes(table) == data_bytes(full)
    meta = provenance(table)
    for entry in meta["entrees"].values():
        entry.pop("etats", None)
    assert meta == provenance(full)


def files(data: Path, table: str) -> int:
    return len(list((data / table).iterdir()))


def test_the_selection_has_side_states_that_figure(data):
    """The test is about side states: every selected one has figures on these data."""
    reg = cogind.build_registry()
    plans = plan([reg.indicators[c] for c in SIDED + ORDINARY])
    assert {t for t, p in plans.items() if any(sp.kernel.side for sp in p.states)} == set(
        SPLIT_BY)
    res = cogind.compute(data, **KW)
    figured = {r["indicateur"] for r in res.to_pylist() if r["valeur"] is not None}
    assert figured == set(SIDED + ORDINARY)


def test_side_states_are_stored_then_every_file_reused(data, tmp_path):
    store = tmp_path / "store"
    first = cogind.compute(data, states=store, **KW)
    n = {t: files(data, t) for t in SPLIT_BY}
    assert etats(first) == {t: {"reutilises": 0, "recalcules": n[t],
                                "raison": f"nouveau: {n[t]}"} for t in SPLIT_BY}
    second = cogind.compute(data, states=store, **KW)
    assert etats(second) == {t: {"reutilises": n[t], "recalcules": 0} for t in SPLIT_BY}
    same_as_full(second, data)


def _move_last_month(data: Path, aside: Path) -> None:
    for t in ("prestations", "ij"):
        shutil.move(data / t / "2024-12.parquet", aside / f"{t}.parquet")


@pytest.mark.parametrize("change", ["added", "changed", "deleted"])
def test_a_month_added_a_file_changed_or_deleted(data, tmp_path, change):
    store = tmp_path / "store"
    if change == "added":
        _move_last_month(data, tmp_path)
    before = cogind.compute(data, states=store, **KW)
    if change == "added":
        for t in ("prestations", "ij"):
            shutil.move(tmp_path / f"{t}.parquet", data / t / "2024-12.parquet")
    for t in SPLIT_BY:
        path = data / t / ("2023.parquet" if t == "beneficiaires" else "2023-06.parquet")
        if change == "changed":  # same name, other content: half its rows
            part = pq.read_table(path)
            pq.write_table(part.slice(0, part.num_rows // 2), path)
        elif change == "deleted":
            path.unlink()
    after = cogind.compute(data, states=store, **KW)
    assert data_bytes(after) != data_bytes(before)
    reread = {"added": {"prestations": 1, "ij": 1, "beneficiaires": 0},
              "changed": dict.fromkeys(SPLIT_BY, 1), "deleted": dict.fromkeys(SPLIT_BY, 0)}
    assert {t: e["recalcules"] for t, e in etats(after).items()} == reread[change]
    assert all(e["reutilises"] == files(data, t) - reread[change][t]
               for t, e in etats(after).items())
    same_as_full(after, data)


@pytest.mark.parametrize("option,changed", [
    ({"as_of": "2024-09"}, ["prestations"]),
    ({"timezone": "America/Guadeloupe"}, sorted(SPLIT_BY))], ids=["as_of", "timezone"])
def test_a_changed_option_reuses_no_side_state(data, tmp_path, option, changed):
    store = tmp_path / "store"
    cogind.compute(data, states=store, **KW)
    other = cogind.compute(data, states=store, **KW, **option)
    assert sorted(t for t, e in etats(other).items() if e["reutilises"] == 0) == changed
    same_as_full(other, data, **option)


def test_an_inconsistent_side_state_is_recomputed(data, tmp_path):
    """A stored entry whose side states are not the plan's (here: one array fewer said) is
    « état incohérent »: its files are read again, with the same figures."""
    store = tmp_path / "store"
    cogind.compute(data, states=store, **KW)
    for gen in store.glob("*/g*" + packed.SUFFIX):
        raw = gen.read_bytes()
        if b'"EpisodeState",4]' in raw:
            gen.write_bytes(raw.replace(b'"EpisodeState",4]', b'"EpisodeState",3]'))
    after = cogind.compute(data, states=store, **KW)
    assert etats(after)["ij"]["raison"].startswith("total incohérent")
    assert "état incohérent" in etats(after)["ij"]["raison"]
    assert etats(after)["prestations"] == {"reutilises": files(data, "prestations"),
                                           "recalcules": 0}
    same_as_full(after, data)


def test_the_key_follows_the_side_state_code(monkeypatch):
    """A side state's code is in its plan key: its module's source changed, the key too."""
    kernel = LongEpisodes().kernel()
    before = state_keys.code_digest(kernel)
    state_keys._source_digest.cache_clear()
    real = state_keys.inspect.getsource
    monkeypatch.setattr(state_keys.inspect, "getsource", lambda m: real(m) + (
        "# changed" if m.__name__ == "cogind.measures.episodes" else ""))
    try:
        assert state_keys.code_digest(kernel) != before
        assert state_keys.code_digest(LongEpisodes(min_days=30).kernel()) != before
    finally:
        state_keys._source_digest.cache_clear()


def test_cli_states_with_side_states(data, tmp_path):
    store, out, full = tmp_path / "store", tmp_path / "r.parquet", tmp_path / "full.parquet"
    args = ["compute", str(data), "--no-secret", "--period", "year"]
    for code in SIDED:
        args += ["--indicator", code]
    for _ in range(2):
        r = CliRunner().invoke(cli, [*args, "--states", str(store), "-o", str(out)])
        assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, [*args, "-o", str(full)])
    assert r.exit_code == 0, r.output
    got, want = pq.read_table(out), pq.read_table(full)
    assert etats(got)["prestations"] == {"reutilises": files(data, "prestations"),
                                         "recalcules": 0}
    assert data_bytes(got) == data_bytes(want)
