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
# # Quickstart: check a linkage project in a notebook
#
# This notebook loads the bundled sample project (`data/samples/bazhong_demo`, a synthetic
# 城乡建设用地增减挂钩项目区 near Bazhong with planted problems), checks it, looks at the findings,
# the area balance and a map, and writes the filing GeoPackage — the same thing `make demo`
# does on the command line (`landlink check data/samples/bazhong_demo/project.toml`).
#
# Everything that comes back is a pandas / GeoPandas object: filter, join and plot it as usual.

# %%
from pathlib import Path

import pyogrio

import landlink_gis as ll

SAMPLES = Path.cwd().parent / "data" / "samples"  # Jupyter runs a notebook in its own folder
OUT = Path.cwd().parent / "out"
OUT.mkdir(exist_ok=True)
ll.__version__

# %% [markdown]
# ## Load the project file
# A project is a TOML file: the project facts (code, profile, dates …) and one entry per layer
# role (demolition plots, new-construction plots, reference layers). See `docs/project-file.md`.

# %%
project = ll.load_project(SAMPLES / "bazhong_demo" / "project.toml")
print(project.name, project.code, project.profile, project.crs)
sorted(project.layers)

# %% [markdown]
# ## Check it
# `check` reads every layer, reprojects to the project CRS, computes ellipsoidal (CGCS2000)
# areas and runs every rule of the profile. Messages can be Chinese (`zh`, the default) or English.

# %%
result = ll.check(project, lang="en")
print(ll.summary(result, lang="en"))

# %%
result.counts()

# %% [markdown]
# ## Findings: one row per problem
# A GeoDataFrame with the columns of the output contract (`docs/output-contract.md`); the
# geometry is where the problem is (the overlap part, the invalid point).

# %%
findings = result.findings
findings[["rule_id", "severity", "layer", "plot_id", "other_id", "measured", "threshold", "unit", "message"]]

# %%
# errors only, grouped by rule
findings[findings.severity == "error"].groupby("rule_id").size()

# %% [markdown]
# ## The area balance
# Each figure in m², 公顷 (hectares) and 亩, with the status of the rule that uses it.

# %%
result.balance[["item", "scope", "label_en", "area_m2", "area_ha", "area_mu", "rule_id", "status"]]

# %% [markdown]
# ## The checked plots
# Every input feature with its attributes unchanged, plus `ll_area_m2` (ellipsoidal),
# `ll_area_planar_m2`, `ll_status` and `ll_rule_ids`.

# %%
demolition = result.plots["demolition"]
demolition.loc[demolition.ll_status != "pass", ["DKBH", "DLBM", "MJ", "ll_area_m2", "ll_status", "ll_rule_ids"]]

# %%
# GeoDataFrames out: ordinary pandas work, e.g. declared against ellipsoidal area per village
demolition.groupby("QSDWMC")[["MJ", "ll_area_m2"]].sum().round(2)

# %% [markdown]
# ## Maps
# A static map (matplotlib) and an interactive one (folium/Leaflet): plots coloured by status,
# findings outlined; click a finding on the interactive map for its message.

# %%
ax = ll.plot(result, figsize=(7, 7))

# %%
ll.explore(result, height=500)

# %% [markdown]
# ## Write the filing GeoPackage
# Written atomically, in the project CRS, GeoPackage 1.2, with the layers of the output contract.
# `docs/qgis.md` explains how to open it in QGIS.

# %%
path = ll.write_gpkg(result, OUT / "quickstart_checked.gpkg")
pyogrio.list_layers(path)

# %%
# the file holds exactly the findings of the API: area findings in `findings`, points in `finding_points`
written = pyogrio.read_dataframe(path, layer="findings")
points = pyogrio.read_dataframe(path, layer="finding_points")
assert sorted([*written.finding_id, *points.finding_id]) == sorted(findings.finding_id)
len(written), len(points), len(findings)
