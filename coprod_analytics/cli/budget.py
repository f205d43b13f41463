"""coprod budget FILE.pb: which projects a participatory-budgeting rule funds.

Runs a rule on a pabulib .pb election: greedy by votes (as most cities count), the Method of
Equal Shares (--rule mes, with a voter utility and a completion) or sequential Phragmén.
Ties are broken by project id and reported.

  --rule greedy     fund projects in decreasing number of votes (points for ordinal and
                    cumulative ballots) while they fit
  --rule mes        Method of Equal Shares: every voter controls an equal share of the
                    budget and pays for the projects they support
  --rule phragmen   sequential Phragmén: voters earn money continuously and buy projects
                    as soon as their supporters can pay together
  --utility         for mes: a funded project is worth its cost (cost) or 1
                    (cardinality) to each of its supporters
  --completion      for mes: spend what Equal Shares leaves (add1, greedy, phragmen)

Examples:

  ``coprod budget poland_zabrze_2021_.pb --rule greedy``
  ``coprod budget poland_lodz_2020_.pb --rule mes --completion add1 --json``

With --json the output is one JSON object: file, rule, utility, completion, selected
(project ids as strings, in the file's id form, in funding order), cost, budget, leftover,
ties (phase, step, tied, chosen, value), share_with_funded and gini_cardinality.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from coprod_analytics.cli import plain_text

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``budget`` sub-command.

    Parameters
    ----------
    subparsers : argparse sub-parsers action
        What ``ArgumentParser.add_subparsers()`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``budget`` parser (its default ``func`` is :func:`run`).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="coprod")
    >>> p = add_parser(parser.add_subparsers())
    >>> parser.parse_args(["budget", "x.pb", "--rule", "mes"]).completion
    'none'
    """
    p: argparse.ArgumentParser = subparsers.add_parser(
        "budget",
        help="fund projects of a pabulib .pb election under a budgeting rule",
        description=plain_text(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE.pb", help="election in pabulib format")
    p.add_argument(
        "--rule",
        choices=("greedy", "mes", "phragmen"),
        default="greedy",
        help="default: greedy",
    )
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
    """Execute ``coprod budget``: print the outcome (or one JSON object).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by the parser of :func:`add_parser`.

    Returns
    -------
    int
        The exit code (0).

    Examples
    --------
    >>> import argparse, tempfile, pathlib
    >>> from coprod_analytics.io.pabulib import pb_election, write_pabulib
    >>> e = pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]], budget=1)
    >>> f = write_pabulib(e, pathlib.Path(tempfile.mkdtemp()) / "e.pb")
    >>> parser = argparse.ArgumentParser(prog="coprod")
    >>> _ = add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["budget", str(f), "--json"])
    >>> args.func(args)  # doctest: +ELLIPSIS
    {"rule": "greedy", "selected": ["a"], "cost": 1, "budget": 1, "leftover": 0, ...}
    0
    """
    from coprod_analytics.io.pabulib import election_from_tables, read_pabulib
    from coprod_analytics.preferences.budgeting import outcome_analysis, run_budget_rule

    inquiry = read_pabulib(args.file)
    election = election_from_tables(inquiry)
    outcome = run_budget_rule(election, args.rule, utility=args.utility, completion=args.completion)
    analysis = outcome_analysis(election, outcome, check_proportionality=False)
    if args.json:
        payload = {
            "rule": outcome.rule,
            "selected": list(outcome.selected),
            "cost": _whole(outcome.cost),
            "budget": _whole(outcome.budget),
            "leftover": _whole(outcome.leftover),
            "parameters": dict(outcome.parameters),
            "ties": outcome.ties_frame().to_dicts(),
            "file": str(args.file),
            "utility": args.utility if args.rule == "mes" else None,
            "completion": args.completion if args.rule == "mes" else None,
            "share_with_funded": analysis.share_with_funded,
            "gini_cardinality": analysis.gini_cardinality,
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(election.summary())
        print(outcome.summary())
        print(analysis.summary())
    return 0


def _whole(x: float) -> int | float:
    """Whole amounts as ints in JSON (``904700``, not ``904700.0``)."""
    return int(x) if float(x).is_integer() else float(x)
