"""The rules of a live session as the participant server applies them: :class:`SessionRules`.

Everything here works on the in-memory session state and knows nothing of HTTP or threads:
who may join (join code, rate limits checked BEFORE the code is compared), which statement a
participant gets next, what makes a vote or a statement acceptable, and idempotency (a
retried request carrying the same key is answered from the log and never stored twice).
Storing is delegated to a ``write`` coroutine (the server's group-commit writer); once an
event is durable it is folded into the state exactly once, whether the rules stored it or
another process did (the poller's rows go through :meth:`SessionRules.apply_external`).

:class:`SessionRules` is built in three rooms, one responsibility each (import the names
from here): :mod:`~coprod_apps.live.rules_base` (:class:`ApiError`, the state, ids, storing,
idempotency, joining, tokens, rate limits and :func:`normalize_join_code`),
:mod:`~coprod_apps.live.rules_answers` (the activities and their answers) and this module
(the statements: which one a participant gets next, votes, submitted statements).
"""

from __future__ import annotations

from typing import Any

from coprod_analytics.session import MAX_STATEMENT_CHARS, NewEvent, now_ms
from coprod_analytics.session.priority import choose_statement
from coprod_analytics.session.store import has_visible_text
from coprod_apps.live.rules_answers import ActivityRules
from coprod_apps.live.rules_base import (
    _KEY_RE,
    ApiError,
    _encodable,
    normalize_join_code,
)

__all__ = ["ApiError", "SessionRules", "normalize_join_code"]


