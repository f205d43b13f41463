"""The rules of a live session as the participant server applies them: :class:`SessionRules`.

Everything here works on the in-memory session state and knows nothing of HTTP or threads:
who may join (join code, rate limits checked BEFORE the code is compared), which statement a
participant gets next, what makes a vote or a statement acceptable, and idempotency (a
retried request carrying the same key is answered from the log and never stored twice).
Storing is delegated to a ``write`` coroutine (the server's group-commit writer); once an
event is durable it is folded into the state exactly once, whether the rules stored it or
another process did (the poller's rows go through :meth:`SessionRules.apply_external`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import json
import random
import re
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any

from coprod_analytics.errors import check_param
from coprod_analytics.session import MAX_STATEMENT_CHARS, NewEvent, now_ms
from coprod_analytics.session.gate import Refused
from coprod_analytics.session.mapping_activity import MAPPING_KINDS
from coprod_analytics.session.pairs import PairChooser
from coprod_analytics.session.priorities import PRIORITY_KINDS
from coprod_analytics.session.priority import choose_statement
from coprod_analytics.session.state import EventRow, SessionState
from coprod_analytics.session.store import has_visible_text
from coprod_apps.live.config import ServerConfig
from coprod_apps.live.ratelimit import RateLimit
from coprod_apps.live.tokens import make_token, parse_token

__all__ = ["ApiError", "SessionRules", "normalize_join_code"]

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


class SessionRules:
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
    >>> state = SessionState()
    >>> seqs = iter(range(1, 100))
    >>> async def write(event):
    ...     return next(seqs)
    >>> rules = SessionRules(state, secret=b"k", session_id="s1", config=ServerConfig(),
    ...                      write=write)
    >>> asyncio.run(rules.join(None))["participant_id"]
    0
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
        >>> rules = SessionRules(SessionState(), secret=b"k", session_id="s",
        ...                      config=ServerConfig(id_slot=(1, 3)), write=None)
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
            self.state.apply(row)
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
        value = None if event.value is None else json.dumps(event.value)
        self.state.apply(
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

    async def join(self, join_code: Any, client: str = "") -> dict[str, Any]:
        """A new anonymous participant.

        Rate limits (wrong codes per ``client`` address and over the whole server, joins
        over the whole server) are all checked BEFORE the code is compared.

        Parameters
        ----------
        join_code : any
            What the participant sent as the join code.
        client : str, default ""
            The client's address (the key of the per-address limits).

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
        for _ in range(100):
            pid = self._take_id(self._next_pid)
            self._next_pid = pid + 1
            seq = await self._commit(NewEvent("join", participant_id=pid, time_ms=now_ms()))
            if seq is not None:
                break
            # another writer took this id (the log refuses a second join of one id)
        else:  # pragma: no cover - 100 ids taken by others in a row
            raise ApiError(409, "conflict", "please try again")
        return {"token": make_token(self._secret, self.session_id, pid), "participant_id": pid}

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
        voted = st.voted.get(pid, set())
        candidates = [s for s in st.votable() if s not in voted and (pid, s) not in self._claimed]
        counts = {s: st.statements[s].n_votes for s in candidates}
        sid = choose_statement(candidates, counts, self.priorities, self._rng)
        if sid is None:
            return None
        return {"id": sid, "text": st.statements[sid].text}

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
        voted = st.voted.get(pid, set())
        votable = st.votable()
        return {
            "voted": len(voted),
            "remaining": sum(1 for s in votable if s not in voted),
            "open": st.is_open,
            "allow_submissions": bool(st.settings.get("allow_submissions", True)),
        }

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

    # ------------------------------------------------------------------ activities
    def activities(self, pid: int) -> dict[str, Any]:
        """The open activities and their items for participant ``pid``.

        Each item carries ``mine`` (this participant's latest answer in the current round,
        or None). Nobody else's answers are ever included, with one exception that keeps
        the crowd independent: in Delphi round 2 (and later) an estimate question the
        participant answered in the previous round carries ``previous``: their own answer
        and the anonymous distribution of that round (``n``, ``median``, ``q1``, ``q3``,
        ``min``, ``max``), which is closed by then.

        The priority kinds add: ``settings`` (a budget ballot's ``vote_type``, ``budget``,
        ``limit``, ``min_length``, ``max_length``, ``max_sum_points``, ``max_points``; a
        ranking's ``k``; whether a pairwise activity takes ``ideas``); ``mine`` on the
        activity for a whole ballot (budget, ranking); ``pair`` (the two items this
        participant is asked about now, or None) and ``pairs`` (how many pairs the pool
        makes) for pairwise; an open question's ``mine`` is the participant's latest text.
        A mapping activity adds ``mine`` (this participant's places), ``needs`` (the needs
        others mapped, their text only once approved, ``supported``) and its base drawing's
        ``settings`` (``system``, ``bounds``, ``areas``, ``categories``; the drawing itself
        from :meth:`map_base`); an appraisal's items are the needs
        (:func:`~coprod_analytics.session.mapping_activity.mapping_listing`).

        Parameters
        ----------
        pid : int
            The participant.

        Returns
        -------
        dict
            ``{"open", "current", "activities": [...], "statements": {"open", "voted",
            "remaining"}}``; ``current`` is the id of the activity opened last (what the
            page shows first), or None.
        """
        from coprod_analytics.session.activities import slot_round

        st = self.state
        mine = st.answers.get(pid, {})
        acts = []
        for act in st.activities.values():
            if not act.is_open or not st.is_open:
                continue
            out = act.public()
            if act.kind in PRIORITY_KINDS:
                acts.append(self._priority_listing(pid, act, out))
                continue
            if act.kind in MAPPING_KINDS:
                from coprod_analytics.session.mapping_activity import mapping_listing

                acts.append(mapping_listing(act, out, pid, mine))
                continue
            items = []
            for item, pub in zip(act.items, out["items"], strict=True):
                rnd = slot_round(act, item)
                got = mine.get((act.activity_id, str(item["item_id"]), rnd))
                pub["mine"] = None if got is None else got[2]
                if act.kind == "questions" and rnd >= 2:
                    prev = mine.get((act.activity_id, str(item["item_id"]), rnd - 1))
                    if prev is not None:
                        pub["previous"] = {
                            "round": rnd - 1,
                            "mine": prev[2],
                            "distribution": self._distribution(act.activity_id, item, rnd - 1),
                        }
                items.append(pub)
            out["items"] = items
            out["answered"] = sum(1 for it in items if it["mine"] is not None)
            acts.append(out)
        cur = st.current_activity() if st.is_open else None
        prog = self.progress(pid)
        return {
            "open": st.is_open,
            "current": None if cur is None else cur.activity_id,
            "activities": acts,
            "statements": {
                "open": st.statements_open and bool(st.statements),
                "voted": prog["voted"],
                "remaining": prog["remaining"],
            },
        }

    def map_base(self, pid: int, activity_id: Any) -> dict[str, Any]:
        """The base drawing of an open mapping activity (fetched once by the page).

        Parameters
        ----------
        pid : int
            The participant (who must have joined).
        activity_id : any
            The mapping activity.

        Returns
        -------
        dict
            ``{"activity_id", "system", "bounds", "base"}``: ``base`` holds the lines and
            polygons (lon/lat) of a map, or a plan's ``width``, ``height`` and ``image`` (a
            data URL); None when the activity only lists areas.

        Raises
        ------
        ApiError
            404 when there is no such open mapping activity.
        """
        act = self.state.activities.get(activity_id) if isinstance(activity_id, str) else None
        if act is None or act.kind != "mapping" or not act.is_open or not self.state.is_open:
            raise ApiError(404, "unknown_activity", f"there is no open map {activity_id!r}")
        rules = act.settings
        return {
            "activity_id": act.activity_id,
            "system": rules.get("system", "areas"),
            "bounds": rules.get("bounds"),
            "base": rules.get("base"),
        }

    def _priority_listing(self, pid: int, act: Any, out: dict[str, Any]) -> dict[str, Any]:
        """A budget, pairwise, ranking or open-question activity as ``pid``'s page gets it."""
        from coprod_analytics.session.priorities import BALLOT

        mine = self.state.answers.get(pid, {})
        for it in out["items"]:
            it["mine"] = None
        if act.kind in ("budget", "ranking"):
            got = mine.get((act.activity_id, BALLOT, 0))
            out["mine"] = None if got is None else got[2]
            out["answered"] = int(got is not None)
        elif act.kind == "pairwise":
            pair = self.pairs.pair(self.state, act, pid)
            strip = ("statement_id",)
            out["pair"] = (
                None
                if pair is None
                else [{k: v for k, v in it.items() if k not in strip} for it in pair]
            )
            n = len(out["items"])
            out["pairs"] = n * (n - 1) // 2
            out["answered"] = sum(1 for (aid, _k, _r) in mine if aid == act.activity_id)
        else:  # open_question: the participant's own texts only
            texts: dict[str, str] = {}
            for rec in self.state.statements.values():
                if rec.author_id == pid and rec.activity_id == act.activity_id:
                    texts[str(rec.item_id)] = rec.text
            for it in out["items"]:
                it["mine"] = texts.get(str(it["item_id"]))
            out["answered"] = sum(1 for it in out["items"] if it["mine"] is not None)
        return out

    def _distribution(self, activity_id: str, item: dict[str, Any], rnd: int) -> dict[str, Any]:
        """The anonymous distribution of one estimate question in a closed round (cached)."""
        ck = (activity_id, str(item["item_id"]), rnd)
        hit = self._dist_cache.get(ck)
        if hit is not None:
            return hit
        values = sorted(
            float(slots[ck][2]["value"])
            for slots in self.state.answers.values()
            if ck in slots and "value" in slots[ck][2]
        )
        out = _summary(values)
        self._dist_cache[ck] = out
        return out

    async def answer(self, pid: int, body: dict[str, Any]) -> dict[str, Any]:
        """Store participant ``pid``'s answer to an item of an open activity.

        A participant may answer again while the activity (or Delphi round, panel wave) is
        open: the latest answer counts, the log keeps every one.

        Parameters
        ----------
        pid : int
            The participant.
        body : dict
            ``{"activity_id", "item_id", "key", ...the answer's fields}`` (fields per
            activity kind in :mod:`coprod_analytics.session.activities`).

        Returns
        -------
        dict
            ``{"ok", "duplicate", "activity_id", "item_id", "round", "answered",
            "remaining"}`` (``answered``/``remaining``: items of the activity this
            participant has answered in the current round / not yet).

        Raises
        ------
        ApiError
            400 ``bad_answer`` naming the ``field`` (also for a bad key), 404 for an unknown
            activity or item, 403 when the session or the activity is closed, 409 for a
            reused key.
        """
        from coprod_analytics.errors import ValidationError
        from coprod_analytics.session.activities import check_answer, slot_round
        from coprod_analytics.session.store import same_answer

        aid = body.get("activity_id")
        item_id = body.get("item_id")
        key = body.get("key")
        fields = {k: v for k, v in body.items() if k not in ("activity_id", "item_id", "key")}
        if not isinstance(aid, str):
            raise ApiError(400, "bad_answer", "'activity_id' must be a string", field="activity_id")
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            raise ApiError(
                400,
                "bad_key",
                "'key' must be 1 to 64 letters, digits, '-' or '_' (one per answer)",
                field="key",
            )
        full_key = f"a:{pid}:{key}"
        fut = self._inflight.get(full_key)
        if fut is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(fut)
        seen = self.state.keys.get(full_key)
        if seen is not None and seen[0] == "statement":  # a retried idea or open answer
            text = fields.get("text", fields.get("idea"))
            if seen[1] != pid or not isinstance(text, str) or (seen[4] or "") != text.strip():
                raise ApiError(
                    409, "key_reused", "this request key was already used for a different request"
                )
            return self._answer_reply(pid, aid, item_id, 0, True)
        if seen is not None:
            if not same_answer(seen, pid, aid, *self._as_stored(aid, item_id, fields)):
                raise ApiError(
                    409, "key_reused", "this request key was already used for a different request"
                )
            stored = json.loads(seen[4] or "{}")
            return self._answer_reply(
                pid, aid, stored.get("item_id"), int(stored.get("round", 0)), True
            )
        st = self.state
        act = st.activities.get(aid)
        if act is None or act.kind == "statements":
            raise ApiError(404, "unknown_activity", f"there is no activity {aid!r} to answer")
        if not st.is_open:
            raise ApiError(403, "closed", "this session is closed")
        if not act.is_open:
            raise ApiError(403, "activity_closed", f"'{act.title}' is closed for now")
        try:
            item, answer = check_answer(act, item_id, fields)
        except ValidationError as exc:
            name = exc.column or "answer"
            if name == "item_id":
                raise ApiError(404, "unknown_item", exc.message, field=name) from exc
            raise ApiError(400, "bad_answer", exc.message, field=name) from exc
        if act.kind == "mapping":
            from coprod_analytics.session.mapping_activity import check_support

            try:
                check_support(act, pid, answer)
            except ValidationError as exc:
                raise ApiError(400, "bad_answer", exc.message, field="place_id") from exc
        if act.kind in ("open_question", "pairwise") and ("text" in answer or "idea" in answer):
            return await self._tagged_text(pid, act, item, answer, full_key)
        if act.kind == "pairwise" and not self.pairs.was_offered(pid, aid, *answer["pair"]):
            raise ApiError(400, "bad_answer", "'pair' was not offered to you; reload", field="pair")
        rnd = slot_round(act, item)
        event = NewEvent(
            "answer",
            participant_id=pid,
            value={"activity_id": aid, "item_id": item["item_id"], "round": rnd, "answer": answer},
            key=full_key,
            time_ms=now_ms(),
        )
        seq = await self._commit(event, full_key)
        if seq is None:  # the log holds this key: a retry another worker stored?
            self._refresh()
            seen = self.state.keys.get(full_key)
            if seen is not None and same_answer(seen, pid, aid, item["item_id"], answer):
                return self._answer_reply(pid, aid, item["item_id"], rnd, True)
            raise ApiError(409, "key_reused", "this request key was already used")
        return self._answer_reply(pid, aid, item["item_id"], rnd, False)

    def _as_stored(self, aid: str, item_id: Any, fields: dict[str, Any]) -> tuple[Any, Any]:
        """``(item_id, fields)`` of a priority answer as it is stored (a ballot or pair is
        compared by what it means, e.g. for a retried key); other answers as sent."""
        from coprod_analytics.errors import ValidationError
        from coprod_analytics.session.activities import check_answer

        act = self.state.activities.get(aid)
        if act is None or act.kind not in (*PRIORITY_KINDS, "mapping"):
            return item_id, fields
        try:
            item, answer = check_answer(act, item_id, fields)
        except ValidationError:
            return item_id, fields
        return item["item_id"], answer

    async def _tagged_text(
        self, pid: int, act: Any, item: dict[str, Any], answer: dict[str, Any], full_key: str
    ) -> dict[str, Any]:
        """An idea (pairwise) or an open answer: a statement event tagged with its activity,
        moderated like a submitted statement."""
        st = self.state
        if "idea" in answer and not st.settings.get("allow_submissions", True):
            raise ApiError(403, "submissions_off", "the facilitator is not taking ideas now")
        self.check_rate(self.submit_limit, pid)
        moderation = 0 if st.settings.get("moderate_submissions", True) else 1
        value: dict[str, Any] = {"moderation": moderation, "activity_id": act.activity_id}
        if act.kind == "open_question":
            value["item_id"] = item["item_id"]
        text = str(answer.get("text", answer.get("idea")))
        if await self._store_statement(pid, text, value, full_key) is None:
            return self._answer_reply(pid, act.activity_id, value.get("item_id"), 0, True)
        out = self._answer_reply(pid, act.activity_id, value.get("item_id"), 0, False)
        out["status"] = "waiting for the facilitator" if moderation == 0 else "accepted"
        return out

    def _answer_reply(
        self, pid: int, aid: str, item_id: Any, rnd: int, duplicate: bool
    ) -> dict[str, Any]:
        from coprod_analytics.session.activities import slot_round

        act = self.state.activities.get(aid)
        mine = self.state.answers.get(pid, {})
        answered = 0
        total = 0
        extra: dict[str, Any] = {}
        if act is not None and act.kind == "mapping":
            answered = sum(1 for p in act.places.values() if p["participant_id"] == pid)
            total = answered
        elif act is not None and act.kind == "appraisal":
            total = len(act.pool())
            answered = sum(1 for it in act.pool() if (aid, str(it["item_id"]), act.round) in mine)
        elif act is not None and act.kind in PRIORITY_KINDS:
            listing = self._priority_listing(pid, act, act.public())
            answered = int(listing["answered"])
            total = int(
                listing.get("pairs", 1 if act.kind in ("budget", "ranking") else len(act.items))
            )
            if act.kind == "pairwise":
                pair = listing.get("pair")
                extra = {"pair": pair}
        elif act is not None:
            total = len(act.items)
            answered = sum(
                1 for it in act.items if (aid, str(it["item_id"]), slot_round(act, it)) in mine
            )
        return {
            "ok": True,
            "duplicate": duplicate,
            "activity_id": aid,
            "item_id": item_id,
            "round": rnd,
            "answered": answered,
            "remaining": max(0, total - answered),
            **extra,
        }

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
        fut = self._inflight.get(full_key)
        if fut is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(fut)
        seen = self.state.keys.get(full_key)
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


def _summary(values: list[float]) -> dict[str, Any]:
    """``n``, ``median``, ``q1``, ``q3``, ``min``, ``max`` of sorted values (None when empty).

    Examples
    --------
    >>> _summary([1.0, 2.0, 3.0, 4.0, 5.0])["median"]
    3.0
    """

    def q(p: float) -> float | None:
        if not values:
            return None
        pos = (len(values) - 1) * p
        lo = int(pos)
        hi = min(lo + 1, len(values) - 1)
        return values[lo] + (values[hi] - values[lo]) * (pos - lo)

    return {
        "n": len(values),
        "median": q(0.5),
        "q1": q(0.25),
        "q3": q(0.75),
        "min": values[0] if values else None,
        "max": values[-1] if values else None,
    }


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
