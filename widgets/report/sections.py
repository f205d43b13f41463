"""The section protocol and registry of static reports, and the consensus sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import polars as pl
from coprod_widgets.render import alt_table, pct, statement_cards, table_html
from coprod_widgets.style import esc

from coprod_analytics.inquiry import Inquiry

if TYPE_CHECKING:  # pragma: no cover
    from coprod_widgets.state import ConsensusState

__all__ = [
    "ReportContext",
    "Section",
    "register_section",
    "registered_sections",
    "unregister_section",
]


@dataclass
class ReportContext:
    """What every section of one report shares.

    Attributes
    ----------
    inquiry : Inquiry
    seed : int
    min_cell : int
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
        """The opinion-groups analysis (run once, shared by the sections)."""
        state = self.cache.get("consensus_state")
        if state is None:
            from coprod_widgets.state import ConsensusState

            state = ConsensusState(
                self.inquiry,
                seed=self.seed,
                min_cell=self.min_cell,
                **self.options.get("opinion_groups", {}),
            )
            self.cache["consensus_state"] = state
            self.provenance.append(state.result.provenance.to_dict())
        return state

    def figure_html(self, fig: Any, *, alt: str) -> str:
        """A plotly figure as static HTML; plotly.js is inlined with the first figure of
        the report. ``alt`` is the figure's text alternative (HTML)."""
        first = self._figures == 0
        self._figures += 1
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=True if first else False,
            config={"displaylogo": False, "responsive": True},
            div_id=f"coprod-fig-{self._figures}",
        )
        return f'<figure class="chart">{div}{alt}</figure>'


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
    """

    @property
    def key(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def order(self) -> int: ...

    def applies(self, ctx: ReportContext) -> bool:
        """Whether this input has what the section needs."""
        ...

    def render(self, ctx: ReportContext) -> str:
        """The section's body (HTML; escape every value from the data)."""
        ...


_REGISTRY: dict[str, Section] = {}


def register_section(section: Section) -> Section:
    """Add (or replace) a section of every report built afterwards."""
    if not isinstance(section, Section):
        from coprod_analytics.errors import ParameterError

        raise ParameterError(
            "The 'section' parameter of register_section must have key, title, order, "
            f"applies(ctx) and render(ctx). Got {type(section).__name__}."
        )
    _REGISTRY[section.key] = section
    return section


def unregister_section(key: str) -> None:
    """Remove a section by key (no error when absent)."""
    _REGISTRY.pop(key, None)


def registered_sections() -> list[Section]:
    """The registered sections, in order."""
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.key))


def _has_votes(ctx: ReportContext) -> bool:
    return ctx.inquiry.votes.height > 0


@dataclass(frozen=True)
class OverviewSection:
    """Counts and the first look: where the room agrees, what it rejects, what divides it."""

    key: str = "overview"
    title: str = "First look"
    order: int = 100

    def applies(self, ctx: ReportContext) -> bool:
        return _has_votes(ctx)

    def render(self, ctx: ReportContext) -> str:
        from coprod_analytics.first_look import overview

        ov = overview(ctx.inquiry)
        c = ov.counts
        parts = [
            f"<p>{c['participants']:,} participants cast {c['votes']:,} votes on "
            f"{c['statements']:,} statements ({c['agree']:,} agree, {c['disagree']:,} "
            f"disagree, {c['pass']:,} pass).</p>"
        ]
        cols = ["statement_id", "text", "agree_rate", "disagree_rate", "total"]
        fmt = {"agree_rate": pct, "disagree_rate": pct}
        for heading, table in (
            ("Where the room agrees", ov.agreed()),
            ("What the room rejects", ov.rejected()),
            ("What divides the room", ov.divisive()),
        ):
            parts.append(
                table_html(
                    table.select(cols).rename({"total": "votes"}),
                    caption=heading,
                    aria_label=heading,
                    formatters=fmt,
                )
            )
        return "".join(parts)


@dataclass(frozen=True)
class OpinionGroupsSection:
    """The opinion map and the groups."""

    key: str = "opinion-groups"
    title: str = "Opinion groups"
    order: int = 200

    def applies(self, ctx: ReportContext) -> bool:
        return _has_votes(ctx)

    def render(self, ctx: ReportContext) -> str:
        from coprod_widgets.figures import opinion_map_figure
        from coprod_widgets.render import header_html

        state = ctx.consensus_state()
        groups = state.group_table()
        frame = groups.select(
            pl.col("label").alias("group"),
            pl.col("size").alias("people"),
            pl.col("share").alias("share of clustered"),
        )
        alt = alt_table(
            frame,
            summary=f"Text alternative: {state.result.k} opinion groups; table of groups",
            label="Opinion groups",
            formatters={"share of clustered": pct},
        )
        return (
            header_html(state, title=False)
            + ctx.figure_html(opinion_map_figure(state), alt=alt)
            + "<p class='muted'>Each dot is a participant placed by their votes: people "
            "who vote alike sit close together. Grey dots voted on too few statements to "
            "be placed in a group.</p>"
        )


