"""Printable ids of reference features: the layer's id, a fallback id field, or ``#n``."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from landlink_gis.rules._common import reference_ids


def _ctx(plot_id, raw=None):
    n = len(plot_id)
    attrs = pd.DataFrame({"fid": np.arange(1, n + 1), "plot_id": plot_id})
    raw = pd.DataFrame(raw if raw is not None else {"x": np.zeros(n)})
    return SimpleNamespace(attributes=lambda role: attrs, raw={"landuse": raw})


def _by_hand(values, fids):
    # the rule written out: blank (missing, empty, "None", "nan") → "#fid", else the value itself
    out = []
    for v, f in zip(values, fids, strict=True):
        blank = v is None or (isinstance(v, float) and np.isnan(v))
        blank = blank or str(v).strip() in ("", "None", "nan")
        out.append(f"#{f}" if blank else v)
    return out


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_ids_blanks_and_positions(dtype):
    values = ["A1", None, " ", "nan", "B2 ", "None", "C3"]
    column = pd.array(values, dtype="str") if dtype == "str" else np.array(values, dtype=object)
    ctx = _ctx(column)
    want = _by_hand(list(column), range(1, 8))
    assert reference_ids(ctx, "landuse").tolist() == want
    pos = np.array([6, 1, 1, 4])
    assert reference_ids(ctx, "landuse", pos).tolist() == [want[i] for i in pos]


def test_a_layer_without_ids_falls_back_to_a_known_id_field():
    ctx = _ctx(
        np.full(4, None, dtype=object),
        raw={"BSM": ["510001", None, "510003", ""], "DLBM": ["0101"] * 4},
    )
    assert reference_ids(ctx, "landuse").tolist() == ["510001", "#2", "510003", "#4"]
    assert reference_ids(ctx, "landuse", np.array([3, 0])).tolist() == ["#4", "510001"]
    no_field = _ctx(np.full(3, None, dtype=object))
    assert reference_ids(no_field, "landuse").tolist() == ["#1", "#2", "#3"]
