"""A load generator for the participant API: many simulated phones answering at once.

Each simulated participant joins, answers every item of every open activity (population
questions, panel poll, evidence, ratings, questions; ``GET /api/activities``, ``POST
/api/answer``), and votes on the statements (``GET /api/next``, ``POST /api/vote``),
"thinking" for a random moment before each answer; with probability ``change`` it changes
the answer it just gave (a new request with a new key: the latest counts). The priority
activities are answered as a phone does: one budget ballot within the ballot rules the
listing gives (``projects`` for approval and ordinal ballots, ``points`` for cumulative and
scoring ones), every pair of a pairwise activity in the order the server offers them (the
listing's ``pair``, then each reply's; one answer in ten "I can't decide"; a participant in
ten also sends an ``idea``), one ranking of the top ``k``, and a text per open question.
When an answer is refused because the session or activity closed (403), the participant
looks at the agenda again instead of answering its stale list. When a request
fails on a connection error, a timeout or a 5xx it retries with the SAME idempotency key, so
an answer the server stored before a crash is never counted twice. Loopback only: this tool
refuses any other host.

The client is a minimal HTTP/1.1 keep-alive client on asyncio streams (one connection per
participant), light enough that 200 participants and the server share two cores.

The phones live in :mod:`coprod_apps.live.loadtest_phone` (the HTTP client, one
participant's visit, the shared tally) and what they answer in
:mod:`coprod_apps.live.loadtest_answers`; this module runs them and reports
(:func:`run_load`, :class:`LoadResult`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import random
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from coprod_analytics.errors import CoprodError, check_param
from coprod_apps.live.loadtest_answers import _ballot as _ballot
from coprod_apps.live.loadtest_answers import _make_answer as _make_answer
from coprod_apps.live.loadtest_phone import _call as _call
from coprod_apps.live.loadtest_phone import _Conn as _Conn
from coprod_apps.live.loadtest_phone import _participant, _Stats

__all__ = ["LoadResult", "check_loopback", "check_reachable", "run_load"]

MAX_PARTICIPANTS = 2000
MAX_DURATION_S = 900.0


def check_loopback(url: str) -> tuple[str, int]:
    """Host and port of ``url``; refuses anything but this machine.

    Parameters
    ----------
    url : str
        A participant address (``http://`` on a loopback host).

    Returns
    -------
    (str, int)
        The host (``localhost`` as ``127.0.0.1``) and port.

    Raises
    ------
    CoprodError
        Not ``http://``, or a host other than ``127.0.0.0/8``, ``::1`` or ``localhost``.

    Examples
    --------
    >>> check_loopback("http://127.0.0.1:8765/")
    ('127.0.0.1', 8765)
    >>> check_loopback("http://example.org/")
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.CoprodError: loadtest only targets this machine ...
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise CoprodError(
            f"expected a participant address like http://127.0.0.1:8765/; got {url!r}"
        )
    host = parts.hostname
    from coprod_apps.launcher import is_loopback

    if not is_loopback(host):
        raise CoprodError(
            f"loadtest only targets this machine (127.0.0.1, ::1 or localhost); got host {host!r}"
        )
    return ("127.0.0.1" if host == "localhost" else host), parts.port or 80


@dataclass
class LoadResult:
    """What a load run saw.

    Attributes
    ----------
    acknowledged : int
        Distinct votes and answers the server confirmed (``ok``), changed ones included,
        duplicates of a retry counted once.
    errors : int
        Requests that ended in an error (4xx other than rate limiting, or gave up).
    p50_ms : float
        Median acceptance latency of votes and answers: from the first attempt to the
        acknowledgement, retries included. NaN when nothing was acknowledged (``null`` in
        :meth:`to_dict`).
    p95_ms : float
        95th percentile of the acceptance latency (NaN when nothing was acknowledged).
    participants : int
        Simulated participants.
    duration_s : float
        Seconds the run took.
    requests : int
        Requests sent.
    retries : int
        Of which retries.
    rate_limited : int
        Answers that said "wait" (429).
    finished : int
        Participants who voted on every statement and answered every item of the open
        activities.
    votes : list of tuple
        ``(participant_id, statement_id, vote, key)`` of every acknowledged vote.
    latencies_ms : list of float
        Acceptance latency of each acknowledged vote and answer.
    acked_at_s : list of float
        When each of those was acknowledged, in seconds from the start of the run (the
        same order: the latency of one phase, e.g. after a worker was killed).
    error_messages : dict of str to int
        How often each error was seen.
    by_kind : dict of str to int
        Distinct LATEST answers acknowledged, in rows of the inquiry table they feed (the
        unit of ``coprod info --json`` ``"tables"``): ``votes``, ``estimates``,
        ``probabilities``, ``choices``, ``predictions`` (one row per option), ``ratings``,
        ``evidence``, ``panel``, ``participants`` (population answers: one per participant
        and attribute), ``budget_votes`` (one row per voter and project of the latest
        ballot, not one per ballot), ``pairwise`` (one row per participant and pair, the
        latest answer), ``rankings`` (one row per item of the latest ranking),
        ``free_text`` (every open answer sent: a changed answer is one more row),
        ``places`` (one row per participant and place id, the latest), ``support`` (one row
        per participant and need supported), ``appraisals`` (one per participant, need and
        round).
    answers : list of tuple
        ``(participant_id, activity_id, item_id, round, answer, key)`` of every acknowledged
        answer, as the session stores it (a ballot under ``item_id`` ``"ballot"``, a pair
        under its key ``"a|b"`` with ``winner`` None for "I can't decide").
    texts : list of tuple
        ``(participant_id, activity_id, item_id, text, key)`` of every acknowledged open
        answer and idea (``item_id`` ``"idea"``); the session keeps them as statements
        waiting for moderation.
    ideas : int
        Ideas acknowledged (they join no table until a facilitator accepts them).

    Examples
    --------
    >>> r = LoadResult(10, 0, 3.0, 9.0, 2, 5.0, 24, 0, 0, 2, by_kind={"votes": 10})
    >>> r.to_dict()["acknowledged"], r.to_dict()["by_kind"]
    (10, {'votes': 10})
    """

    acknowledged: int
    errors: int
    p50_ms: float
    p95_ms: float
    participants: int
    duration_s: float
    requests: int
    retries: int
    rate_limited: int
    finished: int
    votes: list[tuple[int, int, int, str]] = field(default_factory=list, repr=False)
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    acked_at_s: list[float] = field(default_factory=list, repr=False)
    error_messages: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    answers: list[tuple[int, str, Any, int, dict[str, Any], str]] = field(
        default_factory=list, repr=False
    )
    texts: list[tuple[int, str, Any, str, str]] = field(default_factory=list, repr=False)
    ideas: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``coprod loadtest --json`` prints.

        Returns
        -------
        dict
            The counts and latencies (not the individual votes and answers); a latency that
            was never measured is None, so the dict is valid JSON (no NaN).

        Examples
        --------
        >>> none = LoadResult(0, 3, float("nan"), float("nan"), 2, 1.0, 6, 4, 0, 0)
        >>> none.to_dict()["p50_ms"], none.to_dict()["p95_ms"]
        (None, None)
        """
        return {
            "acknowledged": self.acknowledged,
            "by_kind": dict(self.by_kind),
            "errors": self.errors,
            "p50_ms": _ms(self.p50_ms),
            "p95_ms": _ms(self.p95_ms),
            "participants": self.participants,
            "duration_s": round(self.duration_s, 2),
            "requests": self.requests,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "finished_all_statements": self.finished,
            "ideas": self.ideas,
            "error_messages": self.error_messages,
        }


def _ms(value: float) -> float | None:
    """Milliseconds rounded for the report; None when not measured (NaN is not JSON)."""
    return round(value, 2) if math.isfinite(value) else None


async def check_reachable(url: str, *, timeout: float = 5.0) -> None:
    """Refuse to start a load against an address where nothing answers.

    One TCP connection is opened (retried for up to ``min(timeout, 1)`` seconds, for a
    server that is just starting) and closed.

    Parameters
    ----------
    url : str
        The participant address (loopback only, see :func:`check_loopback`).
    timeout : float, default 5
        Seconds before one connection attempt counts as failed.

    Raises
    ------
    CoprodError
        Nothing listens there (connection refused, timed out): the message names the
        address and asks whether ``coprod serve`` runs.

    Examples
    --------
    >>> import asyncio, socket
    >>> with socket.socket() as s:  # a port nobody listens on once it is closed
    ...     s.bind(("127.0.0.1", 0))
    ...     url = f"http://127.0.0.1:{s.getsockname()[1]}/"
    >>> asyncio.run(check_reachable(url, timeout=0.2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.CoprodError: cannot reach http://127.0.0.1:...: connection refused; is 'coprod serve' running there?
    """
    host, port = check_loopback(url)
    until = time.monotonic() + min(timeout, 1.0)
    while True:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, TimeoutError) as exc:
            if time.monotonic() < until:
                await asyncio.sleep(0.1)
                continue
            reason = (
                "no answer within the timeout"
                if isinstance(exc, TimeoutError)
                else "connection refused"
                if isinstance(exc, ConnectionRefusedError)
                else (exc.strerror or str(exc)).lower()
            )
            raise CoprodError(
                f"cannot reach {url}: {reason}; is 'coprod serve' running there?"
            ) from None
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return


async def _tick(duration: float, *, enabled: bool) -> None:
    """A progress bar of the seconds of voting (stderr), until cancelled or over."""
    if not enabled:
        return
    from coprod_analytics.progress import progress

    seconds = progress(range(math.ceil(duration)), enabled=True, desc="Simulated voting", unit="s")
    try:
        for _ in seconds:
            await asyncio.sleep(1.0)
    finally:
        close = getattr(seconds, "close", None)
        if close is not None:
            close()


async def _freeze_survivors(every: float = 2.0) -> None:
    """Keep the cycle collector's pauses out of the measured latencies, until cancelled.

    The generator keeps every acknowledged answer (to check what was stored), so its heap
    grows all run long and each full collection walks all of it (~100 ms at 1,000
    participants: every request in flight looks that much slower). Every ``every`` seconds
    what survived so far is frozen (:func:`gc.freeze`) and young collections run less
    often; :func:`run_load` unfreezes at the end.
    """
    while True:
        gc.freeze()
        await asyncio.sleep(every)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


async def run_load(
    url: str,
    *,
    participants: int = 50,
    duration: float = 10.0,
    think: tuple[float, float] = (0.5, 1.5),
    seed: int = 0,
    timeout: float = 5.0,
    grace: float = 30.0,
    join_code: str | None = None,
    progress: bool = True,
    change: float = 0.1,
    linger: bool = False,
    ramp: float = 0.0,
) -> LoadResult:
    """Simulate ``participants`` phones answering for ``duration`` seconds against ``url``.

    Parameters
    ----------
    url : str
        The participant address (loopback only).
    participants : int
        Simulated participants, joining at once or over ``ramp`` seconds (at most 2000).
    duration : float
        Seconds of voting (at most 900); votes in flight are retried for up to ``grace``
        more seconds so none is left unconfirmed.
    think : (float, float)
        Each participant waits a uniform random time in this range (seconds) before a vote.
    seed : int
        Random seed of the votes and think times.
    timeout : float
        Seconds before a request counts as failed (and is retried with the same key).
    grace : float, default 30
        Seconds past ``duration`` a vote in flight is still retried.
    join_code : str, optional
        The session's join code, when it has one.
    progress : bool, default True
        Show a progress bar of the seconds of voting on stderr.
    change : float, default 0.1
        The chance that a participant changes an answer or vote just given (one more
        request, a new key: the latest counts).
    linger : bool, default False
        Participants who answered everything keep waiting for the facilitator to open more
        (``coprod demo``) instead of finishing.
    ramp : float, default 0
        Seconds over which the participants arrive, evenly spaced (0: all join at once);
        in ``[0, duration)``.

    Returns
    -------
    LoadResult
        What the run saw; it ends when ``duration`` is over or when every participant
        has voted on every statement and answered every open activity, whichever comes
        first.

    Raises
    ------
    CoprodError
        A host other than this machine, or nothing listening at ``url``
        (:func:`check_reachable`).

    Examples
    --------
    >>> import asyncio
    >>> asyncio.run(run_load("http://example.org/", duration=1))
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.CoprodError: loadtest only targets this machine ...
    """
    func = "run_load"
    check_param(
        isinstance(participants, int) and 1 <= participants <= MAX_PARTICIPANTS,
        "participants",
        func,
        f"an int in [1, {MAX_PARTICIPANTS}]",
        participants,
    )
    check_param(
        0 < float(duration) <= MAX_DURATION_S,
        "duration",
        func,
        f"in (0, {MAX_DURATION_S:g}]",
        duration,
    )
    check_param(
        len(think) == 2 and 0 <= think[0] <= think[1],
        "think",
        func,
        "(low, high) with 0 <= low <= high",
        think,
    )
    check_param(0 <= change <= 1, "change", func, "in [0, 1]", change)
    check_param(0 <= ramp < float(duration), "ramp", func, "in [0, duration)", ramp)
    host, port = check_loopback(url)
    await check_reachable(url, timeout=timeout)
    stats = _Stats()
    start = time.monotonic()
    deadline = start + float(duration)
    master = random.Random(seed)
    tasks = [
        _participant(
            host,
            port,
            stats,
            deadline=deadline,
            grace=grace,
            think=think,
            rng=random.Random(master.getrandbits(64)),
            timeout=timeout,
            join_code=join_code,
            change=change,
            linger=linger,
            arrive=ramp * i / participants,
        )
        for i in range(participants)
    ]
    ticker = asyncio.ensure_future(_tick(float(duration), enabled=progress))
    thresholds = gc.get_threshold()
    gc.collect()
    gc.set_threshold(max(thresholds[0], 20_000), *thresholds[1:])
    freezer = asyncio.ensure_future(_freeze_survivors())
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in (ticker, freezer):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    keys = {v[3] for v in stats.votes} | {a[5] for a in stats.answers} | {t[4] for t in stats.texts}
    by_kind: dict[str, int] = {}
    for rows in stats.latest.values():
        for table, n in rows:
            by_kind[table] = by_kind.get(table, 0) + n
    return LoadResult(
        acknowledged=len(keys),
        errors=stats.errors,
        p50_ms=_percentile(stats.latencies, 0.5),
        p95_ms=_percentile(stats.latencies, 0.95),
        participants=participants,
        duration_s=time.monotonic() - start,
        requests=stats.requests,
        retries=stats.retries,
        rate_limited=stats.rate_limited,
        finished=stats.finished,
        votes=stats.votes,
        latencies_ms=stats.latencies,
        acked_at_s=[t - start for t in stats.acked_at],
        error_messages=stats.messages,
        by_kind=dict(sorted(by_kind.items())),
        answers=stats.answers,
        texts=stats.texts,
        ideas=stats.ideas,
    )
