"""Property tests: the quota account keeps its balance rule on every day; replay reproduces
state."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from landlink_gis.ledger.errors import QuotaError, StatusError
from landlink_gis.ledger.history import EVENT_COLUMNS, check_transition, replay
from landlink_gis.ledger.quota import account, advance_limit, check_account
from landlink_gis.ledger.schema import states_for

D0 = dt.date(2020, 1, 1)
quota_event = st.tuples(
    st.sampled_from(["lent", "returned", "generated", "advanced", "traded"]),
    st.integers(0, 800),  # day offset
    st.integers(1, 5000),  # m²
)


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(quota_event, max_size=25), surplus=st.integers(0, 10000), sichuan=st.booleans()
)
def test_quota_account_balances_on_every_day(events, surplus, sichuan):
    limit = advance_limit(
        float(surplus), profile="sichuan" if sichuan else "national", poverty_county=True
    )
    accepted = pd.DataFrame(columns=["id", "kind", "event_date", "area_m2", "price_yuan"])
    for n, (kind, day, area) in enumerate(events):
        row = pd.DataFrame(
            [
                {
                    "id": n,
                    "kind": kind,
                    "event_date": D0 + dt.timedelta(days=day),
                    "area_m2": float(area),
                    "price_yuan": None,
                }
            ]
        )
        candidate = pd.concat([accepted, row], ignore_index=True) if len(accepted) else row
        try:
            check_account(candidate, limit_m2=limit)
        except QuotaError:
            continue
        accepted = candidate
    # the invariant holds on every day of the accepted account …
    days = sorted({d for d in accepted["event_date"]}) if len(accepted) else []
    for day in days:
        acc = account(accepted, day)
        assert acc.returned <= acc.lent + 1e-6
        assert acc.advanced <= limit + 1e-6
        assert acc.surplus_balance >= -1e-6 or (
            acc.advanced <= limit + 1e-6 and acc.surplus_balance >= -acc.advanced - 1e-6
        )
    # … and the replay to the last day equals the running totals
    final = account(accepted)
    for kind in ("lent", "returned", "generated", "advanced", "traded"):
        total = (
            float(accepted.loc[accepted["kind"] == kind, "area_m2"].sum()) if len(accepted) else 0.0
        )
        assert getattr(final, kind) == total
    if days:
        assert account(accepted, days[-1]) == final


status_step = st.tuples(
    st.sampled_from(["demolition", "construction", ""]),
    st.integers(0, 2),
    st.integers(0, 3),
    st.integers(0, 60),
)


@settings(max_examples=200, deadline=None)
@given(steps=st.lists(status_step, max_size=40))
def test_replay_reproduces_state_on_every_date(steps):
    """Apply random status changes through the validator; a model of the state (dict of the
    last accepted change per plot, day by day) must equal the replay of the history."""
    rows, model, snapshots, day = [], {}, {}, 0
    for n, (layer, plot, state_ix, gap) in enumerate(steps):
        day += gap
        date = D0 + dt.timedelta(days=day)
        key = ("P", layer, "" if not layer else f"X{plot}")
        order = states_for(layer)
        state = order[state_ix % len(order)]
        try:
            check_transition(layer, key[2], model.get(key), state, date)
        except StatusError:
            continue
        model[key] = (state, date)
        rows.append(
            {
                "id": n,
                "project_code": "P",
                "layer": layer,
                "plot_id": key[2],
                "state": state,
                "event_date": date,
                "note": None,
                "recorded_at": None,
            }
        )
        snapshots[date] = dict(model)
    events = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    for date, expected in snapshots.items():
        got = replay(events, date)
        assert {
            (r.project_code, r.layer, r.plot_id): (r.state, r.event_date) for r in got.itertuples()
        } == expected
    # states only ever moved forward
    for (_, layer, _), (state, _) in model.items():
        assert state in states_for(layer)
