"""cogind vs DuckDB vs Polars on the COG suite, in memory and from Parquet (issue 10).

Run::

    python benchmarks/compare.py --rows 10_000_000 --repeat 5 --threads 2 --mode both \
        --data-root /tmp/cogind-bench --json out.json

1. Data: ``cogind.synth.generate`` writes the four tables (``--rows`` claim lines over
   2023-2027, the other tables scaled as the generator's defaults: IJ 20 %, contacts 30 %,
   dossiers 3 % of the claims; defects at 1 % so the exclusion rules are exercised) into
   ``<data-root>/r<rows>-s<seed>-d<defects>``, reused by later runs.
2. Check: each engine runs once in its own process and the main process compares the results
   (caisse × month and national × month keys identical, counts and quantiles exactly, means and
   rates to 1e-9 relative; parquet mode against memory mode too). Any difference stops the run.
3. Timing: each engine (and the floor of the mode) runs in a fresh process: load, one warm-up
   run, then ``--repeat`` timed runs; the median is reported with the process's peak RSS
   (``ru_maxrss``) and the load average before and after.

Modes. ``memory``: the needed columns are read into pyarrow Tables before timing; cogind gets
the tables, DuckDB registers them, Polars wraps them with ``from_arrow(rechunk=False)`` (inside
the timing); floor = touching every byte of the needed column buffers once (NumPy, one thread).
``parquet``: cogind gets the folder, DuckDB ``read_parquet``, Polars ``scan_parquet``; floor =
``pyarrow.parquet.read_table`` of exactly the needed columns, threaded. Every engine gets
``--threads`` threads (DuckDB ``SET threads``, ``POLARS_MAX_THREADS`` set before Polars is
imported, cogind ``threads=``, pyarrow's CPU pool).

cogind runs with ``secret=False``: DuckDB and Polars do not apply the secret statistique (the
masking of small cells, timed alone by bench_secret.py), and masked cells could not be compared.

The suite and its definitions: queries_duckdb.py (SQL), queries_polars.py (lazy frames), and
for cogind the built-in declarations plus ``IJ_MAL_DELAI_30J_PART`` registered in memory below.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITE = ("IJ_MAL_DELAI_MOYEN", "IJ_MAL_DELAI_30J_PART", "IJ_ATMP_DELAI_MOYEN", "FSE_DELAI_D9",
         "APPELS_TAUX_ABOUTIS", "COURRIELS_48H_TAUX", "RECLAMATIONS_10J_TAUX", "C2S_DELAI_D9",
         "DEPASSEMENT_TAUX")
EXACT = {"FSE_DELAI_D9", "C2S_DELAI_D9"}  # quantiles: integer days, compared exactly
RTOL = 1e-9
COLUMNS = {  # what the suite reads; checked against cogind's declarations in the worker
    "prestations": ("ORG_CLE_NUM", "PRS_PAI_DTD", "FSE_REC_DTD", "FSE_TOP", "DRG_ASS_TOP",
                    "EXE_SOI_DTD", "PSE_CNV_COD", "PSE_SPE_COD", "PRS_DEP_MNT", "BSE_REM_BSE"),
    "ij": ("ORG_CLE_NUM", "IJ_PAI_DTD", "ATT_REC_DTD", "SIN_1IJ_IND", "IJ_SUB_TOP", "IJ_RIS_COD"),
    "contacts": ("ORG_CLE_NUM", "CNT_ARR_DTH", "CNT_TRT_DTH", "CNT_CAN_COD", "CNT_NIV_COD",
                 "CNT_ABO_TOP"),
    "dossiers": ("ORG_CLE_NUM", "DOS_DEC_DTD", "DOS_REC_DTD", "DOS_TYP_COD"),
}
ENGINES = ("floor", "cogind", "duckdb", "polars")
YEARS = (2023, 2027)
CLAIMS_PER_YEAR_AT_SCALE_1 = 1_000_000


# --------------------------------------------------------------------------- data


def data_folder(root: Path, rows: int, seed: int, defects: float) -> Path:
    """Generate the four tables once per (rows, seed, defects); later runs reuse them."""
    folder = root / f"r{rows}-s{seed}-d{defects:g}"
    if (folder / "manifest.json").exists():
        return folder
    from cogind.synth import generate

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    start = time.perf_counter()
    n_years = YEARS[1] - YEARS[0] + 1
    print(f"generating {rows:,} claim rows (and scaled tables) into {folder} ...", flush=True)
    generate(tmp, years=YEARS, scale=rows / (CLAIMS_PER_YEAR_AT_SCALE_1 * n_years),
             rows={"prestations": rows}, seed=seed, defects=defects, fmt="parquet",
             tables=tuple(COLUMNS))
    tmp.rename(folder)
    print(f"generated in {time.perf_counter() - start:.0f} s", flush=True)
    return folder


def parquet_paths(folder: Path) -> dict[str, str]:
    return {t: str(folder / f"{t}.parquet") for t in COLUMNS}


def load_tables(folder: Path):
    import pyarrow.parquet as pq

    return {t: pq.read_table(p, columns=list(COLUMNS[t]), use_threads=True)
            for t, p in parquet_paths(folder).items()}


# --------------------------------------------------------------------------- cogind side


class SharePlugin:
    """IJ_MAL_DELAI_30J_PART, registered in memory: share of first IJ paid within 30 days."""

    @staticmethod
    def _indicator():
        from cogind import Indicator, where
        from cogind.measures.families import Delay

        return Indicator(
            code="IJ_MAL_DELAI_30J_PART",
            libelle="Part des 1res IJ maladie non subrogées payées en 30 jours au plus",
            definition=("Part des premiers paiements d'IJ maladie non subrogées payés au plus "
                        "30 jours après la réception de l'attestation de salaire."),
            table="ij", unit="%", direction="hausse", period_column="IJ_PAI_DTD",
            measure=Delay(start="ATT_REC_DTD", end="IJ_PAI_DTD", statistic="part_sous_seuil",
                          threshold=30),
            where=where(SIN_1IJ_IND=1, IJ_SUB_TOP=0, IJ_RIS_COD="MAL"))

    def __init__(self):
        from cogind import hookimpl

        indicator = self._indicator()

        class _Plugin:
            @hookimpl
            def cogind_register_indicators(self, registry):
                registry.add_indicator(indicator)

        self.plugin = _Plugin()


def cogind_registry():
    import cogind

    registry = cogind.build_registry(extra=[SharePlugin().plugin])
    for code in SUITE:
        ind = registry.indicator(code)
        missing = set(ind.required_columns) - set(COLUMNS[ind.table])
        if missing:
            raise SystemExit(f"COLUMNS misses {sorted(missing)} read by {code}")
    return registry


# --------------------------------------------------------------------------- results


def long_from_cogind(table):
    """(indicateur, caisse, periode, n, valeur) rows with n > 0; national caisse = NATIONAL."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = table.filter(pc.greater(table["n"], 0))
    caisse = pc.if_else(pc.equal(t["niveau"], "national"), "NATIONAL", t["caisse"])
    return pa.table({"indicateur": t["indicateur"], "caisse": caisse, "periode": t["periode"],
                     "n": t["n"].cast(pa.int64()), "valeur": t["valeur"].cast(pa.float64())})


