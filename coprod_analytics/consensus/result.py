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
``n_boot > 0``), ``bridging`` and ``bridging_factor`` (Community-Notes-style intercept and
factor, null unless ``bridging=True`` succeeds), ``consensus`` (``"agree"`` /
``"disagree"`` when chosen as a Pol.is consensus statement, else null), ``is_consensus``,
``is_divisive`` (a significant majority of one group agrees, z > 1.2816 and smoothed rate
> 0.5, while a significant majority of another group disagrees), ``representative_for``
(groups it represents) and ``priority`` (Pol.is's comment priority).

``group_votes`` — long table, one row per (group, statement): ``group``,
``statement_id``, ``agree``, ``disagree``, ``pass``, ``total`` (counts over clustered members
of the group), ``agree_rate``, ``disagree_rate``, ``pass_rate`` (counts / total, null when
total is 0), Pol.is's representativeness statistics ``pa``, ``pd`` (smoothed rates),
``pat``, ``pdt`` (one-proportion z), ``ra``, ``rd`` (ratio to the rest), ``rat``, ``rdt``
(two-proportion z vs the rest), ``repful_for`` (``"agree"`` if rat > rdt else
``"disagree"``), ``rep_rank`` (1-based rank among the group's representative statements,
null otherwise) and ``agree_ci_low``/``agree_ci_high`` (bootstrap interval of the agree
rate, null unless ``n_boot > 0``).

``groups`` — one row per group: ``group``, ``size`` (clustered members), ``x``, ``y``
(centre), ``representative`` (statement ids, best first) and ``representative_direction``
(``"agree"``/``"disagree"`` for each).
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from coprod_analytics.provenance import Provenance
from coprod_analytics.results import frame_to_html

__all__ = ["OpinionGroups"]

_TABLES = ("participants", "statements", "group_votes", "groups")


def _clean(v: Any) -> Any:
    """JSON-safe value: NaN/inf become None, tuples lists."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    return v


@dataclass(frozen=True, eq=False)
class OpinionGroups:
    """Opinion groups, consensus and divisions of an agree/disagree/pass inquiry.

    Attributes
    ----------
    participants, statements, group_votes, groups : polars.DataFrame
        See the module documentation for every column.
    k : int
        Number of groups shown (after Pol.is's k-smoother in replay or live updates).
    best_k : int
        k with the best silhouette in the last update (Pol.is's raw choice).
    silhouettes : dict of int to float
        Silhouette of every k tried.
    consensus_agree, consensus_disagree : list
        Statement ids of Pol.is's consensus statements (best first).
    stability : dict or None
        Resampling stability summary (``supported_k``, ``verdict``, per-k scores ...) when
        ``stability=True``; the verdict says e.g. "one room, no stable split".
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
        Anything the reader should know (e.g. an optional analysis that was unavailable).
    state : object
        Pol.is's state after the last update, for warm-started :func:`update` calls.
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
    stability: dict[str, Any] | None
    mode: str
    as_of: str | None
    parameters: dict[str, Any]
    seed: int
    fingerprint: str
    provenance: Provenance
    notes: tuple[str, ...] = ()
    state: Any = field(default=None, repr=False)

    # ------------------------------------------------------------------ tables
    def to_frame(self, table: str = "participants") -> pl.DataFrame:
        """One of the result tables: ``participants`` (default), ``statements``,
        ``group_votes`` or ``groups``."""
        if table not in _TABLES:
            from coprod_analytics.errors import check_param

            check_param(False, "table", "OpinionGroups.to_frame", f"one of {_TABLES}", table)
        frame: pl.DataFrame = getattr(self, table)
        return frame

    def conf_int(self) -> pl.DataFrame:
        """Bootstrap intervals: per statement ``group_aware_consensus`` with
        ``gac_ci_low``/``gac_ci_high`` (null unless computed with ``n_boot > 0``)."""
        return self.statements.select(
            "statement_id", "group_aware_consensus", "gac_ci_low", "gac_ci_high"
        )

    # ------------------------------------------------------------------ display
    def _text(self, sid: Any) -> str:
        row = self.statements.filter(pl.col("statement_id") == sid)
        if row.height == 0:
            return str(sid)
        t = row.get_column("text")[0]
        return str(t) if t is not None else f"statement {sid}"

    def summary(self, *, max_statements: int = 3, width: int = 100) -> str:
        """A readable summary: groups and sizes, their top representative statements, and
        the consensus statements, with texts."""

        def short(s: str) -> str:
            s = " ".join(s.split())
            return s if len(s) <= width else s[: width - 1] + "…"

        n_part = self.participants.height
        n_in = int(self.participants.get_column("in_conv").sum()) if n_part else 0
        lines = [
            f"Opinion groups ({self.mode}): k = {self.k} over {n_in} of {n_part} participants "
            f"(best k by silhouette: {self.best_k})"
        ]
        if self.stability:
            verdict = self.stability.get("verdict")
            if verdict:
                lines.append(f"Stability: {verdict}")
        for row in self.groups.iter_rows(named=True):
            lines.append(f"Group {row['group']} ({row['size']} participants)")
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

    def __repr__(self) -> str:
        return (
            f"<OpinionGroups {self.mode}: k={self.k}, {self.participants.height} participants, "
            f"{self.statements.height} statements>"
        )

    def _repr_html_(self) -> str:
        head = html.escape(
            f"Opinion groups ({self.mode}): k = {self.k}, best k by silhouette {self.best_k}"
        )
        groups = self.groups.select(
            "group",
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
            frame_to_html(groups, caption="Groups"),
            frame_to_html(stmts, caption="Statements by group-aware consensus", max_rows=20),
        ]
        if self.stability and self.stability.get("verdict"):
            parts.insert(1, f"<p>{html.escape(str(self.stability['verdict']))}</p>")
        return "".join(parts)

    # ------------------------------------------------------------------ export
    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``k``, ``participants`` ({id, group, x, y, confidence,
        in_conv}), ``statements`` ({id, text, group_aware_consensus, bridging, ...}),
        ``groups``, ``consensus``, ``stability``, ``parameters``, ``seed``, ``fingerprint``,
        ``provenance``. NaN and infinities become null."""
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
            "stability": self.stability,
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
