"""``landlink``: the command group. One module per subcommand."""

from __future__ import annotations

import click

from .. import __version__
from .check import check_cmd
from .coordtxt import export_txt_cmd
from .init import init_cmd
from .ledger import ledger_cmd
from .package import package_cmd
from .rules import explain_cmd, rules_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="landlink")
def cli() -> None:
    """Check land-linkage projects (城乡建设用地增减挂钩项目区) before filing.

    Exit codes: 0 no error findings, 1 error findings, 2 the inputs could not be checked.
    """


cli.add_command(check_cmd)
cli.add_command(export_txt_cmd)
cli.add_command(rules_cmd)
cli.add_command(explain_cmd)
cli.add_command(ledger_cmd)
cli.add_command(package_cmd)
cli.add_command(init_cmd)

if __name__ == "__main__":  # pragma: no cover
    cli()
