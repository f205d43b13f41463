"""``coprod session``: status, close/reopen, allow-statements and export, end to end through a
real subprocess on a real session store; errors exit 2 with one line and create nothing."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from coprod_analytics.errors import ValidationError
from coprod_analytics.session import SessionStore

COPROD = [sys.executable, "-m", "coprod_analytics"]

# Votes cast in the fixture: participant index -> {statement id: vote}. Participant 4 joins
# but never votes.
VOTES = {
    0: {0: 1, 1: 1, 2: -1},
    1: {0: 1, 1: -1, 2: 0},
    2: {0: -1, 2: 1},
    3: {1: 0},
}


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COPROD, *map(str, args)], capture_output=True, text=True)


def ok(*args: str | Path) -> str:
    res = run(*args)
    assert res.returncode == 0, res.stderr
    return res.stdout


def status(db: Path) -> dict:
    return json.loads(ok("session", "status", db, "--json"))


def info(path: Path) -> dict:
    return json.loads(ok("info", path, "--json"))


def assert_one_line_error(res: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("coprod session: error: ")
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "room.db"
    with SessionStore(path, title="Transport <night> buses") as store:
        store.add_statements(["Buses should run later.", "More benches.", "Cheaper fares."])
        people = [store.join() for _ in range(5)]
        for i, votes in VOTES.items():
            for sid, vote in votes.items():
                store.record_vote(people[i], sid, vote)
        waiting = store.submit_statement(people[0], "Night buses every 20 minutes.")
        rejected = store.submit_statement(people[1], "spam spam")
        accepted = store.submit_statement(people[2], "Bus lanes on the ring road.")
        assert waiting is not None and rejected is not None and accepted is not None
        store.moderate(rejected, accept=False)
        store.moderate(accepted, accept=True)
    return path


def test_status_json_values(db: Path) -> None:
    facts = status(db)
    all_votes = [v for votes in VOTES.values() for v in votes.values()]
    assert facts["title"] == "Transport <night> buses"
    assert facts["open"] is True
    assert facts["settings"] == {"allow_submissions": True, "moderate_submissions": True}
    assert facts["participants"] == 5
    assert facts["voters"] == 4
    assert facts["statements"] == {"total": 6, "accepted": 4, "pending": 1, "rejected": 1}
    assert facts["votes"] == len(all_votes) == 9
    assert (facts["agree"], facts["disagree"], facts["pass"]) == (
        all_votes.count(1),
        all_votes.count(-1),
        all_votes.count(0),
    )
    assert facts["schema_version"] == 4
    assert facts["activities"] == []  # no agenda: statements only
    # the last event is the last moderation decision, written after every vote
    events = sqlite3.connect(db).execute("SELECT MAX(time_ms) FROM events").fetchone()[0]
    last = datetime.fromtimestamp(events / 1000, tz=UTC)
    assert datetime.fromisoformat(facts["last_event"]) == last.replace(
        microsecond=last.microsecond // 1000 * 1000
    )
    assert "token_secret" not in json.dumps(facts)  # status never shows the signing secret
    text = ok("session", "status", db)
    assert "Transport <night> buses" in text and "(open)" in text
    assert "1 waiting for moderation" in text and "9 (4 agree, 3 disagree, 2 pass)" in text


def test_status_is_read_only(db: Path) -> None:
    before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM events").fetchone()[0]
    status(db)
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM events").fetchone()[0] == before


def test_close_then_reopen_reaches_a_running_store(db: Path) -> None:
    live = SessionStore(db)  # stands in for a running server holding the database open
    try:
        person = live.join()
        out = ok("session", "close", db)
        assert "now closed" in out
        assert status(db)["open"] is False
        assert live.state().is_open is False
        with pytest.raises(ValidationError, match="closed"):
            live.record_vote(person, 0, 1)
        assert "already closed; nothing changed" in ok("session", "close", db)
        n_close = live.events().filter(kind="close").height
        assert n_close == 1  # idempotent: the second close wrote nothing
        assert "now open" in ok("session", "reopen", db)
        assert "already open; nothing changed" in ok("session", "reopen", db)
        assert status(db)["open"] is True
        assert live.record_vote(person, 0, 1) is not None
        assert "(closed)" not in ok("session", "status", db)
    finally:
        live.close()


def test_allow_statements_switch(db: Path) -> None:
    assert "on -> off" in ok("session", "allow-statements", db, "off")
    assert status(db)["settings"]["allow_submissions"] is False
    assert "already off" in ok("session", "allow-statements", db, "off")
    with SessionStore(db) as store:
        assert store.state().settings["allow_submissions"] is False
        assert store.events().filter(kind="setting").height == 1
    assert "off -> on" in ok("session", "allow-statements", db, "on")
    assert status(db)["settings"]["allow_submissions"] is True
    assert "allow statements on" in ok("session", "status", db)


@pytest.mark.parametrize("fmt", ["polis", "parquet"])
def test_export_round_trip_has_the_same_counts(db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export-{fmt}"
    said = ok("session", "export", db, "-o", out, "--format", fmt)
    assert str(out) in said
    source, exported = info(db), info(out)
    keys = ("participants", "statements", "votes", "vote_events", "agree", "disagree", "pass")
    assert {k: exported[k] for k in keys} == {k: source[k] for k in keys}
    assert exported["moderated_out"] == source["moderated_out"] == 1
    assert (source["participants"], source["statements"], source["votes"]) == (4, 6, 9)
    assert exported["title"] == "Transport <night> buses"
    assert (exported["first_vote"], exported["last_vote"]) == (
        source["first_vote"],
        source["last_vote"],
    )
    expected_files = {
        "polis": {"votes.csv", "comments.csv", "participants-votes.csv", "summary.csv"},
        "parquet": {"statements.parquet", "participants.parquet", "votes.parquet", "inquiry.json"},
    }[fmt]
    assert expected_files <= {p.name for p in out.iterdir()}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left behind


def test_export_refuses_an_existing_folder_unless_forced(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ok("session", "export", db, "-o", out)
    before = (out / "votes.csv").read_text()
    with SessionStore(db) as store:  # one more vote after the first export
        store.record_vote(store.join(), 0, 1)
    assert_one_line_error(run("session", "export", db, "-o", out), "already exists", "--force")
    assert (out / "votes.csv").read_text() == before
    ok("session", "export", db, "-o", out, "--force")
    assert info(out)["votes"] == info(db)["votes"] == 10
    # --force never replaces a folder holding something an export does not write
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    res = run("session", "export", db, "-o", mine, "--force")
    assert_one_line_error(res, "notes.txt", "not replacing")
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_missing_database_is_an_error_and_nothing_is_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    out = tmp_path / "out"
    for args in (
        ("status", missing),
        ("status", missing, "--json"),
        ("close", missing),
        ("reopen", missing),
        ("allow-statements", missing, "on"),
        ("export", missing, "-o", out),
    ):
        assert_one_line_error(run("session", *args), "nope.db", "no such session database")
    assert list(tmp_path.iterdir()) == []


def test_not_a_session_database_is_left_untouched(tmp_path: Path) -> None:
    text = tmp_path / "notes.db"
    text.write_text("not sqlite at all\n")
    empty = tmp_path / "empty.db"
    empty.touch()
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    other_bytes = other.read_bytes()
    for path in (text, empty, other):
        for args in (("status", path), ("close", path), ("allow-statements", path, "off")):
            assert_one_line_error(run("session", *args), path.name, "not a")
        res = run("session", "export", path, "-o", tmp_path / "out")
        assert_one_line_error(res, "not a")
    assert text.read_text() == "not sqlite at all\n"
    assert empty.stat().st_size == 0
    assert other.read_bytes() == other_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db", "notes.db", "other.db"]


def test_newer_schema_is_refused(db: Path, tmp_path: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    n_events = sqlite3.connect(db).execute("SELECT COUNT(*) FROM events").fetchone()[0]
    for args in (("status", db), ("close", db), ("export", db, "-o", tmp_path / "out")):
        assert_one_line_error(run("session", *args), "schema version 99", "upgrade")
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM events").fetchone()[0] == n_events
    assert not (tmp_path / "out").exists()
