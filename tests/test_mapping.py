"""Community mapping (coprod_analytics.mapping): input tables, hotspots equal to
scikit-learn's haversine DBSCAN, coverage against brute-force great-circle distances, support
with Wilson intervals (against statsmodels), appraisal rounds, who mapped, and the grid a
published map shows. Expected answers from simulate_places are marked "simulator truth"."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.mapping import (
    MAPPING_SCHEMAS,
    appraisal_change,
    coverage,
    coverage_summary,
    hotspot_summary,
    hotspots,
    needs_by_support,
    publishable_points,
    simulate_places,
    validate_appraisals,
    validate_places,
    validate_support,
    who_mapped,
)
from coprod_analytics.mapping.spatial import EARTH_RADIUS_M, first_appearance_labels
from coprod_analytics.results import Result

sklearn_cluster = pytest.importorskip("sklearn.cluster")


@pytest.fixture(scope="module")
def town():
    return simulate_places()


def _places(**cols):
    n = len(next(iter(cols.values())))
    base = {
        "participant_id": list(range(n)),
        "place_id": [f"p{i}" for i in range(n)],
        "kind": ["need"] * n,
        "category": ["safety"] * n,
    }
    return base | cols


# ------------------------------------------------------------------------------ input tables


def test_schemas_name_the_three_tables():
    assert [s.name for s in MAPPING_SCHEMAS] == ["places", "support", "appraisals"]
    places = next(s for s in MAPPING_SCHEMAS if s.name == "places")
    assert places.unique == ("place_id",)
    assert {"lat", "lon", "x", "y", "area", "text", "time"} <= set(places.optional)


def test_places_validate_and_normalise():
    t = validate_places(_places(kind=["Need ", "ASSET"], lat=["51.5", 51.6], lon=[0.1, 0.2]))
    assert t["kind"].to_list() == ["need", "asset"]
    assert t.schema["lat"] == pl.Float64
    assert t.schema["participant_id"] == pl.Int64


@pytest.mark.parametrize(
    ("cols", "match"),
    [
        (
            {"kind": ["need", "wish"], "lat": [51.0, 51.0], "lon": [0.0, 0.0]},
            r"row 2, column 'kind': expected 'asset', 'need' or 'idea'; got 'wish'",
        ),
        (
            {"lat": [51.0, 51.0], "lon": [0.0, None]},
            r"row 2, column 'lon': lat and lon come together",
        ),
        ({"lat": [51.0, 91.0], "lon": [0.0, 0.0]}, r"row 2, column 'lat': expected a value"),
        ({"lat": [51.0]}, r"column 'lat': column 'lat' needs its pair 'lon'"),
        (
            {"lat": [51.0, None], "lon": [0.0, None], "x": [None, 3.0], "y": [None, 4.0]},
            r"row 2, column 'x': a places table holds map coordinates \(lat/lon\) or plan",
        ),
        (
            {"x": [1.0, None], "y": [1.0, None]},
            r"row 2, column 'area': this place has no location|row 2, column 'lat'",
        ),
        (
            {"x": [1.0, None], "y": [1.0, None], "area": ["North", None]},
            r"row 2, column 'area': this place has no location",
        ),
    ],
)
def test_places_errors_name_row_and_column(cols, match):
    with pytest.raises(ValidationError, match=match):
        validate_places(_places(**cols))


def test_places_duplicates_and_missing_columns():
    dup = _places(x=[1.0, 2.0], y=[1.0, 2.0]) | {"place_id": ["a", "a"]}
    with pytest.raises(ValidationError, match=r"duplicate row for \(place_id='a'\)"):
        validate_places(dup)
    with pytest.raises(ValidationError, match=r"missing required column\(s\) 'category'"):
        validate_places(
            {"participant_id": [1], "place_id": [1], "kind": ["need"], "x": [1.0], "y": [1.0]}
        )


def test_area_only_places_are_allowed_and_left_out_of_the_map():
    t = validate_places(_places(x=[1.0, None], y=[1.0, None], area=["A", "B"]))
    assert hotspots(t, radius_m=5, min_points=1)["hotspot"].to_list() == [0, -1]
    assert publishable_points(t, grid_m=10, min_cell=0).n_unlocated == 1


def test_support_and_appraisals_validate():
    with pytest.raises(ValidationError, match=r"table 'support', row 2: duplicate row"):
        validate_support({"participant_id": [1, 1], "place_id": ["a", "a"]})
    with pytest.raises(ValidationError, match=r"row 1, column 'round': expected a whole number"):
        validate_appraisals(
            {"round": [1.5], "place_id": ["a"], "participant_id": [1], "need_score": [3]}
        )
    with pytest.raises(ValidationError, match=r"row 1, column 'need_score': expected a number"):
        validate_appraisals(
            {"round": [1], "place_id": ["a"], "participant_id": [1], "need_score": ["high"]}
        )


# ---------------------------------------------------------------------------------- hotspots


def _sklearn_geo(frame: pl.DataFrame, radius_m: float, min_points: int) -> np.ndarray:
    x = np.radians(frame.select("lat", "lon").to_numpy())
    model = sklearn_cluster.DBSCAN(
        eps=radius_m / 6371008.8, min_samples=min_points, metric="haversine"
    )
    return model.fit(x).labels_


def test_numbering_rule_is_first_appearance():
    assert first_appearance_labels([2, 2, -1, 0, 1, 0]).tolist() == [0, 0, -1, 1, 2, 1]


@pytest.mark.parametrize(("radius_m", "min_points"), [(100.0, 5), (60.0, 3), (300.0, 10)])
def test_hotspots_equal_sklearn_haversine_dbscan(town, radius_m, min_points):
    """Per kind and over every place: the same partition as sklearn, numbered by first
    appearance."""
    places = town.places
    together = hotspots(places, radius_m=radius_m, min_points=min_points, by=None)
    expected = first_appearance_labels(_sklearn_geo(places, radius_m, min_points))
    assert together["hotspot"].to_list() == expected.tolist()
    by_kind = hotspots(places, radius_m=radius_m, min_points=min_points)
    for kind in ("asset", "need", "idea"):
        mine = by_kind.filter(pl.col("kind") == kind)["hotspot"].to_numpy()
        ref = _sklearn_geo(places.filter(pl.col("kind") == kind), radius_m, min_points)
        assert first_appearance_labels(mine).tolist() == first_appearance_labels(ref).tolist()
    # hotspots of different kinds never share a number
    pairs = by_kind.filter(pl.col("hotspot") >= 0).select("hotspot", "kind").unique()
    assert pairs["hotspot"].n_unique() == pairs.height


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(
        st.tuples(
            st.floats(-0.004, 0.004, allow_nan=False), st.floats(-0.006, 0.006, allow_nan=False)
        ),
        min_size=1,
        max_size=60,
    ),
    radius_m=st.floats(5.0, 400.0),
    min_points=st.integers(1, 6),
    lat0=st.sampled_from([0.0, 51.5, -33.9, 64.1]),
)
def test_hotspots_property_equal_sklearn(points, radius_m, min_points, lat0):
    lat = [lat0 + p[0] for p in points]
    lon = [10.0 + p[1] for p in points]
    frame = pl.DataFrame(_places(lat=lat, lon=lon))
    mine = hotspots(frame, radius_m=radius_m, min_points=min_points)["hotspot"].to_numpy()
    ref = _sklearn_geo(frame, radius_m, min_points)
    assert mine.tolist() == first_appearance_labels(ref).tolist()
    # the numbering rule: each new hotspot number is one more than the largest before it
    seen = -1
    for lab in mine.tolist():
        if lab >= 0:
            assert lab <= seen + 1
            seen = max(seen, lab)


def test_hotspots_on_a_plan_are_euclidean_dbscan():
    rng = np.random.default_rng(3)
    xy = np.vstack(
        [rng.normal(100, 5, (12, 2)), rng.normal(300, 5, (8, 2)), rng.uniform(0, 400, (10, 2))]
    )
    frame = pl.DataFrame(_places(x=xy[:, 0].tolist(), y=xy[:, 1].tolist()))
    mine = hotspots(frame, radius_m=12.0, min_points=4)["hotspot"].to_numpy()
    ref = sklearn_cluster.DBSCAN(eps=12.0, min_samples=4).fit(xy).labels_
    assert mine.tolist() == first_appearance_labels(ref).tolist()
    assert mine.max() >= 1


def test_hotspots_recover_the_planted_ones(town):
    """Simulator truth: six planted hotspots, each found whole, and no other hotspot."""
    labelled = hotspots(town.places, radius_m=100, min_points=5)
    joined = labelled.join(town.truth, on="place_id")
    assert labelled["hotspot"].n_unique() - 1 == town.planted.height  # -1 and six hotspots
    for name, n in town.planted.select("planted", "n_places").iter_rows():
        found = joined.filter(pl.col("planted") == name)["hotspot"]
        assert found.n_unique() == 1 and found[0] >= 0, name
        assert joined.filter(pl.col("hotspot") == found[0]).height == n
    summary = hotspot_summary(labelled)
    for row in summary.iter_rows(named=True):
        planted = town.planted.filter(
            (pl.col("kind") == row["kind"]) & (pl.col("category") == row["category"])
        ).row(0, named=True)
        d = _haversine_m(row["lat"], row["lon"], planted["lat"], planted["lon"])
        assert d < 30  # the centre of 15-22 places spread 35 m around the planted centre


def test_hotspot_summary_suppresses_hotspots_of_few_people():
    lat = [51.75 + 0.00005 * i for i in range(6)]
    frame = pl.DataFrame(_places(lat=lat, lon=[-1.25] * 6) | {"participant_id": [1, 1, 1, 2, 2, 2]})
    summary = hotspot_summary(hotspots(frame, radius_m=50, min_points=3), min_cell=5)
    assert summary.select("n_places", "n_people", "lat", "lon").row(0) == (None,) * 4


def test_hotspots_parameters_are_checked(town):
    with pytest.raises(ParameterError, match="The 'radius_m' parameter of hotspots must be"):
        hotspots(town.places, radius_m=0)
    with pytest.raises(ParameterError, match="The 'min_points' parameter of hotspots must be"):
        hotspots(town.places, min_points=0)


# ---------------------------------------------------------------------------------- coverage


def _haversine_m(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def test_coverage_equals_brute_force_great_circle(town):
    places = town.places
    cov = coverage(places, within_m=400)
    assets = places.filter(pl.col("kind") == "asset")
    needs = places.filter(pl.col("kind") == "need")
    assert cov.height == needs.height
    for need, row in zip(needs.iter_rows(named=True), cov.iter_rows(named=True), strict=True):
        same = assets.filter(pl.col("category") == need["category"])
        if same.height == 0:
            assert row["no_asset"] and row["distance_m"] is None and row["covered"] is None
            continue
        d = [
            _haversine_m(need["lat"], need["lon"], a, b)
            for a, b in same.select("lat", "lon").iter_rows()
        ]
        assert row["distance_m"] == pytest.approx(min(d), abs=1e-6)
        assert row["nearest_asset_id"] == same["place_id"][int(np.argmin(d))]
        assert row["covered"] == (min(d) <= 400)


def test_coverage_youth_needs_have_no_asset(town):
    """Simulator truth: nobody maps an asset for young people."""
    summary = coverage_summary(coverage(town.places))
    youth = summary.filter(pl.col("category") == "youth").row(0, named=True)
    assert youth["no_asset"] is True and youth["median_distance_m"] is None
    assert summary.filter(pl.col("category") != "youth")["no_asset"].to_list() == [False] * (
        summary.height - 1
    )


def test_coverage_categories_map_needs_to_assets():
    t = _places(
        kind=["need", "asset"], category=["play", "park"], lat=[51.0, 51.001], lon=[0.0, 0.0]
    )
    plain = coverage(t)
    assert plain["no_asset"].to_list() == [True]
    mapped = coverage(t, categories={"play": ["park", "playground"]})
    assert mapped["nearest_asset_id"].to_list() == ["p1"]
    assert mapped["distance_m"][0] == pytest.approx(_haversine_m(51.0, 0.0, 51.001, 0.0))


# ---------------------------------------------------------------------------- support, rounds


def test_needs_by_support_wilson_equals_statsmodels(town):
    from statsmodels.stats.proportion import proportion_confint

    res = needs_by_support(town.places, town.support, alpha=0.1)
    t = res.table
    lo, hi = proportion_confint(t["supporters"].to_numpy(), res.n_participants, 0.1, "wilson")
    np.testing.assert_allclose(t["ci_low"].to_numpy(), lo, atol=1e-12)
    np.testing.assert_allclose(t["ci_high"].to_numpy(), hi, atol=1e-12)
    assert t["supporters"].to_list() == sorted(t["supporters"].to_list(), reverse=True)
    # supporters counted by hand: support rows plus the mapper, each person once
    need = t.row(0, named=True)
    backers = set(town.support.filter(pl.col("place_id") == need["place_id"])["participant_id"])
    backers |= set(town.places.filter(pl.col("place_id") == need["place_id"])["participant_id"])
    assert need["supporters"] == len(backers)
    ci = res.conf_int(alpha=0.1)
    assert ci.columns[-3:] == ["ci_low", "ci_high", "alpha"]


def test_most_supported_needs_are_at_the_crossing(town):
    """Simulator truth: the crossing's safety needs are backed three times as often."""
    top = needs_by_support(town.places, town.support).table.head(10)
    planted = top.join(town.truth, on="place_id")["planted"].to_list()
    assert planted.count("crossing") >= 6


