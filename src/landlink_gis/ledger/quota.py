"""The quota account of a project: turnover quota lent and returned, surplus quota generated,
advanced and traded.

Rules (DOMAIN.md §4a, BAL006, BAL009): returned ≤ lent; traded + drawn ≤ generated; advanced ≤
the advance limit (30 % of the planned surplus in Sichuan poverty counties, else 0). ``drawn`` is
surplus quota used by construction-only plans of other codes (单独编制建新实施方案). So the surplus
balance ``generated − advanced − traded − drawn`` is ≥ 0 unless an advance within the 30 % rule
is outstanding, and then it is ≥ −advanced. The rules hold on every day of the account, not only at
its end:
an event dated in the past must not make any later day go wrong.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .errors import QuotaError
from .schema import QUOTA_KINDS

__all__ = [
    "ADVANCE_SHARE",
    "QuotaAccount",
    "account",
    "advance_limit",
    "check_account",
    "pending_draws",
]

#: Share of the planned surplus a Sichuan poverty county may trade in advance (000 §(三)).
ADVANCE_SHARE = 0.30
_EPS = 1e-6


def advance_limit(
    surplus_m2: float | None, *, profile: str | None, poverty_county: bool | None
) -> float:
    """Largest advanced quota (m²) a project may hold: 30 % of its planned surplus in Sichuan
    poverty counties, 0 elsewhere."""
    if profile == "sichuan" and poverty_county and surplus_m2 and surplus_m2 > 0:
        return ADVANCE_SHARE * float(surplus_m2)
    return 0.0


@dataclass(frozen=True)
class QuotaAccount:
    """Totals of one project's quota events up to a date (m²)."""

    lent: float = 0.0
    returned: float = 0.0
    generated: float = 0.0
    advanced: float = 0.0
    traded: float = 0.0
    drawn: float = 0.0
    traded_value_yuan: float = 0.0

    @property
    def turnover_outstanding(self) -> float:
        """Turnover quota lent and not yet returned."""
        return self.lent - self.returned

    @property
    def surplus_balance(self) -> float:
        """Surplus quota still available: generated − advanced − traded − drawn."""
        return self.generated - self.advanced - self.traded - self.drawn


def _ordered(events: pd.DataFrame) -> pd.DataFrame:
    if not len(events):
        return events
    cols = ["event_date", "id"] if "id" in events.columns else ["event_date"]
    return events.sort_values(cols, kind="stable")


def account(events: pd.DataFrame, at: dt.date | None = None) -> QuotaAccount:
    """Replay quota events (columns ``kind``, ``event_date``, ``area_m2``, ``price_yuan``) to
    ``at``."""
    if len(events) and at is not None:
        events = events[[d <= at for d in events["event_date"]]]
    if not len(events):
        return QuotaAccount()
    sums = events.groupby("kind")["area_m2"].sum()
    traded = events[events["kind"].isin(["traded", "advanced"])]
    value = (
        float(pd.to_numeric(traded["price_yuan"], errors="coerce").fillna(0.0).sum())
        if len(traded)
        else 0.0
    )
    return QuotaAccount(
        **{k: float(sums.get(k, 0.0)) for k in QUOTA_KINDS}, traded_value_yuan=value
    )


def check_account(events: pd.DataFrame, *, limit_m2: float, code: str = "") -> None:
    """Raise :class:`QuotaError` when the account breaks a rule on any day.

    Parameters
    ----------
    events
        All quota events of one project (``kind``, ``event_date``, ``area_m2``; ``id`` for order).
    limit_m2
        The advance limit (:func:`advance_limit`).
    code
        Project code, for the message.
    """
    if not len(events):
        return
    bad_kind = sorted(set(events["kind"]) - set(QUOTA_KINDS))
    if bad_kind:
        raise QuotaError(
            f"{code}: unknown quota kind(s) {', '.join(bad_kind)}; use {', '.join(QUOTA_KINDS)}"
        )
    if (events["area_m2"] <= 0).any():
        raise QuotaError(f"{code}: quota areas must be positive (m²)")
    frame = _ordered(events)
    totals = dict.fromkeys(QUOTA_KINDS, 0.0)
    for kind, date, area in zip(frame["kind"], frame["event_date"], frame["area_m2"], strict=True):
        totals[kind] += float(area)
        if totals["returned"] > totals["lent"] + _EPS:
            raise QuotaError(
                f"{code}: on {date} returned turnover quota {totals['returned']:.2f} m² would "
                "exceed the "
                f"{totals['lent']:.2f} m² lent"
            )
        if totals["advanced"] > limit_m2 + _EPS:
            raise QuotaError(
                f"{code}: on {date} advanced quota {totals['advanced']:.2f} m² would exceed the "
                "advance limit "
                f"{limit_m2:.2f} m² (30 % of the planned surplus, Sichuan poverty counties only)"
            )
        if totals["traded"] + totals["drawn"] > totals["generated"] + _EPS:
            raise QuotaError(
                f"{code}: on {date} traded {totals['traded']:.2f} m² plus drawn "
                f"{totals['drawn']:.2f} m² surplus quota "
                f"would exceed the {totals['generated']:.2f} m² generated (record the reclaimed "
                "surplus as 'generated' first, "
                "or trade in advance as 'advanced' within the 30 % rule)"
            )


def pending_draws(
    code: str,
    sources: Iterable[Mapping[str, Any]],
    registered: set[str],
    accepted: set[str],
    events_of: Callable[[str], pd.DataFrame],
) -> list[tuple[str, float]]:
    """The draws of construction-only plan ``code`` still to record: (source code, m²) each.

    Each ``[[quota_sources]]`` entry needs a registered (``registered``), accepted (``accepted``)
    source whose surplus still available (generated − advanced − traded − drawn, from
    ``events_of(source)``) covers the part of the draw ``code`` has not recorded before; a new
    plan version records only the increase.

    Raises
    ------
    QuotaError
        A source is unknown, not accepted, or has too little surplus quota left.
    """
    out = []
    for entry in sources:
        source, area = str(entry["code"]), float(entry["area_m2"])
        if source not in registered:
            raise QuotaError(
                f"{code}: quota source {source} is not in the ledger; register it first"
            )
        if source not in accepted:
            raise QuotaError(
                f"{code}: quota source {source} is not accepted yet; its surplus quota cannot be "
                "drawn"
            )
        events = events_of(source)
        mine = (
            float(
                events.loc[
                    (events["kind"] == "drawn") & (events["counterpart"].astype(str) == code),
                    "area_m2",
                ].sum()
            )
            if len(events)
            else 0.0
        )
        delta = area - mine
        if delta <= 1e-6:
            continue
        acc = account(events)
        if delta > acc.surplus_balance + 1e-6:
            raise QuotaError(
                f"{code}: drawing {delta:.2f} m² from {source} exceeds its surplus quota still "
                "available "
                f"{acc.surplus_balance:.2f} m² (generated {acc.generated:.2f} − advanced "
                f"{acc.advanced:.2f} − traded {acc.traded:.2f} − drawn {acc.drawn:.2f})"
            )
        out.append((source, delta))
    return out
