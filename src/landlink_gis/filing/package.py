"""The online filing package (报部备案): from a checked project to the files the filing system
takes.

:func:`build_package` reads the filing GeoPackage written by ``landlink check`` (through
:func:`~landlink_gis.ledger.checked.read_checked`, the one reader of a checked project) and writes
one folder::

    DIR/
      txt/demolition/<备案编号>.txt     拆旧地块 (地块用途 拆旧)
      txt/construction/<备案编号>.txt   建新地块 (地块用途 安置 / 城镇建新)
      summary.csv, summary.xlsx         项目汇总表 (Chinese headers)
      <checked>.gpkg, <checked>.html    the filing GeoPackage and its HTML report, copied
      manifest.json, manifest.txt       the check's verdict, every file with its SHA-256, the
                                        findings, --force and its reason

Coordinate files are named by the 备案编号 alone, because the provincial upload checkers match
the file name against the filing code (LCChecker: ``文件名必须为项目备案编号``); demolition and
construction plots therefore go in two folders with the same file name, as the system takes the
拆旧区 and 建新区 coordinates as separate uploads. Folder names are ASCII so that a zip opens
with the same names on every unzip tool. 地块用途 holds the plot's role in words that
:func:`~landlink_gis.base.fields.normalise_kind` reads back (拆旧, 安置, 城镇建新); 地块面积 is the
ellipsoidal area in 公顷 to four decimals; 数据产生单位 is the producer given, else the county.

The folder is written in a temporary folder beside ``DIR`` and renamed into place at the end, so
there is never a half-written package; an existing non-empty ``DIR`` is replaced only with
``force``, and never when it holds the input.

Only a check whose verdict (``run_info["verdict"]``, DOMAIN.md §4b) is 可以报备 is packaged: one that
must be fixed (须整改) or is incomplete (检查不完整，暂不能报备) is refused unless ``force`` with a
``reason``, recorded in the manifest. A GeoPackage written before verdicts is judged by its errors.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np

from .._version import __version__
from ..base.contract import VERDICTS, verdict_of
from ..base.errors import InputError, OutputError
from ..base.workdays import add_working_days
from ..io.atomic import os_error_message, refuse_protected
from ..io.coordtxt import write_coordtxt
from ..io.coordtxt.content import AREA_BASES
from ..ledger.checked import CheckedProject, read_checked
from ..outputs.outputs import output_paths
from .codes import filing_code_problem
from .summary import PackageFinding, required_fact_findings, summary_row, write_summary
from .verify import MANIFEST_FILES, file_sha256, usable_filing_code, verify_txt

logger = logging.getLogger(__name__)

__all__ = ["PLOT_USE", "TXT_FOLDERS", "PackageResult", "build_package", "copy_name"]

#: role → folder of its coordinate TXT inside the package
TXT_FOLDERS: dict[str, str] = {"demolition": "txt/demolition", "construction": "txt/construction"}
#: (role, kind) → 地块用途 written in the TXT; construction plots of no known kind get "" (and a
#: warning)
PLOT_USE: dict[tuple[str, str], str] = {
    ("demolition", ""): "拆旧",
    ("construction", "resettlement"): "安置",
    ("construction", "urban"): "城镇建新",
}
#: default relative tolerance between the plots' total area and the approved scale
SCALE_TOLERANCE = 0.005


@dataclass
class PackageResult:
    """What :func:`build_package` did: where, the findings, and whether it refused or was forced."""

    folder: Path | None
    zip_path: Path | None
    findings: list[PackageFinding]
    refused: bool = False
    forced: bool = False
    files: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[PackageFinding]:
        """Findings of severity ``error``."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def exit_code(self) -> int:
        """0 written and clean (or forced), 1 refused or written with error findings."""
        return 1 if self.refused or (self.errors and not self.forced) else 0


