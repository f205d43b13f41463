"""Equalities and representativeness: who took part, compared with whom they should represent.

- :func:`participation_breakdown` -- counts and shares by participant attribute.
- :func:`compare_to_population` -- the sample against a reference population the user
  supplies: chi-square goodness of fit and over/under-represented categories.
- :func:`rake_weights` -- raking (iterative proportional fitting) weights reproducing target
  margins; :func:`poststratify_weights` -- cell weights from a joint distribution. Both return
  a ``participant_id -> weight`` table that the other analyses accept (``weight_column``).
- :func:`group_composition` -- do opinion groups differ in demographic make-up (chi-square
  with a Monte Carlo p-value when cells are small)?
- :func:`statement_exposure` -- are statements written by some groups rarely seen (votes per
  statement by author group)?
- :func:`attrition` -- which groups drop out between pre and post?

Every published table passes through :func:`coprod_analytics.privacy.suppress_small_cells`
(counts under ``threshold``, default 5, are nulled and the result says so); tests are
computed on the full data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.intervals import wilson_interval
from coprod_analytics.privacy import DEFAULT_THRESHOLD, suppress_small_cells
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import frame_to_html

__all__ = [
    "BreakdownResult",
    "WeightsResult",
    "attrition",
    "chi2_independence",
    "compare_to_population",
    "group_composition",
    "participation_breakdown",
    "poststratify_weights",
    "rake_weights",
    "statement_exposure",
]

MISSING = "(missing)"


# ---------------------------------------------------------------------------------------------
# result objects


@dataclass(frozen=True)
class BreakdownResult:
    """A published breakdown (small cells suppressed) with an optional test.

    Attributes
    ----------
    table : pl.DataFrame
        The breakdown; columns are listed by the producing function. Suppressed cells are null.
    method : str
        The producing function.
    test : str
        The test behind ``statistic``/``p_value`` ("" when none).
    statistic, dof, p_value : float or None
        Test statistic, degrees of freedom, p-value.
    p_method : str
        How the p-value was obtained (``"chi2"`` asymptotic or ``"monte-carlo"``).
    effect_size : float or None
        Cramér's V (or Cohen's w for goodness of fit).
    threshold : int
        Small-cell threshold applied to ``table``.
    notes : tuple of str
        Suppression note and other caveats; show them next to the table.
    provenance : Provenance
    """

    table: pl.DataFrame
    method: str
    test: str = ""
    statistic: float | None = None
    dof: float | None = None
    p_value: float | None = None
    p_method: str = ""
    effect_size: float | None = None
    threshold: int = DEFAULT_THRESHOLD
    notes: tuple[str, ...] = ()
    provenance: Provenance | None = field(default=None, repr=False)

    def to_frame(self) -> pl.DataFrame:
        return self.table

    def summary(self) -> str:
        lines = [f"{self.method}: {self.table.height} rows"]
        if self.test:
            lines.append(
                f"  {self.test}: statistic {_num(self.statistic)}, df {_num(self.dof)}, "
                f"p = {_num(self.p_value)} ({self.p_method}), effect size {_num(self.effect_size)}"
            )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        extra = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        if self.test:
            extra = (
                f"<p>{html.escape(self.test)}: statistic {_num(self.statistic)}, "
                f"p = {_num(self.p_value)} ({html.escape(self.p_method)})</p>" + extra
            )
        return frame_to_html(self.table, caption=self.method) + extra


@dataclass(frozen=True)
class WeightsResult:
    """Participant weights from raking or post-stratification.

    Attributes
    ----------
    weights : pl.DataFrame
        ``participant_id`` (or the id column used) and ``weight`` (mean 1).
    margins : pl.DataFrame
        ``attribute``, ``category``, ``target`` share, ``achieved`` weighted share,
        ``unweighted`` share. For post-stratification ``attribute`` is ``"cell"``.
    method : str
    iterations : int
    converged : bool
    design_effect : float
        Kish's approximate design effect ``n sum(w^2) / sum(w)^2``.
    effective_n : float
        ``n / design_effect``.
    notes : tuple of str
    provenance : Provenance
    """

    weights: pl.DataFrame
    margins: pl.DataFrame
    method: str
    iterations: int
    converged: bool
    design_effect: float
    effective_n: float
    notes: tuple[str, ...] = ()
    provenance: Provenance | None = field(default=None, repr=False)

    def to_frame(self) -> pl.DataFrame:
        """The ``id -> weight`` table."""
        return self.weights

    def summary(self) -> str:
        w = self.weights["weight"].to_numpy()
        lines = [
            f"{self.method}: {self.weights.height} participants, "
            f"{'converged' if self.converged else 'NOT converged'} after {self.iterations} "
            f"iteration(s); weights {w.min():.3g} to {w.max():.3g}, design effect "
            f"{self.design_effect:.3f}, effective n {self.effective_n:.1f}",
        ]
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return frame_to_html(self.margins, caption=self.summary().splitlines()[0])


def _num(v: Any) -> str:
    if v is None:
        return "NA"
    if isinstance(v, float) and not np.isfinite(v):
        return "NA"
    return f"{v:.4g}"


# ---------------------------------------------------------------------------------------------
# tests


def _chi2_stat(observed: np.ndarray, expected: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0)
    return float(terms.sum())


def _small_expected(expected: np.ndarray) -> bool:
    """Cochran's rule fails: any expected count < 1 or more than 20% below 5."""
    return bool(expected.min() < 1 or np.mean(expected < 5) > 0.2)


