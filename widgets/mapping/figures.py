"""Figures and HTML fragments of the community map, shared by the view and the report.

The map is a plain plotly scatter on longitude (x) and latitude (y) with the axes' aspect
ratio set for the town's latitude (an equirectangular projection, exact enough across a
town), or on a plan's own x/y: no tiles, no geo base map, so neither a notebook nor an
exported report asks another host for anything. The facilitator's GeoJSON layers (area
boundaries, streets) are drawn as lines underneath. Only published grid cells
(:class:`~coprod_analytics.mapping.PublishedPoints`) and the centres of hotspots of at least
``min_cell`` people are drawn, never a person's point.

Every data string is escaped (:func:`coprod_widgets.style.esc` in HTML,
:func:`coprod_widgets.style.hover_text` in plotly labels).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl

from coprod_analytics.format import MISSING, fmt_number, fmt_p, fmt_pct
from coprod_analytics.mapping import AppraisalChange, NeedSupport, PublishedPoints, WhoMapped
from coprod_widgets.core_text import core_text
from coprod_widgets.html import alt_table, table_html
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.style import esc, hover_text

_ = gettext_for("dashboard")

__all__ = [
    "KIND_COLOURS",
    "change_html",
    "coverage_html",
    "hotspots_html",
    "map_alt",
    "map_figure",
    "support_html",
    "who_html",
]

#: Okabe-Ito colours of the kinds of place.
KIND_COLOURS = {"asset": "#009E73", "need": "#D55E00", "idea": "#0072B2"}
_LAYER_COLOUR = "#888888"
#: The kinds of place in the legend (plural), translated when drawn.
_KIND_PLURALS = {"asset": N_("assets"), "need": N_("needs"), "idea": N_("ideas")}
#: The core's words in the tables' cells (kinds of place, statuses), translated when shown.
_WORDS = {
    "asset": N_("asset"),
    "need": N_("need"),
    "idea": N_("idea"),
    "mapped": N_("mapped"),
    "nobody mapped": N_("nobody mapped"),
    "few people": N_("few people"),
    "less pressing": N_("less pressing"),
    "more pressing": N_("more pressing"),
    "no clear change": N_("no clear change"),
}


def _words(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The core's words in ``columns`` (kinds, statuses) in the current language."""
    words = {k: _(v) for k, v in _WORDS.items()}
    return frame.with_columns(
        pl.col(c).replace(words)
        for c in columns
        if c in frame.columns and frame.schema[c] == pl.String
    )


def _kind_plural(kind: Any) -> str:
    """A kind of place in the legend's words ("needs"), translated; another kind as it is."""
    return _(_KIND_PLURALS[kind]) if kind in _KIND_PLURALS else str(kind)


