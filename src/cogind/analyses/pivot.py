"""The wide view analysts paste into their tables: a row per caisse and period, a column per
indicator."""
from __future__ import annotations

import pyarrow as pa

from cogind.errors import ConfigError

KEYS = ("indicateur", "niveau", "caisse", "periode")
NATIONAL = "national"


def pivot_wide(results: pa.Table, value: str = "valeur", *, national: bool = True) -> pa.Table:
    """Spread the long result table of :func:`cogind.compute` into a caisse × indicator table.

    :param results: a table returned by :func:`cogind.compute`, or read back from its output.
    :param value: the result column to spread: ``valeur`` (default), ``statut``, ``atteint``,
        ``ecart``, ``cible``, ``n``, ``numerateur``…; its type is kept.
    :param national: keep the national rows (``caisse`` = ``"national"``, after the caisses).
    :returns: columns ``caisse``, ``periode``, then one per indicator in the order of the
        results; rows by caisse then period. A figure absent from the results is null.
    :raises ConfigError: unknown ``value`` column, or two rows for the same cell (results of
        several COGs concatenated: filter on ``cog`` first).
    """
    missing = [c for c in (*KEYS, value) if c not in results.column_names]
    if missing:
        raise ConfigError(f"pivot_wide: the results have no column '{missing[0]}'")
    data = results.select(list(dict.fromkeys((*KEYS, value)))).to_pydict()
    codes = list(dict.fromkeys(data["indicateur"]))
    periods = list(dict.fromkeys(data["periode"]))
    cells: dict[tuple[str, str], dict[str, object]] = {}
    for code, level, caisse, period, v in zip(*(data[k] for k in KEYS), data[value]):
        if level == NATIONAL and not national:
            continue
        row = cells.setdefault((NATIONAL if level == NATIONAL else caisse, period), {})
        if code in row:
            raise ConfigError(f"pivot_wide: several rows for {code} in period {period} "
                              "(results of several COGs? filter on 'cog' first)")
        row[code] = v
    order = {p: i for i, p in enumerate(periods)}
    keys = sorted(cells, key=lambda k: (k[0] == NATIONAL, k[0] or "", order[k[1]]))
    vtype = results.schema.field(value).type
    columns = {"caisse": pa.array([k[0] for k in keys], pa.string()),
               "periode": pa.array([k[1] for k in keys], pa.string())}
    for code in codes:
        columns[code] = pa.array([cells[k].get(code) for k in keys], vtype)
    return pa.table(columns)