def chi2_independence(
    table: np.ndarray, *, n_resamples: int = 2000, seed: int | None = 0
) -> dict[str, Any]:
    """Pearson chi-square test of independence on an r x c count table, small-cell aware.

    Empty rows and columns are dropped. When Cochran's rule fails (an expected count below 1
    or more than 20% below 5) the reported ``p_value`` is a Monte Carlo permutation p-value
    with fixed margins, ``(1 + #{chi2* >= chi2}) / (1 + n_resamples)`` (as R's
    ``chisq.test(simulate.p.value=TRUE)``); otherwise it is the asymptotic one.
    No continuity correction is applied.

    Returns
    -------
    dict
        ``chi2``, ``dof``, ``p_value``, ``p_asymptotic``, ``method`` (``"chi2"`` or
        ``"monte-carlo"``), ``min_expected``, ``cramers_v``, ``n``, ``expected`` (array).

    Examples
    --------
    >>> res = chi2_independence(np.array([[30, 10], [10, 30]]))
    >>> round(res["chi2"], 3), res["method"], round(res["cramers_v"], 3)
    (20.0, 'chi2', 0.5)
    """
    from scipy import stats

    obs = np.asarray(table, dtype=float)
    obs = obs[obs.sum(axis=1) > 0][:, obs.sum(axis=0) > 0] if obs.size else obs
    nan = float("nan")
    out: dict[str, Any] = {
        "chi2": nan,
        "dof": nan,
        "p_value": nan,
        "p_asymptotic": nan,
        "method": "none",
        "min_expected": nan,
        "cramers_v": nan,
        "n": int(obs.sum()) if obs.size else 0,
        "expected": np.empty((0, 0)),
    }
    if obs.ndim != 2 or obs.shape[0] < 2 or obs.shape[1] < 2:
        return out
    n = obs.sum()
    expected = np.outer(obs.sum(axis=1), obs.sum(axis=0)) / n
    chi2 = _chi2_stat(obs, expected)
    dof = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    p_asym = float(stats.chi2.sf(chi2, dof))
    v = float(np.sqrt(chi2 / (n * (min(obs.shape) - 1))))
    out |= {
        "chi2": chi2,
        "dof": float(dof),
        "p_asymptotic": p_asym,
        "p_value": p_asym,
        "method": "chi2",
        "min_expected": float(expected.min()),
        "cramers_v": v,
        "expected": expected,
    }
    if _small_expected(expected):
        rng = np.random.default_rng(seed)
        r, c = obs.shape
        rows = np.repeat(np.arange(r), obs.sum(axis=1).astype(int))
        cols = np.concatenate([np.repeat(np.arange(c), obs[i].astype(int)) for i in range(r)])
        exceed = 0
        for _ in range(n_resamples):
            perm = rng.permutation(cols)
            sim = np.bincount(rows * c + perm, minlength=r * c).reshape(r, c)
            if _chi2_stat(sim, expected) >= chi2 - 1e-9 * max(chi2, 1.0):
                exceed += 1
        out["p_value"] = (1 + exceed) / (1 + n_resamples)
        out["method"] = "monte-carlo"
    return out


# ---------------------------------------------------------------------------------------------
# validation helpers


def _check_frame(frame: Any, name: str, func: str, columns: Sequence[str]) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):
        raise ValidationError(
            f"{func} needs a polars DataFrame; got {type(frame).__name__}", table=name
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            f"missing column(s) {missing}; the table has {frame.columns}", table=name
        )
    return frame


def _unique_ids(frame: pl.DataFrame, id_column: str, name: str) -> None:
    dup = ~frame[id_column].is_first_distinct()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise ValidationError(
            f"participant {frame[id_column][row]!r} appears more than once; give one row per "
            "participant",
            table=name,
            row=row + 1,
            column=id_column,
        )


def _category(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).fill_null(MISSING)


def _check_threshold(threshold: int, func: str) -> None:
    check_param(
        isinstance(threshold, int) and not isinstance(threshold, bool) and threshold >= 0,
        "threshold",
        func,
        "an int >= 0",
        threshold,
    )


# ---------------------------------------------------------------------------------------------
# breakdowns


