"""Input tables of community mapping and participatory appraisal.

Lists these kinds for :data:`coprod_analytics.inputs.INPUT_SCHEMAS`, so an
:class:`~coprod_analytics.Inquiry` can hold them in ``inquiry.tables`` (and a folder with
``<kind>.csv`` files loads them):

===============  ==========================================================================
table            columns (optional ones in brackets)
===============  ==========================================================================
``places``       participant_id, place_id, kind (``asset``, ``need`` or ``idea``),
                 category, [lat], [lon], [x], [y], [area], [text], [time] — one mapped
                 point per row: a place on a map (``lat``/``lon``, WGS84 degrees), or on a
                 plan image (``x``/``y``, plan units), or only an area chosen from a list
                 (the accessible alternative to tapping a map)
``support``      participant_id, place_id — one row per person supporting a mapped need
                 (a priority vote; the input of :func:`~coprod_analytics.mapping.needs_by_support`)
``appraisals``   round, place_id, participant_id, need_score, [achievement_score] — a
                 participant's appraisal of a mapped need in one appraisal round: how
                 pressing it is, and how much has been achieved on it
===============  ==========================================================================

The schema checks columns, kinds, ranges and duplicates; :func:`check_places` adds what a
schema cannot say (the ``kind`` vocabulary, and that each row has a whole pair of
coordinates of one system, or an area). :func:`validate_places`,
:func:`validate_support` and :func:`validate_appraisals` apply both and are what the
analyses call at their boundary.

The schemas themselves live in the leaf :mod:`coprod_analytics.mapping.schemas`.
"""

from __future__ import annotations

from typing import Any, Literal

import polars as pl

from coprod_analytics.errors import ValidationError

__all__ = [
    "KINDS",
    "MAPPING_SCHEMAS",
    "check_places",
    "coordinate_system",
    "validate_appraisals",
    "validate_places",
    "validate_support",
]

from coprod_analytics.mapping.schemas import KINDS, MAPPING_SCHEMAS


def _validate(name: str, data: Any) -> pl.DataFrame:
    from coprod_analytics import inputs

    return inputs.validate_input(name, data)


def _first(mask: pl.Series) -> int:
    return int(mask.arg_true()[0]) + 1


def coordinate_system(places: pl.DataFrame) -> Literal["geo", "plan", "none"]:
    """Which coordinates a ``places`` table holds: ``"geo"`` (lat/lon), ``"plan"`` (x/y) or
    ``"none"`` (areas only).

    Parameters
    ----------
    places : pl.DataFrame
        A validated ``places`` table.

    Returns
    -------
    str
        ``"geo"``, ``"plan"`` or ``"none"``.

    Examples
    --------
    >>> coordinate_system(pl.DataFrame({"x": [1.0], "y": [2.0]}))
    'plan'
    >>> coordinate_system(pl.DataFrame({"lat": [51.5], "lon": [None]}))
    'geo'
    """
    for system, (a, b) in (("geo", ("lat", "lon")), ("plan", ("x", "y"))):
        if a in places.columns and b in places.columns:
            if places.select(pl.col(a).is_not_null().any() | pl.col(b).is_not_null().any()).item():
                return system  # type: ignore[return-value]
    return "none"


