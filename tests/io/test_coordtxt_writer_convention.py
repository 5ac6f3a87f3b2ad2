"""The writer numbers each ring clockwise from its north-west-most point (the 界址点 convention),
holes and further parts with their own 圈号; the reader gets the same polygons back."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from landlink_gis.io.coordtxt import read_coordtxt, write_coordtxt


def _rings(path) -> dict[tuple[str, int], list[tuple[str, float, float]]]:
    """(地块编号, 圈号) → [(点号, X northing, Y easting)] as written, closing point included."""
    out: dict = {}
    plot = None
    for line in path.read_bytes().decode("gbk").splitlines():
        fields = line.split(",")
        if fields[-1] == "@":
            plot = fields[2]
        elif plot is not None and len(fields) == 4:
            out.setdefault((plot, int(fields[1])), []).append(
                (fields[0], float(fields[2]), float(fields[3]))
            )
    return out


def test_rings_clockwise_from_the_north_west(tmp_path):
    # counter-clockwise shell starting in the south-east; a hole written clockwise already; a
    # second part: a diamond whose north-west-most vertex (nearest its box's NW corner) is (0, 10)
    shell = [(500_100.0, 3_500_000.0), (500_100.0, 3_500_080.0), (500_000.0, 3_500_080.0),
             (500_000.0, 3_500_000.0)]  # fmt: skip
    hole = [(500_040.0, 3_500_030.0), (500_040.0, 3_500_040.0), (500_060.0, 3_500_040.0),
            (500_060.0, 3_500_030.0)]  # fmt: skip
    diamond = [(500_310.0, 3_500_000.0), (500_320.0, 3_500_010.0), (500_310.0, 3_500_020.0),
               (500_300.0, 3_500_010.0)]  # fmt: skip
    gdf = gpd.GeoDataFrame(
        {"DKBH": ["A", "B"]},
        geometry=[Polygon(shell, [hole]), MultiPolygon([Polygon(shell), Polygon(diamond)])],
        crs="EPSG:4545",
    )
    path = tmp_path / "out.txt"
    write_coordtxt(gdf, path, id_field="DKBH")
    rings = _rings(path)
    assert sorted(rings) == [("A", 1), ("A", 2), ("B", 1), ("B", 2)]
    # by hand: the shell's NW corner is (500000, 3500080); clockwise (x east, y north) goes east
    assert [(x, y - 36_000_000) for _, x, y in rings[("A", 1)]] == [
        (3_500_080.0, 500_000.0),
        (3_500_080.0, 500_100.0),
        (3_500_000.0, 500_100.0),
        (3_500_000.0, 500_000.0),
        (3_500_080.0, 500_000.0),
    ]
    assert [p for p, _, _ in rings[("A", 1)]] == ["J1", "J2", "J3", "J4", "J1"]
    assert [p for p, _, _ in rings[("A", 2)]] == ["J5", "J6", "J7", "J8", "J5"]  # numbers go on
    assert (rings[("A", 2)][0][1], rings[("A", 2)][0][2] - 36_000_000) == (3_500_040.0, 500_040.0)
    # the diamond's bounding box NW corner is (500300, 3500020): nearest vertices (500300,
    # 3500010) and (500310, 3500020) tie at 10 m; the first of the ring as given wins
    first = rings[("B", 2)][0]
    assert (first[2] - 36_000_000, first[1]) in {(500_300.0, 3_500_010.0), (500_310.0, 3_500_020.0)}
    for pts in rings.values():
        e = np.array([y for _, _, y in pts])
        n = np.array([x for _, x, _ in pts])
        twice_area = np.sum(e[:-1] * n[1:] - e[1:] * n[:-1])  # shoelace, x east / y north
        assert twice_area < 0  # clockwise
        assert pts[0] == pts[-1]  # closed
    back = read_coordtxt(path).to_crs(4545)
    moved = shapely.symmetric_difference(back.geometry.to_numpy(), gdf.geometry.to_numpy())
    assert (shapely.area(moved) < 1e-6).all()  # the same polygons (reprojection noise only)
