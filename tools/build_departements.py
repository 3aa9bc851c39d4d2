"""Build src/cogind/report/departements.csv: the simplified department outlines of the map.

Source: gregoiredavid/france-geojson ``departements-avec-outre-mer.geojson`` (IGN Admin Express
COG 2018, Licence Ouverte / Open Licence Etalab). Each department is projected (longitude scaled
by the cosine of the territory's mean latitude), fitted to its frame (mainland, an enlarged
Paris + petite couronne inset, one inset per overseas department), simplified by
Douglas-Peucker at a tolerance under one displayed pixel and written as one SVG path of relative
moves with one decimal.

    python tools/build_departements.py departements-avec-outre-mer.geojson
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "cogind" / "report" / "departements.csv"
WIDTH, HEIGHT = 640, 520
TOLERANCE = 0.45
OVERSEAS = ("971", "972", "973", "974", "976")
PETITE_COURONNE = ("75", "92", "93", "94")
# frame: (x, y, width, height) in map pixels
MAINLAND = (4, 4, 512, 512)
INSET_PC = (526, 6, 108, 96)
INSETS = {code: (542, 118 + i * 80, 76, 70) for i, code in enumerate(OVERSEAS)}
HEADER = """\
# Simplified outlines of the 101 French departments for the map of `cogind report`, as SVG
# paths in a {w}×{h} frame: the mainland, then (code suffix "-pc") Paris and the petite couronne
# enlarged, and the five overseas departments in their own insets.
# Source: https://github.com/gregoiredavid/france-geojson departements-avec-outre-mer.geojson,
# from IGN Admin Express COG 2018 and INSEE names; licence: Licence Ouverte / Open Licence
# (Etalab, https://www.etalab.gouv.fr/licence-ouverte-open-licence). Projected and simplified by
# tools/build_departements.py (Douglas-Peucker, {t} px).
"""


def _polygons(geometry: dict) -> list:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def _bbox(features: list[dict]) -> tuple[float, float, float, float]:
    pts = [p for f in features for poly in _polygons(f["geometry"]) for ring in poly for p in ring]
    return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
            max(p[1] for p in pts))


def _projection(features: list[dict], frame: tuple[int, int, int, int]):
    x0, y0, x1, y1 = _bbox(features)
    k = math.cos(math.radians((y0 + y1) / 2))
    fx, fy, fw, fh = frame
    scale = min(fw / ((x1 - x0) * k), fh / (y1 - y0))
    ox = fx + (fw - (x1 - x0) * k * scale) / 2
    oy = fy + (fh - (y1 - y0) * scale) / 2
    return lambda p: (ox + (p[0] - x0) * k * scale, oy + (y1 - p[1]) * scale)


def _simplify(points: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy) or 1e-12
        best, far = -1.0, -1
        for i in range(a + 1, b):
            px, py = points[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if (dx or dy) else math.hypot(px - ax, py - ay)
            if d > best:
                best, far = d, i
        if best > tol:
            keep[far] = True
            stack += [(a, far), (far, b)]
    return [p for p, k in zip(points, keep) if k]


def _path(feature: dict, project) -> str:
    parts = []
    for poly in _polygons(feature["geometry"]):
        for ring in poly:
            pts = _simplify([project(p) for p in ring], TOLERANCE)
            q = [(round(x * 10), round(y * 10)) for x, y in pts]
            q = [p for i, p in enumerate(q) if i == 0 or p != q[i - 1]]
            if len(q) < 4:
                continue  # an islet under a pixel
            cmd = [f"M{q[0][0] / 10:g} {q[0][1] / 10:g}l"]
            steps = [f"{(b[0] - a[0]) / 10:g} {(b[1] - a[1]) / 10:g}" for a, b in zip(q, q[1:-1])]
            parts.append(cmd[0] + " ".join(steps).replace(" -", "-") + "z")
    return "".join(parts)


def main(source: str) -> None:
    features = json.loads(Path(source).read_text(encoding="utf-8"))["features"]
    by_code = {f["properties"]["code"]: f for f in features}
    mainland = [f for c, f in by_code.items() if c not in OVERSEAS]
    rows = []
    project = _projection(mainland, MAINLAND)
    rows += [(c, f["properties"]["nom"], _path(f, project)) for c, f in sorted(by_code.items())
             if c not in OVERSEAS]
    pc = [by_code[c] for c in PETITE_COURONNE]
    project = _projection(pc, INSET_PC)
    rows += [(f"{c}-pc", by_code[c]["properties"]["nom"], _path(by_code[c], project))
             for c in PETITE_COURONNE]
    for code in OVERSEAS:
        f = by_code[code]
        rows.append((code, f["properties"]["nom"], _path(f, _projection([f], INSETS[code]))))
    text = HEADER.format(w=WIDTH, h=HEIGHT, t=TOLERANCE) + "DPT_COD;NOM;D\n"
    text += "".join(f"{c};{n};{d}\n" for c, n, d in rows)
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT}: {len(rows)} outlines, {len(text.encode()) // 1024} KiB")


if __name__ == "__main__":
    main(sys.argv[1])
