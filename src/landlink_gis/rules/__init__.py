"""The rule catalogue: importing this package registers every rule of DOMAIN.md §4.

One module per rule family; each registers its rules with :func:`._registry.rule`.
"""

from . import (  # noqa: F401  (registration side effect)
    acceptance,
    adjustments,
    attributes,
    balance,
    completeness,
    crs,
    geometry,
    ledger,
    overlaps,
    planning,
    quota_sources,
    survey,
    time,
)
from ._judges import balance_statuses
from ._registry import REGISTRY, Judges, Param, Rule, all_params, get_rule, sorted_rules
from ._requires import Requirement, filing_gaps, filing_requirements, parse_requirements

__all__ = [
    "REGISTRY",
    "Judges",
    "Param",
    "Requirement",
    "Rule",
    "all_params",
    "balance_statuses",
    "filing_gaps",
    "filing_requirements",
    "get_rule",
    "parse_requirements",
    "sorted_rules",
]
