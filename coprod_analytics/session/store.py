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
:func:`probe_writable`.

Only the standard library's ``sqlite3`` and polars are used: no web code.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import polars as pl

from coprod_analytics.errors import CoprodError, ValidationError, check_param
from coprod_analytics.inquiry import TIME_DTYPE, Inquiry
from coprod_analytics.session.gate import AgendaGate
from coprod_analytics.session.schema import EVENT_KINDS, SCHEMA_VERSION, migrate
from coprod_analytics.session.state import EventRow, SessionState
from coprod_analytics.session.texts import has_visible_text

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
]

#: Longest statement text accepted, in characters.
MAX_STATEMENT_CHARS = 500

_COLUMNS = "seq, kind, idem_key, participant_id, statement_id, vote, text, value, time_ms"


def now_ms() -> int:
    """The current time as epoch milliseconds.

    Returns
    -------
    int
        Milliseconds since 1970-01-01 UTC.

    Examples
    --------
    >>> now_ms() > 1_700_000_000_000
    True
    """
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class NewEvent:
    """An event to append (``seq`` is assigned by the database).

    Parameters
    ----------
    kind : str
        One of ``EVENT_KINDS`` (``"join"``, ``"vote"``, ``"statement"``, ...).
    participant_id, statement_id : int, optional
        Who and what the event is about.
    vote : int, optional
        1 (agree), -1 (disagree) or 0 (pass), for a vote.
    text : str, optional
        The statement text, for a statement.
    value : dict, optional
        More fields (stored as JSON), e.g. ``{"moderation": 1}``.
    key : str, optional
        Idempotency key: a second event with the same key is refused.
    time_ms : int, optional
        When it happened (epoch milliseconds; now when omitted).

    Examples
    --------
    >>> NewEvent("vote", participant_id=0, statement_id=3, vote=1, time_ms=5).params()
    ('vote', None, 0, 3, 1, None, None, 5)
    """

    kind: str
    participant_id: int | None = None
    statement_id: int | None = None
    vote: int | None = None
    text: str | None = None
    value: dict[str, Any] | None = None
    key: str | None = None
    time_ms: int | None = None

    def params(self) -> tuple[Any, ...]:
        """The ``INSERT`` parameters of the event, in ``events`` column order.

        Returns
        -------
        tuple
            ``(kind, key, participant_id, statement_id, vote, text, value_json, time_ms)``.
        """
        return (
            self.kind,
            self.key,
            self.participant_id,
            self.statement_id,
            self.vote,
            self.text,
            None if self.value is None else json.dumps(self.value, ensure_ascii=False),
            self.time_ms if self.time_ms is not None else now_ms(),
        )


class StoreUnwritable(CoprodError):
    """The session database cannot be written (nothing was changed).

    Parameters
    ----------
    path : str or Path
        The database file (or a database server's URL, its password left out).
    reason : str
        ``"read_only"`` (a read-only or immutable file, folder or file system),
        ``"disk_full"``, ``"busy"`` (another process held the database too long) or
        ``"io_error"``.
    detail : str
        What the operating system or SQLite said.

    Attributes
    ----------
    path, reason, detail
        As given.

    Examples
    --------
    >>> err = StoreUnwritable("s.db", "read_only", "Read-only file system")
    >>> str(err)
    'the database is read-only: s.db (Read-only file system)'
    >>> err.reason
    'read_only'
    """

    _TEXT: ClassVar[dict[str, str]] = {
        "read_only": "the database is read-only: {path} ({detail})",
        "disk_full": "the disk is full: {path} cannot be written ({detail})",
        "busy": "the database is busy: {path} ({detail})",
        "io_error": "the database could not be written: {path} ({detail})",
    }

    def __init__(self, path: str | os.PathLike[str], reason: str, detail: str) -> None:
        self.path: Path | str = path if isinstance(path, str) and "://" in path else Path(path)
        self.reason = reason if reason in self._TEXT else "io_error"
        self.detail = detail
        super().__init__(self._TEXT[self.reason].format(path=self.path, detail=detail))


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


