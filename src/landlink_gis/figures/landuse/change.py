"""The land-use structure table of a project (项目区土地利用结构调整表, rule BAL008).

For each land class, the area before and after the project on the two sides of a linkage
project:

* **demolition**: the classes the demolition plots stand on today (三调 classes by overlay when
  the project has a land-survey layer, else each plot's declared class) become the plot's class
  after reclamation (``reclaim_class``);
* **construction**: the classes under the new-construction plots become construction land:
  a resettlement plot (安置) becomes ``0702`` 农村宅基地, the farmers' new homesteads; any other
  plot (urban new construction, whose use the plan does not state) the construction group
  ``20`` 城镇村及工矿用地.

Areas use the project's area method (ellipsoidal by default), gross (the table shows land, not
quota, so 田坎 are not deducted). Rows are per village: the survey polygon's 坐落单位
(``ZLDWMC``), else its 权属单位 (``QSDWMC``), else — without a survey, or where the survey has
neither — the plot's declared owner (``owner``). The table is the ``landuse_change`` layer of the
output (an attribute table) and a sheet of the Excel summary.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...base.codes import class_name, normalise_code
from ...base.fields import blank
from ...engine.area import to_hectare, to_mu
from . import has_survey, survey_pairs

__all__ = [
    "CONSTRUCTION_CLASS",
    "LANDUSE_CHANGE_COLUMNS",
    "RESETTLEMENT_CLASS",
    "landuse_change_table",
]

#: Class the urban construction plots' land becomes: the construction group (城镇村及工矿用地).
CONSTRUCTION_CLASS: tuple[str, str] = ("20", "城镇村及工矿用地（建设用地）")
#: Class a resettlement plot's land becomes: the farmers' new homesteads (农村宅基地).
RESETTLEMENT_CLASS = "0702"
#: Columns of the ``landuse_change`` table.
LANDUSE_CHANGE_COLUMNS: tuple[str, ...] = (
    "side",
    "village",
    "land_class",
    "class_name",
    "before_m2",
    "after_m2",
    "change_m2",
    "before_ha",
    "after_ha",
    "change_ha",
    "before_mu",
    "after_mu",
    "change_mu",
)
_SUBTOTAL = "小计"


def _text(values) -> np.ndarray:
    """Stripped text of each value ("" for a blank), each distinct value made once."""
    out = np.asarray(values, dtype=object).copy()
    out[blank(out)] = ""
    codes, uniques = pd.factorize(out)
    return np.array([str(v).strip() for v in uniques] + [""], dtype=object)[codes]


def _or_blank(codes) -> np.ndarray:
    """Normalised land-class codes with "" for a missing one."""
    out = np.asarray(codes, dtype=object).copy()
    out[np.equal(out, None)] = ""
    return out


def _texts(ctx, role: str, field: str) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, texts)`` of a text field: ``texts[codes]`` is each feature's stripped text ("" for
    a blank), computed on the field's distinct values only."""
    codes, table = ctx.text_codes(role, field)
    return codes, _text(table)


def _pieces(ctx, role: str) -> dict[str, np.ndarray]:
    """Each piece of the plots of ``role`` (a plot's overlap with a land-survey polygon, or the
    plot itself without a survey): its plot position, village, current class and area.

    Text is coded, not held per piece (a county's survey pieces run to millions): ``village``
    indexes ``villages`` (the distinct village texts, sorted), ``before`` indexes
    ``before_table`` (the survey's distinct class values).
    """
    p_codes, p_text = _texts(ctx, role, "owner")  # the plot's own owner, per plot
    if has_survey(ctx):
        pairs = survey_pairs(ctx, role)
        li, rj = pairs["left"].to_numpy(), pairs["right"].to_numpy()
        sources = [
            _texts(ctx, "landuse", f) if ctx.has_field("landuse", f) else None
            for f in ("seat", "owner")
        ]
        before_codes, before_table = ctx.text_codes("landuse", "land_class")
        before = before_codes[rj]
        area = pairs[ctx.area_column].to_numpy(dtype=float)
    else:
        area = ctx.area(role).astype(float)
        li = np.flatnonzero(np.isfinite(area))
        rj, sources, area = None, [None, None], area[li]
        before_codes, before_table = ctx.text_codes(role, "land_class")
        before = before_codes[li]
    # one sorted vocabulary of the village texts of every source: the first non-blank of the
    # survey polygon's 坐落 (seat), its owner and the plot's own owner
    tables = [t for _, t in (s for s in sources if s is not None)] + [p_text]
    rank, villages = pd.factorize(np.concatenate(tables), sort=True)
    offsets = np.cumsum([0] + [len(t) for t in tables])
    village = (rank[offsets[-2] : offsets[-1]])[p_codes[li]] if len(li) else np.zeros(0, int)
    k = len(tables) - 2
    for source in reversed(sources):  # the earlier source wins where it is not blank
        if source is None:
            continue
        codes, text = source
        at = codes[rj]
        filled = (text != "")[at]
        village = np.where(filled, rank[offsets[k] : offsets[k + 1]][at], village)
        k -= 1
    return {
        "plot": li,
        "village": village,
        "villages": np.asarray(villages, dtype=object),
        "before": before,
        "before_table": before_table,
        "area": area,
    }


