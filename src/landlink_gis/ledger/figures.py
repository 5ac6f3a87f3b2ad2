"""The figures the ledger keeps from a check: read by name from its ``balance`` table.

``ledger add`` keeps a plan's quota basis, construction, surplus, turnover quota lent and the
farmland it adds and occupies; ``ledger accept`` keeps the accepted account (ACC005). Each amount
is rounded half up to 0.01 m² once, here, so every figure the ledger shows for a project is the
check's figure as printed (DOMAIN.md §4b *The quota account*).
"""

from __future__ import annotations

import logging
from typing import Any

from ..base.amounts import centi, from_centi
from .checked import CheckedProject
from .errors import LedgerError

logger = logging.getLogger(__name__)

__all__ = ["ACCEPTANCE_ITEMS", "acceptance_figures", "plan_figures"]

#: ACC005's rows of the ``balance`` table (DOMAIN.md §4b, HELPERS balance items).
ACCEPTANCE_ITEMS: tuple[str, ...] = (
    "accepted_basis",
    "surplus_generated",
    "turnover_returned",
    "accepted_newly_added_cultivated",
    "accepted_newly_added_paddy",
    "accepted_quality",
)


def _m2(value: float | None) -> float | None:
    return from_centi(centi(value))


def plan_figures(project: CheckedProject) -> dict[str, Any]:
    """The columns ``ledger add`` stores for a plan (``ll_projects``), in m² to 0.01 m².

    ``basis_m2`` and ``surplus_m2`` are None when the check could not measure the quota basis
    (the surplus is then unknown). The turnover quota lent is the issued ``turnover_quota_m2``,
    else the construction area (``turnover_source`` says which; a construction-only plan lends
    none). The newly added farmland is read from the ``newly_added_*`` rows; a file written before
    those rows existed gives today's reclaimed figures instead (``newly_added_source`` =
    ``reclaimed``).
    """
    facts = project.facts
    construction = project.figure("construction_area")
    if construction is None:
        construction = project.construction_m2
    demolition = project.figure("demolition_area")
    if demolition is None:
        demolition = project.demolition_m2
    basis_c = centi(facts.get("quota_basis_m2"))
    con_c = centi(construction)
    construction_only = facts.get("kind") == "construction_only"
    surplus_c = None
    if basis_c is not None and con_c is not None:
        # the check's own figure, as it printed it (basis − construction before rounding)
        shown = centi(project.figure("surplus_quota"))
        surplus_c = shown if shown is not None else basis_c - con_c
    issued = facts.get("turnover_quota_m2")
    if construction_only:
        turnover, turnover_source = None, None
    elif issued is not None:
        turnover, turnover_source = _m2(float(issued)), "issued"
    else:
        turnover, turnover_source = from_centi(con_c), "construction"
    if project.figure("newly_added_cultivated") is not None:
        added = ("newly_added_cultivated", "newly_added_paddy", "newly_added_quality")
        added_source = "newly_added"
    else:
        added = ("reclaimed_cultivated", "reclaimed_paddy", "reclaimed_quality")
        added_source = "reclaimed" if project.figure("reclaimed_cultivated") is not None else None
        if added_source:
            logger.info(
                "%s: no newly_added_* balance rows (an older check): the ledger keeps its "
                "reclaimed farmland as newly added",
                project.source,
            )
    return {
        "demolition_m2": None if construction_only else _m2(demolition),
        "construction_m2": from_centi(con_c),
        "surplus_m2": from_centi(surplus_c),
        "stage": project.stage,
        "kind": str(facts.get("kind") or "linkage"),
        "verdict": project.verdict,
        "basis_m2": from_centi(basis_c),
        "turnover_m2": turnover,
        "turnover_source": turnover_source,
        "newly_added_cultivated_m2": _m2(project.figure(added[0])),
        "newly_added_paddy_m2": _m2(project.figure(added[1])),
        "newly_added_quality": project.grade(added[2]),
        "newly_added_source": added_source,
        "occupied_cultivated_m2": _m2(project.figure("occupied_cultivated")),
        "occupied_paddy_m2": _m2(project.figure("occupied_paddy")),
        "occupied_quality": project.grade("occupied_quality"),
    }


def acceptance_figures(project: CheckedProject) -> dict[str, Any]:
    """ACC005's accepted account of an acceptance check, in 0.01 m² (grade as a number).

    Raises
    ------
    LedgerError
        The check has no ACC005 rows (it is not an acceptance check, or ACC005 did not run).
    """
    missing = [i for i in ACCEPTANCE_ITEMS[:3] if project.figure(i) is None]
    if missing:
        raise LedgerError(
            f"{project.source}: the balance table has no {', '.join(missing)} row (ACC005); "
            'check the project again with [project] stage = "acceptance" and its survey_after '
            "layer, without ignoring ACC005"
        )
    return {
        "accepted_basis": centi(project.figure("accepted_basis")),
        "surplus_generated": centi(project.figure("surplus_generated")),
        "turnover_returned": centi(project.figure("turnover_returned")),
        "newly_added_cultivated": centi(project.figure("accepted_newly_added_cultivated")),
        "newly_added_paddy": centi(project.figure("accepted_newly_added_paddy")),
        "quality": project.grade("accepted_quality"),
    }
