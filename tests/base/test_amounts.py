"""Quota amounts in 0.01 m², rounded half up (DOMAIN.md §4b *The quota account*)."""

from __future__ import annotations

import numpy as np
import pytest

from landlink_gis.base.amounts import centi, fmt_m2, round_m2, share_centi


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4759.455, 475946),  # half up on the printed figure, not on the binary float
        (0.125, 13),  # Python's round(0.125, 2) gives 0.12
        (np.float64(1618.647), 161865),
        ("1000.005", 100001),
        (-0.005, -1),  # half away from zero
        (2, 200),
    ],
)
def test_centi_rounds_half_up(value, expected):
    assert centi(value) == expected


def test_unknown_stays_unknown():
    assert centi(None) is None and centi(float("nan")) is None and round_m2(np.nan) is None
    assert fmt_m2(None) == "—"


def test_a_derived_limit_is_rounded_before_it_is_shown_or_compared():
    # 30 % of 5395.49 m² = 1618.647 m² → 1618.65 m², shown and compared alike
    limit = share_centi(centi(5395.49), "0.30")
    assert limit == 161865 and fmt_m2(limit) == "1618.65"
    assert centi(float(fmt_m2(limit))) == limit  # a request equal to the figure shown fits
    assert fmt_m2(-5) == "-0.05" and fmt_m2(100) == "1.00"
