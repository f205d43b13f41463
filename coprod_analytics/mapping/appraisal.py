"""Which needs matter most, and what changed between appraisal rounds.

- :func:`needs_by_support` — mapped needs ranked by how many people support them, with
  Wilson intervals of the share of participants (:mod:`coprod_analytics.intervals`);
- :func:`appraisal_change` — a joint audit of needs and achievements between two appraisal
  rounds: per need, the paired change of the need score and of the achievement score of the
  people who appraised it in both rounds (the paired t-test and Wilcoxon signed-rank test of
  :func:`coprod_analytics.deliberation.paired_shift`, p-values corrected across needs).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.deliberation.inference import Correction
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_number, fmt_pct
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.intervals import wilson_interval
from coprod_analytics.mapping._tables import appraisals_of, places_of, support_of
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html, interval_frame

__all__ = ["AppraisalChange", "NeedSupport", "appraisal_change", "needs_by_support"]


def _check_alpha(alpha: float, func: str) -> None:
    check_param(
        isinstance(alpha, float | int) and not isinstance(alpha, bool) and 0 < alpha < 1,
        "alpha",
        func,
        "a float in (0, 1)",
        alpha,
    )


def _same_level(alpha: float, own: float, func: str) -> None:
    if abs(alpha - own) > 1e-12:
        from coprod_analytics.errors import ParameterError

        raise ParameterError(
            f"The 'alpha' parameter of conf_int must be {own} for this result (computed at "
            f"that level). Got {alpha}; rerun {func} with alpha={alpha}."
        )


@dataclass(frozen=True, repr=False)
class NeedSupport(Result):
    """Mapped needs ranked by support.

    Attributes
    ----------
    table : pl.DataFrame
        One row per need, most supported first: ``rank``, ``place_id``, ``category``,
        ``text`` (when the places have it), ``supporters``, ``share`` (of ``n_participants``),
        ``ci_low``, ``ci_high`` (Wilson).
    n_participants : int
        The people who could have supported a need (the denominator of ``share``).
    alpha : float
        The intervals have coverage ``1 - alpha``.
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> places = pl.DataFrame({"participant_id": [1, 2], "place_id": ["n1", "n2"],
    ...                        "kind": ["need", "need"], "category": ["safety", "play"],
    ...                        "area": ["North", "South"]})
    >>> support = pl.DataFrame({"participant_id": [2, 3, 4], "place_id": ["n1", "n1", "n2"]})
    >>> needs_by_support(places, support)
    <NeedSupport: 2 needs ranked by support from 4 participants; most supported: n1 (3 people, 75%)>
    """

    table: pl.DataFrame
    n_participants: int
    alpha: float = 0.05
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The ranked needs (see :attr:`table`).

        Returns
        -------
        pl.DataFrame
        """
        return self.table

    def conf_int(self, alpha: float = 0.05) -> pl.DataFrame:
        """The Wilson intervals of each need's share of supporters.

        Parameters
        ----------
        alpha : float, default 0.05
            Must be the level the result was computed at.

        Returns
        -------
        pl.DataFrame
            ``place_id``, ``share``, ``ci_low``, ``ci_high``, ``alpha``.
        """
        _same_level(alpha, self.alpha, "needs_by_support")
        return interval_frame(
            {"place_id": self.table["place_id"], "share": self.table["share"]},
            self.table["ci_low"].to_list(),
            self.table["ci_high"].to_list(),
            alpha=self.alpha,
        )

    def summary(self) -> str:
        """The number of needs and the most supported ones, in plain text.

        Returns
        -------
        str
        """
        head = (
            f"{self.table.height} needs ranked by support from {self.n_participants} participants"
        )
        if self.table.height == 0:
            return head
        top = self.table.row(0, named=True)
        lines = [
            f"{head}; most supported: {top['place_id']} ({top['supporters']} people, "
            f"{fmt_pct(top['share'])})"
        ]
        level = f"{100 * (1 - self.alpha):.0f}%"
        for row in self.table.head(5).iter_rows(named=True):
            lines.append(
                f"  {row['rank']}. {row['place_id']} ({row['category']}): {row['supporters']} "
                f"supporters, {fmt_pct(row['share'])} [{fmt_pct(row['ci_low'])}, "
                f"{fmt_pct(row['ci_high'])}] ({level} Wilson)"
            )
        return "\n".join(lines)


