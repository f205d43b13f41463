"""The election of a ``.pb`` file as data, and its conversions to and from our tables.

:class:`PBElection` holds META, PROJECTS and VOTES as the file holds them (with
:class:`BallotArrays`, its ballots in compressed-row form for the budgeting rules);
:meth:`PBElection.to_inquiry` turns it into the ``budget_projects``, ``budget_votes`` and
``budget_meta`` tables of an Inquiry and :func:`election_from_tables` gets it back. Reading
is in :mod:`~coprod_analytics.io.pabulib.reader`, writing in
:mod:`~coprod_analytics.io.pabulib.writer`; import all of them from
:mod:`coprod_analytics.io.pabulib`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.format import fmt_number
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.results import frame_to_html

__all__ = [
    "BUDGET_TABLES",
    "VOTE_TYPES",
    "BallotArrays",
    "PBElection",
    "election_from_tables",
]

#: The tables of an Inquiry holding one participatory-budgeting election.
BUDGET_TABLES = ("budget_projects", "budget_votes", "budget_meta")

#: How pabulib.org asks to be cited (kept in the metadata of an Inquiry read from a file).
ATTRIBUTION = "pabulib.org — Pabulib: a participatory budgeting library (Faliszewski et al.)"

#: The four ballot types of the format.
VOTE_TYPES = ("approval", "ordinal", "cumulative", "scoring")


@dataclass(frozen=True, eq=False)
class BallotArrays:
    """Ballots in compressed-row form (what the budgeting rules compute on).

    Voter ``i`` lists ``project_index[indptr[i]:indptr[i + 1]]`` (positions in the
    election's ``projects``), in ballot order, with ``points[...]`` the matching points.

    Attributes
    ----------
    indptr : numpy.ndarray
        Int64, one more than the number of voters.
    project_index : numpy.ndarray
        Int64 positions of the listed projects.
    points : numpy.ndarray
        Float64: the ballot's points (cumulative and scoring), the Borda points
        ``L - position`` for ordinal ballots, 1 for approval ballots.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> b = pb_election({"a": 1, "b": 1}, [["b", "a"], ["a"]], budget=1).ballots
    >>> b.indptr.tolist(), b.project_index.tolist(), b.points.tolist()
    ([0, 2, 3], [1, 0, 0], [1.0, 1.0, 1.0])
    """

    indptr: np.ndarray
    project_index: np.ndarray
    points: np.ndarray


@dataclass(frozen=True, eq=False, repr=False)
class PBElection:
    """A participatory-budgeting election: META, PROJECTS and VOTES of a ``.pb`` file.

    Attributes
    ----------
    meta : dict of str to str
        The META table in file order (values as written).
    projects : polars.DataFrame
        One row per project in file order. ``project_id`` (String), ``cost`` (Int64, or
        Float64 when a cost has decimals); ``votes``, ``score``, ``selected`` are Int64 when
        every value is an integer; all other columns are String (empty fields are null).
    votes : polars.DataFrame
        One row per voter in file order. ``voter_id`` (String), ``vote`` (List[String], best
        first for ordinal ballots), ``points`` (List[Int64] or List[Float64], cumulative and
        scoring ballots only); other columns are String.
    source : str or None
        The file the election was read from.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 60, "b": 50, "c": 40}, [["a"], ["a", "b"], ["c"]], budget=100)
    >>> e.vote_type, e.budget, e.n_voters
    ('approval', 100, 3)
    >>> e.project_ids
    ('a', 'b', 'c')
    >>> e
    <PBElection: election: approval ballots, 3 projects, 3 voters, budget 100>
    """

    meta: dict[str, str]
    projects: pl.DataFrame
    votes: pl.DataFrame
    source: str | None = field(default=None, compare=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PBElection):
            return NotImplemented
        return (
            self.meta == other.meta
            and self.projects.equals(other.projects)
            and self.votes.equals(other.votes)
        )

    __hash__ = object.__hash__

    # -- convenient views ---------------------------------------------------------------
    @property
    def vote_type(self) -> str:
        """``approval``, ``ordinal``, ``cumulative`` or ``scoring``."""
        vt = self.meta.get("vote_type", "approval").strip().lower()
        return "approval" if vt == "choose-1" else vt

    @property
    def budget(self) -> int | float:
        """The budget limit from META (int when integral)."""
        return _parse_number(self.meta["budget"].replace(",", "."))

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the projects and votes (:func:`~coprod_analytics.provenance.
        fingerprint_frames`), computed once: every rule run on the election records it.

        Returns
        -------
        str
            The hex digest (64 characters).
        """
        from coprod_analytics.provenance import fingerprint_frames

        return fingerprint_frames(self.projects, self.votes)

    @property
    def n_voters(self) -> int:
        return self.votes.height

    @property
    def n_projects(self) -> int:
        return self.projects.height

    @property
    def project_ids(self) -> tuple[str, ...]:
        return tuple(self.projects["project_id"].to_list())

    @cached_property
    def costs(self) -> np.ndarray:
        """Project costs as float64, in PROJECTS order."""
        return self.projects["cost"].cast(pl.Float64).to_numpy().copy()

    @cached_property
    def ballots(self) -> BallotArrays:
        """Ballots in compressed-row form (:class:`BallotArrays`).

        Voter ``i`` lists ``project_index[indptr[i]:indptr[i + 1]]`` (positions in
        ``projects``), in ballot order. ``points`` holds the ballot's points (cumulative and
        scoring), the Borda points ``L - position`` with ``L`` = META ``max_length`` (or the
        longest ballot) for ordinal ballots, and 1 for approval ballots.

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> pb_election({"a": 1, "b": 1}, [["b", "a"]], budget=1).ballots.project_index
        array([1, 0])
        """
        index = {pid: k for k, pid in enumerate(self.project_ids)}
        vote = self.votes["vote"]
        lengths = vote.list.len().fill_null(0).to_numpy().astype(np.int64)
        indptr = np.zeros(self.n_voters + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        flat = vote.explode().drop_nulls().to_list()
        idx = np.fromiter((index[p] for p in flat), dtype=np.int64, count=len(flat))
        if self.vote_type in ("cumulative", "scoring") and "points" in self.votes.columns:
            pts = self.votes["points"].explode().drop_nulls().cast(pl.Float64).to_numpy()
        elif self.vote_type == "ordinal":
            longest = int(lengths.max()) if lengths.size else 0
            top = int(self.meta.get("max_length", longest) or longest)
            pos = np.arange(idx.size) - np.repeat(indptr[:-1], lengths)
            pts = (max(top, longest) - pos).astype(np.float64)
        else:
            pts = np.ones(idx.size, dtype=np.float64)
        return BallotArrays(indptr, idx, np.ascontiguousarray(pts, dtype=np.float64))

    # -- as tables ----------------------------------------------------------------------
    def to_inquiry(self, *, metadata: Mapping[str, Any] | None = None) -> Inquiry:
        """The election as an Inquiry holding ``budget_projects``, ``budget_votes`` and
        ``budget_meta`` (see the module docstring).

        Parameters
        ----------
        metadata : mapping, optional
            The Inquiry's metadata (default: the title from META ``description`` and the
            source file).

        Returns
        -------
        Inquiry

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> e = pb_election({"a": 60, "b": 50}, [["a"], ["b", "a"]], budget=100)
        >>> inq = e.to_inquiry()
        >>> inq.tables["budget_votes"].rows()
        [('1', 'a'), ('2', 'b'), ('2', 'a')]
        >>> election_from_tables(inq) == e
        True
        """
        md: dict[str, Any] = {"source_format": "pabulib"}
        if self.source:
            md["source_path"] = self.source
        title = self.meta.get("description") or (Path(self.source).stem if self.source else "")
        if title:
            md["title"] = title
        md["attribution"] = ATTRIBUTION
        md.update(metadata or {})
        return Inquiry(metadata=md, tables=_election_tables(self))

    # -- display ------------------------------------------------------------------------
    def to_frame(self) -> pl.DataFrame:
        """The PROJECTS table.

        Returns
        -------
        polars.DataFrame

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> pb_election({"a": 60}, [["a"]], budget=100).to_frame().columns
        ['project_id', 'cost']
        """
        return self.projects

    def summary(self) -> str:
        """The election in one line: ballots, projects, voters and budget.

        Returns
        -------
        str

        Examples
        --------
        >>> from coprod_analytics.io.pabulib import pb_election
        >>> pb_election({"a": 60}, [["a"]], budget=100).summary()
        'election: approval ballots, 1 projects, 1 voters, budget 100'
        """
        where = self.meta.get("description") or self.source or "election"
        return (
            f"{where}: {self.vote_type} ballots, {self.n_projects} projects, "
            f"{self.n_voters} voters, budget {fmt_number(self.budget, 15)}"
        )

    def __repr__(self) -> str:
        return f"<PBElection: {self.summary()}>"

    def _repr_html_(self) -> str:
        cols = [c for c in ("project_id", "cost", "votes", "score", "name", "selected")]
        cols = [c for c in cols if c in self.projects.columns]
        return f"<p>{html.escape(self.summary())}</p>" + frame_to_html(self.projects.select(cols))


def _parse_number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() and "." not in text and "e" not in text else value


# ---------------------------------------------------------------------------------------
# the election as tables of an Inquiry, and back
# ---------------------------------------------------------------------------------------
def _integral(s: pl.Series) -> pl.Series:
    """Int64 when every value is whole (as the ``.pb`` reader types numbers), else as is."""
    if s.dtype.is_float() and bool(((s == s.floor()) | s.is_null()).all()):
        return s.cast(pl.Int64)
    return s


def _election_tables(election: PBElection) -> dict[str, pl.DataFrame]:
    """The ``budget_projects``, ``budget_votes`` and ``budget_meta`` tables of an election."""
    votes = election.votes
    cols = [pl.col("voter_id").alias("participant_id"), pl.col("vote").alias("project_id")]
    has_points = "points" in votes.columns
    if has_points:
        cols.append(pl.col("points"))
    long = votes.select(cols).with_columns(
        pl.int_ranges(1, pl.col("project_id").list.len() + 1).alias("rank")
    )
    long = long.explode(["project_id", "rank", *(["points"] if has_points else [])])
    long = long.drop_nulls("project_id")
    if election.vote_type != "ordinal":
        long = long.drop("rank")
    else:
        long = long.with_columns(pl.col("rank").cast(pl.Int64))
    meta = pl.DataFrame(
        {"key": list(election.meta), "value": [str(v) for v in election.meta.values()]},
        schema={"key": pl.String, "value": pl.String},
    )
    return {"budget_projects": election.projects, "budget_votes": long, "budget_meta": meta}


def election_from_tables(
    tables: Inquiry | Mapping[str, Any], *, source: str | None = None
) -> PBElection:
    """The :class:`PBElection` held by an inquiry's budget tables.

    Parameters
    ----------
    tables : Inquiry or mapping of str to table
        An Inquiry holding ``budget_projects``, ``budget_votes`` and ``budget_meta`` (e.g.
        from :func:`read_pabulib` or ``load_inquiry``), or those tables by name.
    source : str, optional
        Recorded as the election's source (default: the Inquiry's ``source_path``).

    Returns
    -------
    PBElection

    Raises
    ------
    ValidationError
        When a table is missing, META has no budget, or a vote names an unknown project.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> inq = pb_election({"a": 60, "b": 50}, [["a"], ["b", "a"]], budget=100).to_inquiry()
    >>> election_from_tables(inq).votes["vote"].to_list()
    [['a'], ['b', 'a']]
    >>> election_from_tables({"budget_projects": inq.tables["budget_projects"],
    ...                       "budget_votes": inq.tables["budget_votes"]})
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: table 'budget_meta': the budget is unknown: add a row key=budget to budget_meta
    """
    from coprod_analytics.inputs import validate_input

    if isinstance(tables, Inquiry):
        source = source if source is not None else tables.metadata.get("source_path")
        tables = tables.tables
    for name in ("budget_projects", "budget_votes"):
        if name not in tables:
            raise ValidationError(
                "a budgeting election needs the tables budget_projects, budget_votes and "
                f"budget_meta; {name} is missing",
                table=name,
            )
    projects = validate_input("budget_projects", tables["budget_projects"])
    votes = validate_input("budget_votes", tables["budget_votes"])
    meta: dict[str, str] = {}
    if "budget_meta" in tables:
        m = validate_input("budget_meta", tables["budget_meta"])
        meta = dict(zip(m["key"].to_list(), m["value"].to_list(), strict=True))
    if "budget" not in meta:
        raise ValidationError(
            "the budget is unknown: add a row key=budget to budget_meta", table="budget_meta"
        )
    known = set(projects["project_id"].to_list())
    unknown = ~votes["project_id"].is_in(list(known))
    if unknown.any():
        row = int(unknown.arg_true()[0]) + 1
        raise ValidationError(
            f"the vote names project {votes['project_id'][row - 1]!r}, which is not in "
            "budget_projects",
            table="budget_votes",
            row=row,
            column="project_id",
        )
    if "vote_type" not in meta:
        meta["vote_type"] = (
            "cumulative"
            if "points" in votes.columns
            else "ordinal"
            if "rank" in votes.columns
            else "approval"
        )
    projects = projects.with_columns(
        [_integral(projects[c]) for c in ("cost", "votes", "score") if c in projects.columns]
    )
    order = pl.col("rank") if "rank" in votes.columns else pl.int_range(pl.len())
    aggs = [pl.col("project_id").sort_by(order).alias("vote")]
    if "points" in votes.columns and meta["vote_type"] in ("cumulative", "scoring"):
        pts = _integral(votes["points"])
        votes = votes.with_columns(pts)
        aggs.append(pl.col("points").sort_by(order))
    ballots = (
        votes.with_columns(pl.col("participant_id").cast(pl.String))
        .group_by("participant_id", maintain_order=True)
        .agg(aggs)
        .rename({"participant_id": "voter_id"})
    )
    return PBElection(meta=meta, projects=projects, votes=ballots, source=source)