def long_from_wide(wide):
    """The same long shape from the wide statement results of DuckDB and Polars."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = []
    for t in wide:
        mois = t["mois"]
        if pa.types.is_timestamp(mois.type):
            mois = mois.cast(pa.date32())
        periode = pc.strftime(mois, "%Y-%m")
        national = pc.equal(t["national"].cast(pa.int64()), 1)
        caisse = pc.if_else(national, "NATIONAL", t["caisse"].cast(pa.string()))
        for name in t.column_names:
            if not name.endswith("__n"):
                continue
            code = name[:-3]
            n = pc.fill_null(t[name].cast(pa.int64()), 0)
            part = pa.table({"indicateur": pa.array([code] * t.num_rows, pa.string()),
                             "caisse": caisse, "periode": periode, "n": n,
                             "valeur": t[code + "__v"].cast(pa.float64())})
            parts.append(part.filter(pc.greater(part["n"], 0)))
    return pa.concat_tables(parts)


def canonical(table):
    """Sorted by key, NaN as null: ready for an exact comparison."""
    import pyarrow.compute as pc

    table = table.set_column(4, "valeur", pc.if_else(pc.is_nan(table["valeur"]), None,
                                                     table["valeur"]))
    return table.sort_by([("indicateur", "ascending"), ("caisse", "ascending"),
                          ("periode", "ascending")])


def differences(ref, other, limit: int = 12) -> list[str]:
    """Human-readable differences between two canonical result tables (empty: identical)."""
    import numpy as np

    out = []
    key = lambda t: list(zip(*(t[c].to_pylist() for c in ("indicateur", "caisse", "periode"))))
    ka, kb = key(ref), key(other)
    if ka != kb:
        sa, sb = set(ka), set(kb)
        for k in sorted(sa - sb)[:limit // 2]:
            out.append(f"key only in reference: {k}")
        for k in sorted(sb - sa)[:limit // 2]:
            out.append(f"key only in other: {k}")
        out.append(f"{len(sa - sb)} keys only in reference, {len(sb - sa)} only in other "
                   f"(of {len(sa)} / {len(sb)})")
        return out
    codes = ref["indicateur"].to_pylist()
    na, nb = ref["n"].to_numpy(), other["n"].to_numpy()
    va = ref["valeur"].to_numpy(zero_copy_only=False)
    vb = other["valeur"].to_numpy(zero_copy_only=False)
    exact = np.array([c in EXACT for c in codes], bool)
    nulls_differ = np.isnan(va) != np.isnan(vb)
    both = ~np.isnan(va) & ~np.isnan(vb)
    scale = np.maximum(np.abs(va), np.abs(vb))
    with np.errstate(invalid="ignore"):
        off = both & np.where(exact, va != vb, np.abs(va - vb) > RTOL * scale)
    bad = np.flatnonzero((na != nb) | nulls_differ | off)
    for i in bad[:limit]:
        out.append(f"{ka[i]}: n {na[i]} vs {nb[i]}, valeur {va[i]!r} vs {vb[i]!r}")
    if len(bad):
        out.append(f"{len(bad)} differing rows of {len(ka)}")
    return out


# --------------------------------------------------------------------------- worker


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _touch(tables) -> int:
    """Floor in memory: read every byte of every needed column buffer once (one thread)."""
    import numpy as np

    total = 0
    for t in tables.values():
        for col in t.columns:
            for chunk in col.chunks:
                for buf in chunk.buffers():
                    if buf is None:
                        continue
                    words = buf.size // 8
                    total += int(np.frombuffer(buf, np.uint64, count=words).sum(dtype=np.uint64))
                    total += int(np.frombuffer(buf, np.uint8, offset=words * 8).sum())
    return total


def worker(engine: str, mode: str, folder: Path, threads: int, repeat: int,
           result_out: str | None) -> dict:
    """Runs in its own process: load, warm up (and save the result), time ``repeat`` runs."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pa.set_cpu_count(threads)
    load0 = os.getloadavg()
    paths = parquet_paths(folder)
    tables = load_tables(folder) if mode == "memory" else None
    rss_loaded = _peak_rss_mib()
    if engine == "floor":
        if mode == "memory":
            run = lambda: _touch(tables)
        else:
            run = lambda: {t: pq.read_table(p, columns=list(COLUMNS[t]), use_threads=True)
                           for t, p in paths.items()}
        normalise = None
    elif engine == "cogind":
        import cogind

        registry = cogind_registry()
        source = tables if mode == "memory" else str(folder)
        run = lambda: cogind.compute(source, cog=None, indicators=list(SUITE), period="month",
                                     registry=registry, threads=threads, secret=False)
        normalise = long_from_cogind
    elif engine == "duckdb":
        import queries_duckdb as q

        con = q.connect(threads)
        sources = (q.register_memory(con, tables) if mode == "memory"
                   else q.parquet_sources(paths))
        run = lambda: q.run(con, sources)
        normalise = long_from_wide
    elif engine == "polars":
        import queries_polars as q

        if mode == "memory":
            run = lambda: q.run(q.memory_sources(tables))
        else:
            run = lambda: q.run(q.parquet_sources(paths))
        normalise = long_from_wide
    else:
        raise SystemExit(f"unknown engine {engine}")
    start = time.perf_counter()
    result = run()  # warm-up: numba cache load / compile, OS cache, DuckDB catalog
    first = time.perf_counter() - start
    if result_out and normalise is not None:
        pq.write_table(canonical(normalise(result)), result_out)
    del result
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
        del result
    return {"engine": engine, "mode": mode, "threads": threads, "first_s": first,
            "times_s": times, "median_s": statistics.median(times) if times else None,
            "rss_after_load_mib": rss_loaded, "peak_rss_mib": _peak_rss_mib(),
            "loadavg_before": load0, "loadavg_after": os.getloadavg()}


