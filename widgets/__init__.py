"""coprod_widgets: the ipywidgets layer of coprod-analytics.

State objects call the core and hold results (:class:`ConsensusState`); views only format
and draw (:class:`OpinionMap`, :class:`StatementBoard`, :class:`StabilityView`);
:class:`ConsensusDashboard` composes them. Views of the other families: crowd estimates,
rater agreement and evidence (:class:`CrowdEstimateView`, :class:`AgreementPanel`,
:class:`EvidenceBoard`), budgets and rankings (:class:`BudgetExplorer`,
:class:`RankingBoard`), deliberation change, Q-method and representativeness
(:class:`ShiftView`, :class:`QFactorView`, :class:`RepresentationView`); each has its state
object. Static HTML reports come from :func:`build_report` and :func:`write_report`
(:mod:`coprod_widgets.report`). Names are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from coprod_widgets.consensus.state import ConsensusState
    from coprod_widgets.consensus.views import OpinionMap, StabilityView, StatementBoard
    from coprod_widgets.crowd.state import AgreementState, CrowdState
    from coprod_widgets.crowd.views import AgreementPanel, CrowdEstimateView
    from coprod_widgets.dashboard import ConsensusDashboard
    from coprod_widgets.deliberation.state import QMethodState, RepresentationState, ShiftState
    from coprod_widgets.deliberation.views import QFactorView, RepresentationView, ShiftView
    from coprod_widgets.evidence.state import EvidenceState
    from coprod_widgets.evidence.views import EvidenceBoard
    from coprod_widgets.preferences.state import BudgetState, RankingState
    from coprod_widgets.preferences.views import BudgetExplorer, RankingBoard
    from coprod_widgets.report import build_report, write_report

_LAZY: dict[str, str] = {
    "ConsensusDashboard": "coprod_widgets.dashboard",
    "ConsensusState": "coprod_widgets.consensus.state",
    "OpinionMap": "coprod_widgets.consensus.views",
    "StatementBoard": "coprod_widgets.consensus.views",
    "StabilityView": "coprod_widgets.consensus.views",
    "build_report": "coprod_widgets.report",
    "write_report": "coprod_widgets.report",
    "CrowdState": "coprod_widgets.crowd.state",
    "AgreementState": "coprod_widgets.crowd.state",
    "EvidenceState": "coprod_widgets.evidence.state",
    "CrowdEstimateView": "coprod_widgets.crowd.views",
    "AgreementPanel": "coprod_widgets.crowd.views",
    "EvidenceBoard": "coprod_widgets.evidence.views",
    "ShiftState": "coprod_widgets.deliberation.state",
    "QMethodState": "coprod_widgets.deliberation.state",
    "RepresentationState": "coprod_widgets.deliberation.state",
    "ShiftView": "coprod_widgets.deliberation.views",
    "QFactorView": "coprod_widgets.deliberation.views",
    "RepresentationView": "coprod_widgets.deliberation.views",
    "BudgetState": "coprod_widgets.preferences.state",
    "RankingState": "coprod_widgets.preferences.state",
    "BudgetExplorer": "coprod_widgets.preferences.views",
    "RankingBoard": "coprod_widgets.preferences.views",
}

__all__ = [
    "AgreementPanel",
    "AgreementState",
    "BudgetExplorer",
    "BudgetState",
    "ConsensusDashboard",
    "ConsensusState",
    "CrowdEstimateView",
    "CrowdState",
    "EvidenceBoard",
    "EvidenceState",
    "OpinionMap",
    "QFactorView",
    "QMethodState",
    "RankingBoard",
    "RankingState",
    "RepresentationState",
    "RepresentationView",
    "ShiftState",
    "ShiftView",
    "StabilityView",
    "StatementBoard",
    "build_report",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'coprod_widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
