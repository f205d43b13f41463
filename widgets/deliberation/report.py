"""Static-report sections of deliberation change, Q-methodology and representativeness.

Shown only when the inquiry holds the data (``panel`` or ``considerations`` +
``preferences``; ``qsorts``; ``population``). Every breakdown is published through
:func:`~coprod_analytics.privacy.suppress_small_cells` at ``ctx.min_cell`` and the section
says what was suppressed; Q-sorts are shown under pseudonyms (``Q-sort 1, 2, ...``).
"""

from __future__ import annotations

from dataclasses import dataclass

from coprod_widgets.core_text import core_text
from coprod_widgets.deliberation.figures import (
    distribution_figure,
    dri_figure,
    dri_html,
    group_shift_figure,
    loadings_alt,
    loadings_figure,
    population_alt,
    population_figure,
    q_html,
    representation_html,
    shift_alt,
    shift_html,
)
from coprod_widgets.deliberation.state import (
    QMethodState,
    RepresentationState,
    ShiftState,
    has_deliberation_data,
    has_population,
    has_qsorts,
)
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.report.context import ReportContext
from coprod_widgets.style import esc

__all__ = ["DeliberationChangeSection", "QMethodSection", "RepresentationSection"]

_ = gettext_for("report")


def _suppressed_sentence(ctx: ReportContext, notes: list[str], where: str) -> str:
    if not ctx.min_cell:
        return ""
    for note in notes:
        ctx.suppression_notes.append(f"{_(where)}: {note}")
    text = _("Small cells: no row of fewer than {n} people is shown in this section").format(
        n=ctx.min_cell
    )
    said = " (" + esc(" ".join(core_text(n) for n in notes)) + ")" if notes else ""
    return f"<p class='muted'>{esc(text)}{said}.</p>"