def _scale_findings(
    project: CheckedProject, scale: float | None, tol: float
) -> list[PackageFinding]:
    total = project.demolition_m2 + project.construction_m2
    if scale is None:
        return [
            PackageFinding(
                "PKG_SCALE",
                "info",
                "未给出批准规模（approved_scale_m2），未核对地块总面积与批准规模",
            )
        ]
    if scale <= 0:
        return [PackageFinding("PKG_SCALE", "error", f"批准规模 {scale} 平方米不是正数")]
    diff = total - scale
    if abs(diff) > tol * scale:
        return [
            PackageFinding(
                "PKG_SCALE",
                "error",
                f"地块总面积 {total / 1e4:.4f} 公顷（拆旧 {project.demolition_m2 / 1e4:.4f} + 建新 "
                f"{project.construction_m2 / 1e4:.4f}）与批准规模 {scale / 1e4:.4f} 公顷相差 "
                f"{diff / 1e4:+.4f} 公顷"
                f"（{diff / scale:+.2%}），超过容差 {tol:.2%}",
            )
        ]
    return []


def _txt_frames(
    project: CheckedProject, area_basis: str = "ellipsoidal"
) -> tuple[dict[str, gpd.GeoDataFrame], list[PackageFinding]]:
    """Plots of each role ready for :func:`write_coordtxt`, and findings for plots left out or
    unnamed."""
    out, findings = {}, []
    for role in ("demolition", "construction"):
        plots = project.plots[project.plots["layer"] == role]
        if not len(plots):
            continue
        geoms = plots.geometry
        missing = (geoms.isna() | geoms.is_empty).to_numpy()
        if missing.any():
            ids = ", ".join(map(str, plots["plot_id"].to_numpy()[missing][:20]))
            findings.append(
                PackageFinding(
                    "PKG_GEOMETRY",
                    "error",
                    f"{int(missing.sum())} 个{_ROLE_ZH[role]}没有图形，未写入坐标文件：{ids}",
                )
            )
            plots = plots.loc[~missing]
        if not len(plots):
            continue
        area = "area_m2" if area_basis == "ellipsoidal" else "area_planar_m2"
        frame = plots[["plot_id", "land_class", area, "kind", "geometry"]].copy()
        frame["use"] = [
            PLOT_USE.get((role, k if role == "construction" else ""), "") for k in frame["kind"]
        ]
        frame["name"] = [_name(a) for a in plots["attributes"]]
        frame["area_ha"] = frame[area].to_numpy(dtype=float) / 10_000.0
        unknown = (frame["use"] == "").to_numpy()
        if unknown.any():
            ids = ", ".join(map(str, frame["plot_id"].to_numpy()[unknown][:20]))
            findings.append(
                PackageFinding(
                    "PKG_KIND",
                    "warning",
                    f"{int(unknown.sum())} 个建新地块未注明安置或城镇建新，地块用途留空：{ids}",
                )
            )
        for col in ("plot_id", "name", "land_class"):
            frame[col] = [_field_safe(v) for v in frame[col]]
        out[role] = frame
    return out, findings


_ROLE_ZH = {"demolition": "拆旧地块", "construction": "建新地块"}


def _name(attributes: Any) -> str:
    try:
        record = json.loads(attributes) if isinstance(attributes, str) else {}
    except ValueError:
        return ""
    value = next(
        (v for k, v in record.items() if str(k).upper() == "DKMC" and v not in (None, "")), ""
    )
    return str(value)


def _field_safe(value: Any) -> str:
    """A field the TXT can hold: commas become full-width, line breaks spaces, characters outside
    GBK '?'."""
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    text = text.replace(",", "，").replace("\r", " ").replace("\n", " ").strip()
    return "" if text == "@" else text.encode("gbk", errors="replace").decode("gbk")


def _refuse_target(checked: Path, out: Path, force: bool, protected: set[Path]) -> None:
    rout = out.resolve()
    for p in protected:
        if p == rout or rout in p.parents:
            raise OutputError(
                f"{out}: the package folder would hold or replace the input {p}; choose another "
                "folder (-o)"
            )
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; choose another folder (-o)")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputError(
            f"{out}: the folder exists and is not empty; choose another folder or pass --force to "
            "replace it"
        )


