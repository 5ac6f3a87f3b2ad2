"""Helpers shared by the tests: geometries, project builders, the PostGIS server, GeoPackage validation.

``REPO`` is the repository, ``SAMPLES`` the bundled sample projects.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
