"""Working days on the Chinese public-holiday calendar, and calendar-year arithmetic.

Working days follow the State Council holiday arrangements as published in the
``chinesecalendar`` package (``import chinese_calendar``): public holidays are days off and the
adjusted weekend days (调休) are working days. The package only knows a range of years (1.11:
2004–2026) and raises for others; for those days the functions fall back to Monday–Friday and
report it through their second return value, so that a rule can say so in an ``info`` finding.
"""

from __future__ import annotations

import calendar
import logging
import os
from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from .errors import InputError

__all__ = ["TODAY_ENV", "add_working_days", "add_years", "run_date", "working_days_between"]

#: Environment variable that fixes "today" for a check (``YYYY-MM-DD``): deadlines not yet met are
#: judged on this day instead of the day of the run (reproducible runs, tests).
TODAY_ENV = "LANDLINK_TODAY"

logger = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _year_workdays(year: int) -> tuple[np.ndarray, bool]:
    """Return a boolean array (one entry per day of ``year``) and whether the holiday calendar
    knew it."""
    first = date(year, 1, 1)
    n_days = 366 if calendar.isleap(year) else 365
    days = [first + timedelta(days=i) for i in range(n_days)]
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - a declared dependency
        logger.warning("chinesecalendar is not installed; counting Monday-Friday as working days")
        chinese_calendar = None
    if chinese_calendar is not None:
        try:
            flags = np.fromiter((chinese_calendar.is_workday(d) for d in days), bool, n_days)
            flags.flags.writeable = False
            return flags, True
        except NotImplementedError:
            logger.info(
                "the Chinese holiday calendar does not cover %d; counting Monday-Friday", year
            )
    flags = np.fromiter((d.weekday() < 5 for d in days), bool, n_days)
    flags.flags.writeable = False
    return flags, False


def _is_workday(day: date) -> tuple[bool, bool]:
    flags, known = _year_workdays(day.year)
    return bool(flags[day.timetuple().tm_yday - 1]), known


def add_working_days(start: date, n: int) -> tuple[date, bool]:
    """Return the date ``n`` working days after ``start``.

    ``start`` itself is not counted: the first working day after it is day 1. A negative ``n``
    counts backwards; ``n == 0`` returns ``start``.

    Parameters
    ----------
    start
        The day the period starts from (for example the acceptance date).
    n
        Number of working days.

    Returns
    -------
    tuple of (datetime.date, bool)
        The resulting day, and whether the Chinese holiday calendar covered every day looked at
        (``False`` when part of the period fell back to Monday–Friday).

    Examples
    --------
    >>> add_working_days(date(2021, 9, 28), 10)
    (datetime.date(2021, 10, 18), True)
    """
    if isinstance(start, np.datetime64):  # tolerate numpy dates from a frame
        start = start.astype("datetime64[D]").item()
    step = 1 if n >= 0 else -1
    remaining = abs(int(n))
    day = start
    calendar_used = True
    while remaining:
        day = day + timedelta(days=step)
        working, known = _is_workday(day)
        calendar_used &= known
        remaining -= working
    return day, calendar_used


def working_days_between(start: date, end: date) -> tuple[int, bool]:
    """Count the working days after ``start`` up to and including ``end``.

    The count matches :func:`add_working_days`:
    ``working_days_between(s, add_working_days(s, n)[0])[0] == n`` for ``n >= 0``. When ``end`` is
    before ``start`` the count is negative (the working days from ``end`` (exclusive) to
    ``start`` (inclusive), negated).

    Parameters
    ----------
    start, end
        The two days.

    Returns
    -------
    tuple of (int, bool)
        The number of working days, and whether the Chinese holiday calendar covered every day
        in the period.
    """
    if end < start:
        count, known = working_days_between(end, start)
        return -count, known
    total = 0
    calendar_used = True
    first = start + timedelta(days=1)
    for year in range(first.year, end.year + 1):
        flags, known = _year_workdays(year)
        lo = first.timetuple().tm_yday - 1 if year == first.year else 0
        hi = end.timetuple().tm_yday if year == end.year else flags.size
        if hi > lo:
            total += int(np.count_nonzero(flags[lo:hi]))
            calendar_used &= known
    return total, calendar_used


def add_years(d: date, n: int) -> date:
    """Return the same calendar day ``n`` years later (or earlier for negative ``n``).

    29 February maps to 28 February in a common year: a period without the matching day ends on
    the last day of that month (民法典 第二百零一条).

    Parameters
    ----------
    d
        The starting day.
    n
        Number of years.

    Returns
    -------
    datetime.date
    """
    year = d.year + int(n)
    if d.month == 2 and d.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return d.replace(year=year)


def run_date(today: date | None = None, environ: Mapping[str, str] | None = None) -> date:
    """The day a check judges deadlines on: ``today`` if given, else ``$LANDLINK_TODAY``, else
    the day of the run.

    Raises
    ------
    InputError
        ``LANDLINK_TODAY`` is set but is not a date ``YYYY-MM-DD``.
    """
    if today is not None:
        return today
    value = (os.environ if environ is None else environ).get(TODAY_ENV, "").strip()
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{TODAY_ENV}={value!r} is not a date; give it as YYYY-MM-DD or unset it"
        ) from None
