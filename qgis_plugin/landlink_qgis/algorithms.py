"""The Processing algorithms: Check linkage project, Create ledger, Register in ledger, Build filing
package. Each has a Language parameter (中文 first): under ``zh`` every message the plugin writes is
Chinese (:mod:`.messages`)."""

import os

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProcessingUtils,
    QgsVectorLayer,
)

from .messages import LANG_LABELS, LANGS, tr
from .project_toml import REFERENCE_ROLES, write_project_toml
from .runner import EXIT_INPUT, failure, run_landlink

PROFILES = ["national", "sichuan", "shanxi", "jilin"]
#: layers of the filing GeoPackage, loaded in this order (DOMAIN.md §5; the plot layers only when present)
GPKG_LAYERS = ["findings", "finding_points", "demolition_plots", "construction_plots"]


class _Base(QgsProcessingAlgorithm):
    def group(self):
        return ""

    def groupId(self):  # noqa: N802 - QGIS API name
        return ""

    def createInstance(self):  # noqa: N802 - QGIS API name
        return type(self)()

    def flags(self):
        # layers are opened and the report is opened in the main thread
        return super().flags() | QgsProcessingAlgorithm.FlagNoThreading

    def _add_lang(self):
        self.addParameter(QgsProcessingParameterEnum("LANG", "Language (语言)", LANG_LABELS, defaultValue=0))

    def _lang(self, parameters, context):
        return LANGS[self.parameterAsEnum(parameters, "LANG", context)]

    def _force_args(self, parameters, context, lang):
        """``--force --reason …`` when forced; a forced run needs a reason."""
        if not self.parameterAsBool(parameters, "FORCE", context):
            return []
        reason = self.parameterAsString(parameters, "REASON", context).strip()
        if not reason:
            raise QgsProcessingException(tr("need_reason", lang))
        return ["--force", "--reason", reason]


