"""Equalities and representativeness: who took part, compared with whom they should represent.

- :func:`participation_breakdown` -- counts and shares by participant attribute.
- :func:`compare_to_population` -- the sample against a reference population the user
  supplies: chi-square goodness of fit and over/under-represented categories.
- :func:`rake_weights` -- raking (iterative proportional fitting) weights reproducing target
  margins; :func:`poststratify_weights` -- cell weights from a joint distribution. Both return
  a ``participant_id -> weight`` table that the other analyses accept (``weight="weight"``).
- :func:`group_composition` -- do opinion groups differ in demographic make-up (chi-square
  with a Monte Carlo p-value when cells are small)?
- :func:`statement_exposure` -- are statements written by some groups rarely seen (votes per
  statement by author group)?
- :func:`attrition` -- which groups drop out between pre and post?

Analyses accept the tables as an :class:`~coprod_analytics.Inquiry` stores them (or the
Inquiry itself); differently named columns are named with keywords after the canonical column
(``participant_id="person"``).

Every published table passes through :func:`coprod_analytics.privacy.suppress_small_cells`
with the totals it publishes as ``margins``: counts under ``min_cell`` (default 5) are nulled
together with every statistic of the cell (shares, intervals, expected count, residual,
p-values), and further cells are hidden where one hidden cell could be worked out from a total
(secondary suppression, audited by :func:`coprod_analytics.privacy.audit_table`). Tests are
computed on the full data except that hidden categories are pooled into one, so that a
published test statistic cannot be solved for a hidden count; per-category p-values are
Holm-adjusted among the published categories (with the number of tests of the whole table,
which keeps the family-wise error rate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.deliberation.inference import (
    chi2_independence,
    small_expected,
)
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_number, fmt_p, fmt_pct
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.intervals import wilson_interval
from coprod_analytics.privacy import (
    DEFAULT_MIN_CELL,
    SuppressedFrame,
    is_small_cell,
    suppress_small_cells,
)
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html, interval_frame

__all__ = [
    "NOT_GIVEN",
    "BreakdownResult",
    "WeightsResult",
    "attrition",
    "compare_to_population",
    "group_composition",
    "participation_breakdown",
    "poststratify_weights",
    "rake_weights",
    "statement_exposure",
]

#: The category of a participant whose attribute is missing.
MISSING_CATEGORY = "(missing)"

#: Values saying that a participant did not give an attribute: none at all, or the "prefer
#: not to say" that a live session's questions at join always offer. Unless the population
#: lists them as categories, such participants are left out of a comparison with the
#: population and keep their share of the weights on that attribute.
NOT_GIVEN = (MISSING_CATEGORY, "prefer not to say")


# ---------------------------------------------------------------------------------------------
# result objects


@dataclass(frozen=True, repr=False)
class BreakdownResult(Result):
    """A published breakdown (small cells suppressed) with an optional test.

    Attributes
    ----------
    table : pl.DataFrame
        The breakdown; columns are listed by the producing function. Suppressed cells are null.
    method : str
        The producing function.
    test : str
        The test behind ``statistic``/``p_value`` ("" when none).
    statistic : float or None
        Test statistic.
    dof : float or None
        Degrees of freedom.
    p_value : float or None
        The test's p-value.
    p_method : str
        How the p-value was obtained (``"chi2"`` asymptotic or ``"monte-carlo"``).
    effect_size : float or None
        Cramér's V (or Cohen's w for goodness of fit).
    min_cell : int
        Counts below this were suppressed in ``table``.
    notes : tuple of str
        Suppression note and other caveats; show them next to the table.
    alpha : float
        Coverage ``1 - alpha`` of the intervals in ``table`` (when it has ``ci_low``).
    estimate : str
        The column the intervals belong to (``"sample_share"``, ``"retention"``; "" when
        the table has no intervals).
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> people = pl.DataFrame({"participant_id": range(12),
    ...                        "gender": ["f"] * 6 + ["m"] * 5 + ["x"]})
    >>> participation_breakdown(people, by="gender")
    <BreakdownResult: participation_breakdown: 3 rows>
    """

    table: pl.DataFrame
    method: str
    test: str = ""
    statistic: float | None = None
    dof: float | None = None
    p_value: float | None = None
    p_method: str = ""
    effect_size: float | None = None
    min_cell: int = DEFAULT_MIN_CELL
    notes: tuple[str, ...] = ()
    alpha: float = 0.05
    estimate: str = ""
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The published breakdown (suppressed cells are null).

        Returns
        -------
        pl.DataFrame
        """
        return self.table

    def conf_int(self, alpha: float = 0.05) -> pl.DataFrame:
        """The Wilson intervals of :attr:`estimate` per category (suppressed ones null).

        Parameters
        ----------
        alpha : float, default 0.05
            Must be the ``alpha`` the result was computed with (rerun the function with
            another ``alpha`` for other intervals).

        Returns
        -------
        pl.DataFrame
            ``category``, the estimate, ``ci_low``, ``ci_high``, ``alpha``.
        """
        from coprod_analytics.errors import ParameterError

        if not self.estimate:
            raise NotImplementedError(f"{self.method} gives no intervals")
        if abs(alpha - self.alpha) > 1e-12:
            raise ParameterError(
                f"The 'alpha' parameter of conf_int must be {self.alpha} for this result "
                f"(computed at that level). Got {alpha}; rerun {self.method} with "
                f"alpha={alpha}."
            )
        return interval_frame(
            {"category": self.table["category"], self.estimate: self.table[self.estimate]},
            self.table["ci_low"].to_list(),
            self.table["ci_high"].to_list(),
            alpha=self.alpha,
        )

    def summary(self) -> str:
        """The breakdown's size, its test and its notes in plain text.

        Returns
        -------
        str
        """
        lines = [f"{self.method}: {self.table.height} rows"]
        if self.test:
            lines.append(
                f"  {self.test}: statistic {fmt_number(self.statistic)}, df "
                f"{fmt_number(self.dof)}, p = {fmt_p(self.p_value)} ({self.p_method}), effect "
                f"size {fmt_number(self.effect_size)}"
            )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        extra = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        if self.test:
            extra = (
                f"<p>{html.escape(self.test)}: statistic {fmt_number(self.statistic)}, "
                f"p = {fmt_p(self.p_value)} ({html.escape(self.p_method)})</p>" + extra
            )
        return frame_to_html(self.table, caption=self.method) + extra


