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

from ..base.amounts import centi, fmt_m2, from_centi
from ..io.gpkg_digest import stored_digest
from ._gpkg import GpkgBackend
from ._postgis import PostgisBackend
from .checked import CheckedProject, read_checked
from .errors import LedgerError, StatusError
from .figures import acceptance_figures, plan_figures
from .history import EVENT_COLUMNS, check_transition, replay
from .overlaps import plot_overlaps
from .quota import (
    QuotaAccount,
    account,
    advance_limit_centi,
    check_event,
    pending_draws,
)
from .schema import ACCEPTANCE_COLUMNS, PROJECT_FIGURE_COLUMNS, SCHEMA_VERSION

logger = logging.getLogger(__name__)

__all__ = ["AcceptResult", "AddResult", "Ledger", "init_ledger", "open_ledger"]

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
    *(name for name, _ in PROJECT_FIGURE_COLUMNS),
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
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None  # no date (NULL), however the driver or pandas spells it
    if value is pd.NaT:
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
        with self._read() as tx:
            events = self._quota(tx, code)
            accepted = self._accepted_dates(tx).get(code)
        return account(events, at, accepted=accepted)

    def _acceptances(self, tx) -> pd.DataFrame:
        rows = tx.rows(f"SELECT {', '.join(ACCEPTANCE_COLUMNS)} FROM ll_acceptances ORDER BY id")
        frame = pd.DataFrame(rows, columns=list(ACCEPTANCE_COLUMNS))
        frame["accepted"] = [_date(v) for v in frame["accepted"]]
        return frame

    def acceptances(self) -> pd.DataFrame:
        """The acceptance records (``ledger accept``), one per accepted project."""
        with self._read() as tx:
            return self._acceptances(tx)

    def _accepted_dates(self, tx) -> dict[str, dt.date]:
        """Code → acceptance date: the acceptance record, else (a ledger written before
        ``ledger accept`` existed) the project-level ``accepted`` status."""
        out: dict[str, dt.date] = {}
        states = replay(self._events(tx))
        if len(states):
            legacy = states[(states["layer"] == "") & states["state"].isin(["accepted", "filed"])]
            history = self._events(tx)
            for code in legacy["project_code"].astype(str):
                hit = history[
                    (history["project_code"] == code)
                    & (history["layer"] == "")
                    & (history["state"] == "accepted")
                ]
                if len(hit):
                    out[code] = hit["event_date"].iloc[0]
        for code, date in tx.rows("SELECT project_code, accepted FROM ll_acceptances"):
            out[str(code)] = _date(date)
        return out

    def accepted_dates(self) -> dict[str, dt.date]:
        """Code → acceptance date of every accepted project."""
        with self._read() as tx:
            return self._accepted_dates(tx)

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
        if project.stage == "acceptance":
            raise LedgerError(
                f'{project.source} is an acceptance check ([project] stage = "acceptance"); '
                "record it with `landlink ledger accept`, and register the plan with the check of "
                "the plan"
            )
        figures = plan_figures(project)
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
            if project.unfinished:
                problems.append(project.unfinished)
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
                    figures["demolition_m2"],
                    figures["construction_m2"],
                    figures["surplus_m2"],
                    project.errors,
                    project.warnings,
                    bool(problems),
                    (reason or "").strip() or None,
                    project.source,
                    project.sha256,
                    now,
                    *(figures[name] for name, _ in PROJECT_FIGURE_COLUMNS),
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
            lent = figures["turnover_m2"]
            if version == 1 and lent is not None and lent > 0:
                tx.run(
                    "INSERT INTO ll_quota_events (project_code, kind, event_date, area_m2, "
                    "counterpart, price_yuan, note, recorded_at) VALUES (?, 'lent', ?, ?, NULL, "
                    "NULL, ?, ?)",
                    (
                        project.code,
                        dparam(approved),
                        lent,
                        "turnover quota issued (turnover_quota_m2)"
                        if figures["turnover_source"] == "issued"
                        else "turnover quota: the construction area (no turnover_quota_m2 issued)",
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
        accepted = set(self._accepted_dates(tx))
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
            if state == "accepted":
                raise StatusError(
                    f"{code}: 'accepted' comes from the acceptance check: record it with "
                    "`landlink ledger accept ACCEPTANCE_CHECKED.gpkg` (plots passing ACC001 and "
                    "ACC004, the turnover quota returned and the surplus generated)"
                )
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
        """Record an ``advanced`` or ``traded`` quota event (one transaction); return the account.

        The other kinds come from checks (``ledger add``, ``ledger accept``) and are refused.

        Raises
        ------
        QuotaError
            A typed lent/returned/generated/drawn amount, or an event that would break the
            account's rules on some day (see :mod:`.quota`); the ledger is left as it was.
        """
        if kind == "traded" and not (counterpart and counterpart.strip()):
            raise LedgerError("a traded quota event needs the counterpart (--counterpart)")
        with self._write() as tx:
            latest = self._latest(tx, code)
            accepted = self._accepted_dates(tx).get(code)
            limit = advance_limit_centi(
                latest["surplus_m2"],
                profile=latest["profile"],
                poverty_county=latest["poverty_county"],
            )
            events = self._quota(tx, code)
            amount = check_event(
                events,
                kind,
                area_m2,
                date,
                code=code,
                surplus_known=latest["surplus_m2"] is not None
                and not pd.isna(latest["surplus_m2"]),
                limit_centi=limit,
                accepted=accepted,
            )
            tx.run(
                "INSERT INTO ll_quota_events (project_code, kind, event_date, area_m2, "
                "counterpart, price_yuan, note, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    code,
                    kind,
                    self.backend.date_param(date),
                    from_centi(amount),
                    counterpart,
                    price_yuan,
                    note,
                    self.backend.now_param(),
                ),
            )
            _pause_for_tests()
            events = self._quota(tx, code)
        return account(events, accepted=accepted)

    def _latest(self, tx, code: str) -> pd.Series:
        projects = self._projects(tx)
        mine = projects[projects["code"] == code]
        if not len(mine):
            raise LedgerError(
                f"project {code} is not in the ledger; `landlink ledger list` shows the "
                "registered codes"
            )
        return mine.sort_values("version").iloc[-1]

    def advance_limit(self, code: str) -> float:
        """The advance limit (m², rounded half up to 0.01 m²) of project ``code``'s latest plan."""
        with self._read() as tx:
            r = self._latest(tx, code)
        return (
            advance_limit_centi(
                r["surplus_m2"], profile=r["profile"], poverty_county=r["poverty_county"]
            )
            / 100.0
        )

    def project_figures(self, code: str) -> dict:
        """The latest plan's figures of ``code`` (a row of :meth:`projects`) as a dict."""
        with self._read() as tx:
            return self._latest(tx, code).to_dict()

    # -- acceptance ----------------------------------------------------------------------------
    def accept_checked(
        self, path: str | Path, *, force: bool = False, reason: str | None = None
    ) -> AcceptResult:
        """Record the acceptance of a project from its acceptance check (``ledger accept``).

        In one transaction: the demolition plots that pass ACC001 and ACC004 become
        ``accepted`` (the others keep their state), the project becomes ``accepted`` on the
        ``accepted`` date (TIME004's 10 working days run from it), the turnover quota returned
        (min(lent, accepted basis)) and the surplus generated (ACC005) enter the quota account,
        and one acceptance record keeps ACC005's figures. Accepting the same check again changes
        nothing.

        Raises
        ------
        LedgerError
            Not an acceptance check, a file changed after the check, a check that found errors or
            is incomplete (unless ``force`` with a ``reason``), a project not registered or
            already accepted by another check, or plots that differ from the registered plan.
        """
        if force and not (reason and reason.strip()):
            raise LedgerError('--force needs --reason "…" (the reason is recorded in the ledger)')
        project = read_checked(path, self.crs)
        if project.stage != "acceptance":
            raise LedgerError(
                f"{project.source} is a plan check, not an acceptance check: `ledger accept` "
                'takes the check made with [project] stage = "acceptance", the accepted date '
                "and the survey_after layer"
            )
        problems = [p for p in (project.content_problem, project.unfinished) if p]
        if problems and not force:
            raise LedgerError(
                f"{project.code}: acceptance refused: "
                + "; ".join(problems)
                + '. Fix and re-check, or record it anyway with --force --reason "…"'
            )
        accepted = project.date("accepted")
        if accepted is None:
            raise LedgerError(f"{project.source}: the check has no [project] accepted date")
        figures = acceptance_figures(project)
        digest = stored_digest(project.run_info) or project.sha256
        failing = set()
        if len(project.findings):
            f = project.findings
            bad = f[f["rule_id"].isin(["ACC001", "ACC004"]) & (f["layer"] == "demolition")]
            failing = {str(p) for p in bad["plot_id"]}
        with self._write() as tx:
            latest = self._latest(tx, project.code)
            done = self._acceptances(tx)
            done = done[done["project_code"] == project.code]
            if len(done):
                row = done.iloc[-1]
                if row["check_digest"] == digest:
                    return AcceptResult(
                        "already",
                        project.code,
                        f"{project.code}: this acceptance is already recorded (accepted "
                        f"{row['accepted']}); nothing changed",
                    )
                raise LedgerError(
                    f"{project.code}: already accepted on {row['accepted']} from another check "
                    f"({row['source']}); an acceptance is recorded once"
                )
            if latest["source_sha256"] != project.sha256:
                raise LedgerError(
                    f"{project.code}: the plots of the acceptance check differ from the "
                    f"registered plan (version {latest['version']}); register the adjusted plan "
                    "with `landlink ledger add` first, then check its acceptance"
                )
            plots = self._plots(tx, code=project.code)
            demolition = plots[plots["layer"] == "demolition"]["plot_id"].astype(str)
            passing = [p for p in demolition if p not in failing]
            refused = [p for p in demolition if p in failing]
            events = self._events(tx, project.code)
            last = {
                (r.layer, r.plot_id): (r.state, r.event_date) for r in replay(events).itertuples()
            }
            targets = []
            for pid in passing:
                cur = last.get(("demolition", pid))
                if cur is not None and cur[0] == "accepted":
                    continue
                check_transition("demolition", pid, cur, "accepted", accepted)
                targets.append(("demolition", pid))
            cur = last.get(("", ""))
            if cur is None or cur[0] not in ("accepted", "filed"):
                check_transition("", "", cur, "accepted", accepted)
                targets.append(("", ""))
            now = self.backend.now_param()
            dparam = self.backend.date_param
            note = f"accepted: acceptance check {project.source}"
            tx.many(
                "INSERT INTO ll_status_events (project_code, layer, plot_id, state, event_date, "
                "note, recorded_at) VALUES (?, ?, ?, 'accepted', ?, ?, ?)",
                [(project.code, lay, pid, dparam(accepted), note, now) for lay, pid in targets],
            )
            quota = self._quota(tx, project.code)
            acc = account(quota)
            lent, returned = centi(acc.lent) or 0, centi(acc.returned) or 0
            basis = figures["accepted_basis"] or 0
            to_return = max(min(lent, basis) - returned, 0)
            generated = max((figures["surplus_generated"] or 0) - (centi(acc.generated) or 0), 0)
            for kind, amount, text in (
                ("returned", to_return, "turnover quota returned at acceptance (ACC005)"),
                ("generated", generated, "surplus quota generated at acceptance (ACC005)"),
            ):
                if amount > 0:
                    tx.run(
                        "INSERT INTO ll_quota_events (project_code, kind, event_date, area_m2, "
                        "counterpart, price_yuan, note, recorded_at) VALUES (?, ?, ?, ?, NULL, "
                        "NULL, ?, ?)",
                        (project.code, kind, dparam(accepted), from_centi(amount), text, now),
                    )
            tx.insert(
                f"INSERT INTO ll_acceptances ({', '.join(ACCEPTANCE_COLUMNS[1:])}) VALUES "
                f"({', '.join('?' * (len(ACCEPTANCE_COLUMNS) - 1))})",
                (
                    project.code,
                    int(latest["version"]),
                    dparam(accepted),
                    from_centi(figures["accepted_basis"]),
                    from_centi(figures["surplus_generated"]),
                    from_centi(min(lent, basis)),
                    from_centi(figures["newly_added_cultivated"]),
                    from_centi(figures["newly_added_paddy"]),
                    figures["quality"],
                    ",".join(passing),
                    ",".join(refused),
                    bool(problems),
                    (reason or "").strip() or None,
                    project.source,
                    digest,
                    now,
                ),
            )
            _pause_for_tests()
            after = account(self._quota(tx, project.code), accepted=accepted)
        msg = (
            f"{project.code}: accepted on {accepted}: {len(passing)} of {len(demolition)} "
            f"demolition plot(s) accepted; accepted basis {fmt_m2(figures['accepted_basis'])} m², "
            f"surplus generated {fmt_m2(figures['surplus_generated'])} m², turnover returned "
            f"{fmt_m2(min(lent, basis))} m²"
        )
        if refused:
            msg += f"; not accepted (ACC001/ACC004): {', '.join(refused)}"
        if after.surplus_balance < 0:
            msg += (
                f"; WARNING: trades and draws exceed the surplus generated by "
                f"{-after.surplus_balance:.2f} m²"
            )
        if problems:
            msg += " despite: " + "; ".join(problems) + f" (forced: {reason})"
        logger.info(msg)
        return AcceptResult("accepted", project.code, msg, account=after)


@dataclass
class AcceptResult:
    """Outcome of :meth:`Ledger.accept_checked`."""

    status: str  # accepted | already
    code: str
    message: str
    account: QuotaAccount | None = None


def _float(v) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None
