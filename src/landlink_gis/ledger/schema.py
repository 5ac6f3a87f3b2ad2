"""The ledger schema: tables, states and quota kinds, as versioned migrations for both backends.

The GeoPackage and the PostGIS ledger have the same tables and columns (``ll_projects``,
``ll_plots`` with a MultiPolygon geometry, ``ll_status_events``, ``ll_quota_events``) and the same
migration history in ``ll_migrations``. History tables are append-only: both backends carry
triggers that abort any ``UPDATE`` or ``DELETE`` on them, so an auditor can replay the ledger.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

__all__ = [
    "ACCEPTANCE_COLUMNS",
    "PROJECT_FIGURE_COLUMNS",
    "CONSTRUCTION_STATES",
    "DEMOLITION_STATES",
    "LEDGER_KINDS",
    "MIGRATIONS",
    "apply_migrations",
    "PROJECT_STATES",
    "QUOTA_KINDS",
    "SCHEMA_VERSION",
    "states_for",
]

#: Plot states in order (DOMAIN.md §4a): a plot only moves forward.
DEMOLITION_STATES: tuple[str, ...] = ("approved", "demolished", "reclaimed", "accepted")
CONSTRUCTION_STATES: tuple[str, ...] = ("approved", "built", "confirmed")
#: Project-level states (``filed``: the acceptance reported online, 004 报备).
PROJECT_STATES: tuple[str, ...] = ("approved", "accepted", "filed")
#: Quota account event kinds (``drawn``: surplus quota a construction-only plan of another code
#: uses, recorded on the source's account with that plan's code as counterpart).
QUOTA_KINDS: tuple[str, ...] = ("lent", "returned", "generated", "advanced", "traded", "drawn")
#: The separate ledgers of 000 §(五): demolition, resettlement and urban construction.
LEDGER_KINDS: tuple[str, ...] = ("demolition", "resettlement", "urban")

_APPEND_ONLY = ("ll_projects", "ll_plots", "ll_status_events", "ll_quota_events")

#: Figures of a check that ``ledger add`` keeps with each plan version (migration 2), all in m²
#: rounded half up to 0.01 m² except the grades; ``basis_m2`` NULL means the quota basis could
#: not be measured (surplus unknown: nothing can be advanced, traded or drawn).
PROJECT_FIGURE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("stage", "TEXT"),
    ("kind", "TEXT"),
    ("verdict", "TEXT"),
    ("basis_m2", "REAL"),
    ("turnover_m2", "REAL"),
    ("turnover_source", "TEXT"),
    ("newly_added_cultivated_m2", "REAL"),
    ("newly_added_paddy_m2", "REAL"),
    ("newly_added_quality", "REAL"),
    ("newly_added_source", "TEXT"),
    ("occupied_cultivated_m2", "REAL"),
    ("occupied_paddy_m2", "REAL"),
    ("occupied_quality", "REAL"),
)
#: Columns of ``ll_acceptances`` (migration 2): one row per accepted project (``ledger accept``).
ACCEPTANCE_COLUMNS: tuple[str, ...] = (
    "id",
    "project_code",
    "plan_version",
    "accepted",
    "accepted_basis_m2",
    "surplus_generated_m2",
    "turnover_returned_m2",
    "newly_added_cultivated_m2",
    "newly_added_paddy_m2",
    "quality",
    "plots_accepted",
    "plots_not_accepted",
    "forced",
    "reason",
    "source",
    "check_digest",
    "recorded_at",
)


def states_for(layer: str) -> tuple[str, ...]:
    """The ordered states of a ``demolition`` or ``construction`` plot, or of a project (``''``)."""
    if layer == "demolition":
        return DEMOLITION_STATES
    if layer == "construction":
        return CONSTRUCTION_STATES
    return PROJECT_STATES


def _gpkg_v1(srs_id: int) -> list[str]:
    date, ts = "DATE", "DATETIME"
    stmts = [
        f"""CREATE TABLE ll_projects (
            id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
            code TEXT NOT NULL, version INTEGER NOT NULL, name TEXT, county TEXT, profile TEXT,
            approved {date}, accepted {date}, poverty_county BOOLEAN, advance_quota_m2 REAL,
            demolition_m2 REAL, construction_m2 REAL, surplus_m2 REAL,
            error_count INTEGER, warning_count INTEGER, forced BOOLEAN NOT NULL, reason TEXT,
            source TEXT, source_sha256 TEXT NOT NULL, registered_at {ts} NOT NULL,
            CONSTRAINT uq_project_version UNIQUE (code, version))""",
        """CREATE TABLE ll_plots (
            fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom MULTIPOLYGON,
            project_id INTEGER NOT NULL REFERENCES ll_projects(id), project_code TEXT NOT NULL,
            plan_version INTEGER NOT NULL, layer TEXT NOT NULL, kind TEXT NOT NULL, plot_id TEXT NOT NULL,
            land_class TEXT, area_m2 REAL, area_planar_m2 REAL, attributes TEXT,
            CONSTRAINT uq_plot UNIQUE (project_id, layer, plot_id))""",
        "CREATE INDEX ix_plots_code ON ll_plots (project_code, plan_version)",
        f"""CREATE TABLE ll_status_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, project_code TEXT NOT NULL,
            layer TEXT NOT NULL, plot_id TEXT NOT NULL, state TEXT NOT NULL, event_date {date} NOT NULL,
            note TEXT, recorded_at {ts} NOT NULL)""",
        "CREATE INDEX ix_status_plot ON ll_status_events (project_code, layer, plot_id)",
        f"""CREATE TABLE ll_quota_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, project_code TEXT NOT NULL, kind TEXT NOT NULL,
            event_date {date} NOT NULL, area_m2 REAL NOT NULL, counterpart TEXT, price_yuan REAL,
            note TEXT, recorded_at {ts} NOT NULL)""",
        "CREATE INDEX ix_quota_code ON ll_quota_events (project_code)",
        "CREATE VIRTUAL TABLE rtree_ll_plots_geom USING rtree(id, minx, maxx, miny, maxy)",
        """CREATE TRIGGER rtree_ll_plots_geom_insert AFTER INSERT ON ll_plots WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN INSERT OR REPLACE INTO rtree_ll_plots_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END""",  # noqa: E501
        """CREATE TRIGGER rtree_ll_plots_geom_update1 AFTER UPDATE OF geom ON ll_plots WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN INSERT OR REPLACE INTO rtree_ll_plots_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END""",  # noqa: E501
        """CREATE TRIGGER rtree_ll_plots_geom_update2 AFTER UPDATE OF geom ON ll_plots WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM rtree_ll_plots_geom WHERE id = OLD.fid; END""",  # noqa: E501
        """CREATE TRIGGER rtree_ll_plots_geom_update3 AFTER UPDATE ON ll_plots WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM rtree_ll_plots_geom WHERE id = OLD.fid; INSERT OR REPLACE INTO rtree_ll_plots_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END""",  # noqa: E501
        """CREATE TRIGGER rtree_ll_plots_geom_update4 AFTER UPDATE ON ll_plots WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom)) BEGIN DELETE FROM rtree_ll_plots_geom WHERE id IN (OLD.fid, NEW.fid); END""",  # noqa: E501
        """CREATE TRIGGER rtree_ll_plots_geom_delete AFTER DELETE ON ll_plots WHEN old.geom NOT NULL BEGIN DELETE FROM rtree_ll_plots_geom WHERE id = OLD.fid; END""",  # noqa: E501
        "INSERT INTO gpkg_extensions VALUES ('ll_plots', 'geom', 'gpkg_rtree_index', "
        "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
        "VALUES ('ll_plots', 'features', 'll_plots', 'landlink ledger: plots of every registered "
        f"plan', {srs_id})",
        f"INSERT INTO gpkg_geometry_columns VALUES ('ll_plots', 'geom', 'MULTIPOLYGON', {srs_id}, "
        "0, 0)",
    ]
    for table, desc in (
        ("ll_projects", "landlink ledger: registered projects and plan versions"),
        ("ll_status_events", "landlink ledger: append-only plot and project status history"),
        ("ll_quota_events", "landlink ledger: append-only quota account"),
    ):
        stmts.append(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES "
            f"('{table}', 'attributes', '{table}', '{desc}')"
        )
    for table in _APPEND_ONLY:
        for op in ("UPDATE", "DELETE"):
            stmts.append(
                f"CREATE TRIGGER ll_append_only_{table}_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'landlink ledger: {table} is append-only'); END"
            )
    return stmts


def _pg_v1(srs_id: int) -> list[str]:
    stmts = [
        """CREATE TABLE ll_projects (
            id BIGSERIAL PRIMARY KEY, code TEXT NOT NULL, version INTEGER NOT NULL, name TEXT, county TEXT,
            profile TEXT, approved DATE, accepted DATE, poverty_county BOOLEAN, advance_quota_m2 DOUBLE PRECISION,
            demolition_m2 DOUBLE PRECISION, construction_m2 DOUBLE PRECISION, surplus_m2 DOUBLE PRECISION,
            error_count INTEGER, warning_count INTEGER, forced BOOLEAN NOT NULL, reason TEXT,
            source TEXT, source_sha256 TEXT NOT NULL, registered_at TIMESTAMPTZ NOT NULL,
            CONSTRAINT uq_project_version UNIQUE (code, version))""",
        f"""CREATE TABLE ll_plots (
            fid BIGSERIAL PRIMARY KEY, geom geometry(MultiPolygon, {srs_id}),
            project_id BIGINT NOT NULL REFERENCES ll_projects(id), project_code TEXT NOT NULL,
            plan_version INTEGER NOT NULL, layer TEXT NOT NULL, kind TEXT NOT NULL, plot_id TEXT NOT NULL,
            land_class TEXT, area_m2 DOUBLE PRECISION, area_planar_m2 DOUBLE PRECISION, attributes TEXT,
            CONSTRAINT uq_plot UNIQUE (project_id, layer, plot_id))""",
        "CREATE INDEX ix_plots_code ON ll_plots (project_code, plan_version)",
        "CREATE INDEX ix_plots_geom ON ll_plots USING GIST (geom)",
        """CREATE TABLE ll_status_events (
            id BIGSERIAL PRIMARY KEY, project_code TEXT NOT NULL, layer TEXT NOT NULL, plot_id TEXT NOT NULL,
            state TEXT NOT NULL, event_date DATE NOT NULL, note TEXT, recorded_at TIMESTAMPTZ NOT NULL)""",
        "CREATE INDEX ix_status_plot ON ll_status_events (project_code, layer, plot_id)",
        """CREATE TABLE ll_quota_events (
            id BIGSERIAL PRIMARY KEY, project_code TEXT NOT NULL, kind TEXT NOT NULL, event_date DATE NOT NULL,
            area_m2 DOUBLE PRECISION NOT NULL, counterpart TEXT, price_yuan DOUBLE PRECISION, note TEXT,
            recorded_at TIMESTAMPTZ NOT NULL)""",
        "CREATE INDEX ix_quota_code ON ll_quota_events (project_code)",
        """CREATE OR REPLACE FUNCTION ll_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'landlink ledger: % is append-only', TG_TABLE_NAME; END $$""",
    ]
    for table in _APPEND_ONLY:
        stmts.append(
            f"CREATE TRIGGER ll_append_only_{table} BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ll_append_only()"
        )
    return stmts


def _v2(backend: str):
    real = "REAL" if backend == "gpkg" else "DOUBLE PRECISION"

    def ddl(srs_id: int) -> list[str]:
        stmts = [
            f"ALTER TABLE ll_projects ADD COLUMN {name} {real if typ == 'REAL' else typ}"
            for name, typ in PROJECT_FIGURE_COLUMNS
        ]
        key = (
            "id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL"
            if backend == "gpkg"
            else "id BIGSERIAL PRIMARY KEY"
        )
        date, ts = ("DATE", "DATETIME") if backend == "gpkg" else ("DATE", "TIMESTAMPTZ")
        stmts.append(
            f"""CREATE TABLE ll_acceptances (
            {key}, project_code TEXT NOT NULL, plan_version INTEGER NOT NULL,
            accepted {date} NOT NULL, accepted_basis_m2 {real}, surplus_generated_m2 {real},
            turnover_returned_m2 {real}, newly_added_cultivated_m2 {real},
            newly_added_paddy_m2 {real}, quality {real}, plots_accepted TEXT,
            plots_not_accepted TEXT, forced BOOLEAN NOT NULL, reason TEXT, source TEXT,
            check_digest TEXT NOT NULL, recorded_at {ts} NOT NULL,
            CONSTRAINT uq_acceptance UNIQUE (project_code))"""
        )
        if backend == "gpkg":
            stmts.append(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                "VALUES ('ll_acceptances', 'attributes', 'll_acceptances', 'landlink ledger: "
                "acceptance records (ledger accept)')"
            )
            for op in ("UPDATE", "DELETE"):
                stmts.append(
                    f"CREATE TRIGGER ll_append_only_ll_acceptances_{op.lower()} BEFORE {op} ON "
                    "ll_acceptances BEGIN SELECT RAISE(ABORT, 'landlink ledger: ll_acceptances "
                    "is append-only'); END"
                )
        else:
            stmts.append(
                "CREATE TRIGGER ll_append_only_ll_acceptances BEFORE UPDATE OR DELETE ON "
                "ll_acceptances FOR EACH ROW EXECUTE FUNCTION ll_append_only()"
            )
        return stmts

    return ddl


#: ``(version, description, {backend: ddl(srs_id) -> statements})`` applied in order.
MIGRATIONS: tuple[tuple[int, str, dict], ...] = (
    (1, "projects, plots, status history, quota account", {"gpkg": _gpkg_v1, "postgis": _pg_v1}),
    (
        2,
        "figures of each check (basis, turnover, newly added farmland), acceptance records",
        {"gpkg": _v2("gpkg"), "postgis": _v2("postgis")},
    ),
)
SCHEMA_VERSION: int = MIGRATIONS[-1][0]


def apply_migrations(tx, backend: str, srs_id: int, now, where: str) -> None:
    """Apply the migrations not yet recorded in ``ll_migrations``, inside the caller's transaction.

    Parameters
    ----------
    tx
        The backend's transaction (``rows``/``run`` with ``?`` placeholders).
    backend
        ``gpkg`` or ``postgis``: which DDL of each migration to run.
    srs_id
        SRS of the plot geometries.
    now
        The timestamp recorded with each applied migration.
    where
        The ledger's printable location, for the log.
    """
    done = {int(r[0]) for r in tx.rows("SELECT id FROM ll_migrations")}
    for version, description, ddl in MIGRATIONS:
        if version in done:
            continue
        for stmt in ddl[backend](srs_id):
            tx.run(stmt)
        tx.run("INSERT INTO ll_migrations VALUES (?, ?, ?)", (version, description, now))
        logger.info("%s: applied ledger migration %d (%s)", where, version, description)
