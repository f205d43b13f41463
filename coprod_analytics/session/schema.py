"""The versioned schema of a live-session database (SQLite) and its migrations.

The database is an append-only event log (table ``events``) plus a small ``session_meta``
key/value table written once when the session is created. ``PRAGMA user_version`` holds the
schema version; :data:`MIGRATIONS` lists the steps from each version to the next, and
opening an older database migrates it in one transaction. A database written by a newer
version is refused rather than misread.

``events`` columns
------------------
====================  ========  ================================================================
column                type      meaning
====================  ========  ================================================================
``seq``               INTEGER   position in the log (primary key, strictly increasing)
``kind``              TEXT      ``open``, ``close``, ``join``, ``statement``, ``moderation``,
                                ``vote``, ``setting``, ``activity`` or ``answer``
``idem_key``          TEXT      idempotency key, UNIQUE when present: a retried request with the
                                same key is recognised and never stored twice
``participant_id``    INTEGER   voter, joiner or author
``statement_id``      INTEGER   statement voted on, submitted or moderated
``vote``              INTEGER   1 agree, -1 disagree, 0 pass (``vote`` events)
``text``              TEXT      statement text (``statement`` events)
``value``             TEXT      JSON payload of the other kinds (moderation decision, setting,
                                an activity's definition or agenda step, an answer)
``time_ms``           INTEGER   server time of the event, epoch milliseconds (UTC)
====================  ========  ================================================================

Version 2 adds the rules "one vote per participant and statement" and "one statement event
per statement id" as partial UNIQUE indexes, and an index for reading events by kind.
Version 3 adds "one join event per participant id", so two writers can never hand out the
same participant id. A version-2 database that already holds duplicate joins is refused with
a clear error rather than migrated (it can still be read, e.g. by ``read_session``).
Version 4 adds the kinds ``activity`` (an activity's definition with its items, or an agenda
step: open, close, next Delphi round or panel wave; see
:mod:`coprod_analytics.session.activities`) and ``answer`` (a participant's answer to one
item of an activity), and drops "one vote per participant and statement": a participant may
change a vote, the latest counts and the log keeps every vote. SQLite cannot change a CHECK
rule in place, so the step copies the log into a new ``events`` table (same ``seq`` values).
Triggers refuse UPDATE and DELETE on ``events``: the log is append-only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from coprod_analytics.errors import ValidationError

__all__ = ["EVENT_KINDS", "MIGRATIONS", "SCHEMA_VERSION", "migrate"]

#: Kinds of events the log holds.
EVENT_KINDS = (
    "open",
    "close",
    "join",
    "statement",
    "moderation",
    "vote",
    "setting",
    "activity",
    "answer",
)

_V1_KINDS = ("open", "close", "join", "statement", "moderation", "vote", "setting")
_KINDS_SQL = ", ".join(f"'{k}'" for k in _V1_KINDS)

_V1 = f"""
CREATE TABLE session_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT NOT NULL CHECK (kind IN ({_KINDS_SQL})),
    idem_key       TEXT UNIQUE,
    participant_id INTEGER,
    statement_id   INTEGER,
    vote           INTEGER CHECK (vote IS NULL OR vote IN (-1, 0, 1)),
    text           TEXT,
    value          TEXT,
    time_ms        INTEGER NOT NULL
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the session event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the session event log is append-only'); END;
"""

_V2 = """
CREATE UNIQUE INDEX one_vote_per_statement
    ON events (participant_id, statement_id) WHERE kind = 'vote';
CREATE UNIQUE INDEX one_statement_per_id
    ON events (statement_id) WHERE kind = 'statement';
CREATE INDEX events_by_kind ON events (kind, seq);
"""

_V3 = """
CREATE UNIQUE INDEX one_join_per_participant
    ON events (participant_id) WHERE kind = 'join';
"""

_KINDS_V4_SQL = ", ".join(f"'{k}'" for k in EVENT_KINDS)

_V4 = f"""
CREATE TABLE events_v4 (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT NOT NULL CHECK (kind IN ({_KINDS_V4_SQL})),
    idem_key       TEXT UNIQUE,
    participant_id INTEGER,
    statement_id   INTEGER,
    vote           INTEGER CHECK (vote IS NULL OR vote IN (-1, 0, 1)),
    text           TEXT,
    value          TEXT,
    time_ms        INTEGER NOT NULL
);
INSERT INTO events_v4 (seq, kind, idem_key, participant_id, statement_id, vote, text, value,
                       time_ms)
    SELECT seq, kind, idem_key, participant_id, statement_id, vote, text, value, time_ms
    FROM events ORDER BY seq;
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;
CREATE UNIQUE INDEX one_statement_per_id
    ON events (statement_id) WHERE kind = 'statement';
CREATE INDEX events_by_kind ON events (kind, seq);
CREATE UNIQUE INDEX one_join_per_participant
    ON events (participant_id) WHERE kind = 'join';
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the session event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the session event log is append-only'); END;
"""

#: ``MIGRATIONS[i]`` takes a database from version ``i`` to ``i + 1``.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4)

#: The schema version this code writes.
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(
    conn: sqlite3.Connection,
    *,
    target: int = SCHEMA_VERSION,
    on_create: Callable[[sqlite3.Connection], None] | None = None,
) -> int:
    """Bring a database to schema version ``target``; return the version found before.

    Runs each missing step and sets ``PRAGMA user_version`` in one transaction, so a crash
    mid-way leaves the database at its old version. ``on_create`` runs inside that same
    transaction when the database was empty (version 0), so a new database gets its schema
    and its first rows together or not at all.

    Parameters
    ----------
    conn : sqlite3.Connection
        An open connection in autocommit mode (``isolation_level=None``).
    target : int, default SCHEMA_VERSION
        The version to reach.
    on_create : callable, optional
        ``on_create(conn)`` writes the first rows of a new database.

    Returns
    -------
    int
        The version found before (0 for a new database).

    Raises
    ------
    ValidationError
        A version-2 database in which a participant id joined more than once.

    Examples
    --------
    >>> conn = sqlite3.connect(":memory:", isolation_level=None)
    >>> migrate(conn), migrate(conn) == SCHEMA_VERSION
    (0, True)
    """
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found >= target:
        return found
    conn.execute("BEGIN IMMEDIATE")
    try:
        for version in range(found, target):
            if version == 2:
                _check_unique_joins(conn)
            for statement in _split(MIGRATIONS[version]):
                conn.execute(statement)
        if found == 0 and on_create is not None:
            on_create(conn)
        conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found


def _check_unique_joins(conn: sqlite3.Connection) -> None:
    dup = [
        int(r[0])
        for r in conn.execute(
            "SELECT participant_id FROM events WHERE kind = 'join' "
            "GROUP BY participant_id HAVING COUNT(*) > 1 ORDER BY participant_id LIMIT 10"
        )
    ]
    if dup:
        raise ValidationError(
            f"participant id(s) {dup} joined more than once (two servers wrote to this "
            "database at the same time), so it cannot be upgraded to schema version 3; its "
            "data can still be read and exported (e.g. 'coprod session export')"
        )


def _split(script: str) -> list[str]:
    """Split a migration script into statements (triggers keep their inner ``;``)."""
    out: list[str] = []
    buf = ""
    for line in script.strip().splitlines():
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
