"""``coprod info PATH``: what is in an input, in numbers.

Prints the title and source format, the counts of participants, statements and votes
(after latest-vote-wins) with the agree, disagree and pass shares, the time span of the
votes and the rows of every further input table. ``--json`` prints the same facts as one
JSON object (:func:`info_dict`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from coprod_analytics.io.load import SUPPORTED_INPUTS

__all__ = ["add_parser", "info_dict", "run"]


def add_parser(sub: Any) -> None:
    """Register ``info`` on the ``coprod`` sub-parsers.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers`` returned.

    Examples
    --------
    >>> parser = argparse.ArgumentParser(prog="coprod")
    >>> add_parser(parser.add_subparsers())
    >>> args = parser.parse_args(["info", "votes.csv", "--json"])
    >>> str(args.path), args.json, args.func is run
    ('votes.csv', True, True)
    """
    p = sub.add_parser(
        "info",
        help="summarise any supported input (counts of participants, statements, votes)",
        description=(
            "Summarise any supported input: "
            + "; ".join(SUPPORTED_INPUTS)
            + ". With --json, print one JSON object with participants (distinct people who "
            "answered anything: voted, estimated, rated, ranked, cast a ballot), voters (who "
            "voted on statements), statements, votes (after latest-vote-wins), agree, "
            "disagree, pass, moderated_out (statements moderated out or meta), tables (rows "
            "per further table, latest answers) and inputs (rows, participants and items)."
        ),
    )
    p.add_argument(
        "path", type=path_or_url, help="input file or folder, or a postgresql:// session URL"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def path_or_url(text: str) -> Path | str:
    """A command-line PATH argument: a ``postgresql://`` session URL stays a string (``Path``
    would fold its ``//``), anything else is a path.

    Parameters
    ----------
    text : str
        The argument.

    Returns
    -------
    Path or str

    Examples
    --------
    >>> path_or_url("votes.csv"), path_or_url("postgresql://coprod@db/council")
    (PosixPath('votes.csv'), 'postgresql://coprod@db/council')
    """
    from coprod_analytics.session.open import is_session_url

    return text if is_session_url(text) else Path(text)


def redact_url(url: str) -> str:
    """A session URL without its password (for printing).

    Parameters
    ----------
    url : str
        The URL.

    Returns
    -------
    str

    Examples
    --------
    >>> redact_url("postgresql://me:secret@db/council")
    'postgresql://me:***@db/council'
    """
    from coprod_analytics.session.pg_store import redact_url as _redact

    return _redact(url)


def info_dict(path: Path | str) -> dict[str, Any]:
    """The facts ``coprod info --json`` prints for an input.

    Parameters
    ----------
    path : Path
        Any input :func:`~coprod_analytics.io.load.load_inquiry` reads.

    Returns
    -------
    dict of str to Any
        ``path``, ``title``, ``source_format``, the counts of
        :meth:`~coprod_analytics.inquiry.Inquiry.counts`, ``first_vote`` and ``last_vote``
        (ISO 8601, or None without times), ``tables`` (rows per further input table) and
        ``inputs`` (rows, participants and items per input kind, see
        :func:`~coprod_analytics.inputs.describe_inputs`).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     votes = Path(tmp) / "votes.csv"
    ...     _ = votes.write_text("participant_id,statement_id,vote\\n1,1,1\\n2,1,-1\\n2,2,0\\n")
    ...     facts = info_dict(votes)
    >>> facts["source_format"], facts["participants"], facts["votes"], facts["pass"]
    ('long-votes', 2, 3, 1)
    """
    from coprod_analytics.io.load import load_inquiry

    inquiry = load_inquiry(path)
    shown = redact_url(path) if isinstance(path, str) and "://" in path else str(path)
    out: dict[str, Any] = {"path": shown, "title": inquiry.metadata.get("title")}
    out["source_format"] = inquiry.metadata.get("source_format")
    out.update(inquiry.counts())
    times = inquiry.vote_log.get_column("time").drop_nulls()
    out["first_vote"] = times.min().isoformat() if len(times) else None  # type: ignore[union-attr]
    out["last_vote"] = times.max().isoformat() if len(times) else None  # type: ignore[union-attr]
    from coprod_analytics.inputs import describe_inputs

    out["tables"] = {name: t.height for name, t in inquiry.tables.items()}
    out["inputs"] = describe_inputs(inquiry.tables)
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``coprod info``: print the facts of :func:`info_dict` (as JSON with ``--json``).

    Parameters
    ----------
    args : argparse.Namespace
        ``path`` (the input) and ``json`` (print one JSON object).

    Returns
    -------
    int
        The exit status (0).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     votes = Path(tmp) / "votes.csv"
    ...     _ = votes.write_text("participant_id,statement_id,vote\\n1,1,1\\n2,1,-1\\n")
    ...     status = run(argparse.Namespace(path=votes, json=False))  # doctest: +ELLIPSIS
    votes
      source: .../votes.csv (long-votes)
      participants           2  distinct participants who voted
      statements             1
      moderated_out          0  moderated out or meta
      votes                  2  latest per participant and statement; 2 events
      agree                  1  50.0%
      disagree               1  50.0%
      pass                   0  0.0%
    >>> status
    0
    """
    facts = info_dict(args.path)
    if args.json:
        print(json.dumps(facts, ensure_ascii=False))
        return 0
    title = facts.get("title") or (
        Path(args.path).name if isinstance(args.path, Path) else redact_url(str(args.path))
    )
    print(f"{title}")
    print(f"  source: {facts['path']} ({facts['source_format']})")
    width = max(len(k) for k in ("participants", "statements", "moderated_out", *facts["inputs"]))
    rows = [
        ("participants", facts["participants"], "distinct participants who voted"),
        ("statements", facts["statements"], ""),
        ("moderated_out", facts["moderated_out"], "moderated out or meta"),
        (
            "votes",
            facts["votes"],
            f"latest per participant and statement; {facts['vote_events']} events",
        ),
        ("agree", facts["agree"], _share(facts["agree"], facts["votes"])),
        ("disagree", facts["disagree"], _share(facts["disagree"], facts["votes"])),
        ("pass", facts["pass"], _share(facts["pass"], facts["votes"])),
    ]
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>10,}  {note}")
    if facts["first_vote"]:
        print(f"  votes from {facts['first_vote']} to {facts['last_vote']}")
    for name, d in facts["inputs"].items():
        parts = [f"{d['rows']:,} rows"]
        if "participants" in d:
            parts.append(f"{d['participants']:,} participants")
        if "items" in d:
            parts.append(f"{d['items']:,} items")
        print(f"  {name:<{width}}  {', '.join(parts)}")
    return 0


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else ""
