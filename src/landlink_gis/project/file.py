"""The project TOML (DOMAIN.md §3) → a frozen :class:`Project`.

Relative paths are resolved against the TOML's folder. Paths outside that folder are allowed
(county-wide reference data usually lives elsewhere) and are flagged in ``LayerSpec.outside``
so run_info can record them. Unknown keys, roles and bad values raise
:class:`~landlink_gis.base.errors.ProjectFileError` naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..base.errors import ProjectFileError
from ..base.profiles import PROFILE_NAMES
from ..base.redaction import redact_url
from ..base.roles import LAYER_ROLES, RASTER_ROLES
from .values import (
    QuotaSource,
    Tiankan,
    check_keys,
    coerce_fact,
    project_error,
    quota_sources,
    tiankan_table,
)

__all__ = [
    "LAYER_ROLES",
    "RASTER_ROLES",
    "AREA_UNITS",
    "LayerSpec",
    "Project",
    "QuotaSource",
    "RasterSpec",
    "Tiankan",
    "input_paths",
    "load_project",
]

#: Canonical fields inside the toolkit (DOMAIN.md §3).
CANONICAL_FIELDS: tuple[str, ...] = (
    "plot_id",
    "land_class",
    "area_declared",
    "reclaim_class",
    "quality",
    "kind",
    "owner",
    "czcsxm",
    "slope_class",
    "seat",
    "kcxs",
    "kcmj",
    "ownership",
)
# accepted spellings in the `fields` mapping → canonical field
_FIELD_ALIASES = {"area": "area_declared", "id": "plot_id", "slope": "slope_class"}

_PROJECT_KEYS = {
    "name": str,
    "code": str,
    "county": str,
    "profile": str,
    "crs": str,
    "approved": dt.date,
    "accepted": dt.date,
    "filed": dt.date,
    "traded": dt.date,
    "advanced": dt.date,
    "quota_returned": dt.date,
    "poverty_county": bool,
    "deep_poverty_county": bool,
    "advance_quota_m2": float,
    "quality_scale": str,
    "area_method": str,
    "adjustment_reason": str,
    "language": str,
    "kind": str,
    "turnover_quota_m2": float,
    "filing_code": str,
    "households": int,
    "funds_wan_yuan": float,
    "approved_scale_m2": float,
    "stage": str,
}
#: ``[project] kind`` values: an ordinary linkage project, or a plan that only builds with quota
#: drawn from others.
PROJECT_KINDS = ("linkage", "construction_only")
#: ``[project] stage`` values: the plan (default) or its acceptance (验收, DOMAIN.md §4b).
PROJECT_STAGES = ("plan", "acceptance")
#: Units an area column may declare (``area_unit``) → the canonical unit name.
AREA_UNITS: dict[str, str] = {
    "m2": "m2",
    "m²": "m2",
    "平方米": "m2",
    "hm2": "hm2",
    "ha": "hm2",
    "公顷": "hm2",
    "mu": "mu",
    "亩": "mu",
}
_LAYER_KEYS = {
    "path",
    "url",
    "layer",
    "table",
    "sql",
    "encoding",
    "id",
    "fields",
    "geometry_column",
    "area_unit",
}
_RASTER_KEYS = {"path", "band"}
_RULES_KEYS = {"ignore", "select", "params", "severity"}
_LEDGER_KEYS = {"path", "url"}
_TOP_KEYS = {"project", "layers", "rasters", "rules", "ledger", "quota_sources", "tiankan"}
QUALITY_SCALES = ("dengbie", "dengji")


@dataclass(frozen=True)
class LayerSpec:
    """Where one vector layer comes from and how its fields map to canonical ones."""

    role: str
    path: Path | None = None
    url: str | None = None
    layer: str | None = None
    table: str | None = None
    sql: str | None = None
    encoding: str | None = None
    id_field: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    geometry_column: str | None = None
    outside: bool = False
    #: unit of the declared-area columns (``m2``, ``hm2`` 公顷, ``mu`` 亩); None: the reader's, else
    #: m²
    area_unit: str | None = None
    #: An in-memory GeoDataFrame used instead of ``path``/``url`` (see
    #: :func:`landlink_gis.project_from_frames`).
    frame: Any = field(default=None, repr=False, compare=False)
    #: What the reader of ``frame`` noticed, when the frame comes from one (an
    #: :class:`~landlink_gis.io.notes.ReadNotes`, e.g. of
    #: :func:`~landlink_gis.io.coordtxt.read_coordtxt_notes`); None: nothing.
    frame_notes: Any = field(default=None, repr=False, compare=False)

    @property
    def source(self) -> str:
        """A printable name of the source (path or redacted URL plus layer/table)."""

        if self.frame is not None:
            return f"<GeoDataFrame:{self.role}>"
        base = str(self.path) if self.path is not None else redact_url(self.url or "")
        inner = self.layer or self.table or ("(sql)" if self.sql else "")
        return f"{base}:{inner}" if inner else base


@dataclass(frozen=True)
class RasterSpec:
    """A raster input (DEM, slope, quality grade)."""

    role: str
    path: Path
    band: int = 1
    outside: bool = False


@dataclass(frozen=True)
class Project:
    """A linkage project as described by its TOML file."""

    path: Path | None
    name: str = ""
    code: str = ""
    county: str = ""
    profile: str = "national"
    crs: str | None = None
    approved: dt.date | None = None
    accepted: dt.date | None = None
    filed: dt.date | None = None
    traded: dt.date | None = None
    advanced: dt.date | None = None
    quota_returned: dt.date | None = None
    poverty_county: bool = False
    #: a 深度贫困县 (deep-poverty county): in shanxi its linkage is not bound by the quota scale
    #: (晋政办发〔2018〕24号 三(一)), so BAL007 does not apply
    deep_poverty_county: bool = False
    advance_quota_m2: float | None = None
    quality_scale: str = "dengbie"
    area_method: str = "ellipsoidal"
    adjustment_reason: str | None = None
    language: str = "zh"
    kind: str = "linkage"
    turnover_quota_m2: float | None = None
    filing_code: str | None = None
    households: int | None = None
    funds_wan_yuan: float | None = None
    #: the approved project scale (批准规模, m²): the filing package compares the plots' total area
    #: with it
    approved_scale_m2: float | None = None
    quota_sources: tuple[QuotaSource, ...] = ()
    #: the county's 田坎 coefficient table (``[tiankan]``); None: the survey's mean KCXS applies
    tiankan: Tiankan | None = None
    #: ``plan`` or ``acceptance`` (the check after reclamation, with ``survey_after``)
    stage: str = "plan"
    layers: dict[str, LayerSpec] = field(default_factory=dict)
    rasters: dict[str, RasterSpec] = field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    ledger: str | None = None
    #: the project file's text as parsed (a copy kept in ``run_info``, so that a check can be
    #: reproduced from its GeoPackage alone); empty for a project not read from a file
    source_text: str = field(default="", repr=False, compare=False)

    def with_changes(self, **changes: Any) -> Project:
        """A copy with some fields changed (profile, ignore, params …)."""
        return replace(self, **changes)

    @property
    def folder(self) -> Path:
        """Folder of the project file (current folder for in-memory projects)."""
        return self.path.parent if self.path is not None else Path.cwd()


def _resolve(path: Path, folder: Path, value: Any, where: str) -> tuple[Path, bool]:
    if not isinstance(value, str) or not value.strip():
        raise project_error(path, f"[{where}] path must be a non-empty string")
    p = Path(value)
    if not p.is_absolute():
        p = folder / p
    p = Path(_normpath(p))
    try:
        p.relative_to(folder.resolve())
        outside = False
    except ValueError:
        outside = True
    return p, outside


def _normpath(p: Path) -> str:
    import os

    return os.path.normpath(str(p.resolve() if p.exists() else p.absolute()))


def _layer(path: Path, folder: Path, role: str, table: Any) -> LayerSpec:
    where = f"layers.{role}"
    if isinstance(table, str):  # `demolition = "拆旧.shp"`: shorthand for `path = …`
        table = {"path": table}
    if not isinstance(table, dict):
        raise project_error(
            path,
            f'[{where}] must be a table such as [layers.{role}] with path = "…" (or the shorthand '
            f'{role} = "file.shp" under [layers]), got {type(table).__name__} {table!r}',
        )
    check_keys(path, where, table, _LAYER_KEYS)
    has_path, has_url = "path" in table, "url" in table
    if has_path == has_url:
        raise project_error(path, f"[{where}] needs exactly one of 'path' or 'url'")
    spec_path, outside = (None, False)
    if has_path:
        spec_path, outside = _resolve(path, folder, table["path"], where)
    if has_url and not ("table" in table or "sql" in table):
        raise project_error(path, f"[{where}] a 'url' needs 'table' or 'sql'")
    fields_in = table.get("fields", {})
    if not isinstance(fields_in, dict) or not all(isinstance(v, str) for v in fields_in.values()):
        raise project_error(
            path, f"[{where}] 'fields' must map canonical names to field names (strings)"
        )
    mapping: dict[str, str] = {}
    for key, source in fields_in.items():
        canon = _FIELD_ALIASES.get(key, key)
        if canon not in CANONICAL_FIELDS:
            raise project_error(
                path,
                f"[{where}] unknown canonical field {key!r} in 'fields'; known: "
                + ", ".join(sorted(set(CANONICAL_FIELDS) | set(_FIELD_ALIASES))),
            )
        mapping[canon] = source
    for key in ("layer", "table", "sql", "encoding", "id", "geometry_column", "url", "area_unit"):
        if key in table and not isinstance(table[key], str):
            raise project_error(path, f"[{where}] '{key}' must be a string")
    unit = None
    if "area_unit" in table:
        unit = AREA_UNITS.get(table["area_unit"].strip().lower()) or AREA_UNITS.get(
            table["area_unit"].strip()
        )
        if unit is None:
            raise project_error(
                path, f"[{where}] area_unit = {table['area_unit']!r}; use m2, hm2 (公顷) or mu (亩)"
            )
    return LayerSpec(
        role=role,
        path=spec_path,
        url=table.get("url"),
        layer=table.get("layer") or None,
        table=table.get("table"),
        sql=table.get("sql"),
        encoding=table.get("encoding") or None,
        id_field=table.get("id") or mapping.get("plot_id"),
        fields=mapping,
        geometry_column=table.get("geometry_column"),
        outside=outside,
        area_unit=unit,
    )


def parse_project(doc: dict[str, Any], path: Path) -> Project:
    """Build a :class:`Project` from a parsed TOML document (``path`` names it in errors)."""
    folder = path.parent.resolve()
    check_keys(path, "top level", doc, _TOP_KEYS)
    facts = doc.get("project", {})
    if not isinstance(facts, dict):
        raise project_error(path, "[project] must be a table")
    check_keys(path, "project", facts, _PROJECT_KEYS)
    values = {k: coerce_fact(path, k, v, _PROJECT_KEYS[k]) for k, v in facts.items()}
    if values.get("profile", "national") not in PROFILE_NAMES:
        raise project_error(
            path,
            f"[project] profile = {values['profile']!r}; use one of {', '.join(PROFILE_NAMES)}",
        )
    if values.get("quality_scale", "dengbie") not in QUALITY_SCALES:
        raise project_error(
            path, f"[project] quality_scale = {values['quality_scale']!r}; use dengbie or dengji"
        )
    if values.get("area_method", "ellipsoidal") not in ("ellipsoidal", "planar"):
        raise project_error(path, "[project] area_method must be 'ellipsoidal' or 'planar'")
    if values.get("language", "zh") not in ("zh", "en"):
        raise project_error(path, "[project] language must be 'zh' or 'en'")
    if values.get("kind", "linkage") not in PROJECT_KINDS:
        raise project_error(
            path, f"[project] kind = {values['kind']!r}; use linkage or construction_only"
        )
    if values.get("stage", "plan") not in PROJECT_STAGES:
        raise project_error(path, f"[project] stage = {values['stage']!r}; use plan or acceptance")
    construction_only = values.get("kind") == "construction_only"
    sources = quota_sources(path, doc.get("quota_sources"), construction_only)

    layers_in = doc.get("layers", {})
    if not isinstance(layers_in, dict):
        raise project_error(path, "[layers] must be a table of layer roles")
    unknown_roles = sorted(set(layers_in) - set(LAYER_ROLES))
    if unknown_roles:
        raise project_error(
            path,
            f"unknown layer role(s) {', '.join(unknown_roles)}; known: {', '.join(LAYER_ROLES)}",
        )
    layers = {role: _layer(path, folder, role, t) for role, t in layers_in.items()}
    if construction_only:
        if "demolition" in layers:
            raise project_error(
                path,
                "[layers.demolition]: a construction_only plan has no demolition plots; remove the "
                'layer or set [project] kind = "linkage"',
            )
        if "construction" not in layers:
            raise project_error(
                path, '[layers.construction] is required for kind = "construction_only"'
            )
    elif "demolition" not in layers:
        raise project_error(path, "[layers.demolition] is required (the demolition plots)")
    if values.get("stage") == "acceptance":
        if construction_only:
            raise project_error(
                path,
                'stage = "acceptance" checks reclaimed demolition plots; a construction_only plan '
                "has none",
            )
        if "accepted" not in values:
            raise project_error(
                path, 'stage = "acceptance" needs [project] accepted = YYYY-MM-DD (验收日期)'
            )
        if "survey_after" not in layers:
            raise project_error(
                path,
                'stage = "acceptance" needs [layers.survey_after]: the land-use change survey or '
                "completion survey of the reclaimed land (DLBM, KCXS or KCMJ, GDDB or ZLDB, QSXZ)",
            )
    elif "survey_after" in layers:
        raise project_error(
            path,
            "[layers.survey_after] is read only by an acceptance check: set [project] stage = "
            '"acceptance" and its accepted date, or remove the layer',
        )

    rasters_in = doc.get("rasters", {})
    unknown_rasters = sorted(set(rasters_in) - set(RASTER_ROLES))
    if unknown_rasters:
        raise project_error(
            path,
            f"unknown raster role(s) {', '.join(unknown_rasters)}; known: "
            f"{', '.join(RASTER_ROLES)}",
        )
    rasters = {}
    for role, t in rasters_in.items():
        check_keys(path, f"rasters.{role}", t, _RASTER_KEYS)
        rpath, outside = _resolve(path, folder, t.get("path"), f"rasters.{role}")
        rasters[role] = RasterSpec(
            role=role, path=rpath, band=int(t.get("band", 1)), outside=outside
        )

    rules_in = doc.get("rules", {})
    check_keys(path, "rules", rules_in, _RULES_KEYS)
    for key in ("ignore", "select"):
        if not isinstance(rules_in.get(key, []), list) or not all(
            isinstance(x, str) for x in rules_in.get(key, [])
        ):
            raise project_error(path, f"[rules] {key} must be a list of rule IDs")
    for key in ("params", "severity"):
        if not isinstance(rules_in.get(key, {}), dict):
            raise project_error(path, f"[rules] {key} must be a table")

    ledger_in = doc.get("ledger")
    ledger = None
    if ledger_in is not None:
        check_keys(path, "ledger", ledger_in, _LEDGER_KEYS)
        if "url" in ledger_in:
            ledger = str(ledger_in["url"])
        elif "path" in ledger_in:
            ledger = str(_resolve(path, folder, ledger_in["path"], "ledger")[0])
        else:
            raise project_error(path, "[ledger] needs 'path' or 'url'")

    return Project(
        path=path,
        layers=layers,
        rasters=rasters,
        ignore=tuple(rules_in.get("ignore", [])),
        select=tuple(rules_in.get("select", [])),
        params=dict(rules_in.get("params", {})),
        severity=dict(rules_in.get("severity", {})),
        ledger=ledger,
        quota_sources=sources,
        tiankan=tiankan_table(path, doc.get("tiankan")),
        **values,
    )


def load_project(path: str | Path) -> Project:
    """Read and validate a project TOML file.

    Parameters
    ----------
    path
        The project file.

    Returns
    -------
    Project
        The frozen project description; rule IDs and parameters are validated by the runner.

    Raises
    ------
    ProjectFileError
        The file is missing, is not valid TOML, or has unknown keys or bad values.
    """
    path = Path(path)
    if not path.is_file():
        raise ProjectFileError(
            f"{path}: project file not found; pass the path of a project .toml file"
        )
    try:
        data = path.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):  # Notepad's UTF-8 byte-order mark
            data = data[3:]
        text = data.decode("utf-8")
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectFileError(
            f"{path}: not valid TOML ({exc}); fix the syntax at that line"
        ) from None
    except UnicodeDecodeError:
        raise ProjectFileError(f"{path}: not UTF-8 text; save the project file as UTF-8") from None
    return replace(parse_project(doc, path), source_text=text)


def input_paths(project: Project | None) -> set[Path]:
    """Resolved paths of every file a project names: its TOML, each layer and raster file.

    The files that belong to one of them (a shapefile's ``.dbf`` …) are the reader table's
    business: :func:`landlink_gis.io.atomic.protected_paths` adds them.
    """
    paths: set[Path] = set()
    if project is None:
        return paths
    if project.path is not None:
        paths.add(Path(project.path).resolve())
    specs = list(project.layers.values()) + list(project.rasters.values())
    for spec in specs:
        p = getattr(spec, "path", None)
        if p is None:
            continue
        paths.add(Path(p).resolve())
    return paths
