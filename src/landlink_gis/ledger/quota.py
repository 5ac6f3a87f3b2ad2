"""The quota account of a project: turnover quota lent and returned, surplus quota generated,
advanced, traded and drawn (DOMAIN.md §4b *The quota account*).

Every figure comes from a check, never from a typed amount: ``lent`` from ``ledger add`` (the
issued ``turnover_quota_m2``, else the construction area), ``returned`` and ``generated`` from
``ledger accept`` (ACC005). What a clerk records is an ``advanced`` allotment (before acceptance,
≤ 30 % of the planned surplus in Sichuan poverty counties, dated) and ``traded`` quota; ``drawn``
is recorded by ``ledger add`` of a construction-only plan on its sources' accounts.

The account's rules, on every day:

* before acceptance, traded ≤ advanced (only the advance may be traded) and nothing is drawn;
* from the acceptance date, traded + drawn ≤ generated: the advance is the surplus generated
  early, never counted on top of it;
* advanced ≤ the advance limit, and only before acceptance;
* a project whose quota basis was not measured has no planned surplus: nothing can be advanced,
  traded or drawn.

Amounts are whole 0.01 m² (:mod:`landlink_gis.base.amounts`); a request equal to the figure shown
is accepted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..base.amounts import centi, fmt_m2, share_centi
from .errors import QuotaError
from .schema import QUOTA_KINDS

__all__ = [
    "ADVANCE_SHARE",
    "QuotaAccount",
    "TYPED_KINDS",
    "account",
    "advance_limit",
    "advance_limit_centi",
    "check_event",
    "pending_draws",
]

#: Share of the planned surplus a Sichuan poverty county may advance (000 §(三)).
ADVANCE_SHARE = "0.30"
#: Kinds a clerk may record with ``ledger quota --record`` (the others come from checks).
TYPED_KINDS: tuple[str, ...] = ("advanced", "traded")


def advance_limit_centi(
    surplus_m2: float | None, *, profile: str | None, poverty_county: bool | None
) -> int:
    """Largest advance (0.01 m²): 30 % of the planned surplus, rounded half up to 0.01 m², in
    Sichuan poverty counties; 0 elsewhere and when the surplus is unknown or not positive."""
    surplus = centi(surplus_m2)
    if profile == "sichuan" and poverty_county and surplus is not None and surplus > 0:
        return share_centi(surplus, ADVANCE_SHARE)
    return 0


def advance_limit(
    surplus_m2: float | None, *, profile: str | None, poverty_county: bool | None
) -> float:
    """Largest advanced quota (m², to 0.01 m²): see :func:`advance_limit_centi`."""
    return advance_limit_centi(surplus_m2, profile=profile, poverty_county=poverty_county) / 100.0


@dataclass(frozen=True)
class QuotaAccount:
    """Totals of one project's quota events up to a date (m², each a whole 0.01 m²).

    ``accepted`` says whether the project's acceptance (``ledger accept``) is on or before the
    date: it decides what is still available (:attr:`surplus_balance`).
    """

    lent: float = 0.0
    returned: float = 0.0
    generated: float = 0.0
    advanced: float = 0.0
    traded: float = 0.0
    drawn: float = 0.0
    traded_value_yuan: float = 0.0
    accepted: bool = False

    @property
    def turnover_outstanding(self) -> float:
        """Turnover quota lent and not yet returned."""
        return round(self.lent - self.returned, 2)

    @property
    def surplus_balance(self) -> float:
        """Surplus quota still available: generated − traded − drawn once accepted (the advance
        included), advanced − traded before."""
        if self.accepted:
            return round(self.generated - self.traded - self.drawn, 2)
        return round(self.advanced - self.traded - self.drawn, 2)


def _ordered(events: pd.DataFrame) -> pd.DataFrame:
    if not len(events):
        return events
    cols = ["event_date", "id"] if "id" in events.columns else ["event_date"]
    return events.sort_values(cols, kind="stable")


def _sums(events: pd.DataFrame) -> dict[str, int]:
    out = dict.fromkeys(QUOTA_KINDS, 0)
    if not len(events):
        return out
    for kind, area in zip(events["kind"], events["area_m2"], strict=True):
        if kind in out:
            out[kind] += centi(float(area)) or 0
    return out


def account(
    events: pd.DataFrame, at: dt.date | None = None, *, accepted: dt.date | None = None
) -> QuotaAccount:
    """Replay quota events (columns ``kind``, ``event_date``, ``area_m2``, ``price_yuan``) to
    ``at``; ``accepted`` is the project's acceptance date (None: not accepted)."""
    if len(events) and at is not None:
        events = events.loc[np.array([d <= at for d in events["event_date"]], dtype=bool)]
    is_accepted = accepted is not None and (at is None or accepted <= at)
    if not len(events):
        return QuotaAccount(accepted=is_accepted)
    sums = _sums(events)
    traded = events[events["kind"].isin(["traded", "advanced"])]
    value = (
        float(pd.to_numeric(traded["price_yuan"], errors="coerce").fillna(0.0).sum())
        if len(traded)
        else 0.0
    )
    return QuotaAccount(
        **{k: sums[k] / 100.0 for k in QUOTA_KINDS},
        traded_value_yuan=value,
        accepted=is_accepted,
    )


