"""``import landlink_gis`` stays light, and its public API is an explicit, sorted ``__all__``."""

from __future__ import annotations

import json
import subprocess
import sys

import landlink_gis

HEAVY_OPTIONAL = (
    "folium",
    "branca",
    "matplotlib",
    "mapclassify",
    "dask",
    "distributed",
    "dask_geopandas",
    "IPython",
)


def test_import_does_not_load_heavy_optional_packages():
    code = (
        "import json, sys\n"
        "import landlink_gis\n"
        f"print(json.dumps(sorted(m for m in {HEAVY_OPTIONAL!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_checking_does_not_load_map_packages():
    code = (
        "import json, sys\n"
        "import landlink_gis as ll\n"
        "from pathlib import Path\n"
        f"ll.check(Path({str(landlink_gis.__file__)!r}).parents[2] / "
        "'data/samples/bazhong_clean/project.toml')\n"
        "print(json.dumps(sorted(m for m in ('folium', 'matplotlib', 'mapclassify') if m in "
        "sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_all_is_sorted_and_complete():
    names = landlink_gis.__all__
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    for name in names:
        obj = getattr(landlink_gis, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
    public = {n for n in vars(landlink_gis) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(landlink_gis, n)).__name__ == "module"}
    assert public - modules == set(names) - {"__version__"}
