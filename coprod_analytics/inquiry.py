"""The inquiry data model: one object holding every input of a deliberation as tidy tables.

An :class:`Inquiry` holds polars tables with documented schemas. Constructing one validates
everything at the boundary (a :class:`~coprod_analytics.errors.ValidationError` names the
table, row and column of the first problem) and never leaves a half-built object.

Table schemas
-------------
``statements``
    ====================  ============================  ==========================================
    column                dtype                         meaning
    ====================  ============================  ==========================================
    ``statement_id``      Int64 or String               unique id
    ``text``              String                        the statement as participants saw it
    ``author_id``         as participant ids, nullable  who wrote it
    ``moderation``        Int8                          1 accepted, 0 unmoderated, -1 moderated out
    ``is_meta``           Boolean                       a meta statement (about the process)
    ``created``           Datetime(ms, UTC), nullable   when it was submitted
    ====================  ============================  ==========================================

    Further columns (e.g. Pol.is's ``group_informed_consensus``) are kept as they are.

``participants``
    ``participant_id`` (Int64 or String, unique) plus any attribute columns (e.g.
    ``polis_group_id``, ``age_band``). Every participant who voted has a row.

``vote_log``
    Every vote event in input order: ``participant_id``, ``statement_id``, ``vote`` (Int8:
    1 agree, -1 disagree, 0 pass), ``time`` (Datetime(ms, UTC), nullable).

``votes``
    The latest vote per (participant, statement): the latest ``time`` wins; among equal or
    missing times the later event in the log wins. Same columns as ``vote_log``.

Further inputs (crowd estimates, probabilities, choices, ratings, evidence ratings, and
later rankings, pairwise comparisons, budget ballots) are held in :attr:`Inquiry.tables` by
name; the schemas of the registered kinds are in :mod:`coprod_analytics.inputs` and are
validated on construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.schema import _first_row, as_polars, normalise_ids

__all__ = [
    "ID_DTYPES",
    "STATEMENT_COLUMNS",
    "TIME_DTYPE",
    "VOTE_COLUMNS",
    "Inquiry",
    "as_polars",
]

TIME_DTYPE = pl.Datetime("ms", "UTC")
ID_DTYPES = (pl.Int64, pl.String)
VOTE_COLUMNS = ("participant_id", "statement_id", "vote", "time")
STATEMENT_COLUMNS = ("statement_id", "text", "author_id", "moderation", "is_meta", "created")
VOTE_VALUES = {1: "agree", -1: "disagree", 0: "pass"}

_VOTE_WORDS = {
    "1": 1,
    "+1": 1,
    "1.0": 1,
    "agree": 1,
    "-1": -1,
    "-1.0": -1,
    "disagree": -1,
    "0": 0,
    "0.0": 0,
    "-0": 0,
    "pass": 0,
}


def _require_columns(df: pl.DataFrame, columns: tuple[str, ...], table: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValidationError(
            f"missing required column(s) {', '.join(repr(c) for c in missing)}; "
            f"found {', '.join(repr(c) for c in df.columns) or 'no columns'}",
            table=table,
        )


def _no_nulls(df: pl.DataFrame, column: str, table: str) -> None:
    nulls = df.get_column(column).is_null()
    if nulls.any():
        raise ValidationError(
            "missing value; every row needs one", table=table, row=_first_row(nulls), column=column
        )


def _unify_ids(a: pl.Series, b: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Bring two id columns to one dtype (String if either is String)."""
    if a.dtype == b.dtype:
        return a, b
    return a.cast(pl.String), b.cast(pl.String)


