"""The HTML report in headless Chromium, driven through the DevTools protocol over a pipe
(``--remote-debugging-pipe``, standard library only): screenshot, no console error, no network
request, the filter and the sort typed and clicked as a user would, the tooltips of the map and
the figures shown against the results table."""
from __future__ import annotations

import base64
import csv
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pyarrow.compute as pc
import pytest

import cogind
import cogind.formatting
from cogind.cli import sample_path
from cogind.report.html import build_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium browser installed "
                                "(apt-get install chromium) to render the report")
SHOWN = ["APPELS_TAUX_ABOUTIS", "IJ_MAL_DELAI_MOYEN", "C2S_DELAI_D9"]
CODE = "APPELS_TAUX_ABOUTIS"
CAISSES = Path(cogind.__file__).parent / "synth" / "caisses.csv"


class Browser:
    """One headless Chromium and one page, spoken to in CDP JSON messages separated by NUL."""

    def __init__(self, profile: Path):
        to_chrome, self._w = os.pipe()
        self._r, from_chrome = os.pipe()

        def fds():  # Chromium reads commands on fd 3 and writes replies on fd 4
            high = os.dup(to_chrome), os.dup(from_chrome)  # dup2 onto itself keeps CLOEXEC
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--disable-background-networking", "--disable-component-update", "--no-first-run",
             "--disable-sync", "--host-resolver-rules=MAP * ~NOTFOUND", "--hide-scrollbars",
             f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome)
        os.close(from_chrome)
        self._id, self._buf, self.events, self.session = 0, b"", [], None
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target,
                                 flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._r], [], [], max(0.0, deadline - time.time()))
            if not ready:
                raise TimeoutError("no reply from chromium")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, timeout: float = 60, **params):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        deadline = time.time() + timeout
        for e in self.events:
            if e.get("method") == method:
                return e
        while True:
            e = self._read(deadline)
            self.events.append(e)
            if e.get("method") == method:
                return e

    def js(self, expression: str):
        out = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                        awaitPromise=True)
        if "exceptionDetails" in out:
            raise RuntimeError(out["exceptionDetails"])
        return out["result"].get("value")

    def click(self, selector: str) -> None:
        box = self.js(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                      f".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left",
                      clickCount=1)

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._w)
        os.close(self._r)


@pytest.fixture(scope="module")
def results():
    return cogind.compute(sample_path(), period="quarter", years=2024, secret=11,
                          indicators=SHOWN)


@pytest.fixture(scope="module")
def page(results, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    html = tmp / "rapport.html"
    html.write_text(build_report(results), encoding="utf-8")
    browser = Browser(tmp / "profile")
    try:
        browser.call("Emulation.setDeviceMetricsOverride", width=1280, height=1800,
                     deviceScaleFactor=1, mobile=False)
        browser.call("Page.navigate", url=html.resolve().as_uri())
        browser.wait_for("Page.loadEventFired")
        yield browser
    finally:
        browser.close()


def _rows(results, code: str) -> list[dict]:
    t = results.filter(pc.and_(pc.equal(results["indicateur"], code),
                               pc.equal(results["niveau"], "caisse")))
    t = t.filter(pc.equal(t["periode"], "2024-T4"))
    return t.to_pylist()


def _visible(browser: Browser) -> list[list[str]]:
    return browser.js(f"[...document.querySelectorAll('#t-{CODE} tbody tr')]"
                      f".filter(tr => getComputedStyle(tr).display !== 'none')"
                      f".map(tr => [...tr.cells].map(c => c.textContent))")


def test_no_console_error_and_no_network(page):
    page.js("1")  # flush the events of the load
    errors = [e for e in page.events
              if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Runtime.consoleAPICalled"
                  and e["params"]["type"] in ("error", "warning", "assert"))
              or (e.get("method") == "Log.entryAdded"
                  and e["params"]["entry"]["level"] in ("error", "warning"))]
    assert errors == []
    urls = [e["params"]["request"]["url"] for e in page.events
            if e.get("method") == "Network.requestWillBeSent"]
    assert urls and all(u.startswith("file:") for u in urls), urls


def test_screenshot(page, tmp_path):
    from test_report import pixel_counts

    shot = page.call("Page.captureScreenshot", format="png")
    path = tmp_path / "shot.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    width, height, counts = pixel_counts(path)
    assert (width, height) == (1280, 1800)
    white = counts.get(b"\xff\xff\xff", 0) / (width * height)
    assert len(counts) > 100 and white < 0.97, (len(counts), white)
    page.js(f"document.getElementById('{CODE}').scrollIntoView()")
    shot = page.call("Page.captureScreenshot", format="png")
    path.write_bytes(base64.b64decode(shot["data"]))
    _, _, counts = pixel_counts(path)
    # the map of the section: caisses meeting the target (greens) and missing it (reds)
    assert {b"\x1b\x5e\x20", b"\x81\xc7\x84"} & set(counts)
    assert {b"\xc6\x28\x28", b"\xe3\x5d\x5d", b"\xf4\xa3\xa3"} & set(counts)


