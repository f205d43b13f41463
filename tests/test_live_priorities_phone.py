"""The phone page for the priority activities, in Debian's headless Chromium on a 390x844
viewport: the budget ballot (it refuses to go over budget: the project that would go over is
disabled, with a plain reason), cumulative points with + and -, pairwise "which is better?"
with "I can't decide" and an idea of one's own, a ranking of the top k ordered by taps and
keys, and an open question with a counter; each answer reaches the session's tables.

One ``coprod serve`` and one browser for the module; each test is a new phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from browser import Phone, Served, chromium, require_chromium, serve_phones, until

from coprod_analytics.session import SessionStore, read_session
from coprod_analytics.session.activities import activities_from_folder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FOLDER = {
    "budget_projects.csv": (
        "project_id,cost,name\np1,60,Park lights\np2,50,Bus shelter\np3,30,Benches by the river\n"
    ),
    "budget_meta.csv": "key,value\nbudget,100\nvote_type,approval\n",
    "pairwise_items.csv": "item_id,text\n1,More buses\n2,More cycle lanes\n3,Cheaper fares\n",
    "ranking_items.csv": "item_id,text,k\na,Safety,2\nb,Cost,\nc,Speed,\n",
    "open_questions.csv": "question_id,text\n1,What would you change first?\n",
}
#: A cumulative ballot: 3 points over two projects, at most 2 on one.
POINTS = {
    "activity_id": "points",
    "kind": "budget",
    "title": "Share your points",
    "open": True,
    "items": [
        {"item_id": "x", "text": "Library hours", "cost": 40},
        {"item_id": "y", "text": "Youth club", "cost": 70},
    ],
    "settings": {"vote_type": "cumulative", "budget": 100, "max_sum_points": 3, "max_points": 2},
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``coprod serve`` (participant server only) on a session with every priority kind."""
    require_chromium()
    tmp = tmp_path_factory.mktemp("priorities-phone")
    folder = tmp / "inquiry"
    folder.mkdir()
    for name, text in FOLDER.items():
        (folder / name).write_text(text)
    db = tmp / "s.db"
    with SessionStore(db, title="Riverside priorities") as s:
        s.define_activities(
            [{**d, "open": True} for d in activities_from_folder(folder)] + [POINTS]
        )
    with serve_phones(db) as live:
        yield live


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def phone(browser: Any, served: Served) -> Iterator[Phone]:
    with Phone(browser, served) as p:
        yield p


def rows(db: Path, table: str, pid: int, pid_text: bool = False) -> list[tuple[Any, ...]]:
    t = read_session(db).tables.get(table)
    if t is None:
        return []
    who = str(pid) if pid_text else pid
    return t.filter(pl.col("participant_id") == who).drop("participant_id").rows()


def test_the_budget_ballot_refuses_to_go_over_budget(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Spend the budget")
    card = phone.card("Your ballot")
    total = card.locator(".total")
    expect(total).to_contain_text("Chosen: 0 of 100")
    save = card.get_by_role("button", name="Save")
    expect(save).to_be_disabled()
    card.get_by_role("button", name=re.compile("Park lights")).click()
    expect(card.get_by_role("button", name=re.compile("Park lights"))).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(total).to_contain_text("Chosen: 60 of 100 (40 left)")
    shelter = card.get_by_role("button", name=re.compile("Bus shelter"))
    expect(shelter).to_be_disabled()  # 60 + 50 would go over 100
    expect(card.locator("li").filter(has_text="Bus shelter")).to_contain_text(
        "Too expensive: only 40 left."
    )
    benches = card.get_by_role("button", name=re.compile("Benches by the river"))
    expect(benches).to_be_enabled()
    benches.click()
    expect(total).to_contain_text("Chosen: 90 of 100 (10 left)")
    save.click()
    expect(card.locator(".item-status")).to_have_text("Saved ✓")
    pid = phone.pid
    until(lambda: rows(served.db, "budget_votes", pid, True) == [("p1",), ("p3",)], "the ballot")
    # taking a project off frees the money: the shelter fits again
    card.get_by_role("button", name=re.compile("Park lights")).click()
    expect(shelter).to_be_enabled()


def test_cumulative_points_with_plus_and_minus(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Share your points")
    card = phone.card("Your ballot")
    plus_x = card.get_by_role("button", name="One point more for “Library hours”")
    plus_y = card.get_by_role("button", name="One point more for “Youth club”")
    plus_x.click()
    plus_x.click()
    expect(plus_x).to_be_disabled()  # at most 2 on one project
    expect(card.locator('li[data-id="x"]')).to_contain_text("At most 2 points per project.")
    plus_y.click()
    expect(card.locator(".total")).to_contain_text("Points given: 3 of 3 (0 left)")
    expect(plus_y).to_be_disabled()  # no points left
    expect(card.locator('li[data-id="y"]')).to_contain_text("No points left")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".item-status")).to_have_text("Saved ✓")
    pid = phone.pid
    with SessionStore(served.db) as s:  # the session's second ballot: in its log
        until(
            lambda: (
                s.state().answers.get(pid, {}).get(("points", "ballot", 0), (0, 0, {}))[2]
                == {"points": {"x": 2, "y": 1}}
            ),
            "the points",
        )


