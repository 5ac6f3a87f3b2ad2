"""The check context: a project's layers, normalised and in one CRS, handed to every rule.

Loading (:mod:`landlink_gis.load.pipeline`) builds one :class:`CheckContext` and hands it on
finished: its
layers, the ledger's plots, the previous plan, the geometry repairs and the opened rasters are
all set when it is made, and nothing replaces them afterwards (the dataclass is frozen and the
layer mappings are read-only). Rules read it and never do I/O: zonal statistics of a raster go
through :meth:`CheckContext.zonal_stats`, whose reader loading opened. The only state that
changes is the memo of derived figures (:meth:`CheckContext.cached`), which rules share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..base.fields import printable_ids
from ..engine.geomops import finite_coordinates, polygonal
from ..engine.overlay import elementwise
from ..engine.packed import PackedGeometries
from ..project.file import Project, RasterSpec

__all__ = [
    "CheckContext",
    "GeometryRepair",
    "LayerFrames",
    "LedgerView",
    "PreviousPlan",
    "RasterReader",
    "ReadProblem",
    "SourceInfo",
    "SourceQuota",
]

#: Columns a :class:`LayerFrames` entry may get only when it is first looked at.
LAZY_COLUMNS = ("area_m2", "area_planar_m2")


class LayerFrames(dict):
    """Role → normalised frame, where a frame's area columns may be computed on first access.

    Reference layers (land survey, compensation, planning zones) hold up to millions of features
    whose areas few rules need; :meth:`defer` registers a function that adds the area columns in
    place, and every way of getting the frame out (``[role]``, ``get``, ``values``, ``items``)
    runs it first, so a frame taken from here always has its area columns. :meth:`peek` gives the
    frame without them, for code that only needs geometry or attributes.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pending: dict[str, Any] = {}
        self._frozen = False

    def freeze(self) -> LayerFrames:
        """Refuse every later change of the mapping (loading calls it when the context is made)."""
        self._frozen = True
        return self

    def _check_open(self) -> None:
        if getattr(self, "_frozen", False):
            raise TypeError("the layers of a finished CheckContext cannot be replaced")

    def defer(self, role: str, frame: gpd.GeoDataFrame, fill) -> None:
        """Store ``frame`` under ``role``; ``fill(frame)`` adds its lazy columns on first access."""
        self._check_open()
        dict.__setitem__(self, role, frame)
        self._pending[role] = fill

    def peek(self, role: str) -> gpd.GeoDataFrame:
        """The frame of ``role`` without computing pending columns."""
        return dict.__getitem__(self, role)

    def pending(self, role: str) -> bool:
        """Whether the lazy columns of ``role`` are not computed yet."""
        return role in self._pending

    def __getitem__(self, role: str) -> gpd.GeoDataFrame:
        frame = dict.__getitem__(self, role)
        fill = self._pending.pop(role, None)
        if fill is not None:
            fill(frame)
        return frame

    def __setitem__(self, role: str, frame: gpd.GeoDataFrame) -> None:
        self._check_open()
        self._pending.pop(role, None)
        dict.__setitem__(self, role, frame)

    def __delitem__(self, role: str) -> None:
        self._check_open()
        self._pending.pop(role, None)
        dict.__delitem__(self, role)

    def get(self, role, default=None):  # noqa: D102 - as dict.get, with the pending columns
        return self[role] if role in self else default

    def values(self):  # noqa: D102 - as dict.values, with the pending columns
        return [self[r] for r in self]

    def items(self):  # noqa: D102 - as dict.items, with the pending columns
        return [(r, self[r]) for r in self]

    def pop(self, role, *default):  # noqa: D102 - as dict.pop, with the pending columns
        self._check_open()
        if role not in self:
            return dict.pop(self, role, *default)
        frame = self[role]
        dict.__delitem__(self, role)
        return frame

    def copy(self) -> LayerFrames:  # noqa: D102 - a copy sharing the pending work
        out = LayerFrames(dict(dict.items(self)))
        out._pending = dict(self._pending)
        return out


