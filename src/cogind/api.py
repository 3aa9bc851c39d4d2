"""``cogind.compute``: the one entry point the CLI and pipelines share."""
from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any, Iterable, Sequence

import pyarrow as pa

from cogind.engine import accumulate, check_strict, plan
from cogind.errors import ConfigError, InputError
from cogind.plugins import build_registry
from cogind.readers import DEFAULT_BATCH, open_inputs
from cogind.registry import Registry
from cogind.results import Rows, add_indicator_rows, select_periods

__version__ = "0.1.0"


def _selected(registry: Registry, cog: str | None, indicators: Sequence[str] | None):
    cog_obj = registry.cog(cog) if cog else None
    if indicators:
        codes = list(indicators)
        for c in codes:
            registry.indicator(c)
    elif cog_obj is not None:
        codes = [e.code for e in cog_obj.indicators]
    else:
        codes = list(registry.indicators)
    return cog_obj, [registry.indicator(c) for c in codes], bool(indicators)


def _years(years, cog_obj) -> tuple[int, ...] | None:
    if years is None:
        return tuple(cog_obj.years) if cog_obj else None
    ys = (years,) if isinstance(years, int) else tuple(int(y) for y in years)
    if cog_obj is not None:
        outside = [y for y in ys if y not in cog_obj.years]
        if outside:
            raise ConfigError(f"year {outside[0]} is outside COG {cog_obj.code} "
                              f"({cog_obj.years[0]}-{cog_obj.years[-1]})")
    return ys


def _as_of_day(as_of: str | None) -> int | None:
    """Last day of month ``YYYY-MM`` in days since 1970-01-01."""
    if as_of is None:
        return None
    try:
        year, month = (int(x) for x in str(as_of).split("-"))
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    except ValueError:
        raise ConfigError(f"--as-of expects YYYY-MM, got '{as_of}'") from None
    return (nxt - dt.date(1970, 1, 1)).days - 1


def compute(tables: Any, cog: str | None = "2023-2027", *, indicators: Sequence[str] | None = None,
            period: str = "month", years: int | Iterable[int] | None = None,
            strict: bool = False, registry: Registry | None = None,
            plugins: Iterable[object] = (), batch_size: int = DEFAULT_BATCH,
            threads: int | None = None, as_of: str | None = None) -> pa.Table:
    """Compute indicators per caisse and nationally, per period, with targets and statuses.

    :param tables: a folder or file path, or a mapping ``{table name: path | pyarrow.Table |
        RecordBatchReader | dataset | object with __arrow_c_stream__}``.
    :param cog: COG code whose indicators and targets to use (``None``: no targets).
    :param indicators: restrict to these indicator codes.
    :param period: ``month``, ``quarter`` or ``year``.
    :param years: years to report (default: the COG's years); other years are still read,
        since evolutions and trends need them.
    :param strict: raise :class:`~cogind.errors.DataError` if any row is excluded.
    :param as_of: ``YYYY-MM``: compute with only the rows available by the end of that month
        (tables whose schema declares an availability column, e.g. FLX_DIS_DTD of claims).
    :param registry: a registry built beforehand (default: every installed plugin, plus
        ``plugins`` registered in memory).
    :returns: a table with the columns of ``schemas/resultats.json``; provenance in its
        schema metadata under ``cogind``.
    """
    registry = registry or build_registry(extra=plugins)
    cog_obj, inds, explicit = _selected(registry, cog, indicators)
    ys = _years(years, cog_obj)
    by_table = plan(inds)
    inputs = open_inputs(tables, registry.tables, wanted=list(by_table))
    missing = [t for t in by_table if t not in inputs]
    if missing and explicit:
        users = [i.code for i in inds if i.table == missing[0]]
        raise InputError(f"table '{missing[0]}' not found in the input (needed by "
                         f"{', '.join(users[:3])})")
    threads = threads or min(os.cpu_count() or 1, 4)
    as_of_day = _as_of_day(as_of)
    rows, skipped, undated, read = Rows(), {}, {}, {}
    accs = {}
    for name, tplan in by_table.items():
        if name not in inputs:
            for sp in tplan.states:
                for ind in sp.indicators:
                    skipped[ind.code] = f"table '{name}' absente"
            continue
        needed: dict[str, list[str]] = {}
        for sp in tplan.states:
            for ind in sp.indicators:
                for col in ind.required_columns:
                    needed.setdefault(col, []).append(ind.code)
        spec = registry.table(name)
        if as_of_day is not None and spec.availability:
            tplan.as_of = (spec.availability, as_of_day)
            needed.setdefault(spec.availability, []).append(f"--as-of {as_of}")
        inputs[name].check(spec, needed)
        acc = accumulate(inputs[name], tplan, batch_size, threads)
        if strict:
            check_strict(acc, name)
        accs[name] = acc
        read[name] = {"origine": inputs[name].origin, "lignes": acc.rows_read}
        if tplan.as_of:
            read[name]["lignes_non_disponibles"] = acc.rows_not_yet_available
    for ind in inds:
        acc = accs.get(ind.table)
        if acc is None:
            continue
        i = next(k for k, sp in enumerate(acc.plan.states) if ind in sp.indicators)
        u = add_indicator_rows(rows, acc, i, ind, cog_obj, select_periods(acc, period, ys))
        if u:
            undated[ind.code] = u
    meta = {"version": __version__, "cog": cog_obj.code if cog_obj else None,
            "periode": period, "annees": list(ys) if ys else None, "entrees": read,
            "situation_au": as_of,
            "plugins": [{"nom": p.name, "distribution": p.distribution, "version": p.version}
                        for p in registry.plugins],
            "non_calcules": skipped, "exclusions_hors_periode": undated}
    table = rows.table()
    return table.replace_schema_metadata({"cogind": json.dumps(meta, ensure_ascii=False)})


def provenance(table: pa.Table) -> dict:
    """The provenance recorded by :func:`compute` in a result table."""
    raw = (table.schema.metadata or {}).get(b"cogind")
    return json.loads(raw) if raw else {}
