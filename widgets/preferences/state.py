"""State objects of the budget explorer and the ranking board: they call the core and hold
the results; the views (:mod:`coprod_widgets.preferences.views`) only format and draw.

:class:`BudgetState` runs the budgeting rules of :mod:`coprod_analytics.preferences.budgeting` side by
side on one participatory-budgeting election, at the election's budget or at a what-if
budget (the ``budget`` trait), and says whom each outcome serves. :class:`RankingState` runs
Borda, Copeland, Schulze and Kemeny–Young on ranked ballots and Bradley–Terry on pairwise
comparisons, with the "which pair to ask next" suggestion.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import polars as pl
import traitlets as t

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.io.pabulib import election_from_tables
from coprod_analytics.io.preference_tables import has_budget, has_pairwise, has_rankings
from coprod_analytics.privacy import is_small_cell, suppress_small_cells
from coprod_widgets.i18n import N_, gettext_for

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.io.pabulib import PBElection
    from coprod_analytics.preferences.budgeting import (
        BudgetOutcome,
        OutcomeAnalysis,
        RuleComparison,
    )

__all__ = [
    "BUDGET_RULES",
    "RANKING_RULES",
    "BudgetState",
    "RankingState",
    "has_budget_data",
    "has_ranking_data",
]

_ = gettext_for("report")

#: The rules the budget explorer compares: label -> (rule, utility, completion, plain name).
BUDGET_RULES: dict[str, tuple[str, str, str, str]] = {
    "greedy": ("greedy", "cost", "none", N_("Greedy by votes (what most cities use)")),
    "mes": ("mes", "cost", "none", N_("Method of Equal Shares (no completion)")),
    "mes+add1": ("mes", "cost", "add1", N_("Equal Shares, completed by raising voter budgets")),
    "mes+greedy": ("mes", "cost", "greedy", N_("Equal Shares, completed greedily")),
    "mes+phragmen": ("mes", "cost", "phragmen", N_("Equal Shares, completed by Phragmén")),
    "phragmen": ("phragmen", "cost", "none", N_("Sequential Phragmén")),
}

#: Label of the outcome the file records (its ``selected`` column).
FILE_LABEL = "as funded (file)"

#: The ranked-ballot rules of the ranking board: method -> plain name.
RANKING_RULES: dict[str, str] = {
    "borda": "Borda",
    "copeland": "Copeland",
    "schulze": "Schulze",
    "kemeny": "Kemeny–Young",
}


def has_budget_data(inquiry: Inquiry) -> bool:
    """Whether the inquiry holds a budgeting election (budget_projects and budget_votes).

    Parameters
    ----------
    inquiry : Inquiry
        Any inquiry.

    Returns
    -------
    bool

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> has_budget_data(pb_election({"a": 1}, [["a"]], budget=1).to_inquiry())
    True
    """
    return has_budget(inquiry)


def has_ranking_data(inquiry: Inquiry) -> bool:
    """Whether the inquiry holds ranked ballots or pairwise comparisons.

    Parameters
    ----------
    inquiry : Inquiry
        Any inquiry.

    Returns
    -------
    bool

    Examples
    --------
    >>> has_ranking_data(Inquiry())
    False
    """
    return has_rankings(inquiry) or has_pairwise(inquiry)


def _suppress(
    frame: pl.DataFrame, column: str, min_cell: int, also: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Counts of fewer than ``min_cell`` voters (but more than 0) become null, with the
    columns ``also`` derived from them (the one suppression rule of
    :func:`coprod_analytics.privacy.suppress_small_cells`)."""
    if not min_cell or column not in frame.columns:
        return frame
    return suppress_small_cells(
        frame, count_column=column, min_cell=min_cell, also=list(also), unit="voters"
    ).frame


def _check_min_cell(min_cell: Any, func: str) -> None:
    ok = isinstance(min_cell, int) and not isinstance(min_cell, bool) and min_cell >= 0
    check_param(ok, "min_cell", func, "an int >= 0", min_cell)


