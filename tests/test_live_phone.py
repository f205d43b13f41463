"""The participant's phone page for every kind of activity, in Debian's headless Chromium on a
phone-sized viewport: each kind answered and changed through the page (the latest answer in the
session's tables, every answer in the log), a statement vote changed, the retry queue across a
lost connection and a closed page, and independence: the page never receives other people's
answers to a question before answering it, and gets the Delphi round-1 distribution only in
round 2 after its own round-1 answer.

One ``coprod serve`` and one browser for the module; each test is a new phone (a new browser
context, so a new participant)."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from browser import Phone as BasePhone
from browser import Served, chromium, require_chromium, serve_phones, until

from coprod_analytics.session import SessionStore, read_events, read_session
from coprod_analytics.session.activities import activities_from_folder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STATEMENTS = [
    "Buses should run every ten minutes.",
    "The High Street should be car-free on Saturdays.",
    "More cycle parking at the station.",
]
#: A small inquiry folder with an item table for every kind of activity.
FOLDER = {
    "evidence_items.csv": (
        "evidence_id,title,source\n"
        "1,Traffic counts on the High Street,Council highways team\n"
        "2,Passenger survey of the hopper bus,Bus operator\n"
    ),
    "rating_items.csv": (
        "item_id,text,scale_min,scale_max\n"
        "1,How satisfied are you with the buses?,1,7\n"
        "2,How safe do you feel cycling in town?,1,7\n"
    ),
    "questions.csv": (
        "question_id,text,truth,unit,type,options\n"
        "1,How many buses an hour run from the station to the hospital?,4,buses/hour,estimate,\n"
        "2,How likely is the new bridge to open by 2027?,,,probability,\n"
        "3,Which should come first?,,,choice,park-and-ride|better buses|congestion charge\n"
    ),
    "panel_items.csv": "item_id,text,scale_min,scale_max\n1,The council listens to people like me,1,5\n",
    "population.csv": "attribute,category,share\nage_band,16-34,0.3\nage_band,35-64,0.5\nage_band,65+,0.2\n",
}
#: A second questions activity for the Delphi rounds (only the independence test uses it).
DELPHI = {
    "activity_id": "delphi",
    "kind": "questions",
    "title": "Delphi estimate",
    "items": [
        {"item_id": 9, "text": "How many people cycle to work each day?", "type": "estimate"},
    ],
}


def _seed(db: Path, folder: Path) -> None:
    folder.mkdir()
    for name, text in FOLDER.items():
        (folder / name).write_text(text)
    with SessionStore(db, title="Riverside inquiry") as s:
        s.add_statements(STATEMENTS)
        statements = {"activity_id": "statements", "kind": "statements", "items": []}
        defs = [statements, *activities_from_folder(folder), DELPHI]
        s.define_activities([{**d, "title": d.get("title", "Agree or disagree"), "open": True}
                             for d in defs])  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``coprod serve`` (participant server only) on a session with every kind of activity."""
    require_chromium()
    tmp = tmp_path_factory.mktemp("phone")
    db = tmp / "s.db"
    _seed(db, tmp / "inquiry")
    with serve_phones(db) as live:
        yield live


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    with chromium() as b:
        yield b


