"""The Dask path (extra ``cogind[dask]``): each partition of a table becomes an accumulator on a
worker, accumulators merge pairwise on the workers, the client finalises once (docs/dask.md).

Partitions of file tables are shipped as paths and row-group ids and read on the workers;
in-memory tables and streams are sliced on the client and scattered. The plan reaches the
workers as indicator codes, rebuilt there from the installed plugins and checked against the
client's (a fingerprint of the definitions, the plugin versions); plans using plugins
registered in memory are shipped by pickle instead. ``dask.distributed`` is imported only here,
and only when the engine is used.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import math
import os
import re
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs

from cogind.engine.core import Accumulator, TablePlan, accumulate, plan
from cogind.errors import CogindError, ConfigError, InputError, PluginError
from cogind.io.readers import DEFAULT_BATCH, TableInput, file_parts

if TYPE_CHECKING:
    from cogind.registry import Registry

ENGINES = ("local", "dask")
IN_MEMORY = "en mémoire"  # PluginInfo.distribution of plugins registered as objects
log = logging.getLogger(__name__)
"""Set to DEBUG (``cogind --debug``, or ``COGIND_DEBUG=1``) to let the Dask log lines of a
LocalCluster started by cogind reach stderr; they are silenced otherwise."""


# --------------------------------------------------------------------------- choosing an engine


def engine_pass(engine: str = "local", scheduler: str | None = None,
                registry: Registry | None = None) -> Callable[..., Accumulator]:
    """The function that makes one table's accumulator, with ``engine.accumulate``'s signature.

    ``dask``: on the cluster at ``scheduler`` (``tcp://host:8786``), else the current default
    client, else a LocalCluster started now; call ``close()`` on the result when done (it stops
    only what it started).
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine '{engine}' (expected {' or '.join(ENGINES)})")
    if engine == "local":
        if scheduler is not None:
            raise ConfigError("a Dask scheduler address needs the Dask engine (--engine dask)")
        return LocalPass()
    return DaskPass(scheduler, registry)


class LocalPass:
    """The local engine: threads in this process."""

    def __call__(self, table: TableInput, tplan: TablePlan, batch_size: int = DEFAULT_BATCH,
                 threads: int = 1, on_batch=None, keys=None) -> Accumulator:
        """``keys``: the duplicate check made by this pass (``compter``, engine.core)."""
        return accumulate(table, tplan, batch_size, threads, on_batch=on_batch, keys=keys)

    def close(self) -> None:
        pass


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ConfigError("the Dask engine needs dask.distributed: "
                          "pip install 'cogind[dask]'") from None
    return distributed


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]


def connect(scheduler: str | None):
    """(client, cluster we started or None). ``None``: the default client if any, else a
    LocalCluster of worker processes (one thread each: numba releases the GIL anyway)."""
    distributed = _distributed()
    if scheduler is None:
        try:
            return distributed.default_client(), None
        except ValueError:  # no client yet in this process
            pass
        debug = log.isEnabledFor(logging.DEBUG) or os.environ.get("COGIND_DEBUG") == "1"
        cluster = distributed.LocalCluster(processes=True, threads_per_worker=1,
                                           dashboard_address=None,
                                           silence_logs=logging.WARN if debug else 100)
        return distributed.Client(cluster), cluster
    try:
        return distributed.Client(scheduler), None
    except (OSError, TimeoutError, ValueError) as exc:  # refused, timed out, malformed address
        raise ConfigError(f"cannot connect to the Dask scheduler {scheduler} "
                          f"({_one_line(exc)})") from None