@dataclass(frozen=True, repr=False)
class WeightsResult(Result):
    """Participant weights from raking or post-stratification.

    Attributes
    ----------
    weights : pl.DataFrame
        ``participant_id`` and ``weight`` (mean 1).
    margins : pl.DataFrame
        ``attribute``, ``category``, ``target`` share, ``achieved`` weighted share,
        ``unweighted`` share. For post-stratification ``attribute`` is ``"cell"``. The
        achieved and unweighted shares of a category with fewer than ``min_cell``
        participants are null (and of a second category of the attribute, so that the hidden
        one is not 100% minus the others).
    method : str
        The producing function.
    iterations : int
        Raking passes made (1 for post-stratification; 0 when weighting was skipped, e.g.
        with no participants yet: every weight is then 1 and ``notes`` says why).
    converged : bool
        Whether every margin was met within the tolerance.
    design_effect : float
        Kish's approximate design effect ``n sum(w^2) / sum(w)^2``.
    effective_n : float
        ``n / design_effect``.
    notes : tuple of str
        Caveats (e.g. raking did not converge).
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> people = pl.DataFrame({"participant_id": range(4), "area": ["city"] * 3 + ["rural"]})
    >>> res = rake_weights(people, {"area": {"city": 0.5, "rural": 0.5}})
    >>> res.converged, round(res.design_effect, 3), round(res.effective_n, 1)
    (True, 1.333, 3.0)
    """

    weights: pl.DataFrame
    margins: pl.DataFrame
    method: str
    iterations: int
    converged: bool
    design_effect: float
    effective_n: float
    notes: tuple[str, ...] = ()
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The ``participant_id -> weight`` table (joins onto any participant table).

        Returns
        -------
        pl.DataFrame
        """
        return self.weights

    def summary(self) -> str:
        """Convergence, the range of the weights, the design effect and the effective n.

        Returns
        -------
        str
        """
        w = self.weights["weight"].to_numpy()
        if self.iterations == 0:  # skipped: the reason is in the notes
            lines = [f"{self.method}: {self.weights.height} participants, weighting skipped"]
            lines.extend(f"  note: {n}" for n in self.notes)
            return "\n".join(lines)
        lines = [
            f"{self.method}: {self.weights.height} participants, "
            f"{'converged' if self.converged else 'NOT converged'} after {self.iterations} "
            f"iteration(s); weights {fmt_number(w.min())} to {fmt_number(w.max())}, design "
            f"effect {fmt_number(self.design_effect, 4)}, effective n "
            f"{fmt_number(self.effective_n, 4)}",
        ]
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return frame_to_html(self.margins, caption=self.summary().splitlines()[0])


# ---------------------------------------------------------------------------------------------
# validation helpers


def _participants_of(participants: Any, func: str) -> pl.DataFrame:
    """The participants table itself, or an Inquiry's ``participants``."""
    if isinstance(participants, Inquiry):
        return participants.participants
    return participants  # type: ignore[no-any-return]


def _population_of(inquiry: Any, func: str) -> pl.DataFrame:
    """An Inquiry's ``population`` table (needed when no population is given)."""
    if isinstance(inquiry, Inquiry) and "population" in inquiry.tables:
        return inquiry.tables["population"]
    raise ValidationError(
        f"{func} needs a reference population: pass population=..., or an Inquiry with a "
        "'population' table",
        table="population",
    )


def _panel_with_attribute(inquiry: Inquiry, by: str, func: str) -> pl.DataFrame:
    """An Inquiry's ``panel`` with the participants' ``by`` attribute joined in."""
    if "panel" not in inquiry.tables:
        raise ValidationError(
            f"{func} needs a 'panel' table; the inquiry holds {sorted(inquiry.tables)}",
            table="panel",
        )
    panel = inquiry.tables["panel"]
    people = inquiry.participants
    if by not in panel.columns and by in people.columns:
        attrs = people.select("participant_id", by)
        if attrs.schema["participant_id"] == panel.schema["participant_id"]:
            panel = panel.join(attrs, on="participant_id", how="left")
    return panel


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
    return pl.col(col).cast(pl.String).fill_null(MISSING_CATEGORY)


def _people(k: int, min_cell: int) -> str:
    """``k`` participants in words, ``"fewer than <min_cell>"`` when ``k`` is a small cell."""
    if is_small_cell(k, min_cell=min_cell):
        return f"fewer than {min_cell} participants"
    return f"{k} participant{'' if k == 1 else 's'}"


def _not_given_note(k: int, attribute: str, min_cell: int, what: str) -> str:
    return (
        f"{_people(k, min_cell)} did not give their {attribute} (or preferred not to say); {what}"
    )


def _check_min_cell(min_cell: int, func: str) -> None:
    check_param(
        isinstance(min_cell, int) and not isinstance(min_cell, bool) and min_cell >= 0,
        "min_cell",
        func,
        "an int >= 0",
        min_cell,
    )


def _hidden(sup: SuppressedFrame, count_column: str) -> np.ndarray:
    """Rows of a suppressed table whose count was hidden (primary or secondary)."""
    return sup.frame.get_column(count_column).is_null().to_numpy()  # type: ignore[no-any-return]