def needs_by_support(
    places: pl.DataFrame | Inquiry,
    support: Any = None,
    *,
    include_mapper: bool = True,
    n_participants: int | None = None,
    alpha: float = 0.05,
) -> NeedSupport:
    """Mapped needs ranked by how many people support them, with Wilson intervals.

    Parameters
    ----------
    places : pl.DataFrame or Inquiry
        The ``places`` table (or an Inquiry holding ``places`` and ``support``).
    support : table, optional
        The ``support`` table (``participant_id``, ``place_id``: one row per person and need
        supported). Default: the Inquiry's; without one, only the mappers count.
    include_mapper : bool, default True
        Whether the person who mapped a need counts as one of its supporters.
    n_participants : int, optional
        The people who could have supported a need. Default: everyone in ``places`` or
        ``support``.
    alpha : float, default 0.05
        The intervals have coverage ``1 - alpha``.

    Returns
    -------
    NeedSupport
        The ranked table (``rank``, ``place_id``, ``category``, [``text``], ``supporters``,
        ``share``, ``ci_low``, ``ci_high``); ties share the lowest rank and keep table
        order.

    Raises
    ------
    ValidationError
        When a support row names a place that is not a mapped need.

    Examples
    --------
    >>> places = pl.DataFrame({"participant_id": [1, 2], "place_id": ["n1", "n2"],
    ...                        "kind": ["need", "need"], "category": ["safety", "play"],
    ...                        "area": ["North", "South"]})
    >>> support = pl.DataFrame({"participant_id": [2, 3, 4], "place_id": ["n1", "n1", "n2"]})
    >>> res = needs_by_support(places, support)
    >>> res.table.select("rank", "place_id", "supporters").rows()
    [(1, 'n1', 3), (2, 'n2', 2)]
    >>> round(res.table["ci_low"][0], 3)
    0.301
    """
    func = "needs_by_support"
    _check_alpha(alpha, func)
    frame = places_of(places, func)
    sup = support_of(places, support)
    needs = frame.filter(pl.col("kind") == "need")
    pid_needs = needs.select(
        pl.col("place_id").cast(pl.String), pl.col("participant_id").cast(pl.String)
    )
    votes = pl.DataFrame(schema={"place_id": pl.String, "participant_id": pl.String})
    if sup is not None:
        votes = sup.select(
            pl.col("place_id").cast(pl.String), pl.col("participant_id").cast(pl.String)
        )
        unknown = ~votes.get_column("place_id").is_in(pid_needs.get_column("place_id").implode())
        if unknown.any():
            row = int(unknown.arg_true()[0]) + 1
            raise ValidationError(
                f"place {votes['place_id'][row - 1]!r} is not a mapped need",
                table="support",
                row=row,
                column="place_id",
            )
    everyone = pl.concat(
        [
            frame.get_column("participant_id").cast(pl.String),
            votes.get_column("participant_id"),
        ]
    ).n_unique()
    if n_participants is None:
        n_participants = int(everyone)
    check_param(
        isinstance(n_participants, int) and n_participants >= everyone,
        "n_participants",
        func,
        f"an int >= the {everyone} people in places and support",
        n_participants,
    )
    backers = pl.concat([votes, pid_needs]) if include_mapper else votes
    counts = backers.unique().group_by("place_id").len("supporters")
    keep = ["place_id", "category"] + (["text"] if "text" in needs.columns else [])
    table = (
        needs.select(keep)
        .with_columns(pl.col("place_id").cast(pl.String).alias("_key"))
        .join(counts.rename({"place_id": "_key"}), on="_key", how="left", maintain_order="left")
        .drop("_key")
        .with_columns(pl.col("supporters").fill_null(0).cast(pl.Int64))
        .with_row_index("_order")
        .sort(["supporters", "_order"], descending=[True, False])
        .drop("_order")
    )
    k = table.get_column("supporters").to_numpy()
    lo, hi = wilson_interval(k, n_participants, alpha=alpha)
    table = table.with_columns(
        pl.col("supporters").rank("min", descending=True).cast(pl.Int64).alias("rank"),
        pl.Series("share", k / n_participants if n_participants else np.full(k.shape, np.nan)),
        pl.Series("ci_low", lo),
        pl.Series("ci_high", hi),
    ).select("rank", *keep, "supporters", "share", "ci_low", "ci_high")
    return NeedSupport(
        table=table,
        n_participants=n_participants,
        alpha=alpha,
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(frame, sup),
            parameters={
                "include_mapper": include_mapper,
                "n_participants": n_participants,
                "alpha": alpha,
            },
        ),
    )


