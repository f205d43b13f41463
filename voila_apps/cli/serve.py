"""``coprod serve SESSION``: run a live session (participant page + facilitator dashboard) on a
SQLite file or a PostgreSQL database, in one process or several (``--workers N``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from coprod_analytics.cli.info import path_or_url
from coprod_analytics.errors import check_param


def add_parser(sub: Any) -> None:
    """Register ``coprod serve`` on an ``argparse`` sub-parsers object.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``coprod`` sub-parsers.
    """
    p = sub.add_parser(
        "serve",
        help="run a live session: participant page for phones + facilitator dashboard",
        description=(
            "Run a live session on SESSION: a SQLite file (created when missing) or a PostgreSQL "
            "database given as postgresql://USER@HOST:PORT/DB (an empty database gets a new "
            "session); restarting on the same database continues the session. Prints the "
            "participant address (with a QR code) and the facilitator dashboard address with "
            "its secret token, each on its own line."
        ),
    )
    p.add_argument(
        "db",
        type=path_or_url,
        metavar="SESSION",
        help="the session database: a .db file or a postgresql:// URL",
    )
    p.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="PATH",
        help="seed statements and activities from an inquiry folder or any supported input "
        "(Pol.is export, CSV with a 'text' column, .txt with one statement per line, a "
        "pabulib .pb): every item table of an inquiry folder (evidence_items, rating_items, "
        "questions, panel_items, population, budget_projects, pairwise_items or pairwise.json, "
        "ranking_items, open_questions, map.geojson / map_plan.json with map_categories) "
        "becomes an activity; used only while the session has none",
    )
    p.add_argument(
        "--open-activities",
        action="store_true",
        help="open every activity at once (a rehearsal or load test); by default the "
        "facilitator opens each ('coprod session activity SESSION.db open ID')",
    )
    p.add_argument("--host", default="127.0.0.1", help="participant interface (127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="participant port (8765; 0 = any)")
    p.add_argument("--join-code", default=None, help="participants must enter this code")
    p.add_argument(
        "--dashboard-port", type=int, default=None, help="facilitator dashboard port (any free)"
    )
    p.add_argument("--no-dashboard", action="store_true", help="participant server only")
    p.add_argument("--no-qr", action="store_true", help="do not print a QR code")
    p.add_argument(
        "--trusted-proxy",
        dest="trusted_proxies",
        action="append",
        default=[],
        metavar="CIDR",
        help="a reverse proxy (address or range, e.g. 127.0.0.1 or 10.0.0.0/8) whose "
        "X-Forwarded-For and X-Forwarded-Proto headers are believed for rate limits and "
        "logged addresses; repeat for several (see the guide's 'Behind a proxy' page)",
    )
    p.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="the address phones use when the server sits behind a reverse proxy (e.g. "
        "https://vote.example.org/, the root of that address): the printed participant "
        "address and its QR code use it, and the facilitator gets the SSH tunnel to the "
        "dashboard on that host",
    )
    p.add_argument(
        "--lang",
        default=None,
        metavar="LANG",
        help="the participant page's language when a phone has not chosen one: en, es, fr, "
        "pl, zh_Hant, ar or cy (default: each phone's own languages)",
    )
    p.add_argument(
        "--priority-interval",
        type=float,
        default=10.0,
        help="seconds between Pol.is priority updates (10; 0 = fewest votes first)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="participant server processes sharing the port (1). More than one needs a "
        "PostgreSQL database; a worker that stops is started again",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``coprod serve`` until Ctrl+C or SIGTERM.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod serve`` arguments.

    Returns
    -------
    int
        The exit status (0; 1 when Voila stopped by itself).
    """
    from coprod_analytics.errors import CoprodError
    from coprod_analytics.session.open import is_session_url
    from coprod_apps.live.config import ServerConfig
    from coprod_apps.live.handlers import parse_networks
    from coprod_apps.live.rules import normalize_join_code
    from coprod_apps.live.serve import (
        ServeInfo,
        print_addresses,
        run_loop,
        seed_session,
        serve,
        tune_gc,
    )

    check_param(0 <= args.port <= 65535, "port", "coprod serve", "in [0, 65535]", args.port)
    check_param(1 <= args.workers <= 64, "workers", "coprod serve", "in [1, 64]", args.workers)
    if args.workers > 1 and not is_session_url(args.db):
        raise CoprodError(
            f"--workers {args.workers} needs a PostgreSQL session database (postgresql://...); "
            f"{args.db} is a SQLite file, which takes one server process (its single write "
            "lock would make several wait on each other): leave out --workers, or serve the "
            "session from PostgreSQL (see the guide's PostgreSQL page)"
        )
    check_param(
        args.priority_interval >= 0,
        "priority_interval",
        "coprod serve",
        "a number >= 0",
        args.priority_interval,
    )
    join_code = normalize_join_code(
        args.join_code, func="coprod serve"
    )  # strip; refuse an empty code
    parse_networks(args.trusted_proxies)  # a bad range is refused before anything starts
    public_url = None
    if args.public_url is not None:
        from coprod_apps.live.config import check_public_url

        public_url = check_public_url(args.public_url)
    lang = None
    if args.lang is not None:
        from coprod_apps.live.i18n import LANGUAGES, negotiate

        lang = negotiate(args.lang, default="")
        check_param(bool(lang), "lang", "coprod serve", "one of " + ", ".join(LANGUAGES), args.lang)
    print(seed_session(args.db, args.source, open_activities=args.open_activities), flush=True)
    config = ServerConfig(
        priority_interval=args.priority_interval,
        trusted_proxies=tuple(args.trusted_proxies),
        lang=lang,
        public_url=public_url,
    )

    def ready(info: ServeInfo) -> None:
        print_addresses(info, qr=not args.no_qr)
        tune_gc()  # once serving: what was allocated while starting is frozen out of the GC

    run_loop(  # uvloop when installed
        serve(
            args.db,
            host=args.host,
            port=args.port,
            join_code=join_code,
            dashboard=not args.no_dashboard,
            dashboard_port=args.dashboard_port,
            config=config,
            on_ready=ready,
            workers=args.workers,
        )
    )
    shown = args.db
    if is_session_url(shown):
        from coprod_analytics.session.pg_store import redact_url

        shown = redact_url(shown)
    print("Stopped; every acknowledged vote is in", shown, flush=True)
    return 0
