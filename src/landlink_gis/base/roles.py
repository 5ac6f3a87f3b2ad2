"""The layer roles of a project and how they read in messages: one home for both.

A project names one layer per role (the plots to check and the reference layers they are
checked against) and rasters by role; every stage refers to roles by these codes.
"""

from __future__ import annotations

__all__ = ["LAYER_LABELS", "LAYER_ROLES", "PLOT_ROLES", "RASTER_LABELS", "RASTER_ROLES"]

#: Vector layer roles of a project file.
LAYER_ROLES: tuple[str, ...] = (
    "demolition",
    "construction",
    "compensation",
    "ledger",
    "illegal_land",
    "basic_farmland",
    "ecological_redline",
    "development_boundary",
    "landuse",
    "boundary",
    "survey_after",
)
#: How layer roles read in messages, per language.
LAYER_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "demolition": "拆旧地块",
        "construction": "建新地块",
        "compensation": "占补平衡已用地",
        "ledger": "其他挂钩项目地块",
        "illegal_land": "违法违规用地",
        "basic_farmland": "永久基本农田",
        "ecological_redline": "生态保护红线",
        "development_boundary": "城镇开发边界",
        "landuse": "三调地类图斑",
        "boundary": "县域/项目区界线",
        "survey_after": "验收变更调查/竣工测量图斑",
        "project": "项目区",
    },
    "en": {},
}
#: Raster roles of a project file.
RASTER_ROLES: tuple[str, ...] = ("dem", "slope", "quality")
#: The roles whose features are the plots being checked (the others are reference layers).
PLOT_ROLES: tuple[str, ...] = ("demolition", "construction")
#: How raster roles read in messages and reports, per language.
RASTER_LABELS: dict[str, dict[str, str]] = {
    "zh": {"dem": "数字高程模型（DEM）", "slope": "坡度栅格", "quality": "耕地质量等别栅格"},
    "en": {"dem": "DEM raster", "slope": "slope raster", "quality": "quality-grade raster"},
}
