"""The verdict of a check (DOMAIN.md §4b): 可以报备, 须整改 or 检查不完整，暂不能报备.

``fileable`` only when every check that filing requires ran and no finding is an error;
``must_fix`` when any finding is an error; ``incomplete`` when none is, but a required check did
not run (a missing layer, raster, fact or ledger, or a rule ignored or left out: the list of
:func:`landlink_gis.rules.filing_gaps`, which CHK001 reports). Exit codes still count errors
only, so ``incomplete`` exits 0; its words never contain 可以报备, and everything that files or
registers a check (``landlink package``, ``ledger add``, ``ledger accept``) refuses it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..base.contract import VERDICTS, verdict_of

__all__ = ["decide", "verdict_fields", "verdict_of"]


def decide(findings: pd.DataFrame, gaps: list[str]) -> str:
    """The verdict code from the findings and what filing required that did not run."""
    if len(findings) and (findings["severity"] == "error").any():
        return "must_fix"
    return "incomplete" if gaps else "fileable"


def verdict_fields(code: str, gaps: list[str], lang: str) -> dict[str, Any]:
    """The ``run_info`` keys of a verdict: ``verdict`` (code), ``verdict_text`` (in ``lang``) and
    ``verdict_missing`` (what did not run, in ``lang``; empty when complete)."""
    zh, en = VERDICTS[code]
    return {
        "verdict": code,
        "verdict_text": zh if lang == "zh" else en,
        "verdict_missing": list(gaps),
    }
