"""GDAL configuration options for one block of code (writing the filing GeoPackage, digesting one).

A writing helper, like :mod:`.atomic` and :mod:`.gpkg_digest`: it reads nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["gdal_config"]


@contextlib.contextmanager
def gdal_config(options: dict[str, str]) -> Iterator[None]:
    """GDAL configuration ``options`` set within the block, the previous values restored after
    it."""
    import pyogrio

    before = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)
