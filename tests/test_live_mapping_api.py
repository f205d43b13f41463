"""The live mapping activity through the participant API (issue 19): places on an offline
base (a GeoJSON of streets and named areas) or chosen from the list of areas, support for
needs others mapped, appraisal rounds of the needs; bad answers refused naming the field;
the session's ``places``, ``support`` and ``appraisals`` tables are the mapping family's
tables (validated by its schemas, counted by ``coprod info``, read back from an export) and
``hotspots`` runs on them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_live_hardening import http, serving
from test_live_inquiry_load import export

from coprod_analytics.cli.info import info_dict
from coprod_analytics.errors import ValidationError
from coprod_analytics.mapping import hotspots, validate_appraisals, validate_places
from coprod_analytics.mapping import validate_support as validate_support_table
from coprod_analytics.session import SessionStore, read_session
from coprod_analytics.session.activities import activities_from_folder
from coprod_apps.live.server import LiveServer

#: Two named areas (North above 51.755, South below) and one street, around Oxford.
GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "High Street"},
            "geometry": {"type": "LineString", "coordinates": [[-1.26, 51.75], [-1.24, 51.755]]},
        },
        *(
            {
                "type": "Feature",
                "properties": {"area": name},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [-1.27, lo],
                            [-1.23, lo],
                            [-1.23, lo + 0.01],
                            [-1.27, lo + 0.01],
                            [-1.27, lo],
                        ]
                    ],
                },
            }
            for name, lo in (("North", 51.755), ("South", 51.745))
        ),
    ],
}
CATEGORIES = "kind,category\nneed,lighting\nneed,safety\nasset,park\nany,other\n"


def map_folder(tmp_path: Path, *, areas: str | None = "area\nRiverside\n") -> Path:
    folder = tmp_path / "inquiry"
    folder.mkdir(exist_ok=True)
    (folder / "map.geojson").write_text(json.dumps(GEOJSON))
    (folder / "map_categories.csv").write_text(CATEGORIES)
    if areas is not None:
        (folder / "map_areas.csv").write_text(areas)
    return folder


def seeded(tmp_path: Path) -> Path:
    db = tmp_path / "s.db"
    with SessionStore(db, title="Mapping") as s:
        s.define_activities(
            [{**d, "open": True} for d in activities_from_folder(map_folder(tmp_path))]
        )
    return db


async def _join(port: int) -> tuple[int, str]:
    status, data = await http(port, "POST", "/api/join", {})
    assert status == 200, data
    return int(data["participant_id"]), str(data["token"])


async def _listing(port: int, token: str) -> dict[str, dict[str, Any]]:
    status, data = await http(port, "GET", "/api/activities", token=token)
    assert status == 200, data
    return {a["activity_id"]: a for a in data["activities"]}


async def _post(port: int, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return await http(port, "POST", "/api/answer", body, token=token)


def test_the_folder_defines_a_map_and_an_appraisal(tmp_path: Path) -> None:
    defs = {d["kind"]: d for d in activities_from_folder(map_folder(tmp_path))}
    s = defs["mapping"]["settings"]
    assert s["system"] == "geo" and s["bounds"] == [-1.27, 51.745, -1.23, 51.765]
    assert s["areas"] == ["North", "South", "Riverside"]  # named polygons, then the list
    assert s["categories"] == {
        "asset": ["park", "other"],
        "need": ["lighting", "safety", "other"],
        "idea": ["other"],
    }
    assert defs["appraisal"]["settings"]["source"] == "mapping"
    # bad files are named
    (tmp_path / "inquiry" / "map_categories.csv").write_text("kind,category\nwish,benches\n")
    with pytest.raises(ValidationError, match=r"map_categories.csv.*row 1.*kind"):
        activities_from_folder(tmp_path / "inquiry")
    (tmp_path / "inquiry" / "map_categories.csv").write_text(CATEGORIES)
    (tmp_path / "inquiry" / "map.geojson").write_text(
        '{"type": "LineString", "coordinates": [[0, 99], [1, 1]]}'
    )
    with pytest.raises(ValidationError, match=r"map.geojson.*out of range"):
        activities_from_folder(tmp_path / "inquiry")


def test_places_support_and_appraisals_through_the_api(tmp_path: Path) -> None:
    db = seeded(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        (a, ta), (b, tb), (_c, tc) = [await _join(port) for _ in range(3)]
        act = (await _listing(port, ta))["mapping"]
        assert "base" not in act["settings"] and act["mine"] == [] and act["needs"] == []
        status, base = await http(port, "GET", "/api/map?activity_id=mapping", token=ta)
        assert status == 200 and len(base["base"]["polygons"]) == 2 and base["system"] == "geo"
        place = {"activity_id": "mapping", "item_id": "place", "place_id": "n1", "kind": "need"}
        bad: list[tuple[dict[str, Any], str]] = [
            ({"category": "lighting", "lat": 51.80, "lon": -1.25}, "lat"),  # north of the map
            ({"category": "lighting", "lat": 51.76, "lon": -1.10}, "lon"),
            ({"category": "benches", "lat": 51.76, "lon": -1.25}, "category"),
            ({"category": "lighting", "x": 3, "y": 4}, "x"),  # a plan's coordinates on a map
            ({"category": "lighting", "area": "Nowhere"}, "area"),
            ({"category": "lighting", "area": "North", "lat": 51.76}, "lat"),
            ({"category": "lighting", "lat": 51.76, "lon": -1.25, "text": "\u200b \u2060"}, "text"),
            ({"category": "lighting", "lat": 51.76, "lon": -1.25, "colour": "red"}, "colour"),
        ]
        for i, (fields, name) in enumerate(bad):
            status, data = await _post(port, ta, {**place, "key": f"bad{i}", **fields})
            assert status == 400 and data["field"] == name, (fields, data)
        status, data = await _post(
            port, ta, {**place, "key": "k0", "kind": "wish", "category": "x"}
        )
        assert status == 400 and data["field"] == "kind"
        # a need in North by tapping, an asset by the accessible list, a need of b's
        ok: list[tuple[str, dict[str, Any]]] = [
            (ta, {**place, "key": "p1", "category": "lighting", "lat": 51.76, "lon": -1.25,
                  "text": "Dark lane"}),
            (ta, {**place, "key": "p2", "place_id": "a1", "kind": "asset", "category": "park",
                  "area": "Riverside"}),
            (tb, {**place, "key": "p3", "category": "safety", "lat": 51.75, "lon": -1.26}),
        ]  # fmt: skip
        for tok, body in ok:
            status, data = await _post(port, tok, body)
            assert status == 200 and data["duplicate"] is False, data
        status, data = await _post(port, ta, ok[0][1])  # a retried key: stored once
        assert status == 200 and data["duplicate"] is True and data["answered"] == 2
        # moved: the same place id again, the latest wins
        moved = {**place, "key": "p4", "category": "lighting", "lat": 51.747, "lon": -1.25,
                 "text": "Dark lane"}  # fmt: skip
        assert (await _post(port, ta, moved))[0] == 200
        mine = (await _listing(port, ta))["mapping"]
        assert [(p["place_id"], p.get("area")) for p in mine["mine"]] == [
            ("n1", "South"),  # the polygon the point falls in
            ("a1", "Riverside"),
        ]
        # c sees the needs of a and b, without the text until the facilitator approves it
        needs = {n["place_id"]: n for n in (await _listing(port, tc))["mapping"]["needs"]}
        assert set(needs) == {f"{a}-n1", f"{b}-n1"} and "text" not in needs[f"{a}-n1"]
        sup = {"activity_id": "mapping", "item_id": "support"}
        assert (await _post(port, tc, {**sup, "key": "s1", "place_id": f"{a}-n1"}))[0] == 200
        assert (await _post(port, tc, {**sup, "key": "s2", "place_id": f"{b}-n1"}))[0] == 200
        assert (await _post(port, tb, {**sup, "key": "s3", "place_id": f"{a}-n1"}))[0] == 200
        status, data = await _post(port, ta, {**sup, "key": "s4", "place_id": f"{a}-n1"})
        assert status == 400 and data["field"] == "place_id"  # not one's own need
        status, data = await _post(port, ta, {**sup, "key": "s5", "place_id": f"{a}-a1"})
        assert status == 400 and data["field"] == "place_id"  # an asset is not a need
        taken_back = {**sup, "key": "s6", "place_id": f"{b}-n1", "support": False}
        assert (await _post(port, tc, taken_back))[0] == 200
        srv_store = SessionStore(db)
        srv_store.moderate_place("mapping", f"{a}-n1", accept=True)
        srv_store.close()
        # appraisal: the live needs are its items; two rounds
        for rnd in (1, 2):
            appr = (await _listing(port, tc)).get("appraisal")
            assert appr is not None and {i["item_id"] for i in appr["items"]} == {
                f"{a}-n1",
                f"{b}-n1",
            }
            for tok, score in ((tb, 5 - rnd), (tc, 4)):
                body = {"activity_id": "appraisal", "item_id": f"{a}-n1", "key": f"r{rnd}{tok[-6:]}",
                        "need_score": score, "achievement_score": rnd + 1}  # fmt: skip
                status, data = await _post(port, tok, body)
                assert status == 200 and data["round"] == rnd, data
            status, data = await _post(port, tb, {**body, "key": "bad", "need_score": 9})
            assert status == 400 and data["field"] == "need_score"
            if rnd == 1:
                s = SessionStore(db)
                s.next_round("appraisal")
                s.close()
                deadline = 200
                while (await _listing(port, tc))["appraisal"]["round"] != 2 and deadline:
                    deadline -= 1
                    srv.poll_external()  # read the facilitator's events now
        # approved texts now reach the others
        needs = {n["place_id"]: n for n in (await _listing(port, tc))["mapping"]["needs"]}
        assert needs[f"{a}-n1"]["text"] == "Dark lane" and needs[f"{a}-n1"]["supported"]

    serving(db, test)
    inquiry = read_session(db)
    places, support, appraisals = (inquiry.tables[k] for k in ("places", "support", "appraisals"))
    validate_places(places), validate_support_table(support), validate_appraisals(appraisals)
    assert places.height == 3 and set(places["kind"]) == {"need", "asset"}
    assert sorted(support.rows()) == [(1, "0-n1"), (2, "0-n1")]
    assert appraisals.height == 4 and sorted(set(appraisals["round"])) == [1, 2]
    assert {k: info_dict(db)["tables"][k] for k in ("places", "support", "appraisals")} == {
        "places": 3,
        "support": 2,
        "appraisals": 4,
    }
    # parquet: the Pol.is writer cannot write a session without statements (known, issue 13)
    back = export(db, tmp_path / "export", "parquet")
    for k in ("places", "support", "appraisals"):
        assert back.tables[k].height == inquiry.tables[k].height
    labelled = hotspots(back, radius_m=2000, min_points=2)
    assert labelled.filter(labelled["lat"].is_not_null())["hotspot"].to_list() == [0, 0]


def test_a_participant_withdraws_their_own_place_and_only_that(tmp_path: Path) -> None:
    """Withdrawing a place: an appended answer event (the log keeps every one), idempotent,
    refused for another's place, a bad field or a closed activity; the place leaves the
    places, its support, the others' lists and the export."""
    db = seeded(tmp_path)
    seqs: dict[str, int] = {}

    async def test(srv: LiveServer, port: int) -> None:
        (a, ta), (b, tb), (_c, tc) = [await _join(port) for _ in range(3)]
        place = {"activity_id": "mapping", "item_id": "place", "kind": "need"}
        for tok, key, body in (
            (ta, "p1", {"place_id": "n1", "category": "lighting", "lat": 51.76, "lon": -1.25}),
            (ta, "p2", {"place_id": "a1", "kind": "asset", "category": "park", "area": "North"}),
            (tb, "p3", {"place_id": "n1", "category": "safety", "area": "South"}),
        ):
            assert (await _post(port, tok, {**place, "key": key, **body}))[0] == 200
        sup = {"activity_id": "mapping", "item_id": "support"}
        for key, gid in (("s1", f"{a}-n1"), ("s2", f"{b}-n1")):
            assert (await _post(port, tc, {**sup, "key": key, "place_id": gid}))[0] == 200
        gone = {"activity_id": "mapping", "item_id": "place", "withdrawn": True}
        # b cannot withdraw a's need (named by its full id, as b's support list shows it)
        status, data = await _post(port, tb, {**gone, "key": "w0", "place_id": f"{a}-n1"})
        assert status == 400 and data["field"] == "place_id", data
        assert "only the places you mapped" in data["error"]
        for key, extra, field in (
            ("w1", {"place_id": "n1", "withdrawn": False}, "withdrawn"),
            ("w2", {"place_id": "n1", "kind": "need"}, "kind"),
            ("w3", {"place_id": "n 1"}, "place_id"),
        ):
            status, data = await _post(port, ta, {**gone, "key": key, **extra})
            assert status == 400 and data["field"] == field, (extra, data)
        assert {p["place_id"] for p in (await _listing(port, ta))["mapping"]["mine"]} == {
            "n1",
            "a1",
        }
        # a withdraws their need: stored once, a retried key is a duplicate, again is a no-op
        with SessionStore(db) as s:
            seqs["before"] = s.state().last_seq
        status, data = await _post(port, ta, {**gone, "key": "w4", "place_id": "n1"})
        assert status == 200 and data["duplicate"] is False and data["answered"] == 1, data
        status, data = await _post(port, ta, {**gone, "key": "w4", "place_id": "n1"})
        assert status == 200 and data["duplicate"] is True and data["answered"] == 1, data
        status, data = await _post(port, ta, {**gone, "key": "w5", "place_id": "n1"})
        assert status == 200 and data["answered"] == 1, data
        assert [p["place_id"] for p in (await _listing(port, ta))["mapping"]["mine"]] == ["a1"]
        needs = (await _listing(port, tc))["mapping"]["needs"]
        assert [n["place_id"] for n in needs] == [f"{b}-n1"]  # gone from the others' list
        # closed: no more withdrawals
        with SessionStore(db) as s:
            s.close_activity("mapping")
        deadline = 200
        while "mapping" in await _listing(port, ta) and deadline:
            deadline -= 1
            srv.poll_external()
        status, data = await _post(port, ta, {**gone, "key": "w6", "place_id": "a1"})
        assert status == 403 and data["code"] == "activity_closed", data

    serving(db, test)
    # the log is append-only: the withdrawals are events after the places, nothing removed
    with SessionStore(db) as s:
        st = s.state()
        assert st.last_seq >= seqs["before"] + 2
    inquiry = read_session(db)
    places, support = inquiry.tables["places"], inquiry.tables["support"]
    assert sorted(places.select("participant_id", "place_id").rows()) == [(0, "0-a1"), (1, "1-n1")]
    assert support.rows() == [(2, "1-n1")]  # c's support for the withdrawn need left with it
    back = export(db, tmp_path / "export", "parquet")
    assert sorted(back.tables["places"]["place_id"].to_list()) == ["0-a1", "1-n1"]
    assert back.tables["support"].height == 1


