"""Fleiss' kappa and Krippendorff's alpha over long ratings tables on Dask.

A ratings table (``participant_id``, ``item_id``, ``rating``; one row per rating) that does
not fit in memory is read piece by piece from Parquet (one file, a folder or a glob) and
hashed by item into partitions on the workers, so that all the ratings of an item meet in
one partition. Per partition the items' value counts are formed (items x values, as the
local engine's ``_encode``) and reduced to what the coefficient needs:

* Krippendorff's alpha: the partition's coincidence matrix (values x values; items with
  fewer than two ratings are not pairable), summed over partitions;
* Fleiss' kappa: the sum of the items' P_i, the number of items, the category totals and
  the least and most ratings of an item, summed (or min/max-ed) over partitions.

The client then computes the coefficient with the local engine's own code
(:func:`~coprod_analytics.crowd.agreement.krippendorff_alpha` and
:func:`~coprod_analytics.crowd.agreement.fleiss_kappa` with ``engine="dask"`` call
:func:`alpha_sums` / :func:`kappa_sums` and finish), so it equals the local one up to the
order of the sums. The unit bootstrap (``n_resamples > 0``) needs every item's counts: they are
gathered to the client (items x values numbers, much smaller than the ratings), put in the
local engine's item order and resampled by the local code, giving the local interval.
"""

from __future__ import annotations

import math
import operator
import os
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.consensus.dask_cluster import client_for, import_distributed, map_over
from coprod_analytics.errors import ValidationError

__all__ = ["AgreementPiece", "AlphaSums", "KappaSums", "alpha_sums", "kappa_sums"]

#: Ratings per piece read by one task.
ROWS_PER_PIECE = 2_000_000
#: Ratings per partition of items when ``n_partitions`` is not given.
RATINGS_PER_PARTITION = 4_000_000


@dataclass(frozen=True)
class AgreementPiece:
    """Rows of a ratings table read by one task: a Parquet piece or an in-memory chunk.

    Attributes
    ----------
    index : int
        Position of the piece.
    path : str or None
        The Parquet file (None: ``frame`` holds the rows).
    row_groups : tuple of int
        Row groups of the file in this piece.
    first_row : int
        0-based row (of the file or the table) where the piece starts.
    frame : polars.DataFrame or None
        The rows of an in-memory table.

    Examples
    --------
    >>> AgreementPiece(0, "ratings.parquet", (0, 1), 0).row_groups
    (0, 1)
    """

    index: int
    path: str | None
    row_groups: tuple[int, ...]
    first_row: int
    frame: pl.DataFrame | None = None


def _read(piece: AgreementPiece, names: dict[str, str]) -> pl.DataFrame:
    """The piece's three columns as ``_r`` (rater), ``_u`` (item), ``_v`` (rating), plus
    ``_row`` (0-based row of the file or table), validated."""
    cols = [names["participant_id"], names["item_id"], names["rating"]]
    where_file, where_table = piece.path, None if piece.path else "ratings"
    if piece.frame is not None:
        df = piece.frame.select(cols)
    else:
        import pyarrow.parquet as pq

        assert piece.path is not None
        try:
            table = pq.ParquetFile(piece.path).read_row_groups(list(piece.row_groups), columns=cols)
        except Exception as exc:
            raise ValidationError(
                f"not a readable Parquet file ({exc})", file=where_file, table=where_table
            ) from None
        out = pl.from_arrow(table)
        assert isinstance(out, pl.DataFrame)
        df = out
    df = df.rename(dict(zip(cols, ["_r", "_u", "_v"], strict=True))).with_columns(
        _row=pl.int_range(pl.len(), dtype=pl.Int64) + piece.first_row
    )
    for short, name in (("_r", names["participant_id"]), ("_u", names["item_id"])):
        nulls = df.get_column(short).is_null()
        if nulls.any():
            row = int(df.get_column("_row")[int(nulls.arg_max() or 0)]) + 1
            raise ValidationError(
                "participant and item ids may not be null",
                row=row,
                column=name,
                file=where_file,
                table=where_table,
            )
    v = df.get_column("_v")
    if v.dtype == pl.Categorical or v.dtype == pl.Enum:
        df = df.with_columns(pl.col("_v").cast(pl.String))
    elif v.dtype.is_numeric():
        df = df.with_columns(pl.col("_v").cast(pl.Float64))
        bad = df.get_column("_v").is_infinite() | df.get_column("_v").is_nan()
        if bad.any():
            i = int(bad.arg_max() or 0)
            raise ValidationError(
                f"ratings must be finite; got {df.get_column('_v')[i]}",
                row=int(df.get_column("_row")[i]) + 1,
                column=names["rating"],
                file=where_file,
                table=where_table,
            )
    elif v.dtype != pl.String and v.dtype != pl.Null:
        raise ValidationError(
            f"ratings must be numbers or text; got {v.dtype}",
            column=names["rating"],
            file=where_file,
            table=where_table,
        )
    return df


