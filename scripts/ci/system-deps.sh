#!/usr/bin/env bash
# System packages the tests need (Debian): PostgreSQL + PostGIS for the PostGIS tests,
# Chromium for the HTML report test. Idempotent; uses sudo only when not root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/../postgis/install.sh" ]; then
  bash "$here/../postgis/install.sh"
fi
