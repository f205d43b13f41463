"""Pre/post (panel) analysis of opinion change, item by item.

Input is the ``panel`` table of an :class:`~coprod_analytics.Inquiry` (or the Inquiry itself):
one row per participant x item x wave::

    participant_id | item_id | wave ("pre"/"post") | value | [group columns] | [weight]

A table whose columns are named differently is named with keyword arguments after the
canonical column (``participant_id="person"``, ``item_id="question"``, ...).

Functions (each returns a :class:`ShiftResult` with one row per item, or per item x group):

- :func:`paired_shift` -- paired shift of the same participants: weighted paired t-test and
  Wilcoxon signed-rank, Cohen's d_z with a noncentral-t interval, matched-pairs rank-biserial.
- :func:`welch_shift` -- pre and post as independent samples (cross-sections): Welch's t-test
  and Hedges' g.
- :func:`categorical_shift` -- the distribution of answers before vs after: chi-square test
  of independence (Monte Carlo p-value when expected counts are small) and Cramér's V.
- :func:`did_shift` -- difference-in-differences against a control group (Welch test on the
  change scores).
- :func:`mixed_shift` -- a linear mixed model per item (statsmodels MixedLM) with a random
  intercept per participant, which uses participants seen in one wave only too.

Every function corrects p-values across the rows of its table (Benjamini-Hochberg by default,
statsmodels ``multipletests``) and says so in the result's ``notes``. See METHODS.md
section 6 (Fishkin & Luskin 2005).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.deliberation.inference import (
    CORRECTION_TEXT,
    Correction,
    adjust_pvalues,
    chi2_independence,
)
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_number, fmt_p
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.progress import progress as _progress
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html, interval_frame

__all__ = [
    "ShiftResult",
    "categorical_shift",
    "did_shift",
    "mixed_shift",
    "paired_shift",
    "welch_shift",
]

_CORRECTION_TEXT = CORRECTION_TEXT


@dataclass(frozen=True, repr=False)
class ShiftResult(Result):
    """Item-by-item change between waves.

    Attributes
    ----------
    table : pl.DataFrame
        One row per item (or item x group); columns depend on the method and are listed in
        each function's docstring. ``estimate``, ``ci_low``, ``ci_high``, ``p_value`` and
        ``p_adjusted`` are always present.
    method : str
        The function that produced the result.
    test : str
        The test behind ``p_value``.
    correction : str
        The multiple-testing correction behind ``p_adjusted``.
    alpha : float
        The intervals in ``table`` have coverage ``1 - alpha``.
    keys : tuple of str
        The columns identifying a row (``item_id`` and any group columns).
    notes : tuple of str
        Plain-language notes: the correction applied, rows that could not be tested, ...
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> panel = pl.DataFrame({"participant_id": [1, 1, 2, 2, 3, 3],
    ...                       "item_id": ["q1"] * 6, "wave": ["pre", "post"] * 3,
    ...                       "value": [1, 2, 2, 4, 3, 4]})
    >>> res = paired_shift(panel)
    >>> res
    <ShiftResult: paired_shift: 0 of 1 rows with adjusted p < 0.05 (Benjamini-Hochberg false discovery rate)>
    >>> res.conf_int().columns
    ['item_id', 'estimate', 'ci_low', 'ci_high', 'alpha']
    """

    table: pl.DataFrame
    method: str
    test: str
    correction: str
    alpha: float
    keys: tuple[str, ...]
    notes: tuple[str, ...] = ()
    provenance: Provenance | None = field(default=None)

    def to_frame(self) -> pl.DataFrame:
        """The result table (see the producing function for its columns).

        Returns
        -------
        pl.DataFrame
        """
        return self.table

    def conf_int(self, alpha: float = 0.05) -> pl.DataFrame:
        """Intervals of ``estimate`` at coverage ``1 - alpha``.

        At the ``alpha`` the result was computed with, the table's own intervals; at another
        ``alpha`` they are recomputed from ``se`` and ``df`` (t-based) or ``se`` alone
        (normal), when the table has them.

        Parameters
        ----------
        alpha : float, default 0.05
            1 - coverage.

        Returns
        -------
        pl.DataFrame
            The key columns, ``estimate``, ``ci_low``, ``ci_high``, ``alpha``.
        """
        check_param(
            isinstance(alpha, float | int) and 0 < alpha < 1,
            "alpha",
            "ShiftResult.conf_int",
            "a float in (0, 1)",
            alpha,
        )
        keys = {k: self.table[k] for k in self.keys} | {"estimate": self.table["estimate"]}
        if abs(alpha - self.alpha) < 1e-12:
            return interval_frame(
                keys,
                self.table["ci_low"].cast(pl.Float64).to_list(),
                self.table["ci_high"].cast(pl.Float64).to_list(),
                alpha=alpha,
            )
        if "se" not in self.table.columns:
            raise ValidationError(
                f"this result has no standard errors, so intervals at alpha={alpha} cannot be "
                f"recomputed; rerun {self.method} with alpha={alpha}",
                table="result",
            )
        from scipy import stats

        est = self.table["estimate"].cast(pl.Float64).to_numpy()
        se = self.table["se"].cast(pl.Float64).to_numpy()
        if "df" in self.table.columns:
            crit = stats.t.ppf(1 - alpha / 2, self.table["df"].cast(pl.Float64).to_numpy())
        else:
            crit = np.full(est.shape, stats.norm.ppf(1 - alpha / 2))
        return interval_frame(keys, est - crit * se, est + crit * se, alpha=alpha)

    def significant(self, *, alpha: float = 0.05) -> pl.DataFrame:
        """Rows whose adjusted p-value is below ``alpha``.

        Parameters
        ----------
        alpha : float, default 0.05
            Significance level applied to ``p_adjusted``.

        Returns
        -------
        pl.DataFrame
            The rows of :attr:`table` with ``p_adjusted < alpha``.
        """
        return self.table.filter(pl.col("p_adjusted") < alpha)

    def summary(self) -> str:
        """The test, the rows with the smallest p-values and the notes, in plain text.

        Returns
        -------
        str
        """
        n_sig = int((self.table["p_adjusted"].fill_nan(None).drop_nulls() < 0.05).sum())
        lines = [
            f"{self.method}: {n_sig} of {self.table.height} rows with adjusted p < 0.05 "
            f"({self.correction})",
            f"  test: {self.test}",
        ]
        show = self.table.sort("p_value", nulls_last=True).head(10)
        for row in show.iter_rows(named=True):
            key = ", ".join(f"{k}={row[k]}" for k in self.keys)
            lines.append(
                f"  {key}: estimate {fmt_number(row['estimate'])} "
                f"[{fmt_number(row['ci_low'])}, {fmt_number(row['ci_high'])}], "
                f"p = {fmt_p(row['p_value'])}, adjusted p = {fmt_p(row['p_adjusted'])}"
            )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return frame_to_html(self.table, caption=f"{self.method}: {self.test}") + notes


# ---------------------------------------------------------------------------------------------
# input handling


def _panel_of(panel: Any, func: str) -> pl.DataFrame:
    """The panel table itself, or an Inquiry's ``panel`` table."""
    if isinstance(panel, Inquiry):
        if "panel" not in panel.tables:
            raise ValidationError(
                f"{func} needs a 'panel' table; the inquiry holds {sorted(panel.tables)}",
                table="panel",
            )
        return panel.tables["panel"]
    if not isinstance(panel, pl.DataFrame):
        raise ValidationError(
            f"{func} needs a polars DataFrame or an Inquiry; got {type(panel).__name__}",
            table="panel",
        )
    return panel