def _lines(geometry: dict[str, Any]) -> Iterator[list[list[float]]]:
    """The lines (lists of [lon, lat] or [x, y]) that draw a GeoJSON geometry."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "LineString":
        yield coords
    elif kind in ("Polygon", "MultiLineString"):
        yield from coords
    elif kind == "MultiPolygon":
        for polygon in coords:
            yield from polygon
    elif kind == "GeometryCollection":
        for g in geometry.get("geometries") or []:
            yield from _lines(g)


def _features(layer: dict[str, Any]) -> list[dict[str, Any]]:
    if layer.get("type") == "FeatureCollection":
        return list(layer.get("features") or [])
    if layer.get("type") == "Feature":
        return [layer]
    return [{"type": "Feature", "properties": {}, "geometry": layer}]


def _layer_traces(layers: Sequence[dict[str, Any]]) -> list[go.Scatter]:
    traces = []
    for i, layer in enumerate(layers):
        xs: list[float | None] = []
        ys: list[float | None] = []
        names_x: list[float] = []
        names_y: list[float] = []
        names: list[str] = []
        for feature in _features(layer):
            geometry = feature.get("geometry") or {}
            pts: list[list[float]] = []
            for line in _lines(geometry):
                xs.extend(float(p[0]) for p in line)
                ys.extend(float(p[1]) for p in line)
                xs.append(None)
                ys.append(None)
                pts.extend(line)
            name = (feature.get("properties") or {}).get("name")
            if name and pts and geometry.get("type") in ("Polygon", "MultiPolygon"):
                names_x.append(sum(float(p[0]) for p in pts) / len(pts))
                names_y.append(sum(float(p[1]) for p in pts) / len(pts))
                names.append(hover_text(name, width=30, max_lines=1))
        traces.append(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": _LAYER_COLOUR, "width": 1},
                hoverinfo="skip",
                name=_("layer {n}").format(n=i + 1),
                showlegend=False,
            )
        )
        if names:
            traces.append(
                go.Scatter(
                    x=names_x,
                    y=names_y,
                    mode="text",
                    text=names,
                    textfont={"color": "#555555", "size": 11},
                    hoverinfo="skip",
                    name=_("area names of layer {n}").format(n=i + 1),
                    showlegend=False,
                )
            )
    return traces


def map_figure(
    grid: PublishedPoints,
    *,
    hotspots: pl.DataFrame | None = None,
    layers: Sequence[dict[str, Any]] = (),
    height: int = 460,
    title: str | None = None,
) -> go.Figure:
    """The community map: published grid cells (or jittered points) by kind, hotspot
    centres, GeoJSON layers. North is up on a map; on a plan the y axis points down, as the
    plan's image coordinates do (the phone's map and the projector's SVG agree).

    Parameters
    ----------
    grid : PublishedPoints
        The published cells (:func:`~coprod_analytics.mapping.publishable_points`).
    hotspots : pl.DataFrame, optional
        :func:`~coprod_analytics.mapping.hotspot_summary` (suppressed rows are not drawn).
    layers : sequence of dict, optional
        GeoJSON objects (FeatureCollection, Feature or geometry) in the map's coordinates
        (``[lon, lat]``; plan units on a plan), drawn as grey lines with area names.
    height : int, default 460
    title : str, optional
        The chart's title (plotly's HTML subset: escape data with ``hover_text``); by
        default one naming what the map shows and how it keeps places private.

    Returns
    -------
    plotly.graph_objects.Figure
        Scatter traces only (no geo subplot, no tiles).

    Examples
    --------
    >>> from coprod_analytics.mapping import publishable_points, simulate_places
    >>> town = simulate_places()
    >>> fig = map_figure(publishable_points(town.places), layers=[town.areas_geojson])
    >>> sorted({trace.type for trace in fig.data}), "geo" in fig.to_dict()["layout"]
    (['scatter'], False)
    >>> fig.layout.yaxis.autorange is None  # a map: north up
    True
    """
    geo = grid.system == "geo"
    xcol, ycol = ("lon", "lat") if geo else ("x", "y")
    traces = _layer_traces(layers)
    cells = grid.frame
    kinds = (
        cells.get_column("kind").unique(maintain_order=True).to_list()
        if "kind" in cells.columns
        else [None]
    )
    biggest = max(1, int(cells.select(pl.col("n_places").max()).item() or 1)) if cells.height else 1
    jitter = grid.method == "jitter"
    for kind in sorted(
        kinds, key=lambda k: list(KIND_COLOURS).index(k) if k in KIND_COLOURS else 9
    ):
        part = cells if kind is None else cells.filter(pl.col("kind") == kind)
        label = _kind_plural(kind) if kind is not None else _("places")
        if jitter:  # each place moved at random: no counts to show, no exact point
            traces.append(
                go.Scatter(
                    x=part.get_column(xcol).to_list(),
                    y=part.get_column(ycol).to_list(),
                    mode="markers",
                    name=label,
                    marker={
                        "size": 8,
                        "color": KIND_COLOURS.get(kind or "", "#999999"),
                        "opacity": 0.75,
                    },
                    hovertemplate=f"{label}<extra></extra>",
                )
            )
            continue
        traces.append(
            go.Scatter(
                x=part.get_column(xcol).to_list(),
                y=part.get_column(ycol).to_list(),
                mode="markers",
                name=_("{kind} (cells)").format(kind=label),
                marker={
                    "size": [8 + 22 * math.sqrt(n / biggest) for n in part["n_places"]],
                    "color": KIND_COLOURS.get(kind or "", "#999999"),
                    "opacity": 0.65,
                    "symbol": "square",
                    "line": {"width": 0},
                },
                customdata=part.select("n_places", "n_people").rows(),
                hovertemplate=_("{kind}: {places} places by {people} people").format(
                    kind=label, places="%{customdata[0]}", people="%{customdata[1]}"
                )
                + "<extra></extra>",
            )
        )
    if hotspots is not None and hotspots.height:
        shown = hotspots.filter(pl.col("n_people").is_not_null())
        if shown.height:
            traces.append(
                go.Scatter(
                    x=shown.get_column(xcol).to_list(),
                    y=shown.get_column(ycol).to_list(),
                    mode="markers+text",
                    name=_("hotspot centres"),
                    text=[f"H{h}" for h in shown["hotspot"]],
                    textposition="top center",
                    marker={
                        "size": 18,
                        "symbol": "circle-open",
                        "color": [KIND_COLOURS.get(k, "#999999") for k in shown["kind"]],
                        "line": {"width": 3},
                    },
                    customdata=[
                        [hover_text(c, width=40, max_lines=1), _kind_plural(k), n]
                        for c, k, n in shown.select("category", "kind", "n_people").iter_rows()
                    ],
                    hovertemplate=_("hotspot of {kind}: {category} ({people} people)").format(
                        kind="%{customdata[1]}",
                        category="%{customdata[0]}",
                        people="%{customdata[2]}",
                    )
                    + "<extra></extra>",
                )
            )
    ys = cells.get_column(ycol).to_list() if cells.height else []
    mid = sum(ys) / len(ys) if ys else 0.0
    yaxis: dict[str, Any] = {"scaleanchor": "x", "showgrid": False, "zeroline": False}
    yaxis["scaleratio"] = 1 / max(math.cos(math.radians(mid)), 0.05) if geo else 1.0
    if not geo:  # a plan's y grows downwards, like its image (and the phone's, the projector's)
        yaxis["autorange"] = "reversed"
    if title is None:
        title = (
            _("Community map: assets, needs and ideas (moved at random)")
            if jitter
            else _("Community map: assets, needs and ideas (counted in cells)")
        )
    return go.Figure(
        traces,
        layout={
            "height": height,
            "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
            "title": {"text": title},
            "xaxis": {"visible": False},
            "yaxis": {**yaxis, "visible": False},
            "legend": {"orientation": "h", "y": -0.02},
            "plot_bgcolor": "#fafafa",
        },
    )


def map_alt(grid: PublishedPoints) -> str:
    """The text alternative of :func:`map_figure`: a sentence and the cells' table.

    Parameters
    ----------
    grid : PublishedPoints

    Returns
    -------
    str
        A ``<details class="alt">`` block.

    Examples
    --------
    >>> from coprod_analytics.mapping import publishable_points, simulate_places
    >>> "cells of 250 m" in map_alt(publishable_points(simulate_places().places))
    True
    """
    f = grid.frame
    if grid.method == "jitter":  # the cells' counts, not the moved points
        keys = [c for c in f.columns if c not in ("lat", "lon", "x", "y", "n_places", "n_people")]
        f = (
            f.group_by(keys, maintain_order=True)
            .agg(pl.len().cast(pl.Int64).alias("n_places"), pl.col("n_people").first())
            .sort(keys)
        )
    f = _words(f, "kind").rename({"n_places": _("places"), "n_people": _("people")})
    f = f.rename({k: v for k, v in _coordinates().items() if k in f.columns})
    return alt_table(f, summary=core_text(grid.note), label=_("Published map cells"))


def _coordinate(value: Any) -> str:
    return MISSING if value is None else f"{value:.4f}"


def _coordinates() -> dict[str, str]:
    """The coordinate columns' headers (their names in English)."""
    return {"lat": _("lat"), "lon": _("lon")}


