"""``generate``: plan blocks, make them on worker threads, stream them to disk, write a manifest."""
from __future__ import annotations

import collections
import concurrent.futures
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa

from cogind.errors import ConfigError, InputError
from cogind.synth import defects as defects_mod
from cogind.synth import ald, ald_patients, beneficiaires, programme_lines, tendanciel
from cogind.synth.batches import to_batch
from cogind.synth.calendar import split_rows, window_share, year_bounds
from cogind.synth.levels import year_weights
from cogind.synth.manifest import build_manifest
from cogind.synth.mesures import cells_per_year
from cogind.synth.reseau import Network, network
from cogind.synth.options import Options
from cogind.synth.names import ALL_TABLES
from cogind.synth.reference import SERVED, arrow_schema
from cogind.synth.served import Catalogue, catalogue
from cogind.synth.tables import ROWS_PER_YEAR, SPECS, dictionaries
from cogind.synth.writers import FileWriter, clear_partitions, table_path

# Rows per generated block; each block has its own seed, so the data never depends on
# batch_rows or on the number of threads.
BLOCK_ROWS = 1 << 16
MAX_DEFECTS = 0.2
Progress = Callable[[str, int, int], None]


def _check_years(years) -> tuple[int, int]:
    try:
        first, last = (int(y) for y in years)
    except (TypeError, ValueError):
        raise ConfigError(f"years must be two years (first, last), got {years!r}") from None
    if not 1990 <= first <= last <= 2100:
        raise ConfigError(f"years must satisfy 1990 <= first <= last <= 2100, got {first}-{last}")
    return first, last


def _check_rows(rows, tables, scale: float, n_years: int, cat: Catalogue,
                seed: int, n_postes: int = 0) -> dict[str, int]:
    rows = dict(rows or {})
    for name, n in rows.items():
        if name not in tables:
            raise ConfigError(f"rows given for table '{name}', which is not generated")
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ConfigError(f"rows of table '{name}' must be a non-negative integer")
    out = {t: int(rows[t]) if t in rows else round(ROWS_PER_YEAR[t] * n_years * scale)
           for t in tables if t not in ("mesures", "population", tendanciel.NAME,
                                        ald_patients.NAME)}
    if ald_patients.NAME in tables:  # ALD exonerations, the same count each year
        out[ald_patients.NAME] = ald_patients.rows_for(rows, n_years, scale)
    if "population" in tables:  # one row per caisse, year, age band and sex: never scaled
        cells = n_years * ald.cells_per_year(Network.build(seed))
        if int(rows.get("population", cells)) != cells:
            raise ConfigError(f"rows of table 'population' are fixed: {cells:,} (one per caisse, "
                              f"year, age band, sex and ALD status), got "
                              f"{int(rows['population']):,}")
        out["population"] = cells
    if tendanciel.NAME in tables:  # one row per caisse (and national), poste and month
        cells = n_years * tendanciel.cells_per_year(len(Network.build(seed).codes), n_postes)
        if int(rows.get(tendanciel.NAME, cells)) != cells:
            raise ConfigError(f"rows of table 'tendanciel' are fixed: {cells:,} (one per caisse "
                              f"and national, poste and month), got {int(rows['tendanciel']):,}")
        out[tendanciel.NAME] = cells
    if "mesures" in tables:
        # one row per measure, caisse (or nation) and month; more rows split them in lines
        cells = n_years * cells_per_year(cat.measures, Network.build(seed))
        n = int(rows.get("mesures", cells))
        if n < cells or (n and not cells):
            raise ConfigError(f"rows of table 'mesures' must be at least {cells:,} (one per "
                              f"measure read by an indicator, caisse and month), got {n:,}")
        out["mesures"] = n
    return {t: out[t] for t in tables}