def parse_vote_values(series: pl.Series, table: str = "votes") -> pl.Series:
    """Parse a vote column to Int8 in {1, -1, 0}.

    Accepts integers, whole floats and the words ``agree``/``disagree``/``pass`` (any case).

    Parameters
    ----------
    series : polars.Series
        The vote column.
    table : str, default "votes"
        The table it belongs to (named in errors).

    Returns
    -------
    polars.Series
        Int8 votes: 1 agree, -1 disagree, 0 pass (nulls stay null).

    Raises
    ------
    ValidationError
        Naming the row and column of the first value that is not a vote.

    Examples
    --------
    >>> parse_vote_values(pl.Series("vote", ["agree", "-1", "pass"])).to_list()
    [1, -1, 0]
    """
    name = series.name
    if series.dtype == pl.String or series.dtype == pl.Categorical:
        text = series.cast(pl.String).str.strip_chars().str.to_lowercase()
        mapped = text.replace_strict(_VOTE_WORDS, default=None, return_dtype=pl.Int8)
        bad = mapped.is_null() & text.is_not_null()
        if bad.any():
            row = _first_row(bad)
            raise ValidationError(
                f"expected a vote of 1 (agree), -1 (disagree) or 0 (pass); got {series[row - 1]!r}",
                table=table,
                row=row,
                column=name,
            )
        return mapped.alias(name)
    if series.dtype == pl.Boolean:
        raise ValidationError(
            "expected a vote of 1 (agree), -1 (disagree) or 0 (pass); got true/false values",
            table=table,
            column=name,
        )
    if not series.dtype.is_numeric():
        raise ValidationError(
            f"expected numeric votes 1, -1 or 0; got a column of type {series.dtype}",
            table=table,
            column=name,
        )
    as_float = series.cast(pl.Float64)
    ok = series.is_null() | as_float.is_in(pl.Series([1.0, -1.0, 0.0]).implode())
    if not ok.all():
        row = _first_row(~ok)
        raise ValidationError(
            f"expected a vote of 1 (agree), -1 (disagree) or 0 (pass); got {series[row - 1]!r}",
            table=table,
            row=row,
            column=name,
        )
    return series.cast(pl.Int8)


def _iso_ms(value: str | None) -> int | None:
    """Epoch milliseconds of an ISO 8601 string (naive times are UTC), or None."""
    import datetime as dt

    if value is None:
        return None
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return int(t.timestamp() * 1000)


#: Epoch milliseconds of 0001-01-01 and 9999-12-31 23:59:59.999 UTC: the times a date can show.
_MS_RANGE = (-62_135_596_800_000, 253_402_300_799_999)


def _check_ms_range(ms: pl.Series, original: pl.Series, table: str) -> None:
    """Refuse epoch milliseconds outside the years 1–9999 (or beyond a 64-bit integer)."""
    low, high = _MS_RANGE
    out = (ms < low) | (ms > high)
    if ms.dtype.is_float():
        out = out | ms.is_nan()
    out = out.fill_null(False)
    if original.dtype == pl.String:  # digits too many for a 64-bit integer
        text = original.str.strip_chars()
        out = out | (ms.is_null() & text.str.contains(r"^[+-]?[0-9]{19,}$").fill_null(False))
    if out.any():
        row = _first_row(out)
        raise ValidationError(
            "expected a time as epoch milliseconds between the years 1 and 9999 or an ISO "
            f"8601 date-time; got {original[row - 1]!r}",
            table=table,
            row=row,
            column=original.name,
        )


def _parse_time(series: pl.Series, table: str) -> pl.Series:
    """Times become Datetime(ms, UTC): integers are epoch milliseconds, strings ISO 8601."""
    name = series.name
    dtype = series.dtype
    if isinstance(dtype, pl.Datetime):
        out = series.dt.cast_time_unit("ms")
        out = (
            out.dt.replace_time_zone("UTC")
            if dtype.time_zone is None
            else out.dt.convert_time_zone("UTC")
        )
        return out
    if dtype == pl.Date:
        return series.cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
    if dtype.is_integer() or dtype.is_float():
        if dtype.is_float():
            series = series.round(0)
        _check_ms_range(series, series, table)
        return series.cast(pl.Int64).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC").alias(name)
    if dtype == pl.String:
        text = series.str.strip_chars()
        text = text.set(text == "", None)  # type: ignore[arg-type]
        as_int = text.cast(pl.Int64, strict=False)
        _check_ms_range(as_int, series, table)
        as_ms = as_int.cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
        rest = text.set(as_int.is_not_null(), None)  # type: ignore[arg-type]
        try:
            parsed = _parse_time(rest.str.to_datetime(time_unit="ms", strict=False), table)
        except Exception:
            parsed = pl.Series(name, [None] * len(series), dtype=TIME_DTYPE)
        out = as_ms.fill_null(parsed).alias(name)
        bad = out.is_null() & text.is_not_null()
        if bad.any():  # mixed formats: Python's ISO 8601 parser for what is left
            fixed = [_iso_ms(v) if b else None for v, b in zip(text, bad, strict=True)]
            extra = pl.Series(name, fixed, dtype=pl.Int64).cast(pl.Datetime("ms"))
            out = out.fill_null(extra.dt.replace_time_zone("UTC"))
            bad = out.is_null() & text.is_not_null()
        if bad.any():
            row = _first_row(bad)
            raise ValidationError(
                "expected a time as epoch milliseconds or an ISO 8601 date-time; "
                f"got {series[row - 1]!r}",
                table=table,
                row=row,
                column=name,
            )
        return out
    if dtype == pl.Null:
        return pl.Series(name, [None] * len(series), dtype=TIME_DTYPE)
    raise ValidationError(
        f"expected times (epoch ms or ISO 8601); got a column of type {dtype}",
        table=table,
        column=name,
    )


