"""The ``balance`` table's statuses, derived from the findings of the rules that ran.

A rule that judges a figure of the balance sheet (:mod:`landlink_gis.figures.balance`) declares
it (``@rule(..., judges=(Judges("construction_area", ...),))``, :class:`._registry.Judges`) and
marks its findings that decide about a figure (:func:`landlink_gis.base.findings.judgement`):
fail, "not checked", and where it says so in a finding either way, pass. The rules never write
into the sheet: after the rules, :func:`balance_statuses` derives each figure's ``rule_id`` and
``status`` from the rules that ran and their marks — a figure a rule judges passes when the rule
ran and none of its findings said otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from ..base.findings import JUDGED, read_judgement
from ._registry import Judges, Rule

__all__ = ["balance_statuses"]


def _defaults(judges: Iterable[Judges], sheet) -> dict[tuple[str, str], str]:
    """The figures ``judges`` pass by default on ``sheet``."""
    out: dict[tuple[str, str], str] = {}
    for j in judges:
        if j.needs and not any(sheet.get(n) is not None for n in j.needs):
            continue
        for f in sheet.figures:
            if f.key != j.figure or not (j.every_scope or f.scope == "project"):
                continue
            if j.measured and f.unmeasured:
                continue
            out[(f.key, f.scope)] = "pass"
    return out


def balance_statuses(
    sheet, marks: pd.DataFrame, rules: Sequence[Rule]
) -> dict[tuple[str, str], tuple[str, str]]:
    """The rule and status of each judged figure of ``sheet``: ``{(key, scope): (rule_id,
    status)}``.

    Parameters
    ----------
    sheet
        The project's :class:`~landlink_gis.figures.balance.BalanceSheet`.
    marks
        ``rule_id`` and ``judged`` of every marked finding of the check, in order
        (:func:`landlink_gis.base.findings.split_judged`).
    rules
        The rules the check ran (:class:`~._registry.Rule`), in the order it ran them: where
        two judge one figure, the later one's outcome stands. A rule whose finding judges
        nothing at all (``not judged`` naming no figure: its requirements were missing, or it
        crashed) did not judge.

    Returns
    -------
    dict
        A figure judged by a rule that ran: ``fail`` or ``not checked`` where a finding of it says
        so, else ``pass``; figures no rule judged are absent.
    """
    by_rule: dict[str, list] = {}
    for rid, mark in zip(marks["rule_id"], marks[JUDGED], strict=True):
        judged = read_judgement(mark)
        if judged is not None:
            by_rule.setdefault(str(rid), []).append(judged)
    present = {(f.key, f.scope) for f in sheet.figures}
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for rule in rules:
        rid = rule.id
        judged = by_rule.get(rid, [])
        if any(outcome == "not judged" and not figures for outcome, figures in judged):
            continue  # the rule did not run (or did not finish)
        mine = _defaults(rule.judges, sheet)
        for outcome, figures in judged:
            for fig in figures:
                if outcome == "not judged":
                    mine.pop(fig, None)
                else:
                    mine[fig] = outcome
        out.update({fig: (rid, status) for fig, status in mine.items() if fig in present})
    return out
