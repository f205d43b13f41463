"""coprod_widgets: the ipywidgets layer of coprod-analytics.

State objects call the core and hold results (:class:`ConsensusState`); views only format
and draw (:class:`OpinionMap`, :class:`StatementBoard`, :class:`StabilityView`);
:class:`ConsensusDashboard` composes them. Static reports are in
:mod:`coprod_widgets.report`, the Voila launcher in :mod:`coprod_widgets.voila_launcher`.
Names are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from coprod_widgets.dashboard import ConsensusDashboard
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
}

__all__ = [
    "ConsensusDashboard",
    "ConsensusState",
    "OpinionMap",
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
