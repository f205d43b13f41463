"""Open any supported input by looking at what the path is."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry

__all__ = ["SUPPORTED_INPUTS", "load_inquiry"]

SUPPORTED_INPUTS = (
    "a Pol.is export folder (votes.csv, comments.csv, ...)",
    "an inquiry Parquet folder (inquiry.json, votes.parquet, ...)",
    "a folder of input tables (estimates.csv, evidence.csv, ratings.csv, ...)",
    "a long or wide votes file (.csv, .tsv, .parquet)",
    "a live-session database (.db, .sqlite)",
    "a pabulib budgeting election (.pb) or PrefLib rankings (.soc, .soi, .toc, .toi)",
)


def load_inquiry(path: str | os.PathLike[str], **options: Any) -> Inquiry:
    """Open any supported input as an :class:`Inquiry`.

    A folder with ``votes.csv`` is a Pol.is export; a folder with ``inquiry.json`` an
    inquiry Parquet folder; a ``.csv``/``.tsv``/``.parquet`` file a votes table (long or
    wide, see :func:`~coprod_analytics.io.votes.read_votes`); a ``.db``/``.sqlite`` file a
    live-session database (:func:`~coprod_analytics.session.read_session`); a ``.pb`` or PrefLib
    file a budgeting election or rankings; a folder of ``<kind>.csv`` tables the inputs
    besides votes. ``options`` go to the reader.
    """
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
