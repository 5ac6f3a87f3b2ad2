"""The ``bazhong_acceptance`` sample: the acceptance check (验收) of the clean project.

After reclamation the county checks ``bazhong_clean`` again with ``stage = "acceptance"``, its
``accepted`` date and a ``survey_after`` layer: the completion survey of the reclaimed land. Here
every demolition plot is reclaimed as planned (its class after reclamation, the county's 田坎
coefficient of that class, the planned grade, collectively owned), and two cultivated fields
within 500 m and one farther away stand for the farmland around the project (ACC003). The plots,
reference layers and DEM are the clean sample's (paths into ``../bazhong_clean``), so the
acceptance check has the same plan digest as the plan registered in the ledger.

Expected figures are computed here, independently of ``landlink_gis``: ellipsoidal areas with
``pyproj.Geod`` (:func:`common.ellipsoidal_area`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyogrio
import shapely

from .common import CRS, KCXS, Sample, ellipsoidal_area
from .expected import _rural
from .write import FIXED_DATE, _frame

SURVEY_FILE = "竣工测量_2023.gpkg"
#: the farmland around the project: local rectangle, class, grade (two within 500 m, one beyond)
NEIGHBOURS = [
    ("N1", (1250, 1200, 1350, 1260), "0103", 11),
    ("N2", (300, 2050, 400, 2150), "0103", 12),
    ("N3", (2950, 100, 2990, 140), "0103", 1),
]
NEIGHBOUR_M = 500.0


def _survey_rows(clean: Sample) -> list[dict]:
    rows = []
    for d in clean.demolition:
        if d["geometry"] is None:
            continue
        code = d["FKDL"]
        rows.append(
            {
                "BSM": f"YS{d['DKBH']}",
                "DLBM": code,
                "KCXS": KCXS.get(code, 0.0),
                "GDDB": int(d["ZLDB"]) if code.startswith("01") else 0,
                "QSXZ": "30",
                "TBMJ": round(ellipsoidal_area(d["geometry"]), 2),
                "geometry": shapely.make_valid(d["geometry"]),
            }
        )
    for bsm, lr, code, grade in NEIGHBOURS:
        g = clean.r(*lr)
        rows.append(
            {
                "BSM": bsm,
                "DLBM": code,
                "KCXS": KCXS[code],
                "GDDB": grade,
                "QSXZ": "30",
                "TBMJ": round(ellipsoidal_area(g), 2),
                "geometry": g,
            }
        )
    return rows


def acceptance_figures(clean: Sample, landuse: list[dict]) -> dict:
    """ACC005's accepted account and ACC002/ACC003's comparisons, by hand.

    Every plot passes ACC001 (its survey polygon is the plot, in its reclaim class) and ACC004
    (QSXZ 30): the accepted basis is the plan's quota basis (the survey's rural construction land
    inside the plots). Newly added cultivated land = Σ area × (1 − KCXS of the reclaim class) over
    the plots reclaimed to 01xx, minus the cultivated land the plan's survey already showed inside
    the plots (net of its KCXS); the same for paddy (0101).
    """
    plots = [d for d in clean.demolition if d["geometry"] is not None]
    rural = shapely.union_all([lu["geometry"] for lu in landuse if _rural(lu)])
    basis = sum(
        ellipsoidal_area(shapely.make_valid(d["geometry"]).intersection(rural)) for d in plots
    )
    con = sum(ellipsoidal_area(c["geometry"]) for c in clean.construction)
    net = [(d, ellipsoidal_area(d["geometry"]) * (1.0 - KCXS.get(d["FKDL"], 0.0))) for d in plots]
    cult = [(d, a) for d, a in net if d["FKDL"].startswith("01")]

    def existing(codes) -> float:
        return sum(
            ellipsoidal_area(shapely.make_valid(d["geometry"]).intersection(lu["geometry"]))
            * (1.0 - KCXS[lu["DLBM"]])
            for d in plots
            for lu in landuse
            if lu["DLBM"] in codes and d["geometry"].intersects(lu["geometry"])
        )

    added = sum(a for _, a in cult) - existing(("0101", "0102", "0103"))
    paddy = sum(a for d, a in cult if d["FKDL"] == "0101") - existing(("0101",))
    grade = sum(d["ZLDB"] * a for d, a in cult) / sum(a for _, a in cult)
    union = shapely.union_all([shapely.make_valid(d["geometry"]) for d in plots])
    near = []
    for bsm, lr, code, g in NEIGHBOURS:
        geom = clean.r(*lr)
        distance = geom.distance(union)
        assert (distance < 0.8 * NEIGHBOUR_M) != (bsm == "N3"), (bsm, distance)
        assert not geom.intersects(union.buffer(1.0)), bsm
        if distance <= NEIGHBOUR_M:
            near.append((g, ellipsoidal_area(geom) * (1.0 - KCXS[code])))
    around = sum(g * a for g, a in near) / sum(a for _, a in near)
    assert grade <= around, "the sample's reclaimed land must not be graded worse than around it"
    return {
        "code": clean.facts["code"],
        "accepted": clean.facts["accepted"].isoformat(),
        "filed": clean.facts["filed"].isoformat(),
        "plots": len(plots),
        "plots_accepted": len(plots),
        "accepted_basis_m2": round(basis, 2),
        "construction_m2": round(con, 2),
        "surplus_generated_m2": round(basis - con, 2),
        "turnover_lent_m2": round(con, 2),
        "turnover_returned_m2": round(min(con, basis), 2),
        "accepted_newly_added_cultivated_m2": round(added, 2),
        "accepted_newly_added_paddy_m2": round(paddy, 2),
        "accepted_quality": round(grade, 3),
        "neighbour_quality": round(around, 3),
        "kcxs": KCXS,
    }


def _toml(clean_toml: str, fig: dict) -> str:
    lines = [
        "# Generated by scripts/make_samples.py - do not edit by hand.",
        "# The acceptance check of ../bazhong_clean (the same plots and reference layers).",
    ]
    for line in clean_toml.splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("path = "):
            line = f'path = "../bazhong_clean/{line.split(chr(34))[1]}"'
        lines.append(line)
        if line.startswith("quality_scale"):
            lines.append('stage = "acceptance"')
    text = "\n".join(lines) + "\n"
    return text.replace(
        "\n[rules]",
        f'\n[layers.survey_after]\npath = "{SURVEY_FILE}"\nid = "BSM"\n\n[rules]',
    )


def _markdown(fig: dict) -> str:
    rows = [f"| {k} | {v} |" for k, v in fig.items()]
    code = fig["code"]
    return "\n".join(
        [
            "# Expected results: bazhong_acceptance",
            "",
            f'The acceptance check (验收) of the clean project {code}: `stage = "acceptance"`, '
            f"accepted {fig['accepted']},",
            f"and `{SURVEY_FILE}` (layer `survey_after`), the completion survey of the reclaimed "
            "land. Plots, reference",
            "layers and DEM are the clean sample's (`../bazhong_clean`).",
            "",
            "## Expected",
            "",
            f"- ACC001 and ACC004 pass on all {fig['plots']} demolition plots (each reclaimed in "
            "its planned class, QSXZ 30).",
            f"- ACC002 passes: newly added cultivated land {fig['accepted_newly_added_cultivated_m2']}"
            " m² (net of the measured 田坎) as planned.",
            f"- ACC003 passes: assessed grade {fig['accepted_quality']} as planned, not worse than "
            f"the cultivated land within 500 m ({fig['neighbour_quality']}; N3 lies beyond 500 m).",
            f"- ACC005 (info): accepted basis {fig['accepted_basis_m2']} m², surplus generated "
            f"{fig['surplus_generated_m2']} m², turnover returned {fig['turnover_returned_m2']} m²;",
            "  these are rows of the `balance` table (`accepted_basis`, `surplus_generated`, "
            "`turnover_returned`, `accepted_newly_added_*`, `accepted_quality`).",
            "",
            "## From plan through acceptance to a construction-only plan",
            "",
            "```",
            "landlink check data/samples/bazhong_clean/project.toml -o out/clean.gpkg",
            "landlink check data/samples/bazhong_acceptance/project.toml -o out/clean_accepted.gpkg",
            "landlink ledger init out/county.gpkg --crs EPSG:4545",
            "landlink ledger -L out/county.gpkg add out/clean.gpkg",
            "landlink ledger -L out/county.gpkg accept out/clean_accepted.gpkg",
            f"landlink ledger -L out/county.gpkg quota {code}",
            "```",
            "",
            "The construction-only sample (`../bazhong_construction_only`) then draws from this "
            "accepted surplus.",
            "",
            "## Figures (m²)",
            "",
            "| figure | value |",
            "|---|---|",
            *rows,
            "",
        ]
    )


def write_acceptance(clean: Sample, landuse: list[dict], clean_folder: Path, folder: Path) -> dict:
    """Write the acceptance sample of ``clean`` (written to ``clean_folder``); return its figures."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SURVEY_FILE
    path.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE + "T00:00:00.000Z"})
    df = _frame(_survey_rows(clean), int_cols=("GDDB",))
    pyogrio.write_dataframe(
        df,
        path,
        layer="survey_after",
        driver="GPKG",
        promote_to_multi=True,
        geometry_type="MultiPolygon",
        dataset_options={"VERSION": "1.2"},
    )
    fig = acceptance_figures(clean, landuse)
    toml = _toml((clean_folder / "project.toml").read_text(encoding="utf-8"), fig)
    (folder / "project.toml").write_text(toml, encoding="utf-8")
    doc = {"sample": "bazhong_acceptance", "crs": CRS, "figures": fig}
    (folder / "expected.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (folder / "EXPECTED.md").write_text(_markdown(fig), encoding="utf-8")
    return fig
