"""``landlink rules`` and ``landlink explain RULE``."""

from __future__ import annotations

import click

from ..errors import ProjectFileError


@click.command("rules")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
def rules_cmd(lang: str) -> None:
    """List every rule: ID, default severity and title."""
    from ..rules import sorted_rules

    for r in sorted_rules():
        click.echo(f"{r.id:<8} {r.severity:<8} {r.title(lang)}")


@click.command("explain")
@click.argument("rule_id")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
def explain_cmd(rule_id: str, lang: str) -> None:
    """Explain one rule: purpose, parameters, reference and an example."""
    from ..rules import REGISTRY

    r = REGISTRY.get(rule_id.strip().upper())
    if r is None:
        raise click.ClickException(str(ProjectFileError(f"unknown rule ID {rule_id!r}; run `landlink rules` for the list")))
    click.echo(f"{r.id} — {r.title(lang)} ({r.name}, default severity {r.severity})")
    click.echo(f"\n{r.purpose}")
    if r.params:
        click.echo("\nParameters:")
        for p in r.params:
            click.echo(f"  {p.name} = {p.default!r}  — {p.doc}")
    click.echo(f"\nReference: {r.reference}")
    if r.example:
        click.echo(f"Example: {r.example}")
