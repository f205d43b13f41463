"""``coprod simulate``: write a synthetic inquiry (the sample data is made this way).

The inquiry comes from :func:`~coprod_analytics.simulate.simulate_inquiry` (planted opinion
groups, consensus and divisive statements, pass votes, heavy-tailed participation) or, with
``--sample``, :func:`~coprod_analytics.simulate.sample_inquiry`. It is written as a Pol.is
export folder plus the coprod extension files (:func:`write_inquiry_folder`) or, with
``--format parquet``, as an inquiry Parquet folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.inquiry import Inquiry

__all__ = ["add_parser", "run", "write_inquiry_folder"]


def add_parser(sub: Any) -> None:
    """Register ``simulate`` on the ``coprod`` sub-parsers.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers`` returned.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="coprod")
    >>> add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["simulate", "-o", "out", "--participants", "40"])
    >>> args.participants, args.statements, args.seed, args.format
    (40, 60, 0, 'polis')
    """
    p = sub.add_parser(
        "simulate",
        help="write a synthetic inquiry with planted opinion groups",
        description=(
            "Write a synthetic inquiry with planted opinion groups, consensus and divisive "
            "statements, pass votes and heavy-tailed participation. --sample writes the sample "
            "citizens' inquiry shipped in data/ (byte for byte)."
        ),
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="folder to write")
    p.add_argument("--sample", action="store_true", help="the sample citizens' inquiry")
    p.add_argument("--participants", type=int, default=150)
    p.add_argument("--statements", type=int, default=60)
    p.add_argument("--groups", type=int, default=3)
    p.add_argument("--votes-per-participant", type=float, default=25.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--format", choices=["polis", "parquet"], default="polis", help="output layout")
    p.set_defaults(func=run)


def write_inquiry_folder(inquiry: Inquiry, folder: Path) -> Path:
    """Write an inquiry as a Pol.is export folder plus the coprod extension files.

    Besides the Pol.is files of :func:`~coprod_analytics.io.polis.write_polis`, the folder
    gets ``participants.csv`` (attributes), ``statements.csv`` (statement columns beyond the
    Pol.is ones, e.g. the planted truth) and one ``<kind>.csv`` per further input table; all
    are read back by :func:`~coprod_analytics.io.polis.read_polis`.

    Parameters
    ----------
    inquiry : Inquiry
        The inquiry to write.
    folder : Path
        The folder (created when missing; files in it are replaced).

    Returns
    -------
    Path
        The folder written.

    Examples
    --------
    >>> import tempfile
    >>> from coprod_analytics.io.polis import read_polis
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> inquiry = simulate_inquiry(30, 8, seed=1)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = read_polis(write_inquiry_folder(inquiry, Path(tmp) / "inq"))
    >>> back.counts() == inquiry.counts()
    True
    >>> "planted_group" in back.participants.columns
    True
    """
    from coprod_analytics.io.polis import write_polis

    out = write_polis(inquiry, folder)
    people = inquiry.participants
    if len(people.columns) > 1:
        people.write_csv(out / "participants.csv")
    polis_cols = {"statement_id", "text", "author_id", "moderation", "is_meta", "created"}
    extra = [c for c in inquiry.statements.columns if c not in polis_cols]
    if extra:
        inquiry.statements.select("statement_id", *extra).write_csv(out / "statements.csv")
    for name, table in inquiry.tables.items():
        table.write_csv(out / f"{name}.csv")
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``coprod simulate``: simulate (or take the sample inquiry) and write it.

    Parameters
    ----------
    args : argparse.Namespace
        ``output``, ``sample``, ``participants``, ``statements``, ``groups``,
        ``votes_per_participant``, ``seed`` and ``format``, as :func:`add_parser` defines
        them.

    Returns
    -------
    int
        The exit status (0).

    Examples
    --------
    >>> import tempfile
    >>> parser = argparse.ArgumentParser(prog="coprod")
    >>> add_parser(parser.add_subparsers())
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     args = parser.parse_args(["simulate", "-o", f"{tmp}/inq", "--participants", "30",
    ...                               "--statements", "8", "--format", "parquet"])
    ...     status = run(args)  # doctest: +ELLIPSIS
    wrote .../inq: 30 participants, 8 statements, ... votes
    >>> status
    0
    """
    from coprod_analytics.simulate import sample_inquiry, simulate_inquiry

    if args.sample:
        inquiry = sample_inquiry()
    else:
        inquiry = simulate_inquiry(
            args.participants,
            args.statements,
            n_groups=args.groups,
            votes_per_participant=args.votes_per_participant,
            seed=args.seed,
        )
    if args.format == "polis":
        out = write_inquiry_folder(inquiry, args.output)
    else:
        from coprod_analytics.io.parquet import write_parquet

        out = write_parquet(inquiry, args.output)
    c = inquiry.counts()
    print(
        f"wrote {out}: {c['participants']} participants, {c['statements']} statements, "
        f"{c['votes']} votes"
    )
    return 0
