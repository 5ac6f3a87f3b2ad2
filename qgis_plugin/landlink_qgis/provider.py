"""The landlink-gis Processing provider and its setting (the ``landlink`` executable)."""

from qgis.core import QgsProcessingProvider

from .algorithms import (
    BuildPackageAlgorithm,
    CheckProjectAlgorithm,
    LedgerAddAlgorithm,
    LedgerInitAlgorithm,
)
from .runner import EXECUTABLE_SETTING

PROVIDER_ID = "landlink"


class LandlinkProvider(QgsProcessingProvider):
    """Check linkage project, Create ledger, Register in ledger, Build filing package."""

    def id(self):
        return PROVIDER_ID

    def name(self):
        return "landlink-gis"

    def longName(self):  # noqa: N802 - QGIS API name
        return "landlink-gis (城乡建设用地增减挂钩 项目区检查)"

    def load(self):
        try:  # the Processing options page (absent when only qgis.core is used)
            from processing.core.ProcessingConfig import ProcessingConfig, Setting

            ProcessingConfig.addSetting(
                Setting(
                    self.name(),
                    EXECUTABLE_SETTING,
                    "landlink executable (empty: `landlink` on PATH, else the landlink_gis package in QGIS's Python)",
                    "",
                    valuetype=Setting.FILE,
                )
            )
            ProcessingConfig.readSettings()
        except ImportError:
            pass
        self.refreshAlgorithms()
        return True

    def unload(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig

            ProcessingConfig.removeSetting(EXECUTABLE_SETTING)
        except (ImportError, KeyError):
            pass

    def loadAlgorithms(self):  # noqa: N802 - QGIS API name
        for alg in (CheckProjectAlgorithm(), LedgerInitAlgorithm(), LedgerAddAlgorithm(), BuildPackageAlgorithm()):
            self.addAlgorithm(alg)
