"""The sample inquiry covers every live activity, and the demo forms opinion groups early.

``data/sample-inquiry`` and :func:`coprod_analytics.sample_inquiry` come from the project's own
simulator (see data/README.md); the expected answers below are that simulator's planted truth,
not published values.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import polars as pl
import pytest

from coprod_analytics import load_inquiry, sample_inquiry
from coprod_analytics.deliberation import compare_to_population, paired_shift
from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.inputs import INPUT_SCHEMAS, _family_schemas, validate_input
from coprod_analytics.io.inputs import read_input
from coprod_analytics.session import SessionStore
from coprod_analytics.session.activities import activities_from_folder
from coprod_analytics.simulate import SAMPLE_POPULATION, simulate_inquiry, simulate_poll

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample-inquiry"
OPTIONS = ["park-and-ride", "better buses", "wider ring road", "congestion charge"]


def _until(deadline: float, what: str) -> None:
    """Fail when a state waited for has not come by the (generous) deadline."""
    assert time.monotonic() < deadline, f"waited too long for {what}"


@pytest.fixture(scope="module")
def inquiry():  # type: ignore[no-untyped-def]
    return sample_inquiry()


# ------------------------------------------------------------------------ the tables
def test_the_folder_and_the_function_hold_the_same_tables(inquiry) -> None:  # type: ignore[no-untyped-def]
    folder = load_inquiry(SAMPLE)
    assert set(folder.tables) == set(inquiry.tables)
    assert {"panel", "panel_items", "population", "questions"} <= set(inquiry.tables)
    for name, table in inquiry.tables.items():
        assert folder.tables[name].equals(table), name
    people = inquiry.participants
    assert folder.participants.select(people.columns).equals(people)


def test_questions_describe_every_question_the_answers_use(inquiry) -> None:  # type: ignore[no-untyped-def]
    q = inquiry.tables["questions"]
    assert q.columns == ["question_id", "text", "truth", "unit", "type", "options"]
    types = dict(q.select("question_id", "type").iter_rows())
    t = inquiry.tables
    for table, kind in (("estimates", "estimate"), ("probabilities", "probability")):
        assert {types[i] for i in t[table]["question_id"].unique()} == {kind}, table
    assert set(t["choices"]["question_id"]) == set(t["predictions"]["question_id"]) == {201}
    choice = q.filter(pl.col("type") == "choice").row(0, named=True)
    assert choice["options"].split("|") == OPTIONS
    assert set(t["choices"]["answer"]) <= set(OPTIONS) and set(t["predictions"]["option"]) == set(
        OPTIONS
    )
    # plain-words texts (never "Question 101"); estimates have a truth and a unit
    assert all(len(text) > 20 and not text.startswith("Question ") for text in q["text"])
    estimates = q.filter(pl.col("type") == "estimate")
    assert estimates["truth"].null_count() == 0 and estimates["unit"].null_count() == 0


def test_the_poll_has_its_items_and_the_planted_shift(inquiry) -> None:  # type: ignore[no-untyped-def]
    items = inquiry.tables["panel_items"]
    panel = inquiry.tables["panel"]
    assert items.columns == ["item_id", "text", "scale_min", "scale_max"]
    assert 3 <= items.height <= 4
    assert panel.columns == ["participant_id", "item_id", "wave", "value"]
    assert set(panel["item_id"]) == set(items["item_id"])
    assert set(panel["wave"]) == {"pre", "post"}
    assert panel["value"].is_between(1, 5).all() and (items["scale_max"] == 5).all()
    people = set(inquiry.participants["participant_id"])
    assert set(panel["participant_id"]) <= people
    pre = set(panel.filter(pl.col("wave") == "pre")["participant_id"])
    post = set(panel.filter(pl.col("wave") == "post")["participant_id"])
    assert post <= pre and (len(pre), len(post)) == (120, 109)  # our simulator's seed 2028
    # planted (our simulator): trust in the council (3) and "fewer cars" (4) rise; 1, 2 stay
    shift = paired_shift(inquiry).table.sort("item_id")
    moved = [bool(p < 0.05) for p in shift["p_adjusted"]]
    assert moved == [False, False, True, True]
    assert shift["estimate"][2] == pytest.approx(0.65, abs=0.01)


def test_the_population_matches_the_participants(inquiry) -> None:  # type: ignore[no-untyped-def]
    pop = inquiry.tables["population"]
    people = inquiry.participants
    for attr in ("age_band", "area"):
        rows = pop.filter(pl.col("attribute") == attr)
        assert set(rows["category"]) == set(people[attr]), attr
        assert rows["share"].sum() == pytest.approx(1.0)
        assert dict(rows.select("category", "share").iter_rows()) == SAMPLE_POPULATION[attr]
    # planted (our simulator): only the 16-24s are under-represented (10 of 150 vs 14%)
    ages = compare_to_population(inquiry, attribute="age_band").table
    assert ages.filter(pl.col("status") != "ok").select("category", "n", "status").rows() == [
        ("16-24", 10, "under")
    ]
    assert set(compare_to_population(inquiry, attribute="area").table["status"]) == {"ok"}


def test_simulate_poll_is_reproducible_and_checks_its_parameters() -> None:
    inq = simulate_inquiry(30, 5, seed=3)
    a, b = simulate_poll(inq, seed=4), simulate_poll(inq, seed=4)
    assert a["panel"].equals(b["panel"]) and not a["panel"].equals(simulate_poll(inq)["panel"])
    validate_input("panel", a["panel"])
    validate_input("panel_items", a["panel_items"])
    with pytest.raises(ParameterError, match="'retention' parameter of simulate_poll"):
        simulate_poll(inq, retention=0)


def test_the_priorities_have_their_planted_truth(inquiry) -> None:  # type: ignore[no-untyped-def]
    from scipy.stats import kendalltau

    from coprod_analytics.preferences import bradley_terry_pairwise, rank_ballots
    from coprod_analytics.preferences.budgeting import (
        equal_shares_budget,
        greedy_budget,
        phragmen_budget,
    )
    from coprod_analytics.simulate_sample import SAMPLE_PAIRWISE

    t = inquiry.tables
    # planted (our simulator): Bradley-Terry strengths; the fit recovers their order but for
    # one swap of two close ideas (planted 0.9 and 0.7)
    bt = bradley_terry_pairwise(t["pairwise"]).to_frame().sort("rank")
    assert bt["item_id"].to_list() == [1, 5, 8, 2, 4, 6, 3, 7]
    planted = [SAMPLE_PAIRWISE[i - 1][1] for i in bt["item_id"]]
    assert kendalltau(planted, bt["log_strength"]).statistic > 0.9
    # one row per participant and pair, as the live table
    assert not t["pairwise"].select("participant_id", "winner", "loser").is_duplicated().any()
    # "Safer routes to school" (2) wins under Schulze, Borda and Copeland
    for method in ("schulze", "borda", "copeland"):
        top = rank_ballots(t["rankings"], method=method).to_frame().sort("rank")["item_id"][0]
        assert str(top) == "2", method
    assert t["rankings"].get_column("rank").max() == t["ranking_items"]["k"][0] == 3
    # the budget: greedy funds the largest group's hopper bus (1); the proportional rules fund
    # the drivers' car park (3) instead; every ballot fits the budget (the live limit)
    assert greedy_budget(inquiry).selected == ("5", "4", "1")
    assert equal_shares_budget(inquiry, completion="add1").selected == ("5", "4", "3")
    assert set(phragmen_budget(inquiry).selected) == {"3", "4", "5"}
    cost = dict(t["budget_projects"].select("project_id", "cost").iter_rows())
    spent = t["budget_votes"].with_columns(cost=pl.col("project_id").replace_strict(cost))
    assert spent.group_by("participant_id").agg(pl.col("cost").sum())["cost"].max() <= 100_000
    # open answers: one question, a theme per planted group
    assert t["free_text"].height == 44 and set(t["free_text"]["question_id"]) == {1}
    assert t["open_questions"]["question_id"].to_list() == [1]


def test_simulate_priorities_is_reproducible_and_checks_its_parameters() -> None:
    from coprod_analytics.simulate import simulate_priorities

    inq = simulate_inquiry(30, 5, seed=3)
    a, b = simulate_priorities(inq, seed=4), simulate_priorities(inq, seed=4)
    assert all(a[k].equals(b[k]) for k in a)
    assert not a["pairwise"].equals(simulate_priorities(inq)["pairwise"])
    for name, table in a.items():
        validate_input(name, table)
    with pytest.raises(ParameterError, match="'share_answering' parameter of simulate_priorities"):
        simulate_priorities(inq, share_answering=0)


def test_the_item_lists_are_registered_schemas(tmp_path: Path) -> None:
    _family_schemas()
    assert {"pairwise_items", "ranking_items", "open_questions"} <= set(INPUT_SCHEMAS)
    with pytest.raises(ValidationError, match=r"ranking_items.*row 2.*'k'"):
        validate_input("ranking_items", {"item_id": [1, 2], "k": [1, 0]})
    with pytest.raises(ValidationError, match=r"open_questions.*duplicate"):
        validate_input("open_questions", {"question_id": [1, 1], "text": ["a", "b"]})
    with pytest.raises(ValidationError, match=r"evidence_items.*scale_max"):
        validate_input("evidence_items", {"evidence_id": [1], "scale_min": [5], "scale_max": [1]})


# ------------------------------------------------------------------------ schemas
def test_panel_items_is_a_registered_schema_with_named_errors(tmp_path: Path) -> None:
    _family_schemas()
    assert INPUT_SCHEMAS["panel_items"].required == ("item_id",)
    ok = validate_input(
        "panel_items", {"item_id": ["1", "2"], "text": ["Buses", "Trust"], "scale_max": [5, "7"]}
    )
    assert ok.schema["item_id"] == pl.Int64 and ok["scale_max"].to_list() == [5.0, 7.0]
    with pytest.raises(ValidationError, match=r"table 'panel_items'.*missing required column"):
        validate_input("panel_items", {"text": ["Buses"]})
    with pytest.raises(ValidationError, match=r"table 'panel_items', row 2.*duplicate row"):
        validate_input("panel_items", {"item_id": [1, 1]})
    with pytest.raises(
        ValidationError,
        match=r"table 'panel_items', row 2, column 'scale_max': scale_max \(1\) must be above",
    ):
        validate_input("panel_items", {"item_id": [1, 2], "scale_min": [1, 1], "scale_max": [5, 1]})
    bad = tmp_path / "panel_items.csv"
    bad.write_text("item_id,text,scale_min,scale_max\n1,Buses,1,5\n2,Trust,1,lots\n")
    with pytest.raises(ValidationError, match=r"panel_items\.csv.*line 3.*'scale_max'.*'lots'"):
        read_input("panel_items", bad)


def test_question_types_and_options_are_checked() -> None:
    with pytest.raises(
        ValidationError, match=r"table 'questions', row 2, column 'type': .* got 'guess'"
    ):
        validate_input("questions", {"question_id": [1, 2], "type": ["estimate", "guess"]})
    with pytest.raises(
        ValidationError, match=r"row 1, column 'options': a choice question needs two or more"
    ):
        validate_input("questions", {"question_id": [1], "type": ["choice"], "options": ["bus"]})
    q = validate_input("questions", {"question_id": [1, 2], "type": [" Choice", None],
                                     "options": ["a|b", None]})  # fmt: skip
    assert q["type"].to_list() == ["choice", "estimate"]


# ------------------------------------------------------------------------ live activities
def test_coprod_serve_from_the_sample_folder_makes_every_activity(tmp_path: Path) -> None:
    from coprod_apps.live.serve import seed_session

    defs = {d["activity_id"]: d for d in activities_from_folder(SAMPLE)}
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
    # the priorities' items are the sample's item lists (not "Item 1" from the answers)
    inq = sample_inquiry()
    assert [it["text"] for it in defs["pairwise"]["items"]] == inq.tables["pairwise_items"][
        "text"
    ].to_list()
    assert defs["ranking"]["settings"] == {"k": 3}
    assert defs["open_question"]["items"][0]["text"].startswith("What one change")
    budget = defs["budget"]
    assert budget["settings"]["vote_type"] == "approval"
    assert budget["settings"]["limit"] == 100_000
    assert [it["cost"] for it in budget["items"]] == [
        40_000,
        45_000,
        30_000,
        15_000,
        25_000,
        35_000,
    ]
    panel = defs["panel"]["items"]
    assert [it["text"] for it in panel] == sample_inquiry().tables["panel_items"]["text"].to_list()
    assert {(it["scale_min"], it["scale_max"]) for it in panel} == {(1.0, 5.0)}
    questions = {it["item_id"]: it for it in defs["questions"]["items"]}
    assert questions[101]["type"] == "probability" and "bus lane" in questions[101]["text"]
    assert questions[201]["options"] == OPTIONS and questions[201]["text"].startswith("Which")
    ages = next(it for it in defs["population"]["items"] if it["item_id"] == "age_band")
    assert ages["options"][:5] == list(SAMPLE_POPULATION["age_band"])
    db = tmp_path / "s.db"
    line = seed_session(db, SAMPLE)
    assert "60 statements" in line
    with SessionStore(db) as store:
        st = store.state()
    assert list(st.activities) == [
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
    ]
    assert "Question 101" not in str([a.items for a in st.activities.values()])


def test_the_demo_seeds_the_same_activities_as_the_folder(tmp_path: Path) -> None:
    from coprod_apps.cli.demo import sample_folder
    from coprod_apps.live.serve import seed_session

    folder = sample_folder(tmp_path / "sample")
    written = sorted(p.name for p in folder.glob("*.csv"))
    assert written == sorted(p.name for p in SAMPLE.glob("*.csv"))
    seed_session(tmp_path / "a.db", folder)
    seed_session(tmp_path / "b.db", SAMPLE)
    with SessionStore(tmp_path / "a.db") as a, SessionStore(tmp_path / "b.db") as b:
        got = {k: (v.kind, v.items) for k, v in a.state().activities.items()}
        want = {k: (v.kind, v.items) for k, v in b.state().activities.items()}
    assert got == want


# ------------------------------------------------------------------------ demo pacing
def _seeded(tmp_path: Path) -> Path:
    from coprod_apps.live.serve import seed_session

    folder = tmp_path / "inquiry"
    shutil.copytree(SAMPLE, folder)
    db = tmp_path / "s.db"
    seed_session(db, folder)
    return db


def test_the_demo_agenda_waits_for_enough_votes_before_the_first_activity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agenda keeps to the statements until every participant has voted on 10 of them,
    then opens the poll; it waits for the room's state, not for a time."""
    from coprod_apps.cli import demo

    assert demo.MIN_VOTES >= 10
    db = _seeded(tmp_path)
    with SessionStore(db) as store:
        people = [store.join() for _ in range(15)]
        for p in people:  # 9 votes each: one short
            for sid in range(demo.MIN_VOTES - 1):
                store.record_vote(p, sid, 1 if (p + sid) % 3 else -1)
    looks: list[int] = []  # what the agenda saw: participants with enough votes
    count = demo.voters_with

    def counting(state: object, min_votes: int) -> int:
        looks.append(count(state, min_votes))
        return looks[-1]

    monkeypatch.setattr(demo, "voters_with", counting)

    async def scenario() -> tuple[dict[str, bool], dict[str, bool]]:
        stop = asyncio.Event()
        agenda = asyncio.create_task(demo.run_agenda(db, 30.0, stop, participants=15))
        deadline = time.monotonic() + 120
        while not looks:  # the agenda has looked at the room (9 votes each)
            _until(deadline, "the agenda's first look")
            await asyncio.sleep(0.05)
        with SessionStore(db) as store:
            before = {k: a.is_open for k, a in store.state().activities.items()}
            for p in people:  # the 10th vote each: the poll opens
                store.record_vote(p, demo.MIN_VOTES - 1, 1)
        while True:
            with SessionStore(db) as store:
                st = store.state()
            if st.activities["panel"].is_open:
                break
            _until(deadline, "the poll to open")
            await asyncio.sleep(0.05)
        stop.set()
        await agenda
        return before, {k: a.is_open for k, a in st.activities.items()}

    before, after = asyncio.run(scenario())
    assert looks[0] == 0 and looks[-1] == 15
    assert not any(before[k] for k in ("panel", "evidence", "ratings", "questions"))
    assert after["panel"] and not after["evidence"] and after["statements"]


