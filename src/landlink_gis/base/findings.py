"""The findings table: its schema and its only constructor.

A rule returns *raw* findings made with :func:`make`: one row per problem with the plot, the
other feature, the measured figure, the threshold and the geometry of the problem, plus any
extra columns its message template needs. The runner then :func:`finalise` s them: severity
from the profile, the message in the chosen language, the reference and a stable
``finding_id``. Every finding of a run ends up in one GeoDataFrame with the columns of
DOMAIN.md §5.

A finding may also say what it decides about figures of the project's balance sheet
(:func:`judgement`, the ``judged`` column): a rule judging a balance figure marks its fail and
"not checked" findings so, and the runner derives the ``balance`` table's ``rule_id`` and
``status`` from these marks (:func:`landlink_gis.rules.balance_statuses`). The mark is read off
each rule's findings as the rule returns (:func:`split_judged`) and never written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import string
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

logger = logging.getLogger(__name__)

#: Columns of the ``findings``/``finding_points`` layers, in order (DOMAIN.md §5).
FINDING_COLUMNS: tuple[str, ...] = (
    "finding_id",
    "rule_id",
    "severity",
    "layer",
    "plot_id",
    "other_layer",
    "other_id",
    "measured",
    "threshold",
    "unit",
    "message",
    "reference",
)

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

#: The column of raw findings that names the balance figures a finding judges and how
#: (:func:`judgement`); the runner reads it and drops it (:func:`split_judged`): never written.
JUDGED = "judged"

#: What a finding can say of the balance figures it names: ``pass``, ``fail``, ``not checked``,
#: or ``not judged`` (the rule does not judge them: they keep what another rule said; naming
#: none, the rule judged nothing at all, e.g. it did not run).
OUTCOMES: tuple[str, ...] = ("pass", "fail", "not checked", "not judged")
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}

_RAW_COLUMNS = (
    "layer",
    "plot_id",
    "other_layer",
    "other_id",
    "measured",
    "threshold",
    "unit",
    "severity",
)

__all__ = [
    "FINDING_COLUMNS",
    "JUDGED",
    "OUTCOMES",
    "SEVERITIES",
    "combine",
    "concat",
    "empty_findings",
    "finalise",
    "judgement",
    "make",
    "read_judgement",
    "split_judged",
]


def judgement(outcome: str, *figures: str | tuple[str, str]) -> str:
    """The ``judged`` mark of a finding: ``outcome`` for each of ``figures``.

    Parameters
    ----------
    outcome
        One of :data:`OUTCOMES`.
    *figures
        Balance figure keys (scope ``project``) or ``(key, scope)`` pairs (e.g. a quota
        source's ``("drawn_quota", "511902-2021-004")``).

    Returns
    -------
    str
        The mark (a JSON text: one value per finding row, light to keep); read it back with
        :func:`read_judgement`.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"judgement outcome must be one of {OUTCOMES}, got {outcome!r}")
    pairs = [[f, "project"] if isinstance(f, str) else [str(f[0]), str(f[1])] for f in figures]
    return json.dumps([outcome, pairs], ensure_ascii=False)


def read_judgement(mark: Any) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """``(outcome, ((key, scope), ...))`` of a ``judged`` mark; None for a finding without one."""
    if not isinstance(mark, str) or not mark:
        return None
    outcome, pairs = json.loads(mark)
    return outcome, tuple((str(k), str(s)) for k, s in pairs)


