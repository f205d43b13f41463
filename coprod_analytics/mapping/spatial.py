"""Where things are: hotspots of mapped places and how far each need is from an asset.

- :func:`hotspots` — DBSCAN on great-circle distance in metres (or on plan distance), the
  same labels as scikit-learn's ``DBSCAN(metric="haversine")`` on the same points;
- :func:`hotspot_summary` — one row per hotspot (size, people, centre, main category), with
  hotspots of fewer than ``min_cell`` people suppressed;
- :func:`coverage` — from each need to the nearest asset of a matching category
  (great-circle metres, a haversine ball tree);
- :func:`coverage_summary` — coverage per category, fit to publish.

References: Ester, Kriegel, Sander and Xu (1996), "A density-based algorithm for discovering
clusters in large spatial databases with noise", KDD-96 (DBSCAN); great-circle distance by
the haversine formula on a sphere of the mean Earth radius, 6 371 008.8 m (IUGG).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import check_param
from coprod_analytics.mapping._tables import EARTH_RADIUS_M, coordinates, places_of
from coprod_analytics.privacy import DEFAULT_MIN_CELL, suppress_small_cells

__all__ = [
    "EARTH_RADIUS_M",
    "coverage",
    "coverage_summary",
    "first_appearance_labels",
    "hotspot_summary",
    "hotspots",
]


def first_appearance_labels(labels: Any) -> np.ndarray:
    """Renumber cluster labels 0, 1, 2, ... in order of first appearance; -1 stays -1.

    This is the numbering rule of :func:`hotspots`; two labellings are the same partition
    exactly when their renumberings are equal.

    Parameters
    ----------
    labels : array-like of int
        Cluster labels, -1 for noise.

    Returns
    -------
    numpy.ndarray
        The renumbered labels (int64).

    Examples
    --------
    >>> first_appearance_labels([3, -1, 3, 0, 1, 0]).tolist()
    [0, -1, 0, 1, 2, 1]
    """
    arr = np.asarray(labels, dtype=np.int64)
    out = np.full(arr.shape, -1, dtype=np.int64)
    seen: dict[int, int] = {}
    for i, lab in enumerate(arr.tolist()):
        if lab < 0:
            continue
        if lab not in seen:
            seen[lab] = len(seen)
        out[i] = seen[lab]
    return out


def _groups(frame: pl.DataFrame, by: list[str]) -> list[np.ndarray]:
    """Row indices of each group of ``by`` (in order of first appearance)."""
    if not by:
        return [np.arange(frame.height)]
    ids = (
        frame.select(pl.struct(by).rank("dense").alias("_g"))  # one number per group
        .to_series()
        .to_numpy()
    )
    firsts = sorted(
        {int(g): i for i, g in reversed(list(enumerate(ids.tolist())))}.items(),
        key=lambda kv: kv[1],
    )
    return [np.flatnonzero(ids == g) for g, _ in firsts]


def _check_positive(value: float, name: str, func: str) -> None:
    check_param(
        isinstance(value, int | float) and not isinstance(value, bool) and value > 0,
        name,
        func,
        "a number > 0",
        value,
    )


def hotspots(
    places: Any,
    *,
    radius_m: float = 100.0,
    min_points: int = 5,
    by: str | Sequence[str] | None = "kind",
) -> pl.DataFrame:
    """Hotspots of mapped places: DBSCAN on great-circle distance (or plan distance).

    A place is in a hotspot when at least ``min_points`` places (itself included) lie within
    ``radius_m`` of it, or when it lies within ``radius_m`` of such a place (DBSCAN, Ester et
    al. 1996). On a map, distance is great-circle distance in metres on a sphere of radius
    :data:`EARTH_RADIUS_M`; the labels are those of scikit-learn's
    ``DBSCAN(eps=radius_m / 6371008.8, min_samples=min_points, metric="haversine")`` on
    ``[lat, lon]`` in radians (which this function runs, with a ball tree). On a plan
    (``x``/``y``) distance is Euclidean in plan units and ``radius_m`` is in plan units.

    Parameters
    ----------
    places : pl.DataFrame or Inquiry
        The ``places`` table (or an Inquiry holding one).
    radius_m : float, default 100.0
        The neighbourhood radius (metres; plan units on a plan).
    min_points : int, default 5
        Places within the radius (the place itself included) that make a hotspot's core.
    by : str, sequence of str or None, default "kind"
        Columns clustered separately (by default assets, needs and ideas each have their own
        hotspots); None clusters every place together.

    Returns
    -------
    pl.DataFrame
        ``places`` with an Int64 ``hotspot`` column: -1 for a place in no hotspot (or with
        no coordinates, e.g. only an area), else the hotspot's number. Hotspots are numbered
        0, 1, 2, ... in order of first appearance in the table (the rule of
        :func:`first_appearance_labels`), across the ``by`` groups.

    Examples
    --------
    >>> lat = [51.75, 51.7501, 51.7502, 51.76, 51.7601, 51.7602, 51.80]
    >>> t = pl.DataFrame({"participant_id": range(7), "place_id": range(7),
    ...                   "kind": ["need"] * 7, "category": ["safety"] * 7,
    ...                   "lat": lat, "lon": [-1.25] * 7})
    >>> hotspots(t, radius_m=50, min_points=3)["hotspot"].to_list()
    [0, 0, 0, 1, 1, 1, -1]
    """
    func = "hotspots"
    _check_positive(radius_m, "radius_m", func)
    check_param(
        isinstance(min_points, int) and not isinstance(min_points, bool) and min_points >= 1,
        "min_points",
        func,
        "an int >= 1",
        min_points,
    )
    frame = places_of(places, func)
    by_cols = [] if by is None else [by] if isinstance(by, str) else list(by)
    for col in by_cols:
        check_param(col in frame.columns, "by", func, f"columns of places {frame.columns}", by)
    system, pts, located = coordinates(frame)
    labels = np.full(frame.height, -1, dtype=np.int64)
    if system != "none" and pts.shape[0]:
        from sklearn.cluster import DBSCAN

        row_of = np.flatnonzero(located)  # table row of each located point
        point_of = np.full(frame.height, -1)
        point_of[row_of] = np.arange(row_of.size)
        offset = 0
        for rows in _groups(frame, by_cols):
            rows = rows[located[rows]]
            if rows.size == 0:
                continue
            x = pts[point_of[rows]]
            if system == "geo":
                model = DBSCAN(
                    eps=radius_m / EARTH_RADIUS_M, min_samples=min_points, metric="haversine"
                )
            else:
                model = DBSCAN(eps=radius_m, min_samples=min_points)
            lab = model.fit(x).labels_.astype(np.int64)
            labels[rows] = np.where(lab >= 0, lab + offset, -1)
            offset += int(lab.max()) + 1 if (lab >= 0).any() else 0
    return frame.with_columns(pl.Series("hotspot", first_appearance_labels(labels), pl.Int64))


def hotspot_summary(labelled: pl.DataFrame, *, min_cell: int = DEFAULT_MIN_CELL) -> pl.DataFrame:
    """One row per hotspot of :func:`hotspots`, fit to publish.

    Parameters
    ----------
    labelled : pl.DataFrame
        The output of :func:`hotspots`.
    min_cell : int, default 5
        A hotspot mapped by fewer people has its counts and centre suppressed (null), so that
        no published centre stands for one person's points.

    Returns
    -------
    pl.DataFrame
        ``hotspot``, ``kind``, ``category`` (the most frequent; ties by name), ``n_places``,
        ``n_people`` and the centre (``lat``/``lon`` or ``x``/``y``, the mean of its
        places), largest first.

    Examples
    --------
    >>> lat = [51.75, 51.7501, 51.7502, 51.7503, 51.7504]
    >>> t = pl.DataFrame({"participant_id": range(5), "place_id": range(5),
    ...                   "kind": ["need"] * 5, "category": ["safety"] * 5,
    ...                   "lat": lat, "lon": [-1.25] * 5})
    >>> hotspot_summary(hotspots(t, radius_m=50, min_points=3)).select(
    ...     "hotspot", "n_places", "n_people").rows()
    [(0, 5, 5)]
    """
    check_param(
        isinstance(min_cell, int) and not isinstance(min_cell, bool) and min_cell >= 0,
        "min_cell",
        "hotspot_summary",
        "an int >= 0",
        min_cell,
    )
    system, _, _ = coordinates(labelled)
    centre = ["lat", "lon"] if system == "geo" else ["x", "y"] if system == "plan" else []
    inside = labelled.filter(pl.col("hotspot") >= 0)
    top = (
        inside.group_by("hotspot", "category")
        .len()
        .sort(["hotspot", "len", "category"], descending=[False, True, False])
        .group_by("hotspot", maintain_order=True)
        .first()
        .select("hotspot", "category")
    )
    table = (
        inside.group_by("hotspot")
        .agg(
            pl.col("kind").first(),
            pl.len().cast(pl.Int64).alias("n_places"),
            pl.col("participant_id").n_unique().cast(pl.Int64).alias("n_people"),
            *[pl.col(c).mean() for c in centre],
        )
        .join(top, on="hotspot")
        .select("hotspot", "kind", "category", "n_places", "n_people", *centre)
        .sort(["n_places", "hotspot"], descending=[True, False])
    )
    sup = suppress_small_cells(
        table,
        count_column="n_people",
        min_cell=min_cell,
        also=["n_places", *centre],
        unit="people",
    )
    return sup.frame


def _tree(points: np.ndarray, system: str) -> Any:
    from sklearn.neighbors import BallTree

    return BallTree(points, metric="haversine" if system == "geo" else "euclidean")


def coverage(
    places: Any,
    *,
    within_m: float | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
) -> pl.DataFrame:
    """For each mapped need, the nearest asset of a matching category and how far it is.

    Distances are great-circle metres (a haversine ball tree on a sphere of radius
    :data:`EARTH_RADIUS_M`), or plan units on a plan.

    Parameters
    ----------
    places : pl.DataFrame or Inquiry
        The ``places`` table (or an Inquiry holding one).
    within_m : float, optional
        A need is ``covered`` when a matching asset is within this distance (None: the
        ``covered`` column is null).
    categories : mapping of str to sequence of str, optional
        For a need category, the asset categories that meet it (default: the same
        category only), e.g. ``{"play": ["park", "playground"]}``.

    Returns
    -------
    pl.DataFrame
        One row per need, in table order: ``place_id``, ``participant_id``, ``category``,
        ``nearest_asset_id`` and ``distance_m`` (null when there is no asset of a matching
        category or the need has no coordinates), ``no_asset`` (true when no asset of a
        matching category is mapped anywhere), ``covered``.

    Examples
    --------
    >>> t = pl.DataFrame({"participant_id": [1, 2, 3], "place_id": ["n1", "a1", "n2"],
    ...                   "kind": ["need", "asset", "need"],
    ...                   "category": ["park", "park", "youth"],
    ...                   "lat": [51.75, 51.751, 51.75], "lon": [-1.25, -1.25, -1.25]})
    >>> cov = coverage(t, within_m=200)
    >>> cov.select("place_id", "nearest_asset_id", "no_asset", "covered").rows()
    [('n1', 'a1', False, True), ('n2', None, True, None)]
    >>> round(cov["distance_m"][0], 1)
    111.2
    """
    func = "coverage"
    if within_m is not None:
        _check_positive(within_m, "within_m", func)
    frame = places_of(places, func)
    system, pts, located = coordinates(frame)
    point_of = np.full(frame.height, -1)
    point_of[np.flatnonzero(located)] = np.arange(int(located.sum()))
    kinds = frame.get_column("kind").to_numpy()
    cats = frame.get_column("category").to_list()
    ids = frame.get_column("place_id").to_list()
    needs = np.flatnonzero(kinds == "need")
    assets = np.flatnonzero(kinds == "asset")
    asset_rows: dict[str, list[int]] = {}
    for r in assets.tolist():
        asset_rows.setdefault(cats[r], []).append(r)
    nearest: list[Any] = []
    dist: list[float | None] = []
    no_asset: list[bool] = []
    trees: dict[tuple[str, ...], tuple[Any, np.ndarray] | None] = {}
    for r in needs.tolist():
        wanted = tuple(categories.get(cats[r], [cats[r]])) if categories else (cats[r],)
        rows = [a for c in wanted for a in asset_rows.get(c, [])]
        no_asset.append(not rows)
        located_rows = np.array([a for a in rows if located[a]], dtype=np.int64)
        if not located[r] or located_rows.size == 0:
            nearest.append(None)
            dist.append(None)
            continue
        if wanted not in trees:
            trees[wanted] = (_tree(pts[point_of[located_rows]], system), located_rows)
        tree, tree_rows = trees[wanted]  # type: ignore[misc]
        d, i = tree.query(pts[point_of[r]][None, :], k=1)
        nearest.append(ids[int(tree_rows[int(i[0, 0])])])
        scale = EARTH_RADIUS_M if system == "geo" else 1.0
        dist.append(float(d[0, 0]) * scale)
    need_frame = frame[needs.tolist()] if needs.size else frame.clear()
    covered = [None if within_m is None or d is None else bool(d <= within_m) for d in dist]
    return need_frame.select("place_id", "participant_id", "category").with_columns(
        pl.Series("nearest_asset_id", nearest, dtype=frame.schema["place_id"]),
        pl.Series("distance_m", dist, dtype=pl.Float64),
        pl.Series("no_asset", no_asset, dtype=pl.Boolean),
        pl.Series("covered", covered, dtype=pl.Boolean),
    )


def coverage_summary(cov: pl.DataFrame, *, min_cell: int = DEFAULT_MIN_CELL) -> pl.DataFrame:
    """Coverage of needs per category, fit to publish.

    Parameters
    ----------
    cov : pl.DataFrame
        The output of :func:`coverage`.
    min_cell : int, default 5
        Categories whose needs were mapped by fewer people have their counts and distances
        suppressed (null).

    Returns
    -------
    pl.DataFrame
        ``category``, ``n_needs``, ``n_people`` (who mapped them), ``median_distance_m``,
        ``share_covered`` (null without ``within_m``), ``no_asset`` (no asset of a matching
        category anywhere), by ``n_needs`` then category.

    Examples
    --------
    >>> cov = pl.DataFrame({"place_id": [1, 2], "participant_id": [1, 2],
    ...                     "category": ["park", "park"], "nearest_asset_id": [9, 9],
    ...                     "distance_m": [100.0, 300.0], "no_asset": [False, False],
    ...                     "covered": [True, False]})
    >>> coverage_summary(cov, min_cell=0).row(0)
    ('park', 2, 2, 200.0, 0.5, False)
    """
    table = (
        cov.group_by("category")
        .agg(
            pl.len().cast(pl.Int64).alias("n_needs"),
            pl.col("participant_id").n_unique().cast(pl.Int64).alias("n_people"),
            pl.col("distance_m").median().alias("median_distance_m"),
            pl.col("covered").cast(pl.Float64).mean().alias("share_covered"),
            pl.col("no_asset").all().alias("no_asset"),
        )
        .sort(["n_needs", "category"], descending=[True, False])
    )
    return suppress_small_cells(
        table, count_column="n_people", min_cell=min_cell, unit="people"
    ).frame
