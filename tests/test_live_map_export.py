"""`coprod session export` of a mapping session (issue 19): the map's tables and its files
(categories, areas, the base GeoJSON or plan) are written back, the folder loads with
``load_inquiry`` with the same tables, serves the same map again, and its report shows the
"Community map" over the base."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_live_map_panel import mapped_session

from coprod_analytics import load_inquiry
from coprod_analytics.cli.session import export_session
from coprod_analytics.errors import CoprodError
from coprod_analytics.session import SessionStore, read_session
from coprod_analytics.session.activities import activities_from_folder
from coprod_widgets.mapping.report import CommunityMapSection
from coprod_widgets.report.builder import build_report
from coprod_widgets.report.context import ReportContext

ROOT = Path(__file__).resolve().parents[1]


def _appraised(tmp_path: Path) -> Path:
    db, ids = mapped_session(tmp_path, people=8)
    with SessionStore(db) as s:
        # a statement and a vote: a Pol.is folder needs a comment (a session of a map alone
        # exports as a Parquet folder; see the report)
        s.add_statements(["Light the park paths"])
        s.record_vote(ids[0], 0, 1)
        s.moderate_place("mapping", f"{ids[0]}-n", accept=True)
        s.moderate_place("mapping", f"{ids[1]}-n", accept=False)
        s.open_activity("appraisal")
        needs = [it["item_id"] for it in s.state().activities["appraisal"].pool()][:2]
        for rnd in (1, 2):
            for j, p in enumerate(ids):
                for need in needs:
                    score = 4 - (rnd - 1) * (1 + j % 2)
                    s.record_answer(
                        p, "appraisal", need, {"need_score": score, "achievement_score": rnd}
                    )
            if rnd == 1:
                s.next_round("appraisal")
    return db


def _sorted(t: pl.DataFrame, *keys: str) -> pl.DataFrame:
    return t.sort(*keys)


@pytest.mark.parametrize("fmt", ["polis", "parquet"])
def test_the_export_round_trips_the_map(tmp_path: Path, fmt: str) -> None:
    db = _appraised(tmp_path)
    live = read_session(db)
    out = tmp_path / f"out-{fmt}"
    export_session(db, out, format=fmt)
    names = {p.name for p in out.iterdir()}
    assert {"map.geojson", "map_categories.csv", "map_areas.csv"} <= names
    back = load_inquiry(out)
    for name, keys in (
        ("places", ("place_id",)),
        ("support", ("participant_id", "place_id")),
        ("appraisals", ("round", "place_id", "participant_id")),
    ):
        assert_frame_equal(
            _sorted(back.tables[name], *keys),
            _sorted(live.tables[name], *keys),
            check_dtypes=False,
        )
    # a rejected text is not written; an approved one is
    texts = back.tables["places"]["text"].to_list()
    assert "Dark corner 0" in texts and "Dark corner 1" not in texts
    # the folder defines the same map again (categories, areas, base)
    again = {d["kind"]: d for d in activities_from_folder(out)}
    with SessionStore(db) as s:
        before = s.state().activities["mapping"].settings
    s_again = again["mapping"]["settings"]
    for key in ("system", "bounds", "categories", "areas", "base"):
        assert s_again[key] == before[key], key
    # and its report shows the Community map drawn over the base
    page = build_report(back, options={"opinion_groups": {"bridging": False}})
    assert "Community map" in page and "Needs and achievements between rounds" in page
    section = CommunityMapSection().render(ReportContext(back))
    assert '"name":"layer 1"' in section.replace('": "', '":"')  # the base's lines, drawn
    assert "Dark corner 1" not in page


def test_a_plan_image_is_written_back_and_force_replaces_an_export(tmp_path: Path) -> None:
    folder = tmp_path / "inquiry"
    folder.mkdir()
    (folder / "map_categories.csv").write_text("kind,category\nneed,seating\nasset,cafe\n")
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a1b5b5450000000049454e44ae426082"
    )
    (folder / "hall.png").write_bytes(png)
    (folder / "map_plan.json").write_text(json.dumps({"image": "hall.png", "width": 40,
                                                      "height": 30}))  # fmt: skip
    db = tmp_path / "s.db"
    with SessionStore(db) as s:
        s.define_activities([{**d, "open": True} for d in activities_from_folder(folder)])
        s.add_statements(["More seating"])
        for i in range(3):
            p = s.join()
            s.record_vote(p, 0, 1)
            s.record_answer(
                p, "mapping", "place",
                {"place_id": "a", "kind": "need", "category": "seating", "x": 5.0 + i, "y": 7.0},
            )  # fmt: skip
    out = tmp_path / "out"
    export_session(db, out)
    assert (out / "map_plan.png").read_bytes() == png
    spec = json.loads((out / "map_plan.json").read_text())
    assert spec == {"width": 40.0, "height": 30.0, "image": "map_plan.png"}
    again = {d["kind"]: d for d in activities_from_folder(out)}["mapping"]["settings"]
    with SessionStore(db) as s:
        assert again["base"] == s.state().activities["mapping"].settings["base"]
    assert load_inquiry(out).tables["places"]["x"].to_list() == [5.0, 6.0, 7.0]
    with pytest.raises(CoprodError, match="already exists"):
        export_session(db, out)
    export_session(db, out, force=True)  # a folder of a previous export (map files too)
    # from the command line, as a facilitator would
    out2 = tmp_path / "out2"
    done = subprocess.run(
        [sys.executable, "-m", "coprod_analytics.cli", "session", "export", str(db), "-o",
         str(out2)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (out2 / "map_plan.png").exists() and (out2 / "places.csv").exists()
