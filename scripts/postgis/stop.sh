#!/usr/bin/env bash
# Stop a server started by scripts/postgis/start.sh (pg_ctl stop -m fast). Removes nothing.
#
#   scripts/postgis/stop.sh DATADIR
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 DATADIR" >&2
    exit 2
fi
PG_MAJOR="${PG_MAJOR:-15}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/${PG_MAJOR}/bin}"
DATADIR="$1"

if [[ ! -f "$DATADIR/postmaster.pid" ]]; then
    echo "postgis/stop: no server running in $DATADIR"
    exit 0
fi
if [[ "$(id -u)" -eq 0 ]]; then
    if command -v runuser >/dev/null 2>&1; then
        (cd / && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$DATADIR" -m fast -w -t 60 stop)
    else
        (cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$PG_BIN/pg_ctl" -D "$DATADIR" -m fast -w -t 60 stop)")
    fi
else
    "$PG_BIN/pg_ctl" -D "$DATADIR" -m fast -w -t 60 stop
fi
echo "postgis/stop: stopped server in $DATADIR"
