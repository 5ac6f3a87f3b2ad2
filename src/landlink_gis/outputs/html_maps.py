"""The maps of the HTML report: the project overview and one zoomed map per error or warning.

A zoomed map shows what a reviewer needs to judge the finding: the plot (labelled with its id),
the feature of the other layer the finding names — the 占补平衡 parcel of OVL001/OVL005, the
illegal-land polygon of OVL004, the basic-farmland polygon of PLAN001 … (the reference features
that meet the problem geometry) — and the problem itself (the overlap part, the invalid point).
A zoomed map is framed on the problem and the plot (:func:`zoom_frame`): a reference feature
much larger than both is drawn only where it crosses the frame. The overview marks every plot
with a dot coloured by its status (error, warning, pass) and labels them in that order of
priority where the label touches no other (an error plot that finds no room is named under the
map); plots, marks and labels link to the plot's most severe finding (or its row when it has
none), problems to their finding rows.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely

from .display import layer_label
from .svgmap import MapLayer, expand_bounds, svg_map

__all__ = [
    "finding_anchor",
    "mapped_findings",
    "overview_map",
    "plot_anchor",
    "plot_positions",
    "zoom_frame",
    "zoom_maps",
]

#: Map styles: role or severity → (fill, stroke, dash, fill opacity)
_STYLE: dict[str, tuple[str, str, str, float]] = {
    "demolition": ("#4e79a7", "#2a4d73", "", 0.45),
    "construction": ("#b07aa1", "#7d4c70", "", 0.45),
    "compensation": ("#33a02c", "#1b6e14", "6 3", 0.35),
    "illegal_land": ("#8c510a", "#5c3506", "6 3", 0.35),
    "basic_farmland": ("#b2df8a", "#4d9221", "6 3", 0.35),
    "ecological_redline": ("#1b9e77", "#0b5e45", "6 3", 0.3),
    "development_boundary": ("none", "#555555", "8 4", 0.0),
    "boundary": ("none", "#555555", "8 4", 0.0),
    "ledger": ("#fdbf6f", "#b36b00", "6 3", 0.35),
    "landuse": ("#bab0ac", "#8c8580", "3 2", 0.25),
    "reference": ("#bab0ac", "#8c8580", "3 2", 0.25),
    "error": ("#e31a1c", "#a50f15", "", 0.8),
    "warning": ("#ff7f00", "#b35900", "", 0.8),
}
_SEV_LABEL = {
    "zh": {"error": "错误问题范围", "warning": "警告问题范围"},
    "en": {"error": "error", "warning": "warning"},
}
_OTHER = {"zh": "其他图层", "en": "other layers"}
#: plot marks of the overview, most severe first (their label rank)
_MARK_ORDER = ("error", "warning", "pass")
_MARK_STYLE = {
    "error": ("#e31a1c", "#ffffff"),
    "warning": ("#ff7f00", "#ffffff"),
    "pass": ("#2e7d32", "#ffffff"),
}
_MARK_LABEL = {
    "zh": {"error": "有错误的地块", "warning": "有警告的地块", "pass": "通过的地块"},
    "en": {"error": "plot with errors", "warning": "plot with warnings", "pass": "plot passed"},
}
_UNLABELLED = {
    "zh": "图上放不下编号的错误地块：{ids}（点击红点可跳转到其问题）",
    "en": "Plots with errors not labelled for want of room: {ids} (click a red dot for its finding)",
}
_LEGEND = {"zh": "图例", "en": "Legend"}
#: a zoomed map frames the other feature whole when the result is at most this many times the
#: extent of the problem and the plot
_OTHER_FRAME = 3.0
#: reference features drawn on a zoomed map at most (a county land-use layer can meet many)
_MAX_OTHER = 50


def _style(key: str) -> tuple[str, str, str, float]:
    if key.startswith("mark-"):
        fill, _ = _MARK_STYLE[key.removeprefix("mark-")]
        return fill, fill, "", 1.0
    return _STYLE.get(key, _STYLE["reference"])


def finding_anchor(finding_id: Any) -> str:
    """Element id of a finding's row in the report."""
    return f"f-{finding_id}"


def plot_anchor(role: str, position: int) -> str:
    """Element id of a plot's row in the report (by its position in ``result.plots[role]``)."""
    return f"plot-{role}-{position}"


def plot_positions(result) -> dict[tuple[str, str], int]:
    """(role, printable plot id) → the plot's position in ``result.plots[role]`` (first one for a
    duplicate id)."""
    out: dict[tuple[str, str], int] = {}
    for role in result.plots:
        for i, pid in enumerate(result.plot_ids(role).astype(str).tolist()):
            out.setdefault((role, pid), i)
    return out


