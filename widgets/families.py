"""The one explicit list of method families: :data:`FAMILIES`.

Each family of methods has the same rooms in the core (``coprod_analytics/<family>/``) and in
the widgets (``coprod_widgets/<family>/``: ``state``, ``views``, ``figures``, ``report``). What a
dashboard shows and what a static report holds is read from this list only, so it never
depends on what happened to be imported before:

- a family's ``views`` module may define ``PANELS`` — folded sections of
  :class:`~coprod_widgets.dashboard.ConsensusDashboard`, each shown only when the inquiry has
  the data it needs (``applies(inquiry)``) and built only when the user opens it;
- a family's ``report`` module may define ``SECTIONS`` — the parts of the static report
  (:class:`~coprod_widgets.report.context.Section`).

A new family is one more line here (see ``docs/architecture.md``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coprod_analytics.inquiry import Inquiry
from coprod_widgets.i18n import N_, gettext_for

if TYPE_CHECKING:  # pragma: no cover
    from coprod_widgets.report.context import Section

__all__ = ["FAMILIES", "Family", "Panel", "panels", "sections"]

_ = gettext_for("report")


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
    applies : callable
        ``applies(inquiry) -> bool``: whether the inquiry has the data this panel needs.
    build : callable
        ``build(inquiry, *, min_cell) -> ipywidgets.Widget``: builds the panel's widget (a
        state object plus views) when first opened.

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> panel = next(p for p in panels() if p.key == "crowd-estimates")
    >>> panel.title, panel.applies(sample_inquiry())
    ('Crowd estimates', True)
    """

    key: str
    title: str
    order: int
    applies: Callable[[Inquiry], bool]
    build: Callable[..., Any]


@dataclass(frozen=True)
class Family:
    """One family of methods, as the widgets layer shows it.

    Attributes
    ----------
    key : str
        The family's folder name in ``coprod_analytics/`` and ``coprod_widgets/``.
    title : str
        What the family is about, in plain words.
    core : str
        The core package of its methods.
    views : str or None
        The widgets module whose ``PANELS`` the dashboard folds in (None: no extra panels;
        the consensus views are the dashboard itself).
    report : str or None
        The widgets module whose ``SECTIONS`` the static report holds.

    Examples
    --------
    >>> [f.key for f in FAMILIES]
    ['consensus', 'crowd', 'evidence', 'preferences', 'deliberation', 'text', 'mapping', 'session']
    >>> next(f for f in FAMILIES if f.key == "crowd").views
    'coprod_widgets.crowd.views'
    """

    key: str
    title: str
    core: str
    views: str | None
    report: str | None

    @property
    def heading(self) -> str:
        """The family's title in the current language (:attr:`title` is the English).

        Returns
        -------
        str

        Examples
        --------
        >>> from coprod_widgets.i18n import use_language
        >>> with use_language("fr"):
        ...     FAMILIES[0].heading != FAMILIES[0].title
        True
        """
        return _(self.title)


#: Every family, in the order the dashboard and the report show them.
FAMILIES: tuple[Family, ...] = (
    Family(
        "consensus",
        N_("Opinion groups and consensus"),
        "coprod_analytics.consensus",
        None,
        "coprod_widgets.consensus.report",
    ),
    Family(
        "crowd",
        N_("Crowd estimates and rater agreement"),
        "coprod_analytics.crowd",
        "coprod_widgets.crowd.views",
        "coprod_widgets.crowd.report",
    ),
    Family(
        "evidence",
        N_("Weighing the evidence"),
        "coprod_analytics.evidence",
        "coprod_widgets.evidence.views",
        "coprod_widgets.evidence.report",
    ),
    Family(
        "preferences",
        N_("Rankings, pairwise comparisons and participatory budgets"),
        "coprod_analytics.preferences",
        "coprod_widgets.preferences.views",
        "coprod_widgets.preferences.report",
    ),
    Family(
        "deliberation",
        N_("Deliberation change, Q-methodology and representativeness"),
        "coprod_analytics.deliberation",
        "coprod_widgets.deliberation.views",
        "coprod_widgets.deliberation.report",
    ),
    Family(
        "text",
        N_("Free text: topics, near-duplicates and what each group says"),
        "coprod_analytics.text",
        "coprod_widgets.text.views",
        "coprod_widgets.text.report",
    ),
    Family(
        "mapping",
        N_("Community mapping and participatory appraisal"),
        "coprod_analytics.mapping",
        "coprod_widgets.mapping.views",
        "coprod_widgets.mapping.report",
    ),
    Family(
        "session",
        N_("Live sessions"),
        "coprod_analytics.session",
        None,
        None,
    ),
)


def panels() -> list[Panel]:
    """Every family's dashboard panels, in order.

    Reads the ``PANELS`` of each family's ``views`` module in :data:`FAMILIES` (importing
    it).

    Returns
    -------
    list of Panel
        Sorted by ``order``, then ``key``.

    Examples
    --------
    >>> [p.key for p in panels()][:2]
    ['crowd-estimates', 'deliberation-change']
    """
    out: list[Panel] = []
    for family in FAMILIES:
        if family.views:
            out.extend(getattr(importlib.import_module(family.views), "PANELS", ()))
    return sorted(out, key=lambda p: (p.order, p.key))


def sections() -> list[Section]:
    """Every family's static-report sections in report order, then the provenance section.

    Reads the ``SECTIONS`` of each family's ``report`` module in :data:`FAMILIES`
    (importing it).

    Returns
    -------
    list of Section
        Sorted by ``order``, then ``key``; the
        :class:`~coprod_widgets.report.context.ProvenanceSection` last.

    Examples
    --------
    >>> [s.key for s in sections()][0], [s.key for s in sections()][-1]
    ('overview', 'provenance')
    """
    from coprod_widgets.report.context import ProvenanceSection

    out: list[Any] = []
    for family in FAMILIES:
        if family.report:
            out.extend(getattr(importlib.import_module(family.report), "SECTIONS", ()))
    return [*sorted(out, key=lambda s: (s.order, s.key)), ProvenanceSection()]
