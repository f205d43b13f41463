"""Derived state of a live session, folded from its event log.

Nothing here is stored: :class:`SessionState` is rebuilt by replaying the ``events`` table
(:meth:`SessionState.apply` one row at a time), so the log stays the single source of truth.
A server keeps one in memory and applies the events it writes and the events other
processes (a facilitator's dashboard) append.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from coprod_analytics.session.activities import ActivityRecord

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
    activity_id : str, optional
        Set for a participant's idea for a pairwise activity or an answer to an open
        question: moderated like a statement, never voted on.
    item_id : any, optional
        The open question it answers.

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
    activity_id: str | None = None
    item_id: Any = None

    @property
    def n_votes(self) -> int:
        """Votes on the statement (agree, disagree and pass)."""
        return self.agree + self.disagree + self.passes

    def add(self, vote: int, n: int) -> None:
        """Count ``n`` more (or, negative, fewer) votes of ``vote`` (1, -1 or 0).

        Parameters
        ----------
        vote : int
            1 agree, -1 disagree, 0 pass.
        n : int
            How many to add.
        """
        if vote == 1:
            self.agree += n
        elif vote == -1:
            self.disagree += n
        else:
            self.passes += n


@dataclass
class SessionState:
    """Everything derived from the log: statements, participants, votes, activities, answers.

    A participant may change a vote or an answer: the latest counts (tallies, ``votes``,
    ``answers``) and the log keeps every one.

    Attributes
    ----------
    last_seq : int
        ``seq`` of the last event applied.
    is_open : bool
        The session accepts votes (``open``/``close`` events; a new session is open).
    title : str or None
        The session's title (from ``open`` events).
    settings : dict
        :data:`DEFAULT_SETTINGS` updated by ``setting`` events.
    statements : dict of int to StatementRecord
    participants : dict of int to int
        Participant id to join time (epoch ms).
    voted : dict of int to set of int
        Statements each participant voted on.
    votes : dict of (int, int) to int
        The latest vote per ``(participant_id, statement_id)``.
    keys : dict of str to tuple
        Idempotency key to ``(kind, participant_id, statement_id, vote, text)`` (``text``:
        the ``value`` JSON of an answer).
    n_votes : int
        Latest votes (one per participant and statement voted on).
    n_vote_events : int
        Vote events in the log (re-votes included).
    activities : dict of str to ActivityRecord
        The activities on the agenda, in the order they were defined.
    answers : dict of int to dict
        Per participant: ``(activity_id, item key, round) -> (item_id, round, answer,
        time_ms)``, the latest answer to each item (per Delphi round / panel wave).
    activity_answers : dict of str to int
        Answer events per activity id (a version of each activity's answers: what depends
        on one activity's answers is recomputed only when it changes).
    pair_outcomes : dict of str to dict
        Per pairwise activity: ``(winner, loser, tie) -> count`` of the latest answers to
        its pairs (a tie, "can't decide", lists the pair in the order shown), kept as
        answers arrive, so the next-pair model is refitted from a few counts instead of a
        scan of every answer.
    pairs_answered : dict of (int, str) to set of str
        The pair keys (``"a|b"``) each ``(participant_id, activity_id)`` answered.
    respondents : dict of (str, int) to set of int
        Who answered each ``(activity_id, round)`` (anything in it), kept as answers
        arrive (the agenda's "answered" column without a scan of every answer).

    Examples
    --------
    >>> st = SessionState()
    >>> st.apply((1, "statement", None, None, 0, None, "Parks", '{"moderation": 1}', 0))
    >>> st.apply((2, "join", None, 7, None, None, None, None, 0))
    >>> st.apply((3, "vote", "k", 7, 0, 1, None, None, 0))
    >>> st.apply((4, "vote", "k2", 7, 0, -1, None, None, 0))  # a changed vote
    >>> st.statements[0].agree, st.statements[0].disagree, st.n_votes, st.n_vote_events
    (0, 1, 1, 2)
    >>> st.next_participant_id, st.votable()
    (8, [0])
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
    votes: dict[tuple[int, int], int] = field(default_factory=dict)
    n_vote_events: int = 0
    activities: dict[str, ActivityRecord] = field(default_factory=dict)
    answers: dict[int, dict[tuple[str, str, int], tuple[Any, int, dict[str, Any], int]]] = field(
        default_factory=dict
    )
    activity_answers: dict[str, int] = field(default_factory=dict)
    pair_outcomes: dict[str, dict[tuple[str, str, bool], int]] = field(default_factory=dict)
    pairs_answered: dict[tuple[int, str], set[str]] = field(default_factory=dict)
    respondents: dict[tuple[str, int], set[int]] = field(default_factory=dict)

    @property
    def n_votes(self) -> int:
        """Latest votes: one per participant and statement voted on."""
        return len(self.votes)

    @property
    def statements_open(self) -> bool:
        """Statement votes are taken: the session is open and, when the agenda has a
        ``statements`` activity, it is open."""
        act = self.activities.get("statements")
        return self.is_open and (act is None or act.is_open)

    def latest_answers(
        self, activities: Collection[str] | None = None
    ) -> dict[tuple[int, str, str, int], tuple[Any, int, dict[str, Any], int]]:
        """Every participant's latest answers, flat.

        Parameters
        ----------
        activities : collection of str, optional
            Only the answers to these activities (default: all).

        Returns
        -------
        dict
            ``(participant_id, activity_id, item key, round) -> (item_id, round, answer,
            time_ms)``.
        """
        return {
            (pid, *slot): ans
            for pid, slots in self.answers.items()
            for slot, ans in slots.items()
            if activities is None or slot[0] in activities
        }

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
            self.keys[key] = (kind, pid, sid, vote, value if kind == "answer" else text)
        payload: dict[str, Any] = json.loads(value) if value else {}
        if kind == "vote":
            assert pid is not None and sid is not None and vote is not None
            self.n_vote_events += 1
            self.voted.setdefault(pid, set()).add(sid)
            before = self.votes.get((pid, sid))
            self.votes[(pid, sid)] = vote
            rec = self.statements.get(sid)
            if rec is not None:
                if before is not None:
                    rec.add(before, -1)
                rec.add(vote, 1)
        elif kind == "answer":
            assert pid is not None
            item_id = payload.get("item_id")
            rnd = int(payload.get("round", 0))
            slot = answer_slot(payload)
            self.activity_answers[slot[0]] = self.activity_answers.get(slot[0], 0) + 1
            mine = self.answers.setdefault(pid, {})
            replaced = mine.get(slot)
            answer = dict(payload.get("answer") or {})
            mine[slot] = (item_id, rnd, answer, time_ms)
            self.respondents.setdefault((slot[0], rnd), set()).add(pid)
            if "pair" in answer or (replaced is not None and "pair" in replaced[2]):
                self._count_pair(pid, slot, replaced, answer)
            act = self.activities.get(slot[0])
            if act is not None and act.kind == "mapping":
                from coprod_analytics.session.mapping_activity import fold_mapping_answer

                fold_mapping_answer(
                    self.activities,
                    act,
                    pid,
                    item_id,
                    self.answers[pid][slot][2],
                    time_ms,
                    moderated=bool(self.settings.get("moderate_submissions", True)),
                )
        elif kind == "activity":
            self._apply_activity(seq, payload)
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
                activity_id=None
                if payload.get("activity_id") is None
                else str(payload["activity_id"]),
                item_id=payload.get("item_id"),
            )
            self._idea(self.statements[sid])
        elif kind == "moderation":
            rec = self.statements.get(sid) if sid is not None else None
            if rec is not None:
                rec.moderation = int(payload.get("decision", rec.moderation))
                self._idea(rec)
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

    def _count_pair(
        self,
        pid: int,
        slot: tuple[str, str, int],
        before: tuple[Any, int, dict[str, Any], int] | None,
        answer: dict[str, Any],
    ) -> None:
        """Move a pairwise answer's outcome in :attr:`pair_outcomes` (the one it replaces
        out) and note the pair as answered."""
        counts = self.pair_outcomes.setdefault(slot[0], {})
        old = _pair_outcome(before[2]) if before is not None else None
        if old is not None:
            left = counts.get(old, 0) - 1
            if left > 0:
                counts[old] = left
            else:
                counts.pop(old, None)
        new = _pair_outcome(answer)
        if new is not None:
            counts[new] = counts.get(new, 0) + 1
            self.pairs_answered.setdefault((pid, slot[0]), set()).add(slot[1])

    def _idea(self, rec: StatementRecord) -> None:
        """An idea joins its pairwise activity's pool once accepted (and leaves if rejected)."""
        act = self.activities.get(rec.activity_id) if rec.activity_id is not None else None
        if act is None or act.kind != "pairwise":
            return
        key = f"idea-{rec.statement_id}"
        if rec.moderation == 1:
            act.ideas[key] = {"item_id": key, "text": rec.text, "idea": True}
            act.had_ideas = True
        else:
            act.ideas.pop(key, None)

    def _apply_activity(self, seq: int, payload: dict[str, Any]) -> None:
        aid = str(payload.get("activity_id"))
        action = payload.get("action")
        act = self.activities.get(aid)
        if action == "define":
            items = list(payload.get("items") or [])
            if act is None:
                self.activities[aid] = ActivityRecord(
                    aid,
                    str(payload.get("kind", aid)),
                    str(payload.get("title") or aid),
                    items,
                    is_open=bool(payload.get("open", False)),
                    opened_seq=seq if payload.get("open") else 0,
                    settings=dict(payload.get("settings") or {}),
                )
            else:  # a new definition keeps the agenda state
                act.items, act.title, act._by_key = items, str(payload.get("title") or aid), {}
                act.settings = dict(payload.get("settings") or {})
            if self.activities[aid].over_statements:  # its pool: the statements, live
                self.activities[aid].statements = self.statements
            if self.activities[aid].kind == "appraisal":
                from coprod_analytics.session.mapping_activity import sync_defined_appraisal

                sync_defined_appraisal(self.activities, self.activities[aid])
            return
        if action == "moderate_place":
            from coprod_analytics.session.mapping_activity import moderate_place

            moderate_place(self.activities, payload)
            return
        if act is None:
            return
        if action == "open":
            act.is_open, act.opened_seq = True, seq
        elif action == "close":
            act.is_open = False
        elif action == "round":
            act.round = max(1, int(payload.get("round", act.round + 1)))
            act.is_open, act.opened_seq = True, seq

    def current_activity(self) -> ActivityRecord | None:
        """The open activity opened most recently (what phones show), or None.

        Returns
        -------
        ActivityRecord or None
            The current activity.
        """
        open_ = [a for a in self.activities.values() if a.is_open]
        return max(open_, key=lambda a: a.opened_seq) if open_ else None

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
        return [
            s
            for s, r in self.statements.items()
            if r.moderation == 1 and not r.is_meta and r.activity_id is None
        ]

    def pending(self) -> list[StatementRecord]:
        """Submitted statements waiting for moderation (with participants' ideas and open
        answers: their ``activity_id`` is set).

        Returns
        -------
        list of StatementRecord
            Oldest first.
        """
        return [r for r in self.statements.values() if r.moderation == 0]


def answer_slot(payload: dict[str, Any]) -> tuple[str, str, int]:
    """The slot an answer event fills: ``(activity_id, item key, round)`` (the latest answer
    to a slot counts).

    Parameters
    ----------
    payload : dict
        The ``value`` JSON of an ``answer`` event.

    Returns
    -------
    tuple
        As :attr:`SessionState.answers` keys them.

    Examples
    --------
    >>> answer_slot({"activity_id": "q", "item_id": 2, "round": 1, "answer": {"value": 3}})
    ('q', '2', 1)
    """
    return (
        str(payload.get("activity_id")),
        str(payload.get("item_id")),
        int(payload.get("round", 0)),
    )


def _pair_outcome(answer: dict[str, Any]) -> tuple[str, str, bool] | None:
    """``(winner, loser, tie)`` of a pairwise answer (``{"pair": [a, b], "winner": w}``;
    ``w`` None is a tie, listed as shown), None when it is not one.

    Examples
    --------
    >>> _pair_outcome({"pair": [1, 2], "winner": 2}), _pair_outcome({"pair": ["x", "y"]})
    (('2', '1', False), ('x', 'y', True))
    """
    pair = answer.get("pair")
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        return None
    a, b = str(pair[0]), str(pair[1])
    won = answer.get("winner")
    if won is None:
        return a, b, True
    return (b, a, False) if str(won) == b else (a, b, False)
