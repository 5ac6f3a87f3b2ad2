"""Screenshots for the docs: the demo's styled filing GeoPackage in QGIS and its HTML report.

Run with Debian's Python, which has PyQGIS (scripts/ci/system-deps.sh installs it)::

    /usr/bin/python3 scripts/screenshots.py            # → docs/img/qgis_demo.png,
    docs/img/report_demo.png

It checks ``data/samples/bazhong_demo`` with the venv's ``landlink`` (``--landlink`` to change),
renders the filing GeoPackage's layers with the styles embedded in it (PyQGIS
QgsMapRendererParallelJob, offscreen) and the HTML report in headless Chromium.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
logger = logging.getLogger("screenshots")


def check_demo(landlink: Path, out: Path) -> tuple[Path, Path]:
    """Run ``landlink check`` on the demo sample; return the GeoPackage and the HTML report."""
    gpkg = out / "bazhong_demo_checked.gpkg"
    rc = subprocess.run(
        [
            str(landlink),
            "check",
            str(REPO / "data/samples/bazhong_demo/project.toml"),
            "-o",
            str(gpkg),
            "--report",
            "-q",
        ]
    ).returncode
    if rc not in (0, 1):
        raise SystemExit(f"landlink check failed with exit code {rc}")
    return gpkg, gpkg.with_suffix(".html")


def render_map(gpkg: Path, target: Path, *, size: tuple[int, int] = (1600, 1200)) -> None:
    """Render the styled layers of ``gpkg`` (with the demo's boundary and land use underneath) to
    a PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.append("/usr/share/qgis/python/plugins")
    from qgis.core import (
        QgsApplication,
        QgsFillSymbol,
        QgsMapRendererParallelJob,
        QgsMapSettings,
        QgsRectangle,
        QgsSingleSymbolRenderer,
        QgsVectorLayer,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    try:
        layers = []
        for name in ("finding_points", "findings", "construction_plots", "demolition_plots"):
            layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
            if not layer.isValid():
                raise SystemExit(f"{gpkg}: layer {name} does not open in QGIS")
            layers.append(layer)
        reference = REPO / "data/samples/bazhong_demo/reference.gpkg"
        for name, style in (
            ("boundary", {"color": "0,0,0,0", "outline_color": "60,60,60", "outline_width": "0.6"}),
            (
                "landuse",
                {"color": "245,243,235", "outline_color": "215,210,200", "outline_width": "0.1"},
            ),
        ):
            layer = QgsVectorLayer(f"{reference}|layername={name}", name, "ogr")
            layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(style)))
            layers.append(layer)
        extent = QgsRectangle(layers[2].extent())
        extent.combineExtentWith(layers[3].extent())
        extent.grow(max(extent.width(), extent.height()) * 0.05)
        settings = QgsMapSettings()
        settings.setLayers(layers)
        settings.setDestinationCrs(layers[3].crs())
        settings.setBackgroundColor(QColor(255, 255, 255))
        settings.setOutputSize(QSize(*size))
        settings.setExtent(extent)
        job = QgsMapRendererParallelJob(settings)
        job.start()
        job.waitForFinished()
        target.parent.mkdir(parents=True, exist_ok=True)
        if not job.renderedImage().save(str(target), "PNG"):
            raise SystemExit(f"cannot write {target}")
        del layers, layer, job  # map layers must go before QgsApplication does
    finally:
        app.exitQgis()


def screenshot_html(html: Path, target: Path, *, size: tuple[int, int] = (1280, 1600)) -> None:
    """A headless Chromium screenshot of ``html``."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium not found; run scripts/ci/system-deps.sh")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={size[0]},{size[1]}",
                f"--screenshot={target}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    if not target.exists():
        raise SystemExit(f"chromium wrote no screenshot to {target}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--landlink", type=Path, default=REPO / ".venv/bin/landlink", help="the landlink executable"
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs/img", help="folder of the PNGs")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        gpkg, html = check_demo(args.landlink, Path(tmp))
        render_map(gpkg, args.out / "qgis_demo.png")
        screenshot_html(html, args.out / "report_demo.png")
    logger.info("→ %s\n→ %s", args.out / "qgis_demo.png", args.out / "report_demo.png")


if __name__ == "__main__":
    main()
