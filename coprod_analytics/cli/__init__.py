"""The ``coprod`` command line.

:data:`COMMANDS` is the one explicit list of subcommands: name, the module that implements
it, the optional extra it needs and its one-line help. A command module exposes
``add_parser(subparsers)``, which registers an ``argparse`` sub-parser whose default
``func`` is ``run(args) -> int``. Only the module of the command being run is imported, so
``coprod --help`` is quick and the core never imports the layers above it at import time
(the modules of ``report``, ``serve``, ... are named here as strings and imported only when
that command runs).

A command whose extra is not installed exits with status 2 and one line naming the
``pip install "coprod-analytics[...]"`` to run. Errors the package raises on purpose
(:class:`~coprod_analytics.errors.CoprodError`) and errors of the environment (a missing
file, a full disk, a read-only place: :class:`OSError`) are printed as one line on stderr
with exit code 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from coprod_analytics.errors import CoprodError

__all__ = [
    "COMMANDS",
    "EXTRAS",
    "Command",
    "build_parser",
    "main",
    "missing_extra",
    "os_error_text",
    "plain_text",
]


@dataclass(frozen=True)
class Command:
    """One ``coprod`` subcommand.

    Attributes
    ----------
    name : str
        What the user types after ``coprod``.
    module : str
        The module that implements it (``add_parser`` and ``run``).
    extra : str or None
        The optional extra of the distribution it needs (None: the core is enough).
    help : str
        One line for ``coprod --help``.

    Examples
    --------
    >>> spec = next(c for c in COMMANDS if c.name == "info")
    >>> spec.module, spec.extra
    ('coprod_analytics.cli.info', None)
    >>> sorted({c.extra for c in COMMANDS if c.extra})
    ['live', 'widgets']
    """

    name: str
    module: str
    extra: str | None
    help: str


#: Every ``coprod`` subcommand, in the order ``coprod --help`` lists them.
COMMANDS: tuple[Command, ...] = (
    Command(
        "info",
        "coprod_analytics.cli.info",
        None,
        "counts of what an input holds (participants, statements, votes, other tables)",
    ),
    Command(
        "summary",
        "coprod_analytics.cli.summary",
        None,
        "what the room agrees on, rejects and is divided about",
    ),
    Command(
        "groups",
        "coprod_analytics.cli.groups",
        None,
        "opinion groups, representative and consensus statements",
    ),
    Command(
        "rank", "coprod_analytics.cli.rank", None, "Borda, Copeland, Schulze, Kemeny, Bradley–Terry"
    ),
    Command(
        "budget",
        "coprod_analytics.cli.budget",
        None,
        "participatory budgeting: greedy, Method of Equal Shares, Phragmén",
    ),
    Command(
        "simulate",
        "coprod_analytics.cli.simulate",
        None,
        "a synthetic inquiry with planted groups (--sample: the shipped one)",
    ),
    Command(
        "topics",
        "coprod_analytics.cli.topics",
        None,
        "topics and near-duplicates of statements or open answers (offline, seeded)",
    ),
    Command(
        "session",
        "coprod_analytics.cli.session",
        None,
        "a live session's status, close, reopen, allow-statements, export",
    ),
    Command(
        "export",
        "coprod_widgets.cli.export",
        "widgets",
        "a self-contained static HTML report (opens offline)",
    ),
    Command(
        "report",
        "coprod_apps.cli.report",
        "widgets",
        "the interactive report in the browser (Voila)",
    ),
    Command(
        "publish", "coprod_apps.cli.publish", "widgets", "a Voila app folder to put on any server"
    ),
    Command(
        "serve",
        "coprod_apps.cli.serve",
        "live",
        "a live session: participant page and facilitator dashboard",
    ),
    Command(
        "demo",
        "coprod_apps.cli.demo",
        "live",
        "the live demo on the sample inquiry, with simulated participants",
    ),
    Command(
        "loadtest",
        "coprod_apps.cli.loadtest",
        "live",
        "rehearse a room of N phones against a running session (loopback)",
    ),
)

#: The third-party packages each optional extra brings (checked before a command runs).
EXTRAS: dict[str, tuple[str, ...]] = {
    "widgets": ("ipywidgets", "plotly", "voila", "nbformat", "nbclient", "ipykernel"),
    "live": ("ipywidgets", "plotly", "voila", "nbformat", "ipykernel", "tornado", "segno"),
}


def missing_extra(extra: str | None) -> str | None:
    """The first package of ``extra`` that is not installed, or None when all are.

    Parameters
    ----------
    extra : str or None
        A key of :data:`EXTRAS` (``"widgets"``, ``"live"``), or None for the core, which
        needs nothing further.

    Returns
    -------
    str or None
        The import name of the first package of the extra that cannot be found, or None
        when every one is installed.

    Examples
    --------
    >>> missing_extra(None) is None
    True
    >>> EXTRAS["live"][:3]
    ('ipywidgets', 'plotly', 'voila')
    """
    if extra is None:
        return None
    for package in EXTRAS[extra]:
        if importlib.util.find_spec(package) is None:
            return package
    return None


_ROLE = re.compile(r":[a-z]+:`(~?)([^`<]*?)\s*(?:<[^>]*>)?`")
_LITERAL = re.compile(r"``([^`]*)``")


def _role(match: re.Match[str]) -> str:
    tilde, target = match.group(1), match.group(2).strip()
    return target.rsplit(".", 1)[-1] if tilde else target


def plain_text(text: str | None) -> str:
    """ReStructuredText markup removed, for ``--help`` (``:func:`x``` and ````x```` -> x;
    ``:class:`~a.B``` -> B, as Sphinx shows it).

    Parameters
    ----------
    text : str or None
        A docstring or help text.

    Returns
    -------
    str
        The text without roles and literal markup.

    Examples
    --------
    >>> plain_text("Run ``coprod groups`` with :func:`~coprod_analytics.opinion_groups`.")
    'Run coprod groups with opinion_groups.'
    """
    return _LITERAL.sub(r"\1", _ROLE.sub(_role, text or ""))


def _version() -> str:
    from coprod_analytics.provenance import package_version

    return package_version()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``coprod`` argument parser.

    Only the module of ``command`` is imported, which registers its full sub-parser; every
    other command is listed by its one-line help from :data:`COMMANDS`.

    Parameters
    ----------
    command : str, optional
        The subcommand about to run (its options are added). None: every command is listed
        by name and help only, which is enough for ``coprod --help``.

    Returns
    -------
    argparse.ArgumentParser
        The parser of ``coprod``; a parsed subcommand has its ``run`` function as
        ``args.func``.

    Examples
    --------
    >>> parser = build_parser("info")
    >>> args = parser.parse_args(["info", "votes.csv", "--json"])
    >>> args.command, str(args.path), args.json
    ('info', 'votes.csv', True)
    >>> args.func.__module__
    'coprod_analytics.cli.info'
    """
    parser = argparse.ArgumentParser(
        prog="coprod",
        description=(
            "Deliberation and wisdom-of-crowds analytics: opinion groups, consensus, crowd "
            "estimates, agreement, rankings and participatory budgeting, live sessions and "
            "reports."
        ),
    )
    parser.add_argument("--version", action="version", version=f"coprod-analytics {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for spec in COMMANDS:
        if spec.name == command:
            importlib.import_module(spec.module).add_parser(sub)
        else:
            sub.add_parser(spec.name, help=spec.help, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``coprod`` command line (the ``coprod`` console script).

    Checks that the command's optional extra is installed, parses the arguments and runs
    the command. Errors the package raises on purpose
    (:class:`~coprod_analytics.errors.CoprodError`) and missing files are printed as one
    line on stderr, never as a traceback.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``coprod`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 2 on a usage or data error (or a missing extra),
        130 when interrupted.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     status = main(["info", "no-such-folder"])
    >>> status
    2
    >>> err.getvalue().strip()
    'coprod info: error: no-such-folder: no such file or folder'
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args_list if not a.startswith("-")), None)
    spec = next((c for c in COMMANDS if c.name == first), None)
    if spec is not None:
        missing = missing_extra(spec.extra)
        if missing is not None:
            print(
                f"coprod {spec.name}: error: needs the optional package {missing!r}; install "
                f'it with: pip install "coprod-analytics[{spec.extra}]"',
                file=sys.stderr,
            )
            return 2
    parser = build_parser(spec.name if spec else None)
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (CoprodError, FileNotFoundError) as exc:
        print(f"coprod {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the environment refused (disk full, read-only, a folder in the way)
        print(f"coprod {args.command}: error: {os_error_text(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def os_error_text(exc: OSError) -> str:
    """One line for an error of the operating system: the path and why, no errno number.

    Parameters
    ----------
    exc : OSError
        The error (its ``filename`` and ``strerror`` when set).

    Returns
    -------
    str
        ``"<path>: <reason>"`` (or the reason alone).

    Examples
    --------
    >>> import errno
    >>> os_error_text(OSError(errno.ENOSPC, "No space left on device", "report.html"))
    'report.html: no space left on device'
    >>> os_error_text(IsADirectoryError(errno.EISDIR, "Is a directory", "data"))
    'data: is a folder, not a file'
    """
    reasons = {
        "Is a directory": "is a folder, not a file",
        "Not a directory": "a part of the path is a file, not a folder",
    }
    reason = exc.strerror or str(exc)
    reason = reasons.get(reason, reason[:1].lower() + reason[1:])
    where = exc.filename if exc.filename is not None else None
    return f"{where}: {reason}" if where else reason


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
