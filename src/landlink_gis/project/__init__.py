"""Stage 1, the project file: the TOML parsed once into a :class:`Project`.

``file`` parses and validates the file; ``values`` coerces the project facts and quota sources.
"""

from .file import LayerSpec, Project, RasterSpec, load_project, parse_project

__all__ = ["LayerSpec", "Project", "RasterSpec", "load_project", "parse_project"]
