"""Pairwise "which is better?" over the session's own statements (issue 13): asked for with
``pairwise.json`` in an inquiry folder or ``coprod session activity DB add-pairwise --over
statements``; the pool is the accepted statements at each moment (approved mid-session: in;
moderated out: out), answers are stored under statement ids, and the export's Bradley–Terry
ranking and the dashboard panel rank the statements by their texts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_live_hardening import http, serving

from coprod_analytics.cli import main
from coprod_analytics.errors import ValidationError
from coprod_analytics.preferences.pairwise import bradley_terry_pairwise
from coprod_analytics.session import SessionStore, read_session
from coprod_analytics.session.activities import activities_from_folder
from coprod_analytics.session.panels import live_panel
from coprod_apps.live.server import LiveServer

TEXTS = ["More trees", "Free buses", "Longer library hours"]


async def _join(port: int) -> str:
    status, data = await http(port, "POST", "/api/join", {})
    assert status == 200, data
    return str(data["token"])


async def _pairwise(port: int, token: str) -> dict[str, Any]:
    status, data = await http(port, "GET", "/api/activities", token=token)
    assert status == 200, data
    return next(a for a in data["activities"] if a["activity_id"] == "pairwise")


async def _choose(port: int, token: str, key: str, prefer: int | None) -> tuple[int, dict]:
    """Answer the pair offered: the statement ``prefer`` wins when shown, else the first."""
    act = await _pairwise(port, token)
    pair = [it["item_id"] for it in act["pair"]]
    winner = prefer if prefer in pair else pair[0]
    body = {"activity_id": "pairwise", "pair": pair, "winner": winner, "key": key}
    return await http(port, "POST", "/api/answer", body, token=token)


def _folder(tmp_path: Path, choice: dict[str, Any]) -> Path:
    folder = tmp_path / "inquiry"
    folder.mkdir()
    (folder / "pairwise.json").write_text(json.dumps(choice))
    return folder


def _session(tmp_path: Path) -> Path:
    """Three accepted statements, and the pairwise activity the folder's pairwise.json asks
    for (open)."""
    db = tmp_path / "s.db"
    defs = activities_from_folder(_folder(tmp_path, {"over": "statements", "title": "Which?"}))
    assert [(d["kind"], d["title"], d["settings"]) for d in defs] == [
        ("pairwise", "Which?", {"over": "statements", "ideas": True})
    ]
    with SessionStore(db, title="Town") as s:
        s.add_statements(TEXTS)
        s.define_activities([{**d, "open": True} for d in defs])
    return db


def test_the_pool_is_the_accepted_statements_live(tmp_path: Path) -> None:
    db = _session(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        toks = [await _join(port) for _ in range(4)]
        act = await _pairwise(port, toks[0])
        assert act["title"] == "Which?"
        assert [(it["item_id"], it["text"]) for it in act["items"]] == list(enumerate(TEXTS))
        assert act["pairs"] == 3 and {it["item_id"] for it in act["pair"]} <= {0, 1, 2}

        # a participant's statement waits for moderation: not in the pool yet
        status, data = await http(
            port, "POST", "/api/statements", {"text": "Safer crossings", "key": "s"}, token=toks[1]
        )
        assert status == 200, data
        assert len((await _pairwise(port, toks[0]))["items"]) == 3
        with SessionStore(db) as facilitator:
            (new,) = facilitator.state().pending()
            facilitator.moderate(new.statement_id, accept=True)
        srv.poll_external()
        act = await _pairwise(port, toks[0])
        assert [it["text"] for it in act["items"]] == [*TEXTS, "Safer crossings"]
        assert act["pairs"] == 6
        crossing = new.statement_id

        # everyone prefers the new statement whenever it is shown (a planted winner)
        for r in range(6):
            for i, tok in enumerate(toks):
                status, data = await _choose(port, tok, f"a{r}-{i}", crossing)
                assert status == 200, data
                assert {it["item_id"] for it in data["pair"]} <= {0, 1, 2, crossing}

        # "Free buses" moderated out: it leaves the pool and is not offered any more
        with SessionStore(db) as facilitator:
            facilitator.moderate(1, accept=False)
        srv.poll_external()
        act = await _pairwise(port, toks[0])
        assert [it["item_id"] for it in act["items"]] == [0, 2, crossing]
        for tok in toks:
            assert 1 not in {it["item_id"] for it in (await _pairwise(port, tok))["pair"]}
        status, data = await http(
            port,
            "POST",
            "/api/answer",
            {"activity_id": "pairwise", "pair": [1, 0], "winner": 1, "key": "gone"},
            token=toks[0],
        )
        assert status == 400 and data["field"] == "pair", data

        # an idea sent in the activity: moderated, then in the pool under its statement id
        status, data = await http(
            port,
            "POST",
            "/api/answer",
            {"activity_id": "pairwise", "idea": "A night market", "key": "idea"},
            token=toks[2],
        )
        assert status == 200 and data["status"] == "waiting for the facilitator", data
        with SessionStore(db) as facilitator:
            (idea,) = facilitator.state().pending()
            assert idea.activity_id == "pairwise"
            facilitator.moderate(idea.statement_id, accept=True)
        srv.poll_external()
        last = (await _pairwise(port, toks[0]))["items"][-1]
        assert last == {"item_id": idea.statement_id, "text": "A night market", "idea": True,
                        "mine": None}  # fmt: skip

    serving(db, test)

    inquiry = read_session(db)
    pw = inquiry.tables["pairwise"]
    assert pw.schema["winner"] == pw.schema["loser"] == pw.schema["participant_id"]  # Int64
    ids = set(inquiry.statements.get_column("statement_id").to_list())
    assert set(pw["winner"].to_list()) | set(pw["loser"].to_list()) <= ids
    assert pw.height == 4 * 6  # six different pairs per participant, one row each
    items = inquiry.tables["pairwise_items"]
    texts = dict(items.select("item_id", "text").iter_rows())
    assert texts[3] == "Safer crossings" and texts[0] == TEXTS[0] and 1 not in texts
    bt = bradley_terry_pairwise(pw, l2=0.1).to_frame()
    top = bt.sort("rank").row(0, named=True)
    assert top["item_id"] in (3, "3") and texts[int(top["item_id"])] == "Safer crossings"

    # the dashboard's panel ranks the statements by their texts (pool: accepted ones)
    with SessionStore(db) as s:
        act = s.state().activities["pairwise"]
        panel = live_panel(act, inquiry.tables, n_resamples=0)
    table = panel.section("pairwise")
    assert table.row(0, named=True)["text"] == "Safer crossings"
    assert set(table["text"].to_list()) == {TEXTS[0], TEXTS[2], "Safer crossings", "A night market"}


def test_add_pairwise_on_a_running_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.db"
    with SessionStore(db) as s:
        s.add_statements(TEXTS)
    base = ["session", "activity", str(db)]
    assert main([*base, "add-pairwise"]) == 2  # --over statements is required
    assert "--over statements" in capsys.readouterr().err
    assert main([*base, "add-pairwise", "--over", "statements", "--title", "Which first?"]) == 0
    assert "3 accepted now" in capsys.readouterr().out
    assert main([*base, "add-pairwise", "--over", "statements"]) == 2  # one per session
    assert "already has" in capsys.readouterr().err
    with SessionStore(db) as s:
        act = s.state().activities["pairwise"]
        assert (act.title, act.is_open, act.settings["over"]) == (
            "Which first?",
            False,
            "statements",
        )
        s.add_statements(["Safer crossings"])  # added later: joins the pool
        assert [it["text"] for it in s.state().activities["pairwise"].pool()] == [
            *TEXTS,
            "Safer crossings",
        ]
    assert main([*base, "open", "pairwise"]) == 0
    with SessionStore(db) as s:
        pid = s.join()
        s.record_answer(pid, "pairwise", None, {"pair": [3, 0], "winner": 3})
    pw = read_session(db).tables["pairwise"]
    assert pw.select("winner", "loser", "tie").rows() == [
        (3, 0, "false")
    ]  # as the pairwise input stores it


@pytest.mark.parametrize(
    ("choice", "key", "msg"),
    [
        ({"over": "ideas"}, "over", "'over' must be"),
        ({"over": "statements", "colour": "red"}, "colour", "unknown key"),
        ({"over": "statements", "title": ""}, "title", "'title' must be"),
        ({"over": "statements", "ideas": "yes"}, "ideas", "'ideas' must be"),
        ([1], None, "must be an object"),
    ],
)
def test_a_bad_pairwise_json_names_the_file_and_key(
    tmp_path: Path, choice: Any, key: str | None, msg: str
) -> None:
    folder = _folder(tmp_path, choice)
    with pytest.raises(ValidationError) as err:
        activities_from_folder(folder)
    assert err.value.column == key and msg in str(err.value) and "pairwise.json" in str(err.value)


def test_pairwise_json_or_items_not_both(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"over": "statements"})
    (folder / "pairwise_items.csv").write_text("item_id,text\n1,a\n2,b\n")
    with pytest.raises(ValidationError, match="not both"):
        activities_from_folder(folder)