def _as_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _validate_panel(
    panel: pl.DataFrame,
    func: str,
    *,
    id_column: str,
    item_column: str,
    wave_column: str,
    value_column: str,
    pre: Any,
    post: Any,
    extra: Sequence[str] = (),
    numeric_value: bool = True,
) -> pl.DataFrame:
    # every caller passes the panel through _panel_of, which refuses anything but a table
    needed = [id_column, item_column, wave_column, value_column, *extra]
    missing = [c for c in needed if c not in panel.columns]
    if missing:
        raise ValidationError(
            f"missing column(s) {missing}; the table has {panel.columns}", table="panel"
        )
    check_param(pre != post, "post", func, "different from 'pre'", post)
    if numeric_value and not panel.schema[value_column].is_numeric():
        raise ValidationError(
            f"values must be numeric; got {panel.schema[value_column]}",
            table="panel",
            column=value_column,
        )
    waves = panel[wave_column]
    bad = ~(waves.is_in([pre, post]).fill_null(False))
    if bad.any():
        row = int(bad.arg_true()[0])
        raise ValidationError(
            f"wave must be {pre!r} or {post!r}; got {waves[row]!r}",
            table="panel",
            row=row + 1,
            column=wave_column,
        )
    dup = panel.select(~pl.struct(id_column, item_column, wave_column).is_first_distinct())
    dup_mask = dup.to_series()
    if dup_mask.any():
        row = int(dup_mask.arg_true()[0])
        raise ValidationError(
            f"participant {panel[id_column][row]!r} answers item {panel[item_column][row]!r} "
            f"twice in wave {panel[wave_column][row]!r}",
            table="panel",
            row=row + 1,
        )
    return panel


def _participant_attribute(
    panel: pl.DataFrame, id_column: str, column: str, wave_column: str, pre: Any
) -> pl.DataFrame:
    """One value per participant: the first non-null value, pre wave first."""
    return (
        panel.select(id_column, column, (pl.col(wave_column) != pre).alias("_late"))
        .drop_nulls(column)
        .sort([id_column, "_late"])
        .group_by(id_column, maintain_order=True)
        .agg(pl.col(column).first())
    )


def _with_participant_attributes(
    panel: pl.DataFrame,
    by_cols: list[str],
    *,
    id_column: str,
    value_column: str,
    wave_column: str,
    pre: Any,
) -> pl.DataFrame:
    """Rows with a value, each carrying its participant's ``by`` attributes (as at ``pre``)."""
    data = panel.drop_nulls(value_column)
    if not by_cols:
        return data
    attrs = data.select(id_column).unique()
    for col in by_cols:
        attrs = attrs.join(
            _participant_attribute(panel, id_column, col, wave_column, pre),
            on=id_column,
            how="left",
        )
    return data.drop(by_cols).join(attrs, on=id_column, how="left")


def _validated_with_attributes(
    panel: pl.DataFrame,
    func: str,
    by_cols: list[str],
    *,
    id_column: str,
    item_column: str,
    wave_column: str,
    value_column: str,
    pre: Any,
    post: Any,
    numeric_value: bool,
) -> pl.DataFrame:
    """Validate an independent-samples panel and attach each participant's ``by`` columns."""
    _validate_panel(
        panel,
        func,
        id_column=id_column,
        item_column=item_column,
        wave_column=wave_column,
        value_column=value_column,
        pre=pre,
        post=post,
        extra=by_cols,
        numeric_value=numeric_value,
    )
    return _with_participant_attributes(
        panel,
        by_cols,
        id_column=id_column,
        value_column=value_column,
        wave_column=wave_column,
        pre=pre,
    )


def _weights_frame(
    panel: pl.DataFrame, id_column: str, weight_column: str, func: str
) -> pl.DataFrame:
    if not panel.schema[weight_column].is_numeric():
        raise ValidationError(
            f"weights must be numeric; got {panel.schema[weight_column]}",
            table="panel",
            column=weight_column,
        )
    w = panel.select(id_column, weight_column).drop_nulls(weight_column)
    neg = w[weight_column] < 0
    if neg.any():
        row = int(neg.arg_true()[0])
        raise ValidationError(
            f"weights must be >= 0; got {w[weight_column][row]}",
            table="panel",
            column=weight_column,
        )
    varying = w.group_by(id_column).agg(pl.col(weight_column).n_unique().alias("k"))
    varying = varying.filter(pl.col("k") > 1)
    if varying.height:
        raise ValidationError(
            f"participant {varying[id_column][0]!r} has more than one weight; {func} expects "
            "one weight per participant",
            table="panel",
            column=weight_column,
        )
    return w.unique(id_column, keep="first")


