"""The facilitator's dashboard for the live priorities: budget ballot, pairwise with ideas,
ranking, open questions (issue 13).

Driven in-process as a Voila visitor would, on a real SQLite session written through
:class:`SessionStore`; and the reproduction: every number the new panels show equals the
core's public functions on the session's exported tables (and, for the budget, on the
exported ``.pb`` read back and run through ``coprod budget``).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from coprod_analytics.session import SessionStore, read_events, read_session
from coprod_analytics.session.panels import screen_view
from coprod_widgets.session.views import LiveDashboard

ROOT = Path(__file__).resolve().parents[1]

BUDGET: dict[str, Any] = {
    "activity_id": "budget",
    "kind": "budget",
    "title": "Spend the park budget",
    "items": [
        {"item_id": "p1", "text": "Playground", "cost": 60},
        {"item_id": "p2", "text": "Bike racks", "cost": 20},
        {"item_id": "p3", "text": "Lighting", "cost": 45},
        {"item_id": "p4", "text": "Benches", "cost": 30},
    ],
    "settings": {"vote_type": "approval", "budget": 100, "limit": 100},
}
PAIRWISE: dict[str, Any] = {
    "activity_id": "pairwise",
    "kind": "pairwise",
    "title": "Which matters more?",
    "items": [{"item_id": i, "text": t} for i, t in enumerate(["Trees", "Toilets", "Wifi"], 1)],
    "settings": {"ideas": True},
}
RANKING: dict[str, Any] = {
    "activity_id": "ranking",
    "kind": "ranking",
    "title": "Put them in order",
    "items": [{"item_id": c, "text": f"Option {c.upper()}"} for c in "abcd"],
    "settings": {"k": 3},
}
OPEN: dict[str, Any] = {
    "activity_id": "ideas",
    "kind": "open_question",
    "title": "Your ideas",
    "items": [
        {"item_id": 1, "text": "What would make the park safer?"},
        {"item_id": 2, "text": "What is missing?"},
    ],
}
AGENDA = [BUDGET, PAIRWISE, RANKING, OPEN]
BALLOTS = [["p1", "p2"], ["p3", "p4"], ["p1"], ["p2", "p3", "p4"], ["p1", "p4"], ["p3"]]


def new_session(db: Path) -> None:
    with SessionStore(db, title="Park") as s:
        s.add_statements(["Open the park later"])
        s.define_activities(AGENDA)
        for a in AGENDA:
            s.open_activity(str(a["activity_id"]))


def answer_all(db: Path, people: int = 8, *, seed: int = 3) -> list[int]:
    """Simulated participants answer every priority activity (our own simulation: expected
    numbers are recomputed from the export, not taken from here)."""
    rng = random.Random(seed)
    with SessionStore(db) as s:
        pids = [s.join() for _ in range(people)]
        for i, p in enumerate(pids):
            s.record_answer(p, "budget", None, {"projects": BALLOTS[i % len(BALLOTS)]})
            for a, b in ((1, 2), (2, 3), (1, 3)):
                if rng.random() < 0.2:
                    s.record_answer(p, "pairwise", None, {"pair": [a, b], "cant_decide": True})
                else:
                    won = rng.choice([a, a, b])
                    s.record_answer(p, "pairwise", None, {"pair": [a, b], "winner": won})
            s.record_answer(p, "ranking", None, {"order": rng.sample("abcd", 3)})
            s.record_answer(p, "ideas", 1 + i % 2, {"text": f"<b>idea</b> {i} & more"})
        s.record_answer(pids[0], "budget", None, {"projects": ["p4"]})  # changed: latest counts
    return pids


def queue(board: LiveDashboard) -> list[tuple[str, str]]:
    return [
        (w.children[1].value, w.children[0].value)  # (where it belongs, the text)
        for w in board.queue_box.children
        if len(getattr(w, "children", ())) > 1
    ]


def approve_all(board: LiveDashboard) -> None:
    for p in list(board.live.pending):
        assert board.moderate(p["statement_id"], accept=True)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "session.db"
    new_session(path)
    return path


# ------------------------------------------------------------------------------ panels
def test_each_kind_has_an_agenda_row_and_a_panel_with_its_numbers(db: Path) -> None:
    answer_all(db)
    board = LiveDashboard(db)
    rows = board.agenda.rows
    assert [rows[a].kind.value for a in ("budget", "pairwise", "ranking", "ideas")] == [
        "Budget ballot",
        "Which is better?",
        "Ranking",
        "Open question",
    ]
    assert "statements" in rows  # the session's own statements (ideas are not statements)
    assert rows["ideas"].answered.value == "8 answered"  # open answers count as answers
    assert rows["budget"].next_button.layout.display == "none"

    budget = board.panels["budget"]
    assert budget.message is None
    counts = budget.result.section("budget_counts").row(0, named=True)  # type: ignore[union-attr]
    assert counts["ballots"] == 8 and counts["projects"] == 4
    rules = budget.result.section("budget_rules")["rule"].to_list()  # type: ignore[union-attr]
    assert rules == ["greedy", "mes", "mes+add1", "phragmen"]
    assert "Equal Shares + add1" in budget.body.value and "Playground" in budget.body.value
    assert set(budget.chart_by_key) == {"budget-rules", "budget-satisfaction"}

    pair = board.panels["pairwise"]
    table = pair.result.section("pairwise")  # type: ignore[union-attr]
    assert table.height == 3 and table["ci_low"].null_count() == 0
    assert (table["ci_low"] <= table["log_strength"]).all()
    assert "comparisons from 8 people" in pair.body.value
    assert list(pair.chart_by_key) == ["pairwise"]

    ranking = board.panels["ranking"]
    side = ranking.body.value
    assert "Schulze, Borda and Copeland side by side" in side and "Option A" in side
    ranks = ranking.result.section("ranking")  # type: ignore[union-attr]
    assert ranks["borda_rank"].null_count() == 0 and ranks["first_choices"].sum() == 8

    ideas = board.panels["ideas"]
    assert ideas.message == "No answer approved yet."  # all 8 wait for moderation
    assert "8 answers waiting for moderation" in ideas.body.value


def test_an_idea_rejected_after_people_compared_it_keeps_every_view_up(db: Path) -> None:
    # the facilitator approves an idea, people compare it, then it is rejected after all
    # (SessionStore.moderate decides again; the dashboard's queue only takes what waits): its
    # comparisons stay in the log with its text id ("idea-<n>"), so the pairwise table's ids
    # must stay text (they turned back to numbers and every read of the session raised)
    pids = answer_all(db, people=4)
    with SessionStore(db) as s:
        s.record_answer(pids[0], "pairwise", None, {"idea": "A dog park"})
    board = LiveDashboard(db)
    idea = next(p for p in board.live.pending if p["activity_id"] == "pairwise")
    assert board.moderate(idea["statement_id"], accept=True)
    with SessionStore(db) as s:
        new = s.state().activities["pairwise"].pool()[-1]["item_id"]
        for p in pids[1:]:
            s.record_answer(p, "pairwise", None, {"pair": [1, new], "winner": new})
    board.refresh()
    with SessionStore(db) as s:
        s.moderate(idea["statement_id"], accept=False)
    board.refresh()
    fresh = read_session(db)
    table = fresh.tables["pairwise"]
    assert table["winner"].dtype == pl.String and new in table["winner"].to_list()
    assert board.live.inquiry is not None
    assert_frame_equal(board.live.inquiry.tables["pairwise"], table)
    panel = board.panels["pairwise"]
    assert "cannot be shown" not in panel.body.value and "Traceback" not in panel.body.value
    assert new not in [it["item_id"] for it in board.live.state.activities["pairwise"].pool()]


@pytest.mark.parametrize("answers", [0, 1, 2])
def test_tiny_data_gives_a_plain_message_not_an_error(db: Path, answers: int) -> None:
    with SessionStore(db) as s:
        for i in range(answers):
            p = s.join()
            s.record_answer(p, "budget", None, {"projects": BALLOTS[i]})
            s.record_answer(p, "pairwise", None, {"pair": [1, 2], "winner": 1})
            s.record_answer(p, "ranking", None, {"order": ["a", "b"]})
            s.record_answer(p, "ideas", 1, {"text": "More light"})
    board = LiveDashboard(db)
    expected = {
        "budget": ("No ballots yet.", f"{answers} ballot"),
        "pairwise": ("No comparisons yet.", f"{answers} comparison"),
        "ranking": ("No ballots yet.", f"{answers} ballot"),
        "ideas": ("No answers yet.", "No answer approved yet."),
    }
    for aid, (none, some) in expected.items():
        panel = board.panels[aid]
        assert panel.result is not None and panel.message, aid
        assert panel.message.startswith(none if answers == 0 else some), (aid, panel.message)
        assert "Traceback" not in panel.body.value and not panel.chart_by_key
        board.show_on_screen(aid)
        board.present.value = True
        assert "coprod-big" in board.present_view.screen.value
        assert "cannot be shown" not in board.present_view.screen.value
        board.present.value = False


def test_only_the_changed_activitys_panel_is_recomputed(db: Path) -> None:
    pids = answer_all(db)
    board = LiveDashboard(db)
    before = {aid: p.result for aid, p in board.panels.items()}
    with SessionStore(db) as s:
        s.record_answer(pids[1], "ranking", None, {"order": ["d", "c", "b"]})
    assert board.refresh()
    changed = [aid for aid, p in board.panels.items() if p.result is not before[aid]]
    assert changed == ["ranking"]


# ------------------------------------------------------------------------------ moderation
def test_an_idea_approved_on_the_dashboard_joins_the_pairwise_pool(db: Path) -> None:
    pids = answer_all(db, people=4)
    with SessionStore(db) as s:
        s.record_answer(pids[0], "pairwise", None, {"idea": "A <i>dog</i> park"})
    board = LiveDashboard(db)
    shown = queue(board)
    assert ("Idea for Which matters more?", "A <i>dog</i> park") in shown  # Label: text
    assert ("Answer to What would make the park safer?", "<b>idea</b> 0 & more") in shown
    counts = board.panels["pairwise"].result.section("pairwise_counts")  # type: ignore[union-attr]
    assert counts["ideas_waiting"].item() == 1 and counts["items"].item() == 3
    ranking = board.panels["ranking"].result
    idea = next(p for p in board.live.pending if p["activity_id"] == "pairwise")
    assert board.moderate(idea["statement_id"], accept=True)
    assert "approved" in board.queue_message.value
    pool = board.panels["pairwise"].result.section("pairwise")  # type: ignore[union-attr]
    assert pool.filter(pl.col("idea"))["text"].to_list() == ["A <i>dog</i> park"]
    assert board.panels["ranking"].result is ranking  # not recomputed
    assert "A &lt;i&gt;dog&lt;/i&gt; park" in board.panels["pairwise"].body.value
    with SessionStore(db) as s:  # the pool participants are offered now holds it
        act = s.state().activities["pairwise"]
        assert [it["text"] for it in act.pool()][-1] == "A <i>dog</i> park"
        s.record_answer(
            pids[1], "pairwise", None, {"pair": [1, act.pool()[-1]["item_id"]], "winner": 1}
        )
    board.refresh()
    assert board.panels["pairwise"].result.section("pairwise_counts")["items"].item() == 4  # type: ignore[union-attr]


def test_open_answers_show_escaped_once_approved_and_rejected_ones_never(db: Path) -> None:
    answer_all(db, people=4)
    board = LiveDashboard(db)
    answers = [p for p in board.live.pending if p["activity_id"] == "ideas"]
    assert board.moderate(answers[0]["statement_id"], accept=True)
    assert board.moderate(answers[1]["statement_id"], accept=False)
    body = board.panels["ideas"].body.value
    assert "&lt;b&gt;idea&lt;/b&gt; 0 &amp; more" in body and "<b>idea</b>" not in body
    assert "idea&lt;/b&gt; 1" not in body  # rejected
    table = board.panels["ideas"].result.section("open_question")  # type: ignore[union-attr]
    assert table.select("answers", "waiting").rows() == [(1, 1), (0, 1)]


def test_forged_moderation_values_are_refused_without_writing(db: Path) -> None:
    answer_all(db, people=2)
    board = LiveDashboard(db)
    sid = board.live.pending[0]["statement_id"]
    assert board.moderate(sid, accept=True)
    before = read_events(db).height
    for forged in (sid, 10_000, "0", None, True, -1):  # moderated already, unknown, not ints
        assert not board.moderate(forged, accept=True)
    assert not board.moderate(board.live.pending[0]["statement_id"], accept="yes")
    assert "Not done" in board.queue_message.value
    assert read_events(db).height == before


def test_a_submitted_statement_stays_off_the_board_until_approved(db: Path) -> None:
    with SessionStore(db) as s:
        s.add_statements([f"Seeded {i}" for i in range(7)])
        rng = random.Random(1)
        people = [s.join() for _ in range(16)]
        for p in people:
            for sid in range(8):
                s.record_vote(p, sid, rng.choice([1, -1, 1, 0]))
        s.submit_statement(people[0], "Waiting statement")
    board = LiveDashboard(db)
    assert board.live.result is not None and board.dashboard is not None
    assert ("Statement", "Waiting statement") in queue(board)
    on_board = board.dashboard.state.inquiry.statements["text"].to_list()
    assert "Waiting statement" not in on_board and "Seeded 0" in on_board
    assert "Waiting statement" not in board.live.result.statements["text"].to_list()
    assert "Waiting statement" not in board.panels["statements"].body.value
    waiting = board.live.pending[0]["statement_id"]
    assert board.moderate(waiting, accept=True)
    board.refresh(force_groups=True)
    assert "Waiting statement" in board.dashboard.state.inquiry.statements["text"].to_list()


# ------------------------------------------------------------------------------ present mode
def test_present_mode_holds_the_results_back_while_an_activity_is_open(db: Path) -> None:
    answer_all(db)
    board = LiveDashboard(db)
    approve_all(board)
    board.present.value = True
    hidden = {
        "budget": ("8", "Bike racks"),
        "pairwise": ("comparisons", "Trees"),
        "ranking": ("8", "Option C"),
        "ideas": ("answers approved", "idea&lt;/b&gt; 0"),
    }
    for aid, (count, result) in hidden.items():
        board.show_on_screen(aid)
        screen = board.present_view.screen.value
        assert count in screen and "off the screen" in screen, aid
        assert result not in screen, aid
        facilitator = board.panels[aid].result
        assert facilitator is not None and screen_view(facilitator) is not facilitator
    with SessionStore(db) as s:
        for aid in hidden:
            s.close_activity(aid)
    board.refresh()
    for aid, (_count, result) in hidden.items():
        board.show_on_screen(aid)
        screen = board.present_view.screen.value
        assert result in screen and "off the screen" not in screen, aid


# ------------------------------------------------------------------------------ the reproduction
def test_the_export_reproduces_the_numbers_the_new_panels_showed(db: Path, tmp_path: Path) -> None:
    from coprod_analytics.io.pabulib import read_pabulib_election
    from coprod_analytics.preferences.budgeting import compare_budget_rules, run_budget_rule
    from coprod_analytics.preferences.pairwise import bradley_terry_pairwise
    from coprod_analytics.preferences.rankings import rank_ballots
    from coprod_analytics.session.panels_priorities import LIVE_BUDGET_RULES
    from coprod_analytics.session.pb_export import write_session_pb

    answer_all(db, people=10)
    board = LiveDashboard(db)
    approve_all(board)
    shown = {aid: board.panels[aid].result for aid in ("budget", "pairwise", "ranking", "ideas")}
    assert all(p is not None and p.message is None for p in shown.values())
    with SessionStore(db) as s:
        inq = s.to_inquiry()

    # budget: the core on the session's tables, and on the exported .pb read back
    budget = shown["budget"]
    assert budget is not None
    live_funded = budget.section("budget").select("project_id", *(r[0] for r in LIVE_BUDGET_RULES))
    cmp = compare_budget_rules(inq, rules=LIVE_BUDGET_RULES)
    assert_frame_equal(live_funded, cmp.projects.select(live_funded.columns))
    pb = write_session_pb(inq, tmp_path / "session.pb")
    election = read_pabulib_election(pb)
    assert election.n_voters == budget.section("budget_counts")["ballots"].item() == 10
    for label, rule, utility, completion in LIVE_BUDGET_RULES:
        outcome = run_budget_rule(election, rule, utility=utility, completion=completion)  # type: ignore[arg-type]
        funded = live_funded.filter(pl.col(label))["project_id"].to_list()
        assert sorted(outcome.selected) == sorted(funded), label
        row = budget.section("budget_rules").filter(pl.col("rule") == label).row(0, named=True)
        assert row["funded"] == len(outcome.selected) and row["cost"] == outcome.cost
    for label, rule, completion in (("greedy", "greedy", "none"), ("mes+add1", "mes", "add1")):
        done = subprocess.run(
            [sys.executable, "-m", "coprod_analytics", "budget", str(pb), "--rule", rule]
            + (["--completion", completion] if rule == "mes" else [])
            + ["--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        funded = live_funded.filter(pl.col(label))["project_id"].to_list()
        assert sorted(json.loads(done.stdout)["selected"]) == sorted(funded), label

    # pairwise: Bradley–Terry on the exported comparisons (tie as the inquiry stores it)
    pair = shown["pairwise"]
    assert pair is not None
    bt = bradley_terry_pairwise(inq.tables["pairwise"], l2=pair.parameters["l2"]).to_frame()
    expected = bt.select(
        pl.col("item_id").cast(pl.String),
        "rank",
        "log_strength",
        "ci_low",
        "ci_high",
        "wins",
        "comparisons",
    ).sort("item_id")
    live_bt = pair.section("pairwise").select(expected.columns).sort("item_id")
    assert_frame_equal(live_bt, expected)
    tie = inq.tables["pairwise"]["tie"].cast(pl.String).str.to_lowercase().is_in(["true", "1"])
    counts = pair.section("pairwise_counts").row(0, named=True)
    assert counts["comparisons"] == inq.tables["pairwise"].height
    assert counts["cant_decide"] == int(tie.sum())

    # ranking: Schulze, Borda and Copeland on the exported ballots
    ranking = shown["ranking"]
    assert ranking is not None
    items = [it["item_id"] for it in RANKING["items"]]
    live_r = ranking.section("ranking")
    for method in ("schulze", "borda", "copeland"):
        res = rank_ballots(inq.tables["rankings"], method=method, items=items)
        want = res.scores.select(
            pl.col("item_id").cast(pl.String),
            pl.col("rank").alias(f"{method}_rank"),
            pl.col("score").alias(f"{method}_score"),
        ).sort("item_id")
        assert_frame_equal(live_r.select(want.columns).sort("item_id"), want, check_dtypes=False)

    # open question: the accepted answers of the exported free_text table
    ideas = shown["ideas"]
    assert ideas is not None
    ft = inq.tables["free_text"].filter(pl.col("moderation") == 1)
    n_by_q = dict(ft.group_by("question_id").len().iter_rows())
    live_q = ideas.section("open_question")
    assert {int(q): n for q, n in live_q.select("question_id", "answers").iter_rows()} == n_by_q
    assert sorted(ideas.section("answers")["text"].to_list()) == sorted(ft["text"].to_list())

    # the long form is the wide sections, number for number
    for aid, result in shown.items():
        assert result is not None
        assert_frame_equal(board.panels[aid].numbers(), result.to_frame())
