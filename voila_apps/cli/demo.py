"""``coprod demo``: a live inquiry on the sample data, with simulated participants.

Starts ``coprod serve`` on a fresh session seeded with the sample inquiry's statements and
activities (evidence, ratings, questions; a panel poll and population questions when the
sample has them), prints the participant and facilitator addresses, and walks the whole
agenda over a few minutes while simulated participants (loopback) answer: panel wave 1,
statements, evidence, ratings, questions round 1, Delphi round 2, panel wave 2. A newcomer
watches the facilitator view move; open the participant address on this machine to take part.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
from pathlib import Path
from typing import Any

#: ``(step, activity)``: the demo agenda, in order (steps whose activity is missing skipped)
DEMO_AGENDA = (
    ("open", "panel"),
    ("open", "evidence"),
    ("open", "ratings"),
    ("open", "questions"),
    ("next-round", "questions"),
    ("next-round", "panel"),
)


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


async def run_agenda(db: Path, minutes: float, stop: asyncio.Event) -> None:
    """Walk the demo agenda on ``db`` at even intervals over ``minutes`` (until ``stop``).

    Each step closes the activity opened before (one activity at a time; statements and
    population questions stay open). The running server picks each step up from the log.

    Parameters
    ----------
    db : Path
        The session database.
    minutes : float
        How long the whole agenda takes.
    stop : asyncio.Event
        Set to end early.
    """
    from coprod_analytics.session import SessionStore

    with SessionStore(db) as store:
        steps = agenda_steps(store.state().activities)
    if not steps:
        return
    gap = minutes * 60 / len(steps)
    previous: str | None = None
    for step, aid in steps:
        with SessionStore(db) as store:
            if previous is not None and previous != aid:
                store.close_activity(previous)
            if step == "open":
                store.open_activity(aid)
            else:
                store.next_round(aid)
        print(f"Agenda: {aid} {'opened' if step == 'open' else 'in its next round'}", flush=True)
        previous = aid
        try:
            await asyncio.wait_for(stop.wait(), gap)
            return
        except TimeoutError:
            pass


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
            "minutes: the agenda (panel poll, statements, evidence, ratings, questions with a "
            "Delphi round 2, panel wave 2) moves on by itself; prints the participant page and "
            "the facilitator dashboard addresses. Stop with Ctrl+C."
        ),
    )
    p.add_argument("--participants", type=int, default=40, help="simulated participants (40)")
    p.add_argument("--minutes", type=float, default=4.0, help="minutes of simulated voting (4)")
    p.add_argument("--port", type=int, default=8765, help="participant port (8765; 0 = any)")
    p.add_argument("--db", type=Path, default=None, help="session database (a temporary one)")
    p.add_argument("--no-dashboard", action="store_true", help="participant server only")
    p.add_argument("--no-qr", action="store_true", help="do not print a QR code")
    p.set_defaults(func=run)


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
    from coprod_analytics.simulate import sample_inquiry
    from coprod_apps.live.loadtest import run_load
    from coprod_apps.live.serve import ServeInfo, print_addresses, seed_session, serve

    db = args.db or Path(tempfile.mkdtemp(prefix="coprod-live-")) / "demo-session.db"
    print(seed_session(db, sample_inquiry()), flush=True)

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
        done, _ = await asyncio.wait({server, ready}, return_when=asyncio.FIRST_COMPLETED)
        if server in done:
            server.result()  # raises the server's error
            return
        info = ready.result()
        print_addresses(info, qr=not args.no_qr)
        print(
            f"{args.participants} simulated participants now vote for {args.minutes:g} minutes "
            "(about one answer every 3-8 s each) while the agenda moves on; open the dashboard "
            "to watch.",
            flush=True,
        )
        load = asyncio.create_task(
            run_load(
                info.participant_url.split("#")[0],
                participants=args.participants,
                duration=args.minutes * 60,
                think=(3.0, 8.0),
                join_code=info.join_code,
                progress=False,
                linger=True,
            )
        )
        agenda_stop = asyncio.Event()
        agenda = asyncio.create_task(run_agenda(db, args.minutes, agenda_stop))
        done, _ = await asyncio.wait({server, load}, return_when=asyncio.FIRST_COMPLETED)
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
