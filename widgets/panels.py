"""Extra dashboard panels for inputs besides votes (crowd estimates, evidence, budgets, ...).

A panel is a folded section of :class:`~coprod_widgets.dashboard.ConsensusDashboard` shown
only when the inquiry has the data it needs (``applies(inquiry)``) and built only when the
user opens it (``build(inquiry, min_cell=...)``), so a first page stays quick. Capabilities
register their panels in their own module; :data:`PANEL_MODULES` lists the modules imported
before the registry is read, so the core dashboard never names them one by one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from coprod_analytics.inquiry import Inquiry

__all__ = ["PANEL_MODULES", "Panel", "register_panel", "registered_panels"]

#: Modules that register panels when imported (one line per capability).
PANEL_MODULES: list[str] = [
    "coprod_widgets.deliberation",
    "coprod_widgets.crowd_views",
    "coprod_widgets.preference_views",
]


@dataclass(frozen=True)
class Panel:
    """One folded dashboard panel.

    Attributes
    ----------
    key : str
        Unique key.
    title : str
        The accordion title a facilitator reads (plain words).
    order : int
        Panels are shown by increasing order (the consensus views come first).
    applies : callable(Inquiry) -> bool
        Whether the inquiry has the data this panel needs.
    build : callable(Inquiry, *, min_cell: int) -> ipywidgets.Widget
        Builds the panel's widget (a state object plus views) when first opened.
    """

    key: str
    title: str
    order: int
    applies: Callable[[Inquiry], bool]
    build: Callable[..., Any]


_REGISTRY: dict[str, Panel] = {}


def register_panel(panel: Panel) -> Panel:
    """Add (or replace) a panel of every dashboard built afterwards."""
    _REGISTRY[panel.key] = panel
    return panel


def registered_panels() -> list[Panel]:
    """The registered panels, in order (importing :data:`PANEL_MODULES` first)."""
    for module in PANEL_MODULES:
        importlib.import_module(module)
    return sorted(_REGISTRY.values(), key=lambda p: (p.order, p.key))
