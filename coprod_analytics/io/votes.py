"""Votes in plain tables: long CSV/Parquet (one vote per row) and wide CSV (one row per
participant, one column per statement)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io._csv import read_csv_table, relocate
from coprod_analytics.schema import as_polars

__all__ = ["read_statements", "read_votes"]

Source = str | os.PathLike[str] | pl.DataFrame | Any


def _is_path(source: Any) -> bool:
    return isinstance(source, str | os.PathLike)


def _read_table(
    source: Source, *, required: dict[str, Any], optional: dict[str, Any], encoding: str, what: str
) -> tuple[pl.DataFrame, Path | None, bytes | None]:
    """A table from a CSV/TSV/Parquet path or an in-memory table."""
    if not _is_path(source):
        df = as_polars(source, name=what)
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise ValidationError(
                f"missing required column(s) {', '.join(repr(c) for c in missing)}; found "
                f"{', '.join(repr(c) for c in df.columns)}",
                table=what,
            )
        return df, None, None
    path = Path(str(source))
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        try:
            df = pl.read_parquet(path)
        except Exception as exc:
            raise ValidationError(f"not a readable Parquet file ({exc})", file=path) from None
        missing = [c for c in required if c not in df.columns]
        if missing:
            raise ValidationError(
                f"missing required column(s) {', '.join(repr(c) for c in missing)}; found "
                f"{', '.join(repr(c) for c in df.columns)}",
                file=path,
            )
        return df, path, None
    df, data = read_csv_table(path, required=required, optional=optional, encoding=encoding)
    return df, path, data


def read_statements(
    source: Source,
    *,
    statement_id: str = "statement_id",
    text: str = "text",
    encoding: str = "utf-8",
) -> pl.DataFrame:
    """Read a statements table (CSV, Parquet or a table) into the documented schema.

    ``author_id``, ``moderation``, ``is_meta`` and ``created`` are kept when present. A
    Pol.is ``comments.csv`` (``comment-id``, ``comment-body``) is recognised as well.

    Parameters
    ----------
    source : path or table
        A CSV, TSV or Parquet file, or a polars/pandas/Arrow table.
    statement_id, text : str
        The source's column holding each canonical column, named after it (e.g.
        ``statement_id="id"``); they become ``statement_id`` and ``text``.
    encoding : str, default "utf-8"
        Text encoding of CSV files.

    Returns
    -------
    polars.DataFrame
        ``statement_id``, ``text`` and the optional columns present.

    Examples
    --------
    >>> import polars as pl
    >>> t = pl.DataFrame({"id": [1, 2], "body": ["Buses", "Bikes"]})
    >>> read_statements(t, statement_id="id", text="body").columns
    ['statement_id', 'text']
    """
    probe_required: dict[str, Any] = {}
    df, path, _ = _read_table(
        source, required=probe_required, optional={}, encoding=encoding, what="statements"
    )
    if statement_id not in df.columns and "comment-id" in df.columns:
        df = df.rename({"comment-id": statement_id})
        if "comment-body" in df.columns:
            df = df.rename({"comment-body": text})
        if "moderated" in df.columns:
            df = df.rename({"moderated": "moderation"})
    if statement_id not in df.columns:
        err = ValidationError(
            f"missing the statement id column {statement_id!r}; found "
            f"{', '.join(repr(c) for c in df.columns)} (pass statement_id=... to name it)",
            file=path,
            line=1 if path else None,
            table=None if path else "statements",
        )
        raise err
    rename = {statement_id: "statement_id"}
    if text in df.columns:
        rename[text] = "text"
    return df.rename(rename)


def read_votes(
    source: Source,
    *,
    layout: Literal["long", "wide"] | None = None,
    participant_id: str = "participant_id",
    statement_id: str = "statement_id",
    vote: str = "vote",
    time: str | None = None,
    exclude: Sequence[str] = (),
    statements: Source | None = None,
    participants: Source | None = None,
    encoding: str = "utf-8",
) -> Inquiry:
    """Read votes from a long or wide table into an :class:`Inquiry`.

    Parameters
    ----------
    source : path or table
        A CSV, TSV or Parquet file, or a polars/pandas/Arrow table.
    layout : {"long", "wide"}, optional
        ``"long"``: one vote per row with the columns ``participant_id``, ``statement_id``, ``vote``
        (and ``time``). ``"wide"``: one row per participant, a ``participant_id`` column and
        one column per statement holding 1/-1/0 or empty. Detected when omitted: long when
        the ``vote`` column exists, else wide.
    participant_id, statement_id, vote, time : str
        The source's column holding each canonical column, named after it (e.g.
        ``participant_id="voter"``; ``time`` optional; epoch ms or ISO 8601).
    exclude : sequence of str
        Wide layout only: further columns that are not statements (e.g. ``"age"``); they
        become participant attributes.
    statements, participants : path or table, optional
        Statement texts (see :func:`read_statements`) and participant attributes
        (``participant_id`` plus attributes).
    encoding : str
        Text encoding of CSV files.

    Returns
    -------
    Inquiry
        The votes (ids that are all whole numbers become Int64), the statements and
        participants given, and ``metadata["source_format"]`` ``"long-votes"`` or
        ``"wide-votes"``.

    Raises
    ------
    ValidationError
        When the layout cannot be told, a column is missing or a value is invalid, naming
        the file (or table), line (or row) and column.

    Examples
    --------
    >>> import polars as pl
    >>> wide = pl.DataFrame({"participant_id": ["ann", "bo"], "s1": [1, None], "s2": [-1, 0]})
    >>> read_votes(wide).counts()["votes"]
    3
    >>> long = pl.DataFrame({"who": [1, 2], "what": [5, 5], "v": ["agree", "pass"]})
    >>> read_votes(long, participant_id="who", statement_id="what", vote="v").counts()["agree"]
    1
    """
    check_param(
        layout in (None, "long", "wide"), "layout", "read_votes", "'long', 'wide' or None", layout
    )
    df, path, data = _read_table(source, required={}, optional={}, encoding=encoding, what="votes")
    where: dict[str, Any] = {"file": path, "line": 1} if path is not None else {"table": "votes"}
    if layout is None:
        layout = "long" if vote in df.columns else "wide"
        if layout == "wide" and participant_id not in df.columns:
            raise ValidationError(
                f"cannot tell the layout: no {vote!r} column (long layout) and no {participant_id!r} "
                f"column (wide layout); found {', '.join(repr(c) for c in df.columns)}. Name "
                "the columns with participant_id=..., statement_id=..., vote=...",
                **where,
            )
    attrs: pl.DataFrame | None = None
    if layout == "long":
        needed = [participant_id, statement_id, vote] + ([time] if time is not None else [])
        missing = [c for c in needed if c not in df.columns]
        if missing:
            raise ValidationError(
                f"missing required column(s) {', '.join(repr(c) for c in missing)}; found "
                f"{', '.join(repr(c) for c in df.columns)}",
                **where,
            )
        cols = [
            pl.col(participant_id).alias("participant_id"),
            pl.col(statement_id).alias("statement_id"),
            pl.col(vote).alias("vote"),
        ]
        if time is not None:
            _check_times(df.get_column(time), path, data)
            cols.append(pl.col(time).alias("time"))
        votes = df.select(cols)
        votes = votes.with_columns(
            [_maybe_int(votes.get_column(c)) for c in ("participant_id", "statement_id")]
        )
    else:
        if participant_id not in df.columns:
            raise ValidationError(
                f"missing the participant column {participant_id!r}; found "
                f"{', '.join(repr(c) for c in df.columns)}",
                **where,
            )
        skip = {participant_id, *exclude}
        stmt_cols = [c for c in df.columns if c not in skip]
        if not stmt_cols:
            raise ValidationError(
                "the wide layout needs one column per statement; found none besides "
                f"{participant_id!r}",
                file=path,
                line=1 if path else None,
                table=None if path else "votes",
            )
        if exclude:
            attrs = df.select([participant_id, *[c for c in exclude if c in df.columns]]).rename(
                {participant_id: "participant_id"}
            )
        wide = df.select(
            pl.col(participant_id).alias("participant_id"),
            *[pl.col(c).cast(pl.String).alias(c) for c in stmt_cols],
        ).with_row_index("_row")
        long = wide.unpivot(
            index=["_row", "participant_id"], variable_name="statement_id", value_name="vote"
        ).filter(pl.col("vote").is_not_null() & (pl.col("vote").str.strip_chars() != ""))
        from coprod_analytics.inquiry import parse_vote_values

        try:
            parsed = parse_vote_values(long.get_column("vote"), "votes")
        except ValidationError as err:
            bad = long.row((err.row or 1) - 1, named=True)
            raise ValidationError(
                err.message,
                file=path,
                line=(bad["_row"] + 2) if path else None,
                row=None if path else bad["_row"] + 1,
                column=str(bad["statement_id"]),
                table=None if path else "votes",
            ) from None
        votes = long.select(
            _maybe_int(long.get_column("participant_id")), "statement_id"
        ).with_columns(parsed.alias("vote"))
        votes = votes.with_columns(_maybe_int(votes.get_column("statement_id")))
        data = None  # row numbers of the long table are not file rows
    stmts = read_statements(statements, encoding=encoding) if statements is not None else None
    ppl: pl.DataFrame | None = None
    if participants is not None:
        ppl, _, _ = _read_table(
            participants,
            required={"participant_id": pl.String},
            optional={},
            encoding=encoding,
            what="participants",
        )
        ppl = ppl.with_columns(_maybe_int(ppl.get_column("participant_id")))
    elif attrs is not None:
        ppl = attrs.with_columns(_maybe_int(attrs.get_column("participant_id")))
    metadata = {
        "source_format": f"{layout}-votes",
        "source_path": str(path) if path else None,
        "title": path.stem if path else "votes",
    }
    try:
        return Inquiry(votes, stmts, ppl, metadata=metadata)
    except ValidationError as err:
        if path is not None and data is not None and (err.table in (None, "votes")):
            raise relocate(err, path, data) from None
        if path is not None and err.file is None:
            raise ValidationError(err.message, file=path, row=err.row, column=err.column) from None
        raise


def _check_times(series: pl.Series, path: Path | None, data: bytes | None) -> None:
    """Refuse a number too large to be a time (epoch milliseconds fit in 64 bits), naming
    its line and column; the core would fail on it deep inside polars."""
    if not (series.dtype.is_integer() or series.dtype.is_float()):
        return
    too_big = series.cast(pl.Float64).abs() > 9.2e18
    if not too_big.any():
        return
    row = int(too_big.arg_true()[0]) + 1
    value = series[row - 1]
    digits = len(str(abs(int(value)))) if series.dtype.is_integer() else None
    what = f"{digits}-digit number" if digits else f"number {value!r}"
    err = ValidationError(
        f"{what} is not a time (epoch milliseconds have 13 digits); got {str(value)!r}",
        row=row,
        column=series.name,
        table=None if path is not None else "votes",
    )
    if path is not None and data is not None:
        raise relocate(err, path, data)
    raise err


def _maybe_int(series: pl.Series) -> pl.Series:
    """Text ids that are all whole numbers become Int64 (so '7' and 7 are one id)."""
    if series.dtype != pl.String:
        return series
    stripped = series.str.strip_chars()
    as_int = stripped.cast(pl.Int64, strict=False)
    if (as_int.is_not_null() | stripped.is_null()).all() and stripped.is_not_null().any():
        return as_int
    return stripped
