"""Rankings, pairwise comparisons and participatory budgets as input tables of an Inquiry.

Importing this module registers five input kinds (see :mod:`coprod_analytics.inputs`), so
ballots, comparisons and budgeting elections can live in :attr:`Inquiry.tables`, load from a
folder of ``<kind>.csv`` files and reach the dashboard and the report:

===================  ====================================================================
table                columns (optional ones in brackets)
===================  ====================================================================
``rankings``         participant_id, alternative, rank (1 is best; equal ranks are ties),
                     [weight] (the ballot stands for this many voters, as PrefLib counts)
``pairwise``         winner, loser, [tie] (true/1: judged equal), [participant_id],
                     [weight]
``budget_projects``  project_id, cost, [name], [votes], [score], [selected] (1 = funded
                     by the city), [category], [target], ...
``budget_votes``     participant_id, project_id, [points] (cumulative and scoring
                     ballots), [rank] (ordinal ballots: 1 is the voter's first choice)
``budget_meta``      key, value: the pabulib META table (``budget`` is required;
                     ``vote_type`` is approval, ordinal, cumulative or scoring)
===================  ====================================================================

Project and participant ids of budgets are kept as text, exactly as the ``.pb`` file writes
them (``"01"`` stays ``"01"``). :func:`election_from_tables` turns the three budget tables
back into the :class:`~coprod_analytics.io.pabulib.PBElection` the budgeting rules take;
:func:`read_preference_inquiry` opens a ``.pb`` or PrefLib file as an Inquiry (used by
:func:`~coprod_analytics.io.load.load_inquiry`). Voter attributes of ``.pb`` files (age,
sex, ...) are not carried over. A PrefLib file keeps one ballot per distinct order with its
count as ``weight``, so ``participants`` in ``coprod info`` counts distinct orders.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.pabulib import PBElection

__all__ = [
    "BUDGET_TABLES",
    "PREFLIB_SUFFIXES",
    "election_from_tables",
    "election_tables",
    "has_budget",
    "has_pairwise",
    "has_rankings",
    "rankings_as_ballots",
    "read_preference_inquiry",
]

#: The tables holding one participatory-budgeting election.
BUDGET_TABLES = ("budget_projects", "budget_votes", "budget_meta")
#: PrefLib ranking files that :func:`read_preference_inquiry` reads.
PREFLIB_SUFFIXES = (".soc", ".soi", ".toc", ".toi")


def has_budget(tables: Mapping[str, Any]) -> bool:
    """Whether ``tables`` hold a budgeting election (projects and votes)."""
    return "budget_projects" in tables and "budget_votes" in tables


def has_rankings(tables: Mapping[str, Any]) -> bool:
    """Whether ``tables`` hold ranked ballots."""
    return "rankings" in tables and tables["rankings"].height > 0


def has_pairwise(tables: Mapping[str, Any]) -> bool:
    """Whether ``tables`` hold pairwise comparisons."""
    return "pairwise" in tables and tables["pairwise"].height > 0


def _integral(s: pl.Series) -> pl.Series:
    """Int64 when every value is whole (as the ``.pb`` reader types numbers), else as is."""
    if s.dtype.is_float() and bool(((s == s.floor()) | s.is_null()).all()):
        return s.cast(pl.Int64)
    return s


def election_tables(election: PBElection) -> dict[str, pl.DataFrame]:
    """The ``budget_projects``, ``budget_votes`` and ``budget_meta`` tables of an election.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 60, "b": 50}, [["a"], ["b", "a"]], budget=100)
    >>> t = election_tables(e)
    >>> t["budget_votes"].rows()
    [('1', 'a'), ('2', 'b'), ('2', 'a')]
    >>> election_from_tables(t) == e
    True
    """
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
    tables: Mapping[str, pl.DataFrame], *, source: str | None = None
) -> PBElection:
    """The :class:`PBElection` held by an inquiry's budget tables.

    Parameters
    ----------
    tables : mapping
        ``budget_projects``, ``budget_votes`` and ``budget_meta`` (validated or raw); e.g.
        ``inquiry.tables``.
    source : str, optional
        Recorded as the election's source.

    Raises
    ------
    ValidationError
        When a table is missing, META has no budget, or a vote names an unknown project.
    """
    from coprod_analytics.inputs import validate_input

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


def rankings_as_ballots(table: pl.DataFrame) -> pl.DataFrame:
    """An inquiry's ``rankings`` table as the ballot table of
    :mod:`coprod_analytics.preferences.rankings` (``voter_id``, ``alternative``, ``rank``,
    [``weight``])."""
    return table.rename({"participant_id": "voter_id"})


def _title(path: Path, fallback: str | None) -> str:
    return fallback or path.stem


def read_preference_inquiry(path: str | os.PathLike[str]) -> Inquiry:
    """Open a pabulib ``.pb`` or PrefLib ``.soc``/``.soi``/``.toc``/``.toi`` file as an
    Inquiry holding the election's budget tables or the ranked ballots (no votes).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "tiny.soc"
    >>> _ = p.write_text("# ALTERNATIVE NAME 1: x\\n# ALTERNATIVE NAME 2: y\\n2: 2,1\\n1: 1,2\\n")
    >>> inq = read_preference_inquiry(p)
    >>> inq.tables["rankings"].columns
    ['participant_id', 'alternative', 'rank', 'weight']
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file")
    suffix = p.suffix.lower()
    if suffix == ".pb":
        from coprod_analytics.io.pabulib import read_pabulib

        election = read_pabulib(p)
        meta = election.meta
        return Inquiry(
            metadata={
                "source_format": "pabulib",
                "source_path": str(p),
                "title": _title(p, meta.get("description")),
                "attribution": "pabulib.org — Pabulib: a participatory budgeting library "
                "(Faliszewski et al.)",
            },
            tables=election_tables(election),
        )
    if suffix in PREFLIB_SUFFIXES:
        from coprod_analytics.io.preflib import read_preflib

        data = read_preflib(p)
        ballots = data.ballots.rename({"voter_id": "participant_id"})
        md: dict[str, Any] = {
            "source_format": f"preflib ({data.data_type})",
            "source_path": str(p),
            "title": _title(p, data.metadata.get("TITLE")),
            "attribution": "PrefLib (preflib.org; Mattei & Walsh 2013)",
        }
        return Inquiry(metadata=md, tables={"rankings": ballots})
    raise ValidationError(
        f"unsupported file type {p.suffix!r}; expected .pb or one of {PREFLIB_SUFFIXES}",
        file=p,
    )
