"""``coprod loadtest PARTICIPANT_URL``: rehearse a room of N phones against a running session."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any


def add_parser(sub: Any) -> None:
    """Register ``coprod loadtest`` on an ``argparse`` sub-parsers object.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``coprod`` sub-parsers.
    """
    p = sub.add_parser(
        "loadtest",
        help="simulate N participants answering a running 'coprod serve' (this machine only)",
        description=(
            "Simulate participants against a participant address on this machine (loopback "
            "only). Each answers every item of every open activity (population questions, "
            "panel poll, evidence, ratings, questions, a budget ballot within its rules, "
            "every pair of a pairwise activity, a ranking, open questions) and votes on every "
            "statement, changing some answers (--change), and retries failed requests with "
            "the same idempotency key. With --json, prints acknowledged (distinct votes and "
            "answers the server confirmed, changes included), by_kind (distinct LATEST answers "
            "acknowledged, in rows of the inquiry table they feed, as 'coprod info --json' "
            "counts them: votes, estimates, evidence, ..., budget_votes (one row per voter and "
            "project), pairwise (per participant and pair), rankings (per ranked item), "
            "free_text (every open answer sent)), ideas, errors, p50_ms and p95_ms "
            "(acceptance latency). Use a throwaway session: the simulated answers are stored "
            "like real ones."
        ),
    )
    p.add_argument("url", metavar="PARTICIPANT_URL", help="e.g. http://127.0.0.1:8765/")
    p.add_argument("--participants", type=int, default=50, help="simulated participants (50)")
    p.add_argument("--duration", type=float, default=30.0, help="seconds of voting (30)")
    p.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(0.5, 1.5),
        metavar=("MIN", "MAX"),
        help="seconds each participant waits before a vote (0.5 1.5)",
    )
    p.add_argument(
        "--change",
        type=float,
        default=0.1,
        help="chance that a participant changes an answer just given (0.1)",
    )
    p.add_argument(
        "--ramp",
        type=float,
        default=0.0,
        help="seconds over which the participants arrive, evenly (0: all at once)",
    )
    p.add_argument("--join-code", default=None, help="the session's join code")
    p.add_argument("--seed", type=int, default=0, help="random seed (0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (by default one is shown on stderr in a terminal)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the load and print what it saw.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod loadtest`` arguments.

    Returns
    -------
    int
        The exit status: 0 when the server acknowledged votes or answers; 2 when it
        acknowledged none (the report is still printed, with null latencies, and one line
        on stderr says why). Nothing listening at the address is an error (exit 2) before
        any load is sent.
    """
    from coprod_analytics.format import fmt_number
    from coprod_apps.live.loadtest import check_loopback, run_load

    check_loopback(args.url)
    result = asyncio.run(
        run_load(
            args.url,
            participants=args.participants,
            duration=args.duration,
            think=(args.think[0], args.think[1]),
            seed=args.seed,
            join_code=args.join_code,
            change=args.change,
            ramp=args.ramp,
            progress=not args.no_progress and sys.stderr.isatty(),
        )
    )
    d = result.to_dict()
    if args.json:
        print(json.dumps(d, allow_nan=False))
    else:
        print(f"{d['participants']} participants for {d['duration_s']} s against {args.url}")
        print(
            f"  acknowledged        {d['acknowledged']:>8}  (votes and answers, changes included)"
        )
        for kind, n in d["by_kind"].items():
            print(f"    latest {kind:<12} {n:>8}")
        print(f"  errors              {d['errors']:>8}")
        p50, p95 = fmt_number(d["p50_ms"], 4), fmt_number(d["p95_ms"], 4)
        print(
            f"  accept p50 / p95    {p50:>8} / {p95} ms (from the first attempt, retries included)"
        )
        print(f"  requests (retries)  {d['requests']:>8} ({d['retries']})")
        for msg, n in d["error_messages"].items():
            print(f"    {n} x {msg}")
    if d["acknowledged"] == 0:
        if d["error_messages"]:
            common = max(d["error_messages"].items(), key=lambda kv: kv[1])
            why = f"{d['errors']} error(s), most often {common[1]} x {common[0]!r}"
        else:
            why = "the session offered nothing to vote on or answer"
        print(
            f"coprod loadtest: error: the server acknowledged no vote or answer ({why})",
            file=sys.stderr,
        )
        return 2
    return 0
