# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Batches and big reference data
#
# A county checks many projects against the same county-wide reference layers (三调 land use,
# basic farmland, the ledger of other projects). This notebook
#
# 1. checks several projects in a loop and collects one table,
# 2. reads a reference layer only where it meets the plots (an extent filter: the rest of the
#    file is never loaded), from a GeoPackage — or from PostGIS when `LANDLINK_PG_URL` is set,
# 3. checks a project built from GeoDataFrames, mixing in-memory frames and files.

# %%
import os
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyogrio

import landlink_gis as ll

SAMPLES = Path.cwd().parent / "data" / "samples"
OUT = Path(tempfile.mkdtemp(prefix="landlink_batch_"))
# the linkage samples; the construction-only sample draws quota through a county ledger that is built
# first (see data/samples/bazhong_construction_only/EXPECTED.md and docs/ledger.md)
project_files = [p for p in sorted(SAMPLES.glob("*/project.toml")) if ll.load_project(p).kind != "construction_only"]
[p.parent.name for p in project_files]

# %% [markdown]
# ## 1. Check several projects
# Each check is independent (nothing global is changed), so projects can be checked side by side.
# On the command line, `landlink check data/samples/*/project.toml -o out/` does this loop in worker
# processes and writes `batch_summary.csv` and `batch_summary.html`.

# %%
rows = []
for path in project_files:
    started = time.perf_counter()
    result = ll.check(path, lang="en")
    ll.write_gpkg(result, OUT / f"{path.parent.name}_checked.gpkg")
    surplus = result.balance.loc[result.balance["item"] == "surplus_quota", "area_m2"].iloc[0]
    rows.append(
        {
            "project": path.parent.name,
            "code": result.project.code,
            "plots": sum(len(p) for p in result.plots.values()),
            **result.counts(),
            "surplus_m2": round(float(surplus), 2),
            "exit_code": result.exit_code,
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
batch = pd.DataFrame(rows).set_index("project")
batch

# %%
# the clean sample must be fileable, the demo must not
assert batch.loc["bazhong_clean", "error"] == 0 and batch.loc["bazhong_demo", "error"] > 0
sorted(p.name for p in OUT.iterdir())

# %% [markdown]
# ## 2. Read a reference layer with an extent filter
# `read_layer` is the reader `check` uses. With `bbox` it asks GDAL (or the database) for the
# features meeting the extent only; a check does the same for every reference layer, with the
# plots' extent plus a 100 m margin.

# %%
demo = ll.load_project(SAMPLES / "bazhong_demo" / "project.toml")
plots = ll.read_layer(demo.layers["demolition"].path)
xmin, ymin, xmax, ymax = plots.total_bounds
extent = (xmin - 100, ymin - 100, xmax + 100, ymax + 100)
reference = demo.layers["landuse"].path  # the sample's reference.gpkg

started = time.perf_counter()
landuse_all = ll.read_layer(reference, layer="landuse")
full_s = time.perf_counter() - started
started = time.perf_counter()
landuse = ll.read_layer(reference, layer="landuse", bbox=extent, bbox_crs=demo.crs)
bbox_s = time.perf_counter() - started
assert 0 < len(landuse) <= len(landuse_all)
pd.DataFrame({"features": [len(landuse_all), len(landuse)], "seconds": [full_s, bbox_s]}, index=["whole layer", "extent filter"])

# %% [markdown]
# ### The same from PostGIS (optional)
# Set `LANDLINK_PG_URL` (e.g. `postgresql://user@host/db`) and `LANDLINK_PG_TABLE` (default
# `landuse`) to run this cell against a server: the extent filter becomes a `&&` index query in
# the database. In a project file the layer is `url = "postgresql://…"` with `table = "…"`.
# Without the variable the cell only says so — the notebook never needs a server.

# %%
pg_url = os.environ.get("LANDLINK_PG_URL")
if pg_url:
    pg_landuse = ll.read_layer(pg_url, table=os.environ.get("LANDLINK_PG_TABLE", "landuse"), bbox=extent, bbox_crs=demo.crs)
    print(f"PostGIS: {len(pg_landuse)} features in the extent")
else:
    print("LANDLINK_PG_URL is not set: PostGIS read skipped; the GeoPackage read above shows the same extent filter")

# %% [markdown]
# ## 3. A project from GeoDataFrames
# `project_from_frames` takes frames for some layers and files (or project-file tables) for
# others, plus the project facts. Here the land-use layer is the extent-filtered frame read
# above; everything else comes from the sample's files. The findings are the same as the
# file-based check's: the extent filter leaves out nothing a rule could see.

# %%
layers = {role: {"path": str(spec.path), **({"layer": spec.layer} if spec.layer else {})} for role, spec in demo.layers.items()}
layers["landuse"] = landuse
from_frames = ll.project_from_frames(
    **layers,
    fields={role: spec.fields for role, spec in demo.layers.items() if spec.fields},
    ids={role: spec.id_field for role, spec in demo.layers.items() if spec.id_field},
    rasters={role: spec.path for role, spec in demo.rasters.items()},
    params=demo.params,
    name=demo.name,
    code=demo.code,
    county=demo.county,
    profile=demo.profile,
    crs=demo.crs,
    approved=demo.approved,
    accepted=demo.accepted,
    filed=demo.filed,
    traded=demo.traded,
    poverty_county=demo.poverty_county,
    advance_quota_m2=demo.advance_quota_m2,
)
mixed = ll.check(from_frames, lang="en")
files = ll.check(demo, lang="en")
assert sorted(mixed.findings.finding_id) == sorted(files.findings.finding_id)
mixed.run_info["inputs"]["landuse"]

# %%
# the frame handed in is not changed by the check
assert len(landuse) == len(ll.read_layer(reference, layer="landuse", bbox=extent, bbox_crs=demo.crs))
pyogrio.list_layers(OUT / "bazhong_demo_checked.gpkg")
