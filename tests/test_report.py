"""The HTML report: self-contained, escaped, French formats, rendered by headless Chromium."""
import re
import shutil
import struct
import subprocess
import zlib

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path
from cogind.report.html import build_report
from cogind.report.charts import caisse_chart, fr_number, trend_chart

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# days, %, a count, an evolution and a quantile: every kind of label (the whole COG takes 30 s)
SHOWN = ["C2S_DELAI_D9", "IJ_MAL_DELAI_MOYEN", "APPELS_TAUX_ABOUTIS", "COURRIELS_48H_TAUX",
         "ASSISTANTS_MEDICAUX_NB", "DEPASSEMENT_TAUX_EVOLUTION"]


@pytest.fixture(scope="module")
def results():
    return cogind.compute(sample_path(), period="quarter", years=2024, secret=11,
                          indicators=SHOWN)


@pytest.fixture(scope="module")
def page(results):
    return build_report(results)


def test_self_contained(page):
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 10
    assert not re.search(r"<script|<link|<iframe|<img|@import|url\((?!#)", page, re.I)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:|//)", page, re.I)
    external = set(re.findall(r"https?://[^\"' )>]+", page))
    assert external <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_summary_and_sections(results, page):
    assert "Synthèse" in page and "atteint(s) au niveau national" in page
    for code in set(results["indicateur"].to_pylist()):
        assert f"id='{code}'" in page
    assert "Dispersion entre caisses" in page and "Tendance nationale" in page
    assert "Provenance" in page and "sha256" in page and "secret statistique" in page


def test_french_number_formats(page):
    assert re.search(r"\d+,\d j<", page) and re.search(r"\d+,\d %<", page)
    assert fr_number(12.5, "jours") == "12,5 j" and fr_number(1234.0, "%") == "1\u202f234 %"
    assert not re.search(r">\d+\.\d+ ?(j|%)<", page)


def test_charts_are_paths_without_text_or_comments():
    svg = caisse_chart([("A", 10.0, True), ("B", 30.5, False)], 20.0, "jours", "t")
    trend = trend_chart(["2024-T1", "2024-T2"], [1.0, None], [2.0, 2.0], "%", "t2")
    for s in (svg, trend):
        assert s.startswith("<svg") and "<text" not in s and "<!--" not in s
        assert "<?xml" not in s and "<metadata" not in s and 'width="100%"' in s


def test_every_text_is_escaped(results):
    evil = "<script>alert(1)</script> & co"
    t = results.filter(pc.equal(results["indicateur"], "APPELS_TAUX_ABOUTIS"))
    t = t.set_column(t.column_names.index("libelle"), "libelle", pa.array([evil] * t.num_rows))
    html = build_report(t)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_empty_results_are_an_error(results):
    with pytest.raises(cogind.InputError):
        build_report(results.slice(0, 0))


def test_cli_report(tmp_path):
    out = tmp_path / "rapport.html"
    r = CliRunner().invoke(cli, ["report", "--sample", "--period", "year", "--indicator",
                                 "APPELS_TAUX_ABOUTIS", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "APPELS_TAUX_ABOUTIS" in out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".rapport*"))
    res = tmp_path / "r.parquet"
    assert CliRunner().invoke(cli, ["compute", "--sample", "--indicator", "C2S_DELAI_D9",
                                    "--period", "quarter", "-o", str(res)]).exit_code == 0
    r = CliRunner().invoke(cli, ["report", str(res), "-o", str(out)])
    assert r.exit_code == 0 and "C2S_DELAI_D9" in out.read_text(encoding="utf-8")
    r = CliRunner().invoke(cli, ["report", "--sample", "-o", str(tmp_path / "no" / "x.html")])
    assert r.exit_code == 1 and r.stderr.startswith("Error: output folder")


# --------------------------------------------------------------------------- in a browser


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of pixel bytes) of an 8-bit RGB or RGBA PNG, zlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        header = chunk if kind == b"IHDR" else header
        idat += chunk if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw, stride, prev, rows = zlib.decompress(idat), width * bpp, bytes(width * bpp), []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa_, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa_ <= pb and pa_ <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r[i:i + 3]) for r in rows for i in range(0, stride, bpp)]


def pixel_counts(path) -> tuple[int, int, dict[bytes, int]]:
    """(width, height, {RGB bytes: pixel count}), with Pillow if installed, else zlib."""
    try:
        from PIL import Image
    except ImportError:
        width, height, pixels = png_pixels(path.read_bytes())
        counts: dict[bytes, int] = {}
        for p in pixels:
            counts[p] = counts.get(p, 0) + 1
        return width, height, counts
    with Image.open(path) as img:
        rgb = img.convert("RGB")
        found = rgb.getcolors(maxcolors=rgb.width * rgb.height)
        return rgb.width, rgb.height, {bytes(c): n for n, c in found}


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium browser installed (apt-get install "
                    "chromium) to render the report")
def test_report_renders_in_headless_chromium(page, tmp_path):
    html = tmp_path / "rapport.html"
    html.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND",
           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
           "--window-size=1280,2000", html.resolve().as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 10_000, "no screenshot"
    width, height, counts = pixel_counts(shot)
    assert (width, height) == (1280, 2000)
    colours = set(counts)
    white = counts.get(b"\xff\xff\xff", 0) / (width * height)
    assert len(colours) > 200 and white < 0.97, (len(colours), white)
    for colour in (b"\x2e\x7d\x32", b"\xc6\x28\x28"):  # bars of caisses met / missed
        assert colour in colours