def _append_in_transaction(
    events: Sequence[NewEvent],
    gate: AgendaGate | None,
    read_since: Callable[[int], Sequence[EventRow]],
    insert: Callable[[tuple[Any, ...]], int | Exception | None],
) -> tuple[list[int | Exception | None], list[EventRow]]:
    """The body of every backend's write transaction (the caller begins and commits it).

    First folds into ``gate`` what other writers committed since its ``last_seq``
    (``read_since``), then refuses what the agenda no longer allows and inserts the rest one
    by one (``insert`` gives the new ``seq``, None when a UNIQUE rule refused the event, or
    the exception that kept this event alone out).

    Returns
    -------
    (list, list)
        Each event's outcome, and the rows of the events stored (for ``gate`` after the
        commit).
    """
    if gate is not None:
        gate.apply_rows(read_since(gate.last_seq))
    out: list[int | Exception | None] = []
    own: list[EventRow] = []
    for ev in events:
        refused = gate.refusal(ev) if gate is not None else None
        if refused is not None:
            out.append(refused)
            continue
        params = ev.params()
        seq = insert(params)
        out.append(seq)
        if isinstance(seq, int):
            own.append((seq, params[0], None, None, None, None, None, params[6], params[7]))
    return out, own


def _check_version(conn: sqlite3.Connection, path: Path) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise ValidationError(
            f"this session database has schema version {version}, newer than this version of "
            f"coprod-analytics understands ({SCHEMA_VERSION}); upgrade coprod-analytics",
            file=path,
        )
    return version