def test_labels_are_text_of_at_least_10_px(page):
    sizes = page.js("[...document.querySelectorAll('svg text')].map(t => "
                    "t.getBoundingClientRect().height > 0 ? parseFloat(getComputedStyle(t)"
                    ".fontSize) * t.getScreenCTM().a : 99)")
    assert sizes and min(sizes) >= 10, min(sizes)
    assert page.js("window.find('CPAM du Finistère')")  # Ctrl+F finds a caisse


def test_filter_typed_in_the_search_box(page, results):
    region53 = {r["ORG_CLE_NUM"] for r in csv.DictReader(
        [line for line in CAISSES.read_text(encoding="utf-8").splitlines()
         if line and not line.startswith("#")], delimiter=";") if r["ORG_CLE_REG"] == "53"}
    expected = sorted(r["caisse"] for r in _rows(results, CODE) if r["caisse"] in region53)
    page.js(f"document.querySelector('input[data-table=\"t-{CODE}\"]').focus()")
    page.call("Input.insertText", text="bretagne")
    shown = _visible(page)
    assert sorted(r[0] for r in shown) == expected and len(expected) == 4
    assert page.js(f"document.querySelector('output[data-table=\"t-{CODE}\"]').textContent") \
        == f"4 / {len(_rows(results, CODE))} caisses"
    page.js(f"(() => {{ const i = document.querySelector('input[data-table=\"t-{CODE}\"]');"
            f" i.select(); }})()")
    page.call("Input.dispatchKeyEvent", type="keyDown", key="Backspace", code="Backspace",
              windowsVirtualKeyCode=8)
    page.call("Input.dispatchKeyEvent", type="keyUp", key="Backspace", code="Backspace",
              windowsVirtualKeyCode=8)
    assert len(_visible(page)) == len(_rows(results, CODE))
    page.js(f"(() => {{ const s = document.querySelector('select[data-table=\"t-{CODE}\"]');"
            f" s.value = 'n'; s.dispatchEvent(new Event('input')); }})()")
    missed = sorted(r["caisse"] for r in _rows(results, CODE) if r["atteint"] is False)
    assert sorted(r[0] for r in _visible(page)) == missed and missed
    page.js(f"(() => {{ const s = document.querySelector('select[data-table=\"t-{CODE}\"]');"
            f" s.value = ''; s.dispatchEvent(new Event('input')); }})()")


def test_sort_clicked_on_a_header(page, results):
    rows = _rows(results, CODE)
    published = [r for r in rows if r["valeur"] is not None and not r["masque"]]
    page.click(f"#t-{CODE} thead th:nth-child(4)")
    shown = _visible(page)
    values = [float(c[3].replace("\u202f", "").split("\u00a0")[0].replace(",", "."))
              for c in shown[:len(published)]]
    assert values == sorted(values) and len(shown) == len(rows)
    low = min(published, key=lambda r: r["valeur"])["valeur"]
    assert abs(values[0] - low) <= 0.05 + 1e-9
    assert all(c[3] == "–" for c in shown[len(published):])
    page.click(f"#t-{CODE} thead th:nth-child(4)")
    down = _visible(page)
    assert down[0][3] == shown[len(published) - 1][3]
    assert page.js(f"document.querySelector('#t-{CODE} thead th:nth-child(4)')"
                   f".getAttribute('aria-sort')") == "descending"
    page.click(f"#t-{CODE} thead th:nth-child(1)")
    assert [r[0] for r in _visible(page)] == sorted(r["caisse"] for r in rows)


def test_map_tooltips_give_value_n_interval_and_target(page, results):
    row = next(r for r in _rows(results, CODE) if r["caisse"] == "01C291")  # Finistère
    tip = page.js(f"document.querySelector('#{CODE} svg.map use[data-d=\"29\"] title')"
                  f".textContent")
    assert tip.startswith("01C291 CPAM du Finistère (Bretagne) — 2024-T4")
    assert cogind.formatting.number(row["valeur"], row["unite"]) in tip
    assert f"n {cogind.formatting.number(int(row['n']))}" in tip and "IC " in tip
    label = cogind.formatting.target(row["cible_libelle"], row["cible"], row["unite"])
    assert f"cible {label}" in tip and row["statut"] in tip
