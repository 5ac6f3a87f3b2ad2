"""A :class:`~landlink_gis.init_project.scan.FolderScan` written as a commented project TOML.

The keys are those of the project file (DOMAIN.md §3, docs/project-file.md); every guess carries a
comment saying what it came from, and the facts no layer can tell (name, code, county, profile,
dates …) are commented placeholders to fill in. Comments follow the language (``zh``: Chinese).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .._version import __version__
from ..base.roles import LAYER_LABELS, LAYER_ROLES, RASTER_ROLES
from ..io.formats import format_of
from .scan import FolderScan, LayerGuess

__all__ = ["render_project"]

_T: dict[str, dict[str, str]] = {
    "zh": {
        "head": "由 `landlink init` (landlink-gis {version}) 根据文件夹中的图层猜测生成。请逐项核对后再检查。",
        "head2": "猜测的依据写在注释里；以 “# 键 =” 开头的行是待填写的占位项：删去 “#” 并填写。",
        "crs.layer": "依据：{label} 的坐标系（{name}）",
        "crs.coordinates": "依据：{label} 没有坐标系，按坐标推断（{name}）；请为该图层补上坐标系（否则 CRS001）",
        "crs.zone_of_longitude": "依据：{label} 为地理坐标，按经度 {name}° 取 CGCS2000 3° 带（无带号）",
        "crs.other_layer": "依据：拆旧/建新图层未给出坐标系，取 {label} 的坐标系（{name}）",
        "crs.none": '待填：项目坐标系，如 "EPSG:4545"（任何图层都未给出可用的坐标系）',
        "name": "待填：项目区名称",
        "code": '待填：项目区编号，如 "511902-2019-001"',
        "county": "待填：县（区）",
        "county.hint": "待填：县（区）；{label} 的 XZQMC 为 “{value}”",
        "profile": "待填：省份规则 national | sichuan | shanxi | jilin（缺省 national）",
        "profile.hint": "待填：national | sichuan | shanxi | jilin；行政区代码 {code} 对应 “{value}”",
        "approved": "待填：批准日期（TIME 规则需要）",
        "accepted": "待填：验收日期",
        "filed": "待填：验收报备日期",
        "traded": "待填：节余指标交易日期（有交易时）",
        "poverty_county": "待填：是否贫困县（四川预支指标规则）",
        "advance_quota_m2": "待填：预支节余指标，平方米",
        "quality_scale": "待填：dengbie（等别 1–15，缺省）或 dengji（等级 1–10）",
        "role.layer_name": "角色依据：图层名 “{name}” 含 “{word}”",
        "role.file_name": "角色依据：文件名 “{name}” 含 “{word}”",
        "role.fields": "角色依据：字段 {word}",
        "features": "{n} 个要素；坐标系 {crs}",
        "crs.missing": "无（未能推断）",
        "crs.inferred": "{crs}（文件未给出，按坐标推断）",
        "enc.cpg": "编码 {enc}：来自 .cpg 文件，与文本一致",
        "enc.detected": "编码 {enc}：没有 .cpg，按 DBF 文本检测",
        "enc.overruled": "编码 {enc}：.cpg 与文本不符，按文本检测（{note}）",
        "enc.ascii": "DBF 只有 ASCII 文本，无需编码",
        "enc.coordtxt": "坐标交换 TXT，编码 {enc}（检测）",
        "kinds": "建新类型（{field}）：{counts}",
        "fields.note": "字段映射：按常用字段名识别；未映射的字段原样保留",
        "area_unit": "面积字段 {field} 的单位为公顷（读取器给出）",
        "alt": "其他可作此角色的图层：{labels}",
        "missing": "未找到{label}图层：有则填写 path（及 layer），没有可删去此节",
        "missing.demolition": '未找到拆旧地块图层：必须填写（或设 [project] kind = "construction_only"）',
        "rasters.missing": "未找到 DEM / 坡度栅格（PLAN006 需要）：有则填写 path",
        "raster.role": "依据：文件名 “{name}” 含 “{word}”；坐标系 {crs}",
        "raster.unknown": "栅格 {name} 的用途未能识别（dem | slope | quality）：",
        "unassigned": "未识别角色的图层（如需使用，请复制到相应的 [layers.角色] 节）：",
        "unassigned.item": "{label}：{n} 个要素，字段 {columns}",
        "skipped": "未使用的文件：",
        "skip.output": "{label}：landlink 检查结果（输出），跳过",
        "skip.ledger_store": "{label}：台账 GeoPackage，已写入 [ledger]",
        "skip.not_coordtxt": "{label}：不是坐标交换格式 TXT，跳过",
        "skip.not_geojson": "{label}：不是 GeoJSON 图层，跳过",
        "skip.unreadable": "{label}：无法读取（{detail}）",
        "ledger": "台账（县级台账 GeoPackage 或 postgresql://…），有则填写",
        "ledger.found": "依据：{label} 含台账表 ll_projects",
        "rules": "规则选择与参数（见 docs/rules.md）",
    },
    "en": {
        "head": "Written by `landlink init` (landlink-gis {version}) from a guess at the layers of this folder. Review every entry before checking.",  # noqa: E501
        "head2": 'Comments say what each guess came from; lines starting with "# key =" are placeholders: remove the "#" and fill in.',  # noqa: E501
        "crs.layer": "from: the CRS of {label} ({name})",
        "crs.coordinates": "from: the coordinates of {label}, which declares no CRS ({name}); give the layer a CRS (else CRS001)",  # noqa: E501
        "crs.zone_of_longitude": "from: {label} is geographic; the CGCS2000 3° zone (no prefix) of longitude {name}°",
        "crs.other_layer": "from: the plot layers declare no CRS; the CRS of {label} ({name})",
        "crs.none": 'to fill: the project CRS, e.g. "EPSG:4545" (no layer gives a usable CRS)',
        "name": "to fill: project name",
        "code": 'to fill: project code, e.g. "511902-2019-001"',
        "county": "to fill: county",
        "county.hint": 'to fill: county; XZQMC of {label} is "{value}"',
        "profile": "to fill: national | sichuan | shanxi | jilin (default national)",
        "profile.hint": 'to fill: national | sichuan | shanxi | jilin; county code {code} points to "{value}"',
        "approved": "to fill: approval date (the TIME rules need it)",
        "accepted": "to fill: acceptance date",
        "filed": "to fill: filing date of the acceptance",
        "traded": "to fill: trade date of the surplus quota (if traded)",
        "poverty_county": "to fill: a poverty county (Sichuan's advanced-quota rule)",
        "advance_quota_m2": "to fill: advanced surplus quota, m²",
        "quality_scale": "to fill: dengbie (等别 1–15, default) or dengji (等级 1–10)",
        "role.layer_name": 'role from: layer name "{name}" contains "{word}"',
        "role.file_name": 'role from: file name "{name}" contains "{word}"',
        "role.fields": "role from: field(s) {word}",
        "features": "{n} features; CRS {crs}",
        "crs.missing": "none (not inferable)",
        "crs.inferred": "{crs} (none in the file; inferred from the coordinates)",
        "enc.cpg": "encoding {enc}: from the .cpg file, agrees with the text",
        "enc.detected": "encoding {enc}: no .cpg; detected from the DBF text",
        "enc.overruled": "encoding {enc}: the .cpg contradicts the text; detected ({note})",
        "enc.ascii": "the DBF text is ASCII only; no encoding needed",
        "enc.coordtxt": "coordinate exchange TXT, encoding {enc} (detected)",
        "kinds": "construction kinds ({field}): {counts}",
        "fields.note": "field mapping: recognised from the usual field names; unmapped fields are kept as they are",
        "area_unit": "the area field {field} is in 公顷 (hm², as the reader says)",
        "alt": "other layers that could take this role: {labels}",
        "missing": "no {label} layer found: fill in path (and layer) if there is one, else delete this section",
        "missing.demolition": 'no demolition layer found: required (or set [project] kind = "construction_only")',
        "rasters.missing": "no DEM / slope raster found (PLAN006 needs one): fill in path if there is one",
        "raster.role": 'from: file name "{name}" contains "{word}"; CRS {crs}',
        "raster.unknown": "raster {name}: role not recognised (dem | slope | quality):",
        "unassigned": "layers whose role was not recognised (copy one into its [layers.ROLE] section to use it):",
        "unassigned.item": "{label}: {n} features, fields {columns}",
        "skipped": "files not used:",
        "skip.output": "{label}: a landlink check result (an output); skipped",
        "skip.ledger_store": "{label}: a ledger GeoPackage; written as [ledger]",
        "skip.not_coordtxt": "{label}: not a coordinate exchange TXT; skipped",
        "skip.not_geojson": "{label}: not a GeoJSON layer; skipped",
        "skip.unreadable": "{label}: cannot be read ({detail})",
        "ledger": "the county ledger (a ledger GeoPackage or postgresql://…), if there is one",
        "ledger.found": "from: {label} holds the ledger table ll_projects",
        "rules": "rule selection and parameters (see docs/rules.md)",
    },
}
_KIND_WORDS = {"zh": {"resettlement": "安置", "urban": "城镇", "unknown": "未识别"}, "en": {}}
_FACT_PLACEHOLDERS = (
    ("name", '""'),
    ("code", '""'),
    ("county", '""'),
    ("profile", '"national"'),
    ("approved", "YYYY-MM-DD"),
    ("accepted", "YYYY-MM-DD"),
    ("filed", "YYYY-MM-DD"),
    ("traded", "YYYY-MM-DD"),
    ("poverty_county", "false"),
    ("advance_quota_m2", "0.0"),
    ("quality_scale", '"dengbie"'),
)


def _q(value: str) -> str:
    """A TOML basic string (JSON string escapes are valid TOML escapes)."""
    return json.dumps(value, ensure_ascii=False)


def _rel(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()


def _line(key_value: str, comment: str, width: int = 34) -> str:
    return f"{key_value.ljust(width)} # {' '.join(comment.splitlines())}"


def _layer_lines(g: LayerGuess, folder: Path, t: dict[str, str], lang: str) -> list[str]:
    lines = [
        "# "
        f"{t['role.' + g.role_basis].format(name=g.layer if g.role_basis == 'layer_name' else g.source.stem, word=g.role_evidence)}"  # noqa: E501
    ]
    crs = g.crs or t["crs.missing"]
    if g.crs_basis == "coordinates":
        crs = t["crs.inferred"].format(crs=g.crs)
    lines.append(f"# {t['features'].format(n=g.features, crs=crs)}")
    enc_key = f"enc.{g.encoding_basis}"
    if enc_key in t:
        lines.append(f"# {t[enc_key].format(enc=g.encoding, note=g.encoding_note)}")
    if g.kinds:
        words = _KIND_WORDS.get(lang, {})
        counts = ", ".join(f"{words.get(k, k)} {n}" for k, n in sorted(g.kinds.items()))
        lines.append(f"# {t['kinds'].format(field=g.fields.get('kind'), counts=counts)}")
    lines.append(f"path = {_q(_rel(g.source, folder))}")
    if g.layer:
        lines.append(f"layer = {_q(g.layer)}")
    fmt = format_of(g.source)
    if g.encoding and fmt is not None and fmt.encoding:
        lines.append(f"encoding = {_q(g.encoding)}")
    if g.id_field:
        lines.append(f"id = {_q(g.id_field)}")
    if g.fields:
        lines.append(f"# {t['fields.note']}")
        lines.append(
            "fields = { " + ", ".join(f"{k} = {_q(v)}" for k, v in g.fields.items()) + " }"
        )
    if g.area_unit:
        lines.append(
            _line(
                f"area_unit = {_q(g.area_unit)}",
                t["area_unit"].format(field=g.fields.get("area_declared")),
            )
        )
    return lines


def _project_lines(scan: FolderScan, t: dict[str, str]) -> list[str]:
    lines = ["[project]"]
    basis, label, detail = scan.crs_basis
    if scan.crs:
        lines.append(
            _line(f"crs = {_q(scan.crs)}", t[f"crs.{basis}"].format(label=label, name=detail))
        )
    else:
        lines.append(_line('# crs = "EPSG:"', t["crs.none"]))
    boundary = scan.chosen.get("boundary")
    where = boundary.label if boundary is not None else ""
    for key, placeholder in _FACT_PLACEHOLDERS:
        comment = t[key]
        if key == "county" and scan.admin and scan.admin[1]:
            comment = t["county.hint"].format(label=where, value=scan.admin[1])
            placeholder = _q(scan.admin[1])
        if key == "profile" and scan.profile_hint:
            comment = t["profile.hint"].format(code=scan.admin[0], value=scan.profile_hint)
            placeholder = _q(scan.profile_hint)
        lines.append(_line(f"# {key} = {placeholder}", comment))
    return lines


def render_project(scan: FolderScan, *, lang: str = "zh") -> str:
    """The project TOML for ``scan``, with comments in ``lang`` (``zh`` or ``en``).

    Parameters
    ----------
    scan
        What :func:`~landlink_gis.init_project.scan.scan_folder` found.
    lang
        Language of the comments.

    Returns
    -------
    str
        A TOML document with the keys of the project file; placeholders are comments, so the text
        parses as it is (it needs a demolition layer to be a complete project).
    """
    t = _T[lang]
    labels = LAYER_LABELS.get(lang) or {}
    folder = scan.folder
    out = [f"# {t['head'].format(version=__version__)}", f"# {t['head2']}", ""]
    out += _project_lines(scan, t)
    for role in LAYER_ROLES:
        out.append("")
        g = scan.chosen.get(role)
        if g is None:
            key = "missing.demolition" if role == "demolition" else "missing"
            out += [
                f"# [layers.{role}]",
                f"# {t[key].format(label=labels.get(role, role.replace('_', ' ')))}",
                '# path = ""',
            ]
            continue
        out.append(f"[layers.{role}]")
        out += _layer_lines(g, folder, t, lang)
        if scan.alternatives.get(role):
            out.append(
                f"# {t['alt'].format(labels=', '.join(a.label for a in scan.alternatives[role]))}"
            )
    for role in RASTER_ROLES:
        r = scan.chosen_rasters.get(role)
        if r is None:
            continue
        out += [
            "",
            f"[rasters.{role}]",
            f"# {t['raster.role'].format(name=r.path.stem, word=r.evidence, crs=r.crs)}",
            f"path = {_q(_rel(r.path, folder))}",
        ]
    if "dem" not in scan.chosen_rasters and "slope" not in scan.chosen_rasters:
        out += ["", "# [rasters.dem]", f"# {t['rasters.missing']}", '# path = ""']
    for r in scan.rasters:
        if r.role is None:
            out += [
                "",
                f"# {t['raster.unknown'].format(name=r.path.name)}",
                "# [rasters.dem]",
                f"# path = {_q(_rel(r.path, folder))}",
            ]
    out += [
        "",
        f"# {t['rules']}",
        "# [rules]",
        "# ignore = []",
        "# params = { overlap_tolerance_m2 = 1.0 }",
        "",
    ]
    if scan.ledger_store is not None:
        out += [
            "[ledger]",
            f"# {t['ledger.found'].format(label=scan.ledger_store.name)}",
            f"path = {_q(_rel(scan.ledger_store, folder))}",
        ]
    else:
        out += [f"# {t['ledger']}", "# [ledger]", '# path = ""']
    if scan.unassigned:
        out += ["", f"# {t['unassigned']}"]
        out += [
            "#   "
            f"{t['unassigned.item'].format(label=g.label, n=g.features, columns=', '.join(g.columns) or '-')}"
            for g in scan.unassigned
        ]
    notes = [s for s in scan.skipped if s.reason != "ledger_store"]
    if notes:
        out += ["", f"# {t['skipped']}"]
        for s in notes:
            label = _rel(s.path, folder) + (f":{s.layer}" if s.layer else "")
            out.append(
                "#   "
                f"{t['skip.' + s.reason].format(label=label, detail=' '.join(s.detail.split())[:200])}"
            )
    # a name with a line break must not end a comment early
    out = [" ".join(x.splitlines()) if x.startswith("#") else x for x in out]
    return "\n".join(out) + "\n"
