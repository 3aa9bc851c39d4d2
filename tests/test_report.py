"""The HTML report: one offline file from templates, escaped, French formats, the figures shown
equal to the results table (parsed back from the HTML). The browser tests are in
test_report_browser.py."""
import csv
import hashlib
import re
import struct
import zlib
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

import cogind
from cogind.cli import cli, sample_path
from cogind.analyses.gaps import gap_text
from cogind.formatting import number
from cogind.report import charts
from cogind.report.html import build_report

# days, %, a count, an evolution and a quantile: every kind of label
SHOWN = ["C2S_DELAI_D9", "IJ_MAL_DELAI_MOYEN", "APPELS_TAUX_ABOUTIS", "COURRIELS_48H_TAUX",
         "ASSISTANTS_MEDICAUX_NB", "DEPASSEMENT_TAUX_EVOLUTION"]
NOW = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
SRC = Path(cogind.__file__).parent


def referential() -> dict[str, dict[str, str]]:
    lines = [line for line in (SRC / "synth" / "caisses.csv").read_text(encoding="utf-8")
             .splitlines() if line and not line.startswith("#")]
    return {r["ORG_CLE_NUM"]: r for r in csv.DictReader(lines, delimiter=";")}


class Tables(HTMLParser):
    """Every table's body rows as lists of cell texts (SVG text inside cells left out), by the
    table's id or the row's id; the text of every h2 and of the header."""

    def __init__(self, text: str):
        super().__init__()
        self.tables, self.rows, self.h2, self.header = {}, {}, [], ""
        self._table, self._row, self._svg, self._in = None, None, 0, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self._svg += 1
        elif tag == "table":
            self._table = self.tables.setdefault(a.get("id") or f"#{len(self.tables)}", [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
            if a.get("id"):
                self.rows[a["id"]] = self._row
        elif tag in ("td", "th") and self._row is not None:
            self._row.append("")
        elif tag in ("h2", "header"):
            self._in.append(tag)
            if tag == "h2":
                self.h2.append("")

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg -= 1
        elif tag == "table":
            self._table, self._row = None, None
        elif tag == "tr":
            self._row = None
        elif tag in ("h2", "header") and self._in:
            self._in.pop()

    def handle_data(self, data):
        if self._svg:
            return
        if self._row is not None and self._row:
            self._row[-1] += data
        if "h2" in self._in:
            self.h2[-1] += data
        if "header" in self._in:
            self.header += data


@pytest.fixture(scope="module")
def results():
    return cogind.compute(sample_path(), period="quarter", years=2024, secret=11,
                          indicators=SHOWN)


@pytest.fixture(scope="module")
def page(results):
    return build_report(results, now=NOW)


@pytest.fixture(scope="module")
def parsed(page):
    return Tables(page)


def table_of(results, code, period="2024-T4", level="caisse"):
    t = results.filter(pc.and_(pc.equal(results["indicateur"], code),
                               pc.equal(results["niveau"], level)))
    return t.filter(pc.equal(t["periode"], period))


def rows_of(results, code, period="2024-T4", level="caisse"):
    return table_of(results, code, period, level).to_pylist()


def as_float(text: str) -> float:
    return float(text.replace("\u202f", "").split("\u00a0")[0].replace(",", "."))


def test_self_contained(page):
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 10
    assert page.count("<script>") == 1  # the inline filter and sort, nothing loaded
    assert not re.search(r"<script[^>]+src|<link|<iframe|<img|@import|url\(", page, re.I)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:|//)", page, re.I)
    external = set(re.findall(r"https?://[^\"' )>]+", page))
    assert external <= {"http://www.w3.org/2000/svg"}, external


def test_header_says_when_what_and_from_which_data(results, parsed):
    from cogind.api import provenance

    prov = provenance(results)
    lines = "".join(f"{name}\t{e['sha256']}\n" for name, e in sorted(prov["entrees"].items()))
    digest = hashlib.sha256(lines.encode()).hexdigest()
    head = " ".join(parsed.header.split())
    assert "Généré le 2026-01-02 03:04 UTC" in head
    assert f"cogind {cogind.__version__}" in head
    assert "données du 2024-01-01 – 2024-12-31, par trimestre" in head
    assert digest[:16] in head and len(prov["entrees"]) >= 3


def test_every_heading_names_its_period(results, parsed):
    for code in SHOWN:
        libelle = rows_of(results, code, level="national")[0]["libelle"]
        assert f"{libelle} — 2024-T4" in parsed.h2


def test_caisse_tables_show_the_results(results, parsed):
    ref = referential()
    for code in SHOWN:
        expected = {r["caisse"]: r for r in rows_of(results, code)}
        shown = {row[0]: row for row in parsed.tables[f"t-{code}"][1:]}
        assert parsed.tables[f"t-{code}"][0][7].startswith("À combler")
        assert set(shown) == set(expected) and len(shown) == 101, code
        for caisse, row in shown.items():
            r = expected[caisse]
            assert row[1] == ref[caisse]["ORG_CAI_LIB"] and row[8] == r["statut"]
            assert row[7] == gap_text(r)  # the gap in the indicator's own terms
            if r["valeur"] is None or r["masque"]:
                assert row[3] == "–" and row[4] == ("–" if r["n"] is None else str(r["n"]))
                continue
            assert row[3] == number(r["valeur"], r["unite"]), (code, caisse)
            places = len(row[3].split("\u00a0")[0].partition(",")[2])
            assert abs(as_float(row[3]) - r["valeur"]) <= 0.5 * 10 ** -places + 1e-9
            assert int(row[4].replace("\u202f", "")) == r["n"]


def test_gap_header_names_the_unit(parsed):
    assert parsed.tables["t-APPELS_TAUX_ABOUTIS"][0][7] == "À combler (cas)"
    assert parsed.tables["t-IJ_MAL_DELAI_MOYEN"][0][7] == "À combler (j en excès)"


def test_summary_shows_national_value_and_share_met(results, parsed):
    for code in SHOWN:
        row = parsed.rows[f"s-{code}"]
        nat = rows_of(results, code, level="national")[0]
        assert row[1] == "2024-T4" and row[2] == number(nat["valeur"], nat["unite"])
        assert row[4] == nat["statut"]
        caisses = table_of(results, code)
        judged = pc.sum(pc.is_valid(caisses["atteint"]).cast("int64")).as_py()
        met = pc.sum(pc.fill_null(caisses["atteint"], False).cast("int64")).as_py()
        if judged:
            assert row[6].startswith(f"{met} / {judged} ("), (code, row[6])
        else:
            assert row[6] == "–"


def test_furthest_caisses_are_the_largest_relative_misses(results, parsed):
    rows = [r for r in rows_of(results, "APPELS_TAUX_ABOUTIS")
            if r["atteint"] is False and not r["masque"]]
    far = sorted(rows, key=lambda r: (r["ecart"] / abs(r["cible"]), r["caisse"]))[:3]
    cell = parsed.rows["s-APPELS_TAUX_ABOUTIS"][7]
    assert [c.split(" ")[0] for c in cell.split("), ")] == [r["caisse"] for r in far]


def test_map_colours_each_department_by_its_gap(results, page):
    section = page[page.index("<section id=\"APPELS_TAUX_ABOUTIS\""):]
    section = section[:section.index("</section>")]
    ref = referential()
    for r in rows_of(results, "APPELS_TAUX_ABOUTIS"):
        dept = ref[r["caisse"]]["DPT_COD"]
        cls = re.search(rf'<use href="#d{dept}" class="g(\d)"', section).group(1)
        if r["valeur"] is None or r["masque"] or r["atteint"] is None:
            assert cls == "5"
        else:
            rel = r["ecart"] / abs(r["cible"])
            want = (0 if rel >= 0.05 else 1) if r["atteint"] else (
                2 if rel > -0.05 else 3 if rel > -0.15 else 4)
            assert cls == str(want), (r["caisse"], rel)


def test_french_number_formats(page):
    assert re.search(r"\d+,\d\u00a0j<", page) and re.search(r"\d+,\d\u00a0%<", page)
    assert not re.search(r">-?\d+\.\d+ ?(j|%)<", page)


def test_charts_write_text_as_text_at_11_px(page):
    trend = charts.trend_chart([charts.Point("2024-T1", 1.0, 2.0, "a"),
                                charts.Point("2024-T2", None, 2.0, "b")], "%", "t")
    assert trend.count("<text") >= 4 and "<title>a</title>" in trend
    assert re.search(r'width="(\d+)" height="(\d+)" viewBox="0 0 \1 \2"', trend)
    assert "svg text{font-size:11px" in page
    assert charts.nice_ticks(0.0, 9.3) == [0.0, 2.5, 5.0, 7.5, 10.0]
    assert charts.nice_ticks(80.2, 84.9) == [80.0, 82.0, 84.0, 86.0]
    assert charts.sparkline([None], [None], "x") == ""


def test_department_outlines_are_shipped_small_and_licensed():
    path = SRC / "report" / "departements.csv"
    assert path.stat().st_size < 300_000
    head = path.read_text(encoding="utf-8")[:1200]
    assert "Licence Ouverte" in head and "gregoiredavid/france-geojson" in head
    codes = {c for c, _, _ in charts.outlines()}
    assert {r["DPT_COD"] for r in referential().values()} <= codes
    assert all(re.fullmatch(r"(M[-\d. ]+l[-\d. ]+z)+", d) for _, _, d in charts.outlines())


def test_every_text_is_escaped(results):
    evil = "<script>alert(1)</script> & co"
    t = results.filter(pc.equal(results["indicateur"], "APPELS_TAUX_ABOUTIS"))
    t = t.set_column(t.column_names.index("libelle"), "libelle", pa.array([evil] * t.num_rows))
    html = build_report(t)
    assert html.count("<script") == 1 and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_empty_results_are_an_error(results):
    with pytest.raises(cogind.InputError):
        build_report(results.slice(0, 0))


def test_cli_report(tmp_path):
    out = tmp_path / "rapport.html"
    r = CliRunner().invoke(cli, ["report", "--sample", "--period", "year", "--indicator",
                                 "APPELS_TAUX_ABOUTIS", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "APPELS_TAUX_ABOUTIS — " not in out.read_text(encoding="utf-8")
    assert "— 2024</h2>" in out.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".rapport*"))
    res = tmp_path / "r.parquet"
    assert CliRunner().invoke(cli, ["compute", "--sample", "--indicator", "C2S_DELAI_D9",
                                    "--period", "quarter", "-o", str(res)]).exit_code == 0
    r = CliRunner().invoke(cli, ["report", str(res), "-o", str(out)])
    assert r.exit_code == 0 and 'id="t-C2S_DELAI_D9"' in out.read_text(encoding="utf-8")
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

