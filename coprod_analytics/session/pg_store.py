"""The live-session store on a PostgreSQL server (psycopg 3): the same event log as SQLite.

One PostgreSQL database holds one session, as one ``.db`` file does. The tables are those of
:mod:`coprod_analytics.session.schema` (``events``, ``session_meta``) plus ``coprod_schema``
(one row: the schema version, which means the same on both backends). The guarantees are
SQLite's:

- **append-only**: triggers refuse UPDATE, DELETE and TRUNCATE on ``events``;
- **idempotency keys**: ``idem_key`` is UNIQUE, and the rules "one statement event per
  statement id" and "one join per participant id" are partial UNIQUE indexes, so a retried
  request is stored once however many processes send it;
- **one writer at a time, in ``seq`` order**: every write transaction first takes a
  transaction-level advisory lock (as SQLite's ``BEGIN IMMEDIATE``), then reads what others
  committed (the :class:`~coprod_analytics.session.gate.AgendaGate`), then inserts. So a
  ``close`` committed by another process stops every later vote, and ``seq`` values become
  visible in increasing order: a poller reading ``seq > last`` never skips a row that
  commits late;
- **durable**: each connection sets ``synchronous_commit = on`` whatever the server's
  default, so an acknowledged event survives a crash of the server;
- **all state folded from the log** by the same code as SQLite
  (:class:`~coprod_analytics.session.state.SessionState`, :func:`~coprod_analytics.session.
  events._fold_inquiry`); the domain methods are :class:`~coprod_analytics.session.log.
  BaseSessionStore`'s.

Failures are :class:`~coprod_analytics.session.store.StoreUnwritable` with SQLite's reasons:
``read_only`` (a read-only role or transaction, a standby), ``disk_full``, ``busy`` (a lock
held too long, too many connections) and ``io_error`` (the connection was lost). A lost
connection is opened again on the next call (before anything is written).

psycopg is an optional dependency: ``pip install "coprod-analytics[postgres]"``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from coprod_analytics.errors import CoprodError, ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.session.events import (
    _COLUMNS,
    NewEvent,
    StoreUnwritable,
    _events_frame,
    _fold_inquiry,
    _own_row,
)
from coprod_analytics.session.gate import AgendaGate
from coprod_analytics.session.log import BaseSessionStore
from coprod_analytics.session.schema import EVENT_KINDS, SCHEMA_VERSION
from coprod_analytics.session.state import EventRow
from coprod_analytics.session.store import _session_start

if TYPE_CHECKING:
    import polars as pl
    import psycopg

__all__ = [
    "PG_MIGRATIONS",
    "PgEventReader",
    "PgServeLock",
    "PgSessionStore",
    "is_postgres_url",
    "probe_pg_writable",
    "read_pg_events",
    "read_pg_session",
    "read_pg_snapshot",
    "redact_url",
]

#: Advisory lock keys (per database): every write transaction, and one ``coprod serve``.
WRITE_LOCK = 0x636F_7072_6F64_0001
SERVE_LOCK = 0x636F_7072_6F64_0002

_KINDS_SQL = ", ".join(f"'{k}'" for k in EVENT_KINDS)

_PG_V4 = f"""
CREATE TABLE coprod_schema (version integer NOT NULL);
CREATE TABLE session_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE events (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ({_KINDS_SQL})),
    idem_key       text UNIQUE,
    participant_id bigint,
    statement_id   bigint,
    vote           smallint CHECK (vote IS NULL OR vote IN (-1, 0, 1)),
    text           text,
    value          text,
    time_ms        bigint NOT NULL
);
CREATE UNIQUE INDEX one_statement_per_id ON events (statement_id) WHERE kind = 'statement';
CREATE INDEX events_by_kind ON events (kind, seq);
CREATE UNIQUE INDEX one_join_per_participant ON events (participant_id) WHERE kind = 'join';
CREATE FUNCTION coprod_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the session event log is append-only';
END;
$$;
CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION coprod_events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION coprod_events_append_only();
"""

#: ``(from_version, to_version, sql)`` steps. A new database is created at version 4 (the
#: log contract of SQLite's version 4) in one step; a later SQLite migration needs its
#: PostgreSQL step here too (a test checks that the chain reaches ``SCHEMA_VERSION``).
PG_MIGRATIONS: tuple[tuple[int, int, str], ...] = ((0, 4, _PG_V4),)

_INSERT = (
    "INSERT INTO events (kind, idem_key, participant_id, statement_id, vote, text, value,"
    " time_ms) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING seq"
)
_INSERT_MANY = (
    "INSERT INTO events (kind, idem_key, participant_id, statement_id, vote, text, value,"
    " time_ms) SELECT k, i, p, s, v, t, x, m FROM unnest(%s::text[], %s::text[], %s::bigint[],"
    " %s::bigint[], %s::smallint[], %s::text[], %s::text[], %s::bigint[]) WITH ORDINALITY"
    " AS b(k, i, p, s, v, t, x, m, n) ORDER BY n ON CONFLICT DO NOTHING"
    " RETURNING seq, kind, idem_key, participant_id, statement_id, vote, text, value, time_ms"
)
_INT64 = (-(2**63), 2**63 - 1)
_LOCK = "SELECT pg_advisory_xact_lock(%s)"
#: What the :class:`AgendaGate` needs of the events others committed: the agenda's steps and
#: the last ``seq`` (a row of its own, kind NULL).
_GATE_ROWS = (
    "SELECT seq, kind, value FROM events WHERE seq > %s AND kind IN ('open', 'close',"
    " 'activity') UNION ALL SELECT coalesce(max(seq), 0), NULL, NULL FROM events"
)


def _place(
    out: list[int | Exception | None],
    todo: list[tuple[int, tuple[Any, ...]]],
    seqs: Sequence[int | Exception | None],
) -> list[EventRow]:
    """Put each inserted event's outcome at its place in ``out``; return the stored ones as
    the agenda gate reads them (kind and values; the rest is not needed)."""
    own: list[EventRow] = []
    for (pos, params), seq in zip(todo, seqs, strict=True):
        out[pos] = seq
        if isinstance(seq, int):
            own.append(_own_row(seq, params))
    return own


def _fold_gate(conn: Any, gate: AgendaGate) -> None:
    """Bring ``gate`` up to what other writers committed (inside the write lock): only the
    agenda's steps and the last ``seq`` are read."""
    got = conn.execute(_GATE_ROWS, (gate.last_seq,)).fetchall()
    gate.apply_rows(
        (s, k, None, None, None, None, None, v, None)
        for s, k, v in sorted(got, key=lambda r: int(r[0]))
    )


