"""Reading ``.pb`` text: the sections, the META, PROJECTS and VOTES tables, line errors.

:func:`parse_pabulib` walks the three ``;``-separated sections in their order (META,
PROJECTS, VOTES), checks each table (budget and vote type, unique project and voter ids,
ballots naming listed projects, points matching votes, META counts matching what was read)
and names the source, line, section and column of the first problem in a
:class:`~coprod_analytics.errors.ValidationError`. :func:`read_pabulib_election` and
:func:`read_pabulib` open a file. The format is described in
:mod:`coprod_analytics.io.pabulib`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.pabulib.election import VOTE_TYPES, PBElection, _parse_number

__all__ = ["parse_pabulib", "read_pabulib", "read_pabulib_election"]

_SECTIONS = ("META", "PROJECTS", "VOTES")
_INT_PROJECT_COLUMNS = ("votes", "score", "selected")


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


def _all_int(values: Iterable[Any]) -> bool:
    for v in values:
        if v is None:
            continue
        try:
            int(v)
        except (TypeError, ValueError):
            return False
    return True
