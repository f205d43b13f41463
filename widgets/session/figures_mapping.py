"""HTML fragments and figures of the live community-map panels (``mapping``, ``appraisal``).

Pure formatting of a :class:`~coprod_analytics.session.panels.LivePanel` (the numbers come
from :mod:`coprod_analytics.session.panels_mapping`), with the mapping family's own figures
and fragments (:mod:`coprod_widgets.mapping.figures`): the map of grid cells and hotspot
centres over the facilitator's base (:func:`~coprod_widgets.mapping.figures.map_figure`) with
its text alternative, the hotspot and coverage tables, the needs ranked by support with
their intervals, the areas nobody mapped, and the appraisal rounds.

The map never draws a person's point: only the grid cells the core published. Present mode
(:func:`map_svg`) draws those cells as plain SVG squares over the base's lines (no script, no
tiles: readable from the back of a room and offline).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import polars as pl

from coprod_analytics.format import MISSING, fmt_number, fmt_pct
from coprod_analytics.session.panels import LivePanel
from coprod_widgets.html import table_html
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.mapping.figures import (
    KIND_COLOURS,
    _features,
    _lines,
    change_html,
    coverage_html,
    hotspots_html,
    map_alt,
    map_figure,
)
from coprod_widgets.session.figures_priorities import bar_html, row_html
from coprod_widgets.style import esc

_ = gettext_for("dashboard")

__all__ = ["map_svg", "mapping_chart_builders", "mapping_html", "mapping_present"]

#: The kinds of place, in words (plural), translated when shown.
_KINDS = {"asset": N_("assets"), "need": N_("needs"), "idea": N_("ideas")}
#: Metres per degree of latitude (the mapping family's sphere).
_M_PER_DEGREE = 6371008.8 * math.pi / 180


def _geo(panel: LivePanel) -> bool:
    return panel.results.get("system") == "geo"


def _latlon(panel: LivePanel, table: pl.DataFrame) -> pl.DataFrame:
    """A section's ``x``/``y`` as the mapping family names them (``lon``/``lat`` on a map)."""
    if _geo(panel) and "x" in table.columns:
        return table.rename({"x": "lon", "y": "lat"})
    return table


def _interval(lo: Any, hi: Any) -> str:
    if lo is None or hi is None:
        return MISSING
    return _("{low} to {high}").format(low=fmt_pct(lo, 0), high=fmt_pct(hi, 0))


def _counts_html(panel: LivePanel) -> str:
    c = panel.section("map_counts")
    if not c.height:
        return ""
    r = c.row(0, named=True)
    text = _(
        "{places} places mapped ({assets} assets, {needs} needs, {ideas} ideas) by {people} "
        "people; {supporters} people supported needs others mapped."
    ).format(**r)
    if r["texts_waiting"]:
        text += " " + _("{n} place texts wait in the moderation queue.").format(
            n=r["texts_waiting"]
        )
    return f"<p>{esc(text)}</p>"


def _needs_html(panel: LivePanel) -> str:
    t = panel.section("needs")
    if not t.height:
        return ""
    share, ci = _("share"), _("95% interval")
    status = {"approved": _("approved"), "waiting": _("waiting"), "rejected": _("rejected")}
    shown = t.select(
        pl.col("rank").alias(_("rank")),
        pl.col("category").alias(_("category")),
        pl.col("area").alias(_("area")),
        pl.col("text").alias(_("text")),
        *(
            [pl.col("text_status").replace(status).alias(_("text status"))]
            if t["text_status"].drop_nulls().len()
            else []
        ),
        pl.col("supporters").alias(_("people")),
        pl.col("share").alias(share),
        pl.struct("ci_low", "ci_high").alias(ci),
    )
    text = _(
        "The needs ranked by support: the share of participants supporting each need (the "
        "person who mapped it included), with 95% Wilson intervals."
    )
    return f"<p>{esc(text)}</p>" + table_html(
        shown,
        caption=_("Needs ranked by support"),
        aria_label=_("Needs ranked by support"),
        max_rows=20,
        formatters={
            share: lambda v: fmt_pct(v, 0),
            ci: lambda v: _interval(v["ci_low"], v["ci_high"]),
        },
    )


