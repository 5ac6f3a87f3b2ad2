"""The status history: validating a change and replaying the append-only events to a date.

A plot (or a project, ``layer == ''``) moves forward through its states (see
:func:`landlink_gis.ledger.schema.states_for`) and never back; each event's date is on or after
the previous one. Under those two rules, the state on any date is the last event on or before
that date, so replaying the history reproduces the ledger's state as of any day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .errors import StatusError
from .schema import states_for

__all__ = ["EVENT_COLUMNS", "check_transition", "replay"]

EVENT_COLUMNS: tuple[str, ...] = (
    "id",
    "project_code",
    "layer",
    "plot_id",
    "state",
    "event_date",
    "note",
    "recorded_at",
)
_KEY = ["project_code", "layer", "plot_id"]


def check_transition(
    layer: str,
    plot_id: str,
    current: tuple[str, dt.date] | None,
    state: str,
    date: dt.date,
) -> None:
    """Raise :class:`StatusError` unless ``state`` on ``date`` may follow ``current``.

    Parameters
    ----------
    layer
        ``demolition``, ``construction`` or ``''`` (the project itself).
    plot_id
        The plot (for the message).
    current
        ``(state, date)`` of the latest event, or None for a plot without history.
    state, date
        The new state and its date.
    """
    order = states_for(layer)
    what = f"plot {plot_id} ({layer})" if layer else "the project"
    if state not in order:
        raise StatusError(f"{what}: unknown state {state!r}; use one of {', '.join(order)}")
    if current is None:
        return
    cur_state, cur_date = current
    if order.index(state) <= order.index(cur_state):
        raise StatusError(
            f"{what} is already '{cur_state}' (since {cur_date}); states only move forward "
            f"({' → '.join(order)}), so '{state}' cannot be recorded"
        )
    if date < cur_date:
        raise StatusError(
            f"{what}: {state} on {date} is before its previous status '{cur_state}' on {cur_date}"
        )


def replay(events: pd.DataFrame, at: dt.date | None = None) -> pd.DataFrame:
    """The state of every plot and project on ``at`` (default: all events), from the history.

    Parameters
    ----------
    events
        Status events with columns :data:`EVENT_COLUMNS` (``id`` orders events of one day).
    at
        Replay events dated on or before this day; None replays everything.

    Returns
    -------
    pandas.DataFrame
        One row per plot/project that had a state by then: ``project_code``, ``layer``,
        ``plot_id``, ``state``, ``event_date`` (the date it reached that state).
    """
    frame = events
    if at is not None and len(frame):
        frame = frame[np.asarray([d <= at for d in frame["event_date"]], dtype=bool)]
    if not len(frame):
        return pd.DataFrame(columns=[*_KEY, "state", "event_date"])
    frame = frame.sort_values(["event_date", "id"], kind="stable")
    last = frame.groupby(_KEY, sort=True, as_index=False).tail(1)
    return last[[*_KEY, "state", "event_date"]].sort_values(_KEY).reset_index(drop=True)
