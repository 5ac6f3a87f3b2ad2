"""landlink-gis: check land-linkage projects (城乡建设用地增减挂钩项目区) before filing."""

__version__ = "0.1.0"
