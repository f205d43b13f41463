"""A votes dataset as one Parquet file or many, read piece by piece (never whole).

A *votes dataset* is one Parquet file, a folder of them (searched recursively, files in
path order) or a glob pattern, with the long votes columns ``participant_id``,
``statement_id``, ``vote`` and optionally ``time``. :func:`votes_dataset` lists its pieces
(groups of Parquet row groups of about ``rows_per_piece`` rows) from the file footers alone;
:func:`read_votes_piece` reads and validates one piece, so an engine (the Dask engine of
:mod:`~coprod_analytics.consensus.dask_engine`) can read the dataset in parallel, one piece
per task. The order of pieces is the order of the vote log: within equal times the later
row wins, as in :func:`~coprod_analytics.inquiry.latest_votes`. :func:`read_votes_dataset`
reads a dataset that fits in memory whole, as an :class:`~coprod_analytics.inquiry.Inquiry`
for the local engine.
"""

from __future__ import annotations

import glob as _glob
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry, _parse_time, parse_vote_values

__all__ = [
    "VotesDataset",
    "VotesPiece",
    "is_dataset_pattern",
    "read_votes_dataset",
    "read_votes_piece",
    "votes_dataset",
]

#: The columns a votes dataset must have.
REQUIRED = ("participant_id", "statement_id", "vote")


@dataclass(frozen=True)
class VotesPiece:
    """Consecutive row groups of one Parquet file: the unit of parallel reading.

    Attributes
    ----------
    index : int
        Position of the piece in the dataset (log order).
    path : str
        The Parquet file.
    row_groups : tuple of int
        Its row groups in this piece.
    first_row : int
        0-based row of the file where the piece starts (for error messages).
    n_rows : int
        Rows in the piece.
    has_time : bool
        Whether the file has a ``time`` column.

    Examples
    --------
    >>> VotesPiece(0, "votes.parquet", (0,), 0, 10, False).n_rows
    10
    """

    index: int
    path: str
    row_groups: tuple[int, ...]
    first_row: int
    n_rows: int
    has_time: bool


@dataclass(frozen=True)
class VotesDataset:
    """The files and pieces of a votes dataset (from the Parquet footers only).

    Attributes
    ----------
    source : str
        What the user gave (file, folder or glob).
    files : tuple of str
        The Parquet files, in log order.
    pieces : tuple of VotesPiece
        The pieces, in log order.
    n_rows : int
        Vote events in all files.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     pl.DataFrame({"participant_id": [1, 2], "statement_id": [1, 1],
    ...                   "vote": [1, -1]}).write_parquet(f"{tmp}/a.parquet")
    ...     ds = votes_dataset(tmp)
    >>> ds.n_rows, len(ds.pieces)
    (2, 1)
    """

    source: str
    files: tuple[str, ...]
    pieces: tuple[VotesPiece, ...]
    n_rows: int


def is_dataset_pattern(source: str | os.PathLike[str]) -> bool:
    """Whether ``source`` is a glob pattern of files rather than one existing path.

    Parameters
    ----------
    source : path or str
        What the user gave.

    Returns
    -------
    bool
        True when no such path exists and it holds ``*``, ``?`` or ``[``.

    Examples
    --------
    >>> is_dataset_pattern("votes/part-*.parquet"), is_dataset_pattern("votes.parquet")
    (True, False)
    """
    text = os.fspath(source)
    return not Path(text).exists() and any(ch in text for ch in "*?[")


def _files_of(source: str | os.PathLike[str]) -> list[str]:
    text = os.fspath(source)
    p = Path(text)
    if p.is_dir():
        files = sorted(
            str(f) for f in p.rglob("*") if f.suffix.lower() in (".parquet", ".pq") and f.is_file()
        )
        if not files:
            raise ValidationError("no Parquet files (*.parquet) in this folder", file=p)
        return files
    if p.is_file():
        return [str(p)]
    if is_dataset_pattern(text):
        files = sorted(f for f in _glob.glob(text, recursive=True) if Path(f).is_file())
        if not files:
            raise ValidationError("no files match this pattern", file=text)
        return files
    raise FileNotFoundError(f"{text}: no such file or folder")


def votes_dataset(
    source: str | os.PathLike[str],
    *,
    rows_per_piece: int = 2_000_000,
    required: tuple[str, ...] = REQUIRED,
    what: str = "a votes dataset",
) -> VotesDataset:
    """List the pieces of a votes dataset without reading its data.

    Parameters
    ----------
    source : path or str
        One Parquet file, a folder of Parquet files (recursive) or a glob pattern.
    rows_per_piece : int, default 2_000_000
        Row groups are grouped into pieces of about this many rows (a row group is never
        split).
    required : tuple of str, default the votes columns
        Columns every file must have (another long table, e.g. ratings, names its own).
    what : str, default "a votes dataset"
        How errors name the dataset.

    Returns
    -------
    VotesDataset

    Raises
    ------
    FileNotFoundError
        When ``source`` does not exist.
    ValidationError
        When a file is not Parquet or lacks a required column (naming the file).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for i in range(3):
    ...         pl.DataFrame({"participant_id": [i], "statement_id": [1],
    ...                       "vote": [1]}).write_parquet(f"{tmp}/part-{i}.parquet")
    ...     ds = votes_dataset(f"{tmp}/part-*.parquet")
    >>> [Path(f).name for f in ds.files], ds.n_rows
    (['part-0.parquet', 'part-1.parquet', 'part-2.parquet'], 3)
    """
    import pyarrow.parquet as pq

    files = _files_of(source)
    pieces: list[VotesPiece] = []
    total = 0
    for path in files:
        try:
            meta = pq.ParquetFile(path).metadata
        except Exception as exc:
            raise ValidationError(f"not a readable Parquet file ({exc})", file=path) from None
        names = set(meta.schema.names)
        missing = [c for c in required if c not in names]
        if missing:
            raise ValidationError(
                f"{what} needs columns {list(required)}; missing {missing}", file=path
            )
        has_time = "time" in names
        start = 0
        group: list[int] = []
        rows = 0
        for rg in range(meta.num_row_groups):
            n_rg = meta.row_group(rg).num_rows
            group.append(rg)
            rows += n_rg
            if rows >= rows_per_piece:
                pieces.append(VotesPiece(len(pieces), path, tuple(group), start, rows, has_time))
                start += rows
                group, rows = [], 0
        if group:
            pieces.append(VotesPiece(len(pieces), path, tuple(group), start, rows, has_time))
        total += meta.num_rows
    return VotesDataset(str(os.fspath(source)), tuple(files), tuple(pieces), total)