def build_package(
    checked: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    make_zip: bool = False,
    force: bool = False,
    reason: str | None = None,
    producer: str | None = None,
    approved_scale_m2: float | None = None,
    scale_tolerance: float = SCALE_TOLERANCE,
    area_basis: str = "ellipsoidal",
) -> PackageResult:
    """Write the online filing package of a checked project.

    Parameters
    ----------
    checked
        The filing GeoPackage written by ``landlink check``.
    out_dir
        The package folder to create (replaced only with ``force``; never one holding the input).
    make_zip
        Also write ``<out_dir>.zip`` holding the folder.
    force
        Package a project with error findings (check or package findings), recording ``reason``;
        replace a non-empty ``out_dir``.
    reason
        Why a refused project is packaged anyway (required when ``force`` overrides findings).
    producer
        数据产生单位 of the TXT header (default: the project's county).
    approved_scale_m2
        Approved project scale; default the fact ``approved_scale_m2``. The plots' total area is
        compared with it.
    scale_tolerance
        Relative difference from the approved scale above which an error finding is reported.
    area_basis
        地块面积 written in the TXTs: ``"ellipsoidal"`` (official, default) or ``"planar"`` where a
        province asks; recorded in the manifest (``area_basis``).

    Returns
    -------
    PackageResult
        ``refused`` (nothing written) when the check has error findings and ``force`` is not given.

    Raises
    ------
    InputError
        The GeoPackage is not a checked project, or ``force`` overrides findings without ``reason``.
    OutputError
        ``out_dir`` holds the input, is a non-empty folder without ``force``, or cannot be written.
    """
    checked, out = Path(checked), Path(out_dir)
    if area_basis not in AREA_BASES:
        raise InputError(f"area basis {area_basis!r}: use one of {', '.join(AREA_BASES)}")
    html = output_paths(checked)["report"]
    protected = {p.resolve() for p in (checked, html) if p.exists()} | {checked.resolve()}
    zip_path = Path(f"{out}.zip") if make_zip else None
    _refuse_target(checked, out, force, protected)
    if zip_path is not None:
        refuse_protected(zip_path, protected)
        if zip_path.exists() and not force:
            raise OutputError(
                f"{zip_path}: exists; choose another folder or pass --force to replace it"
            )
    project = read_checked(checked)
    facts = project.facts
    verdict = verdict_of(project.run_info, project.errors)
    missing = "；".join(map(str, project.run_info.get("verdict_missing") or [])) or "未记录"
    if verdict != "fileable" and not force:
        why = (
            f"检查结果有 {project.errors} 个错误（须整改），未生成报备数据包；修改后重新检查，或用 "
            "--force --reason 说明理由"
            if verdict == "must_fix"
            else f"检查不完整，暂不能报备（未完成：{missing}），未生成报备数据包；补齐后重新检查，"
            "或用 --force --reason 说明理由"
        )
        return PackageResult(
            None, None, [PackageFinding("PKG_REFUSED", "error", why)], refused=True
        )
    scale = approved_scale_m2 if approved_scale_m2 is not None else facts.get("approved_scale_m2")
    try:
        scale = None if scale is None else float(scale)
    except (TypeError, ValueError):
        raise InputError(f"{checked}: approved_scale_m2 = {scale!r} is not a number") from None
    findings = required_fact_findings(project) + _scale_findings(project, scale, scale_tolerance)
    code = str(facts.get("filing_code") or "").strip()
    if code and (why := usable_filing_code(code)):
        findings.append(PackageFinding("PKG_FILING_CODE", "error", why))
        code = ""
    elif code and (
        why := filing_code_problem(code, profile=project.profile, project_code=project.code)
    ):
        findings.append(PackageFinding("PKG_FILING_CODE", "error", f"{why}；上传前须改正"))
    if not code:
        code = project.code
        findings.append(
            PackageFinding(
                "PKG_FILING_CODE",
                "error",
                f"没有可用的备案编号，坐标文件暂以项目区编号 {code} 命名；上传前须改为备案编号",
            )
        )
        if usable_filing_code(code):
            raise InputError(
                f"{checked}: neither filing_code nor the project code {code!r} can name a file; "
                "set [project] filing_code"
            )
    if facts.get("quota_basis_m2") is None and facts.get("kind") != "construction_only":
        findings.append(
            PackageFinding(
                "PKG_SURPLUS",
                "info",
                "检查未能计算指标基数（有地块面积无法计算），汇总表节余指标留空",
            )
        )
    frames, more = _txt_frames(project, area_basis)
    findings += more
    if project.errors:
        findings.append(
            PackageFinding(
                "PKG_CHECK_ERRORS",
                "error",
                f"检查结果有 {project.errors} 个错误（以 --force 打包）",
            )
        )
    elif verdict == "incomplete":
        findings.append(
            PackageFinding(
                "PKG_CHECK_INCOMPLETE",
                "error",
                f"检查不完整，暂不能报备（以 --force 打包）：未完成 {missing}",
            )
        )
    if force and any(f.severity == "error" for f in findings) and not (reason and reason.strip()):
        raise InputError(
            "--force needs --reason: say why the project is packaged despite its findings "
            "(recorded in the manifest)"
        )

    parent = out.parent if str(out.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        stage = Path(
            tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", suffix=".tmp", dir=parent)
        )
    except OSError as exc:
        raise OutputError(os_error_message(out, exc)) from exc
    try:
        files = _write_stage(
            stage,
            project,
            frames,
            findings,
            code,
            producer,
            scale,
            checked,
            html,
            force,
            reason,
            area_basis,
        )
        _ordinary_permissions(stage)
        _move_into_place(stage, out)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise OutputError(os_error_message(out, exc)) from exc
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if zip_path is not None:
        _write_zip(out, zip_path)
    result = PackageResult(
        out,
        zip_path,
        findings,
        forced=force and any(f.severity == "error" for f in findings),
        files=files,
    )
    logger.info("wrote filing package %s (%d files)", out, len(files))
    return result


def _write_stage(
    stage, project, frames, findings, code, producer, scale, checked, html, force, reason, basis
) -> dict[str, str]:
    header = {"数据产生单位": _field_safe(producer if producer is not None else project.county)}
    for role, frame in frames.items():
        target = stage / TXT_FOLDERS[role] / f"{code}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_coordtxt(
            frame,
            target,
            id_field="plot_id",
            name_field="name",
            use_field="use",
            class_field="land_class",
            area_field_ha="area_ha",
            header=header,
            protected={checked.resolve()},
        )
        problems = verify_txt(
            target,
            filing_code=code,
            display=target.relative_to(stage).as_posix(),
            area_basis=basis,
        )
        for p in problems:
            if p.severity == "error" and p.code != "file_name":  # the code: PKG_FILING_CODE
                findings.append(PackageFinding("PKG_TXT", "error", f"{p.where()}: {p.message}"))
    write_summary(summary_row(project, findings, approved_scale_m2=scale), stage)
    shutil.copy2(checked, stage / copy_name(checked))
    if html.is_file():
        shutil.copy2(html, stage / copy_name(html))
    else:
        findings.append(
            PackageFinding(
                "PKG_REPORT",
                "info",
                f"{html.name} 不存在（检查时加 --report 可生成），包中无 HTML 报告",
            )
        )
    files = {
        p.relative_to(stage).as_posix(): file_sha256(p)
        for p in sorted(stage.rglob("*"))
        if p.is_file()
    }
    manifest = {
        "tool": "landlink-gis",
        "tool_version": __version__,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "source": checked.name,
        "source_sha256": file_sha256(checked),
        "project_code": project.code,
        "project_name": project.name,
        "county": project.county,
        "filing_code": code,
        "verdict": verdict_of(project.run_info, project.errors),
        "verdict_text": VERDICTS[verdict_of(project.run_info, project.errors)][0],
        "profile": project.profile or "national",
        "area_basis": basis,
        "filing": "acceptance" if project.stage == "acceptance" else "plan",
        **(
            {"accepted": project.facts.get("accepted"), "filing_deadline": _deadline(project)}
            if project.stage == "acceptance"
            else {}
        ),
        "check_errors": project.errors,
        "check_warnings": project.warnings,
        "forced": bool(force and any(f.severity == "error" for f in findings)),
        "reason": reason or None,
        "findings": [f.as_dict() for f in findings],
        "files": [
            {"path": k, "sha256": v, "bytes": (stage / k).stat().st_size} for k, v in files.items()
        ],
    }
    (stage / MANIFEST_FILES[0]).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (stage / MANIFEST_FILES[1]).write_text(
        _manifest_text(manifest, file_sha256(stage / MANIFEST_FILES[0])), encoding="utf-8"
    )
    return files