def _rename(frame: pl.DataFrame) -> pl.DataFrame:
    names = {
        "n_places": _("places"),
        "n_people": _("people"),
        "n_needs": _("needs"),
        "n_assets": _("assets"),
        "median_distance_m": _("median distance (m)"),
    }
    return frame.rename({k: v for k, v in names.items() if k in frame.columns})


def _distance_words(plan: bool) -> tuple[str, str]:
    if plan:
        return _("plan units"), _("distance on the plan")
    return "m", _("great-circle distance")


def hotspots_html(
    table: pl.DataFrame, *, radius_m: float, min_points: int, plan: bool = False
) -> str:
    """The hotspots table with a sentence saying how they were found.

    Parameters
    ----------
    table : pl.DataFrame
        :func:`~coprod_analytics.mapping.hotspot_summary`.
    radius_m : float
        The DBSCAN radius.
    min_points : int
        The DBSCAN minimum number of places.
    plan : bool, default False
        Whether distances are in plan units (a plan image) rather than metres.

    Returns
    -------
    str

    Examples
    --------
    >>> t = pl.DataFrame({"hotspot": [0], "kind": ["need"], "category": ["<b>safety</b>"],
    ...                   "n_places": [7], "n_people": [6], "lat": [51.0], "lon": [0.0]})
    >>> "&lt;b&gt;" in hotspots_html(t, radius_m=100, min_points=5)
    True
    """
    unit, distance = _distance_words(plan)
    how = _(
        "{n} hotspots: places with at least {min_points} places within {radius} {unit} "
        "(DBSCAN on {distance}), assets, needs and ideas apart. Hotspots mapped by few people "
        "are counted but not placed."
    ).format(
        n=table.height,
        min_points=min_points,
        radius=fmt_number(radius_m),
        unit=unit,
        distance=distance,
    )
    coord = {c: _coordinate for c in _coordinates().values()}
    name = _("Hotspots")
    table = _rename(_words(table, "kind")).rename(
        {k: v for k, v in _coordinates().items() if k in table.columns}
    )
    return f"<p>{esc(how)}</p>" + table_html(table, aria_label=name, caption=name, formatters=coord)


