"""The live numbers of the community-mapping activities: ``mapping`` and ``appraisal``.

The computations behind :func:`~coprod_analytics.session.panels.live_panel` for the kinds of
:mod:`coprod_analytics.session.mapping_activity`, through the mapping family's public
functions (:mod:`coprod_analytics.mapping`), so the exported inquiry reproduces every number:

=============  ==============================================================================
activity kind  sections (and the core function behind them)
=============  ==============================================================================
``mapping``    ``map_counts``: places, assets, needs, ideas, people, supporters, texts
               waiting for moderation; ``map_cells``: the places counted in grid cells
               (:func:`~coprod_analytics.mapping.publishable_points`; ``x`` is the longitude
               on a map); ``hotspots`` (:func:`~coprod_analytics.mapping.hotspots`,
               :func:`~coprod_analytics.mapping.hotspot_summary`); ``coverage``
               (:func:`~coprod_analytics.mapping.coverage_summary`); ``needs``: the needs
               ranked by support with Wilson intervals
               (:func:`~coprod_analytics.mapping.needs_by_support`); ``areas``: places and
               people per area, areas nobody mapped
               (:func:`~coprod_analytics.mapping.who_mapped`)
``appraisal``  ``appraisal_counts``: needs, appraisers and answers of the round now open;
               ``appraisal_needs``: per need and round the mean need and achievement scores;
               ``appraisal_change``: the paired change between the first and the last round
               (:func:`~coprod_analytics.mapping.appraisal_change`)
=============  ==============================================================================

Two versions of each table are computed: the facilitator's (every cell, every hotspot, each
need's text with its moderation status) and the one the room may see (``results["screen"]``,
used by :func:`~coprod_analytics.session.panels.screen_view`): grid cells, hotspots,
categories and areas of fewer than ``min_cell`` people suppressed, needs listed only once
``min_cell`` people support them, a need's text only once approved. No table ever holds one
person's point: the map is always grid cells.

Pure polars and the core's functions: no widgets.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from coprod_analytics.privacy import DEFAULT_MIN_CELL, suppress_small_cells

__all__ = [
    "MAPPING_KEYS",
    "MAPPING_SCHEMAS",
    "live_map_parameters",
    "mapping_computations",
]

_S, _I, _F, _B = pl.String, pl.Int64, pl.Float64, pl.Boolean
#: The columns of every section of this module.
MAPPING_SCHEMAS: dict[str, dict[str, Any]] = {
    "map_counts": {"activity_id": _S}
    | dict.fromkeys(
        ("places", "assets", "needs", "ideas", "people", "supporters", "texts_waiting"), _I
    ),
    "map_cells": {"cell": _S, "kind": _S, "x": _F, "y": _F, "n_places": _I, "n_people": _I},
    "hotspots": {"hotspot": _I, "kind": _S, "category": _S, "n_places": _I, "n_people": _I}
    | {"x": _F, "y": _F},
    "coverage": {"category": _S, "n_needs": _I, "n_people": _I}
    | {"median_distance_m": _F, "share_covered": _F, "no_asset": _B},
    "needs": {"rank": _I, "place_id": _S, "category": _S, "area": _S, "text": _S}
    | {"text_status": _S, "supporters": _I, "share": _F, "ci_low": _F, "ci_high": _F},
    "areas": {"area": _S, "n_places": _I, "n_needs": _I, "n_assets": _I, "n_people": _I}
    | {"status": _S},
    "appraisal_counts": {"activity_id": _S}
    | dict.fromkeys(("round", "needs", "appraisers", "answers"), _I),
    "appraisal_needs": {"place_id": _S, "text": _S, "category": _S, "round": _I, "n": _I}
    | {"need_mean": _F, "achievement_mean": _F},
    "appraisal_change": {"place_id": _S, "text": _S, "need_n_pairs": _I}
    | dict.fromkeys(
        (
            "need_first",
            "need_second",
            "need_change",
            "need_ci_low",
            "need_ci_high",
            "need_p_adjusted",
            "achievement_change",
            "achievement_ci_low",
            "achievement_ci_high",
        ),
        _F,
    )
    | {"status": _S},
}
#: Per section: the id column, round column and category column of its long form.
MAPPING_KEYS: dict[str, tuple[str, str | None, str | None]] = {
    "map_counts": ("activity_id", None, None),
    "map_cells": ("cell", None, "kind"),
    "hotspots": ("hotspot", None, "kind"),
    "coverage": ("category", None, None),
    "needs": ("place_id", None, None),
    "areas": ("area", None, None),
    "appraisal_counts": ("activity_id", None, None),
    "appraisal_needs": ("place_id", "round", None),
    "appraisal_change": ("place_id", None, None),
}
#: The live map's defaults on a map (metres); on a plan they scale with its size.
_GEO_DEFAULTS = {"radius_m": 100.0, "min_points": 5, "within_m": 400.0, "grid_m": 250.0}


def _frame(section: str, rows: list[dict[str, Any]] | pl.DataFrame) -> pl.DataFrame:
    schema = MAPPING_SCHEMAS[section]
    if isinstance(rows, pl.DataFrame):
        return rows.select(
            (pl.col(c) if c in rows.columns else pl.lit(None)).cast(d).alias(c)
            for c, d in schema.items()
        )
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema, orient="row")


def _xy(frame: pl.DataFrame) -> pl.DataFrame:
    """``lat``/``lon`` as ``y``/``x`` (a map); a plan's ``x``/``y`` stay."""
    if "lat" in frame.columns and "lon" in frame.columns:
        return frame.rename({"lon": "x", "lat": "y"})
    return frame


