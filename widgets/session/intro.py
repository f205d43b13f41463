"""The facilitator dashboard's introduction: the page's one ``<h1>`` and what the page does.

:class:`DashboardIntro` is drawn by :class:`~coprod_widgets.session.views.LiveDashboard` at the
top of the page, in the dashboard's language (the ``"dashboard"`` gettext domain), with an
invisible :class:`~coprod_widgets.dashboard.PageLanguage` that sets the page's ``lang``,
``dir`` and (in a language other than English) its title. Present mode hides the page (and
this introduction); :func:`hidden_heading` gives it the same ``<h1>`` for screen readers only,
so the page keeps exactly one.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from coprod_widgets.i18n import N_, current_language, gettext_for, html_lang, text_direction

_ = gettext_for("dashboard")

__all__ = ["HEADING", "PAGE_TITLE", "DashboardIntro", "hidden_heading"]

#: The page's one heading.
HEADING = N_("Live session — facilitator view")
#: The page's title (the Voila template's, in English).
PAGE_TITLE = N_("Live session: facilitator dashboard")
#: The explanation under the heading, one paragraph each.
PARAGRAPHS = (
    N_(
        "This page follows your session as it happens. The agenda lists every activity of "
        "the inquiry — the statements, the evidence to weigh, ratings, questions and "
        "estimates, the before/after poll, the questions about who is in the room, budget "
        "ballots, pairwise choices, rankings, open questions, the community map and the "
        "appraisal of its needs: open and close each one, start the next Delphi round or the "
        "second wave of the poll, and choose what the room sees. Each activity has its live "
        "result, updated within a second of an answer. Present shows one activity's result "
        "in large type for a projector (answers to a question that is still open stay off "
        "the screen, so nobody is swayed before answering)."
    ),
    N_(
        "You also see how many people have joined, whether there is enough data yet to see "
        "opinion groups, the groups as they form, and what participants sent in — "
        "statements, ideas and answers — and the words people wrote on the community map, "
        "waiting for you to approve or reject (nobody else sees them until you approve "
        "them). On the projector the map shows places counted in cells of at least five "
        "people, never one person's point. You can close or reopen the session and decide "
        "whether participants may add statements."
    ),
    N_(
        "There is no need to reload the page. Keep this address to yourself: whoever has it "
        "can moderate and close the session."
    ),
)

#: Visually hidden, read by screen readers (present mode's heading).
_SR_ONLY = (
    "position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
    "clip:rect(0,0,0,0);white-space:nowrap;border:0"
)


def intro_html() -> str:
    """The heading and the explanation, in the current language.

    Returns
    -------
    str
        ``<h1>`` and one ``<p>`` per paragraph (escaped text).

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> intro_html().startswith("<h1>Live session — facilitator view</h1><p>This page")
    True
    >>> with use_language("cy"):
    ...     intro_html().count("<h1>"), intro_html().count("<p>")
    (1, 3)
    """
    head = f"<h1>{html.escape(_(HEADING))}</h1>"
    return head + "".join(f"<p>{html.escape(_(p))}</p>" for p in PARAGRAPHS)


def hidden_heading() -> str:
    """The page's ``<h1>``, visually hidden (for present mode, which hides the page).

    Returns
    -------
    str

    Examples
    --------
    >>> hidden_heading().startswith('<h1 style="position:absolute')
    True
    """
    return f'<h1 style="{_SR_ONLY}">{html.escape(_(HEADING))}</h1>'


class DashboardIntro(widgets.VBox):
    """The top of the facilitator dashboard: the page's language, its heading and what the
    page does, in the current language.

    Parameters
    ----------
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Attributes
    ----------
    page_language : PageLanguage
        Sets the page's ``lang`` and ``dir``; its title too, in a language other than English.
    text : ipywidgets.HTML
        The heading and the paragraphs (:func:`intro_html`).

    Examples
    --------
    >>> from coprod_widgets.i18n import use_language
    >>> with use_language("ar"):
    ...     intro = DashboardIntro()
    >>> intro.page_language.lang, intro.page_language.dir, intro.page_language.title != ""
    ('ar', 'rtl', True)
    >>> DashboardIntro().page_language.title
    ''
    """

    def __init__(self, **kwargs: Any) -> None:
        from coprod_widgets.dashboard import PageLanguage

        english = current_language() == "en"
        self.page_language = PageLanguage(
            lang=html_lang(), dir=text_direction(), title="" if english else _(PAGE_TITLE)
        )
        self.text = widgets.HTML(intro_html())
        self.text.add_class("coprod-live-intro")
        super().__init__([self.page_language, self.text], **kwargs)
