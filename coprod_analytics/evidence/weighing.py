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

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.results import Estimate, frame_to_html

__all__ = ["EvidenceWeighing", "weigh_evidence"]

_CRITERIA = ("credibility", "relevance")


@dataclass(frozen=True)
class EvidenceWeighing:
    """Result of :func:`weigh_evidence`.

    Attributes
    ----------
    table : polars.DataFrame
        One row per evidence item, ranked (see :func:`weigh_evidence` for the columns).
    group_table : polars.DataFrame or None
        Per item and opinion group: ``evidence_id``, ``group``, ``n``, ``credibility``,
        ``relevance`` (group means); None without groups.
    reliability : dict
        ``{"credibility": Estimate, "relevance": Estimate}``: Krippendorff's alpha of each
        criterion across raters (rows) and evidence items (units), with a bootstrap interval.
    scale : (float, float)
        The rating scale used for consensus and scores.
    parameters : dict
        Every parameter used, with the seed.
    """

    table: pl.DataFrame
    group_table: pl.DataFrame | None
    reliability: dict[str, Estimate]
    scale: tuple[float, float]
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pl.DataFrame:
        """The ranked evidence table."""
        return self.table

    def summary(self) -> str:
        rel = ", ".join(f"{k} alpha {v.value:.3g}" for k, v in self.reliability.items())
        top = self.table["evidence_id"].head(3).to_list()
        return (
            f"{self.table.height} evidence item(s) ranked by score; top: {top}; reliability: {rel}"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.table, caption="Evidence, ranked")


