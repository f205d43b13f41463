"""Read and write participatory-budgeting elections in the pabulib ``.pb`` format.

The format (pabulib.org/format; Faliszewski et al., "Pabulib: a participatory budgeting
library") is UTF-8 text with three ``;``-separated tables, in this order:

``META``
    ``key;value`` rows: ``budget``, ``vote_type`` (``approval``, ``ordinal``, ``cumulative``
    or ``scoring``; ``choose-1`` is read as approval) and free keys such as ``rule``,
    ``min_length``, ``max_length``, ``max_sum_points``.
``PROJECTS``
    ``project_id;cost;...`` with optional ``votes``, ``score``, ``name``, ``category``,
    ``target``, ``selected`` (1 = funded), ``latitude``, ``longitude``.
``VOTES``
    ``voter_id;vote;...``: ``vote`` is a comma-separated list of project ids (best first for
    ordinal ballots); ``points`` is the matching list for cumulative and scoring ballots;
    other columns (age, sex, voting_method, district) are voter attributes.

:func:`read_pabulib` opens a file as an :class:`~coprod_analytics.inquiry.Inquiry` holding
three tables (the readers at the top level of the package all return an Inquiry):

===================  ====================================================================
table                columns (optional ones in brackets)
===================  ====================================================================
``budget_projects``  project_id, cost, [name], [votes], [score], [selected] (1 = funded
                     by the city), [category], [target], ... (as in PROJECTS)
``budget_votes``     participant_id, project_id, [points] (cumulative and scoring
                     ballots), [rank] (ordinal ballots: 1 is the voter's first choice)
``budget_meta``      key, value: the META table (``budget``, ``vote_type``, ...)
===================  ====================================================================

Project and participant ids are kept as text, exactly as the file writes them (``"01"``
stays ``"01"``); voter attributes (age, sex, ...) are not carried over. The budgeting rules
of :mod:`coprod_analytics.preferences.budgeting` take that Inquiry as it is.

The election itself — META, PROJECTS and VOTES as the file holds them — is a
:class:`PBElection`: :func:`read_pabulib_election` reads one, :func:`election_from_tables`
gets it back from an Inquiry and :meth:`PBElection.to_inquiry` goes the other way.
:func:`write_pabulib` writes either. Reading then writing a file reproduces its text (fields
are kept as written, CSV quoting as in the source).
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable, Iterator, Mapping
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
    "parse_pabulib",
    "pb_election",
    "read_pabulib",
    "read_pabulib_election",
    "to_pabulib_string",
    "write_pabulib",
]

#: The tables of an Inquiry holding one participatory-budgeting election.
BUDGET_TABLES = ("budget_projects", "budget_votes", "budget_meta")

#: How pabulib.org asks to be cited (kept in the metadata of an Inquiry read from a file).
ATTRIBUTION = "pabulib.org — Pabulib: a participatory budgeting library (Faliszewski et al.)"

#: The four ballot types of the format.
VOTE_TYPES = ("approval", "ordinal", "cumulative", "scoring")

_SECTIONS = ("META", "PROJECTS", "VOTES")
_INT_PROJECT_COLUMNS = ("votes", "score", "selected")


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


# ---------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------
def read_pabulib(path: str | Path) -> Inquiry:
    """Read a pabulib ``.pb`` file as an Inquiry.

    Parameters
    ----------
    path : str or Path
        The file (UTF-8, optionally with a byte-order mark).

    Returns
    -------
    Inquiry
        Holding ``budget_projects``, ``budget_votes`` and ``budget_meta`` (module
        docstring); metadata ``title`` (META ``description``), ``source_path``,
        ``source_format`` and ``attribution``. The budgeting rules take it as it is;
        :func:`election_from_tables` gives the :class:`PBElection` back.

    Raises
    ------
    ValidationError
        When the file breaks the format; the message names the file, the line, the section
        and the column.

    Examples
    --------
    >>> import tempfile, os
    >>> text = "META\\nkey;value\\nbudget;100\\nvote_type;approval\\nPROJECTS\\n"
    >>> text += "project_id;cost\\n1;60\\n2;50\\nVOTES\\nvoter_id;vote\\nv1;1,2\\nv2;2\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "tiny.pb")
    ...     _ = open(p, "w", encoding="utf-8").write(text)
    ...     inq = read_pabulib(p)
    >>> inq.tables["budget_votes"].rows()
    [('v1', '1'), ('v1', '2'), ('v2', '2')]
    """
    return read_pabulib_election(path).to_inquiry()


def read_pabulib_election(path: str | Path) -> PBElection:
    """Read a pabulib ``.pb`` file as a :class:`PBElection` (META, PROJECTS and VOTES as the
    file holds them; :func:`read_pabulib` gives the Inquiry).

    Parameters
    ----------
    path : str or Path
        The file (UTF-8, optionally with a byte-order mark).

    Returns
    -------
    PBElection

    Raises
    ------
    ValidationError
        When the file breaks the format; the message names the file, the line, the section
        and the column.

    Examples
    --------
    >>> import tempfile, os
    >>> text = "META\\nkey;value\\nbudget;100\\nvote_type;approval\\nPROJECTS\\n"
    >>> text += "project_id;cost\\n1;60\\n2;50\\nVOTES\\nvoter_id;vote\\nv1;1,2\\nv2;2\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "tiny.pb")
    ...     _ = open(p, "w", encoding="utf-8").write(text)
    ...     e = read_pabulib_election(p)
    >>> e.votes["vote"].to_list()
    [['1', '2'], ['2']]
    """
    from coprod_analytics.io._csv import read_text

    path = Path(path)
    return parse_pabulib(read_text(path, what="a .pb file"), source=str(path))


def parse_pabulib(text: str, *, source: str | None = None) -> PBElection:
    """Parse the text of a ``.pb`` file (see :func:`read_pabulib_election`).

    Parameters
    ----------
    text : str
        The file's text.
    source : str, optional
        Where it came from (named in errors and kept as the election's source).

    Returns
    -------
    PBElection

    Raises
    ------
    ValidationError
        Naming the source, line, section and column of the first problem.

    Examples
    --------
    >>> parse_pabulib("META\\nkey;value\\nbudget;10\\n", source="x.pb")
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: x.pb, line 3: section PROJECTS is missing ...
    """
    where = source or "<pabulib text>"
    lines = text.splitlines()
    tables: dict[str, tuple[int, list[str], list[tuple[int, list[str]]]]] = {}
    section: str | None = None
    header: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    header_line = 0
    cut_short = bool(text) and not text.endswith(("\n", "\r"))
    for lineno, row in _rows(lines, where):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        first = row[0].strip()
        if len(row) == 1 and first.upper() in _SECTIONS:
            if section is not None:
                tables[section] = (header_line, header, rows)
            section = first.upper()
            if section in tables:
                raise ValidationError(f"section {section} appears twice", file=where, line=lineno)
            expected = _SECTIONS[len(tables)]
            if section != expected:
                raise ValidationError(
                    f"expected section {expected} here (sections come in the order "
                    f"META, PROJECTS, VOTES); got {section}",
                    file=where,
                    line=lineno,
                )
            header, rows, header_line = [], [], 0
            continue
        if section is None:
            raise ValidationError(
                f"a .pb file starts with the line 'META'; got {';'.join(row)[:60]!r}",
                file=where,
                line=lineno,
            )
        if not header_line:
            header = [h.strip() for h in row]
            header_line = lineno
            continue
        if len(row) != len(header):
            last = cut_short and lineno == len(lines)
            raise ValidationError(
                f"section {section} has {len(header)} columns ({';'.join(header)}) but this "
                f"row has {len(row)} fields"
                + (
                    "; it is the last line and has no line end: the file looks cut short"
                    if last
                    else ""
                ),
                file=where,
                line=lineno,
                column=header[min(len(row), len(header)) - 1] if header else None,
            )
        rows.append((lineno, row))
    if section is not None:
        tables[section] = (header_line, header, rows)
    last_line = len(lines)
    for name in _SECTIONS:
        if name not in tables:
            raise ValidationError(
                f"section {name} is missing (a .pb file has META, PROJECTS and VOTES)",
                file=where,
                line=last_line,
            )
        if not tables[name][0]:
            raise ValidationError(f"section {name} has no header row", file=where, line=last_line)

    meta = _build_meta(where, *tables["META"])
    projects = _build_projects(where, *tables["PROJECTS"])
    votes = _build_votes(where, meta, projects, *tables["VOTES"])
    _check_counts(where, tables["META"][2], projects.height, votes.height, cut_short)
    return PBElection(meta=meta, projects=projects, votes=votes, source=source)


def _rows(lines: list[str], where: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every line; a line the csv module refuses is an error."""
    reader = csv.reader(lines, delimiter=";")
    lineno = 0
    while True:
        lineno += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            too_long = "field larger than field limit" in str(exc)
            raise ValidationError(
                f"a field on this line is longer than {csv.field_size_limit():,} characters; "
                "a .pb file holds short ';'-separated fields (is this a .pb file?)"
                if too_long
                else f"this line cannot be read as ';'-separated fields ({exc})",
                file=where,
                line=lineno,
            ) from None
        yield lineno, row


def _check_counts(
    where: str,
    meta_rows: list[tuple[int, list[str]]],
    n_projects: int,
    n_voters: int,
    cut_short: bool,
) -> None:
    """Refuse a file whose META ``num_projects`` / ``num_votes`` disagree with what was read
    (a file cut short reads fewer voters than META declares)."""
    for key, read, what in (
        ("num_projects", n_projects, "projects in section PROJECTS"),
        ("num_votes", n_voters, "voters in section VOTES"),
    ):
        found = next(((ln, r) for ln, r in meta_rows if r[0].strip() == key), None)
        if found is None:
            continue
        lineno, row = found
        try:
            declared = int(row[1].strip())
        except ValueError:
            continue  # not a count: nothing to check against
        if declared != read:
            hint = ""
            if cut_short:
                hint = "; the last line has no line end: the file looks cut short (truncated)"
            elif read < declared:
                hint = "; the file looks cut short (truncated) or rows are missing"
            raise ValidationError(
                f"META declares {key} {declared:,} but the file holds {read:,} {what}{hint}",
                file=where,
                line=lineno,
            )


def _build_meta(
    where: str, header_line: int, header: list[str], rows: list[tuple[int, list[str]]]
) -> dict[str, str]:
    if len(header) != 2:
        raise ValidationError(
            f"section META has two columns (key;value); got {';'.join(header)!r}",
            file=where,
            line=header_line,
        )
    meta: dict[str, str] = {}
    for _lineno, row in rows:
        meta[row[0].strip()] = row[1].strip()
    if "budget" not in meta:
        raise ValidationError(
            "section META has no 'budget' key", file=where, line=header_line, column="key"
        )
    try:
        budget = float(meta["budget"].replace(",", "."))
    except ValueError:
        budget = float("nan")
    if not np.isfinite(budget) or budget < 0:
        line = next(ln for ln, r in rows if r[0].strip() == "budget")
        raise ValidationError(
            f"section META: budget must be a number >= 0; got {meta['budget']!r}",
            file=where,
            line=line,
            column="value",
        )
    vt = meta.setdefault("vote_type", "approval").strip().lower()
    if vt not in (*VOTE_TYPES, "choose-1"):
        line = next(ln for ln, r in rows if r[0].strip() == "vote_type")
        raise ValidationError(
            f"section META: vote_type must be one of {', '.join(VOTE_TYPES)}; got {vt!r}",
            file=where,
            line=line,
            column="value",
        )
    return meta


def _build_projects(
    where: str, header_line: int, header: list[str], rows: list[tuple[int, list[str]]]
) -> pl.DataFrame:
    for needed in ("project_id", "cost"):
        if needed not in header:
            raise ValidationError(
                f"section PROJECTS has no '{needed}' column; got {';'.join(header)!r}",
                file=where,
                line=header_line,
                column=needed,
            )
    cols: dict[str, list[Any]] = {h: [] for h in header}
    seen: dict[str, int] = {}
    id_at = header.index("project_id")
    cost_at = header.index("cost")
    for lineno, row in rows:
        pid = row[id_at].strip()
        if not pid:
            raise ValidationError(
                "section PROJECTS: empty project_id", file=where, line=lineno, column="project_id"
            )
        if pid in seen:
            raise ValidationError(
                f"section PROJECTS: project_id {pid!r} already appears on line {seen[pid]}",
                file=where,
                line=lineno,
                column="project_id",
            )
        seen[pid] = lineno
        try:
            cost = _parse_number(row[cost_at].strip().replace(",", "."))
        except ValueError:
            cost = -1
        if not np.isfinite(cost) or cost < 0:
            raise ValidationError(
                f"section PROJECTS: cost of project {pid!r} must be a number >= 0; "
                f"got {row[cost_at]!r}",
                file=where,
                line=lineno,
                column="cost",
            )
        for h, v in zip(header, row, strict=True):
            cols[h].append(v if v != "" else None)
        cols["cost"][-1] = cost
        cols["project_id"][-1] = pid
    series: list[pl.Series] = []
    for h in header:
        values = cols[h]
        if h == "cost":
            integral = all(isinstance(v, int) for v in values)
            series.append(pl.Series(h, values, dtype=pl.Int64 if integral else pl.Float64))
        elif h in _INT_PROJECT_COLUMNS and _all_int(values):
            series.append(
                pl.Series(h, [None if v is None else int(v) for v in values], dtype=pl.Int64)
            )
        else:
            series.append(pl.Series(h, values, dtype=pl.String))
    return pl.DataFrame(series)


def _build_votes(
    where: str,
    meta: dict[str, str],
    projects: pl.DataFrame,
    header_line: int,
    header: list[str],
    rows: list[tuple[int, list[str]]],
) -> pl.DataFrame:
    vote_type = meta["vote_type"].strip().lower()
    for needed in ("voter_id", "vote"):
        if needed not in header:
            raise ValidationError(
                f"section VOTES has no '{needed}' column; got {';'.join(header)!r}",
                file=where,
                line=header_line,
                column=needed,
            )
    with_points = vote_type in ("cumulative", "scoring")
    if with_points and "points" not in header:
        raise ValidationError(
            f"section VOTES: {vote_type} ballots need a 'points' column; got {';'.join(header)!r}",
            file=where,
            line=header_line,
            column="points",
        )
    known = set(projects["project_id"].to_list())
    vote_at = header.index("vote")
    points_at = header.index("points") if "points" in header else -1
    cols: dict[str, list[Any]] = {h: [] for h in header}
    seen_voters: dict[str, int] = {}
    all_int_points = True
    id_at = header.index("voter_id")
    for lineno, row in rows:
        vid = row[id_at].strip()
        if vid in seen_voters:
            raise ValidationError(
                f"section VOTES: voter_id {vid!r} already appears on line {seen_voters[vid]}",
                file=where,
                line=lineno,
                column="voter_id",
            )
        seen_voters[vid] = lineno
        raw = row[vote_at].strip()
        ballot = [p.strip() for p in raw.split(",")] if raw else []
        if any(p == "" for p in ballot):
            raise ValidationError(
                f"section VOTES: empty project id in vote {raw!r}",
                file=where,
                line=lineno,
                column="vote",
            )
        for p in ballot:
            if p not in known:
                raise ValidationError(
                    f"section VOTES: project {p!r} is not listed in PROJECTS",
                    file=where,
                    line=lineno,
                    column="vote",
                )
        if len(set(ballot)) != len(ballot):
            raise ValidationError(
                f"section VOTES: a project appears twice in vote {raw!r}",
                file=where,
                line=lineno,
                column="vote",
            )
        points: list[int | float] | None = None
        if points_at >= 0:
            praw = row[points_at].strip()
            try:
                points = [_parse_number(x.strip()) for x in praw.split(",")] if praw else []
            except ValueError:
                raise ValidationError(
                    f"section VOTES: points must be numbers; got {praw!r}",
                    file=where,
                    line=lineno,
                    column="points",
                ) from None
            if len(points) != len(ballot):
                raise ValidationError(
                    f"section VOTES: {len(ballot)} projects in 'vote' but {len(points)} "
                    f"values in 'points'",
                    file=where,
                    line=lineno,
                    column="points",
                )
            all_int_points = all_int_points and all(isinstance(x, int) for x in points)
        for h, v in zip(header, row, strict=True):
            cols[h].append(v if v != "" else None)
        cols["voter_id"][-1] = vid
        cols["vote"][-1] = ballot
        if points_at >= 0:
            cols["points"][-1] = points
    series: list[pl.Series] = []
    for h in header:
        if h == "vote":
            series.append(pl.Series(h, cols[h], dtype=pl.List(pl.String)))
        elif h == "points":
            inner = pl.Int64 if all_int_points else pl.Float64
            series.append(pl.Series(h, cols[h], dtype=pl.List(inner)))
        else:
            series.append(pl.Series(h, cols[h], dtype=pl.String))
    return pl.DataFrame(series)


def _parse_number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        return int(value) if value.is_integer() and "." not in text and "e" not in text else value


def _all_int(values: Iterable[Any]) -> bool:
    for v in values:
        if v is None:
            continue
        try:
            int(v)
        except (TypeError, ValueError):
            return False
    return True


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


# ---------------------------------------------------------------------------------------
# building and writing
# ---------------------------------------------------------------------------------------
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
    >>> e = pb_election({"a": 5, "b": 4}, [["b", "a"]], budget=9, vote_type="ordinal")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     back = read_pabulib_election(write_pabulib(e, os.path.join(d, "e.pb")))
    ...     again = read_pabulib(write_pabulib(e.to_inquiry(), os.path.join(d, "f.pb")))
    >>> back == e, election_from_tables(again) == e
    (True, True)
    """
    from coprod_analytics.io.atomic import atomic_write_text

    return atomic_write_text(Path(path), to_pabulib_string(election))