def spawn(engine, mode, folder, threads, repeat, result_out=None) -> dict:
    env = dict(os.environ, POLARS_MAX_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               NUMBA_NUM_THREADS=str(threads))
    cmd = [sys.executable, __file__, "--worker", engine, "--mode", mode, "--data", str(folder),
           "--threads", str(threads), "--repeat", str(repeat)]
    if result_out:
        cmd += ["--result-out", result_out]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=HERE)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{engine} ({mode}) failed with exit code {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- main


def check(folder: Path, modes, threads: int, tmp: Path) -> None:
    """Every engine once per mode; stop with the differences unless all results agree."""
    import pyarrow.parquet as pq

    results = {}
    for mode in modes:
        for engine in ENGINES[1:]:
            out = str(tmp / f"{engine}-{mode}.parquet")
            info = spawn(engine, mode, folder, threads, 0, out)
            results[(engine, mode)] = pq.read_table(out)
            print(f"  check run {engine:7s} {mode:8s} first run {info['first_s']:.2f} s, "
                  f"{results[(engine, mode)].num_rows} result rows", flush=True)
    ref_key = ("cogind", modes[0])
    ref = results[ref_key]
    failed = False
    for k, other in results.items():
        if k == ref_key:
            continue
        diff = differences(ref, other)
        if diff:
            failed = True
            print(f"DIFFERENCE cogind/{modes[0]} vs {k[0]}/{k[1]}:", *diff, sep="\n  ")
    if failed:
        raise SystemExit("results differ: no timing done")
    per = ref.group_by("indicateur").aggregate([("n", "count")]).to_pylist()
    counts = ", ".join(f"{r['indicateur']} {r['n_count']}" for r in per)
    print(f"check: all engines agree on {ref.num_rows} result rows ({counts})", flush=True)


def profile(folder: Path, threads: int, top: int, mode: str) -> None:
    """cProfile of one cogind.compute of the suite, after a warm-up run."""
    import cProfile
    import pstats

    import cogind

    registry = cogind_registry()
    source = load_tables(folder) if mode == "memory" else str(folder)
    run = lambda: cogind.compute(source, cog=None, indicators=list(SUITE), period="month",
                                 registry=registry, threads=threads, secret=False)
    run()
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.runcall(run)
    print(f"cogind.compute, {mode}, threads={threads}: {time.perf_counter() - start:.2f} s "
          f"under cProfile (load avg {os.getloadavg()[0]:.2f})")
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def machine() -> dict:
    from importlib.metadata import version

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) / 2 ** 20 for line in open("/proc/meminfo")
                if line.startswith("MemTotal")), None)
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem, 1) if mem else None,
            "python": platform.python_version(), "platform": platform.platform(),
            "versions": {d: version(d) for d in ("cogind", "numba", "numpy", "pyarrow",
                                                  "duckdb", "polars")}}