class CheckProjectAlgorithm(_Base):
    """Run ``landlink check`` on a project TOML, or on layers loaded in QGIS plus the project facts."""

    PROJECT, OUTPUT, REPORT, LANG = "PROJECT", "OUTPUT", "REPORT", "LANG"
    DEMOLITION, CONSTRUCTION, DEM = "DEMOLITION", "CONSTRUCTION", "DEM"
    NAME, CODE, COUNTY, PROFILE = "NAME", "CODE", "COUNTY", "PROFILE"
    APPROVED, ACCEPTED, FILED, TRADED = "APPROVED", "ACCEPTED", "FILED", "TRADED"
    POVERTY, ADVANCE = "POVERTY_COUNTY", "ADVANCE_QUOTA_M2"
    #: the facts filing needs (landlink package): parameter → ([project] key, label, type)
    FILING_FACTS = (
        ("FILING_CODE", "filing_code", "Filing code (备案编号)", str),
        ("HOUSEHOLDS", "households", "Households relocated (搬迁安置户数)", int),
        ("FUNDS_WAN_YUAN", "funds_wan_yuan", "Funds invested, 万元 (投入资金)", float),
        ("APPROVED_SCALE_M2", "approved_scale_m2", "Approved scale, m² (批准规模)", float),
        ("TURNOVER_QUOTA_M2", "turnover_quota_m2", "Turnover quota issued, m² (下达周转指标)", float),
    )
    LOAD, OPEN_REPORT = "LOAD_LAYERS", "OPEN_REPORT"

    def name(self):
        return "check_project"

    def displayName(self):  # noqa: N802 - QGIS API name
        return "Check linkage project"

    def shortHelpString(self):  # noqa: N802 - QGIS API name
        return (
            "Checks a land-linkage project (城乡建设用地增减挂钩项目区) with landlink-gis and writes the filing "
            "GeoPackage and the HTML report. Give a project TOML, or the demolition and construction layers "
            "(and optional reference layers) loaded in QGIS together with the project facts. The GeoPackage's "
            "layers are loaded with their embedded styles. Exit code 2 of landlink (inputs that cannot be "
            "checked) fails the algorithm with landlink's message."
        )

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API name
        self.addParameter(QgsProcessingParameterFile(self.PROJECT, "Project file (TOML)", extension="toml", optional=True))
        polygons = [QgsProcessing.TypeVectorPolygon]
        self.addParameter(QgsProcessingParameterVectorLayer(self.DEMOLITION, "Demolition plots (拆旧地块), when no project file", polygons, optional=True))
        self.addParameter(QgsProcessingParameterVectorLayer(self.CONSTRUCTION, "New-construction plots (建新地块)", polygons, optional=True))
        for role, label in REFERENCE_ROLES.items():
            self.addParameter(QgsProcessingParameterVectorLayer(role.upper(), label, polygons, optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(self.DEM, "DEM (高程)", optional=True))
        for key, label in ((self.NAME, "Project name (项目区名称)"), (self.CODE, "Project code (项目区编号)"), (self.COUNTY, "County (县区)")):
            self.addParameter(QgsProcessingParameterString(key, label, optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.PROFILE, "Profile", PROFILES, defaultValue=0))
        for key, label in ((self.APPROVED, "Approved (批准日期, YYYY-MM-DD)"), (self.ACCEPTED, "Accepted (验收日期)"),
                           (self.FILED, "Filed (报备日期)"), (self.TRADED, "Traded (交易日期)")):
            self.addParameter(QgsProcessingParameterString(key, label, optional=True))
        self.addParameter(QgsProcessingParameterBoolean(self.POVERTY, "Poverty county (贫困县)", defaultValue=False))
        self.addParameter(QgsProcessingParameterNumber(self.ADVANCE, "Advanced surplus quota, m² (预支指标)", QgsProcessingParameterNumber.Double, optional=True, minValue=0))
        for key, _, label, kind in self.FILING_FACTS:
            if kind is str:
                self.addParameter(QgsProcessingParameterString(key, label, optional=True))
            else:
                number = QgsProcessingParameterNumber.Integer if kind is int else QgsProcessingParameterNumber.Double
                self.addParameter(QgsProcessingParameterNumber(key, label, number, optional=True, minValue=0))
        self._add_lang()
        self.addParameter(QgsProcessingParameterBoolean(self.REPORT, "Write the HTML report", defaultValue=True))
        self.addParameter(QgsProcessingParameterBoolean(self.LOAD, "Load the result layers", defaultValue=True))
        self.addParameter(QgsProcessingParameterBoolean(self.OPEN_REPORT, "Open the HTML report", defaultValue=True))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT, "Filing GeoPackage", "GeoPackage (*.gpkg)"))
        self.addOutput(QgsProcessingOutputNumber("FINDINGS", "Findings"))
        self.addOutput(QgsProcessingOutputNumber("ERRORS", "Error findings"))
        self.addOutput(QgsProcessingOutputNumber("EXIT_CODE", "landlink exit code"))
        self.addOutput(QgsProcessingOutputMultipleLayers("LAYERS", "Result layers"))
        self.addOutput(QgsProcessingOutputString("VERDICT", "Verdict (fileable, must_fix or incomplete)"))

    def _project_file(self, parameters, context, feedback, lang):
        project = self.parameterAsFile(parameters, self.PROJECT, context)
        if project:
            return project
        demolition = self.parameterAsVectorLayer(parameters, self.DEMOLITION, context)
        if demolition is None:
            raise QgsProcessingException(tr("need_project", lang))
        layers = {"demolition": demolition, "construction": self.parameterAsVectorLayer(parameters, self.CONSTRUCTION, context)}
        for role in REFERENCE_ROLES:
            layers[role] = self.parameterAsVectorLayer(parameters, role.upper(), context)
        dem = self.parameterAsRasterLayer(parameters, self.DEM, context)
        facts = {
            "name": self.parameterAsString(parameters, self.NAME, context),
            "code": self.parameterAsString(parameters, self.CODE, context),
            "county": self.parameterAsString(parameters, self.COUNTY, context),
            "profile": PROFILES[self.parameterAsEnum(parameters, self.PROFILE, context)],
            "poverty_county": self.parameterAsBool(parameters, self.POVERTY, context),
        }
        for key in (self.APPROVED, self.ACCEPTED, self.FILED, self.TRADED):
            facts[key.lower()] = self.parameterAsString(parameters, key, context)
        if parameters.get(self.ADVANCE) not in (None, ""):
            facts["advance_quota_m2"] = self.parameterAsDouble(parameters, self.ADVANCE, context)
        for key, fact, _, kind in self.FILING_FACTS:
            if parameters.get(key) in (None, ""):
                continue
            if kind is str:
                facts[fact] = self.parameterAsString(parameters, key, context).strip()
            elif kind is int:
                facts[fact] = self.parameterAsInt(parameters, key, context)
            else:
                facts[fact] = self.parameterAsDouble(parameters, key, context)
        folder = QgsProcessingUtils.tempFolder()
        return write_project_toml(os.path.join(folder, "landlink_project.toml"), facts, layers,
                                  dem.source() if dem else None, feedback, lang)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API name
        lang = self._lang(parameters, context)
        project = self._project_file(parameters, context, feedback, lang)
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        args = ["check", project, "-o", output, "--lang", lang]
        if self.parameterAsBool(parameters, self.REPORT, context):
            args.append("--report")
        result = run_landlink(args, feedback, lang)
        if result.returncode not in (0, 1) or not os.path.exists(output):
            raise failure(result, "landlink check", lang)
        verdict, verdict_text = _verdict(output)
        if verdict_text:  # the check's verdict first (可以报备 / 须整改 / 检查不完整，暂不能报备)
            feedback.pushInfo(f"{'结论：' if lang == 'zh' else 'Verdict: '}{verdict_text}")
        counts = {name: _feature_count(output, name) for name in GPKG_LAYERS}
        findings = counts["findings"] + counts["finding_points"]
        errors = _count_where(output, "\"severity\" = 'error'")
        loaded = []
        if self.parameterAsBool(parameters, self.LOAD, context):
            loaded = _load_layers(output, context, feedback, lang)
        report = os.path.splitext(output)[0] + ".html"
        if os.path.exists(report) and self.parameterAsBool(parameters, self.OPEN_REPORT, context):
            from qgis.PyQt.QtCore import QUrl
            from qgis.PyQt.QtGui import QDesktopServices

            QDesktopServices.openUrl(QUrl.fromLocalFile(report))
        feedback.pushInfo(tr("done", lang, findings=findings, errors=errors, code=result.returncode))
        return {self.OUTPUT: output, "REPORT_HTML": report if os.path.exists(report) else None, "FINDINGS": findings,
                "ERRORS": errors, "EXIT_CODE": result.returncode, "LAYERS": loaded, "VERDICT": verdict}


