"""Inter-rater agreement and ordinal consensus.

One input convention everywhere (:func:`krippendorff_alpha`, :func:`fleiss_kappa`,
:func:`kendall_w`, :func:`rating_matrix`):

* the :class:`~coprod_analytics.inquiry.Inquiry` itself (its ``ratings`` table is used), or
* the **ratings table exactly as the inquiry stores it**: one row per rating with the columns
  ``participant_id`` (the rater), ``item_id`` (the rated unit) and ``rating``. A user's table
  with other column names is named with keywords called after the canonical column:
  ``krippendorff_alpha(df, participant_id="coder", item_id="unit", rating="value")``. A null
  rating is a missing rating; each (participant, item) pair may appear once. For nominal
  data the ratings may be strings; or
* a **raters x items** numpy array, ``NaN`` marking a missing rating (category codes for
  kappa, scores or ranks for W).

Each returns an :class:`~coprod_analytics.results.Estimate`, so ``result.value`` and
``float(result)`` both give the coefficient, ``result.conf_int()`` the bootstrap interval
(a one-row polars table), ``result.details`` the rest and ``result.provenance`` what
produced it.

The level of measurement of Krippendorff's alpha is ``level_of_measurement=`` (as in the
``krippendorff`` package); ``alpha=`` is, as everywhere in coprod-analytics, one minus the
coverage of the interval.

The frequency-vector measures (:func:`van_der_eijk_agreement`,
:func:`tastle_wierman_consensus`, :func:`leik_dispersion`) take the counts of the answers of
one ordinal item, lowest category first, and return a float; :func:`agreement_by_item` takes
the ratings table (or the Inquiry) and gives all three for every item.

Bootstrap of Krippendorff's alpha and Fleiss' kappa
---------------------------------------------------
Intervals come from a **unit-resampling (cluster) bootstrap with percentile limits**: units
(items) are drawn with replacement, each resample keeping all ratings of a drawn unit. It is
not Krippendorff's own bootstrap (Hayes & Krippendorff 2007, which resamples pairs of
values); it treats units as the sampled population, which is what a report on "how
reliable is this coding of these kinds of items" needs. Each unit's contribution to the
coincidence matrix is computed once, so a resample is only a weighted sum of those
contributions (one matrix product for all resamples). This is kept instead of
:func:`scipy.stats.bootstrap` because it is much faster: ``benchmarks/bench_agreement.py``
measures it against ``scipy.stats.bootstrap`` resampling the same units and recomputing
alpha (on 100 raters x 1,000 items, 200 resamples: ours ~0.05 s, scipy ~4 s, a ratio
of about 80x; the benchmark prints the ratio of the run). Both draw the same units from the
same seed (tests/test_agreement.py checks the limits against a brute-force loop).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from coprod_analytics.crowd._common import (
    canonical_columns,
    check_resampling,
    make_provenance,
    percentile_interval,
    table_of,
)
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.progress import progress as progress_bar
from coprod_analytics.results import Estimate, Result, frame_to_html

__all__ = [
    "Level",
    "RatingMatrix",
    "agreement_by_item",
    "fleiss_kappa",
    "kendall_w",
    "krippendorff_alpha",
    "leik_dispersion",
    "rating_matrix",
    "tastle_wierman_consensus",
    "van_der_eijk_agreement",
]

#: Levels of measurement of Krippendorff's alpha.
Level = Literal["nominal", "ordinal", "interval", "ratio"]
_LEVELS = ("nominal", "ordinal", "interval", "ratio")
_CANONICAL = {"participant_id": "participant_id", "item_id": "item_id", "rating": "rating"}

#: What the agreement functions accept: an Inquiry, its ratings table, or a raters x items
#: array.
RatingData = Inquiry | pl.DataFrame | np.ndarray | Sequence[Sequence[float | None]]


# ---------------------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class RatingMatrix(Result):
    """Ratings as a raters x items matrix (the result of :func:`rating_matrix`).

    Attributes
    ----------
    matrix : numpy.ndarray
        Float array, raters x items, NaN where missing. Non-numeric ratings (allowed in a
        table) are replaced by their 0-based code in ``categories``.
    raters : list
        Row labels (``0..n-1`` for array input; sorted participant ids for a table).
    items : list
        Column labels (``0..n-1`` for array input; sorted item ids for a table).
    categories : list or None
        The sorted labels of non-numeric ratings, else None.
    provenance : Provenance or None
        What produced it.

    Examples
    --------
    >>> m = rating_matrix([[1, 2], [1, None]])
    >>> m.matrix.shape, m.n_missing
    ((2, 2), 1)
    >>> m.to_frame().columns
    ['participant_id', 'item_id', 'rating']
    """

    matrix: np.ndarray
    raters: list[Any]
    items: list[Any]
    categories: list[Any] | None = None
    provenance: Any = None

    @property
    def n_missing(self) -> int:
        """The number of missing ratings.

        Returns
        -------
        int
        """
        return int(np.isnan(self.matrix).sum())

    def to_frame(self) -> pl.DataFrame:
        """The ratings as a long table: ``participant_id``, ``item_id``, ``rating`` (present
        ratings only; category labels for non-numeric ratings).

        Returns
        -------
        polars.DataFrame
        """
        r, u = np.nonzero(~np.isnan(self.matrix))
        values = self.matrix[r, u]
        rating: list[Any] = (
            [self.categories[int(v)] for v in values]
            if self.categories is not None
            else values.tolist()
        )
        return pl.DataFrame(
            {
                "participant_id": [self.raters[i] for i in r],
                "item_id": [self.items[j] for j in u],
                "rating": rating,
            }
        )

    def summary(self) -> str:
        """Size and missing ratings in words.

        Returns
        -------
        str
        """
        n_r, n_u = self.matrix.shape
        return f"{n_r} raters x {n_u} items, {self.n_missing} missing ratings"

    def _repr_html_(self) -> str:
        return frame_to_html(self.to_frame(), caption=self.summary(), max_rows=20)


def rating_matrix(
    data: RatingData,
    *,
    participant_id: str = "participant_id",
    item_id: str = "item_id",
    rating: str = "rating",
) -> RatingMatrix:
    """Turn any accepted input into a raters x items float matrix.

    Parameters
    ----------
    data : Inquiry, polars.DataFrame, numpy.ndarray or nested sequence
        The inquiry (its ``ratings`` table), a ratings table with one row per rating, or a
        raters x items array (NaN or None = missing).
    participant_id, item_id, rating : str
        The table's columns holding the rater, the rated item and the rating (default the
        inquiry's own names).

    Returns
    -------
    RatingMatrix
        ``matrix`` (raters x items, NaN where missing), ``raters``, ``items`` and
        ``categories`` (labels of text ratings, else None).

    Examples
    --------
    >>> df = pl.DataFrame({"participant_id": ["a", "a", "b"], "item_id": [1, 2, 1],
    ...                    "rating": [3, 4, 3]})
    >>> m = rating_matrix(df)
    >>> m.matrix
    array([[ 3.,  4.],
           [ 3., nan]])
    >>> m.raters, m.items
    (['a', 'b'], [1, 2])
    """
    names = {"participant_id": participant_id, "item_id": item_id, "rating": rating}
    return _rating_matrix(data, names=names, func="rating_matrix")


def _rating_matrix(data: Any, *, names: dict[str, str], func: str) -> RatingMatrix:
    data = table_of(data, "ratings", func)
    if isinstance(data, pl.DataFrame):
        return _matrix_from_long(data, names=names, func=func)
    try:
        arr = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            f"{func} needs a numeric raters x items array (NaN = missing), a ratings table "
            f"(participant_id, item_id, rating) or an Inquiry; could not read the values as "
            f"numbers ({exc})"
        ) from None
    if arr.ndim != 2:
        raise ValidationError(
            f"{func} needs a 2-D raters x items array; got an array with {arr.ndim} "
            f"dimension(s) of shape {arr.shape}"
        )
    if (
        arr.size
        and np.isinf([np.fmin.reduce(arr, axis=None), np.fmax.reduce(arr, axis=None)]).any()
    ):
        r, u = np.argwhere(np.isinf(arr))[0]
        raise ValidationError(
            f"{func} needs finite ratings (NaN = missing); rater {r}, item {u} is {arr[r, u]}"
        )
    return RatingMatrix(arr, list(range(arr.shape[0])), list(range(arr.shape[1])), None)


def _matrix_from_long(df: pl.DataFrame, *, names: dict[str, str], func: str) -> RatingMatrix:
    rater_c, unit_c, value_c = names["participant_id"], names["item_id"], names["rating"]
    canonical_columns(df, names, required=list(names), func=func, table="ratings")
    for c in (rater_c, unit_c):
        if df[c].null_count():
            row = int(df[c].is_null().arg_max() or 0) + 1
            raise ValidationError(
                "participant and item ids may not be null", row=row, column=c, table="ratings"
            )
    dup = df.select(pl.struct(rater_c, unit_c).is_first_distinct().not_()).to_series()
    if dup.any():
        row = int(dup.arg_max() or 0)
        raise ValidationError(
            f"each (participant, item) pair may appear once; participant "
            f"{df[rater_c][row]!r} rated item {df[unit_c][row]!r} twice",
            row=row + 1,
            column=unit_c,
            table="ratings",
        )
    raters = df[rater_c].unique().sort()
    units = df[unit_c].unique().sort()
    r_idx = (
        df[rater_c]
        .to_frame()
        .join(
            raters.to_frame().with_row_index("_i"), on=rater_c, how="left", maintain_order="left"
        )["_i"]
    )
    u_idx = (
        df[unit_c]
        .to_frame()
        .join(units.to_frame().with_row_index("_i"), on=unit_c, how="left", maintain_order="left")[
            "_i"
        ]
    )
    values = df[value_c]
    categories: list[Any] | None = None
    if values.dtype.is_numeric():
        vals = values.cast(pl.Float64).fill_null(float("nan")).to_numpy()
        if np.isinf(vals).any():
            row = int(np.argmax(np.isinf(vals)))
            raise ValidationError(
                f"ratings must be finite; got {vals[row]}",
                row=row + 1,
                column=value_c,
                table="ratings",
            )
    else:
        cats = values.drop_nulls().unique().sort()
        categories = cats.to_list()
        codes = (
            values.to_frame()
            .join(
                cats.to_frame().with_row_index("_c"), on=value_c, how="left", maintain_order="left"
            )["_c"]
            .cast(pl.Float64)
            .fill_null(float("nan"))
            .to_numpy()
        )
        vals = codes
    mat = np.full((raters.len(), units.len()), np.nan)
    mat[r_idx.to_numpy(), u_idx.to_numpy()] = vals
    return RatingMatrix(mat, raters.to_list(), units.to_list(), categories)


def _fingerprint_input(data: Any, rm: RatingMatrix) -> Any:
    """What the provenance fingerprints: the table as given, else the matrix."""
    if isinstance(data, Inquiry):
        return data.tables["ratings"]
    return data if isinstance(data, pl.DataFrame) else rm.matrix


def _encode(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-unit value counts: (units x V counts, sorted value domain of length V).

    Integer-valued data with a modest range is counted with one ``np.bincount`` per block of
    rows (no sort; the index of a rating is ``unit * width + value - min``, missing ratings
    go to one extra bin); other data goes through ``np.unique``.
    """
    n_raters, n_units = mat.shape
    if mat.size == 0 or np.isnan(lo := float(np.fmin.reduce(mat, axis=None))):
        return np.zeros((n_units, 0)), np.zeros(0)
    hi = float(np.fmax.reduce(mat, axis=None))
    width = int(hi - lo) + 1
    if width <= 100_000 and n_units * width <= 50_000_000:
        missing = n_units * width
        offset = np.arange(n_units, dtype=float) * width - lo
        acc = np.zeros(missing + 1, dtype=np.intp)
        step = max(1, (1 << 17) // max(n_units, 1))
        integer = True
        for r0 in range(0, n_raters, step):
            block = mat[r0 : r0 + step] + offset
            np.nan_to_num(block, copy=False, nan=missing)
            idx = block.astype(np.intp)
            if not np.array_equal(idx, block):
                integer = False
                break
            acc += np.bincount(idx.ravel(), minlength=missing + 1)
        if integer:
            counts = acc[:-1].reshape(n_units, width)
            present = counts.any(axis=0)
            domain = lo + np.flatnonzero(present).astype(float)
            return counts[:, present].astype(float), domain
    finite = ~np.isnan(mat)
    domain, inverse = np.unique(mat[finite], return_inverse=True)
    unit_of = np.nonzero(finite)[1]
    v = domain.size
    flat = np.bincount(unit_of * v + inverse.ravel(), minlength=n_units * v)
    return flat.reshape(n_units, v).astype(float), domain


def _unit_weights(rng: np.random.Generator, n_units: int, n_resamples: int) -> np.ndarray:
    """n_resamples x n_units multiplicities of a with-replacement resample of units."""
    draws = rng.integers(0, n_units, size=(n_resamples, n_units))
    offs = (np.arange(n_resamples) * n_units)[:, None]
    return (
        np.bincount((draws + offs).ravel(), minlength=n_resamples * n_units)
        .reshape(n_resamples, n_units)
        .astype(float)
    )


# ---------------------------------------------------------------------------------------
# Krippendorff's alpha
# ---------------------------------------------------------------------------------------


def _delta(domain: np.ndarray, level: str, marg: np.ndarray) -> np.ndarray:
    """Squared distance between values; ``marg`` (V,) or (B, V) for the ordinal metric."""
    c, k = domain[:, None], domain[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        s = c + k
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where(s == 0, 0.0, ((c - k) / np.where(s == 0, 1.0, s)) ** 2)
        return d
    # ordinal: (sum_{g=c..k} n_g - (n_c + n_k)/2)^2, depends on the marginal counts
    cum = np.cumsum(marg, axis=-1)
    lo_cum = cum - marg  # counts strictly below g
    # sum_{g=min(c,k)..max(c,k)} n_g = cum[max] - below[min]
    span = np.maximum(
        cum[..., None, :] - lo_cum[..., :, None], cum[..., :, None] - lo_cum[..., None, :]
    )
    half = (marg[..., :, None] + marg[..., None, :]) / 2
    d = (span - half) ** 2
    v = marg.shape[-1]
    d[..., np.arange(v), np.arange(v)] = 0.0
    return np.asarray(d)


def krippendorff_alpha(
    data: RatingData | str | os.PathLike[str],
    *,
    level_of_measurement: Level = "interval",
    n_resamples: int = 1000,
    alpha: float = 0.05,
    seed: int | None = 0,
    progress: bool = True,
    participant_id: str = "participant_id",
    item_id: str = "item_id",
    rating: str = "rating",
    engine: Literal["local", "dask"] = "local",
    client: Any = None,
) -> Estimate:
    """Krippendorff's alpha reliability coefficient, with a bootstrap confidence interval.

    alpha = 1 - D_o / D_e, the observed over the expected disagreement, from the coincidence
    matrix of pairable values (Krippendorff 2011). Items with fewer than two ratings are not
    pairable and are left out.

    Parameters
    ----------
    data : Inquiry, polars.DataFrame or numpy.ndarray
        The inquiry (its ``ratings`` table), a ratings table (``participant_id``,
        ``item_id``, ``rating``; text ratings allowed for ``level_of_measurement="nominal"``)
        or a raters x items array (NaN = missing).
    level_of_measurement : {"nominal", "ordinal", "interval", "ratio"}, default "interval"
        Level of measurement, which sets the distance metric.
    n_resamples : int, default 1000
        Unit-resampling bootstrap resamples for the interval (0 = no interval). See the
        module notes for the algorithm.
    alpha : float, default 0.05
        The interval's level is ``1 - alpha`` (percentile limits).
    seed : int or None, default 0
        Seed of the bootstrap; None draws one, recorded in ``details["seed"]``.
    progress : bool, default True
        Show a progress bar while resampling.
    participant_id, item_id, rating : str
        The table's rater, item and rating columns (default the inquiry's own names).
    engine : {"local", "dask"}, default "local"
        ``"dask"``: over a long ratings table on a Dask cluster, which may then also be a
        Parquet dataset (file, folder or glob) read piece by piece; value counts per
        partition of items, combined (the local value up to rounding; see
        :mod:`~coprod_analytics.crowd.dask_agreement` and ``docs/guide/dask.md``).
    client : distributed.Client, optional
        The Dask client of ``engine="dask"`` (default: a LocalCluster for the call).

    Returns
    -------
    Estimate
        ``value`` is alpha (NaN when the pairable values do not vary at all); ``details``
        holds ``level_of_measurement``, ``n_units`` (pairable items), ``n_pairable``
        (pairable values), ``D_o``, ``D_e``, ``seed``, ``n_resamples``, ``coincidences``
        (V x V array) and ``values`` (the value domain) and, with a bootstrap,
        ``prob_below`` = {threshold: share of resamples below it} for Krippendorff's
        thresholds 0.667 and 0.8.

    Examples
    --------
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    >>> res = krippendorff_alpha(data, level_of_measurement="nominal", n_resamples=200,
    ...                          progress=False)
    >>> round(res.value, 3)
    0.743
    >>> ci = res.conf_int()
    >>> ci.columns
    ['name', 'ci_low', 'ci_high', 'alpha']
    >>> ci["ci_low"][0] < res.value < ci["ci_high"][0]
    True
    >>> round(float(krippendorff_alpha(data, n_resamples=0)), 3)
    0.849

    The sample inquiry's ratings table, as stored:

    >>> from coprod_analytics import sample_inquiry
    >>> inquiry = sample_inquiry()
    >>> a = krippendorff_alpha(inquiry.tables["ratings"], level_of_measurement="ordinal",
    ...                        n_resamples=0)
    >>> a.value == krippendorff_alpha(inquiry, level_of_measurement="ordinal",
    ...                               n_resamples=0).value
    True
    """
    func = "krippendorff_alpha"
    level = level_of_measurement
    check_param(level in _LEVELS, "level_of_measurement", func, f"one of {list(_LEVELS)}", level)
    check_param(engine in ("local", "dask"), "engine", func, "'local' or 'dask'", engine)
    seed_used = check_resampling(func, n_resamples, alpha, seed)
    names = {"participant_id": participant_id, "item_id": item_id, "rating": rating}
    if engine == "dask":
        from coprod_analytics.crowd.dask_agreement import alpha_sums

        a = alpha_sums(
            data, level_of_measurement=level, n_resamples=n_resamples, names=names, client=client
        )
        return _alpha_estimate(
            a.coincidences,
            a.domain,
            a.categories,
            level,
            a.n_units,
            a.boot,
            n_resamples=n_resamples,
            alpha=alpha,
            seed_used=seed_used,
            progress=progress,
            names=names,
            fingerprint=a.fingerprint,
            engine="dask",
        )
    rm = _rating_matrix(data, names=names, func=func)
    mat, cats = rm.matrix, rm.categories
    if cats is not None and level != "nominal":
        raise ValidationError(
            f"{func} with level_of_measurement={level!r} needs numeric ratings; column "
            f"'{rating}' holds text such as {cats[0]!r} (use level_of_measurement='nominal' "
            "for categories)",
            column=rating,
        )
    counts, domain = _encode(mat)
    if level == "ratio" and domain.size and domain[0] < 0:
        raise ValidationError(
            f"{func} with level_of_measurement='ratio' needs values >= 0; got {domain[0]:g}"
        )
    m_u = counts.sum(axis=1)
    keep = m_u >= 2
    if not keep.any():
        raise ValidationError(
            "Krippendorff's alpha needs at least one unit rated by two or more raters; got 0."
        )
    counts, m_u = counts[keep], m_u[keep]
    counts_domain = counts.sum(axis=0) > 0
    counts, domain = counts[:, counts_domain], domain[counts_domain]
    inv = 1.0 / (m_u - 1.0)
    scaled = counts * inv[:, None]
    coincid = scaled.T @ counts
    coincid[np.diag_indices_from(coincid)] -= scaled.sum(axis=0)
    return _alpha_estimate(
        coincid,
        domain,
        cats,
        level,
        int(keep.sum()),
        (counts, inv) if n_resamples else None,
        n_resamples=n_resamples,
        alpha=alpha,
        seed_used=seed_used,
        progress=progress,
        names=names,
        fingerprint=_fingerprint_input(data, rm),
    )


def _alpha_estimate(
    coincid: np.ndarray,
    domain: np.ndarray,
    cats: list[Any] | None,
    level: str,
    n_units: int,
    boot: tuple[np.ndarray, np.ndarray] | None,
    *,
    n_resamples: int,
    alpha: float,
    seed_used: int,
    progress: bool,
    names: dict[str, str],
    fingerprint: Any,
    engine: str = "local",
) -> Estimate:
    """Krippendorff's alpha from the coincidence matrix of the values in ``domain`` (every
    one pairable), and its bootstrap from the per-unit counts and ``1 / (m_u - 1)``
    (``boot``; shared by the local and the Dask engine)."""
    func = "krippendorff_alpha"
    n_c = coincid.sum(axis=0)
    n = float(n_c.sum())
    delta = _delta(domain, level, n_c)
    d_o_sum = float((coincid * delta).sum())
    d_e_sum = float(n_c @ delta @ n_c)
    d_o = d_o_sum / n
    d_e = d_e_sum / (n * (n - 1))
    value = 1.0 - d_o / d_e if d_e > 0 else float("nan")

    details: dict[str, Any] = {
        "level_of_measurement": level,
        "n_units": n_units,
        "n_pairable": int(n),
        "D_o": d_o,
        "D_e": d_e,
        "seed": seed_used if n_resamples else None,
        "n_resamples": n_resamples,
        "coincidences": coincid,
        "values": cats if cats is not None else domain.tolist(),
    }
    ci_low = ci_high = None
    if n_resamples and boot is not None:
        counts, inv = boot
        rng = np.random.default_rng(seed_used)
        boot_vals = _alpha_bootstrap(
            counts, inv, domain, level, n_resamples, rng, progress=progress, desc=func
        )
        ci_low, ci_high = percentile_interval(boot_vals, alpha)
        ok = boot_vals[np.isfinite(boot_vals)]
        details["prob_below"] = {
            t: float(np.mean(ok < t)) if ok.size else float("nan") for t in (0.667, 0.8)
        }
    params = (
        {
            "level_of_measurement": level,
            "n_resamples": n_resamples,
            "alpha": alpha,
            "seed": seed_used,
        }
        | ({} if names == _CANONICAL else {"columns": names})
        | ({} if engine == "local" else {"engine": engine})
    )
    return Estimate(
        name=f"Krippendorff's alpha ({level})",
        value=value,
        ci_low=ci_low,
        ci_high=ci_high,
        alpha=float(alpha),
        n=n_units,
        method="unit bootstrap, percentile" if n_resamples else "",
        details=details,
        provenance=make_provenance(f"crowd.agreement.{func}", fingerprint, params, seed_used),
    )


def _unit_pairs(counts: np.ndarray, inv: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (c, k), c != k, of values present together in a unit: unit, flat c*V+k, and
    n_uc n_uk / (m_u - 1)."""
    v = counts.shape[1]
    uu, cc = np.nonzero(counts)  # row-major: grouped by unit
    k_u = np.bincount(uu, minlength=counts.shape[0])
    start = np.cumsum(k_u) - k_u
    reps = k_u[uu]
    left = np.repeat(np.arange(uu.size), reps)
    group_first = np.repeat(np.cumsum(reps) - reps, reps)
    right = start[uu[left]] + (np.arange(left.size) - group_first)
    keep = left != right
    left, right = left[keep], right[keep]
    unit = uu[left]
    val = counts[unit, cc[left]] * counts[unit, cc[right]] * inv[unit]
    return unit, cc[left] * v + cc[right], val


def _alpha_bootstrap(
    counts: np.ndarray,
    inv: np.ndarray,
    domain: np.ndarray,
    level: str,
    n_resamples: int,
    rng: np.random.Generator,
    chunk: int = 250,
    *,
    progress: bool = True,
    desc: str = "Bootstrap",
) -> np.ndarray:
    """Alpha of ``n_resamples`` unit resamples, each a weighted sum of per-unit
    contributions."""
    n_units, v = counts.shape
    m_u = counts.sum(axis=1)
    out = np.empty(n_resamples)
    if level in ("nominal", "interval"):
        # per-unit observed disagreement in closed form (no V x V work)
        if level == "nominal":
            d_u = (m_u**2 - (counts**2).sum(axis=1)) * inv
        else:
            s1 = counts @ domain
            s2 = counts @ domain**2
            d_u = 2 * (m_u * s2 - s1**2) * inv
        stats = np.column_stack(
            [
                m_u,
                d_u,
                counts
                if level == "nominal"
                else np.column_stack([counts @ domain, counts @ domain**2]),
            ]
        )
    else:
        d_fixed = None
        if level == "ratio":
            delta = _delta(domain, level, counts.sum(axis=0))
            d_fixed = ((counts @ delta) * counts).sum(axis=1) * inv
        stats = (
            np.column_stack([m_u, counts])
            if d_fixed is None
            else np.column_stack([m_u, d_fixed, counts])
        )
    dense_pairs = level == "ordinal" and v <= 64 and n_units * v * v <= 20_000_000
    if dense_pairs:
        # few values: each unit's coincidence contribution as a row of V*V entries
        pairs = (counts[:, :, None] * counts[:, None, :] * inv[:, None, None]).reshape(
            n_units, v * v
        )
    elif level == "ordinal":
        # many values: sparse per-unit pairs (c, k) with n_uc n_uk > 0: d_o of a resample is a weighted
        # sum of their values times the resample's own ordinal distances
        pair_unit, pair_flat, pair_val = _unit_pairs(counts, inv)
        chunk = max(1, min(chunk, 5_000_000 // max(v * v, 1)))
    starts = range(0, n_resamples, chunk)
    for start in progress_bar(starts, enabled=progress, desc=desc, unit="batch"):
        b = min(chunk, n_resamples - start)
        w = _unit_weights(rng, n_units, b)
        agg = w @ stats
        n = agg[:, 0]
        if level == "nominal":
            d_o, n_c = agg[:, 1], agg[:, 2:]
            d_e = n**2 - (n_c**2).sum(axis=1)
        elif level == "interval":
            d_o, s1, s2 = agg[:, 1], agg[:, 2], agg[:, 3]
            d_e = 2 * (n * s2 - s1**2)
        elif level == "ratio":
            d_o, n_c = agg[:, 1], agg[:, 2:]
            d_e = ((n_c @ delta) * n_c).sum(axis=1)
        else:
            n_c = agg[:, 1:]
            deltas = _delta(domain, "ordinal", n_c)  # b x V x V
            if dense_pairs:
                d_o = np.einsum("bk,bk->b", w @ pairs, deltas.reshape(b, v * v))
            else:
                d_o = np.einsum(
                    "bp,bp->b",
                    w[:, pair_unit] * pair_val,
                    deltas.reshape(b, v * v)[:, pair_flat],
                )
            d_e = np.einsum("bv,bvw,bw->b", n_c, deltas, n_c)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start : start + b] = 1.0 - (n - 1) * d_o / d_e
    return out


# ---------------------------------------------------------------------------------------
# Fleiss' kappa
# ---------------------------------------------------------------------------------------


def fleiss_kappa(
    data: RatingData | str | os.PathLike[str],
    *,
    n_resamples: int = 1000,
    alpha: float = 0.05,
    seed: int | None = 0,
    progress: bool = True,
    participant_id: str = "participant_id",
    item_id: str = "item_id",
    rating: str = "rating",
    engine: Literal["local", "dask"] = "local",
    client: Any = None,
) -> Estimate:
    """Fleiss' kappa for nominal ratings by many raters.

    Each item may be rated by a different set of raters. With the same number of ratings
    ``n`` on every item this is Fleiss (1971): P_i = sum_j n_ij (n_ij - 1) / (n (n - 1)),
    kappa = (mean P_i - P_e) / (1 - P_e), P_e = sum_j p_j^2. When the number of ratings
    varies, each P_i uses its own n_i and p_j pools all ratings (the usual generalisation);
    items with fewer than two ratings are left out.

    Parameters
    ----------
    data : Inquiry, polars.DataFrame or numpy.ndarray
        The inquiry (its ``ratings`` table), a ratings table (``participant_id``,
        ``item_id``, ``rating``; ratings may be text) or a raters x items array of category
        codes (NaN = missing).
    n_resamples : int, default 1000
        Unit-resampling bootstrap resamples (0 = no interval); see :func:`krippendorff_alpha`.
    alpha : float, default 0.05
        The interval's level is ``1 - alpha`` (percentile limits).
    seed : int or None, default 0
        Seed of the bootstrap; None draws one, recorded in ``details["seed"]``.
    progress : bool, default True
        Show a progress bar while resampling.
    participant_id, item_id, rating : str
        The table's rater, item and rating columns (default the inquiry's own names).
    engine : {"local", "dask"}, default "local"
        ``"dask"``: over a long ratings table on a Dask cluster, which may then also be a
        Parquet dataset (file, folder or glob) read piece by piece; value counts per
        partition of items, combined (the local value up to rounding; see
        :mod:`~coprod_analytics.crowd.dask_agreement` and ``docs/guide/dask.md``).
    client : distributed.Client, optional
        The Dask client of ``engine="dask"`` (default: a LocalCluster for the call).

    Returns
    -------
    Estimate
        ``details``: ``P_bar``, ``P_e``, ``category_shares``, ``equal_raters``, ``seed``,
        ``n_resamples`` and, when every item has the same number of ratings, Fleiss' (1971)
        large-sample ``se0`` under the null of chance agreement with ``z`` and one-sided
        ``p_value``.

    Examples
    --------
    >>> x = np.array([[1, 2, 2, 3, 1], [1, 2, 3, 3, 1], [1, 2, 2, 3, 2]])
    >>> round(fleiss_kappa(x, n_resamples=0).value, 4)
    0.5946
    >>> t = pl.DataFrame({"coder": ["a", "a", "b", "b"], "unit": [1, 2, 1, 2],
    ...                   "label": ["x", "y", "x", "y"]})
    >>> fleiss_kappa(t, participant_id="coder", item_id="unit", rating="label",
    ...              n_resamples=0).value
    1.0
    """
    func = "fleiss_kappa"
    check_param(engine in ("local", "dask"), "engine", func, "'local' or 'dask'", engine)
    seed_used = check_resampling(func, n_resamples, alpha, seed)
    names = {"participant_id": participant_id, "item_id": item_id, "rating": rating}
    if engine == "dask":
        from coprod_analytics.crowd.dask_agreement import kappa_sums

        k = kappa_sums(data, n_resamples=n_resamples, names=names, client=client)
        return _kappa_estimate(
            k.sum_p_i,
            k.n_units,
            k.totals,
            k.n_range,
            k.domain,
            k.categories,
            k.boot,
            n_resamples=n_resamples,
            alpha=alpha,
            seed_used=seed_used,
            progress=progress,
            names=names,
            fingerprint=k.fingerprint,
            engine="dask",
        )
    rm = _rating_matrix(data, names=names, func=func)
    mat, cats = rm.matrix, rm.categories
    counts, domain = _encode(mat)
    n_i = counts.sum(axis=1)
    keep = n_i >= 2
    if not keep.any():
        raise ValidationError(
            "Fleiss' kappa needs at least one unit rated by two or more raters; got 0."
        )
    counts, n_i = counts[keep], n_i[keep]
    p_i = ((counts * (counts - 1)).sum(axis=1)) / (n_i * (n_i - 1))
    return _kappa_estimate(
        float(p_i.sum()),
        int(counts.shape[0]),
        counts.sum(axis=0),
        (float(n_i.min()), float(n_i.max())),
        domain,
        cats,
        (counts, n_i) if n_resamples else None,
        n_resamples=n_resamples,
        alpha=alpha,
        seed_used=seed_used,
        progress=progress,
        names=names,
        fingerprint=_fingerprint_input(data, rm),
    )


def _kappa_of(counts: np.ndarray, n_i: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Fleiss' kappa of unit-weighted data; ``w``: (B, U) unit weights."""
    p_i = ((counts * (counts - 1)).sum(axis=1)) / (n_i * (n_i - 1))
    p_bar = (w @ p_i) / w.sum(axis=1)
    tot = w @ counts
    p_j = tot / tot.sum(axis=1, keepdims=True)
    p_e = (p_j**2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray((p_bar - p_e) / (1 - p_e))


def _kappa_estimate(
    sum_p_i: float,
    n_units: int,
    totals: np.ndarray,
    n_range: tuple[float, float],
    domain: np.ndarray,
    cats: list[Any] | None,
    boot: tuple[np.ndarray, np.ndarray] | None,
    *,
    n_resamples: int,
    alpha: float,
    seed_used: int,
    progress: bool,
    names: dict[str, str],
    fingerprint: Any,
    engine: str = "local",
) -> Estimate:
    """Fleiss' kappa from sums over the units with two or more ratings: of P_i, their
    number, the category totals and the least and most ratings of a unit; the bootstrap
    from the per-unit counts (``boot``; shared by the local and the Dask engine)."""
    func = "fleiss_kappa"
    p_bar = sum_p_i / n_units
    p_j = totals / totals.sum()
    p_e = float((p_j**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        value = float(np.float64(p_bar - p_e) / np.float64(1 - p_e))
    equal = n_range[0] == n_range[1]
    details: dict[str, Any] = {
        "P_bar": p_bar,
        "P_e": p_e,
        "category_shares": dict(
            zip(cats if cats is not None else domain.tolist(), p_j.tolist(), strict=True)
        ),
        "equal_raters": equal,
        "seed": seed_used if n_resamples else None,
        "n_resamples": n_resamples,
    }
    if equal:
        from scipy.stats import norm

        n_sub, n_r = n_units, n_range[0]
        pq = p_j * (1 - p_j)
        s = pq.sum()
        if s > 0:
            var0 = 2 / (n_sub * n_r * (n_r - 1)) * (s**2 - (pq * (1 - 2 * p_j)).sum()) / s**2
            se0 = float(np.sqrt(var0))
            details.update(se0=se0, z=value / se0, p_value=float(norm.sf(value / se0)))
    ci_low = ci_high = None
    if n_resamples and boot is not None:
        counts, n_i = boot
        rng = np.random.default_rng(seed_used)
        starts = range(0, n_resamples, 250)
        boot_vals = np.concatenate(
            [
                _kappa_of(
                    counts, n_i, _unit_weights(rng, counts.shape[0], min(250, n_resamples - s))
                )
                for s in progress_bar(starts, enabled=progress, desc=func, unit="batch")
            ]
        )
        ci_low, ci_high = percentile_interval(boot_vals, alpha)
    params = (
        {"n_resamples": n_resamples, "alpha": alpha, "seed": seed_used}
        | ({} if names == _CANONICAL else {"columns": names})
        | ({} if engine == "local" else {"engine": engine})
    )
    return Estimate(
        name="Fleiss' kappa",
        value=value,
        ci_low=ci_low,
        ci_high=ci_high,
        alpha=float(alpha),
        n=n_units,
        method="unit bootstrap, percentile" if n_resamples else "",
        details=details,
        provenance=make_provenance(f"crowd.agreement.{func}", fingerprint, params, seed_used),
    )


# ---------------------------------------------------------------------------------------
# Kendall's W
# ---------------------------------------------------------------------------------------


def kendall_w(
    data: RatingData,
    *,
    missing: Literal["raise", "drop-raters", "drop-items"] = "raise",
    participant_id: str = "participant_id",
    item_id: str = "item_id",
    rating: str = "rating",
) -> Estimate:
    """Kendall's coefficient of concordance W, with the correction for ties.

    Each rater's scores are ranked (ties get their average rank), then
    W = 12 S / (m^2 (n^3 - n) - m sum_j T_j), where S is the sum of squared deviations of the
    items' rank sums from their mean, m raters, n items and T_j = sum (t^3 - t) over the tie
    groups of rater j (Kendall & Babington Smith 1939). Friedman's chi-square is
    m (n - 1) W on n - 1 degrees of freedom.

    Parameters
    ----------
    data : Inquiry, polars.DataFrame or numpy.ndarray
        The inquiry (its ``ratings`` table), a ratings table (``participant_id``,
        ``item_id``, ``rating``) or a raters x items array of scores or ranks (higher =
        ranked higher or lower, consistently).
    missing : {"raise", "drop-raters", "drop-items"}, default "raise"
        W needs complete data: raise on a missing rating, or drop the raters (rows) or the
        items (columns) that have one.
    participant_id, item_id, rating : str
        The table's rater, item and rating columns (default the inquiry's own names).

    Returns
    -------
    Estimate
        ``value`` is W in [0, 1] (no interval); ``details``: ``chi2``, ``df``, ``p_value``
        (Friedman test), ``S``, ``m``, ``n``, ``tie_correction`` (sum of T_j) and
        ``mean_ranks``.

    Examples
    --------
    >>> w = kendall_w(np.array([[1, 2, 3, 4], [1, 2, 4, 3], [4, 3, 1, 2]]))
    >>> round(w.value, 6)
    0.111111
    >>> round(float(kendall_w([[1, 2, 3], [1, 2, 3]])), 6)
    1.0
    """
    from scipy.stats import chi2, rankdata

    func = "kendall_w"
    check_param(
        missing in ("raise", "drop-raters", "drop-items"),
        "missing",
        func,
        "one of ['raise', 'drop-raters', 'drop-items']",
        missing,
    )
    names = {"participant_id": participant_id, "item_id": item_id, "rating": rating}
    rm = _rating_matrix(data, names=names, func=func)
    mat, raters, units = rm.matrix, rm.raters, rm.items
    nan = np.isnan(mat)
    if nan.any():
        if missing == "raise":
            r, u = np.argwhere(nan)[0]
            raise ValidationError(
                f"Kendall's W needs every rater to rate every item; rater {raters[r]!r} has no "
                f"rating for item {units[u]!r} (pass missing='drop-raters' or 'drop-items')"
            )
        if missing == "drop-raters":
            mat = mat[~nan.any(axis=1)]
        else:
            mat = mat[:, ~nan.any(axis=0)]
    m, n = mat.shape
    if m < 2 or n < 2:
        raise ValidationError(
            f"Kendall's W needs at least 2 raters and 2 items with complete ratings; got {m} "
            f"rater(s) and {n} item(s)"
        )
    ranks = rankdata(mat, axis=1)
    rank_sums = ranks.sum(axis=0)
    s = float(((rank_sums - rank_sums.mean()) ** 2).sum())
    ties = 0.0
    for row in mat:
        _, t = np.unique(row, return_counts=True)
        ties += float((t**3 - t).sum())
    denom = m**2 * (n**3 - n) - m * ties
    value = 12 * s / denom if denom > 0 else float("nan")
    chi = m * (n - 1) * value
    details = {
        "chi2": chi,
        "df": n - 1,
        "p_value": float(chi2.sf(chi, n - 1)) if np.isfinite(chi) else float("nan"),
        "S": s,
        "m": m,
        "n": n,
        "tie_correction": ties,
        "mean_ranks": (rank_sums / m).tolist(),
    }
    params = {"missing": missing} | ({} if names == _CANONICAL else {"columns": names})
    return Estimate(
        name="Kendall's W",
        value=float(value),
        n=m,
        method="",
        details=details,
        provenance=make_provenance(f"crowd.agreement.{func}", _fingerprint_input(data, rm), params),
    )


# ---------------------------------------------------------------------------------------
# ordinal frequency-vector measures
# ---------------------------------------------------------------------------------------


def _freq(frequencies: Sequence[float] | np.ndarray, func: str, min_k: int = 2) -> np.ndarray:
    f = np.asarray(frequencies, dtype=float)
    if f.ndim != 1 or f.size < min_k:
        raise ValidationError(
            f"{func} needs a 1-D vector of at least {min_k} category counts (lowest category "
            f"first); got shape {f.shape}"
        )
    if not np.all(np.isfinite(f)) or (f < 0).any():
        i = int(np.argmax(~np.isfinite(f) | (f < 0)))
        raise ValidationError(f"{func} needs finite counts >= 0; category {i} has {f[i]}")
    if f.sum() <= 0:
        raise ValidationError(f"{func} needs at least one answer; all counts are 0")
    return f


def _pattern_agreement(p: np.ndarray) -> float:
    k = p.size
    s = int(p.sum())
    if s == 1:
        return 1.0
    # triples i < j < l: 1-0-1 is bimodal (TDU), 1-1-0 and 0-1-1 unimodal (TU)
    ones = p.astype(bool)
    before = np.cumsum(ones) - ones  # number of 1s strictly before j
    after = ones[::-1].cumsum()[::-1] - ones  # strictly after j
    zb = np.cumsum(~ones) - ~ones
    za = (~ones)[::-1].cumsum()[::-1] - ~ones
    tdu = float((before * after * ~ones).sum())
    tu = float((before * za * ones).sum() + (zb * after * ones).sum())
    if tu == 0 and tdu == 0:
        u = 1.0
    else:
        u = ((k - 2) * tu - (k - 1) * tdu) / ((k - 2) * (tu + tdu))
    return u * (1 - (s - 1) / (k - 1))


def van_der_eijk_agreement(frequencies: Sequence[float] | np.ndarray) -> float:
    """Van der Eijk's agreement A of an ordinal frequency distribution, in [-1, 1].

    The distribution is split into layers of uniform patterns; each layer's agreement is
    U (1 - (S - 1)/(K - 1)) with S its non-empty categories and U its unimodality from the
    count of unimodal and bimodal triples; A is the layer-size-weighted mean (van der Eijk,
    Quality & Quantity 35, 2001). 1 = everyone in one category, 0 = uniform, -1 = split
    between the two extremes. Polarisation can be reported as (1 - A) / 2.

    Parameters
    ----------
    frequencies : array_like
        Counts of answers per category, lowest category first (K >= 3).

    Returns
    -------
    float
        A in [-1, 1].

    Examples
    --------
    >>> round(van_der_eijk_agreement([30, 40, 210, 130, 530, 50, 10]), 7)
    0.6113333
    >>> van_der_eijk_agreement([5, 0, 0, 0, 5])
    -1.0
    """
    f = _freq(frequencies, "van_der_eijk_agreement", min_k=3).copy()
    total = f.sum()
    a = 0.0
    while f.max() > 0:
        pattern = (f > 0).astype(int)
        layer = f[f > 0].min()
        a += layer * pattern.sum() / total * _pattern_agreement(pattern)
        f = np.where(f > 0, f - layer, 0.0)
        f[np.isclose(f, 0.0, atol=1e-12 * total)] = 0.0
    return float(a)


def tastle_wierman_consensus(
    frequencies: Sequence[float] | np.ndarray, *, values: Sequence[float] | None = None
) -> float:
    """Tastle & Wierman's consensus Cns of an ordinal distribution, in [0, 1].

    Cns = 1 + sum_i p_i log2(1 - abs(X_i - mu) / d), d = X_max - X_min the width of the scale
    (Tastle & Wierman, Int. J. Approx. Reasoning 45, 2007). 1 = everyone in one category,
    0 = split between the two extremes.

    Parameters
    ----------
    frequencies : array_like
        Counts per category, lowest category first.
    values : array_like, optional
        The scale values of the categories (default 1..K).

    Returns
    -------
    float
        Cns in [0, 1].

    Examples
    --------
    >>> round(tastle_wierman_consensus([30, 40, 210, 130, 530, 50, 10]), 7)
    0.7256876
    """
    f = _freq(frequencies, "tastle_wierman_consensus")
    x = np.arange(1, f.size + 1, dtype=float) if values is None else np.asarray(values, float)
    if x.shape != f.shape or np.any(np.diff(x) <= 0):
        raise ValidationError(
            "tastle_wierman_consensus needs one increasing scale value per category; got "
            f"{list(x)} for {f.size} categories"
        )
    p = f / f.sum()
    mu = float(p @ x)
    d = x[-1] - x[0]
    inner = 1 - np.abs(x - mu) / d
    with np.errstate(divide="ignore"):
        terms = np.where(p > 0, p * np.log2(np.where(p > 0, inner, 1.0)), 0.0)
    return float(1 + terms.sum())


def leik_dispersion(frequencies: Sequence[float] | np.ndarray) -> float:
    """Leik's ordinal dispersion D, in [0, 1].

    D = sum_i min(F_i, 1 - F_i) / ((K - 1) / 2) with F the cumulative shares (Leik 1966).
    0 = everyone in one category, 1 = split between the two extremes.

    Parameters
    ----------
    frequencies : array_like
        Counts of answers per category, lowest category first (K >= 2).

    Returns
    -------
    float
        D in [0, 1].

    Examples
    --------
    >>> round(leik_dispersion([30, 40, 210, 130, 530, 50, 10]), 3)
    0.287
    """
    f = _freq(frequencies, "leik_dispersion")
    cum = np.cumsum(f) / f.sum()
    return float(np.minimum(cum, 1 - cum)[:-1].sum() / ((f.size - 1) / 2))


def agreement_by_item(
    data: Inquiry | pl.DataFrame,
    *,
    scale: tuple[float, float] | None = None,
    participant_id: str = "participant_id",
    item_id: str = "item_id",
    rating: str = "rating",
) -> pl.DataFrame:
    """Consensus, agreement and dispersion of every rated item of a ratings table.

    Each item's ratings are counted on its scale's categories (every whole number from the
    scale's low to high end when the ratings and ends are whole numbers, else the values
    seen and the two ends), then :func:`tastle_wierman_consensus`,
    :func:`van_der_eijk_agreement` and :func:`leik_dispersion` are computed on the counts.

    Parameters
    ----------
    data : Inquiry or polars.DataFrame
        The inquiry (its ``ratings`` table, with scales from its ``rating_items`` table) or a
        ratings table as the inquiry stores it: ``participant_id``, ``item_id``, ``rating``
        and optionally ``scale_min`` / ``scale_max`` per row.
    scale : (low, high), optional
        The scale of items that do not give their own; default the smallest and largest
        rating in the table.
    participant_id, item_id, rating : str
        The table's columns (default the inquiry's own names).

    Returns
    -------
    polars.DataFrame
        One row per item, sorted by item: ``item_id``, ``n``, ``median``, ``mean``,
        ``scale_min``, ``scale_max``, ``tastle_wierman`` (1 = all the same, 0 = split between
        the ends), ``van_der_eijk`` (-1 to 1; null with fewer than 3 categories) and
        ``leik`` (0 = all the same, 1 = split between the ends).

    Examples
    --------
    >>> t = pl.DataFrame({"participant_id": [1, 2, 3, 1, 2, 3], "item_id": [1, 1, 1, 2, 2, 2],
    ...                   "rating": [4, 4, 4, 1, 5, 1]})
    >>> out = agreement_by_item(t, scale=(1, 5))
    >>> out.select("item_id", pl.col("tastle_wierman", "leik").round(3)).rows()
    [(1, 1.0, 0.0), (2, 0.082, 0.667)]
    >>> from coprod_analytics import sample_inquiry
    >>> agreement_by_item(sample_inquiry()).height
    5
    """
    func = "agreement_by_item"
    items_table = data.tables.get("rating_items") if isinstance(data, Inquiry) else None
    table = table_of(data, "ratings", func)
    names = {
        "participant_id": participant_id,
        "item_id": item_id,
        "rating": rating,
        "scale_min": "scale_min",
        "scale_max": "scale_max",
    }
    df = canonical_columns(
        table, names, required=["participant_id", "item_id", "rating"], func=func, table="ratings"
    )
    if df.height == 0:
        raise ValidationError(f"{func} needs at least one rating; the table is empty")
    if not df["rating"].dtype.is_numeric():
        raise ValidationError(
            f"{func} needs numeric ratings; column '{rating}' has type {df['rating'].dtype}",
            column=rating,
            table="ratings",
        )
    df = df.filter(pl.col("rating").is_not_null()).with_columns(pl.col("rating").cast(pl.Float64))
    for c in ("scale_min", "scale_max"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
        if items_table is not None and c in items_table.columns:
            df = (
                df.join(
                    items_table.select("item_id", pl.col(c).alias(f"_{c}")),
                    on="item_id",
                    how="left",
                )
                .with_columns(pl.coalesce(c, f"_{c}").alias(c))
                .drop(f"_{c}")
            )
    if scale is not None:
        check_param(
            len(scale) == 2 and float(scale[0]) < float(scale[1]),
            "scale",
            func,
            "a (low, high) pair with low < high",
            scale,
        )
        lo_all, hi_all = float(scale[0]), float(scale[1])
    else:
        lo_all = float(df["rating"].min())  # type: ignore[arg-type]
        hi_all = float(df["rating"].max())  # type: ignore[arg-type]
    df = df.with_columns(
        pl.col("scale_min").cast(pl.Float64).fill_null(lo_all),
        pl.col("scale_max").cast(pl.Float64).fill_null(hi_all),
    )
    rows: list[dict[str, Any]] = []
    for sub in df.sort("item_id").partition_by("item_id", maintain_order=True):
        x = sub["rating"].to_numpy()
        lo, hi = float(sub["scale_min"][0]), float(sub["scale_max"][0])
        whole = bool(np.all(x == np.round(x))) and lo == np.round(lo) and hi == np.round(hi)
        cats = np.arange(lo, hi + 1) if whole else np.unique(np.r_[x, lo, hi])
        freq = np.array([(x == c).sum() for c in cats], dtype=float)
        rows.append(
            {
                "item_id": sub["item_id"][0],
                "n": int(x.size),
                "median": float(np.median(x)),
                "mean": float(x.mean()),
                "scale_min": lo,
                "scale_max": hi,
                "tastle_wierman": tastle_wierman_consensus(freq, values=cats.tolist())
                if cats.size >= 2
                else 1.0,
                "van_der_eijk": van_der_eijk_agreement(freq) if freq.size >= 3 else None,
                "leik": leik_dispersion(freq) if cats.size >= 2 else 0.0,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "item_id": df.schema["item_id"],
            "n": pl.Int64,
            "median": pl.Float64,
            "mean": pl.Float64,
            "scale_min": pl.Float64,
            "scale_max": pl.Float64,
            "tastle_wierman": pl.Float64,
            "van_der_eijk": pl.Float64,
            "leik": pl.Float64,
        },
    )
