"""``landlink check PROJECT.toml [-o OUT.gpkg] [--report] [--xlsx]``; several projects or a
folder: a batch."""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from pathlib import Path

import click

from ..batch import (
    batch_inputs,
    find_projects,
    parse_projects,
    run_batch,
    write_batch_summary,
)
from ..engine.dask_engine import dask_engine
from ..outputs.batch_summary import status_label
from ..outputs.outputs import WRITERS, default_output, write_outputs
from ..outputs.summary import summary_text
from ..project.file import load_project
from ..run.runner import check
from .errors import fail, say_error, user_errors
from .options import configure_logging, engine_options, lang_option, profile_option, verbosity

logger = logging.getLogger(__name__)


class _DelayedProgress:
    """A rich progress display on stderr that appears only when a run takes longer than ``delay``
    s, and only on a terminal (a log file or a script's pipe gets no progress lines)."""

    def __init__(self, total: int, label: str, *, enabled: bool, delay: float = 0.8):
        self.enabled = enabled and sys.stderr.isatty()
        self.total, self.label, self.delay = total, label, delay
        self.progress = None
        self.task = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._done = 0
        self._desc = label

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        with self._lock:
            if self.progress is not None or self._timer is None:
                return
            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self.task = self.progress.add_task(self._desc, total=self.total, completed=self._done)
            self.progress.start()

    def __enter__(self) -> _DelayedProgress:
        if self.enabled:
            self._timer = threading.Timer(self.delay, self._start)
            self._timer.daemon = True
            self._timer.start()
        return self

    def advance(self, description: str | None = None) -> None:
        """One step done; ``description`` names the next one."""
        with self._lock:
            self._done += 1
            self._desc = description or self._desc
            if self.progress is not None:
                self.progress.update(self.task, completed=self._done, description=self._desc)

    def __exit__(self, *exc) -> None:
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        if self.progress is not None:
            self.progress.stop()


def _split(value: str | None) -> list[str] | None:
    return [s.strip() for s in value.split(",") if s.strip()] if value else None


@click.command("check")
@click.argument("project_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Filing GeoPackage to write (default: PROJECT_checked.gpkg beside the TOML); with several projects: the output folder.",  # noqa: E501
)
@profile_option()
@click.option("--rules", "select", help="Run only these rule IDs/prefixes, comma-separated.")
@click.option("--ignore", help="Skip these rule IDs/prefixes, comma-separated.")
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    help="The previously approved plan (its checked GeoPackage) for the plan-adjustment rules ADJ001–ADJ005 (default: the project's latest plan in its [ledger]).",  # noqa: E501
)
@click.option(
    "--repair",
    is_flag=True,
    help="Repair invalid plot polygons (make_valid, structure method); GEOM001 records each repair.",
)
@click.option(
    "--report",
    is_flag=True,
    help="Also write the self-contained HTML report beside the GeoPackage (same name, .html).",
)
@click.option(
    "--xlsx",
    is_flag=True,
    help="Also write the Excel summary beside the GeoPackage (same name, .xlsx).",
)
@click.option(
    "--with",
    "extra_outputs",
    multiple=True,
    type=click.Choice(sorted(k for k in WRITERS if k != "gpkg")),
    help="Also write this output beside the GeoPackage (any output of the writer table; repeatable).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="Parallel worker processes for several projects.",
)
@click.option(
    "--shared-reads",
    is_flag=True,
    help="Batch: read each county reference layer once for all projects (faster when the projects overlap the same area; slower for many small, scattered projects).",  # noqa: E501
)
@engine_options
@lang_option
@verbosity
def check_cmd(
    project_files: tuple[Path, ...],
    output: Path | None,
    profile,
    select,
    ignore,
    previous,
    repair,
    report,
    xlsx,
    extra_outputs,
    workers,
    shared_reads,
    engine,
    scheduler,
    lang,
    verbose,
    quiet,
) -> None:
    """Check one project and write the filing GeoPackage (and on request the report and xlsx).

    Several project files, or a folder of them, are checked as a batch: each in a worker
    process, a project that cannot be read is recorded and skipped, and a summary
    (batch_summary.csv and batch_summary.html) is written to the output folder (-o, default:
    the current folder). Exit code of a batch: the worst of its projects.
    """
    configure_logging(verbose, quiet)
    if scheduler and engine != "dask":
        fail(
            "--scheduler names the dask scheduler of --engine dask; add --engine dask or leave "
            "--scheduler out"
        )
    options = {
        "profile": profile,
        "rules": _split(select),
        "ignore": _split(ignore) or (),
        "lang": lang,
        "repair": repair,
    }
    kinds = list(
        dict.fromkeys(
            [*(k for k, wanted in (("report", report), ("xlsx", xlsx)) if wanted), *extra_outputs]
        )
    )
    if len(project_files) > 1 or project_files[0].is_dir():
        if previous is not None:
            fail(
                "--previous names the previous plan of one project; check the projects of a batch "
                "one by one to use it"
            )
            return
        _batch(
            project_files,
            output,
            {**options, "engine": engine, "scheduler": scheduler},
            kinds=kinds,
            workers=workers,
            shared_reads=shared_reads,
            quiet=quiet,
        )
        return
    project_file = project_files[0]
    out = output or default_output(project_file)
    result = None
    try:
        with (
            user_errors(f"checking {project_file}"),
            _DelayedProgress(
                2 + len(kinds), f"checking {project_file.name}", enabled=not quiet
            ) as bar,
        ):
            project = load_project(project_file)  # parsed once, handed on
            with dask_engine(scheduler) if engine == "dask" else contextlib.nullcontext():
                # findings to disk as the rules make them; the GeoPackage is written from there
                result = check(project, previous=previous, spool=True, **options)
            extra = [previous] if previous is not None else []
            written = list(
                write_outputs(result, out, kinds, on_step=bar.advance, protected=extra).values()
            )
            bar.advance("done")
        if not quiet:
            click.echo(summary_text(result, lang=result.lang))
            for path in written:
                click.echo(f"→ {path}")
    finally:
        spool = getattr(result, "findings_spool", None)
        if spool is not None:  # outputs written, summary printed: the spool's files go now
            spool.close()
    sys.exit(result.exit_code)