def _areas_html(panel: LivePanel) -> str:
    t = panel.section("areas")
    if not t.height:
        return ""
    nobody = t.filter(pl.col("status") == "nobody mapped")["area"].to_list()
    line = (
        _("Areas nobody mapped yet: {areas}.").format(areas=", ".join(map(str, nobody)))
        if nobody
        else _("Every area listed has places.")
    )
    words = {
        "mapped": _("mapped"),
        "nobody mapped": _("nobody mapped"),
        "few people": _("few people"),
    }
    table = t.select(
        pl.col("area").alias(_("area")),
        pl.col("n_places").alias(_("places")),
        pl.col("n_needs").alias(_("needs")),
        pl.col("n_assets").alias(_("assets")),
        pl.col("n_people").alias(_("people")),
        pl.col("status").replace(words).alias(_("status")),
    )
    name = _("Places and people per area")
    return f"<p>{esc(line)}</p>" + table_html(table, caption=name, aria_label=name)


def _appraisal_html(panel: LivePanel) -> str:
    parts = []
    c = panel.section("appraisal_counts")
    if c.height:
        r = c.row(0, named=True)
        line = _(
            "Round {round}: {appraisers} people gave {answers} appraisals of {needs} needs."
        ).format(**r)
        parts.append(f"<p>{esc(line)}</p>")
    t = panel.section("appraisal_needs")
    if t.height:
        parts.append(
            table_html(
                t.select(
                    pl.col("text").alias(_("need")),
                    pl.col("category").alias(_("category")),
                    pl.col("round").alias(_("round")),
                    pl.col("n").alias(_("appraisals")),
                    pl.col("need_mean").alias(_("need score (mean)")),
                    pl.col("achievement_mean").alias(_("achievement score (mean)")),
                ),
                caption=_("Need and achievement scores per round"),
                aria_label=_("Need and achievement scores per round"),
            )
        )
    change = panel.section("appraisal_change")
    if change.height:
        res = panel.results.get("change")
        table = (
            change.drop("text")
            .rename({"place_id": "need"})
            .with_columns(
                pl.col("need").replace_strict(
                    dict(zip(change["place_id"], change["text"], strict=True)), default=None
                )
            )
        )
        if res is not None:
            parts.append(change_html(res, table))
        else:
            parts.append(table_html(table, caption=_("Needs and achievements between rounds")))
    return "".join(parts)


def mapping_html(panel: LivePanel) -> str:
    """The tables of a live mapping or appraisal panel, with the map's text alternative.

    Parameters
    ----------
    panel : LivePanel
        A ``mapping`` or ``appraisal`` panel (the facilitator's, or
        :func:`~coprod_analytics.session.panels.screen_view` of it).

    Returns
    -------
    str
        Escaped HTML: counts, the map's cells as a table, hotspots, coverage, the needs
        ranked by support with their intervals, the areas; or the appraisal rounds.

    Examples
    --------
    >>> counts = pl.DataFrame({"activity_id": ["m"], "places": [3], "assets": [1],
    ...     "needs": [2], "ideas": [0], "people": [3], "supporters": [0], "texts_waiting": [1]})
    >>> p = LivePanel("m", "mapping", "Map", True, 1, 3, {"map_counts": counts})
    >>> "1 place texts wait" in mapping_html(p)
    True
    """
    if panel.kind == "appraisal":
        return _appraisal_html(panel)
    parts = [_counts_html(panel)]
    grid = panel.results.get("grid")
    plan = panel.results.get("system") == "plan"
    params = panel.parameters
    if grid is not None:
        parts.append(map_alt(grid))
    hot = panel.section("hotspots")
    if "radius_m" in params and (hot.height or grid is not None):
        parts.append(
            hotspots_html(
                _latlon(panel, hot),
                radius_m=params["radius_m"],
                min_points=params["min_points"],
                plan=plan,
            )
        )
    cov = panel.section("coverage")
    if cov.height:
        parts.append(coverage_html(cov, within_m=params.get("within_m", 400.0), plan=plan))
    parts += [_needs_html(panel), _areas_html(panel)]
    return "".join(parts)


