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

#: Plots whose findings a rule that makes many (the overlap rules, PLAN004, PLAN005) makes and yields
#: together: a county's findings are found, measured and spooled a piece at a time, so their
#: geometry is never all held at once (the pieces, in order, are the findings of the whole layer).
CHUNK_PLOTS = 50_000

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


def reference_ids(ctx: CheckContext, role: str, positions: np.ndarray | None = None) -> np.ndarray:
    """Printable ids of the features of a reference layer (``#n`` where a feature has none).

    Parameters
    ----------
    ctx, role
        The context and the reference layer.
    positions
        Only these features' ids (feature positions), as ``reference_ids(ctx, role)[positions]``
        but without making a Python string for each of a land survey's millions of features.

    Returns
    -------
    numpy.ndarray
        Object array of ids.
    """
    attrs = ctx.attributes(role)
    ids, fid = attrs["plot_id"], attrs["fid"]
    if ids.isna().all():
        frame = ctx.raw[role]
        name = next((n for n in _REF_ID_FIELDS if n in frame.columns), None)
        if name is not None:
            ids = frame[name].astype(str)
    if positions is not None:
        ids, fid = ids.iloc[positions], fid.iloc[positions]
    text = ids.astype("string").str.strip()
    blank = (text.isna() | text.isin(["", "None", "nan"])).to_numpy(dtype=bool)
    out = ids.to_numpy(dtype=object).copy()
    out[blank] = ("#" + fid[blank].astype(str)).to_numpy(dtype=object)
    return out


def measure(ctx: CheckContext, frame: pd.DataFrame) -> np.ndarray:
    """The area column of an overlay result by the project's area method."""
    return frame[ctx.area_column].to_numpy(dtype=float)


def ids_text(ids) -> str:
    """Plot ids as a Chinese message lists them: the first :data:`MAX_IDS`, then 「等 N 块」."""
    ids = [str(i) for i in ids]
    return "、".join(ids[:MAX_IDS]) + (f" 等 {len(ids)} 块" if len(ids) > MAX_IDS else "")
