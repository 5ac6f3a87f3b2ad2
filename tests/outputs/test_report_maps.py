"""The HTML report's maps and words as a reviewer reads them.

A project with hand-placed squares (EPSG:4545, metres): demolition D1 (40 m) holds two compensation
parcels on the same 10 m square at +10 m/+10 m: K0 without a date (OVL001 alone: the order is
unknown) and K1 registered 2023, after the 2022 acceptance (OVL005 alone);
construction C1 (30 m) overlaps illegal-land polygon W1 (20 m, at +20 m/+10 m, 10 m of it east of
C1: OVL004); construction C2 is a 100 m × 0.05 m sliver (GEOM005, a warning). The maps are
checked by the relative pixel geometry of the drawn squares, which the known layout fixes
independently of the drawing code.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from landlink_gis.outputs.html import render_html
from landlink_gis.run.runner import check
from tests.support.geoms import rect, square
from tests.support.helpers import frame, write_project

ASCII_WORD = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("maps")
    layers = {
        "demolition": frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 40)}]),
        "construction": frame(
            [
                {"DKBH": "C1", "DLBM": "0103", "JXLX": "城镇", "geometry": square(200, 0, 30)},
                {"DKBH": "C2", "DLBM": "0103", "JXLX": "城镇", "geometry": rect(400, 0, 100, 0.05)},
            ]
        ),
        "compensation": frame(
            [
                {"DKBH": "K0", "RKSJ": "", "geometry": square(10, 10, 10)},
                {"DKBH": "K1", "RKSJ": "2023-01-10", "geometry": square(10, 10, 10)},
            ]
        ),
        "illegal_land": frame([{"DKBH": "W1", "geometry": square(220, 10, 20)}]),
    }
    facts = {
        "profile": "sichuan",
        "poverty_county": True,
        "accepted": dt.date(2022, 3, 1),
        "county": "巴州区",
    }
    path = write_project(
        folder,
        layers,
        project=facts,
        rules={"select": ["OVL001", "OVL004", "OVL005", "GEOM005"]},
        fmt="gpkg",
    )
    return check(path, lang="zh")


@pytest.fixture(scope="module")
def page(result):
    return render_html(result)


def _figure(page: str, result, rule_id: str) -> str:
    fid = result.findings.loc[result.findings["rule_id"] == rule_id, "finding_id"].iloc[0]
    return re.search(
        rf"<figure class='zoom-map [^']*' id='map-{fid}'.*?</figure>", page, re.S
    ).group(0)


def _box(figure: str, layer: str) -> tuple[float, float, float, float]:
    """Pixel bounds (left, top, right, bottom) of the paths of one map layer."""
    group = re.search(rf'<g class="lyr" data-layer="{layer}">(.*?)</g>', figure, re.S).group(1)
    xy = [
        tuple(map(float, p.split()))
        for d in re.findall(r'<path d="([^"]+)"', group)
        for p in re.findall(r"[ML]([-\d. ]+)", d)
    ]
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    return min(xs), min(ys), max(xs), max(ys)


def test_findings_as_planted(result):
    by_rule = result.findings.groupby("rule_id")["severity"].first().to_dict()
    assert by_rule == {
        "OVL001": "error",
        "OVL004": "error",
        "OVL005": "error",
        "GEOM005": "warning",
    }


@pytest.mark.parametrize("rule_id", ["OVL001", "OVL005"])
def test_compensation_parcel_drawn_on_its_map(page, result, rule_id):
    fig = _figure(page, result, rule_id)
    left, top, right, bottom = _box(fig, "plot")  # D1, 40 m
    k_left, k_top, k_right, k_bottom = _box(fig, "other")  # K1, 10 m at +10 m east and north
    unit = (right - left) / 40  # pixels per metre; north up, y grows downwards
    assert bottom - top == pytest.approx(right - left, abs=0.2)
    assert (k_right - k_left, k_bottom - k_top) == (
        pytest.approx(10 * unit, abs=0.2),
        pytest.approx(10 * unit, abs=0.2),
    )
    assert k_left - left == pytest.approx(
        10 * unit, abs=0.2
    ) and bottom - k_bottom == pytest.approx(10 * unit, abs=0.2)
    # its outline is drawn again above the red overlap (here the overlap is the whole parcel)
    assert fig.index('data-layer="other-outline"') > fig.index('data-layer="problem"')
    # K0 has no date (OVL001 alone), K1 is dated after the acceptance (OVL005 alone)
    assert f"占补平衡已用地 {'K0' if rule_id == 'OVL001' else 'K1'}" in fig


def test_illegal_land_polygon_drawn_whole_not_only_the_overlap(page, result):
    fig = _figure(page, result, "OVL004")
    left, top, right, bottom = _box(fig, "plot")  # C1, 30 m
    w_left, w_top, w_right, w_bottom = _box(fig, "other")  # W1, 20 m at +20 m east, +10 m north
    o_left, _, o_right, _ = _box(fig, "problem")  # the overlap: C1 ∩ W1, 10 m wide
    unit = (right - left) / 30
    assert w_right - w_left == pytest.approx(20 * unit, abs=0.2) and w_left - left == pytest.approx(
        20 * unit, abs=0.2
    )
    assert w_right - right == pytest.approx(
        10 * unit, abs=0.2
    )  # the part of W1 outside the plot is on the map
    assert o_right - o_left == pytest.approx(10 * unit, abs=0.2)
    assert bottom - w_bottom == pytest.approx(10 * unit, abs=0.2)
    assert "违法违规用地 W1" in fig


def test_labels_above_every_fill_with_a_halo(page, result):
    for rule_id in ("OVL001", "OVL004", "OVL005", "GEOM005"):
        fig = _figure(page, result, rule_id)
        svg = fig[fig.index("<svg") : fig.index("</svg>")]
        labels = svg.index('<g class="labels">')
        assert labels > svg.rindex(
            '<g class="lyr"'
        )  # drawn after the last layer: no fill covers them
        texts = re.findall(r'<text [^>]*class="lbl"[^>]*>', svg)
        assert texts and all(
            'fill="#111111"' in x and 'stroke="#ffffff"' in x and 'paint-order="stroke"' in x
            for x in texts
        )
        assert svg.count('class="lbl"') == svg[labels:].count('class="lbl"')


def test_warnings_get_maps_and_rows_link_both_ways(page, result):
    assert re.search(
        r"<figure class='zoom-map sev-warning' id='map-[^']+' data-rule='GEOM005'", page
    )
    for fid in result.findings["finding_id"]:
        assert f"id='f-{fid}'" in page
    for fid in result.findings.loc[result.findings["severity"] != "info", "finding_id"]:
        assert f"href='#map-{fid}'" in page and f"href='#f-{fid}'" in page
    # every in-page link has its target
    ids = set(re.findall(r"""\bid=['"]([^'"]+)['"]""", page))
    targets = set(re.findall(r"""href=['"]#([^'"]+)['"]""", page))
    assert targets and targets <= ids, targets - ids


def test_overview_marks_labels_and_links_every_plot(page, result):
    overview = re.search(r"<figure id='overview-map'>.*?</figure>", page, re.S).group(0)
    labels = re.findall(r'class="lbl"[^>]*>([^<]+)</text>', overview)
    assert sorted(labels) == ["C1", "C2", "D1"]  # room for all three: every plot labelled
    f = result.findings
    for pid, sev in (("D1", "error"), ("C1", "error")):
        # its mark is an error dot linked to its first error finding
        fids = f.loc[(f["plot_id"] == pid) & (f["severity"] == sev), "finding_id"].tolist()
        group = re.search(r'data-layer="mark-error">(.*?)</g>', overview).group(1)
        assert any(f'<a href="#f-{fid}"><circle' in group for fid in fids), (pid, group)
    c2 = f.loc[f["plot_id"] == "C2", "finding_id"].iloc[0]
    assert f'<a href="#f-{c2}"><circle' in re.search(
        r'data-layer="mark-warning">(.*?)</g>', overview
    ).group(1)
    assert "有错误的地块" in overview and "有警告的地块" in overview
    # the plot row lists its findings, linked
    row = re.search(r"<tr id='plot-demolition-0'>.*?</tr>", page).group(0)
    assert "拆旧地块" in row and "OVL001" in row and "OVL005" in row and "href='#f-" in row


def _cell(page: str, fact: str) -> str:
    return re.search(rf"<tr data-fact='{fact}'><th>[^<]*</th><td>([^<]*)</td>", page).group(1)


def test_reviewer_text_is_chinese(page, result):
    assert _cell(page, "profile") == "四川省" and _cell(page, "poverty_county") == "是"
    # the run time in Beijing time, converted here with the time-zone database as a second method
    finished = dt.datetime.fromisoformat(result.run_info["finished"]).astimezone(
        ZoneInfo("Asia/Shanghai")
    )
    assert _cell(page, "checked") == finished.strftime("%Y-%m-%d %H:%M:%S") + "（北京时间）"
    # the inputs table names layers in Chinese
    roles = re.findall(r"<tr data-role='(\w+)'><td>([^<]*)</td>", page)
    assert {r for r, _ in roles} == {"demolition", "construction", "compensation", "illegal_land"}
    assert all(label and not ASCII_WORD.search(label) for _, label in roles), roles
    # finding rows: layer columns Chinese, units printed as m²
    for fid in result.findings["finding_id"]:
        row = re.search(rf"<tr id='f-{fid}'>(.*?)</tr>", page).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        assert not ASCII_WORD.search(cells[1]) and not ASCII_WORD.search(cells[3]), cells
        assert cells[7] in ("m²", "比值")
    assert "sichuan" not in page.split("<footer>")[0].replace("rule-", "")


def test_clean_report_has_no_empty_map_heading(tmp_path):
    layers = {"demolition": frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 50)}])}
    result = check(write_project(tmp_path, layers, rules={"select": ["GEOM001"]}), lang="zh")
    page = render_html(result)
    # only GEOM001 ran: no error, but the check is incomplete (never 可以报备)
    assert "结论：检查不完整，暂不能报备" in page
    assert "zoom-map" not in page and "错误与警告问题详图" not in page
    assert "项目区总览" in page and "id='overview-map'" in page


def test_unknown_area_in_the_balance_is_marked_with_its_reason(tmp_path):
    layers = {
        "demolition": frame(
            [
                {"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 50)},
                {"DKBH": "D2", "DLBM": "0702", "geometry": None},
            ]
        ),
        # 3600 m² of construction > the 2500 m² of D1: only D2's unknown area could make up for
        # it, so the surplus is not checked (a smaller C1 would prove a surplus: a pass)
        "construction": frame([{"DKBH": "C1", "DLBM": "0103", "geometry": square(300, 0, 60)}]),
    }
    result = check(write_project(tmp_path, layers, fmt="gpkg"), lang="zh")
    page = render_html(result)
    row = re.search(r"<tr data-item='surplus_quota'>(.*?)</tr>", page).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    # the sum without D2 (D1 50 m square less C1 60 m square, ellipsoidal), never a bare figure:
    # marked 未检查 with the reason (tests/outputs/test_one_story.py compares every output)
    assert float(cells[2].replace(",", "")) == pytest.approx(2500 - 3600, abs=2)
    assert "未检查" in row and "not checked" not in row
    assert cells[8] == "仅供参考：不含面积无法计算的地块 D2"


def test_notebook_map_popups_in_chinese_errors_on_top(result):
    import folium

    from landlink_gis.outputs.maps_interactive import explore_result

    fmap = explore_result(result, lang="zh", tiles=None)
    layers = {c.layer_name: c for c in fmap._children.values() if isinstance(c, folium.GeoJson)}
    features = layers["问题"].data["features"]
    props = [f["properties"] for f in features]
    assert [p["severity"] for p in props] == [
        "警告",
        "错误",
        "错误",
        "错误",
    ]  # drawn in this order: errors last
    assert {p["layer"] for p in props} == {"拆旧地块", "建新地块"} and {
        p["unit"] for p in props
    } == {"m²"}
    plots = [f["properties"]["ll_status"] for f in layers["建新地块"].data["features"]]
    assert set(plots) <= {"通过", "警告", "错误"} and "错误" in plots
    style = layers["问题"].style_function
    assert style({"properties": {"severity_code": "info"}})["fillOpacity"] == 0.0
    assert style({"properties": {"severity_code": "error"}})["fillOpacity"] > 0


def test_printed_summary_names_the_profile_in_chinese(result):
    from landlink_gis.outputs.summary import summary_text

    text = summary_text(result, lang="zh")
    assert text.splitlines()[0].startswith("结论：")  # the verdict first
    assert "省级规则 四川省" in text.splitlines()[1] and "sichuan" not in text
    assert "profile Sichuan" in summary_text(result, lang="en").splitlines()[1]