def _manifest_text(m: dict[str, Any], json_sha: str) -> str:
    lines = [
        f"增减挂钩项目区在线报备数据包 — {m['project_name']}",
        f"项目区编号：{m['project_code']}    备案编号：{m['filing_code']}    所在县：{m['county']}",
        f"来源：{m['source']}（SHA-256 {m['source_sha256']}）",
        f"生成：{m['created']}，landlink-gis {m['tool_version']}",
        f"检查结论：{m['verdict_text']}",
        f"检查结果：错误 {m['check_errors']} 个，警告 {m['check_warnings']} 个",
    ]
    if m["forced"]:
        lines.append(f"强制打包（--force），理由：{m['reason']}")
    lines += ["", "问题：" if m["findings"] else "问题：无"]
    sev = {"error": "错误", "warning": "警告", "info": "提示"}
    lines += [f"  [{sev.get(f['severity'], f['severity'])}] {f['message']}" for f in m["findings"]]
    lines += ["", "文件（SHA-256）："]
    lines += [f"  {f['sha256']}  {f['path']}" for f in m["files"]]
    lines += [
        f"  {json_sha}  manifest.json",
        "",
        "txt/demolition：拆旧地块坐标；txt/construction：建新地块坐标（地块用途：安置 / "
        "城镇建新）；summary：项目汇总表。",
        "核验：landlink package --verify 本文件夹",
        "",
    ]
    return "\n".join(lines)


