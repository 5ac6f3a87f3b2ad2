"""The plugin object: registers the Processing provider (no toolbar or menu of its own)."""

from qgis.core import QgsApplication

from .provider import LandlinkProvider


class LandlinkPlugin:
    """Adds the landlink-gis provider to the Processing toolbox."""

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802 - QGIS API name
        """Register the provider (also called by QGIS for headless Processing)."""
        if self.provider is None:
            self.provider = LandlinkProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 - QGIS API name
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
