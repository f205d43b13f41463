"""Community mapping and participatory appraisal: assets and needs on a map, audited together
over time.

Main entry points (loaded on first use, so importing the package stays light):

- :func:`hotspots` — hotspots of assets, of needs and of ideas (DBSCAN on great-circle
  distance in metres, the labels of scikit-learn's haversine DBSCAN);
  :func:`hotspot_summary` — one row per hotspot, fit to publish;
- :func:`coverage` — how far each need is from the nearest asset of a matching category;
  :func:`coverage_summary` — per category, fit to publish;
- :func:`needs_by_support` — needs ranked by support, with Wilson intervals;
- :func:`appraisal_change` — needs and achievements between appraisal rounds (paired tests
  of the deliberation family);
- :func:`who_mapped` — people and places per area, the areas nobody mapped, the mappers
  against the population (points without an area counted in the area polygon holding them,
  :func:`assign_areas`);
- :func:`publishable_points` — the only points a published map shows: grid cells or
  jittered points (a stated radius), small cells dropped;
- :func:`simulate_places` — a simulated town with planted hotspots and appraisal rounds.

Where things are: ``inputs`` (the ``places``, ``support`` and ``appraisals`` tables),
``spatial`` (hotspots, coverage), ``appraisal`` (support, rounds), ``who`` (who mapped),
``areas`` (point in polygon),
``publish`` (the grid, the jitter), ``simulate``.

Examples
--------
>>> from coprod_analytics.mapping import hotspots, simulate_places
>>> town = simulate_places()
>>> labelled = hotspots(town.places, radius_m=100, min_points=5)
>>> int(labelled["hotspot"].max()) + 1  # the six planted hotspots (simulator truth)
6
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from coprod_analytics.mapping.inputs import (
    MAPPING_SCHEMAS,
    validate_appraisals,
    validate_places,
    validate_support,
)

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.mapping.appraisal import (
        AppraisalChange,
        NeedSupport,
        appraisal_change,
        needs_by_support,
    )
    from coprod_analytics.mapping.areas import assign_areas, inquiry_polygons
    from coprod_analytics.mapping.publish import PublishedPoints, publishable_points
    from coprod_analytics.mapping.simulate import SimulatedTown, simulate_places
    from coprod_analytics.mapping.spatial import (
        coverage,
        coverage_summary,
        hotspot_summary,
        hotspots,
    )
    from coprod_analytics.mapping.who import WhoMapped, who_mapped

_LAZY: dict[str, str] = {
    "assign_areas": "coprod_analytics.mapping.areas",
    "inquiry_polygons": "coprod_analytics.mapping.areas",
    "hotspots": "coprod_analytics.mapping.spatial",
    "hotspot_summary": "coprod_analytics.mapping.spatial",
    "coverage": "coprod_analytics.mapping.spatial",
    "coverage_summary": "coprod_analytics.mapping.spatial",
    "needs_by_support": "coprod_analytics.mapping.appraisal",
    "NeedSupport": "coprod_analytics.mapping.appraisal",
    "appraisal_change": "coprod_analytics.mapping.appraisal",
    "AppraisalChange": "coprod_analytics.mapping.appraisal",
    "who_mapped": "coprod_analytics.mapping.who",
    "WhoMapped": "coprod_analytics.mapping.who",
    "publishable_points": "coprod_analytics.mapping.publish",
    "PublishedPoints": "coprod_analytics.mapping.publish",
    "simulate_places": "coprod_analytics.mapping.simulate",
    "SimulatedTown": "coprod_analytics.mapping.simulate",
}

__all__ = [
    "MAPPING_SCHEMAS",
    "AppraisalChange",
    "NeedSupport",
    "PublishedPoints",
    "SimulatedTown",
    "WhoMapped",
    "appraisal_change",
    "assign_areas",
    "coverage",
    "coverage_summary",
    "hotspot_summary",
    "hotspots",
    "inquiry_polygons",
    "needs_by_support",
    "publishable_points",
    "simulate_places",
    "validate_appraisals",
    "validate_places",
    "validate_support",
    "who_mapped",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'coprod_analytics.mapping' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
