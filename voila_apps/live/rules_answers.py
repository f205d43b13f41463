"""The activities of a live session as participants answer them: :class:`ActivityRules`.

What a participant's page lists of the open activities (their items, the participant's own
latest answers, the anonymous distribution of a closed Delphi round, the next pair of a
pairwise activity, a map's base drawing) and the answers themselves: checked against the
item (:func:`~coprod_analytics.session.activities.check_answer`), kept apart by Delphi round
or panel wave, ideas and open answers stored as statements for moderation, and idempotent
by key. Built on :class:`~coprod_apps.live.rules_base.BaseRules`; knows nothing of HTTP or
threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from coprod_analytics.errors import ValidationError
from coprod_analytics.session import NewEvent, now_ms
from coprod_analytics.session.activities import check_answer, slot_round
from coprod_analytics.session.mapping_activity import MAPPING_KINDS
from coprod_analytics.session.priorities import BALLOT, PRIORITY_KINDS
from coprod_analytics.session.store import same_answer
from coprod_apps.live.rules_base import _KEY_RE, ApiError, BaseRules

__all__ = ["ActivityRules"]


class ActivityRules(BaseRules):
    """The activities and answers of one live session's rules, over its in-memory state.

    The participant-facing rules (:class:`~coprod_apps.live.rules.SessionRules`) add the
    statements and votes.

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
    >>> from coprod_apps.live.config import ServerConfig
    >>> rules = ActivityRules(SessionState(), secret=b"k", session_id="s1",
    ...                       config=ServerConfig(), write=None)
    >>> rules.activities(0)["activities"]
    []
    """

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
        st = self.state
        mine = st.answers.get(pid, {})
        acts = []
        for act in st.activities.values():
            if not act.is_open or not st.is_open:
                continue
            if act.kind in PRIORITY_KINDS:
                acts.append(self._priority_listing(pid, act, act.public()))
                continue
            if act.kind in MAPPING_KINDS:
                from coprod_analytics.session.mapping_activity import mapping_listing

                acts.append(mapping_listing(act, act.public(), pid, mine))
                continue
            # the public part is shared by everyone (cached); only the own answers are added
            pub, slots = self._public(act, slot_round)
            aid = act.activity_id
            delphi = act.kind == "questions"
            items = []
            answered = 0
            for item, it, item_id, rnd in slots:
                got = mine.get((aid, item_id, rnd))
                entry = {**it, "mine": None if got is None else got[2]}
                answered += got is not None
                if delphi and rnd >= 2:
                    prev = mine.get((aid, item_id, rnd - 1))
                    if prev is not None:
                        entry["previous"] = {
                            "round": rnd - 1,
                            "mine": prev[2],
                            "distribution": self._distribution(aid, item, rnd - 1),
                        }
                items.append(entry)
            acts.append({**pub, "items": items, "answered": answered})
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

    def _public(
        self, act: Any, slot_round: Any
    ) -> tuple[dict[str, Any], list[tuple[dict[str, Any], dict[str, Any], str, int]]]:
        """An activity's public listing (never to be changed: it is shared) and per item
        ``(item, public item, item id, round)``, kept until an event that may change them."""
        key = (self._state_gen, len(self.state.statements))
        got = self._public_cache.get(act.activity_id)
        if got is None or got[0] != key or got[1] is not act:
            pub = act.public()
            slots = [
                (item, it, str(item["item_id"]), slot_round(act, item))
                for item, it in zip(act.items, pub["items"], strict=True)
            ]
            got = self._public_cache[act.activity_id] = (key, act, pub, slots)
        return got[2], got[3]

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
        mine = self.state.answers.get(pid, {})
        for it in out["items"]:
            it["mine"] = None
        if act.kind in ("budget", "ranking"):
            got = mine.get((act.activity_id, BALLOT, 0))
            out["mine"] = None if got is None else got[2]
            out["answered"] = int(got is not None)
        elif act.kind == "pairwise":
            out["pair"], out["pairs"], out["answered"] = self._pairwise(pid, act, len(out["items"]))
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
        fields = dict(body)
        aid = fields.pop("activity_id", None)
        item_id = fields.pop("item_id", None)
        key = fields.pop("key", None)
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

    def _pairwise(self, pid: int, act: Any, n: int) -> tuple[list[dict[str, Any]] | None, int, int]:
        """``pid``'s next pair of a pairwise activity of ``n`` items (as the page gets it),
        how many pairs there are and how many ``pid`` answered."""
        pair = self.pairs.pair(self.state, act, pid)
        shown = (
            None
            if pair is None
            else [{k: v for k, v in it.items() if k != "statement_id"} for it in pair]
        )
        answered = len(self.state.pairs_answered.get((pid, act.activity_id), ()))
        return shown, n * (n - 1) // 2, answered

    def _pool_size(self, act: Any) -> int:
        """How many items a pairwise activity's pool holds now (kept until an event that
        may change it)."""
        key = (self._state_gen, len(self.state.statements))
        got = self._pool_sizes.get(act.activity_id)
        if got is None or got[0] != key or got[1] is not act:
            got = self._pool_sizes[act.activity_id] = (key, act, len(act.pool()))
        return got[2]

    def _answer_reply(
        self, pid: int, aid: str, item_id: Any, rnd: int, duplicate: bool
    ) -> dict[str, Any]:
        """The answer to an answer: how many items of the activity ``pid`` answered in the
        current round and how many remain (a pairwise activity: the next pair), counted
        from this participant's own answers (never a scan of everyone's)."""
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
        elif act is not None and act.kind in ("budget", "ranking"):
            answered = int((aid, BALLOT, 0) in mine)
            total = 1
        elif act is not None and act.kind == "pairwise":
            pair, total, answered = self._pairwise(pid, act, self._pool_size(act))
            extra = {"pair": pair}
        elif act is not None and act.kind in PRIORITY_KINDS:  # open questions
            listing = self._priority_listing(pid, act, act.public())
            answered = int(listing["answered"])
            total = len(act.items)
        elif act is not None:
            _pub, slots = self._public(act, slot_round)
            total = len(slots)
            answered = sum(1 for _i, _it, iid, r in slots if (aid, iid, r) in mine)
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
