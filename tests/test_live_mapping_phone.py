"""The phone page's mapping activity (issue 19), in Debian's headless Chromium on a 390x844
viewport: a need and an asset mapped by tapping the offline base (an SVG drawn from the
GeoJSON, no tiles), a place mapped by choosing its area from the list with the keyboard only,
and a need another phone mapped supported; each reaches the session's ``places`` and
``support`` tables, and the page never asks another host for anything.

One ``coprod serve`` and one browser for the module."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl
import pytest
from browser import Phone as BasePhone
from browser import Served, chromium, require_chromium, serve_phones, until
from test_live_mapping_api import map_folder

from coprod_analytics.session import SessionStore, read_session
from coprod_analytics.session.activities import activities_from_folder

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("mapping-phone")
    db = tmp / "s.db"
    defs = activities_from_folder(map_folder(tmp))
    with SessionStore(db, title="Riverside map") as s:
        s.define_activities([{**d, "open": d["kind"] == "mapping"} for d in defs])
    with serve_phones(db) as live:
        yield live


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    with chromium() as b:
        yield b


class Phone(BasePhone):
    """One participant's phone on the mapping activity, which keeps every URL it requests."""

    ready = "#activity:not([hidden]) svg.map .base"  # the map drawn

    def __init__(self, browser: Any, served: Served) -> None:
        self.requests: list[str] = []
        super().__init__(browser, served)

    def watch(self, page: Any) -> None:
        page.on("request", lambda req: self.requests.append(req.url))


def places(db: Path, pid: int) -> pl.DataFrame:
    t = read_session(db).tables.get("places")
    return pl.DataFrame() if t is None else t.filter(pl.col("participant_id") == pid)


def stored(db: Path, pid: int, n: int) -> pl.DataFrame:
    """The participant's places once ``n`` are stored (polled: a state, not a wait)."""
    return until(lambda: (t := places(db, pid)).height == n and (t,), f"{n} places of {pid}")[0]


def test_map_by_tapping_by_the_list_with_the_keyboard_and_support(
    browser: Any, served: Served
) -> None:
    from playwright.sync_api import expect

    a = Phone(browser, served)
    card = a.card("Add a place")
    save = card.get_by_role("button", name="Save")
    expect(save).to_be_disabled()
    svg = card.locator("svg.map")
    box = svg.bounding_box()
    assert box is not None and box["width"] <= 390  # fits the phone
    # a need, tapped in the upper half of the map (North: latitudes above 51.755)
    svg.tap(position={"x": box["width"] * 0.5, "y": box["height"] * 0.25})
    expect(card.locator(".where")).to_contain_text("Place chosen on the map")
    card.get_by_label("Something needed here (a need)").check()
    card.get_by_label("Category").select_option("lighting")
    card.get_by_label(re.compile("A few words")).fill("Dark lane by the school")
    save.click()
    expect(card.locator(".item-status")).to_contain_text("Saved ✓")
    # an asset, tapped in the lower half (South)
    svg.tap(position={"x": box["width"] * 0.3, "y": box["height"] * 0.75})
    card.get_by_label("Something good here (an asset)").check()
    card.get_by_label("Category").select_option("park")
    save.click()
    got = stored(served.db, a.pid, 2)
    by_kind = {r["kind"]: r for r in got.iter_rows(named=True)}
    need, asset = by_kind["need"], by_kind["asset"]
    assert need["area"] == "North" and 51.755 < need["lat"] < 51.765 and -1.27 < need["lon"] < -1.23
    assert need["text"] == "Dark lane by the school" and need["category"] == "lighting"
    assert asset["area"] == "South" and asset["category"] == "park" and asset["text"] is None
    expect(card.locator("ul.my-places li")).to_have_count(2)
    expect(svg.locator("circle.mark.own")).to_have_count(2)

    # the accessible alternative: the area from the list, with the keyboard only
    b = Phone(browser, served)
    area = b.card("Add a place").get_by_label("Or choose the area from a list")
    area.focus()
    for _ in range(3):  # North, South, Riverside
        b.page.keyboard.press("ArrowDown")
    expect(area).to_have_value("Riverside")
    b.page.keyboard.press("Tab")  # the first kind: a need
    b.page.keyboard.press("Space")
    expect(b.card("Add a place").get_by_label("Something needed here (a need)")).to_be_checked()
    b.page.keyboard.press("Tab")  # out of the radio group: the category
    b.page.keyboard.press("ArrowDown")
    expect(b.card("Add a place").get_by_label("Category")).to_have_value("lighting")
    b.page.keyboard.press("Tab")
    b.page.keyboard.type("No light at the bus stop")
    b.page.keyboard.press("Tab")
    b.page.keyboard.press("Enter")  # Save
    expect(b.card("Add a place").locator(".item-status")).to_contain_text("Saved ✓")
    got = stored(served.db, b.pid, 1)
    row = got.row(0, named=True)
    assert (row["kind"], row["category"], row["area"], row["lat"]) == (
        "need",
        "lighting",
        "Riverside",
        None,
    )

    # b supports a's need (its text not shown before the facilitator approves it)
    support = b.card("Needs others mapped")
    button = support.get_by_role("button", name=re.compile(r"^Support: lighting — North"))
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(support).not_to_contain_text("Dark lane")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(support.locator(".item-status")).to_contain_text("Saved ✓")
    until(
        lambda: (
            read_session(served.db).tables.get("support") is not None
            and read_session(served.db).tables["support"].rows() == [(b.pid, f"{a.pid}-" + _cid(a))]
        ),
        "the support stored",
    )
    # nothing was asked of another host: no tiles, no fonts, no scripts from elsewhere
    host = urlsplit(served.url).netloc
    for phone in (a, b):
        assert phone.errors == [], phone.errors
        away = [
            u for u in phone.requests if not u.startswith("data:") and urlsplit(u).netloc != host
        ]
        assert away == [], away
        # the small base came with the join answer: no third round trip for the map
        assert not any("/api/map" in u for u in phone.requests)
        phone.context.close()