def participation_breakdown(
    participants: pl.DataFrame,
    *,
    by: str | Sequence[str],
    id_column: str = "participant_id",
    weight_column: str | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> BreakdownResult:
    """Counts and shares of participants by attribute (age band, gender, area, ...).

    Parameters
    ----------
    participants : pl.DataFrame
        One row per participant with the attribute columns.
    by : str or sequence of str
        Attributes to break down (each separately; a missing value is its own category
        ``"(missing)"``).
    weight_column : str, optional
        Also report weighted shares (e.g. after :func:`rake_weights`).
    threshold : int, default 5
        Cells with fewer participants are suppressed.

    Returns
    -------
    BreakdownResult
        ``table`` columns: ``attribute``, ``category``, ``n``, ``share`` (and
        ``weighted_share``).

    Examples
    --------
    >>> people = pl.DataFrame({"participant_id": range(12),
    ...                        "gender": ["f"] * 6 + ["m"] * 5 + ["x"]})
    >>> res = participation_breakdown(people, by="gender")
    >>> res.table["n"].to_list()
    [6, 5, None]
    >>> res.notes[0]
    'Cells with fewer than 5 participants are suppressed (1 of 3 rows).'
    """
    func = "participation_breakdown"
    cols = [by] if isinstance(by, str) else list(by)
    check_param(len(cols) > 0, "by", func, "at least one column name", by)
    _check_threshold(threshold, func)
    needed = [id_column, *cols] + ([weight_column] if weight_column else [])
    _check_frame(participants, "participants", func, needed)
    _unique_ids(participants, id_column, "participants")
    parts = []
    for col in cols:
        agg = [pl.len().alias("n")]
        if weight_column:
            agg.append(pl.col(weight_column).sum().alias("_w"))
        t = (
            participants.with_columns(_category(col).alias("category"))
            .group_by("category")
            .agg(agg)
            .sort("category")
            .with_columns(
                pl.lit(col).alias("attribute"),
                (pl.col("n") / pl.col("n").sum()).alias("share"),
            )
        )
        if weight_column:
            t = t.with_columns((pl.col("_w") / pl.col("_w").sum()).alias("weighted_share"))
        keep = ["attribute", "category", "n", "share"] + (
            ["weighted_share"] if weight_column else []
        )
        parts.append(t.select(keep).with_columns(pl.col("n").cast(pl.Int64)))
    table = pl.concat(parts)
    sup = suppress_small_cells(table, count_column="n", threshold=threshold)
    return BreakdownResult(
        table=sup.frame,
        method=func,
        threshold=threshold,
        notes=(sup.note,) if sup.note else (),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(participants),
            parameters={"by": cols, "weight_column": weight_column, "threshold": threshold},
        ),
    )


def _population_shares(
    population: pl.DataFrame | Mapping[Any, float],
    *,
    attribute: str,
    share_column: str,
    func: str,
) -> dict[str, float]:
    if isinstance(population, Mapping):
        raw = {str(k): float(v) for k, v in population.items()}
    else:
        _check_frame(population, "population", func, [attribute, share_column])
        dup = ~population[attribute].is_first_distinct()
        if dup.any():
            row = int(dup.arg_true()[0])
            raise ValidationError(
                f"category {population[attribute][row]!r} is listed twice",
                table="population",
                row=row + 1,
                column=attribute,
            )
        raw = {
            str(k): float(v)
            for k, v in zip(
                population[attribute].cast(pl.String).to_list(),
                population[share_column].to_list(),
                strict=True,
            )
        }
    for k, v in raw.items():
        if not np.isfinite(v) or v < 0:
            raise ValidationError(
                f"population share of {k!r} must be a number >= 0; got {v}",
                table="population",
                column=share_column,
            )
    total = sum(raw.values())
    if total <= 0:
        raise ValidationError("population shares sum to 0", table="population")
    return {k: v / total for k, v in raw.items()}