def split_ratings(
    piece: AgreementPiece,
    names: dict[str, str],
    n_buckets: int,
    frame: pl.DataFrame | None = None,
) -> tuple[object, ...]:
    """Read one piece and split its rows by a hash of the item.

    Parameters
    ----------
    piece : AgreementPiece
    names : dict
        The table's rater, item and rating columns, under their canonical names.
    n_buckets : int
        Partitions of items.
    frame : polars.DataFrame, optional
        The rows of an in-memory piece (sent to the worker separately).

    Returns
    -------
    tuple
        ``n_buckets`` frames, then the piece's distinct non-null ratings (a Series) and its
        content hash (int).

    Examples
    --------
    >>> df = pl.DataFrame({"participant_id": [1, 2, 1], "item_id": [5, 5, 6],
    ...                    "rating": [1, 2, None]})
    >>> names = {"participant_id": "participant_id", "item_id": "item_id", "rating": "rating"}
    >>> out = split_ratings(AgreementPiece(0, None, (), 0), names, 2, frame=df)
    >>> sum(f.height for f in out[:2]), sorted(out[2].to_list())
    (3, [1.0, 2.0])
    """
    df = _read(piece if frame is None else replace(piece, frame=frame), names)
    if df.get_column("_u").dtype.is_integer():
        df = df.with_columns(pl.col("_u").cast(pl.Int64))
    bucket = (df.get_column("_u").hash(seed=11) % n_buckets).cast(pl.Int64)
    parts = df.with_columns(_b=bucket).partition_by("_b", as_dict=True, include_key=False)
    empty = df.clear()
    out: list[object] = [parts.get((b,), empty) for b in range(n_buckets)]
    out.append(df.get_column("_v").drop_nulls().unique())
    out.append(int(df.drop("_row").hash_rows(seed=5).sum() or 0) if df.height else 0)
    return tuple(out)


@dataclass(frozen=True, eq=False)
class UnitCounts:
    """One partition's items and their value counts.

    Attributes
    ----------
    items : polars.Series
        Item ids, sorted.
    counts : np.ndarray
        Items x values counts (values in the dataset's domain order).

    Examples
    --------
    >>> UnitCounts(pl.Series([1]), np.array([[2.0, 0.0]])).counts.sum()
    np.float64(2.0)
    """

    items: pl.Series
    counts: np.ndarray


