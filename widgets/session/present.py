"""Present mode: one activity's live result, full page, for the projector (:class:`PresentView`).

The view covers the whole page (``.coprod-present``: white on black, big type) and holds
nothing but the result and a small exit button (and the page's ``<h1>``, visually hidden,
so that the page keeps one heading for screen readers). It shows
:func:`~coprod_analytics.session.panels.screen_view` of the panel, so that the answers to a
question still open never reach the screen (independent answers make a crowd wise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from coprod_analytics.session.panels import LivePanel, screen_view
from coprod_widgets.i18n import gettext_for
from coprod_widgets.session.figures import present_html
from coprod_widgets.session.intro import hidden_heading

_ = gettext_for("dashboard")

__all__ = ["PresentView"]


class PresentView(widgets.VBox):
    """One activity's live result in large type, with a small exit button.

    Parameters
    ----------
    on_exit : callable, optional
        Called when the exit button is pressed.
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Attributes
    ----------
    heading : ipywidgets.HTML
        The page's ``<h1>`` for screen readers (present mode hides the page that shows it).
    exit : ipywidgets.Button
        The only control.
    screen : ipywidgets.HTML
        What the room sees.
    activity_id : str or None
        The activity shown.

    Examples
    --------
    >>> view = PresentView()
    >>> view.show(LivePanel("ratings", "ratings", "Buses", True, 1, 0, {}, "No answers yet."))
    >>> view.activity_id, "Buses" in view.screen.value
    ('ratings', True)
    """

    def __init__(self, *, on_exit: Callable[[], Any] | None = None, **kwargs: Any) -> None:
        self.on_exit = on_exit
        self.activity_id: str | None = None
        self.exit = widgets.Button(
            description=_("Exit"),
            icon="times",
            tooltip=_("Leave present mode"),
            layout=widgets.Layout(width="auto"),
        )
        self.exit.add_class("coprod-present-exit")
        self.exit.on_click(lambda _b: self.on_exit() if self.on_exit is not None else None)
        self.screen = widgets.HTML()
        self.heading = widgets.HTML(hidden_heading())
        super().__init__([self.heading, self.exit, self.screen], **kwargs)
        self.add_class("coprod-present")

    def show(self, panel: LivePanel) -> None:
        """Show ``panel`` as the room may see it.

        Parameters
        ----------
        panel : LivePanel
            The facilitator's panel (answers to open questions are held back here).
        """
        self.activity_id = panel.activity_id
        self.screen.value = present_html(screen_view(panel))
