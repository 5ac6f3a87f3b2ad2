"""Tests of working-day arithmetic on the Chinese holiday calendar."""

from __future__ import annotations

from datetime import date

import pytest

from landlink_gis.base import workdays
from landlink_gis.base.workdays import add_working_days, add_years, working_days_between


def test_domain_example_national_day():
    # DOMAIN.md: 10 working days after 2021-09-28 end on 2021-10-18 (10-09 a working Saturday).
    assert add_working_days(date(2021, 9, 28), 10) == (date(2021, 10, 18), True)


def test_spring_festival_make_up_weekend():
    # 2023: 01-21..01-27 off; Saturday 01-28 and Sunday 01-29 are make-up working days.
    assert add_working_days(date(2023, 1, 19), 2) == (date(2023, 1, 28), True)
    assert add_working_days(date(2023, 1, 19), 3) == (date(2023, 1, 29), True)
    # 2021: Sunday 02-07 and Saturday 02-20 were working days; 02-11..02-17 off.
    assert add_working_days(date(2021, 2, 5), 1) == (date(2021, 2, 7), True)
    assert add_working_days(date(2021, 2, 10), 1) == (date(2021, 2, 18), True)
    assert add_working_days(date(2021, 2, 19), 1) == (date(2021, 2, 20), True)


def test_fallback_year_uses_monday_to_friday():
    # 2199-01-01 is a Tuesday; no release of chinesecalendar will know 2199: Monday-Friday only.
    assert date(2199, 1, 1).weekday() == 1
    assert add_working_days(date(2199, 1, 1), 5) == (date(2199, 1, 8), False)
    assert working_days_between(date(2199, 1, 1), date(2199, 1, 8)) == (5, False)


@pytest.fixture
def calendar_ends_2026(monkeypatch):
    """chinesecalendar as if its last known year were 2026, whatever release is installed."""
    import chinese_calendar

    real = chinese_calendar.is_workday

    def is_workday(day):
        if day.year > 2026:
            raise NotImplementedError(f"no data for {day.year}")
        return real(day)

    monkeypatch.setattr(chinese_calendar, "is_workday", is_workday)
    workdays._year_workdays.cache_clear()
    yield
    workdays._year_workdays.cache_clear()


def test_partial_fallback_is_reported(calendar_ends_2026):
    # Counting after Mon 2026-12-28: 12-29, 12-30, 12-31 (no holiday), then Fri 2027-01-01 (its New
    # Year holiday unknown, a weekday under the fallback) and Mon 01-04: reported as a fallback.
    end, used = add_working_days(date(2026, 12, 28), 5)
    assert end == date(2027, 1, 4)
    assert used is False
    assert add_working_days(date(2026, 12, 1), 3)[1] is True


def test_zero_and_negative():
    assert add_working_days(date(2021, 10, 1), 0) == (date(2021, 10, 1), True)
    assert add_working_days(date(2021, 10, 18), -10) == (date(2021, 9, 28), True)


@pytest.mark.parametrize("n", [0, 1, 5, 10, 23, 250])
def test_between_inverts_add(n):
    start = date(2021, 9, 28)
    end, _ = add_working_days(start, n)
    assert working_days_between(start, end) == (n, True)


def test_between_order_and_same_day():
    assert working_days_between(date(2021, 9, 28), date(2021, 10, 18)) == (10, True)
    assert working_days_between(date(2021, 10, 18), date(2021, 9, 28)) == (-10, True)
    assert working_days_between(date(2021, 10, 1), date(2021, 10, 1)) == (0, True)
    # National Day week: nothing counts from 10-01 through 10-07.
    assert working_days_between(date(2021, 9, 30), date(2021, 10, 7)) == (0, True)


def test_add_years():
    assert add_years(date(2019, 5, 6), 3) == date(2022, 5, 6)
    assert add_years(date(2020, 2, 29), 1) == date(2021, 2, 28)
    assert add_years(date(2020, 2, 29), 4) == date(2024, 2, 29)
    assert add_years(date(2021, 3, 1), -1) == date(2020, 3, 1)
    assert add_years(date(2020, 2, 29), -2) == date(2018, 2, 28)
