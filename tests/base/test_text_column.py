"""``text_column``: a layer's text field as the normalised frame holds it — the values
``as_text`` gives, in an Arrow column, sharing the read column when nothing changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from landlink_gis.base.fields import as_text, text_column


def _values(column) -> list:
    return [None if pd.isna(v) else v for v in np.asarray(column, dtype=object)]


@pytest.mark.parametrize(
    ("values", "dtype", "shared"),
    [
        (["0101", None, "0702", ""], "str", True),  # already stripped: the read column itself
        ([" 0101", "0702 ", None, "a b"], "str", False),  # spaces around: stripped, a new column
        (["0101", None], "object", False),
        ([101.0, 2.5, None], "float64", False),  # integral numbers lose ".0"
        ([7, 12], "int64", False),
    ],
)
def test_text_column_has_as_texts_values(values, dtype, shared):
    column = pd.Series(values, dtype=dtype)
    out = text_column(column)
    assert _values(out) == _values(as_text(column))
    assert (out is column.array) == shared
    assert str(pd.Series(out).dtype) == "str"


def test_a_column_without_any_value_is_none_objects():
    out = text_column(pd.Series([None, " ", None], dtype="str").str.strip().replace("", None))
    assert out.dtype == object and list(out) == [None, None, None]
