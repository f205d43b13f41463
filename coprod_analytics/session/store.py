"""The live-session store: an append-only SQLite event log with idempotency keys.

One database file holds one session. Every change (a participant joining, a vote, a
submitted statement, a moderation decision, a setting, opening and closing the session) is
one row appended to ``events`` (schema in :mod:`coprod_analytics.session.schema`); nothing is
ever updated or deleted. Derived state (:class:`~coprod_analytics.session.state.SessionState`,
:meth:`SessionStore.to_inquiry`) is recomputed from the log.

Durability: the database runs in WAL mode with ``synchronous=FULL``, so a transaction that
returned from ``COMMIT`` survives a crash of the process or the machine. A request retried
with the same idempotency key is recognised (UNIQUE key) and never stored twice.

Failures of the place the database lives in (a read-only file or folder, an immutable file,
a full disk, an I/O error) are :class:`StoreUnwritable` errors saying which file and why:
opening a database that cannot be written refuses at once, and a write that fails changes
nothing (its whole transaction is rolled back) and is never reported as done.

Everything specific to SQLite lives in this module (connections, pragmas, transactions, the
mapping of SQLite's error codes to :class:`StoreUnwritable`); the rest of the package sees
:class:`SessionStore`'s methods, :func:`read_events`, :func:`read_session` and
:func:`probe_writable`. What every backend shares lives beside it:
:mod:`coprod_analytics.session.events` (:class:`NewEvent`, :class:`StoreUnwritable`, the
folding of the log into an inquiry) and :mod:`coprod_analytics.session.log`
(:class:`BaseSessionStore`'s domain methods); they are importable from here as before.

Only the standard library's ``sqlite3`` and polars are used: no web code.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.errors import CoprodError, ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.session.events import (
    _COLUMNS,
    _SNAPSHOT_EVENTS,
    _SNAPSHOT_VOTES,
    NewEvent,
    StoreUnwritable,
    _append_in_transaction,
    _events_frame,
    _fold_inquiry,
)
from coprod_analytics.session.events import MAX_STATEMENT_CHARS as MAX_STATEMENT_CHARS
from coprod_analytics.session.events import now_ms as now_ms
from coprod_analytics.session.gate import AgendaGate
from coprod_analytics.session.log import BackgroundWork, BaseSessionStore
from coprod_analytics.session.log import same_answer as same_answer
from coprod_analytics.session.schema import SCHEMA_VERSION, migrate
from coprod_analytics.session.state import EventRow
from coprod_analytics.session.texts import has_visible_text as has_visible_text

__all__ = [
    "MAX_STATEMENT_CHARS",
    "BaseSessionStore",
    "NewEvent",
    "SessionStore",
    "StoreUnwritable",
    "connect_readonly",
    "has_visible_text",
    "now_ms",
    "probe_writable",
    "read_events",
    "read_session",
    "same_answer",
]


_OS_REASONS = {
    errno.ENOSPC: "disk_full",
    errno.EDQUOT: "disk_full",
    errno.EROFS: "read_only",
    errno.EACCES: "read_only",
    errno.EPERM: "read_only",
}


def _os_unwritable(path: Path, exc: OSError) -> StoreUnwritable:
    detail = exc.strerror or str(exc)
    if exc.errno == errno.EPERM:
        detail += "; the file may be immutable (see lsattr / chattr -i)"
    return StoreUnwritable(path, _OS_REASONS.get(exc.errno or 0, "io_error"), detail)


_SQLITE_REASONS = (
    ("SQLITE_READONLY", "read_only"),
    ("SQLITE_PERM", "read_only"),
    ("SQLITE_FULL", "disk_full"),
    ("SQLITE_BUSY", "busy"),
    ("SQLITE_LOCKED", "busy"),
    ("SQLITE_IOERR", "io_error"),
    ("SQLITE_CANTOPEN", "io_error"),
)


def _sqlite_unwritable(path: Path, exc: sqlite3.Error) -> StoreUnwritable | None:
    """SQLite's error code as a :class:`StoreUnwritable` (None: not a failure of the place)."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    reason = next((r for prefix, r in _SQLITE_REASONS if name.startswith(prefix)), None)
    if reason is None:
        return None
    return StoreUnwritable(path, reason, str(exc))


