#!/usr/bin/env bash
# System packages the tests need (Debian): PostgreSQL + PostGIS for the PostGIS tests,
# Chromium for the HTML report test, QGIS 3 (PyQGIS + processing) for the QGIS plugin test,
# LibreOffice Calc (headless) and poppler-utils for the workbook print test (xlsx -> PDF -> text boxes).
# Idempotent; uses sudo only when not root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/../postgis/install.sh" ]; then
  bash "$here/../postgis/install.sh"
fi
# Headless Chromium (HTML report test) and a CJK font so its screenshots show Chinese text.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need+=(fonts-wqy-microhei)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
# PyQGIS with the processing framework and the data providers (tests/test_qgis_plugin.py,
# scripts/screenshots.py), run headless with Debian's /usr/bin/python3; no desktop recommends.
qgis_need=()
for pkg in python3-qgis qgis-providers; do
  dpkg -s "$pkg" >/dev/null 2>&1 || qgis_need+=("$pkg")
done
if [ ${#qgis_need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${qgis_need[@]}"
fi
# LibreOffice Calc without the desktop (soffice --headless --convert-to pdf) and poppler-utils
# (pdftotext -bbox) for tests/outputs/test_xlsx_pdf.py; no recommends.
office_need=()
for pkg in libreoffice-calc-nogui poppler-utils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || office_need+=("$pkg")
done
if [ ${#office_need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${office_need[@]}"
fi
