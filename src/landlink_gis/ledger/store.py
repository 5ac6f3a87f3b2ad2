"""The ledger: register checked projects, record statuses and quota events, read it back.

:func:`open_ledger` picks the backend from the location (a ``.gpkg`` path or a
``postgresql://`` URL). Every write is one transaction holding the ledger's write lock from the
first read to the commit, so checks made inside it (is this plot already used? is this status
a step forward? does the quota account still balance?) cannot be invalidated by another writer.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ._gpkg import GpkgBackend
from ._postgis import PostgisBackend
from .checked import CheckedProject, read_checked
from .errors import LedgerError, StatusError
from .history import EVENT_COLUMNS, check_transition, replay
from .overlaps import plot_overlaps
from .quota import QuotaAccount, account, advance_limit, check_account, pending_draws
from .schema import QUOTA_KINDS, SCHEMA_VERSION

logger = logging.getLogger(__name__)

__all__ = ["AddResult", "Ledger", "init_ledger", "open_ledger"]

#: Test hook: seconds to sleep inside a write transaction, just before it commits.
PAUSE_ENV = "LANDLINK_LEDGER_PAUSE_IN_WRITE"
#: Test hook: file touched when the pause starts (so a test knows the write is in flight).
MARKER_ENV = "LANDLINK_LEDGER_PAUSE_MARKER"

_PROJECT_COLS = (
    "id",
    "code",
    "version",
    "name",
    "county",
    "profile",
    "approved",
    "accepted",
    "poverty_county",
    "advance_quota_m2",
    "demolition_m2",
    "construction_m2",
    "surplus_m2",
    "error_count",
    "warning_count",
    "forced",
    "reason",
    "source",
    "source_sha256",
    "registered_at",
)
_PLOT_COLS = (
    "fid",
    "project_id",
    "project_code",
    "plan_version",
    "layer",
    "kind",
    "plot_id",
    "land_class",
    "area_m2",
    "area_planar_m2",
    "attributes",
)
_QUOTA_COLS = (
    "id",
    "project_code",
    "kind",
    "event_date",
    "area_m2",
    "counterpart",
    "price_yuan",
    "note",
    "recorded_at",
)


def _backend(location: str | Path):
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgisBackend(text)
    if "://" in text:
        raise LedgerError(
            f"{text.split('://')[0]}:// ledgers are not supported; use a .gpkg path or a "
            "postgresql:// URL"
        )
    return GpkgBackend(Path(text))


def init_ledger(location: str | Path, *, crs: str | CRS) -> Ledger:
    """Create a new, empty ledger.

    Parameters
    ----------
    location
        A ``.gpkg`` path (created) or a ``postgresql://…[?schema=NAME]`` URL.
    crs
        CRS of the stored plots (the county's projected CGCS2000 zone, e.g. ``EPSG:4545``).
    """
    try:
        crs = CRS.from_user_input(crs)
    except Exception as exc:  # noqa: BLE001
        raise LedgerError(f"ledger CRS {crs!r} is not a valid CRS ({exc})") from None
    backend = _backend(location)
    backend.create(crs)
    logger.info("created ledger %s (%s)", backend.location, crs.to_string())
    return Ledger(backend)


def open_ledger(location: str | Path) -> Ledger:
    """Open an existing ledger, applying pending schema migrations."""
    backend = _backend(location)
    if not backend.exists():
        raise LedgerError(
            f"{backend.location}: no ledger here; create it with `landlink ledger init "
            f"{backend.location} --crs EPSG:45xx`"
        )
    ledger = Ledger(backend)
    if ledger.schema_version() < SCHEMA_VERSION:
        backend.migrate()
    return ledger


def _date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _pause_for_tests() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if not seconds:
        return
    marker = os.environ.get(MARKER_ENV)
    if marker:
        Path(marker).write_text(str(os.getpid()))
    time.sleep(float(seconds))


@dataclass
class AddResult:
    """Outcome of :meth:`Ledger.add_checked`."""

    status: str  # registered | already | refused
    code: str
    version: int | None
    message: str
    errors: int = 0
    overlaps: pd.DataFrame = field(default_factory=pd.DataFrame)


class Ledger:
    """A county ledger on one backend (see :func:`open_ledger`)."""

    def __init__(self, backend):
        self.backend = backend

    @property
    def location(self) -> str:
        """Printable location (passwords redacted)."""
        return self.backend.location

    def _read(self):
        return self.backend.transaction(write=False)

    def _write(self):
        return self.backend.transaction(write=True)

    def schema_version(self) -> int:
        """Highest applied migration."""
        with self._read() as tx:
            return int(tx.rows("SELECT COALESCE(MAX(id), 0) FROM ll_migrations")[0][0])

    @property
    def crs(self) -> CRS:
        """CRS of the stored plots."""
        with self._read() as tx:
            return self.backend.crs(tx)

    # -- reading -------------------------------------------------------------------------------
    def _projects(self, tx) -> pd.DataFrame:
        rows = tx.rows(f"SELECT {', '.join(_PROJECT_COLS)} FROM ll_projects ORDER BY id")
        frame = pd.DataFrame(rows, columns=list(_PROJECT_COLS))
        for col in ("approved", "accepted"):
            frame[col] = [_date(v) for v in frame[col]]
        for col in ("forced", "poverty_county"):
            frame[col] = frame[col].map(lambda v: None if v is None else bool(v))
        return frame

    def projects(self, *, all_versions: bool = False) -> pd.DataFrame:
        """Registered projects (latest plan version of each code unless ``all_versions``)."""
        with self._read() as tx:
            frame = self._projects(tx)
        if not all_versions and len(frame):
            frame = (
                frame.sort_values("version")
                .groupby("code", as_index=False)
                .tail(1)
                .sort_values("id")
            )
        return frame.reset_index(drop=True)

    def _plots(
        self, tx, *, code: str | None = None, exclude_code: str | None = None, current: bool = True
    ) -> gpd.GeoDataFrame:
        where, params = [], []
        if current:
            where.append(
                "plan_version = (SELECT MAX(p.version) FROM ll_projects p WHERE p.code = "
                "ll_plots.project_code)"
            )
        if code is not None:
            where.append("project_code = ?")
            params.append(code)
        if exclude_code is not None:
            where.append("project_code <> ?")
            params.append(exclude_code)
        sql = f"SELECT {', '.join(_PLOT_COLS)}, {self.backend.geom_out('geom')} FROM ll_plots"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = tx.rows(sql + " ORDER BY fid", params)
        crs = self.backend.crs(tx)
        frame = pd.DataFrame([r[:-1] for r in rows], columns=list(_PLOT_COLS))
        geoms = self.backend.decode([r[-1] for r in rows]) if rows else np.array([], dtype=object)
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)

    def plots(
        self,
        *,
        code: str | None = None,
        exclude_code: str | None = None,
        current: bool = True,
        with_state: bool = False,
        at: dt.date | None = None,
    ) -> gpd.GeoDataFrame:
        """Plots of the current plans (or all versions), optionally with their state on ``at``."""
        with self._read() as tx:
            frame = self._plots(tx, code=code, exclude_code=exclude_code, current=current)
            events = self._events(tx) if with_state else None
        if with_state:
            state = replay(events, at)
            frame = frame.merge(state, how="left", on=["project_code", "layer", "plot_id"])
            frame = frame.rename(columns={"state": "ll_state", "event_date": "ll_state_date"})
        return frame

    def _events(self, tx, code: str | None = None) -> pd.DataFrame:
        sql = f"SELECT {', '.join(EVENT_COLUMNS)} FROM ll_status_events"
        rows = tx.rows(
            sql + (" WHERE project_code = ?" if code else "") + " ORDER BY id",
            (code,) if code else (),
        )
        frame = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
        frame["event_date"] = [_date(v) for v in frame["event_date"]]
        return frame

    def status_history(self, code: str | None = None) -> pd.DataFrame:
        """Every status event (append-only), in the order recorded."""
        with self._read() as tx:
            return self._events(tx, code)

    def states(self, at: dt.date | None = None) -> pd.DataFrame:
        """State of every plot and project on ``at`` (default: today's), replayed from the
        history."""
        return replay(self.status_history(), at)

    def _quota(self, tx, code: str | None = None) -> pd.DataFrame:
        rows = tx.rows(
            f"SELECT {', '.join(_QUOTA_COLS)} FROM ll_quota_events"
            + (" WHERE project_code = ?" if code else "")
            + " ORDER BY id",
            (code,) if code else (),
        )
        frame = pd.DataFrame(rows, columns=list(_QUOTA_COLS))
        frame["event_date"] = [_date(v) for v in frame["event_date"]]
        return frame

    def quota_events(self, code: str | None = None) -> pd.DataFrame:
        """Every quota event (append-only)."""
        with self._read() as tx:
            return self._quota(tx, code)

    def quota_account(self, code: str, at: dt.date | None = None) -> QuotaAccount:
        """The quota account of project ``code`` on ``at`` (default: all events)."""
        return account(self.quota_events(code), at)

    # -- writing -------------------------------------------------------------------------------
    def add_checked(
        self,
        path: str | Path,
        *,
        force: bool = False,
        reason: str | None = None,
        tolerance_m2: float = 1.0,
    ) -> AddResult:
        """Register a checked project (``landlink check`` output) in one transaction.

        Refused when the check found errors or a plot overlaps another project's plot, unless
        ``force`` with a ``reason`` (recorded). A project already registered with the same plan is
        not added again; a changed plan of a registered code becomes its next plan version.

        Raises
        ------
        LedgerError
            The file was changed after ``landlink check`` (its content digest does not match) or
            carries no digest, and ``force`` is not given; forced, it is registered with the
            reason and a note of what could not be verified.
        """
        if force and not (reason and reason.strip()):
            raise LedgerError('--force needs --reason "…" (the reason is recorded in the ledger)')
        project = read_checked(path, self.crs)
        problem = project.content_problem
        if problem is not None:
            if not force:
                raise LedgerError(
                    f'{problem}, or register it anyway with --force --reason "…" (the reason is '
                    "recorded)"
                )
            note = (
                "unchanged since the check not verified"
                if project.content == "unverified"
                else "file changed after the check"
            )
            reason = f"{reason.strip()} [{note}]"
            logger.warning("%s; registered anyway (forced: %s)", problem, reason)
        return self.add_project(project, force=force, reason=reason, tolerance_m2=tolerance_m2)

    def add_project(
        self,
        project: CheckedProject,
        *,
        force: bool = False,
        reason: str | None = None,
        tolerance_m2: float = 1.0,
    ) -> AddResult:
        """Register an already-read :class:`CheckedProject` (see :meth:`add_checked`)."""
        with self._write() as tx:
            rows = tx.rows(
                "SELECT version, source_sha256 FROM ll_projects WHERE code = ? ORDER BY version "
                "DESC",
                (project.code,),
            )
            if rows and rows[0][1] == project.sha256:
                return AddResult(
                    "already",
                    project.code,
                    int(rows[0][0]),
                    f"{project.code}: this plan is already registered (version {rows[0][0]}); "
                    "nothing added",
                )
            version = int(rows[0][0]) + 1 if rows else 1
            others = self._plots(tx, exclude_code=project.code)
            overlaps = plot_overlaps(project.plots, others, tolerance_m2=tolerance_m2)
            problems = []
            if (
                project.content_problem and force
            ):  # add_checked refused it unforced; forced, it counts as forced
                problems.append(project.content_problem)
            if project.errors:
                problems.append(f"the check found {project.errors} error finding(s)")
            if len(overlaps):
                other = sorted(set(overlaps["other_code"]))
                problems.append(
                    f"{len(overlaps)} plot overlap(s) with registered project(s) "
                    f"{', '.join(other)} (double use of land)"
                )
            dup = project.plots.duplicated(["layer", "plot_id"], keep="first").to_numpy()
            if dup.any():
                names = sorted(set(project.plots["plot_id"].to_numpy()[dup]))
                problems.append(
                    f"duplicate plot id(s) {', '.join(map(str, names[:10]))} (stored as ID#n when "
                    "forced)"
                )
            if problems and not force:
                msg = (
                    f"{project.code}: refused: "
                    + "; ".join(problems)
                    + '. Fix and re-check, or register anyway with --force --reason "…"'
                )
                return AddResult(
                    "refused", project.code, None, msg, errors=project.errors, overlaps=overlaps
                )
            facts = project.facts
            draws = self._draws(tx, project) if facts.get("quota_sources") else []
            srs = self.backend.srs_id(tx)
            now = self.backend.now_param()
            dparam = self.backend.date_param
            basis = facts.get("quota_basis_m2")
            surplus = (
                float(basis) if basis is not None else project.demolition_m2
            ) - project.construction_m2
            pid = tx.insert(
                f"INSERT INTO ll_projects ({', '.join(_PROJECT_COLS[1:])}) VALUES "
                f"({', '.join('?' * (len(_PROJECT_COLS) - 1))})",
                (
                    project.code,
                    version,
                    project.name,
                    project.county,
                    project.profile,
                    dparam(project.date("approved")),
                    dparam(project.date("accepted")),
                    bool(facts.get("poverty_county"))
                    if facts.get("poverty_county") is not None
                    else None,
                    facts.get("advance_quota_m2"),
                    project.demolition_m2,
                    project.construction_m2,
                    surplus,
                    project.errors,
                    project.warnings,
                    bool(problems),
                    (reason or "").strip() or None,
                    project.source,
                    project.sha256,
                    now,
                ),
            )
            plots = project.plots.copy()
            if dup.any():
                plots.loc[dup, "plot_id"] = [
                    f"{p}#{i + 1}"
                    for p, i in zip(
                        plots["plot_id"].to_numpy()[dup], np.flatnonzero(dup), strict=True
                    )
                ]
            geoms = self.backend.encode(np.asarray(plots.geometry.array, dtype=object), srs)
            tx.many(
                "INSERT INTO ll_plots (geom, project_id, project_code, plan_version, layer, kind, "
                "plot_id, land_class, area_m2, area_planar_m2, attributes) "
                f"VALUES ({self.backend.geom_in()}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        *g,
                        pid,
                        project.code,
                        version,
                        layer,
                        kind,
                        pid_,
                        lc,
                        _float(a),
                        _float(ap),
                        attrs,
                    )
                    for g, layer, kind, pid_, lc, a, ap, attrs in zip(
                        geoms,
                        plots["layer"],
                        plots["kind"],
                        plots["plot_id"],
                        plots["land_class"],
                        plots["area_m2"],
                        plots["area_planar_m2"],
                        plots["attributes"],
                        strict=True,
                    )
                ],
            )
            approved = project.date("approved") or dt.date.today()
            known = {
                (r[0], r[1])
                for r in tx.rows(
                    "SELECT DISTINCT layer, plot_id FROM ll_status_events WHERE project_code = ?",
                    (project.code,),
                )
            }
            new = [
                (layer, p)
                for layer, p in zip(plots["layer"], plots["plot_id"], strict=True)
                if (layer, p) not in known
            ]
            if ("", "") not in known:
                new.insert(0, ("", ""))
            tx.many(
                "INSERT INTO ll_status_events (project_code, layer, plot_id, state, event_date, "
                "note, recorded_at) VALUES (?, ?, ?, 'approved', ?, ?, ?)",
                [
                    (
                        project.code,
                        layer,
                        p,
                        dparam(approved),
                        f"registered with plan version {version}",
                        now,
                    )
                    for layer, p in new
                ],
            )
            if draws:
                tx.many(
                    "INSERT INTO ll_quota_events (project_code, kind, event_date, area_m2, "
                    "counterpart, price_yuan, note, recorded_at) VALUES (?, 'drawn', ?, ?, ?, "
                    "NULL, ?, ?)",
                    [
                        (
                            src,
                            dparam(approved),
                            area,
                            project.code,
                            f"surplus quota drawn by construction-only plan {project.code} version "
                            f"{version}",
                            now,
                        )
                        for src, area in draws
                    ],
                )
            if (
                version == 1
                and project.construction_m2 > 0
                and facts.get("kind") != "construction_only"
            ):
                tx.run(
                    "INSERT INTO ll_quota_events (project_code, kind, event_date, area_m2, "
                    "counterpart, price_yuan, note, recorded_at) VALUES (?, 'lent', ?, ?, NULL, "
                    "NULL, ?, ?)",
                    (
                        project.code,
                        dparam(approved),
                        project.construction_m2,
                        "turnover quota for the new-construction plots",
                        now,
                    ),
                )
            _pause_for_tests()
        msg = f"{project.code}: registered plan version {version} ({len(plots)} plots)"
        if problems:
            msg += " despite: " + "; ".join(problems) + f" (forced: {reason})"
        logger.info(msg)
        return AddResult(
            "registered", project.code, version, msg, errors=project.errors, overlaps=overlaps
        )

    def _draws(self, tx, project: CheckedProject) -> list[tuple[str, float]]:
        """The quota draws of a construction-only plan still to record, checked inside the write
        transaction.

        Each ``[[quota_sources]]`` entry needs a registered, accepted source whose surplus still
        available (generated − advanced − traded − drawn) covers the part of the draw this code has
        not recorded before; a new plan version records only the increase.

        Raises
        ------
        QuotaError
            A source is unknown, not accepted, or has too little surplus quota left.
        """
        projects = {str(r[0]) for r in tx.rows("SELECT DISTINCT code FROM ll_projects")}
        states = replay(self._events(tx))
        accepted = (
            set(
                states.loc[
                    (states["layer"] == "") & states["state"].isin(["accepted", "filed"]),
                    "project_code",
                ].astype(str)
            )
            if len(states)
            else set()
        )
        return pending_draws(
            project.code,
            project.facts.get("quota_sources") or [],
            projects,
            accepted,
            lambda code: self._quota(tx, code),
        )

    def set_status(
        self,
        code: str,
        plot_ids: list[str] | tuple[str, ...],
        state: str,
        date: dt.date,
        *,
        layer: str | None = None,
        note: str | None = None,
    ) -> int:
        """Record ``state`` on ``date`` for plots of ``code`` (no plots: the project itself); all
        or nothing.

        Returns the number of events added.

        Raises
        ------
        StatusError
            Unknown project or plot, an ambiguous plot id (give ``layer``), a backward move or an
            earlier date than the plot's last status.
        """
        with self._write() as tx:
            if not tx.rows("SELECT 1 FROM ll_projects WHERE code = ?", (code,)):
                raise StatusError(
                    f"project {code} is not in the ledger; `landlink ledger list` shows the "
                    "registered codes"
                )
            plots = self._plots(tx, code=code)
            events = self._events(tx, code)
            current = replay(events)
            last = {(r.layer, r.plot_id): (r.state, r.event_date) for r in current.itertuples()}
            targets: list[tuple[str, str]] = []
            if not plot_ids:
                targets.append(("", ""))
            for pid in plot_ids:
                hits = plots[
                    (plots["plot_id"] == str(pid)) & ((plots["layer"] == layer) if layer else True)
                ]
                layers = sorted(set(hits["layer"]))
                if not layers:
                    raise StatusError(
                        f"plot {pid} is not in the current plan of {code}"
                        + (f" ({layer})" if layer else "")
                    )
                if len(layers) > 1:
                    raise StatusError(
                        f"plot id {pid} is in both layers of {code}; say which with --layer "
                        "demolition|construction"
                    )
                targets.append((layers[0], str(pid)))
            now = self.backend.now_param()
            for lay, pid in targets:
                check_transition(lay, pid, last.get((lay, pid)), state, date)
            tx.many(
                "INSERT INTO ll_status_events (project_code, layer, plot_id, state, event_date, "
                "note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (code, lay, pid, state, self.backend.date_param(date), note, now)
                    for lay, pid in targets
                ],
            )
            _pause_for_tests()
        return len(targets)

    def record_quota(
        self,
        code: str,
        kind: str,
        area_m2: float,
        date: dt.date,
        *,
        counterpart: str | None = None,
        price_yuan: float | None = None,
        note: str | None = None,
    ) -> QuotaAccount:
        """Record one quota event (one transaction) and return the account afterwards.

        Raises
        ------
        QuotaError
            The event would break the account's rules on some day (see :mod:`.quota`).
        """
        if kind not in QUOTA_KINDS:
            raise LedgerError(f"unknown quota kind {kind!r}; use one of {', '.join(QUOTA_KINDS)}")
        if kind in ("traded", "advanced", "drawn") and not (counterpart and counterpart.strip()):
            raise LedgerError(
                f"a {kind} quota event needs the counterpart (--counterpart) and price (--price)"
            )
        with self._write() as tx:
            projects = self._projects(tx)
            mine = projects[projects["code"] == code]
            if not len(mine):
                raise LedgerError(
                    f"project {code} is not in the ledger; `landlink ledger list` shows the "
                    "registered codes"
                )
            latest = mine.sort_values("version").iloc[-1]
            limit = advance_limit(
                latest["surplus_m2"],
                profile=latest["profile"],
                poverty_county=latest["poverty_county"],
            )
            events = self._quota(tx, code)
            new = pd.DataFrame(
                [
                    {
                        "id": (int(events["id"].max()) + 1) if len(events) else 1,
                        "project_code": code,
                        "kind": kind,
                        "event_date": date,
                        "area_m2": float(area_m2),
                        "price_yuan": price_yuan,
                    }
                ]
            )
            combined = pd.concat([events, new], ignore_index=True) if len(events) else new
            check_account(combined, limit_m2=limit, code=code)
            tx.run(
                "INSERT INTO ll_quota_events (project_code, kind, event_date, area_m2, "
                "counterpart, price_yuan, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    code,
                    kind,
                    self.backend.date_param(date),
                    float(area_m2),
                    counterpart,
                    price_yuan,
                    note,
                    self.backend.now_param(),
                ),
            )
            _pause_for_tests()
        return account(combined)

    def advance_limit(self, code: str) -> float:
        """The advance limit (m²) of project ``code``'s latest plan."""
        projects = self.projects()
        row = projects[projects["code"] == code]
        if not len(row):
            raise LedgerError(f"project {code} is not in the ledger")
        r = row.iloc[-1]
        return advance_limit(
            r["surplus_m2"], profile=r["profile"], poverty_county=r["poverty_county"]
        )


def _float(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None