def compare_to_population(
    participants: pl.DataFrame,
    population: pl.DataFrame | Mapping[Any, float],
    *,
    attribute: str,
    id_column: str = "participant_id",
    share_column: str = "share",
    alpha: float = 0.05,
    threshold: int = DEFAULT_THRESHOLD,
    n_resamples: int = 5000,
    seed: int | None = 0,
) -> BreakdownResult:
    """Compare participants with a reference population on one attribute.

    Parameters
    ----------
    participants : pl.DataFrame
        One row per participant.
    population : pl.DataFrame or mapping
        Reference shares (or counts; they are normalised) per category: a table with
        ``attribute`` and ``share_column`` columns, or ``{category: share}``.
    attribute : str
        The attribute compared (same name in both tables).
    alpha : float, default 0.05
        Level of the Wilson intervals and of the per-category tests.
    threshold : int, default 5
        Small-cell suppression of the published table.
    n_resamples, seed
        Monte Carlo (multinomial) p-value of the goodness-of-fit test, used when expected
        counts are small (Cochran's rule).

    Returns
    -------
    BreakdownResult
        Goodness-of-fit chi-square in ``statistic``/``p_value``, Cohen's w in
        ``effect_size``; ``table`` columns: ``category``, ``n``, ``sample_share``,
        ``ci_low``, ``ci_high`` (Wilson), ``population_share``, ``expected``, ``ratio``
        (sample / population share), ``residual`` (Pearson), ``p_value`` (exact binomial),
        ``p_adjusted`` (Holm across categories) and ``status``: ``"over"``, ``"under"`` or
        ``"ok"`` (adjusted p < alpha decides).

    Examples
    --------
    >>> people = pl.DataFrame({"participant_id": range(100),
    ...                        "age": ["16-34"] * 15 + ["35-64"] * 50 + ["65+"] * 35})
    >>> res = compare_to_population(people, {"16-34": 0.3, "35-64": 0.5, "65+": 0.2},
    ...                             attribute="age")
    >>> res.table["status"].to_list()
    ['under', 'ok', 'over']
    >>> round(res.statistic, 3)
    18.75
    """
    from scipy import stats

    from coprod_analytics.deliberation.prepost import adjust_pvalues

    func = "compare_to_population"
    check_param(0 < alpha < 1, "alpha", func, "a float in (0, 1)", alpha)
    _check_threshold(threshold, func)
    _check_frame(participants, "participants", func, [id_column, attribute])
    _unique_ids(participants, id_column, "participants")
    shares = _population_shares(
        population, attribute=attribute, share_column=share_column, func=func
    )
    counts = dict(
        participants.with_columns(_category(attribute).alias("_c"))
        .group_by("_c")
        .agg(pl.len())
        .iter_rows()
    )
    unknown = sorted(set(counts) - set(shares))
    if unknown:
        raise ValidationError(
            f"categories {unknown} of '{attribute}' are not in the reference population "
            f"({sorted(shares)}); recode them or add them to the population table",
            table="participants",
            column=attribute,
        )
    cats = list(shares)
    obs = np.array([counts.get(c, 0) for c in cats], dtype=float)
    pop = np.array([shares[c] for c in cats])
    n = obs.sum()
    if n == 0:
        raise ValidationError("no participants to compare", table="participants")
    expected = n * pop
    pos = pop > 0
    if np.any(obs[~pos] > 0):
        bad = [c for c, o, p in zip(cats, obs, pop, strict=True) if p == 0 and o > 0]
        raise ValidationError(
            f"categories {bad} have population share 0 but participants in the sample",
            table="population",
        )
    chi2 = _chi2_stat(obs[pos], expected[pos])
    dof = int(pos.sum()) - 1
    p_asym = float(stats.chi2.sf(chi2, dof)) if dof > 0 else float("nan")
    p_value, p_method = p_asym, "chi2"
    if dof > 0 and _small_expected(expected[pos]):
        rng = np.random.default_rng(seed)
        sims = rng.multinomial(int(n), pop[pos], size=n_resamples).astype(float)
        sim_stats = ((sims - expected[pos]) ** 2 / expected[pos]).sum(axis=1)
        p_value = float((1 + np.sum(sim_stats >= chi2 - 1e-9 * max(chi2, 1.0))) / (1 + n_resamples))
        p_method = "monte-carlo"
    lo, hi = wilson_interval(obs, n, alpha=alpha)
    p_each = np.array(
        [
            stats.binomtest(int(o), int(n), float(p)).pvalue if p > 0 else np.nan
            for o, p in zip(obs, pop, strict=True)
        ]
    )
    p_adj = adjust_pvalues(p_each, method="holm")
    status = np.where(p_adj < alpha, np.where(obs / n > pop, "over", "under"), "ok").tolist()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(pop > 0, (obs / n) / pop, np.nan)
        resid = np.where(expected > 0, (obs - expected) / np.sqrt(expected), np.nan)
    table = pl.DataFrame(
        {
            "category": cats,
            "n": obs.astype(np.int64),
            "sample_share": obs / n,
            "ci_low": lo,
            "ci_high": hi,
            "population_share": pop,
            "expected": expected,
            "ratio": ratio,
            "residual": resid,
            "p_value": p_each,
            "p_adjusted": p_adj,
            "status": status,
        }
    )
    sup = suppress_small_cells(
        table,
        count_column="n",
        threshold=threshold,
        also=["sample_share", "ci_low", "ci_high", "ratio", "residual"],
    )
    notes = [
        "status: exact binomial test per category, Holm-adjusted across categories "
        f"(alpha = {alpha})."
    ]
    if sup.note:
        notes.insert(0, sup.note)
    if p_method == "monte-carlo":
        notes.append(
            f"Expected counts are small; the goodness-of-fit p-value is a Monte Carlo "
            f"p-value from {n_resamples} multinomial draws (seed {seed})."
        )
    return BreakdownResult(
        table=sup.frame,
        method=func,
        test="chi-square goodness of fit",
        statistic=chi2,
        dof=float(dof),
        p_value=p_value,
        p_method=p_method,
        effect_size=float(np.sqrt(chi2 / n)),
        threshold=threshold,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(participants),
            parameters={
                "attribute": attribute,
                "population": shares,
                "alpha": alpha,
                "threshold": threshold,
                "n_resamples": n_resamples,
            },
            seed=seed,
        ),
    )


# ---------------------------------------------------------------------------------------------
# weights


def _margins_dict(
    margins: Mapping[str, Mapping[Any, float]] | pl.DataFrame, func: str
) -> dict[str, dict[str, float]]:
    if isinstance(margins, pl.DataFrame):
        _check_frame(margins, "margins", func, ["attribute", "category", "share"])
        out: dict[str, dict[str, float]] = {}
        for a, c, s in margins.select("attribute", "category", "share").iter_rows():
            out.setdefault(str(a), {})[str(c)] = float(s)
    elif isinstance(margins, Mapping):
        out = {str(a): {str(c): float(s) for c, s in m.items()} for a, m in margins.items()}
    else:
        raise ValidationError(
            "margins must be {attribute: {category: share}} or a table with columns "
            f"attribute, category, share; got {type(margins).__name__}",
            table="margins",
        )
    check_param(len(out) > 0, "margins", func, "at least one attribute", margins)
    for a, m in out.items():
        tot = sum(m.values())
        if tot <= 0 or any((not np.isfinite(v)) or v < 0 for v in m.values()):
            raise ValidationError(
                f"shares of '{a}' must be >= 0 with a positive sum; got {m}", table="margins"
            )
        out[a] = {c: v / tot for c, v in m.items()}
    return out


def _kish(w: np.ndarray) -> tuple[float, float]:
    deff = float(w.size * np.sum(w**2) / np.sum(w) ** 2)
    return deff, float(w.size / deff)


