"""The output-sized steps of a run against an earlier revision, in one process (issue 20 § 1).

Run::

    python benchmarks/bench_output_costs.py --rev 60ca04a --repeat 7 \\
        --data /work/bench-data/a1/r10000000-s0-d0.01-mensuel/after \\
        --states /work/bench-data/a1/etats --cog 2023-2027
    python benchmarks/bench_output_costs.py --rev 60ca04a          # the bundled sample

``analyses/secret.py`` and ``analyses/forms.py`` of ``--rev`` are loaded beside the working
tree's; whole ``cogind.compute`` runs alternate the former ``_BaseSpans``, ``_Rows._periods``
and ``forms._zeroed`` with the current ones (order swapped every round, the first round a
warm-up), and print each step's time summed over its calls and the whole compute, median of
``--repeat``, with ``uptime``'s load average, and whether both give the same Arrow IPC bytes.
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pyarrow as pa

import cogind
from cogind.analyses import forms, secret
from cogind.io import fingerprint

STEPS = ("spans", "of", "periods", "zeroed", "compute")


def _former(rev: str, path: str, name: str):
    text = subprocess.run(["git", "show", f"{rev}:{path}"], check=True, capture_output=True,
                          text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(text)
    spec = importlib.util.spec_from_file_location(name, f.name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _use(acc: dict, spans_cls, periods, zeroed) -> None:
    def timed(key, f):
        def g(*a, **k):
            t = time.perf_counter()
            r = f(*a, **k)
            acc[key] = acc.get(key, 0.0) + time.perf_counter() - t
            return r
        return g
    secret._BaseSpans = type("_BaseSpans", (spans_cls,), {
        "__init__": timed("spans", spans_cls.__init__), "of": timed("of", spans_cls.of)})
    secret._Rows._periods = timed("periods", periods)
    forms._zeroed = timed("zeroed", zeroed)


def _ipc(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_file(sink, table.schema) as w:
        w.write_table(table)
    return sink.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rev", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--data")
    ap.add_argument("--states")
    ap.add_argument("--cog")
    args = ap.parse_args()
    so = _former(args.rev, "src/cogind/analyses/secret.py", "former_secret")
    fo = _former(args.rev, "src/cogind/analyses/forms.py", "former_forms")
    impl = {"former": (so._BaseSpans, so._Rows._periods, fo._zeroed),
            "current": (secret._BaseSpans, secret._Rows._periods, forms._zeroed)}
    if args.data:
        def run():
            return cogind.compute(args.data, cog=args.cog, threads=2, states=args.states)
    else:
        from cogind.cli.common import sample_path

        def run():
            return cogind.compute(sample_path(), period=("month", "ytd"),
                                  levels=("caisse", "region", "national"))
    res: dict = {}
    outs = {}
    for i in range(args.repeat + 1):
        for name in (("former", "current") if i % 2 else ("current", "former")):
            acc: dict = {}
            _use(acc, *impl[name])
            fingerprint._KNOWN.clear()
            t = time.perf_counter()
            outs[name] = _ipc(run())
            acc["compute"] = time.perf_counter() - t
            for k in STEPS if i else ():
                res.setdefault((name, k), []).append(acc.get(k, 0.0))
    print(os.popen("uptime").read().strip())
    for k in STEPS:
        a, b = (statistics.median(res[(n, k)]) for n in ("former", "current"))
        print(f"{k:8} former {a * 1000:8.1f} ms  current {b * 1000:8.1f} ms")
    print("same Arrow IPC bytes:", outs["former"] == outs["current"])


if __name__ == "__main__":
    main()
