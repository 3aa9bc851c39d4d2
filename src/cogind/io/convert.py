"""``cogind convert``: input tables rewritten as uncompressed Arrow IPC, the fastest input.

An uncompressed Arrow IPC file is read by mapping it into memory: no decoding, no copy, so a
computation on it costs what the kernels cost. CSV must be parsed and Parquet decoded at every
run. Each table is streamed batch by batch and written through a temporary file.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa

from cogind.errors import InputError
from cogind.io.readers import open_inputs


def convert(source, out_dir: str | Path, registry, tables=None) -> dict[str, int]:
    """Write every table of ``source`` (or ``tables``) to ``out_dir/<table>.arrow``.

    :returns: rows written per table.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    inputs = open_inputs(source, registry.tables, wanted=list(tables) if tables else None)
    written = {}
    for name, tin in sorted(inputs.items()):
        target = out / f"{name}.arrow"
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=out)
        os.close(fd)
        rows = 0
        try:
            with pa.OSFile(tmp, "wb") as sink, pa.ipc.new_file(sink, tin.schema) as writer:
                for batch in tin.batches(tin.schema.names):
                    writer.write_batch(batch)
                    rows += batch.num_rows
            os.chmod(tmp, 0o644)  # mkstemp makes it private; data folders are shared
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written[name] = rows
    if not written:
        raise InputError(f"no table to convert in {source}")
    return written


__all__ = ["convert"]
