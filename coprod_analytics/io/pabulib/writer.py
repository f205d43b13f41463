"""Building an election in memory and writing it as ``.pb`` text.

:func:`pb_election` builds a :class:`~coprod_analytics.io.pabulib.election.PBElection` from
costs and ballots; :func:`to_pabulib_string` gives the ``.pb`` text of an election (or of an
Inquiry holding its budget tables) and :func:`write_pabulib` writes it to a file, so that
reading then writing a file reproduces its text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.pabulib.election import VOTE_TYPES, PBElection, election_from_tables
from coprod_analytics.io.pabulib.reader import parse_pabulib

__all__ = ["pb_election", "to_pabulib_string", "write_pabulib"]


def pb_election(
    costs: Mapping[str, int | float],
    ballots: Iterable[Iterable[str]] | Iterable[Mapping[str, int | float]],
    *,
    budget: int | float,
    vote_type: str = "approval",
    meta: Mapping[str, str] | None = None,
) -> PBElection:
    """Build an election in memory (projects in ``costs`` order, voters numbered 1..n).

    Parameters
    ----------
    costs : mapping of project id to cost
        The projects, in order.
    ballots : iterable
        Approval and ordinal ballots: iterables of project ids (best first for ordinal).
        Cumulative and scoring ballots: mappings of project id to points.
    budget : number
        The budget limit.
    vote_type : {"approval", "ordinal", "cumulative", "scoring"}
        The ballot type.
    meta : mapping, optional
        Extra META entries.

    Returns
    -------
    PBElection
        (:meth:`PBElection.to_inquiry` gives the Inquiry.)

    Examples
    --------
    >>> e = pb_election({"x": 3, "y": 2}, [{"x": 2, "y": 1}], budget=5, vote_type="cumulative")
    >>> e.votes["points"].to_list()
    [[2, 1]]
    """
    from coprod_analytics.errors import check_param

    check_param(
        vote_type in VOTE_TYPES, "vote_type", "pb_election", f"one of {VOTE_TYPES}", vote_type
    )
    text = _pb_text(costs, ballots, budget, vote_type, meta)
    return parse_pabulib(text, source=None)


def _pb_text(
    costs: Mapping[str, int | float],
    ballots: Iterable[Iterable[str]] | Iterable[Mapping[str, int | float]],
    budget: int | float,
    vote_type: str,
    meta: Mapping[str, str] | None,
) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    w.writerow(["META"])
    w.writerow(["key", "value"])
    full_meta = {"num_projects": str(len(costs)), "budget": str(budget), "vote_type": vote_type}
    full_meta.update(meta or {})
    for k, v in full_meta.items():
        w.writerow([k, v])
    w.writerow(["PROJECTS"])
    w.writerow(["project_id", "cost"])
    for pid, c in costs.items():
        w.writerow([pid, c])
    w.writerow(["VOTES"])
    points = vote_type in ("cumulative", "scoring")
    w.writerow(["voter_id", "vote", "points"] if points else ["voter_id", "vote"])
    for i, b in enumerate(ballots, start=1):
        if points:
            if not isinstance(b, Mapping):
                raise TypeError(f"{vote_type} ballots must be mappings of project id to points")
            w.writerow([i, ",".join(map(str, b)), ",".join(str(v) for v in b.values())])
        else:
            w.writerow([i, ",".join(map(str, b))])
    return out.getvalue()


def to_pabulib_string(election: PBElection | Inquiry) -> str:
    """The ``.pb`` text of an election (inverse of :func:`parse_pabulib`).

    Parameters
    ----------
    election : PBElection or Inquiry
        An election, or an Inquiry holding its budget tables.

    Returns
    -------
    str

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import parse_pabulib
    >>> e = pb_election({"a": 1}, [["a"]], budget=1)
    >>> parse_pabulib(to_pabulib_string(e)) == e
    True
    """
    if isinstance(election, Inquiry):
        election = election_from_tables(election)
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    w.writerow(["META"])
    w.writerow(["key", "value"])
    counts = {"num_projects": election.n_projects, "num_votes": election.n_voters}
    for k, v in election.meta.items():
        # the counts follow the tables written (the reader refuses a file they disagree with)
        if k in counts and v.strip().lstrip("-").isdigit() and int(v) != counts[k]:
            v = str(counts[k])
        w.writerow([k, v])
    for name, frame in (("PROJECTS", election.projects), ("VOTES", election.votes)):
        w.writerow([name])
        w.writerow(frame.columns)
        converted = []
        for col in frame.columns:
            s = frame[col]
            if isinstance(s.dtype, pl.List):
                converted.append(
                    [None if v is None else ",".join(_fmt_value(x) for x in v) for v in s.to_list()]
                )
            else:
                converted.append([_fmt_value(v) for v in s.to_list()])
        w.writerows(zip(*converted, strict=True))
    return out.getvalue()


def _fmt_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def write_pabulib(election: PBElection | Inquiry, path: str | Path) -> Path:
    """Write an election as a ``.pb`` file (UTF-8, ``\\n`` line ends).

    Parameters
    ----------
    election : PBElection or Inquiry
        An election, or an Inquiry holding its budget tables (e.g. from
        :func:`read_pabulib`).
    path : str or Path
        The file to write.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, os
    >>> from coprod_analytics.io.pabulib import (
    ...     election_from_tables, read_pabulib, read_pabulib_election)
    >>> e = pb_election({"a": 5, "b": 4}, [["b", "a"]], budget=9, vote_type="ordinal")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     back = read_pabulib_election(write_pabulib(e, os.path.join(d, "e.pb")))
    ...     again = read_pabulib(write_pabulib(e.to_inquiry(), os.path.join(d, "f.pb")))
    >>> back == e, election_from_tables(again) == e
    (True, True)
    """
    from coprod_analytics.io.atomic import atomic_write_text

    return atomic_write_text(Path(path), to_pabulib_string(election))
