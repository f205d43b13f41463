"""The PostgreSQL session store against a real PostgreSQL server (tests/pg.py starts it):
every store method, the same inquiry as SQLite from the same events, the append-only
trigger, exactly once under concurrent writers (threads and processes), a lost connection,
a read-only role, the schema version, the poller and the one-server lock."""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pg
import polars as pl
import pytest
from pg import PgServer, fresh_database

# the store's behaviour tests, run here on both backends (the ``store`` fixture below)
from test_session_store import (  # noqa: F401
    test_a_changed_vote_counts_and_the_log_keeps_both,
    test_idempotency_key_stores_once,
    test_moderation_queue_and_settings,
    test_reused_key_with_another_request_is_refused,
    test_state_fold_is_incremental,
    test_text_that_is_not_unicode_is_refused_alone,
    test_validation_messages,
)

from coprod_analytics.errors import CoprodError, ValidationError
from coprod_analytics.session.gate import AgendaGate, Refused
from coprod_analytics.session.open import (
    open_event_reader,
    open_store,
    probe_writable,
    read_events,
    read_session,
)
from coprod_analytics.session.schema import SCHEMA_VERSION
from coprod_analytics.session.store import (
    BaseSessionStore,
    NewEvent,
    SessionStore,
    StoreUnwritable,
)

#: the real PostgreSQL server and a database per test (tests/pg.py)
pg_server = pg.pg_server
pg_url = pg.pg_url

