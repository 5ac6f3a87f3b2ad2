"""The ``bazhong_demo`` sample: a realistic project with planted violations of every rule family."""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import MultiPolygon, Polygon, box

from .clean import _clean_homesteads, _partly_farmland
from .common import DLMC, Sample, demolition_row

# ---------------------------------------------------------------------------------------------
# the two samples
# ---------------------------------------------------------------------------------------------
VILLAGES_DEMO = {  # name: local zone rectangle (x0, y0, x1, y1), clean homesteads
    "王家湾村": ((600, 2800, 960, 3100), 9),
    "李子垭村": ((2300, 3000, 2660, 3300), 9),
    "石门村": ((3000, 2000, 3360, 2300), 8),
    "高峰村": ((1300, 1500, 1660, 1800), 9),
    "青龙村": ((500, 700, 860, 1000), 7),
}


def build_demo(rng: np.random.Generator) -> Sample:
    """The demo project with planted violations (see EXPECTED.md for the list)."""
    s = Sample(
        "bazhong_demo",
        (380000.0, 3523000.0),
        4000.0,
        facts={
            "name": "巴州区曾口镇城乡建设用地增减挂钩示范项目区",
            "code": "511902-2019-001",
            "county": "巴州区",
            "approved": dt.date(2019, 5, 6),
            "accepted": dt.date(2022, 9, 15),
            "filed": dt.date(2022, 10, 25),
            "traded": dt.date(2019, 8, 1),
            "poverty_county": True,
        },
        cut_corner=True,
        geographic_layers=("illegal_land",),
    )
    r = s.r
    village_zone = {v: r(*box_) for v, (box_, _) in VILLAGES_DEMO.items()}
    for z in village_zone.values():
        s.zones.append((z, "0702", "203", None))

    # ---- construction plots (JX): 4 resettlement, 3 urban -------------------------------------
    jx = [  # id, name, kind, local rect, land class, quality, planted
        ("JX001", "高峰村集中安置点", "安置", (1700, 1550, 1750, 1590), "0103", 11, ["PLAN001"]),
        ("JX002", "青龙村集中安置点", "安置", (880, 800, 920, 840), "0103", 12, ["OVL004"]),
        ("JX003", "王家湾村集中安置点", "安置", (950, 2900, 990, 2935), "0103", 11, []),
        ("JX004", "李子垭村集中安置点", "安置", (2700, 3100, 2760, 3150), "0101", 11, []),
        ("JX005", "曾口镇城镇建新地块1", "城镇", (2600, 210, 2660, 260), "0103", 12, ["PLAN002"]),
        ("JX006", "曾口镇城镇建新地块2", "城镇", (3770, 800, 3820, 840), "0102", 11, ["PLAN003"]),
        ("JX007", "曾口镇城镇建新地块3", "城镇", (3000, 700, 3060, 750), "0101", 12, []),
    ]
    for pid, name, kind, lr, code, grade, planted in jx:
        g = r(*lr)
        s.construction.append(
            {
                "DKBH": pid,
                "DKMC": name,
                "DLBM": code,
                "DLMC": DLMC[code],
                "QSDWMC": name[:3] + "股份经济合作联合社" if kind == "安置" else "曾口镇人民政府",
                "MJ": None,
                "JXLX": kind,
                "ZLDB": grade,
                "geometry": g,
                "_planted": planted,
            }
        )
        zone = g.buffer(10.0, join_style="mitre").difference(
            shapely.union_all(list(village_zone.values()))
        )
        s.zones.append((zone, code, None, grade))

    # ---- planted demolition plots (axis-aligned rectangles, integer coordinates) --------------
    P = []  # (local rect or geometry, village, planted rules, extra attributes)
    P.append(
        (
            Polygon([(2320, 3020), (2340, 3040), (2340, 3020), (2320, 3040)]),
            "李子垭村",
            ["GEOM001"],
            {},
        )
    )
    P.append((None, "李子垭村", ["GEOM002"], {"MJ": 350.0}))
    P.append(((3020, 2020, 3050, 2040), "石门村", ["GEOM004"], {}))
    P.append(((3045, 2025, 3070, 2050), "石门村", ["GEOM004"], {}))
    P.append(((3100, 2260, 3200, 2260.5), "石门村", ["GEOM005"], {}))
    P.append(
        (
            MultiPolygon([box(1320, 1520, 1335, 1532), box(1345, 1520, 1357, 1530)]),
            "高峰村",
            ["GEOM006"],
            {},
        )
    )
    P.append(((520, 720, 545, 740), "青龙村", ["ATTR001"], {"DLBM": "", "DLMC": ""}))
    P.append(((620, 2820, 645, 2840), "王家湾村", ["ATTR002"], {}))
    P.append(((620, 2860, 640, 2880), "王家湾村", ["ATTR002"], {"_dup_of_previous": True}))
    P.append(((2380, 3020, 2410, 3045), "李子垭村", ["ATTR003"], {"_mj_factor": 1.03}))
    P.append(
        ((2440, 3020, 2465, 3040), "李子垭村", ["ATTR004"], {"DLBM": "0799", "DLMC": "其他宅基地"})
    )
    P.append(
        ((1380, 1520, 1400, 1545), "高峰村", ["ATTR005"], {"DLBM": "0701", "DLMC": DLMC["0701"]})
    )
    P.append(((580, 720, 600, 745), "青龙村", ["ATTR006"], {"ZLDB": 17, "FKDL": "0301"}))
    P.append(((640, 720, 670, 745), "青龙村", ["OVL001"], {}))
    P.append(((930, 2905, 958, 2925), "王家湾村", ["OVL002"], {}))
    P.append(((3300, 2250, 3330, 2275), "石门村", ["OVL003"], {}))
    P.append(((1100, 2400, 1130, 2420), "王家湾村", ["PLAN004"], {}))
    P.append(((2100, 2590, 2125, 2610), "高峰村", ["PLAN006"], {}))
    P.append(((290, 1500, 320, 1520), "青龙村", ["PLAN007"], {}))
    for geom, village, planted, extra in P:
        if isinstance(geom, tuple):
            geom = r(*geom)
        elif geom is not None:
            geom = shapely.affinity.translate(geom, *s.origin)
        s.demolition.append(demolition_row(geom, village, _planted=planted, **extra))
    # hamlet zones for planted plots that lie outside the villages
    s.zones.append((r(1080, 2380, 1150, 2440), "0103", None, 11))  # PLAN004: on dry land
    s.zones.append((r(2095, 2585, 2130, 2615), "0702", "203", None))  # PLAN006: on the mesa flank
    s.zones.append((r(280, 1490, 330, 1530), "0702", "203", None))  # PLAN007: on the county line
    s.zones.append((r(3100, 900, 3700, 1250), "0701", "202", None))  # built-up township
    s.mesas.append((s.origin[0] + 2000, s.origin[1] + 2600))

    # ---- reference layers ----------------------------------------------------------------------
    ref = s.layers
    ref["compensation"] = [
        {
            "XMBH": "511902-BC-2018-007",
            "XMMC": "曾口镇土地整理补充耕地项目",
            "geometry": r(655, 700, 700, 730),
        },
        {
            "XMBH": "511902-BC-2018-007",
            "XMMC": "曾口镇土地整理补充耕地项目",
            "geometry": r(1900, 400, 2010, 480),
        },
        {
            "XMBH": "511902-BC-2020-002",
            "XMMC": "巴州区高标准农田补充耕地项目",
            "geometry": r(120, 3500, 260, 3600),
        },
    ]
    ref["other_projects"] = [
        {"XMBH": "511902-2017-003", "DKBH": "CJ201", "geometry": r(3318, 2265, 3348, 2290)},
        {"XMBH": "511902-2017-003", "DKBH": "CJ202", "geometry": r(3520, 3600, 3550, 3625)},
        {"XMBH": "511902-2017-003", "DKBH": "CJ203", "geometry": r(3580, 3610, 3602, 3640)},
        {"XMBH": "511902-2017-003", "DKBH": "CJ204", "geometry": r(3540, 3680, 3565, 3700)},
    ]
    ref["illegal_land"] = [
        {"WFBH": "WF2020-0311", "geometry": r(900, 820, 950, 870)},
        {"WFBH": "WF2021-0087", "geometry": r(1850, 3350, 1900, 3390)},
    ]
    ref["basic_farmland"] = [{"DLBM": "0103", "geometry": r(1725, 1500, 1800, 1640)}]
    ref["ecological_redline"] = [
        {"HXMC": "巴河湿地生态保护红线", "geometry": r(2640, 150, 2760, 225)}
    ]
    town = shapely.affinity.translate(
        Polygon(
            [
                (2400, 200),
                (2900, 180),
                (3400, 230),
                (3800, 300),
                (3800, 1300),
                (3300, 1340),
                (2800, 1280),
                (2420, 1150),
            ]
        ),
        *s.origin,
    )
    ref["development_boundary"] = [{"GNFQ": "城镇集中建设区", "geometry": town}] + [
        {"GNFQ": "村庄建设区(允许建设区)", "geometry": r(*b)}
        for b in [
            (1690, 1540, 1760, 1600),
            (870, 790, 930, 850),
            (945, 2895, 995, 2940),
            (2690, 3090, 2770, 3160),
        ]
    ]
    ref["boundary"] = [
        {
            "XZQMC": "巴州区",
            "XZQDM": "511902",
            "geometry": shapely.affinity.translate(
                Polygon(
                    [
                        (300, -2500),
                        (300, 1200),
                        (300, 1800),
                        (300, 6500),
                        (5200, 8800),
                        (9800, 6100),
                        (11200, 900),
                        (7600, -3900),
                        (2600, -4600),
                    ]
                ),
                *s.origin,
            ),
        }
    ]

    # ---- clean homesteads ----------------------------------------------------------------------
    forbidden = shapely.union_all(
        [shapely.make_valid(d["geometry"]) for d in s.demolition if d["geometry"] is not None]
        + [c["geometry"] for c in s.construction]
        + [
            f["geometry"]
            for k in (
                "compensation",
                "other_projects",
                "illegal_land",
                "basic_farmland",
                "ecological_redline",
            )
            for f in ref[k]
        ]
    )
    _clean_homesteads(
        rng,
        s,
        {v: (village_zone[v], n) for v, (_, n) in VILLAGES_DEMO.items()},
        forbidden,
        paddy_p=0.08,
    )
    _partly_farmland(s, "王家湾村", (1170, 2300, 1210, 2320), split_x=1200, grade=11)
    return s