def test_support_for_an_unknown_need_is_an_error(town):
    bad = pl.DataFrame({"participant_id": [1], "place_id": ["nowhere"]})
    with pytest.raises(ValidationError, match=r"table 'support', row 1, column 'place_id'"):
        needs_by_support(town.places, bad)


def test_appraisal_change_uses_the_paired_tests(town):
    from scipy import stats

    res = appraisal_change(town.appraisals)
    a = town.appraisals
    for row in res.table.iter_rows(named=True):
        one = a.filter((pl.col("place_id") == row["place_id"]) & (pl.col("round") == 1))
        two = a.filter((pl.col("place_id") == row["place_id"]) & (pl.col("round") == 2))
        both = one.join(two, on="participant_id", suffix="_2")
        assert row["need_n_pairs"] == both.height
        assert row["need_change"] == pytest.approx(
            (both["need_score_2"] - both["need_score"]).mean()
        )
        ref = stats.ttest_rel(both["need_score_2"].to_numpy(), both["need_score"].to_numpy())
        assert row["need_p_value"] == pytest.approx(ref.pvalue)
    ci = res.conf_int()
    assert ci.columns == ["place_id", "measure", "estimate", "ci_low", "ci_high", "alpha"]
    assert ci.height == 2 * res.table.height


def test_appraisal_change_finds_the_planted_change(town):
    """Simulator truth: two needs less pressing with more achieved, one more pressing."""
    res = appraisal_change(town.appraisals)
    got = dict(res.table.select("place_id", "status").iter_rows())
    for row in town.needs.iter_rows(named=True):
        d = row["planted_need_change"]
        want = "less pressing" if d < 0 else "more pressing" if d > 0 else "no clear change"
        assert got[row["place_id"]] == want
        ach = res.table.filter(pl.col("place_id") == row["place_id"])["achievement_change"][0]
        assert ach == pytest.approx(row["planted_achievement_change"], abs=1.0)


