"""``coprod serve``: the participant server, plus the facilitator's Voila.

The session database is a SQLite file or a PostgreSQL URL
(:mod:`coprod_analytics.session.open`). The participant server (page + JSON API) runs in
this process on its own port, or, with ``workers > 1`` (PostgreSQL only), in N worker
processes sharing that port:

- **one port, one listening socket per worker** (``SO_REUSEPORT``): this process reserves
  the port (a bound socket that does not listen, so ``--port 0`` picks one port for all)
  and each worker listens on it with a socket of its own; the kernel spreads new
  connections over the workers by their addresses. (One shared listening socket was tried
  first: one worker accepted every waiting connection at once and the other got none.)
  A worker that dies takes its open connections and those waiting in its own queue with
  it: the phones see a reset and retry, and their retry lands on a worker that lives.
  Nothing acknowledged was in them: an answer is acknowledged only once committed.
  Linux lets only processes of the same user share such a port;
- **each worker its own writer**, all appending to the one database; each write
  transaction takes PostgreSQL's write lock and reads what the others committed first, so a
  close stops every worker's later answers, and idempotency keys hold across workers (a
  retry another worker stored is answered as a duplicate);
- **disjoint ids**: worker ``i`` of ``N`` hands out participant and statement ids equal to
  ``i`` modulo ``N``; a token is valid on every worker (one secret), and a worker that
  has not read a participant's join yet reads the log before answering;
- **one priority computation**: this process computes the Pol.is priorities (in one
  worker process of its own) and writes them to a file every worker reads;
- **supervision**: a worker that exits (even ``kill -9``) is started again with its
  index; every acknowledged answer was committed before it was acknowledged. Workers die
  with this process (a parent-death signal and a watch on its pid).

SQLite takes one server process: several would each wait for the file's single write
lock, so ``--workers`` is refused there with a message saying so.

The
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
import gc
import os
import signal
import socket
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeVar

from coprod_analytics.errors import CoprodError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.session.open import is_session_url, open_store
from coprod_apps.live.config import ServerConfig
from coprod_apps.live.server import LiveServer

__all__ = [
    "ServeInfo",
    "dashboard_notebook",
    "dashboard_ready",
    "run_loop",
    "seed_session",
    "serve",
    "tune_gc",
    "worker_main",
]

#: allocations between young collections once the server runs (Python's default is 700)
GC_GEN0_THRESHOLD = 20_000
_T = TypeVar("_T")


def run_loop(main: Coroutine[Any, Any, _T]) -> _T:
    """Run ``main`` to its end on uvloop when it is installed, else on asyncio's own loop.

    The participant server answers its busiest calls from an :class:`asyncio.Protocol`
    (:mod:`coprod_apps.live.hotwire`), whose reads and writes cost less CPU on uvloop's
    transports; without uvloop (``pip install coprod-analytics[live]`` brings it) the
    server runs the same on asyncio's loop.

    Parameters
    ----------
    main : coroutine
        What to run (as :func:`asyncio.run` would).

    Returns
    -------
    object
        What ``main`` returned.

    Examples
    --------
    >>> async def answer():
    ...     return 42
    >>> run_loop(answer())
    42
    """
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def tune_gc() -> None:
    """Keep the cycle collector's pauses out of the participants' answers.

    A server process allocates a lot per request and keeps little; Python's default
    collector then runs a young collection every 700 allocations and, every so often, a
    full one over everything imported (~100 ms on two cores: every answer in flight waits).
    Once the server has started, this collects once, moves what exists (modules, the folded
    session) out of the collector's sight (:func:`gc.freeze`; reference counting still
    frees it) and collects the young generation less often. ``coprod serve`` and each
    worker process call it once they serve (it changes the whole process: not for a
    program that runs :func:`serve` among other work).

    Examples
    --------
    >>> import gc
    >>> before = gc.get_threshold()
    >>> tune_gc()
    >>> gc.get_threshold()[0] == GC_GEN0_THRESHOLD
    True
    >>> gc.unfreeze(); gc.set_threshold(*before)
    """
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


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
    db : path or str
        The session database (created when missing): a SQLite file or a
        ``postgresql://`` URL.
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

    if is_session_url(db):
        from coprod_analytics.session.pg_store import redact_url

        shown: Any = redact_url(str(db))
    else:
        shown = db
    with open_store(db, title=None) as store:
        st = store.state()
        label = "the inquiry" if isinstance(source, Inquiry) else str(source)
        if source is None:
            if st.statements or st.activities:
                return (
                    f"Continuing session {shown}: {len(st.statements)} statements, {st.n_votes} "
                    f"votes, {len(st.activities)} activities."
                )
            return f"New session {shown} with no statements yet (add some with --from PATH)."
        if st.statements or st.activities:
            return (
                f"Continuing session {shown}: it already has {len(st.statements)} statements and "
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
        return f"New session {shown}: {len(ids)} statements{more} from {label}."


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
    server : LiveServer or None
        The running participant server (None with several workers).
    dashboard : VoilaServer, optional
        The dashboard's Voila process.
    worker_pids : list of int
        The worker processes' ids (``workers > 1``; kept current when one is restarted).
    public_url : str, optional
        The address behind the proxy (``--public-url``), when one was given.

    Examples
    --------
    >>> info = ServeInfo("http://127.0.0.1:8765/", None, None, server=None)
    >>> info.participant_url
    'http://127.0.0.1:8765/'
    """

    participant_url: str
    dashboard_url: str | None
    join_code: str | None
    server: LiveServer | None
    dashboard: Any = None
    worker_pids: list[int] = field(default_factory=list)
    public_url: str | None = None


