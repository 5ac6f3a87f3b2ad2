"""Attribute rules (ATTR001–ATTR007): ids, land classes, grades and declared areas of the plots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..base import codes
from ..base.fields import FIELD_LABELS_ZH, blank
from ..base.findings import combine, make
from ..base.roles import PLOT_ROLES
from ..figures.landuse import farmland_under, survey_pairs
from ..load.context import CheckContext
from ._citations import JILIN_2017, MONITORING_2014, PILOT_2008, SHANXI_2018, SURVEY_TDT1055
from ._common import reference_ids
from ._registry import rule


@rule(
    "ATTR001",
    name="attributes.required",
    severity="error",
    title=("必填字段缺失或为空", "Required field missing or empty"),
    message=(
        "{layer} {plot_id} 的必填字段“{field_zh}”缺失或为空",
        "{layer} plot {plot_id}: required field {field} is missing or empty",
    ),
    reference=f"{MONITORING_2014} 二(一) 确保报备信息完整、准确; {JILIN_2017} 第二十一条 做到界址、面积和权属清楚",
    params={
        "require_occupied_quality": (
            False,
            "construction plots on cultivated land must state the quality grade of the farmland "
            "they occupy (jilin)",
        )
    },
    example="a construction plot with an empty DKBH; in jilin, a construction plot on 0103 旱地 with an empty ZLDB",
)
def required(ctx: CheckContext, require_occupied_quality):
    """Every plot needs an id and a land-class code. Where the profile requires it (jilin),
    construction plots that occupy cultivated land (by the land-survey layer, else by their
    declared class) must also state its quality grade."""
    out = []
    for role in (r for r in PLOT_ROLES if ctx.has(r)):
        frame = ctx.layer(role)
        needed = [("plot_id", None), ("land_class", None)]
        if role == "construction" and require_occupied_quality:
            needed.append(
                ("quality", farmland_under(ctx, role)["cultivated_m2"].to_numpy(dtype=float) > 0)
            )
        for name, scope in needed:
            if scope is not None and not scope.any():
                continue
            if name in ctx.sources[role].missing_fields:
                out.append(
                    make(
                        layer=role,
                        plot_id="(全部/all)",
                        field=name,
                        field_zh=FIELD_LABELS_ZH[name],
                        crs=ctx.crs,
                    )
                )
                continue
            values = frame[name].to_numpy()
            empty = blank(values) if values.dtype == object else np.isnan(values.astype(float))
            if scope is not None:
                empty &= scope
            bad = np.flatnonzero(empty)
            if len(bad):
                out.append(
                    make(
                        layer=role,
                        plot_id=ctx.plot_ids(role, bad),
                        geometry=frame.geometry.array[bad],
                        field=name,
                        field_zh=FIELD_LABELS_ZH[name],
                        crs=ctx.crs,
                    )
                )
    return combine(out)


@rule(
    "ATTR002",
    name="attributes.duplicate_id",
    severity="error",
    title=("地块编号重复", "Duplicate plot id"),
    message=(
        "{layer}编号 {plot_id} 重复出现 {measured:.0f} 次",
        "{layer} plot id {plot_id} occurs {measured:.0f} times",
    ),
    reference=f"{JILIN_2017} 第二十一条 做到界址、面积和权属清楚; {MONITORING_2014} 二(一) 确保报备信息完整、准确",
    example="two demolition plots both numbered DKBH = CJ001",
)
def duplicate_id(ctx: CheckContext):
    """Plot ids must be unique within a layer, or findings and the ledger cannot tell plots
    apart."""
    out = []
    for role in (r for r in PLOT_ROLES if ctx.has(r)):
        if "plot_id" in ctx.sources[role].missing_fields:
            continue
        frame = ctx.layer(role)
        ids = pd.Series(frame["plot_id"].to_numpy(dtype=object)).astype("string").str.strip()
        ids = ids.where(ids.ne(""), pd.NA)
        counts = ids.map(ids.value_counts())
        bad = np.flatnonzero(counts.fillna(0).to_numpy() > 1)
        if len(bad):
            out.append(
                make(
                    layer=role,
                    plot_id=ids.to_numpy(dtype=object)[bad],
                    geometry=frame.geometry.array[bad],
                    measured=counts.to_numpy(dtype=float)[bad],
                    unit="count",
                    crs=ctx.crs,
                )
            )
    return combine(out)


@rule(
    "ATTR003",
    name="attributes.area_mismatch",
    severity="warning",
    title=("申报面积与椭球面积不符", "Declared area differs from the ellipsoidal area"),
    message=(
        "{layer} {plot_id} 申报面积 {declared:.2f} m² 与计算的椭球面积 {measured:.2f} m² 相差 "
        "{diff:.2f} m²，超过允许误差 {threshold:.2f} m²",
        "{layer} plot {plot_id}: declared area {declared:.2f} m² differs from the ellipsoidal area "
        "{measured:.2f} m² by {diff:.2f} m², more than the tolerance {threshold:.2f} m²",
    ),
    reference=f"{JILIN_2017} 第二十一条 界址、面积、权属一致; TD/T 1055-2019 椭球面积",
    params={
        "area_abs_tol_m2": (1.0, "absolute tolerance (m²) between declared and computed area"),
        "area_rel_tol": (0.005, "relative tolerance (fraction of the computed area)"),
    },
    example="MJ = 1000 for a plot whose ellipsoidal area is 990 m² (tolerance 5 m²)",
)
def area_mismatch(ctx: CheckContext, area_abs_tol_m2, area_rel_tol):
    """The declared area (MJ/TBMJ) must match the ellipsoidal area within max(absolute, relative)
    tolerance. ``measured`` is the computed area, ``threshold`` the allowed difference."""
    out = []
    for role in (r for r in PLOT_ROLES if ctx.has(r)):
        if "area_declared" in ctx.sources[role].missing_fields:
            continue
        frame = ctx.layer(role)
        declared = frame["area_declared"].to_numpy(dtype=float)
        computed = ctx.area(role)
        geoms = np.asarray(frame.geometry.array, dtype=object)
        usable = np.isfinite(declared) & (computed > 0)
        diff = np.abs(declared - computed)
        tol = np.maximum(area_abs_tol_m2, area_rel_tol * computed)
        bad = np.flatnonzero(usable & (diff > tol))
        if len(bad):
            out.append(
                make(
                    layer=role,
                    plot_id=ctx.plot_ids(role, bad),
                    geometry=geoms[bad],
                    measured=computed[bad],
                    threshold=tol[bad],
                    unit="m2",
                    declared=declared[bad],
                    diff=diff[bad],
                    crs=ctx.crs,
                )
            )
    return combine(out)


def _filled(values: np.ndarray) -> np.ndarray:
    return ~blank(values) if len(values) else np.zeros(0, bool)


@rule(
    "ATTR004",
    name="attributes.unknown_class",
    severity="error",
    title=(
        "地类编码不在 GB/T 21010-2017 / 三调分类中",
        "Land-class code not in GB/T 21010-2017 / 三调",
    ),
    message=(
        "{layer} {plot_id} 的{field_zh} {code} 不是 GB/T 21010-2017 或三调工作分类中的地类编码",
        "{layer} plot {plot_id}: {field} {code} is not a GB/T 21010-2017 or 三调 land-class code",
    ),
    reference="GB/T 21010-2017 土地利用现状分类; TD/T 1055-2019 第三次全国国土调查技术规程",
    example="DLBM = 0799 (no such second-level class)",
)
def unknown_class(ctx: CheckContext):
    """Declared land classes (current class, and the class after reclamation of demolition plots)
    must be codes of GB/T 21010-2017 or the 三调 working classification; a wrong code makes
    every balance figure wrong."""
    out = []
    checks = [
        ("demolition", "land_class"),
        ("demolition", "reclaim_class"),
        ("construction", "land_class"),
    ]
    for role, name in checks:
        if not ctx.has_field(role, name):
            continue
        frame = ctx.layer(role)
        values = frame[name].to_numpy(dtype=object)
        bad = (
            np.flatnonzero(_filled(values) & ~np.asarray(codes.is_known(values), dtype=bool))
            if len(values)
            else []
        )
        if len(bad):
            out.append(
                make(
                    layer=role,
                    plot_id=ctx.plot_ids(role, bad),
                    geometry=frame.geometry.array[bad],
                    field=name,
                    field_zh=FIELD_LABELS_ZH[name],
                    code=values[bad],
                    crs=ctx.crs,
                )
            )
    return combine(out)


@rule(
    "ATTR005",
    name="attributes.not_rural_construction",
    severity="error",
    title=("拆旧地块不是农村建设用地", "Demolition plot is not rural construction land"),
    message=(
        "拆旧地块 {plot_id} 的地类 {code}（{class_name}）{where}不是农村建设用地，不能作为拆旧地块",
        "Demolition plot {plot_id}: class {code} ({class_name_en}){where_en} is not rural "
        "construction land and cannot be demolished for quota",
    ),
    reference=f"{PILOT_2008} 拆旧地块为拟整理复垦为耕地的农村建设用地地块; {SHANXI_2018} 一 拆旧地块为拟整理复垦为耕地的农村建设用地地块; GB/T 21010-2017; {SURVEY_TDT1055} 城镇村属性码",  # noqa: E501
    example="DLBM = 0701 城镇住宅用地, or 0702 with CZCSXM = 201 (城市)",
)
def not_rural_construction(ctx: CheckContext):
    """A demolition plot must be rural construction land: the 城镇村 construction codes 05*, 06*,
    07* (not 0701 城镇住宅), 08*, 09, 1004, 1005 or 1201, and where the layer carries
    城镇村属性码 (CZCSXM) it must be 村庄 (203/203A) or 采矿 (204/204A). Blank or unknown
    codes are left to ATTR001/ATTR004."""
    if not ctx.has_field("demolition", "land_class"):
        return None
    frame = ctx.layer("demolition")
    classes = frame["land_class"].to_numpy(dtype=object)
    if not len(classes):
        return None
    considered = _filled(classes) & np.asarray(codes.is_known(classes), dtype=bool)
    eligible = np.asarray(codes.is_rural_construction(classes), dtype=bool)
    cz = (
        frame["czcsxm"].to_numpy(dtype=object)
        if ctx.has_field("demolition", "czcsxm")
        else np.full(len(frame), None, dtype=object)
    )
    has_cz = _filled(cz)
    ok = codes.is_rural_construction_land(classes, cz)
    bad = np.flatnonzero(considered & ~ok)
    if not len(bad):
        return None
    cz_bad = has_cz[bad] & eligible[bad]
    czv = np.asarray(codes.normalise_czcsxm(cz[bad]), dtype=object)
    where = np.array(
        [f"（城镇村属性码 {c}）" if f else "" for c, f in zip(czv, cz_bad, strict=True)],
        dtype=object,
    )
    where_en = np.array(
        [f" (CZCSXM {c})" if f else "" for c, f in zip(czv, cz_bad, strict=True)], dtype=object
    )
    code = np.asarray(codes.normalise_code(classes[bad]), dtype=object)
    return make(
        layer="demolition",
        plot_id=ctx.plot_ids("demolition", bad),
        geometry=frame.geometry.array[bad],
        code=code,
        class_name=codes.class_name(code),
        class_name_en=codes.class_name(code, lang="en"),
        where=where,
        where_en=where_en,
        crs=ctx.crs,
    )


@rule(
    "ATTR006",
    name="attributes.grade_out_of_scale",
    severity="error",
    title=("质量等别/等级或坡度级别超出范围", "Quality grade or slope class outside its scale"),
    message=(
        "{layer} {plot_id} 的{field_zh} {measured:g} 超出范围 {low}–{high}",
        "{layer} plot {plot_id}: {field} {measured:g} is outside {low}–{high}",
    ),
    reference="GB/T 28407 耕地质量等别 1–15; GB/T 33469 耕地质量等级 1–10; 耕地坡度级别 1–5",
    example="ZLDB = 17 in a project on the 等别 scale (1–15)",
)
def grade_out_of_scale(ctx: CheckContext):
    """Quality grades must be integers on the project's scale (等别 1–15 or 等级 1–10,
    ``quality_scale``) and slope classes integers 1–5. Checked on the plot layers and, for the
    quality grade, on the cultivated features of the land-survey layer (whose GDDB feeds the
    occupied-quality balance). Blank values are left to ATTR001."""
    scale = ctx.project.quality_scale
    low, high = codes.QUALITY_SCALES[scale]
    scale_zh = "耕地质量等别" if scale == "dengbie" else "耕地质量等级"
    out = []
    for role in ("demolition", "construction", "landuse"):
        fields = [
            (
                "quality",
                scale_zh,
                f"quality grade ({scale})",
                low,
                high,
                lambda v: codes.valid_quality(v, scale),
            )
        ]
        if role != "landuse":
            fields.append(
                ("slope_class", "耕地坡度级别", "slope class", 1, 5, codes.valid_slope_class)
            )
        for name, zh, en, lo, hi, valid in fields:
            if not ctx.has_field(role, name):
                continue
            frame = ctx.attributes(role)
            values = frame[name].to_numpy(dtype=float)
            mask = (
                np.isfinite(values) & ~np.asarray(valid(values), dtype=bool)
                if len(values)
                else np.zeros(0, bool)
            )
            if role == "landuse":
                mask &= np.asarray(
                    codes.is_cultivated(frame["land_class"].to_numpy(dtype=object)), dtype=bool
                )
            bad = np.flatnonzero(mask)
            if len(bad):
                ids = (
                    ctx.plot_ids(role, bad) if role != "landuse" else reference_ids(ctx, role, bad)
                )
                out.append(
                    make(
                        layer=role,
                        plot_id=ids,
                        geometry=ctx.geoms(role)[bad],
                        measured=values[bad],
                        unit="grade",
                        field=en,
                        field_zh=zh,
                        low=lo,
                        high=hi,
                        crs=ctx.crs,
                    )
                )
    return combine(out)


@rule(
    "ATTR007",
    name="attributes.owner_mismatch",
    severity="warning",
    title=("申报权属单位与三调权属单位不一致", "Declared owner differs from the land-survey owner"),
    message=(
        "{layer} {plot_id} 申报权属单位“{declared}”与三调地类图斑权属单位“{surveyed}”（占地块 "
        "{share:.1f}%）不一致",
        "{layer} plot {plot_id}: declared owner '{declared}' differs from the land-survey owner "
        "'{surveyed}' ({share:.1f}% of the plot)",
    ),
    reference=f"{SURVEY_TDT1055} 土地权属调查（图斑的权属单位）; {JILIN_2017} 第二十一条 查清项目区土地利用现状及其权属，做到界址、面积和权属清楚",  # noqa: E501
    requires=("layer:landuse", "field:landuse.owner"),
    example="a homestead declared under 王家湾村股份经济合作联合社 lying in a 李子垭村 survey polygon",
)
def owner_mismatch(ctx: CheckContext):
    """A plot's declared owner (权属单位, canonical field ``owner``: QSDWMC) must be the owner
    the land survey (``QSDWMC`` of the ``landuse`` layer) records for most of the land under
    the plot (the owner with the largest overlap area). Plots without a declared owner, or
    whose land the survey gives no owner, are not judged; a declared owner that ties with the
    largest share passes. ``measured`` is the share (%) of the plot under the survey's owner.
    Names are compared after trimming spaces."""
    survey_owner = ctx.text("landuse", "owner")
    out = []
    for role in (r for r in PLOT_ROLES if ctx.has_field(r, "owner")):
        declared = ctx.attributes(role)["owner"].to_numpy(dtype=object)
        pairs = survey_pairs(ctx, role)
        if not len(pairs):
            continue
        col = ctx.area_column
        table = pd.DataFrame(
            {
                "left": pairs["left"].to_numpy(),
                "owner": survey_owner[pairs["right"].to_numpy()],
                "area": pairs[col].to_numpy(dtype=float),
            }
        )
        table = table[_filled(table["owner"].to_numpy(dtype=object))]
        table["owner"] = table["owner"].astype(str).str.strip()
        per = (
            table.groupby(["left", "owner"], as_index=False)["area"]
            .sum()
            .sort_values(["left", "area"], ascending=[True, False], kind="stable")
        )
        top = per.drop_duplicates("left")
        left = top["left"].to_numpy()
        mine = np.array(
            [str(v).strip() if v is not None else "" for v in declared[left]], dtype=object
        )
        # the declared owner's own area under the plot: a tie with the largest share passes
        own = (
            per.merge(
                pd.DataFrame({"left": left, "owner": mine}), on=["left", "owner"], how="right"
            )["area"]
            .fillna(0.0)
            .to_numpy(dtype=float)
        )
        top_area = top["area"].to_numpy(dtype=float)
        bad = (
            _filled(mine)
            & (mine != top["owner"].to_numpy(dtype=object))
            & (own < top_area - np.maximum(1e-6, 1e-9 * top_area))
        )
        if not bad.any():
            continue
        area = ctx.area(role)[left[bad]]
        share = np.where(
            area > 0,
            100.0 * top["area"].to_numpy(dtype=float)[bad] / np.where(area > 0, area, 1.0),
            0.0,
        )
        frame = ctx.attributes(role)
        out.append(
            make(
                layer=role,
                plot_id=ctx.plot_ids(role, left[bad]),
                geometry=frame.geometry.array[left[bad]],
                other_layer="landuse",
                measured=share,
                unit="%",
                declared=mine[bad],
                surveyed=top["owner"].to_numpy(dtype=object)[bad],
                share=share,
                crs=ctx.crs,
            )
        )
    return combine(out)
