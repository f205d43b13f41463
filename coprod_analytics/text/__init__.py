"""Free text: topics, near-duplicates and what each group says — offline and seeded.

Main entry points (loaded on first use, so importing the package stays light):

- :func:`topics` — topics of short texts (TF-IDF of characters and words, or WordLlama
  embeddings from the ``text`` extra), k-means, class-based TF-IDF labels, quotes by id;
- :func:`near_duplicates` — pairs of texts that say the same thing with small differences;
- :func:`near_duplicates_of` — the existing texts a new one looks like (moderation queue);
- :func:`topic_votes` — how each opinion group votes per topic; which topics bridge or divide;
- :func:`topic_mentions` — which groups or population categories raise which topics;
- :func:`texts_of`, :func:`read_texts` — any collection of texts as one table.

Where things are: ``corpus`` (texts as a table, normalisation, label tokens), ``topics``,
``duplicates``, ``groups`` (topics × opinion groups), ``inputs`` (the ``free_text`` table).

Examples
--------
>>> from coprod_analytics.text import near_duplicates_of
>>> near_duplicates_of("More buses!", ["more buses", "fewer cars"]).get_column("text_id").to_list()
['0']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.text.corpus import read_texts, texts_of
    from coprod_analytics.text.duplicates import (
        NearDuplicates,
        near_duplicates,
        near_duplicates_of,
    )
    from coprod_analytics.text.groups import TopicMentions, TopicVotes, topic_mentions, topic_votes
    from coprod_analytics.text.topic_model import MissingBackendError, Topics, embed_texts, topics

_LAZY: dict[str, str] = {
    "topics": "coprod_analytics.text.topic_model",
    "Topics": "coprod_analytics.text.topic_model",
    "embed_texts": "coprod_analytics.text.topic_model",
    "MissingBackendError": "coprod_analytics.text.topic_model",
    "near_duplicates": "coprod_analytics.text.duplicates",
    "near_duplicates_of": "coprod_analytics.text.duplicates",
    "NearDuplicates": "coprod_analytics.text.duplicates",
    "topic_votes": "coprod_analytics.text.groups",
    "TopicVotes": "coprod_analytics.text.groups",
    "topic_mentions": "coprod_analytics.text.groups",
    "TopicMentions": "coprod_analytics.text.groups",
    "texts_of": "coprod_analytics.text.corpus",
    "read_texts": "coprod_analytics.text.corpus",
}

__all__ = [
    "MissingBackendError",
    "NearDuplicates",
    "TopicMentions",
    "TopicVotes",
    "Topics",
    "embed_texts",
    "near_duplicates",
    "near_duplicates_of",
    "read_texts",
    "texts_of",
    "topic_mentions",
    "topic_votes",
    "topics",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'coprod_analytics.text' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
