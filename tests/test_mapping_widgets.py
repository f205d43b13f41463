"""The community map in the widgets: state (set traits, assert state), view, figures, the
"Community map" report section (audited for small cells, and opened offline in a real
Chromium with every request to another host recorded), and the notebook on the simulated
town. Expected answers from simulate_places are marked "simulator truth"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from coprod_analytics.inquiry import Inquiry
from coprod_analytics.mapping import simulate_places

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")

from coprod_widgets.mapping.figures import map_figure
from coprod_widgets.mapping.report import SECTIONS, CommunityMapSection
from coprod_widgets.mapping.state import MappingState, has_places
from coprod_widgets.mapping.views import PANELS, MappingView
from coprod_widgets.report import build_report
from coprod_widgets.report.context import ProvenanceSection, ReportContext


@pytest.fixture(scope="module")
def town():
    return simulate_places()


@pytest.fixture(scope="module")
def state(town):
    return MappingState(town.inquiry(), layers=[town.areas_geojson])


def test_state_holds_published_tables_only(state, town):
    """Simulator truth: six hotspots; Riverside unmapped; the crossing's needs supported most."""
    assert state.hotspot_table.height == 6
    assert (state.grid.frame["n_people"] >= 5).all()
    assert state.support_table["supporters"].min() >= 5
    assert state.who is not None and state.who.unmapped == ("Riverside",)
    assert state.change is not None
    statuses = dict(state.change_table.select("place_id", "status").iter_rows())
    for row in town.needs.iter_rows(named=True):
        d = row["planted_need_change"]
        assert statuses[row["place_id"]] == (
            "less pressing" if d < 0 else "more pressing" if d > 0 else "no clear change"
        )


def test_setting_traits_recomputes(town):
    s = MappingState(town.inquiry())
    before = s.grid.frame.height
    s.grid_m = 600.0
    assert s.grid.grid_m == 600.0 and s.grid.frame.height != before
    s.radius_m = 30.0
    assert s.hotspot_table.height == 5  # simulator truth: one planted hotspot falls apart
    s.within_m = 5000.0
    covered = s.coverage_table.filter(pl.col("no_asset").not_())["share_covered"].to_list()
    assert covered == [1.0] * len(covered)


def test_min_cell_hides_small_cells(town):
    strict = MappingState(town.inquiry(), min_cell=20)
    assert (strict.grid.frame["n_people"] >= 20).all()
    hidden = strict.hotspot_table.filter(pl.col("n_people").is_null())
    assert hidden.height >= 1 and hidden["lat"].null_count() == hidden.height
    assert any("fewer than 20" in n for n in strict.notes)


def test_view_draws_the_state(state):
    view = MappingView(state)
    traces = view.map.data
    assert {t.type for t in traces} == {"scatter"}
    names = [t.name for t in traces]
    assert "needs (cells)" in names and "assets (cells)" in names and "hotspot centres" in names
    assert "Areas nobody mapped: Riverside." in view.who.value
    assert '<details class="alt">' in view.map_alt.value
    view.min_points.value = 12
    assert state.min_points == 12
    assert "at least 12 places" in view.hotspots.value
    state.min_points = 5


def test_map_draws_no_single_point_and_no_base_map(town, state):
    fig = map_figure(state.grid, hotspots=state.hotspot_table, layers=[town.areas_geojson])
    layout = fig.to_dict()["layout"]
    assert not {"geo", "mapbox", "map"} & set(layout)
    points = set(town.places.select("lon", "lat").iter_rows())
    for trace in fig.data:
        if trace.mode and "markers" in trace.mode:
            drawn = set(zip(trace.x, trace.y, strict=True))
            assert not drawn & points


def test_panel_applies_only_with_places(town):
    (panel,) = PANELS
    assert panel.title == "Community map"
    assert panel.applies(town.inquiry()) and not panel.applies(Inquiry())
    assert not has_places(Inquiry())
    assert isinstance(panel.build(town.inquiry(), min_cell=5), MappingView)


