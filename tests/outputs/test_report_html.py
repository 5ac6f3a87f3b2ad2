"""The self-contained HTML report, opened in headless Chromium.

How the browser test works, and why: Chromium runs once with ``--dump-dom`` (the DOM after
the inline script ran) and ``--enable-logging=stderr --v=0``, which writes every console
message, uncaught exception and Content-Security-Policy violation to stderr as an
``INFO:CONSOLE`` line. The report logs nothing, so *any* such line is a failure; a control
page with a planted ``console.error``, an uncaught exception and a blocked network image
proves the detection works with the installed Chromium. The report carries a CSP of
``default-src 'none'``, so anything that would be fetched from outside (a CDN script, a tile,
a font) is blocked *and* reported on the console. A second run takes a screenshot. No
DevTools websocket client is needed, which keeps the test free of extra dependencies.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import shapely

from landlink_gis.outputs.html import render_html, write_html
from landlink_gis.outputs.svgmap import MapLayer, svg_map
from landlink_gis.run.runner import check
from tests.support.small_project import build_small_project

SECRET = "s3cr3t-pw"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
CONSOLE = re.compile(r"CONSOLE[^\]]*\]\s*(.*)")


def chromium() -> str:
    exe = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if exe is None:
        pytest.fail(
            "Chromium is not installed: run scripts/ci/system-deps.sh (apt-get install -y chromium)"
        )
    return exe


def run_chromium(page: Path, tmp: Path, *extra: str) -> tuple[str, list[str]]:
    """Open ``page``; return stdout and the console messages Chromium logged."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    proc = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, [m.group(1) for m in CONSOLE.finditer(proc.stderr)]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return check(build_small_project(tmp_path_factory.mktemp("small")))


@pytest.fixture(scope="module")
def report(result, tmp_path_factory):
    result.run_info["inputs"]["ledger"] = {
        "source": f"postgresql://u:{SECRET}@h/db",
        "sha256": None,
    }
    try:
        return write_html(result, tmp_path_factory.mktemp("html") / "report.html")
    finally:
        del result.run_info["inputs"]["ledger"]


def test_console_detection_works(tmp_path):
    page = tmp_path / "control.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta http-equiv='Content-Security-Policy' "
        "content=\"default-src 'none'; "
        "script-src 'unsafe-inline'\"></head><body><img src='https://cdn.example.com/x.png'>"
        "<script>console.error('planted-error'); missingFunction();</script></body></html>",
        encoding="utf-8",
    )
    _, console = run_chromium(page, tmp_path, "--dump-dom")
    text = "\n".join(console)
    assert "planted-error" in text and "missingFunction" in text and "cdn.example.com" in text


def test_report_loads_in_chromium_without_console_errors(report, result, tmp_path):
    dom, console = run_chromium(report, tmp_path, "--dump-dom")
    assert console == [], console
    assert 'data-ready="1"' in dom  # the inline script ran to its end
    # the balance: every figure, with BAL001's pass badge
    balance = re.search(r"<table id=\"balance-table\">(.*?)</table>", dom, re.S).group(1)
    assert balance.count("<tr data-item=") == len(result.balance)
    assert "拆旧地块面积" in balance and "b-pass" in balance
    # findings grouped by rule with counts equal to the result's
    counts = result.findings.groupby("rule_id").size()
    table = re.search(r"<table id=\"rule-counts\">(.*?)</table>", dom, re.S).group(1)
    shown = {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"#rule-(\w+)\">\1</a>.*?rule-count\">(\d+)<", table, re.S)
    }
    assert shown == counts.to_dict()
    assert {"OVL001", "OVL002", "GEOM001"} <= set(shown)
    n_errors = int((result.findings["severity"] == "error").sum())
    assert f"结论：须整改（错误 {n_errors} 条）" in dom
    # a zoomed map for every error and warning finding with a geometry, plus the overview
    shown = result.findings[result.findings["severity"].isin(["error", "warning"])]
    drawable = int((~shown.geometry.is_empty & shown.geometry.notna()).sum())
    assert drawable >= 4 and len(re.findall(r'<figure class="zoom-map ', dom)) == drawable
    assert 'id="overview-map"' in dom


