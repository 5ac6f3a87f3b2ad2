"""A small linkage project with planted problems, built on disk for the output/report tests.

EPSG:4545 squares (see geoms.py), hand-checkable:
- demolition D1 50 m square, D2 40 m square, D3 the 20 m bow-tie (GEOM001: a point finding);
- construction C1 40 m square overlapping D1 by 20 m × 20 m (OVL002, 400 m² planar), C2 30 m square;
- compensation K1 10 m square inside D2 (OVL001, 100 m² planar).
"""

from __future__ import annotations

from pathlib import Path

from tests.support.geoms import BOWTIE, square
from tests.support.helpers import frame, write_project


def build_small_project(folder: Path, *, name: str = "测试项目区", code: str = "TEST-001") -> Path:
    """Write the project into ``folder`` and return its TOML path."""
    demolition = frame(
        [
            {
                "DKBH": "D1",
                "DLBM": "0702",
                "MJ": 2500.0,
                "FKDL": "0103",
                "DKMC": "一号地块",
                "geometry": square(0, 0, 50),
            },
            {
                "DKBH": "D2",
                "DLBM": "0702",
                "MJ": 1600.0,
                "FKDL": "0103",
                "DKMC": "二号地块",
                "geometry": square(100, 0, 40),
            },
            {
                "DKBH": "D3",
                "DLBM": "0702",
                "MJ": 200.0,
                "FKDL": "0103",
                "DKMC": "三号地块",
                "geometry": BOWTIE,
            },
        ]
    )
    construction = frame(
        [
            {
                "DKBH": "C1",
                "DLBM": "0103",
                "MJ": 1600.0,
                "JXLX": "安置",
                "geometry": square(30, 30, 40),
            },
            {
                "DKBH": "C2",
                "DLBM": "0103",
                "MJ": 900.0,
                "JXLX": "城镇",
                "geometry": square(300, 0, 30),
            },
        ]
    )
    compensation = frame([{"BSM": "K1", "geometry": square(110, 10, 10)}])
    return write_project(
        folder,
        {"demolition": demolition, "construction": construction, "compensation": compensation},
        project={"name": name, "code": code, "county": "巴州区", "approved": "2019-05-06"},
        fmt="gpkg",
    )
