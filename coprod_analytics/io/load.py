"""Open any supported input by looking at what the path is."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry

__all__ = ["SUPPORTED_INPUTS", "load_inquiry", "load_statements"]

SUPPORTED_INPUTS = (
    "a Pol.is export folder (votes.csv, comments.csv, ...)",
    "an inquiry Parquet folder (inquiry.json, votes.parquet, ...)",
    "a folder of input tables (estimates.csv, evidence.csv, ratings.csv, ...)",
    "a long or wide votes file (.csv, .tsv, .parquet)",
    "a votes dataset: a folder or glob of Parquet files with the long votes columns",
    "a live-session database (.db, .sqlite)",
    "a pabulib budgeting election (.pb) or PrefLib rankings (.soc, .soi, .toc, .toi)",
)


def load_inquiry(path: str | os.PathLike[str], **options: Any) -> Inquiry:
    """Open any supported input as an :class:`~coprod_analytics.inquiry.Inquiry`.

    What the path is decides the reader:

    - a folder with ``votes.csv``: a Pol.is export
      (:func:`~coprod_analytics.io.polis.read_polis`);
    - a folder with ``inquiry.json``: an inquiry Parquet folder
      (:func:`~coprod_analytics.io.parquet.read_parquet`);
    - another folder: its ``<kind>.csv`` input tables, the inputs besides votes
      (:func:`~coprod_analytics.io.inputs.read_input_files`), or, when it holds none but
      has Parquet files (or ``name=value`` partition folders) at its top, its Parquet files
      as one votes dataset
      (:func:`~coprod_analytics.io.parquet_dataset.read_votes_dataset`);
    - a glob pattern (``"votes/part-*.parquet"``): a votes dataset of the files it matches;
    - a ``.csv``, ``.tsv``, ``.txt``, ``.parquet`` or ``.pq`` file: a votes table, long or
      wide (:func:`~coprod_analytics.io.votes.read_votes`);
    - a ``.db``, ``.sqlite`` or ``.sqlite3`` file: a live-session database
      (:func:`~coprod_analytics.session.read_session`), or a ``postgresql://`` URL of a
      session on a PostgreSQL server;
    - a ``.pb`` file (pabulib) or a PrefLib file (``.soc``, ``.soi``, ``.toc``, ``.toi``):
      a budgeting election or rankings.

    Parameters
    ----------
    path : path
        The file or folder.
    **options : Any
        Keyword arguments for the reader of Pol.is folders, folders of input tables and
        votes tables, e.g. ``encoding="latin-1"`` or ``participant_id="voter"`` for a
        votes table.

    Returns
    -------
    Inquiry
        The validated inquiry; ``metadata["source_format"]`` says which reader was used.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValidationError
        When the path is no supported input, or its data are invalid (naming the file,
        line and column).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     votes = Path(tmp) / "votes.csv"
    ...     _ = votes.write_text("voter,statement_id,vote\\n1,1,agree\\n2,1,disagree\\n")
    ...     inquiry = load_inquiry(votes, participant_id="voter")
    >>> inquiry.metadata["source_format"], inquiry.counts()["votes"]
    ('long-votes', 2)
    """
    from coprod_analytics.session.open import is_session_url

    if is_session_url(path):  # a live session on a PostgreSQL server
        from coprod_analytics.session import open as session_open

        return session_open.read_session(str(path))
    from coprod_analytics.io import parquet_dataset

    if parquet_dataset.is_dataset_pattern(path):
        return parquet_dataset.read_votes_dataset(path)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{p}: no such file or folder")
    if p.is_dir():
        if (p / "votes.csv").exists():
            from coprod_analytics.io.polis import read_polis

            return read_polis(p, **options)
        if (p / "inquiry.json").exists():
            from coprod_analytics.io.parquet import read_parquet

            return read_parquet(p)
        from coprod_analytics.io.inputs import read_input_files

        tables = read_input_files(p, **options)
        if tables:  # a folder of input tables without votes (e.g. estimates.csv)
            return Inquiry(
                metadata={"source_format": "tables", "source_path": str(p), "title": p.name},
                tables=tables,
            )
        if _holds_a_dataset(p):
            return parquet_dataset.read_votes_dataset(p)
        raise ValidationError(
            "this folder is not an input I know; expected " + "; or ".join(SUPPORTED_INPUTS),
            file=p,
        )
    if p.suffix.lower() in {".pb", ".soc", ".soi", ".toc", ".toi"}:  # budgets, rankings
        from coprod_analytics.io.preference_tables import read_preference_inquiry

        return read_preference_inquiry(p)
    if p.suffix.lower() in {".db", ".sqlite", ".sqlite3"}:
        from coprod_analytics.session.store import read_session

        return read_session(p)
    if p.suffix.lower() in {".csv", ".tsv", ".txt", ".parquet", ".pq"}:
        from coprod_analytics.io.votes import read_votes

        return read_votes(p, **options)
    raise ValidationError(
        f"unsupported file type {p.suffix!r}; expected " + "; or ".join(SUPPORTED_INPUTS),
        file=p,
    )


def _holds_a_dataset(folder: Path) -> bool:
    """Parquet files at the top of ``folder``, or Hive-style partition folders
    (``name=value``): a votes dataset, never a search of everything below it."""
    for entry in folder.iterdir():
        if entry.is_file() and entry.suffix.lower() in (".parquet", ".pq"):
            return True
        if entry.is_dir() and "=" in entry.name:
            return True
    return False


def load_statements(path: str | os.PathLike[str]) -> Any:
    """The statements (texts, moderation, meta) of a votes dataset, from an input folder
    (a Pol.is export or an inquiry Parquet folder) or a statements table (.csv, .parquet).

    Parameters
    ----------
    path : path
        The folder or table.

    Returns
    -------
    polars.DataFrame
        The statements, validated as an inquiry's.

    Raises
    ------
    ValidationError
        When the path is neither, or the table is invalid (naming the file).

    Examples
    --------
    >>> load_statements("statements.txt")
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: statements.txt: --statements takes a Pol.is export or inquiry folder, or a .csv or .parquet statements table
    """
    p = Path(path)
    if p.is_dir():
        return load_inquiry(p).statements
    if p.suffix.lower() not in (".csv", ".parquet"):
        raise ValidationError(
            "--statements takes a Pol.is export or inquiry folder, or a .csv or .parquet "
            "statements table",
            file=str(p),
        )
    if not p.exists():
        raise ValidationError("no such file", file=str(p))
    from coprod_analytics.io.votes import read_statements

    return Inquiry(statements=read_statements(p)).statements