def _check_unique(series: pl.Series, table: str) -> None:
    dup = series.is_duplicated()
    if dup.any():
        rows = dup.arg_true()
        first = int(rows[0])
        value = series[first]
        second = int(rows[1]) if len(rows) > 1 else first
        # find the second occurrence of the same value
        same = (series == value).arg_true()
        if len(same) > 1:
            second = int(same[1])
        raise ValidationError(
            f"duplicate id {value!r} (rows {first + 1} and {second + 1}); ids must be unique",
            table=table,
            row=second + 1,
            column=series.name,
        )


def _validate_votes(df: pl.DataFrame) -> pl.DataFrame:
    _require_columns(df, ("participant_id", "statement_id", "vote"), "votes")
    for col in ("participant_id", "statement_id", "vote"):
        _no_nulls(df, col, "votes")
    pid = normalise_ids(df.get_column("participant_id"), "votes")
    sid = normalise_ids(df.get_column("statement_id"), "votes")
    vote = parse_vote_values(df.get_column("vote"), "votes")
    if "time" in df.columns:
        time = _parse_time(df.get_column("time"), "votes").alias("time")
    else:
        time = pl.Series("time", [None] * df.height, dtype=TIME_DTYPE)
    return pl.DataFrame([pid, sid, vote, time])


def _validate_statements(df: pl.DataFrame, vote_sids: pl.Series) -> pl.DataFrame:
    _require_columns(df, ("statement_id",), "statements")
    _no_nulls(df, "statement_id", "statements")
    sid = normalise_ids(df.get_column("statement_id"), "statements")
    _check_unique(sid, "statements")
    n = df.height
    cols: dict[str, pl.Series] = {"statement_id": sid}
    if "text" in df.columns:
        cols["text"] = df.get_column("text").cast(pl.String)
    else:
        cols["text"] = pl.Series("text", [None] * n, dtype=pl.String)
    if "author_id" in df.columns:
        author = df.get_column("author_id")
        cols["author_id"] = (
            author if author.dtype in ID_DTYPES else normalise_ids(author, "statements")
        )
    else:
        cols["author_id"] = pl.Series("author_id", [None] * n, dtype=pl.Int64)
    if "moderation" in df.columns:
        mod = df.get_column("moderation")
        if mod.dtype == pl.String:
            mod = mod.str.strip_chars().cast(pl.Int64, strict=False)
        mod = mod.fill_null(0)
        ok = mod.is_in([1, 0, -1])
        if not ok.all():
            row = _first_row(~ok)
            raise ValidationError(
                "expected moderation 1 (accepted), 0 (unmoderated) or -1 (moderated out); "
                f"got {df.get_column('moderation')[row - 1]!r}",
                table="statements",
                row=row,
                column="moderation",
            )
        cols["moderation"] = mod.cast(pl.Int8)
    else:
        cols["moderation"] = pl.Series("moderation", [0] * n, dtype=pl.Int8)
    if "is_meta" in df.columns:
        meta = df.get_column("is_meta")
        if meta.dtype == pl.String:
            low = meta.str.strip_chars().str.to_lowercase()
            meta = low.replace_strict(
                {"true": True, "false": False, "1": True, "0": False, "": False},
                default=None,
                return_dtype=pl.Boolean,
            )
            bad = meta.is_null() & low.is_not_null()
            if bad.any():
                row = _first_row(bad)
                raise ValidationError(
                    f"expected true/false; got {df.get_column('is_meta')[row - 1]!r}",
                    table="statements",
                    row=row,
                    column="is_meta",
                )
        elif meta.dtype != pl.Boolean:
            meta = meta.cast(pl.Boolean)
        cols["is_meta"] = meta.fill_null(False)
    else:
        cols["is_meta"] = pl.Series("is_meta", [False] * n, dtype=pl.Boolean)
    if "created" in df.columns:
        cols["created"] = _parse_time(df.get_column("created"), "statements").alias("created")
    else:
        cols["created"] = pl.Series("created", [None] * n, dtype=TIME_DTYPE)
    out = pl.DataFrame(list(cols.values()))
    extra = [c for c in df.columns if c not in cols]
    if extra:
        out = out.with_columns(df.select(extra))
    # every voted statement must be known
    sid_all, vote_sids = _unify_ids(out.get_column("statement_id"), vote_sids)
    unknown = ~vote_sids.is_in(sid_all.implode())
    if unknown.any():
        row = _first_row(unknown)
        raise ValidationError(
            f"vote for unknown statement {vote_sids[row - 1]!r}; it is not in the statements table",
            table="votes",
            row=row,
            column="statement_id",
        )
    return out.with_columns(sid_all.alias("statement_id"))


