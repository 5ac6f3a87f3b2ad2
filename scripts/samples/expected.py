"""The expected findings and balance figures of a sample, computed independently of ``landlink_gis``."""

from __future__ import annotations

import datetime as dt
import math

import shapely
import shapely.affinity

from .common import (
    CRS,
    GEOGRAPHIC_CRS,
    KCXS,
    MAY_ALSO,
    RURAL_CLASSES,
    RURAL_CZCSXM,
    SQM_PER_MU,
    Sample,
    ellipsoidal_area,
)


# ---------------------------------------------------------------------------------------------
# expected findings
# ---------------------------------------------------------------------------------------------
def working_days_after(start: dt.date, end: dt.date) -> int:
    """Chinese working days in (start, end], counting holidays and adjusted workdays."""
    from chinese_calendar import is_workday

    return sum(is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))


def expected_findings(s: Sample, landuse: list[dict]) -> list[dict]:
    """The planted findings with their figures, computed independently of the package."""
    ref, out = s.layers, []

    def overlap_entry(plot, layer, rule, other, other_layer, other_id, *, outside=False):
        g = plot["geometry"].difference(other) if outside else plot["geometry"].intersection(other)
        return {
            "plot_id": plot["DKBH"],
            "layer": layer,
            "rule_id": rule,
            "measured": round(ellipsoidal_area(g), 2),
            "measured_planar": round(g.area, 2),
            "unit": "m2",
            "other_layer": other_layer,
            "other_id": other_id,
            "bounds": [round(v, 3) for v in g.bounds],
        }

    def union(name):
        return shapely.union_all([f["geometry"] for f in ref[name]])

    for d in s.demolition:
        for rule in d["_planted"]:
            g, e = d["geometry"], None
            base = {"plot_id": d["DKBH"], "layer": "demolition", "rule_id": rule}
            if rule == "GEOM001":
                reason = shapely.is_valid_reason(g)
                e = {
                    **base,
                    "measured": None,
                    "unit": None,
                    "reason": reason,
                    "location": [round(g.bounds[0] + 10, 3), round(g.bounds[1] + 10, 3)],
                    "repaired_area_m2": round(ellipsoidal_area(g), 2),
                }
            elif rule == "GEOM002":
                e = {**base, "measured": None, "unit": None}
            elif rule == "GEOM004":
                other = next(x for x in s.demolition if "GEOM004" in x["_planted"] and x is not d)
                if other["DKBH"] < d["DKBH"]:
                    continue  # one entry per pair (lower id first)
                e = overlap_entry(
                    d, "demolition", rule, other["geometry"], "demolition", other["DKBH"]
                )
            elif rule == "GEOM005":
                e = {
                    **base,
                    "measured": round(4 * math.pi * g.area / g.length**2, 5),
                    "unit": "ratio",
                    "area_m2": round(ellipsoidal_area(g), 2),
                    "threshold": 0.05,
                }
            elif rule == "GEOM006":
                e = {**base, "measured": float(len(g.geoms)), "unit": "parts"}
            elif rule == "ATTR001":
                e = {**base, "measured": None, "unit": None, "field": "land_class (DLBM)"}
            elif rule == "ATTR002":
                if any(e["rule_id"] == rule and e["plot_id"] == d["DKBH"] for e in out):
                    continue  # one entry per duplicated id
                e = {**base, "measured": None, "unit": None, "count": 2}
            elif rule == "ATTR003":
                area = ellipsoidal_area(g)
                e = {
                    **base,
                    "measured": round(area, 2),
                    "unit": "m2",
                    "declared": d["MJ"],
                    "rel_diff": round((d["MJ"] - area) / area, 5),
                }
            elif rule == "ATTR004":
                e = {**base, "measured": None, "unit": None, "value": d["DLBM"]}
            elif rule == "ATTR005":
                e = {**base, "measured": None, "unit": None, "value": d["DLBM"]}
            elif rule == "ATTR006":
                e = {
                    **base,
                    "measured": float(d["ZLDB"]),
                    "unit": "grade",
                    "field": "quality (ZLDB)",
                    "scale": "dengbie 1-15",
                }
            elif rule == "OVL001":
                e = overlap_entry(
                    d,
                    "demolition",
                    rule,
                    union("compensation"),
                    "compensation",
                    ref["compensation"][0]["XMBH"],
                )
            elif rule == "OVL002":
                jx = next(c for c in s.construction if c["geometry"].intersects(g))
                e = overlap_entry(d, "demolition", rule, jx["geometry"], "construction", jx["DKBH"])
            elif rule == "OVL003":
                led = next(f for f in ref["other_projects"] if f["geometry"].intersects(g))
                e = overlap_entry(d, "demolition", rule, led["geometry"], "ledger", led["DKBH"])
            elif rule == "PLAN004":
                nonbuilt = shapely.union_all(
                    [
                        lu["geometry"]
                        for lu in landuse
                        if lu["DLBM"][:2] not in ("05", "06", "07", "08", "09", "12")
                    ]
                )
                e = overlap_entry(d, "demolition", rule, nonbuilt, "landuse", None)
                e["share"] = round(g.intersection(nonbuilt).area / g.area, 4)
                e["classes"] = sorted(
                    {lu["DLBM"] for lu in landuse if lu["geometry"].intersection(g).area > 1e-6}
                )
            elif rule == "PLAN006":
                e = {
                    **base,
                    "measured": round(d["_slope"], 2),
                    "unit": "deg",
                    "threshold": 25.0,
                    "tolerance": 1.5,
                    # an error where the plot is to be reclaimed to cultivated land (01xx)
                    "severity": "error" if d["FKDL"].startswith("01") else "warning",
                }
            elif rule == "PLAN007":
                e = overlap_entry(
                    d, "demolition", rule, union("boundary"), "boundary", None, outside=True
                )
            if rule in MAY_ALSO:
                e["may_also"] = MAY_ALSO[rule]
            out.append(e)
    for c in s.construction:
        for rule in c["_planted"]:
            if rule == "PLAN001":
                out.append(
                    overlap_entry(
                        c, "construction", rule, union("basic_farmland"), "basic_farmland", None
                    )
                )
            elif rule == "PLAN002":
                out.append(
                    overlap_entry(
                        c,
                        "construction",
                        rule,
                        union("ecological_redline"),
                        "ecological_redline",
                        None,
                    )
                )
            elif rule == "PLAN003":
                out.append(
                    overlap_entry(
                        c,
                        "construction",
                        rule,
                        union("development_boundary"),
                        "development_boundary",
                        None,
                        outside=True,
                    )
                )
            elif rule == "OVL004":
                ill = next(
                    f for f in ref["illegal_land"] if f["geometry"].intersects(c["geometry"])
                )
                out.append(
                    overlap_entry(
                        c, "construction", rule, ill["geometry"], "illegal_land", ill["WFBH"]
                    )
                )
    return out