class Phone(BasePhone):
    """One participant's phone, which can record every response it receives."""

    def __init__(self, browser: Any, served: Served, *, record: bool = False) -> None:
        #: (url, body) of every response the phone received (when recording)
        self.received: list[tuple[str, str]] = []
        self.record = record
        super().__init__(browser, served)

    def watch(self, page: Any) -> None:
        if self.record:  # from the very first response on
            page.on("response", self._received)

    def _received(self, response: Any) -> None:
        try:
            body = response.text()
        except Exception:  # a response without a body
            body = ""
        self.received.append((response.url, body))

    def api_bodies(self, since: int = 0) -> list[tuple[str, str]]:
        """(path, body) of the participant API's answers received (from index ``since``)."""
        out = []
        for url, body in self.received[since:]:
            path = re.sub(r"^https?://[^/]+", "", url)
            if path.startswith("/api/"):
                out.append((path, body))
        return out

    def server_open(self) -> set[str]:
        """The activities open for this participant, as the server says now (from the test
        process, not through the page)."""
        req = urllib.request.Request(
            self.served.url + "api/activities", headers={"Authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return {a["activity_id"] for a in json.load(resp)["activities"]}

    def save(self, card: Any) -> None:
        from playwright.sync_api import expect

        card.get_by_role("button", name="Save").click()
        expect(card.locator(".item-status")).to_have_text("Saved ✓")


@pytest.fixture
def phone(browser: Any, served: Served) -> Iterator[Phone]:
    with Phone(browser, served) as p:
        yield p


def latest(db: Path, table: str, pid: int) -> list[tuple[Any, ...]]:
    """This participant's rows of an inquiry table of the session (the latest answers)."""
    inq = read_session(db)
    t = inq.participants if table == "participants" else inq.tables.get(table)
    if t is None:
        return []
    t = t.filter(pl.col("participant_id") == pid).drop("participant_id")
    return t.drop("joined").rows() if table == "participants" else t.rows()


def logged(db: Path, pid: int, activity_id: str) -> list[dict[str, Any]]:
    """Every answer event of this participant to one activity, in order."""
    ev = read_events(db).filter((pl.col("kind") == "answer") & (pl.col("participant_id") == pid))
    values = [json.loads(v) for v in ev.get_column("value").to_list()]
    return [v for v in values if v["activity_id"] == activity_id]


# ---------------------------------------------------------------- one test per kind
def test_evidence_credibility_and_relevance(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Weigh the evidence")
    card = phone.card("Traffic counts on the High Street")
    expect(card).to_contain_text("From: Council highways team")
    save = card.get_by_role("button", name="Save")
    expect(save).to_be_disabled()  # both credibility and relevance first
    card.get_by_role("group", name="How credible is this evidence?").get_by_label("4").check()
    expect(save).to_be_disabled()
    card.get_by_role("group", name="How relevant is it to our question?").get_by_label("5").check()
    phone.save(card)
    expect(card.locator(".mine")).to_have_text("Your answer: credibility 4, relevance 5")
    pid = phone.pid
    until(lambda: latest(served.db, "evidence", pid) == [(1, 4.0, 5.0)], "the evidence answer")
    # changed, with the optional confidence: the latest counts, the log keeps both
    card.get_by_role("group", name="How credible is this evidence?").get_by_label("2").check()
    card.get_by_role("group", name="How sure are you? (optional)").get_by_label("3").check()
    phone.save(card)
    expect(card.locator(".mine")).to_have_text("Your answer: credibility 2, relevance 5, sure 3")
    until(lambda: latest(served.db, "evidence", pid) == [(1, 2.0, 5.0, 3.0)], "the changed answer")
    assert [e["answer"] for e in logged(served.db, pid, "evidence")] == [
        {"credibility": 4.0, "relevance": 5.0},
        {"credibility": 2.0, "relevance": 5.0, "confidence": 3.0},
    ]
    expect(phone.page.locator("#activity-progress")).to_contain_text("Answered 1 of 2")


def test_ratings_on_the_items_scale(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Ratings")
    card = phone.card("How satisfied are you with the buses?")
    group = card.get_by_role("group", name="Your rating")
    assert group.get_by_role("radio").count() == 7  # the item's 1-7 scale
    group.get_by_label("6").check()
    phone.save(card)
    pid = phone.pid
    until(lambda: latest(served.db, "ratings", pid) == [(1, 6.0, 1.0, 7.0)], "the rating")
    # keyboard: the scale is a radio group, arrow keys move the choice
    group.get_by_label("6").focus()
    phone.page.keyboard.press("ArrowLeft")
    phone.page.keyboard.press("ArrowLeft")
    expect(group.get_by_label("4")).to_be_checked()
    phone.page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Save")).to_be_focused()
    phone.page.keyboard.press("Enter")
    expect(card.locator(".mine")).to_have_text("Your answer: 4 (on 1 to 7)")
    until(lambda: latest(served.db, "ratings", pid) == [(1, 4.0, 1.0, 7.0)], "the changed rating")
    assert [e["answer"]["rating"] for e in logged(served.db, pid, "ratings")] == [6.0, 4.0]


def test_estimate_with_unit_and_confidence(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Questions")
    card = phone.card("How many buses an hour run from the station to the hospital?")
    expect(card).to_contain_text("buses/hour")
    value = card.get_by_label("Your estimate")
    value.fill("many")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".item-status")).to_contain_text("Type a number")
    value.fill("3,5")  # a decimal comma is a number too
    card.get_by_role("group", name="How sure are you? (optional)").get_by_label("2").check()
    phone.save(card)
    pid = phone.pid
    until(lambda: latest(served.db, "estimates", pid) == [(1, 3.5, 2.0, 1)], "the estimate")
    value.fill("6")
    phone.save(card)
    expect(card.locator(".mine")).to_have_text("Your answer: 6 buses/hour, sure 2 of 5")
    until(lambda: latest(served.db, "estimates", pid) == [(1, 6.0, 2.0, 1)], "the new estimate")
    assert [e["answer"]["value"] for e in logged(served.db, pid, "questions")] == [3.5, 6.0]


def test_probability_in_percent_is_sent_as_a_share(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Questions")
    card = phone.card("How likely is the new bridge to open by 2027?")
    expect(card.get_by_role("button", name="Save")).to_be_disabled()  # nothing given yet
    percent = card.get_by_role("spinbutton", name="How likely is it? (0 to 100%)")
    percent.fill("70")
    phone.save(card)
    expect(card.locator(".mine")).to_have_text("Your answer: 70%")
    pid = phone.pid
    until(lambda: latest(served.db, "probabilities", pid) == [(2, 0.7)], "the probability")
    # the slider, by keyboard: End = 100%, then ten steps down
    slider = card.get_by_role("slider", name="How likely is it? (0 to 100%)")
    slider.focus()
    phone.page.keyboard.press("End")
    for _ in range(10):
        phone.page.keyboard.press("ArrowLeft")
    expect(percent).to_have_value("90")
    phone.save(card)
    until(lambda: latest(served.db, "probabilities", pid) == [(2, 0.9)], "the new probability")
    assert [e["answer"] for e in logged(served.db, pid, "questions")] == [
        {"probability": 0.7},
        {"probability": 0.9},
    ]


def test_choice_with_a_prediction_of_others_that_adds_up(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Questions")
    card = phone.card("Which should come first?")
    guess = card.get_by_role("group", name="What share of the others here will choose each option?")
    expect(guess).to_be_hidden()  # the prediction step comes after one's own answer
    card.get_by_role("radio", name="better buses").check()
    expect(guess).to_be_visible()
    save = card.get_by_role("button", name="Save")
    guess.get_by_role("spinbutton", name="park-and-ride").fill("20")
    guess.get_by_role("spinbutton", name="better buses").fill("50")
    expect(card.locator(".total")).to_have_text("Total: 70%, 30% left to share")
    expect(save).to_be_disabled()
    for _ in range(7):
        guess.get_by_role("button", name="5% more for congestion charge").click()
    expect(card.locator(".total")).to_have_text("Total: 105%, 5% too much")
    expect(save).to_be_disabled()
    guess.get_by_role("button", name="5% less for congestion charge").click()
    expect(card.locator(".total")).to_have_text("Total: 100% ✓")
    phone.save(card)
    pid = phone.pid
    until(lambda: latest(served.db, "choices", pid) == [(3, "better buses")], "the choice")
    assert sorted(latest(served.db, "predictions", pid)) == [
        (3, "better buses", 0.5),
        (3, "congestion charge", 0.3),
        (3, "park-and-ride", 0.2),
    ]
    card.get_by_role("radio", name="park-and-ride").check()
    guess.get_by_role("spinbutton", name="park-and-ride").fill("40")
    guess.get_by_role("spinbutton", name="better buses").fill("40")
    guess.get_by_role("spinbutton", name="congestion charge").fill("20")
    phone.save(card)
    until(lambda: latest(served.db, "choices", pid) == [(3, "park-and-ride")], "the new choice")
    assert sorted(latest(served.db, "predictions", pid)) == [
        (3, "better buses", 0.4),
        (3, "congestion charge", 0.2),
        (3, "park-and-ride", 0.4),
    ]
    assert [e["answer"]["answer"] for e in logged(served.db, pid, "questions")] == [
        "better buses",
        "park-and-ride",
    ]


def test_panel_poll_in_its_wave(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Quick poll")
    expect(phone.page.locator("#activity-note")).to_contain_text("at the start")
    card = phone.card("The council listens to people like me")
    card.get_by_label("3").check()
    phone.save(card)
    pid = phone.pid
    until(lambda: latest(served.db, "panel", pid) == [(1, "pre", 3.0)], "the panel answer")
    card.get_by_label("5").check()
    phone.save(card)
    until(lambda: latest(served.db, "panel", pid) == [(1, "pre", 5.0)], "the changed answer")
    assert [e["answer"]["value"] for e in logged(served.db, pid, "panel")] == [3.0, 5.0]


def test_population_comes_first_and_prefer_not_to_say(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    page = phone.page
    # right after joining, the optional questions about oneself come first; skipping moves on
    # to the activity the facilitator opened last, and they stay skipped on the next visit
    expect(page.locator("#activity-h")).to_have_text("About you (optional)")
    current = SessionStore(served.db).state().current_activity()
    assert current is not None and current.kind != "population"
    page.get_by_role("button", name="Skip these questions").click()
    expect(page.locator("#activity-h")).to_have_text(current.title)
    page = phone.open()
    expect(page.locator("#activity-h")).to_have_text(current.title)
    phone.tab("About you")
    card = phone.card("Age band")
    card.get_by_role("radio", name="35-64").check()
    phone.save(card)
    pid = phone.pid
    until(lambda: latest(served.db, "participants", pid) == [("35-64",)], "the age band")
    card.get_by_role("radio", name="Prefer not to say").check()
    phone.save(card)
    expect(card.locator(".mine")).to_have_text("Your answer: Prefer not to say")
    until(
        lambda: latest(served.db, "participants", pid) == [("prefer not to say",)],
        "prefer not to say",
    )
    assert [e["answer"]["category"] for e in logged(served.db, pid, "population")] == [
        "35-64",
        "prefer not to say",
    ]


# ---------------------------------------------------------------- statements, retries
def test_statement_vote_changed(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    page = phone.page
    phone.tab("Agree or disagree")
    page.wait_for_selector("#vote:not([hidden])")
    first = page.locator("#statement").inner_text()
    page.get_by_role("button", name="Agree", exact=True).click()
    page.wait_for_function(
        "old => document.getElementById('statement').textContent !== old", arg=first
    )
    sid = STATEMENTS.index(first)
    pid = phone.pid
    page.locator("#my-votes summary").click()
    expect(page.locator("#my-votes summary")).to_have_text("Your votes (1): change one")
    row = page.locator("#my-votes-list li").filter(has_text=first)
    expect(row.get_by_role("button", name="Change to Agree")).to_have_attribute(
        "aria-pressed", "true"
    )
    row.get_by_role("button", name="Change to Disagree").click()
    expect(row.get_by_role("button", name="Change to Disagree")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#status")).to_have_text("Vote changed to “Disagree”.")

    def votes() -> list[tuple[int, int]]:
        inq = read_session(served.db)
        return (
            inq.votes.filter(pl.col("participant_id") == pid).select("statement_id", "vote").rows()
        )

    until(lambda: votes() == [(sid, -1)], "the changed vote")
    log = read_session(served.db).vote_log.filter(
        (pl.col("participant_id") == pid) & (pl.col("statement_id") == sid)
    )
    assert log.get_column("vote").to_list() == [1, -1]
    assert page.locator("#statement").inner_text() != first  # the flow went on


def test_retry_queue_when_the_network_drops(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    page, ctx = phone.page, phone.context
    phone.tab("Ratings")
    pid = phone.pid
    queue_key = "coprod-queue-" + served.session_id

    def stored_keys() -> list[str]:
        raw = page.evaluate("k => localStorage.getItem(k)", queue_key)
        return [e["body"]["key"] for e in json.loads(raw or "[]")]

    ctx.set_offline(True)
    card = phone.card("How satisfied are you with the buses?")
    card.get_by_label("5").check()
    card.get_by_role("button", name="Save").click()
    expect(page.locator("#queue")).to_contain_text("1 answer waiting to be sent")
    expect(card.locator(".item-status")).to_have_text("Waiting for the connection…")
    (key,) = stored_keys()  # kept in localStorage too
    ctx.set_offline(False)
    expect(card.locator(".item-status")).to_have_text("Saved ✓")
    expect(page.locator("#queue")).to_be_hidden()
    until(lambda: latest(served.db, "ratings", pid) == [(1, 5.0, 1.0, 7.0)], "the queued rating")
    ev = read_events(served.db).filter(pl.col("participant_id") == pid)
    assert ev.filter(pl.col("kind") == "answer").get_column("idem_key").to_list() == [
        f"a:{pid}:{key}"  # sent once, with the key it got when Save was pressed
    ]
    assert stored_keys() == []

    # offline again, and the page is closed before the connection returns: the answer waits
    # in localStorage and the next visit sends it, once
    ctx.set_offline(True)
    card = phone.card("How safe do you feel cycling in town?")
    card.get_by_label("2").check()
    card.get_by_role("button", name="Save").click()
    expect(page.locator("#queue")).to_contain_text("1 answer waiting to be sent")
    (key2,) = stored_keys()
    page.close()
    ctx.set_offline(False)
    phone.open()
    until(lambda: sorted(latest(served.db, "ratings", pid)) == [(1, 5.0, 1.0, 7.0),
                                                                (2, 2.0, 1.0, 7.0)],
          "the rating sent by the next visit")  # fmt: skip
    expect(phone.page.locator("#queue")).to_be_hidden()
    answers = read_events(served.db).filter(
        (pl.col("participant_id") == pid) & (pl.col("kind") == "answer")
    )
    assert answers.get_column("idem_key").to_list() == [f"a:{pid}:{key}", f"a:{pid}:{key2}"]


def test_closed_activity_is_said_and_a_newly_opened_one_is_shown(
    phone: Phone, served: Served
) -> None:
    from playwright.sync_api import expect

    page, ctx = phone.page, phone.context
    phone.tab("Ratings")
    pid = phone.pid
    ctx.set_offline(True)  # an answer waits in the queue while the facilitator closes ratings
    card = phone.card("How safe do you feel cycling in town?")
    card.get_by_label("3").check()
    card.get_by_role("button", name="Save").click()
    expect(page.locator("#queue")).to_contain_text("1 answer waiting to be sent")
    try:
        with SessionStore(served.db) as s:
            s.close_activity("ratings")
        until(lambda: "ratings" not in phone.server_open(), "the server to see ratings closed")
        ctx.set_offline(False)
        # said plainly, and the page moves on to what is open
        expect(page.locator("#status")).to_contain_text("“Ratings”")
        expect(page.locator("#status")).to_contain_text("closed")
        expect(page.locator("#activity-h")).not_to_have_text("Ratings")
        expect(page.locator("#queue")).to_be_hidden()
        tabs = page.get_by_role("navigation").get_by_role("button")
        expect(tabs.filter(has_text="Ratings")).to_have_count(0)
        assert logged(served.db, pid, "ratings") == []  # refused, not stored
    finally:
        with SessionStore(served.db) as s:
            s.open_activity("ratings")
    # the facilitator opens an activity: the phone shows it without a tap
    expect(page.locator("#activity-h")).to_have_text("Ratings", timeout=30_000)


# ---------------------------------------------------------------- independence
OTHERS = (111.5, 222.5, 333.5)  # other participants' round-1 estimates of the Delphi question
API_PATHS = {"/api/session", "/api/join", "/api/activities", "/api/next", "/api/answer"}


def leaks(bodies: list[tuple[str, str]]) -> list[str]:
    """API answers that carry anything of other people's answers."""
    words = ["distribution", "previous", *(repr(v) for v in OTHERS)]
    return [b for _, b in bodies if any(w in b for w in words)]


def test_independence_no_answers_of_others_before_ones_own(browser: Any, served: Served) -> None:
    from playwright.sync_api import expect

    with SessionStore(served.db) as s:  # three people answer round 1 first
        for value in OTHERS:
            s.record_answer(s.join(), "delphi", 9, {"value": value})
    early = Phone(browser, served, record=True)  # answers round 1
    late = Phone(browser, served, record=True)  # does not answer round 1
    try:
        for p in (early, late):
            p.tab("Delphi estimate")
        card = early.card("How many people cycle to work each day?")
        expect(card.locator(".previous")).to_have_count(0)
        card.get_by_label("Your estimate").fill("150")
        early.save(card)
        # a poll after the answer, still in round 1: nothing of the others reached either page
        with early.page.expect_response(re.compile(r"/api/activities$")):
            pass
        assert leaks(early.api_bodies()) == [] and leaks(late.api_bodies()) == []
        mark = len(early.received)

        with SessionStore(served.db) as s:
            assert s.next_round("delphi") == 2
        # round 2: the one who answered round 1 sees the group's round-1 answers
        prev = card.locator(".previous")
        expect(prev).to_contain_text("Answers from 4 people", timeout=30_000)
        expect(prev).to_contain_text("The middle answer was 186.25")
        expect(prev).to_contain_text("Your round 1 answer: 150.")
        expect(card.get_by_label("Your round 2 estimate")).to_have_value("")
        got = [json.loads(b) for p, b in early.api_bodies(mark) if p == "/api/activities"]
        previous = [
            it["previous"]
            for listing in got
            for act in listing["activities"]
            for it in act["items"]
            if "previous" in it
        ]
        assert previous[-1] == {
            "round": 1,
            "mine": {"value": 150.0},
            "distribution": {"n": 4, "median": 186.25, "q1": 140.375, "q3": 250.25,
                             "min": 111.5, "max": 333.5},
        }  # fmt: skip
        # only in round 2, after its own round-1 answer
        assert leaks(early.api_bodies()) == leaks(early.api_bodies(mark)) != []

        # the one who did not answer round 1 never gets it, not even after answering round 2
        late_card = late.card("How many people cycle to work each day?")
        expect(late_card.get_by_label("Your round 2 estimate")).to_be_visible(timeout=30_000)
        late_card.get_by_label("Your round 2 estimate").fill("99")
        late.save(late_card)
        with late.page.expect_response(re.compile(r"/api/activities$")):
            pass
        expect(late_card.locator(".previous")).to_have_count(0)
        assert leaks(late.api_bodies()) == []
        assert not any("150.0" in b for _, b in late.api_bodies())  # nor the early answer
        # and neither page asked for anything but its own participant API
        for p in (early, late):
            asked = {path for path, _ in p.api_bodies()}
            assert asked <= API_PATHS, asked
    finally:
        early.context.close()
        late.context.close()
    assert early.errors == [] and late.errors == []