def _pool_rows(table: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """``table`` with the rows holding a hidden cell added up into one row (last).

    Every cell of the pooled row is a published total minus published cells, so a statistic
    of the pooled table reveals nothing about a single hidden cell.
    """
    rows = hidden.any(axis=1) if hidden.ndim == 2 else hidden
    if not rows.any():
        return table
    return np.concatenate([table[~rows], table[rows].sum(axis=0, keepdims=True)])


def _pooled_table(table: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """The r x c table with the columns (or the rows, whichever keeps more degrees of
    freedom) holding a hidden cell pooled into one; empty rows and columns dropped."""

    def dof(t: np.ndarray) -> int:
        t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
        return (t.shape[0] - 1) * (t.shape[1] - 1)

    if not hidden.any():
        return table
    by_cols = _pool_rows(table.T, hidden.T).T
    by_rows = _pool_rows(table, hidden)
    best = by_cols if dof(by_cols) >= dof(by_rows) else by_rows
    return best[best.sum(axis=1) > 0][:, best.sum(axis=0) > 0]


def _hide_small_outcomes(
    published: pl.DataFrame, table: pl.DataFrame, hidden: np.ndarray, min_cell: int
) -> tuple[pl.DataFrame, int]:
    """Attrition: suppress the (stayed, left) cells of the published categories.

    The cells form a category x outcome table whose row totals (``n_pre``) and column totals
    (how many stayed, how many left) are known; the hidden categories enter as one pooled row
    (known as the column totals minus the published rows). Returns the table with
    ``n_retained``, ``n_dropped``, ``retention``, ``ci_low`` and ``ci_high`` nulled where a
    cell is hidden, and how many categories that hit.
    """
    kept = table["n_retained"].to_numpy()
    left = table["n_dropped"].to_numpy()
    cats = table["category"].to_list()
    rows = [(c, k, d) for c, k, d, h in zip(cats, kept, left, hidden, strict=True) if not h]
    if hidden.any():
        rows.append(("\x00pooled", int(kept[hidden].sum()), int(left[hidden].sum())))
    cells = pl.DataFrame(
        {
            "category": [r[0] for r in rows for _ in range(2)],
            "outcome": ["stayed", "left"] * len(rows),
            "n": [int(v) for r in rows for v in (r[1], r[2])],
        },
        schema={"category": pl.String, "outcome": pl.String, "n": pl.Int64},
    )
    sub = suppress_small_cells(
        cells, count_column="n", min_cell=min_cell, margins=[("category",), ("outcome",)]
    )
    gone = set(sub.frame.filter(pl.col("n").is_null())["category"].to_list()) - {"\x00pooled"}
    if not gone:
        return published, 0
    mask = pl.col("category").is_in(sorted(gone))
    columns = ["n_retained", "retention", "ci_low", "ci_high", "n_dropped"]
    return (
        published.with_columns(
            pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c in columns
        ),
        len(gone),
    )


def _holm_among(p: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values of the ``keep`` entries, NaN elsewhere.

    The step-down multipliers use the number of finite p-values of the whole table, so the
    result does not depend on the hidden p-values (which it would reveal) and is never
    smaller than Holm over all of them. With nothing hidden it is Holm's adjustment.
    """
    out = np.full(p.shape, np.nan)
    m = int(np.isfinite(p).sum())
    idx = np.flatnonzero(keep & np.isfinite(p))
    if idx.size == 0:
        return out
    order = idx[np.argsort(p[idx], kind="stable")]
    steps = (m - np.arange(order.size)) * p[order]
    out[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return out


# ---------------------------------------------------------------------------------------------
# breakdowns


def participation_breakdown(
    participants: pl.DataFrame | Inquiry,
    *,
    by: str | Sequence[str],
    participant_id: str = "participant_id",
    weight: str | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
) -> BreakdownResult:
    """Counts and shares of participants by attribute (age band, gender, area, ...).

    Parameters
    ----------
    participants : pl.DataFrame or Inquiry
        One row per participant with the attribute columns (an Inquiry's ``participants``).
    by : str or sequence of str
        Attributes to break down (each separately; a missing value is its own category
        ``"(missing)"``).
    participant_id : str, default "participant_id"
        The column holding the participant ids.
    weight : str, optional
        A column of weights: also report weighted shares (e.g. after :func:`rake_weights`).
    min_cell : int, default 5
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
    [6, None, None]
    >>> res.notes[0]
    'Cells with fewer than 5 participants are suppressed (1 of 3 rows). 1 more row is hidden so that they cannot be worked out from the totals.'

    (With 12 participants known, ``x`` would be 12 - 6 - 5, so ``m`` is hidden too.)
    """
    func = "participation_breakdown"
    participants = _participants_of(participants, func)
    id_column, weight_column = participant_id, weight
    cols = [by] if isinstance(by, str) else list(by)
    check_param(len(cols) > 0, "by", func, "at least one column name", by)
    _check_min_cell(min_cell, func)
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
    # the number of participants is published, so each attribute's counts have a known total
    sup = suppress_small_cells(table, count_column="n", min_cell=min_cell, margins=[("attribute",)])
    return BreakdownResult(
        table=sup.frame,
        method=func,
        min_cell=min_cell,
        notes=(sup.note,) if sup.note else (),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(participants),
            parameters={"by": cols, "weight_column": weight_column, "min_cell": min_cell},
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
    elif (
        isinstance(population, pl.DataFrame)
        and attribute not in population.columns
        and {"attribute", "category", share_column} <= set(population.columns)
    ):  # the long ``population`` table of an inquiry
        rows = population.filter(pl.col("attribute").cast(pl.String) == attribute)
        if rows.height == 0:
            raise ValidationError(
                f"the population table has no row for attribute '{attribute}'; it lists "
                f"{sorted(population['attribute'].cast(pl.String).unique().to_list())}",
                table="population",
                column="attribute",
            )
        return _population_shares(
            rows.select(pl.col("category").alias(attribute), share_column),
            attribute=attribute,
            share_column=share_column,
            func=func,
        )
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
    participants: pl.DataFrame | Inquiry,
    population: pl.DataFrame | Mapping[Any, float] | None = None,
    *,
    attribute: str,
    participant_id: str = "participant_id",
    share: str = "share",
    alpha: float = 0.05,
    min_cell: int = DEFAULT_MIN_CELL,
    n_resamples: int = 5000,
    seed: int = 0,
) -> BreakdownResult:
    """Compare participants with a reference population on one attribute.

    Parameters
    ----------
    participants : pl.DataFrame or Inquiry
        One row per participant (an Inquiry's ``participants``).
    population : pl.DataFrame or mapping, optional
        Reference shares (or counts; they are normalised) per category: the inquiry's
        ``population`` table (``attribute``, ``category``, ``share``) as it is stored, a table
        with a column named after the attribute and a ``share`` column, or
        ``{category: share}``. Default: the ``population`` table of the Inquiry passed.
    attribute : str
        The attribute compared (a participants column).
    participant_id, share : str
        The columns holding each canonical column, named after it.
    alpha : float, default 0.05
        The Wilson intervals have coverage ``1 - alpha``; the per-category tests use level
        ``alpha``.
    min_cell : int, default 5
        Counts below this are suppressed in the published table, with every statistic of
        the row; as the number of participants is known, a second category is hidden when
        one alone would be the total minus the others.
    n_resamples : int, default 5000
        Multinomial draws of the Monte Carlo goodness-of-fit p-value, used when expected
        counts are small (Cochran's rule).
    seed : int, default 0
        Seed of those draws.

    Returns
    -------
    BreakdownResult
        Goodness-of-fit chi-square in ``statistic``/``p_value``, Cohen's w in
        ``effect_size``; ``table`` columns: ``category``, ``n``, ``sample_share``,
        ``ci_low``, ``ci_high`` (Wilson), ``population_share``, ``expected``, ``ratio``
        (sample / population share), ``residual`` (Pearson), ``p_value`` (exact binomial),
        ``p_adjusted`` (Holm across categories) and ``status``: ``"over"``, ``"under"`` or
        ``"ok"`` (adjusted p < alpha decides), or ``"missing"`` when nobody from a category
        with a positive population share is among the participants (``notes`` then says
        "Nobody from <category> yet"). In a hidden row only ``category`` and
        ``population_share`` are published. When rows are hidden, the goodness-of-fit test
        pools the hidden categories into one and the Holm adjustment is made among the
        published categories (see the module notes).

        Participants who did not give the attribute (:data:`NOT_GIVEN`: no value, or
        "prefer not to say") are left out of the comparison, with a note, unless the
        population lists such a category. When nobody has given it yet (early in a live
        session), every category is ``"missing"`` and there is no test (``statistic`` and
        ``p_value`` None).

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

    Who is missing is reported, not refused:

    >>> few = compare_to_population(people.head(20), {"16-34": 0.3, "35-64": 0.5, "65+": 0.2},
    ...                             attribute="age", min_cell=0)
    >>> few.table.select("category", "n", "status").rows()
    [('16-34', 15, 'over'), ('35-64', 5, 'under'), ('65+', 0, 'missing')]
    >>> few.notes[0]
    'Nobody from 65+ yet (20% of the population).'
    """
    from scipy import stats

    func = "compare_to_population"
    if population is None:
        population = _population_of(participants, func)
    participants = _participants_of(participants, func)
    id_column, share_column = participant_id, share
    check_param(0 < alpha < 1, "alpha", func, "a float in (0, 1)", alpha)
    _check_min_cell(min_cell, func)
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
    n_not_given = sum(counts.pop(c) for c in NOT_GIVEN if c in counts and c not in shares)
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
    given_note = (
        [_not_given_note(n_not_given, attribute, min_cell, "they are left out of this comparison.")]
        if n_not_given
        else []
    )
    if n == 0:
        return _nobody_yet(cats, pop, attribute, given_note, participants, shares, alpha, min_cell)
    expected = n * pop
    pos = pop > 0
    if np.any(obs[~pos] > 0):
        bad = [c for c, o, p in zip(cats, obs, pop, strict=True) if p == 0 and o > 0]
        raise ValidationError(
            f"categories {bad} have population share 0 but participants in the sample",
            table="population",
        )
    counts_frame = pl.DataFrame({"category": cats, "n": obs.astype(np.int64)})
    sup = suppress_small_cells(counts_frame, count_column="n", min_cell=min_cell, margins=[()])
    hidden = _hidden(sup, "n")
    # the test on the published table: hidden categories pooled into one
    t_obs, t_pop = _pool_rows(obs, hidden), _pool_rows(pop, hidden)
    t_exp = n * t_pop
    t_pos = t_pop > 0
    chi2 = float(((t_obs[t_pos] - t_exp[t_pos]) ** 2 / t_exp[t_pos]).sum())
    dof = int(t_pos.sum()) - 1
    p_asym = float(stats.chi2.sf(chi2, dof)) if dof > 0 else float("nan")
    p_value, p_method = p_asym, "chi2"
    if dof > 0 and small_expected(t_exp[t_pos]):
        rng = np.random.default_rng(seed)
        sims = rng.multinomial(int(n), t_pop[t_pos], size=n_resamples).astype(float)
        sim_stats = ((sims - t_exp[t_pos]) ** 2 / t_exp[t_pos]).sum(axis=1)
        p_value = float((1 + np.sum(sim_stats >= chi2 - 1e-9 * max(chi2, 1.0))) / (1 + n_resamples))
        p_method = "monte-carlo"
    lo, hi = wilson_interval(obs, n, alpha=alpha)
    p_each = np.array(
        [
            stats.binomtest(int(o), int(n), float(p)).pvalue if p > 0 else np.nan
            for o, p in zip(obs, pop, strict=True)
        ]
    )
    p_adj = _holm_among(p_each, ~hidden)
    status = np.where(p_adj < alpha, np.where(obs / n > pop, "over", "under"), "ok")
    absent = (obs == 0) & (pop > 0) & ~hidden
    status = np.where(absent, "missing", status).tolist()
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
    mask = pl.Series("_hidden", hidden)
    statistics = [c for c in table.columns if c not in ("category", "population_share")]
    table = table.with_columns(
        pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c in statistics
    )
    notes = [
        f"Nobody from {c} yet ({fmt_pct(p)} of the population)."
        for c, p, a in zip(cats, pop, absent, strict=True)
        if a
    ]
    notes += given_note
    notes.append(
        "status: exact binomial test per category, Holm-adjusted across categories "
        f"(alpha = {alpha}); 'missing': nobody from the category is among the participants."
    )
    if sup.note:
        notes.insert(0, sup.note)
        notes.append(
            "The goodness-of-fit test pools the hidden categories into one, and the Holm "
            "adjustment is made among the published categories, so that no published number "
            "gives a hidden count away."
        )
    if p_method == "monte-carlo":
        notes.append(
            f"Expected counts are small; the goodness-of-fit p-value is a Monte Carlo "
            f"p-value from {n_resamples} multinomial draws (seed {seed})."
        )
    return BreakdownResult(
        table=table,
        method=func,
        alpha=alpha,
        estimate="sample_share",
        test="chi-square goodness of fit",
        statistic=chi2,
        dof=float(dof),
        p_value=p_value,
        p_method=p_method,
        effect_size=float(np.sqrt(chi2 / n)),
        min_cell=min_cell,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(participants),
            parameters={
                "attribute": attribute,
                "population": shares,
                "alpha": alpha,
                "min_cell": min_cell,
                "n_resamples": n_resamples,
            },
            seed=seed,
        ),
    )


def _nobody_yet(
    cats: list[str],
    pop: np.ndarray,
    attribute: str,
    given_note: list[str],
    participants: pl.DataFrame,
    shares: dict[str, float],
    alpha: float,
    min_cell: int,
) -> BreakdownResult:
    """The comparison before anyone has given the attribute: every category missing, no test."""
    func = "compare_to_population"
    nulls = pl.Series([None] * len(cats), dtype=pl.Float64)
    table = pl.DataFrame(
        {
            "category": cats,
            "n": np.zeros(len(cats), dtype=np.int64),
            "sample_share": nulls,
            "ci_low": nulls,
            "ci_high": nulls,
            "population_share": pop,
            "expected": np.zeros(len(cats)),
            "ratio": nulls,
            "residual": nulls,
            "p_value": nulls,
            "p_adjusted": nulls,
            "status": ["missing" if p > 0 else "ok" for p in pop],
        }
    )
    return BreakdownResult(
        table=table,
        method=func,
        alpha=alpha,
        estimate="sample_share",
        min_cell=min_cell,
        notes=(
            f"Nobody has given their {attribute} yet, so there is nothing to compare with "
            "the population.",
            *given_note,
        ),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(participants),
            parameters={
                "attribute": attribute,
                "population": shares,
                "alpha": alpha,
                "min_cell": min_cell,
            },
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


def _trim(w: np.ndarray, cap: float) -> np.ndarray:
    """Trim ``w`` so that no weight exceeds ``cap`` times the mean of the trimmed weights.

    Trimming lowers the mean, so capping at ``cap`` times the old mean is not enough. The
    level ``L`` with the ``k`` largest weights set to ``L`` and ``L = cap * mean`` solves
    ``L = cap * rest / (n - cap * k)`` (``rest``: the sum of the other weights); the smallest
    ``k`` for which it lies between the ``k``-th and ``k+1``-th largest weight is used.
    """
    n = w.size
    if w.max() <= cap * w.mean() * (1 + 1e-12):
        return w
    desc = np.sort(w)[::-1]
    rest = desc.sum() - np.cumsum(desc)  # rest[k - 1]: sum of all but the k largest
    for k in range(1, n):
        if n - cap * k <= 0:
            break
        level = cap * rest[k - 1] / (n - cap * k)
        if desc[k] <= level <= desc[k - 1]:
            return np.minimum(w, level)
    for _ in range(10_000):  # not reached for cap > 1; kept as a safe fallback
        limit = cap * w.mean()
        if w.max() <= limit * (1 + 1e-12):
            break
        w = np.minimum(w, limit)
    return w


def _unweighted_margins(
    rows: list[dict[str, Any]], counts: list[int], min_cell: int
) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """The margins table with the unweighted (and achieved) share of small categories hidden,
    and of a second category of the same attribute when one alone could be worked out from
    100%. The achieved share is hidden too: with the weights it gives the count away."""
    frame = pl.DataFrame(rows).with_columns(pl.Series("n", counts, dtype=pl.Int64))
    sup = suppress_small_cells(
        frame,
        count_column="n",
        min_cell=min_cell,
        also=["unweighted", "achieved"],
        margins=[("attribute",)],
    )
    return sup.frame.drop("n"), ((sup.note,) if sup.note else ())


def _kish(w: np.ndarray) -> tuple[float, float]:
    deff = float(w.size * np.sum(w**2) / np.sum(w) ** 2)
    return deff, float(w.size / deff)


def rake_weights(
    participants: pl.DataFrame | Inquiry,
    margins: Mapping[str, Mapping[Any, float]] | pl.DataFrame,
    *,
    participant_id: str = "participant_id",
    max_iter: int = 1000,
    tol: float = 1e-10,
    cap: float | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
) -> WeightsResult:
    """Raking weights (iterative proportional fitting) that reproduce target margins.

    Starting from weights 1, each pass scales the weights of every category of every
    attribute in turn so that the weighted shares equal the targets (Deming & Stephan 1940),
    until the largest margin error is below ``tol``.

    Parameters
    ----------
    participants : pl.DataFrame or Inquiry
        One row per participant with a column per attribute in ``margins`` (an Inquiry's
        ``participants``).
    margins : mapping or pl.DataFrame
        ``{attribute: {category: share}}`` or a table ``attribute, category, share`` (the
        inquiry's ``population`` table as stored). Shares of an attribute are normalised to
        sum to 1.
    participant_id : str, default "participant_id"
        The column holding the participant ids.
    max_iter : int, default 1000
        Maximum number of passes.
    tol : float, default 1e-10
        Convergence: largest absolute difference between a weighted and a target share.
    cap : float, optional
        After each pass, trim the weights so that none exceeds ``cap`` times the mean of the
        trimmed weights (the cap holds for the returned weights, whose mean is 1; margins are
        then only approximately met, ``converged`` tells).
    min_cell : int, default 5
        In ``margins``, the ``unweighted`` share of a category with fewer participants is
        hidden (and that of a second category of the same attribute when the hidden one
        could be worked out from 100%).

    Returns
    -------
    WeightsResult
        ``weights`` (``participant_id``, ``weight``; mean 1), ``margins`` with the achieved shares,
        ``design_effect`` and ``effective_n``.

    Notes
    -----
    Early in a live session some categories have nobody in them yet, and some people do not
    say (:data:`NOT_GIVEN`). Raking then goes on with what it has and says so in ``notes``:
    a category with a positive target and nobody in it is dropped (its ``margins`` row shows
    its target with ``achieved`` 0) and the targets of the others are scaled up to fill its
    share, since weights cannot stand in for people who are not there; participants who did
    not give an attribute keep their own share of the weights on it. With no participants,
    or when nobody gave any attribute yet, weighting is skipped (every weight 1,
    ``iterations`` 0) with the reason in ``notes``. Categories that are neither in the
    targets nor :data:`NOT_GIVEN` are a data error.

    Examples
    --------
    >>> people = pl.DataFrame({"participant_id": range(6),
    ...                        "gender": ["f", "f", "f", "f", "m", "m"],
    ...                        "age": ["young", "old", "old", "old", "young", "old"]})
    >>> margins = {"gender": {"f": 0.5, "m": 0.5}, "age": {"young": 0.5, "old": 0.5}}
    >>> res = rake_weights(people, margins, min_cell=0)
    >>> res.margins.select("attribute", "category", "achieved").rows()
    [('gender', 'f', 0.5), ('gender', 'm', 0.5), ('age', 'old', 0.5), ('age', 'young', 0.5)]

    With the default ``min_cell=5`` these 6 people are all in small categories, so their
    shares are not published:

    >>> rake_weights(people, margins).margins["unweighted"].null_count()
    4
    >>> w = rake_weights(people, margins, cap=1.2).weights["weight"]
    >>> bool(w.max() <= 1.2 * w.mean() + 1e-12)
    True

    A category nobody is in yet is dropped with a note, never an error:

    >>> early = rake_weights(people, {"gender": {"f": 0.4, "m": 0.4, "x": 0.2}}, min_cell=0)
    >>> early.margins.select("category", "target", "achieved").rows()
    [('f', 0.5, 0.5), ('m', 0.5, 0.5), ('x', 0.2, 0.0)]
    >>> early.notes[0][:41]
    'Nobody from x (20% of the population) is '
    """
    func = "rake_weights"
    participants = _participants_of(participants, func)
    id_column = participant_id
    targets = _margins_dict(margins, func)
    check_param(
        isinstance(max_iter, int) and max_iter >= 1, "max_iter", func, "an int >= 1", max_iter
    )
    check_param(tol > 0, "tol", func, "a float > 0", tol)
    check_param(cap is None or cap > 1, "cap", func, "None or a float > 1", cap)
    _check_min_cell(min_cell, func)
    _check_frame(participants, "participants", func, [id_column, *targets])
    _unique_ids(participants, id_column, "participants")
    n = participants.height
    params = {
        "margins": targets,
        "max_iter": max_iter,
        "tol": tol,
        "cap": cap,
        "min_cell": min_cell,
    }
    if n == 0:
        return _unweighted(
            participants, id_column, func, ("No participants yet: weighting was skipped.",), params
        )
    codes: dict[str, tuple[np.ndarray, list[str], np.ndarray]] = {}
    notes: list[str] = []
    dropped: list[dict[str, Any]] = []
    for attr, shares in targets.items():
        code, cats, target, attr_notes, attr_dropped = _raking_margin(
            participants.select(_category(attr)).to_series().to_list(), attr, shares, min_cell
        )
        notes += attr_notes
        dropped += attr_dropped
        if code is not None:
            codes[attr] = (code, cats, target)
    if not codes:
        notes.append("Weighting was skipped: no attribute has participants in it yet.")
        return _unweighted(participants, id_column, func, tuple(notes), params)
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
            w = _trim(w, cap)
        err = max(
            float(np.abs(np.bincount(c, weights=w, minlength=t.size) / w.sum() - t).max())
            for c, _, t in codes.values()
        )
        if err < tol:
            converged = True
            break
    w = w * n / w.sum()
    rows: list[dict[str, Any]] = []
    sizes: list[int] = []
    for attr, (code, cats, target) in codes.items():
        achieved = np.bincount(code, weights=w, minlength=len(cats)) / n
        size = np.bincount(code, minlength=len(cats))
        for i, c in enumerate(cats):
            if c == _NOT_GIVEN_CELL:  # their own share, kept: not a category to publish
                continue
            rows.append(
                {
                    "attribute": attr,
                    "category": c,
                    "target": float(target[i]),
                    "achieved": float(achieved[i]),
                    "unweighted": float(size[i] / n),
                }
            )
            sizes.append(int(size[i]))
    rows += dropped
    sizes += [0] * len(dropped)
    margins_table, margin_notes = _unweighted_margins(rows, sizes, min_cell)
    order = {a: i for i, a in enumerate(targets)}
    margins_table = margins_table.sort(
        pl.col("attribute").replace_strict(order, return_dtype=pl.Int64), "category"
    )
    deff, n_eff = _kish(w)
    notes = [*margin_notes, *notes]
    if not converged:
        notes.append(
            f"Raking did not reach tol={tol} within {max_iter} passes"
            + (" (weights were capped)" if cap is not None else "")
            + "; compare 'achieved' with 'target'."
        )
    return WeightsResult(
        weights=pl.DataFrame({id_column: participants[id_column], "weight": w}),
        margins=margins_table,
        method=func,
        iterations=iterations,
        converged=converged,
        design_effect=deff,
        effective_n=n_eff,
        notes=tuple(notes),
        provenance=Provenance(
            method=func, input_fingerprint=fingerprint_frames(participants), parameters=params
        ),
    )


#: The raking cell of the participants who did not give an attribute (never published).
_NOT_GIVEN_CELL = "\x00not given"


def _raking_margin(
    values: list[str], attr: str, shares: dict[str, float], min_cell: int
) -> tuple[np.ndarray | None, list[str], np.ndarray, list[str], list[dict[str, Any]]]:
    """One attribute's raking codes and targets, as the participants allow.

    A category nobody is in is dropped (its row goes to the margins with ``achieved`` 0) and
    the targets of the others are scaled up to fill its share; participants who did not give
    the attribute form a cell whose target is their own share (raking leaves them be on this
    attribute). Returns ``(None, ...)`` when nobody gave the attribute.
    """
    cats = sorted(shares)
    known = set(cats)
    unknown = sorted({v for v in values if v not in known and v not in NOT_GIVEN})
    if unknown:
        raise ValidationError(
            f"categories {unknown} have no target share; targets are given for {cats}",
            table="participants",
            column=attr,
        )
    n = len(values)
    counts = {c: 0 for c in cats}
    for v in values:
        if v in known:
            counts[v] += 1
    n_not_given = n - sum(counts.values())
    notes: list[str] = []
    if n_not_given == n:
        notes.append(f"Nobody has given their {attr} yet: the weights do not adjust for {attr}.")
        return None, cats, np.zeros(0), notes, []
    empty = [c for c in cats if shares[c] > 0 and counts[c] == 0]
    dropped = [
        {"attribute": attr, "category": c, "target": shares[c], "achieved": 0.0, "unweighted": 0.0}
        for c in empty
    ]
    if empty:
        lost = sum(shares[c] for c in empty)
        named = ", ".join(f"{c} ({fmt_pct(shares[c])} of the population)" for c in empty)
        notes.append(
            f"Nobody from {named} is among the participants, and weighting cannot stand in "
            f"for people who are not there: {'that category was' if len(empty) == 1 else 'those categories were'} "
            f"left out and the targets of the other {attr} categories scaled up to fill "
            f"{fmt_pct(lost)}."
        )
    kept = [c for c in cats if c not in empty]
    total = sum(shares[c] for c in kept)
    given_share = 1.0 - n_not_given / n
    target = [shares[c] / total * given_share if total > 0 else 0.0 for c in kept]
    if n_not_given:
        notes.append(
            _not_given_note(
                n_not_given,
                attr,
                min_cell,
                f"they keep their share of the weights on {attr} and the targets of the "
                "others are scaled to the rest.",
            )
        )
        kept.append(_NOT_GIVEN_CELL)
        target.append(n_not_given / n)
    index = {c: i for i, c in enumerate(kept)}
    code = np.array([index.get(v, index.get(_NOT_GIVEN_CELL, 0)) for v in values])
    return code, kept, np.array(target), notes, dropped


def _unweighted(
    participants: pl.DataFrame,
    id_column: str,
    func: str,
    notes: tuple[str, ...],
    params: dict[str, Any],
) -> WeightsResult:
    """Weights of 1 for everyone (weighting skipped), with the reason in ``notes``."""
    n = participants.height
    return WeightsResult(
        weights=pl.DataFrame(
            {id_column: participants[id_column], "weight": np.ones(n)},
            schema={id_column: participants.schema[id_column], "weight": pl.Float64},
        ),
        margins=pl.DataFrame(
            schema={
                "attribute": pl.String,
                "category": pl.String,
                "target": pl.Float64,
                "achieved": pl.Float64,
                "unweighted": pl.Float64,
            }
        ),
        method=func,
        iterations=0,
        converged=False,
        design_effect=1.0,
        effective_n=float(n),
        notes=notes,
        provenance=Provenance(
            method=func, input_fingerprint=fingerprint_frames(participants), parameters=params
        ),
    )


def poststratify_weights(
    participants: pl.DataFrame | Inquiry,
    population: pl.DataFrame,
    *,
    cells: str | Sequence[str],
    share: str = "share",
    participant_id: str = "participant_id",
    min_cell: int = DEFAULT_MIN_CELL,
) -> WeightsResult:
    """Post-stratification weights: population share of a participant's cell / sample share.

    Parameters
    ----------
    participants : pl.DataFrame or Inquiry
        One row per participant with the ``cells`` columns (an Inquiry's ``participants``).
    population : pl.DataFrame
        One row per cell (combination of the ``cells`` columns) with a ``share`` column
        (shares or counts, normalised).
    cells : str or sequence of str
        The columns defining the cells (e.g. ``["age", "gender"]``).
    share, participant_id : str
        The columns holding each canonical column, named after it.
    min_cell : int, default 5
        In ``margins``, the ``unweighted`` share of a cell with fewer participants is hidden
        (and that of a second cell when the hidden one could be worked out from 100%).

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
    participants = _participants_of(participants, func)
    id_column, share_column = participant_id, share
    cols = [cells] if isinstance(cells, str) else list(cells)
    check_param(len(cols) > 0, "cells", func, "at least one column name", cells)
    _check_frame(participants, "participants", func, [id_column, *cols])
    _check_frame(population, "population", func, [*cols, share_column])
    _unique_ids(participants, id_column, "participants")
    _check_min_cell(min_cell, func)
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
    params = {"cells": cols, "share_column": share_column, "min_cell": min_cell}
    n = participants.height
    if n == 0:
        return _unweighted(
            participants, id_column, func, ("No participants yet: weighting was skipped.",), params
        )
    not_given = pl.any_horizontal(_category(c).is_in(list(NOT_GIVEN)) for c in cols)
    part = participants.with_columns(key)
    part = part.with_columns(
        pl.when(not_given & ~pl.col("_cell").is_in(list(shares)))
        .then(pl.lit(_NOT_GIVEN_CELL))
        .otherwise(pl.col("_cell"))
        .alias("_cell")
    )
    counts = dict(part.group_by("_cell").agg(pl.len()).iter_rows())
    n_not_given = int(counts.pop(_NOT_GIVEN_CELL, 0))
    unknown = sorted(set(counts) - set(shares))
    if unknown:
        raise ValidationError(
            f"participants fall in cells {unknown} that the population table does not list",
            table="participants",
        )
    notes: list[str] = []
    empty = sorted(c for c, s in shares.items() if s > 0 and c not in counts)
    if n_not_given == n:
        notes.append(f"Nobody has given their {', '.join(cols)} yet: weighting was skipped.")
        return _unweighted(participants, id_column, func, tuple(notes), params)
    if empty:
        notes.append(
            f"Nobody from the cells {empty} is among the participants, and weighting cannot "
            "stand in for people who are not there: those cells were left out and the "
            f"targets of the others scaled up to fill {fmt_pct(sum(shares[c] for c in empty))}."
        )
    if n_not_given:
        notes.append(
            _not_given_note(
                n_not_given,
                ", ".join(cols),
                min_cell,
                "they keep weight 1 and the targets of the others are scaled to the rest.",
            )
        )
    kept_total = sum(shares[c] for c in counts)
    scale = (n - n_not_given) / n / kept_total
    cell_w = {c: shares[c] * scale * n / counts[c] for c in counts}
    cell_w[_NOT_GIVEN_CELL] = 1.0
    w = np.array([cell_w[c] for c in part["_cell"].to_list()])
    deff, n_eff = _kish(w)
    margins, margin_notes = _unweighted_margins(
        [
            {
                "attribute": "cell",
                "category": c,
                "target": shares[c] * scale if c in counts else shares[c],
                "achieved": shares[c] * scale if c in counts else 0.0,
                "unweighted": counts.get(c, 0) / n,
            }
            for c in sorted(shares)
        ],
        [int(counts.get(c, 0)) for c in sorted(shares)],
        min_cell,
    )
    notes = [*margin_notes, *notes]
    return WeightsResult(
        weights=pl.DataFrame({id_column: participants[id_column], "weight": w}),
        margins=margins,
        method=func,
        iterations=1,
        converged=True,
        design_effect=deff,
        effective_n=n_eff,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(participants, population),
            parameters=params,
        ),
    )


# ---------------------------------------------------------------------------------------------
# opinion groups, exposure, attrition


def group_composition(
    participants: pl.DataFrame | Inquiry,
    *,
    attribute: str,
    group: str = "group",
    participant_id: str = "participant_id",
    min_cell: int = DEFAULT_MIN_CELL,
    n_resamples: int = 5000,
    seed: int = 0,
    progress: bool = True,
) -> BreakdownResult:
    """Do opinion groups differ in demographic make-up? Chi-square on group x attribute.

    Participants with no group are left out. The p-value is asymptotic unless expected
    counts are small (Cochran's rule), in which case it is a Monte Carlo permutation p-value
    (``n_resamples``, ``seed``); ``p_method`` says which.

    Parameters
    ----------
    participants : pl.DataFrame or Inquiry
        One row per participant with the group and attribute columns.
    attribute : str
        The demographic attribute.
    group : str, default "group"
        The column of opinion groups (letters A, B, ...).
    participant_id : str, default "participant_id"
        The column holding the participant ids.
    min_cell : int, default 5
        Group x category cells with fewer participants are suppressed.
    n_resamples : int, default 5000
        Monte Carlo resamples when expected counts are small.
    seed : int, default 0
        Seed of the resampling.
    progress : bool, default True
        Show a progress bar while resampling.

    Returns
    -------
    BreakdownResult
        Cramér's V in ``effect_size``. ``table`` columns: ``group``, ``category``, ``n``,
        ``share_of_group`` (row share), ``expected``, ``adjusted_residual`` (Haberman; abs(r) > 2
        marks a notable cell). A hidden cell shows none of them; as group and category sizes
        follow from the expected counts, cells are hidden in pairs along rows and columns
        (secondary suppression) and the test pools the hidden cells' categories (or groups)
        into one. No test is reported when pooling leaves fewer than 2 rows or columns. When
        a category has fewer than ``min_cell`` people in all, ``expected`` and
        ``adjusted_residual`` are null throughout (they would reveal its size).

    Examples
    --------
    >>> people = pl.DataFrame({"participant_id": range(40),
    ...                        "group": ["A"] * 20 + ["B"] * 20,
    ...                        "age": ["young"] * 15 + ["old"] * 5 + ["young"] * 5 + ["old"] * 15})
    >>> res = group_composition(people, attribute="age")
    >>> round(res.statistic, 2), res.p_method
    (10.0, 'chi2')
    """
    func = "group_composition"
    participants = _participants_of(participants, func)
    id_column, group_column = participant_id, group
    _check_min_cell(min_cell, func)
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
    # group sizes and category sizes are public: they follow from the expected counts (and
    # from the adjusted residuals). When a category has fewer than min_cell people in all,
    # its size would be a small count, so neither column is published and only the group
    # sizes (from the shares) are.
    col_total = table.sum(axis=0)
    small_category = any(is_small_cell(int(t), min_cell=min_cell) for t in col_total)
    if small_category:
        out = out.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("expected"),
            pl.lit(None, dtype=pl.Float64).alias("adjusted_residual"),
        )
    sup = suppress_small_cells(
        out,
        count_column="n",
        min_cell=min_cell,
        also=["share_of_group", "expected", "adjusted_residual"],
        margins=[("group",)] if small_category else [("group",), ("category",)],
    )
    notes = [sup.note] if sup.note else []
    if small_category:
        notes.append(
            f"A category has fewer than {min_cell} people in all, so expected counts and "
            "residuals are not shown (they would give its size away)."
        )
    hidden = _hidden(sup, "n").reshape(table.shape)
    tested = _pooled_table(table, hidden)
    res = None
    if tested.shape[0] >= 2 and tested.shape[1] >= 2:
        res = chi2_independence(tested, n_resamples=n_resamples, seed=seed, progress=progress)
    if hidden.any():
        notes.append(
            "The chi-square test pools the hidden cells' "
            + ("groups" if tested.shape[0] < table.shape[0] else "categories")
            + " into one, so that the test statistic gives no hidden count away."
            if res is not None
            else "No test is shown: with the hidden cells pooled too little is left to test."
        )
    if res is not None and res.method == "monte-carlo":
        notes.append(
            f"Expected counts are small (min {res.min_expected:.2g}); the p-value is a Monte "
            f"Carlo permutation p-value ({n_resamples} resamples, seed {seed})."
        )
    dropped = participants.height - data.height
    if dropped:
        notes.append(f"{dropped} participant(s) without a group were left out.")
    return BreakdownResult(
        table=sup.frame,
        method=func,
        test=f"chi-square test of independence ({group_column} x {attribute})"
        if res is not None
        else "",
        statistic=res.chi2 if res is not None else None,
        dof=res.dof if res is not None else None,
        p_value=res.p_value if res is not None else None,
        p_method=res.method if res is not None else "",
        effect_size=res.cramers_v if res is not None else None,
        min_cell=min_cell,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(participants),
            parameters={
                "group_column": group_column,
                "attribute": attribute,
                "min_cell": min_cell,
                "n_resamples": n_resamples,
            },
            seed=seed,
        ),
    )


def statement_exposure(
    votes: pl.DataFrame,
    statements: pl.DataFrame,
    *,
    author_group: str = "author_group",
    statement_id: str = "statement_id",
    min_cell: int = DEFAULT_MIN_CELL,
) -> BreakdownResult:
    """Are some groups' statements rarely seen? Votes per statement by author group.

    Parameters
    ----------
    votes : pl.DataFrame
        One row per vote (any vote, pass included, counts as the statement being seen), with
        ``statement_id``.
    statements : pl.DataFrame
        One row per statement with ``statement_id`` and ``author_group`` (the opinion or
        demographic group of its author). Statements nobody voted on count as 0.
    author_group, statement_id : str
        The columns holding each canonical column, named after it.
    min_cell : int, default 5
        Author groups with fewer statements are suppressed.

    Returns
    -------
    BreakdownResult
        Kruskal-Wallis test of votes per statement across author groups; ``table`` columns:
        ``author_group``, ``n_statements``, ``n_votes``, ``mean_votes_per_statement``,
        ``median_votes_per_statement``, ``share_of_statements``, ``share_of_votes``,
        ``exposure_ratio`` (share of votes / share of statements; below 1 means
        under-exposed). Groups with fewer than ``min_cell`` statements are suppressed.

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
    author_group_column, statement_column = author_group, statement_id
    _check_min_cell(min_cell, func)
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
        min_cell=min_cell,
        unit="statements",
        also=[
            "n_votes",
            "mean_votes_per_statement",
            "median_votes_per_statement",
            "share_of_statements",
            "share_of_votes",
            "exposure_ratio",
        ],
        margins=[()],  # the number of statements follows from the shares
    )
    if sup.note:
        notes.insert(0, sup.note)
    return BreakdownResult(
        table=sup.frame,
        method=func,
        test="Kruskal-Wallis test of votes per statement across author groups",
        statistic=stat,
        dof=dof,
        p_value=p,
        p_method="chi2" if p is not None else "",
        min_cell=min_cell,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(votes, statements),
            parameters={"author_group_column": author_group_column, "min_cell": min_cell},
        ),
    )


def attrition(
    panel: pl.DataFrame | Inquiry,
    *,
    by: str,
    participant_id: str = "participant_id",
    wave: str = "wave",
    pre: Any = "pre",
    post: Any = "post",
    alpha: float = 0.05,
    min_cell: int = DEFAULT_MIN_CELL,
    n_resamples: int = 5000,
    seed: int = 0,
    progress: bool = True,
) -> BreakdownResult:
    """Which groups drop out between pre and post? Retention by participant attribute.

    A participant is retained when they have any row in the ``post`` wave. The attribute is
    read from the pre wave.

    Parameters
    ----------
    panel : pl.DataFrame or Inquiry
        The ``panel`` table with the ``by`` column (an Inquiry's panel gets the participants'
        attribute joined in).
    by : str
        The participant attribute.
    participant_id, wave : str
        The columns holding each canonical column, named after it.
    pre, post : any, default "pre", "post"
        The labels of the two waves.
    alpha : float, default 0.05
        The Wilson intervals of the retention have coverage ``1 - alpha``.
    min_cell : int, default 5
        Categories with fewer participants at ``pre`` are suppressed.
    n_resamples : int, default 5000
        Monte Carlo resamples when expected counts are small.
    seed : int, default 0
        Seed of the resampling.
    progress : bool, default True
        Show a progress bar while resampling.

    Returns
    -------
    BreakdownResult
        Chi-square test of retention x category (Monte Carlo p-value for small cells) with
        Cramér's V; ``table`` columns: ``category``, ``n_pre``, ``n_retained``,
        ``retention``, ``ci_low``, ``ci_high`` (Wilson), ``n_dropped``. Categories with
        fewer than ``min_cell`` people at ``pre`` are hidden (with a second one when the
        total would give them away). In a published category, ``n_retained``,
        ``n_dropped``, ``retention`` and its interval are hidden when fewer than
        ``min_cell`` people stayed or left, and in further categories as the
        category x (stayed, left) table with its totals requires (secondary suppression).

    Examples
    --------
    >>> stayed = list(range(18)) + list(range(20, 32)) + list(range(40, 50))
    >>> panel = pl.DataFrame({
    ...     "participant_id": list(range(60)) + stayed,
    ...     "wave": ["pre"] * 60 + ["post"] * 40,
    ...     "age": ["young"] * 20 + ["mid"] * 20 + ["old"] * 20
    ...            + ["young"] * 18 + ["mid"] * 12 + ["old"] * 10,
    ... })
    >>> res = attrition(panel, by="age", progress=False)
    >>> res.table.select("category", "n_pre", "retention").rows()
    [('mid', 20, 0.6), ('old', 20, None), ('young', 20, None)]

    Only 2 young people left, so young's split is hidden, and old's too (the smallest other
    number who stayed): with the numbers who stayed and left known, young's would be those
    minus the others.
    """
    func = "attrition"
    id_column, wave_column = participant_id, wave
    if isinstance(panel, Inquiry):
        panel = _panel_with_attribute(panel, by, func)
    check_param(0 < alpha < 1, "alpha", func, "a float in (0, 1)", alpha)
    _check_min_cell(min_cell, func)
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
    sup = suppress_small_cells(
        table,
        count_column="n_pre",
        min_cell=min_cell,
        also=["n_retained", "retention", "ci_low", "ci_high", "n_dropped"],
        margins=[()],  # the number of participants at pre is published
    )
    notes = [sup.note] if sup.note else []
    hidden = _hidden(sup, "n_pre")
    tested = _pool_rows(np.column_stack([kept, n_pre - kept]), hidden)
    res = chi2_independence(tested, n_resamples=n_resamples, seed=seed, progress=progress)
    if hidden.any():
        notes.append(
            "The chi-square test pools the hidden categories into one, so that the test "
            "statistic gives no hidden count away."
        )
    # a small number of drop-outs (or stayers) in a published category is disclosive too
    published, n_sub = _hide_small_outcomes(sup.frame, table, hidden, min_cell)
    if n_sub:
        notes.append(
            f"In {n_sub} categor{'y' if n_sub == 1 else 'ies'} the numbers who stayed and left "
            f"(and the retention) are hidden: fewer than {min_cell} people stayed or left there, "
            "or that number could be worked out from the others."
        )
    if res.method == "monte-carlo":
        notes.append(
            f"Expected counts are small; the p-value is a Monte Carlo permutation p-value "
            f"({n_resamples} resamples, seed {seed})."
        )
    return BreakdownResult(
        table=published,
        method=func,
        alpha=alpha,
        estimate="retention",
        test=f"chi-square test of retention x {by}",
        statistic=res.chi2,
        dof=res.dof,
        p_value=res.p_value,
        p_method=res.method,
        effect_size=res.cramers_v,
        min_cell=min_cell,
        notes=tuple(notes),
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(panel),
            parameters={"by": by, "pre": pre, "post": post, "min_cell": min_cell},
            seed=seed,
        ),
    )
