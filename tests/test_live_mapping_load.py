"""A live mapping session under load (issue 19, done-when): 100 simulated phones map places
(tapping the map or choosing an area), support needs others mapped and appraise the needs,
with a kill -9 of the server midway and a restart; what ``coprod info --json`` stores equals
what the load generator acknowledged for ``places``, ``support`` and ``appraisals``: nothing
lost, nothing counted twice."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import pytest
from test_live_inquiry_load import check_exactly_once
from test_live_priorities_load import info_tables, stored_answers
from test_live_server import Server, _refuses_connections, _wait_until

from coprod_analytics.io.load import load_inquiry
from coprod_analytics.mapping import hotspots
from coprod_apps.live.loadtest import LoadResult, run_load
from coprod_apps.live.serve import seed_session

PHONES = 100
KINDS = {"places", "support", "appraisals"}
#: Streets only (no named polygons: a tapped point keeps exactly the fields sent) and a list
#: of areas for the accessible alternative.
STREETS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": n},
            "geometry": {"type": "LineString", "coordinates": c},
        }
        for n, c in (
            ("High Street", [[-1.27, 51.745], [-1.23, 51.765]]),
            ("Mill Lane", [[-1.27, 51.765], [-1.23, 51.745]]),
        )
    ],
}


def mapping_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "town"
    folder.mkdir()
    (folder / "map.geojson").write_text(json.dumps(STREETS))
    (folder / "map_categories.csv").write_text(
        "kind,category\nneed,lighting\nneed,safety\nasset,park\nasset,library\nidea,other\n"
    )
    (folder / "map_areas.csv").write_text("area\nNorth\nSouth\nRiverside\n")
    return folder


@pytest.mark.slow
def test_a_mapping_session_of_100_phones_survives_a_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "map.db"
    line = seed_session(db, mapping_folder(tmp_path), open_activities=True)
    assert "mapping, appraisal" in line
    srv = Server(db, extra=("--priority-interval", "0"))
    out: dict[str, LoadResult] = {}

    def load() -> None:
        out["r"] = asyncio.run(
            run_load(
                srv.url,
                participants=PHONES,
                duration=400,  # a ceiling: the load ends when everyone is done
                think=(0.02, 0.1),
                seed=5,
                timeout=2,
                change=0.2,
                progress=False,
            )
        )

    t = threading.Thread(target=load)
    t.start()
    try:
        _wait_until(lambda: stored_answers(db) >= 150, "150 stored answers")
        srv.kill9()
        before = stored_answers(db)
        _wait_until(lambda: _refuses_connections(srv.port), "the killed server's port to close")
        srv.start()
        t.join(400)
        assert not t.is_alive(), "the load did not end"
    finally:
        srv.stop()
    result = out["r"]
    assert stored_answers(db) > before, "the session did not continue"
    assert result.retries > 0, "the kill did not interrupt any request"
    assert result.errors == 0, result.error_messages
    assert result.finished == PHONES
    check_exactly_once(db, result)  # 0 lost, 0 duplicated, the latest answer stored
    assert set(result.by_kind) == KINDS
    stored = info_tables(db)
    assert {k: stored[k] for k in KINDS} == result.by_kind
    assert result.by_kind["places"] == 2 * PHONES  # two places each; moved ones count once
    back = load_inquiry(db)
    assert hotspots(back, radius_m=300, min_points=3).height == result.by_kind["places"]