def probe_writable(path: str | os.PathLike[str], *, size: int = 64 * 1024) -> None:
    """Check that the database ``path`` can be written now (its file and its folder).

    Opens the file for writing (when it exists) and writes, flushes and removes ``size``
    bytes in a temporary file beside it: a full disk, a read-only or immutable file or
    folder all fail here.

    Parameters
    ----------
    path : path
        The database file (need not exist yet).
    size : int, default 65536
        Bytes of the trial write (room a commit needs at least).

    Raises
    ------
    StoreUnwritable
        Naming the file and the cause.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> probe_writable(pathlib.Path(tempfile.mkdtemp()) / "s.db")
    """
    p = Path(path)
    if p.exists():
        try:
            os.close(os.open(p, os.O_RDWR))
        except OSError as exc:
            raise _os_unwritable(p, exc) from None
    folder = p.parent if str(p.parent) else Path(".")
    name = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{p.name}-probe-", dir=folder)
        try:
            if size:
                os.write(fd, b"\0" * size)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        err = _os_unwritable(p, exc)
        if err.reason == "read_only" and not (p.exists() and exc.filename == str(p)):
            err = StoreUnwritable(
                p,
                "read_only",
                f"its folder {folder} cannot be written: {exc.strerror}; SQLite keeps its "
                "-wal and -shm files beside the database",
            )
        raise err from None
    finally:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)


