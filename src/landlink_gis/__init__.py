"""landlink-gis: check land-linkage projects (城乡建设用地增减挂钩项目区) before filing.

The public API, re-exported here; the work is done in the modules named in ``docs/design.md``::

    import landlink_gis as ll
    result = ll.check(ll.load_project("project.toml"))
    result.findings, result.balance, result.plots
    ll.summary(result), ll.write(result, "out.gpkg", kinds=["report", "xlsx"]), ll.explore(result)

Heavy optional packages (folium, matplotlib, dask) are imported only by the functions that
use them (``explore``, ``plot`` …).
"""

from ._version import __version__
from .api import (
    check,
    explain,
    explore,
    load_project,
    plot,
    project_from_frames,
    read_layer,
    rules_table,
    summary,
    write,
    write_gpkg,
)
from .base.errors import DataSourceError, InputError, LandlinkError, OutputError, ProjectFileError
from .project.file import LayerSpec, Project, RasterSpec
from .run.result import CheckResult

__all__ = [
    "CheckResult",
    "DataSourceError",
    "InputError",
    "LandlinkError",
    "LayerSpec",
    "OutputError",
    "Project",
    "ProjectFileError",
    "RasterSpec",
    "__version__",
    "check",
    "explain",
    "explore",
    "load_project",
    "plot",
    "project_from_frames",
    "read_layer",
    "rules_table",
    "summary",
    "write",
    "write_gpkg",
]