_SHIFT = {
    "n": "n_pairs",
    "mean_pre": "first",
    "mean_post": "second",
    "estimate": "change",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "p_value": "p_value",
    "p_adjusted": "p_adjusted",
}


@dataclass(frozen=True, repr=False)
class AppraisalChange(Result):
    """What changed between two appraisal rounds, need by need.

    Attributes
    ----------
    table : pl.DataFrame
        One row per appraised need: ``place_id``, then for the need score ``need_n_pairs``,
        ``need_first``, ``need_second``, ``need_change`` (mean second - first round of the
        same people), ``need_ci_low``, ``need_ci_high``, ``need_p_value``,
        ``need_p_adjusted``; the same with ``achievement_`` for the achievement score (null
        without one); and ``status``: ``"less pressing"`` or ``"more pressing"`` when the
        need score changed (adjusted p < ``alpha``), else ``"no clear change"``.
    first : int
        The earlier round compared.
    second : int
        The later round compared.
    alpha : float
        The intervals have coverage ``1 - alpha``; ``status`` uses level ``alpha``.
    test : str
        The paired tests (of :func:`~coprod_analytics.deliberation.paired_shift`).
    correction : str
        The multiple-testing correction across needs.
    need : ShiftResult
        The need-score shifts as ``paired_shift`` returns them (all its columns).
    achievement : ShiftResult or None
        The achievement-score shifts (None without achievement scores).
    provenance : Provenance or None
        Input fingerprint and parameters.

    Examples
    --------
    >>> from coprod_analytics.mapping import simulate_places
    >>> appraisal_change(simulate_places().appraisals)  # doctest: +ELLIPSIS
    <AppraisalChange: round 1 -> 2: 2 of 5 needs less pressing, 1 more pressing ...>
    """

    table: pl.DataFrame
    first: int
    second: int
    alpha: float
    test: str
    correction: str
    need: Any
    achievement: Any = None
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The per-need table (see :attr:`table`).

        Returns
        -------
        pl.DataFrame
        """
        return self.table

    def conf_int(self, alpha: float = 0.05) -> pl.DataFrame:
        """The intervals of the need and achievement changes, one row per need and measure.

        Parameters
        ----------
        alpha : float, default 0.05
            1 - coverage (recomputed from the t distribution at another level).

        Returns
        -------
        pl.DataFrame
            ``place_id``, ``measure`` (``"need"`` or ``"achievement"``), ``estimate``,
            ``ci_low``, ``ci_high``, ``alpha``.
        """
        parts = []
        for measure, res in (("need", self.need), ("achievement", self.achievement)):
            if res is None:
                continue
            ci = res.conf_int(alpha)
            parts.append(
                ci.rename({"place_id": "place_id"}).select(
                    "place_id",
                    pl.lit(measure).alias("measure"),
                    "estimate",
                    "ci_low",
                    "ci_high",
                    "alpha",
                )
            )
        return pl.concat(parts)

    def summary(self) -> str:
        """How many needs became less or more pressing, and the achievements rated.

        Returns
        -------
        str
        """
        s = self.table.get_column("status")
        less, more = int((s == "less pressing").sum()), int((s == "more pressing").sum())
        head = (
            f"round {self.first} -> {self.second}: {less} of {self.table.height} needs less "
            f"pressing, {more} more pressing (adjusted p < {self.alpha}, {self.correction})"
        )
        lines = [head, f"  test: {self.test}"]
        for row in self.table.iter_rows(named=True):
            ach = ""
            if row.get("achievement_change") is not None:
                ach = f"; achievement {fmt_number(row['achievement_change'])}"
            lines.append(
                f"  {row['place_id']}: need {fmt_number(row['need_change'])} "
                f"[{fmt_number(row['need_ci_low'])}, {fmt_number(row['need_ci_high'])}], "
                f"n = {row['need_n_pairs']}{ach} — {row['status']}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        lines = self.summary().splitlines()
        return f"<p>{html.escape(lines[0])}</p><p>{html.escape(lines[1])}</p>" + frame_to_html(
            self.table
        )


def appraisal_change(
    appraisals: pl.DataFrame | Inquiry,
    *,
    first: int | None = None,
    second: int | None = None,
    alpha: float = 0.05,
    correction: Correction = "fdr_bh",
) -> AppraisalChange:
    """A joint audit of needs and achievements between two appraisal rounds.

    For each need, the people who appraised it in both rounds are paired: the change of
    their need scores (how pressing it is) and of their achievement scores (how much has
    been achieved on it), each tested with
    :func:`~coprod_analytics.deliberation.paired_shift` (paired t-test with a t interval,
    Wilcoxon signed-rank test, effect sizes), p-values corrected across needs.

    Parameters
    ----------
    appraisals : pl.DataFrame or Inquiry
        The ``appraisals`` table (or an Inquiry holding one).
    first, second : int, optional
        The rounds compared (default: the first and the last round in the table).
    alpha : float, default 0.05
        The intervals have coverage ``1 - alpha``; a need's ``status`` changes at adjusted
        p < ``alpha``.
    correction : {"fdr_bh", "bonferroni", "holm", "none"}, default "fdr_bh"
        Multiple-testing correction across needs (statsmodels ``multipletests``).

    Returns
    -------
    AppraisalChange
        The per-need table and both ``paired_shift`` results.

    Raises
    ------
    ValidationError
        When the table has fewer than two rounds or a round asked for is not in it.

    Examples
    --------
    >>> a = pl.DataFrame({"round": [1] * 4 + [2] * 4, "place_id": ["n1"] * 8,
    ...                   "participant_id": [1, 2, 3, 4] * 2,
    ...                   "need_score": [8, 9, 7, 8, 3, 4, 3, 2],
    ...                   "achievement_score": [1, 2, 1, 1, 6, 7, 5, 8]})
    >>> res = appraisal_change(a)
    >>> res.table.select("place_id", "need_change", "achievement_change", "status").row(0)
    ('n1', -5.0, 5.25, 'less pressing')
    """
    from coprod_analytics.deliberation import paired_shift

    func = "appraisal_change"
    _check_alpha(alpha, func)
    frame = appraisals_of(appraisals, func)
    rounds = sorted(frame.get_column("round").unique().to_list())
    if len(rounds) < 2:
        raise ValidationError(
            f"{func} needs appraisals from two rounds; the table has round(s) {rounds}",
            table="appraisals",
            column="round",
        )
    first = rounds[0] if first is None else first
    second = rounds[-1] if second is None else second
    for name, value in (("first", first), ("second", second)):
        check_param(value in rounds, name, func, f"one of the rounds {rounds}", value)
    check_param(first != second, "second", func, f"a round other than first={first}", second)
    has_achievement = (
        "achievement_score" in frame.columns
        and frame.filter(pl.col("round").is_in([first, second]))
        .get_column("achievement_score")
        .is_not_null()
        .any()
    )
    base = frame.filter(pl.col("round").is_in([first, second])).select(
        "participant_id",
        "place_id",
        pl.col("round").alias("wave"),
        *(["need_score", "achievement_score"] if has_achievement else ["need_score"]),
    )
    kwargs: dict[str, Any] = {
        "item_id": "place_id",
        "pre": first,
        "post": second,
        "alpha": alpha,
        "correction": correction,
    }
    need = paired_shift(
        base.rename({"need_score": "value"}).drop("achievement_score", strict=False), **kwargs
    )
    table = need.table.select(
        "place_id", *[pl.col(c).alias(f"need_{v}") for c, v in _SHIFT.items()]
    )
    achievement = None
    if has_achievement:
        panel = base.drop("need_score").rename({"achievement_score": "value"})
        achievement = paired_shift(panel.drop_nulls("value"), **kwargs)
        table = table.join(
            achievement.table.select(
                "place_id", *[pl.col(c).alias(f"achievement_{v}") for c, v in _SHIFT.items()]
            ),
            on="place_id",
            how="left",
            maintain_order="left",
        )
    p = pl.col("need_p_adjusted").fill_nan(None)
    table = table.with_columns(
        pl.when((p < alpha) & (pl.col("need_change") < 0))
        .then(pl.lit("less pressing"))
        .when((p < alpha) & (pl.col("need_change") > 0))
        .then(pl.lit("more pressing"))
        .otherwise(pl.lit("no clear change"))
        .alias("status")
    )
    return AppraisalChange(
        table=table,
        first=int(first),
        second=int(second),
        alpha=alpha,
        test=need.test,
        correction=need.correction,
        need=need,
        achievement=achievement,
        provenance=Provenance(
            method=func,
            input_fingerprint=fingerprint_frames(frame),
            parameters={
                "first": first,
                "second": second,
                "alpha": alpha,
                "correction": correction,
            },
        ),
    )
