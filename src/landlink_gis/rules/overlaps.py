"""Overlap rules (OVL001–OVL004): land that must not be counted twice or built on.

All use the one engine, :func:`landlink_gis.overlay.overlay_pairs`; overlaps below
``overlap_tolerance_m2`` are ignored as digitising slivers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..findings import make
from ..overlay import overlay_pairs
from ._registry import rule

_TOL = {"overlap_tolerance_m2": (1.0, "overlaps smaller than this (m²) are ignored as digitising slivers")}

#: Id fields tried for reference layers (compensation, ledger, illegal land …)
_REF_ID_FIELDS = ("DKBH", "BSM", "TBBH", "XMBH", "WFBH", "id", "ID")


def reference_ids(ctx, role: str) -> np.ndarray:
    """Printable ids of the features of a reference layer."""
    frame = ctx.raw[role]
    ids = ctx.layer(role)["plot_id"].to_numpy(dtype=object)
    if all(v is None for v in ids):
        for name in _REF_ID_FIELDS:
            if name in frame.columns:
                ids = frame[name].astype(str).to_numpy(dtype=object)
                break
    out = np.asarray(ids, dtype=object).copy()
    blank = np.array([v is None or str(v).strip() in ("", "None", "nan") for v in out], dtype=bool)
    out[blank] = ["#" + str(n) for n in ctx.layer(role)["fid"].to_numpy()[blank]]
    return out


def overlap_findings(ctx, left_role: str, right_role: str, tolerance: float, *, right_mask=None, left_mask=None):
    """Raw findings for every overlap between two layers above ``tolerance``."""
    left = ctx.valid_geoms(left_role).copy()
    right = ctx.valid_geoms(right_role).copy()
    if left_mask is not None:
        left[~left_mask] = None
    if right_mask is not None:
        right[~right_mask] = None
    pairs = overlay_pairs(left, right, crs=ctx.crs, tolerance_m2=tolerance, area_method=ctx.project.area_method)
    if not len(pairs):
        return None
    li, rj = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    plot_area = ctx.area(left_role)[li]
    area = pairs["area_planar_m2"].to_numpy() if ctx.project.area_method == "planar" else pairs["area_m2"].to_numpy()
    return make(
        layer=left_role,
        plot_id=ctx.plot_ids(left_role)[li],
        other_layer=right_role,
        other_id=reference_ids(ctx, right_role)[rj],
        geometry=pairs["geometry"].to_numpy(),
        measured=area,
        threshold=tolerance,
        unit="m2",
        share=np.where(plot_area > 0, 100.0 * area / np.where(plot_area > 0, plot_area, 1), 0.0),
        crs=ctx.crs,
    )


_MSG = (
    "{layer} 地块 {plot_id} 与 {other_layer} {other_id} 重叠 {measured:.2f} m²（占地块 {share:.1f}%）",
    "{layer} plot {plot_id} overlaps {other_layer} {other_id} by {measured:.2f} m² ({share:.1f}% of the plot)",
)


@rule(
    "OVL001",
    name="overlaps.compensation",
    severity="error",
    title=("拆旧地块与占补平衡已用地重叠", "Demolition plot overlaps land used for 占补平衡"),
    message=_MSG,
    reference="004 调整规定：已用于占补平衡的不得作为拆旧地块",
    requires=("layer:compensation",),
    params=_TOL,
)
def compensation(ctx, overlap_tolerance_m2):
    """Land already credited to farmland occupation-compensation cannot be reclaimed again for linkage quota."""
    return overlap_findings(ctx, "demolition", "compensation", overlap_tolerance_m2)


@rule(
    "OVL002",
    name="overlaps.own_construction",
    severity="error",
    title=("拆旧地块与本项目建新地块重叠", "Demolition plot overlaps a construction plot of the project"),
    message=_MSG,
    reference="DOMAIN §4 OVL002",
    requires=("layer:construction",),
    params=_TOL,
)
def own_construction(ctx, overlap_tolerance_m2):
    """The same land cannot be both reclaimed and built on in one project."""
    return overlap_findings(ctx, "demolition", "construction", overlap_tolerance_m2)


@rule(
    "OVL003",
    name="overlaps.other_project",
    severity="error",
    title=("与其他挂钩项目地块重叠（重复使用）", "Plot overlaps another linkage project's plot"),
    message=_MSG,
    reference="000 台账管理; 004 不得重复",
    requires=("layer:ledger",),
    params=_TOL,
)
def other_project(ctx, overlap_tolerance_m2):
    """A plot already used by another linkage project (ledger layer) would be counted twice."""
    ledger = ctx.raw["ledger"]
    mask = None
    code = ctx.project.code
    for name in ("XMBH", "project_code", "XMDM"):
        if code and name in ledger.columns:
            mask = ledger[name].astype(str).str.strip().ne(code).to_numpy()
            break
    out = [overlap_findings(ctx, role, "ledger", overlap_tolerance_m2, right_mask=mask) for role in ("demolition", "construction") if ctx.has(role)]
    out = [f for f in out if f is not None]
    return pd.concat(out, ignore_index=True) if out else None


@rule(
    "OVL004",
    name="overlaps.illegal_land",
    severity="error",
    title=("建新地块占用违法违规用地", "Construction plot on illegal land"),
    message=_MSG,
    reference="004 调整规定：违法违规用地不得作为建新地块",
    requires=("layer:construction", "layer:illegal_land"),
    params=_TOL,
)
def illegal_land(ctx, overlap_tolerance_m2):
    """Illegally used land cannot be legalised as a linkage construction plot."""
    return overlap_findings(ctx, "construction", "illegal_land", overlap_tolerance_m2)