def unit_counts(
    parts: list[pl.DataFrame],
    domain: pl.Series,
    sources: list[tuple[str | None, int]],
    names: dict[str, str],
) -> UnitCounts:
    """Every item's value counts in one partition; duplicate (rater, item) pairs are errors.

    Parameters
    ----------
    parts : list of polars.DataFrame
        This partition's rows of every piece (:func:`split_ratings`), in piece order.
    domain : polars.Series
        The sorted distinct ratings of the whole table (value ``i`` is column ``i``).
    sources : list of (str or None, int)
        File (None: the in-memory table) and first row of every piece, for errors.
    names : dict
        The table's columns, for errors.

    Returns
    -------
    UnitCounts

    Raises
    ------
    ValidationError
        When a rater rated an item twice (naming the file, row and item).

    Examples
    --------
    >>> p = pl.DataFrame({"_r": [1, 2, 1], "_u": [5, 5, 6], "_v": [1.0, 2.0, 2.0],
    ...                   "_row": [0, 1, 2]})
    >>> uc = unit_counts([p], pl.Series([1.0, 2.0]), [(None, 0)], {})
    >>> uc.items.to_list(), uc.counts.tolist()
    ([5, 6], [[1.0, 1.0], [0.0, 1.0]])
    """
    frames = [p.with_columns(_piece=pl.lit(i, dtype=pl.Int64)) for i, p in enumerate(parts)]
    df = pl.concat([f for f in frames if f.height] or frames[:1], how="vertical_relaxed")
    dup = df.select(pl.struct("_r", "_u").is_first_distinct().not_()).to_series()
    if dup.any():
        i = int(dup.arg_max() or 0)
        path = sources[int(df.get_column("_piece")[i])][0]
        where_file, where_table = path, None if path else "ratings"
        raise ValidationError(
            f"each (participant, item) pair may appear once; participant "
            f"{df.get_column('_r')[i]!r} rated item {df.get_column('_u')[i]!r} twice",
            row=int(df.get_column("_row")[i]) + 1,
            column=names.get("item_id", "item_id"),
            file=where_file,
            table=where_table,
        )
    items = df.get_column("_u").unique().sort()
    n_u, n_v = items.len(), domain.len()
    if n_u == 0:
        return UnitCounts(items, np.zeros((0, n_v)))
    u_idx = (
        df.select("_u")
        .join(items.to_frame("_u").with_row_index("_i"), on="_u", how="left", maintain_order="left")
        .get_column("_i")
        .to_numpy()
        .astype(np.int64)
    )
    rated = df.get_column("_v").is_not_null().to_numpy()
    dom = domain.to_frame("_v").with_row_index("_c")
    vals = df.select(pl.col("_v").cast(domain.dtype)).join(
        dom, on="_v", how="left", maintain_order="left"
    )
    codes = vals.get_column("_c").fill_null(0).to_numpy().astype(np.int64)
    flat = np.bincount(u_idx[rated] * n_v + codes[rated], minlength=n_u * n_v)
    return UnitCounts(items, flat.reshape(n_u, n_v).astype(float))


def alpha_part(uc: UnitCounts) -> np.ndarray:
    """The partition's coincidence matrix (values x values) over its pairable items, and
    their number in an extra last row: ``(V + 1, V)``.

    Examples
    --------
    >>> uc = UnitCounts(pl.Series([1, 2]), np.array([[2.0, 0.0], [1.0, 0.0]]))
    >>> alpha_part(uc).tolist()
    [[2.0, 0.0], [0.0, 0.0], [1.0, 0.0]]
    """
    counts = uc.counts
    m_u = counts.sum(axis=1)
    keep = m_u >= 2
    counts = counts[keep]
    inv = 1.0 / (m_u[keep] - 1.0)
    scaled = counts * inv[:, None]
    coincid = scaled.T @ counts
    coincid[np.diag_indices_from(coincid)] -= scaled.sum(axis=0)
    extra = np.zeros((1, counts.shape[1]))
    if extra.size:
        extra[0, 0] = keep.sum()
    return np.vstack([coincid, extra])


def kappa_part(uc: UnitCounts) -> np.ndarray:
    """``[sum of P_i, items, least ratings, most ratings, category totals...]`` of the
    partition's items with two or more ratings (least/most: inf/-inf when none).

    Examples
    --------
    >>> uc = UnitCounts(pl.Series([1, 2]), np.array([[2.0, 0.0], [1.0, 1.0]]))
    >>> kappa_part(uc).tolist()
    [1.0, 2.0, 2.0, 2.0, 3.0, 1.0]
    """
    counts = uc.counts
    n_i = counts.sum(axis=1)
    keep = n_i >= 2
    counts, n_i = counts[keep], n_i[keep]
    p_i = ((counts * (counts - 1)).sum(axis=1)) / (n_i * (n_i - 1))
    lo = float(n_i.min()) if n_i.size else math.inf
    hi = float(n_i.max()) if n_i.size else -math.inf
    return np.concatenate([[float(p_i.sum()), float(n_i.size), lo, hi], counts.sum(axis=0)])