def _participant_url(cfg: ServerConfig, host: str, port: int) -> str:
    """The address phones use (``--public-url`` behind a proxy), with the join code."""
    if cfg.public_url:
        from coprod_apps.live.config import check_public_url

        url = check_public_url(cfg.public_url)
    else:
        url = f"http://{_public_host(host)}:{port}/"
    return f"{url}#join={cfg.join_code}" if cfg.join_code else url


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
    workers: int = 1,
) -> None:
    """Run the participant server (and the dashboard) until ``stop`` is set or a signal.

    SIGINT/SIGTERM stop it cleanly: the server stops taking requests, every queued write is
    committed, Voila shuts its kernels down.

    Parameters
    ----------
    db : path or str
        The session database (created when missing): a SQLite file or a
        ``postgresql://`` URL.
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
    workers : int, default 1
        Participant server processes sharing the port (more than 1: PostgreSQL only; see
        the module's text).

    Raises
    ------
    CoprodError
        The port cannot be bound, another server runs on ``db``, the dashboard did not
        start, or ``workers > 1`` on a SQLite file.

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
    if workers > 1:
        await _serve_workers(
            db, host, port, cfg, workers, dashboard, dashboard_port, on_ready, stop
        )
        return
    server = LiveServer(db, cfg)  # strips the join code; refuses an empty one
    cfg = server.config
    try:
        bound = await server.start(host, port)
    except OSError as exc:
        await server.stop()
        raise CoprodError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from exc
    url_with_code = _participant_url(cfg, host, bound)
    voila = None
    dash_url = None
    if dashboard:
        try:
            voila = await asyncio.get_running_loop().run_in_executor(
                None, _start_dashboard, db, dashboard_port, cfg.lang
            )
            dash_url = voila.url
        except Exception as exc:
            await server.stop()
            raise CoprodError(f"the facilitator dashboard did not start: {exc}") from exc
    info = ServeInfo(url_with_code, dash_url, cfg.join_code, server, voila)
    info.public_url = cfg.public_url
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


def _start_dashboard(db: str | os.PathLike[str], port: int | None, lang: str | None = None) -> Any:
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
        env={
            "COPROD_SESSION_DB": _db_arg(db),
            "COPROD_DASHBOARD_READY": str(ready),
            # the dashboard speaks the session's language (coprod serve --lang)
            **({"COPROD_DASHBOARD_LANG": lang} if lang else {}),
        },
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
        tunnel = _tunnel_hint(info.dashboard_url, info.public_url)
        if tunnel:
            print(tunnel, file=out)
    if info.join_code:
        print(f"Join code: {info.join_code}", file=out)
    if info.worker_pids:
        pids = ", ".join(str(pid) for pid in info.worker_pids)
        print(f"Workers: {len(info.worker_pids)} processes on one port (pids {pids})", file=out)
    if qr:
        from coprod_apps.live.qr import qr_text

        try:
            print(qr_text(info.participant_url), file=out)
        except ValueError as exc:  # pragma: no cover - a very long URL
            print(f"(no QR code: {exc})", file=out)
    print("Press Ctrl+C to stop; restarting on the same database continues the session.", file=out)
    out.flush()


def _tunnel_hint(dashboard_url: str, public_url: str | None) -> str | None:
    """Behind a proxy, how the facilitator reaches the loopback-only dashboard from their
    own computer: an SSH tunnel to the public host.

    Examples
    --------
    >>> print(_tunnel_hint("http://127.0.0.1:8866/voila?token=t", "https://vote.example.org/"))
    The dashboard answers on vote.example.org's loopback only; from your computer run
      ssh -N -L 8866:127.0.0.1:8866 vote.example.org
    then open the facilitator address above there.
    >>> _tunnel_hint("http://127.0.0.1:8866/", None) is None
    True
    """
    import urllib.parse

    if not public_url:
        return None
    host = urllib.parse.urlsplit(public_url).hostname
    port = urllib.parse.urlsplit(dashboard_url).port
    if not host or port is None:
        return None
    return (
        f"The dashboard answers on {host}'s loopback only; from your computer run\n"
        f"  ssh -N -L {port}:127.0.0.1:{port} {host}\n"
        "then open the facilitator address above there."
    )


def _db_arg(db: str | os.PathLike[str]) -> str:
    """The database as another process should be told it (a URL as is, a file absolute)."""
    return str(db) if is_session_url(db) else str(Path(db).resolve())


# ---------------------------------------------------------------------- several workers
async def _serve_workers(
    db: str | os.PathLike[str],
    host: str,
    port: int,
    cfg: ServerConfig,
    workers: int,
    dashboard: bool,
    dashboard_port: int | None,
    on_ready: Callable[[ServeInfo], None] | None,
    stop: asyncio.Event | None,
) -> None:
    """``serve`` with ``workers`` processes accepting on one listening socket."""
    import shutil
    import tempfile

    from coprod_apps.live.lock import serve_lock
    from coprod_apps.live.rules import normalize_join_code

    if not is_session_url(db):
        raise CoprodError(
            f"--workers {workers} needs a PostgreSQL session database (postgresql://...); "
            f"{db} is a SQLite file, which takes one server process (its single write lock "
            "would make several wait on each other): run one worker, or serve the session "
            "from PostgreSQL"
        )
    cfg = dataclasses.replace(cfg, join_code=normalize_join_code(cfg.join_code))
    lock = serve_lock(db)  # the workers share it
    folder = Path(tempfile.mkdtemp(prefix="coprod-workers-"))
    reserved: socket.socket | None = None
    group: _Workers | None = None
    voila = None
    loop = asyncio.get_running_loop()
    try:
        open_store(db).close()  # an unreachable or unwritable database fails here, plainly
        try:
            reserved = _reserve_port(host, port)
        except OSError as exc:
            raise CoprodError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from exc
        bound = int(reserved.getsockname()[1])
        priorities = folder / "priorities.json"
        from coprod_apps.live.config import worker_share

        wcfg = dataclasses.replace(  # the wrong-code budgets divided over the workers
            worker_share(cfg, workers),
            priorities_file=str(priorities) if cfg.priority_interval > 0 else None,
        )
        group = _Workers(_db_arg(db), host, bound, wcfg, workers, folder)
        await loop.run_in_executor(None, group.start_all)
        url_with_code = _participant_url(cfg, host, bound)
        dash_url = None
        if dashboard:
            try:
                voila = await loop.run_in_executor(
                    None, _start_dashboard, db, dashboard_port, cfg.lang
                )
                dash_url = voila.url
            except Exception as exc:
                raise CoprodError(f"the facilitator dashboard did not start: {exc}") from exc
        info = ServeInfo(url_with_code, dash_url, cfg.join_code, None, voila, group.pids)
        info.public_url = cfg.public_url
        stop = stop or asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        tasks = [loop.create_task(group.supervise(stop))]
        if cfg.priority_interval > 0:
            tasks.append(
                loop.create_task(_priority_loop(str(db), priorities, cfg.priority_interval))
            )
        if on_ready is not None:
            on_ready(info)
        try:
            await stop.wait()
        finally:
            for t in tasks:
                t.cancel()
    finally:
        if group is not None:
            await loop.run_in_executor(None, group.stop_all)
        if voila is not None:
            await loop.run_in_executor(None, voila.stop)
        if reserved is not None:
            reserved.close()
        lock.release()
        shutil.rmtree(folder, ignore_errors=True)


def _reserve_port(host: str, port: int) -> socket.socket:
    """A bound ``SO_REUSEPORT`` socket that does not listen: it keeps ``port`` (or the one
    the system picks for 0) for the workers, and takes no connection itself."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except BaseException:
        sock.close()
        raise
    return sock


