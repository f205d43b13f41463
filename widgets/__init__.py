"""coprod_widgets: the ipywidgets layer of coprod-analytics.

State objects call the core and hold results (:class:`ConsensusState`); views only format
and draw (:class:`OpinionMap`, :class:`StatementBoard`, :class:`StabilityView`);
:class:`ConsensusDashboard` composes them. Static reports are in
:mod:`coprod_widgets.report`, the Voila launcher in :mod:`coprod_widgets.voila_launcher`.
Views of the other capabilities: crowd estimates, rater agreement and evidence
(:class:`CrowdEstimateView`, :class:`AgreementPanel`, :class:`EvidenceBoard`), budgets and
rankings (:class:`BudgetExplorer`, :class:`RankingBoard`), deliberation change, Q-method and
representativeness (:class:`ShiftView`, :class:`QFactorView`, :class:`RepresentationView`);
each has its state object. Names are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from coprod_widgets.crowd_state import AgreementState, CrowdState, EvidenceState
    from coprod_widgets.crowd_views import AgreementPanel, CrowdEstimateView, EvidenceBoard
    from coprod_widgets.dashboard import ConsensusDashboard
    from coprod_widgets.deliberation import QFactorView, RepresentationView, ShiftView
    from coprod_widgets.deliberation_state import QMethodState, RepresentationState, ShiftState
    from coprod_widgets.preference_state import BudgetState, RankingState
    from coprod_widgets.preference_views import BudgetExplorer, RankingBoard
    from coprod_widgets.report import build_report, write_report
    from coprod_widgets.state import ConsensusState
    from coprod_widgets.views import OpinionMap, StabilityView, StatementBoard
    from coprod_widgets.voila_launcher import VoilaServer, start_voila

_LAZY: dict[str, str] = {
    "ConsensusDashboard": "coprod_widgets.dashboard",
    "ConsensusState": "coprod_widgets.state",
    "OpinionMap": "coprod_widgets.views",
    "StatementBoard": "coprod_widgets.views",
    "StabilityView": "coprod_widgets.views",
    "build_report": "coprod_widgets.report",
    "write_report": "coprod_widgets.report",
    "start_voila": "coprod_widgets.voila_launcher",
    "VoilaServer": "coprod_widgets.voila_launcher",
    "CrowdState": "coprod_widgets.crowd_state",
    "AgreementState": "coprod_widgets.crowd_state",
    "EvidenceState": "coprod_widgets.crowd_state",
    "CrowdEstimateView": "coprod_widgets.crowd_views",
    "AgreementPanel": "coprod_widgets.crowd_views",
    "EvidenceBoard": "coprod_widgets.crowd_views",
    "ShiftState": "coprod_widgets.deliberation_state",
    "QMethodState": "coprod_widgets.deliberation_state",
    "RepresentationState": "coprod_widgets.deliberation_state",
    "ShiftView": "coprod_widgets.deliberation",
    "QFactorView": "coprod_widgets.deliberation",
    "RepresentationView": "coprod_widgets.deliberation",
    "BudgetState": "coprod_widgets.preference_state",
    "RankingState": "coprod_widgets.preference_state",
    "BudgetExplorer": "coprod_widgets.preference_views",
    "RankingBoard": "coprod_widgets.preference_views",
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
    "VoilaServer",
    "build_report",
    "start_voila",
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
