"""Crowd and agreement: wisdom-of-crowds estimates, rater agreement and diversity.

- :mod:`~coprod_analytics.crowd.estimates` — crowd estimates with intervals, the Diversity
  Prediction decomposition, log-odds pooling, surprisingly popular, Delphi rounds;
- :mod:`~coprod_analytics.crowd.agreement` — Krippendorff's alpha, Fleiss' kappa, Kendall's W,
  Tastle–Wierman, van der Eijk, Leik;
- :mod:`~coprod_analytics.crowd.diversity` — diversity, polarisation and participation
  inequality.

Each function takes the inquiry's table as stored (``ratings``, ``estimates``, ``choices`` and
``predictions``, ``votes``) or the Inquiry itself; columns of a user's own table are named
with keywords called after the canonical column (``participant_id="rater"``). See METHODS.md
sections 2–4.
"""

from coprod_analytics.crowd.agreement import (
    Level,
    RatingMatrix,
    agreement_by_item,
    fleiss_kappa,
    kendall_w,
    krippendorff_alpha,
    leik_dispersion,
    rating_matrix,
    tastle_wierman_consensus,
    van_der_eijk_agreement,
)
from coprod_analytics.crowd.diversity import (
    bimodality_coefficient,
    effective_number,
    esteban_ray_polarization,
    gini,
    participation_gini,
    rao_quadratic_entropy,
    shannon_diversity,
    simpson_diversity,
    vote_diversity,
)
from coprod_analytics.crowd.estimates import (
    CROWD_METHODS,
    CrowdEstimates,
    DelphiRounds,
    DiversityPrediction,
    SurprisinglyPopular,
    crowd_estimate,
    crowd_estimates,
    delphi_rounds,
    diversity_prediction,
    pool_forecasts,
    pool_log_odds,
    surprisingly_popular,
)

__all__ = [
    "CROWD_METHODS",
    "CrowdEstimates",
    "DelphiRounds",
    "DiversityPrediction",
    "Level",
    "RatingMatrix",
    "SurprisinglyPopular",
    "agreement_by_item",
    "bimodality_coefficient",
    "crowd_estimate",
    "crowd_estimates",
    "delphi_rounds",
    "diversity_prediction",
    "effective_number",
    "esteban_ray_polarization",
    "fleiss_kappa",
    "gini",
    "kendall_w",
    "krippendorff_alpha",
    "leik_dispersion",
    "participation_gini",
    "pool_forecasts",
    "pool_log_odds",
    "rao_quadratic_entropy",
    "rating_matrix",
    "shannon_diversity",
    "simpson_diversity",
    "surprisingly_popular",
    "tastle_wierman_consensus",
    "van_der_eijk_agreement",
    "vote_diversity",
]