def _batch(
    paths,
    output: Path | None,
    options: dict,
    *,
    kinds: list[str],
    workers: int,
    shared_reads: bool,
    quiet: bool,
) -> None:
    projects = find_projects(paths)
    if not projects:
        folders = [p for p in map(Path, paths) if p.is_dir()]
        if options.get("lang") == "en":
            hint = (
                f"; to write one from the layers there, run: landlink init {folders[0]}"
                if folders
                else ""
            )
            fail(
                "no project files (*.toml with a [project] table) found in "
                f"{', '.join(map(str, paths))}{hint}"
            )
        else:
            hint = (
                f"；可运行 landlink init {folders[0]} 根据其中的图层生成项目文件" if folders else ""
            )
            fail(f"{'、'.join(map(str, paths))} 中没有项目文件（含 [project] 的 *.toml）{hint}")
        return
    if output is not None and output.suffix.lower() == ".gpkg":
        fail(f"{output}: with several projects -o names an output folder, not a .gpkg file")
        return
    parsed = parse_projects(projects)  # each project file is parsed once for the whole batch
    with user_errors(f"checking {len(projects)} projects"):
        with _DelayedProgress(
            len(projects), f"checking {len(projects)} projects", enabled=not quiet
        ) as bar:
            summary = run_batch(
                projects,
                parsed=parsed,
                out_dir=output,
                workers=workers,
                outputs=kinds,
                shared_reads=shared_reads,
                on_done=lambda row: bar.advance(Path(row["project_file"]).name),
                **options,
            )
        csv_path, html_path = write_batch_summary(
            summary,
            output or Path("."),
            lang=options.get("lang") or "zh",
            protected=batch_inputs(parsed),
        )
    if not quiet:
        lang = options.get("lang") or "zh"
        for row in summary.itertuples():  # each project's verdict first
            counts = (
                ""
                if row.status == "failed"
                else (
                    f"（错误 {row.errors} 条，警告 {row.warnings} 条）"
                    if lang == "zh"
                    else f" errors {row.errors}, warnings {row.warnings}"
                )
            )
            note = f": {row.message}" if row.status == "failed" else ""
            click.echo(f"{status_label(row.status, lang)}  {row.project_file}{counts}{note}")
        click.echo(f"→ {csv_path}\n→ {html_path}")
    for row in summary.itertuples():
        if row.status == "failed":
            say_error(f"{row.project_file}: {row.message}")
    sys.exit(int(summary["exit_code"].max()))