@dataclass(frozen=True)
class StatementsSection:
    """Consensus, divisive and representative statements with per-group bars."""

    key: str = "statements"
    title: str = "Common ground and divisions"
    order: int = 210
    max_rows: int = 10

    def applies(self, ctx: ReportContext) -> bool:
        return _has_votes(ctx)

    def render(self, ctx: ReportContext) -> str:
        state = ctx.consensus_state()
        parts = [
            "<p class='muted'>Bars show, per group, the share who agree (green), disagree "
            "(orange) and pass (grey); the black bracket is the 95% interval of the agree "
            "rate.</p>"
        ]
        state.selected_group = None
        for kind, heading in (
            ("consensus", "Common ground: statements every group agrees on"),
            ("divisive", "What divides the groups"),
        ):
            state.board_kind = kind
            state.sort_by = "consensus" if kind == "consensus" else "votes"
            parts.append(f"<h3>{esc(heading)}</h3>")
            parts.append(statement_cards(state, state.board_table(), max_rows=self.max_rows))
        for g in state.group_ids:
            state.selected_group = g
            parts.append(f"<h3>{esc(state.board_title())}</h3>")
            parts.append(statement_cards(state, state.board_table(), max_rows=5))
        state.selected_group = None
        gv = state.group_votes()
        n_sup = gv.filter(pl.col("total").is_null()).height
        if ctx.min_cell and n_sup:
            ctx.suppression_notes.append(
                f"{n_sup} group × statement breakdowns with fewer than {ctx.min_cell} voters "
                "are not shown."
            )
        return "".join(parts)


@dataclass(frozen=True)
class StabilitySection:
    """How sure the split is."""

    key: str = "stability"
    title: str = "How sure is the split?"
    order: int = 220

    def applies(self, ctx: ReportContext) -> bool:
        return _has_votes(ctx)

    def render(self, ctx: ReportContext) -> str:
        from coprod_widgets.figures import confidence_figure, silhouette_figure, stability_figure
        from coprod_widgets.views import silhouette_sentence

        state = ctx.consensus_state()
        info = state.stability_summary()
        sil: dict[int, float] = info["silhouettes"]
        k = int(info["k"])
        parts = []
        if k in sil:
            parts.append(
                f"<p>The room was split into {k} groups; the silhouette of that split is "
                f"{sil[k]:.2f}, which indicates {silhouette_sentence(sil[k])}.</p>"
            )
        stab = info["stability"]
        if stab and stab.get("verdict"):
            parts.append(f"<p>Resampling verdict: <strong>{esc(stab['verdict'])}</strong></p>")
        if not stab:
            parts.append(
                "<p>Stability under resampling was <strong>not computed</strong> for this "
                "report (run with stability enabled to see how sure each person's group "
                "is).</p>"
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
                        summary="Text alternative: silhouette per number of groups",
                        label="Silhouette per number of groups",
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
                        summary="Text alternative: stability per number of groups",
                        label="Stability per number of groups",
                    ),
                )
            )
        conf = info["confidence"]
        if conf is not None:
            sizes = conf.group_by("group").len()
            small = sizes.filter(pl.col("len") < ctx.min_cell).get_column("group").to_list()
            conf = conf.filter(~pl.col("group").is_in(small))
            if conf.height:
                table = (
                    conf.group_by("group")
                    .agg(people=pl.len(), median=pl.col("confidence").median())
                    .sort("group")
                )
                parts.append(
                    ctx.figure_html(
                        confidence_figure(conf),
                        alt=alt_table(
                            table,
                            summary="Text alternative: membership confidence by group",
                            label="Membership confidence by group",
                            formatters={"median": pct},
                        ),
                    )
                )
        return "".join(parts)


@dataclass(frozen=True)
class ProvenanceSection:
    """Input fingerprint, parameters, seed, version, suppression and attribution."""

    key: str = "provenance"
    title: str = "How this report was made"
    order: int = 1000

    def applies(self, ctx: ReportContext) -> bool:
        return True

    def render(self, ctx: ReportContext) -> str:
        import json

        from coprod_analytics.provenance import package_version

        inq = ctx.inquiry
        rows = [
            ("input", str(inq.metadata.get("source_path") or inq.metadata.get("title") or "")),
            ("input format", str(inq.metadata.get("source_format") or "")),
            ("input fingerprint (SHA-256)", inq.fingerprint),
            ("seed", str(ctx.seed)),
            ("coprod-analytics version", package_version()),
            (
                "small-cell threshold",
                f"fewer than {ctx.min_cell} people suppressed"
                if ctx.min_cell
                else "none (every cell shown)",
            ),
        ]
        for prov in ctx.provenance:
            rows.append(
                (
                    f"parameters of {prov['method']}",
                    json.dumps(prov["parameters"], sort_keys=True, default=str),
                )
            )
        parts = [
            table_html(
                pl.DataFrame({"what": [r[0] for r in rows], "value": [r[1] for r in rows]}),
                aria_label="Provenance",
            )
        ]
        if ctx.min_cell:
            parts.append(
                f"<p id='suppression'><strong>Small cells suppressed:</strong> no table or "
                f"chart breakdown in this report shows a group or breakdown of fewer than "
                f"{ctx.min_cell} people.</p>"
            )
            for note in ctx.suppression_notes:
                parts.append(f"<p class='muted'>{esc(note)}</p>")
        state = ctx.cache.get("consensus_state")
        if state is not None:
            for note in state.result.notes:
                parts.append(f"<p class='muted'>Note: {esc(note)}</p>")
        attribution = inq.metadata.get("attribution")
        if attribution:
            parts.append(f"<p class='attribution'><strong>Data:</strong> {esc(attribution)}</p>")
        return "".join(parts)


for _section in (
    OverviewSection(),
    OpinionGroupsSection(),
    StatementsSection(),
    StabilitySection(),
    ProvenanceSection(),
):
    register_section(_section)