class BaseSessionStore:
    """What every session store offers, written on a few primitives of its database.

    The domain methods (joining, voting, answering, moderating, the agenda, reading the
    state and the inquiry) live here once; a backend supplies the primitives: reading the
    rows after a ``seq`` (:meth:`_rows`), one write transaction that reads what others
    committed and inserts (:meth:`_append_each`), the mapping of its errors to
    :class:`StoreUnwritable` (:meth:`_unwritable`), :meth:`meta`, :attr:`schema_version`,
    :meth:`to_inquiry` (one consistent snapshot) and :meth:`close`. :class:`SessionStore`
    is the SQLite backend; ``coprod_analytics.session.pg_store.PgSessionStore`` the
    PostgreSQL one.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db") as store:
    ...     isinstance(store, BaseSessionStore)
    True
    """

    # ------------------------------------------------------------------ primitives
    def close(self) -> None:
        """Close the database connection (the session itself stays as it is)."""
        raise NotImplementedError

    def meta(self) -> dict[str, str]:
        """The ``session_meta`` table.

        Returns
        -------
        dict of str to str
            ``session_id``, ``token_secret``, ``created_ms``, ``format``.
        """
        raise NotImplementedError

    @property
    def schema_version(self) -> int:
        """The database's schema version."""
        raise NotImplementedError

    def to_inquiry(self) -> Inquiry:
        """The session as an :class:`~coprod_analytics.inquiry.Inquiry` (recomputed from the
        log in one consistent snapshot; see :meth:`SessionStore.to_inquiry`).

        Returns
        -------
        Inquiry
            The session's statements, votes, participants and tables.
        """
        raise NotImplementedError

    def _rows(self, since: int) -> Iterable[EventRow]:
        """The ``events`` rows with ``seq > since``, in ``seq`` order."""
        raise NotImplementedError

    def _append_each(
        self, events: Sequence[NewEvent], gate: AgendaGate | None
    ) -> list[int | Exception | None]:
        """One write transaction (see :func:`_append_in_transaction`)."""
        raise NotImplementedError

    def _unwritable(self, exc: BaseException) -> StoreUnwritable | None:
        """``exc`` as a failure of the database's place, or None when it is not one."""
        raise NotImplementedError

    # ------------------------------------------------------------------ basics
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def session_id(self) -> str:
        """The session's random id (part of every participant token)."""
        return self.meta()["session_id"]

    # ------------------------------------------------------------------ writing
    def append(self, events: Sequence[NewEvent]) -> list[int | None]:
        """Append events in ONE durable transaction (group commit).

        Parameters
        ----------
        events : sequence of NewEvent
            The events, stored in this order.

        Returns
        -------
        list of int or None
            Each event's ``seq``, or ``None`` for an event refused by a UNIQUE rule (its
            idempotency key was seen before, a second vote on the same statement, a
            statement id or participant id already used) or one that cannot be stored at all
            (e.g. text that is not valid Unicode); the other events of the batch are still
            stored.
        """
        return [None if isinstance(r, Exception) else r for r in self.append_each(events)]

    def append_each(
        self, events: Sequence[NewEvent], *, gate: AgendaGate | None = None
    ) -> list[int | Exception | None]:
        """Like :meth:`append`, but an event that could not be stored for a reason other
        than a UNIQUE rule gives its exception instead of ``None`` (the rest still commit).

        Parameters
        ----------
        events : sequence of NewEvent
            The events, stored in this order.
        gate : AgendaGate, optional
            Inside the write transaction, first fold into ``gate`` the events other
            processes committed since its ``last_seq``, then refuse (with
            :class:`~coprod_analytics.session.gate.Refused`) every event the agenda no
            longer allows: once a ``close`` has committed, no later vote or answer is.

        Returns
        -------
        list of int, Exception or None
            Each event's ``seq``; ``None`` when a UNIQUE rule refused it; the exception
            that kept it out otherwise.
        """
        for ev in events:
            if ev.kind not in EVENT_KINDS:
                check_param(False, "kind", "append", f"one of {EVENT_KINDS}", ev.kind)
        try:
            return self._append_each(events, gate)
        except Exception as exc:
            unwritable = self._unwritable(exc)
            if unwritable is None:
                raise
            raise unwritable from None

    def state(self, *, since: SessionState | None = None) -> SessionState:
        """The derived state, folded from the log.

        Parameters
        ----------
        since : SessionState, optional
            A state to bring up to date (updated in place) instead of starting afresh.

        Returns
        -------
        SessionState
            Participants, statements, votes, settings and keys as of the last event.
        """
        st = since if since is not None else SessionState()
        for row in self._rows(st.last_seq):
            st.apply(row)
        return st

    def join(self) -> int:
        """A new anonymous participant.

        Returns
        -------
        int
            The participant's id (the next free one).
        """
        while True:
            pid = self.state().next_participant_id
            if self.append([NewEvent("join", participant_id=pid)])[0] is not None:
                return pid

    def add_statements(
        self, statements: Iterable[str] | pl.DataFrame | Inquiry, *, author_id: int | None = None
    ) -> list[int]:
        """Seed accepted statements.

        Parameters
        ----------
        statements : iterable of str, polars.DataFrame or Inquiry
            Texts, a statements table (``text``, optionally ``statement_id``, kept as
            ``source_id``) or an inquiry's statements. Statements moderated out or meta in a
            table are skipped.
        author_id : int, optional
            The participant who wrote them (none: the facilitator).

        Returns
        -------
        list of int
            The new statement ids.
        """
        rows: list[tuple[str, Any]]
        if isinstance(statements, Inquiry):
            statements = statements.statements
        if isinstance(statements, pl.DataFrame):
            table = statements
            if "moderation" in table.columns:
                table = table.filter(pl.col("moderation") != -1)
            if "is_meta" in table.columns:
                table = table.filter(~pl.col("is_meta"))
            if "text" not in table.columns:
                raise ValidationError("statements need a 'text' column", table="statements")
            sids = table.get_column("statement_id").to_list() if "statement_id" in table else None
            texts = table.get_column("text").to_list()
            rows = [
                (t if t is not None else "", None if sids is None else sids[i])
                for i, t in enumerate(texts)
            ]
        else:
            rows = [(str(t), None) for t in statements]
        for i, (text, _) in enumerate(rows, start=1):
            _check_text(text, row=i)
        start = self.state().next_statement_id
        events = [
            NewEvent(
                "statement",
                participant_id=author_id,
                statement_id=start + i,
                text=text.strip(),
                value={"moderation": 1, **({} if src is None else {"source_id": src})},
            )
            for i, (text, src) in enumerate(rows)
        ]
        seqs = self.append(events)
        if any(s is None for s in seqs):  # pragma: no cover - another writer raced us
            raise CoprodError("statement ids clashed with another writer; try again")
        return [start + i for i in range(len(rows))]

    def record_vote(
        self,
        participant_id: int,
        statement_id: int,
        vote: int,
        *,
        key: str | None = None,
        time_ms: int | None = None,
    ) -> int | None:
        """Store one vote.

        Parameters
        ----------
        participant_id : int
            Who votes (must have joined).
        statement_id : int
            An accepted statement.
        vote : int
            1 (agree), -1 (disagree) or 0 (pass).
        key : str, optional
            Idempotency key: a retry with the same key and vote is not stored again.
        time_ms : int, optional
            When (epoch milliseconds; now when omitted).

        Returns
        -------
        int or None
            The vote's ``seq``, or ``None`` when ``key`` was already stored.

        Raises
        ------
        ValidationError
            An unknown participant or statement, a statement not accepted, a vote not in
            {1, -1, 0}, a closed session (or a closed ``statements`` activity), or a ``key``
            already stored with a different vote.

        Notes
        -----
        A participant may vote again on a statement: the latest vote counts and the log
        (``Inquiry.vote_log``) keeps every vote.
        """
        if vote not in (1, -1, 0) or isinstance(vote, bool):
            raise ValidationError(
                f"expected a vote of 1 (agree), -1 (disagree) or 0 (pass); got {vote!r}",
                column="vote",
            )
        st = self.state()
        if key is not None and key in st.keys:
            _same_or_raise(key, st.keys[key], ("vote", participant_id, statement_id, vote, None))
            return None
        if not st.is_open:
            raise ValidationError("the session is closed; reopen it to take votes")
        if not st.statements_open:
            raise ValidationError("the statements activity is closed; open it to take votes")
        if participant_id not in st.participants:
            raise ValidationError(f"unknown participant {participant_id!r}")
        rec = st.statements.get(statement_id)
        if rec is None or rec.moderation != 1 or rec.activity_id is not None:
            raise ValidationError(f"statement {statement_id!r} is not open for votes")
        ev = NewEvent(
            "vote",
            participant_id=participant_id,
            statement_id=statement_id,
            vote=vote,
            key=key,
            time_ms=time_ms,
        )
        return self.append([ev])[0]

    # ------------------------------------------------------------------ activities
    def define_activities(self, definitions: Iterable[dict[str, Any]]) -> list[str]:
        """Put activities (with their items) on the agenda, closed until opened.

        Parameters
        ----------
        definitions : iterable of dict
            ``{"activity_id", "kind", "title", "items"}`` each, e.g. from
            :func:`~coprod_analytics.session.activities.activities_from_folder`; ``"open":
            True`` opens one at once. A ``statements`` activity gates statement votes.

        Returns
        -------
        list of str
            The activity ids.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db") as s:
        ...     s.define_activities([{"activity_id": "ratings", "kind": "ratings",
        ...                           "items": [{"item_id": 1, "text": "Buses"}]}])
        ['ratings']
        """
        from coprod_analytics.session.activities import ACTIVITY_KINDS

        events = []
        for d in definitions:
            kind = d.get("kind")
            check_param(
                kind in ACTIVITY_KINDS,
                "kind",
                "define_activities",
                f"one of {ACTIVITY_KINDS}",
                kind,
            )
            items = list(d.get("items") or [])
            ids = [str(it.get("item_id")) for it in items]
            if len(set(ids)) != len(ids):
                raise ValidationError(
                    f"activity {d.get('activity_id')!r} lists an item id twice", column="item_id"
                )
            payload = {
                "action": "define",
                "activity_id": str(d.get("activity_id") or kind),
                "kind": kind,
                "title": d.get("title") or str(kind).capitalize(),
                "items": items,
            }
            if d.get("open"):
                payload["open"] = True
            if d.get("settings"):
                payload["settings"] = dict(d["settings"])
            events.append(NewEvent("activity", value=payload))
        self.append(events)
        return [str(e.value["activity_id"]) for e in events if e.value is not None]

    def _agenda(self, activity_id: str, action: str, **more: Any) -> None:
        act = self.state().activities.get(activity_id)
        if act is None:
            known = list(self.state().activities)
            raise ValidationError(f"no activity {activity_id!r}; the agenda has {known}")
        self.append(
            [NewEvent("activity", value={"action": action, "activity_id": activity_id, **more})]
        )

    def open_activity(self, activity_id: str) -> None:
        """Open an activity: participants may answer its items (and change their answers).

        Parameters
        ----------
        activity_id : str
            An activity on the agenda.
        """
        self._agenda(activity_id, "open")

    def close_activity(self, activity_id: str) -> None:
        """Close an activity: its answers stand, no more are taken.

        Parameters
        ----------
        activity_id : str
            An activity on the agenda.
        """
        self._agenda(activity_id, "close")

    def next_round(self, activity_id: str) -> int:
        """Start the next Delphi round (``questions``) or panel wave (``panel``), open.

        Answers of the earlier round stay as they are; participants who answered a question
        in the earlier round now see that round's anonymous distribution.

        Parameters
        ----------
        activity_id : str
            An activity on the agenda.

        Returns
        -------
        int
            The new round (wave) number.
        """
        act = self.state().activities.get(activity_id)
        rnd = (act.round if act is not None else 0) + 1
        self._agenda(activity_id, "round", round=rnd)
        return rnd

    def record_answer(
        self,
        participant_id: int,
        activity_id: str,
        item_id: Any,
        answer: dict[str, Any],
        *,
        key: str | None = None,
        time_ms: int | None = None,
    ) -> int | None:
        """Store one answer to an item of an open activity (the latest answer counts).

        Parameters
        ----------
        participant_id : int
            Who answers (must have joined).
        activity_id : str
            An open activity (not ``statements``: votes go through :meth:`record_vote`).
        item_id : int or str
            The item answered.
        answer : dict
            The answer's fields (see :mod:`coprod_analytics.session.activities`).
        key : str, optional
            Idempotency key: a retry with the same key and answer is not stored again.
        time_ms : int, optional
            When (epoch milliseconds; now when omitted).

        Returns
        -------
        int or None
            The answer's ``seq``, or ``None`` when ``key`` was already stored.

        Raises
        ------
        ValidationError
            A closed session or activity, an unknown participant, activity or item, or an
            answer that does not fit the item (naming the field).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> s = SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db")
        >>> _ = s.define_activities([{"activity_id": "ratings", "kind": "ratings", "open": True,
        ...     "items": [{"item_id": 1, "text": "Buses", "scale_min": 1, "scale_max": 7}]}])
        >>> p = s.join()
        >>> _ = s.record_answer(p, "ratings", 1, {"rating": 3})
        >>> _ = s.record_answer(p, "ratings", 1, {"rating": 6})  # changed: the latest counts
        >>> s.to_inquiry().tables["ratings"]["rating"].to_list()
        [6.0]
        >>> s.close()
        """
        from coprod_analytics.session.activities import check_answer, slot_round

        st = self.state()
        if key is not None and key in st.keys:
            stored_as = _mapping_as_stored(st, activity_id, item_id, answer)
            _same_answer_or_raise(key, st.keys[key], participant_id, activity_id, *stored_as)
            return None
        if not st.is_open:
            raise ValidationError("the session is closed; reopen it to take answers")
        if participant_id not in st.participants:
            raise ValidationError(f"unknown participant {participant_id!r}")
        act = st.activities.get(activity_id)
        if act is None or act.kind == "statements":
            raise ValidationError(
                f"no activity {activity_id!r} takes answers", column="activity_id"
            )
        if not act.is_open:
            raise ValidationError(f"the activity {activity_id!r} is closed", column="activity_id")
        item, fields = check_answer(act, item_id, answer)
        if act.kind == "mapping":
            from coprod_analytics.session.mapping_activity import check_support

            check_support(act, participant_id, fields)
        if (act.kind == "open_question" and "text" in fields) or "idea" in fields:
            return self._tagged_text(participant_id, act, item, fields, key, time_ms, st)
        ev = NewEvent(
            "answer",
            participant_id=participant_id,
            value={
                "activity_id": activity_id,
                "item_id": item["item_id"],
                "round": slot_round(act, item),
                "answer": fields,
            },
            key=key,
            time_ms=time_ms,
        )
        return self.append([ev])[0]

    def _tagged_text(
        self,
        pid: int,
        act: Any,
        item: dict[str, Any],
        fields: dict[str, Any],
        key: str | None,
        time_ms: int | None,
        st: SessionState,
    ) -> int | None:
        """An open answer or an idea: a statement event tagged with its activity."""
        value: dict[str, Any] = {
            "moderation": 0 if st.settings.get("moderate_submissions", True) else 1,
            "activity_id": act.activity_id,
        }
        if act.kind == "open_question":
            value["item_id"] = item["item_id"]
        ev = NewEvent(
            "statement",
            participant_id=pid,
            statement_id=st.next_statement_id,
            text=str(fields.get("text") or fields.get("idea")),
            value=value,
            key=key,
            time_ms=time_ms,
        )
        return self.append([ev])[0]

    def moderate_place(self, activity_id: str, place_id: str, *, accept: bool) -> None:
        """Approve (shown to other participants) or reject (hidden, left out of ``places``)
        the text of a mapped place; the place itself stays.

        Parameters
        ----------
        activity_id : str
            The mapping activity.
        place_id : str
            The place (``"<participant_id>-<id>"``, as in the ``places`` table).
        accept : bool
            True to approve, False to reject.

        Raises
        ------
        ValidationError
            No such mapping activity or place.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> s = SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db")
        >>> _ = s.define_activities([{"activity_id": "mapping", "kind": "mapping", "open": True,
        ...     "items": [], "settings": {"system": "areas", "areas": ["North"],
        ...     "categories": {"need": ["lighting"]}}}])
        >>> p = s.join()
        >>> _ = s.record_answer(p, "mapping", "place", {"place_id": "a", "kind": "need",
        ...     "category": "lighting", "area": "North", "text": "Dark lane"})
        >>> s.moderate_place("mapping", f"{p}-a", accept=True)
        >>> s.state().activities["mapping"].places[f"{p}-a"]["moderation"]
        1
        >>> s.close()
        """
        act = self.state().activities.get(activity_id)
        if act is None or act.kind != "mapping":
            raise ValidationError(f"no mapping activity {activity_id!r}", column="activity_id")
        if place_id not in act.places:
            raise ValidationError(f"no place {place_id!r} in {activity_id!r}", column="place_id")
        value = {
            "action": "moderate_place",
            "activity_id": activity_id,
            "place_id": place_id,
            "decision": 1 if accept else -1,
        }
        self.append([NewEvent("activity", value=value)])

    def submit_statement(
        self, participant_id: int | None, text: str, *, key: str | None = None
    ) -> int | None:
        """A statement submitted by a participant.

        It waits for moderation when the session's ``moderate_submissions`` setting is on.

        Parameters
        ----------
        participant_id : int or None
            The author.
        text : str
            The statement (at most ``MAX_STATEMENT_CHARS`` characters).
        key : str, optional
            Idempotency key (a key already stored with another text raises
            ValidationError).

        Returns
        -------
        int or None
            The new statement's id, or ``None`` for a retried ``key``.
        """
        _check_text(text)
        st = self.state()
        if key is not None and key in st.keys:
            _same_or_raise(key, st.keys[key], ("statement", participant_id, None, None, text))
            return None
        moderation = 0 if st.settings.get("moderate_submissions", True) else 1
        sid = st.next_statement_id
        ev = NewEvent(
            "statement",
            participant_id=participant_id,
            statement_id=sid,
            text=text.strip(),
            value={"moderation": moderation},
            key=key,
        )
        return sid if self.append([ev])[0] is not None else None

    def moderate(self, statement_id: int, *, accept: bool) -> None:
        """Accept (shown to participants) or reject (hidden, excluded from analysis).

        Parameters
        ----------
        statement_id : int
            A statement of the session.
        accept : bool
            True to accept, False to reject.
        """
        if statement_id not in self.state().statements:
            raise ValidationError(f"unknown statement {statement_id!r}")
        self.append(
            [
                NewEvent(
                    "moderation", statement_id=statement_id, value={"decision": 1 if accept else -1}
                )
            ]
        )

    def set_setting(self, name: str, value: Any) -> None:
        """Change a session setting.

        Parameters
        ----------
        name : str
            ``"allow_submissions"`` or ``"moderate_submissions"``.
        value : any
            The new value (JSON-serialisable; both settings are booleans).
        """
        from coprod_analytics.session.state import DEFAULT_SETTINGS

        check_param(
            name in DEFAULT_SETTINGS,
            "name",
            "set_setting",
            f"one of {list(DEFAULT_SETTINGS)}",
            name,
        )
        self.append([NewEvent("setting", value={"name": name, "value": value})])

    def close_session(self) -> None:
        """Stop taking votes and statements (the data stay; :meth:`reopen_session` resumes)."""
        self.append([NewEvent("close")])

    def reopen_session(self) -> None:
        """Take votes again after :meth:`close_session`."""
        self.append([NewEvent("open")])

    # ------------------------------------------------------------------ reading
    def events(self, *, since: int = 0) -> pl.DataFrame:
        """The log as a table.

        Parameters
        ----------
        since : int, default 0
            Only events with ``seq > since``.

        Returns
        -------
        polars.DataFrame
            One row per event (columns as in the ``events`` table).
        """
        return _events_frame(self._rows(since))

    def export_polis(self, path: str | os.PathLike[str]) -> Path:
        """Write the session as a Pol.is export folder (readable by :func:`load_inquiry`).

        Parameters
        ----------
        path : path
            The folder to write.

        Returns
        -------
        Path
            The folder.
        """
        from coprod_analytics.io.polis import write_polis

        return write_polis(self.to_inquiry(), path)

    def export_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write the session as an inquiry Parquet folder.

        Parameters
        ----------
        path : path
            The folder to write.

        Returns
        -------
        Path
            The folder.
        """
        from coprod_analytics.io.parquet import write_parquet

        return write_parquet(self.to_inquiry(), path)


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
            conn.execute("SAVEPOINT ev")
            try:
                cur = conn.execute(
                    "INSERT INTO events (kind, idem_key, participant_id, statement_id, vote,"
                    " text, value, time_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    params,
                )
                conn.execute("RELEASE ev")
                return cur.lastrowid
            except sqlite3.IntegrityError:
                conn.execute("ROLLBACK TO ev")
                conn.execute("RELEASE ev")
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
                conn.execute("ROLLBACK TO ev")
                conn.execute("RELEASE ev")
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


def _mapping_as_stored(
    st: SessionState, activity_id: str, item_id: Any, answer: Any
) -> tuple[Any, Any]:
    """``(item_id, answer)`` of a mapping answer as it is stored (a place under
    ``place:<id>``), so a retried key compares by meaning; other answers as sent."""
    act = st.activities.get(activity_id)
    if act is None or act.kind != "mapping" or not isinstance(answer, dict):
        return item_id, answer
    from coprod_analytics.session.activities import check_answer

    try:
        item, fields = check_answer(act, item_id, answer)
    except ValidationError:
        return item_id, answer
    return item["item_id"], fields


def _same_or_raise(key: str, seen: tuple[Any, ...], wanted: tuple[Any, ...]) -> None:
    """A retried ``key`` must carry the request it was first stored with."""
    kind, pid, sid, vote, text = seen
    if kind == "vote":
        same = (kind, pid, sid, vote) == wanted[:4]
    else:
        same = (kind, pid, (text or "").strip()) == (wanted[0], wanted[1], wanted[4].strip())
    if not same:
        raise ValidationError(
            f"the idempotency key {key!r} was already used for a different request", column="key"
        )


def _same_answer_or_raise(
    key: str, seen: tuple[Any, ...], pid: int, activity_id: str, item_id: Any, answer: Any
) -> None:
    """A retried answer ``key`` must carry the answer it was first stored with."""
    if not same_answer(seen, pid, activity_id, item_id, answer):
        raise ValidationError(
            f"the idempotency key {key!r} was already used for a different request", column="key"
        )


def same_answer(
    seen: tuple[Any, ...], pid: int, activity_id: Any, item_id: Any, answer: Any
) -> bool:
    """Whether a stored event (``SessionState.keys`` entry) is this answer.

    Numbers compare by value (``4`` and ``4.0`` are one answer).

    Parameters
    ----------
    seen : tuple
        ``(kind, participant_id, statement_id, vote, value_json)`` of the stored event.
    pid : int
        The participant.
    activity_id, item_id : any
        What the answer is to.
    answer : dict
        The answer's fields as sent.

    Returns
    -------
    bool
        True when it is the same participant, activity, item and fields.

    Examples
    --------
    >>> seen = ("answer", 3, None, None, '{"activity_id": "r", "item_id": 1, "answer": {"rating": 4.0}}')
    >>> same_answer(seen, 3, "r", 1, {"rating": 4}), same_answer(seen, 3, "r", 1, {"rating": 5})
    (True, False)
    """
    kind, spid, _sid, _vote, value = seen
    if kind != "answer" or spid != pid or not value:
        return False
    stored = json.loads(value)
    return (
        str(stored.get("activity_id")) == str(activity_id)
        and str(stored.get("item_id")) == str(item_id)
        and isinstance(answer, dict)
        and _norm(stored.get("answer") or {}) == _norm(answer)
    )


def _norm(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _norm(v) for k, v in value.items()}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def _check_text(text: Any, *, row: int | None = None) -> None:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("a statement needs some text", row=row, column="text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            f"statement text is not valid Unicode (a lone surrogate at character {exc.start})",
            row=row,
            column="text",
        ) from exc
    if not has_visible_text(text):
        raise ValidationError(
            "a statement needs at least one visible character (it has only spaces or "
            "invisible characters such as zero-width spaces)",
            row=row,
            column="text",
        )
    if len(text) > MAX_STATEMENT_CHARS:
        raise ValidationError(
            f"statement text is {len(text)} characters long; at most {MAX_STATEMENT_CHARS} "
            "are allowed",
            row=row,
            column="text",
        )


def _events_frame(rows: Iterable[EventRow]) -> pl.DataFrame:
    """The ``events`` rows as a table (any backend)."""
    schema = {
        "seq": pl.Int64,
        "kind": pl.String,
        "idem_key": pl.String,
        "participant_id": pl.Int64,
        "statement_id": pl.Int64,
        "vote": pl.Int8,
        "text": pl.String,
        "value": pl.String,
        "time_ms": pl.Int64,
    }
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def _to_inquiry(conn: sqlite3.Connection, path: Path) -> Inquiry:
    """The inquiry, read in ONE read transaction (a consistent snapshot of the log)."""
    conn.execute("BEGIN")
    try:
        return _to_inquiry_in_snapshot(conn, path)
    finally:
        conn.execute("COMMIT")


#: The snapshot :func:`_fold_inquiry` needs: events other than votes, then votes.
_SNAPSHOT_EVENTS = f"SELECT {_COLUMNS} FROM events WHERE kind != 'vote' ORDER BY seq"
_SNAPSHOT_VOTES = (
    "SELECT participant_id, statement_id, vote, time_ms FROM events "
    "WHERE kind = 'vote' ORDER BY seq"
)


def _to_inquiry_in_snapshot(conn: sqlite3.Connection, path: Path) -> Inquiry:
    rows = conn.execute(_SNAPSHOT_EVENTS).fetchall()
    votes = conn.execute(_SNAPSHOT_VOTES).fetchall()
    meta = dict(conn.execute("SELECT key, value FROM session_meta").fetchall())
    return _fold_inquiry(rows, votes, meta, str(path))


def _fold_inquiry(
    rows: Iterable[EventRow],
    vote_rows: Sequence[tuple[Any, ...]],
    meta: dict[str, str],
    source: str,
) -> Inquiry:
    """The inquiry of one snapshot of the log (any backend).

    ``rows`` are the events other than votes, ``vote_rows`` ``(participant_id,
    statement_id, vote, time_ms)`` of every vote, both in ``seq`` order.
    """
    from coprod_analytics.session.activities import answer_tables, item_tables

    st = SessionState()
    for row in rows:
        st.apply(row)
    votes = pl.DataFrame(
        list(vote_rows),
        schema={
            "participant_id": pl.Int64,
            "statement_id": pl.Int64,
            "vote": pl.Int8,
            "time": pl.Int64,
        },
        orient="row",
    ).with_columns(pl.col("time").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"))
    # ideas and open answers are not statements (they live in pairwise / free_text)
    recs = [r for r in st.statements.values() if r.activity_id is None]
    statements = pl.DataFrame(
        {
            "statement_id": pl.Series([r.statement_id for r in recs], dtype=pl.Int64),
            "text": pl.Series([r.text for r in recs], dtype=pl.String),
            "author_id": pl.Series([r.author_id for r in recs], dtype=pl.Int64),
            "moderation": pl.Series([r.moderation for r in recs], dtype=pl.Int8),
            "is_meta": pl.Series([r.is_meta for r in recs], dtype=pl.Boolean),
            "created": pl.Series([r.created_ms for r in recs], dtype=pl.Int64)
            .cast(pl.Datetime("ms"))
            .dt.replace_time_zone("UTC"),
            "is_seed": pl.Series([r.author_id is None for r in recs], dtype=pl.Boolean),
        }
    )
    participants = pl.DataFrame(
        {
            "participant_id": pl.Series(list(st.participants), dtype=pl.Int64),
            "joined": pl.Series(list(st.participants.values()), dtype=pl.Int64)
            .cast(pl.Datetime("ms"))
            .dt.replace_time_zone("UTC"),
        }
    )
    answers = answer_tables(st.activities, st.latest_answers(), statements=st.statements)
    attrs = answers.pop("participants", None)
    # tables nobody answered yet are left out (as a folder without that file)
    tables = {**item_tables(st.activities), **{k: t for k, t in answers.items() if t.height}}
    if attrs is not None and attrs.width > 1:
        participants = participants.join(attrs, on="participant_id", how="left")
    metadata = {
        "title": st.title,
        "source_format": "session",
        "source_path": source,
        "session_id": meta.get("session_id"),
        "session_open": st.is_open,
        "settings": dict(st.settings),
    }
    assert votes.schema["time"] == TIME_DTYPE
    return Inquiry(votes, statements, participants, metadata=metadata, tables=tables)


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