def _deadline(project) -> str | None:
    """The acceptance filing's deadline: 10 working days after acceptance (004)."""
    accepted = project.date("accepted")
    return add_working_days(accepted, 10)[0].isoformat() if accepted else None


def _move_into_place(stage: Path, out: Path) -> None:
    """Rename ``stage`` to ``out``; an existing ``out`` is moved aside first and removed after."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", suffix=".tmp", dir=stage.parent))
        os.rename(out, old / "prev")
    try:
        os.rename(stage, out)
    except OSError:
        if old is not None:
            os.rename(old / "prev", out)
            old.rmdir()
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def copy_name(path: Path) -> str:
    """Name of the copy of the checked GeoPackage or its report in the package: its own name when
    that is ASCII, else ``checked`` with its suffix (names besides the 备案编号 are ASCII, so that a
    zip unpacks with the same names on every tool)."""
    return path.name if path.name.isascii() else f"checked{path.suffix.lower()}"


def _ordinary_permissions(folder: Path) -> None:
    """Give the staged package the permissions of ordinary files: folders 0755, files 0644, less
    the umask (a temporary folder starts 0700, a temporary file 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o755 & ~umask)
    for p in folder.rglob("*"):
        os.chmod(p, (0o755 if p.is_dir() else 0o644) & ~umask)


def _write_zip(folder: Path, zip_path: Path) -> None:
    """The package as a zip: the folder's files at the root of the zip (``txt/demolition/…``,
    ``summary.csv``, ``manifest.json`` …), as laid out in docs/filing.md, without the local name
    of the folder."""
    tmp = zip_path.with_name(f".{zip_path.name}.{os.getpid()}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(folder.rglob("*")):
                if p.is_file():
                    zf.write(p, p.relative_to(folder).as_posix())
        os.replace(tmp, zip_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(os_error_message(zip_path, exc)) from exc
