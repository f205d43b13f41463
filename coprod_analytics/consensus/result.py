"""The result of :func:`~coprod_analytics.consensus.opinion_groups`: :class:`OpinionGroups`.

Tables (polars)
---------------
``participants`` — one row per participant who voted, in matrix row order:

    ==================  ========  ===========================================================
    column              dtype     meaning
    ==================  ========  ===========================================================
    ``participant_id``  id        the participant
    ``x``, ``y``        Float64   Pol.is's sparsity-aware PCA projection
    ``group``           Int64     opinion group, null when not clustered (not in conversation)
    ``in_conv``         Boolean   passed Pol.is's in-conversation rule (clustered)
    ``n_votes``         Int64     latest votes cast (passes included)
    ``confidence``      Float64   membership confidence from resampling (null unless
                                  ``stability=True``)
    ==================  ========  ===========================================================

``statements`` — one row per statement, in the order of the inquiry's statements table:
``statement_id``, ``text``, ``moderation``, ``is_meta``, ``excluded`` (moderated out or
meta: zeroed in the projection, never representative or consensus), ``agree``,
``disagree``, ``pass``, ``n_votes`` (latest votes of everyone), ``agree_rate``, ``x``,
``y`` (projection of a virtual participant who agreed only with it), ``extremity`` (norm of
that projection), ``group_aware_consensus`` (Pol.is's product over groups of
(A+1)/(S+2)), ``gac_ci_low``/``gac_ci_high`` (bootstrap interval, null unless
``n_resamples > 0``), ``bridging`` and ``bridging_factor`` (Community-Notes-style intercept and
factor, null unless ``bridging=True`` succeeds), ``consensus`` (``"agree"`` /
``"disagree"`` when chosen as a Pol.is consensus statement, else null), ``is_consensus``,
``is_divisive`` (a significant majority of one group agrees, z > 1.2816 and smoothed rate
> 0.5, while a significant majority of another group disagrees), ``representative_for``
(groups it represents), ``priority`` (Pol.is's comment priority) and the honest tags of
:mod:`~coprod_analytics.consensus.tags` (Wilson intervals of the rates clear of 1/2):
``consensus_clear`` (``"agree"``/``"disagree"`` when every group's interval is above 1/2,
else null), ``divisive_clear`` (one group clearly agrees, another clearly disagrees) and
``too_few_votes`` (no claim is clear yet but one is still possible).

``group_votes`` — long table, one row per (group, statement): ``group``,
``statement_id``, ``agree``, ``disagree``, ``pass``, ``total`` (counts over clustered members
of the group), ``agree_rate``, ``disagree_rate``, ``pass_rate`` (counts / total, null when
total is 0), Pol.is's representativeness statistics ``pa``, ``pd`` (smoothed rates),
``pat``, ``pdt`` (one-proportion z), ``ra``, ``rd`` (ratio to the rest), ``rat``, ``rdt``
(two-proportion z vs the rest), ``repful_for`` (``"agree"`` if rat > rdt else
``"disagree"``), ``rep_rank`` (1-based rank among the group's representative statements,
null otherwise), ``rep_clear`` (the group's rate in that direction is clearly above 1/2
and above the rest of the room; see :mod:`~coprod_analytics.consensus.tags`) and
``agree_ci_low``/``agree_ci_high`` (bootstrap interval of the agree
rate, null unless ``n_resamples > 0``).

``groups`` — one row per group: ``group``, ``size`` (clustered members), ``x``, ``y``
(centre), ``representative`` (statement ids, best first) and ``representative_direction``
(``"agree"``/``"disagree"`` for each).
"""

from __future__ import annotations

import functools
import html
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import polars as pl

from coprod_analytics.consensus.stability import StabilityResult
from coprod_analytics.errors import CoprodError, ParameterError, check_param
from coprod_analytics.format import MISSING
from coprod_analytics.provenance import Provenance
from coprod_analytics.results import Result, frame_to_html, interval_frame

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.consensus.matrix import VoteMatrix
    from coprod_analytics.consensus.pipeline import PolisState
    from coprod_analytics.consensus.verdict import Verdict

