"""Live priorities through the participant API: the budget ballot (seeded from a real pabulib
file), pairwise "which is better?" with ideas, rankings of the top k and open questions; bad
answers refused naming the field, the latest answer counting, and the session's tables,
``.pb`` export and ``coprod budget`` outcome agreeing with the same data in memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import require_shared
from test_live_hardening import http, serving

from coprod_analytics.cli.info import info_dict
from coprod_analytics.io.pabulib import read_pabulib_election
from coprod_analytics.preferences.budgeting import greedy_budget
from coprod_analytics.session import SessionStore, read_session
from coprod_analytics.session.pb_export import session_election, write_session_pb
from coprod_apps.live.serve import seed_session
from coprod_apps.live.server import LiveServer

GDANSK = "poland_gdansk_2020_zaspa-rozstaje.pb"  # cumulative, 5 projects, max_sum_points 5
KRAKOW = "poland_krakow_2019_bienczyce.pb"  # ordinal, 9 projects, exactly 3 ranked


async def _join(port: int) -> str:
    status, data = await http(port, "POST", "/api/join", {})
    assert status == 200, data
    return str(data["token"])


async def _listing(port: int, token: str) -> dict[str, dict[str, Any]]:
    status, data = await http(port, "GET", "/api/activities", token=token)
    assert status == 200, data
    return {a["activity_id"]: a for a in data["activities"]}


async def _answer(port: int, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return await http(port, "POST", "/api/answer", body, token=token)


def _seed_pb(tmp_path: Path, name: str) -> Path:
    db = tmp_path / "s.db"
    line = seed_session(db, require_shared("pabulib", name), open_activities=True)
    assert "budget" in line
    return db


def test_a_cumulative_ballot_from_a_real_file(tmp_path: Path) -> None:
    db = _seed_pb(tmp_path, GDANSK)
    source = read_pabulib_election(require_shared("pabulib", GDANSK))
    ids = list(source.project_ids)

    async def test(srv: LiveServer, port: int) -> None:
        tokens = [await _join(port) for _ in range(4)]
        act = (await _listing(port, tokens[0]))["budget"]
        assert [it["item_id"] for it in act["items"]] == ids
        assert [it["cost"] for it in act["items"]] == source.costs.tolist()
        assert act["settings"]["vote_type"] == "cumulative"
        assert act["settings"]["max_sum_points"] == 5 and "meta" not in act["settings"]
        assert act["mine"] is None and act["answered"] == 0
        bad = [
            ({"points": {ids[0]: 4, ids[1]: 2}}, "points"),  # 6 > 5 points
            ({"points": {"nope": 1}}, "points"),
            ({"points": {ids[0]: -1}}, "points"),
            ({"points": {ids[0]: 1.5}}, "points"),
            ({"projects": [ids[0]]}, "projects"),  # not a field of this ballot
            ({"points": {}}, "points"),
        ]
        for i, (fields, name) in enumerate(bad):
            status, data = await _answer(
                port, tokens[0], {"activity_id": "budget", "key": f"b{i}", **fields}
            )
            assert status == 400 and data["field"] == name, (fields, data)
        ballots = [{ids[0]: 3, ids[2]: 2}, {ids[1]: 5}, {ids[0]: 1, ids[3]: 4}, {ids[4]: 2}]
        for i, (tok, pts) in enumerate(zip(tokens, ballots, strict=True)):
            status, data = await _answer(
                port, tok, {"activity_id": "budget", "points": pts, "key": f"ok{i}"}
            )
            assert status == 200 and data["answered"] == 1 and data["remaining"] == 0, data
        # a changed ballot: the latest counts
        status, _ = await _answer(
            port, tokens[1], {"activity_id": "budget", "points": {ids[2]: 5}, "key": "change"}
        )
        assert status == 200
        # a retried key is the same ballot, not a new one
        status, data = await _answer(
            port, tokens[1], {"activity_id": "budget", "points": {ids[2]: 5}, "key": "change"}
        )
        assert status == 200 and data["duplicate"] is True
        assert (await _listing(port, tokens[1]))["budget"]["mine"] == {"points": {ids[2]: 5}}

    serving(db, test)
    inquiry = read_session(db)
    votes = inquiry.tables["budget_votes"]
    assert votes.height == 6  # 2 + 1 (changed) + 2 + 1 rows: one per voter and project
    assert votes.filter(votes["participant_id"] == "1").rows() == [("1", ids[2], 5)]
    assert info_dict(db)["tables"]["budget_votes"] == 6
    # the .pb file round-trips and gives the outcome the same data gives in memory
    pb = write_session_pb(inquiry, tmp_path / "session.pb")
    back = read_pabulib_election(pb)
    assert back == session_election(inquiry)
    assert back.meta["max_sum_points"] == "5" and back.meta["num_votes"] == "4"
    in_memory = greedy_budget(inquiry)
    run = subprocess.run(
        [sys.executable, "-m", "coprod_analytics", "budget", str(pb), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout)["selected"] == list(in_memory.selected)


def test_an_ordinal_ballot_follows_the_files_length_rules(tmp_path: Path) -> None:
    db = _seed_pb(tmp_path, KRAKOW)
    ids = list(read_pabulib_election(require_shared("pabulib", KRAKOW)).project_ids)

    async def test(srv: LiveServer, port: int) -> None:
        tok = await _join(port)
        act = (await _listing(port, tok))["budget"]
        assert act["settings"]["vote_type"] == "ordinal"
        assert act["settings"]["min_length"] == 3 and act["settings"]["max_length"] == 3
        for i, (projects, msg) in enumerate(
            [
                (ids[:2], "at least 3"),
                (ids[:4], "at most 3"),
                ([ids[0], ids[0], ids[1]], "twice"),
            ]
        ):
            status, data = await _answer(
                port, tok, {"activity_id": "budget", "projects": projects, "key": f"x{i}"}
            )
            assert status == 400 and data["field"] == "projects" and msg in data["error"], data
        order = [ids[4], ids[0], ids[2]]
        status, data = await _answer(
            port, tok, {"activity_id": "budget", "projects": order, "key": "ok"}
        )
        assert status == 200, data

    serving(db, test)
    votes = read_session(db).tables["budget_votes"]
    assert votes.sort("rank").get_column("project_id").to_list() == [ids[4], ids[0], ids[2]]
    election = session_election(read_session(db))
    assert election.vote_type == "ordinal" and election.votes["vote"].to_list() == [
        [ids[4], ids[0], ids[2]]
    ]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "inquiry"
    folder.mkdir()
    (folder / "budget_projects.csv").write_text(
        "project_id,cost,name\np1,60,Park lights\np2,50,Bus shelter\np3,30,Benches\n"
    )
    (folder / "budget_meta.csv").write_text("key,value\nbudget,100\nvote_type,approval\n")
    (folder / "pairwise_items.csv").write_text(
        "item_id,text\n1,More buses\n2,More cycle lanes\n3,Cheaper fares\n"
    )
    (folder / "ranking_items.csv").write_text(
        "item_id,text,k\na,Safety,2\nb,Cost,\nc,Speed,\nd,Comfort,\n"
    )
    (folder / "open_questions.csv").write_text("question_id,text\n1,What would you change?\n")
    return folder


def test_the_approval_ballot_stops_at_the_budget(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    seed_session(db, _folder(tmp_path), open_activities=True)

    async def test(srv: LiveServer, port: int) -> None:
        tok = await _join(port)
        act = (await _listing(port, tok))["budget"]
        assert act["settings"]["limit"] == 100
        status, data = await _answer(
            port, tok, {"activity_id": "budget", "projects": ["p1", "p2"], "key": "over"}
        )
        assert status == 400 and data["field"] == "projects"
        assert "cost 110" in data["error"] and "limit is 100" in data["error"]
        status, data = await _answer(
            port, tok, {"activity_id": "budget", "projects": ["p1", "p3"], "key": "fits"}
        )
        assert status == 200, data

    serving(db, test)
    assert read_session(db).tables["budget_votes"].rows() == [("0", "p1"), ("0", "p3")]


def test_pairwise_pairs_ideas_and_the_latest_answer_per_pair(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    seed_session(db, _folder(tmp_path), open_activities=True)

    async def test(srv: LiveServer, port: int) -> None:
        tok, tok2 = await _join(port), await _join(port)
        act = (await _listing(port, tok))["pairwise"]
        assert act["pairs"] == 3 and act["answered"] == 0
        seen = []
        for i in range(3):  # three different pairs before any comes back
            pair = [it["item_id"] for it in act["pair"]]
            assert (await _listing(port, tok))["pairwise"]["pair"] == act["pair"]  # stable
            seen.append(frozenset(pair))
            status, data = await _answer(
                port,
                tok,
                {
                    "activity_id": "pairwise",
                    "pair": pair,
                    "winner": pair[1],
                    "key": f"p{i}",
                },
            )
            assert status == 200 and data["answered"] == i + 1, data
            act = (await _listing(port, tok))["pairwise"]
            assert data["pair"] == act["pair"]
        assert len(set(seen)) == 3
        # every pair answered: a pair comes back, and answering it again changes that answer
        again = [it["item_id"] for it in act["pair"]]
        status, data = await _answer(
            port,
            tok,
            {
                "activity_id": "pairwise",
                "pair": again,
                "cant_decide": True,
                "key": "again",
            },
        )
        assert status == 200 and data["answered"] == 3
        # bad answers, each naming its field
        pair2 = [it["item_id"] for it in (await _listing(port, tok2))["pairwise"]["pair"]]
        other = next(i for i in (1, 2, 3) if i not in pair2)
        for i, (fields, name) in enumerate(
            [
                ({"pair": pair2, "winner": other}, "winner"),
                ({"pair": [pair2[0], pair2[0]], "winner": pair2[0]}, "pair"),
                ({"pair": [pair2[0], 99], "winner": pair2[0]}, "pair"),
                ({"pair": pair2, "winner": pair2[0], "cant_decide": True}, "cant_decide"),
                ({"pair": [pair2[0], other], "winner": other}, "pair"),  # not offered
                ({"pair": pair2, "winner": pair2[0], "rating": 3}, "rating"),
            ]
        ):
            status, data = await _answer(
                port, tok2, {"activity_id": "pairwise", "key": f"bad{i}", **fields}
            )
            assert status == 400 and data["field"] == name, (fields, data)
        # an idea waits for the facilitator, then joins the pool
        status, data = await _answer(
            port, tok2, {"activity_id": "pairwise", "idea": "Night buses", "key": "idea"}
        )
        assert status == 200 and data["status"] == "waiting for the facilitator", data
        assert len((await _listing(port, tok2))["pairwise"]["items"]) == 3
        with SessionStore(db) as facilitator:
            pending = facilitator.state().pending()
            assert [(r.text, r.activity_id) for r in pending] == [("Night buses", "pairwise")]
            facilitator.moderate(pending[0].statement_id, accept=True)
        srv.poll_external()
        act2 = (await _listing(port, tok2))["pairwise"]
        assert [it["text"] for it in act2["items"]][-1] == "Night buses"
        assert act2["pairs"] == 6

    serving(db, test)
    inquiry = read_session(db)
    pw = inquiry.tables["pairwise"]
    assert pw.height == 3  # three pairs of participant 0, the re-answered one once
    assert pw.get_column("tie").to_list().count("true") == 1
    assert "Night buses" not in inquiry.statements.get_column("text").to_list()


def test_ranking_and_open_question(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    seed_session(db, _folder(tmp_path), open_activities=True)

    async def test(srv: LiveServer, port: int) -> None:
        tok = await _join(port)
        acts = await _listing(port, tok)
        assert acts["ranking"]["settings"] == {"k": 2}
        for i, (order, msg) in enumerate(
            [
                (["a", "b", "c"], "at most 2"),
                (["a", "a"], "twice"),
                (["a", "zz"], "not on the list"),
                ([], "at least one"),
                ("a", "a list"),
            ]
        ):
            status, data = await _answer(
                port, tok, {"activity_id": "ranking", "order": order, "key": f"r{i}"}
            )
            assert status == 400 and data["field"] == "order" and msg in data["error"], data
        for key, order in (("r-ok", ["c", "a"]), ("r-new", ["b", "d"])):
            status, _ = await _answer(
                port, tok, {"activity_id": "ranking", "order": order, "key": key}
            )
            assert status == 200
        assert (await _listing(port, tok))["ranking"]["mine"] == {"order": ["b", "d"]}
        q = acts["open_question"]["items"][0]
        assert q["text"] == "What would you change?" and q["mine"] is None
        for i, (text, code) in enumerate([("", 400), ("x" * 501, 400), ("a\ud800", 400)]):
            body = {"activity_id": "open_question", "item_id": 1, "text": text, "key": f"t{i}"}
            status, data = await _answer(port, tok, body)
            assert status == code and data["field"] == "text", data
        body = {"activity_id": "open_question", "item_id": 1, "text": " Later buses ", "key": "t"}
        status, data = await _answer(port, tok, body)
        assert status == 200 and data["status"] == "waiting for the facilitator", data
        status, data = await _answer(port, tok, body)  # a retry
        assert status == 200 and data["duplicate"] is True
        mine = (await _listing(port, tok))["open_question"]["items"][0]["mine"]
        assert mine == "Later buses"

    serving(db, test)
    inquiry = read_session(db)
    assert inquiry.tables["rankings"].select("item_id", "rank").rows() == [("b", 1), ("d", 2)]
    ft = inquiry.tables["free_text"]
    assert ft.select("participant_id", "question_id", "text").rows() == [(0, 1, "Later buses")]
    assert inquiry.counts()["statements"] == 0  # open answers are not statements
    tables = info_dict(db)["tables"]
    assert tables["rankings"] == 2 and tables["free_text"] == 1


@pytest.mark.parametrize("kind", ["budget", "pairwise", "ranking", "open_question"])
def test_a_closed_priority_activity_takes_no_answers(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "s.db"
    seed_session(db, _folder(tmp_path), open_activities=True)
    with SessionStore(db) as s:
        s.close_activity(kind)
    body: dict[str, Any] = {
        "budget": {"projects": ["p3"]},
        "pairwise": {"pair": [1, 2], "winner": 1},
        "ranking": {"order": ["a"]},
        "open_question": {"item_id": 1, "text": "Hello"},
    }[kind]

    async def test(srv: LiveServer, port: int) -> None:
        tok = await _join(port)
        assert kind not in await _listing(port, tok)
        status, data = await _answer(port, tok, {"activity_id": kind, "key": "k", **body})
        assert status == 403 and data["code"] == "activity_closed", data

    serving(db, test)
