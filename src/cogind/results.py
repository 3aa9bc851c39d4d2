"""Finalisation: merged monthly states to result rows with targets, statuses and exclusions."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from cogind.engine import ENGINE_REASONS, Accumulator, MonthGrid, Period, periods_between
from cogind.families import Finalised
from cogind.model import Cog, Indicator

STATUS_MET, STATUS_MISSED, STATUS_NA, STATUS_NO_TARGET = (
    "atteint", "non atteint", "non calculable", "sans cible")

RESULT_SCHEMA = pa.schema([
    ("indicateur", pa.string()), ("libelle", pa.string()), ("cog", pa.string()),
    ("niveau", pa.string()), ("caisse", pa.string()), ("periode", pa.string()),
    ("debut", pa.date32()), ("fin", pa.date32()), ("valeur", pa.float64()),
    ("numerateur", pa.float64()), ("denominateur", pa.float64()), ("n", pa.int64()),
    ("unite", pa.string()), ("sens", pa.string()), ("cible", pa.float64()),
    ("cible_libelle", pa.string()), ("cible_type", pa.string()), ("atteint", pa.bool_()),
    ("ecart", pa.float64()), ("statut", pa.string()), ("motif", pa.string()),
    ("n_exclus", pa.int64()), ("exclusions", pa.string()), ("details", pa.string()),
])


@dataclass
class Rows:
    """Column-wise result rows being built."""

    cols: dict[str, list] = field(default_factory=lambda: {f.name: [] for f in RESULT_SCHEMA})

    def add(self, **values) -> None:
        for name, col in self.cols.items():
            col.append(values.get(name))

    def table(self) -> pa.Table:
        return pa.table({f.name: pa.array(self.cols[f.name], f.type) for f in RESULT_SCHEMA},
                        schema=RESULT_SCHEMA)


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def status_of(value: float | None, target, indicator: Indicator, year: int,
              reason: str | None) -> tuple[str, str | None, bool | None, float | None]:
    """(statut, motif, atteint, écart) of one figure."""
    if value is None:
        return STATUS_NA, reason or "non calculable", None, None
    if target is None:
        return STATUS_NO_TARGET, f"pas de cible pour {year}", None, None
    if target.kind == "a_determiner":
        return STATUS_NO_TARGET, f"cible {target.label}", None, None
    met = target.is_met(value, indicator.direction)
    return (STATUS_MET if met else STATUS_MISSED), None, met, target.gap(value, indicator.direction)


def select_periods(acc: Accumulator, kind: str, years: tuple[int, ...] | None) -> list[Period]:
    if acc.n_months == 0:
        return []
    periods = periods_between(acc.month0, acc.month0 + acc.n_months - 1, kind)
    return [p for p in periods if years is None or p.year in years]


def add_indicator_rows(rows: Rows, acc: Accumulator, state_index: int, ind: Indicator,
                       cog: Cog | None, periods: list[Period]) -> dict[str, int]:
    """Append the rows of one indicator; return its rows excluded for want of a period date."""
    sp = acc.plan.states[state_index]
    grid = MonthGrid(acc.states[state_index], acc.month0, sp.kernel.width)
    fins = ind.measure.finalise_grid(grid, periods)
    caisses = sorted(acc.slots.items())
    for p, fin in zip(periods, fins):
        target = cog.target(ind.code, p.year) if cog else None
        excl = _exclusions(ind, grid, p)
        for code, slot in caisses:
            _add_row(rows, ind, cog, p, fin, slot, "caisse", code, target, excl)
        _add_row(rows, ind, cog, p, fin, len(fin.value) - 1, "national", None, target, excl)
    undated = int(acc.undated[state_index].sum())
    return {"date_periode_manquante": undated} if undated else {}


def _exclusions(ind: Indicator, grid: MonthGrid, p: Period) -> dict[str, np.ndarray]:
    out = ind.measure.exclusions(grid.rows(p.first_month, p.last_month))
    extra = grid.extra(p.first_month, p.last_month)
    for j, reason in enumerate(ENGINE_REASONS):
        out[reason] = extra[:, j]
    return out


def _add_row(rows: Rows, ind: Indicator, cog: Cog | None, p: Period, fin: Finalised, i: int,
             level: str, caisse: str | None, target, excl: dict[str, np.ndarray]) -> None:
    value = _num(fin.value[i])
    statut, motif, met, gap = status_of(value, target, ind, p.year, fin.reason[i])
    counts = {r: int(c[i]) for r, c in excl.items() if c[i]}
    rows.add(indicateur=ind.code, libelle=ind.libelle, cog=cog.code if cog else None,
             niveau=level, caisse=caisse, periode=p.label, debut=p.start, fin=p.end,
             valeur=value, numerateur=_num(fin.numerator[i]),
             denominateur=_num(fin.denominator[i]), n=int(fin.n[i]), unite=ind.unit,
             sens=ind.direction, cible=target.reference if target else None,
             cible_libelle=target.label if target else None,
             cible_type=target.kind if target else None, atteint=met, ecart=gap,
             statut=statut, motif=motif, n_exclus=sum(counts.values()),
             exclusions=json.dumps(counts, ensure_ascii=False, sort_keys=True),
             details=fin.details[i] if fin.details else None)
