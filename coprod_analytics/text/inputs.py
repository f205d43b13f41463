"""Input table of the free-text family: ``free_text`` (open answers).

Lists this kind for :data:`coprod_analytics.inputs.INPUT_SCHEMAS`, so an
:class:`~coprod_analytics.Inquiry` can hold it in ``inquiry.tables["free_text"]`` (and a folder
with ``free_text.csv`` loads it):

=============  ============================================================================
table          columns (optional ones in brackets)
=============  ============================================================================
``free_text``  text_id, text, [participant_id], [question_id] — one open answer per row;
               the input of :func:`~coprod_analytics.text.topics` and, with
               ``participant_id``, of :func:`~coprod_analytics.text.topic_mentions`
=============  ============================================================================

Only polars is imported here (the module is imported by ``validate_input``).
"""

from __future__ import annotations

from coprod_analytics.schema import InputSchema

__all__ = ["TEXT_SCHEMAS"]

TEXT_SCHEMAS: tuple[InputSchema, ...] = (
    InputSchema(
        "free_text",
        ("text_id", "text"),
        ("participant_id", "question_id"),
        {"text_id": "id", "text": "text", "participant_id": "id", "question_id": "id"},
        unique=("text_id",),
        description="open answers (free text)",
    ),
)