def _cid(phone: Phone) -> str:
    """The phone's own id of its need (the part after ``<participant_id>-``)."""
    mine = phone.page.evaluate("() => fetch('/api/activities', {headers: {Authorization: "
        "'Bearer ' + localStorage.getItem(Object.keys(localStorage).filter(k => "
        "k.startsWith('coprod-token-'))[0])}}).then(r => r.json())")  # fmt: skip
    act = next(x for x in mine["activities"] if x["kind"] == "mapping")
    return str(next(p["place_id"] for p in act["mine"] if p["kind"] == "need"))


def test_a_phone_removes_its_own_place_with_the_keyboard(browser: Any, served: Served) -> None:
    from playwright.sync_api import expect

    c = Phone(browser, served)
    card = c.card("Add a place")
    card.get_by_label("Or choose the area from a list").select_option("South")
    card.get_by_label("Something needed here (a need)").check()
    card.get_by_label("Category").select_option("safety")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".item-status")).to_contain_text("Saved ✓")
    stored(served.db, c.pid, 1)
    remove = card.get_by_role("button", name="Remove: Need: safety (South)", exact=True)
    remove.focus()  # the keyboard only: a real button, reached and pressed with Enter
    c.page.keyboard.press("Enter")
    expect(card.locator(".item-status")).to_contain_text("Removed ✓")
    expect(card.locator(".where")).to_contain_text("Place removed: Need: safety (South)")
    expect(card.locator("ul.my-places")).to_be_focused()  # the focus is not lost
    until(lambda: places(served.db, c.pid).height == 0, "the place withdrawn in the store")
    # a poll later the place stays gone
    c.page.wait_for_function(
        "() => performance.getEntriesByType('resource').filter(e => "
        "e.name.includes('/api/activities')).length >= 1"
    )
    expect(card.locator("ul.my-places li")).to_have_text(["You have not mapped a place yet."])
    expect(card.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    assert c.errors == [], c.errors
    c.context.close()