class BudgetState(t.HasTraits):
    """Budgeting rules side by side on one election, with a what-if budget.

    Parameters
    ----------
    inquiry : Inquiry
        An inquiry holding ``budget_projects``, ``budget_votes`` and ``budget_meta`` (e.g.
        ``load_inquiry("x.pb")``).
    min_cell : int
        Counts of fewer voters than this are suppressed in the tables (0 shows all).
    rules : sequence of str, optional
        Labels of :data:`BUDGET_RULES` to compare (default: all).
    check_proportionality : bool or None
        Check EJR / PJR (approval ballots only). ``None`` (default): only when the
        election is small enough to check in a few seconds (at most 30 projects);
        otherwise :meth:`check_proportionality` runs it on demand.
    compute : bool
        Run the rules now (default).

    Attributes
    ----------
    budget : float
        The budget the rules run with (the election's by default; set it for a what-if).
    comparison : RuleComparison or None
        The core's result at ``budget``.
    proportionality : dict
        label -> ``{"ejr": bool | None, "pjr": bool | None}`` once checked.
    selected_rule : str
        The rule whose voter satisfaction is shown.
    status : str
    elapsed : float
        Seconds the last computation took (the views use it to decide whether the budget
        slider updates live or on release).

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 1, "b": 1, "c": 1, "d": 1},
    ...                 [["a", "b", "d"]] * 4 + [["c"]] * 2, budget=3)
    >>> state = BudgetState(e.to_inquiry())
    >>> state.funded()["greedy"], state.funded()["mes"]
    (['a', 'b', 'd'], ['a', 'b', 'c'])
    >>> state.budget = 2
    >>> state.funded()["greedy"]
    ['a', 'b']
    """

    inquiry = t.Instance(Inquiry)
    budget = t.Float(0.0)
    comparison = t.Any(None, allow_none=True)
    proportionality = t.Dict()
    selected_rule = t.Unicode("greedy")
    min_cell = t.Int(0)
    status = t.Unicode("")
    elapsed = t.Float(0.0)

    def __init__(
        self,
        inquiry: Inquiry,
        *,
        min_cell: int = 0,
        rules: list[str] | tuple[str, ...] | None = None,
        check_proportionality: bool | None = None,
        compute: bool = True,
    ) -> None:
        func = "BudgetState"
        check_param(isinstance(inquiry, Inquiry), "inquiry", func, "an Inquiry", inquiry)
        _check_min_cell(min_cell, func)
        labels = list(BUDGET_RULES) if rules is None else list(rules)
        check_param(
            bool(labels) and all(r in BUDGET_RULES for r in labels),
            "rules",
            func,
            f"a non-empty list of {list(BUDGET_RULES)}",
            rules,
        )
        election = election_from_tables(inquiry)
        super().__init__(
            inquiry=inquiry,
            min_cell=min_cell,
            budget=float(election.budget),
            selected_rule=labels[0],
        )
        self.election = election
        self.rules = labels
        if check_proportionality is None:
            check_proportionality = election.n_projects <= 30
        self.auto_proportionality = bool(check_proportionality)
        self.observe(self._on_budget, names="budget")
        if compute:
            self.compute()

    # ------------------------------------------------------------------ facts
    @property
    def base_budget(self) -> float:
        """The election's own budget."""
        return float(self.election.budget)

    @property
    def vote_type(self) -> str:
        return self.election.vote_type

    @property
    def approval(self) -> bool:
        """EJR / PJR are defined for approval ballots only."""
        return self.election.vote_type == "approval"

    @property
    def has_file_selection(self) -> bool:
        return "selected" in self.election.projects.columns

    @property
    def title(self) -> str:
        return str(
            self.election.meta.get("description") or self.inquiry.metadata.get("title") or ""
        )

    # ------------------------------------------------------------------ analysis
    def _election_at(self, budget: float) -> PBElection:
        if budget == self.base_budget:
            return self.election
        value = int(budget) if float(budget).is_integer() else budget
        return replace(self.election, meta={**self.election.meta, "budget": str(value)})

    def compute(self) -> RuleComparison:
        """Run the rules at :attr:`budget` (and EJR/PJR when automatic).

        Returns
        -------
        RuleComparison
            The core's comparison (also in :attr:`comparison`).
        """
        from coprod_analytics.preferences.budgeting import compare_budget_rules

        check_param(self.budget > 0, "budget", "BudgetState", "> 0", self.budget)
        self.status = "computing"
        start = time.perf_counter()
        election = self._election_at(self.budget)
        rules = [(label, *BUDGET_RULES[label][:3]) for label in self.rules]
        comparison = compare_budget_rules(election, rules=rules)
        self.elapsed = time.perf_counter() - start
        self.proportionality = {}
        self.comparison = comparison
        if self.auto_proportionality and self.approval:
            self.check_proportionality()
        self.status = "ready"
        return comparison

    def _on_budget(self, change: Any) -> None:
        if self.comparison is not None and change["new"] != change["old"]:
            self.compute()

    def _file_outcome(self) -> BudgetOutcome:
        from coprod_analytics.preferences.budgeting import BudgetOutcome

        e = self.election
        sel = e.projects["selected"].cast(pl.Int64, strict=False).fill_null(0) == 1
        ids = tuple(e.projects.filter(sel)["project_id"].to_list())
        cost = float(e.projects.filter(sel)["cost"].cast(pl.Float64).sum())
        return BudgetOutcome(rule=FILE_LABEL, selected=ids, cost=cost, budget=self.base_budget)

    def outcomes(self) -> dict[str, BudgetOutcome]:
        """label -> BudgetOutcome (plus the file's own selection at the file's budget).

        Returns
        -------
        dict of str to BudgetOutcome
        """
        out = dict(self._result().outcomes)
        if self.has_file_selection and self.budget == self.base_budget:
            out[FILE_LABEL] = self._file_outcome()
        return out

    def analyses(self) -> dict[str, OutcomeAnalysis]:
        """label -> OutcomeAnalysis (without EJR/PJR; see :attr:`proportionality`).

        Returns
        -------
        dict of str to OutcomeAnalysis
        """
        from coprod_analytics.preferences.budgeting import outcome_analysis

        out = dict(self._result().analyses)
        if self.has_file_selection and self.budget == self.base_budget:
            a = outcome_analysis(self.election, self._file_outcome(), check_proportionality=False)
            out[FILE_LABEL] = a
        return out

    def check_proportionality(self, *, time_limit: float = 5.0) -> pl.DataFrame:
        """Check EJR and PJR of every outcome (approval ballots only; slow on large
        elections: an integer program per ballot length).

        Parameters
        ----------
        time_limit : float, default 5.0
            Seconds per integer program; an unfinished check is reported as null.

        Returns
        -------
        polars.DataFrame
            ``rule``, ``ejr``, ``pjr`` (null: not decided); empty for other ballots. The
            witnesses are kept in :attr:`proportionality`.
        """
        from coprod_analytics.preferences.budgeting import outcome_analysis

        found: dict[str, Any] = {}
        if self.approval:
            election = self._election_at(self.budget)
            for label, outcome in self.outcomes().items():
                e = self.election if label == FILE_LABEL else election
                a = outcome_analysis(e, outcome, time_limit=time_limit)
                found[label] = {
                    "ejr": a.ejr,
                    "pjr": a.pjr,
                    "ejr_witness": a.ejr_witness,
                    "pjr_witness": a.pjr_witness,
                }
            self.proportionality = found
        return pl.DataFrame(
            {
                "rule": list(found),
                "ejr": [v["ejr"] for v in found.values()],
                "pjr": [v["pjr"] for v in found.values()],
            },
            schema={"rule": pl.String, "ejr": pl.Boolean, "pjr": pl.Boolean},
        )

    def _result(self) -> RuleComparison:
        if self.comparison is None:
            raise ValidationError("the rules have not been run yet; call compute() first")
        return self.comparison

    # ------------------------------------------------------------------ tables
    def funded(self) -> dict[str, list[str]]:
        """label -> funded project ids (funding order)."""
        return {k: list(o.selected) for k, o in self.outcomes().items()}

    def rules_table(self) -> pl.DataFrame:
        """One row per outcome: ``rule``, ``description``, ``funded`` (projects),
        ``cost``, ``leftover_share``, ``share_with_funded`` (voters with >= 1 funded
        project), ``mean_funded``, ``gini`` (of funded projects per voter), ``ejr``,
        ``pjr`` (null: not checked or not approval ballots)."""
        rows = []
        for label, a in self.analyses().items():
            f = a.to_frame().row(0, named=True)
            prop = self.proportionality.get(label, {})
            rows.append(
                {
                    "rule": label,
                    "description": BUDGET_RULES[label][3]
                    if label in BUDGET_RULES
                    else N_("The projects the city funded (the file's 'selected' column)"),
                    "funded": f["n_selected"],
                    "cost": f["total_cost"],
                    "leftover_share": f["leftover_share"],
                    "share_with_funded": f["share_with_funded"],
                    "mean_funded": f["mean_funded"],
                    "gini": f["gini_cardinality"],
                    "ejr": prop.get("ejr"),
                    "pjr": prop.get("pjr"),
                }
            )
        return pl.DataFrame(
            rows,
            schema={
                "rule": pl.String,
                "description": pl.String,
                "funded": pl.Int64,
                "cost": pl.Float64,
                "leftover_share": pl.Float64,
                "share_with_funded": pl.Float64,
                "mean_funded": pl.Float64,
                "gini": pl.Float64,
                "ejr": pl.Boolean,
                "pjr": pl.Boolean,
            },
        )

    def projects_table(self) -> pl.DataFrame:
        """One row per project (most votes or points first): ``project_id``, ``name``,
        ``cost``, ``votes`` (voters listing it; null below ``min_cell``), one Boolean column
        per outcome (funded or not), ``funded_by`` (how many of the rules fund it)."""
        e = self.election
        import numpy as np

        support = np.bincount(e.ballots.project_index, minlength=e.n_projects)
        base = pl.DataFrame(
            {
                "project_id": list(e.project_ids),
                "name": e.projects["name"].cast(pl.String)
                if "name" in e.projects.columns
                else [None] * e.n_projects,
                "cost": e.costs,
                "votes": support.astype(np.int64),
            },
            schema_overrides={"name": pl.String},
        )
        cmp_ = self._result()
        cols = []
        for label in cmp_.outcomes:
            cols.append(cmp_.projects[label].alias(label))
        if self.has_file_selection and self.budget == self.base_budget:
            sel = e.projects["selected"].cast(pl.Int64, strict=False).fill_null(0) == 1
            cols.append(sel.alias(FILE_LABEL))
        out = base.with_columns(cols).with_columns(
            pl.sum_horizontal([pl.col(k).cast(pl.Int64) for k in cmp_.outcomes]).alias("funded_by"),
            pl.Series("_score", cmp_.projects["score"]),
        )
        out = out.sort(["_score", "project_id"], descending=[True, False]).drop("_score")
        return _suppress(out, "votes", self.min_cell)

    def satisfaction_table(self, rule: str | None = None) -> pl.DataFrame:
        """How many funded projects voters got under ``rule`` (default: the selected one):
        ``n_funded``, ``voters`` (null below ``min_cell``), ``share``."""
        label = rule or self.selected_rule
        analyses = self.analyses()
        check_param(
            label in analyses,
            "rule",
            "BudgetState.satisfaction_table",
            f"one of {list(analyses)}",
            label,
        )
        d = analyses[label].satisfaction_distribution()
        return _suppress(d, "voters", self.min_cell, also=("share",))

    def satisfaction_long(self) -> pl.DataFrame:
        """Every outcome's satisfaction distribution: ``rule``, ``n_funded``, ``voters``,
        ``share`` (suppressed below ``min_cell``)."""
        return pl.concat(
            [
                self.satisfaction_table(k).select(
                    pl.lit(k).alias("rule"),
                    pl.col("n_funded").cast(pl.Int64),
                    pl.col("voters").cast(pl.Int64),
                    pl.col("share").cast(pl.Float64),
                )
                for k in self.analyses()
            ]
        )

    def n_suppressed(self) -> int:
        """Cells (project vote counts, satisfaction counts) hidden below ``min_cell``."""
        if not self.min_cell:
            return 0
        proj = self.projects_table().filter(pl.col("votes").is_null()).height
        sat = self.satisfaction_long().filter(pl.col("voters").is_null()).height
        return proj + sat


