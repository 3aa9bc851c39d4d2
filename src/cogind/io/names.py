"""Column names as exports write them: the SNDS names in another case or padded with spaces.

SAS reads variable names whatever their case, and its users expect the same here; Spark,
pandas, PostgreSQL or Hive exports often lower-case them (``sin_1ij_ind``) and some CSV headers
pad them. A column is read under its schema name when its own name equals it but for case and
surrounding spaces and no other column of the input does (two candidates: neither is taken, the
schema column stays missing and says so). The columns read so are recorded
(``colonnes_renommees`` in the provenance, shown by ``cogind validate``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping


def schema_names(names: Iterable[str], fields: Mapping) -> dict[str, str]:
    """{column name in the input: schema name} of the columns read under another name."""
    names = list(names)
    present = set(names)
    alike: dict[str, list[str]] = {}
    for name in names:
        alike.setdefault(name.strip().casefold(), []).append(name)
    out = {}
    for field in fields:
        found = alike.get(field.casefold(), [])
        if field not in present and len(found) == 1:
            out[found[0]] = field
    return out