def check_places(places: pl.DataFrame) -> None:
    """The checks of a ``places`` table that its schema cannot express.

    Each ``kind`` is ``asset``, ``need`` or ``idea``; a row's coordinates come in whole
    pairs (``lat`` with ``lon``, ``x`` with ``y``); one table uses one coordinate system
    (a map or a plan, not both); a row without coordinates names its ``area``.

    Parameters
    ----------
    places : pl.DataFrame
        A ``places`` table after its schema's checks (see :func:`validate_places`).

    Raises
    ------
    ValidationError
        Naming the table, row and column of the first problem.

    Examples
    --------
    >>> t = pl.DataFrame({"kind": ["need", "wish"], "lat": [51.0, 51.0], "lon": [0.0, 0.0]})
    >>> check_places(t)
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: table 'places', row 2, column 'kind': expected 'asset', 'need' or 'idea'; got 'wish'
    """
    kinds = places.get_column("kind").str.strip_chars().str.to_lowercase()
    bad = ~kinds.is_in(list(KINDS))
    if bad.any():
        row = _first(bad)
        raise ValidationError(
            f"expected 'asset', 'need' or 'idea'; got {places['kind'][row - 1]!r}",
            table="places",
            row=row,
            column="kind",
        )
    has: dict[str, pl.Series] = {}
    for a, b in (("lat", "lon"), ("x", "y")):
        if (a in places.columns) != (b in places.columns):
            there, gone = (a, b) if a in places.columns else (b, a)
            raise ValidationError(
                f"column {there!r} needs its pair {gone!r}", table="places", column=there
            )
        if a not in places.columns:
            continue
        sa, sb = places.get_column(a), places.get_column(b)
        half = sa.is_null() != sb.is_null()
        if half.any():
            row = _first(half)
            col = b if sb[row - 1] is None else a
            raise ValidationError(
                f"{a} and {b} come together; this row has one without the other",
                table="places",
                row=row,
                column=col,
            )
        has[a] = sa.is_not_null()
    if "lat" in has and "x" in has:
        both = has["lat"] & has["x"]
        geo_any, plan_any = bool(has["lat"].any()), bool(has["x"].any())
        if both.any() or (geo_any and plan_any):
            row = _first(both) if both.any() else _first(has["x"])
            raise ValidationError(
                "a places table holds map coordinates (lat/lon) or plan coordinates (x/y), "
                "not both",
                table="places",
                row=row,
                column="x",
            )
    located = pl.Series([False] * places.height, dtype=pl.Boolean)
    for mask in has.values():
        located = located | mask
    if "area" in places.columns:
        located = located | places.get_column("area").is_not_null()
    if places.height and not located.all():
        row = _first(~located)
        raise ValidationError(
            "this place has no location: give lat/lon, x/y or an area",
            table="places",
            row=row,
            column="lat" if "lat" in places.columns else "area",
        )


def validate_places(data: Any) -> pl.DataFrame:
    """Check and normalise a ``places`` table (its schema, then :func:`check_places`).

    Parameters
    ----------
    data : polars, pandas or Arrow table, or dict of columns
        The ``places`` table.

    Returns
    -------
    pl.DataFrame
        The table with the schema's types and ``kind`` in lower case.

    Raises
    ------
    ValidationError
        Naming the table, row and column of the first problem.

    Examples
    --------
    >>> t = validate_places({"participant_id": [1, 2], "place_id": ["a", "b"],
    ...                      "kind": ["Need", "asset"], "category": ["safety", "park"],
    ...                      "lat": ["51.75", 51.76], "lon": [-1.25, -1.26]})
    >>> t["kind"].to_list(), t["lat"].to_list()
    (['need', 'asset'], [51.75, 51.76])
    """
    out = _validate("places", data)
    check_places(out)
    return out.with_columns(pl.col("kind").str.strip_chars().str.to_lowercase())


def validate_support(data: Any) -> pl.DataFrame:
    """Check and normalise a ``support`` table.

    Parameters
    ----------
    data : polars, pandas or Arrow table, or dict of columns
        ``participant_id``, ``place_id``.

    Returns
    -------
    pl.DataFrame
        The validated table.

    Raises
    ------
    ValidationError
        Naming the row and column of the first problem (e.g. a duplicate vote).

    Examples
    --------
    >>> validate_support({"participant_id": [1, 2], "place_id": ["a", "a"]}).height
    2
    """
    return _validate("support", data)


def validate_appraisals(data: Any) -> pl.DataFrame:
    """Check and normalise an ``appraisals`` table.

    Parameters
    ----------
    data : polars, pandas or Arrow table, or dict of columns
        ``round``, ``place_id``, ``participant_id``, ``need_score``, [``achievement_score``].

    Returns
    -------
    pl.DataFrame
        The validated table.

    Raises
    ------
    ValidationError
        Naming the row and column of the first problem.

    Examples
    --------
    >>> validate_appraisals({"round": [1, 2], "place_id": ["a", "a"],
    ...                      "participant_id": [7, 7], "need_score": [8, 3]})["need_score"].to_list()
    [8.0, 3.0]
    """
    return _validate("appraisals", data)