def read_votes_piece(piece: VotesPiece) -> pl.DataFrame:
    """Read and validate one piece: ``participant_id``, ``statement_id``, ``vote`` (Int8),
    ``time`` (epoch ms, null when unknown) and ``seq`` (the row's place in the log).

    Parameters
    ----------
    piece : VotesPiece
        A piece of :func:`votes_dataset`.

    Returns
    -------
    polars.DataFrame

    Raises
    ------
    ValidationError
        Naming the file, 1-based data row and column of the first bad value.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     pl.DataFrame({"participant_id": [1, 2], "statement_id": [1, 1],
    ...                   "vote": ["agree", "pass"]}).write_parquet(f"{tmp}/a.parquet")
    ...     df = read_votes_piece(votes_dataset(tmp).pieces[0])
    >>> df["vote"].to_list(), df["time"].to_list(), df["seq"].to_list()
    ([1, 0], [None, None], [0, 1])
    """
    import pyarrow.parquet as pq

    cols = [*REQUIRED, "time"] if piece.has_time else list(REQUIRED)
    try:
        table = pq.ParquetFile(piece.path).read_row_groups(list(piece.row_groups), columns=cols)
    except Exception as exc:
        raise ValidationError(f"not a readable Parquet file ({exc})", file=piece.path) from None
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)

    def fail(err: ValidationError) -> ValidationError:
        row = None if err.row is None else err.row + piece.first_row
        return ValidationError(err.message, file=piece.path, row=row, column=err.column)

    for name in ("participant_id", "statement_id", "vote"):
        nulls = df.get_column(name).is_null()
        if nulls.any():
            row = int(nulls.arg_max() or 0) + 1
            raise fail(ValidationError("missing value", row=row, column=name))
    for name in ("participant_id", "statement_id"):
        dtype = df.schema[name]
        if not (dtype.is_integer() or dtype == pl.String or dtype == pl.Categorical):
            raise fail(ValidationError(f"expected integer or text ids; got {dtype}", column=name))
        if dtype == pl.Categorical:
            df = df.with_columns(pl.col(name).cast(pl.String))
    try:
        vote = parse_vote_values(df.get_column("vote"))
        if piece.has_time:
            time = _parse_time(df.get_column("time"), "votes").dt.epoch("ms")
        else:
            time = pl.Series("time", [None] * df.height, dtype=pl.Int64)
    except ValidationError as err:
        raise fail(err) from None
    seq = (piece.index << 40) + pl.int_range(df.height, dtype=pl.Int64, eager=True)
    return df.select("participant_id", "statement_id").with_columns(
        vote=vote, time=time.cast(pl.Int64), seq=seq
    )


def read_votes_dataset(
    source: str | os.PathLike[str], *, statements: pl.DataFrame | None = None
) -> Inquiry:
    """Read a whole votes dataset (one Parquet file, a folder or a glob) into memory.

    The local engine's reader of the datasets the Dask engine reads piece by piece: the
    same pieces, validated the same way and concatenated in log order, so both engines see
    the same vote log.

    Parameters
    ----------
    source : path or str
        One Parquet file, a folder of Parquet files (recursive) or a glob pattern.
    statements : polars.DataFrame, optional
        The statements (moderation, meta); without it every statement voted on counts,
        unmoderated.

    Returns
    -------
    Inquiry
        ``metadata["source_format"]`` is ``"votes-dataset"``.

    Raises
    ------
    FileNotFoundError
        When ``source`` does not exist.
    ValidationError
        Naming the file, row and column of the first bad value.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for i in range(2):
    ...         pl.DataFrame({"participant_id": [i, i], "statement_id": [1, 1],
    ...                       "vote": [1, -1]}).write_parquet(f"{tmp}/part-{i}.parquet")
    ...     inq = read_votes_dataset(f"{tmp}/part-*.parquet")
    >>> inq.counts()["votes"], inq.votes["vote"].to_list()  # the later row wins
    (2, [-1, -1])
    """
    dataset = votes_dataset(source)
    frames = [read_votes_piece(piece) for piece in dataset.pieces]
    if frames:
        log = pl.concat(frames, how="vertical_relaxed").drop("seq")
    else:  # files with no rows
        log = pl.DataFrame(
            schema={"participant_id": pl.Int64, "statement_id": pl.Int64, "vote": pl.Int8}
        )
    if "time" in log.columns and log.get_column("time").null_count() == log.height:
        log = log.drop("time")
    first = Path(dataset.files[0])
    metadata = {
        "source_format": "votes-dataset",
        "source_path": dataset.source,
        "title": first.parent.name if len(dataset.files) > 1 else first.stem,
    }
    return Inquiry(log, statements, metadata=metadata)
