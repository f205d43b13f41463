"""Preferences: voting rules on ballots and Bradley–Terry models of pairwise comparisons.

See :mod:`coprod_analytics.preferences.rankings` for the ballot tables and rules and
:mod:`coprod_analytics.preferences.pairwise` for pairwise comparisons.
"""

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
    "RankingResult",
    "approval_voting",
    "ballots_from_orders",
    "borda",
    "bradley_terry_pairwise",
    "copeland",
    "cumulative_voting",
    "kemeny_young",
    "majority_matrix",
    "pairwise_counts",
    "quadratic_voting",
    "rank_ballots",
    "schulze",
    "score_voting",
    "suggest_next_pair",
    "validate_ballots",
    "validate_comparisons",
]