def _paired_frame(
    panel: pl.DataFrame,
    *,
    id_column: str,
    item_column: str,
    wave_column: str,
    value_column: str,
    pre: Any,
    post: Any,
    by: list[str],
) -> pl.DataFrame:
    """id, item, pre, post (+ by columns): participants answering the item in both waves."""
    base = panel.drop_nulls(value_column)
    left = base.filter(pl.col(wave_column) == pre).select(
        id_column, item_column, pl.col(value_column).cast(pl.Float64).alias("pre")
    )
    right = base.filter(pl.col(wave_column) == post).select(
        id_column, item_column, pl.col(value_column).cast(pl.Float64).alias("post")
    )
    pairs = left.join(right, on=[id_column, item_column], how="inner")
    for col in by:
        attr = _participant_attribute(panel, id_column, col, wave_column, pre)
        pairs = pairs.join(attr, on=id_column, how="left")
    return pairs


def _group_iter(frame: pl.DataFrame, keys: list[str]) -> list[tuple[dict[str, Any], pl.DataFrame]]:
    out = []
    for key, sub in frame.sort(keys, nulls_last=True).group_by(keys, maintain_order=True):
        out.append((dict(zip(keys, key, strict=True)), sub))
    return out


def _check_alpha(alpha: float, func: str) -> None:
    check_param(
        isinstance(alpha, float | int) and 0 < alpha < 1, "alpha", func, "a float in (0, 1)", alpha
    )


def _check_correction(correction: str, func: str) -> None:
    check_param(
        correction in _CORRECTION_TEXT,
        "correction",
        func,
        "one of 'fdr_bh', 'bonferroni', 'holm', 'none'",
        correction,
    )


def _finish(
    rows: list[dict[str, Any]],
    *,
    keys: list[str],
    schema_cols: list[str],
    correction: Correction,
    extra_adjust: Sequence[tuple[str, str]] = (),
) -> tuple[pl.DataFrame, list[str]]:
    table = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()
    if table.height == 0:
        table = pl.DataFrame({c: [] for c in [*keys, *schema_cols]})
    p: np.ndarray = (
        table["p_value"].cast(pl.Float64).to_numpy()
        if "p_value" in table.columns
        else np.array([], dtype=float)
    )
    table = table.with_columns(
        pl.Series("p_adjusted", adjust_pvalues(p, method=correction), dtype=pl.Float64)
    )
    for src, dst in extra_adjust:
        q = table[src].cast(pl.Float64).to_numpy()
        table = table.with_columns(
            pl.Series(dst, adjust_pvalues(q, method=correction), dtype=pl.Float64)
        )
    n_tested = int(np.isfinite(np.asarray(p, dtype=float)).sum()) if len(p) else 0
    notes = [
        f"p_adjusted: {_CORRECTION_TEXT[correction]} correction across the {n_tested} "
        f"tested rows of this table"
        + (f" (also applied to {', '.join(d for _, d in extra_adjust)})" if extra_adjust else "")
        + "."
    ]
    if n_tested < table.height:
        notes.append(
            f"{table.height - n_tested} row(s) could not be tested (too few observations or no "
            "variation); their p-values are NaN and take no part in the correction."
        )
    return table, notes


def _nct_ci(t_obs: float, df: float, n: float, alpha: float) -> tuple[float, float]:
    """Confidence interval for a standardised mean, by inverting the noncentral t."""
    from scipy import optimize, stats

    if not (np.isfinite(t_obs) and df > 0):
        return (np.nan, np.nan)

    def solve(target: float) -> float:
        def f(ncp: float) -> float:
            value = float(stats.nct.cdf(t_obs, df, ncp))
            if not np.isfinite(value):  # far tails: normal approximation (Johnson & Welch 1940)
                z = (t_obs * (1 - 1 / (4 * df)) - ncp) / np.sqrt(1 + t_obs**2 / (2 * df))
                value = float(stats.norm.cdf(z))
            return value - target

        lo, hi = t_obs - 10.0, t_obs + 10.0
        for _ in range(60):
            if f(lo) > 0 > f(hi):
                break
            lo, hi = lo - 10.0, hi + 10.0
        else:  # pragma: no cover - pathological input
            return np.nan
        return float(optimize.brentq(f, lo, hi, xtol=1e-10))

    lower = solve(1 - alpha / 2) / np.sqrt(n)
    upper = solve(alpha / 2) / np.sqrt(n)
    return (lower, upper)


# ---------------------------------------------------------------------------------------------
# paired


def _paired_stats(
    pre: np.ndarray, post: np.ndarray, w: np.ndarray | None, alpha: float
) -> dict[str, Any]:
    from scipy import stats

    d = post - pre
    n = d.size
    out: dict[str, Any] = {"n": n}
    if w is None:
        w = np.ones(n)
    keep = w > 0
    d, pre_k, post_k, w = d[keep], pre[keep], post[keep], w[keep]
    n_pos = d.size
    out["n"] = n_pos
    nan = float("nan")
    if n_pos == 0:
        return out | dict.fromkeys(_PAIRED_COLS[1:], nan)
    wn = w * n_pos / w.sum()  # relative weights, summing to the number of pairs
    mean = float(np.sum(wn * d) / n_pos)
    out["mean_pre"] = float(np.sum(wn * pre_k) / n_pos)
    out["mean_post"] = float(np.sum(wn * post_k) / n_pos)
    out["estimate"] = mean
    out["n_effective"] = float(w.sum() ** 2 / np.sum(w**2))
    if n_pos < 2:
        return out | dict.fromkeys(_PAIRED_COLS[5:], nan)
    var = float(np.sum(wn * (d - mean) ** 2) / (n_pos - 1))
    sd = np.sqrt(var)
    se = float(np.sqrt(var / n_pos))
    df = float(n_pos - 1)
    crit = float(stats.t.ppf(1 - alpha / 2, df))
    out |= {"sd_diff": sd, "se": se, "df": df}
    if se > 0:
        t = mean / se
        out |= {
            "ci_low": mean - crit * se,
            "ci_high": mean + crit * se,
            "t": t,
            "p_value": float(2 * stats.t.sf(abs(t), df)),
        }
        dz = mean / sd
        lo, hi = _nct_ci(t, df, n_pos, alpha)
        out |= {"cohens_dz": dz, "dz_ci_low": lo, "dz_ci_high": hi}
    else:
        out |= {
            "ci_low": mean,
            "ci_high": mean,
            "t": nan,
            "p_value": nan,
            "cohens_dz": nan,
            "dz_ci_low": nan,
            "dz_ci_high": nan,
        }
    nonzero = d[d != 0]
    if nonzero.size > 0:
        res = stats.wilcoxon(d, zero_method="wilcox")
        ranks = stats.rankdata(np.abs(nonzero))
        w_plus = float(ranks[nonzero > 0].sum())
        w_minus = float(ranks[nonzero < 0].sum())
        out |= {
            "wilcoxon_statistic": float(res.statistic),
            "wilcoxon_p": float(res.pvalue),
            "rank_biserial": (w_plus - w_minus) / (w_plus + w_minus),
        }
    else:
        out |= {"wilcoxon_statistic": nan, "wilcoxon_p": nan, "rank_biserial": 0.0}
    return out


