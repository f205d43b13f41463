"""Live sessions: the durable event-log store behind ``coprod serve``.

- :class:`SessionStore` — append-only SQLite event log (WAL, durable commits, idempotency
  keys, versioned schema); :meth:`SessionStore.to_inquiry` recomputes an
  :class:`~coprod_analytics.inquiry.Inquiry` from the log;
- :func:`read_session` — open a session database read-only as an inquiry (what
  :func:`~coprod_analytics.io.load.load_inquiry` does for ``.db`` files);
- :class:`SessionState` — derived state folded from the log;
- :class:`SessionStatus`, :class:`SessionExport` — what ``coprod session status`` and
  ``coprod session export`` report.

Pure ``sqlite3`` and polars: no web code (the server lives in ``coprod_apps.live``).
"""

from __future__ import annotations

from coprod_analytics.session.schema import SCHEMA_VERSION
from coprod_analytics.session.state import DEFAULT_SETTINGS, SessionState, StatementRecord
from coprod_analytics.session.status import SessionExport, SessionStatus
from coprod_analytics.session.store import (
    MAX_STATEMENT_CHARS,
    NewEvent,
    SessionStore,
    now_ms,
    read_events,
    read_session,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "MAX_STATEMENT_CHARS",
    "SCHEMA_VERSION",
    "NewEvent",
    "SessionExport",
    "SessionState",
    "SessionStatus",
    "SessionStore",
    "StatementRecord",
    "now_ms",
    "read_events",
    "read_session",
]