def split_judged(findings: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Finalised findings without their ``judged`` column, and the marks they carried.

    Returns
    -------
    tuple
        The findings (exactly :data:`FINDING_COLUMNS` plus geometry) and a table of the marked
        ones, in order: ``rule_id`` and ``judged``.
    """
    if JUDGED not in findings.columns:
        return findings, pd.DataFrame({"rule_id": [], JUDGED: []}, dtype=object)
    marks = findings[JUDGED].fillna("").astype(str).to_numpy(dtype=object)
    keep = marks != ""
    table = pd.DataFrame(
        {"rule_id": findings["rule_id"].to_numpy(dtype=object)[keep], JUDGED: marks[keep]}
    )
    return findings.drop(columns=JUDGED), table


def _column(value: Any, n: int, *, dtype=object) -> np.ndarray:
    if isinstance(value, (str, bytes)) or value is None or np.isscalar(value):
        return np.full(n, value, dtype=dtype)
    arr = np.asarray(value, dtype=dtype)
    if arr.shape != (n,):
        raise ValueError(f"finding column of length {arr.shape} does not match {n} findings")
    return arr


def make(
    *,
    layer: Any,
    plot_id: Any,
    geometry: Any = None,
    measured: Any = None,
    threshold: Any = None,
    unit: Any = "",
    other_layer: Any = "",
    other_id: Any = "",
    severity: Any = None,
    crs: Any = None,
    judged: Any = "",
    **message_args: Any,
) -> gpd.GeoDataFrame:
    """Build raw findings of one rule, one row per problem, from scalars or equal-length arrays.

    Parameters
    ----------
    layer, plot_id
        Layer role (``demolition``, ``construction``, …) and plot id of each finding.
    geometry
        Geometry of the problem: the overlap part, the invalid point, or the plot.
    measured, threshold, unit
        The figure found, the limit it is compared with, and their unit (``m2``, ``%``, ``deg`` …).
    other_layer, other_id
        The other feature involved (e.g. the compensation plot overlapped).
    severity
        Per-finding severity overriding the rule's configured one (for rules whose severity
        depends on the plot, e.g. PLAN003). ``None`` keeps the configured severity.
    crs
        CRS of the geometries.
    judged
        What each finding decides about balance figures (:func:`judgement`; empty: nothing).
    **message_args
        Extra values used by the rule's message templates (scalars or arrays).

    Returns
    -------
    geopandas.GeoDataFrame
        Raw findings; pass them to :func:`finalise`.
    """
    n = 1
    for value in (plot_id, geometry, measured, other_id):
        if (
            value is not None
            and not isinstance(value, (str, bytes, shapely.Geometry))
            and not np.isscalar(value)
        ):
            n = len(value)
            break
    data: dict[str, Any] = {
        "layer": _column(layer, n),
        "plot_id": _column(plot_id, n),
        "other_layer": _column(other_layer, n),
        "other_id": _column(other_id, n),
        "measured": _column(measured, n, dtype=float),
        "threshold": _column(threshold, n, dtype=float),
        "unit": _column(unit, n),
        "severity": _column(severity, n),
        JUDGED: _column(judged, n),
    }
    for key, value in message_args.items():
        data[key] = _column(value, n)
    geoms = _column(geometry, n)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


def empty_findings(crs: Any = None) -> gpd.GeoDataFrame:
    """An empty findings table with the DOMAIN.md §5 columns and dtypes."""
    frame = pd.DataFrame(
        {
            c: pd.Series(dtype=float if c in ("measured", "threshold") else object)
            for c in FINDING_COLUMNS
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


class _Row(dict):
    """Template mapping: unknown keys render as ``?`` instead of raising."""

    def __missing__(self, key: str) -> str:
        return "?"


def _render(template: str, row: dict[str, Any]) -> str:
    clean = {
        k: ("" if v is None or (isinstance(v, float) and np.isnan(v)) else v)
        for k, v in row.items()
    }
    try:
        return template.format_map(_Row(clean))
    except (ValueError, TypeError):
        # a format spec such as {measured:.2f} on a missing value: fall back to plain rendering
        return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: str(clean.get(m.group(1), "?")), template)


def _template_fields(template: str) -> set[str] | None:
    """The names a message template uses (None: the template does not parse; every column is
    passed)."""
    try:
        return {
            re.split(r"[.\[]", name, maxsplit=1)[0]
            for _, name, _, _ in string.Formatter().parse(template)
            if name
        }
    except ValueError:
        return None


def _messages(template: str, columns: Mapping[str, np.ndarray], n: int) -> list[str]:
    """The template rendered for each of ``n`` rows, with only the columns it names.

    Missing values (None, NaN) render as empty text; a row whose value does not fit its format
    spec falls back to plain rendering (:func:`_render`).
    """
    used = _template_fields(template)
    keys = [k for k in columns if used is None or k in used]
    cleaned = []
    for k in keys:
        col = np.asarray(columns[k], dtype=object)
        missing = pd.isna(col)
        cleaned.append(np.where(missing, "", col) if missing.any() else col)
    out = []
    for row in zip(*cleaned, strict=True) if keys else ((),) * n:
        values = dict(zip(keys, row, strict=True))
        try:
            out.append(template.format_map(_Row(values)))
        except (ValueError, TypeError):
            out.append(_render(template, values))
    return out


def join_runs(texts, ends, sep: str) -> list[str]:
    """``texts`` joined with ``sep`` within each run of rows, a run ending where ``ends`` is True.

    One C-level join over all rows, split at the runs' ends (the texts hold no ``\\x1f``): no
    Python call per run. ``texts`` are sorted so that each run's rows are consecutive.
    """
    if not len(texts):
        return []
    return "".join(
        np.asarray(texts, dtype=object) + np.where(ends, "\x1f", sep).astype(object)
    ).split("\x1f")[:-1]


def _finding_ids(rule_id: str, layers, plot_ids, other_ids, geoms) -> list[str]:
    """Stable id of each finding: SHA-1 of rule, layer, plot, other id and the geometry rounded
    to 1 mm.

    The geometry part (rounding and WKB) is computed on the whole array; only the hashing is per
    row.
    """
    geoms = np.asarray(geoms, dtype=object)
    wkb = np.full(len(geoms), b"", dtype=object)
    has = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if len(has):
        wkb[has] = shapely.to_wkb(
            shapely.transform(geoms[has], lambda c: np.round(c, 3)), output_dimension=2
        )
    sha1 = hashlib.sha1
    return [
        f"{rule_id}-{sha1(f'{rule_id}|{layer}|{plot}|{other}|'.encode() + w).hexdigest()[:10]}"
        for layer, plot, other, w in zip(layers, plot_ids, other_ids, wkb, strict=True)
    ]


def _labelled(column: pd.Series, labels: Mapping[str, str] | None) -> np.ndarray:
    values = column.to_numpy(dtype=object)
    if not labels:
        return values
    return np.array([labels.get(v, v) if isinstance(v, str) else v for v in values], dtype=object)


def finalise(
    raw: gpd.GeoDataFrame,
    *,
    rule_id: str,
    severity: str,
    template: str,
    reference: str,
    crs: Any = None,
    labels: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Turn raw findings of one rule into rows of the findings table.

    Parameters
    ----------
    raw
        Output of :func:`make`.
    rule_id, severity, reference
        The rule's ID, its configured severity (used where a row gives none) and reference.
    template
        Message template in the run's language, formatted with each row's values.
    crs
        CRS of the findings table.
    labels
        How layer roles read in the message (``{"demolition": "拆旧地块", …}``); the ``layer`` and
        ``other_layer`` columns keep the role codes.

    Returns
    -------
    geopandas.GeoDataFrame
        Findings with the :data:`FINDING_COLUMNS`, the :data:`JUDGED` mark (empty where none)
        and geometry; :func:`split_judged` takes the mark off.
    """
    if raw is None or len(raw) == 0:
        return empty_findings(crs)
    raw = raw.reset_index(drop=True)
    sev = raw["severity"].where(raw["severity"].notna(), severity).astype(object)
    names = [c for c in raw.columns if c != "geometry"]
    values = [
        _labelled(raw[c], labels)
        if c in ("layer", "other_layer")
        else raw[c].to_numpy(dtype=object)
        for c in names
    ]
    columns = dict(zip(names, values, strict=True))
    columns["rule_id"] = np.full(len(raw), rule_id, dtype=object)
    messages = _messages(template, columns, len(raw))
    geoms = raw.geometry.array
    ids = _finding_ids(
        rule_id,
        raw["layer"].to_numpy(dtype=object),
        raw["plot_id"].to_numpy(dtype=object),
        raw["other_id"].to_numpy(dtype=object),
        np.asarray(geoms, dtype=object),
    )
    out = pd.DataFrame(
        {
            "finding_id": ids,
            "rule_id": rule_id,
            "severity": sev.to_numpy(),
            "layer": raw["layer"].fillna("").astype(str).to_numpy(),
            "plot_id": raw["plot_id"].fillna("").astype(str).to_numpy(),
            "other_layer": raw["other_layer"].fillna("").astype(str).to_numpy(),
            "other_id": raw["other_id"].fillna("").astype(str).to_numpy(),
            "measured": raw["measured"].astype(float).to_numpy(),
            "threshold": raw["threshold"].astype(float).to_numpy(),
            "unit": raw["unit"].fillna("").astype(str).to_numpy(),
            "message": messages,
            "reference": reference,
            JUDGED: raw[JUDGED].fillna("").astype(str).to_numpy() if JUDGED in raw.columns else "",
        }
    )
    return gpd.GeoDataFrame(
        out, geometry=gpd.GeoSeries(geoms, crs=crs).set_crs(crs, allow_override=True), crs=crs
    )


def combine(frames: Sequence[gpd.GeoDataFrame | None]) -> gpd.GeoDataFrame | None:
    """Join raw findings of one rule made in parts (per layer, per case); None when there are
    none."""
    frames = [f for f in frames if f is not None and len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


def concat(frames: Sequence[gpd.GeoDataFrame], crs: Any = None) -> gpd.GeoDataFrame:
    """Concatenate finalised findings tables, keeping the schema even when all are empty."""
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return empty_findings(crs)
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)