_PAIRED_COLS = [
    "n",
    "mean_pre",
    "mean_post",
    "estimate",
    "n_effective",
    "sd_diff",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "t",
    "p_value",
    "cohens_dz",
    "dz_ci_low",
    "dz_ci_high",
    "wilcoxon_statistic",
    "wilcoxon_p",
    "rank_biserial",
]


def paired_shift(
    panel: pl.DataFrame | Inquiry,
    *,
    by: str | Sequence[str] | None = None,
    weight: str | None = None,
    participant_id: str = "participant_id",
    item_id: str = "item_id",
    wave: str = "wave",
    value: str = "value",
    pre: Any = "pre",
    post: Any = "post",
    alpha: float = 0.05,
    correction: Correction = "fdr_bh",
) -> ShiftResult:
    """Paired shift per item: weighted paired t-test, Wilcoxon signed-rank, effect sizes.

    Only participants who answered the item in both waves enter its row.

    Parameters
    ----------
    panel : pl.DataFrame or Inquiry
        The ``panel`` table (or an Inquiry holding one): ``participant_id``, ``item_id``,
        ``wave``, ``value`` (+ ``by`` columns and ``weight``).
    by : str or sequence of str, optional
        Participant attributes (opinion group, age band, ...) to split each item by. A
        participant's group is read from the pre wave (post when missing there).
    weight : str, optional
        The column of one non-negative weight per participant (e.g. from
        :func:`~coprod_analytics.deliberation.rake_weights`). Weights are rescaled to sum to
        the number of pairs, as relative survey weights; mean, SE and the t-test are then those
        of ``statsmodels.stats.weightstats.DescrStatsW`` (df = n - 1). The Wilcoxon test and
        rank-biserial correlation are unweighted.
    participant_id, item_id, wave, value : str
        The panel's columns holding each canonical column, named after it (e.g.
        ``item_id="question"``).
    pre, post : any, default "pre", "post"
        The labels of the two waves.
    alpha : float, default 0.05
        The intervals have coverage ``1 - alpha``.
    correction : {"fdr_bh", "bonferroni", "holm", "none"}, default "fdr_bh"
        Multiple-testing correction across the rows (applied to the t-test and, separately, to
        the Wilcoxon p-values) (statsmodels ``multipletests``).

    Returns
    -------
    ShiftResult
        Table columns: keys, ``n`` (pairs), ``mean_pre``, ``mean_post``, ``estimate`` (mean
        post - pre), ``n_effective`` (Kish), ``sd_diff``, ``se``, ``df``, ``ci_low``,
        ``ci_high``, ``t``, ``p_value``, ``cohens_dz`` with ``dz_ci_low``/``dz_ci_high``
        (noncentral t), ``wilcoxon_statistic``, ``wilcoxon_p``, ``rank_biserial``,
        ``p_adjusted``, ``wilcoxon_p_adjusted``.

    Examples
    --------
    >>> panel = pl.DataFrame({
    ...     "participant_id": [1, 1, 2, 2, 3, 3, 4, 4],
    ...     "item_id": ["q1"] * 8,
    ...     "wave": ["pre", "post"] * 4,
    ...     "value": [2, 4, 3, 4, 3, 5, 1, 2],
    ... })
    >>> res = paired_shift(panel)
    >>> res.table.select("item_id", "n", "estimate").row(0)
    ('q1', 4, 1.5)
    >>> round(res.table["p_value"][0], 4)
    0.0138
    """
    params = _params(locals())
    func = "paired_shift"
    id_column, item_column, wave_column, value_column = participant_id, item_id, wave, value
    panel = _panel_of(panel, func)
    weight_column = weight
    by_cols = _as_list(by)
    _check_alpha(alpha, func)
    _check_correction(correction, func)
    extra = [*by_cols] + ([weight_column] if weight_column else [])
    _validate_panel(
        panel,
        func,
        id_column=id_column,
        item_column=item_column,
        wave_column=wave_column,
        value_column=value_column,
        pre=pre,
        post=post,
        extra=extra,
    )
    pairs = _paired_frame(
        panel,
        id_column=id_column,
        item_column=item_column,
        wave_column=wave_column,
        value_column=value_column,
        pre=pre,
        post=post,
        by=by_cols,
    )
    if weight_column:
        wf = _weights_frame(panel, id_column, weight_column, func)
        pairs = pairs.join(wf.rename({weight_column: "_w"}), on=id_column, how="left")
        if pairs["_w"].null_count():
            who = pairs.filter(pl.col("_w").is_null())[id_column][0]
            raise ValidationError(
                f"participant {who!r} has no weight", table="panel", column=weight_column
            )
    keys = [item_column, *by_cols]
    rows = []
    for key, sub in _group_iter(pairs, keys):
        w = sub["_w"].to_numpy().astype(float) if weight_column else None
        stats_ = _paired_stats(sub["pre"].to_numpy(), sub["post"].to_numpy(), w, alpha)
        rows.append(key | {c: stats_.get(c, float("nan")) for c in _PAIRED_COLS})
    table, notes = _finish(
        rows,
        keys=keys,
        schema_cols=_PAIRED_COLS,
        correction=correction,
        extra_adjust=[("wilcoxon_p", "wilcoxon_p_adjusted")],
    )
    if weight_column:
        notes.append(
            f"Weighted by '{weight_column}' (relative weights, DescrStatsW convention); the "
            "Wilcoxon test and rank-biserial correlation are unweighted."
        )
    return ShiftResult(
        table=table,
        method=func,
        test="paired t-test" + (" (weighted)" if weight_column else "") + "; Wilcoxon signed-rank",
        correction=_CORRECTION_TEXT[correction],
        alpha=alpha,
        keys=tuple(keys),
        notes=tuple(notes),
        provenance=_provenance(func, panel, locals_=params),
    )