def test_link_to_a_finding_opens_its_rule(report, result, tmp_path):
    # info findings sit in closed <details>; following a link to one (map, plot row) must open it
    info = result.findings[result.findings["severity"] == "info"].iloc[0]
    target = report.parent / "linked.html"
    target.write_text(report.read_text(encoding="utf-8"), encoding="utf-8")
    page = target.resolve().as_uri() + f"#f-{info['finding_id']}"
    proc = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'p'}", "--dump-dom", page],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    opened = re.search(
        rf"<details class=\"rule sev-info\" id=\"rule-{info['rule_id']}\"([^>]*)>", proc.stdout
    )
    assert opened and "open" in opened.group(1)
    closed = [
        m.group(1)
        for m in re.finditer(
            r"<details class=\"rule sev-info\" id=\"rule-(\w+)\"(?! open)", proc.stdout
        )
    ]
    assert info["rule_id"] not in closed and closed  # the others stay closed


def test_screenshot(report, tmp_path):
    from PIL import Image

    shot = tmp_path / "report.png"
    _, console = run_chromium(
        report, tmp_path, f"--screenshot={shot}", "--window-size=1280,2400", "--hide-scrollbars"
    )
    assert console == [], console
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 2400)
    colours = img.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # text, tables and maps, not a blank page
    # the red verdict banner of a failing project (#f8cbcb) is on screen
    assert any(c == (248, 203, 203) for _, c in colours)


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href", "xlink:href") and v]


def test_self_contained_and_no_password(report):
    text = report.read_text(encoding="utf-8")
    parser = _Refs()
    parser.feed(text)
    assert "link" not in parser.tags and "img" not in parser.tags and "iframe" not in parser.tags
    assert all(r.startswith("#") for r in parser.refs), parser.refs
    assert SECRET not in text and "postgresql://u:***@h/db" in text


def test_english_and_clean_report(tmp_path):
    from tests.support.geoms import square
    from tests.support.helpers import frame, write_project

    demolition = frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 50)}])
    result = check(
        write_project(tmp_path, {"demolition": demolition}, rules={"select": ["GEOM001"]}),
        lang="en",
    )
    text = render_html(result)
    # only GEOM001 was selected: no findings, yet the check is incomplete, never "ready to file"
    assert "Verdict: check incomplete, not ready to file" in text and "ready to file<" not in text
    assert "No findings." in text and "lang='en'" in text


def test_svg_map_places_geometry_by_hand():
    # 100 m square in a 120 px box with a 10 px margin: 1 px per metre, north up
    svg = svg_map(
        [MapLayer([shapely.box(0, 0, 100, 50)], name="sq")],
        (0, 0, 100, 100),
        width=120,
        height=120,
        margin=10,
    )
    d = re.search(r'<path d="([^"]+)" fill=', svg).group(1)
    coords = [tuple(map(float, p.split())) for p in re.findall(r"[ML]([\d. ]+)", d)]
    assert set(coords) == {(10.0, 110.0), (110.0, 110.0), (110.0, 60.0), (10.0, 60.0)}
    assert d.endswith("Z")
    # a point becomes a cross; a geometry outside the extent is not drawn
    svg = svg_map(
        [MapLayer([shapely.Point(50, 50), shapely.box(500, 500, 600, 600)])],
        (0, 0, 100, 100),
        width=120,
        height=120,
        margin=10,
    )
    assert "M54.0 54.0L66.0 66.0" in svg and 'cx="60.0" cy="60.0"' in svg  # (50, 50) → (60, 60) px
    assert svg.count("<path") == 2  # the cross and the scale bar; the far square is not drawn
