"""Topics × opinion groups: how each group votes on each topic (:func:`topic_votes`) and
which groups or population categories raise which topics in open answers
(:func:`topic_mentions`).

Agree rates are pooled over the latest votes of a group's clustered members on a topic's
statements; their intervals are Wilson score intervals (:func:`coprod_analytics.intervals.wilson_interval`)
that treat the votes as independent — one person's votes on statements of one topic are
correlated, so read them as a lower bound of the uncertainty. Cells of fewer than
``min_cell`` people are suppressed (:func:`coprod_analytics.privacy.suppress_small_cells`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.format import fmt_pct
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.privacy import DEFAULT_MIN_CELL, suppress_small_cells
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, interval_frame
from coprod_analytics.text.topic_model import Topics

__all__ = ["TopicMentions", "TopicVotes", "topic_mentions", "topic_votes"]


def _letter(g: Any) -> str:
    from coprod_analytics.consensus.result import group_letter

    return group_letter(None if g is None else int(g))


@dataclass(frozen=True, repr=False)
class TopicVotes(Result):
    """How each opinion group votes on each topic, and which topics bridge or divide.

    Attributes
    ----------
    table : pl.DataFrame
        One row per (topic, group): ``topic``, ``label``, ``group`` (letter), ``voters``
        (group members who voted on the topic), ``agree``, ``disagree``, ``pass``,
        ``n_votes``, ``agree_rate``, ``ci_low``, ``ci_high`` (Wilson, level ``1 - alpha``);
        counts and rates null where fewer than ``min_cell`` voters.
    verdicts : pl.DataFrame
        One row per topic: ``topic``, ``label``, ``lowest``, ``highest`` (group agree
        rates), ``gap`` and ``verdict``: ``"bridges"`` (every group's interval above 50 %),
        ``"divides"`` (one group's interval above 50 % and another's below), ``"rejected"``
        (every group's interval below 50 %) or ``"mixed"``.
    alpha : float
    min_cell : int
    note : str
        The small-cell note ("" when nothing was suppressed).
    provenance : Provenance

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_analytics.text import topics
    >>> inq = simulate_inquiry(60, 12, n_groups=2, seed=3)
    >>> tv = topic_votes(topics(inq, n_topics=2, progress=False), inq, progress=False)
    >>> tv.table.columns[:4]
    ['topic', 'label', 'group', 'voters']
    >>> tv.conf_int().columns
    ['topic', 'group', 'ci_low', 'ci_high', 'alpha']
    """

    table: pl.DataFrame
    verdicts: pl.DataFrame
    alpha: float
    min_cell: int
    note: str
    provenance: Provenance

    def to_frame(self) -> pl.DataFrame:
        """The (topic, group) table.

        Returns
        -------
        pl.DataFrame
        """
        return self.table

    def conf_int(self, alpha: float = 0.05) -> pl.DataFrame:
        """Wilson intervals of each group's agree rate per topic.

        Parameters
        ----------
        alpha : float, default 0.05
            Interval level ``1 - alpha`` (recomputed from the counts).

        Returns
        -------
        pl.DataFrame
            ``topic``, ``group``, ``ci_low``, ``ci_high``, ``alpha``.
        """
        check_param(0 < alpha < 1, "alpha", "TopicVotes.conf_int", "a number in (0, 1)", alpha)
        low, high = _wilson(self.table.get_column("agree"), self.table.get_column("n_votes"), alpha)
        return interval_frame(
            {"topic": self.table["topic"].to_list(), "group": self.table["group"].to_list()},
            low,
            high,
            alpha=alpha,
        )

    def summary(self) -> str:
        """Which topics bridge and which divide, in plain words.

        Returns
        -------
        str
        """
        counts = self.verdicts.get_column("verdict").value_counts(sort=True)
        parts = ", ".join(f"{n} {v}" for v, n in counts.iter_rows())
        lines = [f"Topics by opinion group: {self.verdicts.height} topics ({parts})"]
        for r in self.verdicts.iter_rows(named=True):
            lines.append(
                f"  Topic {r['topic']} ({r['label']}): {r['verdict']}; agree "
                f"{fmt_pct(r['lowest'])}–{fmt_pct(r['highest'])} across groups"
            )
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


def _wilson(agree: pl.Series, total: pl.Series, alpha: float) -> tuple[list[Any], list[Any]]:
    """Wilson intervals (:func:`coprod_analytics.intervals.wilson_interval`); None where a
    cell is suppressed or empty."""
    from coprod_analytics.intervals import wilson_interval

    k = agree.cast(pl.Float64).fill_null(0.0).to_numpy()
    n = total.cast(pl.Float64).fill_null(0.0).to_numpy()
    lo, hi = wilson_interval(k, n, alpha=alpha)
    missing = (agree.is_null() | total.is_null() | (total.fill_null(0) == 0)).to_list()
    low = [None if m else float(v) for m, v in zip(missing, lo, strict=True)]
    high = [None if m else float(v) for m, v in zip(missing, hi, strict=True)]
    return low, high


def topic_votes(
    topics_result: Topics,
    inquiry: Inquiry,
    *,
    groups: Any = None,
    alpha: float = 0.05,
    min_cell: int = DEFAULT_MIN_CELL,
    seed: int = 0,
    progress: bool = True,
) -> TopicVotes:
    """How each opinion group votes on each topic of an inquiry's statements.

    Parameters
    ----------
    topics_result : Topics
        Topics of the inquiry's statements (:func:`~coprod_analytics.text.topics`).
    inquiry : Inquiry
        The inquiry with the votes.
    groups : OpinionGroups, optional
        Opinion groups of the inquiry (default: computed with
        :func:`~coprod_analytics.consensus.opinion_groups`, ``bridging=False``).
    alpha : float, default 0.05
        Interval level ``1 - alpha``.
    min_cell : int, default 5
        (topic, group) cells with fewer voters are suppressed.
    seed : int, default 0
        Seed of the opinion groups when they are computed here.
    progress : bool, default True
        Passed to :func:`~coprod_analytics.consensus.opinion_groups`.

    Returns
    -------
    TopicVotes
        The (topic, group) table with Wilson intervals and a verdict per topic.

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_analytics.text import topics
    >>> inq = simulate_inquiry(60, 12, n_groups=2, seed=3)
    >>> tv = topic_votes(topics(inq, n_topics=2, progress=False), inq, progress=False)
    >>> sorted(set(tv.table["group"]))[:2]
    ['A', 'B']
    """
    func = "topic_votes"
    if not isinstance(topics_result, Topics):
        raise ValidationError(f"{func} needs a Topics result; got {type(topics_result).__name__}")
    if not isinstance(inquiry, Inquiry):
        raise ValidationError(f"{func} needs an Inquiry; got {type(inquiry).__name__}")
    check_param(0 < alpha < 1, "alpha", func, "a number in (0, 1)", alpha)
    if groups is None:
        from coprod_analytics.consensus import opinion_groups

        groups = opinion_groups(inquiry, seed=seed, bridging=False, progress=progress)
    members = groups.participants.filter(pl.col("group").is_not_null()).select(
        pl.col("participant_id").cast(pl.String), pl.col("group")
    )
    assign = topics_result.assignments.select("text_id", "topic")
    labels = topics_result.topics.select("topic", "label")
    votes = inquiry.votes.select(
        pl.col("participant_id").cast(pl.String),
        pl.col("statement_id").cast(pl.String).alias("text_id"),
        pl.col("vote"),
    )
    joined = votes.join(members, on="participant_id").join(assign, on="text_id")
    if joined.height == 0:
        raise ValidationError(
            "no votes of clustered participants on the topics' statements (are the topics "
            "those of this inquiry's statements?)",
            table="votes",
        )
    table = (
        joined.group_by("topic", "group")
        .agg(
            pl.col("participant_id").n_unique().cast(pl.Int64).alias("voters"),
            (pl.col("vote") == 1).sum().cast(pl.Int64).alias("agree"),
            (pl.col("vote") == -1).sum().cast(pl.Int64).alias("disagree"),
            (pl.col("vote") == 0).sum().cast(pl.Int64).alias("pass"),
            pl.len().cast(pl.Int64).alias("n_votes"),
        )
        .sort("topic", "group")
        .with_columns((pl.col("agree") / pl.col("n_votes")).alias("agree_rate"))
    )
    low, high = _wilson(table["agree"], table["n_votes"], alpha)
    table = table.with_columns(
        pl.Series("ci_low", low, dtype=pl.Float64), pl.Series("ci_high", high, dtype=pl.Float64)
    )
    sup = suppress_small_cells(table, count_column="voters", min_cell=min_cell, unit="voters")
    table = (
        sup.frame.join(labels, on="topic")
        .with_columns(pl.col("group").map_elements(_letter, return_dtype=pl.String))
        .select(
            "topic",
            "label",
            "group",
            "voters",
            "agree",
            "disagree",
            "pass",
            "n_votes",
            "agree_rate",
            "ci_low",
            "ci_high",
        )
    )
    rows = []
    for (topic,), part in table.filter(pl.col("agree_rate").is_not_null()).group_by(
        "topic", maintain_order=True
    ):
        lo = part["ci_low"].to_numpy()
        hi = part["ci_high"].to_numpy()
        rates = part["agree_rate"].to_numpy()
        if len(rates) >= 2 and bool(np.all(lo > 0.5)):
            verdict = "bridges"
        elif len(rates) >= 2 and bool(np.any(lo > 0.5)) and bool(np.any(hi < 0.5)):
            verdict = "divides"
        elif len(rates) >= 2 and bool(np.all(hi < 0.5)):
            verdict = "rejected"
        else:
            verdict = "mixed"
        rows.append(
            {
                "topic": int(topic),
                "lowest": float(rates.min()),
                "highest": float(rates.max()),
                "gap": float(rates.max() - rates.min()),
                "verdict": verdict,
            }
        )
    verdicts = (
        pl.DataFrame(
            rows,
            schema={
                "topic": pl.Int64,
                "lowest": pl.Float64,
                "highest": pl.Float64,
                "gap": pl.Float64,
                "verdict": pl.String,
            },
        )
        .join(labels, on="topic")
        .select("topic", "label", "lowest", "highest", "gap", "verdict")
        .sort("topic")
    )
    provenance = Provenance(
        method="coprod_analytics.text.topic_votes",
        input_fingerprint=fingerprint_frames(votes, assign, members),
        parameters={
            "alpha": alpha,
            "min_cell": min_cell,
            "topics": topics_result.provenance.to_dict(),
        },
        seed=seed,
    )
    return TopicVotes(table, verdicts, float(alpha), min_cell, sup.note, provenance)


@dataclass(frozen=True, repr=False)
class TopicMentions(Result):
    """Which groups (or population categories) raise which topics in their texts.

    Attributes
    ----------
    table : pl.DataFrame
        One row per (category, topic): the category column (named after ``by``),
        ``topic``, ``label``, ``people`` (distinct writers in the category with a text on
        the topic), ``writers`` (distinct writers in the category), ``share`` (people /
        writers); counts and shares null where fewer than ``min_cell`` people.
    by : str
        The category column (``"group"`` for opinion groups, as letters).
    min_cell : int
    note : str
    provenance : Provenance

    Examples
    --------
    >>> from coprod_analytics.text import topics
    >>> answers = pl.DataFrame({"text_id": range(12), "participant_id": range(12),
    ...     "text": ["more buses"] * 6 + ["more trees"] * 6})
    >>> people = pl.DataFrame({"participant_id": range(12), "area": ["north"] * 6 + ["south"] * 6})
    >>> tm = topic_mentions(topics(answers, n_topics=2, progress=False), people, by="area")
    >>> tm.table.select("area", "topic", "people").rows()
    [('north', 1, 6), ('south', 2, 6)]
    """

    table: pl.DataFrame
    by: str
    min_cell: int
    note: str
    provenance: Provenance

    def to_frame(self) -> pl.DataFrame:
        """The (category, topic) table.

        Returns
        -------
        pl.DataFrame
        """
        return self.table

    def summary(self) -> str:
        """The topic each category raises most, in plain words.

        Returns
        -------
        str
        """
        lines = [f"Topics raised by {self.by}: {self.table.height} cells"]
        shown = self.table.filter(pl.col("people").is_not_null()).sort(
            [self.by, "people"], descending=[False, True]
        )
        for (cat,), part in shown.group_by(self.by, maintain_order=True):
            r = part.row(0, named=True)
            lines.append(
                f"  {self.by} {cat}: most often topic {r['topic']} ({r['label']}), "
                f"{r['people']} of {r['writers']} writers"
            )
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


def topic_mentions(
    topics_result: Topics,
    categories: Any,
    *,
    by: str = "group",
    min_cell: int = DEFAULT_MIN_CELL,
    seed: int = 0,
    progress: bool = True,
) -> TopicMentions:
    """Which opinion groups or population categories raise which topics.

    Parameters
    ----------
    topics_result : Topics
        Topics of texts with a ``participant_id`` (open answers of a ``free_text`` table,
        or statements with their authors).
    categories : Inquiry, OpinionGroups or DataFrame
        Who is in which category: an Inquiry (``by="group"``: its opinion groups; otherwise
        a column of ``inquiry.participants``), an OpinionGroups result, or a table with
        ``participant_id`` and the ``by`` column.
    by : str, default "group"
        The category column (``"group"``: opinion groups, shown as letters).
    min_cell : int, default 5
        Cells of fewer people (and categories of fewer writers) are suppressed.
    seed : int, default 0
        Seed of the opinion groups when they are computed here.
    progress : bool, default True
        Passed to :func:`~coprod_analytics.consensus.opinion_groups`.

    Returns
    -------
    TopicMentions
        The (category, topic) table after small-cell suppression.

    Examples
    --------
    >>> from coprod_analytics.text import topics
    >>> answers = pl.DataFrame({"text_id": range(4), "participant_id": [1, 2, 3, 4],
    ...                         "text": ["buses", "buses", "trees", "trees"]})
    >>> people = pl.DataFrame({"participant_id": [1, 2, 3, 4], "area": ["n", "n", "s", "s"]})
    >>> tm = topic_mentions(topics(answers, n_topics=2, progress=False), people, by="area")
    >>> tm.table["people"].to_list()  # every cell has fewer than 5 people
    [None, None]
    """
    func = "topic_mentions"
    if not isinstance(topics_result, Topics):
        raise ValidationError(f"{func} needs a Topics result; got {type(topics_result).__name__}")
    if "participant_id" not in topics_result.assignments.columns:
        raise ValidationError(
            "the texts have no participant_id, so who raised a topic is unknown",
            table="free_text",
            column="participant_id",
        )
    from coprod_analytics.consensus.result import OpinionGroups

    if isinstance(categories, Inquiry):
        if by == "group":
            from coprod_analytics.consensus import opinion_groups

            categories = opinion_groups(categories, seed=seed, bridging=False, progress=progress)
        else:
            categories = categories.participants
    if isinstance(categories, OpinionGroups):
        if by != "group":
            raise ValidationError(f"by={by!r} needs a participants table, not opinion groups")
        cats = categories.participants.filter(pl.col("group").is_not_null()).select(
            pl.col("participant_id").cast(pl.String),
            pl.col("group").map_elements(_letter, return_dtype=pl.String).alias("group"),
        )
    else:
        from coprod_analytics.schema import as_polars

        frame = as_polars(categories, name="participants")
        for col in ("participant_id", by):
            if col not in frame.columns:
                raise ValidationError(
                    f"no column {col!r}; found " + ", ".join(repr(c) for c in frame.columns),
                    table="participants",
                    column=col,
                )
        cats = frame.select(pl.col("participant_id").cast(pl.String), pl.col(by)).drop_nulls()
    texts = topics_result.assignments.select(
        pl.col("participant_id").cast(pl.String), "topic"
    ).drop_nulls()
    joined = texts.join(cats, on="participant_id")
    writers = joined.group_by(by).agg(pl.col("participant_id").n_unique().alias("writers"))
    table = (
        joined.group_by(by, "topic")
        .agg(pl.col("participant_id").n_unique().cast(pl.Int64).alias("people"))
        .join(writers.with_columns(pl.col("writers").cast(pl.Int64)), on=by)
        .with_columns((pl.col("people") / pl.col("writers")).alias("share"))
        .join(topics_result.topics.select("topic", "label"), on="topic")
        .select(by, "topic", "label", "people", "writers", "share")
        .sort(by, "topic")
    )
    first = suppress_small_cells(
        table, count_column="writers", min_cell=min_cell, also=["people", "share"], unit="writers"
    )
    second = suppress_small_cells(
        first.frame, count_column="people", min_cell=min_cell, also=["share"], unit="people"
    )
    note = " ".join(n for n in (first.note, second.note) if n)
    provenance = Provenance(
        method="coprod_analytics.text.topic_mentions",
        input_fingerprint=fingerprint_frames(texts, cats),
        parameters={"by": by, "min_cell": min_cell, "topics": topics_result.provenance.to_dict()},
        seed=seed,
    )
    return TopicMentions(second.frame, by, min_cell, note, provenance)