def _validate_participants(df: pl.DataFrame, vote_pids: pl.Series) -> pl.DataFrame:
    _require_columns(df, ("participant_id",), "participants")
    _no_nulls(df, "participant_id", "participants")
    pid = normalise_ids(df.get_column("participant_id"), "participants")
    _check_unique(pid, "participants")
    out = df.with_columns(pid.alias("participant_id"))
    pid, vote_pids = _unify_ids(pid, vote_pids)
    out = out.with_columns(pid.alias("participant_id"))
    missing = vote_pids.unique().filter(~vote_pids.unique().is_in(pid.implode()))
    if missing.len():
        add = pl.DataFrame({"participant_id": missing.sort()})
        out = pl.concat([out, add], how="diagonal_relaxed")
    return out


def _pair_key(log: pl.DataFrame) -> pl.Series | None:
    """(participant, statement) packed into one Int64 when both ids are small integers."""
    pid, sid = log.get_column("participant_id"), log.get_column("statement_id")
    if pid.dtype != pl.Int64 or sid.dtype != pl.Int64:
        return None
    pmin, pmax, smin, smax = pid.min(), pid.max(), sid.min(), sid.max()
    if not (
        isinstance(pmin, int)
        and isinstance(pmax, int)
        and isinstance(smin, int)
        and isinstance(smax, int)
    ):
        return None
    span = smax - smin + 1
    if (pmax - pmin + 1) * span >= 2**62:
        return None
    return ((pid - pmin) * span + (sid - smin)).alias("_key")


def latest_votes(log: pl.DataFrame) -> pl.DataFrame:
    """The latest vote per (participant, statement) of a validated vote log.

    The latest ``time`` wins; among equal (or missing) times the later row wins.

    Parameters
    ----------
    log : polars.DataFrame
        A vote log as :attr:`Inquiry.vote_log` holds it.

    Returns
    -------
    polars.DataFrame
        The winning rows, in log order.

    Examples
    --------
    >>> log = pl.DataFrame({"participant_id": [1, 1], "statement_id": [7, 7], "vote": [1, -1],
    ...                     "time": [None, None]})
    >>> latest_votes(log)["vote"].to_list()
    [-1]
    """
    keys = ["participant_id", "statement_id"]
    if log.height < 2:
        return log
    key = _pair_key(log)
    if key is not None:
        arr = key.to_numpy().copy()
        arr.sort()  # numpy's radix sort: much faster than hashing pairs on big logs
        if not (arr[1:] == arr[:-1]).any():
            return log
        dup = key.is_duplicated()
        work = pl.DataFrame({"_key": key, "time": log.get_column("time")})
        subset = ["_key"]
    else:
        dup = log.select(pl.struct(keys).is_duplicated()).to_series()
        work = log.select([*keys, "time"])
        subset = keys
    if not dup.any():
        return log
    seq = pl.int_range(pl.len(), dtype=pl.Int64).alias("_seq")
    indexed = work.with_columns(seq)
    dups = indexed.filter(dup)
    winners = (
        dups.sort(["time", "_seq"], nulls_last=False)
        .unique(subset=subset, keep="last")
        .get_column("_seq")
    )
    keep = ~dup | indexed.get_column("_seq").is_in(winners.implode())
    return log.filter(keep)


def _weighted_ballots(name: str, table: pl.DataFrame) -> bool:
    """Whether ``table`` holds ballot types with a voter count (``rankings`` with ``weight``)."""
    return name == "rankings" and "weight" in table.columns and "participant_id" in table.columns


