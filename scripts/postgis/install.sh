#!/usr/bin/env bash
# Install PostgreSQL 15 + PostGIS 3 from Debian (bookworm) packages, for the tests and benchmarks.
#
# Idempotent: does nothing when the PostGIS extension files are already present. The Debian
# cluster service is never left running: the tests start their own throw-away server with
# scripts/postgis/start.sh. Needs root (or sudo) only when packages must be installed.
set -euo pipefail

PG_MAJOR="${PG_MAJOR:-15}"
CONTROL="/usr/share/postgresql/${PG_MAJOR}/extension/postgis.control"
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"

log() { echo "postgis/install: $*"; }

if [[ -f "$CONTROL" && -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]]; then
    log "PostgreSQL ${PG_MAJOR} and PostGIS already installed ($CONTROL); nothing to do"
    exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    log "ERROR: PostGIS is missing and installing it needs root; run as root or install sudo" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    log "ERROR: apt-get not found; install postgresql-${PG_MAJOR} and postgresql-${PG_MAJOR}-postgis-3 by hand" >&2
    exit 1
fi

# Was the Debian cluster already running? Only stop it afterwards when the install started it.
running_before=""
if command -v pg_lsclusters >/dev/null 2>&1; then
    running_before="$(pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" {print $1 "/" $2}' || true)"
fi

# Keep maintainer scripts from starting services during the install (Debian's policy-rc.d hook).
POLICY=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e "$POLICY" ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
    "${SUDO[@]}" chmod 755 "$POLICY"
    created_policy=1
fi
cleanup() {
    if [[ "$created_policy" -eq 1 ]]; then "${SUDO[@]}" rm -f "$POLICY"; fi
}
trap cleanup EXIT

start=$(date +%s)
log "installing postgresql-${PG_MAJOR} postgresql-${PG_MAJOR}-postgis-3 with apt-get"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "postgresql-${PG_MAJOR}" "postgresql-${PG_MAJOR}-postgis-3"

# Stop any Debian cluster the packages started (one that was not running before).
if command -v pg_lsclusters >/dev/null 2>&1; then
    while read -r ver name; do
        [[ -z "$ver" ]] && continue
        if ! grep -qx "$ver/$name" <<<"$running_before"; then
            log "stopping Debian cluster $ver/$name started by the package install"
            "${SUDO[@]}" pg_ctlcluster "$ver" "$name" stop || true
        fi
    done < <(pg_lsclusters --no-header 2>/dev/null | awk '$4 == "online" {print $1, $2}')
fi

if [[ ! -f "$CONTROL" ]]; then
    log "ERROR: install finished but $CONTROL is still missing" >&2
    exit 1
fi
log "installed PostgreSQL ${PG_MAJOR} + PostGIS in $(( $(date +%s) - start ))s ($CONTROL)"
