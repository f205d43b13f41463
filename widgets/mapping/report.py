"""Static-report section of the mapping family: "Community map".

Applies whenever the inquiry holds a ``places`` table (a folder with ``places.csv``). Renders
the same fragments as the view (:mod:`coprod_widgets.mapping.figures`): the map of published
grid cells (cells of fewer than ``ctx.min_cell`` people dropped, never a person's point),
hotspots, coverage, the most supported needs, appraisal rounds and who mapped. GeoJSON layers
come from ``options["mapping"]["layers"]``, else from the inquiry: the base a session export
keeps in its metadata (``map_layers``, a Parquet folder) or the folder's own ``map.geojson``
(an inquiry or Pol.is export folder); the hotspot and grid parameters from
``options["mapping"]`` too (``radius_m``, ``min_points``, ``within_m``, ``grid_m``), and
how the map is published: ``publish_method`` (``"grid"`` or ``"jitter"``) and
``jitter_radius_m``; the section states the method and its cell size or radius under the map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coprod_widgets.core_text import core_text
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.mapping.figures import (
    change_html,
    coverage_html,
    hotspots_html,
    map_alt,
    map_figure,
    support_html,
    who_html,
)
from coprod_widgets.mapping.state import MappingState, has_places
from coprod_widgets.report.context import ReportContext
from coprod_widgets.style import esc

__all__ = ["SECTIONS", "CommunityMapSection", "inquiry_layers"]

_ = gettext_for("report")

_PARAMETERS = (
    "radius_m",
    "min_points",
    "within_m",
    "grid_m",
    "publish_method",
    "jitter_radius_m",
)


def inquiry_layers(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """The GeoJSON layers an inquiry brings: ``metadata["map_layers"]`` or the
    ``map.geojson`` beside its files (``metadata["source_path"]``); none when unreadable.

    Parameters
    ----------
    metadata : dict
        The inquiry's metadata.

    Returns
    -------
    list of dict

    Examples
    --------
    >>> inquiry_layers({"map_layers": [{"type": "FeatureCollection", "features": []}]})
    [{'type': 'FeatureCollection', 'features': []}]
    >>> inquiry_layers({})
    []
    """
    layers = metadata.get("map_layers")
    if isinstance(layers, list):
        return [x for x in layers if isinstance(x, dict)]
    src = metadata.get("source_path")
    f = Path(str(src)) / "map.geojson" if src else None
    if f is None or not f.is_file():
        return []
    try:
        obj = json.loads(f.read_text("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return []
    return [obj] if isinstance(obj, dict) and "type" in obj else []


@dataclass(frozen=True)
class CommunityMapSection:
    """The community map, its hotspots and coverage, support, appraisal rounds and who mapped.

    Attributes
    ----------
    key : str
        The section's anchor, ``"community-map"``.
    title : str
        Its heading, ``"Community map"``.
    order : int
        Its place in the report (after the other families' sections).

    Examples
    --------
    >>> from coprod_analytics.mapping import simulate_places
    >>> ctx = ReportContext(simulate_places().inquiry())
    >>> section = CommunityMapSection()
    >>> section.applies(ctx), "Community map" in section.render(ctx)
    (True, True)
    """

    key: str = "community-map"
    title: str = N_("Community map")
    order: int = 650

    def applies(self, ctx: ReportContext) -> bool:
        return has_places(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        options = dict(ctx.options.get("mapping", {}))
        state = MappingState(
            ctx.inquiry,
            min_cell=ctx.min_cell,
            seed=ctx.seed,
            layers=options.pop("layers", None) or inquiry_layers(ctx.inquiry.metadata),
        )
        with state.hold_trait_notifications():
            for name in _PARAMETERS:
                if name in options:
                    setattr(state, name, options[name])
        for res in (state.grid, state.support, state.change, state.who):
            if res is not None and res.provenance is not None:
                ctx.provenance.append(res.provenance.to_dict())
        ctx.suppression_notes.extend(n for n in [state.grid.note, *state.notes] if n)
        parts = [
            ctx.figure_html(
                map_figure(state.grid, hotspots=state.hotspot_table, layers=state.layers),
                alt=map_alt(state.grid),
            ),
            f"<p class='map-method'>{esc(core_text(state.grid.note))}</p>",
            hotspots_html(
                state.hotspot_table,
                radius_m=state.radius_m,
                min_points=state.min_points,
                plan=state.plan,
            ),
            coverage_html(state.coverage_table, within_m=state.within_m, plan=state.plan),
        ]
        if state.support is not None:
            parts.append(support_html(state.support, state.support_table))
        if state.change is not None:
            parts.append(change_html(state.change, state.change_table))
        if state.who is not None:
            parts.append(who_html(state.who))
        parts.append(ctx.small_cells_note(_("map cells, hotspots and needs of")))
        return "".join(parts)


SECTIONS = (CommunityMapSection(),)
