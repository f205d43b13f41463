"""Weighing evidence together: credibility and relevance of evidence items, rated by a room.

:func:`weigh_evidence` turns a long table of ratings into a ranked evidence table -- per item
the aggregate credibility and relevance with bootstrap intervals, how much the raters agree
on it, and (when opinion groups are known) how differently the groups rate it -- plus the
overall reliability of the ratings (Krippendorff's alpha across raters and items).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from coprod_analytics.crowd._common import (
    bootstrap_interval,
    canonical_columns,
    check_resampling,
    make_provenance,
    table_of,
)
from coprod_analytics.errors import ParameterError, ValidationError, check_param
from coprod_analytics.format import fmt_number
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.progress import progress as progress_bar
from coprod_analytics.results import Estimate, Result, frame_to_html, interval_frame

__all__ = ["EvidenceWeighing", "weigh_evidence"]

_CRITERIA = ("credibility", "relevance")


@dataclass(frozen=True, repr=False)
class EvidenceWeighing(Result):
    """Result of :func:`weigh_evidence`.

    Attributes
    ----------
    table : polars.DataFrame
        One row per evidence item, ranked (see :func:`weigh_evidence` for the columns).
    group_table : polars.DataFrame or None
        Per item and opinion group: ``evidence_id``, ``group``, ``n``, ``credibility``,
        ``relevance`` (group means); None without groups.
    reliability : dict of str to Estimate
        ``{"credibility": Estimate, "relevance": Estimate}``: Krippendorff's alpha of each
        criterion across raters (rows) and evidence items (units), with a bootstrap interval.
    scale : (float, float)
        The rating scale used for consensus and scores.
    parameters : dict
        Every parameter used, with the seed.
    provenance : Provenance or None
        What produced it.

    Examples
    --------
    >>> r = pl.DataFrame({"participant_id": [1, 2, 1, 2], "evidence_id": [1, 1, 2, 2],
    ...                   "credibility": [5, 4, 2, 1], "relevance": [4, 4, 5, 5]})
    >>> res = weigh_evidence(r, scale=(1, 5), n_resamples=0)
    >>> res.to_frame()["evidence_id"].to_list()
    [1, 2]
    >>> res.summary().splitlines()[0]
    '2 evidence item(s) ranked by score; top: [1, 2]'
    """

    table: pl.DataFrame
    group_table: pl.DataFrame | None
    reliability: dict[str, Estimate]
    scale: tuple[float, float]
    parameters: dict[str, Any] = field(default_factory=dict)
    provenance: Any = None

    def to_frame(self) -> pl.DataFrame:
        """The ranked evidence table.

        Returns
        -------
        polars.DataFrame
        """
        return self.table

    def conf_int(self, alpha: float | None = None) -> pl.DataFrame:
        """The bootstrap intervals of each item's credibility and relevance.

        Parameters
        ----------
        alpha : float, optional
            Must be the ``alpha`` the intervals were computed at (the default); call
            :func:`weigh_evidence` again for another level.

        Returns
        -------
        polars.DataFrame
            ``evidence_id``, ``criterion``, ``ci_low``, ``ci_high``, ``alpha`` (in rank
            order, credibility first).
        """
        computed = float(self.parameters.get("alpha", 0.05))
        if alpha is not None and abs(alpha - computed) > 1e-12:
            raise ParameterError(
                f"The 'alpha' parameter of conf_int must be {computed} for this weighing "
                f"(computed at that level). Got {alpha}; recompute with alpha={alpha}."
            )
        parts = [
            interval_frame(
                {"evidence_id": self.table["evidence_id"], "criterion": [c] * self.table.height},
                self.table[f"{c}_low"],
                self.table[f"{c}_high"],
                alpha=computed,
            )
            for c in _CRITERIA
        ]
        return pl.concat(parts)

    def summary(self) -> str:
        """The ranking's top and the reliability of the ratings.

        Returns
        -------
        str
        """
        rel = ", ".join(f"{k} alpha {fmt_number(v.value)}" for k, v in self.reliability.items())
        top = self.table["evidence_id"].head(3).to_list()
        return (
            f"{self.table.height} evidence item(s) ranked by score; top: {top}\nreliability: {rel}"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.table, caption="Evidence, ranked")


def _weighted_mean(x: np.ndarray, w: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray((x * w).sum(axis=axis) / w.sum(axis=axis))


def _median(x: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(np.median(x, axis=axis))


def _counted_weighted_mean(values: tuple[np.ndarray, ...], counts: np.ndarray) -> np.ndarray:
    """:func:`_weighted_mean` of samples given as counts (rows) of distinct ``(x, w)``."""
    x, w = values
    return np.asarray((counts @ (x * w)) / (counts @ w))


def _counted_median(values: tuple[np.ndarray, ...], counts: np.ndarray) -> np.ndarray:
    """:func:`_median` of samples given as counts (rows) of the distinct ``x``, ascending."""
    (x,) = values
    n = counts.sum(axis=1, keepdims=True)
    below = np.cumsum(counts, axis=1)
    # the middle order statistics (1-based): n // 2 + 1 and, for even n, n // 2
    upper = (below < n // 2 + 1).sum(axis=1)
    lower = (below < np.where(n % 2 == 0, n // 2, n // 2 + 1)).sum(axis=1)
    return np.asarray((x[lower] + x[upper]) / 2)


def _center(
    x: np.ndarray,
    w: np.ndarray,
    estimator: str,
    n_resamples: int,
    alpha: float,
    seed: int,
) -> tuple[float, float | None, float | None]:
    """The item's aggregate and its percentile bootstrap interval (scipy.stats.bootstrap, or
    counts of the distinct ratings resampled when there are many ratings per distinct one)."""
    if estimator == "median":
        value = float(np.median(x))
        data: tuple[np.ndarray, ...] = (x,)
        stat: Any = _median
        counted: Any = _counted_median
    else:
        value = float(_weighted_mean(x, w))
        data, stat, counted = (x, w), _weighted_mean, _counted_weighted_mean
    if n_resamples == 0 or x.size < 2:
        return value, None, None
    if np.ptp(x) == 0:
        return value, value, value
    lo, hi = bootstrap_interval(
        data,
        stat,
        n_resamples=n_resamples,
        alpha=alpha,
        seed=seed,
        progress=False,
        counted=counted,
    )
    return value, lo, hi


def _consensus(x: np.ndarray, lo: float, hi: float) -> float:
    """Tastle–Wierman consensus of individual ratings on the scale [lo, hi]."""
    if hi <= lo:
        return 1.0
    mu = x.mean()
    inner = 1 - np.abs(x - mu) / (hi - lo)
    with np.errstate(divide="ignore"):
        return float(1 + np.mean(np.log2(inner)))


def weigh_evidence(
    data: Inquiry | pl.DataFrame,
    *,
    groups: pl.DataFrame | None = None,
    scale: tuple[float, float] | None = None,
    estimator: Literal["mean", "median"] = "mean",
    level_of_measurement: Literal["ordinal", "interval"] = "interval",
    n_resamples: int = 1000,
    alpha: float = 0.05,
    seed: int | None = 0,
    progress: bool = True,
    participant_id: str = "participant_id",
    evidence_id: str = "evidence_id",
    credibility: str = "credibility",
    relevance: str = "relevance",
    confidence: str = "confidence",
    group: str = "group",
    default_confidence: float | None = None,
) -> EvidenceWeighing:
    """Aggregate a room's ratings of evidence into a ranked table it can discuss.

    Parameters
    ----------
    data : Inquiry or polars.DataFrame
        The inquiry (its ``evidence`` table) or the evidence table as the inquiry stores
        it, one row per (participant, evidence item): ``participant_id``, ``evidence_id``,
        ``credibility``, ``relevance`` (numbers on the rating scale) and optionally
        ``confidence`` (>= 0; weights the mean; a missing confidence means "not given", see
        ``default_confidence``). Other columns are ignored.
    groups : polars.DataFrame, optional
        ``participant_id`` -> ``group`` (e.g. the opinion groups of a Pol.is conversation,
        or the inquiry's ``participants`` table with ``group=`` naming one of its columns).
        Participants not in it, or with a null group, are left out of the group columns
        only.
    scale : (low, high), optional
        The ends of the rating scale (e.g. (1, 5)); default the smallest and largest rating
        seen in either criterion.
    estimator : {"mean", "median"}, default "mean"
        Per-item aggregate; "mean" is the confidence-weighted mean when ``confidence`` is
        given (the median ignores confidence).
    level_of_measurement : {"ordinal", "interval"}, default "interval"
        Level of measurement of the overall Krippendorff's alpha.
    n_resamples : int, default 1000
        Bootstrap resamples of raters per item (percentile intervals by
        :func:`scipy.stats.bootstrap`; with at least 4 ratings per distinct (rating,
        confidence) pair, each resample's counts of those pairs are drawn from their
        multinomial instead: the same bootstrap, at a cost that does not grow with the
        number of raters) and of items for alpha; 0 = no intervals.
    alpha : float, default 0.05
        The intervals' level is ``1 - alpha``.
    seed : int or None, default 0
        Seed of every bootstrap.
    progress : bool, default True
        Show a progress bar over the evidence items.
    participant_id, evidence_id, credibility, relevance, confidence : str
        The table's columns (default the inquiry's own names); ``participant_id`` names the
        participant column of ``groups`` too.
    group : str, default "group"
        The column of ``groups`` holding the group.
    default_confidence : float, optional
        The weight of a rating whose confidence was not given (null; live answers make
        confidence optional). Default: the median of the confidences given in the whole
        table, so such a rating counts like a typical one; when nobody gave a confidence,
        every rating weighs the same (an unweighted mean). Must be >= 0.

    Returns
    -------
    EvidenceWeighing
        ``table`` columns, ranked by ``score`` (highest first, ties by id): ``rank``,
        ``evidence_id``, ``n`` (raters), ``credibility``, ``credibility_low``,
        ``credibility_high``, ``relevance``, ``relevance_low``, ``relevance_high``,
        ``score`` = credibility x relevance with both rescaled to [0, 1] by ``scale``,
        ``credibility_consensus`` and ``relevance_consensus`` (Tastle–Wierman consensus of
        the item's ratings on the scale: 1 = everyone gave the same rating, 0 = split between
        the two ends) and, with ``groups``: ``n_groups``, ``credibility_group_gap`` and
        ``relevance_group_gap`` (largest minus smallest group mean) and
        ``credibility_group_p`` / ``relevance_group_p`` (Kruskal–Wallis test across groups;
        null when fewer than two groups rated the item or all ratings are equal).

    Examples
    --------
    >>> r = pl.DataFrame({
    ...     "participant_id": [1, 2, 3, 1, 2, 3],
    ...     "evidence_id": ["report", "report", "report", "blog", "blog", "blog"],
    ...     "credibility": [5, 4, 5, 2, 1, 3],
    ...     "relevance": [4, 4, 5, 5, 4, 4]})
    >>> res = weigh_evidence(r, scale=(1, 5), n_resamples=200, progress=False)
    >>> res.table.select("rank", "evidence_id", "credibility").rows()
    [(1, 'report', 4.666666666666667), (2, 'blog', 2.0)]

    The sample inquiry, as stored:

    >>> from coprod_analytics import sample_inquiry
    >>> inquiry = sample_inquiry()
    >>> weigh_evidence(inquiry, n_resamples=0).table.height
    8
    >>> by_planted = weigh_evidence(inquiry, groups=inquiry.participants, group="planted_group",
    ...                             n_resamples=0)
    >>> by_planted.group_table["group"].unique().sort().to_list()
    [0, 1, 2]

    Confidence is optional in a live session; a rating without one counts like a typical
    rating (the median confidence given):

    >>> live = r.with_columns(confidence=pl.Series([4.0, None, 2.0, 4.0, None, 2.0]))
    >>> weigh_evidence(live, n_resamples=0, progress=False).parameters["default_confidence"]
    3.0
    """
    func = "weigh_evidence"
    check_param(estimator in ("mean", "median"), "estimator", func, "'mean' or 'median'", estimator)
    level = level_of_measurement
    check_param(
        level in ("ordinal", "interval"),
        "level_of_measurement",
        func,
        "'ordinal' or 'interval'",
        level,
    )
    seed_used = check_resampling(func, n_resamples, alpha, seed)
    table_in = table_of(data, "evidence", func)
    names = {
        "participant_id": participant_id,
        "evidence_id": evidence_id,
        "credibility": credibility,
        "relevance": relevance,
        "confidence": confidence,
    }
    ratings = canonical_columns(
        table_in,
        names,
        required=["participant_id", "evidence_id", *_CRITERIA],
        func=func,
        table="evidence",
    )
    if ratings.height == 0:
        raise ValidationError(
            f"{func} needs at least one rating; the table is empty", table="evidence"
        )
    has_conf = "confidence" in ratings.columns
    num_cols = [*_CRITERIA, "confidence"] if has_conf else list(_CRITERIA)
    for c in ["participant_id", "evidence_id"]:
        if ratings[c].null_count():
            row = int(ratings[c].is_null().arg_max() or 0) + 1
            raise ValidationError("ids may not be null", row=row, column=names[c], table="evidence")
    for c in num_cols:
        if not ratings[c].dtype.is_numeric():
            raise ValidationError(
                f"ratings must be numbers; column '{names[c]}' has type {ratings[c].dtype}",
                column=names[c],
                table="evidence",
            )
        s = ratings[c].cast(pl.Float64)
        if c == "confidence":  # null: not given (see default_confidence)
            bad = (s.is_nan() | s.is_infinite() | (s < 0)).fill_null(False)
        else:
            bad = s.is_null() | s.is_nan() | s.is_infinite()
        if bad.any():
            row = int(bad.arg_max() or 0)
            what = "a number >= 0" if c == "confidence" else "a finite number"
            raise ValidationError(
                f"each rating must be {what}; got {ratings[c][row]!r}",
                row=row + 1,
                column=names[c],
                table="evidence",
            )
    dup = ratings.select(
        pl.struct("participant_id", "evidence_id").is_first_distinct().not_()
    ).to_series()
    if dup.any():
        row = int(dup.arg_max() or 0)
        raise ValidationError(
            f"participant {ratings['participant_id'][row]!r} rated evidence "
            f"{ratings['evidence_id'][row]!r} more than once",
            row=row + 1,
            column=evidence_id,
            table="evidence",
        )
    df = ratings.with_columns(pl.col(c).cast(pl.Float64) for c in num_cols)
    check_param(
        default_confidence is None
        or (np.isfinite(float(default_confidence)) and float(default_confidence) >= 0),
        "default_confidence",
        func,
        "None or a number >= 0",
        default_confidence,
    )
    fill: float | None = None
    weighted = has_conf
    if has_conf:
        n_missing = int(df["confidence"].null_count())
        if default_confidence is not None:
            fill = float(default_confidence)
        elif n_missing < df.height:
            fill = float(df["confidence"].median())  # type: ignore[arg-type]
        else:  # nobody gave a confidence: an unweighted mean
            fill, weighted = 1.0, False
        if n_missing:
            df = df.with_columns(pl.col("confidence").fill_null(fill))
    if scale is None:
        both = df.select(pl.concat_list(*_CRITERIA).explode()).to_series().to_numpy()
        lo, hi = float(both.min()), float(both.max())
    else:
        check_param(
            len(scale) == 2 and float(scale[0]) < float(scale[1]),
            "scale",
            func,
            "a (low, high) pair with low < high",
            scale,
        )
        lo, hi = float(scale[0]), float(scale[1])
        for c in _CRITERIA:
            out = (df[c] < lo) | (df[c] > hi)
            if out.any():
                row = int(out.arg_max() or 0)
                raise ValidationError(
                    f"rating {df[c][row]:g} is outside the scale ({lo:g}, {hi:g})",
                    row=row + 1,
                    column=names[c],
                    table="evidence",
                )
    width = hi - lo if hi > lo else 1.0

    group_of: pl.DataFrame | None = None
    if groups is not None:
        groups = canonical_columns(
            groups,
            {"participant_id": participant_id, "group": group},
            required=["participant_id", "group"],
            func=func,
            table="groups",
        )
        gdup = groups["participant_id"].is_first_distinct().not_()
        if gdup.any():
            row = int(gdup.arg_max() or 0) + 1
            raise ValidationError(
                "each participant may belong to one group",
                row=row,
                column=participant_id,
                table="groups",
            )
        group_of = groups.drop_nulls()
        df = df.join(
            group_of.with_columns(pl.col("participant_id").cast(df["participant_id"].dtype)),
            on="participant_id",
            how="left",
        )

    from scipy.stats import kruskal

    rows: list[dict[str, Any]] = []
    items = df.sort("evidence_id", "participant_id").partition_by(
        "evidence_id", maintain_order=True
    )
    for sub in progress_bar(items, enabled=progress, desc=func, unit="item"):
        w = sub["confidence"].to_numpy() if has_conf else np.ones(sub.height)
        if w.sum() <= 0:
            w = np.ones(sub.height)
        item: dict[str, Any] = {"evidence_id": sub["evidence_id"][0], "n": sub.height}
        for c in _CRITERIA:
            x = sub[c].to_numpy()
            v, l_, h_ = _center(x, w, estimator, n_resamples, alpha, seed_used)
            item[c], item[f"{c}_low"], item[f"{c}_high"] = v, l_, h_
            item[f"{c}_consensus"] = _consensus(x, lo, hi)
        item["score"] = ((item["credibility"] - lo) / width) * ((item["relevance"] - lo) / width)
        if group_of is not None:
            g = sub.filter(pl.col("group").is_not_null())
            labels = g["group"].unique().to_list()
            item["n_groups"] = len(labels)
            for c in _CRITERIA:
                samples = [g.filter(pl.col("group") == lab)[c].to_numpy() for lab in labels]
                means = [s.mean() for s in samples]
                item[f"{c}_group_gap"] = float(max(means) - min(means)) if means else None
                p = None
                if len(samples) >= 2 and np.ptp(np.concatenate(samples)) > 0:
                    p = float(kruskal(*samples).pvalue)
                item[f"{c}_group_p"] = p
        rows.append(item)
    table = pl.DataFrame(rows, infer_schema_length=None)
    float_cols = [c for c in table.columns if c not in ("evidence_id", "n", "n_groups")]
    table = (
        table.with_columns(pl.col(c).cast(pl.Float64) for c in float_cols)
        .sort(["score", "evidence_id"], descending=[True, False], nulls_last=True)
        .with_row_index("rank", offset=1)
        .with_columns(pl.col("rank").cast(pl.Int64))
    )
    order = ["rank", "evidence_id", "n"]
    for c in _CRITERIA:
        order += [c, f"{c}_low", f"{c}_high"]
    order += ["score", "credibility_consensus", "relevance_consensus"]
    if group_of is not None:
        order += ["n_groups"] + [f"{c}_group_{s}" for s in ("gap", "p") for c in _CRITERIA]
    table = table.select(order)

    group_table = None
    if group_of is not None:
        group_table = (
            df.filter(pl.col("group").is_not_null())
            .group_by("evidence_id", "group")
            .agg(pl.len().alias("n"), pl.col("credibility").mean(), pl.col("relevance").mean())
            .sort("evidence_id", "group")
        )

    from coprod_analytics.crowd.agreement import krippendorff_alpha

    reliability: dict[str, Estimate] = {}
    for c in _CRITERIA:
        long = df.select("participant_id", "evidence_id", c)
        try:
            reliability[c] = krippendorff_alpha(
                long,
                level_of_measurement=level,
                n_resamples=n_resamples,
                alpha=alpha,
                seed=seed_used,
                progress=False,
                item_id="evidence_id",
                rating=c,
            )
        except ValidationError:
            reliability[c] = Estimate(
                name=f"Krippendorff's alpha ({level})",
                value=float("nan"),
                alpha=float(alpha),
                details={"note": "no item was rated by two or more participants"},
            )
    params: dict[str, Any] = {
        "estimator": estimator,
        "level_of_measurement": level,
        "n_resamples": n_resamples,
        "alpha": alpha,
        "seed": seed_used,
        "scale": (lo, hi),
        "confidence_weighted": weighted,
        "default_confidence": fill,
    } | ({} if all(k == v for k, v in names.items()) else {"columns": names})
    return EvidenceWeighing(
        table=table,
        group_table=group_table,
        reliability=reliability,
        scale=(lo, hi),
        parameters=params,
        provenance=make_provenance(f"evidence.weighing.{func}", table_in, params, seed_used),
    )