def test_appraisal_change_needs_two_rounds():
    one: dict[str, list[object]] = {
        "round": [1],
        "place_id": ["a"],
        "participant_id": [1],
        "need_score": [3],
    }
    with pytest.raises(ValidationError, match="needs appraisals from two rounds"):
        appraisal_change(pl.DataFrame(one))
    two = pl.DataFrame({k: v * 2 for k, v in one.items()} | {"round": [1, 2]})
    with pytest.raises(ParameterError, match="The 'first' parameter of appraisal_change"):
        appraisal_change(two, first=3)


# -------------------------------------------------------------------------------- who mapped


def test_who_mapped_finds_the_area_nobody_mapped(town):
    """Simulator truth: nobody maps Riverside; the over-65s are under-represented."""
    res = who_mapped(town.inquiry())
    assert res.unmapped == ("Riverside",)
    assert res.areas["area"].to_list()[:6] == list(
        town.population.filter(pl.col("attribute") == "area")["category"]
    )
    mappers = town.places["participant_id"].n_unique()
    assert res.n_mappers == mappers
    age = res.representation.filter(pl.col("attribute") == "age_band")
    assert dict(age.select("category", "status").iter_rows())["65+"] == "under"


def test_who_mapped_reuses_compare_to_population(town):
    from coprod_analytics.deliberation import compare_to_population

    res = who_mapped(town.places, participants=town.participants, population=town.population)
    mappers = town.participants.filter(
        pl.col("participant_id").is_in(town.places["participant_id"].implode())
    )
    ref = compare_to_population(mappers, town.population, attribute="age_band")
    mine = res.representation.filter(pl.col("attribute") == "age_band")
    assert mine["n"].to_list() == ref.table["n"].to_list()
    assert res.tests["age_band"]["statistic"] == pytest.approx(ref.statistic)


