"""``coprod summary PATH``: the analysis summary of an inquiry, in plain words.

Prints participation (votes per participant, participation inequality) and the statements
the room agrees with, rejects and is divided about, with their vote shares (moderated-out
and meta statements left out). PATH is anything ``coprod info`` reads.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from coprod_analytics.cli import plain_text


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``summary`` on the ``coprod`` sub-parsers.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The ``summary`` parser.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="coprod")
    >>> add_parser(parser.add_subparsers()).parse_args(["votes.csv", "--top", "3"]).top
    3
    """
    p: argparse.ArgumentParser = sub.add_parser(
        "summary",
        help="what the room agrees on, rejects and is divided about",
        description=plain_text(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", type=Path, help="input file or folder")
    p.add_argument("--top", type=int, default=5, help="statements per list (default 5)")
    p.set_defaults(func=run)
    return p


def summary_text(path: Path, top: int = 5) -> str:
    """The text ``coprod summary`` prints: the first-look overview and the attribution.

    Parameters
    ----------
    path : Path
        Anything ``coprod info`` reads.
    top : int, default 5
        Statements per list.

    Returns
    -------
    str

    Examples
    --------
    >>> import tempfile
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_analytics.io.parquet import write_parquet
    >>> folder = Path(tempfile.mkdtemp()) / "inq"
    >>> _ = write_parquet(sample_inquiry(), folder)
    >>> print(summary_text(folder, top=1).splitlines()[3])  # doctest: +ELLIPSIS
    150 participants cast 2699 votes on 60 statements (...).
    """
    from coprod_analytics.first_look import overview
    from coprod_analytics.io.load import load_inquiry

    inquiry = load_inquiry(path)
    text = overview(inquiry, top=top).to_text()
    attribution = inquiry.metadata.get("attribution")
    if attribution:
        text += "\n\n" + attribution
    return text


def run(args: argparse.Namespace) -> int:
    """Run ``coprod summary``: print :func:`summary_text`.

    Parameters
    ----------
    args : argparse.Namespace
        ``path`` and ``top``.

    Returns
    -------
    int
        The exit code (0).

    Examples
    --------
    >>> from coprod_analytics.cli import main
    >>> main(["summary", "/nonexistent/folder"])
    2
    """
    print(summary_text(args.path, args.top))
    return 0