def _boot_center(
    x: np.ndarray, w: np.ndarray, estimator: str, n_boot: int, ci: float, rng: np.random.Generator
) -> tuple[float, float | None, float | None]:
    def center(xs: np.ndarray, ws: np.ndarray) -> np.ndarray:
        if estimator == "median":
            return np.median(xs, axis=-1)
        return np.asarray((xs * ws).sum(axis=-1) / ws.sum(axis=-1))

    value = float(center(x, w))
    if n_boot == 0 or x.size < 2:
        return value, None, None
    idx = rng.integers(0, x.size, size=(n_boot, x.size))
    ws = w[idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = center(x[idx], ws)
    boot = boot[np.isfinite(boot)]
    lo, hi = np.quantile(boot, [(1 - ci) / 2, (1 + ci) / 2])
    return value, float(lo), float(hi)


def _consensus(x: np.ndarray, lo: float, hi: float) -> float:
    """Tastle–Wierman consensus of individual ratings on the scale [lo, hi]."""
    if hi <= lo:
        return 1.0
    mu = x.mean()
    inner = 1 - np.abs(x - mu) / (hi - lo)
    with np.errstate(divide="ignore"):
        return float(1 + np.mean(np.log2(inner)))


def weigh_evidence(
    ratings: pl.DataFrame,
    *,
    groups: pl.DataFrame | None = None,
    scale: tuple[float, float] | None = None,
    estimator: Literal["mean", "median"] = "mean",
    level: Literal["ordinal", "interval"] = "interval",
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int | None = 0,
) -> EvidenceWeighing:
    """Aggregate a room's ratings of evidence into a ranked table it can discuss.

    Parameters
    ----------
    ratings : polars.DataFrame
        Long table, one row per (participant, evidence item): ``participant_id``,
        ``evidence_id``, ``credibility``, ``relevance`` (numbers on the rating scale) and
        optionally ``confidence`` (>= 0; weights the mean).
    groups : polars.DataFrame, optional
        ``participant_id`` → ``group`` (e.g. the opinion groups of a Pol.is conversation).
        Participants not in it are left out of the group columns only.
    scale : (low, high), optional
        The ends of the rating scale (e.g. (1, 5)); default the smallest and largest rating
        seen in either criterion.
    estimator : {"mean", "median"}
        Per-item aggregate; "mean" is the confidence-weighted mean when ``confidence`` is
        given (the median ignores confidence).
    level : {"ordinal", "interval"}
        Level of measurement for the overall Krippendorff's alpha.
    n_boot : int
        Bootstrap resamples of raters per item (and of items for alpha); 0 = no intervals.
    ci : float
        Coverage of the percentile intervals.
    seed : int or None
        Seed of every bootstrap.

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
    >>> res = weigh_evidence(r, scale=(1, 5), n_boot=200)
    >>> res.table.select("rank", "evidence_id", "credibility").rows()
    [(1, 'report', 4.666666666666667), (2, 'blog', 2.0)]
    """
    func = "weigh_evidence"
    check_param(estimator in ("mean", "median"), "estimator", func, "'mean' or 'median'", estimator)
    check_param(level in ("ordinal", "interval"), "level", func, "'ordinal' or 'interval'", level)
    check_param(
        isinstance(n_boot, int) and not isinstance(n_boot, bool) and n_boot >= 0,
        "n_boot",
        func,
        "an int >= 0",
        n_boot,
    )
    check_param(isinstance(ci, float) and 0 < ci < 1, "ci", func, "a float in (0, 1)", ci)
    if not isinstance(ratings, pl.DataFrame):
        raise ValidationError(f"{func} needs a polars DataFrame; got {type(ratings).__name__}")
    required = ("participant_id", "evidence_id", *_CRITERIA)
    for c in required:
        if c not in ratings.columns:
            raise ValidationError(
                f"{func} needs columns {list(required)} (and optionally 'confidence'); "
                f"column '{c}' is missing (found {ratings.columns})",
                column=c,
                table="ratings",
            )
    if ratings.height == 0:
        raise ValidationError(
            f"{func} needs at least one rating; the table is empty", table="ratings"
        )
    has_conf = "confidence" in ratings.columns
    num_cols = [*_CRITERIA, "confidence"] if has_conf else list(_CRITERIA)
    for c in ["participant_id", "evidence_id"]:
        if ratings[c].null_count():
            row = int(ratings[c].is_null().arg_max() or 0) + 1
            raise ValidationError("ids may not be null", row=row, column=c, table="ratings")
    for c in num_cols:
        if not ratings[c].dtype.is_numeric():
            raise ValidationError(
                f"ratings must be numbers; column '{c}' has type {ratings[c].dtype}",
                column=c,
                table="ratings",
            )
        s = ratings[c].cast(pl.Float64)
        bad = s.is_null() | s.is_nan() | s.is_infinite() | ((s < 0) if c == "confidence" else False)
        if bad.any():
            row = int(bad.arg_max() or 0)
            what = "a number >= 0" if c == "confidence" else "a finite number"
            raise ValidationError(
                f"each rating must be {what}; got {ratings[c][row]!r}",
                row=row + 1,
                column=c,
                table="ratings",
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
            column="evidence_id",
            table="ratings",
        )
    df = ratings.with_columns(pl.col(c).cast(pl.Float64) for c in num_cols)
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
                    column=c,
                    table="ratings",
                )
    width = hi - lo if hi > lo else 1.0

    group_of: pl.DataFrame | None = None
    if groups is not None:
        if not isinstance(groups, pl.DataFrame):
            raise ValidationError(f"{func}: groups must be a polars DataFrame")
        for c in ("participant_id", "group"):
            if c not in groups.columns:
                raise ValidationError(
                    f"{func}: the groups table needs columns participant_id and group; "
                    f"'{c}' is missing",
                    column=c,
                    table="groups",
                )
        gdup = groups["participant_id"].is_first_distinct().not_()
        if gdup.any():
            row = int(gdup.arg_max() or 0) + 1
            raise ValidationError(
                "each participant may belong to one group",
                row=row,
                column="participant_id",
                table="groups",
            )
        group_of = groups.select("participant_id", "group").drop_nulls()
        df = df.join(
            group_of.with_columns(pl.col("participant_id").cast(df["participant_id"].dtype)),
            on="participant_id",
            how="left",
        )

    from scipy.stats import kruskal

    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for key, sub in df.sort("evidence_id", "participant_id").group_by(
        "evidence_id", maintain_order=True
    ):
        w = sub["confidence"].to_numpy() if has_conf else np.ones(sub.height)
        if w.sum() <= 0:
            w = np.ones(sub.height)
        item: dict[str, Any] = {"evidence_id": key[0], "n": sub.height}
        for c in _CRITERIA:
            x = sub[c].to_numpy()
            v, l_, h_ = _boot_center(x, w, estimator, n_boot, ci, rng)
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
        long = df.select(
            pl.col("participant_id").alias("rater"),
            pl.col("evidence_id").alias("unit"),
            pl.col(c).alias("value"),
        )
        try:
            reliability[c] = krippendorff_alpha(
                long, level=level, n_boot=n_boot, ci=ci, seed=seed if seed is not None else 0
            )
        except ValidationError:
            reliability[c] = Estimate(
                name=f"Krippendorff's alpha ({level})",
                value=float("nan"),
                details={"note": "no item was rated by two or more participants"},
            )
    return EvidenceWeighing(
        table=table,
        group_table=group_table,
        reliability=reliability,
        scale=(lo, hi),
        parameters={
            "estimator": estimator,
            "level": level,
            "n_boot": n_boot,
            "ci": ci,
            "seed": seed,
            "scale": (lo, hi),
            "confidence_weighted": has_conf,
        },
    )
