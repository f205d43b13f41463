"""``coprod demo``: a live session on the sample inquiry, with simulated participants voting.

Starts ``coprod serve`` on a fresh session seeded with the sample inquiry's statements,
prints the participant and facilitator addresses, and lets simulated participants vote over
a few minutes (loopback) so a newcomer watches the facilitator view move. Open the
participant address on this machine to vote alongside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    """Register ``coprod demo`` on an ``argparse`` sub-parsers object.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``coprod`` sub-parsers.
    """
    p = sub.add_parser(
        "demo",
        help="live demo: a session on the sample inquiry with simulated participants voting",
        description=(
            "Run a live session on the sample inquiry with simulated participants voting for a "
            "few minutes; prints the participant page and the facilitator dashboard addresses. "
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
            "(about one vote every 3-8 s each); open the dashboard to watch.",
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
            )
        )
        done, _ = await asyncio.wait({server, load}, return_when=asyncio.FIRST_COMPLETED)
        if load in done:
            print(
                f"Simulation over: {load.result().acknowledged} votes. The session keeps "
                "running; press Ctrl+C to stop.",
                flush=True,
            )
        else:  # stopped (Ctrl+C) while the simulated participants were voting
            load.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await load
        await server

    asyncio.run(main())
    print(f"Stopped. Analyse the session with: coprod summary {db}", flush=True)
    return 0