def test_pairwise_two_buttons_cant_decide_and_an_idea(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Which is better?")
    card = phone.card("Which is better?")
    buttons = card.locator("button.choice-big")
    expect(buttons).to_have_count(2)
    first = [buttons.nth(0).inner_text(), buttons.nth(1).inner_text()]
    buttons.nth(1).click()
    expect(card.locator(".item-status")).to_have_text("Saved ✓")
    expect(card.locator(".mine")).to_have_text(f"Your answer: you chose “{first[1]}”")
    # the next pair is another one
    until(
        lambda: (
            [buttons.nth(0).inner_text(), buttons.nth(1).inner_text()] != first
            and buttons.nth(0).is_enabled()
        ),
        "the next pair",
    )
    card.get_by_role("button", name="I can't decide").click()
    expect(card.locator(".mine")).to_have_text("Your answer: you could not decide")
    pid = phone.pid
    until(lambda: len(rows(served.db, "pairwise", pid)) == 2, "two pairwise answers")
    assert sorted(t for _w, _l, t in rows(served.db, "pairwise", pid)) == ["false", "true"]
    idea = phone.card("Add your own idea")
    send = idea.get_by_role("button", name="Send idea")
    expect(send).to_be_disabled()
    idea.get_by_label(re.compile("Your idea")).fill("Night buses at weekends")
    send.click()
    expect(idea.locator(".item-status")).to_have_text("Sent ✓ The facilitator checks it first.")
    with SessionStore(served.db) as s:
        waiting = until(
            lambda: [r for r in s.state().pending() if r.author_id == pid], "the idea to wait"
        )
    assert waiting[0].text == "Night buses at weekends" and waiting[0].activity_id == "pairwise"


def test_ranking_by_taps_and_keys(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Put them in order")
    card = phone.card("Your top 2")
    card.locator("ul.projects").get_by_role("button", name="Cost").click()
    card.locator("ul.projects").get_by_role("button", name="Safety").click()
    order = card.locator("ol.your-order li")
    expect(order).to_have_text([re.compile("1.Cost"), re.compile("2.Safety")])
    speed = card.locator("ul.projects").get_by_role("button", name="Speed")
    expect(speed).to_be_disabled()  # the top 2 is full
    expect(card.locator("ul.projects")).to_contain_text("Your top 2 is full.")
    # keyboard: Safety up with its button
    card.get_by_role("button", name="Move “Safety” up").focus()
    phone.page.keyboard.press("Enter")
    expect(order).to_have_text([re.compile("1.Safety"), re.compile("2.Cost")])
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".item-status")).to_have_text("Saved ✓")
    pid = phone.pid
    until(lambda: rows(served.db, "rankings", pid) == [("a", 1), ("b", 2)], "the ranking")


def test_open_question_with_a_counter(phone: Phone, served: Served) -> None:
    from playwright.sync_api import expect

    phone.tab("Your ideas")
    card = phone.card("What would you change first?")
    box = card.get_by_label("Your answer")
    expect(card).to_contain_text("0 of 500 characters")
    box.fill("Safer crossings <b>near</b> the school")
    expect(card).to_contain_text("38 of 500 characters")
    card.get_by_role("button", name="Send").click()
    expect(card.locator(".item-status")).to_have_text("Sent ✓ The facilitator checks it first.")
    expect(card.locator(".mine")).to_have_text(
        "Your answer: Safer crossings <b>near</b> the school"
    )  # shown as text, never as markup
    pid = phone.pid
    until(
        lambda: (
            [(q, t) for _i, q, t, *_ in rows(served.db, "free_text", pid)]
            == [(1, "Safer crossings <b>near</b> the school")]
        ),
        "the open answer",
    )