class _Workers:
    """The worker processes of one ``coprod serve --workers N``: started, watched,
    started again when one exits, stopped (SIGTERM: each commits what it queued)."""

    def __init__(
        self, db: str, host: str, port: int, cfg: ServerConfig, n: int, folder: Path
    ) -> None:
        self.db = db
        self.host = host
        self.port = port
        self.cfg = cfg
        self.n = n
        self.folder = folder
        self.procs: list[Any] = [None] * n
        #: the live pids, in worker order (the same list object as ServeInfo.worker_pids)
        self.pids: list[int] = []
        self.restarts = 0
        self._stopping = False

    def _spawn(self, index: int) -> Any:
        import json
        import subprocess

        ready = self.folder / f"ready-{index}"
        ready.unlink(missing_ok=True)
        spec = {
            "db": self.db,
            "host": self.host,
            "port": self.port,
            "config": dataclasses.asdict(
                dataclasses.replace(self.cfg, id_slot=(index, self.n), seed=self.cfg.seed + index)
            ),
            "parent": os.getpid(),
            "ready": str(ready),
        }
        env = dict(os.environ, COPROD_SERVE_WORKER=json.dumps(spec))
        proc = subprocess.Popen(
            [sys.executable, "-c", "from coprod_apps.live.serve import worker_main; worker_main()"],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        self.procs[index] = proc
        self.pids[:] = [p.pid for p in self.procs if p is not None]
        return proc

    def _wait_ready(self, index: int, timeout: float = 120.0) -> None:
        import time

        proc = self.procs[index]
        ready = self.folder / f"ready-{index}"
        deadline = time.monotonic() + timeout
        delay = 0.02
        while not ready.exists():
            if proc.poll() is not None:
                raise CoprodError(
                    f"worker {index} exited while starting (status {proc.returncode})"
                )
            if time.monotonic() > deadline:
                raise CoprodError(f"worker {index} was not ready after {timeout:.0f} s")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)

    def start_all(self) -> None:
        """Start every worker and wait until each serves."""
        for i in range(self.n):
            self._spawn(i)
        for i in range(self.n):
            self._wait_ready(i)

    async def supervise(self, stop: asyncio.Event) -> None:
        """Start again any worker that exited, until ``stop``."""
        import logging

        log = logging.getLogger("coprod_apps.live.serve")
        while not stop.is_set():
            for i, proc in enumerate(self.procs):
                if proc is not None and proc.poll() is not None and not self._stopping:
                    log.warning(
                        "worker %d (pid %d) exited with status %s; starting it again",
                        i,
                        proc.pid,
                        proc.returncode,
                    )
                    print(
                        f"Worker {i} (pid {proc.pid}) exited ({proc.returncode}); starting it again",
                        file=sys.stderr,
                        flush=True,
                    )
                    self.restarts += 1
                    self._spawn(i)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)

    def stop_all(self) -> None:
        """SIGTERM every worker and wait for it (each commits what it has queued)."""
        import subprocess

        self._stopping = True
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
        for proc in self.procs:
            if proc is None:
                continue
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:  # pragma: no cover - a stuck worker
                proc.kill()
                proc.wait()