def test_the_join_answer_carries_a_small_base_and_not_a_large_one(tmp_path: Path) -> None:
    """The first open map's base comes with the join (no third round trip on a weak signal)
    when under 20 KB; a larger one is fetched from GET /api/map as before."""
    from coprod_apps.live.handlers import MAX_JOIN_MAP_BYTES

    (tmp_path / "small").mkdir()
    small = seeded(tmp_path / "small")
    big_dir = tmp_path / "big"
    big_dir.mkdir()
    folder = map_folder(big_dir)
    streets = [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {
                "type": "LineString",
                "coordinates": [[-1.27 + i * 1e-4, 51.746 + j * 1e-3] for j in range(10)],
            },
        }
        for i in range(300)
    ]
    (folder / "map.geojson").write_text(
        json.dumps({**GEOJSON, "features": [*GEOJSON["features"], *streets]})
    )
    big = big_dir / "s.db"
    with SessionStore(big, title="Big map") as s:
        s.define_activities([{**d, "open": True} for d in activities_from_folder(folder)])

    def check(db: Path, carried: bool) -> None:
        async def test(_srv: LiveServer, port: int) -> None:
            status, joined = await http(port, "POST", "/api/join", {})
            assert status == 200, joined
            act = next(a for a in joined["activities"]["activities"] if a["kind"] == "mapping")
            status, fetched = await http(
                port, "GET", "/api/map?activity_id=mapping", token=joined["token"]
            )
            assert status == 200
            size = len(json.dumps(fetched, ensure_ascii=False).encode())
            assert (size < MAX_JOIN_MAP_BYTES) is carried, size
            if carried:
                assert act["map"] == fetched  # the same answer, one round trip earlier
            else:
                assert "map" not in act
            # the listing a returning phone polls never carries it
            listing = await _listing(port, joined["token"])
            assert "map" not in listing["mapping"]

        serving(db, test)

    check(small, carried=True)
    check(big, carried=False)
