"""Notebook maps of a check result: an interactive folium (Leaflet) map and a static matplotlib map.

Both read only a :class:`~landlink_gis.run.result.CheckResult`: plots coloured by ``ll_status``
(pass / warning / error) and the findings drawn where the problem is (the overlap part, the
invalid point). folium and matplotlib are optional (the ``notebook`` extra) and imported only
here, when a map is asked for.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .display import layer_label, unit_label

logger = logging.getLogger(__name__)

__all__ = ["STATUS_COLOURS", "explore_result", "plot_result"]

#: Fill colour of a plot by its ``ll_status``.
STATUS_COLOURS: dict[str, str] = {"pass": "#1a9641", "warning": "#fdae61", "error": "#d7191c"}
#: Outline colour of a finding by its severity.
SEVERITY_COLOURS: dict[str, str] = {"error": "#7b0000", "warning": "#a05a00", "info": "#2b5c8a"}

_LABELS = {
    "zh": {
        "demolition": "拆旧地块",
        "construction": "建新地块",
        "findings": "问题",
        "pass": "通过",
        "warning": "警告",
        "error": "错误",
        "plot_id": "地块编号",
        "ll_status": "状态",
        "ll_rule_ids": "规则",
        "ll_area_m2": "椭球面积 (m²)",
        "rule_id": "规则",
        "severity": "级别",
        "layer": "图层",
        "message": "说明",
        "measured": "实测",
        "threshold": "阈值",
        "unit": "单位",
    },
    "en": {
        "demolition": "demolition plots",
        "construction": "new-construction plots",
        "findings": "findings",
        "pass": "pass",
        "warning": "warning",
        "error": "error",
        "plot_id": "plot",
        "ll_status": "status",
        "ll_rule_ids": "rules",
        "ll_area_m2": "ellipsoidal area (m²)",
        "rule_id": "rule",
        "severity": "severity",
        "layer": "layer",
        "message": "message",
        "measured": "measured",
        "threshold": "threshold",
        "unit": "unit",
    },
}

_SEVERITY_WORDS = {"zh": {"error": "错误", "warning": "警告", "info": "提示"}, "en": {}}
_PLOT_FIELDS = ["plot_id", "ll_status", "ll_rule_ids", "ll_area_m2"]
_FINDING_FIELDS = [
    "rule_id",
    "severity",
    "layer",
    "plot_id",
    "message",
    "measured",
    "threshold",
    "unit",
]


def _present(frame: gpd.GeoDataFrame) -> np.ndarray:
    geoms = np.asarray(frame.geometry.array, dtype=object)
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def plot_frame(result: Any, role: str) -> gpd.GeoDataFrame:
    """The drawable plots of ``role``: printable ``plot_id``, the ll_* columns and geometry.

    Plots without geometry (null or empty) are left out: they cannot be drawn (their findings
    are still in the findings table).
    """
    frame = result.plots[role]
    ids = result.plot_ids(role)
    out = gpd.GeoDataFrame(
        {
            "plot_id": pd.Series(ids, index=frame.index).astype(str),
            "ll_status": frame["ll_status"].astype(str),
            "ll_rule_ids": frame["ll_rule_ids"].astype(str),
            "ll_area_m2": frame["ll_area_m2"].astype(float),
        },
        geometry=frame.geometry,
        crs=frame.crs,
    )
    return out.loc[_present(out)]


def finding_frame(result: Any) -> gpd.GeoDataFrame:
    """The drawable findings (those with a geometry) with the columns shown in popups."""
    f = result.findings
    if len(f) == 0:
        return gpd.GeoDataFrame({c: [] for c in _FINDING_FIELDS}, geometry=[], crs=result.crs)
    out = gpd.GeoDataFrame(f[_FINDING_FIELDS].copy(), geometry=f.geometry, crs=f.crs)
    return out.loc[_present(out)]


def _lang(result: Any, lang: str | None) -> str:
    lang = lang or (result.run_info or {}).get("language") or "zh"
    if lang not in _LABELS:
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    return lang


def explore_result(
    result: Any,
    *,
    lang: str | None = None,
    tiles: str | None = "OpenStreetMap",
    findings: bool = True,
    width: str | int = "100%",
    height: str | int = 600,
) -> Any:
    """An interactive map of a check result (folium / Leaflet).

    Plots are filled by status (green pass, orange warning, red error; new-construction plots
    with a dashed outline), a tooltip gives each plot's id, status, rules and ellipsoidal
    area. Findings are drawn where the problem is, coloured by severity, with the finding's
    rule, message and figures as a popup.

    Parameters
    ----------
    result
        A :class:`~landlink_gis.run.result.CheckResult`.
    lang
        Language of the labels, ``zh`` or ``en`` (default: the run's language).
    tiles
        Background tiles for :class:`folium.Map` (``None``: no background, e.g. offline).
    findings
        Whether to draw the findings layer.
    width, height
        Size of the map.

    Returns
    -------
    folium.Map
        The map; displayed inline in Jupyter, ``.save("map.html")`` writes it to a file.
    """
    import folium

    lang = _lang(result, lang)
    t = _LABELS[lang]
    fmap = folium.Map(tiles=tiles, width=width, height=height, control_scale=True)
    bounds = []
    for role in ("demolition", "construction"):
        if role not in result.plots:
            continue
        frame = plot_frame(result, role).to_crs(4326)
        if len(frame) == 0:
            continue
        bounds.append(frame.total_bounds)
        dashed = role == "construction"
        frame["status_code"] = frame[
            "ll_status"
        ]  # the style reads the code; the tooltip shows the word
        frame["ll_status"] = [t.get(s, s) for s in frame["ll_status"]]

        def style(feature: dict, dashed: bool = dashed) -> dict:
            colour = STATUS_COLOURS.get(feature["properties"]["status_code"], "#777777")
            return {
                "fillColor": colour,
                "color": "#222222" if dashed else colour,
                "weight": 2 if dashed else 1,
                "dashArray": "6 4" if dashed else None,
                "fillOpacity": 0.55,
            }

        folium.GeoJson(
            frame.to_json(drop_id=True),
            name=t[role],
            style_function=style,
            tooltip=folium.GeoJsonTooltip(
                fields=_PLOT_FIELDS, aliases=[t[c] for c in _PLOT_FIELDS]
            ),
        ).add_to(fmap)
    if findings:
        found = finding_frame(result).to_crs(4326)
        if len(found):
            bounds.append(found.total_bounds)
            # drawn info → warning → error, so errors lie on top; words for the popup under zh
            found = found.iloc[
                np.argsort(
                    found["severity"]
                    .map({"info": 0, "warning": 1, "error": 2})
                    .fillna(0)
                    .to_numpy(),
                    kind="stable",
                )
            ]
            found["severity_code"] = found["severity"]
            found["severity"] = [_SEVERITY_WORDS[lang].get(s, s) for s in found["severity"]]
            found["layer"] = [layer_label(v, lang) for v in found["layer"]]
            found["unit"] = [unit_label(v, lang) for v in found["unit"]]

            def finding_style(feature: dict) -> dict:
                severity = feature["properties"]["severity_code"]
                colour = SEVERITY_COLOURS.get(severity, "#000000")
                # info findings (e.g. PLAN005 over a whole plot) are outlines only: they never hide
                # an error
                return {
                    "color": colour,
                    "weight": 3 if severity != "info" else 1,
                    "fillColor": colour,
                    "fillOpacity": 0.0 if severity == "info" else 0.25,
                    "dashArray": "4 3" if severity == "info" else None,
                }

            folium.GeoJson(
                found.to_json(drop_id=True, na="null"),
                name=t["findings"],
                style_function=finding_style,
                marker=folium.CircleMarker(radius=6, fill=True),
                popup=folium.GeoJsonPopup(
                    fields=_FINDING_FIELDS, aliases=[t[c] for c in _FINDING_FIELDS], max_width=420
                ),
            ).add_to(fmap)
    if bounds:
        b = np.vstack(bounds)
        fmap.fit_bounds(
            [
                [float(b[:, 1].min()), float(b[:, 0].min())],
                [float(b[:, 3].max()), float(b[:, 2].max())],
            ]
        )
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(_legend_html(t)))
    return fmap


def _legend_html(t: dict[str, str]) -> str:
    items = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;margin-right:6px;'
        f'background:{colour};opacity:0.8"></span>{t[status]}</div>'
        for status, colour in STATUS_COLOURS.items()
    )
    return (
        '<div style="position:fixed;bottom:24px;left:12px;z-index:9999;background:white;'
        'padding:6px 10px;border:1px solid #999;border-radius:4px;font:12px sans-serif">'
        f"{items}</div>"
    )


def _cjk_font() -> str | None:
    """Name of a font known to matplotlib that has Chinese glyphs (None when there is none)."""
    from matplotlib import font_manager

    hints = (
        "cjk",
        "wenquanyi",
        "wqy",
        "simhei",
        "simsun",
        "yahei",
        "heiti",
        "songti",
        "pingfang",
        "sarasa",
        "source han",
    )
    names = sorted({f.name for f in font_manager.fontManager.ttflist})
    return next((n for n in names if any(h in n.lower() for h in hints)), None)


def plot_result(
    result: Any,
    *,
    ax: Any = None,
    lang: str | None = None,
    findings: bool = True,
    figsize: tuple[float, float] = (8.0, 8.0),
) -> Any:
    """A static map of a check result (matplotlib).

    Plots are filled by status as in :func:`explore_result` (new-construction plots hatched),
    finding areas outlined and finding points marked with a cross.

    Parameters
    ----------
    result
        A :class:`~landlink_gis.run.result.CheckResult`.
    ax
        Axes to draw on (default: a new figure).
    lang
        Language of the labels, ``zh`` or ``en`` (default: the run's). Chinese labels need a
        CJK font known to matplotlib; without one, English labels are used.
    findings
        Whether to draw the findings.
    figsize
        Size of a new figure, in inches.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lang = _lang(result, lang)
    font = _cjk_font() if lang == "zh" else None
    if lang == "zh" and font is None:
        logger.info("no CJK font known to matplotlib; map labels in English")
        lang = "en"
    t = _LABELS[lang]
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    for role in ("demolition", "construction"):
        if role not in result.plots:
            continue
        frame = plot_frame(result, role)
        if len(frame) == 0:
            continue
        colours = frame["ll_status"].map(STATUS_COLOURS).fillna("#777777").to_list()
        if role == "construction":
            frame.plot(
                ax=ax, color=colours, edgecolor="#222222", linewidth=1.0, hatch="///", alpha=0.8
            )
        else:  # outlined in the status colour too, so that small plots stay visible
            frame.plot(ax=ax, color=colours, edgecolor=colours, linewidth=1.2, alpha=0.8)
    handles: list[Any] = [
        Patch(facecolor=c, edgecolor="#333333", label=t[s]) for s, c in STATUS_COLOURS.items()
    ]
    if "construction" in result.plots:
        handles.append(
            Patch(facecolor="white", edgecolor="#222222", hatch="///", label=t["construction"])
        )
    if findings:
        found = finding_frame(result)
        geom_type = found.geometry.geom_type
        areas = found.loc[geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()]
        points = found.loc[geom_type.isin(["Point", "MultiPoint"]).to_numpy()]
        if len(areas):
            areas.plot(ax=ax, facecolor="none", edgecolor="black", linewidth=0.8, linestyle="--")
        if len(points):
            points.plot(ax=ax, color="black", marker="x", markersize=60)
        if len(areas) or len(points):
            handles.append(
                Line2D([], [], color="black", linestyle="--", marker="x", label=t["findings"])
            )
    project = result.project
    name = getattr(project, "name", "") or ""
    title = " ".join(
        x
        for x in (getattr(project, "code", ""), name if (lang == "zh" or name.isascii()) else "")
        if x
    )
    ax.set_title(title or t["findings"], fontfamily=font)
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        prop={"family": font, "size": 8},
    )
    ax.set_axis_off()
    return ax
