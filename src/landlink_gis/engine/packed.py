"""Geometries held as WKB, made into GEOS geometries a chunk at a time.

A county's land survey near a project's plots is 1–2 million polygons. As GEOS geometries each costs
about 330 bytes plus 24 per vertex (a 17-vertex polygon: 690 bytes); as WKB it is 13 bytes plus 16 per
vertex (285 bytes) and no allocation of its own. The check context keeps the big reference layers
(:data:`~landlink_gis.io.shared.STREAMED_ROLES`) as :class:`PackedGeometries`, and the engine
(:func:`~landlink_gis.engine.overlay.overlay_pairs`, :func:`~landlink_gis.engine.overlay.near_mask`)
walks them :data:`CHUNK` features at a time, so that a check's memory does not grow with a whole
layer's GEOS geometries.

WKB keeps every coordinate bit for bit, so a geometry made from it equals the one packed, and every
figure computed on chunks equals the figure computed on the whole array.

Anything else may use a packed array as a geometry array: ``len``, indexing (an integer gives a
geometry; a slice, mask or position array gives a NumPy array of geometries) and ``np.asarray``
(the whole layer, made for the caller and not kept) work as on a NumPy object array.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import shapely

from .geomops import polygonal

__all__ = ["CHUNK", "PackedGeometries", "is_packed", "per_geometry"]

#: Features made into GEOS geometries at a time when the engine walks a packed array.
CHUNK = 200_000


class PackedGeometries:
    """A read-only array of geometries stored as WKB (None for a missing geometry).

    Parameters
    ----------
    wkb
        Object array of WKB ``bytes`` (None where there is no geometry).
    present, repair
        Optional masks for a view of *usable* geometries (the check context's ``valid_geoms``):
        where ``present`` is False the geometry is None; where ``repair`` is True it is made valid
        (GEOS ``make_valid``) when made; the polygonal part of every geometry is kept
        (:func:`~landlink_gis.engine.geomops.polygonal`). Both None: the geometries as packed.
    """

    __slots__ = ("_blank", "_present", "_repair", "_wkb")

    def __init__(
        self,
        wkb: np.ndarray,
        *,
        present: np.ndarray | None = None,
        repair: np.ndarray | None = None,
        blank: np.ndarray | None = None,
    ) -> None:
        self._wkb = np.asarray(wkb, dtype=object)
        self._present = present
        self._repair = repair
        self._blank = blank

    @classmethod
    def pack(cls, geoms) -> PackedGeometries:
        """Pack a geometry array (Z and M are kept as they are; callers drop them first)."""
        geoms = np.asarray(geoms, dtype=object)
        wkb = np.empty(len(geoms), dtype=object)
        for start in range(0, len(geoms), CHUNK):
            wkb[start : start + CHUNK] = shapely.to_wkb(geoms[start : start + CHUNK])
        return cls(wkb)

    @classmethod
    def concat(cls, parts: list[PackedGeometries]) -> PackedGeometries:
        """The packed arrays ``parts`` one after the other (packed as read, not views)."""
        if any(p._present is not None or p._blank is not None for p in parts):
            raise ValueError("only arrays packed as read can be joined")
        if not parts:
            return cls(np.empty(0, dtype=object))
        return cls(np.concatenate([p._wkb for p in parts]))

    def usable(self, present: np.ndarray, repair: np.ndarray) -> PackedGeometries:
        """The view that gives, for each feature, what the check overlays: None where
        ``present`` is False, the ``make_valid`` repair where ``repair`` is True, and the
        polygonal part of each."""
        return PackedGeometries(
            self._wkb,
            present=np.asarray(present, dtype=bool),
            repair=np.asarray(repair, dtype=bool),
        )

    # --- array protocol -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._wkb)

    @property
    def shape(self) -> tuple[int]:
        """``(n,)``, as a one-dimensional array."""
        return (len(self._wkb),)

    ndim = 1
    dtype = np.dtype(object)

    def _make(self, pos: np.ndarray) -> np.ndarray:
        """GEOS geometries of positions ``pos`` (an integer array)."""
        out = shapely.from_wkb(self._wkb[pos])
        out = np.asarray(out, dtype=object).reshape(-1)
        if self._present is not None:
            bad = np.flatnonzero(self._repair[pos] & self._present[pos])
            if len(bad):
                out[bad] = shapely.make_valid(out[bad])
            out[~self._present[pos]] = None
            out = polygonal(out)
        if self._blank is not None:
            out[self._blank[pos]] = None
        return out

    def _positions(self, key) -> np.ndarray:
        return np.arange(len(self._wkb))[key]

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            return self._make(np.array([key], dtype=np.int64))[0]
        return self._make(np.atleast_1d(self._positions(key)))

    def __setitem__(self, key, value) -> None:
        """Only ``packed[mask] = None``: leave features out (on a :meth:`copy`)."""
        if value is not None:
            raise TypeError("a packed geometry array only takes None (leave features out)")
        if self._blank is None:
            self._blank = np.zeros(len(self._wkb), dtype=bool)
        self._blank[self._positions(key)] = True

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """The whole array as GEOS geometries (made for the caller; the chunked engine never asks
        for it)."""
        if dtype is not None and np.dtype(dtype) != np.dtype(object):
            raise TypeError("a geometry array converts only to an object array")
        out = np.empty(len(self), dtype=object)
        for start, part in self.chunks():
            out[start : start + len(part)] = part
        return out

    def copy(self) -> PackedGeometries:
        """A copy whose features can be left out (``copy[mask] = None``) without changing this
        one; the WKB is shared."""
        blank = None if self._blank is None else self._blank.copy()
        return PackedGeometries(self._wkb, present=self._present, repair=self._repair, blank=blank)

    def chunks(self, size: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """``(start, geometries)`` for consecutive runs of ``size`` features (default
        :data:`CHUNK`)."""
        size = max(1, int(CHUNK if size is None else size))
        for start in range(0, len(self), size):
            yield start, self._make(np.arange(start, min(start + size, len(self))))

    def __repr__(self) -> str:
        view = " (usable view)" if self._present is not None else ""
        return f"<PackedGeometries: {len(self)} features{view}>"


def per_geometry(func, geoms, pos: np.ndarray) -> np.ndarray:
    """``func(geoms[pos])`` (a vectorised function giving one number per geometry), made a chunk
    at a time when ``geoms`` is packed."""
    pos = np.asarray(pos, dtype=np.int64)
    if not is_packed(geoms):
        return np.asarray(func(np.asarray(geoms, dtype=object)[pos]), dtype=float)
    out = np.empty(len(pos), dtype=float)
    for start in range(0, len(pos), CHUNK):
        out[start : start + CHUNK] = func(geoms[pos[start : start + CHUNK]])
    return out


def is_packed(geoms) -> bool:
    """Whether ``geoms`` is a :class:`PackedGeometries`."""
    return isinstance(geoms, PackedGeometries)
