"""Input tables of the free-text family: ``free_text`` (open answers) and ``open_questions``.

Lists these kinds for :data:`coprod_analytics.inputs.INPUT_SCHEMAS`, so an
:class:`~coprod_analytics.Inquiry` can hold them in ``inquiry.tables`` (and a folder with
``free_text.csv`` or ``open_questions.csv`` loads them):

==================  =======================================================================
table               columns (optional ones in brackets)
==================  =======================================================================
``free_text``       text_id, text, [participant_id], [question_id] — one open answer per
                    row; the input of :func:`~coprod_analytics.text.topics` and, with
                    ``participant_id``, of :func:`~coprod_analytics.text.topic_mentions`
``open_questions``  question_id, [text] — the open questions asked (the ``question_id``
                    of ``free_text``; a live session's open-question activity)
==================  =======================================================================

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
    InputSchema(
        "open_questions",
        ("question_id",),
        ("text",),
        {"question_id": "id", "text": "text"},
        unique=("question_id",),
        description="the open questions (id, text)",
    ),
)