def rake_weights(
    participants: pl.DataFrame,
    margins: Mapping[str, Mapping[Any, float]] | pl.DataFrame,
    *,
    id_column: str = "participant_id",
    max_iter: int = 1000,
    tol: float = 1e-10,
    cap: float | None = None,
) -> WeightsResult:
    """Raking weights (iterative proportional fitting) that reproduce target margins.

    Starting from weights 1, each pass scales the weights of every category of every
    attribute in turn so that the weighted shares equal the targets (Deming & Stephan 1940),
    until the largest margin error is below ``tol``.

    Parameters
    ----------
    participants : pl.DataFrame
        One row per participant with a column per attribute in ``margins``.
    margins : mapping or pl.DataFrame
        ``{attribute: {category: share}}`` or a table ``attribute, category, share``.
        Shares of an attribute are normalised to sum to 1.
    max_iter : int, default 1000
        Maximum number of passes.
    tol : float, default 1e-10
        Convergence: largest absolute difference between a weighted and a target share.
    cap : float, optional
        Trim weights above ``cap`` times the mean weight after each pass (then margins are
        only approximately met; ``converged`` tells).

    Returns
    -------
    WeightsResult
        ``weights`` (``id_column``, ``weight``; mean 1), ``margins`` with the achieved shares,
        ``design_effect`` and ``effective_n``.

    Examples
    --------
    >>> people = pl.DataFrame({"participant_id": range(6),
    ...                        "gender": ["f", "f", "f", "f", "m", "m"],
    ...                        "age": ["young", "old", "old", "old", "young", "old"]})
    >>> res = rake_weights(people, {"gender": {"f": 0.5, "m": 0.5},
    ...                             "age": {"young": 0.5, "old": 0.5}})
    >>> res.margins.select("attribute", "category", "achieved").rows()
    [('gender', 'f', 0.5), ('gender', 'm', 0.5), ('age', 'old', 0.5), ('age', 'young', 0.5)]
    """
    func = "rake_weights"
    targets = _margins_dict(margins, func)
    check_param(
        isinstance(max_iter, int) and max_iter >= 1, "max_iter", func, "an int >= 1", max_iter
    )
    check_param(tol > 0, "tol", func, "a float > 0", tol)
    check_param(cap is None or cap > 1, "cap", func, "None or a float > 1", cap)
    _check_frame(participants, "participants", func, [id_column, *targets])
    _unique_ids(participants, id_column, "participants")
    n = participants.height
    if n == 0:
        raise ValidationError("no participants to weight", table="participants")
    codes: dict[str, tuple[np.ndarray, list[str], np.ndarray]] = {}
    for attr, shares in targets.items():
        values = participants.select(_category(attr)).to_series().to_list()
        cats = sorted(shares)
        index = {c: i for i, c in enumerate(cats)}
        unknown = sorted({v for v in values if v not in index})
        if unknown:
            raise ValidationError(
                f"categories {unknown} have no target share; targets are given for {cats}",
                table="participants",
                column=attr,
            )
        code = np.array([index[v] for v in values])
        present = np.bincount(code, minlength=len(cats)) > 0
        target = np.array([shares[c] for c in cats])
        empty = [c for c, p, t in zip(cats, present, target, strict=True) if t > 0 and not p]
        if empty:
            raise ValidationError(
                f"no participant is in categories {empty}, which have a positive target share; "
                "merge categories or drop the target",
                table="participants",
                column=attr,
            )
        codes[attr] = (code, cats, target)
    w = np.ones(n)
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007
        for code, _cats, target in codes.values():
            current = np.bincount(code, weights=w, minlength=target.size) / w.sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.where(current > 0, target / current, 0.0)
            w = w * factor[code]
        if cap is not None:
            w = np.minimum(w, cap * w.mean())
        err = max(
            float(np.abs(np.bincount(c, weights=w, minlength=t.size) / w.sum() - t).max())
            for c, _, t in codes.values()
        )
        if err < tol:
            converged = True
            break
    w = w * n / w.sum()
    rows = []
    for attr, (code, cats, target) in codes.items():
        achieved = np.bincount(code, weights=w, minlength=len(cats)) / n
        unweighted = np.bincount(code, minlength=len(cats)) / n
        for i, c in enumerate(cats):
            rows.append(
                {
                    "attribute": attr,
                    "category": c,
                    "target": float(target[i]),
                    "achieved": float(achieved[i]),
                    "unweighted": float(unweighted[i]),
                }
            )
    deff, n_eff = _kish(w)
    notes = []
    if not converged:
        notes.append(
            f"Raking did not reach tol={tol} within {max_iter} passes"
            + (" (weights were capped)" if cap is not None else "")
            + "; compare 'achieved' with 'target'."
        )
    return WeightsResult(
        weights=pl.DataFrame({id_column: participants[id_column], "weight": w}),
        margins=pl.DataFrame(rows),
        method=func,
        iterations=iterations,
        converged=converged,
        design_effect=deff,
        effective_n=n_eff,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(participants),
            parameters={"margins": targets, "max_iter": max_iter, "tol": tol, "cap": cap},
        ),
    )


