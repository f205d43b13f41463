"""``coprod publish PATH -o DIR``: a self-contained Voila app folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    """Register ``coprod publish`` on an ``argparse`` sub-parsers object.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``coprod`` sub-parsers.
    """
    p = sub.add_parser(
        "publish",
        help="write a self-contained Voila app folder for an input",
        description=(
            "Write a folder with the report notebook, a snapshot of the data (Parquet), "
            "pinned requirements, a wheel of coprod-analytics, the coprod page template, a "
            "voila.json with kernel culling, a run.py and a README; it runs with one "
            "'python run.py' command, offline (the page asks no other host for anything). "
            "Before anything is written, the app's page (every panel) and the static report "
            "are read back and searched for counts below --min-cell; an app that fails this "
            "audit is not written (exit status 2, one line naming the section and finding) "
            "unless --min-cell 0 is asked for."
        ),
    )
    p.add_argument("path", type=Path, help="input file or folder")
    p.add_argument("-o", "--output", type=Path, required=True, help="folder to create")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--min-cell",
        type=int,
        default=5,
        help="suppress breakdowns of fewer people (default 5; 0 publishes everything and "
        "skips the audit)",
    )
    p.add_argument("--no-wheel", action="store_true", help="do not build a coprod wheel")
    p.add_argument("--force", action="store_true", help="replace a non-empty output folder")
    p.add_argument(
        "--keep-ids",
        action="store_true",
        help="publish the original participant ids (default: pseudonyms only)",
    )
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (by default one is shown on stderr in a terminal)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the app folder and say how to run it.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod publish`` arguments.

    Returns
    -------
    int
        The exit status: 0 written, 2 when the published-output audit found a count below
        ``--min-cell`` (one line on stderr naming the section and the finding).
    """
    from coprod_analytics.errors import ParameterError
    from coprod_apps.publish import DisclosureAuditError, publish_app

    if args.min_cell < 0:
        raise ParameterError(f"--min-cell must be an int >= 0; got {args.min_cell}")
    try:
        out = publish_app(
            args.path,
            args.output,
            min_cell=args.min_cell,
            seed=args.seed,
            wheel=not args.no_wheel,
            overwrite=args.force,
            keep_ids=args.keep_ids,
            progress=not args.no_progress and sys.stderr.isatty(),
        )
    except DisclosureAuditError as exc:
        print(f"coprod publish: {exc}", file=sys.stderr)
        return 2
    print(f"wrote the app to {out}; run it with:")
    print(f"  cd {out} && pip install -r requirements.txt && python run.py")
    return 0