def _combine_kappa(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = a + b
    out[2] = min(a[2], b[2])
    out[3] = max(a[3], b[3])
    return out


def _tree(client: Any, futures: list[Any], op: Any) -> np.ndarray:
    futs = list(futures)
    while len(futs) > 1:
        nxt = [client.submit(op, futs[i], futs[i + 1]) for i in range(0, len(futs) - 1, 2)]
        if len(futs) % 2:
            nxt.append(futs[-1])
        futs = nxt
    return np.asarray(client.gather(futs[0]))


def _pieces(
    data: Any, names: dict[str, str]
) -> tuple[list[AgreementPiece], list[pl.DataFrame] | None, int]:
    """The pieces to read, the in-memory chunks (None for a Parquet dataset), the rows."""
    from coprod_analytics.inquiry import Inquiry

    if isinstance(data, Inquiry):
        data = data.tables["ratings"]
    if isinstance(data, pl.DataFrame):
        missing = [c for c in names.values() if c not in data.columns]
        if missing:
            raise ValidationError(
                f"a ratings table needs columns {list(names.values())}; missing {missing}",
                table="ratings",
            )
        n = max(1, math.ceil(data.height / ROWS_PER_PIECE))
        step = max(1, math.ceil(data.height / n))
        pieces = [AgreementPiece(i, None, (), i * step) for i in range(n)]
        return pieces, [data.slice(i * step, step) for i in range(n)], data.height
    if not isinstance(data, str | os.PathLike):
        raise ValidationError(
            "engine='dask' needs a long ratings table: a Parquet dataset (file, folder or "
            f"glob), a polars DataFrame or an Inquiry; got {type(data).__name__}"
        )
    from coprod_analytics.io.parquet_dataset import votes_dataset

    ds = votes_dataset(
        data,
        rows_per_piece=ROWS_PER_PIECE,
        required=tuple(names.values()),
        what="a ratings dataset",
    )
    if ds.n_rows == 0:
        raise ValidationError("no ratings to analyse", file=ds.source)
    pieces = [AgreementPiece(p.index, p.path, p.row_groups, p.first_row) for p in ds.pieces]
    return pieces, None, ds.n_rows


@dataclass
class _Counted:
    parts: list[Any]
    domain: np.ndarray
    categories: list[Any] | None
    fingerprint: pl.DataFrame  # content hash of every piece


def _count(client: Any, data: Any, names: dict[str, str], n_partitions: int | None) -> _Counted:
    """Read, split by item and count values per item on the workers."""
    from distributed import wait

    pieces, frames, n_rows = _pieces(data, names)
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    parts = n_partitions or max(2 * n_workers, math.ceil(n_rows / RATINGS_PER_PARTITION))
    if frames is None:
        split = client.map(split_ratings, pieces, names=names, n_buckets=parts, pure=False)
    else:
        k = len(pieces)
        split = client.map(
            split_ratings, pieces, [names] * k, [parts] * k, client.scatter(frames, hash=False)
        )
    by_piece = [
        [client.submit(operator.getitem, s, b, priority=1) for b in range(parts + 2)] for s in split
    ]
    del split
    values = client.gather([row[parts] for row in by_piece])
    hashes = client.gather([row[parts + 1] for row in by_piece])
    kinds = {("text" if v.dtype == pl.String else "number") for v in values if v.len()}
    if len(kinds) > 1:
        raise ValidationError(
            "ratings are numbers in some pieces and text in others", column=names["rating"]
        )
    text = kinds == {"text"}
    dtype = pl.String if text else pl.Float64
    domain = pl.concat([v.cast(dtype) for v in values]).unique().sort()
    sources = [(p.path, p.first_row) for p in pieces]
    dom_f = client.scatter(domain, broadcast=True, hash=False)
    counted = [
        client.submit(unit_counts, [row[b] for row in by_piece], dom_f, sources, names)
        for b in range(parts)
    ]
    del by_piece
    wait(counted)
    return _Counted(
        counted,
        np.arange(domain.len(), dtype=float) if text else domain.to_numpy(),
        domain.to_list() if text else None,
        pl.DataFrame({"piece_hash": pl.Series([x % (1 << 64) for x in hashes], dtype=pl.UInt64)}),
    )


def _gather_counts(client: Any, counted: _Counted) -> tuple[np.ndarray, pl.Series]:
    """Every item's counts on the client, in the local engine's order (items sorted)."""
    ucs = client.gather(counted.parts)
    items = pl.concat([u.items for u in ucs])
    counts = np.vstack([u.counts for u in ucs]) if ucs else np.zeros((0, counted.domain.size))
    order = items.arg_sort().to_numpy()
    return counts[order], items.gather(order)


@dataclass(frozen=True)
class AlphaSums:
    """What Krippendorff's alpha needs, added up on Dask.

    Attributes
    ----------
    coincidences : np.ndarray
        Coincidence matrix of the pairable values (values x values).
    domain : np.ndarray
        The pairable values, sorted (codes ``0..V-1`` for text ratings).
    categories : list or None
        The text ratings of ``domain``, else None.
    n_units : int
        Pairable items (two or more ratings).
    boot : tuple of np.ndarray or None
        With ``n_resamples``: every pairable item's counts (items in id order) and
        ``1 / (m_u - 1)``, for the local engine's bootstrap.
    fingerprint : polars.DataFrame
        Content hash of every piece read.

    Examples
    --------
    >>> import polars as pl
    >>> sums = AlphaSums(np.eye(2), np.array([0, 1]), None, 1, None, pl.DataFrame())
    >>> sums.n_units, sums.coincidences.shape
    (1, (2, 2))
    """

    coincidences: np.ndarray
    domain: np.ndarray
    categories: list[Any] | None
    n_units: int
    boot: tuple[np.ndarray, np.ndarray] | None
    fingerprint: pl.DataFrame


@dataclass(frozen=True)
class KappaSums:
    """What Fleiss' kappa needs, added up on Dask.

    Attributes
    ----------
    sum_p_i : float
        Sum of P_i over the items with two or more ratings.
    n_units : int
        Those items.
    totals : np.ndarray
        Their ratings per category.
    n_range : tuple of float
        Least and most ratings of one of them.
    domain : np.ndarray
        All the categories, sorted (codes for text ratings).
    categories : list or None
        The text ratings, else None.
    boot : tuple of np.ndarray or None
        With ``n_resamples``: their counts (items in id order) and ratings per item.
    fingerprint : polars.DataFrame
        Content hash of every piece read.

    Examples
    --------
    >>> import polars as pl
    >>> sums = KappaSums(1.0, 1, np.array([2, 0]), (2.0, 2.0), np.array([0, 1]), None, None,
    ...                  pl.DataFrame())
    >>> sums.n_units, sums.totals.tolist()
    (1, [2, 0])
    """

    sum_p_i: float
    n_units: int
    totals: np.ndarray
    n_range: tuple[float, float]
    domain: np.ndarray
    categories: list[Any] | None
    boot: tuple[np.ndarray, np.ndarray] | None
    fingerprint: pl.DataFrame


def alpha_sums(
    data: Any,
    *,
    level_of_measurement: str,
    n_resamples: int,
    names: dict[str, str],
    client: Any = None,
    n_partitions: int | None = None,
) -> AlphaSums:
    """The coincidence matrix of a long ratings table, formed per partition on Dask.

    :func:`~coprod_analytics.crowd.agreement.krippendorff_alpha` with ``engine="dask"``
    calls this and computes alpha from it.

    Parameters
    ----------
    data : path, str, polars.DataFrame or Inquiry
        A Parquet ratings dataset (file, folder or glob) read piece by piece, or a ratings
        table / Inquiry in memory (sent to the workers in pieces).
    level_of_measurement : str
        Checked against the ratings (text ratings are nominal only; ratio needs values
        >= 0).
    n_resamples : int
        When > 0 the items' counts are gathered for the bootstrap.
    names : dict
        The table's rater, item and rating columns under ``participant_id``, ``item_id``,
        ``rating``.
    client : distributed.Client, optional
        The cluster; None starts a LocalCluster for the call.
    n_partitions : int, optional
        Partitions of items (default about 4M ratings each, two per worker at least).

    Returns
    -------
    AlphaSums

    Raises
    ------
    ValidationError
        For bad data (naming the file, row and column) or no pairable item.

    Examples
    --------
    >>> from coprod_analytics.consensus.dask_cluster import dask_client
    >>> client = dask_client(n_workers=1, processes=False, dashboard_address=None)
    >>> df = pl.DataFrame({"participant_id": [1, 2, 3, 1, 2, 3],
    ...                    "item_id": [1, 1, 1, 2, 2, 2], "rating": [1, 1, 2, 3, 3, 3]})
    >>> names = {"participant_id": "participant_id", "item_id": "item_id", "rating": "rating"}
    >>> sums = alpha_sums(df, level_of_measurement="interval", n_resamples=0, names=names,
    ...                   client=client)
    >>> client.close()
    >>> sums.n_units, sums.domain.tolist(), float(sums.coincidences.sum())
    (2, [1.0, 2.0, 3.0], 6.0)
    """
    level = level_of_measurement
    func = "krippendorff_alpha"
    import_distributed()
    with client_for(client) as cl:
        counted = _count(cl, data, names, n_partitions)
        cats = counted.categories
        if cats is not None and level != "nominal":
            raise ValidationError(
                f"{func} with level_of_measurement={level!r} needs numeric ratings; column "
                f"'{names['rating']}' holds text such as {cats[0]!r} (use "
                "level_of_measurement='nominal' for categories)",
                column=names["rating"],
            )
        domain = counted.domain
        if level == "ratio" and domain.size and domain[0] < 0:
            raise ValidationError(
                f"{func} with level_of_measurement='ratio' needs values >= 0; got {domain[0]:g}"
            )
        total = _tree(cl, map_over(cl, alpha_part, counted.parts), np.add)
        v = domain.size
        coincid, n_units = total[:v], int(total[v, 0]) if v else 0
        if n_units == 0:
            raise ValidationError(
                "Krippendorff's alpha needs at least one unit rated by two or more raters; got 0."
            )
        present = coincid.sum(axis=0) > 0
        boot = None
        if n_resamples:
            counts, _ = _gather_counts(cl, counted)
            counts = counts[counts.sum(axis=1) >= 2][:, present]
            boot = (counts, 1.0 / (counts.sum(axis=1) - 1.0))
    return AlphaSums(
        coincid[np.ix_(present, present)],
        domain[present],
        None if cats is None else [c for c, keep in zip(cats, present, strict=True) if keep],
        n_units,
        boot,
        counted.fingerprint,
    )


def kappa_sums(
    data: Any,
    *,
    n_resamples: int,
    names: dict[str, str],
    client: Any = None,
    n_partitions: int | None = None,
) -> KappaSums:
    """The category counts of a long ratings table, summed per partition on Dask.

    :func:`~coprod_analytics.crowd.agreement.fleiss_kappa` with ``engine="dask"`` calls
    this and computes kappa from it.

    Parameters
    ----------
    data : path, str, polars.DataFrame or Inquiry
        A Parquet ratings dataset (file, folder or glob) or a ratings table / Inquiry.
    n_resamples : int
        When > 0 the items' counts are gathered for the bootstrap.
    names : dict
        The table's rater, item and rating columns.
    client : distributed.Client, optional
        The cluster; None starts a LocalCluster for the call.
    n_partitions : int, optional
        Partitions of items.

    Returns
    -------
    KappaSums

    Raises
    ------
    ValidationError
        For bad data or no item with two ratings.

    Examples
    --------
    >>> from coprod_analytics.consensus.dask_cluster import dask_client
    >>> client = dask_client(n_workers=1, processes=False, dashboard_address=None)
    >>> t = pl.DataFrame({"coder": ["a", "a", "b", "b"], "unit": [1, 2, 1, 2],
    ...                   "label": ["x", "y", "x", "y"]})
    >>> sums = kappa_sums(t, n_resamples=0, client=client,
    ...                   names={"participant_id": "coder", "item_id": "unit", "rating": "label"})
    >>> client.close()
    >>> sums.sum_p_i, sums.n_units, sums.totals.tolist(), sums.categories
    (2.0, 2, [2.0, 2.0], ['x', 'y'])
    """
    import_distributed()
    with client_for(client) as cl:
        counted = _count(cl, data, names, n_partitions)
        total = _tree(cl, map_over(cl, kappa_part, counted.parts), _combine_kappa)
        n_units = int(total[1])
        if n_units == 0:
            raise ValidationError(
                "Fleiss' kappa needs at least one unit rated by two or more raters; got 0."
            )
        boot = None
        if n_resamples:
            counts, _ = _gather_counts(cl, counted)
            n_i = counts.sum(axis=1)
            keep = n_i >= 2
            boot = (counts[keep], n_i[keep])
    return KappaSums(
        float(total[0]),
        n_units,
        total[4:],
        (float(total[2]), float(total[3])),
        counted.domain,
        counted.categories,
        boot,
        counted.fingerprint,
    )
