"""The agenda gate: refuses, inside the writing transaction, what a close already stopped.

A server validates a participant's request against its in-memory state, which learns of a
facilitator's ``close`` (of the session or of an activity) from another process only when it
next reads the log. :class:`AgendaGate` closes that window: the writer reads the events other
processes committed (``seq`` above the last one it saw) INSIDE its write transaction, folds
the agenda steps among them, and refuses every queued vote, answer or submission that the
agenda no longer allows, before inserting anything. So once ``close`` has committed, no
answer or vote committed after it is ever accepted.

Pure Python: no web code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from coprod_analytics.errors import ValidationError

#: An ``events`` row, a ``SessionState`` and a ``NewEvent`` (typed loosely: the store
#: imports this module).
EventRow = tuple[Any, ...]
SessionState = Any
NewEvent = Any

__all__ = ["AgendaGate", "Refused"]


class Refused(ValidationError):
    """An event the agenda no longer allows (the session or its activity closed first).

    Parameters
    ----------
    code : str
        ``"closed"`` (the session), ``"activity_closed"`` or ``"round_changed"``.
    message : str
        What happened, in the participant's words.

    Examples
    --------
    >>> Refused("closed", "this session is closed").code
    'closed'
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class AgendaGate:
    """What the agenda allows right now: session open, each activity open and its round.

    Attributes
    ----------
    last_seq : int
        The last ``seq`` folded in.
    is_open : bool
        The session takes votes and answers.
    open_activities : dict of str to int
        Each open activity's round (closed activities are absent).
    known : set of str
        Every activity on the agenda.
    closed_rounds : dict of str to int
        The round of each closed activity (a re-opened activity keeps its round).

    Examples
    --------
    >>> from coprod_analytics.session.store import NewEvent
    >>> gate = AgendaGate()
    >>> gate.apply_rows([(1, "activity", None, None, None, None, None,
    ...     '{"action": "define", "activity_id": "r", "kind": "ratings", "open": true}', 0)])
    >>> ev = NewEvent("answer", participant_id=0, value={"activity_id": "r", "round": 0})
    >>> gate.refusal(ev) is None
    True
    >>> gate.apply_rows([(2, "close", None, None, None, None, None, None, 0)])
    >>> gate.refusal(ev).code
    'closed'
    """

    last_seq: int = 0
    is_open: bool = True
    open_activities: dict[str, int] = field(default_factory=dict)
    known: set[str] = field(default_factory=set)
    closed_rounds: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_state(cls, state: SessionState) -> AgendaGate:
        """The gate of a folded state (at its ``last_seq``).

        Parameters
        ----------
        state : SessionState
            The session's state.

        Returns
        -------
        AgendaGate
        """
        return cls(
            last_seq=state.last_seq,
            is_open=state.is_open,
            open_activities={
                a.activity_id: a.round for a in state.activities.values() if a.is_open
            },
            known=set(state.activities),
            closed_rounds={a.activity_id: a.round for a in state.activities.values()},
        )

    def apply_rows(self, rows: Iterable[EventRow]) -> None:
        """Fold committed events (``events`` rows, in ``seq`` order).

        Parameters
        ----------
        rows : iterable of EventRow
            ``(seq, kind, idem_key, participant_id, statement_id, vote, text, value,
            time_ms)``.
        """
        for row in rows:
            seq, kind, value = int(row[0]), row[1], row[7]
            self.last_seq = max(self.last_seq, seq)
            if kind == "open":
                self.is_open = True
            elif kind == "close":
                self.is_open = False
            elif kind == "activity":
                self._activity(json.loads(value) if value else {})

    def _activity(self, payload: dict[str, Any]) -> None:
        aid = str(payload.get("activity_id"))
        action = payload.get("action")
        if action == "define":
            if aid not in self.known:
                self.known.add(aid)
                if payload.get("open"):
                    self.open_activities[aid] = 1
        elif aid not in self.known:
            return
        elif action == "open":
            self.open_activities[aid] = self.open_activities.get(aid) or self.closed_rounds.get(
                aid, 1
            )
        elif action == "close":
            rnd = self.open_activities.pop(aid, None)
            if rnd is not None:
                self.closed_rounds[aid] = rnd
        elif action == "round":
            self.open_activities[aid] = max(1, int(payload.get("round", 1)))

    def refusal(self, event: NewEvent) -> Refused | None:
        """Why ``event`` may not be stored now, or None when it may.

        Votes need the session open and, when the agenda has one, the ``statements``
        activity open; answers need their activity open (and, for a Delphi round or panel
        wave, the same round); a participant's statement, idea or open answer needs the
        session open. Joins, seeds and the facilitator's own events always pass.

        Parameters
        ----------
        event : NewEvent
            A queued event.

        Returns
        -------
        Refused or None
        """
        kind = event.kind
        participant = kind in ("vote", "answer") or (
            kind == "statement" and event.participant_id is not None and event.key is not None
        )
        if not participant:
            return None
        if not self.is_open:
            return Refused("closed", "this session is closed")
        value = event.value or {}
        if kind == "vote":
            if "statements" in self.known and "statements" not in self.open_activities:
                return Refused("activity_closed", "voting on statements is closed for now")
            return None
        aid = value.get("activity_id")
        if aid is None:
            return None
        aid = str(aid)
        if aid not in self.open_activities:
            return Refused("activity_closed", "this activity is closed for now")
        rnd = int(value.get("round", 0) or 0)
        if kind == "answer" and rnd > 0 and rnd != self.open_activities[aid]:
            return Refused("round_changed", "a new round has started; answer again")
        return None