def _plot_geoms(result, role: str) -> tuple[np.ndarray, np.ndarray]:
    """(geometries, printable ids) of a plot layer; empty arrays for any other role."""
    if role in result.plots:
        return np.asarray(result.plots[role].geometry.array, dtype=object), result.plot_ids(
            role
        ).astype(str)
    return np.zeros(0, dtype=object), np.zeros(0, dtype=object)


def mapped_findings(result, max_maps: int):
    """The findings that get a zoomed map: errors, then warnings, with a geometry; at most
    ``max_maps``."""
    f = result.findings
    if not len(f):
        return f
    geoms = np.asarray(f.geometry.array, dtype=object)
    drawable = (
        ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        & f["severity"].isin(["error", "warning"]).to_numpy()
    )
    picked = f[drawable]
    rank = picked["severity"].map({"error": 0, "warning": 1})
    return (
        picked.assign(_rank=rank)
        .sort_values(["_rank", "rule_id"], kind="stable")
        .drop(columns="_rank")
        .head(max_maps)
    )


def _legend(items: list[tuple[str, str]], lang: str) -> str:
    """A legend line: (style key, text) per entry."""
    spans = []
    for key, text in items:
        fill, stroke, dash, _ = _style(key)
        border = "dashed" if dash else "solid"
        background = "transparent" if fill == "none" else fill
        spans.append(
            f"<span><i style='background:{background};border:1px {border} "
            f"{stroke}'></i>{html.escape(text)}</span>"
        )
    return f"<p class='legend' aria-label='{_LEGEND[lang]}'>{''.join(spans)}</p>"


def overview_map(result, lang: str, title: str) -> str:
    """The whole project: reference layers, both plot layers labelled with their ids, errors and
    warnings.

    Every plot and its label link to the plot's row (:func:`plot_anchor`), every problem to its
    finding row.
    """
    layers: list[MapLayer] = []
    extents = []
    legend: list[tuple[str, str]] = []
    boundary = result.reference_layers.get("boundary")
    if boundary is not None and len(boundary):
        fill, stroke, dash, _ = _style("boundary")
        layers.append(
            MapLayer(
                np.asarray(boundary, dtype=object),
                fill=fill,
                stroke=stroke,
                stroke_width=1.2,
                name="boundary",
                dash=dash,
            )
        )
        legend.append(("boundary", layer_label("boundary", lang)))
    for role, geoms in result.reference_layers.items():
        if role in result.plots or role in ("boundary", "landuse") or not len(geoms):
            continue
        fill, stroke, dash, opacity = _style(role)
        layers.append(
            MapLayer(
                np.asarray(geoms, dtype=object),
                fill=fill,
                stroke=stroke,
                fill_opacity=opacity,
                stroke_width=0.6,
                name=role,
                dash=dash,
            )
        )
        legend.append((role, layer_label(role, lang)))
    first = _first_findings(result)
    marks: dict[str, list] = {s: [[], [], []] for s in _MARK_ORDER}  # geoms, labels, links
    for role in ("demolition", "construction"):
        geoms, ids = _plot_geoms(result, role)
        if len(geoms):
            fill, stroke, _, _ = _style(role)
            status = result.plots[role]["ll_status"].astype(str).to_numpy()
            links = [
                f"#{first[(role, pid)]}" if (role, pid) in first else f"#{plot_anchor(role, i)}"
                for i, pid in enumerate(ids.tolist())
            ]
            layers.append(
                MapLayer(
                    geoms,
                    fill=fill,
                    stroke=stroke,
                    fill_opacity=0.45,
                    stroke_width=0.8,
                    name=role,
                    links=links,
                )
            )
            legend.append((role, layer_label(role, lang)))
            extents.append(shapely.total_bounds(geoms))
            usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
            points = np.full(len(geoms), None, dtype=object)
            points[usable] = shapely.point_on_surface(geoms[usable])
            for key in _MARK_ORDER:
                pick = np.flatnonzero(
                    (status == key if key != "pass" else ~np.isin(status, _MARK_ORDER[:2])) & usable
                )
                marks[key][0] += points[pick].tolist()
                marks[key][1] += ids[pick].tolist()
                marks[key][2] += [links[i] for i in pick]
    f = result.findings
    for sev in ("warning", "error"):
        pick = (f["severity"] == sev).to_numpy()
        if pick.any():
            fill, stroke, _, _ = _style(sev)
            links = [f"#{finding_anchor(x)}" for x in f["finding_id"].to_numpy()[pick]]
            layers.append(
                MapLayer(
                    f.geometry.array[pick],
                    fill=fill,
                    stroke=stroke,
                    fill_opacity=0.75,
                    stroke_width=1.2,
                    name=f"findings-{sev}",
                    point_size=5,
                    links=links,
                )
            )
            legend.append((sev, _SEV_LABEL[lang][sev]))
    for (
        role,
        geoms,
    ) in result.reference_layers.items():  # reference outlines above the problems they explain
        if role in result.plots or role in ("boundary", "landuse") or not len(geoms):
            continue
        _, stroke, dash, _ = _style(role)
        layers.append(
            MapLayer(
                np.asarray(geoms, dtype=object),
                fill="none",
                stroke=stroke,
                stroke_width=1.2,
                name=f"{role}-outline",
                dash=dash,
            )
        )
    mark_legend = len(legend)
    for rank, key in reversed(list(enumerate(_MARK_ORDER))):  # passes drawn first, errors on top
        geoms, ids, links = marks[key]
        if not geoms:
            continue
        fill, stroke = _MARK_STYLE[key]
        layers.append(
            MapLayer(
                geoms,
                fill=fill,
                stroke=stroke,
                stroke_width=1.0,
                name=f"mark-{key}",
                point_size=4.0 if key == "pass" else 5.0,
                marker="dot",
                links=links,
                labels=ids,
                label_rank=rank,
            )
        )
        legend.insert(mark_legend, (f"mark-{key}", _MARK_LABEL[lang][key]))
    ext = np.array([e for e in extents if np.all(np.isfinite(e))])
    if not len(ext):
        return ""
    bounds = expand_bounds(
        (ext[:, 0].min(), ext[:, 1].min(), ext[:, 2].max(), ext[:, 3].max()), ratio=0.05
    )
    left_out: list = []
    svg = svg_map(
        layers,
        bounds,
        width=1100,
        height=700,
        title=title,
        css_class="map overview",
        left_out=left_out,
    )
    errors = sorted(str(t) for rank, t in left_out if rank == 0)
    note = (
        f"<p class='unlabelled'>{html.escape(_UNLABELLED[lang].format(ids='、'.join(errors)))}</p>"
        if errors
        else ""
    )
    return f"<figure id='overview-map'>{svg}{_legend(legend, lang)}{note}</figure>"


