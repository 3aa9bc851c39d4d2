"""Values checked against the constraints of the table schema (``cogind validate``): a caisse
code's pattern, an enum, a minimum or maximum. Counts per column, never the values.

What compute does with them: an amount beyond its range is the exclusion
``montant_hors_bornes`` of the indicators that read it, a caisse code that fails its pattern
the exclusion ``caisse_inconnue`` (:mod:`cogind.engine.bounds`); other values that fail an
enum or a bound are reported here only.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from cogind.formatting import count
from cogind.model import TableSchema

_WHAT = {"pattern": "hors du motif", "enum": "hors de la liste", "minimum": "sous le minimum",
         "maximum": "au-dessus du maximum"}


class ConstraintCounts:
    """Per column and constraint, how many non-null values of the batches fail it."""

    def __init__(self, spec: TableSchema, columns: list[str]) -> None:
        self.rules = [(col, kind, value) for col in columns
                      for kind, value in ((spec.fields.get(col) or {}).get("constraints")
                                          or {}).items() if kind in _WHAT]
        self.counts = dict.fromkeys(((c, k) for c, k, _ in self.rules), 0)

    def update(self, batch: pa.RecordBatch) -> None:
        for col, kind, value in self.rules:
            self.counts[(col, kind)] += _failing(batch.column(col), kind, value)

    @property
    def failing(self) -> int:
        """Values failing a constraint, all columns together."""
        return sum(self.counts.values())

    def by_column(self) -> dict[str, dict[str, int]]:
        """{column: {constraint: failing values}}, only where some fail (validate --json)."""
        out: dict[str, dict[str, int]] = {}
        for (col, kind), n in self.counts.items():
            if n:
                out.setdefault(col, {})[kind] = n
        return out

    def lines(self, table: str) -> list[str]:
        out = []
        for (col, kind), n in self.counts.items():
            if n:
                effect = {"pattern": " (exclues : caisse_inconnue)" if col == "ORG_CLE_NUM"
                          else "", "minimum": " (montants exclus : montant_hors_bornes)",
                          "maximum": " (montants exclus : montant_hors_bornes)"}.get(kind, "")
                out.append(f"  colonne '{col}' : {count(n)} valeur(s) {_WHAT[kind]} du schéma"
                           f"{effect}")
        return out


def _failing(arr, kind: str, value) -> int:
    """Non-null values of ``arr`` failing one constraint (a dictionary: decided on its
    entries, counted on the indices)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        bad = _mask(arr.dictionary, kind, value)
        if bad is None:
            return 0
        hits = pc.take(bad.fill_null(False), arr.indices.fill_null(0))
        return int(pc.sum(pc.and_(hits, pc.is_valid(arr.indices))).as_py() or 0)
    bad = _mask(arr, kind, value)
    return 0 if bad is None else int(pc.sum(bad.fill_null(False)).as_py() or 0)


def _mask(arr: pa.Array, kind: str, value):
    t = arr.type
    if kind == "pattern" and (pa.types.is_string(t) or pa.types.is_large_string(t)):
        return pc.invert(pc.match_substring_regex(arr, f"^(?:{value})$"))
    if kind == "enum":
        try:
            values = pa.array(value).cast(t)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return None
        return pc.invert(pc.is_in(arr, value_set=values))
    if kind in ("minimum", "maximum") and (pa.types.is_integer(t) or pa.types.is_floating(t)
                                           or pa.types.is_decimal(t)):
        compare = pc.less if kind == "minimum" else pc.greater
        return compare(pc.cast(arr, pa.float64()), pa.scalar(float(value)))
    return None
