"""What the sections of a static report share: :class:`ReportContext`, the :class:`Section`
protocol, and the provenance section that closes every report.

Which sections a report has is said in one place, :data:`coprod_widgets.families.FAMILIES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import polars as pl

from coprod_analytics.inquiry import Inquiry
from coprod_widgets.core_text import core_text
from coprod_widgets.html import table_html
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.style import esc

if TYPE_CHECKING:  # pragma: no cover
    from coprod_widgets.consensus.state import ConsensusState

__all__ = ["ProvenanceSection", "ReportContext", "Section"]

_ = gettext_for("report")


@dataclass
class ReportContext:
    """What every section of one report shares.

    Attributes
    ----------
    inquiry : Inquiry
        The inquiry the report is about.
    seed : int, default 0
        Random seed of the analyses.
    min_cell : int, default 5
        Small-cell threshold; sections must not publish a breakdown of fewer people.
    options : dict
        Options of the analyses (e.g. ``opinion_groups`` keyword arguments under
        ``"opinion_groups"``).
    cache : dict
        Results computed by one section for the others (e.g. ``"consensus_state"``).
    suppression_notes : list of str
        Sentences saying what was suppressed (shown in the provenance section).
    provenance : list of dict
        Provenance records of the analyses run (shown at the end).

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> ctx = ReportContext(simulate_inquiry(60, 15, seed=1),
    ...                     options={"opinion_groups": {"bridging": False}})
    >>> ctx.consensus_state() is ctx.consensus_state()  # run once, then shared
    True
    >>> [p["method"] for p in ctx.provenance]
    ['opinion_groups']
    """

    inquiry: Inquiry
    seed: int = 0
    min_cell: int = 5
    options: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    suppression_notes: list[str] = field(default_factory=list)
    provenance: list[dict[str, Any]] = field(default_factory=list)
    _figures: int = 0

    def consensus_state(self) -> ConsensusState:
        """The opinion-groups analysis (run once, shared by the sections).

        The first call runs it with the context's seed, small-cell threshold and
        ``options["opinion_groups"]``, caches it under ``"consensus_state"`` and records its
        provenance.

        Returns
        -------
        ConsensusState
            The analysed state.
        """
        state = self.cache.get("consensus_state")
        if state is None:
            from coprod_widgets.consensus.state import ConsensusState

            state = ConsensusState(
                self.inquiry,
                seed=self.seed,
                min_cell=self.min_cell,
                **self.options.get("opinion_groups", {}),
            )
            self.cache["consensus_state"] = state
            self.provenance.append(state.result.provenance.to_dict())
        return state

    def small_cells_note(self, what: str) -> str:
        """The sentence saying which breakdowns were not shown ("" without suppression).

        Parameters
        ----------
        what : str
            What was left out, e.g. ``"questions or rounds answered by"``.

        Returns
        -------
        str
            An HTML paragraph.

        Examples
        --------
        >>> from coprod_analytics import simulate_inquiry
        >>> ReportContext(simulate_inquiry(20, 5, seed=1)).small_cells_note("items rated by")
        "<p class='muted'>Small cells: items rated by fewer than 5 people are not shown.</p>"
        """
        if not self.min_cell:
            return ""
        text = _("Small cells: {what} fewer than {n} people are not shown.")
        return "<p class='muted'>" + text.format(what=what, n=self.min_cell) + "</p>"

    def figure_html(self, fig: Any, *, alt: str, label: str | None = None) -> str:
        """A plotly figure as static HTML; plotly.js is inlined with the first figure.

        Parameters
        ----------
        fig : plotly.graph_objects.Figure
            The figure.
        alt : str
            The figure's text alternative (HTML, e.g. from
            :func:`~coprod_widgets.html.alt_table`), placed after it.
        label : str, optional
            The chart's accessible name (default: the figure's title, else "chart").

        Returns
        -------
        str
            A ``<figure class="chart">`` named with an ``aria-label`` (for assistive
            technology; plotly's SVG gets ``role="img"`` and the same name once drawn),
            holding the figure's ``<div>`` and then ``alt``.
        """
        from coprod_widgets.chart import figure_label

        first = self._figures == 0
        self._figures += 1
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=True if first else False,
            config={"displaylogo": False, "responsive": True},
            div_id=f"coprod-fig-{self._figures}",
        )
        name = esc(label or figure_label(fig))
        # the figure is named (plotly's toolbar buttons inside it stay reachable) and, once
        # drawn, plotly's SVG is an image with the same name
        label_svg = (
            "<script>(function(){var d=document.getElementById('coprod-fig-"
            f"{self._figures}');function f(){{var s=d&&d.querySelector('svg.main-svg');"
            "if(!s){return setTimeout(f,50);}s.setAttribute('role','img');"
            "s.setAttribute('aria-label',d.closest('figure').getAttribute('aria-label'));}f();})();"
            "</script>"
        )
        return (
            f'<figure class="chart" aria-label="{name}"><div class="chart-plot" role="group" '
            f'aria-label="{name}">{div}{label_svg}</div>{alt}</figure>'
        )


@runtime_checkable
class Section(Protocol):
    """One part of a static report.

    Attributes
    ----------
    key : str
        Unique id (also the HTML anchor).
    title : str
        Heading shown in the report and its table of contents.
    order : int
        Position (lower first): overview 100, consensus 200-299, provenance 1000.

    Examples
    --------
    A section is any object with these three attributes and the two methods:

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Note:
    ...     key: str = "note"
    ...     title: str = "A note"
    ...     order: int = 900
    ...     def applies(self, ctx):
    ...         return True
    ...     def render(self, ctx):
    ...         return "<p>Read with care.</p>"
    >>> isinstance(Note(), Section)
    True
    """

    @property
    def key(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def order(self) -> int: ...

    def applies(self, ctx: ReportContext) -> bool:
        """Whether this input has what the section needs.

        Parameters
        ----------
        ctx : ReportContext
            The report's shared context.

        Returns
        -------
        bool
            True when the section is to be rendered.
        """
        ...

    def render(self, ctx: ReportContext) -> str:
        """The section's body (HTML; escape every value from the data).

        Parameters
        ----------
        ctx : ReportContext
            The report's shared context.

        Returns
        -------
        str
            The HTML under the section's heading.
        """
        ...


@dataclass(frozen=True)
class ProvenanceSection:
    """The closing section of every report: how the report was made.

    It lists the input and its fingerprint, the seed, the version, the parameters of every
    analysis run, what small-cell suppression withheld and the data attribution.

    Attributes
    ----------
    key : str, default "provenance"
        Unique id (also the HTML anchor).
    title : str, default "How this report was made"
        Heading shown in the report.
    order : int, default 1000
        Position: after every other section, so that it sees what they ran.

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> inquiry = simulate_inquiry(30, 8, seed=1)
    >>> section = ProvenanceSection()
    >>> html = section.render(ReportContext(inquiry, min_cell=5))
    >>> section.applies(ReportContext(inquiry)), inquiry.fingerprint in html
    (True, True)
    >>> "fewer than 5 people" in html
    True
    """

    key: str = "provenance"
    title: str = N_("How this report was made")
    order: int = 1000

    def applies(self, ctx: ReportContext) -> bool:
        """Always: every report closes with how it was made.

        Parameters
        ----------
        ctx : ReportContext
            The report's shared context.

        Returns
        -------
        bool
            True.
        """
        return True

    def render(self, ctx: ReportContext) -> str:
        """The provenance table, the small-cell notes and the data attribution.

        Parameters
        ----------
        ctx : ReportContext
            The report's shared context (its provenance records and notes).

        Returns
        -------
        str
            The section's HTML.
        """
        import json

        from coprod_analytics.provenance import package_version

        inq = ctx.inquiry
        rows = [
            (_("input"), str(inq.metadata.get("source_path") or inq.metadata.get("title") or "")),
            (_("input format"), str(inq.metadata.get("source_format") or "")),
            (_("input fingerprint (SHA-256)"), inq.fingerprint),
            (_("seed"), str(ctx.seed)),
            (_("coprod-analytics version"), package_version()),
            (
                _("small-cell threshold"),
                _("fewer than {n} people suppressed").format(n=ctx.min_cell)
                if ctx.min_cell
                else _("none (every cell shown)"),
            ),
        ]
        for prov in ctx.provenance:
            rows.append(
                (
                    _("parameters of {method}").format(method=prov["method"]),
                    json.dumps(prov["parameters"], sort_keys=True, default=str),
                )
            )
        parts = [
            table_html(
                pl.DataFrame({_("what"): [r[0] for r in rows], _("value"): [r[1] for r in rows]}),
                aria_label=_("Provenance"),
            )
        ]
        if ctx.min_cell:
            parts.append(
                "<p id='suppression'><strong>"
                + _("Small cells suppressed:")
                + "</strong> "
                + _(
                    "no table or chart breakdown in this report shows a group or breakdown "
                    "of fewer than {n} people."
                ).format(n=ctx.min_cell)
                + "</p>"
            )
            for note in ctx.suppression_notes:
                parts.append(f"<p class='muted'>{esc(core_text(note))}</p>")
        state = ctx.cache.get("consensus_state")
        if state is not None:
            for note in state.result.notes:
                parts.append(f"<p class='muted'>{esc(_('Note:'))} {esc(core_text(note))}</p>")
        attribution = inq.metadata.get("attribution")
        if attribution:
            parts.append(
                f"<p class='attribution'><strong>{esc(_('Data:'))}</strong> {esc(attribution)}</p>"
            )
        return "".join(parts)
