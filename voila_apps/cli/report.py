"""``coprod report PATH``: serve the interactive report of an input with Voila."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    """Register ``coprod report`` on an ``argparse`` sub-parsers object.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``coprod`` sub-parsers.
    """
    p = sub.add_parser(
        "report",
        help="open the interactive report of an input in the browser (Voila)",
        description=(
            "Start Voila on 127.0.0.1 with the report app for PATH (any supported input) and "
            "print its URL. Without --port a free port is picked; a busy --port is an error "
            "(never a silent move). On the loopback interface the page needs no token; with "
            "--host beyond loopback a random token protects it and is part of the printed "
            "URL. Idle kernels are culled after --cull-idle-timeout seconds without an open "
            "page. Stop with Ctrl+C or SIGTERM."
        ),
    )
    p.add_argument("path", type=Path, help="input file or folder")
    p.add_argument("--port", type=int, default=None, help="port (default: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--min-cell",
        type=int,
        default=5,
        help="suppress breakdowns of fewer people (default 5; 0 shows all)",
    )
    p.add_argument(
        "--lang",
        default="en",
        help="language of the report's headings, explanations, numbers and dates: "
        "en, es, fr, pl, zh_Hant, ar, cy (default en; ar is laid out right to left)",
    )
    p.add_argument(
        "--preheat", action="store_true", help="keep a kernel that has already run the report"
    )
    p.add_argument(
        "--cull-idle-timeout",
        type=int,
        default=1800,
        help="seconds before an idle kernel without an open page is shut down (default 1800)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``coprod report`` until Ctrl+C or SIGTERM.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod report`` arguments.

    Returns
    -------
    int
        The exit status (0; 1 when Voila stopped by itself). An unknown ``--lang`` is a
        ``ValidationError`` naming it (exit status 2).
    """
    from coprod_apps.launcher import start_voila
    from coprod_apps.report_app import (
        INPUT_ENV,
        LANG_ENV,
        MIN_CELL_ENV,
        SEED_ENV,
        report_notebook_path,
    )
    from coprod_widgets.i18n import check_language

    lang = check_language(args.lang, parameter="--lang")

    path = args.path.resolve()
    if not path.exists():
        raise FileNotFoundError(f"{args.path}: no such file or folder")
    # fail fast with the loader's message instead of an error page in the browser
    from coprod_analytics.io.load import load_inquiry

    load_inquiry(path)
    env = {
        INPUT_ENV: str(path),
        SEED_ENV: str(args.seed),
        MIN_CELL_ENV: str(args.min_cell),
        LANG_ENV: lang,
    }
    server = start_voila(
        report_notebook_path(),
        env=env,
        port=args.port,
        host=args.host,
        preheat=args.preheat,
        cull_idle_timeout=args.cull_idle_timeout,
    )
    stop = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        print(f"Report of {args.path} at {server.url}", flush=True)
        print("Stop with Ctrl+C.", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(server.url)
        while not stop.is_set():
            if not server.running():
                print(
                    f"coprod report: Voila stopped unexpectedly:\n{server.log()[-1500:]}",
                    file=sys.stderr,
                )
                return 1
            stop.wait(0.5)
    finally:
        server.stop()
        for s, h in previous.items():
            signal.signal(s, h)
    return 0
