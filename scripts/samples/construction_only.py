"""The ``bazhong_construction_only`` sample: a construction-only plan drawing the surplus of the
clean project, accepted by the ``bazhong_acceptance`` check."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
import shapely.affinity

from .common import (
    CRS,
    DLMC,
    FIXED_DATE,
    KCXS,
    SQM_PER_MU,
    TOWNSHIP,
    Sample,
    ellipsoidal_area,
    rect,
)
from .expected import working_days_after
from .write import _frame, write_shapefile

# ---------------------------------------------------------------------------------------------
# the construction-only sample: a plan that only builds, with surplus quota drawn from the clean
# project after its acceptance
# ---------------------------------------------------------------------------------------------
LEDGER_FILE = "台账.gpkg"
#: the county's reference layers filing requires of a construction-only plan (DOMAIN.md §4b), taken
#: from the demo's reference.gpkg (the same county): the plan needs no 占补平衡 layer and no DEM
REFERENCE_LAYERS = (
    "landuse",
    "basic_farmland",
    "ecological_redline",
    "development_boundary",
    "boundary",
)


CONSTRUCTION_ONLY = {
    "name": "巴州区曾口镇增减挂钩节余指标使用建新实施方案",
    "code": "511902-2023-009",
    "county": "巴州区",
    "approved": dt.date(2023, 3, 20),
    # accepted and filed: TIME001 (3 years) and TIME004 (10 working days) judge dates, not today
    "accepted": dt.date(2025, 6, 18),
    "filed": dt.date(2025, 6, 27),
    # the facts the filing package needs (DOMAIN.md §4c; households only for a linkage plan)
    "filing_code": "51190220230009",
    "funds_wan_yuan": 180.0,
}


#: id, name, kind, local rectangle (metres from the demo's origin), land class, quality grade
CONSTRUCTION_ONLY_PLOTS = [
    ("JX001", "石门村集中安置点", "安置", (3380, 2100, 3420, 2130), "0103", 11),
    ("JX002", "曾口镇城镇建新地块4", "城镇", (2800, 400, 2840, 430), "0201", 12),
    ("JX003", "曾口镇城镇建新地块5", "城镇", (3300, 450, 3340, 480), "0101", 11),
]
#: the surplus quota the plan draws (m²): more than it builds, so that the farmland the draw
#: carries covers what it occupies
DRAW_M2 = 4000.0


def construction_only_figures(
    source: dict, source_balance: dict, plots: list[dict], landuse: list[dict]
) -> dict:
    """The quota and farmland figures of the construction-only sample, by hand.

    ``source`` is the acceptance sample's figures (the surplus generated at acceptance, the newly
    added farmland and its grade) and ``source_balance`` the clean sample's expected balance (the
    farmland its own construction occupied). A draw carries the source's newly added cultivated
    land (paddy) minus its own occupied, pro rata to the part of the surplus drawn, at the
    accepted grade. The plan's own occupied farmland is the county land survey under its plots
    (``landuse``, the demo's DLTB in ``reference.gpkg``), net of 田坎 (1 − KCXS), at the survey's
    GDDB grade, ellipsoidal areas — as for the clean sample's own construction.
    """
    generated = source["surplus_generated_m2"]
    con = round(sum(ellipsoidal_area(p["geometry"]) for p in plots), 2)
    draw = DRAW_M2
    share = draw / generated
    carried = (
        source["accepted_newly_added_cultivated_m2"] - source_balance["occupied_cultivated_m2"]
    ) * share
    carried_paddy = (
        source["accepted_newly_added_paddy_m2"] - source_balance["occupied_paddy_m2"]
    ) * share
    pieces = [
        (
            lu,
            ellipsoidal_area(p["geometry"].intersection(lu["geometry"])) * (1.0 - KCXS[lu["DLBM"]]),
        )
        for p in plots
        for lu in landuse
        if lu["DLBM"] in KCXS and p["geometry"].intersects(lu["geometry"])
    ]
    occupied = sum(a for _, a in pieces)
    occupied_paddy = sum(a for lu, a in pieces if lu["DLBM"] == "0101")
    occupied_grade = sum(lu["GDDB"] * a for lu, a in pieces) / occupied
    assert con <= draw and occupied <= carried and occupied_paddy <= carried_paddy
    assert source["accepted_quality"] <= occupied_grade
    left = round(generated - draw, 2)
    return {
        "source_code": source["code"],
        "source_accepted": source["accepted"],
        "source_generated_m2": generated,
        "source_available_m2": generated,
        "construction_m2": con,
        "construction_planar_m2": round(sum(p["geometry"].area for p in plots), 2),
        "plots_m2": {p["DKBH"]: p["MJ"] for p in plots},
        "drawn_m2": draw,
        "drawn_mu": round(draw / SQM_PER_MU, 4),
        "occupied_cultivated_m2": round(occupied, 2),
        "occupied_paddy_m2": round(occupied_paddy, 2),
        "occupied_quality": round(occupied_grade, 3),
        "carried_cultivated_m2": round(carried, 2),
        "carried_paddy_m2": round(carried_paddy, 2),
        "carried_quality": source["accepted_quality"],
        "source_left_after_m2": left,
        "overdraw_before_m2": round(generated + 0.01, 2),
        "overdraw_after_m2": round(left + 0.01, 2),
    }


def _construction_only_toml(fig: dict) -> str:
    f = CONSTRUCTION_ONLY
    return "\n".join(
        [
            "# Generated by scripts/make_samples.py - do not edit by hand.",
            "# Build the ledger first: see EXPECTED.md (landlink ledger init / add / accept).",
            "[project]",
            f'name = "{f["name"]}"',
            f'code = "{f["code"]}"',
            f'county = "{f["county"]}"',
            'kind = "construction_only"',
            'profile = "sichuan"',
            f'crs = "{CRS}"',
            f"approved = {f['approved'].isoformat()}",
            f"accepted = {f['accepted'].isoformat()}",
            f"filed = {f['filed'].isoformat()}",
            f'filing_code = "{f["filing_code"]}"',
            f"funds_wan_yuan = {f['funds_wan_yuan']}",
            "",
            "[layers.construction]",
            'path = "建新地块.shp"',
            'id = "DKBH"',
            'fields = { kind = "JXLX", land_class = "DLBM", area = "MJ", quality = "ZLDB" }',
            "",
            *(
                line
                for role in REFERENCE_LAYERS
                for line in (f"[layers.{role}]", 'path = "reference.gpkg"', f'layer = "{role}"', "")
            ),
            "[[quota_sources]]",
            f'code = "{fig["source_code"]}"',
            f"area_m2 = {fig['drawn_m2']:.1f}",
            "",
            "[ledger]",
            f'path = "{LEDGER_FILE}"',
            "",
        ]
    )


def _construction_only_markdown(fig: dict) -> str:
    f, code, src = CONSTRUCTION_ONLY, CONSTRUCTION_ONLY["code"], fig["source_code"]
    wd = working_days_after(f["accepted"], f["filed"])
    assert wd <= 10, "the sample's dates must pass TIME004"
    led = f"data/samples/bazhong_construction_only/{LEDGER_FILE}"
    rows = [f"| {k} | {v} |" for k, v in fig.items()]
    return "\n".join(
        [
            "# Expected results: bazhong_construction_only",
            "",
            'A construction-only plan (单独编制建新实施方案, `kind = "construction_only"`), code '
            f"{code}, approved",
            f"{f['approved']}: {len(CONSTRUCTION_ONLY_PLOTS)} new-construction plots, built with "
            f"{fig['drawn_m2']} m² ({fig['drawn_mu']} 亩) of surplus",
            f"quota drawn from the clean project {src} (`[[quota_sources]]`) after its acceptance "
            "(`../bazhong_acceptance`).",
            "It has no demolition layer: BAL009 replaces BAL001 and BAL005, and BAL002–BAL004 "
            "compare the farmland it",
            "occupies with what the drawn quota carries.",
            "",
            "## Build the ledger first",
            "",
            f"`project.toml` names the ledger `{LEDGER_FILE}` beside it (ignored by git). From the "
            "repository root:",
            "",
            "```",
            "landlink check data/samples/bazhong_clean/project.toml -o out/bazhong_clean_checked.gpkg",
            "landlink check data/samples/bazhong_acceptance/project.toml -o "
            "out/bazhong_acceptance_checked.gpkg",
            f"landlink ledger init {led} --crs {CRS}",
            f"export LANDLINK_LEDGER={led}",
            "landlink ledger add out/bazhong_clean_checked.gpkg          # the plan",
            "landlink ledger accept out/bazhong_acceptance_checked.gpkg  # its acceptance: "
            "surplus generated",
            "landlink check data/samples/bazhong_construction_only/project.toml -o "
            "out/bazhong_construction_only_checked.gpkg",
            "landlink ledger add out/bazhong_construction_only_checked.gpkg   # records the draw",
            f"landlink ledger quota {src}                # surplus available "
            f"{fig['source_left_after_m2']}",
            "```",
            "",
            "A source must be accepted (`landlink ledger accept`) before its surplus can be drawn "
            "(BAL009 and `ledger add`",
            "both refuse otherwise).",
            "",
            "## Expected",
            "",
            f"- Source {src}: surplus generated at acceptance {fig['source_generated_m2']} m² "
            "(bazhong_acceptance's ACC005), all of",
            "  it available.",
            f"- Construction: {fig['construction_m2']} m² ellipsoidal "
            f"({fig['construction_planar_m2']} m² planar), plots "
            + ", ".join(f"{k} {v}" for k, v in fig["plots_m2"].items())
            + ".",
            f"- `landlink check`: exit 0; BAL009 passes (construction {fig['construction_m2']} ≤ "
            f"drawn {fig['drawn_m2']} ≤ available {fig['source_available_m2']});",
            f"  BAL002 passes (occupied cultivated {fig['occupied_cultivated_m2']} ≤ carried "
            f"{fig['carried_cultivated_m2']}), BAL004 passes (paddy",
            f"  {fig['occupied_paddy_m2']} ≤ {fig['carried_paddy_m2']}), BAL003 passes (carried "
            f"grade {fig['carried_quality']} ≤ occupied {fig['occupied_quality']}); TIME001 does "
            "not apply;",
            f"  TIME004 passes (filed {f['filed']}, working day {wd} after acceptance).",
            "- Verdict: **可以报备** (`fileable`): the plan carries every input filing requires of a "
            "construction-only plan",
            "  (land survey, basic farmland, red line, development boundary and boundary in "
            "`reference.gpkg`, the demo's",
            "  county layers, whose development boundary holds the 允许建设区 of JX001; the approval "
            "date; `[ledger]`",
            "  holding its source). Checked before the ledger exists it is 检查不完整，暂不能报备, "
            "CHK001 naming `[ledger]`.",
            "- `landlink ledger add`: registered; the source's quota account gains a `drawn` "
            f"event of {fig['drawn_m2']} m²",
            f"  (counterpart {code}, dated {f['approved']}); its surplus available drops to "
            f"{fig['source_left_after_m2']} m².",
            "",
            "## Overdraw variants",
            "",
            f"- This plan drawing {fig['overdraw_before_m2']} m² (0.01 m² over what is available) "
            "before it is registered: BAL009",
            f"  `error`, measured {fig['overdraw_before_m2']}, threshold "
            f"{fig['source_available_m2']}; exit 1.",
            "- After this plan is registered, another construction-only plan drawing "
            f"{fig['overdraw_after_m2']} m² from {src}:",
            f"  BAL009 `error` (threshold {fig['source_left_after_m2']}), `ledger add` refuses it "
            "(exit 1: error findings; with",
            "  `--force --reason` exit 2: the ledger's own quota check); drawing exactly "
            f"{fig['source_left_after_m2']} m² passes.",
            "",
            "## Figures (m²)",
            "",
            "| figure | value |",
            "|---|---|",
            *rows,
            "",
            "Areas: ellipsoidal with `pyproj.Geod` on CGCS2000 after densifying edges to ≤ 10 m "
            "(as for the",
            "other samples), independently of landlink_gis.",
            "",
        ]
    )


def _write_reference(source: Path, target: Path, resettlement: list) -> None:
    """The county's reference layers of the demo, for this plan; the development boundary also
    holds the 允许建设区 planned for the resettlement plot (so that the plan is clean)."""
    target.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE + "T00:00:00.000Z"})
    for i, name in enumerate(REFERENCE_LAYERS):
        df = pyogrio.read_dataframe(source, layer=name)
        if name == "development_boundary":
            extra = gpd.GeoDataFrame(
                {"GNFQ": ["允许建设区"] * len(resettlement)},
                geometry=[g.buffer(20.0, join_style="mitre") for g in resettlement],
                crs=df.crs,
            )
            df = gpd.GeoDataFrame(pd.concat([df, extra], ignore_index=True), crs=df.crs)
        pyogrio.write_dataframe(
            df,
            target,
            layer=name,
            driver="GPKG",
            promote_to_multi=True,
            geometry_type="MultiPolygon",
            dataset_options={"VERSION": "1.2"} if i == 0 else None,
        )


def write_construction_only(
    demo: Sample, demo_folder: Path, source: dict, source_balance: dict, folder: Path
) -> None:
    """Write the construction-only sample: plots near ``demo``'s (written to ``demo_folder``, whose
    county reference layers it takes), quota drawn from the accepted clean project (``source``:
    the acceptance sample's figures; ``source_balance``: the clean sample's expected balance).

    Raises
    ------
    AssertionError
        A plot meets one of the demo's plots or planted reference features (within 10 m).
    """
    folder.mkdir(parents=True, exist_ok=True)
    taken = shapely.union_all(
        [shapely.make_valid(d["geometry"]) for d in demo.demolition if d["geometry"] is not None]
        + [c["geometry"] for c in demo.construction]
        + [
            f["geometry"]
            for rows in demo.layers.values()
            for f in rows
            if f.get("GNFQ") is None and f.get("XZQDM") is None
        ]
    ).buffer(10.0)
    plots = []
    for pid, name, kind, lr, code, grade in CONSTRUCTION_ONLY_PLOTS:
        g = rect(demo.origin, *lr)
        assert not g.intersects(taken), f"{pid} meets a demo plot or reference feature"
        plots.append(
            {
                "DKBH": pid,
                "DKMC": name,
                "DLBM": code,
                "DLMC": DLMC[code],
                "QSDWMC": name[:3] + "股份经济合作联合社"
                if kind == "安置"
                else f"{TOWNSHIP}人民政府",
                "MJ": round(ellipsoidal_area(g), 2),
                "JXLX": kind,
                "ZLDB": grade,
                "geometry": g,
            }
        )
    fig = construction_only_figures(source, source_balance, plots, demo.landuse)
    write_shapefile(_frame(plots, int_cols=("ZLDB",)), folder / "建新地块.shp", cpg=True)
    resettlement = [p["geometry"] for p in plots if p["JXLX"] == "安置"]
    _write_reference(demo_folder / "reference.gpkg", folder / "reference.gpkg", resettlement)
    (folder / "project.toml").write_text(_construction_only_toml(fig), encoding="utf-8")
    (folder / ".gitignore").write_text(
        f"# the ledger built by the commands of EXPECTED.md\n{LEDGER_FILE}*\n", encoding="utf-8"
    )
    doc = {
        "sample": "bazhong_construction_only",
        "crs": CRS,
        "code": CONSTRUCTION_ONLY["code"],
        "figures": fig,
    }
    (folder / "expected.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (folder / "EXPECTED.md").write_text(_construction_only_markdown(fig), encoding="utf-8")