async def _priority_loop(db: str, out: Path, interval: float) -> None:
    """Compute the Pol.is priorities once for every worker (in a process of its own,
    whenever votes were added) and write them to ``out`` (atomically)."""
    import concurrent.futures
    import json
    import logging
    import multiprocessing

    from coprod_analytics.session.open import open_event_reader
    from coprod_analytics.session.priority import compute_priorities
    from coprod_apps.live.server import _worker_init

    log = logging.getLogger("coprod_apps.live.serve")
    loop = asyncio.get_running_loop()
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )
    reader = None
    last_seq = 0
    n_votes = 0
    done = -1
    try:
        while True:
            try:
                if reader is None:
                    reader = await loop.run_in_executor(None, open_event_reader, db)
                rows = await loop.run_in_executor(None, reader.new_events, last_seq)
                if rows:
                    last_seq = int(rows[-1][0])
                    n_votes += sum(1 for r in rows if r[1] == "vote")
                if n_votes != done:
                    done = n_votes
                    prio = await loop.run_in_executor(pool, compute_priorities, db)
                    tmp = out.with_suffix(".tmp")
                    tmp.write_text(json.dumps({str(k): v for k, v in prio.items()}))
                    os.replace(tmp, out)
            except Exception:  # pragma: no cover - the database or the worker failed
                log.exception("priority computation failed; the workers keep the last ones")
                if reader is not None:
                    with contextlib.suppress(Exception):
                        reader.close()
                reader = None
            await asyncio.sleep(interval)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        if reader is not None:
            with contextlib.suppress(Exception):
                reader.close()


