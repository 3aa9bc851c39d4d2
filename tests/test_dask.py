"""The Dask engine gives the local engine's results, on a LocalCluster of two worker processes
(numba ``cache=True`` under multiprocessing, STYLE.md section 5)."""
from __future__ import annotations

import dataclasses
import json
import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed (pip install 'cogind[dask]')")

import cogind  # noqa: E402
from cogind.cli import cli  # noqa: E402
from cogind.engine.dask import DaskPass, engine_pass, plan_spec, worker_plan  # noqa: E402
from cogind.engine.core import accumulate, plan  # noqa: E402
from cogind.errors import ConfigError, InputError, PluginError  # noqa: E402
from cogind.io.progress import Progress  # noqa: E402
from cogind.io.readers import open_inputs  # noqa: E402
from cogind.synth import generate  # noqa: E402

from click.testing import CliRunner  # noqa: E402

TABLES = ("prestations", "ij", "contacts", "dossiers")
ROWS = {"prestations": 100_000, "ij": 30_000, "contacts": 30_000, "dossiers": 10_000}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as c:
        yield c


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Two layouts of the same data; row groups of 20 000 rows, so several per file."""
    root = tmp_path_factory.mktemp("dask")
    for layout, partition in (("partitioned", True), ("single", False)):
        generate(root / layout, years=(2023, 2024), rows=ROWS, partition=partition,
                 batch_rows=20_000, tables=TABLES, seed=3)
    return root


@pytest.fixture(scope="module")
def registry():
    return cogind.build_registry()


def same(a: pa.Table, b: pa.Table) -> None:
    """Equal on every column; only the provenance metadata may differ."""
    assert a.column_names == b.column_names
    for name in a.column_names:
        assert a[name].equals(b[name]), name
    assert a.replace_schema_metadata(None).equals(b.replace_schema_metadata(None))


def rows_read(table: pa.Table) -> dict:
    return {t: e["lignes"] for t, e in cogind.provenance(table)["entrees"].items()}


def _source(data, kind):
    if kind == "memoire":  # in-memory tables: sliced and scattered by the client
        return {t: pq.read_table(data / "single" / f"{t}.parquet") for t in TABLES}
    return {"dossier partitionne": data / "partitioned", "dossier": data / "single",
            "fichier": data / "single" / "ij.parquet"}[kind]


@pytest.mark.parametrize("kind", ["dossier partitionne", "dossier", "fichier", "memoire"])
def test_dask_equals_local(cluster, data, registry, kind):
    src = _source(data, kind)
    local = cogind.compute(src, cog=None, registry=registry)
    bar = Progress()
    dask = cogind.compute(src, cog=None, registry=registry, engine="dask",
                          scheduler=cluster.scheduler_address, progress=bar)
    assert local.num_rows > 1000
    same(local, dask)
    assert rows_read(local) == rows_read(dask)
    assert {t: v["lignes"] for t, v in bar.tables.items()} == rows_read(dask)


def test_dask_equals_local_with_the_generated_loop(data, registry, monkeypatch):
    """Workers that read their row groups with the generated table loop (forced: the test's
    row groups are below its 1 M-row threshold) ship states, not the loop, and give the local
    engine's results."""
    monkeypatch.setenv("COGIND_FUSED", "always")
    src = _source(data, "dossier")
    local = cogind.compute(src, cog=None, registry=registry)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", env={"COGIND_FUSED": "always"}) as c:
        dask = cogind.compute(src, cog=None, registry=registry, engine="dask",
                              scheduler=c.scheduler_address)
    same(local, dask)


def test_partitions_are_paths_or_scattered_slices(cluster, data, registry):
    tplan = plan(i for i in registry.indicators.values() if i.table == "ij")["ij"]
    files = open_inputs(data / "single", registry.tables, ["ij"])["ij"]
    memory = open_inputs({"ij": pq.read_table(data / "single" / "ij.parquet")},
                         registry.tables)["ij"]
    run = DaskPass(cluster.scheduler_address, registry)
    try:
        by_path, scattered = run(files, tplan), run(memory, tplan)
        assert run.parts["ij"][1] is True and run.parts["ij"][0] >= 2
        run(files, tplan)
        assert run.parts["ij"] == (2, False)  # 30 000 rows: two row groups of one file
    finally:
        run.close()
    assert run.client.status == "closed"
    local = accumulate(files, tplan, threads=1)
    for acc in (by_path, scattered):
        assert acc.rows_read == local.rows_read == ROWS["ij"]
        assert sorted(acc.slots) == sorted(local.slots)


def test_default_client_is_used_and_left_open(cluster, data, registry):
    with distributed.Client(cluster.scheduler_address) as client:
        out = cogind.compute(data / "single" / "dossiers.parquet", cog=None, registry=registry,
                             engine="dask")
        assert client.status == "running"
    same(out, cogind.compute(data / "single" / "dossiers.parquet", cog=None, registry=registry))


def test_cli_dask_equals_local(cluster, data, tmp_path):
    outs = {}
    for engine in ("local", "dask"):
        outs[engine] = tmp_path / f"{engine}.parquet"
        extra = ["--scheduler", cluster.scheduler_address] if engine == "dask" else []
        r = CliRunner().invoke(cli, ["compute", str(data / "partitioned"), "--quiet",
                                     "--engine", engine, *extra, "-o", str(outs[engine])])
        assert r.exit_code == 0, r.stderr
    same(pq.read_table(outs["local"]), pq.read_table(outs["dask"]))


def test_cli_unreachable_scheduler(data):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        r = CliRunner().invoke(cli, ["compute", str(data / "single"), "--engine", "dask",
                                     "--scheduler", "tcp://127.0.0.1:9"])
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.output
    assert lines[0].startswith("Error: cannot connect to the Dask scheduler tcp://127.0.0.1:9")


