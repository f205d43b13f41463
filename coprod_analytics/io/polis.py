"""Pol.is export folders: read them into an :class:`Inquiry` and write one back out.

A Pol.is export folder holds ``votes.csv`` (the vote event log), ``comments.csv`` (one row per
comment, in an older or a newer layout), ``participants-votes.csv`` (one row per participant,
with Polis's own ``group-id``) and ``summary.csv`` (key, value pairs). Vote signs follow the
export convention: agree = 1, disagree = -1, pass = 0.

Polis's ``group-id`` is kept as the participant attribute ``polis_group_id`` so that our own
analyses can be compared with it; the ``xid`` column, when present, as ``xid``.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io._csv import (
    check_last_row,
    check_utf8,
    read_bytes,
    read_csv_table,
    relocate,
)
from coprod_analytics.io.atomic import atomic_write_text

__all__ = ["POLIS_ATTRIBUTION", "read_polis", "write_polis"]

POLIS_ATTRIBUTION = (
    "Data was gathered using the Polis software (compdemocracy.org/polis) and is sub-licensed "
    "under CC BY 4.0 with Attribution to The Computational Democracy Project."
)

_VOTES_REQUIRED = {"comment-id": pl.Int64, "voter-id": pl.Int64, "vote": pl.Int64}
_VOTES_OPTIONAL = {"timestamp": pl.Int64, "datetime": pl.String}
_COMMENTS_REQUIRED = {"comment-id": pl.Int64}
_COMMENTS_OPTIONAL = {
    "timestamp": pl.Int64,
    "datetime": pl.String,
    "author-id": pl.Int64,
    "agrees": pl.Int64,
    "disagrees": pl.Int64,
    "moderated": pl.Int64,
    "is-meta": pl.String,
    "is-seed": pl.String,
    "group-informed-consensus": pl.Float64,
    "comment-body": pl.String,
}
_PV_META = ["participant", "xid", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree"]


def _read_summary(path: Path, encoding: str) -> dict[str, str]:
    data = read_bytes(path, encoding)
    out: dict[str, str] = {}
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    for fields in reader:
        if not fields:
            continue
        if len(fields) < 2:
            raise ValidationError(
                f"expected 'key,value' pairs; got {fields!r}", file=path, line=reader.line_num
            )
        out[fields[0].strip()] = fields[1]
    return out


def _as_bool(series: pl.Series, path: Path, data: bytes) -> pl.Series:
    if series.dtype == pl.Boolean:
        return series
    low = series.cast(pl.String).str.strip_chars().str.to_lowercase()
    out = low.replace_strict(
        {"true": True, "false": False, "1": True, "0": False, "t": True, "f": False},
        default=None,
        return_dtype=pl.Boolean,
    )
    bad = out.is_null() & low.is_not_null() & (low != "")
    if bad.any():
        row = int(bad.arg_true()[0]) + 1
        raise relocate(
            ValidationError(
                f"expected true or false; got {series[row - 1]!r}", row=row, column=series.name
            ),
            path,
            data,
        )
    return out.fill_null(False)


def read_polis(path: str | os.PathLike[str], *, encoding: str = "utf-8") -> Inquiry:
    """Read a Pol.is export folder.

    The folder holds at least ``votes.csv``; ``comments.csv``, ``participants-votes.csv``
    and ``summary.csv`` are read when present. Further optional files are a coprod
    extension: ``participants.csv`` (``participant_id`` plus attribute columns such as
    ``age_band``) and ``statements.csv`` (``statement_id`` plus further statement columns),
    joined on by id; and one ``<kind>.csv`` per further input (``estimates.csv``,
    ``evidence.csv``, ``ratings.csv``, ``questions.csv`` and so on, see
    :mod:`coprod_analytics.inputs`), held in :attr:`Inquiry.tables`.

    Parameters
    ----------
    path : path
        The export folder.
    encoding : str, default "utf-8"
        Text encoding of the files.

    Returns
    -------
    Inquiry
        Statements from ``comments.csv`` (``moderated`` becomes ``moderation``, ``is-meta``
        becomes ``is_meta``; Polis's ``agrees``, ``disagrees``, ``is-seed`` and
        ``group-informed-consensus`` are kept as ``polis_agrees``, ``polis_disagrees``,
        ``is_seed`` and ``group_informed_consensus``), participants with ``polis_group_id``,
        the full vote log from ``votes.csv``, and metadata from ``summary.csv`` including the
        attribution text Pol.is open data asks for.

    Raises
    ------
    FileNotFoundError
        When the folder does not exist.
    ValidationError
        Naming the file, line and column of the first problem.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     d = Path(tmp)
    ...     _ = (d / "votes.csv").write_text(
    ...         "timestamp,comment-id,voter-id,vote\\n1,0,5,1\\n2,0,6,-1\\n3,1,6,1\\n")
    ...     _ = (d / "comments.csv").write_text(
    ...         "comment-id,comment-body,moderated\\n0,More buses,1\\n1,Fewer cars,1\\n")
    ...     inquiry = read_polis(d)
    >>> inquiry.counts()["votes"], inquiry.statements.get_column("text").to_list()
    (3, ['More buses', 'Fewer cars'])
    >>> inquiry.metadata["attribution"] == POLIS_ATTRIBUTION
    True
    """
    folder = Path(path)
    if not folder.exists():
        raise FileNotFoundError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise ValidationError(
            "expected a Pol.is export folder (with votes.csv, comments.csv, ...)", file=folder
        )
    votes_path = folder / "votes.csv"
    if not votes_path.exists():
        raise ValidationError(
            "no votes.csv here; a Pol.is export folder holds votes.csv and comments.csv",
            file=folder,
        )
    votes_raw, votes_data = read_csv_table(
        votes_path,
        required=_VOTES_REQUIRED,
        optional=_VOTES_OPTIONAL,
        encoding=encoding,
        allow_empty=True,  # a conversation nobody has voted in yet (or a session of polls)
    )
    votes = votes_raw.select(
        pl.col("voter-id").alias("participant_id"),
        pl.col("comment-id").alias("statement_id"),
        pl.col("vote"),
        (pl.col("timestamp") if "timestamp" in votes_raw.columns else pl.lit(None, pl.Int64)).alias(
            "time"
        ),
    )

    sources: dict[str, tuple[Path, bytes]] = {"votes": (votes_path, votes_data)}
    statements: pl.DataFrame | None = None
    comments_path = folder / "comments.csv"
    if comments_path.exists():
        c, c_data = read_csv_table(
            comments_path,
            required=_COMMENTS_REQUIRED,
            optional=_COMMENTS_OPTIONAL,
            encoding=encoding,
            allow_empty=True,  # no statements yet (a live session that only mapped or polled)
        )
        sources["statements"] = (comments_path, c_data)
        cols: list[Any] = [pl.col("comment-id").alias("statement_id")]
        cols.append(
            pl.col("comment-body").alias("text")
            if "comment-body" in c.columns
            else pl.lit(None, pl.String).alias("text")
        )
        cols.append(
            pl.col("author-id").alias("author_id")
            if "author-id" in c.columns
            else pl.lit(None, pl.Int64).alias("author_id")
        )
        cols.append(
            pl.col("moderated").alias("moderation")
            if "moderated" in c.columns
            else pl.lit(0, pl.Int64).alias("moderation")
        )
        cols.append(
            (pl.col("timestamp") if "timestamp" in c.columns else pl.lit(None, pl.Int64)).alias(
                "created"
            )
        )
        statements = c.select(cols)
        meta = (
            _as_bool(c.get_column("is-meta"), comments_path, c_data)
            if "is-meta" in c.columns
            else pl.Series("is-meta", [False] * c.height)
        )
        statements = statements.with_columns(meta.alias("is_meta"))
        for src, dst in (
            ("agrees", "polis_agrees"),
            ("disagrees", "polis_disagrees"),
            ("group-informed-consensus", "group_informed_consensus"),
        ):
            if src in c.columns:
                statements = statements.with_columns(c.get_column(src).alias(dst))
        if "is-seed" in c.columns:
            seed = _as_bool(c.get_column("is-seed"), comments_path, c_data)
            statements = statements.with_columns(seed.alias("is_seed"))

    participants: pl.DataFrame | None = None
    voted_people = 0  # participants-votes.csv rows with votes (a cut-short votes.csv check)
    pv_path = folder / "participants-votes.csv"
    if pv_path.exists():
        pv_bytes = read_bytes(pv_path, encoding, validate=False)
        try:
            first = pv_bytes.split(b"\n", 1)[0].decode("utf-8").strip("\r")
        except UnicodeDecodeError:
            check_utf8(pv_path, pv_bytes)
            raise
        header = next(csv.reader([first]), [])
        if "participant" not in header:
            raise ValidationError(
                f"missing required column 'participant'; the header starts {header[:6]!r}",
                file=pv_path,
                line=1,
            )
        wanted = [h for h in _PV_META if h in header]
        try:
            pv = pl.read_csv(
                io.BytesIO(pv_bytes),
                columns=wanted,
                schema_overrides={"xid": pl.String} if "xid" in wanted else None,
            )
        except BaseException as exc:  # ComputeError, or a polars panic on mangled input
            if not isinstance(exc, pl.exceptions.PolarsError) and type(exc).__name__ != (
                "PanicException"
            ):
                raise
            # the slow path explains exactly what is wrong with the file
            pv, _ = read_csv_table(
                pv_path,
                required={"participant": pl.Int64},
                optional={"group-id": pl.Int64},
                encoding=encoding,
            )
        # a file cut short mid-row would silently lose the last people's group ids and votes
        check_last_row(pv_path, pv_bytes, header)
        sources["participants"] = (pv_path, pv_bytes)
        voted_people = (
            int((pv.get_column("n-votes").cast(pl.Int64, strict=False).fill_null(1) > 0).sum())
            if "n-votes" in pv.columns
            else pv.height
        )
        participants = pv.select(pl.col("participant").alias("participant_id"))
        if "group-id" in pv.columns:
            participants = participants.with_columns(
                pv.get_column("group-id").cast(pl.Int64, strict=False).alias("polis_group_id")
            )
        if "xid" in pv.columns:
            participants = participants.with_columns(pv.get_column("xid").alias("xid"))

    if votes.height == 0 and voted_people:
        # a header-only votes.csv is a conversation nobody voted in, unless Pol.is's own
        # participants table says people did: then votes.csv was cut short
        raise ValidationError(
            "the file has a header but no data rows, while participants-votes.csv lists "
            f"{voted_people} participant(s) who voted; votes.csv looks cut short",
            file=votes_path,
            line=2,
        )
    # coprod extension: participants.csv / statements.csv add attribute columns by id
    extra_people = folder / "participants.csv"
    if extra_people.exists():
        attrs, attrs_data = read_csv_table(
            extra_people, required={"participant_id": pl.Int64}, encoding=encoding
        )
        sources["participants"] = (extra_people, attrs_data)
        if participants is None:
            participants = attrs
        else:
            participants = participants.join(
                attrs.select(
                    ["participant_id", *[c for c in attrs.columns if c not in participants.columns]]
                ),
                on="participant_id",
                how="full",
                coalesce=True,
                maintain_order="left",
            )
    extra_stmts = folder / "statements.csv"
    if extra_stmts.exists() and statements is not None:
        attrs, _ = read_csv_table(
            extra_stmts, required={"statement_id": pl.Int64}, encoding=encoding
        )
        new_cols = [c for c in attrs.columns if c not in statements.columns]
        statements = statements.join(
            attrs.select(["statement_id", *new_cols]),
            on="statement_id",
            how="left",
            maintain_order="left",
        )

    from coprod_analytics.io.inputs import read_input_files

    tables = read_input_files(folder, encoding=encoding)

    metadata: dict[str, Any] = {"source_format": "polis", "source_path": str(folder)}
    summary_path = folder / "summary.csv"
    if summary_path.exists():
        summary = _read_summary(summary_path, encoding)
        metadata["summary"] = summary
        if summary.get("topic"):
            metadata["title"] = summary["topic"]
        if summary.get("url"):
            metadata["url"] = summary["url"]
        if summary.get("conversation-description"):
            metadata["description"] = summary["conversation-description"]
    metadata["attribution"] = POLIS_ATTRIBUTION
    if "title" not in metadata:
        metadata["title"] = folder.name

    try:
        return Inquiry(votes, statements, participants, metadata=metadata, tables=tables)
    except ValidationError as err:
        table = err.table or "votes"
        if table in sources:
            src_path, src_data = sources[table]
            raise relocate(err, src_path, src_data) from None
        raise


def _atomic_write(path: Path, writer: Callable[[io.StringIO], None]) -> None:
    """Write a text file so that readers see either the old or the whole new file."""
    buf = io.StringIO(newline="")
    writer(buf)
    atomic_write_text(path, buf.getvalue())


def _epoch_ms(series: pl.Series) -> pl.Series:
    return series.dt.epoch("ms")


def _csv_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def write_polis(inquiry: Inquiry, path: str | os.PathLike[str]) -> Path:
    """Write an inquiry as a Pol.is export folder (the newer ``comments.csv`` layout).

    Writes ``votes.csv`` (the full vote log), ``comments.csv``, ``participants-votes.csv``
    (the latest-vote matrix with ``group-id`` from the ``polis_group_id`` attribute when
    present) and ``summary.csv``. Each file is written atomically. Ids are written as they
    are; text ids are allowed but other Pol.is tools expect integers. The inquiry's further
    input tables are not written (see
    :func:`~coprod_analytics.cli.simulate.write_inquiry_folder`, which adds them).

    Parameters
    ----------
    inquiry : Inquiry
        The inquiry to write.
    path : path
        The folder (created when missing; the four files in it are replaced).

    Returns
    -------
    Path
        The folder written.

    Examples
    --------
    >>> import tempfile
    >>> inq = Inquiry(votes={"participant_id": [1, 2], "statement_id": [0, 0], "vote": [1, 0]},
    ...               statements={"statement_id": [0], "text": ["More buses"]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = write_polis(inq, Path(tmp) / "export")
    ...     print(sorted(f.name for f in folder.iterdir()))
    ...     back = read_polis(folder)
    ['comments.csv', 'participants-votes.csv', 'summary.csv', 'votes.csv']
    >>> back.counts() == inq.counts()
    True
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    log = inquiry.vote_log
    stmts = inquiry.statements
    tallies = inquiry.statement_tallies()

    def votes_writer(buf: io.StringIO) -> None:
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["timestamp", "datetime", "comment-id", "voter-id", "vote"])
        ts = _epoch_ms(log.get_column("time")).to_list()
        dt = log.get_column("time").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_list()
        w.writerows(
            zip(
                [_csv_value(t) for t in ts],
                [_csv_value(d) for d in dt],
                log.get_column("statement_id").to_list(),
                log.get_column("participant_id").to_list(),
                log.get_column("vote").to_list(),
                strict=True,
            )
        )

    def comments_writer(buf: io.StringIO) -> None:
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(
            [
                "timestamp",
                "comment-id",
                "author-id",
                "agrees",
                "disagrees",
                "moderated",
                "is-meta",
                "is-seed",
                "group-informed-consensus",
                "comment-body",
            ]
        )
        t = stmts.join(
            tallies.select("statement_id", "agree", "disagree"), on="statement_id", how="left"
        )
        created = _epoch_ms(t.get_column("created")).to_list()
        seed = t.get_column("is_seed").to_list() if "is_seed" in t.columns else [False] * t.height
        gic = (
            t.get_column("group_informed_consensus").to_list()
            if "group_informed_consensus" in t.columns
            else [None] * t.height
        )
        for i, row in enumerate(t.iter_rows(named=True)):
            g = gic[i]
            w.writerow(
                [
                    _csv_value(created[i]),
                    row["statement_id"],
                    _csv_value(row["author_id"]),
                    row["agree"] or 0,
                    row["disagree"] or 0,
                    row["moderation"],
                    _csv_value(bool(row["is_meta"])),
                    _csv_value(bool(seed[i]) if seed[i] is not None else False),
                    _csv_value(None if g is None else repr(float(g))),
                    _csv_value(row["text"]),
                ]
            )

    def pv_writer(buf: io.StringIO) -> None:
        v = inquiry.votes
        sids = stmts.get_column("statement_id")
        voted_sids = [s for s in sids.to_list() if s in set(v.get_column("statement_id").to_list())]
        wide = (
            v.select("participant_id", pl.col("statement_id").cast(pl.String), "vote").pivot(
                on="statement_id", index="participant_id", values="vote"
            )
            if v.height
            # nobody has voted yet: an empty table with the participants' id type (a null
            # column would not join)
            else pl.DataFrame(
                {
                    "participant_id": pl.Series(
                        [], dtype=inquiry.participants["participant_id"].dtype
                    )
                }
            )
        )
        ppl = inquiry.participants
        authored = (
            stmts.filter(pl.col("author_id").is_not_null())
            .group_by("author_id")
            .len()
            .rename({"author_id": "participant_id", "len": "n_comments"})
        )
        per = v.group_by("participant_id").agg(
            n_votes=pl.len(),
            n_agree=(pl.col("vote") == 1).sum(),
            n_disagree=(pl.col("vote") == -1).sum(),
        )
        has_xid = "xid" in ppl.columns
        has_group = "polis_group_id" in ppl.columns
        cols = [pl.col("participant_id")]
        if has_xid:
            cols.append(pl.col("xid"))
        if has_group:
            cols.append(pl.col("polis_group_id"))
        table = (
            ppl.select(cols)
            .join(
                authored.with_columns(pl.col("participant_id").cast(ppl.schema["participant_id"])),
                on="participant_id",
                how="left",
            )
            .join(per, on="participant_id", how="left")
            .join(wide, on="participant_id", how="left")
        )
        w = csv.writer(buf, lineterminator="\n")
        head = ["participant"] + (["xid"] if has_xid else []) + ["group-id"]
        head += ["n-comments", "n-votes", "n-agree", "n-disagree"] + [str(s) for s in voted_sids]
        w.writerow(head)
        for row in table.iter_rows(named=True):
            out = [row["participant_id"]]
            if has_xid:
                out.append(_csv_value(row["xid"]))
            out.append(_csv_value(row["polis_group_id"]) if has_group else "")
            out += [row["n_comments"] or 0, row["n_votes"] or 0, row["n_agree"] or 0]
            out.append(row["n_disagree"] or 0)
            out += [_csv_value(row.get(str(s))) for s in voted_sids]
            w.writerow(out)

    def summary_writer(buf: io.StringIO) -> None:
        c = inquiry.counts()
        md = inquiry.metadata
        summary = dict(md.get("summary", {}))
        groups = ""
        if "polis_group_id" in inquiry.participants.columns:
            groups = str(inquiry.participants.get_column("polis_group_id").drop_nulls().n_unique())
        authors = stmts.get_column("author_id").drop_nulls().n_unique()
        rows = {
            "topic": md.get("title", summary.get("topic", "")),
            "url": md.get("url", summary.get("url", "")),
            "views": summary.get("views", c["participants"]),
            "voters": c["participants"],
            "voters-in-conv": summary.get("voters-in-conv", c["participants"]),
            "commenters": authors,
            "comments": c["statements"],
            "groups": summary.get("groups", groups),
            "conversation-description": md.get(
                "description", summary.get("conversation-description", "")
            ),
        }
        w = csv.writer(buf, lineterminator="\n")
        for k, val in rows.items():
            w.writerow([k, val])

    _atomic_write(folder / "votes.csv", votes_writer)
    _atomic_write(folder / "comments.csv", comments_writer)
    _atomic_write(folder / "participants-votes.csv", pv_writer)
    _atomic_write(folder / "summary.csv", summary_writer)
    return folder
