"""Maps that show the problem: zoomed maps framed on the problem, an overview whose labels never
collide (measured in Chromium).

Frames: construction plot C1 (30 m square at the origin) crosses the east edge of a development
boundary 5 km wide (PLAN003: the 20 m strip east of x = 10 is outside); demolition plot D1 (40 m
at x = 100) crosses the east edge of a county boundary 5 km wide (PLAN007: the 20 m east of
x = 120). A map framed on the boundary would be 5 km across; framed on the problem and the plot
it is the plot's size plus the margin.

Overview: 24 × 24 demolition plots of 20 m every 25 m (ids ``D-0001`` …), so that at the
overview's scale their labels would overlap, and 12 construction plots in a row below them,
each overlapping an illegal-land polygon (OVL004 errors). Chromium lays the page out; a script
added to a copy of the page measures every label's box (``getBoundingClientRect``) and writes
them into the DOM (``--dump-dom``). A control map that writes every label at its plot shows
that the measurement finds collisions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import shapely

from landlink_gis.outputs.html import render_html
from landlink_gis.outputs.svgmap import MapLayer, svg_map
from landlink_gis.run.runner import check
from tests.outputs.test_report_html import run_chromium
from tests.support.geoms import square
from tests.support.helpers import frame, write_project

MEASURE = """<script>
(function(){
  var out=[];
  var maps=document.querySelectorAll('svg.map');
  for(var m=0;m<maps.length;m++){
    var t=maps[m].querySelectorAll('text.lbl');
    for(var i=0;i<t.length;i++){var r=t[i].getBoundingClientRect();
      out.push([m,t[i].textContent,r.left,r.top,r.right,r.bottom]);}
  }
  var pre=document.createElement('pre');pre.id='measured';pre.textContent=JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def measured_labels(html: str, tmp: Path) -> list[tuple[int, str, float, float, float, float]]:
    """The label boxes of every map of ``html`` as Chromium lays them out."""
    page = tmp / "measure.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dom, console = run_chromium(page, tmp, "--dump-dom", "--window-size=1400,1000")
    assert console == [], console
    return json.loads(re.search(r"<pre id=\"measured\">(.*?)</pre>", dom, re.S).group(1))


def collisions(boxes) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if a[0] == b[0] and min(a[4], b[4]) - max(a[2], b[2]) > 0.5:
                if min(a[5], b[5]) - max(a[3], b[3]) > 0.5:
                    out.append((a[1], b[1]))
    return out


@pytest.fixture(scope="module")
def framed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("frames")
    layers = {
        "demolition": frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(100, 0, 40)}]),
        "construction": frame(
            [{"DKBH": "C1", "DLBM": "0103", "JXLX": "城镇", "geometry": square(0, 0, 30)}]
        ),
        "development_boundary": frame([{"geometry": square(-4990, -2500, 5000)}]),
        "boundary": frame([{"geometry": square(-4880, -2500, 5000)}]),
    }
    path = write_project(
        folder, layers, project={"county": "巴州区"}, rules={"select": ["PLAN003", "PLAN007"]}
    )
    result = check(path, lang="zh")
    return result, render_html(result)


def _bounds(page: str, fid: str) -> tuple[float, ...]:
    figure = re.search(rf"<figure class='zoom-map [^']*' id='map-{fid}'.*?</figure>", page, re.S)
    return tuple(map(float, re.search(r'data-bounds="([^"]+)"', figure.group(0)).group(1).split()))