def coverage_html(table: pl.DataFrame, *, within_m: float, plan: bool = False) -> str:
    """Coverage of needs per category.

    Parameters
    ----------
    table : pl.DataFrame
        :func:`~coprod_analytics.mapping.coverage_summary`.
    within_m : float
        The distance that counts as covered.
    plan : bool, default False
        Whether distances are in plan units (a plan image) rather than metres.

    Returns
    -------
    str

    Examples
    --------
    >>> t = pl.DataFrame({"category": ["youth"], "n_needs": [9], "n_people": [8],
    ...                   "median_distance_m": [None], "share_covered": [None],
    ...                   "no_asset": [True]})
    >>> "no asset of this category" in coverage_html(t, within_m=400)
    True
    """
    f = _rename(table).with_columns(
        pl.when(pl.col("no_asset"))
        .then(pl.lit(_("no asset of this category")))
        .otherwise(pl.lit(""))
        .alias("no_asset")
    )
    unit, distance = _distance_words(plan)
    text = _(
        "How far each mapped need is from the nearest asset of its category ({distance}); "
        "covered: within {within} {unit}."
    ).format(distance=distance, within=fmt_number(within_m), unit=unit)
    if plan:
        f = f.rename({_("median distance (m)"): _("median distance")})
    return f"<p>{esc(text)}</p>" + table_html(
        f,
        aria_label=_("Coverage of needs"),
        caption=_("Coverage of needs by assets"),
        formatters={"share_covered": fmt_pct},
    )


