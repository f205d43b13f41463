"""State of the evidence board: it calls the core and holds the result.

:class:`EvidenceState` -- the ranked evidence of
:func:`~coprod_analytics.evidence.weighing.weigh_evidence` with titles, and how differently
groups rate each item when groups are known.

Views (:mod:`coprod_widgets.evidence.views`) observe this state and only format and draw.
Every table a view publishes passes the small-cell rule here (``min_cell``): an item or a
group breakdown with fewer than ``min_cell`` raters is not shown.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import traitlets as t

from coprod_analytics.errors import ParameterError, check_param
from coprod_analytics.evidence.weighing import EvidenceWeighing
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.privacy import small_cell_expr
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.style import group_label

__all__ = [
    "EVIDENCE_SORT_KEYS",
    "GROUP_SOURCES",
    "EvidenceState",
    "has_evidence_data",
]

_ = gettext_for("report")

#: Where the evidence board's groups come from: key -> label.
GROUP_SOURCES: dict[str, str] = {
    "opinion_groups": N_(
        "opinion groups found from the votes (Pol.is method, as on the opinion map)"
    ),
    "polis_group_id": N_("the groups of the Pol.is export (participants' polis_group_id)"),
    "planted_group": N_("the simulator's planted groups (participants' planted_group)"),
    "none": N_("no groups"),
}

#: How the evidence board can be sorted: key -> label.
EVIDENCE_SORT_KEYS: dict[str, str] = {
    "score": "Weight: credibility x relevance (high first)",
    "credibility": "Credibility (high first)",
    "relevance": "Relevance (high first)",
    "divergence": "Group divergence in credibility (largest first)",
    "consensus": "Raters' consensus on credibility (low first)",
}


def has_evidence_data(inquiry: Inquiry) -> bool:
    """Whether the inquiry has evidence ratings.

    Parameters
    ----------
    inquiry : Inquiry
        The inquiry.

    Returns
    -------
    bool
        True when its ``evidence`` table has rows.

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> has_evidence_data(sample_inquiry())
    True
    """
    e = inquiry.tables.get("evidence")
    return e is not None and e.height > 0


def _load(inquiry: Any) -> Inquiry:
    if isinstance(inquiry, Inquiry):
        return inquiry
    from coprod_analytics.io.load import load_inquiry

    return load_inquiry(inquiry)


def _nonneg_int(value: Any, name: str, func: str) -> None:
    check_param(
        isinstance(value, int) and not isinstance(value, bool) and value >= 0,
        name,
        func,
        "an int >= 0",
        value,
    )


class EvidenceState(t.HasTraits):
    """The evidence board: ranked evidence with intervals and group divergence.

    Parameters
    ----------
    inquiry : Inquiry or path
        Uses ``evidence`` (and ``evidence_items`` for titles and sources).
    groups : {"auto", "opinion_groups", "polis_group_id", "planted_group", "none"}
        Where the groups come from. ``"auto"``: the opinion groups found from the votes
        when the inquiry has votes (the groups of the opinion map), else the participants'
        ``polis_group_id``, else their ``planted_group``, else none.
    opinion_groups : OpinionGroups, optional
        An opinion-groups result already computed on this inquiry (saves recomputing it).
    scale : (low, high), optional
        Rating scale (default: the range of the ratings).
    seed : int, default 0
        Seed of the bootstraps.
    n_resamples : int, default 1000
        Bootstrap resamples of each interval (0: no intervals).
    min_cell : int
        Group breakdowns with fewer raters are suppressed (and the item's group divergence
        with them); items rated by fewer people are not shown.

    Attributes
    ----------
    result : EvidenceWeighing or None
    group_source : str
        The groups used (a key of :data:`GROUP_SOURCES`).
    sort_by : str
        One of :data:`EVIDENCE_SORT_KEYS`.
    selected_evidence : evidence id whose per-group ratings are shown (None: the first).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> state = EvidenceState(sample_inquiry(), groups="planted_group", n_resamples=100)
    >>> state.group_source
    'planted_group'
    >>> state.board_table().height
    8
    """

    inquiry = t.Instance(Inquiry)
    result = t.Any(None, allow_none=True)
    group_source = t.Enum(list(GROUP_SOURCES), default_value="none")
    sort_by = t.Enum(list(EVIDENCE_SORT_KEYS), default_value="score")
    selected_evidence = t.Any(None, allow_none=True)
    seed = t.Int(0)
    n_resamples = t.Int(1000)
    min_cell = t.Int(0)

    def __init__(
        self,
        inquiry: Any,
        *,
        groups: str = "auto",
        opinion_groups: Any = None,
        scale: tuple[float, float] | None = None,
        seed: int = 0,
        n_resamples: int = 1000,
        min_cell: int = 0,
    ) -> None:
        func = "EvidenceState"
        check_param(
            groups == "auto" or groups in GROUP_SOURCES,
            "groups",
            func,
            f"'auto' or one of {list(GROUP_SOURCES)}",
            groups,
        )
        check_param(
            isinstance(seed, int) and not isinstance(seed, bool), "seed", func, "an int", seed
        )
        _nonneg_int(n_resamples, "n_resamples", func)
        _nonneg_int(min_cell, "min_cell", func)
        inquiry = _load(inquiry)
        if not has_evidence_data(inquiry):
            raise ParameterError("EvidenceState needs an 'evidence' table; the inquiry has none.")
        super().__init__(inquiry=inquiry, seed=seed, n_resamples=n_resamples, min_cell=min_cell)
        self.scale = scale
        self._opinion_groups = opinion_groups
        self.group_source = self._resolve(groups)
        self.compute()

    def _resolve(self, groups: str) -> str:
        cols = self.inquiry.participants.columns
        if groups != "auto":
            if groups in ("polis_group_id", "planted_group") and groups not in cols:
                raise ParameterError(
                    f"The 'groups' parameter of EvidenceState names the participants' column "
                    f"{groups!r}, which this inquiry does not have. Got {groups!r}."
                )
            if groups == "opinion_groups" and self.inquiry.votes.height == 0:
                raise ParameterError(
                    "The 'groups' parameter of EvidenceState must not be 'opinion_groups' for "
                    "an inquiry without votes. Got 'opinion_groups'."
                )
            return groups
        if self.inquiry.votes.height > 0:
            return "opinion_groups"
        for col in ("polis_group_id", "planted_group"):
            if col in cols and self.inquiry.participants.get_column(col).drop_nulls().len():
                return col
        return "none"

    def groups_table(self) -> pl.DataFrame | None:
        """The groups the divergence columns use.

        Returns
        -------
        polars.DataFrame or None
            ``participant_id`` -> ``group`` from :attr:`group_source` (None for "none").
        """
        src = self.group_source
        if src == "none":
            return None
        if src == "opinion_groups":
            if self._opinion_groups is None:
                from coprod_analytics.consensus import opinion_groups

                self._opinion_groups = opinion_groups(self.inquiry, seed=self.seed)
            people = self._opinion_groups.participants
            return people.filter(pl.col("group").is_not_null()).select("participant_id", "group")
        return (
            self.inquiry.participants.select("participant_id", pl.col(src).alias("group"))
            .drop_nulls()
            .with_columns(pl.col("group").cast(pl.Int64, strict=False))
            .drop_nulls()
        )

    def group_name(self, group: Any) -> str:
        """A group's label.

        Parameters
        ----------
        group : int or str
            The group as in :meth:`groups_table`.

        Returns
        -------
        str
            "Group A" for opinion groups, else "planted group 2 (name)" or "group 2".
        """
        if self.group_source == "opinion_groups":
            return group_label(group)
        names = (self.inquiry.metadata.get("simulation") or {}).get("group_names") or []
        if self.group_source == "planted_group" and 0 <= int(group) < len(names):
            return f"planted group {group} ({names[int(group)]})"
        return f"group {group}"

    @property
    def source_sentence(self) -> str:
        """Which groups the divergence columns use, in words.

        Returns
        -------
        str
        """
        return _("Groups: {source}.").format(source=_(GROUP_SOURCES[self.group_source]))

    @t.observe("group_source", "min_cell", "seed", "n_resamples")
    def _on_params(self, change: Any) -> None:
        if self.result is not None:
            self.compute()

    def compute(self) -> EvidenceWeighing | None:
        """Run :func:`~coprod_analytics.evidence.weighing.weigh_evidence` (items rated by fewer
        than ``min_cell`` people left out).

        Returns
        -------
        EvidenceWeighing or None
            The result (also in :attr:`result`); None when no item is left.
        """
        from coprod_analytics.evidence.weighing import weigh_evidence

        ev = self.inquiry.tables["evidence"]
        self.n_items_dropped = 0
        if self.min_cell:
            n = ev.group_by("evidence_id").len()
            small = n.filter(small_cell_expr("len", min_cell=self.min_cell)).get_column(
                "evidence_id"
            )
            self.n_items_dropped = small.len()
            ev = ev.filter(~pl.col("evidence_id").is_in(small.implode()))
        if ev.height == 0:
            self.result = None
            return None
        self.result = weigh_evidence(
            ev,
            groups=self.groups_table(),
            scale=self.scale,
            n_resamples=self.n_resamples,
            seed=self.seed,
            progress=False,
        )
        return self.result

    def titles(self) -> pl.DataFrame:
        """Titles and sources of the rated items.

        Returns
        -------
        polars.DataFrame
            ``evidence_id``, ``title``, ``source`` (untrusted texts; a missing title reads
            "Evidence <id>").
        """
        ids = self.inquiry.tables["evidence"].select("evidence_id").unique()
        items = self.inquiry.tables.get("evidence_items")
        out = ids
        if items is not None:
            out = ids.join(
                items.select([c for c in ("evidence_id", "title", "source") if c in items.columns]),
                on="evidence_id",
                how="left",
            )
        for c in ("title", "source"):
            if c not in out.columns:
                out = out.with_columns(pl.lit(None, dtype=pl.String).alias(c))
        return out.with_columns(
            pl.col("title").fill_null(pl.format("Evidence {}", pl.col("evidence_id")))
        )

    def group_breakdown(self) -> pl.DataFrame | None:
        """Each group's mean ratings of each item, small cells suppressed.

        Returns
        -------
        polars.DataFrame or None
            ``evidence_id``, ``group``, ``label``, ``n``, ``credibility``, ``relevance``
            (means); cells of fewer than ``min_cell`` raters are suppressed (null). None
            without groups.
        """
        res = self.result
        if res is None or res.group_table is None:
            return None
        g = res.group_table.with_columns(
            pl.col("n").cast(pl.Int64),
            label=pl.col("group").map_elements(self.group_name, return_dtype=pl.String),
        ).select("evidence_id", "group", "label", "n", "credibility", "relevance")
        if self.min_cell:
            from coprod_analytics.privacy import suppress_small_cells

            g = suppress_small_cells(
                g, count_column="n", min_cell=self.min_cell, also=["credibility", "relevance"]
            ).frame
        return g

    def board_table(self) -> pl.DataFrame:
        """The ranked evidence, sorted by :attr:`sort_by`, with ``title`` and ``source``.

        Returns
        -------
        polars.DataFrame
            Columns of the core's table (``rank`` is the rank by weight) plus ``title``,
            ``source`` and, with groups, ``divergence_suppressed`` (True where a group of
            fewer than ``min_cell`` raters hides the item's group gap and test).
        """
        res = self.result
        if res is None:
            return pl.DataFrame()
        table = res.table.join(self.titles(), on="evidence_id", how="left")
        groups = self.group_breakdown()
        if groups is not None:
            hidden = (
                groups.filter(pl.col("n").is_null()).get_column("evidence_id").unique().implode()
            )
            gap_cols = [c for c in table.columns if "_group_" in c]
            flag = pl.col("evidence_id").is_in(hidden)
            table = table.with_columns(
                *(pl.when(flag).then(None).otherwise(pl.col(c)).alias(c) for c in gap_cols),
                divergence_suppressed=flag,
            )
        key = self.sort_by
        if key == "score":
            table = table.sort("rank")
        elif key == "divergence" and "credibility_group_gap" in table.columns:
            table = table.sort("credibility_group_gap", descending=True, nulls_last=True)
        elif key == "consensus":
            table = table.sort("credibility_consensus", nulls_last=True)
        elif key in ("credibility", "relevance"):
            table = table.sort(key, descending=True, nulls_last=True)
        return table
