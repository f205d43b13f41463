"""State of the topics view: :class:`TopicsState` calls the core and holds the results.

The view (:mod:`coprod_widgets.text.views`) observes it and only formats and draws. Topic ×
group tables pass the small-cell rule of the core (``min_cell``).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import traitlets as t

from coprod_analytics.inquiry import Inquiry
from coprod_analytics.text import (
    Topics,
    TopicVotes,
    near_duplicates_of,
    texts_of,
    topic_votes,
    topics,
)

__all__ = ["MIN_TEXTS", "TopicsState", "has_text_data", "looks_like"]

#: Fewest texts for which the topics panel and the report section apply.
MIN_TEXTS = 10


def has_text_data(inquiry: Inquiry) -> bool:
    """Whether the inquiry has at least :data:`MIN_TEXTS` texts (statements that were not
    moderated out, or a ``free_text`` table).

    Parameters
    ----------
    inquiry : Inquiry

    Returns
    -------
    bool

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> has_text_data(Inquiry())
    False
    """
    try:
        return texts_of(inquiry).height >= MIN_TEXTS
    except Exception:  # a panel check must never break the dashboard
        return False


def looks_like(text: str, existing: Any, *, exclude: Any = None, threshold: float = 0.8) -> str:
    """The moderation-queue hint: ``"looks like #12"`` (plain text; "" when nothing is close).

    Parameters
    ----------
    text : str
        The statement waiting for moderation.
    existing : Inquiry or table
        The statements already there (see :func:`coprod_analytics.text.texts_of`).
    exclude : id, optional
        The waiting statement's own id (it is in the inquiry too).
    threshold : float, default 0.8
        Smallest near-duplicate score shown.

    Returns
    -------
    str
        E.g. ``" — looks like #12 (0.93)"``, or ``""``.

    Examples
    --------
    >>> looks_like("More buses!", ["more buses", "plant trees"])
    ' — looks like #0 (1.00)'
    >>> looks_like("Something new", ["more buses"])
    ''
    """
    hits = near_duplicates_of(text, existing, threshold=threshold, max_results=4)
    if exclude is not None:
        hits = hits.filter(pl.col("text_id") != str(exclude))
    if hits.height == 0:
        return ""
    best = ", ".join(
        f"#{i} ({s:.2f})" for i, s in hits.select("text_id", "score").head(3).iter_rows()
    )
    return f" — looks like {best}"


class TopicsState(t.HasTraits):
    """Topics of an inquiry's texts and, when it has votes, how each opinion group votes on them.

    Parameters
    ----------
    inquiry : Inquiry
        The inquiry (its statements, or its ``free_text`` table).
    seed : int, default 0
        Seed of the topics and the opinion groups.
    min_cell : int, default 5
        Topic × group cells of fewer voters are suppressed.
    groups : OpinionGroups, optional
        Opinion groups already computed (e.g. the dashboard's), to avoid computing them again.

    Attributes
    ----------
    n_topics : int or None — the number of topics (None: chosen by modularity).
    topic : int — the topic whose texts are listed.
    result : Topics — the topics (recomputed when ``n_topics`` changes).
    votes : TopicVotes or None — topic × opinion group (None without votes).

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> s = TopicsState(simulate_inquiry(40, 12, seed=1))
    >>> s.n_topics = 2
    >>> s.result.k, s.topic
    (2, 1)
    """

    n_topics = t.Int(None, allow_none=True)
    topic = t.Int(1)
    result = t.Instance(Topics, allow_none=True)
    votes = t.Instance(TopicVotes, allow_none=True)

    def __init__(
        self, inquiry: Inquiry, *, seed: int = 0, min_cell: int = 5, groups: Any = None
    ) -> None:
        super().__init__()
        self.inquiry = inquiry
        self.seed = seed
        self.min_cell = min_cell
        self._groups = groups
        self._compute()

    @t.observe("n_topics")
    def _on_n_topics(self, _change: dict[str, Any]) -> None:
        self._compute()

    def _compute(self) -> None:
        res = topics(self.inquiry, n_topics=self.n_topics, seed=self.seed, progress=False)
        votes = None
        if self.inquiry.votes.height and self.inquiry.statements.height:
            try:
                votes = topic_votes(
                    res,
                    self.inquiry,
                    groups=self._groups,
                    min_cell=self.min_cell,
                    seed=self.seed,
                    progress=False,
                )
            except Exception:  # e.g. too few voters to cluster: topics still show
                votes = None
        self.votes = votes
        self.result = res
        if self.topic > res.k:
            self.topic = 1

    def texts(self) -> pl.DataFrame:
        """The selected topic's texts, closest to its centre first.

        Returns
        -------
        pl.DataFrame
            ``text_id``, ``text``, ``similarity``.
        """
        assert self.result is not None
        return self.result.texts(self.topic)