def _match_inserted(
    rows: list[tuple[Any, ...]], stored: list[tuple[Any, ...]]
) -> list[int | Exception | None] | None:
    """Each sent row's ``seq`` (None: a UNIQUE rule refused it), from the stored rows
    sorted by ``seq``; None when they do not pair up.

    Rows are inserted in the order sent and take increasing ``seq`` values (the identity
    is drawn row by row, and the writer holds the write lock), so the stored rows pair
    with the sent ones in order; a row whose columns differ from the next stored row was
    refused. Two identical rows are refused or stored alike, so the pairing is exact.

    Examples
    --------
    >>> _match_inserted([("join", None, 0), ("join", None, 0), ("join", None, 1)],
    ...                 [(7, "join", None, 0), (9, "join", None, 1)])
    [7, None, 9]
    """
    out: list[int | Exception | None] = []
    at = 0
    for params in rows:
        if at < len(stored) and tuple(stored[at][1:]) == tuple(params):
            out.append(int(stored[at][0]))
            at += 1
        else:
            out.append(None)
    return out if at == len(stored) else None


def is_postgres_url(target: object) -> bool:
    """Whether ``target`` is a PostgreSQL URL (``postgresql://`` or ``postgres://``).

    Parameters
    ----------
    target : object
        A path or a URL.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_postgres_url("postgresql://coprod@db:5432/council"), is_postgres_url("s.db")
    (True, False)
    """
    return isinstance(target, str) and target.lower().startswith(("postgresql://", "postgres://"))