class DaskPass:
    """One computation's connection to Dask; accumulates tables one after the other."""

    def __init__(self, scheduler: str | None, registry: Registry | None) -> None:
        self.registry = registry
        self.client, self.cluster = connect(scheduler)
        owned = scheduler is not None or self.cluster is not None  # not a default client
        # Closed by close(), or when collected if the computation failed before it.
        self._close = weakref.finalize(self, _shutdown, self.client if owned else None,
                                       self.cluster)
        self.parts: dict[str, tuple[int, bool]] = {}
        """Per table read: (number of partitions, whether their data was scattered)."""

    def close(self) -> None:
        """Close the client if we opened it and the LocalCluster if we started it."""
        self._close()

    def __call__(self, table: TableInput, tplan: TablePlan, batch_size: int = DEFAULT_BATCH,
                 threads: int = 1, on_batch=None) -> Accumulator:
        """``threads`` is ignored: each worker runs its partitions (its own threads). On any
        error the client (and cluster) we opened close now, not when collected: a failed run
        must not leave a default client behind."""
        try:
            return self._reduce(table, tplan, batch_size, on_batch)
        except BaseException:
            self.close()
            raise

    def _reduce(self, table: TableInput, tplan: TablePlan, batch_size: int,
                on_batch) -> Accumulator:
        distributed = _distributed()
        client = self.client
        spec = client.scatter(plan_spec(tplan, self.registry), broadcast=True, hash=False)
        parts, rows, scattered = self._parts(table, tplan, batch_size)
        self.parts[table.name] = len(parts), scattered
        if not parts:
            return Accumulator(tplan)
        if not scattered:
            _check_shippable(table, parts)
        leaves = [client.submit(_leaf, spec, part, batch_size, pure=False) for part in parts]
        origin_of = {f.key: getattr(p, "origin", table.origin) for f, p in zip(leaves, parts)}
        rows_of = {f.key: n for f, n in zip(leaves, rows)}
        reported = 0
        pending = None
        done = distributed.as_completed(leaves)
        for fut in done:  # pairwise tree reduction, merging what is ready first
            if fut.status == "error":
                exc = fut.exception()  # read before cancelling: it is the worker's own error
                client.cancel(leaves)
                _raise_worker_error(table.name, origin_of.get(fut.key, table.origin), exc)
            if on_batch is not None and fut.key in rows_of:
                reported += rows_of[fut.key] or 0
                on_batch(_rows_batch(rows_of[fut.key] or 0))
            if pending is None:
                pending = fut
            else:
                done.add(client.submit(_merge, spec, pending, fut, pure=False))
                pending = None
        acc = unpack(tplan, pending.result())
        if on_batch is not None and acc.rows_read > reported:  # parts of unknown size (CSV)
            on_batch(_rows_batch(acc.rows_read - reported))
        return acc

    def _parts(self, table: TableInput, tplan: TablePlan, batch_size: int):
        """(parts, their row counts or None, scattered?): paths for files, data otherwise."""
        try:
            parts = file_parts(table)
        except (pa.ArrowInvalid, OSError) as exc:
            raise InputError(f"table '{table.name}': cannot list the row groups of "
                             f"{table.origin}: {_one_line(exc)}") from None
        if parts is not None:
            parts = [absolute(p) for p in parts]
            return parts, [p.num_rows for p in parts], False
        # Not files: read on the client, only the needed columns, and scatter the slices.
        slots = sum(self.client.nthreads().values()) or 1
        size = batch_size
        if table.num_rows:  # enough slices to keep every worker thread busy
            size = max(1, min(batch_size, math.ceil(table.num_rows / (2 * slots))))
        slices = [pa.Table.from_batches([b]) for b in table.batches(tplan.columns, size)]
        futures = self.client.scatter(slices, hash=False) if slices else []
        return futures, [s.num_rows for s in slices], True


def absolute(part: TableInput) -> TableInput:
    """``part`` with its local file path made absolute here, on the client: a worker started
    in another folder reads the same file (or says it cannot, naming it)."""
    src = part._source
    if not isinstance(src.filesystem, pafs.LocalFileSystem):
        return part
    frags = []
    for frag in src.get_fragments():
        path = os.path.abspath(frag.path)
        if path == frag.path:
            return part
        extra = {"row_groups": [rg.id for rg in frag.row_groups]} \
            if isinstance(frag, ds.ParquetFileFragment) else {}
        frags.append(src.format.make_fragment(path, src.filesystem,
                                              partition_expression=frag.partition_expression,
                                              **extra))
    one = ds.FileSystemDataset(frags, src.schema, src.format, src.filesystem)
    origin = part.origin.replace(src.files[0], os.path.abspath(src.files[0]), 1)
    return dataclasses.replace(part, origin=origin, _source=one)


def _check_shippable(table: TableInput, parts: list) -> None:
    """Fail here, in one line, if a partition cannot be serialised: a task the scheduler
    cannot serialise may take workers down for every user of the cluster."""
    from distributed.protocol import pickle as dpickle

    try:
        dpickle.dumps(parts[0])  # a Parquet row group reads its file's footer here
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"table '{table.name}': cannot read {parts[0].origin}: "
                         f"{type(exc).__name__}: {_one_line(exc)}") from None
    except Exception as exc:  # pickling errors have no common type
        raise InputError(f"table '{table.name}' ({table.origin}) cannot be sent to Dask "
                         f"workers: {type(exc).__name__}: {_one_line(exc)}") from None


def _raise_worker_error(name: str, origin: str, exc: BaseException) -> None:
    """The worker's own error, one line naming the file (a CogindError keeps its type)."""
    if isinstance(exc, CogindError):
        raise exc
    raise InputError(f"table '{name}': a Dask worker cannot read {origin}: "
                     f"{type(exc).__name__}: {_one_line(exc)}") from None


def _shutdown(client, cluster) -> None:
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()


def _rows_batch(n: int) -> pa.RecordBatch:
    """A batch of ``n`` rows holding no data: what a progress callback counts."""
    return pa.RecordBatch.from_arrays([pa.nulls(n)], names=["lignes"])


# --------------------------------------------------------------------------- the plan on workers


