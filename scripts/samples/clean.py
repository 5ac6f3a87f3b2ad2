"""The ``bazhong_clean`` sample: a smaller project that passes every rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import Polygon

from .common import DLMC, Sample, demolition_row, place_homesteads


def _partly_farmland(s: Sample, village: str, lr, *, split_x: float, grade: int) -> None:
    """A demolition plot 3/4 on a hamlet (0702, 村庄) and 1/4 on 旱地 in the survey: only the
    hamlet part is quota basis; PLAN004 (share 0.75 ≥ 0.5) does not fire. Added after the
    clean homesteads so that their random placement is unchanged."""
    x0, y0, x1, y1 = lr
    s.zones.append((s.r(x0 - 10, y0 - 10, split_x, y1 + 10), "0702", "203", None))
    s.zones.append((s.r(split_x, y0 - 10, x1 + 20, y1 + 10), "0103", None, grade))
    s.demolition.append(demolition_row(s.r(*lr), village, _partly_farmland=True))


def build_clean(rng: np.random.Generator) -> Sample:
    """The clean project: no rule fires."""
    s = Sample(
        "bazhong_clean",
        (376000.0, 3531000.0),
        3000.0,
        facts={
            "name": "巴州区清江镇城乡建设用地增减挂钩项目区",
            "code": "511902-2021-004",
            "county": "巴州区",
            "approved": dt.date(2021, 3, 1),
            "accepted": dt.date(2023, 6, 1),
            "filed": dt.date(2023, 6, 9),
            "traded": None,
            "poverty_county": True,
            # the facts the filing package needs (DOMAIN.md §4c): the clean sample is fileable
            "filing_code": "51190220210004",
            "households": 38,
            "funds_wan_yuan": 1260.5,
        },
    )
    r = s.r
    villages = {
        "白庙村": ((500, 2000, 860, 2300), 7),
        "双河村": ((1800, 2200, 2160, 2500), 7),
        "龙背村": ((1200, 800, 1560, 1100), 6),
    }
    village_zone = {v: r(*b) for v, (b, _) in villages.items()}
    for z in village_zone.values():
        s.zones.append((z, "0702", "203", None))
    jx = [
        ("JX001", "白庙村集中安置点", "安置", (900, 2100, 950, 2140), "0103", 11),
        ("JX002", "双河村集中安置点", "安置", (2200, 2300, 2240, 2350), "0101", 11),
        ("JX003", "清江镇城镇建新地块1", "城镇", (2100, 500, 2160, 550), "0103", 12),
    ]
    for pid, name, kind, lr, code, grade in jx:
        g = r(*lr)
        s.construction.append(
            {
                "DKBH": pid,
                "DKMC": name,
                "DLBM": code,
                "DLMC": DLMC[code],
                "QSDWMC": name[:3] + "股份经济合作联合社" if kind == "安置" else "清江镇人民政府",
                "MJ": None,
                "JXLX": kind,
                "ZLDB": grade,
                "geometry": g,
                "_planted": [],
            }
        )
        s.zones.append((g.buffer(10.0, join_style="mitre"), code, None, grade))
    s.zones.append((r(2300, 300, 2800, 700), "0701", "202", None))
    ref = s.layers
    ref["compensation"] = [
        {
            "XMBH": "511902-BC-2019-011",
            "XMMC": "清江镇补充耕地项目",
            "geometry": r(300, 400, 420, 500),
        }
    ]
    ref["other_projects"] = [
        {"XMBH": "511902-2016-002", "DKBH": "CJ301", "geometry": r(2600, 2700, 2625, 2725)}
    ]
    ref["illegal_land"] = [{"WFBH": "WF2022-0150", "geometry": r(1500, 1600, 1540, 1650)}]
    ref["basic_farmland"] = []
    ref["ecological_redline"] = []
    ref["development_boundary"] = [
        {"GNFQ": "城镇集中建设区", "geometry": r(2000, 250, 2900, 900)},
        {"GNFQ": "村庄建设区(允许建设区)", "geometry": r(890, 2090, 960, 2150)},
        {"GNFQ": "村庄建设区(允许建设区)", "geometry": r(2190, 2290, 2250, 2360)},
    ]
    ref["boundary"] = [
        {
            "XZQMC": "巴州区",
            "XZQDM": "511902",
            "geometry": shapely.affinity.translate(
                Polygon([(-4000, -3000), (-1500, 5200), (4200, 6800), (8300, 2500), (5000, -4200)]),
                *s.origin,
            ),
        }
    ]
    forbidden = shapely.union_all(
        [c["geometry"] for c in s.construction]
        + [
            f["geometry"]
            for k in ("compensation", "other_projects", "illegal_land")
            for f in ref[k]
        ]
    )
    _clean_homesteads(
        rng, s, {v: (village_zone[v], n) for v, (_, n) in villages.items()}, forbidden, paddy_p=0.4
    )
    _partly_farmland(s, "龙背村", (1250, 700, 1290, 720), split_x=1280, grade=10)
    return s


def _clean_homesteads(rng, s: Sample, villages: dict, forbidden, *, paddy_p: float) -> None:
    """Add clean homesteads (random shapes, declared class mostly 0702) to ``s.demolition``."""
    for village, (zone, n) in villages.items():
        for g in place_homesteads(rng, zone, n, forbidden):
            code = str(rng.choice(["0702", "0601", "1201"], p=[0.86, 0.08, 0.06]))
            fk = str(rng.choice(["0103", "0101", "0301"], p=[0.9 - paddy_p, paddy_p, 0.1]))
            s.demolition.append(demolition_row(g, village, code, FKDL=fk))
