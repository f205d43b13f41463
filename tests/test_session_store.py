"""The live-session store: durability settings, append-only log, idempotency, migrations,
derived state recomputed from the log, exports and ``load_inquiry``/``coprod info`` on .db."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.cli import main as cli_main
from coprod_analytics.errors import ValidationError
from coprod_analytics.io.load import load_inquiry
from coprod_analytics.session import (
    SCHEMA_VERSION,
    NewEvent,
    SessionState,
    SessionStore,
    read_events,
    read_session,
)
from coprod_analytics.session.schema import migrate
from coprod_analytics.simulate import simulate_inquiry


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    s = SessionStore(tmp_path / "s.db", title="Test session")
    s.add_statements(["Buses should run later.", "More benches.", "<b>bold</b> & <script>"])
    return s


def test_durable_settings_and_schema_version(store: SessionStore) -> None:
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.schema_version == SCHEMA_VERSION == 4


def test_log_is_append_only(store: SessionStore) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store._conn.execute("UPDATE events SET vote = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store._conn.execute("DELETE FROM events")


def test_idempotency_key_stores_once(store: SessionStore) -> None:
    p = store.join()
    assert store.record_vote(p, 0, 1, key="abc") is not None
    assert store.record_vote(p, 0, 1, key="abc") is None
    # the raw UNIQUE rule holds too, even bypassing the in-memory check
    assert store.append(
        [NewEvent("vote", participant_id=p, statement_id=1, vote=0, key="abc")]
    ) == [None]
    assert store.to_inquiry().vote_log.height == 1


def test_a_changed_vote_counts_and_the_log_keeps_both(store: SessionStore) -> None:
    p = store.join()
    store.record_vote(p, 0, 1)
    store.record_vote(p, 0, -1)  # changed: Pol.is lets people change their vote
    inq = store.to_inquiry()
    assert inq.vote_log.get_column("vote").to_list() == [1, -1]
    assert inq.votes.get_column("vote").to_list() == [-1]
    st = store.state()
    assert (st.statements[0].agree, st.statements[0].disagree, st.n_votes) == (0, 1, 1)
    assert st.n_vote_events == 2


def test_validation_messages(store: SessionStore) -> None:
    p = store.join()
    with pytest.raises(ValidationError, match="got 2"):
        store.record_vote(p, 0, 2)
    with pytest.raises(ValidationError, match="statement 99 is not open for votes"):
        store.record_vote(p, 99, 1)
    with pytest.raises(ValidationError, match="unknown participant 42"):
        store.record_vote(42, 0, 1)
    with pytest.raises(ValidationError, match="501 characters long; at most 500"):
        store.submit_statement(p, "x" * 501)
    with pytest.raises(ValidationError, match="needs some text"):
        store.submit_statement(p, "   ")
    store.close_session()
    with pytest.raises(ValidationError, match="closed"):
        store.record_vote(p, 0, 1)
    store.reopen_session()
    assert store.record_vote(p, 0, 1) is not None


def test_moderation_queue_and_settings(store: SessionStore) -> None:
    p = store.join()
    sid = store.submit_statement(p, "Free parking on Sundays", key="s1")
    assert sid == 3
    st = store.state()
    assert [r.statement_id for r in st.pending()] == [3]
    assert 3 not in st.votable()
    with pytest.raises(ValidationError, match="not open for votes"):
        store.record_vote(p, 3, 1)
    store.moderate(3, accept=True)
    assert 3 in store.state().votable()
    store.moderate(0, accept=False)
    inq = store.to_inquiry()
    assert inq.statements.filter(pl.col("statement_id") == 0)["moderation"][0] == -1
    assert inq.statements.filter(pl.col("statement_id") == 3)["author_id"][0] == p
    store.set_setting("moderate_submissions", False)
    sid2 = store.submit_statement(p, "Later buses", key="s2")
    assert sid2 is not None and store.state().statements[sid2].moderation == 1


def test_state_fold_is_incremental(store: SessionStore) -> None:
    """Folding the log in two steps gives the same state as one fold from scratch."""
    ps = [store.join() for _ in range(3)]
    half = store.state()
    for i, p in enumerate(ps):
        store.record_vote(p, i % 3, 1 - i)
    store.submit_statement(ps[0], "new one")
    full = store.state()
    stepped = store.state(since=half)
    assert stepped.last_seq == full.last_seq
    assert stepped.voted == full.voted
    assert {k: (r.agree, r.disagree, r.passes) for k, r in stepped.statements.items()} == {
        k: (r.agree, r.disagree, r.passes) for k, r in full.statements.items()
    }


def test_migration_from_version_1_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, target=1)
    conn.executemany(
        "INSERT INTO session_meta VALUES (?, ?)",
        [("format", "coprod-session"), ("session_id", "s"), ("token_secret", "00" * 32)],
    )
    conn.execute("INSERT INTO events (kind, time_ms, value) VALUES ('open', 1, '{}')")
    conn.execute(
        "INSERT INTO events (kind, statement_id, text, value, time_ms) "
        "VALUES ('statement', 0, 'Hello', '{\"moderation\": 1}', 2)"
    )
    conn.execute("INSERT INTO events (kind, participant_id, time_ms) VALUES ('join', 0, 3)")
    conn.execute(
        "INSERT INTO events (kind, participant_id, statement_id, vote, time_ms) "
        "VALUES ('vote', 0, 0, 1, 4)"
    )
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    assert read_session(db).counts()["votes"] == 1  # an older schema is readable as is
    s = SessionStore(db)
    assert s.schema_version == SCHEMA_VERSION == 4
    assert s.to_inquiry().counts()["agree"] == 1
    indexes = {r[0] for r in s._conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "one_join_per_participant" in indexes
    assert "one_vote_per_statement" not in indexes  # version 4: votes may be changed
    # the copied log keeps its seq values and new events follow them
    assert s.append([NewEvent("join", participant_id=1)]) == [5]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        s._conn.execute("DELETE FROM events")
    s.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    SessionStore(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ValidationError, match="newer than this version"):
        read_session(db)
    with pytest.raises(ValidationError, match="newer than this version"):
        SessionStore(db)


def test_not_a_session_database(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(ValidationError, match="not a coprod session database"):
        read_session(db)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(ValidationError, match="not a session database"):
        load_inquiry(junk)


def _replay(inquiry_votes: pl.DataFrame, n_statements: int, db: Path) -> SessionStore:
    s = SessionStore(db)
    s.add_statements([f"statement {i}" for i in range(n_statements)])
    pids = sorted(set(inquiry_votes["participant_id"].to_list()))
    mapping = {p: s.join() for p in pids}
    events = [
        NewEvent("vote", participant_id=mapping[p], statement_id=sid, vote=v, key=f"{p}-{sid}")
        for p, sid, v in inquiry_votes.select("participant_id", "statement_id", "vote").iter_rows()
    ]
    assert all(seq is not None for seq in s.append(events))
    return s


@settings(max_examples=30, deadline=None)
@given(
    n_part=st.integers(1, 12),
    n_stmt=st.integers(1, 8),
    seed=st.integers(0, 10_000),
)
def test_to_inquiry_matches_the_votes_appended(
    tmp_path_factory: pytest.TempPathFactory, n_part: int, n_stmt: int, seed: int
) -> None:
    src = simulate_inquiry(n_part, n_stmt, seed=seed)
    db = tmp_path_factory.mktemp("prop") / "s.db"
    s = _replay(src.votes, n_stmt, db)
    inq = s.to_inquiry()
    s.close()
    got = inq.votes.select("participant_id", "statement_id", "vote").sort(
        "participant_id", "statement_id"
    )
    want = src.votes.select("participant_id", "statement_id", "vote").sort(
        "participant_id", "statement_id"
    )
    assert got.equals(want)
    assert inq.counts()["votes"] == src.counts()["votes"]
    # the events table holds exactly those votes, once each
    ev = read_events(db).filter(pl.col("kind") == "vote")
    assert ev.height == src.votes.height and ev["idem_key"].n_unique() == ev.height


def test_exports_and_load_inquiry_round_trip(tmp_path: Path) -> None:
    src = simulate_inquiry(30, 10, n_groups=2, seed=5)
    s = _replay(src.votes, 10, tmp_path / "s.db")
    pol = s.export_polis(tmp_path / "polis")
    pq = s.export_parquet(tmp_path / "pq")
    direct = s.to_inquiry().counts()
    s.close()
    for path in (tmp_path / "s.db", pol, pq):
        counts = load_inquiry(path).counts()
        assert {k: counts[k] for k in ("participants", "votes", "agree", "disagree", "pass")} == {
            k: direct[k] for k in ("participants", "votes", "agree", "disagree", "pass")
        }
    from coprod_analytics.consensus import opinion_groups

    res = opinion_groups(load_inquiry(tmp_path / "s.db"), bridging=False)
    assert res.k >= 2


def test_coprod_info_reports_session_votes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = SessionStore(tmp_path / "room.db", title="Room")
    s.add_statements(["a", "b"])
    p, q = s.join(), s.join()
    s.record_vote(p, 0, 1)
    s.record_vote(q, 0, -1)
    s.record_vote(q, 1, 0)
    s.close()
    assert cli_main(["info", str(tmp_path / "room.db"), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["votes"] == 3 and facts["agree"] == 1 and facts["pass"] == 1
    assert facts["participants"] == 2 and facts["source_format"] == "session"
    assert facts["title"] == "Room"


def test_reader_sees_a_writer_meanwhile(tmp_path: Path) -> None:
    """A read-only reader (the dashboard) and the writer share the WAL database."""
    s = SessionStore(tmp_path / "s.db")
    s.add_statements(["a"])
    p = s.join()
    assert read_session(tmp_path / "s.db").counts()["votes"] == 0
    s.record_vote(p, 0, 1)
    assert read_session(tmp_path / "s.db").counts()["votes"] == 1
    assert isinstance(s.state(), SessionState)
    s.close()


# ---------------------------------------------------------------------- review regressions
def test_text_that_is_not_unicode_is_refused_alone(store: SessionStore) -> None:
    pid = store.join()
    with pytest.raises(ValidationError, match="not valid Unicode"):
        store.submit_statement(pid, "x\ud800")
    with pytest.raises(ValidationError, match=r"row 2.*not valid Unicode"):
        store.add_statements(["fine", "bad \udfff"])
    # a batch (group commit) holding one unstorable event: the others are still stored
    before = store.events().height
    seqs = store.append_each(
        [
            NewEvent("vote", participant_id=pid, statement_id=0, vote=1, key="a"),
            NewEvent("statement", participant_id=pid, statement_id=50, text="x\ud800"),
            NewEvent("vote", participant_id=pid, statement_id=1, vote=-1, key="b"),
        ]
    )
    assert isinstance(seqs[0], int) and isinstance(seqs[2], int)
    assert isinstance(seqs[1], UnicodeEncodeError)
    assert store.events().height == before + 2
    assert store.state().voted[pid] == {0, 1}
    assert store.append([NewEvent("statement", statement_id=51, text="y\ud800")]) == [None]


def test_reused_key_with_another_request_is_refused(store: SessionStore) -> None:
    pid = store.join()
    assert store.record_vote(pid, 0, 1, key="k") is not None
    assert store.record_vote(pid, 0, 1, key="k") is None  # a true retry
    with pytest.raises(ValidationError, match="already used for a different request"):
        store.record_vote(pid, 0, -1, key="k")
    with pytest.raises(ValidationError, match="already used for a different request"):
        store.record_vote(pid, 1, 1, key="k")
    assert store.submit_statement(pid, "New idea", key="s") is not None
    assert store.submit_statement(pid, " New idea ", key="s") is None
    with pytest.raises(ValidationError, match="already used for a different request"):
        store.submit_statement(pid, "Another idea", key="s")
    with pytest.raises(ValidationError, match="already used for a different request"):
        store.submit_statement(pid, "Another idea", key="k")  # a vote's key


def _v2_database(db: Path, joins: list[int]) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, target=2)
    conn.executemany(
        "INSERT INTO session_meta VALUES (?, ?)",
        [("format", "coprod-session"), ("session_id", "s"), ("token_secret", "00" * 32)],
    )
    conn.execute("INSERT INTO events (kind, time_ms, value) VALUES ('open', 1, '{}')")
    for pid in joins:
        conn.execute(
            "INSERT INTO events (kind, participant_id, time_ms) VALUES ('join', ?, 2)", (pid,)
        )
    conn.close()


def test_one_join_per_participant_id(tmp_path: Path) -> None:
    db = tmp_path / "v2.db"
    _v2_database(db, [0, 1])
    with SessionStore(db) as s:
        assert s.schema_version == 4
        # a second writer handing out id 1 again is refused by the log itself
        assert s.append([NewEvent("join", participant_id=1)]) == [None]
        assert s.join() == 2
    dup = tmp_path / "dup.db"
    _v2_database(dup, [0, 1, 1])
    with pytest.raises(ValidationError, match=r"dup\.db: participant id\(s\) \[1\] joined more"):
        SessionStore(dup)
    conn = sqlite3.connect(dup)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2  # left as it was
    conn.close()
    assert read_session(dup).participants.height == 2  # still readable


def test_opening_that_fails_closes_its_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coprod_analytics.session.store as store_mod

    opened: list[sqlite3.Connection] = []
    real = store_mod._connect

    def spy(path: Path, *, readonly: bool) -> sqlite3.Connection:
        opened.append(real(path, readonly=readonly))
        return opened[-1]

    monkeypatch.setattr(store_mod, "_connect", spy)
    newer = tmp_path / "newer.db"
    SessionStore(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    nometa = tmp_path / "nometa.db"
    conn = sqlite3.connect(nometa, isolation_level=None)
    migrate(conn)
    conn.close()
    dup = tmp_path / "dup.db"
    _v2_database(dup, [3, 3])
    for path in (newer, nometa, dup):
        opened.clear()
        with pytest.raises(ValidationError):
            SessionStore(path)
        assert len(opened) == 1
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            opened[0].execute("SELECT 1")


def test_creating_a_database_is_all_or_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coprod_analytics.session.store as store_mod

    def crash() -> int:
        raise KeyboardInterrupt  # a crash right after the schema was written

    db = tmp_path / "s.db"
    with monkeypatch.context() as m:
        m.setattr(store_mod, "now_ms", crash)
        with pytest.raises(KeyboardInterrupt):
            SessionStore(db, title="T")
    with SessionStore(db, title="T") as s:  # the file is still usable: created afresh
        assert s.meta()["format"] == "coprod-session"
        assert s.to_inquiry().metadata["title"] == "T"
        assert s.events().get_column("kind").to_list() == ["open"]


class _WriterMeanwhile:
    """A read connection that lets another writer add a statement and a vote on it right
    after the first query on the events table."""

    def __init__(self, conn: sqlite3.Connection, db: Path) -> None:
        self.conn, self.db, self.done = conn, db, False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        cur = self.conn.execute(sql, params)
        if "FROM events" in sql and not self.done:
            self.done = True
            rows = cur.fetchall()
            with SessionStore(self.db) as w:
                sid = w.add_statements(["late"])[0]
                w.record_vote(w.join(), sid, 1)
            return _Rows(rows)  # type: ignore[return-value]
        return cur

    def close(self) -> None:
        self.conn.close()


class _Rows:
    def __init__(self, rows: list) -> None:
        self.rows = rows

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)

    def fetchall(self) -> list:
        return self.rows

    def fetchone(self):  # type: ignore[no-untyped-def]
        return self.rows[0] if self.rows else None


def test_to_inquiry_reads_one_snapshot(store: SessionStore) -> None:
    import coprod_analytics.session.store as store_mod

    store.record_vote(store.join(), 0, 1)
    conn = store_mod._connect(store.path, readonly=True)
    try:
        inq = store_mod._to_inquiry(_WriterMeanwhile(conn, store.path), store.path)  # type: ignore[arg-type]
    finally:
        conn.close()
    assert inq.counts()["votes"] == 1  # the snapshot from before the late writer
    assert inq.statements.height == 3
    assert read_session(store.path).counts()["votes"] == 2


def test_session_status_reads_one_snapshot(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import coprod_analytics.cli.session as cli_session

    store.record_vote(store.join(), 0, 1)
    real = cli_session._open_readonly
    monkeypatch.setattr(
        cli_session, "_open_readonly", lambda p: _WriterMeanwhile(real(p), store.path)
    )
    facts = cli_session.session_status(store.path)
    # every figure from the same moment, before the late statement, join and vote
    assert facts.votes == 1
    assert facts.statements == 3
    assert facts.events == store.events().height - 3