def test_the_demo_agenda_moves_on_when_everyone_has_answered(tmp_path: Path) -> None:
    from coprod_apps.cli.demo import answered_all, run_agenda

    db = _seeded(tmp_path)
    with SessionStore(db) as store:
        p = store.join()
        for sid in range(10):
            store.record_vote(p, sid, 1)

    async def scenario() -> list[str]:
        stop = asyncio.Event()
        agenda = asyncio.create_task(run_agenda(db, 60.0, stop, participants=1))
        seen: list[str] = []
        deadline = time.monotonic() + 120
        while len(seen) < 3:
            _until(deadline, f"the agenda to move on from {seen}")
            with SessionStore(db) as store:
                st = store.state()
                cur = st.current_activity()
                if cur is not None and cur.kind in ("panel", "evidence", "ratings"):
                    if not seen or seen[-1] != cur.activity_id:
                        seen.append(cur.activity_id)
                    for item in cur.items:  # the one participant answers everything
                        lo = item.get("scale_min", 1.0)
                        answer = {
                            "panel": {"value": lo},
                            "ratings": {"rating": lo},
                            "evidence": {"credibility": lo, "relevance": lo},
                        }[cur.kind]
                        store.record_answer(p, cur.activity_id, item["item_id"], answer)
                    assert answered_all(store.state(), cur.activity_id) == 1
            await asyncio.sleep(0.05)
        stop.set()
        await agenda
        return seen

    # 60 minutes of agenda time: only the answers can have moved it on this quickly
    assert asyncio.run(scenario()) == ["panel", "evidence", "ratings"]


