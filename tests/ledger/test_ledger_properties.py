"""Property tests: the quota account keeps its balance rule on every day; replay reproduces
state."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from landlink_gis.ledger.errors import QuotaError, StatusError
from landlink_gis.ledger.history import EVENT_COLUMNS, check_transition, replay
from landlink_gis.ledger.quota import account, advance_limit_centi, check_event
from landlink_gis.ledger.schema import QUOTA_KINDS, states_for

D0 = dt.date(2020, 1, 1)
quota_event = st.tuples(
    st.sampled_from(["advanced", "traded"]),
    st.integers(0, 800),  # day offset
    st.integers(1, 500000),  # 0.01 m²
)


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(quota_event, max_size=25),
    surplus=st.integers(0, 1000000),
    generated=st.integers(0, 1000000),
    accepted_day=st.one_of(st.none(), st.integers(0, 800)),
    sichuan=st.booleans(),
)
def test_quota_account_keeps_its_rules_on_every_day(
    events, surplus, generated, accepted_day, sichuan
):
    """Typed advances and trades go through :func:`check_event`; whatever it lets in, the account
    keeps its rules on every day: the advance within 30 % of the planned surplus and only before
    acceptance; before acceptance trades within the advance; from acceptance trades within what
    is generated (in whole 0.01 m², compared exactly)."""
    limit = advance_limit_centi(
        surplus / 100, profile="sichuan" if sichuan else "national", poverty_county=True
    )
    accepted = None if accepted_day is None else D0 + dt.timedelta(days=accepted_day)
    rows = []
    if accepted is not None and generated:
        rows.append(
            {"id": 0, "kind": "generated", "event_date": accepted, "area_m2": generated / 100}
        )
    for n, (kind, day, amount) in enumerate(events, start=1):
        date = D0 + dt.timedelta(days=day)
        frame = pd.DataFrame(rows, columns=["id", "kind", "event_date", "area_m2"])
        try:
            check_event(
                frame,
                kind,
                amount / 100,
                date,
                code="P",
                surplus_known=True,
                limit_centi=limit,
                accepted=accepted,
            )
        except QuotaError:
            continue
        rows.append({"id": n, "kind": kind, "event_date": date, "area_m2": amount / 100})
    frame = pd.DataFrame(rows, columns=["id", "kind", "event_date", "area_m2", "price_yuan"])
    days = sorted(set(frame["event_date"])) if len(frame) else []
    for day in days:
        upto = frame[[d <= day for d in frame["event_date"]]]
        total = {k: round(upto.loc[upto["kind"] == k, "area_m2"].sum() * 100) for k in QUOTA_KINDS}
        assert total["advanced"] <= limit
        if accepted is not None and day >= accepted:
            assert total["traded"] + total["drawn"] <= total["generated"]
        else:
            assert total["traded"] <= total["advanced"]
    advances = frame[frame["kind"] == "advanced"]["event_date"]
    assert accepted is None or all(d < accepted for d in advances)
    # the replay to the last day equals the running totals
    final = account(frame, accepted=accepted)
    for kind in ("generated", "advanced", "traded"):
        assert round(getattr(final, kind) * 100) == round(
            frame.loc[frame["kind"] == kind, "area_m2"].sum() * 100
        )
    if days:
        assert account(frame, days[-1], accepted=accepted) == final


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