def _layer(path, name):
    return QgsVectorLayer(f"{path}|layername={name}", name, "ogr")


def _feature_count(path, name):
    layer = _layer(path, name)
    return layer.featureCount() if layer.isValid() else 0


def _verdict(path):
    """``(code, words)`` of the check's verdict from the GeoPackage's ``run_info`` (None: not recorded)."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            rows = dict(con.execute("SELECT key, value FROM run_info WHERE key IN ('verdict', 'verdict_text')"))
    except sqlite3.Error:
        return None, None
    return rows.get("verdict"), rows.get("verdict_text")


def _count_where(path, expression):
    total = 0
    for name in ("findings", "finding_points"):
        layer = _layer(path, name)
        if layer.isValid():
            layer.setSubsetString(expression)
            total += layer.featureCount()
    return total


def _load_layers(path, context, feedback, lang):
    """Open the GeoPackage's layers (QGIS applies the default style from ``layer_styles``) and load them when done."""
    ids = []
    base = os.path.splitext(os.path.basename(path))[0]
    for name in GPKG_LAYERS:
        layer = _layer(path, name)
        if not layer.isValid():
            continue
        layer.setName(f"{base} — {name}")
        context.temporaryLayerStore().addMapLayer(layer)
        context.addLayerToLoadOnCompletion(layer.id(), QgsProcessingContext.LayerDetails(layer.name(), context.project(), name))
        ids.append(layer.id())
    feedback.pushInfo(tr("loaded", lang, n=len(ids), path=path))
    return ids


