"""Quota amounts in 0.01 m²: the one arithmetic of the quota account (DOMAIN.md §4b).

Every amount the ledger keeps, shows or compares is a whole number of centi-square-metres
(0.01 m²). A figure measured by a check is rounded half up to 0.01 m² once, when it enters the
account; a derived limit (30 % of the planned surplus) is rounded half up the same way before it is
shown or compared. Because the figure shown is the figure compared, a request equal to the figure
shown is accepted.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["centi", "from_centi", "fmt_m2", "round_m2", "share_centi"]

_ONE = Decimal(1)


def centi(m2: float | int | str | Decimal | None) -> int | None:
    """``m2`` as a whole number of 0.01 m², rounded half up (None and NaN stay None).

    The value is read through its shortest decimal form (``repr``), so ``4759.455`` is
    ``475946``, as a reader of the printed figure expects.
    """
    if m2 is None:
        return None
    if isinstance(m2, Decimal):
        d = m2
    elif isinstance(m2, (int, str)) and not isinstance(m2, bool):
        d = Decimal(m2)
    else:  # float, numpy scalars: through the shortest repr of the float
        value = float(m2)
        if not math.isfinite(value):
            return None
        d = Decimal(repr(value))
    return int((d * 100).quantize(_ONE, rounding=ROUND_HALF_UP))


def from_centi(value: int | None) -> float | None:
    """m² of a centi-m² amount (None stays None)."""
    return None if value is None else value / 100.0


def round_m2(m2: float | None) -> float | None:
    """``m2`` rounded half up to 0.01 m² (None and NaN become None)."""
    return from_centi(centi(m2))


def share_centi(value: int, share: str | Decimal) -> int:
    """``share`` of a centi-m² amount, rounded half up to 0.01 m² (``share`` as text: ``"0.30"``)."""
    return int((Decimal(value) * Decimal(share)).quantize(_ONE, rounding=ROUND_HALF_UP))


def fmt_m2(value: int | None) -> str:
    """A centi-m² amount as printed (``1234.50``; unknown: ``—``)."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    whole, cents = divmod(abs(int(value)), 100)
    return f"{sign}{whole}.{cents:02d}"
