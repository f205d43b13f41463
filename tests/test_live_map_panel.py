"""The live "Community map" on the facilitator's dashboard (issue 19): the mapping and
appraisal panels, their numbers from the mapping family's core functions, the projector's
privacy-safe version, and the moderation queue of place texts.

Driven in-process as a Voila visitor would (clicking buttons, setting widget values) on a
real SQLite session written through :class:`SessionStore`.
"""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_live_mapping_api import map_folder

from coprod_analytics.errors import ValidationError
from coprod_analytics.mapping import (
    appraisal_change,
    hotspot_summary,
    hotspots,
    needs_by_support,
    publishable_points,
)
from coprod_analytics.session import SessionStore, read_session
from coprod_analytics.session.activities import activities_from_folder
from coprod_analytics.session.mapping_activity import mapping_listing
from coprod_analytics.session.panels import screen_view
from coprod_widgets.session.views import LiveDashboard

#: Two clusters: 9 people map a need and an asset near (51.7505, -1.2495); 3 people a need
#: far away in the north (a cell of fewer than 5 people: never on the screen).
CLUSTER = (51.7505, -1.2495)
LONELY = (51.7620, -1.2350)


def mapped_session(tmp_path: Path, *, people: int = 12, seed: int = 3) -> tuple[Path, list[int]]:
    db = tmp_path / "s.db"
    rng = random.Random(seed)
    with SessionStore(db, title="Our town") as s:
        s.define_activities(
            [{**d, "open": True} for d in activities_from_folder(map_folder(tmp_path))]
        )
        ids = [s.join() for _ in range(people)]
        for i, p in enumerate(ids):
            lat, lon = CLUSTER if i < people - 3 else LONELY
            jitter = {"lat": lat + rng.uniform(0, 4e-4), "lon": lon + rng.uniform(0, 4e-4)}
            s.record_answer(
                p,
                "mapping",
                "place",
                {
                    "place_id": "n",
                    "kind": "need",
                    "category": "lighting",
                    **jitter,
                    "text": f"Dark corner {i}",
                },
            )
            if i < people - 3:
                s.record_answer(
                    p,
                    "mapping",
                    "place",
                    {"place_id": "a", "kind": "asset", "category": "park", **jitter},
                )
        # support for the first three people's needs
        for p in ids:
            for q in ids[:3]:
                if p != q:
                    s.record_answer(p, "mapping", "support", {"place_id": f"{q}-n"})
    return db, ids


def _places(db: Path) -> pl.DataFrame:
    return read_session(db).tables["places"]


def test_the_map_panel_shows_the_core_numbers_and_only_published_cells_on_screen(
    tmp_path: Path,
) -> None:
    db, ids = mapped_session(tmp_path)
    board = LiveDashboard(db)
    panel = board.panels["mapping"]
    assert panel.message is None and list(panel.chart_by_key) == ["map"]
    res = panel.result
    assert res is not None
    inq = read_session(db)
    places = inq.tables["places"]
    # the facilitator's numbers are the core's on the exported tables
    counts = res.section("map_counts").row(0, named=True)
    assert (counts["places"], counts["needs"], counts["assets"], counts["people"]) == (
        21,
        12,
        9,
        12,
    )
    grid_all = publishable_points(places, grid_m=250.0, min_cell=0)
    assert_frame_equal(res.results["grid"].frame, grid_all.frame)
    ranked = needs_by_support(places, inq.tables["support"])
    got = res.section("needs").select("place_id", "supporters", "ci_low", "ci_high")
    assert_frame_equal(got, ranked.table.select("place_id", "supporters", "ci_low", "ci_high"))
    assert got["supporters"][:3].to_list() == [12, 12, 12]  # the three supported needs
    labelled = hotspots(places, radius_m=100.0, min_points=5)
    assert res.section("hotspots")["n_people"].to_list() == (
        hotspot_summary(labelled, min_cell=0)["n_people"].to_list()
    )
    # every place text waits: the facilitator sees them with their status
    assert set(res.section("needs")["text_status"].to_list()) == {"waiting"}
    assert "Needs ranked by support" in panel.body.value
    assert "Published map cells" in panel.body.value  # the map's text alternative

    # the projector: the cells publishable_points publishes (never a cell of < 5 people),
    # no support ranking while mapping is open, no text not approved
    screen = screen_view(res)
    public = publishable_points(places, grid_m=250.0, min_cell=5)
    assert_frame_equal(screen.results["grid"].frame, public.frame)
    assert min(screen.section("map_cells")["n_people"].to_list()) >= 5
    assert min(grid_all.frame["n_people"].to_list()) < 5  # the lonely cell exists, held back
    assert "needs" not in screen.sections
    board.show_on_screen("mapping")
    board.present.value = True
    shown = board.present_view.screen.value
    assert shown.count("<rect") == public.frame.height + 1  # background + published cells
    assert "Dark corner" not in shown

    # closed: the ranking appears, approved texts only, needs of >= 5 supporters only
    with SessionStore(db) as s:
        s.moderate_place("mapping", f"{ids[0]}-n", accept=True)
        s.moderate_place("mapping", f"{ids[1]}-n", accept=False)
        s.close_activity("mapping")
    assert board.refresh()
    closed = screen_view(board.panels["mapping"].result)  # type: ignore[arg-type]
    needs = closed.section("needs")
    assert min(needs["supporters"].to_list()) >= 5 and needs.height == 3
    texts = dict(zip(needs["place_id"], needs["text"], strict=True))
    assert texts == {f"{ids[0]}-n": "Dark corner 0", f"{ids[1]}-n": None, f"{ids[2]}-n": None}
    assert "Most supported needs" in board.present_view.screen.value
    assert "Dark corner 0" in board.present_view.screen.value
    assert "Dark corner 2" not in board.present_view.screen.value