def _params(local: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in local.items() if k != "panel" and _plain(v)}


def _plain(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool | list | tuple)


def _provenance(func: str, panel: pl.DataFrame, *, locals_: dict[str, Any]) -> Provenance:
    return Provenance(method=func, input_fingerprint=fingerprint_frames(panel), parameters=locals_)


# ---------------------------------------------------------------------------------------------
# independent samples


_WELCH_COLS = [
    "n_pre",
    "n_post",
    "mean_pre",
    "mean_post",
    "estimate",
    "se",
    "df",
    "ci_low",
    "ci_high",
    "t",
    "p_value",
    "hedges_g",
    "g_ci_low",
    "g_ci_high",
]


def _welch(a: np.ndarray, b: np.ndarray, alpha: float) -> dict[str, Any]:
    """Welch test of mean(b) - mean(a)."""
    from scipy import stats

    na, nb = a.size, b.size
    nan = float("nan")
    out: dict[str, Any] = {
        "n_pre": na,
        "n_post": nb,
        "mean_pre": float(a.mean()) if na else nan,
        "mean_post": float(b.mean()) if nb else nan,
    }
    out["estimate"] = out["mean_post"] - out["mean_pre"]
    if na < 2 or nb < 2:
        return out | dict.fromkeys(_WELCH_COLS[5:], nan)
    va, vb = a.var(ddof=1), b.var(ddof=1)
    se2 = va / na + vb / nb
    se = float(np.sqrt(se2))
    if se == 0:
        return out | dict.fromkeys(_WELCH_COLS[5:], nan) | {"se": 0.0}
    df = float(se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1)))
    t = out["estimate"] / se
    crit = float(stats.t.ppf(1 - alpha / 2, df))
    sp = np.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2))
    g = nan
    g_lo = g_hi = nan
    if sp > 0:
        j = 1 - 3 / (4 * (na + nb) - 9)
        g = float(j * out["estimate"] / sp)
        se_g = np.sqrt((na + nb) / (na * nb) + g**2 / (2 * (na + nb)))
        z = float(stats.norm.ppf(1 - alpha / 2))
        g_lo, g_hi = g - z * se_g, g + z * se_g
    return out | {
        "se": se,
        "df": df,
        "ci_low": out["estimate"] - crit * se,
        "ci_high": out["estimate"] + crit * se,
        "t": t,
        "p_value": float(2 * stats.t.sf(abs(t), df)),
        "hedges_g": g,
        "g_ci_low": g_lo,
        "g_ci_high": g_hi,
    }


def welch_shift(
    panel: pl.DataFrame | Inquiry,
    *,
    by: str | Sequence[str] | None = None,
    participant_id: str = "participant_id",
    item_id: str = "item_id",
    wave: str = "wave",
    value: str = "value",
    pre: Any = "pre",
    post: Any = "post",
    alpha: float = 0.05,
    correction: Correction = "fdr_bh",
) -> ShiftResult:
    """Pre vs post as independent samples (different respondents): Welch's t-test per item.

    Use when the waves are cross-sections (the same people are not followed), or to include
    everyone who answered either wave.

    Parameters
    ----------
    panel : pl.DataFrame or Inquiry
        The ``panel`` table (or an Inquiry holding one): ``participant_id``, ``item_id``,
        ``wave``, ``value`` (+ ``by`` columns).
    by : str or sequence of str, optional
        Participant attributes (opinion group, age band, ...) to split each item by. A
        participant's group is read from the pre wave (post when missing there).
    participant_id, item_id, wave, value : str
        The panel's columns holding each canonical column, named after it (e.g.
        ``item_id="question"``).
    pre, post : any, default "pre", "post"
        The labels of the two waves.
    alpha : float, default 0.05
        The intervals have coverage ``1 - alpha``.
    correction : {"fdr_bh", "bonferroni", "holm", "none"}, default "fdr_bh"
        Multiple-testing correction across the rows (statsmodels ``multipletests``).

    Returns
    -------
    ShiftResult
        Columns: keys, ``n_pre``, ``n_post``, ``mean_pre``, ``mean_post``, ``estimate``
        (post - pre), ``se``, ``df`` (Welch-Satterthwaite), ``ci_low``, ``ci_high``, ``t``,
        ``p_value``, ``hedges_g`` with ``g_ci_low``/``g_ci_high`` (Hedges & Olkin normal
        approximation), ``p_adjusted``.

    Examples
    --------
    >>> panel = pl.DataFrame({
    ...     "participant_id": list(range(8)),
    ...     "item_id": ["q1"] * 8,
    ...     "wave": ["pre"] * 4 + ["post"] * 4,
    ...     "value": [1, 2, 2, 3, 3, 4, 4, 5],
    ... })
    >>> round(welch_shift(panel).table["estimate"][0], 2)
    2.0
    """
    params = _params(locals())
    func = "welch_shift"
    id_column, item_column, wave_column, value_column = participant_id, item_id, wave, value
    panel = _panel_of(panel, func)
    by_cols = _as_list(by)
    _check_alpha(alpha, func)
    _check_correction(correction, func)
    data = _validated_with_attributes(
        panel,
        func,
        by_cols,
        id_column=id_column,
        item_column=item_column,
        wave_column=wave_column,
        value_column=value_column,
        pre=pre,
        post=post,
        numeric_value=True,
    )
    keys = [item_column, *by_cols]
    rows = []
    for key, sub in _group_iter(data, keys):
        a = sub.filter(pl.col(wave_column) == pre)[value_column].to_numpy().astype(float)
        b = sub.filter(pl.col(wave_column) == post)[value_column].to_numpy().astype(float)
        rows.append(key | _welch(a, b, alpha))
    table, notes = _finish(rows, keys=keys, schema_cols=_WELCH_COLS, correction=correction)
    return ShiftResult(
        table=table,
        method=func,
        test="Welch two-sample t-test",
        correction=_CORRECTION_TEXT[correction],
        alpha=alpha,
        keys=tuple(keys),
        notes=tuple(notes),
        provenance=_provenance(func, panel, locals_=params),
    )


# ---------------------------------------------------------------------------------------------
# categorical