def _first_findings(result) -> dict[tuple[str, str], str]:
    """(role, printable plot id) → the anchor of the plot's most severe finding."""
    f = result.findings
    if not len(f):
        return {}
    rank = f["severity"].map({"error": 0, "warning": 1, "info": 2}).fillna(3)
    order = f.assign(_r=rank).sort_values(["_r", "rule_id"], kind="stable")
    out: dict[tuple[str, str], str] = {}
    for layer, pid, fid in order[["layer", "plot_id", "finding_id"]].itertuples(index=False):
        out.setdefault((str(layer), str(pid)), finding_anchor(fid))
    return out


class _References:
    """The reference layers of a result with one spatial index each, built when first asked for."""

    def __init__(self, layers: Mapping[str, Any]):
        self._layers = layers
        self._trees: dict[str, tuple[np.ndarray, shapely.STRtree]] = {}

    def meeting(self, role: str, geom) -> np.ndarray:
        """Features of reference layer ``role`` that meet ``geom`` (none when the layer is not
        there)."""
        if not role or role not in self._layers or geom is None:
            return np.zeros(0, dtype=object)
        if role not in self._trees:
            geoms = np.asarray(self._layers[role], dtype=object)
            geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
            self._trees[role] = (geoms, shapely.STRtree(geoms))
        geoms, tree = self._trees[role]
        return geoms[np.sort(tree.query(geom, predicate="intersects"))][:_MAX_OTHER]


def _free_anchors(plot: np.ndarray, covering: list) -> np.ndarray | None:
    """A point of each plot outside ``covering`` (None where there is none, or the geometries are
    unusable)."""
    try:
        covered = shapely.union_all(shapely.make_valid(np.asarray(covering, dtype=object)))
        return shapely.point_on_surface(shapely.difference(shapely.make_valid(plot), covered))
    except shapely.errors.GEOSException:  # a label in the middle of the plot is still a label
        return None


def zoom_frame(geom, plot: np.ndarray, other: np.ndarray) -> tuple[float, float, float, float]:
    """The extent of a finding's zoomed map: the problem geometry and the plot, with a margin.

    The other feature is framed too when it is about as small (its extent at most
    :data:`_OTHER_FRAME` times the problem's and plot's); a larger one — a development boundary, a
    county line, a farmland block kilometres across — is drawn only where it crosses the frame,
    so the problem never shrinks to a few pixels.
    """
    focus = [x for x in (*plot, geom) if x is not None and not shapely.is_empty(x)]
    core = shapely.total_bounds(np.asarray(focus, dtype=object))
    size = max(core[2] - core[0], core[3] - core[1], 1.0)
    if len(other):
        ob = shapely.total_bounds(np.asarray(other, dtype=object))
        whole = shapely.total_bounds(np.asarray([shapely.box(*core), shapely.box(*ob)]))
        if max(whole[2] - whole[0], whole[3] - whole[1]) <= _OTHER_FRAME * size:
            core = whole
    return expand_bounds(core, ratio=0.2, minimum=15.0)


