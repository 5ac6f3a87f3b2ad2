#!/usr/bin/env bash
# Start a throw-away PostgreSQL + PostGIS server for tests and benchmarks.
#
#   scripts/postgis/start.sh DATADIR PORT
#
# Creates the cluster in DATADIR when it is empty or missing (initdb), listens on 127.0.0.1:PORT
# only, with its unix socket in DATADIR, and sets up
#   - superuser `postgres`: trust over the unix socket only;
#   - role `landlink` / password `landlink-test-pw` (scram-sha-256 over 127.0.0.1), owner of the
#     database `landlink`, which has the postgis extension.
# Waits until the server accepts connections and prints the connection URL on the last line of
# stdout (progress goes to stderr). As root the server runs as the `postgres` system user
# (PostgreSQL refuses to run as root), so DATADIR's parent must be reachable by that user.
# Stop it with scripts/postgis/stop.sh DATADIR.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 DATADIR PORT" >&2
    exit 2
fi
PG_MAJOR="${PG_MAJOR:-15}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/${PG_MAJOR}/bin}"
DB_USER=landlink
DB_PASSWORD=landlink-test-pw
DB_NAME=landlink
PORT="$2"

log() { echo "postgis/start: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65536 )) || die "PORT must be 1-65535, got '$PORT'"
[[ -x "$PG_BIN/initdb" ]] || die "$PG_BIN/initdb not found; run scripts/postgis/install.sh first"
[[ -f "/usr/share/postgresql/${PG_MAJOR}/extension/postgis.control" ]] \
    || die "PostGIS extension not installed; run scripts/postgis/install.sh first"

mkdir -p "$1"
DATADIR="$(cd "$1" && pwd -P)"
# A unix socket path is limited to 107 bytes.
if (( ${#DATADIR} + 20 > 107 )); then
    die "DATADIR path too long for a unix socket (${#DATADIR} chars): $DATADIR; use a shorter one"
fi

# Run PostgreSQL programs as `postgres` when we are root.
if [[ "$(id -u)" -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root but no 'postgres' system user exists"
    chown postgres: "$DATADIR"
    chmod 700 "$DATADIR"
    if command -v runuser >/dev/null 2>&1; then
        as_pg() { (cd / && runuser -u postgres -- "$@"); }
    else
        as_pg() { local q; printf -v q '%q ' "$@"; (cd / && su postgres -s /bin/sh -c "$q"); }
    fi
    as_pg test -w "$DATADIR" \
        || die "user 'postgres' cannot write $DATADIR (a parent directory is not traversable?)"
else
    as_pg() { "$@"; }
fi

LOGFILE="$DATADIR/server.log"
if [[ -f "$DATADIR/PG_VERSION" ]]; then
    log "reusing existing cluster in $DATADIR"
else
    [[ -z "$(ls -A "$DATADIR")" ]] || die "$DATADIR is neither empty nor a PostgreSQL cluster"
    log "initdb $DATADIR"
    as_pg "$PG_BIN/initdb" -D "$DATADIR" -U postgres --no-sync -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >&2 \
        || as_pg "$PG_BIN/initdb" -D "$DATADIR" -U postgres --no-sync -E UTF8 --locale=C \
            --auth-local=trust --auth-host=scram-sha-256 >&2
    as_pg tee "$DATADIR/pg_hba.conf" >/dev/null <<'HBA'
# landlink-gis test server: superuser over the unix socket only; password auth over loopback.
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       all                      trust
host    all       postgres  127.0.0.1/32   reject
host    all       all       127.0.0.1/32   scram-sha-256
HBA
    as_pg tee -a "$DATADIR/postgresql.conf" >/dev/null <<CONF

# --- landlink-gis test server ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DATADIR'
password_encryption = 'scram-sha-256'
max_connections = 50
shared_buffers = 128MB
# throw-away data: durability is not needed, speed is
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
CONF
fi

log "starting server on 127.0.0.1:$PORT"
# -o overrides the port of a reused cluster too.
if ! as_pg "$PG_BIN/pg_ctl" -D "$DATADIR" -l "$LOGFILE" -w -t 60 \
        -o "-p $PORT -k $DATADIR -c listen_addresses=127.0.0.1" start >&2; then
    log "server log ($LOGFILE):"
    tail -n 30 "$LOGFILE" >&2 || true
    die "could not start PostgreSQL on 127.0.0.1:$PORT (port in use?)"
fi

for _ in $(seq 1 60); do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then break; fi
    sleep 0.5
done
"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" || die "server did not become ready on 127.0.0.1:$PORT"

log "creating role $DB_USER, database $DB_NAME, extension postgis"
as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DATADIR" -p "$PORT" -U postgres -d postgres >&2 <<SQL
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', '$DB_USER', '$DB_PASSWORD')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER') \gexec
ALTER ROLE $DB_USER WITH LOGIN PASSWORD '$DB_PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$DB_NAME', '$DB_USER')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME') \gexec
SQL
as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DATADIR" -p "$PORT" -U postgres -d "$DB_NAME" >&2 <<SQL
CREATE EXTENSION IF NOT EXISTS postgis;
SQL

log "ready"
echo "postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"