def worker_main() -> None:
    """A worker process of ``coprod serve --workers N`` (started by :func:`serve`, which
    passes the database, the port and the settings in ``COPROD_SERVE_WORKER``).

    Listens on the shared port (``SO_REUSEPORT``) and serves the participant API until
    SIGTERM (then commits what it queued); ends with its parent.

    Examples
    --------
    >>> import os
    >>> "COPROD_SERVE_WORKER" in os.environ  # only a worker process has it
    False
    """
    import json
    import logging

    from coprod_apps.launcher import watch_parent

    spec = json.loads(os.environ["COPROD_SERVE_WORKER"])
    watch_parent(int(spec["parent"]))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    raw = spec["config"]
    for name in ("request_rate", "submit_rate", "join_rate", "join_fail_rate"):
        raw[name] = tuple(raw[name])
    raw["join_fail_all_rate"] = tuple(raw["join_fail_all_rate"])
    raw["trusted_proxies"] = tuple(raw["trusted_proxies"])
    raw["id_slot"] = tuple(raw["id_slot"])
    cfg = ServerConfig(**raw)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C goes to the parent, which stops us

    async def run() -> None:
        import tornado.netutil

        server = LiveServer(spec["db"], cfg, lock=False)
        try:
            sockets = tornado.netutil.bind_sockets(
                int(spec["port"]), address=spec["host"], backlog=1024, reuse_port=True
            )
        except BaseException:
            await server.stop()
            raise
        await server.start(sockets=sockets)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        tune_gc()
        Path(spec["ready"]).touch()
        try:
            await stop.wait()
        finally:
            await server.stop()

    run_loop(run())
