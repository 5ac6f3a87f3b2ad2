"""Shared fixtures: the real PostGIS server (tests/support/postgis_server.py) and small project builders."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings

from tests.support import REPO, SAMPLES  # noqa: E402,F401
from tests.support.postgis_server import *  # noqa: F403  (session fixture `postgis_url`)

TESTS = Path(__file__).parent

# Property tests draw the same examples on every run and every machine (derandomize: the examples
# come from a fixed seed per test), so a failure is reproducible and a pass is not luck of the draw;
# no example database is kept between runs. `HYPOTHESIS_PROFILE=explore` draws fresh random
# examples (and a few times as many) to look for new failures by hand.
settings.register_profile("landlink", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "landlink"))


#: test files that drive a system program (QGIS) in every test
_SERVICE_FILES = {
    "test_qgis_plugin.py",
    "test_qgis_labels.py",
    "test_xlsx_pdf.py",
    "test_report_print.py",
    "test_one_story.py",
}
#: words in a test's source that mean it runs a system service or program
_SERVICE_WORDS = ("postgis_url", "chromium(", "run_chromium", "libreoffice", "soffice")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "service: needs a system service or program (PostgreSQL/PostGIS, Chromium, QGIS, "
        "LibreOffice); `make test-quick` leaves these out",
    )


def pytest_collection_modifyitems(config, items):
    """Mark the tests that need a system service, so that `make test-quick` can leave them out."""
    import inspect

    import pytest

    for item in items:
        needs = item.path.name in _SERVICE_FILES or "postgis_url" in getattr(
            item, "fixturenames", ()
        )
        params = getattr(getattr(item, "callspec", None), "params", {})
        needs = needs or any(v == "postgis" for v in params.values())
        if not needs and getattr(item, "function", None) is not None:
            try:
                source = inspect.getsource(item.function)
            except (OSError, TypeError):
                source = ""
            needs = any(word in source for word in _SERVICE_WORDS)
        if needs:
            item.add_marker(pytest.mark.service)
