"""References by profile: a project reads the national rules and its own province's documents,
never another province's, and no internal source tag such as 「(002)」 (DOMAIN.md §5)."""

from __future__ import annotations

import re

import pytest

import landlink_gis.rules  # noqa: F401 - registers the rules
from landlink_gis.base.profiles import PROFILE_NAMES
from landlink_gis.rules._citations import (
    BAZHONG_CASE,
    JILIN_2017,
    SHANXI_2018,
    SICHUAN_2017,
)
from landlink_gis.rules._registry import REGISTRY
from landlink_gis.run.runner import check
from tests.support.geoms import square
from tests.support.helpers import frame, write_project

#: each province's own documents, by their document numbers (written here independently of the
#: citation table: 川国土资发 is Sichuan's, 晋政办发 Shanxi's, 吉林省 in the title Jilin's)
OWN = {
    "sichuan": ("川国土资发", "四川省巴中市"),
    "shanxi": ("晋政办发",),
    "jilin": ("吉林省",),
}
TAG = re.compile(r"[（(]00\d[)）]")


def _foreign(profile: str) -> tuple[str, ...]:
    return tuple(m for p, marks in OWN.items() if p != profile for m in marks)


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_every_rule_cites_only_national_or_own_province(profile):
    for r in REGISTRY.values():
        ref = r.reference_for(profile)
        assert ref and ("《" in ref or "/T" in ref or "OGC" in ref), (r.id, ref)
        assert not TAG.search(ref), (r.id, ref)
        disabled = r.id in _disabled(profile)
        if not disabled:
            for mark in _foreign(profile):
                assert mark not in ref, (profile, r.id, ref)


def _disabled(profile: str) -> set[str]:
    from landlink_gis.base.profiles import load_profile

    return set(load_profile(profile).disable)


def test_no_source_tag_in_any_reference_title_or_message():
    for r in REGISTRY.values():
        for text in (r.reference, r.title_zh, r.message_zh, r.title_en, r.message_en):
            assert not TAG.search(text), (r.id, text)
    for doc in (SICHUAN_2017, SHANXI_2018, JILIN_2017, BAZHONG_CASE):
        assert not TAG.search(doc)


def test_the_rules_issue_24_names_read_their_own_province():
    """ATTR001/002/005, PLAN003/007 and TIME001 under sichuan: no Jilin or Shanxi document."""
    for rid in ("ATTR001", "ATTR002", "ATTR005", "PLAN003", "PLAN007", "TIME001"):
        ref = REGISTRY[rid].reference_for("sichuan")
        assert "吉林省" not in ref and "晋政办发" not in ref, (rid, ref)
    assert "川国土资发〔2017〕48号" in REGISTRY["TIME001"].reference_for("sichuan")
    assert "晋政办发〔2018〕24号" in REGISTRY["TIME001"].reference_for("shanxi")
    assert "原则上不得超过3年" in REGISTRY["TIME001"].reference_for("shanxi")
    assert "川国土资发" not in REGISTRY["TIME001"].reference_for("shanxi")


def test_bal002_bal003_cite_the_farmland_balance_not_procedure_or_price():
    """BAL002 cites the quantity balance, BAL003 the quality balance; neither the Sichuan clause
    on procedure (程序不减、质量不降) nor Jilin's price article (第十五条 流转价格)."""
    for profile in PROFILE_NAMES:
        b2 = REGISTRY["BAL002"].reference_for(profile)
        b3 = REGISTRY["BAL003"].reference_for(profile)
        assert "占多少，垦多少" in b2 and "数量" in b2, b2
        assert "质量" in b3 and "数量和质量相当" in b3, b3
        for ref in (b2, b3):
            assert "程序" not in ref and "第十五条" not in ref and "第六条" not in ref, ref
    assert "第四条(二)" in REGISTRY["BAL002"].reference_for("jilin")
    assert "第十二条" in REGISTRY["BAL003"].reference_for("jilin")
    assert "增加耕地有效面积" in REGISTRY["BAL002"].reference_for("shanxi")
    assert "提高耕地质量" in REGISTRY["BAL003"].reference_for("shanxi")


@pytest.mark.parametrize("profile", ["sichuan", "national"])
def test_a_check_prints_no_other_provinces_document(tmp_path, profile):
    """Every finding of a whole check (all rules) under a profile cites only what binds it."""
    layers = {
        "demolition": frame([{"DKBH": "D1", "DLBM": "0103", "geometry": square(0, 0, 20)}]),
        "construction": frame([{"DKBH": "C1", "DLBM": "0103", "geometry": square(100, 0, 20)}]),
    }
    path = write_project(
        tmp_path, layers, project={"profile": profile, "approved": "2019-05-06"}, fmt="gpkg"
    )
    res = check(path, lang="zh")
    assert len(res.findings)
    for ref in res.findings["reference"]:
        assert not TAG.search(ref), ref
        for mark in _foreign(profile):
            assert mark not in ref, (profile, ref)
        if profile == "national":
            assert "川国土资发" not in ref and "巴中市" not in ref, ref
