"""The PostgreSQL store's batched append (two round trips per batch, libpq's pipeline mode)
against a real PostgreSQL server (tests/pg.py): a row PostgreSQL itself refuses fails alone
(the batch is stored again one event at a time), repeats and the agenda are kept, another
writer's close and open are seen inside the lock, a connection lost before a batch is opened
again, the one-by-one path gives the same answers, and the writer's gathering under load
stores every event once."""

from __future__ import annotations

import asyncio

import pg
import polars as pl
import psycopg
import pytest
from pg import PgServer

from coprod_analytics.session.gate import AgendaGate, Refused
from coprod_analytics.session.open import open_store, read_events
from coprod_analytics.session.store import NewEvent
from coprod_apps.live.writer import GroupCommitWriter

pg_server = pg.pg_server
pg_url = pg.pg_url


def _refuse_text(url: str, text: str) -> None:
    """A rule of the database itself (not known to the client) refusing one text."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse_text() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF NEW.text = '{text}' THEN RAISE EXCEPTION USING ERRCODE = '22023',"
            " MESSAGE = 'refused by the test'; END IF; RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER refuse_text BEFORE INSERT ON events"
            " FOR EACH ROW EXECUTE FUNCTION refuse_text()"
        )


@pytest.mark.parametrize("bulk", [True, False])
def test_a_row_postgres_refuses_fails_alone_and_repeats_stay_repeats(
    pg_url: str, bulk: bool
) -> None:
    with open_store(pg_url) as s:
        s.bulk_insert = bulk  # type: ignore[attr-defined]
        s.add_statements(["Buses", "Trams", "Bikes"])
        pid = s.join()
        gate = AgendaGate.from_state(s.state())
        first = s.append_each(
            [NewEvent("vote", participant_id=pid, statement_id=0, vote=1, key="k1")], gate=gate
        )
        assert isinstance(first[0], int)
        _refuse_text(pg_url, "bad")
        out = s.append_each(
            [
                NewEvent("vote", participant_id=pid, statement_id=1, vote=1, key="k2"),
                NewEvent("statement", participant_id=pid, statement_id=50, text="bad"),
                NewEvent("vote", participant_id=pid, statement_id=0, vote=1, key="k1"),  # repeat
                NewEvent("vote", participant_id=pid, statement_id=2, vote=-1, key="k3"),
            ],
            gate=gate,
        )
        assert isinstance(out[0], int) and isinstance(out[3], int) and out[0] < out[3]
        assert isinstance(out[1], psycopg.errors.InvalidParameterValue)
        assert out[2] is None  # the key was stored before: refused as a repeat
        # the connection is usable afterwards, batches and single events alike
        again = s.append_each(
            [NewEvent("vote", participant_id=pid, statement_id=2, vote=1, key="k4")], gate=gate
        )
        assert isinstance(again[0], int) and again[0] > out[3]
        assert s.state().voted[pid] == {0, 1, 2}
    keyed = read_events(pg_url).filter(pl.col("idem_key").is_not_null())
    assert sorted(keyed["idem_key"].to_list()) == ["k1", "k2", "k3", "k4"]
    assert keyed.filter(pl.col("text") == "bad").height == 0


def test_another_writers_close_and_open_are_seen_inside_the_lock(pg_url: str) -> None:
    with open_store(pg_url) as server, open_store(pg_url) as facilitator:
        server.add_statements(["Buses"])
        pid = server.join()
        gate = AgendaGate.from_state(server.state())
        facilitator.close_session()
        batch = [
            NewEvent("vote", participant_id=pid, statement_id=0, vote=1, key="late"),
            NewEvent("join", participant_id=pid + 1),
        ]
        out = server.append_each(batch, gate=gate)
        assert isinstance(out[0], Refused) and out[0].code == "closed"
        assert isinstance(out[1], int)  # joins always pass
        assert gate.last_seq == out[1]
        facilitator.append([NewEvent("open")])
        out = server.append_each(
            [NewEvent("vote", participant_id=pid, statement_id=0, vote=1, key="late")], gate=gate
        )
        assert isinstance(out[0], int)
        assert gate.is_open and gate.last_seq == out[0]


def test_a_connection_lost_between_batches_is_opened_again(
    pg_url: str, pg_server: PgServer
) -> None:
    with open_store(pg_url) as s:
        s.add_statements(["Buses"])
        pid = s.join()
        gate = AgendaGate.from_state(s.state())
        pg_server.admin(f"SELECT pg_terminate_backend({s._conn.info.backend_pid})")  # type: ignore[attr-defined]
        out = s.append_each(
            [
                NewEvent("vote", participant_id=pid, statement_id=0, vote=1, key="a"),
                NewEvent("join", participant_id=pid + 1),
            ],
            gate=gate,
        )
        assert all(isinstance(seq, int) for seq in out)
        assert s.to_inquiry().counts()["votes"] == 1


def test_the_writer_gathering_under_load_stores_every_event_once(pg_url: str) -> None:
    with open_store(pg_url) as s:
        s.add_statements(["Buses", "Trams"])

    async def main() -> list[list[int | None]]:
        loop = asyncio.get_running_loop()
        writer = GroupCommitWriter(open_store(pg_url), loop, gather_ms=20)
        writer.start()
        rounds = []
        for r in range(4):  # a busy batch, then a lone event that must not wait forever
            futs = [writer.submit(NewEvent("join", participant_id=100 * r + i)) for i in range(6)]
            rounds.append(list(await asyncio.gather(*futs)))
            rounds.append([await writer.submit(NewEvent("join", participant_id=100 * r + 50))])
        writer.stop()
        await loop.run_in_executor(None, writer.join)
        assert writer.gather == 0.02 and writer.batches <= 4 * 7
        return rounds

    rounds = asyncio.run(main())
    seqs = [seq for got in rounds for seq in got]
    assert all(isinstance(seq, int) for seq in seqs) and len(set(seqs)) == len(seqs) == 28
    joins = read_events(pg_url).filter(pl.col("kind") == "join")
    assert joins.height == 28 and joins["participant_id"].n_unique() == 28