def test_who_mapped_suppresses_areas_of_few_people():
    t = _places(area=["North"] * 6 + ["South"] * 2, x=[1.0] * 8, y=[1.0] * 8)
    res = who_mapped(pl.DataFrame(t), areas=["North", "South", "East"])
    rows = res.areas.select("area", "n_people", "n_places", "status").rows()
    assert rows == [
        ("North", 6, 6, "mapped"),
        ("South", None, None, "few people"),
        ("East", 0, 0, "nobody mapped"),
    ]
    assert res.unmapped == ("East",)
    with pytest.raises(ValidationError, match="column 'area'"):
        who_mapped(pl.DataFrame(_places(x=[1.0], y=[1.0])))


# ------------------------------------------------------------------------ publishable points


def test_publishable_points_never_show_a_person_or_a_point(town):
    res = publishable_points(town.places, grid_m=250, min_cell=5)
    assert res.frame.height > 0
    assert (res.frame["n_people"] >= 5).all()
    points = set(town.places.select("lat", "lon").iter_rows())
    assert not points & set(res.frame.select("lat", "lon").iter_rows())
    # every published count is the true count of its cell (nothing shifted between cells)
    assert res.frame["n_places"].sum() + 0 <= town.places.height
    assert res.n_suppressed > 0 and "not shown" in res.note