def test_the_queue_holds_place_texts_until_approved_and_rechecks_the_log(
    tmp_path: Path,
) -> None:
    db, ids = mapped_session(tmp_path, people=6)
    board = LiveDashboard(db)
    rows = board.queue_box.children
    waiting = [(w.children[1].value, w.children[0].value) for w in rows]
    assert len(waiting) == 6
    assert waiting[0] == ("Place text for Map your area: need, lighting, South", "Dark corner 0")
    gid = f"{ids[0]}-n"

    def seen_by(pid: int) -> dict[str, object]:
        with SessionStore(db) as s:
            st = s.state()
            act = st.activities["mapping"]
            listing = mapping_listing(act, act.public(), pid, st.answers.get(pid, {}))
        return {n["place_id"]: n.get("text") for n in listing["needs"]}

    assert seen_by(ids[1])[gid] is None  # not shown to other phones yet
    versions = dict(board.live.versions)
    # the queue's Approve button writes a moderate_place event
    rows[0].children[2].click()
    assert seen_by(ids[1])[gid] == "Dark corner 0"
    assert "approved" in board.queue_message.value
    assert len(board.queue_box.children) == 5
    assert board.live.versions["mapping"] > versions["mapping"]
    assert board.panels["mapping"].result.section("needs").filter(  # type: ignore[union-attr]
        pl.col("place_id") == gid
    )["text_status"].to_list() == ["approved"]
    # refused without writing: done already, forged values, an unknown place
    n = len(SessionStore(db).events())
    assert not board.moderate_place("mapping", gid, accept=True)
    assert not board.moderate_place("mapping", f"{ids[1]}-n", accept="yes")
    assert not board.moderate_place(["mapping"], f"{ids[1]}-n", accept=True)
    assert not board.moderate_place("mapping", "99-n", accept=True)
    assert not board.moderate(f"{ids[1]}-n", accept=True)  # a place is not a statement
    assert len(SessionStore(db).events()) == n
    # another facilitator decided meanwhile: the button re-checks against a fresh read
    reject = board.queue_box.children[0].children[3]
    with SessionStore(db) as s:
        s.moderate_place("mapping", f"{ids[1]}-n", accept=True)
    reject.click()
    assert "Not done" in board.queue_message.value
    assert seen_by(ids[0])[f"{ids[1]}-n"] == "Dark corner 1"
    # rejected: hidden from the phones and left out of the places table; the place stays
    board.moderate_place("mapping", f"{ids[2]}-n", accept=False)
    assert seen_by(ids[0])[f"{ids[2]}-n"] is None
    places = _places(db).filter(pl.col("place_id") == f"{ids[2]}-n")
    assert places.height == 1 and places["text"].to_list() == [None]


def test_the_appraisal_panel_shows_the_change_between_rounds(tmp_path: Path) -> None:
    db, ids = mapped_session(tmp_path, people=8)
    with SessionStore(db) as s:
        s.open_activity("appraisal")
        needs = [it["item_id"] for it in s.state().activities["appraisal"].pool()]
        for rnd in (1, 2):
            for j, p in enumerate(ids):
                for k, need in enumerate(needs[:3]):
                    score = 4 if rnd == 1 else 4 - (k < 2) * (1 + j % 2)
                    s.record_answer(
                        p, "appraisal", need, {"need_score": score, "achievement_score": rnd}
                    )
            if rnd == 1:
                s.next_round("appraisal")
    board = LiveDashboard(db)
    panel = board.panels["appraisal"]
    res = panel.result
    assert res is not None and res.message is None
    expected = appraisal_change(read_session(db).tables["appraisals"])
    got = res.section("appraisal_change")
    assert got["place_id"].to_list() == expected.table["place_id"].cast(pl.String).to_list()
    assert got["need_change"].to_list() == pytest.approx(expected.table["need_change"].to_list())
    assert got["status"].to_list() == expected.table["status"].to_list()
    assert "Needs and achievements between rounds" in panel.body.value
    assert list(panel.chart_by_key) == ["appraisal-change"]
    # while the round is open the room sees how many appraised, never the scores
    open_screen = screen_view(res)
    assert list(open_screen.sections) == ["appraisal_counts"]
    with SessionStore(db) as s:
        s.close_activity("appraisal")
    board.refresh()
    closed = screen_view(board.panels["appraisal"].result)  # type: ignore[arg-type]
    assert closed.section("appraisal_change")["need_n_pairs"].to_list() == [8, 8, 8]


