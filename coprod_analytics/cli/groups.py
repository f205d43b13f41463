"""``coprod groups``: Pol.is-compatible opinion groups of an agree/disagree/pass inquiry.

PATH is anything ``coprod info`` reads: a Pol.is export folder, an inquiry Parquet folder or
a long/wide votes file. Without ``--json`` a readable summary is printed (groups, their
sizes, top representative and consensus statements with their texts); with ``--json`` one
JSON object with ``k``, ``participants`` (``id``, ``group`` (null when not clustered),
``x``, ``y``, ``confidence``), ``statements`` (``id``, ``group_aware_consensus``,
``bridging``, ...) and ``groups``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from coprod_analytics.cli import plain_text
from coprod_analytics.errors import ValidationError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``groups`` on the ``coprod`` sub-parsers."""
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
        "--n-boot", type=int, default=0, help="bootstrap resamples for intervals (default 0)"
    )
    parser.add_argument(
        "--stability", action="store_true", help="resampling stability and confidence"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run ``coprod groups``; prints a summary (or JSON) and returns the exit code."""
    from coprod_analytics.consensus.pipeline import opinion_groups
    from coprod_analytics.io.load import load_inquiry

    inquiry = load_inquiry(args.path)
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
        n_boot=args.n_boot,
        stability=args.stability,
    )
    if args.json:
        print(json.dumps(res.to_json_dict(), ensure_ascii=False))
    else:
        print(res.summary())
    return 0