def check_event(
    events: pd.DataFrame,
    kind: str,
    area_m2: float,
    date: dt.date,
    *,
    code: str,
    surplus_known: bool,
    limit_centi: int,
    accepted: dt.date | None,
) -> int:
    """Check one typed event (``advanced`` or ``traded``) against the account; return its
    amount in 0.01 m².

    Parameters
    ----------
    events
        The project's quota events so far.
    kind, area_m2, date
        The event (``area_m2`` is rounded half up to 0.01 m²).
    code
        The project's code, for messages.
    surplus_known
        Whether the project's quota basis was measured (else nothing can be advanced or traded).
    limit_centi
        The advance limit (:func:`advance_limit_centi`).
    accepted
        The project's acceptance date (None: not accepted).

    Raises
    ------
    QuotaError
        The event breaks a rule of the account on its date or a later day; the message names the
        request (or the resulting total) and the limit (or what is left).
    """
    if kind not in TYPED_KINDS:
        raise QuotaError(_typed_refusal(kind))
    amount = centi(area_m2)
    if amount is None or amount <= 0:
        raise QuotaError(f"{code}: a quota amount must be positive (m², to 0.01 m²)")
    if not surplus_known:
        raise QuotaError(
            f"{code}: its quota basis was not measured by the check, so its surplus is unknown "
            "and nothing can be advanced, traded or drawn; check it again with the land-survey "
            "layer and register that check"
        )
    sums = _sums(events)
    if kind == "advanced":
        if accepted is not None and date >= accepted:
            raise QuotaError(
                f"{code}: accepted on {accepted}, so its surplus is generated ("
                f"{fmt_m2(sums['generated'])} m²); an advance is only possible before acceptance "
                "— record a trade instead"
            )
        total = sums["advanced"] + amount
        if total > limit_centi:
            raise QuotaError(
                f"{code}: advancing {fmt_m2(amount)} m² would bring the advance to "
                f"{fmt_m2(total)} m², over the advance limit {fmt_m2(limit_centi)} m² "
                f"(30 % of the planned surplus, Sichuan poverty counties only; "
                f"{fmt_m2(max(limit_centi - sums['advanced'], 0))} m² left)"
            )
        return amount
    # traded: every day from the event's date on must keep the usage within its limit
    frame = _ordered(events)
    dates = sorted({d for d in frame["event_date"] if d >= date} | {date})
    for day in dates:
        upto = frame.loc[np.array([d <= day for d in frame["event_date"]], dtype=bool)]
        s = _sums(upto)
        used = s["traded"] + s["drawn"] + amount
        if accepted is not None and day >= accepted:
            limit, what = s["generated"], "generated at acceptance"
        else:
            limit, what = s["advanced"], "advanced (before acceptance only the advance is traded)"
        if used > limit:
            return _refuse_trade(code, amount, used, limit, what, day)
    return amount


def _refuse_trade(code: str, amount: int, used: int, limit: int, what: str, day) -> int:
    left = max(limit - (used - amount), 0)
    raise QuotaError(
        f"{code}: trading {fmt_m2(amount)} m² on {day} would bring trades and draws to "
        f"{fmt_m2(used)} m², over the {fmt_m2(limit)} m² {what}; {fmt_m2(left)} m² left"
    )


def _typed_refusal(kind: str) -> str:
    where = {
        "lent": "`landlink ledger add` records the turnover quota lent: the issued "
        "turnover_quota_m2 of the checked plan, else its construction area",
        "returned": "`landlink ledger accept ACCEPTANCE_CHECKED.gpkg` returns the turnover quota "
        "(min(lent, accepted basis))",
        "generated": "`landlink ledger accept ACCEPTANCE_CHECKED.gpkg` records the surplus "
        "generated (ACC005)",
        "drawn": "`landlink ledger add` of a construction-only plan records its draws",
    }.get(kind)
    if where is None:
        return f"unknown quota kind {kind!r}; record one of {', '.join(TYPED_KINDS)}"
    return (
        f"a typed '{kind}' amount is refused: every figure of the quota account comes from a "
        f"check; {where}"
    )


def pending_draws(
    code: str,
    sources: Iterable[Mapping[str, Any]],
    registered: set[str],
    accepted: set[str],
    events_of: Callable[[str], pd.DataFrame],
) -> list[tuple[str, float]]:
    """The draws of construction-only plan ``code`` still to record: (source code, m²) each.

    Each ``[[quota_sources]]`` entry needs a registered (``registered``), accepted (``accepted``:
    acceptance recorded by ``ledger accept``) source whose surplus still available (generated −
    traded − drawn, from ``events_of(source)``) covers the part of the draw ``code`` has not
    recorded before; a new plan version records only the increase.

    Raises
    ------
    QuotaError
        A source is unknown, not accepted, or has too little surplus quota left.
    """
    out = []
    for entry in sources:
        source, request = str(entry["code"]), centi(float(entry["area_m2"])) or 0
        if source not in registered:
            raise QuotaError(
                f"{code}: quota source {source} is not in the ledger; register it first"
            )
        if source not in accepted:
            raise QuotaError(
                f"{code}: quota source {source} is not accepted yet (`landlink ledger accept`); "
                "only accepted reclamation generates surplus quota that can be drawn"
            )
        events = events_of(source)
        mine = events[(events["kind"] == "drawn") & (events["counterpart"].astype(str) == code)]
        delta = request - _sums(mine)["drawn"] if len(mine) else request
        if delta <= 0:
            continue
        s = _sums(events)
        left = s["generated"] - s["traded"] - s["drawn"]
        if delta > left:
            raise QuotaError(
                f"{code}: drawing {fmt_m2(delta)} m² from {source} exceeds its surplus quota still "
                f"available {fmt_m2(left)} m² (generated {fmt_m2(s['generated'])} − traded "
                f"{fmt_m2(s['traded'])} − drawn {fmt_m2(s['drawn'])})"
            )
        out.append((source, delta / 100.0))
    return out
