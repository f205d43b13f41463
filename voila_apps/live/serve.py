"""``coprod serve``: one process for the participant server, plus the facilitator's Voila.

The participant server (page + JSON API) runs in this process on its own port. The
facilitator dashboard is a separate standalone Voila process
(``voila_apps/live_dashboard.ipynb``) on another loopback port, protected by a random token
(``Voila.token``, passed in Voila's private config file, not on the command line):
standalone Voila's token opens the dashboard pages and their kernel websocket, never a
Jupyter API that executes code, and it is never shown on the participant side. Idle kernels
are culled, including abandoned live dashboards (widget traffic does not count as
activity; see VOILA_NOTES.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from coprod_analytics.errors import CoprodError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.session import SessionStore
from coprod_apps.live.config import ServerConfig
from coprod_apps.live.server import LiveServer

__all__ = ["ServeInfo", "dashboard_notebook", "dashboard_ready", "seed_session", "serve"]


def dashboard_notebook() -> Path:
    """Where the live dashboard notebook is.

    Returns
    -------
    pathlib.Path
        ``COPROD_LIVE_DASHBOARD`` when set, else the ``live_dashboard.ipynb`` shipped in
        the package.

    Examples
    --------
    >>> dashboard_notebook().suffix
    '.ipynb'
    """
    env = os.environ.get("COPROD_LIVE_DASHBOARD")
    if env:
        return Path(env)
    from coprod_apps import app_notebook

    return app_notebook("live_dashboard.ipynb")


def seed_session(
    db: str | os.PathLike[str],
    source: str | os.PathLike[str] | Inquiry | None,
    *,
    open_activities: bool = False,
) -> str:
    """Create or open the session; seed statements and activities from ``source``.

    Statements are added while the session has none, activities while it has none
    (restarting continues the session as it is). Every item table of an inquiry folder
    becomes an activity on the agenda (see :mod:`coprod_analytics.session.activities`):
    ``evidence_items``, ``rating_items``, ``questions`` (and the questions only
    ``probabilities`` / ``choices`` answer), ``panel_items.csv`` or a ``panel`` table, and a
    ``population`` table, and the priority activities (a ``.pb`` file or ``budget_projects``:
    the budget ballot; ``pairwise_items.csv``, ``ranking_items.csv``, ``open_questions.csv``:
    see :mod:`coprod_analytics.session.priorities`). With activities, statements become the
    ``statements`` activity
    (open); the population questions are open from the start (asked at join); the others
    wait for the facilitator (``coprod session activity DB open ID``) unless
    ``open_activities``.

    Parameters
    ----------
    db : path
        The session database (created when missing).
    source : path, Inquiry or None
        Any supported input or inquiry folder, a CSV with a ``text`` column, a ``.txt``
        file with one statement per line, or an inquiry.
    open_activities : bool, default False
        Open every activity at once (a rehearsal or a load test).

    Returns
    -------
    str
        A line saying what happened, for the terminal.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics import Inquiry
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> inq = Inquiry(statements={"statement_id": [0, 1], "text": ["Parks", "Buses"]},
    ...               tables={"rating_items": {"item_id": [1], "text": ["Buses?"]}})
    >>> seed_session(db, inq)
    'New session ...: 2 statements, activities statements, ratings from the inquiry.'
    >>> seed_session(db, None).startswith("Continuing session")
    True
    """
    from coprod_analytics.session.activities import activities_from_folder, activities_from_inquiry

    with SessionStore(db, title=None) as store:
        st = store.state()
        label = "the inquiry" if isinstance(source, Inquiry) else str(source)
        if source is None:
            if st.statements or st.activities:
                return (
                    f"Continuing session {db}: {len(st.statements)} statements, {st.n_votes} "
                    f"votes, {len(st.activities)} activities."
                )
            return f"New session {db} with no statements yet (add some with --from PATH)."
        if st.statements or st.activities:
            return (
                f"Continuing session {db}: it already has {len(st.statements)} statements and "
                f"{len(st.activities)} activities, so those of {label} were not added again."
            )
        from coprod_analytics.io.load import load_inquiry
        from coprod_analytics.session.store import NewEvent

        inquiry: Inquiry | None
        texts: list[str] | None = None
        if isinstance(source, Inquiry):
            inquiry = source
            defs = activities_from_inquiry(source)
        elif Path(source).suffix.lower() == ".txt":
            texts = [t.strip() for t in Path(source).read_text().splitlines() if t.strip()]
            inquiry, defs = None, []
        else:
            path = Path(source)
            if path.is_dir():
                defs = activities_from_folder(path)
            elif path.suffix.lower() == ".pb":  # a pabulib election: the budget ballot
                defs = activities_from_inquiry(load_inquiry(path))
            else:
                defs = []
            try:
                inquiry = _load_statements(path, load_inquiry)
            except CoprodError:
                if not defs:
                    raise
                inquiry = None
        ids: list[int] = []
        if texts is not None:
            ids = store.add_statements(texts)
        elif inquiry is not None and inquiry.statements.get_column("text").drop_nulls().len():
            ids = store.add_statements(inquiry)
        if defs:
            if ids:
                defs.insert(
                    1 if defs[0]["kind"] == "population" else 0,
                    {
                        "activity_id": "statements",
                        "kind": "statements",
                        "title": "Agree or disagree",
                        "items": [],
                        "open": True,
                    },
                )
            for d in defs:
                if d["kind"] == "population" or open_activities:
                    d["open"] = True
            store.define_activities(defs)
        title = inquiry.metadata.get("title") if inquiry is not None else None
        if title:
            store.append([NewEvent("open", value={"title": str(title)})])
        kinds = ", ".join(d["activity_id"] for d in defs)
        more = f", activities {kinds}" if kinds else ""
        return f"New session {db}: {len(ids)} statements{more} from {label}."


def _load_statements(src: Path, load_inquiry: Callable[..., Inquiry]) -> Inquiry:
    """An inquiry from any supported input, or a CSV of statements (``text`` column)."""
    try:
        inquiry = load_inquiry(src)
        if inquiry.statements.get_column("text").drop_nulls().len():
            return inquiry
    except CoprodError:
        pass
    import polars as pl

    if src.suffix.lower() in {".csv", ".tsv"}:
        table = pl.read_csv(src, separator="\t" if src.suffix.lower() == ".tsv" else ",")
        col = next((c for c in ("text", "statement", "comment-body", "body") if c in table), None)
        if col is not None:
            texts = table.get_column(col).cast(pl.String)
            return Inquiry(statements={"statement_id": list(range(len(texts))), "text": texts})
    raise CoprodError(
        f"{src}: no statement texts found; give a Pol.is export, an inquiry with statement "
        "texts, a CSV with a 'text' column or a .txt file with one statement per line"
    )


@dataclass
class ServeInfo:
    """Where things are once :func:`serve` is up.

    Parameters
    ----------
    participant_url : str
        The address for phones (with ``#join=CODE`` when a join code is set).
    dashboard_url : str or None
        The facilitator dashboard's address with its secret token (None without one).
    join_code : str or None
        The join code participants must enter.
    server : LiveServer
        The running participant server.
    dashboard : VoilaServer, optional
        The dashboard's Voila process.

    Examples
    --------
    >>> info = ServeInfo("http://127.0.0.1:8765/", None, None, server=None)
    >>> info.participant_url
    'http://127.0.0.1:8765/'
    """

    participant_url: str
    dashboard_url: str | None
    join_code: str | None
    server: LiveServer
    dashboard: Any = None


def _public_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        try:
            return socket.gethostbyname(socket.gethostname())
        except OSError:
            return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


async def serve(
    db: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    join_code: str | None = None,
    dashboard: bool = True,
    dashboard_port: int | None = None,
    config: ServerConfig | None = None,
    on_ready: Callable[[ServeInfo], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run the participant server (and the dashboard) until ``stop`` is set or a signal.

    SIGINT/SIGTERM stop it cleanly: the server stops taking requests, every queued write is
    committed, Voila shuts its kernels down.

    Parameters
    ----------
    db : path
        The session database (created when missing).
    host : str, default "127.0.0.1"
        The participant server's interface.
    port : int, default 8765
        The participant server's port (0: any free one).
    join_code : str, optional
        Participants must enter this code.
    dashboard : bool, default True
        Also start the facilitator dashboard (Voila, token-protected, loopback).
    dashboard_port : int, optional
        The dashboard's port (default: a free one).
    config : ServerConfig, optional
        Rate limits and intervals of the participant server.
    on_ready : callable, optional
        Called with a :class:`ServeInfo` once both are up.
    stop : asyncio.Event, optional
        Set it to stop (signals set it too).

    Raises
    ------
    CoprodError
        The port cannot be bound, another server runs on ``db``, or the dashboard did
        not start.

    Examples
    --------
    >>> import asyncio, tempfile, pathlib
    >>> async def main(db):
    ...     stop = asyncio.Event()
    ...     seen = []
    ...     def ready(info):
    ...         seen.append(info.participant_url)
    ...         stop.set()
    ...     await serve(db, port=0, dashboard=False, on_ready=ready, stop=stop)
    ...     return seen[0].startswith("http://127.0.0.1:")
    >>> asyncio.run(main(pathlib.Path(tempfile.mkdtemp()) / "s.db"))
    True
    """
    cfg = config or ServerConfig()
    if join_code is not None:
        cfg = dataclasses.replace(cfg, join_code=join_code)
    server = LiveServer(db, cfg)  # strips the join code; refuses an empty one
    cfg = server.config
    try:
        bound = await server.start(host, port)
    except OSError as exc:
        await server.stop()
        raise CoprodError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from exc
    url = f"http://{_public_host(host)}:{bound}/"
    if cfg.join_code:
        url_with_code = f"{url}#join={cfg.join_code}"
    else:
        url_with_code = url
    voila = None
    dash_url = None
    if dashboard:
        try:
            voila = await asyncio.get_running_loop().run_in_executor(
                None, _start_dashboard, Path(db), dashboard_port
            )
            dash_url = voila.url
        except Exception as exc:
            await server.stop()
            raise CoprodError(f"the facilitator dashboard did not start: {exc}") from exc
    info = ServeInfo(url_with_code, dash_url, cfg.join_code, server, voila)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    try:
        if on_ready is not None:
            on_ready(info)
        await stop.wait()
    finally:
        await server.stop()
        if voila is not None:
            await loop.run_in_executor(None, voila.stop)


def _start_dashboard(db: Path, port: int | None) -> Any:
    import secrets
    import shutil
    import tempfile
    import weakref

    from coprod_apps.launcher import start_voila

    nb = dashboard_notebook()
    if not nb.exists():
        raise CoprodError(f"the dashboard notebook {nb} is missing")
    # a preheated kernel has run the notebook before anyone opens the address, so the
    # facilitator sees the first chart within seconds; the address is printed only once that
    # kernel says it is ready (it writes the marker file named below)
    marker_dir = tempfile.mkdtemp(prefix="coprod-dashboard-")
    ready = Path(marker_dir) / "ready"
    server = start_voila(
        nb,
        env={"COPROD_SESSION_DB": str(db.resolve()), "COPROD_DASHBOARD_READY": str(ready)},
        port=port,
        host="127.0.0.1",
        token=secrets.token_urlsafe(24),
        cull_idle_timeout=900,
        cull_interval=60,
        preheat=True,
        pool_size=1,
    )
    weakref.finalize(server, shutil.rmtree, marker_dir, True)
    try:
        dashboard_ready(ready, server)
    except Exception:
        server.stop()
        raise
    return server


def dashboard_ready(marker: Path, server: Any, *, timeout: float = 300.0) -> None:
    """Wait until the preheated dashboard kernel has run the notebook (it writes ``marker``).

    Parameters
    ----------
    marker : Path
        The file the notebook writes once its dashboard is built (``COPROD_DASHBOARD_READY``).
    server : VoilaServer
        The Voila server (its process must stay alive while we wait).
    timeout : float
        Seconds before giving up (a kernel that never gets there is an error, not a wait).

    Raises
    ------
    CoprodError
        Voila exited, or the kernel was not ready in time (the end of Voila's log is included).

    Examples
    --------
    >>> import pathlib, tempfile, types
    >>> marker = pathlib.Path(tempfile.mkdtemp()) / "ready"
    >>> _ = marker.write_text("1")
    >>> dashboard_ready(marker, types.SimpleNamespace(process=None), timeout=1)
    """
    import time

    deadline = time.monotonic() + timeout
    delay = 0.05
    while not marker.exists():
        proc = getattr(server, "process", None)
        if proc is not None and proc.poll() is not None:
            raise CoprodError(f"Voila exited while preparing the dashboard:\n{_log_tail(server)}")
        if time.monotonic() > deadline:
            raise CoprodError(
                f"the dashboard kernel was not ready after {timeout:.0f} s:\n{_log_tail(server)}"
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 0.5)


def _log_tail(server: Any, lines: int = 30) -> str:
    path = getattr(server, "log_path", None)
    try:
        return "\n".join(Path(str(path)).read_text(errors="replace").splitlines()[-lines:])
    except (OSError, TypeError):
        return "(no log)"


def print_addresses(info: ServeInfo, out: TextIO | None = None, *, qr: bool = True) -> None:
    """Print the two addresses, each on its own line, and a QR code of the participant one.

    Parameters
    ----------
    info : ServeInfo
        What :func:`serve` reported.
    out : text stream, optional
        Where to print (default: ``sys.stdout``).
    qr : bool, default True
        Print the QR code (see :func:`~coprod_apps.live.qr.qr_text`).

    Examples
    --------
    >>> info = ServeInfo("http://127.0.0.1:8765/", None, "ABCD", server=None)
    >>> print_addresses(info, qr=False)
    Participants: http://127.0.0.1:8765/
    Join code: ABCD
    Press Ctrl+C to stop; restarting on the same database continues the session.
    """
    out = sys.stdout if out is None else out
    print(f"Participants: {info.participant_url}", file=out)
    if info.dashboard_url:
        print(
            f"Facilitator dashboard (keep this address to yourself): {info.dashboard_url}", file=out
        )
    if info.join_code:
        print(f"Join code: {info.join_code}", file=out)
    if qr:
        from coprod_apps.live.qr import qr_text

        try:
            print(qr_text(info.participant_url), file=out)
        except ValueError as exc:  # pragma: no cover - a very long URL
            print(f"(no QR code: {exc})", file=out)
    print("Press Ctrl+C to stop; restarting on the same database continues the session.", file=out)
    out.flush()
