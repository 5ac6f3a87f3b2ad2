"""Tests of the land-class tables and the quality and slope scales."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from landlink_gis.base import codes

GBT_SECOND_LEVEL = (
    ["0101", "0102", "0103"]
    + [f"02{i:02d}" for i in range(1, 5)]
    + [f"03{i:02d}" for i in range(1, 8)]
    + [f"04{i:02d}" for i in range(1, 5)]
    + [f"05{i:02d}" for i in range(1, 8)]
    + [f"06{i:02d}" for i in range(1, 5)]
    + ["0701", "0702"]
    + [f"08{i:02d}" for i in range(1, 11)]
    + [f"09{i:02d}" for i in range(1, 7)]
    + [f"10{i:02d}" for i in range(1, 10)]
    + [f"11{i:02d}" for i in range(1, 11)]
    + [f"12{i:02d}" for i in range(1, 8)]
)
SANDIAO_ONLY = [
    "0201K", "0202K", "0203K", "0204K", "0301K", "0302K", "0307K", "0403K",
    "05H1", "0508", "08H1", "08H2", "08H2A", "0810A", "1104A", "1104K", "1107A",
]  # fmt: skip


def test_table_shape_and_columns():
    df = codes.land_classes()
    assert list(df.columns[:9]) == [
        "code", "name_zh", "name_en", "level", "parent",
        "cultivated", "paddy", "construction", "rural_construction_eligible",
    ]  # fmt: skip
    assert df["code"].is_unique
    assert set(df.loc[df["level"] == 1, "code"]) == {f"{i:02d}" for i in range(1, 13)}
    level2 = df[df["level"] == 2]
    assert (level2["parent"] == level2["code"].str[:2]).all()
    assert df.loc[df["level"] == 1, "parent"].isna().all()
    assert set(df["scheme"]) == {"both", "gbt", "sandiao"}


def test_table_is_a_copy():
    df = codes.land_classes()
    df.loc[0, "name_zh"] = "changed"
    assert codes.land_classes().loc[0, "name_zh"] == "耕地"


@pytest.mark.parametrize("code", GBT_SECOND_LEVEL + SANDIAO_ONLY + ["09"])
def test_every_code_is_known(code):
    assert codes.is_known(code)


def test_known_names():
    names = codes.class_name(["0101", "0702", "0701", "1104A", "0201K", "nope", None])
    assert list(names) == [
        "水田",
        "农村宅基地",
        "城镇住宅用地",
        "养殖坑塘",
        "可调整果园",
        None,
        None,
    ]
    assert codes.class_name("0103", lang="en") == "Dry land"
    with pytest.raises(ValueError, match="lang"):
        codes.class_name("0101", lang="fr")


def test_normalise_code():
    values = [" 0201k", 101, 101.0, "101", "702", "9", "１００１", "1001", "", None, np.nan, "x1"]
    expected = [
        "0201K",
        "0101",
        "0101",
        "0101",
        "0702",
        "09",
        "1001",
        "1001",
        None,
        None,
        None,
        "X1",
    ]
    assert list(codes.normalise_code(values)) == expected
    assert codes.normalise_code("201k") == "0201K"
    assert codes.normalise_code(pd.Series(["0101"], dtype="string"))[0] == "0101"
    assert codes.normalise_code([]).shape == (0,)


def test_is_known_vectorised():
    result = codes.is_known(pd.Series(["0101", "0799", None, "1104K", 103]))
    assert result.dtype == bool
    assert result.tolist() == [True, False, False, True, True]


def test_cultivated_paddy_construction():
    values = np.array(["0101", "0102", "0103", "0201", "0702", "1006", "1109", "1202", "1201", "x"])
    assert codes.is_cultivated(values).tolist() == [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert codes.is_paddy(values).tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert codes.is_construction(values).tolist() == [0, 0, 0, 0, 1, 0, 1, 0, 1, 0]
    assert codes.is_paddy("0101") is True


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("0702", True), ("0701", False), ("0601", True), ("0602", True), ("0604", True),
        ("05H1", True), ("0508", True), ("0803", True), ("08H2", True), ("0810A", True),
        ("09", True), ("0905", True), ("1004", True), ("1005", True), ("1201", True),
        ("1003", False), ("1001", False), ("1109", False), ("1006", False), ("0101", False),
        ("07", False), ("1202", False), (None, False), ("9999", False),
    ],
)  # fmt: skip
def test_rural_construction_class(code, expected):
    assert codes.is_rural_construction(code) is expected


def test_rural_construction_with_czcsxm():
    dlbm = ["0702", "0702", "0702", "0702", "0702", "0702", "0701", "0602"]
    czcsxm = ["203", "203A", "204", "204A", "201", None, "203", 204.0]
    result = codes.is_rural_construction(dlbm, czcsxm)
    assert result.tolist() == [True, True, True, True, False, False, False, True]
    assert codes.is_rural_construction(dlbm[:2], "202").tolist() == [False, False]
    assert codes.is_rural_construction("0702", " 203a ") is True
    with pytest.raises(ValueError, match="length"):
        codes.is_rural_construction(["0702"], ["203", "203"])


def test_czcsxm_table():
    df = codes.czcsxm_classes()
    assert set(df["code"]) == {"201", "202", "203", "204", "205", "201A", "202A", "203A", "204A"}
    assert set(df.loc[df["rural"], "code"]) == set(codes.RURAL_CZCSXM)
    assert codes.normalise_czcsxm([203, "203a ", None]).tolist() == ["203", "203A", None]


def test_quality_scales():
    assert codes.QUALITY_SCALES == {"dengbie": (1, 15), "dengji": (1, 10)}
    values = [1, 10, 11, 15, 16, 0, 3.5, "4", " 7 ", None, np.nan, "a", True]
    assert codes.valid_quality(values, "dengbie").tolist() == [
        True, True, True, True, False, False, False, True, True, False, False, False, False
    ]  # fmt: skip
    assert codes.valid_quality(values, "dengji").tolist()[:5] == [True, True, False, False, False]
    assert codes.valid_quality(12, "dengji") is False
    with pytest.raises(ValueError, match="dengbie"):
        codes.valid_quality([1], "grade")


@pytest.mark.parametrize(
    ("degrees", "expected"),
    [(0, 1), (2, 1), (2.001, 2), (6, 2), (6.5, 3), (15, 3), (15.01, 4), (25, 4), (25.01, 5),
     (89, 5), (-1, 0), (91, 0), (float("nan"), 0), (None, 0), ("8", 3)],
)  # fmt: skip
def test_slope_class(degrees, expected):
    assert codes.slope_class(degrees) == expected


def test_slope_class_vectorised():
    result = codes.slope_class(np.array([1.0, 3.0, 10.0, 20.0, 30.0]))
    assert result.dtype == np.int8
    assert result.tolist() == [1, 2, 3, 4, 5]
    assert codes.valid_slope_class(result).all()
    assert codes.valid_slope_class([0, 6, 2.5, "3", None]).tolist() == [
        False,
        False,
        False,
        True,
        False,
    ]
