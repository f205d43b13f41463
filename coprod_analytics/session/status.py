"""What a session database holds right now: :class:`SessionStatus` (``coprod session status``)
and :class:`SessionExport` (``coprod session export``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from coprod_analytics.provenance import Provenance
from coprod_analytics.results import Result

__all__ = ["SessionExport", "SessionStatus"]


@dataclass(frozen=True, repr=False)
class SessionStatus(Result):
    """The facts of a session database, all read from one snapshot of its log.

    Attributes
    ----------
    path : str
        The database.
    title : str or None
        The session's title.
    session_id : str or None
        The session's id.
    schema_version : int
        The database's schema version.
    open : bool
        Whether it takes votes.
    allow_submissions : bool
        Participants may submit statements.
    moderate_submissions : bool
        Submitted statements wait for moderation.
    participants : int
        Participants who joined.
    voters : int
        Distinct participants who voted.
    statements : int
        Statements in all.
    accepted : int
        Statements accepted.
    pending : int
        Statements waiting for moderation.
    rejected : int
        Statements rejected.
    votes : int
        Latest votes (one per participant and statement).
    agree : int
        Latest votes that agree.
    disagree : int
        Latest votes that disagree.
    passes : int
        Latest votes that pass.
    events : int
        Rows in the event log.
    created : str or None
        When the session was created (ISO 8601, UTC).
    last_event : str or None
        When the last event was appended (ISO 8601, UTC).
    provenance : Provenance
        ``session_status`` on the log's state.
    activities : tuple of dict
        The agenda: ``activity_id``, ``kind``, ``title``, ``open``, ``round``, ``items`` and
        ``answers`` (latest answers) of each activity.

    Examples
    --------
    >>> s = SessionStatus("s.db", "Buses", "ab12", 3, True, True, True, 2, 1, 2, 2, 0, 0,
    ...                   1, 1, 0, 0, 6, None, None, None)
    >>> print(s.summary())
    Buses
      session:      s.db (open)
      settings:     allow statements on, moderation on
      participants: 2 joined, 1 voted
      statements:   2 (2 accepted, 0 waiting for moderation, 0 rejected)
      votes:        1 (1 agree, 0 disagree, 0 pass)
      last event:   -
    >>> s.to_dict()["statements"]
    {'total': 2, 'accepted': 2, 'pending': 0, 'rejected': 0}
    """

    path: str
    title: str | None
    session_id: str | None
    schema_version: int
    open: bool
    allow_submissions: bool
    moderate_submissions: bool
    participants: int
    voters: int
    statements: int
    accepted: int
    pending: int
    rejected: int
    votes: int
    agree: int
    disagree: int
    passes: int
    events: int
    created: str | None
    last_event: str | None
    provenance: Provenance | None
    activities: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The facts as ``coprod session status --json`` prints them.

        Returns
        -------
        dict
            ``path``, ``title``, ``session_id``, ``schema_version``, ``open``, ``settings``
            (``allow_submissions``, ``moderate_submissions``), ``participants``, ``voters``,
            ``statements`` (``total``, ``accepted``, ``pending``, ``rejected``), ``votes``,
            ``agree``, ``disagree``, ``pass``, ``events``, ``created``, ``last_event``,
            ``activities``.
        """
        return {
            "path": self.path,
            "title": self.title,
            "session_id": self.session_id,
            "schema_version": self.schema_version,
            "open": self.open,
            "settings": {
                "allow_submissions": self.allow_submissions,
                "moderate_submissions": self.moderate_submissions,
            },
            "participants": self.participants,
            "voters": self.voters,
            "statements": {
                "total": self.statements,
                "accepted": self.accepted,
                "pending": self.pending,
                "rejected": self.rejected,
            },
            "votes": self.votes,
            "agree": self.agree,
            "disagree": self.disagree,
            "pass": self.passes,
            "events": self.events,
            "created": self.created,
            "last_event": self.last_event,
            "activities": [dict(a) for a in self.activities],
        }

    def to_frame(self) -> pl.DataFrame:
        """The facts as one row.

        Returns
        -------
        polars.DataFrame
            One column per attribute (``provenance`` left out).
        """
        row = {k: v for k, v in vars(self).items() if k not in ("provenance", "activities")}
        return pl.DataFrame([row])

    def summary(self) -> str:
        """The status in plain words (what ``coprod session status`` prints).

        Returns
        -------
        str
            Several lines.
        """
        on = {True: "on", False: "off"}
        return "\n".join(
            [
                self.title or self.path.rsplit("/", 1)[-1],
                f"  session:      {self.path} ({'open' if self.open else 'closed'})",
                f"  settings:     allow statements {on[self.allow_submissions]}, "
                f"moderation {on[self.moderate_submissions]}",
                f"  participants: {self.participants:,} joined, {self.voters:,} voted",
                f"  statements:   {self.statements:,} ({self.accepted:,} accepted, "
                f"{self.pending:,} waiting for moderation, {self.rejected:,} rejected)",
                f"  votes:        {self.votes:,} ({self.agree:,} agree, "
                f"{self.disagree:,} disagree, {self.passes:,} pass)",
                *[
                    f"  activity:     {a['activity_id']} ({'open' if a['open'] else 'closed'}, "
                    f"round {a['round']}): {a['items']:,} items, {a['answers']:,} answers"
                    for a in self.activities
                ],
                f"  last event:   {self.last_event or '-'}",
            ]
        )


@dataclass(frozen=True, repr=False)
class SessionExport(Result):
    """A session written to a folder, and what that folder reads back with.

    Attributes
    ----------
    path : str
        The folder written.
    format : str
        ``"polis"`` or ``"parquet"``.
    counts : dict of str to int
        ``participants`` (who voted), ``statements``, ``votes``, ... as the folder reads
        back (checked equal to the session's own counts).
    provenance : Provenance or None
        ``export_session`` on the session's inquiry.

    Examples
    --------
    >>> e = SessionExport("out", "polis", {"participants": 2, "statements": 3, "votes": 5})
    >>> e.summary()
    'wrote out (polis): 2 participants who voted, 3 statements, 5 votes'
    >>> e["votes"]
    5
    """

    path: str
    format: str
    counts: dict[str, int]
    provenance: Provenance | None = None

    def __getitem__(self, key: str) -> int:
        return self.counts[key]

    def to_frame(self) -> pl.DataFrame:
        """The counts as one row.

        Returns
        -------
        polars.DataFrame
            ``path``, ``format`` and one column per count.
        """
        return pl.DataFrame([{"path": self.path, "format": self.format, **self.counts}])

    def summary(self) -> str:
        """What was written, in plain words.

        Returns
        -------
        str
            One line.
        """
        c = self.counts
        return (
            f"wrote {self.path} ({self.format}): {c['participants']:,} participants who "
            f"voted, {c['statements']:,} statements, {c['votes']:,} votes"
        )
