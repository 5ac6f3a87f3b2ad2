"""landlink-gis QGIS plugin: a Processing provider that runs landlink-gis.

Nothing here imports ``landlink_gis``: QGIS's Python may lack geopandas and pyogrio, and a second
GDAL in the QGIS process is a crash risk, so the algorithms run the ``landlink`` command in a
subprocess by default (see :mod:`.runner`).
"""


def classFactory(iface):  # noqa: N802 - the name QGIS looks for
    """The plugin instance QGIS loads."""
    from .plugin import LandlinkPlugin

    return LandlinkPlugin(iface)