def live_map_parameters(settings: dict[str, Any]) -> dict[str, Any]:
    """The hotspot, coverage and grid parameters of a live map.

    A mapping activity's settings may give ``radius_m``, ``min_points``, ``within_m`` and
    ``grid_m``. Otherwise, on a map: a hotspot is 5 places within 100 m, a need is covered
    by an asset within 400 m, the map counts places in cells of 250 m; on a plan the
    distances are a fortieth, a tenth and a twentieth of the plan's diagonal.

    Parameters
    ----------
    settings : dict
        The activity's settings (``system``, ``bounds``).

    Returns
    -------
    dict
        ``radius_m``, ``min_points``, ``within_m``, ``grid_m``.

    Examples
    --------
    >>> live_map_parameters({"system": "plan", "bounds": [0, 0, 300, 400]})["grid_m"]
    25.0
    >>> live_map_parameters({"system": "geo", "grid_m": 100})["grid_m"]
    100.0
    """
    out: dict[str, Any] = dict(_GEO_DEFAULTS)
    if settings.get("system") == "plan" and settings.get("bounds"):
        w, s, e, n = (float(b) for b in settings["bounds"])
        diag = math.hypot(e - w, n - s) or 1.0
        out |= {"radius_m": diag / 40, "within_m": diag / 10, "grid_m": diag / 20}
    for name in ("radius_m", "within_m", "grid_m"):
        v = settings.get(name)
        if isinstance(v, int | float) and not isinstance(v, bool) and v > 0:
            out[name] = float(v)
    v = settings.get("min_points")
    if isinstance(v, int) and not isinstance(v, bool) and v >= 1:
        out["min_points"] = v
    return out


def _base_layers(settings: dict[str, Any]) -> list[dict[str, Any]]:
    from coprod_analytics.session.mapping_base import base_to_geojson

    base = settings.get("base") or {}
    if base.get("system") == "geo":
        return [base_to_geojson(base)]
    if base.get("system") == "plan":
        w, h = float(base["width"]), float(base["height"])
        ring = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h], [0.0, 0.0]]
        return [{"type": "Polygon", "coordinates": [ring]}]
    return []


# ---------------------------------------------------------------------------------- mapping
def _places(live: Any) -> pl.DataFrame | None:
    """This activity's rows of the live ``places`` table (validated), with ``moderation``."""
    from coprod_analytics.mapping import validate_places

    table = live.tables.get("places")
    ids = list(live.act.places)
    if table is None or not table.height or not ids:
        return None
    rows = table.filter(pl.col("place_id").cast(pl.String).is_in(ids))
    if not rows.height:
        return None
    status = {gid: int(p.get("moderation", 1)) for gid, p in live.act.places.items()}
    frame = validate_places(rows)
    return frame.with_columns(
        pl.col("place_id").cast(pl.String).replace_strict(status, default=1).alias("_moderation")
    )


