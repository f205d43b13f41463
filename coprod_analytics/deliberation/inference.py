"""Tests shared by the deliberation family: the multiple-testing correction of a table of
p-values and the small-cell-aware chi-square test of independence.

Both :mod:`~coprod_analytics.deliberation.prepost` and
:mod:`~coprod_analytics.deliberation.representation` use them; keeping them here (a leaf
module) is what keeps those two modules out of an import circle.

The correction itself is statsmodels' ``multipletests``; :func:`adjust_pvalues` only adds
what a results table needs around it: rows that could not be tested (NaN p-values) are left
out of the correction and stay NaN, and ``"none"`` is a valid choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from coprod_analytics.errors import check_param
from coprod_analytics.format import fmt_number, fmt_p
from coprod_analytics.progress import progress as _progress
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result

__all__ = ["CORRECTION_TEXT", "Chi2Result", "Correction", "adjust_pvalues", "chi2_independence"]

#: The multiple-testing corrections the family offers (statsmodels ``multipletests`` names).
Correction = Literal["fdr_bh", "bonferroni", "holm", "none"]

#: How each correction is named in notes and summaries.
CORRECTION_TEXT: dict[str, str] = {
    "fdr_bh": "Benjamini-Hochberg false discovery rate",
    "bonferroni": "Bonferroni",
    "holm": "Holm step-down",
    "none": "no correction",
}


def adjust_pvalues(
    p_values: Sequence[float] | np.ndarray, *, method: Correction = "fdr_bh"
) -> np.ndarray:
    """Adjust p-values for multiple testing (statsmodels ``multipletests``), NaN left out.

    ``multipletests`` needs finite p-values; a results table has rows that could not be
    tested. Those NaN entries take no part in the correction (the number of tests is the
    number of finite p-values) and stay NaN.

    Parameters
    ----------
    p_values : array-like of float
        Raw p-values; NaN for rows that were not tested.
    method : {"fdr_bh", "bonferroni", "holm", "none"}, default "fdr_bh"
        Benjamini-Hochberg (1995) step-up FDR, Bonferroni, Holm (1979), or none.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values (capped at 1), in the order of the input.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03, float("nan")])
    array([0.03, 0.04, 0.04,  nan])
    >>> adjust_pvalues([0.01, 0.04], method="bonferroni")
    array([0.02, 0.08])
    """
    check_param(
        method in CORRECTION_TEXT,
        "method",
        "adjust_pvalues",
        "one of 'fdr_bh', 'bonferroni', 'holm', 'none'",
        method,
    )
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if not ok.any():
        return out
    if method == "none":
        out[ok] = p[ok]
        return out
    from statsmodels.stats.multitest import multipletests

    out[ok] = multipletests(p[ok], method=method)[1]
    return out


@dataclass(frozen=True, repr=False)
class Chi2Result(Result):
    """A chi-square test of independence on an r x c count table.

    Attributes
    ----------
    chi2 : float
        Pearson's statistic (no continuity correction); NaN when the table has fewer than
        two non-empty rows or columns.
    dof : float
        Degrees of freedom ``(r - 1)(c - 1)``.
    p_value : float
        The p-value reported: asymptotic, or Monte Carlo when expected counts are small.
    p_asymptotic : float
        The asymptotic (chi-square distribution) p-value.
    method : str
        ``"chi2"`` (asymptotic), ``"monte-carlo"`` or ``"none"`` (not testable).
    min_expected : float
        Smallest expected count.
    cramers_v : float
        Cramér's V.
    n : int
        Total count.
    expected : numpy.ndarray
        Expected counts under independence (empty rows and columns dropped).
    n_resamples : int
        Monte Carlo resamples (used only when ``method == "monte-carlo"``).
    seed : int
        Seed of the Monte Carlo resampling.
    provenance : Provenance or None
        The test, its parameters and a fingerprint of the table.

    Examples
    --------
    >>> chi2_independence(np.array([[30, 10], [10, 30]]))
    <Chi2Result: chi-square test of independence: chi2 = 20, df = 1, p = < 0.001, Cramér's V = 0.5, n = 80>
    """

    chi2: float
    dof: float
    p_value: float
    p_asymptotic: float
    method: str
    min_expected: float
    cramers_v: float
    n: int
    expected: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    n_resamples: int = 0
    seed: int = 0
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """One row: ``chi2``, ``dof``, ``p_value``, ``p_asymptotic``, ``method``,
        ``min_expected``, ``cramers_v``, ``n``.

        Returns
        -------
        pl.DataFrame
        """
        return pl.DataFrame(
            {
                "chi2": [self.chi2],
                "dof": [self.dof],
                "p_value": [self.p_value],
                "p_asymptotic": [self.p_asymptotic],
                "method": [self.method],
                "min_expected": [self.min_expected],
                "cramers_v": [self.cramers_v],
                "n": [self.n],
            },
            schema={
                "chi2": pl.Float64,
                "dof": pl.Float64,
                "p_value": pl.Float64,
                "p_asymptotic": pl.Float64,
                "method": pl.String,
                "min_expected": pl.Float64,
                "cramers_v": pl.Float64,
                "n": pl.Int64,
            },
        )

    def summary(self) -> str:
        """The test in one line.

        Returns
        -------
        str
        """
        how = f"Monte Carlo, {self.n_resamples} resamples" if self.method == "monte-carlo" else ""
        return (
            f"chi-square test of independence: chi2 = {fmt_number(self.chi2)}, df = "
            f"{fmt_number(self.dof)}, p = {fmt_p(self.p_value)}"
            + (f" ({how})" if how else "")
            + f", Cramér's V = {fmt_number(self.cramers_v)}, n = {self.n}"
        )


def _chi2_stat(observed: np.ndarray, expected: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0)
    return float(terms.sum())


def small_expected(expected: np.ndarray) -> bool:
    """Cochran's rule fails: any expected count below 1, or more than 20% below 5.

    Parameters
    ----------
    expected : numpy.ndarray
        Expected counts.

    Returns
    -------
    bool

    Examples
    --------
    >>> small_expected(np.array([10.0, 10.0, 0.5])), small_expected(np.array([6.0, 7.0]))
    (True, False)
    """
    return bool(expected.min() < 1 or np.mean(expected < 5) > 0.2)


def chi2_independence(
    table: np.ndarray,
    *,
    n_resamples: int = 2000,
    seed: int = 0,
    progress: bool = True,
) -> Chi2Result:
    """Pearson chi-square test of independence on an r x c count table, small-cell aware.

    Empty rows and columns are dropped. When Cochran's rule fails (an expected count below 1
    or more than 20% below 5) the reported ``p_value`` is a Monte Carlo permutation p-value
    with fixed margins, ``(1 + #{chi2* >= chi2}) / (1 + n_resamples)`` (as R's
    ``chisq.test(simulate.p.value=TRUE)``); otherwise it is the asymptotic one.
    No continuity correction is applied.

    Parameters
    ----------
    table : array-like of shape (r, c)
        Counts.
    n_resamples : int, default 2000
        Monte Carlo resamples when expected counts are small.
    seed : int, default 0
        Seed of the resampling.
    progress : bool, default True
        Show a progress bar while resampling.

    Returns
    -------
    Chi2Result
        ``chi2``, ``dof``, ``p_value``, ``p_asymptotic``, ``method`` (``"chi2"``,
        ``"monte-carlo"`` or ``"none"``), ``min_expected``, ``cramers_v``, ``n``, ``expected``.

    Examples
    --------
    >>> res = chi2_independence(np.array([[30, 10], [10, 30]]))
    >>> round(res.chi2, 3), res.method, round(res.cramers_v, 3)
    (20.0, 'chi2', 0.5)
    >>> chi2_independence(np.array([[6, 1], [2, 7]]), progress=False).method
    'monte-carlo'
    """
    from scipy import stats

    func = "chi2_independence"
    check_param(
        isinstance(n_resamples, int) and not isinstance(n_resamples, bool) and n_resamples >= 1,
        "n_resamples",
        func,
        "an int >= 1",
        n_resamples,
    )
    obs = np.asarray(table, dtype=float)
    if obs.ndim == 2 and obs.size:
        obs = obs[obs.sum(axis=1) > 0][:, obs.sum(axis=0) > 0]
    nan = float("nan")
    n_total = int(obs.sum()) if obs.size else 0
    provenance = Provenance(
        method=func,
        input_fingerprint=fingerprint_frames(pl.DataFrame(np.atleast_2d(obs))),
        parameters={"n_resamples": n_resamples, "shape": list(obs.shape)},
        seed=seed,
    )
    if obs.ndim != 2 or obs.shape[0] < 2 or obs.shape[1] < 2:
        return Chi2Result(
            chi2=nan,
            dof=nan,
            p_value=nan,
            p_asymptotic=nan,
            method="none",
            min_expected=nan,
            cramers_v=nan,
            n=n_total,
            n_resamples=n_resamples,
            seed=seed,
            provenance=provenance,
        )
    n = obs.sum()
    expected = np.outer(obs.sum(axis=1), obs.sum(axis=0)) / n
    chi2 = _chi2_stat(obs, expected)
    dof = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    p_asym = float(stats.chi2.sf(chi2, dof))
    v = float(np.sqrt(chi2 / (n * (min(obs.shape) - 1))))
    p_value, method = p_asym, "chi2"
    if small_expected(expected):
        rng = np.random.default_rng(seed)
        r, c = obs.shape
        rows = np.repeat(np.arange(r), obs.sum(axis=1).astype(int))
        cols = np.concatenate([np.repeat(np.arange(c), obs[i].astype(int)) for i in range(r)])
        exceed = 0
        for _ in _progress(
            range(n_resamples), enabled=progress, desc="Chi-square Monte Carlo", unit="resample"
        ):
            perm = rng.permutation(cols)
            sim = np.bincount(rows * c + perm, minlength=r * c).reshape(r, c)
            if _chi2_stat(sim, expected) >= chi2 - 1e-9 * max(chi2, 1.0):
                exceed += 1
        p_value, method = (1 + exceed) / (1 + n_resamples), "monte-carlo"
    return Chi2Result(
        chi2=chi2,
        dof=float(dof),
        p_value=p_value,
        p_asymptotic=p_asym,
        method=method,
        min_expected=float(expected.min()),
        cramers_v=v,
        n=n_total,
        expected=expected,
        n_resamples=n_resamples,
        seed=seed,
        provenance=provenance,
    )
