"""Static-report sections of opinion groups and consensus: the first look, the opinion
groups, the statements and how sure the split is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from coprod_analytics.privacy import is_small_cell, small_cell_expr
from coprod_widgets.consensus.figures import published_statement_cards
from coprod_widgets.core_text import stability_detail
from coprod_widgets.html import alt_table, pct, table_html
from coprod_widgets.i18n import N_, fmt_amount, fmt_decimal, gettext_for
from coprod_widgets.report.context import ReportContext
from coprod_widgets.style import esc, group_label

if TYPE_CHECKING:  # pragma: no cover
    from coprod_widgets.consensus.state import ConsensusState

__all__ = ["SECTIONS"]

_ = gettext_for("report")


def _has_votes(ctx: ReportContext) -> bool:
    return ctx.inquiry.votes.height > 0


@dataclass(frozen=True)
class OverviewSection:
    """Counts and the first look: where the room agrees, what it rejects, what divides it.

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_widgets.report.context import ReportContext
    >>> ctx = ReportContext(sample_inquiry())
    >>> section = OverviewSection()
    >>> section.applies(ctx), "<" in section.render(ctx)
    (True, True)
    """

    key: str = "overview"
    title: str = N_("First look")
    order: int = 100

    def applies(self, ctx: ReportContext) -> bool:
        """Whether the section has something to show (the inquiry has votes).

        Parameters
        ----------
        ctx : ReportContext
            The report being built.

        Returns
        -------
        bool
        """
        return _has_votes(ctx)

    def render(self, ctx: ReportContext) -> str:
        """The section's HTML (escaped texts, figures, text alternatives).

        Parameters
        ----------
        ctx : ReportContext
            The report being built (shared analyses, ``min_cell``, provenance).

        Returns
        -------
        str
        """
        from coprod_analytics.first_look import overview

        ov = overview(ctx.inquiry)
        c = ov.counts
        parts = [
            "<p>"
            + _(
                "{participants} participants cast {votes} votes on {statements} statements "
                "({agree} agree, {disagree} disagree, {passed} pass)."
            ).format(
                participants=fmt_amount(c["participants"]),
                votes=fmt_amount(c["votes"]),
                statements=fmt_amount(c["statements"]),
                agree=fmt_amount(c["agree"]),
                disagree=fmt_amount(c["disagree"]),
                passed=fmt_amount(c["pass"]),
            )
            + "</p>"
        ]
        for heading, table in (
            (_("Where the room agrees"), ov.agreed()),
            (_("What the room rejects"), ov.rejected()),
            (_("What divides the room"), ov.divisive()),
        ):
            parts.append(
                table_html(
                    _published_rates(table, min_cell=ctx.min_cell),
                    caption=heading,
                    aria_label=heading,
                )
            )
        if ctx.min_cell:
            parts.append(
                "<p class='muted'>"
                + _(
                    "Shares of fewer than {n} voters are withheld (with one more share where "
                    "the total would give them away)."
                ).format(n=ctx.min_cell)
                + "</p>"
            )
        return "".join(parts)


def _published_rates(table: pl.DataFrame, *, min_cell: int) -> pl.DataFrame:
    """Agree and disagree shares per statement as text, small shares withheld."""
    from coprod_widgets.consensus.figures import withheld_shares

    agree, disagree, votes = [], [], []
    for row in table.iter_rows(named=True):
        hidden = withheld_shares(
            {k: row[k] for k in ("agree", "disagree", "pass")}, min_cell=min_cell
        )
        if is_small_cell(row["total"], min_cell=min_cell):
            hidden = {"agree", "disagree", "pass"}
            votes.append(_("fewer than {n}").format(n=min_cell))
        else:
            votes.append(fmt_amount(row["total"]))
        texts = []
        for k in ("agree", "disagree"):
            if k not in hidden:
                texts.append(pct(row[f"{k}_rate"]))
            elif is_small_cell(row[k], min_cell=min_cell):
                texts.append(_("fewer than {n}").format(n=min_cell))
            else:
                texts.append(_("withheld"))
        agree.append(texts[0])
        disagree.append(texts[1])
    return pl.DataFrame(
        {
            "statement_id": table.get_column("statement_id"),
            "text": table.get_column("text"),
            "agree_rate": agree,
            "disagree_rate": disagree,
            "votes": votes,
        }
    )


@dataclass(frozen=True)
class OpinionGroupsSection:
    """The opinion map and the groups.

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_widgets.report.context import ReportContext
    >>> ctx = ReportContext(sample_inquiry())
    >>> section = OpinionGroupsSection()
    >>> section.applies(ctx), "<" in section.render(ctx)
    (True, True)
    """

    key: str = "opinion-groups"
    title: str = N_("Opinion groups")
    order: int = 200

    def applies(self, ctx: ReportContext) -> bool:
        """Whether the section has something to show (the inquiry has votes).

        Parameters
        ----------
        ctx : ReportContext
            The report being built.

        Returns
        -------
        bool
        """
        return _has_votes(ctx)

    def render(self, ctx: ReportContext) -> str:
        """The section's HTML (escaped texts, figures, text alternatives).

        Parameters
        ----------
        ctx : ReportContext
            The report being built (shared analyses, ``min_cell``, provenance).

        Returns
        -------
        str
        """
        from coprod_widgets.consensus.figures import opinion_map_figure
        from coprod_widgets.html import header_html

        state = ctx.consensus_state()
        groups = state.group_table()
        if ctx.min_cell:
            header, frame = _published_groups(state, ctx.min_cell)
        else:
            header = header_html(state, title=False)
            frame = groups.select(
                pl.col("label").alias("group"),
                pl.col("size").alias("people"),
                pl.col("share").alias("share of clustered"),
            )
        alt = alt_table(
            frame,
            summary=_("Text alternative: {k} opinion groups; table of groups").format(
                k=state.result.k
            ),
            label=_("Opinion groups"),
            formatters={"share of clustered": pct},
        )
        return (
            header
            + ctx.figure_html(opinion_map_figure(state, min_cell=ctx.min_cell), alt=alt)
            + _map_caption(ctx.min_cell)
        )


def _published_groups(state: ConsensusState, min_cell: int) -> tuple[str, pl.DataFrame]:
    """What the groups are (and the one verdict on them), with sizes withheld where a small
    one could be worked out."""
    from coprod_widgets.consensus.figures import published_group_sizes, verdict_html

    sizes = published_group_sizes(state, min_cell=min_cell)
    groups = state.group_table()
    labels = dict(groups.select("group", "label").iter_rows())
    true = dict(
        state.participant_table()
        .filter(pl.col("group").is_not_null())
        .group_by("group")
        .len()
        .iter_rows()
    )
    total = sum(true.values())

    def said(g: object) -> str:
        n = sizes.get(g)
        if n is not None:
            return _("{n} people").format(n=fmt_amount(n))
        return (
            _("fewer than {n} people").format(n=min_cell)
            if is_small_cell(true.get(g), min_cell=min_cell)
            else _("withheld")
        )

    text = ", ".join(f"{esc(labels.get(g, g))}: {said(g)}" for g in sizes)
    header = (
        '<div class="coprod"><p>'
        + _(
            "The {n} people who voted on enough statements fall into "
            "<strong>{k} opinion groups</strong> ({sizes}). Groups are people who tend "
            "to vote alike; they are found from the votes alone (Pol.is's method)."
        ).format(n=fmt_amount(total), k=state.result.k, sizes=text)
        + (
            " "
            + _(
                "Sizes of fewer than {n} are withheld with another size where needed, so that "
                "they cannot be worked out from the total."
            ).format(n=min_cell)
            if any(n is None for n in sizes.values())
            else ""
        )
        + "</p>"
        + verdict_html(state.result)
        + "</div>"
    )
    frame = pl.DataFrame(
        {
            "group": [str(labels.get(g, g)) for g in sizes],
            "people": [
                fmt_amount(sizes[g]) if sizes[g] is not None else said(g).replace(" people", "")
                for g in sizes
            ],
            "share of clustered": [
                None if sizes[g] is None else (sizes[g] or 0) / max(total, 1) for g in sizes
            ],
        },
        schema={"group": pl.String, "people": pl.String, "share of clustered": pl.Float64},
    )
    return header, frame


def _map_caption(min_cell: int) -> str:
    if not min_cell:
        return (
            "<p class='muted'>"
            + _(
                "Each dot is a participant placed by their votes: people who vote alike sit "
                "close together. Grey dots voted on too few statements to be placed in a group."
            )
            + "</p>"
        )
    return (
        "<p class='muted'>"
        + _(
            "People are placed by their votes (people who vote alike sit close together); to "
            "protect them no person is drawn: each shape holds most of one group's members. "
            "Groups of fewer than {n} people and the people who voted on too few statements "
            "to be placed are not drawn."
        ).format(n=min_cell)
        + "</p>"
    )


@dataclass(frozen=True)
class StatementsSection:
    """Consensus, divisive and representative statements with per-group bars.

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_widgets.report.context import ReportContext
    >>> ctx = ReportContext(sample_inquiry())
    >>> section = StatementsSection()
    >>> section.applies(ctx), "<" in section.render(ctx)
    (True, True)
    """

    key: str = "statements"
    title: str = N_("Common ground and divisions")
    order: int = 210
    max_rows: int = 10

    def applies(self, ctx: ReportContext) -> bool:
        """Whether the section has something to show (the inquiry has votes).

        Parameters
        ----------
        ctx : ReportContext
            The report being built.

        Returns
        -------
        bool
        """
        return _has_votes(ctx)

    def render(self, ctx: ReportContext) -> str:
        """The section's HTML (escaped texts, figures, text alternatives).

        Parameters
        ----------
        ctx : ReportContext
            The report being built (shared analyses, ``min_cell``, provenance).

        Returns
        -------
        str
        """
        state = ctx.consensus_state()
        parts = [
            "<p class='muted'>"
            + _(
                "Bars show, per group, the share who agree (green), disagree (orange) and "
                "pass (grey); the black bracket is the 95% interval of the agree rate."
            )
            + "</p>"
        ]
        state.selected_group = None
        for kind, heading in (
            ("consensus", _("Common ground: statements every group agrees on")),
            ("divisive", _("What divides the groups")),
        ):
            state.board_kind = kind
            state.sort_by = "consensus" if kind == "consensus" else "votes"
            parts.append(f"<h3>{esc(heading)}</h3>")
            parts.append(
                published_statement_cards(state, state.board_table(), max_rows=self.max_rows)
            )
        for g in state.group_ids:
            state.selected_group = g
            parts.append(f"<h3>{esc(state.board_title())}</h3>")
            parts.append(published_statement_cards(state, state.board_table(), max_rows=5))
        state.selected_group = None
        gv = state.group_votes()
        n_sup = gv.filter(pl.col("total").is_null()).height
        if ctx.min_cell and n_sup:
            ctx.suppression_notes.append(
                _(
                    "{count} group × statement breakdowns with fewer than {n} voters are not shown."
                ).format(count=n_sup, n=ctx.min_cell)
            )
        return "".join(parts)


@dataclass(frozen=True)
class StabilitySection:
    """How sure the split is.

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_widgets.report.context import ReportContext
    >>> ctx = ReportContext(sample_inquiry())
    >>> section = StabilitySection()
    >>> section.applies(ctx), "<" in section.render(ctx)
    (True, True)
    """

    key: str = "stability"
    title: str = N_("How sure is the split?")
    order: int = 220

    def applies(self, ctx: ReportContext) -> bool:
        """Whether the section has something to show (the inquiry has votes).

        Parameters
        ----------
        ctx : ReportContext
            The report being built.

        Returns
        -------
        bool
        """
        return _has_votes(ctx)

    def render(self, ctx: ReportContext) -> str:
        """The section's HTML (escaped texts, figures, text alternatives).

        Parameters
        ----------
        ctx : ReportContext
            The report being built (shared analyses, ``min_cell``, provenance).

        Returns
        -------
        str
        """
        from coprod_widgets.consensus.figures import (
            confidence_figure,
            silhouette_figure,
            silhouette_sentence,
            stability_figure,
            verdict_html,
        )

        state = ctx.consensus_state()
        info = state.stability_summary()
        sil: dict[int, float] = info["silhouettes"]
        k = int(info["k"])
        parts = [verdict_html(state.result)]
        if k in sil:
            parts.append(
                "<p>"
                + _(
                    "The map shows {k} groups (Pol.is's rule); the silhouette of that split "
                    "is {value} ({reading} on the map's two dimensions)."
                ).format(k=k, value=fmt_decimal(sil[k]), reading=silhouette_sentence(sil[k]))
                + "</p>"
            )
        stab = info["stability"]
        if stab is not None:
            parts.append(f"<p>{esc(_('Resampling:'))} {esc(stability_detail(stab, k))}.</p>")
        else:
            parts.append(
                "<p>"
                + _(
                    "Stability under resampling was <strong>not computed</strong> for this "
                    "report (run with stability enabled to see how sure each person's group "
                    "is)."
                )
                + "</p>"
            )
        if sil:
            frame = pl.DataFrame(
                {"k": list(sil), "silhouette": [round(v, 3) for v in sil.values()]}
            )
            parts.append(
                ctx.figure_html(
                    silhouette_figure(sil, k),
                    alt=alt_table(
                        frame,
                        summary=_("Text alternative: silhouette per number of groups"),
                        label=_("Silhouette per number of groups"),
                    ),
                )
            )
        per_k = info["per_k"]
        if per_k is not None and per_k.height:
            scores = {
                int(a): float(b)
                for a, b in per_k.select("k", "stability").iter_rows()
                if b is not None
            }
            parts.append(
                ctx.figure_html(
                    stability_figure(scores, k),
                    alt=alt_table(
                        per_k,
                        summary=_("Text alternative: stability per number of groups"),
                        label=_("Stability per number of groups"),
                    ),
                )
            )
        conf = info["confidence"]
        if conf is not None:
            sizes = conf.group_by("group").len()
            small = (
                sizes.filter(small_cell_expr("len", min_cell=ctx.min_cell))
                .get_column("group")
                .to_list()
            )
            if ctx.min_cell:  # and the sizes withheld with them in the opinion-groups section
                from coprod_widgets.consensus.figures import published_group_sizes

                published = published_group_sizes(state, min_cell=ctx.min_cell)
                small += [g for g, n in published.items() if n is None]
            conf = conf.filter(~pl.col("group").is_in(small))
            if conf.height:
                table = (
                    conf.group_by("group")
                    .agg(people=pl.len(), median=pl.col("confidence").median())
                    .sort("group")
                )
                table = table.with_columns(
                    pl.Series("group", [group_label(x) for x in table["group"]], dtype=pl.String)
                )
                parts.append(
                    ctx.figure_html(
                        confidence_figure(conf, min_cell=ctx.min_cell),
                        alt=alt_table(
                            table,
                            summary=_("Text alternative: membership confidence by group"),
                            label=_("Membership confidence by group"),
                            formatters={"median": pct},
                        ),
                    )
                )
        return "".join(parts)


#: The sections of this family, in report order.
SECTIONS = (OverviewSection(), OpinionGroupsSection(), StatementsSection(), StabilitySection())
