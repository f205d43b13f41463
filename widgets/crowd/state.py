"""State objects of the crowd-estimate and agreement views: they call the core and hold results.

* :class:`CrowdState` -- numeric estimates per question (every estimator with its bootstrap
  interval, the Diversity Prediction terms when the truth is known, Delphi rounds when there
  is more than one round), log-odds pooling of probability forecasts with extremizing, and
  the surprisingly-popular answer of multiple-choice questions.
* :class:`AgreementState` -- Krippendorff's alpha (with its bootstrap interval) per item
  set, Tastle–Wierman consensus, van der Eijk's A and Leik's dispersion per rating item, and
  Kendall's W when every rater rated every item of a set.

Views (:mod:`coprod_widgets.crowd.views`) observe these states and only format and draw.
Every table a view publishes passes the small-cell rule here (``min_cell``): a question,
item, round, answer or group with fewer than ``min_cell`` people is not shown.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import traitlets as t

from coprod_analytics.errors import ParameterError, check_param
from coprod_analytics.format import fmt_number
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.privacy import is_small_cell, small_cell_expr
from coprod_widgets.i18n import N_, gettext_for

__all__ = [
    "AGREEMENT_THRESHOLDS",
    "DELPHI_RULES",
    "AgreementState",
    "CrowdState",
    "agreement_reading",
    "has_agreement_data",
    "has_crowd_data",
    "kendall_reading",
]

_ = gettext_for("report")

#: Krippendorff's conventional thresholds (Krippendorff 2004, *Content Analysis*, §11.4.4):
#: alpha >= 0.800 -- rely on the ratings; 0.667 <= alpha < 0.800 -- tentative conclusions
#: only; below 0.667 -- discard (do not rely on them).
AGREEMENT_THRESHOLDS: tuple[float, float] = (0.667, 0.8)

#: Delphi consensus rules: key -> label. The default, CV <= 0.5, is English & Kernan's
#: (1976) "good degree of consensus"; IQR <= 1 is the usual rule on a 7-point scale.
DELPHI_RULES: dict[str, str] = {
    "cv": "coefficient of variation (sd / |mean|)",
    "iqr": "interquartile range",
    "sd": "standard deviation",
}


def _nonneg_int(value: Any, name: str, func: str) -> None:
    check_param(
        isinstance(value, int) and not isinstance(value, bool) and value >= 0,
        name,
        func,
        "an int >= 0",
        value,
    )


def _load(inquiry: Any) -> Inquiry:
    if isinstance(inquiry, Inquiry):
        return inquiry
    from coprod_analytics.io.load import load_inquiry

    return load_inquiry(inquiry)


def has_crowd_data(inquiry: Inquiry) -> bool:
    """Whether the inquiry has estimates, probabilities or choices with predictions.

    Parameters
    ----------
    inquiry : Inquiry
        The inquiry.

    Returns
    -------
    bool

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> has_crowd_data(sample_inquiry())
    True
    """
    tables = inquiry.tables
    return any(
        tables.get(k) is not None and tables[k].height > 0 for k in ("estimates", "probabilities")
    ) or all(tables.get(k) is not None and tables[k].height > 0 for k in ("choices", "predictions"))


def has_agreement_data(inquiry: Inquiry) -> bool:
    """Whether the inquiry has ordinal ratings.

    Parameters
    ----------
    inquiry : Inquiry
        The inquiry.

    Returns
    -------
    bool

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> has_agreement_data(sample_inquiry())
    True
    """
    r = inquiry.tables.get("ratings")
    return r is not None and r.height > 0


def agreement_reading(alpha: float | None) -> str:
    """Plain-language reading of Krippendorff's alpha by the conventional thresholds.

    alpha >= 0.8: "raters agree well"; 0.667 <= alpha < 0.8: "raters agree moderately
    (tentative conclusions only)"; below 0.667: "raters agree poorly" (Krippendorff 2004).

    Parameters
    ----------
    alpha : float or None
        Krippendorff's alpha (the coefficient, not an interval level).

    Returns
    -------
    str
        In English (a message of the ``"report"`` catalog: show it with ``_(reading)``).

    Examples
    --------
    >>> agreement_reading(0.85), agreement_reading(0.7)
    ('raters agree well', 'raters agree moderately (tentative conclusions only)')
    >>> agreement_reading(0.1), agreement_reading(float("nan"))
    ('raters agree poorly', 'agreement cannot be computed (the ratings do not vary)')
    """
    if alpha is None or math.isnan(alpha):
        return N_("agreement cannot be computed (the ratings do not vary)")
    low, high = AGREEMENT_THRESHOLDS
    if alpha >= high:
        return N_("raters agree well")
    if alpha >= low:
        return N_("raters agree moderately (tentative conclusions only)")
    return N_("raters agree poorly")


_KENDALL_WORDS = (
    (0.9, N_("unusually strong agreement on the order")),
    (0.7, N_("strong agreement on the order")),
    (0.5, N_("moderate agreement on the order")),
    (0.3, N_("weak agreement on the order")),
    (0.1, N_("very weak agreement on the order")),
)


def kendall_reading(w: float | None) -> str:
    """Schmidt's (1997) reading of Kendall's W (0.1 very weak ... 0.9 unusually strong).

    Parameters
    ----------
    w : float or None
        Kendall's W.

    Returns
    -------
    str

    Examples
    --------
    >>> kendall_reading(0.55), kendall_reading(0.02)
    ('moderate agreement on the order', 'no agreement on the order')
    """
    if w is None or math.isnan(w):
        return N_("cannot be computed")
    for threshold, words in _KENDALL_WORDS:
        if w >= threshold:
            return words
    return N_("no agreement on the order")


_EMPTY_ITEMS: dict[str, pl.DataType] = {
    "item_id": pl.Int64(),
    "n": pl.Int64(),
    "median": pl.Float64(),
    "mean": pl.Float64(),
    "tastle_wierman": pl.Float64(),
    "van_der_eijk": pl.Float64(),
    "leik": pl.Float64(),
}


def _labels(table: pl.DataFrame | None, key: str, text: str) -> dict[Any, str]:
    if table is None or key not in table.columns or text not in table.columns:
        return {}
    return {k: str(v) for k, v in table.select(key, text).iter_rows() if v is not None and str(v)}


# =========================================================================================
# crowd estimates
# =========================================================================================


class CrowdState(t.HasTraits):
    """Crowd estimates, pooled probabilities and the surprisingly-popular answer.

    Parameters
    ----------
    inquiry : Inquiry or path
        The inquiry (its ``estimates``, ``questions``, ``probabilities``, ``choices`` and
        ``predictions`` tables are used when present).
    seed : int, default 0
        Seed of the bootstrap intervals.
    n_resamples : int, default 1000
        Bootstrap resamples per interval (0: no intervals).
    min_cell : int
        Questions, rounds and answers given by fewer people are not shown (0: show all).

    Attributes
    ----------
    question : question id of ``estimates`` being shown (a dropdown in the view).
    round : the Delphi round the estimators use (default the last round).
    log_scale : bool, draw the estimates on a log axis.
    delphi_rule, delphi_threshold : the Delphi consensus rule (:data:`DELPHI_RULES`).
    probability_question, extremize : the forecast shown and the extremizing factor a.
    choice_question : the multiple-choice question shown.
    estimate_result, pooling_result, popular_result : dicts of results (see the methods).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> state = CrowdState(sample_inquiry(), n_resamples=200)
    >>> state.question, state.round
    (1, 2)
    >>> state.estimate_result["estimators"].get_column("method").to_list()[:2]
    ['mean', 'median']
    >>> state.extremize = 2.0
    >>> round(state.pooling_result["pooled"], 3)
    0.436
    """

    inquiry = t.Instance(Inquiry)
    seed = t.Int(0)
    n_resamples = t.Int(1000)
    min_cell = t.Int(0)
    question = t.Any(None, allow_none=True)
    round = t.Int(None, allow_none=True)
    log_scale = t.Bool(False)
    delphi_rule = t.Enum(list(DELPHI_RULES), default_value="cv")
    delphi_threshold = t.Float(0.5)
    probability_question = t.Any(None, allow_none=True)
    extremize = t.Float(1.0)
    choice_question = t.Any(None, allow_none=True)
    estimate_result = t.Any(None, allow_none=True)
    pooling_result = t.Any(None, allow_none=True)
    popular_result = t.Any(None, allow_none=True)

    def __init__(
        self, inquiry: Any, *, seed: int = 0, n_resamples: int = 1000, min_cell: int = 0
    ) -> None:
        func = "CrowdState"
        check_param(
            isinstance(seed, int) and not isinstance(seed, bool), "seed", func, "an int", seed
        )
        _nonneg_int(n_resamples, "n_resamples", func)
        _nonneg_int(min_cell, "min_cell", func)
        inquiry = _load(inquiry)
        super().__init__(inquiry=inquiry, seed=seed, n_resamples=n_resamples, min_cell=min_cell)
        self._cache: dict[Any, dict[str, Any]] = {}
        qs = self.question_ids
        if qs:
            self.question = qs[0]  # sets round and computes
        pq = self.probability_question_ids
        if pq:
            self.probability_question = pq[0]
        cq = self.choice_question_ids
        if cq:
            self.choice_question = cq[0]

    # ------------------------------------------------------------------ tables and labels
    def _table(self, name: str) -> pl.DataFrame | None:
        table = self.inquiry.tables.get(name)
        return table if table is not None and table.height else None

    @property
    def question_ids(self) -> list[Any]:
        """Question ids of the estimates, sorted.

        Returns
        -------
        list
        """
        e = self._table("estimates")
        return [] if e is None else e.get_column("question_id").unique().sort().to_list()

    @property
    def probability_question_ids(self) -> list[Any]:
        """Question ids of the probability forecasts, sorted.

        Returns
        -------
        list
        """
        p = self._table("probabilities")
        return [] if p is None else p.get_column("question_id").unique().sort().to_list()

    @property
    def choice_question_ids(self) -> list[Any]:
        """Question ids with both answers (``choices``) and ``predictions``, sorted.

        Returns
        -------
        list
        """
        c, p = self._table("choices"), self._table("predictions")
        if c is None or p is None:
            return []
        both = set(c.get_column("question_id").to_list()) & set(
            p.get_column("question_id").to_list()
        )
        return sorted(both)

    def question_text(self, question: Any) -> str:
        """The question's text from ``questions`` (or ``"Question <id>"``); untrusted.

        Parameters
        ----------
        question : int or str
            A question id.

        Returns
        -------
        str
        """
        return _labels(self._table("questions"), "question_id", "text").get(
            question, f"Question {question}"
        )

    def question_options(self, ids: list[Any]) -> list[tuple[str, Any]]:
        """Dropdown options (short label, id) of question ids.

        Parameters
        ----------
        ids : list
            Question ids.

        Returns
        -------
        list of (str, id)
        """
        from coprod_widgets.style import short

        return [(short(f"{q}: {self.question_text(q)}", 90), q) for q in ids]

    def truth(self, question: Any) -> float | None:
        """The known true value of a question (``questions.truth``), or None.

        Parameters
        ----------
        question : int or str
            A question id.

        Returns
        -------
        float or None
        """
        q = self._table("questions")
        if q is None or "truth" not in q.columns:
            return None
        row = q.filter(pl.col("question_id") == question)
        if row.height == 0 or row.get_column("truth")[0] is None:
            return None
        return float(row.get_column("truth")[0])

    def unit(self, question: Any) -> str:
        """The question's unit (``questions.unit``) or ""; untrusted.

        Parameters
        ----------
        question : int or str
            A question id.

        Returns
        -------
        str
        """
        return _labels(self._table("questions"), "question_id", "unit").get(question, "")

    def rounds(self, question: Any | None = None) -> list[int]:
        """The Delphi rounds of a question (``[]`` without a ``round`` column).

        Parameters
        ----------
        question : int or str, optional
            A question id (default the shown question).

        Returns
        -------
        list of int
        """
        e = self._table("estimates")
        q = self.question if question is None else question
        if e is None or "round" not in e.columns or q is None:
            return []
        sub = e.filter(pl.col("question_id") == q)
        return [int(r) for r in sub.get_column("round").drop_nulls().unique().sort().to_list()]

    def values(self) -> pl.DataFrame:
        """The shown question's answers in the shown round: ``participant_id``, ``value``
        and ``confidence`` (when given); empty when fewer than ``min_cell`` people answered.

        Returns
        -------
        polars.DataFrame
        """
        e = self._table("estimates")
        if e is None or self.question is None:
            return pl.DataFrame(schema={"participant_id": pl.Int64, "value": pl.Float64})
        sub = e.filter(pl.col("question_id") == self.question)
        if self.round is not None and "round" in sub.columns:
            sub = sub.filter(pl.col("round") == self.round)
        cols = [c for c in ("participant_id", "value", "confidence") if c in sub.columns]
        sub = sub.select(cols)
        if "confidence" in sub.columns and sub.get_column("confidence").null_count():
            sub = sub.drop("confidence")
        if is_small_cell(sub.height, min_cell=self.min_cell, suppress_zeros=True):
            return sub.clear()
        return sub

    # ------------------------------------------------------------------ validation
    @t.validate("question")
    def _check_question(self, proposal: Any) -> Any:
        value = proposal["value"]
        if value is not None and value not in self.question_ids:
            raise t.TraitError(f"question must be one of {self.question_ids}; got {value!r}")
        return value

    @t.validate("round")
    def _check_round(self, proposal: Any) -> Any:
        value = proposal["value"]
        rounds = self.rounds()
        if value is not None and value not in rounds:
            raise t.TraitError(f"round must be one of {rounds}; got {value!r}")
        return value

    @t.validate("extremize")
    def _check_extremize(self, proposal: Any) -> Any:
        value = float(proposal["value"])
        if not value > 0:
            raise t.TraitError(f"extremize must be > 0; got {value!r}")
        return value

    @t.validate("probability_question")
    def _check_pq(self, proposal: Any) -> Any:
        value = proposal["value"]
        if value is not None and value not in self.probability_question_ids:
            raise t.TraitError(
                f"probability_question must be one of {self.probability_question_ids}; "
                f"got {value!r}"
            )
        return value

    @t.validate("choice_question")
    def _check_cq(self, proposal: Any) -> Any:
        value = proposal["value"]
        if value is not None and value not in self.choice_question_ids:
            raise t.TraitError(
                f"choice_question must be one of {self.choice_question_ids}; got {value!r}"
            )
        return value

    # ------------------------------------------------------------------ analysis
    @t.observe("question")
    def _on_question(self, change: Any) -> None:
        rounds = self.rounds()
        last = rounds[-1] if rounds else None
        if self.round == last:
            self.compute_estimates()
        else:
            self.round = last  # observed: computes

    @t.observe("round", "delphi_rule", "delphi_threshold", "min_cell", "n_resamples", "seed")
    def _on_estimate_params(self, change: Any) -> None:
        self.compute_estimates()

    @t.observe("probability_question", "extremize", "min_cell")
    def _on_pool_params(self, change: Any) -> None:
        self.compute_pooling()

    @t.observe("choice_question", "min_cell")
    def _on_choice(self, change: Any) -> None:
        self.compute_popular()

    def compute_estimates(self) -> None:
        """Estimators, Diversity Prediction terms and Delphi rounds of the shown question.

        Sets :attr:`estimate_result` to a dict: ``question``, ``round``, ``n``,
        ``suppressed`` (bool), ``estimators`` (the core's
        :func:`~coprod_analytics.crowd.estimates.crowd_estimates` table: ``method``, ``value``,
        ``ci_low``, ``ci_high``, ``n`` and ``abs_error`` with a truth), ``truth``,
        ``diversity`` (:class:`~coprod_analytics.crowd.estimates.DiversityPrediction` or None) and
        ``delphi`` (:class:`~coprod_analytics.crowd.estimates.DelphiRounds` or None, with more than
        one round; rounds of fewer than ``min_cell`` people are dropped from its table).

        Returns
        -------
        None
            The result is in the trait (observe it).
        """
        if self.question is None:
            self.estimate_result = None
            return
        key = (
            self.question,
            self.round,
            self.delphi_rule,
            self.delphi_threshold,
            self.min_cell,
            self.n_resamples,
            self.seed,
        )
        if key not in self._cache:
            self._cache[key] = self._estimates()
        self.estimate_result = self._cache[key]

    def _estimates(self) -> dict[str, Any]:
        from coprod_analytics.crowd.estimates import (
            crowd_estimates,
            delphi_rounds,
            diversity_prediction,
        )

        vals = self.values()
        truth = self.truth(self.question)
        out: dict[str, Any] = {
            "question": self.question,
            "round": self.round,
            "n": vals.height,
            "suppressed": vals.height == 0,
            "truth": truth,
            "estimators": None,
            "diversity": None,
            "delphi": None,
        }
        if vals.height:
            out["estimators"] = crowd_estimates(
                vals.with_columns(question_id=pl.lit(self.question)),
                truth=truth,
                n_resamples=self.n_resamples,
                seed=self.seed,
                progress=False,
            ).to_frame()
            if truth is not None:
                out["diversity"] = diversity_prediction(vals.get_column("value"), truth)
        rounds = self.rounds()
        if len(rounds) > 1:
            e = self._table("estimates")
            assert e is not None
            res = delphi_rounds(
                e.filter(pl.col("question_id") == self.question),
                consensus=self.delphi_rule,  # type: ignore[arg-type]
                threshold=float(self.delphi_threshold),
            )
            if self.min_cell:
                from dataclasses import replace

                small = small_cell_expr("n", min_cell=self.min_cell, suppress_zeros=True)
                res = replace(res, table=res.table.filter(~small))
            out["delphi"] = res
        return out

    def compute_pooling(self) -> None:
        """Pool the shown forecast question.

        Sets :attr:`pooling_result`: ``question``, ``n``, ``extremize``, ``pooled``
        (log-odds pool with the extremizing factor), ``table`` (``method``, ``value``: mean,
        median, log-odds pool a = 1 and the extremized pool) and ``values`` (the
        forecasts); empty tables when fewer than ``min_cell`` people answered.

        Returns
        -------
        None
            The result is in the trait (observe it).
        """
        from coprod_analytics.crowd.estimates import pool_forecasts

        p = self._table("probabilities")
        q = self.probability_question
        if p is None or q is None:
            self.pooling_result = None
            return
        sub = p.filter(pl.col("question_id") == q)
        x = sub.get_column("probability")
        if is_small_cell(x.len(), min_cell=self.min_cell, suppress_zeros=True):
            self.pooling_result = {"question": q, "n": x.len(), "suppressed": True}
            return
        a = float(self.extremize)
        pools = pool_forecasts(sub, extremize=a).row(0, named=True)
        pooled = pools["extremized"]
        table = pl.DataFrame(
            {
                "method": [
                    _("mean of the forecasts"),
                    _("median of the forecasts"),
                    _("log-odds pool (a = 1, geometric mean of odds)"),
                    _("extremized log-odds pool (a = {a})").format(a=fmt_number(a)),
                ],
                "value": [pools["mean"], pools["median"], pools["pooled"], pooled],
            }
        )
        self.pooling_result = {
            "question": q,
            "n": x.len(),
            "suppressed": False,
            "extremize": a,
            "pooled": pooled,
            "table": table,
            "values": x.to_list(),
        }

    def compute_popular(self) -> None:
        """The surprisingly-popular answer of the shown choice question.

        Sets :attr:`popular_result`: ``question``, ``result`` (the core's
        :class:`~coprod_analytics.crowd.estimates.SurprisinglyPopular`) and ``table`` (its table
        with ``votes`` and ``actual_share`` suppressed for answers given by fewer than
        ``min_cell`` people).

        Returns
        -------
        None
            The result is in the trait (observe it).
        """
        from coprod_analytics.crowd.estimates import surprisingly_popular

        c, p = self._table("choices"), self._table("predictions")
        q = self.choice_question
        if c is None or p is None or q is None:
            self.popular_result = None
            return
        res = surprisingly_popular(c, p, question=q)
        table = res.table
        note = ""
        if self.min_cell:
            from coprod_analytics.privacy import suppress_small_cells

            sup = suppress_small_cells(
                table, count_column="votes", min_cell=self.min_cell, also=["actual_share"]
            )
            table, note = sup.frame, sup.note
        self.popular_result = {"question": q, "result": res, "table": table, "note": note}


# =========================================================================================
# agreement
# =========================================================================================


class AgreementState(t.HasTraits):
    """How much raters agree on ordinal (Likert) ratings.

    Parameters
    ----------
    inquiry : Inquiry or path
        Uses ``ratings`` (and ``rating_items`` for texts and scales).
    level_of_measurement : {"ordinal", "interval", "nominal"}, default "ordinal"
        Level of measurement of Krippendorff's alpha (ordinal for Likert ratings).
    seed : int, default 0
        Seed of the unit-resampling bootstrap of alpha's interval.
    n_resamples : int, default 1000
        Its resamples (0: no interval).
    min_cell : int
        Items rated by fewer people are not shown.

    Attributes
    ----------
    result : dict
        ``sets`` (one row per item set, items sharing a scale: ``item_set``, ``items``,
        ``raters``, ``alpha``, ``ci_low``, ``ci_high``, ``prob_below_0.667``, ``reading``,
        ``kendall_w``, ``kendall_p``, ``kendall_raters``, ``kendall_reading``,
        ``kendall_note``), ``items`` (one row per item: ``item_id``, ``text``, ``n``,
        ``median``, ``mean``, ``tastle_wierman``, ``van_der_eijk``, ``leik``), ``alphas``
        (item set -> the core's Estimate), ``note``.

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> state = AgreementState(sample_inquiry(), n_resamples=200)
    >>> state.result["sets"].select("items", "raters").row(0)
    (5, 125)
    >>> state.result["sets"].get_column("reading")[0]
    'raters agree poorly'
    """

    inquiry = t.Instance(Inquiry)
    level_of_measurement = t.Enum(["ordinal", "interval", "nominal"], default_value="ordinal")
    seed = t.Int(0)
    n_resamples = t.Int(1000)
    min_cell = t.Int(0)
    result = t.Any(None, allow_none=True)

    def __init__(
        self,
        inquiry: Any,
        *,
        level_of_measurement: str = "ordinal",
        seed: int = 0,
        n_resamples: int = 1000,
        min_cell: int = 0,
    ) -> None:
        func = "AgreementState"
        check_param(
            level_of_measurement in ("ordinal", "interval", "nominal"),
            "level_of_measurement",
            func,
            "one of ['ordinal', 'interval', 'nominal']",
            level_of_measurement,
        )
        check_param(
            isinstance(seed, int) and not isinstance(seed, bool), "seed", func, "an int", seed
        )
        _nonneg_int(n_resamples, "n_resamples", func)
        _nonneg_int(min_cell, "min_cell", func)
        super().__init__(
            inquiry=_load(inquiry),
            level_of_measurement=level_of_measurement,
            seed=seed,
            n_resamples=n_resamples,
            min_cell=min_cell,
        )
        self.compute()

    @t.observe("level_of_measurement", "seed", "n_resamples", "min_cell")
    def _on_params(self, change: Any) -> None:
        if self.result is not None:
            self.compute()

    def ratings(self) -> pl.DataFrame:
        """The ratings with their scale: ``participant_id``, ``item_id``, ``rating``,
        ``scale_min``, ``scale_max`` (from the ratings, else ``rating_items``, else the
        range seen on the item set) and ``item_set`` (a label of the scale).

        Returns
        -------
        polars.DataFrame
        """
        r = self.inquiry.tables.get("ratings")
        if r is None or r.height == 0:
            raise ParameterError("AgreementState needs a 'ratings' table; the inquiry has none.")
        items = self.inquiry.tables.get("rating_items")
        for c in ("scale_min", "scale_max"):
            if c not in r.columns:
                r = r.with_columns(pl.lit(None, dtype=pl.Float64).alias(c))
            if items is not None and c in items.columns:
                r = (
                    r.join(
                        items.select("item_id", pl.col(c).alias(f"_{c}")), on="item_id", how="left"
                    )
                    .with_columns(pl.coalesce(c, f"_{c}").alias(c))
                    .drop(f"_{c}")
                )
        lo = float(r.get_column("rating").min())  # type: ignore[arg-type]
        hi = float(r.get_column("rating").max())  # type: ignore[arg-type]
        r = r.with_columns(
            pl.col("scale_min").fill_null(lo), pl.col("scale_max").fill_null(hi)
        ).with_columns(
            item_set=pl.format(
                "scale {}–{}",
                pl.col("scale_min").round(6).cast(pl.String),
                pl.col("scale_max").round(6).cast(pl.String),
            )
        )
        return r.select("participant_id", "item_id", "rating", "scale_min", "scale_max", "item_set")

    def compute(self) -> None:
        """Run the core measures; sets :attr:`result`.

        Returns
        -------
        None
            The result is in :attr:`result` (observe it).
        """
        from coprod_analytics.crowd.agreement import (
            agreement_by_item,
            kendall_w,
            krippendorff_alpha,
        )
        from coprod_analytics.errors import ValidationError

        r = self.ratings()
        texts = _labels(self.inquiry.tables.get("rating_items"), "item_id", "text")
        n_per_item = r.group_by("item_id").len()
        small = n_per_item.filter(small_cell_expr("len", min_cell=self.min_cell)).get_column(
            "item_id"
        )
        note = ""
        if self.min_cell and small.len():
            note = (
                f"{small.len()} item(s) rated by fewer than {self.min_cell} people are not "
                "shown and not used."
            )
            r = r.filter(~pl.col("item_id").is_in(small.implode()))
        per_item = (
            agreement_by_item(r)
            if r.height
            else pl.DataFrame(schema=_EMPTY_ITEMS | {"item_id": r.schema["item_id"]})
        )
        items_t = per_item.select(
            "item_id",
            pl.col("item_id")
            .map_elements(lambda i: texts.get(i, f"Item {i}"), return_dtype=pl.String)
            .alias("text"),
            "n",
            "median",
            "mean",
            "tastle_wierman",
            "van_der_eijk",
            "leik",
        )
        set_rows: list[dict[str, Any]] = []
        alphas: dict[str, Any] = {}
        for (label,), sub in r.sort("item_set").group_by(["item_set"], maintain_order=True):
            long = sub.select("participant_id", "item_id", "rating")
            row: dict[str, Any] = {
                "item_set": label,
                "items": int(sub.get_column("item_id").n_unique()),
                "raters": int(sub.get_column("participant_id").n_unique()),
            }
            try:
                est = krippendorff_alpha(
                    long,
                    level_of_measurement=self.level_of_measurement,  # type: ignore[arg-type]
                    n_resamples=self.n_resamples,
                    seed=self.seed,
                    progress=False,
                )
                alphas[str(label)] = est
                row |= {
                    "alpha": est.value,
                    "ci_low": est.ci_low,
                    "ci_high": est.ci_high,
                    "prob_below_0.667": est.details.get("prob_below", {}).get(0.667),
                    "reading": agreement_reading(est.value),
                }
            except ValidationError as exc:
                row |= {"alpha": None, "ci_low": None, "ci_high": None}
                row |= {"prob_below_0.667": None, "reading": str(exc)}
            try:
                w = kendall_w(long, missing="drop-raters")
                row |= {
                    "kendall_w": w.value,
                    "kendall_p": w.details["p_value"],
                    "kendall_raters": int(w.details["m"]),
                    "kendall_reading": kendall_reading(w.value),
                    "kendall_note": "",
                }
            except ValidationError as exc:
                row |= {"kendall_w": None, "kendall_p": None, "kendall_raters": None}
                row |= {"kendall_reading": "not applicable", "kendall_note": str(exc)}
            set_rows.append(row)
        sets = pl.DataFrame(
            set_rows,
            schema_overrides={
                "alpha": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
                "prob_below_0.667": pl.Float64,
                "kendall_w": pl.Float64,
                "kendall_p": pl.Float64,
                "kendall_raters": pl.Int64,
            },
        )
        self.result = {"sets": sets, "items": items_t, "alphas": alphas, "note": note}
