"""The session's domain methods, once for every backend: :class:`BaseSessionStore` (joining,
voting, answering, moderating, the agenda, reading the state and the inquiry), written on a
few primitives each backend supplies (see the class), and the checks of answers and texts
those methods share (:func:`same_answer`).

:class:`~coprod_analytics.session.store.SessionStore` (SQLite) and
``coprod_analytics.session.pg_store.PgSessionStore`` (PostgreSQL) are the backends; the
public import path of everything here stays :mod:`coprod_analytics.session.store` (and
:mod:`coprod_analytics.session`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, Self

import polars as pl

from coprod_analytics.errors import CoprodError, ValidationError, check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.session.events import (
    MAX_STATEMENT_CHARS,
    NewEvent,
    StoreUnwritable,
    _events_frame,
)
from coprod_analytics.session.gate import AgendaGate
from coprod_analytics.session.schema import EVENT_KINDS
from coprod_analytics.session.state import EventRow, SessionState
from coprod_analytics.session.texts import has_visible_text

__all__ = ["BackgroundWork", "BaseSessionStore", "same_answer"]


class BackgroundWork(Protocol):
    """Work a store runs beside its writer (see :meth:`BaseSessionStore.background_checkpoints`).

    Examples
    --------
    >>> class Nothing:
    ...     def stop(self) -> None:
    ...         pass
    >>> work: BackgroundWork = Nothing()
    >>> work.stop()
    """

    def stop(self) -> None:
        """Finish and wait for it."""
        ...


class BaseSessionStore:
    """What every session store offers, written on a few primitives of its database.

    The domain methods (joining, voting, answering, moderating, the agenda, reading the
    state and the inquiry) live here once; a backend supplies the primitives: reading the
    rows after a ``seq`` (:meth:`_rows`), one write transaction that reads what others
    committed and inserts (:meth:`_append_each`), the mapping of its errors to
    :class:`StoreUnwritable` (:meth:`_unwritable`), :meth:`meta`, :attr:`schema_version`,
    :meth:`to_inquiry` (one consistent snapshot) and :meth:`close`. :class:`SessionStore`
    is the SQLite backend; ``coprod_analytics.session.pg_store.PgSessionStore`` the
    PostgreSQL one.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.session.store import SessionStore
    >>> with SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db") as store:
    ...     isinstance(store, BaseSessionStore)
    True
    """

    # ------------------------------------------------------------------ primitives
    def close(self) -> None:
        """Close the database connection (the session itself stays as it is)."""
        raise NotImplementedError

    def background_checkpoints(self) -> BackgroundWork | None:
        """Take the database's housekeeping off this store's commits (a long-running writer
        such as the participant server calls it once; stop what it returns before closing).

        Returns
        -------
        BackgroundWork or None
            The running work; None when the backend needs none (PostgreSQL checkpoints
            by itself). :class:`~coprod_analytics.session.store.SessionStore` moves SQLite's
            WAL checkpoints into a thread of their own.

        Examples
        --------
        >>> BaseSessionStore().background_checkpoints() is None
        True
        """
        return None

    def meta(self) -> dict[str, str]:
        """The ``session_meta`` table.

        Returns
        -------
        dict of str to str
            ``session_id``, ``token_secret``, ``created_ms``, ``format``.
        """
        raise NotImplementedError

    @property
    def schema_version(self) -> int:
        """The database's schema version."""
        raise NotImplementedError

    def to_inquiry(self) -> Inquiry:
        """The session as an :class:`~coprod_analytics.inquiry.Inquiry` (recomputed from the
        log in one consistent snapshot; see :meth:`SessionStore.to_inquiry`).

        Returns
        -------
        Inquiry
            The session's statements, votes, participants and tables.
        """
        raise NotImplementedError

    def _rows(self, since: int) -> Iterable[EventRow]:
        """The ``events`` rows with ``seq > since``, in ``seq`` order."""
        raise NotImplementedError

    def _append_each(
        self, events: Sequence[NewEvent], gate: AgendaGate | None
    ) -> list[int | Exception | None]:
        """One write transaction (see :func:`_append_in_transaction`)."""
        raise NotImplementedError

    def _unwritable(self, exc: BaseException) -> StoreUnwritable | None:
        """``exc`` as a failure of the database's place, or None when it is not one."""
        raise NotImplementedError

    # ------------------------------------------------------------------ basics
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def session_id(self) -> str:
        """The session's random id (part of every participant token)."""
        return self.meta()["session_id"]

    # ------------------------------------------------------------------ writing
    def append(self, events: Sequence[NewEvent]) -> list[int | None]:
        """Append events in ONE durable transaction (group commit).

        Parameters
        ----------
        events : sequence of NewEvent
            The events, stored in this order.

        Returns
        -------
        list of int or None
            Each event's ``seq``, or ``None`` for an event refused by a UNIQUE rule (its
            idempotency key was seen before, a second vote on the same statement, a
            statement id or participant id already used) or one that cannot be stored at all
            (e.g. text that is not valid Unicode); the other events of the batch are still
            stored.
        """
        return [None if isinstance(r, Exception) else r for r in self.append_each(events)]

    def append_each(
        self, events: Sequence[NewEvent], *, gate: AgendaGate | None = None
    ) -> list[int | Exception | None]:
        """Like :meth:`append`, but an event that could not be stored for a reason other
        than a UNIQUE rule gives its exception instead of ``None`` (the rest still commit).

        Parameters
        ----------
        events : sequence of NewEvent
            The events, stored in this order.
        gate : AgendaGate, optional
            Inside the write transaction, first fold into ``gate`` the events other
            processes committed since its ``last_seq``, then refuse (with
            :class:`~coprod_analytics.session.gate.Refused`) every event the agenda no
            longer allows: once a ``close`` has committed, no later vote or answer is.

        Returns
        -------
        list of int, Exception or None
            Each event's ``seq``; ``None`` when a UNIQUE rule refused it; the exception
            that kept it out otherwise.
        """
        for ev in events:
            if ev.kind not in EVENT_KINDS:
                check_param(False, "kind", "append", f"one of {EVENT_KINDS}", ev.kind)
        try:
            return self._append_each(events, gate)
        except Exception as exc:
            unwritable = self._unwritable(exc)
            if unwritable is None:
                raise
            raise unwritable from None

    def state(self, *, since: SessionState | None = None) -> SessionState:
        """The derived state, folded from the log.

        Parameters
        ----------
        since : SessionState, optional
            A state to bring up to date (updated in place) instead of starting afresh.

        Returns
        -------
        SessionState
            Participants, statements, votes, settings and keys as of the last event.
        """
        st = since if since is not None else SessionState()
        for row in self._rows(st.last_seq):
            st.apply(row)
        return st

    def join(self) -> int:
        """A new anonymous participant.

        Returns
        -------
        int
            The participant's id (the next free one).
        """
        while True:
            pid = self.state().next_participant_id
            if self.append([NewEvent("join", participant_id=pid)])[0] is not None:
                return pid

    def add_statements(
        self, statements: Iterable[str] | pl.DataFrame | Inquiry, *, author_id: int | None = None
    ) -> list[int]:
        """Seed accepted statements.

        Parameters
        ----------
        statements : iterable of str, polars.DataFrame or Inquiry
            Texts, a statements table (``text``, optionally ``statement_id``, kept as
            ``source_id``) or an inquiry's statements. Statements moderated out or meta in a
            table are skipped.
        author_id : int, optional
            The participant who wrote them (none: the facilitator).

        Returns
        -------
        list of int
            The new statement ids.
        """
        rows: list[tuple[str, Any]]
        if isinstance(statements, Inquiry):
            statements = statements.statements
        if isinstance(statements, pl.DataFrame):
            table = statements
            if "moderation" in table.columns:
                table = table.filter(pl.col("moderation") != -1)
            if "is_meta" in table.columns:
                table = table.filter(~pl.col("is_meta"))
            if "text" not in table.columns:
                raise ValidationError("statements need a 'text' column", table="statements")
            sids = table.get_column("statement_id").to_list() if "statement_id" in table else None
            texts = table.get_column("text").to_list()
            rows = [
                (t if t is not None else "", None if sids is None else sids[i])
                for i, t in enumerate(texts)
            ]
        else:
            rows = [(str(t), None) for t in statements]
        for i, (text, _) in enumerate(rows, start=1):
            _check_text(text, row=i)
        start = self.state().next_statement_id
        events = [
            NewEvent(
                "statement",
                participant_id=author_id,
                statement_id=start + i,
                text=text.strip(),
                value={"moderation": 1, **({} if src is None else {"source_id": src})},
            )
            for i, (text, src) in enumerate(rows)
        ]
        seqs = self.append(events)
        if any(s is None for s in seqs):  # pragma: no cover - another writer raced us
            raise CoprodError("statement ids clashed with another writer; try again")
        return [start + i for i in range(len(rows))]

    def record_vote(
        self,
        participant_id: int,
        statement_id: int,
        vote: int,
        *,
        key: str | None = None,
        time_ms: int | None = None,
    ) -> int | None:
        """Store one vote.

        Parameters
        ----------
        participant_id : int
            Who votes (must have joined).
        statement_id : int
            An accepted statement.
        vote : int
            1 (agree), -1 (disagree) or 0 (pass).
        key : str, optional
            Idempotency key: a retry with the same key and vote is not stored again.
        time_ms : int, optional
            When (epoch milliseconds; now when omitted).

        Returns
        -------
        int or None
            The vote's ``seq``, or ``None`` when ``key`` was already stored.

        Raises
        ------
        ValidationError
            An unknown participant or statement, a statement not accepted, a vote not in
            {1, -1, 0}, a closed session (or a closed ``statements`` activity), or a ``key``
            already stored with a different vote.

        Notes
        -----
        A participant may vote again on a statement: the latest vote counts and the log
        (``Inquiry.vote_log``) keeps every vote.
        """
        if vote not in (1, -1, 0) or isinstance(vote, bool):
            raise ValidationError(
                f"expected a vote of 1 (agree), -1 (disagree) or 0 (pass); got {vote!r}",
                column="vote",
            )
        st = self.state()
        if key is not None and key in st.keys:
            _same_or_raise(key, st.keys[key], ("vote", participant_id, statement_id, vote, None))
            return None
        if not st.is_open:
            raise ValidationError("the session is closed; reopen it to take votes")
        if not st.statements_open:
            raise ValidationError("the statements activity is closed; open it to take votes")
        if participant_id not in st.participants:
            raise ValidationError(f"unknown participant {participant_id!r}")
        rec = st.statements.get(statement_id)
        if rec is None or rec.moderation != 1 or rec.activity_id is not None:
            raise ValidationError(f"statement {statement_id!r} is not open for votes")
        ev = NewEvent(
            "vote",
            participant_id=participant_id,
            statement_id=statement_id,
            vote=vote,
            key=key,
            time_ms=time_ms,
        )
        return self.append([ev])[0]

    # ------------------------------------------------------------------ activities
    def define_activities(self, definitions: Iterable[dict[str, Any]]) -> list[str]:
        """Put activities (with their items) on the agenda, closed until opened.

        Parameters
        ----------
        definitions : iterable of dict
            ``{"activity_id", "kind", "title", "items"}`` each, e.g. from
            :func:`~coprod_analytics.session.activities.activities_from_folder`; ``"open":
            True`` opens one at once. A ``statements`` activity gates statement votes.

        Returns
        -------
        list of str
            The activity ids.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from coprod_analytics.session.store import SessionStore
        >>> with SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db") as s:
        ...     s.define_activities([{"activity_id": "ratings", "kind": "ratings",
        ...                           "items": [{"item_id": 1, "text": "Buses"}]}])
        ['ratings']
        """
        from coprod_analytics.session.activities import ACTIVITY_KINDS

        events = []
        for d in definitions:
            kind = d.get("kind")
            check_param(
                kind in ACTIVITY_KINDS,
                "kind",
                "define_activities",
                f"one of {ACTIVITY_KINDS}",
                kind,
            )
            items = list(d.get("items") or [])
            ids = [str(it.get("item_id")) for it in items]
            if len(set(ids)) != len(ids):
                raise ValidationError(
                    f"activity {d.get('activity_id')!r} lists an item id twice", column="item_id"
                )
            payload = {
                "action": "define",
                "activity_id": str(d.get("activity_id") or kind),
                "kind": kind,
                "title": d.get("title") or str(kind).capitalize(),
                "items": items,
            }
            if d.get("open"):
                payload["open"] = True
            if d.get("settings"):
                payload["settings"] = dict(d["settings"])
            events.append(NewEvent("activity", value=payload))
        self.append(events)
        return [str(e.value["activity_id"]) for e in events if e.value is not None]

    def _agenda(self, activity_id: str, action: str, **more: Any) -> None:
        act = self.state().activities.get(activity_id)
        if act is None:
            known = list(self.state().activities)
            raise ValidationError(f"no activity {activity_id!r}; the agenda has {known}")
        self.append(
            [NewEvent("activity", value={"action": action, "activity_id": activity_id, **more})]
        )

    def open_activity(self, activity_id: str) -> None:
        """Open an activity: participants may answer its items (and change their answers).

        Parameters
        ----------
        activity_id : str
            An activity on the agenda.
        """
        self._agenda(activity_id, "open")

    def close_activity(self, activity_id: str) -> None:
        """Close an activity: its answers stand, no more are taken.

        Parameters
        ----------
        activity_id : str
            An activity on the agenda.
        """
        self._agenda(activity_id, "close")

    def next_round(self, activity_id: str) -> int:
        """Start the next Delphi round (``questions``) or panel wave (``panel``), open.

        Answers of the earlier round stay as they are; participants who answered a question
        in the earlier round now see that round's anonymous distribution.

        Parameters
        ----------
        activity_id : str
            An activity on the agenda.

        Returns
        -------
        int
            The new round (wave) number.
        """
        act = self.state().activities.get(activity_id)
        rnd = (act.round if act is not None else 0) + 1
        self._agenda(activity_id, "round", round=rnd)
        return rnd

    def record_answer(
        self,
        participant_id: int,
        activity_id: str,
        item_id: Any,
        answer: dict[str, Any],
        *,
        key: str | None = None,
        time_ms: int | None = None,
    ) -> int | None:
        """Store one answer to an item of an open activity (the latest answer counts).

        Parameters
        ----------
        participant_id : int
            Who answers (must have joined).
        activity_id : str
            An open activity (not ``statements``: votes go through :meth:`record_vote`).
        item_id : int or str
            The item answered.
        answer : dict
            The answer's fields (see :mod:`coprod_analytics.session.activities`).
        key : str, optional
            Idempotency key: a retry with the same key and answer is not stored again.
        time_ms : int, optional
            When (epoch milliseconds; now when omitted).

        Returns
        -------
        int or None
            The answer's ``seq``, or ``None`` when ``key`` was already stored.

        Raises
        ------
        ValidationError
            A closed session or activity, an unknown participant, activity or item, or an
            answer that does not fit the item (naming the field).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from coprod_analytics.session.store import SessionStore
        >>> s = SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db")
        >>> _ = s.define_activities([{"activity_id": "ratings", "kind": "ratings", "open": True,
        ...     "items": [{"item_id": 1, "text": "Buses", "scale_min": 1, "scale_max": 7}]}])
        >>> p = s.join()
        >>> _ = s.record_answer(p, "ratings", 1, {"rating": 3})
        >>> _ = s.record_answer(p, "ratings", 1, {"rating": 6})  # changed: the latest counts
        >>> s.to_inquiry().tables["ratings"]["rating"].to_list()
        [6.0]
        >>> s.close()
        """
        from coprod_analytics.session.activities import check_answer, slot_round

        st = self.state()
        if key is not None and key in st.keys:
            stored_as = _mapping_as_stored(st, activity_id, item_id, answer)
            _same_answer_or_raise(key, st.keys[key], participant_id, activity_id, *stored_as)
            return None
        if not st.is_open:
            raise ValidationError("the session is closed; reopen it to take answers")
        if participant_id not in st.participants:
            raise ValidationError(f"unknown participant {participant_id!r}")
        act = st.activities.get(activity_id)
        if act is None or act.kind == "statements":
            raise ValidationError(
                f"no activity {activity_id!r} takes answers", column="activity_id"
            )
        if not act.is_open:
            raise ValidationError(f"the activity {activity_id!r} is closed", column="activity_id")
        item, fields = check_answer(act, item_id, answer)
        if act.kind == "mapping":
            from coprod_analytics.session.mapping_activity import check_support

            check_support(act, participant_id, fields)
        if (act.kind == "open_question" and "text" in fields) or "idea" in fields:
            return self._tagged_text(participant_id, act, item, fields, key, time_ms, st)
        ev = NewEvent(
            "answer",
            participant_id=participant_id,
            value={
                "activity_id": activity_id,
                "item_id": item["item_id"],
                "round": slot_round(act, item),
                "answer": fields,
            },
            key=key,
            time_ms=time_ms,
        )
        return self.append([ev])[0]

    def _tagged_text(
        self,
        pid: int,
        act: Any,
        item: dict[str, Any],
        fields: dict[str, Any],
        key: str | None,
        time_ms: int | None,
        st: SessionState,
    ) -> int | None:
        """An open answer or an idea: a statement event tagged with its activity."""
        value: dict[str, Any] = {
            "moderation": 0 if st.settings.get("moderate_submissions", True) else 1,
            "activity_id": act.activity_id,
        }
        if act.kind == "open_question":
            value["item_id"] = item["item_id"]
        ev = NewEvent(
            "statement",
            participant_id=pid,
            statement_id=st.next_statement_id,
            text=str(fields.get("text") or fields.get("idea")),
            value=value,
            key=key,
            time_ms=time_ms,
        )
        return self.append([ev])[0]

    def moderate_place(self, activity_id: str, place_id: str, *, accept: bool) -> None:
        """Approve (shown to other participants) or reject (hidden, left out of ``places``)
        the text of a mapped place; the place itself stays.

        Parameters
        ----------
        activity_id : str
            The mapping activity.
        place_id : str
            The place (``"<participant_id>-<id>"``, as in the ``places`` table).
        accept : bool
            True to approve, False to reject.

        Raises
        ------
        ValidationError
            No such mapping activity or place.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from coprod_analytics.session.store import SessionStore
        >>> s = SessionStore(pathlib.Path(tempfile.mkdtemp()) / "s.db")
        >>> _ = s.define_activities([{"activity_id": "mapping", "kind": "mapping", "open": True,
        ...     "items": [], "settings": {"system": "areas", "areas": ["North"],
        ...     "categories": {"need": ["lighting"]}}}])
        >>> p = s.join()
        >>> _ = s.record_answer(p, "mapping", "place", {"place_id": "a", "kind": "need",
        ...     "category": "lighting", "area": "North", "text": "Dark lane"})
        >>> s.moderate_place("mapping", f"{p}-a", accept=True)
        >>> s.state().activities["mapping"].places[f"{p}-a"]["moderation"]
        1
        >>> s.close()
        """
        act = self.state().activities.get(activity_id)
        if act is None or act.kind != "mapping":
            raise ValidationError(f"no mapping activity {activity_id!r}", column="activity_id")
        if place_id not in act.places:
            raise ValidationError(f"no place {place_id!r} in {activity_id!r}", column="place_id")
        value = {
            "action": "moderate_place",
            "activity_id": activity_id,
            "place_id": place_id,
            "decision": 1 if accept else -1,
        }
        self.append([NewEvent("activity", value=value)])

    def submit_statement(
        self, participant_id: int | None, text: str, *, key: str | None = None
    ) -> int | None:
        """A statement submitted by a participant.

        It waits for moderation when the session's ``moderate_submissions`` setting is on.

        Parameters
        ----------
        participant_id : int or None
            The author.
        text : str
            The statement (at most ``MAX_STATEMENT_CHARS`` characters).
        key : str, optional
            Idempotency key (a key already stored with another text raises
            ValidationError).

        Returns
        -------
        int or None
            The new statement's id, or ``None`` for a retried ``key``.
        """
        _check_text(text)
        st = self.state()
        if key is not None and key in st.keys:
            _same_or_raise(key, st.keys[key], ("statement", participant_id, None, None, text))
            return None
        moderation = 0 if st.settings.get("moderate_submissions", True) else 1
        sid = st.next_statement_id
        ev = NewEvent(
            "statement",
            participant_id=participant_id,
            statement_id=sid,
            text=text.strip(),
            value={"moderation": moderation},
            key=key,
        )
        return sid if self.append([ev])[0] is not None else None

    def moderate(self, statement_id: int, *, accept: bool) -> None:
        """Accept (shown to participants) or reject (hidden, excluded from analysis).

        Parameters
        ----------
        statement_id : int
            A statement of the session.
        accept : bool
            True to accept, False to reject.
        """
        if statement_id not in self.state().statements:
            raise ValidationError(f"unknown statement {statement_id!r}")
        self.append(
            [
                NewEvent(
                    "moderation", statement_id=statement_id, value={"decision": 1 if accept else -1}
                )
            ]
        )

    def set_setting(self, name: str, value: Any) -> None:
        """Change a session setting.

        Parameters
        ----------
        name : str
            ``"allow_submissions"`` or ``"moderate_submissions"``.
        value : any
            The new value (JSON-serialisable; both settings are booleans).
        """
        from coprod_analytics.session.state import DEFAULT_SETTINGS

        check_param(
            name in DEFAULT_SETTINGS,
            "name",
            "set_setting",
            f"one of {list(DEFAULT_SETTINGS)}",
            name,
        )
        self.append([NewEvent("setting", value={"name": name, "value": value})])

    def close_session(self) -> None:
        """Stop taking votes and statements (the data stay; :meth:`reopen_session` resumes)."""
        self.append([NewEvent("close")])

    def reopen_session(self) -> None:
        """Take votes again after :meth:`close_session`."""
        self.append([NewEvent("open")])

    # ------------------------------------------------------------------ reading
    def events(self, *, since: int = 0) -> pl.DataFrame:
        """The log as a table.

        Parameters
        ----------
        since : int, default 0
            Only events with ``seq > since``.

        Returns
        -------
        polars.DataFrame
            One row per event (columns as in the ``events`` table).
        """
        return _events_frame(self._rows(since))

    def export_polis(self, path: str | os.PathLike[str]) -> Path:
        """Write the session as a Pol.is export folder (readable by :func:`load_inquiry`).

        Parameters
        ----------
        path : path
            The folder to write.

        Returns
        -------
        Path
            The folder.
        """
        from coprod_analytics.io.polis import write_polis

        return write_polis(self.to_inquiry(), path)

    def export_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write the session as an inquiry Parquet folder.

        Parameters
        ----------
        path : path
            The folder to write.

        Returns
        -------
        Path
            The folder.
        """
        from coprod_analytics.io.parquet import write_parquet

        return write_parquet(self.to_inquiry(), path)


def _mapping_as_stored(
    st: SessionState, activity_id: str, item_id: Any, answer: Any
) -> tuple[Any, Any]:
    """``(item_id, answer)`` of a mapping answer as it is stored (a place under
    ``place:<id>``), so a retried key compares by meaning; other answers as sent."""
    act = st.activities.get(activity_id)
    if act is None or act.kind != "mapping" or not isinstance(answer, dict):
        return item_id, answer
    from coprod_analytics.session.activities import check_answer

    try:
        item, fields = check_answer(act, item_id, answer)
    except ValidationError:
        return item_id, answer
    return item["item_id"], fields


def _same_or_raise(key: str, seen: tuple[Any, ...], wanted: tuple[Any, ...]) -> None:
    """A retried ``key`` must carry the request it was first stored with."""
    kind, pid, sid, vote, text = seen
    if kind == "vote":
        same = (kind, pid, sid, vote) == wanted[:4]
    else:
        same = (kind, pid, (text or "").strip()) == (wanted[0], wanted[1], wanted[4].strip())
    if not same:
        raise ValidationError(
            f"the idempotency key {key!r} was already used for a different request", column="key"
        )


def _same_answer_or_raise(
    key: str, seen: tuple[Any, ...], pid: int, activity_id: str, item_id: Any, answer: Any
) -> None:
    """A retried answer ``key`` must carry the answer it was first stored with."""
    if not same_answer(seen, pid, activity_id, item_id, answer):
        raise ValidationError(
            f"the idempotency key {key!r} was already used for a different request", column="key"
        )


def same_answer(
    seen: tuple[Any, ...], pid: int, activity_id: Any, item_id: Any, answer: Any
) -> bool:
    """Whether a stored event (``SessionState.keys`` entry) is this answer.

    Numbers compare by value (``4`` and ``4.0`` are one answer).

    Parameters
    ----------
    seen : tuple
        ``(kind, participant_id, statement_id, vote, value_json)`` of the stored event.
    pid : int
        The participant.
    activity_id, item_id : any
        What the answer is to.
    answer : dict
        The answer's fields as sent.

    Returns
    -------
    bool
        True when it is the same participant, activity, item and fields.

    Examples
    --------
    >>> seen = ("answer", 3, None, None, '{"activity_id": "r", "item_id": 1, "answer": {"rating": 4.0}}')
    >>> same_answer(seen, 3, "r", 1, {"rating": 4}), same_answer(seen, 3, "r", 1, {"rating": 5})
    (True, False)
    """
    kind, spid, _sid, _vote, value = seen
    if kind != "answer" or spid != pid or not value:
        return False
    stored = json.loads(value)
    return (
        str(stored.get("activity_id")) == str(activity_id)
        and str(stored.get("item_id")) == str(item_id)
        and isinstance(answer, dict)
        and _norm(stored.get("answer") or {}) == _norm(answer)
    )


def _norm(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _norm(v) for k, v in value.items()}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def _check_text(text: Any, *, row: int | None = None) -> None:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("a statement needs some text", row=row, column="text")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(
            f"statement text is not valid Unicode (a lone surrogate at character {exc.start})",
            row=row,
            column="text",
        ) from exc
    if not has_visible_text(text):
        raise ValidationError(
            "a statement needs at least one visible character (it has only spaces or "
            "invisible characters such as zero-width spaces)",
            row=row,
            column="text",
        )
    if len(text) > MAX_STATEMENT_CHARS:
        raise ValidationError(
            f"statement text is {len(text)} characters long; at most {MAX_STATEMENT_CHARS} "
            "are allowed",
            row=row,
            column="text",
        )
