"""Maps of a check result for notebooks: an interactive folium map and a static matplotlib map.

Both need the ``notebook`` extra (folium, matplotlib). Plots are coloured by ``ll_status``
(pass green, warning orange, error red, as the QGIS styles in the GeoPackage) and findings by
severity. (The inline SVG maps of the HTML report live in :mod:`landlink_gis.report.svgmap`.)
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd

__all__ = ["SEVERITY_COLOURS", "STATUS_COLOURS", "explore_result", "plot_result"]

STATUS_COLOURS = {"pass": "#33a02c", "warning": "#ff7f00", "error": "#e31a1c"}
SEVERITY_COLOURS = {"error": "#e31a1c", "warning": "#ff7f00", "info": "#1f78b4"}
_LAYER_NAMES = {
    "zh": {"demolition": "拆旧地块", "construction": "建新地块", "findings": "检查问题"},
    "en": {"demolition": "demolition plots", "construction": "new-construction plots", "findings": "findings"},
}


def _findings(result, which: str | tuple[str, ...] | list[str] | None) -> gpd.GeoDataFrame:
    frame = result.findings
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if which is None or which == "all":
        return frame
    severities = (which,) if isinstance(which, str) else tuple(which)
    return frame[frame["severity"].isin(severities)]


def explore_result(
    result,
    *,
    lang: str | None = None,
    tiles: str | None = "OpenStreetMap",
    findings: str | tuple[str, ...] | list[str] | None = ("error", "warning"),
    width: int | str = "100%",
    height: int | str = 600,
) -> Any:
    """An interactive folium map of ``result``: plot layers by status, findings with popups.

    Parameters
    ----------
    result
        A :class:`~landlink_gis.result.CheckResult`.
    lang
        Layer names in ``zh`` or ``en`` (default: the run's language).
    tiles
        folium base map (``None`` for none, e.g. offline).
    findings
        Severities of the findings drawn (``"all"`` or ``None`` for every finding).
    width, height
        Size of the map.

    Returns
    -------
    folium.Map
    """
    import folium

    lang = lang or result.run_info.get("language", "zh")
    names = _LAYER_NAMES[lang]
    fmap = folium.Map(tiles=tiles, width=width, height=height, control_scale=True)
    bounds = None
    for role, plots in result.plots.items():
        frame = plots[plots.geometry.notna() & ~plots.geometry.is_empty].to_crs(4326)
        if not len(frame):
            continue
        cols = [c for c in frame.columns if c != frame.geometry.name]
        folium.GeoJson(
            frame[[*cols, frame.geometry.name]].astype({c: str for c in cols}),
            name=names.get(role, role),
            style_function=lambda f: {
                "color": STATUS_COLOURS.get(f["properties"]["ll_status"], "#555"),
                "fillColor": STATUS_COLOURS.get(f["properties"]["ll_status"], "#555"),
                "weight": 1.5,
                "fillOpacity": 0.35,
            },
            tooltip=folium.GeoJsonTooltip(fields=[c for c in ("ll_status", "ll_rule_ids", "ll_area_m2") if c in cols]),
        ).add_to(fmap)
        b = frame.total_bounds
        bounds = b if bounds is None else [min(bounds[0], b[0]), min(bounds[1], b[1]), max(bounds[2], b[2]), max(bounds[3], b[3])]
    found = _findings(result, findings)
    if len(found):
        frame = found.to_crs(4326)
        folium.GeoJson(
            frame[["rule_id", "severity", "plot_id", "message", frame.geometry.name]],
            name=names["findings"],
            style_function=lambda f: {
                "color": SEVERITY_COLOURS.get(f["properties"]["severity"], "#555"),
                "fillColor": SEVERITY_COLOURS.get(f["properties"]["severity"], "#555"),
                "weight": 2,
                "fillOpacity": 0.6,
            },
            marker=folium.CircleMarker(radius=6),
            popup=folium.GeoJsonPopup(fields=["rule_id", "severity", "plot_id", "message"]),
        ).add_to(fmap)
    if bounds is not None:
        fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    folium.LayerControl().add_to(fmap)
    return fmap


def plot_result(
    result,
    *,
    ax: Any = None,
    lang: str | None = None,
    findings: str | tuple[str, ...] | list[str] | None = ("error", "warning"),
    figsize: tuple[float, float] = (8, 8),
) -> Any:
    """A static matplotlib map of ``result``: plots by status, findings by severity.

    Parameters
    ----------
    result
        A :class:`~landlink_gis.result.CheckResult`.
    ax
        Axes to draw on (default: a new figure).
    lang
        Legend language ``zh`` or ``en`` (default: the run's language).
    findings
        Severities of the findings drawn (``"all"`` or ``None`` for every finding).
    figsize
        Size of a new figure, inches.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    lang = lang or result.run_info.get("language", "zh")
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    for plots in result.plots.values():
        frame = plots[plots.geometry.notna() & ~plots.geometry.is_empty]
        if len(frame):
            colours = frame["ll_status"].map(STATUS_COLOURS).fillna("#555555")
            frame.plot(ax=ax, color=colours, edgecolor=colours, alpha=0.5, linewidth=0.8)
    found = _findings(result, findings)
    if len(found):
        colours = found["severity"].map(SEVERITY_COLOURS).fillna("#555555")
        found.plot(ax=ax, color=colours, edgecolor="black", linewidth=0.6, markersize=40)
    status_labels = {"zh": {"pass": "通过", "warning": "警告", "error": "错误"}, "en": {"pass": "pass", "warning": "warning", "error": "error"}}[lang]
    ax.legend(handles=[Patch(color=c, alpha=0.6, label=status_labels[s]) for s, c in STATUS_COLOURS.items()], loc="best")
    ax.set_aspect("equal")
    ax.set_title(result.project.name or "")
    return ax
