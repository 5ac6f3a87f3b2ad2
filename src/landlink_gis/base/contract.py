"""The filing GeoPackage's names and its ``run_info`` table: the output contract both sides share.

Every layer name of a checked GeoPackage is named here once: the writer
(:mod:`landlink_gis.outputs.gpkg`), the digest (:mod:`landlink_gis.io.gpkg_digest`), the readers of
a checked GeoPackage (the ledger, a previous plan), the result's extra layers and ``landlink init``
(which recognises an output when it meets one) take the names and the ``run_info`` encoding from
here, so they cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

__all__ = [
    "BALANCE_LAYER",
    "CHANGES_LAYER",
    "DIGEST_LAYERS",
    "FINDINGS_LAYER",
    "FINDING_POINTS_LAYER",
    "LANDUSE_CHANGE_LAYER",
    "OUTPUT_LAYERS",
    "PLOT_LAYER_NAMES",
    "RUN_INFO_LAYER",
    "STYLES_LAYER",
    "RUN_INFO_STANDARD_URI",
    "VERDICTS",
    "parse_run_info",
    "run_info_table",
    "verdict_of",
]

#: plot role → layer name in the filing GeoPackage
PLOT_LAYER_NAMES: dict[str, str] = {
    "demolition": "demolition_plots",
    "construction": "construction_plots",
}
#: findings with a polygon (or no) geometry, one row each
FINDINGS_LAYER = "findings"
#: findings located by a point (self-intersections, unclosed rings …)
FINDING_POINTS_LAYER = "finding_points"
#: the area balance: each figure in m², 公顷 and 亩 with its rule status
BALANCE_LAYER = "balance"
#: the land-use structure adjustment table (BAL008), a result's extra layer
LANDUSE_CHANGE_LAYER = "landuse_change"
#: plot changes against the previously approved plan (ADJ005), a result's extra layer
CHANGES_LAYER = "changes"
#: run information as key/value rows (:func:`run_info_table`)
RUN_INFO_LAYER = "run_info"
#: the QGIS styles of the spatial layers (the GeoPackage styles extension)
STYLES_LAYER = "layer_styles"
#: every layer a checked GeoPackage may hold, in writing order (the extra layers where present)
OUTPUT_LAYERS: tuple[str, ...] = (
    *PLOT_LAYER_NAMES.values(),
    FINDINGS_LAYER,
    FINDING_POINTS_LAYER,
    BALANCE_LAYER,
    CHANGES_LAYER,
    LANDUSE_CHANGE_LAYER,
    RUN_INFO_LAYER,
    STYLES_LAYER,
)
#: the layers the filing digest covers, in hashing order
DIGEST_LAYERS: tuple[str, ...] = (
    *PLOT_LAYER_NAMES.values(),
    FINDINGS_LAYER,
    FINDING_POINTS_LAYER,
    BALANCE_LAYER,
)
#: the three verdicts of a check (DOMAIN.md §4b): code → (zh, en). ``run_info["verdict"]`` holds the
#: code, ``run_info["verdict_text"]`` the words in the run's language; only ``fileable`` may be filed
VERDICTS: dict[str, tuple[str, str]] = {
    "fileable": ("可以报备", "ready to file"),
    "must_fix": ("须整改", "must be corrected"),
    "incomplete": ("检查不完整，暂不能报备", "check incomplete, not ready to file"),
}
#: URI recorded as ``md_standard_uri`` of the JSON run metadata in ``gpkg_metadata``
RUN_INFO_STANDARD_URI = "https://landlink-gis.invalid/run_info/1"


def run_info_table(run_info: dict[str, Any]) -> pd.DataFrame:
    """``run_info`` as the ``run_info`` key/value table (nested values as JSON)."""
    rows = []
    for key, value in run_info.items():
        if key == "inputs":
            for role, meta in value.items():
                rows.append(
                    {
                        "key": f"input.{role}",
                        "value": json.dumps(meta, ensure_ascii=False, default=str),
                    }
                )
        else:
            text = (
                value
                if isinstance(value, str)
                else json.dumps(value, ensure_ascii=False, default=str)
            )
            rows.append({"key": key, "value": text})
    return pd.DataFrame(rows, columns=["key", "value"])


def parse_run_info(table: pd.DataFrame) -> dict[str, Any]:
    """The ``run_info`` table read back: each value decoded from JSON where it is JSON."""
    out: dict[str, Any] = {}
    for key, value in zip(table["key"], table["value"], strict=True):
        try:
            out[str(key)] = json.loads(value)
        except (TypeError, ValueError):
            out[str(key)] = value
    return out


def verdict_of(run_info: dict[str, Any], errors: int) -> str:
    """The verdict code recorded in a check's ``run_info``.

    A GeoPackage written before verdicts existed has no ``verdict`` key: it is judged by its error
    count as before (``must_fix`` with errors, else ``fileable``).
    """
    code = run_info.get("verdict")
    if code in VERDICTS:
        return str(code)
    return "must_fix" if errors else "fileable"