def poststratify_weights(
    participants: pl.DataFrame,
    population: pl.DataFrame,
    *,
    cells: str | Sequence[str],
    share_column: str = "share",
    id_column: str = "participant_id",
) -> WeightsResult:
    """Post-stratification weights: population share of a participant's cell / sample share.

    Parameters
    ----------
    participants : pl.DataFrame
        One row per participant with the ``cells`` columns.
    population : pl.DataFrame
        One row per cell (combination of the ``cells`` columns) with ``share_column`` (shares
        or counts, normalised).
    cells : str or sequence of str
        The columns defining the cells (e.g. ``["age", "gender"]``).

    Returns
    -------
    WeightsResult
        Weights with mean 1; ``margins`` has one row per cell (``attribute`` = ``"cell"``,
        ``category`` = the cell's values joined by ``" | "``).

    Examples
    --------
    >>> people = pl.DataFrame({"participant_id": range(4), "area": ["city", "city", "city", "rural"]})
    >>> pop = pl.DataFrame({"area": ["city", "rural"], "share": [0.5, 0.5]})
    >>> poststratify_weights(people, pop, cells="area").weights["weight"].to_list()
    [0.666..., 0.666..., 0.666..., 2.0]
    """
    func = "poststratify_weights"
    cols = [cells] if isinstance(cells, str) else list(cells)
    check_param(len(cols) > 0, "cells", func, "at least one column name", cells)
    _check_frame(participants, "participants", func, [id_column, *cols])
    _check_frame(population, "population", func, [*cols, share_column])
    _unique_ids(participants, id_column, "participants")
    key = pl.concat_str([_category(c) for c in cols], separator=" | ").alias("_cell")
    pop = population.with_columns(key)
    dup = ~pop["_cell"].is_first_distinct()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise ValidationError(
            f"cell {pop['_cell'][row]!r} is listed twice", table="population", row=row + 1
        )
    shares = _population_shares(
        pop.select("_cell", share_column), attribute="_cell", share_column=share_column, func=func
    )
    part = participants.with_columns(key)
    counts = dict(part.group_by("_cell").agg(pl.len()).iter_rows())
    unknown = sorted(set(counts) - set(shares))
    if unknown:
        raise ValidationError(
            f"participants fall in cells {unknown} that the population table does not list",
            table="participants",
        )
    empty = sorted(c for c, s in shares.items() if s > 0 and c not in counts)
    if empty:
        raise ValidationError(
            f"population cells {empty} have no participant; collapse cells or use rake_weights",
            table="participants",
        )
    n = participants.height
    cell_w = {c: shares[c] * n / counts[c] for c in counts}
    w = np.array([cell_w[c] for c in part["_cell"].to_list()])
    deff, n_eff = _kish(w)
    margins = pl.DataFrame(
        [
            {
                "attribute": "cell",
                "category": c,
                "target": shares[c],
                "achieved": shares[c] if c in counts else 0.0,
                "unweighted": counts.get(c, 0) / n,
            }
            for c in sorted(shares)
        ]
    )
    return WeightsResult(
        weights=pl.DataFrame({id_column: participants[id_column], "weight": w}),
        margins=margins,
        method=func,
        iterations=1,
        converged=True,
        design_effect=deff,
        effective_n=n_eff,
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(participants, population),
            parameters={"cells": cols, "share_column": share_column},
        ),
    )


# ---------------------------------------------------------------------------------------------
# opinion groups, exposure, attrition


def group_composition(
    participants: pl.DataFrame,
    *,
    group_column: str,
    attribute: str,
    id_column: str = "participant_id",
    threshold: int = DEFAULT_THRESHOLD,
    n_resamples: int = 5000,
    seed: int | None = 0,
) -> BreakdownResult:
    """Do opinion groups differ in demographic make-up? Chi-square on group x attribute.

    Participants with no group are left out. The p-value is asymptotic unless expected
    counts are small (Cochran's rule), in which case it is a Monte Carlo permutation p-value
    (``n_resamples``, ``seed``); ``p_method`` says which.

    Returns
    -------
    BreakdownResult
        Cramér's V in ``effect_size``. ``table`` columns: ``group``, ``category``, ``n``,
        ``share_of_group`` (row share), ``expected``, ``adjusted_residual`` (Haberman; |r| > 2
        marks a notable cell).

    Examples
    --------
    >>> people = pl.DataFrame({"participant_id": range(40),
    ...                        "group": ["A"] * 20 + ["B"] * 20,
    ...                        "age": ["young"] * 15 + ["old"] * 5 + ["young"] * 5 + ["old"] * 15})
    >>> res = group_composition(people, group_column="group", attribute="age")
    >>> round(res.statistic, 2), res.p_method
    (10.0, 'chi2')
    """
    func = "group_composition"
    _check_threshold(threshold, func)
    _check_frame(participants, "participants", func, [id_column, group_column, attribute])
    _unique_ids(participants, id_column, "participants")
    data = participants.drop_nulls(group_column).with_columns(
        pl.col(group_column).cast(pl.String).alias("group"), _category(attribute).alias("category")
    )
    groups = sorted(data["group"].unique().to_list())
    cats = sorted(data["category"].unique().to_list())
    gi = {g: i for i, g in enumerate(groups)}
    ci = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(groups), len(cats)))
    for g, c in zip(data["group"].to_list(), data["category"].to_list(), strict=True):
        table[gi[g], ci[c]] += 1
    res = chi2_independence(table, n_resamples=n_resamples, seed=seed)
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n if n > 0 else np.zeros_like(table)
    with np.errstate(divide="ignore", invalid="ignore"):
        row_p = table.sum(axis=1, keepdims=True) / n
        col_p = table.sum(axis=0, keepdims=True) / n
        adj = (table - expected) / np.sqrt(expected * (1 - row_p) * (1 - col_p))
        share = table / table.sum(axis=1, keepdims=True)
    out = pl.DataFrame(
        {
            "group": np.repeat(groups, len(cats)).tolist(),
            "category": cats * len(groups),
            "n": table.ravel().astype(np.int64),
            "share_of_group": share.ravel(),
            "expected": expected.ravel(),
            "adjusted_residual": adj.ravel(),
        }
    )
    sup = suppress_small_cells(
        out, count_column="n", threshold=threshold, also=["share_of_group", "adjusted_residual"]
    )
    notes = [sup.note] if sup.note else []
    if res["method"] == "monte-carlo":
        notes.append(
            f"Expected counts are small (min {res['min_expected']:.2g}); the p-value is a Monte "
            f"Carlo permutation p-value ({n_resamples} resamples, seed {seed})."
        )
    dropped = participants.height - data.height
    if dropped:
        notes.append(f"{dropped} participant(s) without a group were left out.")
    return BreakdownResult(
        table=sup.frame,
        method=func,
        test=f"chi-square test of independence ({group_column} x {attribute})",
        statistic=res["chi2"],
        dof=res["dof"],
        p_value=res["p_value"],
        p_method=res["method"],
        effect_size=res["cramers_v"],
        threshold=threshold,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(participants),
            parameters={
                "group_column": group_column,
                "attribute": attribute,
                "threshold": threshold,
                "n_resamples": n_resamples,
            },
            seed=seed,
        ),
    )


