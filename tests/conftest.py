"""Shared fixtures: the real PostGIS server (tests/postgis_server.py) and small project builders."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from postgis_server import *  # noqa: E402,F403  (session fixture `postgis_url`)

REPO = TESTS.parent
SAMPLES = REPO / "data" / "samples"
