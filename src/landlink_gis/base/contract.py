"""The filing GeoPackage's names and its ``run_info`` table: the output contract both sides share.

The writer (:mod:`landlink_gis.outputs.gpkg`) and the readers of a checked GeoPackage (the ledger,
a previous plan) take the layer names and the ``run_info`` encoding from here, so they cannot
drift apart.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

__all__ = [
    "PLOT_LAYER_NAMES",
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