def test_engine_options_are_checked():
    with pytest.raises(ConfigError, match="unknown engine 'spark'"):
        engine_pass("spark")
    with pytest.raises(ConfigError, match="needs the Dask engine"):
        engine_pass("local", "tcp://127.0.0.1:8786")


def test_worker_plan_is_rebuilt_and_checked(registry):
    """Built-in plugins: codes travel, the worker rebuilds the plan and checks its fingerprint."""
    tplan = plan(i for i in registry.indicators.values() if i.table == "contacts")["contacts"]
    spec = plan_spec(tplan, registry)
    assert spec.pickled is None and len(json.dumps(spec.codes)) < 10_000
    rebuilt = worker_plan(spec)
    assert [[i.code for i in s.indicators] for s in rebuilt.states] == \
        [[i.code for i in s.indicators] for s in tplan.states]
    with pytest.raises(PluginError, match="defined differently there"):
        worker_plan(dataclasses.replace(spec, fingerprint="0" * 64))
    with pytest.raises(PluginError, match="runs cogind"):
        worker_plan(dataclasses.replace(spec, version="0.0.0"))


class InMemory:
    """A plugin registered as an object: workers cannot rebuild it, the plan is pickled."""

    __name__ = "dask_en_memoire"

    def __init__(self, indicator):
        self.indicator = indicator

    @cogind.hookimpl
    def cogind_register_indicators(self, registry):
        registry.add_indicator(self.indicator)


def test_in_memory_plugin_plan_is_shipped(cluster, data, registry):
    ind = dataclasses.replace(registry.indicator("APPELS_TAUX_ABOUTIS"), code="DASK_APPELS")
    reg = cogind.build_registry(extra=[InMemory(ind)])
    tplan = plan([reg.indicator("DASK_APPELS")])["contacts"]
    assert plan_spec(tplan, reg).pickled is tplan
    args = dict(cog=None, registry=reg, indicators=["DASK_APPELS"])
    same(cogind.compute(data / "single", **args),
         cogind.compute(data / "single", **args, engine="dask",
                        scheduler=cluster.scheduler_address))


# --------------------------------------------------------------------------- faults (issue 18)


def _spawn_cluster_in(folder, monkeypatch):
    """A LocalCluster whose worker processes start in ``folder`` (their working directory)."""
    monkeypatch.chdir(folder)
    c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                 dashboard_address=None, silence_logs=100)
    monkeypatch.undo()
    return c


def test_relative_path_with_workers_elsewhere(data, registry, tmp_path, monkeypatch):
    """Paths are made absolute on the client: workers started in another folder read the
    data; a file they cannot read fails the run in one line naming it, and the cluster keeps
    its workers for the next run."""
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    src = data / "single" / "ij.parquet"
    local = cogind.compute(src, cog=None, registry=registry)
    with _spawn_cluster_in(elsewhere, monkeypatch) as c:
        monkeypatch.chdir(data)
        rel = cogind.compute("single/ij.parquet", cog=None, registry=registry, engine="dask",
                             scheduler=c.scheduler_address)
        same(local, rel)
        broken = _corrupt_pages(src, tmp_path / "ij.parquet")
        monkeypatch.chdir(tmp_path)
        t0 = time.monotonic()
        with pytest.raises(InputError) as err:
            cogind.compute("ij.parquet", cog=None, registry=registry, engine="dask",
                           scheduler=c.scheduler_address)
        assert time.monotonic() - t0 < 60
        message = str(err.value)
        assert "\n" not in message and "cancelled" not in message
        assert message.startswith("table 'ij': ") and f"cannot read {broken}" in message
        assert len(c.scheduler_info["workers"]) == 2
        same(local, cogind.compute(src, cog=None, registry=registry, engine="dask",
                                   scheduler=c.scheduler_address))


def _corrupt_pages(src, dest):
    """A copy of ``src`` whose footer is intact (the client lists its row groups) and whose
    data pages are not (the worker that reads them fails)."""
    raw = bytearray(src.read_bytes())
    raw[4:len(raw) // 2] = b"\xff" * (len(raw) // 2 - 4)
    dest.write_bytes(bytes(raw))
    return dest


def test_cli_worker_error_is_one_line(data, tmp_path, monkeypatch):
    """The CLI on its own LocalCluster: exit 1, one line, no Dask log line on stderr."""
    broken = _corrupt_pages(data / "single" / "ij.parquet", tmp_path / "ij.parquet")
    monkeypatch.delenv("COGIND_DEBUG", raising=False)
    r = CliRunner().invoke(cli, ["compute", str(broken), "--cog", "none", "--engine", "dask",
                                 "--quiet", "-o", str(tmp_path / "r.parquet")])
    assert r.exit_code == 1, r.output
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("Error: table 'ij': ") and f"cannot read {broken}" in lines[0]
    assert not (tmp_path / "r.parquet").exists()


def test_unserialisable_partition_is_refused_on_the_client(cluster, data, registry):
    tplan = plan(i for i in registry.indicators.values() if i.table == "ij")["ij"]
    files = open_inputs(data / "single", registry.tables, ["ij"])["ij"]
    files = dataclasses.replace(files, csv_columns=[threading.Lock()])  # cannot be pickled
    run = DaskPass(cluster.scheduler_address, registry)
    with pytest.raises(InputError, match="cannot be sent to Dask workers: TypeError"):
        run(files, tplan)
    assert run.client.status == "closed"  # a failed pass closes its client at once
    assert len(cluster.scheduler_info["workers"]) == 2
