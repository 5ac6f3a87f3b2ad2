"""Geometries held as WKB, made into GEOS geometries a chunk at a time.

A county's land survey near a project's plots is 1–2 million polygons. As GEOS geometries each costs
about 330 bytes plus 24 per vertex (a 17-vertex polygon: 690 bytes); as WKB it is 13 bytes plus 16 per
vertex (285 bytes) and no allocation of its own. The check context keeps the big reference layers
(:data:`~landlink_gis.io.shared.STREAMED_ROLES`) as :class:`PackedGeometries`, and the engine
(:func:`~landlink_gis.engine.overlay.overlay_pairs`, :func:`~landlink_gis.engine.overlay.near_mask`)
walks them :data:`CHUNK` features at a time, so that a check's memory does not grow with a whole
layer's GEOS geometries.

The WKB lies in Arrow binary arrays (one contiguous buffer and an offset per feature, one array per
packed batch), not in a Python ``bytes`` object per feature, which adds about 36 bytes of object
header, pointer and allocator rounding to each (measured: 312 → 281 MB for a million 290-byte
WKB polygons; about 125 MB on 3.5 million survey polygons). The
``bytes`` that GEOS reads are made a chunk at a time, with the geometries.

WKB keeps every coordinate bit for bit, so a geometry made from it equals the one packed, and every
figure computed on chunks equals the figure computed on the whole array.

Anything else may use a packed array as a geometry array: ``len``, indexing (an integer gives a
geometry; a slice, mask or position array gives a NumPy array of geometries) and ``np.asarray``
(the whole layer, made for the caller and not kept) work as on a NumPy object array.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import shapely

from .geomops import polygonal

__all__ = ["CHUNK", "PackedGeometries", "is_packed", "per_geometry"]

#: Features made into GEOS geometries at a time when the engine walks a packed array.
CHUNK = 100_000


class PackedGeometries:
    """A read-only array of geometries stored as WKB (None for a missing geometry).

    Parameters
    ----------
    wkb
        Object array of WKB ``bytes`` (None where there is no geometry), or a list of Arrow
        binary arrays holding them one after the other (how :meth:`pack` and :meth:`concat`
        store them).
    present, repair
        Optional masks for a view of *usable* geometries (the check context's ``valid_geoms``):
        where ``present`` is False the geometry is None; where ``repair`` is True it is made valid
        (GEOS ``make_valid``) when made; the polygonal part of every geometry is kept
        (:func:`~landlink_gis.engine.geomops.polygonal`). Both None: the geometries as packed.
    """

    __slots__ = ("_blank", "_parts", "_present", "_repair", "_starts")

    def __init__(
        self,
        wkb: np.ndarray | list[pa.Array],
        *,
        present: np.ndarray | None = None,
        repair: np.ndarray | None = None,
        blank: np.ndarray | None = None,
    ) -> None:
        if isinstance(wkb, list):
            parts = [p for p in wkb if len(p)]
        else:
            wkb = np.asarray(wkb, dtype=object)
            parts = [_binary(wkb[a : a + CHUNK]) for a in range(0, len(wkb), CHUNK)]
        self._parts: list[pa.Array] = parts
        #: position of each part's first feature, and the length as the last entry
        self._starts = np.concatenate([[0], np.cumsum([len(p) for p in parts], dtype=np.int64)])
        self._present = present
        self._repair = repair
        self._blank = blank

    @classmethod
    def pack(cls, geoms) -> PackedGeometries:
        """Pack a geometry array (Z and M are kept as they are; callers drop them first)."""
        geoms = np.asarray(geoms, dtype=object)
        return cls(
            [
                _binary(shapely.to_wkb(geoms[start : start + CHUNK]))
                for start in range(0, len(geoms), CHUNK)
            ]
        )

    @classmethod
    def concat(cls, parts: list[PackedGeometries]) -> PackedGeometries:
        """The packed arrays ``parts`` one after the other (packed as read, not views); their
        buffers are shared, not copied."""
        if any(p._present is not None or p._blank is not None for p in parts):
            raise ValueError("only arrays packed as read can be joined")
        return cls([a for p in parts for a in p._parts])

    def usable(self, present: np.ndarray, repair: np.ndarray) -> PackedGeometries:
        """The view that gives, for each feature, what the check overlays: None where
        ``present`` is False, the ``make_valid`` repair where ``repair`` is True, and the
        polygonal part of each."""
        return PackedGeometries(
            self._parts,
            present=np.asarray(present, dtype=bool),
            repair=np.asarray(repair, dtype=bool),
        )

    @property
    def nbytes(self) -> int:
        """Bytes held by the packed WKB and its offsets (the view masks not counted)."""
        return int(sum(p.nbytes for p in self._parts))

    # --- array protocol -------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self._starts[-1])

    @property
    def shape(self) -> tuple[int]:
        """``(n,)``, as a one-dimensional array."""
        return (len(self),)

    ndim = 1
    dtype = np.dtype(object)

    def _make(self, pos: np.ndarray) -> np.ndarray:
        """GEOS geometries of positions ``pos`` (an integer array)."""
        out = shapely.from_wkb(self._wkb_at(pos))
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

    def _wkb_at(self, pos: np.ndarray) -> np.ndarray:
        """The WKB ``bytes`` (None: no geometry) of positions ``pos``, as an object array."""
        pos = np.asarray(pos, dtype=np.int64).reshape(-1)
        if len(pos) == 0:
            return np.empty(0, dtype=object)
        if len(pos) > 1 and not (pos[1:] >= pos[:-1]).all():
            order = np.argsort(pos, kind="stable")
            out = np.empty(len(pos), dtype=object)
            out[order] = self._wkb_at(pos[order])
            return out
        pieces = self._arrow_at(pos)
        if len(pieces) == 1:
            return pieces[0].to_numpy(zero_copy_only=False)
        return np.concatenate([p.to_numpy(zero_copy_only=False) for p in pieces])

    def _arrow_at(self, pos: np.ndarray) -> list[pa.Array]:
        """The WKB of sorted positions ``pos`` as Arrow arrays, one per part they fall in."""
        if pos[0] < 0 or pos[-1] >= len(self):
            raise IndexError(f"position out of range for {len(self)} packed features")
        # positions sorted: each part's positions are one run of them
        cuts = np.searchsorted(pos, self._starts)
        pieces = []
        for k, part in enumerate(self._parts):
            a, b = cuts[k], cuts[k + 1]
            if a == b:
                continue
            local = pos[a:b] - self._starts[k]
            if local[-1] - local[0] + 1 == len(local):  # a run: a view, no copy
                pieces.append(part.slice(int(local[0]), len(local)))
            else:
                pieces.append(part.take(pa.array(local)))
        return pieces

    def take(self, pos: np.ndarray) -> PackedGeometries:
        """The features at sorted positions ``pos`` as a packed array of their own (their WKB
        copied into one Arrow array, the view's masks taken along): what a dask task is sent
        instead of GEOS geometries."""
        pos = np.asarray(pos, dtype=np.int64).reshape(-1)
        if len(pos) > 1 and not (pos[1:] > pos[:-1]).all():
            raise ValueError("take wants strictly increasing positions")
        wkb = [pa.concat_arrays(self._arrow_at(pos))] if len(pos) else []
        return PackedGeometries(
            wkb,
            present=None if self._present is None else self._present[pos],
            repair=None if self._repair is None else self._repair[pos],
            blank=None if self._blank is None else self._blank[pos],
        )

    def _positions(self, key) -> np.ndarray:
        return np.arange(len(self))[key]

    def __getitem__(self, key):
        if isinstance(key, (int, np.integer)):
            return self._make(np.array([key], dtype=np.int64))[0]
        return self._make(np.atleast_1d(self._positions(key)))

    def __setitem__(self, key, value) -> None:
        """Only ``packed[mask] = None``: leave features out (on a :meth:`copy`)."""
        if value is not None:
            raise TypeError("a packed geometry array only takes None (leave features out)")
        if self._blank is None:
            self._blank = np.zeros(len(self), dtype=bool)
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
        return PackedGeometries(
            self._parts, present=self._present, repair=self._repair, blank=blank
        )

    def chunks(self, size: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """``(start, geometries)`` for consecutive runs of ``size`` features (default
        :data:`CHUNK`)."""
        size = max(1, int(CHUNK if size is None else size))
        for start in range(0, len(self), size):
            yield start, self._make(np.arange(start, min(start + size, len(self))))

    def __repr__(self) -> str:
        view = " (usable view)" if self._present is not None else ""
        return f"<PackedGeometries: {len(self)} features{view}>"


def _binary(wkb: np.ndarray) -> pa.Array:
    """An Arrow binary array of an object array of WKB ``bytes`` (None: null), built from one
    joined buffer (a few times faster than ``pa.array`` on the objects). 64-bit offsets: a part
    may hold more than 2 GiB."""
    present = np.fromiter((b is not None for b in wkb), dtype=bool, count=len(wkb))
    sizes = np.fromiter((0 if b is None else len(b) for b in wkb), dtype=np.int64, count=len(wkb))
    offsets = np.zeros(len(wkb) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    data = b"".join(b for b in wkb if b is not None)
    nulls = int(len(wkb) - present.sum())
    validity = pa.array(present).buffers()[1] if nulls else None
    return pa.Array.from_buffers(
        pa.large_binary(),
        len(wkb),
        [validity, pa.py_buffer(offsets), pa.py_buffer(data)],
        null_count=nulls,
    )


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
