"""Maps fit to publish: mapped points aggregated to a grid, small cells suppressed.

A published map never shows one person's point. :func:`publishable_points` counts the places
and the distinct people in each cell of a fixed grid (of ``grid_m`` metres on a map, plan
units on a plan) and drops every cell that fewer than ``min_cell`` people mapped (THE
small-cell rule, :func:`coprod_analytics.privacy.small_cell_expr`). A published cell is
placed at the cell's centre, never at the mean of its points.

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

__all__ = ["GridPoints", "grid_cells", "publishable_points"]

#: Metres per degree of latitude on the sphere of :data:`EARTH_RADIUS_M`.
M_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


@dataclass(frozen=True, repr=False)
class GridPoints(Result):
    """Mapped places aggregated to a grid, cells of fewer than ``min_cell`` people dropped.

    Attributes
    ----------
    frame : pl.DataFrame
        One row per published cell (and ``by`` group): ``cell``, the ``by`` columns, the
        cell centre (``lat``/``lon`` or ``x``/``y``), ``n_places``, ``n_people``.
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
        The sentence to print under the map.
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> from coprod_analytics.mapping import simulate_places
    >>> publishable_points(simulate_places().places, grid_m=250)  # doctest: +ELLIPSIS
    <GridPoints: ... cells of 250 m published, ... of fewer than 5 people not shown>
    """

    frame: pl.DataFrame
    system: str
    grid_m: float
    min_cell: int
    n_suppressed: int
    n_unlocated: int
    note: str
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
        return (
            f"{self.frame.height} cells of {self.grid_m:g} {unit} published, "
            f"{self.n_suppressed} of fewer than {self.min_cell} people not shown\n{self.note}"
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


def publishable_points(
    places: pl.DataFrame | Inquiry,
    *,
    grid_m: float = 250.0,
    min_cell: int = DEFAULT_MIN_CELL,
    by: str | Sequence[str] | None = "kind",
) -> GridPoints:
    """Mapped places aggregated to a grid, with the cells of fewer than ``min_cell`` people
    dropped: the only points a published map shows.

    Parameters
    ----------
    places : pl.DataFrame or Inquiry
        The ``places`` table (or an Inquiry holding one).
    grid_m : float, default 250.0
        The cell size: metres on a map, plan units on a plan.
    min_cell : int, default 5
        Cells mapped by fewer distinct people are not published (neither their place nor
        their counts). 0 or 1 publishes every cell (still never a single point).
    by : str, sequence of str or None, default "kind"
        Columns counted separately in each cell (assets and needs are separate cells by
        default); each cell x group must reach ``min_cell`` on its own.

    Returns
    -------
    GridPoints
        The published cells and the note.

    Examples
    --------
    >>> t = pl.DataFrame({"participant_id": [1, 2, 3, 1], "place_id": [1, 2, 3, 4],
    ...                   "kind": ["need"] * 4, "category": ["safety"] * 4,
    ...                   "x": [1.0, 2.0, 3.0, 40.0], "y": [1.0, 2.0, 3.0, 40.0]})
    >>> res = publishable_points(t, grid_m=10, min_cell=3)
    >>> res.frame.select("x", "y", "n_places", "n_people").rows(), res.n_suppressed
    ([(5.0, 5.0, 3, 3)], 1)
    """
    func = "publishable_points"
    check_param(
        isinstance(grid_m, int | float) and not isinstance(grid_m, bool) and grid_m > 0,
        "grid_m",
        func,
        "a number > 0",
        grid_m,
    )
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
    if system == "geo":
        pts = np.degrees(pts)
    if system == "plan":
        pts = pts.copy()
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
    published = cells.filter(~small).select(
        "cell", *by_cols, names[0], names[1], "n_places", "n_people"
    )
    n_suppressed = int(small.sum())
    n_unlocated = int((~located).sum())
    unit = "m" if system == "geo" else "plan units"
    note = (
        f"Places are counted in cells of {grid_m:g} {unit}; "
        f"{n_suppressed} cells of fewer than {min_cell} people not shown."
        if min_cell > 1
        else f"Places are counted in cells of {grid_m:g} {unit}; every cell is shown."
    )
    if n_unlocated:
        note += f" {n_unlocated} places given by area only are not on the map."
    return GridPoints(
        frame=published,
        system=system,
        grid_m=float(grid_m),
        min_cell=min_cell,
        n_suppressed=n_suppressed,
        n_unlocated=n_unlocated,
        note=note,
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(frame),
            parameters={"grid_m": grid_m, "min_cell": min_cell, "by": by_cols},
        ),
    )