class LedgerAddAlgorithm(_Base):
    """``landlink ledger -L LEDGER add CHECKED.gpkg``."""

    def name(self):
        return "ledger_add"

    def displayName(self):  # noqa: N802 - QGIS API name
        return "Register in ledger"

    def shortHelpString(self):  # noqa: N802 - QGIS API name
        return ("Registers a checked project (the filing GeoPackage of “Check linkage project”) in the county ledger "
                "(台账): a ledger GeoPackage or a postgresql:// URL. landlink refuses projects with error findings or "
                "plots already used by another project unless forced with a reason.")

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API name
        self.addParameter(QgsProcessingParameterFile("CHECKED", "Checked project (filing GeoPackage)", extension="gpkg"))
        self.addParameter(QgsProcessingParameterString("LEDGER", "Ledger (.gpkg path or postgresql:// URL)"))
        self.addParameter(QgsProcessingParameterBoolean("FORCE", "Register despite error findings or overlaps", defaultValue=False))
        self.addParameter(QgsProcessingParameterString("REASON", "Reason (needed with force)", optional=True))
        self._add_lang()
        self.addOutput(QgsProcessingOutputNumber("EXIT_CODE", "landlink exit code"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API name
        lang = self._lang(parameters, context)
        args = ["ledger", "-L", self.parameterAsString(parameters, "LEDGER", context), "add",
                self.parameterAsFile(parameters, "CHECKED", context)]
        args += self._force_args(parameters, context, lang)
        result = run_landlink(args, feedback, lang)
        if result.returncode != 0:
            raise failure(result, "landlink ledger add", lang)
        return {"EXIT_CODE": result.returncode}


class LedgerInitAlgorithm(_Base):
    """``landlink ledger init LEDGER --crs CRS``: a new, empty county ledger (台账)."""

    def name(self):
        return "ledger_init"

    def displayName(self):  # noqa: N802 - QGIS API name
        return "Create ledger"

    def shortHelpString(self):  # noqa: N802 - QGIS API name
        return ("Creates a new, empty county ledger (台账) with `landlink ledger init`: a GeoPackage file or a "
                "postgresql:// URL, storing plots in the county's CRS (e.g. EPSG:4545, CGCS2000 3-degree zone). "
                "landlink refuses to overwrite an existing ledger.")

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API name
        self.addParameter(QgsProcessingParameterString("LEDGER", "Ledger to create (.gpkg path or postgresql:// URL)"))
        self.addParameter(QgsProcessingParameterCrs("CRS", "CRS of the stored plots (坐标系)", defaultValue="EPSG:4545"))
        self._add_lang()
        self.addOutput(QgsProcessingOutputNumber("EXIT_CODE", "landlink exit code"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API name
        lang = self._lang(parameters, context)
        ledger = self.parameterAsString(parameters, "LEDGER", context).strip()
        crs = self.parameterAsCrs(parameters, "CRS", context).authid()
        # landlink ledger init answers in English only: under zh the algorithm says it itself
        result = run_landlink(["ledger", "init", ledger, "--crs", crs], feedback, lang, echo=lang != "zh")
        if result.returncode != 0:
            raise failure(result, "landlink ledger init", lang)
        feedback.pushInfo(tr("ledger_created", lang, ledger=ledger, crs=crs))
        return {"LEDGER": ledger, "EXIT_CODE": result.returncode}


class BuildPackageAlgorithm(_Base):
    """``landlink package CHECKED.gpkg -o FOLDER``: the online filing package (报部备案)."""

    def name(self):
        return "build_package"

    def displayName(self):  # noqa: N802 - QGIS API name
        return "Build filing package"

    def shortHelpString(self):  # noqa: N802 - QGIS API name
        return ("Builds the online filing package (报部备案) of a checked project with `landlink package`: the "
                "coordinate exchange TXTs, the summary table, the GeoPackage and its report and a manifest. Input: "
                "the filing GeoPackage of “Check linkage project”. landlink refuses projects with error findings "
                "unless forced with a reason. Needs a landlink-gis version that has the package command.")

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API name
        self.addParameter(QgsProcessingParameterFile("INPUT", "Checked project (filing GeoPackage)", extension="gpkg"))
        self.addParameter(QgsProcessingParameterBoolean("ZIP", "Also write a .zip of the package", defaultValue=True))
        self.addParameter(QgsProcessingParameterString("PRODUCER", "数据产生单位 (default: the county)", optional=True))
        self.addParameter(QgsProcessingParameterBoolean("FORCE", "Package despite error findings", defaultValue=False))
        self.addParameter(QgsProcessingParameterString("REASON", "Reason (needed with force)", optional=True))
        self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Package folder"))
        self._add_lang()
        self.addOutput(QgsProcessingOutputNumber("EXIT_CODE", "landlink exit code"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API name
        lang = self._lang(parameters, context)
        probe = run_landlink(["package", "--help"], lang=lang)
        if probe.returncode == EXIT_INPUT and "no such command" in (probe.stderr + probe.stdout).lower():
            raise QgsProcessingException(tr("no_package_command", lang))
        output = self.parameterAsString(parameters, "OUTPUT", context)
        args = ["package", self.parameterAsFile(parameters, "INPUT", context), "-o", output]
        if self.parameterAsBool(parameters, "ZIP", context):
            args.append("--zip")
        producer = self.parameterAsString(parameters, "PRODUCER", context)
        if producer:
            args += ["--producer", producer]
        args += self._force_args(parameters, context, lang)
        result = run_landlink(args, feedback, lang)
        # exit 1 with a package written: it has items to fix before upload (missing facts …), listed in the log
        if result.returncode not in (0, 1) or not os.path.exists(os.path.join(output, "manifest.json")):
            raise failure(result, "landlink package", lang)
        if result.returncode == 1:
            feedback.reportError(tr("package_todo", lang), False)
        return {"OUTPUT": output, "EXIT_CODE": result.returncode}
