"""Realistic synthetic COG data: the caisse network and the eight input tables (issues 3, 4).

Public API: :func:`generate`, :func:`network`, :func:`generate_sample` (the command
``cogind generate`` is :mod:`cogind.cli.generate`). See docs/generate.md for every modelling choice.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

from cogind.synth.names import TABLES

__all__ = ["generate", "network", "generate_sample", "TABLES"]


def generate(out: str | Path, *, years: Sequence[int] = (2018, 2027), scale: float = 1.0,
             rows: Mapping[str, int] | None = None, seed: int = 0, defects: float = 0.0,
             fmt: str = "parquet", partition: bool = False, tables: Sequence[str] = TABLES,
             batch_rows: int = 1_000_000,
             progress: Callable[[str, int, int], None] | None = None,
             registry=None) -> dict:
    """Generate synthetic input tables into the folder ``out`` and return the manifest.

    Writes ``out/<table>.parquet`` (or ``.arrow``, Arrow IPC file) per table, or with
    ``partition=True`` hive-style folders ``out/<table>/year=YYYY/part-0.parquet``, then
    ``out/manifest.json``. Tables are streamed block by block: memory stays bounded whatever
    the row count.

    :param out: output folder, created if needed; existing files of the same names are replaced.
    :param years: first and last year (inclusive) of activity.
    :param scale: multiplies the default row counts (per year: 1 M prestations, 200 k IJ
        payments, 300 k contacts, 30 k dossiers, 50 k enquetes, 200 k demarches, 30 k
        controles).
    :param rows: exact row count per table, overriding ``scale`` for that table. ``mesures``
        has by default one row per measure, caisse (or nation) and month; more rows split
        each measurement in several lines, fewer raise ConfigError.
    :param seed: same seed and options give the same data (and the same bytes with the same
        numpy/pyarrow versions), whatever ``batch_rows`` and the thread count.
    :param defects: rate in [0, 0.2] of each defect kind (null dates, end before start,
        negative amounts, duplicated rows, unknown codes, null caisse); 0 means clean data.
    :param fmt: ``"parquet"`` (zstd) or ``"arrow"`` (uncompressed IPC file, memory-mappable).
    :param partition: one folder per table and one sub-folder per year.
    :param tables: which of ``prestations``, ``ij``, ``contacts``, ``dossiers``, ``enquetes``,
        ``demarches``, ``controles``, ``mesures`` to write.
    :param batch_rows: rows per Parquet row group / Arrow record batch.
    :param progress: called as ``progress(table, rows_done, rows_total)`` after each block.
    :param registry: the indicators whose code values and measures ``enquetes``,
        ``demarches``, ``controles`` and ``mesures`` must cover (default: every installed
        plugin, :func:`cogind.build_registry`).
    :returns: the manifest (also written to ``out/manifest.json``).
    :raises cogind.errors.ConfigError: an option is invalid.
    :raises cogind.errors.InputError: ``out`` cannot be created or written.

    .. versionadded:: 0.1
    """
    from cogind.synth.core import check_options, run

    opts = check_options(years, scale, rows, seed, defects, fmt, partition, tables, batch_rows,
                         registry)
    return run(out, opts, progress)


def generate_sample(out_dir: str | Path) -> dict:
    """Write the bundled sample (the one ``cogind compute --sample`` reads) to ``out_dir``."""
    from cogind.synth.sample import write_sample

    return write_sample(out_dir)


def network(seed: int = 0):
    """The 101 caisses of the synthetic network, a ``pyarrow.Table``
    (:func:`cogind.synth.reseau.network` describes its columns)."""
    from cogind.synth.reseau import network as build

    return build(seed)