def zoom_maps(result, lang: str, max_maps: int) -> list[str]:
    """One ``<figure>`` per mapped finding (:func:`mapped_findings`), errors first."""
    picked = mapped_findings(result, max_maps)
    if not len(picked):
        return []
    refs = _References(result.reference_layers)
    plots = {role: _plot_geoms(result, role) for role in ("demolition", "construction")}
    context = [
        MapLayer(
            g,
            fill="#dddddd",
            stroke="#999999",
            fill_opacity=0.5,
            stroke_width=0.6,
            name=f"context-{role}",
        )
        for role, (g, _) in plots.items()
        if len(g)
    ]
    figures = []
    geoms = np.asarray(picked.geometry.array, dtype=object)
    for rec, geom in zip(picked.drop(columns="geometry").to_dict("records"), geoms, strict=True):
        role, other_role, sev = (
            str(rec["layer"] or ""),
            str(rec["other_layer"] or ""),
            str(rec["severity"]),
        )
        g, ids = plots.get(role, (np.zeros(0, dtype=object), np.zeros(0, dtype=object)))
        plot = g[ids == str(rec["plot_id"])] if rec["plot_id"] else np.zeros(0, dtype=object)
        og, oids = plots.get(other_role, (np.zeros(0, dtype=object), np.zeros(0, dtype=object)))
        if len(og):  # the other feature is a plot of this project (OVL002, GEOM004)
            other = (
                og[oids == str(rec["other_id"])] if rec["other_id"] else np.zeros(0, dtype=object)
            )
        else:  # a reference layer: the features that meet the problem (or, failing that, the plot)
            other = refs.meeting(other_role, geom)
            if not len(other) and len(plot):
                other = refs.meeting(other_role, shapely.union_all(plot))
        bounds = zoom_frame(geom, plot, other)
        layers = list(context)
        legend: list[tuple[str, str]] = []
        other_name = layer_label(other_role, lang)
        if len(other):
            fill, stroke, dash, opacity = _style(other_role)
            text = (
                f"{other_name} {rec['other_id']}"
                if len(other) == 1 and rec["other_id"]
                else other_name
            )
            layers.append(
                MapLayer(
                    other,
                    fill=fill,
                    stroke=stroke,
                    fill_opacity=opacity,
                    stroke_width=1.5,
                    name="other",
                    labels=[text] * len(other),
                    dash=dash or "5 3",
                )
            )
            legend.append((other_role if other_role in _STYLE else "reference", text))
        if len(plot):
            fill, stroke, _, _ = _style(role)
            # the plot's label where neither the problem nor the other feature lies, so the labels
            # do not collide
            anchors = _free_anchors(plot, [*other, geom])
            layers.append(
                MapLayer(
                    plot,
                    fill=fill,
                    stroke=stroke,
                    fill_opacity=0.35,
                    stroke_width=1.8,
                    name="plot",
                    labels=[str(rec["plot_id"])] * len(plot),
                    anchors=anchors,
                )
            )
            legend.append((role, f"{layer_label(role, lang)} {rec['plot_id']}"))
        fill, stroke, _, _ = _style(sev)
        layers.append(
            MapLayer(
                [geom],
                fill=fill,
                stroke=stroke,
                fill_opacity=0.6,
                stroke_width=1.5,
                name="problem",
                point_size=7,
            )
        )
        legend.append((sev, _SEV_LABEL[lang][sev]))
        if len(
            other
        ):  # its outline again above the problem: an overlap that is the whole parcel still shows it
            _, stroke, dash, _ = _style(other_role)
            layers.append(
                MapLayer(
                    other,
                    fill="none",
                    stroke=stroke,
                    stroke_width=2.0,
                    name="other-outline",
                    dash=dash or "5 3",
                )
            )
        fid = str(rec["finding_id"])
        svg = svg_map(
            layers,
            bounds,
            width=420,
            height=320,
            title=f"{fid} {rec['rule_id']}",
            css_class="map zoom",
        )
        caption = (
            "<a "
            f"href='#{html.escape(finding_anchor(fid))}'><b>{html.escape(str(rec['rule_id']))}</b></a> "
            f"{html.escape(layer_label(role, lang))} {html.escape(str(rec['plot_id'] or ''))}"
            + (
                f" × {html.escape(other_name)} {html.escape(str(rec['other_id']))}"
                if rec["other_id"]
                else ""
            )
            + f"<br>{html.escape(str(rec['message'] or ''))}"
        )
        figures.append(
            f"<figure class='zoom-map sev-{html.escape(sev)}' id='map-{html.escape(fid)}' "
            f"data-rule='{html.escape(str(rec['rule_id']))}'>"
            f"<figcaption>{caption}</figcaption>{svg}{_legend(legend, lang)}</figure>"
        )
    return figures
