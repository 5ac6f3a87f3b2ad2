"""``landlink ledger …``: the county ledger (台账) — init, add, status, quota, list, export,
report."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import click

from ..io.atomic import refuse_protected
from ..ledger import init_ledger, open_ledger
from ..ledger.report import (
    export_ledger,
    labelled,
    ledger_guard,
    monthly_report,
    write_monthly_xlsx,
)
from .errors import fail, user_errors
from .options import configure_logging, force_option, language, reason_option, verbosity

logger = logging.getLogger(__name__)

_UNITS = {"m2": 1.0, "hm2": 10000.0, "mu": 10000.0 / 15.0}


def _run(func, *args, **kwargs):
    """``func(*args, **kwargs)``; its errors (``ValueError`` included) as message and exit 2."""
    with user_errors(also=(ValueError,)):
        return func(*args, **kwargs)


def _date(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _open(location: str):

    return _run(open_ledger, location)


def _echo_table(frame, lang: str = "en") -> None:
    import pandas as pd

    with pd.option_context(
        "display.max_rows",
        500,
        "display.max_columns",
        30,
        "display.width",
        200,
        "display.float_format",
        "{:.2f}".format,
    ):
        empty = "（无）" if lang == "zh" else "(none)"
        click.echo(frame.to_string(index=False) if len(frame) else empty)


@click.group("ledger")
@click.option(
    "-L",
    "--ledger",
    "location",
    envvar="LANDLINK_LEDGER",
    help="The ledger: a .gpkg path or postgresql://…[?schema=NAME] URL (or set LANDLINK_LEDGER).",
)
@click.pass_context
def ledger_cmd(ctx, location) -> None:
    """The county ledger (台账) of every linkage project: a GeoPackage file or a postgresql:// URL.

    \b
    landlink ledger init ledger.gpkg --crs EPSG:4545
    landlink ledger -L ledger.gpkg add project_checked.gpkg
    landlink ledger -L ledger.gpkg status 511902-2021-004 CJ001 --set demolished --date 2022-04-01
    landlink ledger -L ledger.gpkg accept acceptance_checked.gpkg
    landlink ledger -L ledger.gpkg report --month 2022-04
    """
    ctx.obj = location


def _location() -> str:
    location = click.get_current_context().obj
    if not location:
        fail(
            "which ledger? give -L/--ledger PATH|URL before the subcommand, or set LANDLINK_LEDGER"
        )
    return location


@ledger_cmd.command("init")
@click.argument("location")
@click.option(
    "--crs",
    required=True,
    help="CRS of the stored plots, e.g. EPSG:4545 (the county's CGCS2000 zone).",
)
@verbosity
def init_cmd(location, crs, verbose, quiet):
    """Create a new ledger at LOCATION (.gpkg path or postgresql://…[?schema=NAME])."""

    configure_logging(verbose, quiet)
    ledger = _run(init_ledger, location, crs=crs)
    click.echo(f"created ledger {ledger.location} ({crs})")


@ledger_cmd.command("add")
@click.argument("checked", type=click.Path(path_type=Path))
@force_option("Register despite error findings or overlaps (needs --reason).")
@reason_option("Why a refused project is registered anyway (recorded).")
@verbosity
def add_cmd(checked, force, reason, verbose, quiet):
    """Register a checked project (CHECKED.gpkg from `landlink check`) in the ledger.

    Exit 1 when refused (error findings, or plots already used by another project).
    """
    configure_logging(verbose, quiet)
    ledger = _open(_location())
    result = _run(ledger.add_checked, checked, force=force, reason=reason)
    click.echo(result.message)
    if len(result.overlaps):
        _echo_table(result.overlaps.drop(columns="geometry").round({"area_m2": 2}))
    sys.exit(1 if result.status == "refused" else 0)


@ledger_cmd.command("status")
@click.argument("project")
@click.argument("plots", nargs=-1)
@click.option(
    "--set",
    "state",
    required=True,
    help="New state: demolition approved/demolished/reclaimed/accepted; construction approved/built/confirmed; project (no PLOTS) accepted/filed.",  # noqa: E501
)
@click.option(
    "--date", "date", required=True, callback=_date, help="Date of the change (YYYY-MM-DD)."
)
@click.option(
    "--layer",
    type=click.Choice(["demolition", "construction"]),
    help="Layer of the plots when an id is in both.",
)
@click.option("--note", help="A note kept with the event.")
@verbosity
def status_cmd(project, plots, state, date, layer, note, verbose, quiet):
    """Record a status change of PLOTS of PROJECT (no PLOTS: the project itself); all or nothing."""
    configure_logging(verbose, quiet)
    ledger = _open(_location())
    n = _run(ledger.set_status, project, list(plots), state, date, layer=layer, note=note)
    click.echo(
        f"{project}: recorded '{state}' on {date} for {n} {'plot(s)' if plots else 'project'}"
    )


@ledger_cmd.command("accept")
@click.argument("checked", type=click.Path(path_type=Path))
@force_option("Record despite a check that must be fixed or is incomplete (needs --reason).")
@reason_option("Why a refused acceptance is recorded anyway (recorded).")
@verbosity
def accept_cmd(checked, force, reason, verbose, quiet):
    """Record a project's acceptance from its acceptance check (CHECKED.gpkg of a project with
    stage = "acceptance"): plots passing ACC001 and ACC004 accepted, turnover quota returned,
    surplus quota generated (ACC005), the acceptance date (TIME004's clock)."""
    configure_logging(verbose, quiet)
    ledger = _open(_location())
    result = _run(ledger.accept_checked, checked, force=force, reason=reason)
    click.echo(result.message)


@ledger_cmd.command("quota")
@click.argument("project")
@click.option(
    "--record",
    "kind",
    type=click.Choice(["advanced", "traded", "lent", "returned", "generated", "drawn"]),
    help="Record an advance or a trade (omit to show the account). Lent, returned, generated "
    "and drawn quota come from checks and are refused.",
)
@click.option("--area", type=float, help="Area of the event.")
@click.option("--unit", type=click.Choice(list(_UNITS)), default="m2", show_default=True)
@click.option("--date", "date", callback=_date, help="Date of the event (YYYY-MM-DD).")
@click.option("--counterpart", help="Buyer / counterpart (traded).")
@click.option("--price", type=float, help="Price in yuan (total).")
@click.option("--note")
@click.option("--at", "at", callback=_date, help="Show the account as of this date.")
@verbosity
def quota_cmd(project, kind, area, unit, date, counterpart, price, note, at, verbose, quiet):
    """Show PROJECT's quota account, or record an advance or a trade."""
    configure_logging(verbose, quiet)
    ledger = _open(_location())
    if kind:
        if area is None or date is None:
            fail("--record needs --area and --date")
        _run(
            ledger.record_quota,
            project,
            kind,
            area * _UNITS[unit],
            date,
            counterpart=counterpart,
            price_yuan=price,
            note=note,
        )
        click.echo(f"{project}: recorded {kind} {area:.2f} {unit} on {date}")
    acc = _run(ledger.quota_account, project, at)
    limit = _run(ledger.advance_limit, project)
    facts = _run(ledger.project_figures, project)
    accepted = _run(ledger.accepted_dates).get(project)
    lent_from = {
        "issued": "the issued turnover_quota_m2",
        "construction": "the construction area (no turnover_quota_m2 issued)",
    }.get(facts.get("turnover_source"), "")
    click.echo(f"quota account of {project}" + (f" on {at}" if at else "") + " (m²):")
    surplus = facts.get("surplus_m2")
    click.echo(
        "  planned surplus (quota basis − construction)      "
        + (f"{surplus:>14.2f}" if surplus is not None and surplus == surplus else "       unknown")
    )
    click.echo(
        "  accepted                                          "
        + (f"{accepted!s:>14}" if accepted else "            no")
    )
    balance = (
        "surplus available (generated − traded − drawn)"
        if acc.accepted
        else "surplus available (advanced − traded)"
    )
    for label, value in (
        ("turnover lent", acc.lent),
        ("turnover returned", acc.returned),
        ("turnover outstanding", acc.turnover_outstanding),
        ("surplus generated (at acceptance)", acc.generated),
        ("advanced", acc.advanced),
        ("traded", acc.traded),
        ("drawn by construction-only plans", acc.drawn),
        (balance, acc.surplus_balance),
        ("advance limit (30 % rule)", limit),
        ("traded value (yuan)", acc.traded_value_yuan),
    ):
        click.echo(f"  {label:<50} {value:>14.2f}")
    if lent_from:
        click.echo(f"  (turnover lent: {lent_from})")


@ledger_cmd.command("list")
@click.option("--all-versions", is_flag=True, help="Every plan version, not only the latest.")
def list_cmd(all_versions):
    """List the registered projects with their state."""
    ledger = _open(_location())
    projects = _run(ledger.projects, all_versions=all_versions)
    states = _run(ledger.states)
    proj_state = states[states["layer"] == ""].set_index("project_code")["state"]
    projects = projects.assign(state=projects["code"].map(proj_state))
    accepted = _run(ledger.accepted_dates)
    projects = projects.assign(accepted=projects["code"].map(accepted))
    cols = [
        "code",
        "version",
        "name",
        "kind",
        "state",
        "approved",
        "accepted",
        "basis_m2",
        "construction_m2",
        "surplus_m2",
        "turnover_m2",
        "error_count",
        "forced",
        "reason",
    ]
    _echo_table(projects[cols])


@ledger_cmd.command("export")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="GeoPackage to write (demolition, resettlement and urban ledgers as separate layers).",
)
@click.option(
    "--xlsx",
    type=click.Path(path_type=Path),
    help="Excel workbook to write (one sheet per ledger).",
)
@language(
    "zh",
    help="Language of the workbook's sheets, headers and words (the GeoPackage keeps the codes).",
)
def export_cmd(output, xlsx, lang):
    """Export the ledger as GeoPackage and/or xlsx."""

    if output is None and xlsx is None:
        fail("give -o OUT.gpkg and/or --xlsx OUT.xlsx")
    ledger = _open(_location())
    for path in _run(export_ledger, ledger, output, xlsx, lang=lang):
        click.echo(f"→ {path}")


@ledger_cmd.command("report")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--xlsx", type=click.Path(path_type=Path), help="Also write the report as xlsx.")
@language("zh", help="Language of the printed report and the workbook.")
def report_cmd(month, xlsx, lang):
    """Monthly progress figures for online filing (m², 公顷, 亩) and acceptances of the month."""

    ledger = _open(_location())
    if xlsx:  # refuse a bad output before printing anything
        _run(refuse_protected, xlsx, ledger_guard(ledger))
    figures, acceptances = _run(monthly_report, ledger, month)
    zh = lang == "zh"
    click.echo(
        f"{'增减挂钩月度进展报表' if zh else 'monthly progress report'} {month} — {ledger.location}"
    )
    _echo_table(labelled(figures, lang), lang)
    click.echo(
        "\n本月验收的项目区（验收后 10 个工作日内在线报备）："
        if zh
        else "\nprojects accepted this month (filing due within 10 working days):"
    )
    _echo_table(labelled(acceptances, lang), lang)
    if xlsx:
        _run(write_monthly_xlsx, figures, acceptances, xlsx, ledger=ledger, lang=lang)
        click.echo(f"→ {xlsx}")
