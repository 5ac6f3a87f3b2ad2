"""The result of a check: findings, balance, checked plots and run information."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

__all__ = ["CheckResult"]


@dataclass
class CheckResult:
    """Everything a check produced; reports and exports read only this.

    Attributes
    ----------
    findings
        One row per finding, columns of DOMAIN.md §5 plus geometry.
    balance
        The ``balance`` table: each figure in m², 公顷 and 亩 with its rule status.
    plots
        ``{"demolition": …, "construction": …}``: every input feature with its attributes
        unchanged plus ``ll_area_m2``, ``ll_area_planar_m2``, ``ll_status``, ``ll_rule_ids``.
    run_info
        Tool version, profile, parameters, inputs with SHA-256, time, CRS.
    extra_layers
        Further layers for the filing GeoPackage, name → (Geo)DataFrame (e.g. ``changes``).
    """

    project: Any
    findings: gpd.GeoDataFrame
    balance: pd.DataFrame
    plots: dict[str, gpd.GeoDataFrame]
    run_info: dict[str, Any]
    config: Any = None
    crs: Any = None
    context: Any = field(default=None, repr=False)
    extra_layers: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Number of findings by severity."""
        c = self.findings["severity"].value_counts() if len(self.findings) else {}
        return {s: int(c.get(s, 0)) for s in ("error", "warning", "info")}

    @property
    def has_errors(self) -> bool:
        """Whether any finding has severity ``error``."""
        return self.counts()["error"] > 0

    @property
    def exit_code(self) -> int:
        """CLI exit code of this result: 1 with error findings, else 0."""
        return 1 if self.has_errors else 0

    def summary(self, lang: str = "zh") -> str:
        """A short text summary: plots checked, findings by severity, the area balance."""
        from .report.summary import summary_text

        return summary_text(self, lang=lang)

    def to_gpkg(self, path: str | Path, **kwargs: Any) -> Path:
        """Write the filing GeoPackage (DOMAIN.md §5) atomically; returns its path."""
        from .io.gpkg import write_checked_gpkg

        return write_checked_gpkg(self, path, **kwargs)

    def explore(self, **kwargs: Any) -> Any:
        """An interactive folium map: plots coloured by ``ll_status``, findings as popups.

        Keyword arguments go to :func:`landlink_gis.report.maps_interactive.explore_result` (``lang``,
        ``tiles``, ``findings``, ``width``, ``height``). Needs the ``notebook`` extra (folium).
        """
        from .report.maps_interactive import explore_result

        return explore_result(self, **kwargs)

    def plot(self, **kwargs: Any) -> Any:
        """A static matplotlib map of plots by status and the findings; returns the Axes.

        Keyword arguments go to :func:`landlink_gis.report.maps_interactive.plot_result` (``ax``, ``lang``,
        ``findings``, ``figsize``). Needs the ``notebook`` extra (matplotlib).
        """
        from .report.maps_interactive import plot_result

        return plot_result(self, **kwargs)
