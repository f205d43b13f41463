"""Deliberation and representation: pre/post shifts, the Deliberative Reason Index,
Q-methodology, and who took part compared with the population (representativeness,
weights, composition of groups).

See METHODS.md section 6. Heavy dependencies (scipy, statsmodels) are imported inside the
functions, so importing this subpackage is cheap.
"""

from coprod_analytics.deliberation.dri import (
    DRI_LAMBDA,
    DRIResult,
    deliberative_reason_index,
    dri_from_ic,
)
from coprod_analytics.deliberation.prepost import (
    ShiftResult,
    adjust_pvalues,
    categorical_shift,
    did_shift,
    mixed_shift,
    paired_shift,
    welch_shift,
)
from coprod_analytics.deliberation.qmethod import QMethodResult, q_method, varimax
from coprod_analytics.deliberation.representation import (
    BreakdownResult,
    WeightsResult,
    attrition,
    chi2_independence,
    compare_to_population,
    group_composition,
    participation_breakdown,
    poststratify_weights,
    rake_weights,
    statement_exposure,
)
from coprod_analytics.deliberation.simulate import (
    SimulatedPanel,
    simulate_dri_data,
    simulate_panel,
)

__all__ = [
    "DRI_LAMBDA",
    "BreakdownResult",
    "DRIResult",
    "QMethodResult",
    "ShiftResult",
    "SimulatedPanel",
    "WeightsResult",
    "adjust_pvalues",
    "attrition",
    "categorical_shift",
    "chi2_independence",
    "compare_to_population",
    "deliberative_reason_index",
    "did_shift",
    "dri_from_ic",
    "group_composition",
    "mixed_shift",
    "paired_shift",
    "participation_breakdown",
    "poststratify_weights",
    "q_method",
    "rake_weights",
    "simulate_dri_data",
    "simulate_panel",
    "statement_exposure",
    "varimax",
    "welch_shift",
]