def _mapping(live: Any) -> None:
    from coprod_analytics.mapping import (
        coverage,
        coverage_summary,
        hotspot_summary,
        hotspots,
        needs_by_support,
        publishable_points,
        who_mapped,
    )

    act = live.act
    settings = dict(act.settings)
    params = live_map_parameters(settings)
    live.parameters.update(params)
    screen_cell = max(int(live.parameters.get("screen_min_cell", DEFAULT_MIN_CELL)), 0)
    frame = _places(live)
    support = live.tables.get("support")
    if support is not None and frame is not None:
        support = support.filter(
            pl.col("place_id").cast(pl.String).is_in(frame["place_id"].implode())
        )
    n_support = 0 if support is None else support.height
    supporters = 0 if support is None or not n_support else support["participant_id"].n_unique()
    kinds = {} if frame is None else dict(frame.group_by("kind").len().iter_rows())
    people = 0 if frame is None else frame["participant_id"].n_unique()
    live.n_rows = 0 if frame is None else frame.height
    live.answered = len(
        set([] if frame is None else frame["participant_id"].to_list())
        | set([] if support is None else support["participant_id"].to_list())
    )
    live.sections["map_counts"] = _frame(
        "map_counts",
        [
            {
                "activity_id": act.activity_id,
                "places": live.n_rows,
                "assets": kinds.get("asset", 0),
                "needs": kinds.get("need", 0),
                "ideas": kinds.get("idea", 0),
                "people": people,
                "supporters": supporters,
                "texts_waiting": live.pending,
            }
        ],
    )
    live.results["layers"] = _base_layers(settings)
    live.results["system"] = settings.get("system", "areas")
    screen: dict[str, pl.DataFrame] = {"map_counts": live.sections["map_counts"]}
    live.results["screen"] = screen
    if frame is None:
        return
    live.ready = True
    places = frame.drop("_moderation")
    # the map: grid cells only (every cell for the facilitator; the room's at min_cell)
    grid = publishable_points(places, grid_m=params["grid_m"], min_cell=0)
    if grid.frame.height:
        public = publishable_points(places, grid_m=params["grid_m"], min_cell=screen_cell)
        live.results["grid"], live.results["grid_screen"] = grid, public
        live.sections["map_cells"] = _frame("map_cells", _xy(grid.frame))
        screen["map_cells"] = _frame("map_cells", _xy(public.frame))
        labelled = hotspots(places, radius_m=params["radius_m"], min_points=params["min_points"])
        for name, cell, out in (("hotspots", 0, live.sections), ("hotspots", screen_cell, screen)):
            out[name] = _frame(name, _xy(hotspot_summary(labelled, min_cell=cell)))
        live.results["hotspots_screen"] = screen["hotspots"]
        live.results["hotspots"] = live.sections["hotspots"]
    if kinds.get("need", 0):
        cov = coverage(places, within_m=params["within_m"])
        live.sections["coverage"] = _frame("coverage", coverage_summary(cov, min_cell=0))
        screen["coverage"] = _frame("coverage", coverage_summary(cov, min_cell=screen_cell))
        n_all = max(live.joined, 0)
        res = needs_by_support(places, support)
        if n_all > res.n_participants:
            res = needs_by_support(places, support, n_participants=n_all)
        live.results["support"] = res
        status = dict(frame.select(pl.col("place_id").cast(pl.String), "_moderation").iter_rows())
        words = {1: "approved", 0: "waiting", -1: "rejected"}
        t = res.table.with_columns(
            pl.col("place_id").cast(pl.String),
            pl.col("place_id")
            .cast(pl.String)
            .replace_strict(status, default=1)
            .replace_strict(words, default="approved")
            .alias("text_status"),
        )
        if "text" not in t.columns:
            t = t.with_columns(pl.lit(None, dtype=_S).alias("text"))
        areas = dict(
            frame.select(pl.col("place_id").cast(pl.String), pl.col("area").cast(pl.String))
            .drop_nulls()
            .iter_rows()
            if "area" in frame.columns
            else []
        )
        t = t.with_columns(
            pl.col("place_id").replace_strict(areas, default=None, return_dtype=_S).alias("area"),
            pl.when(pl.col("text").is_not_null()).then(pl.col("text_status")).alias("text_status"),
        )
        live.sections["needs"] = _frame("needs", t)
        shown = t.filter(pl.col("supporters") >= max(screen_cell, 1)).with_columns(
            pl.when(pl.col("text_status") == "approved").then(pl.col("text")).alias("text"),
            pl.lit(None, dtype=_S).alias("text_status"),
        )
        screen["needs"] = _frame("needs", shown)
        if t.height > shown.height:
            live.results["needs_note"] = (
                f"{t.height - shown.height} needs supported by fewer than {screen_cell} people "
                "are not listed on the screen."
            )
    if "area" in frame.columns and frame["area"].drop_nulls().len() + len(
        settings.get("areas") or []
    ):
        areas_listed = list(settings.get("areas") or []) or None
        for cell, out in ((0, live.sections), (screen_cell, screen)):
            who = who_mapped(places, areas=areas_listed, min_cell=cell, seed=live.seed)
            out["areas"] = _frame("areas", who.areas)
        live.results["unmapped"] = list(
            who.unmapped if areas_listed else []
        )  # the same whatever the min_cell