def factorised(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, table)`` with ``table[codes]`` equal to ``column.to_numpy(dtype=object)``:
    ``table`` holds each distinct value once and, last, the column's missing value (code -1).
    Codes are 32-bit: a few bytes per feature instead of a Python string each."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = np.asarray(uniques, dtype=object)
    missing = np.flatnonzero(codes < 0)
    table[-1] = column.iloc[missing[:1]].to_numpy(dtype=object)[0] if len(missing) else None
    return codes.astype(np.int32), table


def geometry_state(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks ``(present, invalid)`` of ``geoms`` (see :meth:`CheckContext.geometry_state`), on
    all cores."""

    geoms = np.asarray(geoms, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    present[present] = finite_coordinates(geoms[present])
    invalid = np.zeros(len(geoms), dtype=bool)
    pos = np.flatnonzero(present)
    if len(pos):
        invalid[pos] = ~elementwise(shapely.is_valid, geoms[pos])
    return present, invalid


@dataclass(frozen=True)
class ReadProblem:
    """A problem a reader found in one feature and kept for the rules (it never drops the feature).

    ``code`` says what: ``unclosed`` (a ring closed on reading), ``point_count`` (a coordinate
    TXT plot whose 界址点数 disagrees with its point lines; ``declared``/``found`` give both).
    """

    position: int
    code: str
    declared: float | None = None
    found: float | None = None


@dataclass
class SourceInfo:
    """What was read for one layer: where from, its own CRS and extent, and what loading changed.

    Loading fills it while it reads; once the context is made it is not changed.
    """

    role: str
    source: str
    sha256: str | None
    crs: CRS | None
    bounds: tuple[float, float, float, float]
    count: int
    encoding: str | None = None
    reprojected: bool = False
    had_z: np.ndarray | None = None
    outside_folder: bool = False
    missing_fields: tuple[str, ...] = ()
    #: why the encoding of a shapefile's ``.cpg`` was overruled (None: it was not)
    encoding_note: str | None = None
    #: positions of features whose unclosed rings were closed on reading (GEOM001 reports them)
    unclosed: np.ndarray | None = None
    #: other per-feature problems the reader found (GEOM001 reports them as errors)
    problems: tuple[ReadProblem, ...] = ()
    #: whether the layer declared M (measure) values, which reading dropped
    had_m: bool = False
    #: column → unit of a declared area column, as the reader knows it (the TXT's 公顷)
    area_units: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceQuota:
    """The surplus-quota account of a source project a construction-only plan draws from (BAL009).

    ``available = generated − traded − drawn`` (m²; the advance is surplus generated early, so its
    trades are among ``traded``), where ``drawn`` counts the draws of other plans only (this
    plan's own earlier registration is not held against it). The farmland figures come from the
    source's acceptance record (``ledger accept``) and its registered plan; None where unknown.
    """

    code: str
    registered: bool
    accepted: bool
    generated: float = 0.0
    advanced: float = 0.0
    traded: float = 0.0
    drawn: float = 0.0
    #: surplus generated at acceptance (ACC005), the whole of which a draw is a part of
    surplus_generated: float | None = None
    #: newly added cultivated land and paddy accepted (net of measured 田坎), and their grade
    newly_added_cultivated: float | None = None
    newly_added_paddy: float | None = None
    quality: float | None = None
    #: cultivated land and paddy the source's own construction occupied (its registered plan)
    occupied_cultivated: float | None = None
    occupied_paddy: float | None = None

    @property
    def available(self) -> float:
        """Surplus quota still available to draw (m², to 0.01 m²)."""
        return round(self.generated - self.traded - self.drawn, 2)

    def carried(self, draw_m2: float, what: str) -> float:
        """The newly added ``cultivated`` land or ``paddy`` a draw of ``draw_m2`` carries: the
        source's accepted newly added land minus what its own construction occupied, pro rata to
        the part of its surplus drawn (NaN when the ledger does not know it)."""
        added = getattr(self, f"newly_added_{what}")
        occupied = getattr(self, f"occupied_{what}")
        whole = self.surplus_generated
        if added is None or whole is None or whole <= 0:
            return float("nan")
        return max(added - (occupied or 0.0), 0.0) * min(draw_m2 / whole, 1.0)


@dataclass(frozen=True)
class LedgerView:
    """The county ledger as a check sees it: the registered plots of every other project, and the
    quota accounts of the projects a construction-only plan draws from (``[[quota_sources]]``)."""

    plots: gpd.GeoDataFrame
    location: str
    quota_sources: Mapping[str, SourceQuota] = field(default_factory=dict)
    #: this project's own advance in the ledger: (date of the first advance, m² advanced in all),
    #: None when the ledger records none (TIME002's year runs from that date)
    advance: tuple[dt.date, float] | None = None
    #: this project's acceptance date in the ledger (``ledger accept``), None when not accepted
    accepted: dt.date | None = None


@dataclass(frozen=True)
class PreviousPlan:
    """The previously approved plan of this project (ADJ rules): its plots and where they came
    from."""

    plots: gpd.GeoDataFrame
    source: str


@dataclass(frozen=True)
class GeometryRepair:
    """Invalid plot polygons repaired on loading (``--repair``): the originals and the areas
    before/after."""

    original: np.ndarray
    table: pd.DataFrame


class RasterReader(Protocol):
    """An opened raster that computes statistics per polygon (loading supplies it)."""

    role: str
    path: Path

    def stats(self, geoms: np.ndarray, crs: CRS) -> pd.DataFrame:
        """``mean``, ``max`` and ``pixels`` per polygon (NaN where none); slope in degrees for a
        DEM."""
        ...


def _readonly(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class CheckContext:
    """Everything a rule may look at during one check, complete when it is made.

    Attributes
    ----------
    project
        The project (facts, layer specifications).
    crs
        The project CRS every layer is in.
    params
        Rule parameters after profile, project and caller overrides.
    lang
        Language of the messages (``zh`` or ``en``).
    layers
        Role → normalised frame (canonical fields, ``fid``, areas, geometry).
    raw
        Role → the frame as read (input attributes unchanged, geometry in the project CRS).
    sources
        Role → :class:`SourceInfo`.
    rasters
        Raster role → :class:`RasterReader` opened by loading.
    raster_specs
        Raster role → its :class:`~landlink_gis.project.file.RasterSpec`.
    raster_sha256
        Raster role → SHA-256 of its file (None: not a regular file, e.g. a URL).
    ledger
        Other projects' plots from the ledger, when the project names one.
    previous
        The previously approved plan, when there is one.
    repairs
        Role → :class:`GeometryRepair` of the plot layers repaired on loading.
    repair_requested
        Whether the check was asked to repair invalid plots.
    today
        The date deadlines are judged on: the check's ``today``, else ``$LANDLINK_TODAY``, else
        the day of the run (:func:`landlink_gis.base.workdays.run_date`; None only in a context
        made by hand, where the rules take the day of the run).
    profile
        The provincial profile the check runs under (rules word their messages and references by
        it).
    not_run
        Rules the profile applies that this check does not run (ignored or not selected): the
        verdict and CHK001 count them as checks not done.
    filing_requires
        Requirements the profile adds to what filing requires (``kind:what`` texts, DOMAIN.md §4b).
    packed
        Role → the geometries of a big reference layer (land survey, compensation, planning
        zones: :data:`~landlink_gis.io.shared.STREAMED_ROLES`) held as WKB
        (:class:`~landlink_gis.engine.packed.PackedGeometries`); the frames of such a role have no
        geometry column, and :meth:`geoms` and :meth:`valid_geoms` give its geometries.
    inputs
        The files this check reads and no output may overwrite: the project file, each layer and
        raster file with the files belonging to it, the ledger
        (:func:`landlink_gis.io.atomic.protected_paths`); the runner hands them on to the
        result's ``protected``.
    """

    project: Project
    crs: CRS
    params: Mapping[str, Any]
    lang: str = "zh"
    layers: LayerFrames = field(default_factory=LayerFrames)
    raw: Mapping[str, gpd.GeoDataFrame] = field(default_factory=dict)
    sources: Mapping[str, SourceInfo] = field(default_factory=dict)
    rasters: Mapping[str, RasterReader] = field(default_factory=dict)
    raster_specs: Mapping[str, RasterSpec] = field(default_factory=dict)
    raster_sha256: Mapping[str, str | None] = field(default_factory=dict)
    ledger: LedgerView | None = None
    previous: PreviousPlan | None = None
    repairs: Mapping[str, GeometryRepair] = field(default_factory=dict)
    repair_requested: bool = False
    today: dt.date | None = None
    profile: str = "national"
    not_run: tuple[str, ...] = ()
    filing_requires: tuple[str, ...] = ()
    inputs: frozenset[Path] = frozenset()
    packed: Mapping[str, PackedGeometries] = field(default_factory=dict)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        layers = self.layers if isinstance(self.layers, LayerFrames) else LayerFrames(self.layers)
        object.__setattr__(self, "layers", layers.freeze())
        for name in (
            "params",
            "raw",
            "sources",
            "rasters",
            "raster_specs",
            "raster_sha256",
            "repairs",
            "packed",
        ):
            object.__setattr__(self, name, _readonly(getattr(self, name)))

    def attributes(self, role: str) -> gpd.GeoDataFrame:
        """Normalised frame of ``role`` for its geometry and attributes: pending area columns are
        not computed.

        Use it where a rule reads classes, grades or ids of a big reference layer; ``layer(role)``
        gives the frame with its area columns.
        """
        return self.layers.peek(role)

    def column(self, role: str, name: str) -> np.ndarray:
        """Values of column ``name`` of layer ``role`` (areas computed only when asked for)."""
        frame = self.layers[role] if name in LAZY_COLUMNS else self.attributes(role)
        return frame[name].to_numpy()

    def text(self, role: str, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Values of text column ``name`` of layer ``role`` (at positions ``rows``, else all).

        The same values as ``attributes(role)[name].to_numpy(dtype=object)[rows]``, but every
        equal value is one shared object: the column is factorised once per check
        (:meth:`text_codes`), so a lookup on a land survey of millions of features makes no
        Python string per feature. Meant for columns of few distinct values (land classes,
        村庄/采矿 codes, owners), not for ids.
        """
        codes, table = self.text_codes(role, name)
        return table[codes if rows is None else codes[np.asarray(rows, dtype=np.int64)]]

    def text_codes(self, role: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, table)`` of text column ``name`` of layer ``role``: ``table[codes]`` are its
        values (:meth:`text`), ``table`` each distinct value once and, last, the column's
        missing value; computed once per check."""
        return self.cached(("text", role, name), lambda: factorised(self.attributes(role)[name]))

    def has(self, role: str) -> bool:
        """Whether layer ``role`` was given (it may still be empty)."""
        return role in self.layers

    def layer(self, role: str) -> gpd.GeoDataFrame:
        """The normalised frame of layer ``role``."""
        return self.layers[role]

    def has_field(self, role: str, name: str) -> bool:
        """Whether layer ``role`` has canonical field ``name`` mapped to an input field."""
        if role not in self.layers:
            return False
        frame = self.layers[role] if name in LAZY_COLUMNS else self.attributes(role)
        return name in frame.columns and name not in self.sources[role].missing_fields

    def plot_ids(self, role: str, positions: np.ndarray | None = None) -> np.ndarray:
        """Printable id of each feature of ``role`` (of those at ``positions``, an index or mask,
        when given): its plot id, or ``#n`` (feature number) when empty.

        ``plot_ids(role, positions)`` equals ``plot_ids(role)[positions]`` but makes the ids of
        those features only (a Python string each), not of every plot of a county.
        """
        frame = self.attributes(role)
        ids, fid = frame["plot_id"], frame["fid"].to_numpy()
        if positions is not None:
            at = np.arange(len(frame))[positions]
            ids, fid = ids.iloc[at], fid[at]
        return printable_ids(ids.to_numpy(dtype=object), fid)

    def geoms(self, role: str) -> np.ndarray | PackedGeometries:
        """Geometries of layer ``role`` as read (in the project CRS, 2-D), one per feature.

        A NumPy object array, or for a packed reference layer (:attr:`packed`) a
        :class:`~landlink_gis.engine.packed.PackedGeometries`, which indexes like one: take the
        features needed (``geoms[positions]``) rather than the whole layer.
        """
        if role in self.packed:
            return self.packed[role]
        return np.asarray(self.attributes(role).geometry.array, dtype=object)

    def valid_geoms(self, role: str) -> np.ndarray | PackedGeometries:
        """Polygonal, valid geometries of layer ``role`` (invalid ones made valid; None if
        unusable).

        Overlaps and areas are computed on these, so that one invalid plot does not stop the
        checks of the others; the invalidity itself is reported by GEOM001. For a packed
        reference layer this is a packed view that repairs as it makes its geometries.
        """
        if role in self.packed:
            return self.cached(
                ("valid", role), lambda: self.packed[role].usable(*self.geometry_state(role))
            )

        def build() -> np.ndarray:
            geoms = self.geoms(role)
            out = geoms.copy()
            present, bad = self.geometry_state(role)
            if bad.any():
                out[bad] = shapely.make_valid(geoms[bad])
            out[~present] = None
            # not prepared: a prepared geometry keeps the indexes its predicates build for as
            # long as it lives (gigabytes on a county's land survey), and the overlap engine
            # decides its pairs without predicates
            return polygonal(out)

        return self.cached(("valid", role), build)

    def geometry_state(self, role: str) -> tuple[np.ndarray, np.ndarray]:
        """Masks ``(present, invalid)`` of the geometries of ``role``, computed once per layer.

        ``present``: not null, not empty, all coordinates finite; ``invalid``: present and not
        GEOS-valid. Loading (area repair), :meth:`valid_geoms` and GEOM001 share them.
        """
        return self.cached(
            ("geometry_state", role),
            lambda: geometry_state(np.asarray(self.geoms(role), dtype=object)),
        )

    @property
    def area_column(self) -> str:
        """The area column the project's area method uses, in layers and overlay pairs alike."""
        return "area_planar_m2" if self.project.area_method == "planar" else "area_m2"

    def area(self, role: str) -> np.ndarray:
        """Area of each plot of ``role`` by the project's area method (ellipsoidal by default)."""
        return self.layers[role][self.area_column].to_numpy(dtype=float)

    def zonal_stats(self, raster: str, role: str) -> pd.DataFrame:
        """Statistics of raster ``raster`` under each (valid) geometry of layer ``role``.

        Returns ``mean``, ``max`` and ``pixels`` per feature (NaN where no valid pixel lies under
        it; slope in degrees when the raster is a DEM), and ``reason`` where the raster could
        not be used for a feature. Computed once per context.
        """
        reader = self.rasters[raster]
        return self.cached(
            ("zonal", raster, role), lambda: reader.stats(self.valid_geoms(role), self.crs)
        )

    def cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Compute ``compute()`` once per context under ``key`` (shared results between rules)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def forget(self, kind: str) -> None:
        """Drop the shared results of ``kind`` (a key, or the first item of tuple keys) once no
        rule will read them; asked again, they are computed again."""
        for key in [k for k in self._memo if k == kind or (isinstance(k, tuple) and k[0] == kind)]:
            del self._memo[key]

    def seed(self, key: Any, value: Any) -> None:
        """Record a derived figure loading has already computed (e.g. the geometry state)."""
        self._memo.setdefault(key, value)

    @property
    def folder(self) -> Path:
        """The project file's folder."""
        return self.project.folder