def support_html(support: NeedSupport, table: pl.DataFrame, *, max_rows: int = 10) -> str:
    """The most supported needs with their Wilson intervals.

    Parameters
    ----------
    support : NeedSupport
        The core result (for its level and denominator).
    table : pl.DataFrame
        Its rows fit to publish (needs of at least ``min_cell`` supporters).
    max_rows : int, default 10

    Returns
    -------
    str

    Examples
    --------
    >>> from coprod_analytics.mapping import needs_by_support, simulate_places
    >>> town = simulate_places()
    >>> res = needs_by_support(town.places, town.support)
    >>> "Most supported needs" in support_html(res, res.table)
    True
    """
    level = f"{100 * (1 - support.alpha):.0f}%"
    f = table.head(max_rows).rename({"supporters": _("people")})
    text = _(
        "Share of the {n} participants supporting each need (the person who mapped it "
        "included), with {level} Wilson intervals."
    ).format(n=support.n_participants, level=level)
    return f"<p>{esc(text)}</p>" + table_html(
        f,
        aria_label=_("Most supported needs"),
        caption=_("Most supported needs"),
        formatters={"share": fmt_pct, "ci_low": fmt_pct, "ci_high": fmt_pct},
    )


def change_html(change: AppraisalChange, table: pl.DataFrame) -> str:
    """What changed between the appraisal rounds, need by need.

    Parameters
    ----------
    change : AppraisalChange
        The core result (rounds, test, correction).
    table : pl.DataFrame
        Its rows fit to publish (needs appraised by fewer people suppressed).

    Returns
    -------
    str

    Examples
    --------
    >>> from coprod_analytics.mapping import appraisal_change, simulate_places
    >>> res = appraisal_change(simulate_places().appraisals)
    >>> "round 1 and round 2" in change_html(res, res.table)
    True
    """
    text = _(
        "Needs appraised in round {first} and round {second} by the same people: change of "
        "the need score (negative: less pressing) and of the achievement score; {test}, "
        "{correction}."
    ).format(
        first=change.first, second=change.second, test=change.test, correction=change.correction
    )
    f = table.rename({"need_n_pairs": "n_pairs"}) if "need_n_pairs" in table.columns else table
    f = _words(f, "status")
    p_columns = [c for c in f.columns if c.endswith("p_adjusted")]
    return f"<p>{esc(text)}</p>" + table_html(
        f,
        aria_label=_("Appraisal rounds"),
        caption=_("Needs and achievements between rounds"),
        formatters=dict.fromkeys(p_columns, fmt_p),
    )


def who_html(who: WhoMapped) -> str:
    """Who mapped: areas (and which nobody mapped) and the mappers against the population.

    Parameters
    ----------
    who : WhoMapped

    Returns
    -------
    str

    Examples
    --------
    >>> from coprod_analytics.mapping import simulate_places, who_mapped
    >>> "Riverside" in who_html(who_mapped(simulate_places().inquiry()))
    True
    """
    nobody = (
        _("Areas nobody mapped: {areas}.").format(areas=", ".join(who.unmapped))
        if who.unmapped
        else _("Every area was mapped.")
    )
    parts = [
        f"<p>{esc(nobody)}</p>",
        table_html(
            _rename(_words(who.areas, "status")),
            aria_label=_("Places and people per area"),
            caption=_("Places and people per area"),
            formatters={"population_share": fmt_pct},
        ),
    ]
    if who.representation.height:
        parts.append(
            table_html(
                who.representation,
                aria_label=_("People who mapped and the population"),
                caption=_("People who mapped, against the population"),
                formatters={
                    "sample_share": fmt_pct,
                    "population_share": fmt_pct,
                    "ci_low": fmt_pct,
                    "ci_high": fmt_pct,
                },
            )
        )
    return "".join(parts)