def mapping_chart_builders(panel: LivePanel) -> list[tuple[str, pl.DataFrame, Any]]:
    """The charts of a mapping or appraisal panel: ``(key, data drawn, build)``.

    Parameters
    ----------
    panel : LivePanel
        The live numbers.

    Returns
    -------
    list of tuple
        Mapping: the community map (grid cells and hotspot centres over the base,
        :func:`~coprod_widgets.mapping.figures.map_figure`); appraisal: the change of each
        need's score between the rounds with its interval.

    Examples
    --------
    >>> mapping_chart_builders(LivePanel("m", "mapping", "Map", True, 1, 0, {}, "No places yet."))
    []
    """
    out: list[tuple[str, pl.DataFrame, Any]] = []
    grid = panel.results.get("grid")
    if panel.kind == "mapping" and grid is not None:
        hot = _latlon(panel, panel.section("hotspots"))
        cells = panel.section("map_cells")
        data = pl.DataFrame({"cells": [repr(cells.rows())], "hotspots": [repr(hot.rows())]})
        layers = list(panel.results.get("layers") or [])

        def build() -> Any:
            return map_figure(
                grid,
                hotspots=hot if hot.height else None,
                layers=layers,
                title=_("Community map (places counted in cells)"),
            )

        out.append(("map", data, build))
    change = panel.section("appraisal_change")
    if panel.kind == "appraisal" and change.height:
        rows = change.select(
            pl.col("text").fill_null(pl.col("place_id")).alias("item"),
            pl.col("need_change").alias("estimate"),
            pl.col("need_ci_low").alias("ci_low"),
            pl.col("need_ci_high").alias("ci_high"),
        ).drop_nulls()
        if rows.height:

            def shifts() -> Any:
                from coprod_widgets.deliberation.figures import group_shift_figure

                return group_shift_figure(
                    rows,
                    by="item",
                    title=_("Change of each need's score between rounds (negative: less pressing)"),
                )

            out.append(("appraisal-change", rows, shifts))
    return out


# ------------------------------------------------------------------------------- present
def _points(geometry_layers: list[dict[str, Any]]) -> Iterator[list[list[float]]]:
    for layer in geometry_layers:
        for feature in _features(layer):
            yield from _lines(feature.get("geometry") or {})


def map_svg(panel: LivePanel, *, width: int = 900) -> str:
    """The map for the projector: the published grid cells as squares over the base's lines,
    in plain SVG (no script, no tiles), with a name for assistive technology.

    Parameters
    ----------
    panel : LivePanel
        A mapping panel as the room may see it
        (:func:`~coprod_analytics.session.panels.screen_view`): ``results["grid"]`` holds the
        published cells.
    width : int, default 900
        Width of the drawing in pixels.

    Returns
    -------
    str
        An ``<svg role="img">`` element, or ``""`` when there is no cell to draw.

    Examples
    --------
    >>> from coprod_analytics.mapping import publishable_points, simulate_places
    >>> grid = publishable_points(simulate_places().places)
    >>> p = LivePanel("m", "mapping", "Map", True, 1, 3, {}, results={"grid": grid,
    ...     "system": "geo"})
    >>> svg = map_svg(p)
    >>> svg.startswith("<svg") and svg.count("<rect") == grid.frame.height + 1
    True
    """
    grid = panel.results.get("grid")
    if grid is None or not grid.frame.height:
        return ""
    geo = grid.system == "geo"
    a, b = ("lon", "lat") if geo else ("x", "y")
    cells = grid.frame
    lat0 = float(cells[b].mean()) if geo else 0.0  # type: ignore[arg-type]
    kx = math.cos(math.radians(lat0)) if geo else 1.0
    half_y = (grid.grid_m / _M_PER_DEGREE if geo else grid.grid_m) / 2
    lines = [line for line in _points(list(panel.results.get("layers") or [])) if line]
    xs = [float(v) * kx for v in cells[a]] + [p[0] * kx for line in lines for p in line]
    ys = [float(v) for v in cells[b]] + [p[1] for line in lines for p in line]
    pad = half_y * 2
    x0, x1 = min(xs) - pad, max(xs) + pad
    y0, y1 = min(ys) - pad, max(ys) + pad
    scale = width / max(x1 - x0, 1e-12)
    height = max(int((y1 - y0) * scale), 1)

    def px(x: float, y: float) -> tuple[float, float]:
        # north up on a map; a plan's y grows downwards like its image
        sy = (y1 - y) * scale if geo else (y - y0) * scale
        return round((x * kx - x0) * scale, 1), round(sy, 1)

    parts = [f"<rect x='0' y='0' width='{width}' height='{height}' fill='#111'/>"]
    for line in lines:
        pts = " ".join(f"{x},{y}" for x, y in (px(p[0], p[1]) for p in line))
        parts.append(f"<polyline points='{pts}' fill='none' stroke='#777' stroke-width='1.5'/>")
    tip = _("{places} places by {people} people")
    biggest = max(int(cells["n_places"].max() or 1), 1)  # type: ignore[arg-type]
    for r in cells.iter_rows(named=True):
        cx, cy = px(float(r[a]), float(r[b]))
        side = max(2 * half_y * scale * (0.4 + 0.6 * math.sqrt(r["n_places"] / biggest)), 6.0)
        colour = KIND_COLOURS.get(str(r.get("kind")), "#999999")
        parts.append(
            f"<rect x='{cx - side / 2:.1f}' y='{cy - side / 2:.1f}' width='{side:.1f}' "
            f"height='{side:.1f}' fill='{colour}' fill-opacity='0.8'>"
            f"<title>{esc(tip.format(places=r['n_places'], people=r['n_people']))}</title></rect>"
        )
    name = (
        _("Community map: {n} cells of places, counted in cells of {size} m")
        if geo
        else _("Community map: {n} cells of places, counted in cells of {size} plan units")
    ).format(n=cells.height, size=fmt_number(grid.grid_m))
    return (
        f"<svg class='coprod-live-map' role='img' aria-label='{esc(name)}' "
        f"viewBox='0 0 {width} {height}' width='100%' style='max-height:60vh'>"
        + "".join(parts)
        + "</svg>"
    )


