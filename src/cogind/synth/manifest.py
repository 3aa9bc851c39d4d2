"""The manifest of a generated dataset: what was written and the command that rewrites it."""
from __future__ import annotations

import importlib.metadata
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from cogind.synth.reference import TABLES

if TYPE_CHECKING:
    from cogind.synth.options import Options
    from cogind.synth.reseau import Network

DEFAULT_BATCH_ROWS = 1_000_000


def _version() -> str:
    try:
        return importlib.metadata.version("cogind")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def command_line(out: str, opts: Options, sample: bool = False) -> str:
    """The ``cogind generate`` command that writes the same data (same bytes, same versions)."""
    if sample:
        return shlex.join(["cogind", "generate", "--sample", "-o", out])
    args = ["cogind", "generate", "-o", out, "--year", f"{opts.years[0]}-{opts.years[1]}",
            "--seed", str(opts.seed)]
    for table in opts.tables:
        args += ["--rows", f"{table}={opts.rows[table]}"]
    if tuple(opts.tables) != TABLES:
        args += ["--tables", ",".join(opts.tables)]
    if opts.defects:
        args += ["--defects", repr(opts.defects)]
    if opts.fmt != "parquet":
        args += ["--format", opts.fmt]
    if opts.partition:
        args.append("--partition")
    if opts.batch_rows != DEFAULT_BATCH_ROWS:
        args += ["--batch-rows", str(opts.batch_rows)]
    return shlex.join(args)


def options_dict(opts: Options) -> dict:
    """Keyword arguments of ``generate`` that reproduce the data."""
    return {"years": list(opts.years), "rows": dict(opts.rows), "seed": opts.seed,
            "defects": opts.defects, "fmt": opts.fmt, "partition": opts.partition,
            "tables": list(opts.tables), "batch_rows": opts.batch_rows}


def build_manifest(out: Path, opts: Options, entries: dict, net: Network,
                   sample: bool = False) -> dict:
    """Manifest dict: generator versions, options, command line, tables and their row counts."""
    return {
        "generator": "cogind.synth",
        "versions": {"cogind": _version(), "numpy": np.__version__, "pyarrow": pa.__version__},
        "command": command_line(str(out), opts, sample),
        "options": options_dict(opts),
        "scale": opts.scale,
        "network": {"caisses": len(net.codes), "seed": opts.seed},
        "tables": entries,
        "total_rows": sum(e["rows"] for e in entries.values()),
        # codes and measures taken from the registered indicators (served.py)
        "indicator_codes": opts.catalogue.summary(),
    }