@dataclass(frozen=True, eq=False)
class Inquiry:
    """Every input of one inquiry, validated, as tidy polars tables.

    Parameters
    ----------
    votes : table, optional
        The vote event log with columns ``participant_id``, ``statement_id``, ``vote``
        (1/-1/0 or agree/disagree/pass) and optionally ``time`` (epoch ms, ISO 8601 or a
        datetime). Re-votes are allowed: the latest wins in :attr:`votes`, and the full log
        stays in :attr:`vote_log`.
    statements : table, optional
        ``statement_id`` plus optional ``text``, ``author_id``, ``moderation``, ``is_meta``,
        ``created`` and any further columns. When omitted, statements are the distinct ids
        voted on (no text, unmoderated).
    participants : table, optional
        ``participant_id`` plus attributes. Participants who voted but are missing are added.
    metadata : dict, optional
        Free-form facts about the inquiry (title, source, url, attribution, ...).
    tables : dict of str to table, optional
        Further inputs by name (``"estimates"``, ``"ratings"``, ``"evidence"``, ...).

    Raises
    ------
    ValidationError
        On any problem with the inputs, naming the table, row and column.

    Examples
    --------
    >>> inq = Inquiry(votes={"participant_id": [1, 1, 2], "statement_id": [10, 10, 10],
    ...                      "vote": [1, -1, "pass"]})
    >>> inq.counts()["votes"], inq.counts()["disagree"], inq.counts()["pass"]
    (2, 1, 1)
    >>> inq.vote_log.height
    3
    """

    vote_log: pl.DataFrame
    votes: pl.DataFrame
    statements: pl.DataFrame
    participants: pl.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def __init__(
        self,
        votes: Any = None,
        statements: Any = None,
        participants: Any = None,
        *,
        metadata: Mapping[str, Any] | None = None,
        tables: Mapping[str, Any] | None = None,
    ) -> None:
        if votes is None:
            log = pl.DataFrame(
                schema={
                    "participant_id": pl.Int64,
                    "statement_id": pl.Int64,
                    "vote": pl.Int8,
                    "time": TIME_DTYPE,
                }
            )
        else:
            log = _validate_votes(as_polars(votes, name="votes"))
        if statements is None:
            sids = log.get_column("statement_id").unique().sort()
            stmts = _validate_statements(pl.DataFrame({"statement_id": sids}), log["statement_id"])
        else:
            stmts = _validate_statements(
                as_polars(statements, name="statements"), log.get_column("statement_id")
            )
        log = log.with_columns(log.get_column("statement_id").cast(stmts["statement_id"].dtype))
        if participants is None:
            pids = log.get_column("participant_id").unique().sort()
            ppl = pl.DataFrame({"participant_id": pids})
        else:
            ppl = _validate_participants(
                as_polars(participants, name="participants"), log.get_column("participant_id")
            )
        log = log.with_columns(log.get_column("participant_id").cast(ppl["participant_id"].dtype))
        from coprod_analytics.inputs import validate_input

        extra: dict[str, pl.DataFrame] = {}
        for name, table in (tables or {}).items():
            extra[str(name)] = validate_input(str(name), table)
        object.__setattr__(self, "vote_log", log)
        object.__setattr__(self, "votes", latest_votes(log))
        object.__setattr__(self, "statements", stmts)
        object.__setattr__(self, "participants", ppl)
        object.__setattr__(self, "metadata", dict(metadata or {}))
        object.__setattr__(self, "tables", extra)

    # ------------------------------------------------------------------ derived facts
    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the statements, participants, full vote log and further tables.

        Recorded in every result's provenance (see
        :func:`~coprod_analytics.provenance.fingerprint_frames`).

        Returns
        -------
        str
            The hex digest (64 characters).
        """
        from coprod_analytics.provenance import fingerprint_frames

        # further tables in name order (a dict's order says nothing about the data) and by
        # name, so that a table renamed is a change
        named = [
            t.rename({c: f"{name}.{c}" for c in t.columns})
            for name, t in sorted(self.tables.items())
        ]
        return fingerprint_frames(self.statements, self.participants, self.vote_log, *named)

    @property
    def excluded_statement_ids(self) -> pl.Series:
        """Ids of statements moderated out or meta (zeroed in the Pol.is analysis).

        Returns
        -------
        polars.Series
            The ``statement_id`` of every statement with ``moderation == -1`` or
            ``is_meta``.
        """
        s = self.statements
        return s.filter((pl.col("moderation") == -1) | pl.col("is_meta")).get_column("statement_id")

    def participant_ids(self) -> pl.Series:
        """Everyone who answered anything: the distinct participant ids of the votes and of
        every response table (estimates, ratings, evidence, ballots, ...), as text.

        Descriptive tables (the ``participants`` attributes, questions, items, projects, the
        population) do not count: being listed is not taking part.

        Returns
        -------
        polars.Series
            Sorted distinct ids (String), named ``participant_id``.

        Examples
        --------
        >>> inq = Inquiry({"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]})
        >>> inq.with_tables(estimates={"participant_id": [3], "question_id": [1],
        ...                            "value": [2.0]}).participant_ids().to_list()
        ['1', '2', '3']
        """
        from coprod_analytics.inputs import INPUT_SCHEMAS, _family_schemas

        _family_schemas()
        parts = [self.votes.get_column("participant_id").cast(pl.String)]
        for name, table in self.tables.items():
            schema = INPUT_SCHEMAS.get(name)
            if name == "participants" or schema is None or "participant_id" not in table.columns:
                continue
            if _weighted_ballots(name, table):
                continue  # ballot types standing for several voters (PrefLib), not people
            parts.append(table.get_column("participant_id").cast(pl.String))
        return pl.concat(parts).drop_nulls().unique().sort().alias("participant_id")

    def counts(self) -> dict[str, int]:
        """Headline counts (as ``coprod info --json`` prints them).

        Returns
        -------
        dict of str to int
            ``participants`` (distinct people who answered anything: voted, estimated, rated,
            ranked, cast a ballot, ...; see :meth:`participant_ids`; a ranking table with a
            ``weight`` column, as PrefLib files keep one row per distinct order, counts the
            voters its weights stand for), ``voters`` (distinct
            participants who voted on statements), ``statements`` (rows of the statements
            table), ``votes`` (after latest-vote-wins), ``vote_events`` (rows of the log),
            ``agree``, ``disagree``, ``pass``, ``moderated_out`` (moderated out or meta).

        Examples
        --------
        >>> Inquiry({"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]}).counts()
        {'participants': 2, 'voters': 2, 'statements': 1, 'votes': 2, 'vote_events': 2, 'agree': 1, 'disagree': 1, 'pass': 0, 'moderated_out': 0}
        """
        v = self.votes
        tally = v.group_by("vote").len()
        by = dict(zip(tally["vote"].to_list(), tally["len"].to_list(), strict=True))
        voters = int(v.get_column("participant_id").n_unique()) if v.height else 0
        people = voters
        if self.tables:
            people = self.participant_ids().len()
            for name, table in self.tables.items():
                if _weighted_ballots(name, table):
                    per_ballot = table.group_by("participant_id").agg(pl.col("weight").first())
                    people += round(float(per_ballot.get_column("weight").sum()))
        return {
            "participants": people,
            "voters": voters,
            "statements": self.statements.height,
            "votes": v.height,
            "vote_events": self.vote_log.height,
            "agree": int(by.get(1, 0)),
            "disagree": int(by.get(-1, 0)),
            "pass": int(by.get(0, 0)),
            "moderated_out": int(self.excluded_statement_ids.len()),
        }

    def statement_tallies(self) -> pl.DataFrame:
        """Per statement: agree, disagree, pass and total votes (latest votes only).

        Returns
        -------
        polars.DataFrame
            One row per statement: ``statement_id``, ``text``, ``moderation``, ``is_meta``,
            ``agree``, ``disagree``, ``pass``, ``total`` (0 for statements without votes).

        Examples
        --------
        >>> inq = Inquiry({"participant_id": [1, 2, 2], "statement_id": [1, 1, 2],
        ...                "vote": [1, -1, 0]})
        >>> inq.statement_tallies().select("statement_id", "agree", "pass", "total").rows()
        [(1, 1, 0, 2), (2, 0, 1, 1)]
        """
        t = self.votes.group_by("statement_id").agg(
            agree=(pl.col("vote") == 1).sum().cast(pl.Int64),
            disagree=(pl.col("vote") == -1).sum().cast(pl.Int64),
            passes=(pl.col("vote") == 0).sum().cast(pl.Int64),
            total=pl.len().cast(pl.Int64),
        )
        return (
            self.statements.select("statement_id", "text", "moderation", "is_meta")
            .join(t, on="statement_id", how="left")
            .with_columns(pl.col("agree", "disagree", "passes", "total").fill_null(0))
            .rename({"passes": "pass"})
        )

    def as_of(self, time: Any) -> Inquiry:
        """The inquiry as it stood at ``time``: votes and statements up to and including it.

        Votes and statements without a time are kept, and so is every statement voted on
        by then.

        Parameters
        ----------
        time : str, datetime or int
            ISO 8601 text, a datetime or epoch milliseconds (naive times are UTC).

        Returns
        -------
        Inquiry
            A new inquiry; ``metadata["as_of"]`` records the time.

        Examples
        --------
        >>> inq = Inquiry({"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1],
        ...                "time": ["2026-03-07T10:00:00Z", "2026-03-07T10:30:00Z"]})
        >>> inq.as_of("2026-03-07T10:15:00Z").counts()["votes"]
        1
        """
        t = _parse_time(pl.Series("time", [time]), "as_of")[0]
        log = self.vote_log.filter(pl.col("time").is_null() | (pl.col("time") <= t))
        stmts = self.statements.filter(pl.col("created").is_null() | (pl.col("created") <= t))
        voted = log.get_column("statement_id").unique()
        stmts = pl.concat(
            [stmts, self.statements.filter(pl.col("statement_id").is_in(voted.implode()))]
        ).unique(subset="statement_id", keep="first", maintain_order=True)
        return Inquiry(
            log,
            stmts,
            self.participants,
            metadata={**self.metadata, "as_of": str(t)},
            tables=self.tables,
        )

    def with_votes(self, new_votes: Any) -> Inquiry:
        """A new inquiry with more vote events appended to the log (validated).

        Parameters
        ----------
        new_votes : table
            Vote events with the columns of the ``votes`` argument of :class:`Inquiry`.

        Returns
        -------
        Inquiry
            A new inquiry; latest-vote-wins applies across old and new events.

        Examples
        --------
        >>> inq = Inquiry({"participant_id": [1], "statement_id": [1], "vote": [1],
        ...                "time": ["2026-03-07T10:00:00Z"]})
        >>> later = inq.with_votes({"participant_id": [1], "statement_id": [1], "vote": [-1],
        ...                         "time": ["2026-03-07T10:05:00Z"]})
        >>> later.counts()["vote_events"], later.counts()["disagree"]
        (2, 1)
        """
        new = _validate_votes(as_polars(new_votes, name="votes"))
        log = pl.concat([self.vote_log, new], how="vertical_relaxed")
        if self._holds(new):  # only the new events needed checking
            return self._replaced(vote_log=log)
        return Inquiry(
            log, self.statements, self.participants, metadata=self.metadata, tables=self.tables
        )

    def _holds(self, new: pl.DataFrame) -> bool:
        """Validated vote events ``new`` have this inquiry's dtypes, and their statements and
        participants are in its tables (nothing to unify, add or refuse)."""
        if new.schema != self.vote_log.schema:
            return False
        known = (
            ("statement_id", self.statements.get_column("statement_id")),
            ("participant_id", self.participants.get_column("participant_id")),
        )
        return all(new.get_column(c).is_in(ids.implode()).all() for c, ids in known)

    @classmethod
    def _checked(
        cls,
        log: pl.DataFrame,
        statements: pl.DataFrame,
        participants: pl.DataFrame,
        *,
        metadata: Mapping[str, Any],
        tables: Mapping[str, pl.DataFrame],
        votes: pl.DataFrame | None = None,
    ) -> Inquiry:
        """An inquiry of parts validated already (by :class:`Inquiry` or its validators),
        not checked again: a live view grows its inquiry by a few events at a time."""
        out = object.__new__(cls)
        object.__setattr__(out, "vote_log", log)
        object.__setattr__(out, "votes", latest_votes(log) if votes is None else votes)
        object.__setattr__(out, "statements", statements)
        object.__setattr__(out, "participants", participants)
        object.__setattr__(out, "metadata", dict(metadata))
        object.__setattr__(out, "tables", dict(tables))
        return out

    def _replaced(self, **parts: Any) -> Inquiry:
        """This inquiry with some parts replaced by validated ones (``vote_log``, ``votes``,
        ``statements``, ``participants``, ``metadata``, ``tables``), not checked again; the
        latest votes are recomputed when the log is replaced without them."""
        log = parts.get("vote_log", self.vote_log)
        votes = parts.get("votes", self.votes if "vote_log" not in parts else None)
        return Inquiry._checked(
            log,
            parts.get("statements", self.statements),
            parts.get("participants", self.participants),
            votes=votes,
            metadata=parts.get("metadata", self.metadata),
            tables=parts.get("tables", self.tables),
        )

    def with_statements(self, statements: Any) -> Inquiry:
        """A new inquiry with the statements table replaced (validated).

        Parameters
        ----------
        statements : table
            Statements with the columns of the ``statements`` argument of :class:`Inquiry`;
            every statement voted on must be in it.

        Returns
        -------
        Inquiry
            A new inquiry; its votes are not checked again (only against the statements).

        Examples
        --------
        >>> inq = Inquiry({"participant_id": [1], "statement_id": [1], "vote": [1]})
        >>> inq.with_statements({"statement_id": [1, 2], "text": ["a", "b"]}).counts()["statements"]
        2
        """
        stmts = _validate_statements(
            as_polars(statements, name="statements"), self.vote_log.get_column("statement_id")
        )
        if stmts.schema["statement_id"] != self.vote_log.schema["statement_id"]:
            return Inquiry(  # the ids' type changed: unify them as a new inquiry does
                self.vote_log,
                stmts,
                self.participants,
                metadata=self.metadata,
                tables=self.tables,
            )
        return self._replaced(statements=stmts)

    def with_participants(self, participants: Any) -> Inquiry:
        """A new inquiry with the participants table replaced (validated).

        Parameters
        ----------
        participants : table
            Participants with the columns of the ``participants`` argument of
            :class:`Inquiry` (voters missing from it are added, as there).

        Returns
        -------
        Inquiry
            A new inquiry; its votes are not checked again.

        Examples
        --------
        >>> inq = Inquiry({"participant_id": [1], "statement_id": [1], "vote": [1]})
        >>> inq.with_participants({"participant_id": [2], "age": ["16-34"]}).participants.rows()
        [(2, '16-34'), (1, None)]
        """
        ppl = _validate_participants(
            as_polars(participants, name="participants"),
            self.vote_log.get_column("participant_id"),
        )
        if ppl.schema["participant_id"] != self.vote_log.schema["participant_id"]:
            return Inquiry(
                self.vote_log,
                self.statements,
                ppl,
                metadata=self.metadata,
                tables=self.tables,
            )
        return self._replaced(participants=ppl)

    def without_tables(self, *names: str) -> Inquiry:
        """A new inquiry without the further tables named (names it does not hold are
        ignored).

        Parameters
        ----------
        *names : str
            Table names (``"free_text"``).

        Returns
        -------
        Inquiry

        Examples
        --------
        >>> inq = Inquiry({"participant_id": [1], "statement_id": [1], "vote": [1]})
        >>> rated = inq.with_tables(ratings={"participant_id": [2], "item_id": [1], "rating": [4]})
        >>> sorted(rated.without_tables("ratings", "estimates").tables)
        []
        """
        return self._replaced(tables={k: t for k, t in self.tables.items() if k not in names})

    def with_metadata(self, **items: Any) -> Inquiry:
        """A new inquiry with metadata items added or replaced.

        Parameters
        ----------
        **items : any
            Metadata by name (``title=...``).

        Returns
        -------
        Inquiry

        Examples
        --------
        >>> inq = Inquiry({"participant_id": [1], "statement_id": [1], "vote": [1]})
        >>> inq.with_metadata(title="Riverside").metadata["title"]
        'Riverside'
        """
        return self._replaced(metadata={**self.metadata, **items})

    def with_tables(self, **tables: Any) -> Inquiry:
        """A new inquiry with further input tables added or replaced (validated).

        Parameters
        ----------
        **tables : table
            Input tables by name (``estimates=...``, ``ratings=...``), checked with
            :func:`~coprod_analytics.inputs.validate_input`.

        Returns
        -------
        Inquiry
            A new inquiry holding the old and the new tables.

        Examples
        --------
        >>> inq = Inquiry({"participant_id": [1], "statement_id": [1], "vote": [1]})
        >>> rated = inq.with_tables(ratings={"participant_id": [2], "item_id": [1],
        ...                                  "rating": [4]})
        >>> sorted(rated.tables), rated.counts()["participants"]
        (['ratings'], 2)
        """
        from coprod_analytics.inputs import validate_input

        checked = {str(name): validate_input(str(name), t) for name, t in tables.items()}
        return self._replaced(tables={**self.tables, **checked})  # those held were checked

    def __repr__(self) -> str:
        c = self.counts()
        title = self.metadata.get("title")
        head = f"Inquiry {title!r}" if title else "Inquiry"
        parts = [f"{c['participants']:,} participants"]
        if c["statements"] or c["votes"]:
            parts.append(
                f"{c['statements']:,} statements, {c['votes']:,} votes ({c['agree']:,} agree, "
                f"{c['disagree']:,} disagree, {c['pass']:,} pass)"
            )
        held = [f"{name} ({table.height:,})" for name, table in sorted(self.tables.items())]
        if held:
            parts.append("tables: " + ", ".join(held))
        return f"<{head}: " + "; ".join(parts) + ">"

    def _repr_html_(self) -> str:
        from coprod_analytics.results import frame_to_html

        c = self.counts()
        table = pl.DataFrame({"what": list(c.keys()), "count": list(c.values())})
        import html

        title = html.escape(str(self.metadata.get("title", "Inquiry")))
        return f"<strong>{title}</strong>" + frame_to_html(table)