RATINGS: dict[str, Any] = {
    "activity_id": "ratings",
    "kind": "ratings",
    "title": "Ratings",
    "open": True,
    "items": [{"item_id": 1, "text": "Buses", "scale_min": 1, "scale_max": 7}],
}
QUESTIONS: dict[str, Any] = {
    "activity_id": "questions",
    "kind": "questions",
    "title": "Questions",
    "items": [
        {"item_id": 1, "text": "Buses an hour?", "type": "estimate", "unit": "buses/hour"},
        {"item_id": 101, "text": "Bypass by 2027?", "type": "probability"},
    ],
}


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BaseSessionStore]:
    """The store of test_session_store.py, on each backend."""
    target = (
        str(tmp_path / "s.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    )
    s = open_store(target, title="Test session")
    s.add_statements(["Buses should run later.", "More benches.", "<b>bold</b> & <script>"])
    yield s
    s.close()


def _raw(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _script(s: BaseSessionStore, t0: int = 1_700_000_000_000) -> None:
    """One session through every kind of event (times given where the API takes them)."""
    s.add_statements(["Buses", "Benches", "Parks"])
    s.define_activities([RATINGS, QUESTIONS])
    ps = [s.join() for _ in range(4)]
    for i, p in enumerate(ps):
        s.record_vote(p, i % 3, (1, -1, 0)[i % 3], key=f"v{i}", time_ms=t0 + i)
    s.record_vote(ps[0], 0, -1, time_ms=t0 + 10)  # a changed vote
    for i, p in enumerate(ps):
        s.record_answer(p, "ratings", 1, {"rating": 1 + i}, key=f"r{i}", time_ms=t0 + 20 + i)
    s.open_activity("questions")
    s.record_answer(ps[0], "questions", 1, {"value": 4, "confidence": 0.5}, time_ms=t0 + 30)
    assert s.next_round("questions") == 2
    s.record_answer(ps[0], "questions", 1, {"value": 5, "confidence": 0.8}, time_ms=t0 + 31)
    s.record_answer(ps[1], "questions", 101, {"probability": 0.7}, time_ms=t0 + 32)
    sid = s.submit_statement(ps[1], "Later trains", key="s1")
    assert sid is not None
    s.moderate(sid, accept=True)
    s.moderate(1, accept=False)
    s.submit_statement(ps[2], "Waiting one", key="s2")
    s.set_setting("allow_submissions", False)
    s.close_activity("ratings")
    s.close_session()
    s.reopen_session()


def _frames(store: BaseSessionStore, *, times: bool) -> dict[str, pl.DataFrame]:
    inq = store.to_inquiry()
    out = {
        "votes": inq.votes,
        "vote_log": inq.vote_log,
        "statements": inq.statements,
        "participants": inq.participants,
        **{f"tables.{k}": t for k, t in inq.tables.items()},
    }
    if not times:  # joins and seeds are stamped "now" by each store
        out = {
            k: t.drop([c for c in ("joined", "created") if c in t.columns]) for k, t in out.items()
        }
    return out


# ------------------------------------------------------------------------ every method
def test_every_store_method_round_trips(pg_url: str, tmp_path: Path) -> None:
    from coprod_analytics.session.pg_store import PgSessionStore

    with open_store(pg_url, title="Council") as s:
        assert isinstance(s, PgSessionStore)
        assert s.schema_version == SCHEMA_VERSION
        meta = s.meta()
        assert meta["format"] == "coprod-session" and s.session_id == meta["session_id"]
        assert len(meta["token_secret"]) == 64
        _script(s)
        st = s.state()
        assert st.title == "Council" and st.is_open and st.settings["allow_submissions"] is False
        assert sorted(st.participants) == [0, 1, 2, 3]
        assert st.n_vote_events == 5 and st.n_votes == 4
        assert [r.text for r in st.pending()] == ["Waiting one"]
        assert st.activities["questions"].round == 2 and not st.activities["ratings"].is_open
        # incremental state and events(since=)
        before = s.state()
        last = before.last_seq
        seq = s.append([NewEvent("join", participant_id=9, time_ms=5)])[0]
        assert isinstance(seq, int) and seq > last
        assert s.state(since=before).participants[9] == 5  # brought up to date in place
        assert s.events(since=last)["kind"].to_list() == ["join"]
        # append_each with a gate: a closed activity refuses the answer, not the join
        gate = AgendaGate.from_state(s.state())
        out = s.append_each(
            [
                NewEvent("answer", participant_id=0, value={"activity_id": "ratings"}),
                NewEvent("join", participant_id=10),
            ],
            gate=gate,
        )
        assert isinstance(out[0], Refused) and isinstance(out[1], int)
        inq = s.to_inquiry()
        assert inq.metadata["title"] == "Council" and inq.metadata["session_id"] == s.session_id
        assert "***" not in inq.metadata["source_path"]  # no password in this URL
        assert sorted(inq.tables["ratings"]["rating"].to_list()) == [1.0, 2.0, 3.0, 4.0]
        assert inq.tables["estimates"].height == 2  # one per round
        polis = s.export_polis(tmp_path / "polis")
        assert (polis / "votes.csv").exists()
        parquet = s.export_parquet(tmp_path / "pq")
        assert (parquet / "inquiry.json").exists()
        n_events = s.events().height
    # reopening finds the same session; the readers take the URL
    with open_store(pg_url) as again:
        assert again.session_id == meta["session_id"] and again.state().title == "Council"
    assert read_session(pg_url).counts()["votes"] == inq.counts()["votes"]
    assert read_events(pg_url).height == n_events > 20


def test_the_same_events_give_the_same_inquiry_on_sqlite_and_postgres(
    pg_url: str, pg_server: PgServer, tmp_path: Path
) -> None:
    with SessionStore(tmp_path / "s.db", title="Same") as lite, open_store(pg_url) as pg:
        _script(lite)
        _script(pg)
        a, b = _frames(lite, times=False), _frames(pg, times=False)
        assert a.keys() == b.keys() and len(a) > 8
        for name in a:
            assert a[name].equals(b[name]), name
    # replaying SQLite's log, times and all, into a new PostgreSQL session: equal to the
    # last millisecond (the first 'open' is each store's own)
    with (
        fresh_database(pg_server) as url2,
        open_store(url2, title="Same") as pg2,
        SessionStore(tmp_path / "s.db") as lite,
    ):
        events = [
            NewEvent(
                r["kind"],
                participant_id=r["participant_id"],
                statement_id=r["statement_id"],
                vote=r["vote"],
                text=r["text"],
                value=None if r["value"] is None else json.loads(r["value"]),
                key=r["idem_key"],
                time_ms=r["time_ms"],
            )
            for r in lite.events().slice(1).iter_rows(named=True)
        ]
        assert all(isinstance(x, int) for x in pg2.append(events))
        a, b = _frames(lite, times=True), _frames(pg2, times=True)
        for name in a:
            assert a[name].equals(b[name]), name
        la, lb = lite.to_inquiry().metadata, pg2.to_inquiry().metadata
        for k in ("title", "source_format", "session_open", "settings"):
            assert la[k] == lb[k]


# ------------------------------------------------------------------------ the database's rules
def test_the_log_is_append_only_in_the_database(pg_url: str) -> None:
    import psycopg

    open_store(pg_url).close()
    with _raw(pg_url) as conn:
        for sql in ("UPDATE events SET vote = 1", "DELETE FROM events", "TRUNCATE events"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(sql)
        # the UNIQUE rules hold for any client
        conn.execute("INSERT INTO events (kind, idem_key, time_ms) VALUES ('join', 'k', 1)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO events (kind, idem_key, time_ms) VALUES ('join', 'k', 2)")
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 2


def test_durable_commits_and_schema_version(pg_url: str) -> None:
    with open_store(pg_url) as s:
        conn = s._conn  # type: ignore[attr-defined]
        assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
    with _raw(pg_url) as conn:
        assert conn.execute("SELECT version FROM coprod_schema").fetchone()[0] == SCHEMA_VERSION
        conn.execute("INSERT INTO coprod_schema VALUES (%s)", (SCHEMA_VERSION + 1,))
    with pytest.raises(ValidationError, match="newer than this version"):
        open_store(pg_url)
    with pytest.raises(ValidationError, match="newer than this version"):
        read_session(pg_url)


def test_a_database_holding_something_else_is_refused(pg_url: str) -> None:
    with _raw(pg_url) as conn:
        conn.execute("CREATE TABLE events (id int)")
    with pytest.raises(ValidationError, match="not a coprod session database"):
        open_store(pg_url)


def test_the_migration_chain_reaches_the_schema_version() -> None:
    from coprod_analytics.session.pg_store import PG_MIGRATIONS

    version = 0
    for start, end, _sql in PG_MIGRATIONS:
        assert start == version
        version = end
    assert version == SCHEMA_VERSION


# ------------------------------------------------------------------------ exactly once
def _append_keys(url: str, worker: int, n_keys: int) -> list[tuple[str, int | None]]:
    """A writer process: every key, in an order of its own, in batches of 10."""
    from coprod_analytics.session.pg_store import PgSessionStore

    keys = [f"k{(i * (worker + 3)) % n_keys}" for i in range(n_keys)]
    got: list[tuple[str, int | None]] = []
    with PgSessionStore(url) as s:
        for i in range(0, n_keys, 10):
            batch = keys[i : i + 10]
            seqs = s.append(
                [NewEvent("join", participant_id=1000 + int(k[1:]), key=k) for k in batch]
            )
            got.extend(zip(batch, seqs, strict=True))
        # and joins handed out by the store itself: never the same id twice
        got.extend((f"join-{worker}-{j}", s.join()) for j in range(10))
    return got


def test_concurrent_writers_store_each_key_exactly_once(pg_url: str) -> None:
    open_store(pg_url).close()
    n_keys, n_workers = 97, 4  # 97: prime, so every worker's order differs
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(n_workers) as pool:
        results = pool.starmap(_append_keys, [(pg_url, w, n_keys) for w in range(n_workers)])
    stored: dict[str, int] = {}
    for got in results:
        for key, seq in got:
            if key.startswith("k") and seq is not None:
                assert key not in stored, f"{key} acknowledged twice"
                stored[key] = seq
    assert sorted(stored) == sorted(f"k{i}" for i in range(n_keys))  # nothing lost
    log = read_events(pg_url)
    keyed = log.filter(pl.col("idem_key").is_not_null())
    assert keyed.height == n_keys and keyed["idem_key"].n_unique() == n_keys
    assert dict(zip(keyed["idem_key"], keyed["seq"], strict=True)) == stored
    own_joins = [pid for got in results for key, pid in got if key.startswith("join-")]
    assert len(own_joins) == len(set(own_joins)) == 10 * n_workers
    assert log["seq"].is_sorted()


def test_threads_sharing_a_database_store_each_key_once(pg_url: str) -> None:
    open_store(pg_url).close()
    outcomes: list[list[int | None]] = []
    lock = threading.Lock()

    def writer() -> None:
        with open_store(pg_url) as s:
            seqs = s.append(
                [
                    NewEvent("vote", participant_id=0, statement_id=0, vote=1, key=f"t{i}")
                    for i in range(40)
                ]
            )
        with lock:
            outcomes.append(seqs)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(40):
        assert sum(o[i] is not None for o in outcomes) == 1
    assert read_events(pg_url).filter(pl.col("kind") == "vote").height == 40


def test_a_close_committed_by_another_process_stops_later_votes(pg_url: str) -> None:
    with open_store(pg_url) as server, open_store(pg_url) as facilitator:
        server.add_statements(["Buses"])
        pid = server.join()
        gate = AgendaGate.from_state(server.state())
        facilitator.close_session()
        out = server.append_each(
            [NewEvent("vote", participant_id=pid, statement_id=0, vote=1, key="late")],
            gate=gate,
        )
        assert isinstance(out[0], Refused) and out[0].code == "closed"
        assert server.to_inquiry().counts()["votes"] == 0


# ------------------------------------------------------------------------ faults
def test_a_lost_connection_is_opened_again(pg_url: str, pg_server: PgServer) -> None:
    with open_store(pg_url) as s:
        reader = open_event_reader(pg_url)
        try:
            s.add_statements(["Buses"])
            seen = reader.new_events(0)
            for conn in (s._conn, reader._conn):  # type: ignore[attr-defined]
                pg_server.admin(f"SELECT pg_terminate_backend({conn.info.backend_pid})")
            p = s.join()  # found lost before anything was sent: opened again
            assert s.record_vote(p, 0, 1, key="after") is not None
            later = reader.new_events(seen[-1][0])
            assert [r[1] for r in later] == ["join", "vote"]
        finally:
            reader.close()
        assert s.to_inquiry().counts()["votes"] == 1


def test_a_read_only_role_is_refused_with_the_cause(pg_url: str, pg_server: PgServer) -> None:
    dbname = pg_url.split("/")[3].split("?")[0]
    with open_store(pg_url) as s:
        s.add_statements(["Buses"])
    role = f"reader_{dbname}"
    writer = f"writer_{dbname}"
    with _raw(pg_url) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"CREATE ROLE {writer} LOGIN")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}, {writer}")
        conn.execute(f"GRANT INSERT ON events TO {writer}")
    try:
        reader_url = pg_server.url(dbname, user=role)
        with pytest.raises(StoreUnwritable, match="read-only") as err:
            open_store(reader_url)
        assert err.value.reason == "read_only" and role in err.value.detail
        with pytest.raises(StoreUnwritable) as err:
            probe_writable(reader_url)
        assert err.value.reason == "read_only"
        assert read_session(reader_url).statements.height == 1  # reading needs no more
        # a role that loses its right to write while a store is open: nothing is changed
        with open_store(pg_server.url(dbname, user=writer)) as w:
            before = w.events().height
            with _raw(pg_url) as conn:
                conn.execute(f"REVOKE INSERT ON events FROM {writer}")
            with pytest.raises(StoreUnwritable, match="the database is read-only") as err:
                w.close_session()
            assert err.value.reason == "read_only"
            assert w.events().height == before
    finally:
        with _raw(pg_url) as conn:
            for r in (role, writer):
                conn.execute(f"DROP OWNED BY {r}")
                conn.execute(f"DROP ROLE {r}")


def test_a_server_out_of_reach_is_an_io_error() -> None:
    with pytest.raises(StoreUnwritable) as err:
        open_store("postgresql://nobody:s3cret@127.0.0.1:1/none?connect_timeout=2")
    assert err.value.reason == "io_error"
    assert "s3cret" not in str(err.value) and "***" in str(err.value)


def test_one_server_per_session(pg_url: str) -> None:
    from coprod_analytics.session.pg_store import PgServeLock

    open_store(pg_url).close()
    lock = PgServeLock(pg_url)
    with pytest.raises(CoprodError, match="already running"):
        PgServeLock(pg_url)
    lock.release()
    PgServeLock(pg_url).release()


def test_coprod_info_and_load_inquiry_read_a_session_on_postgres(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user names the session by its URL, like a ``.db`` path: ``coprod info URL --json``
    counts it (without printing a password) and ``load_inquiry(URL)`` analyses it."""
    from coprod_analytics import load_inquiry
    from coprod_analytics.cli import main

    with open_store(pg_url, title="Council") as s:
        s.add_statements(["More buses", "Fewer cars"])
        people = [s.join() for _ in range(3)]
        for i, p in enumerate(people):
            s.record_vote(p, 0, 1)
            s.record_vote(p, 1, -1 if i else 1)
    assert main(["info", pg_url, "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert (facts["participants"], facts["statements"], facts["votes"]) == (3, 2, 6)
    assert (facts["agree"], facts["disagree"]) == (4, 2)
    assert facts["title"] == "Council"
    inquiry = load_inquiry(pg_url)
    assert inquiry.votes.height == 6 and inquiry.statements.height == 2


def test_the_facilitator_dashboard_moderates_and_opens_activities_on_postgres(pg_url: str) -> None:
    """The dashboard's buttons write through the session's own backend: on a PostgreSQL
    session, approving a statement and opening an activity land in PostgreSQL."""
    pytest.importorskip("ipywidgets")
    from coprod_widgets.session.views import LiveDashboard

    with open_store(pg_url, title="Council") as s:
        s.add_statements(["More buses"])
        sid = s.submit_statement(s.join(), "Later trams")
        s.define_activities(
            [
                {
                    "activity_id": "ratings",
                    "kind": "ratings",
                    "title": "Rate",
                    "items": [{"item_id": 1, "text": "Buses"}],
                }
            ]
        )
    board = LiveDashboard(pg_url)
    assert board.moderate(sid, accept=True) is not False
    board.agenda.act("open", "ratings")
    with open_store(pg_url) as s:
        st = s.state()
        assert st.statements[sid].moderation == 1
        assert st.activities["ratings"].is_open
