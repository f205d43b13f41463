"""The ground the live session's rules stand on: :class:`BaseRules` and :class:`ApiError`.

:class:`BaseRules` holds the in-memory session state and everything the participant-facing
rules share: the ids a worker hands out, storing an event through the ``write`` coroutine
and folding it into the state exactly once (whether these rules stored it or another process
did: :meth:`BaseRules.apply_external`), idempotency keys (a retried request is answered from
the log and never stored twice), who may join (join code, rate limits checked BEFORE the code
is compared: :meth:`BaseRules.join`, :func:`normalize_join_code`) and who a token stands for.
:class:`~coprod_apps.live.rules_answers.ActivityRules` (the activities and their answers) and
:class:`~coprod_apps.live.rules.SessionRules` (statements and votes) build on it. Knows
nothing of HTTP or threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import random
import re
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any

from coprod_analytics.errors import check_param
from coprod_analytics.session import NewEvent, now_ms
from coprod_analytics.session.gate import Refused
from coprod_analytics.session.pairs import PairChooser
from coprod_analytics.session.state import EventRow, SessionState
from coprod_apps.live.config import ServerConfig
from coprod_apps.live.ratelimit import RateLimit
from coprod_apps.live.tokens import make_token, parse_token

__all__ = ["ApiError", "BaseRules", "normalize_join_code"]

_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # used with fullmatch

#: ``write(event)``: store one event durably; its sequence number, or None when the log
#: refused it as a repeat.
Write = Callable[[NewEvent], Awaitable[int | None]]


class ApiError(Exception):
    """A request the rules refuse: answered with ``status`` and ``{"error", "code"}``.

    Parameters
    ----------
    status : int
        HTTP status (4xx).
    code : str
        A stable machine-readable code (``"bad_vote"``, ``"rate_limited"``, ...).
    message : str
        What went wrong, in the participant's words.
    **extra
        More fields of the JSON answer (``retry_after``).

    Examples
    --------
    >>> err = ApiError(403, "closed", "this session is closed")
    >>> err.status, err.code, str(err)
    (403, 'closed', 'this session is closed')
    """

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


class BaseRules:
    """The state, ids, storing, idempotency, joining and rate limits of a live session's rules.

    The participant-facing rules (:class:`~coprod_apps.live.rules.SessionRules`) build on
    it.

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

    Examples
    --------
    >>> from coprod_analytics.session.state import SessionState
    >>> base = BaseRules(SessionState(), secret=b"k", session_id="s1",
    ...                  config=ServerConfig(join_code=" abcd "), write=None)
    >>> base.config.join_code, base.progress(0)["voted"]
    ('abcd', 0)
    """

    def __init__(
        self,
        state: SessionState,
        *,
        secret: bytes,
        session_id: str,
        config: ServerConfig,
        write: Write,
    ) -> None:
        self.state = state
        self.session_id = session_id
        self.config = dataclasses.replace(config, join_code=normalize_join_code(config.join_code))
        self._secret = secret
        self._write = write
        self._next_pid = state.next_participant_id
        self._next_sid = state.next_statement_id
        self.refresh: Callable[[], None] | None = None
        self._poll_seq = state.last_seq
        self._own_seqs: set[int] = set()
        # the votable statements (list, set) until a non-vote event changes them, and per
        # participant how many of them they voted on (kept up to date by _fold)
        self._state_gen = 0
        self._votable_key: tuple[int, int] = (-1, -1)
        self._votable: tuple[list[int], frozenset[int]] = ([], frozenset())
        self._voted_open: dict[int, int] = {}
        # activity id -> (key, activity, public listing, items): see ActivityRules._public
        self._public_cache: dict[str, tuple[Any, ...]] = {}
        # activity id -> (key, activity, pool size): see ActivityRules._pool_size
        self._pool_sizes: dict[str, tuple[Any, Any, int]] = {}
        self._inflight: dict[str, asyncio.Future[int | None]] = {}
        self._claimed: set[tuple[int, int]] = set()
        self._rng = random.Random(self.config.seed)
        self.request_limit = RateLimit(*self.config.request_rate)
        self.submit_limit = RateLimit(*self.config.submit_rate)
        self.join_limit = RateLimit(*self.config.join_rate)
        self.join_fail_limit = RateLimit(*self.config.join_fail_rate)
        self.join_fail_all_limit = RateLimit(*self.config.join_fail_all_rate)
        self.priorities: dict[int, float] = {}
        self._dist_cache: dict[tuple[str, str, int], dict[str, Any]] = {}
        self.pairs = PairChooser()

    # ------------------------------------------------------------------ the state
    def _take_id(self, next_id: int) -> int:
        """The first id >= ``next_id`` of this worker's residue class (``config.id_slot``):
        the workers of one server hand out disjoint ids.

        Examples
        --------
        >>> from coprod_analytics.session.state import SessionState
        >>> rules = BaseRules(SessionState(), secret=b"k", session_id="s",
        ...                   config=ServerConfig(id_slot=(1, 3)), write=None)
        >>> [rules._take_id(n) for n in (0, 1, 2, 5)]
        [1, 1, 4, 7]
        """
        index, count = self.config.id_slot
        return next_id + (index - next_id) % count

    def _refresh(self) -> None:
        if self.refresh is not None:
            self.refresh()

    @property
    def last_seq(self) -> int:
        """The highest sequence number read from the log by :meth:`apply_external`."""
        return self._poll_seq

    def skip_own_events(self) -> int:
        """Step over the events these rules stored right after the last one read.

        They are folded in already (when they were stored): the log need not be read back
        from the database for them (~6% of the loop's time at 1,000 answers a second). The
        step stops at the first event that is not ours.

        Returns
        -------
        int
            The sequence number after which the log is to be read (then
            :meth:`apply_external` the rows read).
        """
        own = self._own_seqs
        seq = self._poll_seq
        while seq + 1 in own:
            seq += 1
            own.discard(seq)
        self._poll_seq = seq
        return seq

    def apply_external(self, rows: Iterable[EventRow]) -> None:
        """Fold event rows read from the log (``seq`` first, in order) into the state.

        Rows of events these rules stored themselves are skipped (already folded in).

        Parameters
        ----------
        rows : iterable of EventRow
            ``(seq, kind, idem_key, participant_id, statement_id, vote, text, value,
            time_ms)`` as in the ``events`` table.
        """
        for row in rows:
            seq = int(row[0])
            self._poll_seq = max(self._poll_seq, seq)
            if seq in self._own_seqs:
                self._own_seqs.discard(seq)
                continue
            self._fold(row)
            kind, pid, sid = row[1], row[3], row[4]
            if kind == "statement" and sid is not None:
                self._next_sid = max(self._next_sid, sid + 1)
            elif kind == "join" and pid is not None:
                self._next_pid = max(self._next_pid, pid + 1)

    async def _commit(self, event: NewEvent, key: str | None = None) -> int | None:
        """Store ``event``; once durable, fold it into the in-memory state."""
        fut = asyncio.ensure_future(self._write(event))
        if key is not None:
            self._inflight[key] = fut
        try:
            seq = await asyncio.shield(fut)
        except Refused as exc:  # the writer saw a close committed before it
            raise ApiError(403, exc.code, exc.message) from None
        finally:
            if key is not None:
                self._inflight.pop(key, None)
        if seq is None:
            return None
        if seq <= self._poll_seq:  # the poller already read and applied it
            return seq
        self._own_seqs.add(seq)
        value = event.value_json  # the writer stored this same encoding
        self._fold(
            (
                seq,
                event.kind,
                event.key,
                event.participant_id,
                event.statement_id,
                event.vote,
                event.text,
                value,
                event.time_ms or now_ms(),
            )
        )
        return seq

    def _fold(self, row: EventRow) -> None:
        """Fold one event into the state, keeping the votable cache and counts true."""
        kind = row[1]
        if kind == "vote":
            pid, sid = row[3], row[4]
            counted = self._voted_open.get(pid) if pid is not None else None
            if counted is not None and sid not in self.state.voted.get(pid, ()):  # type: ignore[arg-type]
                self.state.apply(row)
                if sid in self._votable[1]:
                    self._voted_open[pid] = counted + 1  # type: ignore[index]
                return
        elif kind != "answer" and kind != "join":  # may change what is votable
            self._state_gen += 1
        self.state.apply(row)

    def _open_statements(self) -> tuple[list[int], frozenset[int]]:
        """The votable statements, in order and as a set (recomputed only after an event
        that may change them, or statements added to the state directly)."""
        key = (self._state_gen, len(self.state.statements))
        if key != self._votable_key:
            votable = self.state.votable()
            self._votable = (votable, frozenset(votable))
            self._votable_key = key
            self._voted_open.clear()
        return self._votable

    def _n_voted_open(self, pid: int, votable: frozenset[int]) -> int:
        """How many votable statements participant ``pid`` voted on (counted once)."""
        n = self._voted_open.get(pid)
        if n is None:
            voted = self.state.voted.get(pid)
            n = self._voted_open[pid] = sum(1 for s in voted if s in votable) if voted else 0
        return n

    # ------------------------------------------------------------------ participants
    def participant(self, token: str | None) -> int:
        """The participant id a token stands for.

        Parameters
        ----------
        token : str or None
            The bearer token of the request.

        Returns
        -------
        int
            The participant id.

        Raises
        ------
        ApiError
            401 when the token is missing, forged, from another session or of no one who
            joined.
        """
        pid = parse_token(self._secret, self.session_id, token)
        if pid is not None and pid not in self.state.participants:
            self._refresh()  # a genuine token: joined through another worker, not yet read
        if pid is None or pid not in self.state.participants:
            raise ApiError(401, "bad_token", "missing or invalid participant token; join again")
        return pid

    def check_rate(self, limit: RateLimit, who: Hashable) -> None:
        """Take a token of ``limit`` for ``who``.

        Parameters
        ----------
        limit : RateLimit
            One of the rules' limits.
        who : hashable
            A participant id or client address.

        Raises
        ------
        ApiError
            429 with ``retry_after`` (seconds) when ``who`` must wait.
        """
        wait = limit.allow(who)
        if wait > 0:
            raise ApiError(
                429,
                "rate_limited",
                "too many requests; wait a moment and try again",
                retry_after=round(wait, 2),
            )

    async def join(self, join_code: Any, client: str = "", key: Any = None) -> dict[str, Any]:
        """A new anonymous participant.

        Rate limits (wrong codes per ``client`` address and over the whole server, joins
        over the whole server) are all checked BEFORE the code is compared.

        Parameters
        ----------
        join_code : any
            What the participant sent as the join code.
        client : str, default ""
            The client's address (the key of the per-address limits).
        key : any, optional
            The phone's join key (16 to 64 letters, digits, ``-`` or ``_``, random): a
            retried join with the same key (its answer lost with the connection, or with
            the worker that stored it) is the same participant, not a new one.

        Returns
        -------
        dict
            ``{"token", "participant_id"}``.

        Raises
        ------
        ApiError
            429 when rate limited, 403 for a wrong join code.
        """
        code = self.config.join_code
        if code is not None:  # joins are not limited per address; wrong codes are
            wait = self.join_fail_limit.wait(client)
            if not self.join_fail_limit.is_full(client):  # wrong codes lately: global limit
                wait = max(wait, self.join_fail_all_limit.wait("all"))
            if wait > 0:
                raise ApiError(
                    429,
                    "rate_limited",
                    "too many wrong join codes; wait a moment and try again",
                    retry_after=round(wait, 2),
                )
        self.check_rate(self.join_limit, "join")
        if code is not None and not _code_matches(join_code, code):
            self.join_fail_limit.allow(client)
            self.join_fail_all_limit.allow("all")
            raise ApiError(403, "bad_join_code", "that join code is not right")
        full_key = None if key is None else _join_key(key)
        pid = None if full_key is None else await self._joined_as(full_key)
        for _ in range(100):
            if pid is not None:
                break
            pid = self._take_id(self._next_pid)
            self._next_pid = pid + 1
            event = NewEvent("join", participant_id=pid, key=full_key, time_ms=now_ms())
            if await self._commit(event, full_key) is not None:
                break
            # another writer took this id (the log refuses a second join of one id), or
            # stored this key (a retry that reached another worker)
            pid = None
            if full_key is not None:
                self._refresh()
                pid = await self._joined_as(full_key)
        else:  # pragma: no cover - 100 ids taken by others in a row
            raise ApiError(409, "conflict", "please try again")
        assert pid is not None
        return {"token": make_token(self._secret, self.session_id, pid), "participant_id": pid}

    async def _stored_key(self, full_key: str) -> tuple[Any, ...] | None:
        """What the log holds under this idempotency key, once a write of it in flight here
        has ended; None when nothing."""
        fut = self._inflight.get(full_key)
        if fut is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(fut)
        return self.state.keys.get(full_key)

    async def _joined_as(self, full_key: str) -> int | None:
        """The participant a join key already made (waiting for one in flight), or None."""
        seen = await self._stored_key(full_key)
        if seen is None:
            return None
        if seen[0] != "join" or seen[1] is None:  # pragma: no cover - keys are namespaced
            raise ApiError(409, "key_reused", "this join key was already used")
        return int(seen[1])

    def progress(self, pid: int) -> dict[str, Any]:
        """Where participant ``pid`` stands.

        Parameters
        ----------
        pid : int
            The participant.

        Returns
        -------
        dict
            ``{"voted", "remaining", "open", "allow_submissions"}``.
        """
        st = self.state
        votable, open_set = self._open_statements()
        return {
            "voted": len(st.voted.get(pid, ())),
            "remaining": len(votable) - self._n_voted_open(pid, open_set),
            "open": st.is_open,
            "allow_submissions": bool(st.settings.get("allow_submissions", True)),
        }

    async def _store_statement(
        self, pid: int, text: str, value: dict[str, Any], full_key: str
    ) -> int | None:
        """Store a participant's statement under a new id: the id, or None when the log
        already holds this key with this text (a retry another worker stored).

        An id someone else took meanwhile (a facilitator adding statements) is skipped."""
        for _ in range(100):
            sid = self._take_id(self._next_sid)
            self._next_sid = sid + 1
            event = NewEvent(
                "statement",
                participant_id=pid,
                statement_id=sid,
                text=text,
                value=value,
                key=full_key,
                time_ms=now_ms(),
            )
            if await self._commit(event, full_key) is not None:
                return sid
            self._refresh()  # refused: this key (a retry) or this id is in the log already
            seen = self.state.keys.get(full_key)
            if seen is not None:
                if seen[0] == "statement" and seen[1] == pid and (seen[4] or "") == text:
                    return None
                raise ApiError(
                    409, "key_reused", "this request key was already used for a different request"
                )
        raise ApiError(409, "conflict", "please try again")  # pragma: no cover

    async def _duplicate(self, full_key: str, payload: tuple[Any, ...]) -> bool:
        """True when this idempotency key was already stored with the same payload."""
        seen = await self._stored_key(full_key)
        if seen is None:
            return False
        kind, pid, sid, vote, text = seen
        same = (
            (kind, pid, sid, vote) == payload[:4]
            if kind == "vote"
            else (kind, pid, text) == (payload[0], payload[1], payload[4])
        )
        if not same:
            raise ApiError(
                409, "key_reused", "this request key was already used for a different request"
            )
        return True


_JOIN_KEY_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")  # used with fullmatch


def _join_key(key: Any) -> str:
    """The log's key for a phone's join key; a 400 for one that is not a random key."""
    if not isinstance(key, str) or not _JOIN_KEY_RE.fullmatch(key):
        raise ApiError(
            400,
            "bad_key",
            "'key' must be 16 to 64 letters, digits, '-' or '_' (random, one per phone)",
            field="key",
        )
    return f"j:{key}"


def normalize_join_code(code: str | None, *, func: str = "LiveServer") -> str | None:
    """The configured join code without surrounding spaces.

    Parameters
    ----------
    code : str or None
        The code (``None``: no code is required).
    func : str, default "LiveServer"
        The caller named in the error message.

    Returns
    -------
    str or None
        The stripped code.

    Raises
    ------
    ParameterError
        For an empty or non-Unicode code.

    Examples
    --------
    >>> normalize_join_code("  abcd ")
    'abcd'
    >>> normalize_join_code(None) is None
    True
    """
    if code is None:
        return None
    stripped = code.strip() if isinstance(code, str) else ""
    check_param(
        bool(stripped) and _encodable(stripped),
        "join_code",
        func,
        "a non-empty code (or None for no code)",
        code,
    )
    return stripped


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _code_matches(given: Any, code: str) -> bool:
    if not isinstance(given, str) or not _encodable(given):
        return False
    return hmac.compare_digest(given.strip().upper().encode(), code.upper().encode())