def redact_url(url: str) -> str:
    """``url`` with its password (in the address or in ``?password=``) left out.

    Parameters
    ----------
    url : str
        A PostgreSQL URL.

    Returns
    -------
    str
        The URL for messages and metadata.

    Examples
    --------
    >>> redact_url("postgresql://coprod:s3cret@db:5432/council")
    'postgresql://coprod:***@db:5432/council'
    >>> redact_url("postgresql:///council?host=/run/pg&password=x")
    'postgresql:///council?host=/run/pg&password=***'
    """
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            netloc = f"{user.split(':', 1)[0]}:***@{host}"
    query = "&".join(
        "password=***" if q.lower().startswith("password=") else q
        for q in parts.query.split("&")
        if q
    )
    out = f"{parts.scheme}://{netloc}{parts.path}"  # urlunsplit drops an empty host's '//'
    return out + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - the extra is installed in the tests
        raise CoprodError(
            'a PostgreSQL session store needs psycopg 3: pip install "coprod-analytics[postgres]"'
        ) from None
    return psycopg


#: SQLSTATE -> StoreUnwritable reason (classes 08, 57P, 58, XX: the connection or the
#: server failed: io_error).
_PG_REASONS = {
    "25006": "read_only",  # read_only_sql_transaction (default_transaction_read_only, standby)
    "42501": "read_only",  # insufficient_privilege (a read-only role)
    "53100": "disk_full",
    "55P03": "busy",  # lock_not_available (lock_timeout)
    "57014": "busy",  # query_canceled (statement_timeout)
    "40001": "busy",  # serialization_failure
    "40P01": "busy",  # deadlock_detected
    "53300": "busy",  # too_many_connections
    "57P03": "busy",  # cannot_connect_now (starting up)
}


def _pg_unwritable(where: str, exc: BaseException) -> StoreUnwritable | None:
    """psycopg's error as a :class:`StoreUnwritable` (None: not a failure of the place)."""
    psycopg = _psycopg()
    if not isinstance(exc, psycopg.Error):
        return None
    state = str(getattr(exc, "sqlstate", None) or "")
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    reason = _PG_REASONS.get(state)
    if reason is None and (
        isinstance(exc, psycopg.OperationalError) or state[:2] in {"08", "58", "XX"}
    ):
        reason = "io_error"
    if reason is None:
        return None
    return StoreUnwritable(where, reason, detail)


def _connect(url: str, *, readonly: bool = False, timeout: float = 10.0) -> psycopg.Connection:
    """An autocommit connection with the store's settings (errors mapped)."""
    psycopg = _psycopg()
    where = redact_url(url)
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=max(1, int(timeout)))
    except psycopg.Error as exc:
        raise (_pg_unwritable(where, exc) or StoreUnwritable(where, "io_error", str(exc))) from None
    try:
        conn.execute("SET synchronous_commit = on")
        conn.execute("SET lock_timeout = '10s'")
        conn.execute("SET application_name = 'coprod'")
        if readonly:
            conn.execute("SET default_transaction_read_only = on")
    except BaseException:
        conn.close()
        raise
    return conn


def _version(conn: psycopg.Connection, where: str) -> int:
    """The schema version (0: an empty database; refused: not a session or a newer one)."""
    has_schema, has_events = conn.execute(
        "SELECT to_regclass('coprod_schema') IS NOT NULL, to_regclass('events') IS NOT NULL"
    ).fetchone() or (False, False)
    if not has_schema:
        if has_events:
            raise ValidationError("not a coprod session database (no coprod_schema)", file=where)
        return 0
    row = conn.execute("SELECT max(version) FROM coprod_schema").fetchone()
    version = int(row[0]) if row and row[0] is not None else 0
    if version > SCHEMA_VERSION:
        raise ValidationError(
            f"this session database has schema version {version}, newer than this version of "
            f"coprod-analytics understands ({SCHEMA_VERSION}); upgrade coprod-analytics",
            file=where,
        )
    return version


