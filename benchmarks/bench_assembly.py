"""Result assembly of one warm ``cogind.compute`` (issue 20 § 3): the automatic forms
(``forms.apply`` + ``forms.keep``) and the finalisation (``add_indicator_rows`` + ``Rows.table``),
the column-wise code against the row-by-row one it replaced (tests/assembly_v1_*.py).

    python benchmarks/bench_assembly.py [--repeat 5] [DATA]

DATA: a folder of inputs (default: the bundled sample). Each stage is timed around its calls
within full computes alternating old and new, one untimed compute first (numba cache, OS cache);
median and min–max, old/new ratio, load average before and after.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import assembly_v1_finalise
import assembly_v1_forms

import cogind
from cogind import api
from cogind.analyses import forms
from cogind.cli.common import sample_path
from cogind.engine import finalise

STAGES = ("forms", "finalise")


class Timed:
    """A module-like object whose functions add their time to ``clock[stage]``."""

    def __init__(self, module, names, clock: dict, stage: str):
        for name in dir(module):
            if not name.startswith("__"):
                setattr(self, name, getattr(module, name))
        for name in names:
            setattr(self, name, self._timed(getattr(module, name), clock, stage))

    @staticmethod
    def _timed(fn, clock, stage):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                clock[stage] += time.perf_counter() - start
        return wrapper


def install(old: bool, clock: dict) -> None:
    fin, fo = (assembly_v1_finalise, assembly_v1_forms) if old else (finalise, forms)
    timed_table = Timed._timed(fin.Rows.table, clock, "finalise")

    class Rows(fin.Rows):
        def table(self):
            return timed_table(self)

    api.Rows, api.add_unavailable_rows = Rows, fin.add_unavailable_rows
    api.add_indicator_rows = Timed._timed(fin.add_indicator_rows, clock, "finalise")
    api.forms = Timed(fo, ("apply", "keep"), clock, "forms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    source = args.data or sample_path()
    registry = cogind.build_registry()
    cogind.compute(source, registry=registry)
    load = os.getloadavg()
    runs = {(v, s): [] for v in ("old", "new") for s in STAGES}
    for _ in range(args.repeat):
        for version in ("old", "new"):
            clock = dict.fromkeys(STAGES, 0.0)
            install(version == "old", clock)
            cogind.compute(source, registry=registry)
            for stage in STAGES:
                runs[(version, stage)].append(clock[stage])
    install(False, dict.fromkeys(STAGES, 0.0))
    print(f"{source}: {args.repeat} computes each, load average {load[0]:.2f} -> "
          f"{os.getloadavg()[0]:.2f}")
    for stage in STAGES:
        med = {v: statistics.median(runs[(v, stage)]) for v in ("old", "new")}
        text = "  ".join(f"{v} {med[v]:.3f} s ({min(runs[(v, stage)]):.3f}–"
                         f"{max(runs[(v, stage)]):.3f})" for v in ("old", "new"))
        print(f"{stage:<9} {text}  old/new {med['old'] / med['new']:.1f}x")


if __name__ == "__main__":
    main()
