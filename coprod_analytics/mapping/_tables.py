"""The tables of a mapping analysis, from an Inquiry or as given (validated at the boundary)."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.mapping.inputs import (
    coordinate_system,
    validate_appraisals,
    validate_places,
    validate_support,
)

#: Mean Earth radius in metres (IUGG), the radius of every great-circle distance here.
EARTH_RADIUS_M = 6371008.8


def places_of(data: Any, func: str) -> pl.DataFrame:
    """The validated ``places`` table of an Inquiry, or the table given."""
    if isinstance(data, Inquiry):
        if "places" not in data.tables:
            raise ValidationError(
                f"{func} needs a 'places' table; the inquiry holds {sorted(data.tables)}",
                table="places",
            )
        data = data.tables["places"]
    return validate_places(data)


def support_of(data: Any, support: Any) -> pl.DataFrame | None:
    """The validated ``support`` table (given, or the Inquiry's; None when there is none)."""
    if support is None and isinstance(data, Inquiry):
        support = data.tables.get("support")
    return None if support is None else validate_support(support)


def appraisals_of(data: Any, func: str) -> pl.DataFrame:
    """The validated ``appraisals`` table of an Inquiry, or the table given."""
    if isinstance(data, Inquiry):
        if "appraisals" not in data.tables:
            raise ValidationError(
                f"{func} needs an 'appraisals' table; the inquiry holds {sorted(data.tables)}",
                table="appraisals",
            )
        data = data.tables["appraisals"]
    return validate_appraisals(data)


def coordinates(places: pl.DataFrame) -> tuple[str, np.ndarray, np.ndarray]:
    """(system, points, located): ``points`` are radians [lat, lon] (geo) or plan [x, y] for
    the rows where ``located`` is true."""
    system = coordinate_system(places)
    if system == "none":
        return system, np.empty((0, 2)), np.zeros(places.height, dtype=bool)
    a, b = ("lat", "lon") if system == "geo" else ("x", "y")
    located = places.get_column(a).is_not_null().to_numpy()
    pts = places.select(a, b).to_numpy().astype(float)[located]
    if system == "geo":
        pts = np.radians(pts)
    return system, pts, located
