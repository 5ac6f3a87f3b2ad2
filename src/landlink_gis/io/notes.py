"""What a reader noticed while reading one layer: the typed record every reader returns.

Readers (the rows of :data:`landlink_gis.io.formats.FORMATS`, and
:func:`landlink_gis.io.coordtxt.read_coordtxt_notes` for the coordinate TXT) return the frame as
read and a :class:`ReadNotes`; loading hands it on to the rules through the source information of
the layer and ``landlink init`` reads it to fill a project file. Nothing travels on
``frame.attrs``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ReadNotes"]


@dataclass(frozen=True)
class ReadNotes:
    """What a reader noticed while reading one layer (the frame itself is as read).

    Attributes
    ----------
    encoding
        The text encoding the attributes were decoded with (None: the format's own, or ASCII).
    encoding_note
        Why a shapefile's ``.cpg`` was overruled (None: it was not).
    unclosed_rings
        Positions of features whose unclosed rings were closed on reading (GEOM001 reports them).
    had_m
        Whether the layer declared M (measure) values, which reading drops.
    read_problems
        Per-feature problems the reader found (``{"position", "code", "declared", "found"}``;
        GEOM001 reports them as errors).
    area_units
        Column → unit of an area column the format defines (the coordinate TXT's 地块面积 in 公顷).
    source_crs
        The layer's own CRS when the reader already reprojected it (streamed and shared reads).
    header
        Header values of the file (the coordinate TXT's 属性描述).
    details
        Further format-specific facts (the coordinate TXT's encoding, zone prefix, swapped X/Y …).
    """

    encoding: str | None = None
    encoding_note: str | None = None
    unclosed_rings: Any = None
    had_m: bool = False
    read_problems: tuple[Mapping[str, Any], ...] = ()
    area_units: Mapping[str, str] = field(default_factory=dict)
    source_crs: Any = None
    header: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