def test_an_appraisal_answer_does_not_recompute_the_map(tmp_path: Path) -> None:
    db, ids = mapped_session(tmp_path, people=6)
    with SessionStore(db) as s:
        s.open_activity("appraisal")
    board = LiveDashboard(db)
    before = board.panels["mapping"].result
    need = f"{ids[0]}-n"
    with SessionStore(db) as s:
        s.record_answer(ids[1], "appraisal", need, {"need_score": 3})
    assert board.refresh()
    assert board.panels["mapping"].result is before
    assert board.panels["appraisal"].result.section("appraisal_counts")["answers"][0] == 1  # type: ignore[union-attr]


def test_a_map_of_areas_only_shows_the_areas_nobody_mapped(tmp_path: Path) -> None:
    folder = tmp_path / "inquiry"
    folder.mkdir()
    (folder / "map_categories.csv").write_text("kind,category\nneed,lighting\nasset,park\n")
    (folder / "map_areas.csv").write_text("area\nNorth\nSouth\nHill\n")
    db = tmp_path / "s.db"
    with SessionStore(db) as s:
        s.define_activities([{**d, "open": True} for d in activities_from_folder(folder)])
        for i in range(6):
            p = s.join()
            s.record_answer(
                p, "mapping", "place",
                {"place_id": "x", "kind": "need", "category": "lighting",
                 "area": "North" if i < 5 else "South"},
            )  # fmt: skip
    board = LiveDashboard(db)
    res = board.panels["mapping"].result
    assert res is not None and res.message is None and "grid" not in res.results
    areas = res.section("areas").select("area", "n_people", "status").rows()
    assert areas == [("North", 5, "mapped"), ("South", 1, "mapped"), ("Hill", 0, "nobody mapped")]
    assert "Areas nobody mapped yet: Hill." in board.panels["mapping"].body.value
    screen = screen_view(res).section("areas")
    assert screen.filter(pl.col("area") == "South")["n_people"].to_list() == [None]


def test_a_new_need_reaches_the_appraisal_panel(tmp_path: Path) -> None:
    db, ids = mapped_session(tmp_path, people=6)
    board = LiveDashboard(db)
    before = board.panels["appraisal"].result
    assert before is not None
    needs = before.section("appraisal_counts")["needs"][0]
    with SessionStore(db) as s:
        s.record_answer(
            ids[0],
            "mapping",
            "place",
            {"place_id": "n2", "kind": "need", "category": "safety", "area": "North"},
        )
    assert board.refresh()
    after = board.panels["appraisal"].result
    assert after is not before
    assert after.section("appraisal_counts")["needs"][0] == needs + 1  # type: ignore[union-attr]


def test_a_withdrawn_place_leaves_the_panel_its_support_and_the_queue(tmp_path: Path) -> None:
    db, ids = mapped_session(tmp_path)
    board = LiveDashboard(db)
    res = board.panels["mapping"].result
    assert res is not None
    before = res.section("map_counts").row(0, named=True)
    assert (before["places"], before["needs"], before["texts_waiting"]) == (21, 12, 12)
    assert f"{ids[0]}-n" in res.section("needs")["place_id"].to_list()
    with SessionStore(db) as s:
        s.record_answer(ids[0], "mapping", "place", {"place_id": "n", "withdrawn": True})
        s.record_answer(ids[0], "mapping", "place", {"place_id": "n", "withdrawn": True})
        with pytest.raises(ValidationError, match="only the places you mapped"):
            s.record_answer(
                ids[1], "mapping", "place", {"place_id": f"{ids[2]}-n", "withdrawn": True}
            )
    assert board.refresh()
    res = board.panels["mapping"].result
    assert res is not None
    after = res.section("map_counts").row(0, named=True)
    assert (after["places"], after["needs"], after["texts_waiting"]) == (20, 11, 11)
    assert f"{ids[0]}-n" not in res.section("needs")["place_id"].to_list()
    grid = publishable_points(_places(db), grid_m=250.0, min_cell=0)
    assert_frame_equal(res.results["grid"].frame, grid.frame)  # the map without it
    assert sum(grid.frame["n_places"]) == 20
    assert f"{ids[0]}-n" not in read_session(db).tables["support"]["place_id"].to_list()
