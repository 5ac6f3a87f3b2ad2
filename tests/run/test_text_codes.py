"""Text columns looked up by code (``CheckContext.text``): the values ``to_numpy(dtype=object)``
gives, without a Python string per feature."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from landlink_gis.load.context import factorised
from tests.support import SAMPLES
from tests.support.helpers import load_ctx


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    # equal values, and the same missing value where missing (None stays None, NaN stays NaN)
    return len(a) == len(b) and all(
        type(x) is type(y) and (x == y or (pd.isna(x) and pd.isna(y)))
        for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (["0101", None, "0702", "0101", None, "0702", "1001"], "str"),
        (["0101", None, "0702", "0101"], "object"),
        ([None, None, None], "object"),
        (["a", "b"], "str"),
        ([], "str"),
    ],
)
def test_codes_give_the_columns_values(values, dtype):
    column = pd.Series(values, dtype=dtype)
    codes, table = factorised(column)
    assert codes.dtype == np.int32
    whole = column.to_numpy(dtype=object)
    assert _same(table[codes], whole)
    rows = np.array([len(column) - 1, 0, 0], dtype=np.int64) if len(column) else np.zeros(0, int)
    assert _same(table[codes[rows]], whole[rows])
    # each distinct value is one object (no string per feature), plus the missing value
    assert len(table) == column.nunique() + 1


def test_context_text_equals_the_attribute_column():
    # on the sample: the land survey's text columns, whole and at positions
    ctx = load_ctx(SAMPLES / "bazhong_demo" / "project.toml")
    attrs = ctx.attributes("landuse")
    rows = np.arange(len(attrs))[::-3]
    for name in ("land_class", "czcsxm", "owner", "seat"):
        whole = attrs[name].to_numpy(dtype=object)
        assert _same(ctx.text("landuse", name), whole), name
        assert _same(ctx.text("landuse", name, rows), whole[rows]), name
    assert ctx.text_codes("landuse", "land_class")[1] is ctx.text_codes("landuse", "land_class")[1]


def test_plot_ids_at_positions_equal_the_whole_layers_ids():
    # by index, by mask, unsorted and repeated: the ids plot_ids(role)[positions] gives, blanks
    # as "#n" included
    ctx = load_ctx(SAMPLES / "bazhong_demo" / "project.toml")
    whole = ctx.plot_ids("demolition")
    n = len(whole)
    assert n > 5
    for at in (
        np.array([n - 1, 0, 2, 2]),
        np.arange(n) % 2 == 0,
        np.zeros(0, dtype=np.int64),
    ):
        assert ctx.plot_ids("demolition", at).tolist() == whole[at].tolist()


def test_forgotten_results_are_computed_again():
    ctx = load_ctx(SAMPLES / "bazhong_demo" / "project.toml")
    calls = []
    for role in ("demolition", "construction"):
        ctx.cached(("pairs", role), lambda role=role: calls.append(role) or role)
    ctx.cached("pairs", lambda: calls.append("all") or "all")
    ctx.cached(("other", "demolition"), lambda: calls.append("other") or "other")
    ctx.forget("pairs")
    assert ctx.cached(("pairs", "demolition"), lambda: calls.append("again") or 1) == 1
    assert ctx.cached(("other", "demolition"), lambda: calls.append("no") or 2) == "other"
    assert calls == ["demolition", "construction", "all", "other", "again"]
