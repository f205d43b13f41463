"""The facilitator's live view of a session, as plain state (no widgets): :class:`LiveSession`.

:meth:`LiveSession.poll` opens a FRESH read-only connection to the session database each
time (WAL readers never block the server's writer) and reads only the events added since
the last poll, folding them into a :class:`~coprod_analytics.session.SessionState`:

- answers and agenda steps update the live answer tables of their activities only
  (:attr:`LiveSession.tables`, named like the file inputs) and bump those activities'
  :attr:`~LiveSession.versions`, so a dashboard recomputes only the panels whose table
  changed (:meth:`LiveSession.panel`, cached per version; the numbers come from
  :func:`~coprod_analytics.session.panels.live_panel`);
- votes are appended to the session's inquiry (:attr:`LiveSession.inquiry`); statements,
  moderation, joins, settings and population answers replace the part of it they change,
  built from the state (only a newly defined activity reads the whole session again);
  participation counts are refreshed
  on every change, the opinion groups (only after votes or statements changed) at most every
  ``recompute_interval`` seconds, warm-started from the previous result so group labels stay
  stable (``opinion_groups(previous=...)``, Hungarian label matching).

"Is there enough data yet?" (:meth:`LiveSession.readiness`)
-----------------------------------------------------------
- ``"not yet"``: fewer than 15 participants have cast 7 votes (Pol.is clusters only
  participants with 7 votes and needs 15 of them), so there are no groups to speak of;
- ``"groups forming"``: groups exist, but the median accepted statement has fewer than
  ``10 x max(k, 2)`` votes, i.e. fewer than about 10 per group and statement, where a
  group's agree rate is still uncertain by more than +-0.3 (95% Wilson interval at 50%); or
  the groups moved: fewer than 90% of participants clustered in both of the last two
  updates kept their group;
- ``"enough"``: both hold.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.session.activities import ActivityRecord, LiveRows, wave_name
from coprod_analytics.session.events import (
    _vote_frame,
    participants_frame,
    session_metadata,
    statements_frame,
)
from coprod_analytics.session.panels import LIVE_N_RESAMPLES, LivePanel, live_panel
from coprod_analytics.session.state import EventRow, SessionState, answer_slot

__all__ = ["LiveSession", "Readiness", "agenda_table", "pending_queue", "statements_activity"]

log = logging.getLogger("coprod_analytics.session.live")

MIN_VOTES = 7
MIN_PARTICIPANTS = 15
PER_GROUP_VOTES = 10
STABLE_SHARE = 0.9


@dataclass(frozen=True)
class Readiness:
    """The "enough data yet?" verdict and the numbers behind it.

    Parameters
    ----------
    level : str
        ``"not yet"``, ``"groups forming"`` or ``"enough"``.
    message : str
        The verdict in plain words, for the facilitator.
    participants_clustered : int
        Participants with enough votes to be placed in a group.
    median_votes_per_statement : float
        Median votes an accepted statement has.
    target_votes_per_statement : int
        Votes per statement wanted for the groups found.
    label_stability : float or None
        Share of participants who kept their group in the last update.

    Examples
    --------
    >>> Readiness("not yet", "3 of 15", 3, 2.0, 20, None).level
    'not yet'
    """

    level: str  # "not yet", "groups forming", "enough"
    message: str
    participants_clustered: int
    median_votes_per_statement: float
    target_votes_per_statement: int
    label_stability: float | None


@dataclass
class LiveSession:
    """Poll a session database and keep what the facilitator's dashboard shows.

    Parameters
    ----------
    db_path : str or Path
        The session database (read-only): a ``.db`` file or a ``postgresql://`` URL.
    recompute_interval : float
        Least seconds between two opinion-group recomputations.
    seed : int
        Seed of the analysis (opinion groups, the live panels' bootstraps).
    n_resamples : int
        Bootstrap resamples of the live panels' intervals (0: none).
    last_seq : int
        ``seq`` of the last event read (state, not an input).
    state : SessionState
        The session folded from the events read so far: activities, answers, votes (state).
    tables : dict of str to polars.DataFrame
        The live answer tables, named like the file inputs (``estimates``,
        ``probabilities``, ``choices``, ``predictions``, ``ratings``, ``evidence``,
        ``panel``; ``participants`` with the population attributes given), one per
        activity kind the session has, empty until someone answers (state).
    versions : dict of str to int
        Per activity id (``"statements"`` for votes and statements), the ``seq`` of the last
        event that changed what its panel shows (state).
    inquiry : Inquiry or None
        The session as last read, with its tables (state).
    result : OpinionGroups or None
        The last opinion groups (state).
    previous_groups : dict
        Participant to group of the previous recomputation (state).
    label_stability : float or None
        Share of participants who kept their group label (state).
    counts : dict
        Headline counts for the dashboard (state).
    pending : list of dict
        Statements waiting for moderation (state).
    is_open : bool
        The session takes votes (state).
    settings : dict
        The session's settings (state).
    updates : int
        How often something new was read (state).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.session import SessionStore
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> with SessionStore(db) as s:
    ...     _ = s.add_statements(["a", "b"])
    ...     _ = s.record_vote(s.join(), 0, 1)
    >>> live = LiveSession(db)
    >>> live.poll(), live.counts["votes"], live.poll()
    (True, 1, False)
    >>> with SessionStore(db) as s:
    ...     _ = s.define_activities([{"activity_id": "ratings", "kind": "ratings", "open": True,
    ...         "items": [{"item_id": 1, "text": "Buses", "scale_min": 1, "scale_max": 5}]}])
    ...     _ = s.record_answer(0, "ratings", 1, {"rating": 4})
    >>> live.poll(), live.tables["ratings"]["rating"].to_list()
    (True, [4.0])
    >>> live.panel("ratings").section("ratings").select("item_id", "n").row(0)
    ('1', 1)
    """

    db_path: str | os.PathLike[str]
    recompute_interval: float = 3.0
    seed: int = 0
    n_resamples: int = LIVE_N_RESAMPLES
    last_seq: int = 0
    state: SessionState = field(default_factory=SessionState)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    inquiry: Any = None
    result: Any = None
    previous_groups: dict[Any, int] = field(default_factory=dict)
    label_stability: float | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    is_open: bool = True
    settings: dict[str, Any] = field(default_factory=dict)
    updates: int = 0
    _last_compute: float = 0.0
    _dirty_groups: bool = False
    _panels: dict[str, tuple[int, LivePanel]] = field(default_factory=dict, repr=False)
    _board: tuple[Any, Any] = field(default=(None, None), repr=False)
    _reader: Any = field(default=None, repr=False)
    _rows: LiveRows = field(default_factory=LiveRows, repr=False)

    def board_inquiry(self) -> Any:
        """The session as the consensus board shows it: without the statements waiting for
        moderation (they are in the moderation queue only, until approved).

        Returns
        -------
        Inquiry or None
            :attr:`inquiry` itself when nothing waits; None before the first poll.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from coprod_analytics.session import SessionStore
        >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
        >>> with SessionStore(db) as s:
        ...     _ = s.add_statements(["Seeded"])
        ...     _ = s.submit_statement(s.join(), "Waiting")
        >>> live = LiveSession(db)
        >>> _ = live.poll()
        >>> live.inquiry.statements.height, live.board_inquiry().statements["text"].to_list()
        (2, ['Seeded'])
        """
        inq = self.inquiry
        if inq is None:
            return None
        if self._board[0] is inq:
            return self._board[1]
        waiting = inq.statements.filter(pl.col("moderation") == 0)["statement_id"]
        out = inq
        if waiting.len():
            shown = ~pl.col("statement_id").is_in(waiting.implode())
            out = inq._replaced(  # parts of a validated inquiry: not checked again
                vote_log=inq.vote_log.filter(shown),
                votes=inq.votes.filter(shown),
                statements=inq.statements.filter(pl.col("moderation") != 0),
            )
        self._board = (inq, out)
        return out

    def _new_events(self) -> list[EventRow]:
        """The events after the last one read (a ``.db`` file or a ``postgresql://`` URL;
        a PostgreSQL reader keeps its connection between polls)."""
        from coprod_analytics.session.open import is_session_url, open_event_reader

        if not is_session_url(self.db_path):
            reader = open_event_reader(self.db_path)
            try:
                return reader.new_events(self.state.last_seq)
            finally:
                reader.close()
        if self._reader is None:
            self._reader = open_event_reader(self.db_path)
        return self._reader.new_events(self.state.last_seq)

    def poll(self, *, force_groups: bool = False) -> bool:
        """Read what the store added since the last poll, and recompute the groups when due.

        A failed recomputation is logged (``coprod_analytics.session.live``) and the last
        groups are kept.

        Parameters
        ----------
        force_groups : bool, default False
            Recompute the opinion groups now if votes or statements changed, even before
            ``recompute_interval`` has passed.

        Returns
        -------
        bool
            True when something new is there to draw.
        """
        changed = False
        rows = self._new_events()
        if rows:
            self._fold(rows)
            self.updates += 1
            changed = True
        due = time.monotonic() - self._last_compute >= self.recompute_interval
        if self._dirty_groups and (due or force_groups):
            changed = self._recompute() or changed
        return changed

    def _fold(self, rows: list[EventRow]) -> None:
        """Fold new events into the state; refresh the tables and inquiry they touch."""
        st = self.state
        first = self.inquiry is None
        full = first  # read the whole session again (an activity defined: its item tables)
        people = said = settings = False  # participants, statements, metadata changed
        touched: set[str] = set()
        redefined: set[str] = set()  # activities whose answer rows are built again
        answered: set[tuple[int, str, str, int]] = set()  # slots with a new latest answer
        new_votes: list[tuple[Any, ...]] = []  # appended to the inquiry's log, not re-read
        for row in rows:
            st.apply(row)
            seq, kind, value = row[0], row[1], row[7]
            if kind == "vote":
                new_votes.append((row[3], row[4], row[5], row[8]))
                self.versions["statements"] = seq
                self._dirty_groups = True
            elif kind in ("answer", "activity"):
                payload = json.loads(value) if value else {}
                aid = str(payload.get("activity_id"))
                act = st.activities.get(aid)
                self.versions[aid] = seq
                if kind == "answer":
                    touched.add(aid)
                    assert row[3] is not None
                    answered.add((row[3], *answer_slot(payload)))
                    people = people or (act is not None and act.kind == "population")
                    if act is not None and act.kind == "mapping":
                        self._linked_appraisals(aid, seq, touched)  # a new need to appraise
                elif payload.get("action") == "define":
                    touched.add(aid)
                    redefined.add(aid)
                    full = True
                elif payload.get("action") == "moderate_place":
                    # a place's text approved or rejected: its places table changes, and the
                    # needs of the appraisals of that map
                    touched.add(aid)
                    self._linked_appraisals(aid, seq, touched)
                if aid == "statements":
                    self.versions["statements"] = seq
            elif kind in ("statement", "moderation") and self._tagged(row[4]) is not None:
                # an idea or an open answer: only its activity's panel changes
                aid = str(self._tagged(row[4]))
                self.versions[aid] = seq
                touched.add(aid)
            elif kind == "join":
                people = True
                for a in st.activities.values():
                    if a.kind == "population":
                        self.versions[a.activity_id] = seq
            elif kind in ("statement", "moderation", "setting", "open", "close"):
                said = said or kind in ("statement", "moderation")
                settings = settings or kind in ("setting", "open", "close")
                self.versions["statements"] = seq
                self._dirty_groups = self._dirty_groups or kind in ("statement", "moderation")
            else:  # a kind of event this view does not know: read it all
                full = True
        self.last_seq = st.last_seq
        # only the slots answered are folded into the rows kept; a redefined kind is rebuilt
        fresh = self._rows.fold(st, None if first else touched, answered, redefined)
        self.tables.update(fresh)
        if full:
            from coprod_analytics.session import read_session

            self.inquiry = read_session(self.db_path)
        else:
            # the parts that changed, from the state (a re-read costs the whole log): the
            # statements and participants first, so the new votes find theirs
            inq = self.inquiry
            assert inq is not None
            if said:
                inq = inq.with_statements(statements_frame(st))
            if people:
                inq = inq.with_participants(participants_frame(st, self.tables.get("participants")))
            if settings:
                inq = inq.with_metadata(
                    **session_metadata(
                        st,
                        session_id=inq.metadata.get("session_id"),
                        source=str(inq.metadata.get("source_path")),
                    )
                )
            self.inquiry = inq
            if new_votes:  # the log grows by them
                self.inquiry = self.inquiry.with_votes(_vote_frame(new_votes))
            if fresh:
                # empty tables are left out (nobody answered yet, or every answer withdrawn
                # or rejected since), as read_session leaves them out
                gone = [k for k, t in fresh.items() if not t.height and k in self.inquiry.tables]
                if gone:
                    self.inquiry = self.inquiry.without_tables(*gone)
                self.inquiry = self.inquiry.with_tables(
                    **{k: t for k, t in fresh.items() if t.height and k != "participants"}
                )
        self._refresh_counts()

    def _linked_appraisals(self, source: str, seq: int, touched: set[str]) -> None:
        """The appraisals of a mapping activity's needs change with its places."""
        for a in self.state.activities.values():
            if a.kind == "appraisal" and a.settings.get("source") == source:
                self.versions[a.activity_id] = seq
                touched.add(a.activity_id)

    def _tagged(self, statement_id: Any) -> str | None:
        """The activity of an idea or open answer (None for a statement of the session)."""
        rec = self.state.statements.get(statement_id) if statement_id is not None else None
        return None if rec is None else rec.activity_id

    def agenda(self) -> pl.DataFrame:
        """The agenda as last read (see :func:`~coprod_analytics.session.live.agenda_table`).

        Returns
        -------
        polars.DataFrame
            One row per activity: ``activity_id``, ``kind``, ``title``, ``open``, ``round``,
            ``wave``, ``items``, ``answered``.
        """
        return agenda_table(self.state)

    def activity(self, activity_id: str) -> ActivityRecord | None:
        """An activity as last read (``"statements"`` is always one).

        Parameters
        ----------
        activity_id : str
            The activity's id.

        Returns
        -------
        ActivityRecord or None
            None when the session has no such activity.
        """
        if activity_id == "statements":
            return statements_activity(self.state)
        return self.state.activities.get(activity_id)

    def panel(self, activity_id: str) -> LivePanel:
        """The live numbers of an activity, recomputed only when its answers changed.

        Parameters
        ----------
        activity_id : str
            An activity of the session (``"statements"`` for the votes).

        Returns
        -------
        LivePanel
            See :func:`~coprod_analytics.session.panels.live_panel`.

        Raises
        ------
        ValidationError
            When the session has no such activity.
        """
        act = self.activity(activity_id) if isinstance(activity_id, str) else None
        if act is None:
            raise ValidationError(
                f"no activity {activity_id!r}; the agenda has {list(self.state.activities)}",
                column="activity_id",
            )
        version = self.versions.get(activity_id, 0)
        cached = self._panels.get(activity_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        out = live_panel(
            act,
            self.tables,
            inquiry=self.inquiry,
            joined=len(self.state.participants),
            n_resamples=self.n_resamples,
            seed=self.seed,
            pending=sum(1 for p in self.pending if p["activity_id"] == activity_id),
        )
        self._panels[activity_id] = (version, out)
        return out

    def _refresh_counts(self) -> None:
        inq = self.inquiry
        meta = inq.metadata
        self.is_open = bool(meta.get("session_open", True))
        self.settings = dict(meta.get("settings") or {})
        c = inq.counts()
        per_p = inq.votes.group_by("participant_id").len()
        stmts = inq.statements
        accepted = stmts.filter((pl.col("moderation") == 1) & ~pl.col("is_meta"))
        tallies = inq.statement_tallies().filter(
            pl.col("statement_id").is_in(accepted["statement_id"].implode())
        )
        last = inq.vote_log.get_column("time").max()
        self.counts = {
            **c,
            "joined": inq.participants.height,
            "voters": int(per_p.height),
            "with_min_votes": int((per_p["len"] >= MIN_VOTES).sum()) if per_p.height else 0,
            "accepted_statements": accepted.height,
            "median_votes_per_statement": float(tallies["total"].median() or 0.0)
            if tallies.height
            else 0.0,
            "last_vote": None if last is None else str(last),
        }
        self.pending = pending_queue(self.state)

    def _recompute(self) -> bool:
        from coprod_analytics.consensus import opinion_groups

        self._last_compute = time.monotonic()
        self._dirty_groups = False
        if self.counts.get("with_min_votes", 0) < 2 or self.inquiry.votes.height < 10:
            return False
        kwargs: dict[str, Any] = {"bridging": False, "seed": self.seed, "progress": False}
        try:
            res = opinion_groups(self.board_inquiry(), previous=self.result, **kwargs)
        except Exception:
            log.warning("warm-started opinion groups failed; starting afresh", exc_info=True)
            try:
                res = opinion_groups(self.board_inquiry(), **kwargs)
            except Exception:
                log.exception(
                    "the opinion groups of %s could not be computed; the dashboard keeps the "
                    "last ones",
                    self.db_path,
                )
                return False
        clustered = res.participants.filter(pl.col("in_conv"))
        groups = dict(
            zip(clustered["participant_id"].to_list(), clustered["group"].to_list(), strict=True)
        )
        both = [p for p in groups if p in self.previous_groups]
        if both:
            same = sum(groups[p] == self.previous_groups[p] for p in both)
            self.label_stability = same / len(both)
        self.previous_groups = groups
        self.result = res
        return True

    def readiness(self) -> Readiness:
        """Whether there is enough data for stable groups (see the module documentation).

        Returns
        -------
        Readiness
            The verdict and the numbers behind it.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from coprod_analytics.session import SessionStore
        >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
        >>> SessionStore(db).close()
        >>> live = LiveSession(db)
        >>> _ = live.poll()
        >>> live.readiness().level
        'not yet'
        """
        clustered = int(self.counts.get("with_min_votes", 0))
        median = float(self.counts.get("median_votes_per_statement", 0.0))
        k = self.result.k if self.result is not None else 2
        target = PER_GROUP_VOTES * max(k, 2)
        stab = self.label_stability
        if clustered < MIN_PARTICIPANTS:
            level = "not yet"
            msg = (
                f"{clustered} of the {MIN_PARTICIPANTS} participants with {MIN_VOTES}+ votes "
                "needed before opinion groups mean anything"
            )
        elif median < target or (stab is not None and stab < STABLE_SHARE):
            level = "groups forming"
            parts = [f"median {median:.0f} of {target} votes per statement"]
            if stab is not None:
                parts.append(f"{100 * stab:.0f}% kept their group in the last update")
            msg = "groups are forming: " + "; ".join(parts)
        else:
            level = "enough"
            msg = f"enough data: median {median:.0f} votes per statement (target {target})"
        return Readiness(level, msg, clustered, median, target, stab)


def statements_activity(state: SessionState) -> ActivityRecord:
    """The ``statements`` activity of a session: the one in its log, or one standing for the
    session itself (open while the session is) when the log defines none.

    Parameters
    ----------
    state : SessionState
        The session's state.

    Returns
    -------
    ActivityRecord
        ``activity_id`` ``"statements"``, open when statement votes are taken.

    Examples
    --------
    >>> statements_activity(SessionState()).is_open
    True
    """
    act = state.activities.get("statements")
    title = act.title if act is not None else "Agree or disagree"
    return ActivityRecord("statements", "statements", title, [], is_open=state.statements_open)


def agenda_table(state: SessionState) -> pl.DataFrame:
    """The facilitator's agenda: one row per activity of the session, statements included.

    Parameters
    ----------
    state : SessionState
        The session's state (:meth:`SessionStore.state
        <coprod_analytics.session.SessionStore.state>`).

    Returns
    -------
    polars.DataFrame
        ``activity_id``, ``kind``, ``title``, ``open`` (taking answers now; statements: votes
        are taken), ``round`` (Delphi round or panel wave), ``wave`` (``pre`` / ``post`` for
        a panel, else null), ``items`` and ``answered`` (participants who answered in the
        current round; statements: who voted), in agenda order. The statements row comes
        from the log's ``statements`` activity, or stands for the session itself when the
        session has statements (or no activity at all) but no such activity.

    Examples
    --------
    >>> st = SessionState()
    >>> st.apply((1, "activity", None, None, None, None, None,
    ...           '{"action": "define", "activity_id": "ratings", "kind": "ratings", '
    ...           '"title": "Ratings", "items": [{"item_id": 1, "text": "Buses"}]}', 0))
    >>> agenda_table(st).select("activity_id", "open", "answered").rows()
    [('ratings', False, 0)]
    """
    answered = state.respondents  # kept as answers arrive (read here, never changed)
    authors: dict[tuple[str, int], set[int]] = {}
    for rec in state.statements.values():  # open answers are statements of their activity
        act = state.activities.get(rec.activity_id) if rec.activity_id is not None else None
        if (
            act is not None
            and act.kind == "open_question"
            and rec.moderation != -1
            and rec.author_id is not None
        ):
            authors.setdefault((act.activity_id, act.round), set()).add(rec.author_id)
    rows = []
    acts = dict(state.activities)
    own = any(r.activity_id is None for r in state.statements.values())
    if "statements" not in acts and (own or not acts):
        acts = {"statements": statements_activity(state), **acts}
    for aid, act in acts.items():
        if act.kind == "statements":
            is_open = state.statements_open
            n = len(state.voted)
        else:
            is_open = act.is_open
            now = answered.get((aid, act.round), set()) | authors.get((aid, act.round), set())
            # a later Delphi round is answered by its estimates alone (a probability or choice
            # question is answered once, in round 1)
            before = answered.get((aid, 0), set()) | authors.get((aid, 0), set())
            n = len(now if act.round > 1 else now | before)
        rows.append(
            {
                "activity_id": aid,
                "kind": act.kind,
                "title": act.title,
                "open": is_open,
                "round": act.round,
                "wave": wave_name(act.round) if act.kind == "panel" else None,
                "items": len(state.votable()) if act.kind == "statements" else len(act.items),
                "answered": n,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "activity_id": pl.String,
            "kind": pl.String,
            "title": pl.String,
            "open": pl.Boolean,
            "round": pl.Int64,
            "wave": pl.String,
            "items": pl.Int64,
            "answered": pl.Int64,
        },
        orient="row",
    )


def pending_queue(state: SessionState) -> list[dict[str, Any]]:
    """What waits for moderation: submitted statements, participants' ideas for a pairwise
    activity, answers to open questions and the texts of mapped places, each labelled by
    where it belongs.

    Parameters
    ----------
    state : SessionState
        The session's state.

    Returns
    -------
    list of dict
        Oldest first: ``statement_id``, ``text``, ``author_id``, ``activity_id`` (None for
        a statement) and ``label`` (``"Statement"``, ``"Idea for <activity title>"``,
        ``"Answer to <question>"``; untrusted text); then the place texts waiting, oldest
        first, with ``statement_id`` None and their ``place_id`` (see
        :func:`~coprod_analytics.session.mapping_activity.pending_places`).

    Examples
    --------
    >>> st = SessionState()
    >>> st.apply((1, "statement", None, 3, 0, None, "More buses", '{"moderation": 0}', 0))
    >>> [(p["label"], p["text"]) for p in pending_queue(st)]
    [('Statement', 'More buses')]
    """
    out = []
    for r in state.pending():
        act = state.activities.get(r.activity_id) if r.activity_id is not None else None
        if r.activity_id is None:
            label = "Statement"
        elif act is not None and act.kind == "open_question":
            item = act.item(r.item_id)
            question = str(item.get("text") or item["item_id"]) if item else act.title
            label = f"Answer to {question}"
        else:
            label = f"Idea for {act.title if act is not None else r.activity_id}"
        out.append(
            {
                "statement_id": r.statement_id,
                "text": r.text,
                "author_id": r.author_id,
                "activity_id": r.activity_id,
                "label": label,
                "place_id": None,
            }
        )
    from coprod_analytics.session.mapping_activity import pending_places

    for p in pending_places(state.activities):
        out.append(
            {
                "statement_id": None,
                "text": p["text"],
                "author_id": p["author_id"],
                "activity_id": p["activity_id"],
                "label": p["label"],
                "place_id": p["place_id"],
            }
        )
    return out
