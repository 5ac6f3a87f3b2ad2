"""Attribute rules (ATTR001–ATTR003): ids, land classes and declared areas of the plots."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..findings import make
from ..project import PLOT_ROLES
from ._registry import rule

_NAMES_ZH = {"plot_id": "地块编号", "land_class": "地类编码", "quality": "耕地质量等别/等级"}


def _concat(frames):
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


def _blank(values: np.ndarray) -> np.ndarray:
    s = pd.Series(values, dtype=object)
    return (s.isna() | s.astype(str).str.strip().eq("")).to_numpy()


@rule(
    "ATTR001",
    name="attributes.required",
    severity="error",
    title=("必填字段缺失或为空", "Required field missing or empty"),
    message=(
        "{layer} 地块 {plot_id} 的必填字段 {field}（{field_zh}）缺失或为空",
        "{layer} plot {plot_id}: required field {field} is missing or empty",
    ),
    reference="002 §§11,21",
    params={"require_occupied_quality": (False, "construction plots must state the quality grade of the farmland they occupy (jilin)")},
)
def required(ctx, require_occupied_quality):
    """Every plot needs an id and a land-class code; some provinces also need the quality grade of occupied farmland."""
    out = []
    for role in (r for r in PLOT_ROLES if ctx.has(r)):
        needed = ["plot_id", "land_class"]
        if role == "construction" and require_occupied_quality:
            needed.append("quality")
        frame = ctx.layer(role)
        for name in needed:
            if name in ctx.sources[role].missing_fields:
                out.append(make(layer=role, plot_id="(全部/all)", field=name, field_zh=_NAMES_ZH[name], crs=ctx.crs))
                continue
            values = frame[name].to_numpy()
            bad = np.flatnonzero(_blank(values) if values.dtype == object else np.isnan(values.astype(float)))
            if len(bad):
                out.append(
                    make(layer=role, plot_id=ctx.plot_ids(role)[bad], geometry=frame.geometry.array[bad], field=name, field_zh=_NAMES_ZH[name], crs=ctx.crs)
                )
    return _concat(out)


@rule(
    "ATTR002",
    name="attributes.duplicate_id",
    severity="error",
    title=("地块编号重复", "Duplicate plot id"),
    message=("{layer} 地块编号 {plot_id} 重复出现 {measured:.0f} 次", "{layer} plot id {plot_id} occurs {measured:.0f} times"),
    reference="DOMAIN §4 ATTR002",
)
def duplicate_id(ctx):
    """Plot ids must be unique within a layer, or findings and the ledger cannot tell plots apart."""
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
                make(layer=role, plot_id=ids.to_numpy(dtype=object)[bad], geometry=frame.geometry.array[bad], measured=counts.to_numpy(dtype=float)[bad], unit="count", crs=ctx.crs)
            )
    return _concat(out)


@rule(
    "ATTR003",
    name="attributes.area_mismatch",
    severity="warning",
    title=("申报面积与椭球面积不符", "Declared area differs from the ellipsoidal area"),
    message=(
        "{layer} 地块 {plot_id} 申报面积 {declared:.2f} m² 与计算的椭球面积 {computed:.2f} m² 相差 {measured:.2f} m²，超过允许误差 {threshold:.2f} m²",
        "{layer} plot {plot_id}: declared area {declared:.2f} m² differs from the ellipsoidal area {computed:.2f} m² by {measured:.2f} m², more than the tolerance {threshold:.2f} m²",
    ),
    reference="002 §21 界址、面积、权属一致; TD/T 1055-2019 椭球面积",
    params={
        "area_abs_tol_m2": (1.0, "absolute tolerance (m²) between declared and computed area"),
        "area_rel_tol": (0.005, "relative tolerance (fraction of the computed area)"),
    },
)
def area_mismatch(ctx, area_abs_tol_m2, area_rel_tol):
    """The declared area (MJ/TBMJ) must match the ellipsoidal area within max(absolute, relative) tolerance."""
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
                make(layer=role, plot_id=ctx.plot_ids(role)[bad], geometry=geoms[bad], measured=diff[bad], threshold=tol[bad], unit="m2", declared=declared[bad], computed=computed[bad], crs=ctx.crs)
            )
    return _concat(out)
