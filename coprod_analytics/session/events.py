"""The session event log's vocabulary, shared by every backend: :class:`NewEvent` (an event
to append), :class:`StoreUnwritable` (the database's place refuses writes), the body of a
write transaction (:func:`_append_in_transaction`), and the folding of one snapshot of the
log into an :class:`~coprod_analytics.inquiry.Inquiry` (:func:`_fold_inquiry`).

The domain methods written on these live in :mod:`coprod_analytics.session.log`
(:class:`~coprod_analytics.session.log.BaseSessionStore`); the SQLite backend in
:mod:`coprod_analytics.session.store`, the PostgreSQL one in
:mod:`coprod_analytics.session.pg_store`. No database driver is imported here.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import polars as pl

from coprod_analytics.errors import CoprodError
from coprod_analytics.inquiry import TIME_DTYPE, Inquiry
from coprod_analytics.session.gate import AgendaGate
from coprod_analytics.session.state import EventRow, SessionState

__all__ = ["MAX_STATEMENT_CHARS", "NewEvent", "StoreUnwritable", "now_ms"]

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

    @functools.cached_property
    def value_json(self) -> str | None:
        """``value`` as the log stores it (JSON, UTF-8 as is), encoded once per event.

        The writer stores it and the server folds it into its state: both read this one
        encoding.

        Returns
        -------
        str or None
            The JSON text, or None without a value.

        Examples
        --------
        >>> NewEvent("answer", participant_id=0, value={"answer": {"text": "café"}}).value_json
        '{"answer": {"text": "café"}}'
        """
        return None if self.value is None else json.dumps(self.value, ensure_ascii=False)

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
            self.value_json,
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
            own.append(_own_row(seq, params))
    return out, own


def _own_row(seq: int, params: tuple[Any, ...]) -> EventRow:
    """A stored event as the agenda gate reads it (kind and values; the rest is not needed)."""
    return (seq, params[0], None, None, None, None, None, params[6], params[7])


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


#: The snapshot :func:`_fold_inquiry` needs: events other than votes, then votes.
_SNAPSHOT_EVENTS = f"SELECT {_COLUMNS} FROM events WHERE kind != 'vote' ORDER BY seq"
_SNAPSHOT_VOTES = (
    "SELECT participant_id, statement_id, vote, time_ms FROM events "
    "WHERE kind = 'vote' ORDER BY seq"
)


def _vote_frame(vote_rows: Sequence[tuple[Any, ...]]) -> pl.DataFrame:
    """Vote events ``(participant_id, statement_id, vote, time_ms)`` as an inquiry's votes
    table (``time`` in UTC).

    Parameters
    ----------
    vote_rows : sequence of tuple
        The votes, in ``seq`` order.

    Returns
    -------
    polars.DataFrame

    Examples
    --------
    >>> _vote_frame([(1, 2, -1, 0)]).row(0)[:3]
    (1, 2, -1)
    """
    return pl.DataFrame(
        list(vote_rows),
        schema={
            "participant_id": pl.Int64,
            "statement_id": pl.Int64,
            "vote": pl.Int8,
            "time": pl.Int64,
        },
        orient="row",
    ).with_columns(pl.col("time").cast(pl.Datetime("ms")).dt.replace_time_zone("UTC"))


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
    votes = _vote_frame(vote_rows)
    answers = answer_tables(st.activities, st.latest_answers(), statements=st.statements)
    attrs = answers.pop("participants", None)
    # tables nobody answered yet are left out (as a folder without that file)
    tables = {**item_tables(st.activities), **{k: t for k, t in answers.items() if t.height}}
    metadata = session_metadata(st, session_id=meta.get("session_id"), source=source)
    assert votes.schema["time"] == TIME_DTYPE
    return Inquiry(
        votes,
        statements_frame(st),
        participants_frame(st, attrs),
        metadata=metadata,
        tables=tables,
    )


def statements_frame(st: SessionState) -> pl.DataFrame:
    """The session's statements as the inquiry's ``statements`` table (ideas and open answers,
    which live in ``pairwise`` / ``free_text``, left out).

    Parameters
    ----------
    st : SessionState
        The session.

    Returns
    -------
    polars.DataFrame
        ``statement_id``, ``text``, ``author_id``, ``moderation``, ``is_meta``, ``created``,
        ``is_seed``.
    """
    recs = [r for r in st.statements.values() if r.activity_id is None]
    return pl.DataFrame(
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


def participants_frame(st: SessionState, attributes: pl.DataFrame | None) -> pl.DataFrame:
    """Who joined the session, when, and their population answers: the inquiry's
    ``participants`` table.

    Parameters
    ----------
    st : SessionState
        The session.
    attributes : polars.DataFrame or None
        ``participant_id`` and one column per population attribute (the ``participants``
        answer table), or None.

    Returns
    -------
    polars.DataFrame
        ``participant_id``, ``joined``, then the attributes.
    """
    out = pl.DataFrame(
        {
            "participant_id": pl.Series(list(st.participants), dtype=pl.Int64),
            "joined": pl.Series(list(st.participants.values()), dtype=pl.Int64)
            .cast(pl.Datetime("ms"))
            .dt.replace_time_zone("UTC"),
        }
    )
    if attributes is not None and attributes.width > 1:
        out = out.join(attributes, on="participant_id", how="left")
    return out


def session_metadata(st: SessionState, *, session_id: str | None, source: str) -> dict[str, Any]:
    """The inquiry's metadata of a session: title, id, source, open or closed, settings.

    Parameters
    ----------
    st : SessionState
        The session.
    session_id : str or None
        Its id.
    source : str
        Where it was read from.

    Returns
    -------
    dict
    """
    return {
        "title": st.title,
        "source_format": "session",
        "source_path": source,
        "session_id": session_id,
        "session_open": st.is_open,
        "settings": dict(st.settings),
    }


# Their public home stays coprod_analytics.session.store (where they were defined before the
# split): tracebacks and pickles name them there, as before.
NewEvent.__module__ = StoreUnwritable.__module__ = "coprod_analytics.session.store"
