"""Charts of the HTML report, written as inline SVG by hand: text is ``<text>`` (selectable, found
by Ctrl+F), every mark has a ``<title>`` tooltip, sizes are CSS pixels (``width``/``height`` equal
the ``viewBox``, so an 11 px label is displayed at 11 px). No font, no script, no network: the
SVG inherits the page's font. Output is deterministic (no date, no random id).
"""
from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from cogind.formatting import number

MAP_WIDTH, MAP_HEIGHT = 640, 520
FONT = 11  # px, every label of every chart
# gap classes of the map, best first; the colour is in the CSS (.g0 … .g5)
GAP_CLASSES = ("atteinte, marge ≥ 5 %", "atteinte, marge < 5 %", "manquée de moins de 5 %",
               "manquée de 5 à 15 %", "manquée de plus de 15 %",
               "sans chiffre publié ou sans cible")


@dataclass(frozen=True)
class Point:
    """One period of a trend: label, value, target, tooltip."""

    label: str
    value: float | None
    target: float | None
    tip: str


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round axis ticks covering [lo, hi] (1, 2, 2.5, 5 × 10^k steps)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        lo, hi = lo - (abs(lo) or 1) * 0.1, hi + (abs(hi) or 1) * 0.1
    raw = (hi - lo) / max(count - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    start = math.floor(lo / step) * step
    ticks, t = [], start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(t, 10))
    return ticks


def _scale(values: list[float], height: float, top: float):
    ticks = nice_ticks(min(values), max(values))
    lo, hi = ticks[0], ticks[-1]
    span = (hi - lo) or 1.0
    return ticks, (lambda v: top + height - (v - lo) / span * height)


def sparkline(values: list[float | None], targets: list[float | None], tip: str,
              width: int = 120, height: int = 28) -> Markup:
    """A tiny national trend (line) with its target (dashed); the tooltip says it in words."""
    known = [v for v in values + targets if v is not None]
    if not known:
        return Markup("")
    _, y = _scale(known, height - 6, 3)
    step = (width - 8) / max(len(values) - 1, 1)
    parts = [f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} '
             f'{height}" role="img"><title>{escape(tip)}</title>']
    for series, cls in ((targets, "tg"), (values, "nat")):
        pts = [f"{_f(4 + i * step)},{_f(y(v))}" for i, v in enumerate(series) if v is not None]
        if len(pts) > 1:
            parts.append(f'<polyline class="{cls}" points="{" ".join(pts)}"/>')
        if cls == "nat" and pts:
            x_, y_ = pts[-1].split(",")
            parts.append(f'<circle class="nat" cx="{x_}" cy="{y_}" r="2.5"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_chart(points: list[Point], unit: str, caption: str) -> Markup:
    """National value per period (line and dots with tooltips), target per period (dashed),
    axis labels as text."""
    known = [v for p in points for v in (p.value, p.target) if v is not None]
    if not known:
        return Markup("")
    width, height, left, right, top, bottom = 760, 230, 78, 12, 12, 44
    plot_h, plot_w = height - top - bottom, width - left - right
    ticks, y = _scale(known, plot_h, top)
    step = plot_w / max(len(points), 1)
    x = [left + step * (i + 0.5) for i in range(len(points))]
    out = [f'<svg class="trend" width="{width}" height="{height}" viewBox="0 0 {width} '
           f'{height}" role="img" aria-label="{escape(caption)}">']
    for t in ticks:
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_f(y(t))}" '
                   f'y2="{_f(y(t))}"/><text x="{left - 6}" y="{_f(y(t) + 4)}" '
                   f'text-anchor="end">{escape(number(t, unit, places=_places(ticks)))}</text>')
    every = max(1, math.ceil(len(points) / 12))
    for i, p in enumerate(points):
        if i % every == 0:
            out.append(f'<text x="{_f(x[i])}" y="{height - bottom + 16}" text-anchor="middle">'
                       f'{escape(p.label)}</text>')
    tgt = [(x[i], y(p.target)) for i, p in enumerate(points) if p.target is not None]
    if tgt:
        d = "".join(f"{'M' if j == 0 else 'L'}{_f(a - step / 2)} {_f(b)}H{_f(a + step / 2)}"
                    for j, (a, b) in enumerate(tgt))
        out.append(f'<path class="tg" d="{d}"/>')
    line = [f"{_f(x[i])},{_f(y(p.value))}" for i, p in enumerate(points) if p.value is not None]
    if len(line) > 1:
        out.append(f'<polyline class="nat" points="{" ".join(line)}"/>')
    for i, p in enumerate(points):
        if p.value is not None:
            out.append(f'<circle class="nat" cx="{_f(x[i])}" cy="{_f(y(p.value))}" r="4">'
                       f'<title>{escape(p.tip)}</title></circle>')
    out.append(f'<g class="legend"><path class="nat" d="M{left + 8} {height - 8}h22"/>'
               f'<text x="{left + 36}" y="{height - 4}">national</text>'
               f'<path class="tg" d="M{left + 110} {height - 8}h22"/>'
               f'<text x="{left + 138}" y="{height - 4}">cible</text></g></svg>')
    return Markup("".join(out))


def _places(ticks: list[float]) -> int:
    """Decimals that tell the ticks apart (0 for round steps)."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    return 0 if step >= 1 else min(3, math.ceil(-math.log10(step) - 1e-9))


@functools.cache
def outlines() -> tuple[tuple[str, str, str], ...]:
    """(map id, département, SVG path) of every outline shipped in departements.csv (the
    mainland, the ``-pc`` Paris + petite couronne inset, the overseas insets)."""
    text = (Path(__file__).resolve().parent / "departements.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return tuple((r["DPT_COD"], r["NOM"], r["D"]) for r in csv.DictReader(lines, delimiter=";"))


def map_defs() -> Markup:
    """The department outlines, once per page; each map draws them with ``<use>``."""
    paths = "".join(f'<path id="d{code}" d="{d}"/>' for code, _, d in outlines())
    return Markup(f'<svg class="defs" width="0" height="0" aria-hidden="true"><defs>{paths}'
                  f'</defs></svg>')


def gap_map(cells: dict[str, int], caption: str) -> Markup:
    """Departments coloured by gap class; ``cells``: {département: class index}. A department
    without a caisse in the results is drawn empty, with a tooltip saying so; the others get
    theirs from their caisse's table row (value, n, interval, target), written by the page's
    script so that each figure is in the file once."""
    out = [f'<svg class="map" width="{MAP_WIDTH}" height="{MAP_HEIGHT}" viewBox="0 0 '
           f'{MAP_WIDTH} {MAP_HEIGHT}" role="img" aria-label="{escape(caption)}">']
    for code, name, _ in outlines():
        dept = code.split("-")[0]
        cls = cells.get(dept)
        if cls is None:
            out.append(f'<use href="#d{code}" class="g"><title>{escape(name)} : pas de caisse '
                       f'dans les résultats</title></use>')
        else:
            out.append(f'<use href="#d{code}" class="g{cls}" data-d="{escape(dept)}"/>')
    out.append('<rect class="frame" x="522" y="4" width="114" height="102"/>'
               '<text x="636" y="117" text-anchor="end">Paris, petite couronne</text>')
    out.append("</svg>")
    return Markup("".join(out))

