"""Activities of a live inquiry: what participants answer besides statement votes.

An inquiry folder's item tables become **activities** on the session's agenda, each with its
items and a kind that says what an answer holds and which inquiry table it feeds:

- ``statements`` (items: ``statements``): agree / disagree / pass (``/api/vote``) -> votes.
- ``evidence`` (``evidence_items``): ``credibility``, ``relevance`` on the scale, optional
  ``confidence`` -> ``evidence``.
- ``ratings`` (``rating_items``): ``rating`` on the item's scale -> ``ratings``.
- ``questions`` (``questions``), by the question's ``type``: ``estimate``: ``value`` and
  optional ``confidence`` -> ``estimates`` (with the Delphi ``round``); ``probability``:
  ``probability`` in [0, 1] -> ``probabilities``; ``choice``: ``answer`` (one of the options)
  and optional ``predictions`` ({option: share}) -> ``choices`` and ``predictions``.
- ``panel`` (``panel_items``, or a ``panel`` table): ``value`` on the item's scale, in the
  wave (round) open: 1 ``pre``, 2 ``post`` -> ``panel``.
- ``population`` (``population``): ``category`` (one of the attribute's categories or
  :data:`PREFER_NOT_TO_SAY`) -> the participants' attribute columns.
- ``budget``, ``pairwise``, ``ranking``, ``open_question``: see
  :mod:`~coprod_analytics.session.priorities` (the budget ballot, "which is better?" with
  participants' ideas, rankings of the top k, open questions -> ``budget_votes``,
  ``pairwise``, ``rankings``, ``free_text``).
- ``mapping``, ``appraisal``: see :mod:`~coprod_analytics.session.mapping_activity` (places
  on a map or plan, or an area from a list; support for needs others mapped; appraisal
  rounds of the needs -> ``places``, ``support``, ``appraisals``).

Activities and the agenda are events in the session's append-only log (``kind =
'activity'``): a definition (``{"action": "define", ...}``) and agenda steps (``open``,
``close``, ``round``: the next Delphi round or panel wave). Answers are ``answer`` events;
the latest answer of a participant to an item (in a Delphi round, in a panel wave) counts,
and the log keeps them all.

The package's modules, one responsibility each (import the names from here):

- :mod:`~coprod_analytics.session.activities.records`: the kinds, their answer tables and
  :class:`ActivityRecord` (an activity as the log says it stands), waves and rounds;
- :mod:`~coprod_analytics.session.activities.answers`: :func:`check_answer`, one answer
  checked against its item;
- :mod:`~coprod_analytics.session.activities.tables`: :func:`answer_tables` and
  :func:`item_tables`, the latest answers folded into the inquiry's tables (through their
  answer rows: :func:`row_frames`, :func:`tables_from_rows`);
- :mod:`~coprod_analytics.session.activities.live_rows`: :class:`LiveRows`, those rows kept
  up to date answer by answer for the facilitator's live view;
- :mod:`~coprod_analytics.session.activities.definitions`: :func:`activities_from_inquiry`
  and :func:`activities_from_folder`, the activities an inquiry's item tables define.

Pure Python and polars: no web code.
"""

from __future__ import annotations

from coprod_analytics.session.activities.answers import check_answer
from coprod_analytics.session.activities.definitions import (
    activities_from_folder,
    activities_from_inquiry,
)
from coprod_analytics.session.activities.live_rows import LiveRows
from coprod_analytics.session.activities.records import (
    ACTIVITY_KINDS,
    ANSWER_TABLES,
    PANEL_WAVES,
    PREFER_NOT_TO_SAY,
    ActivityRecord,
    bind_statements,
    slot_round,
)
from coprod_analytics.session.activities.records import wave_name as wave_name
from coprod_analytics.session.activities.tables import Latest as Latest
from coprod_analytics.session.activities.tables import (
    answer_rows,
    answer_tables,
    item_tables,
    row_frames,
    row_schemas,
    tables_from_rows,
)

__all__ = [
    "ACTIVITY_KINDS",
    "ANSWER_TABLES",
    "PANEL_WAVES",
    "PREFER_NOT_TO_SAY",
    "ActivityRecord",
    "LiveRows",
    "activities_from_folder",
    "activities_from_inquiry",
    "answer_rows",
    "answer_tables",
    "bind_statements",
    "check_answer",
    "item_tables",
    "row_frames",
    "row_schemas",
    "slot_round",
    "tables_from_rows",
]
