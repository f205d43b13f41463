"""``coprod export PATH -o report.html``: a self-contained static HTML report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    """Register ``coprod export`` on an ``argparse`` sub-parsers object.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``coprod`` sub-parsers.
    """
    p = sub.add_parser(
        "export",
        help="write a self-contained HTML report (opens offline)",
        description=(
            "Write a self-contained HTML report of any supported input: first look, opinion "
            "map, common ground and divisions, group stability, provenance (input "
            "fingerprint, parameters, seed, version) and the data's attribution. Charts are "
            "static plotly figures with plotly.js inlined (no CDN). Groups and breakdowns of "
            "fewer than --min-cell people are suppressed. In a terminal, progress bars of the "
            "resampling are shown on stderr."
        ),
    )
    p.add_argument("path", type=Path, help="input file or folder")
    p.add_argument("-o", "--output", type=Path, required=True, help="HTML file to write")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--min-cell",
        type=int,
        default=5,
        help="suppress groups and breakdowns of fewer people (default 5; 0 shows all)",
    )
    p.add_argument("--title", default=None, help="report title (default: the input's)")
    p.add_argument(
        "--n-resamples",
        type=int,
        default=200,
        help="bootstrap resamples for the intervals of group agree rates and group-aware "
        "consensus (default 200; 0 uses Wilson intervals instead)",
    )
    p.add_argument(
        "--no-stability",
        action="store_true",
        help="skip the resampling check of how sure the split is (faster)",
    )
    p.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bars (by default they are shown on stderr in a terminal)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the report and say where it is.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod export`` arguments.

    Returns
    -------
    int
        The exit status (0).
    """
    from coprod_analytics.errors import ParameterError
    from coprod_widgets.report import write_report

    if args.min_cell < 0:
        raise ParameterError(f"--min-cell must be an int >= 0; got {args.min_cell}")
    if args.n_resamples < 0:
        raise ParameterError(f"--n-resamples must be an int >= 0; got {args.n_resamples}")
    # a published report carries its uncertainty: intervals and stability by default
    show = not args.no_progress and sys.stderr.isatty()
    groups = {
        "n_resamples": args.n_resamples,
        "stability": not args.no_stability,
        "progress": show,
    }
    out = write_report(
        args.output,
        args.path,
        seed=args.seed,
        min_cell=args.min_cell,
        title=args.title,
        options={"opinion_groups": groups},
        progress=show,
    )
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB; opens offline in any browser)")
    return 0
