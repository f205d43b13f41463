"""The facilitator's live dashboard: agenda, live panels per activity, present mode.

Driven in-process as a Voila visitor would (clicking buttons, setting widget values) on a
real SQLite session written through :class:`SessionStore`; and the reproduction the issue
asks for: the numbers every live panel shows equal the numbers the core's public functions
compute from the exported inquiry folder.
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from traitlets import TraitError

from coprod_analytics.session import PREFER_NOT_TO_SAY, SessionStore, read_events
from coprod_analytics.session.panels import LIVE_N_RESAMPLES, screen_view
from coprod_widgets.session.views import LiveDashboard

ROOT = Path(__file__).resolve().parents[1]

POPULATION: dict[str, Any] = {
    "activity_id": "population",
    "kind": "population",
    "title": "About you",
    "open": True,
    "items": [
        {
            "item_id": "age_band",
            "text": "age band",
            "options": ["16-34", "35-64", "65+", PREFER_NOT_TO_SAY],
            "shares": {"16-34": 0.3, "35-64": 0.5, "65+": 0.2},
        },
        {
            "item_id": "area",
            "text": "area",
            "options": ["North", "South", PREFER_NOT_TO_SAY],
            "shares": {"North": 0.6, "South": 0.4},
        },
    ],
}
STATEMENTS: dict[str, Any] = {
    "activity_id": "statements",
    "kind": "statements",
    "title": "Agree or disagree",
    "items": [],
    "open": True,
}
PANEL: dict[str, Any] = {
    "activity_id": "panel",
    "kind": "panel",
    "title": "Quick poll",
    "items": [
        {"item_id": 1, "text": "Buses serve me well", "scale_min": 1, "scale_max": 5},
        {"item_id": 2, "text": "I trust the council", "scale_min": 1, "scale_max": 5},
    ],
}
EVIDENCE: dict[str, Any] = {
    "activity_id": "evidence",
    "kind": "evidence",
    "title": "Weigh the evidence",
    "items": [
        {
            "item_id": 1,
            "text": "Traffic counts",
            "source": "Council",
            "scale_min": 1,
            "scale_max": 5,
        },
        {"item_id": 2, "text": "Bus survey", "source": "Operator", "scale_min": 1, "scale_max": 5},
    ],
}
RATINGS: dict[str, Any] = {
    "activity_id": "ratings",
    "kind": "ratings",
    "title": "Ratings",
    "items": [
        {
            "item_id": 1,
            "text": "How satisfied are you with the buses?",
            "scale_min": 1,
            "scale_max": 7,
        },
        {"item_id": 2, "text": "How safe is cycling?", "scale_min": 1, "scale_max": 7},
    ],
}
QUESTIONS: dict[str, Any] = {
    "activity_id": "questions",
    "kind": "questions",
    "title": "Questions",
    "items": [
        {
            "item_id": 1,
            "text": "Buses an hour at midday?",
            "type": "estimate",
            "unit": "buses/hour",
        },
        {"item_id": 2, "text": "Share of homes without a car?", "type": "estimate", "unit": "%"},
        {"item_id": 101, "text": "Will the bypass open by 2027?", "type": "probability"},
        {
            "item_id": 201,
            "text": "What should come first?",
            "type": "choice",
            "options": ["buses", "cycle lanes", "parking"],
        },
    ],
}
AGENDA: list[dict[str, Any]] = [POPULATION, STATEMENTS, PANEL, EVIDENCE, RATINGS, QUESTIONS]


def new_session(db: Path, *, statements: bool = True) -> None:
    """A session with every kind of activity defined, nothing answered yet."""
    with SessionStore(db, title="Riverside transport") as s:
        if statements:
            s.add_statements(["Run buses later", "Build a bypass", "Close the High Street"])
        s.define_activities(AGENDA if statements else [a for a in AGENDA if a is not STATEMENTS])


def n_events(db: Path) -> int:
    return read_events(db).height


def answer_everything(db: Path, people: int = 8, *, seed: int = 7) -> list[int]:
    """Simulated participants answer every activity (our own simulation; expected numbers
    are recomputed from the export, not taken from here)."""
    rng = random.Random(seed)
    with SessionStore(db) as s:
        for aid in ("panel", "evidence", "ratings", "questions"):
            s.open_activity(aid)
        pids = [s.join() for _ in range(people + 1)]
        talkers, quiet = pids[:people], pids[people]
        ages = ["16-34", "35-64", PREFER_NOT_TO_SAY]  # nobody 65+: a category nobody is in
        for i, p in enumerate(pids):
            s.record_answer(p, "population", "age_band", {"category": ages[i % 3]})
            s.record_answer(p, "population", "area", {"category": ["North", "South"][i % 2]})
        for p in talkers:
            for sid in (0, 1, 2):
                s.record_vote(p, sid, rng.choice([1, 1, -1, 0]))
            for item in (1, 2):
                s.record_answer(p, "panel", item, {"value": rng.randint(1, 5)})
                s.record_answer(
                    p,
                    "evidence",
                    item,
                    {
                        "credibility": rng.randint(1, 5),
                        "relevance": rng.randint(1, 5),
                        "confidence": rng.randint(1, 5),
                    },
                )
                s.record_answer(p, "ratings", item, {"rating": rng.randint(1, 7)})
                s.record_answer(
                    p,
                    "questions",
                    item,
                    {
                        "value": round(rng.lognormvariate(2, 0.6), 1),
                        "confidence": rng.randint(1, 5),
                    },
                )
            s.record_answer(p, "questions", 101, {"probability": round(rng.random(), 2)})
            w = [rng.random() + 0.1 for _ in range(3)]
            shares = [round(x / sum(w), 3) for x in w]
            shares[-1] = round(1 - shares[0] - shares[1], 3)
            s.record_answer(
                p,
                "questions",
                201,
                {
                    "answer": rng.choice(["buses", "cycle lanes", "parking"]),
                    "predictions": dict(
                        zip(["buses", "cycle lanes", "parking"], shares, strict=True)
                    ),
                },
            )
        s.record_answer(talkers[0], "ratings", 1, {"rating": 7})  # changed: the latest counts
        s.next_round("questions")
        for p in talkers[:6]:
            for item in (1, 2):
                s.record_answer(
                    p, "questions", item, {"value": round(rng.lognormvariate(2, 0.4), 1)}
                )
        s.next_round("panel")
        for p in talkers[:7]:
            for item in (1, 2):
                s.record_answer(p, "panel", item, {"value": rng.randint(1, 5)})
        assert quiet not in s.state().voted
    return pids


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "session.db"
    new_session(path)
    return path


# ------------------------------------------------------------------------------ agenda
def test_agenda_has_a_row_per_activity_and_the_statements_row(db: Path) -> None:
    board = LiveDashboard(db)
    assert list(board.agenda.rows) == [a["activity_id"] for a in AGENDA]
    row = board.agenda.rows["questions"]
    assert row.title.value == "Questions" and "closed" in row.status.value
    assert row.next_button.layout.display is None  # estimates: Delphi rounds apply
    assert board.agenda.rows["ratings"].next_button.layout.display == "none"
    assert board.agenda.rows["panel"].round.value == "wave 1 (before)"
    assert list(board.panels) == list(board.agenda.rows)
    # the checkbox label is not cut off
    assert board.submissions.style.description_width == "initial"


def test_agenda_buttons_write_the_right_events_and_the_agenda_redraws(db: Path) -> None:
    board = LiveDashboard(db)
    rows = board.agenda.rows
    before = n_events(db)
    rows["ratings"].open_button.click()
    last = read_events(db).row(-1, named=True)
    assert last["kind"] == "activity" and '"action": "open"' in last["value"]
    assert '"activity_id": "ratings"' in last["value"]
    assert n_events(db) == before + 1
    assert "open" in rows["ratings"].status.value and rows["ratings"].open_button.disabled
    assert not rows["ratings"].close_button.disabled

    rows["ratings"].close_button.click()
    assert '"action": "close"' in read_events(db).row(-1, named=True)["value"]
    assert "closed" in rows["ratings"].status.value

    rows["questions"].next_button.click()  # Delphi round 2, open
    last = read_events(db).row(-1, named=True)
    assert '"action": "round"' in last["value"] and '"round": 2' in last["value"]
    assert rows["questions"].round.value == "round 2"
    assert rows["questions"].next_button.description == "Start round 3"
    assert "open" in rows["questions"].status.value

    rows["panel"].next_button.click()  # wave 2: after
    assert rows["panel"].round.value == "wave 2 (after)"
    assert rows["panel"].next_button.layout.display == "none"

    rows["statements"].close_button.click()  # the log's statements activity
    last = read_events(db).row(-1, named=True)
    assert '"activity_id": "statements"' in last["value"] and '"action": "close"' in last["value"]
    assert "closed" in rows["statements"].status.value
    with SessionStore(db) as s:
        assert not s.state().statements_open


def test_the_statements_row_opens_and_closes_the_session_without_a_statements_activity(
    tmp_path: Path,
) -> None:
    db = tmp_path / "plain.db"
    with SessionStore(db) as s:
        s.add_statements(["One", "Two"])
    board = LiveDashboard(db)
    assert list(board.agenda.rows) == ["statements"]
    board.agenda.rows["statements"].close_button.click()
    assert read_events(db).row(-1, named=True)["kind"] == "close"
    assert not board.open_toggle.value  # the session toggle follows
    board.agenda.rows["statements"].open_button.click()
    assert read_events(db).row(-1, named=True)["kind"] == "open"
    assert board.open_toggle.value


def test_forged_widget_values_are_refused_without_writing(db: Path) -> None:
    board = LiveDashboard(db)
    board.agenda.rows["ratings"].open_button.click()
    before = n_events(db)
    # unknown ids and actions, as a visitor could send them
    assert not board.agenda.act("open", "drop table events")
    assert "no activity" in board.agenda.message.value
    assert not board.agenda.act("open", 42)
    assert not board.agenda.act("delete", "ratings")
    # a click on a disabled or hidden button arrives all the same: checked against the log
    board.agenda.rows["ratings"].open_button.click()  # already open
    board.agenda.rows["ratings"].next_button.click()  # ratings have no rounds
    board.agenda.rows["statements"].next_button.click()
    # widget values a visitor might set
    with pytest.raises(TraitError):
        board.on_screen.value = "drop table events"
    with pytest.raises(TraitError):
        board.on_screen.set_state({"index": 99})
    with pytest.raises(TraitError):
        board.present.set_state({"value": "yes"})
    assert n_events(db) == before
    assert board.on_screen.value in board.agenda.rows


# ------------------------------------------------------------------------------ panels
def test_an_answer_shows_in_its_panel_after_refresh_and_only_that_panel_is_recomputed(
    db: Path,
) -> None:
    with SessionStore(db) as s:
        s.open_activity("ratings")
        s.open_activity("evidence")
        people = [s.join() for _ in range(3)]
        for p in people[:2]:
            s.record_answer(p, "ratings", 1, {"rating": 5})
    board = LiveDashboard(db)
    ratings, evidence = board.panels["ratings"], board.panels["evidence"]
    assert ratings.message is not None and "2 answers so far" in ratings.message
    evidence_result = evidence.result
    with SessionStore(db) as s:
        s.record_answer(people[2], "ratings", 1, {"rating": 3})
    assert board.refresh()
    numbers = ratings.numbers()
    got = dict(numbers.filter(pl.col("item_id") == "1").select("statistic", "value").iter_rows())
    assert got["n"] == 3 and got["median"] == 5.0 and got["mean"] == pytest.approx(13 / 3)
    assert ratings.message is None and "How satisfied" in ratings.body.value
    assert [k for k in ratings.chart_by_key] == ["ratings"]
    assert evidence.result is evidence_result  # its answers did not change: not recomputed
    assert "3 answered" in board.agenda.rows["ratings"].answered.value


@pytest.mark.parametrize("answers", [0, 1, 2])
def test_panels_with_0_1_2_answers_show_a_message_not_an_error(db: Path, answers: int) -> None:
    with SessionStore(db) as s:
        for aid in ("panel", "evidence", "ratings", "questions"):
            s.open_activity(aid)
        for _ in range(answers):
            p = s.join()
            s.record_vote(p, 0, 1)
            s.record_answer(p, "population", "age_band", {"category": "16-34"})
            s.record_answer(p, "panel", 1, {"value": 3})
            s.record_answer(p, "evidence", 1, {"credibility": 4, "relevance": 2})
            s.record_answer(p, "ratings", 1, {"rating": 6})
            s.record_answer(p, "questions", 1, {"value": 12.5})
            s.record_answer(p, "questions", 101, {"probability": 0.4})
            s.record_answer(p, "questions", 201, {"answer": "buses", "predictions": {"buses": 1.0}})
    board = LiveDashboard(db)
    for aid, panel in board.panels.items():
        assert panel.result is not None, aid
        assert panel.message, aid
        assert "Traceback" not in panel.body.value
        assert panel.message in panel.body.value.replace("&#x27;", "'")
        expected = "No votes yet." if aid == "statements" else "No answers yet."
        if answers == 0:
            assert panel.message == expected, aid
        board.show_on_screen(aid)
        board.present.value = True
        assert "coprod-big" in board.present_view.screen.value
        board.present.value = False


def test_evidence_with_and_without_confidence_still_shows_the_board(db: Path) -> None:
    with SessionStore(db) as s:
        s.open_activity("evidence")
        for i in range(4):
            answer: dict[str, Any] = {"credibility": 2 + i % 3, "relevance": 3}
            if i % 2:
                answer["confidence"] = 4
            s.record_answer(s.join(), "evidence", 1, answer)
    board = LiveDashboard(db)
    board_table = board.panels["evidence"].result.section("evidence")  # type: ignore[union-attr]
    assert board_table.filter(pl.col("evidence_id") == "1")["n"].item() == 4
    assert board_table.filter(pl.col("evidence_id") == "1")["credibility"].item() is not None


def test_representation_counts_categories_nobody_is_in(db: Path) -> None:
    answer_everything(db)
    board = LiveDashboard(db)
    pop = board.panels["population"].result.section("population")  # type: ignore[union-attr]
    nobody = pop.filter((pl.col("attribute") == "age_band") & (pl.col("category") == "65+"))
    assert nobody["n"].item() == 0 and nobody["population_share"].item() == pytest.approx(0.2)
    assert nobody["sample_share"].item() == 0.0
    answers = board.panels["population"].result.section("population_answers")  # type: ignore[union-attr]
    age = answers.filter(pl.col("attribute") == "age_band").row(0, named=True)
    assert age == {
        "attribute": "age_band",
        "answered": 9,
        "prefer_not_to_say": 3,
        "not_answered": 0,
    }


# ------------------------------------------------------------------------------ present
def test_present_mode_shows_only_the_chosen_activity_and_updates_live(db: Path) -> None:
    with SessionStore(db) as s:
        s.open_activity("ratings")
        s.open_activity("evidence")
        people = [s.join() for _ in range(4)]
        for p in people[:3]:
            s.record_answer(p, "ratings", 2, {"rating": 2})
            s.record_answer(p, "evidence", 1, {"credibility": 5, "relevance": 5})
    board = LiveDashboard(db)
    board.agenda.rows["ratings"].show_button.click()
    assert board.on_screen.value == "ratings"
    board.present.value = True
    assert board.children == (board.style, board.present_view)
    screen = board.present_view.screen.value
    assert "How safe is cycling?" in screen and "3 people have answered" in screen
    assert "Traffic counts" not in screen and "Agenda" not in screen
    assert board.present_view.exit.description == "Exit"
    with SessionStore(db) as s:
        s.record_answer(people[3], "ratings", 2, {"rating": 2})
    board.refresh()
    assert "4 people have answered" in board.present_view.screen.value
    board.present_view.exit.click()
    assert not board.present.value and board.agenda in board.children


def test_present_mode_keeps_open_questions_off_the_screen(db: Path) -> None:
    answer_everything(db)  # questions are open in round 2
    board = LiveDashboard(db)
    board.show_on_screen("questions")
    board.present.value = True
    screen = board.present_view.screen.value
    assert "Round 1" in screen and "Round 2" not in screen  # the round now answered: held
    assert "What should come first?" not in screen and "stay off the screen" in screen
    facilitator = board.panels["questions"].result
    assert facilitator is not None and facilitator.section("estimates")["round"].max() == 2
    with SessionStore(db) as s:
        s.close_activity("questions")
    board.refresh()
    screen = board.present_view.screen.value
    assert "Round 2" in screen and "What should come first?" in screen


# ------------------------------------------------------------------------------ the reproduction
def _estimates_expected(inq: Any) -> pl.DataFrame:
    from coprod_analytics.crowd import crowd_estimate, delphi_rounds

    rows = []  # the median with its exact bootstrap interval, as the live panel shows it
    for (qid, rnd), part in inq.tables["estimates"].group_by("question_id", "round"):
        est = crowd_estimate(part["value"], ci_method="exact", progress=False)
        rows.append((qid, rnd, est.n, est.value, est.ci_low, est.ci_high))
    med = pl.DataFrame(
        rows,
        schema=["question_id", "round", "n", "median", "ci_low", "ci_high"],
        orient="row",
    )
    quart = delphi_rounds(inq).table.select("question_id", "round", "q1", "q3")
    return med.join(quart, on=["question_id", "round"]).with_columns(
        pl.col("question_id").cast(pl.String)
    )


def test_the_export_reproduces_the_numbers_the_live_panels_showed(db: Path, tmp_path: Path) -> None:
    from coprod_analytics.crowd import agreement_by_item, pool_forecasts, surprisingly_popular
    from coprod_analytics.deliberation import compare_to_population, paired_shift
    from coprod_analytics.evidence import weigh_evidence
    from coprod_analytics.io.load import load_inquiry

    answer_everything(db)
    board = LiveDashboard(db)
    shown = {aid: p.result for aid, p in board.panels.items()}
    assert all(p is not None and p.message is None for p in shown.values()), {
        aid: p.message for aid, p in shown.items() if p is not None
    }
    numbers = {aid: board.panels[aid].numbers() for aid in board.panels}
    assert all(n.height > 0 for n in numbers.values())

    out = tmp_path / "export"
    done = subprocess.run(
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
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    inq = load_inquiry(out)

    def section(aid: str, name: str) -> pl.DataFrame:
        result = shown[aid]
        assert result is not None
        return result.section(name)

    # questions: Delphi medians with their intervals and quartiles, pools, surprisingly popular
    live = section("questions", "estimates").drop_nulls("median").drop("text", "unit")
    expected = _estimates_expected(inq).select(live.columns)
    assert_frame_equal(live.sort("question_id", "round"), expected.sort("question_id", "round"))
    assert live.height == 4  # two questions x two Delphi rounds

    pools = pool_forecasts(inq).select(
        pl.col("question_id").cast(pl.String), "n", "mean", "median", "pooled"
    )
    assert_frame_equal(section("questions", "probabilities").drop("text"), pools)

    sp = surprisingly_popular(inq, question=201)
    live_sp = section("questions", "choices").join(
        sp.table.select("option"), on="option", how="semi"
    )
    assert_frame_equal(
        live_sp.select("option", "votes", "actual_share", "predicted_share", "surprise").sort(
            "option"
        ),
        sp.table.sort("option"),
    )
    assert live_sp.filter(pl.col("surprisingly_popular"))["option"].to_list() == [sp.answer]

    # evidence: the board, credibility x relevance with bootstrap intervals
    board_expected = weigh_evidence(
        inq, scale=(1.0, 5.0), n_resamples=LIVE_N_RESAMPLES, seed=0, progress=False
    ).table.with_columns(pl.col("evidence_id").cast(pl.String))
    live_board = section("evidence", "evidence").drop("title", "source")
    assert_frame_equal(live_board, board_expected.select(live_board.columns))

    # ratings: agreement per item (the changed rating counts once, as its latest value)
    agree = agreement_by_item(inq.tables["ratings"]).with_columns(pl.col("item_id").cast(pl.String))
    live_r = section("ratings", "ratings").drop("text")
    assert_frame_equal(live_r, agree.select(live_r.columns))

    # panel: means before and after, the paired shift with its interval
    panel = inq.tables["panel"]
    means = (
        panel.group_by("item_id", "wave")
        .agg(pl.len().alias("n"), pl.col("value").mean().alias("mean"))
        .pivot(on="wave", index="item_id", values=["n", "mean"])
    )
    shift = paired_shift(panel, pre="pre", post="post").table.select(
        "item_id",
        pl.col("n").alias("pairs"),
        pl.col("estimate").alias("shift"),
        "ci_low",
        "ci_high",
    )
    expected_panel = (
        means.join(shift, on="item_id")
        .select(
            pl.col("item_id").cast(pl.String),
            pl.col("n_pre").cast(pl.Int64),
            "mean_pre",
            pl.col("n_post").cast(pl.Int64),
            "mean_post",
            pl.col("pairs").cast(pl.Int64),
            "shift",
            "ci_low",
            "ci_high",
        )
        .sort("item_id")
    )
    assert_frame_equal(section("panel", "panel").drop("text"), expected_panel)

    # population: share present against the population, per category
    for attr in ("age_band", "area"):
        shares = inq.tables["population"].filter(pl.col("attribute") == attr)
        known = inq.participants.filter(pl.col(attr).is_in(shares["category"].implode())).select(
            "participant_id", attr
        )
        cmp = compare_to_population(
            known, inq.tables["population"], attribute=attr, min_cell=0
        ).table.select("category", "n", "sample_share", "population_share", "ratio")
        live_p = section("population", "population").filter(pl.col("attribute") == attr)
        assert_frame_equal(
            live_p.select(cmp.columns).sort("category"), cmp.sort("category"), check_dtypes=False
        )

    # statements: votes per statement
    tallies = inq.statement_tallies().select(
        "statement_id", pl.col("total").alias("votes"), "agree", "disagree", "pass"
    )
    assert_frame_equal(
        section("statements", "statements").select(tallies.columns).sort("statement_id"),
        tallies.sort("statement_id"),
        check_dtypes=False,
    )

    # the long form of the numbers is the wide sections, number for number
    for aid, frame in numbers.items():
        result = shown[aid]
        assert result is not None
        assert_frame_equal(frame, result.to_frame())
    assert screen_view(shown["ratings"]) is shown["ratings"]  # type: ignore[arg-type]


def test_a_long_moderation_queue_shows_those_that_waited_longest(tmp_path: Path) -> None:
    """Hundreds of ideas waiting (a room of 2,000): the queue draws QUEUE_ROWS rows, the
    oldest first, counts the rest, and the next comes up once one is moderated."""
    from coprod_widgets.session.views import QUEUE_ROWS

    db = tmp_path / "s.db"
    with SessionStore(db, title="Ideas") as s:
        s.add_statements(["Run later."])
        texts = [f"Idea number {i}" for i in range(QUEUE_ROWS + 7)]
        for text in texts:
            s.submit_statement(s.join(), text)
    board = LiveDashboard(db)

    def shown() -> list[str]:  # the texts (without their "looks like #n" hints)
        return [r.children[0].value.split(" — ")[0] for r in board.queue_box.children]

    assert shown() == texts[:QUEUE_ROWS]
    assert board.queue_more.value.endswith(": 7</p>")
    first = read_events(db).filter(pl.col("text") == texts[0])["statement_id"].item()
    assert board.moderate(first, accept=False)
    assert shown() == texts[1 : QUEUE_ROWS + 1]
    assert board.queue_more.value.endswith(": 6</p>")
    # a new idea while the queue is full is counted below it, after those drawn
    with SessionStore(db) as s:
        s.submit_statement(s.join(), "One more idea")
    board.refresh()
    assert len(board.queue_box.children) == QUEUE_ROWS
    assert shown() == texts[1 : QUEUE_ROWS + 1]
    assert board.queue_more.value.endswith(": 7</p>")
    # moderated down to the rows drawn: nothing more is counted
    for text in texts[1:8]:
        sid = read_events(db).filter(pl.col("text") == text)["statement_id"].item()
        assert board.moderate(sid, accept=True)
    assert board.queue_more.value == ""
    assert len(board.queue_box.children) == QUEUE_ROWS
