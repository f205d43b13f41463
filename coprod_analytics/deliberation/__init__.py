"""Deliberation and representation: pre/post shifts, the Deliberative Reason Index,
Q-methodology, and who took part compared with the population (representativeness,
weights, composition of groups).

Every analysis accepts its table as an :class:`~coprod_analytics.Inquiry` stores it (``panel``,
``considerations``/``preferences``, ``qsorts``, ``participants``/``population``) or the
Inquiry itself. See METHODS.md section 6. Heavy dependencies (scipy, statsmodels) are
imported inside the functions, so importing this subpackage is cheap.

Modules: :mod:`~.prepost` (shifts), :mod:`~.dri`, :mod:`~.qmethod`,
:mod:`~.representation`, :mod:`~.inference` (the multiple-testing correction and the
chi-square test both of them use), :mod:`~.simulate`, :mod:`~.inputs` (table schemas).
"""

from coprod_analytics.deliberation.dri import (
    DRI_LAMBDA,
    DRIResult,
    deliberative_reason_index,
    dri_from_ic,
)
from coprod_analytics.deliberation.inference import Chi2Result, chi2_independence
from coprod_analytics.deliberation.prepost import (
    ShiftResult,
    categorical_shift,
    did_shift,
    mixed_shift,
    paired_shift,
    welch_shift,
)
from coprod_analytics.deliberation.qmethod import (
    QMethodResult,
    VarimaxResult,
    q_method,
    varimax,
)
from coprod_analytics.deliberation.representation import (
    BreakdownResult,
    WeightsResult,
    attrition,
    compare_to_population,
    group_composition,
    participation_breakdown,
    poststratify_weights,
    rake_weights,
    statement_exposure,
)
from coprod_analytics.deliberation.simulate import (
    SimulatedDRI,
    SimulatedPanel,
    simulate_dri_data,
    simulate_panel,
)

__all__ = [
    "DRI_LAMBDA",
    "BreakdownResult",
    "Chi2Result",
    "DRIResult",
    "QMethodResult",
    "ShiftResult",
    "SimulatedDRI",
    "SimulatedPanel",
    "VarimaxResult",
    "WeightsResult",
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
