"""What the inputs can compute: the one decision ``compute`` and ``validate`` share (issue 17).

An indicator is *non calculable* when an input it needs is missing: its table (or an auxiliary
table) is absent or has no row, or a column it reads is absent. Such an indicator still gets
its result rows, with the reason as motif. A column present with a type the schema does not
accept is not a gap but an error (:meth:`TableInput.check`): the export itself is broken.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

import pyarrow as pa
import pyarrow.dataset as ds

from cogind.io.readers import TableInput
from cogind.model import Indicator
from cogind.registry import Registry

ABSENT, EMPTY, NO_COLUMN = "table absente", "table vide", "colonne absente"


@dataclass(frozen=True)
class Gap:
    """One missing input: a table (``column`` None) or one of its columns."""

    kind: str
    table: str
    column: str | None = None
    expected: str | None = None

    @property
    def motif(self) -> str:
        if self.kind == ABSENT:
            return f"table {self.table} absente"
        if self.kind == EMPTY:
            return f"table {self.table} vide"
        return f"colonne {self.column} ({self.expected}) absente de la table {self.table}"


def row_count(tin: TableInput) -> int | None:
    """Rows of ``tin`` when known without reading them (in memory, Parquet footers, Arrow IPC);
    None otherwise (CSV, streams): the pass tells."""
    if tin.num_rows is not None:
        return tin.num_rows
    src = tin._source
    if tin.mapped is not None:
        with pa.memory_map(tin.mapped, "r") as f:
            reader = pa.ipc.open_file(f)
            return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
    if isinstance(src, ds.FileSystemDataset) and isinstance(src.format, ds.ParquetFileFormat):
        return sum(rg.num_rows for frag in src.get_fragments() for rg in frag.row_groups)
    return None


def computable(registry: Registry, indicators: Iterable[Indicator],
               inputs: Mapping[str, TableInput],
               rows: Mapping[str, int] | None = None) -> dict[str, list[Gap]]:
    """{indicator code: the gaps that make it non calculable} (computable ones are left out).

    ``rows``: row counts already known (after a pass); others are taken from
    :func:`row_count` when it knows them.
    """
    rows = dict(rows or {})
    out: dict[str, list[Gap]] = {}
    for ind in indicators:
        gaps = _table_gaps(ind.table, inputs, rows)
        if not gaps:
            gaps = _column_gaps(registry, ind, inputs[ind.table])
        for aux in ind.measure.auxiliary_tables:
            gaps += [g for g in _table_gaps(aux, inputs, rows) if g.kind == ABSENT]
        if gaps:
            out[ind.code] = gaps
    return out


def _table_gaps(name: str, inputs: Mapping[str, TableInput], rows: dict) -> list[Gap]:
    if name not in inputs:
        return [Gap(ABSENT, name)]
    if name not in rows:
        rows[name] = row_count(inputs[name])
    return [Gap(EMPTY, name)] if rows[name] == 0 else []


def _column_gaps(registry: Registry, ind: Indicator, tin: TableInput) -> list[Gap]:
    spec = registry.table(ind.table)
    return [Gap(NO_COLUMN, ind.table, col, spec.field_type(col) or "?")
            for col in dict.fromkeys(ind.required_columns) if tin.schema.get_field_index(col) < 0]


def by_input(gaps: Mapping[str, list[Gap]]) -> dict[Gap, list[str]]:
    """{gap: indicator codes it makes non calculable}, in order of first appearance."""
    out: dict[Gap, list[str]] = {}
    for code, gs in gaps.items():
        for g in gs:
            out.setdefault(g, []).append(code)
    return out


def motif(gaps: list[Gap]) -> str:
    """The motif of an indicator's rows: every missing input, in order."""
    return " ; ".join(g.motif for g in gaps)


SHOWN_CODES = 5


def summary(motif_text: str, codes: list[str], shown: int = SHOWN_CODES) -> str:
    """One warning for one missing input, however many indicators it stops (issue 22):
    « 33 indicateurs non calculables : table mesures absente (A, B, C, D, E, … et 28 autres) »;
    every code stays in the motif of its rows and in the provenance."""
    n = len(codes)
    named = ", ".join(codes if n <= shown + 1 else codes[:shown] + [f"… et {n - shown} autres"])
    what = "indicateur non calculable" if n == 1 else "indicateurs non calculables"
    return f"{n} {what} : {motif_text} ({named})"