def plan005(s: Sample, landuse: list[dict]) -> list[dict]:
    """PLAN005 (info): cultivated and paddy area each construction plot occupies in the DLTB
    layer, net of 田坎."""
    out = []
    for c in s.construction:
        g = c["geometry"]
        parts = [
            (lu, g.intersection(lu["geometry"])) for lu in landuse if lu["geometry"].intersects(g)
        ]
        out.append(
            {
                "plot_id": c["DKBH"],
                "layer": "construction",
                "rule_id": "PLAN005",
                "cultivated_m2": round(
                    sum(
                        ellipsoidal_area(p) * (1.0 - KCXS[lu["DLBM"]])
                        for lu, p in parts
                        if lu["DLBM"] in KCXS
                    ),
                    2,
                )
                + 0.0,
                "paddy_m2": round(
                    sum(
                        ellipsoidal_area(p) * (1.0 - KCXS["0101"])
                        for lu, p in parts
                        if lu["DLBM"] == "0101"
                    ),
                    2,
                )
                + 0.0,
                "declared_class": c["DLBM"],
                "quality": c["ZLDB"],
            }
        )
    return out


def _rural(lu: dict) -> bool:
    """Rural construction land in the survey (ATTR005's classes; CZCSXM 村庄/采矿 or blank)."""
    code = lu["DLBM"]
    return code.startswith(RURAL_CLASSES) and code != "0701" and lu["CZCSXM"] in RURAL_CZCSXM


