"""Maps fit to publish: mapped points aggregated to a grid or jittered, small cells suppressed.

A published map never shows one person's point. :func:`publishable_points` counts the places
and the distinct people in each cell of a fixed grid (of ``grid_m`` metres on a map, plan
units on a plan) and drops every cell that fewer than ``min_cell`` people mapped (THE
small-cell rule, :func:`coprod_analytics.privacy.small_cell_expr`). Then either
(``method="grid"``) a published cell is placed at the cell's centre, never at the mean of its
points, or (``method="jitter"``) each place of a published cell is moved in a random direction
by a random distance between a tenth of ``radius_m`` and ``radius_m`` (uniform over that ring:
"donut" geomasking), so no published point is a mapped point and none is further than
``radius_m`` from its own. Distances are great-circle metres on a map (the destination is
computed on the sphere), plan units on a plan; the draws follow ``seed``.

The grid is fixed (anchored at latitude 0 and longitude 0, or at the plan's origin), so two
publications of the same inquiry with more data share their cells. Cells are ``grid_m``
tall; their width in degrees of longitude is ``grid_m`` at the latitude of the cell row's
centre.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from coprod_analytics.errors import check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.mapping._tables import EARTH_RADIUS_M, coordinates, places_of
from coprod_analytics.privacy import DEFAULT_MIN_CELL, small_cell_expr
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html

__all__ = ["METHODS", "PublishedPoints", "grid_cells", "jitter_points", "publishable_points"]

#: The ways a map is published.
METHODS = ("grid", "jitter")
#: A jittered point moves at least this share of ``radius_m`` (never to where it was).
JITTER_MIN_SHARE = 0.1

#: Metres per degree of latitude on the sphere of :data:`EARTH_RADIUS_M`.
M_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


@dataclass(frozen=True, repr=False)
class PublishedPoints(Result):
    """Mapped places fit to publish: grid cells or jittered points, cells of fewer than
    ``min_cell`` people dropped.

    Attributes
    ----------
    frame : pl.DataFrame
        ``method="grid"``: one row per published cell (and ``by`` group): ``cell``, the
        ``by`` columns, the cell centre (``lat``/``lon`` or ``x``/``y``), ``n_places``,
        ``n_people``. ``method="jitter"``: one row per place of a published cell: ``cell``,
        the ``by`` columns, the moved point, ``n_places`` (1) and ``n_people`` (the cell's).
    system : str
        ``"geo"`` (lat/lon) or ``"plan"`` (x/y).
    grid_m : float
        The cell size (metres on a map, plan units on a plan).
    min_cell : int
        Cells mapped by fewer people were dropped.
    n_suppressed : int
        Cells dropped (not published: neither their place nor their counts).
    n_unlocated : int
        Places without coordinates (an area only), not on the grid.
    note : str
        The sentence to print under the map: the method, the cell size or radius, what was
        not shown.
    method : str
        ``"grid"`` or ``"jitter"``.
    radius_m : float or None
        The jitter's largest move (metres on a map, plan units on a plan); None for a grid.
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> from coprod_analytics.mapping import simulate_places
    >>> publishable_points(simulate_places().places, grid_m=250)  # doctest: +ELLIPSIS
    <PublishedPoints: ... cells of 250 m published, ... of fewer than 5 people not shown>
    """

    frame: pl.DataFrame
    system: str
    grid_m: float
    min_cell: int
    n_suppressed: int
    n_unlocated: int
    note: str
    method: str = "grid"
    radius_m: float | None = None
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The published cells (see :attr:`frame`).

        Returns
        -------
        pl.DataFrame
        """
        return self.frame

    def summary(self) -> str:
        """How many cells are published and the note.

        Returns
        -------
        str
        """
        unit = "m" if self.system == "geo" else "plan units"
        what = (
            f"{self.frame.height} points jittered by up to {self.radius_m:g} {unit} published, "
            f"cells of {self.grid_m:g} {unit}: "
            if self.method == "jitter"
            else f"{self.frame.height} cells of {self.grid_m:g} {unit} published, "
        )
        return (
            f"{what}{self.n_suppressed} of fewer than {self.min_cell} people not shown\n{self.note}"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.frame) + f"<p><em>{html.escape(self.note)}</em></p>"


def grid_cells(points: np.ndarray, system: str, grid_m: float) -> tuple[np.ndarray, np.ndarray]:
    """The grid cell of each point and the cells' centres.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, 2)``: ``[lat, lon]`` in degrees (``system="geo"``) or ``[x, y]`` (``"plan"``).
    system : {"geo", "plan"}
        The coordinate system.
    grid_m : float
        Cell size: metres on a map, plan units on a plan.

    Returns
    -------
    tuple of numpy.ndarray
        ``(cell, centre)``: ``(n, 2)`` integer cell indices (row, column) and ``(n, 2)``
        centres in the points' coordinates.

    Examples
    --------
    >>> cell, centre = grid_cells(np.array([[10.0, 20.0], [14.0, 26.0]]), "plan", 5.0)
    >>> cell.tolist(), centre.tolist()
    ([[4, 2], [5, 2]], [[12.5, 22.5], [12.5, 27.5]])
    """
    if system == "plan":
        row = np.floor(points[:, 1] / grid_m).astype(np.int64)
        col = np.floor(points[:, 0] / grid_m).astype(np.int64)
        centre = np.column_stack([(col + 0.5) * grid_m, (row + 0.5) * grid_m])
        return np.column_stack([row, col]), centre
    dlat = grid_m / M_PER_DEGREE
    row = np.floor(points[:, 0] / dlat).astype(np.int64)
    lat_c = (row + 0.5) * dlat
    dlon = dlat / np.maximum(np.cos(np.radians(lat_c)), 1e-9)
    col = np.floor(points[:, 1] / dlon).astype(np.int64)
    centre = np.column_stack([lat_c, (col + 0.5) * dlon])
    return np.column_stack([row, col]), centre


def _haversine_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle metres between rows of ``a`` and ``b`` (``[lat, lon]`` in degrees)."""
    la, lb = np.radians(a), np.radians(b)
    h = (
        np.sin((lb[:, 0] - la[:, 0]) / 2) ** 2
        + np.cos(la[:, 0]) * np.cos(lb[:, 0]) * np.sin((lb[:, 1] - la[:, 1]) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _moved(
    points: np.ndarray, system: str, distance: np.ndarray, bearing: np.ndarray
) -> np.ndarray:
    if system != "geo":
        return points + np.column_stack([distance * np.cos(bearing), distance * np.sin(bearing)])
    lat1, lon1 = np.radians(points[:, 0]), np.radians(points[:, 1])
    d = distance / EARTH_RADIUS_M
    lat2 = np.arcsin(
        np.clip(np.sin(lat1) * np.cos(d) + np.cos(lat1) * np.sin(d) * np.cos(bearing), -1, 1)
    )
    lon2 = lon1 + np.arctan2(
        np.sin(bearing) * np.sin(d) * np.cos(lat1), np.cos(d) - np.sin(lat1) * np.sin(lat2)
    )
    lon2 = (lon2 + np.pi) % (2 * np.pi) - np.pi
    return np.column_stack([np.degrees(lat2), np.degrees(lon2)])


def jitter_points(points: np.ndarray, system: str, radius_m: float, *, seed: int = 0) -> np.ndarray:
    """Each point moved in a random direction by a random distance between
    ``JITTER_MIN_SHARE * radius_m`` and ``radius_m`` (uniform over the ring), never onto
    any of the given points.

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, 2)``: ``[lat, lon]`` in degrees (``system="geo"``) or ``[x, y]`` (``"plan"``).
    system : {"geo", "plan"}
        The coordinate system: great-circle metres on a map, plan units on a plan.
    radius_m : float
        The largest move.
    seed : int, default 0
        The random draws.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)``: the moved points, each within ``radius_m`` of its own point and equal to
        none of ``points``.

    Examples
    --------
    >>> pts = np.array([[3.0, 4.0], [3.0, 4.0]])
    >>> moved = jitter_points(pts, "plan", 2.0)
    >>> bool(((np.hypot(*(moved - pts).T) <= 2.0) & (np.hypot(*(moved - pts).T) >= 0.2)).all())
    True
    """
    rng = np.random.default_rng(seed)
    n = points.shape[0]
    out = np.empty_like(points, dtype=float)
    todo = np.arange(n)
    taken = {tuple(p) for p in points.tolist()}
    inner = JITTER_MIN_SHARE * radius_m
    for _ in range(100):
        if not todo.size:
            return out
        bearing = rng.uniform(0.0, 2 * np.pi, todo.size)
        u = rng.uniform(0.0, 1.0, todo.size)
        distance = np.sqrt(inner**2 + u * (radius_m**2 - inner**2))  # uniform over the ring
        moved = _moved(points[todo], system, distance, bearing)
        far = (
            _haversine_m(points[todo], moved)
            if system == "geo"
            else np.hypot(*(moved - points[todo]).T)
        )
        ok = (far <= radius_m) & (far > 0) & np.isfinite(moved).all(axis=1)
        ok &= np.array([tuple(p) not in taken for p in moved.tolist()], dtype=bool)
        out[todo[ok]] = moved[ok]
        todo = todo[~ok]
    raise ValueError(f"jitter_points: {todo.size} points could not be moved within {radius_m}")


def publishable_points(
    places: pl.DataFrame | Inquiry,
    *,
    method: str = "grid",
    grid_m: float = 250.0,
    radius_m: float | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    by: str | Sequence[str] | None = "kind",
    seed: int = 0,
) -> PublishedPoints:
    """Mapped places fit to publish, with the cells of fewer than ``min_cell`` people
    dropped: grid cells (``method="grid"``) or jittered points (``method="jitter"``).

    Parameters
    ----------
    places : pl.DataFrame or Inquiry
        The ``places`` table (or an Inquiry holding one).
    method : {"grid", "jitter"}, default "grid"
        ``"grid"``: one point per published cell, at the cell's centre, with its counts.
        ``"jitter"``: each place of a published cell, moved at random by up to ``radius_m``
        (never by less than a tenth of it, never onto a mapped point).
    grid_m : float, default 250.0
        The cell size: metres on a map, plan units on a plan. Both methods count people in
        these cells for the small-cell rule.
    radius_m : float, optional
        The jitter's largest move (metres on a map, plan units on a plan); default half of
        ``grid_m``. Only with ``method="jitter"``.
    min_cell : int, default 5
        Cells mapped by fewer distinct people are not published (neither their place nor
        their counts). 0 or 1 publishes every cell (still never a single point).
    by : str, sequence of str or None, default "kind"
        Columns counted separately in each cell (assets and needs are separate cells by
        default); each cell x group must reach ``min_cell`` on its own.
    seed : int, default 0
        The jitter's random draws (the same seed, the same published map).

    Returns
    -------
    PublishedPoints
        The published cells or points and the note (method, size or radius, what was not
        shown).

    Raises
    ------
    ParameterError
        Naming ``method``, ``grid_m``, ``radius_m``, ``min_cell`` or ``by``.

    Examples
    --------
    >>> t = pl.DataFrame({"participant_id": [1, 2, 3, 1], "place_id": [1, 2, 3, 4],
    ...                   "kind": ["need"] * 4, "category": ["safety"] * 4,
    ...                   "x": [1.0, 2.0, 3.0, 40.0], "y": [1.0, 2.0, 3.0, 40.0]})
    >>> res = publishable_points(t, grid_m=10, min_cell=3)
    >>> res.frame.select("x", "y", "n_places", "n_people").rows(), res.n_suppressed
    ([(5.0, 5.0, 3, 3)], 1)
    >>> moved = publishable_points(t, method="jitter", grid_m=10, radius_m=2, min_cell=3)
    >>> moved.frame.height, moved.note  # the three places of the cell, each moved
    (3, 'Each place is shown moved at random by up to 2 plan units (jitter), never where it was mapped; 1 cells (of 10 plan units) of fewer than 3 people not shown.')
    """
    func = "publishable_points"
    check_param(method in METHODS, "method", func, f"one of {list(METHODS)}", method)
    check_param(
        isinstance(grid_m, int | float) and not isinstance(grid_m, bool) and grid_m > 0,
        "grid_m",
        func,
        "a number > 0",
        grid_m,
    )
    if radius_m is not None:
        check_param(method == "jitter", "radius_m", func, 'None unless method="jitter"', radius_m)
        check_param(
            isinstance(radius_m, int | float)
            and not isinstance(radius_m, bool)
            and math.isfinite(radius_m)
            and radius_m > 0,
            "radius_m",
            func,
            "a number > 0",
            radius_m,
        )
    radius = float(grid_m) / 2 if radius_m is None else float(radius_m)
    check_param(
        isinstance(min_cell, int) and not isinstance(min_cell, bool) and min_cell >= 0,
        "min_cell",
        func,
        "an int >= 0",
        min_cell,
    )
    frame = places_of(places, func)
    by_cols = [] if by is None else [by] if isinstance(by, str) else list(by)
    for col in by_cols:
        check_param(col in frame.columns, "by", func, f"columns of places {frame.columns}", by)
    system, pts, located = coordinates(frame)
    names = ("lat", "lon") if system == "geo" else ("x", "y")
    pts = np.degrees(pts) if system == "geo" else pts.copy()
    cell, centre = (
        grid_cells(pts, system, grid_m)
        if pts.shape[0]
        else (
            np.empty((0, 2), dtype=np.int64),
            np.empty((0, 2)),
        )
    )
    on_grid = (
        frame.filter(pl.Series(located))
        .select("participant_id", *by_cols)
        .with_columns(
            pl.Series("_row", cell[:, 0], dtype=pl.Int64),
            pl.Series("_col", cell[:, 1], dtype=pl.Int64),
            pl.Series(names[0], centre[:, 0], dtype=pl.Float64),
            pl.Series(names[1], centre[:, 1], dtype=pl.Float64),
            pl.Series("_i", np.arange(pts.shape[0]), dtype=pl.Int64),
        )
    )
    cells = (
        on_grid.group_by("_row", "_col", *by_cols)
        .agg(
            pl.col(names[0]).first(),
            pl.col(names[1]).first(),
            pl.len().cast(pl.Int64).alias("n_places"),
            pl.col("participant_id").n_unique().cast(pl.Int64).alias("n_people"),
        )
        .sort(["_row", "_col", *by_cols])
        .with_columns(
            pl.format("{}:{}", pl.col("_row"), pl.col("_col")).alias("cell"),
        )
    )
    small = cells.select(small_cell_expr("n_people", min_cell=min_cell)).to_series()
    n_suppressed = int(small.sum())
    n_unlocated = int((~located).sum())
    unit = "m" if system == "geo" else "plan units"
    if method == "grid":
        published = cells.filter(~small).select(
            "cell", *by_cols, names[0], names[1], "n_places", "n_people"
        )
        note = f"Places are counted in cells of {grid_m:g} {unit}; " + (
            f"{n_suppressed} cells of fewer than {min_cell} people not shown."
            if min_cell > 1
            else "every cell is shown."
        )
    else:
        keys = ["_row", "_col", *by_cols]
        kept = (
            on_grid.select(*keys, "_i")
            .join(
                cells.filter(~small).select(*keys, "cell", "n_people"),
                on=keys,
                how="inner",
                nulls_equal=True,
            )
            .sort("_i")
        )
        idx = kept.get_column("_i").to_numpy()
        moved = jitter_points(pts[idx], system, radius, seed=seed)
        published = kept.select(
            "cell",
            *by_cols,
            pl.Series(names[0], moved[:, 0], dtype=pl.Float64),
            pl.Series(names[1], moved[:, 1], dtype=pl.Float64),
            pl.lit(1, dtype=pl.Int64).alias("n_places"),
            "n_people",
        )
        note = (
            f"Each place is shown moved at random by up to {radius:g} {unit} (jitter), never "
            "where it was mapped; "
            + (
                f"{n_suppressed} cells (of {grid_m:g} {unit}) of fewer than {min_cell} "
                "people not shown."
                if min_cell > 1
                else "every cell is shown."
            )
        )
    if n_unlocated:
        note += f" {n_unlocated} places given by area only are not on the map."
    parameters: dict[str, object] = {
        "method": method,
        "grid_m": grid_m,
        "min_cell": min_cell,
        "by": by_cols,
    }
    if method == "jitter":
        parameters |= {"radius_m": radius, "seed": seed}
    return PublishedPoints(
        frame=published,
        system=system,
        grid_m=float(grid_m),
        min_cell=min_cell,
        n_suppressed=n_suppressed,
        n_unlocated=n_unlocated,
        note=note,
        method=method,
        radius_m=radius if method == "jitter" else None,
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(frame),
            parameters=parameters,
        ),
    )
