"""``coprod session ACTION SESSION``: look after a live session from the command line.

``SESSION`` is a SQLite file (``session.db``) or a PostgreSQL database
(``postgresql://USER@HOST:PORT/DB``), as ``coprod serve`` takes it.

Actions
-------
``status``
    Title, open or closed, the settings (allow statements, moderation), participants,
    statements (accepted / waiting for moderation / rejected), votes and the time of the
    last event; ``--json`` prints one JSON object.
``close`` / ``reopen``
    Stop or resume taking votes and statements. The change is an event in the session's log,
    so a running ``coprod serve`` on the same database picks it up. Closing a closed session
    (or reopening an open one) changes nothing and says so.
``allow-statements on|off``
    The facilitator's "allow statements" switch (participants may submit statements).
``export -o DIR [--format polis|parquet]``
    Write the session as an inquiry folder: a Pol.is export (votes, comments, ...) plus one
    ``<table>.csv`` per further input (``estimates``, ``probabilities``, ``choices``,
    ``predictions``, ``ratings``, ``evidence``, ``panel``, ``questions``, ``rating_items``,
    ``evidence_items``, ``panel_items``, ``population``, ``budget_projects``,
    ``budget_meta``, ``budget_votes``, ``pairwise``, ``pairwise_items``, ``rankings``,
    ``ranking_items``, ``free_text``, ``open_questions``, ``places``, ``support``,
    ``appraisals``) and ``participants.csv`` (the
    attributes given at join), or an inquiry Parquet folder; with budget ballots also
    ``budget.pb`` (the pabulib file of the ballots); with a mapping activity also its map
    files (``map_categories.csv``, ``map.geojson`` or ``map_plan.json`` and its image,
    ``map_areas.csv``), so the folder serves the same map again and its report draws the
    base; ``coprod info DIR`` and
    :func:`~coprod_analytics.io.load.load_inquiry` read either with the same counts and
    tables as the database itself. An existing folder is refused unless ``--force``.
``activity open|close|next-round ACTIVITY``
    The agenda: open or close an activity (``evidence``, ``ratings``, ``questions``,
    ``panel``, ``population``, ``statements``, ``budget``, ``pairwise``, ``ranking``,
    ``open_question``, ``mapping``, ``appraisal``), or start the next Delphi round, panel
    wave or appraisal round.
    ``coprod session status`` lists the activities.
``activity add-pairwise --over statements [--title T] [--no-ideas] [--open]``
    Add a pairwise "which is better?" activity over the session's statements: its pool is
    the accepted statements at each moment (a statement approved later joins it, one
    moderated out leaves it). An inquiry folder asks for the same with ``pairwise.json``
    (``{"over": "statements", "title": "..."}``) in place of ``pairwise_items.csv``.

Reading (``status``, ``export``) opens the database read-only (on PostgreSQL a read-only
transaction), so it is safe while a server writes. No action ever creates a database: a missing file, a file that is not a coprod
session or a session written by a newer version is an error (exit code 2, one line).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coprod_analytics.cli.info import path_or_url
from coprod_analytics.errors import CoprodError, ValidationError
from coprod_analytics.provenance import Provenance
from coprod_analytics.session.mapping_base import MAP_FILES
from coprod_analytics.session.status import SessionExport, SessionStatus

__all__ = ["add_parser", "export_session", "session_status"]

#: Files an export writes, per format: ``--force`` replaces only a folder holding nothing else.
_TABLE_FILES = frozenset(
    f"{name}.csv"
    for name in (
        "participants",
        "estimates",
        "probabilities",
        "choices",
        "predictions",
        "ratings",
        "evidence",
        "panel",
        "questions",
        "rating_items",
        "evidence_items",
        "panel_items",
        "population",
        "budget_projects",
        "budget_meta",
        "budget_votes",
        "pairwise",
        "pairwise_items",
        "rankings",
        "ranking_items",
        "free_text",
        "open_questions",
        "places",
        "support",
        "appraisals",
    )
)
#: The budget ballots as a pabulib file (when the session has a budget activity with votes).
_PB_FILE = "budget.pb"
_EXPORT_FILES: dict[str, frozenset[str]] = {
    "polis": frozenset(
        {"votes.csv", "comments.csv", "participants-votes.csv", "summary.csv", _PB_FILE}
    )
    | _TABLE_FILES
    | MAP_FILES,
    "parquet": frozenset(
        {
            "statements.parquet",
            "participants.parquet",
            "votes.parquet",
            "inquiry.json",
            "tables",
            _PB_FILE,
        }
    )
    | MAP_FILES,
}

#: Counts an export must reproduce exactly (as ``coprod info --json`` reports them).
_COUNT_KEYS = (
    "participants",
    "statements",
    "votes",
    "vote_events",
    "agree",
    "disagree",
    "pass",
    "moderated_out",
)

_EVENT_COLUMNS = "seq, kind, idem_key, participant_id, statement_id, vote, text, value, time_ms"


def add_parser(sub: Any) -> None:
    """Register ``coprod session`` and its subcommands on an ``argparse`` sub-parsers object.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The ``coprod`` sub-parsers.

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="coprod")
    >>> add_parser(parser.add_subparsers())
    >>> parser.parse_args(["session", "activity", "s.db", "open", "evidence"]).activity
    'evidence'
    """
    p = sub.add_parser(
        "session",
        help="status, close, reopen, export a live session (SESSION.db)",
        description=(
            "Look after a live session database written by 'coprod serve': show its status, "
            "close or reopen it, switch participants' statements on or off, or export it as a "
            "Pol.is export folder or a Parquet inquiry folder. A running server picks up "
            "the changes. No action creates a database."
        ),
    )
    p.set_defaults(func=_help(p))
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    a = actions.add_parser("status", help="title, open/closed, settings and counts")
    a.add_argument("db", type=path_or_url, metavar="SESSION", help=_DB_HELP)
    a.add_argument("--json", action="store_true", help="print one JSON object")
    a.set_defaults(func=run_status)

    for name, helptext in (
        ("close", "stop taking votes and statements (the data stay)"),
        ("reopen", "take votes and statements again"),
    ):
        a = actions.add_parser(name, help=helptext, description=helptext)
        a.add_argument("db", type=path_or_url, metavar="SESSION", help=_DB_HELP)
        a.set_defaults(func=run_open_close)

    a = actions.add_parser(
        "allow-statements",
        help="let participants submit statements (on) or not (off)",
        description="The facilitator's 'allow statements' switch.",
    )
    a.add_argument("db", type=path_or_url, metavar="SESSION", help=_DB_HELP)
    a.add_argument("switch", choices=["on", "off"], help="on or off")
    a.set_defaults(func=run_allow_statements)

    a = actions.add_parser(
        "activity",
        help="open or close an activity, or start its next Delphi round / panel wave",
        description=(
            "The agenda of a live inquiry: open or close an activity (evidence, ratings, "
            "questions, panel, population, statements, budget, pairwise, ranking, "
            "open_question), or start the next Delphi round of the "
            "questions / the next wave of the panel poll (it opens the activity). A running "
            "server picks the change up within a second. "
            "'add-pairwise --over statements' adds a pairwise 'which is better?' activity "
            "over the session's accepted statements (approved later: they join it)."
        ),
    )
    a.add_argument("db", type=path_or_url, metavar="SESSION", help=_DB_HELP)
    a.add_argument(
        "step",
        choices=["open", "close", "next-round", "add-pairwise"],
        help="what to do; add-pairwise adds a pairwise activity over the statements",
    )
    a.add_argument(
        "activity",
        metavar="ACTIVITY",
        nargs="?",
        help="e.g. evidence, questions, panel (add-pairwise: its id, default pairwise)",
    )
    a.add_argument(
        "--over",
        choices=["statements"],
        help="add-pairwise: what is compared (the session's accepted statements)",
    )
    a.add_argument("--title", metavar="T", help="add-pairwise: its heading on phones")
    a.add_argument(
        "--no-ideas", action="store_true", help="add-pairwise: participants send no ideas"
    )
    a.add_argument("--open", action="store_true", help="add-pairwise: open it at once")
    a.set_defaults(func=run_activity)

    a = actions.add_parser(
        "export",
        help="write a Pol.is export folder or a Parquet inquiry folder",
        description=(
            "Write the session as a Pol.is export folder (votes.csv, comments.csv, "
            "participants-votes.csv, summary.csv, one <table>.csv per further input) or a "
            "Parquet inquiry folder; either is read back by 'coprod info DIR' with the same "
            "counts. Budget ballots are also written as budget.pb (pabulib)."
        ),
    )
    a.add_argument("db", type=path_or_url, metavar="SESSION", help=_DB_HELP)
    a.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="folder")
    a.add_argument("--format", choices=["polis", "parquet"], default="polis", help="default: polis")
    a.add_argument(
        "--force",
        action="store_true",
        help="replace an existing folder (only one holding nothing but a previous export)",
    )
    a.set_defaults(func=run_export)


_DB_HELP = "the session database: a .db file or a postgresql:// URL"


def _help(parser: argparse.ArgumentParser) -> Any:
    def run(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return run


# ---------------------------------------------------------------------- reading


def _open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing coprod session database, or a clear error."""
    from coprod_analytics.session.schema import SCHEMA_VERSION

    if not path.exists():
        raise ValidationError("no such session database", file=path)
    if not path.is_file():
        raise ValidationError("not a session database (not a file)", file=path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise ValidationError(f"cannot open the session database ({exc})", file=path) from exc
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise ValidationError(
                f"this session database has schema version {version}, newer than this version "
                f"of coprod-analytics understands ({SCHEMA_VERSION}); upgrade coprod-analytics",
                file=path,
            )
        if version == 0:
            raise ValidationError("not a coprod session database (no session schema)", file=path)
        meta = dict(conn.execute("SELECT key, value FROM session_meta").fetchall())
        if meta.get("format") != "coprod-session":
            raise ValidationError("not a coprod session database", file=path)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ValidationError(f"not a session database ({exc})", file=path) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


def session_status(path: str | os.PathLike[str]) -> SessionStatus:
    """The facts ``coprod session status --json`` prints, read without writing anything.

    Every figure comes from one read transaction (one snapshot of the log).

    Parameters
    ----------
    path : path or str
        The session database (opened read-only): a ``.db`` file or a ``postgresql://`` URL.

    Returns
    -------
    SessionStatus
        The facts; ``to_dict()`` is what ``--json`` prints, ``summary()`` the text.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.session import SessionStore
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> with SessionStore(db, title="Buses") as s:
    ...     _ = s.add_statements(["Run later.", "Run earlier."])
    ...     _ = s.record_vote(s.join(), 0, 1)
    >>> facts = session_status(db)
    >>> facts.title, facts.open, facts.accepted, facts.votes
    ('Buses', True, 2, 1)
    """
    from coprod_analytics.session.open import is_session_url
    from coprod_analytics.session.state import SessionState

    st = SessionState()
    if is_session_url(path):
        from coprod_analytics.session.pg_store import read_pg_snapshot, redact_url

        shown = redact_url(str(path))
        rows, meta, version = read_pg_snapshot(str(path))  # one repeatable-read snapshot
        for row in rows:
            st.apply(row)
        n_events = len(rows)
        last_ms = max((int(r[8]) for r in rows), default=None)
    else:
        p = Path(path)
        shown = str(p)
        conn = _open_readonly(p)
        try:
            conn.execute("BEGIN")  # one read transaction: every count from the same snapshot
            for row in conn.execute(f"SELECT {_EVENT_COLUMNS} FROM events ORDER BY seq"):
                st.apply(row)
            n_events, last_ms = conn.execute("SELECT COUNT(*), MAX(time_ms) FROM events").fetchone()
            meta = dict(conn.execute("SELECT key, value FROM session_meta").fetchall())
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            raise ValidationError(f"cannot read the session database ({exc})", file=p) from exc
        finally:
            conn.close()
    recs = list(st.statements.values())
    created = meta.get("created_ms")
    state_key = f"{meta.get('session_id')}:{int(n_events)}:{last_ms}".encode()
    return SessionStatus(
        path=shown,
        title=st.title,
        session_id=meta.get("session_id"),
        schema_version=version,
        open=st.is_open,
        allow_submissions=bool(st.settings.get("allow_submissions", True)),
        moderate_submissions=bool(st.settings.get("moderate_submissions", True)),
        participants=len(st.participants),
        voters=sum(1 for v in st.voted.values() if v),
        statements=len(recs),
        accepted=sum(r.moderation == 1 for r in recs),
        pending=sum(r.moderation == 0 for r in recs),
        rejected=sum(r.moderation == -1 for r in recs),
        votes=st.n_votes,
        agree=sum(r.agree for r in recs),
        disagree=sum(r.disagree for r in recs),
        passes=sum(r.passes for r in recs),
        events=int(n_events),
        created=_iso(int(created)) if created and created.isdigit() else None,
        last_event=_iso(last_ms),
        activities=tuple(
            {
                "activity_id": a.activity_id,
                "kind": a.kind,
                "title": a.title,
                "open": a.is_open,
                "round": a.round,
                "items": len(a.items),
                "answers": sum(
                    1 for slots in st.answers.values() for k in slots if k[0] == a.activity_id
                )
                if a.kind != "statements"
                else st.n_votes,
            }
            for a in st.activities.values()
        ),
        provenance=Provenance(
            method="session_status",
            input_fingerprint=hashlib.sha256(state_key).hexdigest(),
            parameters={"path": shown},
        ),
    )


def run_status(args: argparse.Namespace) -> int:
    """Print a session's status (``coprod session status``).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod session status`` arguments.

    Returns
    -------
    int
        The exit status (0).
    """
    facts = session_status(args.db)
    if args.json:
        print(json.dumps(facts.to_dict(), ensure_ascii=False))
        return 0
    print(facts.summary())
    return 0


# ---------------------------------------------------------------------- writing


def _open_store(path: Path | str) -> Any:
    """A writable store on an existing, valid session database (a ``.db`` file or a
    ``postgresql://`` URL; neither is ever created here)."""
    from coprod_analytics.session.open import is_session_url, open_store

    if is_session_url(path):
        from coprod_analytics.session.pg_store import read_pg_snapshot

        read_pg_snapshot(str(path))  # refuses an empty database, another one, newer schemas
        return open_store(str(path))
    _open_readonly(Path(path)).close()  # refuses missing files, other databases, newer schemas
    return open_store(path)


def _shown(path: Path | str) -> str:
    """The database as messages name it (a URL without its password)."""
    from coprod_analytics.session.open import is_session_url

    if is_session_url(path):
        from coprod_analytics.session.pg_store import redact_url

        return redact_url(str(path))
    return str(path)


def run_open_close(args: argparse.Namespace) -> int:
    """Close or reopen a session (``coprod session close`` / ``reopen``).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod session close/reopen`` arguments.

    Returns
    -------
    int
        The exit status (0).
    """
    closing = args.action == "close"
    with _open_store(args.db) as store:
        was_open = store.state().is_open
        if was_open != closing:
            print(
                f"{_shown(args.db)}: the session is already {'closed' if closing else 'open'}; "
                "nothing changed"
            )
            return 0
        if closing:
            store.close_session()
        else:
            store.reopen_session()
    now = "closed: no more votes or statements" if closing else "open: taking votes again"
    print(f"{_shown(args.db)}: the session was {'open' if closing else 'closed'} and is now {now}")
    return 0


def run_allow_statements(args: argparse.Namespace) -> int:
    """Switch participants' statements on or off (``coprod session allow-statements``).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod session allow-statements`` arguments.

    Returns
    -------
    int
        The exit status (0).
    """
    want = args.switch == "on"
    with _open_store(args.db) as store:
        had = bool(store.state().settings.get("allow_submissions", True))
        if had == want:
            print(f"{_shown(args.db)}: allow statements is already {args.switch}; nothing changed")
            return 0
        store.set_setting("allow_submissions", want)
    print(f"{_shown(args.db)}: allow statements {'off' if want else 'on'} -> {args.switch}")
    return 0


def run_activity(args: argparse.Namespace) -> int:
    """Open or close an activity or start its next round (``coprod session activity``).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod session activity`` arguments.

    Returns
    -------
    int
        The exit status (0).
    """
    if args.step == "add-pairwise":
        return run_add_pairwise(args)
    if args.activity is None:
        raise ValidationError(f"'coprod session activity {args.step}' needs the ACTIVITY")
    with _open_store(args.db) as store:
        if args.step == "next-round":
            rnd = store.next_round(args.activity)
            print(f"{_shown(args.db)}: {args.activity} is open in round {rnd}")
            return 0
        act = store.state().activities.get(args.activity)
        want = args.step == "open"
        if act is not None and act.is_open == want:
            state = "open" if want else "closed"
            print(f"{_shown(args.db)}: {args.activity} is already {state}; nothing changed")
            return 0
        if want:
            store.open_activity(args.activity)
        else:
            store.close_activity(args.activity)
    print(f"{_shown(args.db)}: {args.activity} is now {'open' if want else 'closed'}")
    return 0


def run_add_pairwise(args: argparse.Namespace) -> int:
    """Add a pairwise activity over the statements (``coprod session activity add-pairwise``).

    One pairwise activity per session (an inquiry holds one ``pairwise`` table): refused
    when the session has one.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments (``--over statements``, optional ``ACTIVITY``, ``--title``,
        ``--no-ideas``, ``--open``).

    Returns
    -------
    int
        The exit status (0).

    Raises
    ------
    ValidationError
        Without ``--over statements``, or when the session already has a pairwise activity.
    """
    from coprod_analytics.session.priorities import statements_pairwise

    if args.over != "statements":
        raise ValidationError("add-pairwise needs --over statements", column="--over")
    aid = args.activity or "pairwise"
    with _open_store(args.db) as store:
        have = [a.activity_id for a in store.state().activities.values() if a.kind == "pairwise"]
        if have or aid in store.state().activities:
            raise ValidationError(
                f"{_shown(args.db)} already has the activity {(have or [aid])[0]!r}; a session "
                "holds one pairwise activity"
            )
        payload = statements_pairwise(args.title, ideas=not args.no_ideas, activity_id=aid)
        store.define_activities([{**payload, "open": bool(args.open)}])
        n = len(store.state().activities[aid].pool())
    state = "open" if args.open else "closed until 'coprod session activity DB open " + aid + "'"
    print(
        f"{_shown(args.db)}: added {aid!r}, pairwise over the statements "
        f"({n} accepted now), {state}"
    )
    return 0


def export_session(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    format: str = "polis",
    force: bool = False,
) -> SessionExport:
    """Export a session database to a folder, checked by reading it back.

    A session with budget ballots also gets ``budget.pb``: the ballots as a pabulib file
    (:func:`~coprod_analytics.session.pb_export.write_session_pb`). The folder is built
    beside ``output``, read back and checked against the database's own
    counts, and only then moved into place, so a failed export leaves nothing behind.

    Parameters
    ----------
    path : path or str
        The session database (opened read-only): a ``.db`` file or a ``postgresql://`` URL.
    output : path
        The folder to write.
    format : {"polis", "parquet"}, default "polis"
        A Pol.is export folder or an inquiry Parquet folder.
    force : bool, default False
        Replace an existing export folder.

    Returns
    -------
    SessionExport
        The folder, its format and the counts it reads back with (``participants`` who
        voted, ``statements``, ``votes``, ...).

    Raises
    ------
    ValidationError
        The database is missing, not a session, or of a newer schema.
    CoprodError
        ``output`` exists (and ``force`` is off, or it holds files an export does not write),
        or the folder does not read back with the same counts.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.session import SessionStore
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> with SessionStore(tmp / "s.db") as s:
    ...     _ = s.add_statements(["Run later.", "Run earlier."])
    ...     _ = s.record_vote(s.join(), 0, 1)
    >>> export_session(tmp / "s.db", tmp / "out").counts["votes"]
    1
    """
    from coprod_analytics.errors import check_param
    from coprod_analytics.io.load import load_inquiry
    from coprod_analytics.session.open import is_session_url, read_session

    check_param(format in _EXPORT_FILES, "format", "export_session", "'polis' or 'parquet'", format)
    src: Path | str = str(path) if is_session_url(path) else Path(path)
    out = Path(output)
    if isinstance(src, Path):
        _open_readonly(src).close()
    if out.exists() or out.is_symlink():
        if not force:
            raise CoprodError(f"{out}: already exists; use --force to replace it")
        if not out.is_dir() or out.is_symlink():
            raise CoprodError(f"{out}: exists and is not a folder; not replacing it")
        foreign = sorted(p.name for p in out.iterdir() if p.name not in _EXPORT_FILES[format])
        if foreign:
            raise CoprodError(
                f"{out}: holds files a {format} export does not write ({', '.join(foreign[:3])}"
                f"{', ...' if len(foreign) > 3 else ''}); not replacing it"
            )
    try:
        inquiry = read_session(src)
    except sqlite3.DatabaseError as exc:
        raise ValidationError(f"cannot read the session database ({exc})", file=src) from exc
    expected = {k: inquiry.counts()[k] for k in _COUNT_KEYS}
    map_settings = _map_settings(src)
    if map_settings is not None and format == "parquet":
        # the Parquet folder keeps the base in its metadata (the report draws it)
        from coprod_analytics.session.mapping_base import base_to_geojson

        base = map_settings.get("base") or {}
        if base.get("system") == "geo":
            inquiry.metadata["map_layers"] = [base_to_geojson(base)]
    from coprod_analytics.io.atomic import atomic_folder

    # built beside the target, read back, flushed and only then swapped in (a full disk or a
    # failed check leaves the previous export as it was: OutputError / CoprodError)
    with atomic_folder(out, replace=True, what=f"{format} export") as tmp:
        if format == "polis":
            from coprod_analytics.io.polis import write_polis

            write_polis(inquiry, tmp)
            _write_tables(inquiry, tmp)
        else:
            from coprod_analytics.io.parquet import write_parquet

            write_parquet(inquiry, tmp)  # replaces the empty folder
        votes = inquiry.tables.get("budget_votes")
        if votes is not None and votes.height:
            from coprod_analytics.session.pb_export import write_session_pb

            write_session_pb(inquiry, tmp / _PB_FILE)
        if map_settings is not None:
            from coprod_analytics.session.mapping_base import write_map_files

            write_map_files(map_settings, tmp)
        back = load_inquiry(tmp)
        got = back.counts()
        diff = {k: (expected[k], got.get(k)) for k in _COUNT_KEYS if got.get(k) != expected[k]}
        for name, table in inquiry.tables.items():
            n = back.tables[name].height if name in back.tables else None
            if n != table.height:
                diff[f"tables.{name}"] = (table.height, n)
        if diff:
            raise CoprodError(
                f"the {format} export does not read back like the session "
                f"(session, export): {diff}; nothing written"
            )
    return SessionExport(
        path=str(out),
        format=format,
        counts=expected,
        provenance=Provenance(
            method="export_session",
            input_fingerprint=inquiry.fingerprint,
            parameters={"format": format, "force": force},
        ),
    )


def _map_settings(src: Path | str) -> dict[str, Any] | None:
    """The settings of the session's (first) mapping activity: its categories, areas and
    base, written back as the folder's map files; None without one."""
    from coprod_analytics.session.open import open_event_reader
    from coprod_analytics.session.state import SessionState

    reader = open_event_reader(src)
    try:
        rows = reader.new_events(0)
    finally:
        reader.close()
    state = SessionState()
    for row in rows:
        state.apply(row)
    for act in state.activities.values():
        if act.kind == "mapping":
            return dict(act.settings)
    return None


def _write_tables(inquiry: Any, folder: Path) -> None:
    """The further inputs as ``<name>.csv`` and the participants' attributes as
    ``participants.csv`` (what :func:`~coprod_analytics.io.polis.read_polis` reads back)."""
    for name, table in inquiry.tables.items():
        table.write_csv(folder / f"{name}.csv")
    attrs = [c for c in inquiry.participants.columns if c not in ("participant_id", "joined")]
    if attrs:
        inquiry.participants.select("participant_id", *attrs).write_csv(folder / "participants.csv")


def run_export(args: argparse.Namespace) -> int:
    """Export a session to a folder (``coprod session export``).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``coprod session export`` arguments.

    Returns
    -------
    int
        The exit status (0).
    """
    result = export_session(args.db, args.output, format=args.format, force=args.force)
    print(result.summary())
    return 0