def _reclaim_kcxs(s: Sample, landuse: list[dict]):
    """田坎 coefficient of reclaimed land by class, without a county table (§4b): the area-weighted
    KCXS of the survey's polygons of that class within 100 m of a plot (all cultivated ones
    there for a class without any), weights the polygons' planar areas."""
    plots = shapely.union_all(
        [
            shapely.make_valid(p["geometry"])
            for p in s.demolition + s.construction
            if p["geometry"] is not None
        ]
    )
    near = [lu for lu in landuse if lu["DLBM"] in KCXS and lu["geometry"].distance(plots) <= 100.0]

    def mean(rows):
        w = sum(lu["geometry"].area for lu in rows)
        return sum(KCXS[lu["DLBM"]] * lu["geometry"].area for lu in rows) / w if w else 0.0

    overall = mean(near)
    return lambda code: (
        mean([lu for lu in near if lu["DLBM"] == code])
        if any(lu["DLBM"] == code for lu in near)
        else overall
    )


def balance(s: Sample, landuse: list[dict]) -> dict:
    """Balance figures (ellipsoidal m²) computed from the plots, independently of the package.

    Quota basis: each demolition plot's overlap with the survey's rural construction polygons
    (a plot of an overlapping pair counts in full, like its own area). Cultivated areas are net
    of 田坎: occupied = Σ overlap × (1 − KCXS of the survey class); reclaimed = area × (1 − KCXS
    of the class after reclamation) — the samples use one coefficient per class (:data:`KCXS`),
    so the area-weighted mean over any set of survey polygons of a class is that coefficient.
    A plot without geometry has no area: the figures it would change are "not checked"
    (``unmeasured``); the sums here leave it out.
    """
    dem = [(d, ellipsoidal_area(d["geometry"])) for d in s.demolition if d["geometry"] is not None]
    unmeasured = [d["DKBH"] for d in s.demolition if d["geometry"] is None]
    con = [(c, ellipsoidal_area(c["geometry"])) for c in s.construction]
    dem_m2 = sum(a for _, a in dem)
    con_m2 = sum(a for _, a in con)
    rural = shapely.union_all([lu["geometry"] for lu in landuse if _rural(lu)])
    basis = [
        (d, ellipsoidal_area(shapely.make_valid(d["geometry"]).intersection(rural))) for d, _ in dem
    ]
    basis_m2 = sum(b for _, b in basis)
    planted_err = {
        "GEOM001",
        "GEOM002",
        "GEOM004",
        "GEOM005",
        "ATTR001",
        "ATTR002",
        "ATTR004",
        "ATTR005",
        "ATTR006",
        "OVL001",
        "OVL002",
        "OVL003",
        "PLAN004",
        "PLAN007",
    }
    clean_dem = sum(a for d, a in dem if not set(d["_planted"]) & planted_err)
    mean_kcxs = _reclaim_kcxs(s, landuse)

    def kc(d: dict) -> float:
        """The county's table by the plot's GDPDJB (a class not named: 0), else the survey mean."""
        if s.tiankan is not None:
            return s.tiankan.get(d["GDPDJB"], 0.0)
        return mean_kcxs(d["FKDL"])

    net = [
        (d, a * (1.0 - kc(d)) if d["FKDL"].startswith("01") else 0.0) for d, a in dem
    ]  # a list: two plots share an id (ATTR002)
    rec_cult = [(d, a) for d, a in net if d["FKDL"].startswith("01")]
    rec_paddy = sum(a for d, a in net if d["FKDL"] == "0101")
    # newly added (§4b): reclaimed minus the farmland the survey already shows inside each plot
    # (net of its KCXS); a plot steeper than 25° adds nothing (it may still take farmland away)
    newly = []
    for (d, rec), (_, _a) in zip(net, dem, strict=True):
        g = shapely.make_valid(d["geometry"])
        ex_c = sum(
            ellipsoidal_area(g.intersection(lu["geometry"])) * (1.0 - KCXS[lu["DLBM"]])
            for lu in landuse
            if lu["DLBM"] in KCXS and g.intersects(lu["geometry"])
        )
        ex_p = sum(
            ellipsoidal_area(g.intersection(lu["geometry"])) * (1.0 - KCXS["0101"])
            for lu in landuse
            if lu["DLBM"] == "0101" and g.intersects(lu["geometry"])
        )
        gain_c = rec - ex_c
        gain_p = (rec if d["FKDL"] == "0101" else 0.0) - ex_p
        if d["_slope"] > 25.0:
            gain_c, gain_p = min(gain_c, 0.0), min(gain_p, 0.0)
        newly.append((d, ex_c, ex_p, gain_c, gain_p))
    graded_new = [
        (d, max(gc, 0.0))
        for d, _, _, gc, _ in newly
        if d["FKDL"].startswith("01") and 1 <= d["ZLDB"] <= 15
    ]
    new_c = sum(gc for *_, gc, _ in newly)
    new_p = sum(gp for *_, gp in newly)
    occ_cult = [(c, a) for c, a in con if c["DLBM"].startswith("01")]
    occ_paddy = sum(a for c, a in con if c["DLBM"] == "0101")
    pieces = [
        (
            lu,
            ellipsoidal_area(c["geometry"].intersection(lu["geometry"])) * (1.0 - KCXS[lu["DLBM"]]),
        )
        for c in s.construction
        for lu in landuse
        if lu["DLBM"] in KCXS and c["geometry"].intersects(lu["geometry"])
    ]
    surplus = basis_m2 - con_m2
    partly = [d for d in s.demolition if d.get("_partly_farmland")]
    occ_c = sum(a for _, a in pieces)
    occ_p = sum(a for lu, a in pieces if lu["DLBM"] == "0101")
    # partial knowledge (§4b): the plots without geometry are demolition plots, so the basis, the
    # surplus and the newly added land of those to be reclaimed to cultivated land can only grow
    missing = [d for d in s.demolition if d["geometry"] is None]
    status = {
        "BAL001": "pass" if con_m2 <= basis_m2 else ("not checked" if missing else "fail"),
        "BAL005": "pass" if surplus >= 0 else ("not checked" if missing else "fail"),
        "BAL003": "not checked" if missing else None,
    }
    for rule, gain, occ, adds in (
        ("BAL002", new_c, occ_c, [d["FKDL"].startswith("01") for d in missing]),
        ("BAL004", new_p, occ_p, [d["FKDL"] == "0101" for d in missing]),
    ):
        if gain >= occ:
            status[rule] = "pass" if all(adds) else "not checked"
        else:
            status[rule] = "fail" if not any(adds) else "not checked"
    adv = s.facts["advance_quota_m2"]
    status["BAL006"] = (
        "pass" if adv <= 0.3 * max(surplus, 0.0) else ("not checked" if missing else "fail")
    )
    return {
        "demolition_m2": round(dem_m2, 2),
        "construction_m2": round(con_m2, 2),
        "quota_basis_m2": round(basis_m2, 2),
        "quota_basis_source": "landuse",
        "unmeasured_plots": unmeasured,
        "partly_farmland_plot": partly[0]["DKBH"] if partly else None,
        "partly_farmland_plot_area_m2": round(ellipsoidal_area(partly[0]["geometry"]), 2)
        if partly
        else None,
        "partly_farmland_plot_basis_m2": round(
            sum(b for d, b in basis if d.get("_partly_farmland")), 2
        )
        if partly
        else None,
        "plan004_plot_basis_m2": round(sum(b for d, b in basis if "PLAN004" in d["_planted"]), 2),
        "surplus_m2": round(surplus, 2),
        "surplus_hm2": round(surplus / 10000.0, 4),
        "surplus_mu": round(surplus / SQM_PER_MU, 2),
        "surplus_status": status["BAL005"],
        "rule_status": status,
        "demolition_m2_clean_plots_only": round(clean_dem, 2),
        "reclaimed_cultivated_m2": round(sum(a for _, a in rec_cult), 2),
        "occupied_cultivated_declared_m2": round(sum(a for _, a in occ_cult), 2),
        "occupied_cultivated_m2": round(occ_c, 2),
        "reclaimed_paddy_m2": round(rec_paddy, 2),
        "existing_cultivated_m2": round(sum(ec for _, ec, _, _, _ in newly), 2),
        "existing_paddy_m2": round(sum(ep for _, _, ep, _, _ in newly), 2),
        "newly_added_cultivated_m2": round(new_c, 2),
        "newly_added_paddy_m2": round(new_p, 2),
        "newly_added_quality_weighted": round(
            sum(d["ZLDB"] * w for d, w in graded_new) / sum(w for _, w in graded_new), 3
        ),
        "steep_plots": [d["DKBH"] for d, *_ in newly if d["_slope"] > 25.0],
        "tiankan": {str(c): k for c, k in sorted(s.tiankan.items())} if s.tiankan else None,
        "ll_kcxs": {
            d["DKBH"]: round(kc(d), 6)
            for d in s.demolition
            if d["FKDL"].startswith("01") and d["DKBH"]
        },
        "occupied_paddy_declared_m2": round(occ_paddy, 2),
        "occupied_paddy_m2": round(occ_p, 2),
        "reclaimed_quality_weighted": round(
            sum(d["ZLDB"] * a for d, a in rec_cult) / sum(a for _, a in rec_cult), 3
        ),
        "occupied_quality_weighted": round(
            sum(lu["GDDB"] * a for lu, a in pieces) / sum(a for _, a in pieces), 3
        ),
        "advance_quota_m2": s.facts["advance_quota_m2"],
        "advance_quota_limit_m2": round(0.3 * surplus, 2),
        "kcxs": KCXS,
    }


