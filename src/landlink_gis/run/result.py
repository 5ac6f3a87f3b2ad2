"""The result of a check: the output contract every writer and report reads.

A :class:`CheckResult` carries everything the outputs need — findings, balance, checked plots,
the canonical attributes and printable ids of each plot, the reference geometries the maps draw,
the rule titles and the run information — so that no writer reaches back into the loading
context or the rule registry. Writing it is the job of :mod:`landlink_gis.outputs`
(``landlink_gis.write_gpkg``, ``summary``, ``explore`` … in the public API).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from ..project.file import Project
from .config import RunConfig
from .spool import INDEX_COLUMNS, FindingSpool

__all__ = ["CheckResult"]


class _Findings:
    """The ``findings`` field: a GeoDataFrame, or a :class:`FindingSpool` read back on first use.

    A check that spooled its findings (``check(..., spool=True)``) hands the spool over; writers
    that can go piece by piece take it from :attr:`CheckResult.findings_spool`, counts and the
    summary from :attr:`CheckResult.finding_index`, and only code that asks for ``findings``
    reads the whole table back (once).
    """

    def __set_name__(self, owner, name: str) -> None:
        self._slot = "_" + name

    def __get__(self, obj, objtype=None):
        if obj is None:  # no default: the field is required
            raise AttributeError(self._slot[1:])
        value = obj.__dict__[self._slot]
        if isinstance(value, FindingSpool):
            value = value.frame()
            obj.__dict__[self._slot] = value
            obj.__dict__["_spool"] = None  # read whole now: writers take the frame
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__[self._slot] = value
        obj.__dict__["_spool"] = value if isinstance(value, FindingSpool) else None


@dataclass(frozen=True)
class CheckResult:
    """Everything a check produced.

    Attributes
    ----------
    project
        The project that was checked.
    config
        Profile, rules, severities and parameters the check ran with.
    crs
        The project CRS of every layer.
    lang
        Language of the messages (``zh`` or ``en``).
    findings
        One row per finding, the ``findings`` columns of the output contract plus geometry (may
        be given as a :class:`~landlink_gis.run.spool.FindingSpool`: read back on first use).
    balance
        The ``balance`` table: each figure in m², 公顷 and 亩 with its rule status.
    plots
        ``{"demolition": …, "construction": …}``: every input feature with its attributes
        unchanged plus ``ll_area_m2``, ``ll_area_planar_m2``, ``ll_status``, ``ll_rule_ids``.
    plot_attributes
        Role → the canonical attributes of each plot (``plot_id`` printable, ``land_class``,
        ``kind`` …), row for row with ``plots[role]``.
    reference_layers
        Role → geometries of each reference layer near the plots (for maps): a GeoSeries, or
        for a big reference layer its :class:`~landlink_gis.engine.packed.PackedGeometries`
        (``np.asarray`` gives either as a geometry array).
    rule_titles
        Rule ID → its title in Chinese and English.
    run_info
        Tool version, profile, parameters, inputs with SHA-256, time, CRS, project facts.
    extra_layers
        Further layers for the filing GeoPackage, name → (Geo)DataFrame (e.g. ``changes``).
    protected
        Resolved paths no output may replace: every file the check read (TOML, layers with their
        sidecars, rasters) and the ledger file (:func:`landlink_gis.io.atomic.protected_paths`).
    """

    project: Project
    config: RunConfig
    crs: CRS
    findings: gpd.GeoDataFrame = _Findings()  # type: ignore[assignment]
    balance: pd.DataFrame
    plots: Mapping[str, gpd.GeoDataFrame]
    run_info: Mapping[str, Any]
    lang: str = "zh"
    plot_attributes: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    reference_layers: Mapping[str, Any] = field(default_factory=dict, repr=False)
    rule_titles: Mapping[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    extra_layers: Mapping[str, Any] = field(default_factory=dict)
    protected: frozenset[Path] = frozenset()

    @property
    def findings_spool(self) -> FindingSpool | None:
        """The spool the findings are on, until something reads them whole (None: in memory)."""
        return self.__dict__.get("_spool")

    @property
    def finding_index(self) -> pd.DataFrame:
        """``rule_id``, ``severity``, ``layer``, ``plot_id`` of every finding, in order (without
        reading a spool back)."""
        spool = self.findings_spool
        if spool is not None:
            return spool.index
        return pd.DataFrame({c: self.findings[c].to_numpy() for c in INDEX_COLUMNS})

    def counts(self) -> dict[str, int]:
        """Number of findings by severity."""
        spool = self.findings_spool
        severity = spool.index["severity"] if spool is not None else self.findings["severity"]
        c = severity.value_counts() if len(severity) else {}
        return {s: int(c.get(s, 0)) for s in ("error", "warning", "info")}

    @property
    def has_errors(self) -> bool:
        """Whether any finding has severity ``error``."""
        return self.counts()["error"] > 0

    @property
    def exit_code(self) -> int:
        """CLI exit code of this result: 1 with error findings, else 0."""
        return 1 if self.has_errors else 0

    def rule_title(self, rule_id: str, lang: str | None = None) -> str:
        """Title of ``rule_id`` in ``lang`` (default: the run's language); empty when unknown."""
        titles = self.rule_titles.get(rule_id)
        if titles is None:
            return ""
        return titles[0] if (lang or self.lang) == "zh" else titles[1]

    def plot_ids(self, role: str) -> Any:
        """Printable id of each plot of ``role`` (``#n`` where the id is blank), row for row with
        ``plots[role]``."""
        attrs = self.plot_attributes.get(role)
        if attrs is None:
            n = len(self.plots.get(role, ()))
            return pd.Series([f"#{i}" for i in range(1, n + 1)], dtype=object).to_numpy()
        return attrs["plot_id"].to_numpy(dtype=object)