def connect_readonly(path: str | os.PathLike[str]) -> sqlite3.Connection:
    """A read-only SQLite connection to a session database (also on read-only media).

    Parameters
    ----------
    path : path
        The database file.

    Returns
    -------
    sqlite3.Connection
        In autocommit mode, with a busy timeout.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> SessionStore(db).close()
    >>> connect_readonly(db).execute("SELECT count(*) FROM events").fetchone()
    (1,)
    """
    return _connect(Path(path), readonly=True)


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if readonly:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA user_version").fetchone()
        except sqlite3.OperationalError:
            # a read-only folder or file system: SQLite cannot create the -shm file it needs
            # to read a WAL database. Without a -wal file every commit is in the main file,
            # so reading it as immutable loses nothing.
            wal = path.with_name(path.name + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise
            conn = sqlite3.connect(
                f"{uri}&immutable=1", uri=True, isolation_level=None, check_same_thread=False
            )
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def _session_start(title: str | None) -> tuple[dict[str, str], NewEvent]:
    """The ``session_meta`` rows and the first event of a new session (any backend)."""
    created = now_ms()
    meta = {
        "format": "coprod-session",
        "session_id": secrets.token_hex(8),
        "token_secret": secrets.token_hex(32),
        "created_ms": str(created),
    }
    return meta, NewEvent("open", value={"title": title} if title else {}, time_ms=created)


def _create_session(conn: sqlite3.Connection, title: str | None) -> None:
    """The first rows of a new session (run inside the schema's creation transaction)."""
    meta, first = _session_start(title)
    conn.executemany("INSERT OR IGNORE INTO session_meta (key, value) VALUES (?, ?)", meta.items())
    conn.execute(
        "INSERT INTO events (kind, idem_key, participant_id, statement_id, vote, text, value,"
        " time_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        first.params(),
    )


def _check_version(conn: sqlite3.Connection, path: Path) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise ValidationError(
            f"this session database has schema version {version}, newer than this version of "
            f"coprod-analytics understands ({SCHEMA_VERSION}); upgrade coprod-analytics",
            file=path,
        )
    return version


class SessionStore(BaseSessionStore):
    """A live session's event log in a SQLite database (created when missing).

    Parameters
    ----------
    path : str or Path
        The database file (``.db``). A missing file is created with a fresh session; an
        older schema is migrated.
    title : str, optional
        Title of a new session (ignored when the file exists).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db", title="Demo")
    >>> store.add_statements(["Buses should run later.", "Cycle lanes need kerbs."])
    [0, 1]
    >>> alice = store.join()
    >>> store.record_vote(alice, 0, 1, key="k1") is not None
    True
    >>> store.record_vote(alice, 0, 1, key="k1") is None  # a retry: not stored twice
    True
    >>> store.to_inquiry().counts()["votes"]
    1
    >>> store.close()
    """

    def __init__(self, path: str | os.PathLike[str], *, title: str | None = None) -> None:
        self.path = Path(path)
        new = not self.path.exists() or self.path.stat().st_size == 0
        if new:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _os_unwritable(self.path, exc) from None
        probe_writable(self.path, size=0)  # a read-only or immutable file refuses here
        self._conn = _connect(self.path, readonly=False)
        try:
            mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # pragma: no cover - e.g. a network drive
                raise CoprodError(f"{self.path}: could not switch the database to WAL mode")
            self._conn.execute("PRAGMA synchronous = FULL")
            _check_version(self._conn, self.path)
            found = migrate(self._conn, on_create=lambda conn: _create_session(conn, title))
            if found != 0 and not self.meta().get("format"):
                raise ValidationError("not a coprod session database", file=self.path)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            unwritable = _sqlite_unwritable(self.path, exc)
            if unwritable is not None:
                raise unwritable from None
            raise ValidationError(f"not a session database ({exc})", file=self.path) from exc
        except ValidationError as exc:
            self._conn.close()
            if exc.file is not None:
                raise
            raise ValidationError(exc.message, file=self.path) from exc
        except BaseException:
            self._conn.close()
            raise

    def close(self) -> None:
        """Close the database connection (the session itself stays as it is)."""
        self._conn.close()

    def background_checkpoints(self, *, interval: float = 1.0) -> BackgroundWork:
        """Move the WAL checkpoints off this connection's commits into a thread.

        By default SQLite copies the write-ahead log into the database inside the commit
        that fills it past 1,000 pages: that commit also writes and syncs the database
        file, and every answer waiting for it waits too. After this call this connection
        never checkpoints; a thread with its own connection runs a passive checkpoint
        (which never blocks writers or readers) every ``interval`` seconds once the log has
        reached the same 1,000 pages. Durability is unchanged: a commit is durable once its
        WAL frames are synced.

        Parameters
        ----------
        interval : float, default 1
            Seconds between checkpoints.

        Returns
        -------
        BackgroundWork
            The running checkpointer; :meth:`~BackgroundWork.stop` it before closing.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db")
        >>> work = store.background_checkpoints(interval=0.01)
        >>> store.add_statements(["One"])
        [0]
        >>> work.stop()
        >>> store.close()
        """
        self._conn.execute("PRAGMA wal_autocheckpoint = 0")
        work = _Checkpointer(self.path, interval)
        work.start()
        return work

    def meta(self) -> dict[str, str]:
        """The ``session_meta`` table.

        Returns
        -------
        dict of str to str
            ``session_id``, ``token_secret``, ``created_ms``, ``format``.
        """
        return dict(self._conn.execute("SELECT key, value FROM session_meta").fetchall())

    @property
    def schema_version(self) -> int:
        """The database's schema version (``PRAGMA user_version``)."""
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _rows(self, since: int) -> Iterable[EventRow]:
        return self._conn.execute(
            f"SELECT {_COLUMNS} FROM events WHERE seq > ? ORDER BY seq", (since,)
        )

    def _unwritable(self, exc: BaseException) -> StoreUnwritable | None:
        if isinstance(exc, sqlite3.Error):
            return _sqlite_unwritable(self.path, exc)
        if isinstance(exc, OSError):  # pragma: no cover - SQLite reports these as its own
            return _os_unwritable(self.path, exc)
        return None

    def _append_each(
        self, events: Sequence[NewEvent], gate: AgendaGate | None
    ) -> list[int | Exception | None]:
        conn = self._conn

        def read_since(seq: int) -> list[EventRow]:
            return conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()

        def insert(params: tuple[Any, ...]) -> int | Exception | None:
            # no savepoint per event: a statement that fails is backed out by SQLite alone
            # (ABORT, the default conflict rule), the transaction and the batch's other
            # events stay; one statement per event instead of three
            try:
                cur = conn.execute(
                    "INSERT INTO events (kind, idem_key, participant_id, statement_id, vote,"
                    " text, value, time_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    params,
                )
                return cur.lastrowid
            except sqlite3.IntegrityError:
                return None
            except (
                sqlite3.DataError,
                sqlite3.InterfaceError,
                sqlite3.ProgrammingError,
                ValueError,
                TypeError,
                OverflowError,
            ) as exc:
                # e.g. UnicodeEncodeError for a lone surrogate: refuse this event alone.
                # A failure of the database itself (read-only, disk full, I/O) is not
                # caught here: it rolls the whole transaction back and is raised.
                return exc

        conn.execute("BEGIN IMMEDIATE")
        try:
            out, own = _append_in_transaction(events, gate, read_since, insert)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if gate is not None:  # our own agenda steps (if any) count from now on
            gate.apply_rows(own)
        return out

    def to_inquiry(self) -> Inquiry:
        """The session as an :class:`~coprod_analytics.inquiry.Inquiry` (recomputed from the
        log): accepted, waiting (moderation 0) and rejected (-1) statements, every vote, and
        every participant who joined (with a ``joined`` time and the population attributes
        they gave), and in ``tables`` the activities' items (``questions``,
        ``rating_items``, ``evidence_items``, ``population``) and the latest answers under
        the names and columns of the file inputs (``estimates``, ``probabilities``,
        ``choices``, ``predictions``, ``ratings``, ``evidence``, ``panel``).

        Returns
        -------
        Inquiry
            The session's statements, votes (full log in ``vote_log``, latest in ``votes``),
            participants and tables.
        """
        return _to_inquiry(self._conn, self.path)


#: SQLite's default ``wal_autocheckpoint``: the log's size that starts a checkpoint
_AUTOCHECKPOINT_PAGES = 1000


class _Checkpointer(threading.Thread):
    """Passive WAL checkpoints of ``path`` every ``interval`` seconds, on a connection of
    its own (see :meth:`SessionStore.background_checkpoints`)."""

    def __init__(self, path: Path, interval: float) -> None:
        super().__init__(name="coprod-session-checkpoints", daemon=True)
        self.path = path
        self.interval = interval
        self.checkpoints = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            conn = _connect(self.path, readonly=False)
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.Error:  # pragma: no cover - the writer's own commits still work
            return
        wal = self.path.with_name(self.path.name + "-wal")
        try:
            # as SQLite's own autocheckpoint: only once the log has grown to 1,000 pages (a
            # small session's log keeps growing, so a full disk refuses its next commit
            # instead of the commit reusing the log's space)
            page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
            while not self._stop_event.wait(self.interval):
                try:
                    if wal.stat().st_size < _AUTOCHECKPOINT_PAGES * page_size:
                        continue
                except OSError:
                    continue
                # PASSIVE: copies what no reader needs, never waits for (or blocks) anyone;
                # a failure (disk full) leaves the log as it is, the next try repeats it
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join()


def _to_inquiry(conn: sqlite3.Connection, path: Path) -> Inquiry:
    """The inquiry, read in ONE read transaction (a consistent snapshot of the log)."""
    conn.execute("BEGIN")
    try:
        return _to_inquiry_in_snapshot(conn, path)
    finally:
        conn.execute("COMMIT")


def _to_inquiry_in_snapshot(conn: sqlite3.Connection, path: Path) -> Inquiry:
    rows = conn.execute(_SNAPSHOT_EVENTS).fetchall()
    votes = conn.execute(_SNAPSHOT_VOTES).fetchall()
    meta = dict(conn.execute("SELECT key, value FROM session_meta").fetchall())
    return _fold_inquiry(rows, votes, meta, str(path))


def read_events(path: str | os.PathLike[str], *, since: int = 0) -> pl.DataFrame:
    """The event log of a session database, opened read-only.

    Parameters
    ----------
    path : path
        The session database.
    since : int, default 0
        Only events with ``seq > since``.

    Returns
    -------
    polars.DataFrame
        One row per event: ``seq``, ``kind``, ``idem_key``, ``participant_id``,
        ``statement_id``, ``vote``, ``text``, ``value`` (JSON), ``time_ms``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> with SessionStore(db) as s:
    ...     _ = s.join()
    >>> read_events(db).get_column("kind").to_list()
    ['open', 'join']
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file")
    conn = _connect(p, readonly=True)
    try:
        _check_version(conn, p)
        return _events_frame(
            conn.execute(f"SELECT {_COLUMNS} FROM events WHERE seq > ? ORDER BY seq", (since,))
        )
    finally:
        conn.close()


def read_session(path: str | os.PathLike[str]) -> Inquiry:
    """Open a session database read-only as an :class:`Inquiry` (what :func:`load_inquiry`
    does for ``.db`` files); a server may keep writing meanwhile.

    Parameters
    ----------
    path : path
        The session database.

    Returns
    -------
    Inquiry
        Its statements, votes and participants (a consistent snapshot).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> with SessionStore(db) as s:
    ...     _ = s.add_statements(["One", "Two"])
    ...     _ = s.record_vote(s.join(), 1, -1)
    >>> read_session(db).counts()["disagree"]
    1
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file")
    try:
        conn = _connect(p, readonly=True)
        try:
            version = _check_version(conn, p)
            if version == 0:
                raise ValidationError("not a coprod session database (no schema)", file=p)
            return _to_inquiry(conn, p)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise ValidationError(f"not a session database ({exc})", file=p) from exc
