"""One door to a session store, by path or by URL.

A ``.db`` path opens the SQLite store (:class:`~coprod_analytics.session.store.SessionStore`),
a ``postgresql://`` URL the PostgreSQL one
(:class:`~coprod_analytics.session.pg_store.PgSessionStore`); both offer the methods of
:class:`~coprod_analytics.session.store.BaseSessionStore`. The readers here
(:func:`read_session`, :func:`read_events`, :func:`open_event_reader`) and
:func:`probe_writable` take either too.
"""

from __future__ import annotations

import os
from typing import Protocol

import polars as pl

from coprod_analytics.inquiry import Inquiry
from coprod_analytics.session import store as _sqlite
from coprod_analytics.session.state import EventRow
from coprod_analytics.session.store import BaseSessionStore

__all__ = [
    "EventReader",
    "is_session_url",
    "open_event_reader",
    "open_store",
    "probe_writable",
    "read_events",
    "read_session",
]

#: A session database: a SQLite file's path, or a PostgreSQL URL.
Target = str | os.PathLike[str]


def is_session_url(target: object) -> bool:
    """Whether ``target`` names a session on a database server (``postgresql://...``).

    Parameters
    ----------
    target : object
        A path or a URL.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_session_url("postgresql://coprod@db/council"), is_session_url("session.db")
    (True, False)
    """
    return isinstance(target, str) and target.lower().startswith(("postgresql://", "postgres://"))


def open_store(target: Target, *, title: str | None = None) -> BaseSessionStore:
    """Open (or create) the session store at ``target``.

    Parameters
    ----------
    target : str or Path
        A ``.db`` file (SQLite) or a ``postgresql://`` URL.
    title : str, optional
        Title of a new session.

    Returns
    -------
    BaseSessionStore
        A :class:`~coprod_analytics.session.store.SessionStore` or a
        :class:`~coprod_analytics.session.pg_store.PgSessionStore`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with open_store(pathlib.Path(tempfile.mkdtemp()) / "s.db", title="Buses") as s:
    ...     type(s).__name__, s.to_inquiry().metadata["title"]
    ('SessionStore', 'Buses')
    """
    if is_session_url(target):
        from coprod_analytics.session.pg_store import PgSessionStore

        return PgSessionStore(str(target), title=title)
    return _sqlite.SessionStore(target, title=title)


def read_session(target: Target) -> Inquiry:
    """The session at ``target`` as an :class:`Inquiry`, read-only (what
    :func:`~coprod_analytics.io.load.load_inquiry` does for ``.db`` files and URLs).

    Parameters
    ----------
    target : str or Path
        A ``.db`` file or a ``postgresql://`` URL.

    Returns
    -------
    Inquiry
        One consistent snapshot of the session.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> with open_store(db) as s:
    ...     _ = s.add_statements(["One"])
    >>> read_session(db).statements.height
    1
    """
    if is_session_url(target):
        from coprod_analytics.session.pg_store import read_pg_session

        return read_pg_session(str(target))
    return _sqlite.read_session(target)


def read_events(target: Target, *, since: int = 0) -> pl.DataFrame:
    """The event log of the session at ``target``, read-only.

    Parameters
    ----------
    target : str or Path
        A ``.db`` file or a ``postgresql://`` URL.
    since : int, default 0
        Only events with ``seq > since``.

    Returns
    -------
    polars.DataFrame
        One row per event (the columns of ``events``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> open_store(db).close()
    >>> read_events(db).get_column("kind").to_list()
    ['open']
    """
    if is_session_url(target):
        from coprod_analytics.session.pg_store import read_pg_events

        return read_pg_events(str(target), since=since)
    return _sqlite.read_events(target, since=since)


def probe_writable(target: Target) -> None:
    """Check that the session at ``target`` can be written now (the server's health probe).

    Parameters
    ----------
    target : str or Path
        A ``.db`` file or a ``postgresql://`` URL.

    Raises
    ------
    StoreUnwritable
        Naming the database and the cause.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> probe_writable(pathlib.Path(tempfile.mkdtemp()) / "s.db")
    """
    if is_session_url(target):
        from coprod_analytics.session.pg_store import probe_pg_writable

        probe_pg_writable(str(target))
    else:
        _sqlite.probe_writable(target)


class EventReader(Protocol):
    """Reads the events after a ``seq`` (a server's poller); see :func:`open_event_reader`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> open_store(db).close()
    >>> reader: EventReader = open_event_reader(db)
    >>> len(reader.new_events(0)), reader.close()
    (1, None)
    """

    def new_events(self, since: int) -> list[EventRow]:
        """The events with ``seq > since``, in ``seq`` order."""
        ...

    def close(self) -> None:
        """Close the reader's connection."""
        ...


class _SqliteEventReader:
    def __init__(self, target: Target) -> None:
        self._conn = _sqlite.connect_readonly(target)

    def new_events(self, since: int) -> list[EventRow]:
        return self._conn.execute(
            f"SELECT {_sqlite._COLUMNS} FROM events WHERE seq > ? ORDER BY seq", (since,)
        ).fetchall()

    def close(self) -> None:
        self._conn.close()


def open_event_reader(target: Target) -> EventReader:
    """A reader of new events on the session at ``target`` (read-only).

    Parameters
    ----------
    target : str or Path
        A ``.db`` file or a ``postgresql://`` URL.

    Returns
    -------
    EventReader
        With ``new_events(since)`` and ``close()``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> open_store(db).close()
    >>> reader = open_event_reader(db)
    >>> [row[1] for row in reader.new_events(0)]
    ['open']
    >>> reader.close()
    """
    if is_session_url(target):
        from coprod_analytics.session.pg_store import PgEventReader

        return PgEventReader(str(target))
    return _SqliteEventReader(target)