def _big(n: int, what: str) -> str:
    return f"<p><span class='number'>{n:,}</span><span class='unit'>{esc(what)}</span></p>"


def _present_mapping(panel: LivePanel) -> list[str]:
    parts = []
    c = panel.section("map_counts")
    if c.height:
        r = c.row(0, named=True)
        parts += [
            _big(int(r["places"]), _("places mapped")),
            _big(int(r["people"]), _("people")),
        ]
    parts.append(map_svg(panel))
    legend = " · ".join(
        f"<span style='color:{colour}'>■</span> {esc(_(_KINDS[kind]))}"
        for kind, colour in KIND_COLOURS.items()
    )
    if panel.results.get("grid") is not None:
        parts.append(f"<p class='muted'>{legend}</p>")
    hot = panel.section("hotspots")
    if hot.height:
        shown = hot.drop_nulls("n_people")
        if shown.height:
            parts.append(f"<h3>{esc(_('Hotspots'))}</h3>")
            parts += [
                row_html(
                    f"{_(_KINDS[r['kind']]) if r['kind'] in _KINDS else r['kind']}: "
                    f"{r['category']}",
                    _("{people} people").format(people=r["n_people"]),
                )
                for r in shown.head(6).iter_rows(named=True)
            ]
    needs = panel.section("needs")
    if needs.height:
        parts.append(f"<h3>{esc(_('Most supported needs'))}</h3>")
        parts += [
            row_html(
                f"{r['rank']}. {r['text'] or r['category']}"
                + (f" ({r['area']})" if r.get("area") else ""),
                fmt_pct(r["share"], 0),
                bar_html(r["share"]),
            )
            for r in needs.head(8).iter_rows(named=True)
        ]
    areas = panel.section("areas")
    if areas.height:
        nobody = areas.filter(pl.col("status") == "nobody mapped")["area"].to_list()
        if nobody:
            line = _("Nobody has mapped yet: {areas}").format(areas=", ".join(map(str, nobody)))
            parts.append(f"<p>{esc(line)}</p>")
    return parts


def _present_appraisal(panel: LivePanel) -> list[str]:
    parts = []
    c = panel.section("appraisal_counts")
    if c.height:
        what = _("appraisals in round {n}").format(n=c["round"][0])
        parts.append(_big(int(c["answers"][0]), what))
    change = panel.section("appraisal_change")
    if change.height:
        parts.append(f"<h3>{esc(_('Since the first round'))}</h3>")
        words = {
            "less pressing": _("less pressing"),
            "more pressing": _("more pressing"),
            "no clear change": _("no clear change"),
            "too few people": _("too few people"),
        }
        parts += [
            row_html(
                str(r["text"] or r["place_id"]),
                MISSING if r["need_change"] is None else fmt_number(r["need_change"]),
                flag=words.get(str(r["status"]), str(r["status"] or "")),
            )
            for r in change.iter_rows(named=True)
        ]
    return parts


def mapping_present() -> dict[str, Any]:
    """Per mapping kind, the present-mode fragments of a panel (pass it through
    :func:`~coprod_analytics.session.panels.screen_view` first).

    Returns
    -------
    dict of str to callable
        ``kind -> parts(panel) -> list of str``.

    Examples
    --------
    >>> sorted(mapping_present())
    ['appraisal', 'mapping']
    """
    return {"mapping": _present_mapping, "appraisal": _present_appraisal}
