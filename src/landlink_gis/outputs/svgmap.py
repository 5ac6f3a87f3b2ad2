"""Inline SVG maps drawn from geometries: no tiles, no scripts, no network — they work offline.

A map is a list of :class:`MapLayer` (geometries plus a style) drawn in a fixed pixel box with
north up and one scale for x and y. Geometries are clipped to the map extent and simplified to
half a pixel first, so a county-sized layer stays small in the report. Coordinates are
transformed and formatted as arrays; only the final joining into one path per feature is per
feature.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely

__all__ = ["LABEL_FONT_PX", "MapLayer", "expand_bounds", "label_box", "svg_map"]

#: font size of map labels (CSS ``svg .lbl``), in pixels
LABEL_FONT_PX = 11.0

# shapely type ids
_POINTS = (0, 4)
_LINES = (1, 2, 5)


@dataclass
class MapLayer:
    """Geometries drawn with one style.

    Attributes
    ----------
    geometries
        Shapely geometries (any type; ``None``/empty ones are skipped).
    fill, stroke, stroke_width, fill_opacity
        SVG paint of polygons (points use ``stroke`` for their cross, lines ``stroke`` only).
    name
        Legend label and the layer's CSS class suffix.
    labels
        Optional text per geometry, written at its representative point.
    dash
        SVG ``stroke-dasharray`` (e.g. ``"4 3"``), or ``""``.
    links
        Optional in-page link per geometry (``"#plot-demolition-0"``): the feature and its label
        become ``<a href>`` elements, so a click on the map jumps to the finding or plot row.
    anchors
        Optional point per geometry where its label goes (default: a point inside the drawn part).
    label_colour
        Text colour of the labels. Labels are drawn above every layer of the map with a white
        halo, so they stay readable on any fill (a red overlap included).
    label_rank
        ``None``: every label is written at its anchor. A number: the labels of all ranked
        layers are placed in rank order (0 first) beside their anchor (above, below, right,
        left), and left out where every place would touch a label already placed or cover an
        anchor (a ranked layer's marks); so no two printed labels collide, no mark is hidden and a
        lower rank never loses its place to a higher one.
    marker
        How points are drawn: ``"cross"`` (a cross in a ring) or ``"dot"`` (a filled circle of
        ``point_size`` radius in ``fill``, outlined in ``stroke``).
    """

    geometries: Sequence
    fill: str = "none"
    stroke: str = "#333333"
    stroke_width: float = 1.0
    fill_opacity: float = 0.4
    name: str = ""
    labels: Sequence[str] | None = None
    dash: str = ""
    point_size: float = 6.0
    links: Sequence[str] | None = None
    anchors: Sequence | None = None
    label_colour: str = "#111111"
    label_rank: int | None = None
    marker: str = "cross"
    extra: dict = field(default_factory=dict)


def expand_bounds(
    bounds: Sequence[float], *, ratio: float = 0.15, minimum: float = 10.0
) -> tuple[float, float, float, float]:
    """``bounds`` (minx, miny, maxx, maxy) grown by ``ratio`` of its size, at least ``minimum``
    map units."""
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    pad = max((maxx - minx) * ratio, (maxy - miny) * ratio, minimum)
    return minx - pad, miny - pad, maxx + pad, maxy + pad


def _transform(coords: np.ndarray, bounds, width: int, height: int, margin: int) -> np.ndarray:
    minx, miny, maxx, maxy = bounds
    dx, dy = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
    scale = min((width - 2 * margin) / dx, (height - 2 * margin) / dy)
    ox = margin + ((width - 2 * margin) - dx * scale) / 2
    oy = margin + ((height - 2 * margin) - dy * scale) / 2
    px = ox + (coords[:, 0] - minx) * scale
    py = height - (oy + (coords[:, 1] - miny) * scale)
    return np.column_stack([px, py])


def _scale(bounds, width: int, height: int, margin: int) -> float:
    minx, miny, maxx, maxy = bounds
    return min(
        (width - 2 * margin) / max(maxx - minx, 1e-9),
        (height - 2 * margin) / max(maxy - miny, 1e-9),
    )


def _paths(
    geoms: np.ndarray, bounds, width: int, height: int, margin: int, *, close: bool
) -> list[str]:
    """One SVG path ``d`` per geometry (polygons: every ring closed; lines: open)."""
    if not len(geoms):
        return []
    if close:
        parts, part_of = shapely.get_parts(geoms, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        ring_geom = part_of[ring_part]
    else:
        rings, ring_geom = shapely.get_parts(geoms, return_index=True)
    coords, point_ring = shapely.get_coordinates(rings, return_index=True)
    if not len(coords):
        return [""] * len(geoms)
    px = np.round(_transform(coords, bounds, width, height, margin), 1)
    first = np.r_[True, point_ring[1:] != point_ring[:-1]]
    last = np.r_[point_ring[1:] != point_ring[:-1], True]
    tokens = np.char.add(np.where(first, "M", "L"), np.char.mod("%.1f", px[:, 0]))
    tokens = np.char.add(np.char.add(tokens, " "), np.char.mod("%.1f", px[:, 1]))
    if close:
        tokens = np.where(last, np.char.add(tokens, "Z"), tokens)
    point_geom = ring_geom[point_ring]
    starts = np.searchsorted(point_geom, np.arange(len(geoms) + 1))
    tok = tokens.tolist()
    return ["".join(tok[starts[i] : starts[i + 1]]) for i in range(len(geoms))]


def _prepare(geoms: Sequence, bounds, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """(positions in ``geoms``, geometries) of what is drawn: present, inside ``bounds``, clipped
    and simplified."""
    arr = np.asarray(list(geoms), dtype=object)
    if not len(arr):
        return np.zeros(0, dtype=int), arr
    pos = np.flatnonzero(~(shapely.is_missing(arr) | shapely.is_empty(arr)))
    box = shapely.box(*bounds)
    pos = pos[shapely.intersects(arr[pos], box)]
    arr = arr[pos]
    if not len(arr):
        return pos, arr
    types = shapely.get_type_id(arr)
    areal = ~np.isin(types, _POINTS)
    if areal.any():
        clipped = shapely.clip_by_rect(arr[areal], *bounds)
        arr = arr.copy()
        arr[areal] = shapely.simplify(clipped, tolerance, preserve_topology=True)
    keep = ~shapely.is_empty(arr)
    return pos[keep], arr[keep]


def _linked(element: str, href: str | None) -> str:
    return f'<a href="{html.escape(href)}">{element}</a>' if href else element


def label_box(x: float, y: float, text: str) -> tuple[float, float, float, float]:
    """The pixel box (left, top, right, bottom) a label centred on (x, y) takes, halo included:
    a CJK character one font size wide, any other character 0.62 of it (wider than the average
    sans-serif glyph), so the box holds the drawn text."""
    width = (
        sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.62 for ch in str(text))
        * LABEL_FONT_PX
        + 4
    )
    height = LABEL_FONT_PX * 1.25 + 3
    return x - width / 2, y - height / 2, x + width / 2, y + height / 2


def _place(
    ranked: list[tuple[int, int, float, float, str, str | None, str]], clear: float
) -> tuple[list, list]:
    """Labels (rank, order, x, y, text, href, colour) placed in rank order beside their anchor
    (above, below, right, left) where they touch no label placed before and cover no anchor (a
    box ``clear`` pixels each side of it); (placed as (x, y, text, href, colour), left out as
    (rank, text))."""
    boxes = [(x - clear, y - clear, x + clear, y + clear) for _, _, x, y, *_ in ranked]
    placed, dropped = [], []
    for rank, _, x, y, text, href, colour in sorted(ranked, key=lambda r: (r[0], r[1])):
        left, top, right, bottom = label_box(0, 0, text)
        up, side = bottom + clear + 1, right + clear + 1
        for dx, dy in ((0, -up), (0, up), (side, 0), (-side, 0)):
            box = label_box(x + dx, y + dy, text)
            if all(
                box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1] for b in boxes
            ):
                boxes.append(box)
                placed.append((round(x + dx, 1), round(y + dy, 1), text, href, colour))
                break
        else:
            dropped.append((rank, text))
    return placed, dropped


def _label(x: float, y: float, text: str, colour: str) -> str:
    """A label with a white halo (the stroke painted under the fill), readable on any background."""
    return (
        f'<text x="{x}" y="{y}" class="lbl" text-anchor="middle" dominant-baseline="middle" '
        f'fill="{colour}" '
        'stroke="#ffffff" stroke-width="3" stroke-linejoin="round" '
        f'paint-order="stroke">{html.escape(str(text))}</text>'
    )


def svg_map(
    layers: Sequence[MapLayer],
    bounds: Sequence[float],
    *,
    width: int = 640,
    height: int = 440,
    margin: int = 12,
    title: str = "",
    css_class: str = "map",
    left_out: list | None = None,
) -> str:
    """An inline ``<svg>`` drawing ``layers`` (first at the bottom) inside ``bounds``.

    Parameters
    ----------
    layers
        What to draw, bottom first.
    bounds
        Map extent (minx, miny, maxx, maxy) in the geometries' CRS (a projected CRS in metres).
    width, height, margin
        Pixel size of the drawing and its inner margin.
    title
        Accessible title of the map (``<title>``).
    css_class
        CSS class of the ``<svg>`` element.
    left_out
        A list that receives (rank, text) of every ranked label left out for want of room
        (:attr:`MapLayer.label_rank`).

    Returns
    -------
    str
        The SVG markup, with a scale bar in metres.
    """
    bounds = tuple(float(b) for b in bounds)
    scale = _scale(bounds, width, height, margin)
    tolerance = 0.5 / scale
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {width} '
        f'{height}" '
        f'width="{width}" height="{height}" role="img" '
        f'data-bounds="{" ".join(f"{b:.3f}" for b in bounds)}">',
        f"<title>{html.escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fbfbf8" stroke="#bbb"/>',
    ]
    labels_out: list[str] = []
    ranked: list[tuple[int, int, float, float, str, str | None, str]] = []
    for layer in layers:
        pos, geoms = _prepare(layer.geometries, bounds, tolerance)
        if not len(geoms):
            continue
        links = None if layer.links is None else np.asarray(list(layer.links), dtype=object)[pos]
        cls = html.escape(layer.name or "layer")
        dash = f' stroke-dasharray="{layer.dash}"' if layer.dash else ""
        out.append(f'<g class="lyr" data-layer="{cls}">')
        types = shapely.get_type_id(geoms)
        for mask, close in (
            (~np.isin(types, _POINTS + _LINES), True),
            (np.isin(types, _LINES), False),
        ):
            paint = (
                f'fill="{layer.fill}" fill-opacity="{layer.fill_opacity}" fill-rule="evenodd" '
                if close
                else 'fill="none" '
            )
            hrefs = links[mask] if links is not None else [None] * int(mask.sum())
            for d, href in zip(
                _paths(geoms[mask], bounds, width, height, margin, close=close), hrefs, strict=True
            ):
                if d:
                    out.append(
                        _linked(
                            f'<path d="{d}" {paint}stroke="{layer.stroke}" '
                            f'stroke-width="{layer.stroke_width}"{dash}/>',
                            href,
                        )
                    )
        pts = np.isin(types, _POINTS)
        if pts.any():
            coords, which = shapely.get_coordinates(geoms[pts], return_index=True)
            hrefs = links[pts][which] if links is not None else [None] * len(coords)
            s = layer.point_size
            for (x, y), href in zip(
                np.round(_transform(coords, bounds, width, height, margin), 1).tolist(),
                hrefs,
                strict=True,
            ):
                if layer.marker == "dot":
                    dot = (
                        f'<circle cx="{x}" cy="{y}" r="{s:.1f}" fill="{layer.fill}" '
                        f'stroke="{layer.stroke}" stroke-width="{layer.stroke_width}"/>'
                    )
                    out.append(_linked(dot, href))
                    continue
                cross = (
                    f'<path d="M{x - s:.1f} {y - s:.1f}L{x + s:.1f} {y + s:.1f}M{x - s:.1f} '
                    f'{y + s:.1f}L{x + s:.1f} {y - s:.1f}" '
                    f'stroke="{layer.stroke}" stroke-width="{max(layer.stroke_width, 2)}"/>'
                    f'<circle cx="{x}" cy="{y}" r="{s * 1.4:.1f}" fill="none" '
                    f'stroke="{layer.stroke}" stroke-width="1"/>'
                )
                out.append(_linked(cross, href))
        out.append("</g>")
        if layer.labels is not None:
            labels = np.asarray(list(layer.labels), dtype=object)[pos]
            anchors = shapely.point_on_surface(geoms)
            if layer.anchors is not None:
                given = np.asarray(list(layer.anchors), dtype=object)[pos]
                usable = ~shapely.is_missing(given) & ~shapely.is_empty(given)
                anchors = np.where(usable, given, anchors)
            xy = np.round(
                _transform(shapely.get_coordinates(anchors), bounds, width, height, margin), 1
            ).tolist()
            hrefs = links if links is not None else [None] * len(xy)
            for (x, y), text, href in zip(xy, labels.tolist(), hrefs, strict=True):
                if text is None or str(text) == "":
                    continue
                if layer.label_rank is None:
                    labels_out.append(_linked(_label(x, y, text, layer.label_colour), href))
                else:
                    ranked.append(
                        (layer.label_rank, len(ranked), x, y, str(text), href, layer.label_colour)
                    )
    if ranked:
        clear = max((lyr.point_size for lyr in layers if lyr.label_rank is not None), default=0)
        placed, dropped = _place(ranked, clear)
        labels_out += [_linked(_label(x, y, t, c), h) for x, y, t, h, c in placed]
        if left_out is not None:
            left_out += dropped
    if labels_out:  # above every layer: a later fill never covers a label
        out.append('<g class="labels">' + "".join(labels_out) + "</g>")
    out.append(_scale_bar(scale, width, height))
    out.append("</svg>")
    return "".join(out)


def _scale_bar(scale: float, width: int, height: int) -> str:
    target = 120 / scale  # metres in ~120 px
    exp = 10 ** np.floor(np.log10(target))
    metres = float(max(m * exp for m in (1, 2, 5) if m * exp <= target))
    px = metres * scale
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    x0, y0 = 16, height - 16
    return (
        f'<g class="scalebar"><rect x="{x0 - 4}" y="{y0 - 18}" width="{px + 8:.1f}" height="24" '
        'fill="#fff" fill-opacity="0.8"/>'
        f'<path d="M{x0} {y0 - 5}V{y0}H{x0 + px:.1f}V{y0 - 5}" fill="none" stroke="#000" '
        'stroke-width="1.5"/>'
        f'<text x="{x0 + px / 2:.1f}" y="{y0 - 7}" text-anchor="middle" '
        f'class="sb">{label}</text></g>'
    )