class SessionRules(ActivityRules):
    """The participant-facing rules of one live session over its in-memory state.

    Parameters
    ----------
    state : SessionState
        The session's state (folded from its event log); updated in place.
    secret : bytes
        The session's token secret.
    session_id : str
        The session's id (part of every token).
    config : ServerConfig
        Join code, rate limits and seed.
    write : coroutine function
        Stores one event durably and returns its sequence number (None: refused as a
        repeat by the log).

    Attributes
    ----------
    priorities : dict of int to float
        Pol.is priority of each statement (empty: fewest votes first); set by the server.
    refresh : callable or None
        Reads what other processes appended now (the server's poll); called when a
        request names something this process has not seen yet: a token of a participant
        who joined through another worker, a key another worker stored.

    Examples
    --------
    >>> import asyncio
    >>> from coprod_analytics.session.state import EventRow, SessionState
    >>> from coprod_apps.live.config import ServerConfig
    >>> state = SessionState()
    >>> seqs = iter(range(1, 100))
    >>> async def write(event):
    ...     return next(seqs)
    >>> rules = SessionRules(state, secret=b"k", session_id="s1", config=ServerConfig(),
    ...                      write=write)
    >>> asyncio.run(rules.join(None))["participant_id"]
    0
    """

    # ------------------------------------------------------------------ statements
    def next_statement(self, pid: int) -> dict[str, Any] | None:
        """The next statement for participant ``pid``.

        Parameters
        ----------
        pid : int
            The participant.

        Returns
        -------
        dict or None
            ``{"id", "text"}``, or None when nothing is left to vote on.
        """
        st = self.state
        votable, open_set = self._open_statements()
        if len(votable) == self._n_voted_open(pid, open_set):  # voted on all of them
            return None
        voted = st.voted.get(pid, ())
        claimed = self._claimed
        candidates = [s for s in votable if s not in voted and (pid, s) not in claimed]
        counts = {s: st.statements[s].n_votes for s in candidates}
        sid = choose_statement(candidates, counts, self.priorities, self._rng)
        if sid is None:
            return None
        return {"id": sid, "text": st.statements[sid].text}

    async def vote(self, pid: int, body: dict[str, Any]) -> dict[str, Any]:
        """Store participant ``pid``'s vote.

        Parameters
        ----------
        pid : int
            The participant.
        body : dict
            ``{"statement_id": int, "vote": 1 | -1 | 0, "key": str}``.

        Returns
        -------
        dict
            ``{"ok", "duplicate", "next"}`` (``duplicate``: this key was already stored).

        Raises
        ------
        ApiError
            400 for a malformed vote, 404 for a statement not open for votes, 403 when the
            session (or its ``statements`` activity) is closed, 409 for a reused key.

        Notes
        -----
        A participant may vote again on a statement (change their vote): the latest counts
        and the log keeps every vote.
        """
        sid = body.get("statement_id")
        vote = body.get("vote")
        key = body.get("key")
        if not isinstance(sid, int) or isinstance(sid, bool):
            raise ApiError(
                400, "bad_request", "'statement_id' must be an integer", field="statement_id"
            )
        if vote not in (1, -1, 0) or isinstance(vote, bool):
            raise ApiError(
                400,
                "bad_vote",
                "'vote' must be 1 (agree), -1 (disagree) or 0 (pass)",
                field="vote",
            )
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            raise ApiError(
                400,
                "bad_key",
                "'key' must be 1 to 64 letters, digits, '-' or '_' (one per vote)",
                field="key",
            )
        full_key = f"v:{pid}:{key}"
        if await self._duplicate(full_key, ("vote", pid, sid, vote)):
            return {"ok": True, "duplicate": True, "next": self.next_statement(pid)}
        st = self.state
        rec = st.statements.get(sid)
        if rec is None or rec.moderation != 1 or rec.is_meta or rec.activity_id is not None:
            raise ApiError(404, "unknown_statement", f"statement {sid} is not open for votes")
        if not st.is_open:
            raise ApiError(403, "closed", "this session is closed")
        if not st.statements_open:
            raise ApiError(403, "activity_closed", "voting on statements is closed for now")
        self._claimed.add((pid, sid))
        event = NewEvent(
            "vote", participant_id=pid, statement_id=sid, vote=vote, key=full_key, time_ms=now_ms()
        )
        try:
            seq = await self._commit(event, full_key)
        finally:
            self._claimed.discard((pid, sid))
        if seq is None:  # the log holds this key: a retry another worker stored?
            self._refresh()
            if await self._duplicate(full_key, ("vote", pid, sid, vote)):
                return {"ok": True, "duplicate": True, "next": self.next_statement(pid)}
            raise ApiError(409, "key_reused", "this request key was already used")
        return {"ok": True, "duplicate": False, "next": self.next_statement(pid)}

    async def submit(self, pid: int, body: dict[str, Any]) -> dict[str, Any]:
        """Store participant ``pid``'s statement (held for moderation unless turned off).

        Parameters
        ----------
        pid : int
            The participant.
        body : dict
            ``{"text": str, "key": str}``.

        Returns
        -------
        dict
            ``{"ok", "duplicate", "statement_id", "status"}``.

        Raises
        ------
        ApiError
            400 for an empty or non-Unicode text or a bad key, 413 for a text over
            ``MAX_STATEMENT_CHARS``, 403 when closed or not taking statements, 429 when
            rate limited.
        """
        text = body.get("text")
        key = body.get("key")
        if not isinstance(text, str) or not has_visible_text(text):
            raise ApiError(400, "bad_text", "'text' must have at least one visible character")
        if len(text) > MAX_STATEMENT_CHARS:
            raise ApiError(
                413,
                "text_too_long",
                f"the statement is {len(text)} characters long; at most {MAX_STATEMENT_CHARS}",
            )
        if not _encodable(text):
            raise ApiError(400, "bad_text", "'text' is not valid Unicode (a lone surrogate)")
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            raise ApiError(400, "bad_key", "'key' must be 1 to 64 letters, digits, '-' or '_'")
        full_key = f"s:{pid}:{key}"
        if await self._duplicate(full_key, ("statement", pid, None, None, text.strip())):
            return {"ok": True, "duplicate": True, "status": "received"}
        st = self.state
        if not st.is_open:
            raise ApiError(403, "closed", "this session is closed")
        if not st.settings.get("allow_submissions", True):
            raise ApiError(403, "submissions_off", "the facilitator is not taking statements now")
        self.check_rate(self.submit_limit, pid)
        moderation = 0 if st.settings.get("moderate_submissions", True) else 1
        sid = await self._store_statement(pid, text.strip(), {"moderation": moderation}, full_key)
        if sid is None:
            return {"ok": True, "duplicate": True, "status": "received"}
        status = "waiting for the facilitator" if moderation == 0 else "accepted"
        return {"ok": True, "duplicate": False, "statement_id": sid, "status": status}
