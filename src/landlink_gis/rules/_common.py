"""Helpers every rule family shares, in one place (no rule family imports another).

The overlap tolerance parameter, the printable ids of a reference layer's features, a list of
plot ids as a message names them, and the area column of an overlay result by the project's area
method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ..load.context import CheckContext

__all__ = ["CHUNK_PLOTS", "TOLERANCE", "ids_text", "measure", "reference_ids"]

#: Plots whose findings a rule that makes many (the overlap rules, PLAN004) makes and yields
#: together: a county's findings are found, measured and spooled a piece at a time, so their
#: geometry is never all held at once (the pieces, in order, are the findings of the whole layer).
CHUNK_PLOTS = 100_000

#: plot ids a message names at most before 「等 N 块」
MAX_IDS = 10

#: the shared ``overlap_tolerance_m2`` parameter declaration of the overlap rules
TOLERANCE = {
    "overlap_tolerance_m2": (
        1.0,
        "overlaps smaller than this (m²) are ignored as digitising slivers",
    )
}

#: Id fields tried for reference layers (compensation, ledger, illegal land …)
_REF_ID_FIELDS = ("DKBH", "BSM", "TBBH", "XMBH", "WFBH", "id", "ID")


def reference_ids(ctx: CheckContext, role: str) -> np.ndarray:
    """Printable ids of the features of a reference layer (``#n`` where a feature has none)."""
    frame = ctx.raw[role]
    ids = ctx.attributes(role)["plot_id"].to_numpy(dtype=object)
    if all(v is None for v in ids):
        for name in _REF_ID_FIELDS:
            if name in frame.columns:
                ids = frame[name].astype(str).to_numpy(dtype=object)
                break
    out = np.asarray(ids, dtype=object).copy()
    blank = np.array([v is None or str(v).strip() in ("", "None", "nan") for v in out], dtype=bool)
    out[blank] = ["#" + str(n) for n in ctx.attributes(role)["fid"].to_numpy()[blank]]
    return out


def measure(ctx: CheckContext, frame: pd.DataFrame) -> np.ndarray:
    """The area column of an overlay result by the project's area method."""
    return frame[ctx.area_column].to_numpy(dtype=float)


def ids_text(ids) -> str:
    """Plot ids as a Chinese message lists them: the first :data:`MAX_IDS`, then 「等 N 块」."""
    ids = [str(i) for i in ids]
    return "、".join(ids[:MAX_IDS]) + (f" 等 {len(ids)} 块" if len(ids) > MAX_IDS else "")