@settings(max_examples=40, deadline=None)
@given(
    xy=st.lists(
        st.tuples(
            st.floats(0, 100, allow_nan=False),
            st.floats(0, 100, allow_nan=False),
            st.integers(0, 8),
        ),
        min_size=1,
        max_size=80,
    ),
    grid=st.floats(5, 60),
    min_cell=st.integers(0, 6),
)
def test_publishable_points_property(xy, grid, min_cell):
    frame = pl.DataFrame(
        _places(x=[p[0] for p in xy], y=[p[1] for p in xy]) | {"participant_id": [p[2] for p in xy]}
    )
    res = publishable_points(frame, grid_m=grid, min_cell=min_cell, by=None)
    # brute force: people per cell
    cells: dict[tuple[int, int], set[int]] = {}
    for x, y, who in xy:
        cells.setdefault((math.floor(y / grid), math.floor(x / grid)), set()).add(who)
    keep = {c for c, people in cells.items() if len(people) >= min_cell or len(people) == 0}
    assert res.frame.height == len(keep)
    assert res.n_suppressed == len(cells) - len(keep)
    for row in res.frame.iter_rows(named=True):
        r, c = (int(v) for v in row["cell"].split(":"))
        assert row["n_people"] == len(cells[(r, c)])
        assert row["x"] == pytest.approx((c + 0.5) * grid)


