"""The live inquiry, part 1: activities seeded from an inquiry folder, every kind of answer
through the participant API (validation in the participant's words, changed answers, the
latest counts, idempotency), independence (nobody sees others' answers to an open question
before answering it; the Delphi round-1 distribution only in round 2 after one's own round-1
answer), and the session as an inquiry with the file inputs' table names and columns."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_live_hardening import http, serving

from coprod_analytics.errors import ValidationError
from coprod_analytics.io.load import load_inquiry
from coprod_analytics.session import SessionStore, read_events, read_session
from coprod_analytics.session.activities import PREFER_NOT_TO_SAY, activities_from_folder
from coprod_apps.live.serve import seed_session
from coprod_apps.live.server import LiveServer

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample-inquiry"

#: The sample inquiry's tables plus a panel poll and a population table.
PANEL_ITEMS = (
    "item_id,text,scale_min,scale_max\n1,Buses serve my area well,1,7\n2,Trust the council,1,7\n"
)
POPULATION = (
    "attribute,category,share\n"
    "age_band,16-24,0.14\nage_band,25-34,0.18\nage_band,35-49,0.26\nage_band,50-64,0.24\n"
    "age_band,65+,0.18\narea,Millbrook,0.2\narea,North Hill,0.2\narea,Old Town,0.2\n"
    "area,Riverside,0.2\narea,Station Quarter,0.2\n"
)


def inquiry_folder(tmp_path: Path) -> Path:
    """The sample inquiry folder with ``panel_items.csv`` and ``population.csv`` added."""
    folder = tmp_path / "inquiry"
    shutil.copytree(SAMPLE, folder)
    (folder / "panel_items.csv").write_text(PANEL_ITEMS)
    (folder / "population.csv").write_text(POPULATION)
    return folder


def seeded(tmp_path: Path, *, open_activities: bool = True) -> Path:
    db = tmp_path / "s.db"
    seed_session(db, inquiry_folder(tmp_path), open_activities=open_activities)
    return db


async def _join(port: int) -> tuple[int, str]:
    status, data = await http(port, "POST", "/api/join", {})
    assert status == 200, data
    return data["participant_id"], data["token"]


def _by_id(listing: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["activity_id"]: a for a in listing["activities"]}


def test_every_item_table_of_the_folder_becomes_an_activity(tmp_path: Path) -> None:
    defs = {d["activity_id"]: d for d in activities_from_folder(inquiry_folder(tmp_path))}
    assert list(defs) == [
        "population",
        "panel",
        "evidence",
        "ratings",
        "questions",
        "budget",
        "pairwise",
        "ranking",
        "open_question",
    ]
    assert len(defs["evidence"]["items"]) == 8 and len(defs["ratings"]["items"]) == 5
    types = [(q["item_id"], q["type"]) for q in defs["questions"]["items"]]
    # questions.csv holds the estimates; 101 / 201 only appear in probabilities / choices
    assert types == [(1, "estimate"), (2, "estimate"), (3, "estimate"), (4, "estimate"),
                     (101, "probability"), (201, "choice")]  # fmt: skip
    assert set(defs["questions"]["items"][5]["options"]) == {
        "park-and-ride",
        "better buses",
        "wider ring road",
        "congestion charge",
    }
    assert defs["population"]["items"][0]["options"][-1] == PREFER_NOT_TO_SAY
    db = tmp_path / "s.db"
    line = seed_session(db, inquiry_folder(tmp_path / "again"))
    assert "60 statements" in line and "evidence" in line
    st = SessionStore(db).state()
    opened = {a: r.is_open for a, r in st.activities.items()}
    # the statements and the questions at join are open; the facilitator opens the rest
    assert opened == {
        "population": True,
        "statements": True,
        "panel": False,
        "evidence": False,
        "ratings": False,
        "questions": False,
        "budget": False,
        "pairwise": False,
        "ranking": False,
        "open_question": False,
    }
    assert "Continuing session" in seed_session(db, inquiry_folder(tmp_path / "third"))


def test_every_kind_of_answer_through_the_api(tmp_path: Path) -> None:
    db = seeded(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        _, token = await _join(port)
        status, listing = await http(port, "GET", "/api/activities", token=token)
        assert status == 200 and listing["open"] is True
        acts = _by_id(listing)
        assert set(acts) == {
            "population",
            "statements",
            "panel",
            "evidence",
            "ratings",
            "questions",
            "budget",
            "pairwise",
            "ranking",
            "open_question",
        }
        assert acts["statements"]["items"] == []  # votes go through /api/next and /api/vote
        assert listing["current"] in acts and listing["statements"]["open"] is True
        assert all(it["mine"] is None for a in acts.values() for it in a["items"])
        assert acts["panel"]["wave"] == "pre"
        # the known truth of a question is never sent to phones
        assert all("truth" not in q for q in acts["questions"]["items"])
        answers: list[dict[str, Any]] = [
            {"activity_id": "population", "item_id": "age_band", "category": "35-49"},
            {"activity_id": "population", "item_id": "area", "category": PREFER_NOT_TO_SAY},
            {"activity_id": "panel", "item_id": 1, "value": 3},
            {"activity_id": "evidence", "item_id": 2, "credibility": 4, "relevance": 5},
            {"activity_id": "ratings", "item_id": 1, "rating": 6},
            {"activity_id": "questions", "item_id": 1, "value": 3.5, "confidence": 2},
            {"activity_id": "questions", "item_id": 101, "probability": 0.7},
            {
                "activity_id": "questions",
                "item_id": 201,
                "answer": "better buses",
                "predictions": {
                    "park-and-ride": 0.2,
                    "better buses": 0.5,
                    "wider ring road": 0.2,
                    "congestion charge": 0.1,
                },
            },
        ]
        for i, body in enumerate(answers):
            status, out = await http(
                port, "POST", "/api/answer", {**body, "key": f"k{i}"}, token=token
            )
            assert status == 200 and out["ok"] and out["duplicate"] is False, out
        # a retry with the same key is recognised, not stored again
        status, out = await http(
            port, "POST", "/api/answer", {**answers[4], "key": "k4"}, token=token
        )
        assert status == 200 and out["duplicate"] is True
        # the same key for another answer is refused
        status, out = await http(
            port, "POST", "/api/answer", {**answers[4], "rating": 2, "key": "k4"}, token=token
        )
        assert status == 409 and out["code"] == "key_reused"
        # a changed answer (new key): the latest counts, the log keeps both
        status, out = await http(
            port,
            "POST",
            "/api/answer",
            {**answers[4], "rating": 2, "key": "k-changed"},
            token=token,
        )
        assert status == 200 and out["answered"] == 1 and out["remaining"] == 4
        # and a changed vote: no more 409
        for key, vote in (("v1", 1), ("v2", -1)):
            status, out = await http(
                port,
                "POST",
                "/api/vote",
                {"statement_id": 0, "vote": vote, "key": key},
                token=token,
            )
            assert status == 200, out
        status, listing = await http(port, "GET", "/api/activities", token=token)
        acts = _by_id(listing)
        assert acts["ratings"]["items"][0]["mine"] == {"rating": 2.0}
        assert acts["population"]["answered"] == 2 and acts["questions"]["answered"] == 3

    serving(db, test)
    inq = read_session(db)
    t = inq.tables
    assert t["ratings"].select("participant_id", "item_id", "rating").rows() == [(0, 1, 2.0)]
    assert t["evidence"].select("evidence_id", "credibility", "relevance").rows() == [(2, 4.0, 5.0)]
    assert t["estimates"].select("question_id", "value", "confidence", "round").rows() == [
        (1, 3.5, 2.0, 1)
    ]
    assert t["probabilities"]["probability"].to_list() == [0.7]
    assert t["choices"]["answer"].to_list() == ["better buses"]
    assert sorted(t["predictions"]["share"].to_list()) == [0.1, 0.2, 0.2, 0.5]
    assert t["panel"].select("item_id", "wave", "value").rows() == [(1, "pre", 3.0)]
    people = inq.participants.filter(pl.col("participant_id") == 0)
    assert people.select("age_band", "area").rows() == [("35-49", PREFER_NOT_TO_SAY)]
    assert inq.vote_log.height == 2 and inq.votes["vote"].to_list() == [-1]
    kinds = read_events(db).get_column("kind").to_list()
    assert kinds.count("answer") == 9  # 8 answers + 1 change; the retry was not stored


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        ({"activity_id": "evidence", "item_id": 1, "relevance": 3}, 400, "credibility", "missing"),
        (
            {"activity_id": "evidence", "item_id": 1, "credibility": 9, "relevance": 3},
            400,
            "credibility",
            "between 1 and 5",
        ),
        ({"activity_id": "ratings", "item_id": 1, "rating": "high"}, 400, "rating", "number"),
        ({"activity_id": "ratings", "item_id": 99, "rating": 3}, 404, "item_id", "not an item"),
        (
            {"activity_id": "questions", "item_id": 101, "probability": 1.5},
            400,
            "probability",
            "between 0 and 1",
        ),
        ({"activity_id": "questions", "item_id": 201, "answer": "trams"}, 400, "answer", "one of"),
        (
            {
                "activity_id": "questions",
                "item_id": 201,
                "answer": "better buses",
                "predictions": {"better buses": 0.5},
            },
            400,
            "predictions",
            "add up to 1",
        ),
        (
            {"activity_id": "questions", "item_id": 1, "value": 3, "colour": "red"},
            400,
            "colour",
            "not a field",
        ),
        (
            {"activity_id": "population", "item_id": "age_band", "category": "90+"},
            400,
            "category",
            "one of",
        ),
        ({"activity_id": 7, "item_id": 1}, 400, "activity_id", "string"),
        (
            {"activity_id": "ratings", "item_id": 1, "rating": 3, "key": "no spaces"},
            400,
            "key",
            "letters",
        ),
    ],
)
def test_bad_answers_get_a_4xx_naming_the_field_and_store_nothing(
    tmp_path: Path, body: dict[str, Any], status: int, field: str, words: str
) -> None:
    db = seeded(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        _, token = await _join(port)
        before = read_events(db).height
        got, out = await http(port, "POST", "/api/answer", {"key": "k", **body}, token=token)
        assert (got, out.get("field")) == (status, field), out
        assert words in out["error"]
        assert read_events(db).height == before

    serving(db, test)


def test_closed_activities_and_sessions_take_no_answers(tmp_path: Path) -> None:
    db = seeded(tmp_path, open_activities=False)

    async def test(srv: LiveServer, port: int) -> None:
        _, token = await _join(port)
        _, listing = await http(port, "GET", "/api/activities", token=token)
        # closed activities are not listed
        assert set(_by_id(listing)) == {"population", "statements"}
        body = {"activity_id": "ratings", "item_id": 1, "rating": 3, "key": "a"}
        status, out = await http(port, "POST", "/api/answer", body, token=token)
        assert (status, out["code"]) == (403, "activity_closed")
        status, out = await http(
            port, "POST", "/api/answer", {**body, "activity_id": "nope"}, token=token
        )
        assert (status, out["code"]) == (404, "unknown_activity")
        with SessionStore(db) as s:  # the facilitator opens ratings from another process
            s.open_activity("ratings")
        await _until(srv, lambda: srv.rules.state.activities["ratings"].is_open)
        _, listing = await http(port, "GET", "/api/activities", token=token)
        assert listing["current"] == "ratings"
        status, out = await http(port, "POST", "/api/answer", body, token=token)
        assert status == 200, out
        with SessionStore(db) as s:
            s.close_activity("statements")
        await _until(srv, lambda: not srv.rules.state.statements_open)
        vote = {"statement_id": 0, "vote": 1, "key": "v"}
        status, out = await http(port, "POST", "/api/vote", vote, token=token)
        assert (status, out["code"]) == (403, "activity_closed")
        # no token: no activities
        status, _ = await http(port, "GET", "/api/activities")
        assert status == 401

    serving(db, test)
    with pytest.raises(ValidationError, match="no activity 'nope'"):
        SessionStore(db).open_activity("nope")


async def _until(srv: LiveServer, check: Any) -> None:
    """Wait for a state (the server polls the log for other processes' events)."""
    while not check():
        await asyncio.sleep(0.02)


def test_independence_nobody_sees_others_answers_before_answering(tmp_path: Path) -> None:
    """The participant API never returns other people's answers to an open question; the
    Delphi round-1 distribution only reaches a participant in round 2, and only after their
    own round-1 answer."""
    db = seeded(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        people = [await _join(port) for _ in range(4)]
        for i, (_, token) in enumerate(people[:3]):  # three answer in round 1
            body = {"activity_id": "questions", "item_id": 1, "value": 10.0 * (i + 1), "key": "r1"}
            status, out = await http(port, "POST", "/api/answer", body, token=token)
            assert status == 200, out
            for act, item, field, value in (
                ("evidence", 1, "credibility", 5),
                ("ratings", 1, "rating", 7),
                ("questions", 101, "probability", 0.9),
            ):
                extra = {"relevance": 5} if act == "evidence" else {}
                body = {"activity_id": act, "item_id": item, field: value, "key": f"{act}", **extra}
                assert (await http(port, "POST", "/api/answer", body, token=token))[0] == 200
        late = people[3][1]
        others = {"30.0", "20.0", "10.0"}
        # in round 1 nobody sees anything of others: not the one who answered, not the late one
        for _, token in people:
            status, listing = await http(port, "GET", "/api/activities", token=token)
            text = json.dumps(listing)
            assert status == 200 and "previous" not in text and "distribution" not in text
            mine = {it["item_id"]: it["mine"] for it in _by_id(listing)["questions"]["items"]}
            assert all(m is None for k, m in mine.items() if k != 1 and k != 101)
        _, listing = await http(port, "GET", "/api/activities", token=late)
        text = json.dumps(listing)
        assert not any(v in text for v in others) and '"mine": {' not in text
        # round 2: the round-1 distribution for those who answered round 1, only them
        with SessionStore(db) as s:
            assert s.next_round("questions") == 2
        await _until(srv, lambda: srv.rules.state.activities["questions"].round == 2)
        _, listing = await http(port, "GET", "/api/activities", token=people[0][1])
        q1 = _by_id(listing)["questions"]["items"][0]
        assert q1["mine"] is None  # nothing yet in round 2
        assert q1["previous"]["mine"] == {"value": 10.0}
        assert q1["previous"]["distribution"] == {
            "n": 3, "median": 20.0, "q1": 15.0, "q3": 25.0, "min": 10.0, "max": 30.0,
        }  # fmt: skip
        _, listing = await http(port, "GET", "/api/activities", token=late)
        text = json.dumps(listing)
        assert "previous" not in text and "distribution" not in text
        # other kinds never show anything but one's own answers
        _, listing = await http(port, "GET", "/api/activities", token=people[1][1])
        acts = _by_id(listing)
        assert acts["evidence"]["items"][0]["mine"] == {"credibility": 5.0, "relevance": 5.0}
        assert all(it["mine"] is None for it in acts["evidence"]["items"][1:])
        # a round-2 answer is stored in round 2; round 1 stays as it was
        body = {"activity_id": "questions", "item_id": 1, "value": 18.0, "key": "r2"}
        status, out = await http(port, "POST", "/api/answer", body, token=people[0][1])
        assert status == 200 and out["round"] == 2

    serving(db, test)
    est = read_session(db).tables["estimates"].sort("participant_id", "round")
    assert est.select("participant_id", "value", "round").rows() == [
        (0, 10.0, 1),
        (0, 18.0, 2),
        (1, 20.0, 1),
        (2, 30.0, 1),
    ]


def test_session_export_is_an_inquiry_folder_with_every_table(tmp_path: Path) -> None:
    db = seeded(tmp_path)
    ages = ["16-24", "25-34", "35-49", "50-64", "65+"]
    areas = ["Millbrook", "North Hill", "Old Town", "Riverside", "Station Quarter"]
    with SessionStore(db) as s:
        people = [s.join() for _ in range(5)]
        for i, p in enumerate(people):
            s.record_vote(p, i, 1)
            s.record_vote(p, i, 0)  # changed
            s.record_answer(p, "population", "age_band", {"category": "25-34"})
            s.record_answer(p, "population", "age_band", {"category": ages[i]})  # changed
            s.record_answer(p, "population", "area", {"category": areas[i]})
            s.record_answer(p, "panel", 1, {"value": 2 + i})
            s.record_answer(p, "evidence", 1, {"credibility": 3, "relevance": 4})
            s.record_answer(p, "ratings", 2, {"rating": 5})
            s.record_answer(p, "questions", 2, {"value": 20.0 + i, "confidence": 3})
            s.record_answer(p, "questions", 101, {"probability": 0.4})
            s.record_answer(
                p,
                "questions",
                201,
                {
                    "answer": "park-and-ride",
                    "predictions": {"park-and-ride": 0.6, "better buses": 0.4},
                },
            )
        s.next_round("panel")
        for p in people:
            s.record_answer(p, "panel", 1, {"value": 6})
    live = read_session(db)
    out = tmp_path / "export"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "coprod_analytics.cli",
            "session",
            "export",
            str(db),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    back = load_inquiry(out)
    expected = {
        "estimates", "probabilities", "choices", "predictions", "ratings", "evidence", "panel",
        "questions", "rating_items", "evidence_items", "population", "panel_items",
        # the priority activities' items (nobody answered them here)
        "budget_projects", "budget_meta", "pairwise_items", "ranking_items", "open_questions",
    }  # fmt: skip
    assert set(live.tables) == expected == set(back.tables)
    for name in expected:
        a, b = live.tables[name], back.tables[name]
        cols = [c for c in a.columns if c in b.columns]
        assert cols == a.columns, name
        key = [
            c
            for c in cols
            if c.endswith("_id") or c in ("round", "wave", "option", "attribute", "category")
        ]
        assert a.sort(key).select(cols).equals(b.sort(key).select(cols).cast(a.schema)), name  # type: ignore[arg-type]
    assert back.tables["panel"].group_by("wave").len().sort("wave").rows() == [
        ("post", 5),
        ("pre", 5),
    ]
    assert back.counts() == live.counts()
    assert back.vote_log.height == 10 and back.votes.height == 5
    assert back.participants.sort("participant_id")["age_band"].to_list() == ages
    # coprod export (the static report) reads the folder with its tables (a file written)
    report = tmp_path / "report.html"
    res = subprocess.run(
        [
            *(sys.executable, "-m", "coprod_analytics.cli", "export", str(out)),
            *("-o", str(report), "--no-stability", "--n-resamples", "50", "--no-progress"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    assert report.exists() and report.stat().st_size > 1000


def test_coprod_info_reports_each_kind_under_tables(tmp_path: Path) -> None:
    """``coprod info SESSION.db --json`` counts the latest answers under "tables" with the
    file inputs' names (the lead may extend info.py with ``describe_inputs`` too)."""
    db = seeded(tmp_path)
    with SessionStore(db) as s:
        p = s.join()
        s.record_answer(p, "ratings", 1, {"rating": 2})
        s.record_answer(p, "ratings", 1, {"rating": 3})  # changed: still one answer
        s.record_answer(p, "evidence", 1, {"credibility": 3, "relevance": 4})
        s.record_answer(p, "questions", 1, {"value": 3.0})
    res = subprocess.run(
        [sys.executable, "-m", "coprod_analytics.cli", "info", str(db), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    tables = json.loads(res.stdout)["tables"]
    assert tables["ratings"] == 1 and tables["evidence"] == 1 and tables["estimates"] == 1


def test_migration_from_version_3_keeps_votes_and_allows_changes(tmp_path: Path) -> None:
    import sqlite3

    from coprod_analytics.session.schema import migrate

    db = tmp_path / "v3.db"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, target=3)
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
        "INSERT INTO events (kind, participant_id, statement_id, vote, time_ms, idem_key) "
        "VALUES ('vote', 0, 0, 1, 4, 'k')"
    )
    conn.close()
    with SessionStore(db) as s:
        assert s.schema_version == 4
        assert s.record_vote(0, 0, 1, key="k") is None  # the old key is still known
        assert s.record_vote(0, 0, -1) == 5  # a change, numbered after the copied log
        inq = s.to_inquiry()
    assert inq.vote_log.height == 2 and inq.votes["vote"].to_list() == [-1]


def test_session_activity_command_walks_the_agenda_and_status_lists_it(tmp_path: Path) -> None:
    db = seeded(tmp_path, open_activities=False)

    def coprod(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "coprod_analytics.cli", "session", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )

    assert "evidence is now open" in coprod("activity", str(db), "open", "evidence").stdout
    assert "already open" in coprod("activity", str(db), "open", "evidence").stdout
    assert "round 2" in coprod("activity", str(db), "next-round", "questions").stdout
    assert "now closed" in coprod("activity", str(db), "close", "evidence").stdout
    bad = coprod("activity", str(db), "open", "lunch")
    assert bad.returncode == 2 and "no activity 'lunch'" in bad.stderr
    assert "Traceback" not in bad.stderr
    with SessionStore(db) as s:
        p = s.join()
        s.record_answer(p, "questions", 1, {"value": 2.0})
    facts = json.loads(coprod("status", str(db), "--json").stdout)
    acts = {a["activity_id"]: a for a in facts["activities"]}
    assert acts["questions"] == {
        "activity_id": "questions", "kind": "questions", "title": "Questions", "open": True,
        "round": 2, "items": 6, "answers": 1,
    }  # fmt: skip
    assert acts["evidence"]["open"] is False and acts["population"]["open"] is True
    assert (
        "activity:     questions (open, round 2): 6 items, 1 answers"
        in coprod("status", str(db)).stdout
    )


def test_demo_agenda_opens_each_activity_in_turn(tmp_path: Path) -> None:
    from coprod_apps.cli.demo import agenda_steps, run_agenda

    db = seeded(tmp_path, open_activities=False)
    with SessionStore(db) as s:
        assert agenda_steps(s.state().activities) == [
            ("open", "panel"),
            ("open", "evidence"),
            ("open", "ratings"),
            ("open", "questions"),
            ("next-round", "questions"),
            ("open", "budget"),
            ("open", "pairwise"),
            ("open", "ranking"),
            ("open", "open_question"),
            ("next-round", "panel"),
        ]
    asyncio.run(run_agenda(db, minutes=0.0, stop=asyncio.Event()))
    st = SessionStore(db).state()
    state = {a: (r.is_open, r.round) for a, r in st.activities.items()}
    assert state == {
        "population": (True, 1),
        "statements": (True, 1),
        "panel": (True, 2),  # wave 2 at the end
        "evidence": (False, 1),
        "ratings": (False, 1),
        "questions": (False, 2),
        "budget": (False, 1),
        "pairwise": (False, 1),
        "ranking": (False, 1),
        "open_question": (False, 1),
    }
    assert st.current_activity() is not None and st.current_activity().activity_id == "panel"  # type: ignore[union-attr]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(["evidence", "ratings", "panel", "population", "estimate", "probability", "choice"]),
    item_id=_JSON,
    fields=st.dictionaries(
        st.sampled_from(
            ["credibility", "relevance", "confidence", "rating", "value", "probability",
             "answer", "predictions", "category", "x"]
        ),
        _JSON,
        max_size=4,
    ),
)  # fmt: skip
def test_any_answer_is_stored_or_refused_in_words(kind: str, item_id: Any, fields: Any) -> None:
    """Whatever a phone sends, the check answers with the stored fields or a
    ValidationError naming a field: never another exception (which would be a 500)."""
    from coprod_analytics.session.activities import ActivityRecord, check_answer

    qtype = kind if kind in ("estimate", "probability", "choice") else None
    item: dict[str, Any] = {"item_id": 1, "text": "t", "scale_min": 1.0, "scale_max": 5.0}
    if qtype:
        item["type"] = qtype
    if kind in ("choice", "population"):
        item["options"] = ["a", "b"]
    act = ActivityRecord("x", "questions" if qtype else kind, "X", [item])
    try:
        _, out = check_answer(act, item_id, fields)
    except ValidationError as exc:
        assert exc.column
    else:
        assert json.loads(json.dumps(out, allow_nan=False)) == out


def test_an_exported_session_seeds_the_same_activities_and_its_budget_pb(tmp_path: Path) -> None:
    from coprod_analytics.cli.session import export_session
    from coprod_analytics.io.pabulib import read_pabulib_election
    from coprod_analytics.preferences.budgeting import greedy_budget
    from coprod_analytics.session.activities import activities_from_inquiry

    # the sample folder as it is: every activity, the poll's own texts and scales
    db = tmp_path / "s.db"
    seed_session(db, ROOT / "data" / "sample-inquiry", open_activities=True)
    with SessionStore(db) as s:
        people = [s.join() for _ in range(3)]
        for p in people:  # (a Pol.is export of a session nobody voted in fails: reported)
            s.record_vote(p, 0, 1)
        for p, projects in zip(people, (["5", "4"], ["1", "5"], ["3"]), strict=True):
            s.record_answer(p, "budget", None, {"projects": projects})
        s.record_answer(people[0], "ranking", None, {"order": [2, 1]})
        s.record_answer(people[1], "pairwise", None, {"pair": [1, 2], "winner": 2})
        before = {a: (r.kind, r.items, r.settings) for a, r in s.state().activities.items()}
    for fmt in ("polis", "parquet"):
        out = tmp_path / fmt
        export_session(db, out, format=fmt)
        back = load_inquiry(out)
        # the item lists travel with the export: seeding from it gives the same activities
        again = {d["activity_id"]: d for d in activities_from_inquiry(back)}
        for aid, (kind, items, rules) in before.items():
            if aid == "statements":
                continue
            assert again[aid]["kind"] == kind, aid
            got_rules = again[aid].get("settings", {})
            assert {k: v for k, v in got_rules.items() if k != "meta"} == {
                k: v for k, v in rules.items() if k != "meta"
            }, aid
            got = again[aid]["items"]
            assert [it["text"] for it in got] == [it["text"] for it in items], aid
            if kind in ("panel", "evidence", "ratings"):
                assert [(it["scale_min"], it["scale_max"]) for it in got] == [
                    (it["scale_min"], it["scale_max"]) for it in items
                ], aid
        assert again["ranking"]["settings"] == {"k": 3}
        assert back.tables["evidence_items"]["scale_max"].to_list() == [5.0] * 8
        # the ballots as a .pb file: the same voters, and greedy funds what it funds live
        pb = read_pabulib_election(out / "budget.pb")
        assert pb.n_voters == 3 and pb.budget == 100_000
        assert greedy_budget(pb).selected == greedy_budget(read_session(db)).selected
    # --force replaces an export that holds budget.pb and the new tables
    export_session(db, tmp_path / "polis", force=True)
