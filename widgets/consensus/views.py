"""Views of a :class:`~coprod_widgets.consensus.state.ConsensusState`: they only format and draw.

Each view is an ``ipywidgets.VBox`` built from the state; nothing is displayed in a
constructor (show a view by leaving it last in a cell or with ``display(view)``). Views
observe the state's traits and redraw; interactions set traits on the state, so every view
follows (select a group on the map and the statement board changes).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import polars as pl

from coprod_analytics.privacy import is_small_cell
from coprod_widgets.chart import Chart
from coprod_widgets.consensus.figures import (
    STATEMENTS_TRACE,
    confidence_figure,
    opinion_map_figure,
    published_group_sizes,
    silhouette_figure,
    silhouette_sentence,
    stability_figure,
    verdict_html,
)
from coprod_widgets.consensus.state import BOARD_KINDS, SORT_KEYS, ConsensusState
from coprod_widgets.core_text import stability_detail
from coprod_widgets.html import CSS, alt_table, pct, statement_cards
from coprod_widgets.i18n import N_, fmt_decimal, gettext_for
from coprod_widgets.style import esc, group_label

__all__ = ["EVERYONE", "OpinionMap", "StabilityView", "StatementBoard"]

_ = gettext_for("report")
#: The core's board and sort labels (coprod_analytics.consensus.plots), for the catalog.
_CORE_LABELS = (
    N_("Common ground (consensus)"),
    N_("What divides groups"),
    N_("What sets a group apart"),
    N_("All statements"),
    N_("Group-aware consensus (high first)"),
    N_("Agree rate (high first)"),
    N_("Disagree rate (high first)"),
    N_("Number of votes (most first)"),
    N_("Bridging score (high first)"),
    N_("Representativeness (best first)"),
    N_("Statement id"),
)

#: Value of the "Everyone" group button (no group selected).
EVERYONE = -1


def _html(value: str = "", **kw: Any) -> widgets.HTML:
    return widgets.HTML(value=value, **kw)


class OpinionMap(widgets.VBox):
    """Participants on the opinion map, coloured by group.

    Click a point (or a group button) to select its group everywhere; tick "Show
    statements" to add the statements' positions (hover shows their text).

    Parameters
    ----------
    state : ConsensusState
        The computed state the view follows.
    **kwargs
        Passed to :class:`ipywidgets.VBox`.

    Attributes
    ----------
    figure : Chart
    group_buttons : ipywidgets.ToggleButtons
        "Everyone" and one button per group (values: :data:`EVERYONE` or the group id).
    statements_toggle : ipywidgets.Checkbox
    alt : ipywidgets.HTML
        The text alternative (groups, sizes and centres as a table).

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> view = OpinionMap(ConsensusState(sample_inquiry(), seed=0))
    >>> view.group_buttons.options[:2]
    (('Everyone', -1), ('Group A', 0))
    """

    def __init__(self, state: ConsensusState, **kwargs: Any) -> None:

        self.state = state
        self.figure = Chart(
            opinion_map_figure(state, min_cell=state.min_cell), alt=_("Opinion map")
        )
        self.group_buttons = widgets.ToggleButtons(
            options=self._group_options(),
            value=EVERYONE if state.selected_group is None else state.selected_group,
            description=_("Select:"),
            style={"button_width": "auto"},
        )
        self.group_buttons.add_class("coprod-group-buttons")
        self.statements_toggle = widgets.Checkbox(
            value=state.show_statements, description=_("Show statements"), indent=False
        )
        self.alt = _html(self._alt_html())
        self.group_buttons.observe(self._on_button, names="value")
        self.statements_toggle.observe(self._on_toggle, names="value")
        state.observe(self._on_selected, names="selected_group")
        state.observe(self._on_show_statements, names="show_statements")
        state.observe(self._on_result, names=["result", "min_cell"])
        super().__init__(
            [
                _html(CSS),
                widgets.HBox([self.group_buttons, self.statements_toggle]),
                self.figure,
                self.alt,
            ],
            **kwargs,
        )
        self.add_class("coprod-opinion-map")

    # ---------------------------------------------------------------- formatting
    def _group_options(self) -> list[tuple[str, int]]:
        opts = [(_("Everyone"), EVERYONE)]
        opts += [(group_label(g), g) for g in self.state.group_ids]
        return opts

    def _alt_html(self) -> str:
        groups = self.state.group_table()
        n_out = self.state.participant_table().filter(pl.col("group").is_null()).height
        if self.state.min_cell and is_small_cell(n_out, min_cell=self.state.min_cell):
            n_out_txt = _("fewer than {n}").format(n=self.state.min_cell)
        else:
            n_out_txt = str(n_out)
        sentence = (
            _("Text alternative: {k} opinion groups").format(k=len(groups))
            + (
                "; " + _("{n} people not clustered (too few votes)").format(n=n_out_txt)
                if n_out
                else ""
            )
            + ". "
            + _("Table of groups:")
        )
        frame = groups.select(
            pl.col("label").alias("group"),
            pl.col("size").alias("people"),
            pl.col("share").alias("share of clustered"),
            pl.col("x").round(2).alias("centre x"),
            pl.col("y").round(2).alias("centre y"),
        )
        return (
            '<div class="coprod">'
            + alt_table(
                frame,
                summary=sentence,
                label=_("Opinion groups on the map"),
                formatters={"share of clustered": pct},
            )
            + "</div>"
        )

    # ---------------------------------------------------------------- events
    def _on_button(self, change: Any) -> None:
        value = change["new"]
        self.state.selected_group = None if value in (None, EVERYONE) else int(value)

    def _on_toggle(self, change: Any) -> None:
        self.state.show_statements = bool(change["new"])

    def _on_show_statements(self, change: Any) -> None:
        self.statements_toggle.value = bool(change["new"])
        with self.figure.batch_update():
            for trace in self.figure.data:
                if trace.name in (STATEMENTS_TRACE, _(STATEMENTS_TRACE)):
                    trace.visible = bool(change["new"])

    def _on_selected(self, change: Any) -> None:
        sel = change["new"]
        self.group_buttons.value = EVERYONE if sel is None else sel
        with self.figure.batch_update():
            for trace in self.figure.data:
                g = (trace.meta or {}).get("group")
                if g is None:
                    continue
                trace.marker.opacity = 0.15 if (sel is not None and sel != g) else 0.8

    def _on_result(self, change: Any) -> None:
        self.figure.update(opinion_map_figure(self.state, min_cell=self.state.min_cell))
        self.group_buttons.options = self._group_options()
        self.alt.value = self._alt_html()


class StatementBoard(widgets.VBox):
    """Consensus, divisive and representative statements with agree/disagree/pass bars
    per group and the agree-rate interval; filter by text, sort, and follow the selected
    group.

    Parameters
    ----------
    state : ConsensusState
        The computed state the board follows.
    max_rows : int, default 12
        Cards shown at most.
    **kwargs
        Passed to :class:`ipywidgets.VBox`.

    Attributes
    ----------
    kind : ipywidgets.Dropdown
        What to list (:data:`~coprod_widgets.consensus.state.BOARD_KINDS`).
    filter : ipywidgets.Text
        Filter text (statement words or id).
    sort : ipywidgets.Dropdown
        Sort order (:data:`~coprod_widgets.consensus.state.SORT_KEYS`).
    title : ipywidgets.HTML
    cards : ipywidgets.HTML
        The statements (escaped text, bars with ``aria-label`` sentences), inside one
        ``<div class="coprod-board-render" data-board="...">`` that names the selection
        they were rendered for (:meth:`render_key`).

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> state = ConsensusState(sample_inquiry(), seed=0)
    >>> board = StatementBoard(state)
    >>> state.selected_group = 1
    >>> 'data-board="B|' in board.cards.value
    True
    """

    def __init__(self, state: ConsensusState, *, max_rows: int = 12, **kwargs: Any) -> None:
        self.state = state
        self.max_rows = max_rows
        self.kind = widgets.Dropdown(
            options=[(_(label), key) for key, label in BOARD_KINDS.items()],
            value=state.board_kind,
            description=_("Show:"),
        )
        self.filter = widgets.Text(
            value=state.filter_text,
            placeholder=_("filter by words or id"),
            description=_("Filter:"),
            continuous_update=True,
        )
        self.sort = widgets.Dropdown(
            options=[(_(label), key) for key, label in SORT_KEYS.items()],
            value=state.sort_by,
            description=_("Sort by:"),
        )
        self.links = [
            widgets.link((state, "board_kind"), (self.kind, "value")),
            widgets.link((state, "filter_text"), (self.filter, "value")),
            widgets.link((state, "sort_by"), (self.sort, "value")),
        ]
        self.title = _html()
        self.cards = _html()
        self.title.add_class("coprod-board-title")
        self.cards.add_class("coprod-board-cards")
        self.refresh()
        state.observe(
            self._on_change,
            names=["selected_group", "board_kind", "filter_text", "sort_by", "result", "min_cell"],
        )
        super().__init__(
            [_html(CSS), self.title, widgets.HBox([self.kind, self.sort]), self.filter, self.cards],
            **kwargs,
        )
        self.add_class("coprod-statement-board")

    def render_key(self) -> str:
        """What the board shows, as the ``data-board`` attribute of its rendered cards:
        ``"<group>|<kind>|<sort>|<filter>"`` with the group as a letter or ``everyone``.

        A browser (or a test) waits for this attribute to know that the cards on screen are
        the complete render for the current selection (the title and the cards are two
        widgets that update one after the other).

        Returns
        -------
        str

        Examples
        --------
        >>> from coprod_analytics.simulate import simulate_inquiry
        >>> board = StatementBoard(ConsensusState(simulate_inquiry(40, 10, seed=1)))
        >>> board.render_key()
        'everyone|consensus|consensus|'
        """
        g = self.state.selected_group
        group = "everyone" if g is None else chr(ord("A") + int(g))
        st = self.state
        return f"{group}|{st.board_kind}|{st.sort_by}|{st.filter_text}"

    def refresh(self) -> None:
        """Redraw from the state: the cards first, then the title.

        Returns
        -------
        None
        """
        board = self.state.board_table()
        self.cards.value = (
            f'<div class="coprod-board-render" data-board="{esc(self.render_key())}">'
            + statement_cards(self.state, board, max_rows=self.max_rows)
            + "</div>"
        )
        self.title.value = (
            f'<div class="coprod"><h3 aria-live="polite">{esc(self.state.board_title())}</h3>'
            '<p class="muted">'
            + esc(_("Bars:"))
            + ' <span class="swatch agree"></span>'
            + esc(_("agree"))
            + ' <span class="swatch disagree"></span>'
            + esc(_("disagree"))
            + ' <span class="swatch pass"></span>'
            + esc(_("pass"))
            + ", "
            + esc(_("per group; the black bracket is the 95% interval of the agree rate."))
            + "</p></div>"
        )

    def _on_change(self, change: Any) -> None:
        self.refresh()


class StabilityView(widgets.VBox):
    """How sure the split is: silhouette per k (always), resampling stability per k and
    membership confidence when the core computed them, or a clear "not computed" message.

    Parameters
    ----------
    state : ConsensusState
        The computed state the view follows.
    **kwargs
        Passed to :class:`ipywidgets.VBox`.

    Attributes
    ----------
    verdict : ipywidgets.HTML
        The one verdict on the groups (as on every page), then what the map's split and
        the resampling say about it.
    figures : list of Chart

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> view = StabilityView(ConsensusState(sample_inquiry(), seed=0))
    >>> "not computed" in view.verdict.value
    True
    """

    def __init__(self, state: ConsensusState, **kwargs: Any) -> None:
        self.state = state
        self.verdict = _html()
        self.verdict.add_class("coprod-stability-verdict")
        self.figures: list[Any] = []
        super().__init__([], **kwargs)
        self.add_class("coprod-stability")
        self.refresh()
        state.observe(lambda change: self.refresh(), names=["result", "min_cell"])

    def refresh(self) -> None:
        """Rebuild from the state.

        Returns
        -------
        None
        """

        info = self.state.stability_summary()
        sil: dict[int, float] = info["silhouettes"]
        k = int(info["k"])
        stab = info["stability"]
        lines = []
        if sil and k in sil:
            lines.append(
                _(
                    "The map shows <strong>{k} groups</strong> (Pol.is's rule); the silhouette "
                    "of that split is {value} ({reading} on the map's two dimensions)."
                ).format(k=k, value=fmt_decimal(sil[k]), reading=silhouette_sentence(sil[k]))
            )
        if stab is not None:
            lines.append(f"{esc(_('Resampling:'))} {esc(stability_detail(stab, k))}.")
        else:
            lines.append(
                _(
                    "Stability under resampling was <strong>not computed</strong> for this view "
                    "(run with {code}), so how sure each person's group is cannot be shown."
                ).format(code="<code>stability=True</code>")
            )
        children: list[Any] = [_html(CSS)]
        self.verdict.value = (
            '<div class="coprod">'
            + verdict_html(self.state.result)
            + "".join(f"<p>{x}</p>" for x in lines)
            + "</div>"
        )
        children.append(self.verdict)
        self.figures = []
        if sil:
            fig = Chart(silhouette_figure(sil, k), alt=_("Silhouette per number of groups"))
            self.figures.append(fig)
            frame = pl.DataFrame(
                {"k": list(sil), "silhouette": [round(v, 3) for v in sil.values()]}
            )
            children += [
                fig,
                _html(
                    '<div class="coprod">'
                    + alt_table(
                        frame,
                        summary=_("Text alternative: silhouette for k = {values}").format(
                            values=", ".join(map(str, sil))
                        ),
                        label=_("Silhouette per number of groups"),
                    )
                    + "</div>"
                ),
            ]
        per_k = info["per_k"]
        if per_k is not None and per_k.height:
            scores = {
                int(k): float(v)
                for k, v in per_k.select("k", "stability").iter_rows()
                if v is not None
            }
            fig = Chart(stability_figure(scores, k), alt=_("Stability per number of groups"))
            self.figures.append(fig)
            children += [
                fig,
                _html(
                    '<div class="coprod">'
                    + alt_table(
                        per_k,
                        summary=_("Text alternative: stability per number of groups"),
                        label=_("Stability per number of groups"),
                    )
                    + "</div>"
                ),
            ]
        conf = info["confidence"]
        min_cell = self.state.min_cell
        if conf is not None and min_cell:
            # the small-cell rule (as the report's stability section): groups of fewer
            # people, and those whose size is withheld with them, are left out; bins are
            # merged to at least min_cell people; no share of a group is printed
            hidden = [g for g, n in published_group_sizes(self.state, min_cell=min_cell).items()
                      if n is None]  # fmt: skip
            conf = conf.filter(~pl.col("group").is_in(hidden))
            conf = conf if conf.height else None
        if conf is not None:
            fig = Chart(
                confidence_figure(conf, min_cell=min_cell), alt=_("How sure each person's group is")
            )
            self.figures.append(fig)
            aggs = {"people": pl.len(), "median": pl.col("confidence").median()}
            if not min_cell:
                aggs["below_80"] = (pl.col("confidence") < 0.8).mean()
            table = conf.group_by("group").agg(**aggs).sort("group")
            table = table.with_columns(
                pl.Series("group", [group_label(x) for x in table["group"]], dtype=pl.String)
            )
            children += [
                fig,
                _html(
                    '<div class="coprod">'
                    + alt_table(
                        table,
                        summary=_("Text alternative: membership confidence by group"),
                        label=_("Membership confidence by group"),
                        formatters={"median": pct, "below_80": pct},
                    )
                    + "</div>"
                ),
            ]
        else:
            children.append(
                _html(
                    '<div class="coprod"><p class="muted">'
                    + esc(_("Membership confidence: not computed."))
                    + "</p></div>"
                )
            )
        self.children = tuple(children)
