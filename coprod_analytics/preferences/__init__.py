"""Preferences and budgets: how a room sets priorities.

- :mod:`~coprod_analytics.preferences.rankings` — ballot tables and voting rules (Borda,
  Copeland, Schulze, Kemeny–Young, approval, score, cumulative, quadratic);
- :mod:`~coprod_analytics.preferences.pairwise` — Bradley–Terry models of pairwise comparisons;
- :mod:`~coprod_analytics.preferences.budgeting` — participatory budgeting rules (greedy,
  Method of Equal Shares, sequential Phragmén) and outcome analysis.

Every function takes the tables exactly as an :class:`~coprod_analytics.inquiry.Inquiry`
stores them (``rankings``, ``pairwise``, ``budget_votes``, ...) or the Inquiry itself:

>>> from coprod_analytics import Inquiry
>>> inquiry = Inquiry(tables={"rankings": ballots_from_orders(["abc", "abc", "bca"])})
>>> schulze(inquiry.tables["rankings"]).winners, borda(inquiry).winners
(['a'], ['a', 'b'])
"""

from coprod_analytics.preferences.budgeting import (
    BudgetOutcome,
    BudgetTie,
    JRWitness,
    OutcomeAnalysis,
    RuleComparison,
    compare_budget_rules,
    equal_shares_budget,
    greedy_budget,
    outcome_analysis,
    phragmen_budget,
    run_budget_rule,
)
from coprod_analytics.preferences.pairwise import (
    BradleyTerryResult,
    bradley_terry_pairwise,
    pairwise_counts,
    suggest_next_pair,
    validate_comparisons,
)
from coprod_analytics.preferences.rankings import (
    RANKING_METHODS,
    RankingResult,
    approval_voting,
    ballots_from_orders,
    borda,
    copeland,
    cumulative_voting,
    kemeny_young,
    majority_matrix,
    quadratic_voting,
    rank_ballots,
    schulze,
    score_voting,
    validate_ballots,
)

__all__ = [
    "RANKING_METHODS",
    "BradleyTerryResult",
    "BudgetOutcome",
    "BudgetTie",
    "JRWitness",
    "OutcomeAnalysis",
    "RankingResult",
    "RuleComparison",
    "approval_voting",
    "ballots_from_orders",
    "borda",
    "bradley_terry_pairwise",
    "compare_budget_rules",
    "copeland",
    "cumulative_voting",
    "equal_shares_budget",
    "greedy_budget",
    "kemeny_young",
    "majority_matrix",
    "outcome_analysis",
    "pairwise_counts",
    "phragmen_budget",
    "quadratic_voting",
    "rank_ballots",
    "run_budget_rule",
    "schulze",
    "score_voting",
    "suggest_next_pair",
    "validate_ballots",
    "validate_comparisons",
]