def _migrate(conn: psycopg.Connection, where: str, title: str | None) -> int:
    """Bring the database to ``SCHEMA_VERSION`` in one transaction; the version found."""
    found = _version(conn, where)
    if found == SCHEMA_VERSION:
        return found
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        found = _version(conn, where)  # another process may have migrated meanwhile
        version = found
        for start, end, sql in PG_MIGRATIONS:
            if start == version:
                conn.execute(sql)
                version = end
        if version != SCHEMA_VERSION:  # pragma: no cover - a missing PostgreSQL step
            raise CoprodError(f"no PostgreSQL migration from schema version {version}")
        if found == 0:
            meta, first = _session_start(title)
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO session_meta (key, value) VALUES (%s, %s)", list(meta.items())
                )
            conn.execute(_INSERT, first.params())
            conn.execute("INSERT INTO coprod_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
        else:  # pragma: no cover - no PostgreSQL migration after version 4 yet
            conn.execute("UPDATE coprod_schema SET version = %s", (SCHEMA_VERSION,))
    return found


def _client_refusal(params: tuple[Any, ...]) -> Exception | None:
    """Why PostgreSQL would refuse these parameters, found before sending them (the
    transaction stays usable): text with NUL or a lone surrogate, integers past 64 bits."""
    for value in (params[1], params[5], params[6]):
        if isinstance(value, str):
            if "\x00" in value:
                return ValueError("PostgreSQL text cannot hold the NUL character (U+0000)")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                return exc
    for value in (params[2], params[3], params[7]):
        if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
            return OverflowError("Python int too large to convert to a 64-bit integer")
    return None


class PgSessionStore(BaseSessionStore):
    """A live session's event log in a PostgreSQL database (created when empty).

    Offers every method of :class:`~coprod_analytics.session.store.SessionStore` with the
    same guarantees (see the module's text).

    Parameters
    ----------
    url : str
        ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE`` (libpq's URL; a unix socket
        as ``postgresql:///DATABASE?host=/run/postgresql``). An empty database gets a
        fresh session.
    title : str, optional
        Title of a new session (ignored when the database holds one).

    Attributes
    ----------
    url : str
        The URL without its password (for messages).

    Raises
    ------
    StoreUnwritable
        The server cannot be reached (``io_error``), or the role or the server may not
        write (``read_only``).
    ValidationError
        The database holds something else, or a newer schema.

    Examples
    --------
    A server that cannot be reached is a :class:`StoreUnwritable` (``io_error``):

    >>> PgSessionStore("postgresql://coprod@127.0.0.1:1/council")
    Traceback (most recent call last):
    ...
    coprod_analytics.session.store.StoreUnwritable: the database could not be written: ...

    On a running server (see ``docs/guide/postgres.md``)::

        with PgSessionStore("postgresql://coprod@db/council", title="Buses") as store:
            store.record_vote(store.join(), 0, 1, key="k1")
    """

    def __init__(self, url: str, *, title: str | None = None) -> None:
        if not is_postgres_url(url):
            raise ValidationError(f"expected a postgresql:// URL; got {url!r}", column="url")
        self._dsn = url
        self.url = redact_url(url)
        self._closed = False
        self._conn = _connect(url)
        try:
            try:
                found = _migrate(self._conn, self.url, title)
                if found != 0 and not self.meta().get("format"):
                    raise ValidationError("not a coprod session database", file=self.url)
                self._check_writable(self._conn)
            except Exception as exc:
                unwritable = _pg_unwritable(self.url, exc)
                if unwritable is not None:
                    raise unwritable from None
                raise
        except BaseException:
            self._conn.close()
            raise

    def _check_writable(self, conn: psycopg.Connection) -> None:
        row = conn.execute(
            "SELECT has_table_privilege('events', 'INSERT'), current_user,"
            " current_setting('transaction_read_only'), pg_is_in_recovery()"
        ).fetchone()
        assert row is not None
        may_insert, user, read_only, standby = row
        if standby:
            raise StoreUnwritable(self.url, "read_only", "the server is a read-only standby")
        if read_only == "on":
            raise StoreUnwritable(
                self.url, "read_only", "transactions are read-only (default_transaction_read_only)"
            )
        if not may_insert:
            raise StoreUnwritable(
                self.url, "read_only", f"the role {user!r} may not add to the events table"
            )

    # ------------------------------------------------------------------ connection
    def _live(self) -> psycopg.Connection:
        """The connection, opened again when it was lost."""
        if self._closed:
            raise CoprodError(f"{self.url}: the store is closed")
        if self._conn.closed:
            self._conn = _connect(self._dsn)
        return self._conn

    def _ready(self) -> psycopg.Connection:
        """A connection known to work now: a lost one is found (and replaced) before
        anything is sent that could be half done."""
        psycopg = _psycopg()
        conn = self._live()
        try:
            conn.execute("SELECT 1")
        except psycopg.OperationalError:
            if not conn.closed:
                raise
            conn = self._live()
        return conn

    def close(self) -> None:
        """Close the database connection (the session itself stays as it is)."""
        self._closed = True
        self._conn.close()

    def meta(self) -> dict[str, str]:
        """The ``session_meta`` table.

        Returns
        -------
        dict of str to str
            ``session_id``, ``token_secret``, ``created_ms``, ``format``.
        """
        rows = self._ready().execute("SELECT key, value FROM session_meta").fetchall()
        return {str(k): str(v) for k, v in rows}

    @property
    def schema_version(self) -> int:
        """The database's schema version (the ``coprod_schema`` table)."""
        return _version(self._ready(), self.url)

    def _unwritable(self, exc: BaseException) -> StoreUnwritable | None:
        return _pg_unwritable(self.url, exc)

    def _rows(self, since: int) -> list[EventRow]:
        try:
            return (
                self._ready()
                .execute(f"SELECT {_COLUMNS} FROM events WHERE seq > %s ORDER BY seq", (since,))
                .fetchall()
            )
        except StoreUnwritable:
            raise
        except Exception as exc:
            unwritable = _pg_unwritable(self.url, exc)
            if unwritable is None:
                raise
            raise unwritable from None

    #: Append a batch in two round trips (False: one savepoint and INSERT per event, the
    #: fallback and the benchmark's baseline).
    bulk_insert: bool = True

    def _append_each(
        self, events: Sequence[NewEvent], gate: AgendaGate | None
    ) -> list[int | Exception | None]:
        if self.bulk_insert:
            got = self._append_pipelined(events, gate)
            if got is not None:
                return got
        return self._append_one_by_one(events, gate)

    def _screen(
        self, events: Sequence[NewEvent], gate: AgendaGate | None
    ) -> tuple[list[int | Exception | None], list[tuple[int, tuple[Any, ...]]]]:
        """What the agenda or PostgreSQL's rules refuse before anything is sent, and the
        ``(position, params)`` of the events to insert."""
        out: list[int | Exception | None] = []
        todo: list[tuple[int, tuple[Any, ...]]] = []  # (position in out, params)
        for ev in events:
            refused = gate.refusal(ev) if gate is not None else None
            if refused is not None:
                out.append(refused)
                continue
            params = ev.params()
            early = _client_refusal(params)
            if early is None and params[4] is not None and params[4] not in (-1, 0, 1):
                out.append(None)  # the CHECK rule (SQLite: an IntegrityError, so None)
                continue
            out.append(early)
            if early is None:
                todo.append((len(out) - 1, params))
        return out, todo

    def _append_pipelined(
        self, events: Sequence[NewEvent], gate: AgendaGate | None
    ) -> list[int | Exception | None] | None:
        """The batch in ONE transaction and two round trips (libpq's pipeline mode):
        ``BEGIN``, the write lock and what other writers committed; then ONE INSERT of
        every event and ``COMMIT``. None when PostgreSQL refused a row of the INSERT
        (nothing of the batch is kept; the caller stores it one event at a time).

        A connection found lost in the first round trip (nothing written yet) is opened
        again and the batch sent once more, as :meth:`_ready` would (without its extra
        round trip per batch)."""
        psycopg = _psycopg()
        for attempt in (0, 1):
            conn = self._live()
            sent = False
            try:
                with conn.pipeline(), conn.transaction():
                    conn.execute(_LOCK, (WRITE_LOCK,))
                    if gate is not None:  # what other writers committed, inside the lock
                        _fold_gate(conn, gate)
                    out, todo = self._screen(events, gate)
                    rows = [p for _, p in todo]
                    cur = None
                    if len(rows) == 1:  # its own INSERT is quicker than the batch statement
                        sent = True
                        cur = conn.execute(_INSERT, rows[0])
                    elif rows:
                        sent = True
                        cur = conn.execute(_INSERT_MANY, [list(c) for c in zip(*rows, strict=True)])
                # COMMIT was sent with the INSERT (one round trip) and succeeded
            except psycopg.Error as exc:
                if not sent and attempt == 0 and conn.closed:
                    continue  # lost before anything was written: a new connection
                if sent and _pg_unwritable(self.url, exc) is None:
                    return None  # a row PostgreSQL refuses (a CHECK rule, a value)
                raise
            seqs: list[int | Exception | None] = []
            if len(rows) == 1 and cur is not None:
                got_seq = cur.fetchone()
                seqs = [None if got_seq is None else int(got_seq[0])]
            elif cur is not None:
                matched = _match_inserted(rows, sorted(cur.fetchall()))
                if matched is None:  # pragma: no cover - never seen (rows keep their order)
                    raise CoprodError(f"{self.url}: stored rows did not match the rows sent")
                seqs = matched
            own = _place(out, todo, seqs)
            if gate is not None:  # our own agenda steps (if any) count from now on
                gate.apply_rows(own)
            return out
        raise AssertionError("unreachable")  # pragma: no cover

    def _append_one_by_one(
        self, events: Sequence[NewEvent], gate: AgendaGate | None
    ) -> list[int | Exception | None]:
        """The batch in one transaction, one savepoint and INSERT per event: an event
        PostgreSQL refuses fails alone."""
        conn = self._ready()
        with conn.transaction():
            conn.execute(_LOCK, (WRITE_LOCK,))
            if gate is not None:  # what other writers committed, inside this transaction
                _fold_gate(conn, gate)
            out, todo = self._screen(events, gate)
            seqs = [self._insert_one(conn, p) for _, p in todo]
            own = _place(out, todo, seqs)
        if gate is not None:  # our own agenda steps (if any) count from now on
            gate.apply_rows(own)
        return out

    def _insert_one(
        self, conn: psycopg.Connection, params: tuple[Any, ...]
    ) -> int | Exception | None:
        psycopg = _psycopg()
        try:
            with conn.transaction():  # a savepoint: one event's failure is its own
                row = conn.execute(_INSERT, params).fetchone()
        except psycopg.IntegrityError:
            return None
        except psycopg.Error as exc:
            # a failure of the database itself (no right to write, disk full, a lost
            # connection) rolls the whole transaction back and is raised
            if _pg_unwritable(self.url, exc) is not None or not isinstance(
                exc, (psycopg.DataError, psycopg.ProgrammingError)
            ):
                raise
            return exc  # e.g. a value PostgreSQL cannot store: this event alone
        except (ValueError, TypeError) as exc:
            return exc
        return None if row is None else int(row[0])

    # ------------------------------------------------------------------ reading
    def to_inquiry(self) -> Inquiry:
        """The session as an :class:`~coprod_analytics.inquiry.Inquiry`, folded from ONE
        snapshot of the log (a repeatable-read transaction) by the same code as SQLite.

        Returns
        -------
        Inquiry
            The session's statements, votes (full log in ``vote_log``, latest in ``votes``),
            participants and tables.
        """
        try:
            return _snapshot_inquiry(self._ready(), self.url)
        except Exception as exc:
            unwritable = _pg_unwritable(self.url, exc)
            if unwritable is None:
                raise
            raise unwritable from None


def _snapshot_inquiry(conn: psycopg.Connection, where: str) -> Inquiry:
    from coprod_analytics.session.events import _SNAPSHOT_EVENTS, _SNAPSHOT_VOTES

    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        rows = conn.execute(_SNAPSHOT_EVENTS).fetchall()
        votes = conn.execute(_SNAPSHOT_VOTES).fetchall()
        meta = {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM session_meta")}
    return _fold_inquiry(rows, votes, meta, where)


@contextlib.contextmanager
def _reading(url: str) -> Iterator[psycopg.Connection]:
    """A read-only connection on a session database (any schema version this code reads)."""
    where = redact_url(url)
    conn = _connect(url, readonly=True)
    try:
        if _version(conn, where) == 0:
            raise ValidationError("not a coprod session database (no schema)", file=where)
        yield conn
    finally:
        conn.close()


def read_pg_session(url: str) -> Inquiry:
    """A PostgreSQL session as an :class:`Inquiry`, read-only (a read-only role suffices);
    a server may keep writing meanwhile.

    Parameters
    ----------
    url : str
        The session database's URL.

    Returns
    -------
    Inquiry
        Its statements, votes, participants and tables (one consistent snapshot).

    Examples
    --------
    >>> read_pg_session("postgresql://coprod@127.0.0.1:1/council")
    Traceback (most recent call last):
    ...
    coprod_analytics.session.store.StoreUnwritable: the database could not be written: ...
    """
    with _reading(url) as conn:
        return _snapshot_inquiry(conn, redact_url(url))


def read_pg_events(url: str, *, since: int = 0) -> pl.DataFrame:
    """The event log of a PostgreSQL session, read-only.

    Parameters
    ----------
    url : str
        The session database's URL.
    since : int, default 0
        Only events with ``seq > since``.

    Returns
    -------
    polars.DataFrame
        One row per event (the columns of ``events``).

    Examples
    --------
    >>> read_pg_events("postgresql://coprod@127.0.0.1:1/council")
    Traceback (most recent call last):
    ...
    coprod_analytics.session.store.StoreUnwritable: the database could not be written: ...
    """
    with _reading(url) as conn:
        return _events_frame(
            conn.execute(f"SELECT {_COLUMNS} FROM events WHERE seq > %s ORDER BY seq", (since,))
        )


def read_pg_snapshot(url: str) -> tuple[list[EventRow], dict[str, str], int]:
    """The whole event log, ``session_meta`` and the schema version of a PostgreSQL
    session, from ONE snapshot (a repeatable-read transaction), read-only.

    Parameters
    ----------
    url : str
        The session database's URL.

    Returns
    -------
    (list of EventRow, dict, int)
        The events in ``seq`` order, the metadata, the schema version.

    Raises
    ------
    ValidationError
        The database holds no coprod session (nothing is created).
    StoreUnwritable
        The server cannot be reached.

    Examples
    --------
    >>> read_pg_snapshot("postgresql://coprod@127.0.0.1:1/council")
    Traceback (most recent call last):
    ...
    coprod_analytics.session.store.StoreUnwritable: the database could not be written: ...
    """
    where = redact_url(url)
    with _reading(url) as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        rows = conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY seq").fetchall()
        meta = {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM session_meta")}
        version = _version(conn, where)
    if meta.get("format") != "coprod-session":
        raise ValidationError("not a coprod session database", file=where)
    return rows, meta, version


def _follow_connect(url: str) -> psycopg.Connection:
    """A read-only connection for reading the newest events, again and again.

    Its planner never picks a sequential scan when an index serves (``enable_seqscan =
    off``): the table's statistics lag behind a session that grows by thousands of events a
    minute, and with them ``seq > N`` (a few rows) looks like a large part of the table, so
    every poll would read all of it.
    """
    conn = _connect(url, readonly=True)
    try:
        conn.execute("SET enable_seqscan = off")
    except BaseException:
        conn.close()
        raise
    return conn


class PgEventReader:
    """Reads the events after a ``seq`` (what a server's poller needs), opening its
    read-only connection again when it was lost.

    Parameters
    ----------
    url : str
        The session database's URL.

    Examples
    --------
    >>> PgEventReader("postgresql://coprod@127.0.0.1:1/council")
    Traceback (most recent call last):
    ...
    coprod_analytics.session.store.StoreUnwritable: the database could not be written: ...
    """

    def __init__(self, url: str) -> None:
        self._dsn = url
        self.url = redact_url(url)
        self._conn = _follow_connect(url)

    def new_events(self, since: int) -> list[EventRow]:
        """The events with ``seq > since``, in ``seq`` order.

        Parameters
        ----------
        since : int
            The last ``seq`` seen.

        Returns
        -------
        list of EventRow
            ``(seq, kind, idem_key, participant_id, statement_id, vote, text, value,
            time_ms)`` rows.
        """
        psycopg = _psycopg()
        sql = f"SELECT {_COLUMNS} FROM events WHERE seq > %s ORDER BY seq"
        for attempt in (0, 1):
            if self._conn.closed:
                self._conn = _follow_connect(self._dsn)
            try:
                return self._conn.execute(sql, (since,)).fetchall()
            except psycopg.OperationalError as exc:
                if attempt or not self._conn.closed:
                    raise (_pg_unwritable(self.url, exc) or exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def probe_pg_writable(url: str) -> None:
    """Check that the session database ``url`` can be written now (a health probe).

    Connects, and checks that the server is no standby, that transactions are not
    read-only and that the role may add events. (A full disk shows only when a write
    fails: PostgreSQL has no cheap trial write.)

    Parameters
    ----------
    url : str
        The session database's URL.

    Raises
    ------
    StoreUnwritable
        Naming the database and the cause.

    Examples
    --------
    >>> probe_pg_writable("postgresql://coprod:s3cret@127.0.0.1:1/council")
    Traceback (most recent call last):
    ...
    coprod_analytics.session.store.StoreUnwritable: ... postgresql://coprod:***@127.0.0.1:1/council ...
    """
    where = redact_url(url)
    conn = _connect(url, timeout=5)
    try:
        row = conn.execute(
            "SELECT has_table_privilege('events', 'INSERT'), current_user,"
            " current_setting('transaction_read_only'), pg_is_in_recovery()"
        ).fetchone()
    except Exception as exc:
        raise (_pg_unwritable(where, exc) or exc) from None
    finally:
        conn.close()
    assert row is not None
    may_insert, user, read_only, standby = row
    if standby or read_only == "on":
        raise StoreUnwritable(where, "read_only", "the server takes no writes now")
    if not may_insert:
        raise StoreUnwritable(where, "read_only", f"the role {user!r} may not add events")


class PgServeLock:
    """One ``coprod serve`` per PostgreSQL session: a session-level advisory lock held on
    its own connection (released when it closes, also when the process dies).

    Parameters
    ----------
    url : str
        The session database's URL.

    Raises
    ------
    CoprodError
        When another process holds the lock.

    Examples
    --------
    >>> PgServeLock("postgresql://coprod@127.0.0.1:1/council")
    Traceback (most recent call last):
    ...
    coprod_analytics.session.store.StoreUnwritable: the database could not be written: ...
    """

    def __init__(self, url: str) -> None:
        self.url = redact_url(url)
        self._conn: psycopg.Connection | None = _connect(url)
        row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (SERVE_LOCK,)).fetchone()
        if not (row and row[0]):
            self._conn.close()
            self._conn = None
            raise CoprodError(
                f"another 'coprod serve' is already running on {self.url}; stop it first "
                "(or start more workers of that one)"
            )

    def release(self) -> None:
        """Release the lock (closing its connection); safe to call twice."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