@pytest.mark.parametrize(
    ("rule_id", "plot", "outside"),
    [("PLAN003", square(0, 0, 30), 20 * 30), ("PLAN007", square(100, 0, 40), 20 * 40)],
)
def test_zoom_map_framed_on_problem_and_plot(framed, rule_id, plot, outside):
    result, page = framed
    f = result.findings[result.findings["rule_id"] == rule_id]
    assert len(f) == 1, result.findings[["rule_id", "plot_id", "measured"]]
    problem = f.geometry.iloc[0]
    assert f["measured"].iloc[0] == pytest.approx(outside, rel=1e-3)  # ellipsoidal m²
    minx, miny, maxx, maxy = _bounds(page, f["finding_id"].iloc[0])
    pb = shapely.union(problem, plot).bounds
    # the frame holds the problem and the plot …
    assert minx <= pb[0] and miny <= pb[1] and maxx >= pb[2] and maxy >= pb[3]
    # … and is not much more: the plot's size and a 20 % margin (at least 15 m) each side, never
    # the 5 km boundary
    side = max(pb[2] - pb[0], pb[3] - pb[1])
    assert max(maxx - minx, maxy - miny) <= side + 2 * max(0.2 * side, 15.0) + 1e-6
    # the boundary is still drawn where it crosses the frame
    figure = re.search(rf"id='map-{f['finding_id'].iloc[0]}'.*?</figure>", page, re.S).group(0)
    assert 'data-layer="other"' in figure


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dense")
    demolition = [
        {"DKBH": f"D-{i * 24 + j + 1:04d}", "DLBM": "0702", "geometry": square(25 * j, 25 * i, 20)}
        for i in range(24)
        for j in range(24)
    ]
    construction = [
        {
            "DKBH": f"C-{k + 1:02d}",
            "DLBM": "0103",
            "JXLX": "城镇",
            "geometry": square(50 * k, -60, 20),
        }
        for k in range(12)
    ]
    illegal = [{"DKBH": f"W{k}", "geometry": square(50 * k + 10, -55, 5)} for k in range(12)]
    layers = {
        "demolition": frame(demolition),
        "construction": frame(construction),
        "illegal_land": frame(illegal),
    }
    path = write_project(folder, layers, rules={"select": ["OVL004"]}, fmt="gpkg")
    result = check(path, lang="zh")
    return result, render_html(result)


def test_overview_labels_never_collide_and_errors_come_first(dense, tmp_path):
    result, page = dense
    overview = re.search(r"<figure id='overview-map'>.*?</figure>", page, re.S).group(0)
    boxes = [b for b in measured_labels(page, tmp_path) if b[0] == 0]  # the overview is map 0
    assert boxes and collisions(boxes) == []
    labelled = {b[1] for b in boxes}
    errors = {f"C-{k + 1:02d}" for k in range(12)}
    assert set(result.findings["plot_id"]) == errors
    note = re.search(r"<p class='unlabelled'>(.*?)</p>", overview)
    unlabelled = set(note.group(1).split("：")[1].split("（")[0].split("、")) if note else set()
    assert errors <= labelled | unlabelled and len(errors & labelled) >= 10
    passes = {p for p in labelled if p.startswith("D-")}
    assert 0 < len(passes) < 576  # some pass plots labelled where there is room, most left out
    # every plot has its mark: 12 error dots linked to their findings, 576 pass dots
    errors_group = re.search(r'data-layer="mark-error">(.*?)</g>', overview).group(1)
    links = re.findall(r'<a href="#(f-[^"]+)"><circle', errors_group)
    assert sorted(links) == sorted(f"f-{x}" for x in result.findings["finding_id"])
    assert all(f"id='{a}'" in page for a in links)
    passes_group = re.search(r'data-layer="mark-pass">(.*?)</g>', overview).group(1)
    assert passes_group.count("<circle") == 576


def test_control_labels_written_at_every_plot_collide(dense, tmp_path):
    result, _ = dense
    plots = result.plots["demolition"]
    layer = MapLayer(plots.geometry.array, labels=result.plot_ids("demolition").astype(str))
    svg = svg_map([layer], plots.total_bounds, width=1100, height=700, css_class="map control")
    html = f"<!DOCTYPE html><html><head><style>svg .lbl{{font-size:11px}}</style></head><body>{svg}</body></html>"
    assert collisions(measured_labels(html, tmp_path))


def test_labels_without_room_are_left_out_and_reported():
    """Six error labels on one spot: one fits above it and one below (beside it a label would
    touch those two), so four are left out and named."""
    spot = [shapely.Point(0, 0)] * 6
    layer = MapLayer(
        spot, labels=[f"E{i}" for i in range(6)], label_rank=0, marker="dot", fill="#e31a1c"
    )
    left_out: list = []
    svg = svg_map([layer], (-100, -100, 100, 100), width=400, height=400, left_out=left_out)
    assert re.findall(r'class="lbl"[^>]*>([^<]+)<', svg) == ["E0", "E1"]
    assert sorted(t for _, t in left_out) == ["E2", "E3", "E4", "E5"]
    assert {r for r, _ in left_out} == {0}