def _side(ctx, role: str) -> pd.DataFrame:
    """Long rows (village, class, before, after) of one side."""
    pieces = _pieces(ctx, role)
    plot = pieces["plot"]
    before_text = _or_blank(normalise_code(pieces["before_table"]))
    if role == "demolition":
        codes, table = ctx.text_codes(role, "reclaim_class")
        after_text, after = _or_blank(normalise_code(table)), codes[plot]
    else:
        kinds = ctx.attributes(role)["kind"].to_numpy(dtype=object)
        after_text = np.array([RESETTLEMENT_CLASS, CONSTRUCTION_CLASS[0]], dtype=object)
        after = np.where(kinds == "resettlement", 0, 1)[plot]
    village, villages, area = pieces["village"], pieces["villages"], pieces["area"]
    rows = _grouped(village, villages, pieces["before"], before_text, area, "before_m2").merge(
        _grouped(village, villages, after, after_text, area, "after_m2"),
        on=["village", "land_class"],
        how="outer",
    )
    rows = rows.fillna({"before_m2": 0.0, "after_m2": 0.0})
    rows["side"] = role
    return rows


def _grouped(
    village: np.ndarray,
    villages: np.ndarray,
    key: np.ndarray,
    key_text: np.ndarray,
    area: np.ndarray,
    name: str,
) -> pd.DataFrame:
    """``area`` summed by (village, class) as rows (village, land_class, ``name``), sorted by
    village then class; ``village`` indexes the sorted texts ``villages``, ``key`` indexes
    ``key_text`` (normalised class texts, not sorted, may repeat).

    Grouped on one integer per piece (sorted village rank, sorted class rank): the same groups,
    order and sums (pandas' summation, rows in order) as grouping the texts themselves, without
    a text per piece.
    """
    if not len(area):
        empty = pd.Series([], dtype=object)
        return pd.DataFrame(
            {"village": empty, "land_class": empty, name: pd.Series([], dtype=float)}
        )
    class_rank, classes = pd.factorize(np.asarray(key_text, dtype=object), sort=True)
    n = max(len(classes), 1)
    sums = pd.Series(area).groupby(village.astype(np.int64) * n + class_rank[key], sort=True).sum()
    at = sums.index.to_numpy()
    return pd.DataFrame(
        {
            "village": villages[at // n],
            "land_class": np.asarray(classes, dtype=object)[at % n],
            name: sums.to_numpy(),
        }
    )


def _finish(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    rows["change_m2"] = rows["after_m2"] - rows["before_m2"]
    for unit, conv in (("ha", to_hectare), ("mu", to_mu)):
        for what in ("before", "after", "change"):
            rows[f"{what}_{unit}"] = np.round(
                np.asarray(conv(rows[f"{what}_m2"].to_numpy(dtype=float)), dtype=float),
                6 if unit == "ha" else 4,
            )
    for what in ("before", "after", "change"):
        rows[f"{what}_m2"] = np.round(rows[f"{what}_m2"].to_numpy(dtype=float), 4)
    codes = rows["land_class"].to_numpy(dtype=object)
    names = np.asarray(class_name(codes), dtype=object) if len(codes) else np.zeros(0, object)
    names = np.where(codes == CONSTRUCTION_CLASS[0], CONSTRUCTION_CLASS[1], names)
    names = (
        np.where(
            codes == "",
            np.where(rows["class_name"].fillna("") == _SUBTOTAL, _SUBTOTAL, "（无地类）"),
            names,
        )
        if "class_name" in rows
        else names
    )
    rows["class_name"] = [n if isinstance(n, str) else "" for n in names]
    return rows[list(LANDUSE_CHANGE_COLUMNS)]


def landuse_change_table(ctx) -> pd.DataFrame:
    """The land-use structure table (BAL008) of a check.

    Parameters
    ----------
    ctx
        The check context.

    Returns
    -------
    pandas.DataFrame
        :data:`LANDUSE_CHANGE_COLUMNS`. ``side`` is ``demolition``, ``construction`` or
        ``total`` (both sides); rows with a ``village`` are per village (a row with class name
        小计 is the village's subtotal of that side); rows with an empty ``village`` are the
        project's totals per class. ``change = after − before`` in m², 公顷 (``_ha``) and 亩
        (``_mu``). Computed once per context.
    """

    def build() -> pd.DataFrame:
        sides = [_side(ctx, role) for role in ("demolition", "construction") if ctx.has(role)]
        if not sides:
            return pd.DataFrame(columns=list(LANDUSE_CHANGE_COLUMNS))
        detail = pd.concat(sides, ignore_index=True)
        detail["class_name"] = ""
        subtotal = detail.groupby(["side", "village"], as_index=False)[
            ["before_m2", "after_m2"]
        ].sum()
        subtotal["land_class"], subtotal["class_name"] = "", _SUBTOTAL
        per_class = detail.groupby(["side", "land_class"], as_index=False)[
            ["before_m2", "after_m2"]
        ].sum()
        per_class["village"], per_class["class_name"] = "", ""
        total = detail.groupby("land_class", as_index=False)[["before_m2", "after_m2"]].sum()
        total["side"], total["village"], total["class_name"] = "total", "", ""
        order = {"demolition": 0, "construction": 1, "total": 2}
        village_rows = pd.concat([detail, subtotal], ignore_index=True)
        village_rows["_sub"] = (village_rows["class_name"] == _SUBTOTAL).astype(int)
        village_rows = village_rows.sort_values(
            ["side", "village", "_sub", "land_class"],
            key=lambda c: c.map(order) if c.name == "side" else c,
            kind="stable",
        )
        project_rows = pd.concat([per_class, total], ignore_index=True).sort_values(
            ["side", "land_class"],
            key=lambda c: c.map(order) if c.name == "side" else c,
            kind="stable",
        )
        out = pd.concat([village_rows.drop(columns="_sub"), project_rows], ignore_index=True)
        return _finish(out).reset_index(drop=True)

    return ctx.cached("landuse_change", build).copy()
