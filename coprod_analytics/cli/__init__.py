"""The ``coprod`` command line.

Each subcommand lives in its own module and exposes ``add_parser(subparsers)``, which
registers an ``argparse`` sub-parser whose default ``func`` is ``run(args) -> int``. Errors
the package raises on purpose (:class:`CoprodError`) are printed as one line on stderr with
exit code 2, never as a traceback.

The core's own commands are listed in :data:`COMMAND_MODULES`. Commands of the layers above
the core (widgets, apps: ``report``, ``serve``, ...) register through the
``coprod.commands`` entry-point group, so the core never imports UI or web code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from coprod_analytics.errors import CoprodError

#: Subcommand modules of the core, in the order ``coprod --help`` lists them.
COMMAND_MODULES: list[str] = [
    "info",
    "summary",
    "demo",
    "simulate",
    "groups",
    "rank",
    "budget",
    "session",
]

#: Entry-point group for commands of other layers (name = command, value = module); an
#: entry point overrides a core command of the same name.
ENTRY_POINT_GROUP = "coprod.commands"


def _commands() -> dict[str, str]:
    commands = {name: f"coprod_analytics.cli.{name}" for name in COMMAND_MODULES}
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        commands[ep.name] = ep.value
    return commands


def _missing_extra(sub: Any, name: str, exc: ImportError) -> None:
    """A command whose layer is not installed still shows up and says how to get it."""
    p = sub.add_parser(name, help=f"(needs the optional package {exc.name})")

    def run(args: argparse.Namespace) -> int:
        raise CoprodError(
            f"'coprod {name}' needs the package {exc.name!r}, which is not installed; "
            "install the extras with: pip install 'coprod-analytics[widgets]'"
        )

    p.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coprod",
        description=(
            "Deliberation and wisdom-of-crowds analytics: opinion groups, consensus, crowd "
            "estimates, agreement, rankings and participatory budgeting."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in _commands().items():
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            if module_name.startswith("coprod_analytics.") or exc.name is None:
                raise
            _missing_extra(sub, name, exc)
            continue
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
