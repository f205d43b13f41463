"""Points assigned to areas from GeoJSON polygons (issue 19): a phone that taps the map gives
a point, not an area; who mapped which area is then found by point in polygon."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from coprod_analytics import load_inquiry
from coprod_analytics.errors import ValidationError
from coprod_analytics.mapping import assign_areas, simulate_places, who_mapped
from coprod_analytics.mapping.areas import area_polygons, points_in_polygon
from coprod_analytics.session.mapping_base import area_at, base_from_geojson
from coprod_widgets.mapping.state import MappingState


@pytest.fixture(scope="module")
def town():  # type: ignore[no-untyped-def]
    return simulate_places()


def test_points_get_the_simulators_areas(town) -> None:  # type: ignore[no-untyped-def]
    # expected: the simulator's own area of each point (its planted truth)
    bare = town.places.drop("area")
    got = assign_areas(bare, town.areas_geojson)
    assert got.columns == [*bare.columns, "area"]
    assert got["area"].to_list() == town.places["area"].to_list()
    # an area already given is kept unless overwrite
    given_ = town.places.with_columns(pl.lit("Elsewhere").alias("area"))
    assert set(assign_areas(given_, town.areas_geojson)["area"]) == {"Elsewhere"}
    assert assign_areas(given_, town.areas_geojson, overwrite=True)["area"].to_list() == (
        town.places["area"].to_list()
    )


def test_who_mapped_finds_the_areas_of_points(town) -> None:  # type: ignore[no-untyped-def]
    with_areas = who_mapped(town.places, min_cell=0)
    bare = who_mapped(town.places.drop("area"), polygons=town.areas_geojson, min_cell=0)
    assert "Riverside" in bare.unmapped  # nobody maps it (simulator truth)
    assert_frame_equal(
        bare.areas.filter(pl.col("n_people") > 0).sort("area"),
        with_areas.areas.sort("area"),
    )
    with pytest.raises(ValidationError, match="area"):
        who_mapped(town.places.drop("area"))  # no area and no polygons: said plainly


def test_an_inquiry_folder_with_a_map_counts_people_per_area(
    town,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    folder = tmp_path / "inquiry"
    folder.mkdir()
    town.places.drop("area").write_csv(folder / "places.csv")
    (folder / "map.geojson").write_text(json.dumps(town.areas_geojson))
    inq = load_inquiry(folder)
    res = who_mapped(inq, min_cell=0)
    assert res.unmapped == ("Riverside",)
    assert res.areas["n_places"].sum() == town.places.height
    state = MappingState(inq)  # the report's state counts the areas too
    assert state.who is not None and state.who.unmapped == ("Riverside",)


RING = [[0.0, 0.0], [6.0, 0.0], [6.0, 5.0], [3.0, 2.5], [0.0, 5.0], [0.0, 0.0]]
HOLE = [[1.0, 0.5], [2.0, 0.5], [2.0, 1.5], [1.0, 1.5], [1.0, 0.5]]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-1, 7, allow_nan=False), st.floats(-1, 6, allow_nan=False)),
        min_size=1,
        max_size=40,
    )
)
def test_vectorised_points_in_polygon_equal_the_live_areas_scalar_rule(
    pts: list[tuple[float, float]],
) -> None:
    # the same even-odd rule the live mapping activity uses for one tapped point
    base = {
        "polygons": [{"area": "A", "rings": [RING, HOLE]}],
    }
    xs = np.array([p[0] for p in pts])
    ys = np.array([p[1] for p in pts])
    got = points_in_polygon(xs, ys, [np.array(RING), np.array(HOLE)])
    assert got.tolist() == [area_at(base, x, y) == "A" for x, y in pts]


def test_malformed_polygons_are_named() -> None:
    bad = {"type": "Feature", "properties": {"area": "X"},
           "geometry": {"type": "Polygon", "coordinates": [["a", "b", "c"]]}}  # fmt: skip
    with pytest.raises(ValidationError, match=r"map\.geojson.*feature 1"):
        area_polygons(bad)
    # a base the live activity reads gives the same named polygons
    good = {"type": "Feature", "properties": {"area": "X"},
            "geometry": {"type": "Polygon", "coordinates": [RING]}}  # fmt: skip
    assert [n for n, _ in area_polygons(good)] == [
        p["area"] for p in base_from_geojson(good)["polygons"]
    ]
