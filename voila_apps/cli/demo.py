"""``coprod demo``: a live inquiry on the sample data, with simulated participants.

Starts ``coprod serve`` on a fresh session seeded with the sample inquiry (written to a
temporary inquiry folder, so the session is seeded exactly as ``coprod serve --from
data/sample-inquiry`` seeds it: statements, questions at join, the before/after poll,
evidence, ratings and questions), prints the participant and facilitator addresses, and walks
the whole agenda while simulated participants (loopback) answer.

The agenda starts with the statements alone, until every simulated participant has voted on
:data:`MIN_VOTES` of them (opinion groups need people with several votes each: Pol.is waits
for 15 participants with 7 votes), then opens panel wave 1, evidence, ratings, questions round
1, Delphi round 2, the budget ballot, pairwise "which is better?", the ranking, the open
question and panel wave 2, moving on as soon as every simulated participant has answered the
open activity (a pairwise activity: :data:`ENOUGH_PAIRS` pairs, or every pair), or when the
step's share of ``--minutes`` is over. A newcomer
watches the facilitator view move; open the participant address on this machine to take part.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: ``(step, activity)``: the demo agenda, in order (steps whose activity is missing skipped)
DEMO_AGENDA = (
    ("open", "panel"),
    ("open", "evidence"),
    ("open", "ratings"),
    ("open", "questions"),
    ("next-round", "questions"),
    ("open", "budget"),
    ("open", "pairwise"),
    ("open", "ranking"),
    ("open", "open_question"),
    ("next-round", "panel"),
)

#: Pairs a participant answers before the demo counts a pairwise activity as answered (or
#: every pair of a smaller pool).
ENOUGH_PAIRS = 8

#: Statements each simulated participant votes on before the agenda opens its first activity.
MIN_VOTES = 10

#: Seconds a simulated participant thinks before each answer (uniform in this range).
THINK = (1.5, 3.5)

#: Votes a simulated participant casts between two looks at the agenda (``coprod loadtest``'s
#: batch), so a newly opened activity waits for them.
VOTE_BATCH = 5

#: Share of ``--minutes`` the agenda may take (the rest lets the last step be answered).
AGENDA_SHARE = 0.9

#: Seconds between two looks at the session while waiting for the room.
POLL_S = 0.5


def agenda_steps(activities: Any) -> list[tuple[str, str]]:
    """The demo agenda's steps for the activities a session has.

    Parameters
    ----------
    activities : collection of str
        The session's activity ids.

    Returns
    -------
    list of (str, str)
        ``(step, activity_id)`` in order.

    Examples
    --------
    >>> agenda_steps(["statements", "evidence", "questions"])
    [('open', 'evidence'), ('open', 'questions'), ('next-round', 'questions')]
    """
    return [(step, aid) for step, aid in DEMO_AGENDA if aid in activities]


def step_weights(
    activities: Any, steps: list[tuple[str, str]], *, min_votes: int = MIN_VOTES
) -> list[float]:
    """How much of the agenda's time each phase may take: the statements first, then each step.

    A phase's weight is the number of answers it asks of a participant: ``min_votes`` and the
    questions at join, plus two, for the statements phase; for a step, the items of the
    activity opened (in a next round, the items asked again; one for a budget ballot or a
    ranking, :func:`pairs_needed` for a pairwise activity) plus the :data:`VOTE_BATCH`
    votes a participant may be casting when it opens, plus one.

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.
    steps : list of (str, str)
        :func:`agenda_steps`.
    min_votes : int, default :data:`MIN_VOTES`
        Votes per participant before the first step.

    Returns
    -------
    list of float
        One weight for the statements phase, then one per step.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> acts = {"evidence": ActivityRecord("evidence", "evidence", "E", [{"item_id": 1}] * 8),
    ...         "questions": ActivityRecord("questions", "questions", "Q",
    ...             [{"item_id": 1, "type": "estimate"}, {"item_id": 2, "type": "choice"}])}
    >>> step_weights(acts, agenda_steps(acts), min_votes=10)
    [12.0, 14.0, 8.0, 7.0]
    """
    join = sum(len(a.items) for a in activities.values() if a.kind == "population")
    weights = [float(min_votes + join + 2)]
    for step, aid in steps:
        act = activities[aid]
        if act.kind in ("budget", "ranking"):
            asked = 1
        elif act.kind == "pairwise":
            asked = pairs_needed(act)
        else:
            asked = sum(
                1
                for it in act.items
                if step == "open" or act.kind == "panel" or it.get("type", "estimate") == "estimate"
            )
        weights.append(float(asked + VOTE_BATCH + 1))
    return weights


def pairs_needed(activity: Any) -> int:
    """Pairs of a pairwise activity a participant answers before the demo moves on.

    Parameters
    ----------
    activity : ActivityRecord
        A pairwise activity.

    Returns
    -------
    int
        :data:`ENOUGH_PAIRS`, or every pair of a smaller pool.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> pool = [{"item_id": i, "text": str(i)} for i in range(4)]
    >>> pairs_needed(ActivityRecord("pairwise", "pairwise", "P", pool))
    6
    """
    n = len(activity.pool())
    return min(ENOUGH_PAIRS, n * (n - 1) // 2)


def voters_with(state: Any, min_votes: int) -> int:
    """How many participants have voted on at least ``min_votes`` statements.

    Parameters
    ----------
    state : SessionState
        The session's state.
    min_votes : int
        Votes needed.

    Returns
    -------
    int

    Examples
    --------
    >>> from coprod_analytics.session.state import SessionState
    >>> st = SessionState()
    >>> st.apply((1, "vote", "k1", 7, 0, 1, None, None, 0))
    >>> st.apply((2, "vote", "k2", 7, 1, -1, None, None, 0))
    >>> voters_with(st, 2), voters_with(st, 3)
    (1, 0)
    """
    return sum(len(voted) >= min_votes for voted in state.voted.values())


def answered_all(state: Any, activity_id: str) -> int:
    """How many participants have answered every item of the activity in its current round.

    A budget ballot or a ranking counts once given; a pairwise activity once
    :func:`pairs_needed` pairs have an answer; an open question once each of its questions
    has a text (waiting for moderation or accepted).

    Parameters
    ----------
    state : SessionState
        The session's state.
    activity_id : str
        The activity.

    Returns
    -------
    int

    Examples
    --------
    >>> from coprod_analytics.session.state import SessionState
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> st = SessionState()
    >>> st.activities["ratings"] = ActivityRecord("ratings", "ratings", "R", [{"item_id": 1}])
    >>> st.answers[7] = {("ratings", "1", 0): (1, 0, {"rating": 4.0}, 0)}
    >>> answered_all(st, "ratings")
    1
    """
    from coprod_analytics.session.activities import slot_round

    act = state.activities.get(activity_id)
    if act is None or not act.items:
        return 0
    if act.kind in ("budget", "ranking"):
        return sum((activity_id, "ballot", 0) in slots for slots in state.answers.values())
    if act.kind == "pairwise":
        need = pairs_needed(act)
        return sum(
            sum(1 for (aid, _k, _r) in slots if aid == activity_id) >= need
            for slots in state.answers.values()
        )
    if act.kind == "open_question":
        texts: dict[Any, set[str]] = {}
        for rec in state.statements.values():
            if rec.activity_id == activity_id and rec.author_id is not None:
                texts.setdefault(rec.author_id, set()).add(str(rec.item_id))
        wanted = {str(it["item_id"]) for it in act.items}
        return sum(wanted <= got for got in texts.values())
    needed = {(activity_id, str(it["item_id"]), slot_round(act, it)) for it in act.items}
    return sum(needed <= set(slots) for slots in state.answers.values())


def _everyone_answered(activity_id: str, participants: int) -> Callable[[Any], bool]:
    """Whether ``participants`` people have answered the activity (never, for 0 people)."""

    def done(state: Any) -> bool:
        return participants > 0 and answered_all(state, activity_id) >= participants

    return done


async def _wait_for(
    db: Path, done: Callable[[Any], bool], seconds: float, stop: asyncio.Event
) -> bool:
    """Wait until ``done(state)`` holds or ``seconds`` pass; True when ``stop`` was set."""
    from coprod_analytics.session import SessionStore

    def look() -> bool:
        with SessionStore(db) as store:
            return done(store.state())

    until = time.monotonic() + seconds
    while True:
        left = until - time.monotonic()
        if left <= 0 or await asyncio.to_thread(look):
            return stop.is_set()
        try:
            await asyncio.wait_for(stop.wait(), min(POLL_S, left))
            return True
        except TimeoutError:
            pass


async def run_agenda(
    db: Path,
    minutes: float,
    stop: asyncio.Event,
    *,
    participants: int = 0,
    min_votes: int = MIN_VOTES,
) -> None:
    """Walk the demo agenda on ``db`` in about ``minutes`` (until ``stop``).

    First the statements alone, until ``participants`` people have voted on ``min_votes``
    statements each; then each step of :func:`agenda_steps`, which closes the activity opened
    before (one activity at a time; statements and population questions stay open) and
    waits until ``participants`` people have answered the activity opened. Every phase also
    ends when its share of the time is over (see :func:`step_weights`; the statements may take
    as long as the slowest thinker needs for them, up to half the time), so a stalled room
    never stops the demo. The running server picks each step up from the log.

    Parameters
    ----------
    db : Path
        The session database.
    minutes : float
        The most the whole agenda takes (:data:`AGENDA_SHARE` of it is shared out).
    stop : asyncio.Event
        Set to end early.
    participants : int, default 0
        Simulated participants to wait for (0: move on by time alone).
    min_votes : int, default :data:`MIN_VOTES`
        Votes per participant before the first step.
    """
    from coprod_analytics.session import SessionStore

    with SessionStore(db) as store:
        activities = store.state().activities
    steps = agenda_steps(activities)
    if not steps:
        return
    weights = step_weights(activities, steps, min_votes=min_votes)
    total = minutes * 60 * AGENDA_SHARE
    if participants and min_votes:
        # the statements come first and matter most: up to the time the slowest thinker
        # needs for them (half the agenda's time at most); the steps share the rest
        first = min(weights[0] * THINK[1], total / 2)
        print(
            f"Agenda: statements first, until each participant has voted on {min_votes}",
            flush=True,
        )
        started = time.monotonic()
        if await _wait_for(db, lambda st: voters_with(st, min_votes) >= participants, first, stop):
            return
        total -= time.monotonic() - started
    per_weight = max(total, 0.0) / sum(weights[1:])
    previous: str | None = None
    for (step, aid), weight in zip(steps, weights[1:], strict=True):
        with SessionStore(db) as store:
            if previous is not None and previous != aid:
                store.close_activity(previous)
            if step == "open":
                store.open_activity(aid)
            else:
                store.next_round(aid)
        print(f"Agenda: {aid} {'opened' if step == 'open' else 'in its next round'}", flush=True)
        previous = aid
        if await _wait_for(db, _everyone_answered(aid, participants), weight * per_weight, stop):
            return


def add_parser(sub: Any) -> None:
    """Register ``coprod demo`` on an ``argparse`` sub-parsers object.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``coprod`` sub-parsers.
    """
    p = sub.add_parser(
        "demo",
        help="live demo: the sample inquiry's agenda with simulated participants answering",
        description=(
            "Run a live inquiry on the sample data with simulated participants for a few "
            f"minutes: they vote on statements first (at least {MIN_VOTES} each, so that "
            "opinion groups form), then the agenda (panel poll, evidence, ratings, questions "
            "with a Delphi round 2, the budget ballot, pairwise 'which is better?', the "
            "ranking, the open question, panel wave 2) moves on by itself as soon as everyone "
            "has answered; prints the participant page and the facilitator dashboard addresses. "
            "Stop with Ctrl+C."
        ),
    )
    p.add_argument("--participants", type=int, default=40, help="simulated participants (40)")
    p.add_argument("--minutes", type=float, default=4.0, help="minutes of simulated voting (4)")
    p.add_argument("--port", type=int, default=8765, help="participant port (8765; 0 = any)")
    p.add_argument("--db", type=Path, default=None, help="session database (a temporary one)")
    p.add_argument("--no-dashboard", action="store_true", help="participant server only")
    p.add_argument("--no-qr", action="store_true", help="do not print a QR code")
    p.set_defaults(func=run)


def sample_folder(folder: Path) -> Path:
    """Write the sample inquiry (:func:`~coprod_analytics.simulate.sample_inquiry`) as an
    inquiry folder, the way ``coprod simulate --sample`` writes ``data/sample-inquiry``.

    Parameters
    ----------
    folder : Path
        Where to write it (created).

    Returns
    -------
    Path
        The folder.

    Examples
    --------
    >>> import tempfile
    >>> folder = sample_folder(Path(tempfile.mkdtemp()) / "sample")
    >>> sorted(p.name for p in folder.glob("pa*.csv"))  # doctest: +NORMALIZE_WHITESPACE
    ['pairwise.csv', 'pairwise_items.csv', 'panel.csv', 'panel_items.csv',
     'participants-votes.csv', 'participants.csv']
    """
    from coprod_analytics.cli.simulate import write_inquiry_folder
    from coprod_analytics.simulate import sample_inquiry

    return write_inquiry_folder(sample_inquiry(), folder)


def run(args: argparse.Namespace) -> int:
    """Run the demo until Ctrl+C or SIGTERM.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod demo`` arguments.

    Returns
    -------
    int
        The exit status (0).
    """
    from coprod_apps.live.loadtest import run_load
    from coprod_apps.live.serve import ServeInfo, print_addresses, seed_session, serve

    work = Path(tempfile.mkdtemp(prefix="coprod-live-"))
    db = args.db or work / "demo-session.db"
    print(seed_session(db, sample_folder(work / "sample-inquiry")), flush=True)

    async def main() -> None:
        stop = asyncio.Event()
        ready: asyncio.Future[ServeInfo] = asyncio.get_running_loop().create_future()
        server = asyncio.create_task(
            serve(
                db,
                port=args.port,
                dashboard=not args.no_dashboard,
                on_ready=ready.set_result,
                stop=stop,
            )
        )
        waiting: set[asyncio.Future[Any]] = {server, ready}
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if server in done:
            server.result()  # raises the server's error
            return
        info = ready.result()
        print_addresses(info, qr=not args.no_qr)
        print(
            f"{args.participants} simulated participants now vote for {args.minutes:g} minutes "
            f"(about one answer every {THINK[0]:g}-{THINK[1]:g} s each) while the agenda moves "
            "on; open the dashboard to watch.",
            flush=True,
        )
        load = asyncio.create_task(
            run_load(
                info.participant_url.split("#")[0],
                participants=args.participants,
                duration=args.minutes * 60,
                think=THINK,
                join_code=info.join_code,
                progress=False,
                linger=True,
            )
        )
        agenda_stop = asyncio.Event()
        agenda = asyncio.create_task(
            run_agenda(db, args.minutes, agenda_stop, participants=args.participants)
        )
        running: set[asyncio.Future[Any]] = {server, load}
        done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
        if load in done:
            res = load.result()
            kinds = ", ".join(f"{n} {k}" for k, n in res.by_kind.items())
            print(
                f"Simulation over: {res.acknowledged} answers ({kinds or 'none'}). The session "
                "keeps running; press Ctrl+C to stop.",
                flush=True,
            )
        else:  # stopped (Ctrl+C) while the simulated participants were voting
            load.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await load
        agenda_stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await agenda
        await server

    asyncio.run(main())
    print(f"Stopped. Analyse the session with: coprod summary {db}", flush=True)
    return 0
