"""``landlink rules`` (the catalogue, or ``--markdown`` docs/rules.md) and ``landlink explain
RULE``."""

from __future__ import annotations

from pathlib import Path

import click

from ..base.profiles import PROFILE_NAMES
from ..io.atomic import write_text_atomic
from ..rules import REGISTRY
from ..rules.docs import explain_text, rules_markdown, rules_table
from .errors import fail, user_errors
from .options import language, profile_option

DEFAULT_DOC = Path("docs") / "rules.md"


@click.command("rules")
@language("zh", "Language of the titles.")
@profile_option("Show only this profile's severities.")
@click.option(
    "--markdown",
    "markdown",
    is_flag=False,
    flag_value=str(DEFAULT_DOC),
    default=None,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the rule documentation as Markdown (default path docs/rules.md; '-' for stdout).",
)
def rules_cmd(lang: str, profile: str | None, markdown: Path | None) -> None:
    """List every rule: ID, severity under each profile (off = disabled), title."""

    if markdown is not None:
        text = rules_markdown()
        if str(markdown) == "-":
            click.echo(text, nl=False)
        else:
            with user_errors(f"writing {markdown}"):
                write_text_atomic(markdown, text)
            click.echo(f"→ {markdown}")
        return
    names = [profile] if profile else list(PROFILE_NAMES)
    click.echo(f"{'ID':<8} " + " ".join(f"{n:<8}" for n in names) + " title")
    for row in rules_table(lang):
        click.echo(
            f"{row['id']:<8} " + " ".join(f"{row[n]:<8}" for n in names) + f" {row['title']}"
        )


@click.command("explain")
@click.argument("rule_id")
@language("zh", "Language of the explanation.")
def explain_cmd(rule_id: str, lang: str) -> None:
    """Explain one rule: purpose, parameters, reference and an example."""

    r = REGISTRY.get(rule_id.strip().upper())
    if r is None:
        fail(f"unknown rule ID {rule_id!r}; run `landlink rules` for the list")
    click.echo(explain_text(r, lang))
