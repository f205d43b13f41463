"""Wisdom-of-crowds estimates, probability pooling, the surprisingly-popular answer and Delphi.

* :func:`crowd_estimate` / :func:`crowd_estimates` -- mean, median, trimmed and winsorized
  means, geometric mean and confidence-weighted mean of numeric guesses, each with a
  bootstrap interval (``scipy.stats.bootstrap``); :func:`crowd_estimates` takes the
  inquiry's ``estimates`` table as stored (or the Inquiry) and answers every question.
* :func:`diversity_prediction` -- Page's Diversity Prediction Theorem when the truth is known.
* :func:`pool_log_odds` -- log-odds pooling of probabilities with extremizing;
  :func:`pool_forecasts` pools every question of the inquiry's ``probabilities`` table.
* :func:`surprisingly_popular` -- Prelec, Seung & McCoy (2017).
* :func:`delphi_rounds` -- per-round median, IQR, CV, a consensus rule and stability between
  rounds by the paired Wilcoxon test.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import polars as pl

from coprod_analytics.crowd._common import (
    bootstrap_interval,
    canonical_columns,
    check_resampling,
    exact_median_interval,
    make_provenance,
    table_of,
)
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_number
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.progress import progress as progress_bar
from coprod_analytics.results import Estimate, Result, frame_to_html, interval_frame

__all__ = [
    "CROWD_METHODS",
    "CrowdEstimates",
    "DelphiRounds",
    "DiversityPrediction",
    "SurprisinglyPopular",
    "crowd_estimate",
    "crowd_estimates",
    "delphi_rounds",
    "diversity_prediction",
    "pool_forecasts",
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


def _crowd_estimate(
    values: Sequence[float] | np.ndarray | pl.Series,
    *,
    method: CrowdMethod = "median",
    confidence: Sequence[float] | np.ndarray | pl.Series | None = None,
    trim: float = 0.1,
    n_resamples: int = 2000,
    alpha: float = 0.05,
    ci_method: Literal["percentile", "basic", "BCa", "exact"] = "percentile",
    seed: int | None = 0,
    progress: bool = True,
) -> tuple[Estimate, dict[str, Any]]:
    """:func:`crowd_estimate` without the input fingerprint (computed by the caller)."""
    func = "crowd_estimate"
    check_param(method in CROWD_METHODS, "method", func, f"one of {list(CROWD_METHODS)}", method)
    check_param(
        isinstance(trim, float | int) and 0 <= trim < 0.5, "trim", func, "a float in [0, 0.5)", trim
    )
    seed_used = check_resampling(func, n_resamples, alpha, seed)
    check_param(
        ci_method in ("percentile", "basic", "BCa", "exact"),
        "ci_method",
        func,
        "one of ['percentile', 'basic', 'BCa', 'exact']",
        ci_method,
    )
    exact = ci_method == "exact"
    if exact and method != "median":
        raise ValidationError(
            f"{func}: ci_method='exact' is the median's exact bootstrap interval; "
            f"got method={method!r} (use 'percentile', 'basic' or 'BCa')"
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
    ci_low = ci_high = None
    if n_resamples and x.size > 1:
        if np.ptp(x) == 0:
            ci_low = ci_high = value
        elif exact:
            ci_low, ci_high = exact_median_interval(x, float(alpha))
        else:
            ci_low, ci_high = bootstrap_interval(
                data,
                stat,
                n_resamples=n_resamples,
                alpha=alpha,
                seed=seed_used,
                method=ci_method,
                progress=progress,
                desc=f"{func} ({method})",
            )
    details: dict[str, Any] = {
        "seed": seed_used if n_resamples and not exact else None,
        "n_resamples": n_resamples,
    }
    if method in ("trimmed_mean", "winsorized_mean"):
        details["trim"] = float(trim)
    params = {
        "method": method,
        "trim": float(trim),
        "n_resamples": n_resamples,
        "alpha": alpha,
        "ci_method": ci_method,
        "seed": None if exact else seed_used,
    }
    return Estimate(
        name=method,
        value=value,
        ci_low=ci_low,
        ci_high=ci_high,
        alpha=float(alpha),
        n=int(x.size),
        method=f"bootstrap-{ci_method}" if n_resamples else "",
        details=details,
    ), params


def crowd_estimate(
    values: Sequence[float] | np.ndarray | pl.Series,
    *,
    method: CrowdMethod = "median",
    confidence: Sequence[float] | np.ndarray | pl.Series | None = None,
    trim: float = 0.1,
    n_resamples: int = 2000,
    alpha: float = 0.05,
    ci_method: Literal["percentile", "basic", "BCa", "exact"] = "percentile",
    seed: int | None = 0,
    progress: bool = True,
) -> Estimate:
    """One crowd estimate of a numeric quantity, with a bootstrap confidence interval.

    Parameters
    ----------
    values : array_like or polars.Series
        The individual guesses (finite numbers; > 0 for the geometric mean).
    method : str, default "median"
        ``"mean"``, ``"median"`` (Galton 1907), ``"trimmed_mean"`` and ``"winsorized_mean"``
        (cut / clamp ``trim`` of the guesses at each end; Jose & Winkler 2008),
        ``"geometric_mean"`` (ratio-scale quantities; Lorenz et al. 2011) or
        ``"confidence_weighted_mean"`` (sum c_i x_i / sum c_i; Koriat 2012; needs
        ``confidence``).
    confidence : array_like, optional
        Non-negative confidence of each guess, for ``"confidence_weighted_mean"``.
    trim : float, default 0.1
        Share cut (or clamped) at EACH end for the trimmed / winsorized means, in [0, 0.5).
    n_resamples : int, default 2000
        Bootstrap resamples (0 = no interval). Guesses (and their confidences, paired) are
        resampled with replacement by :func:`scipy.stats.bootstrap`; a resample whose
        statistic is undefined (all its confidences 0) is left out.
    alpha : float, default 0.05
        The interval's level is ``1 - alpha``.
    ci_method : {"percentile", "basic", "BCa", "exact"}, default "percentile"
        The kind of bootstrap interval (as :func:`scipy.stats.bootstrap` computes it).
        ``"exact"`` (the median only) is the percentile interval of the median's exact
        bootstrap distribution: the limit of ``"percentile"`` as the resamples grow, with no
        Monte Carlo error and no seed (``n_resamples`` > 0 only asks for an interval).
        Much faster on large samples.
    seed : int or None, default 0
        Seed of the bootstrap; None draws one, recorded in ``details["seed"]``.
    progress : bool, default True
        Show a progress bar while resampling.

    Returns
    -------
    Estimate
        ``name`` is the method; ``details`` has ``trim`` (for the trimmed / winsorized
        means), ``seed`` and ``n_resamples``.

    Examples
    --------
    >>> guesses = [1100, 1200, 1150, 5000, 1180, 900, 1250]
    >>> est = crowd_estimate(guesses, method="median", n_resamples=500, progress=False)
    >>> est.value
    1180.0
    >>> est.ci_low <= est.value <= est.ci_high
    True
    >>> crowd_estimate([2, 4, 6], method="confidence_weighted_mean",
    ...                confidence=[1, 1, 2], n_resamples=0).value
    4.5
    """
    est, params = _crowd_estimate(
        values,
        method=method,
        confidence=confidence,
        trim=trim,
        n_resamples=n_resamples,
        alpha=alpha,
        ci_method=ci_method,
        seed=seed,
        progress=progress,
    )
    data = [values] if confidence is None else [values, confidence]
    stacked = np.vstack([np.asarray(d, dtype=float) for d in data])
    return replace(
        est,
        provenance=make_provenance(
            "crowd.estimates.crowd_estimate", stacked, params, params["seed"]
        ),
    )


@dataclass(frozen=True, repr=False)
class CrowdEstimates(Result):
    """Every applicable crowd estimate of every question (the result of
    :func:`crowd_estimates`).

    Attributes
    ----------
    table : polars.DataFrame
        One row per question (and Delphi round, when the table has rounds) and estimator:
        ``question_id``, [``round``], ``method``, ``value``, ``ci_low``, ``ci_high``,
        ``alpha``, ``n`` and, where the truth is known, ``truth`` and ``abs_error`` =
        abs(value - truth).
    parameters : dict
        Every parameter used, with the seed.
    provenance : Provenance
        What produced it.

    Examples
    --------
    >>> t = pl.DataFrame({"participant_id": [1, 2, 3], "question_id": [7, 7, 7],
    ...                   "value": [10.0, 12.0, 30.0]})
    >>> res = crowd_estimates(t, n_resamples=0)
    >>> res.to_frame().select("method", "value").row(1)
    ('median', 12.0)
    """

    table: pl.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)
    provenance: Any = None

    @property
    def _keys(self) -> list[str]:
        return [c for c in ("question_id", "round", "method") if c in self.table.columns]

    def to_frame(self) -> pl.DataFrame:
        """The table of estimates (see the class attributes for its columns).

        Returns
        -------
        polars.DataFrame
        """
        return self.table

    def conf_int(self, alpha: float | None = None) -> pl.DataFrame:
        """The bootstrap intervals: ``question_id``, [``round``], ``method``, ``ci_low``,
        ``ci_high``, ``alpha``.

        Parameters
        ----------
        alpha : float, optional
            Must be the ``alpha`` the intervals were computed at (the default); recompute
            with :func:`crowd_estimates` for another level.

        Returns
        -------
        polars.DataFrame
        """
        computed = float(self.parameters.get("alpha", 0.05))
        if alpha is not None and abs(alpha - computed) > 1e-12:
            from coprod_analytics.errors import ParameterError

            raise ParameterError(
                f"The 'alpha' parameter of conf_int must be {computed} for these estimates "
                f"(computed at that level). Got {alpha}; recompute with alpha={alpha}."
            )
        keys = {k: self.table[k] for k in self._keys}
        return interval_frame(keys, self.table["ci_low"], self.table["ci_high"], alpha=computed)

    def summary(self) -> str:
        """One line per question: the median with its interval (and the truth).

        Returns
        -------
        str
        """
        med = self.table.filter(pl.col("method") == "median")
        n_q = self.table["question_id"].n_unique()
        lines = [f"crowd estimates of {n_q} question(s), {self.table.height} rows"]
        for r in med.iter_rows(named=True):
            rnd = f" round {r['round']}" if r.get("round") is not None else ""
            ci = ""
            if r["ci_low"] is not None:
                ci = f" [{fmt_number(r['ci_low'], 4)}, {fmt_number(r['ci_high'], 4)}]"
            truth = f", truth {fmt_number(r['truth'], 4)}" if r.get("truth") is not None else ""
            lines.append(
                f"question {r['question_id']}{rnd}: median {fmt_number(r['value'], 4)}{ci} "
                f"(n = {r['n']}){truth}"
            )
        return "\n".join(lines)


def crowd_estimates(
    data: Inquiry | pl.DataFrame,
    *,
    truth: float | dict[Any, float] | None = None,
    trim: float = 0.1,
    n_resamples: int = 2000,
    alpha: float = 0.05,
    seed: int | None = 0,
    progress: bool = True,
    question_id: str = "question_id",
    value: str = "value",
    confidence: str = "confidence",
    round: str = "round",
) -> CrowdEstimates:
    """Every applicable crowd estimate of every question, in one table.

    The geometric mean is included only when all of a question's values are > 0 and the
    confidence-weighted mean only when the table has a complete ``confidence`` column with a
    positive total. With a ``round`` column (Delphi rounds) each round is estimated on its
    own.

    Parameters
    ----------
    data : Inquiry or polars.DataFrame
        The inquiry (its ``estimates`` table, and the ``truth`` of its ``questions`` table)
        or an estimates table as the inquiry stores it: ``question_id``, ``value`` and
        optionally ``confidence`` and ``round`` (other columns are ignored).
    truth : float or dict, optional
        The true value (one number for a single question, or question id -> truth); by
        default the ``questions`` table's ``truth`` when ``data`` is an Inquiry.
    trim : float, default 0.1
        Share trimmed / clamped at each end (see :func:`crowd_estimate`).
    n_resamples : int, default 2000
        Bootstrap resamples per interval (0 = no intervals).
    alpha : float, default 0.05
        The intervals' level is ``1 - alpha``.
    seed : int or None, default 0
        Seed of every bootstrap (each question and round is resampled from this seed).
    progress : bool, default True
        Show a progress bar over the questions.
    question_id, value, confidence, round : str
        The table's columns (default the inquiry's own names).

    Returns
    -------
    CrowdEstimates
        ``to_frame()``: ``question_id``, [``round``], ``method``, ``value``, ``ci_low``,
        ``ci_high``, ``alpha``, ``n`` and, with a truth, ``truth`` and ``abs_error``.

    Examples
    --------
    >>> t = pl.DataFrame({"participant_id": [1, 2, 3, 4, 5], "question_id": [1] * 5,
    ...                   "value": [10, 12, 9, 11, 30]})
    >>> res = crowd_estimates(t, truth=11, n_resamples=0)
    >>> res.to_frame().select("method", "value", "abs_error").row(1)
    ('median', 11.0, 0.0)

    The sample inquiry, as stored (truths from its questions table):

    >>> from coprod_analytics import sample_inquiry
    >>> res = crowd_estimates(sample_inquiry(), n_resamples=0)
    >>> res.to_frame().filter(pl.col("method") == "median").height  # 4 questions x 2 rounds
    8
    """
    func = "crowd_estimates"
    seed_used = check_resampling(func, n_resamples, alpha, seed)
    truths: dict[Any, float] = {}
    if isinstance(data, Inquiry) and truth is None:
        q = data.tables.get("questions")
        if q is not None and "truth" in q.columns:
            truths = {
                k: float(v)
                for k, v in q.select("question_id", "truth").iter_rows()
                if v is not None
            }
    table = table_of(data, "estimates", func)
    names = {"question_id": question_id, "value": value, "confidence": confidence, "round": round}
    df = canonical_columns(
        table, names, required=["question_id", "value"], func=func, table="estimates"
    )
    if df.height == 0:
        raise ValidationError(f"{func} needs at least one estimate; the table is empty")
    if df["question_id"].null_count():
        row = int(df["question_id"].is_null().arg_max() or 0) + 1
        raise ValidationError("question ids may not be null", row=row, column=question_id)
    if isinstance(truth, dict):
        truths = {k: float(v) for k, v in truth.items()}
    elif truth is not None:
        n_q = df["question_id"].n_unique()
        if n_q != 1:
            raise ValidationError(
                f"{func}: truth={truth!r} is one number but the table has {n_q} questions; "
                "pass a dict question id -> truth"
            )
        truths = {df["question_id"][0]: float(truth)}
    keys = ["question_id", "round"] if "round" in df.columns else ["question_id"]
    groups = df.sort(keys, nulls_last=True).partition_by(keys, maintain_order=True)
    rows: list[dict[str, Any]] = []
    for sub in progress_bar(groups, enabled=progress, desc=func, unit="question"):
        x = _as_vector(sub["value"], func, "values")
        conf = None
        if "confidence" in sub.columns and not sub["confidence"].null_count():
            c = sub["confidence"].cast(pl.Float64).to_numpy()
            conf = c if c.sum() > 0 else None
        key = {k: sub[k][0] for k in keys}
        for method in CROWD_METHODS:
            if method == "geometric_mean" and (x <= 0).any():
                continue
            if method == "confidence_weighted_mean" and conf is None:
                continue
            est, _ = _crowd_estimate(
                x,
                method=method,  # type: ignore[arg-type]
                confidence=conf if method == "confidence_weighted_mean" else None,
                trim=trim,
                n_resamples=n_resamples,
                alpha=alpha,
                seed=seed_used,
                progress=False,
            )
            rows.append(
                key
                | {
                    "method": method,
                    "value": est.value,
                    "ci_low": est.ci_low,
                    "ci_high": est.ci_high,
                    "alpha": float(alpha),
                    "n": est.n,
                }
            )
    schema: dict[str, Any] = {k: df.schema[k] for k in keys} | {
        "method": pl.String,
        "value": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
        "alpha": pl.Float64,
        "n": pl.Int64,
    }
    out = pl.DataFrame(rows, schema=schema)
    if truths:
        out = out.with_columns(
            pl.col("question_id")
            .replace_strict(truths, default=None, return_dtype=pl.Float64)
            .alias("truth")
        ).with_columns((pl.col("value") - pl.col("truth")).abs().alias("abs_error"))
    params = {
        "trim": float(trim),
        "n_resamples": n_resamples,
        "alpha": alpha,
        "seed": seed_used,
        "truth": truths or None,
    } | ({} if all(k == v for k, v in names.items()) else {"columns": names})
    return CrowdEstimates(
        table=out,
        parameters=params,
        provenance=make_provenance(f"crowd.estimates.{func}", table, params, seed_used),
    )


# ---------------------------------------------------------------------------------------
# Diversity Prediction Theorem
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class DiversityPrediction(Result):
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
    provenance : Provenance or None
        What produced it.

    Examples
    --------
    >>> repr(diversity_prediction([8, 10, 15], truth=10))[:45]
    '<DiversityPrediction: crowd error 1 = average'

    """

    crowd_estimate: float
    truth: float
    crowd_error: float
    average_error: float
    diversity: float
    n: int
    provenance: Any = None

    @property
    def residual(self) -> float:
        """crowd_error - (average_error - diversity): zero up to rounding.

        Returns
        -------
        float
        """
        return self.crowd_error - (self.average_error - self.diversity)

    def to_frame(self) -> pl.DataFrame:
        """One row: crowd_estimate, truth, crowd_error, average_error, diversity, n.

        Returns
        -------
        polars.DataFrame
        """
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
        """The identity with its terms, in one line.

        Returns
        -------
        str
        """
        return (
            f"crowd error {fmt_number(self.crowd_error, 4)} = average error "
            f"{fmt_number(self.average_error, 4)} - diversity {fmt_number(self.diversity, 4)} "
            f"(crowd estimate {fmt_number(self.crowd_estimate, 4)}, truth "
            f"{fmt_number(self.truth, 4)}, n = {self.n})"
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

    Parameters
    ----------
    values : array_like or polars.Series
        The individual guesses (finite numbers).
    truth : float
        The true value.

    Returns
    -------
    DiversityPrediction
        The three terms, the crowd's mean and ``residual`` (zero up to rounding).

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
        provenance=make_provenance(
            "crowd.estimates.diversity_prediction", x[None, :], {"truth": float(truth)}
        ),
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

    Returns
    -------
    float
        The pooled probability.

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


def pool_forecasts(
    data: Inquiry | pl.DataFrame,
    *,
    extremize: float = 1.0,
    clip: float | None = 0.01,
    question_id: str = "question_id",
    probability: str = "probability",
) -> pl.DataFrame:
    """Pool the probability forecasts of every question of a probabilities table.

    Per question: the mean and median forecast, the log-odds pool (a = 1, the geometric mean
    of the odds) and the extremized log-odds pool with factor ``extremize``
    (:func:`pool_log_odds`).

    Parameters
    ----------
    data : Inquiry or polars.DataFrame
        The inquiry (its ``probabilities`` table) or a probabilities table as the inquiry
        stores it: ``question_id`` and ``probability`` in [0, 1] (other columns ignored).
    extremize : float, default 1.0
        The extremizing factor a > 0 of the ``extremized`` column.
    clip : float or None, default 0.01
        Forecasts are clipped to [clip, 1 - clip] before pooling, so that 0 and 1 are allowed
        (None: they are refused).
    question_id, probability : str
        The table's columns (default the inquiry's own names).

    Returns
    -------
    polars.DataFrame
        One row per question, sorted: ``question_id``, ``n``, ``mean``, ``median``,
        ``pooled`` (a = 1), ``extremized`` and ``extremize`` (a).

    Examples
    --------
    >>> t = pl.DataFrame({"participant_id": [1, 2, 3], "question_id": [9, 9, 9],
    ...                   "probability": [0.6, 0.7, 0.8]})
    >>> pool_forecasts(t, extremize=2.5).select(pl.col("pooled", "extremized").round(4)).row(0)
    (0.7068, 0.9002)
    >>> from coprod_analytics import sample_inquiry
    >>> pool_forecasts(sample_inquiry()).height
    1
    """
    func = "pool_forecasts"
    check_param(
        isinstance(extremize, float | int) and extremize > 0,
        "extremize",
        func,
        "a number > 0",
        extremize,
    )
    table = table_of(data, "probabilities", func)
    df = canonical_columns(
        table,
        {"question_id": question_id, "probability": probability},
        required=["question_id", "probability"],
        func=func,
        table="probabilities",
    )
    rows: list[dict[str, Any]] = []
    for sub in df.sort("question_id").partition_by("question_id", maintain_order=True):
        x = _as_vector(sub["probability"].cast(pl.Float64), func, "probabilities")
        rows.append(
            {
                "question_id": sub["question_id"][0],
                "n": int(x.size),
                "mean": float(x.mean()),
                "median": float(np.median(x)),
                "pooled": pool_log_odds(x, clip=clip),
                "extremized": pool_log_odds(x, extremize=extremize, clip=clip),
                "extremize": float(extremize),
            }
        )
    schema: dict[str, Any] = {"question_id": df.schema["question_id"], "n": pl.Int64}
    schema |= {c: pl.Float64 for c in ("mean", "median", "pooled", "extremized", "extremize")}
    return pl.DataFrame(rows, schema=schema)


# ---------------------------------------------------------------------------------------
# surprisingly popular
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class SurprisinglyPopular(Result):
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
    provenance : Provenance or None
        What produced it.

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> surprisingly_popular(sample_inquiry()).to_frame().columns
    ['option', 'votes', 'actual_share', 'predicted_share', 'surprise']
    """

    answer: Any
    majority_answer: Any
    table: pl.DataFrame
    tied: bool
    n: int
    provenance: Any = None

    def to_frame(self) -> pl.DataFrame:
        """The per-option table (see the attributes).

        Returns
        -------
        polars.DataFrame
        """
        return self.table

    def summary(self) -> str:
        """The answer, the majority answer and the number of respondents.

        Returns
        -------
        str
        """
        return (
            f"surprisingly popular answer: {self.answer!r} (majority answer: "
            f"{self.majority_answer!r}; n = {self.n}{'; tied' if self.tied else ''})"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.table, caption=self.summary())


def surprisingly_popular(
    data: Inquiry | pl.DataFrame,
    predictions: pl.DataFrame | None = None,
    *,
    question: Any = None,
    participant_id: str = "participant_id",
    question_id: str = "question_id",
    answer: str = "answer",
    option: str = "option",
    share: str = "share",
) -> SurprisinglyPopular:
    """The surprisingly popular answer (Prelec, Seung & McCoy, Nature 541, 2017).

    Each respondent answers and predicts what share of the others will give each answer; the
    winner is argmax_k (actual share_k - mean predicted share_k).

    Parameters
    ----------
    data : Inquiry or polars.DataFrame
        The inquiry (its ``choices`` and ``predictions`` tables) or the choices table as the
        inquiry stores it: ``participant_id``, ``answer`` and, when it holds several
        questions, ``question_id`` (one row per respondent and question).
    predictions : polars.DataFrame, optional
        The predictions table (needed unless ``data`` is an Inquiry): ``participant_id``,
        ``option``, ``share`` (predicted share in [0, 1] of respondents giving ``option``)
        and optionally ``question_id``. An option a respondent gave no prediction for
        counts as 0 for that respondent. Respondents without any prediction are left out of
        the mean predicted shares.
    question : optional
        The question id to analyse; needed when the tables hold more than one question.
    participant_id, question_id, answer, option, share : str
        The tables' columns (default the inquiry's own names).

    Returns
    -------
    SurprisinglyPopular
        The answer, the majority answer and the per-option table.

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
    >>> from coprod_analytics import sample_inquiry
    >>> surprisingly_popular(sample_inquiry()).answer
    'park-and-ride'
    """
    func = "surprisingly_popular"
    choices_in = table_of(data, "choices", func)
    if isinstance(data, Inquiry) and predictions is None:
        predictions = table_of(data, "predictions", func)
    if predictions is None:
        raise ValidationError(f"{func} needs a predictions table (or an Inquiry holding one)")
    answers = canonical_columns(
        choices_in,
        {"participant_id": participant_id, "question_id": question_id, "answer": answer},
        required=["participant_id", "answer"],
        func=func,
        table="choices",
    )
    predictions = canonical_columns(
        predictions,
        {
            "participant_id": participant_id,
            "question_id": question_id,
            "option": option,
            "share": share,
        },
        required=["participant_id", "option", "share"],
        func=func,
        table="predictions",
    )
    if "question_id" in answers.columns:
        qs = answers["question_id"].unique().sort().to_list()
        if question is None and len(qs) > 1:
            raise ValidationError(
                f"{func} answers one question at a time; the choices table holds {len(qs)} "
                f"questions {qs[:10]}: pass question=<one of them>",
                column=question_id,
                table="choices",
            )
        q = qs[0] if question is None else question
        if q not in qs:
            raise ValidationError(
                f"{func}: question {q!r} is not in the choices table (found {qs[:10]})",
                column=question_id,
                table="choices",
            )
        answers = answers.filter(pl.col("question_id") == q).drop("question_id")
        if "question_id" in predictions.columns:
            predictions = predictions.filter(pl.col("question_id").cast(pl.String) == str(q)).drop(
                "question_id"
            )
    elif "question_id" in predictions.columns:
        predictions = predictions.drop("question_id")
    if answers.height == 0:
        raise ValidationError(f"{func} needs at least one answer; got 0", table="choices")
    if answers["answer"].null_count():
        row = int(answers["answer"].is_null().arg_max() or 0) + 1
        raise ValidationError("answer may not be null", table="choices", row=row, column=answer)
    dup = answers["participant_id"].is_first_distinct().not_()
    if dup.any():
        row = int(dup.arg_max() or 0) + 1
        raise ValidationError(
            "each participant may answer once",
            table="choices",
            row=row,
            column=participant_id,
        )
    shares = predictions["share"].cast(pl.Float64, strict=False)
    bad = shares.is_null() | shares.is_nan() | (shares < 0) | (shares > 1)
    if bad.any():
        row = int(bad.arg_max() or 0)
        raise ValidationError(
            f"predicted shares must be numbers in [0, 1]; got {predictions['share'][row]!r}",
            table="predictions",
            row=row + 1,
            column=share,
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
        answer=winners[0],
        majority_answer=majority,
        table=table,
        tied=winners.len() > 1,
        n=n,
        provenance=make_provenance(
            f"crowd.estimates.{func}",
            answers.with_columns(pl.col("answer").cast(pl.String)),
            {"question": question},
        ),
    )


# ---------------------------------------------------------------------------------------
# Delphi
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class DelphiRounds(Result):
    """Per-question, per-round Delphi statistics (the result of :func:`delphi_rounds`).

    Attributes
    ----------
    table : polars.DataFrame
        One row per (question, round), sorted: ``question_id``, ``round``, ``n``, ``median``, ``q1``,
        ``q3``, ``iqr``, ``mean``, ``sd``, ``cv`` (sd / abs(mean)), ``consensus`` (the rule),
        ``n_paired`` (participants answering this and the previous round), ``wilcoxon_stat``,
        ``p_value`` (paired Wilcoxon signed-rank test against the previous round; null in the
        first round) and ``stable`` (p_value > ``stability_alpha``).
    rule : str
        The consensus rule, in words.
    parameters : dict
        The parameters used.
    provenance : Provenance or None
        What produced it.

    Examples
    --------
    >>> df = pl.DataFrame({"participant_id": [1, 2, 1, 2], "round": [1, 1, 2, 2],
    ...                    "value": [2.0, 6.0, 4.0, 5.0]})
    >>> delphi_rounds(df).summary()
    'Delphi: 1 question(s), consensus (IQR <= 1) on 1 in the last round'
    """

    table: pl.DataFrame
    rule: str
    parameters: dict[str, Any] = field(default_factory=dict)
    provenance: Any = None

    def to_frame(self) -> pl.DataFrame:
        """The per-question, per-round table.

        Returns
        -------
        polars.DataFrame
        """
        return self.table

    def final(self) -> pl.DataFrame:
        """The last round of each question.

        Returns
        -------
        polars.DataFrame
            ``question_id``, ``round``, ``median``, ``iqr``, ``consensus``, ``stable``.
        """
        return (
            self.table.group_by("question_id", maintain_order=True)
            .last()
            .select("question_id", "round", "median", "iqr", "consensus", "stable")
        )

    def summary(self) -> str:
        """How many questions reached consensus in their last round.

        Returns
        -------
        str
        """
        f = self.final()
        n_cons = int(f["consensus"].sum())
        return (
            f"Delphi: {f.height} question(s), consensus ({self.rule}) on {n_cons} in the last round"
        )

    def _repr_html_(self) -> str:
        return frame_to_html(self.table, caption=self.summary())


def delphi_rounds(
    data: Inquiry | pl.DataFrame,
    *,
    consensus: Literal["iqr", "cv", "sd"] | Callable[[np.ndarray], bool] = "iqr",
    threshold: float = 1.0,
    stability_alpha: float = 0.05,
    participant_id: str = "participant_id",
    question_id: str = "question_id",
    round: str = "round",
    value: str = "value",
) -> DelphiRounds:
    """Track a Delphi study round by round (Dalkey & Helmer 1963; von der Gracht 2012).

    Parameters
    ----------
    data : Inquiry or polars.DataFrame
        The inquiry (its ``estimates`` table) or an estimates table as the inquiry stores
        it: ``participant_id``, ``round`` (sortable), ``value`` (numeric) and optionally
        ``question_id`` (without it all rows are one question). One row per participant,
        question and round; other columns are ignored.
    consensus : {"iqr", "cv", "sd"} or callable, default "iqr"
        The consensus rule: the round's IQR, coefficient of variation or standard deviation
        is <= ``threshold``; or a function of the round's values returning True/False.
    threshold : float, default 1.0
        The largest IQR, CV or SD that counts as consensus (e.g. IQR <= 1 on a 7-point
        scale).
    stability_alpha : float, default 0.05
        A round is "stable" when the paired Wilcoxon test against the previous round (on the
        participants who answered both) has p > stability_alpha. All-equal pairs give p = 1.
    participant_id, question_id, round, value : str
        The table's columns (default the inquiry's own names).

    Returns
    -------
    DelphiRounds
        The per-question, per-round table (see :class:`DelphiRounds`).

    Examples
    --------
    >>> df = pl.DataFrame({"participant_id": [1, 2, 3, 4] * 2,
    ...                    "round": [1] * 4 + [2] * 4,
    ...                    "value": [2, 5, 7, 4, 4, 5, 5, 4]})
    >>> res = delphi_rounds(df, consensus="iqr", threshold=1.0)
    >>> res.table.select("round", "median", "iqr", "consensus").rows()
    [(1, 4.5, 2.0, False), (2, 4.5, 1.0, True)]
    >>> from coprod_analytics import sample_inquiry
    >>> delphi_rounds(sample_inquiry(), consensus="cv", threshold=0.5).final().height
    4
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
    table = table_of(data, "estimates", func)
    names = {
        "participant_id": participant_id,
        "question_id": question_id,
        "round": round,
        "value": value,
    }
    df = canonical_columns(
        table, names, required=["participant_id", "round", "value"], func=func, table="estimates"
    )
    if "question_id" not in df.columns:
        df = df.with_columns(question_id=pl.lit("question"))
    if not df["value"].dtype.is_numeric():
        raise ValidationError(
            f"{func} needs numeric answers; column '{value}' has type {df['value'].dtype}",
            column=value,
        )
    vals = df["value"].cast(pl.Float64)
    bad = vals.is_null() | vals.is_nan() | vals.is_infinite()
    if bad.any():
        row = int(bad.arg_max() or 0) + 1
        raise ValidationError("answers must be finite numbers", row=row, column=value)
    dup = df.select(
        pl.struct("participant_id", "question_id", "round").is_first_distinct().not_()
    ).to_series()
    if dup.any():
        row = int(dup.arg_max() or 0) + 1
        raise ValidationError(
            "each participant may answer a question once per round", row=row, column=round
        )
    df = df.with_columns(vals.alias("value"))
    rows: list[dict[str, Any]] = []
    if callable(consensus):
        rule = getattr(consensus, "__name__", "custom rule")
    else:
        rule = f"{consensus.upper() if consensus != 'cv' else 'CV'} <= {threshold:g}"
    for item in df["question_id"].unique(maintain_order=True).to_list():
        sub = df.filter(pl.col("question_id") == item)
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
                    "question_id": item,
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
    out = pl.DataFrame(
        rows,
        schema_overrides={
            "n_paired": pl.Int64,
            "wilcoxon_stat": pl.Float64,
            "p_value": pl.Float64,
            "stable": pl.Boolean,
        },
    )
    params: dict[str, Any] = {
        "consensus": rule,
        "threshold": threshold,
        "stability_alpha": stability_alpha,
    }
    return DelphiRounds(
        table=out,
        rule=rule,
        parameters=params,
        provenance=make_provenance(f"crowd.estimates.{func}", table, params),
    )
