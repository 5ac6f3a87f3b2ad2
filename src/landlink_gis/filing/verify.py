"""The filing package's own checker: coordinate TXTs and a package folder, format and content.

A TXT (:func:`verify_txt`) is checked for its format line by line (:mod:`.syntax`: GBK text, the
``[属性描述]`` header, nine fields per plot line, ``点号,圈号,X,Y`` points, rings of at least four
points, 界址点数, field lengths), then for its content
(:func:`~landlink_gis.io.coordtxt.content.check_content`: 地块面积 against the area of the
coordinates, X/Y order, zone prefix, 带号/几度分带, the coordinates inside the zone and China,
坐标系 CGCS2000, simple rings, holes inside their outer ring, 地块编号 unique), and for its name:
the 备案编号 (the given one, else any code of the profile's pattern, :mod:`.codes`).

A package folder (:func:`verify_package`) adds: ``manifest.json`` present, every file it lists
present with the recorded SHA-256, no unlisted file, the manifest's and the summary's 备案编号, every
TXT checked as above against them, 地块编号 unique and no two plots overlapping across the files,
and, given the checked GeoPackage (``against``), the plots, ids and areas of the TXTs against it
(:mod:`.against`).

Each problem is an ``error`` or a ``warning`` (a variant the readers accept, DOMAIN.md §3): exit 0
when there are no errors, 1 otherwise; a file that is not a coordinate TXT at all, or cannot be
read, raises :class:`~landlink_gis.base.errors.DataSourceError` (exit 2) in one message.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..base.errors import DataSourceError
from ..io.coordtxt.content import AREA_BASES, TxtContent, check_content, cross_file_problems
from ..io.coordtxt.parse import parse
from .codes import filing_code_problem
from .syntax import FIELD_LIMITS, Problem, check_syntax, decode_txt

logger = logging.getLogger(__name__)

__all__ = [
    "FIELD_LIMITS",
    "MANIFEST_FILES",
    "FileSummary",
    "Problem",
    "VerifyReport",
    "file_sha256",
    "usable_filing_code",
    "verify",
    "verify_package",
    "verify_txt",
]

#: files of a package that its manifest does not list (they hold the list)
MANIFEST_FILES: tuple[str, ...] = ("manifest.json", "manifest.txt")
_BAD_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_MAX_BYTES = 1 << 30


@dataclass(frozen=True)
class FileSummary:
    """One checked file: its name, plots, and how many errors and warnings it has."""

    name: str
    plots: int
    errors: int
    warnings: int


@dataclass
class VerifyReport:
    """Everything :func:`verify` found: the problems and a summary per coordinate TXT."""

    problems: list[Problem] = field(default_factory=list)
    files: list[FileSummary] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems of severity ``warning``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def exit_code(self) -> int:
        """0 without errors (warnings allowed), 1 with errors."""
        return 1 if self.errors else 0


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def usable_filing_code(code: str) -> str | None:
    """Why ``code`` cannot name a coordinate TXT (empty, path characters, not GBK), or ``None``."""
    if not code.strip():
        return "备案编号为空"
    if code != code.strip() or _BAD_NAME.search(code) or code in (".", ".."):
        return f"备案编号 {code!r} 含空白、路径或控制字符，不能作文件名"
    try:
        code.encode("gbk")
    except UnicodeEncodeError:
        return f"备案编号 {code!r} 含 GBK 无法编码的字符"
    return None


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise DataSourceError(
            f"{path}: not a readable file; give a coordinate TXT or a package folder"
        )
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise DataSourceError(
                f"{path}: larger than {_MAX_BYTES >> 20} MiB; not a coordinate TXT of one project"
            )
        return path.read_bytes()
    except OSError as exc:
        raise DataSourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def _check_one(
    path: Path,
    *,
    filing_code: str | None,
    display: str | None,
    profile: str | None,
    project_code: str | None,
    area_basis: str,
) -> tuple[list[Problem], TxtContent | None, int]:
    """Problems of one TXT, its content (``None`` when its format is too broken), its plots."""
    name = display or str(path)
    data = _read(path)
    out: list[Problem] = []
    stem = path.stem if path.suffix.lower() == ".txt" else path.name
    if path.suffix.lower() != ".txt":
        out.append(Problem(name, None, "file_name", "扩展名应为 .txt"))
    if filing_code is not None and stem != filing_code:
        out.append(
            Problem(name, None, "file_name", f"文件名 {stem!r} 应为备案编号 {filing_code!r}")
        )
    elif filing_code is None:
        why = usable_filing_code(stem) or filing_code_problem(
            stem, profile=profile, project_code=project_code
        )
        if why:
            out.append(Problem(name, None, "file_name", f"文件名须为备案编号：{why}"))
    text = decode_txt(data, name, out)  # not a coordinate TXT at all: DataSourceError
    n_plots, header_line = check_syntax(text, name, out)
    if any(p.severity == "error" and p.code not in ("file_name",) for p in out):
        return out, None, n_plots
    try:
        parsed = parse(text, Path(name))
    except DataSourceError as exc:
        out.append(Problem(name, None, "format", str(exc)))
        return out, None, n_plots
    content = check_content(parsed, name, area_basis=area_basis, header_line=header_line)
    out += [Problem(name, p.line, p.code, p.message, p.severity, p.plot) for p in content.problems]
    return out, content, n_plots


def verify_txt(
    path: str | os.PathLike[str],
    *,
    filing_code: str | None = None,
    display: str | None = None,
    profile: str | None = None,
    project_code: str | None = None,
    area_basis: str = "ellipsoidal",
) -> list[Problem]:
    """Check one coordinate exchange TXT: format, content and name.

    Parameters
    ----------
    path
        The TXT file.
    filing_code
        The 备案编号 the file must be named by (``None``: the name must be a 备案编号 of the
        profile's pattern).
    display
        How problems name the file (default: ``path`` as given).
    profile
        The profile whose 备案编号 pattern applies (national by default).
    project_code
        The project code whose county part the 备案编号's must equal (when known).
    area_basis
        ``"ellipsoidal"`` (default) or ``"planar"``: the area 地块面积 is compared with.

    Returns
    -------
    list of Problem
        Empty when the file is clean; warnings (tolerable variants) and errors otherwise.

    Raises
    ------
    DataSourceError
        The file cannot be read at all (missing, not a regular file, no permission, too large),
        or is not a coordinate TXT (binary data, no section and no plot line).
    """
    problems, content, _ = _check_one(
        Path(path),
        filing_code=filing_code,
        display=display,
        profile=profile,
        project_code=project_code,
        area_basis=area_basis,
    )
    if content is not None:  # plots of the file that overlap each other
        problems += _across([(content, None)], None, area_basis, 1.0)
    return problems


def _summaries(problems: list[Problem], plots: dict[str, int]) -> list[FileSummary]:
    return [
        FileSummary(
            name,
            n,
            sum(p.file == name and p.severity == "error" for p in problems),
            sum(p.file == name and p.severity == "warning" for p in problems),
        )
        for name, n in plots.items()
    ]


def verify(
    source: str | os.PathLike[str],
    *,
    filing_code: str | None = None,
    profile: str | None = None,
    project_code: str | None = None,
    area_basis: str | None = None,
    against: str | os.PathLike[str] | None = None,
    overlap_tolerance_m2: float = 1.0,
) -> VerifyReport:
    """Check a package folder or one coordinate TXT; the problems and a summary per TXT.

    Parameters
    ----------
    source
        A folder written by ``landlink package``, or one TXT.
    filing_code, profile, project_code
        For one TXT: the 备案编号 it must be named by, the profile of the 备案编号 pattern, the
        project code (a package folder takes them from its manifest).
    area_basis
        ``ellipsoidal`` or ``planar``; default the manifest's ``area_basis``, else ellipsoidal.
    against
        The checked GeoPackage the package was written from: plots, ids and areas are compared.
    overlap_tolerance_m2
        Overlaps between plots up to this area are not reported.

    Raises
    ------
    DataSourceError
        ``source`` (or ``against``) cannot be read, or is not a coordinate TXT.
    """
    source = Path(source)
    if area_basis is not None and area_basis not in AREA_BASES:
        raise DataSourceError(f"area basis {area_basis!r}: use one of {', '.join(AREA_BASES)}")
    if not source.is_dir():
        problems, content, n = _check_one(
            source,
            filing_code=filing_code,
            display=None,
            profile=profile,
            project_code=project_code,
            area_basis=area_basis or "ellipsoidal",
        )
        contents = [(content, None)] if content is not None else []
        problems += _across(contents, against, area_basis or "ellipsoidal", overlap_tolerance_m2)
        return VerifyReport(problems, _summaries(problems, {str(source): n}))
    return _verify_folder(source, area_basis, against, overlap_tolerance_m2)


def verify_package(folder: str | os.PathLike[str], **kwargs) -> list[Problem]:
    """Problems of a package folder (see :func:`verify`; keyword arguments are passed on).

    Raises
    ------
    DataSourceError
        ``folder`` is not a readable folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataSourceError(f"{folder}: not a folder; give a package folder or a coordinate TXT")
    return verify(folder, **kwargs).problems


def _across(
    contents: list[tuple[TxtContent, str | None]],
    against: str | os.PathLike[str] | None,
    area_basis: str,
    tolerance: float,
    whole_package: bool = False,
) -> list[Problem]:
    out = [
        Problem(name, p.line, p.code, p.message, p.severity, p.plot)
        for name, p in cross_file_problems([c for c, _ in contents], overlap_tolerance_m2=tolerance)
    ]
    if against is not None:
        from .against import against_problems

        out += against_problems(
            contents,
            Path(against),
            area_basis=area_basis,
            tolerance_m2=tolerance,
            whole_package=whole_package,
        )
    return out


def _manifest(folder: Path, out: list[Problem]) -> dict:
    mpath = folder / "manifest.json"
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
        return manifest
    except FileNotFoundError:
        out.append(
            Problem(
                "manifest.json",
                None,
                "manifest",
                "缺少 manifest.json（不是 landlink package 写出的文件夹？）",
            )
        )
    except (OSError, ValueError) as exc:
        out.append(Problem("manifest.json", None, "manifest", f"无法读取 manifest.json：{exc}"))
    return {}


def _summary_code(folder: Path) -> str | None:
    """The 备案编号 written in ``summary.csv`` (``None`` when there is no such file or column)."""
    path = folder / "summary.csv"
    if not path.is_file():
        return None
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if not rows or "备案编号" not in rows[0]:
        return None
    return (rows[0]["备案编号"] or "").lstrip("'").strip()


def _verify_folder(folder: Path, area_basis: str | None, against, tolerance: float) -> VerifyReport:
    out: list[Problem] = []
    manifest = _manifest(folder, out)
    listed = {str(f.get("path")): f for f in manifest.get("files", []) if isinstance(f, dict)}
    present = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    for rel in present:
        if rel in MANIFEST_FILES:
            continue
        if manifest and rel not in listed:
            out.append(Problem(rel, None, "unlisted", "文件未列入 manifest.json"))
        elif rel in listed and file_sha256(folder / rel) != listed[rel].get("sha256"):
            out.append(
                Problem(rel, None, "sha256", "SHA-256 与 manifest.json 记录不符（文件被改动）")
            )
    for rel in listed:
        if rel not in present:
            out.append(Problem(rel, None, "missing", "manifest.json 列出的文件不存在"))
    code = manifest.get("filing_code") if isinstance(manifest.get("filing_code"), str) else None
    profile = manifest.get("profile") if isinstance(manifest.get("profile"), str) else None
    project_code = manifest.get("project_code")
    project_code = project_code if isinstance(project_code, str) else None
    if code is not None and (
        why := filing_code_problem(code, profile=profile, project_code=project_code)
    ):
        out.append(Problem("manifest.json", None, "filing_code", why))
    summary_code = _summary_code(folder)
    if code is not None and summary_code is not None and summary_code != code:
        out.append(
            Problem(
                "summary.csv",
                None,
                "filing_code",
                f"汇总表的备案编号 {summary_code!r} 与 manifest.json 的 {code!r} 不符"
                if summary_code
                else "汇总表未填备案编号",
            )
        )
    basis = area_basis or manifest.get("area_basis") or "ellipsoidal"
    if basis not in AREA_BASES:
        out.append(Problem("manifest.json", None, "manifest", f"area_basis={basis!r} 无法识别"))
        basis = "ellipsoidal"
    txts = [rel for rel in present if rel.lower().endswith(".txt") and rel not in MANIFEST_FILES]
    contents: list[tuple[TxtContent, str | None]] = []
    plots: dict[str, int] = {}
    for rel in txts:
        try:
            problems, content, n = _check_one(
                folder / rel,
                filing_code=code,
                display=rel,
                profile=profile,
                project_code=project_code,
                area_basis=basis,
            )
        except DataSourceError as exc:
            problems, content, n = [Problem(rel, None, "not_coordtxt", str(exc))], None, 0
        out += problems
        plots[rel] = n
        if content is not None:
            role = next((r for r in ("demolition", "construction") if r in rel.split("/")), None)
            contents.append((content, role))
    out += _across(contents, against, basis, tolerance, whole_package=True)
    if manifest and not txts:
        out.append(Problem(str(folder), None, "no_txt", "包中没有坐标交换文件"))
    return VerifyReport(out, _summaries(out, plots))
