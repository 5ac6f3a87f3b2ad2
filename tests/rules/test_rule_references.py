"""What a reviewer reads from the rules: references cite documents and clauses, GEOS reasons in
Chinese."""

from __future__ import annotations

import re

import numpy as np
import shapely

import landlink_gis.rules  # noqa: F401 - registers the rules
from landlink_gis.rules._registry import REGISTRY
from landlink_gis.rules.geometry import translate_reasons
from landlink_gis.run.runner import check
from tests.support.geoms import BOWTIE, X0, Y0
from tests.support.helpers import frame, write_project

#: the rule families whose references this change set (the others are another engineer's)
FAMILIES = ("CRS", "GEOM", "OVL", "PLAN", "LED")
#: a document title in 《》 or a standard number, and a clause (§, 第…条, 一/二(…) or a section
#: name)
DOCUMENT = re.compile(r"《[^》]+》|TD/T \d+|GB/T \d+|OGC \S+")


def test_references_cite_documents_never_the_rulebook():
    rules = [r for r in REGISTRY.values() if r.id.startswith(FAMILIES)]
    assert len(rules) == 23  # CRS 4, GEOM 6, OVL 5, PLAN 7, LED 1
    for r in rules:
        assert "DOMAIN" not in r.reference, r.id
        assert DOCUMENT.search(r.reference), (r.id, r.reference)
    # the clause of the Ministry notice (seed 004 §三(一)) that forbids reusing 占补平衡 land
    ovl001 = REGISTRY["OVL001"].reference
    assert (
        "国土资厅函〔2014〕134号" in ovl001
        and "三(一)" in ovl001
        and "不得调入作为项目区拆旧地块" in ovl001
    )
    assert "第二十一条" in REGISTRY["GEOM004"].reference  # 002 Article 21: 界址、面积和权属清楚
    assert "二(六)" in REGISTRY["LED001"].reference and "台账" in REGISTRY["LED001"].reference


def test_no_rule_cites_the_internal_rulebook():
    """Every registered rule (all families) cites a policy document or standard, never DOMAIN.md."""
    assert len(REGISTRY) == 53
    for r in REGISTRY.values():
        assert "DOMAIN" not in r.reference, (r.id, r.reference)
        # a document title or a standard, never a bare seed number such as "004 …"
        assert DOCUMENT.search(r.reference), (r.id, r.reference)
        assert not re.match(r"\d{3}\b", r.reference), (r.id, r.reference)


def test_geos_reasons_translated_with_their_location():
    bad = np.array(
        [
            shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)]),  # bow-tie
            shapely.Polygon([(0, 0), (10, 0), (10, 10), (5, 0), (0, 10)]),  # ring touches itself
            shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(20, 20), (30, 20), (30, 30)]]),
            shapely.MultiPolygon([shapely.box(0, 0, 10, 10), shapely.box(2, 2, 3, 3)]),
        ],
        dtype=object,
    )
    reasons = shapely.is_valid_reason(bad)
    assert reasons.tolist() == [
        "Self-intersection[5 5]",
        "Ring Self-intersection[5 0]",
        "Hole lies outside shell[20 20]",
        "Nested shells[3 2]",
    ]
    zh = translate_reasons(reasons, "zh").tolist()
    assert zh == [
        "自相交，位置 [5 5]",
        "环自相交，位置 [5 0]",
        "内环（洞）位于外环之外，位置 [20 20]",
        "外环相互嵌套，位置 [3 2]",
    ]
    assert translate_reasons(reasons, "en").tolist() == reasons.tolist()
    assert translate_reasons(np.array(["Something new[1 2]"], dtype=object), "zh").tolist() == [
        "Something new[1 2]"
    ]


def test_geom001_message_is_chinese_under_zh(tmp_path):
    path = write_project(
        tmp_path,
        {"demolition": frame([{"DKBH": "D1", "DLBM": "0702", "geometry": BOWTIE}])},
        fmt="gpkg",
    )
    res = check(path, rules=["GEOM001"], lang="zh")
    message = res.findings.loc[res.findings["rule_id"] == "GEOM001", "message"].iloc[0]
    # the bow-tie crosses itself at its centre; GEOS prints the coordinates without decimals
    assert f"自相交，位置 [{X0 + 10:.0f} {Y0 + 10:.0f}]" in message
    assert not re.search(r"[A-Za-z]{3,}", message), message


def test_crs_and_sources_read_in_chinese():
    """CRS004 names the datum in Chinese with its EPSG code; PLAN005 names its source in Chinese."""
    from pyproj import CRS

    from landlink_gis.base.crs import crs_label

    assert crs_label(CRS.from_epsg(4490), "zh") == "2000国家大地坐标系地理坐标（EPSG:4490）"
    assert crs_label(CRS.from_epsg(2383), "zh") == "1980西安坐标系投影坐标（EPSG:2383）"
    assert crs_label(CRS.from_epsg(4545), "en").endswith("(EPSG:4545)")
