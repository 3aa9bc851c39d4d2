"""Charts of the HTML report as inline SVG, drawn by matplotlib without pyplot.

Text is drawn as paths (``svg.fonttype = "path"``, DejaVu Sans shipped with matplotlib), so the
SVG needs no font and no network. Labels are French: decimal comma, ``j`` for days, ``%``.
Output is deterministic (fixed hash salt, no date), and stripped of the XML prologue, metadata
and comments (matplotlib copies label text into comments) before it is inlined.
"""
from __future__ import annotations

import io
import re

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

MET, MISSED, NEUTRAL, TARGET, NATIONAL = "#2e7d32", "#c62828", "#8a8f98", "#1f3b73", "#0b5cad"
SUFFIX = {"jours": " j", "heures": " h", "%": " %", "euros": " €"}
RC = {"svg.fonttype": "path", "font.family": "DejaVu Sans", "font.size": 9,
      "axes.spines.top": False, "axes.spines.right": False}


def fr_number(value: float, unit: str = "", digits: int | None = None) -> str:
    """``12.5`` → ``12,5 j``: decimal comma, narrow no-break space for thousands."""
    if digits is None:
        digits = 0 if abs(value) >= 100 or float(value).is_integer() else 1
    text = f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    return text + SUFFIX.get(unit, "")


def _axis_formatter(unit: str) -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: fr_number(v, unit))


def _svg(fig: Figure, salt: str) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = re.sub(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->|<metadata>.*?</metadata>", "", text,
                  flags=re.S)
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                  r'<svg\1 width="100%" role="img"', text, count=1).strip()


def caisse_chart(points: list[tuple[str, float, bool | None]], target: float | None,
                 unit: str, salt: str) -> str:
    """Every published caisse value, sorted, coloured by target met, with the target line.

    ``points``: (caisse code, value, met) of one period.
    """
    points = sorted(points, key=lambda p: (p[1], p[0]))
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(11, 3.6))
        # fixed margins: a layout engine measures 100-odd tick labels again, 40 % slower
        fig.subplots_adjust(left=0.085, right=0.99, bottom=0.2, top=0.97)
        ax = fig.add_subplot()
        colours = [MET if m else MISSED if m is False else NEUTRAL for _, _, m in points]
        ax.bar(range(len(points)), [p[1] for p in points], color=colours, width=0.8)
        if target is not None:
            ax.axhline(target, color=TARGET, linestyle="--", linewidth=1.4,
                       label=f"cible {fr_number(target, unit)}")
            ax.legend(frameon=True, loc="upper left", framealpha=0.9)
        ax.set_xticks(range(len(points)), [p[0] for p in points], rotation=90,
                      fontsize=5 if len(points) > 40 else 7)
        ax.set_xlim(-0.8, max(len(points), 1) - 0.2)
        ax.yaxis.set_major_formatter(_axis_formatter(unit))
        ax.set_xlabel("caisses, classées par valeur")
        return _svg(fig, salt)


def trend_chart(periods: list[str], values: list[float | None], targets: list[float | None],
                unit: str, salt: str) -> str:
    """The national value over the periods, with the target of each period as a step line."""
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(11, 3.0), layout="constrained")
        ax = fig.add_subplot()
        x = list(range(len(periods)))
        ax.plot(x, [float("nan") if v is None else v for v in values], marker="o",
                color=NATIONAL, linewidth=1.8, markersize=4, label="national")
        if any(t is not None for t in targets):
            ax.step(x, [float("nan") if t is None else t for t in targets], where="mid",
                    color=TARGET, linestyle="--", linewidth=1.4, label="cible")
        step = max(1, len(periods) // 24)
        ax.set_xticks(x[::step], periods[::step], rotation=45 if len(periods) > 8 else 0,
                      ha="right" if len(periods) > 8 else "center")
        ax.yaxis.set_major_formatter(_axis_formatter(unit))
        ax.yaxis.set_major_locator(MaxNLocator(6))
        ax.legend(frameon=False, loc="best")
        ax.grid(axis="y", color="#e3e6ea", linewidth=0.8)
        return _svg(fig, salt)
