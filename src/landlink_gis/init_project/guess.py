"""Guesses from names, fields and coordinates: a layer's role, a raster's role, a missing CRS.

Pure functions of names, column lists and bounds (no I/O), so each guess is testable on its own.
"""

from __future__ import annotations

import re

import numpy as np

from ..base.crs import GK_ZONES, gk_epsg
from ..base.fields import DEFAULT_FIELD_NAMES, find_field

__all__ = [
    "PROVINCE_PROFILES",
    "RASTER_NAME_WORDS",
    "ROLE_FIELDS",
    "ROLE_NAME_WORDS",
    "crs_from_bounds",
    "guess_role",
    "name_role",
]

#: Words in a file or layer name that name a role, most specific role first (城镇开发边界 is a
#: development boundary, not urban construction; 拆旧地块边界 is demolition, not a boundary).
ROLE_NAME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "development_boundary",
        ("开发边界", "允许建设区", "CZKFBJ", "KFBJ", "YXJSQ", "development_boundary"),
    ),
    ("basic_farmland", ("基本农田", "YJJBNT", "JBNT", "basic_farmland", "farmland")),
    ("ecological_redline", ("生态保护红线", "红线", "STBHHX", "ecological_redline", "redline")),
    ("compensation", ("占补", "补充耕地", "ZBPH", "BCGD", "compensation")),
    ("illegal_land", ("违法", "违规", "WFYD", "illegal")),
    ("ledger", ("台账", "其他挂钩", "其他项目", "ledger", "other_project")),
    ("demolition", ("拆旧", "CJ", "demolition")),
    ("construction", ("建新", "安置", "城镇", "JX", "AZ", "construction")),
    ("landuse", ("地类图斑", "三调", "土地利用现状", "DLTB", "landuse", "land_use")),
    ("boundary", ("行政区", "边界", "界线", "XZQ", "boundary")),
)
#: Fields whose presence tells a role when the name does not: (role, any of, all of).
ROLE_FIELDS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("demolition", DEFAULT_FIELD_NAMES["reclaim_class"], ()),
    ("construction", DEFAULT_FIELD_NAMES["kind"], ()),
    ("illegal_land", ("WFBH", "WFYDBH"), ()),
    ("compensation", ("BCGDMJ", "ZBXMBH"), ()),
    ("basic_farmland", ("JBNTBH", "JBNTTBBH", "JBNTMJ"), ()),
    ("ecological_redline", ("HXMC", "HXBH", "HXLX"), ()),
    ("development_boundary", ("GNFQ", "GNFQDM", "KFBJMC"), ()),
    ("boundary", ("XZQDM", "XZQMC"), ()),
    ("landuse", (), ("DLBM", "CZCSXM", "TBMJ")),
    ("ledger", (), ("XMBH", "DKBH")),
)
#: Raster roles by name: (role, words).
RASTER_NAME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("slope", ("坡度", "slope", "PD")),
    ("quality", ("质量", "等别", "等级", "quality", "ZLDB", "GDZL")),
    ("dem", ("高程", "地形", "dem", "dtm", "elev")),
)
#: Province (first two digits of the 行政区代码) → profile; other provinces use ``national``.
PROVINCE_PROFILES: dict[str, str] = {"51": "sichuan", "14": "shanxi", "22": "jilin"}

_TWO_LETTER_TAILS = frozenset({"", "dk", "tb", "dkb", "qy", "fw", "xm"})


def _ascii_hit(name: str, word: str) -> bool:
    lower = name.lower()
    w = word.lower()
    if "_" in w:
        return w in re.sub(r"[^0-9a-z]+", "_", lower)
    for token in re.findall(r"[a-z]+", lower):
        if token == w or (len(w) >= 3 and token.startswith(w)):
            return True
        if len(w) == 2 and token.startswith(w) and token[2:] in _TWO_LETTER_TAILS:
            return True
    return False


def name_role(name: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, str] | None:
    for role, words in table:
        for word in words:
            if (word.isascii() and _ascii_hit(name, word)) or (not word.isascii() and word in name):
                return role, word
    return None


def guess_role(names: list[tuple[str, str]], columns: list[str]) -> tuple[str | None, str, str]:
    """The role of a layer from its names (tried in order) and then its fields.

    Parameters
    ----------
    names
        ``(basis, name)`` pairs, e.g. ``[("layer_name", "DLTB"), ("file_name", "参考数据")]``.
    columns
        The layer's attribute columns.

    Returns
    -------
    (role or None, basis, evidence)
        ``basis`` is the name's basis or ``"fields"``; ``evidence`` the word or fields that decided.
    """
    for basis, name in names:
        hit = name_role(name, ROLE_NAME_WORDS)
        if hit:
            return hit[0], basis, hit[1]
    for role, any_of, all_of in ROLE_FIELDS:
        found = find_field(columns, any_of) if any_of else None
        if found:
            return role, "fields", found
        if all_of and all(find_field(columns, (f,)) for f in all_of):
            return role, "fields", "+".join(find_field(columns, (f,)) or f for f in all_of)
    return None, "", ""


def crs_from_bounds(bounds: tuple[float, float, float, float]) -> tuple[int | None, str]:
    """EPSG code that coordinates with these bounds fit when a layer declares no CRS.

    Longitude/latitude in China → CGCS2000 geographic (4490); eastings carrying a zone prefix
    (36 512 345) → the prefixed CGCS2000 Gauss-Krüger zone (3°: 4488 + zone; 6°: via
    :func:`landlink_gis.base.crs.gk_epsg`). Eastings without prefix do not tell the zone: ``None``.

    Returns
    -------
    (int or None, str)
        The EPSG code and what it was inferred from (``geographic``, ``prefix:36``, or the reason
        for None: ``no_prefix``, ``not_china``).
    """
    minx, miny, maxx, maxy = bounds
    if not np.all(np.isfinite(bounds)):
        return None, "not_china"
    if 70 <= minx and maxx <= 140 and 0 <= miny and maxy <= 56:
        return 4490, "geographic"
    if not (300_000 <= miny and maxy <= 6_100_000):
        return None, "not_china"
    zone = int(minx // 1_000_000)
    if minx >= 1_000_000 and int(maxx // 1_000_000) == zone:
        for width in (3, 6):
            if zone in GK_ZONES[width]:
                return gk_epsg(zone, width=width, prefix=True), f"prefix:{zone}"
    if 0 < minx and maxx < 1_000_000:
        return None, "no_prefix"
    return None, "not_china"