@dataclasses.dataclass(frozen=True)
class PlanSpec:
    """What a worker needs to rebuild one table's plan: indicator codes in plan order, the
    plugins loaded on the client (name, distribution, version), the plan's other fields and a
    fingerprint of the definitions. ``pickled``: the plan itself, when it cannot be rebuilt."""

    table: str
    codes: tuple[str, ...]
    plugins: tuple[tuple[str, str, str], ...]
    fields: tuple[tuple[str, Any], ...]
    fingerprint: str
    version: str
    pickled: TablePlan | None = None


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def fingerprint(tplan: TablePlan) -> str:
    """A digest of the plan's definitions, equal in every process that declares the same."""
    text = repr([(sp.group, sp.kernel.name, sp.kernel.width, sp.kernel.inputs,
                  sp.kernel.reasons, sp.indicators) for sp in tplan.states])
    return hashlib.sha256(_ADDRESS.sub("", text).encode()).hexdigest()


def plan_spec(tplan: TablePlan, registry: Registry | None) -> PlanSpec:
    from cogind._version import __version__

    codes = tuple(ind.code for sp in tplan.states for ind in sp.indicators)
    fields = tuple((f.name, getattr(tplan, f.name)) for f in dataclasses.fields(tplan)
                   if f.name not in ("table", "states"))
    plugins = tuple((p.name, p.distribution, p.version)
                    for p in (registry.plugins if registry else ()) if not p.error)
    owners = [registry.owner.get(("indicateur", c)) if registry else None for c in codes]
    in_memory = any(o is None or o.distribution == IN_MEMORY for o in owners)
    # a measure adapted to the inputs (an optional ALD column read, issue 21 § 2) is not the
    # one a worker's registry declares: ship the plan
    adapted = registry is not None and any(
        registry.indicators.get(ind.code) != ind for sp in tplan.states for ind in sp.indicators)
    return PlanSpec(tplan.table, codes, plugins, fields, fingerprint(tplan), __version__,
                    tplan if in_memory or adapted else None)


_worker_plans: dict[tuple, TablePlan] = {}
_worker_lock = threading.Lock()


def worker_plan(spec: PlanSpec) -> TablePlan:
    """The plan on this worker: shipped, or rebuilt from the installed plugins (once per
    process) and checked against the client's."""
    if spec.pickled is not None:
        return spec.pickled
    key = (spec.table, spec.codes, spec.plugins, spec.fields, spec.fingerprint, spec.version)
    with _worker_lock:
        if key not in _worker_plans:
            _worker_plans[key] = _rebuild(spec)
        return _worker_plans[key]


def _rebuild(spec: PlanSpec) -> TablePlan:
    from cogind._version import __version__
    from cogind.plugins import build_registry, make_plugin_manager

    where = _worker_name()
    fix = "install the same cogind and plugins on the workers as on the client (docs/dask.md)"
    if __version__ != spec.version:
        raise PluginError(f"Dask worker {where} runs cogind {__version__}, the client "
                          f"{spec.version}: {fix}")
    wanted = {name for name, dist, _ in spec.plugins if dist != IN_MEMORY}
    _, infos = make_plugin_manager()
    registry = build_registry(disabled=[i.name for i in infos if i.name not in wanted])
    mine = {(p.name, p.distribution, p.version) for p in registry.plugins}
    for p in spec.plugins:
        if p[1] != IN_MEMORY and p not in mine:
            raise PluginError(f"Dask worker {where}: plugin '{p[0]}' ({p[1]} {p[2]}) is not "
                              f"installed there in that version: {fix}")
    unknown = [c for c in spec.codes if c not in registry.indicators]
    if unknown:
        raise PluginError(f"Dask worker {where}: indicator {unknown[0]} unknown there: {fix}")
    tplan = plan(registry.indicators[c] for c in spec.codes)[spec.table]
    for name, value in spec.fields:
        setattr(tplan, name, value)
    if fingerprint(tplan) != spec.fingerprint:
        raise PluginError(f"Dask worker {where}: the indicators of table '{spec.table}' are "
                          f"defined differently there: {fix}")
    return tplan


def _worker_name() -> str:
    with contextlib.suppress(Exception):
        from distributed import get_worker

        return get_worker().address
    return "?"


# --------------------------------------------------------------------------- tasks


def pack(acc: Accumulator) -> dict:
    """An accumulator's state without its plan (the receiver has it), its lock, nor its
    generated loop (compiled where it runs; the receiver only merges)."""
    return {k: v for k, v in vars(acc).items() if k not in ("plan", "lock", "fused")}


def unpack(tplan: TablePlan, state: dict) -> Accumulator:
    acc = Accumulator(tplan)
    vars(acc).update(state)
    return acc


def _leaf(spec: PlanSpec, part: TableInput | pa.Table, batch_size: int) -> dict:
    """One partition read on the worker (or handed over, when scattered) into an accumulator."""
    tplan = worker_plan(spec)
    if isinstance(part, pa.Table):
        part = TableInput(spec.table, "table en mémoire (Dask)", part.schema, part,
                          part.num_rows)
    return pack(accumulate(part, tplan, batch_size, threads=1))


def _merge(spec: PlanSpec, a: dict, b: dict) -> dict:
    """Two partial states merged on a worker (caisse slots matched by code)."""
    tplan = worker_plan(spec)
    return pack(unpack(tplan, a).merge(unpack(tplan, b)))
