"""Wisdom-of-crowds estimates, probability pooling, the surprisingly-popular answer and Delphi.

* :func:`crowd_estimate` / :func:`crowd_estimates` -- mean, median, trimmed and winsorized
  means, geometric mean and confidence-weighted mean of numeric guesses, each with a
  bootstrap interval (``scipy.stats.bootstrap``).
* :func:`diversity_prediction` -- Page's Diversity Prediction Theorem when the truth is known.
* :func:`pool_log_odds` -- log-odds pooling of probabilities with extremizing.
* :func:`surprisingly_popular` -- Prelec, Seung & McCoy (2017).
* :func:`delphi_rounds` -- per-round median, IQR, CV, a consensus rule and stability between
  rounds by the paired Wilcoxon test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.results import Estimate, frame_to_html

__all__ = [
    "CROWD_METHODS",
    "DelphiRounds",
    "DiversityPrediction",
    "SurprisinglyPopular",
    "crowd_estimate",
    "crowd_estimates",
    "delphi_rounds",
    "diversity_prediction",
    "pool_log_odds",
    "surprisingly_popular",
]

CrowdMethod = Literal[
    "mean",
    "median",
    "trimmed_mean",
    "winsorized_mean",
    "geometric_mean",
    "confidence_weighted_mean",
]
CROWD_METHODS: tuple[str, ...] = (
    "mean",
    "median",
    "trimmed_mean",
    "winsorized_mean",
    "geometric_mean",
    "confidence_weighted_mean",
)


def _as_vector(values: Any, func: str, name: str = "values") -> np.ndarray:
    if isinstance(values, pl.Series):
        if values.null_count():
            i = int(values.is_null().arg_max() or 0)
            raise ValidationError(f"{func}: {name} has a missing value at position {i}")
        values = values.to_numpy()
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{func} needs numeric {name}; could not read them as numbers"
        ) from None
    if x.ndim != 1:
        raise ValidationError(f"{func} needs a 1-D sequence of {name}; got shape {x.shape}")
    bad = ~np.isfinite(x)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValidationError(f"{func}: {name} must be finite numbers; position {i} is {x[i]}")
    return x


def _winsorized_mean(x: np.ndarray, trim: float, axis: int = -1) -> np.ndarray:
    s = np.sort(x, axis=axis)
    n = s.shape[axis]
    k = int(np.floor(trim * n))
    lo = np.take(s, [k], axis=axis)
    hi = np.take(s, [n - k - 1], axis=axis)
    return np.asarray(np.clip(s, lo, hi).mean(axis=axis))


def _statistic(method: str, trim: float) -> Callable[..., Any]:
    from scipy.stats import trim_mean

    if method == "mean":
        return lambda x, axis=-1: np.mean(x, axis=axis)
    if method == "median":
        return lambda x, axis=-1: np.median(x, axis=axis)
    if method == "trimmed_mean":
        return lambda x, axis=-1: trim_mean(x, trim, axis=axis)
    if method == "winsorized_mean":
        return lambda x, axis=-1: _winsorized_mean(x, trim, axis=axis)
    if method == "geometric_mean":
        return lambda x, axis=-1: np.exp(np.mean(np.log(x), axis=axis))
    return lambda x, c, axis=-1: np.sum(x * c, axis=axis) / np.sum(c, axis=axis)


def _resample_stat(
    data: tuple[np.ndarray, ...],
    stat: Callable[..., Any],
    n_boot: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Statistic of ``n_boot`` paired with-replacement resamples; undefined ones dropped."""
    n = data[0].size
    batch = max(1, 2_000_000 // n)
    out = []
    for start in range(0, n_boot, batch):
        idx = rng.integers(0, n, size=(min(batch, n_boot - start), n))
        with np.errstate(invalid="ignore", divide="ignore"):
            out.append(np.asarray(stat(*(d[idx] for d in data), axis=-1), dtype=float))
    boot = np.concatenate(out)
    return boot[np.isfinite(boot)]


def crowd_estimate(
    values: Sequence[float] | np.ndarray | pl.Series,
    *,
    method: CrowdMethod = "median",
    confidence: Sequence[float] | np.ndarray | pl.Series | None = None,
    trim: float = 0.1,
    n_boot: int = 2000,
    ci: float = 0.95,
    ci_method: Literal["percentile", "basic", "BCa"] = "percentile",
    seed: int | None = None,
) -> Estimate:
    """One crowd estimate of a numeric quantity, with a bootstrap confidence interval.

    Parameters
    ----------
    values : array_like or polars.Series
        The individual guesses (finite numbers; > 0 for the geometric mean).
    method : str
        ``"mean"``, ``"median"`` (Galton 1907), ``"trimmed_mean"`` and ``"winsorized_mean"``
        (cut / clamp ``trim`` of the guesses at each end; Jose & Winkler 2008),
        ``"geometric_mean"`` (ratio-scale quantities; Lorenz et al. 2011) or
        ``"confidence_weighted_mean"`` (sum c_i x_i / sum c_i; Koriat 2012; needs
        ``confidence``).
    confidence : array_like, optional
        Non-negative confidence of each guess, for ``"confidence_weighted_mean"``.
    trim : float
        Share cut (or clamped) at EACH end for the trimmed / winsorized means, in [0, 0.5).
    n_boot : int
        Bootstrap resamples (0 = no interval). Guesses (and their confidences, paired) are
        resampled with replacement; a resample whose statistic is undefined (all its
        confidences 0) is dropped.
    ci : float
        Coverage of the interval.
    ci_method : {"percentile", "basic", "BCa"}
        Percentile or basic interval of the resampled statistic, or BCa computed by
        ``scipy.stats.bootstrap``.
    seed : int or None
        Seed of the bootstrap; None draws one, recorded in ``details["seed"]``.

    Returns
    -------
    Estimate
        ``details`` has ``trim`` (for the trimmed / winsorized means) and ``seed``.

    Examples
    --------
    >>> guesses = [1100, 1200, 1150, 5000, 1180, 900, 1250]
    >>> est = crowd_estimate(guesses, method="median", n_boot=500, seed=0)
    >>> est.value
    1180.0
    >>> est.ci_low <= est.value <= est.ci_high
    True
    >>> crowd_estimate([2, 4, 6], method="confidence_weighted_mean",
    ...                confidence=[1, 1, 2], n_boot=0).value
    4.5
    """
    func = "crowd_estimate"
    check_param(method in CROWD_METHODS, "method", func, f"one of {list(CROWD_METHODS)}", method)
    check_param(
        isinstance(trim, float | int) and 0 <= trim < 0.5, "trim", func, "a float in [0, 0.5)", trim
    )
    check_param(
        isinstance(n_boot, int) and not isinstance(n_boot, bool) and n_boot >= 0,
        "n_boot",
        func,
        "an int >= 0",
        n_boot,
    )
    check_param(isinstance(ci, float | int) and 0 < ci < 1, "ci", func, "a float in (0, 1)", ci)
    check_param(
        ci_method in ("percentile", "basic", "BCa"),
        "ci_method",
        func,
        "one of ['percentile', 'basic', 'BCa']",
        ci_method,
    )
    x = _as_vector(values, func)
    if x.size == 0:
        raise ValidationError(f"{func} needs at least one value; got 0")
    data: tuple[np.ndarray, ...] = (x,)
    if method == "confidence_weighted_mean":
        if confidence is None:
            raise ValidationError(
                f"{func} with method='confidence_weighted_mean' needs confidence=..."
            )
        c = _as_vector(confidence, func, "confidence")
        if c.shape != x.shape:
            raise ValidationError(
                f"{func}: confidence has {c.size} entries but values has {x.size}"
            )
        if (c < 0).any() or c.sum() <= 0:
            i = int(np.argmax(c < 0))
            raise ValidationError(
                f"{func}: confidence must be >= 0 with a positive total; position {i} is {c[i]}"
            )
        data = (x, c)
    elif confidence is not None:
        raise ValidationError(
            f"{func}: confidence is only used by method='confidence_weighted_mean'; "
            f"got method={method!r}"
        )
    if method == "geometric_mean" and (x <= 0).any():
        i = int(np.argmax(x <= 0))
        raise ValidationError(
            f"{func}: the geometric mean needs values > 0; position {i} is {x[i]:g}"
        )
    stat = _statistic(method, float(trim))
    value = float(stat(*data))
    seed_used = (
        int(seed) if seed is not None else int(np.random.SeedSequence().entropy % (2**32))  # type: ignore[operator]
    )
    ci_low = ci_high = None
    if n_boot and x.size > 1:
        if np.ptp(x) == 0:
            ci_low = ci_high = value
        elif ci_method == "BCa":
            from scipy.stats import bootstrap

            res = bootstrap(
                data,
                stat,
                n_resamples=n_boot,
                vectorized=True,
                paired=len(data) > 1,
                confidence_level=ci,
                method="BCa",
                rng=np.random.default_rng(seed_used),
                batch=max(1, 2_000_000 // x.size),
            )
            ci_low = float(res.confidence_interval.low)
            ci_high = float(res.confidence_interval.high)
        else:
            boot = _resample_stat(data, stat, n_boot, np.random.default_rng(seed_used))
            lo, hi = np.quantile(boot, [(1 - ci) / 2, (1 + ci) / 2])
            if ci_method == "basic":
                lo, hi = 2 * value - hi, 2 * value - lo
            ci_low, ci_high = float(lo), float(hi)
    details: dict[str, Any] = {"seed": seed_used if n_boot else None, "n_boot": n_boot}
    if method in ("trimmed_mean", "winsorized_mean"):
        details["trim"] = float(trim)
    return Estimate(
        name=method,
        value=value,
        ci_low=ci_low,
        ci_high=ci_high,
        alpha=round(1 - ci, 12),
        n=int(x.size),
        method=f"bootstrap-{ci_method}" if n_boot else "",
        details=details,
    )


def crowd_estimates(
    values: Sequence[float] | np.ndarray | pl.Series,
    *,
    confidence: Sequence[float] | np.ndarray | pl.Series | None = None,
    truth: float | None = None,
    trim: float = 0.1,
    n_boot: int = 2000,
    ci: float = 0.95,
    seed: int | None = 0,
) -> pl.DataFrame:
    """Every applicable crowd estimate in one table.

    The geometric mean is included only when all values are > 0 and the
    confidence-weighted mean only when ``confidence`` is given.

    Returns
    -------
    polars.DataFrame
        Columns ``method``, ``value``, ``ci_low``, ``ci_high``, ``n`` and, when ``truth`` is
        given, ``abs_error`` = |value - truth|.

    Examples
    --------
    >>> t = crowd_estimates([10, 12, 9, 11, 30], truth=11, n_boot=0)
    >>> t.select("method", "value", "abs_error").row(1)
    ('median', 11.0, 0.0)
    """
    x = _as_vector(values, "crowd_estimates")
    rows = []
    for method in CROWD_METHODS:
        if method == "geometric_mean" and (x <= 0).any():
            continue
        if method == "confidence_weighted_mean" and confidence is None:
            continue
        est = crowd_estimate(
            x,
            method=method,  # type: ignore[arg-type]
            confidence=confidence if method == "confidence_weighted_mean" else None,
            trim=trim,
            n_boot=n_boot,
            ci=ci,
            seed=seed,
        )
        rows.append(
            {
                "method": method,
                "value": est.value,
                "ci_low": est.ci_low,
                "ci_high": est.ci_high,
                "n": est.n,
            }
        )
    out = pl.DataFrame(
        rows,
        schema={
            "method": pl.String,
            "value": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "n": pl.Int64,
        },
    )
    if truth is not None:
        out = out.with_columns((pl.col("value") - float(truth)).abs().alias("abs_error"))
    return out


# ---------------------------------------------------------------------------------------
# Diversity Prediction Theorem
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiversityPrediction:
    """Page's decomposition: crowd error = average individual error - diversity.

    Attributes
    ----------
    crowd_estimate : float
        The arithmetic mean of the guesses.
    truth : float
        The true value.
    crowd_error : float
        (mean - truth)^2.
    average_error : float
        Mean of (x_i - truth)^2.
    diversity : float
        Mean of (x_i - mean)^2 (population variance of the guesses).
    n : int
        Number of guesses.
    """

    crowd_estimate: float
    truth: float
    crowd_error: float
    average_error: float
    diversity: float
    n: int

    @property
    def residual(self) -> float:
        """crowd_error - (average_error - diversity): zero up to rounding."""
        return self.crowd_error - (self.average_error - self.diversity)

    def to_frame(self) -> pl.DataFrame:
        """One row: crowd_estimate, truth, crowd_error, average_error, diversity, n."""
        return pl.DataFrame(
            [
                {
                    "crowd_estimate": self.crowd_estimate,
                    "truth": self.truth,
                    "crowd_error": self.crowd_error,
                    "average_error": self.average_error,
                    "diversity": self.diversity,
                    "n": self.n,
                }
            ]
        )

    def summary(self) -> str:
        return (
            f"crowd error {self.crowd_error:.4g} = average error {self.average_error:.4g} "
            f"- diversity {self.diversity:.4g} (crowd estimate {self.crowd_estimate:.4g}, "
            f"truth {self.truth:.4g}, n = {self.n})"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.to_frame(), caption="Diversity prediction")


def diversity_prediction(
    values: Sequence[float] | np.ndarray | pl.Series, truth: float
) -> DiversityPrediction:
    """Diversity Prediction Theorem decomposition (Page, *The Difference*, 2007).

    (x̄ - θ)² = mean (x_i - θ)² - mean (x_i - x̄)²: the crowd's squared error equals the
    average individual squared error minus the diversity of the guesses. The identity is
    exact for the arithmetic mean and squared error only.

    Examples
    --------
    >>> d = diversity_prediction([8, 10, 15], truth=10)
    >>> d.crowd_error, d.average_error, round(d.diversity, 4)
    (1.0, 9.666666666666666, 8.6667)
    >>> abs(d.residual) < 1e-12
    True
    """
    x = _as_vector(values, "diversity_prediction")
    if x.size == 0:
        raise ValidationError("diversity_prediction needs at least one value; got 0")
    check_param(
        isinstance(truth, float | int | np.floating | np.integer) and np.isfinite(truth),
        "truth",
        "diversity_prediction",
        "a finite number",
        truth,
    )
    m = float(x.mean())
    return DiversityPrediction(
        crowd_estimate=m,
        truth=float(truth),
        crowd_error=(m - float(truth)) ** 2,
        average_error=float(np.mean((x - float(truth)) ** 2)),
        diversity=float(np.mean((x - m) ** 2)),
        n=int(x.size),
    )


# ---------------------------------------------------------------------------------------
# probabilities
# ---------------------------------------------------------------------------------------


def pool_log_odds(
    probabilities: Sequence[float] | np.ndarray | pl.Series,
    *,
    weights: Sequence[float] | np.ndarray | None = None,
    extremize: float = 1.0,
    clip: float | None = None,
) -> float:
    """Pool probability forecasts of one event in log-odds space, with extremizing.

    p̂ = σ(a · Σ w_i logit p_i) with Σ w_i = 1 (weights are normalised). a = 1 is the
    geometric mean of the odds; a > 1 pushes the pooled forecast away from 0.5, which
    corrects the under-confidence of averaged forecasts (Satopää et al., IJF 30, 2014).

    Parameters
    ----------
    probabilities : array_like
        Forecasts strictly between 0 and 1 (see ``clip``).
    weights : array_like, optional
        Non-negative weights (default equal).
    extremize : float
        The factor a > 0.
    clip : float, optional
        Clip forecasts to [clip, 1 - clip] first (e.g. 0.01), so that 0 and 1 are allowed.

    Examples
    --------
    >>> round(pool_log_odds([0.6, 0.7, 0.8]), 4)
    0.7068
    >>> round(pool_log_odds([0.6, 0.7, 0.8], extremize=2.5), 4)
    0.9002
    """
    func = "pool_log_odds"
    check_param(
        isinstance(extremize, float | int) and extremize > 0,
        "extremize",
        func,
        "a number > 0",
        extremize,
    )
    check_param(
        clip is None or (isinstance(clip, float) and 0 < clip < 0.5),
        "clip",
        func,
        "None or a float in (0, 0.5)",
        clip,
    )
    p = _as_vector(probabilities, func, "probabilities")
    if p.size == 0:
        raise ValidationError(f"{func} needs at least one probability; got 0")
    if clip is not None:
        p = np.clip(p, clip, 1 - clip)
    bad = (p <= 0) | (p >= 1)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValidationError(
            f"{func} needs probabilities strictly between 0 and 1; position {i} is {p[i]:g} "
            "(pass clip=0.01 to allow 0 and 1)"
        )
    if weights is None:
        w = np.full(p.size, 1.0 / p.size)
    else:
        w = _as_vector(weights, func, "weights")
        if w.shape != p.shape or (w < 0).any() or w.sum() <= 0:
            raise ValidationError(
                f"{func} needs one non-negative weight per probability with a positive total; "
                f"got {w.size} weights for {p.size} probabilities"
            )
        w = w / w.sum()
    z = float(extremize) * float(w @ (np.log(p) - np.log1p(-p)))
    return float(1.0 / (1.0 + np.exp(-z)))


# ---------------------------------------------------------------------------------------
# surprisingly popular
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurprisinglyPopular:
    """The surprisingly popular answer and the per-option table behind it.

    Attributes
    ----------
    answer : Any
        The option whose actual share most exceeds its mean predicted share.
    majority_answer : Any
        The most common answer (for comparison).
    table : polars.DataFrame
        Columns ``option``, ``votes``, ``actual_share``, ``predicted_share``, ``surprise``
        (actual - predicted), sorted by ``surprise`` descending.
    tied : bool
        True when two or more options share the largest surprise (the first by option order
        is reported).
    n : int
        Number of respondents.
    """

    answer: Any
    majority_answer: Any
    table: pl.DataFrame
    tied: bool
    n: int

    def to_frame(self) -> pl.DataFrame:
        return self.table

    def summary(self) -> str:
        return (
            f"surprisingly popular answer: {self.answer!r} (majority answer: "
            f"{self.majority_answer!r}; n = {self.n}{'; tied' if self.tied else ''})"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.table, caption=self.summary())


def surprisingly_popular(answers: pl.DataFrame, predictions: pl.DataFrame) -> SurprisinglyPopular:
    """The surprisingly popular answer (Prelec, Seung & McCoy, Nature 541, 2017).

    Each respondent answers and predicts what share of the others will give each answer; the
    winner is argmax_k (actual share_k - mean predicted share_k).

    Parameters
    ----------
    answers : polars.DataFrame
        Columns ``participant_id`` and ``answer`` (one row per respondent).
    predictions : polars.DataFrame
        Columns ``participant_id``, ``option`` and ``share`` (predicted share in [0, 1] of
        respondents giving ``option``). An option a respondent gave no prediction for counts
        as 0 for that respondent. Respondents without any prediction are left out of the
        mean predicted shares.

    Examples
    --------
    >>> answers = pl.DataFrame({"participant_id": [1, 2, 3, 4, 5],
    ...                         "answer": ["yes", "yes", "yes", "no", "no"]})
    >>> predictions = pl.DataFrame({"participant_id": [1, 2, 3, 4, 5],
    ...                             "option": ["yes"] * 5,
    ...                             "share": [0.8, 0.9, 0.7, 0.9, 0.8]})
    >>> sp = surprisingly_popular(answers, predictions.vstack(
    ...     predictions.with_columns(option=pl.lit("no"), share=1 - pl.col("share"))))
    >>> sp.answer, sp.majority_answer
    ('no', 'yes')
    """
    func = "surprisingly_popular"
    for name, df, cols in (
        ("answers", answers, ("participant_id", "answer")),
        ("predictions", predictions, ("participant_id", "option", "share")),
    ):
        if not isinstance(df, pl.DataFrame):
            raise ValidationError(f"{func} needs a polars DataFrame for {name}; got {type(df)}")
        for c in cols:
            if c not in df.columns:
                raise ValidationError(
                    f"{func}: the {name} table needs column '{c}' (found {df.columns})",
                    column=c,
                    table=name,
                )
    if answers.height == 0:
        raise ValidationError(f"{func} needs at least one answer; got 0", table="answers")
    if answers["answer"].null_count():
        row = int(answers["answer"].is_null().arg_max() or 0) + 1
        raise ValidationError("answer may not be null", table="answers", row=row, column="answer")
    dup = answers["participant_id"].is_first_distinct().not_()
    if dup.any():
        row = int(dup.arg_max() or 0) + 1
        raise ValidationError(
            "each participant may answer once", table="answers", row=row, column="participant_id"
        )
    share = predictions["share"].cast(pl.Float64, strict=False)
    bad = share.is_null() | share.is_nan() | (share < 0) | (share > 1)
    if bad.any():
        row = int(bad.arg_max() or 0)
        raise ValidationError(
            f"predicted shares must be numbers in [0, 1]; got {predictions['share'][row]!r}",
            table="predictions",
            row=row + 1,
            column="share",
        )
    n = answers.height
    n_pred = predictions["participant_id"].n_unique()
    options = (
        pl.concat(
            [
                answers["answer"].rename("option"),
                predictions["option"].cast(answers["answer"].dtype, strict=False),
            ]
        )
        .drop_nulls()
        .unique()
        .sort()
    )
    votes = answers.group_by(pl.col("answer").alias("option")).len("votes")
    pred = (
        predictions.with_columns(pl.col("option").cast(answers["answer"].dtype, strict=False))
        .group_by("option")
        .agg((pl.col("share").cast(pl.Float64).sum() / n_pred).alias("predicted_share"))
    )
    table = (
        options.to_frame()
        .join(votes, on="option", how="left")
        .join(pred, on="option", how="left")
        .with_columns(
            pl.col("votes").fill_null(0).cast(pl.Int64),
            pl.col("predicted_share").fill_null(0.0),
        )
        .with_columns((pl.col("votes") / n).alias("actual_share"))
        .with_columns((pl.col("actual_share") - pl.col("predicted_share")).alias("surprise"))
        .select("option", "votes", "actual_share", "predicted_share", "surprise")
    )
    best = float(table["surprise"].max())  # type: ignore[arg-type]
    winners = table.filter(pl.col("surprise") >= best - 1e-12)["option"]
    top_votes = int(table["votes"].max())  # type: ignore[arg-type]
    majority = table.filter(pl.col("votes") == top_votes)["option"][0]
    table = table.sort(["surprise", "option"], descending=[True, False])
    return SurprisinglyPopular(
        answer=winners[0], majority_answer=majority, table=table, tied=winners.len() > 1, n=n
    )


# ---------------------------------------------------------------------------------------
# Delphi
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DelphiRounds:
    """Per-item, per-round Delphi statistics.

    Attributes
    ----------
    table : polars.DataFrame
        One row per (item, round), sorted: ``item``, ``round``, ``n``, ``median``, ``q1``,
        ``q3``, ``iqr``, ``mean``, ``sd``, ``cv`` (sd / |mean|), ``consensus`` (the rule),
        ``n_paired`` (participants answering this and the previous round), ``wilcoxon_stat``,
        ``p_value`` (paired Wilcoxon signed-rank test against the previous round; null in the
        first round) and ``stable`` (p_value > ``stability_alpha``).
    rule : str
        The consensus rule, in words.
    parameters : dict
        The parameters used.
    """

    table: pl.DataFrame
    rule: str
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pl.DataFrame:
        return self.table

    def final(self) -> pl.DataFrame:
        """The last round of each item: ``item``, ``round``, ``median``, ``iqr``, ``consensus``,
        ``stable``."""
        return (
            self.table.group_by("item", maintain_order=True)
            .last()
            .select("item", "round", "median", "iqr", "consensus", "stable")
        )

    def summary(self) -> str:
        f = self.final()
        n_cons = int(f["consensus"].sum())
        return f"Delphi: {f.height} item(s), consensus ({self.rule}) on {n_cons} in the last round"

    def _repr_html_(self) -> str:
        return frame_to_html(self.table, caption=self.summary())


def delphi_rounds(
    data: pl.DataFrame,
    *,
    consensus: Literal["iqr", "cv", "sd"] | Callable[[np.ndarray], bool] = "iqr",
    threshold: float = 1.0,
    stability_alpha: float = 0.05,
) -> DelphiRounds:
    """Track a Delphi study round by round (Dalkey & Helmer 1963; von der Gracht 2012).

    Parameters
    ----------
    data : polars.DataFrame
        Long table with columns ``participant_id``, ``round`` (sortable) and ``value``
        (numeric), and optionally ``item`` (one study may ask several questions; without it
        all rows are one item). One row per participant, item and round.
    consensus : {"iqr", "cv", "sd"} or callable
        The consensus rule: the round's IQR, coefficient of variation or standard deviation
        is <= ``threshold``; or a function of the round's values returning True/False.
    threshold : float
        Threshold of the built-in rules (e.g. IQR <= 1 on a 7-point scale).
    stability_alpha : float
        A round is "stable" when the paired Wilcoxon test against the previous round (on the
        participants who answered both) has p > stability_alpha. All-equal pairs give p = 1.

    Examples
    --------
    >>> df = pl.DataFrame({"participant_id": [1, 2, 3, 4] * 2,
    ...                    "round": [1] * 4 + [2] * 4,
    ...                    "value": [2, 5, 7, 4, 4, 5, 5, 4]})
    >>> res = delphi_rounds(df, consensus="iqr", threshold=1.0)
    >>> res.table.select("round", "median", "iqr", "consensus").rows()
    [(1, 4.5, 2.0, False), (2, 4.5, 1.0, True)]
    """
    from scipy.stats import wilcoxon

    func = "delphi_rounds"
    check_param(
        callable(consensus) or consensus in ("iqr", "cv", "sd"),
        "consensus",
        func,
        "'iqr', 'cv', 'sd' or a callable",
        consensus,
    )
    check_param(
        isinstance(stability_alpha, float) and 0 < stability_alpha < 1,
        "stability_alpha",
        func,
        "a float in (0, 1)",
        stability_alpha,
    )
    if not isinstance(data, pl.DataFrame):
        raise ValidationError(f"{func} needs a polars DataFrame; got {type(data)}")
    for c in ("participant_id", "round", "value"):
        if c not in data.columns:
            raise ValidationError(
                f"{func} needs columns participant_id, round, value (and optionally item); "
                f"column '{c}' is missing (found {data.columns})",
                column=c,
            )
    df = data if "item" in data.columns else data.with_columns(item=pl.lit("item"))
    if not df["value"].dtype.is_numeric():
        raise ValidationError(
            f"{func} needs numeric answers; column 'value' has type {df['value'].dtype}",
            column="value",
        )
    vals = df["value"].cast(pl.Float64)
    bad = vals.is_null() | vals.is_nan() | vals.is_infinite()
    if bad.any():
        row = int(bad.arg_max() or 0) + 1
        raise ValidationError("answers must be finite numbers", row=row, column="value")
    dup = df.select(
        pl.struct("participant_id", "item", "round").is_first_distinct().not_()
    ).to_series()
    if dup.any():
        row = int(dup.arg_max() or 0) + 1
        raise ValidationError(
            "each participant may answer an item once per round", row=row, column="round"
        )
    df = df.with_columns(vals.alias("value"))
    rows: list[dict[str, Any]] = []
    if callable(consensus):
        rule = getattr(consensus, "__name__", "custom rule")
    else:
        rule = f"{consensus.upper() if consensus != 'cv' else 'CV'} <= {threshold:g}"
    for item in df["item"].unique(maintain_order=True).to_list():
        sub = df.filter(pl.col("item") == item)
        prev: dict[Any, float] | None = None
        for rnd in sub["round"].unique().sort().to_list():
            r = sub.filter(pl.col("round") == rnd)
            x = r["value"].to_numpy()
            q1, med, q3 = (float(v) for v in np.quantile(x, [0.25, 0.5, 0.75]))
            mean = float(x.mean())
            sd = float(x.std(ddof=1)) if x.size > 1 else 0.0
            cv = sd / abs(mean) if mean != 0 else float("inf")
            if callable(consensus):
                ok = bool(consensus(x))
            else:
                ok = {"iqr": q3 - q1, "cv": cv, "sd": sd}[consensus] <= threshold
            cur = dict(zip(r["participant_id"].to_list(), x.tolist(), strict=True))
            n_paired = stat = p = stable = None
            if prev is not None:
                common = [k for k in cur if k in prev]
                n_paired = len(common)
                a = np.array([prev[k] for k in common])
                b = np.array([cur[k] for k in common])
                if n_paired and np.all(a == b):
                    stat, p = 0.0, 1.0
                elif n_paired:
                    w = wilcoxon(a, b)
                    stat, p = float(w.statistic), float(w.pvalue)
                stable = None if p is None else p > stability_alpha
            rows.append(
                {
                    "item": item,
                    "round": rnd,
                    "n": int(x.size),
                    "median": med,
                    "q1": q1,
                    "q3": q3,
                    "iqr": q3 - q1,
                    "mean": mean,
                    "sd": sd,
                    "cv": cv,
                    "consensus": ok,
                    "n_paired": n_paired,
                    "wilcoxon_stat": stat,
                    "p_value": p,
                    "stable": stable,
                }
            )
            prev = cur
    table = pl.DataFrame(
        rows,
        schema_overrides={
            "n_paired": pl.Int64,
            "wilcoxon_stat": pl.Float64,
            "p_value": pl.Float64,
            "stable": pl.Boolean,
        },
    )
    return DelphiRounds(
        table=table,
        rule=rule,
        parameters={"consensus": rule, "threshold": threshold, "stability_alpha": stability_alpha},
    )