def categorical_shift(
    panel: pl.DataFrame | Inquiry,
    *,
    by: str | Sequence[str] | None = None,
    participant_id: str = "participant_id",
    item_id: str = "item_id",
    wave: str = "wave",
    value: str = "value",
    pre: Any = "pre",
    post: Any = "post",
    n_resamples: int = 2000,
    seed: int = 0,
    alpha: float = 0.05,
    correction: Correction = "fdr_bh",
    progress: bool = True,
) -> ShiftResult:
    """Did the distribution of answers change? Chi-square test of wave x answer per item.

    Answers are treated as categories (any dtype). The Pearson chi-square test without
    continuity correction is used; when more than 20% of expected counts are below 5 (or any
    below 1) the p-value is a Monte Carlo permutation p-value (``n_resamples``, ``seed``) and
    the ``method`` column says so. The waves are treated as independent samples.

    Parameters
    ----------
    panel : pl.DataFrame or Inquiry
        The ``panel`` table (or an Inquiry holding one): ``participant_id``, ``item_id``,
        ``wave``, ``value`` (+ ``by`` columns); ``value`` of any type.
    by : str or sequence of str, optional
        Participant attributes (opinion group, age band, ...) to split each item by. A
        participant's group is read from the pre wave (post when missing there).
    participant_id, item_id, wave, value : str
        The panel's columns holding each canonical column, named after it (e.g.
        ``item_id="question"``).
    pre, post : any, default "pre", "post"
        The labels of the two waves.
    n_resamples : int, default 2000
        Monte Carlo resamples of an item whose expected counts are small (>= 100).
    seed : int, default 0
        Seed of the Monte Carlo resampling (each item gets its own stream from it).
    alpha : float, default 0.05
        The intervals have coverage ``1 - alpha``.
    correction : {"fdr_bh", "bonferroni", "holm", "none"}, default "fdr_bh"
        Multiple-testing correction across the rows (statsmodels ``multipletests``).
    progress : bool, default True
        Show a progress bar over the items.

    Returns
    -------
    ShiftResult
        Columns: keys, ``n_pre``, ``n_post``, ``n_categories``, ``chi2``, ``dof``,
        ``p_value``, ``p_asymptotic``, ``method``, ``min_expected``, ``estimate``
        (Cramér's V) with a bootstrap-free ``ci_low``/``ci_high`` left null, ``p_adjusted``.

    Examples
    --------
    >>> panel = pl.DataFrame({
    ...     "participant_id": list(range(40)) * 2,
    ...     "item_id": ["q1"] * 80,
    ...     "wave": ["pre"] * 40 + ["post"] * 40,
    ...     "value": ["no"] * 30 + ["yes"] * 10 + ["no"] * 10 + ["yes"] * 30,
    ... })
    >>> res = categorical_shift(panel)
    >>> round(res.table["chi2"][0], 3), res.table["method"][0]
    (20.0, 'chi2')
    """
    params = _params(locals())
    func = "categorical_shift"
    id_column, item_column, wave_column, value_column = participant_id, item_id, wave, value
    panel = _panel_of(panel, func)
    by_cols = _as_list(by)
    _check_alpha(alpha, func)
    _check_correction(correction, func)
    check_param(
        isinstance(n_resamples, int) and n_resamples >= 100,
        "n_resamples",
        func,
        "an int >= 100",
        n_resamples,
    )
    data = _validated_with_attributes(
        panel,
        func,
        by_cols,
        id_column=id_column,
        item_column=item_column,
        wave_column=wave_column,
        value_column=value_column,
        pre=pre,
        post=post,
        numeric_value=False,
    )
    keys = [item_column, *by_cols]
    rows = []
    rng_seed = np.random.SeedSequence(seed)
    groups = _group_iter(data, keys)
    child_seeds = rng_seed.spawn(len(groups))
    for (key, sub), child in _progress(
        list(zip(groups, child_seeds, strict=True)),
        enabled=progress,
        desc="Chi-square per item",
        unit="item",
    ):
        answers = sub[value_column].to_list()
        cats = sorted(set(answers), key=lambda v: (str(type(v)), v))
        col_of = {c: i for i, c in enumerate(cats)}
        is_post = (sub[wave_column] == post).to_numpy()
        table = np.zeros((2, len(cats)))
        for answer, row_post in zip(answers, is_post, strict=True):
            table[int(row_post), col_of[answer]] += 1
        n_pre = int(sub.filter(pl.col(wave_column) == pre).height)
        n_post = int(sub.filter(pl.col(wave_column) == post).height)
        res = chi2_independence(
            table, n_resamples=n_resamples, seed=int(child.generate_state(1)[0]), progress=False
        )
        rows.append(
            key
            | {
                "n_pre": n_pre,
                "n_post": n_post,
                "n_categories": table.shape[1],
                "chi2": res.chi2,
                "dof": res.dof,
                "p_value": res.p_value,
                "p_asymptotic": res.p_asymptotic,
                "method": res.method,
                "min_expected": res.min_expected,
                "estimate": res.cramers_v,
                "ci_low": None,
                "ci_high": None,
            }
        )
    table_out, notes = _finish(
        rows,
        keys=keys,
        schema_cols=["chi2", "p_value", "estimate", "ci_low", "ci_high"],
        correction=correction,
    )
    table_out = table_out.with_columns(pl.col("ci_low", "ci_high").cast(pl.Float64))
    notes.append("estimate is Cramér's V (no interval); see the 'method' column for the p-value.")
    return ShiftResult(
        table=table_out,
        method=func,
        test="chi-square test of independence (wave x answer)",
        correction=_CORRECTION_TEXT[correction],
        alpha=alpha,
        keys=tuple(keys),
        notes=tuple(notes),
        provenance=_provenance(func, panel, locals_=params),
    )


# ---------------------------------------------------------------------------------------------
# difference in differences


