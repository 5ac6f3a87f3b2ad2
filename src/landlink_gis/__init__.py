"""landlink-gis: check land-linkage projects (城乡建设用地增减挂钩项目区) before filing.

The public API, re-exported here; the work is done in the modules named in ``docs/design.md``::

    import landlink_gis as ll
    result = ll.check(ll.load_project("project.toml"))
    result.findings, result.balance, result.plots, result.summary(), result.to_gpkg("out.gpkg")

Heavy optional packages (folium, matplotlib, dask) are imported only by the functions that
use them (``CheckResult.explore``, ``CheckResult.plot`` …).
"""

__version__ = "0.1.0"

from .api import check, explain, load_project, project_from_frames, read_layer, rules_table
from .errors import DataSourceError, InputError, LandlinkError, OutputError, ProjectFileError
from .project import LayerSpec, Project, RasterSpec
from .result import CheckResult

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
    "load_project",
    "project_from_frames",
    "read_layer",
    "rules_table",
]
