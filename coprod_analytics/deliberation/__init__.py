"""Deliberation change: pre/post shifts, the Deliberative Reason Index, Q-methodology.

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
from coprod_analytics.deliberation.simulate import (
    SimulatedPanel,
    simulate_dri_data,
    simulate_panel,
)

__all__ = [
    "DRI_LAMBDA",
    "DRIResult",
    "QMethodResult",
    "ShiftResult",
    "SimulatedPanel",
    "adjust_pvalues",
    "categorical_shift",
    "deliberative_reason_index",
    "did_shift",
    "dri_from_ic",
    "mixed_shift",
    "paired_shift",
    "q_method",
    "simulate_dri_data",
    "simulate_panel",
    "varimax",
    "welch_shift",
]
