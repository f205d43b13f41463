"""The ``coprod`` command line.

Each subcommand lives in its own module of this package and exposes
``add_parser(subparsers)``, which registers an ``argparse`` sub-parser whose default ``func``
is ``run(args) -> int``. Errors the package raises on purpose (:class:`CoprodError`) are
printed as one line on stderr with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from coprod_analytics.errors import CoprodError

#: Subcommand modules, in the order ``coprod --help`` lists them.
COMMAND_MODULES: list[str] = ["info", "summary", "demo", "simulate", "rank", "groups"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coprod",
        description=(
            "Deliberation and wisdom-of-crowds analytics: opinion groups, consensus, crowd "
            "estimates, agreement, rankings and participatory budgeting."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"coprod_analytics.cli.{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CoprodError as exc:
        print(f"coprod {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"coprod {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