__all__ = ["IntervalsNotComputedError", "OpinionGroups", "group_letter"]

_TABLES = ("participants", "statements", "group_votes", "groups")


class DeferredColumns(Protocol):
    """Work a result does on first read of ``statements`` or ``notes`` (bridging scores).

    ``fill(statements, notes)`` returns the table with its columns filled and the notes with
    anything the reader should know added; it must be deterministic, so that the result is
    the same whenever it is read (see :class:`_Deferred`).
    """

    def fill(
        self, statements: pl.DataFrame, notes: tuple[str, ...]
    ) -> tuple[pl.DataFrame, tuple[str, ...]]: ...  # pragma: no cover


class _Deferred:
    """A data descriptor for the dataclass fields ``statements`` and ``notes`` of
    :class:`OpinionGroups`: reading either first runs the result's deferred work, once.

    Installed on the class after the dataclass is made (so the generated constructor,
    its defaults and the type checker see plain fields); frozen dataclasses set fields with
    ``object.__setattr__``, which goes through a data descriptor. A result without deferred work (built by
    hand, by the Dask engine, or with ``bridging=False``) reads like a plain field. Two
    threads reading at once may both run the work; it is deterministic, so both store the
    same table.
    """

    def __init__(self, name: str) -> None:
        self.slot = f"_{name}_value"

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:  # read on the class
            return self
        state = obj.__dict__
        pending: DeferredColumns | None = state.get("_deferred")
        if pending is not None:
            filled, notes = pending.fill(state["_statements_value"], state["_notes_value"])
            state["_statements_value"] = filled
            state["_notes_value"] = notes
            state.pop("_deferred", None)
        return state[self.slot]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = value


