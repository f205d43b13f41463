"""Derived state of a live session, folded from its event log.

Nothing here is stored: :class:`SessionState` is rebuilt by replaying the ``events`` table
(:meth:`SessionState.apply` one row at a time), so the log stays the single source of truth.
A server keeps one in memory and applies the events it writes and the events other
processes (a facilitator's dashboard) append.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_SETTINGS", "EventRow", "SessionState", "StatementRecord"]

#: Settings a facilitator can change with ``setting`` events, and their defaults.
DEFAULT_SETTINGS: dict[str, Any] = {
    # participants may submit statements
    "allow_submissions": True,
    # submitted statements wait in the moderation queue until approved
    "moderate_submissions": True,
}

#: One row of the ``events`` table, in column order.
EventRow = tuple[
    int, str, str | None, int | None, int | None, int | None, str | None, str | None, int
]


@dataclass
class StatementRecord:
    """A statement as the log says it stands now.

    Parameters
    ----------
    statement_id : int
        The statement's id.
    text : str
        Its text.
    author_id : int or None
        The participant who submitted it (None: seeded by the facilitator).
    moderation : int
        1 accepted, 0 waiting for moderation, -1 rejected.
    is_meta : bool
        A meta statement (not asked about).
    created_ms : int
        When it was added (epoch ms).
    source_id : any, optional
        Its id in the input it was seeded from.
    agree, disagree, passes : int
        Votes so far.

    Examples
    --------
    >>> StatementRecord(0, "Parks", None, 1, False, 0, agree=2, passes=1).n_votes
    3
    """

    statement_id: int
    text: str
    author_id: int | None
    moderation: int  # 1 accepted, 0 waiting for moderation, -1 rejected
    is_meta: bool
    created_ms: int
    source_id: Any = None
    agree: int = 0
    disagree: int = 0
    passes: int = 0

    @property
    def n_votes(self) -> int:
        """Votes on the statement (agree, disagree and pass)."""
        return self.agree + self.disagree + self.passes


@dataclass
class SessionState:
    """Everything derived from the log: statements, participants, votes cast, settings.

    Attributes
    ----------
    last_seq : int
        ``seq`` of the last event applied.
    is_open : bool
        The session accepts votes (``open``/``close`` events; a new session is open).
    settings : dict
        :data:`DEFAULT_SETTINGS` updated by ``setting`` events.
    statements : dict of int to StatementRecord
    participants : dict of int to int
        Participant id to join time (epoch ms).
    voted : dict of int to set of int
        Statements each participant voted on.
    keys : dict of str to tuple
        Idempotency key to ``(kind, participant_id, statement_id, vote, text)``.
    n_votes : int
        Vote events in the log.

    Examples
    --------
    >>> st = SessionState()
    >>> st.apply((1, "statement", None, None, 0, None, "Parks", '{"moderation": 1}', 0))
    >>> st.apply((2, "join", None, 7, None, None, None, None, 0))
    >>> st.apply((3, "vote", "k", 7, 0, 1, None, None, 0))
    >>> st.statements[0].agree, st.next_participant_id, st.votable()
    (1, 8, [0])
    """

    last_seq: int = 0
    is_open: bool = True
    title: str | None = None
    settings: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    statements: dict[int, StatementRecord] = field(default_factory=dict)
    participants: dict[int, int] = field(default_factory=dict)
    voted: dict[int, set[int]] = field(default_factory=dict)
    keys: dict[str, tuple[str, int | None, int | None, int | None, str | None]] = field(
        default_factory=dict
    )
    n_votes: int = 0

    def apply(self, row: EventRow) -> None:
        """Fold one event into the state.

        Parameters
        ----------
        row : EventRow
            ``(seq, kind, idem_key, participant_id, statement_id, vote, text, value,
            time_ms)`` as in the ``events`` table.
        """
        seq, kind, key, pid, sid, vote, text, value, time_ms = row
        self.last_seq = max(self.last_seq, seq)
        if key is not None:
            self.keys[key] = (kind, pid, sid, vote, text)
        payload: dict[str, Any] = json.loads(value) if value else {}
        if kind == "vote":
            assert pid is not None and sid is not None and vote is not None
            self.n_votes += 1
            self.voted.setdefault(pid, set()).add(sid)
            rec = self.statements.get(sid)
            if rec is not None:
                if vote == 1:
                    rec.agree += 1
                elif vote == -1:
                    rec.disagree += 1
                else:
                    rec.passes += 1
        elif kind == "join":
            assert pid is not None
            self.participants.setdefault(pid, time_ms)
        elif kind == "statement":
            assert sid is not None
            self.statements[sid] = StatementRecord(
                statement_id=sid,
                text=text or "",
                author_id=pid,
                moderation=int(payload.get("moderation", 1)),
                is_meta=bool(payload.get("is_meta", False)),
                created_ms=time_ms,
                source_id=payload.get("source_id"),
            )
        elif kind == "moderation":
            rec = self.statements.get(sid) if sid is not None else None
            if rec is not None:
                rec.moderation = int(payload.get("decision", rec.moderation))
        elif kind == "setting":
            name = payload.get("name")
            if isinstance(name, str):
                self.settings[name] = payload.get("value")
        elif kind == "open":
            self.is_open = True
            if payload.get("title"):
                self.title = str(payload["title"])
        elif kind == "close":
            self.is_open = False

    @property
    def next_participant_id(self) -> int:
        """The id a new participant gets (one past the highest)."""
        return max(self.participants, default=-1) + 1

    @property
    def next_statement_id(self) -> int:
        """The id a new statement gets (one past the highest)."""
        return max(self.statements, default=-1) + 1

    def votable(self) -> list[int]:
        """Ids of statements participants are asked about.

        Returns
        -------
        list of int
            Accepted statements that are not meta, in the order they were added.
        """
        return [s for s, r in self.statements.items() if r.moderation == 1 and not r.is_meta]

    def pending(self) -> list[StatementRecord]:
        """Submitted statements waiting for moderation.

        Returns
        -------
        list of StatementRecord
            Oldest first.
        """
        return [r for r in self.statements.values() if r.moderation == 0]
