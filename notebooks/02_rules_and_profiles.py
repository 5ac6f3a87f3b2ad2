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
# # Rules and profiles
#
# Which rules run, how strict they are and which province's variant applies is configuration:
# the rule registry gives defaults, a **profile** (`national`, `sichuan`, `shanxi`, `jilin`)
# changes them, the project file's `[rules]` table changes them again, and the arguments of
# `check()` win over all of these. This notebook switches the profile, ignores a rule, changes a
# threshold and explains a rule. The full catalogue is in `docs/rules.md`.

# %%
from pathlib import Path

import pandas as pd

import landlink_gis as ll

SAMPLES = Path.cwd().parent / "data" / "samples"
project = ll.load_project(SAMPLES / "bazhong_demo" / "project.toml")
project.profile, project.params

# %% [markdown]
# ## The rule catalogue
# Every rule has an ID with a family prefix (`GEOM`, `ATTR`, `BAL`, `OVL` …), a default
# severity (`error` blocks filing), parameters with defaults and a policy reference.

# %%
rules = ll.rules_table(lang="en")
rules[["rule_id", "severity", "title", "params"]]

# %%
rules.groupby("family").size()

# %%
print(ll.explain("GEOM005", lang="en"))

# %% [markdown]
# ## Switch the profile
# The sample project says `profile = "sichuan"`; `check(…, profile=…)` overrides it for one run.
# Shanxi, for example, also warns when the new-construction area is not equal to the demolition
# area (BAL001 with `equal_area_warning`).

# %%
by_profile = pd.DataFrame(
    {name: ll.check(project, profile=name, lang="en").counts() for name in ("national", "sichuan", "shanxi", "jilin")}
).T
by_profile

# %% [markdown]
# ## Ignore a rule
# `ignore` takes rule IDs or whole families (`"GEOM"`). In the project file the same is
# `[rules] ignore = ["GEOM005"]`.

# %%
base = ll.check(project, lang="en")
quiet = ll.check(project, ignore=["GEOM005"], lang="en")
assert "GEOM005" in set(base.findings.rule_id) and "GEOM005" not in set(quiet.findings.rule_id)
base.counts(), quiet.counts()

# %% [markdown]
# ## Change a threshold
# GEOM005 flags slivers: plots smaller than `min_plot_area_m2` or thinner than
# `min_compactness` (4πA/P²). The sample's sliver has a compactness of about 0.016; lowering the
# threshold to 0.01 lets it pass. In the project file: `[rules] params = { min_compactness = 0.01 }`.

# %%
base.findings.loc[base.findings.rule_id == "GEOM005", ["plot_id", "measured", "threshold", "unit", "message"]]

# %%
relaxed = ll.check(project, params={"min_compactness": 0.01}, lang="en")
assert "GEOM005" not in set(relaxed.findings.rule_id)
relaxed.run_info["params"]["min_compactness"], relaxed.counts()

# %% [markdown]
# ## Run only some rules
# `rules=` selects IDs or families, e.g. only the overlap checks against the reference layers.

# %%
overlaps = ll.check(project, rules=["OVL"], lang="en")
assert set(overlaps.findings.rule_id) <= {r for r in rules.rule_id if r.startswith("OVL")}
overlaps.findings[["rule_id", "plot_id", "other_layer", "other_id", "measured", "unit"]]

# %% [markdown]
# ## Change a severity
# A project (or a profile) can make a warning blocking: `[rules] severity = { GEOM005 = "error" }`.
# Projects are frozen; `with_changes` gives a changed copy and leaves the original as it was.

# %%
strict = project.with_changes(severity={"GEOM005": "error"})
strict_result = ll.check(strict, lang="en")
assert (strict_result.findings.loc[strict_result.findings.rule_id == "GEOM005", "severity"] == "error").all()
assert project.severity == {}
strict_result.counts()

# %% [markdown]
# ## The same in Chinese
# Messages, titles and the summary come in Chinese by default (`lang="zh"`).

# %%
ll.check(project, rules=["OVL001"]).findings[["rule_id", "plot_id", "message"]]
