"""Start-up of ``cogind compute --sample`` in fresh processes, warm and empty cache (issue 20 § 3).

    python benchmarks/bench_startup.py [--repeat 5] [--cold 2]

- *warm*: the user's cache as it is, after one untimed run (OS cache warm);
- *empty cache*: ``COGIND_CACHE_DIR`` a new temporary folder and ``NUMBA_CACHE_DIR`` unset, so
  every kernel the sample needs is compiled (``--cold`` runs, each in a new folder);
- *warmup*: ``cogind warmup`` in a new folder (kernels and fused loops), then
  ``cogind compute --sample`` in it: what a first run costs once the warmup step was taken.

Wall and CPU (user + system of the child) per run: median and min–max, with the load average
before and after (the machine may be shared; CPU is the steadier figure). Goals: warm ≤ 1.0 s,
empty cache ≤ 4 s (wall).

``--stages N``: instead, N fresh processes each time the stages of a warm ``compute --sample``
(imports of numpy, pyarrow, numba and cogind, the registry, a first compute, which loads
numba's cached code, then a second one in the same process): median (min–max) CPU per stage.

``--trees A B``: before / after on a shared machine: each of A and B is a ``PYTHONPATH`` (a
frozen copy of the tree, e.g. ``git archive COMMIT src plugins schemas`` extracted, with
``plugins`` linked as ``pkgs/cogind_plugins``: give ``A/src:A/pkgs``); the warm and empty-cache
runs of the trees alternate run by run, and the md5 of each tree's CSV is printed (the same
figures or not). ``--stages`` with ``--trees``: the stages of each tree.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def script() -> str:
    found = shutil.which("cogind", path=os.path.dirname(sys.executable)) or shutil.which("cogind")
    if found is None:
        sys.exit("cogind is not installed in this environment (pip install -e .)")
    return found


def timed(argv: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``argv`` in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def empty_cache_env(folder: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["COGIND_CACHE_DIR"] = folder
    return env


def line(label: str, runs: list[tuple[float, float]], goal: float | None = None) -> str:
    if not runs:
        return f"{label:<34} (no run)"
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    text = (f"{label:<34} wall {statistics.median(walls):6.2f} s ({min(walls):.2f}–"
            f"{max(walls):.2f})  CPU {statistics.median(cpus):6.2f} s ({min(cpus):.2f}–"
            f"{max(cpus):.2f})  n={len(runs)}")
    return text + (f"  goal {goal:.1f} s: ratio {statistics.median(walls) / goal:.2f}"
                   if goal else "")


STAGES = ("python + click", "numpy", "pyarrow (+ compute, dataset, parquet)", "numba",
          "cogind modules", "registry (entry points, plugins, checks)",
          "first compute (+ numba loading cached code)", "second compute (same process)")


def _stages_child() -> None:
    """One warm ``compute --sample`` split into :data:`STAGES`; prints wall and CPU of each."""
    marks = [(time.perf_counter(), time.process_time())]
    mark = lambda: marks.append((time.perf_counter(), time.process_time()))
    import click  # noqa: F401
    mark()
    import numpy  # noqa: F401
    mark()
    import pyarrow.compute
    import pyarrow.dataset
    import pyarrow.parquet  # noqa: F401
    mark()
    import numba  # noqa: F401
    mark()
    import cogind.analyses.secret
    import cogind.api
    import cogind.cli.compute  # noqa: F401
    from cogind.cli import sample_path
    from cogind.plugins import build_registry
    mark()
    registry = build_registry()
    mark()
    for _ in range(2):
        cogind.api.compute(sample_path(), period="year", registry=registry)
        mark()
    for (w0, c0), (w1, c1) in zip(marks, marks[1:]):
        print(f"{w1 - w0:.4f} {c1 - c0:.4f}")


def stages(n: int, env: dict | None = None) -> None:
    runs = []
    for _ in range(n):
        out = subprocess.run([sys.executable, __file__, "--stages-child"], check=True,
                             capture_output=True, text=True, env=env).stdout.split()
        runs.append([(float(w), float(c)) for w, c in zip(out[::2], out[1::2])])
    print(f"stages of a warm compute --sample, {n} fresh processes, CPU s median (min–max):")
    for k, name in enumerate(STAGES):
        cpus = [r[k][1] for r in runs]
        print(f"  {name:<44} {statistics.median(cpus):.3f} ({min(cpus):.3f}–{max(cpus):.3f})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def tree_env(path: str, cache: str | None = None) -> dict:
    env = empty_cache_env(cache) if cache else dict(os.environ)
    env["PYTHONPATH"] = path
    return env


def trees(args) -> None:
    """Warm and empty-cache runs of each tree, alternated run by run; md5 of each one's CSV."""
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as folder:
        for k, path in enumerate(args.trees):
            out = os.path.join(folder, f"{k}.csv")
            timed([script(), "compute", "--sample", "-o", out], tree_env(path))  # untimed
            with open(out, "rb") as f:
                print(f"tree {k} ({path}): CSV md5 {hashlib.md5(f.read()).hexdigest()}")
    if args.stages:
        for k, path in enumerate(args.trees):
            print(f"tree {k}:", end=" ")
            stages(args.stages, tree_env(path))
        return
    compute = [script(), "compute", "--sample"]
    warm = {k: [] for k in range(len(args.trees))}
    cold = {k: [] for k in range(len(args.trees))}
    for _ in range(args.repeat):
        for k, path in enumerate(args.trees):
            warm[k].append(timed(compute, tree_env(path)))
    for _ in range(args.cold):
        for k, path in enumerate(args.trees):
            with tempfile.TemporaryDirectory() as folder:
                cold[k].append(timed(compute, tree_env(path, folder)))
    for k in warm:
        print(line(f"tree {k}, warm cache", warm[k], 1.0))
        print(line(f"tree {k}, empty cache", cold[k], 4.0))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


def main() -> None:
    if sys.argv[1:] == ["--stages-child"]:
        return _stages_child()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm runs")
    parser.add_argument("--cold", type=int, default=2, help="empty-cache runs")
    parser.add_argument("--no-warmup", action="store_true", help="skip the warmup rows")
    parser.add_argument("--stages", type=int, metavar="N",
                        help="time the stages of a warm run in N fresh processes instead")
    parser.add_argument("--trees", nargs="+", metavar="PYTHONPATH",
                        help="alternate the runs of these trees (see the module's docstring)")
    args = parser.parse_args()
    if args.trees:
        return trees(args)
    if args.stages:
        return stages(args.stages)
    compute = [script(), "compute", "--sample"]
    print(f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    timed(compute)  # untimed: fills the user cache and the OS cache
    print(line("compute --sample, warm cache", [timed(compute) for _ in range(args.repeat)],
               1.0), flush=True)
    cold = []
    for _ in range(args.cold):
        with tempfile.TemporaryDirectory() as folder:
            cold.append(timed(compute, empty_cache_env(folder)))
    print(line("compute --sample, empty cache", cold, 4.0), flush=True)
    if not args.no_warmup:
        with tempfile.TemporaryDirectory() as folder:
            env = empty_cache_env(folder)
            print(line("warmup, empty cache", [timed([script(), "warmup"], env)]), flush=True)
            print(line("warmup again (nothing to compile)", [timed([script(), "warmup"], env)]))
            print(line("compute --sample after warmup", [timed(compute, env)
                                                          for _ in range(args.repeat)], 1.0))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
