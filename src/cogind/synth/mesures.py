"""The ``mesures`` table: a monthly series per reported measure that an indicator reads.

Measures come from the registry (served.py), never from a list here: each gets, per caisse (or
nationally) and month, a numerator and denominator (RatioOfSums), a value (Sum, Stock) or a bare
row (Count), whose national level follows the targets the COGs give its indicator.
"""
from __future__ import annotations

import functools
import zlib

import numpy as np

from cogind.synth.calendar import first_day_of_month
from cogind.synth.reseau import Network
from cogind.synth.served import MeasurePlan, _value

DEN_PER_MONTH = 120_000  # national denominator of a ratio per month (a count: files, hours...)
RATIO_SPREAD, SUM_SPREAD, STOCK_SPREAD = 0.4, 0.15, 0.2
JITTER_LOGIT, JITTER_REL = 0.08, 0.02  # yearly national level around its target
STOCK_GROWTH = 0.05  # per year, before the first and after the last target
REFERENCE_YEAR = 2023
SHARE_CEILING = 0.99  # national level of a share whose target is 100 % (every caisse below)
UNDERLYING_RATIO = 50.0  # level (in the ratio's unit) of an evolution's base year


def _default(plan: MeasurePlan) -> float:
    if plan.family == "ratio":
        if "%" in plan.unit:
            return 80.0 if plan.direction == "hausse" else 10.0
        return 100.0
    if plan.family == "stock":
        return 1e8 if "euro" in plan.unit else 1e6
    return 1e7 if "euro" in plan.unit else 1e5


def _underlying(plan: MeasurePlan) -> float:
    return UNDERLYING_RATIO * plan.scale / 100 if plan.family == "ratio" else _default(plan)


def _interp(points: dict[int, float], year: int) -> float:
    xs = sorted(points)
    return float(np.interp(year, xs, [points[x] for x in xs]))


def national_level(plan: MeasurePlan, year: int) -> float:
    """The national value the series aims at in ``year`` (docs/generate.md, ``mesures``)."""
    evolution = plan.evolution
    changes = [t for t in plan.targets if t[1] == "evolution" and t[2] is not None]
    if evolution is None and changes and len(changes) == len(plan.targets):
        # a plain measure whose COG states its targets as changes (« -5 % vs 2021 »)
        evolution = changes[0][5] if changes[0][5] is not None else "annee_precedente"
    kinds = ("evolution",) if evolution is not None else (
        "niveau", "minimum", "maximum", "intervalle")
    targets = {t[0]: _value(t) for t in plan.targets if t[1] in kinds and _value(t) is not None}
    return max(_level(plan, year, evolution, targets), 0.0)


def _level(plan: MeasurePlan, year: int, evolution, targets: dict[int, float]) -> float:
    if evolution is not None:
        base = _underlying(plan)
        if not targets:
            return base
        if evolution == "annee_precedente":
            ref = min(targets) - 1
            level = base
            for y in range(ref + 1, year + 1):
                level = level + _interp(targets, y) if plan.points else (
                    level * (1 + _interp(targets, y) / 100))
            for y in range(year + 1, ref + 1):
                level = level - _interp(targets, y) if plan.points else (
                    level / (1 + _interp(targets, y) / 100))
            return level
        targets = {**targets, int(evolution): 0.0}
        if plan.points:
            return base + _interp(targets, year) * plan.scale / 100
        return base * (1 + _interp(targets, year) / 100)
    if not targets:
        if plan.family == "stock":
            return _default(plan) * (1 + STOCK_GROWTH) ** (year - REFERENCE_YEAR)
        return _default(plan)
    level = _interp(targets, year)
    if plan.family == "stock":
        first, last = min(targets), max(targets)
        level *= (1 + STOCK_GROWTH) ** (min(year - first, 0) + max(year - last, 0))
    return level


def _sign(plan: MeasurePlan) -> float:
    return 1.0 if plan.direction == "hausse" else -1.0


def _round(plan: MeasurePlan, x: np.ndarray) -> np.ndarray:
    return np.round(x, 2 if "euro" in plan.unit or plan.family == "ratio" else 0)


def _share(plan: MeasurePlan) -> bool:
    """A share of its denominator (« part des patients en ALD … », « % de la population … »,
    ``RatioOfSums(share=True)``): MES_NUM ≤ MES_DEN in every cell, even where the COG's target
    is 100 %; other ratios (« taux d'atteinte des économies », Ondam) may exceed it."""
    return plan.family == "ratio" and plan.share


def _ratio(rng, plan, year, net, weights, effect):
    """(numerator, denominator) per cell (12 x caisses), Σ num / Σ den on the year's level."""
    shape = weights.shape
    den = np.maximum(np.round(DEN_PER_MONTH * weights * np.exp(0.1 * rng.standard_normal(shape))),
                     1.0)
    r = max(national_level(plan, year) / plan.scale, 1e-6)
    if _share(plan) and r >= 1:
        r = SHARE_CEILING
    noise = 0.1 * rng.standard_normal(shape)
    if 0 < r < 1:
        x = np.log(r / (1 - r)) + JITTER_LOGIT * rng.uniform(-1, 1)
        goal = 1 / (1 + np.exp(-x))
        x = RATIO_SPREAD * _sign(plan) * effect + noise
        lo, hi = -30.0, 30.0
        for _ in range(60):
            mid = (lo + hi) / 2
            got = np.sum(den / (1 + np.exp(-(x + mid)))) / den.sum()
            lo, hi = (mid, hi) if got < goal else (lo, mid)
        share = 1 / (1 + np.exp(-(x + lo)))
    else:
        share = np.exp(RATIO_SPREAD * _sign(plan) * effect / 4 + noise / 2)
        share *= r * (1 + JITTER_REL * rng.uniform(-1, 1)) * den.sum() / np.sum(den * share)
    return np.round(den * share, 2), den