def statement_exposure(
    votes: pl.DataFrame,
    statements: pl.DataFrame,
    *,
    author_group_column: str = "author_group",
    statement_column: str = "statement_id",
    threshold: int = DEFAULT_THRESHOLD,
) -> BreakdownResult:
    """Are some groups' statements rarely seen? Votes per statement by author group.

    Parameters
    ----------
    votes : pl.DataFrame
        One row per vote (any vote, pass included, counts as the statement being seen), with
        ``statement_column``.
    statements : pl.DataFrame
        One row per statement with ``statement_column`` and ``author_group_column`` (the
        opinion or demographic group of its author). Statements nobody voted on count as 0.

    Returns
    -------
    BreakdownResult
        Kruskal-Wallis test of votes per statement across author groups; ``table`` columns:
        ``author_group``, ``n_statements``, ``n_votes``, ``mean_votes_per_statement``,
        ``median_votes_per_statement``, ``share_of_statements``, ``share_of_votes``,
        ``exposure_ratio`` (share of votes / share of statements; below 1 means
        under-exposed). Groups with fewer than ``threshold`` statements are suppressed.

    Examples
    --------
    >>> st = pl.DataFrame({"statement_id": range(10), "author_group": ["A"] * 5 + ["B"] * 5})
    >>> votes = pl.DataFrame({"statement_id": [0] * 8 + [1] * 8 + [2] * 8 + [3] * 8 + [4] * 8
    ...                                       + [5, 6, 7, 8, 9] * 2})
    >>> res = statement_exposure(votes, st)
    >>> res.table.select("author_group", "exposure_ratio").rows()
    [('A', 1.6), ('B', 0.4)]
    """
    from scipy import stats

    func = "statement_exposure"
    _check_threshold(threshold, func)
    _check_frame(votes, "votes", func, [statement_column])
    _check_frame(statements, "statements", func, [statement_column, author_group_column])
    dup = ~statements[statement_column].is_first_distinct()
    if dup.any():
        row = int(dup.arg_true()[0])
        raise ValidationError(
            f"statement {statements[statement_column][row]!r} is listed twice",
            table="statements",
            row=row + 1,
            column=statement_column,
        )
    per = (
        statements.select(statement_column, _category(author_group_column).alias("author_group"))
        .join(
            votes.group_by(statement_column).agg(pl.len().alias("_v")),
            on=statement_column,
            how="left",
        )
        .with_columns(pl.col("_v").fill_null(0))
    )
    unknown = votes.join(statements, on=statement_column, how="anti")
    notes = []
    if unknown.height:
        notes.append(
            f"{unknown.height} vote(s) on statements missing from the statements table were "
            "ignored."
        )
    total_votes = per["_v"].sum()
    total_st = per.height
    table = (
        per.group_by("author_group")
        .agg(
            pl.len().alias("n_statements"),
            pl.col("_v").sum().alias("n_votes"),
            pl.col("_v").mean().alias("mean_votes_per_statement"),
            pl.col("_v").median().cast(pl.Float64).alias("median_votes_per_statement"),
        )
        .sort("author_group")
        .with_columns(
            (pl.col("n_statements") / total_st).alias("share_of_statements"),
            (pl.col("n_votes") / max(total_votes, 1)).alias("share_of_votes"),
        )
        .with_columns(
            (pl.col("share_of_votes") / pl.col("share_of_statements")).alias("exposure_ratio"),
            pl.col("n_statements").cast(pl.Int64),
            pl.col("n_votes").cast(pl.Int64),
        )
    )
    samples = [
        per.filter(pl.col("author_group") == g)["_v"].to_numpy()
        for g in table["author_group"].to_list()
    ]
    stat = p = dof = None
    if len(samples) >= 2 and len(np.unique(np.concatenate(samples))) > 1:
        kw = stats.kruskal(*samples)
        stat, p, dof = float(kw.statistic), float(kw.pvalue), float(len(samples) - 1)
    sup = suppress_small_cells(
        table,
        count_column="n_statements",
        threshold=threshold,
        also=[
            "n_votes",
            "mean_votes_per_statement",
            "median_votes_per_statement",
            "share_of_statements",
            "share_of_votes",
            "exposure_ratio",
        ],
    )
    if sup.note:
        notes.insert(0, sup.note.replace("participants", "statements"))
    return BreakdownResult(
        table=sup.frame,
        method=func,
        test="Kruskal-Wallis test of votes per statement across author groups",
        statistic=stat,
        dof=dof,
        p_value=p,
        p_method="chi2" if p is not None else "",
        threshold=threshold,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(votes, statements),
            parameters={"author_group_column": author_group_column, "threshold": threshold},
        ),
    )