def did_shift(
    panel: pl.DataFrame | Inquiry,
    *,
    arm: str = "arm",
    treated: Any = "treatment",
    by: str | Sequence[str] | None = None,
    participant_id: str = "participant_id",
    item_id: str = "item_id",
    wave: str = "wave",
    value: str = "value",
    pre: Any = "pre",
    post: Any = "post",
    alpha: float = 0.05,
    correction: Correction = "fdr_bh",
) -> ShiftResult:
    """Difference-in-differences per item: change in the treated group minus change in control.

    Uses participants with both waves. The estimate is
    ``mean(post - pre | treated) - mean(post - pre | control)``, tested with Welch's t-test on
    the change scores (equivalently, OLS of the change on a treatment dummy with
    heteroskedasticity-robust HC2-type variance).

    Parameters
    ----------
    panel : pl.DataFrame or Inquiry
        The ``panel`` table (or an Inquiry holding one): ``participant_id``, ``item_id``,
        ``wave``, ``value``, ``arm`` (+ ``by`` columns).
    arm : str, default "arm"
        The participant-level column saying who deliberated (named after the canonical
        ``arm`` column).
    treated : any, default "treatment"
        The value of ``arm`` marking the treated; every other value is control.
    by : str or sequence of str, optional
        Participant attributes (opinion group, age band, ...) to split each item by. A
        participant's group is read from the pre wave (post when missing there).
    participant_id, item_id, wave, value : str
        The panel's columns holding each canonical column, named after it (e.g.
        ``item_id="question"``).
    pre, post : any, default "pre", "post"
        The labels of the two waves.
    alpha : float, default 0.05
        The intervals have coverage ``1 - alpha``.
    correction : {"fdr_bh", "bonferroni", "holm", "none"}, default "fdr_bh"
        Multiple-testing correction across the rows (statsmodels ``multipletests``).

    Returns
    -------
    ShiftResult
        Columns: keys, ``n_treated``, ``n_control``, ``shift_treated``, ``shift_control``,
        ``estimate`` (the DiD), ``se``, ``df``, ``ci_low``, ``ci_high``, ``t``, ``p_value``,
        ``p_adjusted``.

    Examples
    --------
    >>> panel = pl.DataFrame({
    ...     "participant_id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6],
    ...     "item_id": ["q1"] * 12,
    ...     "wave": ["pre", "post"] * 6,
    ...     "value": [2, 4, 3, 6, 1, 3, 2, 2, 3, 4, 2, 2],
    ...     "arm": ["treatment"] * 6 + ["control"] * 6,
    ... })
    >>> res = did_shift(panel)
    >>> res.table.select("shift_treated", "shift_control", "estimate").row(0)
    (2.333..., 0.333..., 2.0)
    """
    params = _params(locals())
    func = "did_shift"
    id_column, item_column, wave_column, value_column = participant_id, item_id, wave, value
    panel = _panel_of(panel, func)
    treatment_column = arm
    by_cols = _as_list(by)
    _check_alpha(alpha, func)
    _check_correction(correction, func)
    _validate_panel(
        panel,
        func,
        id_column=id_column,
        item_column=item_column,
        wave_column=wave_column,
        value_column=value_column,
        pre=pre,
        post=post,
        extra=[treatment_column, *by_cols],
    )
    pairs = _paired_frame(
        panel,
        id_column=id_column,
        item_column=item_column,
        wave_column=wave_column,
        value_column=value_column,
        pre=pre,
        post=post,
        by=[treatment_column, *by_cols],
    )
    arms = pairs[treatment_column]
    if not (arms == treated).any():
        raise ValidationError(
            f"no participant has {treatment_column} == {treated!r}; values found: "
            f"{sorted(map(str, arms.unique().drop_nulls().to_list()))}",
            table="panel",
            column=treatment_column,
        )
    keys = [item_column, *by_cols]
    rows = []
    pairs = pairs.with_columns((pl.col("post") - pl.col("pre")).alias("_d"))
    for key, sub in _group_iter(pairs, keys):
        is_t = (sub[treatment_column] == treated).fill_null(False).to_numpy()
        d = sub["_d"].to_numpy()
        res = _welch(d[~is_t], d[is_t], alpha)
        rows.append(
            key
            | {
                "n_treated": res["n_post"],
                "n_control": res["n_pre"],
                "shift_treated": res["mean_post"],
                "shift_control": res["mean_pre"],
            }
            | {c: res[c] for c in ["estimate", "se", "df", "ci_low", "ci_high", "t", "p_value"]}
        )
    table, notes = _finish(
        rows,
        keys=keys,
        schema_cols=["estimate", "se", "df", "ci_low", "ci_high", "t", "p_value"],
        correction=correction,
    )
    return ShiftResult(
        table=table,
        method=func,
        test="difference-in-differences (Welch t-test on change scores)",
        correction=_CORRECTION_TEXT[correction],
        alpha=alpha,
        keys=tuple(keys),
        notes=tuple(notes),
        provenance=_provenance(func, panel, locals_=params),
    )


# ---------------------------------------------------------------------------------------------
# mixed model