def test_report_section_passes_the_small_cell_audit(town, tmp_path):
    from coprod_widgets.report.audit import audit_report

    (section,) = SECTIONS
    assert section.title == "Community map"
    page = build_report(
        town.inquiry(),
        sections=[section, ProvenanceSection()],
        options={"mapping": {"layers": [town.areas_geojson]}},
    )
    assert '<section id="community-map"' in page
    out = tmp_path / "map.html"
    out.write_text(page, encoding="utf-8")
    audit = audit_report(out, min_cell=5)
    assert audit.passed, audit.findings
    # no person's point in the page: neither coordinates nor place ids of the table
    for lat, lon in town.places.select("lat", "lon").head(40).iter_rows():
        assert f"{lat}" not in page or f"{lon}" not in page
    assert "parameters of publishable_points" in page


def test_report_section_applies_whenever_places_are_held(town):
    section = CommunityMapSection()
    only_places = Inquiry(
        tables={
            "places": town.places.select(
                "participant_id", "place_id", "kind", "category", "lat", "lon"
            )
        }
    )
    ctx = ReportContext(only_places)
    assert section.applies(ctx)
    body = section.render(ctx)
    assert "Hotspots" in body and "Most supported needs" in body
    assert "Places and people per area" not in body  # no area column: who mapped is left out
    assert not section.applies(ReportContext(Inquiry()))


def test_report_section_reads_its_parameters_from_options(town):
    ctx = ReportContext(town.inquiry(), options={"mapping": {"radius_m": 30.0, "grid_m": 500.0}})
    body = CommunityMapSection().render(ctx)
    assert "within 30 m" in body and "cells of 500 m" in body


# ------------------------------------------------------------------------------ real browser


@pytest.mark.browser
def test_static_map_opens_offline_with_no_request_to_another_host(town, tmp_path):
    from browser import launch, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    page_path = tmp_path / "map.html"
    page_path.write_text(
        build_report(
            town.inquiry(),
            sections=[CommunityMapSection(), ProvenanceSection()],
            options={"mapping": {"layers": [town.areas_geojson]}},
        ),
        encoding="utf-8",
    )
    requested: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            ctx = browser.new_context(offline=True)

            def route(r: Any) -> None:
                if r.request.url.startswith("file://"):
                    r.continue_()
                else:
                    requested.append(r.request.url)
                    r.abort()

            ctx.route("**/*", route)
            page = ctx.new_page()
            page.goto(page_path.as_uri())
            page.wait_for_selector("#community-map .js-plotly-plot .scatterlayer .trace")
            traces = page.locator("#community-map .js-plotly-plot .scatterlayer .trace")
            assert traces.count() >= 4
            assert "Riverside" in page.inner_text("#community-map")
            ctx.close()
        finally:
            browser.close()
    assert requested == []


# ---------------------------------------------------------------------------------- notebook