class RankingState(t.HasTraits):
    """Ranked-ballot rules side by side and Bradley–Terry strengths of pairwise data.

    Parameters
    ----------
    inquiry : Inquiry
        Holding ``rankings`` (participant_id, item_id, rank[, weight]) and/or
        ``pairwise`` (winner, loser[, tie][, participant_id][, weight]) tables.
    min_cell : int
        Results from fewer ballots (or raters) than this are not shown.
    l2 : float
        Bradley–Terry L2 penalty; when 0 and the comparison graph is not strongly
        connected, the state falls back to ``l2=fallback_l2`` and says so in ``notes``.
    fallback_l2 : float, default 0.1
        The penalty used in that case.
    compute : bool, default True
        Run the rules now.

    Attributes
    ----------
    alpha : float
        Level of the Bradley–Terry intervals (0.05 gives 95%).
    top_pairs : int
        How many "next pair" suggestions to list.

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> from coprod_analytics.preferences import ballots_from_orders
    >>> state = RankingState(Inquiry(tables={"rankings": ballots_from_orders(["abc", "abc", "bca"])}))
    >>> state.winners()
    {'borda': ['a', 'b'], 'copeland': ['a'], 'schulze': ['a'], 'kemeny': ['a']}
    """

    inquiry = t.Instance(Inquiry)
    alpha = t.Float(0.05)
    top_pairs = t.Int(3)
    min_cell = t.Int(0)
    rankings = t.Dict()
    bradley_terry = t.Any(None, allow_none=True)
    next_pairs: t.List[dict[str, Any]] = t.List()
    notes = t.List(t.Unicode())

    def __init__(
        self,
        inquiry: Inquiry,
        *,
        min_cell: int = 0,
        l2: float = 0.0,
        fallback_l2: float = 0.1,
        compute: bool = True,
    ) -> None:
        func = "RankingState"
        check_param(isinstance(inquiry, Inquiry), "inquiry", func, "an Inquiry", inquiry)
        _check_min_cell(min_cell, func)
        check_param(l2 >= 0, "l2", func, ">= 0", l2)
        check_param(fallback_l2 > 0, "fallback_l2", func, "> 0", fallback_l2)
        super().__init__(inquiry=inquiry, min_cell=min_cell)
        self.l2 = float(l2)
        self.fallback_l2 = float(fallback_l2)
        self.observe(self._refit, names=["alpha", "top_pairs"])
        if compute:
            self.compute()

    @property
    def has_rankings(self) -> bool:
        return has_rankings(self.inquiry.tables)

    @property
    def has_pairwise(self) -> bool:
        return has_pairwise(self.inquiry.tables)

    @property
    def n_ballots(self) -> float:
        """Ranked ballots (sum of weights)."""
        if not self.has_rankings:
            return 0.0
        r = self.inquiry.tables["rankings"]
        if "weight" in r.columns:
            return float(r.unique("participant_id")["weight"].sum())
        return float(r["participant_id"].n_unique())

    @property
    def n_raters(self) -> int | None:
        """Distinct raters of the pairwise data (None when not recorded)."""
        p = self.inquiry.tables.get("pairwise")
        if p is None or "participant_id" not in p.columns:
            return None
        return int(p["participant_id"].n_unique())

    def rankings_suppressed(self) -> bool:
        """Whether there are too few ballots to publish the rankings."""
        return is_small_cell(self.n_ballots, min_cell=self.min_cell)

    def pairwise_suppressed(self) -> bool:
        """Whether there are too few raters to publish the pairwise strengths."""
        n = self.n_raters
        return is_small_cell(n, min_cell=self.min_cell)

    def compute(self) -> None:
        """Run the four ranked-ballot rules and the Bradley–Terry fit."""
        from coprod_analytics.preferences import rank_ballots

        notes: list[str] = []
        found: dict[str, Any] = {}
        if self.has_rankings:
            ballots = self.inquiry.tables["rankings"]
            for method in RANKING_RULES:
                found[method] = rank_ballots(ballots, method=method)
            kem = found["kemeny"]
            if not kem.details.get("exact", True):
                notes.append(
                    "Kemeny–Young: more alternatives than the exact search handles; the "
                    "ranking shown is a local optimum (a heuristic)."
                )
        self.rankings = found
        self._fit(notes)
        self.notes = notes

    def _fit(self, notes: list[str]) -> None:
        from coprod_analytics.preferences import bradley_terry_pairwise, suggest_next_pair

        if not self.has_pairwise:
            self.bradley_terry = None
            self.next_pairs = []
            return
        comps = self.inquiry.tables["pairwise"]
        try:
            bt = bradley_terry_pairwise(comps, l2=self.l2, alpha=float(self.alpha))
        except ValidationError as exc:
            if self.l2 > 0 or "strongly connected" not in str(exc):
                raise
            bt = bradley_terry_pairwise(comps, l2=self.fallback_l2, alpha=float(self.alpha))
            notes.append(
                "The comparisons do not connect every item both ways (some never lost, or "
                "never won, against the rest), so the plain estimate does not exist; the "
                f"strengths shown are regularised (L2 penalty {self.fallback_l2:g})."
            )
        self.next_pairs = suggest_next_pair(bt, top=int(self.top_pairs)).rows(named=True)
        self.bradley_terry = bt  # last: views redraw on this change

    def _refit(self, change: Any) -> None:
        if self.has_pairwise:
            notes = [n for n in self.notes if "regularised" not in n]
            self._fit(notes)
            self.notes = notes

    # ------------------------------------------------------------------ tables
    def winners(self) -> dict[str, list[str]]:
        """method -> winners (several when tied).

        Returns
        -------
        dict of str to list of str
        """
        return {m: list(r.winners) for m, r in self.rankings.items()}

    def ranking_table(self) -> pl.DataFrame:
        """The rules side by side: ``position`` (1 is best) and one column per rule holding
        the alternative(s) at that position; tied alternatives share a cell, joined with
        ``" = "``, and the positions they take are marked ``(tie)``."""
        if not self.rankings:
            return pl.DataFrame({"position": []}, schema={"position": pl.Int64})
        m = max(sum(len(g) for g in r.ranking) for r in self.rankings.values())
        cols: dict[str, list[str | None]] = {}
        for method, res in self.rankings.items():
            cells: list[str | None] = [None] * m
            pos = 0
            for group in res.ranking:
                label = " = ".join(group) + (" (tie)" if len(group) > 1 else "")
                cells[pos] = label
                for k in range(pos + 1, pos + len(group)):
                    cells[k] = "↑ (tie)"
                pos += len(group)
            cols[RANKING_RULES[method]] = cells
        return pl.DataFrame({"position": list(range(1, m + 1)), **cols})

    def scores_table(self) -> pl.DataFrame:
        """Per item: its rank under each rule (1 is best; tied items share the rank),
        sorted by the Schulze rank then id: ``item_id`` and one column per rule."""
        frames = None
        for method, res in self.rankings.items():
            f = res.scores.select("item_id", pl.col("rank").alias(RANKING_RULES[method]))
            frames = (
                f if frames is None else frames.join(f, on="item_id", how="full", coalesce=True)
            )
        if frames is None:
            return pl.DataFrame({"item_id": []}, schema={"item_id": pl.String})
        key = RANKING_RULES["schulze"] if "schulze" in self.rankings else frames.columns[1]
        return frames.sort([key, "item_id"])

    def strengths_table(self) -> pl.DataFrame:
        """Bradley–Terry per item, strongest first: ``item_id``, ``log_strength``, ``ci_low``,
        ``ci_high``, ``p_beats_average`` (probability of beating an item of average
        strength), ``wins``, ``comparisons``, ``rank``."""
        bt = self.bradley_terry
        if bt is None:
            return pl.DataFrame()
        f = bt.to_frame()
        return f.select(
            pl.col("item_id").cast(pl.String),
            "log_strength",
            "ci_low",
            "ci_high",
            (1 / (1 + (-pl.col("log_strength")).exp())).alias("p_beats_average"),
            "wins",
            "comparisons",
            "rank",
        )

    def next_pairs_table(self) -> pl.DataFrame:
        """The most informative pairs to ask next: ``item_a``, ``item_b``, ``p_a_wins``,
        ``score``."""
        if not self.next_pairs:
            return pl.DataFrame()
        return pl.DataFrame(self.next_pairs).select(
            pl.col("item_a").cast(pl.String),
            pl.col("item_b").cast(pl.String),
            "p_a_wins",
            "score",
        )