def _clean(v: Any) -> Any:
    """JSON-safe value: NaN/inf become None, tuples lists."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


def group_letter(group: int | None) -> str:
    """The name of a group as every summary and widget shows it: 0 -> "A", 1 -> "B", ...

    Parameters
    ----------
    group : int or None
        Group number (the ``group`` column of the tables).

    Returns
    -------
    str
        ``"A"``, ``"B"``, ... (``"–"`` for None; ``"26"`` and above stay numbers).

    Examples
    --------
    >>> group_letter(0), group_letter(2), group_letter(None)
    ('A', 'C', '–')
    """
    if group is None:
        return MISSING
    g = int(group)
    return chr(ord("A") + g) if 0 <= g < 26 else str(g)


class IntervalsNotComputedError(CoprodError, ValueError):
    """``conf_int`` on a result computed without resamples (``n_resamples=0``).

    Examples
    --------
    >>> from coprod_analytics.consensus import opinion_groups
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> res = opinion_groups(simulate_inquiry(40, 12, seed=1), bridging=False)
    >>> try:
    ...     res.conf_int()
    ... except IntervalsNotComputedError as err:
    ...     print(str(err)[:45])
    no intervals: this result was computed with n
    """


@dataclass(frozen=True, eq=False, repr=False)
class OpinionGroups(Result):
    """Opinion groups, consensus and divisions of an agree/disagree/pass inquiry.

    Attributes
    ----------
    participants : polars.DataFrame
        One row per participant who voted (columns in the module documentation).
    statements : polars.DataFrame
        One row per statement. With ``bridging=True`` (the default) its ``bridging`` and
        ``bridging_factor`` columns are computed on the first read of this table (or of
        ``notes``), about 20 ms on vtaiwan.uberx, so that a call that only needs the groups
        does not pay for them; the values are those an eager computation gives.
    group_votes : polars.DataFrame
        One row per (group, statement).
    groups : polars.DataFrame
        One row per group.
    k : int
        Number of groups shown (after Pol.is's k-smoother in replay or live updates).
    best_k : int
        k with the best silhouette in the last update (Pol.is's raw choice).
    silhouettes : dict of int to float
        Silhouette of every k tried.
    consensus_agree : list
        Statement ids of Pol.is's agreed consensus statements (best first).
    consensus_disagree : list
        Statement ids of Pol.is's disagreed consensus statements (best first).
    stability : StabilityResult or None
        Resampling stability of the clustered participants when ``stability=True``: how
        reproducible the split shown is and each person's membership confidence (the
        number of groups and how distinct they are is :attr:`verdict`); None otherwise.
    mode : str
        ``"batch"`` or ``"replay"``.
    as_of : str or None
        The time the result describes when ``as_of`` was given.
    parameters : dict
        Every parameter used.
    seed : int
        Random seed.
    fingerprint : str
        SHA-256 fingerprint of the input inquiry.
    provenance : Provenance
        Method, fingerprint, parameters, seed and package version.
    notes : tuple of str
        Anything the reader should know (e.g. an optional analysis that was unavailable;
        reading it completes the deferred bridging columns first, like ``statements``).
    state : PolisState or None
        Pol.is's state after the last update, for warm-started :func:`update` calls.
    matrix : VoteMatrix or None
        The latest-vote matrix the groups were computed on (for :attr:`verdict`).
    verdict : Verdict
        How many groups the votes support and how distinct they are (``"separate"``,
        ``"continuum"`` or ``"none"``), computed on first use (about 0.1-0.5 s; see
        :func:`~coprod_analytics.consensus.verdict.groups_verdict`). Every page says
        this one verdict.

    Examples
    --------
    >>> from coprod_analytics.consensus import opinion_groups
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> res = opinion_groups(simulate_inquiry(60, 20, n_groups=2, seed=3), bridging=False,
    ...                      n_resamples=50, progress=False)
    >>> res
    <OpinionGroups: Opinion groups (batch): k = 2 over 60 of 60 participants (best k by silhouette: 2)>
    >>> res.conf_int().columns
    ['statement_id', 'group', 'statistic', 'estimate', 'ci_low', 'ci_high', 'alpha']
    >>> res.to_frame("groups").select("group", "size").rows()
    [(0, 37), (1, 23)]
    """

    participants: pl.DataFrame
    statements: pl.DataFrame
    group_votes: pl.DataFrame
    groups: pl.DataFrame
    k: int
    best_k: int
    silhouettes: dict[int, float]
    consensus_agree: list[Any]
    consensus_disagree: list[Any]
    stability: StabilityResult | None
    mode: str
    as_of: str | None
    parameters: dict[str, Any]
    seed: int
    fingerprint: str
    provenance: Provenance
    notes: tuple[str, ...] = ()
    state: PolisState | None = field(default=None)
    matrix: VoteMatrix | None = field(default=None)

    def _defer(self, work: DeferredColumns) -> None:
        """Run ``work`` on the first read of ``statements`` or ``notes`` (see
        :class:`_Deferred`); :func:`~coprod_analytics.consensus.assemble.assemble` defers the
        bridging scores this way."""
        self.__dict__["_deferred"] = work

    # ------------------------------------------------------------------ verdict
    @functools.cached_property
    def verdict(self) -> Verdict:
        """How many groups the votes support and how distinct they are (computed once).

        Returns
        -------
        Verdict
            ``supported_k``, ``structure`` (``"separate"``, ``"continuum"``, ``"none"``)
            and ``text``; see :func:`~coprod_analytics.consensus.verdict.groups_verdict`.

        Raises
        ------
        CoprodError
            When the result carries no vote matrix (built by hand).
        """
        from coprod_analytics.consensus.verdict import groups_verdict

        if self.matrix is None:
            raise CoprodError("this result carries no vote matrix; rerun opinion_groups")
        in_conv = self.participants.get_column("in_conv").to_numpy().astype(bool)
        return groups_verdict(
            self.matrix,
            in_conv=in_conv,
            shown_k=self.k,
            max_k=max(int(self.parameters.get("max_k") or 5), 2),
            seed=self.seed,
        )

    def headline(self) -> str:
        """One sentence for a page's headline: the groups shown and the verdict on them.

        Returns
        -------
        str
        """
        v = self.verdict
        n_in = int(self.participants.get_column("in_conv").sum()) if self.participants.height else 0
        return f"{self.k} opinion groups among {n_in} participants — {v.text}"

    # ------------------------------------------------------------------ tables
    def to_frame(self, table: str = "participants") -> pl.DataFrame:
        """One of the result tables (columns documented in the module docs).

        Parameters
        ----------
        table : {"participants", "statements", "group_votes", "groups"}
            Which table; default ``"participants"``.

        Returns
        -------
        polars.DataFrame
        """
        check_param(table in _TABLES, "table", "OpinionGroups.to_frame", f"one of {_TABLES}", table)
        frame: pl.DataFrame = getattr(self, table)
        return frame

    def conf_int(self, alpha: float = 0.05) -> pl.DataFrame:
        """Bootstrap intervals (participant bootstrap stratified by group).

        Parameters
        ----------
        alpha : float, default 0.05
            Must be the ``alpha`` the result was computed with (the intervals are computed
            once, at that level).

        Returns
        -------
        polars.DataFrame
            Long table: ``statement_id``, ``group`` (null for the room-wide statistic),
            ``statistic`` (``"group_aware_consensus"`` per statement, ``"agree_rate"`` per
            group and statement), ``estimate``, ``ci_low``, ``ci_high``, ``alpha``.

        Raises
        ------
        IntervalsNotComputedError
            When the result was computed with ``n_resamples=0``.
        ParameterError
            When ``alpha`` differs from the computed level.
        """
        n_res = int(self.parameters.get("n_resamples") or 0)
        if n_res == 0:
            raise IntervalsNotComputedError(
                "no intervals: this result was computed with n_resamples=0; rerun "
                "opinion_groups(..., n_resamples=200) (or more) to get bootstrap intervals"
            )
        level = float(self.parameters.get("alpha", 0.05))
        if abs(float(alpha) - level) > 1e-12:
            raise ParameterError(
                f"The 'alpha' parameter of OpinionGroups.conf_int must be {level} for this "
                f"result (computed at that level). Got {alpha}; rerun opinion_groups with "
                f"alpha={alpha}."
            )
        gac = self.statements
        gv = self.group_votes
        sid_dtype = gac.schema["statement_id"]
        parts = [
            interval_frame(
                {
                    "statement_id": gac.get_column("statement_id"),
                    "group": pl.Series([None] * gac.height, dtype=pl.Int64),
                    "statistic": ["group_aware_consensus"] * gac.height,
                    "estimate": gac.get_column("group_aware_consensus").cast(pl.Float64),
                },
                gac.get_column("gac_ci_low").to_list(),
                gac.get_column("gac_ci_high").to_list(),
                alpha=level,
            ),
            interval_frame(
                {
                    "statement_id": gv.get_column("statement_id").cast(sid_dtype),
                    "group": gv.get_column("group").cast(pl.Int64),
                    "statistic": ["agree_rate"] * gv.height,
                    "estimate": gv.get_column("agree_rate").cast(pl.Float64),
                },
                gv.get_column("agree_ci_low").to_list(),
                gv.get_column("agree_ci_high").to_list(),
                alpha=level,
            ),
        ]
        return pl.concat(parts, how="vertical")

    # ------------------------------------------------------------------ display
    def _text(self, sid: Any) -> str:
        row = self.statements.filter(pl.col("statement_id") == sid)
        if row.height == 0:
            return str(sid)
        t = row.get_column("text")[0]
        return str(t) if t is not None else f"statement {sid}"

    def summary(self, *, max_statements: int = 3, width: int = 100) -> str:
        """A readable summary: groups (A, B, ...) and sizes, their top representative
        statements, and the consensus statements, with texts.

        Parameters
        ----------
        max_statements : int, default 3
            Statements listed per group and per consensus side.
        width : int, default 100
            Longer statement texts are cut with "…".

        Returns
        -------
        str
        """

        def short(s: str) -> str:
            s = " ".join(s.split())
            return s if len(s) <= width else s[: width - 1] + "…"

        n_part = self.participants.height
        n_in = int(self.participants.get_column("in_conv").sum()) if n_part else 0
        lines = [
            f"Opinion groups ({self.mode}): k = {self.k} over {n_in} of {n_part} participants "
            f"(best k by silhouette: {self.best_k})"
        ]
        if self.matrix is not None:
            lines.append(f"Verdict: {self.verdict.text}")
        if self.stability is not None:
            lines.append(f"Resampling: {self.stability.detail(self.k)}")
        for row in self.groups.iter_rows(named=True):
            lines.append(f"Group {group_letter(row['group'])} ({row['size']} participants)")
            reps = list(zip(row["representative"], row["representative_direction"], strict=True))
            for sid, direction in reps[:max_statements]:
                lines.append(f"  {direction:>8}: [{sid}] {short(self._text(sid))}")
        if self.consensus_agree or self.consensus_disagree:
            lines.append("Consensus")
            for sid in self.consensus_agree[:max_statements]:
                lines.append(f"     agree: [{sid}] {short(self._text(sid))}")
            for sid in self.consensus_disagree[:max_statements]:
                lines.append(f"  disagree: [{sid}] {short(self._text(sid))}")
        for note in self.notes:
            lines.append(f"Note: {note}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = html.escape(
            f"Opinion groups ({self.mode}): k = {self.k}, best k by silhouette {self.best_k}"
        )
        groups = self.groups.select(
            pl.col("group").map_elements(group_letter, return_dtype=pl.String),
            "size",
            pl.col("representative").list.eval(pl.element().cast(pl.String)).list.join(", "),
        )
        stmts = self.statements.select(
            "statement_id",
            "text",
            "group_aware_consensus",
            "bridging",
            "consensus",
            "is_divisive",
        ).sort("group_aware_consensus", descending=True, nulls_last=True)
        parts = [
            f"<strong>{head}</strong>",
            ""
            if self.matrix is None
            else f"<p>Verdict: <b>{html.escape(self.verdict.text)}</b></p>",
            frame_to_html(groups, caption="Groups"),
            frame_to_html(stmts, caption="Statements by group-aware consensus", max_rows=20),
        ]
        return "".join(parts)

    # ------------------------------------------------------------------ figures
    def plot(
        self,
        *,
        show_statements: bool = False,
        min_cell: int = 0,
        height: int = 460,
    ) -> Any:
        """The opinion map: one plotly trace per group, like pandas' ``DataFrame.plot()``.

        Delegates to :func:`coprod_analytics.consensus.plots.plot_opinion_map` (plotly is an
        optional extra, imported only here: ``pip install "coprod-analytics[widgets]"``).

        Parameters
        ----------
        show_statements : bool, default False
            Also show the statements.
        min_cell : int, default 0
            With > 0 (a figure to publish) no person is drawn: each group of at least
            ``min_cell`` people is an ellipse, sizes that would give a small group away are
            withheld.
        height : int, default 460
            Pixels.

        Returns
        -------
        plotly.graph_objects.Figure
            (typed ``Any``: the core never imports plotly at module level)

        Examples
        --------
        >>> from coprod_analytics.consensus import opinion_groups
        >>> from coprod_analytics.simulate import simulate_inquiry
        >>> res = opinion_groups(simulate_inquiry(60, 20, n_groups=2, seed=3), bridging=False)
        >>> [t.name for t in res.plot().data if t.name.startswith("Group")]
        ['Group A (37)', 'Group B (23)']
        """
        from coprod_analytics.consensus.plots import plot_opinion_map

        return plot_opinion_map(
            self, show_statements=show_statements, min_cell=min_cell, height=height
        )

    def plot_statements(
        self,
        *,
        kind: str = "consensus",
        group: int | None = None,
        max_statements: int = 12,
        min_cell: int = 0,
        height: int | None = None,
    ) -> Any:
        """Agree rates per group of the statements a board lists, with 95% intervals.

        Delegates to :func:`coprod_analytics.consensus.plots.plot_statements` (plotly is an
        optional extra: ``pip install "coprod-analytics[widgets]"``).

        Parameters
        ----------
        kind : {"consensus", "divisive", "representative", "all"}, default "consensus"
            Which statements (only claims the votes carry are tags).
        group : int, optional
            With ``kind="representative"``: the statements that set this group apart.
        max_statements : int, default 12
            Statements drawn.
        min_cell : int, default 0
            With > 0 (a figure to publish) a group's bar is left out where its voters or
            its agree count are too few to publish.
        height : int, optional
            Pixels.

        Returns
        -------
        plotly.graph_objects.Figure

        Examples
        --------
        >>> from coprod_analytics.consensus import opinion_groups
        >>> from coprod_analytics.simulate import simulate_inquiry
        >>> res = opinion_groups(simulate_inquiry(60, 20, n_groups=2, seed=3), bridging=False)
        >>> [t.name for t in res.plot_statements(kind="all").data]
        ['Group A', 'Group B']
        """
        from coprod_analytics.consensus.plots import plot_statements

        return plot_statements(
            self,
            kind=kind,
            group=group,
            max_statements=max_statements,
            min_cell=min_cell,
            height=height,
        )

    def __repr__(self) -> str:
        # one line, without computing the verdict
        n_part = self.participants.height
        n_in = int(self.participants.get_column("in_conv").sum()) if n_part else 0
        return (
            f"<OpinionGroups: Opinion groups ({self.mode}): k = {self.k} over {n_in} of "
            f"{n_part} participants (best k by silhouette: {self.best_k})>"
        )

    # ------------------------------------------------------------------ export
    def to_json_dict(self) -> dict[str, Any]:
        """The whole result as JSON-ready data (what ``coprod groups --json`` prints).

        Returns
        -------
        dict
            ``k``, ``participants`` ({id, group, x, y, confidence, in_conv}), ``statements``
            ({id, text, group_aware_consensus, bridging, ...}), ``groups``, ``consensus``,
            ``verdict`` ({supported_k, structure, text}: the one verdict every page shows),
            ``stability`` ({detail, per_k, polis_k} or null: how reproducible the split
            shown is under resampling), ``parameters``,
            ``seed``, ``fingerprint``, ``provenance``. NaN and infinities become null.
        """
        parts = self.participants.select(
            pl.col("participant_id").alias("id"),
            "group",
            "x",
            "y",
            "confidence",
            "in_conv",
        ).to_dicts()
        stmts = self.statements.rename({"statement_id": "id"}).to_dicts()
        groups = self.groups.to_dicts()
        out = {
            "k": self.k,
            "best_k": self.best_k,
            "silhouettes": {str(k): v for k, v in self.silhouettes.items()},
            "mode": self.mode,
            "as_of": self.as_of,
            "participants": parts,
            "statements": stmts,
            "groups": groups,
            "consensus": {"agree": self.consensus_agree, "disagree": self.consensus_disagree},
            "verdict": None if self.matrix is None else self.verdict.to_dict(),
            "stability": None
            if self.stability is None
            else {
                "detail": self.stability.detail(self.k),
                "per_k": self.stability.to_frame().to_dicts(),
                "polis_k": self.k,
            },
            "parameters": self.parameters,
            "seed": self.seed,
            "fingerprint": self.fingerprint,
            "provenance": self.provenance.to_dict(),
            "notes": list(self.notes),
        }
        cleaned: dict[str, Any] = _clean(out)
        # make sure it really is JSON (ids may be ints or strings; anything else -> str)
        result: dict[str, Any] = json.loads(json.dumps(cleaned, default=str))
        return result


# the two fields whose final value may wait for deferred work (see _Deferred)
setattr(OpinionGroups, "statements", _Deferred("statements"))  # noqa: B010
setattr(OpinionGroups, "notes", _Deferred("notes"))  # noqa: B010
