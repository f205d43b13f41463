"""Which area a mapped point is in: point-in-polygon against the area polygons of a GeoJSON.

A facilitator's ``map.geojson`` names its areas with polygons (property ``area``, else
``name``). :func:`assign_areas` gives each place with coordinates and no area the area whose
polygon holds it (even-odd ray casting in numpy, holes respected, the first polygon wins
where polygons overlap), so :func:`~coprod_analytics.mapping.who_mapped` can count people
per area when the phones gave points rather than areas. :func:`inquiry_polygons` finds the
polygons an inquiry brings: ``metadata["map_layers"]`` (a session's Parquet export) or the
``map.geojson`` beside its files (``metadata["source_path"]``).

Coordinates are compared as given: ``[lon, lat]`` on a map (with ``lat``/``lon`` places),
plan units on a plan (with ``x``/``y`` places). Across a town, straight edges in degrees are
the edges a GeoJSON draws.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.mapping.inputs import coordinate_system, validate_places

__all__ = ["area_polygons", "assign_areas", "inquiry_polygons", "points_in_polygon"]

#: One named area: its name and its rings (the outer ring first, then holes), each an
#: ``(n, 2)`` array of ``[x, y]`` (``[lon, lat]`` on a map).
AreaPolygon = tuple[str, list[np.ndarray]]


def _features(obj: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    kind = obj.get("type")
    if kind == "FeatureCollection":
        for f in obj.get("features") or []:
            if isinstance(f, dict):
                yield from _features(f)
    elif kind == "Feature":
        yield dict(obj.get("properties") or {}), dict(obj.get("geometry") or {})
    elif isinstance(kind, str):
        yield {}, obj


def _polygons(geometry: dict[str, Any]) -> Iterator[list[Any]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        yield coords
    elif kind == "MultiPolygon":
        yield from coords
    elif kind == "GeometryCollection":
        for g in geometry.get("geometries") or []:
            if isinstance(g, dict):
                yield from _polygons(g)


def area_polygons(geojson: Any, *, file: str = "map.geojson") -> list[AreaPolygon]:
    """The named area polygons of a GeoJSON object (polygons without a name are skipped).

    Parameters
    ----------
    geojson : dict or list of dict
        A FeatureCollection, Feature or geometry (or several); a polygon's area is its
        feature's ``area`` property, else ``name``.
    file : str, default "map.geojson"
        Named in errors.

    Returns
    -------
    list of (str, list of numpy.ndarray)
        Per polygon its area name and rings (outer ring, then holes).

    Raises
    ------
    ValidationError
        Naming the file and feature when a ring is not a list of ``[x, y]`` positions.

    Examples
    --------
    >>> sq = {"type": "Feature", "properties": {"name": "North"}, "geometry": {"type":
    ...       "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}}
    >>> [(name, rings[0].shape) for name, rings in area_polygons(sq)]
    [('North', (5, 2))]
    """
    out: list[AreaPolygon] = []
    objs = geojson if isinstance(geojson, list) else [geojson]
    for obj in objs:
        if not isinstance(obj, dict):
            continue
        for i, (props, geometry) in enumerate(_features(obj), start=1):
            name = props.get("area", props.get("name"))
            if name is None:
                continue
            for poly in _polygons(geometry):
                try:
                    rings = [np.asarray(ring, dtype=float)[:, :2] for ring in poly]
                except (TypeError, ValueError, IndexError):
                    raise ValidationError(
                        f"feature {i}: its polygon's rings must be lists of [x, y] positions",
                        file=file,
                    ) from None
                if rings and rings[0].shape[0] >= 3:
                    out.append((str(name), rings))
    return out


def points_in_polygon(x: np.ndarray, y: np.ndarray, rings: list[np.ndarray]) -> np.ndarray:
    """Which points lie inside a polygon with holes (even-odd ray casting, vectorised).

    Parameters
    ----------
    x, y : numpy.ndarray
        The points' coordinates.
    rings : list of numpy.ndarray
        The outer ring, then the holes, each ``(n, 2)`` (closed or not).

    Returns
    -------
    numpy.ndarray of bool
        True for a point inside the outer ring and outside every hole.

    Examples
    --------
    >>> outer = np.array([[0, 0], [4, 0], [4, 4], [0, 4]], dtype=float)
    >>> hole = np.array([[1, 1], [3, 1], [3, 3], [1, 3]], dtype=float)
    >>> points_in_polygon(np.array([0.5, 2.0, 5.0]), np.array([0.5, 2.0, 1.0]), [outer, hole])
    array([ True, False, False])
    """
    inside = np.zeros(x.shape, dtype=bool)
    for ring in rings:
        x1, y1 = ring[:, 0], ring[:, 1]
        x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
        # each edge (x1, y1) -> (x2, y2) against each point: does a ray to +x cross it?
        crosses = (y1[None, :] > y[:, None]) != (y2[None, :] > y[:, None])
        with np.errstate(divide="ignore", invalid="ignore"):
            at = (x2 - x1)[None, :] * (y[:, None] - y1[None, :]) / (y2 - y1)[None, :] + x1[None, :]
        odd = (crosses & (x[:, None] < at)).sum(axis=1) % 2 == 1
        inside ^= odd  # a hole flips its inside back out
    return inside


def assign_areas(
    places: Any,
    polygons: Any,
    *,
    area: str = "area",
    overwrite: bool = False,
) -> pl.DataFrame:
    """The places with the area whose polygon holds each point.

    Parameters
    ----------
    places : pl.DataFrame or Inquiry
        The ``places`` table (or an Inquiry holding one), with ``lat``/``lon`` or ``x``/``y``.
    polygons : dict, list of dict or list of AreaPolygon
        A GeoJSON object (or several) naming areas with polygons (see :func:`area_polygons`),
        or what :func:`area_polygons` returns.
    area : str, default "area"
        The column to fill (created when missing).
    overwrite : bool, default False
        Replace areas the places already have (default: fill only the missing ones).

    Returns
    -------
    pl.DataFrame
        ``places`` with ``area`` filled where a point falls in a named polygon (null where it
        falls in none, or has no coordinates).

    Examples
    --------
    >>> sq = lambda x0, name: {"type": "Feature", "properties": {"area": name}, "geometry":
    ...     {"type": "Polygon", "coordinates": [[[x0, 51], [x0 + 1, 51], [x0 + 1, 52],
    ...     [x0, 52], [x0, 51]]]}}
    >>> town = {"type": "FeatureCollection", "features": [sq(0, "West"), sq(1, "East")]}
    >>> t = pl.DataFrame({"participant_id": [1, 2, 3], "place_id": ["a", "b", "c"],
    ...     "kind": ["need"] * 3, "category": ["safety"] * 3, "lat": [51.5, 51.5, 53.0],
    ...     "lon": [0.5, 1.5, 0.5]})
    >>> assign_areas(t, town)["area"].to_list()
    ['West', 'East', None]
    """
    if isinstance(places, Inquiry):
        places = places.tables.get("places")
        if places is None:
            raise ValidationError("assign_areas needs a 'places' table", table="places")
    frame = validate_places(places)
    polys = (
        polygons
        if isinstance(polygons, list) and all(isinstance(p, tuple) for p in polygons)
        else area_polygons(polygons)
    )
    system = coordinate_system(frame)
    found: list[str | None] = [None] * frame.height
    if system != "none" and polys:
        a, b = ("lon", "lat") if system == "geo" else ("x", "y")
        xs = frame.get_column(a).cast(pl.Float64).to_numpy()
        ys = frame.get_column(b).cast(pl.Float64).to_numpy()
        known = ~(np.isnan(xs) | np.isnan(ys))
        todo = known.copy()
        for name, rings in polys:
            idx = np.flatnonzero(todo)
            if idx.size == 0:
                break
            hit = idx[points_in_polygon(xs[idx], ys[idx], rings)]
            for i in hit.tolist():
                found[i] = name
            todo[hit] = False
    new = pl.Series(area, found, dtype=pl.String)
    if area not in frame.columns:
        return frame.with_columns(new)
    old = frame.get_column(area).cast(pl.String)
    merged = new.fill_null(old) if overwrite else old.fill_null(new)
    return frame.with_columns(merged.alias(area))


def inquiry_polygons(inquiry: Inquiry) -> list[AreaPolygon]:
    """The area polygons an inquiry brings (none when it brings no readable GeoJSON).

    ``metadata["map_layers"]`` (the base a session's Parquet export keeps), else the
    ``map.geojson`` beside the inquiry's files (``metadata["source_path"]``).

    Parameters
    ----------
    inquiry : Inquiry

    Returns
    -------
    list of AreaPolygon
        See :func:`area_polygons`.

    Examples
    --------
    >>> inquiry_polygons(Inquiry())
    []
    """
    meta = inquiry.metadata
    layers = meta.get("map_layers")
    if isinstance(layers, list):
        return area_polygons([x for x in layers if isinstance(x, dict)])
    src = meta.get("source_path")
    f = Path(str(src)) / "map.geojson" if src else None
    if f is None or not f.is_file():
        return []
    try:
        obj = json.loads(f.read_text("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(f"not valid JSON ({exc})", file=str(f)) from None
    return area_polygons(obj, file=str(f))