def expected_markdown(s: Sample, findings: list[dict], bal: dict, project_level: list[dict]) -> str:
    """EXPECTED.md: the planted findings and the balance, human-readable."""
    f = s.facts
    out = [
        f"# Expected results: {s.name}",
        "",
        "Generated by `scripts/make_samples.py` (figures computed independently of landlink_gis:",
        "planar areas from rectangle coordinates, ellipsoidal areas with `pyproj.Geod` on CGCS2000",
        "after densifying edges to ≤ 10 m). Machine-readable copy: `expected.json`.",
        "",
    ]
    if not findings:
        out += [
            "**This project is clean: no rule should report an `error` or `warning`.**",
            "Only `info` findings are expected (BAL005 surplus, PLAN005 per-plot occupation).",
            "It carries every input filing requires (docs/verdict.md) and the facts a filing package",
            "needs, so its verdict is **可以报备** (`fileable`) and `landlink package` writes it.",
            "",
        ]
    else:
        out += [
            "Verdict: **须整改** (`must_fix`): the planted error findings below (exit code 1).",
            "",
            "## Planted plot findings",
            "",
            "| plot | layer | rule | measured | unit | planar | other | note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for e in findings:
            note = ", ".join(
                f"{k}={e[k]}"
                for k in (
                    "declared",
                    "rel_diff",
                    "value",
                    "reason",
                    "location",
                    "share",
                    "classes",
                    "area_m2",
                    "tolerance",
                    "field",
                )
                if k in e
            )
            if "may_also" in e:
                note += ("; " if note else "") + "may also: " + "; ".join(e["may_also"])
            out.append(
                f"| {e['plot_id']} | {e['layer']} | {e['rule_id']} | {e['measured']} | "
                f"{e['unit'] or ''} | {e.get('measured_planar', '')} | "
                f"{(e.get('other_layer') or '')} {(e.get('other_id') or '')} | {note} |"
            )
        out += [
            "",
            "## Project-level findings",
            "",
            "| rule | measured | unit | note |",
            "|---|---|---|---|",
        ]
        for e in project_level:
            out.append(
                f"| {e['rule_id']} | {e['measured']} | {e['unit'] or ''} | {e.get('note', '')} |"
            )
    if findings:
        out += [
            "",
            "## Not planted / expected to pass",
            "",
            "- CRS001–CRS003: the plot layers are EPSG:4545 (a valid sample cannot carry a CRS "
            "error);"
            " CRS004 (info) is planted: `illegal_land` is stored in EPSG:4490 and reprojected.",
            "- GEOM003: a shapefile cannot mix geometry types. ADJ001–ADJ005: need an adjusted "
            "plan.",
            "- TIME003 is Shanxi-only (profile here is sichuan).",
            *_balance_lines(bal),
            "- Every plot listed under `clean_plots` in expected.json must end with `ll_status = "
            "pass`.",
            "  All balance margins hold even if plots with error findings are left out of the "
            "totals",
            f"  (clean demolition plots alone: {bal['demolition_m2_clean_plots_only']} m²).",
        ]
    out += ["", "## Balance (ellipsoidal m²)", "", "| figure | value |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in bal.items()]
    out += [
        "",
        f"Surplus: {bal['surplus_m2']} m² = {bal['surplus_hm2']} 公顷 = {bal['surplus_mu']} 亩.",
        "`demolition_m2` sums every demolition plot with a geometry, each at its own area (the "
        "bow-tie",
        "counted as its two repaired triangles, an overlapping pair counted twice).",
        "",
        "## Project facts",
        "",
        f"approved {f['approved']}, accepted {f['accepted']}, filed {f['filed']}, traded "
        f"{f['traded']}, "
        f"poverty county {f['poverty_county']}, advance quota {f['advance_quota_m2']} m².",
        "",
    ]
    return "\n".join(out)


def _balance_lines(bal: dict) -> list[str]:
    """What EXPECTED.md says about BAL001–BAL006 (quota basis, 田坎, not-checked figures)."""
    lines = [
        f"- Quota basis (BAL001/BAL005): {bal['quota_basis_m2']} m² of rural construction land in "
        "the survey "
        f"(whole demolition plots: {bal['demolition_m2']}); the PLAN004 plot counts "
        f"{bal['plan004_plot_basis_m2']} m², "
        f"the partly-farmland plot {bal['partly_farmland_plot']} counts "
        f"{bal['partly_farmland_plot_basis_m2']} of its "
        f"{bal['partly_farmland_plot_area_m2']} m².",
        f"- Cultivated areas net of 田坎 (survey KCXS per class {bal['kcxs']}; "
        + (
            f"reclaimed land by the county's [tiankan] table {bal['tiankan']} at each plot's GDPDJB"
            if bal["tiankan"]
            else "no county [tiankan] table, so reclaimed land is netted at the area-weighted KCXS "
            "of the survey polygons of its class within 100 m, an info finding of BAL002 says so"
        )
        + f"): reclaimed {bal['reclaimed_cultivated_m2']}, "
        f"already cultivated inside the demolition plots {bal['existing_cultivated_m2']}, "
        f"newly added (新增耕地, steep plots {', '.join(bal['steep_plots']) or 'none'} add nothing) "
        f"{bal['newly_added_cultivated_m2']} vs occupied {bal['occupied_cultivated_m2']} (declared "
        f"classes, gross: {bal['occupied_cultivated_declared_m2']}).",
        f"- Paddy: newly added {bal['newly_added_paddy_m2']} (reclaimed {bal['reclaimed_paddy_m2']} − "
        f"existing {bal['existing_paddy_m2']}) vs occupied {bal['occupied_paddy_m2']}.",
        f"- BAL003: newly added weighted 等别 {bal['newly_added_quality_weighted']} (all reclaimed: "
        f"{bal['reclaimed_quality_weighted']}) vs occupied (survey GDDB) "
        f"{bal['occupied_quality_weighted']}.",
    ]
    words = {"pass": "passes", "fail": "fails", "not checked": "is not checked (info)"}
    status = bal["rule_status"]
    if bal["unmeasured_plots"]:
        ids = ", ".join(bal["unmeasured_plots"])
        lines.append(
            f"- Plot(s) {ids} have no geometry: their area is unknown and never counted as 0. They are "
            "demolition plots, so they can only add to the quota basis, the surplus and (where "
            "reclaimed to cultivated land) the newly added land; the known plots decide what they "
            "prove (§4b partial knowledge), the rest is `not checked` giving the bound."
        )
    lines += [f"- {rule} {words[st]}." for rule, st in sorted(status.items()) if st is not None]
    lines += [
        f"- BAL001: construction {bal['construction_m2']} vs quota basis {bal['quota_basis_m2']}.",
        f"- BAL006: advance quota {bal['advance_quota_m2']} vs 30 % of surplus = "
        f"{bal['advance_quota_limit_m2']}.",
    ]
    return lines


def project_level_findings(s: Sample, bal: dict) -> list[dict]:
    """Project-level expectations: balance and time rules."""
    f, out = s.facts, []
    deadline = f["approved"].replace(year=f["approved"].year + 3)
    if f["accepted"] > deadline:
        out.append(
            {
                "plot_id": None,
                "layer": None,
                "rule_id": "TIME001",
                "measured": float((f["accepted"] - deadline).days),
                "unit": "days",
                "note": f"accepted {f['accepted']} > approved + 3 years = {deadline}",
            }
        )
    wd = working_days_after(f["accepted"], f["filed"])
    if wd > 10:
        out.append(
            {
                "plot_id": None,
                "layer": None,
                "rule_id": "TIME004",
                "measured": float(wd),
                "unit": "working_days",
                "note": f"filed {f['filed']} is working day {wd} after {f['accepted']}",
            }
        )
    if f["advance_quota_m2"] > 0 and (f["accepted"] - f["approved"]).days > 366:
        out.append(
            {
                "plot_id": None,
                "layer": None,
                "rule_id": "TIME002",
                "measured": None,
                "unit": None,
                "note": "advance quota used, acceptance > 1 year after approval and after trade",
            }
        )
    for layer in s.geographic_layers:
        out.append(
            {
                "plot_id": None,
                "layer": layer,
                "rule_id": "CRS004",
                "severity": "info",
                "measured": None,
                "unit": None,
                "note": f"reference layer {layer} is stored in {GEOGRAPHIC_CRS} and reprojected to {CRS}",
            }
        )
    if bal["rule_status"]["BAL004"] == "fail":
        out.append(
            {
                "plot_id": None,
                "layer": None,
                "rule_id": "BAL004",
                "measured": bal["occupied_paddy_m2"],
                "threshold": bal["newly_added_paddy_m2"],
                "unit": "m2",
                "note": f"occupied paddy {bal['occupied_paddy_m2']} > newly added paddy {bal['newly_added_paddy_m2']}",
            }
        )
    return out