def attrition(
    panel: pl.DataFrame,
    *,
    by: str,
    id_column: str = "participant_id",
    wave_column: str = "wave",
    pre: Any = "pre",
    post: Any = "post",
    alpha: float = 0.05,
    threshold: int = DEFAULT_THRESHOLD,
    n_resamples: int = 5000,
    seed: int | None = 0,
) -> BreakdownResult:
    """Which groups drop out between pre and post? Retention by participant attribute.

    A participant is retained when they have any row in the ``post`` wave. The attribute is
    read from the pre wave.

    Returns
    -------
    BreakdownResult
        Chi-square test of retention x category (Monte Carlo p-value for small cells) with
        Cramér's V; ``table`` columns: ``category``, ``n_pre``, ``n_retained``,
        ``retention``, ``ci_low``, ``ci_high`` (Wilson), ``n_dropped``.

    Examples
    --------
    >>> panel = pl.DataFrame({
    ...     "participant_id": list(range(20)) + list(range(10)) + list(range(10, 14)),
    ...     "wave": ["pre"] * 20 + ["post"] * 14,
    ...     "age": ["young"] * 10 + ["old"] * 10 + ["young"] * 10 + ["old"] * 4,
    ... })
    >>> attrition(panel, by="age").table.select("category", "retention").rows()
    [('old', 0.4), ('young', 1.0)]
    """
    func = "attrition"
    check_param(0 < alpha < 1, "alpha", func, "a float in (0, 1)", alpha)
    _check_threshold(threshold, func)
    _check_frame(panel, "panel", func, [id_column, wave_column, by])
    pre_people = (
        panel.filter(pl.col(wave_column) == pre)
        .group_by(id_column, maintain_order=True)
        .agg(pl.col(by).drop_nulls().first())
        .with_columns(_category(by).alias("category"))
    )
    if pre_people.height == 0:
        raise ValidationError(f"no participant in wave {pre!r}", table="panel", column=wave_column)
    post_ids = panel.filter(pl.col(wave_column) == post)[id_column].unique()
    pre_people = pre_people.with_columns(pl.col(id_column).is_in(post_ids.implode()).alias("_kept"))
    table = (
        pre_people.group_by("category")
        .agg(pl.len().alias("n_pre"), pl.col("_kept").sum().alias("n_retained"))
        .sort("category")
        .with_columns(pl.col("n_pre").cast(pl.Int64), pl.col("n_retained").cast(pl.Int64))
    )
    n_pre = table["n_pre"].to_numpy().astype(float)
    kept = table["n_retained"].to_numpy().astype(float)
    lo, hi = wilson_interval(kept, n_pre, alpha=alpha)
    table = table.with_columns(
        (pl.col("n_retained") / pl.col("n_pre")).alias("retention"),
        pl.Series("ci_low", lo),
        pl.Series("ci_high", hi),
        (pl.col("n_pre") - pl.col("n_retained")).alias("n_dropped"),
    )
    res = chi2_independence(
        np.column_stack([kept, n_pre - kept]), n_resamples=n_resamples, seed=seed
    )
    sup = suppress_small_cells(
        table,
        count_column="n_pre",
        threshold=threshold,
        also=["n_retained", "retention", "ci_low", "ci_high", "n_dropped"],
    )
    notes = [sup.note] if sup.note else []
    # a small number of drop-outs (or stayers) in a published cell is also disclosive
    small_sub = table.filter(
        (pl.col("n_pre") >= threshold)
        & (
            ((pl.col("n_dropped") > 0) & (pl.col("n_dropped") < threshold))
            | ((pl.col("n_retained") > 0) & (pl.col("n_retained") < threshold))
        )
    )
    if small_sub.height:
        notes.append(
            f"{small_sub.height} categor{'y has' if small_sub.height == 1 else 'ies have'} fewer "
            f"than {threshold} drop-outs or stayers; the counts are shown, so round or merge "
            "before publishing outside the team."
        )
    if res["method"] == "monte-carlo":
        notes.append(
            f"Expected counts are small; the p-value is a Monte Carlo permutation p-value "
            f"({n_resamples} resamples, seed {seed})."
        )
    return BreakdownResult(
        table=sup.frame,
        method=func,
        test=f"chi-square test of retention x {by}",
        statistic=res["chi2"],
        dof=res["dof"],
        p_value=res["p_value"],
        p_method=res["method"],
        effect_size=res["cramers_v"],
        threshold=threshold,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(panel),
            parameters={"by": by, "pre": pre, "post": post, "threshold": threshold},
            seed=seed,
        ),
    )