def _great_circle_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    (la1, lo1), (la2, lo2) = (tuple(math.radians(v) for v in p) for p in (a, b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


_JITTER_INPUT = st.lists(
    st.tuples(
        st.floats(0, 1, allow_nan=False), st.floats(0, 1, allow_nan=False), st.integers(0, 8)
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(
    xy=_JITTER_INPUT,
    system=st.sampled_from(["plan", "geo"]),
    scale=st.sampled_from([1.0, 1e-3, 100.0]),
    grid=st.floats(0.05, 0.5),
    radius=st.floats(1e-3, 0.5),
    min_cell=st.integers(0, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_jittered_points_are_never_mapped_points_and_stay_within_the_radius(
    xy, system, scale, grid, radius, min_cell, seed
):
    """Hypothesis: no published point equals an input point; every published point lies
    within radius_m of an input point of its cell; small cells are left out."""
    # a plan of 0..100 units, or a town of about 1 km (scale: a street, a town, a region)
    if system == "plan":
        pts = [(x * 100 * scale, y * 100 * scale) for x, y, _ in xy]
        cols = {"x": [p[0] for p in pts], "y": [p[1] for p in pts]}
        grid_m, radius_m = grid * 100 * scale, radius * 100 * scale
    else:
        pts = [(51.75 + y * 0.01 * scale, -1.26 + x * 0.01 * scale) for x, y, _ in xy]
        cols = {"lat": [p[0] for p in pts], "lon": [p[1] for p in pts]}
        grid_m, radius_m = grid * 1000 * scale, radius * 1000 * scale
    frame = pl.DataFrame(_places(**cols) | {"participant_id": [p[2] for p in xy]})
    res = publishable_points(
        frame,
        method="jitter",
        grid_m=grid_m,
        radius_m=radius_m,
        min_cell=min_cell,
        by=None,
        seed=seed,
    )
    assert res.method == "jitter" and res.radius_m == radius_m
    assert f"up to {radius_m:g}" in res.note
    grid_res = publishable_points(frame, grid_m=grid_m, min_cell=min_cell, by=None)
    cells_of = dict(zip(grid_res.frame["cell"], grid_res.frame["n_places"], strict=True))
    a, b = ("x", "y") if system == "plan" else ("lat", "lon")
    # the input points by cell (the grid's own cells)
    by_cell: dict[str, list[tuple[float, float]]] = {}
    from coprod_analytics.mapping.publish import grid_cells

    arr = np.array(pts, dtype=float)
    cell, _ = grid_cells(arr, system, grid_m)
    for (r, c), p in zip(cell.tolist(), pts, strict=True):
        by_cell.setdefault(f"{r}:{c}", []).append(p)
    inputs = set(pts)
    # exactly the places of the published cells, each once
    assert res.frame.height == sum(cells_of.values())
    for row in res.frame.iter_rows(named=True):
        q = (row[a], row[b])
        assert q not in inputs
        assert row["cell"] in cells_of
        near = by_cell[row["cell"]]
        dist = (
            min(math.hypot(q[0] - p[0], q[1] - p[1]) for p in near)
            if system == "plan"
            else min(_great_circle_m(q, p) for p in near)
        )
        assert dist <= radius_m * (1 + 1e-9)
    # the same seed, the same map
    again = publishable_points(
        frame,
        method="jitter",
        grid_m=grid_m,
        radius_m=radius_m,
        min_cell=min_cell,
        by=None,
        seed=seed,
    )
    assert again.frame.equals(res.frame)


def test_jitter_on_the_town_and_its_bad_parameters(town):
    res = publishable_points(town.places, method="jitter", radius_m=80.0, min_cell=5)
    grid = publishable_points(town.places, min_cell=5)
    assert res.frame.height == grid.frame["n_places"].sum() and (res.frame["n_people"] >= 5).all()
    assert res.n_suppressed == grid.n_suppressed
    assert not set(town.places.select("lat", "lon").iter_rows()) & set(
        res.frame.select("lat", "lon").iter_rows()
    )
    assert "up to 80 m (jitter)" in res.note and "points jittered" in res.summary()
    assert res.provenance is not None and res.provenance.parameters["radius_m"] == 80.0
    other = publishable_points(town.places, method="jitter", radius_m=80.0, seed=1)
    assert not other.frame.equals(res.frame)
    assert publishable_points(town.places, method="jitter").radius_m == 125.0  # grid_m / 2
    for kwargs, name in (
        ({"method": "blur"}, "method"),
        ({"method": "jitter", "radius_m": 0}, "radius_m"),
        ({"method": "jitter", "radius_m": float("nan")}, "radius_m"),
        ({"radius_m": 50.0}, "radius_m"),  # a radius with the grid
    ):
        with pytest.raises(ParameterError, match=name):
            publishable_points(town.places, **kwargs)


# ----------------------------------------------------------------------------- result protocol


def test_results_follow_the_protocol(town):
    inquiry = town.inquiry()
    results: list[Any] = [
        needs_by_support(inquiry),
        appraisal_change(inquiry),
        who_mapped(inquiry),
        publishable_points(inquiry),
        town,
    ]
    for res in results:
        assert Result in type(res).__mro__
        assert "\n" not in repr(res) and repr(res).startswith(f"<{type(res).__name__}: ")
        assert isinstance(res.to_frame(), pl.DataFrame)
        assert res.summary()
        assert "<table>" in res._repr_html_()
        assert res.provenance is not None
    assert results[0].provenance.parameters["alpha"] == 0.05
    assert town.provenance.seed == 0


def test_simulator_is_reproducible():
    a, b = simulate_places(seed=3), simulate_places(seed=3)
    assert a.places.equals(b.places) and a.appraisals.equals(b.appraisals)
    assert not a.places.equals(simulate_places(seed=4).places)


def test_a_places_file_names_file_line_and_column(tmp_path):
    from coprod_analytics.io.inputs import read_input

    validate_places(_places(x=[1.0], y=[1.0]))  # the mapping kinds are known from here on
    f = tmp_path / "places.csv"
    f.write_text(
        "participant_id,place_id,kind,category,lat,lon\n"
        "1,a,need,safety,51.75,-1.25\n"
        "2,b,asset,park,95.0,-1.25\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match=r"places\.csv, line 3, column 'lat'"):
        read_input("places", f)


def test_appraisal_change_without_achievement_scores():
    a = pl.DataFrame(
        {
            "round": [1] * 5 + [2] * 5,
            "place_id": ["n1"] * 10,
            "participant_id": list(range(5)) * 2,
            "need_score": [8, 9, 7, 8, 9, 8, 9, 7, 9, 8],
        }
    )
    res = appraisal_change(a)
    assert res.achievement is None and "achievement_change" not in res.table.columns
    assert res.table["status"].to_list() == ["no clear change"]
    assert res.conf_int()["measure"].to_list() == ["need"]