def check_options(years, scale, rows, seed, defects, fmt, partition, tables,
                  batch_rows, registry=None, builtin: bool = False) -> Options:
    """Validate ``generate`` arguments; raises ConfigError naming the faulty option.

    ``registry``: the indicators to serve (default: every installed plugin, or cogind's own
    when ``builtin``); only built when a table whose codes it defines is generated.
    """
    first, last = _check_years(years)
    tables = tuple(dict.fromkeys((tables,) if isinstance(tables, str) else tables))
    unknown = [t for t in tables if t not in ALL_TABLES]
    if unknown or not tables:
        raise ConfigError(f"tables must be among {', '.join(ALL_TABLES)}, got {list(tables)}")
    tables = tendanciel.check(tables)
    if not (isinstance(scale, (int, float)) and 0 < scale <= 1e4):
        raise ConfigError(f"scale must be a number in (0, 10000], got {scale!r}")
    if not (isinstance(defects, (int, float)) and 0 <= defects <= MAX_DEFECTS):
        raise ConfigError(f"defects must be a rate in [0, {MAX_DEFECTS}], got {defects!r}")
    if fmt not in ("parquet", "arrow"):
        raise ConfigError(f"format must be parquet or arrow, got {fmt!r}")
    if not isinstance(batch_rows, int) or batch_rows < 1:
        raise ConfigError(f"batch_rows must be a positive integer, got {batch_rows!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    if registry is None and any(t in SERVED or t == tendanciel.NAME for t in tables):
        from cogind.synth.served import builtin_registry

        if builtin:
            registry = builtin_registry()
        else:
            from cogind.plugins import build_registry

            registry = build_registry()
    cat = catalogue(registry, tables)
    postes = tendanciel.postes(registry) if tendanciel.NAME in tables else ()
    return Options((first, last), _check_rows(rows, tables, scale, last - first + 1, cat, seed,
                                              len(postes)),
                   int(seed), float(defects), fmt, bool(partition), tables, batch_rows,
                   float(scale), cat, postes=postes)


def _take(cols: dict, rows: np.ndarray) -> dict:
    return {k: v.take(pa.array(rows)) if isinstance(v, pa.Array) else v[rows]
            for k, v in cols.items()}


@dataclass(frozen=True)
class BlockContext:
    """What a block's maker may need beyond its rows: the run's codes, its year's row count."""

    catalogue: Catalogue
    year_rows: int | None = None
    offset: int = 0  # first row of the block within its year
    seed: int = 0  # the run's seed and the block's year: streams of columns of their own
    year: int = 0
    n_caisses: int = 0

    def dictionaries(self, table: str) -> dict[str, tuple[str, ...]]:
        return dictionaries(table, self.catalogue)


WARMUP_ID = 1 << 36  # keeps warm-up arrêt numbers apart from the earlier years' own (x k)


def _concat(parts: list[dict], n_rows: list[int]) -> dict:
    out = {}
    for key in dict.fromkeys(k for p in parts for k in p):
        vals = [p.get(key) for p in parts]
        if any(isinstance(v, pa.Array) for v in vals):
            out[key] = pa.concat_arrays(vals)
        else:
            out[key] = np.concatenate([v if v is not None else np.zeros(n, bool)
                                       for v, n in zip(vals, n_rows)])
    return out


def _windows(table: str, year: int, months: int) -> list[tuple[int, int, float]]:
    """(year, first month, relative volume) of the draw window: the year, then warm-up."""
    out = [(year, 0, 1.0)]
    k = 1
    while months > 0:
        since = 12 - min(months, 12)
        out.append((year - k, since, window_share(table, year - k, since)))
        months -= 12 - since
        k += 1
    return out


def _candidates(spec, rng, m: int, year: int, net: Network, first: int, ctx: BlockContext):
    """``m`` rows drawn by driving date over the warm-up months and ``year``."""
    if not spec.warmup:
        return spec.make(rng, m, year, net, first, 0, ctx)
    windows = _windows(spec.name, year, spec.warmup)
    sizes = split_rows(m, [w for _, _, w in windows])
    parts = [spec.make(rng, size, y, net, first + k * WARMUP_ID, since, ctx)
             for k, ((y, since, _), size) in enumerate(zip(windows, sizes))]
    return (_concat([c for c, _ in parts], sizes), _concat([nl for _, nl in parts], sizes))


def _make_rows(spec, rng, n: int, year: int, opts: Options, net: Network, first: int,
               ctx: BlockContext):
    """``n`` rows whose period date falls in ``year`` and whose last event falls by the end
    of the last year, as in an extraction made that day."""
    if spec.name == "mesures":
        return spec.make(rng, n, year, net, first, 0, ctx)
    unit = 86400 if spec.name == "contacts" else 1
    end = year_bounds(opts.years[1])[1] * unit
    lo, hi = (b * unit for b in year_bounds(year))
    drawn = int(n * (1.1 + spec.warmup / 12)) + 64 if spec.warmup else (
        n + n // 8 + 16 if year == opts.years[1] else n + n // 64 + 16)
    while True:
        cols, nulls = _candidates(spec, rng, drawn, year, net, first, ctx)
        period = cols[spec.period]
        keep = np.flatnonzero((period >= lo) & (period < hi) & (cols[spec.last] < end))
        if len(keep) >= n:
            if len(keep) > n:  # a uniform subset, in drawing order
                keep = keep[np.sort(rng.choice(len(keep), n, replace=False))]
            return _take(cols, keep), _take(nulls, keep)
        drawn *= 2


def make_block(table: str, year: int, block: int, n: int, opts: Options, net: Network,
               year_rows: int | None = None):
    """One block: its record batch and its defect counts; depends only on its own seed."""
    spec = SPECS[table]
    seq = np.random.SeedSequence([opts.seed, spec.ident, year, block])
    data_rng, defect_rng = (np.random.default_rng(s) for s in seq.spawn(2))
    ctx = BlockContext(opts.catalogue, year_rows, block * BLOCK_ROWS, opts.seed, year,
                       len(net.codes))
    if block >= programme_lines.FIRST_BLOCK:  # programme acts (issue 21 § 1), after the year
        cols, nulls = programme_lines.make(data_rng, year, block - programme_lines.FIRST_BLOCK,
                                           opts, net, ctx)
    else:
        cols, nulls = _make_rows(spec, data_rng, n, year, opts, net, block << 20, ctx)
    if spec.finish is not None:
        spec.finish(data_rng, cols, nulls, ctx)
    dicts = dictionaries(table, opts.catalogue)
    counts = {}
    if opts.defects > 0:
        counts = defects_mod.apply(defect_rng, spec, cols, nulls, opts.defects, dicts)
    return to_batch(table, cols, nulls, net.codes, opts.defects > 0, dicts), counts


def _plan(table: str, opts: Options) -> list[tuple[int, int, int, int]]:
    """(year, block, rows, rows of the year) of every block of a table, in output order."""
    per_year = split_rows(opts.rows[table], year_weights(table, opts.year_range))
    plan = []
    n_caisses = len(Network.build(opts.seed).codes) if table == "prestations" else 0
    for year, n in zip(opts.year_range, per_year):
        for block, start in enumerate(range(0, n, BLOCK_ROWS)):
            plan.append((year, block, min(BLOCK_ROWS, n - start), n))
        # the programme acts of the pools' people: one block per caisse, rows on top of n
        plan.extend((year, programme_lines.FIRST_BLOCK + c, 0, n) for c in range(n_caisses))
    return plan


def claims_per_year(opts: Options) -> dict[int, int]:
    """Claim rows of each year of the run (the claims' pools, hence the population table, are
    sized on them), those of the default size at the run's scale when it writes no claims."""
    total = opts.rows.get("prestations",
                          round(ROWS_PER_YEAR["prestations"] * len(opts.year_range) * opts.scale))
    per_year = split_rows(total, year_weights("prestations", opts.year_range))
    return dict(zip(opts.year_range, per_year))


def _blocks(table: str, opts: Options, net: Network):
    """Yield (year, batch, counts) in order, made ahead on a small thread pool."""
    plan = _plan(table, opts)
    with concurrent.futures.ThreadPoolExecutor(opts.threads) as pool:
        pending = collections.deque()
        for year, block, n, year_rows in plan:
            pending.append((year, n, pool.submit(make_block, table, year, block, n, opts, net,
                                                 year_rows)))
            if len(pending) > 2 * opts.threads:
                year_done, asked, fut = pending.popleft()
                yield (year_done, asked, *fut.result())
        while pending:
            year_done, asked, fut = pending.popleft()
            yield (year_done, asked, *fut.result())


class _Sink:
    """Buffers blocks into slices of ``batch_rows`` rows and opens one writer per file."""

    def __init__(self, out: Path, table: str, opts: Options):
        self.out, self.table, self.opts = out, table, opts
        self.schema = arrow_schema(table)
        self.writer: FileWriter | None = None
        self.year: int | None = None
        self.buffer: list[pa.RecordBatch] = []
        self.buffered = 0
        self.files: list[str] = []

    def add(self, year: int, batch: pa.RecordBatch) -> None:
        if self.writer is None or (self.opts.partition and year != self.year):
            self.flush(final=True)
            self._open(year)
        self.buffer.append(batch)
        self.buffered += batch.num_rows
        if self.buffered >= self.opts.batch_rows:
            self.flush(final=False)

    def _open(self, year: int) -> None:
        path = table_path(self.out, self.table, self.opts.fmt, self.opts.partition, year)
        self.writer, self.year = FileWriter(path, self.schema, self.opts.fmt), year
        self.files.append(path.relative_to(self.out).as_posix())

    def flush(self, final: bool) -> None:
        if self.writer is None:
            return
        data = pa.Table.from_batches(self.buffer, schema=self.schema)
        size = self.opts.batch_rows
        full = data.num_rows if final else data.num_rows - data.num_rows % size
        for start in range(0, full, size):
            self.writer.write(data.slice(start, min(size, full - start)))
        self.buffer = data.slice(full).to_batches()
        self.buffered = data.num_rows - full
        if final:
            self.writer.close()
            self.writer = None

    def close(self) -> list[str]:
        if self.writer is None and not self.files:
            self._open(self.opts.years[0])  # zero rows: still write an empty, typed table
        self.flush(final=True)
        return self.files

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.abort()


def write_table(out: Path, table: str, opts: Options, net: Network,
                progress: Progress | None = None) -> dict:
    """Generate and write one table; returns its manifest entry."""
    if opts.partition:
        clear_partitions(out, table)
    if table == "population":
        return write_population(out, opts, net, progress)
    if table == tendanciel.NAME:  # derived from the claims just written
        return tendanciel.write(out, opts, net, progress)
    if table == ald_patients.NAME:  # ALD patients, the claims' people (issue 21 § 1)
        return ald_patients.write_entry(out, opts, net, progress)
    sink = _Sink(out, table, opts)
    counts = dict.fromkeys(defects_mod.applicable(SPECS[table]), 0) if opts.defects else {}
    per_year: dict[int, int] = {}
    extra: dict[int, int] = {}  # programme lines, on top of the rows asked for
    done = asked_done = 0
    try:
        for year, asked, batch, block_counts in _blocks(table, opts, net):
            sink.add(year, batch)
            per_year[year] = per_year.get(year, 0) + batch.num_rows
            if not asked:
                extra[year] = extra.get(year, 0) + batch.num_rows
            for kind, c in block_counts.items():
                counts[kind] += c
            done += batch.num_rows
            asked_done += batch.num_rows if asked else 0
            if progress is not None and asked:
                progress(table, asked_done, opts.rows[table])
        files = sink.close()
    except BaseException:
        sink.abort()
        raise
    entry = {"rows": done, "rows_per_year": {str(y): n for y, n in per_year.items()},
             "files": files, "defects": counts}
    if extra:
        entry["programmes"] = {"rows": sum(extra.values()),
                               "rows_per_year": {str(y): n for y, n in extra.items()}}
    return entry


def write_population(out: Path, opts: Options, net: Network,
                     progress: Progress | None = None) -> dict:
    """The population table: computed, not drawn (no block seeds, no defects)."""
    sink = _Sink(out, "population", opts)
    per_year: dict[int, int] = {}
    claims = claims_per_year(opts)
    try:
        for year in opts.year_range:
            cols = ald.table_columns(net, year, beneficiaires.people(net, claims[year]))
            n = len(cols["BEN_NBR"])
            sink.add(year, to_batch("population", cols, ald.table_nulls(n), net.codes,
                                    False, {}))
            per_year[year] = n
            if progress is not None:
                progress("population", sum(per_year.values()), opts.rows["population"])
        files = sink.close()
    except BaseException:
        sink.abort()
        raise
    return {"rows": sum(per_year.values()),
            "rows_per_year": {str(y): n for y, n in per_year.items()}, "files": files,
            "defects": {}, "echantillon": sampling(net, claims)}


def sampling(net: Network, claims: dict[int, int]) -> dict:
    """The population table is the claims' people (an EGB-like sample): per year its
    beneficiaries and their share of the network's (about 60 M)."""
    full = int(network(net.seed)["BEN_NBR"].to_numpy().sum())
    people = {y: int(beneficiaires.people(net, n).sum()) for y, n in claims.items()}
    return {str(y): {"beneficiaires": v, "taux": v / full} for y, v in people.items()}


def run(out, opts: Options, progress: Progress | None = None, sample: bool = False) -> dict:
    """Write every requested table and the manifest to ``out``; returns the manifest."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder ({exc.strerror}: {out})") from None
    if not os.access(out, os.W_OK):
        raise InputError(f"output folder is not writable ({out})")
    net = Network.build(opts.seed)
    entries = {}
    for t in opts.tables:
        try:
            entries[t] = write_table(out, t, opts, net, progress)
        except OSError as exc:  # a full disk: which table, where, why, in one line (issue 18)
            raise InputError(f"cannot write table '{t}' in {out}: "
                             f"{exc.strerror or exc}") from None
    manifest = build_manifest(out, opts, entries, net, sample)
    try:
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False)
                                           + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {out / 'manifest.json'}: {exc.strerror or exc}") from None
    return manifest