# ---------------------------------------------------------------------------------- appraisal
def _appraisal(live: Any) -> None:
    from coprod_analytics.mapping import appraisal_change

    act = live.act
    pool = act.pool()
    keys = [str(it["item_id"]) for it in pool]
    texts = {str(it["item_id"]): str(it.get("text") or it["item_id"]) for it in pool}
    cats = {str(it["item_id"]): it.get("category") for it in pool}
    table = live.tables.get("appraisals")
    screen_cell = max(int(live.parameters.get("screen_min_cell", DEFAULT_MIN_CELL)), 0)
    a = pl.DataFrame(
        schema={
            "round": _I,
            "place_id": _S,
            "participant_id": _I,
            "need_score": _F,
            "achievement_score": _F,
        }
    )
    if table is not None and table.height:
        a = table.select(
            pl.col("round").cast(_I),
            pl.col("place_id").cast(_S),
            pl.col("participant_id").cast(_I),
            pl.col("need_score").cast(_F),
            (
                pl.col("achievement_score").cast(_F)
                if "achievement_score" in table.columns
                else pl.lit(None, dtype=_F).alias("achievement_score")
            ),
        ).filter(pl.col("place_id").is_in(keys))
    now = a.filter(pl.col("round") == act.round)
    live.n_rows = now.height
    live.answered = now["participant_id"].n_unique()
    live.sections["appraisal_counts"] = _frame(
        "appraisal_counts",
        [
            {
                "activity_id": act.activity_id,
                "round": act.round,
                "needs": len(keys),
                "appraisers": live.answered,
                "answers": now.height,
            }
        ],
    )
    means = (
        a.group_by("place_id", "round")
        .agg(
            pl.len().cast(_I).alias("n"),
            pl.col("need_score").mean().alias("need_mean"),
            pl.col("achievement_score").mean().alias("achievement_mean"),
        )
        .with_columns(
            pl.col("place_id").replace_strict(texts, default=None).alias("text"),
            pl.col("place_id")
            .replace_strict(cats, default=None, return_dtype=_S)
            .alias("category"),
        )
    )
    small = pl.col("n") < live.min_answers
    means = means.with_columns(
        pl.when(small).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("need_mean", "achievement_mean")
    )
    order = {k: i for i, k in enumerate(keys)}
    means = means.sort(pl.col("place_id").replace_strict(order, default=len(order)), "round")
    live.ready = bool(means["need_mean"].drop_nulls().len())
    live.sections["appraisal_needs"] = _frame("appraisal_needs", means)
    screen: dict[str, pl.DataFrame] = {
        "appraisal_counts": live.sections["appraisal_counts"],
        "appraisal_needs": _frame(
            "appraisal_needs",
            suppress_small_cells(
                means, count_column="n", min_cell=screen_cell, unit="people"
            ).frame,
        ),
    }
    live.results["screen"] = screen
    rounds = sorted(a["round"].unique().to_list())
    if len(rounds) >= 2:
        change = appraisal_change(
            a.drop("achievement_score") if a["achievement_score"].null_count() == a.height else a
        )
        live.results["change"] = change
        t = change.table.with_columns(
            pl.col("place_id").cast(_S).replace_strict(texts, default=None).alias("text")
        )
        live.sections["appraisal_change"] = _frame("appraisal_change", t)
        sup = suppress_small_cells(
            live.sections["appraisal_change"],
            count_column="need_n_pairs",
            min_cell=screen_cell,
            unit="people",
        )
        screen["appraisal_change"] = sup.frame.with_columns(
            pl.when(pl.col("need_n_pairs").is_null())
            .then(pl.lit("too few people"))
            .otherwise(pl.col("status"))
            .alias("status")
        )


def mapping_computations() -> dict[str, tuple[Any, tuple[tuple[str, str], ...]]]:
    """The computation of each mapping kind's sections, and its answer tables.

    Returns
    -------
    dict
        kind -> (computation of a panel's sections, ``((table, id column), ...)`` saying who
        answered).

    Examples
    --------
    >>> sorted(mapping_computations())
    ['appraisal', 'mapping']
    """
    return {
        "mapping": (_mapping, (("places", "place_id"),)),
        "appraisal": (_appraisal, (("appraisals", "place_id"),)),
    }