def test_the_demo_counts_a_priority_activity_answered_as_a_phone_finishes_it(
    tmp_path: Path,
) -> None:
    from coprod_analytics.session.store import NewEvent
    from coprod_apps.cli.demo import agenda_steps, answered_all, pairs_needed, step_weights

    db = _seeded(tmp_path)
    with SessionStore(db) as store:
        acts = store.state().activities
        steps = agenda_steps(acts)
        assert [a for _s, a in steps][-5:] == [
            "budget",
            "pairwise",
            "ranking",
            "open_question",
            "panel",
        ]
        # a ballot or a ranking is one answer; the pairwise step asks for pairs_needed pairs
        weights = dict(zip([a for _s, a in steps], step_weights(acts, steps)[1:], strict=True))
        assert weights["budget"] == weights["ranking"] == 7.0
        assert pairs_needed(acts["pairwise"]) == 8 and weights["pairwise"] == 14.0
        p = store.join()
        for aid in ("budget", "pairwise", "ranking", "open_question"):
            store.open_activity(aid)
        assert [answered_all(store.state(), a) for a in ("budget", "ranking")] == [0, 0]
        store.record_answer(p, "budget", None, {"projects": ["5", "4"]})
        store.record_answer(p, "ranking", None, {"order": [2, 1, 3]})
        assert [answered_all(store.state(), a) for a in ("budget", "ranking")] == [1, 1]
        pairs = [(a, b) for a in range(1, 9) for b in range(a + 1, 9)][:8]
        for a, b in pairs[:7]:
            store.record_answer(p, "pairwise", None, {"pair": [a, b], "winner": a})
        assert answered_all(store.state(), "pairwise") == 0  # 7 of 8 pairs
        store.record_answer(p, "pairwise", None, {"pair": list(pairs[7]), "winner": pairs[7][1]})
        assert answered_all(store.state(), "pairwise") == 1
        assert answered_all(store.state(), "open_question") == 0
        value = {"moderation": 0, "activity_id": "open_question", "item_id": 1}
        store.append(
            [NewEvent("statement", participant_id=p, statement_id=1000, text="Buses", value=value)]
        )
        assert answered_all(store.state(), "open_question") == 1