@dataclass(frozen=True)
class DeliberationChangeSection:
    """Before/after distributions, paired tests per item, DiD and the DRI.

    Attributes
    ----------
    key : str
        The section's id in the page.
    title : str
        Its heading.
    order : int
        Its place in the report.

    Examples
    --------
    >>> DeliberationChangeSection().key
    'deliberation-change'
    """

    key: str = "deliberation-change"
    title: str = N_("Did views move? Before and after deliberation")
    order: int = 400

    def applies(self, ctx: ReportContext) -> bool:
        """Whether the inquiry holds a panel or DRI data.

        Parameters
        ----------
        ctx : ReportContext
            The report being built (inquiry, seed, ``min_cell``).

        Returns
        -------
        bool
        """
        return has_deliberation_data(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        """The section's HTML (every breakdown published at ``ctx.min_cell``).

        Parameters
        ----------
        ctx : ReportContext
            The report being built (inquiry, seed, ``min_cell``).

        Returns
        -------
        str
        """
        state = ShiftState.from_inquiry(ctx.inquiry, min_cell=ctx.min_cell, seed=ctx.seed)
        notes: list[str] = []
        parts: list[str] = []
        if state.panel is not None:
            res = state.shift()
            if res.provenance is not None:
                ctx.provenance.append(res.provenance.to_dict())
            sig = state.shift_table().drop_nulls("p_adjusted")
            n_sig = sig.filter(sig["p_adjusted"] < 0.05).height
            parts.append(
                "<p>"
                + esc(
                    _(
                        "{items} items were answered {pre} and {post} deliberation; {moved} "
                        "moved significantly (adjusted p < 0.05, {correction})."
                    ).format(
                        items=len(state.items),
                        pre=state.pre,
                        post=state.post,
                        moved=n_sig,
                        correction=state.correction_text,
                    )
                )
                + "</p>"
            )
            for item in state.items:
                state.item = item
                parts.append(
                    ctx.figure_html(
                        distribution_figure(
                            state.distribution(notes),
                            item=item,
                            pre=state.pre,
                            post=state.post,
                            min_cell=ctx.min_cell,
                        ),
                        alt=shift_alt(state),
                    )
                )
            parts.append(shift_html(state, notes))
            for by in state.by_options:
                state.by = by
                table = state.shift_table(notes)
                rows = table.drop_nulls("estimate")
                if rows.height == 0:
                    continue
                parts.append(
                    "<h3>"
                    + esc(_("Shift by {what}").format(what=by))
                    + "</h3>"
                    + shift_html(state, notes)
                )
            state.by = ""
            state.item = state.items[0]
            parts.append(
                ctx.figure_html(
                    group_shift_figure(state.shift_table(), by=""),
                    alt="<p class='muted'>"
                    + _("Text alternative: the table of paired shifts above.")
                    + "</p>",
                )
            )
        dri = state.dri_table(notes)
        if dri is not None:
            parts.append("<h3>" + _("Deliberative Reason Index") + "</h3>")
            parts.append(
                ctx.figure_html(
                    dri_figure(dri),
                    alt="<p class='muted'>" + _("Text alternative: the DRI table below.") + "</p>",
                )
            )
            parts.append(dri_html(state, notes))
        parts.append(_suppressed_sentence(ctx, notes, self.title))
        return "".join(parts)


@dataclass(frozen=True)
class QMethodSection:
    """Q-methodology factors, loadings, distinguishing and consensus statements.

    Attributes
    ----------
    key : str
        The section's id in the page.
    title : str
        Its heading.
    order : int
        Its place in the report.

    Examples
    --------
    >>> QMethodSection().key
    'q-method'
    """

    key: str = "q-method"
    title: str = N_("Viewpoints (Q-methodology)")
    order: int = 410

    def applies(self, ctx: ReportContext) -> bool:
        """Whether the inquiry holds Q-sorts.

        Parameters
        ----------
        ctx : ReportContext
            The report being built (inquiry, seed, ``min_cell``).

        Returns
        -------
        bool
        """
        return has_qsorts(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        """The section's HTML (every breakdown published at ``ctx.min_cell``).

        Parameters
        ----------
        ctx : ReportContext
            The report being built (inquiry, seed, ``min_cell``).

        Returns
        -------
        str
        """
        state = QMethodState.from_inquiry(ctx.inquiry, pseudonymise=True)
        if state.result.provenance is not None:
            ctx.provenance.append(state.result.provenance.to_dict())
        parts = [
            "<p>"
            + _(
                "{sorts} Q-sorts of {statements} statements, {factors} factors (principal "
                "components, varimax, automatic flagging as R qmethod). Q-sorts are shown "
                "under pseudonyms."
            ).format(
                sorts=state.result.loadings.height,
                statements=state.result.zscores.height,
                factors=state.n_factors,
            )
            + "</p>",
            ctx.figure_html(loadings_figure(state.loadings_table()), alt=loadings_alt(state)),
        ]
        for f in state.factors:
            state.factor = f
            parts.append("<h3>" + esc(_("Factor {name}").format(name=f)) + "</h3>" + q_html(state))
        return "".join(parts)


@dataclass(frozen=True)
class RepresentationSection:
    """Participants vs population, weights, group make-up, exposure, attrition.

    Attributes
    ----------
    key : str
        The section's id in the page.
    title : str
        Its heading.
    order : int
        Its place in the report.

    Examples
    --------
    >>> RepresentationSection().key
    'representativeness'
    """

    key: str = "representativeness"
    title: str = N_("Who took part? Participants vs population")
    order: int = 420

    def applies(self, ctx: ReportContext) -> bool:
        """Whether the inquiry holds a population table naming a participants column.

        Parameters
        ----------
        ctx : ReportContext
            The report being built (inquiry, seed, ``min_cell``).

        Returns
        -------
        bool
        """
        return has_population(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        """The section's HTML (every breakdown published at ``ctx.min_cell``).

        Parameters
        ----------
        ctx : ReportContext
            The report being built (inquiry, seed, ``min_cell``).

        Returns
        -------
        str
        """
        groups = None
        if ctx.inquiry.votes.height:
            groups = ctx.consensus_state().result.participants.select("participant_id", "group")
        state = RepresentationState.from_inquiry(
            ctx.inquiry, groups=groups, min_cell=ctx.min_cell, seed=ctx.seed
        )
        parts: list[str] = []
        notes: list[str] = []
        for attr in state.attributes:
            state.attribute = attr
            table = state.comparison_table()
            notes += [n for n in state.comparison().notes if n.startswith("Cells")]
            parts.append(f"<h3>{esc(attr)}</h3>")
            parts.append(
                ctx.figure_html(
                    population_figure(table, attribute=attr),
                    alt=population_alt(table, attribute=attr),
                )
            )
            parts.append(representation_html(state))
        parts.append(_suppressed_sentence(ctx, sorted(set(notes)), self.title))
        return "".join(parts)


#: The sections of this family, in report order.
SECTIONS = (DeliberationChangeSection(), QMethodSection(), RepresentationSection())
