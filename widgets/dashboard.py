"""One call that composes the consensus views: :class:`ConsensusDashboard`, and the
accessible folded section it is made of: :class:`Disclosure`.

ipywidgets 8's ``Accordion`` draws its title as a ``div`` that a keyboard cannot reach. A
:class:`Disclosure` is a real ``<button aria-expanded aria-controls>`` inside a heading (a
tiny anywidget, no library) above a box that is shown only when the button is pressed: it
opens with Tab and Enter or Space, and a screen reader says whether it is open.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import anywidget
import ipywidgets as widgets
import traitlets

from coprod_analytics.inquiry import Inquiry
from coprod_widgets.consensus.state import ConsensusState
from coprod_widgets.consensus.views import OpinionMap, StabilityView, StatementBoard
from coprod_widgets.families import Panel, panels
from coprod_widgets.html import CSS, footer_html, header_html
from coprod_widgets.i18n import (
    check_language,
    current_language,
    gettext_for,
    html_lang,
    text_direction,
    use_language,
)

__all__ = ["ConsensusDashboard", "Disclosure", "DisclosureButton", "PageLanguage"]

_ = gettext_for("report")

_BUTTON_ESM = """
function render({ model, el }) {
  const heading = document.createElement("h2");
  heading.className = "coprod-disclosure-heading";
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "coprod-disclosure-button";
  const icon = document.createElement("span");
  icon.setAttribute("aria-hidden", "true");
  icon.className = "coprod-disclosure-icon";
  const label = document.createElement("span");
  btn.append(icon, label);
  heading.append(btn);
  el.append(heading);
  let tries = 0;
  const link = () => {
    const box = el.closest(".coprod-disclosure");
    const body = box && box.querySelector(".coprod-disclosure-body");
    if (body) {
      if (!body.id) body.id = "coprod-d-" + Math.random().toString(36).slice(2, 10);
      btn.setAttribute("aria-controls", body.id);
    } else if (tries++ < 600) {
      requestAnimationFrame(link);
    }
  };
  const sync = () => {
    const open = !!model.get("expanded");
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    label.textContent = model.get("title");
    icon.textContent = open ? "\u25be" : "\u25b8";
  };
  btn.addEventListener("click", () => {
    model.set("expanded", !model.get("expanded"));
    model.save_changes();
  });
  model.on("change:expanded", sync);
  model.on("change:title", sync);
  sync();
  link();
  return () => {
    model.off("change:expanded", sync);
    model.off("change:title", sync);
  };
}
export default { render };
"""

_BUTTON_CSS = """
.coprod-disclosure-heading { margin: 0; font-size: 1.05em; font-weight: 600; }
.coprod-disclosure-button {
  display: flex; align-items: center; gap: .5em; width: 100%; min-height: 44px;
  padding: .5em .8em; border: 1px solid #8a8a8a; border-radius: 6px; background: #f4f4f4;
  color: #1a1a1a; font: inherit; text-align: start; cursor: pointer;
}
.coprod-disclosure-button[aria-expanded="true"] { background: #e8eef7; }
.coprod-disclosure-button:hover { background: #e6e6e6; }
.coprod-disclosure-button:focus-visible { outline: 3px solid #1f5fbf; outline-offset: 2px; }
"""

_LANG_ESM = """
function render({ model, el }) {
  el.style.display = "none";
  const apply = () => {
    const root = document.documentElement;
    root.setAttribute("lang", model.get("lang"));
    root.setAttribute("dir", model.get("dir"));
    const title = model.get("title");
    if (title) {
      document.title = title;
      const main = document.querySelector("main[aria-label]");
      if (main) main.setAttribute("aria-label", title);
    }
  };
  model.on("change:lang", apply);
  model.on("change:dir", apply);
  model.on("change:title", apply);
  apply();
}
export default { render };
"""


class DisclosureButton(anywidget.AnyWidget):  # type: ignore[misc]
    """The button of a :class:`Disclosure`: ``<h2><button aria-expanded>`` (anywidget).

    Parameters
    ----------
    *args
        Passed to ``anywidget.AnyWidget`` (none are needed).
    **kwargs
        ``title`` (str) and ``expanded`` (bool), the synced traits.

    Examples
    --------
    >>> DisclosureButton(title="Details").expanded
    False
    """

    _esm = _BUTTON_ESM
    _css = _BUTTON_CSS
    title = traitlets.Unicode("").tag(sync=True)
    expanded = traitlets.Bool(False).tag(sync=True)


class PageLanguage(anywidget.AnyWidget):  # type: ignore[misc]
    """An invisible widget that sets the page's ``<html lang dir>`` (Voila pages) and, when
    given, its title (``document.title`` and the ``<main>`` landmark's name).

    Parameters
    ----------
    *args
        Passed to ``anywidget.AnyWidget`` (none are needed).
    **kwargs
        ``lang`` (BCP 47 tag), ``dir`` (``"ltr"`` or ``"rtl"``) and ``title`` (empty: the
        page keeps its own).

    Examples
    --------
    >>> PageLanguage(lang="ar", dir="rtl").dir
    'rtl'
    """

    _esm = _LANG_ESM
    lang = traitlets.Unicode("en").tag(sync=True)
    dir = traitlets.Unicode("ltr").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)


class Disclosure(widgets.VBox):
    """A folded section that opens with the keyboard: a button and the box it shows.

    Parameters
    ----------
    children : sequence of Widget, optional
        What the section holds (its :attr:`body`).
    title : str
        The button's text (already translated).
    expanded : bool, default False
        Open from the start.
    **kwargs
        Passed to :class:`ipywidgets.VBox`.

    Attributes
    ----------
    button : DisclosureButton
    body : ipywidgets.VBox
        Shown only while open.
    selected_index : int or None
        0 when open, None when folded (as an ``Accordion`` of one section).

    Examples
    --------
    >>> d = Disclosure([widgets.HTML("hi")], title="More")
    >>> d.get_title(0), d.selected_index, d.body.layout.display
    ('More', None, 'none')
    >>> d.button.expanded = True  # the reader presses the button
    >>> d.selected_index, d.body.layout.display
    (0, 'flex')
    """

    selected_index = traitlets.Int(None, allow_none=True)

    def __init__(
        self,
        children: Sequence[widgets.Widget] = (),
        *,
        title: str,
        expanded: bool = False,
        **kwargs: Any,
    ) -> None:
        self.button = DisclosureButton(title=title, expanded=expanded)
        self.body = widgets.VBox(list(children))
        self.body.add_class("coprod-disclosure-body")
        self.body.layout.display = "flex" if expanded else "none"
        super().__init__([self.button, self.body], **kwargs)
        self.add_class("coprod-disclosure")
        self.selected_index = 0 if expanded else None
        self.button.observe(self._pressed, names="expanded")
        self.observe(self._selected, names="selected_index")

    @property
    def titles(self) -> tuple[str]:
        """The title, as the one-element tuple of an ``Accordion``."""
        return (self.button.title,)

    def get_title(self, index: int = 0) -> str:
        """The button's text.

        Parameters
        ----------
        index : int
            Only 0 (one section).

        Returns
        -------
        str
        """
        return str(self.button.title)

    def _pressed(self, change: Any) -> None:
        self.selected_index = 0 if change["new"] else None

    def _selected(self, change: Any) -> None:
        open_ = change["new"] == 0
        self.button.expanded = open_
        self.body.layout.display = "flex" if open_ else "none"


class ConsensusDashboard(widgets.VBox):
    """Header, first look, opinion map, statement board, stability and provenance.

    Parameters
    ----------
    inquiry_or_path : Inquiry, path or ConsensusState
        What to show: an inquiry, any input :func:`~coprod_analytics.load_inquiry` reads,
        or an existing state (then ``seed``, ``min_cell`` and ``options`` are ignored).
    seed : int, default 0
        Random seed of the analysis.
    min_cell : int, default 0
        Suppress per-group breakdowns of fewer people than this (0: show all). Use 5 when
        the dashboard is published.
    show_title : bool
        Show the inquiry's title and counts in the header (a page that already shows them,
        like the live facilitator view, passes False).
    extra_panels : sequence of Panel, optional
        The panels of the other families to offer (default: every panel of the families
        list, :func:`~coprod_widgets.families.panels`, that applies to the inquiry).
    lang : str, optional
        The language of the dashboard's texts and numbers (one of
        :data:`coprod_widgets.i18n.LANGUAGES`; default: the current language, English
        unless :func:`~coprod_widgets.i18n.set_language` said otherwise). The page's
        ``<html lang dir>`` follow it (Arabic right to left).
    **options
        Further keyword arguments of :func:`~coprod_analytics.consensus.opinion_groups`.

    Attributes
    ----------
    state : ConsensusState
    opinion_map : OpinionMap
    board : StatementBoard
    stability : StabilityView or None
        Built when its section is first opened (or by :meth:`build_stability`).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> dash = ConsensusDashboard(sample_inquiry())
    >>> dash.state.selected_group = 0
    >>> dash.board.title.value.count("Group A")
    1
    """

    def __init__(
        self,
        inquiry_or_path: Inquiry | ConsensusState | str | os.PathLike[str],
        *,
        seed: int = 0,
        min_cell: int = 0,
        show_title: bool = True,
        extra_panels: Sequence[Panel] | None = None,
        lang: str | None = None,
        **options: Any,
    ) -> None:
        self.lang = check_language(lang) if lang is not None else current_language()
        with use_language(self.lang):
            self._build(inquiry_or_path, seed, min_cell, show_title, extra_panels, options)

    def _build(
        self,
        inquiry_or_path: Inquiry | ConsensusState | str | os.PathLike[str],
        seed: int,
        min_cell: int,
        show_title: bool,
        extra_panels: Sequence[Panel] | None,
        options: dict[str, Any],
    ) -> None:
        self.show_title = show_title
        # the folded panels of the other families (coprod_widgets.families), or a given list
        self._panel_specs: list[Panel] = list(panels() if extra_panels is None else extra_panels)
        if isinstance(inquiry_or_path, ConsensusState):
            state = inquiry_or_path
        else:
            state = ConsensusState(inquiry_or_path, seed=seed, min_cell=min_cell, **options)
        self.state = state
        self.header = widgets.HTML(self._header_html())
        self.header.add_class("coprod-header")
        self.first_look = widgets.HTML(self._first_look_html())
        self.opinion_map = OpinionMap(state, layout=widgets.Layout(flex="1 1 520px"))
        self.board = StatementBoard(state, layout=widgets.Layout(flex="1 1 520px"))
        # built when first opened (it is folded away, and the first page should be quick)
        self.stability: StabilityView | None = None
        self.footer = widgets.HTML(footer_html(state))
        self.footer.add_class("coprod-footer")
        first_look = Disclosure(
            [self.first_look],
            title=_("First look: where the room agrees, what it rejects, what divides it"),
        )
        stability = Disclosure(
            [widgets.VBox([])], title=_("How sure is the split? (group stability)")
        )
        stability.observe(self._open_stability, names="selected_index")
        self._stability_box = stability
        main = widgets.HBox(
            [self.opinion_map, self.board],
            layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start", width="100%"),
        )
        self.panels: dict[str, Any] = {}
        self._panel_box: dict[str, Any] = {}
        extra = self._panel_boxes(state)
        state.observe(self._on_result, names=["result", "min_cell"])
        # an inquiry without votes (e.g. a budget or rankings only) shows just its panels
        consensus = [first_look, main, stability] if state.inquiry.votes.height else []
        if not consensus and extra:
            extra[0].selected_index = 0  # nothing else to show: open the first panel
        self.page_language = PageLanguage(lang=html_lang(), dir=text_direction())
        super().__init__(
            [self.page_language, widgets.HTML(CSS), self.header, *consensus, *extra, self.footer]
        )
        self.add_class("coprod-dashboard")

    def _first_look_html(self) -> str:
        ov = self.state.overview
        if ov is None:
            return ""
        from coprod_widgets.style import esc

        # Overview's HTML escapes its texts; its plain summary lines are added for context
        return (
            '<div class="coprod">'
            + ov._repr_html_()
            + (
                "<p class='muted'>" + esc(ov.to_text().splitlines()[3]) + "</p>"
                if len(ov.to_text().splitlines()) > 3
                else ""
            )
            + "</div>"
        )

    def _panel_boxes(self, state: ConsensusState) -> list[Disclosure]:
        """One folded section per registered panel that applies to this inquiry."""
        inquiry = state.inquiry
        boxes = []
        for panel in self._panel_specs:
            if inquiry is None or not panel.applies(inquiry):
                continue
            box = Disclosure([widgets.VBox([])], title=_(panel.title))

            def _open(change: Any, panel: Any = panel, box: Any = box) -> None:
                if change["new"] == 0:
                    with use_language(self.lang):
                        self.build_panel(panel.key, box=box)

            box.observe(_open, names="selected_index")
            self._panel_box[panel.key] = box
            boxes.append(box)
        return boxes

    def build_panel(self, key: str, *, box: Any = None) -> Any:
        """The widget of a panel of the families list (built on first use).

        Parameters
        ----------
        key : str
            The panel's key.
        box : ipywidgets.Box, optional
            Where to put it (default: the panel's own folded section).

        Returns
        -------
        ipywidgets.Widget
        """
        if key not in self.panels:
            panel = {p.key: p for p in self._panel_specs}[key]
            widget = panel.build(self.state.inquiry, min_cell=self.state.min_cell)
            self.panels[key] = widget
            target = box if box is not None else self._panel_box.get(key)
            if isinstance(target, Disclosure):
                target.body.children = (widget,)
            elif target is not None:
                target.children = (widget,)
        return self.panels[key]

    def build_stability(self) -> StabilityView:
        """The stability view (built on first use; computes the resampling stability).

        Returns
        -------
        StabilityView
        """
        if self.stability is None:
            # resampling stability is computed when a reader first asks how sure the split
            # is, so that the first page stays quick
            body = self._stability_box.body
            body.children = (
                widgets.HTML(
                    "<p>" + _("Resampling the participants to see how sure the split is…") + "</p>"
                ),
            )
            self.state.compute_stability()
            self.stability = StabilityView(self.state)
            body.children = (self.stability,)
        return self.stability

    def _open_stability(self, change: Any) -> None:
        if change["new"] == 0:
            with use_language(self.lang):
                self.build_stability()

    def _header_html(self) -> str:
        if self.state.inquiry.votes.height == 0:
            from coprod_widgets.style import esc

            return f'<div class="coprod"><h1>{esc(self.state.title)}</h1></div>'
        from coprod_widgets.consensus.figures import verdict_html

        head = header_html(self.state, title=self.show_title)
        if self.state.result is None:
            return head
        # the one verdict on the groups, right under the headline (every page says the same)
        return head[: -len("</div>")] + verdict_html(self.state.result) + "</div>"

    def _on_result(self, change: Any) -> None:
        with use_language(self.lang):
            self._refresh()

    def _refresh(self) -> None:
        self.header.value = self._header_html()
        self.first_look.value = self._first_look_html()
        self.footer.value = footer_html(self.state)