def report(runs: list[dict]) -> str:
    lines = ["| mode | engine | median s | min–max s | × floor | cogind faster by | "
             "peak RSS MiB (after load) | load avg before→after |",
             "|---|---|---|---|---|---|---|---|"]
    by = {(r["mode"], r["engine"]): r for r in runs}
    for r in runs:
        floor = by.get((r["mode"], "floor"))
        cog = by.get((r["mode"], "cogind"))
        x_floor = r["median_s"] / floor["median_s"] if floor else float("nan")
        faster = (f"{r['median_s'] / cog['median_s']:.2f}×"
                  if cog and r["engine"] not in ("cogind", "floor") else "")
        lines.append(
            f"| {r['mode']} | {r['engine']} | {r['median_s']:.3f} | {min(r['times_s']):.3f}–"
            f"{max(r['times_s']):.3f} | {x_floor:.2f} | {faster} | {r['peak_rss_mib']:.0f} "
            f"({r['rss_after_load_mib']:.0f}) | {r['loadavg_before'][0]:.2f}→"
            f"{r['loadavg_after'][0]:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=lambda s: int(s.replace("_", "")), default=10_000_000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--mode", choices=("memory", "parquet", "both"), default="both")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--defects", type=float, default=0.01)
    p.add_argument("--data-root", type=Path, default=Path(os.environ.get(
        "COGIND_BENCH_DATA", Path(tempfile.gettempdir()) / "cogind-bench")))
    p.add_argument("--engines", default=",".join(ENGINES),
                   help="engines to time (comma-separated, default all)")
    p.add_argument("--no-check", action="store_true", help="skip the result check (debug only)")
    p.add_argument("--json", type=Path)
    p.add_argument("--profile", type=int, metavar="N",
                   help="instead of comparing: cProfile cogind.compute on the in-memory suite "
                        "(after a warm-up) and print the top N functions by tottime")
    # internal: one engine in this process
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--result-out", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        sys.path.insert(0, str(HERE))
        print(json.dumps(worker(a.worker, a.mode, a.data, a.threads, a.repeat, a.result_out)))
        return 0
    modes = ("memory", "parquet") if a.mode == "both" else (a.mode,)
    a.data_root.mkdir(parents=True, exist_ok=True)
    folder = data_folder(a.data_root, a.rows, a.seed, a.defects)
    if a.profile:
        profile(folder, a.threads, a.profile, "parquet" if a.mode == "parquet" else "memory")
        return 0
    facts = machine()
    print(f"{a.rows:,} claim rows in {folder}; threads={a.threads} repeat={a.repeat}; "
          f"{facts['cpu']}, {facts['cores']} cores, {facts['ram_gib']} GiB; "
          f"load avg {os.getloadavg()[0]:.2f}; {facts['versions']}", flush=True)
    if not a.no_check:
        with tempfile.TemporaryDirectory() as tmp:
            check(folder, modes, a.threads, Path(tmp))
    runs = []
    for mode in modes:
        for engine in a.engines.split(","):
            r = spawn(engine, mode, folder, a.threads, a.repeat)
            runs.append(r)
            print(f"  timed {engine:7s} {mode:8s} median {r['median_s']:.3f} s "
                  f"(first {r['first_s']:.2f} s), peak RSS {r['peak_rss_mib']:.0f} MiB, "
                  f"load avg {r['loadavg_before'][0]:.2f}→{r['loadavg_after'][0]:.2f}",
                  flush=True)
    table = report(runs)
    print(table)
    if a.json:
        a.json.write_text(json.dumps({"command": " ".join(sys.argv), "rows": a.rows,
                                      "folder": str(folder), "machine": facts, "runs": runs},
                                     indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
