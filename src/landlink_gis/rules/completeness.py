"""CHK001: the checks that filing requires and that did not run (DOMAIN.md §4b *Verdict*).

What filing requires is one list of typed requirements per plan kind
(:data:`landlink_gis.rules._requires.FILING_BASE`, a profile may add to it); a rule ignored in the
TOML or left out by a selection counts as not run. The verdict of the run stage reads the same
list (:func:`landlink_gis.rules._requires.filing_gaps`), so CHK001 and the verdict never disagree.
"""

from __future__ import annotations

from ..base.findings import make
from ..load.context import CheckContext
from ._citations import MONITORING_2014
from ._registry import rule
from ._requires import filing_gaps

__all__: list[str] = []


@rule(
    "CHK001",
    name="completeness.filing_checks",
    severity="warning",
    title=("报备所需的检查未全部完成", "Checks that filing requires did not run"),
    message=(
        "检查不完整，暂不能报备：{missing_zh}",
        "Check incomplete, not ready to file: {missing_en}",
    ),
    reference=f"{MONITORING_2014} 二(一) 确保报备信息完整、准确",
    example="a linkage project without a basic-farmland layer: PLAN001 did not run",
)
def filing_checks(ctx: CheckContext):
    """Lists, in one finding, every input that filing requires and the project lacks (a layer,
    a raster, a project fact, the ledger) with the rules that therefore did not run, and every rule
    ignored or left out. Filing requires, for a linkage plan, the land-survey layer (with its
    land class), ``compensation``, ``basic_farmland``, ``ecological_redline``,
    ``development_boundary``, ``boundary``, other projects (the ``ledger`` layer or ``[ledger]``),
    the ``approved`` date, and a DEM or slope raster where a demolition plot is to be reclaimed
    to cultivated land; for a construction-only plan the same without ``compensation`` and the
    DEM, with ``[ledger]`` holding its ``[[quota_sources]]``. A profile's ``[filing] requires``
    adds to the list. While CHK001 stands the verdict is 检查不完整，暂不能报备, never 可以报备."""
    zh = filing_gaps(ctx, "zh")
    if not zh:
        return None
    return make(
        layer="project",
        plot_id="",
        measured=float(len(zh)),
        unit="",
        missing_zh="；".join(zh),
        missing_en="; ".join(filing_gaps(ctx, "en")),
        crs=ctx.crs,
    )
