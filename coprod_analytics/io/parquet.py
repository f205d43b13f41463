"""An inquiry as a folder of Parquet files (lossless, fast, typed)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry

__all__ = ["read_parquet", "write_parquet"]

_FORMAT = "coprod-inquiry-parquet"
_VERSION = 1


def write_parquet(inquiry: Inquiry, path: str | os.PathLike[str]) -> Path:
    """Write an inquiry as a folder of Parquet files.

    The folder holds ``statements.parquet``, ``participants.parquet``, ``votes.parquet``
    (the full vote log), one ``tables/<name>.parquet`` per further input and
    ``inquiry.json`` (format version and metadata). The folder is built beside the target
    and moved into place, so a reader never sees a half-written inquiry.

    Parameters
    ----------
    inquiry : Inquiry
        The inquiry to write.
    path : path
        The folder to write (its parents are created; an existing folder is replaced).

    Returns
    -------
    Path
        The folder written.

    Examples
    --------
    >>> import tempfile
    >>> inq = Inquiry(votes={"participant_id": [1], "statement_id": [2], "vote": [1]},
    ...               metadata={"title": "Demo"})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_parquet(inq, Path(tmp) / "inq")
    ...     print(sorted(f.name for f in out.iterdir()))
    ['inquiry.json', 'participants.parquet', 'statements.parquet', 'votes.parquet']
    """
    from coprod_analytics.io.atomic import atomic_folder

    target = Path(path)
    with atomic_folder(target, replace=True, what="inquiry folder") as tmp:
        _write(inquiry.statements, tmp / "statements.parquet")
        _write(inquiry.participants, tmp / "participants.parquet")
        _write(inquiry.vote_log, tmp / "votes.parquet")
        if inquiry.tables:
            (tmp / "tables").mkdir()
            for name, table in inquiry.tables.items():
                _write(table, tmp / "tables" / f"{name}.parquet")
        meta = {"format": _FORMAT, "version": _VERSION, "metadata": _jsonable(inquiry.metadata)}
        (tmp / "inquiry.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    return target


_OS_ERROR = re.compile(r"os error (\d+)")


def _write(table: pl.DataFrame, path: Path) -> None:
    """``table.write_parquet(path)``; a failure of the disk (polars reports it as a
    ComputeError naming the OS error) becomes the :class:`OSError` it is."""
    try:
        table.write_parquet(path)
    except pl.exceptions.PolarsError as exc:
        found = _OS_ERROR.search(str(exc))
        if found is None:
            raise
        code = int(found.group(1))
        raise OSError(code, os.strerror(code), str(path)) from exc


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def read_parquet(path: str | os.PathLike[str]) -> Inquiry:
    """Read an inquiry folder written by :func:`write_parquet`.

    Parameters
    ----------
    path : path
        The folder (holding ``inquiry.json``).

    Returns
    -------
    Inquiry
        The inquiry as it was written: the full vote log, statements, participants, further
        input tables and metadata.

    Raises
    ------
    FileNotFoundError
        When the folder does not exist.
    ValidationError
        When it is no inquiry Parquet folder, was written by a newer version, or holds
        invalid data (naming the file).

    Examples
    --------
    >>> import tempfile
    >>> inq = Inquiry(votes={"participant_id": [1, 2], "statement_id": [7, 7],
    ...                      "vote": [1, -1]}, metadata={"title": "Demo"})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     back = read_parquet(write_parquet(inq, Path(tmp) / "inq"))
    >>> back.metadata["title"], back.counts()["votes"], back.vote_log.equals(inq.vote_log)
    ('Demo', 2, True)
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    meta_path = folder / "inquiry.json"
    if not meta_path.exists():
        raise ValidationError("not an inquiry Parquet folder (no inquiry.json)", file=folder)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(f"unreadable JSON ({exc})", file=meta_path) from None
    if meta.get("format") != _FORMAT:
        raise ValidationError(f"expected format {_FORMAT!r}", file=meta_path)
    if int(meta.get("version", 0)) > _VERSION:
        raise ValidationError(
            f"written by a newer coprod-analytics (format version {meta['version']}); upgrade",
            file=meta_path,
        )
    frames: dict[str, pl.DataFrame] = {}
    for name in ("statements", "participants", "votes"):
        file = folder / f"{name}.parquet"
        try:
            frames[name] = pl.read_parquet(file)
        except Exception as exc:
            raise ValidationError(f"not a readable Parquet file ({exc})", file=file) from None
    tables: dict[str, pl.DataFrame] = {}
    if (folder / "tables").is_dir():
        for file in sorted((folder / "tables").glob("*.parquet")):
            tables[file.stem] = pl.read_parquet(file)
    metadata = dict(meta.get("metadata", {}))
    try:
        return Inquiry(
            frames["votes"],
            frames["statements"],
            frames["participants"],
            metadata=metadata,
            tables=tables,
        )
    except ValidationError as err:
        table = err.table or "votes"
        raise ValidationError(
            err.message, file=folder / f"{table}.parquet", row=err.row, column=err.column
        ) from None