def mixed_shift(
    panel: pl.DataFrame | Inquiry,
    *,
    arm: str | None = None,
    treated: Any = "treatment",
    participant_id: str = "participant_id",
    item_id: str = "item_id",
    wave: str = "wave",
    value: str = "value",
    pre: Any = "pre",
    post: Any = "post",
    alpha: float = 0.05,
    correction: Correction = "fdr_bh",
    reml: bool = True,
    progress: bool = True,
) -> ShiftResult:
    """Linear mixed model per item with a random intercept per participant (statsmodels MixedLM).

    The model is ``value ~ 1 + post`` or, with a control group,
    ``value ~ 1 + post + treated + post:treated``, with participant random intercepts. Unlike
    the paired test, participants seen in one wave only still contribute.

    Parameters
    ----------
    panel : pl.DataFrame or Inquiry
        The ``panel`` table (or an Inquiry holding one): ``participant_id``, ``item_id``,
        ``wave``, ``value`` (+ ``arm``).
    arm : str, optional
        The participant-level column saying who deliberated; with it the model has a
        treatment term and its interaction with the wave.
    treated : any, default "treatment"
        The value of ``arm`` marking the treated; every other value is control.
    participant_id, item_id, wave, value : str
        The panel's columns holding each canonical column, named after it (e.g.
        ``item_id="question"``).
    pre, post : any, default "pre", "post"
        The labels of the two waves.
    alpha : float, default 0.05
        The intervals have coverage ``1 - alpha``.
    correction : {"fdr_bh", "bonferroni", "holm", "none"}, default "fdr_bh"
        Multiple-testing correction across the rows (on the key term only) (statsmodels ``multipletests``).
    reml : bool, default True
        Fit by restricted maximum likelihood (else maximum likelihood).
    progress : bool, default True
        Show a progress bar over the items (one model fit each).

    Returns
    -------
    ShiftResult
        One row per item x term: ``item_id``, ``term``, ``estimate``, ``se``, ``z``, ``ci_low``,
        ``ci_high``, ``p_value``, ``n_obs``, ``n_participants``, ``group_variance``,
        ``converged``, ``key_term`` (the row the correction is applied to: ``post`` or
        ``post:treated``) and ``p_adjusted`` (null for other terms).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> base = rng.normal(size=30)
    >>> panel = pl.DataFrame({
    ...     "participant_id": list(range(30)) * 2,
    ...     "item_id": ["q1"] * 60,
    ...     "wave": ["pre"] * 30 + ["post"] * 30,
    ...     "value": np.concatenate([base, base + 1 + rng.normal(0, 0.3, 30)]),
    ... })
    >>> res = mixed_shift(panel)
    >>> res.table.filter(pl.col("term") == "post")["estimate"].round(2).item()
    0.99
    """
    import warnings

    from scipy import stats
    from statsmodels.regression.mixed_linear_model import MixedLM

    params = _params(locals())
    func = "mixed_shift"
    id_column, item_column, wave_column, value_column = participant_id, item_id, wave, value
    panel = _panel_of(panel, func)
    treatment_column = arm
    _check_alpha(alpha, func)
    _check_correction(correction, func)
    extra = [treatment_column] if treatment_column else []
    _validate_panel(
        panel,
        func,
        id_column=id_column,
        item_column=item_column,
        wave_column=wave_column,
        value_column=value_column,
        pre=pre,
        post=post,
        extra=extra,
    )
    data = panel.drop_nulls(value_column).with_columns(
        (pl.col(wave_column) == post).cast(pl.Float64).alias("_post")
    )
    terms = ["Intercept", "post"]
    if treatment_column:
        arms = _participant_attribute(panel, id_column, treatment_column, wave_column, pre)
        arms = arms.with_columns(
            (pl.col(treatment_column) == treated).fill_null(False).cast(pl.Float64).alias("_t")
        ).select(id_column, "_t")
        data = data.join(arms, on=id_column, how="left").with_columns(pl.col("_t").fill_null(0.0))
        if data["_t"].sum() == 0:
            raise ValidationError(
                f"no participant has {treatment_column} == {treated!r}",
                table="panel",
                column=treatment_column,
            )
        terms += ["treated", "post:treated"]
    key_term = "post:treated" if treatment_column else "post"
    z_crit = float(stats.norm.ppf(1 - alpha / 2))
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for key, sub in _progress(
        _group_iter(data, [item_column]), enabled=progress, desc="Mixed model per item", unit="item"
    ):
        y = sub[value_column].to_numpy().astype(float)
        p = sub["_post"].to_numpy()
        design = [np.ones_like(y), p]
        if treatment_column:
            t = sub["_t"].to_numpy()
            design += [t, p * t]
        x = np.column_stack(design)
        groups = sub[id_column].to_numpy()
        n_part = len(np.unique(groups))
        base = key | {"n_obs": y.size, "n_participants": n_part}
        if y.size <= x.shape[1] + 1 or np.linalg.matrix_rank(x) < x.shape[1]:
            for term in terms:
                rows.append(base | _nan_term(term, key_term))
            notes.append(f"{key[item_column]}: too few observations or a rank-deficient design.")
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = MixedLM(y, x, groups=groups).fit(reml=reml)
            except (np.linalg.LinAlgError, ValueError) as exc:
                for term in terms:
                    rows.append(base | _nan_term(term, key_term))
                notes.append(f"{key[item_column]}: the mixed model could not be fitted ({exc}).")
                continue
        if caught:
            notes.append(
                f"{key[item_column]}: statsmodels warned: {str(caught[0].message).splitlines()[0]}"
            )
        coefs = np.asarray(fit.fe_params)
        bse = np.asarray(fit.bse_fe)
        for i, term in enumerate(terms):
            z = coefs[i] / bse[i] if bse[i] > 0 else float("nan")
            rows.append(
                base
                | {
                    "term": term,
                    "estimate": float(coefs[i]),
                    "se": float(bse[i]),
                    "z": float(z),
                    "ci_low": float(coefs[i] - z_crit * bse[i]),
                    "ci_high": float(coefs[i] + z_crit * bse[i]),
                    "p_value": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan,
                    "group_variance": float(np.asarray(fit.cov_re)[0, 0]),
                    "converged": bool(fit.converged),
                    "key_term": term == key_term,
                }
            )
    out_cols = [
        item_column,
        "term",
        "estimate",
        "se",
        "z",
        "ci_low",
        "ci_high",
        "p_value",
        "n_obs",
        "n_participants",
        "group_variance",
        "converged",
        "key_term",
    ]
    table = pl.DataFrame(rows, infer_schema_length=None).select(out_cols) if rows else None
    if table is None:
        table = pl.DataFrame({c: [] for c in out_cols})
    pk = np.where(
        table["key_term"].to_numpy().astype(bool),
        table["p_value"].cast(pl.Float64).to_numpy(),
        np.nan,
    )
    adj = adjust_pvalues(pk, method=correction)
    table = table.with_columns(pl.Series("p_adjusted", adj).fill_nan(None))
    n_tested = int(np.isfinite(pk).sum())
    notes.insert(
        0,
        f"p_adjusted: {_CORRECTION_TEXT[correction]} correction across the {n_tested} items, "
        f"on the '{key_term}' term only; Wald z-tests, {'REML' if reml else 'ML'} fit.",
    )
    return ShiftResult(
        table=table,
        method=func,
        test="linear mixed model, random intercept per participant",
        correction=_CORRECTION_TEXT[correction],
        alpha=alpha,
        keys=(item_column, "term"),
        notes=tuple(notes),
        provenance=_provenance(func, panel, locals_=params),
    )


def _nan_term(term: str, key_term: str) -> dict[str, Any]:
    nan = float("nan")
    return {
        "term": term,
        "estimate": nan,
        "se": nan,
        "z": nan,
        "ci_low": nan,
        "ci_high": nan,
        "p_value": nan,
        "group_variance": nan,
        "converged": False,
        "key_term": term == key_term,
    }
