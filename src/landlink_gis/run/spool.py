"""Findings written to disk as the rules make them, so that a check does not hold them all.

At a county's size a check makes millions of findings, each with its geometry and message; held
together until the output is written they are a large share of the check's memory. A
:class:`FindingSpool` takes each rule's finalised findings as soon as the rule returns, writes them
to a private temporary folder in pieces of at most ``batch_rows`` rows, and keeps in memory only
the few columns the check itself still reads (rule, severity, layer, plot id: the plots' status,
the counts, the summary). The filing GeoPackage is then written piece by piece from the spool
(:func:`landlink_gis.outputs.gpkg.write_checked_gpkg`), in the same order, so the file is the one
the in-memory path writes; :meth:`FindingSpool.frame` gives the whole table back for outputs that
need it (HTML, XLSX). The folder is removed when the spool is closed or garbage-collected.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..base import findings as fnd

__all__ = ["INDEX_COLUMNS", "FindingSpool"]

#: The columns of each finding kept in memory (what the check reads after the rules).
INDEX_COLUMNS: tuple[str, ...] = ("rule_id", "severity", "layer", "plot_id")


class FindingSpool:
    """Finalised findings kept on disk in rule order, with a light in-memory index.

    Parameters
    ----------
    crs
        CRS of the findings.
    batch_rows
        Rows per piece written to disk (and per piece written to the output).
    folder
        Where the temporary folder is made (default: the system's temporary directory).
    """

    def __init__(self, crs: Any, *, batch_rows: int = 100_000, folder: str | Path | None = None):
        if batch_rows < 1:
            raise ValueError(f"batch_rows must be at least 1, got {batch_rows}")
        self.crs = crs
        self.batch_rows = int(batch_rows)
        self._dir = Path(tempfile.mkdtemp(prefix="landlink-findings-", dir=folder))
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self._dir), True)
        self._files: list[Path] = []
        self._parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {c: [] for c in INDEX_COLUMNS}
        self._index: pd.DataFrame | None = None
        self._rows = 0

    def __len__(self) -> int:
        return self._rows

    def add(self, frame: gpd.GeoDataFrame | None) -> None:
        """Append one rule's finalised findings (:func:`landlink_gis.base.findings.finalise`)."""
        if frame is None or len(frame) == 0:
            return
        if not self._cleanup.alive:
            raise ValueError("the findings spool is closed")
        name = frame.geometry.name
        for start in range(0, len(frame), self.batch_rows):
            piece = frame.iloc[start : start + self.batch_rows]
            # the geometry as WKB in one vectorised call (pickling geometries one by one is slow);
            # WKB keeps every coordinate bit for bit
            wkb = shapely.to_wkb(np.asarray(piece.geometry.array, dtype=object))
            path = self._dir / f"{len(self._files):06d}.pickle"
            with path.open("wb") as fh:
                pickle.dump(
                    (pd.DataFrame(piece.drop(columns=name)), name, wkb),
                    fh,
                    protocol=pickle.HIGHEST_PROTOCOL,
                )
            self._files.append(path)
        for c in INDEX_COLUMNS:
            # codes and the distinct texts: a few bytes per finding, not a string object each
            codes, uniques = pd.factorize(frame[c].to_numpy(dtype=object))
            self._parts[c].append((codes.astype(np.int32), np.asarray(uniques, dtype=object)))
        self._rows += len(frame)
        self._index = None

    @property
    def index(self) -> pd.DataFrame:
        """``rule_id``, ``severity``, ``layer``, ``plot_id`` of every finding, in order."""
        if self._index is None:
            # object columns, whose rows point at the few distinct texts kept per piece: as
            # pandas' string dtype, every read of a column would make a string object per row
            # (2M findings: 0.4 GiB for three columns)
            self._index = pd.DataFrame(
                {
                    c: pd.Series(
                        np.concatenate([u[k] for k, u in p]) if p else np.zeros(0, dtype=object),
                        dtype=object,
                    )
                    for c, p in self._parts.items()
                }
            )
        return self._index

    def batches(self) -> Iterator[gpd.GeoDataFrame]:
        """The findings in order, one piece (at most ``batch_rows`` rows) at a time."""
        for path in self._files:
            with path.open("rb") as fh:
                attrs, name, wkb = pickle.load(fh)  # noqa: S301 - our own file, private folder
            geoms = gpd.GeoSeries(shapely.from_wkb(wkb), index=attrs.index, crs=self.crs)
            yield gpd.GeoDataFrame(attrs, geometry=geoms.rename(name), crs=self.crs)

    def frame(self) -> gpd.GeoDataFrame:
        """The whole findings table, as :func:`landlink_gis.base.findings.concat` makes it."""
        return fnd.concat(list(self.batches()), crs=self.crs)

    def close(self) -> None:
        """Remove the temporary folder (the spool cannot be read afterwards)."""
        self._cleanup()
