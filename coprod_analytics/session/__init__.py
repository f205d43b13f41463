"""Live sessions: the durable event-log store behind ``coprod serve``.

- :class:`SessionStore` — append-only SQLite event log (WAL, durable commits, idempotency
  keys, versioned schema); :meth:`SessionStore.to_inquiry` recomputes an
  :class:`~coprod_analytics.inquiry.Inquiry` from the log;
- :func:`read_session` — open a session database read-only as an inquiry (what
  :func:`~coprod_analytics.io.load.load_inquiry` does for ``.db`` files);
- :class:`SessionState` — derived state folded from the log;
- :mod:`~coprod_analytics.session.activities` — the activities of a live inquiry (evidence,
  ratings, questions with Delphi rounds, panel waves, population questions): their items from
  an inquiry folder, answer checks, and the inquiry tables of the latest answers;
- :class:`SessionStatus`, :class:`SessionExport` — what ``coprod session status`` and
  ``coprod session export`` report.

Pure ``sqlite3`` and polars: no web code (the server lives in ``coprod_apps.live``).
"""

from __future__ import annotations

from coprod_analytics.session.activities import (
    ACTIVITY_KINDS,
    PREFER_NOT_TO_SAY,
    ActivityRecord,
    activities_from_folder,
    activities_from_inquiry,
)
from coprod_analytics.session.open import open_store, read_events, read_session
from coprod_analytics.session.schema import SCHEMA_VERSION
from coprod_analytics.session.state import DEFAULT_SETTINGS, SessionState, StatementRecord
from coprod_analytics.session.status import SessionExport, SessionStatus
from coprod_analytics.session.store import (
    MAX_STATEMENT_CHARS,
    BaseSessionStore,
    NewEvent,
    SessionStore,
    now_ms,
)

__all__ = [
    "ACTIVITY_KINDS",
    "DEFAULT_SETTINGS",
    "MAX_STATEMENT_CHARS",
    "PREFER_NOT_TO_SAY",
    "SCHEMA_VERSION",
    "ActivityRecord",
    "BaseSessionStore",
    "NewEvent",
    "SessionExport",
    "SessionState",
    "SessionStatus",
    "SessionStore",
    "StatementRecord",
    "activities_from_folder",
    "activities_from_inquiry",
    "now_ms",
    "open_store",
    "read_events",
    "read_session",
]
