"""Property tests are derandomized: the profile registered in tests/conftest.py is loaded, and the
per-test budgets inherit it."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.mark.skipif(
    os.environ.get("HYPOTHESIS_PROFILE", "landlink") != "landlink",
    reason="an exploring run chose another profile on purpose",
)
def test_the_landlink_profile_is_loaded_and_inherited():
    assert settings.default.derandomize and settings.default.database is None
    own = settings(max_examples=5, deadline=None)  # a test's own budget, as the tests write it
    assert own.derandomize and own.database is None


def test_the_same_examples_every_run():
    def run() -> list[int]:
        seen: list[int] = []

        @settings(max_examples=20)
        @given(st.integers(-(10**9), 10**9))
        def prop(x):
            seen.append(x)

        prop()
        return seen

    drawn = [run(), run()]
    assert drawn[0] == drawn[1] and len(set(drawn[0])) > 5
