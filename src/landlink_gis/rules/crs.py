"""CRS rules (CRS001–CRS004): is every layer in CGCS2000, in a zone its coordinates fit?"""

from __future__ import annotations

import geopandas as gpd

from ..base.crs import coordinate_problems, crs_label, inspect_crs
from ..base.findings import combine, make
from ..base.roles import PLOT_ROLES
from ..load.context import CheckContext
from ._citations import CGCS2000_NOTICE, SURVEY_TDT1055
from ._registry import rule

_ZONE_HEADER = {
    "zh": "坐标交换文件属性描述的带号 {declared} 与坐标 Y 的带号前缀 {found} 不符",
    "en": "the coordinate TXT's header gives 带号 {declared} but its eastings carry zone {found}",
}


def _whole(value) -> str:
    return "" if value is None else f"{int(value)}"


_REF = f"{CGCS2000_NOTICE}：土地管理数据采用 2000 国家大地坐标系; {SURVEY_TDT1055} 数学基础：CGCS2000、高斯-克吕格投影"


def _per_layer(ctx: CheckContext, test) -> gpd.GeoDataFrame | None:
    rows = []
    for role, info in ctx.sources.items():
        result = test(role, info)
        if result:
            for reason in result if isinstance(result, list) else [result]:
                rows.append(
                    make(layer=role, plot_id="", source=info.source, reason=reason, crs=ctx.crs)
                )
    return combine(rows)


@rule(
    "CRS001",
    name="crs.missing",
    severity="error",
    title=("图层缺少坐标系", "Layer has no CRS"),
    message=(
        "图层 {layer}（{source}）没有坐标系定义（缺少 .prj）；已按项目坐标系处理，请补充 CGCS2000 "
        "坐标系文件",
        "Layer {layer} ({source}) has no CRS (no .prj); it was read as the project CRS — add the "
        "CGCS2000 .prj",
    ),
    reference=_REF,
    example="拆旧地块.shp without 拆旧地块.prj",
)
def missing_crs(ctx: CheckContext):
    """A layer without a coordinate reference system cannot be trusted for filing."""
    return _per_layer(ctx, lambda role, info: info.crs is None)


@rule(
    "CRS002",
    name="crs.not_cgcs2000",
    severity="error",
    title=("坐标系不是 CGCS2000 投影坐标系", "CRS is not a projected CGCS2000 CRS"),
    message=(
        "图层 {layer} 的坐标系为 {reason}，报备数据须采用 2000 "
        "国家大地坐标系（CGCS2000）高斯-克吕格投影",
        "Layer {layer} is in {reason}; filing needs CGCS2000 Gauss-Krüger coordinates",
    ),
    reference=_REF,
    example="a layer in Xian 1980 / 3-degree GK CM 108E (EPSG:2381)",
)
def not_cgcs2000(ctx: CheckContext):
    """Xian 1980, Beijing 1954 or WGS 84 data are not accepted (their datum shift is not a plain
    reprojection), in any layer. The filed plot layers must also be projected (Gauss-Krüger); a
    reference layer in geographic CGCS2000 is simply reprojected (CRS004)."""

    def test(role, info):
        if info.crs is None:
            return None
        ci = inspect_crs(info.crs)
        if not ci.is_cgcs2000:
            return crs_label(info.crs, ctx.lang)
        if ci.is_geographic and role in PLOT_ROLES:
            return crs_label(info.crs, ctx.lang)
        return None

    return _per_layer(ctx, test)


@rule(
    "CRS003",
    name="crs.coordinates_mismatch",
    severity="error",
    title=("坐标与坐标系/分带不符", "Coordinates do not fit the CRS/zone"),
    message=("图层 {layer}：{reason}", "Layer {layer}: {reason}"),
    reference=f"{SURVEY_TDT1055} 数学基础：高斯-克吕格投影 3° 分带，横坐标加带号时须与分带一致",
    example="eastings of 36 512 345 in EPSG:4545 (which expects no zone prefix)",
)
def coordinates_mismatch(ctx: CheckContext):
    """Coordinates must lie where the declared zone puts them: prefix present or absent as the
    CRS says, eastings near 500 km, northings inside China."""

    def test(role, info):
        if info.count == 0:
            return None
        # a layer without a CRS (CRS001) was read as the project CRS: its coordinates must fit that
        # one
        reasons = coordinate_problems(
            info.bounds, inspect_crs(info.crs if info.crs is not None else ctx.crs)
        )
        # a coordinate TXT whose header 带号 disagrees with the zone prefix of its coordinates
        # (the reader's read problem, found by the content check of ``package --verify``)
        reasons += [
            _ZONE_HEADER[ctx.lang].format(declared=_whole(p.declared), found=_whole(p.found))
            for p in info.problems
            if p.code == "zone"
        ]
        return reasons or None

    return _per_layer(ctx, test)


@rule(
    "CRS004",
    name="crs.reprojected",
    severity="info",
    title=("图层坐标系不一致，已转换", "Layers in different CRS were reprojected"),
    message=(
        "图层 {layer} 的坐标系 {reason} 与项目坐标系不同，已转换到项目坐标系",
        "Layer {layer} in {reason} differs from the project CRS; reprojected to it",
    ),
    reference=f"{SURVEY_TDT1055} 数学基础：全部图层统一采用项目的 CGCS2000 投影坐标系",
    example="the compensation layer in EPSG:4524 (zone prefix) while the plots are in EPSG:4545",
)
def reprojected(ctx: CheckContext):
    """Layers in another CRS are reprojected to the project CRS; this records that it happened."""
    return _per_layer(
        ctx,
        lambda role, info: (
            crs_label(info.crs, ctx.lang) if info.reprojected and info.crs is not None else None
        ),
    )
