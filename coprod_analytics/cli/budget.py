"""``coprod budget FILE.pb``: which projects a participatory-budgeting rule funds.

Examples::

    coprod budget poland_zabrze_2021_.pb --rule greedy
    coprod budget poland_lodz_2020_.pb --rule mes --completion add1 --json

With ``--json`` the output is one JSON object: ``file``, ``rule``, ``utility``,
``completion``, ``selected`` (project ids as strings, in the file's id form, in funding
order), ``cost``, ``budget``, ``leftover``, ``ties``, ``share_with_funded`` and
``gini_cardinality``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``budget`` sub-command."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "budget",
        help="fund projects of a pabulib .pb election under a budgeting rule",
        description=(
            "Run a participatory-budgeting rule on a pabulib .pb file: greedy by votes (as "
            "cities count), the Method of Equal Shares (with completion) or sequential "
            "Phragmén. Ties are broken by project id and reported."
        ),
    )
    p.add_argument("file", metavar="FILE.pb", help="election in pabulib format")
    p.add_argument("--rule", choices=("greedy", "mes", "phragmen"), default="greedy")
    p.add_argument(
        "--utility",
        choices=("cost", "cardinality"),
        default="cost",
        help="voter utility for --rule mes (default: cost)",
    )
    p.add_argument(
        "--completion",
        choices=("none", "add1", "greedy", "phragmen"),
        default="none",
        help="completion of --rule mes (default: none)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Execute ``coprod budget``; returns the exit code."""
    from coprod_analytics.io.pabulib import read_pabulib
    from coprod_analytics.preferences.budgeting import outcome_analysis, run_budget_rule

    election = read_pabulib(args.file)
    outcome = run_budget_rule(election, args.rule, utility=args.utility, completion=args.completion)
    analysis = outcome_analysis(election, outcome, check_proportionality=False)
    if args.json:
        payload = outcome.to_dict()
        payload.update(
            file=str(args.file),
            utility=args.utility if args.rule == "mes" else None,
            completion=args.completion if args.rule == "mes" else None,
            share_with_funded=analysis.share_with_funded,
            gini_cardinality=analysis.gini_cardinality,
        )
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(election.summary())
        print(outcome.summary())
        print(analysis.summary())
    return 0