def test_notebook_runs_on_the_simulated_town():
    pytest.importorskip("nbclient")
    from test_notebooks import run_notebook

    nb: Any = run_notebook("mapping.ipynb", {})
    text = "\n".join(
        json.dumps(out.get("data", {}).get("text/plain", out.get("text", "")))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    assert "errorname" not in json.dumps([c.get("outputs", []) for c in nb.cells])
    assert re.search(r"6 hotspots|hotspot\W+6", text)  # simulator truth
    assert "Riverside" in text
    assert Path(__file__).resolve().parents[1].joinpath("notebooks", "mapping.ipynb").exists()


def test_a_plan_image_is_drawn_in_plan_units():
    import numpy as np

    rng = np.random.default_rng(0)
    n = 40
    xy = np.vstack([rng.normal(100, 4, (20, 2)), rng.normal(300, 4, (20, 2))])
    places = pl.DataFrame(
        {
            "participant_id": list(range(n)),
            "place_id": [f"p{i}" for i in range(n)],
            "kind": ["need"] * 20 + ["asset"] * 20,
            "category": ["play"] * n,
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )
    state = MappingState(Inquiry(tables={"places": places}))
    assert state.plan and state.hotspot_table.height == 2
    state.radius_m, state.grid_m = 20.0, 50.0
    body = CommunityMapSection().render(ReportContext(Inquiry(tables={"places": places})))
    assert "plan units" in body and "great-circle" not in body
    fig = map_figure(state.grid, hotspots=state.hotspot_table)
    assert fig.layout.yaxis.scaleratio == 1.0
    assert set(state.grid.frame.columns) >= {"x", "y", "n_people"}


def _plan_places() -> pl.DataFrame:
    """A plan 300 wide, 200 tall: one place near the top of the image (y 20), two near
    the bottom (y 180), in one column of cells."""
    return pl.DataFrame(
        {
            "participant_id": [1, 2, 3],
            "place_id": ["a", "b", "c"],
            "kind": ["need"] * 3,
            "category": ["safety"] * 3,
            "x": [150.0, 150.0, 151.0],
            "y": [20.0, 180.0, 181.0],
        }
    )


def test_a_plan_points_down_in_the_figure_as_on_the_projector_and_the_phone() -> None:
    """The same two cells of a plan, drawn by the plotly map and the projector's SVG: the
    one at the top of the plan's image (small y) is above the other in both."""
    from coprod_analytics.mapping import publishable_points
    from coprod_analytics.session.panels import LivePanel
    from coprod_widgets.session.figures_mapping import map_svg

    grid = publishable_points(_plan_places(), grid_m=50.0, min_cell=0)
    top, bottom = (grid.frame.filter(pl.col("n_places") == n).row(0, named=True) for n in (1, 2))
    assert top["y"] < bottom["y"]  # image coordinates: the top cell has the smaller y

    # the projector: screen y of each cell's square, found by its tooltip
    svg = map_svg(LivePanel("m", "mapping", "Map", True, 1, 3, {}, results={"grid": grid}))
    ys = {
        int(n): float(y)
        for y, n in re.findall(r"<rect x='[^']+' y='([^']+)'[^>]*><title>(\d) places", svg)
    }
    svg_top_above = ys[1] < ys[2]

    # plotly: data y -> screen y goes down the page when the y axis is reversed
    fig = map_figure(grid)
    cells = next(tr for tr in fig.data if tr.mode == "markers")
    rank = sorted(zip(cells.y, cells.customdata, strict=True))  # by data y, ascending
    assert [c[0] for _y, c in rank] == [1, 2]  # the top cell has the smaller data y
    axis = fig.layout.yaxis
    reversed_axis = axis.autorange == "reversed" or (
        axis.range is not None and axis.range[0] > axis.range[1]
    )
    plotly_top_above = bool(reversed_axis)  # smaller y drawn higher only on a reversed axis
    assert svg_top_above and plotly_top_above

    # on a map north stays up in both (the larger latitude higher)
    geo = pl.DataFrame(
        {
            "participant_id": [1, 2, 3],
            "place_id": ["a", "b", "c"],
            "kind": ["need"] * 3,
            "category": ["safety"] * 3,
            "lat": [51.76, 51.75, 51.7501],
            "lon": [-1.25] * 3,
        }
    )
    g = publishable_points(geo, grid_m=250.0, min_cell=0)
    svg = map_svg(LivePanel("m", "mapping", "Map", True, 1, 3, {}, results={"grid": g}))
    ys = {
        int(n): float(y)
        for y, n in re.findall(r"<rect x='[^']+' y='([^']+)'[^>]*><title>(\d) places", svg)
    }
    assert ys[1] < ys[2]  # the northern cell (1 place) above
    assert map_figure(g).layout.yaxis.autorange is None  # plotly's y up: north above


def test_the_report_states_a_jittered_map_and_its_radius(town) -> None:
    ctx = ReportContext(
        town.inquiry(),
        options={"mapping": {"publish_method": "jitter", "jitter_radius_m": 60.0}},
    )
    html = CommunityMapSection().render(ctx)
    assert "moved at random by up to 60 m (jitter)" in html
    assert "class='map-method'" in html
    state = MappingState(town.inquiry())
    state.publish_method = "jitter"
    assert state.grid.method == "jitter" and state.grid.radius_m == 125.0
    fig = map_figure(state.grid)
    assert not {tuple(p) for p in town.places.select("lon", "lat").rows()} & {
        (x, y) for tr in fig.data if tr.mode == "markers" for x, y in zip(tr.x, tr.y, strict=True)
    }