def _flow(rng, plan, year, net, weights, effect):
    """Monthly values whose yearly national total is the year's level."""
    total = national_level(plan, year) * (1 + JITTER_REL * rng.uniform(-1, 1))
    v = weights * np.exp(SUM_SPREAD * _sign(plan) * effect + 0.15 * rng.standard_normal(
        weights.shape))
    return _round(plan, v * total / v.sum())


def _stock(plan, year, weights, effect):
    """Month-end levels growing from last December's level to this December's."""
    share = weights[0] * np.exp(STOCK_SPREAD * _sign(plan) * effect[0])
    share = share / share.sum()
    before, after = national_level(plan, year - 1), national_level(plan, year)
    path = before + (after - before) * np.arange(1, 13) / 12
    return _round(plan, path[:, None] * share[None, :])


@functools.cache
def series(plan: MeasurePlan, year: int, net: Network):
    """Cells of one measure in ``year``: (caisse or -1, month 0-11, {column: values})."""
    rng = np.random.default_rng([net.seed, 0x4D4553, zlib.crc32(plan.code.encode()), year])
    k = 1 if plan.national else len(net.codes)
    weights = np.ones((12, 1)) if plan.national else np.tile(net.weights, (12, 1))
    effect = (np.zeros((12, 1)) if plan.national else
              np.tile(net.effect("mesure_" + plan.code), (12, 1)))
    cols: dict[str, np.ndarray] = {}
    if plan.family == "ratio":
        cols["MES_NUM"], cols["MES_DEN"] = _ratio(rng, plan, year, net, weights, effect)
        cols["MES_VAL"] = np.round(cols["MES_NUM"] / cols["MES_DEN"] * plan.scale, 2)
    elif plan.family in ("sum", "stock"):
        val = (_flow(rng, plan, year, net, weights, effect) if plan.family == "sum"
               else _stock(plan, year, weights, effect))
        cols = {"MES_VAL": val, "MES_NUM": val, "MES_DEN": np.ones_like(val)}
    else:
        cols = {c: np.ones((12, k)) for c in ("MES_NUM", "MES_DEN", "MES_VAL")}
    own = {"ratio": ("MES_NUM", "MES_DEN"), "sum": ("MES_VAL",), "stock": ("MES_VAL",),
           "count": ()}[plan.family]
    keep = set(own) | set(plan.columns)
    caisse = np.tile(np.arange(k) if not plan.national else np.array([-1]), 12)
    month = np.repeat(np.arange(12), k)
    return caisse, month, {c: (v.ravel() if c in keep else None) for c, v in cols.items()}


def cells_per_year(plans: tuple[MeasurePlan, ...], net: Network) -> int:
    """Rows of one year with one line per measure, caisse (or nation) and month."""
    return 12 * sum(1 if p.national else len(net.codes) for p in plans)


@functools.cache
def year_grid(plans: tuple[MeasurePlan, ...], year: int, net: Network):
    """Every cell of ``year`` ordered by month, measure, caisse."""
    parts = [(i, *series(p, year, net)) for i, p in enumerate(plans)]
    code = np.concatenate([np.full(len(c), i, np.int16) for i, c, _, _ in parts])
    caisse = np.concatenate([c for _, c, _, _ in parts])
    month = np.concatenate([m for _, _, m, _ in parts])
    cols = {}
    for name in ("MES_NUM", "MES_DEN", "MES_VAL"):
        vals = [v[name] if v[name] is not None else np.full(len(c), np.nan)
                for _, c, _, v in parts]
        cols[name] = np.concatenate(vals)
    order = np.lexsort((caisse, code, month))
    return code[order], caisse[order], month[order], {k: v[order] for k, v in cols.items()}


def make(rng: np.random.Generator, n: int, year: int, net: Network, first: int = 0,
         since: int = 0, ctx=None):
    """Rows ``ctx.offset`` to ``+ n`` of ``year``: every cell, split in lines when more rows
    are asked for than cells (a measure reported by several services adds up the same)."""
    plans = ctx.catalogue.measures
    code, caisse, month, vals = year_grid(plans, year, net)
    cells = len(code)
    total = ctx.year_rows or max(cells, ctx.offset + n)
    lines = total // cells + (np.arange(cells) < total % cells)
    start = np.concatenate([[0], np.cumsum(lines)[:-1]])
    rows = np.arange(ctx.offset, ctx.offset + n)
    cell = np.searchsorted(start, rows, side="right") - 1
    j, k = rows - start[cell], lines[cell]
    cols = {"ORG_CLE_NUM": np.maximum(caisse[cell], 0).astype(np.int8),
            "MES_MOI_DTD": np.array([first_day_of_month(year, m) for m in range(12)],
                                    np.int32)[month[cell]],
            "MES_COD": code[cell]}
    nulls = {"ORG_CLE_NUM": caisse[cell] < 0}
    for name, v in vals.items():
        cents = np.round(v[cell] * 100)
        part = np.floor(cents / k) + (j < np.nan_to_num(cents) % k)
        cols[name] = np.where(np.isnan(cents), 0.0, part / 100)
        nulls[name] = np.isnan(cents)
    return cols, nulls
