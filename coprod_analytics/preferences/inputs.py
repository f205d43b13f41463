"""The input tables of the preferences family: rankings, pairwise comparisons and
participatory budgets (listed in :data:`coprod_analytics.inputs.INPUT_SCHEMAS`).

See :mod:`coprod_analytics.io.preference_tables` for their columns and how ``.pb`` and
PrefLib files become these tables. Two item lists describe what a live session asks
(:mod:`coprod_analytics.session.priorities`):

==================  =======================================================================
table               columns (optional ones in brackets)
==================  =======================================================================
``pairwise_items``  item_id, [text] (the pool of "which is better?")
``ranking_items``   item_id, [text], [k] (the list to rank; ``k``: how many to order, the
                    same on every row, 1 to the number of items)
==================  =======================================================================
"""

from __future__ import annotations

from coprod_analytics.schema import InputSchema

__all__ = ["PREFERENCE_SCHEMAS"]

PREFERENCE_SCHEMAS: tuple[InputSchema, ...] = (
    InputSchema(
        "rankings",
        ("participant_id", "item_id", "rank"),
        ("weight",),
        {"participant_id": "id", "item_id": "text", "rank": "int", "weight": "float"},
        {"rank": (1.0, None), "weight": (0.0, None)},
        ("participant_id", "item_id"),
        "ranked ballots (1 is best; equal ranks are ties)",
        item="item_id",
        value="rank",
    ),
    InputSchema(
        "pairwise",
        ("winner", "loser"),
        ("tie", "participant_id", "weight"),
        {
            "winner": "id",
            "loser": "id",
            "tie": "text",  # true/false, yes/no or 1/0, checked when the model is fitted
            "participant_id": "id",
            "weight": "float",
        },
        {"weight": (0.0, None)},
        (),
        "pairwise comparisons (winner, loser, optional tie)",
    ),
    InputSchema(
        "pairwise_items",
        ("item_id",),
        ("text",),
        {"item_id": "id", "text": "text"},
        {},
        ("item_id",),
        "the items compared in pairs (id, text)",
    ),
    InputSchema(
        "ranking_items",
        ("item_id",),
        ("text", "k"),
        {"item_id": "id", "text": "text", "k": "int"},
        {"k": (1.0, None)},
        ("item_id",),
        "the items to rank (id, text, how many to order: k)",
    ),
    InputSchema(
        "budget_projects",
        ("project_id", "cost"),
        ("name", "votes", "score", "selected", "category", "target"),
        {
            "project_id": "text",
            "cost": "float",
            "name": "text",
            "votes": "float",
            "score": "float",
            "selected": "int",
            "category": "text",
            "target": "text",
        },
        {"cost": (0.0, None), "selected": (0.0, 1.0)},
        ("project_id",),
        "participatory-budgeting projects (id, cost, ...)",
        item="project_id",
    ),
    InputSchema(
        "budget_votes",
        ("participant_id", "project_id"),
        ("points", "rank"),
        {"participant_id": "text", "project_id": "text", "points": "float", "rank": "int"},
        {"points": (0.0, None), "rank": (1.0, None)},
        ("participant_id", "project_id"),
        "participatory-budgeting ballots (one row per voter and project)",
        item="project_id",
        value="points",
    ),
    InputSchema(
        "budget_meta",
        ("key", "value"),
        (),
        {"key": "text", "value": "text"},
        {},
        ("key",),
        "participatory-budgeting META (budget, vote_type, rule, ...)",
    ),
)
