"""Overlaps between a plan's plots and the plots other projects registered: double use of land."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ..engine.overlay import overlay_pairs

__all__ = ["plot_overlaps"]


def plot_overlaps(
    plots: gpd.GeoDataFrame, others: gpd.GeoDataFrame, *, tolerance_m2: float = 1.0
) -> pd.DataFrame:
    """Overlaps above ``tolerance_m2`` between a plan's plots and registered plots of other
    projects.

    Returns
    -------
    pandas.DataFrame
        ``layer``, ``plot_id``, ``other_code``, ``other_layer``, ``other_id``, ``area_m2``,
        ``geometry``.
    """
    cols = ["layer", "plot_id", "other_code", "other_layer", "other_id", "area_m2", "geometry"]
    if not len(plots) or not len(others):
        return pd.DataFrame(columns=cols)
    pairs = overlay_pairs(
        np.asarray(plots.geometry.array, dtype=object),
        np.asarray(others.geometry.array, dtype=object),
        crs=plots.crs,
        tolerance_m2=tolerance_m2,
    )
    if not len(pairs):
        return pd.DataFrame(columns=cols)
    li, rj = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    return pd.DataFrame(
        {
            "layer": plots["layer"].to_numpy()[li],
            "plot_id": plots["plot_id"].to_numpy()[li],
            "other_code": others["project_code"].to_numpy()[rj],
            "other_layer": others["layer"].to_numpy()[rj],
            "other_id": others["plot_id"].to_numpy()[rj],
            "area_m2": pairs["area_m2"].to_numpy(),
            "geometry": pairs["geometry"].to_numpy(),
        }
    )
