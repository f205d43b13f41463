"""``coprod groups``: Pol.is-compatible opinion groups of an agree/disagree/pass inquiry.

PATH is anything ``coprod info`` reads: a Pol.is export folder, an inquiry Parquet folder,
a long/wide votes file, or a votes dataset (a folder or glob of Parquet files with the long
votes columns). A votes file or dataset holds no moderation: ``--statements PATH`` (a Pol.is
export or inquiry folder, or a statements table) gives its statements. Without ``--json`` a readable summary is printed (the verdict,
groups, their sizes, top representative and consensus statements with their texts); with
``--json`` one JSON object with ``k``, ``verdict`` (``supported_k``, ``structure``: separate,
continuum or none, ``text``: how many groups the votes support and how distinct they are),
``participants`` (``id``, ``group`` (null when not clustered), ``x``, ``y``,
``confidence``), ``statements`` (``id``, ``group_aware_consensus``, ``bridging``, the honest
tags ``consensus_clear``, ``divisive_clear``, ``too_few_votes``, ...) and ``groups``.
Groups are numbered 0, 1, ... in the JSON and named A, B, ... in the summary (0 is A, the
largest group; ties go to the group with more agree votes).

With ``--n-resamples N`` the statements and group votes get bootstrap intervals at level
``1 - alpha`` (``--alpha``, default 0.05); with ``--stability`` the summary adds how
reproducible the split is under resampling and each person's membership confidence.
Progress bars go to stderr (``--no-progress`` hides them).

With ``--engine dask`` the groups are computed on a Dask cluster (``pip install
'coprod-analytics[dask]'``), a Parquet votes dataset read piece by piece, never whole; ``--scheduler ADDRESS`` uses a running
cluster, otherwise a local one sized to the machine is started. Bridging scores are
fitted on the cluster too (``--no-bridging`` skips them). Batch mode only; no intervals,
stability or verdict yet.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from coprod_analytics.cli import plain_text
from coprod_analytics.errors import ParameterError, ValidationError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``groups`` on the ``coprod`` sub-parsers.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``groups`` parser.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="coprod")
    >>> p = add_parser(parser.add_subparsers())
    >>> p.parse_args(["votes.csv", "--n-resamples", "200"]).n_resamples
    200
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "groups",
        help="opinion groups, consensus and divisive statements (Pol.is-compatible)",
        description=plain_text(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", metavar="PATH", help="Pol.is export folder or votes file")
    parser.add_argument(
        "--mode",
        choices=("batch", "replay"),
        default="batch",
        help="batch: recompute from scratch; replay: replay the vote log through Pol.is's "
        "update rules (default: batch)",
    )
    parser.add_argument(
        "--as-of", dest="as_of", default=None, help="only votes up to this time (ISO 8601 or ms)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--cadence", default="500", help="replay: votes per update or a window like 1h (500)"
    )
    parser.add_argument("--no-bridging", action="store_true", help="skip bridging scores")
    parser.add_argument(
        "--n-resamples",
        dest="n_resamples",
        type=int,
        default=0,
        help="bootstrap resamples for intervals (default 0: none)",
    )
    parser.add_argument(
        "--alpha", type=float, default=0.05, help="interval level 1 - alpha (default 0.05)"
    )
    parser.add_argument(
        "--stability", action="store_true", help="resampling stability and confidence"
    )
    parser.add_argument(
        "--engine", choices=("local", "dask"), default="local", help="where to compute (local)"
    )
    parser.add_argument("--scheduler", default=None, help="--engine dask: a scheduler address")
    parser.add_argument(
        "--statements",
        default=None,
        metavar="PATH",
        help="the statements (moderation, meta) of a votes file or dataset: a Pol.is "
        "export or inquiry folder, or a statements table (.csv, .parquet)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run ``coprod groups``: print a summary (or JSON).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options (see :func:`add_parser`).

    Returns
    -------
    int
        The exit code (0).

    Examples
    --------
    >>> from coprod_analytics.cli import main
    >>> main(["groups", "/nonexistent/folder"])  # errors are one line on stderr
    2
    """
    from coprod_analytics.consensus.groups import opinion_groups
    from coprod_analytics.io.load import load_inquiry

    if args.engine == "dask":
        from coprod_analytics.consensus.dask_engine import groups_cli_result

        return _print(groups_cli_result(args), args)
    inquiry = load_inquiry(args.path)
    if getattr(args, "statements", None) is not None:
        inquiry = _with_statements(inquiry, args.statements)
    if inquiry.votes.height == 0:
        raise ValidationError("no votes to analyse", file=args.path)
    cadence: Any = args.cadence
    if isinstance(cadence, str) and cadence.strip().isdigit():
        cadence = int(cadence)
    res = opinion_groups(
        inquiry,
        mode=args.mode,
        as_of=args.as_of,
        seed=args.seed,
        cadence=cadence,
        bridging=not args.no_bridging,
        n_resamples=args.n_resamples,
        alpha=args.alpha,
        stability=args.stability,
        progress=not args.no_progress,
    )
    return _print(res, args)


def _with_statements(inquiry: Any, path: str) -> Any:
    """The votes of a votes-only input with the statements ``--statements`` names."""
    from coprod_analytics.inquiry import Inquiry
    from coprod_analytics.io.load import load_statements

    if inquiry.metadata.get("source_format") not in ("long-votes", "wide-votes", "votes-dataset"):
        raise ParameterError(
            "The '--statements' parameter of coprod groups is for a votes file or dataset "
            "(this input carries its own statements)."
        )
    return Inquiry(
        inquiry.vote_log,
        load_statements(path),
        inquiry.participants,
        metadata=inquiry.metadata,
        tables=inquiry.tables,
    )


def _print(res: Any, args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(res.to_json_dict(), ensure_ascii=False))
    else:
        print(res.summary())
    return 0
