"""The state object of the consensus views: it calls the core and holds the results.

Views (:mod:`coprod_widgets.consensus.views`) observe a :class:`ConsensusState` and only format and
draw what its tables say; every interaction (selecting a group, filtering, sorting) sets a
trait here, so it can be tested headlessly and every view follows it.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import polars as pl
import traitlets as t

from coprod_analytics.consensus.plots import (
    BOARD_KINDS,
    SORT_KEYS,
    group_votes_table,
    statement_board,
)
from coprod_analytics.consensus.result import OpinionGroups
from coprod_analytics.consensus.stability import StabilityResult
from coprod_analytics.errors import ParameterError, check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.intervals import wilson_interval
from coprod_widgets.i18n import gettext_for
from coprod_widgets.style import group_colour, group_label

__all__ = ["BOARD_KINDS", "SORT_KEYS", "ConsensusState", "wilson_interval"]

_ = gettext_for("report")


def _per_k_stability(stab: StabilityResult | None) -> pl.DataFrame | None:
    """Stability per k (``k``, ``stability``, ``pac``, ``supported``) from the core's
    resampling result (``OpinionGroups.stability``); None when not computed."""
    if stab is None or stab.to_frame().height == 0:
        return None
    frame = stab.to_frame()
    cols = [c for c in ("k", "stability", "pac", "supported") if c in frame.columns]
    return frame.select(cols).sort("k")


class ConsensusState(t.HasTraits):
    """Opinion groups of one inquiry and what the reader is looking at.

    Parameters
    ----------
    inquiry : Inquiry or path
        The inquiry, or any input :func:`~coprod_analytics.load_inquiry` reads.
    seed : int
        Random seed passed to :func:`~coprod_analytics.consensus.opinion_groups`.
    min_cell : int
        Small-cell threshold: per-group vote breakdowns with fewer than this many voters
        are suppressed in every view (0 shows everything; publish with 5).
    compute : bool
        Run the analysis now (default) or later with :meth:`compute`.
    **options
        Further keyword arguments of ``opinion_groups`` (``n_resamples``, ``stability``,
        ``k`` ...).

    Attributes
    ----------
    result : OpinionGroups or None
        The core's result.
    overview : Overview or None
        The first-look overview (:func:`coprod_analytics.first_look.overview`).
    selected_group : int or None
        The group the reader selected; every view follows it.
    show_statements : bool
        Whether the opinion map shows statement positions.
    board_kind : str
        One of :data:`BOARD_KINDS`.
    filter_text : str
        Case-insensitive text (or statement id) the board filters on.
    sort_by : str
        One of :data:`SORT_KEYS`.

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> state = ConsensusState(sample_inquiry(), seed=0)
    >>> state.group_ids
    [0, 1]
    >>> state.selected_group = 1
    >>> state.board_kind
    'representative'
    >>> state.board_table().height > 0
    True
    """

    inquiry = t.Instance(Inquiry)
    result = t.Any(None, allow_none=True)
    overview = t.Any(None, allow_none=True)
    seed = t.Int(0)
    min_cell = t.Int(0)
    selected_group = t.Int(None, allow_none=True)
    show_statements = t.Bool(False)
    board_kind = t.Enum(list(BOARD_KINDS), default_value="consensus")
    filter_text = t.Unicode("")
    sort_by = t.Enum(list(SORT_KEYS), default_value="consensus")
    status = t.Unicode("")

    def __init__(
        self,
        inquiry: Inquiry | str | os.PathLike[str],
        *,
        seed: int = 0,
        min_cell: int = 0,
        compute: bool = True,
        **options: Any,
    ) -> None:
        func = "ConsensusState"
        check_param(
            isinstance(seed, int) and not isinstance(seed, bool), "seed", func, "an int", seed
        )
        check_param(
            isinstance(min_cell, int) and not isinstance(min_cell, bool) and min_cell >= 0,
            "min_cell",
            func,
            "an int >= 0",
            min_cell,
        )
        if not isinstance(inquiry, Inquiry):
            from coprod_analytics.io.load import load_inquiry

            inquiry = load_inquiry(inquiry)
        super().__init__(inquiry=inquiry, seed=seed, min_cell=min_cell)
        self.options: dict[str, Any] = dict(options)
        if compute:
            self.compute()

    @classmethod
    def from_result(cls, result: OpinionGroups, *, min_cell: int = 0) -> ConsensusState:
        """A state around an existing result (no recomputation), e.g. to draw its figures.

        The inquiry is rebuilt from the result's vote matrix and statements.

        Parameters
        ----------
        result : OpinionGroups
            A result of :func:`~coprod_analytics.consensus.opinion_groups`.
        min_cell : int, default 0
            Small-cell threshold of the views.

        Returns
        -------
        ConsensusState

        Examples
        --------
        >>> from coprod_analytics.consensus import opinion_groups
        >>> from coprod_analytics.simulate import simulate_inquiry
        >>> res = opinion_groups(simulate_inquiry(40, 12, seed=1), bridging=False)
        >>> ConsensusState.from_result(res).group_ids == res.groups["group"].to_list()
        True
        """
        check_param(
            isinstance(result, OpinionGroups),
            "result",
            "ConsensusState.from_result",
            "an OpinionGroups result",
            type(result).__name__,
        )
        m = result.matrix
        if m is None:
            raise ParameterError(
                "The 'result' parameter of ConsensusState.from_result must carry its vote "
                "matrix (a result of opinion_groups). Got one built by hand."
            )
        votes = pl.DataFrame(
            {
                "participant_id": m.participant_ids.gather(m.rows),
                "statement_id": m.statement_ids.gather(m.cols),
                "vote": m.values.astype(np.int64),
            }
        )
        stmts = result.statements.select("statement_id", "text", "moderation", "is_meta")
        state = cls(Inquiry(votes=votes, statements=stmts), seed=result.seed, min_cell=min_cell,
                    compute=False)  # fmt: skip
        state.result = result
        state.status = "ready"
        return state

    # ------------------------------------------------------------------ analysis
    def compute(self) -> OpinionGroups:
        """Run the core analysis (opinion groups and the first-look overview).

        Returns
        -------
        OpinionGroups
            The new :attr:`result` (also set on the state).
        """
        from coprod_analytics.consensus import opinion_groups
        from coprod_analytics.first_look import overview

        self.status = "computing"
        self.overview = overview(self.inquiry)
        self.result = opinion_groups(self.inquiry, seed=self.seed, **self.options)
        if self.selected_group is not None and self.selected_group not in self.group_ids:
            self.selected_group = None
        self.status = "ready"
        return self.result

    def compute_stability(self) -> OpinionGroups:
        """Add resampling stability (and membership confidence) if it was not computed.

        Re-runs the analysis with ``stability=True`` and the same seed, so groups and their
        labels stay as they were; views follow the new result.

        Returns
        -------
        OpinionGroups
            The result, now with :attr:`~OpinionGroups.stability`.
        """
        if self.result is not None and self.result.stability is not None:
            return self.result
        self.options = {**self.options, "stability": True}
        return self.compute()

    # ------------------------------------------------------------------ validation
    @t.validate("selected_group")
    def _check_group(self, proposal: Any) -> Any:
        value = proposal["value"]
        if value is None:
            return None
        ids = self.group_ids
        if value not in ids:
            raise t.TraitError(f"selected_group must be None or one of {ids}; got {value!r}")
        return value

    @t.observe("selected_group")
    def _follow_group(self, change: Any) -> None:
        if change["new"] is not None:
            self.board_kind = "representative"
            self.sort_by = "representativeness"

    # ------------------------------------------------------------------ derived tables
    @property
    def group_ids(self) -> list[int]:
        """Group ids of the result (empty before :meth:`compute`)."""
        if self.result is None:
            return []
        return [int(g) for g in self.result.groups.get_column("group").to_list()]

    @property
    def title(self) -> str:
        """The inquiry's title (untrusted text: escape it before showing as HTML)."""
        return str(self.inquiry.metadata.get("title") or "Inquiry")

    @property
    def attribution(self) -> str | None:
        """The licence attribution of the input (Pol.is open data), if any."""
        value = self.inquiry.metadata.get("attribution")
        return str(value) if value else None

    def select_group(self, group: int | None) -> None:
        """Select a group (``None`` for everyone).

        Parameters
        ----------
        group : int or None
            Group number (0 is "Group A"), or None for everyone.

        Returns
        -------
        None

        Raises
        ------
        ParameterError
            For a group the result does not have.
        """
        if group is not None and group not in self.group_ids:
            raise ParameterError(
                f"The 'group' parameter of select_group must be None or one of "
                f"{self.group_ids}. Got {group!r}."
            )
        self.selected_group = group

    def group_table(self) -> pl.DataFrame:
        """Groups with ``label``, ``colour``, ``size``, ``share`` (of clustered people),
        ``x``, ``y``; sizes below ``min_cell`` are suppressed (null).

        Returns
        -------
        polars.DataFrame
        """
        res = self._result()
        g = res.groups.select("group", "size", "x", "y")
        total = int(g.get_column("size").sum()) or 1
        # labels in this thread: the language is a context variable, and polars may run
        # the expressions of one with_columns in other threads
        g = g.with_columns(
            label=pl.Series([group_label(x) for x in g["group"]], dtype=pl.String),
            colour=pl.Series([group_colour(x) for x in g["group"]], dtype=pl.String),
            share=pl.col("size") / total,
        ).select("group", "label", "colour", "size", "share", "x", "y")
        if self.min_cell:
            from coprod_analytics.consensus.plots import published_group_sizes
            from coprod_analytics.privacy import suppress_small_cells

            g = suppress_small_cells(
                g, count_column="size", min_cell=self.min_cell, also=["share"]
            ).frame
            # and the complementary size, so a small one is not the total minus the rest
            sizes = published_group_sizes(res, min_cell=self.min_cell)
            hidden = pl.col("group").is_in([k for k, n in sizes.items() if n is None])
            g = g.with_columns(
                size=pl.when(hidden).then(None).otherwise(pl.col("size")),
                share=pl.when(hidden).then(None).otherwise(pl.col("share")),
            )
        return g

    def participant_table(self) -> pl.DataFrame:
        """Participants with ``x``, ``y``, ``group``, ``label``, ``in_conv``, ``n_votes``
        and ``confidence`` (null unless stability was computed).

        Returns
        -------
        polars.DataFrame
        """
        p = self._result().participants
        return p.with_columns(
            label=pl.Series([group_label(x) for x in p["group"]], dtype=pl.String)
        )

    def statement_table(self) -> pl.DataFrame:
        """Statements of the result minus those moderated out or meta.

        Returns
        -------
        polars.DataFrame
        """
        return self._result().statements.filter(~pl.col("excluded"))

    def group_votes(self, statement_ids: list[Any] | None = None) -> pl.DataFrame:
        """Per group × statement: ``total``, ``agree_rate``, ``disagree_rate``,
        ``pass_rate``, ``agree_ci_low``, ``agree_ci_high`` and ``ci_method``
        (``"bootstrap"`` when the core computed it, else ``"wilson"``), in the order of
        ``statement_ids``; cells with fewer than ``min_cell`` voters are suppressed.

        Parameters
        ----------
        statement_ids : list, optional
            Only these statements, in this order (default: all).

        Returns
        -------
        polars.DataFrame
        """
        return group_votes_table(self._result(), statement_ids, min_cell=self.min_cell)

    def board_title(self) -> str:
        """A sentence saying what the board lists (plain text).

        Returns
        -------
        str
        """
        if self.board_kind == "representative":
            if self.selected_group is None:
                return _("What sets each group apart (representative statements)")
            return _("What sets {group} apart (representative statements)").format(
                group=group_label(self.selected_group)
            )
        return _(BOARD_KINDS[self.board_kind])

    def board_table(self) -> pl.DataFrame:
        """The statements the board lists now, filtered and sorted.

        Only claims the votes carry are tags (the rule of
        :mod:`coprod_analytics.consensus.tags`); a statement listed while its votes are too
        few carries the tag "too few votes yet" instead, after the clear ones.

        Columns: ``statement_id``, ``text``, ``tags`` (list: "consensus: agree",
        "divisive", "represents Group A (agree)", "too few votes yet" ...), ``group_aware_consensus``, ``gac_ci_low``,
        ``gac_ci_high``, ``agree_rate``, ``n_votes``, ``bridging``, ``rep_rank`` (rank for
        the selected group, or the best rank over groups), ``rep_direction`` and
        ``evidence`` (``"clear"`` or ``"too few votes yet"``).

        Returns
        -------
        polars.DataFrame
        """
        return statement_board(
            self._result(),
            kind=self.board_kind,
            group=self.selected_group,
            filter_text=self.filter_text,
            sort_by=self.sort_by,
        )

    def stability_summary(self) -> dict[str, Any]:
        """What the stability view shows: ``silhouettes`` (k -> score, always),
        ``k``, ``best_k``, ``stability`` (the core's
        :class:`~coprod_analytics.consensus.stability.StabilityResult` or None),
        ``per_k`` (a table ``k``, ``stability`` and maybe ``supported``, or None),
        ``confidence`` (per clustered participant: group and confidence, or None when not
        computed) and ``notes``.

        Returns
        -------
        dict
            What the view needs (a widget-layer record, not a core result).
        """
        res = self._result()
        conf = res.participants.filter(
            pl.col("in_conv") & pl.col("confidence").is_not_null()
        ).select("group", "confidence")
        return {
            "per_k": _per_k_stability(res.stability),
            "silhouettes": dict(sorted(res.silhouettes.items())),
            "k": res.k,
            "best_k": res.best_k,
            "stability": res.stability,
            "confidence": conf if conf.height else None,
            "notes": list(res.notes),
        }

    def _result(self) -> OpinionGroups:
        if self.result is None:
            raise ParameterError(
                "ConsensusState has no result yet; call compute() first (or create it with "
                "compute=True)."
            )
        return self.result
