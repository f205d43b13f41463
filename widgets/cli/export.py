"""``coprod export PATH -o report.html``: a self-contained static HTML report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from coprod_widgets.i18n import LANGUAGES


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
            "fewer than --min-cell people are suppressed. Before writing, the report is read "
            "back and searched for counts below --min-cell (tables, text, bar labels and the "
            "data inside every chart); a report that fails this audit is not written (exit "
            "status 2, one line naming the section and what was found) unless --min-cell 0 "
            "is given (a report in another --lang is audited through its English twin, built "
            "from the same input and seed). In a terminal, progress bars of the resampling "
            "are shown on stderr."
        ),
    )
    p.add_argument("path", type=Path, help="input file or folder")
    p.add_argument("-o", "--output", type=Path, required=True, help="HTML file to write")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--min-cell",
        type=int,
        default=5,
        help="suppress groups and breakdowns of fewer people and refuse to write a report "
        "in which a smaller count can be read or worked out (default 5; 0 shows all and "
        "skips the audit)",
    )
    p.add_argument("--title", default=None, help="report title (default: the input's)")
    p.add_argument(
        "--lang",
        default="en",
        help="language of the report's headings, explanations, numbers and dates: "
        + ", ".join(LANGUAGES)
        + " (default en; ar is laid out right to left). The input's own texts are not "
        "translated.",
    )
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
        The exit status: 0 written, 2 when the published-output audit found a count below
        ``--min-cell`` (nothing is written) or ``--lang`` is not a language of the report.

    Raises
    ------
    OutputError
        The report cannot be written (``-o`` is a folder or under a file, the place is
        read-only, the disk is full); the previous report is left as it was.
    """
    from coprod_analytics.errors import ParameterError
    from coprod_analytics.io.atomic import atomic_write_bytes, check_output_file
    from coprod_widgets.report import build_report
    from coprod_widgets.report.audit import audit_report

    if args.min_cell < 0:
        raise ParameterError(f"--min-cell must be an int >= 0; got {args.min_cell}")
    if args.n_resamples < 0:
        raise ParameterError(f"--n-resamples must be an int >= 0; got {args.n_resamples}")
    from coprod_widgets.i18n import check_language

    lang = check_language(args.lang, parameter="--lang")
    # a folder, a path under a file or a read-only place: say so before the long work
    out = check_output_file(args.output, what="report")
    # a published report carries its uncertainty: intervals and stability by default
    show = not args.no_progress and sys.stderr.isatty()
    groups = {
        "n_resamples": args.n_resamples,
        "stability": not args.no_stability,
        "progress": show,
    }
    page = build_report(
        args.path,
        seed=args.seed,
        min_cell=args.min_cell,
        title=args.title,
        options={"opinion_groups": groups},
        progress=show,
        lang=lang,
    )
    if args.min_cell:
        # the audit reads English (its count words, its table headers): a translated report
        # holds the same numbers as the English one built from the same input and seed, so
        # that one is audited
        checked = page
        if lang != "en":
            checked = build_report(
                args.path,
                seed=args.seed,
                min_cell=args.min_cell,
                title=args.title,
                options={"opinion_groups": groups},
                progress=show,
                lang="en",
            )
        audit = audit_report(checked, min_cell=args.min_cell)
        if not audit.passed:
            first = audit.findings[0]
            more = len(audit.findings) - 1
            print(
                f"coprod export: not written: section '{first.section}': {first.what} "
                f"({first.where})"
                + (f"; and {more} more finding(s)" if more else "")
                + f"; a reader could recover a count below {args.min_cell} "
                "(--min-cell 0 publishes everything)",
                file=sys.stderr,
            )
            return 2
    # a temporary file beside it, flushed, then renamed: a full disk or a crash leaves the
    # previous report as it was (OutputError: one line, exit status 2)
    data = page.encode("utf-8")
    atomic_write_bytes(out, data)
    print(f"wrote {out} ({len(data) / 1e6:.1f} MB; opens offline in any browser)")
    return 0
